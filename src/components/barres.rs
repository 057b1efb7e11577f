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

fn short(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_string()
    } else {
        format!("{}…", label.chars().take(max - 1).collect::<String>())
    }
}

/// The table alternative of a chart.
#[component]
fn DataTable(titre: String, colonne: &'static str, series: Vec<Serie>, euros: bool) -> impl IntoView {
    view! {
        <details class="chart__data">
            <summary>"Voir les données en tableau"</summary>
            <table class="table">
                <caption class="visually-hidden">{titre}</caption>
                <thead><tr><th scope="col">"Libellé"</th><th scope="col" class="num">{colonne}</th></tr></thead>
                <tbody>
                    {series.into_iter().map(|s| view! {
                        <tr><th scope="row">{s.label}</th><td class="num">{shown(s.valeur, euros)}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
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
    let max = series.iter().map(|s| s.valeur).max().unwrap_or(0).max(1) as f64;
    let row = 34;
    let height = series.len() as i32 * row + 8;
    let resume =
        series.iter().map(|s| format!("{} : {}", s.label, shown(s.valeur, euros))).collect::<Vec<_>>().join(" ; ");
    let bars = series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let y = i as i32 * row + 4;
            let w = ((s.valeur.max(0) as f64 / max) * 300.0).round() as i32;
            view! {
                <g>
                    <text x="0" y=y + 21 class="chart__label">{short(&s.label, 26)}</text>
                    <rect x="200" y=y + 4 width=w.max(1) height="24" rx="3" class="chart__bar"></rect>
                    <text x=206 + w y=y + 21 class="chart__value">{shown(s.valeur, euros)}</text>
                </g>
            }
        })
        .collect_view();
    view! {
        <figure class="chart">
            <figcaption class="chart__title">{titre.clone()}</figcaption>
            <svg viewBox=format!("0 0 620 {height}") class="chart__svg" role="img" aria-label=format!("{titre} : {resume}")>
                {bars}
            </svg>
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
