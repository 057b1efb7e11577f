//! A structure's time zone: the administrator reads every structure's, and sets another than
//! its commune's (a structure whose commune is not known yet, or a team working elsewhere).

use crate::auth::CurrentUser;
use crate::db::begin_write;
use crate::error::{ApiJson, ApiPath, AppError, AppResult};
use crate::store::fuseaux;
use crate::AppState;
use axum::extract::State;
use axum::routing::{get, put};
use axum::{Json, Router};
use carnet_domain::api::Role;
use carnet_domain::fuseau::{valider_choix, ChoixFuseau, Fuseau, StructureFuseau};

pub fn router() -> Router<AppState> {
    Router::new().route("/structures/fuseaux", get(liste)).route("/structures/{id}/fuseau", put(choisir))
}

fn admin(user: &CurrentUser) -> AppResult<()> {
    if user.role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

fn vue(l: fuseaux::LigneFuseau) -> StructureFuseau {
    let cal = fuseaux::calendrier(l.commune_insee.as_deref(), l.fuseau.as_deref());
    StructureFuseau {
        id: l.id,
        nom: l.nom,
        fuseau_commune: Fuseau::depuis_insee(l.commune_insee.as_deref()),
        commune_insee: l.commune_insee,
        fuseau: cal.fuseau,
        choisi: l.fuseau.as_deref().and_then(Fuseau::parse).is_some(),
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/structures/fuseaux",
    tag = "fuseaux",
    responses((status = 200, description = "Réponse", body = Vec<StructureFuseau>)),
    security(("session" = []))
)]
async fn liste(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Vec<StructureFuseau>>> {
    admin(&user)?;
    let mut conn = state.db.acquire().await?;
    Ok(Json(fuseaux::liste(&mut conn).await?.into_iter().map(vue).collect()))
}

#[utoipa::path(
    put,
    path = "/api/v1/structures/{id}/fuseau",
    tag = "fuseaux",
    params(("id" = i64, Path)),
    request_body = ChoixFuseau,
    responses((status = 200, description = "Réponse", body = StructureFuseau)),
    security(("session" = []))
)]
async fn choisir(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ChoixFuseau>,
) -> AppResult<Json<StructureFuseau>> {
    admin(&user)?;
    let choix = valider_choix(&req).map_err(|m| AppError::field("fuseau", m))?;
    let mut tx = begin_write(&state.db).await?;
    if !fuseaux::choisir(&mut tx, id, choix).await? {
        return Err(AppError::NotFound);
    }
    let ligne = fuseaux::liste(&mut tx).await?.into_iter().find(|l| l.id == id).ok_or(AppError::NotFound)?;
    tx.commit().await?;
    tracing::info!(structure_id = id, fuseau = choix.map(|f| f.iana()), user_id = user.id, "fuseau de la structure");
    Ok(Json(vue(ligne)))
}

/// The OpenAPI description of this module's routes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(liste, choisir))]
pub(super) struct Doc;
