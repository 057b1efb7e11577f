//! `/beneficiaires/:id/donnees`: « Données et droits » — what Carnet holds about one person and
//! their rights, each one action with a confirmation step: export everything (readable page,
//! printable, and a JSON file), rectify the identity (intake's rules), withdraw or give a
//! consent, erase the identity (anonymise).

use crate::api::{self, ApiError};
use crate::components::confirm::Confirm;
use crate::components::form::{ErrorSummary, SelectField, TextField};
use crate::components::page::{focus_plus_tard, Titre};
use crate::components::{ErrorNotice, Loading};
use crate::horloge::today;
use crate::pages::intake::CommuneField;
use crate::pages::journal::quand;
use carnet_domain::api::FieldErrors;
use carnet_domain::coop;
use carnet_domain::donnees::{
    valider_consentement, valider_rectification, ConsentementRequest, DonneesBeneficiaire, RectificationRequest,
};
use carnet_domain::paris::date_longue;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;

#[component]
pub fn DonneesPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
    let version = RwSignal::new(0u32);
    let status = RwSignal::new(None::<String>);
    let data = api::lecture::<DonneesBeneficiaire>(move || {
        version.track();
        format!("/beneficiaires/{}/donnees", id())
    });
    view! {
        <p class="no-print"><a href=move || format!("/beneficiaires/{}", id())>"← Retour à la fiche"</a></p>
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match data.valeur().await {
                    Ok(d) => view! { <Donnees id=id() d=d version=version status=status/> }.into_any(),
                    Err(e) => view! { <Titre texte="Données et droits"/><ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn opt_label(v: &Option<String>, table: coop::Vocabulaire) -> String {
    v.as_deref().and_then(|v| coop::label(table, v)).unwrap_or("Non renseigné").to_string()
}

#[component]
fn Donnees(id: i64, d: DonneesBeneficiaire, version: RwSignal<u32>, status: RwSignal<Option<String>>) -> impl IntoView {
    let b = d.beneficiaire.clone();
    let anonymised = d.anonymise_le.is_some();
    view! {
        <Titre texte={format!("Données et droits : {}", b.prenom)}/>
        <p class="lead no-print">"Ce que Carnet garde sur cette personne, et ses droits : tout voir, corriger, retirer un accord, effacer son identité. Chaque consultation est notée dans le journal des accès."</p>
        <div class="notice notice--success" role="status" class:hidden=move || status.get().is_none()>{move || status.get()}</div>
        {d.anonymise_le.map(|at| view! {
            <div class="notice notice--warn"><p>{format!("Identité effacée le {}. Le parcours, le carnet et les statistiques restent, sans nom : ces données sont pseudonymisées, pas anonymes.", date_longue(today(at)))}</p></div>
        })}
        <div class="grid-2">
            <section class="panel" aria-labelledby="identite-title">
                <h2 id="identite-title">"Identité"</h2>
                <dl class="facts">
                    <dt>"Prénom ou alias"</dt><dd>{b.prenom.clone()}</dd>
                    <dt>"Année de naissance"</dt><dd>{b.annee_naissance.map(|y| y.to_string()).unwrap_or_else(|| "Non renseignée".into())}</dd>
                    <dt>"Tranche d'âge"</dt><dd>{opt_label(&b.tranche_age, coop::TRANCHE_AGE)}</dd>
                    <dt>"Commune"</dt><dd>{b.commune.as_ref().map(|c| c.libelle()).unwrap_or_else(|| "Non renseignée".into())}</dd>
                    <dt>"Genre"</dt><dd>{opt_label(&b.genre, coop::GENRE)}</dd>
                    <dt>"Statut"</dt><dd>{opt_label(&b.statut_social, coop::STATUT_SOCIAL)}</dd>
                    <dt>"Téléphone"</dt><dd>{d.contacts.telephone.clone().unwrap_or_else(|| "Non gardé".into())}
                        {d.contacts.telephone.as_deref().and_then(|t| carnet_domain::rappels::numero_mobile(t).err()).map(|e| view! {
                            <span class="badge badge--warn">{format!("Pas de rappel par SMS : {e}")}</span>
                        })}</dd>
                    <dt>"E-mail"</dt><dd>{d.contacts.email.clone().unwrap_or_else(|| "Non gardé".into())}</dd>
                </dl>
            </section>
            <section class="panel" aria-labelledby="conservation-title">
                <h2 id="conservation-title">"Information et conservation"</h2>
                <ul class="list">
                    {d.informations.iter().map(|i| view! {
                        <li>{format!("Notice d'information version {} remise le {} par {}.", i.version, date_longue(today(i.at)), i.par)}</li>
                    }).collect_view()}
                    {d.informations.is_empty().then(|| view! { <li>"Aucune notice enregistrée (personne accueillie avant la notice)."</li> })}
                    <li>{format!("Dernière activité : {}.", date_longue(today(d.derniere_activite)))}</li>
                    <li>{match d.anonymisation_prevue {
                        Some(at) => format!("Sans nouvelle activité, l'identité sera effacée automatiquement le {} ({} mois après la dernière activité).",
                            date_longue(today(at)), d.conservation_mois),
                        None => "Identité déjà effacée.".to_string(),
                    }}</li>
                </ul>
            </section>
        </div>
        <Consentements id=id d=d.clone() anonymised=anonymised version=version status=status/>
        <section class="panel no-print" aria-labelledby="droits-title">
            <h2 id="droits-title">"Droits de la personne"</h2>
            <Export id=id/>
            {(!anonymised).then(|| view! {
                <Rectification id=id d=d.clone() version=version status=status/>
                <Effacement id=id prenom=b.prenom.clone() version=version status=status/>
            })}
        </section>
    }
}

#[component]
fn Consentements(
    id: i64,
    d: DonneesBeneficiaire,
    anonymised: bool,
    version: RwSignal<u32>,
    status: RwSignal<Option<String>>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let target = RwSignal::new(None::<(String, String, bool)>);
    let telephone = RwSignal::new(d.contacts.telephone.clone().unwrap_or_default());
    let email = RwSignal::new(d.contacts.email.clone().unwrap_or_default());
    let errors = RwSignal::new(FieldErrors::new());
    let pending = RwSignal::new(false);
    let apply = move || {
        let Some((code, _, accorde)) = target.get_untracked() else { return };
        let req = ConsentementRequest {
            consentement: code,
            accorde,
            telephone: telephone.get_untracked(),
            email: email.get_untracked(),
        };
        if let Err(e) = valider_consentement(&req) {
            errors.set(e);
            return;
        }
        errors.set(FieldErrors::new());
        pending.set(true);
        spawn_local(async move {
            match api::set_consent(id, &req).await {
                Ok(m) => {
                    status.set(Some(m.message));
                    open.set(false);
                    version.update(|v| *v += 1);
                }
                Err(ApiError::Invalid { fields, .. }) => errors.set(fields),
                Err(e) => errors.set(FieldErrors::from([("consentement".to_string(), e.message())])),
            }
            pending.set(false);
        });
    };
    let needs_contacts = move || target.get().is_some_and(|(c, _, a)| c == "rappels" && a);
    view! {
        <section class="panel" aria-labelledby="consentements-title">
            <h2 id="consentements-title">"Consentements"</h2>
            <div class="table-wrap" tabindex="0" role="region" aria-label="Tableau des consentements">
                <table class="table">
                    <caption class="visually-hidden">"Consentements facultatifs et leur état"</caption>
                    <thead><tr><th scope="col">"Pour quoi"</th><th scope="col">"Réponse"</th><th scope="col" class="no-print">"Action"</th></tr></thead>
                    <tbody>
                        {d.consentements.iter().map(|c| {
                            let (code, libelle, accorde) = (c.consentement.clone(), c.libelle.clone(), c.accorde);
                            let l2 = libelle.clone();
                            view! {
                                <tr>
                                    <th scope="row">{libelle.clone()}</th>
                                    <td>{match (c.accorde, c.depuis) {
                                        (true, Some(at)) => format!("Accepté le {}", date_longue(today(at))),
                                        (false, Some(at)) => format!("Refusé ou retiré le {}", date_longue(today(at))),
                                        _ => "Jamais demandé".to_string(),
                                    }}</td>
                                    <td class="no-print">{(!anonymised).then(|| view! {
                                        <button type="button" class="button button--secondary button--small"
                                            aria-label=format!("{} : {}", if accorde { "Retirer l'accord" } else { "Noter l'accord" }, l2)
                                            on:click=move |_| { target.set(Some((code.clone(), libelle.clone(), !accorde))); errors.set(FieldErrors::new()); open.set(true); }>
                                            {if accorde { "Retirer…" } else { "Noter l'accord…" }}
                                        </button>
                                    })}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <Confirm open=open id="confirm-consentement" title="Changer ce consentement ?" confirm_label="Confirmer" pending=pending on_confirm=Callback::new(move |_| apply())>
                <p>{move || target.get().map(|(_, l, a)| if a {
                    format!("La personne accepte : « {l} ».")
                } else {
                    format!("La personne retire son accord : « {l} ».{}", if l.contains("coordonnées") { " Ses coordonnées seront effacées." } else { "" })
                })}</p>
                <Show when=needs_contacts>
                    <div class="field-row">
                        <TextField name="telephone" label="Téléphone" value=telephone errors=errors input_type="tel" inputmode="tel"
                            hint="Un téléphone ou un e-mail, au moins."/>
                        <TextField name="email" label="E-mail de la personne" value=email errors=errors input_type="email" inputmode="email"/>
                    </div>
                </Show>
                <p class="field-error" role="alert">{move || errors.get().get("consentement").cloned()}</p>
            </Confirm>
            <h3>"Historique"</h3>
            <ol class="list">
                {d.historique_consentements.iter().map(|e| view! {
                    <li>{format!("{} : {} « {} »{}", quand(e.at), if e.accorde { "accord pour" } else { "refus ou retrait pour" },
                        coop::label(carnet_domain::donnees::CONSENTEMENTS, &e.consentement).unwrap_or(&e.consentement),
                        e.par.as_ref().map(|p| format!(", noté par {p}")).unwrap_or_else(|| ", retrait automatique à l'effacement".into()))}</li>
                }).collect_view()}
            </ol>
        </section>
    }
}

#[component]
fn Export(id: i64) -> impl IntoView {
    let open = RwSignal::new(false);
    let ready = RwSignal::new(false);
    let links = NodeRef::<html::Div>::new();
    view! {
        <div class="right">
            <h3>"Tout voir (droit d'accès)"</h3>
            <p>"Toutes les données gardées sur cette personne, telles qu'enregistrées : une page à lire avec elle ou à imprimer, et le même contenu en fichier."</p>
            <button type="button" class="button button--secondary" on:click=move |_| open.set(true)>"Exporter ses données…"</button>
            <Confirm open=open id="confirm-export" title="Exporter toutes ses données ?" confirm_label="Oui, préparer l'export"
                pending=Signal::derive(|| false)
                on_confirm=Callback::new(move |_| { open.set(false); ready.set(true); focus_plus_tard(links); })>
                <p>"L'export montre tout ce que Carnet garde sur cette personne. Chaque ouverture est notée dans le journal des accès ; ne le laissez pas à la vue d'autres personnes."</p>
            </Confirm>
            <div tabindex="-1" node_ref=links class="export-links" class:hidden=move || !ready.get() role="group" aria-label="Export des données">
                <a class="button" href=format!("/api/v1/beneficiaires/{id}/export?format=html") target="_blank" rel="noopener">
                    "Ouvrir l'export (page à lire ou imprimer, nouvel onglet)"</a>
                <a class="button button--secondary" href=api::export_file_url(id) download=format!("carnet-beneficiaire-{id}.json")>
                    "Télécharger (fichier JSON)"</a>
            </div>
        </div>
    }
}

#[component]
fn Rectification(
    id: i64,
    d: DonneesBeneficiaire,
    version: RwSignal<u32>,
    status: RwSignal<Option<String>>,
) -> impl IntoView {
    let b = d.beneficiaire;
    let editing = RwSignal::new(false);
    let prenom = RwSignal::new(b.prenom.clone());
    let annee = RwSignal::new(b.annee_naissance.map(|y| y.to_string()).unwrap_or_default());
    let commune = RwSignal::new(b.commune.as_ref().map(|c| c.code_insee.clone()).unwrap_or_default());
    let commune_text = b.commune.as_ref().map(|c| c.libelle()).unwrap_or_default();
    let genre = RwSignal::new(b.genre.clone().unwrap_or_default());
    let tranche = RwSignal::new(b.tranche_age.clone().unwrap_or_default());
    let statut = RwSignal::new(b.statut_social.clone().unwrap_or_default());
    let errors = RwSignal::new(FieldErrors::new());
    let message = RwSignal::new(None::<String>);
    let confirm = RwSignal::new(false);
    let pending = RwSignal::new(false);
    let summary = NodeRef::<html::Div>::new();
    let request = move || RectificationRequest {
        prenom: prenom.get_untracked(),
        annee_naissance: annee.get_untracked(),
        commune_insee: commune.get_untracked(),
        genre: genre.get_untracked(),
        tranche_age: tranche.get_untracked(),
        statut_social: statut.get_untracked(),
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        message.set(None);
        match valider_rectification(&request(), crate::horloge::aujourdhui()) {
            Err(e) => {
                errors.set(e);
                focus_plus_tard(summary);
            }
            Ok(_) => {
                errors.set(FieldErrors::new());
                confirm.set(true);
            }
        }
    };
    let save = move || {
        pending.set(true);
        let req = request();
        spawn_local(async move {
            match api::rectify(id, &req).await {
                Ok(_) => {
                    status.set(Some("Identité corrigée.".into()));
                    confirm.set(false);
                    editing.set(false);
                    version.update(|v| *v += 1);
                }
                Err(ApiError::Invalid { fields, .. }) => {
                    errors.set(fields);
                    confirm.set(false);
                    focus_plus_tard(summary);
                }
                Err(e) => {
                    message.set(Some(e.message()));
                    confirm.set(false);
                    focus_plus_tard(summary);
                }
            }
            pending.set(false);
        });
    };
    view! {
        <div class="right">
            <h3>"Corriger (droit de rectification)"</h3>
            <Show when=move || !editing.get()
                fallback=move || {
                    let commune_text = commune_text.clone();
                    view! {
                        <ErrorSummary errors=errors message=message node_ref=summary
                            order=Signal::derive(|| ["prenom", "annee_naissance", "tranche_age", "commune_insee", "genre", "statut_social"].iter().map(|s| s.to_string()).collect())/>
                        <form class="form" on:submit=on_submit novalidate>
                            <TextField name="prenom" label="Prénom ou alias" value=prenom errors=errors required=true/>
                            <div class="field-row">
                                <TextField name="annee_naissance" label="Année de naissance" value=annee errors=errors inputmode="numeric"
                                    hint="Sur 4 chiffres. Vide : non renseignée." class="field--short"/>
                                <SelectField name="tranche_age" label="Tranche d'âge" value=tranche errors=errors options=coop::TRANCHE_AGE
                                    hint="Utilisée si l'année n'est pas connue."/>
                            </div>
                            <CommuneField value=commune errors=errors initial_text=commune_text/>
                            <div class="field-row">
                                <SelectField name="genre" label="Genre" value=genre errors=errors options=coop::GENRE/>
                                <SelectField name="statut_social" label="Statut" value=statut errors=errors options=coop::STATUT_SOCIAL/>
                            </div>
                            <div class="actions">
                                <button type="submit" class="button">"Enregistrer la correction…"</button>
                                <button type="button" class="button button--secondary" on:click=move |_| editing.set(false)>"Annuler"</button>
                            </div>
                        </form>
                    }
                }>
                <p>"Si une information est fausse ou a changé, corrigez-la ici, avec les mêmes règles qu'à l'accueil."</p>
                <button type="button" class="button button--secondary" on:click=move |_| editing.set(true)>"Corriger l'identité"</button>
            </Show>
            <Confirm open=confirm id="confirm-rectification" title="Enregistrer cette correction ?" confirm_label="Oui, corriger" pending=pending on_confirm=Callback::new(move |_| save())>
                <p>{move || format!("L'identité deviendra : {}{}.", prenom.get().trim(),
                    if annee.get().trim().is_empty() { String::new() } else { format!(", née ou né en {}", annee.get().trim()) })}</p>
                <p>"Le journal des modifications notera quels champs ont changé, sans leurs valeurs."</p>
            </Confirm>
        </div>
    }
}

#[component]
fn Effacement(id: i64, prenom: String, version: RwSignal<u32>, status: RwSignal<Option<String>>) -> impl IntoView {
    let open = RwSignal::new(false);
    let pending = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let run = move || {
        pending.set(true);
        spawn_local(async move {
            match api::anonymise(id).await {
                Ok(m) => {
                    status.set(Some(m.message));
                    open.set(false);
                    version.update(|v| *v += 1);
                }
                Err(e) => error.set(Some(e.message())),
            }
            pending.set(false);
        });
    };
    view! {
        <div class="right">
            <h3>"Effacer l'identité (droit à l'effacement)"</h3>
            <p>"Le prénom, l'année de naissance, la commune, les coordonnées et les notes sont effacés pour de bon. Le parcours, le carnet, les pass et les statistiques restent, sans nom : c'est une pseudonymisation, pas une anonymisation."</p>
            <button type="button" class="button button--danger" on:click=move |_| open.set(true)>"Effacer l'identité…"</button>
            <Confirm open=open id="confirm-effacement" title="Effacer définitivement l'identité ?" confirm_label="Oui, effacer l'identité" danger=true
                pending=pending on_confirm=Callback::new(move |_| run())>
                <p>{format!("L'identité de {prenom} sera effacée. Ce n'est pas réversible : pensez à lui remettre l'export de ses données avant, si elle le souhaite.")}</p>
                <p class="field-error" role="alert">{move || error.get()}</p>
            </Confirm>
        </div>
    }
}
