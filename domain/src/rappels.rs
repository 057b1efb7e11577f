//! Reminders of sessions, by e-mail and SMS: when one is due, which numbers can receive an SMS,
//! and the texts. Pure: the server's job passes « now » and writes the delivery log.
//!
//! When: `delai` before the session (24 h or 48 h, chosen per structure, or none); a session
//! planned or moved later than that is reminded as soon as it is planned; never between 21:00
//! and 08:00 in the structure's zone (then at the next 08:00); never once the session has started.

use crate::fuseau::Fuseau;
use crate::paris;
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};
use serde::{Deserialize, Serialize};

/// A structure's choice: how long before a session its reminder goes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DelaiRappel {
    #[serde(rename = "24h")]
    H24,
    #[default]
    #[serde(rename = "48h")]
    H48,
    Aucun,
}

impl DelaiRappel {
    pub const TOUS: [DelaiRappel; 3] = [DelaiRappel::H24, DelaiRappel::H48, DelaiRappel::Aucun];

    pub fn code(self) -> &'static str {
        match self {
            DelaiRappel::H24 => "24h",
            DelaiRappel::H48 => "48h",
            DelaiRappel::Aucun => "aucun",
        }
    }

    pub fn parse(code: &str) -> Option<DelaiRappel> {
        DelaiRappel::TOUS.into_iter().find(|d| d.code() == code.trim())
    }

    pub fn libelle(self) -> &'static str {
        match self {
            DelaiRappel::H24 => "24 heures avant la séance",
            DelaiRappel::H48 => "48 heures avant la séance",
            DelaiRappel::Aucun => "Pas de rappel",
        }
    }

    pub fn duree(self) -> Option<Duration> {
        match self {
            DelaiRappel::H24 => Some(Duration::hours(24)),
            DelaiRappel::H48 => Some(Duration::hours(48)),
            DelaiRappel::Aucun => None,
        }
    }
}

/// Wall-clock hours of the structure's zone when nothing is sent: from 21:00 to 07:59.
pub const HEURE_FIN_ENVOIS: u32 = 21;
pub const HEURE_DEBUT_ENVOIS: u32 = 8;

/// Whether a message may go at this instant (08:00 ≤ local time < 21:00).
pub fn heure_permise(fuseau: Fuseau, at: DateTime<Utc>) -> bool {
    let h = fuseau.to_local(at).hour();
    (HEURE_DEBUT_ENVOIS..HEURE_FIN_ENVOIS).contains(&h)
}

/// `at` if a message may go then, otherwise the next 08:00 local time.
pub fn prochain_moment_permis(fuseau: Fuseau, at: DateTime<Utc>) -> DateTime<Utc> {
    if heure_permise(fuseau, at) {
        return at;
    }
    let local = fuseau.to_local(at);
    let huit = NaiveTime::from_hms_opt(HEURE_DEBUT_ENVOIS, 0, 0).expect("08:00");
    let jour = if local.hour() >= HEURE_FIN_ENVOIS { local.date() + Duration::days(1) } else { local.date() };
    fuseau.to_utc(jour.and_time(huit))
}

/// When the reminder of a session starting at `debut`, planned (or last moved) at `planifiee`,
/// goes: `delai` before, or at once if planned later than that, moved out of the night; `None`
/// when the structure sends none or when that moment is not before the session's start.
pub fn echeance(
    fuseau: Fuseau,
    debut: DateTime<Utc>,
    planifiee: DateTime<Utc>,
    delai: DelaiRappel,
) -> Option<DateTime<Utc>> {
    let avant = delai.duree()?;
    let at = prochain_moment_permis(fuseau, (debut - avant).max(planifiee));
    (at < debut).then_some(at)
}

/// Whether a reminder (first try or retry) may go now: its moment has come, the night is over
/// and the session has not started.
pub fn a_envoyer(fuseau: Fuseau, prevu: DateTime<Utc>, debut: DateTime<Utc>, maintenant: DateTime<Utc>) -> bool {
    maintenant >= prevu && maintenant < debut && heure_permise(fuseau, maintenant)
}

/// Tries in all (the first and the retries) before a reminder is marked « échec ».
pub const ESSAIS_MAX: u32 = 5;

/// After `echecs` failed tries, when the next one goes: 2, 4, 8, 16 minutes later (out of the
/// night); `None` once `ESSAIS_MAX` tries failed or when it would be at or after the start.
pub fn prochain_essai(
    fuseau: Fuseau,
    echecs: u32,
    maintenant: DateTime<Utc>,
    debut: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    if echecs == 0 || echecs >= ESSAIS_MAX {
        return if echecs == 0 { Some(maintenant) } else { None };
    }
    let attente = Duration::minutes(1 << echecs.min(10));
    let at = prochain_moment_permis(fuseau, maintenant + attente);
    (at < debut).then_some(at)
}

// --- mobile numbers

/// French mobile numbers of the overseas départements, by their national prefix (after 0): the
/// international code they are dialled with from abroad.
const OUTRE_MER: &[(&str, &str)] = &[
    ("639", "262"), // Mayotte
    ("690", "590"), // Guadeloupe, Saint-Martin, Saint-Barthélemy
    ("691", "590"),
    ("692", "262"), // La Réunion
    ("693", "262"),
    ("694", "594"), // Guyane
    ("696", "596"), // Martinique
    ("697", "596"),
];

/// A mobile number in international form (`+33612345678`, `+262692123456`), from what was
/// typed (`06 12 34 56 78`, `+33 6…`, `0033 6…`, `0692…`, `+262 692…`), or why not: landlines,
/// special numbers and other countries get no SMS.
pub fn numero_mobile(saisie: &str) -> Result<String, String> {
    let brut: String = saisie.chars().filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')' | '\u{a0}')).collect();
    let (international, chiffres) = if let Some(r) = brut.strip_prefix('+') {
        (true, r.to_string())
    } else if let Some(r) = brut.strip_prefix("00") {
        (true, r.to_string())
    } else {
        (false, brut.clone())
    };
    if chiffres.is_empty() || !chiffres.chars().all(|c| c.is_ascii_digit()) {
        return Err("Ce numéro contient autre chose que des chiffres.".into());
    }
    // Back to the national form 0XXXXXXXXX.
    let national = if !international {
        chiffres
    } else if let Some(r) = chiffres.strip_prefix("33") {
        format!("0{}", r.strip_prefix('0').unwrap_or(r))
    } else if let Some((code, r)) =
        ["262", "590", "594", "596"].iter().find_map(|code| chiffres.strip_prefix(code).map(|r| (*code, r)))
    {
        let r = r.strip_prefix('0').unwrap_or(r);
        if !OUTRE_MER.iter().any(|(p, c)| *c == code && r.starts_with(p)) {
            return Err("Ce numéro d'outre-mer n'est pas un numéro de mobile.".into());
        }
        format!("0{r}")
    } else {
        return Err("Seuls les numéros de mobile français reçoivent un SMS.".into());
    };
    if national.len() != 10 || !national.starts_with('0') {
        return Err("Un numéro de mobile a 10 chiffres, par exemple 06 12 34 56 78.".into());
    }
    let sans_zero = &national[1..];
    if let Some((_, code)) = OUTRE_MER.iter().find(|(p, _)| sans_zero.starts_with(p)) {
        return Ok(format!("+{code}{sans_zero}"));
    }
    match &national[..2] {
        // 0700 is reserved for machines (14-digit numbers), the rest of 07 and 06 are mobiles.
        "07" if national.starts_with("0700") => Err("Ce numéro n'est pas un numéro de mobile.".into()),
        "06" | "07" => Ok(format!("+33{sans_zero}")),
        _ => Err("Ce numéro n'est pas un mobile (06 ou 07) : il ne peut pas recevoir de SMS.".into()),
    }
}

// --- GSM-7 texts

/// The GSM 03.38 basic alphabet (one septet each).
const GSM7_BASE: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// The extension table (two septets each: escape and character).
const GSM7_EXTENSION: &str = "^{}\\[~]|€\u{c}";

/// The length of a text in GSM-7 septets (what an SMS counts), or `None` if a character is not
/// in the GSM-7 alphabet (the SMS would go as UCS-2: 70 characters only).
pub fn septets(texte: &str) -> Option<usize> {
    texte.chars().try_fold(0usize, |n, c| {
        if GSM7_BASE.contains(c) {
            Some(n + 1)
        } else if GSM7_EXTENSION.contains(c) {
            Some(n + 2)
        } else {
            None
        }
    })
}

/// One SMS billed as one: 160 septets.
pub const SMS_SEPTETS_MAX: usize = 160;

/// French text turned into the GSM-7 basic alphabet: accents that GSM-7 lacks lose them
/// (ê → e, ç → c, œ → oe), typographic quotes and dashes become plain ones, anything else
/// unknown becomes a space.
pub fn vers_gsm7(texte: &str) -> String {
    let mut out = String::with_capacity(texte.len());
    for c in texte.chars() {
        if GSM7_BASE.contains(c) && c != '\r' {
            out.push(c);
            continue;
        }
        let r: &str = match c {
            'à' | 'â' | 'á' | 'ã' => "a",
            'À' | 'Â' | 'Á' | 'Ã' => "A",
            'ê' | 'ë' | 'ē' => "e",
            'È' | 'Ê' | 'Ë' => "E",
            'î' | 'ï' | 'í' => "i",
            'Î' | 'Ï' | 'Í' | 'Ì' => "I",
            'ô' | 'ó' | 'õ' => "o",
            'Ô' | 'Ó' | 'Ò' | 'Õ' => "O",
            'û' | 'ú' => "u",
            'Û' | 'Ù' | 'Ú' => "U",
            'ç' => "c",
            'œ' => "oe",
            'Œ' => "OE",
            'ÿ' => "y",
            'Ÿ' => "Y",
            '’' | '‘' | '`' | '´' => "'",
            '«' | '»' | '“' | '”' => "\"",
            '–' | '—' | '‐' | '−' => "-",
            '…' => "...",
            '€' => "EUR",
            '\u{a0}' | '\u{202f}' | '\t' | '\r' => " ",
            _ => " ",
        };
        out.push_str(r);
    }
    out
}

/// The templates of the delivery log: the body is not kept after sending, only which template
/// and version made it.
pub const MODELE_EMAIL: &str = "rappel-seance-email";
pub const MODELE_SMS: &str = "rappel-seance-sms";
pub const VERSION_MODELES: i64 = 1;

/// What a reminder says about one session.
#[derive(Clone, Debug, PartialEq)]
pub struct RappelSeance {
    pub prenom: String,
    /// Paris wall-clock times.
    pub debut: NaiveDateTime,
    pub fin: NaiveDateTime,
    /// Where: the structure, « Chez vous », « À distance, avec … ».
    pub lieu: String,
    /// « Séance 2 sur 5 » (may be empty).
    pub numero: String,
    pub theme: Option<String>,
    pub apporter: Vec<String>,
    pub conseiller: String,
    pub structure: String,
    /// The personal space, where « Je ne pourrai pas venir » is.
    pub lien: String,
}

/// « 14h00 », « 9h30 ».
pub fn heure(t: NaiveDateTime) -> String {
    format!("{}h{:02}", t.hour(), t.minute())
}

/// « mar. 1/12 » : the short date of an SMS.
fn date_sms(d: NaiveDateTime) -> String {
    let jour = &paris::jour(chrono::Datelike::weekday(&d))[..3];
    format!("{jour} {}/{}", chrono::Datelike::day(&d), chrono::Datelike::month(&d))
}

/// The SMS: GSM-7 only and at most 160 septets, so it is billed as one. A place too long is cut
/// (at a word if possible, with « ... »), and the link left out when even then it does not fit.
pub fn texte_sms(r: &RappelSeance) -> String {
    let quand = format!("{} à {}", date_sms(r.debut), heure(r.debut));
    let lieu = vers_gsm7(r.lieu.trim());
    let lien = vers_gsm7(&r.lien);
    let fin_lieu = |lieu: &str| if lieu.ends_with("...") { " " } else { ". " };
    let avec_lien = |lieu: &str| format!("Pass numérique : RDV {quand}, {lieu}{}Pour annuler : {lien}", fin_lieu(lieu));
    let sans_lien = |lieu: &str| {
        format!("Pass numérique : RDV {quand}, {lieu}{}Pour annuler, appelez votre conseiller.", fin_lieu(lieu))
    };
    let tient = |t: &str| septets(t).is_some_and(|n| n <= SMS_SEPTETS_MAX);
    let chars: Vec<char> = lieu.chars().collect();
    // Places cut shorter and shorter: first at word ends, then anywhere; never under 12 characters.
    let coupes: Vec<String> = {
        let mut mots: Vec<usize> =
            (12..chars.len()).filter(|&i| matches!(chars[i], ' ' | '-' | ',' | '(')).rev().collect();
        mots.dedup();
        let tout: Vec<usize> = (12..chars.len()).rev().collect();
        mots.into_iter()
            .chain(tout)
            .map(|i| {
                format!("{}...", chars[..i].iter().collect::<String>().trim_end_matches([' ', '-', ',', '(', '.']))
            })
            .collect()
    };
    for gabarit in [&avec_lien as &dyn Fn(&str) -> String, &sans_lien] {
        if let Some(t) =
            std::iter::once(lieu.clone()).chain(coupes.iter().cloned()).map(|l| gabarit(&l)).find(|t| tient(t))
        {
            return t;
        }
    }
    sans_lien("").chars().take(SMS_SEPTETS_MAX).collect()
}

/// The e-mail, in plain French (FALC: short sentences, one idea per line): subject and body.
pub fn texte_email(r: &RappelSeance) -> (String, String) {
    let jour = paris::date_longue(r.debut.date());
    let sujet = format!("Rappel : votre rendez-vous Pass numérique le {jour} à {}", heure(r.debut));
    let mut corps = String::new();
    corps.push_str(&format!("Bonjour {},\n\n", r.prenom.trim()));
    corps.push_str("Vous avez un rendez-vous pour apprendre le numérique.\n\n");
    corps.push_str(&format!("Quand : le {jour}, de {} à {}.\n", heure(r.debut), heure(r.fin)));
    corps.push_str(&format!("Où : {}.\n", r.lieu.trim()));
    corps.push_str(&format!("Avec : {} ({}).\n", r.conseiller.trim(), r.structure.trim()));
    if !r.numero.is_empty() || r.theme.is_some() {
        let quoi = match (&r.theme, r.numero.is_empty()) {
            (Some(t), false) => format!("{} : {t}", r.numero),
            (Some(t), true) => t.clone(),
            (None, _) => r.numero.clone(),
        };
        corps.push_str(&format!("Quoi : {quoi}.\n"));
    }
    if !r.apporter.is_empty() {
        corps.push_str("\nÀ apporter :\n");
        for a in &r.apporter {
            corps.push_str(&format!("- {a}\n"));
        }
    }
    corps.push_str("\nVous ne pourrez pas venir ?\n");
    corps.push_str(&format!("Cliquez sur « Je ne pourrai pas venir » dans votre espace :\n{}\n", r.lien));
    corps.push_str("Votre conseiller vous proposera une autre date.\n\n");
    corps.push_str("Le rendez-vous est aussi en pièce jointe : ouvrez-la pour l'ajouter à votre agenda.\n\n");
    corps.push_str("Vous ne voulez plus recevoir de rappels ? Vous pouvez les arrêter dans votre espace.\n\n");
    corps.push_str(&format!("À bientôt,\n{}\n", r.structure.trim()));
    (sujet, corps)
}

// --- the conseiller's day

/// The morning e-mail goes from 07:00 (wall clock of the structure's zone) …
pub const HEURE_JOURNEE: u32 = 7;

/// … and only on its own day, before the evening: a list of the day's sessions received at
/// 21:00 or the next day serves nobody.
pub fn jour_de_la_journee(fuseau: Fuseau, maintenant: DateTime<Utc>) -> Option<NaiveDate> {
    let local = fuseau.to_local(maintenant);
    (HEURE_JOURNEE..HEURE_FIN_ENVOIS).contains(&local.hour()).then_some(local.date())
}

/// The template of the morning e-mail (the delivery log keeps no body).
pub const MODELE_JOURNEE: &str = "journee-conseiller-email";

/// One session of the conseiller's day: who, when, where, and what it needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeanceJournee {
    pub seance_id: i64,
    pub parcours_id: i64,
    pub prenom: String,
    /// Wall-clock times in the structure's zone.
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?$"))]
    pub debut: NaiveDateTime,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?$"))]
    pub fin: NaiveDateTime,
    /// « Médiathèque des Capucins », « Chez la personne », « À distance ».
    pub lieu: String,
    /// « Séance 2 sur 5 » (may be empty).
    pub numero: String,
    /// The planned content: the theme of its place in the plan, and its competences.
    pub theme: Option<String>,
    pub competences: Vec<String>,
    /// What to have at hand: the carnet (a pass is validated), the device of the last sessions.
    pub apporter: Vec<String>,
    /// « prevue » or « tenue ».
    pub statut: String,
}

/// `GET /api/v1/journee`: a conseiller's sessions of one day, printable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Journee {
    pub jour: NaiveDate,
    pub conseiller: String,
    pub structure: String,
    pub seances: Vec<SeanceJournee>,
}

/// `GET` and `PUT /api/v1/compte/journee`: whether the conseiller receives the morning e-mail.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct PreferenceJournee {
    pub email_du_matin: bool,
}

/// « 9h00 – 10h00 ».
pub fn heures(s: &SeanceJournee) -> String {
    format!("{} – {}", heure(s.debut), heure(s.fin))
}

/// « Séance 2 sur 5 : Naviguer sur internet », or what there is of it.
pub fn quoi(s: &SeanceJournee) -> String {
    match (&s.theme, s.numero.is_empty()) {
        (Some(t), false) => format!("{} : {t}", s.numero),
        (Some(t), true) => t.clone(),
        (None, false) => s.numero.clone(),
        (None, true) => "Séance".into(),
    }
}

/// The morning e-mail: subject and plain text (`lien`: the printable list in the app).
pub fn texte_journee(j: &Journee, lien: &str) -> (String, String) {
    let jour = paris::date_longue(j.jour);
    let n = j.seances.len();
    let sujet = format!("Vos séances du {jour} : {n} rendez-vous");
    let mut corps = format!("Bonjour {},\n\n", j.conseiller.trim());
    corps.push_str(&format!(
        "Votre journée du {jour} ({}) : {n} séance{}.\n",
        j.structure.trim(),
        if n > 1 { "s" } else { "" }
    ));
    for s in &j.seances {
        corps.push_str(&format!("\n{} : {}\n", heures(s), s.prenom.trim()));
        corps.push_str(&format!("  Où : {}\n", s.lieu.trim()));
        corps.push_str(&format!("  Quoi : {}\n", quoi(s)));
        if !s.competences.is_empty() {
            corps.push_str(&format!("  Compétences : {}\n", s.competences.join(" ; ")));
        }
        if !s.apporter.is_empty() {
            corps.push_str(&format!("  À prévoir : {}\n", s.apporter.join(", ")));
        }
    }
    corps.push_str(&format!("\nLa liste à imprimer : {lien}\n\n"));
    corps.push_str("Vous recevez cet e-mail chaque matin parce que vous l'avez demandé dans « Mon compte » ; vous pouvez l'y arrêter.\n");
    (sujet, corps)
}

// --- what the pages show

/// `GET /api/v1/parcours/{id}/rappels`: the reminder of each session and channel, for the
/// conseiller's sessions page.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EtatRappel {
    pub seance_id: i64,
    /// « email » or « sms ».
    pub canal: String,
    /// « en_attente », « en_cours », « envoye », « echec », « retire ».
    pub etat: String,
    /// « Rappel envoyé par SMS le lundi 15 mars 2027 à 10h02 », « Échec du rappel par e-mail : … ».
    pub texte: String,
}

/// `GET /api/v1/rappels/echecs`: the structure's reminders that failed (coordinateur).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EchecRappel {
    pub seance_id: i64,
    pub parcours_id: i64,
    /// « mardi 16 mars 2027 à 14h00 ».
    pub seance: String,
    pub canal: String,
    pub tentatives: i64,
    /// The last answer of the SMTP server or SMS provider.
    pub reponse: String,
    /// When it was last tried.
    pub le: String,
}

/// `GET` and `PUT /api/v1/structure/rappels`: the structure's choice.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReglageRappels {
    pub delai: DelaiRappel,
}

/// `PUT /api/v1/structure/rappels`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ReglageRappelsRequest {
    pub delai: String,
}

pub fn valider_reglage(req: &ReglageRappelsRequest) -> Result<ReglageRappels, crate::api::FieldErrors> {
    match DelaiRappel::parse(&req.delai) {
        Some(delai) => Ok(ReglageRappels { delai }),
        None => {
            let mut errors = crate::api::FieldErrors::new();
            errors.insert("delai".into(), "Rappels : choisissez 24 heures, 48 heures ou pas de rappel.".into());
            Err(errors)
        }
    }
}

/// A channel in words: « par e-mail », « par SMS ».
pub fn canal_libelle(canal: &str) -> &'static str {
    match canal {
        "sms" => "par SMS",
        _ => "par e-mail",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: Fuseau = Fuseau::Paris;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    /// A Paris wall-clock time (winter: UTC+1).
    fn paris(s: &str) -> DateTime<Utc> {
        paris::to_utc(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap())
    }

    #[test]
    fn night_hours_start_at_21_and_end_at_8() {
        assert!(heure_permise(P, paris("2026-12-08 20:59")));
        assert!(!heure_permise(P, paris("2026-12-08 21:00")));
        assert!(!heure_permise(P, paris("2026-12-09 07:59")));
        assert!(heure_permise(P, paris("2026-12-09 08:00")));
        // 20:59 goes at once; 21:00 and 07:59 wait for 08:00 (the next morning for 21:00).
        assert_eq!(prochain_moment_permis(P, paris("2026-12-08 20:59")), paris("2026-12-08 20:59"));
        assert_eq!(prochain_moment_permis(P, paris("2026-12-08 21:00")), paris("2026-12-09 08:00"));
        assert_eq!(prochain_moment_permis(P, paris("2026-12-08 23:59")), paris("2026-12-09 08:00"));
        assert_eq!(prochain_moment_permis(P, paris("2026-12-09 00:00")), paris("2026-12-09 08:00"));
        assert_eq!(prochain_moment_permis(P, paris("2026-12-09 07:59")), paris("2026-12-09 08:00"));
        // Summer time: the same wall-clock hours.
        assert!(!heure_permise(P, paris("2027-07-01 21:00")));
        assert_eq!(prochain_moment_permis(P, paris("2027-07-01 21:30")), paris("2027-07-02 08:00"));
        assert_eq!(paris("2027-07-02 08:00"), utc("2027-07-02T06:00:00Z"));
    }

    #[test]
    fn due_48_or_24_hours_before() {
        let debut = paris("2026-12-10 14:00");
        let planifiee = paris("2026-12-01 10:00");
        assert_eq!(echeance(P, debut, planifiee, DelaiRappel::H48), Some(paris("2026-12-08 14:00")));
        assert_eq!(echeance(P, debut, planifiee, DelaiRappel::H24), Some(paris("2026-12-09 14:00")));
        assert_eq!(echeance(P, debut, planifiee, DelaiRappel::Aucun), None);
    }

    #[test]
    fn planned_late_it_goes_as_soon_as_planned() {
        let debut = paris("2026-12-10 14:00");
        assert_eq!(echeance(P, debut, paris("2026-12-09 11:15"), DelaiRappel::H48), Some(paris("2026-12-09 11:15")));
        // Planned at 20:59: at once; at 21:00 or later: the next 08:00.
        assert_eq!(echeance(P, debut, paris("2026-12-09 20:59"), DelaiRappel::H48), Some(paris("2026-12-09 20:59")));
        assert_eq!(echeance(P, debut, paris("2026-12-09 21:00"), DelaiRappel::H48), Some(paris("2026-12-10 08:00")));
        assert_eq!(echeance(P, debut, paris("2026-12-10 07:59"), DelaiRappel::H48), Some(paris("2026-12-10 08:00")));
    }

    #[test]
    fn a_reminder_falling_in_the_night_waits_for_8() {
        // A session at 09:00: 48 h before is 09:00, fine; at 22:00, 48 h before is 22:00 → 08:00.
        assert_eq!(
            echeance(P, paris("2026-12-10 22:00"), paris("2026-12-01 10:00"), DelaiRappel::H48),
            Some(paris("2026-12-09 08:00"))
        );
        assert_eq!(
            echeance(P, paris("2026-12-10 07:30"), paris("2026-12-01 10:00"), DelaiRappel::H24),
            Some(paris("2026-12-09 08:00"))
        );
    }

    #[test]
    fn never_after_the_start() {
        // Planned at 22:00 for 07:30 the next morning: 08:00 is too late, no reminder.
        assert_eq!(echeance(P, paris("2026-12-10 07:30"), paris("2026-12-09 22:00"), DelaiRappel::H48), None);
        assert_eq!(echeance(P, paris("2026-12-10 08:00"), paris("2026-12-09 22:00"), DelaiRappel::H48), None);
        // Planned after it started (a session entered afterwards): none.
        assert_eq!(echeance(P, paris("2026-12-10 10:00"), paris("2026-12-10 10:30"), DelaiRappel::H48), None);
        let debut = paris("2026-12-10 14:00");
        assert!(a_envoyer(P, paris("2026-12-10 09:00"), debut, paris("2026-12-10 13:59")));
        assert!(!a_envoyer(P, paris("2026-12-10 09:00"), debut, debut));
        assert!(!a_envoyer(P, paris("2026-12-10 09:00"), debut, paris("2026-12-10 08:59") - Duration::hours(1)));
    }

    #[test]
    fn the_night_is_the_structures_own() {
        // 21:00 in Saint-Denis de La Réunion (UTC+4) is 17:00 UTC, 18:00 in Paris.
        let r = Fuseau::Reunion;
        assert!(heure_permise(r, utc("2026-12-08T16:59:00Z")));
        assert!(!heure_permise(r, utc("2026-12-08T17:00:00Z")));
        assert!(heure_permise(P, utc("2026-12-08T17:00:00Z")));
        assert_eq!(prochain_moment_permis(r, utc("2026-12-08T17:00:00Z")), utc("2026-12-09T04:00:00Z"));
        assert_eq!(
            echeance(r, utc("2026-12-10T06:00:00Z"), utc("2026-12-01T06:00:00Z"), DelaiRappel::H48),
            Some(utc("2026-12-08T06:00:00Z"))
        );
    }

    #[test]
    fn the_job_at_20_59_21_00_and_07_59() {
        let debut = paris("2026-12-10 14:00");
        let prevu = echeance(P, debut, paris("2026-12-01 10:00"), DelaiRappel::H48).unwrap();
        assert!(a_envoyer(P, prevu, debut, paris("2026-12-09 20:59")));
        assert!(!a_envoyer(P, prevu, debut, paris("2026-12-09 21:00")));
        assert!(!a_envoyer(P, prevu, debut, paris("2026-12-10 07:59")));
        assert!(a_envoyer(P, prevu, debut, paris("2026-12-10 08:00")));
    }

    #[test]
    fn retries_back_off_until_the_start() {
        let debut = paris("2026-12-10 14:00");
        let t = paris("2026-12-09 10:00");
        assert_eq!(prochain_essai(P, 0, t, debut), Some(t));
        assert_eq!(prochain_essai(P, 1, t, debut), Some(t + Duration::minutes(2)));
        assert_eq!(prochain_essai(P, 2, t, debut), Some(t + Duration::minutes(4)));
        assert_eq!(prochain_essai(P, 4, t, debut), Some(t + Duration::minutes(16)));
        assert_eq!(prochain_essai(P, ESSAIS_MAX, t, debut), None);
        // At 20:58 a retry 2 minutes later falls in the night: the next morning.
        assert_eq!(prochain_essai(P, 1, paris("2026-12-09 20:58"), debut), Some(paris("2026-12-10 08:00")));
        // Never at or after the start.
        assert_eq!(prochain_essai(P, 1, paris("2026-12-10 13:58"), debut), None);
        assert_eq!(prochain_essai(P, 1, paris("2026-12-10 13:57"), debut), Some(paris("2026-12-10 13:59")));
    }

    #[test]
    fn mobile_numbers() {
        assert_eq!(numero_mobile("06 12 34 56 78").unwrap(), "+33612345678");
        assert_eq!(numero_mobile("07.81.23.45.67").unwrap(), "+33781234567");
        assert_eq!(numero_mobile("+33 6 12 34 56 78").unwrap(), "+33612345678");
        assert_eq!(numero_mobile("+33 (0)6 12 34 56 78").unwrap(), "+33612345678");
        assert_eq!(numero_mobile("0033612345678").unwrap(), "+33612345678");
        // Overseas mobiles: their own country codes.
        assert_eq!(numero_mobile("0690 12 34 56").unwrap(), "+590690123456");
        assert_eq!(numero_mobile("0692 12 34 56").unwrap(), "+262692123456");
        assert_eq!(numero_mobile("0693123456").unwrap(), "+262693123456");
        assert_eq!(numero_mobile("0639 12 34 56").unwrap(), "+262639123456");
        assert_eq!(numero_mobile("0694 12 34 56").unwrap(), "+594694123456");
        assert_eq!(numero_mobile("0696 12 34 56").unwrap(), "+596696123456");
        assert_eq!(numero_mobile("+262 692 12 34 56").unwrap(), "+262692123456");
        assert_eq!(numero_mobile("+596 696 12 34 56").unwrap(), "+596696123456");
        assert_eq!(numero_mobile("+590 690 12 34 56").unwrap(), "+590690123456");
        // Landlines (metropolitan and overseas), special numbers, abroad, rubbish.
        for bad in [
            "01 23 45 67 89",
            "02 98 00 00 00",
            "09 12 34 56 78",
            "08 00 00 00 00",
            "0262 12 34 56",
            "+262 262 12 34 56",
            "+596 596 12 34 56",
            "07 00 12 34 56",
            "+44 7700 900123",
            "06 12 34 56",
            "06 12 34 56 78 9",
            "",
            "zéro six",
        ] {
            assert!(numero_mobile(bad).is_err(), "{bad} accepté");
        }
    }

    #[test]
    fn gsm7_counting_and_conversion() {
        assert_eq!(septets("Bonjour"), Some(7));
        assert_eq!(septets("é è ù à"), Some(7), "in the basic alphabet");
        assert_eq!(septets("5 €"), Some(4), "the euro sign takes two");
        assert_eq!(septets("être"), None, "ê is not GSM-7");
        assert_eq!(vers_gsm7("Fête à l’Œuvre « ça » – 10 €"), "Fete à l'OEuvre \" ca \" - 10 EUR");
        assert!(septets(&vers_gsm7("Île-de-France, Noël, Aÿ-Champagne, Ça")).is_some());
    }

    fn rappel(lieu: &str) -> RappelSeance {
        RappelSeance {
            prenom: "Zoé".into(),
            debut: NaiveDateTime::parse_from_str("2026-12-10 14:00", "%Y-%m-%d %H:%M").unwrap(),
            fin: NaiveDateTime::parse_from_str("2026-12-10 15:00", "%Y-%m-%d %H:%M").unwrap(),
            lieu: lieu.into(),
            numero: "Séance 2 sur 5".into(),
            theme: Some("Naviguer sur internet".into()),
            apporter: vec!["Votre carnet de Pass numérique".into(), "Votre téléphone portable, chargé".into()],
            conseiller: "Camille".into(),
            structure: "Médiathèque des Capucins".into(),
            lien: "https://carnet.exemple.fr/espace/#Xo3kq9V0b1yGc2d8mEeLrT".into(),
        }
    }

    /// The longest names a session's place can carry: the longest commune names of France and
    /// long structure names.
    const LIEUX_LONGS: &[&str] = &[
        "Médiathèque des Capucins",
        "Saint-Remy-en-Bouzemont-Saint-Genest-et-Isson",
        "Centre communal d'action sociale de Saint-Germain-de-Tallevende-la-Lande-Vaumont",
        "Maison France Services de la Communauté de communes Cœur de Chartreuse — Saint-Laurent-du-Pont (Isère), accueil du rez-de-chaussée",
        "À distance, avec l'Espace public numérique intercommunal de Châteauneuf-lès-Martigues",
        "Chez vous",
    ];

    #[test]
    fn sms_fit_in_one_gsm7_message() {
        let mut plus_long = 0;
        for lieu in LIEUX_LONGS {
            let t = texte_sms(&rappel(lieu));
            let n = septets(&t).expect("GSM-7 only");
            assert!(n <= SMS_SEPTETS_MAX, "{n} septets : {t}");
            plus_long = plus_long.max(n);
            assert!(t.contains("jeu 10/12 à 14h00"), "{t}");
            println!("{n} septets : {t}");
        }
        // A short place keeps the link whole.
        let t = texte_sms(&rappel("Chez vous"));
        assert!(t.ends_with(&rappel("").lien), "{t}");
        assert_eq!(plus_long, SMS_SEPTETS_MAX.min(plus_long));
        // A link too long for any place: the SMS says to call instead.
        let mut r = rappel("Médiathèque");
        r.lien = format!("https://carnet.exemple.fr/espace/#{}", "x".repeat(150));
        let t = texte_sms(&r);
        assert!(septets(&t).unwrap() <= SMS_SEPTETS_MAX);
        assert!(t.contains("appelez votre conseiller"), "{t}");
    }

    #[test]
    fn the_email_says_when_where_what_to_bring_and_how_to_cancel() {
        let (sujet, corps) = texte_email(&rappel("Médiathèque des Capucins"));
        assert_eq!(sujet, "Rappel : votre rendez-vous Pass numérique le jeudi 10 décembre 2026 à 14h00");
        assert!(corps.starts_with("Bonjour Zoé,"));
        assert!(corps.contains("Quand : le jeudi 10 décembre 2026, de 14h00 à 15h00."));
        assert!(corps.contains("Où : Médiathèque des Capucins."));
        assert!(corps.contains("- Votre carnet de Pass numérique"));
        assert!(corps.contains("« Je ne pourrai pas venir »"));
        assert!(corps.contains("https://carnet.exemple.fr/espace/#"));
    }

    #[test]
    fn the_morning_list_goes_from_7_until_21_on_its_own_day() {
        assert_eq!(jour_de_la_journee(P, paris("2026-12-09 06:59")), None);
        assert_eq!(
            jour_de_la_journee(P, paris("2026-12-09 07:00")),
            Some(chrono::NaiveDate::from_ymd_opt(2026, 12, 9).unwrap())
        );
        assert_eq!(
            jour_de_la_journee(P, paris("2026-12-09 20:59")),
            Some(chrono::NaiveDate::from_ymd_opt(2026, 12, 9).unwrap())
        );
        assert_eq!(jour_de_la_journee(P, paris("2026-12-09 21:00")), None);
        assert_eq!(jour_de_la_journee(P, paris("2026-12-10 00:30")), None, "never for the day gone by");
        // 07:00 in La Réunion is 03:00 UTC, the middle of the night in Paris.
        let r = Fuseau::Reunion;
        assert_eq!(
            jour_de_la_journee(r, utc("2026-12-09T03:00:00Z")),
            Some(chrono::NaiveDate::from_ymd_opt(2026, 12, 9).unwrap())
        );
        assert_eq!(jour_de_la_journee(P, utc("2026-12-09T03:00:00Z")), None);
    }

    #[test]
    fn the_morning_email_lists_each_session() {
        let debut = NaiveDateTime::parse_from_str("2026-12-10 09:30", "%Y-%m-%d %H:%M").unwrap();
        let s = SeanceJournee {
            seance_id: 1,
            parcours_id: 2,
            prenom: "Zoé".into(),
            debut,
            fin: debut + Duration::hours(1),
            lieu: "Médiathèque des Capucins".into(),
            numero: "Séance 2 sur 5".into(),
            theme: Some("Naviguer sur internet".into()),
            competences: vec!["1.1 Mener une recherche et une veille d'information".into()],
            apporter: vec!["carnet de Pass numérique".into(), "téléphone portable".into()],
            statut: "prevue".into(),
        };
        let j = Journee {
            jour: debut.date(),
            conseiller: "Camille".into(),
            structure: "Médiathèque des Capucins".into(),
            seances: vec![s],
        };
        let (sujet, corps) = texte_journee(&j, "https://carnet.exemple.fr/journee");
        assert_eq!(sujet, "Vos séances du jeudi 10 décembre 2026 : 1 rendez-vous");
        assert!(corps.starts_with("Bonjour Camille,"), "{corps}");
        assert!(
            corps.contains(
                "9h30 – 10h30 : Zoé\n  Où : Médiathèque des Capucins\n  Quoi : Séance 2 sur 5 : Naviguer sur internet"
            ),
            "{corps}"
        );
        assert!(corps.contains("À prévoir : carnet de Pass numérique, téléphone portable"), "{corps}");
        assert!(corps.contains("https://carnet.exemple.fr/journee"));
    }

    #[test]
    fn delays_read_and_written() {
        for d in DelaiRappel::TOUS {
            assert_eq!(DelaiRappel::parse(d.code()), Some(d));
            assert_eq!(serde_json::to_string(&d).unwrap(), format!("\"{}\"", d.code()));
        }
        assert_eq!(DelaiRappel::parse("12h"), None);
        assert_eq!(DelaiRappel::default(), DelaiRappel::H48);
    }
}
