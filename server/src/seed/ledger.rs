//! Ledger demo data: an opérateur and a commanditaire with one user each, a coordinateur for the
//! demo structure, the demo structure accredited, and a few other structures of Finistère and
//! around (accredited or not) so that orientation at intake has somewhere to send people; and an
//! active order of Brest métropole (20 carnets of 5 passes, Finistère), carnets 1 to 10 confided
//! to the demo structure and 5 of them to the demo conseillère, so that a newcomer can do an
//! intake at once with the order's first carnet (its codes printed on the order's sheet).

use crate::auth::hash_password;
use crate::db::begin_write;
use crate::db::Db;
use crate::store::ledger::lots::{self, LotStructure};
use crate::store::ledger::{commandes, orgs};
use crate::store::users::{self, NewUser};
use carnet_domain::api::Role;
use carnet_domain::ledger::commande::{Critere, ValidCommande};
use chrono::{DateTime, Duration, Utc};

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

/// The demo order's reference and carnets (with the commanditaire, confided to the structure, to
/// the conseillère).
pub const COMMANDE_CARNETS: i64 = 20;
pub const CARNETS_STRUCTURE: i64 = 10;
pub const CARNETS_CONSEILLERE: i64 = 5;

pub async fn seed(
    db: &Db,
    structure_id: i64,
    conseillere_id: i64,
    password: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
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
    let coord = users::create_user(
        db,
        &user(COORDINATEUR_EMAIL, "Nadia", "Guéguen", Role::Coordinateur, Some(structure_id)),
        now,
    )
    .await?;

    let mut conn = db.acquire().await?;
    orgs::set_agrement(&mut conn, structure_id, operateur_id, true, Some("Démonstration"), op, now).await?;
    for (nom, commune, agreee) in AUTRES_STRUCTURES {
        let id = users::create_structure(db, nom, None, Some(commune), now).await?;
        if *agreee {
            orgs::set_agrement(&mut conn, id, operateur_id, true, Some("Démonstration"), op, now).await?;
        }
    }
    drop(conn);

    // The order, through the same steps as in the app: created and generated, paid, activated,
    // a lot to the structure, some carnets to the conseillère.
    let today = crate::today_in_paris(now);
    let commande = ValidCommande {
        operateur_id,
        nb_carnets: COMMANDE_CARNETS,
        nb_passes: 5,
        valeur_faciale_centimes: 1000,
        fin_validite: today + Duration::days(365),
        jours_grace: 30,
        departements: vec!["29".into()],
        communes: Vec::new(),
        // An intake ticks at least one of the publics the order is for.
        criteres: [("demandeur_emploi", "Demandeur d'emploi"), ("senior_60", "60 ans et plus")]
            .into_iter()
            .map(|(code, libelle)| Critere { code: code.into(), libelle: libelle.into() })
            .collect(),
    };
    let mut tx = begin_write(db).await?;
    let (commande_id, _) = commandes::create(&mut tx, &commande, commanditaire_id, cm, now, today).await?;
    tx.commit().await?;
    commandes::generer(db, commande_id, Some(cm), now).await?;
    let mut tx = begin_write(db).await?;
    commandes::enregistrer_paiement(&mut tx, commande_id, operateur_id, "VIR-DEMO-001", today, op, now).await?;
    commandes::activer(&mut tx, commande_id, operateur_id, op, now).await?;
    let lot = LotStructure {
        commande_id,
        structure_id,
        premier: 1,
        dernier: CARNETS_STRUCTURE,
        accord_reference: "Convention de démonstration".into(),
        accord_date: today,
    };
    lots::confier_structure(&mut tx, commanditaire_id, &lot, cm, now).await?;
    lots::confier_conseiller(&mut tx, structure_id, commande_id, conseillere_id, CARNETS_CONSEILLERE, coord, now)
        .await?;
    tx.commit().await?;
    Ok(())
}
