//! `/`: each role's home. Conseillers and coordinateurs get their dashboard; each other role's
//! home is added by its feature.

use crate::app::use_auth;
use carnet_domain::api::Role;
use leptos::prelude::*;

#[component]
pub fn HomePage() -> impl IntoView {
    let auth = use_auth();
    move || match auth.me.get().flatten().map(|m| m.role) {
        Some(Role::Conseiller | Role::Coordinateur) => view! { <super::dashboard::Dashboard/> }.into_any(),
        Some(Role::Commanditaire) => view! { <super::ledger::tableau::TableauPage/> }.into_any(),
        Some(Role::Operateur) => view! { <super::ledger::commandes::CommandesPage/> }.into_any(),
        Some(role) => view! {
            <h1>{format!("Bienvenue ({})", role.label())}</h1>
            <p class="lead">"Votre espace est en préparation."</p>
        }
        .into_any(),
        None => ().into_any(),
    }
}
