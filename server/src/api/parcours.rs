//! Parcours: intake (step 1) creates one; its page loads everything at once (the `Dossier`).

use crate::auth::CurrentUser;
use crate::error::{ApiJson, ApiPath, AppError, AppResult};
use crate::journal::{identite_lue, Lecture};
use crate::store::users::{Avec, Lu};
use crate::store::{communes, donnees, parcours};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use carnet_domain::api::{FieldErrors, IntakeCreated, IntakeRequest};
use carnet_domain::donnees::valider_information;
use carnet_domain::intake::{self, code_field};
use carnet_domain::parcours::Dossier;

pub fn router() -> Router<AppState> {
    Router::new().route("/parcours", post(create)).route("/parcours/{id}", get(detail))
}

#[utoipa::path(
    post,
    path = "/api/v1/parcours",
    tag = "parcours",
    request_body = IntakeRequest,
    responses((status = 201, description = "Créé", body = IntakeCreated)),
    security(("session" = []))
)]
async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<IntakeRequest>,
) -> AppResult<(StatusCode, Json<IntakeCreated>)> {
    let structure_id = user.structure_for_beneficiaires()?;
    let now = state.clock.now();
    let today = user.calendrier.today(now);
    // The person, the carnet, and the information notice with the consents: all errors at once.
    let (valid, information) = match (intake::validate(&req, today), valider_information(&req.information)) {
        (Ok(v), Ok(i)) => (v, i),
        (v, i) => {
            let mut all = v.err().unwrap_or_default();
            all.extend(i.err().unwrap_or_default());
            return Err(AppError::Validation(all));
        }
    };

    let mut errors = FieldErrors::new();
    if donnees::notice(&mut *state.db.acquire().await?, information.notice_id).await?.is_none() {
        errors.insert(
            "notice_remise".into(),
            "Information de la personne : cette notice n'existe pas ; rechargez la page.".into(),
        );
    }
    if let Some(code) = &valid.commune_insee {
        if communes::get(&mut *state.db.acquire().await?, code).await?.is_none() {
            errors.insert(
                "commune_insee".into(),
                "Commune de résidence : ce code n'est pas dans la liste officielle des communes.".into(),
            );
        }
    }

    let mut tx = crate::db::begin_write(&state.db).await?;
    for dup in parcours::existing_codes(&mut tx, &valid.codes).await? {
        let rang = valid.codes.iter().position(|c| *c == dup).unwrap_or(0) + 1;
        errors.insert(
            code_field(rang),
            format!("Pass n°{rang} : le code {} est déjà enregistré dans Carnet.", dup.display()),
        );
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let created = match parcours::create_from_intake(&mut tx, &valid, structure_id, user.id, now).await {
        Ok(c) => c,
        // Another request recorded one of these codes between our check and our insert.
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            return Err(AppError::field(
                "codes",
                "Un des codes de pass vient d'être enregistré par ailleurs : vérifiez les codes.",
            ))
        }
        Err(e) => return Err(e.into()),
    };
    donnees::record_intake(&mut tx, created.beneficiaire_id, &information, user.id, now).await?;
    tx.commit().await?;
    tracing::info!(parcours_id = created.parcours_id, user_id = user.id, "accueil enregistré");
    Ok((
        StatusCode::CREATED,
        Json(IntakeCreated { parcours_id: created.parcours_id, beneficiaire_id: created.beneficiaire_id }),
    ))
}

/// Everything a parcours page shows, in one answer.
#[utoipa::path(
    get,
    path = "/api/v1/parcours/{id}",
    tag = "parcours",
    params(("id" = i64, Path)),
    responses((status = 200, description = "Réponse", body = Dossier)),
    security(("session" = []))
)]
async fn detail(State(state): State<AppState>, lecteur: LecteurDuParcours) -> AppResult<Response> {
    let LecteurDuParcours { user, id, lu } = lecteur;
    let structure_id = user.structure_for_beneficiaires()?;
    // The version first, the data after: what is then read is at least as new as the version it
    // is kept under, so a write committed in between only costs the next read a rebuild.
    let (version, beneficiaire) = lu.ok_or(AppError::NotFound)?;
    let corps = match state.pages.lire(id, &version) {
        Some(corps) => corps,
        None => {
            let mut conn = state.db.acquire().await?;
            let dossier: Dossier =
                crate::store::dossier::load(&mut *conn, id, structure_id).await?.ok_or(AppError::NotFound)?;
            let corps = Bytes::from(serde_json::to_vec(&dossier).map_err(|e| AppError::Internal(e.into()))?);
            state.pages.garder(id, version, corps.clone());
            corps
        }
    };
    identite_lue(&state, &user, Lecture::Parcours, &[beneficiaire]).await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], corps).into_response())
}

/// Who reads `/parcours/{id}`, and that parcours' version and person when it is of their
/// structure, all in the session's statement: a page kept in memory is then answered after
/// one read (and its journal line).
struct LecteurDuParcours {
    user: CurrentUser,
    id: i64,
    lu: Option<(i64, i64)>,
}

impl FromRequestParts<AppState> for LecteurDuParcours {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // Who asks first, as for every other route: without a session, 401 whatever the id.
        let id = match ApiPath::<i64>::from_request_parts(parts, state).await {
            Ok(ApiPath(id)) => id,
            Err(e) => {
                CurrentUser::from_request_parts(parts, state).await?;
                return Err(e);
            }
        };
        let (user, lu) = CurrentUser::avec(parts, state, Avec::Parcours(id)).await?;
        let lu = match lu {
            Lu { version: Some(version), beneficiaire: Some(beneficiaire) } => Some((version, beneficiaire)),
            _ => None,
        };
        Ok(LecteurDuParcours { user, id, lu })
    }
}

/// The OpenAPI description of this module's routes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(create, detail))]
pub(super) struct Doc;
