//! Candidate venues: conseillers report them; the hub of the venue's département moves them
//! through accreditation. Reporters follow their structure's reports.

use super::lieux::{portee, Portee};
use crate::auth::CurrentUser;
use crate::error::{ApiJson, ApiPath, AppError, AppResult};
use crate::lieux::geocodage::Adresse;
use crate::store::candidats::{self as store, Visibles};
use crate::store::{communes, lieux as store_lieux};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use carnet_domain::api::{Cree, FieldErrors, Role};
use carnet_domain::lieux::candidat::{self, CandidatDetail, CandidatRequest, CandidatResume, TransitionRequest};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/lieux/candidats", get(list).post(create))
        .route("/lieux/candidats/{id}", get(detail))
        .route("/lieux/candidats/{id}/etapes", post(transition))
}

/// Which candidates a user sees: hubs their territory, administrators all, conseillers and
/// coordinateurs their structure's reports. Commanditaires: none until issue 4 gives them a
/// territory (then: `Visibles::Departements` of their orders).
async fn visibles(state: &AppState, user: &CurrentUser) -> AppResult<(Portee, Option<i64>)> {
    let p = portee(state, user).await?;
    let structure = match user.role {
        Role::Conseiller | Role::Coordinateur => user.structure_id,
        _ => None,
    };
    if p == Portee::Aucune && structure.is_none() {
        return Err(AppError::Forbidden);
    }
    Ok((p, structure))
}

#[utoipa::path(
    get,
    path = "/api/v1/lieux/candidats",
    tag = "candidats",
    responses((status = 200, description = "Réponse", body = Vec<CandidatResume>)),
    security(("session" = []))
)]
async fn list(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Vec<CandidatResume>>> {
    let (p, structure) = visibles(&state, &user).await?;
    let rows = match (&p, structure) {
        (Portee::National, _) => store::list(&state.db, Visibles::Tous).await?,
        (Portee::Departements(d), _) => store::list(&state.db, Visibles::Departements(d)).await?,
        (Portee::Aucune, Some(s)) => store::list(&state.db, Visibles::Structure(s)).await?,
        (Portee::Aucune, None) => Vec::new(),
    };
    Ok(Json(rows.iter().map(|r| r.resume()).collect()))
}

#[utoipa::path(
    post,
    path = "/api/v1/lieux/candidats",
    tag = "candidats",
    request_body = CandidatRequest,
    responses((status = 201, description = "Créé", body = Cree)),
    security(("session" = []))
)]
async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<CandidatRequest>,
) -> AppResult<(StatusCode, Json<Cree>)> {
    if !matches!(user.role, Role::Conseiller | Role::Coordinateur | Role::Hub | Role::Admin) {
        return Err(AppError::Forbidden);
    }
    let valid = candidat::valider(&req).map_err(AppError::Validation)?;
    let mut errors = FieldErrors::new();
    let commune = communes::get(&mut *state.db.acquire().await?, &valid.commune_insee).await?;
    match &commune {
        None => {
            errors.insert(
                "commune_insee".into(),
                "Commune : ce code n'est pas dans la liste officielle des communes.".into(),
            );
        }
        Some(c) if !c.codes_postaux.is_empty() && !c.codes_postaux.contains(&valid.code_postal) => {
            errors.insert(
                "code_postal".into(),
                format!(
                    "Code postal : {} n'est pas un code postal de {} ({}).",
                    valid.code_postal,
                    c.nom,
                    c.codes_postaux.join(", ")
                ),
            );
        }
        _ => {}
    }
    if let Some(lieu_id) = valid.lieu_id {
        match store_lieux::get(&state.db, lieu_id).await? {
            None => {
                errors.insert("lieu_id".into(), "Lieu : ce lieu n'existe pas sur la carte.".into());
            }
            Some(l) if l.accepte_pass => {
                errors.insert("lieu_id".into(), "Lieu : il accepte déjà le Pass numérique.".into());
            }
            Some(_) => {
                if let Some(cid) = store::of_lieu(&state.db, lieu_id).await? {
                    if let Some(c) = store::get(&state.db, cid).await? {
                        if !c.statut().est_final() {
                            errors.insert("lieu_id".into(), "Lieu : il est déjà signalé et suivi par le hub.".into());
                        }
                    }
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let commune = commune.unwrap();
    // Its point: the address through the geocoder when one is configured, else the commune's.
    let mut position = None;
    if let Some(g) = state.config.geocodeur.clone() {
        let (adresse, cp, nom, code) =
            (valid.adresse.clone(), valid.code_postal.clone(), commune.nom.clone(), commune.code_insee.clone());
        let found = tokio::task::spawn_blocking(move || {
            g.geocode(&Adresse { adresse: &adresse, code_postal: &cp, commune: &nom, code_insee: Some(&code) })
        })
        .await
        .map_err(anyhow::Error::from)?;
        match found {
            Ok(Some(p)) => position = Some((p.latitude, p.longitude)),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "géocodage d'un lieu candidat"),
        }
    }
    if position.is_none() {
        position = store_lieux::commune_point(&state.db, &commune.code_insee).await?;
    }
    let now = state.clock.now();
    let mut tx = crate::db::begin_write(&state.db).await?;
    let id = store::create(
        &mut tx,
        &store::Nouveau {
            c: &valid,
            departement: &commune.departement,
            user_id: user.id,
            structure_id: user.structure_id,
            position,
            today: crate::today_in_paris(now),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(candidat_id = id, departement = %commune.departement, "lieu candidat signalé");
    Ok((StatusCode::CREATED, Json(Cree { id })))
}

async fn load(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<(store::CandidatRow, bool)> {
    let (p, structure) = visibles(state, user).await?;
    let c = store::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let modifiable = p.contient(&c.departement);
    let own = structure.is_some() && c.structure_id == structure;
    if !modifiable && !own {
        return Err(AppError::NotFound);
    }
    Ok((c, modifiable))
}

#[utoipa::path(
    get,
    path = "/api/v1/lieux/candidats/{id}",
    tag = "candidats",
    params(("id" = i64, Path)),
    responses((status = 200, description = "Réponse", body = CandidatDetail)),
    security(("session" = []))
)]
async fn detail(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<CandidatDetail>> {
    let (c, modifiable) = load(&state, &user, id).await?;
    let etapes = store::etapes(&state.db, id).await?;
    Ok(Json(CandidatDetail {
        id: c.id,
        statut: c.statut(),
        nom: c.nom,
        adresse: c.adresse,
        code_postal: c.code_postal,
        commune_insee: c.commune_insee,
        commune: c.commune,
        departement: c.departement,
        motif: c.motif,
        contact_nom: c.contact_nom,
        contact_telephone: c.contact_telephone,
        contact_courriel: c.contact_courriel,
        pivot: c.pivot,
        signale_le: c.signale_le,
        signale_par: c.signale_par,
        lieu_id: c.lieu_id,
        etapes,
        modifiable,
    }))
}

#[utoipa::path(
    post,
    path = "/api/v1/lieux/candidats/{id}/etapes",
    tag = "candidats",
    params(("id" = i64, Path)),
    request_body = TransitionRequest,
    responses((status = 200, description = "Réponse", body = CandidatDetail)),
    security(("session" = []))
)]
async fn transition(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<TransitionRequest>,
) -> AppResult<Json<CandidatDetail>> {
    let (c, modifiable) = load(&state, &user, id).await?;
    if !modifiable {
        // The reporter sees the candidate but only the hub moves it.
        return Err(AppError::Forbidden);
    }
    let now = state.clock.now();
    let today = crate::today_in_paris(now);
    let mut tx = crate::db::begin_write(&state.db).await?;
    // Read again under the write lock: another hub may have moved it meanwhile.
    let current = store::statut_for_update(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let from = candidat::StatutCandidat::parse(&current).unwrap_or(candidat::StatutCandidat::Signale);
    let t = candidat::valider_transition(&req, from, c.signale_le, c.pivot.is_some(), &c.code_postal, today)
        .map_err(AppError::Validation)?;
    let c = store::CandidatRow { statut: current, ..c };
    let lieu = store::transition(&mut tx, &c, &t, user.id, now).await?;
    tx.commit().await?;
    tracing::info!(candidat_id = id, statut = t.vers.code(), lieu_id = ?lieu, "candidat déplacé");
    detail(State(state), user, ApiPath(id)).await
}

/// The OpenAPI description of this module's routes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, detail, transition))]
pub(super) struct Doc;
