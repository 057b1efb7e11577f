//! The structure's beneficiaries: list with search, and one person with their parcours.

use crate::auth::CurrentUser;
use crate::error::{ApiPath, ApiQuery, AppError, AppResult};
use crate::journal::{identite_lue, Lecture};
use crate::store::beneficiaires;
use crate::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use carnet_domain::api::{BeneficiaireDetail, BeneficiaireSummary, Page};
use serde::Deserialize;

pub const PER_PAGE: u32 = 20;

pub fn router() -> Router<AppState> {
    Router::new().route("/beneficiaires", get(list)).route("/beneficiaires/{id}", get(detail))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    #[serde(default)]
    q: String,
    page: Option<u32>,
}

#[utoipa::path(
    get,
    path = "/api/v1/beneficiaires",
    tag = "beneficiaires",
    params(ListQuery),
    responses((status = 200, description = "Réponse", body = Page<BeneficiaireSummary>)),
    security(("session" = []))
)]
async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> AppResult<Json<Page<BeneficiaireSummary>>> {
    let structure_id = user.structure_for_beneficiaires()?;
    let page = query.page.unwrap_or(1).clamp(1, 100_000);
    let q: String = query.q.chars().take(60).collect();
    let (items, total) = beneficiaires::list(&state.db, structure_id, &q, page, PER_PAGE).await?;
    identite_lue(&state, &user, Lecture::Liste, &items.iter().map(|b| b.id).collect::<Vec<_>>()).await?;
    Ok(Json(Page { items, total, page, per_page: PER_PAGE }))
}

#[utoipa::path(
    get,
    path = "/api/v1/beneficiaires/{id}",
    tag = "beneficiaires",
    params(("id" = i64, Path)),
    responses((status = 200, description = "Réponse", body = BeneficiaireDetail)),
    security(("session" = []))
)]
async fn detail(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<BeneficiaireDetail>> {
    let structure_id = user.structure_for_beneficiaires()?;
    let beneficiaire =
        beneficiaires::get(&mut *state.db.acquire().await?, id, structure_id).await?.ok_or(AppError::NotFound)?;
    let parcours = beneficiaires::parcours_of(&state.db, id, structure_id).await?;
    identite_lue(&state, &user, Lecture::Fiche, &[id]).await?;
    Ok(Json(BeneficiaireDetail { beneficiaire, parcours }))
}

/// The OpenAPI description of this module's routes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, detail))]
pub(super) struct Doc;
