//! Charts drawn as SVG by the app, each followed by a table of the same data (for screen readers,
//! and for anyone who would rather read the numbers).

use carnet_domain::money::format_euros;
use leptos::prelude::*;

/// One bar or one segment: label and value (cents when the chart shows money).
#[derive(Clone, Debug, PartialEq)]
pub struct Serie {
    pub label: String,
    pub valeur: i64,
}

pub fn serie(label: impl Into<String>, valeur: i64) -> Serie {
    Serie { label: label.into(), valeur }
}

fn shown(v: i64, euros: bool) -> String {
    if euros {
        format_euros(v)
    } else {
        v.to_string()
    }
}

/// The table alternative of a chart.
#[component]
fn DataTable(titre: String, colonne: &'static str, series: Vec<Serie>, euros: bool) -> impl IntoView {
    let nom = format!("Tableau : {titre}");
    view! {
        <details class="chart__data">
            <summary>"Voir les données en tableau"</summary>
            <div class="table-wrap" tabindex="0" role="region" aria-label=nom>
            <table class="table">
                <caption class="visually-hidden">{titre}</caption>
                <thead><tr><th scope="col">"Libellé"</th><th scope="col" class="num">{colonne}</th></tr></thead>
                <tbody>
                    {series.into_iter().map(|s| view! {
                        <tr><th scope="row">{s.label}</th><td class="num">{shown(s.valeur, euros)}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            </div>
        </details>
    }
}

/// Horizontal bars, one per series, longest scaled to the width.
#[component]
pub fn BarChart(
    #[prop(into)] titre: String,
    series: Vec<Serie>,
    #[prop(default = "Nombre")] colonne: &'static str,
    #[prop(optional)] euros: bool,
) -> impl IntoView {
    if series.is_empty() {
        return view! {
            <figure class="chart">
                <figcaption class="chart__title">{titre}</figcaption>
                <p class="empty">"Pas encore de données."</p>
            </figure>
        }
        .into_any();
    }
    let max = series.iter().map(|s| s.valeur).max().unwrap_or(0).max(1);
    let resume =
        series.iter().map(|s| format!("{} : {}", s.label, shown(s.valeur, euros))).collect::<Vec<_>>().join(" ; ");
    // HTML, not SVG: the text keeps the page's size (never shrunk with a narrow card or a phone)
    // and grows with text zoom; the longest bar takes the width left beside its value.
    let bars = series
        .iter()
        .map(|s| {
            let millis = s.valeur.max(0) * 1000 / max;
            view! {
                <div class="barres__ligne">
                    <span class="barres__nom">{s.label.clone()}</span>
                    <span class="barres__piste">
                        <span class="barres__barre" style=format!("width: max(2px, calc((100% - 7.5rem) * {millis} / 1000))")></span>
                        <span class="barres__valeur">{shown(s.valeur, euros)}</span>
                    </span>
                </div>
            }
        })
        .collect_view();
    view! {
        <figure class="chart">
            <figcaption class="chart__title">{titre.clone()}</figcaption>
            <div class="barres" role="img" aria-label=format!("{titre} : {resume}")>
                {bars}
            </div>
            <DataTable titre=titre colonne=colonne series=series euros=euros/>
        </figure>
    }
    .into_any()
}

/// One bar split into segments (parts of a whole), with a legend.
#[component]
pub fn StackedBar(#[prop(into)] titre: String, series: Vec<Serie>, #[prop(optional)] euros: bool) -> impl IntoView {
    let total = series.iter().map(|s| s.valeur.max(0)).sum::<i64>().max(1) as f64;
    let resume =
        series.iter().map(|s| format!("{} : {}", s.label, shown(s.valeur, euros))).collect::<Vec<_>>().join(" ; ");
    let mut x = 0.0;
    let segments = series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let w = s.valeur.max(0) as f64 / total * 600.0;
            let seg = view! { <rect x=format!("{x:.1}") y="0" width=format!("{w:.1}") height="36" class=format!("chart__seg chart__seg--{i}")></rect> };
            x += w;
            seg
        })
        .collect_view();
    let legend = series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            view! {
                <li><span class=format!("chart__swatch chart__seg--{i}") aria-hidden="true"></span>
                    {format!("{} : {}", s.label, shown(s.valeur, euros))}</li>
            }
        })
        .collect_view();
    view! {
        <figure class="chart">
            <figcaption class="chart__title">{titre.clone()}</figcaption>
            <svg viewBox="0 0 600 36" class="chart__svg chart__svg--stacked" role="img" aria-label=format!("{titre} : {resume}")>
                {segments}
            </svg>
            <ul class="chart__legend" aria-hidden="true">{legend}</ul>
            <DataTable titre=titre colonne=if euros { "Montant" } else { "Nombre" } series=series euros=euros/>
        </figure>
    }
}
