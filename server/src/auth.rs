//! Who is asking: passwords (argon2id), session tokens, and the `CurrentUser` extractor that
//! every protected handler takes — a handler without it cannot be reached without a session.

use crate::error::AppError;
use crate::store::users;
use crate::AppState;
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use base64::Engine;
use carnet_domain::api::{Me, Role, StructureRef};
use chrono::Utc;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::net::SocketAddr;

pub const COOKIE_NAME: &str = "carnet_session";
/// The name behind https: a `__Host-` cookie is only accepted by browsers from this very host,
/// over https, for the whole site, so a sibling subdomain cannot plant or overwrite it.
pub const COOKIE_NAME_HTTPS: &str = "__Host-carnet_session";

pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        COOKIE_NAME_HTTPS
    } else {
        COOKIE_NAME
    }
}

pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hachage du mot de passe : {e}"))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// Argon2 reserves 19 MiB and a core for each hash: run at most as many at once as the
/// `permis` allow (one per core), off the async workers. A flood of logins then waits for its
/// turn instead of filling memory with hundreds of blocking threads.
pub async fn verify_password_bounded(
    permis: &tokio::sync::Semaphore,
    password: String,
    hash: String,
) -> anyhow::Result<bool> {
    let _permis = permis.acquire().await?;
    Ok(tokio::task::spawn_blocking(move || verify_password(&password, &hash)).await?)
}

/// `hash_password` under the same bound as `verify_password_bounded`.
pub async fn hash_password_bounded(permis: &tokio::sync::Semaphore, password: String) -> anyhow::Result<String> {
    let _permis = permis.acquire().await?;
    tokio::task::spawn_blocking(move || hash_password(&password)).await?
}

/// A hash of a password nobody has, verified when the e-mail is unknown so that the answer
/// takes as long as for a real account (no account discovery by timing).
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("pas un vrai mot de passe, jamais").expect("argon2"))
}

/// A new random session token (256 bits, URL-safe) and the hash the database keeps.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The session token from the `Cookie` header, if any: behind https only the `__Host-` cookie.
pub fn session_token(parts: &Parts, secure: bool) -> Option<String> {
    cookie_token(&parts.headers, secure)
}

pub fn cookie_token(headers: &axum::http::HeaderMap, secure: bool) -> Option<String> {
    let name = cookie_name(secure);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

pub fn session_cookie(token: &str, secure: bool) -> String {
    let name = cookie_name(secure);
    format!("{name}={token}; Path=/; HttpOnly; SameSite=Strict{}", if secure { "; Secure" } else { "" })
}

pub fn clear_cookie(secure: bool) -> String {
    let name = cookie_name(secure);
    format!("{name}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}", if secure { "; Secure" } else { "" })
}

/// The logged-in user of this request.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub id: i64,
    pub email: String,
    pub prenom: String,
    pub nom: String,
    pub role: Role,
    pub structure_id: Option<i64>,
    pub structure_nom: Option<String>,
    /// The zone and holidays of the user's structure (metropolitan France without one).
    pub calendrier: carnet_domain::fuseau::Calendrier,
    pub token_hash: String,
}

impl CurrentUser {
    pub fn me(&self, maintenant: chrono::DateTime<Utc>) -> Me {
        Me {
            maintenant,
            fuseau: self.calendrier.fuseau,
            id: self.id,
            email: self.email.clone(),
            prenom: self.prenom.clone(),
            nom: self.nom.clone(),
            role: self.role,
            structure: match (self.structure_id, &self.structure_nom) {
                (Some(id), Some(nom)) => Some(StructureRef { id, nom: nom.clone() }),
                _ => None,
            },
        }
    }

    /// The structure whose beneficiaries this user may see: conseillers and coordinateurs of a
    /// structure only. Everyone else is refused.
    pub fn structure_for_beneficiaires(&self) -> Result<i64, AppError> {
        match (self.role, self.structure_id) {
            (Role::Conseiller | Role::Coordinateur, Some(id)) => Ok(id),
            _ => Err(AppError::Forbidden),
        }
    }
}

impl CurrentUser {
    /// The session's user, and what `avec` read in the same statement.
    pub async fn avec(parts: &Parts, state: &AppState, avec: users::Avec) -> Result<(Self, users::Lu), AppError> {
        let token = session_token(parts, state.config.https()).ok_or(AppError::Unauthorized)?;
        let hash = token_hash(&token);
        let found = users::find_session(&state.db, &hash, avec).await?.ok_or(AppError::Unauthorized)?;
        let now = state.clock.now();
        let config = &state.config;
        if now - found.last_seen_at > config.session_idle
            || now - found.created_at > config.session_max
            || !found.user.active
        {
            users::delete_session(&state.db, &hash).await?;
            return Err(AppError::Unauthorized);
        }
        // Idle expiry only needs minute precision: skip most writes.
        if now - found.last_seen_at > chrono::Duration::seconds(60) {
            // A write like any other: it takes its turn behind the access journal's batches.
            let mut tx = crate::db::begin_write(&state.db).await?;
            users::touch_session(&mut tx, &hash, now).await?;
            tx.commit().await?;
        }
        let u = found.user;
        let user = CurrentUser {
            calendrier: u.calendrier(),
            id: u.id,
            role: u.role(),
            email: u.email,
            prenom: u.prenom,
            nom: u.nom,
            structure_id: u.structure_id,
            structure_nom: u.structure_nom,
            token_hash: hash,
        };
        Ok((user, users::Lu { version: found.lu_version, beneficiaire: found.lu_beneficiaire }))
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(CurrentUser::avec(parts, state, users::Avec::Rien).await?.0)
    }
}

/// The client's address, for throttling: the TCP peer, or behind a trusted proxy the address
/// it forwards (see `adresse`).
pub struct ClientIp(pub String);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| crate::adresse::client(c.0.ip(), &parts.headers, &state.config.trusted_proxies).to_string())
            .unwrap_or_else(|| "inconnue".to_string());
        Ok(ClientIp(ip))
    }
}
