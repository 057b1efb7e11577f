//! Test harness: each test gets the real `app()` on its own fresh SQLite file, and talks to it
//! over HTTP requests (tower `oneshot`), cookies included.
#![allow(dead_code)]

pub mod binaire;
pub mod mail;
pub mod pg;

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use carnet_domain::api::Role;
use carnet_domain::PassCode;
use carnet_server::on;
use carnet_server::store::users::{self, NewUser};
use carnet_server::{app, auth, db, AppState, Clock, Config, Db};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc, Weekday};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;

/// A migrated database with the commune list loaded, built once per test binary; each test
/// copies it (loading 35,000 communes per test would dominate the run).
fn template() -> &'static Path {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        std::thread::spawn(|| {
            let dir = std::env::temp_dir().join(format!("carnet-test-template-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join("template.db");
            let _ = std::fs::remove_file(&path);
            let rt = tokio::runtime::Runtime::new().unwrap();
            rt.block_on(async {
                let pool = db::connect(&format!("sqlite://{}", path.display())).await.unwrap();
                let db::Db::Sqlite(sqlite) = &pool else { unreachable!("a sqlite:// URL") };
                sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(sqlite).await.unwrap();
                pool.close().await;
            });
            path
        })
        .join()
        .unwrap()
    })
}

pub struct TestApp {
    pub router: Router,
    pub db: Db,
    /// The app's clock: starts at `instant()` and runs on; `clock.step(…)` moves it.
    pub clock: Clock,
    pub dir: tempfile::TempDir,
    /// On PostgreSQL, the test's own database, dropped with the app.
    pub pg: Option<pg::PgTestDb>,
}

/// Whether the app's database is PostgreSQL (`CARNET_TEST_BACKEND=postgres`, on the server of
/// `CARNET_TEST_PG`: `make test-server` runs the suite once per backend) rather than SQLite.
pub fn sur_postgres() -> bool {
    match std::env::var("CARNET_TEST_BACKEND").as_deref() {
        Ok("postgres") => true,
        Ok("sqlite") | Ok("") | Err(_) => false,
        Ok(other) => panic!("CARNET_TEST_BACKEND={other} : « sqlite » ou « postgres »"),
    }
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
    /// The body as sent (a file's bytes).
    pub bytes: Vec<u8>,
}

impl TestApp {
    /// The hours of today already begun by the app's clock, on the hour within a working day
    /// (07:00 to 20:00), latest first: a session is held only once begun. Before 08:00 the clock
    /// first moves to noon of the same day, since nobody holds a session in the night.
    pub fn heures_passees(&self) -> Vec<String> {
        let mut now = carnet_domain::paris::to_local(self.clock.now());
        if now.hour() < 8 {
            let midi = now.date().and_hms_opt(12, 0, 0).expect("noon");
            self.clock.step(midi - now);
            now = carnet_domain::paris::to_local(self.clock.now());
        }
        (7..=now.hour().min(20)).rev().map(|h| format!("{h:02}:00")).collect()
    }
}

impl TestApp {
    pub async fn new() -> TestApp {
        Self::with_config(Config::default()).await
    }

    pub async fn with_config(config: Config) -> TestApp {
        Self::with_config_in(|_| config).await
    }

    /// A config that needs the test's own folder (e.g. `Mailer::Dir`).
    pub async fn with_config_in(config: impl FnOnce(&Path) -> Config) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let config = config(dir.path());
        let (db, pg) = if sur_postgres() {
            let base = pg::PgTestDb::carnet().await;
            (db::connect(&base.url).await.unwrap(), Some(base))
        } else {
            let path = dir.path().join("carnet.db");
            std::fs::copy(template(), &path).unwrap();
            (db::connect(&format!("sqlite://{}", path.display())).await.unwrap(), None)
        };
        let clock = Clock::starting_at(instant());
        let state = AppState::new(db.clone(), Arc::new(config), clock.clone());
        TestApp { router: app(state), db, clock, dir, pg }
    }

    pub async fn request(&self, method: Method, path: &str, body: Option<Value>, cookie: Option<&str>) -> Resp {
        self.request_as(method, path, body, cookie, None).await
    }

    /// A request of the beneficiary space: its token in `Authorization: Bearer`, no cookie.
    pub async fn porteur(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> Resp {
        self.request_as(method, path, body, None, Some(token)).await
    }

    pub async fn request_as(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        cookie: Option<&str>,
        bearer: Option<&str>,
    ) -> Resp {
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(c) = cookie {
            builder = builder.header(header::COOKIE, c);
        }
        if let Some(t) = bearer {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(b) => {
                builder.header(header::CONTENT_TYPE, "application/json").body(Body::from(b.to_string())).unwrap()
            }
            None => builder.body(Body::empty()).unwrap(),
        };
        self.send(req).await
    }

    pub async fn send(&self, req: Request<Body>) -> Resp {
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&bytes).to_string();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Resp { status, headers, body, text, bytes: bytes.to_vec() }
    }

    pub async fn get(&self, path: &str, cookie: &str) -> Resp {
        self.request(Method::GET, path, None, Some(cookie)).await
    }

    pub async fn post(&self, path: &str, body: Value, cookie: &str) -> Resp {
        self.request(Method::POST, path, Some(body), Some(cookie)).await
    }

    pub async fn create_structure(&self, nom: &str) -> i64 {
        users::create_structure(&self.db, nom, None, Some("29019"), self.clock.now()).await.unwrap()
    }

    pub async fn create_user(&self, structure_id: Option<i64>, email: &str, password: &str, role: Role) -> i64 {
        let hash = auth::hash_password(password).unwrap();
        users::create_user(
            &self.db,
            &NewUser { email, password_hash: &hash, prenom: "Test", nom: "Utilisateur", role, structure_id },
            self.clock.now(),
        )
        .await
        .unwrap()
    }

    /// Logs in and returns the `Cookie` header value to send back.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let r = self
            .request(Method::POST, "/api/v1/auth/login", Some(json!({"email": email, "password": password})), None)
            .await;
        assert_eq!(r.status, StatusCode::OK, "login {email}: {}", r.text);
        cookie_of(&r)
    }

    /// A structure with one conseiller, logged in: (structure id, cookie).
    pub async fn conseiller(&self, structure: &str, email: &str) -> (i64, String) {
        let s = self.create_structure(structure).await;
        self.create_user(Some(s), email, "mot-de-passe-de-test", Role::Conseiller).await;
        (s, self.login(email, "mot-de-passe-de-test").await)
    }

    /// The application's tables (not the migrations' own), on either backend.
    pub async fn tables(&self) -> Vec<String> {
        let sql = if self.db.is_postgres() {
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_sqlx_migrations'"
        } else {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'"
        };
        let rows: Vec<(String,)> =
            on!(self.db.acquire().await.unwrap(), |cx| sqlx::query_as(sql).fetch_all(cx).await).unwrap();
        rows.into_iter().map(|r| r.0).collect()
    }

    /// The columns of `table`, on either backend.
    pub async fn colonnes(&self, table: &str) -> Vec<String> {
        let sql = if self.db.is_postgres() {
            "SELECT column_name::text FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1"
        } else {
            "SELECT name FROM pragma_table_info($1)"
        };
        let rows: Vec<(String,)> =
            on!(self.db.acquire().await.unwrap(), |cx| sqlx::query_as(sql).bind(table).fetch_all(cx).await).unwrap();
        rows.into_iter().map(|r| r.0).collect()
    }

    /// Runs one statement without parameters behind the API's back (a test's own change, or an
    /// append-only table's refusal): the rows it changed, or the database's error.
    /// Runs a statement of a test's world. Raw SQL goes around the store, which keeps the
    /// statistics' daily counts: they are recounted after it, as the store would have.
    pub async fn executer(&self, sql: &str) -> sqlx::Result<u64> {
        let n = on!(self.db.acquire().await?, |cx| sqlx::query(sql).execute(cx).await.map(|r| r.rows_affected()))?;
        carnet_server::store::agregat::reconstruire(&mut self.db.acquire().await?).await?;
        Ok(n)
    }

    pub async fn count(&self, table: &str) -> i64 {
        let (n,): (i64,) =
            on!(self.db.acquire().await.unwrap(), |cx| sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(cx)
                .await)
            .unwrap();
        n
    }

    /// Uploads a venue file and waits for the import to end; returns its report.
    pub async fn import_lieux(&self, cookie: &str, name: &str, content: &str) -> Value {
        let req = Request::builder()
            .method(Method::POST)
            .uri(format!("/api/v1/lieux/imports?fichier={name}"))
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "text/csv")
            .body(Body::from(content.to_string()))
            .unwrap();
        let r = self.send(req).await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
        let id = r.body["id"].as_i64().unwrap();
        for _ in 0..2400 {
            let r = self.get(&format!("/api/v1/lieux/imports/{id}"), cookie).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            if r.body["etat"] != "en_cours" {
                return r.body;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("import {id} not finished");
    }

    /// Creates a parcours through the intake endpoint; returns its id.
    pub async fn intake(&self, cookie: &str, body: Value) -> i64 {
        let r = self.post("/api/v1/parcours", body, cookie).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.body["parcours_id"].as_i64().unwrap()
    }
}

pub fn cookie_of(r: &Resp) -> String {
    let set = r.headers.get(header::SET_COOKIE).expect("Set-Cookie").to_str().unwrap();
    set.split(';').next().unwrap().to_string()
}

/// `n` valid pass codes no other call returns (seeded by `seed`).
pub fn codes(seed: u8, n: u8) -> Vec<String> {
    (0..n).map(|i| PassCode::from_random([seed, i, seed.wrapping_mul(3), 4, 5, 6, 7, 8, 9, 10, 11]).display()).collect()
}

/// The instant every test starts at: an ordinary Monday morning in Paris, or the instant in
/// `CARNET_TEST_HORLOGE` (RFC 3339), which `make test-calendrier` sets to the year's hard dates.
/// Tests never read the machine's date.
pub fn instant() -> DateTime<Utc> {
    static AT: OnceLock<DateTime<Utc>> = OnceLock::new();
    *AT.get_or_init(|| {
        let text = std::env::var("CARNET_TEST_HORLOGE").unwrap_or_else(|_| "2027-03-15T10:00:00+01:00".to_string());
        carnet_server::clock::parse_instant(&text).expect("CARNET_TEST_HORLOGE")
    })
}

/// The day it is in Paris at `instant()`.
pub fn today() -> NaiveDate {
    carnet_domain::paris::today(instant())
}

/// Whether a conseiller works on `d`: Monday to Friday and not a public holiday.
pub fn ouvre(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !carnet_domain::parcours::feries::est_ferie(d)
}

/// The next ordinary weekday (Monday to Friday, not a public holiday) at least `n` days after
/// today: where a test needs « a date in n days » that the planning accepts on any day of the year.
pub fn jour_ouvre_dans(n: i64) -> NaiveDate {
    let mut d = today() + Duration::days(n);
    while !ouvre(d) {
        d += Duration::days(1);
    }
    d
}

/// A valid intake form for a carnet of `n` passes.
pub fn intake_body(prenom: &str, seed: u8, n: u8) -> Value {
    let fin = today() + chrono::Duration::days(200);
    json!({
        "prenom": prenom,
        "annee_naissance": "1958",
        "commune_insee": "29019",
        "genre": "feminin",
        "statut_social": "retraite",
        "carnet_numero": format!("CN-{seed}"),
        "nb_passes": n.to_string(),
        "valeur_faciale": "10",
        "fin_validite": fin.format("%Y-%m-%d").to_string(),
        "codes": codes(seed, n),
        "commanditaire": "Brest métropole",
        "canal": "mairie",
        "date_reception": today().format("%Y-%m-%d").to_string(),
        // Notice version 1 (seeded by migration 0004) was shown; no optional consent.
        "information": { "notice_id": 1, "notice_remise": true },
    })
}

/// A file of the venue standard (v1.0.2): its header line and, per venue, the valid example's
/// line with its id, place and position replaced, accepting the Pass numérique or not.
pub fn fichier_lieux(lieux: &[(&str, &str, &str, &str, &str, &str, bool)]) -> String {
    const EXEMPLE: &str = include_str!("../../../reference/lieux/exemple-valide-v1.0.2.csv");
    let header_line = EXEMPLE.lines().next().unwrap();
    let good = EXEMPLE.lines().nth(1).unwrap();
    let mut lines = vec![header_line.to_string()];
    for (id, commune, cp, insee, lat, lon, pass) in lieux {
        lines.push(
            good.replacen("\"structure-1\"", &format!("\"{id}\""), 1)
                .replace("\"Anonymal\"", &format!("\"Lieu {id}\""))
                .replace("\"Reims\"", &format!("\"{commune}\""))
                .replace("\"51100\"", &format!("\"{cp}\""))
                .replace("\"51454\"", &format!("\"{insee}\""))
                .replace("\"43.52609\"", &format!("\"{lat}\""))
                .replace("\"5.41423\"", &format!("\"{lon}\""))
                .replace("\"Label et la bête\"", if *pass { "\"Pass numérique accepté\"" } else { "\"\"" }),
        );
    }
    lines.join("\n")
}
