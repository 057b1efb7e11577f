//! `GET /api/v1/statistiques` on a small world whose every figure is computed by hand below:
//! two structures (Brest, Reims), three conseillers, four people, ten sessions of which eight
//! held, one order of a commanditaire. Runs on SQLite, and on PostgreSQL with
//! `CARNET_TEST_BACKEND=postgres`.

mod common;

use axum::http::StatusCode;
use carnet_domain::fuseau::{Calendrier, Fuseau};
use carnet_domain::intake::ValidPersonne;
use carnet_domain::parcours::seance::{StatutSeance, ValidCompteRendu};
use carnet_server::auth;
use carnet_server::on;
use carnet_server::store::statistiques::{self as store, Filtres, Intervalle, Liste, Portee};
use carnet_server::store::{agregat, donnees, etapes, fuseaux, seances, users};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use common::*;
use serde_json::Value;
use std::collections::BTreeMap;

/// Users of the world: (id, role).
const CA1: i64 = 901; // Alice Martin, conseillère à A
const CA2: i64 = 902; // Bruno Petit, conseiller à A
const COORD_A: i64 = 903;
const CB1: i64 = 904; // conseiller à B
const HUB: i64 = 905; // territory: Marne (51)
const ADMIN: i64 = 906;
const COMM: i64 = 907; // commanditaire X
const OPER: i64 = 908;

const WORLD: &[&str] = &[
    "INSERT INTO structures (id, nom, commune_insee, created_at) VALUES
        (801, 'Médiathèque A', '29019', '2026-01-01T00:00:00+00:00'),
        (802, 'Espace B', '51454', '2026-01-01T00:00:00+00:00')",
    "INSERT INTO commanditaires (id, nom, created_at) VALUES (701, 'Commanditaire X', '2026-01-01T00:00:00+00:00')",
    "INSERT INTO operateurs (id, nom, created_at) VALUES (702, 'Opérateur O', '2026-01-01T00:00:00+00:00')",
    "INSERT INTO users (id, email, password_hash, prenom, nom, role, structure_id, created_at, commanditaire_id, operateur_id) VALUES
        (901, 'ca1@a.fr', 'x', 'Alice', 'Martin', 'conseiller', 801, '2026-01-01T00:00:00+00:00', NULL, NULL),
        (902, 'ca2@a.fr', 'x', 'Bruno', 'Petit', 'conseiller', 801, '2026-01-01T00:00:00+00:00', NULL, NULL),
        (903, 'coord@a.fr', 'x', 'Chloé', 'Coord', 'coordinateur', 801, '2026-01-01T00:00:00+00:00', NULL, NULL),
        (904, 'cb1@b.fr', 'x', 'Denis', 'Bé', 'conseiller', 802, '2026-01-01T00:00:00+00:00', NULL, NULL),
        (905, 'hub@x.fr', 'x', 'Hélène', 'Hub', 'hub', NULL, '2026-01-01T00:00:00+00:00', NULL, NULL),
        (906, 'admin@x.fr', 'x', 'Ada', 'Admin', 'admin', NULL, '2026-01-01T00:00:00+00:00', NULL, NULL),
        (907, 'comm@x.fr', 'x', 'Camille', 'Comm', 'commanditaire', NULL, '2026-01-01T00:00:00+00:00', 701, NULL),
        (908, 'oper@x.fr', 'x', 'Olivier', 'Oper', 'operateur', NULL, '2026-01-01T00:00:00+00:00', NULL, 702)",
    "INSERT INTO hub_territoires (user_id, departement) VALUES (905, '51')",
    "INSERT INTO commandes (id, reference, commanditaire_id, operateur_id, etat, nb_carnets, nb_passes,
        valeur_faciale_centimes, fin_validite, jours_grace, date_limite, created_by, created_at) VALUES
        (601, 'CMD-X-1', 701, 702, 'active', 2, 5, 1000, '2027-12-31', 0, '2027-12-31', 907, '2026-12-01T00:00:00+00:00')",
    // b1 born 2008 (19 in 2027, recorded 12-17), b2 born 1950 living in Reims, b3 anonymised
    // since, with a recorded band only; b4 is B's.
    "INSERT INTO beneficiaires (id, structure_id, prenom, prenom_normalise, annee_naissance, commune_insee, genre,
        tranche_age, statut_social, created_by, created_at, updated_at, anonymise_at) VALUES
        (501, 801, 'Bea', 'bea', 2008, '29019', 'feminin', 'douze_dix_huit', 'scolarise', 901, '2027-01-20T09:00:00+00:00', '2027-01-20T09:00:00+00:00', NULL),
        (502, 801, 'Ben', 'ben', 1950, '51454', 'masculin', NULL, 'retraite', 902, '2027-02-01T09:00:00+00:00', '2027-02-01T09:00:00+00:00', NULL),
        (503, 801, '', '', NULL, '29019', NULL, 'vingt_cinq_trente_neuf', NULL, 901, '2027-02-02T09:00:00+00:00', '2027-02-02T09:00:00+00:00', '2027-03-01T09:00:00+00:00'),
        (504, 802, 'Bob', 'bob', 1980, '51454', 'masculin', NULL, 'en_emploi', 904, '2027-02-01T09:00:00+00:00', '2027-02-01T09:00:00+00:00', NULL)",
    "INSERT INTO carnets (id, numero, nb_passes, valeur_faciale_centimes, fin_validite, etat, beneficiaire_id, structure_id,
        commanditaire_nom, canal_reception, date_reception, created_at, commande_id, rang_commande) VALUES
        (401, 'K1', 5, 1000, '2027-12-31', 'remis', 501, 801, 'Commanditaire X', 'mairie', '2027-01-20', '2026-12-01T00:00:00+00:00', 601, 1),
        (402, 'K2', 5, 1000, '2027-12-31', 'remis', 502, 801, 'Brest métropole', 'mairie', '2027-02-01', '2027-02-01T00:00:00+00:00', NULL, NULL),
        (403, 'K3', 5, 1000, '2027-12-31', 'remis', 503, 801, 'Brest métropole', 'mairie', '2027-02-02', '2027-02-02T00:00:00+00:00', NULL, NULL),
        (404, 'K4', 5, 1000, '2027-12-31', 'remis', 504, 802, 'Commanditaire X', 'mairie', '2027-02-01', '2026-12-01T00:00:00+00:00', 601, 2)",
    // p1 opened in January and running; p2 opened and completed in February; p3 opened and
    // abandoned in February; p4 at B.
    "INSERT INTO parcours (id, beneficiaire_id, carnet_id, structure_id, conseiller_id, etat, etape, created_at, updated_at, closed_at) VALUES
        (301, 501, 401, 801, 901, 'en_cours', 'seances', '2027-01-20T09:00:00+00:00', '2027-01-20T09:00:00+00:00', NULL),
        (302, 502, 402, 801, 902, 'termine', 'bilan', '2027-02-01T10:00:00+00:00', '2027-02-25T10:00:00+00:00', '2027-02-25T10:00:00+00:00'),
        (303, 503, 403, 801, 901, 'abandonne', 'seances', '2027-02-02T10:00:00+00:00', '2027-02-27T10:00:00+00:00', '2027-02-27T10:00:00+00:00'),
        (304, 504, 404, 802, 904, 'en_cours', 'seances', '2027-02-01T10:00:00+00:00', '2027-02-01T10:00:00+00:00', NULL)",
    // February in Paris is UTC+1. s5 has no report yet: its planned 120 minutes count. s6 starts
    // at 23:30 on the 28th in Paris (inside), s7 at 23:30 on 31 January (outside the period,
    // inside the 12 months). s8 is planned, s9 missed: neither counts.
    "INSERT INTO seances (id, parcours_id, conseiller_id, uid, sequence, debut, fin, type_lieu, statut,
        cr_thematiques, cr_duree_minutes, cr_materiel, cr_autonomie, cr_notes, created_at, updated_at, numero) VALUES
        (201, 301, 901, 'u201', 0, '2027-02-03T09:00:00+00:00', '2027-02-03T10:00:00+00:00', 'lieu_activite', 'tenue', 'email|navigation_sur_internet', 29, 'ordinateur', 'autonome', 'Note 1', '2027-01-20T09:00:00+00:00', '2027-02-03T10:00:00+00:00', 2),
        (202, 301, 901, 'u202', 0, '2027-02-10T09:00:00+00:00', '2027-02-10T10:00:00+00:00', 'lieu_activite', 'tenue', 'email', 30, 'ordinateur|telephone', NULL, NULL, '2027-01-20T09:00:00+00:00', '2027-01-20T09:00:00+00:00', 3),
        (203, 302, 902, 'u203', 0, '2027-02-11T09:00:00+00:00', '2027-02-11T10:00:00+00:00', 'domicile', 'tenue', 'banque_et_achats_en_ligne|logement', 59, 'tablette', NULL, NULL, '2027-02-01T10:00:00+00:00', '2027-02-11T10:00:00+00:00', 1),
        (204, 302, 902, 'u204', 0, '2027-02-12T09:00:00+00:00', '2027-02-12T10:00:00+00:00', 'a_distance', 'tenue', 'email', 60, NULL, NULL, NULL, '2027-02-01T10:00:00+00:00', '2027-02-12T10:00:00+00:00', 2),
        (205, 303, 901, 'u205', 0, '2027-02-20T09:00:00+00:00', '2027-02-20T11:00:00+00:00', 'lieu_activite', 'tenue', NULL, NULL, NULL, NULL, NULL, '2027-02-02T10:00:00+00:00', '2027-02-20T11:00:00+00:00', 1),
        (206, 303, 901, 'u206', 0, '2027-02-28T22:30:00+00:00', '2027-02-28T23:30:00+00:00', 'lieu_activite', 'tenue', 'sante', 119, NULL, NULL, NULL, '2027-02-02T10:00:00+00:00', '2027-03-01T10:00:00+00:00', 2),
        (207, 301, 901, 'u207', 0, '2027-01-31T22:30:00+00:00', '2027-01-31T23:30:00+00:00', 'lieu_activite', 'tenue', 'email', 120, NULL, NULL, NULL, '2027-01-20T09:00:00+00:00', '2027-02-01T10:00:00+00:00', 1),
        (208, 301, 901, 'u208', 0, '2027-02-15T09:00:00+00:00', '2027-02-15T10:00:00+00:00', 'lieu_activite', 'prevue', NULL, NULL, NULL, NULL, NULL, '2027-01-20T09:00:00+00:00', '2027-01-20T09:00:00+00:00', NULL),
        (209, 301, 901, 'u209', 0, '2027-02-16T09:00:00+00:00', '2027-02-16T10:00:00+00:00', 'lieu_activite', 'absente_excusee', NULL, NULL, NULL, NULL, NULL, '2027-01-20T09:00:00+00:00', '2027-01-20T09:00:00+00:00', NULL),
        (210, 304, 904, 'u210', 0, '2027-02-05T09:00:00+00:00', '2027-02-05T10:00:00+00:00', 'lieu_activite', 'tenue', 'email', 45, 'ordinateur', NULL, NULL, '2027-02-01T10:00:00+00:00', '2027-02-05T10:00:00+00:00', 1)",
    "INSERT INTO passes (id, carnet_id, rang, code, etat, valeur_centimes, validated_at, seance_id) VALUES
        (101, 401, 1, 'P101', 'valide', 1000, '2027-02-03T10:00:00+00:00', 201),
        (102, 401, 2, 'P102', 'valide', 1000, '2027-02-10T10:00:00+00:00', 202),
        (103, 402, 1, 'P103', 'valide', 1000, '2027-02-12T10:00:00+00:00', 204),
        (104, 404, 1, 'P104', 'valide', 1000, '2027-02-05T10:00:00+00:00', 210)",
    "INSERT INTO diagnostics (parcours_id, moment, observations, created_by, created_at, updated_at) VALUES
        (302, 'initial', '', 902, '2027-02-01T10:00:00+00:00', '2027-02-01T10:00:00+00:00'),
        (302, 'final', '', 902, '2027-02-25T10:00:00+00:00', '2027-02-25T10:00:00+00:00'),
        (303, 'initial', '', 901, '2027-02-02T10:00:00+00:00', '2027-02-02T10:00:00+00:00'),
        (303, 'final', '', 901, '2027-02-27T10:00:00+00:00', '2027-02-27T10:00:00+00:00')",
    // p2: 1.1 and 4.1 rose, 1.2 and 2.1 did not, 5.1 only at the end. p3 was abandoned: its rise
    // in 3.1 does not count.
    "INSERT INTO diagnostic_niveaux (parcours_id, moment, competence, niveau) VALUES
        (302, 'initial', '1.1', 'pas_encore_aborde'), (302, 'final', '1.1', 'autonome'),
        (302, 'initial', '1.2', 'autonome'), (302, 'final', '1.2', 'autonome'),
        (302, 'initial', '2.1', 'entierement_accompagne'), (302, 'final', '2.1', 'entierement_accompagne'),
        (302, 'initial', '4.1', 'partiellement_autonome'), (302, 'final', '4.1', 'autonome'),
        (302, 'final', '5.1', 'autonome'),
        (303, 'initial', '3.1', 'pas_encore_aborde'), (303, 'final', '3.1', 'autonome')",
];

async fn monde() -> TestApp {
    let app = TestApp::new().await;
    for sql in WORLD {
        app.executer(sql).await.unwrap_or_else(|e| panic!("{e}\n{sql}"));
    }
    app
}

async fn cookie(app: &TestApp, user: i64) -> String {
    let (token, hash) = auth::new_token();
    users::create_session(&mut app.db.acquire().await.unwrap(), &hash, user, app.clock.now()).await.unwrap();
    format!("{}={token}", auth::COOKIE_NAME)
}

const FEVRIER: &str = "du=2027-02-01&au=2027-02-28";

async fn stats(app: &TestApp, user: i64, query: &str) -> Value {
    let r = app.get(&format!("/api/v1/statistiques?{query}"), &cookie(app, user).await).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
}

/// `(valeur, nombre, pourcentage)` of each line of a block.
fn bloc(v: &Value) -> Vec<(String, u64, u64)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["valeur"].as_str().unwrap().to_string(),
                l["nombre"].as_u64().unwrap(),
                l["pourcentage"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn non_nuls(v: &Value) -> Vec<(String, u64, u64)> {
    bloc(v).into_iter().filter(|l| l.1 > 0).collect()
}

fn l(v: &str, n: u64, p: u64) -> (String, u64, u64) {
    (v.to_string(), n, p)
}

#[tokio::test]
async fn a_structure_s_february_matches_the_figures_computed_by_hand() {
    let app = monde().await;
    let s = stats(&app, COORD_A, FEVRIER).await;
    let g = &s["generales"];
    assert_eq!(g["accompagnements"], 6, "s1-s6");
    assert_eq!(g["beneficiaires"], 3);
    assert_eq!(g["beneficiaires_suivis"], 2);
    assert_eq!(g["beneficiaires_anonymes"], 1);
    assert_eq!(g["nouveaux_beneficiaires"], 2, "b1 was first seen on 31 January");
    assert_eq!(g["accompagnements_12_mois"], 7, "s7 in January too");
    let mois = s["par_mois"].as_array().unwrap();
    assert_eq!(mois.len(), 12);
    assert_eq!((mois[11]["libelle"].as_str().unwrap(), mois[11]["nombre"].as_u64().unwrap()), ("02/27", 6));
    assert_eq!((mois[10]["libelle"].as_str().unwrap(), mois[10]["nombre"].as_u64().unwrap()), ("01/27", 1));
    let jours = s["par_jour"].as_array().unwrap();
    assert_eq!(jours.len(), 30);
    let jour = |lib: &str| jours.iter().find(|j| j["libelle"] == lib).unwrap()["nombre"].as_u64().unwrap();
    assert_eq!((jour("31/01"), jour("03/02"), jour("28/02"), jour("01/02")), (1, 1, 1, 0));

    assert_eq!(non_nuls(&s["types"]), vec![l("individuel", 6, 100)]);
    assert_eq!(
        non_nuls(&s["thematiques"]),
        vec![
            l("email", 3, 50),
            l("navigation_sur_internet", 1, 17),
            l("sante", 1, 17),
            l("banque_et_achats_en_ligne", 1, 16)
        ]
    );
    assert_eq!(non_nuls(&s["thematiques_demarches"]), vec![l("logement", 1, 100)]);
    assert_eq!(
        bloc(&s["materiel"]),
        vec![l("ordinateur", 2, 50), l("telephone", 1, 25), l("tablette", 1, 25), l("autre", 0, 0), l("aucun", 0, 0)]
    );
    assert_eq!(
        bloc(&s["canaux"]),
        vec![l("lieu_activite", 4, 67), l("autre", 0, 0), l("domicile", 1, 17), l("a_distance", 1, 16)]
    );
    assert_eq!(s["canaux"][0]["libelle"], "Lieu d’activité");
    // 29 | 30, 59 | 60, 119 | 120 (planned, no report).
    assert_eq!(
        bloc(&s["durees"]),
        vec![l("moins_de_30", 1, 17), l("30_a_60", 2, 33), l("60_a_120", 2, 33), l("120_et_plus", 1, 17)]
    );
    assert_eq!(bloc(&s["lieux"]), vec![l("801", 4, 100)]);
    assert_eq!(s["lieux"][0]["libelle"], "Médiathèque A");
    // At the place: Brest; at home: the person's commune (Reims); at a distance: none.
    assert_eq!(bloc(&s["communes"]), vec![l("29019", 4, 80), l("51454", 1, 20)]);

    let b = &s["beneficiaires"];
    assert_eq!(bloc(&b["genres"]), vec![l("masculin", 1, 34), l("feminin", 1, 33), l("non_communique", 1, 33)]);
    assert_eq!(
        non_nuls(&b["tranches_age"]),
        vec![l("dix_huit_vingt_quatre", 1, 34), l("vingt_cinq_trente_neuf", 1, 33), l("soixante_dix_plus", 1, 33)]
    );
    assert_eq!(
        bloc(&b["statuts"]),
        vec![
            l("scolarise", 1, 34),
            l("sans_emploi", 0, 0),
            l("en_emploi", 0, 0),
            l("retraite", 1, 33),
            l("non_communique", 1, 33)
        ]
    );
    assert_eq!(bloc(&b["communes"]), vec![l("29019", 2, 67), l("51454", 1, 33)]);
    assert_eq!(bloc(&s["par_conseiller"]), vec![l(&CA1.to_string(), 4, 67), l(&CA2.to_string(), 2, 33)]);
    assert_eq!(s["par_conseiller"][0]["libelle"], "Alice Martin");

    let c = &s["carnet"];
    assert_eq!(c["passes_total"], 3);
    assert_eq!(c["valeur_totale_centimes"], 3000);
    assert_eq!(c["passes_par_mois"], serde_json::json!([{"mois": "2027-02", "nombre": 3, "valeur_centimes": 3000}]));
    assert_eq!(
        (c["parcours_ouverts"].as_u64(), c["parcours_termines"].as_u64(), c["parcours_abandonnes"].as_u64()),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(c["mediane_seances_par_parcours"], 2.0);
    let prog: Vec<(String, u64, u64, u64)> = c["progression_competences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["evaluees"].as_u64().unwrap(),
                d["en_progression"].as_u64().unwrap(),
                d["pourcentage"].as_u64().unwrap(),
            )
        })
        .collect();
    let p = |c: &str, e, r, pc| (c.to_string(), e, r, pc);
    assert_eq!(prog, vec![p("1", 2, 1, 50), p("2", 1, 0, 0), p("3", 0, 0, 0), p("4", 1, 1, 100), p("5", 0, 0, 0)]);
}

#[tokio::test]
async fn each_role_sees_its_own_scope_only() {
    let app = monde().await;
    let n = |s: &Value| s["generales"]["accompagnements"].as_u64().unwrap();
    // A conseiller: their own sessions (s1, s2, s5, s6), no per-conseiller block.
    let s = stats(&app, CA1, FEVRIER).await;
    assert_eq!(n(&s), 4);
    assert_eq!(s["carnet"]["passes_total"], 2);
    assert!(s["par_conseiller"].is_null());
    // The other structure's conseiller sees only B's session.
    assert_eq!(n(&stats(&app, CB1, FEVRIER).await), 1);
    // The hub covers the Marne: B only.
    let s = stats(&app, HUB, FEVRIER).await;
    assert_eq!(n(&s), 1);
    assert_eq!(bloc(&s["lieux"]), vec![l("802", 1, 100)]);
    // The commanditaire: the sessions of carnets from its order (s1, s2 at A, s10 at B).
    let s = stats(&app, COMM, FEVRIER).await;
    assert_eq!(n(&s), 3);
    assert!(s["par_conseiller"].is_null());
    assert!(!s.to_string().contains("Bea"), "no person's name");
    // The administrator: everything.
    assert_eq!(n(&stats(&app, ADMIN, FEVRIER).await), 7);
    // Without a period: everything held, s7 included.
    assert_eq!(n(&stats(&app, COORD_A, "").await), 7);
    assert!(stats(&app, COORD_A, "").await["generales"]["nouveaux_beneficiaires"].is_null());
    // An opérateur has no activity to read.
    let r = app.get("/api/v1/statistiques", &cookie(&app, OPER).await).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
}

#[tokio::test]
async fn filters_narrow_the_scope() {
    let app = monde().await;
    let n = |s: Value| s["generales"]["accompagnements"].as_u64().unwrap();
    assert_eq!(n(stats(&app, COORD_A, &format!("{FEVRIER}&type_lieu=domicile")).await), 1);
    assert_eq!(n(stats(&app, COORD_A, &format!("{FEVRIER}&conseiller={CA2}")).await), 2);
    assert_eq!(n(stats(&app, ADMIN, &format!("{FEVRIER}&departement=51")).await), 1);
    assert_eq!(n(stats(&app, ADMIN, &format!("{FEVRIER}&commune=29019")).await), 6);
    assert_eq!(n(stats(&app, ADMIN, &format!("{FEVRIER}&lieu=802")).await), 1);
    // The hub asking for a département outside its territory gets nothing of it.
    assert_eq!(n(stats(&app, HUB, &format!("{FEVRIER}&departement=29")).await), 0);
    assert_eq!(n(stats(&app, COORD_A, "du=2027-02-11&au=2027-02-12").await), 2);
}

#[tokio::test]
async fn bad_filters_get_a_french_message_naming_the_field() {
    let app = monde().await;
    let coord = cookie(&app, COORD_A).await;
    let ca1 = cookie(&app, CA1).await;
    for (who, query, champ) in [
        (&coord, "du=2027-03-01&au=2027-02-01", "au"),
        (&coord, "du=2020-01-01&au=2027-02-01", "au"),
        (&coord, "du=01/02/2027", "du"),
        (&coord, "au=99999-01-01", "au"),
        (&coord, "type_lieu=plage", "type_lieu"),
        (&coord, "lieu=abc", "lieu"),
        (&coord, "lieu=802", "lieu"),
        (&coord, "lieu=99999999999999999999", "lieu"),
        (&coord, "commune=00000", "commune"),
        (&coord, "departement=ZZ", "departement"),
        (&coord, &format!("conseiller={CB1}"), "conseiller"),
        (&coord, &format!("conseiller={HUB}"), "conseiller"),
        (&ca1, &format!("conseiller={CA2}"), "conseiller"),
    ] {
        let r = app.get(&format!("/api/v1/statistiques?{query}"), who).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {}", r.text);
        let message = r.body["fields"][champ].as_str().unwrap_or_else(|| panic!("{query}: {}", r.text));
        assert!(!message.is_empty(), "{query}");
    }
    let r = app.get("/api/v1/statistiques?du=2027-03-01&au=2027-02-01", &coord).await;
    assert!(r.body["fields"]["au"].as_str().unwrap().contains("avant son début"), "{}", r.text);
}

/// The sheet `feuille` of an .xlsx answer, as a spreadsheet reads it.
fn feuille(r: &Resp, feuille: &str) -> calamine::Range<calamine::Data> {
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(r.bytes.clone())).expect("an .xlsx file");
    wb.worksheet_range(feuille).expect("the sheet")
}

fn cellule_texte(d: &calamine::Data) -> String {
    match d {
        calamine::Data::String(s) => s.clone(),
        calamine::Data::Empty => String::new(),
        other => format!("{other:?}"),
    }
}

/// Excel's serial number of a day (days since 1899-12-30).
fn serie(d: &str) -> f64 {
    let d = chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
    (d - chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap()).num_days() as f64
}

fn date_de(d: &calamine::Data) -> f64 {
    match d {
        calamine::Data::DateTime(t) => t.as_f64(),
        other => panic!("a date, not {other:?}"),
    }
}

fn nombre_de(d: &calamine::Data) -> f64 {
    match d {
        calamine::Data::Float(f) => *f,
        calamine::Data::Int(i) => *i as f64,
        other => panic!("a number, not {other:?}"),
    }
}

#[tokio::test]
async fn the_activities_spreadsheet_has_the_coop_columns_and_real_dates_and_numbers() {
    let app = monde().await;
    let coord = cookie(&app, COORD_A).await;
    let r = app.get(&format!("/api/v1/exports/activites.xlsx?{FEVRIER}&type_lieu=lieu_activite"), &coord).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let disposition = r.headers["content-disposition"].to_str().unwrap();
    assert!(disposition.contains("_accompagnements_2027-03-15.xlsx"), "{disposition}");
    let sheet = feuille(&r, "Activités");
    let rows: Vec<&[calamine::Data]> = sheet.rows().collect();
    assert_eq!(cellule_texte(&rows[0][0]), "Informations export");
    let meta = |label: &str| {
        rows.iter().find(|r| cellule_texte(&r[0]) == label).unwrap_or_else(|| panic!("{label}"))[1].clone()
    };
    assert_eq!(nombre_de(&meta("Total")), 4.0, "s1, s2, s5, s6 at the place");
    assert_eq!(date_de(&meta("Date d'export")).floor(), serie("2027-03-15"));
    assert_eq!(cellule_texte(&meta("Période")), "01/02/2027 - 28/02/2027");
    assert_eq!(cellule_texte(&meta("Canaux d’accompagnement")), "Lieu d’activité");
    assert_eq!(cellule_texte(&meta("Départements")), "-");
    let h = rows.iter().position(|r| cellule_texte(&r[0]) == "Date").expect("the table's header");
    let entetes: Vec<String> = rows[h].iter().map(cellule_texte).collect();
    let attendues = [
        "Date",
        "Enregistré le",
        "Dernière modification le",
        "Prénom du médiateur",
        "Nom du médiateur",
        "Rôle",
        "ID - Conum",
        "Type",
        "Participants",
        "Canaux d’accompagnement",
        "Nom du lieu",
        "Adresse",
        "Commune",
        "Code postal",
        "Code Insee",
        "Durée (min)",
        "Nom de l’atelier",
        "Matériel numérique utilisé",
        "Thématique(s) d’accompagnement",
        "Tags",
        "Nom de la démarche administrative",
        "Niveau d’autonomie (ou de l’atelier)",
        "Bénéficiaire réorienté",
        "Structure de redirection",
        "Commune du bénéficiaire",
        "Code postal du bénéficiaire",
        "Code Insee du bénéficiaire",
        "Genre du bénéficiaire",
        "Tranche d’âge du bénéficiaire",
        "Statut du bénéficiaire",
        "ID CRA",
        "Parcours",
        "Séance n°",
        "Pass consommé",
    ];
    assert_eq!(entetes, attendues);
    let data = &rows[h + 1..];
    assert_eq!(data.len(), 4);
    let col = |name: &str| attendues.iter().position(|c| *c == name).unwrap();
    let s1 = data[0];
    assert_eq!(date_de(&s1[col("Date")]), serie("2027-02-03"));
    // Recorded on 20 January at 10:00 in Brest (09:00 UTC).
    let enregistre = date_de(&s1[col("Enregistré le")]);
    assert_eq!(enregistre.floor(), serie("2027-01-20"));
    assert!(((enregistre.fract()) * 24.0 - 10.0).abs() < 0.01, "{enregistre}");
    assert!(matches!(s1[col("Dernière modification le")], calamine::Data::DateTime(_)));
    assert_eq!(nombre_de(&s1[col("Participants")]), 1.0);
    assert_eq!(nombre_de(&s1[col("Durée (min)")]), 29.0);
    assert_eq!(nombre_de(&s1[col("ID CRA")]), 201.0);
    assert_eq!(cellule_texte(&s1[col("Prénom du médiateur")]), "Alice");
    assert_eq!(cellule_texte(&s1[col("Nom du lieu")]), "Médiathèque A");
    assert_eq!(cellule_texte(&s1[col("Code Insee")]), "29019");
    assert_eq!(cellule_texte(&s1[col("Thématique(s) d’accompagnement")]), "E-mail\nNavigation sur internet");
    assert_eq!(cellule_texte(&s1[col("Niveau d’autonomie (ou de l’atelier)")]), "3/3");
    assert_eq!(cellule_texte(&s1[col("Genre du bénéficiaire")]), "Féminin");
    assert_eq!(cellule_texte(&s1[col("Tranche d’âge du bénéficiaire")]), "18 - 24 ans");
    assert_eq!(cellule_texte(&s1[col("Pass consommé")]), "Oui");
    assert_eq!(nombre_de(&s1[col("Séance n°")]), 2.0);
    // s2 was not modified after it was recorded: the Coop leaves the cell empty.
    assert_eq!(data[1][col("Dernière modification le")], calamine::Data::Empty);
    // s6 starts at 23:30 on the 28th in Paris: its date is the 28th.
    assert_eq!(date_de(&data[3][col("Date")]), serie("2027-02-28"));
    assert_eq!(cellule_texte(&data[3][col("Pass consommé")]), "Non");
    assert_eq!(cellule_texte(&data[3][col("Statut du bénéficiaire")]), "Non communiqué");
    assert!(!r.bytes.windows(3).any(|w| w == "Bea".as_bytes()), "no person's name in someone else's export");
}

#[tokio::test]
async fn the_conseiller_s_csv_names_their_people_and_journals_it() {
    let app = monde().await;
    let ca1 = cookie(&app, CA1).await;
    let avant = app.count("journal_acces").await;
    let r = app.get(&format!("/api/v1/exports/activites.csv?{FEVRIER}"), &ca1).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(r.headers["content-disposition"].to_str().unwrap().contains("_accompagnements_2027-03-15.csv"));
    assert!(r.bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 BOM");
    let text = String::from_utf8(r.bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    let h = lines.iter().position(|l| l.starts_with("Date;")).unwrap();
    let entetes: Vec<&str> = lines[h].split(';').collect();
    assert_eq!(
        entetes[..6],
        ["Date", "Enregistré le", "Dernière modification le", "Type", "Participants", "Bénéficiaire"]
    );
    assert_eq!(
        entetes[entetes.len() - 5..],
        ["Notes supplémentaires", "ID CRA", "Parcours", "Séance n°", "Pass consommé"]
    );
    let s1: Vec<&str> = lines[h + 1].split(';').collect();
    assert_eq!(
        s1[..6],
        ["03/02/2027", "20/01/2027 à 10:00", "03/02/2027 à 11:00", "Accompagnement individuel", "1", "Bea"]
    );
    // s5 and s6: the person was anonymised since.
    assert!(lines[h + 3].contains(";Bénéficiaire anonyme;"), "{}", lines[h + 3]);
    assert!(lines.iter().any(|l| l.starts_with("Total;4")), "{text}");
    assert_eq!(app.count("journal_acces").await, avant + 1, "the names shown were journalled");
    // A commanditaire reads aggregates only.
    let r = app.get("/api/v1/exports/activites.csv", &cookie(&app, COMM).await).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    // Bad input is refused as on the page.
    let r = app.get("/api/v1/exports/activites.csv?du=2027-03-01&au=2027-02-01", &ca1).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
}

#[tokio::test]
async fn the_statistics_spreadsheet_has_the_blocks_as_numbers() {
    let app = monde().await;
    let r = app.get(&format!("/api/v1/exports/statistiques.xlsx?{FEVRIER}"), &cookie(&app, COORD_A).await).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.headers["content-disposition"].to_str().unwrap().contains("_statistiques_2027-03-15.xlsx"));
    let sheet = feuille(&r, "Statistiques");
    let rows: Vec<&[calamine::Data]> = sheet.rows().collect();
    let at = |label: &str| rows.iter().position(|r| cellule_texte(&r[0]) == label).unwrap_or_else(|| panic!("{label}"));
    let g = at("Accompagnements au total");
    assert_eq!(cellule_texte(&rows[g][2]), "Nouveaux bénéficiaires");
    assert_eq!(nombre_de(&rows[g + 1][0]), 6.0);
    assert_eq!(nombre_de(&rows[g + 1][2]), 2.0);
    let c = at("Canaux des activités");
    assert_eq!(cellule_texte(&rows[c + 1][0]), "Lieu d’activité");
    assert_eq!(nombre_de(&rows[c + 1][1]), 4.0);
    assert!((nombre_de(&rows[c + 1][2]) - 0.67).abs() < 1e-9);
    let p = rows.iter().rposition(|r| cellule_texte(&r[0]) == "Total").unwrap();
    assert_eq!((nombre_de(&rows[p][1]), nombre_de(&rows[p][2])), (3.0, 30.0), "3 passes, 30 €");
    // The commanditaire may have its aggregates as a file too.
    let r = app.get(&format!("/api/v1/exports/statistiques.xlsx?{FEVRIER}"), &cookie(&app, COMM).await).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test]
async fn the_beneficiary_list_shows_contact_details_only_under_consent_and_is_journalled() {
    let app = monde().await;
    for sql in [
        "INSERT INTO beneficiaires_contacts (beneficiaire_id, telephone, email, updated_at) VALUES
            (501, '06 11 11 11 11', 'bea@exemple.fr', '2027-02-01T00:00:00+00:00'),
            (502, '06 22 22 22 22', NULL, '2027-02-01T00:00:00+00:00')",
        "INSERT INTO consentements (beneficiaire_id, objet, accorde, at, recorded_by) VALUES
            (501, 'rappels', TRUE, '2027-01-20T09:00:00+00:00', 901),
            (502, 'rappels', TRUE, '2027-02-01T09:00:00+00:00', 902),
            (502, 'rappels', FALSE, '2027-02-20T09:00:00+00:00', 902)",
    ] {
        app.executer(sql).await.unwrap();
    }
    let coord = cookie(&app, COORD_A).await;
    let avant = app.count("journal_acces").await;
    let r = app.get("/api/v1/exports/beneficiaires.xlsx", &coord).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.headers["content-disposition"].to_str().unwrap().contains("_export-beneficiaires_2027-03-15.xlsx"));
    assert_eq!(app.count("journal_acces").await, avant + 1);
    let sheet = feuille(&r, "Bénéficiaires");
    let rows: Vec<&[calamine::Data]> = sheet.rows().collect();
    // The table's header, below the « Informations export » block's own « Nom ».
    let h = rows.iter().rposition(|r| cellule_texte(&r[0]) == "Nom").unwrap();
    let data = &rows[h + 1..];
    let lignes: Vec<Vec<String>> = data.iter().map(|r| r.iter().map(cellule_texte).collect()).collect();
    // Ordered by first name: the anonymised person (no name) first, then Bea, Ben; not B's Bob.
    assert_eq!(lignes.len(), 3, "{lignes:?}");
    assert_eq!(lignes[0][1..3], ["-".to_string(), "-".to_string()]);
    assert_eq!(lignes[1][1], "Bea");
    assert_eq!(nombre_de(&data[1][2]), 2008.0);
    assert_eq!(lignes[1][6..8], ["06 11 11 11 11".to_string(), "bea@exemple.fr".to_string()]);
    assert_eq!(lignes[1][8], "Femme");
    assert_eq!(nombre_de(&data[1][11]), 3.0, "s7, s1, s2 held; s8 planned and s9 missed do not count");
    assert_eq!(lignes[2][1], "Ben");
    assert_eq!(lignes[2][6], "-", "consent withdrawn: no phone");
    // Only the coordinateur.
    for who in [CA1, HUB, ADMIN, COMM] {
        let r = app.get("/api/v1/exports/beneficiaires.xlsx", &cookie(&app, who).await).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}: {}", r.text);
    }
}

/// What the statistics read per group of sessions, per list value and per local day, added up
/// so that the daily counts and the sessions compare whatever their lines.
type Comptes = (
    BTreeMap<String, i64>,
    BTreeMap<String, i64>,
    BTreeMap<NaiveDate, (u64, u64, i64)>,
    BTreeMap<NaiveDate, (u64, u64, i64)>,
);

async fn comptes(app: &TestApp, portee: &Portee, filtres: &Filtres, i: Intervalle) -> Comptes {
    let mut conn = app.db.acquire().await.unwrap();
    let mut groupes = BTreeMap::new();
    for g in store::groupes(&mut conn, portee, filtres, i).await.unwrap() {
        let cle = format!(
            "{} {} {:?} {:?} | {} {} {} | {} {} | {:?} {:?}",
            g.structure_id,
            g.structure_nom,
            g.structure_commune_insee,
            g.structure_commune,
            g.conseiller_id,
            g.conseiller_prenom,
            g.conseiller_nom,
            g.type_lieu,
            g.duree_minutes,
            g.domicile_insee,
            g.domicile_commune
        );
        *groupes.entry(cle).or_insert(0) += g.nombre;
    }
    let mut listes = BTreeMap::new();
    for (nom, liste) in [("thematiques", Liste::Thematiques), ("materiel", Liste::Materiel)] {
        for (v, n) in store::par_liste(&mut conn, portee, filtres, i, liste).await.unwrap() {
            *listes.entry(format!("{nom} {v:?}")).or_insert(0) += n;
        }
    }
    let mut jours: BTreeMap<NaiveDate, (u64, u64, i64)> = BTreeMap::new();
    for (jour, n, passes, valeur) in store::par_jour(&mut conn, portee, filtres, i).await.unwrap() {
        let j = jours.entry(jour).or_default();
        j.0 += n;
        j.1 += passes;
        j.2 += valeur;
    }
    // Per month: lines of a whole month stand on its first day.
    let mut mois: BTreeMap<NaiveDate, (u64, u64, i64)> = BTreeMap::new();
    for (jour, n, passes, valeur) in store::par_mois(&mut conn, portee, filtres, i).await.unwrap() {
        let m = mois.entry(jour.with_day(1).unwrap()).or_default();
        m.0 += n;
        m.1 += passes;
        m.2 += valeur;
    }
    (groupes, listes, jours, mois)
}

/// The daily counts as stored, in order.
async fn lignes_du_decompte(conn: &mut dyn carnet_server::store::conn::Conn) -> Vec<String> {
    lignes_de_comptes(conn, "statistiques_jours", "jour").await
}

/// The rows of the daily (`jour`) or monthly (`mois`) counts as stored, in order: the two tables
/// share their columns but for the unit's (`jour`, `debut_jour`, `fin_jour` or `mois`…).
async fn lignes_de_comptes(conn: &mut dyn carnet_server::store::conn::Conn, table: &str, unite: &str) -> Vec<String> {
    #[derive(Debug, sqlx::FromRow)]
    #[allow(dead_code)] // Read through Debug.
    struct Ligne {
        structure_id: i64,
        jour: NaiveDate,
        debut_jour: DateTime<Utc>,
        fin_jour: DateTime<Utc>,
        conseiller_id: i64,
        type_lieu: String,
        duree_minutes: i64,
        domicile_insee: Option<String>,
        cr_thematiques: Option<String>,
        cr_materiel: Option<String>,
        nombre: i64,
        passes: i64,
        valeur_centimes: i64,
    }
    let sql = format!(
        "SELECT structure_id, {unite} AS jour, debut_{unite} AS debut_jour, fin_{unite} AS fin_jour, conseiller_id,
                type_lieu, duree_minutes, domicile_insee, cr_thematiques, cr_materiel, nombre, passes, valeur_centimes
         FROM {table}"
    );
    let l: Vec<Ligne> = on!(conn, |cx| sqlx::query_as(&sql).fetch_all(cx).await).unwrap();
    let mut l: Vec<String> = l.into_iter().map(|r| format!("{unite} {r:?}")).collect();
    l.sort();
    l
}

/// The monthly counts, first and last sessions and closures as stored, in order.
async fn lignes_des_autres_comptes(conn: &mut dyn carnet_server::store::conn::Conn) -> Vec<String> {
    let mut l = lignes_de_comptes(&mut *conn, "statistiques_mois", "mois").await;
    let personnes: Vec<(i64, i64, String, DateTime<Utc>, DateTime<Utc>)> = on!(conn, |cx| sqlx::query_as(
        "SELECT beneficiaire_id, structure_id, type_lieu, premiere, derniere FROM statistiques_personnes"
    )
    .fetch_all(cx)
    .await)
    .unwrap();
    l.extend(personnes.iter().map(|r| format!("personne {r:?}")));
    let clotures: Vec<(i64, i64, String, DateTime<Utc>, i64)> = on!(conn, |cx| sqlx::query_as(
        "SELECT parcours_id, structure_id, etat, closed_at, seances_tenues FROM statistiques_clotures"
    )
    .fetch_all(cx)
    .await)
    .unwrap();
    l.extend(clotures.iter().map(|r| format!("cloture {r:?}")));
    let progressions: Vec<(i64, NaiveDate, String, i64, i64)> = on!(conn, |cx| sqlx::query_as(
        "SELECT structure_id, mois, domaine, evaluees, en_progression FROM statistiques_progressions_mois"
    )
    .fetch_all(cx)
    .await)
    .unwrap();
    l.extend(progressions.iter().map(|r| format!("progressions du mois {r:?}")));
    l.sort();
    l
}

/// What the parcours block reads: opened per state, closed per state and held sessions.
async fn parcours_lus(app: &TestApp, portee: &Portee, f: &Filtres, i: Intervalle) -> BTreeMap<String, i64> {
    let mut conn = app.db.acquire().await.unwrap();
    let mut m = BTreeMap::new();
    for g in store::parcours(&mut conn, portee, f, i).await.unwrap() {
        if g.ouvert {
            *m.entry(format!("ouvert {}", g.etat)).or_insert(0) += g.nombre;
        }
        if g.ferme {
            *m.entry(format!("fermé {} {}", g.etat, g.seances_tenues)).or_insert(0) += g.nombre;
        }
    }
    m
}

/// The progressions as stored, in order.
async fn lignes_des_progressions(conn: &mut dyn carnet_server::store::conn::Conn) -> Vec<(i64, String, i64, i64)> {
    on!(conn, |cx| sqlx::query_as(
        "SELECT parcours_id, domaine, evaluees, en_progression FROM statistiques_progressions
         ORDER BY parcours_id, domaine"
    )
    .fetch_all(cx)
    .await)
    .unwrap()
}

/// The first sessions as stored, in order.
async fn lignes_des_premieres(conn: &mut dyn carnet_server::store::conn::Conn) -> Vec<(i64, i64, DateTime<Utc>)> {
    on!(conn, |cx| sqlx::query_as(
        "SELECT beneficiaire_id, structure_id, premiere FROM statistiques_premieres
         ORDER BY beneficiaire_id, structure_id"
    )
    .fetch_all(cx)
    .await)
    .unwrap()
}

/// What the progression block reads, per domain.
async fn progressions(app: &TestApp, portee: &Portee, f: &Filtres, i: Intervalle) -> BTreeMap<String, (i64, i64)> {
    let mut conn = app.db.acquire().await.unwrap();
    let mut m = BTreeMap::new();
    for (d, e, p) in store::progressions(&mut conn, portee, f, i).await.unwrap() {
        let x: &mut (i64, i64) = m.entry(d).or_default();
        x.0 += e;
        x.1 += p;
    }
    m
}

/// The daily counts kept by the writes are those a recount from the sessions gives, and every
/// scope, filter and period reads the same from them as from the sessions alone.
async fn verifier_decompte(app: &TestApp, etape: &str) {
    let mut tx = app.db.begin().await.unwrap();
    let tenu = lignes_du_decompte(&mut tx).await;
    let progressions_tenues = lignes_des_progressions(&mut tx).await;
    let premieres = lignes_des_premieres(&mut tx).await;
    let autres = lignes_des_autres_comptes(&mut tx).await;
    agregat::reconstruire(&mut tx).await.unwrap();
    assert_eq!(
        autres,
        lignes_des_autres_comptes(&mut tx).await,
        "{etape} : mois, personnes ou clôtures diffèrent d'un recompte"
    );
    assert_eq!(
        premieres,
        lignes_des_premieres(&mut tx).await,
        "{etape} : les premières séances diffèrent d'un recompte"
    );
    assert_eq!(tenu, lignes_du_decompte(&mut tx).await, "{etape} : le décompte tenu diffère d'un recompte");
    assert_eq!(
        progressions_tenues,
        lignes_des_progressions(&mut tx).await,
        "{etape} : les progressions tenues diffèrent d'un recompte"
    );
    tx.rollback().await.unwrap();
    assert!(!tenu.is_empty(), "{etape}");
    assert!(!progressions_tenues.is_empty(), "{etape}");

    let t = |s: &str| Some(s.parse::<DateTime<Utc>>().unwrap());
    let periodes = [
        Intervalle::default(),
        // February in Paris; the 12 months of the chart; from a day on; up to a day.
        Intervalle { debut: t("2027-01-31T23:00:00Z"), fin: t("2027-02-28T23:00:00Z") },
        Intervalle { debut: t("2026-02-28T23:00:00Z"), fin: t("2027-02-28T23:00:00Z") },
        Intervalle { debut: t("2027-02-10T23:00:00Z"), fin: None },
        Intervalle { debut: None, fin: t("2027-02-11T23:00:00Z") },
        // Ends in the middle of days, in no zone's midnight.
        Intervalle { debut: t("2027-02-03T09:30:00Z"), fin: t("2027-02-28T22:45:00Z") },
        // Whole months (January, February) between parts of months.
        Intervalle { debut: t("2026-12-14T23:00:00Z"), fin: t("2027-03-09T23:00:00Z") },
        // Two days: from the sessions alone.
        Intervalle { debut: t("2027-02-10T23:00:00Z"), fin: t("2027-02-12T23:00:00Z") },
    ];
    let portees = [Portee::Tout, Portee::Structure(801), Portee::Territoire(vec!["29".into(), "51".into()])];
    let filtres = [
        Filtres::default(),
        Filtres { type_lieu: Some("domicile".into()), ..Default::default() },
        Filtres { departement: Some("29".into()), ..Default::default() },
        Filtres { commune: Some("51454".into()), ..Default::default() },
        Filtres { lieu: Some(801), ..Default::default() },
    ];
    for portee in &portees {
        for f in &filtres {
            for i in periodes {
                let reference = Filtres { seances_seulement: true, ..f.clone() };
                assert_eq!(
                    comptes(app, portee, f, i).await,
                    comptes(app, portee, &reference, i).await,
                    "{etape} : {portee:?} {f:?} {i:?}"
                );
            }
        }
    }
    // The people counted are those the sessions name, the new ones those the sessions say, the
    // progressions those the diagnostics give, in every scope.
    let mut conn = app.db.acquire().await.unwrap();
    for portee in portees.iter().chain(&[Portee::Conseiller(CA1), Portee::Conseiller(CA2), Portee::Commanditaire(701)])
    {
        for f in &filtres {
            for i in periodes {
                let reference = Filtres { seances_seulement: true, ..f.clone() };
                assert_eq!(
                    parcours_lus(app, portee, f, i).await,
                    parcours_lus(app, portee, &reference, i).await,
                    "{etape} : parcours {portee:?} {f:?} {i:?}"
                );
                assert_eq!(
                    progressions(app, portee, f, i).await,
                    progressions(app, portee, &reference, i).await,
                    "{etape} : progressions {portee:?} {f:?} {i:?}"
                );
                if i.debut.is_some() && i.fin.is_some() {
                    let mut conn = app.db.acquire().await.unwrap();
                    assert_eq!(
                        store::nouveaux_beneficiaires(&mut conn, portee, f, i).await.unwrap(),
                        store::nouveaux_beneficiaires(&mut conn, portee, &reference, i).await.unwrap(),
                        "{etape} : nouveaux {portee:?} {f:?} {i:?}"
                    );
                }
                // The same people in the same groups as the sessions say (a country's are counted
                // in the order of an index, a few structures' by id).
                let groupes = |l: Vec<store::GroupePersonnes>| {
                    let mut l: Vec<String> = l.iter().map(|g| format!("{g:?}")).collect();
                    l.sort();
                    l
                };
                assert_eq!(
                    groupes(store::personnes(&mut conn, portee, f, i).await.unwrap()),
                    groupes(store::personnes(&mut conn, portee, &reference, i).await.unwrap()),
                    "{etape} : personnes {portee:?} {f:?} {i:?}"
                );
                let personnes: i64 =
                    store::personnes(&mut conn, portee, f, i).await.unwrap().iter().map(|p| p.nombre).sum();
                let nommees = store::accompagnements_par_personne(&mut conn, portee, f, i).await.unwrap().len();
                assert_eq!(personnes as usize, nommees, "{etape} : {portee:?} {f:?} {i:?}");
            }
        }
    }
}

#[tokio::test]
async fn the_daily_counts_follow_holds_reports_moves_withdrawals_corrections_and_erasures() {
    let app = monde().await;
    verifier_decompte(&app, "monde").await;
    let now = "2027-03-02T10:00:00Z".parse::<DateTime<Utc>>().unwrap();
    let paris = Calendrier::METROPOLE;

    // s8, planned on 15 February, held.
    let mut tx = app.db.begin().await.unwrap();
    assert!(seances::set_statut(&mut tx, 208, StatutSeance::Prevue, StatutSeance::Tenue, now).await.unwrap());
    tx.commit().await.unwrap();
    verifier_decompte(&app, "séance tenue").await;

    // s4's report: other themes, another duration.
    let cr = ValidCompteRendu {
        thematiques: vec!["sante".into(), "email".into()],
        duree_minutes: 95,
        materiel: vec!["telephone".into()],
        autonomie: None,
        notes: String::new(),
    };
    let mut tx = app.db.begin().await.unwrap();
    seances::set_compte_rendu(&mut tx, 204, Some(&cr), now).await.unwrap();
    tx.commit().await.unwrap();
    verifier_decompte(&app, "compte rendu").await;

    // b2, seen at home by s3, moves from Reims to Brest.
    let personne = ValidPersonne {
        prenom: "Ben".into(),
        annee_naissance: Some(1950),
        commune_insee: Some("29019".into()),
        genre: Some("masculin".into()),
        tranche_age: None,
        statut_social: Some("retraite".into()),
    };
    let mut tx = app.db.begin().await.unwrap();
    assert!(matches!(
        donnees::rectify(&mut tx, 502, 801, &personne, CA2, now).await.unwrap(),
        donnees::Rectification::Done(c) if c == vec!["commune_insee"]
    ));
    tx.commit().await.unwrap();
    verifier_decompte(&app, "rectification").await;

    // s3 moved from 11 to 25 February, late in the evening (the next day in UTC+4 zones).
    let mut tx = app.db.begin().await.unwrap();
    let soir = NaiveDate::from_ymd_opt(2027, 2, 25).unwrap().and_hms_opt(22, 30, 0).unwrap();
    seances::set_dates(&mut tx, paris, 203, soir, 60, "domicile", now).await.unwrap();
    tx.commit().await.unwrap();
    verifier_decompte(&app, "déplacement").await;

    // s1's validation undone: no longer held.
    let mut tx = app.db.begin().await.unwrap();
    assert!(seances::set_statut(&mut tx, 201, StatutSeance::Tenue, StatutSeance::Prevue, now).await.unwrap());
    tx.commit().await.unwrap();
    verifier_decompte(&app, "retrait").await;

    // b2 erased: their sessions at home no longer have a commune.
    let mut tx = app.db.begin().await.unwrap();
    assert!(donnees::anonymise(&mut tx, 502, now, donnees::Motif::Demande, Some(CA2)).await.unwrap());
    tx.commit().await.unwrap();
    verifier_decompte(&app, "anonymisation").await;

    // p1's final diagnostic, then p1 completed: its progressions count from then on.
    let niveau = |n: &str| carnet_domain::parcours::competences::Niveau::parse(n).unwrap();
    let diagnostic = |l: &[(&str, &str)]| carnet_domain::parcours::diagnostic::ValidDiagnostic {
        niveaux: l.iter().map(|(c, n)| (c.to_string(), niveau(n))).collect(),
        resultats: vec![],
        observations: String::new(),
        pack: None,
    };
    let mut tx = app.db.begin().await.unwrap();
    let initial = diagnostic(&[("1.1", "entierement_accompagne"), ("3.2", "autonome"), ("5.1", "pas_encore_aborde")]);
    etapes::save_diagnostic(&mut tx, 301, "initial", &initial, CA1, now).await.unwrap();
    tx.commit().await.unwrap();
    verifier_decompte(&app, "diagnostic initial").await;
    let mut tx = app.db.begin().await.unwrap();
    let final_ = diagnostic(&[("1.1", "autonome"), ("3.2", "autonome"), ("5.1", "partiellement_autonome")]);
    etapes::save_diagnostic(&mut tx, 301, "final", &final_, CA1, now).await.unwrap();
    assert!(etapes::close(&mut tx, 301, now).await.unwrap());
    tx.commit().await.unwrap();
    verifier_decompte(&app, "diagnostic final").await;
    // p2's initial diagnostic corrected: 1.1 was already « autonome », 2.1 assessed no more.
    let mut tx = app.db.begin().await.unwrap();
    let corrige = diagnostic(&[("1.1", "autonome"), ("1.2", "pas_encore_aborde"), ("4.1", "partiellement_autonome")]);
    etapes::save_diagnostic(&mut tx, 302, "initial", &corrige, CA2, now).await.unwrap();
    tx.commit().await.unwrap();
    verifier_decompte(&app, "diagnostic corrigé").await;

    // A's zone set to Réunion's: its sessions fall on other days.
    let mut tx = app.db.begin().await.unwrap();
    assert!(fuseaux::choisir(&mut tx, 801, Some(Fuseau::Reunion)).await.unwrap());
    tx.commit().await.unwrap();
    verifier_decompte(&app, "fuseau").await;

    // The counts are what a country's statistics read: without them, they read nothing.
    app.executer("SELECT 1").await.unwrap();
    let mut conn = app.db.acquire().await.unwrap();
    on!(conn, |cx| sqlx::query("DELETE FROM statistiques_jours").execute(cx).await.map(|_| ())).unwrap();
    on!(conn, |cx| sqlx::query("DELETE FROM statistiques_mois").execute(cx).await.map(|_| ())).unwrap();
    let (groupes, _, _, _) = comptes(&app, &Portee::Tout, &Filtres::default(), Intervalle::default()).await;
    assert!(groupes.is_empty(), "{groupes:?}");
}

/// A database whose sessions and diagnostics were written before the counts (an upgrade): the
/// server starts without filling them, the statistics read the sources meanwhile (the same
/// figures), and the background fill leaves what a recount gives, flagged done.
#[tokio::test]
async fn counts_are_filled_after_the_start_and_the_statistics_stay_exact_meanwhile() {
    let app = monde().await;
    let periodes = ["", "du=2027-02-01&au=2027-02-28", "du=2026-03-01&au=2027-02-28"];
    let mut attendues = Vec::new();
    for q in periodes {
        attendues.push(stats(&app, ADMIN, q).await);
    }
    let (jours, progressions_avant, premieres, autres) = {
        let mut conn = app.db.acquire().await.unwrap();
        (
            lignes_du_decompte(&mut conn).await,
            lignes_des_progressions(&mut conn).await,
            lignes_des_premieres(&mut conn).await,
            lignes_des_autres_comptes(&mut conn).await,
        )
    };
    assert!(autres.iter().any(|l| l.starts_with("cloture")), "{autres:?}");
    assert!(!premieres.is_empty());
    let mut conn = app.db.acquire().await.unwrap();
    for sql in [
        "DELETE FROM statistiques_jours",
        "DELETE FROM statistiques_progressions",
        "DELETE FROM statistiques_premieres",
        "DELETE FROM statistiques_mois",
        "DELETE FROM statistiques_personnes",
        "DELETE FROM statistiques_clotures",
        "UPDATE statistiques_remplissages SET rempli = FALSE",
    ] {
        on!(conn, |cx| sqlx::query(sql).execute(cx).await.map(|_| ())).unwrap();
    }
    drop(conn);
    // Opening the database (what a start does before serving) fills nothing.
    let url = match &app.pg {
        Some(pg) => pg.url.clone(),
        None => format!("sqlite://{}", app.dir.path().join("carnet.db").display()),
    };
    let autre = carnet_server::db::connect(&url).await.unwrap();
    assert!(!agregat::remplis(&mut autre.acquire().await.unwrap()).await.unwrap());
    assert!(lignes_du_decompte(&mut autre.acquire().await.unwrap()).await.is_empty());
    // Meanwhile: the same figures, read from the sources.
    for (q, attendu) in periodes.iter().zip(&attendues) {
        assert_eq!(&stats(&app, ADMIN, q).await, attendu, "avant le remplissage : {q}");
    }
    agregat::remplir(&autre).await.unwrap();
    let mut conn = app.db.acquire().await.unwrap();
    assert!(agregat::remplis(&mut conn).await.unwrap());
    assert_eq!(lignes_du_decompte(&mut conn).await, jours);
    assert_eq!(lignes_des_progressions(&mut conn).await, progressions_avant);
    assert_eq!(lignes_des_premieres(&mut conn).await, premieres);
    assert_eq!(lignes_des_autres_comptes(&mut conn).await, autres);
    drop(conn);
    for (q, attendu) in periodes.iter().zip(&attendues) {
        assert_eq!(&stats(&app, ADMIN, q).await, attendu, "après le remplissage : {q}");
    }
    verifier_decompte(&app, "rempli").await;
}
