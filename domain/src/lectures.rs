//! The first reads of a staff page, which the server sends inside the page when it knows who is
//! asking: on a slow connection each read the app makes after starting costs a round trip,
//! and a warm visit (the app's files already cached) is otherwise three in a row (the page, the
//! session, the page's data). The paths are written here once, for the app, which asks them,
//! and for the server, which reads them in advance; a path that differs by one character is
//! simply fetched as before.
//!
//! In the page, each answer is a data block (never executed) whose `id` is its address,
//! `<script type="application/json" id="/api/v1/auth/session">…</script>`, which the app takes
//! once, the first time it asks that address.

use crate::api::Role;

/// Where the API lives: the paths below are under it.
pub const BASE: &str = "/api/v1";

/// Who is logged in, asked by every staff page as it starts.
pub const SESSION: &str = "/auth/session";

/// The conseiller's dashboard: the day, the next sessions, the parcours.
pub const TABLEAU_DE_BORD: &str = "/tableau-de-bord";

/// A page of the structure's beneficiaries; `q` is already percent-encoded.
pub fn beneficiaires(q: &str, page: u32) -> String {
    format!("/beneficiaires?q={q}&page={page}")
}

/// What every staff page reads first, whatever its area: who is logged in (as each area's app
/// starts).
pub fn de_chaque_page() -> Vec<String> {
    vec![SESSION.to_string()]
}

/// What `/` reads first for `role`, which the server may send with it: the session, and for
/// conseillers and coordinateurs (their home is their dashboard) its two reads: the agenda, and
/// the beneficiaries' first page when the address asks no other (`sans_parametres`: `/` with no
/// query).
pub fn accueil(role: Role, sans_parametres: bool) -> Vec<String> {
    let mut chemins = de_chaque_page();
    if matches!(role, Role::Conseiller | Role::Coordinateur) {
        chemins.push(TABLEAU_DE_BORD.to_string());
        if sans_parametres {
            chemins.push(beneficiaires("", 1));
        }
    }
    chemins
}
