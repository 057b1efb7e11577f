//! The calls of the public pages. Answers are read into the few fields the pages show, not into
//! the domain's full types: the staff user (`Me`) and the link's expiry date would bring the
//! date library's parsing into this small app for nothing.

use super::transport::{get, post, send, ApiError};
use carnet_domain::api::LoginRequest;
use carnet_domain::comptes::{DemandeReinitialisation, JetonRequest, Message, NouveauMotDePasse, ObjetJeton};
use serde::de::IgnoredAny;
use serde::Deserialize;

pub use super::transport::encode;

/// Logs in; the session cookie is what counts (the staff app reads the user again).
pub async fn login(email: &str, password: &str) -> Result<(), ApiError> {
    let _: IgnoredAny = post("/auth/login", &LoginRequest { email: email.into(), password: password.into() }).await?;
    Ok(())
}

/// Ends the session (already ended counts as done).
pub async fn logout() -> Result<(), ApiError> {
    match send("POST", "/auth/logout", None).await {
        Ok(_) | Err(ApiError::Unauthorized) => Ok(()),
        Err(ApiError::Network) => Err(ApiError::Network),
        Err(_) => Err(ApiError::Refused("Déconnexion impossible. Réessayez.".into())),
    }
}

/// `GET /auth/session`, reduced to whether someone is logged in.
#[derive(Deserialize)]
struct Session {
    me: Option<IgnoredAny>,
}

pub async fn logged_in() -> Result<bool, ApiError> {
    let s: Session = get("/auth/session").await?;
    Ok(s.me.is_some())
}

pub async fn request_reset(email: &str) -> Result<Message, ApiError> {
    post("/auth/reinitialisation", &DemandeReinitialisation { email: email.into() }).await
}

/// What a one-time link is for (`carnet_domain::comptes::JetonInfo` without its expiry).
#[derive(Clone, Deserialize)]
pub struct JetonInfo {
    pub objet: ObjetJeton,
    pub prenom: String,
    pub email: String,
}

pub async fn token_info(jeton: &str) -> Result<JetonInfo, ApiError> {
    post("/auth/jeton", &JetonRequest { jeton: jeton.into() }).await
}

pub async fn set_password_with_token(req: &NouveauMotDePasse) -> Result<Message, ApiError> {
    post("/auth/jeton/mot-de-passe", req).await
}
