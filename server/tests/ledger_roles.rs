//! Each role can do its part of the ledger and nothing more: a table of role × action × expected
//! status, every cell tested on its own fresh objects. A refused call writes nothing.

mod common;
mod ledger_world;
mod wizard;

use axum::http::{Method, StatusCode};
use carnet_server::on;
use common::*;
use ledger_world::{months_ago, World};
use serde_json::{json, Value};

#[derive(Clone, Copy, Debug)]
enum Action {
    ListeCommandes,
    CreerCommande,
    VoirCommande,
    EnregistrerPaiement,
    Activer,
    CodesAImprimer,
    ConfierStructure,
    ListeOperateurs,
    ChoixStructures,
    ListeAgrements,
    Agreer,
    CarnetsStructure,
    ConfierConseiller,
    Reprendre,
    MonLot,
    Distribuer,
    ListeReleves,
    EmettreReleves,
    VoirReleve,
    ReleveCsv,
    EnvoyerReleve,
    PayerReleve,
    ReleveProvisoire,
    TableauCommanditaire,
    Journal,
    Moi,
}

use Action::*;

/// Columns: anonymous, conseiller, coordinateur, commanditaire, opérateur, hub, admin; then the
/// same role as the owner but of another organisation or structure (cookie, status), if relevant.
type Row = (Action, [u16; 7], Option<(Autre, u16)>);

#[derive(Clone, Copy, Debug)]
enum Autre {
    Commanditaire,
    Operateur,
    Coordinateur,
    Conseiller,
}

const TABLE: &[Row] = &[
    (ListeCommandes, [401, 403, 403, 200, 200, 403, 403], Some((Autre::Commanditaire, 200))),
    (CreerCommande, [401, 403, 403, 201, 403, 403, 403], None),
    (VoirCommande, [401, 403, 403, 200, 200, 403, 403], Some((Autre::Commanditaire, 404))),
    (EnregistrerPaiement, [401, 403, 403, 403, 204, 403, 403], Some((Autre::Operateur, 404))),
    (Activer, [401, 403, 403, 403, 204, 403, 403], Some((Autre::Operateur, 404))),
    (CodesAImprimer, [401, 403, 403, 403, 200, 403, 403], Some((Autre::Operateur, 404))),
    (ConfierStructure, [401, 403, 403, 201, 403, 403, 403], Some((Autre::Commanditaire, 404))),
    (ListeOperateurs, [401, 403, 403, 200, 403, 403, 403], None),
    (ChoixStructures, [401, 403, 403, 200, 403, 403, 403], None),
    (ListeAgrements, [401, 403, 403, 403, 200, 403, 403], None),
    (Agreer, [401, 403, 403, 403, 204, 403, 403], None),
    (CarnetsStructure, [401, 403, 200, 403, 403, 403, 403], None),
    (ConfierConseiller, [401, 403, 201, 403, 403, 403, 403], Some((Autre::Coordinateur, 422))),
    (Reprendre, [401, 403, 200, 403, 403, 403, 403], Some((Autre::Coordinateur, 422))),
    (MonLot, [401, 200, 200, 403, 403, 403, 403], None),
    // The coordinateur may hand out carnets of their own lot; this one is the conseillère's.
    (Distribuer, [401, 201, 422, 403, 403, 403, 403], Some((Autre::Conseiller, 422))),
    (ListeReleves, [401, 403, 200, 403, 200, 403, 403], None),
    (EmettreReleves, [401, 403, 403, 403, 200, 403, 403], None),
    (VoirReleve, [401, 403, 200, 403, 200, 403, 403], Some((Autre::Coordinateur, 404))),
    (ReleveCsv, [401, 403, 200, 403, 200, 403, 403], Some((Autre::Operateur, 404))),
    (EnvoyerReleve, [401, 403, 403, 403, 204, 403, 403], Some((Autre::Operateur, 404))),
    (PayerReleve, [401, 403, 403, 403, 204, 403, 403], Some((Autre::Operateur, 404))),
    (ReleveProvisoire, [401, 403, 200, 403, 403, 403, 403], None),
    (TableauCommanditaire, [401, 403, 403, 200, 403, 403, 403], None),
    (Journal, [401, 200, 200, 200, 200, 403, 403], None),
    (Moi, [401, 200, 200, 200, 200, 200, 200], None),
];

/// The objects one cell acts on.
#[derive(Default)]
struct Fx {
    id: i64,
}

struct Ctx {
    w: World,
    /// Each statement fixture uses its own past month.
    months_back: std::sync::atomic::AtomicU32,
}

impl Ctx {
    async fn active_order(&self) -> i64 {
        let c = self.w.order(2, 10).await;
        self.w.pay(c).await;
        self.w.activate(c).await;
        c
    }

    /// An active order of 2 carnets in the conseillère's hands.
    async fn in_hands(&self) -> (i64, Vec<i64>) {
        let c = self.active_order().await;
        self.w.entrust(c, self.w.structure_id, 1, 2).await;
        self.w.give(&self.w.coordinateur, c, self.w.conseiller_id, 2).await;
        (c, self.w.carnets(c).await)
    }

    /// A statement issued for a past month, with one validation.
    async fn releve(&self) -> i64 {
        let back = 2 + self.months_back.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let (_, carnets) = self.in_hands().await;
        let parcours = self.w.distribute(&self.w.conseiller, carnets[0], "Zoé").await;
        let code = self.w.codes(carnets[0]).await.remove(0);
        self.w.validate_at(&code, parcours, self.w.structure_id, self.w.conseiller_id, months_ago(back, 10)).await;
        let m = carnet_domain::ledger::releve::Mois::of(months_ago(back, 10).date_naive());
        let now = self.w.app.clock.now();
        let r = carnet_server::store::ledger::releves::emettre_mois(
            &self.w.app.db,
            self.w.operateur_id,
            m,
            today(),
            None,
            now,
        )
        .await
        .unwrap();
        assert_eq!(r.releves_emis, 1);
        let (id,): (i64,) =
            on!(self.w.app.db.acquire().await.unwrap(), |cx| sqlx::query_as("SELECT MAX(id) FROM releves")
                .fetch_one(cx)
                .await)
            .unwrap();
        id
    }

    async fn prepare(&self, action: Action) -> Fx {
        let w = &self.w;
        match action {
            VoirCommande | EnregistrerPaiement | CodesAImprimer => Fx { id: w.order(1, 5).await },
            Activer => {
                let c = w.order(1, 5).await;
                w.pay(c).await;
                Fx { id: c }
            }
            ConfierStructure => Fx { id: self.active_order().await },
            Agreer => {
                let s = carnet_server::store::users::create_structure(
                    &w.app.db,
                    "Nouvelle structure",
                    None,
                    Some("29019"),
                    w.app.clock.now(),
                )
                .await
                .unwrap();
                Fx { id: s }
            }
            ConfierConseiller => {
                let c = self.active_order().await;
                w.entrust(c, w.structure_id, 1, 2).await;
                Fx { id: c }
            }
            Reprendre | Distribuer => {
                let (_, carnets) = self.in_hands().await;
                Fx { id: carnets[0] }
            }
            VoirReleve | ReleveCsv | EnvoyerReleve => Fx { id: self.releve().await },
            PayerReleve => {
                let id = self.releve().await;
                let r = w.app.post(&format!("/api/v1/releves/{id}/envoi"), json!({}), &w.operateur).await;
                assert_eq!(r.status, StatusCode::NO_CONTENT);
                Fx { id }
            }
            _ => Fx::default(),
        }
    }

    async fn call(&self, action: Action, fx: &Fx, cookie: Option<&str>) -> Resp {
        let w = &self.w;
        let id = fx.id;
        let last_month = carnet_domain::ledger::releve::Mois::of(today()).precedent().to_string();
        let (method, path, body): (Method, String, Option<Value>) = match action {
            ListeCommandes => (Method::GET, "/api/v1/commandes".into(), None),
            CreerCommande => (Method::POST, "/api/v1/commandes".into(), Some(w.order_body(1, 5))),
            VoirCommande => (Method::GET, format!("/api/v1/commandes/{id}"), None),
            EnregistrerPaiement => (
                Method::POST,
                format!("/api/v1/commandes/{id}/paiement"),
                Some(json!({"reference": "VIR-1", "date": today().to_string()})),
            ),
            Activer => (Method::POST, format!("/api/v1/commandes/{id}/activation"), Some(json!({}))),
            CodesAImprimer => (Method::GET, format!("/api/v1/commandes/{id}/codes"), None),
            ConfierStructure => {
                (Method::POST, format!("/api/v1/commandes/{id}/lots"), Some(w.lot_body(w.structure_id, 1, 2)))
            }
            ListeOperateurs => (Method::GET, "/api/v1/operateurs".into(), None),
            ChoixStructures => (Method::GET, "/api/v1/structures/choix".into(), None),
            ListeAgrements => (Method::GET, "/api/v1/structures/agrements".into(), None),
            Agreer => (Method::POST, format!("/api/v1/structures/{id}/agrement"), Some(json!({"actif": true}))),
            CarnetsStructure => (Method::GET, "/api/v1/carnets/structure".into(), None),
            ConfierConseiller => (
                Method::POST,
                "/api/v1/lots/conseiller".into(),
                Some(
                    json!({"commande_id": id.to_string(), "conseiller_id": w.conseiller_id.to_string(), "nombre": "1"}),
                ),
            ),
            Reprendre => (Method::POST, "/api/v1/lots/reprise".into(), Some(json!({"carnet_ids": [id]}))),
            MonLot => (Method::GET, "/api/v1/carnets/mon-lot".into(), None),
            Distribuer => (Method::POST, "/api/v1/distributions".into(), Some(w.distribution_body(id, "Yann"))),
            ListeReleves => (Method::GET, "/api/v1/releves".into(), None),
            EmettreReleves => (Method::POST, "/api/v1/releves/emission".into(), Some(json!({"mois": last_month}))),
            VoirReleve => (Method::GET, format!("/api/v1/releves/{id}"), None),
            ReleveCsv => (Method::GET, format!("/api/v1/releves/{id}/csv"), None),
            EnvoyerReleve => (Method::POST, format!("/api/v1/releves/{id}/envoi"), Some(json!({}))),
            PayerReleve => (Method::POST, format!("/api/v1/releves/{id}/paiement"), Some(json!({}))),
            ReleveProvisoire => (Method::GET, "/api/v1/releves/provisoire".into(), None),
            TableauCommanditaire => (Method::GET, "/api/v1/tableau/commanditaire".into(), None),
            Journal => (Method::GET, "/api/v1/journal".into(), None),
            Moi => (Method::GET, "/api/v1/ledger/moi".into(), None),
        };
        w.app.request(method, &path, body, cookie).await
    }
}

#[tokio::test]
async fn every_cell_of_the_role_table() {
    let ctx = Ctx { w: World::new().await, months_back: Default::default() };
    let w = &ctx.w;
    let roles: [(&str, Option<&str>); 7] = [
        ("anonyme", None),
        ("conseiller", Some(&w.conseiller)),
        ("coordinateur", Some(&w.coordinateur)),
        ("commanditaire", Some(&w.commanditaire)),
        ("opérateur", Some(&w.operateur)),
        ("hub", Some(&w.hub)),
        ("admin", Some(&w.admin)),
    ];
    let mut cells = 0;
    let mut failures = Vec::new();
    for (action, expected, autre) in TABLE {
        let mut columns: Vec<(&str, Option<&str>, u16)> =
            roles.iter().zip(expected.iter()).map(|((name, cookie), status)| (*name, *cookie, *status)).collect();
        if let Some((who, status)) = autre {
            let cookie: &str = match who {
                Autre::Commanditaire => &w.autre_commanditaire,
                Autre::Operateur => &w.autre_operateur,
                Autre::Coordinateur => &w.autre_coordinateur,
                Autre::Conseiller => &w.autre_conseiller,
            };
            columns.push(("autre organisation", Some(cookie), *status));
        }
        for (role, cookie, status) in columns {
            let fx = ctx.prepare(*action).await;
            let audit_before = w.app.count("audit_log").await;
            let r = ctx.call(*action, &fx, cookie).await;
            cells += 1;
            if r.status.as_u16() != status {
                failures.push(format!("{action:?} × {role}: expected {status}, got {} {}", r.status, r.text));
                continue;
            }
            if !(200..300).contains(&status) {
                // A refusal says why in French, in our format, and changes nothing.
                assert!(r.body["error"].as_str().is_some_and(|e| !e.is_empty()), "{action:?} × {role}: {}", r.text);
                assert_eq!(w.app.count("audit_log").await, audit_before, "{action:?} × {role} wrote something");
            }
        }
    }
    assert!(failures.is_empty(), "{} cells wrong:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(cells, TABLE.len() * 7 + TABLE.iter().filter(|r| r.2.is_some()).count());
}

#[tokio::test]
async fn lists_of_another_organisation_leak_nothing() {
    let w = World::new().await;
    let c = w.order(1, 5).await;
    let (reference,): (String,) =
        on!(w.app.db.acquire().await.unwrap(), |cx| sqlx::query_as("SELECT reference FROM commandes WHERE id = $1")
            .bind(c)
            .fetch_one(cx)
            .await)
        .unwrap();
    let mine = w.app.get("/api/v1/commandes", &w.commanditaire).await;
    assert!(mine.text.contains(&reference));
    for cookie in [&w.autre_commanditaire, &w.autre_operateur] {
        let r = w.app.get("/api/v1/commandes", cookie).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.body, json!([]), "{}", r.text);
    }
    let journal = w.app.get("/api/v1/journal", &w.autre_commanditaire).await;
    assert_eq!(journal.body["items"], json!([]), "{}", journal.text);
}
