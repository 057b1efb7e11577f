//! The JSON shapes of `/api/v1/lieux/...` shared by the app and the server.

use super::{LieuStandard, PassNumerique};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The filters of the map and of the list beside it (query string of both endpoints).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct FiltresLieux {
    /// Words of the name, commune or address (accents and case ignored).
    pub q: String,
    /// A v1.0.2 service value.
    pub service: String,
    /// Only venues that accept the Pass numérique.
    pub pass: bool,
    /// A v1.0.2 `dispositif_programmes_nationaux` value.
    pub programme: String,
    /// A v1.0.2 `publics_specifiquement_adresses` or `prise_en_charge_specifique` value.
    pub public: String,
    /// Only venues open now (Paris time, by their `horaires`).
    pub ouvert: bool,
    /// A département code.
    pub departement: String,
}

fn enc(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

impl FiltresLieux {
    /// `q=…&service=…` with only the filters set (no leading `?`).
    pub fn query(&self) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("q", &self.q),
            ("service", &self.service),
            ("programme", &self.programme),
            ("public", &self.public),
            ("departement", &self.departement),
        ] {
            if !v.trim().is_empty() {
                parts.push(format!("{k}={}", enc(v.trim())));
            }
        }
        if self.pass {
            parts.push("pass=true".into());
        }
        if self.ouvert {
            parts.push("ouvert=true".into());
        }
        parts.join("&")
    }
}

/// The visible part of the map and its zoom level (Leaflet's).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Vue {
    pub zoom: u8,
    pub ouest: f64,
    pub sud: f64,
    pub est: f64,
    pub nord: f64,
}

/// A count for a région or a département (zoomed out).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ZoneCarte {
    pub code: String,
    pub nom: String,
    pub lat: f32,
    pub lon: f32,
    pub n: u32,
    /// How many of them accept the Pass.
    pub pass: u32,
}

/// A cluster of nearby venues: `[lat, lon, count, accepting the Pass, commune most of them are in]`.
/// The commune names the cluster for people who cannot see where it sits (« 66 lieux autour de Lyon »).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Grappe(pub f32, pub f32, pub u32, pub u32, pub String);

/// Diameter in screen pixels of the bubble that shows a count on the map. The app draws it; the
/// server uses the same size to keep two bubbles from covering each other's numbers.
pub fn diametre_bulle(n: u32) -> f64 {
    (28.0 + (n.max(1) as f64).log10() * 10.0).round()
}

/// One venue on the map: `[id, lat, lon, accepts the Pass (0/1), name]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PointCarte(pub i64, pub f32, pub f32, pub u8, pub String);

/// What the map draws for a view: counts per région or département when zoomed out, clusters
/// then points when zoomed in. Computed by the server, so the browser never holds all venues.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CarteReponse {
    /// « regions », « departements », « grappes » or « points ».
    pub niveau: String,
    /// Venues matching the filters, in all France.
    pub total: u32,
    /// Of which inside the view.
    pub dans_vue: u32,
    pub zones: Vec<ZoneCarte>,
    pub grappes: Vec<Grappe>,
    pub points: Vec<PointCarte>,
    /// Counts of the overseas départements (outside the metropolitan map), always given.
    pub outre_mer: Vec<ZoneCarte>,
}

/// Map settings: tiles are off unless the server is configured with a tile URL.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CarteConfig {
    /// Template such as `https://tile.example/{z}/{x}/{y}.png`; `None`: outlines only.
    pub tuiles_url: Option<String>,
    pub attribution: Option<String>,
    /// Where the map opens for this user (a hub: its territory); `None`: metropolitan France.
    #[serde(default)]
    pub territoire: Option<Vue>,
}

/// One line of the list beside the map.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LieuResume {
    pub id: i64,
    pub nom: String,
    pub adresse: String,
    pub commune: String,
    pub code_postal: String,
    pub departement: String,
    pub accepte_pass: bool,
    /// `None` when the venue gives no (readable) hours.
    pub ouvert: Option<bool>,
    pub services: Vec<String>,
}

/// A day of the week and its opening ranges (« 09:00–12:00 »).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HorairesJour {
    pub jour: String,
    pub date: NaiveDate,
    pub plages: Vec<String>,
}

/// Opening hours as shown: evaluated by the server at the time of the request (Paris time).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HorairesVue {
    /// The `horaires` value of the standard.
    pub texte: String,
    pub ouvert: Option<bool>,
    /// « Ouvert maintenant, jusqu'à 12:00 ».
    pub statut: String,
    pub semaine: Vec<HorairesJour>,
    /// Set when the value cannot be read.
    pub erreur: Option<String>,
}

/// One event of a venue's accreditation story.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvenementLieu {
    pub at: DateTime<Utc>,
    /// The date the event happened (may be earlier than when it was recorded).
    pub date: Option<NaiveDate>,
    pub qui: String,
    pub quoi: String,
    pub note: Option<String>,
}

/// A venue's page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LieuDetail {
    pub id: i64,
    pub lieu: LieuStandard,
    pub departement: String,
    pub pass: PassNumerique,
    /// « agree » when accredited through Carnet's pipeline.
    pub statut_agrement: Option<String>,
    pub agree_le: Option<NaiveDate>,
    pub horaires: Option<HorairesVue>,
    pub historique: Vec<EvenementLieu>,
    /// How its position was found: « fichier », « adresse », « commune », or « aucune ».
    pub geocodage: String,
    /// The user may change its Pass fields (a hub of its territory, an admin).
    pub modifiable: bool,
    /// A candidate file for this venue, if any.
    pub candidat_id: Option<i64>,
    pub maj_le: DateTime<Utc>,
}

/// A hub's change of a venue's Pass acceptance.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct PassRequest {
    pub accepte: bool,
    pub operateur: String,
    pub note: String,
}

// ------------------------------------------------------------------------------ imports

/// One refused field of one record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rejet {
    /// CSV: line of the file (1 = header); JSON: rank of the element, from 1.
    pub ligne: u32,
    pub id: String,
    pub champ: String,
    pub message: String,
}

/// An import's progress, then its report.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EtatImport {
    pub id: i64,
    /// « en_cours », « termine » or « echoue ».
    pub etat: String,
    pub fichier: String,
    pub format: String,
    pub version: String,
    pub total: u32,
    pub traites: u32,
    pub crees: u32,
    pub mis_a_jour: u32,
    pub inchanges: u32,
    pub lignes_rejetees: u32,
    pub rejets: Vec<Rejet>,
    pub avertissements: Vec<String>,
    pub erreur: Option<String>,
    pub duree_ms: Option<u64>,
}

impl EtatImport {
    pub fn termine(&self) -> bool {
        self.etat != "en_cours"
    }
}

// ------------------------------------------------------------------------------ hubs

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DepartementRef {
    pub code: String,
    pub nom: String,
}

/// Where the user may edit venues and follow candidates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Territoire {
    /// Every département (administrators).
    pub national: bool,
    pub departements: Vec<DepartementRef>,
    /// May import and export venue files.
    pub peut_importer: bool,
    /// May follow candidates (hubs, administrators).
    pub suit_les_candidats: bool,
}

/// One département of the coverage view.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CouvertureDepartement {
    pub code: String,
    pub nom: String,
    /// Passes handed to beneficiaries, not yet used, still valid.
    pub pass_en_circulation: i64,
    pub lieux_pass: i64,
    pub lieux: i64,
    /// Candidates not yet decided (signalé, contacté, dossier en cours).
    pub candidats_en_cours: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Couverture {
    pub departements: Vec<CouvertureDepartement>,
    pub aujourdhui: NaiveDate,
}

// ------------------------------------------------------------------------------ orientation

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LieuProche {
    pub id: i64,
    pub nom: String,
    pub adresse: String,
    pub code_postal: String,
    pub commune: String,
    pub distance_km: f64,
    pub telephone: Option<String>,
    pub courriels: Vec<String>,
    pub site_web: Vec<String>,
    pub prise_rdv: Option<String>,
    pub horaires: Option<HorairesVue>,
}

/// The venues accepting the Pass nearest to a beneficiary (`GET /parcours/{id}/orientation`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Orientation {
    pub prenom: String,
    /// The commune distances are measured from, « Brest (29200) ».
    pub depuis: Option<String>,
    /// Why that commune: the person's, or the structure's when the person gave none.
    pub origine: String,
    pub lieux: Vec<LieuProche>,
}
