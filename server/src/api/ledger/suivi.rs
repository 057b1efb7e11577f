//! Following the ledger: who I am in it, the commanditaire's dashboard, accreditations (for the
//! opérateur), and the audit journal.

use super::LedgerUser;
use crate::db::begin_write;
use crate::error::{ApiJson, ApiPath, ApiQuery, AppError, AppResult};
use crate::store::ledger::{commandes, journal, orgs, tableaux};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use carnet_domain::ledger::api::{AgrementRequest, JournalPage, Organisation, StructureAgrement, TableauCommanditaire};
use carnet_domain::PassCode;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ledger/moi", get(moi))
        .route("/tableau/commanditaire", get(tableau))
        .route("/structures/agrements", get(agrements))
        .route("/structures/{id}/agrement", post(agrement))
        .route("/journal", get(journal_page))
}

#[utoipa::path(
    get,
    path = "/api/v1/ledger/moi",
    tag = "ledger",
    responses((status = 200, description = "Réponse", body = Organisation)),
    security(("session" = []))
)]
async fn moi(State(state): State<AppState>, u: LedgerUser) -> AppResult<Json<Organisation>> {
    Ok(Json(orgs::organisation(&state.db, u.commanditaire_id, u.operateur_id, u.user.structure_id).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct TableauQuery {
    commande: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/api/v1/tableau/commanditaire",
    tag = "ledger",
    params(TableauQuery),
    responses((status = 200, description = "Réponse", body = TableauCommanditaire)),
    security(("session" = []))
)]
async fn tableau(
    State(state): State<AppState>,
    u: LedgerUser,
    ApiQuery(q): ApiQuery<TableauQuery>,
) -> AppResult<Json<TableauCommanditaire>> {
    let commanditaire_id = u.commanditaire()?;
    if let Some(id) = q.commande {
        if !commandes::du_commanditaire(&mut *state.db.acquire().await?, id, commanditaire_id).await? {
            return Err(AppError::NotFound);
        }
    }
    Ok(Json(tableaux::commanditaire(&state.db, commanditaire_id, q.commande).await?))
}

#[utoipa::path(
    get,
    path = "/api/v1/structures/agrements",
    tag = "ledger",
    responses((status = 200, description = "Réponse", body = Vec<StructureAgrement>)),
    security(("session" = []))
)]
async fn agrements(State(state): State<AppState>, u: LedgerUser) -> AppResult<Json<Vec<StructureAgrement>>> {
    let operateur_id = u.operateur()?;
    Ok(Json(orgs::agrements(&state.db, operateur_id).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/structures/{id}/agrement",
    tag = "ledger",
    params(("id" = i64, Path)),
    request_body = AgrementRequest,
    responses((status = 204, description = "Fait")),
    security(("session" = []))
)]
async fn agrement(
    State(state): State<AppState>,
    u: LedgerUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<AgrementRequest>,
) -> AppResult<StatusCode> {
    let operateur_id = u.operateur()?;
    let motif = req.motif.trim();
    if motif.chars().count() > 300 {
        return Err(AppError::field("motif", "Motif : 300 caractères au plus."));
    }
    if !req.actif && motif.is_empty() {
        return Err(AppError::field("motif", "Motif : indiquez pourquoi l'agrément est suspendu."));
    }
    let mut tx = begin_write(&state.db).await?;
    orgs::set_agrement(
        &mut tx,
        id,
        operateur_id,
        req.actif,
        (!motif.is_empty()).then_some(motif),
        u.id(),
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct JournalQuery {
    entity: Option<String>,
    entity_id: Option<String>,
    code: Option<String>,
    page: Option<u32>,
}

#[utoipa::path(
    get,
    path = "/api/v1/journal",
    tag = "ledger",
    params(JournalQuery),
    responses((status = 200, description = "Réponse", body = JournalPage)),
    security(("session" = []))
)]
async fn journal_page(
    State(state): State<AppState>,
    u: LedgerUser,
    ApiQuery(q): ApiQuery<JournalQuery>,
) -> AppResult<Json<JournalPage>> {
    let scope = u.scope()?;
    let mut entity = q.entity.filter(|e| !e.is_empty());
    if let Some(e) = &entity {
        if !journal::ENTITIES.contains(&e.as_str()) {
            return Err(AppError::BadRequest("Type d'objet inconnu.".into()));
        }
    }
    let mut entity_id = match q.entity_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(text) => {
            Some(text.parse::<i64>().map_err(|_| AppError::field("entity_id", "Numéro : un nombre entier."))?)
        }
        None => None,
    };
    if let Some(code) = q.code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        let code = PassCode::parse(code).map_err(|e| AppError::field("code", format!("Code du pass : {e}")))?;
        entity = Some("pass".into());
        entity_id = Some(journal::pass_id(&state.db, code.as_str()).await?.unwrap_or(-1));
    }
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    Ok(Json(journal::page(&state.db, scope, entity.as_deref(), entity_id, page).await?))
}

/// The OpenAPI description of this module's routes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(moi, tableau, agrements, agrement, journal_page))]
pub(super) struct Doc;
