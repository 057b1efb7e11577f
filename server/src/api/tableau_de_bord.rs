//! The conseiller's dashboard: today's sessions, the next ones, and each parcours with its
//! progress and the step to resume.

use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::journal::{self, Lecture};
use crate::store::users::Avec;
use crate::store::{etapes, parcours, seances};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use carnet_domain::api::Role;
use carnet_domain::fuseau::Calendrier;
use carnet_domain::parcours::TableauDeBord;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use std::sync::Arc;

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
async fn dashboard(State(state): State<AppState>, lecteur: LecteurDuTableau) -> AppResult<Response> {
    let LecteurDuTableau { user, version } = lecteur;
    let structure_id = user.structure_for_beneficiaires()?;
    let now = state.clock.now();
    // « Today » and its midnights are the structure's: in Saint-Denis de La Réunion the day
    // starts four hours before it does in UTC.
    let cal = user.calendrier;
    let today = cal.today(now);
    // The version (read with the session) first, the data after (see `api::parcours::detail`).
    let garde = Garde {
        structure_id,
        role: user.role,
        calendrier: cal,
        aujourdhui: today,
        version,
        jusqua: None,
        beneficiaires: Arc::from([]),
    };
    let (corps, beneficiaires) = match state.tableaux.lire_si(user.id, |g| g.tient(&garde, now)) {
        Some((corps, g)) => (corps, g.beneficiaires),
        None => {
            let mut conn = state.db.acquire().await?;
            let minuit = |d: chrono::NaiveDate| cal.to_utc(d.and_time(NaiveTime::MIN));
            let demain = today + Duration::days(1);
            let seances_du_jour = seances::agenda(&mut conn, user.id, minuit(today), minuit(demain), 50, cal).await?;
            let prochaines_seances =
                seances::agenda(&mut conn, user.id, minuit(demain), minuit(today + Duration::days(15)), 10, cal)
                    .await?;
            let conseiller = if user.role == Role::Coordinateur { None } else { Some(user.id) };
            let a_traiter = seances::a_traiter(&mut conn, structure_id, conseiller, now, 50, cal).await?;
            let jusqua = seances::a_traiter_jusqua(&mut conn, structure_id, conseiller, now).await?;
            let suivis = etapes::suivis(&mut conn, structure_id, conseiller, 5, 50, cal).await?;
            let mut ids: Vec<i64> = seances_du_jour.iter().chain(&prochaines_seances).map(|s| s.parcours_id).collect();
            ids.extend(suivis.iter().map(|p| p.id));
            ids.extend(a_traiter.iter().map(|a| a.parcours_id));
            ids.sort_unstable();
            ids.dedup();
            let (beneficiaires, dedans) = parcours::beneficiaires_dans(&mut conn, &ids, structure_id).await?;
            // The journal below takes its own connections from the pool: holding this one
            // meanwhile let 8 dashboards at once (the pool's size) wait for each other until the
            // 30 s acquire timeout.
            drop(conn);
            let page =
                TableauDeBord { aujourdhui: today, a_traiter, seances_du_jour, prochaines_seances, parcours: suivis };
            let corps = Bytes::from(serde_json::to_vec(&page).map_err(|e| AppError::Internal(e.into()))?);
            let beneficiaires: Arc<[i64]> = Arc::from(beneficiaires);
            // A session of another structure's parcours in the agenda: that parcours' changes
            // do not change this structure's version, so such a dashboard is built each time.
            if dedans {
                let garde = Garde { jusqua, beneficiaires: beneficiaires.clone(), ..garde };
                state.tableaux.garder(user.id, garde, corps.clone());
            }
            (corps, beneficiaires)
        }
    };
    journal::identite_lue(&state, &user, Lecture::TableauDeBord, &beneficiaires).await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], corps).into_response())
}

/// What a kept dashboard was built at: all its answer depends on besides the database's rows
/// (which the structure's version stands for).
#[derive(Clone, Debug)]
pub struct Garde {
    structure_id: i64,
    role: Role,
    calendrier: Calendrier,
    aujourdhui: NaiveDate,
    version: Option<i64>,
    /// The instant from which the clock alone may change it (a planned session's end makes it
    /// « to be dealt with »).
    jusqua: Option<DateTime<Utc>>,
    /// Whom it shows, for the access journal.
    beneficiaires: Arc<[i64]>,
}

impl Garde {
    /// Whether the dashboard kept at `self` is still the one `maintenant` would build.
    fn tient(&self, maintenant: &Garde, now: DateTime<Utc>) -> bool {
        self.structure_id == maintenant.structure_id
            && self.role == maintenant.role
            && self.calendrier == maintenant.calendrier
            && self.aujourdhui == maintenant.aujourdhui
            && self.version == maintenant.version
            && self.jusqua.is_none_or(|j| now < j)
    }
}

/// The OpenAPI description of this module's routes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(dashboard))]
pub(super) struct Doc;

/// Who reads the dashboard, and their structure's version read in the session's statement.
struct LecteurDuTableau {
    user: CurrentUser,
    version: Option<i64>,
}

impl FromRequestParts<AppState> for LecteurDuTableau {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let (user, lu) = CurrentUser::avec(parts, state, Avec::VersionStructure).await?;
        let version = lu.version;
        Ok(LecteurDuTableau { user, version })
    }
}
