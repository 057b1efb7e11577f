//! Départements and régions (INSEE COG), for hubs' territories, map counts and coverage.

pub use super::territoires_data::{DEPARTEMENTS, REGIONS};

/// The name of a département (« Finistère »).
pub fn nom_departement(code: &str) -> Option<&'static str> {
    DEPARTEMENTS.iter().find(|(c, _, _)| *c == code).map(|(_, n, _)| *n)
}

/// The région code of a département.
pub fn region_of(departement: &str) -> Option<&'static str> {
    DEPARTEMENTS.iter().find(|(c, _, _)| *c == departement).map(|(_, _, r)| *r)
}

pub fn nom_region(code: &str) -> Option<&'static str> {
    REGIONS.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
}

/// « Finistère (29) ».
pub fn libelle_departement(code: &str) -> String {
    match nom_departement(code) {
        Some(n) => format!("{n} ({code})"),
        None => code.to_string(),
    }
}

/// Parses a list of départements typed by an administrator (« 29, 22 56;35 », « 2a »):
/// each must exist. Returns them sorted, without duplicates.
pub fn parse_departements(input: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    let mut unknown = Vec::new();
    for part in input.split([',', ';', ' ', '\n']).map(str::trim).filter(|p| !p.is_empty()) {
        let code = part.to_uppercase();
        let code = if code.len() == 1 && code.as_bytes()[0].is_ascii_digit() { format!("0{code}") } else { code };
        if nom_departement(&code).is_some() {
            if !out.contains(&code) {
                out.push(code);
            }
        } else {
            unknown.push(part.to_string());
        }
    }
    if !unknown.is_empty() {
        return Err(format!("Départements inconnus : {}.", unknown.join(", ")));
    }
    if out.is_empty() {
        return Err("Indiquez au moins un département (par exemple 29, 22, 56, 35).".into());
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cog_tables() {
        assert_eq!(DEPARTEMENTS.len(), 109);
        assert_eq!(nom_departement("29"), Some("Finistère"));
        assert_eq!(nom_departement("2A"), Some("Corse-du-Sud"));
        assert_eq!(nom_departement("974"), Some("La Réunion"));
        assert_eq!(region_of("29"), Some("53"));
        assert_eq!(nom_region("53"), Some("Bretagne"));
        assert_eq!(libelle_departement("35"), "Ille-et-Vilaine (35)");
        for (_, _, r) in DEPARTEMENTS {
            assert!(nom_region(r).is_some(), "{r}");
        }
    }

    #[test]
    fn territory_lists() {
        assert_eq!(parse_departements("29, 22 56;35").unwrap(), vec!["22", "29", "35", "56"]);
        assert_eq!(parse_departements("2a 1").unwrap(), vec!["01", "2A"]);
        assert!(parse_departements("29, 20, 100").unwrap_err().contains("20, 100"));
        assert!(parse_departements("  ").is_err());
    }
}
