//! `/carnets`: for a coordinateur, the structure's carnets — lots received, stock, carnets left
//! per conseiller, sub-lots and taking carnets back; for a conseiller, their own lot.

use super::commande::LotsTable;
use super::{ConfirmationDemande, Demande, Issue, IssueNotice};
use crate::api::{ledger as api, ApiError};
use crate::app::use_auth;
use crate::components::barres::{serie, BarChart};
use crate::components::form::{ErrorSummary, FieldError, TextField};
use crate::components::page::Titre;
use crate::components::{ErrorNotice, Loading};
use crate::pages::lieux::pluriel;
use carnet_domain::api::{FieldErrors, Role};
use carnet_domain::ledger::api::{CarnetDuLot, CarnetsStructure, LotConseillerRequest};
use carnet_domain::money::format_euros;
use carnet_domain::paris::date_courte;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;

#[component]
pub fn CarnetsPage() -> impl IntoView {
    let auth = use_auth();
    move || match auth.me.get().flatten().map(|m| m.role) {
        Some(Role::Coordinateur) => view! { <Structure/> }.into_any(),
        _ => view! { <MonLot/> }.into_any(),
    }
}

/// A table of carnets held by conseillers, optionally with a checkbox each.
#[component]
fn CarnetsTable(carnets: Vec<CarnetDuLot>, #[prop(optional)] choisis: Option<RwSignal<Vec<i64>>>) -> impl IntoView {
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label="Tableau des carnets">
            <table class="table">
                <caption class="visually-hidden">"Carnets pas encore remis"</caption>
                <thead><tr>
                    {choisis.is_some().then(|| view! { <th scope="col">"Reprendre"</th> })}
                    <th scope="col">"Carnet"</th><th scope="col">"Chez"</th><th scope="col">"Commanditaire"</th>
                    <th scope="col">"Pass"</th><th scope="col">"Utilisable jusqu'au"</th><th scope="col">"Publics visés"</th>
                </tr></thead>
                <tbody>
                    {carnets.into_iter().map(|c| {
                        let id = c.id;
                        let numero = c.numero.clone();
                        view! {
                            <tr>
                                {choisis.map(|s| view! {
                                    <td><input type="checkbox" aria-label=format!("Reprendre le carnet {numero}")
                                        prop:checked=move || s.read().contains(&id)
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            s.update(|v| { v.retain(|x| *x != id); if on { v.push(id); } });
                                        }/></td>
                                })}
                                <th scope="row" class="code">{c.numero}</th>
                                <td>{c.detenteur.unwrap_or_default()}</td>
                                <td>{c.commanditaire}</td>
                                <td>{format!("{} × {}", c.nb_passes, format_euros(c.valeur_faciale_centimes))}</td>
                                <td>{date_courte(c.date_limite)}</td>
                                <td>{c.criteres.into_iter().map(|k| k.libelle).collect::<Vec<_>>().join(", ")}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn MonLot() -> impl IntoView {
    let data = crate::api::lecture::<Vec<CarnetDuLot>>(|| "/carnets/mon-lot".into());
    view! {
        <div class="page-head">
            <Titre texte="Mes carnets à remettre"/>
            <A href="/parcours/nouveau" attr:class="button">"Nouveau parcours"</A>
        </div>
        <p class="lead">"À l'accueil d'une personne qui remplit un des critères du commanditaire, choisissez un de ces carnets au lieu d'en saisir les codes."</p>
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match data.valeur().await {
                    Ok(list) if list.is_empty() => view! {
                        <p class="empty">"Aucun carnet dans votre lot : votre coordinateur vous en confie."</p>
                    }.into_any(),
                    Ok(list) => view! {
                        <p class="count" role="status">{pluriel(list.len() as i64, "carnet", "carnets")}</p>
                        <CarnetsTable carnets=list/>
                    }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Structure() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let issue = RwSignal::new(None::<Issue>);
    let data = crate::api::lecture::<CarnetsStructure>(move || {
        version.track();
        "/carnets/structure".into()
    });
    view! {
        <div class="page-head">
            <Titre texte="Carnets de la structure"/>
            <div class="actions">
                <A href="/releves" attr:class="button button--secondary">"Relevés"</A>
                <A href="/journal" attr:class="button button--secondary">"Journal"</A>
            </div>
        </div>
        <IssueNotice issue=issue/>
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match data.valeur().await {
                    Ok(s) => view! { <StructureView s=s version=version issue=issue/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn StructureView(s: CarnetsStructure, version: RwSignal<u32>, issue: RwSignal<Option<Issue>>) -> impl IntoView {
    let par_conseiller =
        s.par_conseiller.iter().map(|c| serie(c.conseiller.nom.clone(), c.en_main)).collect::<Vec<_>>();
    let choisis = RwSignal::new(Vec::<i64>::new());
    let demande = RwSignal::new(None::<Demande>);
    let reprendre = move |_| {
        let ids = choisis.get_untracked();
        if ids.is_empty() {
            return;
        }
        let question =
            format!("Reprendre {} ? Ils reviennent à la structure.", pluriel(ids.len() as i64, "carnet", "carnets"));
        let action = Callback::new(move |_: String| {
            let ids = ids.clone();
            spawn_local(async move {
                match api::reprendre(ids).await {
                    Ok(r) => {
                        issue.set(Some(Issue::Ok(format!("{} repris.", pluriel(r.nb_carnets, "carnet", "carnets")))));
                        version.update(|v| *v += 1);
                    }
                    Err(e) => issue.set(Some(Issue::Erreur(e.message()))),
                }
            });
        });
        demande.set(Some(Demande { question, confirmer: "Oui, reprendre".into(), motif: false, action }));
    };
    view! {
        <div class="grid-2">
            <section class="panel" aria-labelledby="stock-title">
                <h2 id="stock-title">"À confier aux conseillers"</h2>
                {if s.stock.is_empty() {
                    view! { <p class="empty">"Aucun carnet en attente : les commanditaires confient des lots à la structure."</p> }.into_any()
                } else {
                    view! {
                        <ul class="list">
                            {s.stock.iter().map(|c| view! {
                                <li>{format!("{} ({}) : {}, utilisables jusqu'au {}", c.commande, c.commanditaire, pluriel(c.non_attribues, "carnet", "carnets"), date_courte(c.date_limite))}</li>
                            }).collect_view()}
                        </ul>
                        <SousLotForm s=s.clone() version=version issue=issue/>
                    }.into_any()
                }}
            </section>
            <section class="panel">
                <BarChart titre="Carnets en main par conseiller" series=par_conseiller colonne="Carnets en main"/>
                <div class="table-wrap" tabindex="0" role="region" aria-label="Tableau des carnets par conseiller">
                <table class="table">
                    <caption>"Carnets par conseiller"</caption>
                    <thead><tr><th scope="col">"Conseiller"</th><th scope="col" class="num">"En main"</th><th scope="col" class="num">"Remis"</th></tr></thead>
                    <tbody>
                        {s.par_conseiller.iter().map(|c| view! {
                            <tr><th scope="row">{c.conseiller.nom.clone()}</th><td class="num">{c.en_main.to_string()}</td><td class="num">{c.distribues.to_string()}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
                </div>
            </section>
        </div>
        <section class="panel" aria-labelledby="main-title">
            <h2 id="main-title">"Carnets confiés aux conseillers, pas encore remis"</h2>
            {if s.carnets_en_main.is_empty() {
                view! { <p class="empty">"Aucun."</p> }.into_any()
            } else {
                view! {
                    <CarnetsTable carnets=s.carnets_en_main.clone() choisis=choisis/>
                    <button type="button" class="button button--secondary" on:click=reprendre
                        disabled=move || choisis.read().is_empty()>"Reprendre les carnets cochés"</button>
                    <ConfirmationDemande demande=demande/>
                }.into_any()
            }}
        </section>
        <section class="panel" aria-labelledby="lots-title">
            <h2 id="lots-title">"Lots reçus et confiés"</h2>
            <LotsTable lots=s.lots.clone()/>
        </section>
    }
}

#[component]
fn SousLotForm(s: CarnetsStructure, version: RwSignal<u32>, issue: RwSignal<Option<Issue>>) -> impl IntoView {
    let commande = RwSignal::new(s.stock.first().map(|c| c.commande_id.to_string()).unwrap_or_default());
    let conseiller = RwSignal::new(String::new());
    let nombre = RwSignal::new("1".to_string());
    let errors = RwSignal::new(FieldErrors::new());
    let message = RwSignal::new(None::<String>);
    let summary = NodeRef::<html::Div>::new();
    let pending = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        message.set(None);
        spawn_local(async move {
            let req = LotConseillerRequest {
                commande_id: commande.get_untracked(),
                conseiller_id: conseiller.get_untracked(),
                nombre: nombre.get_untracked(),
            };
            match api::confier_conseiller(&req).await {
                Ok(lot) => {
                    errors.set(FieldErrors::new());
                    issue.set(Some(Issue::Ok(format!(
                        "{} confié{}.",
                        pluriel(lot.nb_carnets, "carnet", "carnets"),
                        if lot.nb_carnets > 1 { "s" } else { "" }
                    ))));
                    version.update(|v| *v += 1);
                }
                Err(ApiError::Invalid { fields, .. }) => {
                    errors.set(fields);
                    if let Some(el) = summary.get_untracked() {
                        let _ = el.focus();
                    }
                }
                Err(e) => message.set(Some(e.message())),
            }
            pending.set(false);
        });
    };
    let invalid = move |n: &'static str| Signal::derive(move || errors.read().contains_key(n));
    view! {
        <h3>"Confier des carnets à un conseiller"</h3>
        <ErrorSummary errors=errors message=message node_ref=summary
            order=Signal::derive(|| vec!["commande_id".to_string(), "conseiller_id".to_string(), "nombre".to_string()])/>
        <form class="form" on:submit=on_submit novalidate>
            <div class="field" class:field--invalid=invalid("commande_id")>
                <label for="commande_id">"Commande (obligatoire)"</label>
                <FieldError name="commande_id" errors=errors/>
                <select id="commande_id" aria-describedby="commande_id-error"
                    on:change=move |ev| commande.set(event_target_value(&ev)) prop:value=move || commande.get()>
                    {s.stock.iter().map(|c| view! {
                        <option value=c.commande_id.to_string()>{format!("{} — {} ({})", c.commande, c.commanditaire, pluriel(c.non_attribues, "carnet", "carnets"))}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field" class:field--invalid=invalid("conseiller_id")>
                <label for="conseiller_id">"Conseiller (obligatoire)"</label>
                <FieldError name="conseiller_id" errors=errors/>
                <select id="conseiller_id" aria-describedby="conseiller_id-error"
                    on:change=move |ev| conseiller.set(event_target_value(&ev)) prop:value=move || conseiller.get()>
                    <option value="">"Choisir…"</option>
                    {s.conseillers.iter().map(|c| view! { <option value=c.id.to_string()>{c.nom.clone()}</option> }).collect_view()}
                </select>
            </div>
            <TextField name="nombre" label="Nombre de carnets" value=nombre errors=errors required=true inputmode="numeric" class="field--short"/>
            <button type="submit" class="button" disabled=move || pending.get()>"Confier"</button>
        </form>
    }
}
