//! A structure's own settings kept on its row: its contact details, its reminders delay; its
//! name and commune.

use crate::store::conn::{on, Conn};
use carnet_domain::rappels::DelaiRappel;
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

/// How long before a session the structure's reminders go (`structures.rappel_delai`).
pub async fn delai_rappel(conn: &mut dyn Conn, structure_id: i64) -> sqlx::Result<DelaiRappel> {
    let (code,): (String,) = on!(conn, |cx| sqlx::query_as("SELECT rappel_delai FROM structures WHERE id = $1")
        .bind(structure_id)
        .fetch_one(cx)
        .await)?;
    Ok(DelaiRappel::parse(&code).unwrap_or_default())
}

/// Sets the structure's reminders delay (the reminders' job reads it at each run).
pub async fn set_delai_rappel(conn: &mut dyn Conn, structure_id: i64, delai: DelaiRappel) -> sqlx::Result<()> {
    on!(conn, |cx| sqlx::query("UPDATE structures SET rappel_delai = $2 WHERE id = $1")
        .bind(structure_id)
        .bind(delai.code())
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The structure's name; an error if there is no such structure.
pub async fn nom(conn: &mut dyn Conn, structure_id: i64) -> sqlx::Result<String> {
    let (nom,): (String,) = on!(conn, |cx| sqlx::query_as("SELECT nom FROM structures WHERE id = $1")
        .bind(structure_id)
        .fetch_one(cx)
        .await)?;
    Ok(nom)
}

/// The structure's commune (INSEE code), if it has one; `None` as well for no such structure.
pub async fn commune(conn: &mut dyn Conn, structure_id: i64) -> sqlx::Result<Option<String>> {
    let r: Option<(Option<String>,)> =
        on!(conn, |cx| sqlx::query_as("SELECT commune_insee FROM structures WHERE id = $1")
            .bind(structure_id)
            .fetch_optional(cx)
            .await)?;
    Ok(r.and_then(|(c,)| c))
}

/// How many structures the database holds (none: a new database).
pub async fn nombre(conn: &mut dyn Conn) -> sqlx::Result<i64> {
    let (n,): (i64,) = on!(conn, |cx| sqlx::query_as("SELECT COUNT(*) FROM structures").fetch_one(cx).await)?;
    Ok(n)
}
