//! Public holidays: the 11 national ones (Code du travail, art. L3133-1), plus, by place, Good
//! Friday and 26 December in Moselle, Bas-Rhin and Haut-Rhin (art. L3134-13), and the day of the
//! abolition of slavery in the overseas départements and collectivités (loi du 30 juin 1983 and
//! décret 83-1003; Saint-Barthélemy and Saint-Martin by their own acts). Three depend on Easter,
//! computed for any year (Gregorian computus), never read from a list of dates.

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

/// Which holidays apply where a structure works, from its commune's INSEE code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Regime {
    /// The national list only (metropolitan France outside Alsace-Moselle, Saint-Pierre-et-Miquelon).
    #[default]
    National,
    /// Moselle (57), Bas-Rhin (67), Haut-Rhin (68).
    AlsaceMoselle,
    Guadeloupe,
    Martinique,
    Guyane,
    Reunion,
    Mayotte,
    SaintBarthelemy,
    SaintMartin,
}

impl Regime {
    pub fn depuis_insee(code: Option<&str>) -> Regime {
        let code = code.map(str::trim).unwrap_or("");
        match (code.get(..2), code.get(..3)) {
            (_, Some("971")) => Regime::Guadeloupe,
            (_, Some("972")) => Regime::Martinique,
            (_, Some("973")) => Regime::Guyane,
            (_, Some("974")) => Regime::Reunion,
            (_, Some("976")) => Regime::Mayotte,
            (_, Some("977")) => Regime::SaintBarthelemy,
            (_, Some("978")) => Regime::SaintMartin,
            (Some("57" | "67" | "68"), _) => Regime::AlsaceMoselle,
            _ => Regime::National,
        }
    }

    /// The day of the abolition of slavery, where it is a public holiday: (month, day).
    fn abolition(self) -> Option<(u32, u32)> {
        match self {
            Regime::Guadeloupe => Some((5, 27)),
            Regime::Martinique => Some((5, 22)),
            Regime::Guyane => Some((6, 10)),
            Regime::Reunion => Some((12, 20)),
            Regime::Mayotte => Some((4, 27)),
            Regime::SaintBarthelemy => Some((10, 9)),
            Regime::SaintMartin => Some((5, 28)),
            Regime::National | Regime::AlsaceMoselle => None,
        }
    }

    /// The holidays of a year here, in date order, with their French names.
    pub fn feries(self, annee: i32) -> Vec<(NaiveDate, &'static str)> {
        let mut all = feries(annee);
        let d = |m, j| NaiveDate::from_ymd_opt(annee, m, j).expect("valid date");
        if self == Regime::AlsaceMoselle {
            all.push((paques(annee) - Duration::days(2), "Vendredi saint"));
            all.push((d(12, 26), "Saint-Étienne"));
        }
        if let Some((m, j)) = self.abolition() {
            all.push((d(m, j), "abolition de l'esclavage"));
        }
        all.sort_by_key(|(date, _)| *date);
        all
    }

    /// The name of the holiday falling on `date` here, if any.
    pub fn ferie(self, date: NaiveDate) -> Option<&'static str> {
        self.feries(date.year()).into_iter().find(|(d, _)| *d == date).map(|(_, n)| n)
    }

    pub fn est_ferie(self, date: NaiveDate) -> bool {
        self.ferie(date).is_some()
    }
}

/// The 11 national holidays of a year, in date order, with their French names.
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

/// The name of the national holiday falling on `date`, if any.
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

    /// Every holiday of 2026–2030 per place, written out from the published calendars: the
    /// national list plus each place's own days.
    #[test]
    fn holidays_per_departement_2026_to_2030() {
        // Good Friday: two days before the Easter Sundays 5 April 2026, 28 March 2027,
        // 16 April 2028, 1 April 2029, 21 April 2030.
        let vendredis_saints = [d(2026, 4, 3), d(2027, 3, 26), d(2028, 4, 14), d(2029, 3, 30), d(2030, 4, 19)];
        for (i, annee) in (2026..=2030).enumerate() {
            let national = feries(annee);
            let en_plus = |r: Regime| -> Vec<(NaiveDate, &str)> {
                r.feries(annee).into_iter().filter(|f| !national.contains(f)).collect()
            };
            assert_eq!(Regime::National.feries(annee), national);
            assert_eq!(
                en_plus(Regime::AlsaceMoselle),
                vec![(vendredis_saints[i], "Vendredi saint"), (d(annee, 12, 26), "Saint-Étienne")],
                "{annee}"
            );
            let abolition = "abolition de l'esclavage";
            assert_eq!(en_plus(Regime::Guadeloupe), vec![(d(annee, 5, 27), abolition)]);
            assert_eq!(en_plus(Regime::Martinique), vec![(d(annee, 5, 22), abolition)]);
            assert_eq!(en_plus(Regime::Guyane), vec![(d(annee, 6, 10), abolition)]);
            assert_eq!(en_plus(Regime::Reunion), vec![(d(annee, 12, 20), abolition)]);
            assert_eq!(en_plus(Regime::Mayotte), vec![(d(annee, 4, 27), abolition)]);
            assert_eq!(en_plus(Regime::SaintBarthelemy), vec![(d(annee, 10, 9), abolition)]);
            assert_eq!(en_plus(Regime::SaintMartin), vec![(d(annee, 5, 28), abolition)]);
            for r in [Regime::AlsaceMoselle, Regime::Reunion, Regime::Guadeloupe] {
                let all = r.feries(annee);
                assert!(all.windows(2).all(|w| w[0].0 <= w[1].0), "{r:?} {annee}: in date order");
            }
        }
        // The Réunion's day is not a holiday in Paris, nor Good Friday in Martinique.
        assert!(Regime::Reunion.est_ferie(d(2027, 12, 20)));
        assert!(!Regime::National.est_ferie(d(2027, 12, 20)));
        assert!(!Regime::Martinique.est_ferie(d(2027, 3, 26)));
        assert_eq!(Regime::AlsaceMoselle.ferie(d(2027, 3, 26)), Some("Vendredi saint"));
    }

    #[test]
    fn regime_of_a_commune() {
        for (insee, regime) in [
            ("57463", Regime::AlsaceMoselle),
            ("67482", Regime::AlsaceMoselle),
            ("68224", Regime::AlsaceMoselle),
            ("75056", Regime::National),
            ("69123", Regime::National),
            ("2A004", Regime::National),
            ("97105", Regime::Guadeloupe),
            ("97209", Regime::Martinique),
            ("97302", Regime::Guyane),
            ("97411", Regime::Reunion),
            ("97502", Regime::National),
            ("97611", Regime::Mayotte),
            ("97701", Regime::SaintBarthelemy),
            ("97801", Regime::SaintMartin),
        ] {
            assert_eq!(Regime::depuis_insee(Some(insee)), regime, "{insee}");
        }
        assert_eq!(Regime::depuis_insee(None), Regime::National);
    }
}
