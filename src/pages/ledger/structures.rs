//! `/structures`: the opérateur accredits structures (they may then cash its passes) or suspends
//! an accreditation, with a reason.

use super::{ConfirmationDemande, Demande, Issue, IssueNotice};
use crate::api::ledger as api;
use crate::components::page::Titre;
use crate::components::{ErrorNotice, Loading};
use crate::horloge::today;
use carnet_domain::ledger::api::StructureAgrement;
use carnet_domain::paris::date_courte;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn StructuresPage() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let filtre = RwSignal::new(String::new());
    let issue = RwSignal::new(None::<Issue>);
    let data = LocalResource::new(move || {
        version.get();
        async move { api::agrements().await }
    });
    view! {
        <Titre texte="Structures agréées"/>
        <p class="lead">"Une structure agréée et active peut valider vos pass pendant ses séances ; vous lui devez leur valeur chaque mois."</p>
        <div class="search">
            <label for="filtre">"Filtrer par nom ou commune"</label>
            <input id="filtre" type="search" prop:value=move || filtre.get() on:input=move |ev| filtre.set(event_target_value(&ev))/>
        </div>
        <IssueNotice issue=issue/>
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(list) => view! { <Liste list=list version=version filtre=filtre issue=issue/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Liste(
    list: Vec<StructureAgrement>,
    version: RwSignal<u32>,
    filtre: RwSignal<String>,
    issue: RwSignal<Option<Issue>>,
) -> impl IntoView {
    let demande = RwSignal::new(None::<Demande>);
    let decide = move |id: i64, nom: String, actif: bool| {
        let nom2 = nom.clone();
        let action = Callback::new(move |motif: String| {
            let nom = nom2.clone();
            spawn_local(async move {
                match api::agreer(id, actif, &motif).await {
                    Ok(()) => {
                        issue.set(Some(Issue::Ok(if actif {
                            format!("{nom} est agréée.")
                        } else {
                            format!("Agrément de {nom} suspendu.")
                        })));
                        version.update(|v| *v += 1);
                    }
                    Err(e) => {
                        issue.set(Some(Issue::Erreur(e.fields().into_values().next().unwrap_or_else(|| e.message()))))
                    }
                }
            });
        });
        demande.set(Some(if actif {
            Demande {
                question: format!("Agréer « {nom} » ? Elle pourra valider vos pass."),
                confirmer: "Oui, agréer".into(),
                motif: false,
                action,
            }
        } else {
            Demande {
                question: format!("Suspendre l'agrément de « {nom} » ?"),
                confirmer: "Oui, suspendre".into(),
                motif: true,
                action,
            }
        }));
    };
    let rows = move || {
        let f = carnet_domain::text::normalise(&filtre.get());
        list.iter()
            .filter(|s| {
                f.is_empty()
                    || carnet_domain::text::normalise(&s.nom).contains(&f)
                    || s.commune.as_deref().is_some_and(|c| carnet_domain::text::normalise(c).contains(&f))
            })
            .map(|s| {
                let s = s.clone();
                let (id, nom) = (s.id, s.nom.clone());
                let nom2 = nom.clone();
                let etat = s.agrement.clone();
                view! {
                    <tr>
                        <th scope="row">{s.nom.clone()}</th>
                        <td>{match (&s.commune, &s.departement) { (Some(c), Some(d)) => format!("{c} ({d})"), _ => "Non renseignée".into() }}</td>
                        <td>{match (etat.as_deref(), s.decided_at) {
                            (Some("actif"), Some(d)) => format!("Agréée depuis le {}", date_courte(today(d))),
                            (Some("suspendu"), Some(d)) => format!("Suspendue le {} ({})", date_courte(today(d)), s.motif.clone().unwrap_or_default()),
                            _ => "Non agréée".into(),
                        }}</td>
                        <td>{if etat.as_deref() == Some("actif") {
                            view! { <button type="button" class="button button--secondary" on:click=move |_| decide(id, nom2.clone(), false)>
                                "Suspendre"<span class="visually-hidden">{format!(" {nom}")}</span></button> }.into_any()
                        } else {
                            view! { <button type="button" class="button" on:click=move |_| decide(id, nom2.clone(), true)>
                                "Agréer"<span class="visually-hidden">{format!(" {nom}")}</span></button> }.into_any()
                        }}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    view! {
        <ConfirmationDemande demande=demande/>
        <div class="table-wrap" tabindex="0" role="region" aria-label="Tableau des structures">
            <table class="table">
                <caption class="visually-hidden">"Structures et leur agrément"</caption>
                <thead><tr><th scope="col">"Structure"</th><th scope="col">"Commune"</th><th scope="col">"Agrément"</th><th scope="col">"Action"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
