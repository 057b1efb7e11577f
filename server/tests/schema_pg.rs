//! The SQLite and PostgreSQL migrations describe one schema: both are applied to empty databases
//! and what each database says of itself is compared — tables, columns (type family,
//! nullability), primary keys, unique and partial indexes, foreign keys and append-only triggers.

mod common;

use common::pg::PgTestDb;
use sqlx::{PgPool, Row, SqlitePool};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Default)]
struct Schema {
    /// table → column → (declared type, NOT NULL)
    columns: BTreeMap<String, BTreeMap<String, (String, bool)>>,
    primary_keys: BTreeSet<(String, Vec<String>)>,
    /// (table, columns, unique, partial predicate normalised, name when created by CREATE INDEX)
    indexes: BTreeSet<Index>,
    /// (table, columns, referenced table, referenced columns, ON DELETE)
    foreign_keys: BTreeSet<(String, Vec<String>, String, Vec<String>, String)>,
    triggers: BTreeSet<Trigger>,
    /// Tables whose trigger refuses TRUNCATE (PostgreSQL only: SQLite has no TRUNCATE).
    no_truncate: BTreeSet<String>,
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Index {
    table: String,
    columns: Vec<String>,
    unique: bool,
    predicate: Option<String>,
    name: Option<String>,
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Trigger {
    table: String,
    name: String,
    event: String,
    /// The columns its WHEN condition reads (NEW.x / OLD.x), empty for an unconditional one.
    condition_columns: BTreeSet<String>,
    message: String,
}

/// A predicate or condition without case, spaces or parentheses, and with PostgreSQL's
/// `IS DISTINCT FROM` written as SQLite's `IS NOT`.
fn normalise(sql: &str) -> String {
    sql.to_lowercase()
        .replace("is distinct from", "is not")
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '(' && *c != ')')
        .collect()
}

/// The `new.x` / `old.x` columns an SQL condition reads.
fn columns_read(condition: &str) -> BTreeSet<String> {
    let lower = condition.to_lowercase();
    let mut out = BTreeSet::new();
    for prefix in ["new.", "old."] {
        for (i, _) in lower.match_indices(prefix) {
            let before = lower[..i].chars().last();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let name: String =
                lower[i + prefix.len()..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            out.insert(name);
        }
    }
    out
}

/// The text between the first `'` after `marker` and its closing quote (doubled quotes kept);
/// empty without a marker or a quote (a trigger that refuses nothing: the pages' versions).
fn quoted_after(sql: &str, marker: &str) -> String {
    let Some(start) = sql.find(marker) else { return String::new() };
    let rest = &sql[start + marker.len()..];
    let Some(open) = rest.find('\'').map(|o| o + 1) else { return String::new() };
    let mut out = String::new();
    let mut chars = rest[open..].chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            if chars.peek() == Some(&'\'') {
                chars.next();
            } else {
                break;
            }
        }
        out.push(c);
    }
    out
}

async fn sqlite_schema(db: &SqlitePool) -> Schema {
    let mut s = Schema::default();
    let tables: Vec<(String,)> = sqlx::query_as(
        // `versions_parcours` is SQLite's stand-in for PostgreSQL's sequence `parcours_version`.
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
           AND name NOT IN ('_sqlx_migrations', 'versions_parcours')",
    )
    .fetch_all(db)
    .await
    .unwrap();
    for (table,) in tables {
        let cols = sqlx::query(&format!("PRAGMA table_info({table})")).fetch_all(db).await.unwrap();
        let mut pk: Vec<(i64, String)> = Vec::new();
        let entry = s.columns.entry(table.clone()).or_default();
        for c in cols {
            let name: String = c.get("name");
            let pk_rank: i64 = c.get("pk");
            // A primary key's columns are NOT NULL in PostgreSQL; SQLite's rowid key is too.
            let not_null = c.get::<i64, _>("notnull") == 1 || pk_rank > 0;
            entry.insert(name.clone(), (c.get::<String, _>("type").to_uppercase(), not_null));
            if pk_rank > 0 {
                pk.push((pk_rank, name));
            }
        }
        pk.sort();
        s.primary_keys.insert((table.clone(), pk.into_iter().map(|p| p.1).collect()));

        for i in sqlx::query(&format!("PRAGMA index_list({table})")).fetch_all(db).await.unwrap() {
            let name: String = i.get("name");
            let origin: String = i.get("origin");
            if origin == "pk" {
                continue;
            }
            let columns: Vec<String> = sqlx::query(&format!("PRAGMA index_info({name})"))
                .fetch_all(db)
                .await
                .unwrap()
                .iter()
                .map(|r| r.get::<String, _>("name"))
                .collect();
            let predicate = if i.get::<i64, _>("partial") == 1 {
                let (sql,): (String,) =
                    sqlx::query_as("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = $1")
                        .bind(&name)
                        .fetch_one(db)
                        .await
                        .unwrap();
                let at = sql.to_uppercase().rfind(" WHERE ").expect("partial index without WHERE");
                Some(normalise(&sql[at + 7..]))
            } else {
                None
            };
            s.indexes.insert(Index {
                table: table.clone(),
                columns,
                unique: i.get::<i64, _>("unique") == 1,
                predicate,
                name: (origin == "c").then_some(name),
            });
        }

        let mut fks: BTreeMap<i64, (Vec<String>, String, Vec<String>, String)> = BTreeMap::new();
        for f in sqlx::query(&format!("PRAGMA foreign_key_list({table})")).fetch_all(db).await.unwrap() {
            let e = fks.entry(f.get("id")).or_insert_with(|| {
                (Vec::new(), f.get("table"), Vec::new(), f.get::<String, _>("on_delete").to_uppercase())
            });
            e.0.push(f.get("from"));
            e.2.push(f.get::<Option<String>, _>("to").expect("foreign key without its column"));
        }
        for (_, (from, to_table, to, on_delete)) in fks {
            s.foreign_keys.insert((table.clone(), from, to_table, to, on_delete));
        }
    }
    let triggers: Vec<(String, String, String)> =
        sqlx::query_as("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
            .fetch_all(db)
            .await
            .unwrap();
    for (name, table, sql) in triggers {
        let upper = sql.to_uppercase();
        let event = ["INSERT", "UPDATE", "DELETE"]
            .into_iter()
            .find(|e| upper.contains(&format!("BEFORE {e}")) || upper.contains(&format!("AFTER {e}")))
            .unwrap_or_else(|| panic!("trigger {name} : un événement INSERT, UPDATE ou DELETE attendu"));
        let condition = match (upper.find("\nWHEN "), upper.find("\nBEGIN")) {
            (Some(w), Some(b)) => columns_read(&sql[w..b]),
            _ => BTreeSet::new(),
        };
        s.triggers.insert(Trigger {
            table,
            name,
            event: event.to_string(),
            condition_columns: condition,
            message: quoted_after(&sql, "RAISE(ABORT,"),
        });
    }
    s
}

async fn pg_schema(db: &PgPool) -> Schema {
    let mut s = Schema::default();
    let cols: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT c.table_name::text, c.column_name::text, c.data_type::text, c.is_nullable::text
         FROM information_schema.columns c JOIN information_schema.tables t
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name
         WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' AND c.table_name <> '_sqlx_migrations'",
    )
    .fetch_all(db)
    .await
    .unwrap();
    for (table, column, data_type, nullable) in cols {
        s.columns.entry(table).or_default().insert(column, (data_type, nullable == "NO"));
    }

    // Every index, with its columns in order; primary keys apart.
    let indexes: Vec<(String, String, Vec<String>, bool, bool, Option<String>, bool)> = sqlx::query_as(
        "SELECT t.relname::text, i.relname::text,
                ARRAY(SELECT a.attname::text FROM unnest(x.indkey) WITH ORDINALITY k(attnum, n)
                      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.n),
                x.indisunique, x.indisprimary, pg_get_expr(x.indpred, x.indrelid),
                EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
         JOIN pg_namespace ns ON ns.oid = t.relnamespace
         WHERE ns.nspname = 'public' AND t.relname <> '_sqlx_migrations'",
    )
    .fetch_all(db)
    .await
    .unwrap();
    for (table, name, columns, unique, primary, predicate, from_constraint) in indexes {
        if primary {
            s.primary_keys.insert((table, columns));
        } else {
            s.indexes.insert(Index {
                table,
                columns,
                unique,
                predicate: predicate.map(|p| normalise(&p)),
                name: (!from_constraint).then_some(name),
            });
        }
    }

    let fks: Vec<(String, Vec<String>, String, Vec<String>, String)> = sqlx::query_as(
        "SELECT t.relname::text,
                ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(attnum, n)
                      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.n),
                r.relname::text,
                ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(attnum, n)
                      JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.n),
                CASE c.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE'
                                   WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' END
         FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid
         JOIN pg_namespace ns ON ns.oid = t.relnamespace
         WHERE c.contype = 'f' AND ns.nspname = 'public'",
    )
    .fetch_all(db)
    .await
    .unwrap();
    s.foreign_keys.extend(fks);

    // Row triggers (UPDATE, DELETE, INSERT) and statement triggers on TRUNCATE, from the catalogue.
    let triggers: Vec<(String, String, i16, String)> = sqlx::query_as(
        "SELECT c.relname::text, t.tgname::text, t.tgtype, pg_get_triggerdef(t.oid)
         FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace ns ON ns.oid = c.relnamespace
         WHERE NOT t.tgisinternal AND ns.nspname = 'public'",
    )
    .fetch_all(db)
    .await
    .unwrap();
    for (table, name, tgtype, def) in triggers {
        // The message is the trigger function's first argument (`refuser_modification`, or the
        // journals' `refuser_suppression_hors_purge`).
        let message = quoted_after(&def, "EXECUTE FUNCTION ");
        // tgtype bits: 1 row, 2 before, 4 insert, 8 delete, 16 update, 32 truncate.
        if tgtype & 32 != 0 {
            s.no_truncate.insert(table);
            continue;
        }
        assert!(tgtype & 1 != 0, "trigger {name} : FOR EACH ROW attendu ({def})");
        let event = match tgtype & (4 | 8 | 16) {
            4 => "INSERT",
            8 => "DELETE",
            16 => "UPDATE",
            _ => panic!("trigger {name} : un seul événement attendu ({def})"),
        };
        let condition = match (def.find(" WHEN ("), def.find(" EXECUTE FUNCTION")) {
            (Some(w), Some(e)) => columns_read(&def[w..e]),
            _ => BTreeSet::new(),
        };
        s.triggers.insert(Trigger { table, name, event: event.to_string(), condition_columns: condition, message });
    }
    s
}

/// Whether a PostgreSQL column type stores what the SQLite column of `sqlite_type` stores, as the
/// server reads and writes it: BIGINT for INTEGER (sqlx decodes i64 from int8 only), BOOLEAN for a
/// 0/1 INTEGER flag, DOUBLE PRECISION for REAL, and for TEXT: text, a DATE (NaiveDate) or a
/// TIMESTAMPTZ (DateTime<Utc>), which SQLite keeps as ISO / RFC 3339 text.
fn same_family(sqlite_type: &str, pg_type: &str) -> bool {
    match sqlite_type {
        "INTEGER" => matches!(pg_type, "bigint" | "boolean"),
        "REAL" => pg_type == "double precision",
        "TEXT" => matches!(pg_type, "text" | "date" | "timestamp with time zone"),
        _ => false,
    }
}

/// Every difference between the two schemas, one line each; empty when they agree.
fn differences(lite: &Schema, pg: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    let tables: BTreeSet<&String> = lite.columns.keys().chain(pg.columns.keys()).collect();
    for table in tables {
        let (Some(l), Some(p)) = (lite.columns.get(table), pg.columns.get(table)) else {
            let side = if lite.columns.contains_key(table) { "PostgreSQL" } else { "SQLite" };
            out.push(format!("table {table} : absente côté {side}"));
            continue;
        };
        let columns: BTreeSet<&String> = l.keys().chain(p.keys()).collect();
        for column in columns {
            match (l.get(column), p.get(column)) {
                (Some((lt, ln)), Some((pt, pn))) => {
                    if !same_family(lt, pt) {
                        out.push(format!("{table}.{column} : {lt} (SQLite) et {pt} (PostgreSQL)"));
                    }
                    if ln != pn {
                        out.push(format!("{table}.{column} : NOT NULL {ln} (SQLite), {pn} (PostgreSQL)"));
                    }
                }
                (Some(_), None) => out.push(format!("{table}.{column} : colonne absente côté PostgreSQL")),
                (None, _) => out.push(format!("{table}.{column} : colonne absente côté SQLite")),
            }
        }
    }
    fn one_sided<T: Ord + std::fmt::Debug>(what: &str, l: &BTreeSet<T>, p: &BTreeSet<T>, out: &mut Vec<String>) {
        for x in l.difference(p) {
            out.push(format!("{what} seulement côté SQLite : {x:?}"));
        }
        for x in p.difference(l) {
            out.push(format!("{what} seulement côté PostgreSQL : {x:?}"));
        }
    }
    one_sided("clé primaire", &lite.primary_keys, &pg.primary_keys, &mut out);
    one_sided("index", &lite.indexes, &pg.indexes, &mut out);
    one_sided("clé étrangère", &lite.foreign_keys, &pg.foreign_keys, &mut out);
    one_sided("trigger", &lite.triggers, &pg.triggers, &mut out);
    // What refuses deletions refuses TRUNCATE too.
    let append_only: BTreeSet<String> =
        pg.triggers.iter().filter(|t| t.event == "DELETE" && !t.message.is_empty()).map(|t| t.table.clone()).collect();
    one_sided("refus de DELETE / de TRUNCATE", &append_only, &pg.no_truncate, &mut out);
    out
}

async fn migrated_sqlite(dir: &tempfile::TempDir) -> SqlitePool {
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("schema.db").display());
    let db = SqlitePool::connect(&url).await.unwrap();
    carnet_server::db::MIGRATOR.run(&db).await.unwrap();
    db
}

#[tokio::test]
async fn sqlite_and_postgresql_migrations_describe_the_same_schema() {
    let dir = tempfile::tempdir().unwrap();
    let lite = sqlite_schema(&migrated_sqlite(&dir).await).await;
    let base = PgTestDb::new().await;
    let pg_pool = base.pool().await;
    carnet_server::db::MIGRATOR_PG.run(&pg_pool).await.unwrap();
    let pg = pg_schema(&pg_pool).await;

    // The comparison sees what matters: every part of the schema was read on both sides.
    assert!(lite.columns.len() > 40, "{} tables", lite.columns.len());
    assert!(lite.indexes.iter().any(|i| i.predicate.is_some() && i.unique));
    assert!(lite.triggers.iter().any(|t| !t.condition_columns.is_empty()));
    assert!(!lite.foreign_keys.is_empty());
    let diff = differences(&lite, &pg);
    assert!(diff.is_empty(), "les deux schémas diffèrent :\n{}", diff.join("\n"));

    // And it fails when one side lacks a column, a partial index or a trigger.
    sqlx::raw_sql(
        "ALTER TABLE structures ADD COLUMN en_trop TEXT;
         DROP INDEX pass_validations_une_par_seance;
         DROP TRIGGER audit_log_no_delete ON audit_log;",
    )
    .execute(&pg_pool)
    .await
    .unwrap();
    let diff = differences(&lite, &pg_schema(&pg_pool).await);
    pg_pool.close().await;
    let text = diff.join("\n");
    assert!(text.contains("structures.en_trop : colonne absente côté SQLite"), "{text}");
    assert!(text.contains("pass_validations_une_par_seance"), "{text}");
    assert!(text.contains("audit_log_no_delete"), "{text}");
}

#[test]
fn conditions_are_compared_by_the_columns_they_read() {
    assert_eq!(
        columns_read("WHEN NEW.numero IS NOT OLD.numero OR (OLD.paye_at IS NOT NULL AND NEW.renew IS NOT OLD.renew)"),
        ["numero", "paye_at", "renew"].into_iter().map(String::from).collect()
    );
    assert_eq!(normalise("(annulee_at IS NULL)"), normalise("annulee_at IS NULL"));
    assert_eq!(quoted_after("SELECT RAISE(ABORT, 'l''audit');", "RAISE(ABORT,"), "l'audit");
}
