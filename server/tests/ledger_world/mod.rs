//! A ledger world for tests: an opérateur, a commanditaire, an accredited structure in Brest with
//! its coordinateur and conseillère, and "others" of each kind to check isolation, every user
//! logged in; and the steps of the Pass journey, each through the real HTTP API.
#![allow(dead_code)]

use crate::common::*;
use crate::wizard;
use axum::http::{Method, StatusCode};
use carnet_domain::api::Role;
use carnet_server::on;
use carnet_server::store::ledger::orgs;
use carnet_server::store::users;
use serde_json::{json, Value};

pub const PASSWORD: &str = "mot-de-passe-de-test";

pub struct World {
    pub app: TestApp,
    pub operateur_id: i64,
    pub operateur: String,
    pub commanditaire_id: i64,
    pub commanditaire: String,
    /// Médiathèque in Brest (29019), accredited by the opérateur.
    pub structure_id: i64,
    pub coordinateur: String,
    pub conseiller_id: i64,
    pub conseiller: String,
    pub hub: String,
    pub admin: String,
    /// A structure in Rennes (35238), outside the orders' territory, accredited too.
    pub autre_structure_id: i64,
    pub autre_coordinateur: String,
    pub autre_conseiller_id: i64,
    pub autre_conseiller: String,
    pub autre_commanditaire: String,
    pub autre_operateur: String,
}

async fn user(app: &TestApp, structure: Option<i64>, email: &str, role: Role) -> (i64, String) {
    let id = app.create_user(structure, email, PASSWORD, role).await;
    (id, app.login(email, PASSWORD).await)
}

impl World {
    pub async fn new() -> World {
        let app = TestApp::new().await;
        let now = app.clock.now();
        let db = &app.db;
        let operateur_id = orgs::create_operateur(db, "Opérateur Pass", now).await.unwrap();
        let autre_operateur_id = orgs::create_operateur(db, "Autre opérateur", now).await.unwrap();
        let commanditaire_id = orgs::create_commanditaire(db, "Brest métropole", now).await.unwrap();
        let autre_commanditaire_id = orgs::create_commanditaire(db, "Rennes Métropole", now).await.unwrap();
        let structure_id =
            users::create_structure(db, "Médiathèque des Capucins", None, Some("29019"), now).await.unwrap();
        let autre_structure_id = users::create_structure(db, "Espace Rennes", None, Some("35238"), now).await.unwrap();

        let (op_user, operateur) = user(&app, None, "op@example.fr", Role::Operateur).await;
        orgs::set_user_organisation(db, op_user, None, Some(operateur_id)).await.unwrap();
        let (op2_user, autre_operateur) = user(&app, None, "op2@example.fr", Role::Operateur).await;
        orgs::set_user_organisation(db, op2_user, None, Some(autre_operateur_id)).await.unwrap();
        let (cm_user, commanditaire) = user(&app, None, "cm@example.fr", Role::Commanditaire).await;
        orgs::set_user_organisation(db, cm_user, Some(commanditaire_id), None).await.unwrap();
        let (cm2_user, autre_commanditaire) = user(&app, None, "cm2@example.fr", Role::Commanditaire).await;
        orgs::set_user_organisation(db, cm2_user, Some(autre_commanditaire_id), None).await.unwrap();

        let (_, coordinateur) = user(&app, Some(structure_id), "coord@example.fr", Role::Coordinateur).await;
        let (conseiller_id, conseiller) = user(&app, Some(structure_id), "cons@example.fr", Role::Conseiller).await;
        let (_, autre_coordinateur) =
            user(&app, Some(autre_structure_id), "coord2@example.fr", Role::Coordinateur).await;
        let (autre_conseiller_id, autre_conseiller) =
            user(&app, Some(autre_structure_id), "cons2@example.fr", Role::Conseiller).await;
        let (_, hub) = user(&app, None, "hub@example.fr", Role::Hub).await;
        let (_, admin) = user(&app, None, "admin@example.fr", Role::Admin).await;

        let w = World {
            app,
            operateur_id,
            operateur,
            commanditaire_id,
            commanditaire,
            structure_id,
            coordinateur,
            conseiller_id,
            conseiller,
            hub,
            admin,
            autre_structure_id,
            autre_coordinateur,
            autre_conseiller_id,
            autre_conseiller,
            autre_commanditaire,
            autre_operateur,
        };
        w.accredit(structure_id).await;
        w.accredit(autre_structure_id).await;
        w
    }

    pub async fn accredit(&self, structure_id: i64) {
        let r = self
            .app
            .post(&format!("/api/v1/structures/{structure_id}/agrement"), json!({"actif": true}), &self.operateur)
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    }

    pub fn order_body(&self, nb_carnets: i64, nb_passes: i64) -> Value {
        json!({
            "operateur_id": self.operateur_id.to_string(),
            "nb_carnets": nb_carnets.to_string(),
            "nb_passes": nb_passes.to_string(),
            "valeur_faciale": "10",
            "fin_validite": (today() + chrono::Duration::days(180)).to_string(),
            "jours_grace": "15",
            "departements": "29",
            "communes": "",
            "criteres": ["demandeur_emploi", "senior_60"],
            "criteres_libres": "Parents d'élèves",
        })
    }

    /// A new order (not paid): its id.
    pub async fn order(&self, nb_carnets: i64, nb_passes: i64) -> i64 {
        let r = self.app.post("/api/v1/commandes", self.order_body(nb_carnets, nb_passes), &self.commanditaire).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.body["id"].as_i64().unwrap()
    }

    pub async fn pay(&self, commande: i64) {
        let r = self
            .app
            .post(
                &format!("/api/v1/commandes/{commande}/paiement"),
                json!({"reference": "VIR-2026-001", "date": today().to_string()}),
                &self.operateur,
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    }

    pub async fn activate(&self, commande: i64) {
        let r = self.app.post(&format!("/api/v1/commandes/{commande}/activation"), json!({}), &self.operateur).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    }

    pub fn lot_body(&self, structure_id: i64, premier: i64, dernier: i64) -> Value {
        json!({
            "structure_id": structure_id.to_string(),
            "premier": premier.to_string(),
            "dernier": dernier.to_string(),
            "accord_reference": "Convention 2026-12",
            "accord_date": today().to_string(),
        })
    }

    pub async fn entrust(&self, commande: i64, structure_id: i64, premier: i64, dernier: i64) {
        let r = self
            .app
            .post(
                &format!("/api/v1/commandes/{commande}/lots"),
                self.lot_body(structure_id, premier, dernier),
                &self.commanditaire,
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }

    pub async fn give(&self, coordinateur: &str, commande: i64, conseiller_id: i64, nombre: i64) {
        let r = self
            .app
            .post(
                "/api/v1/lots/conseiller",
                json!({"commande_id": commande.to_string(), "conseiller_id": conseiller_id.to_string(), "nombre": nombre.to_string()}),
                coordinateur,
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }

    /// The carnet ids of an order, by rank.
    pub async fn carnets(&self, commande: i64) -> Vec<i64> {
        let rows: Vec<(i64,)> = on!(self.app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
            "SELECT id FROM carnets WHERE commande_id = $1 ORDER BY rang_commande"
        )
        .bind(commande)
        .fetch_all(cx)
        .await)
        .unwrap();
        rows.into_iter().map(|r| r.0).collect()
    }

    /// The codes of a carnet, by rank, shown form.
    pub async fn codes(&self, carnet_id: i64) -> Vec<String> {
        let rows: Vec<(String,)> = on!(self.app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
            "SELECT code FROM passes WHERE carnet_id = $1 ORDER BY rang"
        )
        .bind(carnet_id)
        .fetch_all(cx)
        .await)
        .unwrap();
        rows.into_iter().map(|r| carnet_domain::PassCode::parse(&r.0).unwrap().display()).collect()
    }

    pub fn distribution_body(&self, carnet_id: i64, prenom: &str) -> Value {
        json!({
            "intake": { "prenom": prenom, "annee_naissance": "1958", "commune_insee": "29019",
                        "information": { "notice_id": 1, "notice_remise": true } },
            "carnet_id": carnet_id,
            "criteres": ["senior_60"],
        })
    }

    /// Hands a carnet of `cookie`'s lot to a new person: the parcours id.
    pub async fn distribute(&self, cookie: &str, carnet_id: i64, prenom: &str) -> i64 {
        let r = self.app.post("/api/v1/distributions", self.distribution_body(carnet_id, prenom), cookie).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.body["parcours_id"].as_i64().unwrap()
    }

    /// An active order of `n` carnets of 10 in the conseillère's hands; the first carnet handed
    /// out: (order, carnet ids, parcours of the first carnet).
    pub async fn ready(&self, n: i64) -> (i64, Vec<i64>, i64) {
        let commande = self.order(n, 10).await;
        self.pay(commande).await;
        self.activate(commande).await;
        self.entrust(commande, self.structure_id, 1, n).await;
        self.give(&self.coordinateur, commande, self.conseiller_id, n).await;
        let carnets = self.carnets(commande).await;
        let parcours = self.distribute(&self.conseiller, carnets[0], "Zoé").await;
        self.au_stade_seances(&self.conseiller, parcours).await;
        (commande, carnets, parcours)
    }

    /// Takes a parcours opened by a distribution to its sessions, as a conseillère does: initial
    /// diagnostic, objectives, a weekly schedule ahead at an hour free in her diary. Does nothing
    /// for a parcours already there.
    pub async fn au_stade_seances(&self, cookie: &str, parcours: i64) {
        let d = wizard::dossier(&self.app, cookie, parcours).await;
        if !wizard::seances(&d).is_empty() {
            return;
        }
        let n = d["carnet"]["nb_passes"].as_i64().unwrap();
        wizard::diagnostic(&self.app, cookie, parcours).await;
        wizard::objectifs(&self.app, cookie, parcours, n).await;
        let dates: Vec<chrono::NaiveDate> = (1..=n).map(|k| jour_ouvre_dans(7 * k)).collect();
        for h in 8..20 {
            let body = wizard::planning_body(&dates, &format!("{h:02}:00"));
            let r = wizard::put(&self.app, &format!("/api/v1/parcours/{parcours}/planning"), body, cookie).await;
            if r.status == StatusCode::OK {
                return;
            }
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        }
        panic!("aucune heure libre pour le planning du parcours {parcours}");
    }

    /// The one door: a session held today on the spot (`POST /parcours/{id}/seances/tenue`), at
    /// the latest hour already begun that is free in the conseillère's diary, consuming `code`.
    pub async fn hold_on_the_spot(&self, cookie: &str, code: &str, parcours: i64) -> Resp {
        for heure in self.app.heures_passees() {
            let body = json!({"code": code, "date": today().to_string(), "heure": heure});
            let r = self.app.post(&format!("/api/v1/parcours/{parcours}/seances/tenue"), body, cookie).await;
            if r.status == StatusCode::UNPROCESSABLE_ENTITY && r.body["fields"]["heure"].is_string() {
                continue;
            }
            return r;
        }
        panic!("aucune heure libre aujourd'hui pour le parcours {parcours}");
    }

    /// Validates `code` for `parcours` the only way there is: a session held with it.
    pub async fn validate(&self, cookie: &str, code: &str, parcours: i64) -> Resp {
        self.au_stade_seances(cookie, parcours).await;
        self.hold_on_the_spot(cookie, code, parcours).await
    }

    /// The session a pass was validated for.
    pub async fn seance_of(&self, code: &str) -> i64 {
        let compact: String = code.chars().filter(|c| *c != '-').collect();
        let (id,): (i64,) = on!(self.app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
            "SELECT seance_id FROM passes WHERE code = $1"
        )
        .bind(compact)
        .fetch_one(cx)
        .await)
        .unwrap();
        id
    }

    /// Cancels the validation of the session that consumed `code`.
    pub async fn cancel(&self, cookie: &str, code: &str) -> Resp {
        let seance = self.seance_of(code).await;
        self.app
            .post(&format!("/api/v1/seances/{seance}/annulation"), json!({"motif": "Pass saisi par erreur."}), cookie)
            .await
    }

    pub async fn anonymous(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        self.app.request(method, path, body, None).await
    }
}

impl World {
    /// The user id behind an e-mail.
    pub async fn user_id(&self, email: &str) -> i64 {
        let (id,): (i64,) =
            on!(self.app.db.acquire().await.unwrap(), |cx| sqlx::query_as("SELECT id FROM users WHERE email = $1")
                .bind(email)
                .fetch_one(cx)
                .await)
            .unwrap();
        id
    }

    /// Validates a pass at another moment (a past month, for statements): a session of that day
    /// held through the same store function the API calls.
    pub async fn validate_at(
        &self,
        code: &str,
        parcours: i64,
        structure_id: i64,
        user_id: i64,
        at: chrono::DateTime<chrono::Utc>,
    ) {
        use carnet_domain::parcours::seance::StatutSeance;
        use carnet_domain::pass::{CarnetId, SeanceId};
        use carnet_server::store::{passes, seances};
        let code = carnet_domain::PassCode::parse(code).unwrap();
        let mut tx = carnet_server::db::begin_write(&self.app.db).await.unwrap();
        let (carnet_id,): (i64,) = on!(tx, |cx| sqlx::query_as("SELECT carnet_id FROM parcours WHERE id = $1")
            .bind(parcours)
            .fetch_one(cx)
            .await)
        .unwrap();
        let nouvelle = seances::Nouvelle {
            parcours_id: parcours,
            conseiller_id: user_id,
            debut: carnet_domain::paris::to_local(at),
            duree_minutes: 60,
            type_lieu: "lieu_activite",
            remplace: None,
            calendrier: carnet_domain::fuseau::Calendrier::METROPOLE,
        };
        let seance = seances::insert(&mut tx, &nouvelle, at).await.unwrap();
        let v = passes::Validation {
            carnet_id: CarnetId(carnet_id),
            parcours_id: parcours,
            seance_id: SeanceId(seance),
            user_id,
            structure_id,
            at,
            jour: carnet_domain::fuseau::Calendrier::METROPOLE.today(at),
        };
        let r = passes::validate(&mut tx, &code, v).await.unwrap();
        assert!(r.is_ok(), "{r:?}");
        assert!(seances::set_statut(&mut tx, seance, StatutSeance::Prevue, StatutSeance::Tenue, at).await.unwrap());
        tx.commit().await.unwrap();
    }
}

/// Noon (UTC) of `day` in the month `back` months before the current one.
pub fn months_ago(back: u32, day: u32) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    let mut m = carnet_domain::ledger::releve::Mois::of(today());
    for _ in 0..back {
        m = m.precedent();
    }
    chrono::Utc.with_ymd_and_hms(m.annee, m.mois, day, 12, 0, 0).unwrap()
}
