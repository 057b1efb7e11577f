//! Monthly statements (immutable, hashed, reversal lines, CSV, states) and the expiry job
//! (idempotent, safe concurrently, credits).

mod common;
mod ledger_world;
mod wizard;

use axum::http::StatusCode;
use carnet_domain::ledger::releve::{ContenuReleve, Mois};
use carnet_server::on;
use carnet_server::store::ledger::{expiration, releves};
use common::*;
use ledger_world::{months_ago, World};
use serde_json::json;

fn last_month() -> Mois {
    Mois::of(today()).precedent()
}

#[tokio::test]
async fn a_statement_never_changes_and_later_cancellations_become_reversal_lines() {
    let w = World::new().await;
    let (_, carnets, p1) = w.ready(2).await;
    let p2 = w.distribute(&w.conseiller, carnets[1], "Yann").await;
    w.au_stade_seances(&w.conseiller, p2).await;
    let c1 = w.codes(carnets[0]).await;
    let c2 = w.codes(carnets[1]).await;
    // Last month: three sessions of the first parcours, one of the second.
    for (i, day) in [3, 10, 17].into_iter().enumerate() {
        w.validate_at(&c1[i], p1, w.structure_id, w.conseiller_id, months_ago(1, day)).await;
    }
    w.validate_at(&c2[0], p2, w.structure_id, w.conseiller_id, months_ago(1, 5)).await;
    // This month: one more.
    assert_eq!(w.validate(&w.conseiller, &c1[3], p1).await.status, StatusCode::OK);

    // The current month cannot be issued yet.
    let r = w.app.post("/api/v1/releves/emission", json!({"mois": Mois::of(today()).to_string()}), &w.operateur).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body["fields"]["mois"].as_str().unwrap().contains("une fois le mois terminé"), "{}", r.text);

    let r = w.app.post("/api/v1/releves/emission", json!({"mois": last_month().to_string()}), &w.operateur).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["releves_emis"], 1);
    assert_eq!(r.body["lignes"], 4);
    let list = w.app.get("/api/v1/releves", &w.coordinateur).await.body;
    let id = list[0]["id"].as_i64().unwrap();
    let first = w.app.get(&format!("/api/v1/releves/{id}"), &w.coordinateur).await.body;
    assert_eq!(first["releve"]["total_centimes"], 4000);
    assert_eq!(first["releve"]["nb_validations"], 4);
    assert_eq!(first["releve"]["mois"], last_month().to_string());
    assert_eq!(first["contenu"]["groupes"][0]["commanditaire"], "Brest métropole");
    let hash = first["releve"]["hash"].as_str().unwrap().to_string();
    assert_eq!(hash.len(), 64);
    // The stored hash is the SHA-256 of the content's canonical text.
    let contenu: ContenuReleve = serde_json::from_value(first["contenu"].clone()).unwrap();
    assert_eq!(releves::empreinte(&contenu), hash);

    // Later: a validation, and one of last month's undone.
    assert_eq!(w.validate(&w.conseiller, &c2[1], p2).await.status, StatusCode::OK);
    let r = w.cancel(&w.conseiller, &c1[1]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let again = w.app.get(&format!("/api/v1/releves/{id}"), &w.coordinateur).await.body;
    assert_eq!(again, first, "an issued statement never changes");
    // Issuing the month again changes nothing either.
    let r = w.app.post("/api/v1/releves/emission", json!({"mois": last_month().to_string()}), &w.operateur).await;
    assert_eq!((r.body["releves_emis"].as_i64(), r.body["deja_emis"].as_i64()), (Some(0), Some(1)), "{}", r.text);
    // And the database itself refuses to rewrite or delete it.
    assert!(w.app.executer("UPDATE releves SET total_centimes = 0").await.is_err());
    assert!(w.app.executer("UPDATE releves SET hash = 'x'").await.is_err());
    assert!(w.app.executer("DELETE FROM releves").await.is_err());
    assert!(w.app.executer("UPDATE pass_validations SET releve_id = NULL").await.is_err());

    // The provisional statement of this month already shows the reversal.
    let prov = w.app.get("/api/v1/releves/provisoire", &w.coordinateur).await.body;
    assert_eq!(prov["contenus"][0]["total_centimes"], 1000, "{prov}");
    assert_eq!(prov["contenus"][0]["nb_annulations"], 1);
    assert_eq!(prov["hors_releve"], json!([]));

    // A carnet received from another issuer (typed in at intake): its pass is on no statement,
    // and the month lists it apart, to claim from its issuer.
    let body = intake_body("Zoé", 41, 5);
    let code = body["codes"][0].as_str().unwrap().to_string();
    let zoe = w.app.intake(&w.conseiller, body).await;
    let r = w.validate(&w.conseiller, &code, zoe).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["pass"]["a_reclamer_a"], "Brest métropole");
    let prov = w.app.get("/api/v1/releves/provisoire", &w.coordinateur).await.body;
    assert_eq!(prov["contenus"][0]["total_centimes"], 1000, "not on the statement: {prov}");
    assert_eq!(prov["hors_releve"].as_array().unwrap().len(), 1, "{prov}");
    assert_eq!(prov["hors_releve"][0]["code"], code);
    assert_eq!(prov["hors_releve"][0]["emetteur"], "Brest métropole");
    assert_eq!(prov["hors_releve"][0]["jour"], today().to_string());

    // Next month, this month's statement lists 3 validations and the reversal.
    let next_month = Mois::of(today()).suivant().premier_jour();
    let r = releves::emettre_mois(&w.app.db, w.operateur_id, Mois::of(today()), next_month, None, w.app.clock.now())
        .await
        .unwrap();
    assert_eq!(r.releves_emis, 1);
    let list = w.app.get("/api/v1/releves", &w.coordinateur).await.body;
    let second = w.app.get(&format!("/api/v1/releves/{}", list[0]["id"]), &w.coordinateur).await.body;
    let g = &second["contenu"]["groupes"][0];
    assert_eq!((g["nb_validations"].as_i64(), g["nb_annulations"].as_i64()), (Some(2), Some(1)));
    assert_eq!(second["releve"]["total_centimes"], 1000);
    let reversal = g["lignes"].as_array().unwrap().last().unwrap();
    assert_eq!(reversal["sens"], "annulation");
    assert_eq!(reversal["montant_centimes"], -1000);
    assert_eq!(reversal["code"], c1[1]);
    assert_eq!(w.app.get(&format!("/api/v1/releves/{id}"), &w.coordinateur).await.body, first);
}

#[tokio::test]
async fn statement_csv_states_and_isolation() {
    let w = World::new().await;
    let (_, carnets, p1) = w.ready(1).await;
    let codes = w.codes(carnets[0]).await;
    w.validate_at(&codes[0], p1, w.structure_id, w.conseiller_id, months_ago(1, 2)).await;
    w.validate_at(&codes[1], p1, w.structure_id, w.conseiller_id, months_ago(1, 9)).await;
    let r = w.app.post("/api/v1/releves/emission", json!({"mois": last_month().to_string()}), &w.operateur).await;
    assert_eq!(r.body["releves_emis"], 1, "{}", r.text);
    let id = w.app.get("/api/v1/releves", &w.operateur).await.body[0]["id"].as_i64().unwrap();

    let csv = w.app.get(&format!("/api/v1/releves/{id}/csv"), &w.coordinateur).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    assert!(csv.headers["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"RLV-"));
    assert!(csv.text.starts_with('\u{feff}'), "UTF-8 byte-order mark");
    let lines: Vec<&str> = csv.text.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert!(lines[0].starts_with("Commanditaire;Commande;Carnet;Code du pass;"));
    assert!(lines[1].starts_with("Brest métropole;CMD-"), "{}", lines[1]);
    assert!(lines[1].ends_with(";Validation;;10,00"), "{}", lines[1]);
    assert!(lines[4].starts_with("Total du relevé RLV-") && lines[4].ends_with(";20,00"), "{}", lines[4]);
    let hash = w.app.get(&format!("/api/v1/releves/{id}"), &w.operateur).await.body["releve"]["hash"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(lines[5].contains(&hash));

    // issued → sent → paid, by the opérateur, in that order only.
    let paid = w.app.post(&format!("/api/v1/releves/{id}/paiement"), json!({}), &w.operateur).await;
    assert_eq!(paid.status, StatusCode::CONFLICT);
    assert!(paid.body["error"].as_str().unwrap().contains("Envoyez d'abord"));
    assert_eq!(
        w.app.post(&format!("/api/v1/releves/{id}/envoi"), json!({}), &w.operateur).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        w.app.post(&format!("/api/v1/releves/{id}/envoi"), json!({}), &w.operateur).await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        w.app.post(&format!("/api/v1/releves/{id}/paiement"), json!({}), &w.operateur).await.status,
        StatusCode::NO_CONTENT
    );
    let r = w.app.get(&format!("/api/v1/releves/{id}"), &w.coordinateur).await.body;
    assert_eq!(r["releve"]["etat"], "paye");
    assert!(r["releve"]["paye_at"].is_string());
    // The state changes did not touch the content.
    assert_eq!(r["releve"]["hash"], hash);

    for cookie in [&w.autre_coordinateur, &w.autre_operateur] {
        assert_eq!(w.app.get(&format!("/api/v1/releves/{id}"), cookie).await.status, StatusCode::NOT_FOUND);
        assert_eq!(w.app.get(&format!("/api/v1/releves/{id}/csv"), cookie).await.status, StatusCode::NOT_FOUND);
    }
    assert_eq!(w.app.get("/api/v1/releves", &w.autre_coordinateur).await.body, json!([]));
    // The history of the statement.
    let j = w.app.get(&format!("/api/v1/journal?entity=releve&entity_id={id}"), &w.coordinateur).await.body;
    let actions: Vec<&str> = j["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, vec!["marquer_paye", "envoyer", "emis"]);
}

async fn count(w: &World, sql: &str) -> i64 {
    let (n,): (i64,) = on!(w.app.db.acquire().await.unwrap(), |cx| sqlx::query_as(sql).fetch_one(cx).await).unwrap();
    n
}

/// Everything the expiry job may change.
async fn footprint(w: &World) -> Vec<i64> {
    vec![
        w.app.count("audit_log").await,
        w.app.count("avoirs").await,
        count(w, "SELECT COUNT(*) FROM passes WHERE etat = 'expire'").await,
        count(w, "SELECT COUNT(*) FROM carnets WHERE etat = 'expire'").await,
        count(w, "SELECT COUNT(*) FROM commandes WHERE etat = 'expiree'").await,
    ]
}

#[tokio::test]
async fn the_expiry_job_twice_changes_nothing_the_second_time() {
    let w = World::new().await;
    let (commande, carnets, parcours) = w.ready(2).await;
    let codes = w.codes(carnets[0]).await;
    assert_eq!(w.validate(&w.conseiller, &codes[0], parcours).await.status, StatusCode::OK);
    let unpaid = w.order(1, 5).await;
    let (limite,): (chrono::NaiveDate,) =
        on!(w.app.db.acquire().await.unwrap(), |cx| sqlx::query_as("SELECT date_limite FROM commandes WHERE id = $1")
            .bind(commande)
            .fetch_one(cx)
            .await)
        .unwrap();
    let now = w.app.clock.now();

    // On the last usable day, nothing expires.
    let r = expiration::run(&w.app.db, limite, now).await.unwrap();
    assert!(r.is_empty(), "{r:?}");
    // The day after: 19 unused passes of the paid order, 5 of the unpaid one.
    let after = limite + chrono::Duration::days(1);
    let r = expiration::run(&w.app.db, after, now).await.unwrap();
    assert_eq!((r.commandes, r.passes, r.carnets, r.avoirs), (2, 24, 3, 1), "{r:?}");
    assert_eq!(r.avoir_centimes, 19 * 1000, "a credit for the paid order only");
    let once = footprint(&w).await;
    let r = expiration::run(&w.app.db, after, now).await.unwrap();
    assert!(r.is_empty(), "second run: {r:?}");
    assert_eq!(footprint(&w).await, once, "the second run changed nothing");

    let d = w.app.get(&format!("/api/v1/commandes/{commande}"), &w.commanditaire).await.body;
    assert_eq!(d["commande"]["etat"], "expiree");
    assert_eq!(d["avoirs"][0]["montant_centimes"], 19_000);
    assert_eq!(d["entonnoir"]["expires"], 2);
    let u = w.app.get(&format!("/api/v1/commandes/{unpaid}"), &w.commanditaire).await.body;
    assert_eq!(u["commande"]["etat"], "expiree");
    assert_eq!(u["avoirs"], json!([]));
    let t = w.app.get("/api/v1/tableau/commanditaire", &w.commanditaire).await.body;
    assert_eq!(t["valeurs"]["avoir_centimes"], 19_000);
    assert_eq!(t["valeurs"]["consommee_centimes"], 1000);
    assert_eq!(t["valeurs"]["en_circulation_centimes"], 0);
    // An expired pass says so.
    let r = w.validate(&w.conseiller, &codes[1], parcours).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body["fields"]["code"].as_str().unwrap().contains("expiré"), "{}", r.text);
    let e = w.app.get(&format!("/api/v1/journal?code={}", codes[1]), &w.commanditaire).await.body;
    assert_eq!(e["items"][0]["action"], "expire");
    assert_eq!(e["items"][0]["qui"], "Traitement automatique");
}

#[tokio::test]
async fn two_expiry_jobs_at_once_do_the_work_once() {
    let w = World::new().await;
    let (commande, _, _) = w.ready(3).await;
    let (limite,): (chrono::NaiveDate,) =
        on!(w.app.db.acquire().await.unwrap(), |cx| sqlx::query_as("SELECT date_limite FROM commandes WHERE id = $1")
            .bind(commande)
            .fetch_one(cx)
            .await)
        .unwrap();
    let after = limite + chrono::Duration::days(1);
    let now = w.app.clock.now();
    let (a, b) = tokio::join!(expiration::run(&w.app.db, after, now), expiration::run(&w.app.db, after, now));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(a.is_empty() != b.is_empty(), "one did the work, the other found nothing: {a:?} {b:?}");
    assert_eq!(a.passes + b.passes, 30);
    assert_eq!(w.app.count("avoirs").await, 1);
    assert_eq!(count(&w, "SELECT CAST(COALESCE(SUM(montant_centimes), 0) AS BIGINT) FROM avoirs").await, 30_000);
}

#[tokio::test]
async fn a_validation_undone_after_expiry_is_credited_at_the_next_run() {
    let w = World::new().await;
    let (commande, carnets, parcours) = w.ready(1).await;
    let codes = w.codes(carnets[0]).await;
    assert_eq!(w.validate(&w.conseiller, &codes[0], parcours).await.status, StatusCode::OK);
    let (limite,): (chrono::NaiveDate,) =
        on!(w.app.db.acquire().await.unwrap(), |cx| sqlx::query_as("SELECT date_limite FROM commandes WHERE id = $1")
            .bind(commande)
            .fetch_one(cx)
            .await)
        .unwrap();
    let after = limite + chrono::Duration::days(1);
    let now = w.app.clock.now();
    assert_eq!(expiration::run(&w.app.db, after, now).await.unwrap().passes, 9);
    let r = w.cancel(&w.conseiller, &codes[0]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = expiration::run(&w.app.db, after, now).await.unwrap();
    assert_eq!((r.passes, r.avoirs, r.avoir_centimes), (1, 1, 1000));
    assert_eq!(count(&w, "SELECT CAST(COALESCE(SUM(montant_centimes), 0) AS BIGINT) FROM avoirs").await, 10_000);
}

#[tokio::test]
async fn held_cancelled_held_again_is_one_line_one_reversal_and_one_pass_paid() {
    let w = World::new().await;
    let (_, carnets, parcours) = w.ready(1).await;
    let codes = w.codes(carnets[0]).await;
    // Held last month, and last month's statement issued.
    w.validate_at(&codes[0], parcours, w.structure_id, w.conseiller_id, months_ago(1, 12)).await;
    let r = w.app.post("/api/v1/releves/emission", json!({"mois": last_month().to_string()}), &w.operateur).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // This month: the validation cancelled through its session, then the same pass held again.
    let r = w.cancel(&w.conseiller, &codes[0]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = w.validate(&w.conseiller, &codes[0], parcours).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(w.app.count("pass_validations").await, 2);
    assert_eq!(w.app.count("pass_validations WHERE annulee_at IS NOT NULL").await, 1);

    let next_month = Mois::of(today()).suivant().premier_jour();
    let r = releves::emettre_mois(&w.app.db, w.operateur_id, Mois::of(today()), next_month, None, w.app.clock.now())
        .await
        .unwrap();
    assert_eq!(r.releves_emis, 1);
    let list = w.app.get("/api/v1/releves", &w.coordinateur).await.body;
    let mut totals = Vec::new();
    for item in list.as_array().unwrap() {
        let r = w.app.get(&format!("/api/v1/releves/{}", item["id"]), &w.coordinateur).await.body;
        let g = &r["contenu"]["groupes"][0];
        totals.push((
            r["releve"]["mois"].as_str().unwrap().to_string(),
            g["nb_validations"].as_i64().unwrap(),
            g["nb_annulations"].as_i64().unwrap(),
            r["releve"]["total_centimes"].as_i64().unwrap(),
        ));
    }
    totals.sort();
    assert_eq!(
        totals,
        vec![(last_month().to_string(), 1, 0, 1000), (Mois::of(today()).to_string(), 1, 1, 0)],
        "one line last month; this month one reversal and one line: one pass paid in all"
    );
}
