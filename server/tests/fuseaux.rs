//! A structure in its own time zone and with its own holidays: Saint-Denis de La Réunion (97411,
//! UTC+4 all year, 20 December a public holiday). What a conseillère there types and reads is
//! Réunion time; what is stored and what the calendar files say in UTC is the same instant.

mod common;
mod wizard;

use axum::http::{Method, StatusCode};
use carnet_domain::api::Role;
use carnet_server::on;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use common::*;
use serde_json::{json, Value};
use wizard::*;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// A conseillère of a structure in `commune`: (structure id, cookie).
async fn conseillere_a(app: &TestApp, commune: &str, email: &str) -> (i64, String) {
    let (s, _) = app.conseiller(&format!("Structure {commune}"), email).await;
    on!(app.db.acquire().await.unwrap(), |cx| sqlx::query("UPDATE structures SET commune_insee = $1 WHERE id = $2")
        .bind(commune)
        .bind(s)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))
    .unwrap();
    // The session was opened before the commune changed: log in again to read it.
    (s, app.login(email, "mot-de-passe-de-test").await)
}

/// A parcours of 5 passes valid until mid-2028, ready for its planning.
async fn parcours_pret(app: &TestApp, cookie: &str, seed: u8) -> i64 {
    let mut body = intake_body("Zoé", seed, 5);
    body["fin_validite"] = json!("2028-06-30");
    let id = app.intake(cookie, body).await;
    diagnostic(app, cookie, id).await;
    objectifs(app, cookie, id, 5).await;
    id
}

async fn proposition(app: &TestApp, cookie: &str, id: i64) -> Vec<Value> {
    let r = app
        .post(
            &format!("/api/v1/parcours/{id}/planning/proposition"),
            json!({ "frequence": "hebdomadaire", "premiere_date": "2027-12-13", "heure": "10:00", "duree_minutes": "60", "type_lieu": "lieu_activite" }),
            cookie,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["seances"].as_array().unwrap().clone()
}

#[tokio::test]
async fn reunion_plans_at_10_local_skips_20_december_and_its_calendar_says_06_utc() {
    let app = TestApp::new().await;
    let (_, cookie) = conseillere_a(&app, "97411", "reunion@example.fr").await;
    let me = app.get("/api/v1/auth/me", &cookie).await;
    assert_eq!(me.body["fuseau"], "Indian/Reunion", "{}", me.text);

    let id = parcours_pret(&app, &cookie, 1).await;
    let s = proposition(&app, &cookie, id).await;
    let debuts: Vec<&str> = s.iter().map(|x| x["debut"].as_str().unwrap()).collect();
    assert_eq!(
        debuts[1..],
        ["2027-12-13T10:00:00", "2027-12-21T10:00:00", "2027-12-27T10:00:00", "2028-01-03T10:00:00"],
        "the weekly rhythm skips 20 December, the Réunion's abolition day"
    );
    let notes = s[2]["notes"].to_string();
    assert!(notes.contains("abolition de l'esclavage"), "{notes}");

    // Saved as proposed, then read back: 10:00 on screen, 06:00 UTC in the database and the file.
    let seances: Vec<Value> = s
        .iter()
        .map(|x| {
            let d = x["debut"].as_str().unwrap();
            json!({ "date": &d[..10], "heure": &d[11..16] })
        })
        .collect();
    let body =
        json!({ "frequence": "hebdomadaire", "duree_minutes": "60", "type_lieu": "lieu_activite", "seances": seances });
    let r = put(&app, &format!("/api/v1/parcours/{id}/planning"), body, &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let d = dossier(&app, &cookie, id).await;
    assert_eq!(d["fuseau"], "Indian/Reunion");
    assert_eq!(d["seances"][1]["debut"], "2027-12-13T10:00:00");
    let (stored,): (DateTime<Utc>,) = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT debut FROM seances WHERE parcours_id = $1 ORDER BY debut LIMIT 1 OFFSET 1"
    )
    .bind(id)
    .fetch_one(cx)
    .await)
    .unwrap();
    assert_eq!(stored, utc("2027-12-13T06:00:00Z"));

    let ics = app.get(&format!("/api/v1/parcours/{id}/seances.ics"), &cookie).await;
    assert_eq!(ics.status, StatusCode::OK);
    let u = ics.text.replace("\r\n ", "");
    assert!(u.contains("\r\nDTSTART;TZID=Indian/Reunion:20271213T100000\r\n"), "{u}");
    // The zone's own definition, read as a calendar program does: +04:00, no summer time.
    let vtz = &u[u.find("BEGIN:VTIMEZONE").unwrap()..u.find("END:VTIMEZONE").unwrap()];
    assert!(vtz.contains("TZID:Indian/Reunion\r\n"));
    assert!(!vtz.contains("DAYLIGHT"), "{vtz}");
    let offsets: Vec<&str> = vtz.lines().filter_map(|l| l.strip_prefix("TZOFFSETTO:")).collect();
    assert_eq!(offsets, ["+0400"]);
    let local = NaiveDateTime::parse_from_str("20271213T100000", "%Y%m%dT%H%M%S").unwrap();
    assert_eq!(local - Duration::hours(4), utc("2027-12-13T06:00:00Z").naive_utc(), "06:00 UTC");
    assert!(!u.contains("Europe/Paris"), "{u}");
}

#[tokio::test]
async fn a_paris_structure_keeps_20_december_and_alsace_skips_26_december() {
    let app = TestApp::new().await;
    let (_, cookie) = conseillere_a(&app, "29019", "brest@example.fr").await;
    let id = parcours_pret(&app, &cookie, 2).await;
    let s = proposition(&app, &cookie, id).await;
    assert_eq!(s[2]["debut"], "2027-12-20T10:00:00");
    assert_eq!(s[3]["debut"], "2027-12-27T10:00:00");

    // Strasbourg: 26 December is a holiday, and so is Good Friday.
    let (_, cookie) = conseillere_a(&app, "67482", "strasbourg@example.fr").await;
    let id = parcours_pret(&app, &cookie, 3).await;
    let r = app
        .post(
            &format!("/api/v1/parcours/{id}/planning/proposition"),
            json!({ "frequence": "hebdomadaire", "premiere_date": "2027-12-19", "heure": "10:00", "duree_minutes": "60", "type_lieu": "lieu_activite" }),
            &cookie,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Sunday 19 December is the cadence's own day; 26 December (Sunday, Saint-Étienne) moves to
    // Monday 27.
    assert_eq!(r.body["seances"][2]["debut"], "2027-12-27T10:00:00", "{}", r.text);
    assert!(r.body["seances"][2]["notes"].to_string().contains("Saint-Étienne"), "{}", r.text);
}

#[tokio::test]
async fn today_at_23_30_utc_is_already_tomorrow_in_reunion() {
    let app = TestApp::new().await;
    let (_, reunion) = conseillere_a(&app, "97411", "reunion@example.fr").await;
    conseillere_a(&app, "97105", "guadeloupe@example.fr").await;
    conseillere_a(&app, "75056", "paris@example.fr").await;
    let id = parcours_pret(&app, &reunion, 4).await;
    let s = proposition(&app, &reunion, id).await;
    let seances: Vec<Value> = s
        .iter()
        .map(|x| {
            let d = x["debut"].as_str().unwrap();
            json!({ "date": &d[..10], "heure": &d[11..16] })
        })
        .collect();
    let body =
        json!({ "frequence": "hebdomadaire", "duree_minutes": "60", "type_lieu": "lieu_activite", "seances": seances });
    assert_eq!(put(&app, &format!("/api/v1/parcours/{id}/planning"), body, &reunion).await.status, StatusCode::OK);

    // Nine months later the sessions have expired: each logs in again at that hour.
    let aujourdhui = |email: &'static str| {
        let app = &app;
        async move {
            let cookie = app.login(email, "mot-de-passe-de-test").await;
            let r = app.get("/api/v1/tableau-de-bord", &cookie).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            r.body
        }
    };
    // Sunday 12 December 2027, 23:30 UTC: Monday 03:30 in Saint-Denis, 00:30 in Paris, still
    // Sunday 19:30 in Pointe-à-Pitre.
    app.clock.step(utc("2027-12-12T23:30:00Z") - app.clock.now());
    let r = aujourdhui("reunion@example.fr").await;
    assert_eq!(r["aujourdhui"], "2027-12-13");
    assert_eq!(r["seances_du_jour"][0]["debut"], "2027-12-13T10:00:00", "{r}");
    assert_eq!(aujourdhui("guadeloupe@example.fr").await["aujourdhui"], "2027-12-12");
    assert_eq!(aujourdhui("paris@example.fr").await["aujourdhui"], "2027-12-13");
    // 20:30 UTC: already Monday in Saint-Denis (00:30), still Sunday in Paris (21:30).
    app.clock.step(utc("2027-12-12T20:30:00Z") - app.clock.now());
    assert_eq!(aujourdhui("reunion@example.fr").await["aujourdhui"], "2027-12-13");
    assert_eq!(aujourdhui("paris@example.fr").await["aujourdhui"], "2027-12-12");
    assert_eq!(aujourdhui("guadeloupe@example.fr").await["aujourdhui"], "2027-12-12");
}

#[tokio::test]
async fn the_administrator_reads_and_sets_a_structures_zone() {
    let app = TestApp::new().await;
    let (structure, cookie) = conseillere_a(&app, "97411", "reunion@example.fr").await;
    app.create_user(None, "admin@example.fr", "mot-de-passe-de-test", Role::Admin).await;
    let admin = app.login("admin@example.fr", "mot-de-passe-de-test").await;

    let r = app.get("/api/v1/structures/fuseaux", &admin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let ligne = r.body.as_array().unwrap().iter().find(|l| l["id"] == structure).unwrap().clone();
    assert_eq!(ligne["fuseau"], "Indian/Reunion");
    assert_eq!(ligne["fuseau_commune"], "Indian/Reunion");
    assert_eq!(ligne["choisi"], false);
    assert_eq!(app.get("/api/v1/structures/fuseaux", &cookie).await.status, StatusCode::FORBIDDEN);

    let url = format!("/api/v1/structures/{structure}/fuseau");
    let r = app.request(Method::PUT, &url, Some(json!({ "fuseau": "Europe/London" })), Some(&admin)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("Fuseau horaire"), "{}", r.text);
    let r = app.request(Method::PUT, &url, Some(json!({ "fuseau": "Indian/Mayotte" })), Some(&admin)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["fuseau"], "Indian/Mayotte");
    assert_eq!(r.body["choisi"], true);
    // The conseillère's next request is in the new zone; the holidays stay the commune's.
    assert_eq!(app.get("/api/v1/auth/me", &cookie).await.body["fuseau"], "Indian/Mayotte");
    let r = app.request(Method::PUT, &url, Some(json!({ "fuseau": "" })), Some(&admin)).await;
    assert_eq!(r.body["fuseau"], "Indian/Reunion");
    assert_eq!(r.body["choisi"], false);
    let r =
        app.request(Method::PUT, "/api/v1/structures/999999/fuseau", Some(json!({ "fuseau": "" })), Some(&admin)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
