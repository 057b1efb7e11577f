//! Accounts hardening: invitations by one-time link, password policy, reset without revealing
//! accounts, session rotation and revocation, deactivation.

mod common;

use axum::http::{Method, StatusCode};
use carnet_domain::api::Role;
use carnet_server::mail::Mailer;
use carnet_server::on;
use carnet_server::Config;
use common::mail::{app_with_mail, app_with_mail_config, sent, wait_for};
use common::*;
use serde_json::json;

const PW: &str = "mot-de-passe-de-test";
const NEW_PW: &str = "le héron guette la marée";

async fn coordinateur(app: &TestApp, structure: &str, email: &str) -> (i64, String) {
    let s = app.create_structure(structure).await;
    app.create_user(Some(s), email, PW, Role::Coordinateur).await;
    (s, app.login(email, PW).await)
}

async fn open(app: &TestApp, method: Method, path: &str, body: serde_json::Value) -> Resp {
    app.request(method, path, Some(body), None).await
}

async fn login_status(app: &TestApp, email: &str, password: &str) -> StatusCode {
    open(app, Method::POST, "/api/v1/auth/login", json!({"email": email, "password": password})).await.status
}

#[tokio::test]
async fn an_invitation_lets_the_person_choose_a_password_once_then_log_in() {
    let app = app_with_mail().await;
    let (structure, coord) = coordinateur(&app, "Médiathèque", "coord@exemple.fr").await;
    let r = app
        .post(
            "/api/v1/comptes",
            json!({"prenom": "Alex", "nom": "Martin", "email": "Alex@Exemple.fr", "role": "conseiller"}),
            &coord,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["compte"]["etat"], "invitation");
    assert_eq!(r.body["compte"]["structure"]["id"], structure);
    assert_eq!(r.body["email_envoye"], true);

    let mails = sent(&app);
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, "alex@exemple.fr");
    assert!(mails[0].body.contains("http://127.0.0.1:8080/mot-de-passe/choisir#jeton="), "{}", mails[0].body);
    let token = mails[0].token();
    // Only a hash of the token is stored.
    let (stored,): (String,) =
        on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as("SELECT token_hash FROM jetons_usage_unique")
            .fetch_one(cx)
            .await)
        .unwrap();
    assert_ne!(stored, token);
    assert_eq!(stored, carnet_server::auth::token_hash(&token));

    // The invited account cannot log in yet, with anything.
    assert_eq!(login_status(&app, "alex@exemple.fr", "").await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(login_status(&app, "alex@exemple.fr", "n'importe quoi").await, StatusCode::UNPROCESSABLE_ENTITY);

    let info = open(&app, Method::POST, "/api/v1/auth/jeton", json!({"jeton": token})).await;
    assert_eq!(info.status, StatusCode::OK, "{}", info.text);
    assert_eq!(info.body["objet"], "invitation");
    assert_eq!(info.body["prenom"], "Alex");

    // The policy: length, common passwords, confirmation — each named, nothing changed.
    let set = |pw: &str, confirmation: &str| json!({"jeton": token.clone(), "mot_de_passe": pw, "confirmation": confirmation});
    let r = open(&app, Method::POST, "/api/v1/auth/jeton/mot-de-passe", set("court", "court")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body["fields"]["mot_de_passe"].as_str().unwrap().contains("12 caractères au moins"));
    let r = open(&app, Method::POST, "/api/v1/auth/jeton/mot-de-passe", set("azertyuiop123", "azertyuiop123")).await;
    assert!(r.body["fields"]["mot_de_passe"].as_str().unwrap().contains("plus courants"), "{}", r.text);
    let r = open(&app, Method::POST, "/api/v1/auth/jeton/mot-de-passe", set(NEW_PW, "autre chose")).await;
    assert!(r.body["fields"]["confirmation"].is_string());

    let r = open(&app, Method::POST, "/api/v1/auth/jeton/mot-de-passe", set(NEW_PW, NEW_PW)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let me = app.login("alex@exemple.fr", NEW_PW).await;
    let me = app.get("/api/v1/auth/me", &me).await;
    assert_eq!(me.body["role"], "conseiller");
    assert_eq!(me.body["structure"]["id"], structure);

    // Single use: the same link is refused afterwards.
    let r = open(
        &app,
        Method::POST,
        "/api/v1/auth/jeton/mot-de-passe",
        set("une autre phrase assez longue", "une autre phrase assez longue"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body["error"].as_str().unwrap().contains("plus valable"));
    assert_eq!(
        open(&app, Method::POST, "/api/v1/auth/jeton", json!({"jeton": token})).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    app.login("alex@exemple.fr", NEW_PW).await;

    // The team list shows the account as active now, with its last login.
    let team = app.get("/api/v1/comptes", &coord).await;
    let alex = team.body.as_array().unwrap().iter().find(|c| c["email"] == "alex@exemple.fr").unwrap().clone();
    assert_eq!(alex["etat"], "actif");
    assert!(alex["derniere_connexion"].is_string());
}

#[tokio::test]
async fn expired_links_are_refused_and_a_new_invitation_replaces_the_old_one() {
    let app = app_with_mail().await;
    let (_, coord) = coordinateur(&app, "S", "coord@exemple.fr").await;
    let r = app
        .post(
            "/api/v1/comptes",
            json!({"prenom": "A", "nom": "B", "email": "a@exemple.fr", "role": "conseiller"}),
            &coord,
        )
        .await;
    let id = r.body["compte"]["id"].as_i64().unwrap();
    let first = sent(&app)[0].token();
    let r = app.post(&format!("/api/v1/comptes/{id}/invitation"), json!({}), &coord).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let second = sent(&app)[1].token();
    assert_ne!(first, second);
    assert_eq!(
        open(&app, Method::POST, "/api/v1/auth/jeton", json!({"jeton": first})).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(open(&app, Method::POST, "/api/v1/auth/jeton", json!({"jeton": second})).await.status, StatusCode::OK);
    on!(app.db.acquire().await.unwrap(), |cx| sqlx::query("UPDATE jetons_usage_unique SET expires_at = $1")
        .bind(app.clock.now() - chrono::Duration::minutes(1))
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))
    .unwrap();
    let r = open(
        &app,
        Method::POST,
        "/api/v1/auth/jeton/mot-de-passe",
        json!({"jeton": second, "mot_de_passe": NEW_PW, "confirmation": NEW_PW}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(login_status(&app, "a@exemple.fr", NEW_PW).await, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn invitations_are_checked_and_scoped() {
    let app = app_with_mail().await;
    let (s, coord) = coordinateur(&app, "S", "coord@exemple.fr").await;
    let other = app.create_structure("Autre").await;
    // A coordinateur gives only structure roles, in their own structure whatever is sent.
    let r = app
        .post("/api/v1/comptes", json!({"prenom": "A", "nom": "B", "email": "a@exemple.fr", "role": "admin"}), &coord)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body["fields"]["role"].is_string());
    let r = app
        .post(
            "/api/v1/comptes",
            json!({"prenom": "A", "nom": "B", "email": "a@exemple.fr", "role": "coordinateur", "structure_id": other}),
            &coord,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.body["compte"]["structure"]["id"], s);
    // Same address twice.
    let r = app
        .post(
            "/api/v1/comptes",
            json!({"prenom": "A", "nom": "B", "email": "A@exemple.fr ", "role": "conseiller"}),
            &coord,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body["fields"]["email"].as_str().unwrap().contains("existe déjà"));
    let r = app
        .post("/api/v1/comptes", json!({"prenom": "", "nom": "", "email": "pas-une-adresse", "role": ""}), &coord)
        .await;
    assert_eq!(r.body["fields"].as_object().unwrap().len(), 4, "{}", r.text);

    // An administrator chooses the structure; a hub has none.
    app.create_user(None, "admin@exemple.fr", PW, Role::Admin).await;
    let admin = app.login("admin@exemple.fr", PW).await;
    let r = app
        .post("/api/v1/comptes", json!({"prenom": "H", "nom": "U", "email": "hub@exemple.fr", "role": "hub"}), &admin)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert!(r.body["compte"]["structure"].is_null());
    let r = app
        .post(
            "/api/v1/comptes",
            json!({"prenom": "C", "nom": "N", "email": "c@exemple.fr", "role": "conseiller", "structure_id": 999}),
            &admin,
        )
        .await;
    assert!(r.body["fields"]["structure_id"].is_string(), "{}", r.text);
    assert_eq!(app.get("/api/v1/comptes", &admin).await.body.as_array().unwrap().len(), 4);
    assert_eq!(app.get("/api/v1/comptes", &coord).await.body.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn without_smtp_the_link_goes_to_the_log_and_the_invitation_still_works() {
    // Mailer::Log is the default: the invitation is created and answered as sent.
    let app = TestApp::new().await;
    let (_, coord) = coordinateur(&app, "S", "coord@exemple.fr").await;
    let r = app
        .post(
            "/api/v1/comptes",
            json!({"prenom": "A", "nom": "B", "email": "a@exemple.fr", "role": "conseiller"}),
            &coord,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.body["email_envoye"], true);
}

/// A tiny SMTP server on loopback: accepts one message and hands its DATA back.
async fn fake_smtp() -> (u16, tokio::sync::oneshot::Receiver<String>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read).lines();
        write.write_all(b"220 test ESMTP\r\n").await.unwrap();
        let mut data = String::new();
        let mut in_data = false;
        while let Ok(Some(line)) = lines.next_line().await {
            if in_data {
                if line == "." {
                    in_data = false;
                    write.write_all(b"250 OK queued\r\n").await.unwrap();
                } else {
                    data.push_str(&line);
                    data.push('\n');
                }
                continue;
            }
            let cmd = line.to_uppercase();
            if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
                write.write_all(b"250-test\r\n250 8BITMIME\r\n").await.unwrap();
            } else if cmd.starts_with("DATA") {
                in_data = true;
                write.write_all(b"354 go ahead\r\n").await.unwrap();
            } else if cmd.starts_with("QUIT") {
                write.write_all(b"221 bye\r\n").await.unwrap();
                break;
            } else {
                write.write_all(b"250 OK\r\n").await.unwrap();
            }
        }
        let _ = tx.send(data);
    });
    (port, rx)
}

#[tokio::test]
async fn invitations_go_out_through_smtp_when_configured() {
    let (port, received) = fake_smtp().await;
    let mailer =
        Mailer::smtp(&format!("smtp://127.0.0.1:{port}"), "Carnet <carnet@exemple.fr>", "carnet.exemple.fr").unwrap();
    let app =
        TestApp::with_config(Config { mailer, public_url: "https://carnet.exemple.fr".into(), ..Default::default() })
            .await;
    let (_, coord) = coordinateur(&app, "S", "coord@exemple.fr").await;
    let r = app
        .post(
            "/api/v1/comptes",
            json!({"prenom": "Zoé", "nom": "B", "email": "zoe@exemple.fr", "role": "conseiller"}),
            &coord,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["email_envoye"], true, "{}", r.text);
    let data = tokio::time::timeout(std::time::Duration::from_secs(10), received).await.unwrap().unwrap();
    assert!(data.contains("To: zoe@exemple.fr"), "{data}");
    assert!(data.contains("From: Carnet <carnet@exemple.fr>"), "{data}");
    // The body may be quoted-printable: undo soft line breaks and `=3D`.
    let body = data.replace("=\n", "").replace("=3D", "=");
    let start = body.find("https://carnet.exemple.fr/mot-de-passe/choisir#jeton=").expect("link") + 53;
    let token: String =
        body[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
    let r = open(
        &app,
        Method::POST,
        "/api/v1/auth/jeton/mot-de-passe",
        json!({"jeton": token, "mot_de_passe": NEW_PW, "confirmation": NEW_PW}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    app.login("zoe@exemple.fr", NEW_PW).await;
}

#[tokio::test]
async fn an_unreachable_smtp_server_is_reported_and_the_account_kept() {
    // Nothing listens on port 9 of loopback.
    let mailer = Mailer::smtp("smtp://127.0.0.1:9", "carnet@exemple.fr", "localhost").unwrap();
    let app = TestApp::with_config(Config { mailer, ..Default::default() }).await;
    let (_, coord) = coordinateur(&app, "S", "coord@exemple.fr").await;
    let r = app
        .post(
            "/api/v1/comptes",
            json!({"prenom": "A", "nom": "B", "email": "a@exemple.fr", "role": "conseiller"}),
            &coord,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.body["email_envoye"], false);
    assert!(r.body["message"].as_str().unwrap().contains("Renvoyer l'invitation"));
}

#[tokio::test]
async fn a_reset_request_never_reveals_whether_an_account_exists() {
    let app = app_with_mail().await;
    let s = app.create_structure("S").await;
    app.create_user(Some(s), "a@exemple.fr", PW, Role::Conseiller).await;
    let known = open(&app, Method::POST, "/api/v1/auth/reinitialisation", json!({"email": "a@exemple.fr"})).await;
    let unknown = open(&app, Method::POST, "/api/v1/auth/reinitialisation", json!({"email": "z@exemple.fr"})).await;
    assert_eq!(known.status, StatusCode::ACCEPTED);
    assert_eq!(unknown.status, known.status);
    assert_eq!(unknown.body, known.body);
    let mails = wait_for(&app, 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(sent(&app).len(), 1, "nothing is sent for an unknown address");
    assert_eq!(mails[0].to, "a@exemple.fr");

    // The link lets the person choose a new password; every session ends.
    let session = app.login("a@exemple.fr", PW).await;
    let token = mails[0].token();
    let info = open(&app, Method::POST, "/api/v1/auth/jeton", json!({"jeton": token})).await;
    assert_eq!(info.body["objet"], "reinitialisation");
    let r = open(
        &app,
        Method::POST,
        "/api/v1/auth/jeton/mot-de-passe",
        json!({"jeton": token, "mot_de_passe": NEW_PW, "confirmation": NEW_PW}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(app.get("/api/v1/auth/me", &session).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(login_status(&app, "a@exemple.fr", PW).await, StatusCode::UNPROCESSABLE_ENTITY);
    app.login("a@exemple.fr", NEW_PW).await;
}

#[tokio::test]
async fn reset_requests_are_throttled_per_address_known_or_not() {
    let app = app_with_mail().await;
    for email in ["a@exemple.fr", "personne@exemple.fr"] {
        for _ in 0..3 {
            let r = open(&app, Method::POST, "/api/v1/auth/reinitialisation", json!({"email": email})).await;
            assert_eq!(r.status, StatusCode::ACCEPTED);
        }
        let r = open(&app, Method::POST, "/api/v1/auth/reinitialisation", json!({"email": email})).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{email}");
        assert!(r.headers.get("retry-after").is_some());
    }
    let r = open(&app, Method::POST, "/api/v1/auth/reinitialisation", json!({"email": "pas une adresse"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn guessing_links_is_throttled() {
    let app = TestApp::new().await;
    for i in 0..20 {
        let r = open(&app, Method::POST, "/api/v1/auth/jeton", json!({"jeton": format!("devine-{i}")})).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let r = open(&app, Method::POST, "/api/v1/auth/jeton", json!({"jeton": "encore"})).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn the_session_id_is_rotated_at_login() {
    let app = TestApp::new().await;
    let (_, first) = app.conseiller("S", "a@exemple.fr").await;
    // Logging in again from the same browser (sending its cookie) ends the old session.
    let r = app
        .request(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"email": "a@exemple.fr", "password": PW})),
            Some(&first),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let second = cookie_of(&r);
    assert_ne!(first, second);
    assert_eq!(app.get("/api/v1/auth/me", &first).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.get("/api/v1/auth/me", &second).await.status, StatusCode::OK);
    // A made-up id planted before login is never adopted.
    let planted = "carnet_session=choisi-par-un-attaquant";
    let r = app
        .request(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"email": "a@exemple.fr", "password": PW})),
            Some(planted),
        )
        .await;
    assert_ne!(cookie_of(&r), planted);
    assert_eq!(app.get("/api/v1/auth/me", planted).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn changing_the_password_ends_every_other_session() {
    let app = TestApp::new().await;
    let (_, here) = app.conseiller("S", "a@exemple.fr").await;
    let elsewhere = app.login("a@exemple.fr", PW).await;
    let change = |actuel: &str, nouveau: &str, confirmation: &str| json!({"actuel": actuel, "nouveau": nouveau, "confirmation": confirmation});
    let r = app.post("/api/v1/auth/mot-de-passe", change("faux", NEW_PW, NEW_PW), &here).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body["fields"]["actuel"].as_str().unwrap().contains("incorrect"));
    let r = app.post("/api/v1/auth/mot-de-passe", change(PW, "password1234", "password1234"), &here).await;
    assert!(r.body["fields"]["nouveau"].as_str().unwrap().contains("plus courants"), "{}", r.text);
    let r = app.post("/api/v1/auth/mot-de-passe", change(PW, PW, PW), &here).await;
    assert!(r.body["fields"]["nouveau"].as_str().unwrap().contains("différent"), "{}", r.text);
    assert_eq!(app.count("sessions").await, 2, "nothing changed yet");

    let r = app.post("/api/v1/auth/mot-de-passe", change(PW, NEW_PW, NEW_PW), &here).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let renewed = cookie_of(&r);
    assert_eq!(app.get("/api/v1/auth/me", &elsewhere).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.get("/api/v1/auth/me", &here).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.get("/api/v1/auth/me", &renewed).await.status, StatusCode::OK);
    assert_eq!(app.count("sessions").await, 1);
    assert_eq!(login_status(&app, "a@exemple.fr", PW).await, StatusCode::UNPROCESSABLE_ENTITY);
    app.login("a@exemple.fr", NEW_PW).await;
}

#[tokio::test]
async fn wrong_current_passwords_are_throttled_like_logins() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@exemple.fr").await;
    for _ in 0..5 {
        let r = app
            .post(
                "/api/v1/auth/mot-de-passe",
                json!({"actuel": "faux", "nouveau": NEW_PW, "confirmation": NEW_PW}),
                &cookie,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let r = app
        .post("/api/v1/auth/mot-de-passe", json!({"actuel": PW, "nouveau": NEW_PW, "confirmation": NEW_PW}), &cookie)
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_coordinateur_deactivates_only_their_structure_and_never_themself() {
    let app = app_with_mail().await;
    let (s, coord) = coordinateur(&app, "S", "coord@exemple.fr").await;
    let alex = app.create_user(Some(s), "alex@exemple.fr", PW, Role::Conseiller).await;
    let alex_session = app.login("alex@exemple.fr", PW).await;
    let other = app.create_structure("Autre").await;
    let stranger = app.create_user(Some(other), "x@exemple.fr", PW, Role::Conseiller).await;
    let (me,): (i64,) = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT id FROM users WHERE email = 'coord@exemple.fr'"
    )
    .fetch_one(cx)
    .await)
    .unwrap();

    let r = app.post(&format!("/api/v1/comptes/{stranger}/desactivation"), json!({}), &coord).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app.post(&format!("/api/v1/comptes/{me}/desactivation"), json!({}), &coord).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    let r = app.post(&format!("/api/v1/comptes/{alex}/desactivation"), json!({}), &coord).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["etat"], "desactive");
    assert_eq!(app.get("/api/v1/auth/me", &alex_session).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(login_status(&app, "alex@exemple.fr", PW).await, StatusCode::UNPROCESSABLE_ENTITY);
    // No reset link for a deactivated account.
    open(&app, Method::POST, "/api/v1/auth/reinitialisation", json!({"email": "alex@exemple.fr"})).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(sent(&app).is_empty());

    let r = app.post(&format!("/api/v1/comptes/{alex}/reactivation"), json!({}), &coord).await;
    assert_eq!(r.body["etat"], "actif");
    app.login("alex@exemple.fr", PW).await;

    // An administrator deactivates anyone; the audit log keeps who did it.
    app.create_user(None, "admin@exemple.fr", PW, Role::Admin).await;
    let admin = app.login("admin@exemple.fr", PW).await;
    let r = app.post(&format!("/api/v1/comptes/{stranger}/desactivation"), json!({}), &admin).await;
    assert_eq!(r.status, StatusCode::OK);
    let (n,): (i64,) = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'user' AND action = 'desactive'"
    )
    .fetch_one(cx)
    .await)
    .unwrap();
    assert_eq!(n, 2);
}

#[tokio::test]
async fn two_requests_with_one_link_cannot_both_succeed() {
    let app = app_with_mail_config(Config::default()).await;
    let (_, coord) = coordinateur(&app, "S", "coord@exemple.fr").await;
    app.post(
        "/api/v1/comptes",
        json!({"prenom": "A", "nom": "B", "email": "a@exemple.fr", "role": "conseiller"}),
        &coord,
    )
    .await;
    let token = sent(&app)[0].token();
    let body = |pw: &str| json!({"jeton": token.clone(), "mot_de_passe": pw, "confirmation": pw});
    let (a, b) = tokio::join!(
        open(&app, Method::POST, "/api/v1/auth/jeton/mot-de-passe", body("première phrase de passe")),
        open(&app, Method::POST, "/api/v1/auth/jeton/mot-de-passe", body("seconde phrase de passe")),
    );
    let ok = [a.status, b.status].iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(ok, 1, "{} / {}", a.text, b.text);
}
