//! A structure's calendar: its zone (chosen, or its commune's) and its holidays (its commune's).

use crate::store::conn::{on, Conn};
use carnet_domain::fuseau::{Calendrier, Fuseau};

/// The calendar of a structure from its stored columns; an unknown stored zone (written by hand)
/// falls back to the commune's.
pub fn calendrier(commune_insee: Option<&str>, fuseau: Option<&str>) -> Calendrier {
    Calendrier::pour(commune_insee, fuseau.and_then(Fuseau::parse))
}

/// The calendar of a structure; metropolitan France for an unknown one.
pub async fn de_structure(conn: &mut dyn Conn, structure_id: i64) -> sqlx::Result<Calendrier> {
    let row: Option<(Option<String>, Option<String>)> =
        on!(conn, |cx| sqlx::query_as("SELECT commune_insee, fuseau FROM structures WHERE id = $1")
            .bind(structure_id)
            .fetch_optional(cx)
            .await)?;
    Ok(row.map(|(c, f)| calendrier(c.as_deref(), f.as_deref())).unwrap_or(Calendrier::METROPOLE))
}

/// One structure as the administrator's zone list shows it.
#[derive(sqlx::FromRow)]
pub struct LigneFuseau {
    pub id: i64,
    pub nom: String,
    pub commune_insee: Option<String>,
    pub fuseau: Option<String>,
}

pub async fn liste(conn: &mut dyn Conn) -> sqlx::Result<Vec<LigneFuseau>> {
    on!(conn, |cx| sqlx::query_as("SELECT id, nom, commune_insee, fuseau FROM structures ORDER BY nom, id")
        .fetch_all(cx)
        .await)
}

/// Sets the zone an administrator chose (`None`: back to the commune's). False if no such structure.
pub async fn choisir(conn: &mut dyn Conn, structure_id: i64, fuseau: Option<Fuseau>) -> sqlx::Result<bool> {
    let r = on!(conn, |cx| sqlx::query("UPDATE structures SET fuseau = $2 WHERE id = $1")
        .bind(structure_id)
        .bind(fuseau.map(|f| f.iana()))
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    if r == 1 {
        // Its sessions fall on the days of the new zone.
        crate::store::agregat::recompter_structure(conn, structure_id).await?;
    }
    Ok(r == 1)
}
