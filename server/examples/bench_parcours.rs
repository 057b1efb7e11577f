//! Load benchmark of the parcours: a fresh SQLite database holding 10,000 parcours (written by
//! the demo's builder `seed::parcours::creer`, in one transaction: intake, diagnostics,
//! objectives, sessions held with their passes, absences, bilans), the real `app()` served over
//! HTTP on loopback, and N concurrent clients (one per structure, each logged in as one of its
//! conseillers) measuring the latency of
//! - `GET /api/v1/parcours/{id}`: the data of a parcours page;
//! - `POST /api/v1/seances/{id}/tenue`: a session held, its pass validated;
//! - and, for context, `GET /api/v1/tableau-de-bord` (a conseiller's ~50 parcours and agenda).
//!
//! Before the timed runs, every SQL statement of one request of each kind is captured and its
//! `EXPLAIN QUERY PLAN` printed, with full table scans flagged.
//!
//! Run: `make bench-parcours` (`cargo run --release -p carnet-server --example bench_parcours`);
//! with `DATABASE_URL=postgres://…` (an empty database) it measures PostgreSQL instead of a
//! SQLite file (without the query plans, which are SQLite's).
//! Settings (environment): BENCH_PARCOURS (10000), BENCH_CLIENTS (8), BENCH_GETS (4000),
//! BENCH_HOLDS (1000), BENCH_DB (a file to keep; default a temporary folder).

use carnet_domain::api::Role;
use carnet_domain::parcours::competences::{self, Niveau};
use carnet_domain::parcours::planning::Frequence;
use carnet_domain::paris;
use carnet_server::seed::parcours::{creer, jour_ouvre_avant, Modele};
use carnet_server::store::{packs, users};
use carnet_server::{app, auth, db, AppState, Config};
use chrono::{Duration as Days, NaiveTime};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::Layer;

mod banc;
use banc::{charge, envoyer, rapport, Requete};

const STRUCTURES: usize = 50;
const CONSEILLERS_PAR_STRUCTURE: usize = 4;
const PASSWORD: &str = "banc-d-essai-parcours";
const PRENOMS: &[&str] = &[
    "Monique",
    "Karim",
    "Yvette",
    "Jean-Paul",
    "Fatou",
    "Nadia",
    "Gérard",
    "Lucie",
    "Mohamed",
    "Odette",
    "Rémi",
    "Soizic",
];
const PACKS: &[&str] = &["competences_de_base", "usage_professionnel", "numerique_en_famille", "acces_aux_droits"];

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A planned session whose date has come, and a free pass of its carnet: one `tenue` to send.
#[derive(Clone)]
struct ATenir {
    seance_id: i64,
    date: String,
    heure: String,
    code: String,
}

#[derive(Default)]
struct ParStructure {
    parcours: Vec<i64>,
    a_tenir: Vec<ATenir>,
    email: String,
}

async fn remplir(db: &db::Db, n: usize) -> anyhow::Result<Vec<ParStructure>> {
    let now = carnet_server::Clock::system().now();
    let today = paris::today(now);
    let hash = auth::hash_password(PASSWORD)?;
    let mut out: Vec<ParStructure> = Vec::new();
    let mut conseillers = Vec::new();
    for s in 0..STRUCTURES {
        let sid = users::create_structure(db, &format!("Espace numérique n°{s}"), None, Some("29019"), now).await?;
        let mut par = ParStructure::default();
        for c in 0..CONSEILLERS_PAR_STRUCTURE {
            let email = format!("conseiller-{s}-{c}@banc.carnet.fr");
            let u = users::NewUser {
                email: &email,
                password_hash: &hash,
                prenom: "Conseiller",
                nom: "Banc",
                role: Role::Conseiller,
                structure_id: Some(sid),
            };
            let uid = users::create_user(db, &u, now).await?;
            conseillers.push((s, sid, uid));
            if c == 0 {
                par.email = email;
            }
        }
        out.push(par);
    }

    let codes: Vec<&'static str> = competences::codes().collect();
    let mut rng = StdRng::seed_from_u64(3);
    let mut tx = db::begin_write(db).await?;
    let packs = packs::list(&mut tx).await?;
    for i in 0..n {
        let (s, structure_id, user_id) = conseillers[i % conseillers.len()];
        let kind = rng.gen_range(0..10);
        // 4 in 10 finished (with a bilan), 5 in 10 in progress with sessions due, 1 in 10 just opened.
        let (jours, tenues, bilan) = match kind {
            0..=3 => (rng.gen_range(120..700), 5, true),
            4..=8 => (rng.gen_range(30..60), rng.gen_range(1..=2), false),
            _ => (rng.gen_range(0..6), 0, false),
        };
        let nb_passes = if bilan && rng.gen_bool(0.2) { 10 } else { 5 };
        let tenues = if bilan { nb_passes as usize } else { tenues };
        let accueil = jour_ouvre_avant(today - Days::days(jours))
            .and_time(NaiveTime::from_hms_opt(9 + (i % 8) as u32, 0, 0).expect("time"));
        let initial: Vec<(&str, Niveau)> = (0..rng.gen_range(4..9))
            .map(|k| (codes[(i + k * 3) % codes.len()], Niveau::TOUS[rng.gen_range(0..3)]))
            .collect();
        let finaux =
            initial.iter().map(|(c, n)| (*c, Niveau::TOUS[(n.rang() as usize + rng.gen_range(0..2)).min(3)])).collect();
        let m = Modele {
            prenom: PRENOMS[i % PRENOMS.len()],
            annee_naissance: 1940 + (i % 60) as i32,
            genre: if i % 2 == 0 { "feminin" } else { "masculin" },
            statut_social: "retraite",
            carnet_numero: format!("BANC-{i:05}"),
            pack: PACKS[i % PACKS.len()],
            nb_passes,
            accueil,
            frequence: if i % 5 == 0 { Frequence::Quinzaine } else { Frequence::Hebdomadaire },
            duree_minutes: 60,
            initial,
            observations: "Souhaite gagner en autonomie pour ses démarches.",
            tenues,
            absence: (bilan && i % 3 == 0).then_some(2),
            bilan: bilan.then_some((finaux, "insertion_professionnelle", "Continuer aux ateliers de la médiathèque.")),
        };
        let cree = creer(&mut tx, structure_id, user_id, &m, &packs, &mut rng).await?;
        let par = &mut out[s];
        par.parcours.push(cree.parcours_id);
        for ((seance_id, debut), code) in cree.prevues.iter().zip(&cree.codes_libres) {
            if debut.date() <= today {
                par.a_tenir.push(ATenir {
                    seance_id: *seance_id,
                    date: debut.format("%Y-%m-%d").to_string(),
                    heure: debut.format("%H:%M").to_string(),
                    code: code.display(),
                });
            }
        }
        if (i + 1) % 1000 == 0 {
            eprint!("\r  {} parcours écrits", i + 1);
        }
    }
    tx.commit().await?;
    eprintln!();
    Ok(out)
}

// --- SQL capture: the statements of one request, for EXPLAIN QUERY PLAN.
static CAPTURE: AtomicBool = AtomicBool::new(false);

struct Capture(Arc<Mutex<Vec<String>>>);

struct Champs {
    summary: String,
    statement: String,
}

impl tracing::field::Visit for Champs {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        match field.name() {
            "summary" => self.summary = value.to_string(),
            "db.statement" => self.statement = value.to_string(),
            _ => {}
        }
    }
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "summary" {
            self.summary = format!("{value:?}").trim_matches('"').to_string();
        }
    }
}

impl<S: tracing::Subscriber> Layer<S> for Capture {
    // Asked at each event (not cached per call site): capture is switched on for one request only.
    fn register_callsite(&self, m: &'static tracing::Metadata<'static>) -> tracing::subscriber::Interest {
        if m.target() == "sqlx::query" {
            tracing::subscriber::Interest::sometimes()
        } else {
            tracing::subscriber::Interest::never()
        }
    }
    fn enabled(&self, m: &tracing::Metadata<'_>, _: tracing_subscriber::layer::Context<'_, S>) -> bool {
        m.target() == "sqlx::query" && CAPTURE.load(Ordering::Relaxed)
    }
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        let mut c = Champs { summary: String::new(), statement: String::new() };
        event.record(&mut c);
        // sqlx puts a long statement in `db.statement` and a short one in `summary` only.
        let sql = if c.statement.trim().is_empty() { c.summary } else { c.statement.trim().to_string() };
        let mut v = self.0.lock().expect("capture");
        if !sql.is_empty() && !v.contains(&sql) {
            v.push(sql);
        }
    }
}

/// Prints the plan of each statement; returns the full scans of big tables found.
async fn expliquer(db: &db::Db, quoi: &str, statements: &[String]) -> anyhow::Result<Vec<String>> {
    println!("\n== Plans des requêtes SQL de {quoi} ({} requêtes distinctes)", statements.len());
    let mut scans = Vec::new();
    for sql in statements {
        let upper = sql.trim_start().to_uppercase();
        if upper.starts_with("BEGIN") || upper.starts_with("COMMIT") || upper.starts_with("ROLLBACK") {
            continue;
        }
        // As many NULL parameters as the statement has: the plan is the one of the prepared statement.
        let params = (1..=40).rev().find(|k| sql.contains(&format!("${k}"))).unwrap_or(0);
        let eqp = format!("EXPLAIN QUERY PLAN {sql}");
        let mut q = sqlx::query_as::<_, (i64, i64, i64, String)>(&eqp);
        for _ in 0..params {
            q = q.bind(None::<i64>);
        }
        let rows = q.fetch_all(sqlite(db)).await?;
        let one_line: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
        println!(
            "- {}",
            if one_line.chars().count() > 150 {
                format!("{}…", one_line.chars().take(150).collect::<String>())
            } else {
                one_line.clone()
            }
        );
        // Subqueries and CTEs computed first are scanned by name: not tables.
        let derivees: Vec<String> = rows
            .iter()
            .filter_map(|r| r.3.strip_prefix("CO-ROUTINE ").or_else(|| r.3.strip_prefix("MATERIALIZE ")))
            .map(|n| n.split_whitespace().next().unwrap_or("").to_string())
            .collect();
        for (_, _, _, detail) in rows {
            // A scan of a whole table (not of a tiny reference table, a subquery or a CTE).
            let scan = detail.starts_with("SCAN ")
                && !detail.contains("CONSTANT ROW")
                && !derivees.iter().any(|d| detail.split_whitespace().nth(1) == Some(d.as_str()))
                && !["SCAN packs", "SCAN pack_", "SCAN structures"].iter().any(|t| detail.starts_with(t));
            println!("    {}{detail}", if scan { "!! " } else { "" });
            if scan {
                scans.push(format!("{detail}  ←  {}", one_line.chars().take(100).collect::<String>()));
            }
        }
    }
    Ok(scans)
}

fn main() -> anyhow::Result<()> {
    let n = env_usize("BENCH_PARCOURS", 10_000);
    let clients = env_usize("BENCH_CLIENTS", 8).clamp(1, STRUCTURES);
    let gets = env_usize("BENCH_GETS", 4000);
    let holds = env_usize("BENCH_HOLDS", 1000);
    let captured = Arc::new(Mutex::new(Vec::new()));
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(Capture(captured.clone())))?;

    // DATABASE_URL=postgres://… measures PostgreSQL (an empty database); else a SQLite file.
    let pg_url = std::env::var("DATABASE_URL").ok().filter(|u| db::is_postgres_url(u));
    let _tmp;
    let path = match std::env::var("BENCH_DB") {
        Ok(p) => {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{p}{suffix}"));
            }
            p
        }
        Err(_) => {
            let t = tempfile::tempdir()?;
            let p = t.path().join("banc.db").display().to_string();
            _tmp = t;
            p
        }
    };
    // The server has its own runtime (2 worker threads), the load generator another.
    let serveur = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let url = pg_url.clone().unwrap_or_else(|| format!("sqlite://{path}"));
    let db = serveur.block_on(db::connect(&url))?;
    println!("Base : {url}");
    let t = Instant::now();
    let structures = serveur.block_on(remplir(&db, n))?;
    let (parcours, seances, passes): (i64, i64, i64) = serveur.block_on(async {
        let mut conn = db.acquire().await?;
        carnet_server::on!(conn, |cx| sqlx::query_as("SELECT (SELECT COUNT(*) FROM parcours), (SELECT COUNT(*) FROM seances), (SELECT COUNT(*) FROM passes WHERE etat = 'valide')").fetch_one(cx).await)
    })?;
    println!(
        "{parcours} parcours, {seances} séances, {passes} pass validés, écrits en {:.1} s ; base de {} Mo",
        t.elapsed().as_secs_f64(),
        std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) / 1_000_000
    );
    // Fresh statistics for the planner, as a deployment has.
    match &db {
        db::Db::Sqlite(p) => serveur.block_on(sqlx::query("PRAGMA optimize").execute(p)).map(|_| ())?,
        db::Db::Pg(p) => serveur.block_on(sqlx::query("ANALYZE").execute(p)).map(|_| ())?,
    }

    let state = AppState::new(db.clone(), Arc::new(Config::default()), carnet_server::Clock::system());
    let listener = serveur.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let addr = listener.local_addr()?;
    serveur.spawn(async move {
        axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>()).await.expect("serveur");
    });
    println!("Serveur : http://{addr} ; {clients} clients concurrents");

    let charge_rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    charge_rt.block_on(async move {
        let base = format!("http://{addr}/api/v1");
        let client = banc::client();
        // One conseiller per structure, logged in.
        let mut cookies = Vec::new();
        for s in structures.iter().take(clients) {
            let body = serde_json::json!({ "email": s.email, "password": PASSWORD }).to_string();
            let (status, text, cookie) =
                envoyer(&client, "POST", &format!("{base}/auth/login"), "", Some(body)).await?;
            anyhow::ensure!(status == 200, "connexion refusée : {status} {text}");
            cookies.push(cookie.unwrap_or_default());
        }
        let mut rng = StdRng::seed_from_u64(7);

        // The plans of one request of each kind (and a warm-up).
        let p0 = structures[0].parcours[0];
        CAPTURE.store(true, Ordering::Relaxed);
        let (s, b, _) = envoyer(&client, "GET", &format!("{base}/parcours/{p0}"), &cookies[0], None).await?;
        CAPTURE.store(false, Ordering::Relaxed);
        anyhow::ensure!(s == 200, "GET parcours : {s} {b}");
        let sql_get = std::mem::take(&mut *captured.lock().expect("capture"));
        let mut a_tenir: Vec<Vec<ATenir>> = structures.iter().take(clients).map(|s| s.a_tenir.clone()).collect();
        let essai = a_tenir[0].remove(0);
        let body = serde_json::json!({ "code": essai.code, "date": essai.date, "heure": essai.heure }).to_string();
        CAPTURE.store(true, Ordering::Relaxed);
        let (s, b, _) =
            envoyer(&client, "POST", &format!("{base}/seances/{}/tenue", essai.seance_id), &cookies[0], Some(body))
                .await?;
        CAPTURE.store(false, Ordering::Relaxed);
        anyhow::ensure!(s == 200, "POST tenue : {s} {b}");
        let sql_hold = std::mem::take(&mut *captured.lock().expect("capture"));
        // The dashboard too: it lists every parcours of the conseiller.
        CAPTURE.store(true, Ordering::Relaxed);
        let (s, b, _) = envoyer(&client, "GET", &format!("{base}/tableau-de-bord"), &cookies[0], None).await?;
        CAPTURE.store(false, Ordering::Relaxed);
        anyhow::ensure!(s == 200, "GET tableau-de-bord : {s} {b}");
        let sql_tdb = std::mem::take(&mut *captured.lock().expect("capture"));
        // The plans are SQLite's (EXPLAIN QUERY PLAN).
        let mut scans = Vec::new();
        if !db.is_postgres() {
            scans = expliquer(&db, "GET /parcours/{id}", &sql_get).await?;
            scans.extend(expliquer(&db, "POST /seances/{id}/tenue", &sql_hold).await?);
            scans.extend(expliquer(&db, "GET /tableau-de-bord", &sql_tdb).await?);
        }
        println!();
        if db.is_postgres() {
            println!("Plans de requête : ceux de SQLite seulement (EXPLAIN QUERY PLAN).");
        } else if scans.is_empty() {
            println!("Aucun parcours complet de table : chaque requête passe par un index.");
        } else {
            println!("Parcours complets de table :");
            for s in &scans {
                println!("  {s}");
            }
        }

        let get = |c: usize, url: String| Requete { methode: "GET", url, cookie: cookies[c].clone(), corps: None };
        let warm: Vec<Vec<Requete>> = (0..clients)
            .map(|c| {
                let ids = &structures[c].parcours;
                (0..25).map(|_| get(c, format!("{base}/parcours/{}", ids[rng.gen_range(0..ids.len())]))).collect()
            })
            .collect();
        charge(&client, warm, 200).await;

        println!();
        let travaux: Vec<Vec<Requete>> = (0..clients)
            .map(|c| {
                let ids = &structures[c].parcours;
                (0..gets / clients)
                    .map(|_| get(c, format!("{base}/parcours/{}", ids[rng.gen_range(0..ids.len())])))
                    .collect()
            })
            .collect();
        rapport("GET /api/v1/parcours/{id}", clients, charge(&client, travaux, 200).await);

        let travaux: Vec<Vec<Requete>> = (0..clients)
            .map(|c| (0..(gets / 8).max(1) / clients).map(|_| get(c, format!("{base}/tableau-de-bord"))).collect())
            .collect();
        rapport("GET /api/v1/tableau-de-bord", clients, charge(&client, travaux, 200).await);

        let travaux: Vec<Vec<Requete>> = (0..clients)
            .map(|c| {
                a_tenir[c]
                    .iter()
                    .take(holds / clients)
                    .map(|a| Requete {
                        methode: "POST",
                        url: format!("{base}/seances/{}/tenue", a.seance_id),
                        cookie: cookies[c].clone(),
                        corps: Some(
                            serde_json::json!({ "code": a.code, "date": a.date, "heure": a.heure }).to_string(),
                        ),
                    })
                    .collect()
            })
            .collect();
        rapport("POST /api/v1/seances/{id}/tenue", clients, charge(&client, travaux, 200).await);
        anyhow::Ok(())
    })?;
    Ok(())
}

/// The SQLite pool under `db`: this bench reads SQLite's query plans.
fn sqlite(db: &db::Db) -> &sqlx::SqlitePool {
    match db {
        db::Db::Sqlite(p) => p,
        db::Db::Pg(_) => panic!("ce banc d'essai mesure la base SQLite"),
    }
}
