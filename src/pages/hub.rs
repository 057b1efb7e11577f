//! `/` for hubs (and administrators): their territory, the candidates waiting, and the ways in.

use crate::api;
use crate::components::page::Titre;
use crate::components::{ErrorNotice, Loading};
use crate::pages::lieux::{pluriel, BadgeStatut};
use carnet_domain::lieux::api::Territoire;
use carnet_domain::lieux::candidat::{CandidatResume, StatutCandidat};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn HubHome() -> impl IntoView {
    let territoire = api::lecture::<Territoire>(|| "/lieux/territoire".into());
    let candidats = api::lecture::<Vec<CandidatResume>>(|| "/lieux/candidats".into());
    view! {
        <Titre texte="Bonjour" onglet="Accueil"/>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match territoire.valeur().await {
                    Ok(t) => view! {
                        <p class="lead">{if t.national { "Territoire : toute la France.".to_string() } else {
                            format!("Votre territoire : {}.", t.departements.iter().map(|d| format!("{} ({})", d.nom, d.code)).collect::<Vec<_>>().join(", "))
                        }}</p>
                    }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
        <ul class="tuiles">
            <li><A href="/lieux">"Carte des lieux"</A><span>"Les lieux de médiation numérique, qui accepte le Pass, ouvert quand."</span></li>
            <li><A href="/lieux/candidats">"Lieux candidats"</A><span>"Les lieux signalés par les conseillers, à accompagner vers l'agrément."</span></li>
            <li><A href="/lieux/couverture">"Couverture"</A><span>"Pass en circulation et lieux qui les acceptent, par département."</span></li>
            <li><A href="/lieux/import">"Importer, exporter"</A><span>"Fichiers du standard national des lieux."</span></li>
        </ul>
        <section class="panel" aria-labelledby="attente-titre">
            <h2 id="attente-titre">"Candidats à suivre"</h2>
            <Suspense fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match candidats.valeur().await {
                        Ok(list) => {
                            let ouverts: Vec<_> = list.into_iter().filter(|c| !c.statut.est_final()).collect();
                            if ouverts.is_empty() {
                                return view! { <p class="empty">"Aucun lieu candidat en attente."</p> }.into_any();
                            }
                            let signales = ouverts.iter().filter(|c| c.statut == StatutCandidat::Signale).count() as i64;
                            view! {
                                <p>{format!("{} en cours, dont {} à contacter.", pluriel(ouverts.len() as i64, "dossier", "dossiers"), signales)}</p>
                                <ul class="list">
                                    {ouverts.into_iter().take(8).map(|c| view! {
                                        <li><a href=format!("/lieux/candidats/{}", c.id)>{format!("{} — {}", c.nom, c.commune)}</a>" "<BadgeStatut statut=c.statut/></li>
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }
                        Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
