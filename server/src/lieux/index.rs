//! The in-memory index of venues behind the map and the list: one compact entry per venue, its
//! filters as bit sets, its parsed opening hours. 30,000 venues fit in a few megabytes and are
//! filtered and aggregated in a few milliseconds, where SQL would need a scan per request.
//!
//! The index is derived data: each request reads the database's venue version (one tiny query)
//! and rebuilds the index when it moved, so several server instances sharing a database stay
//! right. Indexes are kept per database file (tests open many).

use crate::db::Db;
use crate::store::lieux as store;
use carnet_domain::lieux::api::FiltresLieux;
use carnet_domain::lieux::horaires::Horaires;
use carnet_domain::lieux::territoires;
use carnet_domain::lieux::vocabulaire::{Enumeration, V1_DISPOSITIFS, V1_PRISE_EN_CHARGE, V1_PUBLICS, V1_SERVICES};
use carnet_domain::text::normalise;
use chrono::NaiveDateTime;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// One venue as the map and the list need it.
#[derive(Debug)]
pub struct Entree {
    pub id: i64,
    pub nom: String,
    pub adresse: String,
    pub commune: String,
    pub code_postal: String,
    pub departement: String,
    pub code_insee: Option<String>,
    pub region: &'static str,
    /// `None` when neither the file nor the commune gave a position.
    pub pos: Option<(f32, f32)>,
    /// Name, commune, address, postcode, normalised for search.
    pub texte: String,
    pub services: u32,
    pub programmes: u32,
    /// Publics (bits 0–4) then specific support (bits 8–14).
    pub publics: u32,
    pub pass: bool,
    pub horaires: Option<Horaires>,
}

fn bits(list: &str, e: &Enumeration, shift: u32) -> u32 {
    list.split('|').filter_map(|v| e.index(v)).fold(0, |acc, i| acc | (1 << (i as u32 + shift)))
}

/// The bit of a public filter value: publics first, then specific support.
pub fn public_bit(value: &str) -> Option<u32> {
    V1_PUBLICS.index(value).map(|i| 1 << i).or_else(|| V1_PRISE_EN_CHARGE.index(value).map(|i| 1 << (i + 8)))
}

/// The services of a bit set, as the standard writes them.
pub fn services_of(bits: u32) -> Vec<String> {
    V1_SERVICES.valeurs.iter().enumerate().filter(|(i, _)| bits & (1 << i) != 0).map(|(_, v)| v.to_string()).collect()
}

#[derive(Debug)]
pub struct Index {
    pub version: i64,
    /// Sorted by name (normalised), so filtered lists come out in order.
    pub entrees: Vec<Entree>,
    pub par_id: HashMap<i64, usize>,
    /// Mean point of each département's and région's communes: where their counts are drawn.
    pub centres: Arc<Centres>,
    /// Who is open, computed once per minute of Paris time.
    ouverts: Mutex<Option<(NaiveDateTime, Arc<Vec<bool>>)>>,
}

#[derive(Debug, Default)]
pub struct Centres {
    pub departements: HashMap<String, (f32, f32)>,
    pub regions: HashMap<String, (f32, f32)>,
}

async fn centres(db: &Db) -> sqlx::Result<Centres> {
    let points = store::commune_points(db).await?;
    let communes = store::communes_departements(db).await?;
    let mut dep: HashMap<String, (f64, f64, u32)> = HashMap::new();
    let mut reg: HashMap<String, (f64, f64, u32)> = HashMap::new();
    for (code, departement, _, _) in communes {
        if let Some((la, lo)) = points.get(&code) {
            let e = dep.entry(departement.clone()).or_default();
            *e = (e.0 + la, e.1 + lo, e.2 + 1);
            if let Some(r) = territoires::region_of(&departement) {
                let e = reg.entry(r.to_string()).or_default();
                *e = (e.0 + la, e.1 + lo, e.2 + 1);
            }
        }
    }
    let mean = |m: HashMap<String, (f64, f64, u32)>| {
        m.into_iter().map(|(k, (a, b, n))| (k, ((a / n as f64) as f32, (b / n as f64) as f32))).collect()
    };
    Ok(Centres { departements: mean(dep), regions: mean(reg) })
}

impl Index {
    async fn build(db: &Db, version: i64, centres: Option<Arc<Centres>>) -> sqlx::Result<Index> {
        let rows = store::index_rows(db).await?;
        let mut entrees: Vec<Entree> = rows
            .into_iter()
            .map(|r| Entree {
                texte: normalise(&format!("{} {} {} {}", r.nom, r.commune, r.adresse, r.code_postal)),
                services: bits(&r.services, &V1_SERVICES, 0),
                programmes: bits(&r.dispositif_programmes_nationaux, &V1_DISPOSITIFS, 0),
                publics: bits(&r.publics_specifiquement_adresses, &V1_PUBLICS, 0)
                    | bits(&r.prise_en_charge_specifique, &V1_PRISE_EN_CHARGE, 8),
                pass: r.accepte_pass,
                horaires: r.horaires.as_deref().and_then(|h| Horaires::parse(h).ok()),
                region: territoires::region_of(&r.departement).unwrap_or(""),
                pos: match (r.latitude, r.longitude) {
                    (Some(a), Some(b)) => Some((a as f32, b as f32)),
                    _ => None,
                },
                id: r.id,
                nom: r.nom,
                adresse: r.adresse,
                commune: r.commune,
                code_postal: r.code_postal,
                departement: r.departement,
                code_insee: r.code_insee,
            })
            .collect();
        entrees.sort_by_cached_key(|e| (normalise(&e.nom), e.id));
        let par_id = entrees.iter().enumerate().map(|(i, e)| (e.id, i)).collect();
        let centres = match centres {
            Some(c) => c,
            None => Arc::new(self::centres(db).await?),
        };
        Ok(Index { version, entrees, par_id, centres, ouverts: Mutex::new(None) })
    }

    /// Open states at this minute (Paris wall-clock), one per entry.
    pub fn ouverts(&self, now: NaiveDateTime) -> Arc<Vec<bool>> {
        use chrono::Timelike;
        let minute = now.with_second(0).and_then(|t| t.with_nanosecond(0)).unwrap_or(now);
        // A panic while computing (in the opening hours) leaves the cache as it was, whole: a
        // poisoned lock is still good to use, and must not turn every later map request into a 500.
        let mut cache = self.ouverts.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((at, v)) = cache.as_ref() {
            if *at == minute {
                return v.clone();
            }
        }
        let v: Arc<Vec<bool>> = Arc::new(
            self.entrees.iter().map(|e| e.horaires.as_ref().map(|h| h.ouvert(minute)).unwrap_or(false)).collect(),
        );
        *cache = Some((minute, v.clone()));
        v
    }

    /// Indexes of the entries matching the filters, in name order.
    pub fn filtrer(&self, f: &Filtre, now: NaiveDateTime) -> Vec<usize> {
        let ouverts = f.ouvert.then(|| self.ouverts(now));
        self.entrees
            .iter()
            .enumerate()
            .filter(|(i, e)| {
                (!f.pass || e.pass)
                    && (f.service == 0 || e.services & f.service != 0)
                    && (f.programme == 0 || e.programmes & f.programme != 0)
                    && (f.public == 0 || e.publics & f.public != 0)
                    && (f.departement.is_empty() || e.departement == f.departement)
                    && ouverts.as_ref().map(|o| o[*i]).unwrap_or(true)
                    && f.mots.iter().all(|m| e.texte.contains(m.as_str()))
            })
            .map(|(i, _)| i)
            .collect()
    }
}

/// Filters, resolved to bits once per request.
#[derive(Debug, Default)]
pub struct Filtre {
    pub mots: Vec<String>,
    pub service: u32,
    pub programme: u32,
    pub public: u32,
    pub pass: bool,
    pub ouvert: bool,
    pub departement: String,
}

impl Filtre {
    /// `Err` names the unknown value (the app only offers known ones).
    pub fn from(f: &FiltresLieux) -> Result<Filtre, String> {
        let one = |v: &str, e: &Enumeration, what: &str| -> Result<u32, String> {
            if v.trim().is_empty() {
                return Ok(0);
            }
            e.index(v.trim()).map(|i| 1 << i).ok_or_else(|| format!("{what} inconnu : « {} ».", v.trim()))
        };
        let public = if f.public.trim().is_empty() {
            0
        } else {
            public_bit(f.public.trim()).ok_or_else(|| format!("Public inconnu : « {} ».", f.public.trim()))?
        };
        Ok(Filtre {
            mots: normalise(&f.q).split(' ').filter(|m| !m.is_empty()).take(8).map(String::from).collect(),
            service: one(&f.service, &V1_SERVICES, "Service")?,
            programme: one(&f.programme, &V1_DISPOSITIFS, "Programme")?,
            public,
            pass: f.pass,
            ouvert: f.ouvert,
            departement: f.departement.trim().to_uppercase(),
        })
    }
}

/// Only whole inserts and reads under the lock: still consistent after a panic elsewhere, so a
/// poisoned lock is used as is.
type Registry = Mutex<HashMap<PathBuf, Arc<Index>>>;

fn registry() -> &'static Registry {
    static R: OnceLock<Registry> = OnceLock::new();
    R.get_or_init(Default::default)
}

/// Serialises rebuilds so that a burst of requests after a change builds the index once.
fn build_lock() -> &'static tokio::sync::Mutex<()> {
    static L: OnceLock<tokio::sync::Mutex<()>> = OnceLock::new();
    L.get_or_init(Default::default)
}

fn key(db: &Db) -> PathBuf {
    PathBuf::from(db.identite())
}

/// The current index of this database, rebuilt if venues changed since it was built.
pub async fn get(db: &Db) -> sqlx::Result<Arc<Index>> {
    let version = store::version(db).await?;
    let k = key(db);
    let cached = registry().lock().unwrap_or_else(PoisonError::into_inner).get(&k).cloned();
    if let Some(ix) = &cached {
        if ix.version == version {
            return Ok(ix.clone());
        }
    }
    let _guard = build_lock().lock().await;
    // Someone may have built it while we waited.
    if let Some(ix) = registry().lock().unwrap_or_else(PoisonError::into_inner).get(&k) {
        if ix.version == version {
            return Ok(ix.clone());
        }
    }
    let started = std::time::Instant::now();
    let ix = Arc::new(Index::build(db, version, cached.map(|c| c.centres.clone())).await?);
    tracing::debug!(lieux = ix.entrees.len(), ms = started.elapsed().as_millis() as u64, "index des lieux construit");
    let mut reg = registry().lock().unwrap_or_else(PoisonError::into_inner);
    // Bounded: one entry per database file; tests open many.
    if reg.len() >= 16 && !reg.contains_key(&k) {
        if let Some(old) = reg.keys().next().cloned() {
            reg.remove(&old);
        }
    }
    reg.insert(k, ix.clone());
    Ok(ix)
}
