//! The `.ics` writer read back by a maintained iCalendar parser (the `icalendar` crate): the
//! file parses, each event's text comes back as written (escaping and folding undone), its start
//! is in the structure's zone, and the VTIMEZONE's offset turns it into the right UTC instant.

use carnet_domain::fuseau::Fuseau;
use carnet_domain::parcours::ics::{calendrier, EvenementIcs};
use chrono::{DateTime, NaiveDateTime, Utc};
use icalendar::{Calendar, CalendarComponent, CalendarDateTime, Component, DatePerhapsTime, EventLike};

fn dt(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

fn evenement(uid: &str, debut: &str, fin: &str) -> EvenementIcs {
    EvenementIcs {
        uid: uid.into(),
        sequence: 1,
        debut: dt(debut),
        fin: dt(fin),
        resume: "Séance 2/5 : naviguer sur internet, en sécurité; avec Zoé".into(),
        lieu: "Médiathèque des Capucins, 25 rue de Pontaniou, Brest".into(),
        description: format!(
            "Objectifs : 1.1 Mener une recherche\\ 2.1 Interagir\nApporter son téléphone. {}",
            "é".repeat(60)
        ),
        annule: false,
        modifie: DateTime::parse_from_rfc3339("2026-11-23T09:15:00Z").unwrap().with_timezone(&Utc),
    }
}

#[test]
fn a_maintained_parser_reads_back_every_event() {
    let maintenant = DateTime::parse_from_rfc3339("2026-11-23T09:15:00Z").unwrap().with_timezone(&Utc);
    for (fuseau, debut, utc_attendu) in [
        (Fuseau::Reunion, "2027-12-13 10:00", "2027-12-13T06:00:00Z"),
        (Fuseau::Paris, "2027-07-13 10:00", "2027-07-13T08:00:00Z"),
        (Fuseau::Paris, "2027-12-13 10:00", "2027-12-13T09:00:00Z"),
        (Fuseau::Guadeloupe, "2027-12-13 10:00", "2027-12-13T14:00:00Z"),
    ] {
        let e = evenement("seance-1@carnet", debut, &debut.replace("10:00", "11:00"));
        let texte = calendrier("Parcours de Zoé", fuseau, std::slice::from_ref(&e), maintenant);
        let cal: Calendar = texte.parse().unwrap_or_else(|err| panic!("{fuseau:?}: {err}\n{texte}"));
        let events: Vec<_> = cal
            .components
            .iter()
            .filter_map(|c| match c {
                CalendarComponent::Event(ev) => Some(ev),
                _ => None,
            })
            .collect();
        assert_eq!(events.len(), 1);
        let ev = events[0];
        assert_eq!(ev.get_uid(), Some("seance-1@carnet"));
        assert_eq!(ev.get_summary(), Some(e.resume.as_str()));
        assert_eq!(ev.get_location(), Some(e.lieu.as_str()));
        assert_eq!(ev.get_description(), Some(e.description.as_str()));
        match ev.get_start() {
            Some(DatePerhapsTime::DateTime(CalendarDateTime::WithTimezone { date_time, tzid })) => {
                assert_eq!(tzid, fuseau.iana());
                assert_eq!(date_time, dt(debut));
                // The VTIMEZONE written beside it gives the offset of that instant.
                let unfolded = texte.replace("\r\n ", "");
                let offsets: Vec<&str> = unfolded.lines().filter_map(|l| l.strip_prefix("TZOFFSETTO:")).collect();
                let attendu = DateTime::parse_from_rfc3339(utc_attendu).unwrap().with_timezone(&Utc);
                let decalage = (date_time - attendu.naive_utc()).num_minutes();
                let ecrit = format!(
                    "{}{:02}{:02}",
                    if decalage < 0 { '-' } else { '+' },
                    decalage.abs() / 60,
                    decalage.abs() % 60
                );
                assert!(offsets.contains(&ecrit.as_str()), "{fuseau:?}: {ecrit} in {offsets:?}");
            }
            autre => panic!("{fuseau:?}: DTSTART read as {autre:?}"),
        }
    }
}
