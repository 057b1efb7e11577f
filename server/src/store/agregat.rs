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

use crate::store::conn::{on, Conn};
use carnet_domain::fuseau::{Calendrier, Fuseau};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
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
               FROM seances s
               JOIN parcours p ON p.id = s.parcours_id
               JOIN beneficiaires b ON b.id = p.beneficiaire_id
               LEFT JOIN passes pa ON pa.seance_id = s.id
               WHERE p.structure_id = $1 AND s.statut = 'tenue' {borne}) x
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

/// Recounts the given days of a structure.
async fn recompter_jours(conn: &mut dyn Conn, structure_id: i64, jours: &BTreeSet<NaiveDate>) -> sqlx::Result<()> {
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
    Ok(())
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
    recompter(conn, &jours).await
}

/// Recounts the days of a person's sessions (their commune changed, or they were erased).
pub async fn recompter_personne(conn: &mut dyn Conn, beneficiaire_id: i64) -> sqlx::Result<()> {
    let jours = lieux_des_seances(conn, "p.beneficiaire_id = $1 AND s.statut = 'tenue'", beneficiaire_id).await?;
    recompter(conn, &jours).await
}

/// Recounts every day of a structure (its zone changed: its sessions fall on other days).
pub async fn recompter_structure(conn: &mut dyn Conn, structure_id: i64) -> sqlx::Result<()> {
    on!(conn, |cx| sqlx::query("DELETE FROM statistiques_jours WHERE structure_id = $1")
        .bind(structure_id)
        .execute(cx)
        .await
        .map(|_| ()))?;
    let cal = calendrier_structure(conn, structure_id).await?;
    compter(conn, structure_id, cal, None).await
}

/// Recounts everything, structure by structure.
pub async fn reconstruire(conn: &mut dyn Conn) -> sqlx::Result<()> {
    let ids: Vec<(i64,)> = on!(conn, |cx| sqlx::query_as("SELECT id FROM structures ORDER BY id").fetch_all(cx).await)?;
    for (id,) in ids {
        recompter_structure(conn, id).await?;
    }
    Ok(())
}

/// Fills the counts of a database whose sessions were held before they existed (the migration
/// creates the table empty: the days are those of each structure's zone, which SQL cannot tell).
pub async fn remplir_si_vide(db: &crate::db::Db) -> anyhow::Result<()> {
    let mut tx = crate::db::begin_write(db).await?;
    let (vide,): (bool,) = on!(tx, |cx| sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM seances WHERE statut = 'tenue')
                AND NOT EXISTS (SELECT 1 FROM statistiques_jours)"
    )
    .fetch_one(cx)
    .await)?;
    if vide {
        let debut = std::time::Instant::now();
        reconstruire(&mut tx).await?;
        tracing::info!("statistiques : décompte par jour rempli en {:?}", debut.elapsed());
    }
    tx.commit().await?;
    Ok(())
}
