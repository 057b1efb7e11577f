//! The ledger's journey through the real API: orders and their codes, activation, lots,
//! distribution at intake, validation rules and their refusals, concurrency, the dashboard and the
//! journal.

mod common;
mod ledger_world;
mod wizard;

use axum::http::{Method, StatusCode};
use carnet_domain::pass::RefusValidation;
use carnet_domain::PassCode;
use carnet_server::on;
use carnet_server::store::ledger::commandes;
use carnet_server::store::users;
use common::*;
use ledger_world::World;
use serde_json::{json, Value};
use std::collections::HashSet;

async fn etats(w: &World, sql: &str, id: i64) -> Vec<String> {
    let rows: Vec<(String,)> =
        on!(w.app.db.acquire().await.unwrap(), |cx| sqlx::query_as(sql).bind(id).fetch_all(cx).await).unwrap();
    rows.into_iter().map(|r| r.0).collect()
}

async fn pass_etats(w: &World, commande: i64) -> Vec<String> {
    etats(
        w,
        "SELECT p.etat FROM passes p JOIN carnets c ON c.id = p.carnet_id WHERE c.commande_id = $1 ORDER BY p.id",
        commande,
    )
    .await
}

#[tokio::test]
async fn an_order_generates_unique_codes_unusable_until_paid_and_activated() {
    let w = World::new().await;
    let audit_before = w.app.count("audit_log").await;
    let commande = w.order(3, 10).await;
    let detail = w.app.get(&format!("/api/v1/commandes/{commande}"), &w.commanditaire).await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.text);
    let d = &detail.body;
    assert_eq!(d["commande"]["etat"], "attente_paiement");
    assert_eq!(d["commande"]["montant_centimes"], 30_000);
    assert_eq!(d["entonnoir"]["emis"], 3);
    assert_eq!(d["criteres"].as_array().unwrap().len(), 3);
    assert_eq!(d["criteres"][2]["code"], "libre_1");
    assert_eq!(d["territoire"][0]["nom"], "Finistère");

    let carnets = w.carnets(commande).await;
    assert_eq!(carnets.len(), 3);
    let numeros = etats(&w, "SELECT numero FROM carnets WHERE commande_id = $1 ORDER BY rang_commande", commande).await;
    assert_eq!(numeros[0], format!("PN-{commande}-00001"));
    let mut all = HashSet::new();
    for c in &carnets {
        for code in w.codes(*c).await {
            assert_eq!(PassCode::parse(&code).unwrap().display(), code);
            assert!(all.insert(code));
        }
    }
    assert_eq!(all.len(), 30);
    assert!(pass_etats(&w, commande).await.iter().all(|e| e == "emis"));
    // Every creation is in the journal: the order, 3 carnets, 30 passes, the generation's end.
    assert_eq!(w.app.count("audit_log").await - audit_before, 1 + 3 + 30 + 1);

    // Not paid: it cannot be activated, nor entrusted.
    let r = w.app.post(&format!("/api/v1/commandes/{commande}/activation"), json!({}), &w.operateur).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body["error"].as_str().unwrap().contains("paiement"), "{}", r.text);
    let r = w
        .app
        .post(&format!("/api/v1/commandes/{commande}/lots"), w.lot_body(w.structure_id, 1, 1), &w.commanditaire)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);

    // The payment needs a reference and a date that is not in the future.
    let r = w
        .app
        .post(
            &format!("/api/v1/commandes/{commande}/paiement"),
            json!({"reference": "", "date": "2099-01-01"}),
            &w.operateur,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body["fields"]["reference"].is_string() && r.body["fields"]["date"].is_string(), "{}", r.text);
    w.pay(commande).await;
    let r = w
        .app
        .post(
            &format!("/api/v1/commandes/{commande}/paiement"),
            json!({"reference": "X", "date": today().to_string()}),
            &w.operateur,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "paid twice: {}", r.text);
    assert!(pass_etats(&w, commande).await.iter().all(|e| e == "emis"), "paid is not active yet");
    w.activate(commande).await;
    assert!(pass_etats(&w, commande).await.iter().all(|e| e == "actif"));
    assert!(etats(&w, "SELECT etat FROM carnets WHERE commande_id = $1", commande)
        .await
        .iter()
        .all(|e| e == "disponible"));
    let r = w.app.post(&format!("/api/v1/commandes/{commande}/activation"), json!({}), &w.operateur).await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // The opérateur downloads the codes to print: UTF-8 with BOM, `;`.
    let csv = w.app.get(&format!("/api/v1/commandes/{commande}/codes"), &w.operateur).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.text.starts_with("\u{feff}Carnet;Pass;Code\r\n"));
    assert_eq!(csv.text.lines().count(), 31);
}

#[tokio::test]
async fn invalid_orders_are_refused_field_by_field_and_write_nothing() {
    let w = World::new().await;
    let before = w.app.count("audit_log").await;
    let cases = [
        ("nb_carnets", json!({"nb_carnets": "0"})),
        ("nb_passes", json!({"nb_passes": "7"})),
        ("valeur_faciale", json!({"valeur_faciale": "gratuit"})),
        ("fin_validite", json!({"fin_validite": "2020-01-01"})),
        ("jours_grace", json!({"jours_grace": "-3"})),
        ("departements", json!({"departements": "99"})),
        ("communes", json!({"communes": "29999"})),
        ("operateur_id", json!({"operateur_id": "999"})),
        ("criteres", json!({"criteres": [], "criteres_libres": ""})),
    ];
    for (field, change) in cases {
        let mut body = w.order_body(2, 10);
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let r = w.app.post("/api/v1/commandes", body, &w.commanditaire).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {}", r.text);
        assert!(r.body["fields"][field].is_string(), "{field}: {}", r.text);
    }
    assert_eq!(w.app.count("commandes").await, 0);
    assert_eq!(w.app.count("carnets").await, 0);
    assert_eq!(w.app.count("audit_log").await, before);
}

#[tokio::test]
async fn a_colliding_code_is_drawn_again() {
    let w = World::new().await;
    let first = w.order(1, 5).await;
    let taken = PassCode::parse(&w.codes(w.carnets(first).await[0]).await[2]).unwrap();
    // A source that returns the taken code twice (once colliding with the database, once with
    // itself within the batch), then fresh ones.
    let mut queue = vec![taken.clone(), taken.clone()];
    let mut n = 0u8;
    let mut next = move || {
        if let Some(c) = queue.pop() {
            return c;
        }
        n += 1;
        PassCode::from_random([n, 7, 7, 7, 7, 7, 7, 7, 7, 7, n / 7])
    };
    let valid =
        carnet_domain::ledger::commande::validate(&serde_json::from_value(w.order_body(2, 5)).unwrap(), today())
            .unwrap();
    let mut tx = carnet_server::db::begin_write(&w.app.db).await.unwrap();
    let now = w.app.clock.now();
    let (id, _) = commandes::create(&mut tx, &valid, w.commanditaire_id, 1, now, today()).await.unwrap();
    assert!(commandes::generer_lot(&mut tx, id, 10, Some(1), now, &mut next).await.unwrap());
    tx.commit().await.unwrap();
    let codes =
        etats(&w, "SELECT p.code FROM passes p JOIN carnets c ON c.id = p.carnet_id WHERE c.commande_id = $1", id)
            .await;
    assert_eq!(codes.len(), 10);
    assert!(!codes.contains(&taken.as_str().to_string()));
    assert_eq!(codes.iter().collect::<HashSet<_>>().len(), 10);
}

#[tokio::test]
async fn an_order_cut_off_mid_generation_is_unusable_then_completed_at_the_next_start() {
    use carnet_server::store::ledger::commandes::{generer_lot, reprendre_generations};
    let w = World::new().await;
    let valid =
        carnet_domain::ledger::commande::validate(&serde_json::from_value(w.order_body(5, 10)).unwrap(), today())
            .unwrap();
    let now = w.app.clock.now();
    let mut n = 0u32;
    let mut next = move || {
        n += 1;
        let b = n.to_be_bytes();
        PassCode::from_random([b[0] % 30, b[1] % 30, b[2] % 30, b[3] % 30, (b[3] / 30) % 30, 3, 4, 5, 6, 7, 8])
    };
    // The order and its first two carnets commit; then the server stops.
    let mut tx = carnet_server::db::begin_write(&w.app.db).await.unwrap();
    let (id, _) = commandes::create(&mut tx, &valid, w.commanditaire_id, 1, now, today()).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = carnet_server::db::begin_write(&w.app.db).await.unwrap();
    assert!(!generer_lot(&mut tx, id, 2, Some(1), now, &mut next).await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(w.app.count(&format!("carnets WHERE commande_id = {id}")).await, 2);
    assert_eq!(w.app.count("passes").await, 20, "every carnet committed with all its passes");

    // Meanwhile the order says so and cannot be paid, activated or entrusted.
    let d = w.app.get(&format!("/api/v1/commandes/{id}"), &w.commanditaire).await;
    assert_eq!(d.body["commande"]["etat"], "en_generation", "{}", d.text);
    let r = w
        .app
        .post(
            &format!("/api/v1/commandes/{id}/paiement"),
            json!({"reference": "VIR-1", "date": today().to_string()}),
            &w.operateur,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(
        r.body["error"],
        "Cette commande est en cours de génération : ses carnets ne sont pas encore tous créés."
    );
    let r =
        w.app.post(&format!("/api/v1/commandes/{id}/lots"), w.lot_body(w.structure_id, 1, 2), &w.commanditaire).await;
    assert_ne!(r.status, StatusCode::CREATED, "{}", r.text);

    // The next start completes it: every carnet, every pass, unique codes, audited once each.
    assert_eq!(reprendre_generations(&w.app.db, now).await.unwrap(), 1);
    assert_eq!(reprendre_generations(&w.app.db, now).await.unwrap(), 0, "nothing left to resume");
    let ranks =
        etats(&w, "SELECT CAST(rang_commande AS TEXT) FROM carnets WHERE commande_id = $1 ORDER BY rang_commande", id)
            .await;
    assert_eq!(ranks, vec!["1", "2", "3", "4", "5"]);
    let codes =
        etats(&w, "SELECT p.code FROM passes p JOIN carnets c ON c.id = p.carnet_id WHERE c.commande_id = $1", id)
            .await;
    assert_eq!(codes.iter().collect::<HashSet<_>>().len(), 50);
    assert_eq!(w.app.count("audit_log WHERE entity = 'pass' AND action = 'emis'").await, 50);
    assert_eq!(w.app.count("audit_log WHERE entity = 'carnet' AND action = 'emis'").await, 5);
    assert_eq!(w.app.count("audit_log WHERE entity = 'commande' AND action = 'generee'").await, 1);
    let d = w.app.get(&format!("/api/v1/commandes/{id}"), &w.commanditaire).await;
    assert_eq!(d.body["commande"]["etat"], "attente_paiement", "{}", d.text);
    w.pay(id).await;
    w.activate(id).await;
}

#[tokio::test]
async fn lots_move_carnets_one_holder_at_a_time() {
    let w = World::new().await;
    let commande = w.order(3, 5).await;
    w.pay(commande).await;
    w.activate(commande).await;
    w.entrust(commande, w.structure_id, 1, 2).await;
    // Carnets 1–2 are no longer the commanditaire's.
    let r = w
        .app
        .post(&format!("/api/v1/commandes/{commande}/lots"), w.lot_body(w.structure_id, 2, 3), &w.commanditaire)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body["fields"]["premier"].as_str().unwrap().contains("ne sont plus chez vous"), "{}", r.text);
    let r = w
        .app
        .post(&format!("/api/v1/commandes/{commande}/lots"), w.lot_body(w.structure_id, 3, 4), &w.commanditaire)
        .await;
    assert!(r.body["fields"]["dernier"].as_str().unwrap().contains("3 carnets"), "{}", r.text);
    let mut no_agreement = w.lot_body(w.structure_id, 3, 3);
    no_agreement["accord_reference"] = json!("");
    let r = w.app.post(&format!("/api/v1/commandes/{commande}/lots"), no_agreement, &w.commanditaire).await;
    assert!(r.body["fields"]["accord_reference"].is_string(), "{}", r.text);
    let d = w.app.get(&format!("/api/v1/commandes/{commande}"), &w.commanditaire).await.body;
    assert_eq!(d["disponibles"], json!([{"premier": 3, "dernier": 3}]));
    assert_eq!(d["lots"][0]["accord_reference"], "Convention 2026-12");

    // The coordinateur gives 2 to the conseillère; no more are left.
    w.give(&w.coordinateur, commande, w.conseiller_id, 2).await;
    let r = w
        .app
        .post(
            "/api/v1/lots/conseiller",
            json!({"commande_id": commande.to_string(), "conseiller_id": w.conseiller_id.to_string(), "nombre": "1"}),
            &w.coordinateur,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let view = w.app.get("/api/v1/carnets/structure", &w.coordinateur).await.body;
    let cons =
        view["par_conseiller"].as_array().unwrap().iter().find(|c| c["conseiller"]["id"] == w.conseiller_id).unwrap();
    assert_eq!(cons["en_main"], 2);
    assert_eq!(view["lots"].as_array().unwrap().len(), 2);

    // Taken back, one carnet returns to the structure.
    let carnets = w.carnets(commande).await;
    let r = w.app.post("/api/v1/lots/reprise", json!({"carnet_ids": [carnets[1]]}), &w.coordinateur).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let holders: Vec<(String, Option<i64>, Option<i64>)> = on!(w.app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT etat, structure_id, conseiller_id FROM carnets WHERE commande_id = $1 ORDER BY rang_commande",
    )
    .bind(commande)
    .fetch_all(cx)
    .await)
    .unwrap();
    assert_eq!(holders[0], ("confie_conseiller".into(), Some(w.structure_id), Some(w.conseiller_id)));
    assert_eq!(holders[1], ("confie_structure".into(), Some(w.structure_id), None));
    assert_eq!(holders[2], ("disponible".into(), None, None));
    // Every move of carnet 2 is in the journal.
    let moves =
        etats(&w, "SELECT action FROM audit_log WHERE entity = 'carnet' AND entity_id = $1 ORDER BY id", carnets[1])
            .await;
    assert_eq!(moves, vec!["emis", "active", "confie_structure", "confie_conseiller", "repris"]);
}

#[tokio::test]
async fn distribution_keeps_only_criteria_codes_and_lists_where_to_go() {
    let w = World::new().await;

    let fichier = fichier_lieux(&[
        ("rennes", "Rennes", "35000", "35238", "48.11", "-1.68", true),
        ("quimper", "Quimper", "29000", "29232", "47.996", "-4.10", true),
        ("brest-non", "Brest", "29200", "29019", "48.39", "-4.48", false),
        ("brest", "Brest", "29200", "29019", "48.40", "-4.49", true),
    ]);
    assert_eq!(w.app.import_lieux(&w.admin, "lieux.csv", &fichier).await["crees"], 4);

    let commande = w.order(2, 10).await;
    w.pay(commande).await;
    w.activate(commande).await;
    w.entrust(commande, w.structure_id, 1, 2).await;
    w.give(&w.coordinateur, commande, w.conseiller_id, 2).await;
    let lot = w.app.get("/api/v1/carnets/mon-lot", &w.conseiller).await.body;
    assert_eq!(lot.as_array().unwrap().len(), 2);
    assert_eq!(lot[0]["criteres"][1]["libelle"], "60 ans et plus");
    let carnet = lot[0]["id"].as_i64().unwrap();

    let before = w.app.count("beneficiaires").await;
    for (criteres, field) in [(json!([]), "criteres"), (json!(["riche"]), "criteres")] {
        let mut body = w.distribution_body(carnet, "Zoé");
        body["criteres"] = criteres;
        let r = w.app.post("/api/v1/distributions", body, &w.conseiller).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body["fields"][field].is_string(), "{}", r.text);
    }
    let mut body = w.distribution_body(carnet, "");
    body["intake"]["annee_naissance"] = json!("dix-neuf");
    let r = w.app.post("/api/v1/distributions", body, &w.conseiller).await;
    assert!(r.body["fields"]["prenom"].is_string() && r.body["fields"]["annee_naissance"].is_string(), "{}", r.text);
    // Another conseillère cannot hand out this carnet.
    let r = w.app.post("/api/v1/distributions", w.distribution_body(carnet, "Zoé"), &w.autre_conseiller).await;
    assert!(r.body["fields"]["carnet_id"].as_str().unwrap().contains("pas dans votre lot"), "{}", r.text);
    assert_eq!(w.app.count("beneficiaires").await, before, "nothing written");

    let mut body = w.distribution_body(carnet, "Zoé");
    body["criteres"] = json!(["senior_60", "libre_1"]);
    let r = w.app.post("/api/v1/distributions", body.clone(), &w.conseiller).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let parcours = r.body["parcours_id"].as_i64().unwrap();
    assert_eq!(r.body["structure_acceptee"], true, "accredited by the order's opérateur, inside its territory");
    // One list wherever the person is told where to use the carnet: after intake, on the
    // printable list and in the person's space — venues accepting the Pass, inside the order's
    // territory (Finistère: not Rennes, although it accepts the Pass), nearest first.
    let noms = |v: &Value| -> Vec<String> {
        v.as_array().unwrap().iter().map(|l| l["nom"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(noms(&r.body["lieux"]), ["Lieu brest", "Lieu quimper"]);
    let imprimable = w.app.get(&format!("/api/v1/parcours/{parcours}/orientation"), &w.conseiller).await;
    assert_eq!(noms(&imprimable.body["lieux"]), ["Lieu brest", "Lieu quimper"], "{}", imprimable.text);
    let lien = w.app.post(&format!("/api/v1/parcours/{parcours}/lien"), json!({}), &w.conseiller).await;
    let url = lien.body["url"].as_str().unwrap().to_string();
    let token = url.split_once("/espace/#").unwrap().1;
    let espace = w.app.porteur(Method::GET, "/api/v1/espace", token, None).await;
    assert_eq!(noms(&espace.body["lieux"]), ["Lieu brest", "Lieu quimper"], "{}", espace.text);

    let p = w.app.get(&format!("/api/v1/parcours/{parcours}"), &w.conseiller).await.body;
    assert_eq!(p["carnet"]["etat"], "distribue");
    assert_eq!(p["carnet"]["canal"], "conseiller_numerique");
    assert_eq!(p["carnet"]["commanditaire"], "Brest métropole");
    assert!(p["carnet"]["passes"].as_array().unwrap().iter().all(|x| x["etat"] == "distribue"));
    let kept =
        etats(&w, "SELECT critere_code FROM distribution_criteres WHERE carnet_id = $1 ORDER BY critere_code", carnet)
            .await;
    assert_eq!(kept, vec!["libre_1", "senior_60"]);
    // Handed out once only.
    let r = w.app.post("/api/v1/distributions", body, &w.conseiller).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(w.app.get("/api/v1/carnets/mon-lot", &w.conseiller).await.body.as_array().unwrap().len(), 1);
}

fn refus(r: &Resp) -> String {
    r.body["fields"]["code"].as_str().unwrap_or_default().to_string()
}

async fn ledger_rows(w: &World) -> (i64, i64, i64) {
    (
        w.app.count("pass_validations").await,
        w.app.count("audit_log").await,
        w.app.count("passes WHERE etat = 'valide'").await,
    )
}

/// Runs a validation that must be refused with `reason`, and checks it wrote nothing.
async fn refused(w: &World, call: impl std::future::Future<Output = Resp>, reason: RefusValidation) {
    let before = ledger_rows(w).await;
    let r = call.await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(refus(&r), format!("Pass refusé : {}", reason.message()));
    assert_eq!(ledger_rows(w).await, before, "a refusal writes nothing");
}

#[tokio::test]
async fn each_validation_refusal_has_its_reason_and_writes_nothing() {
    let w = World::new().await;
    let (commande, carnets, p1) = w.ready(4).await;
    let c1 = w.codes(carnets[0]).await;
    let c2 = w.codes(carnets[1]).await;

    let ok = w.validate(&w.conseiller, &c1[0], p1).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert_eq!(ok.body["pass"]["valeur_centimes"], 1000);
    assert!(ok.body["pass"]["a_reclamer_a"].is_null(), "an order's pass is paid by its statement: {}", ok.text);
    assert_eq!(etats(&w, "SELECT etat FROM carnets WHERE id = $1", carnets[0]).await, vec!["entame"]);

    // Already used.
    refused(&w, w.validate(&w.conseiller, &c1[0], p1), RefusValidation::DejaValide { le: Some(today()) }).await;
    // One pass per session: the held session cannot be held again with another pass.
    let before = ledger_rows(&w).await;
    let seance = w.seance_of(&c1[0]).await;
    let body = json!({"code": c1[1], "date": today().to_string(), "heure": "07:00"});
    let r = w.app.post(&format!("/api/v1/seances/{seance}/tenue"), body, &w.conseiller).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.body["error"], "Cette séance est déjà tenue : son pass est validé.", "{}", r.text);
    assert_eq!(ledger_rows(&w).await, before);
    // Another carnet's pass.
    refused(&w, w.validate(&w.conseiller, &c2[0], p1), RefusValidation::AutreCarnet).await;
    // Not in Carnet at all.
    refused(&w, w.validate(&w.conseiller, &PassCode::from_random([1; 11]).display(), p1), RefusValidation::CodeInconnu)
        .await;
    // A typo is caught by the check character before anything else.
    let r = w.validate(&w.conseiller, "ABCD-EFGH-JKLM", p1).await;
    assert!(refus(&r).starts_with("Code du pass : "), "{}", r.text);

    // A second parcours, for the structure-level rules.
    let p2 = w.distribute(&w.conseiller, carnets[1], "Yann").await;
    w.au_stade_seances(&w.conseiller, p2).await;
    on!(w.app.db.acquire().await.unwrap(), |cx| sqlx::query(
        "UPDATE structure_agrements SET etat = 'suspendu' WHERE structure_id = $1"
    )
    .bind(w.structure_id)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))
    .unwrap();
    refused(
        &w,
        w.validate(&w.conseiller, &c2[0], p2),
        RefusValidation::AgrementSuspendu { operateur: "Opérateur Pass".into() },
    )
    .await;
    on!(w.app.db.acquire().await.unwrap(), |cx| sqlx::query("DELETE FROM structure_agrements WHERE structure_id = $1")
        .bind(w.structure_id)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))
    .unwrap();
    refused(
        &w,
        w.validate(&w.conseiller, &c2[0], p2),
        RefusValidation::StructureNonAgreee { operateur: "Opérateur Pass".into() },
    )
    .await;
    w.accredit(w.structure_id).await;

    // Past validity plus grace.
    let (fin, grace): (chrono::NaiveDate, i64) = on!(w.app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT fin_validite, jours_grace FROM commandes WHERE id = $1"
    )
    .bind(commande)
    .fetch_one(cx)
    .await)
    .unwrap();
    let yesterday = today() - chrono::Duration::days(1);
    on!(w.app.db.acquire().await.unwrap(), |cx| sqlx::query(
        "UPDATE commandes SET fin_validite = $2, jours_grace = 0, date_limite = $2 WHERE id = $1"
    )
    .bind(commande)
    .bind(yesterday)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))
    .unwrap();
    refused(
        &w,
        w.validate(&w.conseiller, &c2[0], p2),
        RefusValidation::HorsValidite { fin_validite: yesterday, jours_grace: 0 },
    )
    .await;
    on!(w.app.db.acquire().await.unwrap(), |cx| sqlx::query(
        "UPDATE commandes SET fin_validite = $2, jours_grace = $3, date_limite = $4 WHERE id = $1"
    )
    .bind(commande)
    .bind(fin)
    .bind(grace)
    .bind(fin + chrono::Duration::days(grace))
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))
    .unwrap();

    // Outside the territory: the Rennes structure got carnet 4 of an order whose territory was
    // narrowed to Finistère afterwards (no lot goes outside an order's territory today).
    let mut body = w.order_body(1, 10);
    body["departements"] = json!("29, 35");
    let r = w.app.post("/api/v1/commandes", body, &w.commanditaire).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let c = r.body["id"].as_i64().unwrap();
    w.pay(c).await;
    w.activate(c).await;
    w.entrust(c, w.autre_structure_id, 1, 1).await;
    on!(w.app.db.acquire().await.unwrap(), |cx| sqlx::query(
        "DELETE FROM commande_territoires WHERE commande_id = $1 AND code = '35'"
    )
    .bind(c)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))
    .unwrap();
    w.give(&w.autre_coordinateur, c, w.autre_conseiller_id, 1).await;
    let carnet_rennes = w.carnets(c).await[0];
    let p3 = w.distribute(&w.autre_conseiller, carnet_rennes, "Lou").await;
    w.au_stade_seances(&w.autre_conseiller, p3).await;
    let code_rennes = w.codes(carnet_rennes).await.remove(0);
    refused(
        &w,
        w.validate(&w.autre_conseiller, &code_rennes, p3),
        RefusValidation::HorsTerritoire { commune: "Rennes".into() },
    )
    .await;

    // Back within the rules, the second parcours validates.
    let r = w.validate(&w.conseiller, &c2[0], p2).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test]
async fn a_pass_of_another_operators_order_needs_that_operators_accreditation() {
    let w = World::new().await;
    let mut body = w.order_body(1, 5);
    let (autre_op,): (i64,) = on!(w.app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT id FROM operateurs WHERE nom = 'Autre opérateur'"
    )
    .fetch_one(cx)
    .await)
    .unwrap();
    body["operateur_id"] = json!(autre_op.to_string());
    let r = w.app.post("/api/v1/commandes", body, &w.commanditaire).await;
    let c = r.body["id"].as_i64().unwrap();
    for step in ["paiement", "activation"] {
        let body = json!({"reference": "R", "date": today().to_string()});
        // The first opérateur cannot act on another opérateur's order.
        assert_eq!(
            w.app.post(&format!("/api/v1/commandes/{c}/{step}"), body.clone(), &w.operateur).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            w.app.post(&format!("/api/v1/commandes/{c}/{step}"), body, &w.autre_operateur).await.status,
            StatusCode::NO_CONTENT
        );
    }
    // A lot goes only to a structure that opérateur accredits; without the accreditation, the
    // pass is refused.
    let agrement = format!("/api/v1/structures/{}/agrement", w.structure_id);
    let r = w.app.post(&agrement, json!({"actif": true}), &w.autre_operateur).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    w.entrust(c, w.structure_id, 1, 1).await;
    w.give(&w.coordinateur, c, w.conseiller_id, 1).await;
    let carnet = w.carnets(c).await[0];
    let p = w.distribute(&w.conseiller, carnet, "Zoé").await;
    // (A suspension has its own reason; here the accreditation is gone, as for data written
    // before lots checked it.)
    on!(w.app.db.acquire().await.unwrap(), |cx| sqlx::query("DELETE FROM structure_agrements WHERE operateur_id = $1")
        .bind(autre_op)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))
    .unwrap();
    let r = w.validate(&w.conseiller, &w.codes(carnet).await[0], p).await;
    let reason = RefusValidation::StructureNonAgreee { operateur: "Autre opérateur".into() };
    assert_eq!(refus(&r), format!("Pass refusé : {}", reason.message()));
}

/// Sends the same requests at once, each on its own task: the statuses and the bodies.
async fn at_once(w: &World, requests: Vec<(String, serde_json::Value)>) -> Vec<(StatusCode, serde_json::Value)> {
    let mut tasks = Vec::new();
    for (path, body) in requests {
        let router = w.app.router.clone();
        let cookie = w.conseiller.clone();
        tasks.push(tokio::spawn(async move {
            use http_body_util::BodyExt;
            use tower::ServiceExt;
            let req = axum::http::Request::post(path)
                .header("content-type", "application/json")
                .header("cookie", cookie)
                .body(axum::body::Body::from(body.to_string()))
                .unwrap();
            let r = router.oneshot(req).await.unwrap();
            let status = r.status();
            let bytes = r.into_body().collect().await.unwrap().to_bytes();
            (status, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// A carnet whose parcours has `n` sessions on past days (as if planned then moved): each can be
/// held at its own time.
async fn sessions_passees(w: &World, parcours: i64, n: i64) -> Vec<(i64, chrono::NaiveDateTime)> {
    use carnet_server::store::seances;
    on!(w.app.db.acquire().await.unwrap(), |cx| sqlx::query(
        "UPDATE carnets SET date_reception = $2 WHERE id = (SELECT carnet_id FROM parcours WHERE id = $1)"
    )
    .bind(parcours)
    .bind(today() - chrono::Duration::days(n + 30))
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))
    .unwrap();
    let mut conn = w.app.db.acquire().await.unwrap();
    let mut out = Vec::new();
    for k in 1..=n {
        let debut = (today() - chrono::Duration::days(k)).and_hms_opt(10, 0, 0).unwrap();
        let nouvelle = seances::Nouvelle {
            parcours_id: parcours,
            conseiller_id: w.conseiller_id,
            debut,
            duree_minutes: 60,
            type_lieu: "lieu_activite",
            remplace: None,
            calendrier: carnet_domain::fuseau::Calendrier::METROPOLE,
        };
        out.push((seances::insert(&mut conn, &nouvelle, w.app.clock.now()).await.unwrap(), debut));
    }
    out
}

fn tenue_body(code: &str, debut: chrono::NaiveDateTime) -> serde_json::Value {
    json!({"code": code, "date": debut.format("%Y-%m-%d").to_string(), "heure": debut.format("%H:%M").to_string()})
}

#[tokio::test]
async fn fifty_sessions_held_at_once_with_the_same_code_consume_it_once() {
    let w = World::new().await;
    let (_, carnets, parcours) = w.ready(1).await;
    let code = w.codes(carnets[0]).await.remove(0);
    let seances = sessions_passees(&w, parcours, 50).await;
    let requests =
        seances.iter().map(|(id, debut)| (format!("/api/v1/seances/{id}/tenue"), tenue_body(&code, *debut))).collect();
    let answers = at_once(&w, requests).await;
    let ok = answers.iter().filter(|a| a.0 == StatusCode::OK).count();
    let refusals: Vec<&str> = answers
        .iter()
        .filter(|a| a.0 == StatusCode::UNPROCESSABLE_ENTITY)
        .map(|a| a.1["fields"]["code"].as_str().unwrap_or_default())
        .collect();
    assert_eq!((ok, refusals.len()), (1, 49), "{answers:?}");
    for m in refusals {
        assert!(m.starts_with("Pass refusé : Ce pass a déjà été utilisé, le "), "{m}");
    }
    assert_eq!(w.app.count("pass_validations").await, 1);
    assert_eq!(w.app.count("seances WHERE statut = 'tenue'").await, 1);
    let (n,): (i64,) = on!(w.app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'pass' AND action = 'valide'"
    )
    .fetch_one(cx)
    .await)
    .unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn one_session_held_twice_at_once_consumes_one_pass() {
    let w = World::new().await;
    let (_, carnets, parcours) = w.ready(1).await;
    let codes = w.codes(carnets[0]).await;
    let (seance, debut) = sessions_passees(&w, parcours, 1).await.remove(0);
    let path = format!("/api/v1/seances/{seance}/tenue");
    let answers =
        at_once(&w, vec![(path.clone(), tenue_body(&codes[0], debut)), (path, tenue_body(&codes[1], debut))]).await;
    let mut statuses: Vec<StatusCode> = answers.iter().map(|a| a.0).collect();
    statuses.sort();
    assert_eq!(statuses, vec![StatusCode::OK, StatusCode::CONFLICT], "{answers:?}");
    assert_eq!(w.app.count("pass_validations").await, 1);
    assert_eq!(w.app.count("passes WHERE etat = 'valide'").await, 1);
}

#[tokio::test]
async fn undoing_a_validation_frees_the_pass_and_the_carnet_follows() {
    let w = World::new().await;
    let (_, carnets, parcours) = w.ready(1).await;
    let codes = w.codes(carnets[0]).await;
    assert_eq!(w.validate(&w.conseiller, &codes[0], parcours).await.status, StatusCode::OK);
    // A session not held has nothing to cancel.
    let d = wizard::dossier(&w.app, &w.conseiller, parcours).await;
    let prevue = wizard::seances(&d).into_iter().find(|s| s["statut"] == "prevue").unwrap();
    let r = w
        .app
        .post(&format!("/api/v1/seances/{}/annulation", prevue["id"]), json!({"motif": "Erreur."}), &w.conseiller)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "not held: {}", r.text);
    let seance = w.seance_of(&codes[0]).await;
    let r = w.cancel(&w.conseiller, &codes[0]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let etat = etats(&w, "SELECT etat FROM carnets WHERE id = $1", carnets[0]).await;
    assert_eq!(etat, vec!["distribue"]);
    // The pass and the session are free again, together: no session stays held without its pass.
    assert_eq!(w.app.count(&format!("seances WHERE id = {seance} AND statut = 'prevue'")).await, 1);
    assert_eq!(w.app.count("passes WHERE seance_id IS NOT NULL").await, 0);
    // The same pass validates anew.
    assert_eq!(w.validate(&w.conseiller, &codes[0], parcours).await.status, StatusCode::OK);
    assert_eq!(w.app.count("pass_validations").await, 2);
    // The ledger keeps both entries, and the database refuses to rewrite or delete them.
    assert!(w.app.executer("UPDATE pass_validations SET valeur_centimes = 1").await.is_err());
    assert!(w
        .app
        .executer("UPDATE pass_validations SET annulee_at = NULL WHERE annulee_at IS NOT NULL")
        .await
        .is_err());
    assert!(w.app.executer("DELETE FROM pass_validations").await.is_err());
    assert!(w.app.executer("DELETE FROM audit_log").await.is_err());
    assert!(w.app.executer("UPDATE audit_log SET action = 'x'").await.is_err());
}

#[tokio::test]
async fn the_commanditaire_sees_aggregates_and_never_a_person() {
    let w = World::new().await;
    let (commande, carnets, parcours) = w.ready(3).await;
    let code = w.codes(carnets[0]).await.remove(0);
    assert_eq!(w.validate(&w.conseiller, &code, parcours).await.status, StatusCode::OK);
    let r = w.app.get("/api/v1/tableau/commanditaire", &w.commanditaire).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let t = &r.body;
    assert_eq!(
        t["entonnoir"],
        json!({"emis": 3, "confies": 3, "distribues": 1, "entames": 1, "epuises": 0, "expires": 0})
    );
    assert_eq!(t["valeurs"]["achetee_centimes"], 30_000);
    assert_eq!(t["valeurs"]["consommee_centimes"], 1000);
    assert_eq!(t["valeurs"]["en_circulation_centimes"], 29_000);
    assert_eq!(t["par_structure_mois"][0]["structure"], "Médiathèque des Capucins");
    assert_eq!(t["par_structure_mois"][0]["passes"], 1);
    assert_eq!(
        t["par_territoire"][0],
        json!({"departement": "29", "nom": "Finistère", "carnets_confies": 3,
        "carnets_distribues": 1, "passes_valides": 1, "montant_centimes": 1000})
    );
    assert!(!r.text.contains("Zoé"), "no beneficiary on the dashboard");
    let one = w.app.get(&format!("/api/v1/tableau/commanditaire?commande={commande}"), &w.commanditaire).await;
    assert_eq!(one.body["entonnoir"]["emis"], 3);
    assert_eq!(
        w.app.get("/api/v1/tableau/commanditaire?commande=99999", &w.commanditaire).await.status,
        StatusCode::NOT_FOUND
    );

    // The journal: the commanditaire sees its carnets' history with the person masked; the
    // structure's coordinateur sees it whole.
    let carnet = carnets[0];
    let mine = w.app.get(&format!("/api/v1/journal?entity=carnet&entity_id={carnet}"), &w.commanditaire).await;
    let actions: Vec<&str> =
        mine.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, vec!["pass_valide", "distribue", "confie_conseiller", "confie_structure", "active", "emis"]);
    let distribue = &mine.body["items"][1];
    assert!(distribue["after"].as_str().unwrap().contains("\"beneficiaire_id\":\"masqué\""), "{distribue}");
    let coord = w.app.get(&format!("/api/v1/journal?entity=carnet&entity_id={carnet}"), &w.coordinateur).await;
    assert!(!coord.body["items"][1]["after"].as_str().unwrap().contains("masqué"));
    let by_code = w.app.get(&format!("/api/v1/journal?code={}", code.to_lowercase()), &w.operateur).await;
    let actions: Vec<&str> =
        by_code.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, vec!["valide", "distribue", "active", "emis"]);
    assert_eq!(w.app.get("/api/v1/journal?entity=carnet", &w.autre_coordinateur).await.body["items"], json!([]));
    assert_eq!(w.app.get("/api/v1/journal?entity=personne", &w.operateur).await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_export_of_a_person_holds_the_lots_and_criteria_of_their_carnet() {
    let w = World::new().await;
    let (_, _, parcours) = w.ready(1).await;
    let (b,): (i64,) = on!(w.app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT beneficiaire_id FROM parcours WHERE id = $1"
    )
    .bind(parcours)
    .fetch_one(cx)
    .await)
    .unwrap();
    let r = w.app.get(&format!("/api/v1/beneficiaires/{b}/export"), &w.conseiller).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let tables = r.body["tables"].as_array().unwrap();
    let of = |table: &str| tables.iter().find(|t| t["table"] == table).unwrap()["lignes"].as_array().unwrap().clone();
    assert!(!of("lot_carnets").is_empty());
    assert_eq!(of("distribution_criteres")[0]["critere_code"], "senior_60");
}

/// Every page of the ledger's journal as `cookie` reads it.
async fn journal_complet(w: &World, cookie: &str) -> Vec<serde_json::Value> {
    let mut items = Vec::new();
    for page in 1.. {
        let r = w.app.get(&format!("/api/v1/journal?page={page}"), cookie).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        items.extend(r.body["items"].as_array().unwrap().iter().cloned());
        if r.body["has_more"] != json!(true) {
            break;
        }
    }
    items
}

#[tokio::test]
async fn buyers_read_only_whitelisted_fields_in_every_action_of_the_journal() {
    use carnet_server::store::ledger::journal::{CHAMPS_LISIBLES, MASQUE};
    const SECRETS: [&str; 3] = ["Motif libre de la conseillère", "Zoé", "Suspendu pour un motif libre"];
    let w = World::new().await;
    // Order created, paid, activated, entrusted, given to the conseillère, handed out.
    let (commande, carnets, parcours) = w.ready(3).await;
    let codes = w.codes(carnets[0]).await;
    // A carnet taken back by the structure.
    let r = w.app.post("/api/v1/lots/reprise", json!({"carnet_ids": [carnets[2]]}), &w.coordinateur).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // A validation, cancelled with a reason in the conseillère's words, then held again
    // (the carnet goes back to « remis », then « entamé »).
    assert_eq!(w.validate(&w.conseiller, &codes[0], parcours).await.status, StatusCode::OK);
    let seance = w.seance_of(&codes[0]).await;
    let r =
        w.app.post(&format!("/api/v1/seances/{seance}/annulation"), json!({"motif": SECRETS[0]}), &w.conseiller).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(w.validate(&w.conseiller, &codes[0], parcours).await.status, StatusCode::OK);
    // A validation last month and its statement issued, sent and paid.
    let last_month = carnet_domain::ledger::releve::Mois::of(today()).precedent();
    w.validate_at(&codes[1], parcours, w.structure_id, w.conseiller_id, ledger_world::months_ago(1, 12)).await;
    let r = w.app.post("/api/v1/releves/emission", json!({"mois": last_month.to_string()}), &w.operateur).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let releve = w.app.get("/api/v1/releves", &w.operateur).await.body[0]["id"].as_i64().unwrap();
    for step in ["envoi", "paiement"] {
        let r = w.app.post(&format!("/api/v1/releves/{releve}/{step}"), json!({}), &w.operateur).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    }
    // An accreditation suspended with a reason, then given back.
    let r = w
        .app
        .post(
            &format!("/api/v1/structures/{}/agrement", w.structure_id),
            json!({"actif": false, "motif": SECRETS[2]}),
            &w.operateur,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    // The reason stays with the accreditation; the append-only audit log says only that there
    // was one (nor does it hold the cancellation's reason).
    for secret in [SECRETS[0], SECRETS[2]] {
        let (n,): (i64,) = on!(w.app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
            "SELECT COUNT(*) FROM audit_log WHERE after_json LIKE $1 OR before_json LIKE $1"
        )
        .bind(format!("%{secret}%"))
        .fetch_one(cx)
        .await)
        .unwrap();
        assert_eq!(n, 0, "{secret}");
    }
    w.accredit(w.structure_id).await;
    // The order expires: unused passes and carnets expire, a credit is issued.
    let (limite,): (chrono::NaiveDate,) =
        on!(w.app.db.acquire().await.unwrap(), |cx| sqlx::query_as("SELECT date_limite FROM commandes WHERE id = $1")
            .bind(commande)
            .fetch_one(cx)
            .await)
        .unwrap();
    carnet_server::store::ledger::expiration::run(&w.app.db, limite + chrono::Duration::days(1), w.app.clock.now())
        .await
        .unwrap();

    let attendues: HashSet<(&str, &str)> = [
        ("commande", "creee"),
        ("commande", "paiement_enregistre"),
        ("commande", "activee"),
        ("commande", "expiree"),
        ("carnet", "emis"),
        ("carnet", "active"),
        ("carnet", "confie_structure"),
        ("carnet", "confie_conseiller"),
        ("carnet", "repris"),
        ("carnet", "distribue"),
        ("carnet", "pass_valide"),
        ("carnet", "pass_annule"),
        ("carnet", "expire"),
        ("pass", "emis"),
        ("pass", "active"),
        ("pass", "distribue"),
        ("pass", "valide"),
        ("pass", "validation_annulee"),
        ("pass", "expire"),
        ("avoir", "cree"),
    ]
    .into_iter()
    .collect();
    for (who, cookie, extra) in [
        ("commanditaire", &w.commanditaire, vec![]),
        (
            "opérateur",
            &w.operateur,
            vec![
                ("releve", "emis"),
                ("releve", "envoyer"),
                ("releve", "marquer_paye"),
                ("agrement", "agrement_suspendu"),
                ("agrement", "agrement_accorde"),
            ],
        ),
    ] {
        let items = journal_complet(&w, cookie).await;
        let mut vues = HashSet::new();
        for e in &items {
            vues.insert((e["entity"].as_str().unwrap().to_string(), e["action"].as_str().unwrap().to_string()));
            for side in ["before", "after"] {
                let Some(text) = e[side].as_str() else { continue };
                for s in SECRETS {
                    assert!(!text.contains(s), "{who} reads « {s} » in {e}");
                }
                let fields: serde_json::Map<String, serde_json::Value> = serde_json::from_str(text).unwrap();
                for (k, v) in fields {
                    assert!(
                        CHAMPS_LISIBLES.contains(&k.as_str()) || v == json!(MASQUE),
                        "{who}: field « {k} » of {}/{} is not in the whitelist: {text}",
                        e["entity"],
                        e["action"]
                    );
                }
            }
        }
        for (entity, action) in attendues.iter().chain(extra.iter()) {
            assert!(
                vues.contains(&(entity.to_string(), action.to_string())),
                "{who} never read {entity}/{action}: the test must exercise every action ({vues:?})"
            );
        }
    }
}

/// A lot goes only to a structure accredited by the order's opérateur, inside the order's
/// territory; the picker offers only those.
#[tokio::test]
async fn a_lot_stays_inside_the_order_territory_with_accredited_structures() {
    let w = World::new().await;
    let commande = w.order(3, 5).await;
    w.pay(commande).await;
    w.activate(commande).await;
    let now = w.app.clock.now();
    let morlaix = users::create_structure(&w.app.db, "Espace Morlaix", None, Some("29151"), now).await.unwrap();
    let before = w.app.count("lots").await;
    let url = format!("/api/v1/commandes/{commande}/lots");
    let lot = |s: i64| w.app.post(&url, w.lot_body(s, 1, 1), &w.commanditaire);
    let r = lot(w.autre_structure_id).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(
        r.body["fields"]["structure_id"],
        "Structure : Espace Rennes est hors du territoire de cette commande ; ses carnets restent sur ce territoire."
    );
    let r = lot(morlaix).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.body["fields"]["structure_id"].as_str().unwrap().contains("n'est pas agréée"), "{}", r.text);
    assert_eq!(w.app.count("lots").await, before, "a refusal changes nothing");

    let choix = w.app.get(&format!("/api/v1/structures/choix?commande={commande}"), &w.commanditaire).await;
    assert_eq!(choix.status, StatusCode::OK, "{}", choix.text);
    let noms: Vec<&str> = choix.body.as_array().unwrap().iter().map(|s| s["nom"].as_str().unwrap()).collect();
    assert_eq!(noms, ["Médiathèque des Capucins"]);
    w.accredit(morlaix).await;
    let choix = w.app.get(&format!("/api/v1/structures/choix?commande={commande}"), &w.commanditaire).await;
    assert_eq!(choix.body.as_array().unwrap().len(), 2);
    assert_eq!(lot(morlaix).await.status, StatusCode::CREATED);
    // Another commanditaire's order is not theirs to look at.
    let r = w.app.get(&format!("/api/v1/structures/choix?commande={commande}"), &w.autre_commanditaire).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
}

/// A data consumer walking what changed received a held session as an activity; its validation
/// cancelled, the next walk says it is withdrawn (no attributes), and holding it again brings it
/// back whole.
#[tokio::test]
async fn a_cancelled_validation_withdraws_the_activity_from_the_data_consumers_walk() {
    use carnet_server::clients_api::{self, Demande};
    let w = World::new().await;
    let (_, carnets, parcours) = w.ready(1).await;
    let codes = w.codes(carnets[0]).await;
    let demande = Demande { nom: "Observatoire", scopes: "activites", departements: None, valide_jusqu_au: None };
    let cle = clients_api::creer(&mut *w.app.db.acquire().await.unwrap(), &demande, w.app.clock.now())
        .await
        .unwrap()
        .identifiants();
    let walk = |depuis: String| {
        let (app, cle) = (&w.app, cle.clone());
        async move {
            let r = app
                .porteur(
                    Method::GET,
                    &format!("/api/v1/donnees/activites?filter[modification][depuis]={depuis}"),
                    &cle,
                    None,
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            r.body
        }
    };
    let instant = |app: &TestApp| app.clock.now().format("%Y-%m-%dT%H:%M:%SZ").to_string();

    let debut = instant(&w.app);
    assert_eq!(w.validate(&w.conseiller, &codes[0], parcours).await.status, StatusCode::OK);
    let seance = w.seance_of(&codes[0]).await;
    let page = walk(debut).await;
    assert_eq!(page["data"][0]["id"], seance.to_string(), "{page}");
    assert!(page["data"][0]["attributes"].is_object(), "{page}");

    w.app.clock.step(chrono::Duration::minutes(1));
    let apres_tenue = instant(&w.app);
    let r =
        w.app.post(&format!("/api/v1/seances/{seance}/annulation"), json!({"motif": "Erreur."}), &w.conseiller).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let page = walk(apres_tenue.clone()).await;
    assert_eq!(page["meta"]["total_count"], 1, "{page}");
    assert_eq!(
        page["data"][0],
        json!({"type": "activite", "id": seance.to_string(), "meta": {"retiree": true}}),
        "{page}"
    );

    w.app.clock.step(chrono::Duration::minutes(1));
    assert_eq!(w.validate(&w.conseiller, &codes[0], parcours).await.status, StatusCode::OK);
    let page = walk(apres_tenue).await;
    let de_nouveau = page["data"].as_array().unwrap().iter().find(|a| a["attributes"].is_object()).expect("held again");
    assert_eq!(de_nouveau["id"], w.seance_of(&codes[0]).await.to_string(), "{page}");
}
