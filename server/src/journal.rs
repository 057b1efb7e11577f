//! The one door for every read of beneficiaries' identity by staff: a handler that returns a
//! name, a year of birth, a commune or contact details calls `identite_lue` before answering.
//! If the journal cannot be written, the identity is not sent (the error answers instead).
//!
//! The role × endpoint test (`server/tests/roles.rs`) checks that any answer showing the fixture
//! person's name was journalled, so a new endpoint that forgets this fails there.

use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::store;
use crate::AppState;

/// What kind of read it was (the journal page's « Quoi »).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lecture {
    Liste,
    Fiche,
    Parcours,
    Donnees,
    Export,
    Rectification,
    TableauDeBord,
    Calendrier,
    Orientation,
    Journee,
}

impl Lecture {
    pub fn code(self) -> &'static str {
        match self {
            Lecture::Liste => "liste",
            Lecture::Fiche => "fiche",
            Lecture::Parcours => "parcours",
            Lecture::Donnees => "donnees",
            Lecture::Export => "export",
            Lecture::Rectification => "rectification",
            Lecture::TableauDeBord => "tableau_de_bord",
            Lecture::Calendrier => "calendrier",
            Lecture::Orientation => "orientation",
            Lecture::Journee => "journee",
        }
    }
}

/// Journals that `user` is being shown the identity of `beneficiaires` (nothing is written for
/// an empty list: an empty search result shows nobody).
pub async fn identite_lue(
    state: &AppState,
    user: &CurrentUser,
    lecture: Lecture,
    beneficiaires: &[i64],
) -> AppResult<()> {
    if beneficiaires.is_empty() {
        return Ok(());
    }
    let structure_id = user.structure_for_beneficiaires()?;
    store::journal::record(&state.db, state.clock.now(), user.id, structure_id, lecture.code(), beneficiaires)
        .await
        .map_err(AppError::from)
}

/// The beneficiaries of some parcours (for answers that list parcours by first name).
pub async fn beneficiaires_des_parcours(state: &AppState, parcours: &[i64]) -> AppResult<Vec<i64>> {
    if parcours.is_empty() {
        return Ok(Vec::new());
    }
    let mut conn = state.db.acquire().await?;
    Ok(store::parcours::beneficiaires_de(&mut conn, parcours).await?)
}
