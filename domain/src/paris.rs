//! Metropolitan France's time (Europe/Paris, from the time-zone database through `fuseau`) for
//! what is national — the operator's monthly statements, orders and pass validity dates — and the
//! French date formats. A structure's own dates go through its `fuseau::Calendrier`.

use crate::fuseau::Fuseau;
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Utc, Weekday};

/// Paris wall-clock time of a UTC instant.
pub fn to_local(at: DateTime<Utc>) -> NaiveDateTime {
    Fuseau::Paris.to_local(at)
}

/// The day it is in Paris at a UTC instant.
pub fn today(at: DateTime<Utc>) -> NaiveDate {
    Fuseau::Paris.today(at)
}

/// The UTC instant of a Paris wall-clock time (see `Fuseau::to_utc` for the hours skipped or
/// repeated at the clock changes).
pub fn to_utc(local: NaiveDateTime) -> DateTime<Utc> {
    Fuseau::Paris.to_utc(local)
}

/// Monday = 1 … Sunday = 7 in French day names.
pub fn jour(weekday: Weekday) -> &'static str {
    match weekday {
        Weekday::Mon => "lundi",
        Weekday::Tue => "mardi",
        Weekday::Wed => "mercredi",
        Weekday::Thu => "jeudi",
        Weekday::Fri => "vendredi",
        Weekday::Sat => "samedi",
        Weekday::Sun => "dimanche",
    }
}

pub fn mois(month: u32) -> &'static str {
    [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ][(month as usize).clamp(1, 12) - 1]
}

/// « lundi 23 novembre 2026 ».
pub fn date_longue(d: NaiveDate) -> String {
    let day = if d.day() == 1 { "1er".to_string() } else { d.day().to_string() };
    format!("{} {} {} {}", jour(d.weekday()), day, mois(d.month()), d.year())
}

/// « 23/11/2026 ».
pub fn date_courte(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn conversions() {
        assert_eq!(to_local(utc("2026-01-15T09:00:00Z")), local("2026-01-15 10:00"));
        assert_eq!(to_local(utc("2026-07-15T09:00:00Z")), local("2026-07-15 11:00"));
        assert_eq!(to_utc(local("2026-07-15 11:00")), utc("2026-07-15T09:00:00Z"));
        assert_eq!(to_utc(local("2026-12-24 23:30")), utc("2026-12-24T22:30:00Z"));
        // Around the spring switch (29 March 2026, 02:00 → 03:00).
        assert_eq!(to_utc(local("2026-03-29 01:59")), utc("2026-03-29T00:59:00Z"));
        assert_eq!(to_utc(local("2026-03-29 03:00")), utc("2026-03-29T01:00:00Z"));
        assert_eq!(to_utc(local("2026-03-29 02:30")), utc("2026-03-29T00:30:00Z"));
        // Autumn (25 October 2026, 03:00 → 02:00): 02:30 happens twice, the first is chosen.
        assert_eq!(to_utc(local("2026-10-25 02:30")), utc("2026-10-25T00:30:00Z"));
        assert_eq!(to_utc(local("2026-10-25 03:30")), utc("2026-10-25T02:30:00Z"));
        assert_eq!(today(utc("2026-11-22T23:30:00Z")), NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
    }

    #[test]
    fn french_dates() {
        assert_eq!(date_longue(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()), "lundi 23 novembre 2026");
        assert_eq!(date_longue(NaiveDate::from_ymd_opt(2027, 5, 1).unwrap()), "samedi 1er mai 2027");
        assert_eq!(date_courte(NaiveDate::from_ymd_opt(2027, 5, 1).unwrap()), "01/05/2027");
    }
}
