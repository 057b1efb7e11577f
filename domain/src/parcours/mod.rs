//! The parcours wizard after intake: diagnostic, objectives, planning, sessions, bilan. Pure
//! rules in the submodules; here, the JSON shapes the app and the server exchange.

pub mod bilan;
pub mod cloture;
pub mod competences;
pub mod diagnostic;
pub mod etapes;
pub mod feries;
pub mod ics;
pub mod objectifs;
pub mod planning;
pub mod seance;

use crate::api::{BeneficiaireView, CarnetView, ParcoursDetail};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use competences::{Niveau, Niveaux};
use diagnostic::ResultatExterne;
use etapes::Faits;
use seance::StatutSeance;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiagnosticView {
    pub niveaux: Niveaux,
    pub resultats: Vec<ResultatExterne>,
    pub observations: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ObjectifView {
    pub competence: String,
    pub niveau_cible: Niveau,
    /// Set at the bilan.
    pub atteint: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ThemeView {
    pub rang: i64,
    pub titre: String,
    pub thematiques: Vec<String>,
    pub competences: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanningView {
    pub frequence: planning::Frequence,
    pub duree_minutes: u32,
    pub type_lieu: String,
}

/// The pass used in a held session, and where its value went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PassUtilise {
    pub rang: i64,
    pub code: String,
    pub valeur_centimes: i64,
    pub validated_at: DateTime<Utc>,
    pub structure_creditee: String,
    /// A carnet received from another issuer (typed in at intake, outside any order here): its
    /// issuer, who reimburses the pass; no Carnet statement includes it.
    #[serde(default)]
    pub a_reclamer_a: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompteRenduView {
    pub thematiques: Vec<String>,
    pub duree_minutes: u32,
    pub materiel: Vec<String>,
    pub autonomie: Option<String>,
    pub notes: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeanceView {
    pub id: i64,
    /// Position among the sessions that are not absences (1 = the intake); absences have none.
    pub numero: Option<i64>,
    /// Paris wall-clock times.
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?$"))]
    pub debut: NaiveDateTime,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?$"))]
    pub fin: NaiveDateTime,
    pub type_lieu: String,
    pub statut: StatutSeance,
    /// The theme of its position in the plan.
    pub theme: Option<ThemeView>,
    pub pass: Option<PassUtilise>,
    pub compte_rendu: Option<CompteRenduView>,
    /// The absent session this one replaces.
    pub remplace: Option<i64>,
    /// Excused by the person from their space (« Je ne pourrai pas venir »).
    #[serde(default)]
    pub prevenu_par_personne: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BilanView {
    pub orientation: Option<String>,
    pub recommandations: String,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PackRef {
    pub code: String,
    pub nom: String,
}

/// Everything a parcours page needs, in one answer (`GET /api/v1/parcours/{id}`): the intake's
/// fields (those of `ParcoursDetail`, at the same place) and every step. Written out rather than
/// `#[serde(flatten)]`, whose deserializer weighs tens of kilobytes in the app.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dossier {
    pub id: i64,
    pub etat: String,
    pub etape: String,
    pub conseiller: String,
    pub created_at: DateTime<Utc>,
    pub beneficiaire: BeneficiaireView,
    pub carnet: CarnetView,
    pub structure: String,
    /// Whom the person calls: the structure's phone and address.
    pub coordonnees: crate::structure::Coordonnees,
    /// Why and when the parcours stopped before its end.
    pub cloture: Option<cloture::ClotureView>,
    pub pack: Option<PackRef>,
    pub diagnostic_initial: Option<DiagnosticView>,
    pub diagnostic_final: Option<DiagnosticView>,
    pub objectifs: Vec<ObjectifView>,
    pub themes: Vec<ThemeView>,
    pub planning: Option<PlanningView>,
    pub seances: Vec<SeanceView>,
    pub bilan: Option<BilanView>,
    /// The structure's time zone: the sessions' times above are wall-clock times there.
    #[serde(default)]
    pub fuseau: crate::fuseau::Fuseau,
}

impl Dossier {
    /// Joins the intake's part and the rest.
    pub fn new(detail: ParcoursDetail, structure: String) -> Dossier {
        Dossier {
            id: detail.id,
            etat: detail.etat,
            etape: detail.etape,
            conseiller: detail.conseiller,
            created_at: detail.created_at,
            beneficiaire: detail.beneficiaire,
            carnet: detail.carnet,
            structure,
            coordonnees: Default::default(),
            cloture: None,
            pack: None,
            diagnostic_initial: None,
            diagnostic_final: None,
            objectifs: Vec::new(),
            themes: Vec::new(),
            planning: None,
            seances: Vec::new(),
            bilan: None,
            fuseau: crate::fuseau::Fuseau::Paris,
        }
    }

    pub fn faits(&self) -> Faits {
        Faits {
            termine: self.etat == "termine",
            abandonne: self.etat == "abandonne",
            diagnostic_initial: self.diagnostic_initial.is_some(),
            objectifs: !self.objectifs.is_empty(),
            planning: self.planning.is_some(),
            seances_prevues: self.seances.iter().filter(|s| s.statut == StatutSeance::Prevue).count(),
            seances_tenues: self.seances.iter().filter(|s| s.statut == StatutSeance::Tenue).count(),
            diagnostic_final: self.diagnostic_final.is_some(),
        }
    }

    /// The next session still to hold.
    pub fn prochaine_seance(&self) -> Option<&SeanceView> {
        self.seances.iter().filter(|s| s.statut == StatutSeance::Prevue).min_by_key(|s| s.debut)
    }

    /// The rank of the next unused pass of the carnet, as a hint for the conseiller.
    pub fn prochain_pass(&self) -> Option<i64> {
        self.carnet.passes.iter().filter(|p| p.etat == "distribue").map(|p| p.rang).min()
    }
}

/// Answer to a pass validation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PassValide {
    pub seance_id: i64,
    pub pass: PassUtilise,
}

/// A proposed schedule (planning step, before saving).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PropositionPlanning {
    /// Every session, the intake first.
    pub seances: Vec<planning::SeanceProposee>,
}

/// The proposed replacement of an absent session: the next free slot after the last session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PropositionRemplacement {
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?$"))]
    pub debut: NaiveDateTime,
    pub notes: Vec<String>,
}

/// Why a session needs the conseillère.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MotifATraiter {
    /// The person said « Je ne pourrai pas venir » and no replacement is planned.
    AbsencePrevenue,
    /// Its time is over and it is still « prévue »: held (validate its pass) or missed?
    NonRenseignee,
    /// Held, its pass validated, without its report.
    SansCompteRendu,
}

impl MotifATraiter {
    pub fn libelle(self) -> &'static str {
        match self {
            MotifATraiter::AbsencePrevenue => "a prévenu qu'elle ne viendra pas : proposer une autre date",
            MotifATraiter::NonRenseignee => "séance passée sans suite : tenue (valider le pass) ou absence ?",
            MotifATraiter::SansCompteRendu => "séance tenue sans compte rendu",
        }
    }
}

/// A session of the « À traiter » list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ATraiter {
    pub motif: MotifATraiter,
    pub seance_id: i64,
    pub parcours_id: i64,
    pub prenom: String,
    /// Paris wall-clock time.
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?$"))]
    pub debut: NaiveDateTime,
}

/// One session in the conseiller's agenda (dashboard).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeanceAgenda {
    pub seance_id: i64,
    pub parcours_id: i64,
    pub prenom: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?$"))]
    pub debut: NaiveDateTime,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?$"))]
    pub fin: NaiveDateTime,
    pub statut: StatutSeance,
    pub numero: Option<i64>,
    pub nb_passes: i64,
    pub theme: Option<String>,
    /// Excused by the person from their space (« Je ne pourrai pas venir »).
    #[serde(default)]
    pub prevenu_par_personne: bool,
}

/// One parcours on the dashboard, with its progress.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ParcoursSuivi {
    pub id: i64,
    pub prenom: String,
    pub etat: String,
    pub etape: String,
    pub seances_tenues: i64,
    pub nb_passes: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?$"))]
    pub prochaine_seance: Option<NaiveDateTime>,
    pub objectifs_atteints: i64,
    pub objectifs_total: i64,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TableauDeBord {
    pub aujourdhui: NaiveDate,
    /// What needs the conseillère, oldest first: shown at the top.
    #[serde(default)]
    pub a_traiter: Vec<ATraiter>,
    pub seances_du_jour: Vec<SeanceAgenda>,
    pub prochaines_seances: Vec<SeanceAgenda>,
    pub parcours: Vec<ParcoursSuivi>,
}
