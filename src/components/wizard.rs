//! The frame of every step page of a parcours: it loads the parcours once (`GET
//! /api/v1/parcours/{id}`), shows the stepper, and refuses a step whose prerequisites are
//! missing with the reason and a link to the step to do first.

use crate::api::{self, ApiError};
use crate::components::page::{Confirmation, Titre};
use crate::components::stepper::{href, Stepper};
use crate::components::{ErrorNotice, Loading};
use crate::horloge::today;
use carnet_domain::parcours::etapes::{etape_courante, prerequis, Etape};
use carnet_domain::parcours::Dossier;
use carnet_domain::paris::date_longue;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// Shared by the pieces of a step page.
#[derive(Clone, Copy)]
pub struct Contexte {
    pub parcours_id: i64,
    resource: Chargement,
    /// The furthest step reached, moved forward by each save without reloading the page.
    pub reached: RwSignal<Etape>,
}

impl Contexte {
    /// Reloads the parcours (after an action that changes what the page shows).
    pub fn recharger(&self) {
        self.resource.charger();
    }

    /// Reloads the parcours, then says what was done in a confirmation that takes the focus (the
    /// page is drawn anew: without it, the focus would fall back to the top of the document).
    pub fn recharger_avec(&self, message: impl Into<String>) {
        self.resource.confirmation.set(Some(message.into()));
        self.resource.charger();
    }

    /// After a save whose answer is `{"etape": …}` (as JSON text).
    pub fn avance_json(&self, text: &str) {
        if let Ok(a) = api::decode::<api::Avance>(text) {
            self.avance(&a.etape);
        }
    }

    /// After a save: the server says which step the parcours has reached.
    pub fn avance(&self, code: &str) {
        if let Some(e) = Etape::parse(code) {
            self.reached.set(e);
        }
    }
}

pub fn use_contexte() -> Contexte {
    expect_context::<Contexte>()
}

/// The `:id` of the route.
pub fn parcours_id_param() -> i64 {
    use_params_map().read_untracked().get("id").and_then(|s| s.parse::<i64>().ok()).unwrap_or(0)
}

/// The parcours of the page, loaded into a signal (a plain signal and `spawn_local` rather than a
/// resource under `<Suspense>`: the same behaviour for much less wasm).
#[derive(Clone, Copy)]
pub struct Chargement {
    pub id: i64,
    pub etat: RwSignal<Option<Result<Dossier, ApiError>>>,
    /// What the last action did, shown once when the page is drawn again.
    confirmation: RwSignal<Option<String>>,
}

impl Chargement {
    pub fn new(id: i64) -> Chargement {
        let c = Chargement { id, etat: RwSignal::new(None), confirmation: RwSignal::new(None) };
        c.charger();
        c
    }

    pub fn charger(&self) {
        let (id, etat) = (self.id, self.etat);
        leptos::task::spawn_local(async move {
            let _ = etat.try_set(Some(api::parcours(id).await));
        });
    }
}

/// The frame around a loaded parcours. Kept out of the async block (and not inlined) so the
/// future stays small.
#[inline(never)]
fn cadre(
    etape: Etape,
    render: Rendu,
    resource: Chargement,
    reached: RwSignal<Etape>,
    loaded: Result<Dossier, ApiError>,
) -> AnyView {
    let d = match loaded {
        Ok(d) => d,
        Err(e) => return view! { <Titre texte="Parcours"/><ErrorNotice error=e/> }.into_any(),
    };
    let faits = d.faits();
    reached.set(etape_courante(&faits));
    provide_context(Contexte { parcours_id: d.id, resource, reached });
    let pid = d.id;
    let ferme = if faits.abandonne {
        d.cloture.as_ref().map(|c| format!("Parcours arrêté avant la fin le {}", date_longue(today(c.le))))
    } else if faits.termine {
        Some(match d.bilan.as_ref().and_then(|b| b.closed_at) {
            Some(le) => format!("Parcours clôturé le {}", date_longue(today(le))),
            None => "Parcours clôturé".to_string(),
        })
    } else {
        None
    };
    let body = match prerequis(etape, &faits) {
        // What was done before the parcours stopped: its own printable page.
        _ if faits.abandonne && etape == Etape::Bilan => view! {
            <Titre texte={format!("{} — {}", etape.libelle(), d.beneficiaire.prenom)}/>
            <div class="notice notice--warn">
                <p>{format!("{} : il n'y a pas eu de bilan final.", ferme.clone().unwrap_or_default())}</p>
                <p><a class="button" href=format!("/parcours/{pid}/bilan/imprimer")>"Imprimer ce qui a été fait"</a></p>
            </div>
        }
        .into_any(),
        // A closed parcours is read, not edited: every control of the step is disabled and its
        // buttons hidden (the completed bilan has its own closed view).
        Ok(()) if ferme.is_some() && !(faits.termine && etape == Etape::Bilan) => view! {
            <p class="notice lecture-seule-note">
                {format!("{} : cette page se consulte, elle ne se modifie plus.", ferme.clone().unwrap_or_default())}
            </p>
            <fieldset class="lecture-seule" disabled>{render(d)}</fieldset>
        }
        .into_any(),
        Ok(()) => render(d),
        Err(m) => {
            let a_faire = etape_courante(&faits);
            view! {
                <Titre texte={format!("{} — {}", etape.libelle(), d.beneficiaire.prenom)}/>
                <div class="notice notice--warn">
                    <p>{m}</p>
                    <p><a class="button" href=href(pid, a_faire)>{format!("Aller à l'étape « {} »", a_faire.libelle())}</a></p>
                </div>
            }
            .into_any()
        }
    };
    let confirmation = resource.confirmation.try_update_untracked(Option::take).flatten();
    view! {
        <Stepper parcours_id=pid reached=reached current=etape termine=faits.termine/>
        {confirmation.map(|m| view! { <Confirmation message=m/> })}
        {body}
    }
    .into_any()
}

/// What a step page shows once its parcours is loaded and its prerequisites are met. A plain
/// function pointer, so the frame is compiled once for every page (a generic would be
/// instantiated per page, and the wasm pays for each copy).
pub type Rendu = fn(Dossier) -> AnyView;

#[component]
pub fn EtapeFrame(etape: Etape, render: Rendu) -> impl IntoView {
    let resource = Chargement::new(parcours_id_param());
    let reached = RwSignal::new(Etape::Diagnostic);
    provide_context(Contexte { parcours_id: resource.id, resource, reached });
    move || match resource.etat.get() {
        None => view! { <Loading/> }.into_any(),
        Some(loaded) => cadre(etape, render, resource, reached, loaded),
    }
}
