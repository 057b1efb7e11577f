//! Named locks for the rules and jobs that span rows no constraint covers, on PostgreSQL where
//! several transactions (and several server instances) write side by side. On SQLite they are
//! nothing: a write transaction already excludes every other writer.
//!
//! Both kinds last until the transaction that took them ends, so a crash releases them.

use crate::store::conn::{on, Conn};

/// Waits until no other transaction holds the lock `cle`, then holds it until this one ends:
/// what two transactions decide from the same rows (one statement per structure and month, the
/// next carnets of an order) is decided one after the other, each reading what the other wrote.
pub async fn attendre(conn: &mut dyn Conn, cle: &str) -> sqlx::Result<()> {
    on!(conn, |cx| match dialect::VERROU {
        Some(sql) => sqlx::query(sql).bind(cle).execute(cx).await.map(|_| ()),
        None => Ok(()),
    })
}

/// A background job's turn: true if this transaction now holds the job `tache` (held until it
/// ends), false if another instance is running it right now and this tick is to be skipped.
/// The transaction is the caller's witness, kept open for the whole run; the run's own work goes
/// in transactions of their own, one per unit, so that a crash leaves every unit done or untouched.
pub async fn prendre_tache(conn: &mut dyn Conn, tache: &str) -> sqlx::Result<bool> {
    let cle = format!("tache:{tache}");
    on!(conn, |cx| match dialect::ESSAI_VERROU {
        Some(sql) => sqlx::query_scalar::<_, bool>(sql).bind(&cle).fetch_one(cx).await,
        None => Ok(true),
    })
}
