//! Typed client of the server's JSON API (`/api/v1`). Pages call these functions only.

use carnet_domain::api::*;
use gloo_net::http::{Request, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// What can go wrong with a call, in terms a page can show. (`gloo_net::Error` is not `Clone`,
/// which resources need.)
#[derive(Clone, Debug, PartialEq)]
pub enum ApiError {
    /// No session, or it expired.
    Unauthorized,
    Forbidden,
    NotFound,
    /// The server refused some fields; messages are in French, keyed by field name.
    Invalid { message: String, fields: FieldErrors },
    /// Any other refusal, with the server's message.
    Refused(String),
    /// The server could not be reached.
    Network,
}

impl ApiError {
    pub fn message(&self) -> String {
        match self {
            ApiError::Unauthorized => "Votre session a expiré : reconnectez-vous.".into(),
            ApiError::Forbidden => "Vous n'avez pas accès à cette page.".into(),
            ApiError::NotFound => "Introuvable, ou vous n'y avez pas accès.".into(),
            ApiError::Invalid { message, .. } => message.clone(),
            ApiError::Refused(m) => m.clone(),
            ApiError::Network => {
                "Le serveur ne répond pas. Vérifiez la connexion puis réessayez : rien n'est perdu.".into()
            }
        }
    }

    pub fn fields(&self) -> FieldErrors {
        match self {
            ApiError::Invalid { fields, .. } => fields.clone(),
            _ => FieldErrors::new(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for ApiError {}

const BASE: &str = "/api/v1";

async fn read<T: DeserializeOwned>(resp: Response) -> Result<T, ApiError> {
    let status = resp.status();
    if (200..300).contains(&status) {
        return resp.json::<T>().await.map_err(|_| ApiError::Refused("Réponse du serveur illisible.".into()));
    }
    let body: ApiErrorBody = resp.json().await.unwrap_or_default();
    Err(match status {
        401 => ApiError::Unauthorized,
        403 => ApiError::Forbidden,
        404 => ApiError::NotFound,
        422 if !body.fields.is_empty() => ApiError::Invalid { message: body.error, fields: body.fields },
        _ if !body.error.is_empty() => ApiError::Refused(body.error),
        _ => ApiError::Refused(format!("Erreur du serveur ({status}). Réessayez.")),
    })
}

pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    let resp = Request::get(&format!("{BASE}{path}")).send().await.map_err(|_| ApiError::Network)?;
    read(resp).await
}

pub async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    let resp = Request::post(&format!("{BASE}{path}"))
        .json(body)
        .map_err(|_| ApiError::Refused("Données impossibles à envoyer.".into()))?
        .send()
        .await
        .map_err(|_| ApiError::Network)?;
    read(resp).await
}

/// Percent-encodes a query-string value.
pub fn encode(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

// --- accounts

pub async fn login(email: &str, password: &str) -> Result<Me, ApiError> {
    post("/auth/login", &LoginRequest { email: email.into(), password: password.into() }).await
}

pub async fn logout() -> Result<(), ApiError> {
    let resp = Request::post(&format!("{BASE}/auth/logout")).send().await.map_err(|_| ApiError::Network)?;
    if resp.ok() || resp.status() == 401 {
        Ok(())
    } else {
        Err(ApiError::Refused("Déconnexion impossible. Réessayez.".into()))
    }
}

pub async fn me() -> Result<Me, ApiError> {
    get("/auth/me").await
}

// --- beneficiaries and parcours

pub async fn beneficiaires(q: &str, page: u32) -> Result<Page<BeneficiaireSummary>, ApiError> {
    get(&format!("/beneficiaires?q={}&page={page}", encode(q))).await
}

pub async fn beneficiaire(id: i64) -> Result<BeneficiaireDetail, ApiError> {
    get(&format!("/beneficiaires/{id}")).await
}

pub async fn communes(q: &str) -> Result<Vec<Commune>, ApiError> {
    get(&format!("/communes?q={}", encode(q))).await
}

pub async fn create_parcours(req: &IntakeRequest) -> Result<IntakeCreated, ApiError> {
    post("/parcours", req).await
}

pub async fn parcours(id: i64) -> Result<ParcoursDetail, ApiError> {
    get(&format!("/parcours/{id}")).await
}

// --- venues (lieux), candidates, coverage, orientation

use carnet_domain::lieux::api::*;
use carnet_domain::lieux::candidat::{CandidatDetail, CandidatRequest, CandidatResume, TransitionRequest};

/// `&zoom=…&ouest=…` for a map view.
pub fn vue_query(v: &Vue) -> String {
    format!("zoom={}&ouest={:.5}&sud={:.5}&est={:.5}&nord={:.5}", v.zoom, v.ouest, v.sud, v.est, v.nord)
}

pub async fn lieux_territoire() -> Result<Territoire, ApiError> {
    get("/lieux/territoire").await
}

pub async fn carte_config() -> Result<CarteConfig, ApiError> {
    get("/lieux/carte/config").await
}

pub async fn carte(f: &FiltresLieux, v: &Vue) -> Result<CarteReponse, ApiError> {
    get(&format!("/lieux/carte?{}&{}", f.query(), vue_query(v))).await
}

pub async fn lieux(f: &FiltresLieux, v: Option<&Vue>, page: u32) -> Result<Page<LieuResume>, ApiError> {
    let vue = v.map(|v| format!("&{}", vue_query(v))).unwrap_or_default();
    get(&format!("/lieux?{}{vue}&page={page}", f.query())).await
}

pub async fn lieu(id: i64) -> Result<LieuDetail, ApiError> {
    get(&format!("/lieux/{id}")).await
}

pub async fn lieu_pass(id: i64, req: &PassRequest) -> Result<LieuDetail, ApiError> {
    post(&format!("/lieux/{id}/pass"), req).await
}

#[derive(serde::Deserialize)]
pub struct Cree {
    pub id: i64,
}

/// Sends a venue file as it is (the server reads CSV or JSON).
pub async fn import_lieux(file: &web_sys::File) -> Result<i64, ApiError> {
    let resp = Request::post(&format!("{BASE}/lieux/imports?fichier={}", encode(&file.name())))
        .header("Content-Type", "application/octet-stream")
        .body(wasm_bindgen::JsValue::from(file.clone()))
        .map_err(|_| ApiError::Refused("Fichier impossible à envoyer.".into()))?
        .send()
        .await
        .map_err(|_| ApiError::Network)?;
    read::<Cree>(resp).await.map(|c| c.id)
}

pub async fn import_etat(id: i64) -> Result<EtatImport, ApiError> {
    get(&format!("/lieux/imports/{id}")).await
}

pub async fn candidats() -> Result<Vec<CandidatResume>, ApiError> {
    get("/lieux/candidats").await
}

pub async fn candidat(id: i64) -> Result<CandidatDetail, ApiError> {
    get(&format!("/lieux/candidats/{id}")).await
}

pub async fn signaler_candidat(req: &CandidatRequest) -> Result<i64, ApiError> {
    post::<_, Cree>("/lieux/candidats", req).await.map(|c| c.id)
}

pub async fn candidat_etape(id: i64, req: &TransitionRequest) -> Result<CandidatDetail, ApiError> {
    post(&format!("/lieux/candidats/{id}/etapes"), req).await
}

pub async fn couverture() -> Result<Couverture, ApiError> {
    get("/lieux/couverture").await
}

pub async fn orientation(parcours_id: i64) -> Result<Orientation, ApiError> {
    get(&format!("/parcours/{parcours_id}/orientation")).await
}

/// A static file of the app as JSON, still as a JavaScript value (outlines for the map).
pub async fn json_statique(path: &str) -> Result<wasm_bindgen::JsValue, ApiError> {
    let resp = Request::get(path).send().await.map_err(|_| ApiError::Network)?;
    if !resp.ok() {
        return Err(ApiError::NotFound);
    }
    let text = resp.text().await.map_err(|_| ApiError::Network)?;
    js_sys::JSON::parse(&text).map_err(|_| ApiError::Refused("Fichier de contours illisible.".into()))
}
