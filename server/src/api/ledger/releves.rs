//! Monthly statements: the opérateur issues them once the month is over, sends them and marks
//! them paid; the structure's coordinateur reads them, downloads them (CSV) and follows the
//! current month's provisional total.

use super::LedgerUser;
use crate::db::begin_write;
use crate::error::{ApiJson, ApiPath, ApiQuery, AppError, AppResult};
use crate::store::ledger::{releves, Scope};
use crate::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use carnet_domain::ledger::api::{EmissionRequest, EmissionResult, Ref, ReleveDetail, ReleveProvisoire, ReleveSummary};
use carnet_domain::ledger::etats::ReleveEvenement;
use carnet_domain::ledger::releve::Mois;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/releves", get(list))
        .route("/releves/emission", post(emission))
        .route("/releves/provisoire", get(provisoire))
        .route("/releves/{id}", get(detail))
        .route("/releves/{id}/csv", get(csv))
        .route("/releves/{id}/envoi", post(envoi))
        .route("/releves/{id}/paiement", post(paiement))
}

fn scope_of(u: &LedgerUser) -> AppResult<Scope> {
    match u.scope()? {
        s @ (Scope::Operateur(_) | Scope::Structure(_)) => Ok(s),
        _ => Err(AppError::Forbidden),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    mois: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/releves",
    tag = "ledger",
    params(ListQuery),
    responses((status = 200, description = "Réponse", body = Vec<ReleveSummary>)),
    security(("session" = []))
)]
async fn list(
    State(state): State<AppState>,
    u: LedgerUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<Vec<ReleveSummary>>> {
    let scope = scope_of(&u)?;
    let mois = match q.mois.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        Some(m) => Some(Mois::parse(m).ok_or_else(|| AppError::BadRequest("Mois invalide (format AAAA-MM).".into()))?),
        None => None,
    };
    Ok(Json(releves::list(&state.db, scope, mois).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/releves/emission",
    tag = "ledger",
    request_body = EmissionRequest,
    responses((status = 200, description = "Réponse", body = EmissionResult)),
    security(("session" = []))
)]
async fn emission(
    State(state): State<AppState>,
    u: LedgerUser,
    ApiJson(req): ApiJson<EmissionRequest>,
) -> AppResult<Json<EmissionResult>> {
    let operateur_id = u.operateur()?;
    let mois = Mois::parse(&req.mois).ok_or_else(|| AppError::field("mois", "Mois : choisissez un mois (AAAA-MM)."))?;
    let now = state.clock.now();
    let result =
        releves::emettre_mois(&state.db, operateur_id, mois, crate::today_in_paris(now), Some(u.id()), now).await?;
    tracing::info!(mois = %mois, emis = result.releves_emis, "relevés émis");
    Ok(Json(result))
}

#[utoipa::path(
    get,
    path = "/api/v1/releves/provisoire",
    tag = "ledger",
    responses((status = 200, description = "Réponse", body = ReleveProvisoire)),
    security(("session" = []))
)]
async fn provisoire(State(state): State<AppState>, u: LedgerUser) -> AppResult<Json<ReleveProvisoire>> {
    let structure_id = u.coordinateur()?;
    let mois = Mois::of(state.clock.today());
    let contenus = releves::provisoire(&state.db, structure_id, mois).await?;
    let mut conn = state.db.acquire().await?;
    let hors_releve = releves::hors_releve(&mut conn, structure_id, mois).await?;
    let nom = crate::store::structures::nom(&mut conn, structure_id).await?;
    Ok(Json(ReleveProvisoire { structure: Ref { id: structure_id, nom }, mois, contenus, hors_releve }))
}

#[utoipa::path(
    get,
    path = "/api/v1/releves/{id}",
    tag = "ledger",
    params(("id" = i64, Path)),
    responses((status = 200, description = "Réponse", body = ReleveDetail)),
    security(("session" = []))
)]
async fn detail(
    State(state): State<AppState>,
    u: LedgerUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<ReleveDetail>> {
    let scope = scope_of(&u)?;
    releves::get(&state.db, id, scope).await?.map(Json).ok_or(AppError::NotFound)
}

#[utoipa::path(
    get,
    path = "/api/v1/releves/{id}/csv",
    tag = "ledger",
    params(("id" = i64, Path)),
    responses((status = 200, description = "CSV du relevé", content_type = "text/csv", body = String)),
    security(("session" = []))
)]
async fn csv(State(state): State<AppState>, u: LedgerUser, ApiPath(id): ApiPath<i64>) -> AppResult<Response> {
    let scope = scope_of(&u)?;
    let d = releves::get(&state.db, id, scope).await?.ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}.csv\"", d.releve.numero)),
        ],
        d.contenu.csv(&d.releve.hash),
    )
        .into_response())
}

async fn transition(state: AppState, u: LedgerUser, id: i64, evenement: ReleveEvenement) -> AppResult<StatusCode> {
    let operateur_id = u.operateur()?;
    let mut tx = begin_write(&state.db).await?;
    releves::transition(&mut tx, id, operateur_id, evenement, u.id(), state.clock.now()).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/api/v1/releves/{id}/envoi",
    tag = "ledger",
    params(("id" = i64, Path)),
    responses((status = 200, description = "Réponse")),
    security(("session" = []))
)]
async fn envoi(State(state): State<AppState>, u: LedgerUser, ApiPath(id): ApiPath<i64>) -> AppResult<StatusCode> {
    transition(state, u, id, ReleveEvenement::Envoyer).await
}

#[utoipa::path(
    post,
    path = "/api/v1/releves/{id}/paiement",
    tag = "ledger",
    params(("id" = i64, Path)),
    responses((status = 200, description = "Réponse")),
    security(("session" = []))
)]
async fn paiement(State(state): State<AppState>, u: LedgerUser, ApiPath(id): ApiPath<i64>) -> AppResult<StatusCode> {
    transition(state, u, id, ReleveEvenement::MarquerPaye).await
}

/// The OpenAPI description of this module's routes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, emission, provisoire, detail, csv, envoi, paiement))]
pub(super) struct Doc;
