//! Login, logout, and who am I.

use crate::auth::{self, ClientIp, CurrentUser};
use crate::error::{ApiJson, AppError, AppResult};
use crate::store::users;
use crate::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use carnet_domain::api::{LoginRequest, Me, Session};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
        .route("/auth/me", get(me))
        .route("/auth/session", get(session))
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "auth",
    request_body = LoginRequest,
    responses((status = 200, description = "Connecté : le cookie de session est posé", body = Me))
)]
async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: axum::http::HeaderMap,
    ApiJson(req): ApiJson<LoginRequest>,
) -> AppResult<Response> {
    let email = req.email.trim().to_lowercase();
    let mut fields = carnet_domain::api::FieldErrors::new();
    if email.is_empty() {
        fields.insert("email".into(), "Adresse e-mail : ce champ est obligatoire.".into());
    }
    if req.password.is_empty() {
        fields.insert("password".into(), "Mot de passe : ce champ est obligatoire.".into());
    }
    if !fields.is_empty() {
        return Err(AppError::Validation(fields));
    }

    let config = &state.config;
    let now = state.clock.now();
    let since = now - config.login_window;
    let email_key = format!("email:{email}");
    let ip_key = format!("ip:{ip}");
    // The attempt is counted as a failure before the password is verified: attempts made at
    // once all see one another, so no burst gets more than the limit's worth of verifications.
    // A refused attempt is taken back (it verified nothing), and so is a successful one.
    let reserves = [
        users::reserve_attempt(&state.db, &email_key, now).await?,
        users::reserve_attempt(&state.db, &ip_key, now).await?,
    ];
    if users::count_failures(&state.db, &email_key, since).await? > config.login_max_failures
        || users::count_failures(&state.db, &ip_key, since).await? > config.login_max_failures * 4
    {
        users::forget_attempts(&state.db, &reserves).await?;
        return Err(AppError::TooManyRequests {
            message: format!(
                "Trop de tentatives de connexion. Pour protéger le compte, réessayez dans {} minutes.",
                config.login_window.num_minutes()
            ),
            retry_after_secs: config.login_window.num_seconds() as u64,
        });
    }

    let user = users::find_by_email(&state.db, &email).await?;
    // An invited account without a password yet is verified against the dummy hash too, so
    // the answer takes as long as for any other account.
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| auth::dummy_hash().to_string());
    let ok = auth::verify_password_bounded(&config.hachages, req.password.clone(), hash).await?;
    let user = match user {
        Some(u) if ok && u.active && !u.password_hash.is_empty() => u,
        _ => {
            crate::alerte::echec(&state, crate::alerte::Compteur::Connexion, now).await?;
            return Err(AppError::Unprocessable("Adresse e-mail ou mot de passe incorrect.".into()));
        }
    };
    users::clear_failures(&state.db, &email_key).await?;
    users::forget_attempts(&state.db, &reserves).await?;

    // Session rotation: a session id presented with the login never survives it; the login
    // always gets a fresh one (no session fixation).
    if let Some(old) = auth::cookie_token(&headers, config.https()) {
        users::delete_session(&state.db, &auth::token_hash(&old)).await?;
    }
    let (token, token_hash) = auth::new_token();
    users::create_session(&mut state.db.acquire().await?, &token_hash, user.id, now).await?;
    crate::store::comptes::record_login(&state.db, user.id, now).await?;
    tracing::info!(user_id = user.id, "connexion");
    let me = Me {
        maintenant: now,
        fuseau: user.calendrier().fuseau,
        id: user.id,
        email: user.email.clone(),
        prenom: user.prenom.clone(),
        nom: user.nom.clone(),
        role: user.role(),
        structure: match (user.structure_id, user.structure_nom.clone()) {
            (Some(id), Some(nom)) => Some(carnet_domain::api::StructureRef { id, nom }),
            _ => None,
        },
    };
    Ok(([(header::SET_COOKIE, auth::session_cookie(&token, config.https()))], Json(me)).into_response())
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    tag = "auth",
    responses((status = 204, description = "Déconnecté : le cookie de session est effacé")),
    security(("session" = []))
)]
async fn logout(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    users::delete_session(&state.db, &user.token_hash).await?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, auth::clear_cookie(state.config.https()))]).into_response())
}

#[utoipa::path(
    get,
    path = "/api/v1/auth/me",
    tag = "auth",
    responses((status = 200, description = "Réponse", body = Me)),
    security(("session" = []))
)]
async fn me(State(state): State<AppState>, user: CurrentUser) -> Json<Me> {
    Json(user.me(state.clock.now()))
}

/// Whether the browser holds a session, without a refusal when it does not: the app asks at
/// every start, the login page included, and a 401 there would only be noise in the console.
#[utoipa::path(
    get,
    path = "/api/v1/auth/session",
    tag = "auth",
    responses((status = 200, description = "Réponse", body = Session)),
    security(("session" = []), ())
)]
async fn session(State(state): State<AppState>, user: Result<CurrentUser, AppError>) -> AppResult<Json<Session>> {
    let maintenant = state.clock.now();
    match user {
        Ok(u) => Ok(Json(Session { me: Some(u.me(maintenant)), maintenant })),
        Err(AppError::Unauthorized) => Ok(Json(Session { me: None, maintenant })),
        Err(e) => Err(e),
    }
}

/// The OpenAPI description of this module's routes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(login, logout, me, session))]
pub(super) struct Doc;
