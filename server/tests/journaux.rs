//! Logs never hold a live token of a personal link: the calendar's token is in the feed's path,
//! clients of old put the space's token in theirs, and whoever reads a log file must not be able
//! to open a person's space or calendar with it. Everything the server logs, at DEBUG too, is
//! captured and searched.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::*;
use serde_json::json;
use std::sync::Arc;

/// Everything the server logs, even at DEBUG: a test's own subscriber writes here.
#[derive(Clone, Default)]
struct Journal(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Journal {
    fn write(&mut self, octets: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(octets);
        Ok(octets.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Journal {
    type Writer = Journal;
    fn make_writer(&'a self) -> Journal {
        self.clone()
    }
}

#[tokio::test]
async fn the_logs_never_hold_a_live_token() {
    let journal = Journal::default();
    let abonne = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(journal.clone())
        .finish();
    // The only test of its binary, so the subscriber can be the process's: a thread-scoped one
    // misses events whose callsites other tests' threads registered first.
    tracing::subscriber::set_global_default(abonne).unwrap();
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("Médiathèque des journaux", "journaux@example.fr").await;
    let parcours = app.intake(&cookie, intake_body("Zoé", 61, 5)).await;
    let r = app.post(&format!("/api/v1/parcours/{parcours}/lien"), json!({}), &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let token = r.body["url"].as_str().unwrap().split_once("/espace/#").unwrap().1.to_string();

    let r = app.porteur(Method::GET, "/api/v1/espace", &token, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let ics = r.body["ics"].as_str().unwrap().to_string();
    let agenda = ics.strip_prefix("/api/v1/agenda/").unwrap().strip_suffix("/seances.ics").unwrap().to_string();
    let r = app.request(Method::GET, &ics, None, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // The feed (404 without the « agenda » consent: logged all the same).
    let r = app.request(Method::GET, &format!("/api/v1/agenda/{agenda}.ics"), None, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    // A client of old, with the space's token in the path: no such route, and not logged.
    let r = app.request(Method::GET, &format!("/api/v1/espace/{token}"), None, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    // A write from another site is refused, and the refusal is logged with its path.
    let req = Request::post("/api/v1/espace/rappels/arret")
        .header("origin", "https://autre-site.example")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);

    let texte = String::from_utf8(journal.0.lock().unwrap().clone()).unwrap();
    assert!(texte.contains("/api/v1/agenda/…/seances.ics"), "the requests are logged:\n{texte}");
    assert!(texte.contains("/api/v1/agenda/….ics"), "{texte}");
    assert!(texte.contains("/api/v1/espace/…"), "{texte}");
    assert!(texte.contains("/api/v1/espace/rappels/arret"), "{texte}");
    assert!(texte.contains("requête d'un autre site refusée"), "{texte}");
    assert!(!texte.contains(&token), "a live token in the logs:\n{texte}");
    assert!(!texte.contains(&agenda), "a calendar token in the logs:\n{texte}");
}
