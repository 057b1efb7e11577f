//! A staff page sent with the answers of its first reads ([`carnet_domain::lectures`]), so that a
//! warm visit on a slow connection costs one round trip instead of three. The reads are the
//! API's own requests, made through the API's router with the visitor's headers: the same
//! handlers answer them, with the same checks and the same access-journal lines; only their
//! successful answers go into the page.

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use axum::Router;
use carnet_domain::lectures::BASE;
use std::net::SocketAddr;
use std::path::Path;
use tower::{Layer, ServiceExt};
use tower_http::catch_panic::CatchPanicLayer;

/// An answer bigger than this is left for the app to fetch: the page must stay light.
const TAILLE_MAX: usize = 256 * 1024;

/// The page `fichier` with the answers of `GET {BASE}{chemin}` for each of `chemins`, read as the
/// request `parts` (its cookie, its address) would; `None` when the file cannot be read or no
/// read succeeded (the caller then serves the file as it is). Never stored by a cache: it holds
/// personal data.
pub async fn page(api: &Router, fichier: &Path, parts: &Parts, chemins: &[String]) -> Option<Response<Body>> {
    let (html, reponses) = tokio::join!(
        tokio::fs::read_to_string(fichier),
        futures_util::future::join_all(chemins.iter().map(|c| lire(api, parts, c)))
    );
    let html = html.ok()?;
    let mut blocs = String::new();
    for (chemin, texte) in chemins.iter().zip(reponses) {
        if let Some(texte) = texte {
            blocs.push_str(&bloc(&format!("{BASE}{chemin}"), &texte));
        }
    }
    if blocs.is_empty() {
        return None;
    }
    let html = inserer(&html, &blocs);
    let (corps, encodage) = compresser(html.into_bytes(), &parts.headers);
    let mut reponse = Response::new(Body::from(corps));
    let h = reponse.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Some(e) = encodage {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(e));
    }
    Some(reponse)
}

/// `GET {BASE}{chemin}` through the API's router, with the headers (the cookie, the proxy's
/// address headers) and the peer address of the page's request; the answer's text when it is a
/// success. A handler that panics leaves its answer out, not the page.
async fn lire(api: &Router, parts: &Parts, chemin: &str) -> Option<String> {
    let mut req = Request::builder().method(Method::GET).uri(format!("{BASE}{chemin}")).body(Body::empty()).ok()?;
    let mut entetes = parts.headers.clone();
    for h in [
        header::ACCEPT_ENCODING,
        header::CONTENT_LENGTH,
        header::CONTENT_TYPE,
        header::TRANSFER_ENCODING,
        header::IF_MODIFIED_SINCE,
        header::IF_NONE_MATCH,
        header::IF_UNMODIFIED_SINCE,
        header::IF_MATCH,
        header::RANGE,
    ] {
        entetes.remove(h);
    }
    *req.headers_mut() = entetes;
    if let Some(pair) = parts.extensions.get::<ConnectInfo<SocketAddr>>() {
        req.extensions_mut().insert(*pair);
    }
    let reponse = match CatchPanicLayer::new().layer(api.clone()).oneshot(req).await {
        Ok(r) => r,
        Err(e) => match e {},
    };
    if reponse.status() != StatusCode::OK {
        return None;
    }
    let octets = axum::body::to_bytes(Body::new(reponse.into_body()), TAILLE_MAX).await.ok()?;
    String::from_utf8(octets.to_vec()).ok()
}

/// The data block of one answer, its address as its `id`. Nothing in the text can end the
/// element: each `<` is written `\u003c`, which JSON reads back as `<` (in JSON text a `<` can
/// only be inside a string). The address is ours, escaped for an attribute all the same.
fn bloc(adresse: &str, texte: &str) -> String {
    let adresse = adresse.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;");
    let texte = texte.replace('<', "\\u003c");
    format!("<script type=\"application/json\" id=\"{adresse}\">{texte}</script>")
}

/// `blocs` at the end of the page's head (the app reads them once started, after the whole page
/// is parsed), or at its end when it has no head.
fn inserer(html: &str, blocs: &str) -> String {
    match html.find("</head>") {
        Some(i) => format!("{}{blocs}{}", &html[..i], &html[i..]),
        None => format!("{html}{blocs}"),
    }
}

/// Whether `Accept-Encoding` allows `codage` (a token, without `q=0`).
fn accepte(entetes: &HeaderMap, codage: &str) -> bool {
    entetes.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(
        |t| {
            let mut morceaux = t.split(';').map(str::trim);
            let nom = morceaux.next().unwrap_or_default();
            let refuse =
                morceaux.any(|p| p.strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()).is_some_and(|q| q <= 0.0));
            nom.eq_ignore_ascii_case(codage) && !refuse
        },
    )
}

/// The page compressed as the browser accepts it: brotli (a fast setting: it is made for each
/// request), else gzip, else as it is. The answers inside are JSON, which shrinks a lot.
fn compresser(octets: Vec<u8>, entetes: &HeaderMap) -> (Vec<u8>, Option<&'static str>) {
    use std::io::Write;
    if accepte(entetes, "br") {
        let mut br = Vec::new();
        let params = brotli::enc::BrotliEncoderParams { quality: 5, lgwin: 22, ..Default::default() };
        if brotli::BrotliCompress(&mut &octets[..], &mut br, &params).is_ok() {
            return (br, Some("br"));
        }
    } else if accepte(entetes, "gzip") {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        if let Ok(gz) = gz.write_all(&octets).and_then(|_| gz.finish()) {
            return (gz, Some("gzip"));
        }
    }
    (octets, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_in_an_answer_ends_its_block() {
        let b = bloc("/api/v1/beneficiaires?q=&page=1", r#"{"prenom":"</script><script>alert(1)</script><!--"}"#);
        assert_eq!(b.matches("</script>").count(), 1, "{b}");
        assert!(b.ends_with("</script>"));
        assert!(b.contains(r#" id="/api/v1/beneficiaires?q=&amp;page=1""#), "{b}");
        let texte = &b[b.find('>').unwrap() + 1..b.len() - "</script>".len()];
        let v: serde_json::Value = serde_json::from_str(texte).unwrap();
        assert_eq!(v["prenom"], "</script><script>alert(1)</script><!--");
    }

    #[test]
    fn blocks_go_at_the_end_of_the_head() {
        assert_eq!(
            inserer("<html><head><title>t</title></head><body></body></html>", "B"),
            "<html><head><title>t</title>B</head><body></body></html>"
        );
        assert_eq!(inserer("<p>", "B"), "<p>B");
    }

    #[test]
    fn accepted_encodings() {
        let mut h = HeaderMap::new();
        assert!(!accepte(&h, "br"));
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip, deflate, br, zstd"));
        assert!(accepte(&h, "br") && accepte(&h, "gzip"));
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip;q=1.0, BR;q=0"));
        assert!(!accepte(&h, "br") && accepte(&h, "gzip"));
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("brotli"));
        assert!(!accepte(&h, "br"));
    }
}
