//! The conseiller's day (`GET /api/v1/journee`): one conseiller's sessions of a day, with the
//! people's first names and what each needs, printable. A conseiller sees their own; a
//! coordinateur, any conseiller's of the structure (to hand a colleague's day to a replacement).
//! And the morning e-mail of that list, asked for or stopped from « Mon compte »
//! (`GET`/`PUT /api/v1/compte/journee`); the sending is in `crate::journee`.

use crate::auth::CurrentUser;
use crate::db::begin_write;
use crate::error::{ApiJson, ApiQuery, AppError, AppResult};
use crate::journal::{self, Lecture};
use crate::store::audit::{Audit, Entite};
use crate::store::users;
use crate::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use carnet_domain::api::Role;
use carnet_domain::rappels::{Journee, PreferenceJournee};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;

pub fn router() -> Router<AppState> {
    Router::new().route("/journee", get(journee)).route("/compte/journee", get(preference).put(choisir))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct JourneeQuery {
    /// YYYY-MM-DD; today in the structure's zone when absent.
    jour: Option<String>,
    /// Another conseiller of the structure (coordinateurs only).
    conseiller: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/api/v1/journee",
    tag = "journee",
    params(JourneeQuery),
    responses((status = 200, description = "Réponse", body = Journee)),
    security(("session" = []))
)]
async fn journee(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<JourneeQuery>,
) -> AppResult<Json<Journee>> {
    let structure_id = user.structure_for_beneficiaires()?;
    let conseiller_id = match q.conseiller {
        None => user.id,
        Some(id) if id == user.id => id,
        Some(id) if user.role == Role::Coordinateur => id,
        Some(_) => return Err(AppError::Forbidden),
    };
    let jour = match q.jour.as_deref().map(str::trim).filter(|j| !j.is_empty()) {
        None => user.calendrier.today(state.clock.now()),
        Some(j) => NaiveDate::parse_from_str(j, "%Y-%m-%d")
            .map_err(|_| AppError::field("jour", "Jour : une date au format AAAA-MM-JJ, par exemple 2027-03-16."))?,
    };
    // Another structure's conseiller is not found: answered as an unknown one.
    let j = crate::journee::journee(&state.db, conseiller_id, structure_id, jour, user.calendrier)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut ids: Vec<i64> = j.seances.iter().map(|s| s.parcours_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let beneficiaires = journal::beneficiaires_des_parcours(&state, &ids).await?;
    journal::identite_lue(&state, &user, Lecture::Journee, &beneficiaires).await?;
    Ok(Json(j))
}

#[utoipa::path(
    get,
    path = "/api/v1/compte/journee",
    tag = "journee",
    responses((status = 200, description = "Réponse", body = PreferenceJournee)),
    security(("session" = []))
)]
async fn preference(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<PreferenceJournee>> {
    user.structure_for_beneficiaires()?;
    let email_du_matin = users::journee_par_email(&mut *state.db.acquire().await?, user.id).await?;
    Ok(Json(PreferenceJournee { email_du_matin }))
}

#[utoipa::path(
    put,
    path = "/api/v1/compte/journee",
    tag = "journee",
    request_body = PreferenceJournee,
    responses((status = 200, description = "Réponse", body = PreferenceJournee)),
    security(("session" = []))
)]
async fn choisir(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<PreferenceJournee>,
) -> AppResult<Json<PreferenceJournee>> {
    user.structure_for_beneficiaires()?;
    let now = state.clock.now();
    let mut tx = begin_write(&state.db).await?;
    let avant = users::journee_par_email(&mut tx, user.id).await?;
    users::set_journee_par_email(&mut tx, user.id, req.email_du_matin).await?;
    if avant != req.email_du_matin {
        Audit::par(Some(user.id), Entite::User(user.id), "journee_par_email")
            .avant(json!({ "email_du_matin": avant }))
            .apres(json!({ "email_du_matin": req.email_du_matin }))
            .ecrire(&mut tx, now)
            .await?;
    }
    tx.commit().await?;
    Ok(Json(req))
}

/// The OpenAPI description of this module's routes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(journee, preference, choisir))]
pub(super) struct Doc;
