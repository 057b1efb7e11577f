//! The schedule as an iCalendar file (RFC 5545) that calendar programs import: times in the
//! structure's zone with its VTIMEZONE written from the time-zone database, one VEVENT per
//! session, stable UIDs and a SEQUENCE that grows when a session moves, so that importing the
//! file again updates the events instead of duplicating them.
//!
//! Format rules applied here: CRLF line ends, TEXT values escaped (`\\`, `\;`, `\,`, `\n`),
//! content lines folded at 75 octets without cutting a UTF-8 character.

use crate::fuseau::Fuseau;
use chrono::{DateTime, Duration, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::OffsetName;
const MAX_OCTETS: usize = 75;

/// One session in the calendar.
#[derive(Clone, Debug, PartialEq)]
pub struct EvenementIcs {
    /// Never changes for a session (e.g. `seance-42-1f2e3d4c@carnet`).
    pub uid: String,
    /// Grows each time the session's date changes.
    pub sequence: i64,
    /// Wall-clock times in the calendar's zone.
    pub debut: NaiveDateTime,
    pub fin: NaiveDateTime,
    pub resume: String,
    pub lieu: String,
    pub description: String,
    /// An absence: the event stays in the file, marked cancelled, so calendars remove it.
    pub annule: bool,
    pub modifie: DateTime<Utc>,
}

/// Escapes a TEXT value (RFC 5545 §3.3.11).
pub fn echapper(texte: &str) -> String {
    let mut out = String::with_capacity(texte.len());
    let mut chars = texte.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            // Other control characters are not allowed in TEXT.
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds one content line (RFC 5545 §3.1): at most 75 octets per line, continuation lines start
/// with one space; each line ends with CRLF.
pub fn plier(ligne: &str) -> String {
    let mut out = String::with_capacity(ligne.len() + ligne.len() / 70 * 3 + 2);
    let mut octets = 0;
    for c in ligne.chars() {
        let n = c.len_utf8();
        if octets + n > MAX_OCTETS {
            out.push_str("\r\n ");
            octets = 1;
        }
        out.push(c);
        octets += n;
    }
    out.push_str("\r\n");
    out
}

fn local(dt: NaiveDateTime) -> String {
    dt.format("%Y%m%dT%H%M%S").to_string()
}

fn utc(dt: DateTime<Utc>) -> String {
    dt.format("%Y%m%dT%H%M%SZ").to_string()
}

fn decalage(secondes: i32) -> String {
    let signe = if secondes < 0 { '-' } else { '+' };
    let m = secondes.abs() / 60;
    format!("{signe}{:02}{:02}", m / 60, m % 60)
}

/// The VTIMEZONE of a zone for the years `de..=a`: one observance per change of offset, each at
/// the wall-clock time just before the change, as the time-zone database has them (no RRULE: a
/// rule changed later is not extrapolated). A zone without changes in those years (La Réunion,
/// the Antilles) has one observance at its single offset.
pub fn vtimezone(fuseau: Fuseau, de: i32, a: i32) -> Vec<String> {
    let tzid = fuseau.iana();
    let tz = fuseau.tz();
    let nom = |at: DateTime<Utc>| tz.offset_from_utc_datetime(&at.naive_utc()).abbreviation().unwrap_or("").to_string();
    let mut lignes = vec!["BEGIN:VTIMEZONE".to_string(), format!("TZID:{tzid}"), format!("X-LIC-LOCATION:{tzid}")];
    let changements: Vec<_> = (de..=a).flat_map(|annee| fuseau.changements(annee)).collect();
    if changements.is_empty() {
        let at = Utc.from_utc_datetime(&chrono::NaiveDate::from_ymd_opt(de, 1, 1).expect("1 January").into());
        let off = tz.offset_from_utc_datetime(&at.naive_utc()).fix().local_minus_utc();
        lignes.extend([
            "BEGIN:STANDARD".to_string(),
            format!("TZOFFSETFROM:{}", decalage(off)),
            format!("TZOFFSETTO:{}", decalage(off)),
            format!("TZNAME:{}", nom(at)),
            "DTSTART:19700101T000000".to_string(),
            "END:STANDARD".to_string(),
        ]);
    }
    for (at, avant, apres) in changements {
        let genre = if apres > avant { "DAYLIGHT" } else { "STANDARD" };
        lignes.extend([
            format!("BEGIN:{genre}"),
            format!("TZOFFSETFROM:{}", decalage(avant)),
            format!("TZOFFSETTO:{}", decalage(apres)),
            format!("TZNAME:{}", nom(at)),
            format!("DTSTART:{}", local(at.naive_utc() + Duration::seconds(avant as i64))),
            format!("END:{genre}"),
        ]);
    }
    lignes.push("END:VTIMEZONE".into());
    lignes
}

/// The whole file, its times in `fuseau`. `maintenant` is the DTSTAMP (when the file was made).
pub fn calendrier(nom: &str, fuseau: Fuseau, evenements: &[EvenementIcs], maintenant: DateTime<Utc>) -> String {
    let tzid = fuseau.iana();
    let mut lignes: Vec<String> = vec![
        "BEGIN:VCALENDAR".into(),
        "VERSION:2.0".into(),
        "PRODID:-//Carnet//Parcours Pass numérique//FR".into(),
        "CALSCALE:GREGORIAN".into(),
        "METHOD:PUBLISH".into(),
        format!("X-WR-CALNAME:{}", echapper(nom)),
        format!("X-WR-TIMEZONE:{tzid}"),
    ];
    // The observances start the year before the first event, so every event follows one, and
    // end the year after the last.
    let annees = evenements.iter().map(|e| chrono::Datelike::year(&e.debut));
    let maintenant_annee = chrono::Datelike::year(&maintenant);
    let de = annees.clone().min().unwrap_or(maintenant_annee) - 1;
    let a = annees.max().unwrap_or(maintenant_annee) + 1;
    lignes.extend(vtimezone(fuseau, de, a));
    for e in evenements {
        lignes.extend([
            "BEGIN:VEVENT".to_string(),
            format!("UID:{}", e.uid),
            format!("SEQUENCE:{}", e.sequence),
            format!("DTSTAMP:{}", utc(maintenant)),
            format!("LAST-MODIFIED:{}", utc(e.modifie)),
            format!("DTSTART;TZID={tzid}:{}", local(e.debut)),
            format!("DTEND;TZID={tzid}:{}", local(e.fin)),
            format!("SUMMARY:{}", echapper(&e.resume)),
            format!("LOCATION:{}", echapper(&e.lieu)),
            format!("DESCRIPTION:{}", echapper(&e.description)),
            format!("STATUS:{}", if e.annule { "CANCELLED" } else { "CONFIRMED" }),
            format!("TRANSP:{}", if e.annule { "TRANSPARENT" } else { "OPAQUE" }),
            "END:VEVENT".to_string(),
        ]);
    }
    lignes.push("END:VCALENDAR".into());
    lignes.iter().map(|l| plier(l)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, NaiveDate, Weekday};

    fn dt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-23T09:15:00Z").unwrap().with_timezone(&Utc)
    }

    fn event() -> EvenementIcs {
        EvenementIcs {
            uid: "seance-12-abcdef01@carnet".into(),
            sequence: 2,
            debut: dt("2026-12-01 14:00"),
            fin: dt("2026-12-01 15:00"),
            resume: "Séance 2/5 : naviguer sur internet (Zoé)".into(),
            lieu: "Médiathèque des Capucins, Brest".into(),
            description: "Objectifs : 1.1 Mener une recherche; 2.1 Interagir\nApporter son téléphone".into(),
            annule: false,
            modifie: now(),
        }
    }

    #[test]
    fn escaping() {
        assert_eq!(echapper("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
        assert_eq!(echapper("ligne\r\nsuite"), "ligne\\nsuite");
        assert_eq!(echapper("bip\u{7}"), "bip");
        assert_eq!(echapper("Zoé : 14h00"), "Zoé : 14h00", "colons and accents stay");
    }

    #[test]
    fn folding_at_75_octets_without_cutting_characters() {
        let short = "SUMMARY:court";
        assert_eq!(plier(short), "SUMMARY:court\r\n");
        let exact = format!("X:{}", "a".repeat(73));
        assert_eq!(exact.len(), 75);
        assert_eq!(plier(&exact), format!("{exact}\r\n"), "75 octets fit on one line");
        let long = format!("DESCRIPTION:{}", "é".repeat(100));
        let folded = plier(&long);
        assert!(folded.ends_with("\r\n"));
        let lines: Vec<&str> = folded.trim_end_matches("\r\n").split("\r\n").collect();
        assert!(lines.len() > 2);
        for (i, l) in lines.iter().enumerate() {
            assert!(l.len() <= 75, "line {i} has {} octets", l.len());
            if i > 0 {
                assert!(l.starts_with(' ') && !l.starts_with("  "));
            }
        }
        // Unfolding (remove CRLF + one space) gives the line back.
        assert_eq!(folded.trim_end_matches("\r\n").replace("\r\n ", ""), long);
        // 12 + 100×2 = 212 octets: 75, then 74 octets of content per continuation line.
        assert_eq!(lines[0].len(), 75 - 1, "a 2-octet character that would cross 75 moves down");
    }

    #[test]
    fn a_calendar_with_crlf_only_and_a_cancelled_event() {
        let mut absent = event();
        absent.uid = "seance-13-00000000@carnet".into();
        absent.annule = true;
        let ics = calendrier("Parcours de Zoé", Fuseau::Paris, &[event(), absent], now());
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        assert!(!ics.replace("\r\n", "").contains('\n'), "no bare LF");
        assert!(!ics.replace("\r\n", "").contains('\r'), "no bare CR");
        for l in ics.split("\r\n") {
            assert!(l.len() <= 75, "{l}");
        }
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains("\r\nDTSTART;TZID=Europe/Paris:20261201T140000\r\n"));
        assert!(unfolded.contains("\r\nDTEND;TZID=Europe/Paris:20261201T150000\r\n"));
        assert!(unfolded.contains("\r\nDTSTAMP:20261123T091500Z\r\n"));
        assert!(unfolded.contains("\r\nUID:seance-12-abcdef01@carnet\r\n"));
        assert!(unfolded.contains("\r\nSEQUENCE:2\r\n"));
        assert!(unfolded.contains("\r\nLOCATION:Médiathèque des Capucins\\, Brest\r\n"));
        assert!(unfolded
            .contains("DESCRIPTION:Objectifs : 1.1 Mener une recherche\\; 2.1 Interagir\\nApporter son téléphone\r\n"));
        assert_eq!(unfolded.matches("BEGIN:VEVENT").count(), 2);
        assert_eq!(unfolded.matches("STATUS:CANCELLED").count(), 1);
        assert_eq!(unfolded.matches("BEGIN:VTIMEZONE").count(), 1);
        assert_eq!(unfolded.matches("END:VEVENT").count(), 2);
        // The rule starts the year before the first event.
        assert!(unfolded.contains("\r\nDTSTART:20250330T020000\r\n"), "{unfolded}");
        assert!(unfolded.contains("\r\nDTSTART:20251026T030000\r\n"));
    }

    fn last_sunday(year: i32, month: u32) -> NaiveDate {
        let mut d = NaiveDate::from_ymd_opt(year, month + 1, 1).unwrap().pred_opt().unwrap();
        while d.weekday() != Weekday::Sun {
            d = d.pred_opt().unwrap();
        }
        d
    }

    #[test]
    fn paris_changes_on_the_eu_rule_every_year() {
        // The database and the EU rule in force since 1996 agree: last Sunday of March at 02:00
        // → 03:00, last Sunday of October at 03:00 → 02:00.
        for year in 2020..=2040 {
            let lines = vtimezone(Fuseau::Paris, year, year);
            let daylight = format!("DTSTART:{}T020000", last_sunday(year, 3).format("%Y%m%d"));
            let standard = format!("DTSTART:{}T030000", last_sunday(year, 10).format("%Y%m%d"));
            assert!(lines.contains(&daylight), "{year}: {lines:?}");
            assert!(lines.contains(&standard), "{year}: {lines:?}");
            assert_eq!(lines.iter().filter(|l| *l == "TZOFFSETTO:+0200").count(), 1);
            assert_eq!(lines.iter().filter(|l| *l == "TZNAME:CEST").count(), 1);
        }
    }

    #[test]
    fn reunion_in_its_own_zone_without_summer_time() {
        let mut e = event();
        e.debut = dt("2027-12-13 10:00");
        e.fin = dt("2027-12-13 11:00");
        let ics = calendrier("Parcours", Fuseau::Reunion, &[e], now());
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains("\r\nDTSTART;TZID=Indian/Reunion:20271213T100000\r\n"), "{unfolded}");
        assert!(unfolded.contains("\r\nTZID:Indian/Reunion\r\n"));
        assert!(unfolded.contains("\r\nTZOFFSETTO:+0400\r\n"));
        assert!(!unfolded.contains("DAYLIGHT"));
        assert_eq!(vtimezone(Fuseau::Guyane, 2026, 2028)[5], "TZOFFSETTO:-0300");
    }
}
