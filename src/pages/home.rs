//! `/`: each role's home. Conseillers and coordinateurs get their dashboard; hubs and
//! administrators the venues' home; buyers their dashboard; opérateurs their orders.

use crate::app::use_auth;
use carnet_domain::api::Role;
use leptos::prelude::*;

#[component]
pub fn HomePage() -> impl IntoView {
    let auth = use_auth();
    move || match auth.me.get().flatten().map(|m| m.role) {
        Some(Role::Conseiller | Role::Coordinateur) => view! { <super::dashboard::Dashboard/> }.into_any(),
        Some(Role::Hub | Role::Admin) => view! { <super::hub::HubHome/> }.into_any(),
        Some(Role::Commanditaire) => view! { <super::ledger::tableau::TableauPage/> }.into_any(),
        Some(Role::Operateur) => view! { <super::ledger::commandes::CommandesPage/> }.into_any(),
        None => ().into_any(),
    }
}
