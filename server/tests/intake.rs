//! Intake (parcours step 1): happy path, each invalid field, duplicates, and isolation between
//! structures.

mod common;

use axum::http::{Method, StatusCode};
use carnet_server::on;
use common::*;
use serde_json::{json, Value};

const WRITTEN: [&str; 4] = ["beneficiaires", "carnets", "passes", "parcours"];

async fn nothing_written(app: &TestApp) {
    for t in WRITTEN {
        assert_eq!(app.count(t).await, 0, "{t} must stay empty");
    }
}

#[tokio::test]
async fn intake_records_the_person_the_carnet_and_an_open_parcours() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("Médiathèque", "a@example.fr").await;
    let body = intake_body("Zoé", 1, 5);
    let r = app.post("/api/v1/parcours", body.clone(), &cookie).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.body["parcours_id"].as_i64().unwrap();

    let p = app.get(&format!("/api/v1/parcours/{id}"), &cookie).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.text);
    let p = p.body;
    assert_eq!(p["etat"], "en_cours");
    assert_eq!(p["etape"], "diagnostic");
    assert_eq!(p["beneficiaire"]["prenom"], "Zoé");
    assert_eq!(p["beneficiaire"]["tranche_age"], "soixante_soixante_neuf");
    assert_eq!(p["beneficiaire"]["commune"]["nom"], "Brest");
    assert_eq!(p["carnet"]["nb_passes"], 5);
    assert_eq!(p["carnet"]["valeur_faciale_centimes"], 1000);
    assert_eq!(p["carnet"]["etat"], "distribue");
    assert_eq!(p["carnet"]["canal"], "mairie");
    let passes = p["carnet"]["passes"].as_array().unwrap();
    assert_eq!(passes.len(), 5);
    for (i, pass) in passes.iter().enumerate() {
        assert_eq!(pass["rang"], i as i64 + 1);
        assert_eq!(pass["etat"], "distribue");
        assert_eq!(pass["code"], body["codes"][i]);
    }

    let list = app.get("/api/v1/beneficiaires", &cookie).await;
    assert_eq!(list.body["total"], 1);
    assert_eq!(list.body["items"][0]["prenom"], "Zoé");
    assert_eq!(list.body["items"][0]["parcours_id"], id);
    assert_eq!(list.body["items"][0]["passes_total"], 5);

    // Every creation left its trace: 5 passes, the carnet, the parcours.
    assert_eq!(app.count("audit_log").await, 7);
}

#[tokio::test]
async fn codes_are_accepted_in_any_case_with_or_without_dashes() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@example.fr").await;
    let mut body = intake_body("Zoé", 2, 5);
    let codes: Vec<Value> = body["codes"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let c = c.as_str().unwrap();
            Value::String(if i % 2 == 0 { c.to_lowercase().replace('-', "") } else { c.replace('-', " ") })
        })
        .collect();
    body["codes"] = Value::Array(codes);
    app.intake(&cookie, body).await;
    let (stored,): (String,) =
        on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as("SELECT code FROM passes WHERE rang = 1")
            .fetch_one(cx)
            .await)
        .unwrap();
    assert_eq!(stored.len(), 12);
    assert_eq!(stored, stored.to_uppercase());
}

#[tokio::test]
async fn each_invalid_field_is_named_and_nothing_is_written() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@example.fr").await;
    let cases: Vec<(&str, Value)> = vec![
        ("prenom", json!({"prenom": ""})),
        ("annee_naissance", json!({"annee_naissance": "soixante"})),
        ("annee_naissance", json!({"annee_naissance": "1850"})),
        ("commune_insee", json!({"commune_insee": "99999"})),
        ("commune_insee", json!({"commune_insee": "Brest"})),
        ("genre", json!({"genre": "inconnu"})),
        ("statut_social", json!({"statut_social": "riche"})),
        ("carnet_numero", json!({"carnet_numero": ""})),
        ("nb_passes", json!({"nb_passes": "6"})),
        ("valeur_faciale", json!({"valeur_faciale": "-3"})),
        ("fin_validite", json!({"fin_validite": "2020-01-01"})),
        ("fin_validite", json!({"fin_validite": "demain"})),
        ("code_1", json!({"codes": ["AAAA-AAAA-AAAB"]})),
        ("commanditaire", json!({"commanditaire": "   "})),
        ("canal", json!({"canal": "pigeon"})),
        ("date_reception", json!({"date_reception": "2099-01-01"})),
    ];
    for (field, change) in cases {
        let mut body = intake_body("Zoé", 3, 5);
        for (k, v) in change.as_object().unwrap() {
            if k == "codes" {
                body["codes"][0] = v[0].clone();
            } else {
                body[k] = v.clone();
            }
        }
        let r = app.post("/api/v1/parcours", body, &cookie).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {}", r.text);
        let message = r.body["fields"][field].as_str().unwrap_or_else(|| panic!("{field}: {}", r.text));
        assert!(!message.is_empty());
        nothing_written(&app).await;
    }
}

#[tokio::test]
async fn a_mistyped_code_is_refused_with_its_rank() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@example.fr").await;
    let mut body = intake_body("Zoé", 4, 5);
    // Swap two neighbouring characters of the third code: the check character catches it.
    let c = body["codes"][2].as_str().unwrap().to_string();
    let mut chars: Vec<char> = c.chars().collect();
    let (a, b) = (0..chars.len() - 1)
        .map(|i| (i, i + 1))
        .find(|&(i, j)| {
            chars[i] != chars[j]
                && chars[i] != '-'
                && chars[j] != '-'
                && !matches!((chars[i], chars[j]), ('A', '7') | ('7', 'A'))
        })
        .unwrap();
    chars.swap(a, b);
    body["codes"][2] = Value::String(chars.into_iter().collect());
    let r = app.post("/api/v1/parcours", body, &cookie).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body["fields"]["code_3"].as_str().unwrap().starts_with("Pass n°3 :"), "{}", r.text);
    nothing_written(&app).await;
}

#[tokio::test]
async fn a_pass_code_already_in_the_database_is_refused() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@example.fr").await;
    let first = intake_body("Zoé", 5, 5);
    app.intake(&cookie, first.clone()).await;
    let before: Vec<i64> = futures_counts(&app).await;

    let mut second = intake_body("Yann", 6, 5);
    second["codes"][3] = first["codes"][1].clone();
    let r = app.post("/api/v1/parcours", second, &cookie).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.body["fields"]["code_4"].as_str().unwrap().contains("déjà enregistré"), "{}", r.text);
    assert_eq!(futures_counts(&app).await, before, "nothing written");

    // Even from another structure: a pass code is unique across the database.
    let (_, other) = app.conseiller("Autre", "b@example.fr").await;
    let mut third = intake_body("Lou", 7, 5);
    third["codes"][0] = first["codes"][0].clone();
    let r = app.post("/api/v1/parcours", third, &other).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body["fields"]["code_1"].is_string());
}

async fn futures_counts(app: &TestApp) -> Vec<i64> {
    let mut v = Vec::new();
    for t in WRITTEN {
        v.push(app.count(t).await);
    }
    v
}

#[tokio::test]
async fn malformed_json_gets_a_json_error() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@example.fr").await;
    let req = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/api/v1/parcours")
        .header("content-type", "application/json")
        .header("cookie", &cookie)
        .body(axum::body::Body::from("{pas du json"))
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["error"], "Le contenu JSON est mal formé.");
    let r = app.post("/api/v1/parcours", json!({"codes": "pas une liste"}), &cookie).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body["error"].as_str().unwrap().starts_with("Le contenu JSON ne correspond pas"));
    nothing_written(&app).await;
}

#[tokio::test]
async fn another_structure_gets_404_and_sees_nothing() {
    let app = TestApp::new().await;
    let (_, a) = app.conseiller("Structure A", "a@example.fr").await;
    let (_, b) = app.conseiller("Structure B", "b@example.fr").await;
    let parcours = app.intake(&a, intake_body("Zoé", 8, 5)).await;
    let (beneficiaire,): (i64,) =
        on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as("SELECT id FROM beneficiaires").fetch_one(cx).await)
            .unwrap();

    assert_eq!(app.get(&format!("/api/v1/beneficiaires/{beneficiaire}"), &a).await.status, StatusCode::OK);
    let r = app.get(&format!("/api/v1/beneficiaires/{beneficiaire}"), &b).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!r.text.contains("Zoé"));
    assert_eq!(app.get(&format!("/api/v1/parcours/{parcours}"), &b).await.status, StatusCode::NOT_FOUND);
    let list = app.get("/api/v1/beneficiaires?q=zo", &b).await;
    assert_eq!(list.body["total"], 0);
    assert!(!list.text.contains("Zoé"));
    // An id that does not exist at all answers the same as another structure's.
    assert_eq!(app.get("/api/v1/beneficiaires/999999", &a).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/api/v1/parcours/abc", &a).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn roles_without_a_structure_cannot_see_beneficiaries() {
    let app = TestApp::new().await;
    app.create_user(None, "hub@example.fr", "mot-de-passe-du-hub", carnet_domain::api::Role::Hub).await;
    let cookie = app.login("hub@example.fr", "mot-de-passe-du-hub").await;
    assert_eq!(app.get("/api/v1/beneficiaires", &cookie).await.status, StatusCode::FORBIDDEN);
    let r = app.post("/api/v1/parcours", intake_body("Zoé", 9, 5), &cookie).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    nothing_written(&app).await;
}

#[tokio::test]
async fn search_and_pagination() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@example.fr").await;
    for i in 0..23u8 {
        let name = if i == 7 { "Élodie".to_string() } else { format!("Personne {i}") };
        app.intake(&cookie, intake_body(&name, 100 + i, 5)).await;
    }
    let page1 = app.get("/api/v1/beneficiaires", &cookie).await.body;
    assert_eq!(page1["total"], 23);
    assert_eq!(page1["items"].as_array().unwrap().len(), 20);
    let page2 = app.get("/api/v1/beneficiaires?page=2", &cookie).await.body;
    assert_eq!(page2["items"].as_array().unwrap().len(), 3);
    // Accents and case do not matter; % is not a wildcard.
    let found = app.get("/api/v1/beneficiaires?q=ELODIE", &cookie).await.body;
    assert_eq!(found["total"], 1);
    assert_eq!(found["items"][0]["prenom"], "Élodie");
    assert_eq!(app.get("/api/v1/beneficiaires?q=%25", &cookie).await.body["total"], 0);
    let bad = app.get("/api/v1/beneficiaires?page=deux", &cookie).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn commune_autocomplete_by_name_and_postcode() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@example.fr").await;
    let by_name = app.get("/api/v1/communes?q=saint-etienne", &cookie).await.body;
    assert_eq!(by_name[0]["nom"], "Saint-Étienne", "most populated first: {by_name}");
    assert_eq!(by_name[0]["code_insee"], "42218");
    let by_cp = app.get("/api/v1/communes?q=29200", &cookie).await.body;
    assert_eq!(by_cp[0]["nom"], "Brest");
    let corsica = app.get("/api/v1/communes?q=ajaccio", &cookie).await.body;
    assert_eq!(corsica[0]["code_insee"], "2A004");
    let overseas = app.get("/api/v1/communes?q=97110", &cookie).await.body;
    assert_eq!(overseas[0]["departement"], "971");
    assert_eq!(app.get("/api/v1/communes?q=b", &cookie).await.body, json!([]));
}
