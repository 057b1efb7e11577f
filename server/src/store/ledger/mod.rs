//! The Pass numérique ledger's storage (issue 4): organisations, orders and their carnets and
//! passes, lots, distribution, validations, statements, expiry, dashboards and the journal.
//!
//! Functions that check and change several rows run inside the caller's write transaction
//! (`db::begin_write`) and answer `AppError` for a refusal, so the handler only commits.

pub mod commandes;
pub mod distribution;
pub mod expiration;
pub mod journal;
pub mod lots;
pub mod orgs;
pub mod releves;
pub mod tableaux;

use crate::store::conn::{on, Conn};
use chrono::{DateTime, Utc};

/// Whose ledger data a request may see. Another organisation's objects answer 404.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Operateur(i64),
    Commanditaire(i64),
    /// A coordinateur: the whole structure.
    Structure(i64),
    /// A conseiller: their own lot, within their structure.
    Conseiller {
        user_id: i64,
        structure_id: i64,
    },
}

/// How many rows one multi-row INSERT carries (well under SQLite's 32,766 parameters).
pub const CHUNK: usize = 500;

/// Appends one audit entry per row of `select`, which must yield `(entity_id, before_json,
/// after_json)`; `binds` are its parameters, numbered from `$3` (`$1` is the time, `$2` the user).
/// Used for bulk state changes (an order's 100,000 passes) in one statement.
pub async fn audit_bulk(
    conn: &mut dyn Conn,
    at: DateTime<Utc>,
    user_id: Option<i64>,
    entity: &str,
    action: &str,
    select: &str,
    binds: &[i64],
) -> sqlx::Result<u64> {
    let sql = format!(
        "INSERT INTO audit_log (at, user_id, entity, entity_id, action, before_json, after_json)
         SELECT $1, $2, '{entity}', x.entity_id, '{action}', x.before_json, x.after_json FROM ({select}) x"
    );
    on!(conn, |cx| {
        let mut q = sqlx::query(&sql).bind(at).bind(user_id);
        for b in binds {
            q = q.bind(*b);
        }
        q.execute(cx).await.map(|r| r.rows_affected())
    })
}

/// `"text"` as a JSON string literal (for labels written into audit JSON by Rust).
pub fn json_str(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}
