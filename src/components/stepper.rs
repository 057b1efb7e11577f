//! The parcours stepper: every step always visible, the current one marked, done ones ticked,
//! later ones reachable only once their prerequisites are met.

use carnet_domain::parcours::etapes::Etape;
use leptos::prelude::*;

/// The steps of a parcours, in order, with the route segment of each.
pub const ETAPES: &[(&str, &str)] = &[
    ("accueil", "Accueil"),
    ("diagnostic", "Diagnostic"),
    ("objectifs", "Objectifs"),
    ("planning", "Planning"),
    ("seances", "Séances"),
    ("bilan", "Bilan"),
];

/// The page of a step.
pub fn href(parcours_id: i64, etape: Etape) -> String {
    match etape {
        Etape::Accueil => format!("/parcours/{parcours_id}"),
        e => format!("/parcours/{parcours_id}/{}", e.code()),
    }
}

/// `reached` is the furthest step the parcours may open (it follows each save); `current` is the
/// one on screen; `termine` ticks every step.
#[component]
pub fn Stepper(
    parcours_id: i64,
    #[prop(into)] reached: Signal<Etape>,
    current: Etape,
    #[prop(optional)] termine: bool,
) -> impl IntoView {
    view! {
        <nav class="stepper" aria-label="Étapes du parcours">
            <ol>
                {Etape::TOUTES.into_iter().map(|e| {
                    let i = e.numero();
                    let is_current = e == current;
                    let done = move || termine || e < reached.get();
                    let reachable = move || e <= reached.get();
                    let state = move || if done() { "terminée" } else if reachable() { "accessible" } else { "pas encore accessible" };
                    let class = move || format!("stepper__step{}{}{}",
                        if done() { " stepper__step--done" } else { "" },
                        if is_current { " stepper__step--current" } else { "" },
                        if !reachable() { " stepper__step--locked" } else { "" });
                    let num = move || if done() { "✓".to_string() } else { i.to_string() };
                    let hidden = move || format!(" (étape {i} sur 6, {}{})", state(), if is_current { ", affichée" } else { "" });
                    view! {
                        <li class=class>
                            {move || if reachable() {
                                view! {
                                    <a href=href(parcours_id, e) aria-current=is_current.then_some("step")>
                                        <span class="stepper__num" aria-hidden="true">{num}</span>
                                        <span class="stepper__label">{e.libelle()}</span>
                                        <span class="visually-hidden">{hidden}</span>
                                    </a>
                                }.into_any()
                            } else {
                                view! {
                                    <span aria-current=is_current.then_some("step")>
                                        <span class="stepper__num" aria-hidden="true">{num}</span>
                                        <span class="stepper__label">{e.libelle()}</span>
                                        <span class="visually-hidden">{hidden}</span>
                                    </span>
                                }.into_any()
                            }}
                        </li>
                    }
                }).collect_view()}
            </ol>
        </nav>
    }
}
