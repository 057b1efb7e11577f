//! Pass codes: 12 characters from a 30-letter alphabet, shown `XXXX-XXXX-XXXX`.
//!
//! The alphabet leaves out I, O, 0, 1, 8 and 9, the characters people confuse when they copy a
//! printed code. The twelfth character is a Luhn mod 30 check character: it catches every single
//! mistyped character and every swap of two neighbours but one (`A`↔`7`, the values 0 and 29).

use serde::{Deserialize, Serialize};
use std::fmt;

pub const ALPHABET: &[u8; 30] = b"ABCDEFGHJKLMNPQRSTUVWXYZ234567";
pub const LEN: usize = 12;
const N: u32 = ALPHABET.len() as u32;

/// A pass code that is known to be well formed (right length, alphabet, check character).
/// Stored and compared in its compact form (12 uppercase characters, no dashes).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub struct PassCode(String);

/// Why a typed code is not a pass code. Each variant has a French message for the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PassCodeError {
    Empty,
    WrongLength(usize),
    BadCharacter(char),
    CheckFailed,
}

impl fmt::Display for PassCodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PassCodeError::Empty => write!(f, "Le code du pass est vide."),
            PassCodeError::WrongLength(n) => {
                write!(f, "Un code de pass compte 12 caractères (format XXXX-XXXX-XXXX) ; celui-ci en compte {n}.")
            }
            PassCodeError::BadCharacter(c) => {
                let hint = match c {
                    'O' | '0' => " (les codes n'utilisent ni O ni 0)",
                    'I' | '1' => " (les codes n'utilisent ni I ni 1)",
                    '8' | '9' => " (les chiffres des codes vont de 2 à 7)",
                    _ => "",
                };
                write!(f, "Le caractère « {c} » n'existe pas dans les codes de pass{hint}.")
            }
            PassCodeError::CheckFailed => {
                write!(f, "Ce code de pass n'est pas valide : un caractère a probablement été mal recopié.")
            }
        }
    }
}

impl std::error::Error for PassCodeError {}

fn value_of(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// Luhn mod N: from the right, double every second value (counting the check position as the
/// first), fold the result back into base N, and pick the character that makes the sum ≡ 0.
fn check_value(body: &[u32]) -> u32 {
    let mut factor = 2;
    let mut sum = 0;
    for &v in body.iter().rev() {
        let addend = factor * v;
        sum += addend / N + addend % N;
        factor = if factor == 2 { 1 } else { 2 };
    }
    (N - (sum % N)) % N
}

impl PassCode {
    /// Parses what a person typed: any case, with or without dashes or spaces.
    pub fn parse(input: &str) -> Result<PassCode, PassCodeError> {
        let compact: String = input
            .chars()
            .filter(|c| !matches!(c, '-' | ' ' | '\u{a0}' | '\t' | '\u{2010}' | '\u{2011}' | '\u{2013}'))
            .flat_map(|c| c.to_uppercase())
            .collect();
        if compact.is_empty() {
            return Err(PassCodeError::Empty);
        }
        if let Some(bad) = compact.chars().find(|c| !c.is_ascii() || value_of(*c as u8).is_none()) {
            return Err(PassCodeError::BadCharacter(bad));
        }
        let count = compact.chars().count();
        if count != LEN {
            return Err(PassCodeError::WrongLength(count));
        }
        let values: Vec<u32> = compact.bytes().map(|b| value_of(b).unwrap()).collect();
        if check_value(&values[..LEN - 1]) != values[LEN - 1] {
            return Err(PassCodeError::CheckFailed);
        }
        Ok(PassCode(compact))
    }

    /// Builds a code from 11 random values (each taken modulo 30) and appends the check character.
    /// The caller supplies randomness (a CSPRNG on the server): the domain does no I/O.
    pub fn from_random(values: [u8; LEN - 1]) -> PassCode {
        let body: Vec<u32> = values.iter().map(|v| u32::from(*v) % N).collect();
        let check = check_value(&body);
        let code = body.iter().chain(std::iter::once(&check)).map(|&v| ALPHABET[v as usize] as char).collect();
        PassCode(code)
    }

    /// The compact form, as stored: 12 characters, no dashes.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form printed on a carnet and shown on screen: `XXXX-XXXX-XXXX`.
    pub fn display(&self) -> String {
        format!("{}-{}-{}", &self.0[0..4], &self.0[4..8], &self.0[8..12])
    }
}

impl fmt::Display for PassCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

impl TryFrom<String> for PassCode {
    type Error = PassCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        PassCode::parse(&s)
    }
}

impl From<PassCode> for String {
    fn from(c: PassCode) -> String {
        c.0
    }
}

/// Splits pasted text holding several codes (one per line, or separated by commas, semicolons or
/// spaces between groups of 12) into candidate codes, in order. Used when a conseiller pastes all
/// the codes of a carnet into the first field.
pub fn split_pasted(text: &str) -> Vec<String> {
    let tokens: Vec<&str> = text.split(['\n', '\r', ',', ';', '\t']).map(str::trim).filter(|t| !t.is_empty()).collect();
    if tokens.len() > 1 {
        return tokens.into_iter().map(String::from).collect();
    }
    // One line: the codes may be separated by spaces, or run together.
    let compact: String = text.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    if compact.len() > LEN && compact.len().is_multiple_of(LEN) {
        return compact.as_bytes().chunks(LEN).map(|c| String::from_utf8_lossy(c).into_owned()).collect();
    }
    tokens.into_iter().map(String::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> PassCode {
        PassCode::from_random([3, 14, 15, 9, 26, 5, 3, 5, 8, 9, 7])
    }

    #[test]
    fn generated_codes_parse_back() {
        for seed in 0u8..=255 {
            let values = [seed, seed.wrapping_mul(7), 3, 250, seed / 3, 11, 29, 0, seed, 17, 200];
            let code = PassCode::from_random(values);
            assert_eq!(code.as_str().len(), LEN);
            assert_eq!(PassCode::parse(code.as_str()), Ok(code.clone()));
        }
    }

    #[test]
    fn accepts_any_case_dashes_and_spaces() {
        let code = sample();
        let shown = code.display();
        assert_eq!(shown.len(), 14);
        assert_eq!(&shown[4..5], "-");
        assert_eq!(PassCode::parse(&shown), Ok(code.clone()));
        assert_eq!(PassCode::parse(&shown.to_lowercase()), Ok(code.clone()));
        let spaced = format!(" {} {} {} ", &code.as_str()[..4], &code.as_str()[4..8], &code.as_str()[8..]);
        assert_eq!(PassCode::parse(&spaced), Ok(code));
    }

    #[test]
    fn every_single_substitution_is_caught() {
        let code = sample();
        for pos in 0..LEN {
            for &c in ALPHABET.iter() {
                let mut bytes = code.as_str().as_bytes().to_vec();
                if bytes[pos] == c {
                    continue;
                }
                bytes[pos] = c;
                let typo = String::from_utf8(bytes).unwrap();
                assert_eq!(PassCode::parse(&typo), Err(PassCodeError::CheckFailed), "{typo}");
            }
        }
    }

    #[test]
    fn adjacent_swaps_are_caught_except_the_luhn_blind_pair() {
        // Try many codes; every swap of two different neighbours is caught unless the two
        // values are 0 and 29 (A and 7), the one pair Luhn mod N cannot see.
        for seed in 0u8..60 {
            let code = PassCode::from_random([seed, seed / 2, 29, 0, 5, seed % 7, 12, 13, 28, 1, seed]);
            let bytes = code.as_str().as_bytes();
            for pos in 0..LEN - 1 {
                if bytes[pos] == bytes[pos + 1] {
                    continue;
                }
                let mut swapped = bytes.to_vec();
                swapped.swap(pos, pos + 1);
                let typo = String::from_utf8(swapped).unwrap();
                let pair = [bytes[pos], bytes[pos + 1]];
                let blind = pair == *b"A7" || pair == *b"7A";
                assert_eq!(PassCode::parse(&typo).is_ok(), blind, "{} -> {typo}", code.as_str());
            }
        }
    }

    #[test]
    fn wrong_length_is_named() {
        let code = sample();
        assert_eq!(PassCode::parse(&code.as_str()[..11]), Err(PassCodeError::WrongLength(11)));
        let long = format!("{}A", code.as_str());
        assert_eq!(PassCode::parse(&long), Err(PassCodeError::WrongLength(13)));
        assert_eq!(PassCode::parse(" - "), Err(PassCodeError::Empty));
    }

    #[test]
    fn confusable_characters_are_refused_with_a_hint() {
        for (bad, hint) in [('O', "ni O ni 0"), ('0', "ni O ni 0"), ('1', "ni I ni 1"), ('9', "de 2 à 7")] {
            let mut typed = sample().as_str().to_string();
            typed.replace_range(3..4, &bad.to_string());
            let err = PassCode::parse(&typed).unwrap_err();
            assert_eq!(err, PassCodeError::BadCharacter(bad));
            assert!(err.to_string().contains(hint), "{err}");
        }
        assert_eq!(PassCode::parse("ABCD-EFGH-JKL!"), Err(PassCodeError::BadCharacter('!')));
        assert!(matches!(PassCode::parse("ÉBCD-EFGH-JKLM"), Err(PassCodeError::BadCharacter('É'))));
    }

    #[test]
    fn serde_refuses_invalid_codes() {
        let code = sample();
        let json = serde_json::to_string(&code).unwrap();
        assert_eq!(serde_json::from_str::<PassCode>(&json).unwrap(), code);
        assert!(serde_json::from_str::<PassCode>("\"ABCD\"").is_err());
    }

    #[test]
    fn pasted_codes_are_split() {
        let a = PassCode::from_random([1; 11]);
        let b = PassCode::from_random([2; 11]);
        let c = PassCode::from_random([3; 11]);
        let lines = format!("{}\n{}\r\n{}\n", a.display(), b.display(), c.display());
        assert_eq!(split_pasted(&lines), vec![a.display(), b.display(), c.display()]);
        let one_line = format!("{} {} {}", a.display(), b.display(), c.display());
        assert_eq!(
            split_pasted(&one_line),
            vec![a.as_str().to_string(), b.as_str().to_string(), c.as_str().to_string()]
        );
        assert_eq!(split_pasted(&a.display()), vec![a.display()]);
    }
}
