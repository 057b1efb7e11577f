//! The ledger's API (issue 4): orders, lots, distribution, validation, statements, dashboards and
//! the journal. Each handler takes a `LedgerUser` and asks it for the role it needs: a role that
//! can never do the action gets 403, another organisation's object 404.

mod carnets;
mod commandes;
mod releves;
mod suivi;

use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::store::ledger::{orgs, Scope};
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::Router;
use carnet_domain::api::Role;

pub fn router() -> Router<AppState> {
    Router::new().merge(commandes::router()).merge(carnets::router()).merge(releves::router()).merge(suivi::router())
}

/// The logged-in user with their ledger organisation.
pub struct LedgerUser {
    pub user: CurrentUser,
    pub commanditaire_id: Option<i64>,
    pub operateur_id: Option<i64>,
}

impl FromRequestParts<AppState> for LedgerUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let user = CurrentUser::from_request_parts(parts, state).await?;
        let (commanditaire_id, operateur_id) = orgs::user_organisations(&state.db, user.id).await?;
        Ok(LedgerUser { user, commanditaire_id, operateur_id })
    }
}

impl LedgerUser {
    pub fn id(&self) -> i64 {
        self.user.id
    }

    /// A commanditaire user: its organisation.
    pub fn commanditaire(&self) -> AppResult<i64> {
        match (self.user.role, self.commanditaire_id) {
            (Role::Commanditaire, Some(id)) => Ok(id),
            _ => Err(AppError::Forbidden),
        }
    }

    /// An opérateur user: its organisation.
    pub fn operateur(&self) -> AppResult<i64> {
        match (self.user.role, self.operateur_id) {
            (Role::Operateur, Some(id)) => Ok(id),
            _ => Err(AppError::Forbidden),
        }
    }

    /// A coordinateur: their structure.
    pub fn coordinateur(&self) -> AppResult<i64> {
        match (self.user.role, self.user.structure_id) {
            (Role::Coordinateur, Some(id)) => Ok(id),
            _ => Err(AppError::Forbidden),
        }
    }

    /// Someone who accompanies people (conseiller or coordinateur): their structure.
    pub fn accompagnant(&self) -> AppResult<i64> {
        self.user.structure_for_beneficiaires()
    }

    /// What this user may read of the ledger.
    pub fn scope(&self) -> AppResult<Scope> {
        match (self.user.role, self.operateur_id, self.commanditaire_id, self.user.structure_id) {
            (Role::Operateur, Some(id), _, _) => Ok(Scope::Operateur(id)),
            (Role::Commanditaire, _, Some(id), _) => Ok(Scope::Commanditaire(id)),
            (Role::Coordinateur, _, _, Some(id)) => Ok(Scope::Structure(id)),
            (Role::Conseiller, _, _, Some(structure_id)) => {
                Ok(Scope::Conseiller { user_id: self.user.id, structure_id })
            }
            _ => Err(AppError::Forbidden),
        }
    }
}

/// The OpenAPI description of the ledger's routes (orders, lots, statements, follow-up).
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi;
    let mut doc = commandes::Doc::openapi();
    doc.merge(carnets::Doc::openapi());
    doc.merge(releves::Doc::openapi());
    doc.merge(suivi::Doc::openapi());
    doc
}
