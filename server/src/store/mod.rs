//! The storage layer: every SQL statement of the server lives under this module.

pub mod audit;
pub mod beneficiaires;
pub mod candidats;
pub mod communes;
pub mod lieux;
pub mod parcours;
pub mod territoires;
pub mod users;
