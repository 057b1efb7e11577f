//! The server's one clock. Every rule about « now » and « today » — handlers, extractors,
//! background jobs, the demo seed — reads the time through the `Clock` held in `AppState`, never
//! the machine's date: production runs on the system clock, tests on a clock set to a chosen
//! instant that they can step (a month later, the expiry job acts), and `--horloge` runs the
//! real binary at a chosen instant for the browser suite.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use std::sync::{Arc, Mutex};
use std::time::Instant;

#[derive(Clone)]
pub struct Clock(Arc<Source>);

enum Source {
    System,
    /// Starts at a chosen instant and runs at the real pace from there (monotonic time), so
    /// timestamps written one after the other still differ. `step` moves it forward.
    Depuis {
        debut: Mutex<DateTime<Utc>>,
        reel: Instant,
    },
}

impl Clock {
    /// The machine's clock: production.
    pub fn system() -> Clock {
        Clock(Arc::new(Source::System))
    }

    /// A clock that reads `at` now, and runs on from there.
    pub fn starting_at(at: DateTime<Utc>) -> Clock {
        Clock(Arc::new(Source::Depuis { debut: Mutex::new(at), reel: Instant::now() }))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &*self.0 {
            Source::System => Utc::now(),
            Source::Depuis { debut, reel } => {
                let debut = *debut.lock().unwrap_or_else(|p| p.into_inner());
                debut + Duration::from_std(reel.elapsed()).unwrap_or_else(|_| Duration::zero())
            }
        }
    }

    /// The date in metropolitan France: « today » for what is national (orders, statements,
    /// venues). A structure's own day — its schedules, its sessions — is `Calendrier::today`.
    pub fn today(&self) -> NaiveDate {
        carnet_domain::paris::today(self.now())
    }

    /// Paris wall-clock time now (venues' opening hours); a structure's is `Calendrier::to_local`.
    pub fn local_now(&self) -> NaiveDateTime {
        carnet_domain::paris::to_local(self.now())
    }

    /// Moves a chosen-instant clock forward (or back, with a negative duration). The system
    /// clock cannot be moved: that is a programming error, refused loudly.
    pub fn step(&self, by: Duration) {
        match &*self.0 {
            Source::System => panic!("l'horloge du système ne se déplace pas"),
            Source::Depuis { debut, .. } => {
                let mut d = debut.lock().unwrap_or_else(|p| p.into_inner());
                *d += by;
            }
        }
    }

    /// Whether this is the machine's clock (the server says so in its log when it is not).
    pub fn is_system(&self) -> bool {
        matches!(&*self.0, Source::System)
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &*self.0 {
            Source::System => f.write_str("Clock::system"),
            Source::Depuis { .. } => write!(f, "Clock::starting_at(now = {})", self.now()),
        }
    }
}

/// Reads an instant given on the command line (`--horloge`): RFC 3339 with an offset
/// (`2027-03-15T10:00:00+01:00`), or a bare date, read as 10:00 in Paris.
pub fn parse_instant(text: &str) -> Result<DateTime<Utc>, String> {
    let t = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(t) {
        return Ok(at.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        let local = d.and_hms_opt(10, 0, 0).expect("10:00 exists");
        return Ok(carnet_domain::paris::to_utc(local));
    }
    Err(format!("« {t} » n'est pas un instant : écrivez par exemple 2027-03-15T10:00:00+01:00 ou 2027-03-15"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chosen_instant_runs_on_and_steps() {
        let at = parse_instant("2027-03-15T10:00:00+01:00").unwrap();
        let c = Clock::starting_at(at);
        let a = c.now();
        assert!(a >= at && a - at < Duration::seconds(5));
        assert_eq!(c.today(), NaiveDate::from_ymd_opt(2027, 3, 15).unwrap());
        c.step(Duration::days(31));
        assert_eq!(c.today(), NaiveDate::from_ymd_opt(2027, 4, 15).unwrap());
        assert!(!c.is_system());
    }

    #[test]
    fn a_bare_date_is_ten_in_the_morning_in_paris() {
        let at = parse_instant("2027-07-01").unwrap();
        assert_eq!(at.to_rfc3339(), "2027-07-01T08:00:00+00:00");
        assert!(parse_instant("demain").unwrap_err().contains("demain"));
    }
}
