//! The read API for data consumers (a hub, a département's observatory, the State's data
//! warehouse): `GET /api/v1/donnees/activites` and `GET /api/v1/donnees/statistiques`, in JSON:API
//! form, for API clients only (`Authorization: Bearer <client_id>:<secret>`, see
//! `crate::clients_api`); a staff session opens nothing here.
//!
//! Anonymised: an activity carries counts of its beneficiaries by genre, age band and statut,
//! never who they are (no name, year of birth, commune of residence, notes, nor any id that
//! would link a person's sessions). Attribute names are the Coop's API's where the meaning is
//! the same. Every call of a client is journalled (`journal_clients_api`), refused ones too.
//!
//! Activities are walked in the order of their last change, then id, ascending: a row added or
//! changed during a walk comes (again) at its end, so a consumer that keeps the last `next` link
//! (or the last `modification` seen, for `filter[modification][depuis]`) misses nothing.

use crate::api::exports::premier_code_postal;
use crate::api::statistiques::{calculer, date_locale, Contexte};
use crate::clients_api::{self, Refus, Scope};
use crate::error::{AppError, AppResult, JSON_API};
use crate::store::clients_api::{self as store_clients, Appel, Client};
use crate::store::packs::split_list;
use crate::store::statistiques::{self as store, Activite, Curseur, Portee};
use crate::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine;
use carnet_domain::api::FieldErrors;
use carnet_domain::coop::{self, Vocabulaire};
use carnet_domain::fuseau::Calendrier;
use carnet_domain::statistiques::{self as regles, encoder, FiltresStatistiques, Statistiques};
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, SecondsFormat, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use subtle::ConstantTimeEq;

pub fn router() -> Router<AppState> {
    Router::new().route("/donnees/activites", get(activites)).route("/donnees/statistiques", get(statistiques))
}

const ROUTE_ACTIVITES: &str = "/api/v1/donnees/activites";
const ROUTE_STATISTIQUES: &str = "/api/v1/donnees/statistiques";

/// Rows per page unless `page[size]` says otherwise, and the most it may say.
pub const TAILLE_PAGE_DEFAUT: u32 = 100;
pub const TAILLE_PAGE_MAX: u32 = 500;

/// The API client of this request. Rejections answer in JSON:API form: 401 for missing,
/// unreadable, unknown, revoked or expired credentials.
pub struct ClientApi(pub Client);

impl FromRequestParts<AppState> for ClientApi {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let authorization = match parts.headers.get(header::AUTHORIZATION) {
            None => None,
            // A header that is not text reads as malformed.
            Some(v) => Some(v.to_str().unwrap_or("")),
        };
        let aujourdhui = carnet_domain::paris::today(state.clock.now());
        let mut conn = state.db.acquire().await.map_err(|e| AppError::from(e).json_api())?;
        let refus = match clients_api::authentifier(&mut conn, authorization, aujourdhui)
            .await
            .map_err(|e| AppError::from(e).json_api())?
        {
            Ok(client) => return Ok(ClientApi(client)),
            Err(refus) => refus,
        };
        let message = match refus {
            Refus::Absent => "Authentification requise : envoyez l'en-tête « Authorization: Bearer <client_id>:<secret> » \
                                   avec les identifiants de votre client d'API."
                .to_string(),
            Refus::Malforme => {
                "En-tête Authorization illisible : attendu « Bearer <client_id>:<secret> », tel qu'affiché à la création \
                 du client d'API."
                    .to_string()
            }
            Refus::Inconnu => "Client d'API inconnu, ou secret erroné.".to_string(),
            Refus::Revoque => {
                "Ce client d'API a été révoqué : demandez-en un nouveau à l'administrateur de Carnet.".to_string()
            }
            Refus::Expire(fin) => format!(
                "Ce client d'API n'est plus valable depuis le {} : demandez-en un nouveau à l'administrateur de Carnet.",
                (fin + chrono::Duration::days(1)).format("%d/%m/%Y")
            ),
        };
        tracing::warn!(?refus, "client d'API refusé");
        Err(AppError::UnauthorizedBecause(message).json_api())
    }
}

/// A JSON:API document of resources of one type.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Document<A> {
    pub data: Vec<Ressource<A>>,
    pub links: Liens,
    pub meta: Meta,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Ressource<A> {
    #[serde(rename = "type")]
    pub type_: &'static str,
    pub id: String,
    /// None for a withdrawn activity, which only says so (`meta`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<A>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<MetaRessource>,
}

/// What a resource says of itself beside its attributes.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MetaRessource {
    /// The activity is no longer one (its session was held, then its pass validation was
    /// cancelled): a client that received it removes it.
    pub retiree: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Liens {
    #[serde(rename = "self")]
    pub self_: String,
    /// The next page; null on the last one.
    pub next: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Meta {
    /// Rows matching the filters, over all pages.
    pub total_count: i64,
    pub items_per_page: u32,
    pub has_next_page: bool,
}

/// An accompaniment, anonymised, with the Coop API's attribute names, then Carnet's own.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AttributsActivite {
    /// `individuel`: a Carnet session is one person's.
    #[serde(rename = "type")]
    pub type_: &'static str,
    /// The conseiller's user id.
    pub mediateur_id: i64,
    /// People accompanied: 1.
    pub accompagnements: u32,
    /// The day, in the structure's zone.
    pub date: NaiveDate,
    /// Minutes: the report's, else the planned ones.
    pub duree: u32,
    pub type_lieu: String,
    pub structure_id: i64,
    /// The place's commune, for a session at the structure's place (none at home or at a
    /// distance: the person's commune stays out of this API).
    pub lieu_code_postal: Option<String>,
    pub lieu_commune: Option<String>,
    pub lieu_code_insee: Option<String>,
    pub creation: DateTime<Utc>,
    pub modification: DateTime<Utc>,
    pub autonomie: Option<String>,
    pub materiel: Vec<String>,
    pub thematiques: Vec<String>,
    pub beneficiaires: BeneficiairesActivite,
    /// The session's number in its parcours.
    pub numero_seance: Option<i64>,
    /// Whether the session consumed a pass.
    pub pass_consomme: bool,
}

/// Counts only: every value of the Coop's lists, zeros included.
#[derive(Serialize, utoipa::ToSchema)]
pub struct BeneficiairesActivite {
    pub total: u32,
    pub genres: BTreeMap<&'static str, u32>,
    pub tranches_age: BTreeMap<&'static str, u32>,
    pub statuts: BTreeMap<&'static str, u32>,
}

/// A value of `vocabulaire`, else « non communiqué ».
fn connu(vocabulaire: Vocabulaire, valeur: Option<&str>) -> &str {
    valeur.filter(|v| coop::contains(vocabulaire, v)).unwrap_or("non_communique")
}

/// One person in a count per value of `vocabulaire`.
fn compte(vocabulaire: Vocabulaire, valeur: &str) -> BTreeMap<&'static str, u32> {
    vocabulaire.iter().map(|(v, _)| (*v, u32::from(*v == valeur))).collect()
}

fn attributs(a: &Activite) -> AttributsActivite {
    let date = date_locale(a);
    let au_lieu = a.type_lieu == "lieu_activite";
    AttributsActivite {
        type_: "individuel",
        mediateur_id: a.conseiller_id,
        accompagnements: 1,
        date,
        duree: a.duree_minutes(),
        type_lieu: a.type_lieu.clone(),
        structure_id: a.structure_id,
        lieu_code_postal: au_lieu
            .then(|| premier_code_postal(&a.structure_codes_postaux).map(str::to_string))
            .flatten(),
        lieu_commune: au_lieu.then(|| a.structure_commune.clone()).flatten(),
        lieu_code_insee: au_lieu.then(|| a.structure_commune_insee.clone()).flatten(),
        creation: a.created_at,
        modification: a.updated_at,
        autonomie: a.cr_autonomie.clone(),
        materiel: split_list(a.cr_materiel.as_deref().unwrap_or("")),
        thematiques: split_list(a.cr_thematiques.as_deref().unwrap_or("")),
        beneficiaires: BeneficiairesActivite {
            total: 1,
            genres: compte(coop::GENRE, connu(coop::GENRE, a.genre.as_deref())),
            // The age at the session (not today): an activity's record does not age.
            tranches_age: compte(
                coop::TRANCHE_AGE,
                regles::tranche_age_retenue(a.annee_naissance.map(|y| y as i32), a.tranche_age.as_deref(), date.year()),
            ),
            statuts: compte(coop::STATUT_SOCIAL, connu(coop::STATUT_SOCIAL, a.statut_social.as_deref())),
        },
        numero_seance: a.numero,
        pass_consomme: a.pass_valeur_centimes.is_some(),
    }
}

/// A JSON:API answer.
fn reponse<T: Serialize>(doc: T) -> Response {
    let mut r = Json(doc).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_API));
    r
}

/// The query's parameters, each once, each among `connus`. Errors name the parameter.
fn parametres(
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    connus: &[&str],
) -> AppResult<BTreeMap<String, String>> {
    let Query(paires) = query.map_err(AppError::from)?;
    let mut out = BTreeMap::new();
    let mut erreurs = FieldErrors::new();
    for (cle, valeur) in paires {
        if !connus.contains(&cle.as_str()) {
            erreurs.insert(cle, format!("Paramètre inconnu ; possibles : {}.", connus.join(", ")));
        } else if out.insert(cle.clone(), valeur).is_some() {
            erreurs.insert(cle, "Paramètre donné plusieurs fois.".into());
        }
    }
    if erreurs.is_empty() {
        Ok(out)
    } else {
        Err(AppError::Validation(erreurs))
    }
}

/// The scope of a client: its territory, or all of France.
fn portee(client: &Client) -> Portee {
    match clients_api::departements(client) {
        Some(deps) => Portee::Territoire(deps),
        None => Portee::Tout,
    }
}

fn exiger(client: &Client, scope: Scope) -> AppResult<()> {
    if clients_api::scopes(client).contains(&scope) {
        Ok(())
    } else {
        Err(AppError::ForbiddenBecause(format!(
            "Ce client d'API n'a pas le droit « {} » : demandez-le à l'administrateur de Carnet.",
            scope.code()
        )))
    }
}

/// Journals the call, then answers (nothing is sent that the journal does not hold).
async fn journaliser(
    state: &AppState,
    client: &Client,
    route: &str,
    parametres: &str,
    resultat: AppResult<(Response, i64)>,
) -> Response {
    let (reponse, lignes) = match resultat {
        Ok(r) => r,
        Err(e) => (e.json_api().into_response(), 0),
    };
    let appel = Appel {
        at: state.clock.now(),
        client: client.id,
        route,
        parametres,
        statut: reponse.status().as_u16(),
        lignes,
    };
    let ecrit = match state.db.acquire().await {
        Ok(mut conn) => store_clients::journaliser(&mut conn, &appel).await,
        Err(e) => Err(e),
    };
    match ecrit {
        Ok(()) => reponse,
        Err(e) => AppError::from(e).json_api().into_response(),
    }
}

/// The parameters as journalled: decoded, `k=v` joined by `&`.
fn texte_parametres(query: &Result<Query<Vec<(String, String)>>, QueryRejection>) -> String {
    match query {
        Ok(Query(p)) => p.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&"),
        Err(_) => "(illisibles)".into(),
    }
}

const PAGE_SIZE: &str = "page[size]";
const PAGE_AFTER: &str = "page[after]";
const DEPUIS: &str = "filter[modification][depuis]";

#[utoipa::path(
    get,
    path = "/api/v1/donnees/activites",
    tag = "donnees_api",
    params(
        ("page[size]" = Option<u32>, Query, description = "Lignes par page, 500 au plus (100 par défaut)"),
        ("page[after]" = Option<String>, Query, description = "Le curseur de `links.next`"),
        ("filter[modification][depuis]" = Option<String>, Query, description = "Date-heure ISO 8601 : les activités modifiées depuis")
    ),
    responses((status = 200, description = "Une page d'activités anonymisées (JSON:API)", content((Document<AttributsActivite> = "application/vnd.api+json")))),
    security(("client_api" = []))
)]
async fn activites(
    State(state): State<AppState>,
    ClientApi(client): ClientApi,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let texte = texte_parametres(&query);
    let resultat = page_activites(&state, &client, query).await;
    journaliser(&state, &client, ROUTE_ACTIVITES, &texte, resultat).await
}

async fn page_activites(
    state: &AppState,
    client: &Client,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> AppResult<(Response, i64)> {
    exiger(client, Scope::Activites)?;
    let p = parametres(query, &[PAGE_SIZE, PAGE_AFTER, DEPUIS])?;
    let mut erreurs = FieldErrors::new();
    let taille = match p.get(PAGE_SIZE).map(|t| t.trim()) {
        None => TAILLE_PAGE_DEFAUT,
        Some(t) => match t.parse::<u32>() {
            Ok(n) if (1..=TAILLE_PAGE_MAX).contains(&n) => n,
            _ => {
                erreurs.insert(
                    PAGE_SIZE.into(),
                    format!(
                        "La taille de page (page[size]) est un nombre entier de 1 à {TAILLE_PAGE_MAX} ; \
                         {TAILLE_PAGE_DEFAUT} sans ce paramètre."
                    ),
                );
                0
            }
        },
    };
    let apres = match p.get(PAGE_AFTER) {
        None => None,
        Some(c) => match lire_curseur(state, c) {
            Some(c) => Some(c),
            None => {
                erreurs.insert(
                    PAGE_AFTER.into(),
                    "Curseur (page[after]) illisible ou altéré : reprenez au lien « links.next » de la page précédente."
                        .into(),
                );
                None
            }
        },
    };
    let depuis = match p.get(DEPUIS) {
        None => None,
        Some(t) => match lire_instant(t) {
            Some(d) => Some(d),
            None => {
                erreurs.insert(
                    DEPUIS.into(),
                    "Date invalide (filter[modification][depuis]) : attendu une date-heure ISO 8601 \
                     (2027-03-01T08:00:00Z) ou une date (2027-03-01, minuit à Paris), entre 2000 et 2100."
                        .into(),
                );
                None
            }
        },
    };
    if !erreurs.is_empty() {
        return Err(AppError::Validation(erreurs));
    }
    let portee = portee(client);
    let mut tx = state.db.begin().await?;
    let total = store::nombre_activites_modifiees(&mut tx, &portee, depuis).await?;
    let mut rows = store::activites_modifiees(&mut tx, &portee, depuis, apres, taille + 1).await?;
    tx.commit().await?;
    let suivante = rows.len() > taille as usize;
    rows.truncate(taille as usize);
    let lien = |apres: Option<Curseur>| {
        let mut q = vec![format!("{}={taille}", encoder(PAGE_SIZE))];
        if let Some(c) = apres {
            q.push(format!("{}={}", encoder(PAGE_AFTER), ecrire_curseur(state, c)));
        }
        if let Some(d) = p.get(DEPUIS) {
            q.push(format!("{}={}", encoder(DEPUIS), encoder(d.trim())));
        }
        format!("{ROUTE_ACTIVITES}?{}", q.join("&"))
    };
    let next = match rows.last() {
        Some(dernier) if suivante => Some(lien(Some((dernier.updated_at, dernier.id)))),
        _ => None,
    };
    let doc = Document {
        links: Liens { self_: lien(apres), next },
        meta: Meta { total_count: total, items_per_page: taille, has_next_page: suivante },
        data: rows
            .iter()
            .map(|a| match a.statut.as_str() {
                "tenue" => {
                    Ressource { type_: "activite", id: a.id.to_string(), attributes: Some(attributs(a)), meta: None }
                }
                _ => Ressource {
                    type_: "activite",
                    id: a.id.to_string(),
                    attributes: None,
                    meta: Some(MetaRessource { retiree: true }),
                },
            })
            .collect(),
    };
    let lignes = doc.data.len() as i64;
    Ok((reponse(doc), lignes))
}

/// An instant in RFC 3339, or a day (midnight in Paris), between 2000 and 2100.
fn lire_instant(texte: &str) -> Option<DateTime<Utc>> {
    let t = texte.trim();
    let instant = match DateTime::parse_from_rfc3339(t) {
        Ok(d) => d.with_timezone(&Utc),
        Err(_) => {
            let jour = NaiveDate::parse_from_str(t, "%Y-%m-%d").ok()?;
            Calendrier::pour(None, None).to_utc(jour.and_time(NaiveTime::MIN))
        }
    };
    (2000..=2100).contains(&instant.year()).then_some(instant)
}

/// The cursor: the position, in URL-safe base64, and a MAC under the server's secret, so that a
/// cursor not given by this server (forged or cut) is refused rather than read.
fn ecrire_curseur(state: &AppState, (modification, id): Curseur) -> String {
    let position = format!("{}|{id}", modification.to_rfc3339_opts(SecondsFormat::AutoSi, true));
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(position.as_bytes());
    format!("{b64}.{}", signature(state, &b64))
}

fn signature(state: &AppState, b64: &str) -> String {
    state.config.secret.hmac(&format!("curseur-donnees-activites|{b64}"))[..32].to_string()
}

fn lire_curseur(state: &AppState, curseur: &str) -> Option<Curseur> {
    let (b64, mac) = curseur.trim().split_once('.')?;
    if !bool::from(signature(state, b64).as_bytes().ct_eq(mac.as_bytes())) {
        return None;
    }
    let position = String::from_utf8(base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(b64).ok()?).ok()?;
    let (modification, id) = position.split_once('|')?;
    Some((DateTime::parse_from_rfc3339(modification).ok()?.with_timezone(&Utc), id.parse().ok()?))
}

/// The statistics filters a client may give, as `filter[…]`.
const FILTRES_STATISTIQUES: [&str; 6] = ["du", "au", "lieu", "commune", "departement", "type_lieu"];

#[utoipa::path(
    get,
    path = "/api/v1/donnees/statistiques",
    tag = "donnees_api",
    params(
        ("filter[du]" = Option<String>, Query, description = "Premier jour, AAAA-MM-JJ"),
        ("filter[au]" = Option<String>, Query, description = "Dernier jour, AAAA-MM-JJ"),
        ("filter[lieu]" = Option<String>, Query),
        ("filter[commune]" = Option<String>, Query),
        ("filter[departement]" = Option<String>, Query),
        ("filter[type_lieu]" = Option<String>, Query)
    ),
    responses((status = 200, description = "Les statistiques (JSON:API)", content((Document<Statistiques> = "application/vnd.api+json")))),
    security(("client_api" = []))
)]
async fn statistiques(
    State(state): State<AppState>,
    ClientApi(client): ClientApi,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let texte = texte_parametres(&query);
    let resultat = page_statistiques(&state, &client, query).await;
    journaliser(&state, &client, ROUTE_STATISTIQUES, &texte, resultat).await
}

async fn page_statistiques(
    state: &AppState,
    client: &Client,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> AppResult<(Response, i64)> {
    exiger(client, Scope::Statistiques)?;
    let parametre = |f: &str| format!("filter[{f}]");
    let connus: Vec<String> = FILTRES_STATISTIQUES.iter().map(|f| parametre(f)).collect();
    let p = parametres(query, &connus.iter().map(String::as_str).collect::<Vec<_>>())?;
    let valeur = |f: &str| p.get(&parametre(f)).cloned();
    let f = FiltresStatistiques {
        du: valeur("du"),
        au: valeur("au"),
        conseiller: None,
        lieu: valeur("lieu"),
        commune: valeur("commune"),
        departement: valeur("departement"),
        type_lieu: valeur("type_lieu"),
    };
    // The period's days are metropolitan France's.
    let ctx = match Contexte::pour(state, portee(client), Calendrier::pour(None, None), &f).await {
        Ok(c) => c,
        Err(AppError::Validation(e)) => {
            return Err(AppError::Validation(e.into_iter().map(|(k, v)| (parametre(&k), v)).collect()))
        }
        Err(e) => return Err(e),
    };
    let stats: Statistiques = calculer(&state.db, &ctx).await?;
    let id = match f.query() {
        q if q.is_empty() => "tout".to_string(),
        q => q,
    };
    let self_ = match p.iter().map(|(k, v)| format!("{}={}", encoder(k), encoder(v))).collect::<Vec<_>>() {
        q if q.is_empty() => ROUTE_STATISTIQUES.to_string(),
        q => format!("{ROUTE_STATISTIQUES}?{}", q.join("&")),
    };
    let doc = Document {
        data: vec![Ressource { type_: "statistiques", id, attributes: Some(stats), meta: None }],
        links: Liens { self_, next: None },
        meta: Meta { total_count: 1, items_per_page: 1, has_next_page: false },
    };
    Ok((reponse(doc), 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instant_or_a_day_in_paris() {
        assert_eq!(lire_instant("2027-03-01T08:00:00Z").unwrap().to_rfc3339(), "2027-03-01T08:00:00+00:00");
        assert_eq!(lire_instant("2027-03-01T09:00:00+01:00").unwrap().to_rfc3339(), "2027-03-01T08:00:00+00:00");
        // Midnight in Paris in winter is 23:00 UTC the day before.
        assert_eq!(lire_instant("2027-03-01").unwrap().to_rfc3339(), "2027-02-28T23:00:00+00:00");
        assert_eq!(lire_instant("01/03/2027"), None);
        assert_eq!(lire_instant("1970-01-01"), None);
    }

    #[test]
    fn one_count_per_value_of_the_list() {
        let c = compte(coop::GENRE, "feminin");
        assert_eq!(c.values().sum::<u32>(), 1);
        assert_eq!(c["feminin"], 1);
        assert_eq!(c.len(), coop::GENRE.len());
    }
}

/// The OpenAPI description of this module's routes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(activites, statistiques))]
pub(super) struct Doc;
