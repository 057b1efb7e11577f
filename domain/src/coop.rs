//! The vocabulary of La Coop de la médiation numérique (session reports and beneficiary
//! records), copied exactly from `reference/coop-cra-enums.json`: API value, then French label.
//! A test checks these tables against the reference file, so they cannot drift.

/// A closed list of (API value, French label).
pub type Vocabulaire = &'static [(&'static str, &'static str)];

pub const TYPE_ACTIVITE: Vocabulaire =
    &[("individuel", "Accompagnement individuel"), ("collectif", "Atelier collectif")];

pub const TYPE_LIEU: Vocabulaire = &[
    ("lieu_activite", "Lieu d'activité"),
    ("autre", "Autre lieu"),
    ("domicile", "À domicile"),
    ("a_distance", "À distance"),
];

pub const DUREE_PRESETS_MINUTES: &[u32] = &[15, 30, 45, 60, 90, 120];

pub const MATERIEL: Vocabulaire = &[
    ("ordinateur", "Ordinateur"),
    ("telephone", "Téléphone"),
    ("tablette", "Tablette"),
    ("autre", "Autre"),
    ("aucun", "Pas de matériel"),
];

pub const AUTONOMIE: Vocabulaire = &[
    ("entierement_accompagne", "Avec guidage"),
    ("partiellement_autonome", "Autonome avec guidage en cas de besoin"),
    ("autonome", "Autonome"),
];

pub const NIVEAU_ATELIER: Vocabulaire =
    &[("debutant", "Débutant"), ("intermediaire", "Intermédiaire"), ("avance", "Avancé")];

pub const STRUCTURE_DE_REDIRECTION: Vocabulaire = &[
    ("administration", "Administration (mairie, préfecture…)"),
    ("mediation_numerique", "Autre structure de médiation numérique"),
    ("operateur_ou_organisme_en_charge", "Opérateur ou organisme en charge de la démarche administrative"),
    ("aide_sociale", "Structure d'aide sociale (maison des solidarités, centre social…)"),
    (
        "insertion_professionnelle",
        "Structure d'insertion professionnelle (France Travail, mission locale, chambre de commerce…)",
    ),
    ("aide_aux_demarches_administratives", "Structure d'aide aux démarches administratives (France Services…)"),
    ("autre", "Autre"),
];

pub const THEMATIQUES_MEDIATION_NUMERIQUE: Vocabulaire = &[
    ("diagnostic_numerique", "Diagnostic numérique"),
    ("prendre_en_main_du_materiel", "Prendre en main du matériel"),
    ("maintenance_de_materiel", "Maintenance de matériel"),
    ("gere_ses_contenus_numeriques", "Gérer ses contenus numériques"),
    ("navigation_sur_internet", "Navigation sur internet"),
    ("email", "E-mail"),
    ("bureautique", "Bureautique"),
    ("reseaux_sociaux", "Réseaux sociaux communication"),
    ("sante", "Santé"),
    ("banque_et_achats_en_ligne", "Banque et achats en ligne"),
    ("entrepreneuriat", "Accompagner un professionnel"),
    ("insertion_professionnelle", "Insertion professionnelle"),
    ("securite_numerique", "Prévention en sécurité numérique"),
    ("parentalite", "Parentalité"),
    ("scolarite_et_numerique", "Scolarité et numérique"),
    ("creer_avec_le_numerique", "Créer avec le numérique"),
    ("culture_numerique", "Culture numérique"),
    ("intelligence_artificielle", "Intelligence artificielle (IA)"),
    ("aide_aux_demarches_administratives", "Aide aux démarches administratives"),
];

pub const THEMATIQUES_DEMARCHES_ADMINISTRATIVES: Vocabulaire = &[
    ("papiers_elections_citoyennete", "Papiers - Élections - Citoyenneté"),
    ("famille_scolarite", "Famille - Scolarité"),
    ("social_sante", "Social - Santé"),
    ("travail_formation", "Travail - Formation - Entreprise"),
    ("logement", "Logement"),
    ("transports_mobilite", "Transports - Mobilité"),
    ("argent_impots", "Argent - Impôts"),
    ("justice", "Justice"),
    ("etrangers_europe", "Étrangers - Europe"),
    ("loisirs_sports_culture", "Loisirs - Sports - Culture"),
    ("associations", "Associations"),
];

pub const GENRE: Vocabulaire =
    &[("masculin", "Masculin"), ("feminin", "Féminin"), ("non_communique", "Non communiqué")];

pub const TRANCHE_AGE: Vocabulaire = &[
    ("moins_de_douze", "Moins de 12 ans"),
    ("douze_dix_huit", "12 - 17 ans"),
    ("dix_huit_vingt_quatre", "18 - 24 ans"),
    ("vingt_cinq_trente_neuf", "25 - 39 ans"),
    ("quarante_cinquante_neuf", "40 - 59 ans"),
    ("soixante_soixante_neuf", "60 - 69 ans"),
    ("soixante_dix_plus", "70 ans et plus"),
    ("non_communique", "Non communiqué"),
];

/// Lower bounds (in years) of the age bands after the first, in `TRANCHE_AGE` order.
pub const TRANCHE_AGE_THRESHOLDS_YEARS: &[i32] = &[12, 18, 25, 40, 60, 70];

pub const STATUT_SOCIAL: Vocabulaire = &[
    ("scolarise", "Scolarisé"),
    ("sans_emploi", "Sans emploi"),
    ("en_emploi", "En emploi"),
    ("retraite", "Retraité"),
    ("non_communique", "Non communiqué ou hétérogène"),
];

pub const RDV_STATUS: Vocabulaire = &[
    ("unknown", "À venir"),
    ("seen", "Honoré"),
    ("revoked", "Annulé"),
    ("excused", "Annulé par bénéficiaire"),
    ("noshow", "Absence"),
];

/// The French label of a value, if the value belongs to the list.
pub fn label(vocabulaire: Vocabulaire, value: &str) -> Option<&'static str> {
    vocabulaire.iter().find(|(v, _)| *v == value).map(|(_, l)| *l)
}

pub fn contains(vocabulaire: Vocabulaire, value: &str) -> bool {
    label(vocabulaire, value).is_some()
}

/// The Coop age band of someone born in `annee_naissance`, in year `annee_reference`.
/// Only the year is known (we do not keep birth dates), so the age is the difference of years:
/// a person born in 2008 counts as 18 throughout 2026.
pub fn tranche_age(annee_naissance: i32, annee_reference: i32) -> &'static str {
    let age = annee_reference - annee_naissance;
    let band = TRANCHE_AGE_THRESHOLDS_YEARS.iter().filter(|&&t| age >= t).count();
    TRANCHE_AGE[band].0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn reference() -> Value {
        let text = include_str!("../../reference/coop-cra-enums.json");
        serde_json::from_str(text).unwrap()
    }

    fn pairs(v: &Value) -> Vec<(String, String)> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_str().unwrap().to_string(), p[1].as_str().unwrap().to_string()))
            .collect()
    }

    #[test]
    fn tables_match_the_reference_file_exactly() {
        let r = reference();
        let tables: &[(&str, Vocabulaire)] = &[
            ("type_activite", TYPE_ACTIVITE),
            ("type_lieu", TYPE_LIEU),
            ("materiel", MATERIEL),
            ("autonomie", AUTONOMIE),
            ("niveau_atelier", NIVEAU_ATELIER),
            ("structure_de_redirection", STRUCTURE_DE_REDIRECTION),
            ("thematiques_mediation_numerique", THEMATIQUES_MEDIATION_NUMERIQUE),
            ("thematiques_demarches_administratives", THEMATIQUES_DEMARCHES_ADMINISTRATIVES),
            ("genre", GENRE),
            ("tranche_age", TRANCHE_AGE),
            ("statut_social", STATUT_SOCIAL),
            ("rdv_status", RDV_STATUS),
        ];
        for (key, table) in tables {
            let ours: Vec<(String, String)> = table.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
            assert_eq!(ours, pairs(&r[*key]), "{key}");
        }
        let presets: Vec<u64> =
            r["duree_presets_minutes"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
        assert_eq!(presets, DUREE_PRESETS_MINUTES.iter().map(|&m| m as u64).collect::<Vec<_>>());
        let thresholds: Vec<i64> =
            r["tranche_age_thresholds_years"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
        assert_eq!(thresholds, TRANCHE_AGE_THRESHOLDS_YEARS.iter().map(|&t| t as i64).collect::<Vec<_>>());
    }

    #[test]
    fn age_band_boundaries() {
        let cases = [
            (2026, "moins_de_douze"),
            (2015, "moins_de_douze"),          // 11
            (2014, "douze_dix_huit"),          // 12
            (2009, "douze_dix_huit"),          // 17
            (2008, "dix_huit_vingt_quatre"),   // 18
            (2002, "dix_huit_vingt_quatre"),   // 24
            (2001, "vingt_cinq_trente_neuf"),  // 25
            (1987, "vingt_cinq_trente_neuf"),  // 39
            (1986, "quarante_cinquante_neuf"), // 40
            (1967, "quarante_cinquante_neuf"), // 59
            (1966, "soixante_soixante_neuf"),  // 60
            (1957, "soixante_soixante_neuf"),  // 69
            (1956, "soixante_dix_plus"),       // 70
            (1920, "soixante_dix_plus"),
        ];
        for (year, band) in cases {
            assert_eq!(tranche_age(year, 2026), band, "born {year}");
        }
    }

    #[test]
    fn labels() {
        assert_eq!(label(GENRE, "feminin"), Some("Féminin"));
        assert_eq!(label(GENRE, "autre"), None);
        assert!(contains(STATUT_SOCIAL, "retraite"));
    }
}
