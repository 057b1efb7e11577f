//! The statements, or parts of statements, that SQLite and PostgreSQL write differently: one
//! module per backend with the same items, and `on!` brings the right one in as `dialect`. A
//! backend that lacks an item does not compile. Everything else is one SQL text for both.

/// SQLite: one writer at a time, so reading then writing in one transaction is safe as it is.
pub mod sqlite {
    /// What `begin_write` opens: the write lock up front, so writers queue (busy timeout)
    /// instead of failing when one read before it wrote.
    pub const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";
    /// What `begin_lecture` opens: a deferred transaction reads one snapshot from its first read
    /// to its end (WAL), which is what a read of several statements needs.
    pub const BEGIN_LECTURE: &str = "BEGIN";
    /// Appended to a SELECT whose rows the transaction changes next. Nothing: the transaction
    /// already holds the database's only write lock.
    pub const FOR_UPDATE: &str = "";
    /// The same, for a row whose key the transaction leaves alone (see PostgreSQL's).
    pub const FOR_NO_KEY_UPDATE: &str = "";
    /// Locks a held session before its pass is validated: nothing to lock, and a read before the
    /// first write of a deferred transaction could even make two writers wait for each other.
    pub const VERROU_SEANCE: Option<&str> = None;
    /// Waits for a named lock held until the transaction ends (`store::verrous`): nothing to
    /// take, the write transaction already excludes every other writer.
    pub const VERROU: Option<&str> = None;
    /// Tries a named lock held until the transaction ends, without waiting: nobody else can be
    /// writing, so it is always free.
    pub const ESSAI_VERROU: Option<&str> = None;
    /// The backend, for the statements built piece by piece (`QueryBuilder<Backend>`).
    pub type Backend = sqlx::Sqlite;

    /// The integers 1..=n as the CTE `n(i)` (after `WITH RECURSIVE`), for set-based generation.
    pub fn serie(n: i64) -> String {
        format!("n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n})")
    }
    /// The instant `secondes` after 1970 (an SQL expression), as the server writes instants.
    pub fn instant(secondes: &str) -> String {
        format!("strftime('%Y-%m-%dT%H:%M:%S+00:00', {secondes}, 'unixepoch')")
    }
    /// The UTC day of that instant.
    pub fn jour(secondes: &str) -> String {
        format!("date({secondes}, 'unixepoch')")
    }
    /// `n` new ids of `table`, one per row: the largest plus 1..=n. Only inside a write
    /// transaction (`BEGIN IMMEDIATE`), which keeps every other writer out until it commits.
    pub fn nouveaux_ids(table: &str, n: usize) -> String {
        format!("WITH RECURSIVE {} SELECT (SELECT COALESCE(MAX(id), 0) FROM {table}) + i FROM n", serie(n as i64))
    }
    /// After rows were written with explicit ids: nothing, a rowid goes on after the largest.
    pub fn recaler_identite(_table: &str) -> Option<String> {
        None
    }
    /// The UTC hour of an instant column, as text `YYYY-MM-DDTHH`: instants are stored as
    /// RFC 3339 text in UTC (`…+00:00`), so it is their first 13 characters.
    pub fn heure(colonne: &str) -> String {
        format!("substr({colonne}, 1, 13)")
    }
    /// The first day of the UTC month of an instant column, as a date (`YYYY-MM-01`).
    pub fn mois(colonne: &str) -> String {
        format!("(substr({colonne}, 1, 7) || '-01')")
    }
    /// Whole minutes from `debut` to `fin` (two instant columns), truncated like chrono's
    /// `num_minutes`.
    pub fn minutes(debut: &str, fin: &str) -> String {
        format!("((CAST(strftime('%s', {fin}) AS INTEGER) - CAST(strftime('%s', {debut}) AS INTEGER)) / 60)")
    }
}

/// PostgreSQL: concurrent writers, READ COMMITTED; a rule that spans rows locks them.
pub mod postgres {
    pub const BEGIN_WRITE: &str = "BEGIN";
    /// READ COMMITTED gives each statement its own snapshot: a count then the rows it counted
    /// need one for the whole transaction.
    pub const BEGIN_LECTURE: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";
    /// Row locks: a second transaction waits for the first to commit, then reads what it wrote.
    pub const FOR_UPDATE: &str = " FOR UPDATE";
    /// A row lock that still lets other transactions insert rows referring to this one (their
    /// foreign-key checks take KEY SHARE, which FOR UPDATE would make wait): for a parent row
    /// (an order) whose state changes while its children keep being written.
    pub const FOR_NO_KEY_UPDATE: &str = " FOR NO KEY UPDATE";
    pub const VERROU_SEANCE: Option<&str> = Some("SELECT id FROM seances WHERE id = $1 FOR UPDATE");
    /// Advisory locks named by a text (hashed to the 64-bit key), released at COMMIT or ROLLBACK,
    /// or when the connection dies: a crashed instance never leaves one behind.
    pub const VERROU: Option<&str> = Some("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))");
    pub const ESSAI_VERROU: Option<&str> = Some("SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0))");
    pub type Backend = sqlx::Postgres;

    pub fn serie(n: i64) -> String {
        format!("n(i) AS (SELECT generate_series(CAST(1 AS BIGINT), {n}))")
    }
    pub fn instant(secondes: &str) -> String {
        format!("to_timestamp({secondes})")
    }
    pub fn jour(secondes: &str) -> String {
        format!("CAST(to_timestamp({secondes}) AT TIME ZONE 'UTC' AS DATE)")
    }
    /// `n` new ids of `table`, one per row, from its identity's sequence (other writers draw
    /// from it at the same time: never the same id twice).
    pub fn nouveaux_ids(table: &str, n: usize) -> String {
        format!("SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, {n})")
    }
    /// An identity column does not follow explicit ids: its sequence goes on after the largest.
    pub fn recaler_identite(table: &str) -> Option<String> {
        Some(format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT MAX(id) FROM {table}), 1))"
        ))
    }
    pub fn heure(colonne: &str) -> String {
        format!("to_char({colonne} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24')")
    }
    pub fn mois(colonne: &str) -> String {
        format!("CAST(date_trunc('month', {colonne} AT TIME ZONE 'UTC') AS DATE)")
    }
    pub fn minutes(debut: &str, fin: &str) -> String {
        format!("CAST(TRUNC(EXTRACT(EPOCH FROM ({fin} - {debut})) / 60) AS BIGINT)")
    }
}
