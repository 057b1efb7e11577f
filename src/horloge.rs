//! « Now » and « today » as the server's clock says, not the computer's: a conseiller whose
//! laptop is set to the wrong date still plans, validates and reads dates correctly. The server
//! sends its time with who is logged in (`Me::maintenant`); from then on the page adds the time
//! elapsed since (the browser's monotonic clock, which a wrong date does not move).
//!
//! Dates and hours are wall-clock time in the zone of the user's structure, also sent with who
//! is logged in (`Me::fuseau`), never the computer's own zone: a conseillère of La Réunion reads
//! 10:00 for a session at 10:00 in Saint-Denis, whatever her laptop is set to.

use carnet_domain::fuseau::Fuseau;
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use std::cell::Cell;

thread_local! {
    /// The zone of the user's structure; Europe/Paris until the server has answered.
    static FUSEAU: Cell<Fuseau> = const { Cell::new(Fuseau::Paris) };
    /// The server's instant, in milliseconds since the epoch, minus `performance.now()` when it
    /// arrived. `None` until the server has answered once.
    static ORIGINE: Cell<Option<f64>> = const { Cell::new(None) };
}

fn monotone_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

/// Records the server's time, as received just now, and the structure's zone.
pub fn regler(serveur: DateTime<Utc>, fuseau: Fuseau) {
    ORIGINE.with(|o| o.set(Some(serveur.timestamp_millis() as f64 - monotone_ms())));
    FUSEAU.with(|f| f.set(fuseau));
}

/// The zone dates and hours are shown and typed in.
pub fn fuseau() -> Fuseau {
    FUSEAU.with(|f| f.get())
}

/// The day an instant falls on, in the structure's zone.
pub fn today(at: DateTime<Utc>) -> NaiveDate {
    fuseau().today(at)
}

/// The wall-clock time of an instant, in the structure's zone.
pub fn to_local(at: DateTime<Utc>) -> NaiveDateTime {
    fuseau().to_local(at)
}

/// The server's « now ». Before the server has answered (the login page), the browser's clock.
pub fn maintenant() -> DateTime<Utc> {
    match ORIGINE.with(|o| o.get()) {
        Some(origine) => DateTime::<Utc>::UNIX_EPOCH + Duration::milliseconds((origine + monotone_ms()) as i64),
        None => Utc::now(),
    }
}

/// The day it is for the structure, by the server's clock.
pub fn aujourdhui() -> NaiveDate {
    today(maintenant())
}

/// The structure's wall-clock time, by the server's clock.
pub fn heure_locale() -> NaiveDateTime {
    to_local(maintenant())
}
