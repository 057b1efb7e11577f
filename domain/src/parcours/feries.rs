//! The 11 public holidays of metropolitan France (Code du travail, art. L3133-1). Three depend on
//! Easter, computed for any year (Gregorian computus), never read from a list of dates.
//! Alsace-Moselle's two extra days (Good Friday, 26 December) are not in the national list.

use chrono::{Datelike, Duration, NaiveDate};

/// Easter Sunday of a Gregorian year (anonymous Gregorian algorithm, Meeus/Jones/Butcher).
pub fn paques(annee: i32) -> NaiveDate {
    let a = annee % 19;
    let b = annee / 100;
    let c = annee % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let mois = (h + l - 7 * m + 114) / 31;
    let jour = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(annee, mois as u32, jour as u32).expect("Easter is a valid date")
}

/// The holidays of a year, in date order, with their French names.
pub fn feries(annee: i32) -> Vec<(NaiveDate, &'static str)> {
    let d = |m, j| NaiveDate::from_ymd_opt(annee, m, j).expect("valid date");
    let p = paques(annee);
    let mut all = vec![
        (d(1, 1), "jour de l'An"),
        (p + Duration::days(1), "lundi de Pâques"),
        (d(5, 1), "fête du Travail"),
        (d(5, 8), "Victoire 1945"),
        (p + Duration::days(39), "Ascension"),
        (p + Duration::days(50), "lundi de Pentecôte"),
        (d(7, 14), "fête nationale"),
        (d(8, 15), "Assomption"),
        (d(11, 1), "Toussaint"),
        (d(11, 11), "Armistice 1918"),
        (d(12, 25), "Noël"),
    ];
    all.sort_by_key(|(date, _)| *date);
    all
}

/// The name of the holiday falling on `date`, if any.
pub fn ferie(date: NaiveDate) -> Option<&'static str> {
    feries(date.year()).into_iter().find(|(d, _)| *d == date).map(|(_, n)| n)
}

pub fn est_ferie(date: NaiveDate) -> bool {
    ferie(date).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, j: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, j).unwrap()
    }

    /// Published dates (service-public.fr calendars), not derived from the code under test.
    #[test]
    fn easter_based_holidays_2026_to_2030() {
        let known = [
            // year, Easter Monday, Ascension, Whit Monday
            (2026, d(2026, 4, 6), d(2026, 5, 14), d(2026, 5, 25)),
            (2027, d(2027, 3, 29), d(2027, 5, 6), d(2027, 5, 17)),
            (2028, d(2028, 4, 17), d(2028, 5, 25), d(2028, 6, 5)),
            (2029, d(2029, 4, 2), d(2029, 5, 10), d(2029, 5, 21)),
            (2030, d(2030, 4, 22), d(2030, 5, 30), d(2030, 6, 10)),
        ];
        for (year, lundi_paques, ascension, pentecote) in known {
            assert_eq!(ferie(lundi_paques), Some("lundi de Pâques"), "{year}");
            assert_eq!(ferie(ascension), Some("Ascension"), "{year}");
            assert_eq!(ferie(pentecote), Some("lundi de Pentecôte"), "{year}");
            // The day before each is not a holiday (except Easter Sunday, which is a Sunday anyway).
            assert_eq!(ferie(ascension.pred_opt().unwrap()), None);
            assert_eq!(ferie(pentecote.pred_opt().unwrap()), None);
        }
    }

    #[test]
    fn easter_far_from_today() {
        // Extreme and well-known dates: earliest (22 March) and latest (25 April) possible.
        assert_eq!(paques(1818), d(1818, 3, 22));
        assert_eq!(paques(2285), d(2285, 3, 22));
        assert_eq!(paques(1943), d(1943, 4, 25));
        assert_eq!(paques(2038), d(2038, 4, 25));
        assert_eq!(paques(2000), d(2000, 4, 23));
        assert_eq!(paques(2024), d(2024, 3, 31));
        assert_eq!(paques(2025), d(2025, 4, 20));
    }

    #[test]
    fn eleven_holidays_every_year_with_fixed_ones() {
        for year in 2026..=2040 {
            let all = feries(year);
            assert_eq!(all.len(), 11, "{year}");
            for (m, j, name) in [
                (1, 1, "jour de l'An"),
                (5, 1, "fête du Travail"),
                (5, 8, "Victoire 1945"),
                (7, 14, "fête nationale"),
                (8, 15, "Assomption"),
                (11, 1, "Toussaint"),
                (11, 11, "Armistice 1918"),
                (12, 25, "Noël"),
            ] {
                assert_eq!(ferie(d(year, m, j)), Some(name), "{year}-{m}-{j}");
            }
            // Sorted (Ascension can fall on 1 May, as in 2008: then two names share a day).
            assert!(all.windows(2).all(|w| w[0].0 <= w[1].0), "{year}");
        }
        assert!(!est_ferie(d(2026, 12, 26)));
        assert!(!est_ferie(d(2026, 4, 3)), "Good Friday is only a holiday in Alsace-Moselle");
    }
}
