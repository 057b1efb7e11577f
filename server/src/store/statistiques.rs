//! What the statistics and the activity exports read: the held sessions of a scope (a
//! conseiller, a structure, a territory, a commanditaire's orders, everything) under the page's
//! filters, one row per accompaniment, and the parcours of the same scope.
//!
//! The place of a session is its structure's (the conseiller receives people there): the
//! « lieu », « commune » and « département » filters, and the hub's territory, are those of
//! the structure. Period bounds are midnights in the zone of the person asking.

use crate::store::agregat::premier_du_mois;
use crate::store::conn::{on, Conn};
use carnet_domain::fuseau::{Calendrier, Fuseau};
use chrono::{DateTime, Months, NaiveDate, NaiveTime, Utc};
use std::collections::BTreeMap;

/// Whose activity a request may read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Portee {
    Conseiller(i64),
    Structure(i64),
    /// A hub's départements.
    Territoire(Vec<String>),
    /// The sessions of parcours whose carnet came from this commanditaire's orders.
    Commanditaire(i64),
    Tout,
}

/// The filters, checked: ids exist, codes are known.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filtres {
    pub conseiller: Option<i64>,
    pub lieu: Option<i64>,
    pub commune: Option<String>,
    pub departement: Option<String>,
    pub type_lieu: Option<String>,
    /// Counts from the sessions and diagnostics even where the counts of `store::agregat` would
    /// answer: the reference they are checked against, and what is read until they are filled.
    pub seances_seulement: bool,
}

/// `[debut, fin)` in UTC; either side may be open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Intervalle {
    pub debut: Option<DateTime<Utc>>,
    pub fin: Option<DateTime<Utc>>,
}

/// One accompaniment: a held session, its place, its conseiller and its beneficiary.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Activite {
    pub id: i64,
    /// `tenue`, but in the data consumers' walk, where a session no longer held comes as a
    /// withdrawal.
    pub statut: String,
    pub parcours_id: i64,
    pub numero: Option<i64>,
    pub debut: DateTime<Utc>,
    pub fin: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub type_lieu: String,
    pub cr_thematiques: Option<String>,
    pub cr_duree_minutes: Option<i64>,
    pub cr_materiel: Option<String>,
    pub cr_autonomie: Option<String>,
    pub cr_notes: Option<String>,
    pub conseiller_id: i64,
    pub conseiller_prenom: String,
    pub conseiller_nom: String,
    pub structure_id: i64,
    pub structure_nom: String,
    pub structure_adresse: Option<String>,
    pub structure_commune_insee: Option<String>,
    pub structure_commune: Option<String>,
    pub structure_codes_postaux: Option<String>,
    pub structure_fuseau: Option<String>,
    pub beneficiaire_id: i64,
    pub beneficiaire_prenom: String,
    pub annee_naissance: Option<i64>,
    pub beneficiaire_commune_insee: Option<String>,
    pub beneficiaire_commune: Option<String>,
    pub beneficiaire_codes_postaux: Option<String>,
    pub genre: Option<String>,
    pub tranche_age: Option<String>,
    pub statut_social: Option<String>,
    pub anonymise_at: Option<DateTime<Utc>>,
    /// The face value of the pass the session consumed, if it did.
    pub pass_valeur_centimes: Option<i64>,
}

impl Activite {
    /// The report's duration, else the planned one.
    pub fn duree_minutes(&self) -> u32 {
        match self.cr_duree_minutes {
            Some(d) => d.max(0) as u32,
            None => (self.fin - self.debut).num_minutes().max(0) as u32,
        }
    }
}

/// The structures of some départements, followed by the list in parentheses. The place filters
/// are written on the parcours' structure (`p.structure_id IN (…)`) rather than on the joined
/// commune: the database then starts from the few structures of a département and walks their
/// parcours and sessions by index, instead of every session of the period (a département's year
/// of statistics at national volume: 3 s → 19 ms for one statement on SQLite).
const STRUCTURES_DES_DEPARTEMENTS: &str =
    "SELECT st2.id FROM structures st2 JOIN communes c2 ON c2.code_insee = st2.commune_insee WHERE c2.departement IN";

/// Held sessions: the accompaniments.
const TENUES: &str = "s.statut = 'tenue'";
/// Held sessions, and those that were held and no longer are.
const TENUES_OU_RETIREES: &str = "(s.statut = 'tenue' OR s.retiree_at IS NOT NULL)";

/// A value bound to a statement built at run time.
enum Valeur {
    Entier(i64),
    Texte(String),
    Instant(DateTime<Utc>),
    Date(NaiveDate),
}

/// Binds the clause's values to a query, in order (the same text for both backends).
macro_rules! lier {
    ($q:expr, $valeurs:expr) => {{
        let mut q = $q;
        for v in $valeurs {
            q = match v {
                Valeur::Entier(n) => q.bind(*n),
                Valeur::Texte(t) => q.bind(t.clone()),
                Valeur::Instant(t) => q.bind(*t),
                Valeur::Date(d) => q.bind(*d),
            };
        }
        q
    }};
}

/// A WHERE clause and its values, numbered from `$1`.
#[derive(Default)]
struct Clause {
    conditions: Vec<String>,
    valeurs: Vec<Valeur>,
}

impl Clause {
    /// Adds a condition whose `?` stands for `v`.
    fn et(&mut self, condition: &str, v: Valeur) {
        self.valeurs.push(v);
        self.conditions.push(condition.replace('?', &format!("${}", self.valeurs.len())));
    }

    fn sql(&self) -> String {
        if self.conditions.is_empty() {
            "TRUE".into()
        } else {
            self.conditions.join(" AND ")
        }
    }

    /// The scope and the filters, on `p` (parcours), `st` (structure) and `sc` (its commune).
    fn portee(&mut self, portee: &Portee, filtres: &Filtres) {
        self.portee_sur("p.structure_id", portee, filtres)
    }

    /// The same, the structure read from `structure` (a column).
    fn portee_sur(&mut self, structure: &str, portee: &Portee, filtres: &Filtres) {
        match portee {
            Portee::Conseiller(id) => self.et("p.conseiller_id = ?", Valeur::Entier(*id)),
            Portee::Structure(id) => self.et(&format!("{structure} = ?"), Valeur::Entier(*id)),
            Portee::Territoire(deps) => {
                // One value per département; none matches no structure.
                let mut marques = Vec::new();
                for d in deps {
                    self.valeurs.push(Valeur::Texte(d.clone()));
                    marques.push(format!("${}", self.valeurs.len()));
                }
                let liste = if marques.is_empty() { "NULL".to_string() } else { marques.join(", ") };
                self.conditions.push(format!("{structure} IN ({STRUCTURES_DES_DEPARTEMENTS} ({liste}))"));
            }
            Portee::Commanditaire(id) => self.et(
                "p.carnet_id IN (SELECT c.id FROM carnets c JOIN commandes co ON co.id = c.commande_id
                                 WHERE co.commanditaire_id = ?)",
                Valeur::Entier(*id),
            ),
            Portee::Tout => {}
        }
        if let Some(id) = filtres.conseiller {
            self.et("p.conseiller_id = ?", Valeur::Entier(id));
        }
        if let Some(id) = filtres.lieu {
            self.et(&format!("{structure} = ?"), Valeur::Entier(id));
        }
        if let Some(c) = &filtres.commune {
            self.et(
                &format!("{structure} IN (SELECT id FROM structures WHERE commune_insee = ?)"),
                Valeur::Texte(c.clone()),
            );
        }
        if let Some(d) = &filtres.departement {
            self.et(&format!("{structure} IN ({STRUCTURES_DES_DEPARTEMENTS} (?))"), Valeur::Texte(d.clone()));
        }
    }

    fn intervalle(&mut self, colonne: &str, i: Intervalle) {
        if let Some(d) = i.debut {
            self.et(&format!("{colonne} >= ?"), Valeur::Instant(d));
        }
        if let Some(f) = i.fin {
            self.et(&format!("{colonne} < ?"), Valeur::Instant(f));
        }
    }

    /// Parcours of the scope with a held session of the filters in the interval. Each parcours
    /// looks for one by index, instead of every session of the period being joined to its
    /// parcours: for a country's year, 1.5 → 0.3 s of CPU on SQLite, and the same plan for a
    /// structure (its parcours by index first).
    fn parcours_avec_seance(portee: &Portee, filtres: &Filtres, i: Intervalle) -> Clause {
        let mut c = Clause::default();
        c.portee(portee, filtres);
        let mut seance = Clause { conditions: vec![TENUES.into(), "s.parcours_id = p.id".into()], valeurs: vec![] };
        std::mem::swap(&mut seance.valeurs, &mut c.valeurs);
        if let Some(t) = &filtres.type_lieu {
            seance.et("s.type_lieu = ?", Valeur::Texte(t.clone()));
        }
        seance.intervalle("s.debut", i);
        c.conditions.push(format!("EXISTS (SELECT 1 FROM seances s WHERE {})", seance.sql()));
        c.valeurs = seance.valeurs;
        c
    }

    /// People with a held session of the filters in the interval, from each person's first and
    /// last session per structure and type of place (`store::agregat`, on `r`): a row whose first
    /// or last session is in the interval, or whose sessions start before it and go on after it
    /// with one in it (looked up in their sessions).
    fn personnes_comptees(portee: &Portee, filtres: &Filtres, i: Intervalle) -> Clause {
        let mut c = Clause::default();
        c.portee_sur("r.structure_id", portee, filtres);
        if let Some(t) = &filtres.type_lieu {
            c.et("r.type_lieu = ?", Valeur::Texte(t.clone()));
        }
        if let Some(d) = i.debut {
            c.et("r.derniere >= ?", Valeur::Instant(d));
        }
        if let Some(f) = i.fin {
            c.et("r.premiere < ?", Valeur::Instant(f));
        }
        if let (Some(d), Some(f)) = (i.debut, i.fin) {
            c.valeurs.push(Valeur::Instant(d));
            let d = c.valeurs.len();
            c.valeurs.push(Valeur::Instant(f));
            let f = c.valeurs.len();
            c.conditions.push(format!(
                "(r.premiere >= ${d} OR r.derniere < ${f}
                  OR EXISTS (SELECT 1 FROM parcours p JOIN seances s ON s.parcours_id = p.id
                             WHERE p.beneficiaire_id = r.beneficiaire_id AND p.structure_id = r.structure_id
                               AND s.statut = 'tenue' AND s.type_lieu = r.type_lieu
                               AND s.debut >= ${d} AND s.debut < ${f}))"
            ));
        }
        c
    }

    /// Held sessions of the scope, the filters (type of place included) and the interval.
    fn seances(portee: &Portee, filtres: &Filtres, i: Intervalle) -> Clause {
        Clause::seances_ou(TENUES, portee, filtres, i)
    }

    /// The same, for sessions in the state `etat` says (a condition on `s`).
    fn seances_ou(etat: &str, portee: &Portee, filtres: &Filtres, i: Intervalle) -> Clause {
        let mut c = Clause::default();
        c.conditions.push(etat.into());
        c.portee(portee, filtres);
        if let Some(t) = &filtres.type_lieu {
            c.et("s.type_lieu = ?", Valeur::Texte(t.clone()));
        }
        c.intervalle("s.debut", i);
        c
    }
}

/// Whether the counts kept per structure answer for this scope and these filters: not for a
/// conseiller's or a commanditaire's activity, nor a conseiller filter (the counts are by
/// structure), nor while they are being filled.
fn par_structures(portee: &Portee, filtres: &Filtres) -> bool {
    !filtres.seances_seulement
        && filtres.conseiller.is_none()
        && matches!(portee, Portee::Tout | Portee::Territoire(_) | Portee::Structure(_))
}

/// Whether the counts kept per structure answer, for some structures rather than a whole country.
fn quelques_structures(portee: &Portee, filtres: &Filtres) -> bool {
    par_structures(portee, filtres)
        && (!matches!(portee, Portee::Tout)
            || filtres.lieu.is_some()
            || filtres.commune.is_some()
            || filtres.departement.is_some())
}

/// The longest local day (a zone leaving summer time): a session whose day a period does not
/// wholly contain starts within this of one of its ends.
const JOUR_LE_PLUS_LONG: i64 = 25;

/// How the held sessions of a period are counted: the months it wholly contains from the monthly
/// counts, its other whole days from the daily counts (`store::agregat`; together the rows of
/// `source`, read as `a`, with `valeurs`), the sessions of the other days from the sessions
/// (clauses on `s`, each at one end of the period).
struct Decoupe {
    source: String,
    valeurs: Vec<Valeur>,
    bords: Vec<Clause>,
}

/// The columns the daily and monthly counts share, the day or month as `jour`.
const COLONNES_COMPTES: &str = "a.structure_id, a.conseiller_id, a.type_lieu, a.duree_minutes, a.domicile_insee,
    a.cr_thematiques, a.cr_materiel, a.nombre, a.passes, a.valeur_centimes";

/// The conditions every part of the counts shares: scope, filters, and the units (days or months,
/// whose UTC bounds are the columns `debut`, `fin`) the period wholly contains. The values go on
/// after `valeurs`.
fn clause_comptes(
    valeurs: Vec<Valeur>,
    portee: &Portee,
    filtres: &Filtres,
    i: Intervalle,
    debut: &str,
    fin: &str,
) -> Clause {
    let mut c = Clause { conditions: vec![], valeurs };
    c.portee_sur("a.structure_id", portee, filtres);
    if let Some(t) = &filtres.type_lieu {
        c.et("a.type_lieu = ?", Valeur::Texte(t.clone()));
    }
    if let Some(d) = i.debut {
        c.et(&format!("a.{debut} >= ?"), Valeur::Instant(d));
    }
    if let Some(f) = i.fin {
        c.et(&format!("a.{fin} <= ?"), Valeur::Instant(f));
    }
    c
}

/// The local months of a zone wholly in the period: `[from, to)`, either side open (none). The
/// same months as those whose stored bounds are in the period (`debut_mois >= debut` and
/// `fin_mois <= fin`), since a zone's clock only goes forward.
fn mois_contenus(fuseau: Fuseau, i: Intervalle) -> (Option<NaiveDate>, Option<NaiveDate>) {
    let de = i.debut.map(|d| {
        let m = premier_du_mois(fuseau.to_local(d).date());
        if fuseau.to_utc(m.and_time(NaiveTime::MIN)) >= d {
            m
        } else {
            m + Months::new(1)
        }
    });
    (de, i.fin.map(|f| premier_du_mois(fuseau.to_local(f).date())))
}

/// The structures of the scope and the filters by zone (the zone their days and months are in).
async fn structures_par_zone(
    conn: &mut dyn Conn,
    portee: &Portee,
    filtres: &Filtres,
) -> sqlx::Result<BTreeMap<&'static str, (Fuseau, Vec<i64>)>> {
    let mut c = Clause::default();
    c.portee_sur("st.id", portee, filtres);
    let sql = format!("SELECT st.id, st.commune_insee, st.fuseau FROM structures st WHERE {} ORDER BY st.id", c.sql());
    let l: Vec<(i64, Option<String>, Option<String>)> =
        on!(conn, |cx| lier!(sqlx::query_as(&sql), &c.valeurs).fetch_all(cx).await)?;
    let mut zones: BTreeMap<&'static str, (Fuseau, Vec<i64>)> = BTreeMap::new();
    for (id, commune, fuseau) in l {
        let z = Calendrier::pour(commune.as_deref(), fuseau.as_deref().and_then(Fuseau::parse)).fuseau;
        zones.entry(z.iana()).or_insert_with(|| (z, Vec::new())).1.push(id);
    }
    Ok(zones)
}

impl Decoupe {
    /// None when the sessions alone answer: a conseiller's activity (found by their index) or a
    /// commanditaire's, which the counts do not know; a period of two days or less. With
    /// `par_mois`, the months a period wholly contains are read from the monthly counts (the
    /// rows then stand for a day or for a month: for the month and list blocks, not a day chart).
    async fn de(
        conn: &mut dyn Conn,
        portee: &Portee,
        filtres: &Filtres,
        i: Intervalle,
        par_mois: bool,
    ) -> sqlx::Result<Option<Decoupe>> {
        let marge = chrono::Duration::hours(JOUR_LE_PLUS_LONG);
        let courte = matches!((i.debut, i.fin), (Some(d), Some(f)) if f - d < marge + marge);
        if filtres.seances_seulement
            || filtres.conseiller.is_some()
            || courte
            || !matches!(portee, Portee::Tout | Portee::Territoire(_) | Portee::Structure(_))
        {
            return Ok(None);
        }
        let jours_sql =
            |c: &Clause| format!("SELECT {COLONNES_COMPTES}, a.jour FROM statistiques_jours a WHERE {}", c.sql());
        let mut parts = Vec::new();
        let mut valeurs = Vec::new();
        if par_mois {
            // Each zone's days outside its whole months, by structure and day (index).
            for (fuseau, ids) in structures_par_zone(conn, portee, filtres).await?.into_values() {
                let liste = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
                let jour = |t: DateTime<Utc>| fuseau.to_local(t).date();
                let (du, au) = (i.debut.map(jour), i.fin.map(jour));
                let mut plages: Vec<(Option<NaiveDate>, Option<NaiveDate>)> = Vec::new();
                match mois_contenus(fuseau, i) {
                    (Some(m1), Some(m2)) if m1 >= m2 => plages.push((du, au.map(|a| a + chrono::Duration::days(1)))),
                    (m1, m2) => {
                        if let Some(m1) = m1 {
                            plages.push((du, Some(m1)));
                        }
                        if let Some(m2) = m2 {
                            plages.push((Some(m2), au.map(|a| a + chrono::Duration::days(1))));
                        }
                    }
                }
                for (de, a) in plages {
                    if let (Some(de), Some(a)) = (de, a) {
                        if de >= a {
                            continue;
                        }
                    }
                    let mut c = clause_comptes(valeurs, portee, filtres, i, "debut_jour", "fin_jour");
                    c.conditions.push(format!("a.structure_id IN ({liste})"));
                    if let Some(de) = de {
                        c.et("a.jour >= ?", Valeur::Date(de));
                    }
                    if let Some(a) = a {
                        c.et("a.jour < ?", Valeur::Date(a));
                    }
                    parts.push(jours_sql(&c));
                    valeurs = c.valeurs;
                }
            }
            let c = clause_comptes(valeurs, portee, filtres, i, "debut_mois", "fin_mois");
            parts.push(format!("SELECT {COLONNES_COMPTES}, a.mois AS jour FROM statistiques_mois a WHERE {}", c.sql()));
            valeurs = c.valeurs;
        } else {
            let c = clause_comptes(valeurs, portee, filtres, i, "debut_jour", "fin_jour");
            parts.push(jours_sql(&c));
            valeurs = c.valeurs;
        }
        let source = format!("({}) a", parts.join(" UNION ALL "));
        let mut bouts = Vec::new();
        if let Some(d) = i.debut {
            bouts.push(Intervalle { debut: Some(d), fin: Some(i.fin.map_or(d + marge, |f| f.min(d + marge))) });
        }
        if let Some(f) = i.fin {
            let debut = i.debut.map_or(f - marge, |d| (f - marge).max(d + marge));
            bouts.push(Intervalle { debut: Some(debut), fin: Some(f) });
        }
        let bords = bouts
            .into_iter()
            .map(|b| {
                let mut c = Clause::seances(portee, filtres, b);
                // The sessions of a day the counts hold are counted there. That day is looked up
                // among the structure's few days around the edge (by index), not all its days:
                // a local day in a French zone is the UTC date of its instants, or one either side.
                let mut dedans = vec!["a2.structure_id = p.structure_id".to_string()];
                let un_jour = chrono::Duration::days(1);
                for (borne, condition) in [
                    (b.debut.map(|d| d.date_naive() - un_jour), "a2.jour >="),
                    (b.fin.map(|f| f.date_naive() + un_jour), "a2.jour <="),
                ] {
                    if let Some(j) = borne {
                        c.valeurs.push(Valeur::Date(j));
                        dedans.push(format!("{condition} ${}", c.valeurs.len()));
                    }
                }
                dedans.push("a2.debut_jour <= s.debut AND a2.fin_jour > s.debut".into());
                if let Some(d) = i.debut {
                    c.valeurs.push(Valeur::Instant(d));
                    dedans.push(format!("a2.debut_jour >= ${}", c.valeurs.len()));
                }
                if let Some(f) = i.fin {
                    c.valeurs.push(Valeur::Instant(f));
                    dedans.push(format!("a2.fin_jour <= ${}", c.valeurs.len()));
                }
                c.conditions
                    .push(format!("NOT EXISTS (SELECT 1 FROM statistiques_jours a2 WHERE {})", dedans.join(" AND ")));
                c
            })
            .collect();
        Ok(Some(Decoupe { source, valeurs, bords }))
    }
}

const FROM_SEANCES: &str = "FROM seances s
    JOIN parcours p ON p.id = s.parcours_id
    JOIN structures st ON st.id = p.structure_id
    LEFT JOIN communes sc ON sc.code_insee = st.commune_insee";

/// The columns of an accompaniment (`Activite`) and the joins that give them.
fn select_activites() -> String {
    format!(
        "SELECT s.id, s.statut, s.parcours_id, s.numero, s.debut, s.fin, s.created_at, s.updated_at, s.type_lieu,
                s.cr_thematiques, s.cr_duree_minutes, s.cr_materiel, s.cr_autonomie, s.cr_notes,
                s.conseiller_id, u.prenom AS conseiller_prenom, u.nom AS conseiller_nom,
                st.id AS structure_id, st.nom AS structure_nom, st.adresse AS structure_adresse,
                st.commune_insee AS structure_commune_insee, sc.nom AS structure_commune,
                sc.codes_postaux AS structure_codes_postaux, st.fuseau AS structure_fuseau,
                b.id AS beneficiaire_id, b.prenom AS beneficiaire_prenom, b.annee_naissance,
                b.commune_insee AS beneficiaire_commune_insee, bc.nom AS beneficiaire_commune,
                bc.codes_postaux AS beneficiaire_codes_postaux, b.genre, b.tranche_age, b.statut_social,
                b.anonymise_at, pa.valeur_centimes AS pass_valeur_centimes
         {FROM_SEANCES}
         JOIN users u ON u.id = s.conseiller_id
         JOIN beneficiaires b ON b.id = p.beneficiaire_id
         LEFT JOIN communes bc ON bc.code_insee = b.commune_insee
         LEFT JOIN passes pa ON pa.seance_id = s.id"
    )
}

/// How many accompaniments of the scope each person had (people with none are absent).
pub async fn accompagnements_par_personne(
    conn: &mut dyn Conn,
    portee: &Portee,
    filtres: &Filtres,
    i: Intervalle,
) -> sqlx::Result<std::collections::HashMap<i64, i64>> {
    let c = Clause::seances(portee, filtres, i);
    let sql = format!("SELECT p.beneficiaire_id, COUNT(*) {FROM_SEANCES} WHERE {} GROUP BY p.beneficiaire_id", c.sql());
    let l: Vec<(i64, i64)> = on!(conn, |cx| lier!(sqlx::query_as(&sql), &c.valeurs).fetch_all(cx).await)?;
    Ok(l.into_iter().collect())
}

/// How many accompaniments `envoyer_activites` sends.
pub async fn nombre_activites(
    conn: &mut dyn Conn,
    portee: &Portee,
    filtres: &Filtres,
    i: Intervalle,
) -> sqlx::Result<i64> {
    let c = Clause::seances(portee, filtres, i);
    let sql = format!("SELECT COUNT(*) {FROM_SEANCES} WHERE {}", c.sql());
    let (n,): (i64,) = on!(conn, |cx| lier!(sqlx::query_as(&sql), &c.valeurs).fetch_one(cx).await)?;
    Ok(n)
}

/// The people, not erased, whom the accompaniments of `envoyer_activites` name.
pub async fn personnes_nommees(
    conn: &mut dyn Conn,
    portee: &Portee,
    filtres: &Filtres,
    i: Intervalle,
) -> sqlx::Result<Vec<i64>> {
    let c = Clause::seances(portee, filtres, i);
    let sql = format!(
        "SELECT b.id FROM beneficiaires b
         WHERE b.anonymise_at IS NULL AND b.id IN (SELECT p.beneficiaire_id {FROM_SEANCES} WHERE {})
         ORDER BY b.id",
        c.sql()
    );
    let ids: Vec<(i64,)> = on!(conn, |cx| lier!(sqlx::query_as(&sql), &c.valeurs).fetch_all(cx).await)?;
    Ok(ids.into_iter().map(|r| r.0).collect())
}

/// The held sessions of the scope and the filters in the interval (accompaniments), sent to
/// `envoi` one by one as the database reads them
/// (oldest first), so that an export of any size holds a few rows at a time. Stops early,
/// without error, when the receiver is gone (the client left).
pub async fn envoyer_activites(
    conn: &mut dyn Conn,
    portee: &Portee,
    filtres: &Filtres,
    i: Intervalle,
    envoi: &tokio::sync::mpsc::Sender<sqlx::Result<Activite>>,
) -> sqlx::Result<()> {
    use futures_util::TryStreamExt;
    let c = Clause::seances(portee, filtres, i);
    let sql = format!("{} WHERE {} ORDER BY s.debut, s.id", select_activites(), c.sql());
    on!(conn, |cx| {
        let mut lignes = lier!(sqlx::query_as::<_, Activite>(&sql), &c.valeurs).fetch(cx);
        while let Some(a) = lignes.try_next().await? {
            if envoi.send(Ok(a)).await.is_err() {
                break;
            }
        }
        Ok(())
    })
}

/// Where a walk in the order of last change stands: the (modification, id) of the last row given.
pub type Curseur = (DateTime<Utc>, i64);

/// The held sessions of the scope changed at or after `depuis`, after `apres`, and those no
/// longer held (withdrawn: a client may have received them).
fn clause_modifiees(portee: &Portee, depuis: Option<DateTime<Utc>>, apres: Option<Curseur>) -> Clause {
    let mut c = Clause::seances_ou(TENUES_OU_RETIREES, portee, &Filtres::default(), Intervalle::default());
    if let Some(d) = depuis {
        c.et("s.updated_at >= ?", Valeur::Instant(d));
    }
    if let Some((modification, id)) = apres {
        // Written out rather than as a row comparison, the same on both backends.
        c.valeurs.push(Valeur::Instant(modification));
        let m = c.valeurs.len();
        c.valeurs.push(Valeur::Entier(id));
        c.conditions.push(format!("(s.updated_at > ${m} OR (s.updated_at = ${m} AND s.id > ${}))", m + 1));
    }
    c
}

/// A page of accompaniments in the order of their last change (then id), for the data
/// consumers' API: every row once in a walk, rows changed during the walk coming again at its end.
pub async fn activites_modifiees(
    conn: &mut dyn Conn,
    portee: &Portee,
    depuis: Option<DateTime<Utc>>,
    apres: Option<Curseur>,
    limite: u32,
) -> sqlx::Result<Vec<Activite>> {
    let c = clause_modifiees(portee, depuis, apres);
    let sql = format!("{} WHERE {} ORDER BY s.updated_at, s.id LIMIT {}", select_activites(), c.sql(), limite.max(1));
    on!(conn, |cx| lier!(sqlx::query_as::<_, Activite>(&sql), &c.valeurs).fetch_all(cx).await)
}

/// How many accompaniments of the scope changed at or after `depuis`.
pub async fn nombre_activites_modifiees(
    conn: &mut dyn Conn,
    portee: &Portee,
    depuis: Option<DateTime<Utc>>,
) -> sqlx::Result<i64> {
    let c = clause_modifiees(portee, depuis, None);
    let sql = format!("SELECT COUNT(*) {FROM_SEANCES} WHERE {}", c.sql());
    let (n,): (i64,) = on!(conn, |cx| lier!(sqlx::query_as(&sql), &c.valeurs).fetch_one(cx).await)?;
    Ok(n)
}

/// Held sessions counted together because every block but the lists and the dates sees them
/// alike: same place, conseiller, type of place, duration, and commune of the person for a
/// session at home.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct GroupeSeances {
    pub structure_id: i64,
    pub structure_nom: String,
    pub structure_commune_insee: Option<String>,
    pub structure_commune: Option<String>,
    pub conseiller_id: i64,
    pub conseiller_prenom: String,
    pub conseiller_nom: String,
    pub type_lieu: String,
    /// The report's duration, else the planned one.
    pub duree_minutes: i64,
    /// For a session at home: the person's commune (INSEE code, name).
    pub domicile_insee: Option<String>,
    pub domicile_commune: Option<String>,
    pub nombre: i64,
}

/// The held sessions of the scope in the interval, grouped (see `GroupeSeances`): the database
/// counts, a few thousand groups come back instead of a row per session.
pub async fn groupes(
    conn: &mut dyn Conn,
    portee: &Portee,
    filtres: &Filtres,
    i: Intervalle,
) -> sqlx::Result<Vec<GroupeSeances>> {
    let Some(d) = Decoupe::de(conn, portee, filtres, i, true).await? else {
        return groupes_des_seances(conn, &Clause::seances(portee, filtres, i)).await;
    };
    let sql = format!(
        "SELECT g.structure_id, st.nom AS structure_nom, st.commune_insee AS structure_commune_insee,
                sc.nom AS structure_commune, g.conseiller_id, u.prenom AS conseiller_prenom,
                u.nom AS conseiller_nom, g.type_lieu, g.duree_minutes, g.domicile_insee, dc.nom AS domicile_commune,
                g.nombre
         FROM (SELECT a.structure_id, a.conseiller_id, a.type_lieu, a.duree_minutes, a.domicile_insee,
                      CAST(SUM(a.nombre) AS BIGINT) AS nombre
               FROM {}
               GROUP BY a.structure_id, a.conseiller_id, a.type_lieu, a.duree_minutes, a.domicile_insee) g
         JOIN structures st ON st.id = g.structure_id
         LEFT JOIN communes sc ON sc.code_insee = st.commune_insee
         JOIN users u ON u.id = g.conseiller_id
         LEFT JOIN communes dc ON dc.code_insee = g.domicile_insee",
        d.source
    );
    let mut l = on!(conn, |cx| lier!(sqlx::query_as::<_, GroupeSeances>(&sql), &d.valeurs).fetch_all(cx).await)?;
    for c in &d.bords {
        l.extend(groupes_des_seances(conn, c).await?);
    }
    Ok(l)
}

async fn groupes_des_seances(conn: &mut dyn Conn, c: &Clause) -> sqlx::Result<Vec<GroupeSeances>> {
    let minutes = on!(conn, |_cx| dialect::minutes("s.debut", "s.fin"));
    // The person is read only for the sessions at home, the conseiller's name once per group.
    let sql = format!(
        "SELECT g.structure_id, g.structure_nom, g.structure_commune_insee, g.structure_commune, g.conseiller_id,
                u.prenom AS conseiller_prenom, u.nom AS conseiller_nom, g.type_lieu, g.duree_minutes,
                g.domicile_insee, dc.nom AS domicile_commune, g.nombre
         FROM (SELECT x.structure_id, x.structure_nom, x.structure_commune_insee, x.structure_commune,
                      x.conseiller_id, x.type_lieu, x.duree_minutes, x.domicile_insee, COUNT(*) AS nombre
               FROM (SELECT st.id AS structure_id, st.nom AS structure_nom,
                            st.commune_insee AS structure_commune_insee, sc.nom AS structure_commune,
                            s.conseiller_id, s.type_lieu,
                            COALESCE(s.cr_duree_minutes, {minutes}) AS duree_minutes,
                            CASE WHEN s.type_lieu = 'domicile'
                                 THEN (SELECT b.commune_insee FROM beneficiaires b WHERE b.id = p.beneficiaire_id)
                            END AS domicile_insee
                     {FROM_SEANCES} WHERE {}) x
               GROUP BY x.structure_id, x.structure_nom, x.structure_commune_insee, x.structure_commune,
                        x.conseiller_id, x.type_lieu, x.duree_minutes, x.domicile_insee) g
         JOIN users u ON u.id = g.conseiller_id
         LEFT JOIN communes dc ON dc.code_insee = g.domicile_insee",
        c.sql()
    );
    on!(conn, |cx| lier!(sqlx::query_as::<_, GroupeSeances>(&sql), &c.valeurs).fetch_all(cx).await)
}

/// A list a report ticks several values of, stored as one text.
#[derive(Clone, Copy, Debug)]
pub enum Liste {
    Thematiques,
    Materiel,
}

/// How many held sessions of the scope in the interval carry each stored list (as stored: the
/// caller splits it).
pub async fn par_liste(
    conn: &mut dyn Conn,
    portee: &Portee,
    filtres: &Filtres,
    i: Intervalle,
    liste: Liste,
) -> sqlx::Result<Vec<(Option<String>, i64)>> {
    let colonne = match liste {
        Liste::Thematiques => "cr_thematiques",
        Liste::Materiel => "cr_materiel",
    };
    let des_seances =
        |c: &Clause| format!("SELECT s.{colonne}, COUNT(*) {FROM_SEANCES} WHERE {} GROUP BY s.{colonne}", c.sql());
    let Some(d) = Decoupe::de(conn, portee, filtres, i, true).await? else {
        let c = Clause::seances(portee, filtres, i);
        let sql = des_seances(&c);
        return on!(conn, |cx| lier!(sqlx::query_as(&sql), &c.valeurs).fetch_all(cx).await);
    };
    let sql = format!("SELECT a.{colonne}, CAST(SUM(a.nombre) AS BIGINT) FROM {} GROUP BY a.{colonne}", d.source);
    let mut l: Vec<(Option<String>, i64)> =
        on!(conn, |cx| lier!(sqlx::query_as(&sql), &d.valeurs).fetch_all(cx).await)?;
    for c in &d.bords {
        let sql = des_seances(c);
        let b: Vec<(Option<String>, i64)> =
            on!(conn, |cx| lier!(sqlx::query_as(&sql), &c.valeurs).fetch_all(cx).await)?;
        l.extend(b);
    }
    Ok(l)
}

/// Held sessions started in one UTC hour at structures of one zone, and the passes they consumed.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Heure {
    /// `YYYY-MM-DDTHH`, UTC.
    pub heure: String,
    /// The structures' zone as set (IANA name), if set.
    pub fuseau: Option<String>,
    /// The first three digits of an overseas commune (`97x`), which give its zone when none is
    /// set; none for the mainland.
    pub outre_mer: Option<String>,
    pub nombre: i64,
    pub passes: i64,
    pub valeur_centimes: i64,
}

/// The held sessions of the scope in the interval by UTC hour and zone: every zone France uses
/// is a whole number of hours from UTC and changes at a whole hour, so an hour falls on one
/// local day, and the month and day charts (and the passes per month) count without a row per
/// session.
pub async fn par_heure(
    conn: &mut dyn Conn,
    portee: &Portee,
    filtres: &Filtres,
    i: Intervalle,
) -> sqlx::Result<Vec<Heure>> {
    par_heure_des_seances(conn, &Clause::seances(portee, filtres, i)).await
}

/// The local date of an hour of `par_heure`, in the zone of its structures.
fn date_heure(h: &Heure) -> sqlx::Result<NaiveDate> {
    let debut = chrono::NaiveDateTime::parse_from_str(&format!("{}:00", h.heure), "%Y-%m-%dT%H:%M")
        .map_err(|e| sqlx::Error::Decode(format!("heure illisible {:?} : {e}", h.heure).into()))?
        .and_utc();
    let cal = Calendrier::pour(h.outre_mer.as_deref(), h.fuseau.as_deref().and_then(Fuseau::parse));
    Ok(cal.to_local(debut).date())
}

/// The held sessions of the scope in the interval per local day of their structure: (day,
/// sessions, passes, their value), a day possibly in several lines.
pub async fn par_jour(
    conn: &mut dyn Conn,
    portee: &Portee,
    filtres: &Filtres,
    i: Intervalle,
) -> sqlx::Result<Vec<(NaiveDate, u64, u64, i64)>> {
    par_date(conn, portee, filtres, i, false).await
}

/// The same for the month charts: a line is a local day or, for the months the interval wholly
/// contains, the first day of a local month standing for the whole month.
pub async fn par_mois(
    conn: &mut dyn Conn,
    portee: &Portee,
    filtres: &Filtres,
    i: Intervalle,
) -> sqlx::Result<Vec<(NaiveDate, u64, u64, i64)>> {
    par_date(conn, portee, filtres, i, true).await
}

async fn par_date(
    conn: &mut dyn Conn,
    portee: &Portee,
    filtres: &Filtres,
    i: Intervalle,
    mois: bool,
) -> sqlx::Result<Vec<(NaiveDate, u64, u64, i64)>> {
    let jours = |heures: Vec<Heure>| -> sqlx::Result<Vec<(NaiveDate, u64, u64, i64)>> {
        heures.iter().map(|h| Ok((date_heure(h)?, h.nombre as u64, h.passes as u64, h.valeur_centimes))).collect()
    };
    let Some(d) = Decoupe::de(conn, portee, filtres, i, mois).await? else {
        return jours(par_heure_des_seances(conn, &Clause::seances(portee, filtres, i)).await?);
    };
    let sql = format!(
        "SELECT a.jour, CAST(SUM(a.nombre) AS BIGINT), CAST(SUM(a.passes) AS BIGINT),
                CAST(SUM(a.valeur_centimes) AS BIGINT)
         FROM {} GROUP BY a.jour",
        d.source
    );
    let l: Vec<(NaiveDate, i64, i64, i64)> =
        on!(conn, |cx| lier!(sqlx::query_as(&sql), &d.valeurs).fetch_all(cx).await)?;
    let mut l: Vec<_> = l.into_iter().map(|(j, n, p, v)| (j, n as u64, p as u64, v)).collect();
    for c in &d.bords {
        l.extend(jours(par_heure_des_seances(conn, c).await?)?);
    }
    Ok(l)
}

async fn par_heure_des_seances(conn: &mut dyn Conn, c: &Clause) -> sqlx::Result<Vec<Heure>> {
    let heure = on!(conn, |_cx| dialect::heure("s.debut"));
    let sql = format!(
        "SELECT x.heure, x.fuseau, x.outre_mer, COUNT(*) AS nombre, COUNT(x.valeur) AS passes,
                CAST(COALESCE(SUM(x.valeur), 0) AS BIGINT) AS valeur_centimes
         FROM (SELECT {heure} AS heure, st.fuseau AS fuseau,
                      CASE WHEN substr(st.commune_insee, 1, 2) = '97' THEN substr(st.commune_insee, 1, 3) END
                        AS outre_mer,
                      pa.valeur_centimes AS valeur
               {FROM_SEANCES} LEFT JOIN passes pa ON pa.seance_id = s.id
               WHERE {}) x
         GROUP BY x.heure, x.fuseau, x.outre_mer",
        c.sql()
    );
    on!(conn, |cx| lier!(sqlx::query_as::<_, Heure>(&sql), &c.valeurs).fetch_all(cx).await)
}

/// People counted together because the beneficiary blocks see them alike.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct GroupePersonnes {
    pub genre: Option<String>,
    pub annee_naissance: Option<i64>,
    pub tranche_age: Option<String>,
    pub statut_social: Option<String>,
    pub commune_insee: Option<String>,
    pub commune: Option<String>,
    pub anonyme: bool,
    pub nombre: i64,
}

/// The people with a held session of the scope in the interval, each once, as recorded now.
pub async fn personnes(
    conn: &mut dyn Conn,
    portee: &Portee,
    filtres: &Filtres,
    i: Intervalle,
) -> sqlx::Result<Vec<GroupePersonnes>> {
    let (c, qui) = if par_structures(portee, filtres) {
        (Clause::personnes_comptees(portee, filtres, i), "SELECT r.beneficiaire_id FROM statistiques_personnes r")
    } else {
        (Clause::parcours_avec_seance(portee, filtres, i), "SELECT p.beneficiaire_id FROM parcours p")
    };
    // A whole country's people (half of everyone in a year) are counted by walking everyone in
    // the order of the index on what the blocks tell apart, each looked up in the set of people
    // seen (`+id`: not by their id), so that the groups come out in order: looking up each one by
    // id, then sorting them into groups, took 0.33 s for 200,000 people at national volume on
    // SQLite, this 0.2 s. A few structures' people are fewer: each is looked up by id.
    let ids = if par_structures(portee, filtres) && !quelques_structures(portee, filtres) { "+id" } else { "id" };
    let sql = format!(
        "SELECT x.genre, x.annee_naissance, x.tranche_age, x.statut_social, x.commune_insee, bc.nom AS commune,
                x.anonyme, x.nombre
         FROM (SELECT g.genre, g.annee_naissance, g.tranche_age, g.statut_social, g.commune_insee,
                      (g.anonymise_at IS NOT NULL) AS anonyme, CAST(SUM(g.nombre) AS BIGINT) AS nombre
               FROM (SELECT genre, annee_naissance, tranche_age, statut_social, commune_insee, anonymise_at,
                            COUNT(*) AS nombre
                     FROM beneficiaires
                     WHERE {ids} IN ({qui} WHERE {})
                     GROUP BY genre, annee_naissance, tranche_age, statut_social, commune_insee, anonymise_at) g
               GROUP BY g.genre, g.annee_naissance, g.tranche_age, g.statut_social, g.commune_insee,
                        (g.anonymise_at IS NOT NULL)) x
         LEFT JOIN communes bc ON bc.code_insee = x.commune_insee",
        c.sql()
    );
    on!(conn, |cx| lier!(sqlx::query_as::<_, GroupePersonnes>(&sql), &c.valeurs).fetch_all(cx).await)
}

/// How many people had their first session of the scope (all time) in the interval.
pub async fn nouveaux_beneficiaires(
    conn: &mut dyn Conn,
    portee: &Portee,
    filtres: &Filtres,
    i: Intervalle,
) -> sqlx::Result<i64> {
    // The first session of each person at each structure (`store::agregat`) answers for a scope
    // of structures; a conseiller's or a type of place's first is the sessions'.
    if par_structures(portee, filtres) && filtres.type_lieu.is_none() {
        if let (Some(d), Some(f)) = (i.debut, i.fin) {
            // A first session at a structure in the interval, and none before it at another
            // structure of the scope: from the rows of the interval and of those people (index),
            // not from everyone's first sessions.
            let mut c = Clause::default();
            c.portee_sur("sp.structure_id", portee, filtres);
            c.et("sp.premiere >= ?", Valeur::Instant(d));
            c.et("sp.premiere < ?", Valeur::Instant(f));
            let mut avant =
                Clause { conditions: vec!["sp2.beneficiaire_id = sp.beneficiaire_id".into()], valeurs: c.valeurs };
            avant.portee_sur("sp2.structure_id", portee, filtres);
            avant.et("sp2.premiere < ?", Valeur::Instant(d));
            let sql = format!(
                "SELECT COUNT(DISTINCT sp.beneficiaire_id) FROM statistiques_premieres sp
                 WHERE {} AND NOT EXISTS (SELECT 1 FROM statistiques_premieres sp2 WHERE {})",
                c.conditions.join(" AND "),
                avant.sql()
            );
            let (n,): (i64,) = on!(conn, |cx| lier!(sqlx::query_as(&sql), &avant.valeurs).fetch_one(cx).await)?;
            return Ok(n);
        }
    }
    let par_structure = par_structures(portee, filtres) && filtres.type_lieu.is_none();
    let (mut c, sql) = if par_structure {
        let mut c = Clause::default();
        c.portee_sur("sp.structure_id", portee, filtres);
        let sql = format!(
            "SELECT sp.beneficiaire_id, MIN(sp.premiere) AS premiere FROM statistiques_premieres sp
             WHERE {} GROUP BY sp.beneficiaire_id",
            c.sql()
        );
        (c, sql)
    } else {
        let c = Clause::seances(portee, filtres, Intervalle::default());
        let sql = format!(
            "SELECT p.beneficiaire_id, MIN(s.debut) AS premiere {FROM_SEANCES} WHERE {} GROUP BY p.beneficiaire_id",
            c.sql()
        );
        (c, sql)
    };
    let mut bornes = Vec::new();
    if let Some(d) = i.debut {
        c.valeurs.push(Valeur::Instant(d));
        bornes.push(format!("t.premiere >= ${}", c.valeurs.len()));
    }
    if let Some(f) = i.fin {
        c.valeurs.push(Valeur::Instant(f));
        bornes.push(format!("t.premiere < ${}", c.valeurs.len()));
    }
    bornes.push("TRUE".into());
    let sql = format!("SELECT COUNT(*) FROM ({sql}) t WHERE {}", bornes.join(" AND "));
    let (n,): (i64,) = on!(conn, |cx| lier!(sqlx::query_as(&sql), &c.valeurs).fetch_one(cx).await)?;
    Ok(n)
}

/// Parcours of the scope counted together: opened in the interval (`ouvert`: one group, whatever
/// their state, `etat` empty), or closed in it (`ferme`, by state and number of held sessions). A
/// parcours opened and closed in the interval is in one group of each kind.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct GroupeParcours {
    pub etat: String,
    pub ouvert: bool,
    pub ferme: bool,
    pub seances_tenues: i64,
    pub nombre: i64,
}

/// The parcours of the scope opened or closed in the interval (the type-of-place filter is a
/// session's, not a parcours').
pub async fn parcours(
    conn: &mut dyn Conn,
    portee: &Portee,
    filtres: &Filtres,
    i: Intervalle,
) -> sqlx::Result<Vec<GroupeParcours>> {
    let mut c = Clause::default();
    if quelques_structures(portee, filtres) {
        // The structures named one by one: the planner then knows how few they are and walks
        // their parcours, instead of every parcours of the country created in the period (a
        // département's year at national volume on SQLite: about 100 → 5 ms); for hundreds of
        // structures it still takes the date.
        let ids: Vec<String> = structures_par_zone(conn, portee, filtres)
            .await?
            .into_values()
            .flat_map(|(_, ids)| ids)
            .map(|id| id.to_string())
            .collect();
        let liste = if ids.is_empty() { "NULL".to_string() } else { ids.join(", ") };
        c.conditions.push(format!("p.structure_id IN ({liste})"));
    } else {
        c.portee(portee, filtres);
    }
    c.intervalle("p.created_at", i);
    // Their number alone (the index on the creation answers for a country).
    let sql = format!("SELECT COUNT(*) FROM parcours p WHERE {}", c.sql());
    let (ouverts,): (i64,) = on!(conn, |cx| lier!(sqlx::query_as(&sql), &c.valeurs).fetch_one(cx).await)?;
    // The closed ones from their rows (`store::agregat`) for a scope of structures: the held
    // sessions are counted there.
    let (c, sql) = if par_structures(portee, filtres) {
        let mut c = Clause::default();
        c.portee_sur("k.structure_id", portee, filtres);
        c.intervalle("k.closed_at", i);
        let sql = format!(
            "SELECT k.etat, k.seances_tenues, COUNT(*) FROM statistiques_clotures k WHERE {}
             GROUP BY k.etat, k.seances_tenues",
            c.sql()
        );
        (c, sql)
    } else {
        let mut c = Clause { conditions: vec!["p.closed_at IS NOT NULL".into()], valeurs: vec![] };
        c.portee(portee, filtres);
        c.intervalle("p.closed_at", i);
        let sql = format!(
            "SELECT x.etat, x.seances_tenues, COUNT(*)
             FROM (SELECT p.etat,
                          (SELECT COUNT(*) FROM seances s WHERE s.parcours_id = p.id AND s.statut = 'tenue')
                            AS seances_tenues
                   FROM parcours p WHERE {}) x
             GROUP BY x.etat, x.seances_tenues",
            c.sql()
        );
        (c, sql)
    };
    let fermes: Vec<(String, i64, i64)> = on!(conn, |cx| lier!(sqlx::query_as(&sql), &c.valeurs).fetch_all(cx).await)?;
    let ouverts =
        GroupeParcours { etat: String::new(), ouvert: true, ferme: false, seances_tenues: 0, nombre: ouverts };
    let fermes = fermes.into_iter().map(|(etat, seances_tenues, nombre)| GroupeParcours {
        etat,
        ouvert: false,
        ferme: true,
        seances_tenues,
        nombre,
    });
    Ok(std::iter::once(ouverts).chain(fermes).collect())
}

/// (domain, competences assessed at both diagnostics, how many of them rose) of the parcours of
/// the scope completed in the interval: for a scope of structures from their monthly sums and
/// the closures at the ends of the interval, else from each parcours' counts (`store::agregat`),
/// or from the diagnostics themselves with `seances_seulement`.
pub async fn progressions(
    conn: &mut dyn Conn,
    portee: &Portee,
    filtres: &Filtres,
    i: Intervalle,
) -> sqlx::Result<Vec<(String, i64, i64)>> {
    if par_structures(portee, filtres) {
        return progressions_par_mois(conn, portee, filtres, i).await;
    }
    let mut c = Clause { conditions: vec!["p.etat = 'termine'".into()], valeurs: vec![] };
    c.portee(portee, filtres);
    c.intervalle("p.closed_at", i);
    if !filtres.seances_seulement {
        let sql = format!(
            "SELECT sp.domaine, CAST(SUM(sp.evaluees) AS BIGINT), CAST(SUM(sp.en_progression) AS BIGINT)
             FROM parcours p JOIN statistiques_progressions sp ON sp.parcours_id = p.id
             WHERE {}
             GROUP BY sp.domaine ORDER BY sp.domaine",
            c.sql()
        );
        return on!(conn, |cx| lier!(sqlx::query_as(&sql), &c.valeurs).fetch_all(cx).await);
    }
    let sql = format!(
        "SELECT di.competence, di.niveau, df.niveau, COUNT(*)
         FROM parcours p
         JOIN diagnostic_niveaux di ON di.parcours_id = p.id AND di.moment = 'initial'
         JOIN diagnostic_niveaux df ON df.parcours_id = p.id AND df.moment = 'final' AND df.competence = di.competence
         WHERE {}
         GROUP BY di.competence, di.niveau, df.niveau",
        c.sql()
    );
    let l: Vec<(String, String, String, i64)> =
        on!(conn, |cx| lier!(sqlx::query_as(&sql), &c.valeurs).fetch_all(cx).await)?;
    let mut domaines: std::collections::BTreeMap<String, (i64, i64)> = Default::default();
    for (competence, initial, final_, nombre) in l {
        let (domaine, monte) = crate::store::agregat::progression(&competence, &initial, &final_);
        let d = domaines.entry(domaine).or_default();
        d.0 += nombre;
        if monte {
            d.1 += nombre;
        }
    }
    Ok(domaines.into_iter().map(|(d, (e, p))| (d, e, p)).collect())
}

/// The progressions of a scope of structures: the UTC months the interval wholly contains from
/// their monthly sums (`store::agregat`), the rest of the interval from the completed parcours'
/// closure rows (by structure and date, or by date for a country) and their progressions.
async fn progressions_par_mois(
    conn: &mut dyn Conn,
    portee: &Portee,
    filtres: &Filtres,
    i: Intervalle,
) -> sqlx::Result<Vec<(String, i64, i64)>> {
    let (mois, bords) = mois_utc_contenus(i);
    let mut parts = Vec::new();
    if let Some((de, a)) = mois {
        let mut c = Clause::default();
        c.portee_sur("a.structure_id", portee, filtres);
        if let Some(de) = de {
            c.et("a.mois >= ?", Valeur::Date(de));
        }
        if let Some(a) = a {
            c.et("a.mois < ?", Valeur::Date(a));
        }
        parts.push((
            format!(
                "SELECT a.domaine, CAST(SUM(a.evaluees) AS BIGINT), CAST(SUM(a.en_progression) AS BIGINT)
                 FROM statistiques_progressions_mois a WHERE {} GROUP BY a.domaine",
                c.sql()
            ),
            c,
        ));
    }
    for b in bords {
        let mut c = Clause { conditions: vec!["k.etat = 'termine'".into()], valeurs: vec![] };
        c.portee_sur("k.structure_id", portee, filtres);
        c.intervalle("k.closed_at", b);
        parts.push((
            format!(
                "SELECT sp.domaine, CAST(SUM(sp.evaluees) AS BIGINT), CAST(SUM(sp.en_progression) AS BIGINT)
                 FROM statistiques_clotures k JOIN statistiques_progressions sp ON sp.parcours_id = k.parcours_id
                 WHERE {} GROUP BY sp.domaine",
                c.sql()
            ),
            c,
        ));
    }
    let mut domaines: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for (sql, c) in parts {
        let l: Vec<(String, i64, i64)> = on!(conn, |cx| lier!(sqlx::query_as(&sql), &c.valeurs).fetch_all(cx).await)?;
        for (domaine, e, p) in l {
            let d = domaines.entry(domaine).or_default();
            d.0 += e;
            d.1 += p;
        }
    }
    Ok(domaines.into_iter().map(|(d, (e, p))| (d, e, p)).collect())
}

/// The UTC months `[from, to)` an interval wholly contains (either side open), if any, and the
/// parts of the interval outside them.
fn mois_utc_contenus(i: Intervalle) -> (Option<(Option<NaiveDate>, Option<NaiveDate>)>, Vec<Intervalle>) {
    let debut_de = |m: NaiveDate| m.and_time(NaiveTime::MIN).and_utc();
    let mois_de = |t: DateTime<Utc>| premier_du_mois(t.date_naive());
    // The first month starting at or after the start; the month the end falls in (those before
    // it end at or before the end).
    let de = i.debut.map(|d| if debut_de(mois_de(d)) == d { mois_de(d) } else { mois_de(d) + Months::new(1) });
    let a = i.fin.map(mois_de);
    if let (Some(de), Some(a)) = (de, a) {
        if de >= a {
            return (None, vec![i]);
        }
    }
    let mut bords = Vec::new();
    if let (Some(d), Some(de)) = (i.debut, de) {
        if d < debut_de(de) {
            bords.push(Intervalle { debut: Some(d), fin: Some(debut_de(de)) });
        }
    }
    if let (Some(f), Some(a)) = (i.fin, a) {
        if debut_de(a) < f {
            bords.push(Intervalle { debut: Some(debut_de(a)), fin: Some(f) });
        }
    }
    (Some((de, a)), bords)
}

/// Whether a conseiller (an active or past account of that role) belongs to the scope.
pub async fn conseiller_dans(conn: &mut dyn Conn, portee: &Portee, id: i64) -> sqlx::Result<bool> {
    let (role, structure): (String, Option<i64>) =
        match on!(conn, |cx| sqlx::query_as("SELECT role, structure_id FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(cx)
            .await)?
        {
            Some(r) => r,
            None => return Ok(false),
        };
    if role != "conseiller" && role != "coordinateur" {
        return Ok(false);
    }
    Ok(match portee {
        Portee::Conseiller(me) => *me == id,
        Portee::Structure(s) => structure == Some(*s),
        Portee::Territoire(_) | Portee::Commanditaire(_) | Portee::Tout => true,
    })
}

/// Whether a structure exists (and is the user's, for a structure scope).
pub async fn lieu_dans(conn: &mut dyn Conn, portee: &Portee, id: i64) -> sqlx::Result<bool> {
    let found: Option<(i64,)> =
        on!(conn, |cx| sqlx::query_as("SELECT id FROM structures WHERE id = $1").bind(id).fetch_optional(cx).await)?;
    Ok(found.is_some() && !matches!(portee, Portee::Structure(s) if *s != id))
}

pub async fn commune_existe(conn: &mut dyn Conn, code: &str) -> sqlx::Result<bool> {
    let found: Option<(String,)> =
        on!(conn, |cx| sqlx::query_as("SELECT code_insee FROM communes WHERE code_insee = $1")
            .bind(code)
            .fetch_optional(cx)
            .await)?;
    Ok(found.is_some())
}

pub async fn departement_existe(conn: &mut dyn Conn, code: &str) -> sqlx::Result<bool> {
    let found: Option<(String,)> =
        on!(conn, |cx| sqlx::query_as("SELECT departement FROM communes WHERE departement = $1 LIMIT 1")
            .bind(code)
            .fetch_optional(cx)
            .await)?;
    Ok(found.is_some())
}

pub async fn nom_structure(conn: &mut dyn Conn, id: i64) -> sqlx::Result<Option<String>> {
    let r: Option<(String,)> =
        on!(conn, |cx| sqlx::query_as("SELECT nom FROM structures WHERE id = $1").bind(id).fetch_optional(cx).await)?;
    Ok(r.map(|r| r.0))
}

pub async fn nom_commune(conn: &mut dyn Conn, code: &str) -> sqlx::Result<Option<String>> {
    let r: Option<(String,)> = on!(conn, |cx| sqlx::query_as("SELECT nom FROM communes WHERE code_insee = $1")
        .bind(code)
        .fetch_optional(cx)
        .await)?;
    Ok(r.map(|r| r.0))
}

/// « Prénom Nom » of a user.
pub async fn nom_utilisateur(conn: &mut dyn Conn, id: i64) -> sqlx::Result<Option<String>> {
    let r: Option<(String, String)> = on!(conn, |cx| sqlx::query_as("SELECT prenom, nom FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(cx)
        .await)?;
    Ok(r.map(|(p, n)| format!("{p} {n}")))
}

/// A person of a structure, with their contact details and their latest answer to the
/// reminders consent (under which alone the details are kept).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Personne {
    pub id: i64,
    pub prenom: String,
    pub annee_naissance: Option<i64>,
    pub commune_insee: Option<String>,
    pub commune: Option<String>,
    pub codes_postaux: Option<String>,
    pub genre: Option<String>,
    pub tranche_age: Option<String>,
    pub statut_social: Option<String>,
    pub anonymise_at: Option<DateTime<Utc>>,
    pub telephone: Option<String>,
    pub email: Option<String>,
    pub consentement_rappels: Option<bool>,
}

pub async fn beneficiaires(conn: &mut dyn Conn, structure_id: i64) -> sqlx::Result<Vec<Personne>> {
    on!(conn, |cx| sqlx::query_as::<_, Personne>(
        "SELECT b.id, b.prenom, b.annee_naissance, b.commune_insee, c.nom AS commune, c.codes_postaux, b.genre,
                b.tranche_age, b.statut_social, b.anonymise_at, bc.telephone, bc.email,
                (SELECT k.accorde FROM consentements k WHERE k.beneficiaire_id = b.id AND k.objet = 'rappels'
                 ORDER BY k.id DESC LIMIT 1) AS consentement_rappels
         FROM beneficiaires b
         LEFT JOIN communes c ON c.code_insee = b.commune_insee
         LEFT JOIN beneficiaires_contacts bc ON bc.beneficiaire_id = b.id
         WHERE b.structure_id = $1
         ORDER BY b.prenom_normalise, b.id",
    )
    .bind(structure_id)
    .fetch_all(cx)
    .await)
}
