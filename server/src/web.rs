//! Serving the built app (`dist/`): hashed assets compressed and cached for a year, `index.html`
//! for every client route, and the security headers on every answer.

use crate::auth::CurrentUser;
use crate::AppState;
use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method, Request, Response};
use axum::middleware::Next;
use axum::response::IntoResponse;
use axum::Router;
use base64::Engine;
use carnet_domain::api::Role;
use sha2::{Digest, Sha256};
use std::path::Path;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

/// Files Trunk names `name-<hash>.ext` never change content: cache them for a year. The hash is
/// a 64-bit seahash written in hexadecimal without leading zeros (`{:x}`), so one build in 16 has a
/// 15-digit hash, one in 256 a 14-digit one; below 12 digits (odds of 1 in a million) the file is
/// merely revalidated. A short number (`leaflet-1.9.js`) is never taken for a hash.
fn is_hashed_asset(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or("");
    let stem = file.split('.').next().unwrap_or("");
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    match stem.rsplit_once('-') {
        Some((_, hash)) => (12..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit()),
        None => false,
    }
}

async fn cache_headers(req: Request<Body>, next: Next) -> Response<Body> {
    let hashed = is_hashed_asset(req.uri().path());
    let mut resp = next.run(req).await;
    if hashed && resp.status().is_success() {
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    } else {
        // index.html and unhashed files: always revalidate, so a new release is picked up; a page
        // made for its visitor ([`accueil`]) keeps its own `no-store`.
        resp.headers_mut().entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-cache"));
    }
    resp
}

/// Where the beneficiary space is built (`trunk build espace.html --dist dist/espace`): a second,
/// much smaller app served under `/espace/`.
pub const ESPACE_DIR: &str = "espace";

/// A built app's files, with its `index.html` as the answer for client routes.
fn app_files(dir: &Path) -> ServeDir<ServeFile> {
    let index = dir.join("index.html");
    ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(ServeFile::new(index).precompressed_br().precompressed_gzip())
}

/// Where the public pages' app is built (`trunk build connexion.html --dist dist/acces
/// --public-url /acces/`): its files under `/acces/`, its `index.html` at [`PAGES_PUBLIQUES`].
/// Not `connexion/`: `/connexion` is one of its pages.
pub const ACCES_DIR: &str = "acces";

/// The pages of the public pages' app: login, and the two password pages. A visitor without a
/// session opens them first, so they must not wait for the whole staff app.
pub const PAGES_PUBLIQUES: [&str; 3] = ["/connexion", "/mot-de-passe/oublie", "/mot-de-passe/choisir"];

/// Where the venues' area of the staff app is built (`trunk build lieux.html --dist
/// dist/zone-lieux --public-url /zone-lieux/`): its files (with Leaflet and the outlines) under
/// `/zone-lieux/`, its `index.html` at [`ZONE_LIEUX`] and below. Not `lieux/`: `/lieux/12` is one
/// of its pages.
pub const ZONE_LIEUX_DIR: &str = "zone-lieux";

/// The pages of the venues' area (the map, `/lieux/12`, imports, candidates, coverage): an app of
/// their own, so that the other staff pages never download the map's code (the app's router
/// loads a page of the other area from here, and back).
pub const ZONE_LIEUX: &str = "/lieux";

/// Where the pilotage area of the staff app is built (`trunk build pilotage.html --dist
/// dist/zone-pilotage --public-url /zone-pilotage/`): its files under `/zone-pilotage/`, its
/// `index.html` at the pages of [`PAGES_PILOTAGE`] and below, and at `/` for the roles whose home
/// it holds ([`accueil`]).
pub const ZONE_PILOTAGE_DIR: &str = "zone-pilotage";

/// The pages of the pilotage area (orders, statements, accredited structures, the ledger's
/// journal, the buyer's dashboard), each with the pages below it; the app's `src/zones.rs` lists
/// the same.
pub const PAGES_PILOTAGE: [&str; 5] = ["/tableau", "/commandes", "/releves", "/structures", "/journal"];

/// Where the management area of the staff app is built (`trunk build gestion.html --dist
/// dist/zone-gestion --public-url /zone-gestion/`): its files under `/zone-gestion/`, its
/// `index.html` at the pages of [`PAGES_GESTION`] and below.
pub const ZONE_GESTION_DIR: &str = "zone-gestion";

/// The pages of the management area (statistics, the team, the access journal, reminders,
/// administration, one's account, the carnets), each with the pages below it; the app's
/// `src/zones.rs` lists the same.
pub const PAGES_GESTION: [&str; 7] =
    ["/statistiques", "/equipe", "/journal-des-acces", "/rappels", "/admin", "/compte", "/carnets"];

/// Where a parcours' area of the staff app is built (`trunk build parcours.html --dist
/// dist/zone-parcours --public-url /zone-parcours/`): its files under `/zone-parcours/`, its
/// `index.html` at `/parcours/{id}` and below, but for the steps of [`ETAPES`].
pub const ZONE_PARCOURS_DIR: &str = "zone-parcours";

/// Where a new parcours' area of the staff app is built (`trunk build accueil.html --dist
/// dist/zone-accueil --public-url /zone-accueil/`): its files under `/zone-accueil/`, its
/// `index.html` at `/parcours/nouveau` (the intake).
pub const ZONE_ACCUEIL_DIR: &str = "zone-accueil";

/// Where the parcours' steps' area of the staff app is built (`trunk build etapes.html --dist
/// dist/zone-etapes --public-url /zone-etapes/`): its files under `/zone-etapes/`, its
/// `index.html` at a parcours' steps ([`ETAPES`]) and below.
pub const ZONE_ETAPES_DIR: &str = "zone-etapes";

/// The pages of a parcours (below `/parcours/{id}`) that are steps of the wizard after the intake,
/// in the steps' area, each with the pages below it; the app's `src/zones.rs` lists the
/// same.
pub const ETAPES: [&str; 4] = ["diagnostic", "objectifs", "planning", "bilan"];

/// The areas built beside the staff app whose hashed files are served from their folder under
/// their own name (`/zone-lieux/…`), nothing else: the public pages' and each staff area's.
const ZONES: [&str; 7] = [
    ACCES_DIR,
    ZONE_LIEUX_DIR,
    ZONE_PILOTAGE_DIR,
    ZONE_GESTION_DIR,
    ZONE_PARCOURS_DIR,
    ZONE_ETAPES_DIR,
    ZONE_ACCUEIL_DIR,
];

/// An area's page: its `index.html`, and the service that answers it as it is (precompressed).
#[derive(Clone)]
struct Page {
    html: std::path::PathBuf,
    fichier: ServeFile,
}

fn page_de(dossier: &Path) -> Page {
    let html = dossier.join("index.html");
    Page { fichier: ServeFile::new(&html).precompressed_br().precompressed_gzip(), html }
}

/// What serves the staff's pages: the state, to know the session as the API knows it, and the
/// API's router, through which a page reads what it is sent with ([`crate::lectures`]).
#[derive(Clone)]
struct Personnel {
    etat: AppState,
    api: Router,
}

impl Personnel {
    /// `page` with the answers of `lectures` inside when there are any and one succeeds,
    /// otherwise as it is. Which one depends on the cookie.
    async fn servir(&self, page: &Page, lectures: &[String], parts: Parts, body: Body) -> Response<Body> {
        if !lectures.is_empty() {
            if let Some(mut reponse) = crate::lectures::page(&self.api, &page.html, &parts, lectures).await {
                reponse.headers_mut().append(header::VARY, HeaderValue::from_static("cookie"));
                return reponse;
            }
        }
        let mut reponse = match page.fichier.clone().oneshot(Request::from_parts(parts, body)).await {
            Ok(r) => r.map(Body::new),
            Err(e) => match e {},
        };
        reponse.headers_mut().append(header::VARY, HeaderValue::from_static("cookie"));
        reponse
    }

    /// The role of the request's session, if it has one.
    async fn role(&self, parts: &mut Parts) -> Option<Role> {
        CurrentUser::from_request_parts(parts, &self.etat).await.ok().map(|u| u.role)
    }
}

/// A staff area's page: for a logged-in visitor, with the session inside (every area's app asks
/// it first). A HEAD shows nothing: no reads.
async fn page_d_une_zone(p: Personnel, page: Page, req: Request<Body>) -> Response<Body> {
    let (mut parts, body) = req.into_parts();
    let connu = parts.method == Method::GET && p.role(&mut parts).await.is_some();
    let lectures = if connu { carnet_domain::lectures::de_chaque_page() } else { Vec::new() };
    p.servir(&page, &lectures, parts, body).await
}

/// `/`, each role's home, lies in the app of its area: buyers' and opérateurs' in the pilotage
/// area, everyone else's (and a visitor's, whom the staff app sends to the login page) in the
/// staff app. Known by the session cookie, as the API knows it. For a logged-in visitor the page
/// comes with the answers of its first reads (a conseiller's: the dashboard's).
async fn accueil(p: Personnel, personnel: Page, pilotage: Page, req: Request<Body>) -> Response<Body> {
    let (mut parts, body) = req.into_parts();
    let role = p.role(&mut parts).await;
    // Two files answer `/`: the browser's copy of one (after a change of account) must not be
    // confirmed as the other by a « not modified ».
    for h in
        [header::IF_MODIFIED_SINCE, header::IF_NONE_MATCH, header::IF_UNMODIFIED_SINCE, header::IF_MATCH, header::RANGE]
    {
        parts.headers.remove(h);
    }
    let lectures = match role {
        // A HEAD shows nothing: no reads, no journal lines.
        Some(role) if parts.method == Method::GET => {
            carnet_domain::lectures::accueil(role, parts.uri.query().is_none_or(str::is_empty))
        }
        _ => Vec::new(),
    };
    let page = match role {
        Some(Role::Commanditaire | Role::Operateur) => pilotage,
        _ => personnel,
    };
    let mut reponse = p.servir(&page, &lectures, parts, body).await;
    reponse.headers_mut().remove(header::LAST_MODIFIED);
    reponse
}

/// The staff app's files (`/parcours/12`, … answer its `index.html`), the beneficiary space's
/// under `/espace/` (its own `index.html` for its routes), the public pages' app: its
/// `index.html` at its three pages, its files under `/acces/`, the venues' area: its
/// `index.html` at `/lieux` and below, its files under `/zone-lieux/`, the pilotage area: its
/// `index.html` at its pages, its files under `/zone-pilotage/`, and the management area: its
/// `index.html` at its pages, its files under `/zone-gestion/`, a new parcours' area, the
/// parcours' steps' area and a parcours' area: their `index.html` at a parcours' pages, their
/// files under `/zone-accueil/`, `/zone-etapes/` and `/zone-parcours/`; `/` by role ([`accueil`]).
/// A staff page (`/` and each area's) comes with its visitor's first reads, read through `api`,
/// the API's router (under `/api/v1`).
pub fn static_files(dist: &Path, etat: AppState, api: Router) -> Router {
    let espace = dist.join(ESPACE_DIR);
    let personnel = Personnel { etat, api };
    // A staff area's page, with its visitor's session.
    let zone = |dossier: &str| {
        let (p, page) = (personnel.clone(), page_de(&dist.join(dossier)));
        axum::routing::get(move |req| page_d_une_zone(p.clone(), page.clone(), req))
    };
    let page_publique = page_de(&dist.join(ACCES_DIR)).fichier;
    let page_lieux = zone(ZONE_LIEUX_DIR);
    let page_pilotage = zone(ZONE_PILOTAGE_DIR);
    let page_gestion = zone(ZONE_GESTION_DIR);
    let page_parcours = zone(ZONE_PARCOURS_DIR);
    let page_etapes = zone(ZONE_ETAPES_DIR);
    let page_accueil = zone(ZONE_ACCUEIL_DIR);
    let mut router = Router::new();
    for chemin in PAGES_PUBLIQUES {
        router = router.route_service(chemin, page_publique.clone());
    }
    for chemin in PAGES_PILOTAGE {
        router =
            router.route(chemin, page_pilotage.clone()).route(&format!("{chemin}/{{*page}}"), page_pilotage.clone());
    }
    for chemin in PAGES_GESTION {
        router = router.route(chemin, page_gestion.clone()).route(&format!("{chemin}/{{*page}}"), page_gestion.clone());
    }
    // A new parcours in an area, a parcours' steps in another, its other pages in a third. The
    // router prefers a fixed segment to a parameter, and a parameter to the rest of the path.
    router = router
        .route("/parcours/nouveau", page_accueil.clone())
        .route("/parcours/nouveau/{*page}", page_accueil)
        .route("/parcours/{id}", page_parcours.clone())
        .route("/parcours/{id}/", page_parcours.clone())
        .route("/parcours/{id}/{*page}", page_parcours.clone());
    for etape in ETAPES {
        router = router
            .route(&format!("/parcours/{{id}}/{etape}"), page_etapes.clone())
            .route(&format!("/parcours/{{id}}/{etape}/{{*page}}"), page_etapes.clone());
    }
    // The areas' hashed files only: an unknown one is a 404, not a page.
    for zone in ZONES {
        router = router
            .nest_service(&format!("/{zone}/"), ServeDir::new(dist.join(zone)).precompressed_br().precompressed_gzip());
    }
    let (personnel_page, pilotage_page) = (page_de(dist), page_de(&dist.join(ZONE_PILOTAGE_DIR)));
    router
        .route(
            "/",
            axum::routing::get(move |req| {
                accueil(personnel.clone(), personnel_page.clone(), pilotage_page.clone(), req)
            }),
        )
        .route(ZONE_LIEUX, page_lieux.clone())
        .route(&format!("{ZONE_LIEUX}/{{*page}}"), page_lieux)
        // `/espace` without the slash: the app's relative paths need it.
        .route("/espace", axum::routing::get(|| async { axum::response::Redirect::permanent("/espace/") }))
        .nest_service("/espace/", app_files(&espace))
        .fallback_service(app_files(dist))
        .layer(axum::middleware::from_fn(cache_headers))
}

/// The Content-Security-Policy. Trunk loads the wasm from an inline module script: rather than
/// allowing every inline script, allow exactly that one by its hash. The map's tile server, when
/// one is configured, is allowed for images only.
pub fn content_security_policy(dist: Option<&Path>, tuiles_url: Option<&str>) -> String {
    let mut script_src = vec!["'self'".to_string(), "'wasm-unsafe-eval'".to_string()];
    let pages = dist
        .map(|d| {
            std::iter::once(ESPACE_DIR)
                .chain(ZONES)
                .map(|sous| d.join(sous).join("index.html"))
                .chain([d.join("index.html")])
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    for html in pages.iter().filter_map(|p| std::fs::read_to_string(p).ok()) {
        for body in inline_scripts(&html) {
            let digest = Sha256::digest(body.as_bytes());
            script_src.push(format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest)));
        }
    }
    let mut img_src = "'self' data: blob:".to_string();
    if let Some(source) = tuiles_url.and_then(source_tuiles) {
        img_src.push(' ');
        img_src.push_str(&source);
    }
    format!(
        "default-src 'self'; script-src {}; style-src 'self' 'unsafe-inline'; img-src {img_src}; \
         connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
         frame-ancestors 'none'",
        script_src.join(" ")
    )
}

/// The CSP source of a tile URL template (`https://{s}.tile.exemple.fr/{z}/{x}/{y}.png` gives
/// `https://*.tile.exemple.fr`); `None` when it is not a plain http(s) host, so that nothing
/// else can slip into the policy.
fn source_tuiles(url: &str) -> Option<String> {
    let (scheme, rest) = url.trim().split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return None;
    }
    let host = rest.split(['/', '?', '#']).next()?;
    let host = match host.strip_prefix("{s}.") {
        Some(h) => format!("*.{h}"),
        None => host.to_string(),
    };
    let bare = host.strip_prefix("*.").unwrap_or(&host);
    let ok = !bare.is_empty() && bare.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == ':');
    ok.then(|| format!("{scheme}://{host}"))
}

/// The contents of the `<script>` elements without a `src` attribute.
fn inline_scripts(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(tag_end) = after.find('>') else { break };
        let tag = &after[..tag_end];
        let body_start = tag_end + 1;
        let Some(close) = after[body_start..].find("</script>") else { break };
        if !tag.contains(" src=") {
            out.push(after[body_start..body_start + close].to_string());
        }
        rest = &after[body_start + close..];
    }
    out
}

/// Behind https, browsers are told to come back over https only, for a year.
pub const HSTS: &str = "max-age=31536000";

/// The origin (`scheme://host[:port]`, as browsers write it in `Origin`) of a URL: lowercase,
/// without the path, without the scheme's default port.
pub fn origin_of(url: &str) -> String {
    let url = url.trim();
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
    let scheme = scheme.to_ascii_lowercase();
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default().to_ascii_lowercase();
    let host = match (scheme.as_str(), host.rsplit_once(':')) {
        ("https", Some((h, "443"))) | ("http", Some((h, "80"))) => h.to_string(),
        _ => host,
    };
    format!("{scheme}://{host}")
}

/// The path of a request as logs show it. The calendar feed carries its read-only token in its
/// path (`/api/v1/agenda/{token}.ics`: calendar programs send no header), and clients older
/// than the `Authorization` header still put the space's token in theirs
/// (`/api/v1/espace/{token}/…`); a token in a log file opens that calendar, or that person's
/// space, to whoever reads the log: it is written `…`. The query string is never logged
/// (searches hold people's names).
pub fn chemin_journalisable(chemin: &str) -> std::borrow::Cow<'_, str> {
    // Under /api/v1/espace/ the first segment is a token unless it is one of the space's own
    // words: a token never equals one (43 characters, or 22).
    const PREFIXES: [(&str, &[&str]); 2] =
        [("/api/v1/espace/", &["code", "seances", "rappels"]), ("/api/v1/agenda/", &[])];
    for (prefixe, mots) in PREFIXES {
        let Some(reste) = chemin.strip_prefix(prefixe) else { continue };
        let (segment, suite) = reste.split_at(reste.find('/').unwrap_or(reste.len()));
        if segment.is_empty() || mots.contains(&segment) {
            break;
        }
        // The feed's `.ics` stays: it tells the feed from the download.
        let extension = if segment.ends_with(".ics") { ".ics" } else { "" };
        return std::borrow::Cow::Owned(format!("{prefixe}…{extension}{suite}"));
    }
    std::borrow::Cow::Borrowed(chemin)
}

/// The span of each request in the logs: method and path (`chemin_journalisable`), not the URI.
pub fn span_requete(req: &Request<Body>) -> tracing::Span {
    tracing::debug_span!("requete", methode = %req.method(), chemin = %chemin_journalisable(req.uri().path()))
}

/// Refuses every request that may change something (any method but GET, HEAD and OPTIONS) when
/// a browser says it comes from another site than Carnet's public address: `Origin`, or without
/// it `Sec-Fetch-Site`. `SameSite=Strict` alone lets a sibling subdomain (same site) through,
/// and the POSTs without a body have no JSON content type to stop a plain form. Clients that
/// are not browsers send neither header and are let through: they carry no ambient cookie.
pub async fn same_origin_writes(origine: std::sync::Arc<str>, req: Request<Body>, next: Next) -> Response<Body> {
    use axum::http::Method;
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let h = req.headers();
    let refusee = match h.get(header::ORIGIN) {
        // `null` (a sandboxed frame, a redirect) never equals an origin of ours.
        Some(o) => o.to_str().map(|o| origin_of(o) != *origine).unwrap_or(true),
        None => {
            h.get("sec-fetch-site").is_some_and(|v| !matches!(v.to_str().unwrap_or_default(), "same-origin" | "none"))
        }
    };
    if refusee {
        let de = h
            .get(header::ORIGIN)
            .or_else(|| h.get("sec-fetch-site"))
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        tracing::warn!(methode = %req.method(), chemin = %chemin_journalisable(req.uri().path()), de, attendue = %origine, "requête d'un autre site refusée");
        return crate::error::AppError::ForbiddenBecause(format!(
            "Requête refusée : elle vient d'un autre site que Carnet ({origine}). Rien n'a été modifié."
        ))
        .into_response();
    }
    next.run(req).await
}

/// Cuts a request not answered within `delai` (a slow client's body, a stuck handler): the
/// handler is dropped, so its transaction, if any, is rolled back.
pub async fn delai(delai: std::time::Duration, req: Request<Body>, next: Next) -> Response<Body> {
    let (methode, chemin) = (req.method().clone(), chemin_journalisable(req.uri().path()).into_owned());
    match tokio::time::timeout(delai, next.run(req)).await {
        Ok(resp) => resp,
        Err(_) => {
            tracing::warn!(%methode, chemin, delai_s = delai.as_secs(), "requête interrompue : trop longue");
            crate::error::AppError::Unavailable(format!(
                "La requête a pris trop de temps (plus de {} s) et a été interrompue. \
                 Rechargez la page pour voir ce qui a été enregistré, puis réessayez.",
                delai.as_secs()
            ))
            .into_response()
        }
    }
}

/// Adds the security headers that are not already set; API answers, which carry personal data,
/// are not kept by any cache unless their handler says otherwise.
pub async fn security_headers(
    csp: HeaderValue,
    hsts: Option<HeaderValue>,
    req: Request<Body>,
    next: Next,
) -> Response<Body> {
    let api = req.uri().path().starts_with("/api/");
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    if api {
        h.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    }
    h.entry(header::CONTENT_SECURITY_POLICY).or_insert(csp);
    if let Some(hsts) = hsts {
        h.entry(header::STRICT_TRANSPORT_SECURITY).or_insert(hsts);
    }
    h.entry(header::X_CONTENT_TYPE_OPTIONS).or_insert(HeaderValue::from_static("nosniff"));
    h.entry(header::REFERRER_POLICY).or_insert(HeaderValue::from_static("same-origin"));
    h.entry(header::X_FRAME_OPTIONS).or_insert(HeaderValue::from_static("DENY"));
    h.entry(HeaderName::from_static("permissions-policy"))
        .or_insert(HeaderValue::from_static("camera=(self), microphone=(), geolocation=(self)"));
    h.entry(HeaderName::from_static("cross-origin-opener-policy")).or_insert(HeaderValue::from_static("same-origin"));
    resp
}

use axum::http::HeaderName;

/// Precompresses the app's text and wasm files next to themselves (`.br`, `.gz`), once after
/// each build, so that serving them costs no CPU.
pub fn precompress(dir: &Path) -> anyhow::Result<(u64, u64, u64)> {
    use std::io::Write;
    let (mut raw, mut br_total, mut gz_total) = (0u64, 0u64, 0u64);
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if !matches!(ext, "wasm" | "js" | "css" | "html" | "svg" | "json" | "geojson" | "txt" | "ico" | "map") {
                continue;
            }
            let data = std::fs::read(&path)?;
            raw += data.len() as u64;

            let mut br = Vec::new();
            {
                let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
                brotli::BrotliCompress(&mut &data[..], &mut br, &params)?;
            }
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            gz.write_all(&data)?;
            let gz = gz.finish()?;
            br_total += br.len() as u64;
            gz_total += gz.len() as u64;
            std::fs::write(path.with_file_name(format!("{}.br", path.file_name().unwrap().to_string_lossy())), br)?;
            std::fs::write(path.with_file_name(format!("{}.gz", path.file_name().unwrap().to_string_lossy())), gz)?;
        }
    }
    Ok((raw, br_total, gz_total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_stay_out_of_logged_paths() {
        assert_eq!(chemin_journalisable("/api/v1/espace/abcDEF_123-x"), "/api/v1/espace/…");
        assert_eq!(chemin_journalisable("/api/v1/espace/abc/seances/4/absence"), "/api/v1/espace/…/seances/4/absence");
        assert_eq!(chemin_journalisable("/api/v1/espace/abc/agenda.ics"), "/api/v1/espace/…/agenda.ics");
        assert_eq!(chemin_journalisable("/api/v1/espace/code"), "/api/v1/espace/code");
        assert_eq!(chemin_journalisable("/api/v1/espace"), "/api/v1/espace");
        assert_eq!(chemin_journalisable("/api/v1/espace/seances/4/absence"), "/api/v1/espace/seances/4/absence");
        assert_eq!(chemin_journalisable("/api/v1/espace/rappels/arret"), "/api/v1/espace/rappels/arret");
        assert_eq!(chemin_journalisable("/api/v1/agenda/abcDEF_123-x.ics"), "/api/v1/agenda/….ics");
        assert_eq!(chemin_journalisable("/api/v1/agenda/abcDEF_123-x"), "/api/v1/agenda/…");
        assert_eq!(chemin_journalisable("/api/v1/agenda/abcDEF_123-x/seances.ics"), "/api/v1/agenda/…/seances.ics");
        assert_eq!(chemin_journalisable("/api/v1/agenda/"), "/api/v1/agenda/");
        assert_eq!(chemin_journalisable("/api/v1/parcours/12"), "/api/v1/parcours/12");
        assert_eq!(chemin_journalisable("/espace/espace-f00d_bg.wasm"), "/espace/espace-f00d_bg.wasm");
    }

    #[test]
    fn hashed_names() {
        assert!(is_hashed_asset("/carnet-web-5d7f1bfa1e9c6c54.js"));
        assert!(is_hashed_asset("/carnet-web-5d7f1bfa1e9c6c54_bg.wasm"));
        assert!(is_hashed_asset("/style-0123456789abcdef.css"));
        // Trunk writes the hash without its leading zeros.
        assert!(is_hashed_asset("/espace-8b00c3a91d2e4f7_bg.wasm"));
        assert!(is_hashed_asset("/main-9c3a91d2e4f7.css"));
        assert!(!is_hashed_asset("/leaflet-1.js"));
        assert!(!is_hashed_asset("/carte-2026.geojson"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/parcours/12"));
        assert!(!is_hashed_asset("/leaflet/leaflet.js"));
    }

    #[test]
    fn inline_script_bodies() {
        let html = r#"<head><script type="module">import init from '/a.js';</script>
            <script src="/x.js"></script><script>b()</script></head>"#;
        assert_eq!(inline_scripts(html), vec!["import init from '/a.js';".to_string(), "b()".to_string()]);
    }
}
