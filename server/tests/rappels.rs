//! Session reminders against real counterparts started by each test: an SMTP server (a small
//! tokio listener speaking the protocol, keeping each received message) and an SMS provider (a
//! local HTTP server recording the requests, answering 201 or 500). Checks: the MIME message
//! (headers, plain text, the `.ics` part read back with the calendar feed's UID), once per
//! session and channel even when two runs tick at once, retries with backoff, the night, a moved
//! and a cancelled session, landlines, and the rate of messages to the local sink.

mod common;
mod wizard;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine;
use carnet_server::mail::Mailer;
use carnet_server::on;
use carnet_server::rappels::{self, Canaux};
use carnet_server::sms::HttpSms;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use common::*;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

// --- the SMTP sink

#[derive(Clone, Default)]
struct Smtp {
    messages: Arc<Mutex<Vec<String>>>,
    /// Answer 451 to MAIL FROM (a server in trouble).
    refuser: Arc<AtomicBool>,
    /// Answer 550 to RCPT TO (a server that refuses the message for good).
    rejeter: Arc<AtomicBool>,
    port: u16,
}

impl Smtp {
    async fn start() -> Smtp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sink = Smtp { port: listener.local_addr().unwrap().port(), ..Default::default() };
        let s = sink.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(session(stream, s.clone()));
            }
        });
        sink
    }

    fn mailer(&self) -> Mailer {
        Mailer::smtp(&format!("smtp://127.0.0.1:{}", self.port), "Carnet <rappels@carnet.test>", "carnet.test").unwrap()
    }

    fn recus(&self) -> Vec<String> {
        self.messages.lock().unwrap().clone()
    }
}

async fn session(stream: tokio::net::TcpStream, sink: Smtp) {
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    w.write_all(b"220 puits.test ESMTP\r\n").await.unwrap();
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let cmd = line.to_ascii_uppercase();
        let answer: &[u8] = if cmd.starts_with("EHLO") {
            b"250-puits.test\r\n250 8BITMIME\r\n"
        } else if cmd.starts_with("HELO") || cmd.starts_with("RSET") || cmd.starts_with("NOOP") {
            b"250 OK\r\n"
        } else if cmd.starts_with("MAIL") {
            if sink.refuser.load(Ordering::SeqCst) {
                b"451 4.3.0 essayez plus tard\r\n"
            } else {
                b"250 OK\r\n"
            }
        } else if cmd.starts_with("RCPT") {
            if sink.rejeter.load(Ordering::SeqCst) {
                b"550 5.1.1 destinataire inconnu\r\n"
            } else {
                b"250 OK\r\n"
            }
        } else if cmd.starts_with("DATA") {
            w.write_all(b"354 allez-y\r\n").await.unwrap();
            let mut data = String::new();
            loop {
                line.clear();
                if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                    return;
                }
                if line == ".\r\n" {
                    break;
                }
                data.push_str(line.strip_prefix('.').unwrap_or(&line));
            }
            sink.messages.lock().unwrap().push(data);
            b"250 2.0.0 recu\r\n"
        } else if cmd.starts_with("QUIT") {
            let _ = w.write_all(b"221 au revoir\r\n").await;
            return;
        } else {
            b"502 inconnu\r\n"
        };
        w.write_all(answer).await.unwrap();
    }
}

// --- the SMS provider

#[derive(Clone, Default)]
struct Sms {
    requetes: Arc<Mutex<Vec<(String, Value)>>>,
    statut: Arc<AtomicU16>,
    port: u16,
}

impl Sms {
    async fn start() -> Sms {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sms = Sms { port: listener.local_addr().unwrap().port(), ..Default::default() };
        sms.statut.store(201, Ordering::SeqCst);
        async fn recevoir(State(s): State<Sms>, headers: HeaderMap, Json(body): Json<Value>) -> (StatusCode, String) {
            let cle = headers.get("api-key").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
            s.requetes.lock().unwrap().push((cle, body));
            let statut = StatusCode::from_u16(s.statut.load(Ordering::SeqCst)).unwrap();
            let n = s.requetes.lock().unwrap().len();
            (statut, if statut.is_success() { format!("{{\"reference\":\"ref-{n}\"}}") } else { "panne".into() })
        }
        let app = Router::new().route("/v3/transactionalSMS/sms", post(recevoir)).with_state(sms.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        sms
    }

    fn requetes(&self) -> Vec<(String, Value)> {
        self.requetes.lock().unwrap().clone()
    }
}

/// An SMS provider that takes the connection and never answers: each try ends at the client's
/// timeout. Counts the connections (one per try).
async fn fournisseur_muet() -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let essais = Arc::new(AtomicUsize::new(0));
    let n = essais.clone();
    tokio::spawn(async move {
        let mut ouvertes = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            n.fetch_add(1, Ordering::SeqCst);
            ouvertes.push(stream);
        }
    });
    (port, essais)
}

/// A port where nothing listens (connection refused).
async fn port_ferme() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

struct Monde {
    app: TestApp,
    smtp: Smtp,
    sms: Sms,
    canaux: Canaux,
    structure: i64,
}

async fn monde() -> Monde {
    let app = TestApp::new().await;
    let (structure, _) = app.conseiller("Médiathèque des Capucins", "camille@exemple.fr").await;
    let smtp = Smtp::start().await;
    let sms = Sms::start().await;
    let canaux = Canaux {
        mailer: smtp.mailer(),
        sms: Some(Arc::new(HttpSms::new(&format!("http://127.0.0.1:{}", sms.port), "cle-de-test", "Carnet"))),
        public_url: "https://carnet.exemple.fr".into(),
    };
    Monde { app, smtp, sms, canaux, structure }
}

/// A parcours of 5 sessions whose person agreed to reminders with this telephone and e-mail;
/// its sessions are in the past except those `placer` puts ahead. Returns the session ids.
async fn personne(m: &Monde, prenom: &str, seed: u8, telephone: &str, email: &str) -> (i64, Vec<i64>) {
    personne_de(m, "camille@exemple.fr", prenom, seed, telephone, email).await
}

/// The same, followed by another conseiller of the structure.
async fn personne_de(
    m: &Monde,
    conseiller: &str,
    prenom: &str,
    seed: u8,
    telephone: &str,
    email: &str,
) -> (i64, Vec<i64>) {
    let mut body = wizard::intake_passe(prenom, seed, 5);
    if seed >= 100 {
        // The rate test's hundred people: pass codes of their own (the shared generator repeats
        // itself over that many seeds).
        body["codes"] = json!((0..5u8)
            .map(|j| carnet_domain::PassCode::from_random([seed % 20, seed / 20, j, 9, 9, 9, 9, 9, 9, 9, 9]).display())
            .collect::<Vec<_>>());
    }
    body["information"] = json!({ "notice_id": 1, "notice_remise": true, "rappels": true,
                                  "telephone": telephone, "email": email });
    // Logged in again: the tests move the clock by hours.
    let cookie = m.app.login(conseiller, "mot-de-passe-de-test").await;
    let id = m.app.intake(&cookie, body).await;
    wizard::diagnostic(&m.app, &cookie, id).await;
    wizard::objectifs(&m.app, &cookie, id, 5).await;
    // One hour of the day per person: the same conseiller's sessions must not overlap.
    let heure = format!("{:02}:00", 9 + seed % 8);
    let r = wizard::put(
        &m.app,
        &format!("/api/v1/parcours/{id}/planning"),
        wizard::planning_body(&wizard::semaines_passees(5), &heure),
        &cookie,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let d = wizard::dossier(&m.app, &cookie, id).await;
    (id, wizard::seances(&d).iter().map(|s| s["id"].as_i64().unwrap()).collect())
}

/// Moves a session to start at `debut`, as if planned (or moved) now.
async fn placer(m: &Monde, seance: i64, debut: DateTime<Utc>) {
    on!(m.app.db.acquire().await.unwrap(), |cx| sqlx::query(
        "UPDATE seances SET debut = $1, fin = $2, updated_at = $3, sequence = sequence + 1 WHERE id = $4"
    )
    .bind(debut)
    .bind(debut + Duration::hours(1))
    .bind(m.app.clock.now())
    .bind(seance)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))
    .unwrap();
}

/// Paris wall-clock time on the day `jours` after the test's today.
fn paris(jours: i64, hm: &str) -> DateTime<Utc> {
    let d = today() + Duration::days(jours);
    let t = NaiveDateTime::parse_from_str(&format!("{} {hm}", d.format("%Y-%m-%d")), "%Y-%m-%d %H:%M").unwrap();
    carnet_domain::paris::to_utc(t)
}

/// Moves the app's clock to `at`.
fn aller_a(app: &TestApp, at: DateTime<Utc>) {
    app.clock.step(at - app.clock.now());
}

async fn passer(m: &Monde) -> rappels::Bilan {
    rappels::run_once(&m.app.db, &m.canaux, m.app.clock.now()).await.unwrap()
}

async fn envois(m: &Monde, seance: i64) -> Vec<(String, String, i64, Option<String>)> {
    on!(m.app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT canal, etat, tentatives, reponse FROM envois WHERE seance_id = $1 ORDER BY canal"
    )
    .bind(seance)
    .fetch_all(cx)
    .await)
    .unwrap()
}

// --- reading a MIME message back

fn unfold(headers: &str) -> String {
    headers.replace("\r\n ", " ").replace("\r\n\t", " ")
}

fn header(headers: &str, name: &str) -> String {
    unfold(headers)
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
        .unwrap_or_default()
}

/// RFC 2047 encoded words (`=?utf-8?b?…?=`), as lettre writes non-ASCII subjects.
fn decode_words(v: &str) -> String {
    let mut out = String::new();
    let mut encode_avant = false;
    for w in v.split_whitespace() {
        let lower = w.to_ascii_lowercase();
        let encode = lower.starts_with("=?utf-8?") && w.ends_with("?=");
        // Whitespace between two encoded words is not part of the text (RFC 2047 §6.2).
        if !(out.is_empty() || encode && encode_avant) {
            out.push(' ');
        }
        encode_avant = encode;
        if lower.starts_with("=?utf-8?b?") && w.ends_with("?=") {
            let b = base64::engine::general_purpose::STANDARD.decode(&w[10..w.len() - 2]).unwrap();
            out.push_str(&String::from_utf8(b).unwrap());
        } else if lower.starts_with("=?utf-8?q?") && w.ends_with("?=") {
            let q = &w[10..w.len() - 2];
            let mut bytes = Vec::new();
            let b = q.as_bytes();
            let mut i = 0;
            while i < b.len() {
                match b[i] {
                    b'_' => bytes.push(b' '),
                    b'=' => {
                        bytes.push(u8::from_str_radix(&q[i + 1..i + 3], 16).unwrap());
                        i += 2;
                    }
                    c => bytes.push(c),
                }
                i += 1;
            }
            out.push_str(&String::from_utf8(bytes).unwrap());
        } else {
            out.push_str(w);
        }
    }
    out
}

struct Partie {
    headers: String,
    texte: String,
}

/// The top headers and the parts of a multipart message, each decoded.
fn lire(message: &str) -> (String, Vec<Partie>) {
    let (head, body) = message.split_once("\r\n\r\n").unwrap();
    let kind = header(head, "Content-Type");
    assert!(kind.starts_with("multipart/mixed"), "{kind}");
    let boundary = kind.split("boundary=").nth(1).unwrap().trim_matches('"').to_string();
    let parts = body
        .split(&format!("--{boundary}"))
        .skip(1)
        .filter(|p| !p.starts_with("--"))
        .map(|p| {
            let (h, b) = p.trim_start_matches("\r\n").split_once("\r\n\r\n").unwrap();
            let texte = if header(h, "Content-Transfer-Encoding").eq_ignore_ascii_case("base64") {
                let compact: String = b.chars().filter(|c| !c.is_whitespace()).collect();
                String::from_utf8(base64::engine::general_purpose::STANDARD.decode(compact).unwrap()).unwrap()
            } else {
                b.to_string()
            };
            Partie { headers: h.to_string(), texte }
        })
        .collect();
    (head.to_string(), parts)
}

#[tokio::test]
async fn an_email_reminder_through_a_real_smtp_conversation_once() {
    let m = monde().await;
    let (_, s) = personne(&m, "Zoé", 1, "06 12 34 56 78", "zoe@exemple.fr").await;
    let cookie = m.app.login("camille@exemple.fr", "mot-de-passe-de-test").await;
    let r = m.app.post(&format!("/api/v1/parcours/{}/lien", parcours_of(&m, s[3]).await), json!({}), &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // 30 hours ahead, the day after at 16:00: due at once (planned less than 48 h ahead).
    aller_a(&m.app, paris(0, "10:00"));
    placer(&m, s[3], paris(1, "16:00")).await;
    let b = passer(&m).await;
    assert_eq!((b.envoyes, b.echecs), (2, 0), "{b:?}");

    let recus = m.smtp.recus();
    assert_eq!(recus.len(), 1);
    let (head, parts) = lire(&recus[0]);
    assert_eq!(header(&head, "To"), "zoe@exemple.fr");
    assert!(header(&head, "From").contains("rappels@carnet.test"));
    let sujet = decode_words(&header(&head, "Subject"));
    assert!(sujet.starts_with("Rappel : votre rendez-vous Pass numérique le "), "{sujet}");
    assert!(sujet.ends_with("à 16h00"), "{sujet}");
    assert_eq!(parts.len(), 2);
    assert!(header(&parts[0].headers, "Content-Type").starts_with("text/plain"));
    let texte = &parts[0].texte;
    assert!(texte.starts_with("Bonjour Zoé,"), "{texte}");
    assert!(texte.contains("de 16h00 à 17h00"), "{texte}");
    assert!(texte.contains("Où : Médiathèque des Capucins."), "{texte}");
    assert!(texte.contains("- Votre carnet de Pass numérique"), "{texte}");
    assert!(texte.contains("« Je ne pourrai pas venir »"), "{texte}");
    // The link opens the person's space.
    let lien = texte.lines().find(|l| l.starts_with("https://carnet.exemple.fr/espace/#")).expect("the link");
    let token = lien.split_once('#').unwrap().1;
    let r = m.app.porteur(axum::http::Method::GET, "/api/v1/espace", token, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["prenom"], "Zoé");
    // The .ics part: the same UID and SEQUENCE as the calendar feed.
    let ics = &parts[1];
    assert!(header(&ics.headers, "Content-Type").starts_with("text/calendar"));
    assert!(header(&ics.headers, "Content-Disposition").starts_with("attachment"));
    let (uid, sequence): (String, i64) =
        on!(m.app.db.acquire().await.unwrap(), |cx| sqlx::query_as("SELECT uid, sequence FROM seances WHERE id = $1")
            .bind(s[3])
            .fetch_one(cx)
            .await)
        .unwrap();
    let lignes: Vec<&str> = ics.texte.split("\r\n").collect();
    assert!(lignes.contains(&format!("UID:{uid}").as_str()), "{}", ics.texte);
    assert!(lignes.contains(&format!("SEQUENCE:{sequence}").as_str()));
    let debut = carnet_domain::paris::to_local(paris(1, "16:00")).format("%Y%m%dT%H%M%S").to_string();
    assert!(lignes.contains(&format!("DTSTART;TZID=Europe/Paris:{debut}").as_str()), "{}", ics.texte);
    let feed = m.app.request(axum::http::Method::GET, r.body["ics"].as_str().unwrap(), None, None).await;
    assert!(feed.text.contains(&format!("UID:{uid}")));

    // The SMS went too, to the international number, as one GSM-7 message.
    let sms = m.sms.requetes();
    assert_eq!(sms.len(), 1);
    assert_eq!(sms[0].0, "cle-de-test");
    assert_eq!(sms[0].1["recipient"], "33612345678");
    let contenu = sms[0].1["content"].as_str().unwrap();
    assert!(carnet_domain::rappels::septets(contenu).unwrap() <= 160, "{contenu}");
    assert!(contenu.contains("https://carnet.exemple.fr/espace/#"), "{contenu}");

    // Once: the next minutes send nothing more.
    for _ in 0..3 {
        m.app.clock.step(Duration::minutes(1));
        assert_eq!(passer(&m).await.envoyes, 0);
    }
    assert_eq!(m.smtp.recus().len(), 1);
    assert_eq!(m.sms.requetes().len(), 1);
    let e = envois(&m, s[3]).await;
    assert_eq!(
        e.iter().map(|x| (x.0.as_str(), x.1.as_str(), x.2)).collect::<Vec<_>>(),
        [("email", "envoye", 1), ("sms", "envoye", 1)]
    );
    // Nothing of the message is kept: only the template and its version.
    let (modele, version): (String, i64) = on!(m.app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT modele, version_modele FROM envois WHERE seance_id = $1 AND canal = 'email'"
    )
    .bind(s[3])
    .fetch_one(cx)
    .await)
    .unwrap();
    assert_eq!((modele.as_str(), version), (carnet_domain::rappels::MODELE_EMAIL, 1));
}

async fn parcours_of(m: &Monde, seance: i64) -> i64 {
    let (p,): (i64,) =
        on!(m.app.db.acquire().await.unwrap(), |cx| sqlx::query_as("SELECT parcours_id FROM seances WHERE id = $1")
            .bind(seance)
            .fetch_one(cx)
            .await)
        .unwrap();
    p
}

#[tokio::test]
async fn two_runs_at_once_send_one_message() {
    let m = monde().await;
    let (_, s) = personne(&m, "Zoé", 2, "07 81 23 45 67", "zoe@exemple.fr").await;
    aller_a(&m.app, paris(0, "10:00"));
    placer(&m, s[3], paris(1, "14:00")).await;
    let now = m.app.clock.now();
    let (a, b, c) = tokio::join!(
        rappels::run_once(&m.app.db, &m.canaux, now),
        rappels::run_once(&m.app.db, &m.canaux, now),
        rappels::run_once(&m.app.db, &m.canaux, now)
    );
    let total = a.unwrap().envoyes + b.unwrap().envoyes + c.unwrap().envoyes;
    assert_eq!(total, 2);
    assert_eq!(m.smtp.recus().len(), 1);
    assert_eq!(m.sms.requetes().len(), 1);
}

#[tokio::test]
async fn failures_are_retried_with_backoff_then_marked() {
    let m = monde().await;
    let (_, s) = personne(&m, "Zoé", 3, "06 12 34 56 78", "zoe@exemple.fr").await;
    aller_a(&m.app, paris(0, "10:00"));
    placer(&m, s[3], paris(1, "14:00")).await;
    m.sms.statut.store(500, Ordering::SeqCst);
    m.smtp.refuser.store(true, Ordering::SeqCst);
    let b = passer(&m).await;
    assert_eq!((b.envoyes, b.echecs), (0, 2));
    let e = envois(&m, s[3]).await;
    assert_eq!(e[0].1, "en_attente");
    assert!(e[0].3.as_deref().unwrap().contains("451"), "{:?}", e[0].3);
    assert_eq!(e[1].1, "en_attente");
    assert!(e[1].3.as_deref().unwrap().contains("500"), "{:?}", e[1].3);
    // Not before the backoff (2 minutes after a first failure).
    m.app.clock.step(Duration::minutes(1));
    assert_eq!(passer(&m).await, rappels::Bilan::default());
    assert_eq!(m.sms.requetes().len(), 1);
    // Back up: one message each, never a duplicate.
    m.sms.statut.store(201, Ordering::SeqCst);
    m.smtp.refuser.store(false, Ordering::SeqCst);
    m.app.clock.step(Duration::minutes(2));
    assert_eq!(passer(&m).await.envoyes, 2);
    m.app.clock.step(Duration::minutes(10));
    assert_eq!(passer(&m).await.envoyes, 0);
    assert_eq!(m.smtp.recus().len(), 1);
    assert_eq!(m.sms.requetes().len(), 2, "the failed try and the good one");
    let e = envois(&m, s[3]).await;
    assert_eq!((e[1].1.as_str(), e[1].2), ("envoye", 2));
    let (n,): (i64,) =
        on!(m.app.db.acquire().await.unwrap(), |cx| sqlx::query_as("SELECT COUNT(*) FROM envois_tentatives")
            .fetch_one(cx)
            .await)
        .unwrap();
    assert_eq!(n, 4);

    // A provider down for good: after 5 tries, « échec ».
    let (_, s2) = personne(&m, "Yann", 4, "06 98 76 54 32", "").await;
    placer(&m, s2[3], m.app.clock.now() + Duration::hours(6)).await;
    m.sms.statut.store(500, Ordering::SeqCst);
    for _ in 0..8 {
        passer(&m).await;
        m.app.clock.step(Duration::minutes(20));
    }
    let e = envois(&m, s2[3]).await;
    assert_eq!(e.len(), 1, "no e-mail address, no e-mail");
    assert_eq!((e[0].1.as_str(), e[0].2), ("echec", carnet_domain::rappels::ESSAIS_MAX as i64));
}

#[tokio::test]
async fn nothing_at_night_then_at_eight() {
    let m = monde().await;
    let (_, s) = personne(&m, "Zoé", 5, "06 12 34 56 78", "zoe@exemple.fr").await;
    // Planned at 20:59 for the next day at 18:00: goes at once.
    aller_a(&m.app, paris(0, "20:59"));
    placer(&m, s[3], paris(1, "18:00")).await;
    assert_eq!(passer(&m).await.envoyes, 2);
    // Planned at 21:00 for the next day at 18:00: nothing at 21:00, nor at 07:59; at 08:00.
    let (_, s2) = personne(&m, "Yann", 6, "06 98 76 54 32", "yann@exemple.fr").await;
    aller_a(&m.app, paris(0, "21:00"));
    placer(&m, s2[3], paris(1, "18:00")).await;
    assert_eq!(passer(&m).await.envoyes, 0);
    aller_a(&m.app, paris(1, "07:59"));
    assert_eq!(passer(&m).await.envoyes, 0);
    aller_a(&m.app, paris(1, "08:00"));
    assert_eq!(passer(&m).await.envoyes, 2);
    // Planned at 22:00 for 07:30 the next morning: never (08:00 is after the start).
    let (_, s3) = personne(&m, "Lou", 7, "06 55 44 33 22", "lou@exemple.fr").await;
    aller_a(&m.app, paris(1, "22:00"));
    placer(&m, s3[3], paris(2, "07:30")).await;
    for hm in ["22:00", "23:59"] {
        aller_a(&m.app, paris(1, hm));
        assert_eq!(passer(&m).await.envoyes, 0);
    }
    aller_a(&m.app, paris(2, "07:29"));
    assert_eq!(passer(&m).await.envoyes, 0);
    assert!(envois(&m, s3[3]).await.is_empty());
}

#[tokio::test]
async fn a_moved_session_is_reminded_at_its_new_date_and_a_cancelled_one_is_withdrawn() {
    let m = monde().await;
    let (_, s) = personne(&m, "Zoé", 8, "06 12 34 56 78", "zoe@exemple.fr").await;
    aller_a(&m.app, paris(0, "10:00"));
    // Ten days ahead: nothing yet.
    placer(&m, s[3], paris(10, "14:00")).await;
    assert_eq!(passer(&m).await.envoyes, 0);
    // Moved to the day after: reminded now.
    placer(&m, s[3], paris(1, "14:00")).await;
    assert_eq!(passer(&m).await.envoyes, 2);
    // A failing reminder pending when the session is cancelled: withdrawn, never sent.
    placer(&m, s[4], paris(1, "16:00")).await;
    m.sms.statut.store(500, Ordering::SeqCst);
    m.smtp.refuser.store(true, Ordering::SeqCst);
    assert_eq!(passer(&m).await.echecs, 2);
    on!(m.app.db.acquire().await.unwrap(), |cx| sqlx::query(
        "UPDATE seances SET statut = 'absente_excusee' WHERE id = $1"
    )
    .bind(s[4])
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))
    .unwrap();
    m.sms.statut.store(201, Ordering::SeqCst);
    m.smtp.refuser.store(false, Ordering::SeqCst);
    m.app.clock.step(Duration::minutes(5));
    let b = passer(&m).await;
    assert_eq!((b.envoyes, b.retires), (0, 2));
    assert!(envois(&m, s[4]).await.iter().all(|e| e.1 == "retire"));
    // A moved pending reminder follows: a failure, then moved to next week: not before its time.
    placer(&m, s[2], paris(1, "11:00")).await;
    m.smtp.refuser.store(true, Ordering::SeqCst);
    m.sms.statut.store(500, Ordering::SeqCst);
    passer(&m).await;
    placer(&m, s[2], paris(9, "11:00")).await;
    m.smtp.refuser.store(false, Ordering::SeqCst);
    m.sms.statut.store(201, Ordering::SeqCst);
    m.app.clock.step(Duration::minutes(10));
    assert_eq!(passer(&m).await.envoyes, 0);
    aller_a(&m.app, paris(7, "11:00"));
    assert_eq!(passer(&m).await.envoyes, 2);
}

#[tokio::test]
async fn landlines_get_no_sms_and_no_consent_no_reminder() {
    let m = monde().await;
    let (_, s) = personne(&m, "Zoé", 9, "02 98 00 11 22", "").await;
    aller_a(&m.app, paris(0, "10:00"));
    placer(&m, s[3], paris(1, "14:00")).await;
    assert_eq!(passer(&m).await.echecs, 1);
    assert!(m.sms.requetes().is_empty());
    let e = envois(&m, s[3]).await;
    assert_eq!(e[0].1, "echec");
    assert!(e[0].3.as_deref().unwrap().contains("numéro refusé"), "{:?}", e[0].3);
    // Consent withdrawn: contact details erased, nothing sent.
    let (_, s2) = personne(&m, "Yann", 10, "06 98 76 54 32", "yann@exemple.fr").await;
    let (b,): (i64,) = on!(m.app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT beneficiaire_id FROM parcours WHERE id = $1"
    )
    .bind(parcours_of(&m, s2[0]).await)
    .fetch_one(cx)
    .await)
    .unwrap();
    let cookie = m.app.login("camille@exemple.fr", "mot-de-passe-de-test").await;
    let r = m
        .app
        .post(
            &format!("/api/v1/beneficiaires/{b}/consentements"),
            json!({"consentement": "rappels", "accorde": false}),
            &cookie,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    placer(&m, s2[3], paris(1, "16:00")).await;
    assert_eq!(passer(&m).await, rappels::Bilan::default());
    assert!(m.smtp.recus().is_empty());
}

#[tokio::test]
async fn the_person_stops_reminders_from_their_space_in_one_click() {
    let m = monde().await;
    let (parcours, s) = personne(&m, "Zoé", 11, "06 12 34 56 78", "zoe@exemple.fr").await;
    let cookie = m.app.login("camille@exemple.fr", "mot-de-passe-de-test").await;
    let r = m.app.post(&format!("/api/v1/parcours/{parcours}/lien"), json!({}), &cookie).await;
    let token = r.body["url"].as_str().unwrap().split_once('#').unwrap().1.to_string();
    let espace = |t: String| {
        let app = &m.app;
        async move { app.porteur(axum::http::Method::GET, "/api/v1/espace", &t, None).await }
    };
    assert_eq!(espace(token.clone()).await.body["rappels"], true);
    let r = m.app.porteur(axum::http::Method::POST, "/api/v1/espace/rappels/arret", &token, Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.body["message"].as_str().unwrap().contains("vous ne recevrez plus de rappels"));
    assert_eq!(espace(token.clone()).await.body["rappels"], false);
    assert_eq!(m.app.count("beneficiaires_contacts").await, 0);
    // Twice is harmless; the history says who withdrew it.
    let r = m.app.porteur(axum::http::Method::POST, "/api/v1/espace/rappels/arret", &token, Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::OK);
    let (b,): (i64,) = on!(m.app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT beneficiaire_id FROM parcours WHERE id = $1"
    )
    .bind(parcours)
    .fetch_one(cx)
    .await)
    .unwrap();
    let d = m.app.get(&format!("/api/v1/beneficiaires/{b}/donnees"), &cookie).await;
    let h = d.body["historique_consentements"].as_array().unwrap();
    let last = h.iter().rev().find(|e| e["consentement"] == "rappels").unwrap();
    assert_eq!((last["accorde"].clone(), last["par"].clone()), (json!(false), json!("la personne, depuis son espace")));
    aller_a(&m.app, paris(0, "10:00"));
    placer(&m, s[3], paris(1, "14:00")).await;
    assert_eq!(passer(&m).await, rappels::Bilan::default());
    assert!(m.smtp.recus().is_empty() && m.sms.requetes().is_empty());
}

#[tokio::test]
async fn staff_see_each_reminder_the_failures_and_choose_the_delay() {
    let m = monde().await;
    m.app
        .create_user(
            Some(m.structure),
            "coord@exemple.fr",
            "mot-de-passe-de-test",
            carnet_domain::api::Role::Coordinateur,
        )
        .await;
    let coord = m.app.login("coord@exemple.fr", "mot-de-passe-de-test").await;
    let (parcours, s) = personne(&m, "Zoé", 12, "02 98 00 11 22", "zoe@exemple.fr").await;
    // The choice: validated, in French.
    let r = m
        .app
        .request(axum::http::Method::PUT, "/api/v1/structure/rappels", Some(json!({"delai": "12h"})), Some(&coord))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body["fields"]["delai"].as_str().unwrap().contains("24 heures"));
    let r = m
        .app
        .request(axum::http::Method::PUT, "/api/v1/structure/rappels", Some(json!({"delai": "24h"})), Some(&coord))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(m.app.get("/api/v1/structure/rappels", &coord).await.body["delai"], "24h");
    // 24 h: a session 30 hours ahead waits 6 hours.
    aller_a(&m.app, paris(0, "10:00"));
    placer(&m, s[3], paris(1, "16:00")).await;
    assert_eq!(passer(&m).await, rappels::Bilan::default());
    aller_a(&m.app, paris(0, "16:00"));
    let b = passer(&m).await;
    assert_eq!((b.envoyes, b.echecs), (1, 1), "the e-mail went, the landline got no SMS");
    let cookie = m.app.login("camille@exemple.fr", "mot-de-passe-de-test").await;
    let etats = m.app.get(&format!("/api/v1/parcours/{parcours}/rappels"), &cookie).await;
    assert_eq!(etats.status, StatusCode::OK);
    let textes: Vec<&str> = etats.body.as_array().unwrap().iter().map(|e| e["texte"].as_str().unwrap()).collect();
    assert!(textes[0].starts_with("Rappel envoyé par e-mail le "), "{textes:?}");
    assert!(textes[1].starts_with("Échec du rappel par SMS (1 essai) : numéro refusé"), "{textes:?}");
    let coord = m.app.login("coord@exemple.fr", "mot-de-passe-de-test").await;
    let echecs = m.app.get("/api/v1/rappels/echecs", &coord).await;
    assert_eq!(echecs.body.as_array().unwrap().len(), 1);
    assert_eq!(echecs.body[0]["parcours_id"], parcours);
    assert_eq!(echecs.body[0]["canal"], "sms");
    assert!(!echecs.text.contains("Zoé"), "no names in the list");
    // None: nothing goes.
    let r = m
        .app
        .request(axum::http::Method::PUT, "/api/v1/structure/rappels", Some(json!({"delai": "aucun"})), Some(&coord))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    placer(&m, s[4], paris(1, "17:00")).await;
    assert_eq!(passer(&m).await, rappels::Bilan::default());
}

/// The rate of the job to the local SMTP sink (printed; run with --nocapture to read it).
#[tokio::test]
async fn messages_per_second_to_the_local_sink() {
    let mut m = monde().await;
    m.canaux.sms = None;
    aller_a(&m.app, paris(0, "10:00"));
    let mut n = 0;
    for k in 0..8u8 {
        let (_, s) = personne(&m, "Zoé", 20 + k, "", &format!("p{k}@exemple.fr")).await;
        for (i, id) in s.iter().enumerate() {
            placer(&m, *id, paris(1, "09:00") + Duration::minutes(10 * (i as i64 + 5 * k as i64))).await;
            n += 1;
        }
    }
    let t = std::time::Instant::now();
    let b = passer(&m).await;
    let dt = t.elapsed();
    assert_eq!(b.envoyes, n);
    assert_eq!(m.smtp.recus().len(), n);
    println!(
        "rappels : {n} e-mails envoyés au puits SMTP local en {:.0} ms, soit {:.0} messages/s",
        dt.as_secs_f64() * 1000.0,
        n as f64 / dt.as_secs_f64()
    );
}

/// Runs the job every 20 minutes, `n` times: each run must end without an error (a fault of the
/// SMTP server or SMS provider is the delivery log's, never the job's).
async fn passer_n_fois(m: &Monde, n: usize) {
    for _ in 0..n {
        rappels::run_once(&m.app.db, &m.canaux, m.app.clock.now()).await.expect("the run goes on");
        m.app.clock.step(Duration::minutes(20));
    }
}

#[tokio::test]
async fn an_sms_provider_that_never_answers_is_retried_then_failed_and_nothing_goes_twice() {
    let mut m = monde().await;
    let (port, essais) = fournisseur_muet().await;
    m.canaux.sms = Some(Arc::new(
        HttpSms::new(&format!("http://127.0.0.1:{port}"), "cle-de-test", "Carnet")
            .avec_delai(std::time::Duration::from_millis(300)),
    ));
    let (_, s) = personne(&m, "Zoé", 30, "06 12 34 56 78", "").await;
    aller_a(&m.app, paris(0, "10:00"));
    placer(&m, s[3], paris(1, "14:00")).await;
    let b = passer(&m).await;
    assert_eq!((b.envoyes, b.echecs), (0, 1));
    let e = envois(&m, s[3]).await;
    assert_eq!((e[0].1.as_str(), e[0].2), ("en_attente", 1), "retried later");
    assert!(e[0].3.as_deref().unwrap().contains("injoignable"), "{:?}", e[0].3);
    // Each try waits for the timeout, then the backoff; after the last one: « échec ».
    passer_n_fois(&m, 8).await;
    let max = carnet_domain::rappels::ESSAIS_MAX as i64;
    let e = envois(&m, s[3]).await;
    assert_eq!((e[0].0.as_str(), e[0].1.as_str(), e[0].2), ("sms", "echec", max));
    assert_eq!(essais.load(Ordering::SeqCst), max as usize, "one request per try");
    // The provider answers again: a failed reminder is not sent later (no duplicate of a request
    // the provider may have received but never acknowledged).
    m.canaux.sms = Some(Arc::new(HttpSms::new(&format!("http://127.0.0.1:{}", m.sms.port), "cle-de-test", "Carnet")));
    passer_n_fois(&m, 3).await;
    assert!(m.sms.requetes().is_empty());
    let (n,): (i64,) =
        on!(m.app.db.acquire().await.unwrap(), |cx| sqlx::query_as("SELECT COUNT(*) FROM envois_tentatives")
            .fetch_one(cx)
            .await)
        .unwrap();
    assert_eq!(n, max);
}

#[tokio::test]
async fn an_smtp_server_down_or_refusing_is_retried_then_failed_and_nothing_goes_twice() {
    let mut m = monde().await;
    m.canaux.sms = None;
    let max = carnet_domain::rappels::ESSAIS_MAX as i64;
    // Connection refused: nothing listens.
    m.canaux.mailer = Mailer::smtp(
        &format!("smtp://127.0.0.1:{}", port_ferme().await),
        "Carnet <rappels@carnet.test>",
        "carnet.test",
    )
    .unwrap();
    let (_, s) = personne(&m, "Zoé", 31, "", "zoe@exemple.fr").await;
    aller_a(&m.app, paris(0, "10:00"));
    placer(&m, s[3], paris(1, "14:00")).await;
    passer_n_fois(&m, 8).await;
    let e = envois(&m, s[3]).await;
    assert_eq!((e[0].0.as_str(), e[0].1.as_str(), e[0].2), ("email", "echec", max));
    assert!(e[0].3.as_deref().unwrap().starts_with("SMTP"), "{:?}", e[0].3);
    // A server that answers but refuses the message (550): the same.
    m.canaux.mailer = m.smtp.mailer();
    m.smtp.rejeter.store(true, Ordering::SeqCst);
    placer(&m, s[4], paris(1, "16:00")).await;
    passer_n_fois(&m, 8).await;
    let e = envois(&m, s[4]).await;
    assert_eq!((e[0].1.as_str(), e[0].2), ("echec", max));
    assert!(e[0].3.as_deref().unwrap().contains("550"), "{:?}", e[0].3);
    // Back to normal: neither failed reminder goes later.
    m.smtp.rejeter.store(false, Ordering::SeqCst);
    passer_n_fois(&m, 3).await;
    assert!(m.smtp.recus().is_empty());
    assert_eq!(envois(&m, s[3]).await[0].1, "echec");
}

#[tokio::test]
async fn a_session_moved_after_its_reminder_went_gets_one_fresh_reminder_for_its_new_start() {
    let m = monde().await;
    let (_, s) = personne(&m, "Zoé", 32, "06 12 34 56 78", "zoe@exemple.fr").await;
    aller_a(&m.app, paris(0, "10:00"));
    placer(&m, s[3], paris(1, "14:00")).await;
    assert_eq!(passer(&m).await.envoyes, 2);
    // Saved again at the same start: the reminder already said it.
    m.app.clock.step(Duration::minutes(1));
    placer(&m, s[3], paris(1, "14:00")).await;
    assert_eq!(passer(&m).await.envoyes, 0);
    // Moved two hours later: one fresh reminder per channel, with the new hour.
    m.app.clock.step(Duration::minutes(1));
    placer(&m, s[3], paris(1, "16:00")).await;
    assert_eq!(passer(&m).await.envoyes, 2);
    let recus = m.smtp.recus();
    assert_eq!(recus.len(), 2);
    let (head, _) = lire(&recus[1]);
    assert!(decode_words(&header(&head, "Subject")).ends_with("à 16h00"));
    let sms = m.sms.requetes();
    assert_eq!(sms.len(), 2);
    assert!(sms[1].1["content"].as_str().unwrap().contains("16h00"), "{:?}", sms[1].1);
    for _ in 0..3 {
        m.app.clock.step(Duration::minutes(1));
        assert_eq!(passer(&m).await.envoyes, 0);
    }
    // Moved to next week: nothing now; at its own time, once.
    placer(&m, s[3], paris(8, "10:00")).await;
    m.app.clock.step(Duration::minutes(1));
    assert_eq!(passer(&m).await.envoyes, 0);
    aller_a(&m.app, paris(6, "12:00"));
    assert_eq!(passer(&m).await.envoyes, 2);
    m.app.clock.step(Duration::minutes(1));
    assert_eq!(passer(&m).await.envoyes, 0);
    assert_eq!(m.smtp.recus().len(), 3);
    assert_eq!(m.sms.requetes().len(), 3);
    // One row per channel, its tries in the log.
    let e = envois(&m, s[3]).await;
    assert_eq!(
        e.iter().map(|x| (x.0.as_str(), x.1.as_str(), x.2)).collect::<Vec<_>>(),
        [("email", "envoye", 1), ("sms", "envoye", 1)]
    );
    let (n,): (i64,) =
        on!(m.app.db.acquire().await.unwrap(), |cx| sqlx::query_as("SELECT COUNT(*) FROM envois_tentatives")
            .fetch_one(cx)
            .await)
        .unwrap();
    assert_eq!(n, 6);
}

// --- the conseiller's day

/// The text of a single-part message (lettre writes it quoted-printable or base64).
fn texte_simple(message: &str) -> (String, String) {
    let (head, body) = message.split_once("\r\n\r\n").unwrap();
    let texte = match header(head, "Content-Transfer-Encoding").to_ascii_lowercase().as_str() {
        "base64" => {
            let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            String::from_utf8(base64::engine::general_purpose::STANDARD.decode(compact).unwrap()).unwrap()
        }
        "quoted-printable" => {
            let joined = body.replace("=\r\n", "");
            let b = joined.as_bytes();
            let mut bytes = Vec::new();
            let mut i = 0;
            while i < b.len() {
                if b[i] == b'=' && i + 2 < b.len() {
                    bytes.push(u8::from_str_radix(&joined[i + 1..i + 3], 16).unwrap());
                    i += 3;
                } else {
                    bytes.push(b[i]);
                    i += 1;
                }
            }
            String::from_utf8(bytes).unwrap()
        }
        _ => body.to_string(),
    };
    (head.to_string(), texte.replace("\r\n", "\n"))
}

async fn user_id(m: &Monde, email: &str) -> i64 {
    let (id,): (i64,) =
        on!(m.app.db.acquire().await.unwrap(), |cx| sqlx::query_as("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(cx)
            .await)
        .unwrap();
    id
}

/// The conseillère asks for the morning e-mail (or stops it) in « Mon compte ».
async fn email_du_matin(m: &Monde, email: &str, oui: bool) {
    let cookie = m.app.login(email, "mot-de-passe-de-test").await;
    let r = m
        .app
        .request(
            axum::http::Method::PUT,
            "/api/v1/compte/journee",
            Some(json!({ "email_du_matin": oui })),
            Some(&cookie),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(m.app.get("/api/v1/compte/journee", &cookie).await.body["email_du_matin"], oui);
}

/// A world where only the morning e-mail goes (no session reminders in the sink).
async fn monde_journee() -> Monde {
    let mut m = monde().await;
    m.canaux.sms = None;
    m.app.executer("UPDATE structures SET rappel_delai = 'aucun'").await.unwrap();
    m
}

async fn journees(m: &Monde) -> usize {
    passer(m).await.journees
}

#[tokio::test]
async fn the_morning_email_lists_the_day_once_from_7() {
    let m = monde_journee().await;
    let (_, zoe) = personne(&m, "Zoé", 40, "", "zoe@exemple.fr").await;
    let (_, yann) = personne(&m, "Yann", 41, "", "yann@exemple.fr").await;
    placer(&m, zoe[3], paris(1, "09:30")).await;
    placer(&m, yann[3], paris(1, "14:00")).await;
    placer(&m, zoe[4], paris(2, "10:00")).await;
    email_du_matin(&m, "camille@exemple.fr", true).await;
    // Nothing before 07:00 in the structure's zone.
    aller_a(&m.app, paris(1, "06:59"));
    assert_eq!(journees(&m).await, 0);
    assert!(m.smtp.recus().is_empty());
    aller_a(&m.app, paris(1, "07:00"));
    assert_eq!(journees(&m).await, 1);
    let recus = m.smtp.recus();
    assert_eq!(recus.len(), 1);
    let (head, texte) = texte_simple(&recus[0]);
    assert_eq!(header(&head, "To"), "camille@exemple.fr");
    let jour = carnet_domain::paris::date_longue(today() + Duration::days(1));
    assert_eq!(decode_words(&header(&head, "Subject")), format!("Vos séances du {jour} : 2 rendez-vous"));
    assert!(texte.starts_with("Bonjour Test,"), "{texte}");
    assert!(texte.contains("9h30 – 10h30 : Zoé\n  Où : Médiathèque des Capucins\n  Quoi : Séance "), "{texte}");
    assert!(texte.contains("14h00 – 15h00 : Yann"), "{texte}");
    assert!(texte.contains("À prévoir : carnet de Pass numérique"), "{texte}");
    assert!(texte.contains("https://carnet.exemple.fr/journee"), "{texte}");
    assert!(texte.find("Zoé").unwrap() < texte.find("Yann").unwrap(), "in the day's order");
    assert!(!texte.contains("10h00 – 11h00"), "not the next day's session: {texte}");
    // Once: the day's later runs send nothing more.
    for hm in ["07:01", "12:00", "20:59"] {
        aller_a(&m.app, paris(1, hm));
        assert_eq!(journees(&m).await, 0);
    }
    // Three servers at 07:00 the next day: one e-mail.
    aller_a(&m.app, paris(2, "07:00"));
    let now = m.app.clock.now();
    let (a, b, c) = tokio::join!(
        rappels::run_once(&m.app.db, &m.canaux, now),
        rappels::run_once(&m.app.db, &m.canaux, now),
        rappels::run_once(&m.app.db, &m.canaux, now)
    );
    assert_eq!(a.unwrap().journees + b.unwrap().journees + c.unwrap().journees, 1);
    assert_eq!(m.smtp.recus().len(), 2);
    let (head, texte) = texte_simple(&m.smtp.recus()[1]);
    assert!(decode_words(&header(&head, "Subject")).ends_with(": 1 rendez-vous"));
    assert!(texte.contains("10h00 – 11h00 : Zoé"), "{texte}");
    // A server down all day, back at 21:00: that day's list never goes, nor the next morning.
    placer(&m, zoe[2], paris(3, "15:00")).await;
    aller_a(&m.app, paris(3, "21:00"));
    assert_eq!(journees(&m).await, 0);
    aller_a(&m.app, paris(4, "07:30"));
    assert_eq!(journees(&m).await, 0, "day 4 has no session");
    assert_eq!(m.smtp.recus().len(), 2);
    let jours: Vec<(String, String)> = on!(m.app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT CAST(jour AS TEXT), etat FROM envois_journee ORDER BY jour"
    )
    .fetch_all(cx)
    .await)
    .unwrap();
    let d = |k: i64| (today() + Duration::days(k)).format("%Y-%m-%d").to_string();
    assert_eq!(
        jours,
        [(d(1), "envoye".into()), (d(2), "envoye".into()), (d(4), "sans_seance".into())],
        "day 3 was gone by"
    );
}

#[tokio::test]
async fn no_morning_email_without_asking_or_once_stopped() {
    let m = monde_journee().await;
    let (_, zoe) = personne(&m, "Zoé", 42, "", "zoe@exemple.fr").await;
    placer(&m, zoe[3], paris(1, "09:30")).await;
    placer(&m, zoe[4], paris(2, "09:30")).await;
    // Off by default.
    let cookie = m.app.login("camille@exemple.fr", "mot-de-passe-de-test").await;
    assert_eq!(m.app.get("/api/v1/compte/journee", &cookie).await.body["email_du_matin"], false);
    aller_a(&m.app, paris(1, "07:00"));
    assert_eq!(journees(&m).await, 0);
    // Asked for, then stopped before the next morning.
    email_du_matin(&m, "camille@exemple.fr", true).await;
    email_du_matin(&m, "camille@exemple.fr", false).await;
    aller_a(&m.app, paris(2, "07:00"));
    assert_eq!(journees(&m).await, 0);
    assert!(m.smtp.recus().is_empty());
    assert_eq!(m.app.count("envois_journee").await, 0);
    // Staff without sessions (a hub) cannot ask for it.
    m.app.create_user(None, "hub@exemple.fr", "mot-de-passe-de-test", carnet_domain::api::Role::Hub).await;
    let hub = m.app.login("hub@exemple.fr", "mot-de-passe-de-test").await;
    let r = m
        .app
        .request(axum::http::Method::PUT, "/api/v1/compte/journee", Some(json!({ "email_du_matin": true })), Some(&hub))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn each_conseiller_sees_their_own_day_list() {
    let m = monde_journee().await;
    m.app
        .create_user(
            Some(m.structure),
            "dominique@exemple.fr",
            "mot-de-passe-de-test",
            carnet_domain::api::Role::Conseiller,
        )
        .await;
    m.app
        .create_user(
            Some(m.structure),
            "coord@exemple.fr",
            "mot-de-passe-de-test",
            carnet_domain::api::Role::Coordinateur,
        )
        .await;
    let (_, zoe) = personne(&m, "Zoé", 43, "", "zoe@exemple.fr").await;
    let (_, lea) = personne_de(&m, "dominique@exemple.fr", "Léa", 44, "", "lea@exemple.fr").await;
    placer(&m, zoe[3], paris(1, "09:30")).await;
    placer(&m, lea[3], paris(1, "11:00")).await;
    let jour = (today() + Duration::days(1)).format("%Y-%m-%d").to_string();
    let camille = m.app.login("camille@exemple.fr", "mot-de-passe-de-test").await;
    let dominique = m.app.login("dominique@exemple.fr", "mot-de-passe-de-test").await;
    let prenoms = |r: &Resp| -> Vec<String> {
        r.body["seances"].as_array().unwrap().iter().map(|s| s["prenom"].as_str().unwrap().to_string()).collect()
    };
    let r = m.app.get(&format!("/api/v1/journee?jour={jour}"), &camille).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(prenoms(&r), ["Zoé"]);
    let s = &r.body["seances"][0];
    assert_eq!(s["lieu"], "Médiathèque des Capucins");
    assert!(s["numero"].as_str().unwrap().starts_with("Séance "), "{s}");
    assert_eq!(s["apporter"][0], "carnet de Pass numérique");
    assert_eq!(prenoms(&m.app.get(&format!("/api/v1/journee?jour={jour}"), &dominique).await), ["Léa"]);
    // Today (the structure's), when no day is given: nothing planned.
    let r = m.app.get("/api/v1/journee", &camille).await;
    assert_eq!(
        (r.status, r.body["jour"].as_str().unwrap()),
        (StatusCode::OK, today().format("%Y-%m-%d").to_string().as_str())
    );
    // A conseiller cannot read a colleague's day; the coordinatrice can.
    let dominique_id = user_id(&m, "dominique@exemple.fr").await;
    let r = m.app.get(&format!("/api/v1/journee?jour={jour}&conseiller={dominique_id}"), &camille).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let coord = m.app.login("coord@exemple.fr", "mot-de-passe-de-test").await;
    let r = m.app.get(&format!("/api/v1/journee?jour={jour}&conseiller={dominique_id}"), &coord).await;
    assert_eq!(prenoms(&r), ["Léa"]);
    // Another structure: its coordinatrice does not find ours, its conseillère is refused.
    let (autre, ailleurs) = m.app.conseiller("Maison France Services", "ailleurs@exemple.fr").await;
    m.app
        .create_user(Some(autre), "coord2@exemple.fr", "mot-de-passe-de-test", carnet_domain::api::Role::Coordinateur)
        .await;
    let coord2 = m.app.login("coord2@exemple.fr", "mot-de-passe-de-test").await;
    let r = m.app.get(&format!("/api/v1/journee?jour={jour}&conseiller={dominique_id}"), &coord2).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = m.app.get(&format!("/api/v1/journee?jour={jour}&conseiller={dominique_id}"), &ailleurs).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = m.app.get(&format!("/api/v1/journee?jour={jour}"), &ailleurs).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(prenoms(&r).is_empty());
    // A day that is not one: the field is named.
    let r = m.app.get("/api/v1/journee?jour=demain", &camille).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body["fields"]["jour"].as_str().unwrap().starts_with("Jour"), "{}", r.text);
}

/// The job's rate over 500 reminders to the local SMTP sink, 100 people followed by 13
/// conseillers (printed; `cargo test -p carnet-server --test rappels -- --ignored --nocapture`).
#[tokio::test]
#[ignore]
async fn messages_per_second_over_500_reminders() {
    let mut m = monde().await;
    m.canaux.sms = None;
    for k in 0..13 {
        m.app
            .create_user(
                Some(m.structure),
                &format!("c{k}@exemple.fr"),
                "mot-de-passe-de-test",
                carnet_domain::api::Role::Conseiller,
            )
            .await;
    }
    let mut seances = Vec::new();
    for i in 0..100u8 {
        let conseiller = format!("c{}@exemple.fr", i / 8);
        let (_, s) = personne_de(&m, &conseiller, "Zoé", 100 + i, "", &format!("p{i}@exemple.fr")).await;
        seances.extend(s);
    }
    aller_a(&m.app, paris(0, "10:00"));
    for (i, id) in seances.iter().enumerate() {
        placer(&m, *id, paris(1, "09:00") + Duration::minutes(2 * i as i64)).await;
    }
    let t = std::time::Instant::now();
    let b = passer(&m).await;
    let dt = t.elapsed();
    assert_eq!(b.envoyes, 500);
    assert_eq!(m.smtp.recus().len(), 500);
    println!(
        "rappels : 500 e-mails envoyés au puits SMTP local en {:.0} ms, soit {:.0} messages/s",
        dt.as_secs_f64() * 1000.0,
        500.0 / dt.as_secs_f64()
    );
}
