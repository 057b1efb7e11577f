//! `/journal`: the audit journal of the ledger's objects one may see — who changed what, when,
//! from which state to which. Filter by kind of object, by number, or by pass code.

use crate::api::ledger as api;
use crate::components::page::Titre;
use crate::components::pagination::{use_page, use_premiere_page, Pagination};
use crate::components::{ErrorNotice, Loading};
use crate::horloge::to_local;
use carnet_domain::ledger::api::JournalPage;
use carnet_domain::ledger::journal::{action_libelle, etat_lisible};
use carnet_domain::paris::date_courte;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

const ENTITES: &[(&str, &str)] = &[
    ("", "Tous les objets"),
    ("commande", "Commandes"),
    ("carnet", "Carnets"),
    ("pass", "Pass"),
    ("lot", "Lots"),
    ("releve", "Relevés"),
    ("agrement", "Agréments"),
    ("avoir", "Avoirs"),
];

fn entite(e: &str) -> &'static str {
    match e {
        "commande" => "Commande",
        "carnet" => "Carnet",
        "pass" => "Pass",
        "lot" => "Lot",
        "releve" => "Relevé",
        "agrement" => "Agrément (structure)",
        "avoir" => "Avoir",
        _ => "Objet",
    }
}

#[component]
pub fn JournalPage() -> impl IntoView {
    let query = use_query_map();
    let q = |k: &str| query.read_untracked().get(k).unwrap_or_default();
    let entity = RwSignal::new(q("entity"));
    let entity_id = RwSignal::new(q("entity_id"));
    let code = RwSignal::new(q("code"));
    let page = use_page();
    let premiere_page = use_premiere_page();
    // What the table shows: applied on submit, not on each keystroke.
    let applied = RwSignal::new((entity.get_untracked(), entity_id.get_untracked(), code.get_untracked()));
    let data = LocalResource::new(move || {
        let (e, id, c) = applied.get();
        let p = page.get();
        async move { api::journal(&e, &id, &c, p).await }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        premiere_page();
        applied.set((entity.get_untracked(), entity_id.get_untracked(), code.get_untracked()));
    };
    view! {
        <Titre texte="Journal des changements"/>
        <p class="lead">"Chaque changement d'état d'une commande, d'un carnet, d'un pass ou d'un relevé est inscrit ici, et ne peut être ni modifié ni effacé."</p>
        <form class="form form--inline panel" role="search" on:submit=on_submit>
            <div class="field">
                <label for="entity">"Objet"</label>
                <select id="entity" on:change=move |ev| entity.set(event_target_value(&ev)) prop:value=move || entity.get()>
                    {ENTITES.iter().map(|(v, l)| view! { <option value=*v selected=move || entity.get() == *v>{*l}</option> }).collect_view()}
                </select>
            </div>
            <div class="field field--short">
                <label for="entity_id">"Numéro"</label>
                <input id="entity_id" type="text" inputmode="numeric" prop:value=move || entity_id.get()
                    on:input=move |ev| entity_id.set(event_target_value(&ev))/>
            </div>
            <div class="field">
                <label for="code">"ou code d'un pass"</label>
                <input id="code" type="text" class="code-input" autocomplete="off" prop:value=move || code.get()
                    on:input=move |ev| code.set(event_target_value(&ev))/>
            </div>
            <button type="submit" class="button">"Afficher"</button>
        </form>
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(p) => view! { <Entries p=p/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Entries(p: JournalPage) -> impl IntoView {
    if p.items.is_empty() {
        return view! { <p class="empty" role="status">"Aucun changement à afficher."</p> }.into_any();
    }
    let (n, more) = (p.page, p.has_more);
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label="Tableau des changements">
            <table class="table table--compact">
                <caption class="visually-hidden">"Changements, du plus récent au plus ancien"</caption>
                <thead><tr><th scope="col">"Quand"</th><th scope="col">"Qui"</th><th scope="col">"Objet"</th>
                    <th scope="col">"Action"</th><th scope="col">"Avant"</th><th scope="col">"Après"</th></tr></thead>
                <tbody>
                    {p.items.into_iter().map(|e| {
                        let local = to_local(e.at);
                        view! {
                            <tr>
                                <td>{format!("{} {}", date_courte(local.date()), local.format("%H:%M:%S"))}</td>
                                <td>{e.qui}</td>
                                <td>{match &e.objet {
                                    Some(o) => format!("{} {o}", entite(&e.entity)),
                                    None => format!("{} n° {}", entite(&e.entity), e.entity_id),
                                }}</td>
                                <td>{action_libelle(&e.action)}</td>
                                <td class="journal__state">{etat_lisible(e.before.as_deref())}</td>
                                <td class="journal__state">{etat_lisible(e.after.as_deref())}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <Pagination page=n suivante=more label="Pages du journal des changements"/>
    }
    .into_any()
}
