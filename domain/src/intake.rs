//! Intake (parcours step 1): the rules a beneficiary and their carnet must follow to be recorded.
//! The app runs them for quick feedback; the server runs them again and is the one that decides.

use crate::api::{FieldErrors, IntakeRequest};
use crate::coop::{self, Vocabulaire};
use crate::money::parse_euros;
use crate::pass_code::PassCode;
use chrono::{Datelike, NaiveDate};

/// Through whom the carnet reached the person.
pub const CANAUX_RECEPTION: Vocabulaire = &[
    ("mairie", "Mairie / CCAS"),
    ("caf", "CAF"),
    ("france_travail", "France Travail"),
    ("mission_locale", "Mission locale"),
    ("conseiller_numerique", "Conseiller numérique"),
    ("autre", "Autre"),
];

pub const NB_PASSES_AUTORISES: [i64; 2] = [5, 10];
pub const PRENOM_MAX: usize = 60;
pub const NUMERO_MAX: usize = 30;
pub const COMMANDITAIRE_MAX: usize = 120;
/// The Pass numérique was launched in 2019: a reception date before it is a typo.
pub const PREMIERE_ANNEE_PASS: i32 = 2019;

/// An intake that passed every rule: typed values, ready to store.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidIntake {
    pub prenom: String,
    pub annee_naissance: Option<i32>,
    pub commune_insee: Option<String>,
    pub genre: Option<String>,
    pub tranche_age: Option<String>,
    pub statut_social: Option<String>,
    pub carnet_numero: String,
    pub nb_passes: i64,
    pub valeur_faciale_centimes: i64,
    pub fin_validite: NaiveDate,
    pub codes: Vec<PassCode>,
    pub commanditaire: String,
    pub canal: String,
    pub date_reception: NaiveDate,
}

/// The form field of the pass code of rank `rang` (1-based, as printed on the carnet).
pub fn code_field(rang: usize) -> String {
    format!("code_{rang}")
}

/// Parses a date typed in a form: ISO (`2026-11-23`, what `<input type=date>` sends) or French
/// (`23/11/2026`).
pub fn parse_date(input: &str) -> Option<NaiveDate> {
    let s = input.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d").or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y")).ok()
}

fn optional_choice(
    errors: &mut FieldErrors,
    field: &str,
    value: &str,
    vocabulaire: Vocabulaire,
    what: &str,
) -> Option<String> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    if coop::contains(vocabulaire, v) {
        Some(v.to_string())
    } else {
        errors.insert(field.into(), format!("{what} : choisissez une valeur de la liste."));
        None
    }
}

/// A commune code of the official geographic code (COG): 5 characters, départements 01–95 and
/// 2A/2B in metropolitan France, 971–976 overseas. Existence is checked against the list by the server.
pub fn is_code_insee(code: &str) -> bool {
    let b = code.as_bytes();
    if b.len() != 5 {
        return false;
    }
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    match &b[..2] {
        b"2A" | b"2B" => digits(&b[2..]),
        b"97" => digits(&b[2..]) && (b'1'..=b'6').contains(&b[2]),
        _ => digits(b) && &b[..2] != b"00" && &b[..2] != b"20",
    }
}

/// The person's fields once checked: what intake stores and what a rectification changes.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidPersonne {
    pub prenom: String,
    pub annee_naissance: Option<i32>,
    pub commune_insee: Option<String>,
    pub genre: Option<String>,
    pub tranche_age: Option<String>,
    pub statut_social: Option<String>,
}

/// The person's fields as typed (intake form, or the rectification of a beneficiary).
#[derive(Clone, Copy, Debug)]
pub struct PersonneSaisie<'a> {
    pub prenom: &'a str,
    pub annee_naissance: &'a str,
    pub commune_insee: &'a str,
    pub genre: &'a str,
    pub tranche_age: &'a str,
    pub statut_social: &'a str,
}

/// Checks the person's fields, adding each problem under its field name. Intake and
/// rectification share it, so a person can never be corrected into something intake refuses.
pub fn check_personne(p: PersonneSaisie<'_>, today: NaiveDate, errors: &mut FieldErrors) -> ValidPersonne {
    let prenom = p.prenom.trim().to_string();
    if prenom.is_empty() {
        errors.insert("prenom".into(), "Prénom ou alias : ce champ est obligatoire.".into());
    } else if prenom.chars().count() > PRENOM_MAX {
        errors.insert("prenom".into(), format!("Prénom ou alias : {PRENOM_MAX} caractères au plus."));
    } else if prenom.chars().any(char::is_control) {
        errors.insert("prenom".into(), "Prénom ou alias : caractères non autorisés.".into());
    }

    let annee_naissance = match p.annee_naissance.trim() {
        "" => None,
        text => match text.parse::<i32>() {
            Ok(y) if (1900..=today.year()).contains(&y) => Some(y),
            Ok(_) => {
                errors
                    .insert("annee_naissance".into(), format!("Année de naissance : entre 1900 et {}.", today.year()));
                None
            }
            Err(_) => {
                errors.insert(
                    "annee_naissance".into(),
                    "Année de naissance : indiquez une année sur 4 chiffres, par exemple 1958.".into(),
                );
                None
            }
        },
    };

    let commune_insee = match p.commune_insee.trim() {
        "" => None,
        code if is_code_insee(&code.to_uppercase()) => Some(code.to_uppercase()),
        _ => {
            errors.insert(
                "commune_insee".into(),
                "Commune de résidence : choisissez une commune dans la liste proposée.".into(),
            );
            None
        }
    };

    let genre = optional_choice(errors, "genre", p.genre, coop::GENRE, "Genre");
    let statut_social = optional_choice(errors, "statut_social", p.statut_social, coop::STATUT_SOCIAL, "Statut social");
    let tranche_age = match annee_naissance {
        Some(y) => Some(coop::tranche_age(y, today.year()).to_string()),
        None => optional_choice(errors, "tranche_age", p.tranche_age, coop::TRANCHE_AGE, "Tranche d'âge"),
    };
    ValidPersonne { prenom, annee_naissance, commune_insee, genre, tranche_age, statut_social }
}

/// Checks every field; returns all the problems at once, each under its field name.
pub fn validate(req: &IntakeRequest, today: NaiveDate) -> Result<ValidIntake, FieldErrors> {
    let mut errors = FieldErrors::new();

    // --- the person
    let ValidPersonne { prenom, annee_naissance, commune_insee, genre, tranche_age, statut_social } = check_personne(
        PersonneSaisie {
            prenom: &req.prenom,
            annee_naissance: &req.annee_naissance,
            commune_insee: &req.commune_insee,
            genre: &req.genre,
            tranche_age: &req.tranche_age,
            statut_social: &req.statut_social,
        },
        today,
        &mut errors,
    );

    // --- the carnet
    let carnet_numero = req.carnet_numero.trim().to_uppercase();
    if carnet_numero.is_empty() {
        errors.insert("carnet_numero".into(), "Numéro du carnet : ce champ est obligatoire.".into());
    } else if carnet_numero.chars().count() > NUMERO_MAX
        || !carnet_numero.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ' ')
    {
        errors.insert(
            "carnet_numero".into(),
            format!("Numéro du carnet : lettres, chiffres et tirets, {NUMERO_MAX} caractères au plus."),
        );
    }

    let nb_passes = match req.nb_passes.trim().parse::<i64>() {
        Ok(n) if NB_PASSES_AUTORISES.contains(&n) => n,
        _ => {
            errors.insert("nb_passes".into(), "Nombre de pass : un carnet compte 5 ou 10 pass.".into());
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

    let date_reception = match parse_date(&req.date_reception) {
        None if req.date_reception.trim().is_empty() => {
            errors.insert("date_reception".into(), "Date de remise du carnet : ce champ est obligatoire.".into());
            None
        }
        None => {
            errors.insert("date_reception".into(), "Date de remise du carnet : date invalide (jj/mm/aaaa).".into());
            None
        }
        Some(d) if d > today => {
            errors.insert(
                "date_reception".into(),
                "Date de remise du carnet : elle ne peut pas être dans le futur.".into(),
            );
            None
        }
        Some(d) if d.year() < PREMIERE_ANNEE_PASS => {
            errors.insert(
                "date_reception".into(),
                format!("Date de remise du carnet : le Pass numérique existe depuis {PREMIERE_ANNEE_PASS}."),
            );
            None
        }
        Some(d) => Some(d),
    };

    let fin_validite = match parse_date(&req.fin_validite) {
        None if req.fin_validite.trim().is_empty() => {
            errors.insert(
                "fin_validite".into(),
                "Fin de validité : ce champ est obligatoire (elle est imprimée sur le carnet).".into(),
            );
            None
        }
        None => {
            errors.insert("fin_validite".into(), "Fin de validité : date invalide (jj/mm/aaaa).".into());
            None
        }
        Some(d) if d < today => {
            errors.insert(
                "fin_validite".into(),
                "Fin de validité : cette date est passée, le carnet ne peut plus être utilisé.".into(),
            );
            None
        }
        Some(d) if d.year() > today.year() + 10 => {
            errors.insert("fin_validite".into(), "Fin de validité : date trop lointaine, vérifiez l'année.".into());
            None
        }
        Some(d) => Some(d),
    };

    // --- the pass codes, one field per pass
    // Positions stay aligned with the ranks, so a duplicate names the right earlier pass.
    let mut parsed: Vec<Option<PassCode>> = Vec::new();
    if nb_passes > 0 {
        if req.codes.len() > nb_passes as usize {
            errors.insert(
                "codes".into(),
                format!("Codes des pass : {} codes saisis pour un carnet de {nb_passes} pass.", req.codes.len()),
            );
        }
        for rang in 1..=nb_passes as usize {
            let field = code_field(rang);
            let typed = req.codes.get(rang - 1).map(String::as_str).unwrap_or("");
            match PassCode::parse(typed) {
                Ok(code) => {
                    if let Some(first) = parsed.iter().position(|c| c.as_ref() == Some(&code)) {
                        errors.insert(
                            field,
                            format!("Pass n°{rang} : ce code est déjà saisi pour le pass n°{}.", first + 1),
                        );
                    }
                    parsed.push(Some(code));
                }
                Err(e) => {
                    errors.insert(field, format!("Pass n°{rang} : {e}"));
                    parsed.push(None);
                }
            }
        }
    }

    // --- how the carnet was received
    let commanditaire = req.commanditaire.trim().to_string();
    if commanditaire.is_empty() {
        errors.insert(
            "commanditaire".into(),
            "Commanditaire : indiquez qui a financé le carnet (le nom est imprimé au dos).".into(),
        );
    } else if commanditaire.chars().count() > COMMANDITAIRE_MAX {
        errors.insert("commanditaire".into(), format!("Commanditaire : {COMMANDITAIRE_MAX} caractères au plus."));
    }
    let canal = req.canal.trim().to_string();
    if !coop::contains(CANAUX_RECEPTION, &canal) {
        errors.insert("canal".into(), "Remis par : choisissez par qui le carnet a été remis.".into());
    }

    if let (Some(recu), Some(fin)) = (date_reception, fin_validite) {
        if fin < recu {
            errors.insert("fin_validite".into(), "Fin de validité : elle précède la date de remise du carnet.".into());
        }
    }

    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ValidIntake {
        prenom,
        annee_naissance,
        commune_insee,
        genre,
        tranche_age,
        statut_social,
        carnet_numero,
        nb_passes,
        valeur_faciale_centimes,
        fin_validite: fin_validite.expect("checked above"),
        codes: parsed.into_iter().flatten().collect(),
        commanditaire,
        canal,
        date_reception: date_reception.expect("checked above"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    pub fn codes(n: u8) -> Vec<String> {
        (0..n).map(|i| PassCode::from_random([i, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).display()).collect()
    }

    fn valid() -> IntakeRequest {
        IntakeRequest {
            prenom: "Zoé".into(),
            annee_naissance: "1958".into(),
            commune_insee: "35238".into(),
            genre: "feminin".into(),
            tranche_age: String::new(),
            statut_social: "retraite".into(),
            carnet_numero: "CN-2026-0042".into(),
            nb_passes: "5".into(),
            valeur_faciale: "10".into(),
            fin_validite: "2027-06-30".into(),
            codes: codes(5),
            commanditaire: "Rennes Métropole".into(),
            canal: "mairie".into(),
            date_reception: "2026-11-20".into(),
            information: Default::default(),
        }
    }

    #[test]
    fn a_valid_intake_is_typed() {
        let v = validate(&valid(), today()).unwrap();
        assert_eq!(v.prenom, "Zoé");
        assert_eq!(v.annee_naissance, Some(1958));
        assert_eq!(v.tranche_age.as_deref(), Some("soixante_soixante_neuf"));
        assert_eq!(v.valeur_faciale_centimes, 1000);
        assert_eq!(v.codes.len(), 5);
        assert_eq!(v.carnet_numero, "CN-2026-0042");
    }

    #[test]
    fn only_the_alias_is_required_for_the_person() {
        let mut r = valid();
        r.annee_naissance.clear();
        r.commune_insee.clear();
        r.genre.clear();
        r.statut_social.clear();
        let v = validate(&r, today()).unwrap();
        assert_eq!(v.annee_naissance, None);
        assert_eq!(v.tranche_age, None);
        r.tranche_age = "quarante_cinquante_neuf".into();
        assert_eq!(validate(&r, today()).unwrap().tranche_age.as_deref(), Some("quarante_cinquante_neuf"));
    }

    fn errors_of(r: IntakeRequest) -> FieldErrors {
        validate(&r, today()).unwrap_err()
    }

    #[test]
    fn each_bad_field_is_named() {
        let cases: Vec<(&str, Box<dyn Fn(&mut IntakeRequest)>)> = vec![
            ("prenom", Box::new(|r| r.prenom = "  ".into())),
            ("annee_naissance", Box::new(|r| r.annee_naissance = "58".into())),
            ("annee_naissance", Box::new(|r| r.annee_naissance = "2030".into())),
            ("commune_insee", Box::new(|r| r.commune_insee = "Rennes".into())),
            ("genre", Box::new(|r| r.genre = "x".into())),
            ("statut_social", Box::new(|r| r.statut_social = "chomeur".into())),
            ("carnet_numero", Box::new(|r| r.carnet_numero = "".into())),
            ("carnet_numero", Box::new(|r| r.carnet_numero = "n°<script>".into())),
            ("nb_passes", Box::new(|r| r.nb_passes = "7".into())),
            ("valeur_faciale", Box::new(|r| r.valeur_faciale = "dix".into())),
            ("valeur_faciale", Box::new(|r| r.valeur_faciale = "0".into())),
            ("fin_validite", Box::new(|r| r.fin_validite = "2025-01-01".into())),
            ("fin_validite", Box::new(|r| r.fin_validite = "31/02/2027".into())),
            ("code_3", Box::new(|r| r.codes[2] = "ABCD".into())),
            ("code_5", Box::new(|r| r.codes.truncate(4))),
            ("code_2", Box::new(|r| r.codes[1] = r.codes[0].to_lowercase())),
            ("commanditaire", Box::new(|r| r.commanditaire = "".into())),
            ("canal", Box::new(|r| r.canal = "facteur".into())),
            ("date_reception", Box::new(|r| r.date_reception = "2027-01-01".into())),
            ("date_reception", Box::new(|r| r.date_reception = "".into())),
        ];
        for (field, change) in cases {
            let mut r = valid();
            change(&mut r);
            let errors = errors_of(r);
            assert!(errors.contains_key(field), "{field}: {errors:?}");
            assert_eq!(errors.len(), 1, "{field}: {errors:?}");
        }
    }

    #[test]
    fn duplicate_code_names_the_first_one() {
        let mut r = valid();
        r.codes[3] = r.codes[1].clone();
        let errors = errors_of(r);
        assert_eq!(errors["code_4"], "Pass n°4 : ce code est déjà saisi pour le pass n°2.");
    }

    #[test]
    fn ten_pass_carnet_needs_ten_codes() {
        let mut r = valid();
        r.nb_passes = "10".into();
        let errors = errors_of(r.clone());
        assert_eq!(errors.keys().cloned().collect::<Vec<_>>(), vec!["code_10", "code_6", "code_7", "code_8", "code_9"]);
        r.codes = codes(10);
        assert_eq!(validate(&r, today()).unwrap().codes.len(), 10);
    }

    #[test]
    fn validity_before_reception_is_refused() {
        let mut r = valid();
        r.date_reception = "2026-11-23".into();
        r.fin_validite = "23/11/2026".into();
        assert!(validate(&r, today()).is_ok());
        r.fin_validite = "2026-11-22".into();
        assert!(errors_of(r).contains_key("fin_validite"));
    }

    #[test]
    fn insee_codes() {
        for ok in ["35238", "2A004", "2B033", "97101", "97611", "01001"] {
            assert!(is_code_insee(ok), "{ok}");
        }
        for bad in ["3523", "2C004", "97701", "00001", "20004", "ABCDE", "352388"] {
            assert!(!is_code_insee(bad), "{bad}");
        }
    }
}
