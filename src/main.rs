//! Entry point of the web app: mount `App` on the page.

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(carnet_web::App);
}
