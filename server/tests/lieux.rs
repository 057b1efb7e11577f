//! Venues: import of both versions of the standard, bad rows, re-import, export, the map for
//! 30,000 venues within its budget, hubs' territories, candidates through accreditation, and
//! orientation of a beneficiary.

mod common;

use axum::http::StatusCode;
use carnet_domain::api::Role;
use carnet_server::on;
use carnet_server::store::territoires;
use common::*;
use serde_json::{json, Value};

const EXEMPLE_V1: &str = include_str!("../../reference/lieux/exemple-valide-v1.0.2.csv");
const EXEMPLE_V0: &str = include_str!("../../reference/lieux/exemple-valide-v0.1.1.csv");
const PASSWORD: &str = "mot-de-passe-de-test";

async fn hub(app: &TestApp, email: &str, departements: &[&str]) -> String {
    let id = app.create_user(None, email, PASSWORD, Role::Hub).await;
    territoires::set(&app.db, id, &departements.iter().map(|d| d.to_string()).collect::<Vec<_>>()).await.unwrap();
    app.login(email, PASSWORD).await
}

async fn admin(app: &TestApp) -> String {
    app.create_user(None, "admin@test.fr", PASSWORD, Role::Admin).await;
    app.login("admin@test.fr", PASSWORD).await
}

async fn import(app: &TestApp, cookie: &str, name: &str, content: &str) -> Value {
    app.import_lieux(cookie, name, content).await
}

async fn first_id(app: &TestApp, cookie: &str, q: &str) -> i64 {
    let r = app.get(&format!("/api/v1/lieux?q={q}"), cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["items"][0]["id"].as_i64().unwrap_or_else(|| panic!("no venue for {q}: {}", r.text))
}

#[tokio::test]
async fn both_example_files_import() {
    let app = TestApp::new().await;
    let cookie = admin(&app).await;

    let r = import(&app, &cookie, "exemple-v1.csv", EXEMPLE_V1).await;
    assert_eq!(r["etat"], "termine", "{r}");
    assert_eq!((r["format"].as_str(), r["version"].as_str()), (Some("CSV"), Some("1.0.2")));
    assert_eq!((r["total"].as_u64(), r["crees"].as_u64(), r["lignes_rejetees"].as_u64()), (Some(1), Some(1), Some(0)));

    // v0.1 has the same id but another source? No: both say « Hubik ». Same key: an update.
    let r = import(&app, &cookie, "exemple-v0.csv", EXEMPLE_V0).await;
    assert_eq!(r["etat"], "termine", "{r}");
    assert_eq!(r["version"], "0.1.1");
    assert_eq!((r["mis_a_jour"].as_u64(), r["crees"].as_u64()), (Some(1), Some(0)));
    assert_eq!(app.count("lieux").await, 1);

    let id = first_id(&app, &cookie, "anonymal").await;
    let d = app.get(&format!("/api/v1/lieux/{id}"), &cookie).await.body;
    assert_eq!(d["lieu"]["nom"], "Anonymal");
    assert_eq!(d["lieu"]["code_insee"], "51454");
    assert_eq!(d["departement"], "51");
    // v0.1's « Accepte le Pass numérique » and APTIC label: our Pass fields.
    assert_eq!(d["pass"], json!({ "accepte": true, "operateur": "APTIC" }));
    assert_eq!(d["lieu"]["dispositif_programmes_nationaux"], json!(["France Services", "Point d'accès numérique CAF"]));
    assert_eq!(d["geocodage"], "fichier");
    assert_eq!(d["horaires"]["semaine"].as_array().unwrap().len(), 7);
    assert!(d["historique"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["quoi"].as_str().unwrap().contains("fichier importé")));
    // The audit log holds the Pass change and the imports.
    let (n,): (i64,) = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'lieu' AND action = 'pass_importe'"
    )
    .fetch_one(cx)
    .await)
    .unwrap();
    assert_eq!(n, 1);
    assert_eq!(
        on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as::<_, (i64,)>(
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'lieux_import'"
        )
        .fetch_one(cx)
        .await)
        .unwrap()
        .0,
        2
    );

    // JSON, both versions.
    let json_v1 = r#"[{"id":"j1","pivot":"43493312300029","nom":"Lieu JSON","commune":"Brest","code_postal":"29200",
        "adresse":"1 rue X","date_maj":"2024-01-01","services":["Aide aux démarches administratives"]}]"#;
    let r = import(&app, &cookie, "lieux.json", json_v1).await;
    assert_eq!((r["format"].as_str(), r["crees"].as_u64()), (Some("JSON"), Some(1)), "{r}");
    let id = first_id(&app, &cookie, "lieu%20json").await;
    let d = app.get(&format!("/api/v1/lieux/{id}"), &cookie).await.body;
    // No INSEE code in the file: found from the postcode and the name; placed at the commune.
    assert_eq!(d["lieu"]["code_insee"], "29019");
    assert_eq!(d["geocodage"], "commune");
    assert_eq!(d["lieu"]["latitude"], Value::Null);
}

#[tokio::test]
async fn bad_rows_are_reported_one_by_one_and_good_rows_go_in() {
    let app = TestApp::new().await;
    let cookie = admin(&app).await;
    let header_line = EXEMPLE_V1.lines().next().unwrap();
    let good = EXEMPLE_V1.lines().nth(1).unwrap();
    let row = |id: &str, f: &dyn Fn(String) -> String| f(good.replacen("\"structure-1\"", &format!("\"{id}\""), 1));
    let file = [
        header_line.to_string(),
        row("ok-1", &|s| s),
        row("bad-siret", &|s| s.replace("\"43493312300029\"", "\"43493312300028\"")),
        row("ok-2", &|s| s),
        row("bad-two", &|s| {
            s.replace("\"+33180059880\"", "\"0123\"").replace("\"Jeunes|Femmes\"", "\"Jeunes|Pirates\"")
        }),
        row("bad-insee", &|s| s.replace("\"51454\"", "\"20454\"")),
        row("ok-1", &|s| s),
        "\"court\",\"1\"".to_string(),
    ]
    .join("\n");
    let r = import(&app, &cookie, "mauvais.csv", &file).await;
    assert_eq!(r["etat"], "termine");
    assert_eq!((r["total"].as_u64(), r["crees"].as_u64(), r["lignes_rejetees"].as_u64()), (Some(7), Some(2), Some(5)));
    let rejets: Vec<(u64, String, String)> = r["rejets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["ligne"].as_u64().unwrap(),
                x["id"].as_str().unwrap().to_string(),
                x["champ"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        rejets,
        vec![
            (3, "bad-siret".into(), "pivot".into()),
            (5, "bad-two".into(), "telephone".into()),
            (5, "bad-two".into(), "publics_specifiquement_adresses".into()),
            (6, "bad-insee".into(), "code_insee".into()),
            (7, "ok-1".into(), "id".into()),
            (8, "court".into(), "ligne".into()),
        ]
    );
    let messages: Vec<&str> = r["rejets"].as_array().unwrap().iter().map(|x| x["message"].as_str().unwrap()).collect();
    assert!(messages[0].contains("clé de contrôle"), "{}", messages[0]);
    assert!(messages[2].contains("« Pirates »"), "{}", messages[2]);
    assert!(messages[4].contains("ligne 2"), "{}", messages[4]);
    assert_eq!(app.count("lieux").await, 2);

    // A file that is not the standard at all: refused as a whole, nothing written.
    let r = import(&app, &cookie, "autre.csv", "nom,ville\nx,y\n").await;
    assert_eq!(r["etat"], "echoue");
    assert!(r["erreur"].as_str().unwrap().contains("colonnes obligatoires absentes"), "{r}");
    assert_eq!(app.count("lieux").await, 2);
}

#[tokio::test]
async fn reimport_updates_instead_of_duplicating() {
    let app = TestApp::new().await;
    let cookie = admin(&app).await;
    import(&app, &cookie, "a.csv", EXEMPLE_V1).await;
    let r = import(&app, &cookie, "a.csv", EXEMPLE_V1).await;
    assert_eq!((r["inchanges"].as_u64(), r["mis_a_jour"].as_u64(), r["crees"].as_u64()), (Some(1), Some(0), Some(0)));
    let changed = EXEMPLE_V1.replace("\"Anonymal\"", "\"Anonymal (nouveau nom)\"");
    let r = import(&app, &cookie, "a.csv", &changed).await;
    assert_eq!((r["mis_a_jour"].as_u64(), r["crees"].as_u64()), (Some(1), Some(0)));
    assert_eq!(app.count("lieux").await, 1);
    let id = first_id(&app, &cookie, "anonymal").await;
    assert_eq!(app.get(&format!("/api/v1/lieux/{id}"), &cookie).await.body["lieu"]["nom"], "Anonymal (nouveau nom)");
    // Same id from another source: another venue.
    let other = EXEMPLE_V1.replace("\"Hubik\"", "\"Autre réseau\"");
    let r = import(&app, &cookie, "b.csv", &other).await;
    assert_eq!(r["crees"].as_u64(), Some(1));
    assert_eq!(app.count("lieux").await, 2);
}

#[tokio::test]
async fn export_is_the_v1_standard_and_reimports_identically() {
    let app = TestApp::new().await;
    let cookie = admin(&app).await;
    import(&app, &cookie, "v0.csv", EXEMPLE_V0).await;
    let r = app.get("/api/v1/lieux/export.csv", &cookie).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    let header_line = r.text.lines().next().unwrap();
    assert_eq!(header_line, carnet_domain::lieux::CHAMPS_V1.join(","));
    // The Pass can only be said in the free text.
    assert!(r.text.contains("Pass numérique accepté (opérateur : APTIC)"), "{}", r.text);
    // Each exported row passes v1.0.2's checks.
    let f = carnet_domain::lieux::import::lire(r.text.as_bytes()).unwrap();
    assert_eq!(f.version, carnet_domain::lieux::import::Version::V1);
    for l in &f.lignes {
        carnet_domain::lieux::import::valider_v1(l).unwrap();
    }
    // Into a fresh database, then out again: the same file.
    let app2 = TestApp::new().await;
    let cookie2 = admin(&app2).await;
    let rep = import(&app2, &cookie2, "export.csv", &r.text).await;
    assert_eq!(rep["crees"].as_u64(), Some(1), "{rep}");
    let again = app2.get("/api/v1/lieux/export.csv", &cookie2).await;
    assert_eq!(again.text, r.text);
}

#[tokio::test]
async fn hubs_see_and_edit_only_their_territory() {
    let app = TestApp::new().await;
    let admin = admin(&app).await;
    let bretagne = EXEMPLE_V1
        .replacen("\"structure-1\"", "\"bzh\"", 1)
        .replace("\"Reims\"", "\"Brest\"")
        .replace("\"51100\"", "\"29200\"")
        .replace("\"51454\"", "\"29019\"");
    import(&app, &admin, "reims.csv", EXEMPLE_V1).await;
    import(&app, &admin, "brest.csv", &bretagne).await;
    let hub = hub(&app, "hub@bzh.fr", &["29", "22", "56", "35"]).await;

    let t = app.get("/api/v1/lieux/territoire", &hub).await.body;
    assert_eq!(t["departements"].as_array().unwrap().len(), 4);
    assert_eq!(t["departements"][1]["nom"], "Finistère");

    // Everyone sees the national map and list; only the territory is editable.
    let reims = app.get("/api/v1/lieux?departement=51", &hub).await.body["items"][0]["id"].as_i64().unwrap();
    let brest = app.get("/api/v1/lieux?departement=29", &hub).await.body["items"][0]["id"].as_i64().unwrap();
    assert_eq!(app.get(&format!("/api/v1/lieux/{reims}"), &hub).await.body["modifiable"], false);
    assert_eq!(app.get(&format!("/api/v1/lieux/{brest}"), &hub).await.body["modifiable"], true);
    let r = app.post(&format!("/api/v1/lieux/{reims}/pass"), json!({"accepte": true}), &hub).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .post(
            &format!("/api/v1/lieux/{brest}/pass"),
            json!({"accepte": true, "operateur": "Opérateur Bretagne", "note": "convention signée"}),
            &hub,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["pass"]["accepte"], true);
    assert!(r.body["historique"].as_array().unwrap().iter().any(|e| e["note"] == "convention signée"));
    // The note is free text: the append-only audit log says only that there was one.
    let (apres,): (String,) = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT after_json FROM audit_log WHERE entity = 'lieu' AND entity_id = $1 AND action = 'pass_modifie'"
    )
    .bind(brest)
    .fetch_one(cx)
    .await)
    .unwrap();
    let apres: Value = serde_json::from_str(&apres).unwrap();
    assert_eq!(apres["note"], true, "{apres}");
    assert!(!apres.to_string().contains("convention"), "{apres}");
    // Without a note, the history has none.
    let r = app
        .post(&format!("/api/v1/lieux/{brest}/pass"), json!({"accepte": true, "operateur": "Opérateur Bretagne"}), &hub)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let notes: Vec<&Value> = r.body["historique"].as_array().unwrap().iter().map(|e| &e["note"]).collect();
    assert_eq!(notes.iter().filter(|n| n.is_string()).count(), 1, "{notes:?}");

    // A hub's import keeps only its territory.
    let both = format!("{EXEMPLE_V1}{}\n", bretagne.lines().nth(1).unwrap().replacen("\"bzh\"", "\"bzh-2\"", 1));
    let r = import(&app, &hub, "mixte.csv", &both).await;
    assert_eq!(
        (r["crees"].as_u64(), r["inchanges"].as_u64(), r["lignes_rejetees"].as_u64()),
        (Some(1), Some(0), Some(1)),
        "{r}"
    );
    assert!(r["rejets"][0]["message"].as_str().unwrap().contains("Hors de votre territoire"), "{r}");
    // Export: the territory only.
    let csv = app.get("/api/v1/lieux/export.csv", &hub).await.text;
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert_eq!(app.get("/api/v1/lieux/export.csv?departement=51", &hub).await.status, StatusCode::NOT_FOUND);

    // Conseillers: no import, no export, no editing, no coverage.
    let (_, conseiller) = app.conseiller("Médiathèque", "c@test.fr").await;
    assert_eq!(app.get("/api/v1/lieux/export.csv", &conseiller).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.post(&format!("/api/v1/lieux/{brest}/pass"), json!({"accepte": false}), &conseiller).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.get("/api/v1/lieux/couverture", &conseiller).await.status, StatusCode::FORBIDDEN);
    // Hubs never reach a beneficiary.
    let pid = app.intake(&conseiller, intake_body("Yvonne", 3, 5)).await;
    assert_eq!(app.get(&format!("/api/v1/parcours/{pid}"), &hub).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/v1/beneficiaires", &hub).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get(&format!("/api/v1/parcours/{pid}/orientation"), &hub).await.status, StatusCode::FORBIDDEN);
    // Coverage: the 5 passes of Yvonne (Brest) are in circulation in the Finistère.
    let cov = app.get("/api/v1/lieux/couverture", &hub).await.body;
    let fin = cov["departements"].as_array().unwrap().iter().find(|d| d["code"] == "29").unwrap().clone();
    assert_eq!(
        (fin["pass_en_circulation"].as_i64(), fin["lieux_pass"].as_i64(), fin["lieux"].as_i64()),
        (Some(5), Some(1), Some(2)),
        "{fin}"
    );
}

fn candidat_body(nom: &str) -> Value {
    json!({
        "nom": nom,
        "adresse": "2 quai de la Douane",
        "code_postal": "29200",
        "commune_insee": "29019",
        "motif": "Accueille déjà des ateliers numériques",
        "contact_nom": "Anne",
        "contact_telephone": "02 98 00 00 00",
    })
}

#[tokio::test]
async fn a_candidate_goes_through_accreditation_to_the_map() {
    let app = TestApp::with_config(carnet_server::Config {
        geocodeur: Some(std::sync::Arc::new(carnet_server::lieux::geocodage::Fixture::default().with(
            "2 quai de la Douane",
            "29200",
            48.3794,
            -4.4862,
        ))),
        ..Default::default()
    })
    .await;
    let (_, conseiller) = app.conseiller("Médiathèque", "c@test.fr").await;
    let hub29 = hub(&app, "hub29@test.fr", &["29"]).await;
    let hub75 = hub(&app, "hub75@test.fr", &["75"]).await;

    // Bad input: 422 naming the fields, nothing written.
    let r = app
        .post(
            "/api/v1/lieux/candidats",
            json!({ "nom": "", "code_postal": "29", "commune_insee": "29019" }),
            &conseiller,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body["fields"]["nom"].as_str().unwrap().contains("obligatoire"));
    assert_eq!(app.count("candidats").await, 0);
    let mut wrong_cp = candidat_body("Tiers-lieu du port");
    wrong_cp["code_postal"] = json!("75001");
    let r = app.post("/api/v1/lieux/candidats", wrong_cp, &conseiller).await;
    assert!(r.body["fields"]["code_postal"].as_str().unwrap().contains("Brest"), "{}", r.text);

    let r = app.post("/api/v1/lieux/candidats", candidat_body("Tiers-lieu du port"), &conseiller).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.body["id"].as_i64().unwrap();

    // The hub of the Finistère sees it; the Paris hub does not.
    let list = app.get("/api/v1/lieux/candidats", &hub29).await.body;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["statut"], "signale");
    assert_eq!(app.get("/api/v1/lieux/candidats", &hub75).await.body.as_array().unwrap().len(), 0);
    assert_eq!(app.get(&format!("/api/v1/lieux/candidats/{id}"), &hub75).await.status, StatusCode::NOT_FOUND);
    let r = app.post(&format!("/api/v1/lieux/candidats/{id}/etapes"), json!({"statut": "contacte"}), &hub75).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The reporter follows it but cannot move it.
    assert_eq!(app.get(&format!("/api/v1/lieux/candidats/{id}"), &conseiller).await.body["modifiable"], false);
    let r = app.post(&format!("/api/v1/lieux/candidats/{id}/etapes"), json!({"statut": "contacte"}), &conseiller).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Steps in order only.
    let step = |statut: &str, extra: Value| {
        let mut b = json!({ "statut": statut, "note": format!("étape {statut}") });
        if let (Some(o), Some(e)) = (b.as_object_mut(), extra.as_object()) {
            o.extend(e.clone());
        }
        b
    };
    let r = app.post(&format!("/api/v1/lieux/candidats/{id}/etapes"), step("agree", json!({})), &hub29).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body["fields"]["statut"].as_str().unwrap().contains("« Contacté »"));
    for s in ["contacte", "dossier_en_cours"] {
        let r = app.post(&format!("/api/v1/lieux/candidats/{id}/etapes"), step(s, json!({})), &hub29).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    // Accrediting needs its SIRET or RNA.
    let r = app.post(&format!("/api/v1/lieux/candidats/{id}/etapes"), step("agree", json!({})), &hub29).await;
    assert!(r.body["fields"]["pivot"].as_str().unwrap().contains("obligatoire"), "{}", r.text);
    let r = app
        .post(
            &format!("/api/v1/lieux/candidats/{id}/etapes"),
            step("agree", json!({"pivot": "434 933 123 00029"})),
            &hub29,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["statut"], "agree");
    let etapes: Vec<&str> = r.body["etapes"].as_array().unwrap().iter().map(|e| e["vers"].as_str().unwrap()).collect();
    assert_eq!(etapes, vec!["signale", "contacte", "dossier_en_cours", "agree"]);
    assert!(r.body["etapes"][3]["par"].as_str().unwrap().contains("Test"));
    let lieu_id = r.body["lieu_id"].as_i64().unwrap();
    // Closed now.
    let r = app.post(&format!("/api/v1/lieux/candidats/{id}/etapes"), step("abandonne", json!({})), &hub29).await;
    assert!(r.body["fields"]["statut"].as_str().unwrap().contains("clos"));

    // It is on the map, accepting the Pass, at its geocoded address.
    let d = app.get(&format!("/api/v1/lieux/{lieu_id}"), &conseiller).await.body;
    assert_eq!(d["pass"]["accepte"], true);
    assert_eq!(d["statut_agrement"], "agree");
    assert_eq!(d["lieu"]["pivot"], "43493312300029");
    assert_eq!(d["lieu"]["latitude"], 48.3794);
    let quoi: Vec<&str> = d["historique"].as_array().unwrap().iter().map(|e| e["quoi"].as_str().unwrap()).collect();
    assert!(quoi.contains(&"Agréé : le lieu accepte le Pass numérique"), "{quoi:?}");
    let carte =
        app.get("/api/v1/lieux/carte?pass=true&zoom=16&ouest=-4.6&sud=48.3&est=-4.4&nord=48.5", &conseiller).await.body;
    assert_eq!(carte["niveau"], "points");
    assert_eq!(carte["points"][0][0].as_i64(), Some(lieu_id));
    assert_eq!(carte["points"][0][3], 1);
    // Audit: every step.
    let (n,): (i64,) = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'candidat' AND entity_id = $1"
    )
    .bind(id)
    .fetch_one(cx)
    .await)
    .unwrap();
    assert_eq!(n, 4);
}

#[tokio::test]
async fn orientation_lists_the_nearest_venues_accepting_the_pass() {
    let app = TestApp::new().await;
    let admin = admin(&app).await;
    let (_, conseiller) = app.conseiller("Médiathèque", "c@test.fr").await;
    // Three venues accepting the Pass (our mention), at Brest, Quimper and Paris; one not.
    let file = fichier_lieux(&[
        ("paris", "Paris", "75001", "75101", "48.86", "2.34", true),
        ("quimper", "Quimper", "29000", "29232", "47.996", "-4.10", true),
        ("brest-non", "Brest", "29200", "29019", "48.39", "-4.48", false),
        ("brest", "Brest", "29200", "29019", "48.40", "-4.49", true),
    ]);
    let r = import(&app, &admin, "o.csv", &file).await;
    assert_eq!(r["crees"].as_u64(), Some(4), "{r}");
    let pid = app.intake(&conseiller, intake_body("Yvonne", 9, 5)).await;
    let r = app.get(&format!("/api/v1/parcours/{pid}/orientation"), &conseiller).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let noms: Vec<&str> = r.body["lieux"].as_array().unwrap().iter().map(|l| l["nom"].as_str().unwrap()).collect();
    assert_eq!(noms, vec!["Lieu brest", "Lieu quimper", "Lieu paris"]);
    assert!(r.body["depuis"].as_str().unwrap().starts_with("Brest"));
    let d = r.body["lieux"][1]["distance_km"].as_f64().unwrap();
    assert!((45.0..65.0).contains(&d), "{d}");
    assert_eq!(r.body["lieux"][0]["telephone"], "+33180059880");
    assert!(r.body["lieux"][0]["horaires"]["semaine"].is_array());
    // Another structure's parcours: 404.
    let (_, other) = app.conseiller("Autre", "o@test.fr").await;
    assert_eq!(app.get(&format!("/api/v1/parcours/{pid}/orientation"), &other).await.status, StatusCode::NOT_FOUND);
}

/// Sizes and shapes are checked; the server times are printed, not asserted (a loaded machine
/// would fail them): `make mesures-lieux` measures them on the release build.
#[tokio::test]
async fn the_map_answers_for_30000_venues_within_its_size_budget() {
    let app = TestApp::new().await;
    let cookie = admin(&app).await;
    let csv = carnet_server::lieux::generateur::csv(&app.db, 30_000, 7, 0.15).await.unwrap();
    let started = std::time::Instant::now();
    let r = import(&app, &cookie, "30000.csv", &csv).await;
    eprintln!("import de 30 000 lieux : {} ms (serveur : {:?} ms)", started.elapsed().as_millis(), r["duree_ms"]);
    assert_eq!((r["crees"].as_u64(), r["lignes_rejetees"].as_u64()), (Some(30_000), Some(0)), "{}", r["rejets"][0]);

    // Whole France (the map's first view), then a dense zoomed view, then with filters.
    for (what, q) in [
        ("France", "zoom=5&ouest=-5.5&sud=41&est=10&nord=51.5"),
        ("départements", "zoom=7&ouest=-5.5&sud=41&est=10&nord=51.5"),
        ("Île-de-France", "zoom=10&ouest=1.9&sud=48.6&est=2.8&nord=49.1"),
        ("Paris", "zoom=15&ouest=2.33&sud=48.85&est=2.36&nord=48.87"),
        ("filtres", "zoom=5&pass=true&ouvert=true&service=Aide%20aux%20d%C3%A9marches%20administratives&q=lieu"),
    ] {
        let url = format!("/api/v1/lieux/carte?{q}");
        app.get(&url, &cookie).await; // warm
        let mut times = Vec::new();
        let mut resp = None;
        for _ in 0..5 {
            let r = app.get(&url, &cookie).await;
            assert_eq!(r.status, StatusCode::OK);
            let t: f64 = r.headers["server-timing"].to_str().unwrap().trim_start_matches("carte;dur=").parse().unwrap();
            times.push(t);
            resp = Some(r);
        }
        times.sort_by(f64::total_cmp);
        let r = resp.unwrap();
        let raw = r.text.len();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut gz, r.text.as_bytes()).unwrap();
        let gz = gz.finish().unwrap().len();
        eprintln!("carte {what} : {} ; {raw} octets, {gz} en gzip ; médiane {:.2} ms", r.body["niveau"], times[2]);
        assert!(gz < 300 * 1024, "{what}: {gz} bytes compressed");
        if what == "France" {
            assert_eq!(r.body["niveau"], "regions");
            assert_eq!(r.body["total"], 30_000);
            let sum: u64 = r.body["zones"].as_array().unwrap().iter().map(|z| z["n"].as_u64().unwrap()).sum::<u64>()
                + r.body["outre_mer"].as_array().unwrap().iter().map(|z| z["n"].as_u64().unwrap()).sum::<u64>();
            assert_eq!(sum, 30_000);
        }
        // Never thousands of shapes.
        let shapes = r.body["zones"].as_array().unwrap().len()
            + r.body["grappes"].as_array().unwrap().len()
            + r.body["points"].as_array().unwrap().len();
        assert!(shapes <= 1500, "{what}: {shapes} shapes");
        // No count bubble covers another one's number, at any level.
        let zoom: i32 = q.split('&').find_map(|p| p.strip_prefix("zoom=")).unwrap().parse().unwrap();
        let echelle = 256.0 * 2f64.powi(zoom);
        let px = |lat: f64, lon: f64| {
            let s = lat.to_radians().sin();
            let y = (0.5 - ((1.0 + s) / (1.0 - s)).ln() / (4.0 * std::f64::consts::PI)) * echelle;
            ((lon + 180.0) / 360.0 * echelle, y)
        };
        let f = |v: &Value| v.as_f64().unwrap();
        let bulles: Vec<(String, (f64, f64), f64)> = r.body["zones"]
            .as_array()
            .unwrap()
            .iter()
            .map(|z| (z["nom"].to_string(), (f(&z["lat"]), f(&z["lon"])), f(&z["n"])))
            .chain(
                r.body["grappes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|g| (g[4].to_string(), (f(&g[0]), f(&g[1])), f(&g[2]))),
            )
            .map(|(nom, (lat, lon), n)| (nom, px(lat, lon), carnet_domain::lieux::api::diametre_bulle(n as u32) / 2.0))
            .collect();
        for (i, a) in bulles.iter().enumerate() {
            for b in &bulles[i + 1..] {
                let d = (b.1 .0 - a.1 .0).hypot(b.1 .1 - a.1 .1);
                assert!(d >= a.2 + b.2 - 0.5, "{what}: {} and {} overlap ({d:.1} px apart)", a.0, b.0);
            }
        }
        if r.body["niveau"] == "grappes" {
            let g = &r.body["grappes"][0];
            assert!(!g[4].as_str().unwrap().is_empty(), "{what}: a cluster is named by its commune: {g}");
        }
    }
    // The list beside the map: paginated, in name order.
    let r = app.get("/api/v1/lieux?pass=true&page=2", &cookie).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 20);
    assert!(r.body["total"].as_i64().unwrap() > 3000);
}
