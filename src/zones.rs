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
    /// A new parcours: `/parcours/nouveau`, the intake.
    Accueil,
    /// A parcours' steps after the intake, the wizard gone through once per parcours: its
    /// diagnostic, objectives, planning and bilan.
    Etapes,
    /// A parcours' other pages: `/parcours/{id}`, its sessions, the personal link's sheet, the
    /// orientation towards a venue.
    Parcours,
    /// Every other staff page: the dashboard (and the hubs' home), a beneficiary's pages, the
    /// notice, the day's list.
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
    } else if sous(chemin, "/parcours/nouveau") {
        Zone::Accueil
    } else if let Some(page) = page_d_un_parcours(chemin) {
        if ETAPES.iter().any(|e| sous(page, e)) {
            Zone::Etapes
        } else {
            Zone::Parcours
        }
    } else {
        Zone::Personnel
    }
}

/// The pages of a parcours (below `/parcours/{id}`) that are steps of the wizard, each with the
/// pages below it.
pub const ETAPES: [&str; 4] = ["/diagnostic", "/objectifs", "/planning", "/bilan"];

/// For `/parcours/{id}` and below (`{id}` any segment but `nouveau`), what follows `{id}`
/// (empty for the parcours' own page).
fn page_d_un_parcours(chemin: &str) -> Option<&str> {
    let reste = chemin.strip_prefix("/parcours/")?;
    let (id, page) = reste.split_at(reste.find('/').unwrap_or(reste.len()));
    (!id.is_empty() && id != "nouveau").then_some(page)
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
        assert_eq!(zone_de("/parcours/nouveau"), Zone::Accueil);
        for c in [
            "/parcours/3/diagnostic",
            "/parcours/3/objectifs",
            "/parcours/3/planning",
            "/parcours/3/bilan",
            "/parcours/3/bilan/imprimer",
        ] {
            assert_eq!(zone_de(c), Zone::Etapes, "{c}");
        }
        for c in [
            "/parcours/3",
            "/parcours/3/",
            "/parcours/3/seances",
            "/parcours/3/seances/7",
            "/parcours/3/lien/imprimer",
            "/parcours/3/orientation",
            "/parcours/3/bilans",
            "/parcours/nouveaux",
        ] {
            assert_eq!(zone_de(c), Zone::Parcours, "{c}");
        }
        for c in [
            "/",
            "/parcours",
            "/parcours/",
            "/parcoursx/3",
            "/beneficiaires/3",
            "/beneficiaires/3/donnees",
            "/notice-information",
            "/lieuxdits",
            "/carnetsx",
            "/journal-des-accesx",
            "/commandesx",
            "/statistiques-x",
            "/comptes",
            "/administration",
            "/journee",
            "/mot-de-passe",
            "/connexion/x",
        ] {
            assert_eq!(zone_de(c), Zone::Personnel, "{c}");
        }
    }
}
