//! The JSON API under `/api/v1`: one router per module, merged here.

use crate::error::AppError;
use crate::AppState;
use axum::Router;

mod auth;
mod beneficiaires;
mod candidats;
mod communes;
mod comptes;
mod donnees;
mod donnees_api;
pub(crate) mod espace;
mod etapes;
pub(crate) mod exports;
mod fuseaux;
mod health;
mod journee;
mod ledger;
pub mod lieux;
pub mod openapi;
pub mod orientation;
mod parcours;
mod rappels;
mod seances;
pub(crate) mod statistiques;
mod structure;
pub mod tableau_de_bord;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(health::router())
        .merge(auth::router())
        .merge(communes::router())
        .merge(beneficiaires::router())
        .merge(parcours::router())
        .merge(comptes::router())
        .merge(fuseaux::router())
        .merge(donnees::router())
        .merge(donnees_api::router())
        .merge(espace::router())
        .merge(etapes::router())
        .merge(seances::router())
        .merge(tableau_de_bord::router())
        .merge(journee::router())
        .merge(rappels::router())
        .merge(statistiques::router())
        .merge(exports::router())
        .merge(structure::router())
        .merge(lieux::router())
        .merge(candidats::router())
        .merge(orientation::router())
        .merge(ledger::router())
        .merge(openapi::router())
        .fallback(|| async { AppError::NotFound })
        .layer(axum::middleware::from_fn(crate::rejeu::rejouer))
}
