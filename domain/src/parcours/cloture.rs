//! Closing a parcours before its end: the person stops, moves, falls ill or no longer answers.
//! The conseiller picks a reason from a short list (a precision is required only for « autre »);
//! the sessions still planned are withdrawn, the sessions held stay as they are, and the unused
//! passes stay on the carnet, in the person's hands: a Pass numérique belongs to the person, who
//! may still use it in any accredited venue until its end of validity.

use crate::api::FieldErrors;
use crate::parcours::diagnostic::valider_texte;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Why a parcours stopped before its end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MotifCloture {
    Arret,
    Demenagement,
    Sante,
    SansNouvelles,
    Autre,
}

impl MotifCloture {
    pub const TOUS: [MotifCloture; 5] = [
        MotifCloture::Arret,
        MotifCloture::Demenagement,
        MotifCloture::Sante,
        MotifCloture::SansNouvelles,
        MotifCloture::Autre,
    ];

    /// The value stored in the database and sent on the wire.
    pub fn code(self) -> &'static str {
        match self {
            MotifCloture::Arret => "arret",
            MotifCloture::Demenagement => "demenagement",
            MotifCloture::Sante => "sante",
            MotifCloture::SansNouvelles => "sans_nouvelles",
            MotifCloture::Autre => "autre",
        }
    }

    pub fn parse(code: &str) -> Option<MotifCloture> {
        MotifCloture::TOUS.into_iter().find(|m| m.code() == code)
    }

    pub fn libelle(self) -> &'static str {
        match self {
            MotifCloture::Arret => "La personne ne souhaite pas continuer",
            MotifCloture::Demenagement => "La personne déménage",
            MotifCloture::Sante => "Raison de santé",
            MotifCloture::SansNouvelles => "Sans nouvelles de la personne",
            MotifCloture::Autre => "Autre raison",
        }
    }
}

/// Longest precision, in characters.
pub const PRECISION_MAX: usize = 500;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ClotureAnticipeeRequest {
    /// A `MotifCloture` code.
    pub motif: String,
    pub precision: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ClotureAnticipee {
    pub motif: MotifCloture,
    pub precision: String,
}

pub fn valider(req: &ClotureAnticipeeRequest) -> Result<ClotureAnticipee, FieldErrors> {
    let mut errors = FieldErrors::new();
    let motif = MotifCloture::parse(req.motif.trim());
    if motif.is_none() {
        errors.insert("motif".into(), "Raison : choisissez pourquoi le parcours s'arrête.".into());
    }
    let precision = valider_texte(&mut errors, "precision", "Précision", &req.precision, PRECISION_MAX);
    if motif == Some(MotifCloture::Autre) && precision.is_empty() && !errors.contains_key("precision") {
        errors.insert("precision".into(), "Précision : dites en quelques mots pourquoi le parcours s'arrête.".into());
    }
    match motif {
        Some(motif) if errors.is_empty() => Ok(ClotureAnticipee { motif, precision }),
        _ => Err(errors),
    }
}

/// How a parcours closed before its end, as the pages show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClotureView {
    pub motif: MotifCloture,
    pub precision: String,
    pub le: DateTime<Utc>,
}

/// What the closing answers: the sessions withdrawn and the passes left to the person.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClotureFaite {
    pub seances_retirees: usize,
    pub passes_restants: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(motif: &str, precision: &str) -> ClotureAnticipeeRequest {
        ClotureAnticipeeRequest { motif: motif.into(), precision: precision.into() }
    }

    #[test]
    fn every_reason_round_trips() {
        for m in MotifCloture::TOUS {
            assert_eq!(MotifCloture::parse(m.code()), Some(m));
            assert_eq!(valider(&req(m.code(), "ok")).unwrap().motif, m);
        }
    }

    #[test]
    fn a_reason_is_required_and_must_be_known() {
        assert!(valider(&req("", "")).unwrap_err().contains_key("motif"));
        assert!(valider(&req("vacances", "")).unwrap_err().contains_key("motif"));
    }

    #[test]
    fn autre_needs_a_precision_the_others_do_not() {
        let e = valider(&req("autre", "  ")).unwrap_err();
        assert!(e["precision"].starts_with("Précision"));
        assert_eq!(valider(&req("demenagement", "")).unwrap().precision, "");
    }

    #[test]
    fn the_precision_is_bounded_and_trimmed() {
        assert!(valider(&req("sante", &"x".repeat(PRECISION_MAX + 1))).unwrap_err().contains_key("precision"));
        assert_eq!(valider(&req("sante", "  hospitalisée \n")).unwrap().precision, "hospitalisée");
        assert!(valider(&req("sante", "a\u{7}b")).unwrap_err().contains_key("precision"));
    }
}
