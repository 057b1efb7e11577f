//! The structure's contact details: what the person's sheet and space give as « whom to call ».

use crate::api::FieldErrors;
use crate::donnees::valider_telephone;
use serde::{Deserialize, Serialize};

/// Longest address, in characters (one line: number, street, postcode, town).
pub const ADRESSE_MAX: usize = 200;

/// A structure's phone and address, either of which may be missing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Coordonnees {
    pub telephone: Option<String>,
    pub adresse: Option<String>,
}

impl Coordonnees {
    /// « Structure, adresse, tél. … » as one line, for the places that say whom to call.
    pub fn ligne(&self, structure: &str) -> String {
        let mut parts = vec![structure.to_string()];
        parts.extend(self.adresse.clone());
        parts.extend(self.telephone.as_ref().map(|t| format!("tél. {t}")));
        parts.join(", ")
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct CoordonneesRequest {
    pub telephone: String,
    pub adresse: String,
}

/// Both fields are optional; what is typed must be valid.
pub fn valider(req: &CoordonneesRequest) -> Result<Coordonnees, FieldErrors> {
    let mut errors = FieldErrors::new();
    let telephone = match req.telephone.trim() {
        "" => None,
        t => match valider_telephone(t) {
            Ok(t) => Some(t),
            Err(m) => {
                errors.insert("telephone".into(), m);
                None
            }
        },
    };
    let a = req.adresse.split_whitespace().collect::<Vec<_>>().join(" ");
    let adresse = if a.is_empty() {
        None
    } else if a.chars().count() > ADRESSE_MAX {
        errors.insert("adresse".into(), format!("Adresse : {ADRESSE_MAX} caractères au plus."));
        None
    } else if a.chars().any(char::is_control) {
        errors.insert("adresse".into(), "Adresse : caractères non autorisés.".into());
        None
    } else {
        Some(a)
    };
    if errors.is_empty() {
        Ok(Coordonnees { telephone, adresse })
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(t: &str, a: &str) -> CoordonneesRequest {
        CoordonneesRequest { telephone: t.into(), adresse: a.into() }
    }

    #[test]
    fn a_landline_and_an_address_are_kept_on_one_line() {
        let c = valider(&req("0298001122", " 12 rue des Capucins\n29200   Brest ")).unwrap();
        assert_eq!(c.telephone.as_deref(), Some("02 98 00 11 22"));
        assert_eq!(c.adresse.as_deref(), Some("12 rue des Capucins 29200 Brest"));
        assert_eq!(c.ligne("Médiathèque"), "Médiathèque, 12 rue des Capucins 29200 Brest, tél. 02 98 00 11 22");
    }

    #[test]
    fn both_may_be_empty() {
        assert_eq!(valider(&req(" ", "")).unwrap(), Coordonnees::default());
        assert_eq!(Coordonnees::default().ligne("Médiathèque"), "Médiathèque");
    }

    #[test]
    fn what_is_typed_must_be_valid() {
        let e = valider(&req("12 34", &"x".repeat(ADRESSE_MAX + 1))).unwrap_err();
        assert!(e["telephone"].starts_with("Téléphone"));
        assert!(e["adresse"].starts_with("Adresse"));
    }
}
