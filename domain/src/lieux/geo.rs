//! Distances on the Earth, for orientation (the nearest venues) and map clusters.

/// Great-circle distance in kilometres (haversine, mean Earth radius 6371 km).
pub fn distance_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6371.0 * a.sqrt().asin()
}

/// « 850 m », « 3,2 km », « 27 km ».
pub fn distance_texte(km: f64) -> String {
    if km < 1.0 {
        format!("{} m", ((km * 1000.0) / 10.0).round() as i64 * 10)
    } else if km < 10.0 {
        format!("{:.1} km", km).replace('.', ",")
    } else {
        format!("{} km", km.round() as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brest_to_quimper() {
        // Town halls of Brest and Quimper: about 56 km apart as the crow flies.
        let d = distance_km(48.3917, -4.4845, 47.9960, -4.1025);
        assert!((d - 52.0).abs() < 5.0, "{d}");
        assert_eq!(distance_km(48.0, 2.0, 48.0, 2.0), 0.0);
    }

    #[test]
    fn texts() {
        assert_eq!(distance_texte(0.8512), "850 m");
        assert_eq!(distance_texte(3.24), "3,2 km");
        assert_eq!(distance_texte(27.4), "27 km");
    }
}
