//! Candidate venues (Axe 3): a conseiller reports a venue that could accept the Pass; the hub of
//! its département follows it through accreditation: signalé → contacté → dossier en cours →
//! agréé, or refusé / abandonné.

use super::identifiants as id;
use crate::api::FieldErrors;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StatutCandidat {
    Signale,
    Contacte,
    DossierEnCours,
    Agree,
    Refuse,
    Abandonne,
}

pub const STATUTS: [StatutCandidat; 6] = [
    StatutCandidat::Signale,
    StatutCandidat::Contacte,
    StatutCandidat::DossierEnCours,
    StatutCandidat::Agree,
    StatutCandidat::Refuse,
    StatutCandidat::Abandonne,
];

impl StatutCandidat {
    pub fn code(self) -> &'static str {
        match self {
            StatutCandidat::Signale => "signale",
            StatutCandidat::Contacte => "contacte",
            StatutCandidat::DossierEnCours => "dossier_en_cours",
            StatutCandidat::Agree => "agree",
            StatutCandidat::Refuse => "refuse",
            StatutCandidat::Abandonne => "abandonne",
        }
    }

    pub fn libelle(self) -> &'static str {
        match self {
            StatutCandidat::Signale => "Signalé",
            StatutCandidat::Contacte => "Contacté",
            StatutCandidat::DossierEnCours => "Dossier en cours",
            StatutCandidat::Agree => "Agréé",
            StatutCandidat::Refuse => "Refusé",
            StatutCandidat::Abandonne => "Abandonné",
        }
    }

    pub fn parse(s: &str) -> Option<StatutCandidat> {
        STATUTS.into_iter().find(|x| x.code() == s)
    }

    pub fn est_final(self) -> bool {
        matches!(self, StatutCandidat::Agree | StatutCandidat::Refuse | StatutCandidat::Abandonne)
    }

    /// Where a candidate may go next. Accreditation is decided on a file: « agréé » and
    /// « refusé » come only after « dossier en cours »; it can be abandoned at any open step.
    pub fn suivants(self) -> &'static [StatutCandidat] {
        match self {
            StatutCandidat::Signale => &[StatutCandidat::Contacte, StatutCandidat::Abandonne],
            StatutCandidat::Contacte => &[StatutCandidat::DossierEnCours, StatutCandidat::Abandonne],
            StatutCandidat::DossierEnCours => {
                &[StatutCandidat::Agree, StatutCandidat::Refuse, StatutCandidat::Abandonne]
            }
            _ => &[],
        }
    }
}

pub const NOM_MAX: usize = 200;
pub const TEXTE_MAX: usize = 2000;

/// The form a conseiller fills to report a venue, as typed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct CandidatRequest {
    pub nom: String,
    pub adresse: String,
    pub code_postal: String,
    pub commune_insee: String,
    /// Why it could be accredited.
    pub motif: String,
    pub contact_nom: String,
    pub contact_telephone: String,
    pub contact_courriel: String,
    /// SIRET or RNA, if known (required later to accredit).
    pub pivot: String,
    /// An existing venue of the map this report is about.
    pub lieu_id: Option<i64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CandidatValide {
    pub nom: String,
    pub adresse: String,
    pub code_postal: String,
    pub commune_insee: String,
    pub motif: String,
    pub contact_nom: Option<String>,
    pub contact_telephone: Option<String>,
    pub contact_courriel: Option<String>,
    pub pivot: Option<String>,
    pub lieu_id: Option<i64>,
}

fn text(errors: &mut FieldErrors, field: &str, label: &str, value: &str, required: bool, max: usize) -> Option<String> {
    let v = value.trim();
    if v.is_empty() {
        if required {
            errors.insert(field.into(), format!("{label} : ce champ est obligatoire."));
        }
        return None;
    }
    if v.chars().count() > max {
        errors.insert(field.into(), format!("{label} : {max} caractères au plus."));
        return None;
    }
    if v.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        errors.insert(field.into(), format!("{label} : caractères non autorisés."));
        return None;
    }
    Some(v.to_string())
}

pub fn valider(req: &CandidatRequest) -> Result<CandidatValide, FieldErrors> {
    let mut e = FieldErrors::new();
    let nom = text(&mut e, "nom", "Nom du lieu", &req.nom, true, NOM_MAX);
    let adresse = text(&mut e, "adresse", "Adresse", &req.adresse, true, NOM_MAX);
    let code_postal = match id::code_postal(&req.code_postal) {
        Ok(c) => Some(c),
        Err(m) => {
            e.insert("code_postal".into(), m);
            None
        }
    };
    let commune = req.commune_insee.trim().to_uppercase();
    if commune.is_empty() {
        e.insert("commune_insee".into(), "Commune : choisissez la commune du lieu dans la liste.".into());
    } else if !id::is_code_insee_lieu(&commune) {
        e.insert("commune_insee".into(), "Commune : choisissez une commune dans la liste proposée.".into());
    }
    let motif = text(&mut e, "motif", "Pourquoi ce lieu pourrait être agréé", &req.motif, true, TEXTE_MAX);
    let contact_nom = text(&mut e, "contact_nom", "Personne à contacter", &req.contact_nom, false, NOM_MAX);
    let contact_telephone = match id::telephone(&req.contact_telephone) {
        Ok(t) => t,
        Err(_) => {
            e.insert(
                "contact_telephone".into(),
                "Téléphone du contact : numéro invalide (exemple : 02 98 00 00 00).".into(),
            );
            None
        }
    };
    let contact_courriel = match req.contact_courriel.trim() {
        "" => None,
        c if id::is_courriel(c) => Some(c.to_string()),
        _ => {
            e.insert(
                "contact_courriel".into(),
                "Courriel du contact : adresse invalide (exemple : nom@exemple.fr).".into(),
            );
            None
        }
    };
    let pivot = match req.pivot.trim() {
        "" => None,
        p => match id::pivot(p, code_postal.as_deref().unwrap_or("")) {
            Ok(p) => Some(p),
            Err(m) => {
                e.insert("pivot".into(), m.replacen("Pivot", "SIRET ou RNA", 1));
                None
            }
        },
    };
    if !e.is_empty() {
        return Err(e);
    }
    Ok(CandidatValide {
        nom: nom.unwrap_or_default(),
        adresse: adresse.unwrap_or_default(),
        code_postal: code_postal.unwrap_or_default(),
        commune_insee: commune,
        motif: motif.unwrap_or_default(),
        contact_nom,
        contact_telephone,
        contact_courriel,
        pivot,
        lieu_id: req.lieu_id,
    })
}

/// A hub moves a candidate to its next step.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct TransitionRequest {
    pub statut: String,
    /// When it happened (`AAAA-MM-JJ` or `JJ/MM/AAAA`); today when empty.
    pub date: String,
    pub note: String,
    /// SIRET or RNA, when the candidate has none yet (required to accredit).
    pub pivot: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TransitionValide {
    pub vers: StatutCandidat,
    pub date: NaiveDate,
    pub note: Option<String>,
    pub pivot: Option<String>,
}

/// Checks a move from `from` (reported on `signale_le`) given what the candidate holds.
pub fn valider_transition(
    req: &TransitionRequest,
    from: StatutCandidat,
    signale_le: NaiveDate,
    pivot_connu: bool,
    code_postal: &str,
    today: NaiveDate,
) -> Result<TransitionValide, FieldErrors> {
    let mut e = FieldErrors::new();
    let vers = match StatutCandidat::parse(req.statut.trim()) {
        Some(s) if from.suivants().contains(&s) => Some(s),
        _ => {
            let possibles: Vec<String> = from.suivants().iter().map(|s| format!("« {} »", s.libelle())).collect();
            e.insert(
                "statut".into(),
                if possibles.is_empty() {
                    format!("Étape : ce dossier est clos (« {} »).", from.libelle())
                } else {
                    format!("Étape : depuis « {} », choisissez {}.", from.libelle(), possibles.join(" ou "))
                },
            );
            None
        }
    };
    let date = match req.date.trim() {
        "" => Some(today),
        s => match crate::intake::parse_date(s) {
            None => {
                e.insert("date".into(), "Date : date invalide (jj/mm/aaaa).".into());
                None
            }
            Some(d) if d > today => {
                e.insert("date".into(), "Date : elle ne peut pas être dans le futur.".into());
                None
            }
            Some(d) if d < signale_le => {
                e.insert("date".into(), "Date : elle ne peut pas précéder le signalement du lieu.".into());
                None
            }
            Some(d) => Some(d),
        },
    };
    let note = text(&mut e, "note", "Note", &req.note, false, TEXTE_MAX);
    let pivot = match req.pivot.trim() {
        "" => None,
        p => match id::pivot(p, code_postal) {
            Ok(p) => Some(p),
            Err(m) => {
                e.insert("pivot".into(), m.replacen("Pivot", "SIRET ou RNA", 1));
                None
            }
        },
    };
    if vers == Some(StatutCandidat::Agree) && !pivot_connu && pivot.is_none() && !e.contains_key("pivot") {
        e.insert(
            "pivot".into(),
            "SIRET ou RNA : obligatoire pour agréer un lieu (il figure dans le standard national).".into(),
        );
    }
    if !e.is_empty() {
        return Err(e);
    }
    Ok(TransitionValide { vers: vers.unwrap(), date: date.unwrap(), note, pivot })
}

/// One step of a candidate's story.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EtapeCandidat {
    pub at: DateTime<Utc>,
    pub date: NaiveDate,
    pub de: Option<String>,
    pub vers: String,
    pub note: Option<String>,
    pub par: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CandidatResume {
    pub id: i64,
    pub nom: String,
    pub commune: String,
    pub departement: String,
    pub statut: StatutCandidat,
    pub signale_le: NaiveDate,
    pub maj_le: DateTime<Utc>,
    pub signale_par: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CandidatDetail {
    pub id: i64,
    pub nom: String,
    pub adresse: String,
    pub code_postal: String,
    pub commune_insee: String,
    pub commune: String,
    pub departement: String,
    pub motif: String,
    pub contact_nom: Option<String>,
    pub contact_telephone: Option<String>,
    pub contact_courriel: Option<String>,
    pub pivot: Option<String>,
    pub statut: StatutCandidat,
    pub signale_le: NaiveDate,
    pub signale_par: String,
    pub lieu_id: Option<i64>,
    pub etapes: Vec<EtapeCandidat>,
    /// The user may move it (a hub of its territory, an admin).
    pub modifiable: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_pipeline() {
        use StatutCandidat::*;
        assert_eq!(Signale.suivants(), &[Contacte, Abandonne]);
        assert_eq!(DossierEnCours.suivants(), &[Agree, Refuse, Abandonne]);
        for s in [Agree, Refuse, Abandonne] {
            assert!(s.est_final() && s.suivants().is_empty());
        }
        for s in STATUTS {
            assert_eq!(StatutCandidat::parse(s.code()), Some(s));
        }
    }

    #[test]
    fn transitions() {
        let today = d("2026-11-23");
        let t = |statut: &str, date: &str, from, pivot_connu, pivot: &str| {
            valider_transition(
                &TransitionRequest { statut: statut.into(), date: date.into(), note: "ok".into(), pivot: pivot.into() },
                from,
                d("2026-11-01"),
                pivot_connu,
                "29200",
                today,
            )
        };
        use StatutCandidat::*;
        assert_eq!(t("contacte", "", Signale, false, "").unwrap().date, today);
        assert_eq!(t("contacte", "05/11/2026", Signale, false, "").unwrap().date, d("2026-11-05"));
        assert!(t("agree", "", Signale, true, "").unwrap_err()["statut"].contains("« Contacté » ou « Abandonné »"));
        assert!(t("contacte", "", Agree, true, "").unwrap_err()["statut"].contains("clos"));
        assert!(t("contacte", "2026-12-01", Signale, true, "").unwrap_err().contains_key("date"));
        assert!(t("contacte", "2026-10-01", Signale, true, "").unwrap_err()["date"].contains("précéder"));
        // Accreditation needs a SIRET or RNA.
        assert!(t("agree", "", DossierEnCours, false, "").unwrap_err()["pivot"].contains("obligatoire"));
        assert_eq!(
            t("agree", "", DossierEnCours, false, "43493312300029").unwrap().pivot.as_deref(),
            Some("43493312300029")
        );
        assert!(t("agree", "", DossierEnCours, true, "").is_ok());
    }

    #[test]
    fn reports() {
        let ok = CandidatRequest {
            nom: "Tiers-lieu du port".into(),
            adresse: "2 quai de la Douane".into(),
            code_postal: "29200".into(),
            commune_insee: "29019".into(),
            motif: "Accueille déjà des ateliers numériques".into(),
            contact_telephone: "02 98 00 00 00".into(),
            ..Default::default()
        };
        let v = valider(&ok).unwrap();
        assert_eq!(v.contact_telephone.as_deref(), Some("+33298000000"));
        let bad = CandidatRequest {
            nom: " ".into(),
            code_postal: "29".into(),
            contact_courriel: "x".into(),
            pivot: "123".into(),
            ..ok
        };
        let e = valider(&bad).unwrap_err();
        assert_eq!(e.keys().collect::<Vec<_>>(), vec!["code_postal", "contact_courriel", "nom", "pivot"]);
        assert!(e["pivot"].starts_with("SIRET ou RNA"));
    }
}
