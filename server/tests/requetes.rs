//! How many statements a page costs: the two pages every conseiller opens all day (the
//! dashboard and a parcours) must not grow a statement per session, per pass or per line.
//! Every statement sqlx runs is logged at DEBUG under the `sqlx::query` target; this test's
//! subscriber collects them around one request.

mod common;

use axum::http::StatusCode;
use carnet_server::seed;
use common::*;
use std::sync::{Arc, Mutex};
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;

#[derive(Clone, Default)]
struct Requetes(Arc<Mutex<Vec<String>>>);

struct Texte(Option<String>);

impl Visit for Texte {
    fn record_str(&mut self, champ: &Field, valeur: &str) {
        if champ.name() == "db.statement" || (champ.name() == "summary" && self.0.is_none()) {
            self.0 = Some(valeur.to_string());
        }
    }
    fn record_debug(&mut self, champ: &Field, valeur: &dyn std::fmt::Debug) {
        if champ.name() == "summary" && self.0.is_none() {
            self.0 = Some(format!("{valeur:?}"));
        }
    }
}

impl<S: tracing::Subscriber> Layer<S> for Requetes {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() != "sqlx::query" {
            return;
        }
        let mut t = Texte(None);
        event.record(&mut t);
        let sql = t.0.unwrap_or_default();
        let mot = sql.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
        // Transactions' own statements are not the page's work (and only PostgreSQL logs them,
        // as it logs its pool's empty ping); nor is a connection's setup (SQLite's PRAGMAs), run
        // once when the pool opens a connection, which may happen during any request.
        if !matches!(mot.as_str(), "" | "BEGIN" | "COMMIT" | "ROLLBACK" | "SAVEPOINT" | "RELEASE" | "PRAGMA" | "SET") {
            self.0.lock().unwrap().push(sql.split_whitespace().collect::<Vec<_>>().join(" "));
        }
    }
}

impl Requetes {
    fn prendre(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

async fn compter(app: &TestApp, requetes: &Requetes, chemin: &str, cookie: &str) -> Vec<String> {
    requetes.prendre();
    let r = app.get(chemin, cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{chemin}: {}", r.text);
    requetes.prendre()
}

#[tokio::test]
async fn the_dashboard_and_a_parcours_cost_a_fixed_number_of_statements() {
    let requetes = Requetes::default();
    let filtre = tracing_subscriber::filter::Targets::new().with_target("sqlx::query", tracing::Level::DEBUG);
    // The only test of its binary: the subscriber can be the process's (a thread-scoped one
    // misses the statements run on the runtime's other threads).
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(requetes.clone().with_filter(filtre)))
        .unwrap();
    let app = TestApp::new().await;
    assert!(seed::seed_demo_if_new(&app.db, app.clock.now()).await.unwrap());
    let cookie = app.login(seed::DEMO_EMAIL, seed::DEMO_PASSWORD).await;
    // The first read builds the dashboard; the next ones find it kept.
    let tableau = compter(&app, &requetes, "/api/v1/tableau-de-bord", &cookie).await;
    let t = app.get("/api/v1/tableau-de-bord", &cookie).await.body;
    let ids: Vec<i64> = t["parcours"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect();
    assert_eq!(ids.len(), 2);

    // The demo's parcours: one in progress (5 sessions, 2 held), one finished (6 sessions).
    let parcours: Vec<Vec<String>> = {
        let mut v = Vec::new();
        for id in &ids {
            v.push(compter(&app, &requetes, &format!("/api/v1/parcours/{id}"), &cookie).await);
        }
        v
    };
    // Read again, unchanged: the answer kept in memory, after its version is checked.
    let gardes: Vec<Vec<String>> = {
        let mut v = Vec::new();
        for id in &ids {
            v.push(compter(&app, &requetes, &format!("/api/v1/parcours/{id}"), &cookie).await);
        }
        v
    };
    let tableau_garde = compter(&app, &requetes, "/api/v1/tableau-de-bord", &cookie).await;
    println!("tableau de bord : {} requêtes\n  {}", tableau.len(), tableau.join("\n  "));
    println!("tableau de bord gardé : {} requêtes\n  {}", tableau_garde.len(), tableau_garde.join("\n  "));
    assert!(tableau_garde.len() <= TABLEAU_GARDE, "a kept dashboard: {tableau_garde:#?}");
    assert!(
        tableau_garde.iter().any(|q| q.contains("FROM sessions") && q.contains("JOIN versions_structures")),
        "{tableau_garde:#?}"
    );
    for (id, p) in ids.iter().zip(&parcours) {
        println!("parcours {id} : {} requêtes\n  {}", p.len(), p.join("\n  "));
    }
    for (id, p) in ids.iter().zip(&gardes) {
        println!("parcours {id} gardé : {} requêtes\n  {}", p.len(), p.join("\n  "));
        assert!(p.len() <= PARCOURS_GARDE, "a kept parcours page: {} statements\n{p:#?}", p.len());
        assert!(p.iter().any(|q| q.contains("FROM sessions") && q.contains("JOIN parcours")), "{p:#?}");
    }
    // Both parcours cost the same whatever their number of sessions: nothing per row.
    assert_eq!(parcours[0].len(), parcours[1].len(), "{parcours:#?}");
    assert!(parcours[0].len() <= PARCOURS, "a parcours page: {} statements\n{:#?}", parcours[0].len(), parcours[0]);
    assert!(tableau.len() <= TABLEAU, "the dashboard: {} statements\n{tableau:#?}", tableau.len());
}

/// Measured on the demo: what the two pages cost when built (the session, the page's version and
/// the access journal's line included). A page that grows past them has gained a statement per
/// row, or a new read.
const PARCOURS: usize = 14;
const TABLEAU: usize = 10;
/// A parcours page read again unchanged: the session with the page's version (one statement),
/// then the journal's line (three statements, which the lines written in one batch share).
const PARCOURS_GARDE: usize = 4;
/// The dashboard read again unchanged: the session with the structure's version, the journal's
/// line.
const TABLEAU_GARDE: usize = 4;
