//! « Now » and « today » as the server's clock says, not the computer's: a conseiller whose
//! laptop is set to the wrong date still plans, validates and reads dates correctly. The server
//! sends its time with who is logged in (`Me::maintenant`); from then on the page adds the time
//! elapsed since (the browser's monotonic clock, which a wrong date does not move).

use carnet_domain::paris;
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use std::cell::Cell;

thread_local! {
    /// The server's instant, in milliseconds since the epoch, minus `performance.now()` when it
    /// arrived. `None` until the server has answered once.
    static ORIGINE: Cell<Option<f64>> = const { Cell::new(None) };
}

fn monotone_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

/// Records the server's time, as received just now.
pub fn regler(serveur: DateTime<Utc>) {
    ORIGINE.with(|o| o.set(Some(serveur.timestamp_millis() as f64 - monotone_ms())));
}

/// The server's « now ». Before the server has answered (the login page), the browser's clock.
pub fn maintenant() -> DateTime<Utc> {
    match ORIGINE.with(|o| o.get()) {
        Some(origine) => DateTime::<Utc>::UNIX_EPOCH + Duration::milliseconds((origine + monotone_ms()) as i64),
        None => Utc::now(),
    }
}

/// The day it is in Paris, by the server's clock.
pub fn aujourdhui() -> NaiveDate {
    paris::today(maintenant())
}

/// Paris wall-clock time, by the server's clock.
pub fn heure_de_paris() -> NaiveDateTime {
    paris::to_local(maintenant())
}
