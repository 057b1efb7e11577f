//! Writes of the wizard's steps: diagnostics, objectives and themes, the planning's settings,
//! the bilan and the closing. Each runs in the caller's transaction; the caller records the audit.

use crate::store::conn::{on, Conn};
use crate::store::packs::join_list;
use carnet_domain::parcours::bilan::ValidBilan;
use carnet_domain::parcours::cloture::ClotureAnticipee;
use carnet_domain::parcours::diagnostic::ValidDiagnostic;
use carnet_domain::parcours::objectifs::ValidObjectifs;
use carnet_domain::parcours::planning::Frequence;
use carnet_domain::parcours::ParcoursSuivi;
use chrono::{DateTime, Utc};

/// `initial` or `final`.
pub async fn save_diagnostic(
    conn: &mut dyn Conn,
    parcours_id: i64,
    moment: &str,
    d: &ValidDiagnostic,
    user_id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    on!(conn, |cx| {
        sqlx::query(
        "INSERT INTO diagnostics (parcours_id, moment, observations, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $5)
         ON CONFLICT (parcours_id, moment) DO UPDATE SET observations = excluded.observations, updated_at = excluded.updated_at",
    )
    .bind(parcours_id)
    .bind(moment)
    .bind(&d.observations)
    .bind(user_id)
    .bind(now)
    .execute(cx)
    .await.map(|r| r.rows_affected())
    })?;
    on!(conn, |cx| sqlx::query("DELETE FROM diagnostic_niveaux WHERE parcours_id = $1 AND moment = $2")
        .bind(parcours_id)
        .bind(moment)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    for (competence, niveau) in &d.niveaux {
        on!(conn, |cx| sqlx::query(
            "INSERT INTO diagnostic_niveaux (parcours_id, moment, competence, niveau) VALUES ($1, $2, $3, $4)"
        )
        .bind(parcours_id)
        .bind(moment)
        .bind(competence)
        .bind(niveau.code())
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    }
    on!(conn, |cx| sqlx::query("DELETE FROM diagnostic_resultats WHERE parcours_id = $1 AND moment = $2")
        .bind(parcours_id)
        .bind(moment)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    for (i, r) in d.resultats.iter().enumerate() {
        on!(conn, |cx| sqlx::query(
            "INSERT INTO diagnostic_resultats (parcours_id, moment, rang, outil, score) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(parcours_id)
        .bind(moment)
        .bind(i as i64 + 1)
        .bind(&r.outil)
        .bind(&r.score)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    }
    crate::store::agregat::recompter_progressions(conn, parcours_id).await
}

/// The quick diagnostic's pack (or none), while no objectives are set; false otherwise.
pub async fn envisager_pack(conn: &mut dyn Conn, parcours_id: i64, pack_id: Option<i64>) -> sqlx::Result<bool> {
    let n = on!(conn, |cx| sqlx::query(
        "UPDATE parcours SET pack_id = $1 WHERE id = $2
           AND NOT EXISTS (SELECT 1 FROM objectifs o WHERE o.parcours_id = $2)",
    )
    .bind(pack_id)
    .bind(parcours_id)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Sets the pack only if none is chosen yet (the quick diagnostic's pack is a suggestion).
pub async fn suggest_pack(conn: &mut dyn Conn, parcours_id: i64, pack_id: i64) -> sqlx::Result<()> {
    on!(conn, |cx| sqlx::query(
        "UPDATE parcours SET pack_id = $1 WHERE id = $2
           AND NOT EXISTS (SELECT 1 FROM objectifs o WHERE o.parcours_id = $2)",
    )
    .bind(pack_id)
    .bind(parcours_id)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn save_objectifs(
    conn: &mut dyn Conn,
    parcours_id: i64,
    pack_id: i64,
    o: &ValidObjectifs,
) -> sqlx::Result<()> {
    on!(conn, |cx| sqlx::query("UPDATE parcours SET pack_id = $1 WHERE id = $2")
        .bind(pack_id)
        .bind(parcours_id)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    on!(conn, |cx| sqlx::query("DELETE FROM objectifs WHERE parcours_id = $1")
        .bind(parcours_id)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    for (i, (competence, niveau)) in o.objectifs.iter().enumerate() {
        on!(conn, |cx| sqlx::query(
            "INSERT INTO objectifs (parcours_id, rang, competence, niveau_cible) VALUES ($1, $2, $3, $4)"
        )
        .bind(parcours_id)
        .bind(i as i64 + 1)
        .bind(competence)
        .bind(niveau.code())
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    }
    on!(conn, |cx| sqlx::query("DELETE FROM parcours_themes WHERE parcours_id = $1")
        .bind(parcours_id)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    for (i, t) in o.themes.iter().enumerate() {
        on!(conn, |cx| {
            sqlx::query(
            "INSERT INTO parcours_themes (parcours_id, rang, titre, thematiques, competences) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(parcours_id)
        .bind(i as i64 + 1)
        .bind(&t.titre)
        .bind(join_list(&t.thematiques))
        .bind(join_list(&t.competences))
        .execute(cx)
        .await.map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}

pub async fn save_planning(
    conn: &mut dyn Conn,
    parcours_id: i64,
    frequence: Frequence,
    duree_minutes: u32,
    type_lieu: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    on!(conn, |cx| sqlx::query(
        "INSERT INTO plannings (parcours_id, frequence, duree_minutes, type_lieu, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $5)
         ON CONFLICT (parcours_id) DO UPDATE SET frequence = excluded.frequence, duree_minutes = excluded.duree_minutes,
             type_lieu = excluded.type_lieu, updated_at = excluded.updated_at",
    )
    .bind(parcours_id)
    .bind(frequence.code())
    .bind(duree_minutes as i64)
    .bind(type_lieu)
    .bind(now)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The planning's settings: (rhythm, duration, place).
pub async fn planning(conn: &mut dyn Conn, parcours_id: i64) -> sqlx::Result<Option<(Frequence, u32, String)>> {
    let row: Option<(String, i64, String)> = on!(conn, |cx| sqlx::query_as(
        "SELECT frequence, duree_minutes, type_lieu FROM plannings WHERE parcours_id = $1"
    )
    .bind(parcours_id)
    .fetch_optional(cx)
    .await)?;
    Ok(row.and_then(|(f, d, t)| Some((Frequence::parse(&f)?, d as u32, t))))
}

/// The competences of the parcours' objectives, in order.
pub async fn objectif_codes(conn: &mut dyn Conn, parcours_id: i64) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(String,)> =
        on!(conn, |cx| sqlx::query_as("SELECT competence FROM objectifs WHERE parcours_id = $1 ORDER BY rang")
            .bind(parcours_id)
            .fetch_all(cx)
            .await)?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

pub async fn save_bilan(
    conn: &mut dyn Conn,
    parcours_id: i64,
    b: &ValidBilan,
    user_id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    for (competence, atteint) in &b.objectifs_atteints {
        on!(conn, |cx| sqlx::query("UPDATE objectifs SET atteint = $1 WHERE parcours_id = $2 AND competence = $3")
            .bind(*atteint)
            .bind(parcours_id)
            .bind(competence)
            .execute(cx)
            .await
            .map(|r| r.rows_affected()))?;
    }
    on!(conn, |cx| sqlx::query(
        "INSERT INTO bilans (parcours_id, orientation, recommandations, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $5)
         ON CONFLICT (parcours_id) DO UPDATE SET orientation = excluded.orientation,
             recommandations = excluded.recommandations, updated_at = excluded.updated_at",
    )
    .bind(parcours_id)
    .bind(&b.orientation)
    .bind(&b.recommandations)
    .bind(user_id)
    .bind(now)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn has_bilan(conn: &mut dyn Conn, parcours_id: i64) -> sqlx::Result<bool> {
    let row: Option<(i64,)> = on!(conn, |cx| sqlx::query_as("SELECT parcours_id FROM bilans WHERE parcours_id = $1")
        .bind(parcours_id)
        .fetch_optional(cx)
        .await)?;
    Ok(row.is_some())
}

/// Closes an open parcours; false if it was not open.
pub async fn close(conn: &mut dyn Conn, parcours_id: i64, now: DateTime<Utc>) -> sqlx::Result<bool> {
    let n = on!(conn, |cx| {
        sqlx::query(
        "UPDATE parcours SET etat = 'termine', etape = 'bilan', closed_at = $1, updated_at = $1 WHERE id = $2 AND etat = 'en_cours'",
    )
    .bind(now)
    .bind(parcours_id)
    .execute(cx)
    .await.map(|r| r.rows_affected())
    })?;
    if n == 1 {
        crate::store::agregat::recompter_cloture(conn, parcours_id).await?;
    }
    Ok(n == 1)
}

/// Closes a parcours still in progress before its end, with its reason. False when it was not
/// in progress (closed meanwhile).
pub async fn close_early(
    conn: &mut dyn Conn,
    parcours_id: i64,
    cloture: &ClotureAnticipee,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let n = on!(conn, |cx| sqlx::query(
        "UPDATE parcours SET etat = 'abandonne', cloture_motif = $1, cloture_precision = $2, closed_at = $3,
                updated_at = $3
         WHERE id = $4 AND etat = 'en_cours'",
    )
    .bind(cloture.motif.code())
    .bind(&cloture.precision)
    .bind(now)
    .bind(parcours_id)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    if n == 1 {
        crate::store::agregat::recompter_cloture(conn, parcours_id).await?;
    }
    Ok(n == 1)
}

#[derive(sqlx::FromRow)]
struct SuiviRow {
    id: i64,
    prenom: String,
    etat: String,
    etape: String,
    nb_passes: i64,
    tenues: i64,
    prochaine: Option<DateTime<Utc>>,
    atteints: i64,
    total: i64,
    updated_at: DateTime<Utc>,
}

/// The dashboard's parcours: open ones first (by next session), then the `fermes` closed last.
/// A conseiller sees their own; a coordinateur, the whole structure's.
pub async fn suivis(
    conn: &mut dyn Conn,
    structure_id: i64,
    conseiller_id: Option<i64>,
    fermes: i64,
    limit: i64,
    cal: carnet_domain::fuseau::Calendrier,
) -> sqlx::Result<Vec<ParcoursSuivi>> {
    let rows: Vec<SuiviRow> = on!(conn, |cx| sqlx::query_as(
        // The order reads the computed `prochaine`: PostgreSQL lets ORDER BY name an output column
        // only alone, not in an expression, hence the outer query.
        "SELECT * FROM (SELECT p.id, b.prenom, p.etat, p.etape, ca.nb_passes,
            (SELECT COUNT(*) FROM seances s WHERE s.parcours_id = p.id AND s.statut = 'tenue') AS tenues,
            (SELECT MIN(s.debut) FROM seances s WHERE s.parcours_id = p.id AND s.statut = 'prevue') AS prochaine,
            (SELECT COUNT(*) FROM objectifs o WHERE o.parcours_id = p.id AND o.atteint = TRUE) AS atteints,
            (SELECT COUNT(*) FROM objectifs o WHERE o.parcours_id = p.id) AS total,
            p.updated_at
         FROM parcours p
         JOIN beneficiaires b ON b.id = p.beneficiaire_id
         JOIN carnets ca ON ca.id = p.carnet_id
         WHERE p.structure_id = $1 AND ($2 IS NULL OR p.conseiller_id = $2)
           AND (p.etat = 'en_cours' OR p.id IN (
                 SELECT p2.id FROM parcours p2
                 WHERE p2.structure_id = $1 AND ($2 IS NULL OR p2.conseiller_id = $2) AND p2.etat <> 'en_cours'
                 ORDER BY p2.updated_at DESC LIMIT $3))) t
         ORDER BY t.etat <> 'en_cours', t.prochaine IS NULL, t.prochaine, t.updated_at DESC
         LIMIT $4",
    )
    .bind(structure_id)
    .bind(conseiller_id)
    .bind(fermes)
    .bind(limit)
    .fetch_all(cx)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|r| ParcoursSuivi {
            id: r.id,
            prenom: r.prenom,
            etat: r.etat,
            etape: r.etape,
            seances_tenues: r.tenues,
            nb_passes: r.nb_passes,
            prochaine_seance: r.prochaine.map(|at| cal.to_local(at)),
            objectifs_atteints: r.atteints,
            objectifs_total: r.total,
            updated_at: r.updated_at,
        })
        .collect())
}
