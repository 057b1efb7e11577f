//! Geocoding addresses. Behind a trait: in production the French address API (BAN, served by the
//! Géoplateforme; base URL configurable, e.g. `https://data.geopf.fr/geocodage`), in tests a
//! fixture. Without a configured geocoder Carnet stays offline and places a venue at its
//! commune's point (see `store::lieux::commune_points`).

use std::collections::HashMap;
use std::fmt::Debug;
use std::time::Duration;

/// A geocoded address.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub latitude: f64,
    pub longitude: f64,
}

/// What to look for: the street part, the postcode, the commune's name and INSEE code if known.
#[derive(Clone, Debug, PartialEq)]
pub struct Adresse<'a> {
    pub adresse: &'a str,
    pub code_postal: &'a str,
    pub commune: &'a str,
    pub code_insee: Option<&'a str>,
}

/// Finds the point of an address. Blocking (callers run it off the async threads): `Ok(None)`
/// when nothing good enough was found, `Err` when the service could not be asked.
pub trait Geocodeur: Send + Sync + Debug {
    fn geocode(&self, a: &Adresse<'_>) -> Result<Option<Point>, String>;
}

/// The BAN / Géoplateforme search API: `GET {base}/search?q=…&postcode=…&limit=1`.
#[derive(Debug)]
pub struct Ban {
    base: String,
    agent: ureq::Agent,
}

/// A result is kept only above this score (BAN's relevance, 0 to 1).
pub const SCORE_MIN: f64 = 0.5;

impl Ban {
    pub fn new(base_url: &str) -> Ban {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(10)))
            .user_agent(concat!("carnet/", env!("CARGO_PKG_VERSION")))
            .build();
        Ban { base: base_url.trim_end_matches('/').to_string(), agent: config.into() }
    }

    pub fn url(&self, a: &Adresse<'_>) -> String {
        let q = format!("{} {} {}", a.adresse, a.code_postal, a.commune);
        let mut url = format!("{}/search?q={}&limit=1", self.base, encode(q.trim()));
        if !a.code_postal.is_empty() {
            url.push_str(&format!("&postcode={}", encode(a.code_postal)));
        }
        url
    }
}

fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Reads the API's GeoJSON answer: the first feature if its score is high enough and, when we
/// know the commune, it is in that commune.
pub fn lire_reponse(body: &str, code_insee: Option<&str>) -> Result<Option<Point>, String> {
    let v: serde_json::Value = serde_json::from_str(body).map_err(|e| format!("réponse illisible : {e}"))?;
    let Some(f) = v["features"].as_array().and_then(|a| a.first()) else { return Ok(None) };
    let score = f["properties"]["score"].as_f64().unwrap_or(0.0);
    if score < SCORE_MIN {
        return Ok(None);
    }
    if let (Some(expected), Some(found)) = (code_insee, f["properties"]["citycode"].as_str()) {
        if expected != found {
            return Ok(None);
        }
    }
    let c = &f["geometry"]["coordinates"];
    match (c[1].as_f64(), c[0].as_f64()) {
        (Some(latitude), Some(longitude)) => Ok(Some(Point { latitude, longitude })),
        _ => Ok(None),
    }
}

impl Geocodeur for Ban {
    fn geocode(&self, a: &Adresse<'_>) -> Result<Option<Point>, String> {
        let mut resp = self.agent.get(&self.url(a)).call().map_err(|e| format!("service d'adresses : {e}"))?;
        let body = resp.body_mut().read_to_string().map_err(|e| format!("service d'adresses : {e}"))?;
        lire_reponse(&body, a.code_insee)
    }
}

/// Tests: known addresses (lowercased « adresse code_postal ») give known points; any other
/// gives nothing. Never touches the network.
#[derive(Debug, Default)]
pub struct Fixture {
    pub points: HashMap<String, Point>,
}

impl Fixture {
    pub fn with(mut self, adresse: &str, code_postal: &str, latitude: f64, longitude: f64) -> Fixture {
        self.points.insert(Self::key(adresse, code_postal), Point { latitude, longitude });
        self
    }

    fn key(adresse: &str, code_postal: &str) -> String {
        format!("{} {}", carnet_domain::text::normalise(adresse), code_postal.trim())
    }
}

impl Geocodeur for Fixture {
    fn geocode(&self, a: &Adresse<'_>) -> Result<Option<Point>, String> {
        Ok(self.points.get(&Self::key(a.adresse, a.code_postal)).copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPONSE: &str = r#"{"type":"FeatureCollection","features":[{"type":"Feature",
        "geometry":{"type":"Point","coordinates":[-4.48529,48.389758]},
        "properties":{"label":"25 Rue de Pierre Loti 29200 Brest","score":0.87,"citycode":"29019","type":"housenumber"}}]}"#;

    #[test]
    fn reads_the_ban_answer() {
        let p = lire_reponse(REPONSE, Some("29019")).unwrap().unwrap();
        assert_eq!(p, Point { latitude: 48.389758, longitude: -4.48529 });
        // Another commune, a weak score, nothing found: no point.
        assert_eq!(lire_reponse(REPONSE, Some("29232")).unwrap(), None);
        assert_eq!(lire_reponse(&REPONSE.replace("0.87", "0.3"), None).unwrap(), None);
        assert_eq!(lire_reponse(r#"{"features":[]}"#, None).unwrap(), None);
        assert!(lire_reponse("<html>", None).is_err());
    }

    #[test]
    fn builds_the_query() {
        let b = Ban::new("https://data.geopf.fr/geocodage/");
        let url =
            b.url(&Adresse { adresse: "25 rue Pierre Loti", code_postal: "29200", commune: "Brest", code_insee: None });
        assert_eq!(
            url,
            "https://data.geopf.fr/geocodage/search?q=25%20rue%20Pierre%20Loti%2029200%20Brest&limit=1&postcode=29200"
        );
    }
}
