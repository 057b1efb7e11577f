//! The intake-versus-bilan chart, drawn in HTML and CSS (no chart library in the wasm), always
//! next to a table of the same data.

use carnet_domain::parcours::competences::{self, Niveau};
use carnet_domain::parcours::diagnostic::{Comparaison, Evolution};
use leptos::prelude::*;

fn court(n: Niveau) -> &'static str {
    match n {
        Niveau::PasEncoreAborde => "Pas abordé",
        Niveau::EntierementAccompagne => "Avec guidage",
        Niveau::PartiellementAutonome => "Guidage si besoin",
        Niveau::Autonome => "Autonome",
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
                let label = format!("Graphique : niveaux au début et à la fin du parcours. {}.", resume(&c));
                // HTML, not SVG: the text keeps the page's size on a phone and grows with text zoom.
                // Each bar ends with its level's name, so no axis has to be read from afar.
                let barre = |n: Option<Niveau>, class: &'static str| n.map(|n| view! {
                    <span class="niveaux__barre">
                        <span class=format!("niveaux__rect {class}")
                            style=format!("width: calc((100% - 9.5rem) * {} / 3 + 0.5rem)", n.rang())></span>
                        <span class="niveaux__niveau">{court(n)}</span>
                    </span>
                });
                view! {
                    <div class="niveaux" role="img" aria-label=label>
                        {c.lignes.iter().map(|l| view! {
                            <div class="niveaux__ligne">
                                <span class="niveaux__nom">{competences::libelle(&l.competence)}</span>
                                <span class="niveaux__barres">
                                    {barre(l.initial, "niveaux__rect--initial")}
                                    {barre(l.final_, "niveaux__rect--final")}
                                </span>
                            </div>
                        }).collect_view()}
                    </div>
                }.into_any()
            }}
            <figcaption class="chart__legend">
                <span class="legend legend--initial" aria-hidden="true"></span>" Au début du parcours "
                <span class="legend legend--final" aria-hidden="true"></span>" À la fin du parcours"
            </figcaption>
        </figure>
        <div class="table-wrap" tabindex="0" role="region" aria-label="Tableau des niveaux">
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
