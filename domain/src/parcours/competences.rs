//! The 16 competences of the French digital-skills framework (Pix / CRCN) in their 5 domains,
//! copied exactly from `reference/pix-competences.json`, and the one scale on which a diagnostic
//! places each of them: « pas encore abordé » below the three autonomy levels of the Coop.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub struct Domaine {
    pub code: &'static str,
    pub titre: &'static str,
    pub competences: &'static [(&'static str, &'static str)],
}

/// The framework, in its order. Competences are keyed by code (titles may be reworded upstream).
pub const DOMAINES: &[Domaine] = &[
    Domaine {
        code: "1",
        titre: "Informations et données",
        competences: &[
            ("1.1", "Mener une recherche et une veille d'information"),
            ("1.2", "Gérer des données"),
            ("1.3", "Traiter des données"),
        ],
    },
    Domaine {
        code: "2",
        titre: "Communication et collaboration",
        competences: &[
            ("2.1", "Interagir"),
            ("2.2", "Partager et publier"),
            ("2.3", "Collaborer"),
            ("2.4", "S'insérer dans le monde numérique"),
        ],
    },
    Domaine {
        code: "3",
        titre: "Création de contenu",
        competences: &[
            ("3.1", "Développer des documents textuels"),
            ("3.2", "Développer des documents multimédia"),
            ("3.3", "Adapter les documents à leur finalité"),
            ("3.4", "Programmer"),
        ],
    },
    Domaine {
        code: "4",
        titre: "Protection et sécurité",
        competences: &[
            ("4.1", "Sécuriser l'environnement numérique"),
            ("4.2", "Protéger les données personnelles et la vie privée"),
            ("4.3", "Protéger la santé, le bien-être et l'environnement"),
        ],
    },
    Domaine {
        code: "5",
        titre: "Environnement numérique",
        competences: &[("5.1", "Résoudre des problèmes techniques"), ("5.2", "Construire un environnement numérique")],
    },
];

/// Every competence code, in the framework's order.
pub fn codes() -> impl Iterator<Item = &'static str> {
    DOMAINES.iter().flat_map(|d| d.competences.iter().map(|(c, _)| *c))
}

pub fn titre(code: &str) -> Option<&'static str> {
    DOMAINES.iter().flat_map(|d| d.competences.iter()).find(|(c, _)| *c == code).map(|(_, t)| *t)
}

pub fn existe(code: &str) -> bool {
    titre(code).is_some()
}

/// « 2.1 Interagir ».
pub fn libelle(code: &str) -> String {
    match titre(code) {
        Some(t) => format!("{code} {t}"),
        None => code.to_string(),
    }
}

/// A level on the diagnostic scale. The order of the variants is the order of the scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Niveau {
    PasEncoreAborde,
    /// The Coop's `entierement_accompagne`.
    EntierementAccompagne,
    /// The Coop's `partiellement_autonome`.
    PartiellementAutonome,
    Autonome,
}

impl Niveau {
    pub const TOUS: [Niveau; 4] =
        [Niveau::PasEncoreAborde, Niveau::EntierementAccompagne, Niveau::PartiellementAutonome, Niveau::Autonome];

    pub fn code(self) -> &'static str {
        match self {
            Niveau::PasEncoreAborde => "pas_encore_aborde",
            Niveau::EntierementAccompagne => "entierement_accompagne",
            Niveau::PartiellementAutonome => "partiellement_autonome",
            Niveau::Autonome => "autonome",
        }
    }

    pub fn parse(code: &str) -> Option<Niveau> {
        Niveau::TOUS.into_iter().find(|n| n.code() == code)
    }

    /// The label people read; the three upper ones are the Coop's `autonomie` labels.
    pub fn libelle(self) -> &'static str {
        match self {
            Niveau::PasEncoreAborde => "Pas encore abordé",
            Niveau::EntierementAccompagne => "Avec guidage",
            Niveau::PartiellementAutonome => "Autonome avec guidage en cas de besoin",
            Niveau::Autonome => "Autonome",
        }
    }

    /// 0 to 3, for charts and comparisons.
    pub fn rang(self) -> u8 {
        self as u8
    }
}

/// A diagnostic's levels: competence code → level. A competence left out was not assessed.
pub type Niveaux = BTreeMap<String, Niveau>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coop;
    use serde_json::Value;

    #[test]
    fn framework_matches_the_reference_file_exactly() {
        let r: Value = serde_json::from_str(include_str!("../../../reference/pix-competences.json")).unwrap();
        let domains = r["domains"].as_array().unwrap();
        assert_eq!(domains.len(), DOMAINES.len());
        for (ours, theirs) in DOMAINES.iter().zip(domains) {
            assert_eq!(ours.code, theirs["code"]);
            assert_eq!(ours.titre, theirs["title"]);
            let comps = theirs["competences"].as_array().unwrap();
            assert_eq!(ours.competences.len(), comps.len());
            for ((code, title), c) in ours.competences.iter().zip(comps) {
                assert_eq!(*code, c["code"]);
                assert_eq!(*title, c["title"]);
            }
        }
        assert_eq!(codes().count(), 16);
    }

    #[test]
    fn the_scale_is_ordered_and_uses_the_coop_autonomy_values() {
        assert!(Niveau::PasEncoreAborde < Niveau::EntierementAccompagne);
        assert!(Niveau::EntierementAccompagne < Niveau::PartiellementAutonome);
        assert!(Niveau::PartiellementAutonome < Niveau::Autonome);
        for n in &Niveau::TOUS[1..] {
            assert_eq!(coop::label(coop::AUTONOMIE, n.code()), Some(n.libelle()));
        }
        for n in Niveau::TOUS {
            assert_eq!(Niveau::parse(n.code()), Some(n));
            assert_eq!(serde_json::to_string(&n).unwrap(), format!("\"{}\"", n.code()));
        }
        assert_eq!(Niveau::parse("expert"), None);
    }

    #[test]
    fn titles() {
        assert_eq!(libelle("2.1"), "2.1 Interagir");
        assert!(existe("5.2"));
        assert!(!existe("6.1"));
    }
}
