//! The ledger's screens (issue 4): orders, lots and carnets, statements, accreditation, the
//! commanditaire's dashboard, the journal, and validating a pass during a session.

pub mod carnets;
pub mod commande;
pub mod commande_form;
pub mod commandes;
pub mod distribution;
pub mod journal;
pub mod releve;
pub mod releves;
pub mod structures;
pub mod tableau;

use carnet_domain::ledger::etats::{CarnetEtat, CommandeEtat, ReleveEtat};
use leptos::prelude::*;

pub fn etat_commande(etat: &str) -> &'static str {
    CommandeEtat::parse(etat).map(|e| e.libelle()).unwrap_or("Inconnu")
}

pub fn etat_carnet(etat: &str) -> &'static str {
    CarnetEtat::parse(etat).map(|e| e.libelle()).unwrap_or("Inconnu")
}

pub fn etat_releve(etat: &str) -> &'static str {
    ReleveEtat::parse(etat).map(|e| e.libelle()).unwrap_or("Inconnu")
}

/// Asks the browser to confirm a consequential action.
pub fn confirmer(question: &str) -> bool {
    web_sys::window().and_then(|w| w.confirm_with_message(question).ok()).unwrap_or(false)
}

/// The outcome of the last action on a page: a success (status) or an error (alert).
#[derive(Clone, Debug, PartialEq)]
pub enum Issue {
    Ok(String),
    Erreur(String),
}

#[component]
pub fn IssueNotice(issue: RwSignal<Option<Issue>>) -> impl IntoView {
    move || {
        issue.get().map(|i| match i {
            Issue::Ok(m) => view! { <div class="notice notice--success" role="status">{m}</div> }.into_any(),
            Issue::Erreur(m) => view! { <div class="notice notice--error" role="alert">{m}</div> }.into_any(),
        })
    }
}

/// Today in Paris, ISO, for date inputs.
pub fn aujourdhui() -> String {
    crate::horloge::aujourdhui().to_string()
}
