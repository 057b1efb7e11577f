//! Venues beyond SQL: the in-memory map index, the map's aggregation, geocoding, and the import
//! job shared by the web and the command line.

pub mod carte;
pub mod generateur;
pub mod geocodage;
pub mod import;
pub mod index;
