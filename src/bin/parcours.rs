//! Entry point of a parcours' area of the staff app (`parcours.html`, built into
//! `dist/zone-parcours`, served at `/parcours/{id}` and below): the same library as the staff app,
//! mounted with a parcours' pages only, so that the dashboard's app leaves their code out.

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(carnet_web::AppParcours);
}
