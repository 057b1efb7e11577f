//! Entry point of the pilotage area of the staff app (`pilotage.html`, built into
//! `dist/zone-pilotage`, served at the orders', statements', structures' and journal's paths, and
//! at `/` for buyers and opérateurs): the same library as the staff app, mounted with those routes
//! only, so that the code of the conseillers' pages is left out of its wasm.

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(carnet_web::AppPilotage);
}
