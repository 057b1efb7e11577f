//! The beneficiary's own space (« Mon parcours »), reached with a personal link and no account:
//! the JSON the server sends it, and the short code typed on the home page.
//!
//! Every text is ready to show: dates are already French words, so the small beneficiary app
//! needs neither chrono nor the vocabulary tables (it must stay light for old phones). Only what
//! the person may read about themselves is here: no conseiller's notes, no pass codes, no other
//! person.

use crate::pass_code::ALPHABET;
use serde::{Deserialize, Serialize};

/// Characters of the short code (from the pass alphabet: no 0/O, no 1/I to confuse).
pub const CODE_LONGUEUR: usize = 8;

/// Months after its parcours closed when a personal link stops working, unless the server is
/// told otherwise: the person keeps their bilan for a while, not for ever.
pub const EXPIRATION_MOIS_DEFAUT: u32 = 6;

/// The code as typed (spaces, dashes, lower case accepted) in its stored form, or `None` if it
/// cannot be a code (then it is not even looked up).
pub fn normaliser_code(saisie: &str) -> Option<String> {
    let code: String = saisie
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '.')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == CODE_LONGUEUR && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

/// « ABCD-EFGH »: two groups of four, easier to read aloud and to type.
pub fn afficher_code(code: &str) -> String {
    if code.len() == CODE_LONGUEUR {
        format!("{}-{}", &code[..4], &code[4..])
    } else {
        code.to_string()
    }
}

/// A session as the person reads it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeanceEspace {
    pub id: i64,
    /// « mardi 1er décembre 2026 ».
    pub jour: String,
    /// « de 10h00 à 11h00 ».
    pub heures: String,
    /// « Médiathèque de Brest (lieu d'activité) ».
    pub lieu: String,
    /// « Séance 2 sur 5 », or empty for a session that will not take place.
    pub numero: String,
    /// What the session is about (the theme of the plan), if known.
    pub theme: Option<String>,
    /// What to bring: the carnet of passes, and the device used so far.
    pub apporter: Vec<String>,
    /// « Prévue », « Annulée : vous avez prévenu », …
    pub etat: String,
    /// « Je ne pourrai pas venir » is possible (planned, in the future).
    pub peut_prevenir: bool,
}

/// A session held: when, and what was learned (themes and skills, never private notes).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeanceTenueEspace {
    pub jour: String,
    pub numero: String,
    pub theme: Option<String>,
    pub appris: Vec<String>,
}

/// One objective and how far it is.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ObjectifEspace {
    /// The skill in plain words.
    pub libelle: String,
    /// « Autonome », « Avec guidage »…
    pub niveau_vise: String,
    /// Sessions held that worked on it, and sessions planned for it in all.
    pub seances_faites: i64,
    pub seances_prevues: i64,
    /// Reached or not, once the bilan is written.
    pub atteint: Option<bool>,
    /// The whole state in words (for screen readers and print): « 2 séances sur 3 faites ».
    pub texte: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BilanEspace {
    /// « jeudi 3 décembre 2026 ».
    pub date: String,
    pub atteints: i64,
    pub total: i64,
    /// Where to go next (a Coop label), if the conseiller chose one.
    pub orientation: Option<String>,
    pub recommandations: String,
}

/// `GET /api/v1/espace` (the token in `Authorization: Bearer`): everything the person's page shows.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Espace {
    pub prenom: String,
    /// The conseiller's first name and the structure: whom to call.
    pub conseiller: String,
    pub structure: String,
    /// The structure's phone and address.
    #[serde(default)]
    pub coordonnees: crate::structure::Coordonnees,
    pub termine: bool,
    pub seances_tenues: i64,
    pub seances_total: i64,
    pub prochaine: Option<SeanceEspace>,
    pub suivantes: Vec<SeanceEspace>,
    /// Most recent first.
    pub tenues: Vec<SeanceTenueEspace>,
    pub objectifs: Vec<ObjectifEspace>,
    pub bilan: Option<BilanEspace>,
    /// The `.ics` file to download, by the calendar's own token; empty when the conseiller
    /// revoked that token.
    pub ics: String,
    /// The calendar address to subscribe to (the calendar's own token, read-only): only with
    /// the person's « agenda » consent.
    pub agenda: Option<String>,
    /// The nearest places that accept the Pass, nearest first.
    #[serde(default)]
    pub lieux: Vec<LieuEspace>,
    /// Reminders of sessions (e-mail, SMS) are sent: the person may stop them in one click.
    #[serde(default)]
    pub rappels: bool,
}

/// A place that accepts the Pass, in words ready to show.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LieuEspace {
    pub nom: String,
    /// Street, postcode and town.
    pub adresse: String,
    /// « à 2,3 km »
    pub distance: String,
    pub telephone: Option<String>,
}

/// `POST /api/v1/espace/code`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CodeRequest {
    pub code: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CodeTrouve {
    pub jeton: String,
}

/// Answer to « Je ne pourrai pas venir ».
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Prevenu {
    pub message: String,
}

/// Staff side: the state of a parcours' personal link (`GET /api/v1/parcours/{id}/lien`). The
/// link itself is never stored, so it is shown only when (re)issued.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LienEtat {
    pub actif: bool,
    /// « lundi 23 novembre 2026 à 10h12 par Camille Martin ».
    pub cree: Option<String>,
    /// The « agenda » consent: whether the calendar feed works.
    pub agenda: bool,
    /// The link has a working calendar token (the conseiller may revoke it alone).
    #[serde(default)]
    pub jeton_agenda: bool,
    /// When a working link stops opening anything (« 3 juin 2027 »): set once the parcours is
    /// closed.
    #[serde(default)]
    pub expire_le: Option<String>,
    /// That day has come: the link opens nothing any more.
    #[serde(default)]
    pub expire: bool,
}

/// Staff side: a link just issued (`POST /api/v1/parcours/{id}/lien`), shown once.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LienEmis {
    pub url: String,
    /// « ABCD-EFGH ».
    pub code: String,
    /// The address of the home page where the code is typed.
    pub accueil: String,
    /// The QR code of `url`, as an SVG drawn by the server.
    pub qr_svg: String,
    pub etat: LienEtat,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_typed_loosely_are_recognised() {
        assert_eq!(normaliser_code("abcd-efgh").as_deref(), Some("ABCDEFGH"));
        assert_eq!(normaliser_code(" AB CD EF GH ").as_deref(), Some("ABCDEFGH"));
        assert_eq!(normaliser_code("K7PM.4QXR").as_deref(), Some("K7PM4QXR"));
    }

    #[test]
    fn what_cannot_be_a_code_is_refused() {
        assert_eq!(normaliser_code(""), None);
        assert_eq!(normaliser_code("ABCDEFG"), None);
        assert_eq!(normaliser_code("ABCDEFGHJ"), None);
        // 0, 1, O and I are not in the alphabet.
        assert_eq!(normaliser_code("ABCDEFG0"), None);
        assert_eq!(normaliser_code("ABCDEFGI"), None);
        assert_eq!(normaliser_code("ABCDÉFGH"), None);
    }

    #[test]
    fn codes_are_shown_in_two_groups() {
        assert_eq!(afficher_code("ABCDEFGH"), "ABCD-EFGH");
        assert_eq!(afficher_code("ABC"), "ABC");
    }
}
