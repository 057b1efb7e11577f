//! Paging of a list. The page lives in the address (`?page=N`), so Back, reload and a copied link
//! keep it; the links are real links (« Page précédente », « Page suivante ») beside « Page 2 sur
//! 3 ». After a page link, focus comes back to the same link on the new page, so a keyboard user
//! can page on with Enter.

use leptos::html;
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::params::ParamsMap;
use leptos_router::NavigateOptions;
use std::cell::Cell;

/// The page asked for by the address, 1 when absent or unreadable.
pub fn use_page() -> Memo<u32> {
    let query = use_location().query;
    Memo::new(move |_| lire_page(&query.read()))
}

fn lire_page(query: &ParamsMap) -> u32 {
    query.get_str("page").and_then(|p| p.parse::<u32>().ok()).filter(|p| *p >= 1).unwrap_or(1)
}

/// The current address at page `n` (no `page` parameter for the first), other parameters kept.
fn adresse(path: &str, query: &ParamsMap, n: u32) -> String {
    let mut q = query.clone();
    q.remove("page");
    if n > 1 {
        q.insert("page", n.to_string());
    }
    format!("{path}{}", q.to_query_string())
}

/// Back to the first page, for when the filters of the list change (the history entry is
/// replaced: Back then leaves the list rather than replaying each keystroke).
pub fn use_premiere_page() -> impl Fn() + Clone + 'static {
    let navigate = use_navigate();
    let location = use_location();
    move || {
        let query = location.query.get_untracked();
        if lire_page(&query) > 1 {
            let to = adresse(&location.pathname.get_untracked(), &query, 1);
            navigate(&to, NavigateOptions { replace: true, scroll: false, ..Default::default() });
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Sens {
    Precedente,
    Suivante,
}

thread_local! {
    /// The page link just followed: the next list drawn puts the focus back on it.
    static SUIVI: Cell<Option<Sens>> = const { Cell::new(None) };
}

/// The page links of a list. `pages`: the number of pages when the server counts them; otherwise
/// `suivante` says whether a next page exists. Nothing is drawn for a list of one page.
#[component]
pub fn Pagination(
    page: u32,
    #[prop(optional)] pages: Option<u32>,
    #[prop(optional)] suivante: bool,
    /// The name of the navigation landmark, e.g. « Pages de la liste des lieux ».
    label: &'static str,
) -> impl IntoView {
    let a_suivante = match pages {
        Some(p) => page < p,
        None => suivante,
    };
    let a_precedente = page > 1;
    let location = use_location();
    let (path, query) = (location.pathname.get_untracked(), location.query.get_untracked());
    let prec = NodeRef::<html::A>::new();
    let suiv = NodeRef::<html::A>::new();
    if let Some(sens) = SUIVI.with(|s| s.take()) {
        request_animation_frame(move || {
            let (d_abord, sinon) = if sens == Sens::Suivante { (suiv, prec) } else { (prec, suiv) };
            if let Some(a) = d_abord.get_untracked().filter(|a| a.has_attribute("href")).or(sinon.get_untracked()) {
                let _ = a.focus();
            }
        });
    }
    let position = match pages {
        Some(p) => format!("Page {page} sur {p}"),
        None => format!("Page {page}"),
    };
    let lien = move |sens: Sens, actif: bool, n: u32, node: NodeRef<html::A>, texte: &'static str| {
        view! {
            <a class="button button--secondary" node_ref=node aria-describedby="pagination-position"
                href=actif.then(|| adresse(&path, &query, n))
                role=(!actif).then_some("link") aria-disabled=(!actif).then_some("true")
                on:click=move |_| SUIVI.with(|s| s.set(Some(sens)))>{texte}</a>
        }
    };
    (a_precedente || a_suivante).then(|| {
        view! {
            <nav class="pagination" aria-label=label>
                {lien(Sens::Precedente, a_precedente, page.saturating_sub(1).max(1), prec, "Page précédente")}
                <span id="pagination-position">{position}</span>
                {lien(Sens::Suivante, a_suivante, page + 1, suiv, "Page suivante")}
            </nav>
        }
    })
}
