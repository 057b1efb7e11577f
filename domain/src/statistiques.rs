//! Activity statistics in the Coop's vocabulary, and what only Carnet knows: the rules (duration
//! buckets, age bands, percentages that add up to 100, the period a request may ask for) and the
//! JSON shapes the server sends and the app draws.

use crate::api::FieldErrors;
use crate::coop::{self, Vocabulaire};
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// The Coop's duration buckets, [0, 30), [30, 60), [60, 120), [120, ∞): a 30-minute session is
/// in the second one.
pub const TRANCHES_DUREE: Vocabulaire = &[
    ("moins_de_30", "Moins de 30 min"),
    ("30_a_60", "30min à 1 h"),
    ("60_a_120", "1 h à 2 h"),
    ("120_et_plus", "2 h et plus"),
];

/// The bucket (a `TRANCHES_DUREE` value) of a session of `minutes`.
pub fn tranche_duree(minutes: u32) -> &'static str {
    let rang = [30, 60, 120].iter().filter(|&&borne| minutes >= borne).count();
    TRANCHES_DUREE[rang].0
}

/// The age band counted for a person: recomputed from the year of birth when it is known (the
/// band recorded at intake ages with the person), else the band recorded, else « non communiqué ».
pub fn tranche_age_retenue(
    annee_naissance: Option<i32>,
    tranche_enregistree: Option<&str>,
    annee: i32,
) -> &'static str {
    match (annee_naissance, tranche_enregistree) {
        (Some(naissance), _) if naissance <= annee => coop::tranche_age(naissance, annee),
        (_, Some(t)) => coop::TRANCHE_AGE.iter().find(|(v, _)| *v == t).map(|(v, _)| *v).unwrap_or("non_communique"),
        _ => "non_communique",
    }
}

/// Whole percentages of each count in their sum, rounded so that they add up to exactly 100
/// (largest remainder: each share is rounded down, then the points left go to the largest
/// remainders, ties to the first). All zero when the sum is zero.
pub fn pourcentages(nombres: &[u64]) -> Vec<u32> {
    let total: u128 = nombres.iter().map(|&n| n as u128).sum();
    if total == 0 {
        return vec![0; nombres.len()];
    }
    let mut parts: Vec<u32> = nombres.iter().map(|&n| (n as u128 * 100 / total) as u32).collect();
    let mut restes: Vec<(u128, usize)> =
        nombres.iter().enumerate().map(|(i, &n)| (n as u128 * 100 % total, i)).collect();
    // Largest remainder first; among equal remainders, the first line.
    restes.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let manquants = 100 - parts.iter().sum::<u32>();
    for &(_, i) in restes.iter().take(manquants as usize) {
        parts[i] += 1;
    }
    parts
}

/// The Coop writes its labels with the typographic apostrophe (« Lieu d’activité »); the
/// reference vocabulary file has the straight one.
pub fn typographique(libelle: &str) -> String {
    libelle.replace('\'', "’")
}

/// One line of a block: a value, its label, how many, and its share of the block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ligne {
    pub valeur: String,
    pub libelle: String,
    pub nombre: u64,
    pub pourcentage: u32,
}

/// A block's lines from (value, label, count), with percentages adding up to 100.
pub fn lignes(comptes: Vec<(String, String, u64)>) -> Vec<Ligne> {
    let parts = pourcentages(&comptes.iter().map(|c| c.2).collect::<Vec<_>>());
    comptes
        .into_iter()
        .zip(parts)
        .map(|((valeur, libelle, nombre), pourcentage)| Ligne { valeur, libelle, nombre, pourcentage })
        .collect()
}

/// The lines of a closed vocabulary, in its order (zeros included), from a count per value.
pub fn lignes_vocabulaire(vocabulaire: Vocabulaire, nombre: impl Fn(&str) -> u64) -> Vec<Ligne> {
    lignes(vocabulaire.iter().map(|(v, l)| (v.to_string(), typographique(l), nombre(v))).collect())
}

/// The median of a list of counts (the mean of the two middle ones for an even length).
pub fn mediane(valeurs: &[u32]) -> Option<f64> {
    let mut v = valeurs.to_vec();
    v.sort_unstable();
    match v.len() {
        0 => None,
        n if n % 2 == 1 => Some(v[n / 2] as f64),
        n => Some((v[n / 2 - 1] as f64 + v[n / 2] as f64) / 2.0),
    }
}

/// The longest period one request may cover.
pub const PERIODE_MAX_ANNEES: u32 = 5;

/// A validated period: both bounds included, either may be open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Periode {
    pub du: Option<NaiveDate>,
    pub au: Option<NaiveDate>,
}

fn date(champ: &str, texte: Option<&str>, erreurs: &mut FieldErrors) -> Option<NaiveDate> {
    let texte = texte.map(str::trim).filter(|t| !t.is_empty())?;
    match NaiveDate::parse_from_str(texte, "%Y-%m-%d") {
        Ok(d) if (2000..=2100).contains(&d.year()) => Some(d),
        Ok(_) => {
            erreurs.insert(champ.into(), "La date doit être comprise entre 2000 et 2100.".into());
            None
        }
        Err(_) => {
            erreurs.insert(champ.into(), "Date invalide : attendu AAAA-MM-JJ (par exemple 2026-11-30).".into());
            None
        }
    }
}

/// The period of `du` and `au` (`AAAA-MM-JJ`, each optional): `au` may not come before `du`, and
/// the period may not exceed five years. Errors name the field.
pub fn valider_periode(du: Option<&str>, au: Option<&str>) -> Result<Periode, FieldErrors> {
    let mut erreurs = FieldErrors::new();
    let du = date("du", du, &mut erreurs);
    let au = date("au", au, &mut erreurs);
    if let (Some(d), Some(a)) = (du, au) {
        if a < d {
            erreurs.insert("au".into(), "La fin de la période (au) est avant son début (du).".into());
        } else if d.checked_add_months(Months::new(12 * PERIODE_MAX_ANNEES)).is_none_or(|max| a > max) {
            erreurs.insert("au".into(), format!("La période ne peut pas dépasser {PERIODE_MAX_ANNEES} ans."));
        }
    }
    if erreurs.is_empty() {
        Ok(Periode { du, au })
    } else {
        Err(erreurs)
    }
}

/// The first day of the month of `d`.
pub fn debut_du_mois(d: NaiveDate) -> NaiveDate {
    d.with_day(1).expect("le 1er existe")
}

/// The 12 months ending with the month of `fin`, oldest first: (first day, label `MM/YY`).
pub fn douze_mois(fin: NaiveDate) -> Vec<(NaiveDate, String)> {
    let dernier = debut_du_mois(fin);
    (0..12u32)
        .rev()
        .map(|k| {
            let m = dernier - Months::new(k);
            (m, m.format("%m/%y").to_string())
        })
        .collect()
}

/// The 30 days ending with `fin`, oldest first: (day, label `DD/MM`).
pub fn trente_jours(fin: NaiveDate) -> Vec<(NaiveDate, String)> {
    (0..30i64)
        .rev()
        .map(|k| {
            let d = fin - chrono::Duration::days(k);
            (d, d.format("%d/%m").to_string())
        })
        .collect()
}

/// The filters of the statistics and exports, as the address carries them (all optional text,
/// checked by the server so that a bad value gets a message naming its field).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct FiltresStatistiques {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub du: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub au: Option<String>,
    /// A conseiller's user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conseiller: Option<String>,
    /// A structure's id: the place where its conseillers receive people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lieu: Option<String>,
    /// A commune's INSEE code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commune: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub departement: Option<String>,
    /// A `coop::TYPE_LIEU` value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_lieu: Option<String>,
}

impl FiltresStatistiques {
    /// The query string (without `?`), values percent-encoded.
    pub fn query(&self) -> String {
        let champs = [
            ("du", &self.du),
            ("au", &self.au),
            ("conseiller", &self.conseiller),
            ("lieu", &self.lieu),
            ("commune", &self.commune),
            ("departement", &self.departement),
            ("type_lieu", &self.type_lieu),
        ];
        champs
            .iter()
            .filter_map(|(k, v)| v.as_deref().filter(|v| !v.is_empty()).map(|v| format!("{k}={}", encoder(v))))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// `v` percent-encoded for a query string (all but the unreserved characters).
pub fn encoder(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One bar of the « Nombre d’accompagnements » chart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Barre {
    /// `MM/YY` for a month, `DD/MM` for a day.
    pub libelle: String,
    pub debut: NaiveDate,
    pub nombre: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Generales {
    /// Held sessions, one per participant (a parcours session has one).
    pub accompagnements: u64,
    /// Distinct people accompanied.
    pub beneficiaires: u64,
    /// People with their identity kept.
    pub beneficiaires_suivis: u64,
    /// People anonymised since (their sessions still count).
    pub beneficiaires_anonymes: u64,
    /// People whose first session (in the scope) falls in the period; only when both bounds are set.
    pub nouveaux_beneficiaires: Option<u64>,
    /// Sessions in the 12 months ending with the period's end (or today), the other filters applied.
    pub accompagnements_12_mois: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BlocsBeneficiaires {
    pub genres: Vec<Ligne>,
    pub tranches_age: Vec<Ligne>,
    pub statuts: Vec<Ligne>,
    pub communes: Vec<Ligne>,
}

/// Passes consumed by sessions in one month (`AAAA-MM`), and their face value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PassesDuMois {
    pub mois: String,
    pub nombre: u64,
    pub valeur_centimes: i64,
}

/// For the parcours completed in the period, per competence domain: how many competences were
/// assessed at both the first and the final diagnostic, and how many of them rose.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProgressionDomaine {
    pub code: String,
    pub titre: String,
    pub evaluees: u64,
    pub en_progression: u64,
    /// `en_progression` in `evaluees`, rounded; 0 when none were assessed.
    pub pourcentage: u32,
}

/// The share, in whole percent, of `part` in `total` (0 when `total` is 0).
pub fn part(part: u64, total: u64) -> u32 {
    if total == 0 {
        0
    } else {
        ((part as u128 * 200 + total as u128) / (total as u128 * 2)) as u32
    }
}

/// What only Carnet knows.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatistiquesCarnet {
    pub passes_par_mois: Vec<PassesDuMois>,
    pub passes_total: u64,
    pub valeur_totale_centimes: i64,
    /// Parcours started in the period.
    pub parcours_ouverts: u64,
    /// Parcours completed (bilan done) in the period.
    pub parcours_termines: u64,
    /// Parcours closed before their end in the period.
    pub parcours_abandonnes: u64,
    /// Median number of held sessions of the parcours completed in the period.
    pub mediane_seances_par_parcours: Option<f64>,
    pub progression_competences: Vec<ProgressionDomaine>,
}

/// `GET /api/v1/statistiques`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Statistiques {
    pub periode: Periode,
    /// The day the « last 12 months » and « last 30 days » charts end on.
    pub reference: Option<NaiveDate>,
    pub generales: Generales,
    pub par_mois: Vec<Barre>,
    pub par_jour: Vec<Barre>,
    /// Accompagnements individuels / ateliers collectifs.
    pub types: Vec<Ligne>,
    pub thematiques: Vec<Ligne>,
    pub thematiques_demarches: Vec<Ligne>,
    pub materiel: Vec<Ligne>,
    pub canaux: Vec<Ligne>,
    pub durees: Vec<Ligne>,
    /// All places, most sessions first (the page shows the first five, then all).
    pub lieux: Vec<Ligne>,
    pub communes: Vec<Ligne>,
    pub beneficiaires: BlocsBeneficiaires,
    /// Per conseiller, for a coordinateur and an administrator.
    pub par_conseiller: Option<Vec<Ligne>>,
    pub carnet: StatistiquesCarnet,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duration_bucket_edges() {
        let cases = [
            (0, "moins_de_30"),
            (29, "moins_de_30"),
            (30, "30_a_60"),
            (59, "30_a_60"),
            (60, "60_a_120"),
            (119, "60_a_120"),
            (120, "120_et_plus"),
            (600, "120_et_plus"),
        ];
        for (minutes, tranche) in cases {
            assert_eq!(tranche_duree(minutes), tranche, "{minutes} min");
        }
        assert_eq!(coop::label(TRANCHES_DUREE, "30_a_60"), Some("30min à 1 h"));
    }

    #[test]
    fn age_band_from_the_year_of_birth_first_then_the_recorded_band() {
        // Born 2008: 18 in 2026 although recorded as 12-17 at intake in 2025.
        assert_eq!(tranche_age_retenue(Some(2008), Some("douze_dix_huit"), 2026), "dix_huit_vingt_quatre");
        assert_eq!(tranche_age_retenue(Some(2009), None, 2026), "douze_dix_huit");
        assert_eq!(tranche_age_retenue(Some(1956), None, 2026), "soixante_dix_plus");
        assert_eq!(tranche_age_retenue(Some(1957), None, 2026), "soixante_soixante_neuf");
        assert_eq!(tranche_age_retenue(None, Some("vingt_cinq_trente_neuf"), 2026), "vingt_cinq_trente_neuf");
        assert_eq!(tranche_age_retenue(None, Some("inconnue"), 2026), "non_communique");
        assert_eq!(tranche_age_retenue(None, None, 2026), "non_communique");
        // A year of birth after the reference year is not an age: the recorded band stands.
        assert_eq!(tranche_age_retenue(Some(2030), Some("soixante_dix_plus"), 2026), "soixante_dix_plus");
    }

    #[test]
    fn percentages_add_up_to_100_by_largest_remainder() {
        // 1/3 each: 33.33 → 33, 33, 33, one point left to the first of equal remainders.
        assert_eq!(pourcentages(&[1, 1, 1]), vec![34, 33, 33]);
        // 2/7 = 28.57, 3/7 = 42.86, 2/7 = 28.57: floors 28, 42, 28 (98), remainders .57 .86 .57.
        assert_eq!(pourcentages(&[2, 3, 2]), vec![29, 43, 28]);
        // Plain rounding would give 17+17+17+17+17+17 = 102 for six equal counts.
        assert_eq!(pourcentages(&[1; 6]), vec![17, 17, 17, 17, 16, 16]);
        assert_eq!(pourcentages(&[0, 5, 0]), vec![0, 100, 0]);
        assert_eq!(pourcentages(&[0, 0]), vec![0, 0]);
        assert_eq!(pourcentages(&[]), Vec::<u32>::new());
        for counts in [vec![7u64, 13, 29, 1, 1, 1], vec![999, 1, 1], vec![3, 3, 3, 3, 3, 3, 3]] {
            assert_eq!(pourcentages(&counts).iter().sum::<u32>(), 100, "{counts:?}");
        }
    }

    #[test]
    fn lines_of_a_vocabulary_keep_its_order_and_typographic_apostrophes() {
        let l = lignes_vocabulaire(coop::TYPE_LIEU, |v| if v == "lieu_activite" { 3 } else { 1 });
        assert_eq!(l[0].libelle, "Lieu d’activité");
        assert_eq!(l.iter().map(|l| l.nombre).collect::<Vec<_>>(), vec![3, 1, 1, 1]);
        assert_eq!(l.iter().map(|l| l.pourcentage).collect::<Vec<_>>(), vec![50, 17, 17, 16]);
    }

    #[test]
    fn median() {
        assert_eq!(mediane(&[]), None);
        assert_eq!(mediane(&[5, 1, 3]), Some(3.0));
        assert_eq!(mediane(&[10, 4, 5, 1]), Some(4.5));
    }

    #[test]
    fn share_rounds_half_up() {
        assert_eq!(part(1, 3), 33);
        assert_eq!(part(2, 3), 67);
        assert_eq!(part(1, 8), 13); // 12.5
        assert_eq!(part(0, 0), 0);
    }

    #[test]
    fn period_validation_names_the_field() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            valider_periode(Some("2026-01-01"), Some("2026-12-31")),
            Ok(Periode { du: Some(d("2026-01-01")), au: Some(d("2026-12-31")) })
        );
        assert_eq!(valider_periode(None, Some("")), Ok(Periode::default()));
        let e = valider_periode(Some("2026-12-31"), Some("2026-01-01")).unwrap_err();
        assert!(e["au"].contains("avant son début"), "{e:?}");
        // Exactly five years is allowed, one day more is not.
        assert!(valider_periode(Some("2021-03-01"), Some("2026-03-01")).is_ok());
        let e = valider_periode(Some("2021-03-01"), Some("2026-03-02")).unwrap_err();
        assert!(e["au"].contains("5 ans"), "{e:?}");
        let e = valider_periode(Some("01/03/2026"), None).unwrap_err();
        assert!(e["du"].contains("AAAA-MM-JJ"), "{e:?}");
        let e = valider_periode(Some("1900-01-01"), Some("9999-12-31")).unwrap_err();
        assert!(e.contains_key("du") && e.contains_key("au"), "{e:?}");
    }

    #[test]
    fn last_twelve_months_and_thirty_days() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let mois = douze_mois(d("2026-02-15"));
        assert_eq!(mois.len(), 12);
        assert_eq!(mois[0], (d("2025-03-01"), "03/25".to_string()));
        assert_eq!(mois[11], (d("2026-02-01"), "02/26".to_string()));
        let jours = trente_jours(d("2026-03-01"));
        assert_eq!(jours.len(), 30);
        assert_eq!(jours[0], (d("2026-01-31"), "31/01".to_string()));
        assert_eq!(jours[29], (d("2026-03-01"), "01/03".to_string()));
    }

    #[test]
    fn filters_make_a_query_string() {
        let f = FiltresStatistiques {
            du: Some("2026-01-01".into()),
            commune: Some("2A004".into()),
            type_lieu: Some("a_distance".into()),
            lieu: Some(String::new()),
            ..Default::default()
        };
        assert_eq!(f.query(), "du=2026-01-01&commune=2A004&type_lieu=a_distance");
        let f = FiltresStatistiques { departement: Some("a b&c".into()), ..Default::default() };
        assert_eq!(f.query(), "departement=a%20b%26c");
    }
}
