//! `/lieux/candidats`: candidate venues. Conseillers report one and follow their structure's
//! reports; the hub of the territory moves each through accreditation, with dates and notes.

use super::{pluriel, BadgeStatut};
use crate::api;
use crate::app::use_auth;
use crate::components::form::{ErrorSummary, FieldError, TextField};
use crate::components::page::Titre;
use crate::components::{ErrorNotice, Loading};
use crate::horloge::to_local;
use crate::pages::intake::CommuneField;
use carnet_domain::api::{Commune, FieldErrors, Role};
use carnet_domain::lieux::candidat::{CandidatDetail, CandidatRequest, StatutCandidat, TransitionRequest, STATUTS};
use carnet_domain::lieux::territoires::libelle_departement;
use carnet_domain::paris::date_courte;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

#[component]
pub fn CandidatsPage() -> impl IntoView {
    let auth = use_auth();
    let hub = move || auth.me.get().flatten().is_some_and(|m| matches!(m.role, Role::Hub | Role::Admin));
    let filtre = RwSignal::new(String::new());
    let data = LocalResource::new(api::candidats);
    view! {
        <div class="page-head">
            <Titre texte="Lieux candidats à l'agrément"/>
            <A href="/lieux/candidats/nouveau" attr:class="button">"Signaler un lieu"</A>
        </div>
        <p class="lead">{move || if hub() {
            "Les lieux signalés dans votre territoire, du plus récemment modifié au plus ancien. Ouvrez un dossier pour le faire avancer."
        } else {
            "Les lieux que votre structure a signalés, et où en est leur agrément."
        }}</p>
        <div class="field field--inline">
            <label for="filtre-statut">"Étape"</label>
            <select id="filtre-statut" on:change=move |ev| filtre.set(event_target_value(&ev))>
                <option value="">"Toutes"</option>
                {STATUTS.iter().map(|s| view! { <option value=s.code()>{s.libelle()}</option> }).collect_view()}
            </select>
        </div>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                    Ok(list) => {
                        let f = filtre.get();
                        let list: Vec<_> = list.into_iter().filter(|c| f.is_empty() || c.statut.code() == f).collect();
                        if list.is_empty() {
                            return view! { <p class="empty">"Aucun lieu candidat pour l'instant."</p> }.into_any();
                        }
                        view! {
                            <p class="count" role="status">{pluriel(list.len() as i64, "lieu candidat", "lieux candidats")}</p>
                            <div class="table-wrap" tabindex="0" role="region" aria-label="Tableau des lieux candidats">
                                <table class="table">
                                    <caption class="visually-hidden">"Lieux candidats"</caption>
                                    <thead><tr>
                                        <th scope="col">"Lieu"</th><th scope="col">"Commune"</th><th scope="col">"Étape"</th>
                                        <th scope="col">"Signalé le"</th><th scope="col">"Par"</th>
                                    </tr></thead>
                                    <tbody>
                                        {list.into_iter().map(|c| view! {
                                            <tr>
                                                <th scope="row"><a href=format!("/lieux/candidats/{}", c.id)>{c.nom}</a></th>
                                                <td>{format!("{} ({})", c.commune, c.departement)}</td>
                                                <td><BadgeStatut statut=c.statut/></td>
                                                <td>{date_courte(c.signale_le)}</td>
                                                <td>{c.signale_par}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

fn ordre() -> Vec<String> {
    [
        "nom",
        "adresse",
        "code_postal",
        "commune_insee",
        "motif",
        "contact_nom",
        "contact_telephone",
        "contact_courriel",
        "pivot",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

#[component]
pub fn NouveauCandidatPage() -> impl IntoView {
    let query = use_query_map();
    let navigate = use_navigate();
    let lieu_id = query.read_untracked().get("lieu").and_then(|s| s.parse::<i64>().ok());
    let f = [(); 9].map(|_| RwSignal::new(String::new()));
    let [nom, adresse, code_postal, commune, motif, contact_nom, contact_tel, contact_mail, pivot] = f;
    let errors = RwSignal::new(FieldErrors::new());
    let message = RwSignal::new(None::<String>);
    let summary = NodeRef::<html::Div>::new();
    let busy = RwSignal::new(false);
    // Reporting a venue of the map: its details are prefilled.
    if let Some(id) = lieu_id {
        spawn_local(async move {
            if let Ok(d) = api::lieu(id).await {
                nom.set(d.lieu.nom);
                adresse.set(d.lieu.adresse);
                code_postal.set(d.lieu.code_postal);
                pivot.set(if d.lieu.pivot.chars().all(|c| c == '0') { String::new() } else { d.lieu.pivot });
            }
        });
    }
    let on_commune = Callback::new(move |c: Commune| {
        if c.codes_postaux.len() == 1 || code_postal.get_untracked().is_empty() {
            if let Some(cp) = c.codes_postaux.first() {
                code_postal.set(cp.clone());
            }
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let req = CandidatRequest {
            nom: nom.get_untracked(),
            adresse: adresse.get_untracked(),
            code_postal: code_postal.get_untracked(),
            commune_insee: commune.get_untracked(),
            motif: motif.get_untracked(),
            contact_nom: contact_nom.get_untracked(),
            contact_telephone: contact_tel.get_untracked(),
            contact_courriel: contact_mail.get_untracked(),
            pivot: pivot.get_untracked(),
            lieu_id,
        };
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::signaler_candidat(&req).await {
                Ok(id) => navigate(&format!("/lieux/candidats/{id}"), Default::default()),
                Err(e) => {
                    errors.set(e.fields());
                    message.set(Some(e.message()));
                    crate::components::page::focus_plus_tard(summary);
                }
            }
            busy.set(false);
        });
    };
    view! {
        <p class="retour"><A href="/lieux/candidats">"← Lieux candidats"</A></p>
        <Titre texte="Signaler un lieu candidat à l'agrément"/>
        <p class="lead">"Un lieu qui pourrait accepter le Pass numérique : le hub de son département le contactera et l'accompagnera dans l'agrément."</p>
        <form class="form panel" on:submit=submit novalidate>
            <ErrorSummary errors=errors message=message node_ref=summary order=Signal::derive(ordre)/>
            <TextField name="nom" label="Nom du lieu" value=nom errors=errors required=true/>
            <TextField name="adresse" label="Adresse" value=adresse errors=errors required=true hint="Numéro et voie, par exemple 2 quai de la Douane."/>
            <CommuneField value=commune errors=errors label="Commune (obligatoire)" on_choose=on_commune/>
            <TextField name="code_postal" label="Code postal" value=code_postal errors=errors required=true inputmode="numeric" class="field--short"/>
            <div class="field" class:field--invalid=move || errors.read().contains_key("motif")>
                <label for="motif">"Pourquoi ce lieu pourrait être agréé (obligatoire)"</label>
                <p class="hint" id="motif-hint">"Ce qu'il propose déjà, qui vous avez rencontré, ce qu'il attend."</p>
                <FieldError name="motif" errors=errors/>
                <textarea id="motif" rows="4" aria-describedby="motif-hint motif-error" aria-required="true"
                    prop:value=move || motif.get() on:input=move |ev| motif.set(event_target_value(&ev))></textarea>
            </div>
            <fieldset>
                <legend>"Contact sur place"</legend>
                <TextField name="contact_nom" label="Personne à contacter" value=contact_nom errors=errors/>
                <TextField name="contact_telephone" label="Téléphone" value=contact_tel errors=errors input_type="tel" autocomplete="tel"/>
                <TextField name="contact_courriel" label="Courriel" value=contact_mail errors=errors input_type="email" autocomplete="email"/>
            </fieldset>
            <TextField name="pivot" label="SIRET ou RNA, si vous le connaissez" value=pivot errors=errors hint="14 chiffres, ou W suivi de 9 caractères. Il sera nécessaire à l'agrément."/>
            <button type="submit" class="button" disabled=move || busy.get()>"Signaler ce lieu"</button>
        </form>
    }
}

#[component]
pub fn CandidatPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
    let data = RwSignal::new(None::<Result<CandidatDetail, api::ApiError>>);
    Effect::new(move |_| {
        let id = id();
        spawn_local(async move {
            let _ = data.try_set(Some(api::candidat(id).await));
        });
    });
    move || match data.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(e)) => view! { <Titre texte="Lieu candidat"/><ErrorNotice error=e/> }.into_any(),
        Some(Ok(c)) => view! { <Dossier c=c data=data/> }.into_any(),
    }
}

#[component]
fn Dossier(c: CandidatDetail, data: RwSignal<Option<Result<CandidatDetail, api::ApiError>>>) -> impl IntoView {
    let libelle = |code: &str| StatutCandidat::parse(code).map(|s| s.libelle()).unwrap_or("");
    let suivants = c.statut.suivants();
    view! {
        <p class="retour"><A href="/lieux/candidats">"← Lieux candidats"</A></p>
        <div class="page-head">
            <Titre texte=c.nom.clone() onglet=format!("{} — lieu candidat", c.nom)/>
            <BadgeStatut statut=c.statut/>
        </div>
        <p class="lead">{format!("{}, {} {} · {}", c.adresse, c.code_postal, c.commune, libelle_departement(&c.departement))}</p>
        <ol class="etapes-agrement" aria-label="Étapes de l'agrément">
            {[StatutCandidat::Signale, StatutCandidat::Contacte, StatutCandidat::DossierEnCours, StatutCandidat::Agree].into_iter().map(|s| {
                let atteint = c.etapes.iter().any(|e| e.vers == s.code());
                let courant = c.statut == s;
                view! {
                    <li class:fait=atteint aria-current=if courant { Some("step") } else { None }>{s.libelle()}</li>
                }
            }).collect_view()}
        </ol>
        <div class="grid-2">
            <section class="panel" aria-labelledby="dossier-titre">
                <h2 id="dossier-titre">"Le lieu"</h2>
                <dl class="facts">
                    <dt>"Pourquoi il pourrait être agréé"</dt><dd>{c.motif.clone()}</dd>
                    <dt>"Contact"</dt><dd>{[c.contact_nom.clone(), c.contact_telephone.clone(), c.contact_courriel.clone()].into_iter().flatten().collect::<Vec<_>>().join(" · ")}</dd>
                    <dt>"SIRET ou RNA"</dt><dd>{c.pivot.clone().unwrap_or_else(|| "Non renseigné".into())}</dd>
                    <dt>"Signalé"</dt><dd>{format!("le {} par {}", date_courte(c.signale_le), c.signale_par)}</dd>
                </dl>
                {c.lieu_id.map(|id| view! { <p><A href=format!("/lieux/{id}")>"Voir le lieu sur la carte"</A></p> })}
            </section>
            <section class="panel" aria-labelledby="historique-titre">
                <h2 id="historique-titre">"Historique"</h2>
                <ol class="historique">
                    {c.etapes.iter().map(|e| view! {
                        <li>
                            <span class="historique__date">{date_courte(e.date)}</span>" — "
                            {libelle(&e.vers)}" ("{e.par.clone()}{format!(", enregistré le {}", date_courte(to_local(e.at).date()))}")"
                            {e.note.clone().map(|n| view! { <span class="historique__note">{format!(" « {n} »")}</span> })}
                        </li>
                    }).collect_view()}
                </ol>
            </section>
        </div>
        {(c.modifiable && !suivants.is_empty()).then(|| view! { <Avancer c=c.clone() data=data/> })}
    }
}

#[component]
fn Avancer(c: CandidatDetail, data: RwSignal<Option<Result<CandidatDetail, api::ApiError>>>) -> impl IntoView {
    let suivants = c.statut.suivants();
    // Nothing chosen in advance: one click must not move the file.
    let statut = RwSignal::new(String::new());
    let date = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let pivot = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let message = RwSignal::new(None::<String>);
    let summary = NodeRef::<html::Div>::new();
    let busy = RwSignal::new(false);
    let confirmer = RwSignal::new(false);
    let id = c.id;
    let sans_pivot = c.pivot.is_none();
    let envoyer = move || {
        busy.set(true);
        let req = TransitionRequest {
            statut: statut.get_untracked(),
            date: date.get_untracked(),
            note: note.get_untracked(),
            pivot: pivot.get_untracked(),
        };
        spawn_local(async move {
            match api::candidat_etape(id, &req).await {
                Ok(d) => data.set(Some(Ok(d))),
                Err(e) => {
                    errors.set(e.fields());
                    message.set(Some(e.message()));
                    confirmer.set(false);
                    crate::components::page::focus_plus_tard(summary);
                }
            }
            busy.set(false);
        });
    };
    // A decision that closes the file (agréé, refusé, abandonné) asks for confirmation.
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        if statut.get_untracked().is_empty() {
            let mut e = FieldErrors::new();
            e.insert("statut".into(), "Nouvelle étape : choisissez où en est le dossier.".into());
            errors.set(e);
            message.set(None);
            crate::components::page::focus_plus_tard(summary);
            return;
        }
        let fin = StatutCandidat::parse(&statut.get_untracked()).is_some_and(|s| s.est_final());
        if fin && !confirmer.get_untracked() {
            confirmer.set(true);
            return;
        }
        envoyer();
    };
    let libelle_choisi = move || StatutCandidat::parse(&statut.get()).map(|s| s.libelle()).unwrap_or("");
    view! {
        <form class="form panel" on:submit=submit novalidate>
            <h2>"Faire avancer le dossier"</h2>
            <ErrorSummary errors=errors message=message node_ref=summary
                order=Signal::derive(|| vec!["statut".into(), "date".into(), "pivot".into(), "note".into()])/>
            <fieldset>
                <legend>"Nouvelle étape (obligatoire)"</legend>
                <FieldError name="statut" errors=errors/>
                {suivants.iter().map(|s| {
                    let code = s.code();
                    view! {
                        <label class="case">
                            <input type="radio" name="statut" value=code prop:checked=move || statut.get() == code
                                on:change=move |_| { statut.set(code.to_string()); confirmer.set(false); }/>
                            {s.libelle()}
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            <TextField name="date" label="Date" value=date errors=errors input_type="date" hint="Laissez vide pour aujourd'hui."/>
            {move || (sans_pivot && statut.get() == "agree").then(|| view! {
                <TextField name="pivot" label="SIRET ou RNA du lieu" value=pivot errors=errors required=true
                    hint="Nécessaire à l'agrément : 14 chiffres, ou W suivi de 9 caractères."/>
            })}
            <div class="field">
                <label for="note">"Note"</label>
                <p class="hint" id="note-hint">"Ce qui s'est dit, ce qui reste à faire : elle figure dans l'historique."</p>
                <FieldError name="note" errors=errors/>
                <textarea id="note" rows="3" aria-describedby="note-hint note-error"
                    prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))></textarea>
            </div>
            {move || confirmer.get().then(|| view! {
                <p class="notice" role="alert">{format!("« {} » clôt le dossier : confirmez avec le bouton ci-dessous.", libelle_choisi())}</p>
            })}
            <button type="submit" class="button" disabled=move || busy.get()>
                {move || if confirmer.get() { format!("Confirmer : {}", libelle_choisi()) } else { "Enregistrer l'étape".to_string() }}
            </button>
        </form>
    }
}
