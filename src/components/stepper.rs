//! The parcours stepper: every step always visible, the current one marked, done ones ticked,
//! later ones reachable only once their prerequisites are met.

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

fn index_of(etape: &str) -> usize {
    ETAPES.iter().position(|(code, _)| *code == etape).unwrap_or(0)
}

/// `reached` is the furthest step the parcours may open (its current step); `current` is the
/// one on screen.
#[component]
pub fn Stepper(parcours_id: i64, #[prop(into)] reached: String, #[prop(into)] current: String) -> impl IntoView {
    let reached_i = index_of(&reached);
    let current_i = index_of(&current);
    view! {
        <nav class="stepper" aria-label="Étapes du parcours">
            <ol>
                {ETAPES.iter().enumerate().map(|(i, (code, label))| {
                    let done = i < reached_i;
                    let is_current = i == current_i;
                    let reachable = i <= reached_i;
                    let href = if i == 0 { format!("/parcours/{parcours_id}") } else { format!("/parcours/{parcours_id}/{code}") };
                    let state = if done { "terminée" } else if reachable { "en cours" } else { "pas encore accessible" };
                    let class = format!("stepper__step{}{}{}",
                        if done { " stepper__step--done" } else { "" },
                        if is_current { " stepper__step--current" } else { "" },
                        if !reachable { " stepper__step--locked" } else { "" });
                    view! {
                        <li class=class aria-current=if is_current { Some("step") } else { None }>
                            {if reachable {
                                view! {
                                    <a href=href>
                                        <span class="stepper__num" aria-hidden="true">{if done { "✓".to_string() } else { (i + 1).to_string() }}</span>
                                        <span class="stepper__label">{*label}</span>
                                        <span class="visually-hidden">{format!(" (étape {} sur {}, {state})", i + 1, ETAPES.len())}</span>
                                    </a>
                                }.into_any()
                            } else {
                                view! {
                                    <span>
                                        <span class="stepper__num" aria-hidden="true">{(i + 1).to_string()}</span>
                                        <span class="stepper__label">{*label}</span>
                                        <span class="visually-hidden">{format!(" (étape {} sur {}, {state})", i + 1, ETAPES.len())}</span>
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
