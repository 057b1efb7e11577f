//! The national-volume generator (`store::national`, `carnet-server admin generer-national`) at a
//! tiny scale: what it writes is read by the app's own pages like data entered through the API.

mod common;

use carnet_server::auth;
use carnet_server::on;
use carnet_server::store::national;
use common::TestApp;

const MOT_DE_PASSE: &str = "banc-national-2026";

#[tokio::test]
async fn generated_parcours_are_read_by_the_app_pages() {
    let app = TestApp::new().await;
    let hash = auth::hash_password(MOT_DE_PASSE).unwrap();
    // 8 conseillers in 2 structures, 800 parcours.
    let g = national::generer(&app.db, 0.002, app.clock.now(), &hash).await.unwrap();
    assert_eq!((g.structures, g.conseillers, g.beneficiaires, g.passes), (2, 8, 800, 4000));
    let (parcours, seances, valides, termines): (i64, i64, i64, i64) = on!(app.db.acquire().await.unwrap(), |cx| {
        sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM parcours), (SELECT COUNT(*) FROM seances),
                    (SELECT COUNT(*) FROM passes WHERE etat = 'valide' AND seance_id IS NOT NULL),
                    (SELECT COUNT(*) FROM parcours WHERE etat = 'termine')",
        )
        .fetch_one(cx)
        .await
    })
    .unwrap();
    assert_eq!((parcours, seances), (800, 4000));
    // The structures take the départements in turn (01, then 02), each in its most populous
    // commune, and everyone lives where their structure is.
    let (departements, ailleurs): (String, i64) = on!(app.db.acquire().await.unwrap(), |cx| {
        sqlx::query_as(
            "SELECT (SELECT MIN(c.departement) || ',' || MAX(c.departement)
                     FROM structures st JOIN communes c ON c.code_insee = st.commune_insee),
                    (SELECT COUNT(*) FROM beneficiaires b JOIN structures st ON st.id = b.structure_id
                     WHERE b.commune_insee <> st.commune_insee)",
        )
        .fetch_one(cx)
        .await
    })
    .unwrap();
    assert_eq!((departements.as_str(), ailleurs), ("01,02", 0));
    // Two years of weekly parcours: most are closed, each conseiller has a few open.
    assert!(termines > 700 && termines < 800, "{termines} parcours terminés");
    assert!(valides > 5 * termines && valides < 4000, "{valides} pass validés");
    // The ledger knows each of them, as a validation through the API writes it: statements,
    // statistics and the next validation's checks read these lines, not the passes.
    let (lignes, accordees): (i64, i64) = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM pass_validations),
                (SELECT COUNT(*) FROM pass_validations v JOIN passes p ON p.id = v.pass_id
                 WHERE p.etat = 'valide' AND v.seance_cle = 'seance:' || p.seance_id AND v.annulee_at IS NULL
                   AND v.structure_id = p.credited_structure_id AND v.carnet_id = p.carnet_id
                   AND v.mois = substr(CAST(v.jour AS TEXT), 1, 7))",
    )
    .fetch_one(cx)
    .await)
    .unwrap();
    assert_eq!((lignes, accordees), (valides, valides));

    let cookie = app.login(&national::email(1), MOT_DE_PASSE).await;
    // Conseiller 1's newest parcours (still open) and oldest one (closed), and the dashboard.
    let (ouvert, ferme): (i64, i64) = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT MAX(id), MIN(id) FROM parcours WHERE conseiller_id = 1"
    )
    .fetch_one(cx)
    .await)
    .unwrap();
    let r = app.get(&format!("/api/v1/parcours/{ouvert}"), &cookie).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["etat"], "en_cours", "{}", r.text);
    assert_eq!(r.body["seances"].as_array().map(Vec::len), Some(5), "{}", r.text);
    let r = app.get(&format!("/api/v1/parcours/{ferme}"), &cookie).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["etat"], "termine", "{}", r.text);
    assert!(r.body["bilan"].is_object(), "{}", r.text);
    let r = app.get("/api/v1/tableau-de-bord", &cookie).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body["parcours"].as_array().map(Vec::len).unwrap_or(0) > 5, "{}", r.text);

    // Every pass has a well-formed code, `national::code(id)`: once a planned session's time has
    // come, typing its pass's code holds it, as a benchmark does.
    let codes: Vec<(i64, String)> =
        on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as("SELECT id, code FROM passes ORDER BY id")
            .fetch_all(cx)
            .await)
        .unwrap();
    assert_eq!(codes.len(), 4000);
    for (id, code) in &codes {
        assert_eq!(code, national::code(*id).as_str(), "pass {id}");
    }
    app.clock.step(chrono::Duration::days(40));
    // Forty days later, the session has lapsed: logged in again.
    let cookie = app.login(&national::email(1), MOT_DE_PASSE).await;
    let r = app.get(&format!("/api/v1/parcours/{ouvert}"), &cookie).await;
    let prevue =
        r.body["seances"].as_array().unwrap().iter().find(|s| s["statut"] == "prevue").expect("une séance prévue");
    let (seance, debut) = (prevue["id"].as_i64().unwrap(), prevue["debut"].as_str().unwrap());
    let r = app
        .post(
            &format!("/api/v1/seances/{seance}/tenue"),
            serde_json::json!({ "code": national::code(seance).display(), "date": &debut[..10], "heure": &debut[11..16] }),
            &cookie,
        )
        .await;
    assert_eq!(r.status, 200, "{debut} {}", r.text);

    // A second run on the same database is refused: it fills only an empty one.
    let e = national::generer(&app.db, 0.002, app.clock.now(), &hash).await.unwrap_err();
    assert!(e.to_string().contains("pas vide"), "{e}");
}
