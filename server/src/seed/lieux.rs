//! Demo venues, a demo hub for Brittany, and a candidate venue reported by the demo conseillère.
//! Names and addresses are made up; positions are the communes' points.

use crate::auth::hash_password;
use crate::db::Db;
use crate::store::candidats;
use crate::store::lieux::{self as store, Position};
use crate::store::territoires;
use crate::store::users::{self, NewUser};
use carnet_domain::api::Role;
use carnet_domain::lieux::candidat::CandidatValide;
use carnet_domain::lieux::{LieuStandard, PassNumerique};
use chrono::{DateTime, NaiveDate, Utc};

pub const DEMO_HUB_EMAIL: &str = "hub@demo.carnet.fr";
pub const DEMO_HUB_DEPARTEMENTS: [&str; 4] = ["22", "29", "35", "56"];

/// (id, name, commune, postcode, INSEE, address, hours, services, accepts the Pass)
const LIEUX: &[(&str, &str, &str, &str, &str, &str, &str, &str, bool)] = &[
    (
        "demo-1",
        "Espace numérique des Capucins",
        "Brest",
        "29200",
        "29019",
        "25 rue de Pierre Loti",
        "Mo-Fr 09:00-12:00,14:00-18:00; Sa 10:00-12:00; PH off",
        "Aide aux démarches administratives|Maîtrise des outils numériques du quotidien",
        true,
    ),
    (
        "demo-2",
        "Point numérique de Bellevue",
        "Brest",
        "29200",
        "29019",
        "2 place Napoléon III",
        "Tu,Th 14:00-17:30",
        "Accès internet et matériel informatique",
        false,
    ),
    (
        "demo-3",
        "Médiathèque de Quimper",
        "Quimper",
        "29000",
        "29232",
        "9 esplanade Julien Gracq",
        "Tu-Sa 10:00-18:00",
        "Maîtrise des outils numériques du quotidien|Loisirs et créations numériques",
        true,
    ),
    (
        "demo-4",
        "France Services de Morlaix",
        "Morlaix",
        "29600",
        "29151",
        "1 rue de Brest",
        "Mo-Fr 08:30-12:00,13:30-17:00",
        "Aide aux démarches administratives",
        true,
    ),
    (
        "demo-5",
        "Tiers-lieu numérique de Landerneau",
        "Landerneau",
        "29800",
        "29103",
        "12 quai de Léon",
        "We 14:00-18:00; Sa 09:00-12:00",
        "Loisirs et créations numériques|Compréhension du monde numérique",
        false,
    ),
    (
        "demo-6",
        "Cyberbase de Saint-Brieuc",
        "Saint-Brieuc",
        "22000",
        "22278",
        "5 rue du Général Leclerc",
        "Mo-Fr 09:00-17:00",
        "Maîtrise des outils numériques du quotidien",
        true,
    ),
    (
        "demo-7",
        "Espace public numérique de Lannion",
        "Lannion",
        "22300",
        "22113",
        "3 quai d'Aiguillon",
        "Mo-Fr 13:30-18:00",
        "Insertion professionnelle via le numérique",
        false,
    ),
    (
        "demo-8",
        "Maison de quartier du Blosne",
        "Rennes",
        "35000",
        "35238",
        "7 boulevard de Yougoslavie",
        "Mo-Fr 09:00-12:30,14:00-18:00",
        "Aide aux démarches administratives|Parentalité et éducation avec le numérique",
        true,
    ),
    (
        "demo-9",
        "Atelier numérique de Saint-Malo",
        "Saint-Malo",
        "35400",
        "35288",
        "4 rue de la Croix Désilles",
        "Tu-Fr 10:00-12:00,14:00-17:00",
        "Utilisation sécurisée du numérique",
        false,
    ),
    (
        "demo-10",
        "Point d'accès numérique de Vannes",
        "Vannes",
        "56000",
        "56260",
        "8 place de la Libération",
        "Mo-Fr 08:30-12:00",
        "Aide aux démarches administratives",
        true,
    ),
    (
        "demo-11",
        "Espace numérique de Lorient",
        "Lorient",
        "56100",
        "56121",
        "2 cours de Chazelles",
        "Mo-Sa 09:00-18:00",
        "Maîtrise des outils numériques du quotidien|Accès internet et matériel informatique",
        false,
    ),
    (
        "demo-12",
        "Médiathèque de Concarneau",
        "Concarneau",
        "29900",
        "29039",
        "6 rue Henri Fabre",
        "We,Sa 10:00-17:00",
        "Loisirs et créations numériques",
        false,
    ),
];

pub async fn seed(db: &Db, structure_id: i64, conseillere_id: i64, now: DateTime<Utc>) -> anyhow::Result<()> {
    let hash = hash_password(super::DEMO_PASSWORD)?;
    let hub = users::create_user(
        db,
        &NewUser {
            email: DEMO_HUB_EMAIL,
            password_hash: &hash,
            prenom: "Morgane",
            nom: "Kerhervé",
            role: Role::Hub,
            structure_id: None,
        },
        now,
    )
    .await?;
    territoires::set(db, hub, &DEMO_HUB_DEPARTEMENTS.map(String::from)).await?;

    let date_maj = NaiveDate::from_ymd_opt(2026, 1, 15).expect("date");
    let mut tx = crate::db::begin_write(db).await?;
    for (id, nom, commune, cp, insee, adresse, horaires, services, pass) in LIEUX {
        let point = store::commune_point(db, insee).await?;
        let lieu = LieuStandard {
            id: id.to_string(),
            pivot: "00000000000000".into(),
            nom: nom.to_string(),
            commune: commune.to_string(),
            code_postal: cp.to_string(),
            code_insee: Some(insee.to_string()),
            adresse: adresse.to_string(),
            complement_adresse: None,
            latitude: None,
            longitude: None,
            typologie: Vec::new(),
            telephone: None,
            courriels: Vec::new(),
            site_web: Vec::new(),
            horaires: Some(horaires.to_string()),
            presentation_resume: None,
            presentation_detail: None,
            source: Some("Démonstration Carnet".into()),
            itinerance: vec!["Fixe".into()],
            structure_parente: None,
            date_maj,
            services: services.split('|').map(String::from).collect(),
            publics_specifiquement_adresses: Vec::new(),
            prise_en_charge_specifique: Vec::new(),
            frais_a_charge: vec!["Gratuit".into()],
            dispositif_programmes_nationaux: if *pass { vec!["Conseillers numériques".into()] } else { Vec::new() },
            formations_labels: Vec::new(),
            autres_formations_labels: None,
            modalites_acces: vec!["Se présenter".into()],
            modalites_accompagnement: vec!["Accompagnement individuel".into()],
            fiche_acces_libre: None,
            prise_rdv: None,
        };
        let pos = Position { latitude: point.map(|p| p.0), longitude: point.map(|p| p.1), geocodage: "commune" };
        let p = PassNumerique { accepte: *pass, operateur: None };
        let emp = store::empreinte(&lieu, None);
        store::insert(&mut tx, &lieu, None, &insee[..2], &pos, &p, &emp, now).await?;
    }
    store::bump_version(&mut tx).await?;

    let candidat = CandidatValide {
        nom: "Bibliothèque de Plouzané".into(),
        adresse: "1 rue de la Mairie".into(),
        code_postal: "29280".into(),
        commune_insee: "29212".into(),
        motif: "Accueille déjà des ateliers d'initiation le samedi ; la responsable souhaite accepter le Pass.".into(),
        contact_nom: Some("Responsable de la bibliothèque".into()),
        contact_telephone: None,
        contact_courriel: None,
        pivot: None,
        lieu_id: None,
    };
    let position = store::commune_point(db, "29212").await?;
    candidats::create(
        &mut tx,
        &candidats::Nouveau {
            c: &candidat,
            departement: "29",
            user_id: conseillere_id,
            structure_id: Some(structure_id),
            position,
            today: crate::today_in_paris(now),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
