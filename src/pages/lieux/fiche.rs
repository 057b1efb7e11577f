//! `/lieux/:id`: a venue — its details in the standard, its hours (open now, the week), its Pass
//! acceptance and accreditation story; hubs of its territory may change the Pass acceptance.

use super::BadgePass;
use crate::api;
use crate::components::form::{ErrorSummary, TextField};
use crate::components::page::Titre;
use crate::components::{ErrorNotice, Loading};
use crate::horloge::to_local;
use carnet_domain::api::FieldErrors;
use carnet_domain::lieux::api::{HorairesVue, LieuDetail, PassRequest};
use carnet_domain::lieux::territoires::libelle_departement;
use carnet_domain::paris::{date_courte, date_longue};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

#[component]
pub fn FichePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
    let data = RwSignal::new(None::<Result<LieuDetail, api::ApiError>>);
    Effect::new(move |_| {
        let id = id();
        spawn_local(async move {
            let _ = data.try_set(Some(api::lieu(id).await));
        });
    });
    move || match data.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(e)) => view! { <Titre texte="Lieu"/><ErrorNotice error=e/> }.into_any(),
        Some(Ok(d)) => view! { <Fiche d=d data=data/> }.into_any(),
    }
}

fn liste(v: &[String]) -> String {
    if v.is_empty() {
        "Non renseigné".into()
    } else {
        v.join(", ")
    }
}

#[component]
pub fn Horaires(h: HorairesVue) -> impl IntoView {
    if let Some(e) = h.erreur {
        return view! { <p>{h.texte}</p><p class="hint">{e}</p> }.into_any();
    }
    view! {
        <p class=if h.ouvert == Some(true) { "horaires-statut horaires-statut--ouvert" } else { "horaires-statut" }>{h.statut}</p>
        <table class="table horaires">
            <caption class="visually-hidden">"Horaires de la semaine"</caption>
            <tbody>
                {h.semaine.into_iter().map(|j| view! {
                    <tr>
                        <th scope="row">{j.jour}</th>
                        <td>{if j.plages.is_empty() { "Fermé".to_string() } else { j.plages.join(", ") }}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn Fiche(d: LieuDetail, data: RwSignal<Option<Result<LieuDetail, api::ApiError>>>) -> impl IntoView {
    let l = d.lieu.clone();
    let adresse = match &l.complement_adresse {
        Some(c) => format!("{} ({c}), {} {}", l.adresse, l.code_postal, l.commune),
        None => format!("{}, {} {}", l.adresse, l.code_postal, l.commune),
    };
    let id = d.id;
    let signaler = (!d.pass.accepte && d.candidat_id.is_none()).then(|| format!("/lieux/candidats/nouveau?lieu={id}"));
    view! {
        <p class="retour"><A href="/lieux">"← Carte des lieux"</A></p>
        <div class="page-head">
            <Titre texte=l.nom.clone()/>
            <BadgePass accepte=d.pass.accepte/>
        </div>
        <p class="lead">{adresse}" · "{libelle_departement(&d.departement)}</p>
        <div class="grid-2">
            <section class="panel" aria-labelledby="contact-titre">
                <h2 id="contact-titre">"Contact"</h2>
                <dl class="facts">
                    <dt>"Téléphone"</dt><dd>{l.telephone.clone().map(|t| view! { <a href=format!("tel:{t}")>{t.clone()}</a> }.into_any()).unwrap_or_else(|| "Non renseigné".into_any())}</dd>
                    <dt>"Courriel"</dt><dd>{liste(&l.courriels)}</dd>
                    <dt>"Site web"</dt><dd>{if l.site_web.is_empty() { "Non renseigné".into_any() } else {
                        l.site_web.iter().map(|u| view! { <a href=u.clone() rel="noopener noreferrer">{u.clone()}</a>" " }).collect_view().into_any() }}</dd>
                    <dt>"Prise de rendez-vous"</dt><dd>{l.prise_rdv.clone().map(|u| view! { <a href=u.clone() rel="noopener noreferrer">{u.clone()}</a> }.into_any()).unwrap_or_else(|| "Non renseignée".into_any())}</dd>
                    <dt>"Modalités d'accès"</dt><dd>{liste(&l.modalites_acces)}</dd>
                </dl>
            </section>
            <section class="panel" aria-labelledby="horaires-titre">
                <h2 id="horaires-titre">"Horaires"</h2>
                {match d.horaires.clone() {
                    Some(h) => view! { <Horaires h=h/> }.into_any(),
                    None => view! { <p>"Horaires non renseignés."</p> }.into_any(),
                }}
            </section>
        </div>
        <section class="panel" aria-labelledby="offre-titre">
            <h2 id="offre-titre">"Offre"</h2>
            {l.presentation_resume.clone().map(|p| view! { <p>{p}</p> })}
            <dl class="facts">
                <dt>"Services"</dt><dd>{liste(&l.services)}</dd>
                <dt>"Publics spécifiquement adressés"</dt><dd>{if l.publics_specifiquement_adresses.is_empty() { "Tout public".into() } else { liste(&l.publics_specifiquement_adresses) }}</dd>
                <dt>"Prise en charge spécifique"</dt><dd>{liste(&l.prise_en_charge_specifique)}</dd>
                <dt>"Accompagnement"</dt><dd>{liste(&l.modalites_accompagnement)}</dd>
                <dt>"Frais"</dt><dd>{liste(&l.frais_a_charge)}</dd>
                <dt>"Programmes nationaux"</dt><dd>{liste(&l.dispositif_programmes_nationaux)}</dd>
                <dt>"Formations et labels"</dt><dd>{liste(&l.formations_labels)}{l.autres_formations_labels.clone().map(|a| format!(" ; {}", a.replace('|', ", ")))}</dd>
            </dl>
            {l.presentation_detail.clone().map(|p| view! { <p class="presentation">{p}</p> })}
        </section>
        <section class="panel" aria-labelledby="pass-titre">
            <h2 id="pass-titre">"Pass numérique et agrément"</h2>
            <p>{if d.pass.accepte {
                format!("Ce lieu accepte le Pass numérique{}{}.",
                    d.pass.operateur.as_ref().map(|o| format!(" (opérateur : {o})")).unwrap_or_default(),
                    d.agree_le.map(|a| format!(", agréé le {}", date_longue(a))).unwrap_or_default())
            } else { "Ce lieu n'accepte pas le Pass numérique.".into() }}</p>
            {d.candidat_id.map(|c| view! { <p><A href=format!("/lieux/candidats/{c}")>"Voir le dossier de candidature"</A></p> })}
            {signaler.map(|href| view! { <p><a class="button button--secondary" href=href>"Signaler ce lieu comme candidat à l'agrément"</a></p> })}
            <h3>"Historique"</h3>
            {if d.historique.is_empty() {
                view! { <p class="empty">"Aucun événement."</p> }.into_any()
            } else {
                view! {
                    <ol class="historique">
                        {d.historique.clone().into_iter().map(|e| view! {
                            <li>
                                <span class="historique__date">{date_courte(e.date.unwrap_or_else(|| to_local(e.at).date()))}</span>
                                " — "{e.quoi}" ("{e.qui}")"
                                {e.note.map(|n| view! { <span class="historique__note">{format!(" « {n} »")}</span> })}
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
            {d.modifiable.then(|| view! { <PassForm d=d.clone() data=data/> })}
        </section>
        <p class="hint">{format!("Identifiant dans sa source : {} · pivot {} · position : {} · mise à jour le {}", l.id, l.pivot,
            match d.geocodage.as_str() { "fichier" => "donnée par le fichier", "adresse" => "trouvée par l'adresse", "commune" => "celle de la commune (approximative)", _ => "inconnue" },
            date_courte(l.date_maj))}</p>
    }
}

/// Hubs of the territory: record or withdraw Pass acceptance (outside the candidate pipeline,
/// e.g. for a venue accredited before Carnet).
#[component]
fn PassForm(d: LieuDetail, data: RwSignal<Option<Result<LieuDetail, api::ApiError>>>) -> impl IntoView {
    let accepte = RwSignal::new(d.pass.accepte);
    let operateur = RwSignal::new(d.pass.operateur.clone().unwrap_or_default());
    let note = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let message = RwSignal::new(None::<String>);
    let summary = NodeRef::<html::Div>::new();
    let busy = RwSignal::new(false);
    let id = d.id;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let req = PassRequest {
            accepte: accepte.get_untracked(),
            operateur: operateur.get_untracked(),
            note: note.get_untracked(),
        };
        spawn_local(async move {
            match api::lieu_pass(id, &req).await {
                Ok(d) => data.set(Some(Ok(d))),
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
        <form class="form pass-form" on:submit=submit>
            <h3>"Modifier l'acceptation du Pass"</h3>
            <ErrorSummary errors=errors message=message node_ref=summary order=Signal::derive(|| vec!["operateur".to_string(), "note".to_string()])/>
            <label class="case"><input type="checkbox" id="pass-accepte" prop:checked=move || accepte.get()
                on:change=move |ev| accepte.set(event_target_checked(&ev))/>"Ce lieu accepte le Pass numérique"</label>
            <TextField name="operateur" label="Opérateur qui l'a agréé" value=operateur errors=errors/>
            <TextField name="note" label="Note (pour l'historique)" value=note errors=errors/>
            <button type="submit" class="button" disabled=move || busy.get()>"Enregistrer"</button>
        </form>
    }
}
