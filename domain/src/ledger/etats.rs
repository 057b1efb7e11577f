//! The life of a carnet, of an order and of a statement, as state machines. Every
//! state change in the server goes through `suivant` here, so a refused transition has one French
//! reason wherever it is attempted.
//!
//! The pass's own machine lives with the rest of its life in `crate::pass`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A transition the machine refuses: from which state, by which event, and why in French.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransitionRefusee {
    pub depuis: &'static str,
    pub evenement: &'static str,
    pub raison: String,
}

impl fmt::Display for TransitionRefusee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raison)
    }
}

#[macro_export]
#[doc(hidden)]
macro_rules! text_states {
    ($name:ident { $($variant:ident => $code:literal, $label:literal;)* }) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The value stored in the database.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),* }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s { $($code => Some($name::$variant),)* _ => None }
            }

            /// The French label shown to people.
            pub fn libelle(self) -> &'static str {
                match self { $($name::$variant => $label),* }
            }
        }
    };
}

// ---------------------------------------------------------------- carnets

text_states!(CarnetEtat {
    Emis => "emis", "Émis (commande non activée)";
    Disponible => "disponible", "Chez le commanditaire";
    ConfieStructure => "confie_structure", "Confié à une structure";
    ConfieConseiller => "confie_conseiller", "Confié à un conseiller";
    Distribue => "distribue", "Remis à une personne";
    Entame => "entame", "Entamé";
    Epuise => "epuise", "Épuisé";
    Expire => "expire", "Expiré";
});

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CarnetEvenement {
    Activer,
    /// Commanditaire → structure (a lot, with the recorded agreement).
    ConfierStructure,
    /// Structure → conseiller (a sub-lot).
    ConfierConseiller,
    /// Conseiller → back to the structure.
    Reprendre,
    /// Handed to a person at intake.
    Distribuer,
    /// One of its passes was validated; `restants` passes are still unused afterwards.
    PassValide {
        restants: u32,
    },
    /// A validation was undone; `valides` passes remain validated afterwards.
    PassAnnule {
        valides: u32,
    },
    Expirer,
}

impl CarnetEvenement {
    pub fn as_str(self) -> &'static str {
        match self {
            CarnetEvenement::Activer => "activer",
            CarnetEvenement::ConfierStructure => "confier_structure",
            CarnetEvenement::ConfierConseiller => "confier_conseiller",
            CarnetEvenement::Reprendre => "reprendre",
            CarnetEvenement::Distribuer => "distribuer",
            CarnetEvenement::PassValide { .. } => "pass_valide",
            CarnetEvenement::PassAnnule { .. } => "pass_annule",
            CarnetEvenement::Expirer => "expirer",
        }
    }
}

impl CarnetEtat {
    pub fn suivant(self, evenement: CarnetEvenement) -> Result<CarnetEtat, TransitionRefusee> {
        use CarnetEtat::*;
        use CarnetEvenement::*;
        let next = match (self, evenement) {
            (Emis, Activer) => Some(Disponible),
            (Disponible, ConfierStructure) => Some(ConfieStructure),
            (ConfieStructure, ConfierConseiller) => Some(ConfieConseiller),
            (ConfieConseiller, Reprendre) => Some(ConfieStructure),
            (ConfieConseiller, Distribuer) => Some(Distribue),
            (Distribue | Entame, PassValide { restants: 0 }) => Some(Epuise),
            (Distribue | Entame, PassValide { .. }) => Some(Entame),
            (Entame | Epuise, PassAnnule { valides: 0 }) => Some(Distribue),
            (Entame | Epuise, PassAnnule { .. }) => Some(Entame),
            // A validation undone after expiry: the carnet stays expired, its freed pass expires
            // at the next run of the expiry job.
            (Expire, PassAnnule { .. }) => Some(Expire),
            (Emis | Disponible | ConfieStructure | ConfieConseiller | Distribue | Entame, Expirer) => Some(Expire),
            _ => None,
        };
        next.ok_or_else(|| TransitionRefusee {
            depuis: self.as_str(),
            evenement: evenement.as_str(),
            raison: match (self, evenement) {
                (Emis, _) => "Ce carnet n'est pas encore utilisable : sa commande n'a pas été payée et activée.".into(),
                (Expire, _) => "Ce carnet a expiré.".into(),
                (Epuise, Expirer) => "Un carnet épuisé n'a plus rien à faire expirer.".into(),
                (_, Activer) => "Ce carnet est déjà actif.".into(),
                (_, ConfierStructure) => {
                    "Seul un carnet encore chez le commanditaire peut être confié à une structure.".into()
                }
                (_, ConfierConseiller) => {
                    "Seul un carnet confié à la structure, et à aucun conseiller, peut être confié à un conseiller."
                        .into()
                }
                (_, Reprendre) => {
                    "Seul un carnet confié à un conseiller, et pas encore remis, peut être repris.".into()
                }
                (_, Distribuer) => {
                    "Seul un carnet du lot d'un conseiller, pas encore remis, peut être remis à une personne.".into()
                }
                (_, PassValide { .. }) => {
                    "Les pass de ce carnet ne peuvent pas être validés : il n'a pas été remis à une personne.".into()
                }
                (_, PassAnnule { .. }) => "Aucun pass de ce carnet n'est validé.".into(),
                _ => "Changement d'état impossible pour ce carnet.".into(),
            },
        })
    }
}

// ---------------------------------------------------------------- orders

text_states!(CommandeEtat {
    EnGeneration => "en_generation", "En cours de génération";
    AttentePaiement => "attente_paiement", "En attente de paiement";
    Payee => "payee", "Payée, à activer";
    Active => "active", "Active";
    Expiree => "expiree", "Expirée";
});

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommandeEvenement {
    /// Its last carnets and passes were generated: the order can be paid.
    TerminerGeneration,
    EnregistrerPaiement,
    Activer,
    Expirer,
}

impl CommandeEvenement {
    pub fn as_str(self) -> &'static str {
        match self {
            CommandeEvenement::TerminerGeneration => "terminer_generation",
            CommandeEvenement::EnregistrerPaiement => "enregistrer_paiement",
            CommandeEvenement::Activer => "activer",
            CommandeEvenement::Expirer => "expirer",
        }
    }
}

impl CommandeEtat {
    pub fn suivant(self, evenement: CommandeEvenement) -> Result<CommandeEtat, TransitionRefusee> {
        use CommandeEtat::*;
        use CommandeEvenement::*;
        let next = match (self, evenement) {
            (EnGeneration, TerminerGeneration) => Some(AttentePaiement),
            (AttentePaiement, EnregistrerPaiement) => Some(Payee),
            (Payee, Activer) => Some(Active),
            (AttentePaiement | Payee | Active, Expirer) => Some(Expiree),
            _ => None,
        };
        next.ok_or_else(|| TransitionRefusee {
            depuis: self.as_str(),
            evenement: evenement.as_str(),
            raison: match (self, evenement) {
                (EnGeneration, _) => {
                    "Cette commande est en cours de génération : ses carnets ne sont pas encore tous créés.".into()
                }
                (_, TerminerGeneration) => "Les carnets de cette commande sont déjà tous créés.".into(),
                (Expiree, _) => "Cette commande a expiré.".into(),
                (_, EnregistrerPaiement) => "Le paiement de cette commande est déjà enregistré.".into(),
                (AttentePaiement, Activer) => {
                    "Enregistrez d'abord le paiement : une commande s'active une fois payée.".into()
                }
                (_, Activer) => "Cette commande est déjà active.".into(),
                _ => "Changement d'état impossible pour cette commande.".into(),
            },
        })
    }
}

// ---------------------------------------------------------------- statements

text_states!(ReleveEtat {
    Emis => "emis", "Émis";
    Envoye => "envoye", "Envoyé";
    Paye => "paye", "Payé";
});

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReleveEvenement {
    Envoyer,
    MarquerPaye,
}

impl ReleveEvenement {
    pub fn as_str(self) -> &'static str {
        match self {
            ReleveEvenement::Envoyer => "envoyer",
            ReleveEvenement::MarquerPaye => "marquer_paye",
        }
    }
}

impl ReleveEtat {
    pub fn suivant(self, evenement: ReleveEvenement) -> Result<ReleveEtat, TransitionRefusee> {
        use ReleveEtat::*;
        use ReleveEvenement::*;
        match (self, evenement) {
            (Emis, Envoyer) => Ok(Envoye),
            (Envoye, MarquerPaye) => Ok(Paye),
            _ => Err(TransitionRefusee {
                depuis: self.as_str(),
                evenement: evenement.as_str(),
                raison: match (self, evenement) {
                    (Emis, MarquerPaye) => {
                        "Envoyez d'abord le relevé à la structure : il sera marqué payé ensuite.".into()
                    }
                    (Paye, _) => "Ce relevé est déjà payé.".into(),
                    _ => "Ce relevé a déjà été envoyé.".into(),
                },
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carnet_transitions_allowed_and_refused() {
        use CarnetEtat::*;
        use CarnetEvenement::*;
        let events = [
            Activer,
            ConfierStructure,
            ConfierConseiller,
            Reprendre,
            Distribuer,
            PassValide { restants: 3 },
            PassValide { restants: 0 },
            PassAnnule { valides: 2 },
            PassAnnule { valides: 0 },
            Expirer,
        ];
        let allowed: &[(CarnetEtat, CarnetEvenement, CarnetEtat)] = &[
            (Emis, Activer, Disponible),
            (Disponible, ConfierStructure, ConfieStructure),
            (ConfieStructure, ConfierConseiller, ConfieConseiller),
            (ConfieConseiller, Reprendre, ConfieStructure),
            (ConfieConseiller, Distribuer, Distribue),
            (Distribue, PassValide { restants: 3 }, Entame),
            (Distribue, PassValide { restants: 0 }, Epuise),
            (Entame, PassValide { restants: 3 }, Entame),
            (Entame, PassValide { restants: 0 }, Epuise),
            (Entame, PassAnnule { valides: 2 }, Entame),
            (Entame, PassAnnule { valides: 0 }, Distribue),
            (Epuise, PassAnnule { valides: 2 }, Entame),
            (Epuise, PassAnnule { valides: 0 }, Distribue),
            (Expire, PassAnnule { valides: 2 }, Expire),
            (Expire, PassAnnule { valides: 0 }, Expire),
            (Emis, Expirer, Expire),
            (Disponible, Expirer, Expire),
            (ConfieStructure, Expirer, Expire),
            (ConfieConseiller, Expirer, Expire),
            (Distribue, Expirer, Expire),
            (Entame, Expirer, Expire),
        ];
        let mut ok = 0;
        for from in CarnetEtat::ALL {
            for ev in events {
                let expected = allowed.iter().find(|(f, e, _)| f == from && *e == ev).map(|t| t.2);
                match (from.suivant(ev), expected) {
                    (Ok(to), Some(exp)) => {
                        assert_eq!(to, exp, "{from:?} {ev:?}");
                        ok += 1;
                    }
                    (Err(refus), None) => assert!(!refus.raison.is_empty(), "{from:?} {ev:?}"),
                    (got, exp) => panic!("{from:?} + {ev:?}: got {got:?}, expected {exp:?}"),
                }
            }
        }
        assert_eq!(ok, allowed.len());
        for s in CarnetEtat::ALL {
            assert_eq!(CarnetEtat::parse(s.as_str()), Some(*s));
        }
        // A carnet typed in at intake is stored `distribue`, like one handed out from a lot.
        assert_eq!(CarnetEtat::Distribue.as_str(), "distribue");
    }

    #[test]
    fn order_and_statement_transitions() {
        use CommandeEtat::*;
        use CommandeEvenement::*;
        assert_eq!(EnGeneration.suivant(TerminerGeneration), Ok(AttentePaiement));
        for ev in [EnregistrerPaiement, Activer, Expirer] {
            assert!(EnGeneration.suivant(ev).unwrap_err().raison.contains("en cours de génération"));
        }
        assert!(AttentePaiement.suivant(TerminerGeneration).is_err());
        assert_eq!(AttentePaiement.suivant(EnregistrerPaiement), Ok(Payee));
        assert_eq!(Payee.suivant(Activer), Ok(Active));
        assert!(AttentePaiement.suivant(Activer).unwrap_err().raison.contains("paiement"));
        assert!(Active.suivant(Activer).is_err());
        assert!(Payee.suivant(EnregistrerPaiement).is_err());
        for s in [AttentePaiement, Payee, Active] {
            assert_eq!(s.suivant(Expirer), Ok(Expiree));
        }
        for ev in [EnregistrerPaiement, Activer, Expirer] {
            assert!(Expiree.suivant(ev).is_err());
        }

        use ReleveEtat::*;
        use ReleveEvenement::*;
        assert_eq!(Emis.suivant(Envoyer), Ok(Envoye));
        assert_eq!(Envoye.suivant(MarquerPaye), Ok(Paye));
        assert!(Emis.suivant(MarquerPaye).is_err());
        assert!(Envoye.suivant(Envoyer).is_err());
        assert!(Paye.suivant(Envoyer).is_err());
        assert!(Paye.suivant(MarquerPaye).is_err());
    }
}
