//! PostgreSQL goes away while Carnet serves (a restart, a failover): every open connection is cut
//! and new ones are refused for a while, then it comes back. Meanwhile readiness says 503 and
//! so does a write, in French, having written nothing; liveness stays 200. Once it is back, the
//! pool reconnects by itself: what was acknowledged before is there, and writes succeed again.
//! The outage is made by a TCP relay between the app and the test's PostgreSQL database, which
//! the test cuts and restores.

mod common;

use axum::http::{Method, StatusCode};
use carnet_domain::api::Role;
use carnet_server::{app, db, AppState, Clock, Config};
use common::pg::PgTestDb;
use common::{instant, intake_body, TestApp};
use sqlx::ConnectOptions;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Forwards every connection to `cible`; `couper` closes those open and refuses new ones until
/// `retablir`.
struct Relais {
    adresse: std::net::SocketAddr,
    coupe: Arc<AtomicBool>,
    liaisons: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Relais {
    async fn vers(cible: String) -> Relais {
        let ecoute = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let adresse = ecoute.local_addr().unwrap();
        let coupe = Arc::new(AtomicBool::new(false));
        let liaisons: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (c, l) = (coupe.clone(), liaisons.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = ecoute.accept().await {
                if c.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let cible = cible.clone();
                l.lock().unwrap().push(tokio::spawn(async move {
                    if let Ok(mut serveur) = TcpStream::connect(&cible).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut serveur).await;
                    }
                }));
            }
        });
        Relais { adresse, coupe, liaisons }
    }

    fn couper(&self) {
        self.coupe.store(true, Ordering::SeqCst);
        for l in self.liaisons.lock().unwrap().drain(..) {
            l.abort();
        }
    }

    fn retablir(&self) {
        self.coupe.store(false, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn while_postgresql_is_away_writes_get_503_and_nothing_is_lost_then_it_serves_again() {
    let base = PgTestDb::carnet().await;
    let options = sqlx::postgres::PgConnectOptions::from_str(&base.url).unwrap();
    let relais = Relais::vers(format!("{}:{}", options.get_host(), options.get_port())).await;
    let par_le_relais = options.host("127.0.0.1").port(relais.adresse.port()).to_url_lossy().to_string();
    let db = db::connect(&par_le_relais).await.unwrap();
    let clock = Clock::starting_at(instant());
    let state = AppState::new(db.clone(), Arc::new(Config::default()), clock.clone());
    let app = TestApp { router: app(state), db, clock, dir: tempfile::tempdir().unwrap(), pg: Some(base) };

    let structure = app.create_structure("Médiathèque du relais").await;
    app.create_user(Some(structure), "relais@example.fr", "mot-de-passe-du-relais", Role::Conseiller).await;
    let cookie = app.login("relais@example.fr", "mot-de-passe-du-relais").await;
    let avant = app.intake(&cookie, intake_body("Avant", 71, 5)).await;

    relais.couper();
    let r = app.request(Method::GET, "/api/v1/health/ready", None, None).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
    let r = app.request(Method::GET, "/api/v1/health", None, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let debut = Instant::now();
    let r = app.post("/api/v1/parcours", intake_body("Pendant", 72, 5), &cookie).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
    assert!(r.body["error"].as_str().unwrap().contains("rien n'a été enregistré"), "{}", r.text);
    // Bounded by the pool's wait for a connection, not hung.
    assert!(debut.elapsed() < Duration::from_secs(15), "{:?}", debut.elapsed());

    relais.retablir();
    let debut = Instant::now();
    loop {
        let r = app.request(Method::GET, "/api/v1/health/ready", None, None).await;
        if r.status == StatusCode::OK {
            break;
        }
        assert!(debut.elapsed() < Duration::from_secs(20), "still {} after {:?}", r.status, debut.elapsed());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The same session cookie: sessions live in the database.
    let r = app.get(&format!("/api/v1/parcours/{avant}"), &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let apres = app.intake(&cookie, intake_body("Après", 73, 5)).await;
    assert_ne!(apres, avant);
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM beneficiaires WHERE prenom IN ('Avant', 'Pendant', 'Après')")
            .fetch_one(&app.pg.as_ref().unwrap().pool().await)
            .await
            .unwrap();
    assert_eq!(n, 2, "the refused write left nothing, the others are there");
}
