//! Where a structure works, as the calendar sees it: its time zone (from the IANA database,
//! `chrono-tz`) and its public holidays. Both follow from the commune's INSEE code — the overseas
//! départements and collectivités by their first three digits, Alsace-Moselle by its two — and an
//! administrator may set another zone. Instants are stored in UTC; what people type and read is
//! wall-clock time in the structure's zone.

use crate::parcours::feries::Regime;
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// The time zones of the places where Carnet's structures work. On the wire and in the
/// database: the IANA name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Fuseau {
    #[default]
    #[serde(rename = "Europe/Paris")]
    Paris,
    #[serde(rename = "America/Guadeloupe")]
    Guadeloupe,
    #[serde(rename = "America/Martinique")]
    Martinique,
    #[serde(rename = "America/Cayenne")]
    Guyane,
    #[serde(rename = "Indian/Reunion")]
    Reunion,
    #[serde(rename = "Indian/Mayotte")]
    Mayotte,
    #[serde(rename = "America/Miquelon")]
    SaintPierreEtMiquelon,
    #[serde(rename = "America/St_Barthelemy")]
    SaintBarthelemy,
    #[serde(rename = "America/Marigot")]
    SaintMartin,
}

impl Fuseau {
    pub const TOUS: [Fuseau; 9] = [
        Fuseau::Paris,
        Fuseau::Guadeloupe,
        Fuseau::Martinique,
        Fuseau::Guyane,
        Fuseau::Reunion,
        Fuseau::Mayotte,
        Fuseau::SaintPierreEtMiquelon,
        Fuseau::SaintBarthelemy,
        Fuseau::SaintMartin,
    ];

    /// The IANA name, as stored and sent.
    pub fn iana(self) -> &'static str {
        match self {
            Fuseau::Paris => "Europe/Paris",
            Fuseau::Guadeloupe => "America/Guadeloupe",
            Fuseau::Martinique => "America/Martinique",
            Fuseau::Guyane => "America/Cayenne",
            Fuseau::Reunion => "Indian/Reunion",
            Fuseau::Mayotte => "Indian/Mayotte",
            Fuseau::SaintPierreEtMiquelon => "America/Miquelon",
            Fuseau::SaintBarthelemy => "America/St_Barthelemy",
            Fuseau::SaintMartin => "America/Marigot",
        }
    }

    pub fn parse(iana: &str) -> Option<Fuseau> {
        Fuseau::TOUS.into_iter().find(|f| f.iana() == iana.trim())
    }

    /// What an administrator reads in the list.
    pub fn libelle(self) -> &'static str {
        match self {
            Fuseau::Paris => "Métropole (Europe/Paris)",
            Fuseau::Guadeloupe => "Guadeloupe (America/Guadeloupe)",
            Fuseau::Martinique => "Martinique (America/Martinique)",
            Fuseau::Guyane => "Guyane (America/Cayenne)",
            Fuseau::Reunion => "La Réunion (Indian/Reunion)",
            Fuseau::Mayotte => "Mayotte (Indian/Mayotte)",
            Fuseau::SaintPierreEtMiquelon => "Saint-Pierre-et-Miquelon (America/Miquelon)",
            Fuseau::SaintBarthelemy => "Saint-Barthélemy (America/St_Barthelemy)",
            Fuseau::SaintMartin => "Saint-Martin (America/Marigot)",
        }
    }

    /// The zone of a commune, by its INSEE code; metropolitan France (and an unknown commune)
    /// is Europe/Paris.
    pub fn depuis_insee(code: Option<&str>) -> Fuseau {
        match code.map(str::trim).and_then(|c| c.get(..3)) {
            Some("971") => Fuseau::Guadeloupe,
            Some("972") => Fuseau::Martinique,
            Some("973") => Fuseau::Guyane,
            Some("974") => Fuseau::Reunion,
            Some("975") => Fuseau::SaintPierreEtMiquelon,
            Some("976") => Fuseau::Mayotte,
            Some("977") => Fuseau::SaintBarthelemy,
            Some("978") => Fuseau::SaintMartin,
            _ => Fuseau::Paris,
        }
    }

    pub fn tz(self) -> Tz {
        match self {
            Fuseau::Paris => chrono_tz::Europe::Paris,
            Fuseau::Guadeloupe => chrono_tz::America::Guadeloupe,
            Fuseau::Martinique => chrono_tz::America::Martinique,
            Fuseau::Guyane => chrono_tz::America::Cayenne,
            Fuseau::Reunion => chrono_tz::Indian::Reunion,
            Fuseau::Mayotte => chrono_tz::Indian::Mayotte,
            Fuseau::SaintPierreEtMiquelon => chrono_tz::America::Miquelon,
            Fuseau::SaintBarthelemy => chrono_tz::America::St_Barthelemy,
            Fuseau::SaintMartin => chrono_tz::America::Marigot,
        }
    }

    /// The offset from UTC at an instant, in seconds.
    pub fn decalage_secondes(self, at: DateTime<Utc>) -> i32 {
        self.tz().offset_from_utc_datetime(&at.naive_utc()).fix().local_minus_utc()
    }

    /// Wall-clock time here at a UTC instant.
    pub fn to_local(self, at: DateTime<Utc>) -> NaiveDateTime {
        at.with_timezone(&self.tz()).naive_local()
    }

    /// The day it is here at a UTC instant.
    pub fn today(self, at: DateTime<Utc>) -> NaiveDate {
        self.to_local(at).date()
    }

    /// The UTC instant of a wall-clock time here. A time that does not exist (the hour skipped
    /// when summer time starts) is read with the offset in force after the change, as calendar
    /// programs do; a time that happens twice (the hour repeated in autumn) is the first one.
    pub fn to_utc(self, local: NaiveDateTime) -> DateTime<Utc> {
        let tz = self.tz();
        match tz.from_local_datetime(&local) {
            chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
            chrono::LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
            chrono::LocalResult::None => {
                // In a gap: the first wall-clock time after it that exists gives the new offset.
                let apres = (1..=48)
                    .find_map(|k| tz.from_local_datetime(&(local + Duration::minutes(15 * k))).earliest())
                    .map(|t| t.offset().fix().local_minus_utc())
                    .unwrap_or(0);
                Utc.from_utc_datetime(&(local - Duration::seconds(apres as i64)))
            }
        }
    }

    /// The changes of offset in a year, as (UTC instant, offset before, offset after) in seconds:
    /// what a VTIMEZONE lists. Found by scanning the year hour by hour, then the minute within
    /// the hour, so the table compiled into `chrono-tz` is the only source.
    pub fn changements(self, annee: i32) -> Vec<(DateTime<Utc>, i32, i32)> {
        let debut = Utc.from_utc_datetime(&NaiveDate::from_ymd_opt(annee, 1, 1).expect("1 January").into());
        let fin = Utc.from_utc_datetime(&NaiveDate::from_ymd_opt(annee + 1, 1, 1).expect("1 January").into());
        let mut out = Vec::new();
        let mut t = debut;
        let mut avant = self.decalage_secondes(t);
        while t < fin {
            let suivant = t + Duration::hours(1);
            let apres = self.decalage_secondes(suivant);
            if apres != avant {
                let mut m = t;
                while self.decalage_secondes(m) == avant {
                    m += Duration::minutes(1);
                }
                out.push((m, avant, apres));
                avant = apres;
            }
            t = suivant;
        }
        out
    }
}

/// The calendar of a structure: its zone for every « now », « today » and typed hour, its
/// public holidays for planning.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Calendrier {
    pub fuseau: Fuseau,
    pub feries: Regime,
}

impl Calendrier {
    /// Metropolitan France outside Alsace-Moselle: what a structure without a commune gets.
    pub const METROPOLE: Calendrier = Calendrier { fuseau: Fuseau::Paris, feries: Regime::National };

    /// The calendar of a commune; `fuseau` is the zone an administrator chose, if any.
    pub fn pour(commune_insee: Option<&str>, fuseau: Option<Fuseau>) -> Calendrier {
        Calendrier {
            fuseau: fuseau.unwrap_or_else(|| Fuseau::depuis_insee(commune_insee)),
            feries: Regime::depuis_insee(commune_insee),
        }
    }

    pub fn today(self, at: DateTime<Utc>) -> NaiveDate {
        self.fuseau.today(at)
    }

    pub fn to_local(self, at: DateTime<Utc>) -> NaiveDateTime {
        self.fuseau.to_local(at)
    }

    pub fn to_utc(self, local: NaiveDateTime) -> DateTime<Utc> {
        self.fuseau.to_utc(local)
    }

    /// The name of the public holiday on this day here, if any.
    pub fn ferie(self, date: NaiveDate) -> Option<&'static str> {
        self.feries.ferie(date)
    }

    pub fn est_ferie(self, date: NaiveDate) -> bool {
        self.ferie(date).is_some()
    }
}

/// A structure's zone as the administrator sees it (`GET /api/v1/structures/fuseaux`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StructureFuseau {
    pub id: i64,
    pub nom: String,
    pub commune_insee: Option<String>,
    /// The zone in force.
    pub fuseau: Fuseau,
    /// The zone of the commune, what `fuseau` is when nobody chose another.
    pub fuseau_commune: Fuseau,
    /// Whether an administrator chose `fuseau`.
    pub choisi: bool,
}

/// `PUT /api/v1/structures/{id}/fuseau`: an IANA name from `Fuseau::TOUS`, or empty to follow
/// the commune again.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ChoixFuseau {
    pub fuseau: String,
}

/// Reads the administrator's choice: `Ok(None)` for « the commune's ».
pub fn valider_choix(req: &ChoixFuseau) -> Result<Option<Fuseau>, String> {
    let t = req.fuseau.trim();
    if t.is_empty() {
        return Ok(None);
    }
    Fuseau::parse(t).map(Some).ok_or_else(|| {
        format!(
            "Fuseau horaire : « {t} » n'est pas un fuseau des structures ; choisissez-en un de la liste ({}).",
            Fuseau::TOUS.map(|f| f.iana()).join(", ")
        )
    })
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
    fn zone_of_a_commune() {
        for (insee, fuseau) in [
            (Some("97101"), Fuseau::Guadeloupe),
            (Some("97209"), Fuseau::Martinique),
            (Some("97302"), Fuseau::Guyane),
            (Some("97411"), Fuseau::Reunion),
            (Some("97502"), Fuseau::SaintPierreEtMiquelon),
            (Some("97611"), Fuseau::Mayotte),
            (Some("97701"), Fuseau::SaintBarthelemy),
            (Some("97801"), Fuseau::SaintMartin),
            (Some("75056"), Fuseau::Paris),
            (Some("67482"), Fuseau::Paris),
            (Some("2A004"), Fuseau::Paris),
            (Some(""), Fuseau::Paris),
            (None, Fuseau::Paris),
        ] {
            assert_eq!(Fuseau::depuis_insee(insee), fuseau, "{insee:?}");
        }
        for f in Fuseau::TOUS {
            assert_eq!(Fuseau::parse(f.iana()), Some(f));
            assert_eq!(f.tz().name(), f.iana(), "the filtered database holds {}", f.iana());
            assert_eq!(serde_json::to_string(&f).unwrap(), format!("\"{}\"", f.iana()));
        }
        assert_eq!(Fuseau::parse("Europe/London"), None);
        assert_eq!(
            Calendrier::pour(Some("97411"), Some(Fuseau::Paris)).fuseau,
            Fuseau::Paris,
            "the admin's choice wins"
        );
        assert_eq!(Calendrier::pour(Some("97411"), None).feries, Regime::Reunion);
    }

    #[test]
    fn paris_at_the_clock_changes() {
        let p = Fuseau::Paris;
        assert_eq!(p.to_local(utc("2026-01-15T09:00:00Z")), local("2026-01-15 10:00"));
        assert_eq!(p.to_local(utc("2026-07-15T09:00:00Z")), local("2026-07-15 11:00"));
        assert_eq!(p.to_utc(local("2026-07-15 11:00")), utc("2026-07-15T09:00:00Z"));
        assert_eq!(p.to_utc(local("2026-12-24 23:30")), utc("2026-12-24T22:30:00Z"));
        // Spring (29 March 2026, 02:00 → 03:00 local, at 01:00 UTC).
        assert_eq!(p.to_local(utc("2026-03-29T00:59:00Z")), local("2026-03-29 01:59"));
        assert_eq!(p.to_local(utc("2026-03-29T01:00:00Z")), local("2026-03-29 03:00"));
        assert_eq!(p.to_utc(local("2026-03-29 01:59")), utc("2026-03-29T00:59:00Z"));
        assert_eq!(p.to_utc(local("2026-03-29 03:00")), utc("2026-03-29T01:00:00Z"));
        assert_eq!(p.to_utc(local("2026-03-29 02:30")), utc("2026-03-29T00:30:00Z"), "the skipped hour");
        // Autumn (25 October 2026, 03:00 → 02:00 local, at 01:00 UTC): 02:30 twice, the first.
        assert_eq!(p.to_local(utc("2026-10-25T00:59:00Z")), local("2026-10-25 02:59"));
        assert_eq!(p.to_local(utc("2026-10-25T01:00:00Z")), local("2026-10-25 02:00"));
        assert_eq!(p.to_utc(local("2026-10-25 02:30")), utc("2026-10-25T00:30:00Z"));
        assert_eq!(p.to_utc(local("2026-10-25 03:30")), utc("2026-10-25T02:30:00Z"));
        assert_eq!(p.today(utc("2026-11-22T23:30:00Z")), NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
        assert_eq!(
            p.changements(2027),
            vec![(utc("2027-03-28T01:00:00Z"), 3600, 7200), (utc("2027-10-31T01:00:00Z"), 7200, 3600)]
        );
    }

    #[test]
    fn reunion_and_guadeloupe_have_no_summer_time() {
        for (f, heures) in [
            (Fuseau::Reunion, 4),
            (Fuseau::Guadeloupe, -4),
            (Fuseau::Martinique, -4),
            (Fuseau::Guyane, -3),
            (Fuseau::Mayotte, 3),
        ] {
            for annee in 2026..=2030 {
                assert!(f.changements(annee).is_empty(), "{f:?} {annee}");
            }
            // The days Paris changes, and the middle of both seasons: one offset all year.
            for at in ["2026-03-29T01:00:00Z", "2026-07-01T12:00:00Z", "2026-10-25T01:00:00Z", "2027-01-15T12:00:00Z"] {
                assert_eq!(f.decalage_secondes(utc(at)), heures * 3600, "{f:?} {at}");
            }
        }
        let r = Fuseau::Reunion;
        assert_eq!(r.to_utc(local("2027-12-13 10:00")), utc("2027-12-13T06:00:00Z"));
        assert_eq!(r.to_utc(local("2027-07-13 10:00")), utc("2027-07-13T06:00:00Z"));
        assert_eq!(r.today(utc("2027-12-12T23:30:00Z")), NaiveDate::from_ymd_opt(2027, 12, 13).unwrap());
        assert_eq!(r.today(utc("2027-12-12T19:59:00Z")), NaiveDate::from_ymd_opt(2027, 12, 12).unwrap());
        let g = Fuseau::Guadeloupe;
        assert_eq!(g.to_utc(local("2027-12-13 10:00")), utc("2027-12-13T14:00:00Z"));
        assert_eq!(g.to_local(utc("2027-12-13T02:00:00Z")), local("2027-12-12 22:00"));
        // Saint-Pierre-et-Miquelon follows the North American rule (-03 / -02).
        assert_eq!(
            Fuseau::SaintPierreEtMiquelon.changements(2027),
            vec![
                (utc("2027-03-14T05:00:00Z"), -3 * 3600, -2 * 3600),
                (utc("2027-11-07T04:00:00Z"), -2 * 3600, -3 * 3600)
            ]
        );
    }
}
