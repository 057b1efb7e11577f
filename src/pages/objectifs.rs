//! `/parcours/:id/objectifs`: step 3 — a pack (data from the database), then the targets
//! (competence → level to reach) and a theme per session, all editable. Saves itself.

use crate::api::{self, ApiError};
use crate::components::autosave::{autosave, StatutSauvegarde};
use crate::components::champs::{options, Cases};
use crate::components::form::{ErrorSummary, FieldError};
use crate::components::page::Titre;
use crate::components::wizard::{use_contexte, EtapeFrame};
use carnet_domain::api::FieldErrors;
use carnet_domain::coop;
use carnet_domain::parcours::competences::{self, Niveau, DOMAINES};
use carnet_domain::parcours::etapes::Etape;
use carnet_domain::parcours::objectifs::{
    champ_objectif, champ_theme, ObjectifSaisi, ObjectifsRequest, PackView, ThemeSaisi,
};
use carnet_domain::parcours::Dossier;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

#[component]
pub fn ObjectifsPage() -> impl IntoView {
    view! { <EtapeFrame etape=Etape::Objectifs render=|d| view! { <ObjectifsForm d=d/> }.into_any()/> }
}

#[derive(Clone, Copy)]
struct LigneObjectif {
    cle: usize,
    competence: RwSignal<String>,
    niveau: RwSignal<String>,
}

#[derive(Clone, Copy)]
struct LigneTheme {
    titre: RwSignal<String>,
    thematiques: RwSignal<Vec<String>>,
    competences: RwSignal<Vec<String>>,
}

fn ligne(cle: usize, competence: &str, niveau: &str) -> LigneObjectif {
    LigneObjectif { cle, competence: RwSignal::new(competence.to_string()), niveau: RwSignal::new(niveau.to_string()) }
}

#[component]
fn ObjectifsForm(d: Dossier) -> impl IntoView {
    let ctx = use_contexte();
    let navigate = use_navigate();
    let id = d.id;
    let nb = d.carnet.nb_passes;
    let initial = StoredValue::new(d.diagnostic_initial.as_ref().map(|x| x.niveaux.clone()).unwrap_or_default());
    let pack = RwSignal::new(d.pack.as_ref().map(|p| p.code.clone()).unwrap_or_default());
    let objectifs = RwSignal::new(
        d.objectifs.iter().enumerate().map(|(i, o)| ligne(i, &o.competence, o.niveau_cible.code())).collect::<Vec<_>>(),
    );
    let themes: Vec<LigneTheme> = (0..nb as usize)
        .map(|i| {
            let t = d.themes.get(i);
            LigneTheme {
                titre: RwSignal::new(t.map(|t| t.titre.clone()).unwrap_or_default()),
                thematiques: RwSignal::new(t.map(|t| t.thematiques.clone()).unwrap_or_default()),
                competences: RwSignal::new(t.map(|t| t.competences.clone()).unwrap_or_default()),
            }
        })
        .collect();
    let themes = StoredValue::new(themes);
    let next = StoredValue::new(1000usize);
    let errors = RwSignal::new(FieldErrors::new());
    let touched = RwSignal::new(false);
    let message = RwSignal::new(None::<String>);
    let info = RwSignal::new(None::<String>);
    let summary = NodeRef::<html::Div>::new();
    let packs = RwSignal::new(None::<Vec<carnet_domain::parcours::objectifs::PackView>>);
    spawn_local(async move { packs.set(api::packs().await.ok()) });

    // Fills the targets and themes from a pack.
    let remplir = move |p: &PackView| {
        objectifs.set(
            p.cibles_pour(nb)
                .iter()
                .map(|c| {
                    next.update_value(|k| *k += 1);
                    ligne(next.get_value(), &c.competence, c.niveau.code())
                })
                .collect(),
        );
        let modele = p.themes_pour(nb);
        themes.with_value(|ts| {
            for (i, t) in ts.iter().enumerate() {
                let m = modele.get(i);
                t.titre.set(m.map(|m| m.titre.clone()).unwrap_or_else(|| format!("Séance {}", i + 1)));
                t.thematiques.set(m.map(|m| m.thematiques.clone()).unwrap_or_default());
                t.competences.set(m.map(|m| m.competences.clone()).unwrap_or_default());
            }
        });
    };
    // No objectives yet: start from the pack considered at the diagnostic, once packs arrive.
    let vide = d.objectifs.is_empty();
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) || !vide {
            return true;
        }
        let Some(ps) = packs.get() else { return false };
        if let Some(p) = ps.iter().find(|p| p.code == pack.get_untracked()) {
            remplir(p);
        }
        true
    });
    let choisir = move |code: String| {
        pack.set(code.clone());
        if let Some(ps) = packs.get_untracked() {
            if let Some(p) = ps.iter().find(|p| p.code == code) {
                remplir(p);
                info.set(Some(format!("Objectifs et thèmes du pack « {} » repris : modifiez-les si besoin.", p.nom)));
            }
        }
    };

    let request = move || ObjectifsRequest {
        pack: pack.get(),
        objectifs: objectifs
            .get()
            .iter()
            .map(|o| ObjectifSaisi { competence: o.competence.get(), niveau: o.niveau.get() })
            .collect(),
        themes: themes.with_value(|ts| {
            ts.iter()
                .map(|t| ThemeSaisi {
                    titre: t.titre.get(),
                    thematiques: t.thematiques.get(),
                    competences: t.competences.get(),
                })
                .collect()
        }),
    };
    let etat = autosave(
        move || api::to_json(&request()),
        format!("/parcours/{id}/objectifs"),
        move |text| ctx.avance_json(&text),
        errors,
        touched,
    );
    let pending = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req = request();
        pending.set(true);
        message.set(None);
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::save_objectifs(id, &req).await {
                Ok(_) => navigate(&format!("/parcours/{id}/planning"), Default::default()),
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

    view! {
        <Titre texte={format!("Objectifs — {}", d.beneficiaire.prenom)}/>
        <p class="lead">{format!("Choisissez un pack, puis ajustez les objectifs et le thème de chacune des {nb} séances (une par pass). Tout est enregistré au fur et à mesure.")}</p>
        <ErrorSummary errors=errors message=message node_ref=summary order=Signal::derive(Vec::new)/>
        <form class="form form--wide" on:submit=on_submit novalidate
            on:input=move |_| touched.set(true) on:change=move |_| touched.set(true)>
            <fieldset class="panel" id="pack">
                <legend>"Pack (obligatoire)"</legend>
                <FieldError name="pack" errors=errors/>
                <div class="packs">
                    {move || packs.get().unwrap_or_default().into_iter().map(|p| {
                        let code = p.code.clone();
                        let c2 = code.clone();
                        let input_id = format!("pack-{code}");
                        view! {
                            <label class="pack" for=input_id.clone() class:pack--choisi=move || pack.get() == c2>
                                <input type="radio" name="pack" id=input_id.clone() value=code.clone()
                                    prop:checked={let c = code.clone(); move || pack.get() == c}
                                    on:change={let c = code.clone(); move |_| choisir(c.clone())}/>
                                <span class="pack__nom">{p.nom}</span>
                                <span class="pack__description">{p.description}</span>
                            </label>
                        }
                    }).collect_view()}
                </div>
                <p class="info" role="status">{move || info.get()}</p>
            </fieldset>

            <fieldset class="panel" id="objectifs">
                <legend>"Objectifs : la compétence et le niveau à atteindre"</legend>
                <FieldError name="objectifs" errors=errors/>
                <ol class="objectifs">
                    {move || objectifs.get().into_iter().enumerate().map(|(i, o)| {
                            let n = i + 1;
                            let field = champ_objectif(n);
                            let depart = move || initial.with_value(|m| m.get(&o.competence.get()).copied());
                            let deja = move || match (depart(), Niveau::parse(&o.niveau.get())) {
                                (Some(a), Some(c)) => a >= c,
                                _ => false,
                            };
                            view! {
                                <li class="objectif" id=field.clone()>
                                    <FieldError name=field.clone() errors=errors/>
                                    <div class="field-row">
                                        <div class="field">
                                            <label for=format!("{field}-competence")>{format!("Objectif n°{n} : compétence")}</label>
                                            <select id=format!("{field}-competence") aria-describedby=format!("{field}-error")
                                                on:change=move |ev| o.competence.set(event_target_value(&ev))>
                                                <option value="">"Choisir…"</option>
                                                {DOMAINES.iter().map(|dom| view! {
                                                    <optgroup label=format!("{}. {}", dom.code, dom.titre)>
                                                        {dom.competences.iter().map(|(c, t)| view! {
                                                            <option value=*c selected=move || o.competence.get() == *c>{format!("{c} {t}")}</option>
                                                        }).collect_view()}
                                                    </optgroup>
                                                }).collect_view()}
                                            </select>
                                        </div>
                                        <div class="field">
                                            <label for=format!("{field}-niveau")>"Niveau à atteindre"
                                                // Six selects share this label: each is named with its objective.
                                                <span class="visually-hidden">{move || match o.competence.get().as_str() {
                                                    "" => format!(" : objectif n°{n}"),
                                                    c => format!(" : objectif n°{n}, {}", competences::libelle(c)),
                                                }}</span>
                                            </label>
                                            <select id=format!("{field}-niveau") on:change=move |ev| o.niveau.set(event_target_value(&ev))>
                                                <option value="">"Choisir…"</option>
                                                {Niveau::TOUS[1..].iter().map(|nv| view! {
                                                    <option value=nv.code() selected=move || o.niveau.get() == nv.code()>{nv.libelle()}</option>
                                                }).collect_view()}
                                            </select>
                                        </div>
                                        <button type="button" class="button button--secondary button--small"
                                            on:click=move |_| objectifs.update(|v| v.retain(|x| x.cle != o.cle))>
                                            {format!("Retirer l'objectif n°{n}")}
                                        </button>
                                    </div>
                                    <p class="hint">
                                        {move || match depart() {
                                            Some(a) => format!("Au diagnostic : {}.", a.libelle()),
                                            None => "Pas évaluée au diagnostic.".to_string(),
                                        }}
                                        {move || deja().then_some(" Ce niveau est déjà atteint : visez plus haut, ou retirez l'objectif.")}
                                    </p>
                                </li>
                            }
                    }).collect_view()}
                </ol>
                <button type="button" class="button button--secondary" on:click=move |_| {
                    next.update_value(|k| *k += 1);
                    let k = next.get_value();
                    objectifs.update(|v| v.push(ligne(k, "", "")));
                    touched.set(true);
                }>"Ajouter un objectif"</button>
            </fieldset>

            <fieldset class="panel" id="themes">
                <legend>{format!("Thèmes des {nb} séances")}</legend>
                <p class="hint">"La séance 1 est l'accueil (ce rendez-vous) ; la dernière, le bilan."</p>
                <FieldError name="themes" errors=errors/>
                <ol class="themes">
                    {themes.get_value().into_iter().enumerate().map(|(i, t)| {
                        let n = i + 1;
                        let field = champ_theme(n);
                        let resume = move || {
                            let th: Vec<&str> = t.thematiques.read().iter().filter_map(|c| coop::label(coop::THEMATIQUES_MEDIATION_NUMERIQUE, c)).collect();
                            let co = t.competences.get().join(", ");
                            format!("Thématiques : {} · compétences : {}", if th.is_empty() { "aucune".to_string() } else { th.join(", ") }, if co.is_empty() { "aucune".into() } else { co })
                        };
                        view! {
                            <li class="theme">
                                <div class="field">
                                    <label for=field.clone()>{format!("Séance {n}")}</label>
                                    <FieldError name=field.clone() errors=errors/>
                                    <FieldError name=format!("{field}_thematiques") errors=errors/>
                                    <FieldError name=format!("{field}_competences") errors=errors/>
                                    <input id=field.clone() type="text" maxlength="120" aria-describedby=format!("{field}-error")
                                        prop:value=move || t.titre.get() on:input=move |ev| t.titre.set(event_target_value(&ev))/>
                                </div>
                                <details class="theme__details">
                                    <summary>{resume}</summary>
                                    <Cases legende="Thématiques (Coop)" prefixe=format!("{field}-th")
                                        choix=options(coop::THEMATIQUES_MEDIATION_NUMERIQUE)
                                        valeur=t.thematiques/>
                                    <Cases legende="Compétences travaillées" prefixe=format!("{field}-co")
                                        choix=competences::codes().map(|c| (c.to_string(), competences::libelle(c))).collect()
                                        valeur=t.competences/>
                                </details>
                            </li>
                        }
                    }).collect_view()}
                </ol>
            </fieldset>
            <StatutSauvegarde etat=etat/>
            <div class="actions">
                <button type="submit" class="button" disabled=move || pending.get()>"Enregistrer et établir le planning"</button>
            </div>
        </form>
    }
}
