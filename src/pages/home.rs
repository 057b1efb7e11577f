//! `/`: each role's home. Conseillers and coordinateurs get their dashboard; hubs and
//! administrators the venues' home; buyers their dashboard; opérateurs their orders. The last two
//! are pages of the pilotage area, whose app the server answers at `/` for those roles: the staff
//! app meets them only when the server could not tell who was asking, and sends them there.

use crate::app::use_auth;
use crate::components::page::changer_d_app;
use carnet_domain::api::Role;
use leptos::prelude::*;

#[component]
pub fn HomePage() -> impl IntoView {
    let auth = use_auth();
    move || match auth.me.get().flatten().map(|m| m.role) {
        Some(Role::Conseiller | Role::Coordinateur) => view! { <super::dashboard::Dashboard/> }.into_any(),
        Some(Role::Hub | Role::Admin) => view! { <super::hub::HubHome/> }.into_any(),
        Some(role @ (Role::Commanditaire | Role::Operateur)) => {
            changer_d_app(accueil_pilotage(role), true);
            view! { <p class="loading" role="status">"Chargement…"</p> }.into_any()
        }
        None => ().into_any(),
    }
}

/// The page of the pilotage area that is `role`'s home.
fn accueil_pilotage(role: Role) -> &'static str {
    if role == Role::Commanditaire {
        "/tableau"
    } else {
        "/commandes"
    }
}

/// `/` in the pilotage area's app: buyers' and opérateurs' home; anyone else's is in the staff
/// app, which the server answers at `/` for them (after a change of account, say).
#[component]
pub fn AccueilPilotage() -> impl IntoView {
    let auth = use_auth();
    move || match auth.me.get().flatten().map(|m| m.role) {
        Some(Role::Commanditaire) => view! { <super::ledger::tableau::TableauPage/> }.into_any(),
        Some(Role::Operateur) => view! { <super::ledger::commandes::CommandesPage/> }.into_any(),
        Some(_) => {
            changer_d_app("/", true);
            view! { <p class="loading" role="status">"Chargement…"</p> }.into_any()
        }
        None => ().into_any(),
    }
}
