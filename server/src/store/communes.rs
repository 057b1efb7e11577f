//! The official list of communes (INSEE COG), embedded in the binary and loaded on first start.

use crate::db::Db;
use crate::store::conn::{on, Conn};
use anyhow::Context;
use carnet_domain::api::Commune;
use carnet_domain::text::{normalise, prefix_upper_bound};
use sqlx::QueryBuilder;
use std::io::Read;

static COMMUNES_TSV_GZ: &[u8] = include_bytes!("../../data/communes.tsv.gz");

/// Rows per `INSERT` when loading reference lists: one statement per row made the first start on
/// an empty PostgreSQL take most of a minute (a round-trip each); 500 rows × 6 columns stay far
/// below both backends' limits on bound parameters.
pub(crate) const LOT: usize = 500;

/// Loads the embedded list when the table is empty (a new database). One transaction.
pub async fn load_if_empty(db: &Db) -> anyhow::Result<()> {
    let (count,): (i64,) =
        on!(db.acquire().await?, |cx| sqlx::query_as("SELECT COUNT(*) FROM communes").fetch_one(cx).await)?;
    if count > 0 {
        return Ok(());
    }
    let mut tsv = String::new();
    flate2::read::GzDecoder::new(COMMUNES_TSV_GZ)
        .read_to_string(&mut tsv)
        .context("lecture de la liste des communes")?;
    let mut communes = Vec::new();
    let mut codes_postaux = Vec::new();
    for line in tsv.lines().filter(|l| !l.is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [code, nom, departement, postaux, population] = cols[..] else {
            anyhow::bail!("ligne de commune mal formée : {line}");
        };
        communes.push((code, nom, departement, postaux, population.parse::<i64>().unwrap_or(0)));
        codes_postaux.extend(postaux.split(',').filter(|c| !c.is_empty()).map(|cp| (cp, code)));
    }
    let mut tx = db.begin().await?;
    for lot in communes.chunks(LOT) {
        on!(tx, |cx| {
            let mut q: QueryBuilder<dialect::Backend> = QueryBuilder::new(
                "INSERT INTO communes (code_insee, nom, nom_normalise, departement, codes_postaux, population) ",
            );
            q.push_values(lot, |mut b, (code, nom, departement, postaux, population)| {
                b.push_bind(*code)
                    .push_bind(*nom)
                    .push_bind(normalise(nom))
                    .push_bind(*departement)
                    .push_bind(*postaux)
                    .push_bind(*population);
            });
            q.build().execute(cx).await.map(|r| r.rows_affected())
        })?;
    }
    for lot in codes_postaux.chunks(LOT) {
        on!(tx, |cx| {
            let mut q: QueryBuilder<dialect::Backend> =
                QueryBuilder::new("INSERT INTO communes_codes_postaux (code_postal, code_insee) ");
            q.push_values(lot, |mut b, (cp, code)| {
                b.push_bind(*cp).push_bind(*code);
            });
            q.build().execute(cx).await.map(|r| r.rows_affected())
        })?;
    }
    tx.commit().await?;
    tracing::info!("liste officielle des communes chargée");
    Ok(())
}

#[derive(sqlx::FromRow)]
struct CommuneRow {
    code_insee: String,
    nom: String,
    departement: String,
    codes_postaux: String,
}

impl From<CommuneRow> for Commune {
    fn from(r: CommuneRow) -> Commune {
        Commune {
            code_insee: r.code_insee,
            nom: r.nom,
            departement: r.departement,
            codes_postaux: r.codes_postaux.split(',').filter(|c| !c.is_empty()).map(String::from).collect(),
        }
    }
}

/// Autocomplete: by postcode prefix when the query is digits, else by name prefix (accents and
/// case ignored); the most populated first. Both are indexed range scans.
pub async fn search(db: &Db, query: &str, limit: i64) -> sqlx::Result<Vec<Commune>> {
    let q = query.trim();
    let rows: Vec<CommuneRow> = if !q.is_empty() && q.chars().all(|c| c.is_ascii_digit()) {
        on!(db.acquire().await?, |cx| sqlx::query_as(
            "SELECT c.code_insee, c.nom, c.departement, c.codes_postaux
             FROM communes c
             WHERE c.code_insee IN (
                 SELECT code_insee FROM communes_codes_postaux
                 WHERE code_postal >= $1 AND code_postal < $2)
             ORDER BY c.population DESC, c.nom
             LIMIT $3",
        )
        .bind(q)
        .bind(prefix_upper_bound(q))
        .bind(limit)
        .fetch_all(cx)
        .await)?
    } else {
        let n = normalise(q);
        if n.is_empty() {
            return Ok(Vec::new());
        }
        on!(db.acquire().await?, |cx| sqlx::query_as(
            "SELECT code_insee, nom, departement, codes_postaux FROM communes
             WHERE nom_normalise >= $1 AND nom_normalise < $2
             ORDER BY population DESC, nom
             LIMIT $3",
        )
        .bind(&n)
        .bind(prefix_upper_bound(&n))
        .bind(limit)
        .fetch_all(cx)
        .await)?
    };
    Ok(rows.into_iter().map(Commune::from).collect())
}

/// Takes the pool or a transaction's connection (a handler holding a write transaction must not
/// wait for a second pool connection: under load that is a deadlock until the busy timeout).
pub async fn get(conn: &mut dyn Conn, code_insee: &str) -> sqlx::Result<Option<Commune>> {
    let row: Option<CommuneRow> = on!(conn, |cx| sqlx::query_as(
        "SELECT code_insee, nom, departement, codes_postaux FROM communes WHERE code_insee = $1"
    )
    .bind(code_insee)
    .fetch_optional(cx)
    .await)?;
    Ok(row.map(Commune::from))
}

/// Whether `code` is a département of the reference list (`departements_centres`).
pub async fn departement_existe(conn: &mut dyn Conn, code: &str) -> sqlx::Result<bool> {
    let r: Option<(String,)> = on!(conn, |cx| sqlx::query_as("SELECT code FROM departements_centres WHERE code = $1")
        .bind(code)
        .fetch_optional(cx)
        .await)?;
    Ok(r.is_some())
}
