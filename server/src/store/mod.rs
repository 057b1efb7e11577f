//! The storage layer: every SQL statement of the server lives under this module.
//!
//! # One store, two backends
//!
//! SQLite is the embedded default (`make run`, small deployments, most tests); PostgreSQL serves
//! a national deployment with several server instances. The store is written once for both:
//!
//! - A store function takes `conn: &mut dyn Conn` (`conn.rs`): whatever its caller holds, a
//!   transaction, a pooled connection or a bare connection, of either backend. Handlers pass
//!   `&mut tx` as they always did; they never name a backend.
//! - Each statement is written once inside `on!(conn, |cx| …)`. The macro compiles the
//!   expression twice, once with `cx` a `SqliteConnection` and once a `PgConnection`, and runs the
//!   one `conn` holds. sqlx keeps its concrete types: binds and rows are checked per backend at
//!   compile time, chrono's `DateTime<Utc>` and `NaiveDate` are TIMESTAMPTZ and DATE on PostgreSQL,
//!   and a statement one backend cannot build does not compile.
//! - `db::Db` holds the pool of the backend `DATABASE_URL` names; its `acquire`, `begin` and
//!   `db::begin_write` give a `DbConn` or a `Tx` that is a `Conn` (and derefs to `dyn Conn`), so
//!   a handler's `&mut tx` or `&mut *tx` is what a store function takes, on either backend.
//! - Where the dialects differ, the statement takes the differing part from `dialect`, which
//!   `on!` brings in as `store::dialect::sqlite` or `::postgres` (`dialect.rs`): one named place
//!   per backend, never `if postgres` in a handler.
//!
//! Written so: every store module, the ledger's included (`tests/store_backends.rs` and
//! `tests/ledger_backends.rs` run them on both backends, several instances at once for the
//! ledger's money rules).
//!
//! Why this way. It was chosen after converting `passes` (the guarded validation that protects
//! money) and `structures` three ways and measuring them:
//!
//! - sqlx's `Any` driver knows only bool, integers, floats, text and bytes in sqlx 0.8: no chrono.
//!   Every date bound or read (most statements here) would go through strings, and PostgreSQL's
//!   columns would have to be TEXT, since Any refuses to read TIMESTAMPTZ, DATE and NUMERIC (what
//!   `SUM` of a BIGINT gives): the database could no longer compare or check a date. It also
//!   copies every row into its own values: the slowest of the three on PostgreSQL.
//! - Code generic over `sqlx::Database` compiles, but every function needs one where-clause per
//!   type it binds or reads, plus a higher-ranked bound for the executor, repeated in every
//!   caller (Rust does not imply them from a trait alias); the handlers then become generic too,
//!   or dispatch every call by hand.
//! - One module body compiled per backend (`include!` with `type Backend = …`) doubles whole
//!   modules, rules included; shared types with methods (`Audit::ecrire`, a handler's write
//!   frame) would exist twice, and each public function needs a dispatching twin for handlers.
//! - `dyn Conn` + `on!` doubles only the statement expressions. The functions around them, their
//!   signatures (`SqliteConnection` becomes `dyn Conn`) and the handlers stay single; the cost is
//!   one virtual call and one `match` per statement, lost in the noise of a round trip.
//!
//! Writing SQL here, so that it means the same on both:
//!
//! - Bind dates and instants as chrono values, never as text; flags as `bool` and written
//!   `TRUE`/`FALSE` in SQL (SQLite reads them as 1 and 0; PostgreSQL's columns are BOOLEAN).
//! - Read `i64` only from BIGINT columns and `COUNT(*)`: a literal (`SELECT 1`) is INTEGER on
//!   PostgreSQL (ask `SELECT EXISTS (…)` as a `bool`), and `SUM` of integers is NUMERIC there
//!   (`CAST(SUM(x) AS BIGINT)`).
//! - No SQLite-only syntax (`rowid`, `INSERT OR …`, `date()`, `strftime()`) and no bare columns
//!   outside `GROUP BY`; NULLs sort first in SQLite and last in PostgreSQL: say `NULLS FIRST`
//!   where the order shows.
//! - SQLite has one writer at a time; PostgreSQL runs writers side by side (READ COMMITTED). A
//!   read whose answer decides a write of the same transaction either becomes the write's own
//!   condition (`UPDATE … WHERE etat = … RETURNING`) or locks what it read
//!   (`dialect::FOR_UPDATE`); a uniqueness that protects money stays a constraint of the schema.
//!   A rule over rows that no row lock covers (one statement per structure and month) takes a
//!   named lock (`verrous::attendre`); a background job takes its turn with
//!   `verrous::prendre_tache` and does its work in one transaction per unit.
//! - Each migration in `migrations/` has its PostgreSQL twin in `migrations-pg/` (same number and
//!   name); `tests/schema_pg.rs` fails until both describe the same schema.

pub mod conn;
pub mod copie;
pub mod dialect;

pub mod agregat;
pub mod audit;
pub mod beneficiaires;
pub mod candidats;
pub mod clients_api;
pub mod communes;
pub mod comptes;
pub mod conservation;
pub mod donnees;
pub mod dossier;
pub mod espace;
pub mod etapes;
pub mod fuseaux;
pub mod journal;
pub mod journee;
pub mod ledger;
pub mod lieux;
pub mod national;
pub mod packs;
pub mod parcours;
pub mod passes;
pub mod rappels;
pub mod seances;
pub mod statistiques;
pub mod structures;
pub mod territoires;
pub mod users;
pub mod verrous;
