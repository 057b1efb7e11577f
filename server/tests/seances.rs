//! The séances step over HTTP: a session held validates its pass in one atomic statement;
//! refusals come with their French reason and change nothing; two validations of one pass at
//! once: exactly one succeeds; another structure sees and validates nothing; cancelling a
//! validation frees the pass; absences, replacements, moves, reports, and the `.ics`.

mod common;
mod wizard;

use axum::http::StatusCode;
use carnet_domain::pass::{CarnetId, SeanceId};
use carnet_domain::PassCode;
use carnet_server::on;
use carnet_server::store::passes;
use chrono::Duration;
use common::*;
use serde_json::{json, Value};
use wizard::*;

#[tokio::test]
async fn holding_a_session_validates_its_pass_and_credits_the_structure() {
    let app = TestApp::new().await;
    let (structure, cookie) = app.conseiller("Médiathèque", "a@example.fr").await;
    let (id, codes) = au_stade_seances(&app, &cookie, "Zoé", 1, 5, "10:00").await;
    let d = dossier(&app, &cookie, id).await;
    let s = seances(&d);
    let r = tenir(&app, &cookie, &s[0], &codes[0].to_lowercase().replace('-', " ")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["pass"]["rang"], 1);
    assert_eq!(r.body["pass"]["valeur_centimes"], 1000);
    assert_eq!(r.body["pass"]["structure_creditee"], "Médiathèque");
    // A carnet typed in at intake came from elsewhere: its issuer reimburses, no statement here.
    assert_eq!(r.body["pass"]["a_reclamer_a"], "Brest métropole");
    let (etat, credited, seance) = pass_etat(&app, &codes[0]).await;
    assert_eq!(etat, "valide");
    assert_eq!(credited, Some(structure));
    assert_eq!(seance, s[0]["id"].as_i64());
    let d = dossier(&app, &cookie, id).await;
    let s0 = &seances(&d)[0];
    assert_eq!(s0["statut"], "tenue");
    assert_eq!(s0["pass"]["code"], codes[0]);
    assert_eq!(d["carnet"]["passes"][0]["etat"], "valide");
    assert_eq!(audit_count(&app, "pass", "valide").await, 1);
    assert_eq!(audit_count(&app, "seance", "tenue").await, 1);

    // The report: Coop vocabulary, checked field by field.
    let url = format!("/api/v1/seances/{}/compte-rendu", s0["id"]);
    let good = json!({ "thematiques": ["diagnostic_numerique"], "duree_minutes": "75", "materiel": ["telephone"], "autonomie": "entierement_accompagne", "notes": "Très à l'aise au téléphone." });
    for (field, change) in [
        ("thematiques", json!({ "thematiques": [] })),
        ("duree_minutes", json!({ "duree_minutes": "7" })),
        ("materiel", json!({ "materiel": ["aucun", "telephone"] })),
        ("autonomie", json!({ "autonomie": "expert" })),
    ] {
        let mut b = good.clone();
        for (k, v) in change.as_object().unwrap() {
            b[k] = v.clone();
        }
        let r = put(&app, &url, b, &cookie).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(r.body["fields"][field].is_string(), "{field}: {}", r.text);
    }
    assert!(seances(&dossier(&app, &cookie, id).await)[0]["compte_rendu"].is_null());
    assert_eq!(put(&app, &url, good, &cookie).await.status, StatusCode::OK);
    let cr = &seances(&dossier(&app, &cookie, id).await)[0]["compte_rendu"];
    assert_eq!(cr["duree_minutes"], 75);
    assert_eq!(cr["materiel"], json!(["telephone"]));
    // A report on a session not held yet: refused.
    let r = put(
        &app,
        &format!("/api/v1/seances/{}/compte-rendu", s[1]["id"]),
        json!({ "thematiques": ["email"], "duree_minutes": "60" }),
        &cookie,
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn each_refused_pass_says_why_in_french_and_changes_nothing() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@example.fr").await;
    let (id, codes) = au_stade_seances(&app, &cookie, "Zoé", 2, 5, "10:00").await;
    let (other, other_codes) = au_stade_seances(&app, &cookie, "Yann", 3, 5, "14:00").await;
    let _ = other;
    let s = seances(&dossier(&app, &cookie, id).await);
    assert_eq!(tenir(&app, &cookie, &s[0], &codes[0]).await.status, StatusCode::OK);
    let audit_before = app.count("audit_log").await;

    let unknown = PassCode::from_random([29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19]).display();
    let cases = [
        (codes[0].clone(), "Pass refusé : Ce pass a déjà été utilisé, le "),
        (other_codes[1].clone(), "Pass refusé : Ce pass n'appartient pas au carnet de ce parcours"),
        (unknown, "Pass refusé : Ce code de pass n'existe pas dans Carnet"),
        ("ABCD-EFGH".to_string(), "Code du pass : Un code de pass compte 12 caractères"),
    ];
    for (code, message) in cases {
        let r = tenir(&app, &cookie, &s[1], &code).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{code}: {}", r.text);
        let m = r.body["fields"]["code"].as_str().unwrap();
        assert!(m.starts_with(message), "{m}");
    }
    // Expired: the carnet's validity ended yesterday.
    on!(app.db.acquire().await.unwrap(), |cx| sqlx::query(
        "UPDATE carnets SET fin_validite = $1 WHERE id = (SELECT carnet_id FROM parcours WHERE id = $2)"
    )
    .bind(today() - Duration::days(1))
    .bind(id)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))
    .unwrap();
    let r = tenir(&app, &cookie, &s[1], &codes[1]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.body["fields"]["code"]
            .as_str()
            .unwrap()
            .starts_with("Pass refusé : Ce carnet n'est plus valable : sa validité a pris fin le "),
        "{}",
        r.text
    );

    assert_eq!(app.count("audit_log").await, audit_before, "no refusal leaves a trace of change");
    assert_eq!(pass_etat(&app, &codes[1]).await.0, "distribue");
    assert_eq!(pass_etat(&app, &other_codes[1]).await.0, "distribue");
    assert_eq!(seances(&dossier(&app, &cookie, id).await)[1]["statut"], "prevue");

    // A session is not held in the future.
    on!(app.db.acquire().await.unwrap(), |cx| sqlx::query("UPDATE carnets SET fin_validite = $1")
        .bind(today() + Duration::days(100))
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))
    .unwrap();
    let future = json!({ "code": codes[1], "date": iso(today() + Duration::days(1)), "heure": "10:00" });
    let r = app.post(&format!("/api/v1/seances/{}/tenue", s[1]["id"]), future, &cookie).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body["fields"]["date"].as_str().unwrap().contains("déplacez"), "{}", r.text);
    // Held twice: the second time the session is no longer planned.
    assert_eq!(tenir(&app, &cookie, &s[1], &codes[1]).await.status, StatusCode::OK);
    assert_eq!(tenir(&app, &cookie, &s[1], &codes[2]).await.status, StatusCode::CONFLICT);
    assert_eq!(pass_etat(&app, &codes[2]).await.0, "distribue");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_devices_validating_the_same_pass_at_once_exactly_one_succeeds() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@example.fr").await;
    let (id, codes) = au_stade_seances(&app, &cookie, "Zoé", 4, 10, "10:00").await;
    let s = seances(&dossier(&app, &cookie, id).await);
    // Five rounds: sessions (0,1), (2,3)… race for the same pass.
    for round in 0..5 {
        let (a, b) = (&s[2 * round], &s[2 * round + 1]);
        let code = &codes[round];
        let (ra, rb) = tokio::join!(tenir(&app, &cookie, a, code), tenir(&app, &cookie, b, code));
        let ok: Vec<&Resp> = [&ra, &rb].into_iter().filter(|r| r.status == StatusCode::OK).collect();
        assert_eq!(ok.len(), 1, "round {round}: {} / {}", ra.text, rb.text);
        let refused = if ra.status == StatusCode::OK { &rb } else { &ra };
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.body["fields"]["code"].as_str().unwrap().contains("déjà été utilisé"), "{}", refused.text);
    }
    let (n,): (i64,) =
        on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as("SELECT COUNT(*) FROM passes WHERE etat = 'valide'")
            .fetch_one(cx)
            .await)
        .unwrap();
    assert_eq!(n, 5);
    let (held,): (i64,) = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT COUNT(*) FROM seances WHERE statut = 'tenue'"
    )
    .fetch_one(cx)
    .await)
    .unwrap();
    assert_eq!(held, 5);
    assert_eq!(audit_count(&app, "pass", "valide").await, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_atomic_statement_alone_lets_one_of_two_transactions_win() {
    // Without BEGIN IMMEDIATE, straight on the store function: the statement's own condition
    // (etat = 'distribue') is what makes the second one fail.
    let app = TestApp::new().await;
    let (structure, cookie) = app.conseiller("S", "a@example.fr").await;
    let (id, codes) = au_stade_seances(&app, &cookie, "Zoé", 5, 5, "10:00").await;
    let s = seances(&dossier(&app, &cookie, id).await);
    let (carnet_id, user_id): (i64, i64) = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT carnet_id, conseiller_id FROM parcours WHERE id = $1"
    )
    .bind(id)
    .fetch_one(cx)
    .await)
    .unwrap();
    let code = PassCode::parse(&codes[0]).unwrap();
    let attempt = |seance: i64| {
        let db = app.db.clone();
        let code = code.clone();
        tokio::spawn(async move {
            let mut tx = db.begin().await.unwrap();
            let v = passes::Validation {
                carnet_id: CarnetId(carnet_id),
                parcours_id: id,
                seance_id: SeanceId(seance),
                user_id,
                structure_id: structure,
                at: instant(),
                jour: carnet_domain::fuseau::Calendrier::METROPOLE.today(instant()),
            };
            let r = passes::validate(&mut tx, &code, v).await.unwrap();
            tx.commit().await.unwrap();
            r
        })
    };
    let (a, b) = tokio::join!(attempt(s[0]["id"].as_i64().unwrap()), attempt(s[1]["id"].as_i64().unwrap()));
    let results = [a.unwrap(), b.unwrap()];
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    let refus = results.iter().find_map(|r| r.clone().err()).unwrap();
    assert!(refus.message().contains("déjà été utilisé"), "{refus:?}");
}

#[tokio::test]
async fn another_structure_can_neither_read_nor_validate() {
    let app = TestApp::new().await;
    let (_, a) = app.conseiller("Structure A", "a@example.fr").await;
    let (_, b) = app.conseiller("Structure B", "b@example.fr").await;
    let (id, codes) = au_stade_seances(&app, &a, "Zoé", 6, 5, "10:00").await;
    let s = seances(&dossier(&app, &a, id).await);
    let sid = s[0]["id"].as_i64().unwrap();
    let gets = [
        format!("/api/v1/parcours/{id}"),
        format!("/api/v1/parcours/{id}/seances.ics"),
        format!("/api/v1/parcours/{id}/remplacement"),
    ];
    for url in gets {
        let r = app.get(&url, &b).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{url}");
        assert!(!r.text.contains("Zoé"), "{url}");
    }
    let debut = s[0]["debut"].as_str().unwrap();
    let writes: Vec<(&str, String, Value)> = vec![
        (
            "post",
            format!("/api/v1/seances/{sid}/tenue"),
            json!({ "code": codes[0], "date": &debut[..10], "heure": &debut[11..16] }),
        ),
        (
            "post",
            format!("/api/v1/seances/{sid}/absence"),
            json!({ "statut": "absente_excusee", "remplacement": true }),
        ),
        (
            "put",
            format!("/api/v1/seances/{sid}/date"),
            json!({ "date": iso(today() + Duration::days(3)), "heure": "10:00" }),
        ),
        ("post", format!("/api/v1/seances/{sid}/annulation"), json!({ "motif": "test" })),
        ("put", format!("/api/v1/parcours/{id}/diagnostics/initial"), diagnostic_body()),
        ("put", format!("/api/v1/parcours/{id}/objectifs"), json!({})),
        ("put", format!("/api/v1/parcours/{id}/planning"), json!({})),
        ("post", format!("/api/v1/parcours/{id}/seances"), json!({ "date": iso(today()), "heure": "10:00" })),
    ];
    let audit_before = app.count("audit_log").await;
    for (method, url, body) in writes {
        let r = if method == "put" { put(&app, &url, body, &b).await } else { app.post(&url, body, &b).await };
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{url}: {}", r.text);
    }
    assert_eq!(pass_etat(&app, &codes[0]).await.0, "distribue");
    assert_eq!(app.count("audit_log").await, audit_before);
    // B's own session cannot consume A's beneficiary's pass either.
    let (other, _) = au_stade_seances(&app, &b, "Yann", 7, 5, "10:00").await;
    let theirs = seances(&dossier(&app, &b, other).await);
    let r = tenir(&app, &b, &theirs[0], &codes[0]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body["fields"]["code"].as_str().unwrap().contains("n'appartient pas au carnet"));
    assert_eq!(pass_etat(&app, &codes[0]).await.0, "distribue");
}

#[tokio::test]
async fn cancelling_a_validation_frees_the_pass() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@example.fr").await;
    let (id, codes) = au_stade_seances(&app, &cookie, "Zoé", 8, 5, "10:00").await;
    let s = seances(&dossier(&app, &cookie, id).await);
    // The wrong pass (n°3) was scanned for session 1.
    assert_eq!(tenir(&app, &cookie, &s[0], &codes[2]).await.status, StatusCode::OK);
    let put_report = put(
        &app,
        &format!("/api/v1/seances/{}/compte-rendu", s[0]["id"]),
        json!({ "thematiques": ["email"], "duree_minutes": "60" }),
        &cookie,
    )
    .await;
    assert_eq!(put_report.status, StatusCode::OK);
    let url = format!("/api/v1/seances/{}/annulation", s[0]["id"]);
    let r = app.post(&url, json!({ "motif": " " }), &cookie).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body["fields"]["motif"].is_string());
    assert_eq!(pass_etat(&app, &codes[2]).await.0, "valide");

    let motif = "Mauvais pass scanné : Zoé Kerjean avait pris le carnet de sa sœur";
    let r = app.post(&url, json!({ "motif": motif }), &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(pass_etat(&app, &codes[2]).await, ("distribue".to_string(), None, None));
    let d = dossier(&app, &cookie, id).await;
    assert_eq!(seances(&d)[0]["statut"], "prevue");
    assert!(seances(&d)[0]["compte_rendu"].is_null());
    assert!(seances(&d)[0]["pass"].is_null());
    // The reason is the conseillère's free text and may name someone: the audit log, append-only
    // and out of anonymisation's reach, keeps only its length, on the session's line as on the
    // pass's (which the order's buyer and opérateur read).
    let line = |entity: &'static str| {
        let db = app.db.clone();
        async move {
            let (after,): (String,) = on!(db.acquire().await.unwrap(), |cx| sqlx::query_as(
                "SELECT after_json FROM audit_log WHERE entity = $1 AND action = 'validation_annulee'"
            )
            .bind(entity)
            .fetch_one(cx)
            .await)
            .unwrap();
            after
        }
    };
    let seance: Value = serde_json::from_str(&line("seance").await).unwrap();
    assert_eq!(seance["motif_caracteres"], motif.chars().count());
    for entity in ["seance", "pass"] {
        let after = line(entity).await;
        for mot in ["Kerjean", "Mauvais pass", "sœur"] {
            assert!(!after.contains(mot), "{entity} : {after}");
        }
    }
    // Cancelling twice: nothing to cancel.
    assert_eq!(app.post(&url, json!({ "motif": "encore" }), &cookie).await.status, StatusCode::CONFLICT);
    // The freed pass is usable again, and the right one goes to session 1.
    assert_eq!(tenir(&app, &cookie, &s[0], &codes[0]).await.status, StatusCode::OK);
    assert_eq!(tenir(&app, &cookie, &s[1], &codes[2]).await.status, StatusCode::OK);
}

#[tokio::test]
async fn an_absence_proposes_a_replacement_after_the_last_session() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@example.fr").await;
    let (id, _) = au_stade_seances(&app, &cookie, "Zoé", 9, 5, "10:00").await;
    let d = dossier(&app, &cookie, id).await;
    let s = seances(&d);
    let last = s[4]["debut"].as_str().unwrap().to_string();
    let proposal = app.get(&format!("/api/v1/parcours/{id}/remplacement"), &cookie).await;
    assert_eq!(proposal.status, StatusCode::OK, "{}", proposal.text);
    let proposed = proposal.body["debut"].as_str().unwrap().to_string();
    assert!(proposed > last, "{proposed} after {last}");

    let url = format!("/api/v1/seances/{}/absence", s[2]["id"]);
    let r = app.post(&url, json!({ "statut": "tenue" }), &cookie).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body["fields"]["statut"].is_string());
    let r = app.post(&url, json!({ "statut": "absente_excusee", "remplacement": true }), &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let d = dossier(&app, &cookie, id).await;
    let s = seances(&d);
    assert_eq!(s.len(), 6);
    assert_eq!(s[2]["statut"], "absente_excusee");
    assert!(s[2]["numero"].is_null());
    let r = s.last().unwrap();
    assert_eq!(r["debut"].as_str().unwrap(), proposed);
    assert_eq!(r["remplace"], s[2]["id"]);
    // Positions and themes follow: still 5 sessions for 5 passes, the bilan last.
    let numeros: Vec<i64> = s.iter().filter_map(|x| x["numero"].as_i64()).collect();
    assert_eq!(numeros, [1, 2, 3, 4, 5]);
    assert_eq!(r["theme"]["titre"], "Bilan du parcours");
    assert_eq!(s[3]["theme"]["titre"], d["themes"][2]["titre"], "the missed theme moves to the next session");

    // An absence without replacement, then a session added by hand: not beyond the passes.
    let r = app
        .post(
            &format!("/api/v1/seances/{}/absence", s[3]["id"]),
            json!({ "statut": "absente_non_excusee", "remplacement": false }),
            &cookie,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(seances(&dossier(&app, &cookie, id).await).len(), 6);
    let add = format!("/api/v1/parcours/{id}/seances");
    let when = json!({ "date": iso(today() + Duration::days(60)), "heure": "11:00" });
    let r = app.post(&add, when.clone(), &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app.post(&add, json!({ "date": iso(today() + Duration::days(61)), "heure": "11:00" }), &cookie).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(audit_count(&app, "seance", "remplacement").await, 1);
    assert_eq!(audit_count(&app, "seance", "absente_non_excusee").await, 1);
}

#[tokio::test]
async fn moving_a_session_checks_holidays_and_overlaps_and_updates_the_calendar() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@example.fr").await;
    let (id, _) = au_stade_seances(&app, &cookie, "Zoé", 10, 5, "10:00").await;
    let (other, _) = au_stade_seances(&app, &cookie, "Yann", 11, 5, "14:00").await;
    let theirs = seances(&dossier(&app, &cookie, other).await);
    let s = seances(&dossier(&app, &cookie, id).await);
    let url = format!("/api/v1/seances/{}/date", s[4]["id"]);
    let ics1 = app.get(&format!("/api/v1/parcours/{id}/seances.ics"), &cookie).await;
    assert_eq!(ics1.status, StatusCode::OK);

    // Onto Yann's session: refused, with the next free slot.
    let yann = theirs[4]["debut"].as_str().unwrap();
    let r = put(&app, &url, json!({ "date": &yann[..10], "heure": "14:30" }), &cookie).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.body["fields"]["date"].as_str().unwrap().contains("séance de Yann"), "{}", r.text);
    assert_eq!(r.body["fields"]["proposition_date"], format!("{}T15:00", &yann[..10]));
    // Past its carnet's validity, or a bad time.
    let r = put(&app, &url, json!({ "date": iso(today() + Duration::days(300)), "heure": "10:00" }), &cookie).await;
    assert!(r.body["fields"]["date"].as_str().unwrap().contains("fin de validité"), "{}", r.text);
    let r = put(&app, &url, json!({ "date": iso(today() + Duration::days(3)), "heure": "23:00" }), &cookie).await;
    assert!(r.body["fields"]["heure"].is_string(), "{}", r.text);
    assert_eq!(audit_count(&app, "seance", "deplacee").await, 0);

    // The proposed slot is accepted.
    let r = put(&app, &url, json!({ "date": &yann[..10], "heure": "15:00" }), &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(seances(&dossier(&app, &cookie, id).await)[4]["debut"], format!("{}T15:00:00", &yann[..10]));
    assert_eq!(audit_count(&app, "seance", "deplacee").await, 1);

    // The calendar: same UIDs, the moved one with a higher SEQUENCE and its new time.
    let ics2 = app.get(&format!("/api/v1/parcours/{id}/seances.ics"), &cookie).await;
    let events = |t: &str| -> Vec<(String, String, String)> {
        let unfolded = t.replace("\r\n ", "");
        unfolded
            .split("BEGIN:VEVENT")
            .skip(1)
            .map(|e| {
                let get = |k: &str| e.lines().find(|l| l.starts_with(k)).unwrap().trim_end().to_string();
                (get("UID:"), get("SEQUENCE:"), get("DTSTART;"))
            })
            .collect()
    };
    let (e1, e2) = (events(&ics1.text), events(&ics2.text));
    assert_eq!(e1.len(), 5);
    assert_eq!(e1.iter().map(|e| &e.0).collect::<Vec<_>>(), e2.iter().map(|e| &e.0).collect::<Vec<_>>());
    let moved = e2.iter().position(|e| e.2.ends_with("T150000")).unwrap();
    assert_ne!(e1[moved].1, e2[moved].1);
    assert_eq!(e1[0].1, e2[0].1);
}

#[tokio::test]
async fn the_calendar_file_is_rfc5545_in_europe_paris() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("Médiathèque des Capucins", "a@example.fr").await;
    let (id, _) = au_stade_seances(&app, &cookie, "Zoé", 12, 5, "10:00").await;
    let r = app.get(&format!("/api/v1/parcours/{id}/seances.ics"), &cookie).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["content-type"], "text/calendar; charset=utf-8");
    assert!(r.headers["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"parcours-"));
    let t = &r.text;
    assert!(t.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
    assert!(t.ends_with("END:VCALENDAR\r\n"));
    assert!(!t.replace("\r\n", "").contains('\n'));
    assert!(t.split("\r\n").all(|l| l.len() <= 75));
    let u = t.replace("\r\n ", "");
    assert_eq!(u.matches("BEGIN:VEVENT").count(), 5);
    assert!(u.contains("TZID:Europe/Paris\r\n"));
    assert!(u.contains("BEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\n"), "{u}");
    assert!(u.contains("DTSTART;TZID=Europe/Paris:") && u.contains("T100000\r\n"));
    assert!(u.contains("SUMMARY:Carnet – séance 1/5 avec Zoé : Accueil et diagnostic\r\n"), "{u}");
    assert!(u.contains("LOCATION:Médiathèque des Capucins (Lieu d'activité)\r\n"));
    // Downloaded again: the same UIDs.
    let again = app.get(&format!("/api/v1/parcours/{id}/seances.ics"), &cookie).await.text.replace("\r\n ", "");
    let uids = |s: &str| s.lines().filter(|l| l.starts_with("UID:")).map(String::from).collect::<Vec<_>>();
    assert_eq!(uids(&u), uids(&again));
    assert_eq!(uids(&u).iter().collect::<std::collections::HashSet<_>>().len(), 5);
}

/// A session held today at a busy hour is refused with the next free slot, but only a slot
/// already begun: a later one would itself be refused (a session is held once begun).
#[tokio::test]
async fn a_held_session_at_a_busy_hour_is_never_offered_a_future_slot() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@example.fr").await;
    let (a, codes) = au_stade_seances(&app, &cookie, "Zoé", 1, 5, "10:00").await;
    let h = app.heures_passees();
    let s = seances(&dossier(&app, &cookie, a).await);
    let (app, cookie, s, codes) = (&app, &cookie, &s, &codes);
    let tenir_a = |k: usize, heure: String| async move {
        let url = format!("/api/v1/seances/{}/tenue", s[k]["id"]);
        let body = json!({ "code": codes[k], "date": iso(today()), "heure": heure });
        app.post(&url, body, cookie).await
    };
    // Busy an hour ago: the half hour after is refused, and the slot offered (this hour) has begun.
    assert_eq!(tenir_a(0, h[1].clone()).await.status, StatusCode::OK);
    let demi = h[1].replace(":00", ":30");
    let r = tenir_a(1, demi.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.body["fields"]["heure"].as_str().unwrap().contains("chevauche une autre séance"), "{}", r.text);
    assert_eq!(r.body["fields"]["proposition_heure"], format!("{}T{}", iso(today()), h[0]), "{}", r.text);
    assert_eq!(tenir_a(1, h[0].clone()).await.status, StatusCode::OK);
    // This hour taken too: the next free slot has not begun, so none is offered.
    let r = tenir_a(2, demi).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let message = r.body["fields"]["heure"].as_str().unwrap();
    assert!(message.contains("chevauche une autre séance") && !message.contains("Prochain créneau"), "{}", r.text);
    assert!(r.body["fields"].get("proposition_heure").is_none(), "no slot still to come: {}", r.text);
    assert_eq!(pass_etat(app, &codes[2]).await.0, "distribue");
}

#[tokio::test]
async fn an_expired_carnet_a_closed_and_an_abandoned_parcours_each_say_why() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@example.fr").await;
    let mut refusals = Vec::new();
    for (k, etat) in ["expire", "termine", "abandonne"].into_iter().enumerate() {
        let (id, codes) = au_stade_seances(&app, &cookie, "Zoé", 40 + k as u8, 5, &format!("{:02}:00", 9 + k)).await;
        if etat == "expire" {
            // A carnet received elsewhere (typed in at intake) whose validity ended yesterday.
            on!(app.db.acquire().await.unwrap(), |cx| sqlx::query(
                "UPDATE carnets SET fin_validite = $1 WHERE id = (SELECT carnet_id FROM parcours WHERE id = $2)",
            )
            .bind(today() - Duration::days(1))
            .bind(id)
            .execute(cx)
            .await
            .map(|r| r.rows_affected()))
            .unwrap();
        } else {
            on!(app.db.acquire().await.unwrap(), |cx| sqlx::query("UPDATE parcours SET etat = $1 WHERE id = $2")
                .bind(etat)
                .bind(id)
                .execute(cx)
                .await
                .map(|r| r.rows_affected()))
            .unwrap();
        }
        let before = (app.count("audit_log").await, app.count("passes WHERE etat = 'valide'").await);
        let s = seances(&dossier(&app, &cookie, id).await);
        let r = tenir(&app, &cookie, &s[0], &codes[0]).await;
        let message = if etat == "expire" {
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
            r.body["fields"]["code"].as_str().unwrap().to_string()
        } else {
            assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
            r.body["error"].as_str().unwrap().to_string()
        };
        // The unplanned door refuses the same way.
        let body = json!({ "code": codes[0], "date": iso(today()), "heure": app.heures_passees()[0] });
        let again = app.post(&format!("/api/v1/parcours/{id}/seances/tenue"), body, &cookie).await;
        assert_eq!(again.status, r.status, "{}", again.text);
        assert_eq!((app.count("audit_log").await, app.count("passes WHERE etat = 'valide'").await), before);
        refusals.push(message);
    }
    assert!(
        refusals[0].starts_with("Pass refusé : Ce carnet n'est plus valable : sa validité a pris fin le "),
        "{refusals:?}"
    );
    assert_eq!(refusals[1], "Ce parcours est clôturé : il ne peut plus être modifié.");
    assert_eq!(refusals[2], "Ce parcours a été clôturé avant la fin : il ne peut plus être modifié.");
}

/// A pass pays for a session that happened: a session planned next week is not held today unless
/// the conseillère says it took place earlier, and then at its real date and hour; an hour not
/// yet come is refused whatever the session.
#[tokio::test]
async fn a_session_is_held_only_once_it_has_taken_place() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("Médiathèque", "a@example.fr").await;
    let body = intake_passe("Zoé", 1, 5);
    let codes: Vec<String> = body["codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().into()).collect();
    let id = app.intake(&cookie, body).await;
    diagnostic(&app, &cookie, id).await;
    objectifs(&app, &cookie, id, 5).await;
    let dates: Vec<_> = (1..=5).map(|k| jour_ouvre_dans(7 * k)).collect();
    let r = put(&app, &format!("/api/v1/parcours/{id}/planning"), planning_body(&dates, "10:00"), &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let s = seances(&dossier(&app, &cookie, id).await);
    let url = format!("/api/v1/seances/{}/tenue", s[0]["id"]);
    let before = app.count("audit_log").await;

    // Today, at an hour already begun, without saying « plus tôt »: refused, the planned date named.
    let maintenant = app.heures_passees()[0].clone();
    let r = app.post(&url, json!({ "code": codes[0], "date": iso(today()), "heure": maintenant }), &cookie).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let attendu = format!("Cette séance est prévue le {} à 10h00", carnet_domain::paris::date_longue(dates[0]));
    assert!(r.body["fields"]["plus_tot"].as_str().unwrap().starts_with(&attendu), "{}", r.text);
    // An hour of today not yet come (an hour from now), even when said earlier: refused.
    let dans_une_heure = carnet_domain::paris::to_local(app.clock.now() + Duration::minutes(60));
    let plus_tard = dans_une_heure.format("%H:%M").to_string();
    if dans_une_heure.date() == today() && plus_tard.as_str() <= "20:00" {
        let r = app
            .post(
                &url,
                json!({ "code": codes[0], "date": iso(today()), "heure": plus_tard, "plus_tot": true }),
                &cookie,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert!(r.body["fields"]["heure"].as_str().unwrap().contains("n'est pas encore passée"), "{}", r.text);
    }
    assert_eq!(app.count("audit_log").await, before, "a refusal changes nothing");
    assert_eq!(pass_etat(&app, &codes[0]).await.0, "distribue");

    // Said explicitly: held, at the real date and hour, and the pass validated.
    let r = app
        .post(&url, json!({ "code": codes[0], "date": iso(today()), "heure": maintenant, "plus_tot": true }), &cookie)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let s0 = &seances(&dossier(&app, &cookie, id).await)[0];
    assert_eq!(s0["statut"], "tenue");
    assert_eq!(s0["debut"].as_str().unwrap()[..16], format!("{}T{}", iso(today()), maintenant));
    assert_eq!(pass_etat(&app, &codes[0]).await.0, "valide");
}

/// A held session's number, theme and pass never change: holding the third session before the
/// second (at a date before it) leaves it « Séance 3 » with its theme; only planned sessions
/// take the numbers left.
#[tokio::test]
async fn a_held_session_keeps_its_number_theme_and_pass() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("Médiathèque", "a@example.fr").await;
    let (id, codes) = au_stade_seances(&app, &cookie, "Zoé", 1, 5, "10:00").await;
    let avant = seances(&dossier(&app, &cookie, id).await);
    assert_eq!(tenir(&app, &cookie, &avant[0], &codes[0]).await.status, StatusCode::OK);
    let jour = chrono::NaiveDate::parse_from_str(&avant[0]["debut"].as_str().unwrap()[..10], "%Y-%m-%d").unwrap()
        + Duration::days(1);
    let body = json!({ "code": codes[1], "date": iso(jour), "heure": "15:00" });
    let r = app.post(&format!("/api/v1/seances/{}/tenue", avant[2]["id"]), body, &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    let apres = seances(&dossier(&app, &cookie, id).await);
    let par_id = |sid: &Value| apres.iter().find(|s| s["id"] == *sid).unwrap().clone();
    let troisieme = par_id(&avant[2]["id"]);
    assert_eq!(troisieme["numero"], 3, "{troisieme}");
    assert_eq!(troisieme["theme"], avant[2]["theme"]);
    assert_eq!(troisieme["pass"]["rang"], 2);
    assert_eq!(apres[1]["id"], avant[2]["id"], "shown in date order");
    assert_eq!(par_id(&avant[1]["id"])["numero"], 2);
    assert_eq!(par_id(&avant[1]["id"])["theme"], avant[1]["theme"]);
    assert_eq!(par_id(&avant[4]["id"])["numero"], 5);

    // The second is missed: the planned ones take its number; the held ones keep theirs.
    let r = app
        .post(&format!("/api/v1/seances/{}/absence", avant[1]["id"]), json!({ "statut": "absente_excusee" }), &cookie)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let apres = seances(&dossier(&app, &cookie, id).await);
    let numero = |sid: &Value| apres.iter().find(|s| s["id"] == *sid).unwrap()["numero"].clone();
    assert_eq!(
        [&avant[0], &avant[1], &avant[2], &avant[3], &avant[4]].map(|s| numero(&s["id"])),
        [json!(1), Value::Null, json!(3), json!(2), json!(4)]
    );

    // Its validation cancelled, the third is planned again and numbered with the others.
    let r = app
        .post(
            &format!("/api/v1/seances/{}/annulation", avant[2]["id"]),
            json!({ "motif": "Erreur de séance" }),
            &cookie,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let apres = seances(&dossier(&app, &cookie, id).await);
    let numero = |sid: &Value| apres.iter().find(|s| s["id"] == *sid).unwrap()["numero"].clone();
    assert_eq!(
        [&avant[0], &avant[2], &avant[3], &avant[4]].map(|s| numero(&s["id"])),
        [json!(1), json!(2), json!(3), json!(4)]
    );
}
