//! The transport of the API client: one request, its answer as text or as an [`ApiError`] a page
//! can show, and the JSON coding around it. Shared, through `#[path]`, by the staff app
//! (`api.rs`) and the public pages' small app (`src/connexion/`): keep it free of the app's
//! other modules and of the domain's heavier types.

use carnet_domain::api::{ApiErrorBody, FieldErrors};
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
    Invalid {
        message: String,
        fields: FieldErrors,
    },
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

pub const BASE: &str = carnet_domain::lectures::BASE;

/// One request, answered as text or as our error. Not generic: every call of the app shares this
/// code; only the decoding at the end (`decode`) is compiled per answer type. A read whose answer
/// the server sent with the page ([`carnet_domain::lectures`]) is taken from there, once.
pub async fn send(method: &str, path: &str, body: Option<String>) -> Result<String, ApiError> {
    let url = format!("{BASE}{path}");
    if method == "GET" {
        if let Some(texte) = lecture_envoyee(&url) {
            return Ok(texte);
        }
    }
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
    Err(refusal(status, &text))
}

/// The answer to `GET url` that the server put in the page, if it did and nothing took it yet:
/// the block is removed as it is read, so that the next read of `url` asks the server again.
/// (Only successful answers are put in the page.)
fn lecture_envoyee(url: &str) -> Option<String> {
    let bloc = web_sys::window()?.document()?.get_element_by_id(url)?;
    bloc.remove();
    bloc.text_content()
}

/// Our error, from a refused answer's status and body.
pub fn refusal(status: u16, text: &str) -> ApiError {
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

/// A POST whose success has no body (204).
pub async fn post_empty<B: Serialize>(path: &str, body: &B) -> Result<(), ApiError> {
    send("POST", path, Some(to_json(body))).await.map(|_| ())
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
