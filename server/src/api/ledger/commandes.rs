//! Orders: the commanditaire creates them and entrusts lots to structures; the opérateur records
//! the payment, activates, and downloads the codes to print.

use super::LedgerUser;
use crate::db::begin_write;
use crate::error::{ApiJson, ApiPath, ApiQuery, AppError, AppResult};
use crate::store::ledger::commandes;
use crate::store::ledger::lots::{self, LotStructure};
use crate::store::ledger::orgs;
use crate::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use carnet_domain::api::FieldErrors;
use carnet_domain::intake::parse_date;
use carnet_domain::ledger::api::{
    CommandeCreated, CommandeDetail, CommandeRequest, CommandeSummary, LotCreated, LotStructureRequest,
    PaiementRequest, Ref, StructureChoix,
};
use carnet_domain::ledger::commande;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/operateurs", get(operateurs))
        .route("/structures/choix", get(structures_choix))
        .route("/commandes", get(list).post(create))
        .route("/commandes/{id}", get(detail))
        .route("/commandes/{id}/paiement", post(paiement))
        .route("/commandes/{id}/activation", post(activation))
        .route("/commandes/{id}/codes", get(codes))
        .route("/commandes/{id}/lots", post(lot_structure))
}

#[utoipa::path(
    get,
    path = "/api/v1/operateurs",
    tag = "ledger",
    responses((status = 200, description = "Réponse", body = Vec<Ref>)),
    security(("session" = []))
)]
async fn operateurs(State(state): State<AppState>, u: LedgerUser) -> AppResult<Json<Vec<Ref>>> {
    u.commanditaire()?;
    Ok(Json(orgs::list_operateurs(&state.db).await?))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ChoixQuery {
    commande: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/api/v1/structures/choix",
    tag = "ledger",
    params(ChoixQuery),
    responses((status = 200, description = "Réponse", body = Vec<StructureChoix>)),
    security(("session" = []))
)]
async fn structures_choix(
    State(state): State<AppState>,
    u: LedgerUser,
    ApiQuery(q): ApiQuery<ChoixQuery>,
) -> AppResult<Json<Vec<StructureChoix>>> {
    let commanditaire_id = u.commanditaire()?;
    if let Some(id) = q.commande {
        if !commandes::du_commanditaire(&mut *state.db.acquire().await?, id, commanditaire_id).await? {
            return Err(AppError::NotFound);
        }
    }
    Ok(Json(orgs::structures_choix(&state.db, q.commande).await?))
}

#[utoipa::path(
    get,
    path = "/api/v1/commandes",
    tag = "ledger",
    responses((status = 200, description = "Réponse", body = Vec<CommandeSummary>)),
    security(("session" = []))
)]
async fn list(State(state): State<AppState>, u: LedgerUser) -> AppResult<Json<Vec<CommandeSummary>>> {
    let scope = match (u.commanditaire(), u.operateur()) {
        (Ok(id), _) => crate::store::ledger::Scope::Commanditaire(id),
        (_, Ok(id)) => crate::store::ledger::Scope::Operateur(id),
        _ => return Err(AppError::Forbidden),
    };
    Ok(Json(commandes::list(&state.db, scope).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/commandes",
    tag = "ledger",
    request_body = CommandeRequest,
    responses((status = 201, description = "Créé", body = CommandeCreated)),
    security(("session" = []))
)]
async fn create(
    State(state): State<AppState>,
    u: LedgerUser,
    ApiJson(req): ApiJson<CommandeRequest>,
) -> AppResult<(StatusCode, Json<CommandeCreated>)> {
    let commanditaire_id = u.commanditaire()?;
    let now = state.clock.now();
    let today = crate::today_in_paris(now);
    let valid = commande::validate(&req, today).map_err(AppError::Validation)?;

    let mut errors = FieldErrors::new();
    if !orgs::operateur_exists(&state.db, valid.operateur_id).await? {
        errors.insert("operateur_id".into(), "Opérateur : choisissez un opérateur de la liste.".into());
    }
    for d in &valid.departements {
        if !crate::store::communes::departement_existe(&mut *state.db.acquire().await?, d).await? {
            errors.insert("departements".into(), format!("Départements : le département « {d} » n'existe pas."));
            break;
        }
    }
    for c in &valid.communes {
        if crate::store::communes::get(&mut *state.db.acquire().await?, c).await?.is_none() {
            errors.insert(
                "communes".into(),
                format!("Communes : « {c} » n'est pas dans la liste officielle des communes."),
            );
            break;
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }

    let mut tx = begin_write(&state.db).await?;
    let (id, reference) = commandes::create(&mut tx, &valid, commanditaire_id, u.id(), now, today).await?;
    tx.commit().await?;
    // Carnets and passes in bounded transactions, so other writers (pass validations) get the
    // lock between them. On a task of its own: a client that hangs up does not stop it halfway
    // (a server that stops does: it resumes at its next start).
    let (db, user_id) = (state.db.clone(), u.id());
    tokio::spawn(async move { commandes::generer(&db, id, Some(user_id), now).await })
        .await
        .map_err(|e| AppError::Internal(e.into()))??;
    tracing::info!(commande_id = id, nb_carnets = valid.nb_carnets, "commande créée");
    Ok((StatusCode::CREATED, Json(CommandeCreated { id, reference })))
}

fn scope_of(u: &LedgerUser) -> AppResult<crate::store::ledger::Scope> {
    match u.scope()? {
        s @ (crate::store::ledger::Scope::Commanditaire(_) | crate::store::ledger::Scope::Operateur(_)) => Ok(s),
        _ => Err(AppError::Forbidden),
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/commandes/{id}",
    tag = "ledger",
    params(("id" = i64, Path)),
    responses((status = 200, description = "Réponse", body = CommandeDetail)),
    security(("session" = []))
)]
async fn detail(
    State(state): State<AppState>,
    u: LedgerUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<CommandeDetail>> {
    let scope = scope_of(&u)?;
    commandes::detail(&state.db, id, scope).await?.map(Json).ok_or(AppError::NotFound)
}

#[utoipa::path(
    post,
    path = "/api/v1/commandes/{id}/paiement",
    tag = "ledger",
    params(("id" = i64, Path)),
    request_body = PaiementRequest,
    responses((status = 204, description = "Fait")),
    security(("session" = []))
)]
async fn paiement(
    State(state): State<AppState>,
    u: LedgerUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<PaiementRequest>,
) -> AppResult<StatusCode> {
    let operateur_id = u.operateur()?;
    let now = state.clock.now();
    let today = crate::today_in_paris(now);
    let mut errors = FieldErrors::new();
    let reference = req.reference.trim();
    if reference.is_empty() {
        errors
            .insert("reference".into(), "Référence du paiement : ce champ est obligatoire (virement, mandat…).".into());
    } else if reference.chars().count() > 80 || reference.chars().any(char::is_control) {
        errors.insert(
            "reference".into(),
            "Référence du paiement : 80 caractères au plus, sans retour à la ligne.".into(),
        );
    }
    let date = match parse_date(&req.date) {
        Some(d) if d <= today => Some(d),
        Some(_) => {
            errors.insert("date".into(), "Date du paiement : elle ne peut pas être dans le futur.".into());
            None
        }
        None => {
            errors.insert("date".into(), "Date du paiement : indiquez une date (jj/mm/aaaa).".into());
            None
        }
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let mut tx = begin_write(&state.db).await?;
    commandes::enregistrer_paiement(&mut tx, id, operateur_id, reference, date.expect("checked"), u.id(), now).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/api/v1/commandes/{id}/activation",
    tag = "ledger",
    params(("id" = i64, Path)),
    responses((status = 204, description = "Fait")),
    security(("session" = []))
)]
async fn activation(State(state): State<AppState>, u: LedgerUser, ApiPath(id): ApiPath<i64>) -> AppResult<StatusCode> {
    let operateur_id = u.operateur()?;
    let mut tx = begin_write(&state.db).await?;
    let n = commandes::activer(&mut tx, id, operateur_id, u.id(), state.clock.now()).await?;
    tx.commit().await?;
    tracing::info!(commande_id = id, carnets = n, "commande activée");
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = "/api/v1/commandes/{id}/codes",
    tag = "ledger",
    params(("id" = i64, Path)),
    responses((status = 200, description = "CSV des codes de la commande", content_type = "text/csv", body = String)),
    security(("session" = []))
)]
async fn codes(State(state): State<AppState>, u: LedgerUser, ApiPath(id): ApiPath<i64>) -> AppResult<Response> {
    let operateur_id = u.operateur()?;
    let (reference, csv) = commandes::codes_csv(&state.db, id, operateur_id).await?.ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"codes-{reference}.csv\"")),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        csv,
    )
        .into_response())
}

#[utoipa::path(
    post,
    path = "/api/v1/commandes/{id}/lots",
    tag = "ledger",
    params(("id" = i64, Path)),
    request_body = LotStructureRequest,
    responses((status = 201, description = "Créé", body = LotCreated)),
    security(("session" = []))
)]
async fn lot_structure(
    State(state): State<AppState>,
    u: LedgerUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<LotStructureRequest>,
) -> AppResult<(StatusCode, Json<LotCreated>)> {
    let commanditaire_id = u.commanditaire()?;
    let now = state.clock.now();
    let today = crate::today_in_paris(now);
    let mut errors = FieldErrors::new();
    let structure_id = req.structure_id.trim().parse::<i64>().ok();
    if structure_id.is_none() {
        errors.insert("structure_id".into(), "Structure : choisissez la structure à qui confier les carnets.".into());
    }
    let premier = req.premier.trim().parse::<i64>().ok().filter(|n| *n >= 1);
    if premier.is_none() {
        errors.insert("premier".into(), "Premier carnet : indiquez un numéro d'ordre, à partir de 1.".into());
    }
    let dernier = req.dernier.trim().parse::<i64>().ok().filter(|n| *n >= 1);
    match (premier, dernier) {
        (_, None) => {
            errors.insert("dernier".into(), "Dernier carnet : indiquez un numéro d'ordre, à partir de 1.".into());
        }
        (Some(p), Some(d)) if d < p => {
            errors.insert("dernier".into(), "Dernier carnet : il vient après le premier.".into());
        }
        _ => {}
    }
    let accord = req.accord_reference.trim();
    if accord.is_empty() {
        errors.insert(
            "accord_reference".into(),
            "Référence de l'accord : indiquez la convention ou le courrier par lequel la structure accepte les carnets.".into(),
        );
    } else if accord.chars().count() > 120 || accord.chars().any(char::is_control) {
        errors.insert("accord_reference".into(), "Référence de l'accord : 120 caractères au plus.".into());
    }
    let accord_date = match parse_date(&req.accord_date) {
        Some(d) if d <= today => Some(d),
        Some(_) => {
            errors.insert("accord_date".into(), "Date de l'accord : elle ne peut pas être dans le futur.".into());
            None
        }
        None => {
            errors.insert("accord_date".into(), "Date de l'accord : indiquez une date (jj/mm/aaaa).".into());
            None
        }
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let lot = LotStructure {
        commande_id: id,
        structure_id: structure_id.expect("checked"),
        premier: premier.expect("checked"),
        dernier: dernier.expect("checked"),
        accord_reference: accord.to_string(),
        accord_date: accord_date.expect("checked"),
    };
    let mut tx = begin_write(&state.db).await?;
    let (lot_id, n) = lots::confier_structure(&mut tx, commanditaire_id, &lot, u.id(), now).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(LotCreated { id: lot_id, nb_carnets: n })))
}

/// The OpenAPI description of this module's routes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(operateurs, structures_choix, list, create, detail, paiement, activation, codes, lot_structure))]
pub(super) struct Doc;
