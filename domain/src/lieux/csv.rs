//! A small CSV reader and writer (RFC 4180): quoted fields with doubled quotes, line breaks
//! inside quotes, `\n` or `\r\n` ends, a UTF-8 byte-order mark ignored. The delimiter is guessed
//! from the header (`,` as in the standard's examples, or `;` as French spreadsheets write).
//! Written here rather than taken from a crate so the domain stays dependency-free and the
//! exact line of each record is known for error reports.

/// One record and the line of the file where it starts (1 = the header).
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub ligne: u32,
    pub champs: Vec<String>,
}

/// The delimiter of a file: the one of `,`, `;`, tab that splits the header line most.
pub fn guess_delimiter(text: &str) -> char {
    let header = first_line(text);
    let count = |d: char| {
        let mut n = 0;
        let mut quoted = false;
        for c in header.chars() {
            match c {
                '"' => quoted = !quoted,
                c if c == d && !quoted => n += 1,
                _ => {}
            }
        }
        n
    };
    [',', ';', '\t'].into_iter().max_by_key(|d| count(*d)).unwrap_or(',')
}

fn first_line(text: &str) -> &str {
    text.trim_start_matches('\u{feff}').lines().next().unwrap_or("")
}

/// Reads every record. Never fails: an unterminated quote runs to the end of the file, and the
/// caller then sees a record with the wrong number of fields.
pub fn read(text: &str, delimiter: char) -> Vec<Record> {
    let text = text.trim_start_matches('\u{feff}');
    let mut records = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut line = 1u32;
    let mut start_line = 1u32;
    let mut at_field_start = true;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                '\r' if chars.peek() == Some(&'\n') => {}
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if at_field_start => {
                quoted = true;
                at_field_start = false;
            }
            c if c == delimiter => {
                fields.push(std::mem::take(&mut field));
                at_field_start = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                fields.push(std::mem::take(&mut field));
                if !(fields.len() == 1 && fields[0].is_empty()) {
                    records.push(Record { ligne: start_line, champs: std::mem::take(&mut fields) });
                }
                fields.clear();
                line += 1;
                start_line = line;
                at_field_start = true;
            }
            _ => {
                field.push(c);
                at_field_start = false;
            }
        }
    }
    if !field.is_empty() || !fields.is_empty() {
        fields.push(field);
        records.push(Record { ligne: start_line, champs: fields });
    }
    records
}

/// One field, quoted when it holds the delimiter, a quote or a line break (or always, `force`).
pub fn write_field(out: &mut String, value: &str, delimiter: char, force: bool) {
    if force || value.contains([delimiter, '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

/// One line (`\r\n` ended, as RFC 4180 says), each cell made inert for spreadsheets
/// (`text::cellule_csv`): the export is opened by people.
pub fn write_line(out: &mut String, values: &[&str], delimiter: char) {
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push(delimiter);
        }
        write_field(out, &crate::text::cellule_csv(v), delimiter, false);
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_line_breaks() {
        let text = "\u{feff}a,b,c\r\n\"1\",\"deux, \"\"2\"\"\",3\n\"x\ny\",,z\n\n4,5,6";
        let r = read(text, guess_delimiter(text));
        assert_eq!(r.len(), 4);
        assert_eq!(r[0].champs, vec!["a", "b", "c"]);
        assert_eq!(r[1], Record { ligne: 2, champs: vec!["1".into(), "deux, \"2\"".into(), "3".into()] });
        assert_eq!(r[2], Record { ligne: 3, champs: vec!["x\ny".into(), "".into(), "z".into()] });
        assert_eq!(r[3], Record { ligne: 6, champs: vec!["4".into(), "5".into(), "6".into()] });
    }

    #[test]
    fn delimiters() {
        assert_eq!(guess_delimiter("id;nom;\"a,b\"\n"), ';');
        assert_eq!(guess_delimiter("\"id\",\"nom\",x\n"), ',');
        assert_eq!(guess_delimiter("id\tnom\tx"), '\t');
    }

    #[test]
    fn exported_cells_cannot_run_as_formulas() {
        let mut out = String::new();
        write_line(&mut out, &["=cmd|' /C calc'!A0", "-4.4861", "+33 2 98 00 00 00", "@SUM(A1)"], ',');
        assert_eq!(out, "'=cmd|' /C calc'!A0,-4.4861,+33 2 98 00 00 00,'@SUM(A1)\r\n");
    }

    #[test]
    fn round_trip() {
        let rows = [vec!["a", "b,c", "d\"e"], vec!["", "ligne\nsuivante", "ok"]];
        let mut out = String::new();
        for r in &rows {
            write_line(&mut out, r, ',');
        }
        let back = read(&out, ',');
        assert_eq!(back.len(), 2);
        for (r, b) in rows.iter().zip(&back) {
            assert_eq!(r.iter().map(|s| s.to_string()).collect::<Vec<_>>(), b.champs);
        }
    }
}
