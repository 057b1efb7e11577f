//! Importing a venue file, for the web (a background task the page polls for its progress bar)
//! and for the command line (`carnet-server lieux import FILE`). Records are checked by the
//! domain's rules; the good ones are written by chunks, each chunk one transaction, and the bad
//! ones are reported one field at a time. Re-importing updates venues by (source, id).

use super::geocodage::{Adresse, Geocodeur};
use crate::db::{begin_write, Db};
use crate::store::audit::{Audit, Entite};
use crate::store::conn::Conn;
use crate::store::lieux as store;
use carnet_domain::lieux::api::{EtatImport, Rejet};
use carnet_domain::lieux::identifiants::{departement_of_code_postal, departement_of_insee};
use carnet_domain::lieux::import::{self as domain, ErreurChamp, LieuImporte};
use carnet_domain::lieux::territoires;
use carnet_domain::lieux::PassNumerique;
use carnet_domain::text::normalise;
use chrono::Utc;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

/// The largest file accepted over HTTP (the national file of ~18,000 venues is ~15 MB).
pub const TAILLE_MAX: usize = 64 * 1024 * 1024;
const LOT: usize = 500;

pub struct Options {
    pub user_id: Option<i64>,
    /// A hub imports only venues of its départements; `None`: every département.
    pub territoire: Option<Vec<String>>,
    pub geocodeur: Option<Arc<dyn Geocodeur>>,
    /// Called after each chunk (the command line draws its progress bar with it).
    pub progres: Option<Box<dyn Fn(&store::Progression) + Send + Sync>>,
    /// The time the import is dated with.
    pub clock: crate::Clock,
}

/// What we know of the official communes, to fill in a missing INSEE code and place venues.
struct Communes {
    departement: HashMap<String, String>,
    par_cp_nom: HashMap<(String, String), String>,
    points: HashMap<String, (f64, f64)>,
}

async fn communes(db: &Db) -> sqlx::Result<Communes> {
    let rows = store::communes_departements(db).await?;
    let mut departement = HashMap::new();
    let mut par_cp_nom = HashMap::new();
    for (code, dep, nom, cps) in rows {
        for cp in cps.split(',').filter(|c| !c.is_empty()) {
            par_cp_nom.insert((cp.to_string(), nom.clone()), code.clone());
        }
        departement.insert(code, dep);
    }
    Ok(Communes { departement, par_cp_nom, points: store::commune_points(db).await? })
}

impl Communes {
    fn code_insee(&self, l: &carnet_domain::lieux::LieuStandard) -> Option<String> {
        l.code_insee.clone().or_else(|| self.par_cp_nom.get(&(l.code_postal.clone(), normalise(&l.commune))).cloned())
    }

    fn departement(&self, code_insee: Option<&str>, code_postal: &str) -> String {
        match code_insee {
            Some(c) => self.departement.get(c).cloned().unwrap_or_else(|| departement_of_insee(c)),
            None => departement_of_code_postal(code_postal),
        }
    }
}

fn rejet(ligne: u32, id: &str, e: ErreurChamp) -> Rejet {
    Rejet { ligne, id: id.to_string(), champ: e.champ, message: e.message }
}

/// Runs an import to its end and records its report under `import_id`.
pub async fn executer(db: &Db, import_id: i64, bytes: Vec<u8>, opts: Options) -> EtatImport {
    let started = Instant::now();
    let result = run(db, import_id, bytes, &opts, started).await;
    let (etat, erreur, rapport) = match result {
        Ok(r) => ("termine", None, r),
        Err(Echec::Fichier(m)) => ("echoue", Some(m), Rapport::default()),
        Err(Echec::Interne(e)) => {
            tracing::error!(error = ?e, import_id, "import de lieux");
            (
                "echoue",
                Some(
                    "Erreur interne pendant l'import : les lots déjà écrits sont enregistrés, relancez l'import."
                        .to_string(),
                ),
                Rapport::default(),
            )
        }
    };
    let duree_ms = started.elapsed().as_millis() as u64;
    let json = serde_json::to_string(&json!({ "rejets": rapport.rejets, "avertissements": rapport.avertissements }))
        .unwrap_or_default();
    if let Err(e) =
        store::finish_import(db, import_id, etat, &json, erreur.as_deref(), duree_ms, opts.clock.now()).await
    {
        tracing::error!(error = ?e, import_id, "fin d'import");
    }
    // Build the map index now rather than on the next visitor's request.
    if let Err(e) = super::index::get(db).await {
        tracing::warn!(error = ?e, "index des lieux");
    }
    let p = rapport.progression;
    EtatImport {
        id: import_id,
        etat: etat.into(),
        fichier: String::new(),
        format: p.format,
        version: p.version,
        total: p.total,
        traites: p.traites,
        crees: p.crees,
        mis_a_jour: p.mis_a_jour,
        inchanges: p.inchanges,
        lignes_rejetees: p.lignes_rejetees,
        rejets: rapport.rejets,
        avertissements: rapport.avertissements,
        erreur,
        duree_ms: Some(duree_ms),
    }
}

#[derive(Default)]
struct Rapport {
    progression: store::Progression,
    rejets: Vec<Rejet>,
    avertissements: Vec<String>,
}

enum Echec {
    /// The file as a whole cannot be read: nothing was written.
    Fichier(String),
    Interne(anyhow::Error),
}

impl<E: Into<anyhow::Error>> From<E> for Echec {
    fn from(e: E) -> Self {
        Echec::Interne(e.into())
    }
}

async fn run(db: &Db, import_id: i64, bytes: Vec<u8>, opts: &Options, started: Instant) -> Result<Rapport, Echec> {
    let fichier = tokio::task::spawn_blocking(move || domain::lire(&bytes)).await?.map_err(Echec::Fichier)?;
    let mut r = Rapport { avertissements: fichier.avertissements.clone(), ..Default::default() };
    let p = &mut r.progression;
    p.format = fichier.format.label().into();
    p.version = fichier.version.label().into();
    p.total = fichier.lignes.len() as u32;
    {
        let mut conn = db.acquire().await?;
        store::progress_import(&mut conn, import_id, p).await?;
    }
    let communes = Arc::new(communes(db).await?);
    let mut existing = store::existing_keys(db).await?;
    let mut vus: HashMap<(String, String), u32> = HashMap::new();
    let version = fichier.version;
    let now = opts.clock.now();
    let mut pass_changes = 0u32;

    let lignes = Arc::new(fichier.lignes);
    for start in (0..lignes.len()).step_by(LOT) {
        let end = (start + LOT).min(lignes.len());
        let chunk = lignes.clone();
        // Checking (opening hours parsing included) is CPU work: off the async threads.
        let checked: Vec<(u32, String, Result<LieuImporte, Vec<ErreurChamp>>)> =
            tokio::task::spawn_blocking(move || {
                chunk[start..end]
                    .iter()
                    .map(|l| (l.ligne, l.valeurs.get("id").cloned().unwrap_or_default(), domain::valider(l, version)))
                    .collect()
            })
            .await?;

        // Keep the good ones, placed and checked against the territory and earlier lines.
        let mut bons = Vec::new();
        for (ligne, ident, res) in checked {
            let li = match res {
                Ok(li) => li,
                Err(errs) => {
                    p.lignes_rejetees += 1;
                    r.rejets.extend(errs.into_iter().map(|e| rejet(ligne, ident.trim(), e)));
                    continue;
                }
            };
            let code_insee = communes.code_insee(&li.lieu);
            let departement = communes.departement(code_insee.as_deref(), &li.lieu.code_postal);
            if let Some(t) = &opts.territoire {
                if !t.contains(&departement) {
                    p.lignes_rejetees += 1;
                    r.rejets.push(rejet(
                        ligne,
                        &li.lieu.id,
                        ErreurChamp {
                            champ: "code_postal".into(),
                            message: format!(
                                "Hors de votre territoire : ce lieu est dans le département {}.",
                                territoires::libelle_departement(&departement)
                            ),
                        },
                    ));
                    continue;
                }
            }
            let cle = (store::source_cle(li.lieu.source.as_deref()), li.lieu.id.clone());
            if let Some(first) = vus.get(&cle) {
                p.lignes_rejetees += 1;
                r.rejets.push(rejet(
                    ligne,
                    &li.lieu.id,
                    ErreurChamp {
                        champ: "id".into(),
                        message: format!(
                            "Identifiant (id) : « {} » figure déjà ligne {first} (même source).",
                            li.lieu.id
                        ),
                    },
                ));
                continue;
            }
            vus.insert(cle.clone(), ligne);
            bons.push((li, code_insee, departement, cle));
        }

        // Positions: the file's, else the address (when a geocoder is configured), else the commune's.
        let geocodeur = opts.geocodeur.clone();
        let communes2 = communes.clone();
        let bons: Vec<_> = tokio::task::spawn_blocking(move || {
            bons.into_iter()
                .map(|(li, code_insee, departement, cle)| {
                    let pos = position(&li, code_insee.as_deref(), geocodeur.as_deref(), &communes2);
                    (li, code_insee, departement, cle, pos)
                })
                .collect()
        })
        .await?;

        let mut tx = begin_write(db).await?;
        for (li, code_insee, departement, cle, pos) in bons {
            let mut lieu = li.lieu;
            lieu.code_insee = code_insee;
            let emp = store::empreinte(&lieu, li.pass.as_ref());
            match existing.get(&cle) {
                Some((_, old)) if *old == emp => p.inchanges += 1,
                Some((id, _)) => {
                    let id = *id;
                    store::update_standard(&mut tx, id, &lieu, li.cle_ban.as_deref(), &departement, &pos, &emp, now)
                        .await?;
                    if let Some(pass) = &li.pass {
                        if apply_file_pass(&mut tx, id, pass, opts.user_id, import_id, now).await? {
                            pass_changes += 1;
                        }
                    }
                    existing.insert(cle, (id, emp));
                    p.mis_a_jour += 1;
                }
                None => {
                    let pass = li.pass.clone().unwrap_or_default();
                    let id = store::insert(&mut tx, &lieu, li.cle_ban.as_deref(), &departement, &pos, &pass, &emp, now)
                        .await?;
                    if pass.accepte {
                        pass_changes += 1;
                        Audit::par(opts.user_id, Entite::Lieu(id), "pass_importe")
                            .apres(json!({ "accepte_pass": true, "operateur": pass.operateur, "import_id": import_id }))
                            .ecrire(&mut tx, now)
                            .await?;
                    }
                    existing.insert(cle, (id, emp));
                    p.crees += 1;
                }
            }
        }
        p.traites = end as u32;
        store::progress_import(&mut tx, import_id, p).await?;
        store::bump_version(&mut tx).await?;
        tx.commit().await?;
        if let Some(cb) = &opts.progres {
            cb(p);
        }
    }

    let mut tx = begin_write(db).await?;
    Audit::par(opts.user_id, Entite::LieuxImport(import_id), "importe")
        .apres(json!({
            "format": p.format, "version": p.version, "total": p.total, "crees": p.crees,
            "mis_a_jour": p.mis_a_jour, "inchanges": p.inchanges, "lignes_rejetees": p.lignes_rejetees,
            "pass_modifies": pass_changes, "duree_ms": started.elapsed().as_millis() as u64,
        }))
        .ecrire(&mut tx, opts.clock.now())
        .await?;
    tx.commit().await?;
    Ok(r)
}

/// A file that says a venue accepts the Pass sets it (never the reverse: Carnet's accreditations
/// are not undone by a file that says nothing). Returns whether it changed.
async fn apply_file_pass(
    conn: &mut dyn Conn,
    id: i64,
    pass: &PassNumerique,
    user_id: Option<i64>,
    import_id: i64,
    now: chrono::DateTime<Utc>,
) -> sqlx::Result<bool> {
    let Some(before) = store::pass_of(conn, id).await? else { return Ok(false) };
    let after = store::PassRow {
        accepte_pass: true,
        pass_operateur: pass.operateur.clone().or(before.pass_operateur.clone()),
        ..before.clone()
    };
    if after == before {
        return Ok(false);
    }
    store::set_pass(conn, id, &after, now).await?;
    Audit::par(user_id, Entite::Lieu(id), "pass_importe")
        .avant(before)
        .apres(json!({ "pass": after, "import_id": import_id }))
        .ecrire(conn, now)
        .await?;
    Ok(true)
}

fn position(
    li: &LieuImporte,
    code_insee: Option<&str>,
    geocodeur: Option<&dyn Geocodeur>,
    communes: &Communes,
) -> store::Position {
    let l = &li.lieu;
    if let (Some(la), Some(lo)) = (l.latitude, l.longitude) {
        return store::Position { latitude: Some(la), longitude: Some(lo), geocodage: "fichier" };
    }
    if let Some(g) = geocodeur {
        let a = Adresse { adresse: &l.adresse, code_postal: &l.code_postal, commune: &l.commune, code_insee };
        match g.geocode(&a) {
            Ok(Some(p)) => {
                return store::Position {
                    latitude: Some(p.latitude),
                    longitude: Some(p.longitude),
                    geocodage: "adresse",
                }
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "géocodage"),
        }
    }
    match code_insee.and_then(|c| communes.points.get(c)) {
        Some((la, lo)) => store::Position { latitude: Some(*la), longitude: Some(*lo), geocodage: "commune" },
        None => store::Position { latitude: None, longitude: None, geocodage: "aucune" },
    }
}

/// The report of an import as the API shows it.
pub fn etat(row: store::ImportRow) -> EtatImport {
    let rapport: serde_json::Value =
        row.rapport_json.as_deref().and_then(|j| serde_json::from_str(j).ok()).unwrap_or(serde_json::Value::Null);
    EtatImport {
        id: row.id,
        etat: row.etat,
        fichier: row.fichier,
        format: row.format,
        version: row.version,
        total: row.total as u32,
        traites: row.traites as u32,
        crees: row.crees as u32,
        mis_a_jour: row.mis_a_jour as u32,
        inchanges: row.inchanges as u32,
        lignes_rejetees: row.lignes_rejetees as u32,
        rejets: serde_json::from_value(rapport["rejets"].clone()).unwrap_or_default(),
        avertissements: serde_json::from_value(rapport["avertissements"].clone()).unwrap_or_default(),
        erreur: row.erreur,
        duree_ms: row.duree_ms.map(|d| d as u64),
    }
}
