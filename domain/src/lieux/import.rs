//! Reading venue files of the national standard: CSV or JSON, schema v1.0.2 or v0.1.1, each
//! record checked field by field. A record that breaks the standard gives one French message
//! per faulty field; the others go in. v0.1.1 records are mapped to v1.0.2 (see `map_v0`).

use super::csv::{self, Record};
use super::identifiants as id;
use super::vocabulaire::{self as voc, Enumeration};
use super::{lire_mention_pass, LieuStandard, PassNumerique, CHAMPS_V0, CHAMPS_V1, OPERATEUR_APTIC};
use chrono::NaiveDate;
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    V1,
    V0,
}

impl Version {
    pub fn label(self) -> &'static str {
        match self {
            Version::V1 => "1.0.2",
            Version::V0 => "0.1.1",
        }
    }

    /// The separator between the values of a multi-valued field.
    pub fn separateur(self) -> char {
        match self {
            Version::V1 => '|',
            Version::V0 => ';',
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

impl Format {
    pub fn label(self) -> &'static str {
        match self {
            Format::Csv => "CSV",
            Format::Json => "JSON",
        }
    }
}

/// One record as read: column → text, and where it is in the file (CSV line, or rank of the
/// element in a JSON array, from 1).
#[derive(Clone, Debug, PartialEq)]
pub struct Ligne {
    pub ligne: u32,
    pub valeurs: BTreeMap<String, String>,
}

impl Ligne {
    fn get(&self, champ: &str) -> &str {
        self.valeurs.get(champ).map(|s| s.trim()).unwrap_or("")
    }
}

/// A file read and recognised, before its records are checked.
#[derive(Clone, Debug)]
pub struct Fichier {
    pub format: Format,
    pub version: Version,
    pub lignes: Vec<Ligne>,
    /// Columns that are in neither version of the standard (ignored).
    pub colonnes_inconnues: Vec<String>,
    /// Problems with the file as a whole that did not stop it (e.g. text in Windows-1252).
    pub avertissements: Vec<String>,
}

/// One faulty field of one record.
#[derive(Clone, Debug, PartialEq)]
pub struct ErreurChamp {
    pub champ: String,
    pub message: String,
}

/// A record that passed every check, in v1.0.2 shape, with what it says about the Pass.
#[derive(Clone, Debug, PartialEq)]
pub struct LieuImporte {
    pub lieu: LieuStandard,
    /// `Some` only when the file says the venue accepts the Pass: silence never withdraws an
    /// acceptance recorded in Carnet.
    pub pass: Option<PassNumerique>,
    /// v0.1's BAN address key, kept although v1 dropped it.
    pub cle_ban: Option<String>,
}

const REQUIRED_V1: [&str; 7] = ["id", "pivot", "nom", "commune", "code_postal", "adresse", "date_maj"];
const REQUIRED_V0: [&str; 8] = ["id", "pivot", "nom", "commune", "code_postal", "adresse", "date_maj", "services"];

/// Windows-1252 for bytes 0x80–0x9F (the rest of the range is Latin-1).
const CP1252: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}', '\u{90}', '‘', '’',
    '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
];

/// Text of a file: UTF-8, or else Windows-1252 (what French spreadsheets save as « CSV »).
pub fn decode(bytes: &[u8]) -> (String, bool) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), false),
        Err(_) => (
            bytes
                .iter()
                .map(|&b| if (0x80..0xA0).contains(&b) { CP1252[(b - 0x80) as usize] } else { b as char })
                .collect(),
            true,
        ),
    }
}

fn detect_version(columns: &[String]) -> Version {
    let has = |c: &str| columns.iter().any(|x| x == c);
    let v0_only = [
        "conditions_acces",
        "labels_nationaux",
        "publics_accueillis",
        "courriel",
        "cle_ban",
        "labels_autres",
        "accessibilite",
    ];
    let v1_only = [
        "courriels",
        "publics_specifiquement_adresses",
        "prise_en_charge_specifique",
        "frais_a_charge",
        "dispositif_programmes_nationaux",
        "formations_labels",
        "autres_formations_labels",
        "modalites_acces",
        "fiche_acces_libre",
        "itinerance",
    ];
    let v0 = v0_only.iter().filter(|c| has(c)).count();
    let v1 = v1_only.iter().filter(|c| has(c)).count();
    if v0 > v1 {
        Version::V0
    } else {
        Version::V1
    }
}

fn finish(
    format: Format,
    columns: Vec<String>,
    lignes: Vec<Ligne>,
    mut avertissements: Vec<String>,
) -> Result<Fichier, String> {
    let version = detect_version(&columns);
    let required: &[&str] = match version {
        Version::V1 => &REQUIRED_V1,
        Version::V0 => &REQUIRED_V0,
    };
    let missing: Vec<&str> = required.iter().copied().filter(|c| !columns.iter().any(|x| x == c)).collect();
    if !missing.is_empty() {
        return Err(format!(
            "Le fichier ne suit pas le standard des lieux de médiation numérique (version {} reconnue) : colonne{} obligatoire{} absente{} : {}.",
            version.label(),
            if missing.len() > 1 { "s" } else { "" },
            if missing.len() > 1 { "s" } else { "" },
            if missing.len() > 1 { "s" } else { "" },
            missing.join(", ")
        ));
    }
    let known: &[&str] = match version {
        Version::V1 => &CHAMPS_V1,
        Version::V0 => &CHAMPS_V0,
    };
    let mut colonnes_inconnues: Vec<String> =
        columns.iter().filter(|c| !known.contains(&c.as_str())).cloned().collect();
    colonnes_inconnues.dedup();
    if !colonnes_inconnues.is_empty() {
        avertissements.push(format!(
            "Colonne{} ignorée{} (hors du standard {}) : {}.",
            if colonnes_inconnues.len() > 1 { "s" } else { "" },
            if colonnes_inconnues.len() > 1 { "s" } else { "" },
            version.label(),
            colonnes_inconnues.join(", ")
        ));
    }
    Ok(Fichier { format, version, lignes, colonnes_inconnues, avertissements })
}

/// Reads a CSV or JSON file of venues (JSON when it starts with `[` or `{`).
pub fn lire(bytes: &[u8]) -> Result<Fichier, String> {
    let (text, latin) = decode(bytes);
    let mut avertissements = Vec::new();
    if latin {
        avertissements
            .push("Le fichier n'est pas en UTF-8 : il a été lu en Windows-1252 (encodage des tableurs).".into());
    }
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.is_empty() {
        return Err("Le fichier est vide.".into());
    }
    if trimmed.starts_with('[') || trimmed.starts_with('{') {
        lire_json(trimmed, avertissements)
    } else {
        lire_csv(&text, avertissements)
    }
}

fn lire_csv(text: &str, avertissements: Vec<String>) -> Result<Fichier, String> {
    let delimiter = csv::guess_delimiter(text);
    let mut records = csv::read(text, delimiter).into_iter();
    let header = records.next().ok_or("Le fichier est vide.")?;
    let columns: Vec<String> =
        header.champs.iter().map(|c| c.trim().trim_start_matches('\u{feff}').to_string()).collect();
    let mut lignes = Vec::new();
    for Record { ligne, champs } in records {
        let mut valeurs = BTreeMap::new();
        if champs.len() != columns.len() {
            valeurs.insert(
                "__colonnes".to_string(),
                format!(
                    "La ligne compte {} colonnes au lieu de {} (guillemet ou séparateur en trop ?).",
                    champs.len(),
                    columns.len()
                ),
            );
        }
        for (c, v) in columns.iter().zip(champs) {
            valeurs.insert(c.clone(), v);
        }
        lignes.push(Ligne { ligne, valeurs });
    }
    finish(Format::Csv, columns, lignes, avertissements)
}

fn lire_json(text: &str, avertissements: Vec<String>) -> Result<Fichier, String> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| format!("Le fichier JSON est mal formé (ligne {}, colonne {}).", e.line(), e.column()))?;
    // Either an array of venues, or an object holding one (e.g. `{ "lieux": [...] }`).
    let items = match value {
        serde_json::Value::Array(a) => a,
        serde_json::Value::Object(o) => o
            .into_iter()
            .find_map(|(_, v)| match v {
                serde_json::Value::Array(a) => Some(a),
                _ => None,
            })
            .ok_or("Le fichier JSON ne contient pas de liste de lieux.")?,
        _ => return Err("Le fichier JSON ne contient pas de liste de lieux.".into()),
    };
    let mut columns: Vec<String> = Vec::new();
    for item in items.iter().take(200) {
        if let serde_json::Value::Object(o) = item {
            for k in o.keys() {
                if !columns.contains(k) {
                    columns.push(k.clone());
                }
            }
        }
    }
    let version = detect_version(&columns);
    let sep = version.separateur().to_string();
    let mut lignes = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let mut valeurs = BTreeMap::new();
        match item {
            serde_json::Value::Object(o) => {
                for (k, v) in o {
                    valeurs.insert(k, json_text(&v, &sep));
                }
            }
            _ => {
                valeurs.insert("__colonnes".to_string(), "Cet élément n'est pas un objet JSON.".to_string());
            }
        }
        lignes.push(Ligne { ligne: i as u32 + 1, valeurs });
    }
    finish(Format::Json, columns, lignes, avertissements)
}

fn json_text(v: &serde_json::Value, sep: &str) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(a) => a.iter().map(|x| json_text(x, sep)).collect::<Vec<_>>().join(sep),
        other => other.to_string(),
    }
}

// ------------------------------------------------------------------------------ checking

struct Checker<'a> {
    ligne: &'a Ligne,
    errors: Vec<ErreurChamp>,
}

impl Checker<'_> {
    fn err(&mut self, champ: &str, message: impl Into<String>) {
        self.errors.push(ErreurChamp { champ: champ.into(), message: message.into() });
    }

    fn required(&mut self, champ: &str, titre: &str) -> String {
        let v = self.ligne.get(champ).to_string();
        if v.is_empty() {
            self.err(champ, format!("{titre} : ce champ est obligatoire."));
        }
        v
    }

    fn optional(&self, champ: &str) -> Option<String> {
        let v = self.ligne.get(champ);
        (!v.is_empty()).then(|| v.to_string())
    }

    fn list(&mut self, champ: &str, e: &Enumeration, sep: char) -> Vec<String> {
        match e.parse_list(self.ligne.get(champ), sep) {
            Ok(v) => v.into_iter().map(String::from).collect(),
            Err(m) => {
                self.err(champ, m);
                Vec::new()
            }
        }
    }

    fn free_list(&self, champ: &str, seps: &[char]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for p in self.ligne.get(champ).split(seps).map(str::trim).filter(|p| !p.is_empty()) {
            if !out.iter().any(|x| x == p) {
                out.push(p.to_string());
            }
        }
        out
    }

    fn courriels(&mut self, champ: &str, seps: &[char]) -> Vec<String> {
        let list = self.free_list(champ, seps);
        let bad: Vec<String> = list.iter().filter(|c| !id::is_courriel(c)).map(|c| format!("« {c} »")).collect();
        if !bad.is_empty() {
            self.err(champ, format!("Courriel(s) : {} n'est pas une adresse e-mail valide.", bad.join(", ")));
        }
        list.into_iter().filter(|c| id::is_courriel(c)).collect()
    }

    fn urls(&mut self, champ: &str, titre: &str, seps: &[char]) -> Vec<String> {
        let mut out = Vec::new();
        for u in self.free_list(champ, seps) {
            // « www.exemple.fr » is common: a host without scheme is read as https.
            let u = if !u.contains("://") && u.contains('.') && !u.contains(' ') { format!("https://{u}") } else { u };
            if id::is_url(&u) {
                out.push(u);
            } else {
                self.err(
                    champ,
                    format!("{titre} : « {u} » n'est pas une adresse web (elle doit commencer par https://)."),
                );
            }
        }
        out
    }

    fn url(&mut self, champ: &str, titre: &str) -> Option<String> {
        self.urls(champ, titre, &[]).into_iter().next()
    }
}

fn parse_number(s: &str) -> Option<f64> {
    s.trim().replace(',', ".").parse::<f64>().ok().filter(|x| x.is_finite())
}

/// `date_maj`: ISO 8601 (`2024-04-02`, what the schema wants), also read from a timestamp or a
/// French date (`02/04/2024`), which spreadsheets produce.
pub fn parse_date_maj(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let head = s.get(..10).unwrap_or(s);
    NaiveDate::parse_from_str(head, "%Y-%m-%d").or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y")).ok()
}

fn check_horaires(c: &mut Checker<'_>) -> Option<String> {
    let raw = c.optional("horaires")?;
    match super::horaires::Horaires::parse(&raw) {
        Ok(_) => Some(raw),
        Err(m) => {
            c.err("horaires", m);
            None
        }
    }
}

/// The fields both versions share, checked the same way.
fn common(
    c: &mut Checker<'_>,
) -> (String, String, String, String, String, Option<String>, String, Option<f64>, Option<f64>, Option<String>, NaiveDate)
{
    let ident = c.required("id", "Identifiant (id)");
    let nom = c.required("nom", "Nom");
    let commune = c.required("commune", "Commune");
    let adresse = c.required("adresse", "Adresse");
    let code_postal = match id::code_postal(c.ligne.get("code_postal")) {
        Ok(v) => v,
        Err(m) => {
            c.err("code_postal", m);
            String::new()
        }
    };
    let pivot = match id::pivot(c.ligne.get("pivot"), &code_postal) {
        Ok(v) => v,
        Err(m) => {
            c.err("pivot", m);
            String::new()
        }
    };
    let code_insee = match id::code_insee(c.ligne.get("code_insee")) {
        Ok(v) => v,
        Err(m) => {
            c.err("code_insee", m);
            None
        }
    };
    let (lat, lon) = (c.ligne.get("latitude").to_string(), c.ligne.get("longitude").to_string());
    let (latitude, longitude) = match (lat.is_empty(), lon.is_empty()) {
        (true, true) => (None, None),
        (false, true) | (true, false) => {
            let champ = if lat.is_empty() { "latitude" } else { "longitude" };
            c.err(champ, "Coordonnées : la latitude et la longitude vont ensemble ; l'une manque.");
            (None, None)
        }
        (false, false) => {
            let la = parse_number(&lat).filter(|x| (-90.0..=90.0).contains(x));
            let lo = parse_number(&lon).filter(|x| (-180.0..=180.0).contains(x));
            if la.is_none() {
                c.err("latitude", format!("Latitude : « {lat} » n'est pas un nombre entre -90 et 90."));
            }
            if lo.is_none() {
                c.err("longitude", format!("Longitude : « {lon} » n'est pas un nombre entre -180 et 180."));
            }
            match (la, lo) {
                (Some(a), Some(o)) => (Some(a), Some(o)),
                _ => (None, None),
            }
        }
    };
    let telephone = match id::telephone(c.ligne.get("telephone")) {
        Ok(v) => v,
        Err(m) => {
            c.err("telephone", m);
            None
        }
    };
    let date_maj = match c.ligne.get("date_maj") {
        "" => {
            c.err("date_maj", "Date de mise à jour : ce champ est obligatoire (format AAAA-MM-JJ).");
            None
        }
        s => {
            let d = parse_date_maj(s);
            if d.is_none() {
                c.err("date_maj", format!("Date de mise à jour : « {s} » n'est pas une date (format AAAA-MM-JJ)."));
            }
            d
        }
    };
    (
        ident,
        pivot,
        nom,
        commune,
        code_postal,
        code_insee,
        adresse,
        latitude,
        longitude,
        telephone,
        date_maj.unwrap_or_default(),
    )
}

/// Checks one record of a v1.0.2 file.
pub fn valider_v1(ligne: &Ligne) -> Result<LieuImporte, Vec<ErreurChamp>> {
    let mut c = Checker { ligne, errors: Vec::new() };
    if let Some(m) = ligne.valeurs.get("__colonnes") {
        c.err("ligne", m.clone());
        return Err(c.errors);
    }
    let (ident, pivot, nom, commune, code_postal, code_insee, adresse, latitude, longitude, telephone, date_maj) =
        common(&mut c);
    let sep = '|';
    let resume = c.optional("presentation_resume");
    if let Some(r) = &resume {
        let n = r.chars().count();
        if n > 280 {
            c.err("presentation_resume", format!("Présentation résumé : 280 caractères au plus ({n} ici)."));
        }
    }
    let typologie = c.free_list("typologie", &[sep]);
    let courriels = c.courriels("courriels", &[sep]);
    let site_web = c.urls("site_web", "Site web", &[sep]);
    let horaires = check_horaires(&mut c);
    let itinerance = c.list("itinerance", &voc::V1_ITINERANCE, sep);
    let services = c.list("services", &voc::V1_SERVICES, sep);
    let publics = c.list("publics_specifiquement_adresses", &voc::V1_PUBLICS, sep);
    let prise_en_charge = c.list("prise_en_charge_specifique", &voc::V1_PRISE_EN_CHARGE, sep);
    let frais = c.list("frais_a_charge", &voc::V1_FRAIS, sep);
    let dispositifs = c.list("dispositif_programmes_nationaux", &voc::V1_DISPOSITIFS, sep);
    let formations = c.list("formations_labels", &voc::V1_FORMATIONS_LABELS, sep);
    let modalites_acces = c.list("modalites_acces", &voc::V1_MODALITES_ACCES, sep);
    let modalites_accompagnement = c.list("modalites_accompagnement", &voc::V1_MODALITES_ACCOMPAGNEMENT, sep);
    let fiche = c.url("fiche_acces_libre", "Fiche Accès libre");
    let prise_rdv = c.url("prise_rdv", "Prise de rendez-vous");

    // Our Pass mention, if this file is one of our exports.
    let mut pass = None;
    let autres = c.optional("autres_formations_labels").and_then(|text| {
        let kept: Vec<&str> = text
            .split('|')
            .filter(|part| match lire_mention_pass(part) {
                Some(p) => {
                    pass = Some(p);
                    false
                }
                None => true,
            })
            .collect();
        let joined = kept.join("|");
        (!joined.trim().is_empty()).then_some(joined)
    });

    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    Ok(LieuImporte {
        lieu: LieuStandard {
            id: ident,
            pivot,
            nom,
            commune,
            code_postal,
            code_insee,
            adresse,
            complement_adresse: c.optional("complement_adresse"),
            latitude,
            longitude,
            typologie,
            telephone,
            courriels,
            site_web,
            horaires,
            presentation_resume: resume,
            presentation_detail: c.optional("presentation_detail"),
            source: c.optional("source"),
            itinerance,
            structure_parente: c.optional("structure_parente"),
            date_maj,
            services,
            publics_specifiquement_adresses: publics,
            prise_en_charge_specifique: prise_en_charge,
            frais_a_charge: frais,
            dispositif_programmes_nationaux: dispositifs,
            formations_labels: formations,
            autres_formations_labels: autres,
            modalites_acces,
            modalites_accompagnement,
            fiche_acces_libre: fiche,
            prise_rdv,
        },
        pass,
        cle_ban: None,
    })
}

/// v0.1.1 services → v1.0.2 services.
pub const V0_SERVICES_VERS_V1: &[(&str, &str)] = &[
    ("Devenir autonome dans les démarches administratives", "Aide aux démarches administratives"),
    ("Réaliser des démarches administratives avec un accompagnement", "Aide aux démarches administratives"),
    ("Prendre en main un smartphone ou une tablette", "Maîtrise des outils numériques du quotidien"),
    ("Prendre en main un ordinateur", "Maîtrise des outils numériques du quotidien"),
    ("Utiliser le numérique au quotidien", "Maîtrise des outils numériques du quotidien"),
    ("Approfondir ma culture numérique", "Compréhension du monde numérique"),
    ("Favoriser mon insertion professionnelle", "Insertion professionnelle via le numérique"),
    ("Accéder à une connexion internet", "Accès internet et matériel informatique"),
    ("Accéder à du matériel", "Accès internet et matériel informatique"),
    ("S'équiper en matériel informatique", "Acquisition de matériel informatique à prix solidaire"),
    ("Créer et développer mon entreprise", "Insertion professionnelle via le numérique"),
    ("Créer avec le numérique", "Loisirs et créations numériques"),
    ("Accompagner les démarches de santé", "Aide aux démarches administratives"),
    ("Promouvoir la citoyenneté numérique", "Compréhension du monde numérique"),
    ("Soutenir la parentalité et l'éducation avec le numérique", "Parentalité et éducation avec le numérique"),
];

/// v0.1.1 `publics_accueillis` → (v1 field, v1 value). « Adultes » has no v1 value: v1 assumes
/// every venue welcomes everyone unless it names specific publics.
pub const V0_PUBLICS_VERS_V1: &[(&str, Option<(&str, &str)>)] = &[
    ("Seniors (+ 65 ans)", Some(("publics_specifiquement_adresses", "Seniors"))),
    ("Familles/enfants", Some(("publics_specifiquement_adresses", "Familles et/ou enfants"))),
    ("Adultes", None),
    ("Jeunes (16-26 ans)", Some(("publics_specifiquement_adresses", "Jeunes"))),
    ("Public langues étrangères", Some(("prise_en_charge_specifique", "Langues étrangères (autres)"))),
    ("Déficience visuelle", Some(("prise_en_charge_specifique", "Déficience visuelle"))),
    ("Surdité", Some(("prise_en_charge_specifique", "Surdité"))),
    (
        "Handicaps psychiques : troubles psychiatriques donnant lieu à des atteintes comportementales",
        Some(("prise_en_charge_specifique", "Handicaps mentaux")),
    ),
    (
        "Handicaps mentaux : déficiences limitant les activités d'une personne",
        Some(("prise_en_charge_specifique", "Handicaps mentaux")),
    ),
    ("Uniquement femmes", Some(("publics_specifiquement_adresses", "Femmes"))),
    ("Personnes en situation d'illettrisme", Some(("prise_en_charge_specifique", "Illettrisme"))),
];

/// v0.1.1 `conditions_acces` → v1 `frais_a_charge` (the Pass one sets our Pass fields instead).
pub const V0_CONDITIONS_VERS_V1: &[(&str, Option<&str>)] = &[
    ("Gratuit : Je peux accéder gratuitement au lieu et à ses services", Some("Gratuit")),
    (
        "Gratuit sous condition : La gratuité est conditionnée à des critères (situation familiale, convention avec un organisme social...)",
        Some("Gratuit sous condition"),
    ),
    ("Payant : L'accès au lieu et/ou à ses services est payant", Some("Payant")),
    (voc::V0_PASS_NUMERIQUE, None),
    // A membership is a fee.
    ("Adhésion : L'accès au lieu et/ou à ses services nécessite d'y adhérer", Some("Payant")),
];

/// v0.1.1 `labels_nationaux` → where each goes in v1. `APTIC` (the Pass operator) sets our Pass
/// fields; labels v1 has no value for go to the free text `autres_formations_labels`.
pub enum LabelV0 {
    Dispositif(&'static str),
    Formation(&'static str),
    Pass,
    Autre,
}

pub fn label_v0_vers_v1(label: &str) -> LabelV0 {
    match label {
        "France Services" => LabelV0::Dispositif("France Services"),
        "CNFS" => LabelV0::Dispositif("Conseillers numériques"),
        "Aidants Connect" => LabelV0::Dispositif("Aidants Connect"),
        "Grandes écoles du numérique" => LabelV0::Dispositif("Grande école du numérique"),
        "Point relais CAF" | "Point numérique CAF" => LabelV0::Dispositif("Point d'accès numérique CAF"),
        "Fabriques de Territoire" => LabelV0::Formation("Fabriques de Territoire"),
        "APTIC" => LabelV0::Pass,
        _ => LabelV0::Autre,
    }
}

/// v0.1.1 `modalites_accompagnement` → v1.
pub const V0_MODALITES_VERS_V1: &[(&str, &str)] = &[
    ("Seul : j'ai accès à du matériel et une connexion", "En autonomie"),
    ("Avec de l'aide : je suis accompagné seul dans l'usage du numérique", "Accompagnement individuel"),
    ("Dans un atelier : j'apprends collectivement à utiliser le numérique", "Dans un atelier collectif"),
    ("A ma place : une personne habilitée fait les démarches à ma place", "Accompagnement individuel"),
];

fn push_unique(list: &mut Vec<String>, v: &str) {
    if !list.iter().any(|x| x == v) {
        list.push(v.to_string());
    }
}

/// v1 keeps the values in the schema's order; mapping may produce them in another.
fn in_schema_order(list: Vec<String>, e: &Enumeration) -> Vec<String> {
    let mut l = list;
    l.sort_by_key(|v| e.index(v).unwrap_or(usize::MAX));
    l
}

/// Checks one record of a v0.1.1 file and maps it to v1.0.2.
pub fn valider_v0(ligne: &Ligne) -> Result<LieuImporte, Vec<ErreurChamp>> {
    let mut c = Checker { ligne, errors: Vec::new() };
    if let Some(m) = ligne.valeurs.get("__colonnes") {
        c.err("ligne", m.clone());
        return Err(c.errors);
    }
    let (ident, pivot, nom, commune, code_postal, code_insee, adresse, latitude, longitude, telephone, date_maj) =
        common(&mut c);
    let sep = ';';
    let mut resume = c.optional("presentation_resume");
    let mut detail = c.optional("presentation_detail");
    if let Some(r) = &resume {
        let n = r.chars().count();
        if n > 500 {
            c.err("presentation_resume", format!("Présentation résumé : 500 caractères au plus ({n} ici)."));
        } else if n > 280 {
            // v1 allows 280: cut the summary, keep the whole text in the detailed presentation.
            let cut: String = r.chars().take(279).collect();
            detail = Some(match detail {
                Some(d) if !d.contains(r.as_str()) => format!("{r}\n\n{d}"),
                Some(d) => d,
                None => r.clone(),
            });
            resume = Some(format!("{}…", cut.trim_end()));
        }
    }
    if c.ligne.get("services").is_empty() {
        c.err("services", "Services : ce champ est obligatoire en version 0.1.");
    }
    let services_v0 = c.list("services", &voc::V0_SERVICES, sep);
    let publics_v0 = c.list("publics_accueillis", &voc::V0_PUBLICS_ACCUEILLIS, sep);
    let conditions_v0 = c.list("conditions_acces", &voc::V0_CONDITIONS_ACCES, sep);
    let labels_v0 = c.list("labels_nationaux", &voc::V0_LABELS_NATIONAUX, sep);
    let modalites_v0 = c.list("modalites_accompagnement", &voc::V0_MODALITES_ACCOMPAGNEMENT, sep);
    let typologie = c.free_list("typologie", &[sep]);
    let courriels = c.courriels("courriel", &[sep, '|']);
    let site_web = c.urls("site_web", "Site web", &[sep, '|']);
    let horaires = check_horaires(&mut c);
    let fiche = c.url("accessibilite", "Accessibilité (fiche Accès libre)");
    let prise_rdv = c.url("prise_rdv", "Prise de rendez-vous");
    let cle_ban = c.optional("cle_ban");

    if !c.errors.is_empty() {
        return Err(c.errors);
    }

    let mut services = Vec::new();
    for s in &services_v0 {
        if let Some((_, v1)) = V0_SERVICES_VERS_V1.iter().find(|(v0, _)| v0 == s) {
            push_unique(&mut services, v1);
        }
    }
    let (mut publics, mut prise_en_charge) = (Vec::new(), Vec::new());
    for p in &publics_v0 {
        if let Some((_, Some((champ, v1)))) = V0_PUBLICS_VERS_V1.iter().find(|(v0, _)| v0 == p) {
            if *champ == "publics_specifiquement_adresses" {
                push_unique(&mut publics, v1);
            } else {
                push_unique(&mut prise_en_charge, v1);
            }
        }
    }
    let mut frais = Vec::new();
    let mut pass = None;
    for cond in &conditions_v0 {
        match V0_CONDITIONS_VERS_V1.iter().find(|(v0, _)| v0 == cond) {
            Some((_, Some(v1))) => push_unique(&mut frais, v1),
            Some((_, None)) => pass = Some(PassNumerique { accepte: true, operateur: None }),
            None => {}
        }
    }
    let (mut dispositifs, mut formations, mut autres) = (Vec::new(), Vec::new(), Vec::new());
    for l in &labels_v0 {
        match label_v0_vers_v1(l) {
            LabelV0::Dispositif(v) => push_unique(&mut dispositifs, v),
            LabelV0::Formation(v) => push_unique(&mut formations, v),
            LabelV0::Pass => pass = Some(PassNumerique { accepte: true, operateur: Some(OPERATEUR_APTIC.into()) }),
            LabelV0::Autre => push_unique(&mut autres, l),
        }
    }
    for l in c.free_list("labels_autres", &[sep]) {
        push_unique(&mut autres, &l);
    }
    let mut modalites = Vec::new();
    for m in &modalites_v0 {
        if let Some((_, v1)) = V0_MODALITES_VERS_V1.iter().find(|(v0, _)| v0 == m) {
            push_unique(&mut modalites, v1);
        }
    }

    Ok(LieuImporte {
        lieu: LieuStandard {
            id: ident,
            pivot,
            nom,
            commune,
            code_postal,
            code_insee,
            adresse,
            complement_adresse: c.optional("complement_adresse"),
            latitude,
            longitude,
            typologie,
            telephone,
            courriels,
            site_web,
            horaires,
            presentation_resume: resume,
            presentation_detail: detail,
            source: c.optional("source"),
            itinerance: Vec::new(),
            structure_parente: c.optional("structure_parente"),
            date_maj,
            services: in_schema_order(services, &voc::V1_SERVICES),
            publics_specifiquement_adresses: in_schema_order(publics, &voc::V1_PUBLICS),
            prise_en_charge_specifique: in_schema_order(prise_en_charge, &voc::V1_PRISE_EN_CHARGE),
            frais_a_charge: in_schema_order(frais, &voc::V1_FRAIS),
            dispositif_programmes_nationaux: in_schema_order(dispositifs, &voc::V1_DISPOSITIFS),
            formations_labels: in_schema_order(formations, &voc::V1_FORMATIONS_LABELS),
            autres_formations_labels: (!autres.is_empty()).then(|| autres.join("|")),
            modalites_acces: Vec::new(),
            modalites_accompagnement: in_schema_order(modalites, &voc::V1_MODALITES_ACCOMPAGNEMENT),
            fiche_acces_libre: fiche,
            prise_rdv,
        },
        pass,
        cle_ban,
    })
}

/// Checks one record in its file's version.
pub fn valider(ligne: &Ligne, version: Version) -> Result<LieuImporte, Vec<ErreurChamp>> {
    match version {
        Version::V1 => valider_v1(ligne),
        Version::V0 => valider_v0(ligne),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXEMPLE_V1: &str = include_str!("../../../reference/lieux/exemple-valide-v1.0.2.csv");
    const EXEMPLE_V0: &str = include_str!("../../../reference/lieux/exemple-valide-v0.1.1.csv");

    fn one(text: &str) -> (Version, Result<LieuImporte, Vec<ErreurChamp>>) {
        let f = lire(text.as_bytes()).unwrap();
        assert_eq!(f.lignes.len(), 1);
        (f.version, valider(&f.lignes[0], f.version))
    }

    #[test]
    fn example_v1_is_valid() {
        let (v, r) = one(EXEMPLE_V1);
        assert_eq!(v, Version::V1);
        let l = r.unwrap();
        assert_eq!(l.lieu.id, "structure-1");
        assert_eq!(l.lieu.pivot, "43493312300029");
        assert_eq!(l.lieu.code_insee.as_deref(), Some("51454"));
        assert_eq!(l.lieu.latitude, Some(43.52609));
        assert_eq!(l.lieu.courriels, vec!["contact@laquincaillerie.tl", "responsable@laquincaillerie.tl"]);
        assert_eq!(l.lieu.itinerance, vec!["Itinérant"]);
        assert_eq!(
            l.lieu.modalites_accompagnement,
            vec!["Dans un atelier collectif", "À distance", "En autonomie", "Accompagnement individuel"]
        );
        assert_eq!(
            l.lieu.formations_labels,
            vec!["Formé à « Mon Espace Santé »", "Arnia/MedNum BFC (Bourgogne-Franche-Comté)"]
        );
        assert_eq!(l.lieu.autres_formations_labels.as_deref(), Some("Label et la bête"));
        assert_eq!(l.lieu.date_maj, NaiveDate::from_ymd_opt(2024, 4, 2).unwrap());
        assert_eq!(l.pass, None);
    }

    #[test]
    fn example_v0_maps_to_v1_with_the_pass() {
        let (v, r) = one(EXEMPLE_V0);
        assert_eq!(v, Version::V0);
        let l = r.unwrap();
        // « Accepte le Pass numérique » and the APTIC label both say it; APTIC names the operator.
        assert_eq!(l.pass, Some(PassNumerique { accepte: true, operateur: Some("APTIC".into()) }));
        assert_eq!(
            l.lieu.services,
            vec!["Aide aux démarches administratives", "Maîtrise des outils numériques du quotidien"]
        );
        assert_eq!(l.lieu.publics_specifiquement_adresses, vec!["Familles et/ou enfants"]);
        assert_eq!(l.lieu.prise_en_charge_specifique, vec!["Déficience visuelle"]);
        assert_eq!(l.lieu.frais_a_charge, vec!["Payant"]);
        assert_eq!(l.lieu.dispositif_programmes_nationaux, vec!["France Services", "Point d'accès numérique CAF"]);
        assert_eq!(l.lieu.autres_formations_labels.as_deref(), Some("SudLabs|Nièvre médiation numérique"));
        assert_eq!(l.lieu.modalites_accompagnement, vec!["En autonomie", "Accompagnement individuel"]);
        assert_eq!(l.lieu.courriels, vec!["contact@laquincaillerie.tl"]);
        assert_eq!(l.lieu.site_web.len(), 2);
        assert_eq!(l.lieu.fiche_acces_libre.as_deref().map(|u| u.starts_with("https://acceslibre")), Some(true));
        assert_eq!(l.cle_ban.as_deref(), Some("13001_3079_00001"));
        assert_eq!(l.lieu.structure_parente.as_deref(), Some("Pôle emploi"));
    }

    #[test]
    fn v0_pass_condition_alone_has_no_operator() {
        let text = EXEMPLE_V0.replace("France Services;APTIC;Point relais CAF", "CNFS");
        let l = one(&text).1.unwrap();
        assert_eq!(l.pass, Some(PassNumerique { accepte: true, operateur: None }));
        assert_eq!(l.lieu.dispositif_programmes_nationaux, vec!["Conseillers numériques"]);
        let text = text.replace(
            ";Accepte le Pass numérique : Il est possible d'utiliser un Pass numérique pour accéder au lieu",
            "",
        );
        assert_eq!(one(&text).1.unwrap().pass, None);
    }

    #[test]
    fn every_v0_value_has_a_mapping() {
        for s in voc::V0_SERVICES.valeurs {
            let (_, v1) = V0_SERVICES_VERS_V1.iter().find(|(v0, _)| v0 == s).unwrap();
            assert!(voc::V1_SERVICES.valeurs.contains(v1));
        }
        for p in voc::V0_PUBLICS_ACCUEILLIS.valeurs {
            let (_, to) = V0_PUBLICS_VERS_V1.iter().find(|(v0, _)| v0 == p).unwrap();
            if let Some((champ, v)) = to {
                let e = if *champ == "publics_specifiquement_adresses" {
                    &voc::V1_PUBLICS
                } else {
                    &voc::V1_PRISE_EN_CHARGE
                };
                assert!(e.valeurs.contains(v), "{v}");
            }
        }
        for c in voc::V0_CONDITIONS_ACCES.valeurs {
            let (_, to) = V0_CONDITIONS_VERS_V1.iter().find(|(v0, _)| v0 == c).unwrap();
            if let Some(v) = to {
                assert!(voc::V1_FRAIS.valeurs.contains(v));
            }
        }
        for l in voc::V0_LABELS_NATIONAUX.valeurs {
            match label_v0_vers_v1(l) {
                LabelV0::Dispositif(v) => assert!(voc::V1_DISPOSITIFS.valeurs.contains(&v)),
                LabelV0::Formation(v) => assert!(voc::V1_FORMATIONS_LABELS.valeurs.contains(&v)),
                LabelV0::Pass => assert_eq!(*l, "APTIC"),
                LabelV0::Autre => assert!(["Relais pôle emploi", "French Tech", "Campus connecté"].contains(l)),
            }
        }
        for m in voc::V0_MODALITES_ACCOMPAGNEMENT.valeurs {
            let (_, v1) = V0_MODALITES_VERS_V1.iter().find(|(v0, _)| v0 == m).unwrap();
            assert!(voc::V1_MODALITES_ACCOMPAGNEMENT.valeurs.contains(v1));
        }
    }

    #[test]
    fn bad_fields_are_each_reported() {
        let text = EXEMPLE_V1
            .replace("\"43493312300029\"", "\"43493312300028\"")
            .replace("\"51100\"", "\"5110\"")
            .replace("\"+33180059880\"", "\"12\"")
            .replace("\"Jeunes|Femmes\"", "\"Jeunes|Pirates\"")
            .replace("\"2024-04-02\"", "\"hier\"");
        let errs = one(&text).1.unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.champ.as_str()).collect();
        // « 5110 » is read as 05110 (a lost leading zero), which is valid.
        assert_eq!(fields, vec!["pivot", "telephone", "date_maj", "publics_specifiquement_adresses"]);
        assert!(errs[0].message.contains("clé de contrôle"));
        assert!(errs[3].message.contains("« Pirates »"));
    }

    #[test]
    fn missing_columns_reject_the_file() {
        let e = lire(b"id,nom\n1,a\n").unwrap_err();
        assert!(e.contains("pivot"), "{e}");
        assert!(e.contains("date_maj"), "{e}");
    }

    #[test]
    fn semicolon_csv_and_windows_1252() {
        let mut bytes = b"id;pivot;nom;commune;code_postal;adresse;date_maj;courriels\n".to_vec();
        bytes.extend_from_slice(b"a1;43493312300029;M\xe9diath\xe8que;Brest;29200;1 rue X;02/04/2024;a@b.fr\n");
        let f = lire(&bytes).unwrap();
        assert_eq!(f.version, Version::V1);
        assert!(!f.avertissements.is_empty());
        let l = valider(&f.lignes[0], f.version).unwrap();
        assert_eq!(l.lieu.nom, "Médiathèque");
        assert_eq!(l.lieu.date_maj, NaiveDate::from_ymd_opt(2024, 4, 2).unwrap());
    }

    #[test]
    fn json_in_both_versions() {
        let json = r#"[{"id":"j1","pivot":"43493312300029","nom":"Lieu","commune":"Brest","code_postal":"29200",
            "adresse":"1 rue X","date_maj":"2024-01-01","services":["Aide aux démarches administratives"],
            "latitude":48.39,"longitude":-4.48,"courriels":"a@b.fr"}, 3]"#;
        let f = lire(json.as_bytes()).unwrap();
        assert_eq!((f.format, f.version), (Format::Json, Version::V1));
        let l = valider(&f.lignes[0], f.version).unwrap();
        assert_eq!(l.lieu.services, vec!["Aide aux démarches administratives"]);
        assert_eq!(l.lieu.latitude, Some(48.39));
        assert_eq!(valider(&f.lignes[1], f.version).unwrap_err()[0].champ, "ligne");

        let json = r#"{"lieux":[{"id":"j2","pivot":"W751234567","nom":"Lieu","commune":"Paris","code_postal":"75001",
            "adresse":"1 rue Y","date_maj":"2022-06-02","services":"Prendre en main un ordinateur",
            "conditions_acces":"Accepte le Pass numérique","labels_nationaux":["APTIC","CNFS"]}]}"#;
        let f = lire(json.as_bytes()).unwrap();
        assert_eq!(f.version, Version::V0);
        let l = valider(&f.lignes[0], f.version).unwrap();
        assert_eq!(l.pass.unwrap().operateur.as_deref(), Some("APTIC"));
        assert_eq!(l.lieu.dispositif_programmes_nationaux, vec!["Conseillers numériques"]);
    }

    #[test]
    fn wrong_column_count_is_reported() {
        let text = format!("{}\"x\",\"y\"\n", EXEMPLE_V1);
        let f = lire(text.as_bytes()).unwrap();
        let e = valider(&f.lignes[1], f.version).unwrap_err();
        assert_eq!(e[0].champ, "ligne");
        assert!(e[0].message.contains("2 colonnes au lieu de 32"));
    }
}
