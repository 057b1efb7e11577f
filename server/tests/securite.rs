//! Deployment hardening: what the server refuses to do once it faces the open internet.

mod common;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use carnet_domain::api::Role;
use carnet_server::mail::Mailer;
use carnet_server::Config;
use common::binaire::serveur;
use common::*;
use futures_util::StreamExt;
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PW: &str = "mot de passe solide 2026";

/// Starts the real server on `db` with `args` and no environment (but `env`), expecting it to
/// refuse: its standard error.
fn refus_au_demarrage(db: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_carnet-server"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .args(["--database-url", &format!("sqlite://{}?mode=rwc", db.display())])
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .arg("--dist")
        .arg(db.with_file_name("dist"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > Duration::from_secs(20) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("the server started with {args:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(!status.success());
    stderr
}

#[test]
fn demo_mode_is_refused_when_the_public_url_is_https() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("carnet.db");
    let stderr = refus_au_demarrage(&db, &["--demo", "--public-url", "https://carnet.exemple.fr"], &[]);
    assert!(stderr.contains("--demo") && stderr.contains("https"), "{stderr}");
    // Refused before anything was written: no demo admin with its public password.
    assert!(!db.exists());
}

#[test]
fn outside_demo_mode_the_server_needs_its_secret() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("carnet.db");
    let stderr = refus_au_demarrage(&db, &[], &[]);
    assert!(stderr.contains("aucun secret du serveur") && stderr.contains("CARNET_SECRET"), "{stderr}");
    assert!(stderr.contains("--secret-file"), "{stderr}");
    let stderr = refus_au_demarrage(&db, &[], &[("CARNET_SECRET", "trop-court")]);
    assert!(stderr.contains("CARNET_SECRET : attendu : 64 chiffres hexadécimaux"), "{stderr}");
    let fichier = dir.path().join("secret");
    std::fs::write(&fichier, "abcd\n").unwrap();
    let stderr = refus_au_demarrage(&db, &["--secret-file", fichier.to_str().unwrap()], &[]);
    assert!(stderr.contains("--secret-file") && stderr.contains("trop court"), "{stderr}");
    assert!(!db.exists());
}

/// Everything the server logs while `f` runs (this thread: the tests run on a current-thread runtime).
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).to_string()
    }
}

#[tokio::test]
async fn without_smtp_outside_demo_invitations_and_resets_are_refused_and_no_link_is_logged() {
    let log = Capture::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let app = TestApp::with_config(Config { mailer: Mailer::Aucun, ..Default::default() }).await;
    let s = app.create_structure("Médiathèque").await;
    app.create_user(Some(s), "coord@exemple.fr", PW, Role::Coordinateur).await;
    let coord = app.login("coord@exemple.fr", PW).await;
    let r = app
        .post(
            "/api/v1/comptes",
            json!({"prenom": "Alex", "nom": "Martin", "email": "alex@exemple.fr", "role": "conseiller"}),
            &coord,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["email_envoye"], false);
    let message = r.body["message"].as_str().unwrap();
    assert!(message.contains("aucun serveur d'e-mail"), "{message}");

    // Asking a reset for an existing account: refused, whoever asks (the answer does not depend
    // on the account).
    for email in ["coord@exemple.fr", "personne@exemple.fr"] {
        let r = app.request(Method::POST, "/api/v1/auth/reinitialisation", Some(json!({"email": email})), None).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert!(r.body["error"].as_str().unwrap().contains("aucun serveur d'e-mail"), "{}", r.text);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;

    let logged = log.text();
    assert!(logged.contains("aucun serveur SMTP"), "{logged}");
    assert!(!logged.contains("jeton="), "{logged}");
    assert!(!logged.contains("mot-de-passe/choisir"), "{logged}");
}

#[tokio::test]
async fn an_oversized_body_gets_413_with_the_security_headers() {
    let app = TestApp::new().await;
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/auth/login")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, (carnet_server::lieux::import::TAILLE_MAX + 1).to_string())
        .body(Body::from("{}"))
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.headers.get("content-security-policy").is_some());
    assert_eq!(r.headers.get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(r.headers.get("x-frame-options").unwrap(), "DENY");
}

#[tokio::test]
async fn api_answers_are_not_cached() {
    let app = TestApp::new().await;
    let s = app.create_structure("Médiathèque").await;
    app.create_user(Some(s), "coord@exemple.fr", PW, Role::Coordinateur).await;
    let coord = app.login("coord@exemple.fr", PW).await;
    for path in ["/api/v1/auth/me", "/api/v1/comptes"] {
        let r = app.get(path, &coord).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
        assert_eq!(r.headers.get(header::CACHE_CONTROL).map(|v| v.to_str().unwrap()), Some("no-store"), "{path}");
    }
}

fn img_src(r: &Resp) -> String {
    let csp = r.headers.get("content-security-policy").unwrap().to_str().unwrap();
    csp.split(';').map(str::trim).find(|d| d.starts_with("img-src")).unwrap().to_string()
}

#[tokio::test]
async fn the_csp_lets_the_map_load_tiles_from_the_configured_server_only() {
    let app = TestApp::new().await;
    let r = app.request(Method::GET, "/api/v1/health", None, None).await;
    assert_eq!(img_src(&r), "img-src 'self' data: blob:");

    let tuiles = |url: &str| Config { tuiles_url: Some(url.into()), ..Default::default() };
    let app = TestApp::with_config(tuiles("https://{s}.tuiles.exemple.fr/{z}/{x}/{y}.png")).await;
    let r = app.request(Method::GET, "/api/v1/health", None, None).await;
    assert_eq!(img_src(&r), "img-src 'self' data: blob: https://*.tuiles.exemple.fr");

    let app = TestApp::with_config(tuiles("https://tuiles.exemple.fr:8443/osm/{z}/{x}/{y}.png")).await;
    let r = app.request(Method::GET, "/api/v1/health", None, None).await;
    assert_eq!(img_src(&r), "img-src 'self' data: blob: https://tuiles.exemple.fr:8443");

    // Nothing else slips into the policy.
    let app = TestApp::with_config(tuiles("https://x.fr; script-src *;/{z}/{x}/{y}.png")).await;
    let r = app.request(Method::GET, "/api/v1/health", None, None).await;
    assert_eq!(img_src(&r), "img-src 'self' data: blob:");
    let csp = r.headers.get("content-security-policy").unwrap().to_str().unwrap();
    assert!(!csp.contains("script-src *"), "{csp}");
}

#[tokio::test]
async fn a_venue_import_by_someone_not_allowed_is_refused_before_its_body_is_read() {
    let app = TestApp::new().await;
    let s = app.create_structure("Médiathèque").await;
    app.create_user(Some(s), "coord@exemple.fr", PW, Role::Coordinateur).await;
    let coord = app.login("coord@exemple.fr", PW).await;
    // A body that never ends: reading it first would hang.
    let chunks =
        futures_util::stream::once(async { Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b"id,nom\n")) })
            .chain(futures_util::stream::pending());
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/lieux/imports?fichier=lieux.csv")
        .header(header::COOKIE, &coord)
        .header(header::CONTENT_TYPE, "text/csv")
        .body(Body::from_stream(chunks))
        .unwrap();
    let r = tokio::time::timeout(Duration::from_secs(10), app.send(req)).await.expect("the body was read first");
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn one_venue_import_at_a_time() {
    let imports = Arc::new(tokio::sync::Semaphore::new(1));
    let app = TestApp::with_config(Config { imports_lieux: imports.clone(), ..Default::default() }).await;
    app.create_user(None, "admin@exemple.fr", PW, Role::Admin).await;
    let admin = app.login("admin@exemple.fr", PW).await;
    let importer = || {
        Request::builder()
            .method(Method::POST)
            .uri("/api/v1/lieux/imports?fichier=lieux.csv")
            .header(header::COOKIE, &admin)
            .header(header::CONTENT_TYPE, "text/csv")
            .body(Body::from("id,nom\n"))
            .unwrap()
    };
    // An import under way holds the permit.
    let en_cours = imports.clone().try_acquire_owned().unwrap();
    let r = app.send(importer()).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert!(r.body["error"].as_str().unwrap().contains("déjà en cours"), "{}", r.text);
    drop(en_cours);
    let r = app.send(importer()).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
}

/// Whether the account is active, read behind the API's back.
async fn actif(app: &TestApp, id: i64) -> bool {
    let (active,): (bool,) = carnet_server::on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT active FROM users WHERE id = $1"
    )
    .bind(id)
    .fetch_one(cx)
    .await)
    .unwrap();
    active
}

fn desactivation(id: i64, cookie: &str, entetes: &[(&str, &str)]) -> Request<Body> {
    let mut req = Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/comptes/{id}/desactivation"))
        .header(header::COOKIE, cookie);
    for (k, v) in entetes {
        req = req.header(*k, *v);
    }
    req.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn a_post_from_another_origin_is_refused_and_changes_nothing() {
    let app =
        TestApp::with_config(Config { public_url: "https://carnet.exemple.fr".into(), ..Default::default() }).await;
    let s = app.create_structure("Médiathèque").await;
    app.create_user(Some(s), "coord@exemple.fr", PW, Role::Coordinateur).await;
    let alex = app.create_user(Some(s), "alex@exemple.fr", PW, Role::Conseiller).await;
    let coord = app.login("coord@exemple.fr", PW).await;

    for entetes in [
        &[("origin", "https://pirate.exemple.org")][..],
        // A sibling subdomain is same-site, not same-origin: SameSite=Strict lets its cookies through.
        &[("origin", "https://forum.exemple.fr")],
        &[("origin", "http://carnet.exemple.fr")],
        &[("origin", "null")],
        &[("sec-fetch-site", "cross-site")],
        &[("sec-fetch-site", "same-site")],
    ] {
        let r = app.send(desactivation(alex, &coord, entetes)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{entetes:?}: {}", r.text);
        assert!(r.body["error"].as_str().unwrap().contains("autre site"), "{}", r.text);
        assert!(r.headers.get("content-security-policy").is_some());
        assert!(actif(&app, alex).await, "{entetes:?}");
    }

    // From Carnet's own pages (the port the browser omits for https is the same origin), or from a
    // client that is not a browser (no Origin, no Sec-Fetch-Site): accepted.
    let r = app.send(desactivation(alex, &coord, &[("origin", "https://carnet.exemple.fr")])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(!actif(&app, alex).await);
    let r = app.post(&format!("/api/v1/comptes/{alex}/reactivation"), json!({}), &coord).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .send(desactivation(
            alex,
            &coord,
            &[("sec-fetch-site", "same-origin"), ("origin", "https://carnet.exemple.fr")],
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    // Reading stays open to links from anywhere.
    let req = Request::builder()
        .uri("/api/v1/auth/me")
        .header(header::COOKIE, &coord)
        .header("origin", "https://pirate.exemple.org")
        .header("sec-fetch-site", "cross-site")
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::OK);
}

#[tokio::test]
async fn behind_https_the_cookie_is_secure_host_only_and_hsts_is_sent() {
    let app =
        TestApp::with_config(Config { public_url: "https://carnet.exemple.fr".into(), ..Default::default() }).await;
    let s = app.create_structure("Médiathèque").await;
    app.create_user(Some(s), "coord@exemple.fr", PW, Role::Coordinateur).await;
    let r = app
        .request(Method::POST, "/api/v1/auth/login", Some(json!({"email": "coord@exemple.fr", "password": PW})), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let set = r.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    assert!(set.starts_with("__Host-carnet_session="), "{set}");
    assert!(set.contains("; Secure") && set.contains("Path=/") && !set.contains("Domain"), "{set}");
    let hsts = r.headers.get(header::STRICT_TRANSPORT_SECURITY).expect("HSTS").to_str().unwrap();
    assert!(hsts.starts_with("max-age=") && hsts["max-age=".len()..].parse::<u64>().unwrap() >= 15_552_000, "{hsts}");
    let cookie = cookie_of(&r);
    assert_eq!(app.get("/api/v1/auth/me", &cookie).await.status, StatusCode::OK);
    // A cookie without the prefix (planted by a sibling subdomain, which cannot set a __Host- one) is not read.
    let plante = cookie.replacen("__Host-carnet_session", "carnet_session", 1);
    assert_eq!(app.get("/api/v1/auth/me", &plante).await.status, StatusCode::UNAUTHORIZED);

    // Over plain http (development): no HSTS, no prefix.
    let app = TestApp::new().await;
    let r = app.request(Method::GET, "/api/v1/health", None, None).await;
    assert!(r.headers.get(header::STRICT_TRANSPORT_SECURITY).is_none());
}

/// A login attempt arriving over a TCP connection from `pair`, with `X-Forwarded-For` if given.
async fn connexion_depuis(app: &TestApp, pair: &str, transmis: Option<&str>, email: &str, password: &str) -> Resp {
    let peer: std::net::SocketAddr = format!("{pair}:50000").parse().unwrap();
    let mut req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/auth/login")
        .header(header::CONTENT_TYPE, "application/json")
        .extension(axum::extract::ConnectInfo(peer));
    if let Some(xff) = transmis {
        req = req.header("x-forwarded-for", xff);
    }
    app.send(req.body(Body::from(json!({"email": email, "password": password}).to_string())).unwrap()).await
}

#[tokio::test]
async fn behind_a_trusted_proxy_failed_logins_lock_one_client_address_not_everyone() {
    let log = Capture::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt().with_ansi(false).with_writer(move || writer.clone()).finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let config = Config {
        trusted_proxies: vec!["127.0.0.1".parse().unwrap(), "10.0.0.0/8".parse().unwrap()],
        alerte_echecs: 30,
        ..Default::default()
    };
    let app = TestApp::with_config(config).await;
    let s = app.create_structure("Médiathèque").await;
    app.create_user(Some(s), "alex@exemple.fr", PW, Role::Conseiller).await;

    // 25 wrong logins (each for another address, so no account's own limit is reached) from one
    // client behind the proxy: the 21st and after are refused without being tried.
    let mut statuts = Vec::new();
    for i in 0..25 {
        let r = connexion_depuis(&app, "127.0.0.1", Some("203.0.113.5"), &format!("x{i}@exemple.fr"), "faux").await;
        statuts.push(r.status);
    }
    assert!(statuts[..20].iter().all(|s| *s == StatusCode::UNPROCESSABLE_ENTITY), "{statuts:?}");
    assert!(statuts[20..].iter().all(|s| *s == StatusCode::TOO_MANY_REQUESTS), "{statuts:?}");
    let r = connexion_depuis(&app, "127.0.0.1", Some("203.0.113.5"), "alex@exemple.fr", PW).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);

    // Another client behind the same proxies (through a second hop) logs in.
    let r = connexion_depuis(&app, "127.0.0.1", Some("198.51.100.8, 10.4.0.2"), "alex@exemple.fr", PW).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    // A peer that is not a trusted proxy cannot choose its address: its X-Forwarded-For is ignored.
    for i in 0..20 {
        let faux = format!("192.0.2.{i}");
        let r = connexion_depuis(&app, "192.0.2.200", Some(&faux), &format!("y{i}@exemple.fr"), "faux").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{i}: {}", r.text);
    }
    let r = connexion_depuis(&app, "192.0.2.200", Some("198.51.100.77"), "alex@exemple.fr", PW).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);

    // 40 failures from everyone together passed the alert threshold (30): one alert in the log
    // and the audit log, and nobody locked out for it.
    let r = connexion_depuis(&app, "127.0.0.1", Some("198.51.100.9"), "alex@exemple.fr", PW).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let (alertes,): (i64,) = carnet_server::on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'securite' AND action = 'alerte_echecs_connexion'"
    )
    .fetch_one(cx)
    .await)
    .unwrap();
    assert_eq!(alertes, 1);
    let logged = log.text();
    let lignes: Vec<&str> = logged.lines().filter(|l| l.contains("alerte_echecs_connexion")).collect();
    assert_eq!(lignes.len(), 1, "{logged}");
    assert!(lignes[0].contains("ERROR") && lignes[0].contains("connexions échouées"), "{logged}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_wrong_logins_gets_no_more_verifications_than_the_limit() {
    let app = Arc::new(TestApp::new().await);
    let s = app.create_structure("Médiathèque").await;
    app.create_user(Some(s), "alex@exemple.fr", PW, Role::Conseiller).await;
    let essais = (0..30).map(|i| {
        let app = app.clone();
        tokio::spawn(async move {
            let mot = format!("faux {i}");
            app.request(
                Method::POST,
                "/api/v1/auth/login",
                Some(json!({"email": "alex@exemple.fr", "password": mot})),
                None,
            )
            .await
            .status
        })
    });
    let statuts: Vec<StatusCode> =
        futures_util::future::join_all(essais).await.into_iter().map(Result::unwrap).collect();
    // A 422 is a password verified (and wrong); a 429 was refused before any verification.
    let verifies = statuts.iter().filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY).count();
    assert!(verifies <= Config::default().login_max_failures as usize, "{verifies} verifications: {statuts:?}");
    assert_eq!(verifies + statuts.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count(), 30, "{statuts:?}");
    // Refused attempts are taken back: what stays is, per failure really verified, one line for
    // the account, one for the address and one for everyone together.
    assert_eq!(app.count("login_failures").await as usize, 3 * verifies, "{statuts:?}");
}

#[tokio::test]
async fn password_hashing_waits_for_a_free_core() {
    let hachages = Arc::new(tokio::sync::Semaphore::new(1));
    let app = TestApp::with_config(Config { hachages: hachages.clone(), ..Default::default() }).await;
    let s = app.create_structure("Médiathèque").await;
    app.create_user(Some(s), "alex@exemple.fr", PW, Role::Conseiller).await;
    let connexion = || {
        app.request(Method::POST, "/api/v1/auth/login", Some(json!({"email": "alex@exemple.fr", "password": PW})), None)
    };
    // Every core busy hashing: the login waits its turn.
    let occupe = hachages.clone().try_acquire_owned().unwrap();
    assert!(tokio::time::timeout(Duration::from_millis(1500), connexion()).await.is_err(), "hashed without a permit");
    drop(occupe);
    let r = tokio::time::timeout(Duration::from_secs(20), connexion()).await.expect("a free core");
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

/// Reads until the server closes the connection; what it sent.
async fn lire_jusqu_a_la_fin(flux: &mut tokio::net::tcp::OwnedReadHalf) -> String {
    use tokio::io::AsyncReadExt;
    let mut tout = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match flux.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => tout.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&tout).to_string()
}

#[tokio::test]
async fn a_client_sending_its_headers_one_byte_a_second_is_cut_off_and_so_is_an_idle_connection() {
    use tokio::io::AsyncWriteExt;
    let s = serveur(&["--header-timeout-secs", "2"]);

    // Slowloris: a request line and headers, one byte a second (about 40 s in all).
    let (mut lecture, mut ecriture) = tokio::net::TcpStream::connect(s.addr).await.unwrap().into_split();
    let envoi = tokio::spawn(async move {
        for b in b"GET /api/v1/health HTTP/1.1\r\nHost: carnet\r\n\r\n" {
            if ecriture.write_all(&[*b]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    let debut = Instant::now();
    let recu = tokio::time::timeout(Duration::from_secs(15), lire_jusqu_a_la_fin(&mut lecture))
        .await
        .expect("the slow client was never cut off");
    assert!(debut.elapsed() < Duration::from_secs(8), "{:?}", debut.elapsed());
    assert!(!recu.contains("200 OK"), "{recu}");
    envoi.abort();

    // A connection kept alive after its request, then silent, is closed too.
    let (mut lecture, mut ecriture) = tokio::net::TcpStream::connect(s.addr).await.unwrap().into_split();
    ecriture.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: carnet\r\n\r\n").await.unwrap();
    let debut = Instant::now();
    let recu = tokio::time::timeout(Duration::from_secs(15), lire_jusqu_a_la_fin(&mut lecture))
        .await
        .expect("the idle connection was never closed");
    assert!(recu.starts_with("HTTP/1.1 200 OK"), "{recu}");
    assert!(debut.elapsed() < Duration::from_secs(8), "{:?}", debut.elapsed());
}

#[tokio::test]
async fn a_request_that_takes_too_long_is_answered_503() {
    let app = TestApp::with_config(Config { delai_requete: Duration::from_secs(1), ..Default::default() }).await;
    // A body that never ends, on a route that reads it.
    let corps =
        futures_util::stream::once(async { Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b"{\"email\"")) })
            .chain(futures_util::stream::pending());
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/auth/login")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(corps))
        .unwrap();
    let r = tokio::time::timeout(Duration::from_secs(10), app.send(req)).await.expect("no request timeout");
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
    assert!(r.body["error"].as_str().unwrap().contains("trop de temps"), "{}", r.text);
    assert!(r.headers.get("content-security-policy").is_some());
}

#[tokio::test]
async fn readiness_fails_while_the_database_is_unreachable_liveness_does_not() {
    let app = TestApp::new().await;
    let r = app.request(Method::GET, "/api/v1/health/ready", None, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    app.db.close().await;
    let r = app.request(Method::GET, "/api/v1/health/ready", None, None).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
    assert!(r.body["error"].as_str().unwrap().contains("base de données"), "{}", r.text);
    let r = app.request(Method::GET, "/api/v1/health", None, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    // A PostgreSQL server that does not answer (nothing listens on port 1).
    let pool = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(Duration::from_secs(1))
        .connect_lazy("postgres://postgres@127.0.0.1:1/carnet")
        .unwrap();
    let state = carnet_server::AppState::new(
        carnet_server::Db::Pg(pool),
        Arc::new(Config::default()),
        carnet_server::Clock::starting_at(instant()),
    );
    let router = carnet_server::app(state);
    let debut = Instant::now();
    let resp =
        tower::ServiceExt::oneshot(router.clone(), Request::get("/api/v1/health/ready").body(Body::empty()).unwrap())
            .await
            .unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(debut.elapsed() < Duration::from_secs(5), "{:?}", debut.elapsed());
    let resp =
        tower::ServiceExt::oneshot(router, Request::get("/api/v1/health").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

/// A server of `app` on a free port, stopped when `stop` is sent.
async fn servi(
    app: axum::Router,
    delais: carnet_server::serveur::Delais,
) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, recu) = tokio::sync::oneshot::channel::<()>();
    let tache = tokio::spawn(carnet_server::serveur::servir(listener, app, delais, async {
        let _ = recu.await;
    }));
    (addr, stop, tache)
}

#[tokio::test]
async fn at_shutdown_a_request_in_flight_finishes_and_one_past_the_deadline_is_cut() {
    use tokio::io::AsyncWriteExt;
    let app = axum::Router::new()
        .route(
            "/lent",
            axum::routing::get(|| async {
                tokio::time::sleep(Duration::from_millis(1500)).await;
                "fini"
            }),
        )
        .route(
            "/sans-fin",
            axum::routing::get(|| async {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                "jamais"
            }),
        );
    let delais = carnet_server::serveur::Delais { entetes: Duration::from_secs(5), arret: Duration::from_secs(5) };
    let (addr, stop, tache) = servi(app.clone(), delais).await;
    let (mut lecture, mut ecriture) = tokio::net::TcpStream::connect(addr).await.unwrap().into_split();
    ecriture.write_all(b"GET /lent HTTP/1.1\r\nHost: carnet\r\n\r\n").await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.send(()).unwrap();
    let recu = tokio::time::timeout(Duration::from_secs(10), lire_jusqu_a_la_fin(&mut lecture)).await.unwrap();
    assert!(recu.starts_with("HTTP/1.1 200 OK") && recu.ends_with("fini"), "{recu}");
    tokio::time::timeout(Duration::from_secs(5), tache).await.expect("the server did not stop").unwrap();
    // Stopped: no new connection.
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());

    // A request that would never end is cut at the deadline, and the server stops then.
    let delais = carnet_server::serveur::Delais { entetes: Duration::from_secs(5), arret: Duration::from_secs(1) };
    let (addr, stop, tache) = servi(app, delais).await;
    let (mut lecture, mut ecriture) = tokio::net::TcpStream::connect(addr).await.unwrap().into_split();
    ecriture.write_all(b"GET /sans-fin HTTP/1.1\r\nHost: carnet\r\n\r\n").await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let debut = Instant::now();
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), tache).await.expect("the deadline did not hold").unwrap();
    assert!(debut.elapsed() < Duration::from_secs(3), "{:?}", debut.elapsed());
    let recu = tokio::time::timeout(Duration::from_secs(5), lire_jusqu_a_la_fin(&mut lecture)).await.unwrap();
    assert!(!recu.contains("jamais"), "{recu}");
}
