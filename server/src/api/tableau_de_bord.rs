//! The conseiller's dashboard: today's sessions, the next ones, and each parcours with its
//! progress and the step to resume.

use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::journal::{self, Lecture};
use crate::store::{etapes, seances};
use crate::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use carnet_domain::api::Role;
use carnet_domain::parcours::TableauDeBord;
use chrono::{Duration, NaiveTime};

pub fn router() -> Router<AppState> {
    Router::new().route("/tableau-de-bord", get(dashboard))
}

#[utoipa::path(
    get,
    path = "/api/v1/tableau-de-bord",
    tag = "tableau_de_bord",
    responses((status = 200, description = "Réponse", body = TableauDeBord)),
    security(("session" = []))
)]
async fn dashboard(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<TableauDeBord>> {
    let structure_id = user.structure_for_beneficiaires()?;
    let now = state.clock.now();
    // « Today » and its midnights are the structure's: in Saint-Denis de La Réunion the day
    // starts four hours before it does in UTC.
    let cal = user.calendrier;
    let today = cal.today(now);
    let minuit = |d: chrono::NaiveDate| cal.to_utc(d.and_time(NaiveTime::MIN));
    let demain = today + Duration::days(1);
    let mut conn = state.db.acquire().await?;
    let seances_du_jour = seances::agenda(&mut conn, user.id, minuit(today), minuit(demain), 50, cal).await?;
    let prochaines_seances =
        seances::agenda(&mut conn, user.id, minuit(demain), minuit(today + Duration::days(15)), 10, cal).await?;
    let conseiller = if user.role == Role::Coordinateur { None } else { Some(user.id) };
    let a_traiter = seances::a_traiter(&mut conn, structure_id, conseiller, now, 50, cal).await?;
    let parcours = etapes::suivis(&mut conn, structure_id, conseiller, 5, 50, cal).await?;
    // The journal below takes its own connections from the pool: holding this one meanwhile let
    // 8 dashboards at once (the pool's size) wait for each other until the 30 s acquire timeout.
    drop(conn);
    let mut ids: Vec<i64> = seances_du_jour.iter().chain(&prochaines_seances).map(|s| s.parcours_id).collect();
    ids.extend(parcours.iter().map(|p| p.id));
    ids.extend(a_traiter.iter().map(|a| a.parcours_id));
    ids.sort_unstable();
    ids.dedup();
    let beneficiaires = journal::beneficiaires_des_parcours(&state, &ids).await?;
    journal::identite_lue(&state, &user, Lecture::TableauDeBord, &beneficiaires).await?;
    Ok(Json(TableauDeBord { aujourdhui: today, a_traiter, seances_du_jour, prochaines_seances, parcours }))
}

/// The OpenAPI description of this module's routes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(dashboard))]
pub(super) struct Doc;
