//! An order (commande): how many carnets, of how many passes, what each pass is worth, until
//! when, where, and for whom. `validate` checks a typed order field by field.

use super::api::CommandeRequest;
use crate::api::FieldErrors;
use crate::intake::{is_code_insee, parse_date};
use crate::money::parse_euros;
use chrono::{Datelike, Duration, NaiveDate};

/// The target publics most buyers use, with stable codes. Buyers may add their own.
pub const CRITERES_STANDARD: &[(&str, &str)] = &[
    ("demandeur_emploi", "Demandeur d'emploi"),
    ("senior_60", "60 ans et plus"),
    ("residant_qpv", "Résident QPV"),
    ("residant_zrr", "Résident ZRR"),
    ("allocataire_rsa", "Allocataire RSA"),
];

pub const NB_CARNETS_MAX: i64 = 50_000;
pub const GRACE_MAX_JOURS: i64 = 365;
pub const CRITERES_LIBRES_MAX: usize = 10;
pub const CRITERE_LIBELLE_MAX: usize = 80;
pub const TERRITOIRE_MAX: usize = 200;

/// A criterion of an order: a stable code and the label shown to conseillers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Critere {
    pub code: String,
    pub libelle: String,
}

/// An order that passed every rule.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidCommande {
    pub operateur_id: i64,
    pub nb_carnets: i64,
    pub nb_passes: i64,
    pub valeur_faciale_centimes: i64,
    pub fin_validite: NaiveDate,
    pub jours_grace: i64,
    pub departements: Vec<String>,
    pub communes: Vec<String>,
    pub criteres: Vec<Critere>,
}

impl ValidCommande {
    pub fn date_limite(&self) -> NaiveDate {
        date_limite(self.fin_validite, self.jours_grace)
    }

    pub fn montant_centimes(&self) -> i64 {
        self.nb_carnets * self.nb_passes * self.valeur_faciale_centimes
    }
}

/// The last day a pass of the order can be validated: the validity end plus the grace days.
pub fn date_limite(fin_validite: NaiveDate, jours_grace: i64) -> NaiveDate {
    fin_validite + Duration::days(jours_grace)
}

/// Whether a pass may still be used on `today` (the last day included).
pub fn encore_valable(date_limite: NaiveDate, today: NaiveDate) -> bool {
    today <= date_limite
}

/// Whether the expiry job must expire the order's unused passes on `today`: the day after the
/// last usable day.
pub fn a_expirer(date_limite: NaiveDate, today: NaiveDate) -> bool {
    today > date_limite
}

/// A département code: 01–95 (without 20), 2A, 2B, or 971–976.
pub fn is_code_departement(code: &str) -> bool {
    let b = code.as_bytes();
    match b.len() {
        2 => match b {
            b"2A" | b"2B" => true,
            [x, y] if x.is_ascii_digit() && y.is_ascii_digit() => {
                let n = (x - b'0') * 10 + (y - b'0');
                (1..=95).contains(&n) && n != 20
            }
            _ => false,
        },
        3 => b.starts_with(b"97") && (b'1'..=b'6').contains(&b[2]),
        _ => false,
    }
}

/// Splits a typed list (commas, semicolons, spaces or new lines), uppercased, without duplicates,
/// in the order typed.
pub fn split_codes(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for token in text.split(|c: char| c == ',' || c == ';' || c.is_whitespace()) {
        let t = token.trim().to_uppercase();
        if !t.is_empty() && !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

/// The free criteria typed one per line, trimmed, without empty lines or duplicates.
pub fn split_lines(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        let l = line.trim();
        if !l.is_empty() && !out.iter().any(|o| o.to_lowercase() == l.to_lowercase()) {
            out.push(l.to_string());
        }
    }
    out
}

pub fn label_standard(code: &str) -> Option<&'static str> {
    CRITERES_STANDARD.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

/// Checks every field of a typed order; all problems at once, each under its field.
pub fn validate(req: &CommandeRequest, today: NaiveDate) -> Result<ValidCommande, FieldErrors> {
    let mut errors = FieldErrors::new();

    let operateur_id = match req.operateur_id.trim().parse::<i64>() {
        Ok(id) if id > 0 => id,
        _ => {
            errors.insert("operateur_id".into(), "Opérateur : choisissez l'opérateur qui émet les pass.".into());
            0
        }
    };

    let nb_carnets = match req.nb_carnets.trim().replace([' ', '\u{202f}', '\u{a0}'], "").parse::<i64>() {
        Ok(n) if (1..=NB_CARNETS_MAX).contains(&n) => n,
        Ok(_) => {
            errors
                .insert("nb_carnets".into(), format!("Nombre de carnets : entre 1 et {NB_CARNETS_MAX} par commande."));
            0
        }
        Err(_) => {
            errors
                .insert("nb_carnets".into(), "Nombre de carnets : indiquez un nombre entier, par exemple 100.".into());
            0
        }
    };

    let nb_passes = match req.nb_passes.trim().parse::<i64>() {
        Ok(n) if n == 5 || n == 10 => n,
        _ => {
            errors.insert("nb_passes".into(), "Pass par carnet : un carnet compte 5 ou 10 pass.".into());
            0
        }
    };

    let valeur_faciale_centimes = match parse_euros(&req.valeur_faciale) {
        Some(c) if (100..=10_000).contains(&c) => c,
        Some(_) => {
            errors.insert("valeur_faciale".into(), "Valeur d'un pass : entre 1 € et 100 €.".into());
            0
        }
        None => {
            errors.insert(
                "valeur_faciale".into(),
                "Valeur d'un pass : indiquez un montant en euros, par exemple 10 ou 10,00.".into(),
            );
            0
        }
    };

    let fin_validite = match parse_date(&req.fin_validite) {
        None if req.fin_validite.trim().is_empty() => {
            errors.insert("fin_validite".into(), "Fin de validité : ce champ est obligatoire.".into());
            None
        }
        None => {
            errors.insert("fin_validite".into(), "Fin de validité : date invalide (jj/mm/aaaa).".into());
            None
        }
        Some(d) if d <= today => {
            errors.insert("fin_validite".into(), "Fin de validité : choisissez une date future.".into());
            None
        }
        Some(d) if d.year() > today.year() + 5 => {
            errors.insert("fin_validite".into(), "Fin de validité : 5 ans au plus, vérifiez l'année.".into());
            None
        }
        Some(d) => Some(d),
    };

    let jours_grace = match req.jours_grace.trim() {
        "" => 0,
        text => match text.parse::<i64>() {
            Ok(n) if (0..=GRACE_MAX_JOURS).contains(&n) => n,
            _ => {
                errors.insert(
                    "jours_grace".into(),
                    format!("Délai de grâce : un nombre de jours entre 0 et {GRACE_MAX_JOURS}."),
                );
                0
            }
        },
    };

    // --- territory
    let departements = split_codes(&req.departements);
    if let Some(bad) = departements.iter().find(|d| !is_code_departement(d)) {
        errors.insert(
            "departements".into(),
            format!("Départements : « {bad} » n'est pas un numéro de département (par exemple 29, 2A ou 974)."),
        );
    }
    let communes = split_codes(&req.communes);
    if let Some(bad) = communes.iter().find(|c| !is_code_insee(c)) {
        errors.insert(
            "communes".into(),
            format!("Communes : « {bad} » n'est pas un code INSEE de commune (5 caractères, par exemple 29019)."),
        );
    }
    if departements.is_empty() && communes.is_empty() {
        errors.insert(
            "departements".into(),
            "Territoire : indiquez au moins un département ou une commune où les pass sont valables.".into(),
        );
    }
    if departements.len() + communes.len() > TERRITOIRE_MAX {
        errors.insert("communes".into(), format!("Territoire : {TERRITOIRE_MAX} départements et communes au plus."));
    }

    // --- target publics
    let mut criteres: Vec<Critere> = Vec::new();
    for code in &req.criteres {
        match label_standard(code) {
            Some(libelle) if !criteres.iter().any(|c| c.code == *code) => {
                criteres.push(Critere { code: code.clone(), libelle: libelle.into() })
            }
            Some(_) => {}
            None => {
                errors.insert("criteres".into(), "Publics visés : choisissez dans la liste proposée.".into());
            }
        }
    }
    let libres = split_lines(&req.criteres_libres);
    if libres.len() > CRITERES_LIBRES_MAX {
        errors.insert(
            "criteres_libres".into(),
            format!("Autres publics visés : {CRITERES_LIBRES_MAX} au plus, un par ligne."),
        );
    } else if let Some(long) = libres.iter().find(|l| l.chars().count() > CRITERE_LIBELLE_MAX) {
        errors.insert(
            "criteres_libres".into(),
            format!(
                "Autres publics visés : « {} … » dépasse {CRITERE_LIBELLE_MAX} caractères.",
                long.chars().take(30).collect::<String>()
            ),
        );
    } else if libres.iter().any(|l| l.chars().any(char::is_control)) {
        errors.insert("criteres_libres".into(), "Autres publics visés : caractères non autorisés.".into());
    } else {
        for (i, libelle) in libres.into_iter().enumerate() {
            if criteres.iter().any(|c| c.libelle.to_lowercase() == libelle.to_lowercase()) {
                continue;
            }
            criteres.push(Critere { code: format!("libre_{}", i + 1), libelle });
        }
    }
    if criteres.is_empty() && !errors.contains_key("criteres") && !errors.contains_key("criteres_libres") {
        errors.insert(
            "criteres".into(),
            "Publics visés : cochez au moins un public, ou ajoutez-en un dans « Autres publics visés ».".into(),
        );
    }

    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ValidCommande {
        operateur_id,
        nb_carnets,
        nb_passes,
        valeur_faciale_centimes,
        fin_validite: fin_validite.expect("checked above"),
        jours_grace,
        departements,
        communes,
        criteres,
    })
}

/// Whether a structure located in `commune_insee` (of département `departement`) is inside an
/// order's territory. An order always has a territory (see `validate`); an empty one (older data)
/// means everywhere.
pub fn dans_territoire(departements: &[String], communes: &[String], commune_insee: &str, departement: &str) -> bool {
    (departements.is_empty() && communes.is_empty())
        || communes.iter().any(|c| c == commune_insee)
        || departements.iter().any(|d| d == departement)
}

/// The number printed on carnet `rang` of order `commande_id`: `PN-12-00042`.
pub fn numero_carnet(commande_id: i64, rang: i64) -> String {
    format!("PN-{commande_id}-{rang:05}")
}

/// The order's reference: `CMD-2026-0012`.
pub fn reference_commande(annee: i32, commande_id: i64) -> String {
    format!("CMD-{annee}-{commande_id:04}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    fn valid() -> CommandeRequest {
        CommandeRequest {
            operateur_id: "1".into(),
            nb_carnets: "3".into(),
            nb_passes: "10".into(),
            valeur_faciale: "10".into(),
            fin_validite: "2027-06-30".into(),
            jours_grace: "30".into(),
            departements: "29, 2a".into(),
            communes: "35238".into(),
            criteres: vec!["demandeur_emploi".into(), "senior_60".into()],
            criteres_libres: "Parents d'élèves\n\n  Aidants familiaux \nparents d'élèves".into(),
        }
    }

    #[test]
    fn a_valid_order_is_typed() {
        let c = validate(&valid(), today()).unwrap();
        assert_eq!(c.nb_carnets, 3);
        assert_eq!(c.nb_passes, 10);
        assert_eq!(c.valeur_faciale_centimes, 1000);
        assert_eq!(c.montant_centimes(), 30_000);
        assert_eq!(c.departements, vec!["29", "2A"]);
        assert_eq!(c.communes, vec!["35238"]);
        assert_eq!(c.date_limite(), NaiveDate::from_ymd_opt(2027, 7, 30).unwrap());
        let codes: Vec<&str> = c.criteres.iter().map(|c| c.code.as_str()).collect();
        assert_eq!(codes, vec!["demandeur_emploi", "senior_60", "libre_1", "libre_2"]);
        assert_eq!(c.criteres[3].libelle, "Aidants familiaux");
    }

    #[test]
    fn each_bad_field_is_named() {
        let cases: Vec<(&str, Box<dyn Fn(&mut CommandeRequest)>)> = vec![
            ("operateur_id", Box::new(|r| r.operateur_id = "".into())),
            ("nb_carnets", Box::new(|r| r.nb_carnets = "0".into())),
            ("nb_carnets", Box::new(|r| r.nb_carnets = "trois".into())),
            ("nb_carnets", Box::new(|r| r.nb_carnets = "50001".into())),
            ("nb_passes", Box::new(|r| r.nb_passes = "8".into())),
            ("valeur_faciale", Box::new(|r| r.valeur_faciale = "0,50".into())),
            ("valeur_faciale", Box::new(|r| r.valeur_faciale = "dix".into())),
            ("fin_validite", Box::new(|r| r.fin_validite = "2026-11-23".into())),
            ("fin_validite", Box::new(|r| r.fin_validite = "".into())),
            ("fin_validite", Box::new(|r| r.fin_validite = "2040-01-01".into())),
            ("jours_grace", Box::new(|r| r.jours_grace = "-1".into())),
            ("jours_grace", Box::new(|r| r.jours_grace = "400".into())),
            ("departements", Box::new(|r| r.departements = "29 99".into())),
            ("departements", Box::new(|r| r.departements = "20".into())),
            ("communes", Box::new(|r| r.communes = "Brest".into())),
            ("criteres", Box::new(|r| r.criteres = vec!["riche".into()])),
            ("criteres_libres", Box::new(|r| r.criteres_libres = "x".repeat(81))),
        ];
        for (field, change) in cases {
            let mut r = valid();
            change(&mut r);
            let errors = validate(&r, today()).unwrap_err();
            assert!(errors.contains_key(field), "{field}: {errors:?}");
            assert_eq!(errors.len(), 1, "{field}: {errors:?}");
        }
    }

    #[test]
    fn territory_and_publics_are_required() {
        let mut r = valid();
        r.departements.clear();
        r.communes.clear();
        assert!(validate(&r, today()).unwrap_err().contains_key("departements"));
        let mut r = valid();
        r.criteres.clear();
        r.criteres_libres.clear();
        assert!(validate(&r, today()).unwrap_err().contains_key("criteres"));
        // Free criteria alone are enough.
        r.criteres_libres = "Habitants des îles".into();
        assert_eq!(validate(&r, today()).unwrap().criteres[0].code, "libre_1");
    }

    #[test]
    fn department_codes() {
        for ok in ["01", "29", "2A", "2B", "95", "971", "976"] {
            assert!(is_code_departement(ok), "{ok}");
        }
        for bad in ["00", "20", "96", "99", "977", "2C", "1", "290"] {
            assert!(!is_code_departement(bad), "{bad}");
        }
    }

    #[test]
    fn expiry_boundaries() {
        let fin = NaiveDate::from_ymd_opt(2027, 6, 30).unwrap();
        let limite = date_limite(fin, 0);
        assert!(encore_valable(limite, fin), "the last day of validity is usable");
        assert!(!a_expirer(limite, fin));
        let next = NaiveDate::from_ymd_opt(2027, 7, 1).unwrap();
        assert!(!encore_valable(limite, next));
        assert!(a_expirer(limite, next));

        let limite = date_limite(fin, 15);
        assert_eq!(limite, NaiveDate::from_ymd_opt(2027, 7, 15).unwrap());
        assert!(encore_valable(limite, NaiveDate::from_ymd_opt(2027, 7, 15).unwrap()), "last day of grace");
        assert!(!a_expirer(limite, NaiveDate::from_ymd_opt(2027, 7, 15).unwrap()));
        assert!(a_expirer(limite, NaiveDate::from_ymd_opt(2027, 7, 16).unwrap()));
        // Across a leap day.
        let fin = NaiveDate::from_ymd_opt(2028, 2, 28).unwrap();
        assert_eq!(date_limite(fin, 1), NaiveDate::from_ymd_opt(2028, 2, 29).unwrap());
    }

    #[test]
    fn territory_membership() {
        let deps = vec!["29".to_string()];
        let communes = vec!["35238".to_string()];
        assert!(dans_territoire(&deps, &communes, "29019", "29"));
        assert!(dans_territoire(&deps, &communes, "35238", "35"));
        assert!(!dans_territoire(&deps, &communes, "35047", "35"));
        assert!(dans_territoire(&[], &[], "75056", "75"));
    }

    #[test]
    fn numbers() {
        assert_eq!(numero_carnet(12, 42), "PN-12-00042");
        assert_eq!(reference_commande(2026, 7), "CMD-2026-0007");
        assert_eq!(split_codes(" 29,35;  2a\n29"), vec!["29", "35", "2A"]);
    }
}
