//! Structures, user accounts, sessions and failed-login counters.

use crate::db::Db;
use crate::store::conn::{on, Conn};
use carnet_domain::api::Role;
use chrono::{DateTime, Utc};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
    pub prenom: String,
    pub nom: String,
    pub role: String,
    pub structure_id: Option<i64>,
    pub structure_nom: Option<String>,
    pub structure_commune: Option<String>,
    pub structure_fuseau: Option<String>,
    pub active: bool,
}

impl UserRow {
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Conseiller)
    }

    /// The calendar of the user's structure; metropolitan France for a user without one.
    pub fn calendrier(&self) -> carnet_domain::fuseau::Calendrier {
        crate::store::fuseaux::calendrier(self.structure_commune.as_deref(), self.structure_fuseau.as_deref())
    }
}

const USER_COLUMNS: &str = "u.id, u.email, u.password_hash, u.prenom, u.nom, u.role, u.structure_id,
    s.nom AS structure_nom, s.commune_insee AS structure_commune, s.fuseau AS structure_fuseau, u.active";

pub async fn create_structure(
    db: &Db,
    nom: &str,
    siret: Option<&str>,
    commune_insee: Option<&str>,
    now: DateTime<Utc>,
) -> sqlx::Result<i64> {
    let (id,): (i64,) = on!(db.acquire().await?, |cx| sqlx::query_as(
        "INSERT INTO structures (nom, siret, commune_insee, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(nom)
    .bind(siret)
    .bind(commune_insee)
    .bind(now)
    .fetch_one(cx)
    .await)?;
    Ok(id)
}

pub async fn structure_exists(db: &Db, id: i64) -> sqlx::Result<bool> {
    let row: Option<(i64,)> = on!(db.acquire().await?, |cx| sqlx::query_as("SELECT id FROM structures WHERE id = $1")
        .bind(id)
        .fetch_optional(cx)
        .await)?;
    Ok(row.is_some())
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub password_hash: &'a str,
    pub prenom: &'a str,
    pub nom: &'a str,
    pub role: Role,
    pub structure_id: Option<i64>,
}

pub async fn create_user(db: &Db, u: &NewUser<'_>, now: DateTime<Utc>) -> sqlx::Result<i64> {
    let (id,): (i64,) = on!(db.acquire().await?, |cx| sqlx::query_as(
        "INSERT INTO users (email, password_hash, prenom, nom, role, structure_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(u.email.to_lowercase())
    .bind(u.password_hash)
    .bind(u.prenom)
    .bind(u.nom)
    .bind(u.role.as_str())
    .bind(u.structure_id)
    .bind(now)
    .fetch_one(cx)
    .await)?;
    Ok(id)
}

pub async fn find_by_email(db: &Db, email: &str) -> sqlx::Result<Option<UserRow>> {
    on!(db.acquire().await?, |cx| sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users u LEFT JOIN structures s ON s.id = u.structure_id
         WHERE u.email = $1"
    ))
    .bind(email.trim().to_lowercase())
    .fetch_optional(cx)
    .await)
}

// --- sessions

/// A new session: at login (on a pooled connection), or inside the transaction that changes a
/// password (the session kept by the browser that changed it).
pub async fn create_session(
    conn: &mut dyn Conn,
    token_hash: &str,
    user_id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    on!(conn, |cx| sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at) VALUES ($1, $2, $3, $3)"
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(now)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(sqlx::FromRow)]
pub struct SessionUser {
    #[sqlx(flatten)]
    pub user: UserRow,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// What `Avec` asked for (`None` otherwise, or when there is none).
    pub lu_version: Option<i64>,
    pub lu_beneficiaire: Option<i64>,
}

/// What the session's statement reads besides the user, for the pages read most: one
/// statement instead of two before their answer is known to be cached.
#[derive(Clone, Copy, Debug)]
pub enum Avec {
    Rien,
    /// The version and the person of this parcours, when it is of the user's structure.
    Parcours(i64),
    /// The version of the user's structure.
    VersionStructure,
}

/// What the session's statement read besides the user (`Avec`): a version, and the parcours'
/// person for `Avec::Parcours`; none when the row is not the user's structure's.
#[derive(Clone, Copy, Debug, Default)]
pub struct Lu {
    pub version: Option<i64>,
    pub beneficiaire: Option<i64>,
}

pub async fn find_session(db: &Db, token_hash: &str, avec: Avec) -> sqlx::Result<Option<SessionUser>> {
    let (colonnes, jointure) = match avec {
        Avec::Rien => ("CAST(NULL AS BIGINT) AS lu_version, CAST(NULL AS BIGINT) AS lu_beneficiaire", ""),
        Avec::Parcours(_) => (
            "p.version AS lu_version, p.beneficiaire_id AS lu_beneficiaire",
            "LEFT JOIN parcours p ON p.id = $2 AND p.structure_id = u.structure_id",
        ),
        Avec::VersionStructure => (
            "vs.version AS lu_version, CAST(NULL AS BIGINT) AS lu_beneficiaire",
            "LEFT JOIN versions_structures vs ON vs.structure_id = u.structure_id",
        ),
    };
    let sql = format!(
        "SELECT {USER_COLUMNS}, se.created_at, se.last_seen_at, {colonnes}
         FROM sessions se
         JOIN users u ON u.id = se.user_id
         LEFT JOIN structures s ON s.id = u.structure_id
         {jointure}
         WHERE se.token_hash = $1"
    );
    on!(db.acquire().await?, |cx| {
        let q = sqlx::query_as(&sql).bind(token_hash);
        match avec {
            Avec::Parcours(id) => q.bind(id),
            Avec::Rien | Avec::VersionStructure => q,
        }
        .fetch_optional(cx)
        .await
    })
}

pub async fn touch_session(conn: &mut dyn Conn, token_hash: &str, now: DateTime<Utc>) -> sqlx::Result<()> {
    on!(conn, |cx| sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1")
        .bind(token_hash)
        .bind(now)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn delete_session(db: &Db, token_hash: &str) -> sqlx::Result<()> {
    on!(db.acquire().await?, |cx| sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Removes sessions idle since `idle_before` or older than `created_before`.
pub async fn purge_sessions(db: &Db, idle_before: DateTime<Utc>, created_before: DateTime<Utc>) -> sqlx::Result<u64> {
    let r =
        on!(db.acquire().await?, |cx| sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2")
            .bind(idle_before)
            .bind(created_before)
            .execute(cx)
            .await
            .map(|r| r.rows_affected()))?;
    Ok(r)
}

// --- failed logins

pub async fn count_failures(db: &Db, key: &str, since: DateTime<Utc>) -> sqlx::Result<i64> {
    let (n,): (i64,) = on!(db.acquire().await?, |cx| sqlx::query_as(
        "SELECT COUNT(*) FROM login_failures WHERE throttle_key = $1 AND at >= $2"
    )
    .bind(key)
    .bind(since)
    .fetch_one(cx)
    .await)?;
    Ok(n)
}

pub async fn record_failure(db: &Db, key: &str, now: DateTime<Utc>) -> sqlx::Result<()> {
    on!(db.acquire().await?, |cx| sqlx::query("INSERT INTO login_failures (throttle_key, at) VALUES ($1, $2)")
        .bind(key)
        .bind(now)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Records a failure before it is known to be one (see `api::auth::login`); its id, to take it
/// back.
pub async fn reserve_attempt(db: &Db, key: &str, now: DateTime<Utc>) -> sqlx::Result<i64> {
    let (id,): (i64,) = on!(db.acquire().await?, |cx| sqlx::query_as(
        "INSERT INTO login_failures (throttle_key, at) VALUES ($1, $2) RETURNING id"
    )
    .bind(key)
    .bind(now)
    .fetch_one(cx)
    .await)?;
    Ok(id)
}

/// Takes back attempts reserved by `reserve_attempt`.
pub async fn forget_attempts(db: &Db, ids: &[i64]) -> sqlx::Result<()> {
    let mut conn = db.acquire().await?;
    for id in ids {
        on!(&mut conn, |cx| sqlx::query("DELETE FROM login_failures WHERE id = $1")
            .bind(*id)
            .execute(cx)
            .await
            .map(|r| r.rows_affected()))?;
    }
    Ok(())
}

pub async fn clear_failures(db: &Db, key: &str) -> sqlx::Result<()> {
    on!(db.acquire().await?, |cx| sqlx::query("DELETE FROM login_failures WHERE throttle_key = $1")
        .bind(key)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn purge_failures(db: &Db, before: DateTime<Utc>) -> sqlx::Result<()> {
    on!(db.acquire().await?, |cx| sqlx::query("DELETE FROM login_failures WHERE at < $1")
        .bind(before)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Whether the user asked for the morning e-mail of their day (« Mon compte »).
pub async fn journee_par_email(conn: &mut dyn Conn, user_id: i64) -> sqlx::Result<bool> {
    let (oui,): (bool,) = on!(conn, |cx| sqlx::query_as("SELECT journee_par_email FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(cx)
        .await)?;
    Ok(oui)
}

/// Asks for, or stops, the user's morning e-mail (the reminders' job reads it at each run).
pub async fn set_journee_par_email(conn: &mut dyn Conn, user_id: i64, oui: bool) -> sqlx::Result<()> {
    on!(conn, |cx| sqlx::query("UPDATE users SET journee_par_email = $2 WHERE id = $1")
        .bind(user_id)
        .bind(oui)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}
