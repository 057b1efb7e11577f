//! `/commandes`: the orders — the commanditaire's own, or those placed with the opérateur, with
//! what is waiting for them first.

use super::etat_commande;
use crate::api::ledger as api;
use crate::app::use_auth;
use crate::components::page::Titre;
use crate::components::{ErrorNotice, Loading};
use carnet_domain::api::Role;
use carnet_domain::ledger::api::CommandeSummary;
use carnet_domain::money::format_euros;
use carnet_domain::paris::date_courte;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn CommandesPage() -> impl IntoView {
    let auth = use_auth();
    let operateur = move || auth.me.get().flatten().map(|m| m.role) == Some(Role::Operateur);
    let data = LocalResource::new(|| async { api::commandes().await });
    view! {
        <div class="page-head">
            <Titre texte="Commandes de Pass numérique"/>
            <Show when=move || !operateur()>
                <A href="/commandes/nouvelle" attr:class="button">"Nouvelle commande"</A>
            </Show>
        </div>
        {move || operateur().then(|| view! {
            <p class="lead">"Enregistrez le paiement des commandes reçues, puis activez-les : leurs pass deviennent utilisables."</p>
        })}
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(list) => view! { <CommandesTable list=list operateur=operateur()/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn CommandesTable(list: Vec<CommandeSummary>, operateur: bool) -> impl IntoView {
    if list.is_empty() {
        return view! {
            <div class="empty">
                {if operateur { "Aucune commande ne vous a encore été passée." } else { "Aucune commande pour l'instant : commencez par une nouvelle commande." }}
            </div>
        }
        .into_any();
    }
    let attente = list.iter().filter(|c| c.etat == "attente_paiement" || c.etat == "payee").count();
    view! {
        {(operateur && attente > 0).then(|| view! {
            <p class="notice notice--warn" role="status">{format!("{} un paiement ou une activation.", if attente > 1 { format!("{attente} commandes attendent") } else { "1 commande attend".to_string() })}</p>
        })}
        <div class="table-wrap" tabindex="0" role="region" aria-label="Tableau des commandes">
            <table class="table">
                <caption class="visually-hidden">"Commandes, de la plus récente à la plus ancienne"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Référence"</th>
                        {operateur.then(|| view! { <th scope="col">"Commanditaire"</th> })}
                        <th scope="col">"Carnets"</th>
                        <th scope="col" class="num">"Montant"</th>
                        <th scope="col">"Valable jusqu'au"</th>
                        <th scope="col">"État"</th>
                    </tr>
                </thead>
                <tbody>
                    {list.into_iter().map(|c| view! {
                        <tr>
                            <th scope="row"><a href=format!("/commandes/{}", c.id)>{c.reference.clone()}</a></th>
                            {operateur.then(|| view! { <td>{c.commanditaire.nom.clone()}</td> })}
                            <td>{format!("{} × {} pass de {}", c.nb_carnets, c.nb_passes, format_euros(c.valeur_faciale_centimes))}</td>
                            <td class="num">{format_euros(c.montant_centimes)}</td>
                            <td>{format!("{} (+{} j)", date_courte(c.fin_validite), c.jours_grace)}</td>
                            <td><span class=format!("badge badge--{}", c.etat)>{etat_commande(&c.etat)}</span></td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}
