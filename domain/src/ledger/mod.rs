//! The Pass numérique ledger: from the buyer's order to the structure's monthly statement.
//!
//! A commanditaire orders carnets from an opérateur; once paid and activated, carnets are entrusted
//! (lots) to structures, then to conseillers, who hand them to people at intake; passes are validated
//! during sessions by accredited structures; each month every structure gets a statement of what
//! it is owed; after validity plus grace, unused passes expire and their value becomes a credit.
//! Pure rules and shared types only: the server stores, the app shows.

pub mod api;
pub mod codes;
pub mod commande;
pub mod distribution;
pub mod etats;
pub mod journal;
pub mod releve;
