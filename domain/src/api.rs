//! The JSON shapes exchanged between the app and the server under `/api/v1`. Both sides compile
//! against these types, so renaming a field on one side breaks the build of the other.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Field name → French message, in the order of the form.
pub type FieldErrors = BTreeMap<String, String>;

/// The body of every error answer: `{ "error": "...", "fields": { "field": "message" } }`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiErrorBody {
    pub error: String,
    #[serde(default)]
    pub fields: FieldErrors,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Conseiller,
    Coordinateur,
    Commanditaire,
    Operateur,
    Hub,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Conseiller => "conseiller",
            Role::Coordinateur => "coordinateur",
            Role::Commanditaire => "commanditaire",
            Role::Operateur => "operateur",
            Role::Hub => "hub",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        [Role::Conseiller, Role::Coordinateur, Role::Commanditaire, Role::Operateur, Role::Hub, Role::Admin]
            .into_iter()
            .find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Conseiller => "Conseiller numérique",
            Role::Coordinateur => "Coordinateur de structure",
            Role::Commanditaire => "Commanditaire",
            Role::Operateur => "Opérateur",
            Role::Hub => "Hub territorial",
            Role::Admin => "Administrateur",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StructureRef {
    pub id: i64,
    pub nom: String,
}

/// Who is logged in (`GET /api/v1/auth/me`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    pub id: i64,
    pub email: String,
    pub prenom: String,
    pub nom: String,
    pub role: Role,
    pub structure: Option<StructureRef>,
    /// The server's clock when it answered. The app reads « now » and « today » from it, not
    /// from the computer's own clock, which may be wrong.
    pub maintenant: DateTime<Utc>,
    /// The time zone of the user's structure (Europe/Paris without one): every date and hour the
    /// app shows or reads is wall-clock time there, whatever the computer's own zone.
    #[serde(default)]
    pub fuseau: crate::fuseau::Fuseau,
}

/// `GET /auth/session`: the signed-in user, if any, and the server's clock.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Session {
    pub me: Option<Me>,
    pub maintenant: DateTime<Utc>,
}

/// One page of a list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

impl<T> Page<T> {
    pub fn page_count(&self) -> u32 {
        if self.total <= 0 {
            1
        } else {
            ((self.total as u64).div_ceil(self.per_page.max(1) as u64)) as u32
        }
    }
}

/// A commune of the official list (INSEE COG), as the autocomplete shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Commune {
    pub code_insee: String,
    pub nom: String,
    pub departement: String,
    pub codes_postaux: Vec<String>,
}

impl Commune {
    /// « Rennes (35000) », or with several postcodes « Rennes (35000, 35200, …) ».
    pub fn libelle(&self) -> String {
        match self.codes_postaux.as_slice() {
            [] => format!("{} ({})", self.nom, self.departement),
            [one] => format!("{} ({one})", self.nom),
            [first, second] => format!("{} ({first}, {second})", self.nom),
            [first, second, ..] => format!("{} ({first}, {second}, …)", self.nom),
        }
    }
}

/// One line of the dashboard's list of beneficiaries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BeneficiaireSummary {
    pub id: i64,
    pub prenom: String,
    pub annee_naissance: Option<i32>,
    pub commune: Option<String>,
    pub parcours_id: Option<i64>,
    pub parcours_etat: Option<String>,
    pub passes_total: i64,
    pub passes_utilises: i64,
    pub created_at: DateTime<Utc>,
}

/// The intake form (parcours step 1), as typed: fields are text so that each can be refused with
/// its own message (see `intake::validate`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct IntakeRequest {
    pub prenom: String,
    pub annee_naissance: String,
    pub commune_insee: String,
    pub genre: String,
    /// Only used when the year of birth is not given; otherwise derived from it.
    pub tranche_age: String,
    pub statut_social: String,
    pub carnet_numero: String,
    pub nb_passes: String,
    /// In euros, as typed (« 10 », « 10,00 »).
    pub valeur_faciale: String,
    pub fin_validite: String,
    pub codes: Vec<String>,
    pub commanditaire: String,
    pub canal: String,
    pub date_reception: String,
    /// The information notice shown and the optional consents (see `donnees`).
    pub information: crate::donnees::InformationRequest,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IntakeCreated {
    pub parcours_id: i64,
    pub beneficiaire_id: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PassView {
    pub rang: i64,
    /// Shown form, `XXXX-XXXX-XXXX`.
    pub code: String,
    pub etat: String,
    pub valeur_centimes: i64,
    pub validated_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CarnetView {
    pub id: i64,
    pub numero: String,
    pub nb_passes: i64,
    pub valeur_faciale_centimes: i64,
    pub fin_validite: NaiveDate,
    pub etat: String,
    pub commanditaire: String,
    pub canal: String,
    pub date_reception: NaiveDate,
    pub passes: Vec<PassView>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BeneficiaireView {
    pub id: i64,
    pub prenom: String,
    pub annee_naissance: Option<i32>,
    pub commune: Option<Commune>,
    pub genre: Option<String>,
    pub tranche_age: Option<String>,
    pub statut_social: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A parcours as its overview page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ParcoursDetail {
    pub id: i64,
    pub etat: String,
    pub etape: String,
    pub conseiller: String,
    pub created_at: DateTime<Utc>,
    pub beneficiaire: BeneficiaireView,
    pub carnet: CarnetView,
}

/// One person and all their parcours (`GET /api/v1/beneficiaires/{id}`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BeneficiaireDetail {
    pub beneficiaire: BeneficiaireView,
    pub parcours: Vec<ParcoursSummary>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ParcoursSummary {
    pub id: i64,
    pub etat: String,
    pub etape: String,
    pub carnet_numero: String,
    pub nb_passes: i64,
    pub passes_utilises: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    pub status: String,
    pub version: String,
}

/// What saving a step of the parcours answers: the step the parcours is at now (its code).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EtapeEnregistree {
    pub etape: String,
}

/// A write that has nothing more to say than that it was done.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Enregistre {
    pub ok: bool,
}

/// A parcours closed: its state now (`termine`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ParcoursClos {
    pub etat: String,
}

/// What was created, by its id (a candidate venue; a venue import, whose progress is then read).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Cree {
    pub id: i64,
}

/// A session added to the schedule (or a missed one's replacement).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeanceAjoutee {
    pub seance_id: i64,
}

/// A session moved: its new start, local time to the minute (`2026-12-04T14:00`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeanceDeplacee {
    pub debut: String,
}

/// An absence recorded, and the session scheduled in its place when there was room for one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AbsenceEnregistree {
    pub remplacement: Option<i64>,
    /// Local time to the minute, like `SeanceDeplacee::debut`.
    pub debut: Option<String>,
}

/// A pass validation cancelled: the pass given back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ValidationAnnulee {
    pub pass_id: i64,
}
