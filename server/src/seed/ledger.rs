//! Ledger demo data: an opérateur and a commanditaire with one user each, a coordinateur for the
//! demo structure, the demo structure accredited, and a few other structures of Finistère and
//! around (accredited or not) so that orientation at intake has somewhere to send people.
//! No order: the demo starts where a buyer would, with an empty ledger.

use crate::auth::hash_password;
use crate::db::Db;
use crate::store::ledger::orgs;
use crate::store::users::{self, NewUser};
use carnet_domain::api::Role;
use chrono::{DateTime, Utc};

pub const OPERATEUR: &str = "Opérateur Pass numérique (démonstration)";
pub const COMMANDITAIRE: &str = "Brest métropole";
pub const OPERATEUR_EMAIL: &str = "operateur@demo.carnet.fr";
pub const COMMANDITAIRE_EMAIL: &str = "commanditaire@demo.carnet.fr";
pub const COORDINATEUR_EMAIL: &str = "coordination@demo.carnet.fr";

/// (name, commune INSEE code, accredited by the demo opérateur)
const AUTRES_STRUCTURES: &[(&str, &str, bool)] = &[
    ("Espace public numérique de Bellevue", "29019", true),
    ("Médiathèque de Landerneau", "29103", true),
    ("Cyber-base de Quimper", "29232", true),
    ("Centre social de Morlaix", "29151", false),
    ("Maison France Services de Lannion", "22113", true),
];

pub async fn seed(db: &Db, structure_id: i64, password: &str, now: DateTime<Utc>) -> anyhow::Result<()> {
    let hash = hash_password(password)?;
    let operateur_id = orgs::create_operateur(db, OPERATEUR, now).await?;
    let commanditaire_id = orgs::create_commanditaire(db, COMMANDITAIRE, now).await?;
    let user = |email, prenom, nom, role, structure_id| NewUser {
        email,
        password_hash: &hash,
        prenom,
        nom,
        role,
        structure_id,
    };
    let op = users::create_user(db, &user(OPERATEUR_EMAIL, "Morgane", "Le Bihan", Role::Operateur, None), now).await?;
    orgs::set_user_organisation(db, op, None, Some(operateur_id)).await?;
    let cm =
        users::create_user(db, &user(COMMANDITAIRE_EMAIL, "Yves", "Kerjean", Role::Commanditaire, None), now).await?;
    orgs::set_user_organisation(db, cm, Some(commanditaire_id), None).await?;
    users::create_user(db, &user(COORDINATEUR_EMAIL, "Nadia", "Guéguen", Role::Coordinateur, Some(structure_id)), now)
        .await?;

    let mut conn = db.acquire().await?;
    orgs::set_agrement(&mut conn, structure_id, operateur_id, true, Some("Démonstration"), op, now).await?;
    for (nom, commune, agreee) in AUTRES_STRUCTURES {
        let id = users::create_structure(db, nom, None, Some(commune), now).await?;
        if *agreee {
            orgs::set_agrement(&mut conn, id, operateur_id, true, Some("Démonstration"), op, now).await?;
        }
    }
    Ok(())
}
