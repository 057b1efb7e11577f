//! Beneficiaries: always read through their structure, so one structure never sees another's.

use crate::db::Db;
use crate::store::conn::{on, Conn};
use carnet_domain::api::{BeneficiaireSummary, BeneficiaireView, Commune, ParcoursSummary};
use carnet_domain::text::normalise;
use chrono::{DateTime, Utc};

/// `%` and `_` typed by a user must not act as wildcards.
fn like_contains(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: i64,
    prenom: String,
    annee_naissance: Option<i64>,
    commune: Option<String>,
    parcours_id: Option<i64>,
    parcours_etat: Option<String>,
    passes_total: i64,
    passes_utilises: i64,
    created_at: DateTime<Utc>,
}

/// One page of a structure's beneficiaries, newest first, optionally filtered by name.
pub async fn list(
    db: &Db,
    structure_id: i64,
    query: &str,
    page: u32,
    per_page: u32,
) -> sqlx::Result<(Vec<BeneficiaireSummary>, i64)> {
    let pattern = like_contains(&normalise(query));
    let (total,): (i64,) = on!(db.acquire().await?, |cx| sqlx::query_as(
        "SELECT COUNT(*) FROM beneficiaires b
         WHERE b.structure_id = $1 AND b.prenom_normalise LIKE $2 ESCAPE '\\'",
    )
    .bind(structure_id)
    .bind(&pattern)
    .fetch_one(cx)
    .await)?;
    let rows: Vec<SummaryRow> = on!(db.acquire().await?, |cx| sqlx::query_as(
        "SELECT b.id, b.prenom, b.annee_naissance, c.nom AS commune,
                p.id AS parcours_id, p.etat AS parcours_etat,
                COALESCE(ca.nb_passes, 0) AS passes_total,
                (SELECT COUNT(*) FROM passes pa WHERE pa.carnet_id = p.carnet_id AND pa.etat = 'valide')
                    AS passes_utilises,
                b.created_at
         FROM beneficiaires b
         LEFT JOIN communes c ON c.code_insee = b.commune_insee
         LEFT JOIN parcours p ON p.id = (SELECT MAX(p2.id) FROM parcours p2 WHERE p2.beneficiaire_id = b.id)
         LEFT JOIN carnets ca ON ca.id = p.carnet_id
         WHERE b.structure_id = $1 AND b.prenom_normalise LIKE $2 ESCAPE '\\'
         ORDER BY b.created_at DESC, b.id DESC
         LIMIT $3 OFFSET $4",
    )
    .bind(structure_id)
    .bind(&pattern)
    .bind(per_page as i64)
    .bind(((page.max(1) - 1) * per_page) as i64)
    .fetch_all(cx)
    .await)?;
    let items = rows
        .into_iter()
        .map(|r| BeneficiaireSummary {
            id: r.id,
            prenom: r.prenom,
            annee_naissance: r.annee_naissance.and_then(|a| i32::try_from(a).ok()),
            commune: r.commune,
            parcours_id: r.parcours_id,
            parcours_etat: r.parcours_etat,
            passes_total: r.passes_total,
            passes_utilises: r.passes_utilises,
            created_at: r.created_at,
        })
        .collect();
    Ok((items, total))
}

#[derive(sqlx::FromRow)]
struct ViewRow {
    id: i64,
    prenom: String,
    annee_naissance: Option<i64>,
    commune_insee: Option<String>,
    commune_nom: Option<String>,
    commune_departement: Option<String>,
    commune_codes_postaux: Option<String>,
    genre: Option<String>,
    tranche_age: Option<String>,
    statut_social: Option<String>,
    created_at: DateTime<Utc>,
}

/// One beneficiary of this structure, or `None` (which the API answers as 404, whether the
/// person does not exist or belongs to another structure).
pub async fn get(conn: &mut dyn Conn, id: i64, structure_id: i64) -> sqlx::Result<Option<BeneficiaireView>> {
    let row: Option<ViewRow> = on!(conn, |cx| sqlx::query_as(
        "SELECT b.id, b.prenom, b.annee_naissance, b.commune_insee,
                c.nom AS commune_nom, c.departement AS commune_departement,
                c.codes_postaux AS commune_codes_postaux,
                b.genre, b.tranche_age, b.statut_social, b.created_at
         FROM beneficiaires b
         LEFT JOIN communes c ON c.code_insee = b.commune_insee
         WHERE b.id = $1 AND b.structure_id = $2",
    )
    .bind(id)
    .bind(structure_id)
    .fetch_optional(cx)
    .await)?;
    Ok(row.map(|r| BeneficiaireView {
        id: r.id,
        prenom: r.prenom,
        annee_naissance: r.annee_naissance.and_then(|a| i32::try_from(a).ok()),
        commune: match (r.commune_insee, r.commune_nom) {
            (Some(code), Some(nom)) => Some(Commune {
                code_insee: code,
                nom,
                departement: r.commune_departement.unwrap_or_default(),
                codes_postaux: r
                    .commune_codes_postaux
                    .unwrap_or_default()
                    .split(',')
                    .filter(|c| !c.is_empty())
                    .map(String::from)
                    .collect(),
            }),
            _ => None,
        },
        genre: r.genre,
        tranche_age: r.tranche_age,
        statut_social: r.statut_social,
        created_at: r.created_at,
    }))
}

#[derive(sqlx::FromRow)]
struct ParcoursSummaryRow {
    id: i64,
    etat: String,
    etape: String,
    carnet_numero: String,
    nb_passes: i64,
    passes_utilises: i64,
    created_at: DateTime<Utc>,
}

pub async fn parcours_of(db: &Db, beneficiaire_id: i64, structure_id: i64) -> sqlx::Result<Vec<ParcoursSummary>> {
    let rows: Vec<ParcoursSummaryRow> = on!(db.acquire().await?, |cx| sqlx::query_as(
        "SELECT p.id, p.etat, p.etape, ca.numero AS carnet_numero, ca.nb_passes,
                (SELECT COUNT(*) FROM passes pa WHERE pa.carnet_id = ca.id AND pa.etat = 'valide') AS passes_utilises,
                p.created_at
         FROM parcours p JOIN carnets ca ON ca.id = p.carnet_id
         WHERE p.beneficiaire_id = $1 AND p.structure_id = $2
         ORDER BY p.created_at DESC",
    )
    .bind(beneficiaire_id)
    .bind(structure_id)
    .fetch_all(cx)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|r| ParcoursSummary {
            id: r.id,
            etat: r.etat,
            etape: r.etape,
            carnet_numero: r.carnet_numero,
            nb_passes: r.nb_passes,
            passes_utilises: r.passes_utilises,
            created_at: r.created_at,
        })
        .collect())
}
