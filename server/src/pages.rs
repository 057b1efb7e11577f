//! The answers of the most read pages, kept in this instance's memory under the version of what
//! they show. A parcours page is the same JSON for everyone allowed to see it until something it
//! shows changes; building it takes ten statements and its serialisation, checking its version
//! takes one. The versions are kept by the database itself (triggers on every table the page
//! reads, migration 0025), so a write by any instance, the CLI or plain SQL changes the version
//! and the next read here builds the page again: nothing kept here can be shown stale.
//!
//! The memory is bounded: past the budget, the entries read least recently go first.

use axum::body::Bytes;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

/// Bytes of parcours pages kept at most (a page is a few kB: some 10,000 pages).
pub const BUDGET_PARCOURS: usize = 48 << 20;
/// Bytes of dashboards kept at most (one per conseiller who opened theirs).
pub const BUDGET_TABLEAUX: usize = 16 << 20;

/// Answers by key (`K`: a parcours, a user), each with what it was built at (`V`: a version,
/// and whatever else decides whether it still holds).
#[derive(Debug)]
pub struct Pages<K, V> {
    budget: usize,
    etat: Mutex<Etat<K, V>>,
}

#[derive(Debug)]
struct Etat<K, V> {
    entrees: HashMap<K, Entree<V>>,
    octets: usize,
    horloge: u64,
}

#[derive(Debug)]
struct Entree<V> {
    version: V,
    corps: Bytes,
    lue: u64,
}

impl<K: Eq + Hash + Copy, V: Clone> Pages<K, V> {
    pub fn new(budget: usize) -> Pages<K, V> {
        Pages { budget, etat: Mutex::new(Etat { entrees: HashMap::new(), octets: 0, horloge: 0 }) }
    }

    /// The answer kept for `cle` if what it was built at still holds (`tient`).
    pub fn lire_si(&self, cle: K, tient: impl FnOnce(&V) -> bool) -> Option<(Bytes, V)> {
        let mut etat = self.etat.lock().unwrap_or_else(|e| e.into_inner());
        etat.horloge += 1;
        let horloge = etat.horloge;
        let e = etat.entrees.get_mut(&cle)?;
        if !tient(&e.version) {
            return None;
        }
        e.lue = horloge;
        Some((e.corps.clone(), e.version.clone()))
    }

    /// Keeps `corps`, built from data read after `version` was read (so at least as new as it).
    pub fn garder(&self, cle: K, version: V, corps: Bytes) {
        if corps.len() > self.budget / 8 {
            return;
        }
        let mut etat = self.etat.lock().unwrap_or_else(|e| e.into_inner());
        etat.horloge += 1;
        let lue = etat.horloge;
        let taille = corps.len();
        if let Some(ancienne) = etat.entrees.insert(cle, Entree { version, corps, lue }) {
            etat.octets -= ancienne.corps.len();
        }
        etat.octets += taille;
        if etat.octets > self.budget {
            // The least recently read quarter goes at once: one sort now and then rather than a
            // search for the oldest on every insertion.
            let mut ages: Vec<(u64, K)> = etat.entrees.iter().map(|(k, e)| (e.lue, *k)).collect();
            ages.sort_unstable_by_key(|a| a.0);
            let mut a_liberer = etat.octets - self.budget * 3 / 4;
            for (_, k) in ages {
                if a_liberer == 0 {
                    break;
                }
                if let Some(e) = etat.entrees.remove(&k) {
                    etat.octets -= e.corps.len();
                    a_liberer = a_liberer.saturating_sub(e.corps.len());
                }
            }
        }
    }

    /// The answer kept for `cle` if it was built at this `version`.
    pub fn lire(&self, cle: K, version: &V) -> Option<Bytes>
    where
        V: PartialEq,
    {
        self.lire_si(cle, |v| v == version).map(|(corps, _)| corps)
    }

    /// Entries kept and their bytes.
    pub fn taille(&self) -> (usize, usize) {
        let etat = self.etat.lock().unwrap_or_else(|e| e.into_inner());
        (etat.entrees.len(), etat.octets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_given_back_only_at_its_version() {
        let p: Pages<i64, i64> = Pages::new(1 << 20);
        p.garder(1, 7, Bytes::from_static(b"v7"));
        assert_eq!(p.lire(1, &7).as_deref(), Some(&b"v7"[..]));
        assert_eq!(p.lire(1, &8), None);
        assert_eq!(p.lire(2, &7), None);
        p.garder(1, 8, Bytes::from_static(b"v8"));
        assert_eq!(p.lire(1, &7), None);
        assert_eq!(p.taille(), (1, 2));
    }

    #[test]
    fn past_the_budget_the_least_recently_read_go() {
        let p: Pages<i64, i64> = Pages::new(1000);
        for k in 0..10 {
            p.garder(k, 1, Bytes::from(vec![0u8; 100]));
        }
        // 0 read again: 1, 2, 3 are now the oldest.
        assert!(p.lire(0, &1).is_some());
        p.garder(10, 1, Bytes::from(vec![0u8; 100]));
        let (n, octets) = p.taille();
        assert!(octets <= 1000 && n < 11, "{n} entrées, {octets} octets");
        assert!(p.lire(0, &1).is_some());
        assert!(p.lire(10, &1).is_some());
        assert!(p.lire(1, &1).is_none());
    }
}
