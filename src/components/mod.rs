//! Pieces shared by several pages.

pub mod autosave;
pub mod barres;
pub mod brouillon;
pub mod champs;
pub mod chart;
pub mod confirm;
pub mod form;
pub mod niveaux;
pub mod page;
pub mod pagination;
pub mod stepper;
pub mod wizard;

use crate::api::ApiError;
use leptos::prelude::*;

/// Shown while data loads.
#[component]
pub fn Loading(#[prop(default = "Chargement…")] label: &'static str) -> impl IntoView {
    view! { <p class="loading" role="status">{label}</p> }
}

/// A failed load, in words, with what to do.
#[component]
pub fn ErrorNotice(error: ApiError) -> impl IntoView {
    page::compter_erreur(|| true);
    view! {
        <div class="notice notice--error" role="alert">
            <p>{error.message()}</p>
            {matches!(error, ApiError::Unauthorized).then(|| view! {
                // `external`: the login page is another app, loaded as a page, not a route of this one.
                <p><a href="/connexion" rel="external">"Se reconnecter"</a></p>
            })}
        </div>
    }
}
