//! The client's address, for the per-address limits (logins, resets, one-time links, the
//! beneficiary space). Behind a reverse proxy every connection comes from the proxy: the client
//! is then read from `Forwarded` or `X-Forwarded-For`, but only when the connection comes from a
//! proxy the operator declared trusted — anyone else could write those headers to pick a fresh
//! address for each guess.

use axum::http::HeaderMap;
use std::net::IpAddr;
use std::str::FromStr;

/// A network of trusted proxies: `10.0.0.0/8`, `127.0.0.1` (a single address), `fd00::/8`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reseau {
    addr: IpAddr,
    prefixe: u8,
}

impl FromStr for Reseau {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (addr, prefixe) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr =
            addr.parse().map_err(|_| format!("« {s} » n'est pas une adresse IP ni un réseau (10.0.0.0/8)"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefixe = match prefixe {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("« {s} » : la longueur du préfixe va de 0 à {max}"))?,
        };
        Ok(Reseau { addr: canonique(addr), prefixe })
    }
}

impl Reseau {
    pub fn contient(&self, ip: IpAddr) -> bool {
        match (self.addr, canonique(ip)) {
            (IpAddr::V4(r), IpAddr::V4(ip)) => masque(u32::from(r).into(), u32::from(ip).into(), self.prefixe, 32),
            (IpAddr::V6(r), IpAddr::V6(ip)) => masque(u128::from(r), u128::from(ip), self.prefixe, 128),
            _ => false,
        }
    }
}

fn masque(a: u128, b: u128, prefixe: u8, bits: u8) -> bool {
    let garde = bits - prefixe;
    if garde >= bits {
        return true;
    }
    (a >> garde) == (b >> garde)
}

/// An IPv4 client seen through an IPv6 socket (`::ffff:192.0.2.1`) is that IPv4 address.
fn canonique(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// The client's address: the TCP peer, unless it is a trusted proxy; then the nearest address
/// of the forwarding chain that is not itself a trusted proxy (each proxy appends the address it
/// saw, so entries to the left of that one could have been written by the client).
pub fn client(peer: IpAddr, headers: &HeaderMap, proxies: &[Reseau]) -> IpAddr {
    let peer = canonique(peer);
    let fiable = |ip: IpAddr| proxies.iter().any(|r| r.contient(ip));
    if !fiable(peer) {
        return peer;
    }
    let chaine = chaine(headers);
    let mut client = peer;
    for entree in chaine.iter().rev() {
        match entree {
            Some(ip) => {
                client = canonique(*ip);
                if !fiable(client) {
                    return client;
                }
            }
            // An entry the proxy could not name ("unknown", an obfuscated one): what lies left
            // of it cannot be vouched for.
            None => return client,
        }
    }
    client
}

/// The forwarding chain, client first: `Forwarded`'s `for=` when present, else `X-Forwarded-For`.
fn chaine(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let valeurs = |nom: &str| -> Vec<String> {
        headers.get_all(nom).iter().filter_map(|v| v.to_str().ok()).map(str::to_string).collect()
    };
    let forwarded = valeurs("forwarded");
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .flat_map(|v| v.split(','))
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|paire| paire.trim().split_once('='))
                    .find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
                    .and_then(|(_, v)| noeud(v))
            })
            .collect();
    }
    valeurs("x-forwarded-for").iter().flat_map(|v| v.split(',')).map(noeud).collect()
}

/// An address as proxies write it: `192.0.2.1`, `"192.0.2.1:4711"`, `"[2001:db8::1]:4711"`, `2001:db8::1`.
fn noeud(v: &str) -> Option<IpAddr> {
    let v = v.trim().trim_matches('"');
    if let Ok(ip) = v.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = v.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    let (ip, port) = v.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    ip.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn reseaux(s: &str) -> Vec<Reseau> {
        s.split(',').map(|r| r.parse().unwrap()).collect()
    }

    fn entetes(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn networks() {
        let r = reseaux("127.0.0.1,10.0.0.0/8,fd00::/8");
        assert!(r[0].contient(ip("127.0.0.1")) && !r[0].contient(ip("127.0.0.2")));
        assert!(r[1].contient(ip("10.200.3.4")) && !r[1].contient(ip("11.0.0.1")));
        assert!(r[1].contient(ip("::ffff:10.1.2.3")));
        assert!(r[2].contient(ip("fd12::1")) && !r[2].contient(ip("fe80::1")));
        assert!("0.0.0.0/0".parse::<Reseau>().unwrap().contient(ip("203.0.113.9")));
        for faux in ["10.0.0.0/33", "proxy", "10.0.0/8", "::/129", ""] {
            assert!(faux.parse::<Reseau>().is_err(), "{faux}");
        }
    }

    #[test]
    fn the_client_is_read_from_headers_only_behind_a_trusted_proxy() {
        let proxies = reseaux("127.0.0.1,10.0.0.0/8");
        let xff = entetes(&[("x-forwarded-for", "198.51.100.1, 203.0.113.7, 10.0.0.5")]);
        // The proxy at 127.0.0.1 got it from 10.0.0.5 (another trusted proxy), which got it from 203.0.113.7.
        assert_eq!(client(ip("127.0.0.1"), &xff, &proxies), ip("203.0.113.7"));
        // From anyone else the headers are the client's own words.
        assert_eq!(client(ip("192.0.2.9"), &xff, &proxies), ip("192.0.2.9"));
        assert_eq!(client(ip("127.0.0.1"), &xff, &[]), ip("127.0.0.1"));
        // No header: the proxy itself.
        assert_eq!(client(ip("127.0.0.1"), &HeaderMap::new(), &proxies), ip("127.0.0.1"));
        let fwd = entetes(&[
            ("forwarded", "for=198.51.100.1;proto=https, for=\"[2001:db8:cafe::17]:4711\""),
            ("x-forwarded-for", "192.0.2.200"),
        ]);
        assert_eq!(client(ip("10.1.1.1"), &fwd, &proxies), ip("2001:db8:cafe::17"));
        let fwd = entetes(&[("forwarded", "for=\"203.0.113.4:5000\"")]);
        assert_eq!(client(ip("::ffff:127.0.0.1"), &fwd, &proxies), ip("203.0.113.4"));
        let inconnu = entetes(&[("forwarded", "for=198.51.100.1, for=unknown")]);
        assert_eq!(client(ip("127.0.0.1"), &inconnu, &proxies), ip("127.0.0.1"));
    }
}
