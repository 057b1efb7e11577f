//! The structure's contact details, which the person's sheet and space show as « whom to call »:
//! read by its staff, changed by its coordinateurs.

use crate::auth::CurrentUser;
use crate::db::begin_write;
use crate::error::{ApiJson, AppError, AppResult};
use crate::store::audit::{Audit, Entite};
use crate::store::structures;
use crate::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use carnet_domain::api::Role;
use carnet_domain::structure::{valider, Coordonnees, CoordonneesRequest};

pub fn router() -> Router<AppState> {
    Router::new().route("/structure/coordonnees", get(lire).put(changer))
}

#[utoipa::path(
    get,
    path = "/api/v1/structure/coordonnees",
    tag = "structure",
    responses((status = 200, description = "Réponse", body = Coordonnees)),
    security(("session" = []))
)]
async fn lire(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Coordonnees>> {
    let structure_id = user.structure_for_beneficiaires()?;
    let mut conn = state.db.acquire().await?;
    Ok(Json(structures::coordonnees(&mut conn, structure_id).await?))
}

#[utoipa::path(
    put,
    path = "/api/v1/structure/coordonnees",
    tag = "structure",
    request_body = CoordonneesRequest,
    responses((status = 200, description = "Réponse", body = Coordonnees)),
    security(("session" = []))
)]
async fn changer(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<CoordonneesRequest>,
) -> AppResult<Json<Coordonnees>> {
    let structure_id = match (user.role, user.structure_id) {
        (Role::Coordinateur, Some(s)) => s,
        _ => return Err(AppError::Forbidden),
    };
    let c = valider(&req).map_err(AppError::Validation)?;
    let now = state.clock.now();
    let mut tx = begin_write(&state.db).await?;
    let avant = structures::coordonnees(&mut tx, structure_id).await?;
    structures::set_coordonnees(&mut tx, structure_id, &c).await?;
    Audit::par(Some(user.id), Entite::Structure(structure_id), "coordonnees")
        .avant(&avant)
        .apres(&c)
        .ecrire(&mut tx, now)
        .await?;
    tx.commit().await?;
    Ok(Json(c))
}

/// The OpenAPI description of this module's routes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(lire, changer))]
pub(super) struct Doc;
