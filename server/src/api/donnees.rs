//! Personal data: the information notice, a beneficiary's « Données et droits » (consents,
//! export, rectification, anonymisation on request), and the structure's access journal.

use crate::auth::CurrentUser;
use crate::db::begin_write;
use crate::error::{ApiJson, ApiPath, ApiQuery, AppError, AppResult};
use crate::journal::{identite_lue, Lecture};
use crate::store::donnees::{self, Motif, NoticeRow, Rectification};
use crate::store::{beneficiaires, communes, journal};
use crate::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use carnet_domain::api::{BeneficiaireView, Page, Role};
use carnet_domain::comptes::Message;
use carnet_domain::donnees::{
    remplir_notice, valider_consentement, valider_notice, valider_rectification, ConsentementRequest,
    DonneesBeneficiaire, ExportDonnees, JournalEntree, NoticeInformation, NouvelleNotice, RectificationRequest,
};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/notice-information", get(current_notice))
        .route("/notices", get(list_notices).post(publish_notice))
        .route("/beneficiaires/{id}/donnees", get(overview))
        .route("/beneficiaires/{id}/export", get(export))
        .route("/beneficiaires/{id}/rectification", post(rectify))
        .route("/beneficiaires/{id}/consentements", post(consent))
        .route("/beneficiaires/{id}/anonymisation", post(anonymise))
        .route("/journal-acces", get(access_journal))
}

pub const JOURNAL_PER_PAGE: u32 = 50;

fn notice_view(n: NoticeRow, texte: String) -> NoticeInformation {
    NoticeInformation { id: n.id, version: n.version, titre: n.titre, texte, publiee_le: n.publiee_at }
}

/// The notice in force, filled in for the reader's structure and the retention in force.
#[utoipa::path(
    get,
    path = "/api/v1/notice-information",
    tag = "donnees",
    responses((status = 200, description = "Réponse", body = NoticeInformation)),
    security(("session" = []))
)]
async fn current_notice(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<NoticeInformation>> {
    let n = donnees::current_notice(&state.db).await?.ok_or(AppError::NotFound)?;
    let structure = user.structure_nom.clone().unwrap_or_else(|| "La structure qui vous accompagne".into());
    let texte = remplir_notice(&n.texte, &structure, state.config.retention_months);
    Ok(Json(notice_view(n, texte)))
}

fn admin_only(user: &CurrentUser) -> AppResult<()> {
    if user.role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Every version, as templates (administration).
#[utoipa::path(
    get,
    path = "/api/v1/notices",
    tag = "donnees",
    responses((status = 200, description = "Réponse", body = Vec<NoticeInformation>)),
    security(("session" = []))
)]
async fn list_notices(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Vec<NoticeInformation>>> {
    admin_only(&user)?;
    let rows = donnees::notices(&state.db).await?;
    Ok(Json(
        rows.into_iter()
            .map(|n| {
                let t = n.texte.clone();
                notice_view(n, t)
            })
            .collect(),
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/notices",
    tag = "donnees",
    request_body = NouvelleNotice,
    responses((status = 201, description = "Créé", body = NoticeInformation)),
    security(("session" = []))
)]
async fn publish_notice(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<NouvelleNotice>,
) -> AppResult<(axum::http::StatusCode, Json<NoticeInformation>)> {
    admin_only(&user)?;
    let n = valider_notice(&req).map_err(AppError::Validation)?;
    let id = match donnees::publish_notice(&state.db, &n, Some(user.id), state.clock.now()).await {
        Ok(id) => id,
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            return Err(AppError::field("version", "Version : elle existe déjà, choisissez un autre numéro."))
        }
        Err(e) => return Err(e.into()),
    };
    let row = donnees::notice(&mut *state.db.acquire().await?, id).await?.ok_or(AppError::NotFound)?;
    tracing::info!(notice_id = id, version = %row.version, "nouvelle notice d'information publiée");
    let t = row.texte.clone();
    Ok((axum::http::StatusCode::CREATED, Json(notice_view(row, t))))
}

/// The beneficiary, if they are in the user's structure (404 otherwise, as everywhere).
async fn beneficiaire(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<(i64, BeneficiaireView)> {
    let structure_id = user.structure_for_beneficiaires()?;
    let b = beneficiaires::get(&mut *state.db.acquire().await?, id, structure_id).await?.ok_or(AppError::NotFound)?;
    Ok((structure_id, b))
}

#[utoipa::path(
    get,
    path = "/api/v1/beneficiaires/{id}/donnees",
    tag = "donnees",
    params(("id" = i64, Path)),
    responses((status = 200, description = "Réponse", body = DonneesBeneficiaire)),
    security(("session" = []))
)]
async fn overview(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<DonneesBeneficiaire>> {
    let (_, b) = beneficiaire(&state, &user, id).await?;
    let history = donnees::consent_history(&state.db, id).await?;
    let months = state.config.retention_months;
    let last = donnees::last_activity(&state.db, id).await?.unwrap_or(b.created_at);
    let anonymise_le = donnees::anonymised_at(&state.db, id).await?;
    let view = DonneesBeneficiaire {
        consentements: donnees::consent_states(&history),
        historique_consentements: history,
        contacts: donnees::contacts(&state.db, id).await?,
        informations: donnees::informations(&state.db, id).await?,
        derniere_activite: last,
        anonymisation_prevue: anonymise_le.is_none().then(|| crate::retention::due(last, months)),
        anonymise_le,
        conservation_mois: months,
        beneficiaire: b,
    };
    identite_lue(&state, &user, Lecture::Donnees, &[id]).await?;
    Ok(Json(view))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ExportQuery {
    /// `1`: answer as a JSON file to save.
    #[serde(default)]
    telechargement: Option<String>,
    /// `html`: the readable page (rendered here, printable).
    #[serde(default)]
    format: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/beneficiaires/{id}/export",
    tag = "donnees",
    params(("id" = i64, Path), ExportQuery),
    responses((status = 200, description = "Les données de la personne : JSON (à enregistrer avec `telechargement=1`) ou page imprimable (`format=html`)", content((ExportDonnees = "application/json"), (String = "text/html")))),
    security(("session" = []))
)]
async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> AppResult<Response> {
    let (structure_id, _) = beneficiaire(&state, &user, id).await?;
    let now = state.clock.now();
    let export = ExportDonnees {
        genere_le: now,
        beneficiaire_id: id,
        structure: crate::store::comptes::structure_nom(&state.db, structure_id).await?.unwrap_or_default(),
        tables: donnees::export(&state.db, id).await?,
    };
    identite_lue(&state, &user, Lecture::Export, &[id]).await?;
    if q.format.as_deref() == Some("html") {
        return Ok((
            [(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-store")],
            crate::export_html::render(&export),
        )
            .into_response());
    }
    if q.telechargement.as_deref() == Some("1") {
        let body = serde_json::to_string_pretty(&export).map_err(|e| anyhow::anyhow!(e))?;
        let name = format!("carnet-beneficiaire-{id}-{}.json", user.calendrier.today(now).format("%Y-%m-%d"));
        return Ok((
            [
                (header::CONTENT_TYPE, "application/json; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            body,
        )
            .into_response());
    }
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(export)).into_response())
}

#[utoipa::path(
    post,
    path = "/api/v1/beneficiaires/{id}/rectification",
    tag = "donnees",
    params(("id" = i64, Path)),
    request_body = RectificationRequest,
    responses((status = 200, description = "Réponse", body = BeneficiaireView)),
    security(("session" = []))
)]
async fn rectify(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<RectificationRequest>,
) -> AppResult<Json<BeneficiaireView>> {
    let structure_id = user.structure_for_beneficiaires()?;
    let now = state.clock.now();
    let valid = valider_rectification(&req, user.calendrier.today(now)).map_err(AppError::Validation)?;
    if let Some(code) = &valid.commune_insee {
        if communes::get(&mut *state.db.acquire().await?, code).await?.is_none() {
            return Err(AppError::field(
                "commune_insee",
                "Commune de résidence : ce code n'est pas dans la liste officielle des communes.",
            ));
        }
    }
    let mut tx = begin_write(&state.db).await?;
    match donnees::rectify(&mut tx, id, structure_id, &valid, user.id, now).await? {
        Rectification::NotFound => return Err(AppError::NotFound),
        Rectification::Anonymised => {
            return Err(AppError::Unprocessable(
                "L'identité de cette personne a été effacée : il n'y a plus rien à corriger.".into(),
            ))
        }
        Rectification::Done(champs) => {
            tracing::info!(beneficiaire_id = id, user_id = user.id, champs = ?champs, "rectification");
        }
    }
    tx.commit().await?;
    let b = beneficiaires::get(&mut *state.db.acquire().await?, id, structure_id).await?.ok_or(AppError::NotFound)?;
    identite_lue(&state, &user, Lecture::Rectification, &[id]).await?;
    Ok(Json(b))
}

#[utoipa::path(
    post,
    path = "/api/v1/beneficiaires/{id}/consentements",
    tag = "donnees",
    params(("id" = i64, Path)),
    request_body = ConsentementRequest,
    responses((status = 200, description = "Réponse", body = Message)),
    security(("session" = []))
)]
async fn consent(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ConsentementRequest>,
) -> AppResult<Json<Message>> {
    let (_, _) = beneficiaire(&state, &user, id).await?;
    let valid = valider_consentement(&req).map_err(AppError::Validation)?;
    let now = state.clock.now();
    let mut tx = begin_write(&state.db).await?;
    if !donnees::set_consent(&mut tx, id, &valid, user.id, now).await? {
        return Err(AppError::Unprocessable(
            "L'identité de cette personne a été effacée : ses consentements sont clos.".into(),
        ));
    }
    tx.commit().await?;
    Ok(Json(Message {
        message: if valid.accorde { "Consentement enregistré." } else { "Consentement retiré." }.into(),
    }))
}

#[utoipa::path(
    post,
    path = "/api/v1/beneficiaires/{id}/anonymisation",
    tag = "donnees",
    params(("id" = i64, Path)),
    responses((status = 200, description = "Réponse", body = Message)),
    security(("session" = []))
)]
async fn anonymise(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<Message>> {
    let (_, _) = beneficiaire(&state, &user, id).await?;
    let mut tx = begin_write(&state.db).await?;
    let done = donnees::anonymise(&mut tx, id, state.clock.now(), Motif::Demande, Some(user.id)).await?;
    tx.commit().await?;
    if !done {
        return Err(AppError::Unprocessable("L'identité de cette personne est déjà effacée.".into()));
    }
    tracing::info!(beneficiaire_id = id, user_id = user.id, "anonymisation à la demande");
    Ok(Json(Message {
        message: "Identité effacée : le parcours, le carnet et les statistiques restent, sans nom.".into(),
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct JournalQuery {
    page: Option<u32>,
    utilisateur: Option<i64>,
    beneficiaire: Option<i64>,
}

/// The structure's access journal: coordinateurs only.
#[utoipa::path(
    get,
    path = "/api/v1/journal-acces",
    tag = "donnees",
    params(JournalQuery),
    responses((status = 200, description = "Réponse", body = Page<JournalEntree>)),
    security(("session" = []))
)]
async fn access_journal(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<JournalQuery>,
) -> AppResult<Json<Page<JournalEntree>>> {
    let structure_id = match (user.role, user.structure_id) {
        (Role::Coordinateur, Some(s)) => s,
        _ => return Err(AppError::Forbidden),
    };
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let filtre = journal::Filtre { utilisateur_id: q.utilisateur, beneficiaire_id: q.beneficiaire };
    let (items, total) = journal::list(&state.db, structure_id, &filtre, page, JOURNAL_PER_PAGE).await?;
    Ok(Json(Page { items, total, page, per_page: JOURNAL_PER_PAGE }))
}

/// The OpenAPI description of this module's routes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    current_notice,
    list_notices,
    publish_notice,
    overview,
    export,
    rectify,
    consent,
    anonymise,
    access_journal
))]
pub(super) struct Doc;
