//! Nothing is shown before its access-journal line is durable. The real server, with 16
//! readers of a person's page at once, is killed (`kill -9`) in the middle: every page it
//! answered has its line in the database it left behind, and the only lines without an
//! answer are those of the requests it was still serving (at most one per reader).

mod common;

use carnet_server::seed;
use common::binaire::serveur;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One HTTP/1.1 request on its own connection: the status and the body, or `None` when the
/// connection broke before the whole answer arrived (the server was killed).
async fn http(addr: SocketAddr, methode: &str, chemin: &str, cookie: &str, corps: &str) -> Option<(u16, String)> {
    let mut flux = tokio::net::TcpStream::connect(addr).await.ok()?;
    let requete = format!(
        "{methode} {chemin} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{corps}",
        corps.len()
    );
    flux.write_all(requete.as_bytes()).await.ok()?;
    let mut recu = Vec::new();
    flux.read_to_end(&mut recu).await.ok()?;
    let texte = String::from_utf8_lossy(&recu).to_string();
    let (entete, corps) = texte.split_once("\r\n\r\n")?;
    let statut: u16 = entete.split_whitespace().nth(1)?.parse().ok()?;
    let longueur: usize = entete
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().ok()))??;
    // Cut short: not an answer anyone saw.
    (corps.len() == longueur).then(|| (statut, entete.to_string() + "\r\n\r\n" + corps))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_answered_page_has_its_line_even_when_the_server_is_killed() {
    let mut s = serveur(&["--demo"]);
    let addr = s.addr;
    let login = format!(r#"{{"email":"{}","password":"{}"}}"#, seed::DEMO_EMAIL, seed::DEMO_PASSWORD);
    let (statut, reponse) = http(addr, "POST", "/api/v1/auth/login", "", &login).await.expect("login");
    assert_eq!(statut, 200, "{reponse}");
    let cookie = reponse
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: ").or_else(|| l.strip_prefix("Set-Cookie: ")))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_string();
    let (statut, tableau) = http(addr, "GET", "/api/v1/tableau-de-bord", &cookie, "").await.expect("dashboard");
    assert_eq!(statut, 200, "{tableau}");
    let json: serde_json::Value = serde_json::from_str(tableau.split_once("\r\n\r\n").unwrap().1).unwrap();
    let parcours = json["parcours"][0]["id"].as_i64().expect("a demo parcours");
    let chemin = format!("/api/v1/parcours/{parcours}");

    let arret = Arc::new(AtomicBool::new(false));
    let repondues = Arc::new(AtomicUsize::new(0));
    let lecteurs: Vec<_> = (0..LECTEURS)
        .map(|_| {
            let (arret, repondues, cookie, chemin) = (arret.clone(), repondues.clone(), cookie.clone(), chemin.clone());
            tokio::spawn(async move {
                while !arret.load(Ordering::SeqCst) {
                    match http(addr, "GET", &chemin, &cookie, "").await {
                        Some((200, _)) => {
                            repondues.fetch_add(1, Ordering::SeqCst);
                        }
                        Some((statut, texte)) => panic!("{statut}: {texte}"),
                        None => break,
                    }
                }
            })
        })
        .collect();
    // Long enough for many batches of the journal's writer, then killed in full flight.
    while repondues.load(Ordering::SeqCst) < 300 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    s.child.kill().unwrap();
    s.child.wait().unwrap();
    arret.store(true, Ordering::SeqCst);
    for l in lecteurs {
        l.await.unwrap();
    }
    let repondues = repondues.load(Ordering::SeqCst) as i64;

    // The file as the killed process left it (its write-ahead log replayed on opening).
    let db = carnet_server::db::connect(&format!("sqlite://{}", s.db.display())).await.unwrap();
    let lignes: i64 = carnet_server::on!(db.acquire().await.unwrap(), |cx| sqlx::query_scalar(
        "SELECT COUNT(*) FROM journal_acces WHERE action = 'parcours'"
    )
    .fetch_one(cx)
    .await)
    .unwrap();
    assert!(
        lignes >= repondues && lignes <= repondues + LECTEURS as i64,
        "{repondues} pages answered, {lignes} lines in the journal"
    );
}

const LECTEURS: usize = 16;

/// The writer puts the lines that arrived together in one transaction: each line keeps its own
/// user, structure, action and people, and the lines of one batch are distinct lines (a second
/// batch goes on after the first).
#[tokio::test]
async fn lines_written_together_keep_each_their_own_people() {
    use carnet_server::store::journal::{record, Ligne};
    let app = common::TestApp::new().await;
    let (user_a, cookie_a) = app.conseiller("Structure A", "a@exemple.fr").await;
    let (user_b, cookie_b) = app.conseiller("Structure B", "b@exemple.fr").await;
    let p1 = app.intake(&cookie_a, common::intake_body("Alice", 1, 5)).await;
    let p2 = app.intake(&cookie_a, common::intake_body("Bruno", 2, 5)).await;
    let p3 = app.intake(&cookie_b, common::intake_body("Chloé", 3, 5)).await;
    let mut beneficiaires = Vec::new();
    for p in [p1, p2, p3] {
        let b: i64 = carnet_server::on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_scalar(
            "SELECT beneficiaire_id FROM parcours WHERE id = $1"
        )
        .bind(p)
        .fetch_one(cx)
        .await)
        .unwrap();
        beneficiaires.push(b);
    }
    let structure = |user: i64| {
        let db = app.db.clone();
        async move {
            carnet_server::on!(db.acquire().await.unwrap(), |cx| sqlx::query_scalar::<_, i64>(
                "SELECT structure_id FROM users WHERE id = $1"
            )
            .bind(user)
            .fetch_one(cx)
            .await)
            .unwrap()
        }
    };
    let (sa, sb) = (structure(user_a).await, structure(user_b).await);
    let at = common::instant();
    let ligne = |user_id, structure_id, action, beneficiaires: Vec<i64>| Ligne {
        at,
        user_id,
        structure_id,
        action,
        beneficiaires,
    };
    let lot = [
        ligne(user_a, sa, "liste", vec![beneficiaires[1], beneficiaires[0], beneficiaires[1]]),
        ligne(user_b, sb, "parcours", vec![beneficiaires[2]]),
        // The same user, instant and action as the first line: still a line of its own.
        ligne(user_a, sa, "liste", vec![beneficiaires[0]]),
    ];
    let avant: i64 = carnet_server::on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_scalar(
        "SELECT COALESCE(MAX(id), 0) FROM journal_acces"
    )
    .fetch_one(cx)
    .await)
    .unwrap();
    for _ in 0..2 {
        let mut tx = carnet_server::db::begin_write(&app.db).await.unwrap();
        record(&mut tx, &lot.iter().collect::<Vec<_>>()).await.unwrap();
        tx.commit().await.unwrap();
    }
    let lignes: Vec<(i64, i64, i64, String)> =
        carnet_server::on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
            "SELECT id, user_id, structure_id, action FROM journal_acces WHERE id > $1 ORDER BY id"
        )
        .bind(avant)
        .fetch_all(cx)
        .await)
        .unwrap();
    let gens: Vec<(i64, i64)> = carnet_server::on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT journal_id, beneficiaire_id FROM journal_acces_beneficiaires WHERE journal_id > $1"
    )
    .bind(avant)
    .fetch_all(cx)
    .await)
    .unwrap();
    assert_eq!(lignes.len(), 6, "{lignes:?}");
    for (n, (id, user_id, structure_id, action)) in lignes.iter().enumerate() {
        let attendue = &lot[n % 3];
        assert_eq!(
            (*user_id, *structure_id, action.as_str()),
            (attendue.user_id, attendue.structure_id, attendue.action)
        );
        let mut siens: Vec<i64> = gens.iter().filter(|(j, _)| j == id).map(|(_, b)| *b).collect();
        siens.sort_unstable();
        let mut voulus = attendue.beneficiaires.clone();
        voulus.sort_unstable();
        voulus.dedup();
        assert_eq!(siens, voulus, "line {n}");
    }
    assert_eq!(gens.len(), 8, "{gens:?}");
}
