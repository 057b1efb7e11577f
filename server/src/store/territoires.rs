//! The départements of hub users.

use crate::db::Db;
use crate::store::conn::{on, Conn};

pub async fn of_user(db: &Db, user_id: i64) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(String,)> = on!(db.acquire().await?, |cx| sqlx::query_as(
        "SELECT departement FROM hub_territoires WHERE user_id = $1 ORDER BY departement"
    )
    .bind(user_id)
    .fetch_all(cx)
    .await)?;
    Ok(rows.into_iter().map(|(d,)| d).collect())
}

/// Replaces a user's territory.
pub async fn set(db: &Db, user_id: i64, departements: &[String]) -> sqlx::Result<()> {
    let mut tx = crate::db::begin_write(db).await?;
    on!(tx, |cx| sqlx::query("DELETE FROM hub_territoires WHERE user_id = $1")
        .bind(user_id)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    for d in departements {
        on!(tx, |cx| sqlx::query("INSERT INTO hub_territoires (user_id, departement) VALUES ($1, $2)")
            .bind(user_id)
            .bind(d)
            .execute(cx)
            .await
            .map(|r| r.rows_affected()))?;
    }
    tx.commit().await?;
    Ok(())
}

/// Hub users whose territory holds this département: (id, e-mail).
pub async fn hubs_of(db: &Db, departement: &str) -> sqlx::Result<Vec<(i64, String)>> {
    on!(db.acquire().await?, |cx| sqlx::query_as(
        "SELECT u.id, u.email FROM hub_territoires t JOIN users u ON u.id = t.user_id
         WHERE t.departement = $1 AND u.active = TRUE ORDER BY u.id",
    )
    .bind(departement)
    .fetch_all(cx)
    .await)
}

/// The centres (latitude, longitude) of the hub user's départements.
pub async fn centres(conn: &mut dyn Conn, user_id: i64) -> sqlx::Result<Vec<(f64, f64)>> {
    on!(conn, |cx| sqlx::query_as(
        "SELECT d.latitude, d.longitude FROM hub_territoires h
         JOIN departements_centres d ON d.code = h.departement WHERE h.user_id = $1",
    )
    .bind(user_id)
    .fetch_all(cx)
    .await)
}
