//! `/parcours/:id`: the parcours overview — where the person is, and what was recorded at intake.

use crate::api;
use crate::components::champs::{RadioGroup, TextArea};
use crate::components::confirm::Confirm;
use crate::components::form::ErrorSummary;
use crate::components::page::{focus_plus_tard, Confirmation, Titre};
use crate::components::stepper::{href, Stepper};
use crate::components::{ErrorNotice, Loading};
use crate::horloge::today;
use carnet_domain::api::FieldErrors;
use carnet_domain::coop;
use carnet_domain::intake::CANAUX_RECEPTION;
use carnet_domain::money::format_euros;
use carnet_domain::parcours::cloture::{ClotureAnticipeeRequest, MotifCloture};
use carnet_domain::parcours::etapes::{etape_courante, Etape};
use carnet_domain::parcours::Dossier;
use carnet_domain::paris::{date_courte, date_longue};
use chrono::NaiveDate;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;

pub fn etat_pass(etat: &str) -> &'static str {
    match etat {
        "distribue" => "Disponible",
        "valide" => "Utilisé",
        "expire" => "Expiré",
        "annule" => "Annulé",
        _ => "Inconnu",
    }
}

#[component]
pub fn ParcoursPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
    // Bumped after closing the parcours, to draw it again closed.
    let version = RwSignal::new(0u32);
    let fait = RwSignal::new(None::<String>);
    let data = api::lecture::<Dossier>(move || {
        version.track();
        format!("/parcours/{}", id())
    });
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match data.valeur().await {
                    Ok(d) => view! {
                        {fait.try_update_untracked(Option::take).flatten().map(|m| view! { <Confirmation message=m/> })}
                        <Overview d=d version=version fait=fait/>
                    }.into_any(),
                    Err(e) => view! { <Titre texte="Parcours"/><ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Overview(d: Dossier, version: RwSignal<u32>, fait: RwSignal<Option<String>>) -> impl IntoView {
    let faits = d.faits();
    let courante = etape_courante(&faits);
    let prochaine = d.prochaine_seance().map(|s| (s.id, s.debut));
    let p = d.clone();
    let b = p.beneficiaire.clone();
    let c = p.carnet.clone();
    let used = c.passes.iter().filter(|x| x.etat == "valide").count();
    let c_restants = c.passes.iter().filter(|x| x.etat == "distribue").count();
    let (c_nb, c_fin) = (c.nb_passes, c.fin_validite);
    let en_cours = p.etat == "en_cours";
    let prenom = b.prenom.clone();
    let opt = |v: Option<String>, table: coop::Vocabulaire| {
        v.and_then(|v| coop::label(table, &v)).unwrap_or("Non renseigné").to_string()
    };
    view! {
        <Stepper parcours_id=p.id reached=Signal::stored(courante) current=Etape::Accueil termine=faits.termine/>
        <div class="page-head">
            <Titre texte={format!("Parcours de {}", b.prenom)}/>
            <span class="badge">{match p.etat.as_str() { "termine" => "Terminé", "abandonne" => "Arrêté avant la fin", _ => "En cours" }}</span>
        </div>
        <p class="lead">{format!("Ouvert le {} par {} · {used} pass utilisé{} sur {}", date_longue(today(p.created_at)), p.conseiller, if used > 1 { "s" } else { "" }, c.nb_passes)}</p>
        <div class="panel panel--accent reprendre">
            {if let Some(c) = p.cloture.clone() {
                let restants = c_restants;
                view! {
                    <p>{format!("Parcours arrêté le {} : {}{}.", date_longue(today(c.le)), c.motif.libelle().to_lowercase(),
                        if c.precision.is_empty() { String::new() } else { format!(" (« {} »)", c.precision) })}</p>
                    <p>{format!("{used} séance{} tenue{} sur {}. ", if used > 1 { "s" } else { "" }, if used > 1 { "s" } else { "" }, c_nb)}
                        {pass_restants(restants, c_fin)}</p>
                    <a class="button" href=format!("/parcours/{}/bilan/imprimer", p.id)>"Imprimer ce qui a été fait"</a>
                }.into_any()
            } else if faits.termine {
                view! {
                    <p>"Parcours terminé : le bilan est prêt à imprimer."</p>
                    <a class="button" href=format!("/parcours/{}/bilan/imprimer", p.id)>"Imprimer le bilan"</a>
                }.into_any()
            } else {
                view! {
                    <p>{format!("Étape en cours : {} ({} sur 6).", courante.libelle(), courante.numero())}
                        {prochaine.map(|(_, debut)| format!(" Prochaine séance : {} à {}.", date_longue(debut.date()), carnet_domain::parcours::planning::heure(debut.time())))}</p>
                    <a class="button" href=href(p.id, courante)>{format!("Reprendre : {}", courante.libelle())}</a>
                }.into_any()
            }}
            {d.pack.as_ref().map(|pk| view! { <p class="hint">{format!("Pack : {}", pk.nom)}</p> })}
        </div>
        <p><a href=format!("/parcours/{}/orientation", p.id)>"Lieux proches qui acceptent le Pass (à imprimer)"</a></p>

        <div class="grid-2">
            <section class="panel" aria-labelledby="personne-title">
                <h2 id="personne-title">"La personne"</h2>
                <dl class="facts">
                    <dt>"Prénom ou alias"</dt><dd>{b.prenom.clone()}</dd>
                    <dt>"Année de naissance"</dt><dd>{b.annee_naissance.map(|y| y.to_string()).unwrap_or_else(|| "Non renseignée".into())}</dd>
                    <dt>"Tranche d'âge"</dt><dd>{opt(b.tranche_age.clone(), coop::TRANCHE_AGE)}</dd>
                    <dt>"Commune"</dt><dd>{b.commune.as_ref().map(|c| format!("{} (INSEE {})", c.libelle(), c.code_insee)).unwrap_or_else(|| "Non renseignée".into())}</dd>
                    <dt>"Genre"</dt><dd>{opt(b.genre.clone(), coop::GENRE)}</dd>
                    <dt>"Statut"</dt><dd>{opt(b.statut_social.clone(), coop::STATUT_SOCIAL)}</dd>
                </dl>
            </section>
            <section class="panel" aria-labelledby="reception-title">
                <h2 id="reception-title">"Réception du carnet"</h2>
                <dl class="facts">
                    <dt>"Commanditaire"</dt><dd>{c.commanditaire.clone()}</dd>
                    <dt>"Remis par"</dt><dd>{coop::label(CANAUX_RECEPTION, &c.canal).unwrap_or("—")}</dd>
                    <dt>"Le"</dt><dd>{date_longue(c.date_reception)}</dd>
                </dl>
            </section>
        </div>

        <crate::pages::lien::LienPersonnel parcours_id=p.id/>

        {en_cours.then(|| view! { <ClotureAnticipee id=p.id prenom=prenom.clone() restants=c_restants version=version fait=fait/> })}

        <section class="panel" aria-labelledby="carnet-title">
            <h2 id="carnet-title">{format!("Carnet n° {}", c.numero)}</h2>
            <p>{format!("{} pass de {} · valable jusqu'au {}", c.nb_passes, format_euros(c.valeur_faciale_centimes), date_courte(c.fin_validite))}</p>
            <div class="table-wrap" tabindex="0" role="region" aria-label="Tableau des pass du carnet">
                <table class="table">
                    <caption class="visually-hidden">"Les pass du carnet"</caption>
                    <thead><tr><th scope="col">"Pass"</th><th scope="col">"Code"</th><th scope="col">"État"</th></tr></thead>
                    <tbody>
                        {c.passes.into_iter().map(|pass| view! {
                            <tr>
                                <th scope="row">{format!("n°{}", pass.rang)}</th>
                                <td class="code">{pass.code}</td>
                                <td>{etat_pass(&pass.etat)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// What becomes of the passes not used: they stay with the person.
pub fn pass_restants(restants: usize, fin_validite: NaiveDate) -> String {
    match restants {
        0 => "Tous les pass du carnet ont été utilisés.".to_string(),
        n => format!(
            "{n} pass non utilisé{s} reste{nt} sur le carnet de la personne : elle peut {les}utiliser dans un lieu qui accepte le Pass numérique jusqu'au {}.",
            date_longue(fin_validite),
            s = if n > 1 { "s" } else { "" },
            nt = if n > 1 { "nt" } else { "" },
            les = if n > 1 { "les " } else { "l'" },
        ),
    }
}

/// « Clôturer sans aller au bout »: a reason from a short list, a confirmation that says what
/// happens to the planned sessions and the unused passes, then the parcours is drawn closed.
#[component]
fn ClotureAnticipee(
    id: i64,
    prenom: String,
    restants: usize,
    version: RwSignal<u32>,
    fait: RwSignal<Option<String>>,
) -> impl IntoView {
    let motif = RwSignal::new(String::new());
    let precision = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let message = RwSignal::new(None::<String>);
    let summary = NodeRef::<html::Div>::new();
    let open = RwSignal::new(false);
    let pending = RwSignal::new(false);
    let verifier = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req = ClotureAnticipeeRequest { motif: motif.get_untracked(), precision: precision.get_untracked() };
        match carnet_domain::parcours::cloture::valider(&req) {
            Ok(_) => {
                errors.set(FieldErrors::new());
                message.set(None);
                open.set(true);
            }
            Err(e) => {
                errors.set(e);
                focus_plus_tard(summary);
            }
        }
    };
    let cloturer = move || {
        pending.set(true);
        let req = ClotureAnticipeeRequest { motif: motif.get_untracked(), precision: precision.get_untracked() };
        spawn_local(async move {
            match api::cloturer_avant_la_fin(id, &req).await {
                Ok(r) => {
                    fait.set(Some(format!(
                        "Parcours clôturé. {} séance{} prévue{} retirée{}.",
                        r.seances_retirees,
                        if r.seances_retirees > 1 { "s" } else { "" },
                        if r.seances_retirees > 1 { "s" } else { "" },
                        if r.seances_retirees > 1 { "s" } else { "" }
                    )));
                    version.update(|v| *v += 1);
                }
                Err(api::ApiError::Invalid { fields, .. }) => {
                    let _ = open.try_set(false);
                    let _ = errors.try_set(fields);
                    focus_plus_tard(summary);
                }
                Err(e) => {
                    let _ = open.try_set(false);
                    let _ = message.try_set(Some(e.message()));
                    focus_plus_tard(summary);
                }
            }
            let _ = pending.try_set(false);
        });
    };
    let motifs: Vec<(String, String)> =
        MotifCloture::TOUS.iter().map(|m| (m.code().to_string(), m.libelle().to_string())).collect();
    view! {
        <details class="panel cloture-anticipee no-print">
            <summary>"Clôturer sans aller au bout"</summary>
            <p>{format!("Si {prenom} arrête, déménage, tombe malade ou ne répond plus : le parcours s'arrête ici, les séances prévues sont retirées, ce qui a été fait reste et se lit dans le bilan à imprimer.")}</p>
            <ErrorSummary errors=errors message=message node_ref=summary
                order=Signal::derive(|| vec!["motif".to_string(), "precision".to_string()])/>
            <form class="form" on:submit=verifier novalidate>
                <RadioGroup name="motif" legend="Pourquoi le parcours s'arrête" options=motifs value=motif errors=errors required=true/>
                <TextArea name="precision" label="Précision" value=precision errors=errors maxlength=500
                    hint="Obligatoire pour « Autre raison ». Pas de détail médical : quelques mots suffisent."/>
                <div class="actions">
                    <button type="submit" class="button button--danger">"Clôturer le parcours…"</button>
                </div>
            </form>
            <Confirm open=open id="confirm-cloture" title="Clôturer ce parcours sans aller au bout ?" confirm_label="Oui, clôturer" danger=true
                pending=pending on_confirm=Callback::new(move |_| cloturer())>
                <p>"Les séances encore prévues seront retirées (et leurs rappels ne partiront pas). Le parcours ne pourra plus être modifié."</p>
                <p>{match restants {
                    0 => "Tous les pass du carnet ont été utilisés.".to_string(),
                    n => format!("{n} pass non utilisé{} reste{} à la personne, sur son carnet.", if n > 1 { "s" } else { "" }, if n > 1 { "nt" } else { "" }),
                }}</p>
            </Confirm>
        </details>
    }
}
