//! Clients of the read API for data consumers (`clients_api`) and the journal of their calls
//! (`journal_clients_api`, append-only). The rules (scopes, secrets, validity) are in
//! `crate::clients_api`.

use crate::store::conn::{on, Conn};
use chrono::{DateTime, NaiveDate, Utc};

/// A client as stored: the secret only as its SHA-256.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Client {
    pub id: i64,
    pub client_id: String,
    pub nom: String,
    pub secret_hash: String,
    /// Comma-separated scopes.
    pub scopes: String,
    /// Comma-separated département codes; none is all of France.
    pub departements: Option<String>,
    pub valide_jusqu_au: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub struct NouveauClient<'a> {
    pub client_id: &'a str,
    pub nom: &'a str,
    pub secret_hash: &'a str,
    pub scopes: &'a str,
    pub departements: Option<&'a str>,
    pub valide_jusqu_au: Option<NaiveDate>,
}

/// Inserts a client; returns its row id.
pub async fn creer(conn: &mut dyn Conn, c: &NouveauClient<'_>, at: DateTime<Utc>) -> sqlx::Result<i64> {
    let (id,): (i64,) = on!(conn, |cx| sqlx::query_as(
        "INSERT INTO clients_api (client_id, nom, secret_hash, scopes, departements, valide_jusqu_au, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(c.client_id)
    .bind(c.nom)
    .bind(c.secret_hash)
    .bind(c.scopes)
    .bind(c.departements)
    .bind(c.valide_jusqu_au)
    .bind(at)
    .fetch_one(cx)
    .await)?;
    Ok(id)
}

/// The client of a public identifier, revoked or not.
pub async fn par_client_id(conn: &mut dyn Conn, client_id: &str) -> sqlx::Result<Option<Client>> {
    on!(conn, |cx| sqlx::query_as::<_, Client>(
        "SELECT id, client_id, nom, secret_hash, scopes, departements, valide_jusqu_au, created_at, revoked_at
         FROM clients_api WHERE client_id = $1",
    )
    .bind(client_id)
    .fetch_optional(cx)
    .await)
}

/// Revokes a client (once: a second revocation keeps the first date). Whether it exists.
pub async fn revoquer(conn: &mut dyn Conn, client_id: &str, at: DateTime<Utc>) -> sqlx::Result<bool> {
    on!(conn, |cx| sqlx::query("UPDATE clients_api SET revoked_at = COALESCE(revoked_at, $2) WHERE client_id = $1")
        .bind(client_id)
        .bind(at)
        .execute(cx)
        .await
        .map(|r| r.rows_affected() > 0))
}

/// One call of a client.
pub struct Appel<'a> {
    pub at: DateTime<Utc>,
    /// `clients_api.id`.
    pub client: i64,
    pub route: &'a str,
    pub parametres: &'a str,
    pub statut: u16,
    pub lignes: i64,
}

pub async fn journaliser(conn: &mut dyn Conn, a: &Appel<'_>) -> sqlx::Result<()> {
    on!(conn, |cx| sqlx::query(
        "INSERT INTO journal_clients_api (at, client_id, route, parametres, statut, lignes)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(a.at)
    .bind(a.client)
    .bind(a.route)
    .bind(a.parametres)
    .bind(a.statut as i64)
    .bind(a.lignes)
    .execute(cx)
    .await
    .map(|_| ()))
}

/// A client's calls, oldest first: (route, parameters, status, rows).
pub async fn appels(conn: &mut dyn Conn, client: i64) -> sqlx::Result<Vec<(String, String, i64, i64)>> {
    on!(conn, |cx| sqlx::query_as(
        "SELECT route, parametres, statut, lignes FROM journal_clients_api WHERE client_id = $1 ORDER BY id",
    )
    .bind(client)
    .fetch_all(cx)
    .await)
}
