//! One module per screen, each with its own components.

pub mod beneficiaire;
pub mod bilan;
pub mod dashboard;
pub mod diagnostic;
pub mod home;
pub mod intake;
pub mod login;
pub mod not_found;
pub mod objectifs;
pub mod parcours;
pub mod planning;
pub mod seances;
