//! Generated venue files for load tests and measurements (30,000 venues and more): valid v1.0.2
//! rows spread over the real communes in proportion to their population, each placed near its
//! commune's point. Deterministic for a given seed. Not demo data: names are « Lieu n° … ».

use crate::db::Db;
use carnet_domain::lieux::export;
use carnet_domain::lieux::vocabulaire::{V1_DISPOSITIFS, V1_PUBLICS, V1_SERVICES};
use carnet_domain::lieux::{LieuStandard, PassNumerique};
use chrono::NaiveDate;

/// A small deterministic generator (SplitMix64): no dependency, same file on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

const HORAIRES: [&str; 6] = [
    "Mo-Fr 09:00-12:00,14:00-18:00",
    "Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00",
    "Tu-Sa 10:00-18:00; PH off",
    "Mo,We,Fr 14:00-17:30",
    "Mo-Fr 08:30-12:00,13:30-17:00; Th off",
    "24/7",
];

/// A SIRET with a valid Luhn key, from 13 random digits.
fn siret(rng: &mut Rng) -> String {
    let body: String = (0..13).map(|_| char::from(b'0' + rng.below(10) as u8)).collect();
    (0..10)
        .map(|k| format!("{body}{k}"))
        .find(|s| carnet_domain::lieux::identifiants::luhn(s))
        .expect("one key digit works")
}

fn pick(rng: &mut Rng, values: &[&str], p: f64, max: usize) -> Vec<String> {
    let mut out: Vec<String> = values.iter().filter(|_| rng.unit() < p).map(|v| v.to_string()).collect();
    out.truncate(max);
    out
}

/// Communes with a point: (INSEE, name, first postcode, population, lat, lon).
async fn communes(db: &Db) -> sqlx::Result<Vec<(String, String, String, i64, f64, f64)>> {
    let rows = crate::store::lieux::communes_placees(&mut *db.acquire().await?).await?;
    Ok(rows
        .into_iter()
        .map(|c| {
            let cp = c.codes_postaux.split(',').next().unwrap_or("").to_string();
            (c.code_insee, c.nom, cp, c.population.max(1), c.latitude, c.longitude)
        })
        .collect())
}

/// `n` venues as a v1.0.2 CSV file; about `part_pass` of them accept the Pass.
pub async fn csv(db: &Db, n: usize, seed: u64, part_pass: f64) -> sqlx::Result<String> {
    let communes = communes(db).await?;
    // Cumulative population, to draw communes in proportion to it.
    let mut cumul = Vec::with_capacity(communes.len());
    let mut total = 0i64;
    for c in &communes {
        total += c.3;
        cumul.push(total);
    }
    let mut rng = Rng(seed);
    let mut out = String::with_capacity(n * 450);
    export::en_tete(&mut out);
    for i in 0..n {
        let target = rng.below(total as u64) as i64;
        let k = cumul.partition_point(|&x| x <= target).min(communes.len() - 1);
        let (insee, nom, cp, _, la, lo) = &communes[k];
        let lieu = LieuStandard {
            id: format!("gen-{i}"),
            pivot: siret(&mut rng),
            nom: format!("Lieu n° {i} de {nom}"),
            commune: nom.clone(),
            code_postal: cp.clone(),
            code_insee: Some(insee.clone()),
            adresse: format!("{} rue de la République", 1 + rng.below(120)),
            complement_adresse: None,
            // Within about 2 km of the commune's point.
            latitude: Some(((la + (rng.unit() - 0.5) * 0.03) * 1e5).round() / 1e5),
            longitude: Some(((lo + (rng.unit() - 0.5) * 0.04) * 1e5).round() / 1e5),
            typologie: Vec::new(),
            telephone: Some(format!("+332{:08}", rng.below(100_000_000))),
            courriels: vec![format!("contact{i}@exemple.fr")],
            site_web: Vec::new(),
            horaires: Some(HORAIRES[rng.below(HORAIRES.len() as u64) as usize].to_string()),
            presentation_resume: None,
            presentation_detail: None,
            source: Some("Générateur Carnet".into()),
            itinerance: vec!["Fixe".into()],
            structure_parente: None,
            date_maj: NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
            services: {
                let s = pick(&mut rng, V1_SERVICES.valeurs, 0.3, 4);
                if s.is_empty() {
                    vec![V1_SERVICES.valeurs[1].to_string()]
                } else {
                    s
                }
            },
            publics_specifiquement_adresses: pick(&mut rng, V1_PUBLICS.valeurs, 0.1, 2),
            prise_en_charge_specifique: Vec::new(),
            frais_a_charge: vec!["Gratuit".into()],
            dispositif_programmes_nationaux: pick(&mut rng, V1_DISPOSITIFS.valeurs, 0.12, 3),
            formations_labels: Vec::new(),
            autres_formations_labels: None,
            modalites_acces: vec!["Se présenter".into()],
            modalites_accompagnement: vec!["Accompagnement individuel".into()],
            fiche_acces_libre: None,
            prise_rdv: None,
        };
        let pass = PassNumerique { accepte: rng.unit() < part_pass, operateur: None };
        export::ligne(&mut out, &lieu, &pass);
    }
    Ok(out)
}
