//! Local time in metropolitan France (Europe/Paris): UTC+1, and UTC+2 from the last Sunday of
//! March 01:00 UTC to the last Sunday of October 01:00 UTC (the EU rule in force since 1996).
//! Written out here so the domain needs no timezone database, and so the `.ics` VTIMEZONE and
//! the conversions come from the same rule.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};

fn last_sunday(year: i32, month: u32) -> NaiveDate {
    let next_month =
        if month == 12 { NaiveDate::from_ymd_opt(year + 1, 1, 1) } else { NaiveDate::from_ymd_opt(year, month + 1, 1) }
            .expect("valid date");
    let last = next_month - Duration::days(1);
    let back = last.weekday().num_days_from_sunday() as i64;
    last - Duration::days(back)
}

/// The UTC instants at which summer time starts and ends in `year`.
pub fn dst_bounds_utc(year: i32) -> (DateTime<Utc>, DateTime<Utc>) {
    let one = NaiveTime::from_hms_opt(1, 0, 0).unwrap();
    let start = Utc.from_utc_datetime(&last_sunday(year, 3).and_time(one));
    let end = Utc.from_utc_datetime(&last_sunday(year, 10).and_time(one));
    (start, end)
}

/// The offset from UTC, in hours, at a UTC instant.
pub fn offset_hours(at: DateTime<Utc>) -> i64 {
    let (start, end) = dst_bounds_utc(at.year());
    if at >= start && at < end {
        2
    } else {
        1
    }
}

/// Paris wall-clock time of a UTC instant.
pub fn to_local(at: DateTime<Utc>) -> NaiveDateTime {
    at.naive_utc() + Duration::hours(offset_hours(at))
}

/// The day it is in Paris at a UTC instant.
pub fn today(at: DateTime<Utc>) -> NaiveDate {
    to_local(at).date()
}

/// The UTC instant of a Paris wall-clock time. In the spring gap (02:00–02:59 on the last Sunday of
/// March, which does not exist) the time is read as summer time shifted forward, as calendar programs
/// do; in the autumn overlap (02:00–02:59 twice) the first, summer-time, occurrence is chosen.
pub fn to_utc(local: NaiveDateTime) -> DateTime<Utc> {
    let as_summer = Utc.from_utc_datetime(&(local - Duration::hours(2)));
    if offset_hours(as_summer) == 2 {
        return as_summer;
    }
    let as_winter = Utc.from_utc_datetime(&(local - Duration::hours(1)));
    if offset_hours(as_winter) == 1 {
        return as_winter;
    }
    // Spring gap: neither reading is consistent; the summer reading lands one hour later.
    as_summer
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
    fn switch_dates() {
        assert_eq!(last_sunday(2026, 3), NaiveDate::from_ymd_opt(2026, 3, 29).unwrap());
        assert_eq!(last_sunday(2026, 10), NaiveDate::from_ymd_opt(2026, 10, 25).unwrap());
        assert_eq!(last_sunday(2027, 3), NaiveDate::from_ymd_opt(2027, 3, 28).unwrap());
        assert_eq!(last_sunday(2030, 10), NaiveDate::from_ymd_opt(2030, 10, 27).unwrap());
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
