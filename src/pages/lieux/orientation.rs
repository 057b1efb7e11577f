//! `/parcours/:id/orientation`: the venues accepting the Pass nearest to the person, with their
//! hours and contact, to print and hand over.

use super::fiche::Horaires;
use crate::api;
use crate::components::page::Titre;
use crate::components::{ErrorNotice, Loading};
use carnet_domain::lieux::api::{LieuProche, Orientation};
use carnet_domain::lieux::geo::distance_texte;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

#[component]
pub fn OrientationPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
    let data = api::lecture::<Orientation>(move || format!("/parcours/{}/orientation", id()));
    view! {
        <p class="retour no-print"><A href=move || format!("/parcours/{}", id())>"← Retour au parcours"</A></p>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match data.valeur().await {
                    Ok(o) => view! { <Liste o=o/> }.into_any(),
                    Err(e) => view! { <Titre texte="Lieux qui acceptent le Pass"/><ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Liste(o: Orientation) -> impl IntoView {
    let print = |_| {
        if let Some(w) = web_sys::window() {
            let _ = w.print();
        }
    };
    view! {
        <div class="page-head">
            <Titre texte={format!("Où utiliser vos Pass numériques, {}", o.prenom)}/>
            <button type="button" class="button no-print" on:click=print>"Imprimer"</button>
        </div>
        {match &o.depuis {
            Some(d) => view! { <p class="lead">{format!("Les lieux les plus proches de {d} ({}) qui acceptent le Pass numérique.", o.origine)}</p> }.into_any(),
            None => view! { <p class="notice">"Ni la personne ni votre structure n'ont de commune : indiquez-en une pour trouver les lieux proches."</p> }.into_any(),
        }}
        {if o.lieux.is_empty() && o.depuis.is_some() {
            view! { <p class="empty">"Aucun lieu acceptant le Pass numérique n'est encore connu."</p> }.into_any()
        } else {
            view! { <ListeLieux lieux=o.lieux/> }.into_any()
        }}
    }
}

/// The venues where a carnet can be used, nearest first: the same list after intake and on the
/// printable page.
#[component]
pub fn ListeLieux(lieux: Vec<LieuProche>) -> impl IntoView {
    view! {
        <ol class="orientation">
            {lieux.into_iter().map(|l| view! {
                <li class="panel orientation__lieu">
                    <h2><a href=format!("/lieux/{}", l.id)>{l.nom}</a><span class="distance">{format!(" — à {}", distance_texte(l.distance_km))}</span></h2>
                    <p>{format!("{}, {} {}", l.adresse, l.code_postal, l.commune)}</p>
                    <p>{[l.telephone, l.courriels.first().cloned(), l.prise_rdv].into_iter().flatten().collect::<Vec<_>>().join(" · ")}</p>
                    {l.horaires.map(|h| view! { <Horaires h=h/> })}
                </li>
            }).collect_view()}
        </ol>
    }
}
