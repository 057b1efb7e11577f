//! Every endpoint × every role × the status it must answer, tested cell by cell, each cell on a
//! fresh database. Also:
//! - the table must list every route the API defines: the routes are read from the sources of
//!   `server/src/api/`, so a new endpoint fails this test until its line is added here;
//! - any answer that shows the fixture person's identity must have written an access-journal
//!   line (`crate::journal::identite_lue`), so an endpoint that forgets it fails here too.
//!
//! To add an endpoint: one `Row` in `table()`. To add a role: one `Who` variant, its session in
//! `Fixture::cookie`, and one more number per row. The last column is the beneficiary holding
//! their personal link (its token in the `Authorization` header, its calendar's token for
//! `{token}` in a path, `{code}` in a body); the other columns are given a token and a code that
//! open nothing.

mod common;
mod wizard;

use axum::http::{Method, StatusCode};
use carnet_domain::api::Role;
use carnet_domain::comptes::ObjetJeton;
use carnet_server::on;
use carnet_server::store::{comptes, territoires, users};
use carnet_server::{auth, Config};
use common::*;
use serde_json::{json, Value};
use std::sync::OnceLock;

const PW: &str = "mot-de-passe-de-test";
const EXEMPLE_LIEUX: &str = include_str!("../../reference/lieux/exemple-valide-v1.0.2.csv");

fn candidat_body() -> Value {
    json!({
        "nom": "Tiers-lieu du port", "adresse": "2 quai de la Douane", "code_postal": "29200", "commune_insee": "29019",
        "motif": "Accueille déjà des ateliers numériques", "contact_nom": "Anne", "contact_telephone": "02 98 00 00 00",
    })
}
/// The fixture person: unique strings, so an answer showing them is easy to spot.
const PRENOM: &str = "Fixturine-Unique";
const TELEPHONE: &str = "06 99 88 77 66";

/// Who asks: the columns of the table.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Anonyme,
    /// A conseiller of the structure that follows the fixture person.
    Conseiller,
    Coordinateur,
    /// A conseiller of another structure.
    AutreStructure,
    Commanditaire,
    Operateur,
    Hub,
    Admin,
    /// The beneficiary: no account, the holder of the fixture person's personal link (and of its
    /// short code). Everyone else is given a wrong token or code.
    Beneficiaire,
}

const COLUMNS: [Who; 9] = [
    Who::Anonyme,
    Who::Conseiller,
    Who::Coordinateur,
    Who::AutreStructure,
    Who::Commanditaire,
    Who::Operateur,
    Who::Hub,
    Who::Admin,
    Who::Beneficiaire,
];

/// What `{id}` stands for in a path.
#[derive(Clone, Copy, Debug)]
enum Id {
    None,
    Beneficiaire,
    Parcours,
    /// An invited account of the fixture structure (no password yet).
    Compte,
    /// The fixture parcours' second session, still planned.
    Seance,
    /// Its first session, held with pass n°1.
    SeanceTenue,
    /// A venue imported by the administrator (in the Marne, inside the hub's territory).
    Lieu,
    /// That import.
    Import,
    /// A candidate venue in Brest reported by the conseiller.
    Candidat,
    /// Its last session, moved 10 days ahead: still planned, in the future.
    SeanceFuture,
    /// The fixture structure.
    Structure,
}

struct Row {
    method: Method,
    /// As written in `server/src/api/*.rs`, relative to `/api/v1`.
    path: &'static str,
    id: Id,
    query: &'static str,
    body: fn(&Fixture) -> Option<Value>,
    /// One status per entry of `COLUMNS`.
    expect: [u16; 9],
}

fn none(_: &Fixture) -> Option<Value> {
    None
}

fn empty(_: &Fixture) -> Option<Value> {
    Some(json!({}))
}

#[rustfmt::skip]
fn table() -> Vec<Row> {
    use Method as M;
    let row = |method: Method, path, id, query, body: fn(&Fixture) -> Option<Value>, expect| Row { method, path, id, query, body, expect };
    vec![
        //                                                                                  anon cons coord autre comm oper hub  admin benef
        row(M::GET,  "/health",                              Id::None, "", none,          [200, 200, 200, 200, 200, 200, 200, 200, 200]),
        row(M::GET,  "/health/ready",                        Id::None, "", none,          [200, 200, 200, 200, 200, 200, 200, 200, 200]),
        row(M::GET,  "/openapi.json",                        Id::None, "", none,          [200, 200, 200, 200, 200, 200, 200, 200, 200]),
        row(M::POST, "/auth/login",                          Id::None, "", |f| Some(json!({"email": f.conseiller_email, "password": PW})),
                                                                                            [200, 200, 200, 200, 200, 200, 200, 200, 200]),
        row(M::POST, "/auth/logout",                         Id::None, "", none,          [401, 204, 204, 204, 204, 204, 204, 204, 401]),
        row(M::GET,  "/auth/me",                             Id::None, "", none,          [401, 200, 200, 200, 200, 200, 200, 200, 401]),
        row(M::GET,  "/auth/session",                        Id::None, "", none,          [200, 200, 200, 200, 200, 200, 200, 200, 200]),
        row(M::POST, "/auth/mot-de-passe",                   Id::None, "", |_| Some(json!({"actuel": PW, "nouveau": "une phrase toute neuve", "confirmation": "une phrase toute neuve"})),
                                                                                            [401, 200, 200, 200, 200, 200, 200, 200, 401]),
        row(M::POST, "/auth/reinitialisation",               Id::None, "", |_| Some(json!({"email": "quelquun@exemple.fr"})),
                                                                                            [202, 202, 202, 202, 202, 202, 202, 202, 202]),
        row(M::POST, "/auth/jeton",                          Id::None, "", |f| Some(json!({"jeton": f.invitation_token})),
                                                                                            [200, 200, 200, 200, 200, 200, 200, 200, 200]),
        row(M::POST, "/auth/jeton/mot-de-passe",             Id::None, "", |f| Some(json!({"jeton": f.invitation_token, "mot_de_passe": "une phrase toute neuve", "confirmation": "une phrase toute neuve"})),
                                                                                            [200, 200, 200, 200, 200, 200, 200, 200, 200]),
        row(M::GET,  "/communes",                            Id::None, "?q=brest", none,  [401, 200, 200, 200, 200, 200, 200, 200, 401]),
        row(M::GET,  "/beneficiaires",                       Id::None, "", none,          [401, 200, 200, 200, 403, 403, 403, 403, 401]),
        row(M::GET,  "/beneficiaires/{id}",                  Id::Beneficiaire, "", none,  [401, 200, 200, 404, 403, 403, 403, 403, 401]),
        row(M::GET,  "/beneficiaires/{id}/donnees",          Id::Beneficiaire, "", none,  [401, 200, 200, 404, 403, 403, 403, 403, 401]),
        row(M::GET,  "/beneficiaires/{id}/export",           Id::Beneficiaire, "", none,  [401, 200, 200, 404, 403, 403, 403, 403, 401]),
        row(M::POST, "/beneficiaires/{id}/rectification",    Id::Beneficiaire, "", |_| Some(json!({"prenom": PRENOM, "annee_naissance": "1960"})),
                                                                                            [401, 200, 200, 404, 403, 403, 403, 403, 401]),
        row(M::POST, "/beneficiaires/{id}/consentements",    Id::Beneficiaire, "", |_| Some(json!({"consentement": "agenda", "accorde": true})),
                                                                                            [401, 200, 200, 404, 403, 403, 403, 403, 401]),
        row(M::POST, "/beneficiaires/{id}/anonymisation",    Id::Beneficiaire, "", empty, [401, 200, 200, 404, 403, 403, 403, 403, 401]),
        row(M::POST, "/parcours",                            Id::None, "", |_| Some(intake_body("Nouvelle", 200, 5)),
                                                                                            [401, 201, 201, 201, 403, 403, 403, 403, 401]),
        row(M::GET,  "/parcours/{id}",                       Id::Parcours, "", none,      [401, 200, 200, 404, 403, 403, 403, 403, 401]),
        row(M::GET,  "/notice-information",                  Id::None, "", none,          [401, 200, 200, 200, 200, 200, 200, 200, 401]),
        row(M::GET,  "/notices",                             Id::None, "", none,          [401, 403, 403, 403, 403, 403, 403, 200, 401]),
        row(M::POST, "/notices",                             Id::None, "", |_| Some(json!({"version": "3", "titre": "Vos données", "texte": "## Qui ?\n\n{structure} garde vos données {duree}. ".repeat(8)})),
                                                                                            [401, 403, 403, 403, 403, 403, 403, 201, 401]),
        row(M::GET,  "/journal-acces",                       Id::None, "", none,          [401, 403, 200, 403, 403, 403, 403, 403, 401]),
        row(M::GET,  "/comptes",                             Id::None, "", none,          [401, 403, 200, 403, 403, 403, 403, 200, 401]),
        row(M::POST, "/comptes",                             Id::None, "", |f| Some(json!({"prenom": "Nouvel", "nom": "Agent", "email": "nouvel@exemple.fr", "role": "conseiller", "structure_id": f.structure})),
                                                                                            [401, 403, 201, 403, 403, 403, 403, 201, 401]),
        row(M::POST, "/comptes/{id}/invitation",             Id::Compte, "", empty,       [401, 403, 200, 403, 403, 403, 403, 200, 401]),
        row(M::POST, "/comptes/{id}/desactivation",          Id::Compte, "", empty,       [401, 403, 200, 403, 403, 403, 403, 200, 401]),
        row(M::POST, "/comptes/{id}/reactivation",           Id::Compte, "", empty,       [401, 403, 200, 403, 403, 403, 403, 200, 401]),
        row(M::GET,  "/structures",                          Id::None, "", none,          [401, 403, 403, 403, 403, 403, 403, 200, 401]),
        row(M::GET,  "/structures/fuseaux",                  Id::None, "", none,          [401, 403, 403, 403, 403, 403, 403, 200, 401]),
        row(M::PUT,  "/structures/{id}/fuseau",              Id::Structure, "", |_| Some(json!({"fuseau": ""})),
                                                                                            [401, 403, 403, 403, 403, 403, 403, 200, 401]),
        // The parcours wizard (issue 3): the fixture parcours is at its sessions, the first held.
        row(M::GET,  "/packs",                               Id::None, "", none,          [401, 200, 200, 200, 403, 403, 403, 403, 401]),
        row(M::PUT,  "/parcours/{id}/diagnostics/{moment}",  Id::Parcours, "", |_| Some(wizard::diagnostic_body()),
                                                                                            [401, 200, 200, 404, 403, 403, 403, 403, 401]),
        row(M::PUT,  "/parcours/{id}/pack-envisage",         Id::Parcours, "", |_| Some(json!({"pack": "competences_de_base"})),
                                                                                            [401, 409, 409, 404, 403, 403, 403, 403, 401]),
        row(M::PUT,  "/parcours/{id}/objectifs",             Id::Parcours, "", |f| Some(f.objectifs.clone()),
                                                                                            [401, 200, 200, 404, 403, 403, 403, 403, 401]),
        row(M::POST, "/parcours/{id}/planning/proposition",  Id::Parcours, "", |_| Some(json!({"frequence": "hebdomadaire", "premiere_date": wizard::iso(jour_ouvre_dans(30)), "heure": "10:00", "duree_minutes": "60", "type_lieu": "lieu_activite", "seances": []})),
                                                                                            [401, 200, 200, 404, 403, 403, 403, 403, 401]),
        row(M::PUT,  "/parcours/{id}/planning",              Id::Parcours, "", |_| Some(wizard::planning_body(&wizard::semaines_passees(5), "10:00")),
                                                                                            [401, 409, 409, 404, 403, 403, 403, 403, 401]),
        row(M::PUT,  "/parcours/{id}/bilan",                 Id::Parcours, "", |_| Some(json!({"objectifs_atteints": {}, "orientation": "", "recommandations": "Continuer."})),
                                                                                            [401, 409, 409, 404, 403, 403, 403, 403, 401]),
        row(M::POST, "/parcours/{id}/cloture",               Id::Parcours, "", empty,     [401, 409, 409, 404, 403, 403, 403, 403, 401]),
        row(M::POST, "/parcours/{id}/cloture-anticipee",     Id::Parcours, "", |_| Some(json!({"motif": "demenagement"})),
                                                                                            [401, 200, 200, 404, 403, 403, 403, 403, 401]),
        row(M::GET,  "/parcours/{id}/seances.ics",           Id::Parcours, "", none,      [401, 200, 200, 404, 403, 403, 403, 403, 401]),
        row(M::GET,  "/parcours/{id}/remplacement",          Id::Parcours, "", none,      [401, 200, 200, 404, 403, 403, 403, 403, 401]),
        row(M::POST, "/parcours/{id}/seances",               Id::Parcours, "", |_| Some(json!({"date": wizard::iso(jour_ouvre_dans(40)), "heure": "15:00"})),
                                                                                            [401, 409, 409, 404, 403, 403, 403, 403, 401]),
        row(M::POST, "/parcours/{id}/seances/tenue",         Id::Parcours, "", |f| Some(json!({"code": f.codes[1], "date": wizard::iso(today() - chrono::Duration::days(1)), "heure": "10:00"})),
                                                                                            [401, 200, 200, 404, 403, 403, 403, 403, 401]),
        row(M::POST, "/seances/{id}/tenue",                  Id::Seance, "", |f| Some(json!({"code": f.codes[1], "date": &f.seance["debut"].as_str().unwrap()[..10], "heure": &f.seance["debut"].as_str().unwrap()[11..16]})),
                                                                                            [401, 200, 200, 404, 403, 403, 403, 403, 401]),
        row(M::PUT,  "/seances/{id}/compte-rendu",           Id::SeanceTenue, "", |_| Some(json!({"thematiques": ["diagnostic_numerique"], "duree_minutes": "60"})),
                                                                                            [401, 200, 200, 404, 403, 403, 403, 403, 401]),
        row(M::POST, "/seances/{id}/absence",                Id::Seance, "", |_| Some(json!({"statut": "absente_excusee", "remplacement": false})),
                                                                                            [401, 200, 200, 404, 403, 403, 403, 403, 401]),
        row(M::POST, "/seances/{id}/remplacement",           Id::Seance, "", |_| Some(json!({"date": wizard::iso(jour_ouvre_dans(40)), "heure": "15:00"})),
                                                                                            [401, 409, 409, 404, 403, 403, 403, 403, 401]),
        row(M::PUT,  "/seances/{id}/date",                   Id::Seance, "", |_| Some(json!({"date": wizard::iso(jour_ouvre_dans(40)), "heure": "15:00"})),
                                                                                            [401, 200, 200, 404, 403, 403, 403, 403, 401]),
        row(M::POST, "/seances/{id}/annulation",             Id::SeanceTenue, "", |_| Some(json!({"motif": "Pass saisi par erreur."})),
                                                                                            [401, 200, 200, 404, 403, 403, 403, 403, 401]),
        // Activity statistics: each role its own scope (a commanditaire needs its organisation).
        row(M::GET,  "/statistiques",                        Id::None, "", none,          [401, 200, 200, 200, 403, 403, 200, 200, 401]),
        row(M::GET,  "/statistiques",                        Id::None, "?du=2027-03-01&au=2027-01-01", none,
                                                                                            [401, 422, 422, 422, 403, 403, 422, 422, 401]),
        // Exports in the Coop's formats: activities for those who accompany or follow a territory
        // (not a commanditaire: aggregates only), statistics for every scope, beneficiaries for
        // the coordinateur.
        row(M::GET,  "/exports/activites.xlsx",              Id::None, "", none,          [401, 200, 200, 200, 403, 403, 200, 200, 401]),
        row(M::GET,  "/exports/activites.csv",               Id::None, "", none,          [401, 200, 200, 200, 403, 403, 200, 200, 401]),
        row(M::GET,  "/exports/statistiques.xlsx",           Id::None, "", none,          [401, 200, 200, 200, 403, 403, 200, 200, 401]),
        row(M::GET,  "/exports/beneficiaires.xlsx",          Id::None, "", none,          [401, 403, 200, 403, 403, 403, 403, 403, 401]),
        // The read API for data consumers: API clients only (`Authorization: Bearer
        // <client_id>:<secret>`, see tests/api_clients.rs); no session opens it.
        row(M::GET,  "/donnees/activites",                   Id::None, "", none,          [401, 401, 401, 401, 401, 401, 401, 401, 401]),
        row(M::GET,  "/donnees/statistiques",                Id::None, "", none,          [401, 401, 401, 401, 401, 401, 401, 401, 401]),
        row(M::GET,  "/tableau-de-bord",                     Id::None, "", none,          [401, 200, 200, 200, 403, 403, 403, 403, 401]),
        // The beneficiary space (issue 6): the staff side of the personal link…
        row(M::GET,  "/parcours/{id}/lien",                  Id::Parcours, "", none,      [401, 200, 200, 404, 403, 403, 403, 403, 401]),
        row(M::POST, "/parcours/{id}/lien",                  Id::Parcours, "", empty,     [401, 200, 200, 404, 403, 403, 403, 403, 401]),
        row(M::DELETE, "/parcours/{id}/lien",                Id::Parcours, "", none,      [401, 200, 200, 404, 403, 403, 403, 403, 401]),
        // …and the public side: a session is no key, only the token (or the code) is.
        row(M::POST, "/espace/code",                         Id::None, "", |_| Some(json!({"code": "{code}"})),
                                                                                            [422, 422, 422, 422, 422, 422, 422, 422, 200]),
        // (the space's token in `Authorization: Bearer`, see `run_cell`)…
        row(M::GET,  "/espace",                              Id::None, "", none,          [404, 404, 404, 404, 404, 404, 404, 404, 200]),
        row(M::POST, "/espace/seances/{id}/absence",         Id::SeanceFuture, "", empty, [404, 404, 404, 404, 404, 404, 404, 404, 200]),
        row(M::POST, "/espace/rappels/arret",                Id::None, "", empty,         [404, 404, 404, 404, 404, 404, 404, 404, 200]),
        // …and the calendar, by its own token in the path (the feed is `{token}.ics`).
        row(M::GET,  "/agenda/{token}",                      Id::None, ".ics", none,      [404, 404, 404, 404, 404, 404, 404, 404, 200]),
        row(M::GET,  "/agenda/{token}/seances.ics",          Id::None, "", none,          [404, 404, 404, 404, 404, 404, 404, 404, 200]),
        row(M::POST, "/parcours/{id}/lien/agenda",           Id::Parcours, "", empty,     [401, 200, 200, 404, 403, 403, 403, 403, 401]),
        row(M::DELETE, "/parcours/{id}/lien/agenda",         Id::Parcours, "", none,      [401, 200, 200, 404, 403, 403, 403, 403, 401]),
        // Session reminders (issue 16): their state per session, the failures, the structure's choice.
        row(M::GET,  "/parcours/{id}/rappels",               Id::Parcours, "", none,      [401, 200, 200, 404, 403, 403, 403, 403, 401]),
        row(M::GET,  "/rappels/echecs",                      Id::None, "", none,          [401, 403, 200, 403, 403, 403, 403, 403, 401]),
        row(M::GET,  "/structure/rappels",                   Id::None, "", none,          [401, 200, 200, 200, 403, 403, 403, 403, 401]),
        // The conseiller's day: the printable list, and the morning e-mail asked for in « Mon compte ».
        row(M::GET,  "/journee",                             Id::None, "", none,          [401, 200, 200, 200, 403, 403, 403, 403, 401]),
        row(M::GET,  "/compte/journee",                      Id::None, "", none,          [401, 200, 200, 200, 403, 403, 403, 403, 401]),
        row(M::PUT,  "/compte/journee",                      Id::None, "", |_| Some(json!({"email_du_matin": true})),
                                                                                            [401, 200, 200, 200, 403, 403, 403, 403, 401]),
        row(M::GET,  "/structure/coordonnees",               Id::None, "", none,          [401, 200, 200, 200, 403, 403, 403, 403, 401]),
        row(M::PUT,  "/structure/coordonnees",               Id::None, "", |_| Some(json!({"telephone": "02 98 00 89 30", "adresse": "25 rue de Pierre Loti, 29200 Brest"})),
                                                                                            [401, 403, 200, 403, 403, 403, 403, 403, 401]),
        row(M::PUT,  "/structure/rappels",                   Id::None, "", |_| Some(json!({"delai": "24h"})),
                                                                                            [401, 403, 200, 403, 403, 403, 403, 403, 401]),
        // Venues (issue 5). Everyone signed in reads the map and the venues; hubs (their
        // territory) and administrators import, edit and follow candidates.
        row(M::GET,  "/lieux",                               Id::None, "", none,          [401, 200, 200, 200, 200, 200, 200, 200, 401]),
        row(M::GET,  "/lieux/carte",                         Id::None, "?zoom=6&ouest=-5&sud=42&est=9&nord=51", none,
                                                                                            [401, 200, 200, 200, 200, 200, 200, 200, 401]),
        row(M::GET,  "/lieux/carte/config",                  Id::None, "", none,          [401, 200, 200, 200, 200, 200, 200, 200, 401]),
        row(M::GET,  "/lieux/territoire",                    Id::None, "", none,          [401, 200, 200, 200, 200, 200, 200, 200, 401]),
        row(M::GET,  "/lieux/couverture",                    Id::None, "", none,          [401, 403, 403, 403, 403, 403, 200, 200, 401]),
        row(M::GET,  "/lieux/export.csv",                    Id::None, "", none,          [401, 403, 403, 403, 403, 403, 200, 200, 401]),
        row(M::POST, "/lieux/imports",                       Id::None, "?fichier=vide.csv", empty,
                                                                                            [401, 403, 403, 403, 403, 403, 202, 202, 401]),
        row(M::GET,  "/lieux/imports/{id}",                  Id::Import, "", none,        [401, 404, 404, 404, 404, 404, 404, 200, 401]),
        row(M::GET,  "/lieux/{id}",                          Id::Lieu, "", none,          [401, 200, 200, 200, 200, 200, 200, 200, 401]),
        row(M::POST, "/lieux/{id}/pass",                     Id::Lieu, "", |_| Some(json!({"accepte": true, "operateur": "Opérateur", "note": "convention"})),
                                                                                            [401, 403, 403, 403, 403, 403, 200, 200, 401]),
        row(M::GET,  "/lieux/candidats",                     Id::None, "", none,          [401, 200, 200, 200, 403, 403, 200, 200, 401]),
        row(M::POST, "/lieux/candidats",                     Id::None, "", |_| Some(candidat_body()),
                                                                                            [401, 201, 201, 201, 403, 403, 201, 201, 401]),
        row(M::GET,  "/lieux/candidats/{id}",                Id::Candidat, "", none,      [401, 200, 200, 404, 403, 403, 200, 200, 401]),
        row(M::POST, "/lieux/candidats/{id}/etapes",         Id::Candidat, "", |_| Some(json!({"statut": "contacte", "note": "premier appel"})),
                                                                                            [401, 403, 403, 404, 403, 403, 200, 200, 401]),
        row(M::GET,  "/parcours/{id}/orientation",           Id::Parcours, "", none,      [401, 200, 200, 404, 403, 403, 403, 403, 401]),
    ]
}

/// One precomputed hash for every fixture account: argon2 per account would dominate the run.
fn shared_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| auth::hash_password(PW).unwrap())
}

struct Fixture {
    app: TestApp,
    structure: i64,
    conseiller_email: String,
    beneficiaire: i64,
    parcours: i64,
    compte: i64,
    invitation_token: String,
    users: Vec<(Who, i64)>,
    codes: Vec<String>,
    seance: Value,
    seance_tenue: Value,
    seance_future: i64,
    objectifs: Value,
    lieu: i64,
    import: i64,
    candidat: i64,
    /// The fixture person's personal link: its token and short code, and its calendar's token.
    token: String,
    code: String,
    agenda: String,
}

impl Fixture {
    /// `lieux`: also import venues and report a candidate (only the venue rows need them: an
    /// import per cell would make the table slow).
    async fn new(lieux: bool) -> Fixture {
        let app = common::mail::app_with_mail_config(Config::default()).await;
        let now = app.clock.now();
        let a = app.create_structure("Structure A").await;
        let b = app.create_structure("Structure B").await;
        let mut ids = Vec::new();
        for (who, email, role, structure) in [
            (Who::Conseiller, "conseiller@a.fr", Role::Conseiller, Some(a)),
            (Who::Coordinateur, "coordinateur@a.fr", Role::Coordinateur, Some(a)),
            (Who::AutreStructure, "conseiller@b.fr", Role::Conseiller, Some(b)),
            (Who::Commanditaire, "commanditaire@x.fr", Role::Commanditaire, None),
            (Who::Operateur, "operateur@x.fr", Role::Operateur, None),
            (Who::Hub, "hub@x.fr", Role::Hub, None),
            (Who::Admin, "admin@x.fr", Role::Admin, None),
        ] {
            let id = users::create_user(
                &app.db,
                &users::NewUser {
                    email,
                    password_hash: shared_hash(),
                    prenom: "Test",
                    nom: "Utilisateur",
                    role,
                    structure_id: structure,
                },
                now,
            )
            .await
            .unwrap();
            ids.push((who, id));
        }
        let mut fx = Fixture {
            app,
            structure: a,
            conseiller_email: "conseiller@a.fr".into(),
            beneficiaire: 0,
            parcours: 0,
            compte: 0,
            invitation_token: String::new(),
            users: ids,
            codes: Vec::new(),
            seance: Value::Null,
            seance_tenue: Value::Null,
            seance_future: 0,
            objectifs: Value::Null,
            lieu: 0,
            import: 0,
            candidat: 0,
            token: String::new(),
            agenda: String::new(),
            code: String::new(),
        };
        // The fixture person, recorded by the conseiller through the real intake.
        let cookie = fx.cookie(Who::Conseiller).await.unwrap();
        let mut body = wizard::intake_passe(PRENOM, 100, 5);
        body["information"] =
            json!({"notice_id": 1, "notice_remise": true, "rappels": true, "telephone": TELEPHONE, "agenda": true});
        fx.codes = body["codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect();
        fx.parcours = fx.app.intake(&cookie, body).await;
        // Taken to its sessions (a weekly schedule already lived), the first one held.
        wizard::diagnostic(&fx.app, &cookie, fx.parcours).await;
        fx.objectifs = wizard::objectifs_body(&fx.app, &cookie, "competences_de_base", 5).await;
        let r =
            wizard::put(&fx.app, &format!("/api/v1/parcours/{}/objectifs", fx.parcours), fx.objectifs.clone(), &cookie)
                .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let planning = wizard::planning_body(&wizard::semaines_passees(5), "10:00");
        let r = wizard::put(&fx.app, &format!("/api/v1/parcours/{}/planning", fx.parcours), planning, &cookie).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let seances = wizard::seances(&wizard::dossier(&fx.app, &cookie, fx.parcours).await);
        let r = wizard::tenir(&fx.app, &cookie, &seances[0], &fx.codes[0]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        fx.seance_tenue = seances[0].clone();
        fx.seance = seances[1].clone();
        if lieux {
            fx.add_lieux(&cookie).await;
        }
        fx.seance_future = seances[4]["id"].as_i64().unwrap();
        let debut = now + chrono::Duration::days(10);
        on!(fx.app.db.acquire().await.unwrap(), |cx| sqlx::query(
            "UPDATE seances SET debut = $1, fin = $2 WHERE id = $3"
        )
        .bind(debut)
        .bind(debut + chrono::Duration::hours(1))
        .bind(fx.seance_future)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))
        .unwrap();
        let r = fx.app.post(&format!("/api/v1/parcours/{}/lien", fx.parcours), json!({}), &cookie).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        fx.token = r.body["url"].as_str().unwrap().split_once('#').unwrap().1.to_string();
        fx.code = r.body["code"].as_str().unwrap().to_string();
        let r = fx.app.porteur(Method::GET, "/api/v1/espace", &fx.token, None).await;
        let ics = r.body["ics"].as_str().unwrap_or_else(|| panic!("{}", r.text));
        fx.agenda = ics.trim_start_matches("/api/v1/agenda/").trim_end_matches("/seances.ics").to_string();
        let (bid,): (i64,) = on!(fx.app.db.acquire().await.unwrap(), |cx| sqlx::query_as(
            "SELECT beneficiaire_id FROM parcours WHERE id = $1"
        )
        .bind(fx.parcours)
        .fetch_one(cx)
        .await)
        .unwrap();
        fx.beneficiaire = bid;
        // An invited account of structure A, and its link.
        let mut tx = fx.app.db.begin().await.unwrap();
        fx.compte = comptes::create_invited(&mut tx, "invite@a.fr", "Invité", "A", Role::Conseiller, Some(a), now)
            .await
            .unwrap();
        fx.invitation_token =
            comptes::create_token(&mut tx, fx.compte, ObjetJeton::Invitation, None, now, chrono::Duration::days(7))
                .await
                .unwrap();
        tx.commit().await.unwrap();
        fx
    }

    async fn add_lieux(&mut self, cookie: &str) {
        // Venues (issue 5): the hub covers the Finistère and the Marne; the administrator imports
        // the standard's example file; the conseiller reports a candidate venue in Brest.
        let hub = self.users.iter().find(|(w, _)| *w == Who::Hub).unwrap().1;
        territoires::set(&self.app.db, hub, &["29".to_string(), "51".to_string()]).await.unwrap();
        let admin = self.cookie(Who::Admin).await.unwrap();
        let req = axum::http::Request::builder()
            .method(Method::POST)
            .uri("/api/v1/lieux/imports?fichier=lieux.csv")
            .header(axum::http::header::COOKIE, &admin)
            .header(axum::http::header::CONTENT_TYPE, "text/csv")
            .body(axum::body::Body::from(EXEMPLE_LIEUX))
            .unwrap();
        let r = self.app.send(req).await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
        self.import = r.body["id"].as_i64().unwrap();
        for _ in 0..400 {
            if self.app.get(&format!("/api/v1/lieux/imports/{}", self.import), &admin).await.body["etat"] != "en_cours"
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        let r = self.app.get("/api/v1/lieux", &admin).await;
        self.lieu = r.body["items"][0]["id"].as_i64().unwrap_or_else(|| panic!("no venue: {}", r.text));
        let r = self.app.post("/api/v1/lieux/candidats", candidat_body(), cookie).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        self.candidat = r.body["id"].as_i64().unwrap();
    }

    /// A session for `who`, written directly (no argon2 per cell).
    async fn cookie(&self, who: Who) -> Option<String> {
        let (_, user) = self.users.iter().find(|(w, _)| *w == who)?;
        let (token, hash) = auth::new_token();
        users::create_session(&mut self.app.db.acquire().await.unwrap(), &hash, *user, self.app.clock.now())
            .await
            .unwrap();
        Some(format!("{}={token}", auth::COOKIE_NAME))
    }

    fn path(&self, row: &Row, who: Who) -> String {
        let id = match row.id {
            Id::None => 0,
            Id::Beneficiaire => self.beneficiaire,
            Id::Parcours => self.parcours,
            Id::Compte => self.compte,
            Id::Seance => self.seance["id"].as_i64().unwrap(),
            Id::SeanceTenue => self.seance_tenue["id"].as_i64().unwrap(),
            Id::Lieu => self.lieu,
            Id::Import => self.import,
            Id::Candidat => self.candidat,
            Id::SeanceFuture => self.seance_future,
            Id::Structure => self.structure,
        };
        // Everyone but the token holder tries a well-formed token that opens nothing.
        let token = match who {
            Who::Beneficiaire if row.path.starts_with("/agenda/") => self.agenda.clone(),
            Who::Beneficiaire => self.token.clone(),
            _ => "A".repeat(43),
        };
        let path = row.path.replace("{id}", &id.to_string()).replace("{moment}", "initial").replace("{token}", &token);
        format!("/api/v1{path}{}", row.query)
    }
}

struct Outcome {
    status: u16,
    problems: Vec<String>,
}

async fn run_cell(fx: &Fixture, row: &Row, who: Who) -> Outcome {
    let cookie = fx.cookie(who).await;
    let path = fx.path(row, who);
    let journal_before = fx.app.count("journal_acces").await;
    let body = (row.body)(fx).or_else(|| (row.method == Method::POST).then(|| json!({})));
    let code = if who == Who::Beneficiaire { fx.code.as_str() } else { "ZZZZ-ZZZZ" };
    let body = body.map(|b| serde_json::from_str(&b.to_string().replace("{code}", code)).unwrap());
    // The space's token goes in `Authorization: Bearer` (a well-formed one opening nothing for
    // all but its holder).
    let espace = row.path.starts_with("/espace") && row.path != "/espace/code";
    let bearer = match who {
        Who::Beneficiaire => fx.token.clone(),
        _ => "A".repeat(43),
    };
    let r =
        fx.app.request_as(row.method.clone(), &path, body, cookie.as_deref(), espace.then_some(bearer.as_str())).await;
    let journal_after = fx.app.count("journal_acces").await;
    let mut problems = Vec::new();
    let shows_identity = r.text.contains(PRENOM) || r.text.contains(TELEPHONE);
    // The person reading their own space is not a staff read of their identity.
    if shows_identity && journal_after == journal_before && who != Who::Beneficiaire {
        problems.push("shows the person's identity but wrote no access-journal line".to_string());
    }
    if shows_identity && !(200..300).contains(&r.status.as_u16()) {
        problems.push("an error answer shows the person's identity".to_string());
    }
    if !r.status.is_success() && journal_after != journal_before {
        problems.push("a refused request wrote an access-journal line".to_string());
    }
    if r.status == StatusCode::INTERNAL_SERVER_ERROR {
        problems.push(format!("server error: {}", r.text));
    }
    // The data consumers' API answers in JSON:API form: `errors[].detail`.
    let message = r.body["error"].as_str().or_else(|| r.body["errors"][0]["detail"].as_str());
    if !r.status.is_success() && message.is_none_or(str::is_empty) {
        problems.push(format!("error answer not in the JSON format: {}", r.text));
    }
    Outcome { status: r.status.as_u16(), problems }
}

/// The cells that can share one fixture, run one after the other on it: a read changes nothing
/// another column's answer depends on, and neither does a refused write; a write that succeeds
/// gets a fixture of its own.
fn groupes(rows: &[Row]) -> Vec<(usize, Vec<usize>)> {
    let mut groupes = Vec::new();
    for (r, row) in rows.iter().enumerate() {
        let columns = 0..COLUMNS.len();
        if row.method == Method::GET {
            groupes.push((r, columns.collect()));
            continue;
        }
        let (reussies, refusees): (Vec<usize>, Vec<usize>) =
            columns.partition(|&i| (200..300).contains(&row.expect[i]));
        if !refusees.is_empty() {
            groupes.push((r, refusees));
        }
        groupes.extend(reussies.into_iter().map(|i| (r, vec![i])));
    }
    groupes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_role_gets_the_expected_status_from_every_endpoint() {
    let rows = std::sync::Arc::new(table());
    // Groups are independent (each on its own fresh database): several at a time.
    let limit = std::sync::Arc::new(tokio::sync::Semaphore::new(6));
    let mut cells = tokio::task::JoinSet::new();
    let total = rows.len() * COLUMNS.len();
    for (r, columns) in groupes(&rows) {
        let (rows, limit) = (rows.clone(), limit.clone());
        cells.spawn(async move {
            let _permit = limit.acquire_owned().await.unwrap();
            let row = &rows[r];
            let fx = Fixture::new(row.path.starts_with("/lieux")).await;
            let mut failures = Vec::new();
            for i in columns {
                let who = COLUMNS[i];
                let out = run_cell(&fx, row, who).await;
                if out.status != row.expect[i] {
                    failures.push(format!(
                        "{} {} as {:?}: expected {}, got {}",
                        row.method, row.path, who, row.expect[i], out.status
                    ));
                }
                for p in out.problems {
                    failures.push(format!("{} {} as {:?}: {p}", row.method, row.path, who));
                }
            }
            failures
        });
    }
    let mut failures = Vec::new();
    while let Some(f) = cells.join_next().await {
        failures.extend(f.expect("a cell panicked"));
    }
    failures.sort();
    assert!(failures.is_empty(), "{} of {total} cells wrong:\n{}", failures.len(), failures.join("\n"));
}

/// The API's source files, sub-folders included.
fn api_sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            api_sources(&path, out);
        } else if path.extension().and_then(|e| e.to_str()) == Some("rs") {
            out.push(path);
        }
    }
}

/// `(method, path)` of every `.route(...)` in the API's sources.
fn routes_in_sources() -> Vec<(String, String)> {
    let mut files = Vec::new();
    api_sources(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api"), &mut files);
    let mut out = Vec::new();
    for path in files {
        let src = std::fs::read_to_string(&path).unwrap();
        let mut rest = src.as_str();
        while let Some(at) = rest.find(".route(") {
            rest = &rest[at + ".route(".len()..];
            let Some(open) = rest.find('"') else { break };
            let after = &rest[open + 1..];
            let close = after.find('"').unwrap();
            let route = after[..close].to_string();
            // The method router: up to the parenthesis closing `.route(`.
            let mut depth = 1;
            let mut end = 0;
            for (i, c) in rest.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            end = i;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let methods = &rest[open + close + 2..end];
            for m in ["get", "post", "put", "patch", "delete"] {
                let needle = format!("{m}(");
                let found = methods
                    .match_indices(&needle)
                    .any(|(i, _)| i == 0 || !methods[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_'));
                if found {
                    out.push((m.to_uppercase(), route.clone()));
                }
            }
        }
    }
    out.sort();
    out
}

#[test]
fn the_table_lists_every_route_of_the_api() {
    let routes = routes_in_sources();
    assert!(routes.len() >= 20, "the route scan found too little: {routes:?}");
    let mut in_table: Vec<(String, String)> =
        table().iter().map(|r| (r.method.to_string(), r.path.to_string())).collect();
    in_table.sort();
    // The ledger's endpoints (issue 4) have their own role × action table, on its own world of
    // orders and organisations: `ledger_roles.rs` (none of their answers names a beneficiary).
    let ledger_table =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ledger_roles.rs"))
            .unwrap();
    let in_ledger_table = |path: &str| ledger_table.contains(&format!("\"/api/v1{path}\""));
    let missing: Vec<_> = routes.iter().filter(|r| !in_table.contains(r) && !in_ledger_table(&r.1)).collect();
    let stale: Vec<_> = in_table.iter().filter(|r| !routes.contains(r)).collect();
    assert!(missing.is_empty(), "endpoints without a line in roles.rs table(): {missing:?}");
    assert!(stale.is_empty(), "lines of roles.rs table() for routes that no longer exist: {stale:?}");
}
