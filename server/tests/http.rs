//! HTTP behaviour around the API: errors in JSON, security headers, and the built app's files.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use carnet_domain::api::Role;
use carnet_server::Config;
use common::*;

#[tokio::test]
async fn unknown_api_routes_answer_json_404() {
    let app = TestApp::new().await;
    let r = app.request(Method::GET, "/api/v1/nexiste-pas", None, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body["error"].is_string());
}

#[tokio::test]
async fn security_headers_are_on_every_answer() {
    let app = TestApp::new().await;
    for path in ["/api/v1/health", "/api/v1/auth/me"] {
        let r = app.request(Method::GET, path, None, None).await;
        let csp = r.headers.get("content-security-policy").unwrap().to_str().unwrap();
        assert!(csp.contains("'wasm-unsafe-eval'"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(!csp.contains("script-src 'self' 'unsafe-inline'"), "{csp}");
        assert_eq!(r.headers.get("x-content-type-options").unwrap(), "nosniff");
        assert_eq!(r.headers.get("x-frame-options").unwrap(), "DENY");
        assert!(r.headers.get("referrer-policy").is_some());
    }
}

fn fake_dist() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let index = "<!doctype html><html><head><script type=\"module\">import init from '/app-0123456789abcdef.js';</script></head><body></body></html>";
    std::fs::write(dir.path().join("index.html"), index).unwrap();
    std::fs::write(dir.path().join("app-0123456789abcdef.js"), "console.log('app')").unwrap();
    std::fs::write(dir.path().join("app-0123456789abcdef.js.br"), b"\x0b\x08\x80console.log('app')\x03").unwrap();
    // Trunk writes its 64-bit hash without leading zeros: one build in 16 has 15 digits.
    std::fs::write(dir.path().join("main-f0123456789abcd.css"), "main { }").unwrap();
    dir
}

#[tokio::test]
async fn the_app_is_served_with_fallback_cache_and_compression() {
    let dist = fake_dist();
    let app = TestApp::with_config(Config { dist_dir: Some(dist.path().to_path_buf()), ..Default::default() }).await;

    // Client routes get index.html, never cached.
    let r = app.request(Method::GET, "/beneficiaires/12", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("<!doctype html>"));
    assert_eq!(r.headers.get("cache-control").unwrap(), "no-cache");
    // The inline loader is allowed by its hash, not by 'unsafe-inline'.
    let csp = r.headers.get("content-security-policy").unwrap().to_str().unwrap();
    assert!(csp.contains("'sha256-"), "{csp}");

    // Hashed assets: compressed when the browser accepts it, cached for a year.
    let req = Request::builder()
        .uri("/app-0123456789abcdef.js")
        .header("accept-encoding", "gzip, br")
        .body(Body::empty())
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers.get("content-encoding").unwrap(), "br");
    assert_eq!(r.headers.get("cache-control").unwrap(), "public, max-age=31536000, immutable");
    let r = app.request(Method::GET, "/app-0123456789abcdef.js", None, None).await;
    assert!(r.headers.get("content-encoding").is_none());
    assert_eq!(r.text, "console.log('app')");
    let r = app.request(Method::GET, "/main-f0123456789abcd.css", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers.get("cache-control").unwrap(), "public, max-age=31536000, immutable");

    // The API keeps its own 404s.
    let r = app.request(Method::GET, "/api/v1/nope", None, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body["error"].is_string());
}

/// The public pages' app: its page at the login and password addresses, its files under /acces/.
#[tokio::test]
async fn the_public_pages_are_a_small_app_of_their_own() {
    let dist = fake_dist();
    let acces = dist.path().join("acces");
    std::fs::create_dir(&acces).unwrap();
    let page = "<!doctype html><title>acces</title><script type=\"module\">import init from '/acces/connexion-0123456789abcdef.js';</script>";
    std::fs::write(acces.join("index.html"), page).unwrap();
    std::fs::write(acces.join("connexion-0123456789abcdef_bg.wasm"), b"\0asm").unwrap();
    std::fs::write(acces.join("connexion-0123456789abcdef_bg.wasm.br"), b"compressed").unwrap();
    let app = TestApp::with_config(Config { dist_dir: Some(dist.path().to_path_buf()), ..Default::default() }).await;

    for path in ["/connexion", "/connexion?retour=%2Fparcours%2F1", "/mot-de-passe/oublie", "/mot-de-passe/choisir"] {
        let r = app.request(Method::GET, path, None, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(r.text.contains("<title>acces</title>"), "{path}: {}", r.text);
        assert_eq!(r.headers.get("cache-control").unwrap(), "no-cache", "{path}");
        // Its inline loader is allowed by its hash too.
        let csp = r.headers.get("content-security-policy").unwrap().to_str().unwrap();
        assert_eq!(csp.matches("'sha256-").count(), 2, "{csp}");
    }
    // The staff app keeps every other page.
    for path in ["/", "/beneficiaires/1", "/journee", "/mot-de-passe"] {
        let r = app.request(Method::GET, path, None, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(r.text.contains("/app-0123456789abcdef.js"), "{path}: {}", r.text);
    }

    let req = Request::builder()
        .uri("/acces/connexion-0123456789abcdef_bg.wasm")
        .header("accept-encoding", "gzip, br")
        .body(Body::empty())
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers.get("content-encoding").unwrap(), "br");
    assert_eq!(r.headers.get("cache-control").unwrap(), "public, max-age=31536000, immutable");
    // A file it does not have is missing, not a page.
    let r = app.request(Method::GET, "/acces/connexion-fedcba9876543210_bg.wasm", None, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.headers.get("cache-control").unwrap(), "no-cache");
}

/// The venues' area of the staff app: its page at /lieux and below, its files under /zone-lieux/;
/// every other staff page keeps the staff app.
#[tokio::test]
async fn the_venues_are_an_app_of_their_own() {
    let dist = fake_dist();
    let lieux = dist.path().join("zone-lieux");
    std::fs::create_dir_all(lieux.join("leaflet")).unwrap();
    let page = "<!doctype html><title>lieux</title><script type=\"module\">import init from '/zone-lieux/lieux-0123456789abcdef.js';</script>";
    std::fs::write(lieux.join("index.html"), page).unwrap();
    std::fs::write(lieux.join("lieux-0123456789abcdef_bg.wasm"), b"\0asm").unwrap();
    std::fs::write(lieux.join("lieux-0123456789abcdef_bg.wasm.br"), b"compressed").unwrap();
    std::fs::write(lieux.join("leaflet/leaflet.js"), "L = {}").unwrap();
    let app = TestApp::with_config(Config { dist_dir: Some(dist.path().to_path_buf()), ..Default::default() }).await;

    for path in [
        "/lieux",
        "/lieux?page=2",
        "/lieux/12",
        "/lieux/import",
        "/lieux/couverture",
        "/lieux/candidats",
        "/lieux/candidats/nouveau",
        "/lieux/candidats/3",
    ] {
        let r = app.request(Method::GET, path, None, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(r.text.contains("<title>lieux</title>"), "{path}: {}", r.text);
        assert_eq!(r.headers.get("cache-control").unwrap(), "no-cache", "{path}");
        // Its inline loader is allowed by its hash too.
        let csp = r.headers.get("content-security-policy").unwrap().to_str().unwrap();
        assert_eq!(csp.matches("'sha256-").count(), 2, "{csp}");
    }
    // The staff app keeps every other page (the orientation towards a venue is a parcours' page).
    for path in ["/", "/beneficiaires/1", "/lieuxdits", "/journee"] {
        let r = app.request(Method::GET, path, None, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(r.text.contains("/app-0123456789abcdef.js"), "{path}: {}", r.text);
    }

    let req = Request::builder()
        .uri("/zone-lieux/lieux-0123456789abcdef_bg.wasm")
        .header("accept-encoding", "gzip, br")
        .body(Body::empty())
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers.get("content-encoding").unwrap(), "br");
    assert_eq!(r.headers.get("cache-control").unwrap(), "public, max-age=31536000, immutable");
    // Leaflet, copied as it is (no hash in its name): revalidated.
    let r = app.request(Method::GET, "/zone-lieux/leaflet/leaflet.js", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers.get("cache-control").unwrap(), "no-cache");
    // A file it does not have is missing, not a page.
    let r = app.request(Method::GET, "/zone-lieux/lieux-fedcba9876543210_bg.wasm", None, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

/// The pilotage area of the staff app: its page at its paths and below, its files under
/// /zone-pilotage/, and `/` for the roles whose home it holds; everyone else's `/` is the staff
/// app's, and a browser's copy of one is never confirmed for the other.
#[tokio::test]
async fn the_pilotage_pages_are_an_app_of_their_own_and_home_follows_the_role() {
    let dist = fake_dist();
    let pilotage = dist.path().join("zone-pilotage");
    std::fs::create_dir_all(&pilotage).unwrap();
    let page = "<!doctype html><title>pilotage</title><script type=\"module\">import init from '/zone-pilotage/pilotage-0123456789abcdef.js';</script>";
    std::fs::write(pilotage.join("index.html"), page).unwrap();
    std::fs::write(pilotage.join("pilotage-0123456789abcdef_bg.wasm"), b"\0asm").unwrap();
    let app = TestApp::with_config(Config { dist_dir: Some(dist.path().to_path_buf()), ..Default::default() }).await;

    for path in [
        "/tableau",
        "/commandes",
        "/commandes/nouvelle",
        "/commandes/4",
        "/releves",
        "/releves/2",
        "/structures",
        "/journal",
    ] {
        let r = app.request(Method::GET, path, None, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(r.text.contains("<title>pilotage</title>"), "{path}: {}", r.text);
        assert_eq!(r.headers.get("cache-control").unwrap(), "no-cache", "{path}");
        let csp = r.headers.get("content-security-policy").unwrap().to_str().unwrap();
        assert_eq!(csp.matches("'sha256-").count(), 2, "{csp}");
    }
    for path in ["/commandesx", "/journalx", "/beneficiaires/1"] {
        let r = app.request(Method::GET, path, None, None).await;
        assert!(r.text.contains("/app-0123456789abcdef.js"), "{path}: {}", r.text);
    }
    let r = app.request(Method::GET, "/zone-pilotage/pilotage-0123456789abcdef_bg.wasm", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers.get("cache-control").unwrap(), "public, max-age=31536000, immutable");
    let r = app.request(Method::GET, "/zone-pilotage/pilotage-fedcba9876543210_bg.wasm", None, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // `/` by role: nobody and the staff's roles get the staff app, buyers and opérateurs the
    // pilotage area's, even when the browser asks « changed since » with the other's date.
    let structure = app.create_structure("S").await;
    let mut comptes = Vec::new();
    for (email, role, structure) in [
        ("c@example.fr", Role::Conseiller, Some(structure)),
        ("co@example.fr", Role::Coordinateur, Some(structure)),
        ("h@example.fr", Role::Hub, None),
        ("a@example.fr", Role::Admin, None),
        ("m@example.fr", Role::Commanditaire, None),
        ("o@example.fr", Role::Operateur, None),
    ] {
        app.create_user(structure, email, "mot-de-passe-solide-1", role).await;
        comptes.push((role, Some(app.login(email, "mot-de-passe-solide-1").await)));
    }
    comptes.push((Role::Conseiller, None));
    for (role, cookie) in &comptes {
        let mut req = Request::builder().uri("/").header("if-modified-since", "Thu, 01 Jan 2099 00:00:00 GMT");
        if let Some(c) = cookie {
            req = req.header("cookie", c.as_str());
        }
        let r = app.send(req.body(Body::empty()).unwrap()).await;
        assert_eq!(r.status, StatusCode::OK, "{role:?} {cookie:?}");
        let attendu = if cookie.is_some() && matches!(role, Role::Commanditaire | Role::Operateur) {
            "<title>pilotage</title>"
        } else {
            "/app-0123456789abcdef.js"
        };
        assert!(r.text.contains(attendu), "{role:?} {cookie:?}: {}", r.text);
        // Each page carries its visitor's first reads: never stored.
        let avec_lectures = cookie.is_some();
        let cache = if avec_lectures { "no-store" } else { "no-cache" };
        assert_eq!(r.headers.get("cache-control").unwrap(), cache, "{role:?} {cookie:?}");
        assert_eq!(r.text.contains("application/json"), avec_lectures, "{role:?} {cookie:?}: {}", r.text);
        assert!(r.headers.get_all("vary").iter().any(|v| v.to_str().unwrap().contains("cookie")), "{:?}", r.headers);
        assert!(r.headers.get("last-modified").is_none());
    }
}

/// The management area of the staff app (statistics, team, access journal, reminders,
/// administration, account, carnets): its page at its paths and below, its files under
/// /zone-gestion/; the conseillers' pages keep the staff app.
#[tokio::test]
async fn the_management_pages_are_an_app_of_their_own() {
    let dist = fake_dist();
    let gestion = dist.path().join("zone-gestion");
    std::fs::create_dir_all(&gestion).unwrap();
    let page = "<!doctype html><title>gestion</title><script type=\"module\">import init from '/zone-gestion/gestion-0123456789abcdef.js';</script>";
    std::fs::write(gestion.join("index.html"), page).unwrap();
    std::fs::write(gestion.join("gestion-0123456789abcdef_bg.wasm"), b"\0asm").unwrap();
    std::fs::write(gestion.join("gestion-0123456789abcdef_bg.wasm.br"), b"compressed").unwrap();
    let app = TestApp::with_config(Config { dist_dir: Some(dist.path().to_path_buf()), ..Default::default() }).await;

    for path in [
        "/statistiques",
        "/statistiques?periode=mois",
        "/equipe",
        "/journal-des-acces",
        "/journal-des-acces?page=2",
        "/rappels",
        "/admin",
        "/compte",
        "/carnets",
        "/carnets/3",
    ] {
        let r = app.request(Method::GET, path, None, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(r.text.contains("<title>gestion</title>"), "{path}: {}", r.text);
        assert_eq!(r.headers.get("cache-control").unwrap(), "no-cache", "{path}");
        // Its inline loader is allowed by its hash too.
        let csp = r.headers.get("content-security-policy").unwrap().to_str().unwrap();
        assert_eq!(csp.matches("'sha256-").count(), 2, "{csp}");
    }
    // The staff app keeps the conseillers' pages, and what only looks like a management page.
    for path in ["/", "/beneficiaires/1", "/journee", "/comptes", "/statistiques-x", "/administration"] {
        let r = app.request(Method::GET, path, None, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(r.text.contains("/app-0123456789abcdef.js"), "{path}: {}", r.text);
    }

    let req = Request::builder()
        .uri("/zone-gestion/gestion-0123456789abcdef_bg.wasm")
        .header("accept-encoding", "gzip, br")
        .body(Body::empty())
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers.get("content-encoding").unwrap(), "br");
    assert_eq!(r.headers.get("cache-control").unwrap(), "public, max-age=31536000, immutable");
    // A file it does not have is missing, not a page.
    let r = app.request(Method::GET, "/zone-gestion/gestion-fedcba9876543210_bg.wasm", None, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.headers.get("cache-control").unwrap(), "no-cache");
}

/// A parcours' pages are three areas of the staff app: a new parcours in one, its steps in
/// another, its page, sessions, link sheet and orientation in a third; each its page at its
/// paths, its files under its folder. The dashboard and a beneficiary's pages keep the staff app.
#[tokio::test]
async fn a_parcours_pages_are_apps_of_their_own() {
    let dist = fake_dist();
    let zones = [("zone-parcours", "parcours"), ("zone-etapes", "etapes"), ("zone-accueil", "accueil")];
    for (zone, nom) in zones {
        let dir = dist.path().join(zone);
        std::fs::create_dir_all(&dir).unwrap();
        let page = format!(
            "<!doctype html><title>{nom}</title><script type=\"module\">import init from '/{zone}/{nom}-0123456789abcdef.js';</script>"
        );
        std::fs::write(dir.join("index.html"), page).unwrap();
        std::fs::write(dir.join(format!("{nom}-0123456789abcdef_bg.wasm")), b"\0asm").unwrap();
    }
    let app = TestApp::with_config(Config { dist_dir: Some(dist.path().to_path_buf()), ..Default::default() }).await;

    let pages = [
        ("/parcours/nouveau", "accueil"),
        ("/parcours/3/diagnostic", "etapes"),
        ("/parcours/3/objectifs", "etapes"),
        ("/parcours/3/planning", "etapes"),
        ("/parcours/3/bilan", "etapes"),
        ("/parcours/3/bilan/imprimer", "etapes"),
        ("/parcours/3", "parcours"),
        ("/parcours/3/", "parcours"),
        ("/parcours/3/seances", "parcours"),
        ("/parcours/3/seances/7", "parcours"),
        ("/parcours/3/lien/imprimer", "parcours"),
        ("/parcours/3/orientation", "parcours"),
        ("/parcours/3/bilans", "parcours"),
        ("/parcours/nouveaux", "parcours"),
    ];
    for (path, nom) in pages {
        let r = app.request(Method::GET, path, None, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(r.text.contains(&format!("<title>{nom}</title>")), "{path}: {}", r.text);
        assert_eq!(r.headers.get("cache-control").unwrap(), "no-cache", "{path}");
        // Its inline loader is allowed by its hash too.
        let csp = r.headers.get("content-security-policy").unwrap().to_str().unwrap();
        assert_eq!(csp.matches("'sha256-").count(), 4, "{csp}");
    }
    for path in ["/", "/beneficiaires/3", "/beneficiaires/3/donnees", "/notice-information", "/journee", "/parcoursx/3"]
    {
        let r = app.request(Method::GET, path, None, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(r.text.contains("/app-0123456789abcdef.js"), "{path}: {}", r.text);
    }
    for (zone, nom) in zones {
        let r = app.request(Method::GET, &format!("/{zone}/{nom}-0123456789abcdef_bg.wasm"), None, None).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.headers.get("cache-control").unwrap(), "public, max-age=31536000, immutable");
        let r = app.request(Method::GET, &format!("/{zone}/{nom}-fedcba9876543210_bg.wasm"), None, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn the_audit_log_cannot_be_edited_or_deleted() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@example.fr").await;
    app.intake(&cookie, intake_body("Zoé", 40, 5)).await;
    assert!(app.executer("UPDATE audit_log SET action = 'x'").await.is_err());
    assert!(app.executer("DELETE FROM audit_log").await.is_err());
    assert_eq!(app.count("audit_log").await, 7);
}

/// The data blocks of a page: (address, answer).
fn lectures_de(page: &str) -> Vec<(String, serde_json::Value)> {
    let mut out = Vec::new();
    let mut reste = page;
    while let Some(i) = reste.find("<script type=\"application/json\" id=\"") {
        reste = &reste[i..];
        let debut = reste.find("id=\"").unwrap() + "id=\"".len();
        let fin = debut + reste[debut..].find('"').unwrap();
        let adresse = reste[debut..fin].replace("&amp;", "&");
        let corps = fin + reste[fin..].find('>').unwrap() + 1;
        let fin_corps = corps + reste[corps..].find("</script>").unwrap();
        out.push((adresse, serde_json::from_str(&reste[corps..fin_corps]).unwrap()));
        reste = &reste[fin_corps..];
    }
    out
}

/// The same answer but for the instant it was made at.
fn sans_instant(mut v: serde_json::Value) -> serde_json::Value {
    match &mut v {
        serde_json::Value::Object(o) => {
            o.remove("maintenant");
            for x in o.values_mut() {
                *x = sans_instant(x.take());
            }
        }
        serde_json::Value::Array(a) => {
            for x in a.iter_mut() {
                *x = sans_instant(x.take());
            }
        }
        _ => {}
    }
    v
}

/// A logged-in conseiller's `/` comes with the answers of the dashboard's first reads (the
/// session, the agenda, the beneficiaries' first page), as the API gives them, with the same
/// access-journal lines, never stored; nothing in a person's name can end its block; a buyer's
/// (the pilotage area's) with the session only; nobody, a forged cookie: the page as it is.
#[tokio::test]
async fn the_conseillers_home_comes_with_its_first_reads() {
    let dist = fake_dist();
    std::fs::create_dir_all(dist.path().join("zone-pilotage")).unwrap();
    std::fs::write(dist.path().join("zone-pilotage/index.html"), "<!doctype html><title>pilotage</title>").unwrap();
    let app = TestApp::with_config(Config { dist_dir: Some(dist.path().to_path_buf()), ..Default::default() }).await;
    let (_, cookie) = app.conseiller("S", "c@example.fr").await;
    let prenom = "Zoé</script><script>alert(1)</script><!--";
    app.intake(&cookie, intake_body(prenom, 1, 5)).await;

    let lignes = app.count("journal_acces").await;
    let req = Request::builder().uri("/").header("cookie", cookie.as_str()).body(Body::empty()).unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers.get("cache-control").unwrap(), "no-store");
    assert!(r.headers.get_all("vary").iter().any(|v| v.to_str().unwrap().contains("cookie")), "{:?}", r.headers);
    assert!(r.headers.get("content-encoding").is_none());
    assert!(r.text.contains("/app-0123456789abcdef.js"), "{}", r.text);
    // The loader is still the only script that runs: the CSP is the file's.
    let csp = r.headers.get("content-security-policy").unwrap().to_str().unwrap();
    assert_eq!(csp.matches("'sha256-").count(), 1, "{csp}");
    assert!(!r.text.contains("</script><script>alert"), "{}", r.text);
    assert_eq!(r.text.matches("<script").count(), r.text.matches("</script>").count(), "{}", r.text);
    // Two reads show people (the agenda, the list): two lines, as the API writes them.
    let apres_page = app.count("journal_acces").await;
    assert_eq!(apres_page, lignes + 2);

    let lectures = lectures_de(&r.text);
    let adresses: Vec<&str> = lectures.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(adresses, ["/api/v1/auth/session", "/api/v1/tableau-de-bord", "/api/v1/beneficiaires?q=&page=1"]);
    for (adresse, valeur) in &lectures {
        let api = app.get(adresse, &cookie).await;
        assert_eq!(api.status, StatusCode::OK, "{adresse}");
        assert_eq!(sans_instant(valeur.clone()), sans_instant(api.body), "{adresse}");
    }
    assert_eq!(lectures[2].1["items"][0]["prenom"], prenom);
    assert_eq!(app.count("journal_acces").await, apres_page + 2);

    // Another page of the list is the app's to ask; the page's brotli when the browser takes it.
    let req = Request::builder()
        .uri("/?page=2")
        .header("cookie", cookie.as_str())
        .header("accept-encoding", "gzip, br")
        .body(Body::empty())
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.headers.get("content-encoding").unwrap(), "br");
    let mut html = Vec::new();
    brotli::BrotliDecompress(&mut &r.bytes[..], &mut html).unwrap();
    let adresses: Vec<String> = lectures_de(&String::from_utf8(html).unwrap()).into_iter().map(|(a, _)| a).collect();
    assert_eq!(adresses, ["/api/v1/auth/session", "/api/v1/tableau-de-bord"]);
    let lignes = app.count("journal_acces").await;
    assert_eq!(lignes, apres_page + 3);

    // A HEAD reads nothing.
    let req = Request::builder().method(Method::HEAD).uri("/").header("cookie", cookie.as_str()).body(Body::empty());
    let r = app.send(req.unwrap()).await;
    assert_eq!(r.headers.get("cache-control").unwrap(), "no-cache");
    assert_eq!(app.count("journal_acces").await, lignes);

    app.create_user(None, "m@example.fr", "mot-de-passe-solide-1", Role::Commanditaire).await;
    let acheteur = app.login("m@example.fr", "mot-de-passe-solide-1").await;
    let (nom, valeur) = cookie.split_once('=').unwrap();
    let forge = format!("{nom}={}", valeur.chars().rev().collect::<String>());
    let r = app.request(Method::GET, "/", None, Some(&acheteur)).await;
    assert!(r.text.contains("<title>pilotage</title>"), "{}", r.text);
    let lectures = lectures_de(&r.text);
    assert_eq!(lectures.len(), 1, "{}", r.text);
    assert_eq!(
        (lectures[0].0.as_str(), &lectures[0].1["me"]["role"]),
        ("/api/v1/auth/session", &serde_json::json!("commanditaire"))
    );
    assert_eq!(r.headers.get("cache-control").unwrap(), "no-store");
    for visiteur in [None, Some(forge.as_str())] {
        let r = app.request(Method::GET, "/", None, visiteur).await;
        assert_eq!(r.status, StatusCode::OK, "{visiteur:?}");
        assert!(!r.text.contains("application/json"), "{visiteur:?}: {}", r.text);
        assert_eq!(r.headers.get("cache-control").unwrap(), "no-cache", "{visiteur:?}");
    }
    assert_eq!(app.count("journal_acces").await, lignes);
}

/// Every staff area's page comes with its visitor's session (each area's app asks it first),
/// never stored; without a session, or for a HEAD, the file as it is.
#[tokio::test]
async fn each_areas_page_comes_with_the_session() {
    let dist = fake_dist();
    for zone in ["zone-lieux", "zone-pilotage", "zone-gestion", "zone-parcours", "zone-etapes", "zone-accueil"] {
        std::fs::create_dir_all(dist.path().join(zone)).unwrap();
        std::fs::write(
            dist.path().join(zone).join("index.html"),
            format!("<html><head><title>{zone}</title></head></html>"),
        )
        .unwrap();
    }
    let app = TestApp::with_config(Config { dist_dir: Some(dist.path().to_path_buf()), ..Default::default() }).await;
    let (_, cookie) = app.conseiller("S", "c@example.fr").await;
    let session = app.get("/api/v1/auth/session", &cookie).await.body;
    let lignes = app.count("journal_acces").await;
    for (chemin, zone) in [
        ("/lieux", "zone-lieux"),
        ("/lieux/candidats", "zone-lieux"),
        ("/tableau", "zone-pilotage"),
        ("/statistiques", "zone-gestion"),
        ("/compte", "zone-gestion"),
        ("/parcours/3", "zone-parcours"),
        ("/parcours/3/seances/2", "zone-parcours"),
        ("/parcours/3/diagnostic", "zone-etapes"),
        ("/parcours/nouveau", "zone-accueil"),
    ] {
        let r = app.get(chemin, &cookie).await;
        assert_eq!(r.status, StatusCode::OK, "{chemin}");
        assert!(r.text.contains(&format!("<title>{zone}</title>")), "{chemin}: {}", r.text);
        assert_eq!(r.headers.get("cache-control").unwrap(), "no-store", "{chemin}");
        assert!(r.headers.get_all("vary").iter().any(|v| v.to_str().unwrap().contains("cookie")), "{chemin}");
        let lectures = lectures_de(&r.text);
        assert_eq!(lectures.len(), 1, "{chemin}: {}", r.text);
        assert_eq!(lectures[0].0, "/api/v1/auth/session");
        assert_eq!(sans_instant(lectures[0].1.clone()), sans_instant(session.clone()), "{chemin}");

        let r = app.request(Method::GET, chemin, None, None).await;
        assert!(r.text.contains(&format!("<title>{zone}</title>")), "{chemin}: {}", r.text);
        assert!(!r.text.contains("application/json"), "{chemin}: {}", r.text);
        assert_eq!(r.headers.get("cache-control").unwrap(), "no-cache", "{chemin}");
        let req = Request::builder().method(Method::HEAD).uri(chemin).header("cookie", cookie.as_str());
        let r = app.send(req.body(Body::empty()).unwrap()).await;
        assert_eq!(r.headers.get("cache-control").unwrap(), "no-cache", "{chemin}");
    }
    // The session shows nobody: no line in the access journal.
    assert_eq!(app.count("journal_acces").await, lignes);
    // The public pages are not staff pages.
    let r = app.get("/connexion", &cookie).await;
    assert_ne!(r.headers.get("cache-control").map(|v| v.to_str().unwrap()), Some("no-store"));
}
