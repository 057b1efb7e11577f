//! The storage layer: every SQL statement of the server lives under this module.

pub mod audit;
pub mod beneficiaires;
pub mod candidats;
pub mod communes;
pub mod comptes;
pub mod donnees;
pub mod dossier;
pub mod espace;
pub mod etapes;
pub mod fuseaux;
pub mod journal;
pub mod ledger;
pub mod lieux;
pub mod packs;
pub mod parcours;
pub mod passes;
pub mod seances;
pub mod structures;
pub mod territoires;
pub mod users;
