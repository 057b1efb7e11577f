//! The storage layer: every SQL statement of the server lives under this module.

pub mod audit;
pub mod beneficiaires;
pub mod communes;
pub mod ledger;
pub mod parcours;
pub mod users;
