//! Monthly statements (relevés): what an opérateur owes a structure for a month's validated
//! passes, grouped by commanditaire. Once issued a statement never changes: a validation undone
//! afterwards appears as a reversal line (negative) in the structure's next statement.
//!
//! `selectionner` decides which validations become lines, `composer` groups and totals them,
//! `canonique` is the exact text whose SHA-256 is stored and shown, `csv` is the download.

use crate::money::format_decimal_comma;
use crate::paris::{date_courte, mois as nom_mois};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A calendar month, `2026-11`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Mois {
    pub annee: i32,
    pub mois: u32,
}

// On the wire a month is its text, `2026-11`, not the struct.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Mois {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^[0-9]{4}-[0-9]{2}$"))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Mois {}

impl Mois {
    pub fn new(annee: i32, mois: u32) -> Option<Mois> {
        ((1..=12).contains(&mois) && (2000..=2200).contains(&annee)).then_some(Mois { annee, mois })
    }

    pub fn of(date: NaiveDate) -> Mois {
        Mois { annee: date.year(), mois: date.month() }
    }

    /// `2026-11`.
    pub fn parse(s: &str) -> Option<Mois> {
        let (y, m) = s.trim().split_once('-')?;
        if y.len() != 4 || m.len() != 2 {
            return None;
        }
        Mois::new(y.parse().ok()?, m.parse().ok()?)
    }

    pub fn suivant(self) -> Mois {
        if self.mois == 12 {
            Mois { annee: self.annee + 1, mois: 1 }
        } else {
            Mois { annee: self.annee, mois: self.mois + 1 }
        }
    }

    pub fn precedent(self) -> Mois {
        if self.mois == 1 {
            Mois { annee: self.annee - 1, mois: 12 }
        } else {
            Mois { annee: self.annee, mois: self.mois - 1 }
        }
    }

    pub fn premier_jour(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.annee, self.mois, 1).expect("valid month")
    }

    pub fn dernier_jour(self) -> NaiveDate {
        self.suivant().premier_jour().pred_opt().expect("valid date")
    }

    /// « novembre 2026 ».
    pub fn libelle(self) -> String {
        format!("{} {}", nom_mois(self.mois), self.annee)
    }

    /// A month's statement can be issued once the month is over (in Paris).
    pub fn est_termine(self, today: NaiveDate) -> bool {
        today > self.dernier_jour()
    }
}

impl fmt::Display for Mois {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.annee, self.mois)
    }
}

impl TryFrom<String> for Mois {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Mois::parse(&s).ok_or_else(|| format!("mois invalide : {s}"))
    }
}

impl From<Mois> for String {
    fn from(m: Mois) -> String {
        m.to_string()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Sens {
    /// A pass validated: the structure is owed its value.
    Validation,
    /// A validation undone after it appeared on an issued statement: its value is taken back.
    Annulation,
}

impl Sens {
    pub fn as_str(self) -> &'static str {
        match self {
            Sens::Validation => "validation",
            Sens::Annulation => "annulation",
        }
    }

    pub fn parse(s: &str) -> Option<Sens> {
        match s {
            "validation" => Some(Sens::Validation),
            "annulation" => Some(Sens::Annulation),
            _ => None,
        }
    }
}

/// One line of a statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LigneReleve {
    pub commanditaire_id: i64,
    pub commanditaire: String,
    /// The order's reference.
    pub commande: String,
    pub carnet: String,
    /// The pass code, shown form.
    pub code: String,
    /// Day (in Paris) the pass was validated.
    pub date_validation: NaiveDate,
    pub sens: Sens,
    /// Day (in Paris) the validation was undone, for a reversal line.
    pub date_annulation: Option<NaiveDate>,
    /// Signed: positive for a validation, negative for a reversal.
    pub montant_centimes: i64,
}

/// A validation as the ledger holds it, with what decides whether it goes on a statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationCandidate {
    pub id: i64,
    /// Month (in Paris) of the validation.
    pub mois: Mois,
    pub valeur_centimes: i64,
    /// Already listed on an issued statement.
    pub sur_releve: bool,
    /// Undone (the pass is free again).
    pub annulee_le: Option<NaiveDate>,
    /// Its reversal already listed on an issued statement.
    pub annulation_sur_releve: bool,
    pub commanditaire_id: i64,
    pub commanditaire: String,
    pub commande: String,
    pub carnet: String,
    pub code: String,
    pub date_validation: NaiveDate,
}

/// What an issued statement takes: the lines, and the validations they settle.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    pub lignes: Vec<LigneReleve>,
    /// Validations now listed (their `sur_releve` becomes true).
    pub validations: Vec<i64>,
    /// Validations whose reversal is now listed.
    pub annulations: Vec<i64>,
}

/// Picks the lines of the statement of `mois`:
/// - a validation of `mois` or earlier not listed yet, and not undone: a validation line;
/// - a validation listed on an earlier statement and undone since: a reversal line;
/// - a validation undone before it was ever listed: nothing (it never counted);
/// - a validation of a later month: nothing yet (it belongs to its own month's statement).
pub fn selectionner(mois: Mois, candidates: &[ValidationCandidate]) -> Selection {
    let mut s = Selection::default();
    for c in candidates {
        let ligne = |sens: Sens, montant: i64| LigneReleve {
            commanditaire_id: c.commanditaire_id,
            commanditaire: c.commanditaire.clone(),
            commande: c.commande.clone(),
            carnet: c.carnet.clone(),
            code: c.code.clone(),
            date_validation: c.date_validation,
            sens,
            date_annulation: if sens == Sens::Annulation { c.annulee_le } else { None },
            montant_centimes: montant,
        };
        if !c.sur_releve && c.annulee_le.is_none() && c.mois <= mois {
            s.lignes.push(ligne(Sens::Validation, c.valeur_centimes));
            s.validations.push(c.id);
        } else if c.sur_releve && c.annulee_le.is_some() && !c.annulation_sur_releve {
            s.lignes.push(ligne(Sens::Annulation, -c.valeur_centimes));
            s.annulations.push(c.id);
        }
    }
    s
}

/// The lines of one commanditaire, with their totals.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupeCommanditaire {
    pub commanditaire_id: i64,
    pub commanditaire: String,
    pub lignes: Vec<LigneReleve>,
    pub nb_validations: i64,
    pub nb_annulations: i64,
    pub total_centimes: i64,
}

/// A statement's content: everything the hash covers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContenuReleve {
    pub numero: String,
    pub operateur: String,
    pub structure: String,
    pub mois: Mois,
    pub groupes: Vec<GroupeCommanditaire>,
    pub nb_validations: i64,
    pub nb_annulations: i64,
    pub total_centimes: i64,
}

/// The statement number: one per opérateur, structure and month.
pub fn numero(mois: Mois, structure_id: i64, operateur_id: i64) -> String {
    format!("RLV-{mois}-S{structure_id}-O{operateur_id}")
}

/// Groups lines by commanditaire (by name, then id), sorts each group (validations by date and
/// code, then reversals), and totals.
pub fn composer(
    numero: String,
    operateur: String,
    structure: String,
    mois: Mois,
    mut lignes: Vec<LigneReleve>,
) -> ContenuReleve {
    lignes.sort_by(|a, b| {
        (&a.commanditaire, a.commanditaire_id, a.sens, a.date_validation, &a.code, a.date_annulation).cmp(&(
            &b.commanditaire,
            b.commanditaire_id,
            b.sens,
            b.date_validation,
            &b.code,
            b.date_annulation,
        ))
    });
    let mut groupes: Vec<GroupeCommanditaire> = Vec::new();
    for l in lignes {
        let same = groupes.last().is_some_and(|g| g.commanditaire_id == l.commanditaire_id);
        if !same {
            groupes.push(GroupeCommanditaire {
                commanditaire_id: l.commanditaire_id,
                commanditaire: l.commanditaire.clone(),
                lignes: Vec::new(),
                nb_validations: 0,
                nb_annulations: 0,
                total_centimes: 0,
            });
        }
        let g = groupes.last_mut().expect("pushed above");
        match l.sens {
            Sens::Validation => g.nb_validations += 1,
            Sens::Annulation => g.nb_annulations += 1,
        }
        g.total_centimes += l.montant_centimes;
        g.lignes.push(l);
    }
    ContenuReleve {
        numero,
        operateur,
        structure,
        mois,
        nb_validations: groupes.iter().map(|g| g.nb_validations).sum(),
        nb_annulations: groupes.iter().map(|g| g.nb_annulations).sum(),
        total_centimes: groupes.iter().map(|g| g.total_centimes).sum(),
        groupes,
    }
}

/// A CSV text field made inert for spreadsheets (`text::cellule_csv`), quoted when it holds the
/// separator, a quote or a line break.
fn csv_field(s: &str) -> String {
    let s = crate::text::cellule_csv(s);
    if s.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

impl ContenuReleve {
    pub fn nb_lignes(&self) -> usize {
        self.groupes.iter().map(|g| g.lignes.len()).sum()
    }

    /// The exact text the stored hash is computed over: one header line, then one line per
    /// statement line, fields separated by tabs (no field may hold a tab: they are replaced).
    pub fn canonique(&self) -> String {
        let clean = |s: &str| s.replace(['\t', '\n', '\r'], " ");
        let mut out = format!(
            "releve\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            clean(&self.numero),
            clean(&self.operateur),
            clean(&self.structure),
            self.mois,
            self.nb_validations,
            self.nb_annulations,
            self.total_centimes
        );
        for g in &self.groupes {
            for l in &g.lignes {
                out.push_str(&format!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
                    l.sens.as_str(),
                    l.commanditaire_id,
                    clean(&l.commanditaire),
                    clean(&l.commande),
                    clean(&l.carnet),
                    clean(&l.code),
                    l.date_validation,
                    l.date_annulation.map(|d| d.to_string()).unwrap_or_default(),
                    l.montant_centimes
                ));
            }
        }
        out
    }

    /// The download: UTF-8 with a byte-order mark, `;` between fields, amounts with a decimal
    /// comma, so that a French spreadsheet opens it right. Subtotals per commanditaire, then the
    /// total, follow the lines.
    pub fn csv(&self, hash: &str) -> String {
        let mut out = String::from("\u{feff}");
        out.push_str(
            "Commanditaire;Commande;Carnet;Code du pass;Date de validation;Opération;Date d'annulation;Montant (€)\r\n",
        );
        for g in &self.groupes {
            for l in &g.lignes {
                let row = [
                    csv_field(&l.commanditaire),
                    csv_field(&l.commande),
                    csv_field(&l.carnet),
                    csv_field(&l.code),
                    date_courte(l.date_validation),
                    match l.sens {
                        Sens::Validation => "Validation".to_string(),
                        Sens::Annulation => "Annulation (relevé précédent)".to_string(),
                    },
                    l.date_annulation.map(date_courte).unwrap_or_default(),
                    format_decimal_comma(l.montant_centimes),
                ];
                out.push_str(&row.join(";"));
                out.push_str("\r\n");
            }
            out.push_str(&format!(
                "{};;;;;{} validation(s), {} annulation(s);;{}\r\n",
                csv_field(&format!("Sous-total {}", g.commanditaire)),
                g.nb_validations,
                g.nb_annulations,
                format_decimal_comma(g.total_centimes)
            ));
        }
        out.push_str(&format!(
            "Total du relevé {};;;;;{} validation(s), {} annulation(s);;{}\r\n",
            csv_field(&self.numero),
            self.nb_validations,
            self.nb_annulations,
            format_decimal_comma(self.total_centimes)
        ));
        out.push_str(&format!("Empreinte SHA-256;{hash};;;;;;\r\n"));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn candidate(id: i64, commanditaire: (i64, &str), mois: Mois, day: u32) -> ValidationCandidate {
        ValidationCandidate {
            id,
            mois,
            valeur_centimes: 1000,
            sur_releve: false,
            annulee_le: None,
            annulation_sur_releve: false,
            commanditaire_id: commanditaire.0,
            commanditaire: commanditaire.1.into(),
            commande: format!("CMD-2026-000{}", commanditaire.0),
            carnet: format!("PN-{}-0000{id}", commanditaire.0),
            code: format!("CODE-{id:04}"),
            date_validation: mois.premier_jour() + chrono::Duration::days(day as i64 - 1),
        }
    }

    #[test]
    fn months() {
        let m = Mois::parse("2026-12").unwrap();
        assert_eq!(m.suivant(), Mois::parse("2027-01").unwrap());
        assert_eq!(m.suivant().precedent(), m);
        assert_eq!(m.dernier_jour(), d(2026, 12, 31));
        assert_eq!(Mois::parse("2028-02").unwrap().dernier_jour(), d(2028, 2, 29));
        assert_eq!(m.libelle(), "décembre 2026");
        assert_eq!(m.to_string(), "2026-12");
        assert!(!m.est_termine(d(2026, 12, 31)));
        assert!(m.est_termine(d(2027, 1, 1)));
        for bad in ["2026-13", "2026-1", "26-01", "novembre", ""] {
            assert_eq!(Mois::parse(bad), None, "{bad}");
        }
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"2026-12\"");
    }

    #[test]
    fn totals_grouped_by_commanditaire() {
        let nov = Mois::parse("2026-11").unwrap();
        let brest = (1, "Brest métropole");
        let caf = (2, "CAF du Finistère");
        let cands = vec![candidate(1, brest, nov, 3), candidate(2, caf, nov, 4), candidate(3, brest, nov, 2), {
            let mut c = candidate(4, caf, nov, 9);
            c.valeur_centimes = 1500;
            c
        }];
        let sel = selectionner(nov, &cands);
        assert_eq!(sel.validations, vec![1, 2, 3, 4]);
        assert!(sel.annulations.is_empty());
        let r = composer(numero(nov, 7, 1), "Opérateur".into(), "Médiathèque".into(), nov, sel.lignes);
        assert_eq!(r.numero, "RLV-2026-11-S7-O1");
        assert_eq!(r.groupes.len(), 2);
        assert_eq!(r.groupes[0].commanditaire, "Brest métropole");
        assert_eq!(r.groupes[0].total_centimes, 2000);
        // Sorted by date within the group.
        assert_eq!(r.groupes[0].lignes[0].code, "CODE-0003");
        assert_eq!(r.groupes[1].total_centimes, 2500);
        assert_eq!(r.nb_validations, 4);
        assert_eq!(r.total_centimes, 4500);
    }

    #[test]
    fn reversal_lines_and_what_is_left_out() {
        let oct = Mois::parse("2026-10").unwrap();
        let nov = oct.suivant();
        let dec = nov.suivant();
        let b = (1, "Brest métropole");
        let mut listed_then_undone = candidate(1, b, oct, 5);
        listed_then_undone.sur_releve = true;
        listed_then_undone.annulee_le = Some(d(2026, 11, 12));
        let mut undone_before_listing = candidate(2, b, nov, 6);
        undone_before_listing.annulee_le = Some(d(2026, 11, 7));
        let later_month = candidate(3, b, dec, 1);
        let mut already_reversed = candidate(4, b, oct, 8);
        already_reversed.sur_releve = true;
        already_reversed.annulee_le = Some(d(2026, 10, 30));
        already_reversed.annulation_sur_releve = true;
        let mut listed = candidate(5, b, oct, 9);
        listed.sur_releve = true;
        let late_from_earlier_month = candidate(6, b, oct, 20);
        let normal = candidate(7, b, nov, 15);

        let cands = vec![
            listed_then_undone,
            undone_before_listing,
            later_month,
            already_reversed,
            listed,
            late_from_earlier_month,
            normal,
        ];
        let sel = selectionner(nov, &cands);
        assert_eq!(sel.validations, vec![6, 7]);
        assert_eq!(sel.annulations, vec![1]);
        let r = composer(numero(nov, 1, 1), "O".into(), "S".into(), nov, sel.lignes);
        let g = &r.groupes[0];
        assert_eq!((g.nb_validations, g.nb_annulations), (2, 1));
        assert_eq!(g.total_centimes, 1000);
        // Validations first, then the reversal, negative, with both dates.
        let last = g.lignes.last().unwrap();
        assert_eq!(last.sens, Sens::Annulation);
        assert_eq!(last.montant_centimes, -1000);
        assert_eq!(last.date_validation, d(2026, 10, 5));
        assert_eq!(last.date_annulation, Some(d(2026, 11, 12)));

        // A statement of only reversals is negative.
        let only = selectionner(dec, &[cands[0].clone()]);
        let r = composer("n".into(), "O".into(), "S".into(), dec, only.lignes);
        assert_eq!(r.total_centimes, -1000);
        // Nothing to list: an empty statement.
        assert!(selectionner(nov, &[]).lignes.is_empty());
    }

    #[test]
    fn a_name_that_looks_like_a_formula_is_made_inert_in_the_csv() {
        let nov = Mois::parse("2026-11").unwrap();
        let c = candidate(1, (1, "=HYPERLINK(\"http://x\";\"clic\")"), nov, 3);
        let sel = selectionner(nov, &[c]);
        let r = composer("RLV-X".into(), "Opérateur".into(), "S".into(), nov, sel.lignes);
        let csv = r.csv("abc");
        let line = csv.split("\r\n").nth(1).unwrap();
        assert!(line.starts_with("\"'=HYPERLINK("), "{line}");
        // Amounts stay numbers, a reversal's minus sign included.
        assert!(line.ends_with(";10,00"), "{line}");
    }

    #[test]
    fn canonical_text_and_csv() {
        let nov = Mois::parse("2026-11").unwrap();
        let mut c = candidate(1, (1, "Brest; \"métropole\""), nov, 3);
        c.valeur_centimes = 1050;
        let sel = selectionner(nov, &[c]);
        let r = composer("RLV-X".into(), "Opérateur".into(), "Médiathèque\tdes Capucins".into(), nov, sel.lignes);
        let canon = r.canonique();
        assert!(
            canon.starts_with("releve\tRLV-X\tOpérateur\tMédiathèque des Capucins\t2026-11\t1\t0\t1050\n"),
            "{canon}"
        );
        assert_eq!(canon.lines().count(), 2);
        // Same content, same text: composing again gives the same bytes whatever the input order.
        assert_eq!(
            r.canonique(),
            composer(
                "RLV-X".into(),
                "Opérateur".into(),
                "Médiathèque\tdes Capucins".into(),
                nov,
                r.groupes[0].lignes.clone()
            )
            .canonique()
        );

        let csv = r.csv("abc123");
        assert!(csv.starts_with('\u{feff}'), "byte-order mark");
        let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').split("\r\n").collect();
        assert_eq!(
            lines[0],
            "Commanditaire;Commande;Carnet;Code du pass;Date de validation;Opération;Date d'annulation;Montant (€)"
        );
        assert_eq!(
            lines[1],
            "\"Brest; \"\"métropole\"\"\";CMD-2026-0001;PN-1-00001;CODE-0001;03/11/2026;Validation;;10,50"
        );
        assert!(
            lines[2].starts_with("\"Sous-total Brest; \"\"métropole\"\"\";;;;;1 validation(s), 0 annulation(s);;10,50"),
            "{}",
            lines[2]
        );
        assert_eq!(lines[3], "Total du relevé RLV-X;;;;;1 validation(s), 0 annulation(s);;10,50");
        assert_eq!(lines[4], "Empreinte SHA-256;abc123;;;;;;");
        // Every row has the same number of fields (quoted separators aside).
        assert_eq!(lines[0].matches(';').count(), 7);
        assert_eq!(lines[3].matches(';').count(), 7);
    }
}
