//! The ledger's figures, measured on the real server over loopback HTTP with a fresh SQLite file:
//! 1. generating an order of 10,000 carnets of 10 passes (`POST /api/v1/commandes`), and activating it;
//! 2. validation throughput and latency (sessions held, `POST /api/v1/seances/{id}/tenue`, concurrent
//!    clients);
//! 3. issuing a month's statements holding 100,000 validations (`POST /api/v1/releves/emission`);
//! 4. the same validations while an order of 50,000 carnets is being generated (BENCH_GROSSE_COMMANDE).
//!
//! Run: `make bench-ledger` (release build). Options: BENCH_VALIDATIONS (default 4000),
//! BENCH_CONCURRENCY (default 16), BENCH_STRUCTURES (default 200), BENCH_GROSSE_COMMANDE (carnets of
//! the big order of phase 4, default 50000).

use carnet_domain::api::Role;
use carnet_server::on;
use carnet_server::store::ledger::orgs;
use carnet_server::store::users::{self, NewUser};
use carnet_server::{app, auth, db, AppState, Config};
use chrono::Duration;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Instant;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// A minimal keep-alive HTTP/1.1 client: enough for JSON requests to our own server.
struct Client {
    stream: BufReader<TcpStream>,
    cookie: String,
}

impl Client {
    async fn connect(addr: std::net::SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        Client { stream: BufReader::new(stream), cookie: String::new() }
    }

    async fn send(&mut self, method: &str, path: &str, body: Option<&Value>) -> (u16, String) {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nCookie: {}\r\n\r\n{body}",
            body.len(),
            self.cookie
        );
        self.stream.get_mut().write_all(req.as_bytes()).await.unwrap();
        let mut status_line = String::new();
        self.stream.read_line(&mut status_line).await.unwrap();
        let status: u16 = status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            self.stream.read_line(&mut line).await.unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (k, v) = line.split_once(':').unwrap_or((line, ""));
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().unwrap_or(0);
            }
            if k.eq_ignore_ascii_case("set-cookie") {
                self.cookie = v.trim().split(';').next().unwrap_or("").to_string();
            }
        }
        let mut buf = vec![0u8; length];
        self.stream.read_exact(&mut buf).await.unwrap();
        (status, String::from_utf8_lossy(&buf).into_owned())
    }

    async fn ok(&mut self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let (status, text) = self.send(method, path, body).await;
        assert!((200..300).contains(&status), "{method} {path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    async fn login(addr: std::net::SocketAddr, email: &str) -> Client {
        let mut c = Client::connect(addr).await;
        c.ok("POST", "/api/v1/auth/login", Some(&json!({"email": email, "password": PASSWORD}))).await;
        c
    }
}

const PASSWORD: &str = "mot-de-passe-du-banc";

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Takes each parcours to its sessions as the wizard would leave it (initial diagnostic, one
/// objective, a schedule) and plans one session today at 10:00 for it, written directly: the
/// benchmark measures holding sessions, not the wizard. Returns the sessions, in order.
async fn seances_du_jour(
    db: &db::Db,
    conseiller: i64,
    parcours: &[i64],
    today: chrono::NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<Vec<i64>> {
    let debut = carnet_domain::paris::to_utc(today.and_hms_opt(10, 0, 0).unwrap());
    let mut tx = db.begin().await?;
    let mut out = Vec::new();
    for p in parcours {
        on!(tx, |cx| sqlx::query(
            "INSERT INTO diagnostics (parcours_id, moment, observations, created_by, created_at, updated_at)
             VALUES ($1, 'initial', '', $2, $3, $3)",
        )
        .bind(p)
        .bind(conseiller)
        .bind(now)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
        on!(tx, |cx| sqlx::query(
            "INSERT INTO objectifs (parcours_id, rang, competence, niveau_cible) VALUES ($1, 1, '1.1', 'autonome')",
        )
        .bind(p)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
        on!(tx, |cx| sqlx::query(
            "INSERT INTO plannings (parcours_id, frequence, duree_minutes, type_lieu, created_at, updated_at)
             VALUES ($1, 'hebdomadaire', 60, 'lieu_activite', $2, $2)",
        )
        .bind(p)
        .bind(now)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
        let (id,): (i64,) = on!(tx, |cx| {
            sqlx::query_as(
            "INSERT INTO seances (parcours_id, conseiller_id, uid, sequence, debut, fin, type_lieu, statut, created_at, updated_at)
             VALUES ($1, $2, 'banc-' || $1, 0, $3, $4, 'lieu_activite', 'prevue', $5, $5) RETURNING id",
        )
        .bind(p)
        .bind(conseiller)
        .bind(debut)
        .bind(debut + Duration::minutes(60))
        .bind(now)
        .fetch_one(cx)
        .await
        })?;
        out.push(id);
    }
    tx.commit().await?;
    Ok(out)
}

/// What `concurrency` clients measured while holding `sessions` (one pass each) at 10:00 today.
struct Mesure {
    latencies: Vec<f64>,
    erreurs: usize,
    secondes: f64,
}

/// `n` clients of the conseillère, logged in before any measure: a login amid busy writers waited
/// past the 10 s busy timeout and failed with « database is locked ».
async fn connecter(addr: std::net::SocketAddr, n: usize) -> Vec<Client> {
    let mut clients = Vec::new();
    for _ in 0..n {
        clients.push(Client::login(addr, "cons@banc.fr").await);
    }
    clients
}

async fn tenir_en_parallele(
    clients: Vec<Client>,
    sessions: Vec<(i64, String)>,
    today: chrono::NaiveDate,
) -> anyhow::Result<Mesure> {
    let chunk = sessions.len().div_ceil(clients.len()).max(1);
    let mut jobs = Vec::new();
    let t = Instant::now();
    for (part, mut c) in sessions.chunks(chunk).zip(clients) {
        let part = part.to_vec();
        jobs.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut erreurs = 0;
            for (seance, code) in part {
                let s = Instant::now();
                let body = json!({"code": code, "date": today.to_string(), "heure": "10:00"});
                let (status, text) = c.send("POST", &format!("/api/v1/seances/{seance}/tenue"), Some(&body)).await;
                latencies.push(s.elapsed().as_secs_f64() * 1000.0);
                if status != 200 {
                    erreurs += 1;
                    if erreurs == 1 {
                        eprintln!("   séance {seance} : {status} {text}");
                    }
                }
            }
            (latencies, erreurs)
        }));
    }
    let mut m = Mesure { latencies: Vec::new(), erreurs: 0, secondes: 0.0 };
    for j in jobs {
        let (l, e) = j.await?;
        m.latencies.extend(l);
        m.erreurs += e;
    }
    m.secondes = t.elapsed().as_secs_f64();
    m.latencies.sort_by(|a, b| a.partial_cmp(b).unwrap());
    Ok(m)
}

fn rapport(m: &Mesure, concurrency: usize) -> String {
    format!(
        "{} en {:.2} s, {:.0} validations/s avec {concurrency} clients ; latence p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ; {} refus ou erreurs",
        m.latencies.len(),
        m.secondes,
        m.latencies.len() as f64 / m.secondes,
        percentile(&m.latencies, 0.5),
        percentile(&m.latencies, 0.99),
        m.latencies.last().copied().unwrap_or(f64::NAN),
        m.erreurs
    )
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // The server's errors on stderr (a 500 says why), nothing else.
    tracing_subscriber::fmt().with_env_filter("error").with_writer(std::io::stderr).init();
    let n_validations = env("BENCH_VALIDATIONS", 4000);
    let concurrency = env("BENCH_CONCURRENCY", 16);
    let n_structures = env("BENCH_STRUCTURES", 200) as i64;
    let dir = tempfile::tempdir()?;
    let db = db::connect(&format!("sqlite://{}", dir.path().join("bench.db").display())).await?;
    let now = carnet_server::Clock::system().now();
    let today = carnet_server::today_in_paris(now);

    // Organisations, users, structures (all accredited, in Brest).
    let hash = auth::hash_password(PASSWORD)?;
    let operateur = orgs::create_operateur(&db, "Opérateur", now).await?;
    let commanditaire = orgs::create_commanditaire(&db, "Commanditaire", now).await?;
    let mut structures = Vec::new();
    for i in 0..n_structures {
        structures.push(users::create_structure(&db, &format!("Structure {i}"), None, Some("29019"), now).await?);
    }
    let new_user = |email: &'static str, role, structure_id| NewUser {
        email,
        password_hash: &hash,
        prenom: "Banc",
        nom: "Essai",
        role,
        structure_id,
    };
    let op = users::create_user(&db, &new_user("op@banc.fr", Role::Operateur, None), now).await?;
    orgs::set_user_organisation(&db, op, None, Some(operateur)).await?;
    let cm = users::create_user(&db, &new_user("cm@banc.fr", Role::Commanditaire, None), now).await?;
    orgs::set_user_organisation(&db, cm, Some(commanditaire), None).await?;
    users::create_user(&db, &new_user("coord@banc.fr", Role::Coordinateur, Some(structures[0])), now).await?;
    let cons = users::create_user(&db, &new_user("cons@banc.fr", Role::Conseiller, Some(structures[0])), now).await?;
    {
        let mut conn = db.acquire().await?;
        for s in &structures {
            orgs::set_agrement(&mut conn, *s, operateur, true, None, op, now).await?;
        }
    }

    let state = AppState::new(db.clone(), Arc::new(Config::default()), carnet_server::Clock::system());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        axum::serve(listener, app(state).into_make_service_with_connect_info::<std::net::SocketAddr>()).await.unwrap();
    });

    let mut cm_client = Client::login(addr, "cm@banc.fr").await;
    let mut op_client = Client::login(addr, "op@banc.fr").await;
    let order = |n: usize| {
        json!({
            "operateur_id": operateur.to_string(), "nb_carnets": n.to_string(), "nb_passes": "10",
            "valeur_faciale": "10", "fin_validite": (today + Duration::days(365)).to_string(), "jours_grace": "30",
            "departements": "29", "criteres": ["senior_60"], "criteres_libres": "",
        })
    };

    // 1. An order of 10,000 carnets of 10 passes.
    println!("Carnet — banc du registre Pass numérique (SQLite, boucle locale)");
    let t = Instant::now();
    let created = cm_client.ok("POST", "/api/v1/commandes", Some(&order(10_000))).await;
    let generation = t.elapsed();
    let commande = created["id"].as_i64().unwrap();
    let (passes,): (i64,) =
        on!(db.acquire().await?, |cx| sqlx::query_as("SELECT COUNT(*) FROM passes").fetch_one(cx).await)?;
    println!(
        "1. Commande de 10 000 carnets de 10 pass : {:.2} s ({passes} codes uniques générés)",
        generation.as_secs_f64()
    );
    op_client
        .ok(
            "POST",
            &format!("/api/v1/commandes/{commande}/paiement"),
            Some(&json!({"reference": "B", "date": today.to_string()})),
        )
        .await;
    let t = Instant::now();
    op_client.ok("POST", &format!("/api/v1/commandes/{commande}/activation"), Some(&json!({}))).await;
    println!("   activation (100 000 pass et 10 000 carnets) : {:.2} s", t.elapsed().as_secs_f64());

    // 2. Validation throughput: one parcours per validation (one pass per session).
    let mut coord = Client::login(addr, "coord@banc.fr").await;
    cm_client
        .ok(
            "POST",
            &format!("/api/v1/commandes/{commande}/lots"),
            Some(
                &json!({"structure_id": structures[0].to_string(), "premier": "1", "dernier": (2 * n_validations).to_string(),
                         "accord_reference": "Banc", "accord_date": today.to_string()}),
            ),
        )
        .await;
    coord
        .ok(
            "POST",
            "/api/v1/lots/conseiller",
            Some(&json!({"commande_id": commande.to_string(), "conseiller_id": cons.to_string(), "nombre": (2 * n_validations).to_string()})),
        )
        .await;
    let carnets: Vec<(i64, String)> = on!(db.acquire().await?, |cx| sqlx::query_as(
        "SELECT c.id, p.code FROM carnets c JOIN passes p ON p.carnet_id = c.id AND p.rang = 1
         WHERE c.commande_id = $1 AND c.conseiller_id = $2 ORDER BY c.rang_commande",
    )
    .bind(commande)
    .bind(cons)
    .fetch_all(cx)
    .await)?;
    let mut jobs = Vec::new();
    let chunk = carnets.len().div_ceil(concurrency);
    let t = Instant::now();
    for part in carnets.chunks(chunk) {
        let part = part.to_vec();
        // Logged in before the clients start: a login amid 16 busy writers waited past the
        // 10 s busy timeout and failed with « database is locked » (see the closing note).
        let mut c = Client::login(addr, "cons@banc.fr").await;
        jobs.push(tokio::spawn(async move {
            let mut out = Vec::new();
            for (carnet, code) in part {
                let r = c
                    .ok(
                        "POST",
                        "/api/v1/distributions",
                        // Notice version 1 (seeded by migration 0004) was handed over; no optional consent.
                        Some(&json!({"intake": {"prenom": "Banc", "information": {"notice_id": 1, "notice_remise": true}},
                                     "carnet_id": carnet, "criteres": ["senior_60"]})),
                    )
                    .await;
                out.push((r["parcours_id"].as_i64().unwrap(), code));
            }
            out
        }));
    }
    let mut sessions = Vec::new();
    for j in jobs {
        sessions.extend(j.await?);
    }
    println!(
        "   ({} carnets remis à l'accueil en {:.1} s pour préparer les séances)",
        sessions.len(),
        t.elapsed().as_secs_f64()
    );

    let parcours: Vec<i64> = sessions.iter().map(|s| s.0).collect();
    let seances = seances_du_jour(&db, cons, &parcours, today, now).await?;
    let mut a_tenir: Vec<(i64, String)> = seances.into_iter().zip(sessions.into_iter().map(|s| s.1)).collect();
    let pendant_la_commande = a_tenir.split_off(a_tenir.len() / 2);
    let m = tenir_en_parallele(connecter(addr, concurrency).await, a_tenir, today).await?;
    println!("2. Validations (séances tenues) : {}", rapport(&m, concurrency));

    // 3. A month with 100,000 validations, over `n_structures` structures: a second order whose
    //    passes are all validated last month (written directly: 100,000 sessions through HTTP would
    //    measure the validation again, not the statements).
    let second = cm_client.ok("POST", "/api/v1/commandes", Some(&order(10_000))).await["id"].as_i64().unwrap();
    let last_month = carnet_domain::ledger::releve::Mois::of(today).precedent();
    let day = last_month.premier_jour() + Duration::days(9);
    let at = day.and_hms_opt(10, 0, 0).unwrap().and_utc();
    let first_structure = structures[0];
    on!(db.acquire().await?, |cx| sqlx::query(
        "UPDATE commandes SET etat = 'active', paiement_at = $2, activated_at = $2 WHERE id = $1"
    )
    .bind(second)
    .bind(at)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    on!(db.acquire().await?, |cx| sqlx::query(
        "UPDATE passes SET etat = 'valide', validated_at = $2, validated_by = $3
         WHERE carnet_id IN (SELECT id FROM carnets WHERE commande_id = $1)",
    )
    .bind(second)
    .bind(at)
    .bind(cons)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    on!(db.acquire().await?, |cx| sqlx::query(
        "INSERT INTO pass_validations (pass_id, carnet_id, commande_id, commanditaire_id, operateur_id, structure_id,
                                       seance_cle, valeur_centimes, mois, jour, validated_at, validated_by)
         SELECT p.id, c.id, $1, $2, $3, $4 + (c.rang_commande % $5), 'banc:' || p.id, p.valeur_centimes, $6, $7, $8, $9
         FROM passes p JOIN carnets c ON c.id = p.carnet_id WHERE c.commande_id = $1",
    )
    .bind(second)
    .bind(commanditaire)
    .bind(operateur)
    .bind(first_structure)
    .bind(n_structures)
    .bind(last_month.to_string())
    .bind(day)
    .bind(at)
    .bind(cons)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    let (month_validations,): (i64,) =
        on!(db.acquire().await?, |cx| sqlx::query_as("SELECT COUNT(*) FROM pass_validations WHERE mois = $1")
            .bind(last_month.to_string())
            .fetch_one(cx)
            .await)?;
    let t = Instant::now();
    let r = op_client.ok("POST", "/api/v1/releves/emission", Some(&json!({"mois": last_month.to_string()}))).await;
    println!(
        "3. Relevés de {} : {} relevés, {} lignes ({month_validations} validations du mois) émis en {:.2} s",
        last_month.libelle(),
        r["releves_emis"],
        r["lignes"],
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let again = op_client.ok("POST", "/api/v1/releves/emission", Some(&json!({"mois": last_month.to_string()}))).await;
    println!(
        "   nouvelle émission du même mois : {} relevé émis, en {:.2} s",
        again["releves_emis"],
        t.elapsed().as_secs_f64()
    );

    // 4. The same validations while a big order is generated: they must keep their normal time.
    let grosse = env("BENCH_GROSSE_COMMANDE", 50_000);
    let mut cm_client = Client::login(addr, "cm@banc.fr").await;
    let clients = connecter(addr, concurrency).await;
    let body = order(grosse);
    let t = Instant::now();
    let generation = tokio::spawn(async move {
        let (status, text) = cm_client.send("POST", "/api/v1/commandes", Some(&body)).await;
        (status, text, t.elapsed().as_secs_f64())
    });
    // Let the generation start before the sessions are held.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let m = tenir_en_parallele(clients, pendant_la_commande, today).await?;
    let (status, text, secondes) = generation.await?;
    let (carnets,): (i64,) =
        on!(db.acquire().await?, |cx| sqlx::query_as("SELECT COUNT(*) FROM carnets").fetch_one(cx).await)?;
    println!(
        "4. Pendant la génération d'une commande de {grosse} carnets ({status}, {secondes:.1} s{}; {carnets} carnets en base) : {}",
        if status == 201 { String::new() } else { format!(" : {text}") },
        rapport(&m, concurrency)
    );
    Ok(())
}
