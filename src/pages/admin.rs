//! `/admin`: the minimal administration — every account of every structure: invite (any role),
//! resend an invitation, deactivate or reactivate; and each structure's time zone. New versions
//! of the information notice are published with `carnet-server admin publish-notice` (or
//! `POST /api/v1/notices`).

use crate::api;
use crate::components::page::Titre;
use crate::components::{ErrorNotice, Loading};
use crate::pages::equipe::Comptes;
use carnet_domain::fuseau::{ChoixFuseau, Fuseau, StructureFuseau};
use leptos::prelude::*;

#[component]
pub fn AdminPage() -> impl IntoView {
    view! {
        <Titre texte="Administration"/>
        <p class="lead">"Tous les comptes, de toutes les structures. La notice d'information des bénéficiaires se publie en ligne de commande (carnet-server admin publish-notice)."</p>
        <Comptes admin=true/>
        <Fuseaux/>
    }
}

/// Each structure's zone: its commune's unless chosen here. Saved at once on change.
#[component]
fn Fuseaux() -> impl IntoView {
    let liste = api::lecture::<Vec<StructureFuseau>>(|| "/structures/fuseaux".into());
    let statut = RwSignal::new(None::<String>);
    let erreur = RwSignal::new(None::<String>);
    let choisir = move |s: StructureFuseau, valeur: String| {
        leptos::task::spawn_local(async move {
            let req = ChoixFuseau { fuseau: valeur };
            match api::put::<_, StructureFuseau>(&format!("/structures/{}/fuseau", s.id), &req).await {
                Ok(r) => {
                    erreur.set(None);
                    statut.set(Some(format!("{} : fuseau horaire {}.", r.nom, r.fuseau.libelle())));
                }
                Err(e) => erreur.set(Some(e.message())),
            }
        });
    };
    view! {
        <section class="panel" aria-labelledby="fuseaux-titre">
            <h2 id="fuseaux-titre">"Fuseaux horaires des structures"</h2>
            <p>"Les dates et heures d'une structure sont celles de son fuseau : par défaut celui de sa commune. Les jours fériés suivent toujours la commune."</p>
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match liste.valeur().await {
                        Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                        Ok(lignes) => view! {
                            <div class="table-wrap" tabindex="0" role="region" aria-label="Tableau des fuseaux horaires">
                            <table class="table">
                                <thead><tr><th scope="col">"Structure"</th><th scope="col">"Commune (INSEE)"</th><th scope="col">"Fuseau horaire"</th></tr></thead>
                                <tbody>
                                    {lignes.into_iter().map(|s| {
                                        let id = format!("fuseau-{}", s.id);
                                        let choisi = s.choisi.then_some(s.fuseau);
                                        let commune = s.fuseau_commune;
                                        let ligne = s.clone();
                                        view! {
                                            <tr>
                                                <th scope="row"><label for=id.clone()>{s.nom.clone()}</label></th>
                                                <td>{s.commune_insee.clone().unwrap_or_else(|| "—".into())}</td>
                                                <td>
                                                    <select id=id on:change=move |ev| choisir(ligne.clone(), event_target_value(&ev))>
                                                        <option value="" selected=choisi.is_none()>{format!("Celui de la commune : {}", commune.libelle())}</option>
                                                        {Fuseau::TOUS.into_iter().map(|f| view! {
                                                            <option value=f.iana() selected=choisi == Some(f)>{f.libelle()}</option>
                                                        }).collect_view()}
                                                    </select>
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                            </div>
                        }.into_any(),
                    }
                })}
            </Transition>
            <p class="notice notice--success" role="status" class:hidden=move || statut.get().is_none()>{move || statut.get()}</p>
            {move || erreur.get().map(|m| view! { <p class="notice notice--error" role="alert">{m}</p> })}
        </section>
    }
}
