//! One module per screen, each with its own components.

pub mod beneficiaire;
pub mod dashboard;
pub mod home;
pub mod intake;
pub mod ledger;
pub mod login;
pub mod not_found;
pub mod parcours;
