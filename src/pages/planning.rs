//! `/parcours/:id/planning`: step 4 — a rhythm, a first date and time, a duration and a place;
//! the server proposes the dates (session 1 is the intake; holidays, weekends for the daily
//! rhythm and the conseiller's other sessions are avoided); every date stays editable.

use crate::api::{self, ApiError};
use crate::components::brouillon::{self, BrouillonRetrouve};
use crate::components::champs::RadioGroup;
use crate::components::form::{ErrorSummary, FieldError, SelectField, TextField};
use crate::components::page::{focus_plus_tard, Titre};
use crate::components::wizard::{use_contexte, EtapeFrame};
use carnet_domain::api::FieldErrors;
use carnet_domain::coop;
use carnet_domain::parcours::etapes::Etape;
use carnet_domain::parcours::planning::{champ_proposition, champ_seance, DateHeure, Frequence, PlanningRequest};
use carnet_domain::parcours::seance::StatutSeance;
use carnet_domain::parcours::Dossier;
use carnet_domain::paris;
use chrono::{NaiveDateTime, Timelike};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

#[component]
pub fn PlanningPage() -> impl IntoView {
    view! { <EtapeFrame etape=Etape::Planning render=|d| view! { <PlanningForm d=d/> }.into_any()/> }
}

#[derive(Clone, Copy)]
struct Ligne {
    date: RwSignal<String>,
    heure: RwSignal<String>,
    notes: RwSignal<Vec<String>>,
}

fn ligne(dt: NaiveDateTime, notes: Vec<String>) -> Ligne {
    Ligne {
        date: RwSignal::new(dt.format("%Y-%m-%d").to_string()),
        heure: RwSignal::new(dt.format("%H:%M").to_string()),
        notes: RwSignal::new(notes),
    }
}

/// A duration: a Coop preset or a custom number of minutes.
#[component]
pub fn DureeField(duree: RwSignal<String>, errors: RwSignal<FieldErrors>) -> impl IntoView {
    let presets = coop::DUREE_PRESETS_MINUTES;
    let autre = RwSignal::new(
        !duree.get_untracked().is_empty() && !presets.iter().any(|p| p.to_string() == duree.get_untracked()),
    );
    let label = |m: u32| {
        if m < 60 {
            format!("{m} min")
        } else if m.is_multiple_of(60) {
            format!("{} h", m / 60)
        } else {
            format!("{} h {:02}", m / 60, m % 60)
        }
    };
    view! {
        <div class="field">
            <label for="duree_minutes">"Durée (obligatoire)"</label>
            <FieldError name="duree_minutes" errors=errors/>
            <select id="duree_minutes" aria-describedby="duree_minutes-error" on:change=move |ev| {
                let v = event_target_value(&ev);
                if v == "autre" { autre.set(true); } else { autre.set(false); duree.set(v); }
            }>
                {presets.iter().map(|m| {
                    let v = m.to_string();
                    let v2 = v.clone();
                    view! { <option value=v selected=move || !autre.get() && duree.get() == v2>{label(*m)}</option> }
                }).collect_view()}
                <option value="autre" selected=move || autre.get()>"Autre durée…"</option>
            </select>
            <Show when=move || autre.get()>
                <label for="duree_autre" class="sub-label">"Durée en minutes"</label>
                <input id="duree_autre" type="number" min="15" max="240" step="5" inputmode="numeric"
                    prop:value=move || duree.get() on:input=move |ev| duree.set(event_target_value(&ev))/>
            </Show>
        </div>
    }
}

#[component]
fn PlanningForm(d: Dossier) -> impl IntoView {
    let ctx = use_contexte();
    let navigate = use_navigate();
    let id = d.id;
    let nb = d.carnet.nb_passes as usize;
    let verrou = d.seances.iter().any(|s| s.statut != StatutSeance::Prevue);
    let existant = d.planning.clone();
    let s2 = d.seances.get(1).map(|s| s.debut);
    let frequence = RwSignal::new(
        existant.as_ref().map(|p| p.frequence.code().to_string()).unwrap_or_else(|| "hebdomadaire".into()),
    );
    let premiere = RwSignal::new(s2.map(|s| s.format("%Y-%m-%d").to_string()).unwrap_or_default());
    let heure = RwSignal::new(s2.map(|s| s.format("%H:%M").to_string()).unwrap_or_else(|| "14:00".into()));
    let duree = RwSignal::new(existant.as_ref().map(|p| p.duree_minutes.to_string()).unwrap_or_else(|| "60".into()));
    let type_lieu =
        RwSignal::new(existant.as_ref().map(|p| p.type_lieu.clone()).unwrap_or_else(|| "lieu_activite".into()));
    let lignes = RwSignal::new(
        d.seances.iter().filter(|s| !s.statut.est_absence()).map(|s| ligne(s.debut, vec![])).collect::<Vec<_>>(),
    );
    let themes = StoredValue::new(d.themes.iter().map(|t| t.titre.clone()).collect::<Vec<_>>());
    let errors = RwSignal::new(FieldErrors::new());
    let message = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let summary = NodeRef::<html::Div>::new();
    let focus_summary = move || focus_plus_tard(summary);
    let params = move || PlanningRequest {
        frequence: frequence.get_untracked(),
        premiere_date: premiere.get_untracked(),
        heure: heure.get_untracked(),
        duree_minutes: duree.get_untracked(),
        type_lieu: type_lieu.get_untracked(),
        seances: vec![],
    };
    // The draft of an unsaved schedule (not for a schedule already lived, which is locked).
    let cle = StoredValue::new(format!("carnet.brouillon.planning.{id}"));
    let retrouve = RwSignal::new(false);
    let non_enregistre = RwSignal::new(false);
    if let (false, Some(b)) = (verrou, cle.with_value(|c| brouillon::lire::<PlanningRequest>(c))) {
        frequence.set(b.frequence);
        premiere.set(b.premiere_date);
        heure.set(b.heure);
        duree.set(b.duree_minutes);
        type_lieu.set(b.type_lieu);
        lignes.set(
            b.seances
                .into_iter()
                .map(|s| Ligne {
                    date: RwSignal::new(s.date),
                    heure: RwSignal::new(s.heure),
                    notes: RwSignal::new(vec![]),
                })
                .collect(),
        );
        retrouve.set(true);
        non_enregistre.set(true);
    }
    brouillon::avertir_en_quittant(non_enregistre);
    // The schedule as typed: what is saved, and what the draft keeps.
    let requete = move || PlanningRequest {
        seances: lignes
            .get_untracked()
            .iter()
            .map(|l| DateHeure { date: l.date.get_untracked(), heure: l.heure.get_untracked() })
            .collect(),
        ..params()
    };
    let garder = move || {
        non_enregistre.set(true);
        cle.with_value(|c| brouillon::ecrire(c, &requete()));
    };
    let abandonner = Callback::new(move |_| {
        cle.with_value(|c| brouillon::effacer(c));
        non_enregistre.set(false);
        let _ = window().location().reload();
    });
    let proposer = move |_| {
        pending.set(true);
        message.set(None);
        let req = params();
        spawn_local(async move {
            match api::propose_planning(id, &req).await {
                Ok(p) => {
                    errors.set(FieldErrors::new());
                    lignes.set(p.seances.into_iter().map(|s| ligne(s.debut, s.notes)).collect());
                    garder();
                }
                Err(ApiError::Invalid { fields, .. }) => {
                    errors.set(fields);
                    focus_summary();
                }
                Err(e) => {
                    message.set(Some(e.message()));
                    focus_summary();
                }
            }
            pending.set(false);
        });
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req = requete();
        pending.set(true);
        message.set(None);
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::save_planning(id, &req).await {
                Ok(a) => {
                    cle.with_value(|c| brouillon::effacer(c));
                    non_enregistre.set(false);
                    ctx.avance(&a.etape);
                    navigate(&format!("/parcours/{id}/seances"), Default::default());
                }
                Err(ApiError::Invalid { fields, .. }) => {
                    errors.set(fields);
                    focus_summary();
                }
                Err(e) => {
                    message.set(Some(e.message()));
                    focus_summary();
                }
            }
            pending.set(false);
        });
    };
    // Proposals are not errors: the summary lists only the messages.
    let visibles = RwSignal::new(FieldErrors::new());
    Effect::new(move |_| {
        let mut v = errors.get();
        v.retain(|k, _| !k.starts_with("proposition_"));
        visibles.set(v);
    });

    if verrou {
        return view! {
            <Titre texte={format!("Planning — {}", d.beneficiaire.prenom)}/>
            <div class="notice">
                <p>"Des séances ont déjà eu lieu : le planning se modifie maintenant séance par séance (déplacer, absence, remplacement)."</p>
                <p><a class="button" href=format!("/parcours/{id}/seances")>"Aller aux séances"</a>" "
                   <a class="button button--secondary" href=api::calendar_url(id) download=format!("parcours-{id}-seances.ics")>"Télécharger le calendrier (.ics)"</a></p>
            </div>
        }.into_any();
    }

    view! {
        <Titre texte={format!("Planning — {}", d.beneficiaire.prenom)}/>
        <p class="lead">{format!("{nb} séances, une par pass. La séance 1 est l'accueil ; les suivantes suivent le rythme choisi, en évitant les jours fériés et vos autres séances.")}</p>
        <ErrorSummary errors=visibles message=message node_ref=summary order=Signal::derive(Vec::new)/>
        <BrouillonRetrouve visible=retrouve on_abandon=abandonner/>
        <form class="form form--wide" on:submit=on_submit novalidate
            on:input=move |_| garder() on:change=move |_| garder()>
            <fieldset class="panel">
                <legend>"Le rythme"</legend>
                <RadioGroup name="frequence" legend="Fréquence" required=true value=frequence errors=errors
                    options=Frequence::TOUTES.iter().map(|f| (f.code().to_string(), f.libelle().to_string())).collect()/>
                <div class="field-row">
                    <TextField name="premiere_date" label="Date de la séance 2" value=premiere errors=errors input_type="date"
                        required=true hint="La première après l'accueil."/>
                    <TextField name="heure" label="Heure" value=heure errors=errors input_type="time" required=true/>
                    <DureeField duree=duree errors=errors/>
                    <SelectField name="type_lieu" label="Lieu" value=type_lieu errors=errors options=coop::TYPE_LIEU empty_label="Choisir…" required=true/>
                </div>
                <button type="button" class="button button--secondary" on:click=proposer disabled=move || pending.get()>
                    "Proposer les dates"
                </button>
            </fieldset>

            <Show when=move || !lignes.read().is_empty()>
                <fieldset class="panel" id="seances">
                    <legend>"Les séances (chaque date reste modifiable)"</legend>
                    <FieldError name="seances" errors=errors/>
                    <ol class="planning">
                        {move || lignes.get().into_iter().enumerate().map(|(i, l)| {
                            let n = i + 1;
                            let field = champ_seance(n);
                            let prop_key = champ_proposition(&field);
                            let theme = themes.with_value(|t| t.get(i).cloned().unwrap_or_default());
                            let jour = move || carnet_domain::intake::parse_date(&l.date.get()).map(paris::date_longue).unwrap_or_default();
                            let proposition = {
                                let k = prop_key.clone();
                                move || errors.read().get(&k).cloned()
                            };
                            view! {
                                <li class="planning__ligne" id=field.clone()>
                                    <p class="planning__titre"><strong>{format!("Séance {n}")}</strong>" — "{theme}</p>
                                    <FieldError name=field.clone() errors=errors/>
                                    <div class="field-row">
                                        <div class="field">
                                            <label for=format!("{field}-date")>{format!("Date de la séance {n}")}</label>
                                            <input id=format!("{field}-date") type="date" aria-describedby=format!("{field}-error {field}-jour")
                                                prop:value=move || l.date.get() on:input=move |ev| l.date.set(event_target_value(&ev))/>
                                            <p class="hint" id=format!("{field}-jour")>{jour}</p>
                                        </div>
                                        <div class="field">
                                            <label for=format!("{field}-heure")>{format!("Heure de la séance {n}")}</label>
                                            <input id=format!("{field}-heure") type="time"
                                                prop:value=move || l.heure.get() on:input=move |ev| l.heure.set(event_target_value(&ev))/>
                                        </div>
                                    </div>
                                    {move || proposition().map(|p| {
                                        let dt = NaiveDateTime::parse_from_str(&p, "%Y-%m-%dT%H:%M").ok();
                                        let label = dt.map(|dt| format!("Utiliser le créneau libre du {} à {:02}h{:02}", paris::date_longue(dt.date()), dt.hour(), dt.minute())).unwrap_or_default();
                                        view! {
                                            <button type="button" class="button button--secondary button--small" on:click=move |_| {
                                                if let Some(dt) = dt {
                                                    l.date.set(dt.format("%Y-%m-%d").to_string());
                                                    l.heure.set(dt.format("%H:%M").to_string());
                                                }
                                            }>{label}</button>
                                        }
                                    })}
                                    {move || (!l.notes.read().is_empty()).then(|| view! {
                                        <ul class="notes">{l.notes.get().into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                </fieldset>
                <div class="actions">
                    <button type="submit" class="button" disabled=move || pending.get()>"Enregistrer le planning"</button>
                    {existant.is_some().then(|| view! {
                        <a class="button button--secondary" href=api::calendar_url(id) download=format!("parcours-{id}-seances.ics")>"Télécharger le calendrier (.ics)"</a>
                    })}
                </div>
            </Show>
        </form>
    }
    .into_any()
}
