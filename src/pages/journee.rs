//! `/journee`: the conseiller's sessions of one day, to print on A4 or read on the way — who,
//! at what time, where, the planned content and what to have at hand. Today in the structure's
//! zone, or `?jour=AAAA-MM-JJ`. The same list goes by e-mail each morning to those who asked for
//! it in « Mon compte ».

use crate::api;
use crate::components::page::Titre;
use crate::components::{ErrorNotice, Loading};
use carnet_domain::paris::date_longue;
use carnet_domain::rappels::{heures, quoi, Journee};
use chrono::Duration;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn JourneePage() -> impl IntoView {
    let query = use_query_map();
    let data = api::lecture::<Journee>(move || {
        let jour = query.read().get("jour").unwrap_or_default();
        if jour.trim().is_empty() {
            "/journee".to_string()
        } else {
            format!("/journee?jour={}", jour.trim())
        }
    });
    view! {
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match data.valeur().await {
                    Ok(j) => view! { <Liste j=j/> }.into_any(),
                    Err(e) => view! { <Titre texte="Ma journée"/><ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Liste(j: Journee) -> impl IntoView {
    let jour = date_longue(j.jour);
    let aujourdhui = j.jour == crate::horloge::aujourdhui();
    let autre = |d: chrono::NaiveDate| format!("/journee?jour={}", d.format("%Y-%m-%d"));
    let n = j.seances.len();
    view! {
        <div class="print-bar no-print">
            <a href="/">"← Tableau de bord"</a>
            <span class="journee__jours">
                <a href=autre(j.jour - Duration::days(1))>"Jour précédent"</a>
                <a href=autre(j.jour + Duration::days(1))>"Jour suivant"</a>
            </span>
            <button type="button" class="button" on:click=move |_| { let _ = window().print(); }>"Imprimer"</button>
        </div>
        <article class="journee-print">
            <Titre texte=format!("Séances du {jour}") onglet=format!("Ma journée — {jour}")/>
            <p class="journee__qui">{format!("{} — {}", j.conseiller, j.structure)}</p>
            {if j.seances.is_empty() {
                let vide = if aujourdhui { "Aucune séance aujourd'hui" } else { "Aucune séance ce jour-là" };
                view! { <p class="empty">{vide}</p> }.into_any()
            } else {
                view! {
                    <p class="count">{format!("{n} séance{}", if n > 1 { "s" } else { "" })}</p>
                    <table class="table journee">
                        <caption class="visually-hidden">{format!("Séances du {jour}, dans l'ordre de la journée")}</caption>
                        <thead><tr>
                            <th scope="col">"Heure"</th>
                            <th scope="col">"Personne"</th>
                            <th scope="col">"Lieu"</th>
                            <th scope="col">"Contenu prévu"</th>
                            <th scope="col">"À prévoir"</th>
                        </tr></thead>
                        <tbody>
                            {j.seances.into_iter().map(|s| {
                                let tenue = s.statut == "tenue";
                                view! {
                                    <tr>
                                        <td class="journee__heure">{heures(&s)}</td>
                                        <th scope="row">
                                            <a href=format!("/parcours/{}/seances/{}", s.parcours_id, s.seance_id)>{s.prenom.clone()}</a>
                                            {tenue.then(|| view! { <span class="badge badge--done">"tenue"</span> })}
                                        </th>
                                        <td>{s.lieu.clone()}</td>
                                        <td>
                                            {quoi(&s)}
                                            {(!s.competences.is_empty()).then(|| view! {
                                                <ul class="journee__liste">{s.competences.iter().map(|c| view! { <li>{c.clone()}</li> }).collect_view()}</ul>
                                            })}
                                        </td>
                                        <td><ul class="journee__liste">{s.apporter.iter().map(|a| view! { <li>{a.clone()}</li> }).collect_view()}</ul></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </article>
    }
}
