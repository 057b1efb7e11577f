//! Demo data, written only into a new database and only when asked (`--demo`): enough for a
//! newcomer to log in and see the product at work. The password is public: never use it for real.

mod comptes;
pub mod ledger;
pub mod parcours;

use crate::auth::hash_password;
use crate::db::Db;
use crate::store::users::{self, NewUser};
use carnet_domain::api::Role;
use chrono::{DateTime, Utc};

pub mod lieux;

pub const DEMO_STRUCTURE: &str = "Médiathèque des Capucins";
pub const DEMO_EMAIL: &str = "camille@demo.carnet.fr";
pub const DEMO_PASSWORD: &str = "carnet-demo";

/// Seeds the demo structure and conseillère if the database has no structure yet.
/// Returns whether anything was written.
pub async fn seed_demo_if_new(db: &Db, now: DateTime<Utc>) -> anyhow::Result<bool> {
    let count = crate::store::structures::nombre(&mut *db.acquire().await?).await?;
    if count > 0 {
        return Ok(false);
    }
    // Brest (29019), where the real Médiathèque des Capucins is.
    let structure_id = users::create_structure(db, DEMO_STRUCTURE, None, Some("29019"), now).await?;
    {
        let mut conn = db.acquire().await?;
        let c = carnet_domain::structure::Coordonnees {
            telephone: Some("02 98 00 89 30".into()),
            adresse: Some("25 rue de Pierre Loti, 29200 Brest".into()),
        };
        crate::store::structures::set_coordonnees(&mut conn, structure_id, &c).await?;
    }
    let hash = hash_password(DEMO_PASSWORD)?;
    let user_id = users::create_user(
        db,
        &NewUser {
            email: DEMO_EMAIL,
            password_hash: &hash,
            prenom: "Camille",
            nom: "Le Goff",
            role: Role::Conseiller,
            structure_id: Some(structure_id),
        },
        now,
    )
    .await?;
    // Each feature adds its demo data here, in its own module of `seed/`.
    comptes::seed(db, structure_id, now).await?;
    let mut tx = crate::db::begin_write(db).await?;
    parcours::seed_demo(&mut tx, structure_id, user_id, now).await?;
    tx.commit().await?;
    lieux::seed(db, structure_id, user_id, now).await?;
    ledger::seed(db, structure_id, user_id, DEMO_PASSWORD, now).await?;
    tracing::info!("données de démonstration créées ({DEMO_EMAIL})");
    Ok(true)
}
