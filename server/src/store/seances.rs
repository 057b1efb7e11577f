//! Sessions: the schedule of each parcours, the conseiller's busy times (for the overlap rule),
//! the session report, and the agenda of the dashboard.

use crate::store::conn::{on, Conn};
use crate::store::packs::{join_list, split_list};
use carnet_domain::fuseau::Calendrier;
use carnet_domain::parcours::planning::{self, Occupation};
use carnet_domain::parcours::seance::{StatutSeance, ValidCompteRendu};
use carnet_domain::parcours::{
    ATraiter, CompteRenduView, MotifATraiter, PassUtilise, SeanceAgenda, SeanceView, ThemeView,
};
use carnet_domain::PassCode;
use chrono::{DateTime, NaiveDateTime, Utc};
use rand::RngCore;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SeanceRow {
    pub id: i64,
    pub parcours_id: i64,
    pub conseiller_id: i64,
    pub uid: String,
    pub sequence: i64,
    pub debut: DateTime<Utc>,
    pub fin: DateTime<Utc>,
    pub type_lieu: String,
    pub statut: String,
    pub remplace_seance_id: Option<i64>,
    pub cr_thematiques: Option<String>,
    pub cr_duree_minutes: Option<i64>,
    pub cr_materiel: Option<String>,
    pub cr_autonomie: Option<String>,
    pub cr_notes: Option<String>,
    pub updated_at: DateTime<Utc>,
    pub pass_rang: Option<i64>,
    pub pass_code: Option<String>,
    pub pass_valeur: Option<i64>,
    pub pass_validated_at: Option<DateTime<Utc>>,
    pub pass_structure: Option<String>,
    pub pass_emetteur: Option<String>,
    pub prevenu_par_personne_at: Option<DateTime<Utc>>,
    /// The number a held session was held with (none while planned).
    pub numero: Option<i64>,
}

impl SeanceRow {
    pub fn statut(&self) -> StatutSeance {
        StatutSeance::parse(&self.statut).unwrap_or(StatutSeance::Prevue)
    }

    pub fn duree_minutes(&self) -> u32 {
        (self.fin - self.debut).num_minutes().max(0) as u32
    }

    /// Wall-clock start in the structure's zone.
    pub fn debut_local(&self, cal: Calendrier) -> NaiveDateTime {
        cal.to_local(self.debut)
    }
}

const SELECT: &str = "SELECT s.id, s.parcours_id, s.conseiller_id, s.uid, s.sequence, s.debut, s.fin, s.type_lieu,
        s.statut, s.remplace_seance_id, s.cr_thematiques, s.cr_duree_minutes, s.cr_materiel, s.cr_autonomie,
        s.cr_notes, s.updated_at, pa.rang AS pass_rang, pa.code AS pass_code, pa.valeur_centimes AS pass_valeur,
        pa.validated_at AS pass_validated_at, cs.nom AS pass_structure,
        CASE WHEN pc.id IS NOT NULL AND pc.commande_id IS NULL THEN pc.commanditaire_nom END AS pass_emetteur,
        s.prevenu_par_personne_at,
        s.numero
    FROM seances s
    LEFT JOIN passes pa ON pa.seance_id = s.id
    LEFT JOIN structures cs ON cs.id = pa.credited_structure_id
    LEFT JOIN carnets pc ON pc.id = pa.carnet_id";

pub async fn of_parcours(conn: &mut dyn Conn, parcours_id: i64) -> sqlx::Result<Vec<SeanceRow>> {
    on!(conn, |cx| sqlx::query_as(&format!("{SELECT} WHERE s.parcours_id = $1 ORDER BY s.debut, s.id"))
        .bind(parcours_id)
        .fetch_all(cx)
        .await)
}

/// A session and the id of its parcours, if the parcours belongs to this structure.
pub async fn get(conn: &mut dyn Conn, id: i64, structure_id: i64) -> sqlx::Result<Option<SeanceRow>> {
    on!(conn, |cx| sqlx::query_as(&format!(
        "{SELECT} JOIN parcours p ON p.id = s.parcours_id WHERE s.id = $1 AND p.structure_id = $2"
    ))
    .bind(id)
    .bind(structure_id)
    .fetch_optional(cx)
    .await)
}

/// Each session's number, rows in date order: an absence has none; a held session keeps the number
/// it was held with; the others take, in date order, the numbers left (1 = the intake). A missed
/// session's number, and so its theme, moves to the next one, and the bilan stays last; holding a
/// session early or moving one never renumbers what was held.
pub fn numeros(rows: &[SeanceRow]) -> Vec<Option<i64>> {
    let figes: Vec<i64> = rows.iter().filter(|r| r.statut() == StatutSeance::Tenue).filter_map(|r| r.numero).collect();
    let mut libres = (1..).filter(|k| !figes.contains(k));
    rows.iter()
        .map(|r| match (r.statut(), r.numero) {
            (s, _) if s.est_absence() => None,
            (StatutSeance::Tenue, Some(n)) => Some(n),
            _ => libres.next(),
        })
        .collect()
}

/// The sessions as shown: their number ([`numeros`]) and the theme of that number.
pub fn numeroter(rows: &[SeanceRow], themes: &[ThemeView], cal: Calendrier) -> Vec<SeanceView> {
    rows.iter()
        .zip(numeros(rows))
        .map(|(r, numero)| {
            let statut = r.statut();
            SeanceView {
                id: r.id,
                numero,
                debut: cal.to_local(r.debut),
                fin: cal.to_local(r.fin),
                type_lieu: r.type_lieu.clone(),
                statut,
                theme: numero.and_then(|k| themes.iter().find(|t| t.rang == k).cloned()),
                pass: match (r.pass_rang, &r.pass_code, r.pass_valeur, r.pass_validated_at) {
                    (Some(rang), Some(code), Some(valeur), Some(at)) => Some(PassUtilise {
                        rang,
                        code: PassCode::parse(code).map(|c| c.display()).unwrap_or_else(|_| code.clone()),
                        valeur_centimes: valeur,
                        validated_at: at,
                        structure_creditee: r.pass_structure.clone().unwrap_or_default(),
                        a_reclamer_a: r.pass_emetteur.clone(),
                    }),
                    _ => None,
                },
                compte_rendu: r.cr_duree_minutes.map(|d| CompteRenduView {
                    thematiques: split_list(r.cr_thematiques.as_deref().unwrap_or("")),
                    duree_minutes: d as u32,
                    materiel: split_list(r.cr_materiel.as_deref().unwrap_or("")),
                    autonomie: r.cr_autonomie.clone(),
                    notes: r.cr_notes.clone().unwrap_or_default(),
                }),
                remplace: r.remplace_seance_id,
                prevenu_par_personne: r.prevenu_par_personne_at.is_some(),
            }
        })
        .collect()
}

pub async fn views(
    conn: &mut dyn Conn,
    parcours_id: i64,
    themes: &[ThemeView],
    cal: Calendrier,
) -> sqlx::Result<Vec<SeanceView>> {
    let rows = of_parcours(conn, parcours_id).await?;
    Ok(numeroter(&rows, themes, cal))
}

/// What to leave out of the busy times: the parcours being re-planned, the session being moved.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sauf {
    pub parcours_id: Option<i64>,
    pub seance_id: Option<i64>,
}

/// The conseiller's sessions (planned or held) that end after `from` and start before `to`.
pub async fn occupations(
    conn: &mut dyn Conn,
    conseiller_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    parcours_courant: i64,
    sauf: Sauf,
) -> sqlx::Result<Vec<Occupation>> {
    let rows: Vec<(DateTime<Utc>, DateTime<Utc>, String, i64)> = on!(conn, |cx| sqlx::query_as(
        "SELECT s.debut, s.fin, b.prenom, s.parcours_id
         FROM seances s
         JOIN parcours p ON p.id = s.parcours_id
         JOIN beneficiaires b ON b.id = p.beneficiaire_id
         WHERE s.conseiller_id = $1 AND s.statut IN ('prevue', 'tenue') AND s.fin > $2 AND s.debut < $3
           AND s.parcours_id <> $4 AND s.id <> $5
         ORDER BY s.debut",
    )
    .bind(conseiller_id)
    .bind(from)
    .bind(to)
    .bind(sauf.parcours_id.unwrap_or(-1))
    .bind(sauf.seance_id.unwrap_or(-1))
    .fetch_all(cx)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(debut, fin, prenom, p)| Occupation {
            debut,
            fin,
            libelle: if p == parcours_courant {
                "une autre séance de ce parcours".into()
            } else {
                format!("séance de {prenom}")
            },
        })
        .collect())
}

/// A new, stable calendar identifier (the .ics UID).
fn new_uid() -> String {
    let mut bytes = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("seance-{hex}@carnet")
}

pub struct Nouvelle<'a> {
    pub parcours_id: i64,
    pub conseiller_id: i64,
    /// Wall-clock time in `calendrier`'s zone.
    pub debut: NaiveDateTime,
    pub duree_minutes: u32,
    pub type_lieu: &'a str,
    pub remplace: Option<i64>,
    /// The structure's calendar.
    pub calendrier: Calendrier,
}

pub async fn insert(conn: &mut dyn Conn, s: &Nouvelle<'_>, now: DateTime<Utc>) -> sqlx::Result<i64> {
    let (debut, fin) = planning::intervalle(s.calendrier, s.debut, s.duree_minutes);
    let (id,): (i64,) = on!(conn, |cx| sqlx::query_as(
        "INSERT INTO seances (parcours_id, conseiller_id, uid, sequence, debut, fin, type_lieu, statut,
                              remplace_seance_id, created_at, updated_at)
         VALUES ($1, $2, $3, 0, $4, $5, $6, 'prevue', $7, $8, $8) RETURNING id",
    )
    .bind(s.parcours_id)
    .bind(s.conseiller_id)
    .bind(new_uid())
    .bind(debut)
    .bind(fin)
    .bind(s.type_lieu)
    .bind(s.remplace)
    .bind(now)
    .fetch_one(cx)
    .await)?;
    Ok(id)
}

/// Moves a session (wall-clock start in `cal`'s zone); the calendar sequence grows when the time changes.
#[allow(clippy::too_many_arguments)]
pub async fn set_dates(
    conn: &mut dyn Conn,
    cal: Calendrier,
    id: i64,
    debut: NaiveDateTime,
    duree_minutes: u32,
    type_lieu: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    let (d, f) = planning::intervalle(cal, debut, duree_minutes);
    let mut jours = crate::store::agregat::jours_de_seance(conn, id).await?;
    on!(conn, |cx| {
        sqlx::query(
        "UPDATE seances SET sequence = sequence + CASE WHEN debut = $1 AND fin = $2 AND type_lieu = $3 THEN 0 ELSE 1 END,
                debut = $1, fin = $2, type_lieu = $3, updated_at = $4
         WHERE id = $5",
    )
    .bind(d)
    .bind(f)
    .bind(type_lieu)
    .bind(now)
    .bind(id)
    .execute(cx)
    .await.map(|r| r.rows_affected())
    })?;
    // A held session moved leaves its day for another.
    for (structure, j) in crate::store::agregat::jours_de_seance(conn, id).await? {
        jours.entry(structure).or_default().extend(j);
    }
    crate::store::agregat::recompter(conn, &jours).await?;
    crate::store::agregat::recompter_premiere(conn, id).await
}

/// Changes the state of a session if it is still in `from`; false if someone changed it first.
pub async fn set_statut(
    conn: &mut dyn Conn,
    id: i64,
    from: StatutSeance,
    to: StatutSeance,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    // Held: the number the session shows now is frozen ([`numeros`]); no longer held: freed,
    // and the moment kept (the data consumers' API withdraws the activity it gave).
    let n = on!(conn, |cx| sqlx::query(
        "UPDATE seances SET statut = $1, sequence = sequence + 1, updated_at = $2, numero = NULL,
                            retiree_at = CASE WHEN $4 = 'tenue' AND $1 <> 'tenue' THEN $2 ELSE retiree_at END
         WHERE id = $3 AND statut = $4",
    )
    .bind(to.code())
    .bind(now)
    .bind(id)
    .bind(from.code())
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    if n == 1 && (to == StatutSeance::Tenue || from == StatutSeance::Tenue) {
        crate::store::agregat::recompter_seance(conn, id).await?;
    }
    if n == 1 && to == StatutSeance::Tenue {
        let parcours_id: i64 = on!(conn, |cx| sqlx::query_scalar("SELECT parcours_id FROM seances WHERE id = $1")
            .bind(id)
            .fetch_one(cx)
            .await)?;
        let rows = of_parcours(conn, parcours_id).await?;
        let numero = rows.iter().zip(numeros(&rows)).find(|(r, _)| r.id == id).and_then(|(_, k)| k);
        on!(conn, |cx| sqlx::query("UPDATE seances SET numero = $1 WHERE id = $2")
            .bind(numero)
            .bind(id)
            .execute(cx)
            .await
            .map(|r| r.rows_affected()))?;
    }
    Ok(n == 1)
}

pub async fn set_compte_rendu(
    conn: &mut dyn Conn,
    id: i64,
    cr: Option<&ValidCompteRendu>,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    on!(conn, |cx| sqlx::query(
        "UPDATE seances SET cr_thematiques = $1, cr_duree_minutes = $2, cr_materiel = $3, cr_autonomie = $4,
                cr_notes = $5, updated_at = $6
         WHERE id = $7",
    )
    .bind(cr.map(|c| join_list(&c.thematiques)))
    .bind(cr.map(|c| c.duree_minutes as i64))
    .bind(cr.map(|c| join_list(&c.materiel)))
    .bind(cr.and_then(|c| c.autonomie.clone()))
    .bind(cr.map(|c| c.notes.clone()))
    .bind(now)
    .bind(id)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    // A held session's duration and lists are counted.
    crate::store::agregat::recompter_seance(conn, id).await
}

/// Whether a session replacing `id` exists.
pub async fn remplacee(conn: &mut dyn Conn, id: i64) -> sqlx::Result<bool> {
    let n: i64 = on!(conn, |cx| sqlx::query_scalar("SELECT COUNT(*) FROM seances WHERE remplace_seance_id = $1")
        .bind(id)
        .fetch_one(cx)
        .await)?;
    Ok(n > 0)
}

/// Withdraws planned sessions, with the log of their reminders (a reminder already sent is about
/// a date that no longer exists; the log would otherwise hold the session).
pub async fn delete_planned(conn: &mut dyn Conn, ids: &[i64]) -> sqlx::Result<()> {
    for id in ids {
        on!(conn, |cx| {
            sqlx::query(
            "DELETE FROM envois_tentatives WHERE envoi_id IN
               (SELECT e.id FROM envois e JOIN seances s ON s.id = e.seance_id WHERE s.id = $1 AND s.statut = 'prevue')",
        )
        .bind(id)
        .execute(cx)
        .await.map(|r| r.rows_affected())
        })?;
        on!(conn, |cx| sqlx::query(
            "DELETE FROM envois WHERE seance_id IN (SELECT id FROM seances WHERE id = $1 AND statut = 'prevue')",
        )
        .bind(id)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
        on!(conn, |cx| sqlx::query("DELETE FROM seances WHERE id = $1 AND statut = 'prevue'")
            .bind(id)
            .execute(cx)
            .await
            .map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// The planned sessions of a parcours.
pub async fn planned_ids(conn: &mut dyn Conn, parcours_id: i64) -> sqlx::Result<Vec<i64>> {
    on!(conn, |cx| sqlx::query_scalar(
        "SELECT id FROM seances WHERE parcours_id = $1 AND statut = 'prevue' ORDER BY debut"
    )
    .bind(parcours_id)
    .fetch_all(cx)
    .await)
}

/// The « À traiter » list: sessions of parcours in progress (of the conseiller, or of the whole
/// structure for `conseiller_id` None) excused by the person with no replacement, over and still
/// planned, or held without a report; oldest first.
pub async fn a_traiter(
    conn: &mut dyn Conn,
    structure_id: i64,
    conseiller_id: Option<i64>,
    now: DateTime<Utc>,
    limit: i64,
    cal: Calendrier,
) -> sqlx::Result<Vec<ATraiter>> {
    let rows: Vec<(i64, i64, String, DateTime<Utc>, String)> = on!(conn, |cx| sqlx::query_as(
        "SELECT s.id, s.parcours_id, b.prenom, s.debut, s.statut
         FROM seances s
         JOIN parcours p ON p.id = s.parcours_id
         JOIN beneficiaires b ON b.id = p.beneficiaire_id
         WHERE p.structure_id = $1 AND s.conseiller_id = COALESCE($2, s.conseiller_id) AND p.etat = 'en_cours'
           AND ((s.statut = 'absente_excusee' AND s.prevenu_par_personne_at IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM seances r WHERE r.remplace_seance_id = s.id))
             OR (s.statut = 'prevue' AND s.fin < $3)
             OR (s.statut = 'tenue' AND s.cr_duree_minutes IS NULL))
         ORDER BY s.debut, s.id
         LIMIT $4",
    )
    .bind(structure_id)
    .bind(conseiller_id)
    .bind(now)
    .bind(limit)
    .fetch_all(cx)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(seance_id, parcours_id, prenom, debut, statut)| ATraiter {
            motif: match StatutSeance::parse(&statut) {
                Some(StatutSeance::AbsenteExcusee) => MotifATraiter::AbsencePrevenue,
                Some(StatutSeance::Tenue) => MotifATraiter::SansCompteRendu,
                _ => MotifATraiter::NonRenseignee,
            },
            seance_id,
            parcours_id,
            prenom,
            debut: cal.to_local(debut),
        })
        .collect())
}

/// When `a_traiter` next changes by the clock alone: the earliest end, from `now` on, of a
/// planned session it would then list (`None`: none to come).
pub async fn a_traiter_jusqua(
    conn: &mut dyn Conn,
    structure_id: i64,
    conseiller_id: Option<i64>,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<DateTime<Utc>>> {
    let (fin,): (Option<DateTime<Utc>>,) = on!(conn, |cx| sqlx::query_as(
        "SELECT MIN(s.fin)
         FROM seances s
         JOIN parcours p ON p.id = s.parcours_id
         WHERE p.structure_id = $1 AND s.conseiller_id = COALESCE($2, s.conseiller_id) AND p.etat = 'en_cours'
           AND s.statut = 'prevue' AND s.fin >= $3",
    )
    .bind(structure_id)
    .bind(conseiller_id)
    .bind(now)
    .fetch_one(cx)
    .await)?;
    Ok(fin)
}

#[derive(sqlx::FromRow)]
struct AgendaRow {
    id: i64,
    parcours_id: i64,
    prenom: String,
    debut: DateTime<Utc>,
    fin: DateTime<Utc>,
    statut: String,
    nb_passes: i64,
    numero: Option<i64>,
    theme: Option<String>,
    prevenu: bool,
}

/// The conseiller's sessions starting in [from, to), with their position and theme.
pub async fn agenda(
    conn: &mut dyn Conn,
    conseiller_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: i64,
    cal: Calendrier,
) -> sqlx::Result<Vec<SeanceAgenda>> {
    let rows: Vec<AgendaRow> = on!(conn, |cx| {
        sqlx::query_as(
        "SELECT x.*, (SELECT t.titre FROM parcours_themes t WHERE t.parcours_id = x.parcours_id AND t.rang = x.numero) AS theme
         FROM (
           SELECT s.id, s.parcours_id, b.prenom, s.debut, s.fin, s.statut, ca.nb_passes,
                  s.prevenu_par_personne_at IS NOT NULL AS prevenu,
                  CASE WHEN s.statut IN ('prevue', 'tenue') THEN
                    (SELECT COUNT(*) FROM seances s2 WHERE s2.parcours_id = s.parcours_id
                       AND s2.statut IN ('prevue', 'tenue')
                       AND (s2.debut < s.debut OR (s2.debut = s.debut AND s2.id <= s.id)))
                  END AS numero
           FROM seances s
           JOIN parcours p ON p.id = s.parcours_id
           JOIN beneficiaires b ON b.id = p.beneficiaire_id
           JOIN carnets ca ON ca.id = p.carnet_id
           WHERE s.conseiller_id = $1 AND s.debut >= $2 AND s.debut < $3
           ORDER BY s.debut, s.id
           LIMIT $4
         ) x
         ORDER BY x.debut, x.id",
    )
    .bind(conseiller_id)
    .bind(from)
    .bind(to)
    .bind(limit)
    .fetch_all(cx)
    .await
    })?;
    Ok(rows
        .into_iter()
        .map(|r| SeanceAgenda {
            seance_id: r.id,
            parcours_id: r.parcours_id,
            prenom: r.prenom,
            debut: cal.to_local(r.debut),
            fin: cal.to_local(r.fin),
            statut: StatutSeance::parse(&r.statut).unwrap_or(StatutSeance::Prevue),
            numero: r.numero,
            nb_passes: r.nb_passes,
            theme: r.theme,
            prevenu_par_personne: r.prevenu,
        })
        .collect())
}
