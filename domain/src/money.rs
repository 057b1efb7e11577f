//! Money is integer cents everywhere; euros only exist at the edges (forms and display).

/// Formats cents the French way: `1050` → « 10,50 € », `123456` → « 1 234,56 € ».
pub fn format_euros(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let euros = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in euros.chars().enumerate() {
        if i > 0 && (euros.len() - i).is_multiple_of(3) {
            grouped.push('\u{202f}'); // narrow no-break space, the French thousands separator
        }
        grouped.push(c);
    }
    format!("{sign}{grouped},{:02}\u{a0}€", abs % 100)
}

/// Formats cents for a French spreadsheet cell: `1050` → `10,50` (no symbol, no grouping).
pub fn format_decimal_comma(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{},{:02}", abs / 100, abs % 100)
}

/// Parses an amount in euros as typed in France: « 10 », « 10,5 », « 10.50 », « 10 € ».
/// Returns cents, or `None` when the text is not a positive amount with at most 2 decimals.
pub fn parse_euros(input: &str) -> Option<i64> {
    let cleaned: String = input
        .trim()
        .trim_end_matches('€')
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{202f}')
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    if cleaned.is_empty() {
        return None;
    }
    let (int_part, frac_part) = match cleaned.split_once('.') {
        Some((i, f)) => (i, f),
        None => (cleaned.as_str(), ""),
    };
    if int_part.is_empty() || !int_part.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if frac_part.len() > 2 || !frac_part.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if int_part.len() > 9 {
        return None;
    }
    let euros: i64 = int_part.parse().ok()?;
    let cents: i64 = match frac_part.len() {
        0 => 0,
        1 => frac_part.parse::<i64>().ok()? * 10,
        _ => frac_part.parse().ok()?,
    };
    Some(euros * 100 + cents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(format_euros(1000), "10,00\u{a0}€");
        assert_eq!(format_euros(123456), "1\u{202f}234,56\u{a0}€");
        assert_eq!(format_euros(-5), "-0,05\u{a0}€");
        assert_eq!(format_decimal_comma(1050), "10,50");
        assert_eq!(format_decimal_comma(-1050), "-10,50");
    }

    #[test]
    fn parses() {
        assert_eq!(parse_euros("10"), Some(1000));
        assert_eq!(parse_euros("10,5"), Some(1050));
        assert_eq!(parse_euros(" 10.50 € "), Some(1050));
        assert_eq!(parse_euros("0,05"), Some(5));
        assert_eq!(parse_euros("10,555"), None);
        assert_eq!(parse_euros("-10"), None);
        assert_eq!(parse_euros("dix"), None);
        assert_eq!(parse_euros(""), None);
        assert_eq!(parse_euros(",5"), None);
    }
}
