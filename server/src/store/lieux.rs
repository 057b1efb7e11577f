//! Venues: storage of the standard's fields and of ours, the import reports, the points of the
//! communes, and the version number that tells each server instance its map index is stale.

use crate::db::Db;
use crate::store::communes;
use crate::store::conn::{on, Conn};
use carnet_domain::lieux::{LieuStandard, PassNumerique};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::QueryBuilder;
use std::collections::HashMap;
use std::io::Read;

static COORDS_TSV_GZ: &[u8] = include_bytes!("../../data/communes-coords.tsv.gz");

/// Loads the embedded commune points when the table is empty (a new database). One transaction.
pub async fn load_coords_if_empty(db: &Db) -> anyhow::Result<()> {
    let (count,): (i64,) =
        on!(db.acquire().await?, |cx| sqlx::query_as("SELECT COUNT(*) FROM communes_coords").fetch_one(cx).await)?;
    if count > 0 {
        return Ok(());
    }
    let mut tsv = String::new();
    flate2::read::GzDecoder::new(COORDS_TSV_GZ).read_to_string(&mut tsv)?;
    let mut points = Vec::new();
    for line in tsv.lines().filter(|l| !l.is_empty()) {
        let mut cols = line.split('\t');
        let (Some(code), Some(lat), Some(lon)) = (cols.next(), cols.next(), cols.next()) else {
            anyhow::bail!("ligne de coordonnées mal formée : {line}");
        };
        points.push((code, lat.parse::<f64>()?, lon.parse::<f64>()?));
    }
    let mut tx = db.begin().await?;
    for lot in points.chunks(communes::LOT) {
        on!(tx, |cx| {
            let mut q: QueryBuilder<dialect::Backend> =
                QueryBuilder::new("INSERT INTO communes_coords (code_insee, latitude, longitude) ");
            q.push_values(lot, |mut b, (code, lat, lon)| {
                b.push_bind(*code).push_bind(*lat).push_bind(*lon);
            });
            q.build().execute(cx).await.map(|r| r.rows_affected())
        })?;
    }
    tx.commit().await?;
    tracing::info!("positions des communes chargées");
    Ok(())
}

/// Every commune's point: code INSEE → (latitude, longitude).
pub async fn commune_points(db: &Db) -> sqlx::Result<HashMap<String, (f64, f64)>> {
    let rows: Vec<(String, f64, f64)> =
        on!(db.acquire().await?, |cx| sqlx::query_as("SELECT code_insee, latitude, longitude FROM communes_coords")
            .fetch_all(cx)
            .await)?;
    Ok(rows.into_iter().map(|(c, la, lo)| (c, (la, lo))).collect())
}

pub async fn commune_point(db: &Db, code: &str) -> sqlx::Result<Option<(f64, f64)>> {
    on!(db.acquire().await?, |cx| sqlx::query_as(
        "SELECT latitude, longitude FROM communes_coords WHERE code_insee = $1"
    )
    .bind(code)
    .fetch_optional(cx)
    .await)
}

/// (code INSEE, département) of every commune, and the communes by postcode and name.
pub async fn communes_departements(db: &Db) -> sqlx::Result<Vec<(String, String, String, String)>> {
    on!(db.acquire().await?, |cx| sqlx::query_as(
        "SELECT code_insee, departement, nom_normalise, codes_postaux FROM communes"
    )
    .fetch_all(cx)
    .await)
}

// ------------------------------------------------------------------------ version

pub async fn version(db: &Db) -> sqlx::Result<i64> {
    let (v,): (i64,) =
        on!(db.acquire().await?, |cx| sqlx::query_as("SELECT version FROM lieux_version WHERE singleton = 1")
            .fetch_one(cx)
            .await)?;
    Ok(v)
}

/// Inside the transaction that changed venues.
pub async fn bump_version(conn: &mut dyn Conn) -> sqlx::Result<()> {
    on!(conn, |cx| sqlx::query("UPDATE lieux_version SET version = version + 1 WHERE singleton = 1")
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

// ------------------------------------------------------------------------ venues

/// Normalised source for the re-import key: case, accents and spacing do not make two sources.
pub fn source_cle(source: Option<&str>) -> String {
    carnet_domain::text::normalise(source.unwrap_or(""))
}

/// A stable fingerprint of the standard fields (and of a Pass mention from the file).
pub fn empreinte(l: &LieuStandard, pass: Option<&PassNumerique>) -> String {
    use sha2::{Digest, Sha256};
    let json = serde_json::to_string(&(l, pass)).unwrap_or_default();
    Sha256::digest(json.as_bytes()).iter().take(12).map(|b| format!("{b:02x}")).collect()
}

/// Existing venues by (source key, id of the standard): (our id, fingerprint).
pub async fn existing_keys(db: &Db) -> sqlx::Result<HashMap<(String, String), (i64, String)>> {
    let rows: Vec<(String, String, i64, String)> =
        on!(db.acquire().await?, |cx| sqlx::query_as("SELECT source_cle, ext_id, id, empreinte FROM lieux")
            .fetch_all(cx)
            .await)?;
    Ok(rows.into_iter().map(|(s, e, id, emp)| ((s, e), (id, emp))).collect())
}

/// Where a venue is and how we know.
#[derive(Clone, Debug)]
pub struct Position {
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub geocodage: &'static str,
}

fn join(v: &[String]) -> String {
    v.join("|")
}

/// Inserts a venue; returns its id.
#[allow(clippy::too_many_arguments)] // the venue's columns, bound one by one
pub async fn insert(
    conn: &mut dyn Conn,
    l: &LieuStandard,
    cle_ban: Option<&str>,
    departement: &str,
    pos: &Position,
    pass: &PassNumerique,
    empreinte: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<i64> {
    let (id,): (i64,) = on!(conn, |cx| {
        sqlx::query_as(
        "INSERT INTO lieux (source_cle, ext_id, pivot, nom, commune, code_postal, code_insee, adresse, complement_adresse,
            latitude, longitude, typologie, telephone, courriels, site_web, horaires, presentation_resume,
            presentation_detail, source, itinerance, structure_parente, date_maj, services,
            publics_specifiquement_adresses, prise_en_charge_specifique, frais_a_charge,
            dispositif_programmes_nationaux, formations_labels, autres_formations_labels, modalites_acces,
            modalites_accompagnement, fiche_acces_libre, prise_rdv, cle_ban, departement, geocodage,
            accepte_pass, pass_operateur, empreinte, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
            $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35, $36, $37, $38, $39, $40, $40)
         RETURNING id",
    )
    .bind(source_cle(l.source.as_deref()))
    .bind(&l.id)
    .bind(&l.pivot)
    .bind(&l.nom)
    .bind(&l.commune)
    .bind(&l.code_postal)
    .bind(&l.code_insee)
    .bind(&l.adresse)
    .bind(&l.complement_adresse)
    .bind(pos.latitude)
    .bind(pos.longitude)
    .bind(join(&l.typologie))
    .bind(&l.telephone)
    .bind(join(&l.courriels))
    .bind(join(&l.site_web))
    .bind(&l.horaires)
    .bind(&l.presentation_resume)
    .bind(&l.presentation_detail)
    .bind(&l.source)
    .bind(join(&l.itinerance))
    .bind(&l.structure_parente)
    .bind(l.date_maj)
    .bind(join(&l.services))
    .bind(join(&l.publics_specifiquement_adresses))
    .bind(join(&l.prise_en_charge_specifique))
    .bind(join(&l.frais_a_charge))
    .bind(join(&l.dispositif_programmes_nationaux))
    .bind(join(&l.formations_labels))
    .bind(&l.autres_formations_labels)
    .bind(join(&l.modalites_acces))
    .bind(join(&l.modalites_accompagnement))
    .bind(&l.fiche_acces_libre)
    .bind(&l.prise_rdv)
    .bind(cle_ban)
    .bind(departement)
    .bind(pos.geocodage)
    .bind(pass.accepte)
    .bind(&pass.operateur)
    .bind(empreinte)
    .bind(now)
    .fetch_one(cx)
    .await
    })?;
    Ok(id)
}

/// Replaces the standard fields of a venue (not our Pass and accreditation fields).
#[allow(clippy::too_many_arguments)] // the venue's columns, bound one by one
pub async fn update_standard(
    conn: &mut dyn Conn,
    id: i64,
    l: &LieuStandard,
    cle_ban: Option<&str>,
    departement: &str,
    pos: &Position,
    empreinte: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    on!(conn, |cx| sqlx::query(
        "UPDATE lieux SET pivot = $2, nom = $3, commune = $4, code_postal = $5, code_insee = $6, adresse = $7,
            complement_adresse = $8, latitude = $9, longitude = $10, typologie = $11, telephone = $12, courriels = $13,
            site_web = $14, horaires = $15, presentation_resume = $16, presentation_detail = $17, source = $18,
            itinerance = $19, structure_parente = $20, date_maj = $21, services = $22,
            publics_specifiquement_adresses = $23, prise_en_charge_specifique = $24, frais_a_charge = $25,
            dispositif_programmes_nationaux = $26, formations_labels = $27, autres_formations_labels = $28,
            modalites_acces = $29, modalites_accompagnement = $30, fiche_acces_libre = $31, prise_rdv = $32,
            cle_ban = COALESCE($33, cle_ban), departement = $34, geocodage = $35, empreinte = $36, updated_at = $37
         WHERE id = $1",
    )
    .bind(id)
    .bind(&l.pivot)
    .bind(&l.nom)
    .bind(&l.commune)
    .bind(&l.code_postal)
    .bind(&l.code_insee)
    .bind(&l.adresse)
    .bind(&l.complement_adresse)
    .bind(pos.latitude)
    .bind(pos.longitude)
    .bind(join(&l.typologie))
    .bind(&l.telephone)
    .bind(join(&l.courriels))
    .bind(join(&l.site_web))
    .bind(&l.horaires)
    .bind(&l.presentation_resume)
    .bind(&l.presentation_detail)
    .bind(&l.source)
    .bind(join(&l.itinerance))
    .bind(&l.structure_parente)
    .bind(l.date_maj)
    .bind(join(&l.services))
    .bind(join(&l.publics_specifiquement_adresses))
    .bind(join(&l.prise_en_charge_specifique))
    .bind(join(&l.frais_a_charge))
    .bind(join(&l.dispositif_programmes_nationaux))
    .bind(join(&l.formations_labels))
    .bind(&l.autres_formations_labels)
    .bind(join(&l.modalites_acces))
    .bind(join(&l.modalites_accompagnement))
    .bind(&l.fiche_acces_libre)
    .bind(&l.prise_rdv)
    .bind(cle_ban)
    .bind(departement)
    .bind(pos.geocodage)
    .bind(empreinte)
    .bind(now)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Our Pass fields of a venue.
#[derive(Clone, Debug, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct PassRow {
    pub accepte_pass: bool,
    pub pass_operateur: Option<String>,
    pub statut_agrement: Option<String>,
    pub agree_le: Option<NaiveDate>,
}

pub async fn pass_of(conn: &mut dyn Conn, id: i64) -> sqlx::Result<Option<PassRow>> {
    on!(conn, |cx| sqlx::query_as(
        "SELECT accepte_pass, pass_operateur, statut_agrement, agree_le FROM lieux WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(cx)
    .await)
}

pub async fn set_pass(conn: &mut dyn Conn, id: i64, p: &PassRow, now: DateTime<Utc>) -> sqlx::Result<()> {
    on!(conn, |cx| sqlx::query(
        "UPDATE lieux SET accepte_pass = $2, pass_operateur = $3, statut_agrement = $4, agree_le = $5, updated_at = $6
         WHERE id = $1",
    )
    .bind(id)
    .bind(p.accepte_pass)
    .bind(&p.pass_operateur)
    .bind(&p.statut_agrement)
    .bind(p.agree_le)
    .bind(now)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// A whole row.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LieuRow {
    pub id: i64,
    pub ext_id: String,
    pub pivot: String,
    pub nom: String,
    pub commune: String,
    pub code_postal: String,
    pub code_insee: Option<String>,
    pub adresse: String,
    pub complement_adresse: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub typologie: String,
    pub telephone: Option<String>,
    pub courriels: String,
    pub site_web: String,
    pub horaires: Option<String>,
    pub presentation_resume: Option<String>,
    pub presentation_detail: Option<String>,
    pub source: Option<String>,
    pub itinerance: String,
    pub structure_parente: Option<String>,
    pub date_maj: NaiveDate,
    pub services: String,
    pub publics_specifiquement_adresses: String,
    pub prise_en_charge_specifique: String,
    pub frais_a_charge: String,
    pub dispositif_programmes_nationaux: String,
    pub formations_labels: String,
    pub autres_formations_labels: Option<String>,
    pub modalites_acces: String,
    pub modalites_accompagnement: String,
    pub fiche_acces_libre: Option<String>,
    pub prise_rdv: Option<String>,
    pub departement: String,
    pub geocodage: String,
    pub accepte_pass: bool,
    pub pass_operateur: Option<String>,
    pub statut_agrement: Option<String>,
    pub agree_le: Option<NaiveDate>,
    pub updated_at: DateTime<Utc>,
}

fn split(s: &str) -> Vec<String> {
    s.split('|').filter(|x| !x.is_empty()).map(String::from).collect()
}

impl LieuRow {
    pub fn standard(&self) -> LieuStandard {
        LieuStandard {
            id: self.ext_id.clone(),
            pivot: self.pivot.clone(),
            nom: self.nom.clone(),
            commune: self.commune.clone(),
            code_postal: self.code_postal.clone(),
            code_insee: self.code_insee.clone(),
            adresse: self.adresse.clone(),
            complement_adresse: self.complement_adresse.clone(),
            // Only coordinates that came with the data are the standard's; a commune's point
            // placed by Carnet is not the venue's position and is not exported.
            latitude: if self.geocodage == "commune" { None } else { self.latitude },
            longitude: if self.geocodage == "commune" { None } else { self.longitude },
            typologie: split(&self.typologie),
            telephone: self.telephone.clone(),
            courriels: split(&self.courriels),
            site_web: split(&self.site_web),
            horaires: self.horaires.clone(),
            presentation_resume: self.presentation_resume.clone(),
            presentation_detail: self.presentation_detail.clone(),
            source: self.source.clone(),
            itinerance: split(&self.itinerance),
            structure_parente: self.structure_parente.clone(),
            date_maj: self.date_maj,
            services: split(&self.services),
            publics_specifiquement_adresses: split(&self.publics_specifiquement_adresses),
            prise_en_charge_specifique: split(&self.prise_en_charge_specifique),
            frais_a_charge: split(&self.frais_a_charge),
            dispositif_programmes_nationaux: split(&self.dispositif_programmes_nationaux),
            formations_labels: split(&self.formations_labels),
            autres_formations_labels: self.autres_formations_labels.clone(),
            modalites_acces: split(&self.modalites_acces),
            modalites_accompagnement: split(&self.modalites_accompagnement),
            fiche_acces_libre: self.fiche_acces_libre.clone(),
            prise_rdv: self.prise_rdv.clone(),
        }
    }

    pub fn pass(&self) -> PassNumerique {
        PassNumerique { accepte: self.accepte_pass, operateur: self.pass_operateur.clone() }
    }
}

const COLUMNS: &str = "id, ext_id, pivot, nom, commune, code_postal, code_insee, adresse, complement_adresse, latitude,
    longitude, typologie, telephone, courriels, site_web, horaires, presentation_resume, presentation_detail, source,
    itinerance, structure_parente, date_maj, services, publics_specifiquement_adresses, prise_en_charge_specifique,
    frais_a_charge, dispositif_programmes_nationaux, formations_labels, autres_formations_labels, modalites_acces,
    modalites_accompagnement, fiche_acces_libre, prise_rdv, departement, geocodage, accepte_pass, pass_operateur,
    statut_agrement, agree_le, updated_at";

pub async fn get(db: &Db, id: i64) -> sqlx::Result<Option<LieuRow>> {
    on!(db.acquire().await?, |cx| sqlx::query_as(&format!("SELECT {COLUMNS} FROM lieux WHERE id = $1"))
        .bind(id)
        .fetch_optional(cx)
        .await)
}

pub async fn get_many(db: &Db, ids: &[i64]) -> sqlx::Result<Vec<LieuRow>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(r) = get(db, *id).await? {
            out.push(r);
        }
    }
    Ok(out)
}

/// Every venue (or those of some départements), ordered by département then name.
pub async fn all(db: &Db, departements: Option<&[String]>) -> sqlx::Result<Vec<LieuRow>> {
    let rows: Vec<LieuRow> = on!(db.acquire().await?, |cx| sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM lieux ORDER BY departement, nom, id"
    ))
    .fetch_all(cx)
    .await)?;
    Ok(match departements {
        None => rows,
        Some(d) => rows.into_iter().filter(|r| d.contains(&r.departement)).collect(),
    })
}

/// What the in-memory map index needs of each venue.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct IndexRow {
    pub id: i64,
    pub nom: String,
    pub adresse: String,
    pub commune: String,
    pub code_postal: String,
    pub departement: String,
    pub code_insee: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub services: String,
    pub dispositif_programmes_nationaux: String,
    pub publics_specifiquement_adresses: String,
    pub prise_en_charge_specifique: String,
    pub accepte_pass: bool,
    pub horaires: Option<String>,
}

pub async fn index_rows(db: &Db) -> sqlx::Result<Vec<IndexRow>> {
    on!(db.acquire().await?, |cx| sqlx::query_as(
        "SELECT id, nom, adresse, commune, code_postal, departement, code_insee, latitude, longitude, services,
                dispositif_programmes_nationaux, publics_specifiquement_adresses, prise_en_charge_specifique,
                accepte_pass, horaires
         FROM lieux",
    )
    .fetch_all(cx)
    .await)
}

/// Per département: (venues, venues accepting the Pass).
pub async fn counts_by_departement(db: &Db) -> sqlx::Result<Vec<(String, i64, i64)>> {
    on!(db.acquire().await?, |cx| {
        sqlx::query_as(
        "SELECT departement, COUNT(*), CAST(SUM(CASE WHEN accepte_pass THEN 1 ELSE 0 END) AS BIGINT) FROM lieux GROUP BY departement",
    )
    .fetch_all(cx)
    .await
    })
}

// ------------------------------------------------------------------------ imports

pub async fn create_import(db: &Db, user_id: Option<i64>, fichier: &str, now: DateTime<Utc>) -> sqlx::Result<i64> {
    let (id,): (i64,) = on!(db.acquire().await?, |cx| {
        sqlx::query_as(
        "INSERT INTO lieux_imports (user_id, fichier, etat, created_at) VALUES ($1, $2, 'en_cours', $3) RETURNING id",
    )
    .bind(user_id)
    .bind(fichier)
    .bind(now)
    .fetch_one(cx)
    .await
    })?;
    Ok(id)
}

#[derive(Clone, Debug, Default)]
pub struct Progression {
    pub format: String,
    pub version: String,
    pub total: u32,
    pub traites: u32,
    pub crees: u32,
    pub mis_a_jour: u32,
    pub inchanges: u32,
    pub lignes_rejetees: u32,
}

pub async fn progress_import(conn: &mut dyn Conn, id: i64, p: &Progression) -> sqlx::Result<()> {
    on!(conn, |cx| sqlx::query(
        "UPDATE lieux_imports SET format = $2, version = $3, total = $4, traites = $5, crees = $6, mis_a_jour = $7,
            inchanges = $8, lignes_rejetees = $9 WHERE id = $1",
    )
    .bind(id)
    .bind(&p.format)
    .bind(&p.version)
    .bind(i64::from(p.total))
    .bind(i64::from(p.traites))
    .bind(i64::from(p.crees))
    .bind(i64::from(p.mis_a_jour))
    .bind(i64::from(p.inchanges))
    .bind(i64::from(p.lignes_rejetees))
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn finish_import(
    db: &Db,
    id: i64,
    etat: &str,
    rapport_json: &str,
    erreur: Option<&str>,
    duree_ms: u64,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    on!(db.acquire().await?, |cx| {
        sqlx::query(
        "UPDATE lieux_imports SET etat = $2, rapport_json = $3, erreur = $4, duree_ms = $5, finished_at = $6 WHERE id = $1",
    )
    .bind(id)
    .bind(etat)
    .bind(rapport_json)
    .bind(erreur)
    .bind(duree_ms as i64)
    .bind(now)
    .execute(cx)
    .await.map(|r| r.rows_affected())
    })?;
    Ok(())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ImportRow {
    pub id: i64,
    pub user_id: Option<i64>,
    pub fichier: String,
    pub format: String,
    pub version: String,
    pub etat: String,
    pub total: i64,
    pub traites: i64,
    pub crees: i64,
    pub mis_a_jour: i64,
    pub inchanges: i64,
    pub lignes_rejetees: i64,
    pub rapport_json: Option<String>,
    pub erreur: Option<String>,
    pub duree_ms: Option<i64>,
}

pub async fn get_import(db: &Db, id: i64) -> sqlx::Result<Option<ImportRow>> {
    on!(db.acquire().await?, |cx| sqlx::query_as(
        "SELECT id, user_id, fichier, format, version, etat, total, traites, crees, mis_a_jour, inchanges,
                lignes_rejetees, rapport_json, erreur, duree_ms
         FROM lieux_imports WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(cx)
    .await)
}

/// Imports left « en cours » by a server that stopped: they will never finish.
pub async fn fail_interrupted_imports(db: &Db, now: DateTime<Utc>) -> sqlx::Result<u64> {
    let r = on!(db.acquire().await?, |cx| {
        sqlx::query(
        "UPDATE lieux_imports SET etat = 'echoue', erreur = 'Import interrompu par un arrêt du serveur : relancez-le (les lignes déjà importées sont à jour).', finished_at = $1
         WHERE etat = 'en_cours'",
    )
    .bind(now)
    .execute(cx)
    .await.map(|r| r.rows_affected())
    })?;
    Ok(r)
}

// ------------------------------------------------------------------------ story

/// An audit entry of a venue, as its history shows it.
#[derive(sqlx::FromRow)]
pub struct EvenementAudite {
    pub at: DateTime<Utc>,
    pub qui: Option<String>,
    pub action: String,
    pub after_json: Option<String>,
    /// The hub's note on a change of the Pass acceptance (`lieux_notes_pass`).
    pub note: Option<String>,
}

/// Audit entries of a venue, oldest first.
pub async fn audit_of(db: &Db, id: i64) -> sqlx::Result<Vec<EvenementAudite>> {
    on!(db.acquire().await?, |cx| sqlx::query_as(
        "SELECT a.at, u.prenom || ' ' || u.nom AS qui, a.action, a.after_json, n.note
         FROM audit_log a LEFT JOIN users u ON u.id = a.user_id LEFT JOIN lieux_notes_pass n ON n.audit_id = a.id
         WHERE a.entity = 'lieu' AND a.entity_id = $1 ORDER BY a.id",
    )
    .bind(id)
    .fetch_all(cx)
    .await)
}

/// Keeps the hub's note on the change of the Pass acceptance that audit entry `audit_id` records.
pub async fn noter_pass(conn: &mut dyn Conn, audit_id: i64, note: &str) -> sqlx::Result<()> {
    on!(conn, |cx| sqlx::query("INSERT INTO lieux_notes_pass (audit_id, note) VALUES ($1, $2)")
        .bind(audit_id)
        .bind(note)
        .execute(cx)
        .await
        .map(|_| ()))
}

/// A commune with its point.
#[derive(sqlx::FromRow)]
pub struct CommunePlacee {
    pub code_insee: String,
    pub nom: String,
    /// Its postal codes, separated by commas.
    pub codes_postaux: String,
    pub population: i64,
    pub latitude: f64,
    pub longitude: f64,
}

/// The communes that have a point and a postal code, by INSEE code.
pub async fn communes_placees(conn: &mut dyn Conn) -> sqlx::Result<Vec<CommunePlacee>> {
    on!(conn, |cx| sqlx::query_as(
        "SELECT c.code_insee, c.nom, c.codes_postaux, c.population, p.latitude, p.longitude
         FROM communes c JOIN communes_coords p ON p.code_insee = c.code_insee
         WHERE c.codes_postaux <> '' ORDER BY c.code_insee",
    )
    .fetch_all(cx)
    .await)
}
