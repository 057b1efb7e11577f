//! A session of a parcours: its states, and the forms of the séances step — held (with the
//! pass), the session report, absent, moved, and a validation cancelled.

use crate::api::FieldErrors;
use crate::coop;
use crate::parcours::diagnostic::{valider_texte, TEXTE_MAX};
use crate::parcours::planning::{self, valider_date_heure, Bornes, Partie};
use crate::pass_code::PassCode;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StatutSeance {
    Prevue,
    Tenue,
    AbsenteExcusee,
    AbsenteNonExcusee,
}

impl StatutSeance {
    pub const TOUS: [StatutSeance; 4] =
        [StatutSeance::Prevue, StatutSeance::Tenue, StatutSeance::AbsenteExcusee, StatutSeance::AbsenteNonExcusee];

    pub fn code(self) -> &'static str {
        match self {
            StatutSeance::Prevue => "prevue",
            StatutSeance::Tenue => "tenue",
            StatutSeance::AbsenteExcusee => "absente_excusee",
            StatutSeance::AbsenteNonExcusee => "absente_non_excusee",
        }
    }

    pub fn parse(code: &str) -> Option<StatutSeance> {
        StatutSeance::TOUS.into_iter().find(|s| s.code() == code)
    }

    pub fn libelle(self) -> &'static str {
        match self {
            StatutSeance::Prevue => "Prévue",
            StatutSeance::Tenue => "Tenue",
            StatutSeance::AbsenteExcusee => "Absence excusée",
            StatutSeance::AbsenteNonExcusee => "Absence non excusée",
        }
    }

    /// The Coop's appointment status (`rdv_status`) for the same situation.
    pub fn rdv_status(self) -> &'static str {
        match self {
            StatutSeance::Prevue => "unknown",
            StatutSeance::Tenue => "seen",
            StatutSeance::AbsenteExcusee => "excused",
            StatutSeance::AbsenteNonExcusee => "noshow",
        }
    }

    pub fn est_absence(self) -> bool {
        matches!(self, StatutSeance::AbsenteExcusee | StatutSeance::AbsenteNonExcusee)
    }
}

/// « Séance tenue »: the pass code (typed or scanned), when the session actually took place, and
/// — for a session planned later — the explicit « it took place earlier than planned ».
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct TenueRequest {
    pub code: String,
    pub date: String,
    pub heure: String,
    pub plus_tot: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ValidTenue {
    pub code: PassCode,
    pub debut: NaiveDateTime,
}

/// Minutes a session's start may lie after the clock: the conseillère validates as the person
/// sits down, and two devices' clocks never agree to the second.
pub const TOLERANCE_MINUTES: i64 = 15;

/// Whether a session planned at `prevue` has not happened yet at `maintenant` (Paris time).
pub fn pas_encore_eu_lieu(prevue: NaiveDateTime, maintenant: NaiveDateTime) -> bool {
    prevue > maintenant + chrono::Duration::minutes(TOLERANCE_MINUTES)
}

/// A session is held at an instant already past (Paris time, with [`TOLERANCE_MINUTES`]), never
/// later: a pass pays for a session that happened. A session planned later (`prevue` still ahead)
/// is held early only when the form says so explicitly (`plus_tot`), at its real date and hour.
pub fn valider_tenue(
    req: &TenueRequest,
    duree_minutes: u32,
    bornes: Bornes,
    maintenant: NaiveDateTime,
    prevue: Option<NaiveDateTime>,
) -> Result<ValidTenue, FieldErrors> {
    let mut errors = FieldErrors::new();
    let aujourdhui = maintenant.date();
    let code = match PassCode::parse(&req.code) {
        Ok(c) => Some(c),
        Err(e) => {
            errors.insert("code".into(), format!("Code du pass : {e}"));
            None
        }
    };
    let debut = match valider_date_heure(
        &req.date,
        &req.heure,
        duree_minutes,
        Bornes { fin_validite: bornes.fin_validite.max(aujourdhui), ..bornes },
        "Date de la séance",
    ) {
        Ok(dt) if dt.date() > aujourdhui => {
            errors.insert(
                "date".into(),
                "Date de la séance : une séance tenue a eu lieu aujourd'hui ou avant ; pour une date future, déplacez la séance.".into(),
            );
            None
        }
        Ok(dt) if pas_encore_eu_lieu(dt, maintenant) => {
            errors.insert(
                "heure".into(),
                format!(
                    "Heure de la séance : {} n'est pas encore passée (il est {}) ; une séance se valide une fois commencée.",
                    planning::heure(dt.time()),
                    planning::heure(maintenant.time())
                ),
            );
            None
        }
        Ok(dt) => Some(dt),
        Err((partie, m)) => {
            errors.insert(if partie == Partie::Heure { "heure" } else { "date" }.into(), m);
            None
        }
    };
    if let Some(p) = prevue {
        if pas_encore_eu_lieu(p, maintenant) && !req.plus_tot {
            errors.insert(
                "plus_tot".into(),
                format!(
                    "Cette séance est prévue le {} à {} : si elle a déjà eu lieu, cochez « La séance a eu lieu plus tôt que prévu » et indiquez sa date et son heure réelles.",
                    crate::paris::date_longue(p.date()),
                    planning::heure(p.time())
                ),
            );
        }
    }
    match (code, debut) {
        (Some(code), Some(debut)) if errors.is_empty() => Ok(ValidTenue { code, debut }),
        _ => Err(errors),
    }
}

/// The session report, in the Coop's vocabulary (thématiques, duration, materiel, autonomy).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct CompteRendu {
    pub thematiques: Vec<String>,
    pub duree_minutes: String,
    pub materiel: Vec<String>,
    pub autonomie: String,
    pub notes: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ValidCompteRendu {
    pub thematiques: Vec<String>,
    pub duree_minutes: u32,
    pub materiel: Vec<String>,
    pub autonomie: Option<String>,
    pub notes: String,
}

pub fn valider_compte_rendu(req: &CompteRendu) -> Result<ValidCompteRendu, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut thematiques: Vec<String> = Vec::new();
    for t in &req.thematiques {
        if !coop::contains(coop::THEMATIQUES_MEDIATION_NUMERIQUE, t) {
            errors.insert("thematiques".into(), format!("Thématiques : « {t} » n'est pas dans la liste."));
        } else if !thematiques.contains(t) {
            thematiques.push(t.clone());
        }
    }
    if req.thematiques.is_empty() {
        errors.insert("thematiques".into(), "Thématiques : cochez au moins une thématique abordée.".into());
    }
    let duree = planning::valider_duree(&mut errors, "duree_minutes", &req.duree_minutes);
    let mut materiel: Vec<String> = Vec::new();
    for m in &req.materiel {
        if !coop::contains(coop::MATERIEL, m) {
            errors.insert("materiel".into(), format!("Matériel : « {m} » n'est pas dans la liste."));
        } else if !materiel.contains(m) {
            materiel.push(m.clone());
        }
    }
    if materiel.contains(&"aucun".to_string()) && materiel.len() > 1 {
        errors.insert("materiel".into(), "Matériel : « Pas de matériel » ne va pas avec un autre choix.".into());
    }
    let autonomie = match req.autonomie.trim() {
        "" => None,
        a if coop::contains(coop::AUTONOMIE, a) => Some(a.to_string()),
        _ => {
            errors.insert("autonomie".into(), "Autonomie : choisissez une valeur de la liste.".into());
            None
        }
    };
    let notes = valider_texte(&mut errors, "notes", "Notes", &req.notes, TEXTE_MAX);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ValidCompteRendu { thematiques, duree_minutes: duree.expect("checked"), materiel, autonomie, notes })
}

/// « Absente »: excused or not; a replacement session after the last one, if wanted.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct AbsenceRequest {
    /// `absente_excusee` or `absente_non_excusee`.
    pub statut: String,
    pub remplacement: bool,
}

pub fn valider_absence(req: &AbsenceRequest) -> Result<StatutSeance, FieldErrors> {
    match StatutSeance::parse(req.statut.trim()) {
        Some(s) if s.est_absence() => Ok(s),
        _ => {
            let mut e = FieldErrors::new();
            e.insert("statut".into(), "Absence : indiquez si elle est excusée ou non.".into());
            Err(e)
        }
    }
}

/// Cancelling a validation: the reason is required (it goes to the audit log).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct AnnulationRequest {
    pub motif: String,
}

pub const MOTIF_MAX: usize = 300;

pub fn valider_annulation(req: &AnnulationRequest) -> Result<String, FieldErrors> {
    let mut errors = FieldErrors::new();
    let motif = valider_texte(&mut errors, "motif", "Motif", &req.motif, MOTIF_MAX);
    if motif.chars().count() < 3 && errors.is_empty() {
        errors.insert("motif".into(), "Motif : expliquez pourquoi la validation est annulée.".into());
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(motif)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn bornes() -> Bornes {
        Bornes {
            debut: d("2026-11-20"),
            fin_validite: d("2027-06-30"),
            aujourdhui: d("2026-12-01"),
            calendrier: crate::fuseau::Calendrier::METROPOLE,
        }
    }

    fn code() -> String {
        PassCode::from_random([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]).display()
    }

    #[test]
    fn statuses_round_trip_and_map_to_the_coop() {
        for s in StatutSeance::TOUS {
            assert_eq!(StatutSeance::parse(s.code()), Some(s));
            assert!(coop::contains(coop::RDV_STATUS, s.rdv_status()));
        }
        assert!(StatutSeance::AbsenteExcusee.est_absence());
        assert!(!StatutSeance::Tenue.est_absence());
    }

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn a_session_is_held_today_or_before_with_a_valid_code() {
        let now = at("2026-12-01 16:00");
        let ok = TenueRequest {
            code: code().to_lowercase(),
            date: "2026-12-01".into(),
            heure: "14:00".into(),
            plus_tot: false,
        };
        let v = valider_tenue(&ok, 60, bornes(), now, None).unwrap();
        assert_eq!(v.code.display(), code());
        let mut r = ok.clone();
        r.date = "2026-12-02".into();
        assert!(valider_tenue(&r, 60, bornes(), now, None).unwrap_err()["date"].contains("déplacez"));
        let mut r = ok.clone();
        r.code = "ABCD".into();
        assert!(valider_tenue(&r, 60, bornes(), now, None).unwrap_err()["code"].starts_with("Code du pass : "));
        let mut r = ok.clone();
        r.heure = "".into();
        assert!(valider_tenue(&r, 60, bornes(), now, None).unwrap_err().contains_key("heure"));
        // After the end of validity the date is accepted here: the pass check says « expiré ».
        let late = TenueRequest { date: "2027-07-02".into(), ..ok };
        assert!(valider_tenue(&late, 60, bornes(), at("2027-07-02 18:00"), None).is_ok());
    }

    #[test]
    fn a_session_is_held_only_once_its_hour_has_come() {
        // 07:29 on the day: 10:00 and 20:00 have not come; 07:40 is within the tolerance.
        let now = at("2026-12-02 07:29");
        let req = |heure: &str| TenueRequest {
            code: code(),
            date: "2026-12-02".into(),
            heure: heure.into(),
            plus_tot: false,
        };
        for heure in ["10:00", "20:00", "07:45"] {
            let e = valider_tenue(&req(heure), 60, bornes(), now, None).unwrap_err();
            assert!(e["heure"].contains("n'est pas encore passée (il est 07h29)"), "{heure}: {e:?}");
        }
        for heure in ["07:44", "07:00"] {
            assert!(valider_tenue(&req(heure), 60, bornes(), now, None).is_ok(), "{heure}");
        }
    }

    #[test]
    fn a_session_planned_later_is_held_early_only_when_said_so() {
        let now = at("2026-12-02 07:29");
        let prevue = at("2026-12-09 10:00");
        let mut r = TenueRequest { code: code(), date: "2026-12-02".into(), heure: "07:00".into(), plus_tot: false };
        let e = valider_tenue(&r, 60, bornes(), now, Some(prevue)).unwrap_err();
        assert!(e["plus_tot"].starts_with("Cette séance est prévue le mercredi 9 décembre 2026 à 10h00"), "{e:?}");
        assert_eq!(e.len(), 1);
        r.plus_tot = true;
        assert_eq!(valider_tenue(&r, 60, bornes(), now, Some(prevue)).unwrap().debut, at("2026-12-02 07:00"));
        // Planned this morning, or in ten minutes: it is its time, nothing to tick.
        r.plus_tot = false;
        for p in ["2026-12-02 07:00", "2026-12-02 07:39", "2026-11-30 10:00"] {
            assert!(valider_tenue(&r, 60, bornes(), now, Some(at(p))).is_ok(), "{p}");
        }
        assert!(valider_tenue(&r, 60, bornes(), now, Some(at("2026-12-02 07:45"))).is_err());
    }

    #[test]
    fn session_report() {
        let ok = CompteRendu {
            thematiques: vec!["email".into(), "email".into(), "navigation_sur_internet".into()],
            duree_minutes: "90".into(),
            materiel: vec!["telephone".into()],
            autonomie: "partiellement_autonome".into(),
            notes: "A créé son adresse.".into(),
        };
        let v = valider_compte_rendu(&ok).unwrap();
        assert_eq!(v.thematiques, vec!["email".to_string(), "navigation_sur_internet".to_string()]);
        assert_eq!(v.duree_minutes, 90);
        let cases: Vec<(&str, Box<dyn Fn(&mut CompteRendu)>)> = vec![
            ("thematiques", Box::new(|r| r.thematiques.clear())),
            ("thematiques", Box::new(|r| r.thematiques = vec!["tricot".into()])),
            ("duree_minutes", Box::new(|r| r.duree_minutes = "".into())),
            ("duree_minutes", Box::new(|r| r.duree_minutes = "600".into())),
            ("materiel", Box::new(|r| r.materiel = vec!["aucun".into(), "tablette".into()])),
            ("materiel", Box::new(|r| r.materiel = vec!["fax".into()])),
            ("autonomie", Box::new(|r| r.autonomie = "expert".into())),
            ("notes", Box::new(|r| r.notes = "x".repeat(TEXTE_MAX + 1))),
        ];
        for (field, change) in cases {
            let mut r = ok.clone();
            change(&mut r);
            let e = valider_compte_rendu(&r).unwrap_err();
            assert!(e.contains_key(field), "{field}: {e:?}");
            assert_eq!(e.len(), 1, "{field}: {e:?}");
        }
    }

    #[test]
    fn absence_and_cancellation_forms() {
        assert_eq!(
            valider_absence(&AbsenceRequest { statut: "absente_excusee".into(), remplacement: true }),
            Ok(StatutSeance::AbsenteExcusee)
        );
        assert!(valider_absence(&AbsenceRequest { statut: "tenue".into(), remplacement: false }).is_err());
        assert_eq!(
            valider_annulation(&AnnulationRequest { motif: " Erreur de pass ".into() }),
            Ok("Erreur de pass".into())
        );
        assert!(valider_annulation(&AnnulationRequest { motif: " ".into() }).unwrap_err().contains_key("motif"));
    }
}
