//! A structure's own settings kept on its row: its contact details.

use crate::store::conn::{on, Conn};
use carnet_domain::structure::Coordonnees;

pub async fn coordonnees(conn: &mut dyn Conn, structure_id: i64) -> sqlx::Result<Coordonnees> {
    let (telephone, adresse): (Option<String>, Option<String>) =
        on!(conn, |cx| sqlx::query_as("SELECT telephone, adresse FROM structures WHERE id = $1")
            .bind(structure_id)
            .fetch_one(cx)
            .await)?;
    Ok(Coordonnees { telephone, adresse })
}

pub async fn set_coordonnees(conn: &mut dyn Conn, structure_id: i64, c: &Coordonnees) -> sqlx::Result<()> {
    on!(conn, |cx| sqlx::query("UPDATE structures SET telephone = $2, adresse = $3 WHERE id = $1")
        .bind(structure_id)
        .bind(&c.telephone)
        .bind(&c.adresse)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}
