//! The life of a pass, in ONE place: its identifiers, its states and the one transition function
//! between them, and the validation — every condition a pass must meet to be consumed during a
//! held session, each refusal with its French reason.
//!
//! ```text
//!   emis ──activer──▶ actif ──distribuer──▶ distribue ──valider──▶ valide
//!     │                 │                     ▲   │                  │
//!     │                 │                     │   └──annuler_validation
//!     └─────────────────┴──────expirer──────▶ expire ◀── (distribue)
//! ```
//!
//! A carnet typed in at intake (received elsewhere) starts `distribue`; an order's carnet starts
//! `emis` and is activated by the opérateur, then handed to a person at intake.
//!
//! The server (`server/src/store/passes.rs`, the only code that writes `passes.etat`) applies every
//! transition as one conditional statement whose starting state is `PassEtat::depuis`; the
//! validation is one atomic `UPDATE … WHERE` carrying every condition listed in `validation`, so
//! two devices cannot both consume a pass, nor one session two passes. When that statement changes
//! no row, the server reads the facts and `verifier` names the first condition that failed.
//!
//! To add a validation condition: a field in `FaitsValidation`, a variant of `RefusValidation` with
//! its message, its branch in `verifier`, and its `AND …` in `store::passes::conditions` (same
//! order). To add a state: a variant of `PassEtat`, its arrows in `PassEtat::suivant`, a test per
//! arrow.

mod etat;
mod ids;
mod validation;

pub use crate::pass_code::PassCode;
pub use etat::{PassEtat, PassEvenement};
pub use ids::{CarnetId, PassId, SeanceId};
pub use validation::{verifier, FaitsCommande, FaitsValidation, RefusValidation};
