//! Opening the database: created if missing, migrated at start, reference data loaded once.
//!
//! `DATABASE_URL` chooses the backend: `sqlite://…` (the embedded default) or `postgres://…`
//! (several server instances on one database). `Db` holds the pool of either; handlers take a
//! connection (`acquire`) or a transaction (`begin`, `begin_write`) from it and hand it to the
//! store as `&mut dyn Conn`, never naming a backend (see `store`).

use crate::store::conn::{Conn, Split};
use anyhow::Context;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use std::collections::HashMap;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, LazyLock};
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// The database of either backend (a pool: cloning it is cheap and shares the connections).
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Pg(PgPool),
}

/// A connection taken from the pool, given back when dropped.
pub enum DbConn {
    Sqlite(PoolConnection<Sqlite>),
    Pg(PoolConnection<Postgres>),
}

/// A transaction of either backend; rolled back when dropped without `commit`. A SQLite write
/// transaction holds its turn among the process's writers ([`tour_d_ecriture`]) until it ends
/// (fields drop in order: the transaction first).
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>, Option<OwnedMutexGuard<()>>),
    Pg(Transaction<'static, Postgres>),
}

impl Db {
    pub async fn acquire(&self) -> sqlx::Result<DbConn> {
        Ok(match self {
            Db::Sqlite(p) => DbConn::Sqlite(p.acquire().await?),
            Db::Pg(p) => DbConn::Pg(p.acquire().await?),
        })
    }

    /// A transaction for reads, or for writes that need no lock up front.
    pub async fn begin(&self) -> sqlx::Result<Tx> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin().await?, None),
            Db::Pg(p) => Tx::Pg(p.begin().await?),
        })
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(p) => p.close().await,
            Db::Pg(p) => p.close().await,
        }
    }

    /// What tells this database from others in one process (tests open many): the SQLite file,
    /// or PostgreSQL's server and database.
    pub fn identite(&self) -> String {
        match self {
            Db::Sqlite(p) => p.connect_options().get_filename().display().to_string(),
            Db::Pg(p) => {
                let o = p.connect_options();
                format!("postgres://{}:{}/{}", o.get_host(), o.get_port(), o.get_database().unwrap_or(""))
            }
        }
    }

    /// Whether the database answers a statement (readiness); the error says why not.
    pub async fn ping(&self) -> sqlx::Result<()> {
        crate::store::conn::on!(self.acquire().await?, |cx| sqlx::query("SELECT 1")
            .execute(cx)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Db::Pg(_))
    }
}

impl Tx {
    pub async fn commit(self) -> sqlx::Result<()> {
        match self {
            Tx::Sqlite(t, _tour) => t.commit().await,
            Tx::Pg(t) => t.commit().await,
        }
    }

    pub async fn rollback(self) -> sqlx::Result<()> {
        match self {
            Tx::Sqlite(t, _tour) => t.rollback().await,
            Tx::Pg(t) => t.rollback().await,
        }
    }
}

impl Conn for DbConn {
    fn split(&mut self) -> Split<'_> {
        match self {
            DbConn::Sqlite(c) => Split::Sqlite(c),
            DbConn::Pg(c) => Split::Pg(c),
        }
    }
}

impl Conn for Tx {
    fn split(&mut self) -> Split<'_> {
        match self {
            Tx::Sqlite(t, _) => Split::Sqlite(t),
            Tx::Pg(t) => Split::Pg(t),
        }
    }
}

/// `&mut *conn` is the store's `&mut dyn Conn`, as with sqlx's own connection types.
impl std::ops::Deref for DbConn {
    type Target = dyn Conn;
    fn deref(&self) -> &(dyn Conn + 'static) {
        match self {
            DbConn::Sqlite(c) => c,
            DbConn::Pg(c) => c,
        }
    }
}

impl std::ops::DerefMut for DbConn {
    fn deref_mut(&mut self) -> &mut (dyn Conn + 'static) {
        match self {
            DbConn::Sqlite(c) => c,
            DbConn::Pg(c) => c,
        }
    }
}

impl std::ops::Deref for Tx {
    type Target = dyn Conn;
    fn deref(&self) -> &(dyn Conn + 'static) {
        match self {
            Tx::Sqlite(t, _) => t,
            Tx::Pg(t) => t,
        }
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut (dyn Conn + 'static) {
        match self {
            Tx::Sqlite(t, _) => t,
            Tx::Pg(t) => t,
        }
    }
}

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// PostgreSQL's twins of `MIGRATOR`'s migrations, same numbers and names (types in its 0001);
/// `tests/schema_pg.rs` checks that both describe one schema.
pub static MIGRATOR_PG: sqlx::migrate::Migrator = sqlx::migrate!("./migrations-pg");

/// Whether `url` names a PostgreSQL database.
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// The file of a SQLite database URL (`None` for PostgreSQL or a database in memory).
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    if is_postgres_url(url) || url.contains(":memory:") || url.contains("mode=memory") {
        return None;
    }
    SqliteConnectOptions::from_str(url).ok().map(|o| o.get_filename().to_path_buf())
}

/// Opens and migrates the database: PostgreSQL for a `postgres://` URL, else SQLite (creating
/// the file and its folder if needed). Reference data (communes, their coordinates) is loaded
/// on a new database.
pub async fn connect(url: &str) -> anyhow::Result<Db> {
    let db = if is_postgres_url(url) { connect_pg(url).await? } else { connect_sqlite(url).await? };
    crate::store::communes::load_if_empty(&db).await?;
    crate::store::lieux::load_coords_if_empty(&db).await?;
    Ok(db)
}

/// Connections per server instance on PostgreSQL (`CARNET_PG_POOL`, 10 by default): with
/// several instances, their sum must stay below the server's `max_connections`.
fn pg_pool_size() -> u32 {
    std::env::var("CARNET_PG_POOL").ok().and_then(|v| v.trim().parse().ok()).filter(|n| *n > 0).unwrap_or(10)
}

async fn connect_pg(url: &str) -> anyhow::Result<Db> {
    let options = PgConnectOptions::from_str(url)
        .map_err(|e| anyhow::anyhow!("adresse PostgreSQL invalide ({url}) : {}", cause(&e)))?;
    let serveur = format!("{}:{}", options.get_host(), options.get_port());
    let base = options.get_database().unwrap_or("postgres").to_string();
    // One connection first, for its own error: the pool would retry until its timeout and then
    // say only that.
    let essai = sqlx::ConnectOptions::connect(&options)
        .await
        .map_err(|e| anyhow::anyhow!("base PostgreSQL « {base} » sur {serveur} injoignable : {}", cause(&e)))?;
    sqlx::Connection::close(essai).await.ok();
    let pool = PgPoolOptions::new()
        .max_connections(pg_pool_size())
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
        .map_err(|e| anyhow::anyhow!("base PostgreSQL « {base} » sur {serveur} injoignable : {}", cause(&e)))?;
    // Several instances starting at once: sqlx takes an advisory lock, one of them migrates.
    MIGRATOR_PG.run(&pool).await.map_err(|e| anyhow::anyhow!("migration de la base PostgreSQL sur {serveur} : {e}"))?;
    Ok(Db::Pg(pool))
}

/// The cause of a connection failure in a few French words, the driver's own text after them.
fn cause(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => format!("connexion refusée, aucun serveur n'écoute ({io})"),
            std::io::ErrorKind::TimedOut => format!("délai dépassé ({io})"),
            _ => format!("erreur réseau ({io})"),
        },
        sqlx::Error::PoolTimedOut => "délai de connexion dépassé".to_string(),
        sqlx::Error::Database(d) => match d.code().as_deref() {
            Some("3D000") => format!("cette base n'existe pas ({})", d.message()),
            Some("28P01") | Some("28000") => format!("authentification refusée ({})", d.message()),
            _ => d.message().to_string(),
        },
        sqlx::Error::Configuration(c) => format!("configuration invalide ({c})"),
        other => other.to_string(),
    }
}

async fn connect_sqlite(url: &str) -> anyhow::Result<Db> {
    let options = SqliteConnectOptions::from_str(url)
        .with_context(|| format!("adresse de base de données invalide : {url}"))?
        .create_if_missing(true)
        .foreign_keys(true)
        .journal_mode(SqliteJournalMode::Wal)
        // The ledger is money: a validation acknowledged to a conseiller must survive a power
        // cut. NORMAL in WAL mode syncs only at checkpoints, so the last commits could vanish
        // (the pass usable again, the statement short); FULL syncs the WAL at every commit.
        .synchronous(SqliteSynchronous::Full)
        // Writers queue instead of failing when two requests (or two processes) write at once.
        .busy_timeout(ATTENTE_ECRITURE);
    if let Some(parent) = options.get_filename().parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("impossible de créer le dossier {}", parent.display()))?;
        }
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        // A file opened in this process cannot have been cut by a network or a server restart:
        // pinging it before each loan only added a round-trip to SQLite's thread per request.
        .test_before_acquire(false)
        .connect_with(options)
        .await
        .with_context(|| format!("ouverture de la base {url}"))?;
    MIGRATOR.run(&pool).await.context("migration de la base")?;
    Ok(Db::Sqlite(pool))
}

/// SQLite's planner statistics brought up to date where they are missing or stale
/// (`PRAGMA optimize`: the tables with an index never analyzed, as after a migration adds one,
/// or whose size changed tenfold since, each read on a sample of rows, a few milliseconds),
/// in this process's turn to write. The planner picks an index by them: without figures for a
/// new index it kept the older one it had figures for, and a country's statistics took the
/// slow path. PostgreSQL analyzes its tables itself (autovacuum).
pub async fn optimiser(db: &Db) -> sqlx::Result<()> {
    if let Db::Sqlite(_) = db {
        let mut tx = begin_write(db).await?;
        if let Tx::Sqlite(t, _) = &mut tx {
            // 0x10000: every table, not only those this connection read; 0x10: on a sample;
            // 0x2: analyze.
            sqlx::query("PRAGMA optimize = 0x10012").execute(&mut **t).await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

/// A write transaction (`dialect::BEGIN_WRITE`). SQLite's default `BEGIN` is deferred: a
/// transaction that reads before it writes can then fail at once when another writer got in
/// between; `BEGIN IMMEDIATE` takes the write lock up front, so concurrent writers wait their
/// turn (up to the busy timeout) instead. PostgreSQL's plain `BEGIN`: its writers run side by
/// side, and the store's statements guard what they change.
pub async fn begin_write(db: &Db) -> sqlx::Result<Tx> {
    Ok(match db {
        Db::Sqlite(p) => {
            let tour = tour_d_ecriture(p).await?;
            Tx::Sqlite(p.begin_with(crate::store::dialect::sqlite::BEGIN_WRITE).await?, Some(tour))
        }
        Db::Pg(p) => Tx::Pg(p.begin_with(crate::store::dialect::postgres::BEGIN_WRITE).await?),
    })
}

/// How long a SQLite writer waits for its turn, in this process or behind another one.
const ATTENTE_ECRITURE: Duration = Duration::from_secs(10);

/// This process's turn to write in a SQLite file, taken in the order asked (a fair queue) before
/// `BEGIN IMMEDIATE` and held until the transaction ends. Without it, writers wait in SQLite's busy
/// handler, which polls with sleeps of up to 100 ms: under read load the access journal's writer
/// commits batch after batch, and a writer polling between them (the session's touch, a session
/// held) was measured waiting 1 to 2 s at national volume while holding a pooled connection, and
/// with eight of them waiting every other request waited too. Other processes (the CLI) still
/// meet SQLite's own lock.
async fn tour_d_ecriture(p: &SqlitePool) -> sqlx::Result<OwnedMutexGuard<()>> {
    static TOURS: LazyLock<std::sync::Mutex<HashMap<PathBuf, Arc<Mutex<()>>>>> = LazyLock::new(Default::default);
    let tour = {
        let mut tours = TOURS.lock().unwrap_or_else(|e| e.into_inner());
        tours.entry(p.connect_options().get_filename().to_path_buf()).or_default().clone()
    };
    tokio::time::timeout(ATTENTE_ECRITURE, tour.lock_owned()).await.map_err(|_| sqlx::Error::PoolTimedOut)
}

/// A read-only transaction whose statements all see one snapshot (`dialect::BEGIN_LECTURE`):
/// a count and the rows it counted agree while others write.
pub async fn begin_lecture(db: &Db) -> sqlx::Result<Tx> {
    Ok(match db {
        Db::Sqlite(p) => Tx::Sqlite(p.begin_with(crate::store::dialect::sqlite::BEGIN_LECTURE).await?, None),
        Db::Pg(p) => Tx::Pg(p.begin_with(crate::store::dialect::postgres::BEGIN_LECTURE).await?),
    })
}

#[cfg(test)]
mod tests {
    use super::Db;

    #[tokio::test]
    async fn every_commit_is_synced_to_disk() {
        let dir = tempfile::tempdir().unwrap();
        let db = super::connect(&format!("sqlite://{}", dir.path().join("t.db").display())).await.unwrap();
        let Db::Sqlite(pool) = db else { panic!("SQLite") };
        for _ in 0..3 {
            // Every connection of the pool, not only the first one.
            let mut conn = pool.acquire().await.unwrap();
            let (mode,): (i64,) = sqlx::query_as("PRAGMA synchronous").fetch_one(&mut *conn).await.unwrap();
            assert_eq!(mode, 2, "synchronous=FULL");
            let (journal,): (String,) = sqlx::query_as("PRAGMA journal_mode").fetch_one(&mut *conn).await.unwrap();
            assert_eq!(journal, "wal");
        }
    }

    #[tokio::test]
    async fn the_planner_gets_figures_for_an_index_it_has_none_for() {
        let dir = tempfile::tempdir().unwrap();
        let db = super::connect(&format!("sqlite://{}", dir.path().join("t.db").display())).await.unwrap();
        let Db::Sqlite(pool) = &db else { panic!("SQLite") };
        let figures = |index: &'static str| async move {
            let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sqlite_stat1 WHERE idx = $1")
                .bind(index)
                .fetch_one(pool)
                .await
                .unwrap_or((0,));
            n
        };
        // The communes, loaded at the first start, with an index as a migration would add it.
        sqlx::query("CREATE INDEX communes_essai ON communes(nom)").execute(pool).await.unwrap();
        assert_eq!(figures("communes_essai").await, 0);
        super::optimiser(&db).await.unwrap();
        assert_eq!(figures("communes_essai").await, 1);
        // Nothing to do the second time; it still answers.
        super::optimiser(&db).await.unwrap();
        assert_eq!(figures("communes_essai").await, 1);
    }

    #[tokio::test]
    async fn an_unreachable_postgres_is_named_with_its_cause() {
        let e = super::connect("postgres://postgres@127.0.0.1:1/carnet").await.unwrap_err();
        let line = format!("{e:#}");
        assert!(line.contains("127.0.0.1:1"), "{line}");
        assert!(line.contains("injoignable"), "{line}");
        assert!(!line.contains('\n'), "one line: {line}");
    }
}
