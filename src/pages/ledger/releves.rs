//! `/releves`: monthly statements. The opérateur issues a finished month's statements, sends them
//! and marks them paid; the coordinateur follows the current month and reads issued statements.

use super::{etat_releve, ConfirmationDemande, Demande, Issue, IssueNotice};
use crate::api::ledger as api;
use crate::app::use_auth;
use crate::components::page::Titre;
use crate::components::{ErrorNotice, Loading};
use crate::horloge::today;
use crate::pages::lieux::pluriel;
use carnet_domain::api::Role;
use carnet_domain::ledger::api::{PassAReclamer, ReleveProvisoire, ReleveSummary};
use carnet_domain::ledger::releve::Mois;
use carnet_domain::money::format_euros;
use carnet_domain::paris::date_courte;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn RelevesPage() -> impl IntoView {
    let auth = use_auth();
    let operateur = auth.me.get_untracked().flatten().map(|m| m.role) == Some(Role::Operateur);
    let version = RwSignal::new(0u32);
    let issue = RwSignal::new(None::<Issue>);
    let data = LocalResource::new(move || {
        version.get();
        async move { api::releves().await }
    });
    view! {
        <Titre texte="Relevés mensuels"/>
        <p class="lead">{if operateur {
            "Chaque mois terminé, un relevé par structure liste les pass validés, par commanditaire : ce que vous leur devez."
        } else {
            "Chaque mois terminé, l'opérateur émet le relevé des pass validés par la structure : ce qui lui est dû."
        }}</p>
        {if operateur { view! { <Emission version=version/> }.into_any() } else { view! { <Provisoire/> }.into_any() }}
        <section class="panel" aria-labelledby="emis-title">
            <h2 id="emis-title">"Relevés émis"</h2>
            <IssueNotice issue=issue/>
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(list) => view! { <Liste list=list operateur=operateur version=version issue=issue/> }.into_any(),
                        Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Emission(version: RwSignal<u32>) -> impl IntoView {
    let precedent = Mois::of(crate::horloge::aujourdhui()).precedent();
    let mois = RwSignal::new(precedent.to_string());
    let issue = RwSignal::new(None::<Issue>);
    let pending = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        pending.set(true);
        spawn_local(async move {
            match api::emettre(&mois.get_untracked()).await {
                Ok(r) => {
                    issue.set(Some(Issue::Ok(format!(
                        "{} : {} émis ({}), {} déjà émis.",
                        r.mois.libelle(),
                        pluriel(r.releves_emis, "relevé", "relevés"),
                        pluriel(r.lignes, "ligne", "lignes"),
                        r.deja_emis
                    ))));
                    version.update(|v| *v += 1);
                }
                Err(e) => {
                    let detail = e.fields().into_values().next().unwrap_or_else(|| e.message());
                    issue.set(Some(Issue::Erreur(detail)));
                }
            }
            pending.set(false);
        });
    };
    view! {
        <section class="panel" aria-labelledby="emission-title">
            <h2 id="emission-title">"Émettre les relevés d'un mois"</h2>
            <p class="hint">"Les relevés du mois précédent sont aussi émis automatiquement au début de chaque mois. Un relevé émis ne change plus : une validation annulée ensuite apparaît en ligne d'annulation sur le relevé suivant."</p>
            <IssueNotice issue=issue/>
            <form class="form form--inline" on:submit=on_submit novalidate>
                <div class="field">
                    <label for="mois">"Mois"</label>
                    <input id="mois" type="month" prop:value=move || mois.get() on:input=move |ev| mois.set(event_target_value(&ev))/>
                </div>
                <button type="submit" class="button" disabled=move || pending.get()>"Émettre les relevés"</button>
            </form>
        </section>
    }
}

#[component]
fn Provisoire() -> impl IntoView {
    let data = LocalResource::new(|| async { api::releve_provisoire().await });
    view! {
        <section class="panel" aria-labelledby="provisoire-title">
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(p) => view! { <ProvisoireView p=p/> }.into_any(),
                        Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn ProvisoireView(p: ReleveProvisoire) -> impl IntoView {
    let total: i64 = p.contenus.iter().map(|c| c.total_centimes).sum();
    let passes: i64 = p.contenus.iter().map(|c| c.nb_validations).sum();
    view! {
        <h2 id="provisoire-title">{format!("Mois en cours ({}) : provisoire", p.mois.libelle())}</h2>
        <p class="kpi"><span class="kpi__value" data-testid="provisoire-total">{format_euros(total)}</span>
            <span class="kpi__label">{format!("pour {passes} pass validé{} à ce jour, relevé émis après la fin du mois", if passes > 1 { "s" } else { "" })}</span></p>
        {p.contenus.into_iter().map(|c| view! {
            <h3>{format!("Opérateur : {}", c.operateur)}</h3>
            <super::releve::Lignes contenu=c/>
        }).collect_view()}
        <HorsReleve passes=p.hors_releve/>
    }
}

/// The month's passes of carnets received from another issuer: on no statement here, to claim
/// from their issuer (carnet, code, day and value are what the issuer asks for).
#[component]
fn HorsReleve(passes: Vec<PassAReclamer>) -> impl IntoView {
    if passes.is_empty() {
        return ().into_any();
    }
    let total: i64 = passes.iter().map(|p| p.valeur_centimes).sum();
    let n = passes.len();
    view! {
        <section aria-labelledby="hors-releve-title" data-testid="hors-releve">
            <h3 id="hors-releve-title">"À réclamer aux émetteurs des carnets reçus d'ailleurs"</h3>
            <p>{format!("{n} pass validé{} ce mois-ci sur des carnets qui ne viennent pas d'une commande Carnet : {} à faire rembourser par leur émetteur, hors de tout relevé.", if n > 1 { "s" } else { "" }, format_euros(total))}</p>
            <div class="table-wrap" tabindex="0" role="region" aria-label="Pass à réclamer aux émetteurs">
                <table class="table">
                    <thead><tr><th scope="col">"Jour"</th><th scope="col">"Émetteur"</th><th scope="col">"Carnet"</th><th scope="col">"Code du pass"</th><th scope="col" class="num">"Valeur"</th></tr></thead>
                    <tbody>
                        {passes.into_iter().map(|p| view! {
                            <tr><td>{date_courte(p.jour)}</td><td>{p.emetteur}</td><td>{p.carnet}</td><td class="code">{p.code}</td><td class="num">{format_euros(p.valeur_centimes)}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}

#[component]
fn Liste(
    list: Vec<ReleveSummary>,
    operateur: bool,
    version: RwSignal<u32>,
    issue: RwSignal<Option<Issue>>,
) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="empty">"Aucun relevé émis pour l'instant."</p> }.into_any();
    }
    let faire = move |id: i64, payer: bool, numero: String| {
        spawn_local(async move {
            let r = if payer { api::marquer_paye(id).await } else { api::envoyer(id).await };
            match r {
                Ok(()) => {
                    issue.set(Some(Issue::Ok(if payer {
                        format!("Relevé {numero} marqué payé.")
                    } else {
                        format!("Relevé {numero} marqué envoyé.")
                    })));
                    version.update(|v| *v += 1);
                }
                Err(e) => issue.set(Some(Issue::Erreur(e.message()))),
            }
        });
    };
    let demande = RwSignal::new(None::<Demande>);
    let act = move |id: i64, payer: bool, numero: String| {
        let question = if payer {
            format!("Marquer le relevé {numero} comme payé ?")
        } else {
            format!("Marquer le relevé {numero} comme envoyé à la structure ?")
        };
        let confirmer = if payer { "Oui, payé" } else { "Oui, envoyé" }.to_string();
        let action = Callback::new(move |_: String| faire(id, payer, numero.clone()));
        demande.set(Some(Demande { question, confirmer, motif: false, action }));
    };
    view! {
        <ConfirmationDemande demande=demande/>
        <div class="table-wrap" tabindex="0" role="region" aria-label="Tableau des relevés">
            <table class="table">
                <caption class="visually-hidden">"Relevés émis, du plus récent au plus ancien"</caption>
                <thead><tr>
                    <th scope="col">"Relevé"</th><th scope="col">"Mois"</th><th scope="col">"Structure"</th>
                    <th scope="col" class="num">"Pass"</th><th scope="col" class="num">"Total"</th><th scope="col">"État"</th>
                    {operateur.then(|| view! { <th scope="col">"Action"</th> })}
                </tr></thead>
                <tbody>
                    {list.into_iter().map(|r| {
                        let (id, etat, numero) = (r.id, r.etat.clone(), r.numero.clone());
                        view! {
                            <tr>
                                <th scope="row"><a href=format!("/releves/{id}")>{r.numero.clone()}</a></th>
                                <td>{r.mois.libelle()}</td>
                                <td>{r.structure.nom.clone()}</td>
                                <td class="num">{(r.nb_validations - r.nb_annulations).to_string()}</td>
                                <td class="num">{format_euros(r.total_centimes)}</td>
                                <td>{format!("{} le {}", etat_releve(&r.etat), date_courte(today(r.paye_at.or(r.envoye_at).unwrap_or(r.emis_at))))}</td>
                                {operateur.then(|| match etat.as_str() {
                                    "emis" => view! { <td><button type="button" class="button button--secondary"
                                        on:click=move |_| act(id, false, numero.clone())>"Marquer envoyé"</button></td> }.into_any(),
                                    "envoye" => view! { <td><button type="button" class="button button--secondary"
                                        on:click=move |_| act(id, true, numero.clone())>"Marquer payé"</button></td> }.into_any(),
                                    _ => view! { <td>"—"</td> }.into_any(),
                                })}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}
