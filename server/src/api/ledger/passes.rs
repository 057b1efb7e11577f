//! Validating a pass during a session, and undoing it (the ledger's interim entry points until
//! the parcours' sessions call the ledger themselves; see `store::ledger::validation`).

use super::LedgerUser;
use crate::db::begin_write;
use crate::error::{ApiJson, AppError, AppResult};
use crate::store::ledger::validation;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use carnet_domain::api::FieldErrors;
use carnet_domain::ledger::api::{AnnulationRequest, ValidationDone, ValidationRequest};
use carnet_domain::PassCode;

pub fn router() -> Router<AppState> {
    Router::new().route("/passes/valider", post(valider)).route("/passes/annuler", post(annuler))
}

fn parse_code(typed: &str) -> AppResult<PassCode> {
    PassCode::parse(typed).map_err(|e| {
        let mut f = FieldErrors::new();
        f.insert("code".into(), format!("Code du pass : {e}"));
        AppError::Validation(f)
    })
}

async fn valider(
    State(state): State<AppState>,
    u: LedgerUser,
    ApiJson(req): ApiJson<ValidationRequest>,
) -> AppResult<Json<ValidationDone>> {
    let structure_id = u.accompagnant()?;
    let code = parse_code(&req.code)?;
    let mut tx = begin_write(&state.db).await?;
    match validation::valider(&mut tx, &code, req.parcours_id, structure_id, u.id(), state.clock.now()).await? {
        Ok(done) => {
            tx.commit().await?;
            Ok(Json(done))
        }
        // A refusal writes nothing: the transaction is dropped, rolled back.
        Err(refus) => Err(AppError::field("code", refus.message())),
    }
}

async fn annuler(
    State(state): State<AppState>,
    u: LedgerUser,
    ApiJson(req): ApiJson<AnnulationRequest>,
) -> AppResult<StatusCode> {
    let structure_id = u.accompagnant()?;
    let code = parse_code(&req.code)?;
    let mut tx = begin_write(&state.db).await?;
    validation::annuler(&mut tx, &code, structure_id, u.id(), state.clock.now()).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
