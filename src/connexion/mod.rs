//! The public pages: `/connexion` (login), `/mot-de-passe/oublie` (ask for a reset link) and
//! `/mot-de-passe/choisir` (the one-time link of an invitation or a reset). A separate small app
//! (`connexion.html`, built into `dist/acces`, served by the server at those three paths): no
//! router, each page is a page load (the links between them too: the code is cached by then);
//! once logged in, a page load opens the staff app.
//!
//! It shares with the staff app, file by file, only what is small: the API's transport, the
//! form fields and the page title with its focus handling.

mod api;
mod login;
mod mot_de_passe;

// The staff app's own files, included as they are; this app uses part of each.
#[allow(dead_code)]
#[path = "../components/form.rs"]
mod form;
#[allow(dead_code)]
#[path = "../components/page.rs"]
mod page;
#[allow(dead_code)]
#[path = "../api/transport.rs"]
mod transport;

use leptos::prelude::*;

#[component]
pub fn App() -> impl IntoView {
    page::fournir();
    let chemin = window().location().pathname().unwrap_or_default();
    view! {
        <page::Arrivee/>
        {match chemin.as_str() {
            "/mot-de-passe/oublie" => view! { <mot_de_passe::OubliPage/> }.into_any(),
            "/mot-de-passe/choisir" => view! { <mot_de_passe::ChoisirPage/> }.into_any(),
            // The server serves this app at those three paths only.
            _ => view! { <login::LoginPage/> }.into_any(),
        }}
    }
}

/// Shown while data loads.
#[component]
fn Loading() -> impl IntoView {
    view! { <p class="loading" role="status">"Chargement…"</p> }
}
