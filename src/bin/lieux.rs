//! Entry point of the venues' area of the staff app (`lieux.html`, built into `dist/zone-lieux`,
//! served at `/lieux` and below): the same library as the staff app, mounted with the venues'
//! routes only, so that the code of the other pages is left out of its wasm.

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(carnet_web::AppLieux);
}
