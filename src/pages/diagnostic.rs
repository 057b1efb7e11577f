//! `/parcours/:id/diagnostic`: step 2, the intake diagnostic — the 16 competences on one scale
//! (the chosen pack's first, in quick mode), results of other tools, observations. Saves itself.

use crate::api::{self, ApiError};
use crate::components::autosave::{autosave, StatutSauvegarde};
use crate::components::champs::TextArea;
use crate::components::form::{ErrorSummary, FieldError};
use crate::components::niveaux::{saisie_de, GrilleNiveaux, Saisie};
use crate::components::page::Titre;
use crate::components::wizard::{use_contexte, EtapeFrame};
use carnet_domain::api::FieldErrors;
use carnet_domain::parcours::diagnostic::{
    champ_resultat, DiagnosticRequest, PackEnvisage, ResultatExterne, OUTILS_SUGGERES, RESULTATS_MAX,
};
use carnet_domain::parcours::etapes::Etape;
use carnet_domain::parcours::Dossier;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

#[component]
pub fn DiagnosticPage() -> impl IntoView {
    view! { <EtapeFrame etape=Etape::Diagnostic render=|d| view! { <DiagnosticForm d=d/> }.into_any()/> }
}

/// One row of external results: its own signals, so typing never re-renders the list.
#[derive(Clone, Copy)]
pub struct LigneResultat {
    pub cle: usize,
    pub outil: RwSignal<String>,
    pub score: RwSignal<String>,
}

pub fn lignes_de(r: &[ResultatExterne]) -> Vec<LigneResultat> {
    r.iter()
        .enumerate()
        .map(|(i, r)| LigneResultat {
            cle: i,
            outil: RwSignal::new(r.outil.clone()),
            score: RwSignal::new(r.score.clone()),
        })
        .collect()
}

/// Results of other tools (ABC Diag, Pix…): a label and a score per row.
#[component]
pub fn ResultatsExternes(lignes: RwSignal<Vec<LigneResultat>>, errors: RwSignal<FieldErrors>) -> impl IntoView {
    let next = StoredValue::new(1000usize);
    view! {
        <fieldset class="panel">
            <legend>"Résultats d'autres outils (facultatif)"</legend>
            <p class="hint">"Si la personne a passé un test (ABC Diag, Pix…), notez l'outil et le résultat obtenu."</p>
            <datalist id="outils">
                {OUTILS_SUGGERES.iter().map(|o| view! { <option value=*o></option> }).collect_view()}
            </datalist>
            <FieldError name="resultats" errors=errors/>
            {move || lignes.get().into_iter().enumerate().map(|(i, l)| {
                    let n = i + 1;
                    let fo = champ_resultat(n, "outil");
                    let fs = champ_resultat(n, "score");
                    view! {
                        <div class="field-row resultat">
                            <div class="field">
                                <label for=fo.clone()>{format!("Outil n°{n}")}</label>
                                <FieldError name=fo.clone() errors=errors/>
                                <input id=fo.clone() type="text" list="outils" maxlength="60" aria-describedby=format!("{fo}-error")
                                    prop:value=move || l.outil.get() on:input=move |ev| l.outil.set(event_target_value(&ev))/>
                            </div>
                            <div class="field">
                                <label for=fs.clone()>{format!("Résultat n°{n}")}</label>
                                <FieldError name=fs.clone() errors=errors/>
                                <input id=fs.clone() type="text" maxlength="40" aria-describedby=format!("{fs}-error")
                                    prop:value=move || l.score.get() on:input=move |ev| l.score.set(event_target_value(&ev))/>
                            </div>
                            <button type="button" class="button button--secondary button--small"
                                on:click=move |_| lignes.update(|v| v.retain(|x| x.cle != l.cle))>
                                {format!("Retirer le résultat n°{n}")}
                            </button>
                        </div>
                    }
            }).collect_view()}
            <button type="button" class="button button--secondary" disabled={move || lignes.read().len() >= RESULTATS_MAX}
                on:click=move |_| {
                    next.update_value(|k| *k += 1);
                    let cle = next.get_value();
                    lignes.update(|v| v.push(LigneResultat { cle, outil: RwSignal::new(String::new()), score: RwSignal::new(String::new()) }));
                }>"Ajouter un résultat"</button>
        </fieldset>
    }
}

pub fn resultats_de(lignes: &[LigneResultat]) -> Vec<ResultatExterne> {
    lignes.iter().map(|l| ResultatExterne { outil: l.outil.get(), score: l.score.get() }).collect()
}

#[component]
fn DiagnosticForm(d: Dossier) -> impl IntoView {
    let ctx = use_contexte();
    let navigate = use_navigate();
    let id = d.id;
    let nb = d.carnet.nb_passes;
    let init = d.diagnostic_initial.clone();
    let saisie: RwSignal<Saisie> = RwSignal::new(init.as_ref().map(|i| saisie_de(&i.niveaux)).unwrap_or_default());
    let lignes = RwSignal::new(init.as_ref().map(|i| lignes_de(&i.resultats)).unwrap_or_default());
    let observations = RwSignal::new(init.as_ref().map(|i| i.observations.clone()).unwrap_or_default());
    let pack = RwSignal::new(d.pack.as_ref().map(|p| p.code.clone()).unwrap_or_default());
    let errors = RwSignal::new(FieldErrors::new());
    let touched = RwSignal::new(false);
    let message = RwSignal::new(None::<String>);
    let summary = NodeRef::<html::Div>::new();
    let packs = RwSignal::new(None::<Vec<carnet_domain::parcours::objectifs::PackView>>);
    spawn_local(async move { packs.set(api::packs().await.ok()) });
    let premieres = Signal::derive(move || {
        let code = pack.get();
        packs
            .get()
            .and_then(|ps| ps.into_iter().find(|p| p.code == code))
            .map(|p| p.competences_visees(nb))
            .unwrap_or_default()
    });
    let request = move || DiagnosticRequest {
        niveaux: saisie.get(),
        resultats: resultats_de(&lignes.get()),
        observations: observations.get(),
        pack: pack.get(),
    };
    let etat = autosave(
        move || api::to_json(&request()),
        format!("/parcours/{id}/diagnostics/initial"),
        move |text| ctx.avance_json(&text),
        errors,
        touched,
    );
    let un_niveau = move || saisie.with_untracked(|s| s.values().any(|v| !v.trim().is_empty()));
    let pending = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req = request();
        pending.set(true);
        message.set(None);
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::save_diagnostic(id, "initial", &req).await {
                Ok(_) => navigate(&format!("/parcours/{id}/objectifs"), Default::default()),
                Err(ApiError::Invalid { fields, .. }) => errors.set(fields),
                Err(e) => message.set(Some(e.message())),
            }
            pending.set(false);
            if !errors.read_untracked().is_empty() || message.read_untracked().is_some() {
                if let Some(el) = summary.get_untracked() {
                    let _ = el.focus();
                }
            }
        });
    };

    view! {
        <Titre texte={format!("Diagnostic initial — {}", d.beneficiaire.prenom)}/>
        <p class="lead">"Pour chaque compétence, placez la personne sur l'échelle : « pas encore abordé », « avec guidage », « autonome avec guidage en cas de besoin », « autonome ». Tout est enregistré au fur et à mesure."</p>
        <ErrorSummary errors=errors message=message node_ref=summary order=Signal::derive(Vec::new)/>
        // Saved as typed once a level is set: before that there is no diagnostic to check, and no
        // error to show for it.
        <form class="form form--wide" on:submit=on_submit novalidate
            on:input=move |_| touched.set(un_niveau())
            on:change=move |_| touched.set(un_niveau())>
            <div class="panel">
                <div class="field">
                    <label for="pack">"Mode rapide : pack envisagé"</label>
                    <p class="hint" id="pack-hint">"Ses compétences s'affichent d'abord ; les autres restent accessibles. Vous confirmerez le pack à l'étape suivante."</p>
                    <FieldError name="pack" errors=errors/>
                    // Kept at once on its own (a reload shows it): choosing a pack before any level
                    // is what the page invites, and is not yet a diagnostic to check.
                    <select id="pack" aria-describedby="pack-hint pack-error"
                        on:change=move |ev| {
                            ev.stop_propagation();
                            let code = event_target_value(&ev);
                            pack.set(code.clone());
                            spawn_local(async move {
                                match api::envisager_pack(id, &PackEnvisage { pack: code }).await {
                                    Ok(_) => errors.update(|e| { e.remove("pack"); }),
                                    Err(ApiError::Invalid { fields, .. }) => errors.update(|e| e.extend(fields)),
                                    Err(e) => message.set(Some(e.message())),
                                }
                            });
                        }
                        prop:value=move || pack.get()>
                        <option value="">"Pas de pack : toutes les compétences"</option>
                        {move || packs.get().unwrap_or_default().into_iter()
                            .filter(|p| p.code != carnet_domain::parcours::objectifs::PACK_PERSONNALISE)
                            .map(|p| {
                                let code = p.code.clone();
                                view! { <option value=p.code.clone() selected=move || pack.get() == code>{p.nom}</option> }
                            }).collect_view()}
                    </select>
                </div>
            </div>
            <h2>"Compétences"</h2>
            <FieldError name="niveaux" errors=errors/>
            <GrilleNiveaux saisie=saisie errors=errors premieres=premieres/>
            <ResultatsExternes lignes=lignes errors=errors/>
            <div class="panel">
                <TextArea name="observations" label="Observations (facultatif)" value=observations errors=errors
                    hint="Ce que la personne veut apprendre, son matériel, ce qui l'aide. Rien sur sa santé ou sa situation sociale."/>
            </div>
            <StatutSauvegarde etat=etat/>
            <div class="actions">
                <button type="submit" class="button" disabled=move || pending.get()>"Enregistrer et choisir les objectifs"</button>
            </div>
        </form>
    }
}
