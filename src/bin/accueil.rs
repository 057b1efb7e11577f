//! Entry point of a new parcours' area of the staff app (`accueil.html`, built into
//! `dist/zone-accueil`, served at `/parcours/nouveau`): the same library as the staff app,
//! mounted with the intake only.

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(carnet_web::AppAccueil);
}
