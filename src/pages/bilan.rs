//! `/parcours/:id/bilan` (step 6): the competences assessed again, intake versus now in a chart
//! and a table, each objective reached or not, orientation and recommendations, then closing.
//! `/parcours/:id/bilan/imprimer`: the bilan for the beneficiary, in plain words, on one or two
//! A4 pages.

use crate::api::{self, ApiError};
use crate::components::autosave::{autosave, Etat, StatutSauvegarde};
use crate::components::champs::{RadioGroup, TextArea};
use crate::components::chart::ComparaisonChart;
use crate::components::confirm::Confirm;
use crate::components::form::{ErrorSummary, FieldError, SelectField};
use crate::components::niveaux::{niveaux_de, saisie_de, GrilleNiveaux, Saisie};
use crate::components::page::Titre;
use crate::components::wizard::{parcours_id_param, use_contexte, Chargement, EtapeFrame};
use crate::components::{ErrorNotice, Loading};
use crate::pages::diagnostic::{lignes_de, resultats_de, ResultatsExternes};
use carnet_domain::api::FieldErrors;
use carnet_domain::coop;
use carnet_domain::parcours::bilan::BilanRequest;
use carnet_domain::parcours::competences;
use carnet_domain::parcours::diagnostic::{comparer, objectif_atteint, DiagnosticRequest};
use carnet_domain::parcours::etapes::Etape;
use carnet_domain::parcours::seance::StatutSeance;
use carnet_domain::parcours::Dossier;
use carnet_domain::paris::{date_courte, date_longue};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn BilanPage() -> impl IntoView {
    view! { <EtapeFrame etape=Etape::Bilan render=|d| view! { <Bilan d=d/> }.into_any()/> }
}

#[component]
fn Bilan(d: Dossier) -> impl IntoView {
    let ctx = use_contexte();
    let id = d.id;
    let termine = d.faits().termine;
    let initial = d.diagnostic_initial.as_ref().map(|x| x.niveaux.clone()).unwrap_or_default();
    let fin = d.diagnostic_final.clone();
    let saisie: RwSignal<Saisie> = RwSignal::new(fin.as_ref().map(|f| saisie_de(&f.niveaux)).unwrap_or_default());
    let lignes = RwSignal::new(fin.as_ref().map(|f| lignes_de(&f.resultats)).unwrap_or_default());
    let observations = RwSignal::new(fin.as_ref().map(|f| f.observations.clone()).unwrap_or_default());
    // The competences assessed at intake or aimed at come first.
    let premieres: Vec<String> = competences::codes()
        .filter(|c| initial.contains_key(*c) || d.objectifs.iter().any(|o| o.competence == *c))
        .map(String::from)
        .collect();
    let premieres = Signal::derive(move || premieres.clone());
    let objectifs = StoredValue::new(d.objectifs.clone());
    // Reached or not, per objective: computed from the levels until chosen by hand.
    let calcule = move |code: &str, niveaux: &carnet_domain::parcours::competences::Niveaux| -> &'static str {
        let ok = objectifs.with_value(|os| {
            os.iter()
                .find(|o| o.competence == code)
                .map(|o| objectif_atteint(o.niveau_cible, niveaux.get(code).copied()))
                .unwrap_or(false)
        });
        if ok {
            "oui"
        } else {
            "non"
        }
    };
    let choix: Vec<(String, RwSignal<String>)> = d
        .objectifs
        .iter()
        .map(|o| {
            let code = o.competence.clone();
            let saved = o.atteint.map(|a| if a { "oui" } else { "non" });
            let v = RwSignal::new(saved.unwrap_or("").to_string());
            let manuel = StoredValue::new(saved.is_some());
            let c1 = code.clone();
            Effect::new(move |_| {
                let auto = calcule(&c1, &niveaux_de(&saisie.read()));
                if !manuel.get_value() {
                    v.set(auto.to_string());
                }
            });
            let c2 = code.clone();
            Effect::new(move |_| {
                let now = v.get();
                if now != calcule(&c2, &niveaux_de(&saisie.read_untracked())) {
                    manuel.set_value(true);
                }
            });
            (code, v)
        })
        .collect();
    let choix = StoredValue::new(choix);
    let orientation = RwSignal::new(d.bilan.as_ref().and_then(|b| b.orientation.clone()).unwrap_or_default());
    let recommandations = RwSignal::new(d.bilan.as_ref().map(|b| b.recommandations.clone()).unwrap_or_default());
    let errors = RwSignal::new(FieldErrors::new());
    let touched = RwSignal::new(false);
    let message = RwSignal::new(None::<String>);
    let summary = NodeRef::<html::Div>::new();

    let initial_s = StoredValue::new(initial.clone());
    let comparaison = Signal::derive(move || initial_s.with_value(|i| comparer(i, &niveaux_de(&saisie.get()))));

    let diag_req = move || DiagnosticRequest {
        niveaux: saisie.get(),
        resultats: resultats_de(&lignes.get()),
        observations: observations.get(),
        pack: String::new(),
    };
    let bilan_req = move || BilanRequest {
        objectifs_atteints: choix.with_value(|c| {
            let mut m = std::collections::BTreeMap::new();
            for (code, v) in c {
                m.insert(code.clone(), v.get() == "oui");
            }
            m
        }),
        orientation: orientation.get(),
        recommandations: recommandations.get(),
    };
    let errors_diag = RwSignal::new(FieldErrors::new());
    let errors_bilan = RwSignal::new(FieldErrors::new());
    Effect::new(move |_| {
        let mut all = errors_diag.get();
        all.extend(errors_bilan.get());
        errors.set(all);
    });
    let etat_diag = autosave(
        move || api::to_json(&diag_req()),
        format!("/parcours/{id}/diagnostics/final"),
        |_| {},
        errors_diag,
        touched,
    );
    let etat_bilan =
        autosave(move || api::to_json(&bilan_req()), format!("/parcours/{id}/bilan"), |_| {}, errors_bilan, touched);
    let etat = RwSignal::new(Etat::Rien);
    Effect::new(move |_| {
        etat.set(match (etat_diag.get(), etat_bilan.get()) {
            (Etat::Erreur(m), _) | (_, Etat::Erreur(m)) => Etat::Erreur(m),
            (Etat::EnCours, _) | (_, Etat::EnCours) => Etat::EnCours,
            (Etat::Fait(h), _) | (_, Etat::Fait(h)) => Etat::Fait(h),
            _ => Etat::Rien,
        })
    });

    let pending = RwSignal::new(false);
    let confirmer = RwSignal::new(false);
    let demander = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        confirmer.set(true);
    };
    let cloturer = move || {
        confirmer.set(false);
        let (dr, br) = (diag_req(), bilan_req());
        pending.set(true);
        message.set(None);
        spawn_local(async move {
            let r = async {
                api::save_diagnostic(id, "final", &dr).await?;
                api::save_bilan(id, &br).await?;
                api::close(id).await
            }
            .await;
            match r {
                Ok(_) => ctx.recharger(),
                Err(e) => {
                    if let ApiError::Invalid { fields, .. } = &e {
                        errors.set(fields.clone());
                    } else {
                        message.set(Some(e.message()));
                    }
                    if let Some(el) = summary.get_untracked() {
                        let _ = el.focus();
                    }
                }
            }
            pending.set(false);
        });
    };

    if termine {
        return view! {
            <Titre texte={format!("Bilan — {}", d.beneficiaire.prenom)}/>
            <div class="notice notice--success">
                <p>{format!("Parcours clôturé le {}.", d.bilan.as_ref().and_then(|b| b.closed_at).map(|t| date_longue(crate::horloge::today(t))).unwrap_or_default())}</p>
                <p><a class="button" href=format!("/parcours/{id}/bilan/imprimer")>"Imprimer le bilan"</a></p>
            </div>
            <ComparaisonChart comparaison=comparaison/>
            <Objectifs d=d.clone()/>
        }
        .into_any();
    }

    view! {
        <Titre texte={format!("Bilan — {}", d.beneficiaire.prenom)}/>
        <p class="lead">"Évaluez de nouveau les compétences : le graphique compare avec l'accueil. Tout est enregistré au fur et à mesure ; clôturez quand le bilan est fait avec la personne."</p>
        <ErrorSummary errors=errors message=message node_ref=summary order=Signal::derive(Vec::new)/>
        <form class="form form--wide" on:submit=demander novalidate
            on:input=move |_| touched.set(true) on:change=move |_| touched.set(true)>
            <section class="panel" aria-labelledby="final-title">
                <h2 id="final-title">"Diagnostic final"</h2>
                <FieldError name="niveaux" errors=errors/>
                <GrilleNiveaux saisie=saisie errors=errors premieres=premieres repere=initial/>
            </section>
            <section class="panel" aria-labelledby="comparaison-title">
                <h2 id="comparaison-title">"Au début et maintenant"</h2>
                <ComparaisonChart comparaison=comparaison/>
            </section>
            <fieldset class="panel" id="objectifs_atteints">
                <legend>"Objectifs"</legend>
                <FieldError name="objectifs_atteints" errors=errors/>
                {objectifs.get_value().into_iter().zip(choix.get_value()).map(|(o, (code, v))| view! {
                    <RadioGroup name=format!("atteint_{}", code.replace('.', "_"))
                        legend=format!("{} — viser « {} »", competences::libelle(&code), o.niveau_cible.libelle())
                        options=vec![("oui".into(), "Atteint".into()), ("non".into(), "Pas encore atteint".into())]
                        value=v errors=errors/>
                }).collect_view()}
            </fieldset>
            <ResultatsExternes lignes=lignes errors=errors/>
            <div class="panel">
                <TextArea name="observations" label="Observations (facultatif)" value=observations errors=errors/>
                <SelectField name="orientation" label="Orientation vers une structure" value=orientation errors=errors
                    options=coop::STRUCTURE_DE_REDIRECTION empty_label="Pas d'orientation"/>
                <TextArea name="recommandations" label="Recommandations pour la suite" value=recommandations errors=errors
                    hint="Elles figurent sur le bilan remis à la personne : des mots simples."/>
            </div>
            <StatutSauvegarde etat=etat/>
            <div class="actions">
                <a class="button button--secondary" href=format!("/parcours/{id}/bilan/imprimer")>"Aperçu du bilan à imprimer"</a>
                <button type="submit" class="button" disabled=move || pending.get()>"Clôturer le parcours…"</button>
            </div>
            <Confirm open=confirmer id="confirm-cloture-bilan" title="Clôturer le parcours ?" confirm_label="Oui, clôturer"
                pending=pending on_confirm=Callback::new(move |_| cloturer())>
                <p>"Le diagnostic final et le bilan sont enregistrés, puis le parcours ne pourra plus être modifié. Le bilan sera prêt à imprimer."</p>
            </Confirm>
        </form>
    }
    .into_any()
}

/// Each objective, reached or not (read-only).
#[component]
fn Objectifs(d: Dossier) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="objectifs-title">
            <h2 id="objectifs-title">"Objectifs"</h2>
            <ul class="objectifs-resultat">
                {d.objectifs.into_iter().map(|o| {
                    let ok = o.atteint == Some(true);
                    view! {
                        <li class:atteint=ok>
                            <span class="marque" aria-hidden="true">{if ok { "✓" } else { "○" }}</span>
                            {format!("{} — « {} » : {}", competences::libelle(&o.competence), o.niveau_cible.libelle(), if ok { "atteint" } else { "pas encore atteint" })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
pub fn BilanImprimerPage() -> impl IntoView {
    let data = Chargement::new(parcours_id_param());
    move || match data.etat.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Ok(d)) => view! { <Imprimable d=d/> }.into_any(),
        Some(Err(e)) => view! { <Titre texte="Bilan"/><ErrorNotice error=e/> }.into_any(),
    }
}

#[component]
fn Imprimable(d: Dossier) -> impl IntoView {
    let id = d.id;
    let initial = d.diagnostic_initial.as_ref().map(|x| x.niveaux.clone()).unwrap_or_default();
    let final_ = d.diagnostic_final.as_ref().map(|x| x.niveaux.clone()).unwrap_or_default();
    let c = comparer(&initial, &final_);
    let comparaison = Signal::derive(move || c.clone());
    let tenues: Vec<_> = d.seances.iter().filter(|s| s.statut == StatutSeance::Tenue).cloned().collect();
    let debut = tenues.first().map(|s| s.debut.date()).unwrap_or(d.carnet.date_reception);
    let fin = tenues.last().map(|s| s.debut.date()).unwrap_or(debut);
    let orientation = d
        .bilan
        .as_ref()
        .and_then(|b| b.orientation.clone())
        .and_then(|o| coop::label(coop::STRUCTURE_DE_REDIRECTION, &o));
    let recommandations = d.bilan.as_ref().map(|b| b.recommandations.clone()).unwrap_or_default();
    // Stopped before its end: what is left on the carnet is the person's.
    let restants =
        d.cloture.as_ref().map(|_| d.carnet.passes.iter().filter(|p| p.etat == "distribue").count()).filter(|n| *n > 0);
    view! {
        <div class="print-bar no-print">
            <a href=format!("/parcours/{id}/bilan")>"← Retour au bilan"</a>
            <button type="button" class="button" on:click=move |_| { let _ = window().print(); }>"Imprimer"</button>
        </div>
        <article class="bilan-print">
            <header class="bilan-print__head">
                <p class="bilan-print__brand">"Carnet · Pass numérique"</p>
                <Titre texte={format!("Le bilan de votre parcours numérique, {}", d.beneficiaire.prenom)} onglet=format!("Bilan à imprimer — {}", d.beneficiaire.prenom)/>
                <p>{format!("Du {} au {} à {}, avec {}.", date_courte(debut), date_courte(fin), d.structure, d.conseiller)}</p>
                {(!d.faits().termine && !d.faits().abandonne).then(|| view! { <p class="notice notice--warn no-print">"Aperçu : le parcours n'est pas encore clôturé."</p> })}
                {d.cloture.as_ref().map(|c| view! { <p>{format!("Le parcours s'est arrêté le {} : {}.", date_longue(crate::horloge::today(c.le)), c.motif.libelle().to_lowercase())}</p> })}
            </header>
            <section>
                <h2>{format!("Vos {} séances", tenues.len())}</h2>
                <ol class="bilan-print__seances">
                    {tenues.iter().map(|s| view! {
                        <li>{format!("{} — {}", date_courte(s.debut.date()), s.theme.as_ref().map(|t| t.titre.clone()).unwrap_or_else(|| "Séance".into()))}</li>
                    }).collect_view()}
                </ol>
            </section>
            {d.diagnostic_final.is_some().then(|| view! {
                <section>
                    <h2>"Vos progrès"</h2>
                    <ComparaisonChart comparaison=comparaison/>
                </section>
            })}
            <section>
                <h2>"Vos objectifs"</h2>
                <ul class="objectifs-resultat">
                    {d.objectifs.iter().map(|o| {
                        let ok = o.atteint == Some(true);
                        let titre = competences::titre(&o.competence).unwrap_or("");
                        view! {
                            <li class:atteint=ok>
                                <span class="marque" aria-hidden="true">{if ok { "✓" } else { "○" }}</span>
                                {format!("{titre} : {}", if ok { "objectif atteint" } else { "à continuer" })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
            <section>
                <h2>"Pour continuer"</h2>
                {(!recommandations.is_empty()).then(|| view! { <p class="bilan-print__texte">{recommandations}</p> })}
                {orientation.map(|o| view! { <p>{format!("Vous pouvez vous adresser à : {o}.")}</p> })}
                {restants.map(|n| view! { <p>{format!(
                    "Il vous reste {n} pass sur votre carnet : vous pouvez {}utiliser dans un lieu qui accepte le Pass numérique jusqu'au {}.",
                    if n > 1 { "les " } else { "l'" }, date_longue(d.carnet.fin_validite))}</p> })}
                <p>{format!("{} reste à votre disposition.", d.structure)}</p>
                <crate::pages::lien::Joindre c=d.coordonnees.clone()/>
            </section>
            {crate::pages::lien::emis(id).map(|l| view! { <crate::pages::lien::BlocLien l=l/> })}
            <footer class="bilan-print__foot">
                <p>{format!("Document remis le {}.", date_longue(crate::horloge::aujourdhui()))}</p>
                <div class="signatures"><p>"Le conseiller numérique"</p><p>"La personne accompagnée"</p></div>
            </footer>
        </article>
    }
}
