//! The bilan: the final diagnostic (a `DiagnosticRequest`, like at intake), each objective
//! marked reached or not, an orientation (Coop `structure_de_redirection`) and recommendations.

use crate::api::FieldErrors;
use crate::coop;
use crate::parcours::diagnostic::{valider_texte, TEXTE_MAX};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct BilanRequest {
    /// Competence code of each objective → reached.
    pub objectifs_atteints: BTreeMap<String, bool>,
    /// A Coop `structure_de_redirection` value, or empty.
    pub orientation: String,
    pub recommandations: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ValidBilan {
    pub objectifs_atteints: BTreeMap<String, bool>,
    pub orientation: Option<String>,
    pub recommandations: String,
}

/// `objectifs` are the competences of the parcours' objectives: each must be marked.
pub fn valider(req: &BilanRequest, objectifs: &[String]) -> Result<ValidBilan, FieldErrors> {
    let mut errors = FieldErrors::new();
    for code in req.objectifs_atteints.keys() {
        if !objectifs.contains(code) {
            errors.insert(
                "objectifs_atteints".into(),
                format!("Objectifs : {code} n'est pas un objectif de ce parcours."),
            );
        }
    }
    for code in objectifs {
        if !req.objectifs_atteints.contains_key(code) {
            errors.insert(
                format!("atteint_{}", code.replace('.', "_")),
                format!("Objectif {} : indiquez s'il est atteint ou non.", crate::parcours::competences::libelle(code)),
            );
        }
    }
    let orientation = match req.orientation.trim() {
        "" => None,
        o if coop::contains(coop::STRUCTURE_DE_REDIRECTION, o) => Some(o.to_string()),
        _ => {
            errors.insert("orientation".into(), "Orientation : choisissez une structure de la liste.".into());
            None
        }
    };
    let recommandations =
        valider_texte(&mut errors, "recommandations", "Recommandations", &req.recommandations, TEXTE_MAX);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ValidBilan { objectifs_atteints: req.objectifs_atteints.clone(), orientation, recommandations })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn objectifs() -> Vec<String> {
        vec!["1.1".into(), "2.1".into()]
    }

    fn req() -> BilanRequest {
        BilanRequest {
            objectifs_atteints: [("1.1".to_string(), true), ("2.1".to_string(), false)].into_iter().collect(),
            orientation: "aide_aux_demarches_administratives".into(),
            recommandations: "Continuer à la médiathèque.".into(),
        }
    }

    #[test]
    fn a_valid_bilan() {
        let v = valider(&req(), &objectifs()).unwrap();
        assert_eq!(v.orientation.as_deref(), Some("aide_aux_demarches_administratives"));
        let mut r = req();
        r.orientation.clear();
        assert_eq!(valider(&r, &objectifs()).unwrap().orientation, None);
    }

    #[test]
    fn each_problem_is_named() {
        let mut r = req();
        r.objectifs_atteints.remove("2.1");
        assert!(valider(&r, &objectifs()).unwrap_err()["atteint_2_1"].contains("2.1 Interagir"));
        let mut r = req();
        r.objectifs_atteints.insert("3.4".into(), true);
        assert!(valider(&r, &objectifs()).unwrap_err().contains_key("objectifs_atteints"));
        let mut r = req();
        r.orientation = "pole_emploi".into();
        assert!(valider(&r, &objectifs()).unwrap_err().contains_key("orientation"));
        let mut r = req();
        r.recommandations = "x".repeat(TEXTE_MAX + 1);
        assert!(valider(&r, &objectifs()).unwrap_err().contains_key("recommandations"));
    }
}
