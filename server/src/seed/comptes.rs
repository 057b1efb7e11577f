//! Demo accounts beside the conseillère: a coordinatrice of the same structure (team page,
//! access journal) and an administrator. Same public password as the demo conseillère.

use crate::auth::hash_password;
use crate::db::Db;
use crate::store::users::{self, NewUser};
use carnet_domain::api::Role;
use chrono::{DateTime, Utc};

pub const DEMO_COORDINATRICE: &str = "dominique@demo.carnet.fr";
pub const DEMO_ADMIN: &str = "admin@demo.carnet.fr";

pub async fn seed(db: &Db, structure_id: i64, now: DateTime<Utc>) -> anyhow::Result<()> {
    // The demo password is set directly: it is shorter than the policy and public on purpose.
    let hash = hash_password(super::DEMO_PASSWORD)?;
    for (email, prenom, nom, role, structure_id) in [
        (DEMO_COORDINATRICE, "Dominique", "Kerouac", Role::Coordinateur, Some(structure_id)),
        (DEMO_ADMIN, "Alix", "Admin", Role::Admin, None),
    ] {
        users::create_user(db, &NewUser { email, password_hash: &hash, prenom, nom, role, structure_id }, now).await?;
    }
    Ok(())
}
