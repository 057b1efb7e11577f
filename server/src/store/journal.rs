//! The access journal: who saw which beneficiaries' identity, when, through what. Append-only
//! (the database refuses edits and deletions). Handlers write it through `crate::journal`.

use crate::db::Db;
use crate::store::conn::on;
use carnet_domain::donnees::JournalEntree;
use chrono::{DateTime, Utc};

pub async fn record(
    db: &Db,
    at: DateTime<Utc>,
    user_id: i64,
    structure_id: i64,
    action: &str,
    beneficiaires: &[i64],
) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    let (id,): (i64,) = on!(tx, |cx| sqlx::query_as(
        "INSERT INTO journal_acces (at, user_id, structure_id, action) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(at)
    .bind(user_id)
    .bind(structure_id)
    .bind(action)
    .fetch_one(cx)
    .await)?;
    let mut seen = Vec::with_capacity(beneficiaires.len());
    for &b in beneficiaires {
        if seen.contains(&b) {
            continue;
        }
        seen.push(b);
        on!(tx, |cx| sqlx::query(
            "INSERT INTO journal_acces_beneficiaires (journal_id, beneficiaire_id) VALUES ($1, $2)"
        )
        .bind(id)
        .bind(b)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    }
    tx.commit().await
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
