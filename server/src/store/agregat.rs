//! The statistics' daily counts (`statistiques_jours`): the held sessions of each structure's
//! local day, grouped by what the statistics blocks tell apart (conseiller, type of place,
//! duration, the person's commune for a session at home, the report's lists), with the passes
//! they consumed. A country's year is then a few hundred thousand counts to add instead of a
//! million sessions to join to their parcours.
//!
//! Kept exact by recounting: whatever changes what a day counts (a session held, withdrawn,
//! moved, reported on, a pass validated or cancelled, a person corrected or erased, a structure's
//! zone) recounts the structure's days concerned from the sessions, in the same transaction.
//! Recounting a whole day rather than adding and subtracting one session leaves no delta to get
//! wrong: the counts are always what the sessions say. `store::statistiques` reads them only for
//! the days a period wholly contains, and the sessions for the rest.
//!
//! The first held session of each person at each structure (`statistiques_premieres`), for the
//! people new in a period: recounted whenever one of their sessions is held, withdrawn or moved.
//!
//! The progressions (`statistiques_progressions`) are each parcours' competences assessed at
//! both diagnostics and how many rose, per domain: recounted from the diagnostics whenever one
//! is saved, read for the completed parcours of a period.
//!
//! The months (`statistiques_mois`): each structure's daily counts added up per local month,
//! recounted from its days whenever one of them is, so that a year reads a dozen rows per kind of
//! session instead of one per day.
//!
//! Each person's first and last held session per structure and type of place
//! (`statistiques_personnes`), for the people seen in a period, recounted with the first sessions;
//! each closed parcours with its held sessions (`statistiques_clotures`), written when it closes
//! and recounted when one of its sessions is held, withdrawn or moved.
//!
//! The progressions of each structure's completed parcours per UTC month
//! (`statistiques_progressions_mois`), recounted from the two tables above whenever a parcours'
//! closure or progressions change, so that a country's year adds a few rows per structure.
//!
//! A database whose sessions predate the counts is filled in the background (`remplir`); the
//! statistics read the sources alone until `statistiques_remplissages` says it is done.

use crate::store::conn::{on, Conn};
use carnet_domain::fuseau::{Calendrier, Fuseau};
use carnet_domain::parcours::competences::Niveau;
use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// A structure's calendar, as the statistics date its sessions.
fn calendrier(commune: Option<&str>, fuseau: Option<&str>) -> Calendrier {
    Calendrier::pour(commune, fuseau.and_then(Fuseau::parse))
}

/// The UTC bounds of a local day.
fn bornes(cal: Calendrier, jour: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    (cal.to_utc(jour.and_time(NaiveTime::MIN)), cal.to_utc((jour + Duration::days(1)).and_time(NaiveTime::MIN)))
}

/// What one row counts together.
type Cle = (NaiveDate, i64, String, i64, Option<String>, Option<String>, Option<String>);

/// Held sessions of one UTC hour of a structure, as the recount reads them.
#[derive(sqlx::FromRow)]
struct Heure {
    heure: String,
    conseiller_id: i64,
    type_lieu: String,
    duree_minutes: i64,
    domicile_insee: Option<String>,
    cr_thematiques: Option<String>,
    cr_materiel: Option<String>,
    nombre: i64,
    passes: i64,
    valeur_centimes: i64,
}

/// Counts the held sessions of a structure (those starting in `[debut, fin)` if given) per local
/// day and writes the rows. The days concerned must have no row yet.
async fn compter(
    conn: &mut dyn Conn,
    structure_id: i64,
    cal: Calendrier,
    intervalle: Option<(DateTime<Utc>, DateTime<Utc>)>,
) -> sqlx::Result<()> {
    let (heure, minutes) = on!(conn, |_cx| (dialect::heure("s.debut"), dialect::minutes("s.debut", "s.fin")));
    let borne = if intervalle.is_some() { "AND s.debut >= $2 AND s.debut < $3" } else { "" };
    // A whole structure starts from its parcours (CROSS JOIN: SQLite keeps that order; PostgreSQL
    // plans it as the join it is): without statistics on the tables, as in a generation's
    // transaction, SQLite walked every held session of the country for each structure (35-60 s
    // each at national volume). A day starts from that day's sessions.
    let depuis = if intervalle.is_some() {
        "seances s JOIN parcours p ON p.id = s.parcours_id"
    } else {
        "parcours p CROSS JOIN seances s"
    };
    // An hour of a zone France uses falls on one local day (whole hours from UTC, changes at a
    // whole hour): the database groups by hour, the day is the calendar's.
    let sql = format!(
        "SELECT x.heure, x.conseiller_id, x.type_lieu, x.duree_minutes, x.domicile_insee, x.cr_thematiques,
                x.cr_materiel, COUNT(*) AS nombre, COUNT(x.valeur) AS passes,
                CAST(COALESCE(SUM(x.valeur), 0) AS BIGINT) AS valeur_centimes
         FROM (SELECT {heure} AS heure, s.conseiller_id, s.type_lieu,
                      COALESCE(s.cr_duree_minutes, {minutes}) AS duree_minutes,
                      CASE WHEN s.type_lieu = 'domicile' THEN b.commune_insee END AS domicile_insee,
                      s.cr_thematiques, s.cr_materiel, pa.valeur_centimes AS valeur
               FROM {depuis}
               JOIN beneficiaires b ON b.id = p.beneficiaire_id
               LEFT JOIN passes pa ON pa.seance_id = s.id
               WHERE s.parcours_id = p.id AND p.structure_id = $1 AND s.statut = 'tenue' {borne}) x
         GROUP BY x.heure, x.conseiller_id, x.type_lieu, x.duree_minutes, x.domicile_insee, x.cr_thematiques,
                  x.cr_materiel"
    );
    let heures: Vec<Heure> = on!(conn, |cx| {
        let mut q = sqlx::query_as::<_, Heure>(&sql).bind(structure_id);
        if let Some((d, f)) = intervalle {
            q = q.bind(d).bind(f);
        }
        q.fetch_all(cx).await
    })?;
    let mut lignes: BTreeMap<Cle, (i64, i64, i64)> = BTreeMap::new();
    for h in heures {
        let debut = NaiveDateTime::parse_from_str(&format!("{}:00", h.heure), "%Y-%m-%dT%H:%M")
            .map_err(|e| sqlx::Error::Decode(format!("heure illisible {:?} : {e}", h.heure).into()))?
            .and_utc();
        let jour = cal.to_local(debut).date();
        let cle =
            (jour, h.conseiller_id, h.type_lieu, h.duree_minutes, h.domicile_insee, h.cr_thematiques, h.cr_materiel);
        let l = lignes.entry(cle).or_default();
        l.0 += h.nombre;
        l.1 += h.passes;
        l.2 += h.valeur_centimes;
    }
    ecrire(conn, structure_id, cal, lignes.into_iter().collect()).await
}

/// Rows per statement: 13 values each, well under either backend's limit.
const LIGNES_PAR_INSERT: usize = 500;

async fn ecrire(
    conn: &mut dyn Conn,
    structure_id: i64,
    cal: Calendrier,
    lignes: Vec<(Cle, (i64, i64, i64))>,
) -> sqlx::Result<()> {
    for lot in lignes.chunks(LIGNES_PAR_INSERT) {
        let marques: Vec<String> = (0..lot.len())
            .map(|i| {
                let b = i * 13;
                format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7,
                    b + 8,
                    b + 9,
                    b + 10,
                    b + 11,
                    b + 12,
                    b + 13
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO statistiques_jours (structure_id, jour, debut_jour, fin_jour, conseiller_id, type_lieu,
                                             duree_minutes, domicile_insee, cr_thematiques, cr_materiel, nombre,
                                             passes, valeur_centimes)
             VALUES {}",
            marques.join(", ")
        );
        on!(conn, |cx| {
            let mut q = sqlx::query(&sql);
            for ((jour, conseiller, type_lieu, duree, domicile, themes, materiel), (n, passes, valeur)) in lot {
                let (debut, fin) = bornes(cal, *jour);
                q = q
                    .bind(structure_id)
                    .bind(*jour)
                    .bind(debut)
                    .bind(fin)
                    .bind(*conseiller)
                    .bind(type_lieu.clone())
                    .bind(*duree)
                    .bind(domicile.clone())
                    .bind(themes.clone())
                    .bind(materiel.clone())
                    .bind(*n)
                    .bind(*passes)
                    .bind(*valeur);
            }
            q.execute(cx).await.map(|_| ())
        })?;
    }
    Ok(())
}

/// A structure's commune and chosen zone.
async fn calendrier_structure(conn: &mut dyn Conn, structure_id: i64) -> sqlx::Result<Calendrier> {
    let r: Option<(Option<String>, Option<String>)> =
        on!(conn, |cx| sqlx::query_as("SELECT commune_insee, fuseau FROM structures WHERE id = $1")
            .bind(structure_id)
            .fetch_optional(cx)
            .await)?;
    let (commune, fuseau) = r.unwrap_or_default();
    Ok(calendrier(commune.as_deref(), fuseau.as_deref()))
}

/// Recounts of a structure's days one after the other on PostgreSQL (on SQLite the write
/// transaction already excludes the others): the rows have no key a conflict could catch, and two
/// recounts of the same day side by side (two writers, or a writer and the background fill of
/// another instance) would each delete what they saw, then both insert.
async fn verrouiller(conn: &mut dyn Conn, structure_id: i64) -> sqlx::Result<()> {
    crate::store::verrous::attendre(conn, &format!("statistiques_jours:{structure_id}")).await
}

/// Recounts the given days of a structure.
async fn recompter_jours(conn: &mut dyn Conn, structure_id: i64, jours: &BTreeSet<NaiveDate>) -> sqlx::Result<()> {
    verrouiller(conn, structure_id).await?;
    let cal = calendrier_structure(conn, structure_id).await?;
    for jour in jours {
        on!(conn, |cx| sqlx::query("DELETE FROM statistiques_jours WHERE structure_id = $1 AND jour = $2")
            .bind(structure_id)
            .bind(*jour)
            .execute(cx)
            .await
            .map(|_| ()))?;
        compter(conn, structure_id, cal, Some(bornes(cal, *jour))).await?;
    }
    let mois: BTreeSet<NaiveDate> = jours.iter().map(|j| premier_du_mois(*j)).collect();
    recompter_mois(conn, structure_id, cal, &mois).await
}

/// The first day of a date's month.
pub(crate) fn premier_du_mois(jour: NaiveDate) -> NaiveDate {
    jour.with_day(1).expect("le 1er existe")
}

/// Recounts the given months of a structure from its daily counts (the lock held).
async fn recompter_mois(
    conn: &mut dyn Conn,
    structure_id: i64,
    cal: Calendrier,
    mois: &BTreeSet<NaiveDate>,
) -> sqlx::Result<()> {
    for m in mois {
        let suivant = *m + Months::new(1);
        on!(conn, |cx| sqlx::query("DELETE FROM statistiques_mois WHERE structure_id = $1 AND mois = $2")
            .bind(structure_id)
            .bind(*m)
            .execute(cx)
            .await
            .map(|_| ()))?;
        let (debut, _) = bornes(cal, *m);
        let (fin, _) = bornes(cal, suivant);
        on!(conn, |cx| sqlx::query(
            "INSERT INTO statistiques_mois (structure_id, mois, debut_mois, fin_mois, conseiller_id, type_lieu,
                                            duree_minutes, domicile_insee, cr_thematiques, cr_materiel, nombre,
                                            passes, valeur_centimes)
             SELECT $1, $2, $3, $4, a.conseiller_id, a.type_lieu, a.duree_minutes, a.domicile_insee,
                    a.cr_thematiques, a.cr_materiel, SUM(a.nombre), SUM(a.passes), SUM(a.valeur_centimes)
             FROM statistiques_jours a
             WHERE a.structure_id = $1 AND a.jour >= $2 AND a.jour < $5
             GROUP BY a.conseiller_id, a.type_lieu, a.duree_minutes, a.domicile_insee, a.cr_thematiques,
                      a.cr_materiel"
        )
        .bind(structure_id)
        .bind(*m)
        .bind(debut)
        .bind(fin)
        .bind(suivant)
        .execute(cx)
        .await
        .map(|_| ()))?;
    }
    Ok(())
}

/// Recounts every month of a structure from its daily counts (the lock held).
async fn recompter_mois_structure(conn: &mut dyn Conn, structure_id: i64) -> sqlx::Result<()> {
    on!(conn, |cx| sqlx::query("DELETE FROM statistiques_mois WHERE structure_id = $1")
        .bind(structure_id)
        .execute(cx)
        .await
        .map(|_| ()))?;
    let jours: Vec<(NaiveDate,)> =
        on!(conn, |cx| sqlx::query_as("SELECT DISTINCT jour FROM statistiques_jours WHERE structure_id = $1")
            .bind(structure_id)
            .fetch_all(cx)
            .await)?;
    let mois: BTreeSet<NaiveDate> = jours.into_iter().map(|(j,)| premier_du_mois(j)).collect();
    let cal = calendrier_structure(conn, structure_id).await?;
    recompter_mois(conn, structure_id, cal, &mois).await
}

/// Where sessions count: (structure, its commune, its zone, start), for a condition on `s`/`p`.
async fn lieux_des_seances(
    conn: &mut dyn Conn,
    condition: &str,
    id: i64,
) -> sqlx::Result<BTreeMap<i64, BTreeSet<NaiveDate>>> {
    let sql = format!(
        "SELECT p.structure_id, st.commune_insee, st.fuseau, s.debut
         FROM seances s JOIN parcours p ON p.id = s.parcours_id JOIN structures st ON st.id = p.structure_id
         WHERE {condition}"
    );
    let l: Vec<(i64, Option<String>, Option<String>, DateTime<Utc>)> =
        on!(conn, |cx| sqlx::query_as(&sql).bind(id).fetch_all(cx).await)?;
    let mut jours: BTreeMap<i64, BTreeSet<NaiveDate>> = BTreeMap::new();
    for (structure, commune, fuseau, debut) in l {
        let jour = calendrier(commune.as_deref(), fuseau.as_deref()).to_local(debut).date();
        jours.entry(structure).or_default().insert(jour);
    }
    Ok(jours)
}

/// The days a session counts on now, to recount after a change (with those after it).
pub async fn jours_de_seance(conn: &mut dyn Conn, seance_id: i64) -> sqlx::Result<BTreeMap<i64, BTreeSet<NaiveDate>>> {
    lieux_des_seances(conn, "s.id = $1", seance_id).await
}

/// Recounts the days given (see `jours_de_seance`).
pub async fn recompter(conn: &mut dyn Conn, jours: &BTreeMap<i64, BTreeSet<NaiveDate>>) -> sqlx::Result<()> {
    for (structure, j) in jours {
        recompter_jours(conn, *structure, j).await?;
    }
    Ok(())
}

/// Recounts the day of a session as it is now (its state, report or pass changed).
pub async fn recompter_seance(conn: &mut dyn Conn, seance_id: i64) -> sqlx::Result<()> {
    let jours = jours_de_seance(conn, seance_id).await?;
    recompter(conn, &jours).await?;
    recompter_premiere(conn, seance_id).await
}

/// Recounts the first held session of the person of a session at its structure (the session
/// was held, withdrawn or moved).
pub async fn recompter_premiere(conn: &mut dyn Conn, seance_id: i64) -> sqlx::Result<()> {
    let r: Option<(i64, i64)> = on!(conn, |cx| sqlx::query_as(
        "SELECT p.beneficiaire_id, p.structure_id FROM seances s JOIN parcours p ON p.id = s.parcours_id
         WHERE s.id = $1"
    )
    .bind(seance_id)
    .fetch_optional(cx)
    .await)?;
    let Some((beneficiaire, structure)) = r else { return Ok(()) };
    for table in ["statistiques_premieres", "statistiques_personnes"] {
        let sql = format!("DELETE FROM {table} WHERE beneficiaire_id = $1 AND structure_id = $2");
        on!(conn, |cx| sqlx::query(&sql).bind(beneficiaire).bind(structure).execute(cx).await.map(|_| ()))?;
    }
    let condition = "p.beneficiaire_id = $1 AND p.structure_id = $2";
    compter_premieres(conn, condition, &[beneficiaire, structure]).await?;
    compter_personnes(conn, condition, &[beneficiaire, structure]).await?;
    let (parcours,): (i64,) = on!(conn, |cx| sqlx::query_as("SELECT parcours_id FROM seances WHERE id = $1")
        .bind(seance_id)
        .fetch_one(cx)
        .await)?;
    recompter_cloture(conn, parcours).await
}

/// Writes the first and last held session of each (person, structure, type of place) of the
/// parcours `condition` picks (on `p`, its values `$1`, `$2`…), which must have no row yet.
async fn compter_personnes(conn: &mut dyn Conn, condition: &str, valeurs: &[i64]) -> sqlx::Result<()> {
    // As for the first sessions: a writer of the same person on another PostgreSQL connection
    // may have written the row since the DELETE, from the same sessions.
    let sql = format!(
        "INSERT INTO statistiques_personnes (beneficiaire_id, structure_id, type_lieu, premiere, derniere)
         SELECT x.beneficiaire_id, x.structure_id, x.type_lieu, x.premiere, x.derniere
         FROM (SELECT p.beneficiaire_id, p.structure_id, s.type_lieu, MIN(s.debut) AS premiere,
                      MAX(s.debut) AS derniere
               FROM seances s JOIN parcours p ON p.id = s.parcours_id
               WHERE {condition} AND s.statut = 'tenue'
               GROUP BY p.beneficiaire_id, p.structure_id, s.type_lieu) x
         WHERE TRUE
         ON CONFLICT (beneficiaire_id, structure_id, type_lieu)
         DO UPDATE SET premiere = excluded.premiere, derniere = excluded.derniere"
    );
    on!(conn, |cx| {
        let mut q = sqlx::query(&sql);
        for v in valeurs {
            q = q.bind(*v);
        }
        q.execute(cx).await.map(|_| ())
    })
}

/// Recounts a parcours' closure row (it was closed, or one of its sessions held, withdrawn or
/// moved): none while it is open.
pub async fn recompter_cloture(conn: &mut dyn Conn, parcours_id: i64) -> sqlx::Result<()> {
    // After the structure's writers on PostgreSQL (a session of the same parcours held while it
    // closes would otherwise be counted by neither).
    let structure: Option<(i64,)> = on!(conn, |cx| sqlx::query_as("SELECT structure_id FROM parcours WHERE id = $1")
        .bind(parcours_id)
        .fetch_optional(cx)
        .await)?;
    if let Some((structure,)) = structure {
        verrouiller(conn, structure).await?;
    }
    // The months it was counted in and those it counts in now (its closure may have moved).
    let mut mois = mois_termines(conn, parcours_id, parcours_id).await?;
    compter_clotures(conn, parcours_id, parcours_id).await?;
    mois.extend(mois_termines(conn, parcours_id, parcours_id).await?);
    recompter_progressions_mois(conn, &mois).await
}

/// The structure and UTC month (its first day) of each completed parcours whose id is in
/// `[premier, dernier]`, as its closure row says.
async fn mois_termines(conn: &mut dyn Conn, premier: i64, dernier: i64) -> sqlx::Result<BTreeSet<(i64, NaiveDate)>> {
    let l: Vec<(i64, DateTime<Utc>)> = on!(conn, |cx| sqlx::query_as(
        "SELECT structure_id, closed_at FROM statistiques_clotures
         WHERE parcours_id >= $1 AND parcours_id <= $2 AND etat = 'termine'"
    )
    .bind(premier)
    .bind(dernier)
    .fetch_all(cx)
    .await)?;
    Ok(l.into_iter().map(|(s, t)| (s, premier_du_mois(t.date_naive()))).collect())
}

/// The statement that writes the monthly progressions of the completed parcours' closures
/// `condition` picks (on `k`, its values `$1`, `$2`…), which must have no row yet.
fn inserer_progressions_mois(conn: &mut dyn Conn, condition: &str) -> String {
    let mois = on!(conn, |_cx| dialect::mois("k.closed_at"));
    format!(
        "INSERT INTO statistiques_progressions_mois (structure_id, mois, domaine, evaluees, en_progression)
         SELECT k.structure_id, {mois}, sp.domaine, SUM(sp.evaluees), SUM(sp.en_progression)
         FROM statistiques_clotures k JOIN statistiques_progressions sp ON sp.parcours_id = k.parcours_id
         WHERE k.etat = 'termine' AND {condition}
         GROUP BY k.structure_id, {mois}, sp.domaine"
    )
}

/// Recounts the progressions of the given structures' UTC months from their completed parcours.
async fn recompter_progressions_mois(conn: &mut dyn Conn, mois: &BTreeSet<(i64, NaiveDate)>) -> sqlx::Result<()> {
    let sql = inserer_progressions_mois(conn, "k.structure_id = $1 AND k.closed_at >= $2 AND k.closed_at < $3");
    for (structure, m) in mois {
        verrouiller(conn, *structure).await?;
        on!(conn, |cx| sqlx::query(
            "DELETE FROM statistiques_progressions_mois WHERE structure_id = $1 AND mois = $2"
        )
        .bind(*structure)
        .bind(*m)
        .execute(cx)
        .await
        .map(|_| ()))?;
        let debut = m.and_time(NaiveTime::MIN).and_utc();
        let fin = (*m + Months::new(1)).and_time(NaiveTime::MIN).and_utc();
        on!(conn, |cx| sqlx::query(&sql).bind(*structure).bind(debut).bind(fin).execute(cx).await.map(|_| ()))?;
    }
    Ok(())
}

/// Recounts every month of a structure's progressions (the lock held).
async fn recompter_progressions_structure(conn: &mut dyn Conn, structure_id: i64) -> sqlx::Result<()> {
    on!(conn, |cx| sqlx::query("DELETE FROM statistiques_progressions_mois WHERE structure_id = $1")
        .bind(structure_id)
        .execute(cx)
        .await
        .map(|_| ()))?;
    let sql = inserer_progressions_mois(conn, "k.structure_id = $1");
    on!(conn, |cx| sqlx::query(&sql).bind(structure_id).execute(cx).await.map(|_| ()))
}

/// Recounts the closure rows of the parcours whose id is in `[premier, dernier]`.
async fn compter_clotures(conn: &mut dyn Conn, premier: i64, dernier: i64) -> sqlx::Result<()> {
    on!(conn, |cx| sqlx::query("DELETE FROM statistiques_clotures WHERE parcours_id >= $1 AND parcours_id <= $2")
        .bind(premier)
        .bind(dernier)
        .execute(cx)
        .await
        .map(|_| ()))?;
    // Another PostgreSQL connection may have written the row since the DELETE, from the same rows.
    on!(conn, |cx| sqlx::query(
        "INSERT INTO statistiques_clotures (parcours_id, structure_id, etat, closed_at, seances_tenues)
         SELECT p.id, p.structure_id, p.etat, p.closed_at,
                (SELECT COUNT(*) FROM seances s WHERE s.parcours_id = p.id AND s.statut = 'tenue')
         FROM parcours p
         WHERE p.id >= $1 AND p.id <= $2 AND p.closed_at IS NOT NULL
         ON CONFLICT (parcours_id) DO UPDATE
         SET structure_id = excluded.structure_id, etat = excluded.etat, closed_at = excluded.closed_at,
             seances_tenues = excluded.seances_tenues"
    )
    .bind(premier)
    .bind(dernier)
    .execute(cx)
    .await
    .map(|_| ()))
}

/// Writes the first held session of each (person, structure) of the parcours `condition` picks
/// (on `p`, its values `$1`, `$2`…), which must have no row yet.
async fn compter_premieres(conn: &mut dyn Conn, condition: &str, valeurs: &[i64]) -> sqlx::Result<()> {
    // A writer of the same person on another PostgreSQL connection may have written the row
    // since the DELETE: both read the same sessions.
    let sql = format!(
        "INSERT INTO statistiques_premieres (beneficiaire_id, structure_id, premiere)
         SELECT x.beneficiaire_id, x.structure_id, x.premiere
         FROM (SELECT p.beneficiaire_id, p.structure_id, MIN(s.debut) AS premiere
               FROM seances s JOIN parcours p ON p.id = s.parcours_id
               WHERE {condition} AND s.statut = 'tenue'
               GROUP BY p.beneficiaire_id, p.structure_id) x
         WHERE TRUE
         ON CONFLICT (beneficiaire_id, structure_id) DO UPDATE SET premiere = excluded.premiere"
    );
    on!(conn, |cx| {
        let mut q = sqlx::query(&sql);
        for v in valeurs {
            q = q.bind(*v);
        }
        q.execute(cx).await.map(|_| ())
    })
}

/// Recounts the first held sessions of everyone at a structure.
async fn recompter_premieres_structure(conn: &mut dyn Conn, structure_id: i64) -> sqlx::Result<()> {
    on!(conn, |cx| sqlx::query("DELETE FROM statistiques_premieres WHERE structure_id = $1")
        .bind(structure_id)
        .execute(cx)
        .await
        .map(|_| ()))?;
    compter_premieres(conn, "p.structure_id = $1", &[structure_id]).await
}

/// Recounts the first and last sessions of everyone at a structure.
async fn recompter_personnes_structure(conn: &mut dyn Conn, structure_id: i64) -> sqlx::Result<()> {
    on!(conn, |cx| sqlx::query("DELETE FROM statistiques_personnes WHERE structure_id = $1")
        .bind(structure_id)
        .execute(cx)
        .await
        .map(|_| ()))?;
    compter_personnes(conn, "p.structure_id = $1", &[structure_id]).await
}

/// Recounts the days of a person's sessions (their commune changed, or they were erased).
pub async fn recompter_personne(conn: &mut dyn Conn, beneficiaire_id: i64) -> sqlx::Result<()> {
    let jours = lieux_des_seances(conn, "p.beneficiaire_id = $1 AND s.statut = 'tenue'", beneficiaire_id).await?;
    recompter(conn, &jours).await
}

/// Recounts every day of a structure (its zone changed: its sessions fall on other days).
pub async fn recompter_structure(conn: &mut dyn Conn, structure_id: i64) -> sqlx::Result<()> {
    verrouiller(conn, structure_id).await?;
    recompter_structure_seule(conn, structure_id).await
}

/// The same, the lock already held or needless.
async fn recompter_structure_seule(conn: &mut dyn Conn, structure_id: i64) -> sqlx::Result<()> {
    on!(conn, |cx| sqlx::query("DELETE FROM statistiques_jours WHERE structure_id = $1")
        .bind(structure_id)
        .execute(cx)
        .await
        .map(|_| ()))?;
    let cal = calendrier_structure(conn, structure_id).await?;
    compter(conn, structure_id, cal, None).await?;
    recompter_mois_structure(conn, structure_id).await
}

/// Recounts everything: every structure's days and months, everyone's first and last sessions,
/// every parcours' progressions and closure. For a database nobody else writes (a generation, a test): one transaction
/// holding a lock per structure would fill PostgreSQL's lock table at national volume.
pub async fn reconstruire(conn: &mut dyn Conn) -> sqlx::Result<()> {
    let ids: Vec<(i64,)> = on!(conn, |cx| sqlx::query_as("SELECT id FROM structures ORDER BY id").fetch_all(cx).await)?;
    for (id,) in ids {
        recompter_structure_seule(conn, id).await?;
    }
    on!(conn, |cx| sqlx::query("DELETE FROM statistiques_premieres").execute(cx).await.map(|_| ()))?;
    compter_premieres(conn, "TRUE", &[]).await?;
    on!(conn, |cx| sqlx::query("DELETE FROM statistiques_personnes").execute(cx).await.map(|_| ()))?;
    compter_personnes(conn, "TRUE", &[]).await?;
    on!(conn, |cx| sqlx::query("DELETE FROM statistiques_progressions").execute(cx).await.map(|_| ()))?;
    for (premier, dernier) in tranches_de_parcours(conn).await? {
        recompter_progressions_entre(conn, premier, dernier).await?;
        compter_clotures(conn, premier, dernier).await?;
    }
    on!(conn, |cx| sqlx::query("DELETE FROM statistiques_progressions_mois").execute(cx).await.map(|_| ()))?;
    let sql = inserer_progressions_mois(conn, "TRUE");
    on!(conn, |cx| sqlx::query(&sql).execute(cx).await.map(|_| ()))
}

/// The parcours' ids in ranges of `PARCOURS_PAR_REMPLISSAGE`, so that a country's diagnostics
/// are read a few thousand parcours at a time.
async fn tranches_de_parcours(conn: &mut dyn Conn) -> sqlx::Result<Vec<(i64, i64)>> {
    let (min, max): (Option<i64>, Option<i64>) =
        on!(conn, |cx| sqlx::query_as("SELECT MIN(id), MAX(id) FROM parcours").fetch_one(cx).await)?;
    let mut tranches = Vec::new();
    if let (Some(min), Some(max)) = (min, max) {
        let mut premier = min;
        while premier <= max {
            let dernier = premier.saturating_add(PARCOURS_PAR_REMPLISSAGE - 1).min(max);
            tranches.push((premier, dernier));
            premier = dernier + 1;
        }
    }
    Ok(tranches)
}

/// The domain of a competence (its first digit) and whether its level rose from the initial
/// diagnostic to the final one: what the progression block counts of each competence both
/// diagnostics assessed.
pub fn progression(competence: &str, initial: &str, final_: &str) -> (String, bool) {
    let domaine = competence.split('.').next().unwrap_or("").to_string();
    (domaine, Niveau::parse(final_) > Niveau::parse(initial))
}

/// Rows per statement of `statistiques_progressions`: 4 values each.
const PROGRESSIONS_PAR_INSERT: usize = 1000;

/// Recounts the progressions of the parcours whose id is in `[premier, dernier]` from their
/// diagnostics (a parcours with no competence assessed at both has no row).
async fn recompter_progressions_entre(conn: &mut dyn Conn, premier: i64, dernier: i64) -> sqlx::Result<()> {
    on!(conn, |cx| sqlx::query("DELETE FROM statistiques_progressions WHERE parcours_id >= $1 AND parcours_id <= $2")
        .bind(premier)
        .bind(dernier)
        .execute(cx)
        .await
        .map(|_| ()))?;
    let niveaux: Vec<(i64, String, String, String)> = on!(conn, |cx| sqlx::query_as(
        "SELECT di.parcours_id, di.competence, di.niveau, df.niveau
         FROM diagnostic_niveaux di
         JOIN diagnostic_niveaux df ON df.parcours_id = di.parcours_id AND df.moment = 'final'
                                   AND df.competence = di.competence
         WHERE di.moment = 'initial' AND di.parcours_id >= $1 AND di.parcours_id <= $2"
    )
    .bind(premier)
    .bind(dernier)
    .fetch_all(cx)
    .await)?;
    let mut lignes: BTreeMap<(i64, String), (i64, i64)> = BTreeMap::new();
    for (parcours, competence, initial, final_) in niveaux {
        let (domaine, monte) = progression(&competence, &initial, &final_);
        let l = lignes.entry((parcours, domaine)).or_default();
        l.0 += 1;
        l.1 += i64::from(monte);
    }
    let lignes: Vec<_> = lignes.into_iter().collect();
    for lot in lignes.chunks(PROGRESSIONS_PAR_INSERT) {
        let marques: Vec<String> = (0..lot.len())
            .map(|i| format!("(${}, ${}, ${}, ${})", i * 4 + 1, i * 4 + 2, i * 4 + 3, i * 4 + 4))
            .collect();
        // A writer of the same parcours on another PostgreSQL connection may have written its
        // rows since the DELETE: the last recount's are kept, both read the same diagnostics.
        let sql = format!(
            "INSERT INTO statistiques_progressions (parcours_id, domaine, evaluees, en_progression) VALUES {}
             ON CONFLICT (parcours_id, domaine) DO UPDATE
             SET evaluees = excluded.evaluees, en_progression = excluded.en_progression",
            marques.join(", ")
        );
        on!(conn, |cx| {
            let mut q = sqlx::query(&sql);
            for ((parcours, domaine), (evaluees, en_progression)) in lot {
                q = q.bind(*parcours).bind(domaine.clone()).bind(*evaluees).bind(*en_progression);
            }
            q.execute(cx).await.map(|_| ())
        })?;
    }
    Ok(())
}

/// Recounts a parcours' progressions (one of its diagnostics was saved), and its month's if it
/// is completed.
pub async fn recompter_progressions(conn: &mut dyn Conn, parcours_id: i64) -> sqlx::Result<()> {
    recompter_progressions_entre(conn, parcours_id, parcours_id).await?;
    let mois = mois_termines(conn, parcours_id, parcours_id).await?;
    recompter_progressions_mois(conn, &mois).await
}

/// Whether every count is filled, so that the statistics may read them; until then they read
/// the sessions and diagnostics alone.
pub async fn remplis(conn: &mut dyn Conn) -> sqlx::Result<bool> {
    let (manquants,): (i64,) =
        on!(conn, |cx| sqlx::query_as("SELECT COUNT(*) FROM statistiques_remplissages WHERE NOT rempli")
            .fetch_one(cx)
            .await)?;
    Ok(manquants == 0)
}

async fn rempli(db: &crate::db::Db, agregat: &str) -> sqlx::Result<bool> {
    let r: Option<(bool,)> = on!(db.acquire().await?, |cx| sqlx::query_as(
        "SELECT rempli FROM statistiques_remplissages WHERE agregat = $1"
    )
    .bind(agregat)
    .fetch_optional(cx)
    .await)?;
    Ok(r.is_none_or(|r| r.0))
}

async fn marquer_rempli(db: &crate::db::Db, agregat: &str) -> sqlx::Result<()> {
    let mut tx = crate::db::begin_write(db).await?;
    on!(tx, |cx| sqlx::query("UPDATE statistiques_remplissages SET rempli = TRUE WHERE agregat = $1")
        .bind(agregat)
        .execute(cx)
        .await
        .map(|_| ()))?;
    tx.commit().await
}

/// Parcours per transaction of the fill.
const PARCOURS_PAR_REMPLISSAGE: i64 = 2000;

/// Fills the counts of a database whose sessions and diagnostics were written before the counts
/// existed (the migrations create them empty: the days are those of each structure's zone, which
/// SQL cannot tell). Run in the background after the server starts, one structure (or a few
/// thousand parcours) per transaction, so that writers wait for one of those at most; a write
/// meanwhile recounts what it changes, and each step recounts everything of its part, so the
/// counts are exact when the flag is set. Several instances may run it at once: every step
/// writes what the sources say.
pub async fn remplir(db: &crate::db::Db) -> anyhow::Result<()> {
    for agregat in Agregat::ORDRE {
        if rempli(db, agregat.nom()).await? {
            continue;
        }
        let debut = std::time::Instant::now();
        if agregat.par_structure() {
            let ids: Vec<(i64,)> =
                on!(db.acquire().await?, |cx| sqlx::query_as("SELECT id FROM structures ORDER BY id")
                    .fetch_all(cx)
                    .await)?;
            for (id,) in ids {
                let mut tx = crate::db::begin_write(db).await?;
                agregat.remplir_structure(&mut tx, id).await?;
                tx.commit().await?;
            }
        } else {
            let tranches = tranches_de_parcours(&mut db.acquire().await?).await?;
            for (premier, dernier) in tranches {
                let mut tx = crate::db::begin_write(db).await?;
                agregat.remplir_tranche(&mut tx, premier, dernier).await?;
                tx.commit().await?;
            }
        }
        marquer_rempli(db, agregat.nom()).await?;
        tracing::info!("statistiques : {} rempli en {:?}", agregat.nom(), debut.elapsed());
    }
    Ok(())
}

/// A count `remplir` fills: its row in `statistiques_remplissages`.
#[derive(Clone, Copy, Debug)]
enum Agregat {
    Jours,
    Premieres,
    Progressions,
    Mois,
    Personnes,
    Clotures,
    ProgressionsMois,
}

impl Agregat {
    /// In the order they are filled: the months are added up from the days, the monthly
    /// progressions from the progressions and the closures.
    const ORDRE: [Agregat; 7] = [
        Agregat::Jours,
        Agregat::Premieres,
        Agregat::Progressions,
        Agregat::Mois,
        Agregat::Personnes,
        Agregat::Clotures,
        Agregat::ProgressionsMois,
    ];

    fn nom(self) -> &'static str {
        match self {
            Agregat::Jours => "jours",
            Agregat::Premieres => "premieres",
            Agregat::Progressions => "progressions",
            Agregat::Mois => "mois",
            Agregat::Personnes => "personnes",
            Agregat::Clotures => "clotures",
            Agregat::ProgressionsMois => "progressions_mois",
        }
    }

    /// Filled one structure per transaction, else a few thousand parcours per transaction.
    fn par_structure(self) -> bool {
        !matches!(self, Agregat::Progressions | Agregat::Clotures)
    }

    /// Recounts everything of this count at one structure.
    async fn remplir_structure(self, conn: &mut dyn Conn, id: i64) -> sqlx::Result<()> {
        match self {
            Agregat::Jours => recompter_structure(conn, id).await,
            Agregat::Premieres => recompter_premieres_structure(conn, id).await,
            Agregat::Mois => {
                verrouiller(conn, id).await?;
                recompter_mois_structure(conn, id).await
            }
            Agregat::Personnes => recompter_personnes_structure(conn, id).await,
            Agregat::ProgressionsMois => {
                verrouiller(conn, id).await?;
                recompter_progressions_structure(conn, id).await
            }
            Agregat::Progressions | Agregat::Clotures => Ok(()),
        }
    }

    /// Recounts everything of this count for the parcours whose id is in `[premier, dernier]`.
    async fn remplir_tranche(self, conn: &mut dyn Conn, premier: i64, dernier: i64) -> sqlx::Result<()> {
        match self {
            Agregat::Progressions => recompter_progressions_entre(conn, premier, dernier).await,
            Agregat::Clotures => compter_clotures(conn, premier, dernier).await,
            _ => Ok(()),
        }
    }
}
