//! The ledger's scheduled work, run by the server's housekeeping loop (at start, then every few
//! minutes): expire what is past validity plus grace, and issue last month's statements. Both are
//! idempotent, so running them often or twice is safe; with several servers on one database, one
//! instance runs each job at a time and the others skip that tick (`store::verrous`).

use crate::db::Db;
use crate::store::ledger::{expiration, releves};
use chrono::{DateTime, Utc};

pub async fn run(db: &Db, now: DateTime<Utc>) {
    match expiration::run(db, crate::today_in_paris(now), now).await {
        Ok(r) if !r.is_empty() => tracing::info!(
            commandes = r.commandes,
            passes = r.passes,
            carnets = r.carnets,
            avoirs = r.avoirs,
            "pass expirés"
        ),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "expiration des pass"),
    }
    match releves::emettre_mois_precedent(db, now).await {
        Ok(n) if n > 0 => tracing::info!(releves = n, "relevés du mois précédent émis"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "émission des relevés"),
    }
}
