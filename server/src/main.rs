//! The `carnet-server` command: serve the app and its API, administer accounts, prepare assets.

use anyhow::Context;
use carnet_domain::api::Role;
use carnet_server::store::ledger::orgs as ledger_orgs;
use carnet_server::store::users::{self, NewUser};
use carnet_server::{app, auth, db, seed, web, AppState, Config};
use chrono::{Duration, Utc};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::BufRead;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Parser)]
#[command(name = "carnet-server", version, about = "Carnet : le serveur (API, base de données, application)")]
struct Cli {
    /// Database address; the SQLite file and its folder are created if missing.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://data/carnet.db", global = true)]
    database_url: String,

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
    /// Mark the session cookie `Secure` (set it when served over https).
    #[arg(long, env = "CARNET_SECURE_COOKIE")]
    secure_cookie: bool,
    /// Minutes of inactivity after which a session ends.
    #[arg(long, env = "CARNET_SESSION_IDLE_MINUTES", default_value_t = 60)]
    session_idle_minutes: i64,
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
    /// Run the ledger's scheduled work now: expire passes past validity plus grace, issue last
    /// month's statements. Safe to run at any time, and twice.
    LedgerJobs,
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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logs(cli.log_format);
    match cli.command {
        None => serve(&cli.database_url, cli.serve).await,
        Some(Command::Admin { command }) => admin(&cli.database_url, command).await,
        Some(Command::Precompress { dir }) => {
            let (raw, br, gz) = web::precompress(&dir)?;
            println!("{} : {raw} octets, {br} en brotli, {gz} en gzip", dir.display());
            Ok(())
        }
    }
}

async fn serve(database_url: &str, args: ServeArgs) -> anyhow::Result<()> {
    let db = db::connect(database_url).await?;
    if args.demo {
        seed::seed_demo_if_new(&db).await?;
    }
    let dist = args.dist.join("index.html").exists().then(|| args.dist.clone());
    if dist.is_none() {
        tracing::warn!(dist = %args.dist.display(), "application non construite : seule l'API est servie");
    }
    let config = Config {
        secure_cookie: args.secure_cookie,
        session_idle: Duration::minutes(args.session_idle_minutes.max(1)),
        dist_dir: dist,
        ..Config::default()
    };
    let state = AppState { db: db.clone(), config: Arc::new(config) };
    tokio::spawn(housekeeping(state.clone()));

    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("impossible d'écouter sur {}", args.listen))?;
    tracing::info!("Carnet écoute sur http://{}", listener.local_addr()?);
    axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    db.close().await;
    tracing::info!("arrêt propre");
    Ok(())
}

/// Periodic cleanup of ended sessions and old failed-login records, and the ledger's jobs.
async fn housekeeping(state: AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        tick.tick().await;
        let now = Utc::now();
        let c = &state.config;
        if let Err(e) = users::purge_sessions(&state.db, now - c.session_idle, now - c.session_max).await {
            tracing::warn!(error = %e, "nettoyage des sessions");
        }
        if let Err(e) = users::purge_failures(&state.db, now - c.login_window).await {
            tracing::warn!(error = %e, "nettoyage des échecs de connexion");
        }
        carnet_server::ledger_jobs::run(&state.db, now).await;
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

async fn admin(database_url: &str, command: AdminCommand) -> anyhow::Result<()> {
    let db = db::connect(database_url).await?;
    let now = Utc::now();
    match command {
        AdminCommand::CreateStructure { nom, siret, commune_insee } => {
            let nom = nom.trim();
            anyhow::ensure!(!nom.is_empty(), "--nom : le nom de la structure est obligatoire");
            if let Some(code) = &commune_insee {
                anyhow::ensure!(
                    carnet_server::store::communes::get(&db, code).await?.is_some(),
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
        AdminCommand::LedgerJobs => {
            carnet_server::ledger_jobs::run(&db, now).await;
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
            anyhow::ensure!(
                (role == Role::Commanditaire) == commanditaire_id.is_some(),
                "--commanditaire-id : obligatoire pour un commanditaire, et pour lui seul"
            );
            anyhow::ensure!(
                (role == Role::Operateur) == operateur_id.is_some(),
                "--operateur-id : obligatoire pour un opérateur, et pour lui seul"
            );
            if let Some(id) = commanditaire_id {
                anyhow::ensure!(ledger_orgs::commanditaire_exists(&db, id).await?, "--commanditaire-id : {id} introuvable");
            }
            if let Some(id) = operateur_id {
                anyhow::ensure!(ledger_orgs::operateur_exists(&db, id).await?, "--operateur-id : {id} introuvable");
            }
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
            let hash = auth::hash_password(&password)?;
            let id = users::create_user(
                &db,
                &NewUser { email: &email, password_hash: &hash, prenom: prenom.trim(), nom: nom.trim(), role, structure_id },
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
    }
    db.close().await;
    Ok(())
}
