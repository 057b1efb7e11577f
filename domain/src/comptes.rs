//! Staff accounts: invitations, one-time links, password rules, and the API shapes of the
//! account pages (my account, the structure's team, the administration).
//!
//! The length and shape rules live here so the app can answer at once; the server applies them
//! again and also checks the list of common passwords, which is too big to ship to the browser.

use crate::api::{FieldErrors, Role, StructureRef};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub const MOT_DE_PASSE_MIN: usize = 12;
/// Argon2 hashes anything, but a bound keeps a request from making it work for nothing.
pub const MOT_DE_PASSE_MAX: usize = 200;
pub const NOM_MAX: usize = 80;
pub const EMAIL_MAX: usize = 254;

/// Checks a new password's length and shape; `label` names the field in the message
/// (« Nouveau mot de passe »). `email` is the account's: a password built on it is refused.
pub fn verifier_mot_de_passe(label: &str, password: &str, email: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n == 0 {
        return Err(format!("{label} : ce champ est obligatoire."));
    }
    if n < MOT_DE_PASSE_MIN {
        return Err(format!(
            "{label} : {MOT_DE_PASSE_MIN} caractères au moins ({n} saisis). Une phrase de quelques mots est facile à retenir."
        ));
    }
    if n > MOT_DE_PASSE_MAX {
        return Err(format!("{label} : {MOT_DE_PASSE_MAX} caractères au plus."));
    }
    let mut distinct: Vec<char> = password.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 5 {
        return Err(format!("{label} : trop répétitif, variez les caractères."));
    }
    let local = email.split('@').next().unwrap_or("").to_lowercase();
    if local.chars().count() >= 4 && password.to_lowercase().contains(&local) {
        return Err(format!("{label} : il ne doit pas reprendre votre adresse e-mail."));
    }
    Ok(())
}

/// A plausible e-mail address, trimmed and lowercased; the message names the field.
pub fn valider_email(label: &str, input: &str) -> Result<String, String> {
    let email = input.trim().to_lowercase();
    if email.is_empty() {
        return Err(format!("{label} : ce champ est obligatoire."));
    }
    let ok = email.len() <= EMAIL_MAX
        && !email.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"'))
        && match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains("..")
            }
            None => false,
        };
    if ok {
        Ok(email)
    } else {
        Err(format!("{label} : adresse invalide, par exemple prenom.nom@exemple.fr."))
    }
}

fn nom_field(errors: &mut FieldErrors, field: &str, label: &str, input: &str) -> String {
    let v = input.trim().to_string();
    if v.is_empty() {
        errors.insert(field.into(), format!("{label} : ce champ est obligatoire."));
    } else if v.chars().count() > NOM_MAX {
        errors.insert(field.into(), format!("{label} : {NOM_MAX} caractères au plus."));
    } else if v.chars().any(char::is_control) {
        errors.insert(field.into(), format!("{label} : caractères non autorisés."));
    }
    v
}

/// `POST /api/v1/comptes`: invite someone. A coordinateur invites into their own structure; an
/// administrator chooses the structure (required for conseillers and coordinateurs).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct InvitationRequest {
    pub prenom: String,
    pub nom: String,
    pub email: String,
    pub role: String,
    pub structure_id: Option<i64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ValidInvitation {
    pub prenom: String,
    pub nom: String,
    pub email: String,
    pub role: Role,
    pub structure_id: Option<i64>,
}

/// The roles that belong to a structure (and see its beneficiaries).
pub fn role_de_structure(role: Role) -> bool {
    matches!(role, Role::Conseiller | Role::Coordinateur)
}

/// Checks the form; `roles` are the roles this inviter may give.
pub fn valider_invitation(req: &InvitationRequest, roles: &[Role]) -> Result<ValidInvitation, FieldErrors> {
    let mut errors = FieldErrors::new();
    let prenom = nom_field(&mut errors, "prenom", "Prénom", &req.prenom);
    let nom = nom_field(&mut errors, "nom", "Nom", &req.nom);
    let email = valider_email("Adresse e-mail", &req.email).unwrap_or_else(|m| {
        errors.insert("email".into(), m);
        String::new()
    });
    let role = match Role::parse(req.role.trim()) {
        Some(r) if roles.contains(&r) => Some(r),
        _ => {
            errors.insert("role".into(), "Rôle : choisissez un rôle de la liste.".into());
            None
        }
    };
    if let Some(r) = role {
        if role_de_structure(r) && req.structure_id.is_none() {
            errors.insert(
                "structure_id".into(),
                "Structure : un conseiller ou un coordinateur appartient à une structure.".into(),
            );
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let role = role.expect("checked above");
    Ok(ValidInvitation {
        prenom,
        nom,
        email,
        role,
        structure_id: if role_de_structure(role) { req.structure_id } else { None },
    })
}

/// Where an account stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EtatCompte {
    /// Invited, no password chosen yet.
    Invitation,
    Actif,
    Desactive,
}

impl EtatCompte {
    pub fn label(self) -> &'static str {
        match self {
            EtatCompte::Invitation => "Invitation envoyée",
            EtatCompte::Actif => "Actif",
            EtatCompte::Desactive => "Désactivé",
        }
    }
}

/// One account as the team and administration pages list it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompteView {
    pub id: i64,
    pub email: String,
    pub prenom: String,
    pub nom: String,
    pub role: Role,
    pub structure: Option<StructureRef>,
    pub etat: EtatCompte,
    pub created_at: DateTime<Utc>,
    pub derniere_connexion: Option<DateTime<Utc>>,
}

/// The answer to an invitation (or a new invitation link).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationEnvoyee {
    pub compte: CompteView,
    /// False when the e-mail could not leave: the link is in the server log, resend later.
    pub email_envoye: bool,
    pub message: String,
}

/// `POST /api/v1/auth/mot-de-passe`: change one's own password.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ChangementMotDePasse {
    pub actuel: String,
    pub nouveau: String,
    pub confirmation: String,
}

/// `POST /api/v1/auth/reinitialisation`: ask for a reset link.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct DemandeReinitialisation {
    pub email: String,
}

/// `POST /api/v1/auth/jeton`: what a one-time link is for (before choosing a password).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct JetonRequest {
    pub jeton: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ObjetJeton {
    Invitation,
    Reinitialisation,
}

impl ObjetJeton {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjetJeton::Invitation => "invitation",
            ObjetJeton::Reinitialisation => "reinitialisation",
        }
    }
    pub fn parse(s: &str) -> Option<ObjetJeton> {
        match s {
            "invitation" => Some(ObjetJeton::Invitation),
            "reinitialisation" => Some(ObjetJeton::Reinitialisation),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JetonInfo {
    pub objet: ObjetJeton,
    pub prenom: String,
    pub email: String,
    pub expire_le: DateTime<Utc>,
}

/// `POST /api/v1/auth/jeton/mot-de-passe`: choose a password with a one-time link.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct NouveauMotDePasse {
    pub jeton: String,
    pub mot_de_passe: String,
    pub confirmation: String,
}

/// A plain answer with a French sentence to show.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    pub message: String,
}

/// The local checks of a new password and its confirmation (the server adds the common list).
pub fn verifier_nouveau(field: &str, label: &str, password: &str, confirmation: &str, email: &str) -> FieldErrors {
    let mut errors = FieldErrors::new();
    if let Err(m) = verifier_mot_de_passe(label, password, email) {
        errors.insert(field.into(), m);
    } else if password != confirmation {
        errors.insert("confirmation".into(), "Confirmation : elle ne correspond pas au mot de passe saisi.".into());
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_length_and_shape() {
        let l = "Mot de passe";
        assert!(verifier_mot_de_passe(l, "", "a@b.fr").unwrap_err().contains("obligatoire"));
        assert!(verifier_mot_de_passe(l, "court", "a@b.fr").unwrap_err().contains("12 caractères au moins (5 saisis)"));
        // Counted in characters, not bytes.
        assert!(verifier_mot_de_passe(l, "éééééééééééé", "a@b.fr").unwrap_err().contains("répétitif"));
        assert!(verifier_mot_de_passe(l, "abababababab", "a@b.fr").unwrap_err().contains("répétitif"));
        assert!(verifier_mot_de_passe(l, "le chat dort au soleil", "a@b.fr").is_ok());
        assert!(verifier_mot_de_passe(l, &"x".repeat(201), "a@b.fr").is_err());
        assert!(verifier_mot_de_passe(l, "Camille.Martin-2026", "camille.martin@exemple.fr")
            .unwrap_err()
            .contains("adresse e-mail"));
    }

    #[test]
    fn emails() {
        assert_eq!(valider_email("E", " Camille@Exemple.FR ").unwrap(), "camille@exemple.fr");
        for bad in ["", "camille", "@exemple.fr", "a@b", "a@.fr", "a b@c.fr", "a@b..fr", "a@b@c.fr", "a@b.fr>"] {
            assert!(valider_email("E", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn invitation_rules() {
        let req = InvitationRequest {
            prenom: "Alex".into(),
            nom: "Martin".into(),
            email: "alex@exemple.fr".into(),
            role: "conseiller".into(),
            structure_id: Some(3),
        };
        let v = valider_invitation(&req, &[Role::Conseiller, Role::Coordinateur]).unwrap();
        assert_eq!(v.role, Role::Conseiller);
        assert_eq!(v.structure_id, Some(3));
        // A role the inviter may not give.
        let mut r = req.clone();
        r.role = "admin".into();
        assert!(valider_invitation(&r, &[Role::Conseiller]).unwrap_err().contains_key("role"));
        // A conseiller needs a structure; a hub has none.
        let mut r = req.clone();
        r.structure_id = None;
        assert!(valider_invitation(&r, &[Role::Conseiller]).unwrap_err().contains_key("structure_id"));
        let mut r = req.clone();
        r.role = "hub".into();
        assert_eq!(valider_invitation(&r, &[Role::Hub]).unwrap().structure_id, None);
        let errors = valider_invitation(&InvitationRequest::default(), &[Role::Conseiller]).unwrap_err();
        assert_eq!(errors.keys().cloned().collect::<Vec<_>>(), vec!["email", "nom", "prenom", "role"]);
    }

    #[test]
    fn new_password_and_confirmation() {
        let e = verifier_nouveau("nouveau", "Nouveau mot de passe", "le chat dort au soleil", "le chat dort", "a@b.fr");
        assert!(e.contains_key("confirmation"));
        assert!(
            verifier_nouveau("nouveau", "N", "le chat dort au soleil", "le chat dort au soleil", "a@b.fr").is_empty()
        );
    }
}
