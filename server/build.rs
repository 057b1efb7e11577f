// sqlx's `migrate!` embeds both migration folders at compile time: build again when they change.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=migrations-pg");
}
