//! Typed client of the server's JSON API (`/api/v1`). Pages call these functions only.

use carnet_domain::api::*;
use carnet_domain::parcours::bilan::BilanRequest;
use carnet_domain::parcours::diagnostic::DiagnosticRequest;
use carnet_domain::parcours::objectifs::{ObjectifsRequest, PackView};
use carnet_domain::parcours::planning::{DateHeure, PlanningRequest};
use carnet_domain::parcours::seance::{AbsenceRequest, AnnulationRequest, CompteRendu, TenueRequest};
use carnet_domain::parcours::{Dossier, PassValide, PropositionPlanning, PropositionRemplacement, TableauDeBord};
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

/// One request, answered as text or as our error. Not generic: every call of the app shares this
/// code; only the decoding at the end (`decode`) is compiled per answer type.
pub async fn send(method: &str, path: &str, body: Option<String>) -> Result<String, ApiError> {
    let url = format!("{BASE}{path}");
    let builder = match method {
        "POST" => Request::post(&url),
        "PUT" => Request::put(&url),
        "DELETE" => Request::delete(&url),
        _ => Request::get(&url),
    };
    let request = match body {
        Some(b) => builder.header("Content-Type", "application/json").body(b),
        None => builder.build(),
    }
    .map_err(|_| ApiError::Refused("Données impossibles à envoyer.".into()))?;
    let resp: Response = request.send().await.map_err(|_| ApiError::Network)?;
    let status = resp.status();
    let text = resp.text().await.map_err(|_| ApiError::Network)?;
    if (200..300).contains(&status) {
        return Ok(text);
    }
    let body: ApiErrorBody = serde_json::from_str(&text).unwrap_or_default();
    Err(match status {
        401 => ApiError::Unauthorized,
        403 => ApiError::Forbidden,
        404 => ApiError::NotFound,
        422 if !body.fields.is_empty() => ApiError::Invalid { message: body.error, fields: body.fields },
        _ if !body.error.is_empty() => ApiError::Refused(body.error),
        _ => ApiError::Refused(format!("Erreur du serveur ({status}). Réessayez.")),
    })
}

pub fn decode<T: DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    serde_json::from_str(text).map_err(|_| ApiError::Refused("Réponse du serveur illisible.".into()))
}

pub fn to_json<B: Serialize>(body: &B) -> String {
    serde_json::to_string(body).unwrap_or_default()
}

pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    decode(&send("GET", path, None).await?)
}

pub async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    decode(&send("POST", path, Some(to_json(body))).await?)
}

pub async fn put<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    decode(&send("PUT", path, Some(to_json(body))).await?)
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

/// Everything a parcours page shows, in one request.
pub async fn parcours(id: i64) -> Result<Dossier, ApiError> {
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

// --- the parcours wizard

/// An answer whose content the app does not need (unknown fields are ignored, so no JSON
/// value type is compiled in).
#[derive(Clone, Debug, serde::Deserialize, serde::Serialize)]
pub struct Fait {}

/// What a step's save answers: the step the parcours has now reached.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct Avance {
    #[serde(default)]
    pub etape: String,
}

pub async fn packs() -> Result<Vec<PackView>, ApiError> {
    get("/packs").await
}

/// `moment`: `initial` or `final`.
pub async fn save_diagnostic(id: i64, moment: &str, req: &DiagnosticRequest) -> Result<Avance, ApiError> {
    put(&format!("/parcours/{id}/diagnostics/{moment}"), req).await
}

pub async fn save_objectifs(id: i64, req: &ObjectifsRequest) -> Result<Avance, ApiError> {
    put(&format!("/parcours/{id}/objectifs"), req).await
}

pub async fn propose_planning(id: i64, req: &PlanningRequest) -> Result<PropositionPlanning, ApiError> {
    post(&format!("/parcours/{id}/planning/proposition"), req).await
}

pub async fn save_planning(id: i64, req: &PlanningRequest) -> Result<Avance, ApiError> {
    put(&format!("/parcours/{id}/planning"), req).await
}

pub fn calendar_url(id: i64) -> String {
    format!("{BASE}/parcours/{id}/seances.ics")
}

pub async fn hold(seance: i64, req: &TenueRequest) -> Result<PassValide, ApiError> {
    post(&format!("/seances/{seance}/tenue"), req).await
}

pub async fn save_report(seance: i64, req: &CompteRendu) -> Result<Fait, ApiError> {
    put(&format!("/seances/{seance}/compte-rendu"), req).await
}

pub async fn replacement(id: i64) -> Result<PropositionRemplacement, ApiError> {
    get(&format!("/parcours/{id}/remplacement")).await
}

pub async fn absence(seance: i64, req: &AbsenceRequest) -> Result<Fait, ApiError> {
    post(&format!("/seances/{seance}/absence"), req).await
}

pub async fn move_session(seance: i64, req: &DateHeure) -> Result<Fait, ApiError> {
    put(&format!("/seances/{seance}/date"), req).await
}

pub async fn add_session(id: i64, req: &DateHeure) -> Result<Fait, ApiError> {
    post(&format!("/parcours/{id}/seances"), req).await
}

pub async fn cancel_validation(seance: i64, req: &AnnulationRequest) -> Result<Fait, ApiError> {
    post(&format!("/seances/{seance}/annulation"), req).await
}

pub async fn save_bilan(id: i64, req: &BilanRequest) -> Result<Avance, ApiError> {
    put(&format!("/parcours/{id}/bilan"), req).await
}

pub async fn close(id: i64) -> Result<Fait, ApiError> {
    post(&format!("/parcours/{id}/cloture"), &Fait {}).await
}

pub async fn tableau_de_bord() -> Result<TableauDeBord, ApiError> {
    get("/tableau-de-bord").await
}

// --- the beneficiary space: personal links

pub async fn lien(id: i64) -> Result<carnet_domain::espace::LienEtat, ApiError> {
    get(&format!("/parcours/{id}/lien")).await
}

pub async fn emettre_lien(id: i64) -> Result<carnet_domain::espace::LienEmis, ApiError> {
    decode(&send("POST", &format!("/parcours/{id}/lien"), Some("{}".into())).await?)
}

pub async fn revoquer_lien(id: i64) -> Result<carnet_domain::espace::LienEtat, ApiError> {
    decode(&send("DELETE", &format!("/parcours/{id}/lien"), None).await?)
}
