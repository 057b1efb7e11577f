//! The identifiers and contact fields of a venue: `pivot` (SIRET or RNA), postcode, INSEE code,
//! telephone, e-mails and web addresses, each checked with a French message naming the field.

/// Luhn check on a string of digits (SIREN and SIRET keys).
pub fn luhn(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, c) in digits.bytes().rev().enumerate() {
        if !c.is_ascii_digit() {
            return false;
        }
        let mut d = (c - b'0') as u32;
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum.is_multiple_of(10)
}

/// A SIRET: 14 digits with a valid Luhn key. La Poste (SIREN 356 000 000) has more establishments
/// than Luhn keys allow: INSEE also gives them numbers whose digits add up to a multiple of 5.
pub fn is_siret(s: &str) -> bool {
    if s.len() != 14 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    if s.starts_with("356000000") {
        return luhn(s) || s.bytes().map(|b| (b - b'0') as u32).sum::<u32>() % 5 == 0;
    }
    luhn(s)
}

/// An RNA number (Répertoire national des associations): « W » then 9 characters, the first
/// three the prefecture (digits, or 2A/2B, 9A… overseas), the last six digits.
pub fn is_rna(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[0] == b'W'
        && b[1..4].iter().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        && b[4..].iter().all(u8::is_ascii_digit)
}

/// A RIDET (Nouvelle-Calédonie) or a numéro TAHITI (Polynésie française), the pivots the schema
/// allows there: 9 or 10 letters and digits.
pub fn is_ridet_or_tahiti(s: &str) -> bool {
    (9..=10).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Checks `pivot`; returns it compacted (spaces removed, RNA in capitals).
pub fn pivot(raw: &str, code_postal: &str) -> Result<String, String> {
    let s: String = raw.chars().filter(|c| !c.is_whitespace() && *c != '.').collect::<String>().to_uppercase();
    if s.is_empty() {
        return Err("Pivot (SIRET ou RNA) : ce champ est obligatoire.".into());
    }
    if s.bytes().all(|b| b.is_ascii_digit()) && s.len() == 14 {
        return if is_siret(&s) {
            Ok(s)
        } else {
            Err(format!("Pivot : le SIRET {s} n'est pas valide (sa clé de contrôle ne correspond pas)."))
        };
    }
    if s.starts_with('W') && is_rna(&s) {
        return Ok(s);
    }
    let pacifique = code_postal.starts_with("987") || code_postal.starts_with("988");
    if pacifique && is_ridet_or_tahiti(&s) {
        return Ok(s);
    }
    Err(format!(
        "Pivot : « {} » n'est ni un SIRET (14 chiffres) ni un numéro RNA (W suivi de 9 caractères).",
        raw.trim()
    ))
}

/// A postcode: 5 digits, of a French département (01–95, 97, 98; never 00 or 96).
pub fn code_postal(raw: &str) -> Result<String, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("Code postal : ce champ est obligatoire.".into());
    }
    // Spreadsheets drop the leading zero of Ain, Aisne… postcodes: 1000 means 01000.
    let s = if s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()) { format!("0{s}") } else { s.to_string() };
    if s.len() != 5 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("Code postal : « {s} » doit compter 5 chiffres."));
    }
    if s.starts_with("00") || s.starts_with("96") || s.starts_with("99") {
        return Err(format!("Code postal : « {s} » n'est pas un code postal français."));
    }
    Ok(s)
}

/// A commune code of the COG: départements 01–19, 21–95, 2A, 2B, overseas 971–978 and 984–989
/// (the schema's pattern, without the « 00 » it lets through).
pub fn is_code_insee_lieu(code: &str) -> bool {
    let b = code.as_bytes();
    if b.len() != 5 {
        return false;
    }
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    match &b[..2] {
        b"2A" | b"2B" => digits(&b[2..]),
        b"97" => digits(&b[2..]) && (b'1'..=b'8').contains(&b[2]),
        b"98" => digits(&b[2..]) && (b'4'..=b'9').contains(&b[2]),
        b"00" | b"20" | b"96" | b"99" => false,
        _ => digits(b),
    }
}

pub fn code_insee(raw: &str) -> Result<Option<String>, String> {
    let s = raw.trim().to_uppercase();
    if s.is_empty() {
        return Ok(None);
    }
    if is_code_insee_lieu(&s) {
        Ok(Some(s))
    } else {
        Err(format!(
            "Code INSEE : « {s} » n'est pas un code commune (5 caractères : 2A/2B pour la Corse, 971 à 976 outre-mer ; ce n'est pas le code postal)."
        ))
    }
}

/// The département of a commune code: 2 characters, or 3 overseas.
pub fn departement_of_insee(code: &str) -> String {
    if code.starts_with("97") || code.starts_with("98") {
        code[..3].to_string()
    } else {
        code[..2].to_string()
    }
}

/// The département of a postcode, when no commune code is known: Corsica's 20xxx split at 20200
/// (Corse-du-Sud below, Haute-Corse from it, as La Poste allots them).
pub fn departement_of_code_postal(cp: &str) -> String {
    if cp.starts_with("97") || cp.starts_with("98") {
        return cp[..3].to_string();
    }
    if let Some(rest) = cp.strip_prefix("20") {
        return if rest.parse::<u32>().map(|n| n < 200).unwrap_or(true) { "2A".into() } else { "2B".into() };
    }
    cp[..2].to_string()
}

/// Calling codes the schema accepts, and the national trunk prefixes that map to them.
const INDICATIFS: &[&str] = &["+33", "+590", "+594", "+262", "+596", "+269", "+687", "+689", "+508", "+681"];

/// National numbers of the overseas départements start with these (after the 0).
const OUTRE_MER: &[(&str, &str)] = &[
    ("590", "+590"),
    ("690", "+590"),
    ("691", "+590"),
    ("594", "+594"),
    ("694", "+594"),
    ("262", "+262"),
    ("692", "+262"),
    ("693", "+262"),
    ("596", "+596"),
    ("696", "+596"),
    ("697", "+596"),
    ("269", "+262"),
    ("639", "+262"),
];

/// A telephone number in the schema's international form (`+33180059880`). French national
/// numbers (`01 80 05 98 80`, `01.80.05.98.80`) are converted.
pub fn telephone(raw: &str) -> Result<Option<String>, String> {
    let compact: String = raw.chars().filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')' | '\u{a0}' | '/')).collect();
    if compact.is_empty() {
        return Ok(None);
    }
    let international = if let Some(rest) = compact.strip_prefix("0033") {
        format!("+33{rest}")
    } else if compact.starts_with('+') {
        // +33 (0)1 …: the 0 after the calling code must go.
        match compact.strip_prefix("+330") {
            Some(rest) => format!("+33{rest}"),
            None => compact.clone(),
        }
    } else if compact.len() == 10 && compact.starts_with('0') && compact.bytes().all(|b| b.is_ascii_digit()) {
        let national = &compact[1..];
        match OUTRE_MER.iter().find(|(p, _)| national.starts_with(p)) {
            Some((_, code)) => format!("{code}{national}"),
            None => format!("+33{national}"),
        }
    } else {
        compact.clone()
    };
    let ok = INDICATIFS.iter().any(|ind| {
        international
            .strip_prefix(ind)
            .map(|rest| (6..=9).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_digit()))
            .unwrap_or(false)
    });
    if ok {
        Ok(Some(international))
    } else {
        Err(format!(
            "Téléphone : « {} » n'est pas un numéro valide (format attendu : +33180059880 ou 01 80 05 98 80).",
            raw.trim()
        ))
    }
}

/// A plausible e-mail address: one @, something before, a dot in the domain, no spaces.
pub fn is_courriel(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.chars().any(|c| c.is_whitespace() || c == ',' || c == ';')
        }
        None => false,
    }
}

/// A web address: http or https, a host, no spaces.
pub fn is_url(s: &str) -> bool {
    let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"));
    match rest {
        Some(r) => {
            let host = r.split(['/', '?', '#']).next().unwrap_or("");
            host.contains('.') && !s.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn siret_luhn() {
        assert!(is_siret("43493312300029")); // the standard's example
        assert!(is_siret("73282932000074")); // a real SIRET (Apple France)
        assert!(!is_siret("43493312300028"));
        assert!(!is_siret("4349331230002"));
        assert!(!is_siret("4349331230002A"));
        // La Poste: Luhn, or a sum of digits that is a multiple of 5.
        assert!(is_siret("35600000000048"));
        assert!(is_siret("35600000049837"));
        assert!(!is_siret("35600000049838"));
    }

    #[test]
    fn pivots() {
        assert_eq!(pivot(" 434 933 123 00029 ", "51100").unwrap(), "43493312300029");
        assert_eq!(pivot("w751234567", "75001").unwrap(), "W751234567");
        assert_eq!(pivot("W2A1000123", "20000").unwrap(), "W2A1000123");
        assert!(pivot("43493312300028", "51100").unwrap_err().contains("clé de contrôle"));
        assert!(pivot("", "51100").unwrap_err().contains("obligatoire"));
        assert!(pivot("ABC", "51100").unwrap_err().contains("ni un SIRET"));
        assert_eq!(pivot("1234567001", "98800").unwrap(), "1234567001");
        assert!(pivot("1234567001", "51100").is_err());
    }

    #[test]
    fn insee_codes() {
        for ok in ["51454", "01001", "2A004", "2B033", "97101", "97411", "97611", "97502", "98735"] {
            assert!(is_code_insee_lieu(ok), "{ok}");
        }
        for bad in ["20004", "2C004", "00123", "97904", "96123", "5145", "514540", "51 45", "2a004x"] {
            assert!(!is_code_insee_lieu(bad), "{bad}");
        }
        assert_eq!(code_insee("2a004").unwrap(), Some("2A004".into()));
        assert_eq!(code_insee("").unwrap(), None);
        assert!(code_insee("51100x").unwrap_err().contains("Code INSEE"));
        assert_eq!(departement_of_insee("2A004"), "2A");
        assert_eq!(departement_of_insee("97411"), "974");
        assert_eq!(departement_of_insee("29019"), "29");
    }

    #[test]
    fn postcodes() {
        assert_eq!(code_postal("51100").unwrap(), "51100");
        assert_eq!(code_postal("1000").unwrap(), "01000");
        assert!(code_postal("").unwrap_err().contains("obligatoire"));
        assert!(code_postal("5110A").is_err());
        assert!(code_postal("00100").is_err());
        assert_eq!(departement_of_code_postal("20000"), "2A");
        assert_eq!(departement_of_code_postal("20200"), "2B");
        assert_eq!(departement_of_code_postal("97400"), "974");
        assert_eq!(departement_of_code_postal("29200"), "29");
    }

    #[test]
    fn telephones() {
        assert_eq!(telephone("+33180059880").unwrap(), Some("+33180059880".into()));
        assert_eq!(telephone("01 80 05 98 80").unwrap(), Some("+33180059880".into()));
        assert_eq!(telephone("02.98.00.00.00").unwrap(), Some("+33298000000".into()));
        assert_eq!(telephone("+33 (0)1 80 05 98 80").unwrap(), Some("+33180059880".into()));
        assert_eq!(telephone("0262 12 34 56").unwrap(), Some("+262262123456".into()));
        assert_eq!(telephone("0692 12 34 56").unwrap(), Some("+262692123456".into()));
        assert_eq!(telephone("").unwrap(), None);
        assert!(telephone("12345").unwrap_err().starts_with("Téléphone"));
        assert!(telephone("+44 20 7946 0958").is_err());
    }

    #[test]
    fn mails_and_urls() {
        assert!(is_courriel("contact@laquincaillerie.tl"));
        assert!(!is_courriel("contact@laquincaillerie"));
        assert!(!is_courriel("contact laquincaillerie.tl"));
        assert!(is_url("https://www.laquincaillerie.tl/"));
        assert!(is_url("http://exemple.fr/a?b=c"));
        assert!(!is_url("www.exemple.fr"));
        assert!(!is_url("https://exemple fr"));
    }
}
