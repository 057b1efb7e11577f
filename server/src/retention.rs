//! Retention: a beneficiary's identity is anonymised automatically a configurable time after
//! their last activity (`store::donnees::last_activity` defines it). The job runs in the server
//! at start and then every hour. It is idempotent and safe to run twice or from several servers at
//! once: one instance runs it at a time (the others skip the tick), and each person is anonymised
//! by one guarded statement (`anonymise_at IS NULL`) in a transaction of its own, so a run cut
//! short leaves each person anonymised whole or untouched, and the next run goes on.

use crate::db::{begin_write, Db};
use crate::store::donnees::{self, Motif};
use chrono::{DateTime, Months, Utc};

/// The moment before which a last activity is too old.
pub fn cutoff(now: DateTime<Utc>, months: u32) -> DateTime<Utc> {
    now.checked_sub_months(Months::new(months)).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// When the identity of someone last active at `last` will be erased.
pub fn due(last: DateTime<Utc>, months: u32) -> DateTime<Utc> {
    last.checked_add_months(Months::new(months)).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// One run: anonymises everyone inactive for `months`; returns how many were anonymised.
pub async fn run_once(db: &Db, now: DateTime<Utc>, months: u32) -> anyhow::Result<usize> {
    let mut tache = db.begin().await?;
    if !crate::store::verrous::prendre_tache(&mut tache, "conservation").await? {
        return Ok(0);
    }
    let ids = {
        let mut conn = db.acquire().await?;
        donnees::expired(&mut conn, cutoff(now, months)).await?
    };
    let mut done = 0;
    for id in ids {
        let mut tx = begin_write(db).await?;
        if donnees::anonymise(&mut tx, id, now, Motif::Conservation, None).await? {
            done += 1;
        }
        tx.commit().await?;
    }
    tache.commit().await?;
    if done > 0 {
        tracing::info!(anonymises = done, mois = months, "conservation : identités anonymisées");
    }
    Ok(done)
}

/// The scheduled job: at start, then every hour, for as long as the server runs.
pub async fn schedule(db: Db, months: u32, clock: crate::Clock) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tick.tick().await;
        if let Err(e) = run_once(&db, clock.now(), months).await {
            tracing::warn!(error = %e, "conservation : l'anonymisation automatique a échoué, nouvel essai dans une heure");
        }
    }
}
