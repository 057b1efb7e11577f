//! Entry point of the management area of the staff app (`gestion.html`, built into
//! `dist/zone-gestion`, served at the statistics', team's, access journal's, reminders',
//! administration's, account's and carnets' paths): the same library as the staff app, mounted
//! with those routes only, so that the conseillers' app leaves their code out.

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(carnet_web::AppGestion);
}
