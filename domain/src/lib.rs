//! carnet-domain: the types the app and the server share, and the rules of the Pass numérique
//! and of the parcours. Pure: no I/O, no clock (callers pass "today"), compiles for wasm32.

pub mod api;
pub mod comptes;
pub mod coop;
pub mod donnees;
pub mod espace;
pub mod fuseau;
pub mod intake;
pub mod lectures;
pub mod ledger;
pub mod lieux;
pub mod money;
pub mod parcours;
pub mod paris;
pub mod pass;
pub mod pass_code;
pub mod rappels;
pub mod statistiques;
pub mod structure;
pub mod text;

pub use pass_code::PassCode;
