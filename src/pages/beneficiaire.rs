//! `/beneficiaires/:id`: one person and their parcours.

use crate::api;
use crate::components::page::Titre;
use crate::components::{ErrorNotice, Loading};
use crate::horloge::today;
use carnet_domain::api::BeneficiaireDetail;
use carnet_domain::paris::date_courte;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[component]
pub fn BeneficiairePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
    let data = api::lecture::<BeneficiaireDetail>(move || format!("/beneficiaires/{}", id()));
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match data.valeur().await {
                    Ok(d) => view! { <Detail d=d/> }.into_any(),
                    Err(e) => view! { <Titre texte="Bénéficiaire"/><ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Detail(d: BeneficiaireDetail) -> impl IntoView {
    let b = d.beneficiaire;
    view! {
        <Titre texte=b.prenom.clone() onglet=format!("{} — bénéficiaire", b.prenom)/>
        <p class="lead">{format!("Accueilli(e) le {}", date_courte(today(b.created_at)))}
            {b.commune.map(|c| format!(" · {}", c.libelle()))}</p>
        <p><a href=format!("/beneficiaires/{}/donnees", b.id)>"Données personnelles et droits (voir, corriger, effacer)"</a></p>
        <section class="panel" aria-labelledby="parcours-title">
            <h2 id="parcours-title">"Parcours"</h2>
            {if d.parcours.is_empty() {
                view! { <p class="empty">"Aucun parcours."</p> }.into_any()
            } else {
                view! {
                    <ul class="list">
                        {d.parcours.into_iter().map(|p| view! {
                            <li>
                                <a href=format!("/parcours/{}", p.id)>
                                    {format!("Carnet n° {} — {} ({}/{} pass utilisés)", p.carnet_numero,
                                        if p.etat == "termine" { "terminé" } else { "en cours" }, p.passes_utilises, p.nb_passes)}
                                </a>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}
