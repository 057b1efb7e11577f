//! Health: liveness (the process answers) and readiness (it can serve: its database answers).

use crate::error::{AppError, AppResult};
use crate::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use carnet_domain::api::Health;
use std::time::Duration;

pub fn router() -> Router<AppState> {
    Router::new().route("/health", get(health)).route("/health/ready", get(ready))
}

/// How long readiness waits for the database.
const ATTENTE_BASE: Duration = Duration::from_secs(3);

fn etat() -> Health {
    Health { status: "ok".into(), version: env!("CARGO_PKG_VERSION").into() }
}

/// Liveness: the process answers. It does not touch the database, so that an outage of the
/// database does not get every instance restarted (restarting would not bring it back).
#[utoipa::path(
    get,
    path = "/api/v1/health",
    tag = "health",
    responses((status = 200, description = "Réponse", body = Health))
)]
async fn health() -> Json<Health> {
    Json(etat())
}

/// Readiness: 503 while the database does not answer within a few seconds, so that a load
/// balancer sends requests elsewhere until it does.
#[utoipa::path(
    get,
    path = "/api/v1/health/ready",
    tag = "health",
    responses((status = 200, description = "Réponse", body = Health))
)]
async fn ready(State(state): State<AppState>) -> AppResult<Json<Health>> {
    let essai = async { state.db.ping().await };
    match tokio::time::timeout(ATTENTE_BASE, essai).await {
        Ok(Ok(_)) => Ok(Json(etat())),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "pas prêt : base de données injoignable");
            Err(pas_pret())
        }
        Err(_) => {
            tracing::warn!("pas prêt : la base de données ne répond pas");
            Err(pas_pret())
        }
    }
}

fn pas_pret() -> AppError {
    AppError::Unavailable("La base de données est injoignable : ce serveur n'est pas prêt à répondre.".into())
}

/// The OpenAPI description of this module's routes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(health, ready))]
pub(super) struct Doc;
