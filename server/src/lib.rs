//! carnet-server: the JSON API under `/api/v1`, its storage, and the static server for the app.
//! `app()` builds the whole HTTP service; tests drive it directly, `main` serves it.

pub mod adresse;
pub mod alerte;
pub mod api;
pub mod auth;
pub mod clients_api;
pub mod clock;
pub mod db;
pub mod error;
pub mod export_html;
pub mod journal;
pub mod journee;
pub mod lectures;
pub mod ledger_jobs;
pub mod lieux;
pub mod mail;
pub mod pages;
pub mod passwords;
pub mod rappels;
pub mod rejeu;
pub mod retention;
pub mod secret;
pub mod seed;
pub mod serveur;
pub mod sms;
pub mod store;
pub mod web;

use axum::extract::DefaultBodyLimit;
use axum::http::HeaderValue;
use axum::response::IntoResponse;
use axum::Router;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::path::PathBuf;
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

pub use clock::Clock;
pub use db::Db;

/// Settings that are not the database (see `main.rs` for flags and environment variables).
#[derive(Clone, Debug)]
pub struct Config {
    /// Send the session cookie with `Secure` and the `__Host-` prefix, and HSTS: forced when
    /// served over https (see `https()`); the public URL being https is enough.
    pub secure_cookie: bool,
    /// A session unused for this long ends.
    pub session_idle: Duration,
    /// A session ends this long after login, however active.
    pub session_max: Duration,
    /// Failed logins allowed per e-mail within `login_window` (four times more per address).
    pub login_max_failures: i64,
    pub login_window: Duration,
    /// The built app to serve; `None` serves the API only.
    pub dist_dir: Option<PathBuf>,
    /// Beneficiaries' identity is anonymised this many months after their last activity.
    pub retention_months: u32,
    /// A personal link of the beneficiary space (its tokens, its calendar token, its short
    /// code) stops working this many months after its parcours closed.
    pub link_expiry_months: u32,
    /// The address people open Carnet at (links in e-mails), without a trailing slash.
    pub public_url: String,
    pub mailer: mail::Mailer,
    /// How long an invitation link works.
    pub invitation_validity: Duration,
    /// How long a password-reset link works.
    pub reset_validity: Duration,
    /// Map tiles (`https://…/{z}/{x}/{y}.png`); `None`: the map shows outlines only (offline).
    pub tuiles_url: Option<String>,
    pub tuiles_attribution: Option<String>,
    /// Address geocoding; `None`: venues without coordinates go to their commune's point.
    pub geocodeur: Option<Arc<dyn lieux::geocodage::Geocodeur>>,
    /// SMS reminders; `None`: reminders go by e-mail only.
    pub sms: Option<Arc<dyn sms::FournisseurSms>>,
    /// One venue import at a time (each holds its whole file in memory): the permit lives as long
    /// as the import runs.
    pub imports_lieux: Arc<tokio::sync::Semaphore>,
    /// Reverse proxies whose `Forwarded` / `X-Forwarded-For` give the client's address.
    pub trusted_proxies: Vec<adresse::Reseau>,
    /// Failed logins (or wrong codes of the beneficiary space) from everyone together within
    /// `login_window` that raise an alert in the log and the audit log. Nobody is locked out by
    /// this count: the limits that lock are per e-mail and per client address.
    pub alerte_echecs: i64,
    /// A request not answered within this is cut and answered 503 (a slow body included).
    pub delai_requete: std::time::Duration,
    /// Password hashes computed at once (logins, password changes): one per core.
    pub hachages: Arc<tokio::sync::Semaphore>,
    /// The key of the beneficiary space's short codes, kept outside the database (see `secret`);
    /// the default draws one in memory.
    pub secret: secret::Secret,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            secure_cookie: false,
            session_idle: Duration::minutes(60),
            session_max: Duration::hours(12),
            login_max_failures: 5,
            login_window: Duration::minutes(15),
            dist_dir: None,
            retention_months: carnet_domain::donnees::CONSERVATION_MOIS_DEFAUT,
            link_expiry_months: carnet_domain::espace::EXPIRATION_MOIS_DEFAUT,
            public_url: "http://127.0.0.1:8080".to_string(),
            mailer: mail::Mailer::Log,
            invitation_validity: Duration::days(7),
            reset_validity: Duration::hours(1),
            tuiles_url: None,
            tuiles_attribution: None,
            geocodeur: None,
            sms: None,
            imports_lieux: Arc::new(tokio::sync::Semaphore::new(1)),
            trusted_proxies: Vec::new(),
            alerte_echecs: 200,
            delai_requete: std::time::Duration::from_secs(30),
            hachages: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
            )),
            secret: secret::Secret::aleatoire(),
        }
    }
}

impl Config {
    /// Whether browsers reach Carnet over https: the session cookie is then `Secure` with the
    /// `__Host-` prefix, and every answer carries HSTS.
    pub fn https(&self) -> bool {
        self.secure_cookie || self.public_url.trim().to_ascii_lowercase().starts_with("https://")
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    /// The one source of « now »: see `clock`.
    pub clock: clock::Clock,
    /// The access journal's writer (see `journal::Journal`).
    pub journal: journal::Journal,
    /// The parcours pages kept under their version (see `pages`).
    pub pages: Arc<pages::Pages<i64, i64>>,
    /// The dashboards kept, by user (see `api::tableau_de_bord`).
    pub tableaux: Arc<pages::Pages<i64, api::tableau_de_bord::Garde>>,
}

impl AppState {
    /// The state of one server; starts its access-journal writer on the current runtime.
    pub fn new(db: Db, config: Arc<Config>, clock: clock::Clock) -> AppState {
        let journal = journal::Journal::demarrer(db.clone());
        let pages = Arc::new(pages::Pages::new(pages::BUDGET_PARCOURS));
        let tableaux = Arc::new(pages::Pages::new(pages::BUDGET_TABLEAUX));
        AppState { db, config, clock, journal, pages, tableaux }
    }

    /// What the reminders job sends through.
    pub fn canaux(&self) -> rappels::Canaux {
        rappels::Canaux {
            mailer: self.config.mailer.clone(),
            sms: self.config.sms.clone(),
            public_url: self.config.public_url.trim_end_matches('/').to_string(),
        }
    }
}

/// The date in metropolitan France: what "today" means for the national ledger (orders,
/// statements, expiry); a structure's own day is its `Calendrier`'s.
pub fn today_in_paris(now: DateTime<Utc>) -> NaiveDate {
    carnet_domain::paris::today(now)
}

/// The whole HTTP service.
pub fn app(state: AppState) -> Router {
    let csp = web::content_security_policy(state.config.dist_dir.as_deref(), state.config.tuiles_url.as_deref());
    let csp = HeaderValue::from_str(&csp).expect("CSP is ASCII");
    let hsts = state.config.https().then_some(HeaderValue::from_static(web::HSTS));
    let origine = Arc::<str>::from(web::origin_of(&state.config.public_url));
    let delai_requete = state.config.delai_requete;
    let api = Router::new().nest(carnet_domain::lectures::BASE, api::router().with_state(state.clone()));
    let mut router = api.clone();
    if let Some(dist) = &state.config.dist_dir {
        router = router.merge(web::static_files(dist, state.clone(), api));
    }
    router
        // Nothing we accept is big (2 MB, enforced by the extractors); the venue-file import
        // raises it on its own route. The outer limit bounds every request.
        .layer(DefaultBodyLimit::max(2 * 1024 * 1024))
        .layer(RequestBodyLimitLayer::new(lieux::import::TAILLE_MAX))
        .layer(CatchPanicLayer::custom(|_| {
            error::AppError::Internal(anyhow::anyhow!("panic dans un traitement")).into_response()
        }))
        // Everything below, reading the body included, has `delai_requete`.
        .layer(axum::middleware::from_fn(move |req, next| web::delai(delai_requete, req, next)))
        // Before anything reads the body or the session.
        .layer(axum::middleware::from_fn(move |req, next| web::same_origin_writes(origine.clone(), req, next)))
        // Outside the body limit and the panic catcher: their answers get the headers too.
        .layer(axum::middleware::from_fn(move |req, next| web::security_headers(csp.clone(), hsts.clone(), req, next)))
        .layer(TraceLayer::new_for_http().make_span_with(web::span_requete))
}
