//! `/commandes/:id`: one order — what was bought, where its carnets are, its lots and credits; the
//! opérateur records the payment and activates it, the commanditaire entrusts lots to structures.

use super::{aujourdhui, etat_commande, ConfirmationDemande, Demande, Issue, IssueNotice};
use crate::api::{ledger as api, ApiError};
use crate::app::use_auth;
use crate::components::barres::{serie, BarChart};
use crate::components::form::{ErrorSummary, FieldError, TextField};
use crate::components::page::Titre;
use crate::components::{ErrorNotice, Loading};
use crate::horloge::today;
use crate::pages::lieux::pluriel;
use carnet_domain::api::{FieldErrors, Role};
use carnet_domain::ledger::api::{CommandeDetail, LotStructureRequest, LotView, PaiementRequest};
use carnet_domain::money::format_euros;
use carnet_domain::paris::{date_courte, date_longue};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;

#[component]
pub fn CommandePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
    let version = RwSignal::new(0u32);
    // Outlives the reloads that follow an action, so its outcome stays on screen.
    let issue = RwSignal::new(None::<Issue>);
    let data = LocalResource::new(move || {
        let id = id();
        version.get();
        async move { api::commande(id).await }
    });
    view! {
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <Detail d=d version=version issue=issue/> }.into_any(),
                    Err(e) => view! { <Titre texte="Commande"/><ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Detail(d: CommandeDetail, version: RwSignal<u32>, issue: RwSignal<Option<Issue>>) -> impl IntoView {
    let auth = use_auth();
    let role = auth.me.get_untracked().flatten().map(|m| m.role);
    let c = d.commande.clone();
    let e = d.entonnoir.clone();
    let territoire = d.territoire.iter().map(|t| format!("{} ({})", t.nom, t.code)).collect::<Vec<_>>().join(", ");
    let publics = d.criteres.iter().map(|c| c.libelle.clone()).collect::<Vec<_>>().join(", ");
    let avoir: i64 = d.avoirs.iter().map(|a| a.montant_centimes).sum();
    let funnel = vec![
        serie("Émis", e.emis),
        serie("Confiés à une structure", e.confies),
        serie("Remis à une personne", e.distribues),
        serie("Entamés", e.entames),
        serie("Épuisés", e.epuises),
        serie("Expirés", e.expires),
    ];
    view! {
        <div class="page-head">
            <Titre texte={format!("Commande {}", c.reference)}/>
            <span class=format!("badge badge--{}", c.etat)>{etat_commande(&c.etat)}</span>
        </div>
        <IssueNotice issue=issue/>
        <div class="grid-2">
            <section class="panel" aria-labelledby="commande-title">
                <h2 id="commande-title">"Ce qui a été commandé"</h2>
                <dl class="facts">
                    <dt>"Commanditaire"</dt><dd>{c.commanditaire.nom.clone()}</dd>
                    <dt>"Opérateur"</dt><dd>{c.operateur.nom.clone()}</dd>
                    <dt>"Carnets"</dt><dd>{format!("{} de {} pass de {}", pluriel(c.nb_carnets, "carnet", "carnets"), c.nb_passes, format_euros(c.valeur_faciale_centimes))}</dd>
                    <dt>"Montant"</dt><dd>{format_euros(c.montant_centimes)}</dd>
                    <dt>"Validité"</dt><dd>{format!("jusqu'au {}, et {} jours de grâce (dernier jour : {})", date_courte(c.fin_validite), c.jours_grace, date_courte(c.date_limite))}</dd>
                    <dt>"Territoire"</dt><dd>{territoire}</dd>
                    <dt>"Publics visés"</dt><dd>{publics}</dd>
                    <dt>"Commandée le"</dt><dd>{date_longue(today(c.created_at))}</dd>
                    <dt>"Paiement"</dt><dd>{match (&d.paiement_reference, d.paiement_date) {
                        (Some(r), Some(dt)) => format!("reçu le {} (référence {r})", date_courte(dt)),
                        _ => "en attente".to_string(),
                    }}</dd>
                </dl>
            </section>
            <section class="panel" aria-labelledby="usage-title">
                <h2 id="usage-title">"Utilisation"</h2>
                <dl class="facts">
                    <dt>"Pass validés"</dt><dd>{d.passes_valides.to_string()}</dd>
                    <dt>"Valeur consommée"</dt><dd>{format_euros(d.valeur_consommee_centimes)}</dd>
                    <dt>"Avoir (pass expirés)"</dt><dd>{format_euros(avoir)}</dd>
                </dl>
                <BarChart titre="Où en sont les carnets" series=funnel colonne="Carnets"/>
            </section>
        </div>
        {(role == Some(Role::Operateur)).then(|| view! { <OperateurActions d=d.clone() version=version issue=issue/> })}
        <section class="panel" aria-labelledby="lots-title">
            <h2 id="lots-title">"Lots confiés aux structures"</h2>
            <LotsTable lots=d.lots.clone()/>
            {(role == Some(Role::Commanditaire) && c.etat == "active").then(|| view! { <LotForm d=d.clone() version=version issue=issue/> })}
            {(role == Some(Role::Commanditaire) && c.etat != "active" && c.etat != "expiree").then(|| view! {
                <p class="notice">"Les carnets pourront être confiés une fois la commande payée et activée par l'opérateur."</p>
            })}
        </section>
        {(!d.avoirs.is_empty()).then(|| view! {
            <section class="panel" aria-labelledby="avoirs-title">
                <h2 id="avoirs-title">"Avoirs"</h2>
                <ul class="list">
                    {d.avoirs.iter().map(|a| view! {
                        <li>{format!("{} pour {} pass expirés, le {}", format_euros(a.montant_centimes), a.nb_passes, date_courte(today(a.created_at)))}</li>
                    }).collect_view()}
                </ul>
            </section>
        })}
        <p><a href=format!("/journal?entity=commande&entity_id={}", c.id)>"Historique de la commande (journal)"</a></p>
    }
}

#[component]
pub fn LotsTable(lots: Vec<LotView>) -> impl IntoView {
    if lots.is_empty() {
        return view! { <p class="empty">"Aucun lot pour l'instant."</p> }.into_any();
    }
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label="Tableau des lots">
            <table class="table">
                <caption class="visually-hidden">"Lots, du plus récent au plus ancien"</caption>
                <thead><tr>
                    <th scope="col">"Date"</th><th scope="col">"Commande"</th><th scope="col">"De"</th><th scope="col">"À"</th>
                    <th scope="col" class="num">"Carnets"</th><th scope="col">"Numéros"</th><th scope="col">"Accord"</th>
                </tr></thead>
                <tbody>
                    {lots.into_iter().map(|l| view! {
                        <tr>
                            <td>{date_courte(today(l.created_at))}</td>
                            <td>{l.commande}</td>
                            <td>{l.de}</td>
                            <td>{if l.kind == "reprise" { format!("{} (reprise)", l.vers) } else { l.vers }}</td>
                            <td class="num">{l.nb_carnets.to_string()}</td>
                            <td class="code">{if l.premier_numero == l.dernier_numero { l.premier_numero } else { format!("{} à {}", l.premier_numero, l.dernier_numero) }}</td>
                            <td>{match (l.accord_reference, l.accord_date) {
                                (Some(r), Some(d)) => format!("{r} du {}", date_courte(d)),
                                _ => "—".into(),
                            }}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn OperateurActions(d: CommandeDetail, version: RwSignal<u32>, issue: RwSignal<Option<Issue>>) -> impl IntoView {
    let id = d.commande.id;
    let etat = d.commande.etat.clone();
    let reference = RwSignal::new(String::new());
    let date = RwSignal::new(aujourdhui());
    let errors = RwSignal::new(FieldErrors::new());
    let message = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let summary = NodeRef::<html::Div>::new();
    let payer = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        pending.set(true);
        spawn_local(async move {
            let req = PaiementRequest { reference: reference.get_untracked(), date: date.get_untracked() };
            match api::paiement(id, &req).await {
                Ok(()) => {
                    issue.set(Some(Issue::Ok("Paiement enregistré.".into())));
                    version.update(|v| *v += 1);
                }
                Err(ApiError::Invalid { fields, .. }) => errors.set(fields),
                Err(e) => message.set(Some(e.message())),
            }
            pending.set(false);
        });
    };
    let demande = RwSignal::new(None::<Demande>);
    let activer = move |_| {
        let action = Callback::new(move |_: String| {
            pending.set(true);
            spawn_local(async move {
                match api::activer(id).await {
                    Ok(()) => {
                        issue.set(Some(Issue::Ok("Commande activée : ses pass sont utilisables.".into())));
                        version.update(|v| *v += 1);
                    }
                    Err(e) => issue.set(Some(Issue::Erreur(e.message()))),
                }
                pending.set(false);
            });
        });
        demande.set(Some(Demande {
            question: "Activer la commande ? Ses pass deviendront utilisables.".into(),
            confirmer: "Oui, activer".into(),
            motif: false,
            action,
        }));
    };
    view! {
        <section class="panel" aria-labelledby="operateur-title">
            <h2 id="operateur-title">"Opérateur"</h2>
            <ConfirmationDemande demande=demande/>
            {match etat.as_str() {
                "attente_paiement" => view! {
                    <ErrorSummary errors=errors message=message node_ref=summary
                        order=Signal::derive(|| vec!["reference".to_string(), "date".to_string()])/>
                    <form class="form" on:submit=payer novalidate>
                        <div class="field-row">
                            <TextField name="reference" label="Référence du paiement" value=reference errors=errors required=true
                                hint="Virement, mandat administratif…"/>
                            <TextField name="date" label="Date du paiement" value=date errors=errors required=true input_type="date"/>
                        </div>
                        <button type="submit" class="button" disabled=move || pending.get()>"Enregistrer le paiement"</button>
                    </form>
                }.into_any(),
                "payee" => view! {
                    <p>"Paiement reçu : activez la commande pour rendre ses pass utilisables."</p>
                    <button type="button" class="button" on:click=activer disabled=move || pending.get()>"Activer la commande"</button>
                }.into_any(),
                _ => view! { <p>{format!("Commande {}.", etat_commande(&etat).to_lowercase())}</p> }.into_any(),
            }}
            <p><a href=format!("/api/v1/commandes/{id}/codes") download="">"Télécharger les codes à imprimer (CSV)"</a></p>
        </section>
    }
}

const LOT_ORDER: &[&str] = &["structure_id", "premier", "dernier", "accord_reference", "accord_date"];

#[component]
fn LotForm(d: CommandeDetail, version: RwSignal<u32>, issue: RwSignal<Option<Issue>>) -> impl IntoView {
    let id = d.commande.id;
    let first = d.disponibles.first().cloned();
    let structure = RwSignal::new(String::new());
    let premier = RwSignal::new(first.as_ref().map(|p| p.premier.to_string()).unwrap_or_default());
    let dernier = RwSignal::new(first.as_ref().map(|p| p.dernier.to_string()).unwrap_or_default());
    let accord = RwSignal::new(String::new());
    let accord_date = RwSignal::new(aujourdhui());
    let errors = RwSignal::new(FieldErrors::new());
    let message = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let summary = NodeRef::<html::Div>::new();
    // Only structures accredited by the order's opérateur, inside its territory.
    let structures = LocalResource::new(move || async move { api::structures_choix(id).await });
    let disponibles = d
        .disponibles
        .iter()
        .map(|p| {
            if p.premier == p.dernier {
                format!("n° {}", p.premier)
            } else {
                format!("n° {} à {}", p.premier, p.dernier)
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        message.set(None);
        spawn_local(async move {
            let req = LotStructureRequest {
                structure_id: structure.get_untracked(),
                premier: premier.get_untracked(),
                dernier: dernier.get_untracked(),
                accord_reference: accord.get_untracked(),
                accord_date: accord_date.get_untracked(),
            };
            match api::confier_structure(id, &req).await {
                Ok(lot) => {
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
    if d.disponibles.is_empty() {
        return view! { <p class="notice">"Tous les carnets de cette commande ont été confiés."</p> }.into_any();
    }
    let invalid = Signal::derive(move || errors.read().contains_key("structure_id"));
    view! {
        <h3>"Confier des carnets à une structure"</h3>
        <p class="hint">{format!("Carnets encore chez vous : {disponibles}.")}</p>
        <ErrorSummary errors=errors message=message node_ref=summary
            order=Signal::derive(|| LOT_ORDER.iter().map(|s| s.to_string()).collect())/>
        <form class="form" on:submit=on_submit novalidate>
            <div class="field" class:field--invalid=invalid>
                <label for="structure_id">"Structure (obligatoire)"</label>
                <FieldError name="structure_id" errors=errors/>
                <select id="structure_id" aria-describedby="structure_id-error"
                    on:change=move |ev| structure.set(event_target_value(&ev)) prop:value=move || structure.get()>
                    <option value="">"Choisir…"</option>
                    {move || structures.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|s| {
                        let label = match (&s.commune, &s.departement) {
                            (Some(c), Some(d)) => format!("{} — {c} ({d})", s.nom),
                            _ => s.nom.clone(),
                        };
                        view! { <option value=s.id.to_string()>{label}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="field-row">
                <TextField name="premier" label="Du carnet n°" value=premier errors=errors required=true inputmode="numeric" class="field--short"/>
                <TextField name="dernier" label="Au carnet n°" value=dernier errors=errors required=true inputmode="numeric" class="field--short"/>
            </div>
            <div class="field-row">
                <TextField name="accord_reference" label="Référence de l'accord de la structure" value=accord errors=errors required=true
                    hint="Convention, courrier ou courriel par lequel la structure accepte les carnets."/>
                <TextField name="accord_date" label="Date de l'accord" value=accord_date errors=errors required=true input_type="date"/>
            </div>
            <button type="submit" class="button" disabled=move || pending.get()>"Confier les carnets"</button>
        </form>
    }
    .into_any()
}
