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

/// The one place that speaks HTTP: sends, and returns the status and the body's text. Not
/// generic, so its code exists once in the wasm whatever the number of typed calls.
async fn send(post: bool, path: &str, json: Option<String>) -> Result<(u16, String), ApiError> {
    let url = format!("{BASE}{path}");
    let builder = if post { Request::post(&url) } else { Request::get(&url) };
    let resp: Response = match json {
        Some(body) => builder
            .header("Content-Type", "application/json")
            .body(body)
            .map_err(|_| ApiError::Refused("Données impossibles à envoyer.".into()))?
            .send()
            .await,
        None => builder.send().await,
    }
    .map_err(|_| ApiError::Network)?;
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    Ok((status, text))
}

/// The error of a refused call, from its status and body.
fn refusal(status: u16, text: &str) -> ApiError {
    let body: ApiErrorBody = serde_json::from_str(text).unwrap_or_default();
    match status {
        401 => ApiError::Unauthorized,
        403 => ApiError::Forbidden,
        404 => ApiError::NotFound,
        422 if !body.fields.is_empty() => ApiError::Invalid { message: body.error, fields: body.fields },
        _ if !body.error.is_empty() => ApiError::Refused(body.error),
        _ => ApiError::Refused(format!("Erreur du serveur ({status}). Réessayez.")),
    }
}

fn decode<T: DeserializeOwned>((status, text): (u16, String)) -> Result<T, ApiError> {
    if (200..300).contains(&status) {
        serde_json::from_str(&text).map_err(|_| ApiError::Refused("Réponse du serveur illisible.".into()))
    } else {
        Err(refusal(status, &text))
    }
}

fn to_json<B: Serialize>(body: &B) -> Result<String, ApiError> {
    serde_json::to_string(body).map_err(|_| ApiError::Refused("Données impossibles à envoyer.".into()))
}

pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    decode(send(false, path, None).await?)
}

pub async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    let json = to_json(body)?;
    decode(send(true, path, Some(json)).await?)
}

/// A POST whose success has no body (204).
pub async fn post_empty<B: Serialize>(path: &str, body: &B) -> Result<(), ApiError> {
    let json = to_json(body)?;
    match send(true, path, Some(json)).await? {
        (status, _) if (200..300).contains(&status) => Ok(()),
        (status, text) => Err(refusal(status, &text)),
    }
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

// --- the Pass numérique ledger (issue 4)

pub mod ledger {
    use super::{encode, get, post, post_empty, ApiError};
    use carnet_domain::ledger::api::*;
    use serde_json::json;

    pub async fn moi() -> Result<Organisation, ApiError> {
        get("/ledger/moi").await
    }
    pub async fn operateurs() -> Result<Vec<Ref>, ApiError> {
        get("/operateurs").await
    }
    pub async fn structures_choix() -> Result<Vec<StructureChoix>, ApiError> {
        get("/structures/choix").await
    }
    pub async fn commandes() -> Result<Vec<CommandeSummary>, ApiError> {
        get("/commandes").await
    }
    pub async fn creer_commande(req: &CommandeRequest) -> Result<CommandeCreated, ApiError> {
        post("/commandes", req).await
    }
    pub async fn commande(id: i64) -> Result<CommandeDetail, ApiError> {
        get(&format!("/commandes/{id}")).await
    }
    pub async fn paiement(id: i64, req: &PaiementRequest) -> Result<(), ApiError> {
        post_empty(&format!("/commandes/{id}/paiement"), req).await
    }
    pub async fn activer(id: i64) -> Result<(), ApiError> {
        post_empty(&format!("/commandes/{id}/activation"), &json!({})).await
    }
    pub async fn confier_structure(id: i64, req: &LotStructureRequest) -> Result<LotCreated, ApiError> {
        post(&format!("/commandes/{id}/lots"), req).await
    }
    pub async fn carnets_structure() -> Result<CarnetsStructure, ApiError> {
        get("/carnets/structure").await
    }
    pub async fn mon_lot() -> Result<Vec<CarnetDuLot>, ApiError> {
        get("/carnets/mon-lot").await
    }
    pub async fn confier_conseiller(req: &LotConseillerRequest) -> Result<LotCreated, ApiError> {
        post("/lots/conseiller", req).await
    }
    pub async fn reprendre(carnet_ids: Vec<i64>) -> Result<LotCreated, ApiError> {
        post("/lots/reprise", &RepriseRequest { carnet_ids }).await
    }
    pub async fn distribuer(req: &DistributionRequest) -> Result<DistributionCreated, ApiError> {
        post("/distributions", req).await
    }
    pub async fn valider(code: &str, parcours_id: i64) -> Result<ValidationDone, ApiError> {
        post("/passes/valider", &ValidationRequest { code: code.into(), parcours_id }).await
    }
    pub async fn annuler(code: &str) -> Result<(), ApiError> {
        post_empty("/passes/annuler", &AnnulationRequest { code: code.into() }).await
    }
    pub async fn agrements() -> Result<Vec<StructureAgrement>, ApiError> {
        get("/structures/agrements").await
    }
    pub async fn agreer(structure_id: i64, actif: bool, motif: &str) -> Result<(), ApiError> {
        post_empty(&format!("/structures/{structure_id}/agrement"), &AgrementRequest { actif, motif: motif.into() }).await
    }
    pub async fn releves() -> Result<Vec<ReleveSummary>, ApiError> {
        get("/releves").await
    }
    pub async fn releve(id: i64) -> Result<ReleveDetail, ApiError> {
        get(&format!("/releves/{id}")).await
    }
    pub async fn releve_provisoire() -> Result<ReleveProvisoire, ApiError> {
        get("/releves/provisoire").await
    }
    pub async fn emettre(mois: &str) -> Result<EmissionResult, ApiError> {
        post("/releves/emission", &EmissionRequest { mois: mois.into() }).await
    }
    pub async fn envoyer(id: i64) -> Result<(), ApiError> {
        post_empty(&format!("/releves/{id}/envoi"), &json!({})).await
    }
    pub async fn marquer_paye(id: i64) -> Result<(), ApiError> {
        post_empty(&format!("/releves/{id}/paiement"), &json!({})).await
    }
    pub async fn tableau(commande: Option<i64>) -> Result<TableauCommanditaire, ApiError> {
        match commande {
            Some(id) => get(&format!("/tableau/commanditaire?commande={id}")).await,
            None => get("/tableau/commanditaire").await,
        }
    }
    pub async fn journal(entity: &str, entity_id: &str, code: &str, page: u32) -> Result<JournalPage, ApiError> {
        get(&format!(
            "/journal?entity={}&entity_id={}&code={}&page={page}",
            encode(entity),
            encode(entity_id),
            encode(code)
        ))
        .await
    }
}
