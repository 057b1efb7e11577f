//! A structure's own settings kept on its row: its contact details.

use carnet_domain::structure::Coordonnees;
use sqlx::SqliteConnection;

pub async fn coordonnees(conn: &mut SqliteConnection, structure_id: i64) -> sqlx::Result<Coordonnees> {
    let (telephone, adresse): (Option<String>, Option<String>) =
        sqlx::query_as("SELECT telephone, adresse FROM structures WHERE id = $1")
            .bind(structure_id)
            .fetch_one(conn)
            .await?;
    Ok(Coordonnees { telephone, adresse })
}

pub async fn set_coordonnees(conn: &mut SqliteConnection, structure_id: i64, c: &Coordonnees) -> sqlx::Result<()> {
    sqlx::query("UPDATE structures SET telephone = $2, adresse = $3 WHERE id = $1")
        .bind(structure_id)
        .bind(&c.telephone)
        .bind(&c.adresse)
        .execute(conn)
        .await?;
    Ok(())
}
