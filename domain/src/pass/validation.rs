//! Every condition of a validation, in the order a person would want to hear them:
//! 1. the pass belongs to the carnet of the parcours the session is part of;
//! 2. the pass is `distribue` (not used, not expired, its order activated, handed to a person);
//! 3. a carnet received elsewhere (typed in at intake): its own end of validity is not past;
//!    an order's carnet: the order's end of validity plus grace is not past, the validating
//!    structure is accredited by the order's opérateur with its accreditation active, and its
//!    commune lies inside the order's territory;
//! 4. the session has not consumed a pass already.
//!
//! The server ANDs the same conditions, in the same order, into its one atomic UPDATE
//! (`store::passes::conditions`); `verifier` explains a refusal from the facts read afterwards.

use super::etat::PassEtat;
use crate::ledger::commande::{dans_territoire, date_limite, encore_valable};
use crate::paris::date_courte;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What the server knows about a pass, its order and the structure asking, at validation time.
#[derive(Clone, Debug, PartialEq)]
pub struct FaitsValidation {
    pub etat: PassEtat,
    /// Day (in Paris) of the current validation, for « déjà utilisé le … ».
    pub valide_le: Option<NaiveDate>,
    /// The pass belongs to the carnet of the parcours the session is part of.
    pub carnet_du_parcours: bool,
    /// The carnet's own end of validity (what counts for a carnet received elsewhere).
    pub fin_validite_carnet: NaiveDate,
    /// `None` for a carnet typed in at intake: it was not ordered through Carnet, so the ledger's
    /// rules (and its statements) do not apply to it.
    pub commande: Option<FaitsCommande>,
    /// This session already consumed a pass.
    pub seance_deja_validee: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FaitsCommande {
    pub operateur: String,
    /// The accreditation of the validating structure by the order's opérateur: `None` if there is
    /// none, `Some(false)` if it is suspended.
    pub agrement_actif: Option<bool>,
    pub fin_validite: NaiveDate,
    pub jours_grace: i64,
    /// The validating structure's commune: (INSEE code, département, name); `None` if unknown.
    pub commune_structure: Option<(String, String, String)>,
    pub territoire_departements: Vec<String>,
    pub territoire_communes: Vec<String>,
}

/// Why a validation is refused. The code is stable (for the API and tests); the message is French.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum RefusValidation {
    CodeInconnu,
    AutreCarnet,
    CarnetHorsValidite { fin_validite: NaiveDate },
    NonActive,
    NonRemis,
    DejaValide { le: Option<NaiveDate> },
    Expire,
    HorsValidite { fin_validite: NaiveDate, jours_grace: i64 },
    StructureNonAgreee { operateur: String },
    AgrementSuspendu { operateur: String },
    CommuneStructureInconnue,
    HorsTerritoire { commune: String },
    SeanceDejaValidee,
}

impl RefusValidation {
    pub fn code(&self) -> &'static str {
        match self {
            RefusValidation::CodeInconnu => "code_inconnu",
            RefusValidation::AutreCarnet => "autre_carnet",
            RefusValidation::CarnetHorsValidite { .. } => "carnet_hors_validite",
            RefusValidation::NonActive => "non_active",
            RefusValidation::NonRemis => "non_remis",
            RefusValidation::DejaValide { .. } => "deja_valide",
            RefusValidation::Expire => "expire",
            RefusValidation::HorsValidite { .. } => "hors_validite",
            RefusValidation::StructureNonAgreee { .. } => "structure_non_agreee",
            RefusValidation::AgrementSuspendu { .. } => "agrement_suspendu",
            RefusValidation::CommuneStructureInconnue => "commune_structure_inconnue",
            RefusValidation::HorsTerritoire { .. } => "hors_territoire",
            RefusValidation::SeanceDejaValidee => "seance_deja_validee",
        }
    }

    pub fn message(&self) -> String {
        match self {
            RefusValidation::CodeInconnu => "Ce code de pass n'existe pas dans Carnet : vérifiez-le.".into(),
            RefusValidation::AutreCarnet => {
                "Ce pass n'appartient pas au carnet de ce parcours : chaque personne utilise les pass de son carnet.".into()
            }
            RefusValidation::CarnetHorsValidite { fin_validite } => format!(
                "Ce carnet n'est plus valable : sa validité a pris fin le {}.",
                date_courte(*fin_validite)
            ),
            RefusValidation::NonActive => {
                "Ce pass n'est pas encore utilisable : sa commande n'a pas été payée et activée par l'opérateur.".into()
            }
            RefusValidation::NonRemis => "Ce pass n'a pas encore été remis à une personne.".into(),
            RefusValidation::DejaValide { le: Some(d) } => format!("Ce pass a déjà été utilisé, le {}.", date_courte(*d)),
            RefusValidation::DejaValide { le: None } => "Ce pass a déjà été utilisé.".into(),
            RefusValidation::Expire => {
                "Ce pass a expiré : sa fin de validité et son délai de grâce sont dépassés.".into()
            }
            RefusValidation::HorsValidite { fin_validite, jours_grace: 0 } => {
                format!("Ce pass n'est plus valable : sa validité a pris fin le {}.", date_courte(*fin_validite))
            }
            RefusValidation::HorsValidite { fin_validite, jours_grace } => format!(
                "Ce pass n'est plus valable : sa validité a pris fin le {} et le délai de grâce de {jours_grace} jour{} est dépassé.",
                date_courte(*fin_validite),
                if *jours_grace > 1 { "s" } else { "" }
            ),
            RefusValidation::StructureNonAgreee { operateur } => format!(
                "Votre structure n'est pas agréée par {operateur}, l'opérateur de ce pass : orientez la personne vers une structure agréée."
            ),
            RefusValidation::AgrementSuspendu { operateur } => {
                format!("L'agrément de votre structure par {operateur} est suspendu : ce pass ne peut pas être validé chez vous pour l'instant.")
            }
            RefusValidation::CommuneStructureInconnue => {
                "La commune de votre structure n'est pas renseignée : impossible de vérifier que ce pass y est valable.".into()
            }
            RefusValidation::HorsTerritoire { commune } => format!(
                "Ce pass n'est valable que sur le territoire choisi par son commanditaire, et {commune} n'en fait pas partie."
            ),
            RefusValidation::SeanceDejaValidee => {
                "Un pass a déjà été validé pour cette séance : une séance consomme un seul pass.".into()
            }
        }
    }
}

impl std::fmt::Display for RefusValidation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

/// The first condition the validation breaks (see the module's list), or `Ok` if every one holds.
pub fn verifier(f: &FaitsValidation, today: NaiveDate) -> Result<(), RefusValidation> {
    if !f.carnet_du_parcours {
        return Err(RefusValidation::AutreCarnet);
    }
    match f.etat {
        PassEtat::Distribue => {}
        PassEtat::Valide => return Err(RefusValidation::DejaValide { le: f.valide_le }),
        PassEtat::Expire => return Err(RefusValidation::Expire),
        PassEtat::Emis => return Err(RefusValidation::NonActive),
        PassEtat::Actif => return Err(RefusValidation::NonRemis),
    }
    match &f.commande {
        None if f.fin_validite_carnet < today => {
            return Err(RefusValidation::CarnetHorsValidite { fin_validite: f.fin_validite_carnet })
        }
        None => {}
        Some(c) => {
            if !encore_valable(date_limite(c.fin_validite, c.jours_grace), today) {
                return Err(RefusValidation::HorsValidite { fin_validite: c.fin_validite, jours_grace: c.jours_grace });
            }
            match c.agrement_actif {
                None => return Err(RefusValidation::StructureNonAgreee { operateur: c.operateur.clone() }),
                Some(false) => return Err(RefusValidation::AgrementSuspendu { operateur: c.operateur.clone() }),
                Some(true) => {}
            }
            let Some((insee, dep, nom)) = &c.commune_structure else {
                return Err(RefusValidation::CommuneStructureInconnue);
            };
            if !dans_territoire(&c.territoire_departements, &c.territoire_communes, insee, dep) {
                return Err(RefusValidation::HorsTerritoire { commune: nom.clone() });
            }
        }
    }
    if f.seance_deja_validee {
        return Err(RefusValidation::SeanceDejaValidee);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn ok_facts() -> FaitsValidation {
        FaitsValidation {
            etat: PassEtat::Distribue,
            valide_le: None,
            carnet_du_parcours: true,
            fin_validite_carnet: d(2027, 6, 30),
            commande: Some(FaitsCommande {
                operateur: "Opérateur Pass".into(),
                agrement_actif: Some(true),
                fin_validite: d(2027, 6, 30),
                jours_grace: 10,
                commune_structure: Some(("29019".into(), "29".into(), "Brest".into())),
                territoire_departements: vec!["29".into()],
                territoire_communes: vec![],
            }),
            seance_deja_validee: false,
        }
    }

    #[test]
    fn every_refusal_has_its_reason() {
        let today = d(2027, 1, 10);
        assert_eq!(verifier(&ok_facts(), today), Ok(()));
        type Change = Box<dyn Fn(&mut FaitsValidation)>;
        let cases: Vec<(&str, Change)> = vec![
            ("autre_carnet", Box::new(|f| f.carnet_du_parcours = false)),
            (
                "deja_valide",
                Box::new(|f| {
                    f.etat = PassEtat::Valide;
                    f.valide_le = Some(d(2027, 1, 2));
                }),
            ),
            ("expire", Box::new(|f| f.etat = PassEtat::Expire)),
            ("non_active", Box::new(|f| f.etat = PassEtat::Emis)),
            ("non_remis", Box::new(|f| f.etat = PassEtat::Actif)),
            ("hors_validite", Box::new(|f| f.commande.as_mut().unwrap().fin_validite = d(2026, 12, 30))),
            ("structure_non_agreee", Box::new(|f| f.commande.as_mut().unwrap().agrement_actif = None)),
            ("agrement_suspendu", Box::new(|f| f.commande.as_mut().unwrap().agrement_actif = Some(false))),
            ("commune_structure_inconnue", Box::new(|f| f.commande.as_mut().unwrap().commune_structure = None)),
            (
                "hors_territoire",
                Box::new(|f| {
                    f.commande.as_mut().unwrap().commune_structure =
                        Some(("35238".into(), "35".into(), "Rennes".into()))
                }),
            ),
            ("seance_deja_validee", Box::new(|f| f.seance_deja_validee = true)),
        ];
        let mut messages = Vec::new();
        for (code, change) in cases {
            let mut f = ok_facts();
            change(&mut f);
            let refus = verifier(&f, today).unwrap_err();
            assert_eq!(refus.code(), code);
            let m = refus.message();
            assert!(!messages.contains(&m), "each reason is its own: {m}");
            messages.push(m);
        }
        assert!(messages[1].contains("02/01/2027"), "{}", messages[1]);
        assert!(messages[5].contains("10 jours"), "{}", messages[5]);
        assert!(messages[9].contains("Rennes"), "{}", messages[9]);
    }

    #[test]
    fn validity_includes_the_last_day_of_grace() {
        let f = ok_facts();
        assert_eq!(verifier(&f, d(2027, 6, 30)), Ok(()));
        assert_eq!(verifier(&f, d(2027, 7, 10)), Ok(()), "last day of grace");
        assert_eq!(verifier(&f, d(2027, 7, 11)).unwrap_err().code(), "hors_validite");
        let mut no_grace = ok_facts();
        no_grace.commande.as_mut().unwrap().jours_grace = 0;
        assert_eq!(verifier(&no_grace, d(2027, 6, 30)), Ok(()));
        let r = verifier(&no_grace, d(2027, 7, 1)).unwrap_err();
        assert_eq!(r.message(), "Ce pass n'est plus valable : sa validité a pris fin le 30/06/2027.");
    }

    #[test]
    fn a_commune_listed_by_insee_code_is_inside() {
        let mut f = ok_facts();
        let c = f.commande.as_mut().unwrap();
        c.territoire_departements.clear();
        c.territoire_communes = vec!["29019".into()];
        assert_eq!(verifier(&f, d(2027, 1, 1)), Ok(()));
        f.commande.as_mut().unwrap().commune_structure = Some(("29075".into(), "29".into(), "Guipavas".into()));
        assert_eq!(verifier(&f, d(2027, 1, 1)).unwrap_err().code(), "hors_territoire");
    }

    #[test]
    fn a_carnet_typed_at_intake_only_follows_the_parcours_rules() {
        let mut f = ok_facts();
        f.commande = None;
        assert_eq!(verifier(&f, d(2027, 6, 30)), Ok(()), "the last day still counts");
        let r = verifier(&f, d(2027, 7, 1)).unwrap_err();
        assert_eq!(r, RefusValidation::CarnetHorsValidite { fin_validite: d(2027, 6, 30) });
        assert_eq!(r.message(), "Ce carnet n'est plus valable : sa validité a pris fin le 30/06/2027.");
        f.seance_deja_validee = true;
        assert_eq!(verifier(&f, d(2027, 1, 1)).unwrap_err(), RefusValidation::SeanceDejaValidee);
    }
}
