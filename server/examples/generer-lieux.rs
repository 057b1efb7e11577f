//! Writes a generated venue file for measurements: `cargo run -p carnet-server --release
//! --example generer-lieux -- 30000 target/lieux-30000.csv` (see `make mesures-lieux`).

use anyhow::Context;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().context("usage : generer-lieux NOMBRE FICHIER.csv")?.parse()?;
    let path = args.next().context("usage : generer-lieux NOMBRE FICHIER.csv")?;
    let dir = tempfile_dir()?;
    let db = carnet_server::db::connect(&format!("sqlite://{}/communes.db", dir.display())).await?;
    let csv = carnet_server::lieux::generateur::csv(&db, n, 2026, 0.15).await?;
    db.close().await;
    std::fs::write(&path, &csv)?;
    let _ = std::fs::remove_dir_all(&dir);
    println!("{n} lieux écrits dans {path} ({} octets)", csv.len());
    Ok(())
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("carnet-generer-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
