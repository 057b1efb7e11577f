//! The `carnet-server` command: serve the app and its API, administer accounts, prepare assets.

use anyhow::Context;
use carnet_domain::api::Role;
use carnet_server::lieux::geocodage::{self, Geocodeur};
use carnet_server::lieux::import as lieux_import;
use carnet_server::mail::Mailer;
use carnet_server::store::ledger::orgs as ledger_orgs;
use carnet_server::store::lieux as lieux_store;
use carnet_server::store::territoires;
use carnet_server::store::users::{self, NewUser};
use carnet_server::{app, auth, clock, db, passwords, retention, seed, web, AppState, Clock, Config};
use chrono::{Duration, Utc};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::BufRead;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Parser)]
#[command(name = "carnet-server", version, about = "Carnet : le serveur (API, base de données, application)")]
struct Cli {
    /// Database address; the SQLite file and its folder are created if missing.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://data/carnet.db", global = true)]
    database_url: String,

    /// For tests and demonstrations only: run as if it were this instant (RFC 3339, e.g.
    /// 2027-03-15T10:00:00+01:00), the clock running on from there. Every rule, job and page
    /// reads this clock. Never set it in production.
    #[arg(long, env = "CARNET_HORLOGE", global = true, hide = true, value_parser = clock::parse_instant)]
    horloge: Option<chrono::DateTime<Utc>>,

    /// Log format.
    #[arg(long, env = "CARNET_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    log_format: LogFormat,

    /// Without a subcommand: serve the API and the app.
    #[command(flatten)]
    serve: ServeArgs,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Administer structures and accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Write `.br` and `.gz` copies of the app's files (run after each `trunk build`).
    Precompress { dir: PathBuf },
    /// Venues (lieux de médiation numérique): bulk import and export, on the server's database.
    Lieux {
        #[command(subcommand)]
        command: LieuxCommand,
    },
}

#[derive(Subcommand)]
enum LieuxCommand {
    /// Import a file of the national standard (CSV or JSON, version 1.0.2 or 0.1.1). Valid rows
    /// go in (re-importing updates by source and id); rejected rows are listed with their reason.
    Import {
        file: PathBuf,
        /// Address geocoder for rows without coordinates (else the commune's point is used).
        #[arg(long, env = "CARNET_GEOCODAGE_URL")]
        geocodage_url: Option<String>,
    },
    /// Export every venue (or one département's) as a CSV file of the standard, version 1.0.2.
    Export {
        file: PathBuf,
        #[arg(long)]
        departement: Option<String>,
    },
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CARNET_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// Folder of the built app (Trunk's dist/); served with index.html as fallback.
    #[arg(long, env = "CARNET_DIST", default_value = "dist")]
    dist: PathBuf,
    /// Seed demo data into a new database (demo account camille@demo.carnet.fr).
    #[arg(long, env = "CARNET_DEMO")]
    demo: bool,
    /// Mark the session cookie `Secure` with the `__Host-` prefix, and send HSTS: automatic when
    /// the public URL is https, so only needed when https is set up some other way.
    #[arg(long, env = "CARNET_SECURE_COOKIE")]
    secure_cookie: bool,
    /// Reverse proxies trusted to tell the client's address (`Forwarded`, else `X-Forwarded-For`):
    /// addresses or networks, comma-separated, e.g. 127.0.0.1,10.0.0.0/8. Those headers are
    /// ignored from any other peer. Without it, behind a proxy every client has the proxy's
    /// address and the per-address limits hold for all of them together.
    #[arg(long, env = "CARNET_TRUSTED_PROXY", value_delimiter = ',')]
    trusted_proxy: Vec<carnet_server::adresse::Reseau>,
    /// Failed logins (or wrong codes of the beneficiary space) from all clients together within
    /// 15 minutes that raise an alert in the log and the audit log. Nobody is locked out by it.
    #[arg(long, env = "CARNET_ALERTE_ECHECS", default_value_t = 200, value_parser = clap::value_parser!(i64).range(1..))]
    alerte_echecs: i64,
    /// Seconds a request may take, its body included; past it the request is cut and answered 503.
    #[arg(long, env = "CARNET_REQUEST_TIMEOUT_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    request_timeout_secs: u64,
    /// Seconds a client has to send a request's headers; a kept-alive connection with no new
    /// request is closed after as long (slow or idle clients do not hold connections).
    #[arg(long, env = "CARNET_HEADER_TIMEOUT_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    header_timeout_secs: u64,
    /// Seconds requests in flight have to finish after SIGTERM or Ctrl-C; the rest are then cut.
    #[arg(long, env = "CARNET_SHUTDOWN_TIMEOUT_SECS", default_value_t = 20)]
    shutdown_timeout_secs: u64,
    /// Minutes of inactivity after which a session ends.
    #[arg(long, env = "CARNET_SESSION_IDLE_MINUTES", default_value_t = 60)]
    session_idle_minutes: i64,
    /// Months after a beneficiary's last activity when their identity is anonymised.
    #[arg(long, env = "CARNET_RETENTION_MONTHS", default_value_t = carnet_domain::donnees::CONSERVATION_MOIS_DEFAUT,
          value_parser = clap::value_parser!(u32).range(1..=120))]
    retention_months: u32,
    #[command(flatten)]
    journaux: JournauxArgs,
    /// Months after a parcours closes when the person's personal link (its tokens, its calendar
    /// address, its short code) stops working.
    #[arg(long, env = "CARNET_LINK_EXPIRY_MONTHS", default_value_t = carnet_domain::espace::EXPIRATION_MOIS_DEFAUT,
          value_parser = clap::value_parser!(u32).range(1..=120))]
    link_expiry_months: u32,
    /// A file holding the server's secret, 64 hexadecimal digits or more (`openssl rand -hex 32`),
    /// or set CARNET_SECRET to them: the key of the beneficiaries' short codes, kept outside the
    /// database. Required, except with --demo (which keeps one next to a SQLite database).
    #[arg(long, env = "CARNET_SECRET_FILE")]
    secret_file: Option<PathBuf>,
    #[command(flatten)]
    envoi: EnvoiArgs,
    /// Map tiles URL template (`https://…/{z}/{x}/{y}.png`). Without it the map draws the
    /// département and région outlines only, and works offline.
    #[arg(long, env = "CARNET_TUILES_URL")]
    tuiles_url: Option<String>,
    /// Attribution shown under the tiles (required by most tile servers' terms).
    #[arg(long, env = "CARNET_TUILES_ATTRIBUTION")]
    tuiles_attribution: Option<String>,
    /// Base URL of the national address API (BAN / Géoplateforme), e.g.
    /// https://data.geopf.fr/geocodage. Without it venues are placed at their commune's point.
    #[arg(long, env = "CARNET_GEOCODAGE_URL")]
    geocodage_url: Option<String>,
}

/// How long the journals keep a line (the server, and `admin retention`).
#[derive(clap::Args)]
struct JournauxArgs {
    /// Months the access journal (who saw whose identity) and the API clients' journal (which
    /// client took what) keep a line; older lines are deleted by the retention job. The CNIL
    /// recommends six months to a year for such logs.
    #[arg(long, env = "CARNET_ACCESS_JOURNAL_MONTHS", default_value_t = retention::JOURNAL_ACCES_MOIS_DEFAUT,
          value_parser = clap::value_parser!(u32).range(1..=120))]
    access_journal_months: u32,
    /// Months the audit log (who changed what: passes, parcours, accounts…) keeps a line; older
    /// lines are deleted by the retention job. Default five years, the limitation period of
    /// disputes over a pass or a statement.
    #[arg(long, env = "CARNET_AUDIT_LOG_MONTHS", default_value_t = retention::AUDIT_MOIS_DEFAUT,
          value_parser = clap::value_parser!(u32).range(12..=240))]
    audit_log_months: u32,
}

impl JournauxArgs {
    fn durees(&self, identite: u32) -> retention::Durees {
        retention::Durees { identite, journal_acces: self.access_journal_months, audit: self.audit_log_months }
    }
}

/// Outgoing messages: e-mail and SMS (the server, and `admin rappels`).
#[derive(clap::Args)]
struct EnvoiArgs {
    /// The address people open Carnet at, for the links in e-mails (default: http://<listen>).
    #[arg(long, env = "CARNET_PUBLIC_URL")]
    public_url: Option<String>,
    /// SMTP server for e-mails, e.g. smtps://user:password@smtp.example.fr:465 (set it in the
    /// environment: a command line is visible to other users). Without it, e-mails (and their
    /// one-time links) are written to the server log in demo mode, and not sent at all otherwise.
    #[arg(long, env = "CARNET_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// Sender of e-mails, e.g. "Carnet <ne-pas-repondre@exemple.fr>".
    #[arg(long, env = "CARNET_MAIL_FROM", default_value = "Carnet <ne-pas-repondre@carnet.invalid>")]
    mail_from: String,
    /// Write each e-mail as a text file in this folder instead of sending it (development, tests).
    #[arg(long, env = "CARNET_MAIL_DIR")]
    mail_dir: Option<PathBuf>,
    /// Base URL of the SMS provider's HTTP API (Brevo's transactional SMS request), e.g.
    /// https://api.brevo.com. Without it, reminders go by e-mail only.
    #[arg(long, env = "CARNET_SMS_URL")]
    sms_url: Option<String>,
    /// The SMS provider's API key (set it in the environment).
    #[arg(long, env = "CARNET_SMS_CLE", hide_env_values = true)]
    sms_cle: Option<String>,
    /// The sender name shown on SMS (11 letters or digits at most).
    #[arg(long, env = "CARNET_SMS_EXPEDITEUR", default_value = "Carnet")]
    sms_expediteur: String,
}

impl EnvoiArgs {
    fn public_url(&self, listen: &str) -> String {
        self.public_url.clone().unwrap_or_else(|| format!("http://{listen}")).trim_end_matches('/').to_string()
    }

    /// Without SMTP, messages go to the log only in demo mode: elsewhere their one-time links
    /// would let whoever reads the log take over accounts.
    fn mailer(&self, public_url: &str, demo: bool) -> anyhow::Result<Mailer> {
        Ok(match (&self.mail_dir, &self.smtp_url) {
            (Some(dir), _) => Mailer::Dir(dir.clone()),
            (None, Some(url)) => {
                let host = public_url
                    .split("://")
                    .nth(1)
                    .unwrap_or("localhost")
                    .split([':', '/'])
                    .next()
                    .unwrap_or("localhost");
                Mailer::smtp(url, &self.mail_from, host)?
            }
            (None, None) if demo => {
                tracing::warn!("aucun serveur SMTP (CARNET_SMTP_URL), mode démonstration : les e-mails (invitations, réinitialisations, rappels) seront écrits dans ce journal");
                Mailer::Log
            }
            (None, None) => {
                tracing::warn!("aucun serveur SMTP (CARNET_SMTP_URL) : aucun e-mail ne partira (invitations, réinitialisations, rappels)");
                Mailer::Aucun
            }
        })
    }

    fn sms(&self) -> anyhow::Result<Option<Arc<dyn carnet_server::sms::FournisseurSms>>> {
        match (self.sms_url.as_deref().map(str::trim).filter(|u| !u.is_empty()), &self.sms_cle) {
            (None, _) => Ok(None),
            (Some(_), None) => anyhow::bail!("CARNET_SMS_CLE : la clé du fournisseur SMS manque"),
            (Some(url), Some(cle)) => {
                tracing::info!(url, "rappels par SMS");
                Ok(Some(Arc::new(carnet_server::sms::HttpSms::new(url, cle, &self.sms_expediteur))))
            }
        }
    }
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a structure; prints its id.
    CreateStructure {
        #[arg(long)]
        nom: String,
        #[arg(long)]
        siret: Option<String>,
        #[arg(long)]
        commune_insee: Option<String>,
    },
    /// Create a conseiller (or another role) in a structure. The password is read from the
    /// CARNET_PASSWORD environment variable, or else from the first line of standard input.
    CreateConseiller {
        #[arg(long)]
        structure_id: Option<i64>,
        #[arg(long)]
        email: String,
        #[arg(long)]
        prenom: String,
        #[arg(long)]
        nom: String,
        #[arg(long, default_value = "conseiller")]
        role: String,
        /// The buyer organisation of a `commanditaire` user.
        #[arg(long)]
        commanditaire_id: Option<i64>,
        /// The organisation of an `operateur` user.
        #[arg(long)]
        operateur_id: Option<i64>,
    },
    /// Publish a new version of the information notice shown at intake. The text uses blank
    /// lines between paragraphs, `## ` for headings, `- ` for list items, and the placeholders
    /// {structure} and {duree}.
    PublishNotice {
        #[arg(long)]
        version: String,
        #[arg(long)]
        titre: String,
        /// A UTF-8 text file.
        #[arg(long)]
        file: PathBuf,
    },
    /// Run the retention job now: anonymise every beneficiary inactive for that long, and delete
    /// the journals' lines past their periods.
    Retention {
        #[arg(long, env = "CARNET_RETENTION_MONTHS", default_value_t = carnet_domain::donnees::CONSERVATION_MOIS_DEFAUT)]
        months: u32,
        #[command(flatten)]
        journaux: JournauxArgs,
    },
    /// Create a hub user (Hub territorial pour un numérique inclusif) with its territory. The
    /// password is read as for create-conseiller.
    CreateHub {
        #[arg(long)]
        email: String,
        #[arg(long)]
        prenom: String,
        #[arg(long)]
        nom: String,
        /// Département codes, e.g. "29,22,56,35".
        #[arg(long)]
        departements: String,
    },
    /// Replace the territory of a hub user.
    SetTerritoire {
        #[arg(long)]
        email: String,
        #[arg(long)]
        departements: String,
    },
    /// Create an opérateur organisation (issuer of passes, accreditations); prints its id.
    CreateOperateur {
        #[arg(long)]
        nom: String,
    },
    /// Create a commanditaire organisation (buyer of passes); prints its id.
    CreateCommanditaire {
        #[arg(long)]
        nom: String,
    },
    /// Send the session reminders due now (e-mail, SMS), as the server does every minute.
    /// Safe to run at any time, and beside running servers: each reminder goes once.
    Rappels {
        /// Run now (the only mode: the server runs it every minute).
        #[arg(long)]
        maintenant: bool,
        #[command(flatten)]
        envoi: EnvoiArgs,
    },
    /// Run the ledger's scheduled work now: expire passes past validity plus grace, issue last
    /// month's statements. Safe to run at any time, and twice.
    LedgerJobs,
    /// Fill an empty database with generated data at national volume, in SQL (for benchmarks):
    /// 4,000 conseillers × `--echelle`, 100 beneficiaries each, a carnet of 5 passes and 5
    /// sessions per parcours over two years. Every conseiller (conseiller-N@national.carnet.fr)
    /// gets the password of CARNET_PASSWORD, or else of the first line of standard input.
    GenererNational {
        #[arg(long, default_value_t = 1.0)]
        echelle: f64,
    },
    /// Copy a deployment's SQLite database into a new PostgreSQL database: every table, ids
    /// kept, in one transaction; then row counts and every statement's hash are checked. Stop
    /// the servers first. Refuses a PostgreSQL database already in use.
    Copier {
        /// The SQLite database, e.g. sqlite://data/carnet.db (it must exist).
        #[arg(long)]
        depuis: String,
        /// The PostgreSQL database, e.g. postgres://carnet@db.exemple.fr/carnet (created empty
        /// beforehand; carnet-server migrates it).
        #[arg(long)]
        vers: String,
    },
    /// Check every monthly statement against its stored hash (after a restore, for instance).
    VerifierReleves,
    /// Clients of the read API for data consumers (/api/v1/donnees/…).
    ApiClient {
        #[command(subcommand)]
        command: ApiClientCommand,
    },
}

#[derive(Subcommand)]
enum ApiClientCommand {
    /// Create a client; prints `client_id:secret` on the last line, the only time the secret
    /// is shown (only its hash is kept).
    Create {
        /// Who uses it, e.g. "Observatoire du Finistère".
        #[arg(long)]
        nom: String,
        /// What it may read: statistiques, activites (comma-separated).
        #[arg(long)]
        scopes: String,
        /// Last day it works (AAAA-MM-JJ, Paris time); without it, until revoked.
        #[arg(long)]
        valid_until: Option<String>,
        /// Restrict it to these départements (e.g. "29,22"); without it, all of France.
        #[arg(long)]
        departements: Option<String>,
    },
    /// Revoke a client at once (its calls answer 401 from then on).
    Revoke {
        /// Its client_id (the part before « : »).
        #[arg(long)]
        id: String,
    },
}

fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// A failure at start (a wrong or unreachable `DATABASE_URL`, a busy port…) is one line on
/// stderr, its causes joined, and a non-zero exit: what an operator reads in a unit's log.
fn main() -> std::process::ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("carnet-server : impossible de démarrer : {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("carnet-server : {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logs(cli.log_format);
    let clock = match cli.horloge {
        Some(at) => {
            tracing::warn!(%at, "horloge réglée (--horloge) : le serveur fait comme s'il était cet instant");
            Clock::starting_at(at)
        }
        None => Clock::system(),
    };
    match cli.command {
        None => serve(&cli.database_url, cli.serve, clock).await,
        Some(Command::Admin { command }) => admin(&cli.database_url, command, clock).await,
        Some(Command::Lieux { command }) => lieux(&cli.database_url, command, clock).await,
        Some(Command::Precompress { dir }) => {
            let (raw, br, gz) = web::precompress(&dir)?;
            println!("{} : {raw} octets, {br} en brotli, {gz} en gzip", dir.display());
            Ok(())
        }
    }
}

async fn serve(database_url: &str, args: ServeArgs, clock: Clock) -> anyhow::Result<()> {
    let public_url = args.envoi.public_url(&args.listen);
    // The demo admin's password is public: an https address means a real deployment.
    anyhow::ensure!(
        !(args.demo && public_url.to_ascii_lowercase().starts_with("https://")),
        "--demo refusé : l'adresse publique ({public_url}) est en https, c'est donc un vrai déploiement, \
         et le compte de démonstration a un mot de passe connu de tous. Retirez --demo (CARNET_DEMO)."
    );
    // Environment only: a command line is visible to other users.
    let secret = carnet_server::secret::au_demarrage(
        std::env::var("CARNET_SECRET").ok().as_deref(),
        args.secret_file.as_deref(),
        args.demo,
        database_url,
    )?;
    let db = db::connect(database_url).await?;
    if args.demo {
        seed::seed_demo_if_new(&db, clock.now()).await?;
    }
    let dist = args.dist.join("index.html").exists().then(|| args.dist.clone());
    if dist.is_none() {
        tracing::warn!(dist = %args.dist.display(), "application non construite : seule l'API est servie");
    }
    let mailer = args.envoi.mailer(&public_url, args.demo)?;
    let sms = args.envoi.sms()?;
    let interrupted = carnet_server::store::lieux::fail_interrupted_imports(&db, clock.now()).await?;
    if interrupted > 0 {
        tracing::warn!(interrupted, "imports de lieux interrompus par l'arrêt précédent");
    }
    let config = Config {
        secure_cookie: args.secure_cookie,
        session_idle: Duration::minutes(args.session_idle_minutes.max(1)),
        dist_dir: dist,
        retention_months: args.retention_months,
        link_expiry_months: args.link_expiry_months,
        public_url,
        mailer,
        tuiles_url: args.tuiles_url.filter(|u| !u.trim().is_empty()),
        tuiles_attribution: args.tuiles_attribution.filter(|u| !u.trim().is_empty()),
        geocodeur: geocodeur(args.geocodage_url.as_deref()),
        sms,
        trusted_proxies: args.trusted_proxy,
        alerte_echecs: args.alerte_echecs,
        delai_requete: std::time::Duration::from_secs(args.request_timeout_secs),
        secret,
        ..Config::default()
    };
    if config.trusted_proxies.is_empty() && config.https() {
        tracing::warn!(
            "adresse publique en https mais aucun proxy de confiance (--trusted-proxy) : derrière un proxy, \
             tous les clients ont son adresse, et les limites par adresse valent pour tous ensemble"
        );
    }
    let state = AppState::new(db.clone(), Arc::new(config), clock.clone());
    tokio::spawn(housekeeping(state.clone()));
    // The statistics' counts of a database written before them, filled once, after the start
    // rather than before it (minutes at a country's volume): the statistics read the sessions
    // until they are.
    let remplissage = db.clone();
    tokio::spawn(async move {
        if let Err(e) = carnet_server::store::agregat::remplir(&remplissage).await {
            tracing::error!(error = %e, "remplissage des décomptes des statistiques");
        }
    });
    tokio::spawn(retention::schedule(db.clone(), args.journaux.durees(args.retention_months), clock.clone()));
    tokio::spawn(carnet_server::rappels::schedule(db.clone(), state.canaux(), clock.clone()));
    // Orders left « en cours de génération » by a server that stopped mid-way are completed.
    let (resume_db, resume_now) = (db.clone(), clock.now());
    tokio::spawn(async move {
        if let Err(e) = carnet_server::store::ledger::commandes::reprendre_generations(&resume_db, resume_now).await {
            tracing::error!(error = %e, "reprise de la génération des commandes");
        }
    });

    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("impossible d'écouter sur {}", args.listen))?;
    tracing::info!("Carnet écoute sur http://{}", listener.local_addr()?);
    let delais = carnet_server::serveur::Delais {
        entetes: std::time::Duration::from_secs(args.header_timeout_secs),
        arret: std::time::Duration::from_secs(args.shutdown_timeout_secs),
    };
    carnet_server::serveur::servir(listener, app(state), delais, shutdown_signal()).await;
    db.close().await;
    tracing::info!("arrêt propre");
    Ok(())
}

/// Periodic cleanup of ended sessions and old failed-login records, the ledger's jobs and
/// SQLite's planner figures; the first round at once, at the start.
async fn housekeeping(state: AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        tick.tick().await;
        let now = state.clock.now();
        let c = &state.config;
        if let Err(e) = users::purge_sessions(&state.db, now - c.session_idle, now - c.session_max).await {
            tracing::warn!(error = %e, "nettoyage des sessions");
        }
        if let Err(e) = users::purge_failures(&state.db, now - c.login_window).await {
            tracing::warn!(error = %e, "nettoyage des échecs de connexion");
        }
        if let Err(e) = carnet_server::store::comptes::purge_tokens(&state.db, now - Duration::days(30)).await {
            tracing::warn!(error = %e, "nettoyage des liens à usage unique");
        }
        carnet_server::ledger_jobs::run(&state.db, now).await;
        if let Err(e) = carnet_server::db::optimiser(&state.db).await {
            tracing::warn!(error = %e, "statistiques du planificateur SQLite");
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("signal d'arrêt reçu : fin des requêtes en cours");
}

fn geocodeur(url: Option<&str>) -> Option<Arc<dyn Geocodeur>> {
    let url = url?.trim();
    if url.is_empty() {
        return None;
    }
    tracing::info!(url, "géocodage des adresses par le service national");
    Some(Arc::new(geocodage::Ban::new(url)))
}

/// The password of a new account: CARNET_PASSWORD, or else the first line of standard input.
fn read_password() -> anyhow::Result<String> {
    let password = match std::env::var("CARNET_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            eprintln!("Mot de passe (12 caractères au moins), puis Entrée :");
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    anyhow::ensure!(password.chars().count() >= 12, "mot de passe : 12 caractères au moins");
    Ok(password)
}

async fn lieux(database_url: &str, command: LieuxCommand, clock: Clock) -> anyhow::Result<()> {
    let db = db::connect(database_url).await?;
    match command {
        LieuxCommand::Import { file, geocodage_url } => {
            let bytes = std::fs::read(&file).with_context(|| format!("lecture de {}", file.display()))?;
            let name = file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
            let id = lieux_store::create_import(&db, None, &name, clock.now()).await?;
            // A bar redrawn in place on a terminal; a line every tenth in a log file.
            let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
            let last_tenth = std::sync::atomic::AtomicU32::new(0);
            let bar = move |p: &lieux_store::Progression| {
                let tenth = (p.traites * 10).checked_div(p.total).unwrap_or(10);
                if !tty {
                    if tenth > last_tenth.swap(tenth, std::sync::atomic::Ordering::Relaxed) || p.traites == p.total {
                        eprintln!("{} / {} lignes", p.traites, p.total);
                    }
                    return;
                }
                let width = 30usize;
                let done = if p.total == 0 { width } else { (p.traites as usize * width) / p.total as usize };
                eprint!("\r[{}{}] {} / {} lignes", "#".repeat(done), " ".repeat(width - done), p.traites, p.total);
            };
            let r = lieux_import::executer(
                &db,
                id,
                bytes,
                lieux_import::Options {
                    user_id: None,
                    territoire: None,
                    geocodeur: geocodeur(geocodage_url.as_deref()),
                    progres: Some(Box::new(bar)),
                    clock: clock.clone(),
                },
            )
            .await;
            eprintln!();
            if let Some(e) = &r.erreur {
                db.close().await;
                anyhow::bail!("{}", e);
            }
            println!(
                "{} : format {}, version {} du standard ; {} lignes : {} créées, {} mises à jour, {} inchangées, {} rejetées ({} ms).",
                file.display(),
                r.format,
                r.version,
                r.total,
                r.crees,
                r.mis_a_jour,
                r.inchanges,
                r.lignes_rejetees,
                r.duree_ms.unwrap_or(0)
            );
            for a in &r.avertissements {
                println!("Avertissement : {a}");
            }
            for rej in &r.rejets {
                println!("Ligne {} (id « {} ») — {} : {}", rej.ligne, rej.id, rej.champ, rej.message);
            }
        }
        LieuxCommand::Export { file, departement } => {
            let deps = match departement {
                Some(d) => Some(
                    carnet_domain::lieux::territoires::parse_departements(&d)
                        .map_err(|e| anyhow::anyhow!("--departement : {e}"))?,
                ),
                None => None,
            };
            let rows = lieux_store::all(&db, deps.as_deref()).await?;
            let mut out = String::new();
            carnet_domain::lieux::export::en_tete(&mut out);
            for r in &rows {
                carnet_domain::lieux::export::ligne(&mut out, &r.standard(), &r.pass());
            }
            std::fs::write(&file, out).with_context(|| format!("écriture de {}", file.display()))?;
            println!("{} lieux exportés dans {} (standard 1.0.2).", rows.len(), file.display());
        }
    }
    db.close().await;
    Ok(())
}

async fn admin(database_url: &str, command: AdminCommand, clock: Clock) -> anyhow::Result<()> {
    if let AdminCommand::Copier { depuis, vers } = &command {
        return copier(depuis, vers).await;
    }
    let db = db::connect(database_url).await?;
    let now = clock.now();
    match command {
        AdminCommand::CreateStructure { nom, siret, commune_insee } => {
            let nom = nom.trim();
            anyhow::ensure!(!nom.is_empty(), "--nom : le nom de la structure est obligatoire");
            if let Some(code) = &commune_insee {
                anyhow::ensure!(
                    carnet_server::store::communes::get(&mut *db.acquire().await?, code).await?.is_some(),
                    "--commune-insee : {code} n'est pas dans la liste officielle des communes"
                );
            }
            let id = users::create_structure(&db, nom, siret.as_deref(), commune_insee.as_deref(), now).await?;
            println!("{id}");
        }
        AdminCommand::CreateOperateur { nom } => {
            let nom = nom.trim();
            anyhow::ensure!(!nom.is_empty() && nom.chars().count() <= 120, "--nom : de 1 à 120 caractères");
            println!("{}", ledger_orgs::create_operateur(&db, nom, now).await?);
        }
        AdminCommand::CreateCommanditaire { nom } => {
            let nom = nom.trim();
            anyhow::ensure!(!nom.is_empty() && nom.chars().count() <= 120, "--nom : de 1 à 120 caractères");
            println!("{}", ledger_orgs::create_commanditaire(&db, nom, now).await?);
        }
        AdminCommand::Rappels { maintenant, envoi } => {
            anyhow::ensure!(maintenant, "--maintenant : dites que l'envoi est pour maintenant");
            let public_url = envoi.public_url("127.0.0.1:8080");
            let canaux = carnet_server::rappels::Canaux {
                mailer: envoi.mailer(&public_url, false)?,
                sms: envoi.sms()?,
                public_url,
            };
            let b = carnet_server::rappels::run_once(&db, &canaux, now).await?;
            println!(
                "{} rappel(s) envoyé(s), {} échec(s), {} retiré(s), {} liste(s) du jour envoyée(s)",
                b.envoyes, b.echecs, b.retires, b.journees
            );
        }
        AdminCommand::LedgerJobs => {
            carnet_server::ledger_jobs::run(&db, now).await;
        }
        AdminCommand::GenererNational { echelle } => {
            let hash = auth::hash_password(&read_password()?)?;
            let g = carnet_server::store::national::generer(&db, echelle, now, &hash).await?;
            for (table, d) in &g.durees {
                println!("  {table:<20} {:>8.1} s", d.as_secs_f64());
            }
            println!(
                "{} structures, {} conseillers, {} bénéficiaires, {} pass, {} séances écrits en {:.1} s",
                g.structures,
                g.conseillers,
                g.beneficiaires,
                g.passes,
                g.seances,
                g.duree.as_secs_f64()
            );
        }
        AdminCommand::VerifierReleves => {
            let n = carnet_server::store::copie::verifier_releves(&mut db.acquire().await?).await?;
            println!("{n} relevé(s) vérifié(s) : chaque empreinte correspond à son contenu.");
        }
        AdminCommand::Copier { .. } => unreachable!("traitée avant d'ouvrir DATABASE_URL"),
        AdminCommand::ApiClient { command: ApiClientCommand::Create { nom, scopes, valid_until, departements } } => {
            let demande = carnet_server::clients_api::Demande {
                nom: &nom,
                scopes: &scopes,
                departements: departements.as_deref(),
                valide_jusqu_au: valid_until.as_deref(),
            };
            let cree = carnet_server::clients_api::creer(&mut *db.acquire().await?, &demande, now).await?;
            println!(
                "Client d'API « {} » créé. Son secret n'est affiché qu'ici : transmettez la ligne suivante \
                 (client_id:secret) par un canal sûr ; il s'envoie en « Authorization: Bearer client_id:secret ».",
                nom.trim()
            );
            println!("{}", cree.identifiants());
        }
        AdminCommand::ApiClient { command: ApiClientCommand::Revoke { id } } => {
            let trouve = carnet_server::store::clients_api::revoquer(&mut *db.acquire().await?, id.trim(), now).await?;
            anyhow::ensure!(trouve, "--id : aucun client d'API {id}");
            println!("Client d'API {id} révoqué.");
        }
        AdminCommand::CreateConseiller { structure_id, email, prenom, nom, role, commanditaire_id, operateur_id } => {
            let role = Role::parse(&role).with_context(|| {
                format!("--role : « {role} » inconnu (conseiller, coordinateur, commanditaire, operateur, hub, admin)")
            })?;
            let email = email.trim().to_lowercase();
            anyhow::ensure!(
                email.contains('@') && !email.starts_with('@') && !email.ends_with('@'),
                "--email : adresse e-mail invalide"
            );
            if let Some(id) = structure_id {
                anyhow::ensure!(users::structure_exists(&db, id).await?, "--structure-id : structure {id} introuvable");
            }
            anyhow::ensure!(
                !matches!(role, Role::Conseiller | Role::Coordinateur) || structure_id.is_some(),
                "--structure-id : un conseiller ou un coordinateur appartient à une structure"
            );
            let password = read_password()?;
            if let Err(m) = passwords::check("Mot de passe", &password, &email) {
                anyhow::bail!(m);
            }
            anyhow::ensure!(
                (role == Role::Commanditaire) == commanditaire_id.is_some(),
                "--commanditaire-id : obligatoire pour un commanditaire, et pour lui seul"
            );
            anyhow::ensure!(
                (role == Role::Operateur) == operateur_id.is_some(),
                "--operateur-id : obligatoire pour un opérateur, et pour lui seul"
            );
            if let Some(id) = commanditaire_id {
                anyhow::ensure!(
                    ledger_orgs::commanditaire_exists(&db, id).await?,
                    "--commanditaire-id : {id} introuvable"
                );
            }
            if let Some(id) = operateur_id {
                anyhow::ensure!(ledger_orgs::operateur_exists(&db, id).await?, "--operateur-id : {id} introuvable");
            }
            let hash = auth::hash_password(&password)?;
            let id = users::create_user(
                &db,
                &NewUser {
                    email: &email,
                    password_hash: &hash,
                    prenom: prenom.trim(),
                    nom: nom.trim(),
                    role,
                    structure_id,
                },
                now,
            )
            .await
            .map_err(|e| match e {
                sqlx::Error::Database(d) if d.is_unique_violation() => {
                    anyhow::anyhow!("--email : un compte existe déjà avec {email}")
                }
                other => other.into(),
            })?;
            if commanditaire_id.is_some() || operateur_id.is_some() {
                ledger_orgs::set_user_organisation(&db, id, commanditaire_id, operateur_id).await?;
            }
            println!("{id}");
        }
        AdminCommand::PublishNotice { version, titre, file } => {
            let texte =
                std::fs::read_to_string(&file).with_context(|| format!("--file : lecture de {}", file.display()))?;
            let notice = carnet_domain::donnees::valider_notice(&carnet_domain::donnees::NouvelleNotice {
                version,
                titre,
                texte,
            })
            .map_err(|e| anyhow::anyhow!(e.into_values().collect::<Vec<_>>().join(" ")))?;
            let id =
                carnet_server::store::donnees::publish_notice(&db, &notice, None, now).await.map_err(|e| match e {
                    sqlx::Error::Database(d) if d.is_unique_violation() => {
                        anyhow::anyhow!("--version : elle existe déjà")
                    }
                    other => other.into(),
                })?;
            println!("{id}");
        }
        AdminCommand::Retention { months, journaux } => {
            let d = journaux.durees(months);
            let b = retention::run(&db, now, &d).await?;
            println!(
                "{} ligne(s) du journal des accès et {} ligne(s) du journal des clients de l'API (plus de {} mois), \
                 {} ligne(s) du journal des modifications (plus de {} mois) effacées",
                b.lignes_journal_acces, b.lignes_journal_clients_api, d.journal_acces, b.lignes_audit, d.audit
            );
            println!(
                "{} bénéficiaire(s) pseudonymisé(s), identité effacée (inactifs depuis {months} mois)",
                b.anonymises
            );
        }
        AdminCommand::CreateHub { email, prenom, nom, departements } => {
            let deps = carnet_domain::lieux::territoires::parse_departements(&departements)
                .map_err(|e| anyhow::anyhow!("--departements : {e}"))?;
            let email = email.trim().to_lowercase();
            anyhow::ensure!(
                email.contains('@') && !email.starts_with('@') && !email.ends_with('@'),
                "--email : adresse e-mail invalide"
            );
            let password = read_password()?;
            if let Err(m) = passwords::check("Mot de passe", &password, &email) {
                anyhow::bail!(m);
            }
            let hash = auth::hash_password(&password)?;
            let id = users::create_user(
                &db,
                &NewUser {
                    email: &email,
                    password_hash: &hash,
                    prenom: prenom.trim(),
                    nom: nom.trim(),
                    role: Role::Hub,
                    structure_id: None,
                },
                now,
            )
            .await
            .map_err(|e| match e {
                sqlx::Error::Database(d) if d.is_unique_violation() => {
                    anyhow::anyhow!("--email : un compte existe déjà avec {email}")
                }
                other => other.into(),
            })?;
            territoires::set(&db, id, &deps).await?;
            println!("{id}");
        }
        AdminCommand::SetTerritoire { email, departements } => {
            let deps = carnet_domain::lieux::territoires::parse_departements(&departements)
                .map_err(|e| anyhow::anyhow!("--departements : {e}"))?;
            let user =
                users::find_by_email(&db, &email).await?.with_context(|| format!("--email : aucun compte {email}"))?;
            anyhow::ensure!(user.role() == Role::Hub, "--email : {email} n'est pas un compte hub");
            territoires::set(&db, user.id, &deps).await?;
            println!("Territoire de {email} : {}", deps.join(", "));
        }
    }
    db.close().await;
    Ok(())
}

/// `admin copier`: both databases opened (and migrated) by this version, then the copy.
async fn copier(depuis: &str, vers: &str) -> anyhow::Result<()> {
    anyhow::ensure!(!db::is_postgres_url(depuis), "--depuis : une base SQLite (sqlite://…) est attendue");
    anyhow::ensure!(db::is_postgres_url(vers), "--vers : une base PostgreSQL (postgres://…) est attendue");
    let fichier = depuis.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let fichier = fichier.split('?').next().unwrap_or(fichier);
    anyhow::ensure!(std::path::Path::new(fichier).is_file(), "--depuis : le fichier {fichier} n'existe pas");
    let (source, cible) = (db::connect(depuis).await?, db::connect(vers).await?);
    let (db::Db::Sqlite(s), db::Db::Pg(p)) = (&source, &cible) else { unreachable!("vérifié ci-dessus") };
    let (mut s, mut p) = (s.acquire().await?, p.acquire().await?);
    let bilan = carnet_server::store::copie::copier(&mut s, &mut p).await?;
    for t in &bilan.tables {
        println!("{:<34} {:>10} ligne(s) {:>8} ms", t.table, t.lignes, t.duree.as_millis());
    }
    let lignes: i64 = bilan.tables.iter().map(|t| t.lignes).sum();
    println!(
        "Copie terminée : {} tables, {lignes} lignes en {:.1} s ; nombres de lignes identiques, {} relevé(s) aux empreintes vérifiées.",
        bilan.tables.len(),
        bilan.duree.as_secs_f64(),
        bilan.releves_verifies
    );
    drop((s, p));
    source.close().await;
    cible.close().await;
    Ok(())
}
