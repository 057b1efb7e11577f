//! What the map draws for a view, computed from the index: counts per région (zoomed out), per
//! département, then clusters on a grid of about 80 screen pixels, then single points. The
//! browser never receives more than a few hundred shapes, whatever the number of venues.
//!
//! A count is only useful if it can be read: bubbles that would overlap on screen are merged
//! (clusters, and single venues hidden under a cluster) or, for named zones, moved apart just
//! enough, so no bubble covers another's number.

use super::index::Index;
use carnet_domain::lieux::api::{diametre_bulle, CarteReponse, Grappe, PointCarte, Vue, ZoneCarte};
use carnet_domain::lieux::territoires;
use std::collections::HashMap;

/// Zoom levels (Leaflet's) where the map changes level of detail.
pub const ZOOM_MAX_REGIONS: u8 = 5;
pub const ZOOM_MAX_DEPARTEMENTS: u8 = 8;
/// From this zoom, single points unless too many are in view.
pub const ZOOM_POINTS: u8 = 14;
/// Beyond this many venues in view, points are clustered even when zoomed in.
pub const POINTS_MAX: usize = 1500;
/// Cluster cell, in screen pixels at the current zoom.
const CELLULE_PX: f64 = 80.0;
/// Radius in pixels of a single venue's dot (the largest, for a venue accepting the Pass).
const RAYON_POINT: f64 = 7.0;
/// Room left between two bubbles, in pixels, so their borders do not touch.
const MARGE_PX: f64 = 2.0;

/// Web Mercator world pixels at this zoom, as Leaflet computes them.
fn echelle(zoom: u8) -> f64 {
    256.0 * 2f64.powi(zoom as i32)
}

fn vers_px(lat: f64, lon: f64, echelle: f64) -> (f64, f64) {
    let x = (lon + 180.0) / 360.0 * echelle;
    let s = lat.to_radians().sin().clamp(-0.9999, 0.9999);
    let y = (0.5 - ((1.0 + s) / (1.0 - s)).ln() / (4.0 * std::f64::consts::PI)) * echelle;
    (x, y)
}

fn depuis_px((x, y): (f64, f64), echelle: f64) -> (f64, f64) {
    let lon = x / echelle * 360.0 - 180.0;
    let n = std::f64::consts::PI * (1.0 - 2.0 * y / echelle);
    (n.sinh().atan().to_degrees(), lon)
}

fn inside(v: &Vue, lat: f32, lon: f32) -> bool {
    let (lat, lon) = (lat as f64, lon as f64);
    lat >= v.sud && lat <= v.nord && lon >= v.ouest && lon <= v.est
}

/// Overseas départements and collectivités: listed beside the metropolitan map.
pub fn outre_mer(departement: &str) -> bool {
    departement.len() == 3
}

pub fn carte(ix: &Index, matches: &[usize], vue: &Vue) -> CarteReponse {
    let total = matches.len() as u32;
    let mut dans_vue = 0u32;
    let mut par_dep: HashMap<&str, (u32, u32)> = HashMap::new();
    let mut par_reg: HashMap<&str, (u32, u32)> = HashMap::new();
    let mut visibles = Vec::new();
    for &i in matches {
        let e = &ix.entrees[i];
        let d = par_dep.entry(e.departement.as_str()).or_default();
        d.0 += 1;
        d.1 += e.pass as u32;
        if !outre_mer(&e.departement) {
            let r = par_reg.entry(e.region).or_default();
            r.0 += 1;
            r.1 += e.pass as u32;
        }
        if let Some((la, lo)) = e.pos {
            if inside(vue, la, lo) {
                dans_vue += 1;
                visibles.push(i);
            }
        }
    }
    let zone = |code: &str, nom: &str, (n, pass): (u32, u32), centre: Option<&(f32, f32)>| {
        centre.map(|(lat, lon)| ZoneCarte {
            code: code.to_string(),
            nom: nom.to_string(),
            lat: *lat,
            lon: *lon,
            n,
            pass,
        })
    };
    let mut outre: Vec<ZoneCarte> = par_dep
        .iter()
        .filter(|(d, _)| outre_mer(d))
        .filter_map(|(d, c)| {
            let nom = territoires::nom_departement(d).unwrap_or(d);
            zone(d, nom, *c, ix.centres.departements.get(*d)).or(Some(ZoneCarte {
                code: d.to_string(),
                nom: nom.to_string(),
                lat: 0.0,
                lon: 0.0,
                n: c.0,
                pass: c.1,
            }))
        })
        .collect();
    outre.sort_by(|a, b| a.code.cmp(&b.code));

    let mut rep = CarteReponse {
        niveau: String::new(),
        total,
        dans_vue,
        zones: Vec::new(),
        grappes: Vec::new(),
        points: Vec::new(),
        outre_mer: outre,
    };
    if vue.zoom <= ZOOM_MAX_REGIONS {
        rep.niveau = "regions".into();
        rep.zones = par_reg
            .iter()
            .filter_map(|(r, c)| zone(r, territoires::nom_region(r).unwrap_or(r), *c, ix.centres.regions.get(*r)))
            .collect();
    } else if vue.zoom <= ZOOM_MAX_DEPARTEMENTS {
        rep.niveau = "departements".into();
        rep.zones = par_dep
            .iter()
            .filter(|(d, _)| !outre_mer(d))
            .filter_map(|(d, c)| {
                zone(d, territoires::nom_departement(d).unwrap_or(d), *c, ix.centres.departements.get(*d))
            })
            .collect();
    } else if vue.zoom >= ZOOM_POINTS && visibles.len() <= POINTS_MAX {
        rep.niveau = "points".into();
        rep.points = points(ix, &visibles);
    } else {
        rep.niveau = "grappes".into();
        let (grappes, seuls) = grappes(ix, &visibles, vue);
        rep.grappes = grappes;
        rep.points = points(ix, &seuls);
    }
    rep.zones.sort_by(|a, b| a.code.cmp(&b.code));
    ecarter(&mut rep.zones, vue.zoom);
    rep
}

/// Moves zone bubbles apart until none overlaps another (Paris and its three neighbours share a
/// few pixels at the départements' zooms). Each pair is pushed apart along the line between
/// them, half each, as little as needed; a zone's bubble stays next to where it belongs.
fn ecarter(zones: &mut [ZoneCarte], zoom: u8) {
    let e = echelle(zoom);
    let mut pos: Vec<(f64, f64)> = zones.iter().map(|z| vers_px(z.lat as f64, z.lon as f64, e)).collect();
    let rayon: Vec<f64> = zones.iter().map(|z| diametre_bulle(z.n) / 2.0 + MARGE_PX / 2.0).collect();
    let mut bouge = vec![false; zones.len()];
    for _ in 0..500 {
        let mut encore = false;
        for i in 0..pos.len() {
            for j in i + 1..pos.len() {
                let (dx, dy) = (pos[j].0 - pos[i].0, pos[j].1 - pos[i].1);
                let d = dx.hypot(dy);
                let min = rayon[i] + rayon[j];
                if d >= min {
                    continue;
                }
                // Two zones at the very same point are parted in a direction of their own.
                let (ux, uy) = if d > 1e-6 { (dx / d, dy / d) } else { ((j as f64).cos(), (j as f64).sin()) };
                let pousse = (min - d) / 2.0 + 0.05;
                pos[i] = (pos[i].0 - ux * pousse, pos[i].1 - uy * pousse);
                pos[j] = (pos[j].0 + ux * pousse, pos[j].1 + uy * pousse);
                bouge[i] = true;
                bouge[j] = true;
                encore = true;
            }
        }
        if !encore {
            break;
        }
    }
    for ((z, p), b) in zones.iter_mut().zip(pos).zip(bouge) {
        if b {
            let (lat, lon) = depuis_px(p, e);
            z.lat = round(lat as f32);
            z.lon = round(lon as f32);
        }
    }
}

fn points(ix: &Index, list: &[usize]) -> Vec<PointCarte> {
    list.iter()
        .filter_map(|&i| {
            let e = &ix.entrees[i];
            e.pos.map(|(la, lo)| PointCarte(e.id, round(la), round(lo), e.pass as u8, e.nom.clone()))
        })
        .collect()
}

/// Five decimals (about a metre) are plenty on screen and keep the answer small.
fn round(x: f32) -> f32 {
    ((x as f64 * 1e5).round() / 1e5) as f32
}

/// Venues gathered under one bubble while clustering.
struct Amas {
    /// Mean position, in world pixels and in degrees.
    x: f64,
    y: f64,
    lat: f64,
    lon: f64,
    n: u32,
    pass: u32,
    membres: Vec<usize>,
}

impl Amas {
    fn rayon(&self) -> f64 {
        if self.n == 1 {
            RAYON_POINT
        } else {
            diametre_bulle(self.n) / 2.0
        }
    }

    fn absorber(&mut self, autre: Amas) {
        let (a, b) = (self.n as f64, autre.n as f64);
        let moyenne = |x: f64, y: f64| (x * a + y * b) / (a + b);
        self.x = moyenne(self.x, autre.x);
        self.y = moyenne(self.y, autre.y);
        self.lat = moyenne(self.lat, autre.lat);
        self.lon = moyenne(self.lon, autre.lon);
        self.n += autre.n;
        self.pass += autre.pass;
        self.membres.extend(autre.membres);
    }
}

/// Merges every cluster whose bubble overlaps another cluster, or a single venue's dot, until
/// no count is covered. Larger clusters absorb smaller ones; two single venues stay two dots.
fn sans_chevauchement(mut amas: Vec<Amas>) -> Vec<Amas> {
    amas.sort_by(|a, b| b.n.cmp(&a.n).then(a.membres[0].cmp(&b.membres[0])));
    loop {
        let mut fusion = false;
        let mut i = 0;
        while i < amas.len() {
            let mut j = i + 1;
            while j < amas.len() {
                let (a, b) = (&amas[i], &amas[j]);
                let chevauche = (a.n > 1 || b.n > 1) && (b.x - a.x).hypot(b.y - a.y) < a.rayon() + b.rayon() + MARGE_PX;
                if chevauche {
                    let b = amas.remove(j);
                    amas[i].absorber(b);
                    fusion = true;
                } else {
                    j += 1;
                }
            }
            i += 1;
        }
        if !fusion {
            return amas;
        }
        amas.sort_by(|a, b| b.n.cmp(&a.n).then(a.membres[0].cmp(&b.membres[0])));
    }
}

/// The commune most of a cluster's venues are in (the first in alphabetical order on a tie).
fn commune_principale(ix: &Index, membres: &[usize]) -> String {
    let mut compte: HashMap<&str, u32> = HashMap::new();
    for &i in membres {
        *compte.entry(ix.entrees[i].commune.as_str()).or_default() += 1;
    }
    compte.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0))).map(|(c, _)| c.to_string()).unwrap_or_default()
}

/// Grid clusters in Web Mercator pixels, then merged where bubbles would overlap; a cluster of
/// one venue gives a point instead.
fn grappes(ix: &Index, list: &[usize], vue: &Vue) -> (Vec<Grappe>, Vec<usize>) {
    let e = echelle(vue.zoom);
    let mut cells: HashMap<(i64, i64), Amas> = HashMap::new();
    for &i in list {
        let entree = &ix.entrees[i];
        let Some((la, lo)) = entree.pos else { continue };
        let (x, y) = vers_px(la as f64, lo as f64, e);
        let cle = ((x / CELLULE_PX).floor() as i64, (y / CELLULE_PX).floor() as i64);
        let p = Amas { x, y, lat: la as f64, lon: lo as f64, n: 1, pass: entree.pass as u32, membres: vec![i] };
        match cells.get_mut(&cle) {
            Some(c) => c.absorber(p),
            None => {
                cells.insert(cle, p);
            }
        }
    }
    let mut out = Vec::new();
    let mut seuls = Vec::new();
    for a in sans_chevauchement(cells.into_values().collect()) {
        if a.n == 1 {
            seuls.push(a.membres[0]);
        } else {
            let commune = commune_principale(ix, &a.membres);
            out.push(Grappe(round(a.lat as f32), round(a.lon as f32), a.n, a.pass, commune));
        }
    }
    out.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.total_cmp(&b.0)));
    seuls.sort();
    (out, seuls)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(lat: f64, lon: f64, i: usize, zoom: u8) -> Amas {
        let (x, y) = vers_px(lat, lon, echelle(zoom));
        Amas { x, y, lat, lon, n: 1, pass: 0, membres: vec![i] }
    }

    fn amas(lat: f64, lon: f64, n: u32, premier: usize, zoom: u8) -> Amas {
        let mut a = point(lat, lon, premier, zoom);
        for k in 1..n as usize {
            a.absorber(point(lat, lon, premier + k, zoom));
        }
        a
    }

    fn chevauchent(a: &Amas, b: &Amas) -> bool {
        (a.n > 1 || b.n > 1) && (b.x - a.x).hypot(b.y - a.y) < a.rayon() + b.rayon()
    }

    #[test]
    fn pixels_and_degrees_round_trip() {
        for (lat, lon) in [(48.8566, 2.3522), (-21.1151, 55.5364), (43.2965, 5.3698)] {
            let (la, lo) = depuis_px(vers_px(lat, lon, echelle(9)), echelle(9));
            assert!((la - lat).abs() < 1e-9 && (lo - lon).abs() < 1e-9, "{lat},{lon} -> {la},{lo}");
        }
    }

    #[test]
    fn clusters_that_would_cover_each_other_become_one_and_keep_every_venue() {
        // At zoom 9 a degree of longitude is about 360 px: 0.05° apart is 18 px, well inside a bubble.
        let z = 9;
        let a = amas(45.76, 4.83, 40, 0, z);
        let b = amas(45.76, 4.88, 26, 100, z);
        let seul = point(45.765, 4.85, 200, z);
        let loin = amas(45.76, 6.0, 5, 300, z);
        let apres = sans_chevauchement(vec![b, seul, a, loin]);
        assert_eq!(apres.len(), 2);
        assert_eq!(apres[0].n, 67, "the two clusters and the dot they hid");
        assert_eq!(apres[1].n, 5);
        assert_eq!(apres.iter().map(|a| a.n).sum::<u32>(), 72);
        // The merged bubble sits at the weighted mean of what it holds.
        assert!((apres[0].lon - (40.0 * 4.83 + 26.0 * 4.88 + 4.85) / 67.0).abs() < 1e-9);
    }

    #[test]
    fn merging_goes_on_until_no_bubble_covers_another() {
        // A chain: each merge makes a larger bubble that then reaches the next one.
        let z = 10;
        let chaine: Vec<Amas> =
            (0..12).map(|k| amas(46.0, 3.0 + k as f64 * 0.04, 3 + k, 100 * k as usize, z)).collect();
        let apres = sans_chevauchement(chaine);
        for (i, a) in apres.iter().enumerate() {
            for b in &apres[i + 1..] {
                assert!(!chevauchent(a, b), "{} and {} overlap", a.n, b.n);
            }
        }
        assert_eq!(apres.iter().map(|a| a.n).sum::<u32>(), (3..15).sum::<u32>());
    }

    #[test]
    fn two_lone_venues_close_together_stay_two_dots() {
        let apres = sans_chevauchement(vec![point(46.0, 3.0, 1, 12), point(46.0, 3.0001, 2, 12)]);
        assert_eq!(apres.len(), 2);
    }

    #[test]
    fn zones_drawn_on_the_same_spot_are_moved_apart_just_enough() {
        let zone = |code: &str, lat: f32, lon: f32, n: u32| ZoneCarte {
            code: code.into(),
            nom: code.into(),
            lat,
            lon,
            n,
            pass: 0,
        };
        // Paris and the petite couronne at the départements' first zoom, plus a distant one.
        let mut zones = vec![
            zone("75", 48.8566, 2.3522, 900),
            zone("92", 48.84, 2.25, 400),
            zone("93", 48.91, 2.45, 350),
            zone("94", 48.78, 2.45, 300),
            zone("95", 48.86, 2.35, 10),
            zone("29", 48.2, -4.0, 120),
        ];
        let avant = zones.clone();
        ecarter(&mut zones, 6);
        let e = echelle(6);
        for (i, a) in zones.iter().enumerate() {
            for b in &zones[i + 1..] {
                let (pa, pb) = (vers_px(a.lat as f64, a.lon as f64, e), vers_px(b.lat as f64, b.lon as f64, e));
                let d = (pb.0 - pa.0).hypot(pb.1 - pa.1);
                let min = (diametre_bulle(a.n) + diametre_bulle(b.n)) / 2.0;
                assert!(d >= min, "{} and {}: {d:.1} px apart, {min} needed", a.code, b.code);
            }
        }
        // The Finistère was alone: it does not move; the others stay near home (a bubble or two).
        assert_eq!(zones[5], avant[5]);
        for (z, a) in zones.iter().zip(&avant) {
            let (p, q) = (vers_px(z.lat as f64, z.lon as f64, e), vers_px(a.lat as f64, a.lon as f64, e));
            assert!((p.0 - q.0).hypot(p.1 - q.1) < 120.0, "{} moved too far", z.code);
        }
    }
}
