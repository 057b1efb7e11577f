//! The statements, or parts of statements, that SQLite and PostgreSQL write differently: one
//! module per backend with the same items, and `on!` brings the right one in as `dialect`. A
//! backend that lacks an item does not compile. Everything else is one SQL text for both.

/// SQLite: one writer at a time, so reading then writing in one transaction is safe as it is.
pub mod sqlite {
    /// What `begin_write` opens: the write lock up front, so writers queue (busy timeout)
    /// instead of failing when one read before it wrote.
    pub const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";
    /// Appended to a SELECT whose rows the transaction changes next. Nothing: the transaction
    /// already holds the database's only write lock.
    pub const FOR_UPDATE: &str = "";
    /// Locks a held session before its pass is validated: nothing to lock, and a read before the
    /// first write of a deferred transaction could even make two writers wait for each other.
    pub const VERROU_SEANCE: Option<&str> = None;
}

/// PostgreSQL: concurrent writers, READ COMMITTED; a rule that spans rows locks them.
pub mod postgres {
    pub const BEGIN_WRITE: &str = "BEGIN";
    /// Row locks: a second transaction waits for the first to commit, then reads what it wrote.
    pub const FOR_UPDATE: &str = " FOR UPDATE";
    pub const VERROU_SEANCE: Option<&str> = Some("SELECT id FROM seances WHERE id = $1 FOR UPDATE");
}
