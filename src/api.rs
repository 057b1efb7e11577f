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
