//! The intake-versus-bilan chart, drawn as plain SVG (no chart library in the wasm), always
//! next to a table of the same data.

use carnet_domain::parcours::competences::{self, Niveau};
use carnet_domain::parcours::diagnostic::{Comparaison, Evolution};
use leptos::prelude::*;

// Whole numbers only: formatting floats would bring float printing into the wasm.
const W: i32 = 640;
const LABEL: i32 = 230;
const BAR: i32 = 12;
const ROW: i32 = 38;
const TOP: i32 = 30;

fn court(n: Niveau) -> &'static str {
    match n {
        Niveau::PasEncoreAborde => "Pas abordé",
        Niveau::EntierementAccompagne => "Avec guidage",
        Niveau::PartiellementAutonome => "Guidage si besoin",
        Niveau::Autonome => "Autonome",
    }
}

fn x_of(n: Niveau) -> i32 {
    let plot = W - LABEL - 60;
    // Level 0 still shows a stub, so a bar is never missing.
    6 + plot * n.rang() as i32 / 3
}

fn raccourci(t: &str, max: usize) -> String {
    if t.chars().count() <= max {
        t.to_string()
    } else {
        format!("{}…", t.chars().take(max - 1).collect::<String>())
    }
}

/// A one-line summary for the chart's accessible name.
pub fn resume(c: &Comparaison) -> String {
    format!(
        "{} compétence{} en progrès, {} stable{}, {} en recul",
        c.progres,
        if c.progres > 1 { "s" } else { "" },
        c.stables,
        if c.stables > 1 { "s" } else { "" },
        c.reculs
    )
}

#[component]
pub fn ComparaisonChart(#[prop(into)] comparaison: Signal<Comparaison>) -> impl IntoView {
    view! {
        <figure class="chart">
            {move || {
                let c = comparaison.get();
                if c.lignes.is_empty() {
                    return view! { <p class="empty">"Aucune compétence évaluée pour l'instant."</p> }.into_any();
                }
                let h = TOP + ROW * c.lignes.len() as i32 + 10;
                let label = format!("Graphique : niveaux au début et à la fin du parcours. {}.", resume(&c));
                view! {
                    <svg viewBox=format!("0 0 {W} {h}") role="img" aria-label=label class="chart__svg"
                        preserveAspectRatio="xMinYMin meet">
                        <defs>
                            <pattern id="hachures" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                                <rect width="6" height="6" fill="#e5e7eb"/>
                                <line x1="0" y1="0" x2="0" y2="6" stroke="#4b5563" stroke-width="3"/>
                            </pattern>
                        </defs>
                        {Niveau::TOUS.into_iter().map(|n| {
                            let x = LABEL + x_of(n);
                            view! {
                                <line x1=x x2=x y1={TOP - 6} y2={h - 6} stroke="#d1d5db" stroke-width="1"/>
                                <text x=x y={TOP - 12} font-size="11" text-anchor="middle" fill="#374151">{court(n)}</text>
                            }
                        }).collect_view()}
                        {c.lignes.iter().enumerate().map(|(i, l)| {
                            let y = TOP + ROW * i as i32;
                            let titre = competences::titre(&l.competence).unwrap_or("");
                            let nom = format!("{} {}", l.competence, raccourci(titre, 30));
                            let bar = |n: Option<Niveau>, dy: i32, fill: &'static str| n.map(|n| view! {
                                <rect x=LABEL y={y + dy} width=x_of(n) height=BAR fill=fill stroke="#374151" stroke-width="0.5"/>
                            });
                            view! {
                                <g>
                                    <text x="0" y={y + BAR + 5} font-size="12" fill="#111827">{nom}</text>
                                    {bar(l.initial, 0, "url(#hachures)")}
                                    {bar(l.final_, BAR + 3, "#1d4ed8")}
                                </g>
                            }
                        }).collect_view()}
                    </svg>
                }.into_any()
            }}
            <figcaption class="chart__legend">
                <span class="legend legend--initial" aria-hidden="true"></span>" Au début du parcours "
                <span class="legend legend--final" aria-hidden="true"></span>" À la fin du parcours"
            </figcaption>
        </figure>
        <div class="table-wrap">
            <table class="table table--compact">
                <caption>"Niveaux au début et à la fin du parcours"</caption>
                <thead><tr>
                    <th scope="col">"Compétence"</th>
                    <th scope="col">"Au début"</th>
                    <th scope="col">"À la fin"</th>
                    <th scope="col">"Évolution"</th>
                </tr></thead>
                <tbody>
                    {move || comparaison.get().lignes.into_iter().map(|l| {
                        let cell = |n: Option<Niveau>| n.map(|n| n.libelle()).unwrap_or("Non évalué");
                        let evo = match (l.evolution, l.ecart) {
                            (Evolution::Progres, Some(e)) => format!("En progrès (+{e})"),
                            (Evolution::Recul, Some(e)) => format!("En recul ({e})"),
                            (e, _) => e.libelle().to_string(),
                        };
                        view! {
                            <tr>
                                <th scope="row">{competences::libelle(&l.competence)}</th>
                                <td>{cell(l.initial)}</td>
                                <td>{cell(l.final_)}</td>
                                <td>{evo}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
