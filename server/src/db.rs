//! Opening the database: created if missing, migrated at start, reference data loaded once.
//!
//! SQLite is the embedded default. All SQL lives in `store/` and uses `$1`-style parameters and
//! portable types, so a PostgreSQL store can sit beside this one.

use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

pub type Db = sqlx::SqlitePool;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// PostgreSQL's twins of `MIGRATOR`'s migrations, same numbers and names (types in its 0001);
/// `tests/schema_pg.rs` checks that both describe one schema.
pub static MIGRATOR_PG: sqlx::migrate::Migrator = sqlx::migrate!("./migrations-pg");

/// Opens (creating the file and its folder if needed) and migrates the database.
pub async fn connect(url: &str) -> anyhow::Result<Db> {
    let options = SqliteConnectOptions::from_str(url)
        .with_context(|| format!("adresse de base de données invalide : {url}"))?
        .create_if_missing(true)
        .foreign_keys(true)
        .journal_mode(SqliteJournalMode::Wal)
        // The ledger is money: a validation acknowledged to a conseiller must survive a power
        // cut. NORMAL in WAL mode syncs only at checkpoints, so the last commits could vanish
        // (the pass usable again, the statement short); FULL syncs the WAL at every commit.
        .synchronous(SqliteSynchronous::Full)
        // Writers queue instead of failing when two requests write at once.
        .busy_timeout(Duration::from_secs(10));
    if let Some(parent) = options.get_filename().parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("impossible de créer le dossier {}", parent.display()))?;
        }
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await
        .with_context(|| format!("ouverture de la base {url}"))?;
    MIGRATOR.run(&pool).await.context("migration de la base")?;
    crate::store::communes::load_if_empty(&pool).await?;
    crate::store::lieux::load_coords_if_empty(&pool).await?;
    Ok(pool)
}

/// A write transaction. SQLite's default `BEGIN` is deferred: a transaction that reads before it
/// writes can then fail at once when another writer got in between. `BEGIN IMMEDIATE` takes the
/// write lock up front, so concurrent writers wait their turn (up to the busy timeout) instead.
pub async fn begin_write(db: &Db) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
    db.begin_with("BEGIN IMMEDIATE").await
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn every_commit_is_synced_to_disk() {
        let dir = tempfile::tempdir().unwrap();
        let db = super::connect(&format!("sqlite://{}", dir.path().join("t.db").display())).await.unwrap();
        for _ in 0..3 {
            // Every connection of the pool, not only the first one.
            let mut conn = db.acquire().await.unwrap();
            let (mode,): (i64,) = sqlx::query_as("PRAGMA synchronous").fetch_one(&mut *conn).await.unwrap();
            assert_eq!(mode, 2, "synchronous=FULL");
            let (journal,): (String,) = sqlx::query_as("PRAGMA journal_mode").fetch_one(&mut *conn).await.unwrap();
            assert_eq!(journal, "wal");
        }
    }
}
