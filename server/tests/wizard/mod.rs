//! Helpers of the parcours-wizard tests: take a parcours through its steps over HTTP.
#![allow(dead_code)]

use super::common::*;
use axum::http::{Method, StatusCode};
use carnet_server::on;
use chrono::{Duration, NaiveDate};
use serde_json::{json, Value};

pub async fn put(app: &TestApp, path: &str, body: Value, cookie: &str) -> Resp {
    app.request(Method::PUT, path, Some(body), Some(cookie)).await
}

pub fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// `n` working days in the past, a week apart, oldest first: a schedule already lived, so
/// sessions can be held at their planned time whatever the day the tests run.
pub fn semaines_passees(n: usize) -> Vec<NaiveDate> {
    let today = today();
    (0..n)
        .map(|k| {
            let mut d = today - Duration::days(7 * (n - k) as i64);
            while !ouvre(d) {
                d -= Duration::days(1);
            }
            d
        })
        .collect()
}

/// An intake whose carnet was received long enough ago for a schedule in the past.
pub fn intake_passe(prenom: &str, seed: u8, n: u8) -> Value {
    let mut body = intake_body(prenom, seed, n);
    body["date_reception"] = json!(iso(today() - Duration::days(7 * n as i64 + 14)));
    body
}

pub async fn dossier(app: &TestApp, cookie: &str, id: i64) -> Value {
    let r = app.get(&format!("/api/v1/parcours/{id}"), cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
}

pub fn diagnostic_body() -> Value {
    json!({
        "niveaux": { "1.1": "pas_encore_aborde", "2.1": "entierement_accompagne", "4.1": "pas_encore_aborde", "5.2": "partiellement_autonome" },
        "resultats": [{ "outil": "ABC Diag", "score": "31 %" }],
        "observations": "Veut écrire à ses petits-enfants.",
        "pack": "competences_de_base",
    })
}

pub async fn diagnostic(app: &TestApp, cookie: &str, id: i64) {
    let r = put(app, &format!("/api/v1/parcours/{id}/diagnostics/initial"), diagnostic_body(), cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

/// The objectives step filled from a pack, as the app does.
pub async fn objectifs_body(app: &TestApp, cookie: &str, pack: &str, n: i64) -> Value {
    let packs = app.get("/api/v1/packs", cookie).await.body;
    let p = packs.as_array().unwrap().iter().find(|p| p["code"] == pack).unwrap().clone();
    let themes: Vec<Value> = p["themes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["nb_passes"] == n)
        .map(|t| json!({ "titre": t["titre"], "thematiques": t["thematiques"], "competences": t["competences"] }))
        .collect();
    let objectifs: Vec<Value> = p["cibles"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["nb_passes"] == n)
        .map(|c| json!({ "competence": c["competence"], "niveau": c["niveau"] }))
        .collect();
    json!({ "pack": pack, "objectifs": objectifs, "themes": themes })
}

pub async fn objectifs(app: &TestApp, cookie: &str, id: i64, n: i64) {
    let body = objectifs_body(app, cookie, "competences_de_base", n).await;
    let r = put(app, &format!("/api/v1/parcours/{id}/objectifs"), body, cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

pub fn planning_body(dates: &[NaiveDate], heure: &str) -> Value {
    json!({
        "frequence": "hebdomadaire",
        "duree_minutes": "60",
        "type_lieu": "lieu_activite",
        "seances": dates.iter().map(|d| json!({ "date": iso(*d), "heure": heure })).collect::<Vec<_>>(),
    })
}

/// A parcours ready for its sessions: intake (carnet of `n`), diagnostic, pack, a weekly schedule
/// in the past at `heure`. Returns its id and the pass codes.
pub async fn au_stade_seances(
    app: &TestApp,
    cookie: &str,
    prenom: &str,
    seed: u8,
    n: u8,
    heure: &str,
) -> (i64, Vec<String>) {
    let body = intake_passe(prenom, seed, n);
    let codes: Vec<String> =
        body["codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect();
    let id = app.intake(cookie, body).await;
    diagnostic(app, cookie, id).await;
    objectifs(app, cookie, id, n as i64).await;
    let r = put(
        app,
        &format!("/api/v1/parcours/{id}/planning"),
        planning_body(&semaines_passees(n as usize), heure),
        cookie,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    (id, codes)
}

/// The sessions of a dossier, in order.
pub fn seances(d: &Value) -> Vec<Value> {
    d["seances"].as_array().unwrap().clone()
}

/// Holds a session at its planned time with `code`.
pub async fn tenir(app: &TestApp, cookie: &str, seance: &Value, code: &str) -> Resp {
    let debut = seance["debut"].as_str().unwrap();
    let body = json!({ "code": code, "date": &debut[..10], "heure": &debut[11..16] });
    app.post(&format!("/api/v1/seances/{}/tenue", seance["id"]), body, cookie).await
}

pub async fn pass_etat(app: &TestApp, code: &str) -> (String, Option<i64>, Option<i64>) {
    let compact: String = code.chars().filter(|c| *c != '-').collect();
    on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT etat, credited_structure_id, seance_id FROM passes WHERE code = $1"
    )
    .bind(compact)
    .fetch_one(cx)
    .await)
    .unwrap()
}

pub async fn audit_count(app: &TestApp, entity: &str, action: &str) -> i64 {
    let (n,): (i64,) = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT COUNT(*) FROM audit_log WHERE entity = $1 AND action = $2"
    )
    .bind(entity)
    .bind(action)
    .fetch_one(cx)
    .await)
    .unwrap();
    n
}

/// Holds every session of the parcours at its planned time, one code each.
pub async fn tout_tenir(app: &TestApp, cookie: &str, id: i64, codes: &[String]) {
    let d = dossier(app, cookie, id).await;
    for (s, code) in seances(&d).iter().zip(codes) {
        let r = tenir(app, cookie, s, code).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
}

/// A whole parcours lived, with every step's data: intake with `body` (a past reception date),
/// diagnostic, objectives, schedule, every session held with a report on the first, final
/// diagnostic and bilan. Returns its id.
pub async fn parcours_complet(app: &TestApp, cookie: &str, body: Value) -> i64 {
    let n = body["nb_passes"].as_str().unwrap().parse::<u8>().unwrap();
    let codes: Vec<String> =
        body["codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect();
    let id = app.intake(cookie, body).await;
    diagnostic(app, cookie, id).await;
    objectifs(app, cookie, id, n as i64).await;
    let r = put(
        app,
        &format!("/api/v1/parcours/{id}/planning"),
        planning_body(&semaines_passees(n as usize), "10:00"),
        cookie,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    tout_tenir(app, cookie, id, &codes).await;
    let d = dossier(app, cookie, id).await;
    let cr = json!({ "thematiques": ["diagnostic_numerique"], "duree_minutes": "60", "materiel": ["telephone"], "autonomie": "entierement_accompagne", "notes": "A envoyé son premier courriel." });
    let r = put(app, &format!("/api/v1/seances/{}/compte-rendu", seances(&d)[0]["id"]), cr, cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let final_ = json!({ "niveaux": { "1.1": "autonome", "2.1": "partiellement_autonome", "4.1": "entierement_accompagne", "5.2": "autonome" } });
    assert_eq!(
        put(app, &format!("/api/v1/parcours/{id}/diagnostics/final"), final_, cookie).await.status,
        StatusCode::OK
    );
    let atteints: serde_json::Map<String, Value> = d["objectifs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["competence"].as_str().unwrap().to_string(), json!(true)))
        .collect();
    let bilan = json!({ "objectifs_atteints": atteints, "orientation": "aide_aux_demarches_administratives", "recommandations": "Venir aux ateliers du jeudi." });
    let r = put(app, &format!("/api/v1/parcours/{id}/bilan"), bilan, cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    id
}
