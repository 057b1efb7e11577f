//! Buyer (commanditaire) and opérateur organisations, their users, and the accreditation of
//! structures by opérateurs.

use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::store::audit::{Audit, Entite};
use crate::store::conn::{on, Conn};
use carnet_domain::ledger::api::{Organisation, Ref, StructureAgrement, StructureChoix};
use chrono::{DateTime, Utc};
use serde_json::json;

pub async fn create_operateur(db: &Db, nom: &str, now: DateTime<Utc>) -> sqlx::Result<i64> {
    let conn: &mut dyn Conn = &mut db.acquire().await?;
    let (id,): (i64,) =
        on!(conn, |cx| sqlx::query_as("INSERT INTO operateurs (nom, created_at) VALUES ($1, $2) RETURNING id")
            .bind(nom)
            .bind(now)
            .fetch_one(cx)
            .await)?;
    Ok(id)
}

pub async fn create_commanditaire(db: &Db, nom: &str, now: DateTime<Utc>) -> sqlx::Result<i64> {
    let conn: &mut dyn Conn = &mut db.acquire().await?;
    let (id,): (i64,) =
        on!(conn, |cx| sqlx::query_as("INSERT INTO commanditaires (nom, created_at) VALUES ($1, $2) RETURNING id")
            .bind(nom)
            .bind(now)
            .fetch_one(cx)
            .await)?;
    Ok(id)
}

pub async fn operateur_exists(db: &Db, id: i64) -> sqlx::Result<bool> {
    let conn: &mut dyn Conn = &mut db.acquire().await?;
    Ok(on!(conn, |cx| sqlx::query_as::<_, (i64,)>("SELECT id FROM operateurs WHERE id = $1")
        .bind(id)
        .fetch_optional(cx)
        .await)?
    .is_some())
}

pub async fn commanditaire_exists(db: &Db, id: i64) -> sqlx::Result<bool> {
    let conn: &mut dyn Conn = &mut db.acquire().await?;
    Ok(on!(conn, |cx| sqlx::query_as::<_, (i64,)>("SELECT id FROM commanditaires WHERE id = $1")
        .bind(id)
        .fetch_optional(cx)
        .await)?
    .is_some())
}

/// Attaches a user to its organisation (one of the two).
pub async fn set_user_organisation(
    db: &Db,
    user_id: i64,
    commanditaire_id: Option<i64>,
    operateur_id: Option<i64>,
) -> sqlx::Result<()> {
    let conn: &mut dyn Conn = &mut db.acquire().await?;
    on!(conn, |cx| sqlx::query("UPDATE users SET commanditaire_id = $2, operateur_id = $3 WHERE id = $1")
        .bind(user_id)
        .bind(commanditaire_id)
        .bind(operateur_id)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The organisations of a user: (commanditaire, opérateur).
pub async fn user_organisations(db: &Db, user_id: i64) -> sqlx::Result<(Option<i64>, Option<i64>)> {
    let conn: &mut dyn Conn = &mut db.acquire().await?;
    let row: Option<(Option<i64>, Option<i64>)> =
        on!(conn, |cx| sqlx::query_as("SELECT commanditaire_id, operateur_id FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(cx)
            .await)?;
    Ok(row.unwrap_or((None, None)))
}

pub async fn organisation(
    db: &Db,
    commanditaire_id: Option<i64>,
    operateur_id: Option<i64>,
    structure_id: Option<i64>,
) -> sqlx::Result<Organisation> {
    let conn: &mut dyn Conn = &mut db.acquire().await?;
    let commanditaire: Option<(i64, String)> = match commanditaire_id {
        Some(id) => on!(conn, |cx| sqlx::query_as("SELECT id, nom FROM commanditaires WHERE id = $1")
            .bind(id)
            .fetch_optional(cx)
            .await)?,
        None => None,
    };
    let operateur: Option<(i64, String)> = match operateur_id {
        Some(id) => on!(conn, |cx| sqlx::query_as("SELECT id, nom FROM operateurs WHERE id = $1")
            .bind(id)
            .fetch_optional(cx)
            .await)?,
        None => None,
    };
    let structure: Option<(i64, String)> = match structure_id {
        Some(id) => on!(conn, |cx| sqlx::query_as("SELECT id, nom FROM structures WHERE id = $1")
            .bind(id)
            .fetch_optional(cx)
            .await)?,
        None => None,
    };
    let structure_agreee = match structure_id {
        Some(id) => on!(conn, |cx| sqlx::query_scalar::<_, bool>(
            "SELECT EXISTS (SELECT 1 FROM structure_agrements WHERE structure_id = $1 AND etat = 'actif')",
        )
        .bind(id)
        .fetch_one(cx)
        .await)?,
        None => false,
    };
    let to_ref = |r: Option<(i64, String)>| r.map(|(id, nom)| Ref { id, nom });
    Ok(Organisation {
        commanditaire: to_ref(commanditaire),
        operateur: to_ref(operateur),
        structure: to_ref(structure),
        structure_agreee,
    })
}

pub async fn list_operateurs(db: &Db) -> sqlx::Result<Vec<Ref>> {
    let conn: &mut dyn Conn = &mut db.acquire().await?;
    let rows: Vec<(i64, String)> =
        on!(conn, |cx| sqlx::query_as("SELECT id, nom FROM operateurs ORDER BY nom").fetch_all(cx).await)?;
    Ok(rows.into_iter().map(|(id, nom)| Ref { id, nom }).collect())
}

/// Where an order's carnets may go (`s` a structure, `c` its commune, `co` the order): accredited
/// by the order's opérateur, and inside the order's territory when it has one.
pub const AGREEE_PAR_L_OPERATEUR: &str = "EXISTS (SELECT 1 FROM structure_agrements a
    WHERE a.structure_id = s.id AND a.operateur_id = co.operateur_id AND a.etat = 'actif')";
pub const DANS_LE_TERRITOIRE: &str = "(NOT EXISTS (SELECT 1 FROM commande_territoires t WHERE t.commande_id = co.id)
    OR EXISTS (SELECT 1 FROM commande_territoires t WHERE t.commande_id = co.id
               AND ((t.kind = 'commune' AND t.code = s.commune_insee)
                 OR (t.kind = 'departement' AND t.code = c.departement))))";

/// The structures a commanditaire may entrust a lot of this order to (every structure when no
/// order is named).
pub async fn structures_choix(db: &Db, commande_id: Option<i64>) -> sqlx::Result<Vec<StructureChoix>> {
    let conn: &mut dyn Conn = &mut db.acquire().await?;
    let sql = match commande_id {
        None => "SELECT s.id, s.nom, c.nom, c.departement FROM structures s
                 LEFT JOIN communes c ON c.code_insee = s.commune_insee ORDER BY s.nom, s.id"
            .to_string(),
        Some(_) => format!(
            "SELECT s.id, s.nom, c.nom, c.departement FROM structures s
             LEFT JOIN communes c ON c.code_insee = s.commune_insee
             JOIN commandes co ON co.id = $1
             WHERE {AGREEE_PAR_L_OPERATEUR} AND {DANS_LE_TERRITOIRE}
             ORDER BY s.nom, s.id"
        ),
    };
    let rows: Vec<(i64, String, Option<String>, Option<String>)> =
        on!(conn, |cx| sqlx::query_as(&sql).bind(commande_id.unwrap_or(0)).fetch_all(cx).await)?;
    Ok(rows
        .into_iter()
        .map(|(id, nom, commune, departement)| StructureChoix { id, nom, commune, departement })
        .collect())
}

#[derive(sqlx::FromRow)]
struct AgrementRow {
    id: i64,
    nom: String,
    commune: Option<String>,
    departement: Option<String>,
    etat: Option<String>,
    decided_at: Option<DateTime<Utc>>,
    motif: Option<String>,
}

/// Every structure with its accreditation by this opérateur.
pub async fn agrements(db: &Db, operateur_id: i64) -> sqlx::Result<Vec<StructureAgrement>> {
    let conn: &mut dyn Conn = &mut db.acquire().await?;
    let rows: Vec<AgrementRow> = on!(conn, |cx| sqlx::query_as(
        "SELECT s.id, s.nom, c.nom AS commune, c.departement, a.etat, a.decided_at, a.motif
         FROM structures s
         LEFT JOIN communes c ON c.code_insee = s.commune_insee
         LEFT JOIN structure_agrements a ON a.structure_id = s.id AND a.operateur_id = $1
         ORDER BY s.nom, s.id",
    )
    .bind(operateur_id)
    .fetch_all(cx)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|r| StructureAgrement {
            id: r.id,
            nom: r.nom,
            commune: r.commune,
            departement: r.departement,
            agrement: r.etat,
            decided_at: r.decided_at,
            motif: r.motif,
        })
        .collect())
}

/// Accredits (or suspends) a structure for this opérateur's passes; audited.
pub async fn set_agrement(
    conn: &mut dyn Conn,
    structure_id: i64,
    operateur_id: i64,
    actif: bool,
    motif: Option<&str>,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let exists: Option<(i64,)> = on!(conn, |cx| sqlx::query_as("SELECT id FROM structures WHERE id = $1")
        .bind(structure_id)
        .fetch_optional(cx)
        .await)?;
    if exists.is_none() {
        return Err(AppError::NotFound);
    }
    // Two decisions at once on the same accreditation (two tabs, two instances): the second reads
    // the first one's and is refused as already made, as it would be after it.
    crate::store::verrous::attendre(conn, &format!("agrement:{structure_id}:{operateur_id}")).await?;
    let before: Option<(String,)> = on!(conn, |cx| sqlx::query_as(
        "SELECT etat FROM structure_agrements WHERE structure_id = $1 AND operateur_id = $2"
    )
    .bind(structure_id)
    .bind(operateur_id)
    .fetch_optional(cx)
    .await)?;
    let etat = if actif { "actif" } else { "suspendu" };
    if before.as_ref().map(|b| b.0.as_str()) == Some(etat) {
        return Err(AppError::Conflict(if actif {
            "Cette structure est déjà agréée.".into()
        } else {
            "L'agrément de cette structure est déjà suspendu.".into()
        }));
    }
    if before.is_none() && !actif {
        return Err(AppError::Conflict("Cette structure n'est pas agréée : il n'y a rien à suspendre.".into()));
    }
    on!(conn, |cx| {
        sqlx::query(
        "INSERT INTO structure_agrements (structure_id, operateur_id, etat, motif, decided_at, decided_by)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (structure_id, operateur_id) DO UPDATE SET etat = $3, motif = $4, decided_at = $5, decided_by = $6",
    )
    .bind(structure_id)
    .bind(operateur_id)
    .bind(etat)
    .bind(motif)
    .bind(now)
    .bind(user_id)
    .execute(cx).await.map(|r| r.rows_affected())
    })?;
    Audit::par(
        Some(user_id),
        Entite::Agrement { structure_id },
        if actif { "agrement_accorde" } else { "agrement_suspendu" },
    )
    .avant_si(before.map(|b| json!({ "etat": b.0, "operateur_id": operateur_id })).as_ref())
    // The reason is free text that may name people: it stays with the accreditation
    // (`structure_agrements.motif`); the append-only audit log only says that there was one.
    .apres(json!({ "etat": etat, "operateur_id": operateur_id, "motif": motif.is_some() }))
    .ecrire(conn, now)
    .await?;
    Ok(())
}
