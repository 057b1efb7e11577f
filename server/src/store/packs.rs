//! Packs: ready-made parcours stored as data (themes per session for 5- and 10-pass carnets,
//! target levels), read by the objectives step.

use crate::store::conn::{on, Conn};
use carnet_domain::parcours::competences::Niveau;
use carnet_domain::parcours::objectifs::{CibleModele, PackView, ThemeModele};

/// A '|'-separated list of codes, as stored.
pub fn split_list(s: &str) -> Vec<String> {
    s.split('|').map(str::trim).filter(|x| !x.is_empty()).map(String::from).collect()
}

pub fn join_list(v: &[String]) -> String {
    v.join("|")
}

#[derive(sqlx::FromRow)]
struct PackRow {
    id: i64,
    code: String,
    nom: String,
    description: String,
}

#[derive(sqlx::FromRow)]
struct ThemeRow {
    pack_id: i64,
    nb_passes: i64,
    rang: i64,
    titre: String,
    thematiques: String,
    competences: String,
}

#[derive(sqlx::FromRow)]
struct CibleRow {
    pack_id: i64,
    nb_passes: i64,
    competence: String,
    niveau: String,
}

/// The active packs, in their order, with their themes and targets.
pub async fn list(conn: &mut dyn Conn) -> sqlx::Result<Vec<PackView>> {
    let packs: Vec<PackRow> = on!(conn, |cx| sqlx::query_as(
        "SELECT id, code, nom, description FROM packs WHERE actif = TRUE ORDER BY ordre, id"
    )
    .fetch_all(cx)
    .await)?;
    let themes: Vec<ThemeRow> = on!(conn, |cx| sqlx::query_as(
        "SELECT t.pack_id, t.nb_passes, t.rang, t.titre, t.thematiques, t.competences
         FROM pack_themes t JOIN packs p ON p.id = t.pack_id WHERE p.actif = TRUE
         ORDER BY t.pack_id, t.nb_passes, t.rang",
    )
    .fetch_all(cx)
    .await)?;
    let cibles: Vec<CibleRow> = on!(conn, |cx| sqlx::query_as(
        "SELECT c.pack_id, c.nb_passes, c.competence, c.niveau
         FROM pack_cibles c JOIN packs p ON p.id = c.pack_id WHERE p.actif = TRUE
         ORDER BY c.pack_id, c.nb_passes, c.competence",
    )
    .fetch_all(cx)
    .await)?;
    Ok(packs
        .into_iter()
        .map(|p| PackView {
            themes: themes
                .iter()
                .filter(|t| t.pack_id == p.id)
                .map(|t| ThemeModele {
                    nb_passes: t.nb_passes,
                    rang: t.rang,
                    titre: t.titre.clone(),
                    thematiques: split_list(&t.thematiques),
                    competences: split_list(&t.competences),
                })
                .collect(),
            cibles: cibles
                .iter()
                .filter(|c| c.pack_id == p.id)
                .filter_map(|c| {
                    Some(CibleModele {
                        nb_passes: c.nb_passes,
                        competence: c.competence.clone(),
                        niveau: Niveau::parse(&c.niveau)?,
                    })
                })
                .collect(),
            code: p.code,
            nom: p.nom,
            description: p.description,
        })
        .collect())
}

/// The id of an active pack by its code.
pub async fn id_of(conn: &mut dyn Conn, code: &str) -> sqlx::Result<Option<i64>> {
    let row: Option<(i64,)> = on!(conn, |cx| sqlx::query_as("SELECT id FROM packs WHERE code = $1 AND actif = TRUE")
        .bind(code)
        .fetch_optional(cx)
        .await)?;
    Ok(row.map(|r| r.0))
}
