//! `/`: the conseiller's dashboard — the structure's beneficiaries, searchable, and the way
//! into a new parcours.

use crate::api;
use crate::app::use_auth;
use crate::components::{ErrorNotice, Loading};
use carnet_domain::api::{BeneficiaireSummary, Page};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn Dashboard() -> impl IntoView {
    let auth = use_auth();
    let prenom = move || auth.me.get().flatten().map(|m| m.prenom).unwrap_or_default();
    let q = RwSignal::new(String::new());
    let page = RwSignal::new(1u32);
    let list = LocalResource::new(move || {
        let q = q.get();
        let page = page.get();
        async move { api::beneficiaires(&q, page).await }
    });

    view! {
        <div class="page-head">
            <h1>{move || format!("Bonjour {}", prenom())}</h1>
            <A href="/parcours/nouveau" attr:class="button">"Nouveau parcours"</A>
        </div>

        <section aria-labelledby="beneficiaires-title" class="panel">
            <h2 id="beneficiaires-title">"Bénéficiaires de la structure"</h2>
            <form class="search" role="search" on:submit=|ev| ev.prevent_default()>
                <label for="recherche">"Rechercher par prénom ou alias"</label>
                <input id="recherche" type="search" autocomplete="off"
                    prop:value=move || q.get()
                    on:input=move |ev| { q.set(event_target_value(&ev)); page.set(1); }/>
            </form>
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(p) => view! { <BeneficiaireTable page=p current=page searching=!q.get_untracked().trim().is_empty()/> }.into_any(),
                        Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn BeneficiaireTable(page: Page<BeneficiaireSummary>, current: RwSignal<u32>, searching: bool) -> impl IntoView {
    if page.items.is_empty() {
        return if searching {
            view! { <p class="empty" role="status">"Aucun bénéficiaire ne correspond à cette recherche."</p> }.into_any()
        } else {
            view! {
                <div class="empty">
                    <p>"Aucun bénéficiaire pour l'instant."</p>
                    <p>"Commencez par un nouveau parcours : l'accueil enregistre la personne et son carnet."</p>
                </div>
            }
            .into_any()
        };
    }
    let pages = page.page_count();
    let n = page.page;
    let total = page.total;
    view! {
        <p class="count" role="status">{format!("{total} bénéficiaire{}", if total > 1 { "s" } else { "" })}</p>
        <div class="table-wrap">
            <table class="table">
                <caption class="visually-hidden">"Bénéficiaires, du plus récent au plus ancien"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Prénom ou alias"</th>
                        <th scope="col">"Année de naissance"</th>
                        <th scope="col">"Commune"</th>
                        <th scope="col">"Parcours"</th>
                        <th scope="col">"Accueilli le"</th>
                    </tr>
                </thead>
                <tbody>
                    {page.items.into_iter().map(|b| {
                        let progress = match (b.parcours_id, b.parcours_etat.as_deref()) {
                            (Some(_), Some("termine")) => format!("Terminé ({}/{} pass)", b.passes_utilises, b.passes_total),
                            (Some(_), _) => format!("En cours : {}/{} pass utilisés", b.passes_utilises, b.passes_total),
                            _ => "Aucun".to_string(),
                        };
                        let href = b.parcours_id.map(|p| format!("/parcours/{p}")).unwrap_or_else(|| format!("/beneficiaires/{}", b.id));
                        view! {
                            <tr>
                                <th scope="row"><a href=format!("/beneficiaires/{}", b.id)>{b.prenom}</a></th>
                                <td>{b.annee_naissance.map(|y| y.to_string()).unwrap_or_else(|| "—".into())}</td>
                                <td>{b.commune.unwrap_or_else(|| "—".into())}</td>
                                <td><a href=href>{progress}</a></td>
                                <td>{carnet_domain::paris::date_courte(carnet_domain::paris::today(b.created_at))}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        {(pages > 1).then(|| view! {
            <nav class="pagination" aria-label="Pages de la liste">
                <button type="button" class="button button--secondary" disabled=n <= 1
                    on:click=move |_| current.update(|p| *p = p.saturating_sub(1).max(1))>"Page précédente"</button>
                <span>{format!("Page {n} sur {pages}")}</span>
                <button type="button" class="button button--secondary" disabled=n >= pages
                    on:click=move |_| current.update(|p| *p += 1)>"Page suivante"</button>
            </nav>
        })}
    }
    .into_any()
}
