//! What every page shares for people who navigate by keyboard or listen to a screen reader: a
//! title of its own in the tab (« Séance 3 sur 5 — Monique — Carnet », with « Erreur : » first
//! while the page shows an error), the focus moved to its `h1` after a route change with the new
//! title announced, the skip link that moves the focus to `main`, and the focus moved to a
//! confirmation or a field by the forms.
//!
//! Pages draw their `h1` with [`Titre`]: the title of the tab and the focus after a route change
//! both follow from it, so no page can forget either.

use leptos::html;
use leptos::prelude::*;
use leptos_router::hooks::use_location;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use wasm_bindgen::JsCast;

#[derive(Clone, Copy)]
struct Etat {
    /// The page's title, without « — Carnet ».
    titre: RwSignal<String>,
    /// How many error messages the page shows (fields, summaries, failed loads).
    erreurs: RwSignal<u32>,
    /// The text of the live region that announces a new page.
    annonce: RwSignal<String>,
    /// The path whose `h1` last took the focus (or the first page loaded, which keeps it at the top).
    chemin: StoredValue<String>,
}

fn titre_document(titre: &str, erreur: bool) -> String {
    let base = if titre.is_empty() { "Carnet".to_string() } else { format!("{titre} — Carnet") };
    if erreur {
        format!("Erreur : {base}")
    } else {
        base
    }
}

/// Called once by the app: the document title follows the page's title and its errors.
pub fn fournir() {
    let etat = Etat {
        titre: RwSignal::new(String::new()),
        erreurs: RwSignal::new(0),
        annonce: RwSignal::new(String::new()),
        // Arriving from the other app (see [`changer_d_app`]) counts as a route change.
        chemin: StoredValue::new(if arrivee_d_une_autre_app() {
            String::new()
        } else {
            window().location().pathname().unwrap_or_default()
        }),
    };
    provide_context(etat);
    Effect::new(move |_| document().set_title(&titre_document(&etat.titre.get(), etat.erreurs.get() > 0)));
}

/// The skip link and the live region that announces each new page; first in the body.
#[component]
pub fn Arrivee() -> impl IntoView {
    let etat = expect_context::<Etat>();
    let aller = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        if let Some(main) = document().get_element_by_id("contenu") {
            focus_element(&main);
        }
    };
    view! {
        <a class="skip-link" href="#contenu" on:click=aller>"Aller au contenu"</a>
        <p class="visually-hidden" role="status" aria-live="polite" aria-atomic="true">{move || etat.annonce.get()}</p>
    }
}

/// Focuses an element that is not focusable by nature (a heading, `main`, a confirmation).
pub fn focus_element(el: &web_sys::Element) {
    if !el.has_attribute("tabindex") {
        let _ = el.set_attribute("tabindex", "-1");
    }
    if let Some(el) = el.dyn_ref::<web_sys::HtmlElement>() {
        let _ = el.focus();
    }
}

/// Focuses `node` once it is drawn.
pub fn focus_plus_tard<E>(node: NodeRef<E>)
where
    E: leptos::html::ElementType + 'static,
    E::Output: JsCast + Clone + 'static,
{
    request_animation_frame(move || {
        if let Some(el) = node.get_untracked() {
            focus_element(el.unchecked_ref());
        }
    });
}

/// The page's `h1`. Its text is the title of the tab, unless `onglet` gives a shorter or more
/// telling one. After a route change it takes the focus (unless the person has already moved it
/// into the page), and the new title is announced.
#[component]
pub fn Titre(#[prop(into)] texte: TextProp, #[prop(optional, into)] onglet: Option<String>) -> impl IntoView {
    titre_de_page(texte, onglet, || use_location().pathname.get_untracked())
}

/// [`Titre`] in an app without a router (the public pages' small app, `src/connexion/`), where
/// the path is the address bar's.
#[component]
pub fn TitreSansRouteur(#[prop(into)] texte: TextProp) -> impl IntoView {
    titre_de_page(texte, None, || window().location().pathname().unwrap_or_default())
}

fn titre_de_page(texte: TextProp, onglet: Option<String>, chemin: impl FnOnce() -> String) -> impl IntoView {
    let node = NodeRef::<html::H1>::new();
    let etat = use_context::<Etat>();
    if let Some(etat) = etat {
        let t = texte.clone();
        Effect::new(move |_| etat.titre.set(onglet.clone().unwrap_or_else(|| t.get().to_string())));
        let chemin = chemin();
        if etat.chemin.with_value(|c| *c != chemin) {
            etat.chemin.set_value(chemin);
            let avant = document().active_element();
            request_animation_frame(move || arriver(etat, node, avant, 0));
        }
    }
    view! { <h1 tabindex="-1" node_ref=node>{move || texte.get()}</h1> }
}

/// Once the new page is in the document, its `h1` takes the focus — unless the person has
/// already put it somewhere in the new page — and the title is announced.
fn arriver(etat: Etat, node: NodeRef<html::H1>, avant: Option<web_sys::Element>, essai: u32) {
    let Some(h1) = node.get_untracked() else { return };
    if !h1.is_connected() {
        if essai < 30 {
            request_animation_frame(move || arriver(etat, node, avant, essai + 1));
        }
        return;
    }
    let doc = document();
    let deplace = doc.active_element().is_some_and(|a| {
        a.is_connected()
            && Some(&a) != avant.as_ref()
            && Some(&a) != doc.body().as_ref().map(|b| b.unchecked_ref::<web_sys::Element>())
            && doc.get_element_by_id("contenu").is_some_and(|main| main.contains(Some(&a)))
    });
    if !deplace {
        let _ = h1.focus();
    }
    // A moment later, so that the title is the new page's and the region's change is heard.
    etat.annonce.set(String::new());
    set_timeout(move || etat.annonce.set(doc.title()), std::time::Duration::from_millis(150));
}

/// Counts an error shown by the page while `present` holds: the title then starts with « Erreur : ».
pub fn compter_erreur(present: impl Fn() -> bool + 'static) {
    let Some(etat) = use_context::<Etat>() else { return };
    let compte = Arc::new(AtomicBool::new(false));
    let c = compte.clone();
    Effect::new(move |_| {
        let p = present();
        if p != c.swap(p, Ordering::Relaxed) {
            etat.erreurs.update(|n| *n = if p { *n + 1 } else { n.saturating_sub(1) });
        }
    });
    on_cleanup(move || {
        if compte.load(Ordering::Relaxed) {
            etat.erreurs.update(|n| *n = n.saturating_sub(1));
        }
    });
}

/// A confirmation after an action (« Compte rendu enregistré à 10h32. »): announced, and given
/// the focus when it appears so that keyboard users land on it.
#[component]
pub fn Confirmation(#[prop(into)] message: String) -> impl IntoView {
    let node = NodeRef::<html::Div>::new();
    focus_plus_tard(node);
    view! {
        <div class="notice notice--success confirmation" role="status" tabindex="-1" node_ref=node>
            <p>{message}</p>
        </div>
    }
}

/// Set in the tab's session storage just before one app hands over to the other by a page load
/// (the staff app and the public pages' app, `/connexion`, are two apps): the page that opens
/// then treats its arrival as a route change (its `h1` takes the focus, its title is announced),
/// as when both were one app.
const PASSAGE: &str = "carnet.passage";

/// Set by the staff app's « Se déconnecter », which opens the login page at once, in the click:
/// the login page logs out, then shows its form. (Opening it only once its own logout request was
/// answered, the staff app could cut short a page the person had asked for meanwhile.) The mark
/// stays until the server has answered, so that the login page opened instead does it.
pub const DECONNEXION: &str = "carnet.deconnexion";

fn stockage() -> Option<web_sys::Storage> {
    window().session_storage().ok().flatten()
}

/// Sets a mark in the tab's session storage (see [`PASSAGE`], [`DECONNEXION`]).
pub fn marquer(cle: &str) {
    if let Some(s) = stockage() {
        let _ = s.set_item(cle, "1");
    }
}

pub fn marque(cle: &str) -> bool {
    stockage().and_then(|s| s.get_item(cle).ok().flatten()).is_some()
}

pub fn effacer_marque(cle: &str) {
    if let Some(s) = stockage() {
        let _ = s.remove_item(cle);
    }
}

/// Opens `url`, which another app serves, by a full page load; `remplacer` takes the current
/// page out of the history (a page that could not be shown, a login page left behind).
pub fn changer_d_app(url: &str, remplacer: bool) {
    marquer(PASSAGE);
    let l = window().location();
    let _ = if remplacer { l.replace(url) } else { l.assign(url) };
}

/// Whether this page load follows [`changer_d_app`] (read once: the mark is removed).
fn arrivee_d_une_autre_app() -> bool {
    let la = marque(PASSAGE);
    effacer_marque(PASSAGE);
    la
}
