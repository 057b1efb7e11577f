//! Commune autocomplete over the official list.

use crate::auth::CurrentUser;
use crate::error::{ApiQuery, AppResult};
use crate::store::communes;
use crate::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use carnet_domain::api::Commune;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/communes", get(search))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct Search {
    #[serde(default)]
    q: String,
}

#[utoipa::path(
    get,
    path = "/api/v1/communes",
    tag = "communes",
    params(Search),
    responses((status = 200, description = "Réponse", body = Vec<Commune>)),
    security(("session" = []))
)]
async fn search(
    State(state): State<AppState>,
    _user: CurrentUser,
    ApiQuery(s): ApiQuery<Search>,
) -> AppResult<Json<Vec<Commune>>> {
    let q: String = s.q.chars().take(60).collect();
    if q.trim().chars().count() < 2 {
        return Ok(Json(Vec::new()));
    }
    Ok(Json(communes::search(&state.db, &q, 10).await?))
}

/// The OpenAPI description of this module's routes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(search))]
pub(super) struct Doc;
