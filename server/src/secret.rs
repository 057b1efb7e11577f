//! The server's secret: the key under which the beneficiary space's short codes are stored
//! (HMAC-SHA256). It lives outside the database — `CARNET_SECRET`, or the file of
//! `--secret-file` — so that a copy of the database alone no longer lets anyone try every
//! possible code offline (8 characters are about 39 bits: minutes of plain SHA-256).
//!
//! Written as hexadecimal, 64 digits (32 bytes) or more: `openssl rand -hex 32`. In demo mode
//! without one, a secret is drawn at the first start and kept in a file next to the SQLite
//! database; tests draw one in memory (`Config::default()`).

use anyhow::Context;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Bytes a secret has at least.
pub const OCTETS_MIN: usize = 32;

/// The server's secret. Its `Debug` never shows it.
#[derive(Clone)]
pub struct Secret(Arc<[u8]>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl Secret {
    /// A new random secret of 32 bytes.
    pub fn aleatoire() -> Secret {
        let mut octets = [0u8; OCTETS_MIN];
        rand::rngs::OsRng.fill_bytes(&mut octets);
        Secret(Arc::from(&octets[..]))
    }

    /// A secret written in hexadecimal (blanks around it ignored): 64 digits or more.
    pub fn lire(texte: &str) -> Result<Secret, String> {
        let t = texte.trim();
        if t.is_empty() || !t.len().is_multiple_of(2) || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "attendu : {} chiffres hexadécimaux (0-9, a-f) ou plus, par exemple la sortie de « openssl rand -hex 32 »",
                2 * OCTETS_MIN
            ));
        }
        let chiffre = |b: u8| (b as char).to_digit(16).unwrap_or(0) as u8;
        let octets: Vec<u8> = t.as_bytes().chunks(2).map(|p| (chiffre(p[0]) << 4) | chiffre(p[1])).collect();
        if octets.len() < OCTETS_MIN {
            return Err(format!(
                "trop court : {} octets, il en faut {OCTETS_MIN} au moins ({} chiffres hexadécimaux, « openssl rand -hex 32 »)",
                octets.len(),
                2 * OCTETS_MIN
            ));
        }
        Ok(Secret(Arc::from(octets)))
    }

    /// The secret in hexadecimal, as `lire` reads it.
    pub fn hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// HMAC-SHA256 of `texte` under the secret, in lowercase hexadecimal (the format of
    /// `auth::token_hash`, so both fit the same columns).
    pub fn hmac(&self, texte: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        mac.update(texte.as_bytes());
        mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl Secret {
    /// A token derived from `graine` under the secret: its HMAC-SHA256 in URL-safe base64, 43
    /// characters like `auth::new_token`'s. Whoever holds the seed without the secret (a copy of
    /// the database) cannot compute it.
    pub fn jeton(&self, graine: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        mac.update(graine.as_bytes());
        base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, mac.finalize().into_bytes())
    }
}

/// The file that keeps the demo's secret next to a SQLite database: `carnet.db.secret`.
pub fn fichier_demo(base: &Path) -> PathBuf {
    let mut nom = base.file_name().map(|n| n.to_os_string()).unwrap_or_else(|| "carnet.db".into());
    nom.push(".secret");
    base.with_file_name(nom)
}

/// The secret the server starts with: `CARNET_SECRET` (`env`) or the file of `--secret-file`,
/// one of them; in demo mode without either, one kept next to the SQLite database (created at
/// the first start), or in memory on PostgreSQL. Outside demo mode, none is an error.
pub fn au_demarrage(
    env: Option<&str>,
    fichier: Option<&Path>,
    demo: bool,
    database_url: &str,
) -> anyhow::Result<Secret> {
    match (env.filter(|e| !e.trim().is_empty()), fichier) {
        (Some(_), Some(f)) => anyhow::bail!(
            "CARNET_SECRET et --secret-file ({}) sont donnés tous les deux : gardez-en un seul \
             (CARNET_SECRET and --secret-file are both set: keep one)",
            f.display()
        ),
        (Some(texte), None) => Secret::lire(texte).map_err(|e| anyhow::anyhow!("CARNET_SECRET : {e}")),
        (None, Some(f)) => lire_fichier(f),
        (None, None) if demo => match crate::db::sqlite_file(database_url) {
            Some(base) => secret_de_demo(&fichier_demo(&base)),
            None => {
                tracing::warn!(
                    "mode démonstration sans CARNET_SECRET : secret du serveur tiré au hasard et gardé en mémoire ; \
                     les codes courts émis ne marcheront ni après un redémarrage ni sur une autre instance"
                );
                Ok(Secret::aleatoire())
            }
        },
        (None, None) => anyhow::bail!(
            "aucun secret du serveur : donnez CARNET_SECRET (64 chiffres hexadécimaux ou plus, « openssl rand -hex 32 ») \
             ou --secret-file FICHIER (CARNET_SECRET_FILE). Il protège les codes courts de l'espace bénéficiaire ; \
             gardez-le hors de la base, le même sur toutes les instances et d'un démarrage à l'autre. \
             (No server secret: set CARNET_SECRET, 64 hex digits or more, or --secret-file PATH.)"
        ),
    }
}

fn lire_fichier(chemin: &Path) -> anyhow::Result<Secret> {
    let texte = std::fs::read_to_string(chemin)
        .with_context(|| format!("--secret-file : lecture de {} impossible", chemin.display()))?;
    Secret::lire(&texte).map_err(|e| anyhow::anyhow!("--secret-file {} : {e}", chemin.display()))
}

/// The demo's secret in `chemin`: read if the file is there, else drawn and written (readable
/// by its owner only).
fn secret_de_demo(chemin: &Path) -> anyhow::Result<Secret> {
    if let Some(dossier) = chemin.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dossier)
            .with_context(|| format!("impossible de créer le dossier {}", dossier.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(chemin) {
        Ok(mut f) => {
            let secret = Secret::aleatoire();
            std::io::Write::write_all(&mut f, format!("{}\n", secret.hex()).as_bytes())
                .with_context(|| format!("écriture du secret du serveur dans {}", chemin.display()))?;
            tracing::info!(
                fichier = %chemin.display(),
                "mode démonstration : secret du serveur créé dans ce fichier (gardez-le avec la base : sans lui, les codes courts émis ne marchent plus)"
            );
            Ok(secret)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let secret = lire_fichier(chemin)?;
            tracing::info!(fichier = %chemin.display(), "mode démonstration : secret du serveur lu dans ce fichier");
            Ok(secret)
        }
        Err(e) => Err(e).with_context(|| format!("création du secret du serveur dans {}", chemin.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_as_hexadecimal_of_32_bytes_or_more() {
        let s = Secret::lire(&format!("  {}\n", "aB".repeat(32))).unwrap();
        assert_eq!(s.hex(), "ab".repeat(32));
        assert!(Secret::lire(&"ab".repeat(48)).is_ok());
        assert!(Secret::lire(&"ab".repeat(31)).unwrap_err().starts_with("trop court : 31 octets"));
        for faux in ["", "abc", &"zz".repeat(32), &format!("{}=", "ab".repeat(32))] {
            assert!(Secret::lire(faux).unwrap_err().starts_with("attendu : 64 chiffres"), "{faux}");
        }
        assert_eq!(format!("{s:?}"), "Secret(…)");
    }

    #[test]
    fn the_hmac_is_hmac_sha256_and_depends_on_the_key() {
        // RFC 4231, test case 2.
        let jefe = Secret(Arc::from(&b"Jefe"[..]));
        assert_eq!(
            jefe.hmac("what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let cle = Secret::lire(&"0b".repeat(32)).unwrap();
        let autre = Secret::lire(&"0c".repeat(32)).unwrap();
        assert_ne!(cle.hmac("ABCDEFGH"), autre.hmac("ABCDEFGH"));
        assert_ne!(cle.hmac("ABCDEFGH"), crate::auth::token_hash("ABCDEFGH"));
    }

    #[test]
    fn at_start_one_source_and_none_only_in_demo() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/data/carnet.db", dir.path().display());
        let hex = "01".repeat(32);
        assert_eq!(au_demarrage(Some(&hex), None, false, &url).unwrap().hex(), hex);
        let f = dir.path().join("secret");
        std::fs::write(&f, format!("{hex}\n")).unwrap();
        assert_eq!(au_demarrage(None, Some(&f), false, &url).unwrap().hex(), hex);
        assert!(au_demarrage(Some(&hex), Some(&f), false, &url).unwrap_err().to_string().contains("tous les deux"));
        let e = au_demarrage(None, None, false, &url).unwrap_err().to_string();
        assert!(e.starts_with("aucun secret du serveur") && e.contains("CARNET_SECRET"), "{e}");
        assert!(au_demarrage(Some("court"), None, false, &url)
            .unwrap_err()
            .to_string()
            .starts_with("CARNET_SECRET : "));
        assert!(au_demarrage(None, Some(&dir.path().join("absent")), false, &url).is_err());

        // Demo: drawn once, kept next to the database, read back at the next start.
        let premier = au_demarrage(None, None, true, &url).unwrap();
        let garde = dir.path().join("data/carnet.db.secret");
        assert_eq!(std::fs::read_to_string(&garde).unwrap().trim(), premier.hex());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&garde).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert_eq!(au_demarrage(None, None, true, &url).unwrap().hex(), premier.hex());
        assert_eq!(au_demarrage(Some(""), None, true, &url).unwrap().hex(), premier.hex());
        // On PostgreSQL, in memory.
        assert!(au_demarrage(None, None, true, "postgres://x@127.0.0.1/carnet").is_ok());
    }
}
