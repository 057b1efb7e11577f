//! The OpenAPI document (`GET /api/v1/openapi.json`) describes every route the API serves, and
//! nothing else: the routes are read from the routers' source (`.route("…", get(…).post(…))`),
//! the document from the running server.

mod common;

use axum::http::{Method, StatusCode};
use common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

/// Every `(METHOD, /api/v1 path)` the routers of `server/src/api` declare.
fn routes_du_code() -> BTreeSet<(String, String)> {
    let mut routes = BTreeSet::new();
    let mut fichiers = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api")];
    while let Some(f) = fichiers.pop() {
        if f.is_dir() {
            fichiers.extend(std::fs::read_dir(&f).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let texte = std::fs::read_to_string(&f).unwrap();
        for (i, _) in texte.match_indices(".route(") {
            let reste = &texte[i + ".route(".len()..];
            let reste = reste.trim_start();
            assert!(
                reste.starts_with('"'),
                "{}: une route dont le chemin n'est pas écrit en toutes lettres",
                f.display()
            );
            let fin = reste[1..].find('"').unwrap() + 1;
            let chemin = &reste[1..fin];
            // The method router: up to the parenthesis that closes `.route(`.
            let mut profondeur = 1;
            let mut corps = String::new();
            for c in reste[fin + 1..].chars() {
                match c {
                    '(' => profondeur += 1,
                    ')' => profondeur -= 1,
                    _ => {}
                }
                if profondeur == 0 {
                    break;
                }
                corps.push(c);
            }
            let mut trouve = false;
            for methode in ["get", "post", "put", "delete", "patch"] {
                for (j, _) in corps.match_indices(&format!("{methode}(")) {
                    let avant = corps[..j].chars().last();
                    if matches!(avant, None | Some(' ' | ',' | '.' | '\n')) {
                        routes.insert((methode.to_uppercase(), format!("/api/v1{chemin}")));
                        trouve = true;
                    }
                }
            }
            assert!(trouve, "{}: route {chemin} sans méthode reconnue", f.display());
        }
    }
    routes
}

#[tokio::test]
async fn the_document_describes_every_route_and_only_them() {
    let app = TestApp::new().await;
    let r = app.request(Method::GET, "/api/v1/openapi.json", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.body;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);

    let mut decrites = BTreeSet::new();
    for (chemin, item) in doc["paths"].as_object().unwrap() {
        for (methode, op) in item.as_object().unwrap() {
            if !["get", "post", "put", "delete", "patch"].contains(&methode.as_str()) {
                continue;
            }
            decrites.insert((methode.to_uppercase(), chemin.clone()));
            let reponses = op["responses"].as_object().unwrap();
            assert!(
                reponses.keys().any(|s| s.starts_with('2')),
                "{methode} {chemin} : aucune réponse de succès décrite"
            );
            let protegee = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|x| x.as_object().is_some_and(|o| !o.is_empty())));
            if protegee {
                for statut in ["401", "403"] {
                    assert!(reponses.contains_key(statut), "{methode} {chemin} : {statut} non décrit");
                }
            }
            if methode != "get" {
                for statut in ["400", "403", "413", "422"] {
                    assert!(reponses.contains_key(statut), "{methode} {chemin} : {statut} non décrit");
                }
            }
        }
    }
    let du_code = routes_du_code();
    assert!(du_code.len() > 100, "{} routes lues seulement", du_code.len());
    let absentes: Vec<_> = du_code.difference(&decrites).collect();
    assert!(absentes.is_empty(), "routes servies mais absentes du document : {absentes:?}");
    let inventees: Vec<_> = decrites.difference(&du_code).collect();
    assert!(inventees.is_empty(), "routes du document que rien ne sert : {inventees:?}");
}

#[tokio::test]
async fn each_way_to_be_recognised_is_declared() {
    let app = TestApp::new().await;
    let doc: Value = app.request(Method::GET, "/api/v1/openapi.json", None, None).await.body;
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    assert_eq!(schemes["session"]["type"], "apiKey");
    assert_eq!(schemes["session"]["in"], "cookie");
    assert_eq!(schemes["lien_personnel"]["scheme"], "bearer");
    assert_eq!(schemes["client_api"]["scheme"], "bearer");
    assert_eq!(doc["paths"]["/api/v1/espace"]["get"]["security"][0]["lien_personnel"], serde_json::json!([]));
    assert_eq!(doc["paths"]["/api/v1/donnees/activites"]["get"]["security"][0]["client_api"], serde_json::json!([]));
    assert_eq!(doc["paths"]["/api/v1/parcours/{id}"]["get"]["security"][0]["session"], serde_json::json!([]));
    // The data consumers' errors are JSON:API documents.
    let erreur = &doc["paths"]["/api/v1/donnees/activites"]["get"]["responses"]["401"]["content"];
    assert!(erreur["application/vnd.api+json"].is_object(), "{erreur}");
}

/// Cases schemathesis found (scripts/schemathesis.py), each kept here once fixed.
#[tokio::test]
async fn cases_found_by_the_fuzzer_stay_fixed() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("Structure", "c@example.fr").await;
    // A page number far past the end overflowed the offset (a panic, then a 500).
    let r = app.get("/api/v1/lieux?page=2147483648", &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["items"], serde_json::json!([]));
    let r = app.get(&format!("/api/v1/lieux?page={}", u32::MAX), &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // Local times (a session's start) carry no offset: the document must not call them
    // RFC 3339 date-times, or every valid answer violates it.
    let doc = app.request(Method::GET, "/api/v1/openapi.json", None, None).await.body;
    let debut = &doc["components"]["schemas"]["SeanceView"]["properties"]["debut"];
    assert_eq!(debut["type"], "string", "{debut}");
    assert!(debut.get("format").is_none(), "{debut}");
}
