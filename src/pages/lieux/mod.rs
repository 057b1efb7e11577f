//! Venues: the map with its list, a venue's page, imports, candidates, coverage, orientation.

pub mod candidats;
pub mod carte;
pub mod couverture;
pub mod fiche;
pub mod import;
pub mod orientation;

use carnet_domain::lieux::candidat::StatutCandidat;
use leptos::prelude::*;

/// « 1 234 » with a narrow no-break space, as French writes thousands.
pub fn nombre(n: impl Into<i64>) -> String {
    let s = n.into().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 && c != '-' {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

pub fn pluriel(n: i64, un: &str, plusieurs: &str) -> String {
    format!("{} {}", nombre(n), if n > 1 { plusieurs } else { un })
}

#[component]
pub fn BadgePass(accepte: bool) -> impl IntoView {
    accepte.then(|| view! { <span class="badge badge--pass">"Accepte le Pass numérique"</span> })
}

#[component]
pub fn BadgeStatut(statut: StatutCandidat) -> impl IntoView {
    view! { <span class=format!("badge badge--{}", statut.code())>{statut.libelle()}</span> }
}
