//! The dashboard (today's sessions, the next ones, each parcours with its progress) and the
//! demo data a newcomer finds on a new database.

mod common;
mod wizard;

use axum::http::StatusCode;
use carnet_domain::api::Role;
use carnet_server::on;
use carnet_server::seed;
use chrono::Duration;
use common::*;
use serde_json::json;
use wizard::*;

#[tokio::test]
async fn the_dashboard_shows_sessions_and_progress() {
    let app = TestApp::new().await;
    let (structure, cookie) = app.conseiller("S", "a@example.fr").await;
    let (id, codes) = au_stade_seances(&app, &cookie, "Zoé", 1, 5, "10:00").await;
    let s = seances(&dossier(&app, &cookie, id).await);
    assert_eq!(tenir(&app, &cookie, &s[0], &codes[0]).await.status, StatusCode::OK);
    assert_eq!(tenir(&app, &cookie, &s[1], &codes[1]).await.status, StatusCode::OK);
    // Session 5 moved to today (late evening, so it is always free) and session 4 to next week.
    let tard = "20:00";
    let r = put(
        &app,
        &format!("/api/v1/seances/{}/date", s[4]["id"]),
        json!({ "date": iso(today()), "heure": tard }),
        &cookie,
    )
    .await;
    // Today may be a public holiday: then the move is refused and the session goes tomorrow.
    let today_ok = r.status == StatusCode::OK;
    if !today_ok {
        assert!(r.body["fields"]["date"].as_str().unwrap().contains("férié"), "{}", r.text);
    }
    let r = put(
        &app,
        &format!("/api/v1/seances/{}/date", s[3]["id"]),
        json!({ "date": iso(today() + Duration::days(7)), "heure": "10:00" }),
        &cookie,
    )
    .await;
    let next_ok = r.status == StatusCode::OK;
    // A parcours just opened, still at the diagnostic.
    app.intake(&cookie, intake_body("Lou", 2, 10)).await;

    let theme4 = dossier(&app, &cookie, id).await["themes"][3]["titre"].as_str().unwrap().to_string();
    let r = app.get("/api/v1/tableau-de-bord", &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let t = r.body;
    assert_eq!(t["aujourdhui"], iso(today()));
    if today_ok {
        let jour = t["seances_du_jour"].as_array().unwrap();
        assert_eq!(jour.len(), 1, "{t}");
        assert_eq!(jour[0]["prenom"], "Zoé");
        assert_eq!(jour[0]["debut"], format!("{}T20:00:00", iso(today())));
        // Positions follow the dates: today's session now comes before the one moved to next week.
        assert_eq!(jour[0]["numero"], 4);
        assert_eq!(jour[0]["theme"], theme4.as_str());
    }
    if next_ok {
        let next = t["prochaines_seances"].as_array().unwrap();
        assert!(
            next.iter().any(|x| x["numero"] == 5 && x["prenom"] == "Zoé" && x["theme"] == "Bilan du parcours"),
            "{t}"
        );
    }
    let parcours = t["parcours"].as_array().unwrap();
    assert_eq!(parcours.len(), 2);
    let zoe = parcours.iter().find(|p| p["prenom"] == "Zoé").unwrap();
    assert_eq!(zoe["seances_tenues"], 2);
    assert_eq!(zoe["nb_passes"], 5);
    assert_eq!(zoe["etape"], "seances");
    assert_eq!(zoe["objectifs_total"], 4);
    let lou = parcours.iter().find(|p| p["prenom"] == "Lou").unwrap();
    assert_eq!(lou["etape"], "diagnostic");
    assert!(lou["prochaine_seance"].is_null());

    // Another conseiller of the structure has an empty dashboard; the coordinateur sees all.
    app.create_user(Some(structure), "b@example.fr", "mot-de-passe-de-test", Role::Conseiller).await;
    let b = app.login("b@example.fr", "mot-de-passe-de-test").await;
    let t = app.get("/api/v1/tableau-de-bord", &b).await.body;
    assert_eq!(t["parcours"].as_array().unwrap().len(), 0);
    assert_eq!(t["seances_du_jour"].as_array().unwrap().len(), 0);
    app.create_user(Some(structure), "c@example.fr", "mot-de-passe-de-test", Role::Coordinateur).await;
    let c = app.login("c@example.fr", "mot-de-passe-de-test").await;
    assert_eq!(app.get("/api/v1/tableau-de-bord", &c).await.body["parcours"].as_array().unwrap().len(), 2);
    // And another structure's conseiller, nothing.
    let (_, other) = app.conseiller("Autre", "d@example.fr").await;
    let t = app.get("/api/v1/tableau-de-bord", &other).await;
    assert!(!t.text.contains("Zoé"));
}

#[tokio::test]
async fn the_demo_has_a_parcours_in_progress_and_a_finished_one() {
    let app = TestApp::new().await;
    assert!(seed::seed_demo_if_new(&app.db, app.clock.now()).await.unwrap());
    assert!(!seed::seed_demo_if_new(&app.db, app.clock.now()).await.unwrap(), "only on a new database");
    let cookie = app.login(seed::DEMO_EMAIL, seed::DEMO_PASSWORD).await;
    let t = app.get("/api/v1/tableau-de-bord", &cookie).await.body;
    let parcours = t["parcours"].as_array().unwrap();
    assert_eq!(parcours.len(), 2, "{t}");

    let en_cours = parcours.iter().find(|p| p["etat"] == "en_cours").unwrap();
    let d = dossier(&app, &cookie, en_cours["id"].as_i64().unwrap()).await;
    assert_eq!(d["carnet"]["nb_passes"], 5);
    assert_eq!(d["planning"]["frequence"], "hebdomadaire");
    let s = seances(&d);
    assert_eq!(s.len(), 5);
    assert_eq!(s.iter().filter(|x| x["statut"] == "tenue").count(), 2);
    assert!(s
        .iter()
        .filter(|x| x["statut"] == "tenue")
        .all(|x| x["pass"]["code"].is_string() && x["compte_rendu"].is_object()));
    assert_eq!(d["carnet"]["passes"].as_array().unwrap().iter().filter(|p| p["etat"] == "valide").count(), 2);
    assert_eq!(d["etape"], "seances");
    let next = s.iter().find(|x| x["statut"] == "prevue").unwrap();
    assert!(next["debut"].as_str().unwrap() >= iso(today()).as_str(), "the next session is today or later: {next}");

    let termine = parcours.iter().find(|p| p["etat"] == "termine").unwrap();
    let d = dossier(&app, &cookie, termine["id"].as_i64().unwrap()).await;
    assert!(d["bilan"]["closed_at"].is_string());
    assert!(d["diagnostic_final"].is_object());
    assert_eq!(d["bilan"]["orientation"], "insertion_professionnelle");
    let s = seances(&d);
    assert_eq!(s.iter().filter(|x| x["statut"] == "tenue").count(), 5);
    assert_eq!(s.iter().filter(|x| x["statut"] == "absente_excusee").count(), 1);
    assert!(d["objectifs"].as_array().unwrap().iter().all(|o| o["atteint"].is_boolean()));
    // The demo's passes went through the atomic validation, credited to the structure.
    let (n,): (i64,) = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT COUNT(*) FROM passes WHERE etat = 'valide' AND credited_structure_id IS NOT NULL"
    )
    .fetch_one(cx)
    .await)
    .unwrap();
    assert_eq!(n, 7);

    // A newcomer can do an intake at once: the demo order's first carnets are in Camille's lot.
    let lot = app.get("/api/v1/carnets/mon-lot", &cookie).await;
    assert_eq!(lot.status, StatusCode::OK, "{}", lot.text);
    let numeros: Vec<&str> = lot.body.as_array().unwrap().iter().map(|c| c["numero"].as_str().unwrap()).collect();
    assert_eq!(numeros, ["PN-1-00001", "PN-1-00002", "PN-1-00003", "PN-1-00004", "PN-1-00005"]);
    assert_eq!(lot.body[0]["commanditaire"], "Brest métropole");
}

/// Found by the load benchmark: the dashboard held a pool connection while the access journal
/// asked the pool for more, so as many dashboards at once as the pool has connections waited
/// for each other until the pool's timeout (30 s), then failed.
#[tokio::test]
async fn many_dashboards_at_once_all_answer() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@example.fr").await;
    let parcours = app.intake(&cookie, intake_body("Lou", 2, 5)).await;
    let avant = app.count("journal_acces").await;
    let chemins: Vec<String> = (0..60)
        .map(
            |i| if i % 2 == 0 { "/api/v1/tableau-de-bord".to_string() } else { format!("/api/v1/parcours/{parcours}") },
        )
        .collect();
    let requests = chemins.iter().map(|c| app.get(c, &cookie));
    let all = tokio::time::timeout(std::time::Duration::from_secs(10), futures_join_all(requests)).await;
    let answers = all.expect("60 pages at once should answer within 10 s");
    assert!(answers.iter().all(|r| r.status == StatusCode::OK));
    // Written together by the journal's one writer, one line each all the same: every page
    // showed Lou once, and none was answered before its line.
    assert_eq!(app.count("journal_acces").await - avant, 60);
    assert_eq!(app.count("journal_acces_beneficiaires").await, app.count("journal_acces").await);
}

/// `join_all` without the futures crate: each request polled in turn until all are done.
async fn futures_join_all<F: std::future::Future>(fs: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut set = Vec::new();
    for f in fs {
        set.push(Box::pin(f));
    }
    let mut out: Vec<Option<F::Output>> = (0..set.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in set.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => out[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().map(|o| o.expect("done")).collect()
}
