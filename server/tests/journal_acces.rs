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
