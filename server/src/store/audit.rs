//! The audit log: who changed what, when, with the state before and after.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::SqliteConnection;

/// Appends one entry, inside the caller's transaction (the change and its trace commit together).
#[allow(clippy::too_many_arguments)]
pub async fn record<B: Serialize, A: Serialize>(
    conn: &mut SqliteConnection,
    at: DateTime<Utc>,
    user_id: Option<i64>,
    entity: &str,
    entity_id: i64,
    action: &str,
    before: Option<&B>,
    after: Option<&A>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, user_id, entity, entity_id, action, before_json, after_json)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(at)
    .bind(user_id)
    .bind(entity)
    .bind(entity_id)
    .bind(action)
    .bind(before.map(|b| serde_json::to_string(b).unwrap_or_default()))
    .bind(after.map(|a| serde_json::to_string(a).unwrap_or_default()))
    .execute(conn)
    .await?;
    Ok(())
}
