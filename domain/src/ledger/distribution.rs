//! Handing a carnet of one's lot to a person at intake: which of the buyer's criteria the person
//! meets (at least one; only the codes are kept, never a document), and where to send them to
//! use it when one's own structure cannot validate it.

use crate::api::FieldErrors;
use serde::{Deserialize, Serialize};

/// The intake form's fields that describe a typed carnet: irrelevant when the carnet comes from
/// one's lot (the ledger knows it).
pub fn champ_du_carnet(field: &str) -> bool {
    const CARNET_FIELDS: &[&str] = &[
        "carnet_numero",
        "nb_passes",
        "valeur_faciale",
        "fin_validite",
        "codes",
        "commanditaire",
        "canal",
        "date_reception",
    ];
    CARNET_FIELDS.contains(&field) || field.starts_with("code_")
}

/// Checks the ticked criteria against the order's; returns them in the order's order.
pub fn verifier_criteres(coches: &[String], criteres_commande: &[String]) -> Result<Vec<String>, FieldErrors> {
    let mut errors = FieldErrors::new();
    if let Some(unknown) = coches.iter().find(|c| !criteres_commande.contains(c)) {
        errors.insert(
            "criteres".into(),
            format!("Critères : « {unknown} » n'est pas un des publics visés par ce carnet."),
        );
    } else if coches.is_empty() {
        errors.insert(
            "criteres".into(),
            "Critères : cochez au moins un des publics visés par le commanditaire que la personne remplit.".into(),
        );
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(criteres_commande.iter().filter(|c| coches.contains(c)).cloned().collect())
}

/// How close an accredited structure is to the person, by commune.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", content = "km", rename_all = "snake_case")]
pub enum Proximite {
    MemeCommune,
    MemeDepartement,
    /// Distance between the centres of the two départements, in km.
    Departement(f64),
    /// No centre known for one of the départements (overseas, or unknown commune).
    Inconnue,
}

impl Proximite {
    /// Orders closest first.
    pub fn rang(self) -> f64 {
        match self {
            Proximite::MemeCommune => -2.0,
            Proximite::MemeDepartement => -1.0,
            Proximite::Departement(km) => km,
            Proximite::Inconnue => f64::MAX,
        }
    }

    pub fn libelle(self) -> String {
        match self {
            Proximite::MemeCommune => "Dans la même commune".into(),
            Proximite::MemeDepartement => "Dans le même département".into(),
            Proximite::Departement(km) => format!("Département voisin, environ {} km", (km / 5.0).round() as i64 * 5),
            Proximite::Inconnue => "Distance inconnue".into(),
        }
    }
}

/// Great-circle distance in km between two (longitude, latitude) points.
pub fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lon1, lat1) = (a.0.to_radians(), a.1.to_radians());
    let (lon2, lat2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}

/// Proximity of a structure in (`commune`, `departement`, centre of its département) to a person in
/// (`commune`, `departement`, centre).
pub fn proximite(personne: (&str, &str, Option<(f64, f64)>), structure: (&str, &str, Option<(f64, f64)>)) -> Proximite {
    if personne.0 == structure.0 {
        Proximite::MemeCommune
    } else if personne.1 == structure.1 {
        Proximite::MemeDepartement
    } else {
        match (personne.2, structure.2) {
            (Some(a), Some(b)) => Proximite::Departement(distance_km(a, b)),
            _ => Proximite::Inconnue,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn at_least_one_of_the_orders_criteria() {
        let commande = s(&["demandeur_emploi", "senior_60", "libre_1"]);
        assert_eq!(verifier_criteres(&s(&["libre_1", "senior_60"]), &commande).unwrap(), s(&["senior_60", "libre_1"]));
        assert!(verifier_criteres(&[], &commande).unwrap_err()["criteres"].contains("au moins un"));
        assert!(verifier_criteres(&s(&["residant_qpv"]), &commande).unwrap_err()["criteres"].contains("residant_qpv"));
    }

    #[test]
    fn carnet_fields_of_the_intake() {
        for f in ["carnet_numero", "code_1", "code_10", "canal", "fin_validite"] {
            assert!(champ_du_carnet(f), "{f}");
        }
        for f in ["prenom", "commune_insee", "annee_naissance", "criteres"] {
            assert!(!champ_du_carnet(f), "{f}");
        }
    }

    #[test]
    fn nearest_first() {
        let (brest, rennes, paris) = ((-4.3, 48.3), (-1.6, 48.1), (2.35, 48.86)); // 29, 35, 75
        let (brest, rennes, paris) = (Some(brest), Some(rennes), Some(paris));
        let p = ("29019", "29", brest);
        let same = proximite(p, ("29019", "29", brest));
        let dep = proximite(p, ("29075", "29", brest));
        let near = proximite(p, ("35238", "35", rennes));
        let far = proximite(p, ("75056", "75", paris));
        let unknown = proximite(p, ("97411", "974", None));
        let mut all = vec![unknown, far, near, dep, same];
        all.sort_by(|a, b| a.rang().partial_cmp(&b.rang()).unwrap());
        assert_eq!(all, vec![same, dep, near, far, unknown]);
        let km = distance_km((-4.3, 48.3), (2.35, 48.86));
        assert!((480.0..530.0).contains(&km), "{km}");
        assert_eq!(Proximite::Departement(198.0).libelle(), "Département voisin, environ 200 km");
    }
}
