//! Entry point of the parcours' steps' area of the staff app (`etapes.html`, built into
//! `dist/zone-etapes`, served at a parcours' diagnostic, objectives, planning and bilan): the
//! same library as the staff app, mounted with those pages only.

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(carnet_web::AppEtapes);
}
