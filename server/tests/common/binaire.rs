//! The real `carnet-server` binary, started as a process: for what only a process shows (its
//! command line, its sockets' timeouts, being killed).

/// The real server on a fresh SQLite file, with `args`; its address once it listens.
pub struct Serveur {
    pub child: std::process::Child,
    pub addr: std::net::SocketAddr,
    /// Its SQLite file.
    pub db: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Serveur {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn serveur(args: &[&str]) -> Serveur {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("carnet.db");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_carnet-server"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "info")
        .env("CARNET_SECRET", "0123456789abcdef".repeat(4))
        .args(["--database-url", &format!("sqlite://{}?mode=rwc", db.display())])
        .args(["--listen", "127.0.0.1:0"])
        .arg("--dist")
        .arg(dir.path().join("dist"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lignes = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
    let addr = loop {
        let ligne = lignes.next().expect("the server stopped before listening").unwrap();
        if let Some((_, a)) = ligne.split_once("écoute sur http://") {
            let a: String = a.chars().take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':').collect();
            break a.parse().unwrap();
        }
    };
    // Keep reading its log, so that it never blocks on a full pipe.
    std::thread::spawn(move || lignes.for_each(drop));
    Serveur { child, addr, db, _dir: dir }
}
