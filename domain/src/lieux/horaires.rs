//! Opening hours (`horaires`) in the OpenStreetMap `opening_hours` syntax the standard uses,
//! parsed and evaluated with the `opening-hours` crate, with French public holidays (`PH`).
//! Times are Paris wall-clock times: callers convert with `paris::to_local`.

use super::api::{HorairesJour, HorairesVue};
use crate::paris::jour;
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use opening_hours::localization::Country;
use opening_hours::{Context, OpeningHours, RuleKind};

/// Parsed opening hours, ready to evaluate.
#[derive(Clone, Debug)]
pub struct Horaires {
    oh: OpeningHours,
}

/// The example the messages show.
pub const EXEMPLE: &str = "Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00";

/// « 09:00 »; the syntax allows times past midnight (« 26:00 »).
fn hhmm(hour: u8, minute: u8) -> String {
    if hour >= 24 {
        format!("{:02}:{minute:02} (le lendemain)", hour - 24)
    } else {
        format!("{hour:02}:{minute:02}")
    }
}

impl Horaires {
    /// Parses a `horaires` value; the error is a French message for the import report.
    pub fn parse(raw: &str) -> Result<Horaires, String> {
        let oh = raw.trim().parse::<OpeningHours>().map_err(|_| {
            format!("Horaires : « {} » ne suit pas le format OpenStreetMap (exemple : {EXEMPLE}).", raw.trim())
        })?;
        Ok(Horaires { oh: oh.with_context(Context::default().with_holidays(Country::FR.holidays())) })
    }

    /// Open at this Paris wall-clock time?
    pub fn ouvert(&self, at: NaiveDateTime) -> bool {
        self.oh.is_open(at)
    }

    /// The opening ranges of one day, « 09:00–12:00 », with their comments (« sur rendez-vous »).
    pub fn plages(&self, date: NaiveDate) -> Vec<String> {
        self.oh
            .schedule_at(date)
            .into_iter()
            .filter(|r| r.kind != RuleKind::Closed)
            .map(|r| {
                let mut s = format!(
                    "{}–{}",
                    hhmm(r.range.start.hour(), r.range.start.minute()),
                    hhmm(r.range.end.hour(), r.range.end.minute())
                );
                if r.kind == RuleKind::Unknown {
                    s.push_str(" (à confirmer)");
                }
                if !r.comment.is_empty() {
                    s.push_str(&format!(" ({})", r.comment));
                }
                s
            })
            .collect()
    }

    /// What the venue page shows: open now, until when or from when, and the 7 days of the week
    /// that contains `now`, Monday first.
    pub fn vue(&self, texte: &str, now: NaiveDateTime) -> HorairesVue {
        let ouvert = self.ouvert(now);
        let prochain = self.oh.next_change(now).filter(|t| *t - now < Duration::days(8));
        let statut = match (ouvert, prochain) {
            (true, Some(t)) => format!("Ouvert maintenant, jusqu'à {}", quand(now, t)),
            (true, None) => "Ouvert maintenant".to_string(),
            (false, Some(t)) => format!("Fermé maintenant, ouvre {}", quand(now, t)),
            (false, None) => "Fermé maintenant".to_string(),
        };
        let lundi = now.date() - Duration::days(now.date().weekday().num_days_from_monday() as i64);
        let semaine = (0..7)
            .map(|i| {
                let d = lundi + Duration::days(i);
                HorairesJour { jour: jour(d.weekday()).to_string(), date: d, plages: self.plages(d) }
            })
            .collect();
        HorairesVue { texte: texte.to_string(), ouvert: Some(ouvert), statut, semaine, erreur: None }
    }
}

/// « 12:00 » today, « demain à 09:00 », « lundi à 09:00 ».
fn quand(now: NaiveDateTime, t: NaiveDateTime) -> String {
    let h = t.format("%H:%M");
    let days = (t.date() - now.date()).num_days();
    match days {
        0 => h.to_string(),
        1 => format!("demain à {h}"),
        _ => format!("{} à {h}", jour(t.weekday())),
    }
}

/// The view of a `horaires` value that may be missing or unreadable.
pub fn vue(texte: Option<&str>, now: NaiveDateTime) -> Option<HorairesVue> {
    let texte = texte?.trim();
    if texte.is_empty() {
        return None;
    }
    Some(match Horaires::parse(texte) {
        Ok(h) => h.vue(texte, now),
        Err(m) => HorairesVue {
            texte: texte.to_string(),
            ouvert: None,
            statut: String::new(),
            semaine: Vec::new(),
            erreur: Some(m),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn the_standard_example() {
        let h = Horaires::parse(EXEMPLE).unwrap();
        // Monday 23 November 2026.
        assert!(h.ouvert(at("2026-11-23 09:00")));
        assert!(!h.ouvert(at("2026-11-23 12:30")));
        assert!(h.ouvert(at("2026-11-28 11:59")));
        assert!(!h.ouvert(at("2026-11-29 10:00")));
        let v = h.vue(EXEMPLE, at("2026-11-23 10:15"));
        assert_eq!(v.statut, "Ouvert maintenant, jusqu'à 12:00");
        assert_eq!(v.semaine.len(), 7);
        assert_eq!(v.semaine[0].jour, "lundi");
        assert_eq!(v.semaine[0].plages, vec!["09:00–12:00", "14:00–18:30"]);
        assert_eq!(v.semaine[5].plages, vec!["08:30–12:00"]);
        assert!(v.semaine[6].plages.is_empty());
        let v = h.vue(EXEMPLE, at("2026-11-28 13:00"));
        assert_eq!(v.statut, "Fermé maintenant, ouvre lundi à 09:00");
        let v = h.vue(EXEMPLE, at("2026-11-23 19:00"));
        assert_eq!(v.statut, "Fermé maintenant, ouvre demain à 09:00");
    }

    #[test]
    fn days_off_and_public_holidays() {
        let h = Horaires::parse("Mo-Fr 08:30-12:00,13:30-17:00; Th off; PH off").unwrap();
        assert!(!h.ouvert(at("2026-11-26 10:00"))); // a Thursday
        assert!(h.ouvert(at("2026-11-27 10:00")));
        // 11 November 2026 (Armistice) is a Wednesday and a public holiday.
        assert!(!h.ouvert(at("2026-11-11 10:00")));
        assert!(h.ouvert(at("2026-11-18 10:00")));
        assert!(h.plages(NaiveDate::from_ymd_opt(2026, 11, 11).unwrap()).is_empty());
    }

    #[test]
    fn always_open_comments_and_errors() {
        assert!(Horaires::parse("24/7").unwrap().ouvert(at("2026-12-25 03:00")));
        let h = Horaires::parse("Tu 14:00-17:00 \"sur rendez-vous\"").unwrap();
        assert_eq!(h.plages(NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()), vec!["14:00–17:00 (sur rendez-vous)"]);
        let e = Horaires::parse("Lundi 9h-12h").unwrap_err();
        assert!(e.starts_with("Horaires : « Lundi 9h-12h » ne suit pas le format OpenStreetMap"), "{e}");
        let v = vue(Some("n'importe quoi"), at("2026-11-23 10:00")).unwrap();
        assert!(v.erreur.is_some() && v.ouvert.is_none());
        assert!(vue(Some("  "), at("2026-11-23 10:00")).is_none());
    }
}
