//! The staff app is built as several apps, one per area (« zone »), each its own Trunk entry, so
//! that a page downloads its area's code only: the server picks the entry by path
//! (server/src/web.rs, which this module mirrors). Inside an area the links are the router's;
//! a link to another area's page reaches the router's fallback, which loads that page from the
//! server (see [`AutreZoneOuIntrouvable`]): no page has to know where another area's pages are.

use crate::components::page::changer_d_app;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Zone {
    /// The public pages (login, password): their own small app.
    Publique,
    /// Venues: the map, a venue's page, imports, candidates, coverage (Leaflet and the outlines).
    Lieux,
    /// Pilotage: orders, statements, accredited structures, the ledger's journal, the buyer's
    /// dashboard (and `/` for buyers and opérateurs, which the server answers by role).
    Pilotage,
    /// Management: statistics, the team, the access journal, reminders, administration, one's
    /// account and the carnets' list, none of which a conseiller needs to lead a parcours.
    Gestion,
    /// Every other staff page.
    Personnel,
}

/// The pilotage area's pages: each path, and the pages below it.
pub const PAGES_PILOTAGE: [&str; 5] = ["/tableau", "/commandes", "/releves", "/structures", "/journal"];

/// The management area's pages: each path, and the pages below it.
pub const PAGES_GESTION: [&str; 7] =
    ["/statistiques", "/equipe", "/journal-des-acces", "/rappels", "/admin", "/compte", "/carnets"];

/// The area whose app the server answers for `chemin`.
pub fn zone_de(chemin: &str) -> Zone {
    if matches!(chemin, "/connexion" | "/mot-de-passe/oublie" | "/mot-de-passe/choisir") {
        Zone::Publique
    } else if sous(chemin, "/lieux") {
        Zone::Lieux
    } else if PAGES_PILOTAGE.iter().any(|p| sous(chemin, p)) {
        Zone::Pilotage
    } else if PAGES_GESTION.iter().any(|p| sous(chemin, p)) {
        Zone::Gestion
    } else {
        Zone::Personnel
    }
}

/// `chemin` is `page` or a page below it (`/journal/3`, not `/journal-des-acces`).
fn sous(chemin: &str, page: &str) -> bool {
    chemin.strip_prefix(page).is_some_and(|reste| reste.is_empty() || reste.starts_with('/'))
}

/// The router's fallback in the app of `zone`: a page of another area is loaded from the server
/// (in place of the history entry the router has just added); a path of this area that no route
/// matches is « Page introuvable ».
#[component]
pub fn AutreZoneOuIntrouvable(zone: Zone) -> impl IntoView {
    let chemin = use_location().pathname.get_untracked();
    if zone_de(&chemin) == zone {
        return view! { <crate::pages::not_found::NotFound/> }.into_any();
    }
    // After the router's own history change, which the page load then replaces.
    set_timeout(
        || {
            let l = window().location();
            let url = format!(
                "{}{}{}",
                l.pathname().unwrap_or_default(),
                l.search().unwrap_or_default(),
                l.hash().unwrap_or_default()
            );
            changer_d_app(&url, true);
        },
        std::time::Duration::ZERO,
    );
    view! { <main id="contenu" class="page"><p class="loading" role="status">"Chargement…"</p></main> }.into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chaque_chemin_a_sa_zone() {
        for c in ["/lieux", "/lieux/12", "/lieux/import", "/lieux/candidats/nouveau", "/lieux/couverture"] {
            assert_eq!(zone_de(c), Zone::Lieux, "{c}");
        }
        for c in [
            "/tableau",
            "/commandes",
            "/commandes/nouvelle",
            "/commandes/4",
            "/releves",
            "/releves/2",
            "/structures",
            "/journal",
        ] {
            assert_eq!(zone_de(c), Zone::Pilotage, "{c}");
        }
        for c in [
            "/statistiques",
            "/statistiques/x",
            "/equipe",
            "/journal-des-acces",
            "/rappels",
            "/admin",
            "/compte",
            "/carnets",
        ] {
            assert_eq!(zone_de(c), Zone::Gestion, "{c}");
        }
        for c in ["/connexion", "/mot-de-passe/oublie", "/mot-de-passe/choisir"] {
            assert_eq!(zone_de(c), Zone::Publique, "{c}");
        }
        for c in [
            "/",
            "/parcours/3/orientation",
            "/lieuxdits",
            "/carnetsx",
            "/journal-des-accesx",
            "/commandesx",
            "/statistiques-x",
            "/comptes",
            "/administration",
            "/parcours/3/seances",
            "/journee",
            "/mot-de-passe",
            "/connexion/x",
        ] {
            assert_eq!(zone_de(c), Zone::Personnel, "{c}");
        }
    }
}
