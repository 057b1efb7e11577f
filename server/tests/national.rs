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

/// Two years of 8 conseillers (about 3,800 held sessions, many times what one batch of an export
/// carries): the activities exports give every held session once, in order, under the total of
/// their header, and the statistics count the same sessions.
#[tokio::test]
async fn exports_and_statistics_of_a_generated_country_count_the_same_sessions() {
    use carnet_domain::api::Role;
    let app = TestApp::new().await;
    let hash = auth::hash_password(MOT_DE_PASSE).unwrap();
    national::generer(&app.db, 0.002, app.clock.now(), &hash).await.unwrap();
    app.create_user(None, "admin@national.carnet.fr", MOT_DE_PASSE, Role::Admin).await;
    let cookie = app.login("admin@national.carnet.fr", MOT_DE_PASSE).await;
    let (tenues, domicile): (i64, i64) = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
        "SELECT COUNT(*), COUNT(CASE WHEN type_lieu = 'domicile' THEN 1 END) FROM seances WHERE statut = 'tenue'"
    )
    .fetch_one(cx)
    .await)
    .unwrap();
    assert!(tenues > 3000, "{tenues} séances tenues");

    let r = app.get("/api/v1/exports/activites.csv", &cookie).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let lignes: Vec<&str> = r.text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lignes.iter().find(|l| l.starts_with("Total;")), Some(&format!("Total;{tenues}").as_str()));
    let entete = lignes.iter().position(|l| l.starts_with("Date;")).expect("the columns' line");
    let donnees = &lignes[entete + 1..];
    assert_eq!(donnees.len() as i64, tenues);
    // Oldest first: dd/mm/yyyy read as yyyymmdd never goes back.
    let jours: Vec<String> = donnees.iter().map(|l| format!("{}{}{}", &l[6..10], &l[3..5], &l[0..2])).collect();
    assert!(jours.windows(2).all(|w| w[0] <= w[1]), "lines out of order");

    let r = app.get("/api/v1/exports/activites.xlsx", &cookie).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(r.bytes.clone())).expect("an .xlsx file");
    let feuille = calamine::Reader::worksheet_range(&mut wb, "Activités").expect("the sheet");
    let premiere = feuille
        .rows()
        .position(|l| matches!(&l[0], calamine::Data::String(s) if s == "Date"))
        .expect("the columns' line");
    assert_eq!(feuille.rows().skip(premiere + 1).filter(|l| l[0] != calamine::Data::Empty).count() as i64, tenues);

    let r = app.get("/api/v1/statistiques", &cookie).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["generales"]["accompagnements"], tenues);
    let canaux: i64 = r.body["canaux"].as_array().unwrap().iter().map(|l| l["nombre"].as_i64().unwrap()).sum();
    assert_eq!(canaux, tenues);
    let a_domicile = r.body["canaux"].as_array().unwrap().iter().find(|l| l["valeur"] == "domicile").unwrap();
    assert_eq!(a_domicile["nombre"], domicile);
    let durees: i64 = r.body["durees"].as_array().unwrap().iter().map(|l| l["nombre"].as_i64().unwrap()).sum();
    assert_eq!(durees, tenues);
    assert_eq!(r.body["generales"]["beneficiaires"].as_i64().unwrap(), {
        let (n,): (i64,) = on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
            "SELECT COUNT(DISTINCT p.beneficiaire_id) FROM seances s JOIN parcours p ON p.id = s.parcours_id
             WHERE s.statut = 'tenue'"
        )
        .fetch_one(cx)
        .await)
        .unwrap();
        n
    });
    memes_comptes_que_les_seances(&app).await;
}

/// A hundred structures reach the overseas départements: their sessions fall within the day
/// there too (07:00–21:00 local, which a hold checks), not at 04:00 in the Antilles.
#[tokio::test]
async fn generated_sessions_overseas_fall_within_the_local_day() {
    use carnet_domain::fuseau::Calendrier;
    let app = TestApp::new().await;
    let hash = auth::hash_password(MOT_DE_PASSE).unwrap();
    // 416 conseillers: 104 structures, one per département (the Pacific's left out).
    national::generer(&app.db, 0.104, app.clock.now(), &hash).await.unwrap();
    let seances: Vec<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>, String)> =
        on!(app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
            "SELECT s.debut, s.fin, st.commune_insee FROM seances s JOIN parcours p ON p.id = s.parcours_id
             JOIN structures st ON st.id = p.structure_id
             WHERE st.commune_insee LIKE '97%' OR st.id % 20 = 1"
        )
        .fetch_all(cx)
        .await)
        .unwrap();
    let outre_mer: std::collections::BTreeSet<&str> =
        seances.iter().filter(|s| s.2.starts_with("97")).map(|s| &s.2[..3]).collect();
    assert_eq!(outre_mer.into_iter().collect::<Vec<_>>(), ["971", "972", "973", "974", "975", "976", "977", "978"]);
    for (debut, fin, commune) in &seances {
        let cal = Calendrier::pour(Some(commune), None);
        let (d, f) = (cal.to_local(*debut).time(), cal.to_local(*fin).time());
        let (sept, vingt_et_une) =
            (chrono::NaiveTime::from_hms_opt(7, 0, 0).unwrap(), chrono::NaiveTime::from_hms_opt(21, 0, 0).unwrap());
        assert!(d >= sept && f <= vingt_et_une && d < f, "{commune}: {debut} – {fin} is {d} – {f} there");
    }
    memes_comptes_que_les_seances(&app).await;
}

/// The generator fills the statistics' daily counts and progressions: a country's statistics read
/// from them, over all time and over a year ending at an hour of the day in Paris, what the
/// sessions say, day by day in each structure's zone, and what the diagnostics say.
async fn memes_comptes_que_les_seances(app: &TestApp) {
    use carnet_server::store::statistiques::{self as store, Filtres, Intervalle, Liste, Portee};
    use std::collections::BTreeMap;
    let fin = app.clock.now();
    let annee = Intervalle { debut: Some(fin - chrono::Duration::days(365)), fin: Some(fin) };
    let seances = Filtres { seances_seulement: true, ..Default::default() };
    let mut conn = app.db.acquire().await.unwrap();
    for i in [Intervalle::default(), annee] {
        let mut lus = Vec::new();
        for f in [&Filtres::default(), &seances] {
            let mut jours: BTreeMap<chrono::NaiveDate, (u64, u64, i64)> = BTreeMap::new();
            for (j, n, p, v) in store::par_jour(&mut conn, &Portee::Tout, f, i).await.unwrap() {
                let e = jours.entry(j).or_default();
                (e.0, e.1, e.2) = (e.0 + n, e.1 + p, e.2 + v);
            }
            let mut groupes: BTreeMap<String, i64> = BTreeMap::new();
            for g in store::groupes(&mut conn, &Portee::Tout, f, i).await.unwrap() {
                let cle = format!(
                    "{} {} {} {} {:?}",
                    g.structure_id, g.conseiller_id, g.type_lieu, g.duree_minutes, g.domicile_insee
                );
                *groupes.entry(cle).or_default() += g.nombre;
            }
            let mut themes: BTreeMap<Option<String>, i64> = BTreeMap::new();
            for (t, n) in store::par_liste(&mut conn, &Portee::Tout, f, i, Liste::Thematiques).await.unwrap() {
                *themes.entry(t).or_default() += n;
            }
            let progressions = store::progressions(&mut conn, &Portee::Tout, f, i).await.unwrap();
            let nouveaux = match i.debut {
                Some(_) => store::nouveaux_beneficiaires(&mut conn, &Portee::Tout, f, i).await.unwrap(),
                None => 0,
            };
            assert!(!jours.is_empty());
            assert!(!progressions.is_empty());
            lus.push((jours, groupes, themes, progressions, nouveaux));
        }
        assert!(lus[0] == lus[1], "{i:?}");
    }
}
