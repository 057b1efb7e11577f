//! Text helpers shared by the search on both sides: accent- and case-insensitive matching.

/// Lowercases, removes French diacritics and ligatures, and turns hyphens, apostrophes and runs of
/// spaces into one space: « Saint-Étienne » and « saint etienne » normalise to the same text.
pub fn normalise(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut last_space = true;
    for c in input.chars().flat_map(char::to_lowercase) {
        let mapped: &str = match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => "a",
            'ç' => "c",
            'é' | 'è' | 'ê' | 'ë' => "e",
            'í' | 'ì' | 'î' | 'ï' => "i",
            'ñ' => "n",
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' => "o",
            'ú' | 'ù' | 'û' | 'ü' => "u",
            'ý' | 'ÿ' => "y",
            'œ' => "oe",
            'æ' => "ae",
            '-' | '\'' | '’' | '_' | '.' | ',' => " ",
            c if c.is_whitespace() => " ",
            _ => {
                out.push(c);
                last_space = false;
                continue;
            }
        };
        if mapped == " " {
            if !last_space {
                out.push(' ');
                last_space = true;
            }
        } else {
            out.push_str(mapped);
            last_space = false;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// The smallest string greater than every string starting with `prefix`: lets a prefix search be
/// an indexed range scan (`col >= prefix AND col < upper`) in any SQL database.
pub fn prefix_upper_bound(prefix: &str) -> String {
    let mut s = prefix.to_string();
    s.push(char::MAX);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_case_and_separators() {
        assert_eq!(normalise("Saint-Étienne"), "saint etienne");
        assert_eq!(normalise("  L'Haÿ-les-Roses "), "l hay les roses");
        assert_eq!(normalise("Œuvre  ÇA"), "oeuvre ca");
        assert_eq!(normalise("Zoé"), "zoe");
        assert_eq!(normalise(""), "");
    }

    #[test]
    fn upper_bound_orders_after_prefix() {
        let up = prefix_upper_bound("saint");
        assert!("saint etienne" < up.as_str());
        assert!("sainte" < up.as_str());
        assert!("sainu" > up.as_str());
    }
}

/// A cell of a CSV file meant for people, made inert for spreadsheet software: a cell starting
/// with `=`, `+`, `-`, `@`, a tab or a carriage return would be run as a formula (and a formula
/// can call other programs), so it gets a leading `'`, which spreadsheets hide. Cells made of
/// digits, spaces and `+ - . , ( ) /` alone (a negative amount, a longitude, a phone number in
/// international form) cannot call anything and are left as they are.
pub fn cellule_csv(value: &str) -> std::borrow::Cow<'_, str> {
    let declencheur = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let inerte = value.chars().all(|c| c.is_ascii_digit() || " +-.,()/".contains(c));
    if declencheur && !inerte {
        std::borrow::Cow::Owned(format!("'{value}"))
    } else {
        std::borrow::Cow::Borrowed(value)
    }
}

#[cfg(test)]
mod cellule_tests {
    use super::cellule_csv;

    #[test]
    fn formulas_are_made_inert_numbers_and_phones_are_kept() {
        for f in ["=1+2", "+SOMME(A1)", "-2+3+cmd|' /C calc'!A0", "@SUM(1)", "\tx", "\r=1", "=HYPERLINK(\"x\")"] {
            assert_eq!(cellule_csv(f), format!("'{f}"), "{f}");
        }
        for keep in ["-4.4861", "-10,00", "+33 2 98 00 00 00", "Brest", "", "12", "a=b", "(0)"] {
            assert_eq!(cellule_csv(keep), keep, "{keep}");
        }
    }
}
