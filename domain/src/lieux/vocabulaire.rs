//! The enumerations of the national venue data standard, values copied exactly from the
//! schemas' `pattern` constraints (`reference/lieux/schema-v1.0.2.json` and `schema-v0.1.1.json`).
//! Where a schema's description and its pattern disagree, the pattern is what validators check,
//! so it is the value we store and export; the description's spelling is accepted on import.

use crate::text::normalise;

/// One enumerated field: its name in the schema, its French title, and its exact values.
#[derive(Debug)]
pub struct Enumeration {
    pub champ: &'static str,
    pub titre: &'static str,
    pub valeurs: &'static [&'static str],
    /// Other spellings met in the schema's own text, mapped to the exact value.
    pub variantes: &'static [(&'static str, &'static str)],
}

// ---------------------------------------------------------------- v1.0.2 (`|` between values)

pub const V1_ITINERANCE: Enumeration =
    Enumeration { champ: "itinerance", titre: "Itinérance", valeurs: &["Itinérant", "Fixe"], variantes: &[] };

pub const V1_SERVICES: Enumeration = Enumeration {
    champ: "services",
    titre: "Services",
    valeurs: &[
        "Aide aux démarches administratives",
        "Maîtrise des outils numériques du quotidien",
        "Insertion professionnelle via le numérique",
        "Utilisation sécurisée du numérique",
        "Parentalité et éducation avec le numérique",
        "Loisirs et créations numériques",
        "Compréhension du monde numérique",
        "Accès internet et matériel informatique",
        "Acquisition de matériel informatique à prix solidaire",
    ],
    // The schema's description writes it without the accent.
    variantes: &[("Comprehension du monde numérique", "Compréhension du monde numérique")],
};

pub const V1_PUBLICS: Enumeration = Enumeration {
    champ: "publics_specifiquement_adresses",
    titre: "Publics spécifiquement adressés",
    valeurs: &["Jeunes", "Étudiants", "Familles et/ou enfants", "Seniors", "Femmes"],
    variantes: &[],
};

pub const V1_PRISE_EN_CHARGE: Enumeration = Enumeration {
    champ: "prise_en_charge_specifique",
    titre: "Prise en charge spécifique",
    valeurs: &[
        "Surdité",
        "Handicaps moteurs",
        "Handicaps mentaux",
        "Illettrisme",
        "Langues étrangères (anglais)",
        "Langues étrangères (autres)",
        "Déficience visuelle",
    ],
    variantes: &[],
};

pub const V1_FRAIS: Enumeration = Enumeration {
    champ: "frais_a_charge",
    titre: "Frais à charge",
    valeurs: &["Gratuit", "Gratuit sous condition", "Payant"],
    variantes: &[],
};

pub const V1_DISPOSITIFS: Enumeration = Enumeration {
    champ: "dispositif_programmes_nationaux",
    titre: "Dispositifs et programmes nationaux",
    valeurs: &[
        "Aidants Connect",
        "Bibliothèques numérique de référence",
        "Certification PIX",
        "Conseillers numériques",
        "Emmaüs Connect",
        "France Services",
        "Grande école du numérique",
        "La Croix Rouge",
        "Point d'accès numérique CAF",
        "Promeneurs du net",
        "Relais numérique (Emmaüs Connect)",
    ],
    variantes: &[],
};

pub const V1_FORMATIONS_LABELS: Enumeration = Enumeration {
    champ: "formations_labels",
    titre: "Formations et labels",
    valeurs: &[
        "Formé à « Mon Espace Santé »",
        "Formé à « DUPLEX » (illettrisme)",
        "Arnia/MedNum BFC (Bourgogne-Franche-Comté)",
        "Collectif ressources et acteurs réemploi (Normandie)",
        // Sic: the pattern has no space before the parenthesis.
        "Étapes numériques(La Poste)",
        "Fabriques de Territoire",
        "Les Éclaireurs du numérique (Drôme)",
        "Mes Papiers (Métropole de Lyon)",
        "ORDI 3.0",
        "SUD LABS (PACA)",
    ],
    variantes: &[("Étapes numériques (La Poste)", "Étapes numériques(La Poste)")],
};

pub const V1_MODALITES_ACCES: Enumeration = Enumeration {
    champ: "modalites_acces",
    titre: "Modalités d'accès",
    valeurs: &[
        "Se présenter",
        "Téléphoner",
        "Contacter par mail",
        "Prendre un RDV en ligne",
        "Ce lieu n'accueille pas de public",
        "Envoyer un mail avec une fiche de prescription",
    ],
    variantes: &[],
};

pub const V1_MODALITES_ACCOMPAGNEMENT: Enumeration = Enumeration {
    champ: "modalites_accompagnement",
    titre: "Modalités d'accompagnement",
    valeurs: &["En autonomie", "Accompagnement individuel", "Dans un atelier collectif", "À distance"],
    // The description's long forms.
    variantes: &[
        ("Dans un atelier collectif : j'apprends collectivement à utiliser le numérique", "Dans un atelier collectif"),
        ("À distance (par téléphone ou en visioconférence)", "À distance"),
    ],
};

/// Every enumerated field of v1.0.2, in the schema's order.
pub const V1_ENUMERATIONS: &[&Enumeration] = &[
    &V1_ITINERANCE,
    &V1_SERVICES,
    &V1_PUBLICS,
    &V1_PRISE_EN_CHARGE,
    &V1_FRAIS,
    &V1_DISPOSITIFS,
    &V1_FORMATIONS_LABELS,
    &V1_MODALITES_ACCES,
    &V1_MODALITES_ACCOMPAGNEMENT,
];

// ---------------------------------------------------------------- v0.1.1 (`;` between values)

pub const V0_SERVICES: Enumeration = Enumeration {
    champ: "services",
    titre: "Services",
    valeurs: &[
        "Devenir autonome dans les démarches administratives",
        "Réaliser des démarches administratives avec un accompagnement",
        "Prendre en main un smartphone ou une tablette",
        "Prendre en main un ordinateur",
        "Utiliser le numérique au quotidien",
        "Approfondir ma culture numérique",
        "Favoriser mon insertion professionnelle",
        "Accéder à une connexion internet",
        "Accéder à du matériel",
        "S'équiper en matériel informatique",
        "Créer et développer mon entreprise",
        "Créer avec le numérique",
        "Accompagner les démarches de santé",
        "Promouvoir la citoyenneté numérique",
        "Soutenir la parentalité et l'éducation avec le numérique",
    ],
    variantes: &[],
};

pub const V0_PUBLICS_ACCUEILLIS: Enumeration = Enumeration {
    champ: "publics_accueillis",
    titre: "Publics accueillis",
    valeurs: &[
        "Seniors (+ 65 ans)",
        "Familles/enfants",
        "Adultes",
        "Jeunes (16-26 ans)",
        "Public langues étrangères",
        "Déficience visuelle",
        "Surdité",
        "Handicaps psychiques : troubles psychiatriques donnant lieu à des atteintes comportementales",
        "Handicaps mentaux : déficiences limitant les activités d'une personne",
        "Uniquement femmes",
        "Personnes en situation d'illettrisme",
    ],
    variantes: &[],
};

pub const V0_PASS_NUMERIQUE: &str =
    "Accepte le Pass numérique : Il est possible d'utiliser un Pass numérique pour accéder au lieu";

pub const V0_CONDITIONS_ACCES: Enumeration = Enumeration {
    champ: "conditions_acces",
    titre: "Conditions d'accès",
    valeurs: &[
        "Gratuit : Je peux accéder gratuitement au lieu et à ses services",
        "Gratuit sous condition : La gratuité est conditionnée à des critères (situation familiale, convention avec un organisme social...)",
        "Payant : L'accès au lieu et/ou à ses services est payant",
        V0_PASS_NUMERIQUE,
        "Adhésion : L'accès au lieu et/ou à ses services nécessite d'y adhérer",
    ],
    // Real files often keep only the part before the colon.
    variantes: &[
        ("Gratuit", "Gratuit : Je peux accéder gratuitement au lieu et à ses services"),
        (
            "Gratuit sous condition",
            "Gratuit sous condition : La gratuité est conditionnée à des critères (situation familiale, convention avec un organisme social...)",
        ),
        ("Payant", "Payant : L'accès au lieu et/ou à ses services est payant"),
        ("Accepte le Pass numérique", V0_PASS_NUMERIQUE),
        ("Adhésion", "Adhésion : L'accès au lieu et/ou à ses services nécessite d'y adhérer"),
    ],
};

pub const V0_LABELS_NATIONAUX: Enumeration = Enumeration {
    champ: "labels_nationaux",
    titre: "Labels nationaux",
    valeurs: &[
        "France Services",
        "CNFS",
        "APTIC",
        "Aidants Connect",
        "Fabriques de Territoire",
        "Grandes écoles du numérique",
        "Point relais CAF",
        "Point numérique CAF",
        "Relais pôle emploi",
        "French Tech",
        "Campus connecté",
    ],
    variantes: &[],
};

pub const V0_MODALITES_ACCOMPAGNEMENT: Enumeration = Enumeration {
    champ: "modalites_accompagnement",
    titre: "Modalités d'accompagnement",
    valeurs: &[
        "Seul : j'ai accès à du matériel et une connexion",
        "Avec de l'aide : je suis accompagné seul dans l'usage du numérique",
        "Dans un atelier : j'apprends collectivement à utiliser le numérique",
        "A ma place : une personne habilitée fait les démarches à ma place",
    ],
    variantes: &[],
};

/// Every enumerated field of v0.1.1, in the schema's order.
pub const V0_ENUMERATIONS: &[&Enumeration] =
    &[&V0_SERVICES, &V0_PUBLICS_ACCUEILLIS, &V0_CONDITIONS_ACCES, &V0_LABELS_NATIONAUX, &V0_MODALITES_ACCOMPAGNEMENT];

/// Typographic apostrophes and spaces people paste from word processors.
fn tidy(s: &str) -> String {
    s.trim().replace(['’', 'ʼ'], "'").replace('\u{a0}', " ")
}

impl Enumeration {
    /// The exact value for what a file holds: the value itself, a known variant, or the same
    /// words with other case, accents or spacing. `None` if it is none of them.
    pub fn canonical(&self, raw: &str) -> Option<&'static str> {
        let v = tidy(raw);
        if let Some(exact) = self.valeurs.iter().find(|x| **x == v) {
            return Some(exact);
        }
        if let Some((_, to)) = self.variantes.iter().find(|(from, _)| *from == v) {
            return Some(to);
        }
        let n = normalise(&v);
        self.valeurs
            .iter()
            .copied()
            .chain(self.variantes.iter().map(|(from, _)| *from))
            .find(|x| normalise(x) == n)
            .map(|found| self.variantes.iter().find(|(from, _)| *from == found).map(|(_, to)| *to).unwrap_or(found))
    }

    /// Parses a multi-valued cell (`sep` between values). Empty → empty list. Each unknown
    /// value gives a French message naming it; duplicates are dropped; order of the file kept.
    pub fn parse_list(&self, raw: &str, sep: char) -> Result<Vec<&'static str>, String> {
        let mut out: Vec<&'static str> = Vec::new();
        let mut unknown = Vec::new();
        for part in raw.split(sep).map(str::trim).filter(|p| !p.is_empty()) {
            match self.canonical(part) {
                Some(v) if !out.contains(&v) => out.push(v),
                Some(_) => {}
                None => unknown.push(format!("« {part} »")),
            }
        }
        if unknown.is_empty() {
            Ok(out)
        } else {
            Err(format!(
                "{} : {} {} pas dans la liste du standard.",
                self.titre,
                unknown.join(", "),
                if unknown.len() > 1 { "ne sont" } else { "n'est" }
            ))
        }
    }

    /// Position of a value in the list (for bit sets).
    pub fn index(&self, value: &str) -> Option<usize> {
        self.valeurs.iter().position(|v| *v == value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_of_every_enumeration_parses_to_itself() {
        for e in V1_ENUMERATIONS.iter().chain(V0_ENUMERATIONS) {
            for v in e.valeurs {
                assert_eq!(e.canonical(v), Some(*v), "{} / {v}", e.champ);
            }
            let sep = if V1_ENUMERATIONS.iter().any(|x| std::ptr::eq(*x, *e)) { '|' } else { ';' };
            let all = e.valeurs.join(&sep.to_string());
            assert_eq!(e.parse_list(&all, sep).unwrap(), e.valeurs.to_vec(), "{}", e.champ);
        }
    }

    #[test]
    fn value_lists_match_the_schema_patterns() {
        // Counts of the alternatives of each pattern in the reference schemas.
        let counts: Vec<(&str, usize)> = V1_ENUMERATIONS.iter().map(|e| (e.champ, e.valeurs.len())).collect();
        assert_eq!(
            counts,
            vec![
                ("itinerance", 2),
                ("services", 9),
                ("publics_specifiquement_adresses", 5),
                ("prise_en_charge_specifique", 7),
                ("frais_a_charge", 3),
                ("dispositif_programmes_nationaux", 11),
                ("formations_labels", 10),
                ("modalites_acces", 6),
                ("modalites_accompagnement", 4),
            ]
        );
        let counts: Vec<usize> = V0_ENUMERATIONS.iter().map(|e| e.valeurs.len()).collect();
        assert_eq!(counts, vec![15, 11, 5, 11, 4]);
    }

    #[test]
    fn variants_case_and_accents() {
        assert_eq!(V1_SERVICES.canonical("Comprehension du monde numérique"), Some("Compréhension du monde numérique"));
        assert_eq!(
            V1_SERVICES.canonical("  aide aux demarches administratives "),
            Some("Aide aux démarches administratives")
        );
        assert_eq!(V1_FORMATIONS_LABELS.canonical("Étapes numériques (La Poste)"), Some("Étapes numériques(La Poste)"));
        assert_eq!(V1_PRISE_EN_CHARGE.canonical("Langues étrangères (anglais)"), Some("Langues étrangères (anglais)"));
        assert_eq!(V1_DISPOSITIFS.canonical("Point d’accès numérique CAF"), Some("Point d'accès numérique CAF"));
        assert_eq!(V0_CONDITIONS_ACCES.canonical("Accepte le Pass numérique"), Some(V0_PASS_NUMERIQUE));
        assert_eq!(V1_SERVICES.canonical("Jardinage"), None);
    }

    #[test]
    fn lists_report_unknown_values_by_name() {
        let e = V1_PUBLICS.parse_list("Jeunes|Pirates|Seniors|Jeunes", '|').unwrap_err();
        assert_eq!(e, "Publics spécifiquement adressés : « Pirates » n'est pas dans la liste du standard.");
        assert_eq!(V1_PUBLICS.parse_list("Jeunes||Seniors|Jeunes", '|').unwrap(), vec!["Jeunes", "Seniors"]);
        assert_eq!(V1_PUBLICS.parse_list("", '|').unwrap(), Vec::<&str>::new());
    }
}
