//! Planning a parcours: the frequencies, the generation of the sessions after the intake, the
//! days a session may fall on (weekends for the daily rhythm, public holidays for every rhythm),
//! and the overlap rule: a conseiller cannot be in two sessions at once, and a refused slot
//! always comes with the next free one.
//!
//! Times are wall-clock in the structure's zone (`NaiveDateTime`) where people see them — a
//! weekly session at 14h00 stays at 14h00 across the clock changes — and UTC
//! (`Calendrier::to_utc`) where instants are compared. Holidays are the structure's own.

use crate::api::FieldErrors;
use crate::coop;
use crate::fuseau::Calendrier;
use crate::intake::parse_date;
use crate::paris;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc, Weekday};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Frequence {
    /// Every working day, Monday to Friday.
    Quotidien,
    Hebdomadaire,
    /// Every 15 days (every other week, same weekday).
    Quinzaine,
}

impl Frequence {
    pub const TOUTES: [Frequence; 3] = [Frequence::Quotidien, Frequence::Hebdomadaire, Frequence::Quinzaine];

    pub fn code(self) -> &'static str {
        match self {
            Frequence::Quotidien => "quotidien",
            Frequence::Hebdomadaire => "hebdomadaire",
            Frequence::Quinzaine => "quinzaine",
        }
    }

    pub fn parse(code: &str) -> Option<Frequence> {
        Frequence::TOUTES.into_iter().find(|f| f.code() == code)
    }

    pub fn libelle(self) -> &'static str {
        match self {
            Frequence::Quotidien => "Quotidien (du lundi au vendredi)",
            Frequence::Hebdomadaire => "Hebdomadaire",
            Frequence::Quinzaine => "Tous les 15 jours",
        }
    }

    fn pas_jours(self) -> i64 {
        match self {
            Frequence::Quotidien => 1,
            Frequence::Hebdomadaire => 7,
            Frequence::Quinzaine => 14,
        }
    }
}

/// Sessions start at 07h00 at the earliest and end by 21h00: outside, it is surely a typo.
pub const DEBUT_JOURNEE: (u32, u32) = (7, 0);
pub const FIN_JOURNEE: (u32, u32) = (21, 0);
pub const DUREE_MIN: u32 = 15;
pub const DUREE_MAX: u32 = 240;

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).expect("valid time")
}

/// « 14h00 ».
pub fn heure(t: NaiveTime) -> String {
    format!("{:02}h{:02}", t.hour(), t.minute())
}

/// « mardi 7 avril 2026 à 14h00 ».
pub fn date_heure(dt: NaiveDateTime) -> String {
    format!("{} à {}", paris::date_longue(dt.date()), heure(dt.time()))
}

/// The form of `<input type="datetime-local">` and of proposals in error answers: `2026-04-07T14:00`.
pub fn iso_minute(dt: NaiveDateTime) -> String {
    dt.format("%Y-%m-%dT%H:%M").to_string()
}

/// Reads a time as typed: « 14:00 » (what `<input type="time">` sends), « 14h », « 14 h 30 », « 9h05 ».
pub fn parse_heure(input: &str) -> Option<NaiveTime> {
    let s: String = input.trim().to_lowercase().chars().filter(|c| !c.is_whitespace()).collect();
    let (h, m) = match s.split_once([':', 'h']) {
        Some((h, m)) => (h, if m.is_empty() { "0" } else { m }),
        None => (s.as_str(), "0"),
    };
    // `<input type=time>` may send seconds: « 14:00:00 ».
    let m = m.split(':').next().unwrap_or("0");
    if h.is_empty() || h.len() > 2 || m.len() > 2 || !h.chars().chain(m.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    NaiveTime::from_hms_opt(h.parse().ok()?, m.parse().ok()?, 0)
}

/// A time the conseiller is already taken, in UTC, with what it is (for the refusal message).
#[derive(Clone, Debug, PartialEq)]
pub struct Occupation {
    pub debut: DateTime<Utc>,
    pub fin: DateTime<Utc>,
    pub libelle: String,
}

/// The UTC interval of a session starting at a wall-clock time of the calendar's zone.
pub fn intervalle(cal: Calendrier, debut: NaiveDateTime, duree_minutes: u32) -> (DateTime<Utc>, DateTime<Utc>) {
    let d = cal.to_utc(debut);
    (d, d + Duration::minutes(duree_minutes as i64))
}

/// Half-open intervals: a session ending at 15h00 does not overlap one starting at 15h00.
pub fn chevauche(a: (DateTime<Utc>, DateTime<Utc>), b: (DateTime<Utc>, DateTime<Utc>)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// The first busy time that a session at `debut` for `duree_minutes` would overlap.
pub fn premier_conflit(
    cal: Calendrier,
    debut: NaiveDateTime,
    duree_minutes: u32,
    occupations: &[Occupation],
) -> Option<&Occupation> {
    let creneau = intervalle(cal, debut, duree_minutes);
    occupations.iter().filter(|o| chevauche(creneau, (o.debut, o.fin))).min_by_key(|o| o.debut)
}

/// May a session of this rhythm fall on this day? Never on a public holiday of the place; the daily rhythm
/// skips weekends; the others keep to weekdays, plus the weekday of their own cadence (a
/// structure that runs its parcours on Saturdays keeps them on Saturdays).
pub fn jour_possible(cal: Calendrier, frequence: Frequence, cadence: Weekday, date: NaiveDate) -> bool {
    if cal.est_ferie(date) {
        return false;
    }
    let wd = date.weekday();
    let semaine = !matches!(wd, Weekday::Sat | Weekday::Sun);
    match frequence {
        Frequence::Quotidien => semaine,
        Frequence::Hebdomadaire | Frequence::Quinzaine => semaine || wd == cadence,
    }
}

fn arrondi_5_minutes(t: NaiveDateTime) -> NaiveDateTime {
    let t = t.with_second(0).and_then(|t| t.with_nanosecond(0)).unwrap_or(t);
    let reste = t.minute() % 5;
    if reste == 0 {
        t
    } else {
        t + Duration::minutes((5 - reste) as i64)
    }
}

/// The first free slot at or after `souhait`: same day after the session in the way (on a
/// 5-minute boundary), or, when the day is full or the slot not allowed (`creneau_ok`), the next
/// day at the wished time. `None` if nothing is free within a year.
pub fn prochain_creneau_libre(
    cal: Calendrier,
    souhait: NaiveDateTime,
    duree_minutes: u32,
    occupations: &[Occupation],
    creneau_ok: impl Fn(NaiveDateTime) -> bool,
) -> Option<NaiveDateTime> {
    let heure_souhaitee = souhait.time();
    let mut debut = souhait;
    let limite = souhait.date() + Duration::days(366);
    while debut.date() <= limite {
        let fin = debut + Duration::minutes(duree_minutes as i64);
        let jour_suivant = (debut.date() + Duration::days(1)).and_time(heure_souhaitee);
        if !creneau_ok(debut) || fin.date() != debut.date() || fin.time() > hm(FIN_JOURNEE.0, FIN_JOURNEE.1) {
            debut = jour_suivant;
            continue;
        }
        let creneau = intervalle(cal, debut, duree_minutes);
        let fin_conflits = occupations.iter().filter(|o| chevauche(creneau, (o.debut, o.fin))).map(|o| o.fin).max();
        match fin_conflits {
            None => return Some(debut),
            Some(f) => {
                let apres = arrondi_5_minutes(cal.to_local(f));
                debut = if apres.date() == debut.date() { apres } else { jour_suivant };
            }
        }
    }
    None
}

/// One generated session, with why it is not where the rhythm alone would put it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeanceProposee {
    /// Wall-clock time in the structure's zone.
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?$"))]
    pub debut: NaiveDateTime,
    pub notes: Vec<String>,
}

/// Generates `nombre` sessions from `premiere` (the structure's wall-clock time) at the given rhythm. Holidays and
/// the rhythm's excluded days are skipped forward; a slot that overlaps a busy time (including
/// the sessions generated before it) moves to the next free slot. Each move is explained.
pub fn generer(
    cal: Calendrier,
    frequence: Frequence,
    premiere: NaiveDateTime,
    nombre: usize,
    duree_minutes: u32,
    occupations: &[Occupation],
) -> Vec<SeanceProposee> {
    let cadence = premiere.date().weekday();
    let heure_souhaitee = premiere.time();
    let jour_ok = |d: NaiveDate| jour_possible(cal, frequence, cadence, d);
    let mut occupe = occupations.to_vec();
    let mut out: Vec<SeanceProposee> = Vec::with_capacity(nombre);
    for k in 0..nombre {
        let rythme = premiere.date() + Duration::days(frequence.pas_jours() * k as i64);
        let nominal = match out.last() {
            None => premiere.date(),
            Some(prev) if frequence == Frequence::Quotidien => prev.debut.date() + Duration::days(1),
            Some(prev) => rythme.max(prev.debut.date() + Duration::days(1)),
        };
        let mut notes = Vec::new();
        let mut jour = nominal;
        while !jour_ok(jour) {
            if let Some(nom) = cal.ferie(jour) {
                notes.push(format!("Le {} est férié ({nom}).", paris::date_longue(jour)));
            }
            jour += Duration::days(1);
        }
        let voulu = jour.and_time(heure_souhaitee);
        let debut = match prochain_creneau_libre(cal, voulu, duree_minutes, &occupe, |dt| jour_ok(dt.date())) {
            Some(libre) => {
                if libre != voulu {
                    let raison = premier_conflit(cal, voulu, duree_minutes, &occupe)
                        .map(|o| format!(" ({})", o.libelle))
                        .unwrap_or_default();
                    notes.push(format!("Le créneau du {} est déjà pris{raison}.", date_heure(voulu)));
                }
                libre
            }
            None => {
                notes.push("Aucun créneau libre trouvé dans l'année : choisissez la date à la main.".into());
                voulu
            }
        };
        if debut != jour.and_time(heure_souhaitee) || jour != nominal {
            notes.push(format!("Séance proposée le {}.", date_heure(debut)));
        }
        let (d, f) = intervalle(cal, debut, duree_minutes);
        occupe.push(Occupation { debut: d, fin: f, libelle: format!("séance {} de ce parcours", k + 2) });
        out.push(SeanceProposee { debut, notes });
    }
    out
}

// --- the planning form

/// The planning step as typed. Without `seances` it asks for a proposal; with them (every
/// session, the intake first) it saves the schedule.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct PlanningRequest {
    pub frequence: String,
    /// The date of session 2 (session 1 is the intake).
    pub premiere_date: String,
    pub heure: String,
    pub duree_minutes: String,
    pub type_lieu: String,
    pub seances: Vec<DateHeure>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct DateHeure {
    pub date: String,
    pub heure: String,
}

/// What every date of a parcours must respect.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bornes {
    /// No session before the carnet was received.
    pub debut: NaiveDate,
    /// No session after the carnet's end of validity: its passes could not be used.
    pub fin_validite: NaiveDate,
    /// Today where the structure works: the holiday rule is for planning; a past date records
    /// what happened.
    pub aujourdhui: NaiveDate,
    /// The structure's zone and holidays.
    pub calendrier: Calendrier,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ParametresPlanning {
    pub frequence: Frequence,
    pub premiere: NaiveDateTime,
    pub duree_minutes: u32,
    pub type_lieu: String,
}

/// Parses a duration in minutes: a Coop preset or a custom value.
pub fn valider_duree(errors: &mut FieldErrors, field: &str, text: &str) -> Option<u32> {
    match text.trim().parse::<u32>() {
        Ok(m) if (DUREE_MIN..=DUREE_MAX).contains(&m) => Some(m),
        Ok(_) => {
            errors.insert(field.into(), format!("Durée : entre {DUREE_MIN} et {DUREE_MAX} minutes."));
            None
        }
        Err(_) => {
            errors.insert(field.into(), "Durée : indiquez un nombre de minutes, par exemple 60.".into());
            None
        }
    }
}

/// Which part of a date-and-time is wrong, so the message goes under the right field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Partie {
    Date,
    Heure,
}

/// Checks one date and time against the calendar rules (format, holidays, bounds, hours).
/// `quoi` names the field in the message (« Séance 3 », « Date »).
pub fn valider_date_heure(
    date: &str,
    heure_texte: &str,
    duree_minutes: u32,
    bornes: Bornes,
    quoi: &str,
) -> Result<NaiveDateTime, (Partie, String)> {
    let Some(d) = parse_date(date) else {
        return Err((
            Partie::Date,
            if date.trim().is_empty() {
                format!("{quoi} : la date est obligatoire.")
            } else {
                format!("{quoi} : date invalide (jj/mm/aaaa).")
            },
        ));
    };
    let Some(t) = parse_heure(heure_texte) else {
        return Err((
            Partie::Heure,
            if heure_texte.trim().is_empty() {
                format!("{quoi} : l'heure est obligatoire.")
            } else {
                format!("{quoi} : heure invalide (par exemple 14:00).")
            },
        ));
    };
    if let Some(nom) = bornes.calendrier.ferie(d).filter(|_| d > bornes.aujourdhui) {
        return Err((Partie::Date, format!("{quoi} : le {} est un jour férié ({nom}).", paris::date_longue(d))));
    }
    if d < bornes.debut {
        return Err((
            Partie::Date,
            format!("{quoi} : pas avant la remise du carnet, le {}.", paris::date_courte(bornes.debut)),
        ));
    }
    if d > bornes.fin_validite {
        return Err((
            Partie::Date,
            format!(
                "{quoi} : après la fin de validité du carnet ({}), le pass ne pourrait plus être utilisé.",
                paris::date_courte(bornes.fin_validite)
            ),
        ));
    }
    let fin = t + Duration::minutes(duree_minutes as i64);
    if t < hm(DEBUT_JOURNEE.0, DEBUT_JOURNEE.1) || fin > hm(FIN_JOURNEE.0, FIN_JOURNEE.1) || fin < t {
        return Err((
            Partie::Heure,
            format!(
                "{quoi} : une séance a lieu entre {} et {}.",
                heure(hm(DEBUT_JOURNEE.0, DEBUT_JOURNEE.1)),
                heure(hm(FIN_JOURNEE.0, FIN_JOURNEE.1))
            ),
        ));
    }
    Ok(d.and_time(t))
}

/// The settings that hold for every session: rhythm, duration, place.
fn reglages(errors: &mut FieldErrors, req: &PlanningRequest) -> (Option<Frequence>, Option<u32>) {
    let frequence = Frequence::parse(req.frequence.trim());
    if frequence.is_none() {
        errors.insert("frequence".into(), "Rythme : choisissez quotidien, hebdomadaire ou tous les 15 jours.".into());
    }
    let duree = valider_duree(errors, "duree_minutes", &req.duree_minutes);
    if !coop::contains(coop::TYPE_LIEU, req.type_lieu.trim()) {
        errors.insert("type_lieu".into(), "Lieu : choisissez une valeur de la liste.".into());
    }
    (frequence, duree)
}

/// Checks the settings of a schedule being saved (its dates are checked by `valider_seances`).
pub fn valider_reglages(req: &PlanningRequest) -> Result<(Frequence, u32, String), FieldErrors> {
    let mut errors = FieldErrors::new();
    match reglages(&mut errors, req) {
        (Some(f), Some(d)) if errors.is_empty() => Ok((f, d, req.type_lieu.trim().to_string())),
        _ => Err(errors),
    }
}

/// Checks the parameters of a proposal (rhythm, first date of session 2, time, duration, place).
pub fn valider_parametres(req: &PlanningRequest, bornes: Bornes) -> Result<ParametresPlanning, FieldErrors> {
    let mut errors = FieldErrors::new();
    let (frequence, duree) = reglages(&mut errors, req);
    let mut premiere = None;
    match valider_date_heure(
        &req.premiere_date,
        &req.heure,
        duree.unwrap_or(DUREE_MIN),
        bornes,
        "Première séance après l'accueil",
    ) {
        Ok(dt) => premiere = Some(dt),
        Err((partie, m)) => {
            errors.insert(if partie == Partie::Heure { "heure" } else { "premiere_date" }.into(), m);
        }
    }
    if let (Some(Frequence::Quotidien), Some(p)) = (frequence, premiere) {
        if matches!(p.weekday(), Weekday::Sat | Weekday::Sun) {
            errors.insert(
                "premiere_date".into(),
                "Première séance après l'accueil : le rythme quotidien va du lundi au vendredi.".into(),
            );
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ParametresPlanning {
        frequence: frequence.expect("checked"),
        premiere: premiere.expect("checked"),
        duree_minutes: duree.expect("checked"),
        type_lieu: req.type_lieu.trim().to_string(),
    })
}

/// The field of session `numero` (1-based) in the schedule table.
pub fn champ_seance(numero: usize) -> String {
    format!("seance_{numero}")
}

/// The machine-readable proposal that accompanies a refused slot in an error answer: under
/// `proposition_<field>`, the next free slot as `2026-04-07T14:00`. The app offers it as a button.
pub fn champ_proposition(field: &str) -> String {
    format!("proposition_{field}")
}

/// Refuses a slot that overlaps the conseiller's other sessions, naming the session in the way
/// and proposing the next free slot (message and `proposition_<field>`).
// The field, its label and the slot go together into one message: a struct would only rename them.
#[allow(clippy::too_many_arguments)]
pub fn refuser_si_occupe(
    cal: Calendrier,
    errors: &mut FieldErrors,
    field: &str,
    quoi: &str,
    debut: NaiveDateTime,
    duree_minutes: u32,
    occupations: &[Occupation],
    creneau_ok: impl Fn(NaiveDateTime) -> bool,
) {
    let Some(conflit) = premier_conflit(cal, debut, duree_minutes, occupations) else { return };
    let de = cal.to_local(conflit.debut).time();
    let a = cal.to_local(conflit.fin).time();
    let mut message = format!(
        "{quoi} : ce créneau chevauche une autre séance ({}, de {} à {}).",
        conflit.libelle,
        heure(de),
        heure(a)
    );
    if let Some(libre) = prochain_creneau_libre(cal, debut, duree_minutes, occupations, creneau_ok) {
        message.push_str(&format!(" Prochain créneau libre : {}.", date_heure(libre)));
        errors.insert(champ_proposition(field), iso_minute(libre));
    }
    errors.insert(field.into(), message);
}

/// Checks the explicit dates of a schedule: one per pass, each valid, none overlapping another
/// session of the conseiller or of this schedule. Returns them in chronological order.
pub fn valider_seances(
    seances: &[DateHeure],
    nombre: usize,
    duree_minutes: u32,
    bornes: Bornes,
    occupations: &[Occupation],
) -> Result<Vec<NaiveDateTime>, FieldErrors> {
    let mut errors = FieldErrors::new();
    if seances.len() != nombre {
        errors.insert(
            "seances".into(),
            format!("Séances : le carnet compte {nombre} pass, il faut {nombre} séances ({} reçues).", seances.len()),
        );
        return Err(errors);
    }
    let mut dates: Vec<Option<NaiveDateTime>> = Vec::with_capacity(nombre);
    for (i, s) in seances.iter().enumerate() {
        let quoi = format!("Séance {}", i + 1);
        match valider_date_heure(&s.date, &s.heure, duree_minutes, bornes, &quoi) {
            Ok(dt) => dates.push(Some(dt)),
            Err((_, m)) => {
                errors.insert(champ_seance(i + 1), m);
                dates.push(None);
            }
        }
    }
    // Overlaps: with the conseiller's other sessions, and with the earlier rows of this table.
    let mut occupe = occupations.to_vec();
    for (i, dt) in dates.iter().enumerate() {
        let Some(dt) = *dt else { continue };
        let field = champ_seance(i + 1);
        let quoi = format!("Séance {}", i + 1);
        // Any day without a holiday is fine for a date typed by hand.
        let cal = bornes.calendrier;
        refuser_si_occupe(cal, &mut errors, &field, &quoi, dt, duree_minutes, &occupe, |c| !cal.est_ferie(c.date()));
        let (d, f) = intervalle(cal, dt, duree_minutes);
        occupe.push(Occupation { debut: d, fin: f, libelle: format!("séance {} de ce parcours", i + 1) });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut ok: Vec<NaiveDateTime> = dates.into_iter().flatten().collect();
    ok.sort();
    Ok(ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: Calendrier = Calendrier::METROPOLE;

    fn dt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn busy(debut: &str, minutes: u32, libelle: &str) -> Occupation {
        let (d, f) = intervalle(M, dt(debut), minutes);
        Occupation { debut: d, fin: f, libelle: libelle.into() }
    }

    fn dates(v: &[SeanceProposee]) -> Vec<String> {
        v.iter().map(|s| s.debut.format("%Y-%m-%d %H:%M").to_string()).collect()
    }

    #[test]
    fn daily_skips_weekends_and_holidays_across_month_end() {
        // Thursday 30 April 2026, then Friday 1 May (holiday), weekend, Monday 4 May…
        let v = generer(M, Frequence::Quotidien, dt("2026-04-30 10:00"), 5, 60, &[]);
        assert_eq!(
            dates(&v),
            ["2026-04-30 10:00", "2026-05-04 10:00", "2026-05-05 10:00", "2026-05-06 10:00", "2026-05-07 10:00"]
        );
        assert!(v[1].notes.iter().any(|n| n.contains("fête du Travail")), "{:?}", v[1].notes);
        // 8 May 2026 is a Friday: the next session after Thursday 7 is Monday 11.
        let v = generer(M, Frequence::Quotidien, dt("2026-05-07 10:00"), 2, 60, &[]);
        assert_eq!(dates(&v), ["2026-05-07 10:00", "2026-05-11 10:00"]);
    }

    #[test]
    fn daily_across_the_year_end() {
        // Wednesday 30 December 2026: 31, then 1 January (holiday), Saturday, Sunday → Monday 4.
        let v = generer(M, Frequence::Quotidien, dt("2026-12-30 09:30"), 4, 90, &[]);
        assert_eq!(dates(&v), ["2026-12-30 09:30", "2026-12-31 09:30", "2027-01-04 09:30", "2027-01-05 09:30"]);
    }

    #[test]
    fn weekly_moves_a_holiday_to_the_next_day_and_keeps_the_rhythm() {
        // Mondays from 30 March 2026: 6 April is Easter Monday → Tuesday 7; then Monday 13 again.
        let v = generer(M, Frequence::Hebdomadaire, dt("2026-03-30 14:00"), 4, 60, &[]);
        assert_eq!(dates(&v), ["2026-03-30 14:00", "2026-04-07 14:00", "2026-04-13 14:00", "2026-04-20 14:00"]);
        assert!(v[1].notes.iter().any(|n| n.contains("lundi de Pâques")), "{:?}", v[1].notes);
        assert!(v[1].notes.iter().any(|n| n.contains("mardi 7 avril 2026 à 14h00")), "{:?}", v[1].notes);
        assert!(v[2].notes.is_empty());
        // Whit Monday and Ascension Thursday 2027.
        let v = generer(M, Frequence::Hebdomadaire, dt("2027-05-10 10:00"), 2, 60, &[]);
        assert_eq!(dates(&v), ["2027-05-10 10:00", "2027-05-18 10:00"]);
        let v = generer(M, Frequence::Hebdomadaire, dt("2027-04-29 10:00"), 2, 60, &[]);
        assert_eq!(dates(&v), ["2027-04-29 10:00", "2027-05-07 10:00"]);
        assert!(v[1].notes.iter().any(|n| n.contains("Ascension")), "{:?}", v[1].notes);
    }

    #[test]
    fn weekly_across_the_year_end_and_christmas() {
        // Fridays from 18 December 2026: 25 December (Christmas) → Monday 28; 1 January → Monday 4.
        let v = generer(M, Frequence::Hebdomadaire, dt("2026-12-18 10:00"), 4, 60, &[]);
        assert_eq!(dates(&v), ["2026-12-18 10:00", "2026-12-28 10:00", "2027-01-04 10:00", "2027-01-08 10:00"]);
    }

    #[test]
    fn saturday_cadence_stays_on_saturdays() {
        // 14 July 2029 is a Saturday.
        let v = generer(M, Frequence::Hebdomadaire, dt("2029-07-07 10:00"), 3, 60, &[]);
        assert_eq!(dates(&v), ["2029-07-07 10:00", "2029-07-16 10:00", "2029-07-21 10:00"]);
    }

    #[test]
    fn fortnightly_across_dst_and_holidays() {
        // Tuesdays every 15 days from 17 March 2026 across the spring change (29 March).
        let v = generer(M, Frequence::Quinzaine, dt("2026-03-17 14:00"), 3, 60, &[]);
        assert_eq!(dates(&v), ["2026-03-17 14:00", "2026-03-31 14:00", "2026-04-14 14:00"]);
        // Same wall-clock time, different UTC instants: 13:00Z in winter, 12:00Z in summer.
        assert_eq!(intervalle(M, v[0].debut, 60).0.format("%H:%M").to_string(), "13:00");
        assert_eq!(intervalle(M, v[1].debut, 60).0.format("%H:%M").to_string(), "12:00");
        // Autumn change (25 October 2026): back to UTC+1.
        let v = generer(M, Frequence::Quinzaine, dt("2026-10-20 14:00"), 2, 60, &[]);
        assert_eq!(dates(&v), ["2026-10-20 14:00", "2026-11-03 14:00"]);
        assert_eq!(intervalle(M, v[0].debut, 60).0.format("%H:%M").to_string(), "12:00");
        assert_eq!(intervalle(M, v[1].debut, 60).0.format("%H:%M").to_string(), "13:00");
        // 11 November 2026 is a Wednesday in the fortnightly rhythm from 28 October → Thursday 12.
        let v = generer(M, Frequence::Quinzaine, dt("2026-10-28 09:00"), 2, 60, &[]);
        assert_eq!(dates(&v), ["2026-10-28 09:00", "2026-11-12 09:00"]);
    }

    #[test]
    fn a_busy_slot_moves_to_the_next_free_one_with_the_reason() {
        let others = [busy("2026-12-08 14:00", 60, "séance de Yann"), busy("2026-12-08 15:00", 30, "séance de Lou")];
        let v = generer(M, Frequence::Hebdomadaire, dt("2026-12-01 14:00"), 3, 60, &others);
        assert_eq!(dates(&v), ["2026-12-01 14:00", "2026-12-08 15:30", "2026-12-15 14:00"]);
        assert!(v[1].notes.iter().any(|n| n.contains("séance de Yann")), "{:?}", v[1].notes);
        // A full afternoon: the session goes to the next allowed day at the wished time.
        let full = [busy("2026-12-08 14:00", 420, "permanence")];
        let v = generer(M, Frequence::Hebdomadaire, dt("2026-12-08 14:00"), 1, 60, &full);
        assert_eq!(dates(&v), ["2026-12-09 14:00"]);
    }

    #[test]
    fn generated_sessions_never_overlap_each_other() {
        // A daily rhythm of 10 with a 120-minute permanence each morning at the wished time.
        let others: Vec<Occupation> =
            (0..20).map(|i| busy(&format!("2026-06-{:02} 09:00", i + 1), 120, "permanence")).collect();
        let v = generer(M, Frequence::Quotidien, dt("2026-06-01 09:00"), 10, 60, &others);
        for s in &v {
            assert_eq!(s.debut.time(), NaiveTime::from_hms_opt(11, 0, 0).unwrap(), "{s:?}");
            assert!(jour_possible(M, Frequence::Quotidien, Weekday::Mon, s.debut.date()));
        }
        assert!(v.windows(2).all(|w| w[0].debut < w[1].debut));
    }

    #[test]
    fn overlap_is_half_open() {
        let a = intervalle(M, dt("2026-12-01 14:00"), 60);
        let b = intervalle(M, dt("2026-12-01 15:00"), 60);
        let c = intervalle(M, dt("2026-12-01 14:59"), 60);
        assert!(!chevauche(a, b));
        assert!(chevauche(a, c));
        assert!(chevauche(b, c));
        assert!(chevauche(a, a));
        let inside = intervalle(M, dt("2026-12-01 14:15"), 15);
        assert!(chevauche(a, inside) && chevauche(inside, a));
    }

    #[test]
    fn next_free_slot_rounds_and_respects_days() {
        let occ = [busy("2026-12-01 14:00", 47, "x")];
        let libre = prochain_creneau_libre(M, dt("2026-12-01 14:00"), 60, &occ, |_| true).unwrap();
        assert_eq!(libre, dt("2026-12-01 14:50"));
        // Pushed past 21h00 by a session in the way: the next day, at the wished time.
        let occ = [busy("2026-12-01 20:00", 45, "x")];
        let libre = prochain_creneau_libre(M, dt("2026-12-01 20:15"), 30, &occ, |_| true).unwrap();
        assert_eq!(libre, dt("2026-12-02 20:15"));
        // A wish that can never fit, or no allowed day: nothing, rather than a wrong slot.
        assert_eq!(prochain_creneau_libre(M, dt("2026-12-01 20:30"), 60, &[], |_| true), None);
        assert_eq!(prochain_creneau_libre(M, dt("2026-12-01 10:00"), 60, &[], |_| false), None);
    }

    #[test]
    fn times_are_read_as_people_type_them() {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0);
        assert_eq!(parse_heure("14:00"), t(14, 0));
        assert_eq!(parse_heure("14:00:00"), t(14, 0));
        assert_eq!(parse_heure("14h"), t(14, 0));
        assert_eq!(parse_heure("14 h 30"), t(14, 30));
        assert_eq!(parse_heure("9h05"), t(9, 5));
        assert_eq!(parse_heure("25:00"), None);
        assert_eq!(parse_heure("midi"), None);
        assert_eq!(parse_heure(""), None);
        assert_eq!(heure(t(9, 5).unwrap()), "09h05");
    }

    fn bornes() -> Bornes {
        Bornes { debut: d("2026-11-20"), fin_validite: d("2027-06-30"), aujourdhui: d("2026-11-23"), calendrier: M }
    }

    fn req() -> PlanningRequest {
        PlanningRequest {
            frequence: "hebdomadaire".into(),
            premiere_date: "2026-12-01".into(),
            heure: "14:00".into(),
            duree_minutes: "60".into(),
            type_lieu: "lieu_activite".into(),
            seances: vec![],
        }
    }

    #[test]
    fn planning_parameters_are_checked_field_by_field() {
        let ok = valider_parametres(&req(), bornes()).unwrap();
        assert_eq!(ok.premiere, dt("2026-12-01 14:00"));
        assert_eq!(ok.frequence, Frequence::Hebdomadaire);
        let cases: Vec<(&str, Box<dyn Fn(&mut PlanningRequest)>)> = vec![
            ("frequence", Box::new(|r| r.frequence = "mensuel".into())),
            ("duree_minutes", Box::new(|r| r.duree_minutes = "5".into())),
            ("duree_minutes", Box::new(|r| r.duree_minutes = "une heure".into())),
            ("type_lieu", Box::new(|r| r.type_lieu = "parc".into())),
            ("premiere_date", Box::new(|r| r.premiere_date = "".into())),
            ("premiere_date", Box::new(|r| r.premiere_date = "2026-12-25".into())),
            ("premiere_date", Box::new(|r| r.premiere_date = "2026-11-01".into())),
            ("premiere_date", Box::new(|r| r.premiere_date = "2027-07-01".into())),
            ("heure", Box::new(|r| r.heure = "".into())),
            ("heure", Box::new(|r| r.heure = "5:00".into())),
            ("heure", Box::new(|r| r.heure = "20:30".into())),
            (
                "premiere_date",
                Box::new(|r| {
                    r.frequence = "quotidien".into();
                    r.premiere_date = "2026-12-05".into()
                }),
            ),
        ];
        for (field, change) in cases {
            let mut r = req();
            change(&mut r);
            let e = valider_parametres(&r, bornes()).unwrap_err();
            assert!(e.contains_key(field), "{field}: {e:?}");
            assert_eq!(e.len(), 1, "{field}: {e:?}");
        }
        let e =
            valider_parametres(&PlanningRequest { premiere_date: "2026-12-25".into(), ..req() }, bornes()).unwrap_err();
        assert_eq!(
            e["premiere_date"],
            "Première séance après l'accueil : le vendredi 25 décembre 2026 est un jour férié (Noël)."
        );
    }

    fn row(date: &str, heure: &str) -> DateHeure {
        DateHeure { date: date.into(), heure: heure.into() }
    }

    #[test]
    fn explicit_dates_are_checked_and_overlaps_come_with_a_proposal() {
        let rows = vec![row("2026-11-23", "10:00"), row("2026-12-01", "14:00"), row("2026-12-08", "14:00")];
        let ok = valider_seances(&rows, 3, 60, bornes(), &[]).unwrap();
        assert_eq!(ok[2], dt("2026-12-08 14:00"));
        // Wrong count.
        assert!(valider_seances(&rows[..2], 3, 60, bornes(), &[]).unwrap_err().contains_key("seances"));
        // A holiday typed by hand.
        let mut bad = rows.clone();
        bad[2] = row("2026-12-25", "14:00");
        let e = valider_seances(&bad, 3, 60, bornes(), &[]).unwrap_err();
        assert!(e["seance_3"].contains("Noël"), "{e:?}");
        // A past holiday records what happened (an intake on 11 November, say): accepted.
        let mut past = rows.clone();
        past[0] = row("2026-11-11", "10:00");
        let b = Bornes { debut: d("2026-11-01"), ..bornes() };
        assert!(valider_seances(&past, 3, 60, b, &[]).is_ok());
        // Two rows of the same schedule overlapping.
        let mut bad = rows.clone();
        bad[2] = row("2026-12-01", "14:30");
        let e = valider_seances(&bad, 3, 60, bornes(), &[]).unwrap_err();
        assert!(e["seance_3"].contains("séance 2 de ce parcours"), "{e:?}");
        assert_eq!(e["proposition_seance_3"], "2026-12-01T15:00");
        // Another parcours of the same conseiller.
        let other = [busy("2026-12-08 13:30", 60, "séance de Yann")];
        let e = valider_seances(&rows, 3, 60, bornes(), &other).unwrap_err();
        assert_eq!(
            e["seance_3"],
            "Séance 3 : ce créneau chevauche une autre séance (séance de Yann, de 13h30 à 14h30). Prochain créneau libre : mardi 8 décembre 2026 à 14h30."
        );
        assert_eq!(e["proposition_seance_3"], "2026-12-08T14:30");
        // Out of order rows come back sorted.
        let shuffled = vec![row("2026-12-08", "14:00"), row("2026-11-23", "10:00"), row("2026-12-01", "14:00")];
        let ok = valider_seances(&shuffled, 3, 60, bornes(), &[]).unwrap();
        assert!(ok.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn reunion_skips_its_abolition_day() {
        let reunion = Calendrier::pour(Some("97411"), None);
        let v = generer(reunion, Frequence::Hebdomadaire, dt("2027-12-13 10:00"), 3, 60, &[]);
        let jours: Vec<_> = v.iter().map(|s| s.debut).collect();
        assert_eq!(jours, vec![dt("2027-12-13 10:00"), dt("2027-12-21 10:00"), dt("2027-12-27 10:00")]);
        assert!(v[1].notes.iter().any(|n| n.contains("abolition de l'esclavage")), "{:?}", v[1].notes);
        // The same schedule in Paris keeps 20 December.
        let v = generer(M, Frequence::Hebdomadaire, dt("2027-12-13 10:00"), 2, 60, &[]);
        assert_eq!(v[1].debut, dt("2027-12-20 10:00"));
        // 10:00 in Saint-Denis is 06:00 UTC.
        assert_eq!(intervalle(reunion, dt("2027-12-13 10:00"), 60).0.format("%H:%M").to_string(), "06:00");
    }
}
