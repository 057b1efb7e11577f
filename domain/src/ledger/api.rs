//! The JSON shapes of the ledger's API (`/api/v1/commandes`, `/lots`, `/releves`, …), shared by
//! the app and the server. Typed forms carry text fields so that each can be refused on its own.

use super::releve::{ContenuReleve, Mois};
use crate::api::IntakeRequest;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ref {
    pub id: i64,
    pub nom: String,
}

/// The ledger organisation of the logged-in user (`GET /api/v1/ledger/moi`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Organisation {
    pub commanditaire: Option<Ref>,
    pub operateur: Option<Ref>,
    pub structure: Option<Ref>,
    /// The structure is accredited (active) by at least one opérateur.
    pub structure_agreee: bool,
}

// ------------------------------------------------------------------ orders

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct CommandeRequest {
    pub operateur_id: String,
    pub nb_carnets: String,
    pub nb_passes: String,
    /// In euros, as typed.
    pub valeur_faciale: String,
    pub fin_validite: String,
    pub jours_grace: String,
    /// Département numbers, separated by commas or spaces.
    pub departements: String,
    /// INSEE commune codes, separated by commas or spaces.
    pub communes: String,
    /// Codes of the standard criteria ticked.
    pub criteres: Vec<String>,
    /// The buyer's own criteria, one per line.
    pub criteres_libres: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommandeCreated {
    pub id: i64,
    pub reference: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CritereView {
    pub code: String,
    pub libelle: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TerritoireView {
    /// `departement` or `commune`.
    pub kind: String,
    pub code: String,
    pub nom: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommandeSummary {
    pub id: i64,
    pub reference: String,
    pub commanditaire: Ref,
    pub operateur: Ref,
    pub etat: String,
    pub nb_carnets: i64,
    pub nb_passes: i64,
    pub valeur_faciale_centimes: i64,
    pub montant_centimes: i64,
    pub fin_validite: NaiveDate,
    pub jours_grace: i64,
    pub date_limite: NaiveDate,
    pub created_at: DateTime<Utc>,
    pub paiement_at: Option<DateTime<Utc>>,
    pub activated_at: Option<DateTime<Utc>>,
}

/// Carnets of an order (or of all a buyer's orders) by where they are in their life. The counts
/// are a funnel, not a partition: a distributed carnet was entrusted too.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Entonnoir {
    pub emis: i64,
    pub confies: i64,
    pub distribues: i64,
    pub entames: i64,
    pub epuises: i64,
    pub expires: i64,
}

/// A run of carnets still held by the commanditaire, by rank in the order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Plage {
    pub premier: i64,
    pub dernier: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LotView {
    pub id: i64,
    /// `structure` (commanditaire → structure) or `conseiller` (structure → conseiller) or
    /// `reprise` (conseiller → structure).
    pub kind: String,
    pub commande_id: i64,
    pub commande: String,
    pub de: String,
    pub vers: String,
    pub nb_carnets: i64,
    pub premier_numero: String,
    pub dernier_numero: String,
    pub accord_reference: Option<String>,
    pub accord_date: Option<NaiveDate>,
    pub par: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AvoirView {
    pub id: i64,
    pub nb_passes: i64,
    pub montant_centimes: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommandeDetail {
    pub commande: CommandeSummary,
    pub paiement_reference: Option<String>,
    pub paiement_date: Option<NaiveDate>,
    pub territoire: Vec<TerritoireView>,
    pub criteres: Vec<CritereView>,
    pub entonnoir: Entonnoir,
    pub passes_valides: i64,
    pub valeur_consommee_centimes: i64,
    pub lots: Vec<LotView>,
    pub avoirs: Vec<AvoirView>,
    /// Carnets the commanditaire still holds, as runs of ranks (for the next lot).
    pub disponibles: Vec<Plage>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct PaiementRequest {
    pub reference: String,
    pub date: String,
}

// ------------------------------------------------------------------ lots

/// Commanditaire → structure: a run of carnets of one order, with the recorded agreement.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct LotStructureRequest {
    pub structure_id: String,
    pub premier: String,
    pub dernier: String,
    pub accord_reference: String,
    pub accord_date: String,
}

/// Structure → conseiller: a number of the structure's carnets of one order (the lowest numbers).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct LotConseillerRequest {
    pub commande_id: String,
    pub conseiller_id: String,
    pub nombre: String,
}

/// Conseiller → back to the structure.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RepriseRequest {
    pub carnet_ids: Vec<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LotCreated {
    pub id: i64,
    pub nb_carnets: i64,
}

/// For the commanditaire choosing where to entrust a lot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StructureChoix {
    pub id: i64,
    pub nom: String,
    pub commune: Option<String>,
    pub departement: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockConseiller {
    pub conseiller: Ref,
    /// Carnets in their hands, not handed out yet.
    pub en_main: i64,
    /// Carnets they handed to people.
    pub distribues: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockCommande {
    pub commande_id: i64,
    pub commande: String,
    pub commanditaire: String,
    /// Carnets held by the structure, given to no conseiller.
    pub non_attribues: i64,
    pub date_limite: NaiveDate,
}

/// The coordinateur's view of the structure's carnets (`GET /api/v1/carnets/structure`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CarnetsStructure {
    pub lots: Vec<LotView>,
    pub par_conseiller: Vec<StockConseiller>,
    pub stock: Vec<StockCommande>,
    pub conseillers: Vec<Ref>,
    pub carnets_en_main: Vec<CarnetDuLot>,
}

/// A carnet of a conseiller's lot, as the intake offers it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CarnetDuLot {
    pub id: i64,
    pub numero: String,
    pub nb_passes: i64,
    pub valeur_faciale_centimes: i64,
    pub fin_validite: NaiveDate,
    pub date_limite: NaiveDate,
    pub commanditaire: String,
    pub commande: String,
    pub criteres: Vec<CritereView>,
    pub detenteur: Option<String>,
}

// ------------------------------------------------------------------ distribution

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct DistributionRequest {
    /// The person, as on the intake form (its carnet fields are ignored: the carnet is ours).
    pub intake: IntakeRequest,
    pub carnet_id: i64,
    pub criteres: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StructureProche {
    pub id: i64,
    pub nom: String,
    pub commune: String,
    pub departement: String,
    pub proximite: String,
    /// The conseiller's own structure.
    pub la_votre: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DistributionCreated {
    pub parcours_id: i64,
    pub beneficiaire_id: i64,
    pub carnet_numero: String,
    /// The conseiller's structure may hold this carnet's sessions (accredited by the order's
    /// opérateur, inside its territory).
    pub structure_acceptee: bool,
    /// Where to use the carnet: the venues accepting the Pass nearest to the person, inside the
    /// order's territory.
    pub lieux: Vec<crate::lieux::api::LieuProche>,
}

// ------------------------------------------------------------------ accreditation

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StructureAgrement {
    pub id: i64,
    pub nom: String,
    pub commune: Option<String>,
    pub departement: Option<String>,
    /// `actif`, `suspendu`, or `None` when this opérateur never accredited it.
    pub agrement: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub motif: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct AgrementRequest {
    pub actif: bool,
    pub motif: String,
}

// ------------------------------------------------------------------ statements

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReleveSummary {
    pub id: i64,
    pub numero: String,
    pub structure: Ref,
    pub operateur: Ref,
    pub mois: Mois,
    pub etat: String,
    pub nb_validations: i64,
    pub nb_annulations: i64,
    pub total_centimes: i64,
    pub hash: String,
    pub emis_at: DateTime<Utc>,
    pub envoye_at: Option<DateTime<Utc>>,
    pub paye_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReleveDetail {
    pub releve: ReleveSummary,
    pub contenu: ContenuReleve,
}

/// What the structure will be owed for the current month so far (not a statement: nothing is
/// issued until the month is over).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReleveProvisoire {
    pub structure: Ref,
    pub mois: Mois,
    pub contenus: Vec<ContenuReleve>,
    /// The month's passes of carnets received from another issuer (typed in at intake): no Carnet
    /// statement pays them; the structure claims them from their issuer.
    #[serde(default)]
    pub hors_releve: Vec<PassAReclamer>,
}

/// A pass validated this month from a carnet outside any order here: what the issuer needs to
/// reimburse it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PassAReclamer {
    pub jour: chrono::NaiveDate,
    pub emetteur: String,
    pub carnet: String,
    pub code: String,
    pub valeur_centimes: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct EmissionRequest {
    pub mois: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmissionResult {
    pub mois: Mois,
    pub releves_emis: i64,
    pub deja_emis: i64,
    pub lignes: i64,
}

// ------------------------------------------------------------------ dashboards

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ValidationsStructureMois {
    pub structure: String,
    pub mois: Mois,
    pub passes: i64,
    pub montant_centimes: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Valeurs {
    /// Face value of the paid orders.
    pub achetee_centimes: i64,
    /// Face value of the passes validated (net of undone validations).
    pub consommee_centimes: i64,
    /// Face value of the expired passes of paid orders: owed back to the buyer.
    pub avoir_centimes: i64,
    /// Face value still usable.
    pub en_circulation_centimes: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ParTerritoire {
    pub departement: String,
    pub nom: String,
    pub carnets_confies: i64,
    pub carnets_distribues: i64,
    pub passes_valides: i64,
    pub montant_centimes: i64,
}

/// The commanditaire's dashboard: aggregates only, never a person.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TableauCommanditaire {
    pub commanditaire: Ref,
    pub commandes: Vec<CommandeSummary>,
    pub entonnoir: Entonnoir,
    pub par_structure_mois: Vec<ValidationsStructureMois>,
    pub valeurs: Valeurs,
    pub par_territoire: Vec<ParTerritoire>,
}

// ------------------------------------------------------------------ journal

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JournalEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub qui: String,
    pub entity: String,
    pub entity_id: i64,
    pub action: String,
    /// JSON text of the state before and after (personal fields removed).
    pub before: Option<String>,
    pub after: Option<String>,
    /// The name people know the object by (a pass's code, a carnet's number), when it has one.
    #[serde(default)]
    pub objet: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JournalPage {
    pub items: Vec<JournalEntry>,
    pub page: u32,
    pub has_more: bool,
}
