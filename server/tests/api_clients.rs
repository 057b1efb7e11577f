//! The read API for data consumers (`/api/v1/donnees/activites`, `/api/v1/donnees/statistiques`)
//! and its clients: creation (store function and the real command line), the `Authorization:
//! Bearer <client_id>:<secret>` key, scopes and territory, cursor pagination that walks every row
//! once while rows are added, every bad input a 4xx in JSON:API form, no identity in any answer,
//! and the journal of every call. Runs on SQLite, and on PostgreSQL with
//! `CARNET_TEST_BACKEND=postgres`.

mod common;

use axum::http::{header, Method, StatusCode};
use carnet_server::clients_api::{self, ClientCree, Demande};
use carnet_server::store::clients_api as store_clients;
use carnet_server::{auth, store::users};
use chrono::Duration;
use common::*;
use serde_json::Value;
use std::collections::BTreeSet;

/// The people: unique strings, so that an answer showing them is easy to spot.
const PRENOM_1: &str = "Zephyrine-Unique";
const PRENOM_2: &str = "Barnabe-Unique";
const NOTE: &str = "Note-confidentielle-unique";

/// Two structures (Brest in the Finistère, Reims in the Marne), a conseiller each, an
/// administrator; two people, one per structure (the first lives in Quimper, not where she is
/// received); seven held sessions, one planned.
const WORLD: &[&str] = &[
    "INSERT INTO structures (id, nom, commune_insee, created_at) VALUES
        (801, 'Médiathèque A', '29019', '2026-01-01T00:00:00+00:00'),
        (802, 'Espace B', '51454', '2026-01-01T00:00:00+00:00')",
    "INSERT INTO users (id, email, password_hash, prenom, nom, role, structure_id, created_at) VALUES
        (901, 'ca1@a.fr', 'x', 'Alice', 'Martin', 'conseiller', 801, '2026-01-01T00:00:00+00:00'),
        (904, 'cb1@b.fr', 'x', 'Denis', 'Bé', 'conseiller', 802, '2026-01-01T00:00:00+00:00'),
        (906, 'admin@x.fr', 'x', 'Ada', 'Admin', 'admin', NULL, '2026-01-01T00:00:00+00:00')",
    "INSERT INTO beneficiaires (id, structure_id, prenom, prenom_normalise, annee_naissance, commune_insee, genre,
        tranche_age, statut_social, created_by, created_at, updated_at) VALUES
        (501, 801, 'Zephyrine-Unique', 'zephyrine-unique', 2008, '29232', 'feminin', 'douze_dix_huit', 'scolarise', 901, '2027-01-20T09:00:00+00:00', '2027-01-20T09:00:00+00:00'),
        (504, 802, 'Barnabe-Unique', 'barnabe-unique', 1980, '51454', 'masculin', NULL, 'en_emploi', 904, '2027-02-01T09:00:00+00:00', '2027-02-01T09:00:00+00:00')",
    "INSERT INTO carnets (id, numero, nb_passes, valeur_faciale_centimes, fin_validite, etat, beneficiaire_id, structure_id,
        commanditaire_nom, canal_reception, date_reception, created_at) VALUES
        (401, 'K1', 10, 1000, '2027-12-31', 'remis', 501, 801, 'Brest métropole', 'mairie', '2027-01-20', '2027-01-20T00:00:00+00:00'),
        (404, 'K4', 5, 1000, '2027-12-31', 'remis', 504, 802, 'Reims', 'mairie', '2027-02-01', '2027-02-01T00:00:00+00:00')",
    "INSERT INTO parcours (id, beneficiaire_id, carnet_id, structure_id, conseiller_id, etat, etape, created_at, updated_at) VALUES
        (301, 501, 401, 801, 901, 'en_cours', 'seances', '2027-01-20T09:00:00+00:00', '2027-01-20T09:00:00+00:00'),
        (304, 504, 404, 802, 904, 'en_cours', 'seances', '2027-02-01T10:00:00+00:00', '2027-02-01T10:00:00+00:00')",
    // 202 and 203 were last changed at the same instant: the id orders them.
    "INSERT INTO seances (id, parcours_id, conseiller_id, uid, sequence, debut, fin, type_lieu, statut,
        cr_thematiques, cr_duree_minutes, cr_materiel, cr_autonomie, cr_notes, created_at, updated_at, numero) VALUES
        (201, 301, 901, 'u201', 0, '2027-02-03T09:00:00+00:00', '2027-02-03T10:00:00+00:00', 'lieu_activite', 'tenue', 'email|navigation_sur_internet', 45, 'ordinateur', 'autonome', 'Note-confidentielle-unique', '2027-01-20T09:00:00+00:00', '2027-02-03T10:00:00+00:00', 1),
        (202, 301, 901, 'u202', 0, '2027-02-10T09:00:00+00:00', '2027-02-10T10:00:00+00:00', 'domicile', 'tenue', 'email', 30, NULL, NULL, NULL, '2027-01-20T09:00:00+00:00', '2027-02-10T10:00:00+00:00', 2),
        (203, 301, 901, 'u203', 0, '2027-02-11T09:00:00+00:00', '2027-02-11T10:00:00+00:00', 'a_distance', 'tenue', 'sante', 60, NULL, NULL, NULL, '2027-01-20T09:00:00+00:00', '2027-02-10T10:00:00+00:00', 3),
        (204, 301, 901, 'u204', 0, '2027-02-12T09:00:00+00:00', '2027-02-12T10:00:00+00:00', 'lieu_activite', 'tenue', NULL, NULL, NULL, NULL, NULL, '2027-01-20T09:00:00+00:00', '2027-02-12T10:00:00+00:00', 4),
        (205, 301, 901, 'u205', 0, '2027-02-15T09:00:00+00:00', '2027-02-15T10:00:00+00:00', 'lieu_activite', 'prevue', NULL, NULL, NULL, NULL, NULL, '2027-01-20T09:00:00+00:00', '2027-01-20T09:00:00+00:00', NULL),
        (206, 304, 904, 'u206', 0, '2027-02-05T09:00:00+00:00', '2027-02-05T10:00:00+00:00', 'lieu_activite', 'tenue', 'email', 45, 'ordinateur', NULL, NULL, '2027-02-01T10:00:00+00:00', '2027-02-05T10:00:00+00:00', 1),
        (207, 304, 904, 'u207', 0, '2027-02-06T09:00:00+00:00', '2027-02-06T10:00:00+00:00', 'lieu_activite', 'tenue', 'email', 45, NULL, NULL, NULL, '2027-02-01T10:00:00+00:00', '2027-02-06T10:00:00+00:00', 2),
        (208, 304, 904, 'u208', 0, '2027-02-07T09:00:00+00:00', '2027-02-07T10:00:00+00:00', 'lieu_activite', 'tenue', NULL, 20, NULL, NULL, NULL, '2027-02-01T10:00:00+00:00', '2027-02-07T10:00:00+00:00', 3)",
    "INSERT INTO passes (id, carnet_id, rang, code, etat, valeur_centimes, validated_at, seance_id) VALUES
        (101, 401, 1, 'P101', 'valide', 1000, '2027-02-03T10:00:00+00:00', 201)",
];

/// Held sessions of the world.
const TENUES: [i64; 7] = [201, 202, 203, 204, 206, 207, 208];

async fn monde() -> TestApp {
    let app = TestApp::new().await;
    for sql in WORLD {
        app.executer(sql).await.unwrap_or_else(|e| panic!("{e}\n{sql}"));
    }
    app
}

async fn client(app: &TestApp, scopes: &str, departements: Option<&str>, jusqu_au: Option<&str>) -> ClientCree {
    let demande = Demande { nom: "Observatoire", scopes, departements, valide_jusqu_au: jusqu_au };
    clients_api::creer(&mut *app.db.acquire().await.unwrap(), &demande, app.clock.now()).await.unwrap()
}

async fn appel(app: &TestApp, chemin: &str, identifiants: &str) -> Resp {
    app.porteur(Method::GET, chemin, identifiants, None).await
}

/// An answer in JSON:API error form: the status, one error or more with a French `detail`;
/// the `source.parameter` of the first.
fn erreur(r: &Resp, status: StatusCode) -> Option<String> {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.headers[header::CONTENT_TYPE], "application/vnd.api+json", "{}", r.text);
    let errors = r.body["errors"].as_array().unwrap_or_else(|| panic!("no errors array: {}", r.text));
    assert!(!errors.is_empty());
    for e in errors {
        assert_eq!(e["status"], status.as_u16().to_string(), "{}", r.text);
        assert!(e["detail"].as_str().is_some_and(|d| d.len() > 10), "{}", r.text);
    }
    assert!(r.body.get("data").is_none(), "{}", r.text);
    errors[0]["source"]["parameter"].as_str().map(str::to_string)
}

fn ids(page: &Value) -> Vec<i64> {
    page["data"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().parse().unwrap()).collect()
}

/// A held session of the first person, changed at `modification`.
async fn ajouter_seance(app: &TestApp, id: i64, modification: &str) {
    app.executer(&format!(
        "INSERT INTO seances (id, parcours_id, conseiller_id, uid, sequence, debut, fin, type_lieu, statut,
            cr_duree_minutes, created_at, updated_at, numero)
         VALUES ({id}, 301, 901, 'u{id}', 0, '2027-03-01T09:00:00+00:00', '2027-03-01T10:00:00+00:00',
            'lieu_activite', 'tenue', 30, '{modification}', '{modification}', NULL)"
    ))
    .await
    .unwrap();
}

#[tokio::test]
async fn pagination_walks_every_row_exactly_once_while_rows_are_added() {
    let app = monde().await;
    let c = client(&app, "activites", None, None).await;
    let cle = c.identifiants();
    let mut vus = Vec::new();
    let mut positions = Vec::new();
    let mut ajoutes = Vec::new();
    let mut chemin = "/api/v1/donnees/activites?page[size]=3".to_string();
    let mut pages = 0;
    loop {
        let r = appel(&app, &chemin, &cle).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.headers[header::CONTENT_TYPE], "application/vnd.api+json");
        let page = r.body;
        assert!(ids(&page).len() <= 3);
        assert_eq!(page["meta"]["items_per_page"], 3);
        for r in page["data"].as_array().unwrap() {
            let m = chrono::DateTime::parse_from_rfc3339(r["attributes"]["modification"].as_str().unwrap()).unwrap();
            positions.push((m, r["id"].as_str().unwrap().parse::<i64>().unwrap()));
        }
        vus.extend(ids(&page));
        pages += 1;
        // Between two pages, a session is held: one changed after everything, and one changed at
        // the very instant of the page's last row (after it by id only).
        let id = 300 + pages;
        ajouter_seance(&app, id, &format!("2027-06-{:02}T10:00:00+00:00", pages)).await;
        ajoutes.push(id);
        if let Some(dernier) = page["data"].as_array().unwrap().last() {
            let id = 400 + pages;
            let modification = dernier["attributes"]["modification"].as_str().unwrap();
            let modification = chrono::DateTime::parse_from_rfc3339(modification).unwrap().to_rfc3339();
            ajouter_seance(&app, id, &modification).await;
            ajoutes.push(id);
        }
        match page["links"]["next"].as_str() {
            Some(next) => chemin = next.to_string(),
            None => break,
        }
        assert!(pages < 20, "the walk does not end: {vus:?}");
    }
    let uniques: BTreeSet<i64> = vus.iter().copied().collect();
    assert_eq!(uniques.len(), vus.len(), "a row came twice: {vus:?}");
    // Every row there at the start, and every row added before the walk's last page, once.
    let attendus: BTreeSet<i64> = TENUES.iter().copied().chain(ajoutes[..ajoutes.len() - 2].iter().copied()).collect();
    assert!(attendus.is_subset(&uniques), "missing: {:?}", attendus.difference(&uniques).collect::<Vec<_>>());
    // The planned session is no activity.
    assert!(!uniques.contains(&205));
    // In the order of the last change, then id, across pages.
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    assert_eq!(&vus[..4], &[201, 206, 207, 401]);

    // The total counts every held session as of that call; `filter[modification][depuis]` keeps
    // the later changes.
    let r = appel(&app, "/api/v1/donnees/activites", &cle).await;
    assert_eq!(r.body["meta"]["total_count"], (TENUES.len() + ajoutes.len()) as i64, "{}", r.text);
    assert_eq!(r.body["meta"]["items_per_page"], 100);
    let r = appel(&app, "/api/v1/donnees/activites?filter[modification][depuis]=2027-02-10T10:00:00Z", &cle).await;
    let depuis = ids(&r.body);
    assert_eq!(&depuis[..4], &[202, 203, 402, 204], "{depuis:?}");
    assert!([201, 206, 207, 208, 401].iter().all(|id| !depuis.contains(id)), "{depuis:?}");
    assert_eq!(r.body["meta"]["total_count"], depuis.len() as i64);
    assert!(r.body["links"]["next"].is_null());
}

#[tokio::test]
async fn bad_credentials_and_bad_input_answer_4xx_in_json_api_never_500() {
    let app = monde().await;
    let tout = client(&app, "statistiques,activites", None, None).await;
    let cle = tout.identifiants();
    let activites = "/api/v1/donnees/activites";
    let statistiques = "/api/v1/donnees/statistiques";

    // Credentials: missing, malformed, unknown, wrong secret.
    for chemin in [activites, statistiques] {
        let r = app.request(Method::GET, chemin, None, None).await;
        erreur(&r, StatusCode::UNAUTHORIZED);
        assert_eq!(r.headers[header::WWW_AUTHENTICATE], "Bearer");
        assert!(r.body["errors"][0]["detail"].as_str().unwrap().contains("Authorization"), "{}", r.text);
    }
    let inconnu = format!("{}:{}", "0".repeat(32), "A".repeat(43));
    let mauvais_secret = format!("{}:{}", tout.client_id, "A".repeat(43));
    for faux in ["", "abc", &tout.client_id, &tout.secret, &format!("{}:", tout.client_id), &inconnu, &mauvais_secret] {
        let r = appel(&app, activites, faux).await;
        erreur(&r, StatusCode::UNAUTHORIZED);
    }
    let r = app
        .send(
            axum::http::Request::get(activites)
                .header(header::AUTHORIZATION, format!("Basic {cle}"))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    erreur(&r, StatusCode::UNAUTHORIZED);

    // A staff session opens nothing here, not even the administrator's.
    let (token, hash) = auth::new_token();
    users::create_session(&mut app.db.acquire().await.unwrap(), &hash, 906, app.clock.now()).await.unwrap();
    let r = app.get(activites, &format!("{}={token}", auth::COOKIE_NAME)).await;
    erreur(&r, StatusCode::UNAUTHORIZED);

    // Pagination and filters: each named in `source.parameter`.
    let cas = [
        (format!("{activites}?page[size]=10000"), "page[size]"),
        (format!("{activites}?page[size]=0"), "page[size]"),
        (format!("{activites}?page[size]=dix"), "page[size]"),
        (format!("{activites}?page[size]=3&page[size]=4"), "page[size]"),
        (format!("{activites}?page[after]=nimporte-quoi"), "page[after]"),
        (format!("{activites}?filter[modification][depuis]=hier"), "filter[modification][depuis]"),
        (format!("{activites}?filter[modification][depuis]=1900-01-01"), "filter[modification][depuis]"),
        (format!("{activites}?filter[creation][depuis]=2027-01-01"), "filter[creation][depuis]"),
        (format!("{activites}?sort=-modification"), "sort"),
        (format!("{statistiques}?filter[du]=2027-03-01&filter[au]=2027-01-01"), "filter[au]"),
        (format!("{statistiques}?filter[du]=2020-01-01&filter[au]=2027-01-01"), "filter[au]"),
        (format!("{statistiques}?filter[du]=01/03/2027"), "filter[du]"),
        (format!("{statistiques}?filter[type_lieu]=plage"), "filter[type_lieu]"),
        (format!("{statistiques}?filter[departement]=99"), "filter[departement]"),
        (format!("{statistiques}?page[size]=10"), "page[size]"),
    ];
    for (chemin, parametre) in &cas {
        let r = appel(&app, chemin, &cle).await;
        assert_eq!(erreur(&r, StatusCode::BAD_REQUEST).as_deref(), Some(*parametre), "{chemin}: {}", r.text);
    }
    let r = appel(&app, &format!("{activites}?page[size]=10000"), &cle).await;
    assert!(r.body["errors"][0]["detail"].as_str().unwrap().contains("500"), "{}", r.text);

    // A cursor this server did not give: forged from a real one (another position, same
    // signature), cut, or garbled.
    let r = appel(&app, &format!("{activites}?page[size]=2"), &cle).await;
    let next = r.body["links"]["next"].as_str().unwrap().to_string();
    let curseur = next.split("page%5Bafter%5D=").nth(1).unwrap().split('&').next().unwrap().to_string();
    let (position, mac) = curseur.split_once('.').unwrap();
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let texte = String::from_utf8(b64.decode(position).unwrap()).unwrap();
    let (instant, id) = texte.split_once('|').unwrap();
    let falsifie = format!("{}.{mac}", b64.encode(format!("{instant}|{}", id.parse::<i64>().unwrap() - 1)));
    for mauvais in [falsifie, position.to_string(), format!("{position}.{}", "0".repeat(32)), "%FF%FE".into()] {
        let r = appel(&app, &format!("{activites}?page[after]={mauvais}"), &cle).await;
        assert_eq!(erreur(&r, StatusCode::BAD_REQUEST).as_deref(), Some("page[after]"), "{mauvais}: {}", r.text);
    }
    let r = appel(&app, &next, &cle).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    // Revoked: refused at once.
    let revoque = client(&app, "activites", None, None).await;
    assert_eq!(appel(&app, activites, &revoque.identifiants()).await.status, StatusCode::OK);
    assert!(store_clients::revoquer(&mut *app.db.acquire().await.unwrap(), &revoque.client_id, app.clock.now())
        .await
        .unwrap());
    let r = appel(&app, activites, &revoque.identifiants()).await;
    erreur(&r, StatusCode::UNAUTHORIZED);
    assert!(r.body["errors"][0]["detail"].as_str().unwrap().contains("révoqué"), "{}", r.text);

    // Expired: valid through its last day (Paris time), refused the day after.
    let jusqu_au = today().format("%Y-%m-%d").to_string();
    let expire = client(&app, "activites", None, Some(&jusqu_au)).await;
    assert_eq!(appel(&app, activites, &expire.identifiants()).await.status, StatusCode::OK);
    app.clock.step(Duration::days(1));
    let r = appel(&app, activites, &expire.identifiants()).await;
    erreur(&r, StatusCode::UNAUTHORIZED);
    assert!(r.body["errors"][0]["detail"].as_str().unwrap().contains("plus valable"), "{}", r.text);
    // The other client still works.
    assert_eq!(appel(&app, activites, &cle).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_client_reads_only_its_scopes_and_its_territory() {
    let app = monde().await;
    let stats = client(&app, "statistiques", None, None).await;
    let r = appel(&app, "/api/v1/donnees/activites", &stats.identifiants()).await;
    erreur(&r, StatusCode::FORBIDDEN);
    assert!(r.body["errors"][0]["detail"].as_str().unwrap().contains("activites"), "{}", r.text);
    let r = appel(&app, "/api/v1/donnees/statistiques", &stats.identifiants()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    let activites = client(&app, "activites", None, None).await;
    let r = appel(&app, "/api/v1/donnees/statistiques", &activites.identifiants()).await;
    erreur(&r, StatusCode::FORBIDDEN);

    // A client of the Finistère: Brest's sessions only, in its figures too.
    let finistere = client(&app, "activites,statistiques", Some("29"), None).await;
    let r = appel(&app, "/api/v1/donnees/activites", &finistere.identifiants()).await;
    assert_eq!(ids(&r.body), vec![201, 202, 203, 204]);
    assert_eq!(r.body["meta"]["total_count"], 4);
    let r = appel(&app, "/api/v1/donnees/statistiques", &finistere.identifiants()).await;
    assert_eq!(r.body["data"][0]["attributes"]["generales"]["accompagnements"], 4, "{}", r.text);
    // Asking for another département gives nothing of it.
    let r = appel(&app, "/api/v1/donnees/statistiques?filter[departement]=51", &finistere.identifiants()).await;
    assert_eq!(r.body["data"][0]["attributes"]["generales"]["accompagnements"], 0, "{}", r.text);
    let r = appel(&app, "/api/v1/donnees/statistiques", &stats.identifiants()).await;
    assert_eq!(r.body["data"][0]["attributes"]["generales"]["accompagnements"], 7, "{}", r.text);
}

/// Every key of a JSON value, at any depth.
fn cles(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                out.insert(k.clone());
                cles(v, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| cles(v, out)),
        _ => {}
    }
}

/// A correction of a person's categories changes what their activities say: a client reading what
/// changed since its last call gets them again, with the new counts.
#[tokio::test]
async fn a_corrected_person_brings_their_activities_back_to_the_walk() {
    let app = monde().await;
    let cle = client(&app, "activites", None, None).await.identifiants();
    let (token, hash) = auth::new_token();
    users::create_session(&mut app.db.acquire().await.unwrap(), &hash, 904, app.clock.now()).await.unwrap();
    let cookie = format!("{}={token}", auth::COOKIE_NAME);
    let depuis = (app.clock.now() + Duration::seconds(30)).format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let chemin = format!("/api/v1/donnees/activites?filter[modification][depuis]={depuis}");
    let r = appel(&app, &chemin, &cle).await;
    assert_eq!(ids(&r.body), Vec::<i64>::new(), "{}", r.text);

    app.clock.step(Duration::minutes(1));
    let correction = serde_json::json!({"prenom": PRENOM_2, "annee_naissance": "1980", "commune_insee": "51454",
        "genre": "feminin", "statut_social": "en_emploi"});
    let r = app.post("/api/v1/beneficiaires/504/rectification", correction, &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = appel(&app, &chemin, &cle).await;
    assert_eq!(ids(&r.body), vec![206, 207, 208], "{}", r.text);
    for a in r.body["data"].as_array().unwrap() {
        let genres = &a["attributes"]["beneficiaires"]["genres"];
        assert_eq!(genres, &serde_json::json!({"feminin": 1, "masculin": 0, "non_communique": 0}), "{a}");
    }
}

#[tokio::test]
async fn no_answer_shows_who_the_beneficiaries_are() {
    let app = monde().await;
    let c = client(&app, "statistiques,activites", None, None).await;
    let cle = c.identifiants();
    let activites = appel(&app, "/api/v1/donnees/activites", &cle).await;
    let statistiques =
        appel(&app, "/api/v1/donnees/statistiques?filter[du]=2027-02-01&filter[au]=2027-02-28", &cle).await;
    for r in [&activites, &statistiques] {
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        for interdit in [PRENOM_1, PRENOM_2, NOTE, "zephyrine", "barnabe"] {
            assert!(!r.text.to_lowercase().contains(&interdit.to_lowercase()), "{interdit} in {}", r.text);
        }
        let mut k = BTreeSet::new();
        cles(&r.body, &mut k);
        for interdit in [
            "prenom",
            "nom",
            "annee_naissance",
            "beneficiaire_id",
            "parcours_id",
            "cr_notes",
            "notes",
            "telephone",
            "email",
        ] {
            assert!(!k.contains(interdit), "key {interdit} in {}", r.text);
        }
    }
    // Nor where the first person lives (Quimper): only the place of a session at the place.
    assert!(!activites.text.contains("29232") && !activites.text.contains("Quimper"), "{}", activites.text);

    // The Coop's attributes, and counts only.
    let data = activites.body["data"].as_array().unwrap();
    let a = data.iter().find(|r| r["id"] == "201").unwrap();
    assert_eq!(a["type"], "activite");
    let at = &a["attributes"];
    assert_eq!(at["type"], "individuel");
    assert_eq!(at["mediateur_id"], 901);
    assert_eq!(at["structure_id"], 801);
    assert_eq!(at["accompagnements"], 1);
    assert_eq!(at["date"], "2027-02-03");
    assert_eq!(at["duree"], 45);
    assert_eq!(at["type_lieu"], "lieu_activite");
    assert_eq!(at["lieu_code_insee"], "29019");
    assert_eq!(at["lieu_code_postal"], "29200");
    assert_eq!(at["lieu_commune"], "Brest");
    assert_eq!(at["autonomie"], "autonome");
    assert_eq!(at["materiel"], serde_json::json!(["ordinateur"]));
    assert_eq!(at["thematiques"], serde_json::json!(["email", "navigation_sur_internet"]));
    assert_eq!(at["pass_consomme"], true);
    assert_eq!(at["numero_seance"], 1);
    let b = &at["beneficiaires"];
    assert_eq!(b["total"], 1);
    assert_eq!(b["genres"], serde_json::json!({"feminin": 1, "masculin": 0, "non_communique": 0}));
    // Born in 2008: 19 at the session, in 2027 (recorded 12-17 at intake).
    assert_eq!(b["tranches_age"]["dix_huit_vingt_quatre"], 1);
    assert_eq!(b["tranches_age"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum::<u64>(), 1);
    assert_eq!(b["statuts"]["scolarise"], 1);
    // At home: no place given (it would be the person's commune).
    let domicile = &data.iter().find(|r| r["id"] == "202").unwrap()["attributes"];
    assert!(domicile["lieu_code_insee"].is_null() && domicile["lieu_commune"].is_null(), "{domicile}");
    assert_eq!(domicile["pass_consomme"], false);

    // The statistics: one resource, the page's blocks.
    let s = &statistiques.body;
    assert_eq!(s["data"].as_array().unwrap().len(), 1);
    assert_eq!(s["data"][0]["type"], "statistiques");
    assert_eq!(s["meta"]["total_count"], 1);
    assert!(s["links"]["next"].is_null());
    assert_eq!(s["data"][0]["attributes"]["generales"]["accompagnements"], 7);
    assert_eq!(s["data"][0]["attributes"]["generales"]["beneficiaires"], 2);
    assert!(s["data"][0]["attributes"]["par_conseiller"].is_null());
}

#[tokio::test]
async fn every_call_is_journalled_with_its_client() {
    let app = monde().await;
    let c = client(&app, "activites", None, None).await;
    let autre = client(&app, "statistiques", None, None).await;
    let cle = c.identifiants();
    appel(&app, "/api/v1/donnees/activites?page[size]=2", &cle).await;
    appel(&app, "/api/v1/donnees/activites?page[size]=10000", &cle).await;
    appel(&app, "/api/v1/donnees/statistiques", &cle).await;
    appel(&app, "/api/v1/donnees/statistiques", &autre.identifiants()).await;
    // Credentials that open nothing have no client to journal.
    appel(&app, "/api/v1/donnees/activites", &format!("{}:{}", c.client_id, "B".repeat(43))).await;
    let mut conn = app.db.acquire().await.unwrap();
    assert_eq!(
        store_clients::appels(&mut conn, c.id).await.unwrap(),
        vec![
            ("/api/v1/donnees/activites".to_string(), "page[size]=2".to_string(), 200, 2),
            ("/api/v1/donnees/activites".to_string(), "page[size]=10000".to_string(), 400, 0),
            ("/api/v1/donnees/statistiques".to_string(), String::new(), 403, 0),
        ]
    );
    assert_eq!(
        store_clients::appels(&mut conn, autre.id).await.unwrap(),
        vec![("/api/v1/donnees/statistiques".to_string(), String::new(), 200, 1)]
    );
    // The journal is append-only.
    drop(conn);
    assert!(app.executer("DELETE FROM journal_clients_api").await.is_err());
    assert!(app.executer("UPDATE journal_clients_api SET statut = 200").await.is_err());
}

#[tokio::test]
async fn the_secret_is_kept_hashed_and_the_command_line_prints_id_and_secret() {
    let app = monde().await;
    let c = client(&app, "activites", None, None).await;
    let stocke =
        store_clients::par_client_id(&mut *app.db.acquire().await.unwrap(), &c.client_id).await.unwrap().unwrap();
    assert_eq!(stocke.secret_hash, auth::token_hash(&c.secret));
    assert_ne!(stocke.secret_hash, c.secret);
    assert_eq!(c.secret.len(), 43, "256 bits in URL-safe base64");
    assert_eq!(c.identifiants(), format!("{}:{}", c.client_id, c.secret));

    // The real binary, on the test's database.
    let url = match &app.pg {
        Some(pg) => pg.url.clone(),
        None => format!("sqlite://{}", app.dir.path().join("carnet.db").display()),
    };
    let carnet = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_carnet-server"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .args(["--database-url", &url])
            .args(args)
            .output()
            .unwrap()
    };
    let sortie = carnet(&[
        "admin",
        "api-client",
        "create",
        "--nom",
        "Entrepôt de données de l'État",
        "--scopes",
        "statistiques,activites",
        "--valid-until",
        "2100-12-31",
    ]);
    let stdout = String::from_utf8_lossy(&sortie.stdout).to_string();
    assert!(sortie.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&sortie.stderr));
    let derniere = stdout.lines().last().unwrap().trim().to_string();
    let (id, secret) = derniere.split_once(':').unwrap();
    assert_eq!((id.len(), secret.len()), (32, 43), "{stdout}");
    assert_eq!(stdout.matches(secret).count(), 1, "the secret is printed once: {stdout}");
    let r = appel(&app, "/api/v1/donnees/activites", &derniere).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(ids(&r.body).len(), TENUES.len());

    let sortie = carnet(&["admin", "api-client", "revoke", "--id", id]);
    assert!(sortie.status.success(), "{}", String::from_utf8_lossy(&sortie.stderr));
    erreur(&appel(&app, "/api/v1/donnees/activites", &derniere).await, StatusCode::UNAUTHORIZED);

    // Bad requests on the command line name their flag.
    for (args, drapeau) in [
        (vec!["--nom", "X", "--scopes", "lieux"], "--scopes"),
        (vec!["--nom", " ", "--scopes", "activites"], "--nom"),
        (vec!["--nom", "X", "--scopes", "activites", "--valid-until", "31/12/2100"], "--valid-until"),
        (vec!["--nom", "X", "--scopes", "activites", "--valid-until", "2001-01-01"], "--valid-until"),
        (vec!["--nom", "X", "--scopes", "activites", "--departements", "29,999"], "--departements"),
    ] {
        let sortie = carnet(&[&["admin", "api-client", "create"], &args[..]].concat());
        assert!(!sortie.status.success());
        let stderr = String::from_utf8_lossy(&sortie.stderr);
        assert!(stderr.contains(drapeau), "{args:?}: {stderr}");
    }
    let sortie = carnet(&["admin", "api-client", "revoke", "--id", "inconnu"]);
    assert!(!sortie.status.success());
}
