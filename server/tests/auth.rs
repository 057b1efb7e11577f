//! Accounts: login, sessions, throttling, and that nothing but login and health is open.

mod common;

use axum::http::{Method, StatusCode};
use carnet_domain::api::Role;
use carnet_server::on;
use common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn health_is_open() {
    let app = TestApp::new().await;
    let r = app.request(Method::GET, "/api/v1/health", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["status"], "ok");
}

#[tokio::test]
async fn login_sets_a_strict_http_only_cookie_and_me_answers() {
    let app = TestApp::new().await;
    let s = app.create_structure("Médiathèque").await;
    app.create_user(Some(s), "camille@example.fr", "un-bon-mot-de-passe", Role::Conseiller).await;
    let r = app
        .request(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"email": "Camille@Example.fr ", "password": "un-bon-mot-de-passe"})),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let set = r.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(set.contains("HttpOnly"), "{set}");
    assert!(set.contains("SameSite=Strict"), "{set}");
    assert!(!set.contains("Secure"), "plain http in tests: {set}");
    let cookie = cookie_of(&r);
    let me = app.get("/api/v1/auth/me", &cookie).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["email"], "camille@example.fr");
    assert_eq!(me.body["role"], "conseiller");
    assert_eq!(me.body["structure"]["nom"], "Médiathèque");
    // The app's question at start: the same user with a session, none without — never a 401.
    let s = app.get("/api/v1/auth/session", &cookie).await;
    assert_eq!((s.status, &s.body["me"]["email"]), (StatusCode::OK, &json!("camille@example.fr")));
    let s = app.request(Method::GET, "/api/v1/auth/session", None, None).await;
    assert_eq!((s.status, &s.body["me"]), (StatusCode::OK, &Value::Null));
    assert!(s.body["maintenant"].is_string());
    let inconnu = format!("{}=inconnu", cookie.split('=').next().unwrap());
    let s = app.get("/api/v1/auth/session", &inconnu).await;
    assert_eq!((s.status, &s.body["me"]), (StatusCode::OK, &Value::Null));
    // The database keeps only a hash of the token.
    let token = cookie.split('=').nth(1).unwrap();
    let (stored,): (String,) =
        on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as("SELECT token_hash FROM sessions")
            .fetch_one(cx)
            .await)
        .unwrap();
    assert_ne!(stored, token);
    assert_eq!(stored.len(), 64);
}

#[tokio::test]
async fn secure_cookie_behind_https() {
    let app = TestApp::with_config(carnet_server::Config { secure_cookie: true, ..Default::default() }).await;
    let s = app.create_structure("S").await;
    app.create_user(Some(s), "a@example.fr", "un-bon-mot-de-passe", Role::Conseiller).await;
    let r = app
        .request(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"email": "a@example.fr", "password": "un-bon-mot-de-passe"})),
            None,
        )
        .await;
    assert!(r.headers.get("set-cookie").unwrap().to_str().unwrap().contains("; Secure"));
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_answer() {
    let app = TestApp::new().await;
    let s = app.create_structure("S").await;
    app.create_user(Some(s), "a@example.fr", "un-bon-mot-de-passe", Role::Conseiller).await;
    let wrong = app
        .request(Method::POST, "/api/v1/auth/login", Some(json!({"email": "a@example.fr", "password": "faux"})), None)
        .await;
    let unknown = app
        .request(Method::POST, "/api/v1/auth/login", Some(json!({"email": "z@example.fr", "password": "faux"})), None)
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.body["error"], "Adresse e-mail ou mot de passe incorrect.");
    assert_eq!(unknown.status, wrong.status);
    assert_eq!(unknown.body, wrong.body);
    assert!(wrong.headers.get("set-cookie").is_none());
}

#[tokio::test]
async fn empty_fields_are_named() {
    let app = TestApp::new().await;
    let r = app.request(Method::POST, "/api/v1/auth/login", Some(json!({"email": "", "password": ""})), None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body["fields"]["email"].as_str().unwrap().contains("obligatoire"));
    assert!(r.body["fields"]["password"].as_str().unwrap().contains("obligatoire"));
}

#[tokio::test]
async fn repeated_failures_are_throttled_even_with_the_right_password() {
    let app = TestApp::new().await;
    let s = app.create_structure("S").await;
    app.create_user(Some(s), "a@example.fr", "un-bon-mot-de-passe", Role::Conseiller).await;
    for _ in 0..5 {
        let r = app
            .request(
                Method::POST,
                "/api/v1/auth/login",
                Some(json!({"email": "a@example.fr", "password": "faux"})),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let r = app
        .request(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"email": "a@example.fr", "password": "un-bon-mot-de-passe"})),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    assert!(r.body["error"].as_str().unwrap().contains("Trop de tentatives"));
    assert!(r.headers.get("retry-after").is_some());
    // Another account is not locked by these failures.
    app.create_user(Some(s), "b@example.fr", "un-autre-mot-de-passe", Role::Conseiller).await;
    app.login("b@example.fr", "un-autre-mot-de-passe").await;
}

#[tokio::test]
async fn every_protected_route_needs_a_session() {
    let app = TestApp::new().await;
    for (method, path) in [
        (Method::GET, "/api/v1/auth/me"),
        (Method::POST, "/api/v1/auth/logout"),
        (Method::GET, "/api/v1/beneficiaires"),
        (Method::GET, "/api/v1/beneficiaires/1"),
        (Method::GET, "/api/v1/communes?q=brest"),
        (Method::POST, "/api/v1/parcours"),
        (Method::GET, "/api/v1/parcours/1"),
    ] {
        let body = (method == Method::POST).then(|| json!({}));
        let r = app.request(method.clone(), path, body.clone(), None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{method} {path}");
        assert_eq!(r.body["error"], "Vous devez vous connecter.");
        let r = app.request(method.clone(), path, body, Some("carnet_session=inventé")).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{method} {path} with a made-up token");
    }
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@example.fr").await;
    let r = app.request(Method::POST, "/api/v1/auth/logout", None, Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(r.headers.get("set-cookie").unwrap().to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(app.get("/api/v1/auth/me", &cookie).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.count("sessions").await, 0);
}

#[tokio::test]
async fn idle_sessions_expire() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@example.fr").await;
    assert_eq!(app.get("/api/v1/auth/me", &cookie).await.status, StatusCode::OK);
    app.clock.step(chrono::Duration::minutes(61));
    assert_eq!(app.get("/api/v1/auth/me", &cookie).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.count("sessions").await, 0, "the expired session is deleted");
}

#[tokio::test]
async fn each_login_gets_a_new_session() {
    let app = TestApp::new().await;
    let (_, first) = app.conseiller("S", "a@example.fr").await;
    let second = app.login("a@example.fr", "mot-de-passe-de-test").await;
    assert_ne!(first, second);
}

#[tokio::test]
async fn a_deactivated_user_cannot_log_in_or_keep_a_session() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@example.fr").await;
    app.executer("UPDATE users SET active = FALSE").await.unwrap();
    assert_eq!(app.get("/api/v1/auth/me", &cookie).await.status, StatusCode::UNAUTHORIZED);
    let r = app
        .request(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"email": "a@example.fr", "password": "mot-de-passe-de-test"})),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}
