//! Personal data of beneficiaries: the information notice shown at intake, optional consents,
//! retention, the rights (export, rectification, erasure) and the access journal — the rules
//! and the API shapes shared by the app and the server.

use crate::api::{BeneficiaireView, FieldErrors};
use crate::coop::{self, Vocabulaire};
use crate::intake::{check_personne, PersonneSaisie, ValidPersonne};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a beneficiary may agree to, each separately and revocably: (code, what it means).
pub const CONSENTEMENTS: Vocabulaire = &[
    ("rappels", "Garder ses coordonnées pour lui envoyer des rappels de rendez-vous"),
    ("agenda", "Lui donner un lien d'agenda qui affiche ses séances"),
];

/// Why an access to a beneficiary's identity was logged: (code, label).
pub const ACTIONS_JOURNAL: Vocabulaire = &[
    ("liste", "Liste des bénéficiaires"),
    ("fiche", "Fiche d'un bénéficiaire"),
    ("parcours", "Page d'un parcours"),
    ("donnees", "Page « Données et droits »"),
    ("export", "Export des données"),
    ("rectification", "Rectification"),
    ("tableau_de_bord", "Tableau de bord (agenda et parcours suivis)"),
    ("calendrier", "Calendrier des séances (.ics)"),
    ("orientation", "Lieux proches pour la personne (orientation)"),
    ("journee", "Liste des séances du jour (à imprimer, e-mail du matin)"),
];

/// Default retention: identity is erased this long after the last activity.
pub const CONSERVATION_MOIS_DEFAUT: u32 = 12;

// --- the information notice

/// One version of the information notice. `texte` is already filled in for the reader's
/// structure and the retention in force.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoticeInformation {
    pub id: i64,
    pub version: String,
    pub titre: String,
    pub texte: String,
    pub publiee_le: DateTime<Utc>,
}

/// `POST /api/v1/notices` (administration): publish a new version. Versions never change once
/// published: a beneficiary's record says which one they were shown.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct NouvelleNotice {
    pub version: String,
    pub titre: String,
    pub texte: String,
}

/// Fills a notice template: `{structure}` (who is responsible and whom to contact) and
/// `{duree}` (the retention in force).
pub fn remplir_notice(modele: &str, structure: &str, duree_mois: u32) -> String {
    modele.replace("{structure}", structure).replace("{duree}", &duree_en_mots(duree_mois))
}

/// « 12 mois », « 1 mois ».
pub fn duree_en_mots(mois: u32) -> String {
    format!("{mois} mois")
}

/// A block of a notice: its text is plain paragraphs separated by blank lines; `## ` starts a
/// heading and lines starting with `- ` make a list.
#[derive(Clone, Debug, PartialEq)]
pub enum Bloc {
    Titre(String),
    Paragraphe(String),
    Liste(Vec<String>),
}

pub fn blocs(texte: &str) -> Vec<Bloc> {
    texte
        .replace("\r\n", "\n")
        .split("\n\n")
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .map(|b| {
            if let Some(t) = b.strip_prefix("## ") {
                Bloc::Titre(t.trim().to_string())
            } else if b.lines().all(|l| l.trim_start().starts_with("- ")) {
                Bloc::Liste(b.lines().map(|l| l.trim_start()[2..].trim().to_string()).collect())
            } else {
                Bloc::Paragraphe(b.lines().map(str::trim).collect::<Vec<_>>().join(" "))
            }
        })
        .collect()
}

pub fn valider_notice(req: &NouvelleNotice) -> Result<NouvelleNotice, FieldErrors> {
    let mut errors = FieldErrors::new();
    let version = req.version.trim().to_string();
    if version.is_empty() || version.chars().count() > 30 || version.chars().any(char::is_control) {
        errors.insert("version".into(), "Version : de 1 à 30 caractères, par exemple « 2 » ou « 2027-01 ».".into());
    }
    let titre = req.titre.trim().to_string();
    if titre.is_empty() || titre.chars().count() > 120 {
        errors.insert("titre".into(), "Titre : de 1 à 120 caractères.".into());
    }
    let texte = req.texte.trim().to_string();
    if texte.chars().count() < 200 {
        errors.insert("texte".into(), "Texte : 200 caractères au moins ; la notice dit ce qui est gardé, pourquoi, combien de temps, les droits et qui contacter.".into());
    } else if texte.chars().count() > 20_000 {
        errors.insert("texte".into(), "Texte : 20 000 caractères au plus.".into());
    }
    if errors.is_empty() {
        Ok(NouvelleNotice { version, titre, texte })
    } else {
        Err(errors)
    }
}

// --- information and consent at intake

/// The intake form's part about information and consent.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct InformationRequest {
    /// The notice version shown on screen.
    pub notice_id: Option<i64>,
    /// The conseiller confirms the person was given (or read) the notice.
    pub notice_remise: bool,
    pub rappels: bool,
    pub telephone: String,
    pub email: String,
    pub agenda: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contacts {
    pub telephone: Option<String>,
    pub email: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ValidInformation {
    pub notice_id: i64,
    pub rappels: bool,
    pub agenda: bool,
    /// Only when `rappels` is agreed: otherwise nothing is kept, whatever was typed.
    pub contacts: Contacts,
}

/// A French phone number, shown as « 06 12 34 56 78 » (or « +33 6 12 34 56 78 »).
pub fn valider_telephone(input: &str) -> Result<String, String> {
    let compact: String = input.chars().filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')')).collect();
    let national = if let Some(rest) = compact.strip_prefix("+33") {
        format!("0{}", rest.strip_prefix('0').unwrap_or(rest))
    } else if let Some(rest) = compact.strip_prefix("0033") {
        format!("0{rest}")
    } else {
        compact
    };
    let ok = national.len() == 10
        && national.starts_with('0')
        && national.as_bytes()[1] != b'0'
        && national.bytes().all(|b| b.is_ascii_digit());
    if !ok {
        return Err("Téléphone : 10 chiffres, par exemple 06 12 34 56 78.".into());
    }
    Ok(national.as_bytes().chunks(2).map(|c| std::str::from_utf8(c).unwrap_or("")).collect::<Vec<_>>().join(" "))
}

/// Contact details for reminders: at least one of the two, each valid.
pub fn valider_contacts(telephone: &str, email: &str, errors: &mut FieldErrors) -> Contacts {
    let mut contacts = Contacts::default();
    if !telephone.trim().is_empty() {
        match valider_telephone(telephone) {
            Ok(t) => contacts.telephone = Some(t),
            Err(m) => {
                errors.insert("telephone".into(), m);
            }
        }
    }
    if !email.trim().is_empty() {
        match crate::comptes::valider_email("E-mail de la personne", email) {
            Ok(e) => contacts.email = Some(e),
            Err(m) => {
                errors.insert("email".into(), m);
            }
        }
    }
    if telephone.trim().is_empty() && email.trim().is_empty() {
        errors.insert("telephone".into(), "Téléphone : pour les rappels, indiquez un téléphone ou un e-mail.".into());
    }
    contacts
}

pub fn valider_information(req: &InformationRequest) -> Result<ValidInformation, FieldErrors> {
    let mut errors = FieldErrors::new();
    if req.notice_id.is_none() || !req.notice_remise {
        errors.insert(
            "notice_remise".into(),
            "Information de la personne : confirmez que la notice d'information lui a été remise ou lue.".into(),
        );
    }
    let contacts =
        if req.rappels { valider_contacts(&req.telephone, &req.email, &mut errors) } else { Contacts::default() };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ValidInformation {
        notice_id: req.notice_id.expect("checked above"),
        rappels: req.rappels,
        agenda: req.agenda,
        contacts,
    })
}

// --- consents after intake

/// `POST /api/v1/beneficiaires/{id}/consentements`: give or withdraw one consent. Giving the
/// reminders consent needs contact details; withdrawing it erases them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ConsentementRequest {
    pub consentement: String,
    pub accorde: bool,
    pub telephone: String,
    pub email: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ValidConsentement {
    pub consentement: String,
    pub accorde: bool,
    pub contacts: Contacts,
}

pub fn valider_consentement(req: &ConsentementRequest) -> Result<ValidConsentement, FieldErrors> {
    let mut errors = FieldErrors::new();
    let code = req.consentement.trim();
    if !coop::contains(CONSENTEMENTS, code) {
        errors.insert("consentement".into(), "Consentement : choisissez un consentement de la liste.".into());
    }
    let contacts = if code == "rappels" && req.accorde {
        valider_contacts(&req.telephone, &req.email, &mut errors)
    } else {
        Contacts::default()
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ValidConsentement { consentement: code.to_string(), accorde: req.accorde, contacts })
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsentementEtat {
    pub consentement: String,
    pub libelle: String,
    pub accorde: bool,
    /// When the current answer was recorded (`None`: never asked).
    pub depuis: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsentementEvenement {
    pub consentement: String,
    pub accorde: bool,
    pub at: DateTime<Utc>,
    /// Who recorded it; `None` for the automatic withdrawal at anonymisation.
    pub par: Option<String>,
}

/// A notice version shown to the person.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InformationDonnee {
    pub notice_id: i64,
    pub version: String,
    pub at: DateTime<Utc>,
    pub par: String,
}

/// `GET /api/v1/beneficiaires/{id}/donnees`: the « Données et droits » page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DonneesBeneficiaire {
    pub beneficiaire: BeneficiaireView,
    pub anonymise_le: Option<DateTime<Utc>>,
    pub contacts: Contacts,
    pub consentements: Vec<ConsentementEtat>,
    pub historique_consentements: Vec<ConsentementEvenement>,
    pub informations: Vec<InformationDonnee>,
    pub derniere_activite: DateTime<Utc>,
    /// When the retention job will erase the identity, if nothing happens before.
    pub anonymisation_prevue: Option<DateTime<Utc>>,
    pub conservation_mois: u32,
}

// --- rectification

/// `POST /api/v1/beneficiaires/{id}/rectification`: the person's fields, as in the intake form.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RectificationRequest {
    pub prenom: String,
    pub annee_naissance: String,
    pub commune_insee: String,
    pub genre: String,
    pub tranche_age: String,
    pub statut_social: String,
}

/// The same rules as intake.
pub fn valider_rectification(req: &RectificationRequest, today: NaiveDate) -> Result<ValidPersonne, FieldErrors> {
    let mut errors = FieldErrors::new();
    let v = check_personne(
        PersonneSaisie {
            prenom: &req.prenom,
            annee_naissance: &req.annee_naissance,
            commune_insee: &req.commune_insee,
            genre: &req.genre,
            tranche_age: &req.tranche_age,
            statut_social: &req.statut_social,
        },
        today,
        &mut errors,
    );
    if errors.is_empty() {
        Ok(v)
    } else {
        Err(errors)
    }
}

// --- export

/// One stored value, as the database holds it (no column of ours is a floating-point number;
/// one would be exported as text).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum Valeur {
    Nul,
    Entier(i64),
    Texte(String),
}

/// French names of the stored columns, for the readable export (the raw name otherwise).
pub fn libelle_colonne(col: &str) -> &str {
    match col {
        "id" => "Numéro",
        "prenom" => "Prénom ou alias",
        "prenom_normalise" => "Prénom (forme de recherche)",
        "annee_naissance" => "Année de naissance",
        "commune_insee" => "Commune (code INSEE)",
        "genre" => "Genre",
        "tranche_age" => "Tranche d'âge",
        "statut_social" => "Statut",
        "structure_id" => "Structure (numéro)",
        "created_by" => "Créé par (compte n°)",
        "created_at" => "Créé le",
        "updated_at" => "Modifié le",
        "anonymise_at" => "Identité effacée le",
        "anonymise_motif" => "Motif de l'effacement",
        "telephone" => "Téléphone",
        "email" => "E-mail",
        "beneficiaire_id" => "Bénéficiaire (numéro)",
        "notice_id" => "Notice d'information (numéro)",
        "shown_at" => "Remise le",
        "shown_by" => "Remise par (compte n°)",
        "objet" => "Objet",
        "accorde" => "Accordé (1) ou non (0)",
        "at" => "Le",
        "recorded_by" => "Noté par (compte n°)",
        "numero" => "Numéro du carnet",
        "nb_passes" => "Nombre de pass",
        "valeur_faciale_centimes" => "Valeur faciale (centimes)",
        "valeur_centimes" => "Valeur (centimes)",
        "fin_validite" => "Fin de validité",
        "etat" => "État",
        "etape" => "Étape",
        "carnet_id" => "Carnet (numéro)",
        "conseiller_id" => "Conseiller (compte n°)",
        "commanditaire_nom" => "Commanditaire",
        "canal_reception" => "Remis par",
        "date_reception" => "Date de remise",
        "rang" => "Rang",
        "code" => "Code",
        "validated_at" => "Utilisé le",
        "validated_by" => "Validé par (compte n°)",
        "credited_structure_id" => "Structure créditée (numéro)",
        "user_id" => "Compte n°",
        "entity" => "Objet",
        "entity_id" => "Numéro de l'objet",
        "action" => "Action",
        "before_json" => "Avant",
        "after_json" => "Après",
        other => other,
    }
}

/// One table's rows about the person: every column, as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExportTable {
    pub table: String,
    pub titre: String,
    pub lignes: Vec<BTreeMap<String, Valeur>>,
}

/// `GET /api/v1/beneficiaires/{id}/export`: everything held about one person.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExportDonnees {
    pub genere_le: DateTime<Utc>,
    pub beneficiaire_id: i64,
    pub structure: String,
    pub tables: Vec<ExportTable>,
}

// --- access journal

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JournalEntree {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub utilisateur_id: i64,
    pub utilisateur: String,
    pub action: String,
    pub beneficiaires: Vec<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notice_blocks_and_placeholders() {
        let t =
            remplir_notice("## Qui ?\n\n{structure} garde vos données\n{duree}.\n\n- un\n- deux", "La Médiathèque", 12);
        assert_eq!(
            blocs(&t),
            vec![
                Bloc::Titre("Qui ?".into()),
                Bloc::Paragraphe("La Médiathèque garde vos données 12 mois.".into()),
                Bloc::Liste(vec!["un".into(), "deux".into()]),
            ]
        );
    }

    #[test]
    fn phones() {
        assert_eq!(valider_telephone("0612345678").unwrap(), "06 12 34 56 78");
        assert_eq!(valider_telephone("+33 6 12 34 56 78").unwrap(), "06 12 34 56 78");
        assert_eq!(valider_telephone("+33 (0)6.12.34.56.78").unwrap(), "06 12 34 56 78");
        assert_eq!(valider_telephone("02-98-00-00-00").unwrap(), "02 98 00 00 00");
        for bad in ["061234567", "06123456789", "0012345678", "06 12 34 56 7a", "bonjour"] {
            assert!(valider_telephone(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn information_needs_the_notice_and_contacts_only_with_consent() {
        let mut req = InformationRequest { notice_id: Some(1), notice_remise: true, ..Default::default() };
        assert!(valider_information(&req).is_ok());
        req.notice_remise = false;
        assert!(valider_information(&req).unwrap_err().contains_key("notice_remise"));
        req.notice_remise = true;
        // Contact details typed without the consent are not kept.
        req.telephone = "06 12 34 56 78".into();
        assert_eq!(valider_information(&req).unwrap().contacts, Contacts::default());
        req.rappels = true;
        assert_eq!(valider_information(&req).unwrap().contacts.telephone.as_deref(), Some("06 12 34 56 78"));
        req.telephone.clear();
        assert!(valider_information(&req).unwrap_err().contains_key("telephone"));
        req.email = "pas une adresse".into();
        assert!(valider_information(&req).unwrap_err().contains_key("email"));
    }

    #[test]
    fn consents() {
        let ok = ConsentementRequest { consentement: "agenda".into(), accorde: true, ..Default::default() };
        assert!(valider_consentement(&ok).is_ok());
        let bad = ConsentementRequest { consentement: "publicite".into(), ..Default::default() };
        assert!(valider_consentement(&bad).unwrap_err().contains_key("consentement"));
        let rappels = ConsentementRequest { consentement: "rappels".into(), accorde: true, ..Default::default() };
        assert!(valider_consentement(&rappels).unwrap_err().contains_key("telephone"));
        let retrait = ConsentementRequest { consentement: "rappels".into(), accorde: false, ..Default::default() };
        assert!(valider_consentement(&retrait).is_ok());
    }

    #[test]
    fn rectification_uses_the_intake_rules() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let req = RectificationRequest {
            prenom: "Zoé".into(),
            annee_naissance: "cinquante-huit".into(),
            ..Default::default()
        };
        assert!(valider_rectification(&req, today).unwrap_err()["annee_naissance"].contains("4 chiffres"));
        let req = RectificationRequest { prenom: "Zoé".into(), annee_naissance: "1958".into(), ..Default::default() };
        let v = valider_rectification(&req, today).unwrap();
        assert_eq!(v.tranche_age.as_deref(), Some("soixante_soixante_neuf"));
    }

    #[test]
    fn export_values_are_plain_json() {
        let mut row = BTreeMap::new();
        row.insert("a".to_string(), Valeur::Entier(3));
        row.insert("b".to_string(), Valeur::Nul);
        row.insert("c".to_string(), Valeur::Texte("x".into()));
        let json = serde_json::to_string(&row).unwrap();
        assert_eq!(json, r#"{"a":3,"b":null,"c":"x"}"#);
        let back: BTreeMap<String, Valeur> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, row);
    }
}
