//! Entry point of the beneficiary space « Mon parcours » (`espace.html`): a second, much smaller
//! app than the staff one, sharing only the API types of `carnet-domain`.

#[path = "../espace/mod.rs"]
mod espace;

fn main() {
    leptos::mount::mount_to_body(espace::App);
}
