//! The JSON API under `/api/v1`: one router per module, merged here.

use crate::error::AppError;
use crate::AppState;
use axum::Router;

mod auth;
mod beneficiaires;
mod communes;
mod health;
mod ledger;
mod parcours;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(health::router())
        .merge(auth::router())
        .merge(communes::router())
        .merge(beneficiaires::router())
        .merge(parcours::router())
        .merge(ledger::router())
        .fallback(|| async { AppError::NotFound })
}
