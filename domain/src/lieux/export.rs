//! Export in schema v1.0.2 (CSV, `,` between columns, `|` between values, the schema's column
//! order). v1 has no Pass numérique value: acceptance goes in the free text
//! `autres_formations_labels`, as a mention the import reads back.

use super::csv::write_line;
use super::{mention_pass, LieuStandard, PassNumerique, CHAMPS_V1};

pub fn en_tete(out: &mut String) {
    write_line(out, &CHAMPS_V1, ',');
}

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn num(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// The 32 values of one venue, in the schema's order.
pub fn valeurs(l: &LieuStandard, pass: &PassNumerique) -> [String; 32] {
    let autres = match (l.autres_formations_labels.as_deref(), mention_pass(pass)) {
        (Some(a), Some(m)) => format!("{a}|{m}"),
        (Some(a), None) => a.to_string(),
        (None, Some(m)) => m,
        (None, None) => String::new(),
    };
    [
        l.id.clone(),
        l.pivot.clone(),
        l.nom.clone(),
        l.commune.clone(),
        l.code_postal.clone(),
        opt(&l.code_insee),
        l.adresse.clone(),
        opt(&l.complement_adresse),
        num(l.latitude),
        num(l.longitude),
        l.typologie.join("|"),
        opt(&l.telephone),
        l.courriels.join("|"),
        l.site_web.join("|"),
        opt(&l.horaires),
        opt(&l.presentation_resume),
        opt(&l.presentation_detail),
        opt(&l.source),
        l.itinerance.join("|"),
        opt(&l.structure_parente),
        l.date_maj.format("%Y-%m-%d").to_string(),
        l.services.join("|"),
        l.publics_specifiquement_adresses.join("|"),
        l.prise_en_charge_specifique.join("|"),
        l.frais_a_charge.join("|"),
        l.dispositif_programmes_nationaux.join("|"),
        l.formations_labels.join("|"),
        autres,
        l.modalites_acces.join("|"),
        l.modalites_accompagnement.join("|"),
        opt(&l.fiche_acces_libre),
        opt(&l.prise_rdv),
    ]
}

pub fn ligne(out: &mut String, l: &LieuStandard, pass: &PassNumerique) {
    let v = valeurs(l, pass);
    let refs: Vec<&str> = v.iter().map(String::as_str).collect();
    write_line(out, &refs, ',');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lieux::import::{lire, valider, Version};

    fn import(text: &str) -> Vec<(LieuStandard, Option<PassNumerique>)> {
        let f = lire(text.as_bytes()).unwrap();
        f.lignes.iter().map(|l| valider(l, f.version).map(|x| (x.lieu, x.pass)).unwrap()).collect()
    }

    #[test]
    fn export_reimports_identically() {
        let mut lieux = import(include_str!("../../../reference/lieux/exemple-valide-v1.0.2.csv"));
        lieux.extend(import(include_str!("../../../reference/lieux/exemple-valide-v0.1.1.csv")));
        // Quotes, commas and line breaks in free text; a venue with almost nothing.
        let mut odd = lieux[0].0.clone();
        odd.id = "bizarre".into();
        odd.nom = "L'« atelier », dit \"le Labo\"".into();
        odd.presentation_detail = Some("Ligne 1\nLigne 2, avec virgule".into());
        odd.autres_formations_labels = None;
        lieux.push((odd, Some(PassNumerique { accepte: true, operateur: None })));
        let mut bare = lieux[0].0.clone();
        bare.id = "nu".into();
        bare.latitude = None;
        bare.longitude = None;
        bare.services.clear();
        bare.horaires = None;
        lieux.push((bare, None));

        let mut out = String::new();
        en_tete(&mut out);
        for (l, p) in &lieux {
            ligne(&mut out, l, &p.clone().unwrap_or_default());
        }
        let f = lire(out.as_bytes()).unwrap();
        assert_eq!(f.version, Version::V1);
        assert!(f.colonnes_inconnues.is_empty());
        let back = import(&out);
        assert_eq!(back, lieux);
    }
}
