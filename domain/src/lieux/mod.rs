//! Venues (lieux de médiation numérique) in the national data standard, and what Carnet adds:
//! Pass numérique acceptance, accreditation of candidate venues, territories of the hubs.
//!
//! Always compiled (the app uses them): the enumerations, identifier checks, territories, the
//! API types and the candidate pipeline. With the `standard` feature (the default; the server
//! has it, the app does not): CSV/JSON import in both versions, the v1.0.2 export, and opening
//! hours (OSM `opening_hours`, evaluated with the `opening-hours` crate).

pub mod api;
pub mod candidat;
pub mod geo;
pub mod identifiants;
pub mod territoires;
mod territoires_data;
pub mod vocabulaire;

#[cfg(feature = "standard")]
pub mod csv;
#[cfg(feature = "standard")]
pub mod export;
#[cfg(feature = "standard")]
pub mod horaires;
#[cfg(feature = "standard")]
pub mod import;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The 32 fields of schema v1.0.2, typed. Multi-valued fields are lists of the standard's exact
/// values; optional text is `None` rather than empty.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LieuStandard {
    pub id: String,
    pub pivot: String,
    pub nom: String,
    pub commune: String,
    pub code_postal: String,
    pub code_insee: Option<String>,
    pub adresse: String,
    pub complement_adresse: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub typologie: Vec<String>,
    pub telephone: Option<String>,
    pub courriels: Vec<String>,
    pub site_web: Vec<String>,
    pub horaires: Option<String>,
    pub presentation_resume: Option<String>,
    pub presentation_detail: Option<String>,
    pub source: Option<String>,
    pub itinerance: Vec<String>,
    pub structure_parente: Option<String>,
    pub date_maj: NaiveDate,
    pub services: Vec<String>,
    pub publics_specifiquement_adresses: Vec<String>,
    pub prise_en_charge_specifique: Vec<String>,
    pub frais_a_charge: Vec<String>,
    pub dispositif_programmes_nationaux: Vec<String>,
    pub formations_labels: Vec<String>,
    pub autres_formations_labels: Option<String>,
    pub modalites_acces: Vec<String>,
    pub modalites_accompagnement: Vec<String>,
    pub fiche_acces_libre: Option<String>,
    pub prise_rdv: Option<String>,
}

/// Column names of schema v1.0.2, in its order (the export's header).
pub const CHAMPS_V1: [&str; 32] = [
    "id",
    "pivot",
    "nom",
    "commune",
    "code_postal",
    "code_insee",
    "adresse",
    "complement_adresse",
    "latitude",
    "longitude",
    "typologie",
    "telephone",
    "courriels",
    "site_web",
    "horaires",
    "presentation_resume",
    "presentation_detail",
    "source",
    "itinerance",
    "structure_parente",
    "date_maj",
    "services",
    "publics_specifiquement_adresses",
    "prise_en_charge_specifique",
    "frais_a_charge",
    "dispositif_programmes_nationaux",
    "formations_labels",
    "autres_formations_labels",
    "modalites_acces",
    "modalites_accompagnement",
    "fiche_acces_libre",
    "prise_rdv",
];

/// Column names of schema v0.1.1, in its order.
pub const CHAMPS_V0: [&str; 29] = [
    "id",
    "pivot",
    "nom",
    "commune",
    "code_postal",
    "code_insee",
    "adresse",
    "complement_adresse",
    "latitude",
    "longitude",
    "cle_ban",
    "typologie",
    "telephone",
    "courriel",
    "site_web",
    "horaires",
    "presentation_resume",
    "presentation_detail",
    "source",
    "structure_parente",
    "date_maj",
    "services",
    "publics_accueillis",
    "conditions_acces",
    "labels_nationaux",
    "labels_autres",
    "modalites_accompagnement",
    "accessibilite",
    "prise_rdv",
];

/// What a file says about the Pass numérique (v0.1's « Accepte le Pass numérique » condition or
/// `APTIC` label; our own mention in v1's `autres_formations_labels`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PassNumerique {
    pub accepte: bool,
    pub operateur: Option<String>,
}

/// The operator named by v0.1's `APTIC` label.
pub const OPERATEUR_APTIC: &str = "APTIC";

/// How our export mentions Pass acceptance in v1's free-text `autres_formations_labels` (v1 has
/// no Pass value); the import recognises it, so an export re-imports identically.
pub const MENTION_PASS: &str = "Pass numérique accepté";

pub fn mention_pass(pass: &PassNumerique) -> Option<String> {
    if !pass.accepte {
        return None;
    }
    Some(match &pass.operateur {
        Some(op) => format!("{MENTION_PASS} (opérateur : {op})"),
        None => MENTION_PASS.to_string(),
    })
}

/// Reads our mention back: `Some` when `part` is one.
pub fn lire_mention_pass(part: &str) -> Option<PassNumerique> {
    let rest = part.trim().strip_prefix(MENTION_PASS)?.trim();
    if rest.is_empty() {
        return Some(PassNumerique { accepte: true, operateur: None });
    }
    let op = rest.strip_prefix("(opérateur :")?.strip_suffix(')')?.trim();
    Some(PassNumerique { accepte: true, operateur: (!op.is_empty()).then(|| op.to_string()) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pass_mention_round_trip() {
        for p in [
            PassNumerique { accepte: true, operateur: None },
            PassNumerique { accepte: true, operateur: Some("APTIC".into()) },
        ] {
            assert_eq!(lire_mention_pass(&mention_pass(&p).unwrap()), Some(p));
        }
        assert_eq!(mention_pass(&PassNumerique::default()), None);
        assert_eq!(lire_mention_pass("Label et la bête"), None);
    }
}
