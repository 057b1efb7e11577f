//! The wizard's steps over HTTP: packs, diagnostic, objectives, planning, bilan and closing —
//! each with its happy path, its bad input (422, nothing written) and its prerequisites (409).

mod common;
mod wizard;

use axum::http::StatusCode;
use carnet_domain::coop;
use carnet_domain::parcours::competences;
use carnet_server::on;
use chrono::{Datelike, Duration, Weekday};
use common::*;
use serde_json::{json, Value};
use wizard::*;

#[tokio::test]
async fn packs_are_data_with_a_theme_per_session_and_valid_vocabulary() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@example.fr").await;
    let r = app.get("/api/v1/packs", &cookie).await;
    assert_eq!(r.status, StatusCode::OK);
    let packs = r.body.as_array().unwrap();
    let codes: Vec<&str> = packs.iter().map(|p| p["code"].as_str().unwrap()).collect();
    assert_eq!(
        codes,
        ["competences_de_base", "usage_professionnel", "numerique_en_famille", "acces_aux_droits", "personnalise"]
    );
    let noms: Vec<&str> = packs.iter().map(|p| p["nom"].as_str().unwrap()).collect();
    assert_eq!(
        noms[..4],
        ["Compétences de base", "Utilisation professionnelle du numérique", "Numérique en famille", "Accès aux droits"]
    );
    for p in packs {
        for n in [5, 10] {
            let themes: Vec<&Value> = p["themes"].as_array().unwrap().iter().filter(|t| t["nb_passes"] == n).collect();
            assert_eq!(themes.len(), n as usize, "{} for {n}", p["code"]);
            assert_eq!(themes[0]["titre"], "Accueil et diagnostic");
            assert_eq!(themes[n as usize - 1]["titre"], "Bilan du parcours");
            for t in &themes {
                for th in t["thematiques"].as_array().unwrap() {
                    assert!(coop::contains(coop::THEMATIQUES_MEDIATION_NUMERIQUE, th.as_str().unwrap()), "{th}");
                }
                for c in t["competences"].as_array().unwrap() {
                    assert!(competences::existe(c.as_str().unwrap()), "{c}");
                }
            }
            // Every competence a theme works on has a target level, and vice versa (except the custom pack).
            let cibles: Vec<&str> = p["cibles"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["nb_passes"] == n)
                .map(|c| c["competence"].as_str().unwrap())
                .collect();
            if p["code"] != "personnalise" {
                for t in &themes {
                    for c in t["competences"].as_array().unwrap() {
                        assert!(cibles.contains(&c.as_str().unwrap()), "{} {n}: {c} has no target", p["code"]);
                    }
                }
                assert!(!cibles.is_empty());
            }
        }
    }
    // Packs are the database's: a pack switched off disappears from the step.
    app.executer("UPDATE packs SET actif = FALSE WHERE code = 'numerique_en_famille'").await.unwrap();
    assert_eq!(app.get("/api/v1/packs", &cookie).await.body.as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn the_diagnostic_is_saved_and_opens_the_objectives() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@example.fr").await;
    let id = app.intake(&cookie, intake_body("Zoé", 1, 5)).await;
    // Objectives before the diagnostic: refused, with what to do.
    let body = objectifs_body(&app, &cookie, "competences_de_base", 5).await;
    let r = put(&app, &format!("/api/v1/parcours/{id}/objectifs"), body, &cookie).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.body["error"], "Enregistrez d'abord le diagnostic initial (étape 2 « Diagnostic »).");

    let audit_before = app.count("audit_log").await;
    let r = put(&app, &format!("/api/v1/parcours/{id}/diagnostics/initial"), diagnostic_body(), &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["etape"], "objectifs");
    let d = dossier(&app, &cookie, id).await;
    assert_eq!(d["etape"], "objectifs");
    assert_eq!(d["diagnostic_initial"]["niveaux"]["2.1"], "entierement_accompagne");
    assert_eq!(d["diagnostic_initial"]["resultats"][0]["outil"], "ABC Diag");
    assert_eq!(d["diagnostic_initial"]["observations"], "Veut écrire à ses petits-enfants.");
    assert_eq!(d["pack"]["code"], "competences_de_base", "the quick mode's pack is kept as a suggestion");
    assert_eq!(app.count("audit_log").await, audit_before + 1);
    assert_eq!(audit_count(&app, "parcours", "diagnostic_initial").await, 1);

    // Saving again replaces the levels (a competence left out is no longer assessed).
    let r = put(
        &app,
        &format!("/api/v1/parcours/{id}/diagnostics/initial"),
        json!({ "niveaux": { "3.1": "autonome" } }),
        &cookie,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let d = dossier(&app, &cookie, id).await;
    assert_eq!(d["diagnostic_initial"]["niveaux"], json!({ "3.1": "autonome" }));
    assert_eq!(d["diagnostic_initial"]["resultats"], json!([]));

    // The final diagnostic waits for the bilan.
    let r = put(&app, &format!("/api/v1/parcours/{id}/diagnostics/final"), diagnostic_body(), &cookie).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        app.get(&format!("/api/v1/parcours/{id}/diagnostics/milieu"), &cookie).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
    let r = put(&app, &format!("/api/v1/parcours/{id}/diagnostics/milieu"), diagnostic_body(), &cookie).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_bad_diagnostic_is_refused_field_by_field_and_writes_nothing() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@example.fr").await;
    let id = app.intake(&cookie, intake_body("Zoé", 2, 5)).await;
    let audit_before = app.count("audit_log").await;
    let cases = [
        ("niveaux", json!({ "niveaux": {} })),
        ("niveaux", json!({ "niveaux": { "9.9": "autonome" } })),
        ("niveau_1_1", json!({ "niveaux": { "1.1": "expert" } })),
        (
            "resultat_1_score",
            json!({ "niveaux": { "1.1": "autonome" }, "resultats": [{ "outil": "Pix", "score": "" }] }),
        ),
        ("observations", json!({ "niveaux": { "1.1": "autonome" }, "observations": "x".repeat(5000) })),
        ("pack", json!({ "niveaux": { "1.1": "autonome" }, "pack": "jardinage" })),
    ];
    for (field, body) in cases {
        let r = put(&app, &format!("/api/v1/parcours/{id}/diagnostics/initial"), body, &cookie).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {}", r.text);
        assert!(r.body["fields"][field].is_string(), "{field}: {}", r.text);
        for t in ["diagnostics", "diagnostic_niveaux", "diagnostic_resultats"] {
            assert_eq!(app.count(t).await, 0, "{field}: {t}");
        }
        assert_eq!(app.count("audit_log").await, audit_before);
        assert_eq!(dossier(&app, &cookie, id).await["etape"], "diagnostic");
    }
    let r =
        put(&app, &format!("/api/v1/parcours/{id}/diagnostics/initial"), json!({ "niveaux": "tout" }), &cookie).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn objectives_from_a_pack_then_edited() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@example.fr").await;
    let id = app.intake(&cookie, intake_body("Zoé", 3, 10)).await;
    diagnostic(&app, &cookie, id).await;
    let mut body = objectifs_body(&app, &cookie, "acces_aux_droits", 10).await;
    body["themes"][3]["titre"] = json!("Mots de passe, arnaques et double authentification");
    body["objectifs"].as_array_mut().unwrap().push(json!({ "competence": "3.1", "niveau": "entierement_accompagne" }));
    let r = put(&app, &format!("/api/v1/parcours/{id}/objectifs"), body.clone(), &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["etape"], "planning");
    let d = dossier(&app, &cookie, id).await;
    assert_eq!(d["pack"]["nom"], "Accès aux droits");
    assert_eq!(d["themes"].as_array().unwrap().len(), 10);
    assert_eq!(d["themes"][3]["titre"], "Mots de passe, arnaques et double authentification");
    assert_eq!(d["themes"][9]["titre"], "Bilan du parcours");
    let objectifs = d["objectifs"].as_array().unwrap();
    assert_eq!(objectifs.last().unwrap()["competence"], "3.1");
    assert!(objectifs.iter().all(|o| o["atteint"].is_null()));

    // Bad input: each refused with its field, nothing changed.
    let before = dossier(&app, &cookie, id).await;
    let cases: Vec<(&str, Box<dyn Fn(&mut Value)>)> = vec![
        ("pack", Box::new(|b| b["pack"] = json!("inconnu"))),
        ("objectifs", Box::new(|b| b["objectifs"] = json!([]))),
        ("objectif_1", Box::new(|b| b["objectifs"][0]["niveau"] = json!("pas_encore_aborde"))),
        (
            "themes",
            Box::new(|b| {
                b["themes"].as_array_mut().unwrap().pop();
            }),
        ),
        ("theme_2", Box::new(|b| b["themes"][1]["titre"] = json!(""))),
        ("theme_2_thematiques", Box::new(|b| b["themes"][1]["thematiques"] = json!(["cuisine"]))),
    ];
    for (field, change) in cases {
        let mut b = body.clone();
        change(&mut b);
        let r = put(&app, &format!("/api/v1/parcours/{id}/objectifs"), b, &cookie).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {}", r.text);
        assert!(r.body["fields"][field].is_string(), "{field}: {}", r.text);
        assert_eq!(dossier(&app, &cookie, id).await, before, "{field}: nothing changed");
    }
}

#[tokio::test]
async fn a_weekly_proposal_starts_with_the_intake_and_skips_holidays() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@example.fr").await;
    let id = app.intake(&cookie, intake_body("Zoé", 4, 5)).await;
    let proposition = |body: Value| {
        let app = &app;
        let cookie = cookie.clone();
        async move { app.post(&format!("/api/v1/parcours/{id}/planning/proposition"), body, &cookie).await }
    };
    let params = |date: String| json!({ "frequence": "hebdomadaire", "premiere_date": date, "heure": "14:00", "duree_minutes": "60", "type_lieu": "lieu_activite" });
    // Before the objectives: refused.
    let r = proposition(params(iso(today() + Duration::days(7)))).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    diagnostic(&app, &cookie, id).await;
    objectifs(&app, &cookie, id, 5).await;

    // The first Monday after today that is not a holiday.
    let mut lundi = today() + Duration::days(1);
    while lundi.weekday() != Weekday::Mon || carnet_domain::parcours::feries::est_ferie(lundi) {
        lundi += Duration::days(1);
    }
    let r = proposition(params(iso(lundi))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let s = r.body["seances"].as_array().unwrap();
    assert_eq!(s.len(), 5);
    assert_eq!(&s[0]["debut"].as_str().unwrap()[..10], iso(today()), "session 1 is the intake");
    assert_eq!(s[1]["debut"].as_str().unwrap(), format!("{}T14:00:00", iso(lundi)));
    for (i, x) in s.iter().enumerate().skip(1) {
        let d = chrono::NaiveDateTime::parse_from_str(x["debut"].as_str().unwrap(), "%Y-%m-%dT%H:%M:%S").unwrap();
        assert!(!carnet_domain::parcours::feries::est_ferie(d.date()), "{i}: {d}");
        assert_eq!(d.time(), chrono::NaiveTime::from_hms_opt(14, 0, 0).unwrap());
    }
    // Bad parameters.
    for (field, body) in [
        (
            "frequence",
            json!({ "frequence": "mensuel", "premiere_date": iso(lundi), "heure": "14:00", "duree_minutes": "60", "type_lieu": "lieu_activite" }),
        ),
        ("premiere_date", params(iso(today()))),
        ("premiere_date", params(iso(today() + Duration::days(400)))),
        (
            "heure",
            json!({ "frequence": "hebdomadaire", "premiere_date": iso(lundi), "heure": "25:00", "duree_minutes": "60", "type_lieu": "lieu_activite" }),
        ),
    ] {
        let r = proposition(body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {}", r.text);
        assert!(r.body["fields"][field].is_string(), "{field}: {}", r.text);
    }
    assert_eq!(app.count("seances").await, 0, "a proposal writes nothing");
}

#[tokio::test]
async fn saving_the_planning_checks_every_date_and_keeps_calendar_ids() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@example.fr").await;
    let id = app.intake(&cookie, intake_passe("Zoé", 5, 5)).await;
    diagnostic(&app, &cookie, id).await;
    objectifs(&app, &cookie, id, 5).await;
    let dates = semaines_passees(5);
    let url = format!("/api/v1/parcours/{id}/planning");

    // Another parcours of the same conseillère at the same time as session 3.
    let (other, _) = au_stade_seances(&app, &cookie, "Yann", 6, 5, "10:00").await;
    let _ = other;
    let seances_before = app.count("seances").await;
    let audit_before = app.count("audit_log").await;
    let r = put(&app, &url, planning_body(&dates, "10:30"), &cookie).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let m = r.body["fields"]["seance_1"].as_str().unwrap();
    assert!(m.contains("chevauche une autre séance (séance de Yann, de 10h00 à 11h00)"), "{m}");
    assert!(m.contains("Prochain créneau libre"), "{m}");
    assert_eq!(r.body["fields"]["proposition_seance_1"], format!("{}T11:00", iso(dates[0])));
    assert_eq!(app.count("seances").await, seances_before, "nothing written");
    assert_eq!(app.count("audit_log").await, audit_before);

    let mut bad = planning_body(&dates, "14:00");
    bad["seances"].as_array_mut().unwrap().pop();
    let r = put(&app, &url, bad, &cookie).await;
    assert!(r.body["fields"]["seances"].as_str().unwrap().contains("il faut 5 séances"), "{}", r.text);
    let mut bad = planning_body(&dates, "14:00");
    bad["seances"][2]["date"] = json!(iso(today() + Duration::days(400)));
    let r = put(&app, &url, bad, &cookie).await;
    assert!(r.body["fields"]["seance_3"].as_str().unwrap().contains("fin de validité"), "{}", r.text);
    let mut bad = planning_body(&dates, "14:00");
    bad["duree_minutes"] = json!("3");
    assert!(put(&app, &url, bad, &cookie).await.body["fields"]["duree_minutes"].is_string());
    // A future holiday typed by hand: the next one (never more than four months ahead, inside
    // the carnet's validity).
    let (ferie, nom) = [today().year(), today().year() + 1]
        .into_iter()
        .flat_map(carnet_domain::parcours::feries::feries)
        .find(|(d, _)| *d > today())
        .unwrap();
    let mut bad = planning_body(&dates, "14:00");
    bad["seances"][4]["date"] = json!(iso(ferie));
    let r = put(&app, &url, bad, &cookie).await;
    assert!(r.body["fields"]["seance_5"].as_str().unwrap().contains(nom), "{}", r.text);
    assert_eq!(app.count("seances").await, seances_before);

    let r = put(&app, &url, planning_body(&dates, "14:00"), &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["etape"], "seances");
    let d = dossier(&app, &cookie, id).await;
    assert_eq!(d["planning"]["frequence"], "hebdomadaire");
    let s = seances(&d);
    assert_eq!(s.len(), 5);
    assert_eq!(s[0]["numero"], 1);
    assert_eq!(s[0]["theme"]["titre"], "Accueil et diagnostic");
    assert_eq!(s[4]["theme"]["titre"], "Bilan du parcours");
    assert!(s.iter().all(|x| x["statut"] == "prevue"));
    let uids: Vec<(i64, String, i64)> = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT id, uid, sequence FROM seances WHERE parcours_id = $1 ORDER BY debut"
    )
    .bind(id)
    .fetch_all(cx)
    .await)
    .unwrap();

    // Saved again one hour later: same sessions (same calendar UIDs), sequence + 1.
    let r = put(&app, &url, planning_body(&dates, "15:00"), &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let again: Vec<(i64, String, i64)> = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT id, uid, sequence FROM seances WHERE parcours_id = $1 ORDER BY debut"
    )
    .bind(id)
    .fetch_all(cx)
    .await)
    .unwrap();
    for (a, b) in uids.iter().zip(&again) {
        assert_eq!((a.0, &a.1), (b.0, &b.1));
        assert_eq!(b.2, a.2 + 1);
    }
    assert_eq!(audit_count(&app, "parcours", "planning").await, 3, "Yann's and two of Zoé's");

    // Once a session is held, the schedule is changed session by session only.
    let d = dossier(&app, &cookie, id).await;
    let body = intake_passe("Zoé", 5, 5);
    let r = tenir(&app, &cookie, &seances(&d)[0], body["codes"][0].as_str().unwrap()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = put(&app, &url, planning_body(&dates, "16:00"), &cookie).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body["error"].as_str().unwrap().contains("une par une"));
}

#[tokio::test]
async fn the_bilan_waits_for_the_sessions_then_closes_the_parcours() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@example.fr").await;
    let (id, codes) = au_stade_seances(&app, &cookie, "Zoé", 7, 5, "10:00").await;
    let bilan_url = format!("/api/v1/parcours/{id}/bilan");
    let final_url = format!("/api/v1/parcours/{id}/diagnostics/final");
    let r = put(&app, &final_url, diagnostic_body(), &cookie).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body["error"].as_str().unwrap().contains("5 séances encore prévues"), "{}", r.text);

    tout_tenir(&app, &cookie, id, &codes).await;
    let d = dossier(&app, &cookie, id).await;
    assert_eq!(d["etape"], "bilan");

    // Closing needs the final diagnostic and the bilan.
    let r = app.post(&format!("/api/v1/parcours/{id}/cloture"), json!({}), &cookie).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body["fields"]["diagnostic_final"].is_string() && r.body["fields"]["bilan"].is_string());

    let final_ = json!({ "niveaux": { "1.1": "autonome", "2.1": "partiellement_autonome", "4.1": "entierement_accompagne", "5.2": "autonome" } });
    assert_eq!(put(&app, &final_url, final_, &cookie).await.status, StatusCode::OK);
    let objectifs: Vec<String> =
        d["objectifs"].as_array().unwrap().iter().map(|o| o["competence"].as_str().unwrap().to_string()).collect();
    let atteints: serde_json::Map<String, Value> = objectifs.iter().map(|c| (c.clone(), json!(c != "4.1"))).collect();
    let good = json!({ "objectifs_atteints": atteints, "orientation": "aide_aux_demarches_administratives", "recommandations": "Venir aux ateliers du jeudi." });
    for (field, change) in [
        ("orientation", json!({ "orientation": "pole_emploi" })),
        ("recommandations", json!({ "recommandations": "x".repeat(4001) })),
        ("objectifs_atteints", json!({ "objectifs_atteints": { "3.4": true } })),
    ] {
        let mut b = good.clone();
        for (k, v) in change.as_object().unwrap() {
            b[k] = v.clone();
        }
        let r = put(&app, &bilan_url, b, &cookie).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {}", r.text);
        assert!(
            r.body["fields"].as_object().unwrap().keys().any(|k| k.starts_with(field) || k.starts_with("atteint_")),
            "{field}: {}",
            r.text
        );
        assert_eq!(app.count("bilans").await, 0);
    }
    let r = put(&app, &bilan_url, good, &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app.post(&format!("/api/v1/parcours/{id}/cloture"), json!({}), &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let d = dossier(&app, &cookie, id).await;
    assert_eq!(d["etat"], "termine");
    assert!(d["bilan"]["closed_at"].is_string());
    assert_eq!(d["bilan"]["orientation"], "aide_aux_demarches_administratives");
    assert_eq!(d["diagnostic_final"]["niveaux"]["1.1"], "autonome");
    let atteints: Vec<bool> =
        d["objectifs"].as_array().unwrap().iter().map(|o| o["atteint"].as_bool().unwrap()).collect();
    assert_eq!(atteints.iter().filter(|a| !**a).count(), 1);
    assert_eq!(audit_count(&app, "parcours", "cloture").await, 1);

    // A closed parcours is read-only: every write answers 409 and changes nothing.
    let s0 = &seances(&d)[0];
    for (method, url, body) in [
        ("put", format!("/api/v1/parcours/{id}/diagnostics/initial"), diagnostic_body()),
        ("put", bilan_url.clone(), json!({})),
        ("post", format!("/api/v1/parcours/{id}/cloture"), json!({})),
        ("post", format!("/api/v1/seances/{}/annulation", s0["id"]), json!({ "motif": "erreur" })),
        (
            "put",
            format!("/api/v1/seances/{}/compte-rendu", s0["id"]),
            json!({ "thematiques": ["email"], "duree_minutes": "60" }),
        ),
    ] {
        let r =
            if method == "put" { put(&app, &url, body, &cookie).await } else { app.post(&url, body, &cookie).await };
        assert_eq!(r.status, StatusCode::CONFLICT, "{url}: {}", r.text);
        assert_eq!(r.body["error"], "Ce parcours est clôturé : il ne peut plus être modifié.");
    }
    assert_eq!(pass_etat(&app, &codes[0]).await.0, "valide");
}

/// Quick mode: the pack chosen first, before any level, is kept at once (a reload shows it) and
/// is not a diagnostic to check; once objectives are set, it changes at that step only.
#[tokio::test]
async fn the_quick_mode_pack_is_kept_as_soon_as_chosen_before_any_level() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@example.fr").await;
    let id = app.intake(&cookie, intake_body("Zoé", 1, 5)).await;
    let url = format!("/api/v1/parcours/{id}/pack-envisage");
    let r = put(&app, &url, json!({ "pack": "acces_aux_droits" }), &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let d = dossier(&app, &cookie, id).await;
    assert_eq!(d["pack"]["code"], "acces_aux_droits");
    assert!(d["diagnostic_initial"].is_null(), "no diagnostic yet: {d}");
    assert_eq!(d["etape"], "diagnostic");

    let before = app.count("audit_log").await;
    let r = put(&app, &url, json!({ "pack": "tricot" }), &cookie).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.body["fields"]["pack"], "Pack envisagé : choisissez un pack de la liste.");
    assert_eq!(app.count("audit_log").await, before);
    let r = put(&app, &url, json!({ "pack": "" }), &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(dossier(&app, &cookie, id).await["pack"].is_null());

    diagnostic(&app, &cookie, id).await;
    objectifs(&app, &cookie, id, 5).await;
    let r = put(&app, &url, json!({ "pack": "acces_aux_droits" }), &cookie).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(dossier(&app, &cookie, id).await["pack"]["code"], "competences_de_base");
}

/// A planned session whose reminder already went out, as the reminder job leaves it.
async fn rappel_envoye(app: &TestApp, seance_id: i64) {
    let now = app.clock.now();
    let (envoi,): (i64,) = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "INSERT INTO envois (seance_id, canal, etat, tentatives, prochain_essai, modele, version_modele,
                             created_at, updated_at, envoye_at)
         VALUES ($1, 'email', 'envoye', 1, $2, 'rappel_seance', 1, $2, $2, $2) RETURNING id",
    )
    .bind(seance_id)
    .bind(now)
    .fetch_one(cx)
    .await)
    .unwrap();
    on!(app.db.acquire().await.unwrap(), |cx| sqlx::query(
        "INSERT INTO envois_tentatives (envoi_id, at, resultat, reponse) VALUES ($1, $2, 'envoye', '250 OK')"
    )
    .bind(envoi)
    .bind(now)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))
    .unwrap();
}

/// The person moves after two sessions: the parcours closes with its reason, the three planned
/// sessions (one already reminded) are withdrawn, the two held ones and their passes stay, the
/// three unused passes stay with the person; bad input and other structures change nothing.
#[tokio::test]
async fn a_parcours_closes_before_its_end_with_a_reason() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@example.fr").await;
    let (_, autre) = app.conseiller("Autre", "b@example.fr").await;
    let (id, codes) = au_stade_seances(&app, &cookie, "Zoé", 7, 5, "10:00").await;
    let d = dossier(&app, &cookie, id).await;
    let s = seances(&d);
    for (seance, code) in s.iter().zip(&codes).take(2) {
        assert_eq!(tenir(&app, &cookie, seance, code).await.status, StatusCode::OK);
    }
    rappel_envoye(&app, s[2]["id"].as_i64().unwrap()).await;
    let url = format!("/api/v1/parcours/{id}/cloture-anticipee");

    for (body, field) in [
        (json!({ "motif": "" }), "motif"),
        (json!({ "motif": "vacances" }), "motif"),
        (json!({ "motif": "autre", "precision": "   " }), "precision"),
        (json!({ "motif": "sante", "precision": "x".repeat(501) }), "precision"),
    ] {
        let r = app.post(&url, body, &cookie).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert!(r.body["fields"][field].is_string(), "{field}: {}", r.text);
    }
    let r = app.post(&url, json!({ "motif": "demenagement" }), &autre).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let d = dossier(&app, &cookie, id).await;
    assert_eq!((d["etat"].as_str(), seances(&d).len()), (Some("en_cours"), 5), "nothing written");
    assert_eq!(audit_count(&app, "parcours", "cloture_anticipee").await, 0);

    let r = app.post(&url, json!({ "motif": "demenagement", "precision": "Part à Lyon" }), &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body, json!({ "seances_retirees": 3, "passes_restants": 3 }));
    let d = dossier(&app, &cookie, id).await;
    assert_eq!(d["etat"], "abandonne");
    assert_eq!(d["cloture"]["motif"], "demenagement");
    assert_eq!(d["cloture"]["precision"], "Part à Lyon");
    assert!(d["cloture"]["le"].is_string());
    let restantes = seances(&d);
    let statuts: Vec<&str> = restantes.iter().map(|s| s["statut"].as_str().unwrap()).collect();
    assert_eq!(statuts, ["tenue", "tenue"]);
    assert_eq!(app.count("envois").await, 0, "the withdrawn session's reminder log goes with it");
    assert_eq!(pass_etat(&app, &codes[0]).await.0, "valide");
    for code in &codes[2..] {
        assert_eq!(pass_etat(&app, code).await.0, "distribue", "unused passes stay with the person");
    }
    assert_eq!(audit_count(&app, "parcours", "cloture_anticipee").await, 1);

    // Closed: once only, and read-only.
    let r = app.post(&url, json!({ "motif": "sante" }), &cookie).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.body["error"], "Ce parcours a été clôturé avant la fin : il ne peut plus être modifié.");
    let r = put(&app, &format!("/api/v1/parcours/{id}/diagnostics/initial"), diagnostic_body(), &cookie).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = app
        .post(&format!("/api/v1/parcours/{id}/seances"), json!({ "date": "2027-04-01", "heure": "10:00" }), &cookie)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
}

/// The structure's phone and address: changed by its coordinateur only, checked field by field,
/// and given with every parcours of the structure (for the person's sheet and space).
#[tokio::test]
async fn the_structure_contact_details_are_the_coordinateurs_to_change() {
    let app = TestApp::new().await;
    let (s, cookie) = app.conseiller("S", "a@example.fr").await;
    app.create_user(Some(s), "coord@example.fr", "mot-de-passe-de-test", carnet_domain::api::Role::Coordinateur).await;
    let coord = app.login("coord@example.fr", "mot-de-passe-de-test").await;
    let url = "/api/v1/structure/coordonnees";
    let good = json!({ "telephone": "0298008930", "adresse": "25 rue de Pierre Loti, 29200 Brest" });

    let r = put(&app, url, good.clone(), &cookie).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "a conseiller reads, does not change");
    let r = put(&app, url, json!({ "telephone": "98 00", "adresse": "x".repeat(201) }), &coord).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body["fields"]["telephone"].is_string() && r.body["fields"]["adresse"].is_string(), "{}", r.text);
    assert_eq!(app.get(url, &cookie).await.body, json!({ "telephone": null, "adresse": null }));

    let r = put(&app, url, good, &coord).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["telephone"], "02 98 00 89 30");
    assert_eq!(app.get(url, &cookie).await.body["adresse"], "25 rue de Pierre Loti, 29200 Brest");
    assert_eq!(audit_count(&app, "structure", "coordonnees").await, 1);
    let id = app.intake(&cookie, intake_body("Zoé", 9, 5)).await;
    let d = dossier(&app, &cookie, id).await;
    assert_eq!(
        d["coordonnees"],
        json!({ "telephone": "02 98 00 89 30", "adresse": "25 rue de Pierre Loti, 29200 Brest" })
    );
}
