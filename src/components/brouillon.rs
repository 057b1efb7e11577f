//! A form's draft, kept in the tab's session storage while it is being filled: Back, a reload or
//! a closed-then-restored tab loses nothing. It is erased once the form is saved, or when the
//! conseiller abandons it. While the form holds input not yet saved, leaving the page (reload,
//! closing the tab, typing another address) asks first.

use leptos::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

fn stockage() -> Option<web_sys::Storage> {
    window().session_storage().ok().flatten()
}

/// The draft under `cle`, if one was kept and still reads as `T`.
pub fn lire<T: DeserializeOwned>(cle: &str) -> Option<T> {
    let texte = stockage()?.get_item(cle).ok()??;
    serde_json::from_str(&texte).ok()
}

pub fn ecrire<T: Serialize>(cle: &str, valeur: &T) {
    if let (Some(s), Ok(texte)) = (stockage(), serde_json::to_string(valeur)) {
        let _ = s.set_item(cle, &texte);
    }
}

pub fn effacer(cle: &str) {
    if let Some(s) = stockage() {
        let _ = s.remove_item(cle);
    }
}

/// While `non_enregistre` is true, the browser asks before the page is left. The listener goes
/// with the form.
pub fn avertir_en_quittant(non_enregistre: RwSignal<bool>) {
    let handle = window_event_listener(leptos::ev::beforeunload, move |ev: web_sys::BeforeUnloadEvent| {
        if non_enregistre.try_get_untracked().unwrap_or(false) {
            ev.prevent_default();
            ev.set_return_value("Des informations saisies ne sont pas enregistrées.");
        }
    });
    on_cleanup(move || handle.remove());
}

/// « Brouillon retrouvé » with the way to abandon it, shown when a form was filled from a draft.
#[component]
pub fn BrouillonRetrouve(visible: RwSignal<bool>, on_abandon: Callback<()>) -> impl IntoView {
    view! {
        <div class="notice" role="status" class:hidden=move || !visible.get()>
            <p>"Brouillon retrouvé : le formulaire est rempli comme vous l'aviez laissé. Rien n'est enregistré tant que vous n'avez pas validé."</p>
            <button type="button" class="button button--secondary button--small" on:click=move |_| on_abandon.run(())>
                "Effacer le brouillon"
            </button>
        </div>
    }
}
