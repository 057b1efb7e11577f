//! What the map draws for a view, computed from the index: counts per région (zoomed out), per
//! département, then clusters on a grid of about 80 screen pixels, then single points. The
//! browser never receives more than a few hundred shapes, whatever the number of venues.

use super::index::Index;
use carnet_domain::lieux::api::{CarteReponse, Grappe, PointCarte, Vue, ZoneCarte};
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
    rep
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

/// Grid clusters in Web Mercator pixels; a cell with one venue gives a point instead.
fn grappes(ix: &Index, list: &[usize], vue: &Vue) -> (Vec<Grappe>, Vec<usize>) {
    let scale = 256.0 * 2f64.powi(vue.zoom as i32);
    let px = |lat: f32, lon: f32| {
        let x = (lon as f64 + 180.0) / 360.0 * scale;
        let s = (lat as f64).to_radians().sin().clamp(-0.9999, 0.9999);
        let y = (0.5 - ((1.0 + s) / (1.0 - s)).ln() / (4.0 * std::f64::consts::PI)) * scale;
        ((x / CELLULE_PX).floor() as i64, (y / CELLULE_PX).floor() as i64)
    };
    // Per cell: sum of lat, sum of lon, count, accepting the Pass, first member.
    let mut cells: HashMap<(i64, i64), (f64, f64, u32, u32, usize)> = HashMap::new();
    for &i in list {
        let e = &ix.entrees[i];
        let Some((la, lo)) = e.pos else { continue };
        let c = cells.entry(px(la, lo)).or_insert((0.0, 0.0, 0, 0, i));
        c.0 += la as f64;
        c.1 += lo as f64;
        c.2 += 1;
        c.3 += e.pass as u32;
    }
    let mut out = Vec::new();
    let mut seuls = Vec::new();
    for (_, (sla, slo, n, pass, first)) in cells {
        if n == 1 {
            seuls.push(first);
        } else {
            out.push(Grappe(round((sla / n as f64) as f32), round((slo / n as f64) as f32), n, pass));
        }
    }
    out.sort_by_key(|g| std::cmp::Reverse(g.2));
    seuls.sort();
    (out, seuls)
}
