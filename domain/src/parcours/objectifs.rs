//! Objectives: a pack (data from the database: themes per session for 5- and 10-pass carnets,
//! target levels), then the conseiller's own targets and session themes.

use crate::api::FieldErrors;
use crate::coop;
use crate::parcours::competences::{self, Niveau};
use crate::parcours::diagnostic::valider_texte;
use serde::{Deserialize, Serialize};

pub const TITRE_MAX: usize = 120;
/// The pack whose themes the conseiller writes.
pub const PACK_PERSONNALISE: &str = "personnalise";

/// A session theme of a pack (for a 5- or 10-pass carnet).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ThemeModele {
    pub nb_passes: i64,
    pub rang: i64,
    pub titre: String,
    pub thematiques: Vec<String>,
    pub competences: Vec<String>,
}

/// A target level of a pack.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CibleModele {
    pub nb_passes: i64,
    pub competence: String,
    pub niveau: Niveau,
}

/// A pack as the objectives step offers it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PackView {
    pub code: String,
    pub nom: String,
    pub description: String,
    pub themes: Vec<ThemeModele>,
    pub cibles: Vec<CibleModele>,
}

impl PackView {
    pub fn themes_pour(&self, nb_passes: i64) -> Vec<ThemeModele> {
        self.themes.iter().filter(|t| t.nb_passes == nb_passes).cloned().collect()
    }

    pub fn cibles_pour(&self, nb_passes: i64) -> Vec<CibleModele> {
        self.cibles.iter().filter(|c| c.nb_passes == nb_passes).cloned().collect()
    }

    /// The competences the pack targets, in the framework's order, for the quick diagnostic.
    pub fn competences_visees(&self, nb_passes: i64) -> Vec<String> {
        let cibles = self.cibles_pour(nb_passes);
        competences::codes().filter(|c| cibles.iter().any(|x| x.competence == *c)).map(String::from).collect()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ObjectifSaisi {
    pub competence: String,
    pub niveau: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ThemeSaisi {
    pub titre: String,
    pub thematiques: Vec<String>,
    pub competences: Vec<String>,
}

/// The objectives step as typed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ObjectifsRequest {
    pub pack: String,
    pub objectifs: Vec<ObjectifSaisi>,
    /// One per session, in order (session 1 is the intake, the last is the bilan).
    pub themes: Vec<ThemeSaisi>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ValidObjectifs {
    pub pack: String,
    pub objectifs: Vec<(String, Niveau)>,
    pub themes: Vec<ThemeSaisi>,
}

pub fn champ_objectif(i: usize) -> String {
    format!("objectif_{i}")
}

pub fn champ_theme(i: usize) -> String {
    format!("theme_{i}")
}

/// Checks the objectives for a carnet of `nb_passes`; the pack's existence is checked by the
/// server against the database.
pub fn valider(req: &ObjectifsRequest, nb_passes: usize) -> Result<ValidObjectifs, FieldErrors> {
    let mut errors = FieldErrors::new();
    let pack = req.pack.trim().to_string();
    if pack.is_empty() {
        errors.insert("pack".into(), "Pack : choisissez un pack, ou « Personnalisé ».".into());
    }

    let mut objectifs: Vec<(String, Niveau)> = Vec::new();
    if req.objectifs.is_empty() {
        errors.insert(
            "objectifs".into(),
            "Objectifs : fixez au moins un objectif (une compétence et le niveau à atteindre).".into(),
        );
    }
    if req.objectifs.len() > competences::codes().count() {
        errors.insert("objectifs".into(), "Objectifs : un objectif par compétence au plus.".into());
    }
    for (i, o) in req.objectifs.iter().enumerate() {
        let n = i + 1;
        let field = champ_objectif(n);
        let code = o.competence.trim();
        if !competences::existe(code) {
            errors.insert(field, format!("Objectif n°{n} : choisissez une compétence du référentiel."));
            continue;
        }
        if objectifs.iter().any(|(c, _)| c == code) {
            errors.insert(field, format!("Objectif n°{n} : la compétence {code} a déjà un objectif."));
            continue;
        }
        match Niveau::parse(o.niveau.trim()) {
            Some(Niveau::PasEncoreAborde) | None => {
                errors.insert(
                    field,
                    format!("Objectif n°{n} ({}) : choisissez le niveau à atteindre.", competences::libelle(code)),
                );
            }
            Some(niveau) => objectifs.push((code.to_string(), niveau)),
        }
    }

    if req.themes.len() != nb_passes {
        errors.insert(
            "themes".into(),
            format!(
                "Thèmes des séances : le carnet compte {nb_passes} pass, il faut {nb_passes} thèmes ({} reçus).",
                req.themes.len()
            ),
        );
    }
    let mut themes = Vec::new();
    for (i, t) in req.themes.iter().enumerate().take(nb_passes) {
        let n = i + 1;
        let field = champ_theme(n);
        let titre = valider_texte(&mut errors, &field, &format!("Thème de la séance {n}"), &t.titre, TITRE_MAX);
        if titre.is_empty() {
            errors.insert(field.clone(), format!("Thème de la séance {n} : ce champ est obligatoire."));
        }
        let mut thematiques = Vec::new();
        for th in &t.thematiques {
            if !coop::contains(coop::THEMATIQUES_MEDIATION_NUMERIQUE, th) {
                errors.insert(format!("{field}_thematiques"), format!("Séance {n} : thématique « {th} » inconnue."));
            } else if !thematiques.contains(th) {
                thematiques.push(th.clone());
            }
        }
        let mut comps = Vec::new();
        for c in &t.competences {
            if !competences::existe(c) {
                errors.insert(format!("{field}_competences"), format!("Séance {n} : compétence « {c} » inconnue."));
            } else if !comps.contains(c) {
                comps.push(c.clone());
            }
        }
        themes.push(ThemeSaisi { titre, thematiques, competences: comps });
    }

    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ValidObjectifs { pack, objectifs, themes })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn theme(titre: &str) -> ThemeSaisi {
        ThemeSaisi { titre: titre.into(), thematiques: vec!["email".into()], competences: vec!["2.1".into()] }
    }

    fn req() -> ObjectifsRequest {
        ObjectifsRequest {
            pack: "competences_de_base".into(),
            objectifs: vec![
                ObjectifSaisi { competence: "2.1".into(), niveau: "partiellement_autonome".into() },
                ObjectifSaisi { competence: "1.1".into(), niveau: "autonome".into() },
            ],
            themes: (1..=5).map(|i| theme(&format!("Séance {i}"))).collect(),
        }
    }

    #[test]
    fn valid_objectives_are_typed() {
        let v = valider(&req(), 5).unwrap();
        assert_eq!(v.objectifs, vec![("2.1".into(), Niveau::PartiellementAutonome), ("1.1".into(), Niveau::Autonome)]);
        assert_eq!(v.themes.len(), 5);
    }

    #[test]
    fn each_problem_is_named() {
        let cases: Vec<(&str, Box<dyn Fn(&mut ObjectifsRequest)>)> = vec![
            ("pack", Box::new(|r| r.pack = " ".into())),
            ("objectifs", Box::new(|r| r.objectifs.clear())),
            ("objectif_2", Box::new(|r| r.objectifs[1].competence = "2.1".into())),
            ("objectif_1", Box::new(|r| r.objectifs[0].competence = "7.7".into())),
            ("objectif_1", Box::new(|r| r.objectifs[0].niveau = "pas_encore_aborde".into())),
            ("objectif_2", Box::new(|r| r.objectifs[1].niveau = "".into())),
            (
                "themes",
                Box::new(|r| {
                    r.themes.pop();
                }),
            ),
            ("theme_3", Box::new(|r| r.themes[2].titre = "  ".into())),
            ("theme_3", Box::new(|r| r.themes[2].titre = "x".repeat(TITRE_MAX + 1))),
            ("theme_4_thematiques", Box::new(|r| r.themes[3].thematiques = vec!["jardinage".into()])),
            ("theme_5_competences", Box::new(|r| r.themes[4].competences = vec!["0.0".into()])),
        ];
        for (field, change) in cases {
            let mut r = req();
            change(&mut r);
            let e = valider(&r, 5).unwrap_err();
            assert!(e.contains_key(field), "{field}: {e:?}");
            assert_eq!(e.len(), 1, "{field}: {e:?}");
        }
        assert!(valider(&req(), 10).unwrap_err().contains_key("themes"));
    }

    #[test]
    fn duplicates_inside_a_theme_are_dropped() {
        let mut r = req();
        r.themes[0].thematiques = vec!["email".into(), "email".into()];
        assert_eq!(valider(&r, 5).unwrap().themes[0].thematiques, vec!["email".to_string()]);
    }
}
