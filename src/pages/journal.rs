//! `/journal-des-acces`: the structure's access journal, for its coordinateur — who saw whose
//! identity, when, through which page. Entries cannot be edited or deleted (the database refuses).
//! People appear by number: reading the journal shows no identity.

use crate::api;
use crate::components::page::Titre;
use crate::components::pagination::{use_page, use_premiere_page, Pagination};
use crate::components::{ErrorNotice, Loading};
use crate::horloge::to_local;
use carnet_domain::api::Page;
use carnet_domain::coop;
use carnet_domain::donnees::{JournalEntree, ACTIONS_JOURNAL};
use carnet_domain::paris::date_courte;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

pub fn quand(at: chrono::DateTime<chrono::Utc>) -> String {
    let local = to_local(at);
    format!("{} à {}", date_courte(local.date()), local.format("%H:%M:%S"))
}

#[component]
pub fn JournalPage() -> impl IntoView {
    let query = use_query_map();
    let page = use_page();
    let premiere_page = use_premiere_page();
    let p2 = premiere_page.clone();
    let utilisateur = RwSignal::new(String::new());
    let beneficiaire = RwSignal::new(query.read_untracked().get("beneficiaire").unwrap_or_default());
    let comptes = api::lecture::<Vec<carnet_domain::comptes::CompteView>>(|| "/comptes".into());
    let list = api::lecture::<Page<JournalEntree>>(move || {
        let mut chemin = format!("/journal-acces?page={}", page.get());
        if let Ok(u) = utilisateur.get().parse::<i64>() {
            chemin.push_str(&format!("&utilisateur={u}"));
        }
        if let Ok(b) = beneficiaire.get().trim().parse::<i64>() {
            chemin.push_str(&format!("&beneficiaire={b}"));
        }
        chemin
    });
    view! {
        <Titre texte="Journal des accès"/>
        <p class="lead">"Chaque consultation de l'identité d'un bénéficiaire par un membre de la structure est notée ici. Ces lignes ne peuvent être ni modifiées ni supprimées."</p>
        <form class="filters panel" on:submit=|ev| ev.prevent_default() aria-label="Filtrer le journal">
            <div class="field-row">
                <div class="field">
                    <label for="filtre-utilisateur">"Qui"</label>
                    <select id="filtre-utilisateur" on:change=move |ev| { utilisateur.set(event_target_value(&ev)); premiere_page(); }>
                        <option value="">"Tout le monde"</option>
                        {move || comptes.get().map(|list| list.unwrap_or_default().into_iter().map(|c| view! {
                            <option value=c.id.to_string()>{format!("{} {}", c.prenom, c.nom)}</option>
                        }).collect_view())}
                    </select>
                </div>
                <div class="field field--short">
                    <label for="filtre-beneficiaire">"Bénéficiaire n°"</label>
                    <input id="filtre-beneficiaire" type="text" inputmode="numeric" autocomplete="off"
                        prop:value=move || beneficiaire.get()
                        on:input=move |ev| { beneficiaire.set(event_target_value(&ev)); p2(); }/>
                </div>
            </div>
        </form>
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match list.valeur().await {
                    Ok(p) => view! { <JournalTable page=p/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn JournalTable(page: Page<JournalEntree>) -> impl IntoView {
    if page.items.is_empty() {
        return view! { <p class="empty" role="status">"Aucune consultation enregistrée pour ces critères."</p> }
            .into_any();
    }
    let pages = page.page_count();
    let n = page.page;
    view! {
        <p class="count" role="status">{format!("{} consultation{}", page.total, if page.total > 1 { "s" } else { "" })}</p>
        <div class="table-wrap" tabindex="0" role="region" aria-label="Tableau des consultations">
            <table class="table">
                <caption class="visually-hidden">"Consultations, de la plus récente à la plus ancienne"</caption>
                <thead><tr>
                    <th scope="col">"Quand"</th><th scope="col">"Qui"</th><th scope="col">"Quoi"</th><th scope="col">"Bénéficiaires vus"</th>
                </tr></thead>
                <tbody>
                    {page.items.into_iter().map(|e| {
                        let count = e.beneficiaires.len();
                        view! {
                            <tr>
                                <td>{quand(e.at)}</td>
                                <td>{e.utilisateur.clone()}</td>
                                <td>{coop::label(ACTIONS_JOURNAL, &e.action).unwrap_or("Consultation")}</td>
                                <td>
                                    {(count > 1).then(|| format!("{count} personnes : "))}
                                    {e.beneficiaires.iter().take(8).enumerate().map(|(i, b)| view! {
                                        {(i > 0).then_some(", ")}
                                        <a href=format!("/beneficiaires/{b}") aria-label=format!("Bénéficiaire n° {b}")>{format!("n° {b}")}</a>
                                    }).collect_view()}
                                    {(count > 8).then(|| format!(" et {} autres", count - 8))}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <Pagination page=n pages=pages label="Pages du journal des accès"/>
    }
    .into_any()
}
