//! Personal data: the notice and consents recorded at intake, retention, the rights (export,
//! rectification, erasure) and the access journal.

mod common;
mod wizard;

use axum::http::StatusCode;
use carnet_domain::api::Role;
use carnet_server::on;
use carnet_server::store::donnees::{EXPORT_SOURCES, NOT_EXPORTED};
use carnet_server::{retention, Config};
use chrono::{Duration, Utc};
use common::*;
use serde_json::{json, Value};
use sqlx::Row;

const PW: &str = "mot-de-passe-de-test";

/// An intake with the reminders consent and contact details.
fn intake_with_contacts(prenom: &str, seed: u8) -> Value {
    let mut body = intake_body(prenom, seed, 5);
    body["information"] = json!({
        "notice_id": 1, "notice_remise": true,
        "rappels": true, "telephone": "06 11 22 33 44", "email": "zoe.unique@exemple.fr", "agenda": false
    });
    body
}

async fn beneficiaire_of(app: &TestApp, parcours: i64) -> i64 {
    let (b,): (i64,) =
        on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as("SELECT beneficiaire_id FROM parcours WHERE id = $1")
            .bind(parcours)
            .fetch_one(cx)
            .await)
        .unwrap();
    b
}

async fn journal_count(app: &TestApp) -> i64 {
    app.count("journal_acces").await
}

#[tokio::test]
async fn intake_records_the_notice_shown_and_the_consents() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("Médiathèque", "a@exemple.fr").await;
    let notice = app.get("/api/v1/notice-information", &cookie).await;
    assert_eq!(notice.status, StatusCode::OK);
    // Version 2, published by migration 0015 (version 1 said « anonymous » of what is pseudonymised).
    assert_eq!(notice.body["id"], 2);
    assert_eq!(notice.body["version"], "2");
    let texte = notice.body["texte"].as_str().unwrap();
    // Filled in: the structure to contact and the retention in force.
    assert!(texte.contains("Médiathèque vous accompagne"), "{texte}");
    assert!(texte.contains("12 mois après"), "{texte}");
    for needed in ["Ce que nous gardons", "Pourquoi", "Combien de temps", "Vos droits", "Qui contacter"] {
        assert!(texte.contains(needed), "{needed}");
    }
    assert!(texte.contains("c'est une pseudonymisation, pas une anonymisation"), "{texte}");
    assert!(!texte.contains("anonymes"), "{texte}");

    let p = app.intake(&cookie, intake_with_contacts("Zoé", 1)).await;
    let b = beneficiaire_of(&app, p).await;
    let d = app.get(&format!("/api/v1/beneficiaires/{b}/donnees"), &cookie).await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.text);
    assert_eq!(d.body["informations"][0]["version"], "1");
    assert!(d.body["informations"][0]["at"].is_string());
    assert_eq!(d.body["contacts"]["telephone"], "06 11 22 33 44");
    let states = d.body["consentements"].as_array().unwrap();
    assert_eq!(states[0]["consentement"], "rappels");
    assert_eq!(states[0]["accorde"], true);
    assert_eq!(states[1]["consentement"], "agenda");
    assert_eq!(states[1]["accorde"], false);
    assert!(states[1]["depuis"].is_string(), "a refusal is recorded too");
}

#[tokio::test]
async fn intake_without_the_notice_is_refused_and_writes_nothing() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@exemple.fr").await;
    let mut body = intake_body("Zoé", 2, 5);
    body["information"] = json!({ "notice_id": 1, "notice_remise": false });
    body["prenom"] = json!("");
    let r = app.post("/api/v1/parcours", body.clone(), &cookie).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Both parts' errors at once.
    assert!(r.body["fields"]["notice_remise"].as_str().unwrap().contains("notice"));
    assert!(r.body["fields"]["prenom"].is_string());
    body["prenom"] = json!("Zoé");
    body["information"] = json!({ "notice_id": 99, "notice_remise": true });
    let r = app.post("/api/v1/parcours", body.clone(), &cookie).await;
    assert!(r.body["fields"]["notice_remise"].as_str().unwrap().contains("n'existe pas"), "{}", r.text);
    body["information"] = json!({ "notice_id": 1, "notice_remise": true, "rappels": true, "telephone": "12" });
    let r = app.post("/api/v1/parcours", body, &cookie).await;
    assert!(r.body["fields"]["telephone"].is_string());
    for table in ["beneficiaires", "parcours", "informations_beneficiaires", "consentements", "beneficiaires_contacts"]
    {
        assert_eq!(app.count(table).await, 0, "{table}");
    }
}

#[tokio::test]
async fn consents_are_revocable_with_their_history_and_contacts_go_with_them() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@exemple.fr").await;
    let b = beneficiaire_of(&app, app.intake(&cookie, intake_with_contacts("Zoé", 3)).await).await;
    let url = format!("/api/v1/beneficiaires/{b}/consentements");
    let r = app.post(&url, json!({"consentement": "rappels", "accorde": false}), &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(app.count("beneficiaires_contacts").await, 0, "withdrawing erases the contact details");
    let r = app.post(&url, json!({"consentement": "rappels", "accorde": true}), &cookie).await;
    assert!(r.body["fields"]["telephone"].is_string(), "giving it again needs contact details");
    let r =
        app.post(&url, json!({"consentement": "rappels", "accorde": true, "email": "zoe@exemple.fr"}), &cookie).await;
    assert_eq!(r.status, StatusCode::OK);
    app.post(&url, json!({"consentement": "agenda", "accorde": true}), &cookie).await;
    let r = app.post(&url, json!({"consentement": "publicite", "accorde": true}), &cookie).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    let d = app.get(&format!("/api/v1/beneficiaires/{b}/donnees"), &cookie).await;
    let history: Vec<(String, bool)> = d.body["historique_consentements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["consentement"].as_str().unwrap().to_string(), e["accorde"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        history,
        vec![
            ("rappels".into(), true),
            ("agenda".into(), false),
            ("rappels".into(), false),
            ("rappels".into(), true),
            ("agenda".into(), true)
        ]
    );
    assert_eq!(d.body["contacts"]["email"], "zoe@exemple.fr");
    assert!(d.body["contacts"]["telephone"].is_null());
    // History is append-only.
    assert!(app.executer("UPDATE consentements SET accorde = TRUE").await.is_err());
    assert!(app.executer("DELETE FROM consentements").await.is_err());
}

async fn age(app: &TestApp, beneficiaire: i64, days: i64) {
    let then = app.clock.now() - Duration::days(days);
    on!(app.db.acquire().await.unwrap(), |cx| sqlx::query("UPDATE beneficiaires SET updated_at = $2 WHERE id = $1")
        .bind(beneficiaire)
        .bind(then)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))
    .unwrap();
    on!(app.db.acquire().await.unwrap(), |cx| sqlx::query(
        "UPDATE parcours SET updated_at = $2 WHERE beneficiaire_id = $1"
    )
    .bind(beneficiaire)
    .bind(then)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))
    .unwrap();
}

async fn anonymised(app: &TestApp, b: i64) -> bool {
    let (at,): (Option<chrono::DateTime<Utc>>,) = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT anonymise_at FROM beneficiaires WHERE id = $1"
    )
    .bind(b)
    .fetch_one(cx)
    .await)
    .unwrap();
    at.is_some()
}

#[tokio::test]
async fn the_retention_job_anonymises_exactly_the_expired_and_is_idempotent() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@exemple.fr").await;
    let old = beneficiaire_of(&app, app.intake(&cookie, intake_with_contacts("Ancienne", 10)).await).await;
    let recent = beneficiaire_of(&app, app.intake(&cookie, intake_body("Récente", 11, 5)).await).await;
    let parcours_active = app.intake(&cookie, intake_body("ParcoursActif", 12, 5)).await;
    let active = beneficiaire_of(&app, parcours_active).await;
    age(&app, old, 400).await;
    age(&app, recent, 300).await;
    // The person's own record is old, but their parcours moved recently: still active.
    age(&app, active, 400).await;
    on!(app.db.acquire().await.unwrap(), |cx| sqlx::query("UPDATE parcours SET updated_at = $2 WHERE id = $1")
        .bind(parcours_active)
        .bind(app.clock.now() - Duration::days(10))
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))
    .unwrap();

    let now = app.clock.now();
    assert_eq!(retention::run_once(&app.db, now, 12).await.unwrap(), 1);
    assert!(anonymised(&app, old).await);
    assert!(!anonymised(&app, recent).await);
    assert!(!anonymised(&app, active).await);
    // Twice, and concurrently: nothing more happens, no duplicate audit line.
    assert_eq!(retention::run_once(&app.db, now, 12).await.unwrap(), 0);
    let (a, b) = tokio::join!(retention::run_once(&app.db, now, 12), retention::run_once(&app.db, now, 12));
    assert_eq!(a.unwrap() + b.unwrap(), 0);
    let (n,): (i64,) = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'anonymise'"
    )
    .fetch_one(cx)
    .await)
    .unwrap();
    assert_eq!(n, 1);
    // A shorter retention reaches the 300-day-old one.
    assert_eq!(retention::run_once(&app.db, now, 9).await.unwrap(), 1);
    assert!(anonymised(&app, recent).await);

    // What stays: parcours, carnet, passes, audit lines; the consent is withdrawn, contacts gone.
    let (prenom, annee, commune, tranche, motif): (String, Option<i32>, Option<String>, Option<String>, String) =
        on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as("SELECT prenom, annee_naissance, commune_insee, tranche_age, anonymise_motif FROM beneficiaires WHERE id = $1")
            .bind(old)
            .fetch_one(cx)
            .await)
            .unwrap();
    assert_eq!(prenom, "Identité effacée");
    // Migration 0018 gave those erased before this name, normalised as the search does.
    assert_eq!(carnet_domain::text::normalise(&prenom), "identite effacee");
    assert_eq!((annee, commune), (None, None));
    assert_eq!(tranche.as_deref(), Some("soixante_soixante_neuf"), "statistical category kept");
    assert_eq!(motif, "conservation");
    assert_eq!(app.count("parcours").await, 3);
    assert_eq!(app.count("passes").await, 15);
    assert_eq!(app.count("beneficiaires_contacts").await, 0);
    let d = app.get(&format!("/api/v1/beneficiaires/{old}/donnees"), &cookie).await;
    assert_eq!(d.body["consentements"][0]["accorde"], false);
    assert!(d.body["anonymise_le"].is_string());
    assert!(d.body["anonymisation_prevue"].is_null());
}

#[tokio::test]
async fn the_page_says_when_identity_will_be_erased() {
    let app = TestApp::with_config(Config { retention_months: 6, ..Default::default() }).await;
    let (_, cookie) = app.conseiller("S", "a@exemple.fr").await;
    let b = beneficiaire_of(&app, app.intake(&cookie, intake_body("Zoé", 13, 5)).await).await;
    let d = app.get(&format!("/api/v1/beneficiaires/{b}/donnees"), &cookie).await;
    assert_eq!(d.body["conservation_mois"], 6);
    let last: chrono::DateTime<Utc> = serde_json::from_value(d.body["derniere_activite"].clone()).unwrap();
    let due: chrono::DateTime<Utc> = serde_json::from_value(d.body["anonymisation_prevue"].clone()).unwrap();
    assert!((due - last).num_days() >= 181 && (due - last).num_days() <= 184);
    let notice = app.get("/api/v1/notice-information", &cookie).await;
    assert!(notice.body["texte"].as_str().unwrap().contains("6 mois après"));
}

/// Every text value in every table, to prove an identity is gone everywhere.
async fn everything_stored(app: &TestApp) -> String {
    let liste = if app.db.is_postgres() {
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'
           AND table_name NOT LIKE '\\_sqlx%' AND table_name NOT LIKE 'communes%'"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'communes%'"
    };
    let tables: Vec<(String,)> =
        on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(liste).fetch_all(cx).await).unwrap();
    let mut all = String::new();
    for (t,) in tables {
        let textes: Vec<String> = on!(app.db.acquire().await.unwrap(), |cx| {
            let rows = sqlx::query(&format!("SELECT * FROM {t}")).fetch_all(cx).await.unwrap();
            rows.iter()
                .flat_map(|row| {
                    (0..row.columns().len()).filter_map(|i| row.try_get::<Option<String>, _>(i).ok().flatten())
                })
                .collect()
        });
        for s in textes {
            all.push_str(&s);
            all.push('\n');
        }
    }
    all
}

#[tokio::test]
async fn erasure_on_request_leaves_no_identity_anywhere() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@exemple.fr").await;
    let mut body = intake_with_contacts("Gwenaëlle-Unique", 20);
    body["commune_insee"] = json!("29019");
    let p = app.intake(&cookie, body).await;
    let b = beneficiaire_of(&app, p).await;
    // Rectify once, so the audit log has a line about her identity.
    let r = app
        .post(
            &format!("/api/v1/beneficiaires/{b}/rectification"),
            json!({"prenom": "Gwenaëlle-Unique", "annee_naissance": "1961", "commune_insee": "29019"}),
            &cookie,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Session themes are typed by the conseiller, and may name the person.
    wizard::diagnostic(&app, &cookie, p).await;
    let mut objectifs = wizard::objectifs_body(&app, &cookie, "competences_de_base", 5).await;
    objectifs["themes"][1]["titre"] = json!("Le dossier CAF de Gwenaëlle-Unique");
    let r = wizard::put(&app, &format!("/api/v1/parcours/{p}/objectifs"), objectifs, &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let before = everything_stored(&app).await;
    assert!(
        before.contains("Gwenaëlle-Unique")
            && before.contains("06 11 22 33 44")
            && before.contains("zoe.unique@exemple.fr")
    );

    let r = app.post(&format!("/api/v1/beneficiaires/{b}/anonymisation"), json!({}), &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let after = everything_stored(&app).await;
    for identity in ["Gwenaëlle-Unique", "gwenaelle-unique", "06 11 22 33 44", "zoe.unique@exemple.fr"] {
        assert!(!after.contains(identity), "{identity} is still stored");
    }
    let (year,): (Option<i32>,) = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT annee_naissance FROM beneficiaires WHERE id = $1"
    )
    .bind(b)
    .fetch_one(cx)
    .await)
    .unwrap();
    assert_eq!(year, None);
    // The parcours page and the ledger still work, without a name.
    let page = app.get(&format!("/api/v1/parcours/{p}"), &cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body["beneficiaire"]["prenom"], "Identité effacée");
    assert_eq!(page.body["carnet"]["passes"].as_array().unwrap().len(), 5);
    let (titre,): (String,) = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT titre FROM parcours_themes WHERE parcours_id = $1 AND rang = 2"
    )
    .bind(p)
    .fetch_one(cx)
    .await)
    .unwrap();
    assert_eq!(titre, "Séance 2");
    // Once is enough; nothing is left to rectify. The messages say what was done: the identity
    // erased (a pseudonymisation), not an anonymisation.
    let r = app.post(&format!("/api/v1/beneficiaires/{b}/anonymisation"), json!({}), &cookie).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("L'identité de cette personne est déjà effacée."), "{}", r.text);
    let r = app.post(&format!("/api/v1/beneficiaires/{b}/rectification"), json!({"prenom": "Retour"}), &cookie).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("L'identité de cette personne a été effacée"), "{}", r.text);
    assert!(!r.text.contains("anonym"), "{}", r.text);
    let r = app
        .post(
            &format!("/api/v1/beneficiaires/{b}/consentements"),
            json!({"consentement": "rappels", "accorde": true, "telephone": "0611223344"}),
            &cookie,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("beneficiaires_contacts").await, 0);
}

#[tokio::test]
async fn rectification_uses_the_intake_rules_and_audits_field_names_only() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@exemple.fr").await;
    let b = beneficiaire_of(&app, app.intake(&cookie, intake_body("Zoé", 30, 5)).await).await;
    let url = format!("/api/v1/beneficiaires/{b}/rectification");
    let r = app
        .post(&url, json!({"prenom": " ", "annee_naissance": "1850", "commune_insee": "Brest", "genre": "x"}), &cookie)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = r.body["fields"].as_object().unwrap();
    for f in ["prenom", "annee_naissance", "commune_insee", "genre"] {
        assert!(fields.contains_key(f), "{f}: {}", r.text);
    }
    // A well-formed code that is not a commune.
    let r = app.post(&url, json!({"prenom": "Zoé", "commune_insee": "29999"}), &cookie).await;
    assert!(r.body["fields"]["commune_insee"].as_str().unwrap().contains("liste officielle"));
    let (prenom,): (String,) =
        on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as("SELECT prenom FROM beneficiaires")
            .fetch_one(cx)
            .await)
        .unwrap();
    assert_eq!(prenom, "Zoé", "nothing written");

    let r = app.post(&url, json!({"prenom": "Zoé-Marie", "annee_naissance": "1958", "commune_insee": "35238", "genre": "feminin", "statut_social": "retraite"}), &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["prenom"], "Zoé-Marie");
    assert_eq!(r.body["commune"]["nom"], "Rennes");
    let (after,): (String,) = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT after_json FROM audit_log WHERE action = 'rectifie'"
    )
    .fetch_one(cx)
    .await)
    .unwrap();
    assert_eq!(after, r#"{"champs":["prenom","commune_insee"]}"#);
    // Search finds the new name.
    let list = app.get("/api/v1/beneficiaires?q=zoe-marie", &cookie).await;
    assert_eq!(list.body["total"], 1);
    // Another structure cannot rectify.
    let (_, other) = app.conseiller("Autre", "b@exemple.fr").await;
    assert_eq!(app.post(&url, json!({"prenom": "X"}), &other).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_export_holds_every_stored_field_of_the_person() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@exemple.fr").await;
    let mut body = intake_with_contacts("Zoé", 40);
    body["date_reception"] = wizard::intake_passe("Zoé", 40, 5)["date_reception"].clone();
    let p = wizard::parcours_complet(&app, &cookie, body).await;
    let b = beneficiaire_of(&app, p).await;
    // Her personal link (beneficiary space): its hashes are held too.
    assert_eq!(app.post(&format!("/api/v1/parcours/{p}/lien"), json!({}), &cookie).await.status, StatusCode::OK);
    // Someone else, whose data must not appear.
    app.intake(&cookie, intake_body("Autre", 41, 10)).await;
    app.get(&format!("/api/v1/beneficiaires/{b}"), &cookie).await;

    let r = app.get(&format!("/api/v1/beneficiaires/{b}/export"), &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.headers.get("cache-control").unwrap(), "no-store");
    let tables = r.body["tables"].as_array().unwrap();
    for source in EXPORT_SOURCES {
        let t = tables.iter().find(|t| t["table"] == source.table).unwrap_or_else(|| panic!("{}", source.table));
        let rows = t["lignes"].as_array().unwrap();
        // A carnet typed in at intake has no lot nor attribution criteria: those two are checked
        // on a carnet handed out from an order (ledger_flow.rs).
        if rows.is_empty() && ["lot_carnets", "distribution_criteres"].contains(&source.table) {
            continue;
        }
        assert!(!rows.is_empty(), "{} has rows for this person", source.table);
        // Every column of the table, as the database defines it.
        for c in app.colonnes(source.table).await {
            assert!(rows[0].get(&c).is_some(), "{}.{c} missing from the export", source.table);
        }
    }
    let of = |table: &str| tables.iter().find(|t| t["table"] == table).unwrap()["lignes"].as_array().unwrap().clone();
    assert_eq!(of("beneficiaires").len(), 1);
    assert_eq!(of("beneficiaires")[0]["prenom"], "Zoé");
    assert_eq!(of("beneficiaires_contacts")[0]["telephone"], "06 11 22 33 44");
    assert_eq!(of("passes").len(), 5, "only her carnet's passes");
    assert_eq!(of("consentements").len(), 2);
    assert!(!of("journal_acces").is_empty(), "her consultations are part of what is held");
    assert!(of("audit_log").iter().all(|l| l["entity"] != "user"));

    // As a file to save.
    let r = app.get(&format!("/api/v1/beneficiaires/{b}/export?telechargement=1"), &cookie).await;
    assert!(r
        .headers
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"carnet-beneficiaire-"));
    assert_eq!(r.body["beneficiaire_id"], b);

    // The readable page, rendered by the server; each opening is journalled.
    let before = app.count("journal_acces").await;
    let r = app.get(&format!("/api/v1/beneficiaires/{b}/export?format=html"), &cookie).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers.get("content-type").unwrap().to_str().unwrap().starts_with("text/html"));
    assert!(r.text.contains("<th scope=\"row\">Prénom ou alias</th><td>Zoé</td>"), "{}", r.text);
    assert!(r.text.contains("<td>06 11 22 33 44</td>"));
    assert_eq!(app.count("journal_acces").await, before + 1);

    // Another structure: 404.
    let (_, other) = app.conseiller("Autre", "b@exemple.fr").await;
    assert_eq!(app.get(&format!("/api/v1/beneficiaires/{b}/export"), &other).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(&format!("/api/v1/beneficiaires/{b}/export?format=html"), &other).await.status,
        StatusCode::NOT_FOUND
    );
}

/// A table that refers to a person, a parcours or a carnet holds data about that person: it
/// must be exported (or say why not). A table added by a later issue fails here until it is.
#[tokio::test]
async fn every_table_about_people_is_in_the_export() {
    let app = TestApp::new().await;
    let mut missing = Vec::new();
    for t in app.tables().await {
        let cols = app.colonnes(&t).await;
        let about_people = cols.iter().any(|c| matches!(c.as_str(), "beneficiaire_id" | "parcours_id" | "carnet_id"));
        let covered = EXPORT_SOURCES.iter().any(|s| s.table == t) || NOT_EXPORTED.iter().any(|(n, _)| *n == t);
        if about_people && !covered {
            missing.push(t);
        }
    }
    assert!(missing.is_empty(), "add these tables to store::donnees::EXPORT_SOURCES: {missing:?}");
}

#[tokio::test]
async fn the_access_journal_records_every_read_of_identity() {
    let app = TestApp::new().await;
    let (s, cookie) = app.conseiller("S", "a@exemple.fr").await;
    let p = app.intake(&cookie, intake_body("Zoé", 50, 5)).await;
    let b = beneficiaire_of(&app, p).await;
    let p2 = app.intake(&cookie, intake_body("Yann", 51, 5)).await;
    let b2 = beneficiaire_of(&app, p2).await;
    assert_eq!(journal_count(&app).await, 0, "intake itself shows nobody back");

    for (path, action, people) in [
        ("/api/v1/beneficiaires".to_string(), "liste", vec![b, b2]),
        (format!("/api/v1/beneficiaires/{b}"), "fiche", vec![b]),
        (format!("/api/v1/parcours/{p2}"), "parcours", vec![b2]),
        (format!("/api/v1/beneficiaires/{b}/donnees"), "donnees", vec![b]),
        (format!("/api/v1/beneficiaires/{b}/export"), "export", vec![b]),
    ] {
        let before = journal_count(&app).await;
        assert_eq!(app.get(&path, &cookie).await.status, StatusCode::OK, "{path}");
        assert_eq!(journal_count(&app).await, before + 1, "{path}");
        let (got_action, user): (String, i64) = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
            "SELECT action, user_id FROM journal_acces ORDER BY id DESC LIMIT 1"
        )
        .fetch_one(cx)
        .await)
        .unwrap();
        assert_eq!(got_action, action);
        let (me,): (i64,) = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
            "SELECT id FROM users WHERE email = 'a@exemple.fr'"
        )
        .fetch_one(cx)
        .await)
        .unwrap();
        assert_eq!(user, me);
        let ids: Vec<(i64,)> = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
            "SELECT beneficiaire_id FROM journal_acces_beneficiaires WHERE journal_id = (SELECT MAX(id) FROM journal_acces) ORDER BY 1",
        )
        .fetch_all(cx)
        .await)
        .unwrap();
        let mut people = people;
        people.sort();
        assert_eq!(ids.into_iter().map(|r| r.0).collect::<Vec<_>>(), people, "{path}");
    }
    // A search that finds nobody shows nobody: nothing to journal.
    let before = journal_count(&app).await;
    app.get("/api/v1/beneficiaires?q=personne", &cookie).await;
    assert_eq!(journal_count(&app).await, before);
    // Refused reads leave no line.
    let (_, other) = app.conseiller("Autre", "b@exemple.fr").await;
    assert_eq!(app.get(&format!("/api/v1/beneficiaires/{b}"), &other).await.status, StatusCode::NOT_FOUND);
    assert_eq!(journal_count(&app).await, before);

    // Append-only.
    assert!(app.executer("UPDATE journal_acces SET action = 'rien'").await.is_err());
    assert!(app.executer("DELETE FROM journal_acces").await.is_err());
    assert!(app.executer("DELETE FROM journal_acces_beneficiaires").await.is_err());

    // The coordinateur of the structure reads it, newest first, filtered by person or user.
    app.create_user(Some(s), "coord@exemple.fr", PW, Role::Coordinateur).await;
    let coord = app.login("coord@exemple.fr", PW).await;
    let j = app.get("/api/v1/journal-acces", &coord).await;
    assert_eq!(j.status, StatusCode::OK, "{}", j.text);
    assert_eq!(j.body["total"], 5);
    assert_eq!(j.body["items"][0]["action"], "export");
    assert_eq!(j.body["items"][0]["utilisateur"], "Test Utilisateur");
    assert_eq!(j.body["items"][4]["beneficiaires"].as_array().unwrap().len(), 2);
    let j = app.get(&format!("/api/v1/journal-acces?beneficiaire={b2}"), &coord).await;
    assert_eq!(j.body["total"], 2);
    let j = app.get("/api/v1/journal-acces?utilisateur=999", &coord).await;
    assert_eq!(j.body["total"], 0);
    // Not a conseiller's, not another structure's.
    assert_eq!(app.get("/api/v1/journal-acces", &cookie).await.status, StatusCode::FORBIDDEN);
    let (o, _) = (app.create_structure("Tierce").await, ());
    app.create_user(Some(o), "coord2@exemple.fr", PW, Role::Coordinateur).await;
    let coord2 = app.login("coord2@exemple.fr", PW).await;
    assert_eq!(app.get("/api/v1/journal-acces", &coord2).await.body["total"], 0);
}

#[tokio::test]
async fn a_new_notice_version_is_published_as_data_and_old_ones_never_change() {
    let app = TestApp::new().await;
    app.create_user(None, "admin@exemple.fr", PW, Role::Admin).await;
    let admin = app.login("admin@exemple.fr", PW).await;
    let (_, cookie) = app.conseiller("S", "a@exemple.fr").await;
    let texte = "## Qui ?\n\n{structure} garde vos données {duree}. ".repeat(8);
    let r = app.post("/api/v1/notices", json!({"version": "1", "titre": "T", "texte": texte}), &admin).await;
    assert!(r.body["fields"]["version"].as_str().unwrap().contains("existe déjà"));
    let r = app
        .post("/api/v1/notices", json!({"version": "3", "titre": "Vos données", "texte": "trop court"}), &admin)
        .await;
    assert!(r.body["fields"]["texte"].is_string());
    let r = app.post("/api/v1/notices", json!({"version": "3", "titre": "Vos données", "texte": texte}), &admin).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let n = app.get("/api/v1/notice-information", &cookie).await;
    assert_eq!(n.body["version"], "3");
    assert!(n.body["texte"].as_str().unwrap().starts_with("## Qui ?\n\nS garde vos données 12 mois."));
    // A person recorded now is recorded with version 3; people shown versions 1 and 2 keep them.
    assert_eq!(app.get("/api/v1/notices", &admin).await.body.as_array().unwrap().len(), 3);
    assert_eq!(app.post("/api/v1/notices", json!({}), &cookie).await.status, StatusCode::FORBIDDEN);
    assert!(app.executer("UPDATE notices_information SET texte = 'x'").await.is_err());
    assert!(app.executer("DELETE FROM notices_information").await.is_err());
}

/// An access-journal line at `at` naming `beneficiaire`, written as the journal's writer does.
async fn ligne_journal(app: &TestApp, at: chrono::DateTime<Utc>, user: i64, structure: i64, beneficiaire: i64) -> i64 {
    let (id,): (i64,) = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "INSERT INTO journal_acces (at, user_id, structure_id, action) VALUES ($1, $2, $3, 'fiche') RETURNING id"
    )
    .bind(at)
    .bind(user)
    .bind(structure)
    .fetch_one(cx)
    .await)
    .unwrap();
    on!(app.db.acquire().await.unwrap(), |cx| sqlx::query(
        "INSERT INTO journal_acces_beneficiaires (journal_id, beneficiaire_id) VALUES ($1, $2)"
    )
    .bind(id)
    .bind(beneficiaire)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))
    .unwrap();
    id
}

/// An audit line at `at`.
async fn ligne_audit(app: &TestApp, at: chrono::DateTime<Utc>, action: &str) -> i64 {
    let (id,): (i64,) = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "INSERT INTO audit_log (at, user_id, entity, entity_id, action) VALUES ($1, NULL, 'securite', 0, $2) RETURNING id"
    )
    .bind(at)
    .bind(action)
    .fetch_one(cx)
    .await)
    .unwrap();
    id
}

/// A line of the API clients' journal at `at`, written as the API does, for a client of its own.
async fn ligne_client_api(app: &TestApp, at: chrono::DateTime<Utc>, client_id: &str) -> i64 {
    use carnet_server::store::clients_api;
    let mut conn = app.db.acquire().await.unwrap();
    let client = clients_api::creer(
        &mut conn,
        &clients_api::NouveauClient {
            client_id,
            nom: "Observatoire",
            secret_hash: "0",
            scopes: "statistiques",
            departements: None,
            valide_jusqu_au: None,
        },
        at,
    )
    .await
    .unwrap();
    let appel = clients_api::Appel {
        at,
        client,
        route: "/api/v1/donnees/statistiques",
        parametres: "",
        statut: 200,
        lignes: 1,
    };
    clients_api::journaliser(&mut conn, &appel).await.unwrap();
    let (id,): (i64,) = on!(conn, |cx| sqlx::query_as("SELECT id FROM journal_clients_api WHERE client_id = $1")
        .bind(client)
        .fetch_one(cx)
        .await)
    .unwrap();
    id
}

async fn existe(app: &TestApp, table: &str, id: i64) -> bool {
    let (n,): (i64,) = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(&format!(
        "SELECT COUNT(*) FROM {table} WHERE id = $1"
    ))
    .bind(id)
    .fetch_one(cx)
    .await)
    .unwrap();
    n == 1
}

#[tokio::test]
async fn the_retention_job_deletes_journal_lines_past_their_period_and_nothing_else_can() {
    let app = TestApp::new().await;
    let (structure, cookie) = app.conseiller("S", "a@exemple.fr").await;
    let b = beneficiaire_of(&app, app.intake(&cookie, intake_body("Zoé", 30, 5)).await).await;
    let (user,): (i64,) =
        on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as("SELECT id FROM users WHERE email = 'a@exemple.fr'")
            .fetch_one(cx)
            .await)
        .unwrap();
    let now = app.clock.now();
    let mois = |m: u32| now.checked_sub_months(chrono::Months::new(m)).unwrap();
    // The defaults: the access journal a year, the audit log five years.
    let d = retention::Durees::default();
    assert_eq!((d.journal_acces, d.audit), (12, 60));
    let acces_ancienne = ligne_journal(&app, mois(12) - Duration::days(1), user, structure, b).await;
    let acces_recente = ligne_journal(&app, mois(12) + Duration::days(1), user, structure, b).await;
    let audit_ancienne = ligne_audit(&app, mois(60) - Duration::days(1), "ancienne").await;
    let audit_recente = ligne_audit(&app, mois(60) + Duration::days(1), "recente").await;
    let audit_lignes = app.count("audit_log").await;
    // The API clients' journal is kept as long as the access journal.
    let api_ancienne = ligne_client_api(&app, mois(12) - Duration::days(1), "ancien").await;
    let api_recente = ligne_client_api(&app, mois(12) + Duration::days(1), "recent").await;

    // Before the job as after, nobody else deletes or edits a line, however old.
    let refus = [
        format!("DELETE FROM journal_acces_beneficiaires WHERE journal_id = {acces_ancienne}"),
        format!("DELETE FROM journal_acces WHERE id = {acces_ancienne}"),
        format!("UPDATE journal_acces SET action = 'x' WHERE id = {acces_ancienne}"),
        format!("UPDATE journal_acces_beneficiaires SET beneficiaire_id = {b} WHERE journal_id = {acces_ancienne}"),
        format!("DELETE FROM audit_log WHERE id = {audit_ancienne}"),
        format!("UPDATE audit_log SET action = 'x' WHERE id = {audit_ancienne}"),
        "DELETE FROM audit_log".to_string(),
        format!("DELETE FROM journal_clients_api WHERE id = {api_ancienne}"),
        format!("UPDATE journal_clients_api SET statut = 500 WHERE id = {api_ancienne}"),
    ];
    for sql in &refus {
        assert!(app.executer(sql).await.is_err(), "{sql}");
    }

    let bilan = retention::run(&app.db, now, &d).await.unwrap();
    assert_eq!(
        (bilan.lignes_journal_acces, bilan.lignes_audit, bilan.lignes_journal_clients_api, bilan.anonymises),
        (1, 1, 1, 0)
    );
    assert!(!existe(&app, "journal_clients_api", api_ancienne).await);
    assert!(existe(&app, "journal_clients_api", api_recente).await);
    assert!(!existe(&app, "journal_acces", acces_ancienne).await);
    assert!(existe(&app, "journal_acces", acces_recente).await);
    assert!(!existe(&app, "audit_log", audit_ancienne).await);
    assert!(existe(&app, "audit_log", audit_recente).await);
    assert_eq!(app.count("audit_log").await, audit_lignes - 1, "the intake's lines stay");
    let (gens,): (i64,) = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT COUNT(*) FROM journal_acces_beneficiaires WHERE journal_id = $1"
    )
    .bind(acces_ancienne)
    .fetch_one(cx)
    .await)
    .unwrap();
    assert_eq!(gens, 0, "a line's people went with it");
    // The job left no bound behind: a DELETE is refused again.
    type Borne = Option<chrono::DateTime<Utc>>;
    let bornes: (Borne, Borne, Borne) = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT acces_avant, audit_avant, clients_api_avant FROM purge_journaux"
    )
    .fetch_one(cx)
    .await)
    .unwrap();
    assert_eq!(bornes, (None, None, None));
    for sql in [
        format!("DELETE FROM journal_clients_api WHERE id = {api_recente}"),
        "DELETE FROM journal_clients_api".to_string(),
        format!("DELETE FROM journal_acces_beneficiaires WHERE journal_id = {acces_recente}"),
        format!("DELETE FROM journal_acces WHERE id = {acces_recente}"),
        format!("DELETE FROM audit_log WHERE id = {audit_recente}"),
        format!("UPDATE audit_log SET action = 'x' WHERE id = {audit_recente}"),
    ] {
        assert!(app.executer(&sql).await.is_err(), "{sql}");
    }
    // Twice: nothing more. Shorter periods reach the younger lines.
    assert_eq!(retention::run(&app.db, now, &d).await.unwrap(), retention::Bilan::default());
    let courtes = retention::Durees { journal_acces: 6, audit: 12, ..d };
    let bilan = retention::run(&app.db, now, &courtes).await.unwrap();
    assert_eq!((bilan.lignes_journal_acces, bilan.lignes_audit, bilan.lignes_journal_clients_api), (1, 1, 1));
    assert!(!existe(&app, "journal_clients_api", api_recente).await);
    assert!(!existe(&app, "journal_acces", acces_recente).await);
    assert!(!existe(&app, "audit_log", audit_recente).await);
}

#[tokio::test]
async fn erasure_blanks_the_theme_titles_of_a_custom_parcours() {
    let app = TestApp::new().await;
    let (_, cookie) = app.conseiller("S", "a@exemple.fr").await;
    let p = app.intake(&cookie, intake_body("Maëlig", 31, 5)).await;
    let b = beneficiaire_of(&app, p).await;
    wizard::diagnostic(&app, &cookie, p).await;
    // The « personnalisé » pack: every title is the conseiller's own text.
    let mut objectifs = wizard::objectifs_body(&app, &cookie, "personnalise", 5).await;
    if objectifs["objectifs"].as_array().unwrap().is_empty() {
        objectifs["objectifs"] =
            wizard::objectifs_body(&app, &cookie, "competences_de_base", 5).await["objectifs"].clone();
    }
    for (i, t) in objectifs["themes"].as_array_mut().unwrap().iter_mut().enumerate() {
        t["titre"] = json!(format!("Démarches de Maëlig Le Bihan-Unique ({})", i + 1));
    }
    let r = wizard::put(&app, &format!("/api/v1/parcours/{p}/objectifs"), objectifs, &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(everything_stored(&app).await.contains("Le Bihan-Unique"));

    let r = app.post(&format!("/api/v1/beneficiaires/{b}/anonymisation"), json!({}), &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(!everything_stored(&app).await.contains("Le Bihan-Unique"));
    let titres: Vec<(String,)> = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT titre FROM parcours_themes WHERE parcours_id = $1 ORDER BY rang"
    )
    .bind(p)
    .fetch_all(cx)
    .await)
    .unwrap();
    assert_eq!(titres.len(), 5);
    assert!(titres.iter().enumerate().all(|(i, (t,))| *t == format!("Séance {}", i + 1)), "{titres:?}");
}

/// A candidate venue with a contact, in `statut` since `depuis`.
async fn candidat(app: &TestApp, signale_par: i64, statut: &str, depuis: chrono::DateTime<Utc>) -> i64 {
    let (id,): (i64,) = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "INSERT INTO candidats (nom, adresse, code_postal, commune_insee, departement, motif, contact_nom,
                                contact_telephone, contact_courriel, statut, signale_le, signale_par, created_at, updated_at)
         VALUES ('Tiers-lieu', '2 quai de la Douane', '29200', '29019', '29', 'Ateliers', 'Anne Quéméner-Unique',
                 '02 98 00 00 00', 'anne.unique@exemple.fr', $1, $2, $3, $4, $4) RETURNING id"
    )
    .bind(statut)
    .bind(depuis.date_naive())
    .bind(signale_par)
    .bind(depuis)
    .fetch_one(cx)
    .await)
    .unwrap();
    id
}

async fn contact_garde(app: &TestApp, id: i64) -> bool {
    let (nom, tel, courriel): (Option<String>, Option<String>, Option<String>) = on!(
        app.db.acquire().await.unwrap(),
        |cx| sqlx::query_as("SELECT contact_nom, contact_telephone, contact_courriel FROM candidats WHERE id = $1")
            .bind(id)
            .fetch_one(cx)
            .await
    )
    .unwrap();
    assert_eq!(nom.is_some(), tel.is_some());
    assert_eq!(nom.is_some(), courriel.is_some());
    nom.is_some()
}

/// A staff account's state: (active, first name, e-mail, sessions).
async fn compte(app: &TestApp, id: i64) -> (bool, String, String, i64) {
    on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT active, prenom, email, (SELECT COUNT(*) FROM sessions s WHERE s.user_id = u.id) FROM users u WHERE id = $1"
    )
    .bind(id)
    .fetch_one(cx)
    .await)
    .unwrap()
}

async fn derniere_connexion(app: &TestApp, id: i64, at: Option<chrono::DateTime<Utc>>, cree: chrono::DateTime<Utc>) {
    on!(app.db.acquire().await.unwrap(), |cx| sqlx::query(
        "UPDATE users SET last_login_at = $2, created_at = $3 WHERE id = $1"
    )
    .bind(id)
    .bind(at)
    .bind(cree)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))
    .unwrap();
}

#[tokio::test]
async fn the_retention_job_blanks_closed_candidates_contacts_and_deactivates_dormant_accounts() {
    let app = TestApp::new().await;
    let s = app.create_structure("S").await;
    let hub = app.create_user(None, "hub@exemple.fr", PW, Role::Hub).await;
    let now = app.clock.now();
    let mois = |m: u32| now.checked_sub_months(chrono::Months::new(m)).unwrap();

    // Candidates: closed for over a year, closed lately, still open for years.
    let refuse_ancien = candidat(&app, hub, "refuse", mois(13)).await;
    let agree_ancien = candidat(&app, hub, "agree", mois(13)).await;
    let refuse_recent = candidat(&app, hub, "refuse", mois(11)).await;
    let ouvert_ancien = candidat(&app, hub, "contacte", mois(36)).await;

    // Accounts: no login for 25 months, never logged in since created 25 months ago, logged in
    // 23 months ago, an administrator unseen for 30 months, and one already deactivated whose
    // last login is older than the audit log's period.
    let dormant = app.create_user(Some(s), "dormant@exemple.fr", PW, Role::Conseiller).await;
    let jamais = app.create_user(Some(s), "jamais@exemple.fr", PW, Role::Coordinateur).await;
    let recent = app.create_user(Some(s), "recent@exemple.fr", PW, Role::Conseiller).await;
    let admin = app.create_user(None, "admin@exemple.fr", PW, Role::Admin).await;
    let ancien = app.create_user(Some(s), "ancien@exemple.fr", PW, Role::Conseiller).await;
    app.login("dormant@exemple.fr", PW).await;
    derniere_connexion(&app, dormant, Some(mois(25)), mois(40)).await;
    derniere_connexion(&app, jamais, None, mois(25)).await;
    derniere_connexion(&app, recent, Some(mois(23)), mois(40)).await;
    derniere_connexion(&app, admin, Some(mois(30)), mois(40)).await;
    derniere_connexion(&app, ancien, Some(mois(62)), mois(70)).await;
    app.executer(&format!("UPDATE users SET active = FALSE WHERE id = {ancien}")).await.unwrap();

    let bilan = retention::run(&app.db, now, &retention::Durees::default()).await.unwrap();
    assert_eq!((bilan.contacts_candidats, bilan.comptes_desactives, bilan.comptes_effaces), (2, 2, 1), "{bilan:?}");
    assert!(!contact_garde(&app, refuse_ancien).await);
    assert!(!contact_garde(&app, agree_ancien).await);
    assert!(contact_garde(&app, refuse_recent).await);
    assert!(contact_garde(&app, ouvert_ancien).await);
    // The audit says it was done, never what was erased.
    let (n,): (i64,) = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'candidat' AND action = 'contacts_effaces'"
    )
    .fetch_one(cx)
    .await)
    .unwrap();
    assert_eq!(n, 2);
    let tout = everything_stored(&app).await;
    assert_eq!(tout.matches("Anne Quéméner-Unique").count(), 2, "the two kept contacts only");

    assert_eq!(compte(&app, dormant).await, (false, "Test".into(), "dormant@exemple.fr".into(), 0));
    assert!(!compte(&app, jamais).await.0);
    assert!(compte(&app, recent).await.0);
    assert!(compte(&app, admin).await.0, "an administrator is never deactivated by the job");
    let (actif, prenom, email, _) = compte(&app, ancien).await;
    assert!(!actif);
    assert_eq!(prenom, "Compte effacé");
    assert_eq!(email, format!("compte-efface-{ancien}@carnet.invalid"));
    let r = app
        .request(
            axum::http::Method::POST,
            "/api/v1/auth/login",
            Some(json!({"email": "dormant@exemple.fr", "password": PW})),
            None,
        )
        .await;
    assert_ne!(r.status, StatusCode::OK, "a deactivated account cannot log in");

    // Twice: nothing more.
    assert_eq!(retention::run(&app.db, now, &retention::Durees::default()).await.unwrap(), retention::Bilan::default());
}
