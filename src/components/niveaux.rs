//! The competence grid of a diagnostic (intake and bilan): the 16 competences grouped by their 5
//! domains, each placed on the one scale; in quick mode the pack's competences come first and
//! the others wait in a closed section.

use crate::components::form::FieldError;
use carnet_domain::api::FieldErrors;
use carnet_domain::parcours::competences::{Niveau, Niveaux, DOMAINES};
use carnet_domain::parcours::diagnostic::champ_niveau;
use leptos::prelude::*;
use std::collections::BTreeMap;

/// Competence code → level code (empty: not assessed), as the form holds it.
pub type Saisie = BTreeMap<String, String>;

// Maps are built by insertion: `collect()` into a BTreeMap sorts first, and each sort is compiled
// anew into the wasm.
pub fn saisie_de(n: &Niveaux) -> Saisie {
    let mut s = Saisie::new();
    for (c, n) in n {
        s.insert(c.clone(), n.code().to_string());
    }
    s
}

/// Typed levels of a form (unknown codes left out).
pub fn niveaux_de(s: &Saisie) -> Niveaux {
    let mut out = Niveaux::new();
    for (c, n) in s {
        if let Some(n) = Niveau::parse(n) {
            out.insert(c.clone(), n);
        }
    }
    out
}

#[component]
fn Competence(
    code: &'static str,
    titre: &'static str,
    saisie: RwSignal<Saisie>,
    errors: RwSignal<FieldErrors>,
    repere: Option<Niveau>,
    repere_label: &'static str,
) -> impl IntoView {
    let field = champ_niveau(code);
    let invalid = {
        let f = field.clone();
        Signal::derive(move || errors.read().contains_key(&f))
    };
    let choices: Vec<(&'static str, &'static str)> =
        Niveau::TOUS.iter().map(|n| (n.code(), n.libelle())).chain(std::iter::once(("", "Non évalué"))).collect();
    view! {
        <fieldset class="niveau" id=field.clone() class:field--invalid=invalid>
            <legend><span class="niveau__code">{code}</span>" "{titre}</legend>
            {repere.map(|n| view! { <p class="hint">{format!("{repere_label} : {}", n.libelle())}</p> })}
            <FieldError name=field.clone() errors=errors/>
            <div class="niveau__choix">
                {choices.into_iter().map(|(value, label)| {
                    let id = format!("{field}-{}", if value.is_empty() { "non_evalue" } else { value });
                    let for_id = id.clone();
                    view! {
                        <label class="choix" for=for_id>
                            <input type="radio" id=id name=field.clone() value=value
                                prop:checked=move || saisie.read().get(code).map(String::as_str).unwrap_or("") == value
                                on:change=move |_| saisie.update(|s| {
                                    if value.is_empty() { s.remove(code); } else { s.insert(code.to_string(), value.to_string()); }
                                })/>
                            <span>{label}</span>
                        </label>
                    }
                }).collect_view()}
            </div>
        </fieldset>
    }
}

/// The grid. `premieres`: competences shown first (quick mode); `repere`: levels to show as a
/// hint under each competence (the intake's, at the bilan).
#[component]
pub fn GrilleNiveaux(
    saisie: RwSignal<Saisie>,
    errors: RwSignal<FieldErrors>,
    #[prop(into)] premieres: Signal<Vec<String>>,
    #[prop(optional)] repere: Option<Niveaux>,
    #[prop(default = "Au diagnostic initial")] repere_label: &'static str,
) -> impl IntoView {
    let repere = StoredValue::new(repere.unwrap_or_default());
    let item = move |code: &'static str, titre: &'static str| {
        let r = repere.with_value(|r| r.get(code).copied());
        view! { <Competence code titre saisie errors repere=r repere_label/> }
    };
    let domaine = move |d: &'static carnet_domain::parcours::competences::Domaine, garder: &dyn Fn(&str) -> bool| {
        let items: Vec<_> = d.competences.iter().filter(|(c, _)| garder(c)).map(|(c, t)| item(c, t)).collect();
        (!items.is_empty()).then(|| {
            view! {
                <section class="domaine">
                    <h3>{format!("{}. {}", d.code, d.titre)}</h3>
                    {items}
                </section>
            }
        })
    };
    move || {
        let first = premieres.get();
        if first.is_empty() {
            DOMAINES.iter().map(|d| domaine(d, &|_| true)).collect_view().into_any()
        } else {
            let f1 = first.clone();
            let f2 = first.clone();
            view! {
                <section class="panel panel--accent">
                    <h3>"Les compétences visées par le pack"</h3>
                    {DOMAINES.iter().map(|d| domaine(d, &|c| f1.iter().any(|x| x == c))).collect_view()}
                </section>
                <details class="autres-competences">
                    <summary>{format!("Les {} autres compétences (facultatif)", 16 - first.len())}</summary>
                    {DOMAINES.iter().map(|d| domaine(d, &|c| !f2.iter().any(|x| x == c))).collect_view()}
                </details>
            }
            .into_any()
        }
    }
}
