//! The skills diagnostic, at intake and again at the bilan: each competence of the framework
//! placed on one scale, optional external results (ABC Diag, Pix…) and observations; and the
//! comparison of the two.

use crate::api::FieldErrors;
use crate::parcours::competences::{self, Niveau, Niveaux};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const RESULTATS_MAX: usize = 5;
pub const OUTIL_MAX: usize = 60;
pub const SCORE_MAX: usize = 40;
pub const TEXTE_MAX: usize = 4000;

/// Tools whose results people usually bring (suggestions; any name is accepted).
pub const OUTILS_SUGGERES: &[&str] = &["ABC Diag", "Pix", "Les Bons Clics", "PIM (Diagnostic Aidants Connect)"];

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ResultatExterne {
    pub outil: String,
    pub score: String,
}

/// A diagnostic as typed: competence code → level code (empty or absent: not assessed).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct DiagnosticRequest {
    pub niveaux: BTreeMap<String, String>,
    pub resultats: Vec<ResultatExterne>,
    pub observations: String,
    /// Quick mode: the pack considered, whose competences are shown first (and preselected at
    /// the objectives step). Empty: none.
    pub pack: String,
}

/// Quick mode's pack, kept as soon as chosen (before any level is typed): the code, or empty for
/// none.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct PackEnvisage {
    pub pack: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ValidDiagnostic {
    pub niveaux: Niveaux,
    pub resultats: Vec<ResultatExterne>,
    pub observations: String,
    pub pack: Option<String>,
}

/// The form field of a competence's level (no dot, so it works as an HTML id in links).
pub fn champ_niveau(code: &str) -> String {
    format!("niveau_{}", code.replace('.', "_"))
}

pub fn champ_resultat(i: usize, partie: &str) -> String {
    format!("resultat_{i}_{partie}")
}

/// Checks a free text: trimmed, bounded, no control characters except line breaks.
pub fn valider_texte(errors: &mut FieldErrors, field: &str, quoi: &str, texte: &str, max: usize) -> String {
    let t = texte.trim().replace("\r\n", "\n");
    if t.chars().count() > max {
        errors.insert(field.into(), format!("{quoi} : {max} caractères au plus."));
    } else if t.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        errors.insert(field.into(), format!("{quoi} : caractères non autorisés."));
    }
    t
}

pub fn valider(req: &DiagnosticRequest) -> Result<ValidDiagnostic, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut niveaux = Niveaux::new();
    for (code, niveau) in &req.niveaux {
        if !competences::existe(code) {
            errors.insert(
                "niveaux".into(),
                format!("Diagnostic : la compétence « {code} » n'existe pas dans le référentiel."),
            );
            continue;
        }
        match niveau.trim() {
            "" => {}
            n => match Niveau::parse(n) {
                Some(n) => {
                    niveaux.insert(code.clone(), n);
                }
                None => {
                    errors.insert(
                        champ_niveau(code),
                        format!("{} : choisissez un niveau de l'échelle.", competences::libelle(code)),
                    );
                }
            },
        }
    }
    if niveaux.is_empty() && errors.is_empty() {
        errors.insert("niveaux".into(), "Diagnostic : évaluez au moins une compétence.".into());
    }
    if req.resultats.len() > RESULTATS_MAX {
        errors.insert("resultats".into(), format!("Résultats d'autres outils : {RESULTATS_MAX} au plus."));
    }
    let mut resultats = Vec::new();
    for (i, r) in req.resultats.iter().enumerate().take(RESULTATS_MAX) {
        let n = i + 1;
        let outil =
            valider_texte(&mut errors, &champ_resultat(n, "outil"), &format!("Outil n°{n}"), &r.outil, OUTIL_MAX);
        let score =
            valider_texte(&mut errors, &champ_resultat(n, "score"), &format!("Résultat n°{n}"), &r.score, SCORE_MAX);
        match (outil.is_empty(), score.is_empty()) {
            // An empty row is simply dropped.
            (true, true) => {}
            (true, false) => {
                errors.insert(
                    champ_resultat(n, "outil"),
                    format!("Outil n°{n} : indiquez l'outil (par exemple ABC Diag ou Pix)."),
                );
            }
            (false, true) => {
                errors.insert(
                    champ_resultat(n, "score"),
                    format!("Résultat n°{n} : indiquez le score ou le niveau obtenu."),
                );
            }
            (false, false) => resultats.push(ResultatExterne { outil, score }),
        }
    }
    let observations = valider_texte(&mut errors, "observations", "Observations", &req.observations, TEXTE_MAX);
    let pack = Some(req.pack.trim().to_string()).filter(|p| !p.is_empty());
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ValidDiagnostic { niveaux, resultats, observations, pack })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Evolution {
    Progres,
    Stable,
    Recul,
    /// Assessed only once.
    NonComparable,
}

impl Evolution {
    pub fn libelle(self) -> &'static str {
        match self {
            Evolution::Progres => "En progrès",
            Evolution::Stable => "Stable",
            Evolution::Recul => "En recul",
            Evolution::NonComparable => "Évaluée une seule fois",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LigneComparaison {
    pub competence: String,
    pub initial: Option<Niveau>,
    pub final_: Option<Niveau>,
    /// Final minus initial, in steps of the scale (when both are known).
    pub ecart: Option<i8>,
    pub evolution: Evolution,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Comparaison {
    /// In the framework's order; only competences assessed at least once.
    pub lignes: Vec<LigneComparaison>,
    pub progres: usize,
    pub stables: usize,
    pub reculs: usize,
}

/// Intake versus bilan, competence by competence.
pub fn comparer(initial: &Niveaux, final_: &Niveaux) -> Comparaison {
    let mut c = Comparaison::default();
    for code in competences::codes() {
        let a = initial.get(code).copied();
        let b = final_.get(code).copied();
        if a.is_none() && b.is_none() {
            continue;
        }
        let ecart = match (a, b) {
            (Some(a), Some(b)) => Some(b.rang() as i8 - a.rang() as i8),
            _ => None,
        };
        let evolution = match ecart {
            None => Evolution::NonComparable,
            Some(e) if e > 0 => Evolution::Progres,
            Some(0) => Evolution::Stable,
            Some(_) => Evolution::Recul,
        };
        match evolution {
            Evolution::Progres => c.progres += 1,
            Evolution::Stable => c.stables += 1,
            Evolution::Recul => c.reculs += 1,
            Evolution::NonComparable => {}
        }
        c.lignes.push(LigneComparaison { competence: code.to_string(), initial: a, final_: b, ecart, evolution });
    }
    c
}

/// An objective is reached when the final level is at least the target.
pub fn objectif_atteint(cible: Niveau, final_: Option<Niveau>) -> bool {
    final_.is_some_and(|f| f >= cible)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn niveaux(pairs: &[(&str, Niveau)]) -> Niveaux {
        pairs.iter().map(|(c, n)| (c.to_string(), *n)).collect()
    }

    fn req(pairs: &[(&str, &str)]) -> DiagnosticRequest {
        DiagnosticRequest {
            niveaux: pairs.iter().map(|(c, n)| (c.to_string(), n.to_string())).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn a_partial_diagnostic_is_valid_and_typed() {
        let mut r = req(&[("1.1", "autonome"), ("2.1", "pas_encore_aborde"), ("4.1", "")]);
        r.resultats = vec![
            ResultatExterne { outil: " ABC Diag ".into(), score: "32 %".into() },
            ResultatExterne { outil: "".into(), score: "".into() },
        ];
        r.observations = "  Très motivée.\r\nA un smartphone.  ".into();
        r.pack = "acces_aux_droits".into();
        let v = valider(&r).unwrap();
        assert_eq!(v.niveaux, niveaux(&[("1.1", Niveau::Autonome), ("2.1", Niveau::PasEncoreAborde)]));
        assert_eq!(v.resultats, vec![ResultatExterne { outil: "ABC Diag".into(), score: "32 %".into() }]);
        assert_eq!(v.observations, "Très motivée.\nA un smartphone.");
        assert_eq!(v.pack.as_deref(), Some("acces_aux_droits"));
    }

    #[test]
    fn each_problem_is_named() {
        let e = valider(&req(&[])).unwrap_err();
        assert_eq!(e["niveaux"], "Diagnostic : évaluez au moins une compétence.");
        let e = valider(&req(&[("9.9", "autonome")])).unwrap_err();
        assert!(e["niveaux"].contains("9.9"));
        let e = valider(&req(&[("1.1", "expert")])).unwrap_err();
        assert_eq!(
            e["niveau_1_1"],
            "1.1 Mener une recherche et une veille d'information : choisissez un niveau de l'échelle."
        );
        let mut r = req(&[("1.1", "autonome")]);
        r.resultats = vec![ResultatExterne { outil: "Pix".into(), score: "".into() }];
        assert!(valider(&r).unwrap_err().contains_key("resultat_1_score"));
        r.resultats = vec![ResultatExterne { outil: "".into(), score: "3".into() }];
        assert!(valider(&r).unwrap_err().contains_key("resultat_1_outil"));
        r.resultats = vec![ResultatExterne { outil: "Pix".into(), score: "3".into() }; 6];
        assert!(valider(&r).unwrap_err().contains_key("resultats"));
        let mut r = req(&[("1.1", "autonome")]);
        r.observations = "x".repeat(TEXTE_MAX + 1);
        assert!(valider(&r).unwrap_err().contains_key("observations"));
        r.observations = "bip\u{7}".into();
        assert!(valider(&r).unwrap_err().contains_key("observations"));
    }

    #[test]
    fn comparison_competence_by_competence() {
        use Niveau::*;
        let initial = niveaux(&[
            ("1.1", PasEncoreAborde),
            ("2.1", EntierementAccompagne),
            ("4.1", Autonome),
            ("5.2", PartiellementAutonome),
        ]);
        let final_ = niveaux(&[
            ("1.1", PartiellementAutonome),
            ("2.1", EntierementAccompagne),
            ("4.1", PartiellementAutonome),
            ("3.1", Autonome),
        ]);
        let c = comparer(&initial, &final_);
        let codes: Vec<&str> = c.lignes.iter().map(|l| l.competence.as_str()).collect();
        assert_eq!(codes, ["1.1", "2.1", "3.1", "4.1", "5.2"], "framework order, assessed ones only");
        assert_eq!(c.lignes[0].ecart, Some(2));
        assert_eq!(c.lignes[0].evolution, Evolution::Progres);
        assert_eq!(c.lignes[1].evolution, Evolution::Stable);
        assert_eq!(c.lignes[2].evolution, Evolution::NonComparable);
        assert_eq!(c.lignes[2].initial, None);
        assert_eq!(c.lignes[3].ecart, Some(-1));
        assert_eq!(c.lignes[3].evolution, Evolution::Recul);
        assert_eq!(c.lignes[4].final_, None);
        assert_eq!((c.progres, c.stables, c.reculs), (1, 1, 1));
        assert_eq!(comparer(&Niveaux::new(), &Niveaux::new()), Comparaison::default());
    }

    #[test]
    fn objective_reached_when_final_level_is_at_least_the_target() {
        use Niveau::*;
        assert!(objectif_atteint(PartiellementAutonome, Some(PartiellementAutonome)));
        assert!(objectif_atteint(PartiellementAutonome, Some(Autonome)));
        assert!(!objectif_atteint(PartiellementAutonome, Some(EntierementAccompagne)));
        assert!(!objectif_atteint(EntierementAccompagne, None));
    }
}
