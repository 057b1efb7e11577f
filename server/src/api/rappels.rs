//! Session reminders, as the staff see them: per session of a parcours, whether its reminder
//! went out or failed (conseillers and coordinateurs of the structure); the structure's failures
//! and its choice of 24 h / 48 h / no reminder (coordinateurs). The beneficiary stops them from
//! their space (`espace.rs`). The sending itself is the job in `crate::rappels`.

use crate::auth::CurrentUser;
use crate::db::begin_write;
use crate::error::{ApiJson, ApiPath, AppError, AppResult};
use crate::store::audit::{Audit, Entite};
use crate::store::rappels::{self as envois, EtatEnvoi};
use crate::store::{parcours, structures};
use crate::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use carnet_domain::api::Role;
use carnet_domain::fuseau::Fuseau;
use carnet_domain::parcours::planning::heure;
use carnet_domain::paris;
use carnet_domain::rappels::{
    canal_libelle, valider_reglage, EchecRappel, EtatRappel, ReglageRappels, ReglageRappelsRequest,
};
use chrono::{DateTime, Utc};
use serde_json::json;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/parcours/{id}/rappels", get(of_parcours))
        .route("/rappels/echecs", get(echecs))
        .route("/structure/rappels", get(reglage).put(regler))
}

fn date_heure(fuseau: Fuseau, at: DateTime<Utc>) -> String {
    let local = fuseau.to_local(at);
    format!("{} à {}", paris::date_longue(local.date()), heure(local.time()))
}

fn coordinateur(user: &CurrentUser) -> AppResult<i64> {
    match (user.role, user.structure_id) {
        (Role::Coordinateur, Some(s)) => Ok(s),
        _ => Err(AppError::Forbidden),
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/parcours/{id}/rappels",
    tag = "rappels",
    params(("id" = i64, Path)),
    responses((status = 200, description = "Réponse", body = Vec<EtatRappel>)),
    security(("session" = []))
)]
async fn of_parcours(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<Vec<EtatRappel>>> {
    let structure_id = user.structure_for_beneficiaires()?;
    let (lignes, existe) = {
        let mut conn = state.db.acquire().await?;
        (envois::of_parcours(&mut conn, id, structure_id).await?, parcours::existe(&mut conn, id, structure_id).await?)
    };
    if !existe {
        return Err(AppError::NotFound);
    }
    Ok(Json(
        lignes
            .into_iter()
            .map(|l| {
                let par = canal_libelle(l.canal.code());
                let texte = match l.etat {
                    EtatEnvoi::Envoye => format!(
                        "Rappel envoyé {par} le {}",
                        date_heure(user.calendrier.fuseau, l.envoye_at.unwrap_or(l.updated_at))
                    ),
                    EtatEnvoi::Echec => format!(
                        "Échec du rappel {par} ({} essai{}) : {}",
                        l.tentatives,
                        if l.tentatives > 1 { "s" } else { "" },
                        l.reponse.clone().unwrap_or_default()
                    ),
                    EtatEnvoi::Retire => format!("Rappel {par} retiré (séance annulée ou rappels arrêtés)"),
                    _ if l.tentatives > 0 => format!("Rappel {par} en cours : nouvel essai bientôt"),
                    _ => format!("Rappel {par} en attente"),
                };
                EtatRappel {
                    seance_id: l.seance_id,
                    canal: l.canal.code().to_string(),
                    etat: l.etat.code().to_string(),
                    texte,
                }
            })
            .collect(),
    ))
}

/// The structure's failed reminders of the last 30 days, newest first. No names: the coordinateur
/// opens the parcours (which journals the read) to call the person.
#[utoipa::path(
    get,
    path = "/api/v1/rappels/echecs",
    tag = "rappels",
    responses((status = 200, description = "Réponse", body = Vec<EchecRappel>)),
    security(("session" = []))
)]
async fn echecs(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Vec<EchecRappel>>> {
    let structure_id = coordinateur(&user)?;
    let depuis = state.clock.now() - chrono::Duration::days(30);
    let rows = envois::echecs(&mut *state.db.acquire().await?, structure_id, depuis).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| EchecRappel {
                seance_id: r.seance_id,
                parcours_id: r.parcours_id,
                seance: date_heure(user.calendrier.fuseau, r.debut),
                canal: r.canal.code().to_string(),
                tentatives: r.tentatives,
                reponse: r.reponse.unwrap_or_default(),
                le: date_heure(user.calendrier.fuseau, r.updated_at),
            })
            .collect(),
    ))
}

#[utoipa::path(
    get,
    path = "/api/v1/structure/rappels",
    tag = "rappels",
    responses((status = 200, description = "Réponse", body = ReglageRappels)),
    security(("session" = []))
)]
async fn reglage(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<ReglageRappels>> {
    let structure_id = user.structure_for_beneficiaires()?;
    let delai = structures::delai_rappel(&mut *state.db.acquire().await?, structure_id).await?;
    Ok(Json(ReglageRappels { delai }))
}

#[utoipa::path(
    put,
    path = "/api/v1/structure/rappels",
    tag = "rappels",
    request_body = ReglageRappelsRequest,
    responses((status = 200, description = "Réponse", body = ReglageRappels)),
    security(("session" = []))
)]
async fn regler(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<ReglageRappelsRequest>,
) -> AppResult<Json<ReglageRappels>> {
    let structure_id = coordinateur(&user)?;
    let r = valider_reglage(&req).map_err(AppError::Validation)?;
    let now = state.clock.now();
    let mut tx = begin_write(&state.db).await?;
    let avant = structures::delai_rappel(&mut tx, structure_id).await?;
    structures::set_delai_rappel(&mut tx, structure_id, r.delai).await?;
    Audit::par(Some(user.id), Entite::Structure(structure_id), "rappels_regles")
        .avant(json!({ "delai": avant.code() }))
        .apres(json!({ "delai": r.delai.code() }))
        .ecrire(&mut tx, now)
        .await?;
    tx.commit().await?;
    Ok(Json(r))
}

/// The OpenAPI description of this module's routes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(of_parcours, echecs, reglage, regler))]
pub(super) struct Doc;
