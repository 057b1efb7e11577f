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

use crate::components::confirm::Confirm;
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

/// A consequential action waiting for its confirmation in the page: the question, whether a
/// reason must be typed (a suspension), and what runs once confirmed (with the reason).
#[derive(Clone)]
pub struct Demande {
    pub question: String,
    pub confirmer: String,
    pub motif: bool,
    pub action: Callback<String>,
}

/// The in-page confirmation of the ledger's screens, instead of the browser's `confirm()`: the
/// shared `Confirm` panel (it takes the focus; « Annuler » leaves everything as it was), drawn
/// anew for each question, with a reason to type when the action needs one.
#[component]
pub fn ConfirmationDemande(demande: RwSignal<Option<Demande>>) -> impl IntoView {
    let motif = RwSignal::new(String::new());
    let erreur = RwSignal::new(None::<String>);
    move || {
        demande.get().map(|d| {
            motif.set(String::new());
            erreur.set(None);
            let open = RwSignal::new(true);
            let (demande_motif, action) = (d.motif, d.action);
            let valider = Callback::new(move |_| {
                let m = motif.get_untracked().trim().to_string();
                if demande_motif && m.is_empty() {
                    erreur.set(Some("Motif : indiquez pourquoi.".into()));
                    return;
                }
                demande.set(None);
                action.run(m);
            });
            view! {
                <Confirm open=open id="demande" title=d.question confirm_label=d.confirmer pending=false on_confirm=valider>
                    {demande_motif.then(|| view! {
                        <div class="field" class:field--invalid=move || erreur.read().is_some()>
                            <label for="demande-motif">"Motif (obligatoire)"</label>
                            <p class="field-error" id="demande-motif-error">{move || erreur.get()}</p>
                            <input id="demande-motif" type="text" aria-describedby="demande-motif-error"
                                prop:value=move || motif.get() on:input=move |ev| motif.set(event_target_value(&ev))/>
                        </div>
                    })}
                </Confirm>
            }
        })
    }
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
