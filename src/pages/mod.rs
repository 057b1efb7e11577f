//! One module per screen, each with its own components.

pub mod admin;
pub mod beneficiaire;
pub mod bilan;
pub mod compte;
pub mod dashboard;
pub mod diagnostic;
pub mod donnees;
pub mod equipe;
pub mod home;
pub mod hub;
pub mod intake;
pub mod journal;
pub mod journee;
pub mod ledger;
pub mod lien;
pub mod lieux;
pub mod not_found;
pub mod notice;
pub mod objectifs;
pub mod parcours;
pub mod planning;
pub mod rappels;
pub mod seances;
pub mod statistiques;
