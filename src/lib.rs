//! carnet-web: the Leptos single-page app (client-side rendered, compiled to WebAssembly).

pub mod api;
pub mod app;
pub mod components;
pub mod horloge;
pub mod leaflet;
pub mod pages;
pub mod zones;

pub use app::{App, AppAccueil, AppEtapes, AppGestion, AppLieux, AppParcours, AppPilotage};
