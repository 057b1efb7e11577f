//! Carnets in the structure: the coordinateur's view and sub-lots, a conseiller's lot, and the
//! distribution of a carnet at intake.

use super::LedgerUser;
use crate::db::begin_write;
use crate::error::{ApiJson, AppError, AppResult};
use crate::store::communes;
use crate::store::ledger::{distribution, lots};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use carnet_domain::api::{FieldErrors, IntakeRequest};
use carnet_domain::intake;
use carnet_domain::ledger::api::{
    CarnetDuLot, CarnetsStructure, DistributionCreated, DistributionRequest, LotConseillerRequest, LotCreated,
    RepriseRequest,
};
use carnet_domain::ledger::distribution::{champ_du_carnet, verifier_criteres};
use carnet_domain::money::format_decimal_comma;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/carnets/structure", get(structure))
        .route("/carnets/mon-lot", get(mon_lot))
        .route("/lots/conseiller", post(lot_conseiller))
        .route("/lots/reprise", post(reprise))
        .route("/distributions", post(distribuer))
}

#[utoipa::path(
    get,
    path = "/api/v1/carnets/structure",
    tag = "ledger",
    responses((status = 200, description = "Réponse", body = CarnetsStructure)),
    security(("session" = []))
)]
async fn structure(State(state): State<AppState>, u: LedgerUser) -> AppResult<Json<CarnetsStructure>> {
    let structure_id = u.coordinateur()?;
    let today = state.clock.today();
    Ok(Json(lots::carnets_structure(&state.db, structure_id, today).await?))
}

#[utoipa::path(
    get,
    path = "/api/v1/carnets/mon-lot",
    tag = "ledger",
    responses((status = 200, description = "Réponse", body = Vec<CarnetDuLot>)),
    security(("session" = []))
)]
async fn mon_lot(State(state): State<AppState>, u: LedgerUser) -> AppResult<Json<Vec<CarnetDuLot>>> {
    u.accompagnant()?;
    let today = state.clock.today();
    Ok(Json(lots::carnets_en_main(&state.db, "c.conseiller_id = $1", u.id(), today).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/lots/conseiller",
    tag = "ledger",
    request_body = LotConseillerRequest,
    responses((status = 201, description = "Créé", body = LotCreated)),
    security(("session" = []))
)]
async fn lot_conseiller(
    State(state): State<AppState>,
    u: LedgerUser,
    ApiJson(req): ApiJson<LotConseillerRequest>,
) -> AppResult<(StatusCode, Json<LotCreated>)> {
    let structure_id = u.coordinateur()?;
    let mut errors = FieldErrors::new();
    let commande_id = req.commande_id.trim().parse::<i64>().ok();
    if commande_id.is_none() {
        errors.insert("commande_id".into(), "Commande : choisissez de quelle commande viennent les carnets.".into());
    }
    let conseiller_id = req.conseiller_id.trim().parse::<i64>().ok();
    if conseiller_id.is_none() {
        errors.insert("conseiller_id".into(), "Conseiller : choisissez à qui confier les carnets.".into());
    }
    let nombre = req.nombre.trim().parse::<i64>().ok().filter(|n| (1..=10_000).contains(n));
    if nombre.is_none() {
        errors.insert("nombre".into(), "Nombre de carnets : un nombre entier, au moins 1.".into());
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let mut tx = begin_write(&state.db).await?;
    let (id, n) = lots::confier_conseiller(
        &mut tx,
        structure_id,
        commande_id.expect("checked"),
        conseiller_id.expect("checked"),
        nombre.expect("checked"),
        u.id(),
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(LotCreated { id, nb_carnets: n })))
}

#[utoipa::path(
    post,
    path = "/api/v1/lots/reprise",
    tag = "ledger",
    request_body = RepriseRequest,
    responses((status = 200, description = "Réponse", body = LotCreated)),
    security(("session" = []))
)]
async fn reprise(
    State(state): State<AppState>,
    u: LedgerUser,
    ApiJson(req): ApiJson<RepriseRequest>,
) -> AppResult<Json<LotCreated>> {
    let structure_id = u.coordinateur()?;
    if req.carnet_ids.len() > 10_000 {
        return Err(AppError::field("carnet_ids", "Carnets : 10 000 au plus à la fois."));
    }
    let mut tx = begin_write(&state.db).await?;
    let n = lots::reprendre(&mut tx, structure_id, &req.carnet_ids, u.id(), state.clock.now()).await?;
    tx.commit().await?;
    Ok(Json(LotCreated { id: 0, nb_carnets: n }))
}

#[utoipa::path(
    post,
    path = "/api/v1/distributions",
    tag = "ledger",
    request_body = DistributionRequest,
    responses((status = 201, description = "Créé", body = DistributionCreated)),
    security(("session" = []))
)]
async fn distribuer(
    State(state): State<AppState>,
    u: LedgerUser,
    ApiJson(req): ApiJson<DistributionRequest>,
) -> AppResult<(StatusCode, Json<DistributionCreated>)> {
    let structure_id = u.accompagnant()?;
    let now = state.clock.now();
    let today = crate::today_in_paris(now);

    let mut tx = begin_write(&state.db).await?;
    let carnet = distribution::carnet_du_lot(&mut tx, req.carnet_id, u.id(), today).await;
    // The person is checked by the intake's own rules; the carnet's fields come from our ledger.
    let codes = match &carnet {
        Ok((c, _)) => crate::store::passes::codes_du_carnet(&mut tx, c.id).await?,
        Err(_) => Vec::new(),
    };
    let personne_req = match &carnet {
        Ok((c, _)) => IntakeRequest {
            carnet_numero: c.numero.clone(),
            nb_passes: c.nb_passes.to_string(),
            valeur_faciale: format_decimal_comma(c.valeur_faciale_centimes),
            fin_validite: c.fin_validite.max(today).to_string(),
            codes,
            commanditaire: c.commanditaire.chars().take(intake::COMMANDITAIRE_MAX).collect(),
            canal: "conseiller_numerique".into(),
            date_reception: today.to_string(),
            ..req.intake.clone()
        },
        Err(_) => req.intake.clone(),
    };
    let mut errors = FieldErrors::new();
    let personne = match intake::validate(&personne_req, today) {
        Ok(v) => Some(v),
        Err(e) => {
            errors.extend(e.into_iter().filter(|(k, _)| !champ_du_carnet(k)));
            None
        }
    };
    // The information notice shown and the consents, as at any intake.
    let information = match carnet_domain::donnees::valider_information(&req.intake.information) {
        Ok(i) => {
            if crate::store::donnees::notice(&mut *tx, i.notice_id).await?.is_none() {
                errors.insert(
                    "notice_remise".into(),
                    "Information de la personne : cette notice n'existe pas ; rechargez la page.".into(),
                );
            }
            Some(i)
        }
        Err(e) => {
            errors.extend(e);
            None
        }
    };
    let commune = personne.as_ref().and_then(|p| p.commune_insee.clone());
    if let Some(code) = &commune {
        if communes::get(&mut *tx, code).await?.is_none() {
            errors.insert(
                "commune_insee".into(),
                "Commune de résidence : ce code n'est pas dans la liste officielle des communes.".into(),
            );
        }
    }
    let criteres = match &carnet {
        Ok((_, of_order)) => match verifier_criteres(&req.criteres, of_order) {
            Ok(c) => Some(c),
            Err(e) => {
                errors.extend(e);
                None
            }
        },
        Err(AppError::Validation(e)) => {
            errors.extend(e.clone());
            None
        }
        Err(_) => None,
    };
    let carnet = match carnet {
        Ok((c, _)) => c,
        Err(AppError::Validation(_)) => return Err(AppError::Validation(errors)),
        Err(e) => return Err(e),
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let personne = personne.expect("no errors");
    let criteres = criteres.expect("no errors");
    let information = information.expect("no errors");
    let created =
        distribution::distribuer(&mut tx, &personne, &carnet, &criteres, structure_id, u.id(), now, today).await?;
    crate::store::donnees::record_intake(&mut tx, created.beneficiaire_id, &information, u.id(), now).await?;
    tx.commit().await?;

    // Where the person can use the carnet: the same list as their space and the printable one.
    let (_, _, lieux) = crate::api::orientation::proches(
        &state,
        commune.as_deref(),
        structure_id,
        carnet.id,
        crate::api::orientation::NOMBRE,
    )
    .await?;
    let structure_acceptee = distribution::structure_acceptee(&state.db, carnet.commande_id, structure_id).await?;
    tracing::info!(parcours_id = created.parcours_id, carnet_id = carnet.id, "carnet remis à l'accueil");
    Ok((
        StatusCode::CREATED,
        Json(DistributionCreated {
            parcours_id: created.parcours_id,
            beneficiaire_id: created.beneficiaire_id,
            carnet_numero: carnet.numero,
            structure_acceptee,
            lieux,
        }),
    ))
}

/// The OpenAPI description of this module's routes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(structure, mon_lot, lot_conseiller, reprise, distribuer))]
pub(super) struct Doc;
