//! Saving as people type: a form's value is sent a moment after the last change, one request at
//! a time (the latest value wins), with a visible, announced status. Closing the tab loses at
//! most the last second of typing.
//!
//! The machinery is not generic (pages hand it JSON text and a path), so the wasm holds one copy
//! of it however many forms use it.

use crate::api::{self, ApiError};
use carnet_domain::api::FieldErrors;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::rc::Rc;

#[derive(Clone, Debug, PartialEq)]
pub enum Etat {
    Rien,
    EnCours,
    Fait(String),
    Erreur(String),
}

const DELAI_MS: u64 = 900;

#[derive(Clone)]
struct Machine {
    path: Rc<str>,
    on_ok: Rc<dyn Fn(String)>,
    latest: StoredValue<Option<String>>,
    in_flight: StoredValue<bool>,
    etat: RwSignal<Etat>,
    errors: RwSignal<FieldErrors>,
}

/// Sends the latest body if nothing is in flight; when a request ends, sends what came since.
/// The form may be gone when a timer fires or an answer arrives (the page reloaded after a save,
/// the person moved on): every access is a `try_`, and a disposed form simply stops.
fn run(m: Machine) {
    if m.in_flight.try_get_value() != Some(false) {
        return;
    }
    let Some(body) = m.latest.try_update_value(|v| v.take()).flatten() else { return };
    m.in_flight.try_set_value(true);
    m.etat.try_set(Etat::EnCours);
    spawn_local(async move {
        let r = api::send("PUT", &m.path, Some(body)).await;
        if m.in_flight.try_set_value(false).is_some() {
            return;
        }
        match r {
            Ok(text) => {
                m.errors.try_set(FieldErrors::new());
                m.etat.try_set(Etat::Fait(heure_locale()));
                (m.on_ok)(text);
            }
            Err(ApiError::Invalid { fields, .. }) => {
                m.errors.try_set(fields);
                m.etat.try_set(Etat::Erreur("Pas encore enregistré : des champs sont à corriger.".into()));
            }
            Err(e) => {
                m.etat.try_set(Etat::Erreur(format!("Pas encore enregistré. {}", e.message())));
            }
        }
        if m.latest.try_with_value(|v| v.is_some()) == Some(true) {
            run(m);
        }
    });
}

fn demarrer(source: Rc<dyn Fn() -> String>, m: Machine, touched: RwSignal<bool>) {
    let generation = StoredValue::new(0u64);
    let first = StoredValue::new(true);
    Effect::new(move |_| {
        let body = source();
        if first.get_value() || !touched.get_untracked() {
            first.set_value(false);
            return;
        }
        m.latest.set_value(Some(body));
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        let m = m.clone();
        set_timeout(
            move || {
                if generation.try_get_value() == Some(mine) {
                    run(m);
                }
            },
            std::time::Duration::from_millis(DELAI_MS),
        );
    });
}

/// PUTs `source()` (JSON) to `path` after each change made by the person (`touched`: set by the
/// form's input events, so values the page fills in itself are not saved behind their back).
/// Field errors go to `errors`; `on_ok` gets the answer; the returned signal says where things are.
pub fn autosave(
    source: impl Fn() -> String + 'static,
    path: String,
    on_ok: impl Fn(String) + 'static,
    errors: RwSignal<FieldErrors>,
    touched: RwSignal<bool>,
) -> RwSignal<Etat> {
    let etat = RwSignal::new(Etat::Rien);
    let m = Machine {
        path: path.into(),
        on_ok: Rc::new(on_ok),
        latest: StoredValue::new(None),
        in_flight: StoredValue::new(false),
        etat,
        errors,
    };
    demarrer(Rc::new(source), m, touched);
    etat
}

/// « 10h32 », Paris time by the server's clock.
pub fn heure_locale() -> String {
    crate::horloge::heure_locale().format("%Hh%M").to_string()
}

/// The status line of a form that saves itself.
#[component]
pub fn StatutSauvegarde(etat: RwSignal<Etat>) -> impl IntoView {
    view! {
        <p class="autosave" role="status" aria-live="polite"
            class:autosave--error=move || matches!(etat.get(), Etat::Erreur(_))>
            {move || match etat.get() {
                Etat::Rien => String::new(),
                Etat::EnCours => "Enregistrement…".to_string(),
                Etat::Fait(h) => format!("Enregistré à {h}."),
                Etat::Erreur(m) => m,
            }}
        </p>
    }
}
