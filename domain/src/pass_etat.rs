//! The life of a pass, in ONE place: its states, the transitions between them, and why a
//! validation is refused (each reason with its French message).
//!
//! ```text
//!   distribue ──valider──▶ valide
//!       ▲                    │
//!       └──annuler_validation┘
//!   distribue ──expirer──▶ expire
//! ```
//!
//! The server applies `Transition::Valider` as ONE atomic SQL statement,
//! `store::passes::validate`: `UPDATE passes SET etat = 'valide' … WHERE code = $1 AND etat =
//! <Transition::Valider.depuis()> AND <every condition of `ConditionsValidation`> RETURNING …`.
//! Two devices scanning the same pass at once cannot both succeed: the second finds the pass no
//! longer in the starting state. When the statement changes no row, `motif_refus` reads the facts
//! and says why, in the order of `ConditionsValidation`.
//!
//! To add a condition (accredited venue, territory, grace period, paid order…): add a field to
//! `ConditionsValidation` and `FaitsPass`, a variant to `RefusValidation` with its message, a
//! branch in `motif_refus`, and the matching `AND …` in `store::passes::validate`. To add a
//! state: a variant here, its transitions in `Transition::appliquer`, and a test per arrow.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PassEtat {
    /// In a beneficiary's hands, usable.
    Distribue,
    /// Used in a session; its value is credited to the conseiller's structure.
    Valide,
    /// Past its validity, never used.
    Expire,
}

impl PassEtat {
    pub const TOUS: [PassEtat; 3] = [PassEtat::Distribue, PassEtat::Valide, PassEtat::Expire];

    /// The value stored in `passes.etat`.
    pub fn code(self) -> &'static str {
        match self {
            PassEtat::Distribue => "distribue",
            PassEtat::Valide => "valide",
            PassEtat::Expire => "expire",
        }
    }

    pub fn parse(code: &str) -> Option<PassEtat> {
        PassEtat::TOUS.into_iter().find(|e| e.code() == code)
    }

    pub fn libelle(self) -> &'static str {
        match self {
            PassEtat::Distribue => "Disponible",
            PassEtat::Valide => "Utilisé",
            PassEtat::Expire => "Expiré",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    /// Used during a held session.
    Valider,
    /// The conseiller undoes a validation (with a reason): the pass is usable again.
    AnnulerValidation,
    /// Its validity ended unused.
    Expirer,
}

/// A transition asked from a state that does not allow it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransitionRefusee {
    pub transition: Transition,
    pub depuis: PassEtat,
}

impl std::fmt::Display for TransitionRefusee {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let m = match (self.transition, self.depuis) {
            (Transition::Valider, PassEtat::Valide) => "Ce pass a déjà été validé.",
            (Transition::Valider, PassEtat::Expire) => "Ce pass a expiré : il ne peut plus être validé.",
            (Transition::AnnulerValidation, _) => "Ce pass n'est pas validé : il n'y a pas de validation à annuler.",
            (Transition::Expirer, PassEtat::Valide) => "Ce pass a été utilisé : il ne peut pas expirer.",
            (Transition::Expirer, PassEtat::Expire) => "Ce pass a déjà expiré.",
            _ => "Changement d'état impossible.",
        };
        f.write_str(m)
    }
}

impl Transition {
    /// The only state this transition starts from (the `etat = …` of its SQL statement).
    pub fn depuis(self) -> PassEtat {
        match self {
            Transition::Valider | Transition::Expirer => PassEtat::Distribue,
            Transition::AnnulerValidation => PassEtat::Valide,
        }
    }

    pub fn vers(self) -> PassEtat {
        match self {
            Transition::Valider => PassEtat::Valide,
            Transition::AnnulerValidation => PassEtat::Distribue,
            Transition::Expirer => PassEtat::Expire,
        }
    }

    pub fn appliquer(self, etat: PassEtat) -> Result<PassEtat, TransitionRefusee> {
        if etat == self.depuis() {
            Ok(self.vers())
        } else {
            Err(TransitionRefusee { transition: self, depuis: etat })
        }
    }

    /// The audit action name.
    pub fn action(self) -> &'static str {
        match self {
            Transition::Valider => "valide",
            Transition::AnnulerValidation => "validation_annulee",
            Transition::Expirer => "expire",
        }
    }
}

/// What a validation requires besides the starting state; each is a condition of the SQL
/// statement (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConditionsValidation {
    /// The pass must belong to this carnet (the beneficiary's carnet of the parcours).
    pub carnet_id: i64,
    /// The carnet's end of validity must be on or after this day (today in Paris).
    pub jour: NaiveDate,
}

/// What the database says about a pass after a refused validation.
#[derive(Clone, Debug, PartialEq)]
pub struct FaitsPass {
    pub etat: PassEtat,
    pub carnet_id: i64,
    pub fin_validite: NaiveDate,
    pub validated_at: Option<DateTime<Utc>>,
}

/// Why a validation is refused. Each reason has its French message for the conseiller.
#[derive(Clone, Debug, PartialEq)]
pub enum RefusValidation {
    /// No pass has this code in Carnet.
    CodeInconnu,
    /// The pass exists but belongs to another carnet (of this person or anyone else: nothing
    /// more is said, so nothing leaks about other people).
    AutreCarnet,
    DejaValide {
        le: Option<DateTime<Utc>>,
    },
    Expire {
        fin_validite: NaiveDate,
    },
}

impl RefusValidation {
    pub fn message(&self) -> String {
        match self {
            RefusValidation::CodeInconnu => {
                "Ce code ne correspond à aucun pass enregistré : vérifiez-le sur le carnet.".into()
            }
            RefusValidation::AutreCarnet => {
                "Ce pass n'appartient pas au carnet de cette personne : utilisez un pass de son carnet.".into()
            }
            RefusValidation::DejaValide { le: Some(le) } => format!(
                "Ce pass a déjà été validé le {} : chaque pass ne sert qu'une fois.",
                crate::paris::date_longue(crate::paris::today(*le))
            ),
            RefusValidation::DejaValide { le: None } => {
                "Ce pass a déjà été validé : chaque pass ne sert qu'une fois.".into()
            }
            RefusValidation::Expire { fin_validite } => format!(
                "Ce pass a expiré le {} : il ne peut plus être validé.",
                crate::paris::date_longue(*fin_validite)
            ),
        }
    }
}

impl std::fmt::Display for RefusValidation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

/// Why the atomic validation changed nothing, from the facts read afterwards. The order is the
/// order people understand: unknown code, wrong carnet, already used, expired.
pub fn motif_refus(faits: Option<&FaitsPass>, conditions: ConditionsValidation) -> RefusValidation {
    let Some(f) = faits else { return RefusValidation::CodeInconnu };
    if f.carnet_id != conditions.carnet_id {
        return RefusValidation::AutreCarnet;
    }
    match Transition::Valider.appliquer(f.etat) {
        Err(TransitionRefusee { depuis: PassEtat::Valide, .. }) => RefusValidation::DejaValide { le: f.validated_at },
        Err(_) => RefusValidation::Expire { fin_validite: f.fin_validite },
        Ok(_) if f.fin_validite < conditions.jour => RefusValidation::Expire { fin_validite: f.fin_validite },
        // Every condition holds now: another request changed the pass in between and put it
        // back (a validation cancelled at that very moment). Saying « already used » is true
        // for the instant the statement ran.
        Ok(_) => RefusValidation::DejaValide { le: f.validated_at },
    }
}

/// Whether a pass with these facts may be validated under these conditions (the same rule as
/// the SQL statement, for the app's hints and for tests).
pub fn validable(f: &FaitsPass, conditions: ConditionsValidation) -> bool {
    f.carnet_id == conditions.carnet_id
        && Transition::Valider.appliquer(f.etat).is_ok()
        && f.fin_validite >= conditions.jour
}

#[cfg(test)]
mod tests {
    use super::*;
    use PassEtat::*;
    use Transition::*;

    #[test]
    fn every_allowed_transition() {
        assert_eq!(Valider.appliquer(Distribue), Ok(Valide));
        assert_eq!(AnnulerValidation.appliquer(Valide), Ok(Distribue));
        assert_eq!(Expirer.appliquer(Distribue), Ok(Expire));
    }

    #[test]
    fn every_refused_transition() {
        let refused = [
            (Valider, Valide),
            (Valider, Expire),
            (AnnulerValidation, Distribue),
            (AnnulerValidation, Expire),
            (Expirer, Valide),
            (Expirer, Expire),
        ];
        for (t, from) in refused {
            let e = t.appliquer(from).unwrap_err();
            assert_eq!(e, TransitionRefusee { transition: t, depuis: from });
            assert!(!e.to_string().is_empty());
        }
        // Together, allowed + refused cover every (transition, state) pair exactly once.
        let mut count = 0;
        for t in [Valider, AnnulerValidation, Expirer] {
            for s in PassEtat::TOUS {
                count += 1;
                assert_eq!(t.appliquer(s).is_ok(), s == t.depuis());
            }
        }
        assert_eq!(count, 9);
        assert_eq!(Valider.appliquer(Valide).unwrap_err().to_string(), "Ce pass a déjà été validé.");
    }

    #[test]
    fn codes_round_trip() {
        for e in PassEtat::TOUS {
            assert_eq!(PassEtat::parse(e.code()), Some(e));
            assert_eq!(serde_json::to_string(&e).unwrap(), format!("\"{}\"", e.code()));
        }
        assert_eq!(PassEtat::parse("perdu"), None);
        assert_eq!(Valider.depuis().code(), "distribue");
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn faits(etat: PassEtat, carnet_id: i64, fin: &str) -> FaitsPass {
        FaitsPass { etat, carnet_id, fin_validite: day(fin), validated_at: None }
    }

    #[test]
    fn refusal_reasons_in_french_and_in_order() {
        let c = ConditionsValidation { carnet_id: 7, jour: day("2026-11-23") };
        assert_eq!(motif_refus(None, c), RefusValidation::CodeInconnu);
        // Another carnet wins over every other reason: nothing is said about someone else's pass.
        assert_eq!(motif_refus(Some(&faits(Valide, 8, "2020-01-01")), c), RefusValidation::AutreCarnet);
        let at = DateTime::parse_from_rfc3339("2026-11-20T09:00:00Z").unwrap().with_timezone(&Utc);
        let used = FaitsPass { validated_at: Some(at), ..faits(Valide, 7, "2027-01-01") };
        let r = motif_refus(Some(&used), c);
        assert_eq!(r, RefusValidation::DejaValide { le: Some(at) });
        assert_eq!(
            r.message(),
            "Ce pass a déjà été validé le vendredi 20 novembre 2026 : chaque pass ne sert qu'une fois."
        );
        let r = motif_refus(Some(&faits(Distribue, 7, "2026-11-22")), c);
        assert_eq!(r.message(), "Ce pass a expiré le dimanche 22 novembre 2026 : il ne peut plus être validé.");
        assert!(matches!(motif_refus(Some(&faits(Expire, 7, "2027-01-01")), c), RefusValidation::Expire { .. }));
        assert!(RefusValidation::CodeInconnu.message().contains("aucun pass"));
        assert!(RefusValidation::AutreCarnet.message().contains("n'appartient pas au carnet"));
    }

    #[test]
    fn validable_matches_the_refusals() {
        let c = ConditionsValidation { carnet_id: 7, jour: day("2026-11-23") };
        assert!(validable(&faits(Distribue, 7, "2026-11-23"), c), "the last day still counts");
        assert!(!validable(&faits(Distribue, 7, "2026-11-22"), c));
        assert!(!validable(&faits(Valide, 7, "2027-01-01"), c));
        assert!(!validable(&faits(Distribue, 6, "2027-01-01"), c));
    }
}
