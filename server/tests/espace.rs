//! The beneficiary space: personal links (issue, revoke, hashes only), the person's own view and
//! nothing else, throttled guessing, « Je ne pourrai pas venir » only for that person's future
//! planned sessions, the calendar feed behind the « agenda » consent, and the separate small app
//! served under `/espace/`.

mod common;
mod wizard;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use carnet_server::auth::token_hash;
use carnet_server::on;
use carnet_server::secret::Secret;
use carnet_server::{AppState, Config};
use chrono::Duration;
use common::*;
use serde_json::{json, Value};
use std::sync::Arc;
use tower::ServiceExt;

/// A parcours at its sessions: the first two held (a report with private notes on the first),
/// the third still planned in the past, the fourth and fifth moved to 3 and 10 days ahead.
struct Personne {
    parcours: i64,
    beneficiaire: i64,
    seances: Vec<i64>,
    codes: Vec<String>,
}

const NOTES: &str = "Notes privées : situation familiale délicate.";

async fn personne(app: &TestApp, cookie: &str, prenom: &str, seed: u8) -> Personne {
    // Two people of one conseiller: not at the same time.
    let heure = if prenom == "Yann" { "14:00" } else { "10:00" };
    let (id, codes) = wizard::au_stade_seances(app, cookie, prenom, seed, 5, heure).await;
    let d = wizard::dossier(app, cookie, id).await;
    let s = wizard::seances(&d);
    for k in 0..2 {
        let r = wizard::tenir(app, cookie, &s[k], &codes[k]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let cr = json!({ "thematiques": ["diagnostic_numerique"], "duree_minutes": "60", "materiel": ["telephone"], "notes": NOTES });
    let r = wizard::put(app, &format!("/api/v1/seances/{}/compte-rendu", s[0]["id"]), cr, cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let ids: Vec<i64> = s.iter().map(|x| x["id"].as_i64().unwrap()).collect();
    for (k, days) in [(3, 3), (4, 10)] {
        let debut = app.clock.now() + Duration::days(days);
        on!(app.db.acquire().await.unwrap(), |cx| sqlx::query("UPDATE seances SET debut = $1, fin = $2 WHERE id = $3")
            .bind(debut)
            .bind(debut + Duration::hours(1))
            .bind(ids[k])
            .execute(cx)
            .await
            .map(|r| r.rows_affected()))
        .unwrap();
    }
    let (beneficiaire,): (i64,) =
        on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as("SELECT beneficiaire_id FROM parcours WHERE id = $1")
            .bind(id)
            .fetch_one(cx)
            .await)
        .unwrap();
    Personne { parcours: id, beneficiaire, seances: ids, codes }
}

/// Issues the personal link; returns (token, short code).
async fn lien(app: &TestApp, cookie: &str, parcours: i64) -> (String, String) {
    let r = app.post(&format!("/api/v1/parcours/{parcours}/lien"), json!({}), cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let url = r.body["url"].as_str().unwrap();
    let token = url.split_once("/espace/#").expect("the token is in the fragment").1.to_string();
    (token, r.body["code"].as_str().unwrap().to_string())
}

/// The calendar's token of a space, read from the address of its `.ics` file.
async fn agenda_de(app: &TestApp, token: &str) -> String {
    let r = app.porteur(Method::GET, "/api/v1/espace", token, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let ics = r.body["ics"].as_str().unwrap();
    let t = ics.strip_prefix("/api/v1/agenda/").and_then(|t| t.strip_suffix("/seances.ics"));
    t.unwrap_or_else(|| panic!("the file's address holds the calendar's token: {ics}")).to_string()
}

async fn anon(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> Resp {
    app.request(method, path, body, None).await
}

async fn statut(app: &TestApp, seance: i64) -> (String, Option<chrono::DateTime<chrono::Utc>>) {
    on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT statut, prevenu_par_personne_at FROM seances WHERE id = $1"
    )
    .bind(seance)
    .fetch_one(cx)
    .await)
    .unwrap()
}

#[tokio::test]
async fn a_token_gives_one_persons_own_data_and_nothing_else() {
    let app = TestApp::with_config(Config { secret: secret(), ..Default::default() }).await;
    let (_, cookie) = app.conseiller("S", "a@exemple.fr").await;
    let zoe = personne(&app, &cookie, "Zoé", 10).await;
    let yann = personne(&app, &cookie, "Yann", 11).await;
    let (token, code) = lien(&app, &cookie, zoe.parcours).await;
    lien(&app, &cookie, yann.parcours).await;

    // Only hashes are stored.
    assert_eq!(app.count("liens_jetons").await, 2);
    let (stored,): (String,) = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT j.token_hash FROM liens_jetons j JOIN liens_personnels l ON l.id = j.lien_id ORDER BY l.id LIMIT 1"
    )
    .fetch_one(cx)
    .await)
    .unwrap();
    assert_eq!(stored, token_hash(&token));
    let (code_hash,): (String,) = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT code_hash FROM liens_personnels ORDER BY id LIMIT 1"
    )
    .fetch_one(cx)
    .await)
    .unwrap();
    assert_eq!(code_hash, secret().hmac(&code.replace('-', "")));
    assert!(token.len() >= 43, "at least 256 bits in base64url: {token}");

    let r = app.porteur(Method::GET, "/api/v1/espace", &token, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.headers.get("cache-control").unwrap(), "no-store");
    let e = &r.body;
    assert_eq!(e["prenom"], "Zoé");
    assert_eq!(e["seances_tenues"], 2);
    assert_eq!(e["seances_total"], 5);
    assert_eq!(e["prochaine"]["id"], zoe.seances[3]);
    assert_eq!(e["prochaine"]["peut_prevenir"], true);
    assert_eq!(e["prochaine"]["numero"], "Séance 4 sur 5");
    assert!(e["prochaine"]["apporter"].as_array().unwrap().iter().any(|a| a == "Votre carnet de Pass numérique"));
    assert!(
        e["prochaine"]["apporter"].as_array().unwrap().iter().any(|a| a.as_str().unwrap().contains("téléphone")),
        "{e}"
    );
    assert_eq!(e["suivantes"].as_array().unwrap().len(), 1);
    assert_eq!(e["tenues"].as_array().unwrap().len(), 2);
    assert!(!e["tenues"][1]["appris"].as_array().unwrap().is_empty(), "what was learned: {e}");
    assert!(!e["objectifs"].as_array().unwrap().is_empty());
    assert!(e["bilan"].is_null(), "no bilan before the parcours is closed");
    assert!(e["agenda"].is_null(), "no feed without the « agenda » consent");
    // Nothing of anyone else, nothing staff-only.
    for absent in ["Yann", NOTES, "petits-enfants", "31 %", "CN-10", "a@exemple.fr"] {
        assert!(!r.text.contains(absent), "« {absent} » must not be in the person's space: {}", r.text);
    }
    for c in zoe.codes.iter().chain(&yann.codes) {
        assert!(!r.text.contains(c.as_str()) && !r.text.contains(&c.replace('-', "")), "pass codes are not shown");
    }
    // Another person's session through this token: 404, nothing written.
    let audit = app.count("audit_log").await;
    let r = app
        .porteur(Method::POST, &format!("/api/v1/espace/seances/{}/absence", yann.seances[3]), &token, Some(json!({})))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    assert_eq!(statut(&app, yann.seances[3]).await.0, "prevue");
    assert_eq!(app.count("audit_log").await, audit);

    // The staff side is the structure's only.
    let (_, other) = app.conseiller("Autre", "b@exemple.fr").await;
    let path = format!("/api/v1/parcours/{}/lien", zoe.parcours);
    assert_eq!(app.get(&path, &other).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.post(&path, json!({}), &other).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.request(Method::DELETE, &path, None, Some(&other)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(anon(&app, Method::GET, &path, None).await.status, StatusCode::UNAUTHORIZED);
    let r = app.get(&path, &cookie).await;
    assert_eq!(r.body["actif"], true);
    assert!(r.body["cree"].as_str().unwrap().contains(" à "), "{}", r.text);
    // The link's token is never shown again.
    assert!(!r.text.contains(&token));
}

#[tokio::test]
async fn a_revoked_or_replaced_token_answers_404() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@exemple.fr").await;
    let zoe = personne(&app, &cookie, "Zoé", 20).await;
    let (t1, c1) = lien(&app, &cookie, zoe.parcours).await;
    let view = |t: &String| {
        let t = t.clone();
        let app = &app;
        async move { app.porteur(Method::GET, "/api/v1/espace", &t, None).await }
    };
    assert_eq!(view(&t1).await.status, StatusCode::OK);
    let a1 = agenda_de(&app, &t1).await;

    // Re-issued: the old link and code stop working.
    let (t2, c2) = lien(&app, &cookie, zoe.parcours).await;
    assert_ne!(t1, t2);
    assert_eq!(view(&t1).await.status, StatusCode::NOT_FOUND);
    let r = anon(&app, Method::GET, &format!("/api/v1/agenda/{a1}/seances.ics"), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "the old link's calendar stops with it: {}", r.text);
    assert_eq!(
        anon(&app, Method::POST, "/api/v1/espace/code", Some(json!({"code": c1}))).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(view(&t2).await.status, StatusCode::OK);
    let a2 = agenda_de(&app, &t2).await;
    assert_ne!(a1, a2);

    // Revoked: every way in is closed, the ics and the absence too.
    let r = app.request(Method::DELETE, &format!("/api/v1/parcours/{}/lien", zoe.parcours), None, Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["actif"], false);
    for (m, p) in [
        (Method::GET, "/api/v1/espace".to_string()),
        (Method::POST, format!("/api/v1/espace/seances/{}/absence", zoe.seances[3])),
    ] {
        let r = app.porteur(m, &p, &t2, Some(json!({}))).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{p}: {}", r.text);
    }
    for p in [format!("/api/v1/agenda/{a2}/seances.ics"), format!("/api/v1/agenda/{a2}.ics")] {
        let r = anon(&app, Method::GET, &p, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{p}: {}", r.text);
    }
    assert_eq!(
        anon(&app, Method::POST, "/api/v1/espace/code", Some(json!({"code": c2}))).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(statut(&app, zoe.seances[3]).await.0, "prevue");

    // Anonymisation revokes it too, and no new one can be issued.
    let (t3, _) = lien(&app, &cookie, zoe.parcours).await;
    let r = app.post(&format!("/api/v1/beneficiaires/{}/anonymisation", zoe.beneficiaire), json!({}), &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(view(&t3).await.status, StatusCode::NOT_FOUND);
    let r = app.post(&format!("/api/v1/parcours/{}/lien", zoe.parcours), json!({}), &cookie).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert!(r.text.contains("L'identité de cette personne a été effacée"), "{}", r.text);
    let (n,): (i64,) = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT COUNT(*) FROM liens_personnels WHERE revoked_at IS NULL"
    )
    .fetch_one(cx)
    .await)
    .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn the_short_code_opens_the_space_and_guessing_is_throttled() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@exemple.fr").await;
    let zoe = personne(&app, &cookie, "Zoé", 30).await;
    let (_, code) = lien(&app, &cookie, zoe.parcours).await;
    assert_eq!(code.len(), 9, "ABCD-EFGH: {code}");

    // Typed loosely (lower case, spaces): a new token for the same space.
    let typed = code.to_lowercase().replace('-', " ");
    let r = anon(&app, Method::POST, "/api/v1/espace/code", Some(json!({"code": typed}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let t = r.body["jeton"].as_str().unwrap().to_string();
    let r = app.porteur(Method::GET, "/api/v1/espace", &t, None).await;
    assert_eq!(r.body["prenom"], "Zoé");

    // Not a code at all: the field says why, nothing is counted.
    let r = anon(&app, Method::POST, "/api/v1/espace/code", Some(json!({"code": "abc"}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body["fields"]["code"].as_str().unwrap().starts_with("Code :"));
    assert_eq!(app.count("login_failures").await, 0);

    // Wrong codes: refused, then throttled — even the right code waits.
    for i in 0..10 {
        let wrong = format!("ZZZZ{:04}", "");
        let wrong = format!(
            "{}{}",
            &wrong[..4],
            ["ABCD", "EFGH", "JKLM", "NPQR", "STUV", "WXYZ", "2345", "6723", "AB23", "CD45"][i]
        );
        let r = anon(&app, Method::POST, "/api/v1/espace/code", Some(json!({"code": wrong}))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "attempt {i}: {}", r.text);
    }
    let r = anon(&app, Method::POST, "/api/v1/espace/code", Some(json!({"code": code}))).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    assert!(r.headers.get("retry-after").is_some());
    assert!(r.body["error"].as_str().unwrap().contains("Réessayez"));

    // Unknown tokens: 404, then 429 after 30 from the same address.
    for i in 0..30 {
        let fake = format!("{:0>43}", i);
        let r = app.porteur(Method::GET, "/api/v1/espace", &fake, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "attempt {i}");
    }
    let r = app.porteur(Method::GET, "/api/v1/espace", &t, None).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn je_ne_pourrai_pas_venir_only_for_that_persons_future_planned_sessions() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@exemple.fr").await;
    let zoe = personne(&app, &cookie, "Zoé", 40).await;
    let yann = personne(&app, &cookie, "Yann", 41).await;
    let (token, _) = lien(&app, &cookie, zoe.parcours).await;
    let absence = |s: i64| format!("/api/v1/espace/seances/{s}/absence");

    let audit = app.count("audit_log").await;
    // Held, planned but past, another person's, nonexistent: refused, nothing written.
    for (s, expected) in [
        (zoe.seances[0], StatusCode::CONFLICT),
        (zoe.seances[2], StatusCode::CONFLICT),
        (yann.seances[3], StatusCode::NOT_FOUND),
        (999_999, StatusCode::NOT_FOUND),
    ] {
        let r = app.porteur(Method::POST, &absence(s), &token, Some(json!({}))).await;
        assert_eq!(r.status, expected, "séance {s}: {}", r.text);
        assert!(r.body["error"].is_string());
    }
    assert_eq!(statut(&app, zoe.seances[0]).await.0, "tenue");
    assert_eq!(statut(&app, zoe.seances[2]).await.0, "prevue");
    assert_eq!(statut(&app, yann.seances[3]).await.0, "prevue");
    assert_eq!(app.count("audit_log").await, audit);

    // Her next session: excused, told by her, audited without a user.
    let r = app.porteur(Method::POST, &absence(zoe.seances[3]), &token, Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.body["message"].as_str().unwrap().starts_with("C'est noté"));
    let (st, prevenu) = statut(&app, zoe.seances[3]).await;
    assert_eq!(st, "absente_excusee");
    assert!(prevenu.is_some());
    let (user, after): (Option<i64>, String) = on!(app.db.acquire().await.unwrap(), |cx| {
        sqlx::query_as(
        "SELECT user_id, after_json FROM audit_log WHERE entity = 'seance' AND entity_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(zoe.seances[3])
    .fetch_one(cx)
    .await
    })
    .unwrap();
    assert_eq!(user, None);
    assert!(after.contains("\"par\":\"beneficiaire\""), "{after}");
    // Twice: refused.
    assert_eq!(
        app.porteur(Method::POST, &absence(zoe.seances[3]), &token, Some(json!({}))).await.status,
        StatusCode::CONFLICT
    );

    // Her page now shows it cancelled and the next one as next.
    let e = app.porteur(Method::GET, "/api/v1/espace", &token, None).await.body;
    assert_eq!(e["prochaine"]["id"], zoe.seances[4]);
    assert_eq!(e["suivantes"][0]["etat"], "Vous avez prévenu : vous ne viendrez pas");
    assert_eq!(e["suivantes"][0]["peut_prevenir"], false);

    // The conseiller's dashboard says who told.
    let d = app.get("/api/v1/tableau-de-bord", &cookie).await;
    let s = d.body["prochaines_seances"].as_array().unwrap().iter().find(|s| s["seance_id"] == zoe.seances[3]).cloned();
    let s = s.unwrap_or_else(|| panic!("the excused session is on the dashboard: {}", d.text));
    assert_eq!(s["statut"], "absente_excusee");
    assert_eq!(s["prevenu_par_personne"], true);
    let other = d.body["prochaines_seances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["seance_id"] == yann.seances[3])
        .unwrap()
        .clone();
    assert_eq!(other["prevenu_par_personne"], false);
    // And so does the parcours' list of sessions.
    let dossier = wizard::dossier(&app, &cookie, zoe.parcours).await;
    let flags: Vec<bool> =
        wizard::seances(&dossier).iter().map(|s| s["prevenu_par_personne"].as_bool().unwrap()).collect();
    assert_eq!(flags, [false, false, false, true, false]);
}

#[tokio::test]
async fn the_calendar_feed_needs_the_agenda_consent() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@exemple.fr").await;
    let zoe = personne(&app, &cookie, "Zoé", 50).await;
    personne(&app, &cookie, "Yann", 51).await;
    let (token, _) = lien(&app, &cookie, zoe.parcours).await;
    let agenda = agenda_de(&app, &token).await;
    let feed = format!("/api/v1/agenda/{agenda}.ics");

    assert_eq!(anon(&app, Method::GET, &feed, None).await.status, StatusCode::NOT_FOUND);
    // The one-off download needs no consent.
    let r = anon(&app, Method::GET, &format!("/api/v1/agenda/{agenda}/seances.ics"), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers.get("content-disposition").unwrap().to_str().unwrap().starts_with("attachment"));
    assert!(r.text.starts_with("BEGIN:VCALENDAR"));
    assert_eq!(r.text.matches("BEGIN:VEVENT").count(), 5, "her five sessions, nobody else's");
    assert!(!r.text.contains("Yann") && !r.text.contains(NOTES));

    let consent = format!("/api/v1/beneficiaires/{}/consentements", zoe.beneficiaire);
    assert_eq!(
        app.post(&consent, json!({"consentement": "agenda", "accorde": true}), &cookie).await.status,
        StatusCode::OK
    );
    let r = anon(&app, Method::GET, &feed, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.headers.get("content-type").unwrap().to_str().unwrap().starts_with("text/calendar"));
    assert!(r.headers.get("content-disposition").is_none(), "a feed, not a download");
    let e = app.porteur(Method::GET, "/api/v1/espace", &token, None).await.body;
    assert!(e["agenda"].as_str().unwrap().ends_with(&feed), "{e}");
    assert_eq!(app.get(&format!("/api/v1/parcours/{}/lien", zoe.parcours), &cookie).await.body["agenda"], true);

    // Withdrawn: the feed stops.
    assert_eq!(
        app.post(&consent, json!({"consentement": "agenda", "accorde": false}), &cookie).await.status,
        StatusCode::OK
    );
    assert_eq!(anon(&app, Method::GET, &feed, None).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_issued_link_comes_with_its_qr_code_and_the_bilan_shows_once_closed() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@exemple.fr").await;
    let mut body = wizard::intake_passe("Zoé", 60, 5);
    body["information"] = json!({"notice_id": 1, "notice_remise": true});
    let p = wizard::parcours_complet(&app, &cookie, body).await;
    let r = app.post(&format!("/api/v1/parcours/{p}/cloture"), json!({}), &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app.post(&format!("/api/v1/parcours/{p}/lien"), json!({}), &cookie).await;
    let svg = r.body["qr_svg"].as_str().unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("</svg>"), "{svg}");
    assert!(r.body["accueil"].as_str().unwrap().ends_with("/espace/"));
    let token = r.body["url"].as_str().unwrap().split_once('#').unwrap().1.to_string();
    let e = app.porteur(Method::GET, "/api/v1/espace", &token, None).await.body;
    assert_eq!(e["termine"], true);
    assert!(e["prochaine"].is_null());
    assert_eq!(e["bilan"]["recommandations"], "Venir aux ateliers du jeudi.");
    assert_eq!(e["bilan"]["atteints"], e["bilan"]["total"]);
    assert!(e["objectifs"].as_array().unwrap().iter().all(|o| o["texte"] == "Objectif atteint"));
}

fn fake_dist() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<!doctype html><title>staff</title>").unwrap();
    std::fs::create_dir(dir.path().join("espace")).unwrap();
    let index = "<!doctype html><title>espace</title><script type=\"module\">import init from '/espace/espace-0123456789abcdef.js';</script>";
    std::fs::write(dir.path().join("espace/index.html"), index).unwrap();
    std::fs::write(dir.path().join("espace/espace-0123456789abcdef.js"), "console.log('espace')").unwrap();
    dir
}

#[tokio::test]
async fn the_space_is_its_own_small_app_under_espace() {
    let dist = fake_dist();
    let app = TestApp::with_config(Config { dist_dir: Some(dist.path().to_path_buf()), ..Default::default() }).await;
    for path in ["/espace/", "/espace/code", "/espace/index.html"] {
        let r = app.send(Request::builder().uri(path).body(Body::empty()).unwrap()).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(r.text.contains("<title>espace</title>"), "{path}: {}", r.text);
        let csp = r.headers.get("content-security-policy").unwrap().to_str().unwrap();
        assert!(csp.contains("'sha256-"), "its loader is allowed by hash: {csp}");
    }
    let r = app.send(Request::builder().uri("/espace").body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(r.headers.get("location").unwrap(), "/espace/");
    let r = app.send(Request::builder().uri("/espace/espace-0123456789abcdef.js").body(Body::empty()).unwrap()).await;
    assert_eq!(r.text, "console.log('espace')");
    assert_eq!(r.headers.get("cache-control").unwrap(), "public, max-age=31536000, immutable");
    // The staff app still answers its own routes.
    let r = app.send(Request::builder().uri("/beneficiaires/3").body(Body::empty()).unwrap()).await;
    assert!(r.text.contains("<title>staff</title>"));
}

#[tokio::test]
async fn the_space_lists_the_nearest_places_that_accept_the_pass() {
    let app = TestApp::new().await;
    // The demo data: venues in Brittany, some accepting the Pass; a parcours of a person in Brest.
    assert!(carnet_server::seed::seed_demo_if_new(&app.db, app.clock.now()).await.unwrap());
    let cookie = app.login(carnet_server::seed::DEMO_EMAIL, carnet_server::seed::DEMO_PASSWORD).await;
    let (parcours,): (i64,) =
        on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as("SELECT MIN(id) FROM parcours").fetch_one(cx).await)
            .unwrap();
    let (token, _) = lien(&app, &cookie, parcours).await;
    let r = app.porteur(Method::GET, "/api/v1/espace", &token, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let lieux = r.body["lieux"].as_array().unwrap();
    assert!(!lieux.is_empty() && lieux.len() <= 3, "{}", r.text);
    // Only places that accept the Pass, nearest first.
    let (acceptent,): (i64,) = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT COUNT(*) FROM lieux WHERE accepte_pass = TRUE"
    )
    .fetch_one(cx)
    .await)
    .unwrap();
    assert!(acceptent >= lieux.len() as i64);
    let km: Vec<f64> = lieux
        .iter()
        .map(|l| {
            l["distance"]
                .as_str()
                .unwrap()
                .trim_start_matches("à ")
                .trim_end_matches(" km")
                .replace(',', ".")
                .parse()
                .unwrap()
        })
        .collect();
    assert!(km.windows(2).all(|w| w[0] <= w[1]), "{km:?}");
}

/// The dashboard's « À traiter »: what the person told from her phone, a session over and still
/// planned, a held session without its report; each leaves the list once dealt with.
#[tokio::test]
async fn the_to_do_list_shows_what_needs_the_conseillere_and_empties_as_she_acts() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@exemple.fr").await;
    let zoe = personne(&app, &cookie, "Zoé", 40).await;
    let (token, _) = lien(&app, &cookie, zoe.parcours).await;
    let r = app
        .porteur(Method::POST, &format!("/api/v1/espace/seances/{}/absence", zoe.seances[3]), &token, Some(json!({})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    let a_traiter = || async {
        let t = app.get("/api/v1/tableau-de-bord", &cookie).await;
        assert_eq!(t.status, StatusCode::OK, "{}", t.text);
        t.body["a_traiter"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| (a["seance_id"].as_i64().unwrap(), a["motif"].as_str().unwrap().to_string()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        a_traiter().await,
        vec![
            (zoe.seances[1], "sans_compte_rendu".to_string()),
            (zoe.seances[2], "non_renseignee".to_string()),
            (zoe.seances[3], "absence_prevenue".to_string()),
        ]
    );
    // Another structure's conseillère sees none of it.
    let (_, autre) = app.conseiller("Autre", "b@exemple.fr").await;
    assert_eq!(app.get("/api/v1/tableau-de-bord", &autre).await.body["a_traiter"], json!([]));

    // The report written, the past session marked missed, the excused one replaced.
    let cr = json!({ "thematiques": ["email"], "duree_minutes": "60", "materiel": ["telephone"] });
    let r = wizard::put(&app, &format!("/api/v1/seances/{}/compte-rendu", zoe.seances[1]), cr, &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .post(
            &format!("/api/v1/seances/{}/absence", zoe.seances[2]),
            json!({ "statut": "absente_non_excusee" }),
            &cookie,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let url = format!("/api/v1/seances/{}/remplacement", zoe.seances[3]);
    // A held session is not replaced, and a bad date changes nothing.
    let r = app.post(&format!("/api/v1/seances/{}/remplacement", zoe.seances[0]), json!({}), &cookie).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let r = app.post(&url, json!({ "date": "demain", "heure": "10:00" }), &cookie).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let jour = wizard::iso(jour_ouvre_dans(20));
    let r = app.post(&url, json!({ "date": jour, "heure": "16:00" }), &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(a_traiter().await, vec![]);
    let again = app.post(&url, json!({ "date": jour, "heure": "17:30" }), &cookie).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    let d = wizard::dossier(&app, &cookie, zoe.parcours).await;
    let remplacante = wizard::seances(&d).into_iter().find(|s| s["remplace"] == zoe.seances[3]).unwrap();
    assert_eq!(remplacante["statut"], "prevue");
}

#[tokio::test]
async fn revoked_links_still_polled_are_not_counted_as_guesses() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@exemple.fr").await;
    let zoe = personne(&app, &cookie, "Zoé", 31).await;
    let (ancien, _) = lien(&app, &cookie, zoe.parcours).await;
    let ancien = agenda_de(&app, &ancien).await;
    let (nouveau, _) = lien(&app, &cookie, zoe.parcours).await;
    // A calendar app keeps polling the replaced link's feed, more often than guesses are allowed.
    for i in 0..40 {
        let r = anon(&app, Method::GET, &format!("/api/v1/agenda/{ancien}.ics"), None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "poll {i}: {}", r.text);
    }
    assert_eq!(app.count("login_failures").await, 0);
    // The person's working link, from the same address, still opens.
    let r = app.porteur(Method::GET, "/api/v1/espace", &nouveau, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

/// The server's secret in these tests.
fn secret() -> Secret {
    Secret::lire(&"5a".repeat(32)).unwrap()
}

/// The code typed on the home page, through `router` (another server on the same database).
async fn taper(router: &axum::Router, code: &str) -> StatusCode {
    let req = axum::http::Request::post("/api/v1/espace/code")
        .header("content-type", "application/json")
        .body(Body::from(json!({ "code": code }).to_string()))
        .unwrap();
    router.clone().oneshot(req).await.unwrap().status()
}

/// Wrong codes counted against client addresses.
async fn essais(app: &TestApp) -> i64 {
    let (n,): (i64,) = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT COUNT(*) FROM login_failures WHERE throttle_key LIKE 'espace:code:ip:%'"
    )
    .fetch_one(cx)
    .await)
    .unwrap();
    n
}

async fn code_hash(app: &TestApp, parcours: i64) -> String {
    let (h,): (String,) = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT code_hash FROM liens_personnels WHERE parcours_id = $1 AND revoked_at IS NULL"
    )
    .bind(parcours)
    .fetch_one(cx)
    .await)
    .unwrap();
    h
}

#[tokio::test]
async fn a_short_code_is_stored_under_the_servers_secret_and_opens_nothing_under_another() {
    let app = TestApp::with_config(Config { secret: secret(), ..Default::default() }).await;
    let (_, cookie) = app.conseiller("S", "a@exemple.fr").await;
    let parcours = app.intake(&cookie, intake_body("Zoé", 40, 5)).await;
    let (_, code) = lien(&app, &cookie, parcours).await;
    let code = code.replace('-', "");

    // Not the plain SHA-256 anyone could recompute for the 2^39 codes: the HMAC under the secret.
    let stored = code_hash(&app, parcours).await;
    assert_ne!(stored, token_hash(&code));
    assert_eq!(stored, secret().hmac(&code));

    // The same database served with another secret: the code is a wrong code there.
    let autre = carnet_server::app(AppState::new(
        app.db.clone(),
        Arc::new(Config { secret: Secret::lire(&"a5".repeat(32)).unwrap(), ..Default::default() }),
        app.clock.clone(),
    ));
    assert_eq!(taper(&autre, &code).await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(essais(&app).await, 1);
    assert_eq!(taper(&app.router, &code).await, StatusCode::OK);
}

#[tokio::test]
async fn a_code_stored_as_plain_sha256_opens_once_then_is_stored_under_the_secret() {
    let app = TestApp::with_config(Config { secret: secret(), ..Default::default() }).await;
    let (_, cookie) = app.conseiller("S", "a@exemple.fr").await;
    let zoe = app.intake(&cookie, intake_body("Zoé", 41, 5)).await;
    let yann = app.intake(&cookie, intake_body("Yann", 42, 5)).await;
    let (_, code) = lien(&app, &cookie, zoe).await;
    let (_, code_yann) = lien(&app, &cookie, yann).await;
    let (code, code_yann) = (code.replace('-', ""), code_yann.replace('-', ""));
    // Both issued before the server had a secret: their plain SHA-256, as migration 0006 kept it.
    for (parcours, c) in [(zoe, &code), (yann, &code_yann)] {
        on!(app.db.acquire().await.unwrap(), |cx| sqlx::query(
            "UPDATE liens_personnels SET code_hash = $1 WHERE parcours_id = $2"
        )
        .bind(token_hash(c))
        .bind(parcours)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))
        .unwrap();
    }
    // Yann's link is then revoked: its old code opens nothing.
    let r = app.request(Method::DELETE, &format!("/api/v1/parcours/{yann}/lien"), None, Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(taper(&app.router, &code_yann).await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(essais(&app).await, 1, "a code that opens nothing is a guess, as before");

    // Zoé's opens her space, and is stored as the HMAC from then on; it was no guess.
    let r = anon(&app, Method::POST, "/api/v1/espace/code", Some(json!({ "code": code }))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app.porteur(Method::GET, "/api/v1/espace", r.body["jeton"].as_str().unwrap(), None).await;
    assert_eq!(r.body["prenom"], "Zoé");
    assert_eq!(code_hash(&app, zoe).await, secret().hmac(&code));
    assert_eq!(essais(&app).await, 1);
    // And it keeps opening it.
    assert_eq!(taper(&app.router, &code).await, StatusCode::OK);

    // A wrong code still counts once, and ten lock the address as before.
    for i in 0..9 {
        // Another first letter than the code's, and a last one per attempt.
        let premiere = if code.starts_with('Z') { "A" } else { "Z" };
        let wrong = format!("{premiere}{}{}", &code[1..7], ["2", "3", "4", "5", "6", "7", "B", "C", "D"][i]);
        assert_ne!(wrong, code);
        assert_eq!(taper(&app.router, &wrong).await, StatusCode::UNPROCESSABLE_ENTITY, "attempt {i}");
        assert_eq!(essais(&app).await, 2 + i as i64);
    }
    assert_eq!(taper(&app.router, &code).await, StatusCode::TOO_MANY_REQUESTS);
}

/// The page sends the token in `Authorization: Bearer`: proxies log paths, not that header. The
/// old addresses with the token in the path answer nothing.
#[tokio::test]
async fn the_space_takes_its_token_in_the_authorization_header_only() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@exemple.fr").await;
    let zoe = personne(&app, &cookie, "Zoé", 70).await;
    let (token, _) = lien(&app, &cookie, zoe.parcours).await;

    let r = app.porteur(Method::GET, "/api/v1/espace", &token, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.headers.get("cache-control").unwrap(), "no-store");
    assert_eq!(r.body["prenom"], "Zoé");

    // No header, or not a « Bearer » one: 401 saying what is missing, and no guess counted.
    let sans = anon(&app, Method::GET, "/api/v1/espace", None).await;
    assert_eq!(sans.status, StatusCode::UNAUTHORIZED, "{}", sans.text);
    assert!(sans.body["error"].as_str().unwrap().starts_with("Authorization : "), "{}", sans.text);
    for valeur in [format!("Basic {token}"), "Bearer ".to_string(), token.clone()] {
        let req = Request::get("/api/v1/espace").header("authorization", valeur.as_str()).body(Body::empty()).unwrap();
        let r = app.send(req).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "« {valeur} »: {}", r.text);
        assert!(r.body["error"].as_str().unwrap().contains("Bearer"), "{}", r.text);
    }
    let absence = format!("/api/v1/espace/seances/{}/absence", zoe.seances[3]);
    for p in [absence.as_str(), "/api/v1/espace/rappels/arret"] {
        let r = anon(&app, Method::POST, p, Some(json!({}))).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{p}: {}", r.text);
    }
    assert_eq!(app.count("login_failures").await, 0);
    assert_eq!(statut(&app, zoe.seances[3]).await.0, "prevue");

    // The token in the path: gone, whatever the path.
    for (m, p) in [
        (Method::GET, format!("/api/v1/espace/{token}")),
        (Method::GET, format!("/api/v1/espace/{token}/seances.ics")),
        (Method::GET, format!("/api/v1/espace/{token}/agenda.ics")),
        (Method::POST, format!("/api/v1/espace/{token}/seances/{}/absence", zoe.seances[3])),
        (Method::POST, format!("/api/v1/espace/{token}/rappels/arret")),
    ] {
        let r = anon(&app, m, &p, Some(json!({}))).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{p}: {}", r.text);
    }
    assert_eq!(statut(&app, zoe.seances[3]).await.0, "prevue");

    // With the header, « Je ne pourrai pas venir » works, and is not kept by any cache.
    let r = app.porteur(Method::POST, &absence, &token, Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.headers.get("cache-control").unwrap(), "no-store");
    assert_eq!(statut(&app, zoe.seances[3]).await.0, "absente_excusee");
}

/// The calendar's token, given to calendar services and sitting in their logs, reads the
/// calendar and nothing else; the space's token does not read the calendar's addresses either.
#[tokio::test]
async fn the_calendar_token_only_reads_the_calendar() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@exemple.fr").await;
    let zoe = personne(&app, &cookie, "Zoé", 71).await;
    let (token, _) = lien(&app, &cookie, zoe.parcours).await;
    let consent = format!("/api/v1/beneficiaires/{}/consentements", zoe.beneficiaire);
    let r = app.post(&consent, json!({"consentement": "agenda", "accorde": true}), &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let agenda = agenda_de(&app, &token).await;
    assert_ne!(agenda, token);
    assert_eq!(agenda.len(), 43, "256 bits in base64url: {agenda}");
    // Stored as its SHA-256 only.
    let (hash,): (String,) = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT token_hash FROM liens_agenda WHERE revoked_at IS NULL"
    )
    .fetch_one(cx)
    .await)
    .unwrap();
    assert_eq!(hash, token_hash(&agenda));
    // The space shows the feed's address, built on the calendar's token, twice the same.
    let e = app.porteur(Method::GET, "/api/v1/espace", &token, None).await.body;
    let feed = e["agenda"].as_str().unwrap().to_string();
    assert!(feed.ends_with(&format!("/api/v1/agenda/{agenda}.ics")), "{feed}");
    assert!(!feed.contains(&token), "{feed}");
    assert_eq!(agenda_de(&app, &token).await, agenda);

    for p in [format!("/api/v1/agenda/{agenda}.ics"), format!("/api/v1/agenda/{agenda}/seances.ics")] {
        let r = anon(&app, Method::GET, &p, None).await;
        assert_eq!(r.status, StatusCode::OK, "{p}: {}", r.text);
        assert!(r.text.starts_with("BEGIN:VCALENDAR"), "{}", r.text);
    }
    // Not the space, not « Je ne pourrai pas venir ».
    let r = app.porteur(Method::GET, "/api/v1/espace", &agenda, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let audit = app.count("audit_log").await;
    let absence = format!("/api/v1/espace/seances/{}/absence", zoe.seances[3]);
    let r = app.porteur(Method::POST, &absence, &agenda, Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let r = app.porteur(Method::POST, "/api/v1/espace/rappels/arret", &agenda, Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    assert_eq!(statut(&app, zoe.seances[3]).await.0, "prevue");
    assert_eq!(app.count("audit_log").await, audit);
    // The space's token is no calendar token.
    for p in [format!("/api/v1/agenda/{token}.ics"), format!("/api/v1/agenda/{token}/seances.ics")] {
        let r = anon(&app, Method::GET, &p, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{p}: {}", r.text);
    }
}

/// The conseiller revokes or replaces the calendar's token alone: the feed stops, the space
/// still opens; revoking the link stops both.
#[tokio::test]
async fn the_calendar_token_is_revoked_and_replaced_on_its_own() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@exemple.fr").await;
    let zoe = personne(&app, &cookie, "Zoé", 72).await;
    let (token, _) = lien(&app, &cookie, zoe.parcours).await;
    let consent = format!("/api/v1/beneficiaires/{}/consentements", zoe.beneficiaire);
    let r = app.post(&consent, json!({"consentement": "agenda", "accorde": true}), &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let a1 = agenda_de(&app, &token).await;
    let feed = |a: &str| format!("/api/v1/agenda/{a}.ics");
    assert_eq!(anon(&app, Method::GET, &feed(&a1), None).await.status, StatusCode::OK);
    let lien_agenda = format!("/api/v1/parcours/{}/lien/agenda", zoe.parcours);
    assert_eq!(app.get(&format!("/api/v1/parcours/{}/lien", zoe.parcours), &cookie).await.body["jeton_agenda"], true);

    // Another structure: nothing.
    let (_, autre) = app.conseiller("Autre", "b@exemple.fr").await;
    assert_eq!(app.request(Method::DELETE, &lien_agenda, None, Some(&autre)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.post(&lien_agenda, json!({}), &autre).await.status, StatusCode::NOT_FOUND);
    assert_eq!(anon(&app, Method::GET, &feed(&a1), None).await.status, StatusCode::OK);

    // Revoked alone: the calendar stops, the space opens and offers no calendar.
    let r = app.request(Method::DELETE, &lien_agenda, None, Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["actif"], true);
    assert_eq!(r.body["jeton_agenda"], false);
    assert_eq!(anon(&app, Method::GET, &feed(&a1), None).await.status, StatusCode::NOT_FOUND);
    let r = anon(&app, Method::GET, &format!("/api/v1/agenda/{a1}/seances.ics"), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app.porteur(Method::GET, "/api/v1/espace", &token, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["ics"], "");
    assert!(r.body["agenda"].is_null(), "{}", r.text);
    assert_eq!(app.count("login_failures").await, 0, "a revoked calendar token is not a guess");

    // Replaced: a new address, the old one still dead.
    let r = app.post(&lien_agenda, json!({}), &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["jeton_agenda"], true);
    let a2 = agenda_de(&app, &token).await;
    assert_ne!(a1, a2);
    assert_eq!(anon(&app, Method::GET, &feed(&a2), None).await.status, StatusCode::OK);
    assert_eq!(anon(&app, Method::GET, &feed(&a1), None).await.status, StatusCode::NOT_FOUND);
    let (actions,): (i64,) = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'parcours' AND entity_id = $1
         AND action IN ('lien_agenda_revoque', 'lien_agenda_emis')"
    )
    .bind(zoe.parcours)
    .fetch_one(cx)
    .await)
    .unwrap();
    assert_eq!(actions, 2);

    // The link revoked: its calendar with it; without a link, no calendar token to issue.
    let r = app.request(Method::DELETE, &format!("/api/v1/parcours/{}/lien", zoe.parcours), None, Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["jeton_agenda"], false);
    assert_eq!(anon(&app, Method::GET, &feed(&a2), None).await.status, StatusCode::NOT_FOUND);
    let r = app.post(&lien_agenda, json!({}), &cookie).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
}

/// A link stops working 6 months after its parcours closed (the default): its token, its
/// calendar and its short code then answer as a revoked link, and are not counted as guesses.
#[tokio::test]
async fn a_link_expires_six_months_after_the_parcours_closes() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@exemple.fr").await;
    let mut body = wizard::intake_passe("Zoé", 73, 5);
    body["information"] = json!({"notice_id": 1, "notice_remise": true});
    let p = wizard::parcours_complet(&app, &cookie, body).await;
    let (token, code) = lien(&app, &cookie, p).await;
    let r = app.post(&format!("/api/v1/parcours/{p}/cloture"), json!({}), &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Closed at a fixed instant.
    let clos = chrono::DateTime::parse_from_rfc3339("2027-03-15T09:00:00Z").unwrap().to_utc();
    on!(app.db.acquire().await.unwrap(), |cx| sqlx::query("UPDATE parcours SET closed_at = $1 WHERE id = $2")
        .bind(clos)
        .bind(p)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))
    .unwrap();
    let agenda = agenda_de(&app, &token).await;
    let aller = |at: chrono::DateTime<chrono::Utc>| app.clock.step(at - app.clock.now());
    let six_mois = clos.checked_add_months(chrono::Months::new(6)).unwrap();
    let ics = format!("/api/v1/agenda/{agenda}/seances.ics");

    // 6 months − 1 day: all works.
    aller(six_mois - Duration::days(1));
    assert_eq!(app.porteur(Method::GET, "/api/v1/espace", &token, None).await.status, StatusCode::OK);
    assert_eq!(anon(&app, Method::GET, &ics, None).await.status, StatusCode::OK);
    let r = anon(&app, Method::POST, "/api/v1/espace/code", Some(json!({"code": code}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let par_code = r.body["jeton"].as_str().unwrap().to_string();
    // The staff panel says until when (in Paris: 15 September, 11:00).
    let cookie = app.login("a@exemple.fr", "mot-de-passe-de-test").await;
    let r = app.get(&format!("/api/v1/parcours/{p}/lien"), &cookie).await;
    assert_eq!(
        (r.body["actif"].clone(), r.body["expire_le"].clone()),
        (json!(true), json!("mercredi 15 septembre 2027"))
    );
    assert_eq!(r.body["expire"], json!(false), "{}", r.text);

    // 6 months + 1 day: 404 everywhere, as a revoked link, and no guess counted.
    aller(six_mois + Duration::days(1));
    let cookie = app.login("a@exemple.fr", "mot-de-passe-de-test").await;
    let r = app.get(&format!("/api/v1/parcours/{p}/lien"), &cookie).await;
    assert_eq!(r.body["expire"], json!(true), "{}", r.text);
    for t in [&token, &par_code] {
        let r = app.porteur(Method::GET, "/api/v1/espace", t, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
        let r = app.porteur(Method::POST, "/api/v1/espace/rappels/arret", t, Some(json!({}))).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    }
    assert_eq!(anon(&app, Method::GET, &ics, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        anon(&app, Method::GET, &format!("/api/v1/agenda/{agenda}.ics"), None).await.status,
        StatusCode::NOT_FOUND
    );
    // The code typed from the paper: told it expired, and why.
    let r = anon(&app, Method::POST, "/api/v1/espace/code", Some(json!({"code": code}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("ce code a expiré, car votre parcours est terminé depuis plus de 6 mois"), "{}", r.text);
    assert_eq!(app.count("login_failures").await, 0);
    // A new link would open nothing: refused, saying why.
    let r = app.post(&format!("/api/v1/parcours/{p}/lien"), json!({}), &cookie).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert!(r.body["error"].as_str().unwrap().contains("6 mois"), "{}", r.text);
}

/// The delay is the server's setting.
#[tokio::test]
async fn the_expiry_delay_is_a_setting() {
    let app = TestApp::with_config(Config { link_expiry_months: 1, ..Default::default() }).await;
    let (_, cookie) = app.conseiller("S", "a@exemple.fr").await;
    let mut body = wizard::intake_passe("Zoé", 74, 5);
    body["information"] = json!({"notice_id": 1, "notice_remise": true});
    let p = wizard::parcours_complet(&app, &cookie, body).await;
    let (token, _) = lien(&app, &cookie, p).await;
    let r = app.post(&format!("/api/v1/parcours/{p}/cloture"), json!({}), &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    app.clock.step(Duration::days(27));
    assert_eq!(app.porteur(Method::GET, "/api/v1/espace", &token, None).await.status, StatusCode::OK);
    app.clock.step(Duration::days(5));
    assert_eq!(app.porteur(Method::GET, "/api/v1/espace", &token, None).await.status, StatusCode::NOT_FOUND);
}
