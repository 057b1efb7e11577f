//! The access journal: who saw which beneficiaries' identity, when, through what. Append-only
//! (the database refuses edits and deletions). Handlers write it through `crate::journal`.

use crate::db::Db;
use crate::store::conn::{on, Conn};
use carnet_domain::donnees::JournalEntree;
use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;

/// One line of the journal: `user_id` of `structure_id` was shown the identity of `beneficiaires`.
#[derive(Clone, Debug)]
pub struct Ligne {
    pub at: DateTime<Utc>,
    pub user_id: i64,
    pub structure_id: i64,
    pub action: &'static str,
    pub beneficiaires: Vec<i64>,
}

/// Most people per statement: far below either backend's limit on bound parameters.
const PAR_INSERT: usize = 500;

/// Lines per statement at most: 5 bound values each, far below either backend's limit.
pub const PAR_LOT: usize = 256;

/// Appends lines: three statements whatever their number (their ids, the lines, their people
/// in one multi-row insert per `PAR_INSERT`). The ids are drawn first and written explicitly,
/// so each person is tied to their own line without relying on the order of a `RETURNING`.
/// Inside a write transaction; at most `PAR_LOT` lines.
pub async fn record(conn: &mut dyn Conn, lignes: &[&Ligne]) -> sqlx::Result<()> {
    if lignes.is_empty() {
        return Ok(());
    }
    assert!(lignes.len() <= PAR_LOT, "at most PAR_LOT lines per call");
    let ids: Vec<(i64,)> =
        on!(conn, |cx| sqlx::query_as(&dialect::nouveaux_ids("journal_acces", lignes.len())).fetch_all(cx).await)?;
    on!(conn, |cx| {
        let mut qb: QueryBuilder<dialect::Backend> =
            QueryBuilder::new("INSERT INTO journal_acces (id, at, user_id, structure_id, action) ");
        qb.push_values(ids.iter().zip(lignes), |mut b, ((id,), ligne)| {
            b.push_bind(*id)
                .push_bind(ligne.at)
                .push_bind(ligne.user_id)
                .push_bind(ligne.structure_id)
                .push_bind(ligne.action);
        });
        qb.build().execute(cx).await.map(|r| r.rows_affected())
    })?;
    let mut gens: Vec<(i64, i64)> =
        ids.iter().zip(lignes).flat_map(|((id,), ligne)| ligne.beneficiaires.iter().map(move |b| (*id, *b))).collect();
    gens.sort_unstable();
    gens.dedup();
    for part in gens.chunks(PAR_INSERT) {
        on!(conn, |cx| {
            let mut qb: QueryBuilder<dialect::Backend> =
                QueryBuilder::new("INSERT INTO journal_acces_beneficiaires (journal_id, beneficiaire_id) ");
            qb.push_values(part, |mut b, (id, beneficiaire)| {
                b.push_bind(*id).push_bind(*beneficiaire);
            });
            qb.build().execute(cx).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    at: DateTime<Utc>,
    user_id: i64,
    utilisateur: String,
    action: String,
}

/// Filters of the journal page.
#[derive(Default)]
pub struct Filtre {
    pub utilisateur_id: Option<i64>,
    pub beneficiaire_id: Option<i64>,
}

/// One page of a structure's journal, newest first.
pub async fn list(
    db: &Db,
    structure_id: i64,
    filtre: &Filtre,
    page: u32,
    per_page: u32,
) -> sqlx::Result<(Vec<JournalEntree>, i64)> {
    let condition = "j.structure_id = $1 AND ($2 IS NULL OR j.user_id = $2)
        AND ($3 IS NULL OR j.id IN (SELECT journal_id FROM journal_acces_beneficiaires WHERE beneficiaire_id = $3))";
    let (total,): (i64,) = on!(db.acquire().await?, |cx| sqlx::query_as(&format!(
        "SELECT COUNT(*) FROM journal_acces j WHERE {condition}"
    ))
    .bind(structure_id)
    .bind(filtre.utilisateur_id)
    .bind(filtre.beneficiaire_id)
    .fetch_one(cx)
    .await)?;
    let rows: Vec<Row> = on!(db.acquire().await?, |cx| sqlx::query_as(&format!(
        "SELECT j.id, j.at, j.user_id, u.prenom || ' ' || u.nom AS utilisateur, j.action
         FROM journal_acces j JOIN users u ON u.id = j.user_id
         WHERE {condition}
         ORDER BY j.at DESC, j.id DESC
         LIMIT $4 OFFSET $5"
    ))
    .bind(structure_id)
    .bind(filtre.utilisateur_id)
    .bind(filtre.beneficiaire_id)
    .bind(per_page as i64)
    .bind(((page.max(1) - 1) * per_page) as i64)
    .fetch_all(cx)
    .await)?;
    // The people of this page's lines (portable SQL: no GROUP_CONCAT / string_agg).
    let links: Vec<(i64, i64)> = on!(db.acquire().await?, |cx| sqlx::query_as(&format!(
        "SELECT journal_id, beneficiaire_id FROM journal_acces_beneficiaires
         WHERE journal_id IN (SELECT j.id FROM journal_acces j WHERE {condition}
                              ORDER BY j.at DESC, j.id DESC LIMIT $4 OFFSET $5)
         ORDER BY beneficiaire_id"
    ))
    .bind(structure_id)
    .bind(filtre.utilisateur_id)
    .bind(filtre.beneficiaire_id)
    .bind(per_page as i64)
    .bind(((page.max(1) - 1) * per_page) as i64)
    .fetch_all(cx)
    .await)?;
    let items = rows
        .into_iter()
        .map(|r| JournalEntree {
            id: r.id,
            at: r.at,
            utilisateur_id: r.user_id,
            utilisateur: r.utilisateur,
            action: r.action,
            beneficiaires: links.iter().filter(|(j, _)| *j == r.id).map(|(_, b)| *b).collect(),
        })
        .collect();
    Ok((items, total))
}
