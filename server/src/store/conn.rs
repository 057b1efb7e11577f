//! One connection type for the store, whichever the backend: `&mut dyn Conn`.
//!
//! A handler passes what it holds (a transaction, a pooled connection, a bare connection) of
//! either backend; a store function hands each statement to `on!`, which writes it once and
//! compiles it for SQLite and for PostgreSQL.

use sqlx::pool::PoolConnection;
use sqlx::{PgConnection, Postgres, Sqlite, SqliteConnection, Transaction};

/// A connection of one of the two backends, borrowed for one statement.
pub enum Split<'c> {
    Sqlite(&'c mut SqliteConnection),
    Pg(&'c mut PgConnection),
}

/// What store functions take: `conn: &mut dyn Conn`.
pub trait Conn: Send {
    fn split(&mut self) -> Split<'_>;
}

impl Conn for SqliteConnection {
    fn split(&mut self) -> Split<'_> {
        Split::Sqlite(self)
    }
}

impl Conn for PgConnection {
    fn split(&mut self) -> Split<'_> {
        Split::Pg(self)
    }
}

impl Conn for Transaction<'_, Sqlite> {
    fn split(&mut self) -> Split<'_> {
        Split::Sqlite(self)
    }
}

impl Conn for Transaction<'_, Postgres> {
    fn split(&mut self) -> Split<'_> {
        Split::Pg(self)
    }
}

impl Conn for PoolConnection<Sqlite> {
    fn split(&mut self) -> Split<'_> {
        Split::Sqlite(self)
    }
}

impl Conn for PoolConnection<Postgres> {
    fn split(&mut self) -> Split<'_> {
        Split::Pg(self)
    }
}

/// `on!(conn, |cx| statement)` runs the statement with `cx` bound to the backend's own
/// connection, and `dialect` to the backend's module of the statements that differ
/// (`store::dialect::sqlite` or `::postgres`). The statement is written once and compiled for
/// each backend: sqlx's types, binds and row decoding stay concrete, and a statement that does
/// not build for one backend does not compile. (Closure syntax, so that rustfmt formats it; it is
/// not a closure.) Exported so that tests write their own statements for both backends too.
#[macro_export]
macro_rules! on {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $crate::store::conn::Conn::split(&mut *$conn) {
            $crate::store::conn::Split::Sqlite($c) => {
                #[allow(unused_imports)]
                use $crate::store::dialect::sqlite as dialect;
                $body
            }
            $crate::store::conn::Split::Pg($c) => {
                #[allow(unused_imports)]
                use $crate::store::dialect::postgres as dialect;
                $body
            }
        }
    };
}
pub use crate::on;
