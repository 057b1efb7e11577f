//! Clients of the read API for data consumers (`/api/v1/donnees/…`): a hub, a département's
//! observatory, the State's data warehouse. An administrator creates one on the command line
//! (`admin api-client create`), which prints `client_id:secret` once; the client sends it as
//! `Authorization: Bearer <client_id>:<secret>`.
//!
//! The secret is 256 random bits kept as its plain SHA-256 (`auth::token_hash`, as session and
//! link tokens), not as an HMAC under the server's secret (as the 39-bit short codes): a hash
//! of 256 random bits cannot be reversed by trying, so the key outside the database would add
//! nothing, while it would make every client stop working the day the server's secret is lost
//! or changed, and the command line would need it. The hash is compared in constant time.

use crate::auth;
use crate::store::clients_api::{self as store, Client, NouveauClient};
use crate::store::conn::Conn;
use chrono::{DateTime, NaiveDate, Utc};
use rand::RngCore;
use subtle::ConstantTimeEq;

/// What a client may read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Statistiques,
    Activites,
}

impl Scope {
    pub const TOUS: [Scope; 2] = [Scope::Statistiques, Scope::Activites];

    pub fn code(self) -> &'static str {
        match self {
            Scope::Statistiques => "statistiques",
            Scope::Activites => "activites",
        }
    }

    pub fn parse(code: &str) -> Option<Scope> {
        Scope::TOUS.into_iter().find(|s| s.code() == code)
    }
}

/// Scopes written `statistiques,activites` (commas or spaces): at least one, each known.
pub fn lire_scopes(texte: &str) -> Result<Vec<Scope>, String> {
    let mut scopes = Vec::new();
    for part in texte.split([',', ' ']).map(str::trim).filter(|p| !p.is_empty()) {
        match Scope::parse(&part.to_lowercase()) {
            Some(s) if !scopes.contains(&s) => scopes.push(s),
            Some(_) => {}
            None => return Err(format!("« {part} » inconnu ; possibles : statistiques, activites")),
        }
    }
    if scopes.is_empty() {
        return Err("au moins un parmi statistiques, activites".into());
    }
    Ok(scopes)
}

/// A client just created: its credentials, shown once.
pub struct ClientCree {
    pub id: i64,
    pub client_id: String,
    pub secret: String,
}

impl ClientCree {
    /// What the client sends after `Bearer `.
    pub fn identifiants(&self) -> String {
        format!("{}:{}", self.client_id, self.secret)
    }
}

/// What the administrator asks for, as typed on the command line.
pub struct Demande<'a> {
    pub nom: &'a str,
    pub scopes: &'a str,
    pub departements: Option<&'a str>,
    /// `AAAA-MM-JJ`: the last day the client works (Paris time).
    pub valide_jusqu_au: Option<&'a str>,
}

/// Checks a request (errors name the command line's flag) and creates the client.
pub async fn creer(conn: &mut dyn Conn, d: &Demande<'_>, now: DateTime<Utc>) -> anyhow::Result<ClientCree> {
    let nom = d.nom.trim();
    anyhow::ensure!(!nom.is_empty() && nom.chars().count() <= 120, "--nom : de 1 à 120 caractères");
    let scopes = lire_scopes(d.scopes).map_err(|e| anyhow::anyhow!("--scopes : {e}"))?;
    let departements = match d.departements.map(str::trim).filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => Some(
            carnet_domain::lieux::territoires::parse_departements(t)
                .map_err(|e| anyhow::anyhow!("--departements : {e}"))?
                .join(","),
        ),
    };
    let valide_jusqu_au = match d.valide_jusqu_au.map(str::trim).filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => {
            let jour = NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| {
                anyhow::anyhow!("--valid-until : date invalide, attendu AAAA-MM-JJ (par exemple 2027-12-31)")
            })?;
            anyhow::ensure!(jour >= carnet_domain::paris::today(now), "--valid-until : le {jour} est déjà passé");
            Some(jour)
        }
    };
    let mut octets = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut octets);
    let client_id: String = octets.iter().map(|b| format!("{b:02x}")).collect();
    let (secret, secret_hash) = auth::new_token();
    let scopes: Vec<&str> = scopes.iter().map(|s| s.code()).collect();
    let id = store::creer(
        conn,
        &NouveauClient {
            client_id: &client_id,
            nom,
            secret_hash: &secret_hash,
            scopes: &scopes.join(","),
            departements: departements.as_deref(),
            valide_jusqu_au,
        },
        now,
    )
    .await?;
    Ok(ClientCree { id, client_id, secret })
}

/// Why credentials open nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refus {
    /// No `Authorization` header.
    Absent,
    /// Not `Bearer <client_id>:<secret>`.
    Malforme,
    /// No such client, or not its secret.
    Inconnu,
    Revoque,
    /// Past its last day (this one).
    Expire(NaiveDate),
}

/// `<client_id>:<secret>` as `creer` gives them: 32 hexadecimal digits, 43 URL-safe base64 ones.
fn lire_identifiants(texte: &str) -> Option<(&str, &str)> {
    let (id, secret) = texte.split_once(':')?;
    let id_ok = id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
    let secret_ok = secret.len() == 43 && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    (id_ok && secret_ok).then_some((id, secret))
}

/// The client the value of an `Authorization` header opens on `aujourdhui` (Paris time).
/// Revocation and expiry are told only to whoever holds the right secret.
pub async fn authentifier(
    conn: &mut dyn Conn,
    authorization: Option<&str>,
    aujourdhui: NaiveDate,
) -> Result<Result<Client, Refus>, sqlx::Error> {
    let Some(valeur) = authorization else { return Ok(Err(Refus::Absent)) };
    let identifiants = valeur
        .split_once(' ')
        .filter(|(schema, _)| schema.eq_ignore_ascii_case("bearer"))
        .and_then(|(_, reste)| lire_identifiants(reste.trim()));
    let Some((client_id, secret)) = identifiants else { return Ok(Err(Refus::Malforme)) };
    let client = store::par_client_id(conn, client_id).await?;
    let recu = auth::token_hash(secret);
    // An unknown id costs the same comparison as a known one.
    let attendu = client.as_ref().map(|c| c.secret_hash.as_str()).unwrap_or(&recu);
    let egal: bool = recu.as_bytes().ct_eq(attendu.as_bytes()).into();
    Ok(match client {
        Some(c) if egal => {
            if c.revoked_at.is_some() {
                Err(Refus::Revoque)
            } else if let Some(fin) = c.valide_jusqu_au.filter(|fin| aujourdhui > *fin) {
                Err(Refus::Expire(fin))
            } else {
                Ok(c)
            }
        }
        _ => Err(Refus::Inconnu),
    })
}

/// The scopes of a stored client.
pub fn scopes(c: &Client) -> Vec<Scope> {
    c.scopes.split(',').filter_map(Scope::parse).collect()
}

/// The territory of a stored client: département codes, none for all of France.
pub fn departements(c: &Client) -> Option<Vec<String>> {
    c.departements.as_deref().map(|d| d.split(',').map(str::to_string).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_a_known_list() {
        assert_eq!(lire_scopes("statistiques,activites").unwrap(), vec![Scope::Statistiques, Scope::Activites]);
        assert_eq!(lire_scopes(" Activites , activites").unwrap(), vec![Scope::Activites]);
        assert!(lire_scopes("statistiques,lieux").unwrap_err().contains("« lieux » inconnu"));
        assert!(lire_scopes(" , ").is_err());
    }

    #[test]
    fn credentials_are_an_id_and_a_secret_of_the_created_shape() {
        let id = "0123456789abcdef0123456789abcdef";
        let secret = "A".repeat(43);
        assert_eq!(lire_identifiants(&format!("{id}:{secret}")), Some((id, secret.as_str())));
        assert_eq!(lire_identifiants(&format!("{id}{secret}")), None);
        assert_eq!(lire_identifiants(&format!("{}:{secret}", id.to_uppercase())), None);
        assert_eq!(lire_identifiants(&format!("{id}:{}", "A".repeat(42))), None);
        assert_eq!(lire_identifiants(&format!("{id}:{}=", "A".repeat(42))), None);
        assert_eq!(lire_identifiants(""), None);
    }
}
