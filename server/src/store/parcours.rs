//! Parcours: created at intake together with the beneficiary, the carnet and its passes.

use crate::store::audit::{Audit, Entite};
use crate::store::beneficiaires;
use crate::store::conn::{on, Conn};
use carnet_domain::api::{CarnetView, ParcoursDetail, PassView};
use carnet_domain::intake::ValidIntake;
use carnet_domain::pass::PassId;
use carnet_domain::text::normalise;
use carnet_domain::PassCode;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;

pub struct Created {
    pub beneficiaire_id: i64,
    pub parcours_id: i64,
}

/// The pass codes among `codes` that the database already holds.
pub async fn existing_codes(conn: &mut dyn Conn, codes: &[PassCode]) -> sqlx::Result<Vec<PassCode>> {
    let mut found = Vec::new();
    for code in codes {
        let row: Option<(String,)> = on!(conn, |cx| sqlx::query_as("SELECT code FROM passes WHERE code = $1")
            .bind(code.as_str())
            .fetch_optional(cx)
            .await)?;
        if row.is_some() {
            found.push(code.clone());
        }
    }
    Ok(found)
}

/// Writes the beneficiary, the carnet (state « distribué »), its passes and an open parcours, with
/// their audit entries, inside the caller's transaction.
pub async fn create_from_intake(
    conn: &mut dyn Conn,
    intake: &ValidIntake,
    structure_id: i64,
    user_id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<Created> {
    let beneficiaire_id = insert_beneficiaire(conn, intake, structure_id, user_id, now).await?;

    let (carnet_id,): (i64,) = on!(conn, |cx| sqlx::query_as(
        "INSERT INTO carnets (numero, nb_passes, valeur_faciale_centimes, fin_validite, etat, beneficiaire_id,
                              structure_id, commanditaire_nom, canal_reception, date_reception, created_at)
         VALUES ($1, $2, $3, $4, 'distribue', $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(&intake.carnet_numero)
    .bind(intake.nb_passes)
    .bind(intake.valeur_faciale_centimes)
    .bind(intake.fin_validite)
    .bind(beneficiaire_id)
    .bind(structure_id)
    .bind(&intake.commanditaire)
    .bind(&intake.canal)
    .bind(intake.date_reception)
    .bind(now)
    .fetch_one(cx)
    .await)?;

    for (i, code) in intake.codes.iter().enumerate() {
        let (pass_id,): (i64,) = on!(conn, |cx| sqlx::query_as(
            "INSERT INTO passes (carnet_id, rang, code, etat, valeur_centimes)
             VALUES ($1, $2, $3, 'distribue', $4) RETURNING id",
        )
        .bind(carnet_id)
        .bind(i as i64 + 1)
        .bind(code.as_str())
        .bind(intake.valeur_faciale_centimes)
        .fetch_one(cx)
        .await)?;
        Audit::par(Some(user_id), Entite::Pass(PassId(pass_id)), "saisi_a_l_accueil")
            .apres(json!({ "etat": "distribue", "carnet_id": carnet_id, "rang": i + 1 }))
            .ecrire(conn, now)
            .await?;
    }

    Audit::par(Some(user_id), Entite::Carnet(carnet_id), "saisi_a_l_accueil")
        .apres(json!({ "etat": "distribue", "numero": intake.carnet_numero, "nb_passes": intake.nb_passes,
                      "beneficiaire_id": beneficiaire_id }))
        .ecrire(conn, now)
        .await?;
    let parcours_id = open(conn, beneficiaire_id, carnet_id, structure_id, user_id, now).await?;

    Ok(Created { beneficiaire_id, parcours_id })
}

/// Writes the person of an intake (the carnet's fields are not used), inside the caller's
/// transaction. Shared by the intake with a typed carnet and the distribution of an order's carnet.
pub async fn insert_beneficiaire(
    conn: &mut dyn Conn,
    personne: &ValidIntake,
    structure_id: i64,
    user_id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<i64> {
    let (id,): (i64,) = on!(conn, |cx| sqlx::query_as(
        "INSERT INTO beneficiaires (structure_id, prenom, prenom_normalise, annee_naissance, commune_insee,
                                    genre, tranche_age, statut_social, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
    )
    .bind(structure_id)
    .bind(&personne.prenom)
    .bind(normalise(&personne.prenom))
    .bind(personne.annee_naissance)
    .bind(&personne.commune_insee)
    .bind(&personne.genre)
    .bind(&personne.tranche_age)
    .bind(&personne.statut_social)
    .bind(user_id)
    .bind(now)
    .fetch_one(cx)
    .await)?;
    Ok(id)
}

/// Opens the parcours of a person with their carnet (step « diagnostic »), audited, inside the
/// caller's transaction.
pub async fn open(
    conn: &mut dyn Conn,
    beneficiaire_id: i64,
    carnet_id: i64,
    structure_id: i64,
    user_id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<i64> {
    let (parcours_id,): (i64,) = on!(conn, |cx| {
        sqlx::query_as(
        "INSERT INTO parcours (beneficiaire_id, carnet_id, structure_id, conseiller_id, etat, etape, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'en_cours', 'diagnostic', $5, $5) RETURNING id",
    )
    .bind(beneficiaire_id)
    .bind(carnet_id)
    .bind(structure_id)
    .bind(user_id)
    .bind(now)
    .fetch_one(cx)
    .await
    })?;
    Audit::par(Some(user_id), Entite::Parcours(parcours_id), "ouvert")
        .apres(json!({ "etat": "en_cours", "etape": "diagnostic", "carnet_id": carnet_id }))
        .ecrire(conn, now)
        .await?;
    Ok(parcours_id)
}

#[derive(sqlx::FromRow)]
struct HeaderRow {
    id: i64,
    etat: String,
    etape: String,
    created_at: DateTime<Utc>,
    beneficiaire_id: i64,
    conseiller: String,
    carnet_id: i64,
    numero: String,
    nb_passes: i64,
    valeur_faciale_centimes: i64,
    fin_validite: NaiveDate,
    carnet_etat: String,
    commanditaire_nom: String,
    canal_reception: String,
    date_reception: NaiveDate,
}

#[derive(sqlx::FromRow)]
struct PassRow {
    rang: i64,
    code: String,
    etat: String,
    valeur_centimes: i64,
    validated_at: Option<DateTime<Utc>>,
}

/// A parcours of this structure with its beneficiary and carnet; `None` if it does not exist or
/// belongs to another structure.
pub async fn detail(conn: &mut dyn Conn, id: i64, structure_id: i64) -> sqlx::Result<Option<ParcoursDetail>> {
    let header: Option<HeaderRow> = on!(conn, |cx| sqlx::query_as(
        "SELECT p.id, p.etat, p.etape, p.created_at, p.beneficiaire_id,
                u.prenom || ' ' || u.nom AS conseiller,
                ca.id AS carnet_id, ca.numero, ca.nb_passes, ca.valeur_faciale_centimes, ca.fin_validite,
                ca.etat AS carnet_etat, ca.commanditaire_nom, ca.canal_reception, ca.date_reception
         FROM parcours p
         JOIN carnets ca ON ca.id = p.carnet_id
         JOIN users u ON u.id = p.conseiller_id
         WHERE p.id = $1 AND p.structure_id = $2",
    )
    .bind(id)
    .bind(structure_id)
    .fetch_optional(cx)
    .await)?;
    let Some(h) = header else { return Ok(None) };
    let Some(beneficiaire) = beneficiaires::get(conn, h.beneficiaire_id, structure_id).await? else {
        return Ok(None);
    };
    let passes: Vec<PassRow> = on!(conn, |cx| sqlx::query_as(
        "SELECT rang, code, etat, valeur_centimes, validated_at FROM passes WHERE carnet_id = $1 ORDER BY rang",
    )
    .bind(h.carnet_id)
    .fetch_all(cx)
    .await)?;
    Ok(Some(ParcoursDetail {
        id: h.id,
        etat: h.etat,
        etape: h.etape,
        conseiller: h.conseiller,
        created_at: h.created_at,
        beneficiaire,
        carnet: CarnetView {
            id: h.carnet_id,
            numero: h.numero,
            nb_passes: h.nb_passes,
            valeur_faciale_centimes: h.valeur_faciale_centimes,
            fin_validite: h.fin_validite,
            etat: h.carnet_etat,
            commanditaire: h.commanditaire_nom,
            canal: h.canal_reception,
            date_reception: h.date_reception,
            passes: passes
                .into_iter()
                .map(|p| PassView {
                    rang: p.rang,
                    code: PassCode::parse(&p.code).map(|c| c.display()).unwrap_or(p.code),
                    etat: p.etat,
                    valeur_centimes: p.valeur_centimes,
                    validated_at: p.validated_at,
                })
                .collect(),
        },
    }))
}

/// Whether the parcours exists and is of this structure.
pub async fn existe(conn: &mut dyn Conn, id: i64, structure_id: i64) -> sqlx::Result<bool> {
    let (existe,): (bool,) =
        on!(conn, |cx| sqlx::query_as("SELECT EXISTS (SELECT 1 FROM parcours WHERE id = $1 AND structure_id = $2)")
            .bind(id)
            .bind(structure_id)
            .fetch_one(cx)
            .await)?;
    Ok(existe)
}

/// The parcours' beneficiary; an error if there is no such parcours.
pub async fn beneficiaire_id(conn: &mut dyn Conn, id: i64) -> sqlx::Result<i64> {
    let (b,): (i64,) = on!(conn, |cx| sqlx::query_as("SELECT beneficiaire_id FROM parcours WHERE id = $1")
        .bind(id)
        .fetch_one(cx)
        .await)?;
    Ok(b)
}

/// The beneficiaries of these parcours, each once, by id.
pub async fn beneficiaires_de(conn: &mut dyn Conn, ids: &[i64]) -> sqlx::Result<Vec<i64>> {
    // Integers, written in the statement: no text from outside reaches it.
    let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
    let rows: Vec<(i64,)> = on!(conn, |cx| sqlx::query_as(&format!(
        "SELECT DISTINCT beneficiaire_id FROM parcours WHERE id IN ({}) ORDER BY 1",
        ids.join(",")
    ))
    .fetch_all(cx)
    .await)?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// The beneficiaries of these parcours, each once, and whether every one of the parcours is of
/// this structure.
pub async fn beneficiaires_dans(conn: &mut dyn Conn, ids: &[i64], structure_id: i64) -> sqlx::Result<(Vec<i64>, bool)> {
    if ids.is_empty() {
        return Ok((Vec::new(), true));
    }
    // Integers, written in the statement: no text from outside reaches it.
    let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
    let rows: Vec<(i64, i64)> = on!(conn, |cx| sqlx::query_as(&format!(
        "SELECT beneficiaire_id, structure_id FROM parcours WHERE id IN ({})",
        ids.join(",")
    ))
    .fetch_all(cx)
    .await)?;
    let dedans = rows.iter().all(|r| r.1 == structure_id);
    let mut b: Vec<i64> = rows.into_iter().map(|r| r.0).collect();
    b.sort_unstable();
    b.dedup();
    Ok((b, dedans))
}

/// Whether a parcours' person was anonymised, and when the parcours closed.
#[derive(sqlx::FromRow)]
pub struct FinDuParcours {
    pub anonymise: bool,
    pub closed_at: Option<DateTime<Utc>>,
}

/// Whether the parcours' beneficiary was anonymised and when the parcours closed (`None`: still
/// open); an error if there is no such parcours.
pub async fn fin(conn: &mut dyn Conn, id: i64) -> sqlx::Result<FinDuParcours> {
    on!(conn, |cx| sqlx::query_as(
        "SELECT b.anonymise_at IS NOT NULL AS anonymise, p.closed_at
         FROM parcours p JOIN beneficiaires b ON b.id = p.beneficiaire_id WHERE p.id = $1",
    )
    .bind(id)
    .fetch_one(cx)
    .await)
}

/// The parcours' carnet; an error if there is no such parcours.
pub async fn carnet_id(conn: &mut dyn Conn, id: i64) -> sqlx::Result<i64> {
    let (c,): (i64,) =
        on!(conn, |cx| sqlx::query_as("SELECT carnet_id FROM parcours WHERE id = $1").bind(id).fetch_one(cx).await)?;
    Ok(c)
}

/// Sets the parcours' last change to `at` (the demo's parcours follow their story).
pub async fn dater(conn: &mut dyn Conn, id: i64, at: DateTime<Utc>) -> sqlx::Result<()> {
    on!(conn, |cx| sqlx::query("UPDATE parcours SET updated_at = $1 WHERE id = $2")
        .bind(at)
        .bind(id)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}
