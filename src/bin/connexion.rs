//! Entry point of the public pages (`connexion.html`, built into `dist/acces`): the login page
//! and the two password pages, a small app of their own so that the first page a visitor
//! without a session opens does not download the whole staff app.

#[path = "../connexion/mod.rs"]
mod connexion;

fn main() {
    leptos::mount::mount_to_body(connexion::App);
}
