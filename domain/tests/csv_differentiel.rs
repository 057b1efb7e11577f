//! The venue files' CSV reader (`lieux::csv`, hand-written so each record knows its line)
//! against the maintained `csv` crate: the same generated files — quotes, doubled quotes, line
//! breaks inside fields, `\r\n` and `\n`, a byte-order mark, `;` and `,`, empty trailing
//! fields — must give the same records, and each record the line the crate says it starts on.

use carnet_domain::lieux::csv::{guess_delimiter, read, write_field};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const MORCEAUX: &[&str] =
    &["a", "Médiathèque", " ", "\"", "\"\"", ",", ";", "\n", "\r\n", "é", "10:00", "Mo-Fr 09:00-12:00", "'", "\t"];

fn champ(rng: &mut StdRng) -> String {
    if rng.gen_bool(0.2) {
        return String::new();
    }
    (0..rng.gen_range(1..5)).map(|_| MORCEAUX[rng.gen_range(0..MORCEAUX.len())]).collect()
}

/// A file and the records written into it.
fn fichier(rng: &mut StdRng, delimiter: char) -> (String, Vec<Vec<String>>) {
    let colonnes = rng.gen_range(2..6);
    let mut records = Vec::new();
    for _ in 0..rng.gen_range(1..8) {
        let mut r: Vec<String> = (0..colonnes).map(|_| champ(rng)).collect();
        // Empty trailing fields, as spreadsheets leave them.
        if rng.gen_bool(0.3) {
            for f in r.iter_mut().skip(colonnes - 1) {
                f.clear();
            }
        }
        // A record of empty fields only is a blank line for both readers when unquoted: keep one
        // non-empty field.
        if r.iter().all(String::is_empty) {
            r[0] = "x".into();
        }
        records.push(r);
    }
    let crlf = rng.gen_bool(0.5);
    let tout_entre_guillemets = rng.gen_bool(0.2);
    let mut text = if rng.gen_bool(0.3) { "\u{feff}".to_string() } else { String::new() };
    for (i, r) in records.iter().enumerate() {
        for (j, f) in r.iter().enumerate() {
            if j > 0 {
                text.push(delimiter);
            }
            write_field(&mut text, f, delimiter, tout_entre_guillemets);
        }
        if i + 1 < records.len() || rng.gen_bool(0.7) {
            text.push_str(if crlf { "\r\n" } else { "\n" });
        }
    }
    (text, records)
}

/// The crate's records and the line each starts on, counted from the byte where the crate starts
/// reading it (its own line counter skips line breaks inside quoted fields). It keeps
/// `\r\n` inside quoted fields as written; ours reads it as `\n` (a field's line break is one
/// character for the venue data).
fn selon_le_crate(text: &str, delimiter: char) -> Vec<(u64, Vec<String>)> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter as u8)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    let mut rec = csv::StringRecord::new();
    loop {
        // The crate stops after the `\r` of a `\r\n` end: the record starts after any line ends.
        let mut debut = rdr.position().byte() as usize;
        while matches!(text.as_bytes().get(debut), Some(b'\r' | b'\n')) {
            debut += 1;
        }
        match rdr.read_record(&mut rec) {
            Ok(true) => out.push((
                1 + text.as_bytes()[..debut].iter().filter(|b| **b == b'\n').count() as u64,
                rec.iter().map(|f| f.replace("\r\n", "\n")).collect(),
            )),
            Ok(false) => break,
            Err(e) => panic!("the csv crate refused {text:?}: {e}"),
        }
    }
    out
}

#[test]
fn the_reader_agrees_with_the_csv_crate_on_generated_files() {
    let mut rng = StdRng::seed_from_u64(20);
    for n in 0..3000 {
        let delimiter = if n % 2 == 0 { ',' } else { ';' };
        let (text, ecrits) = fichier(&mut rng, delimiter);
        let nos: Vec<(u64, Vec<String>)> =
            read(&text, delimiter).into_iter().map(|r| (r.ligne as u64, r.champs)).collect();
        let crate_: Vec<(u64, Vec<String>)> = selon_le_crate(&text, delimiter);
        assert_eq!(nos, crate_, "file {n}: {text:?}");
        // And both give back what was written (line breaks as `\n`).
        let attendus: Vec<Vec<String>> =
            ecrits.iter().map(|r| r.iter().map(|f| f.replace("\r\n", "\n")).collect()).collect();
        assert_eq!(nos.into_iter().map(|(_, c)| c).collect::<Vec<_>>(), attendus, "file {n}: {text:?}");
    }
}

#[test]
fn the_delimiter_is_guessed_from_the_header() {
    assert_eq!(guess_delimiter("\u{feff}nom;adresse;commune\r\na;b;c"), ';');
    assert_eq!(guess_delimiter("\"nom;x\",adresse,commune\na,b,c"), ',');
}
