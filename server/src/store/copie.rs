//! Moving a deployment from its SQLite file to PostgreSQL (`carnet-server admin copier`).
//!
//! Both databases are migrated by the same server version first, so they describe the same
//! schema (tests/schema_pg.rs holds the two migration sets to that). The copy then walks the
//! target's tables parents first (its foreign keys say the order), reads each source row as text
//! and inserts it with a cast to the target column's type: one generic path for every table, so
//! a table added later is copied without touching this file. SQLite's 0/1 flags, RFC 3339
//! instants, dates and JSON text are all valid input for PostgreSQL's boolean, timestamptz, date
//! and jsonb. Ids are kept, and each identity sequence then starts after the highest id copied.
//!
//! The whole copy is one PostgreSQL transaction: a failure leaves the target as it was. Tables
//! the target's own start filled (communes, packs, the venue version…) take the source's rows
//! over theirs, key by key (emptying them first would make PostgreSQL check every foreign key
//! of 35,000 communes); an append-only one, whose rows the same migrations wrote on both sides,
//! keeps its own and takes only the source's others. Row counts are compared
//! table by table after the commit, and every monthly statement's stored hash is recomputed
//! from its stored content.

use crate::store::conn::Conn;
use crate::store::ledger::releves;
use futures_util::TryStreamExt;
use sqlx::{PgConnection, Postgres, QueryBuilder, Row, SqliteConnection, ValueRef};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// Tables the service itself writes: one row in any of them means the target is in use.
const TABLES_DU_SERVICE: &[&str] = &["users", "structures", "beneficiaires", "parcours", "audit_log", "lieux"];

/// PostgreSQL takes at most 65,535 parameters per statement.
const PARAMETRES_MAX: usize = 60_000;
const LIGNES_PAR_LOT: usize = 2_000;

#[derive(Debug)]
pub struct TableCopiee {
    pub table: String,
    pub lignes: i64,
    pub duree: Duration,
}

#[derive(Debug)]
pub struct Bilan {
    pub tables: Vec<TableCopiee>,
    pub releves_verifies: usize,
    pub duree: Duration,
}

/// A column of the target: its name and the type its text input is cast to.
struct Colonne {
    nom: String,
    type_pg: String,
}

/// Copies every table of `source` into `cible`; refuses a target already in use.
pub async fn copier(source: &mut SqliteConnection, cible: &mut PgConnection) -> anyhow::Result<Bilan> {
    let debut = Instant::now();
    let tables = tables_parents_d_abord(cible).await?;
    let tables_source = tables_sqlite(source).await?;
    if let Some(t) = tables.iter().find(|t| !tables_source.contains(*t)) {
        anyhow::bail!(
            "la table « {t} » manque dans la base SQLite : migrez-la d'abord avec la même version de carnet-server"
        );
    }
    for t in TABLES_DU_SERVICE {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {t}")).fetch_one(&mut *cible).await?;
        anyhow::ensure!(
            n == 0,
            "la base PostgreSQL n'est pas vide (table « {t} » : {n} ligne(s)) : la copie ne va que vers une base neuve"
        );
    }

    let mut tx = sqlx::Connection::begin(&mut *cible).await?;
    let mut copiees = Vec::new();
    for t in &tables {
        let debut_table = Instant::now();
        let colonnes = colonnes(&mut tx, t).await?;
        let deja: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {t}")).fetch_one(&mut *tx).await?;
        let fusion = if deja == 0 { Fusion::Aucune } else { fusion(&mut tx, t, &colonnes).await? };
        let lignes = copier_table(source, &mut tx, t, &colonnes, &fusion).await?;
        remettre_sequences(&mut tx, t).await?;
        copiees.push(TableCopiee { table: t.clone(), lignes, duree: debut_table.elapsed() });
    }
    // The pages' versions (migration 0025) must never come back: SQLite's counter may have
    // gone further than the sequence, whose next values go on after every version copied.
    sqlx::query(
        "SELECT setval('parcours_version', GREATEST((SELECT last_value FROM parcours_version),
             (SELECT COALESCE(MAX(version), 1) FROM parcours), (SELECT COALESCE(MAX(version), 1) FROM versions_structures)))",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;

    for c in &copiees {
        let n_source: i64 =
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", c.table)).fetch_one(&mut *source).await?;
        let n_cible: i64 =
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", c.table)).fetch_one(&mut *cible).await?;
        anyhow::ensure!(
            n_source == n_cible,
            "table « {} » : {n_source} ligne(s) dans SQLite, {n_cible} dans PostgreSQL",
            c.table
        );
    }
    let releves_verifies = verifier_releves(cible).await?;
    // Millions of rows just written have no planner statistics and no visibility map: the
    // first queries would be planned blind, and the first readers would dirty every page
    // setting hint bits while autovacuum rewrote them all in the background, right when the
    // service opens. Both done here, once, before anyone is served.
    sqlx::query("VACUUM (ANALYZE)").execute(&mut *cible).await?;
    Ok(Bilan { tables: copiees, releves_verifies, duree: debut.elapsed() })
}

/// Recomputes every statement's hash from its stored content; the number of statements, or an
/// error naming the first that does not match.
pub async fn verifier_releves(conn: &mut dyn Conn) -> anyhow::Result<usize> {
    let faux = releves::empreintes_fausses(conn).await?;
    anyhow::ensure!(
        faux.1.is_empty(),
        "{} relevé(s) dont l'empreinte ne correspond plus au contenu : n° {:?}",
        faux.1.len(),
        faux.1
    );
    Ok(faux.0)
}

/// The target's tables (but sqlx's own), each after the tables it refers to.
async fn tables_parents_d_abord(pg: &mut PgConnection) -> anyhow::Result<Vec<String>> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> '_sqlx_migrations'
         ORDER BY 1",
    )
    .fetch_all(&mut *pg)
    .await?;
    let liens: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c
         WHERE c.contype = 'f' AND c.conrelid <> c.confrelid",
    )
    .fetch_all(&mut *pg)
    .await?;
    let mut parents: BTreeMap<&str, BTreeSet<&str>> = tables.iter().map(|t| (t.as_str(), BTreeSet::new())).collect();
    for (enfant, parent) in &liens {
        if let Some(p) = parents.get_mut(enfant.as_str()) {
            p.insert(parent.as_str());
        }
    }
    let mut ordre: Vec<String> = Vec::new();
    while ordre.len() < tables.len() {
        let prets: Vec<&str> = parents
            .iter()
            .filter(|(t, ps)| !ordre.iter().any(|o| o == *t) && ps.iter().all(|p| ordre.iter().any(|o| o == p)))
            .map(|(t, _)| *t)
            .collect();
        anyhow::ensure!(!prets.is_empty(), "les clés étrangères de la base PostgreSQL forment un cycle");
        ordre.extend(prets.into_iter().map(String::from));
    }
    Ok(ordre)
}

async fn tables_sqlite(sqlite: &mut SqliteConnection) -> anyhow::Result<BTreeSet<String>> {
    Ok(sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
        .fetch_all(&mut *sqlite)
        .await?
        .into_iter()
        .collect())
}

/// The columns a row is inserted with (generated ones are computed by PostgreSQL).
async fn colonnes(pg: &mut PgConnection, table: &str) -> anyhow::Result<Vec<Colonne>> {
    let lignes: Vec<(String, String)> = sqlx::query_as(
        "SELECT column_name::text, udt_name::text FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER'
         ORDER BY ordinal_position",
    )
    .bind(table)
    .fetch_all(&mut *pg)
    .await?;
    Ok(lignes.into_iter().map(|(nom, type_pg)| Colonne { nom, type_pg }).collect())
}

/// How rows meet those a table already holds.
enum Fusion {
    /// The table is empty.
    Aucune,
    /// `ON CONFLICT (key) DO UPDATE`: the source's row replaces the target's.
    Remplacer(String),
    /// `ON CONFLICT DO NOTHING`: an append-only table keeps its rows.
    Garder,
}

/// A table that holds rows already: replaced key by key, unless a trigger forbids updates there.
async fn fusion(pg: &mut PgConnection, table: &str, colonnes: &[Colonne]) -> anyhow::Result<Fusion> {
    let cle: Vec<String> = sqlx::query_scalar(
        "SELECT a.attname::text FROM pg_index i
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
         WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY a.attnum",
    )
    .bind(table)
    .fetch_all(&mut *pg)
    .await?;
    let refuse_les_mises_a_jour: bool = sqlx::query_scalar(
        // The append-only tables' refusals (`refuser_…`), not the triggers that follow updates
        // (the pages' versions).
        "SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal
                        AND (tgtype & 16) <> 0 AND tgfoid::regproc::text LIKE 'refuser%')",
    )
    .bind(table)
    .fetch_one(&mut *pg)
    .await?;
    let autres: Vec<String> = colonnes
        .iter()
        .filter(|c| !cle.contains(&c.nom))
        .map(|c| format!("\"{0}\" = EXCLUDED.\"{0}\"", c.nom))
        .collect();
    Ok(if cle.is_empty() || refuse_les_mises_a_jour {
        Fusion::Garder
    } else if autres.is_empty() {
        Fusion::Remplacer(format!(" ON CONFLICT ({}) DO NOTHING", cle.join(", ")))
    } else {
        Fusion::Remplacer(format!(" ON CONFLICT ({}) DO UPDATE SET {}", cle.join(", "), autres.join(", ")))
    })
}

async fn copier_table(
    sqlite: &mut SqliteConnection,
    pg: &mut PgConnection,
    table: &str,
    colonnes: &[Colonne],
    fusion: &Fusion,
) -> anyhow::Result<i64> {
    let noms = colonnes.iter().map(|c| format!("\"{}\"", c.nom)).collect::<Vec<_>>().join(", ");
    let par_lot = (PARAMETRES_MAX / colonnes.len().max(1)).clamp(1, LIGNES_PAR_LOT);
    let lecture = format!("SELECT {noms} FROM {table} ORDER BY rowid");
    let mut lignes = sqlx::query(&lecture).fetch(&mut *sqlite);
    let mut lot: Vec<Vec<Option<String>>> = Vec::with_capacity(par_lot);
    let mut total = 0i64;
    while let Some(ligne) = lignes.try_next().await.map_err(|e| anyhow::anyhow!("lecture de « {table} » : {e}"))? {
        let mut valeurs = Vec::with_capacity(colonnes.len());
        for i in 0..ligne.columns().len() {
            valeurs.push(texte_sqlite(&ligne, i).map_err(|e| anyhow::anyhow!("« {table} », colonne {i} : {e}"))?);
        }
        lot.push(valeurs);
        if lot.len() == par_lot {
            total += inserer(pg, table, colonnes, &noms, &lot, fusion).await?;
            lot.clear();
        }
    }
    if !lot.is_empty() {
        total += inserer(pg, table, colonnes, &noms, &lot, fusion).await?;
    }
    Ok(total)
}

/// A SQLite cell as PostgreSQL's text input: integers and reals printed, blobs as `\x` hex.
fn texte_sqlite(ligne: &sqlx::sqlite::SqliteRow, i: usize) -> sqlx::Result<Option<String>> {
    let brute = ligne.try_get_raw(i)?;
    if brute.is_null() {
        return Ok(None);
    }
    let type_valeur = brute.type_info().to_string();
    Ok(Some(match type_valeur.as_str() {
        "INTEGER" => ligne.try_get_unchecked::<i64, _>(i)?.to_string(),
        "REAL" => ligne.try_get_unchecked::<f64, _>(i)?.to_string(),
        "BLOB" => {
            let octets = ligne.try_get_unchecked::<Vec<u8>, _>(i)?;
            let mut s = String::with_capacity(2 + 2 * octets.len());
            s.push_str("\\x");
            for b in octets {
                s.push_str(&format!("{b:02x}"));
            }
            s
        }
        _ => ligne.try_get_unchecked::<String, _>(i)?,
    }))
}

async fn inserer(
    pg: &mut PgConnection,
    table: &str,
    colonnes: &[Colonne],
    noms: &str,
    lot: &[Vec<Option<String>>],
    fusion: &Fusion,
) -> anyhow::Result<i64> {
    let mut q: QueryBuilder<Postgres> = QueryBuilder::new(format!("INSERT INTO {table} ({noms}) "));
    q.push_values(lot, |mut b, ligne| {
        for (v, c) in ligne.iter().zip(colonnes) {
            b.push_bind(v.clone());
            b.push_unseparated(format!("::{}", c.type_pg));
        }
    });
    match fusion {
        Fusion::Aucune => {}
        Fusion::Remplacer(clause) => {
            q.push(clause.as_str());
        }
        Fusion::Garder => {
            q.push(" ON CONFLICT DO NOTHING");
        }
    }
    let fait = q.build().execute(&mut *pg).await.map_err(|e| anyhow::anyhow!("écriture de « {table} » : {e}"))?;
    Ok(fait.rows_affected() as i64)
}

/// Each identity column's sequence goes on after the highest id copied.
async fn remettre_sequences(pg: &mut PgConnection, table: &str) -> anyhow::Result<()> {
    let identites: Vec<String> = sqlx::query_scalar(
        "SELECT column_name::text FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = $1
           AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')",
    )
    .bind(table)
    .fetch_all(&mut *pg)
    .await?;
    for c in identites {
        sqlx::query(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', '{c}'), m, true) FROM (SELECT MAX(\"{c}\") AS m FROM {table}) x WHERE m IS NOT NULL"
        ))
        .execute(&mut *pg)
        .await?;
    }
    Ok(())
}
