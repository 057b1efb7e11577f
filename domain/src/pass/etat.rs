//! The states of a pass and the one function that moves it between them.

use crate::ledger::etats::TransitionRefusee;
use serde::{Deserialize, Serialize};

crate::text_states!(PassEtat {
    Emis => "emis", "Émis (commande non activée)";
    Actif => "actif", "Actif, pas encore remis";
    Distribue => "distribue", "Remis, disponible";
    Valide => "valide", "Utilisé";
    Expire => "expire", "Expiré";
});

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PassEvenement {
    /// The opérateur activated the order (after payment).
    Activer,
    /// The carnet was handed to a person at intake.
    Distribuer,
    /// Validated during a session.
    Valider,
    /// A validation undone: the pass is available again.
    AnnulerValidation,
    /// Validity plus grace is over and the pass was not used.
    Expirer,
}

impl PassEvenement {
    pub const ALL: &'static [PassEvenement] = &[
        PassEvenement::Activer,
        PassEvenement::Distribuer,
        PassEvenement::Valider,
        PassEvenement::AnnulerValidation,
        PassEvenement::Expirer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PassEvenement::Activer => "activer",
            PassEvenement::Distribuer => "distribuer",
            PassEvenement::Valider => "valider",
            PassEvenement::AnnulerValidation => "annuler_validation",
            PassEvenement::Expirer => "expirer",
        }
    }
}

impl PassEtat {
    /// The state after `evenement`, or why it cannot happen.
    pub fn suivant(self, evenement: PassEvenement) -> Result<PassEtat, TransitionRefusee> {
        use PassEtat::*;
        use PassEvenement::*;
        let next = match (self, evenement) {
            (Emis, Activer) => Some(Actif),
            (Actif, Distribuer) => Some(Distribue),
            (Distribue, Valider) => Some(Valide),
            (Valide, AnnulerValidation) => Some(Distribue),
            (Emis | Actif | Distribue, Expirer) => Some(Expire),
            _ => None,
        };
        next.ok_or_else(|| TransitionRefusee {
            depuis: self.as_str(),
            evenement: evenement.as_str(),
            raison: match (self, evenement) {
                (Emis, _) => {
                    "Ce pass n'est pas encore utilisable : sa commande n'a pas été payée et activée par l'opérateur."
                        .into()
                }
                (Actif, _) => "Ce pass n'a pas encore été remis à une personne.".into(),
                (Valide, Valider) => "Ce pass a déjà été utilisé.".into(),
                (Valide, Expirer) => "Un pass utilisé n'expire pas.".into(),
                (Expire, _) => "Ce pass a expiré : sa fin de validité et son délai de grâce sont dépassés.".into(),
                (_, Activer) => "Ce pass est déjà actif.".into(),
                (_, Distribuer) => "Ce pass a déjà été remis.".into(),
                (_, AnnulerValidation) => "Ce pass n'a pas été validé : il n'y a rien à annuler.".into(),
                _ => "Changement d'état impossible pour ce pass.".into(),
            },
        })
    }

    /// Still worth something to its buyer: not used and not expired.
    pub fn inutilise(self) -> bool {
        matches!(self, PassEtat::Emis | PassEtat::Actif | PassEtat::Distribue)
    }
}

impl PassEvenement {
    /// The states this event starts from (the `etat IN (…)` of its SQL statement).
    pub fn depuis(self) -> &'static [PassEtat] {
        match self {
            PassEvenement::Activer => &[PassEtat::Emis],
            PassEvenement::Distribuer => &[PassEtat::Actif],
            PassEvenement::Valider => &[PassEtat::Distribue],
            PassEvenement::AnnulerValidation => &[PassEtat::Valide],
            PassEvenement::Expirer => &[PassEtat::Emis, PassEtat::Actif, PassEtat::Distribue],
        }
    }

    /// The state this event leads to.
    pub fn vers(self) -> PassEtat {
        match self {
            PassEvenement::Activer => PassEtat::Actif,
            PassEvenement::Distribuer | PassEvenement::AnnulerValidation => PassEtat::Distribue,
            PassEvenement::Valider => PassEtat::Valide,
            PassEvenement::Expirer => PassEtat::Expire,
        }
    }

    /// The audit action of a pass that went through this event.
    pub fn action(self) -> &'static str {
        match self {
            PassEvenement::Activer => "active",
            PassEvenement::Distribuer => "distribue",
            PassEvenement::Valider => "valide",
            PassEvenement::AnnulerValidation => "validation_annulee",
            PassEvenement::Expirer => "expire",
        }
    }

    /// `depuis` as an SQL list of quoted codes: `('emis', 'actif')`.
    pub fn depuis_sql(self) -> String {
        let codes: Vec<String> = self.depuis().iter().map(|e| format!("'{}'", e.as_str())).collect();
        format!("({})", codes.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pass_transitions_allowed_and_refused() {
        use PassEtat::*;
        use PassEvenement::*;
        let allowed = [
            (Emis, Activer, Actif),
            (Actif, Distribuer, Distribue),
            (Distribue, Valider, Valide),
            (Valide, AnnulerValidation, Distribue),
            (Emis, Expirer, Expire),
            (Actif, Expirer, Expire),
            (Distribue, Expirer, Expire),
        ];
        for from in PassEtat::ALL {
            for ev in PassEvenement::ALL {
                let expected = allowed.iter().find(|(f, e, _)| f == from && e == ev).map(|t| t.2);
                match (from.suivant(*ev), expected) {
                    (Ok(to), Some(exp)) => assert_eq!(to, exp, "{from:?} {ev:?}"),
                    (Err(refus), None) => {
                        assert!(!refus.raison.is_empty());
                        assert_eq!(refus.depuis, from.as_str());
                    }
                    (got, exp) => panic!("{from:?} + {ev:?}: got {got:?}, expected {exp:?}"),
                }
            }
        }
        assert_eq!(Valide.suivant(Valider).unwrap_err().raison, "Ce pass a déjà été utilisé.");
        assert!(Emis.suivant(Valider).unwrap_err().raison.contains("payée et activée"));
    }

    #[test]
    fn pass_states_round_trip_and_keep_the_parcours_names() {
        for s in PassEtat::ALL {
            assert_eq!(PassEtat::parse(s.as_str()), Some(*s));
        }
        // The parcours stores these three names already; the ledger must not rename them.
        assert_eq!(PassEtat::Distribue.as_str(), "distribue");
        assert_eq!(PassEtat::Valide.as_str(), "valide");
        assert_eq!(PassEtat::Expire.as_str(), "expire");
        assert!(PassEtat::Distribue.inutilise() && !PassEtat::Valide.inutilise() && !PassEtat::Expire.inutilise());
    }

    #[test]
    fn depuis_and_vers_are_the_machine() {
        for ev in PassEvenement::ALL {
            for from in PassEtat::ALL {
                assert_eq!(from.suivant(*ev).is_ok(), ev.depuis().contains(from), "{from:?} {ev:?}");
                if let Ok(to) = from.suivant(*ev) {
                    assert_eq!(to, ev.vers());
                }
            }
        }
        assert_eq!(PassEvenement::Expirer.depuis_sql(), "('emis', 'actif', 'distribue')");
    }
}
