//! Account administration: one-time links (stored as hashes), passwords, sessions revoked in
//! bulk, activation, and the lists of the team and administration pages.

use crate::db::Db;
use crate::store::conn::{on, Conn};
use carnet_domain::api::{Role, StructureRef};
use carnet_domain::comptes::{CompteView, EtatCompte, ObjetJeton};
use chrono::{DateTime, Duration, Utc};

/// Creates a one-time link for `user_id` and returns the token to send (the database keeps
/// only its hash). Earlier unused links of the same kind stop working.
pub async fn create_token(
    conn: &mut dyn Conn,
    user_id: i64,
    objet: ObjetJeton,
    created_by: Option<i64>,
    now: DateTime<Utc>,
    validity: Duration,
) -> sqlx::Result<String> {
    on!(conn, |cx| sqlx::query(
        "UPDATE jetons_usage_unique SET used_at = $3 WHERE user_id = $1 AND objet = $2 AND used_at IS NULL"
    )
    .bind(user_id)
    .bind(objet.as_str())
    .bind(now)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    let (token, hash) = crate::auth::new_token();
    on!(conn, |cx| sqlx::query(
        "INSERT INTO jetons_usage_unique (token_hash, user_id, objet, created_at, expires_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&hash)
    .bind(user_id)
    .bind(objet.as_str())
    .bind(now)
    .bind(now + validity)
    .bind(created_by)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(token)
}

#[derive(sqlx::FromRow)]
pub struct TokenRow {
    pub user_id: i64,
    pub objet: String,
    pub expires_at: DateTime<Utc>,
    pub email: String,
    pub prenom: String,
}

/// A link that still works: unused, unexpired, its account active.
pub async fn find_valid_token(db: &Db, token_hash: &str, now: DateTime<Utc>) -> sqlx::Result<Option<TokenRow>> {
    on!(db.acquire().await?, |cx| sqlx::query_as(
        "SELECT j.user_id, j.objet, j.expires_at, u.email, u.prenom
         FROM jetons_usage_unique j JOIN users u ON u.id = j.user_id
         WHERE j.token_hash = $1 AND j.used_at IS NULL AND j.expires_at > $2 AND u.active = TRUE",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(cx)
    .await)
}

/// Uses a link, once: a single statement, so two requests with the same link cannot both
/// succeed. Returns the account and the kind of link.
pub async fn consume_token(
    conn: &mut dyn Conn,
    token_hash: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<(i64, String)>> {
    on!(conn, |cx| sqlx::query_as(
        "UPDATE jetons_usage_unique SET used_at = $2
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
           AND user_id IN (SELECT id FROM users WHERE active = TRUE)
         RETURNING user_id, objet",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(cx)
    .await)
}

/// Every unused link of the account stops working.
pub async fn revoke_tokens(conn: &mut dyn Conn, user_id: i64, now: DateTime<Utc>) -> sqlx::Result<()> {
    on!(conn, |cx| sqlx::query("UPDATE jetons_usage_unique SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .bind(now)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn set_password(conn: &mut dyn Conn, user_id: i64, password_hash: &str) -> sqlx::Result<()> {
    on!(conn, |cx| sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
        .bind(user_id)
        .bind(password_hash)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Ends every session of the account (password changed, account deactivated).
pub async fn revoke_sessions(conn: &mut dyn Conn, user_id: i64) -> sqlx::Result<u64> {
    let r = on!(conn, |cx| sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(r)
}

pub async fn set_active(conn: &mut dyn Conn, user_id: i64, active: bool) -> sqlx::Result<()> {
    on!(conn, |cx| sqlx::query("UPDATE users SET active = $2 WHERE id = $1")
        .bind(user_id)
        .bind(active)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Forgets one-time links that ended (used or expired) before `before`.
pub async fn purge_tokens(db: &Db, before: DateTime<Utc>) -> sqlx::Result<u64> {
    let r = on!(db.acquire().await?, |cx| sqlx::query(
        "DELETE FROM jetons_usage_unique WHERE expires_at < $1 OR used_at < $1"
    )
    .bind(before)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(r)
}

pub async fn record_login(db: &Db, user_id: i64, now: DateTime<Utc>) -> sqlx::Result<()> {
    on!(db.acquire().await?, |cx| sqlx::query("UPDATE users SET last_login_at = $2 WHERE id = $1")
        .bind(user_id)
        .bind(now)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct CompteRow {
    id: i64,
    email: String,
    prenom: String,
    nom: String,
    role: String,
    structure_id: Option<i64>,
    structure_nom: Option<String>,
    active: bool,
    invitation: bool,
    created_at: DateTime<Utc>,
    last_login_at: Option<DateTime<Utc>>,
}

impl From<CompteRow> for CompteView {
    fn from(r: CompteRow) -> Self {
        CompteView {
            id: r.id,
            email: r.email,
            prenom: r.prenom,
            nom: r.nom,
            role: Role::parse(&r.role).unwrap_or(Role::Conseiller),
            structure: match (r.structure_id, r.structure_nom) {
                (Some(id), Some(nom)) => Some(StructureRef { id, nom }),
                _ => None,
            },
            etat: if !r.active {
                EtatCompte::Desactive
            } else if r.invitation {
                EtatCompte::Invitation
            } else {
                EtatCompte::Actif
            },
            created_at: r.created_at,
            derniere_connexion: r.last_login_at,
        }
    }
}

const COMPTE_SELECT: &str = "SELECT u.id, u.email, u.prenom, u.nom, u.role, u.structure_id, s.nom AS structure_nom,
        u.active, (u.password_hash = '') AS invitation, u.created_at, u.last_login_at
    FROM users u LEFT JOIN structures s ON s.id = u.structure_id";

/// The accounts of one structure, or of everyone (`None`), by name.
pub async fn list(db: &Db, structure_id: Option<i64>) -> sqlx::Result<Vec<CompteView>> {
    let rows: Vec<CompteRow> = match structure_id {
        Some(s) => on!(db.acquire().await?, |cx| sqlx::query_as(&format!(
            "{COMPTE_SELECT} WHERE u.structure_id = $1 ORDER BY u.nom, u.prenom, u.id"
        ))
        .bind(s)
        .fetch_all(cx)
        .await)?,
        None => on!(db.acquire().await?, |cx| sqlx::query_as(&format!(
            "{COMPTE_SELECT} ORDER BY s.nom, u.nom, u.prenom, u.id"
        ))
        .fetch_all(cx)
        .await)?,
    };
    Ok(rows.into_iter().map(CompteView::from).collect())
}

/// One account, if it is in `structure_id` (or anywhere when `None`).
pub async fn get(db: &Db, id: i64, structure_id: Option<i64>) -> sqlx::Result<Option<CompteView>> {
    let row: Option<CompteRow> = on!(db.acquire().await?, |cx| sqlx::query_as(&format!(
        "{COMPTE_SELECT} WHERE u.id = $1 AND ($2 IS NULL OR u.structure_id = $2)"
    ))
    .bind(id)
    .bind(structure_id)
    .fetch_optional(cx)
    .await)?;
    Ok(row.map(CompteView::from))
}

pub async fn structures(db: &Db) -> sqlx::Result<Vec<StructureRef>> {
    let rows: Vec<(i64, String)> =
        on!(db.acquire().await?, |cx| sqlx::query_as("SELECT id, nom FROM structures ORDER BY nom, id")
            .fetch_all(cx)
            .await)?;
    Ok(rows.into_iter().map(|(id, nom)| StructureRef { id, nom }).collect())
}

pub async fn structure_nom(db: &Db, id: i64) -> sqlx::Result<Option<String>> {
    let row: Option<(String,)> =
        on!(db.acquire().await?, |cx| sqlx::query_as("SELECT nom FROM structures WHERE id = $1")
            .bind(id)
            .fetch_optional(cx)
            .await)?;
    Ok(row.map(|r| r.0))
}

/// Creates an invited account: no password yet (`''`, which no password verifies).
pub async fn create_invited(
    conn: &mut dyn Conn,
    email: &str,
    prenom: &str,
    nom: &str,
    role: Role,
    structure_id: Option<i64>,
    now: DateTime<Utc>,
) -> sqlx::Result<i64> {
    let (id,): (i64,) = on!(conn, |cx| sqlx::query_as(
        "INSERT INTO users (email, password_hash, prenom, nom, role, structure_id, created_at)
         VALUES ($1, '', $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(email.to_lowercase())
    .bind(prenom)
    .bind(nom)
    .bind(role.as_str())
    .bind(structure_id)
    .bind(now)
    .fetch_one(cx)
    .await)?;
    Ok(id)
}
