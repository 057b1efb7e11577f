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

// --- accounts (my password, one-time links, the team, the administration)

use carnet_domain::comptes::*;
use carnet_domain::donnees::*;

fn nothing() -> serde_json::Value {
    serde_json::json!({})
}

pub async fn change_password(req: &ChangementMotDePasse) -> Result<Message, ApiError> {
    post("/auth/mot-de-passe", req).await
}

pub async fn request_reset(email: &str) -> Result<Message, ApiError> {
    post("/auth/reinitialisation", &DemandeReinitialisation { email: email.into() }).await
}

pub async fn token_info(jeton: &str) -> Result<JetonInfo, ApiError> {
    post("/auth/jeton", &JetonRequest { jeton: jeton.into() }).await
}

pub async fn set_password_with_token(req: &NouveauMotDePasse) -> Result<Message, ApiError> {
    post("/auth/jeton/mot-de-passe", req).await
}

pub async fn comptes() -> Result<Vec<CompteView>, ApiError> {
    get("/comptes").await
}

pub async fn invite(req: &InvitationRequest) -> Result<InvitationEnvoyee, ApiError> {
    post("/comptes", req).await
}

pub async fn reinvite(id: i64) -> Result<InvitationEnvoyee, ApiError> {
    post(&format!("/comptes/{id}/invitation"), &nothing()).await
}

pub async fn deactivate(id: i64) -> Result<CompteView, ApiError> {
    post(&format!("/comptes/{id}/desactivation"), &nothing()).await
}

pub async fn reactivate(id: i64) -> Result<CompteView, ApiError> {
    post(&format!("/comptes/{id}/reactivation"), &nothing()).await
}

pub async fn structures() -> Result<Vec<StructureRef>, ApiError> {
    get("/structures").await
}

// --- personal data (notice, rights, access journal)

pub async fn notice() -> Result<NoticeInformation, ApiError> {
    get("/notice-information").await
}

pub async fn notices() -> Result<Vec<NoticeInformation>, ApiError> {
    get("/notices").await
}

#[allow(dead_code)]
pub async fn publish_notice(req: &NouvelleNotice) -> Result<NoticeInformation, ApiError> {
    post("/notices", req).await
}

pub async fn donnees(id: i64) -> Result<DonneesBeneficiaire, ApiError> {
    get(&format!("/beneficiaires/{id}/donnees")).await
}

pub async fn export(id: i64) -> Result<ExportDonnees, ApiError> {
    get(&format!("/beneficiaires/{id}/export")).await
}

/// The address of the export as a file to save (the browser downloads it with the session cookie).
pub fn export_file_url(id: i64) -> String {
    format!("{BASE}/beneficiaires/{id}/export?telechargement=1")
}

pub async fn rectify(id: i64, req: &RectificationRequest) -> Result<BeneficiaireView, ApiError> {
    post(&format!("/beneficiaires/{id}/rectification"), req).await
}

pub async fn set_consent(id: i64, req: &ConsentementRequest) -> Result<Message, ApiError> {
    post(&format!("/beneficiaires/{id}/consentements"), req).await
}

pub async fn anonymise(id: i64) -> Result<Message, ApiError> {
    post(&format!("/beneficiaires/{id}/anonymisation"), &nothing()).await
}

pub async fn journal(page: u32, utilisateur: Option<i64>, beneficiaire: Option<i64>) -> Result<Page<JournalEntree>, ApiError> {
    let mut path = format!("/journal-acces?page={page}");
    if let Some(u) = utilisateur {
        path.push_str(&format!("&utilisateur={u}"));
    }
    if let Some(b) = beneficiaire {
        path.push_str(&format!("&beneficiaire={b}"));
    }
    get(&path).await
}
