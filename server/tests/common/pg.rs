//! A fresh PostgreSQL database per test, created on the server `CARNET_TEST_PG` names (an
//! administrator's URL, e.g. `postgres://postgres@127.0.0.1:5432/postgres`: `make test` sets it,
//! see scripts/postgres.sh), else on 127.0.0.1:5432. No server is no skip: the test fails and
//! says how to get one.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool};
use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};

pub const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The administrator's URL the test databases are created with.
pub fn admin_url() -> String {
    std::env::var("CARNET_TEST_PG").ok().filter(|u| !u.is_empty()).unwrap_or_else(|| DEFAULT_ADMIN_URL.to_string())
}

/// A database of its own, dropped (with its connections) when this is dropped.
pub struct PgTestDb {
    pub url: String,
    pub name: String,
    admin: PgConnectOptions,
}

impl PgTestDb {
    /// Creates an empty database with a name no other test (or test binary) uses.
    pub async fn new() -> PgTestDb {
        Self::create("template0").await
    }

    /// A database copied from `modele_carnet()`: migrated, communes loaded.
    pub async fn carnet() -> PgTestDb {
        let modele = modele_carnet();
        Self::create(modele).await
    }

    async fn create(template: &str) -> PgTestDb {
        static N: AtomicU32 = AtomicU32::new(0);
        let admin_url = admin_url();
        let admin = PgConnectOptions::from_str(&admin_url).expect("CARNET_TEST_PG : adresse PostgreSQL invalide");
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
        let name = format!("carnet_test_{}_{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed), nanos);
        let mut conn = admin.connect().await.unwrap_or_else(|e| {
            panic!(
                "PostgreSQL injoignable à {admin_url} ({e}). Lancez les tests par `make test-server` \
                 (scripts/postgres.sh en démarre un), ou donnez l'adresse d'un serveur dans CARNET_TEST_PG."
            )
        });
        // template0 and the C collation: text sorts by bytes, as in SQLite, whatever the server's locale.
        sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE {template} ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"))
            .execute(&mut conn)
            .await
            .expect("CREATE DATABASE");
        conn.close().await.ok();
        let url = admin.clone().database(&name).to_url_lossy().to_string();
        PgTestDb { url, name, admin }
    }

    pub async fn pool(&self) -> PgPool {
        PgPoolOptions::new().max_connections(4).connect(&self.url).await.expect("connexion à la base de test")
    }
}

impl Drop for PgTestDb {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        // Drop runs inside the test's runtime, which cannot be blocked on: a thread of its own.
        let dropped = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async move {
                let mut conn: PgConnection = admin.connect().await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await?;
                conn.close().await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("base de test {} non supprimée : {dropped:?}", self.name);
        }
    }
}

/// A database migrated with Carnet's PostgreSQL migrations and the communes loaded, that each
/// test's database is copied from (loading 35,000 communes per test would dominate the run). Its
/// name carries the migrations' checksums: kept between runs, built again when they change;
/// test binaries starting together build it once (an advisory lock).
pub fn modele_carnet() -> &'static str {
    static MODELE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    MODELE.get_or_init(|| {
        std::thread::spawn(|| {
            let rt = tokio::runtime::Runtime::new().unwrap();
            rt.block_on(async {
                use std::hash::{Hash, Hasher};
                let mut h = std::collections::hash_map::DefaultHasher::new();
                for m in carnet_server::db::MIGRATOR_PG.iter() {
                    m.version.hash(&mut h);
                    m.checksum.hash(&mut h);
                }
                let name = format!("carnet_modele_{:016x}", h.finish());
                let admin_url = admin_url();
                let admin =
                    PgConnectOptions::from_str(&admin_url).expect("CARNET_TEST_PG : adresse PostgreSQL invalide");
                let mut conn = admin.connect().await.unwrap_or_else(|e| {
                    panic!(
                        "PostgreSQL injoignable à {admin_url} ({e}). Lancez les tests par `make test-server` \
                         (scripts/postgres.sh en démarre un), ou donnez l'adresse d'un serveur dans CARNET_TEST_PG."
                    )
                });
                sqlx::query("SELECT pg_advisory_lock(74220512)").execute(&mut conn).await.unwrap();
                let (exists,): (bool,) = sqlx::query_as("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                    .bind(&name)
                    .fetch_one(&mut conn)
                    .await
                    .unwrap();
                if !exists {
                    let building = format!("{name}_construction");
                    sqlx::query(&format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
                        .execute(&mut conn)
                        .await
                        .unwrap();
                    sqlx::query(&format!(
                        "CREATE DATABASE {building} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
                    ))
                    .execute(&mut conn)
                    .await
                    .unwrap();
                    let url = admin.clone().database(&building).to_url_lossy().to_string();
                    let db = carnet_server::db::connect(&url).await.expect("base modèle PostgreSQL");
                    db.close().await;
                    // Renamed once complete: a run stopped midway leaves no half-built model.
                    // The server ends the closed pool's sessions a moment after they hang up.
                    let mut essais = 0;
                    while let Err(e) =
                        sqlx::query(&format!("ALTER DATABASE {building} RENAME TO {name}")).execute(&mut conn).await
                    {
                        essais += 1;
                        assert!(essais < 50, "base modèle {building} : {e}");
                        // Under load those sessions can take seconds to go: ended here instead.
                        sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
                            .bind(&building)
                            .execute(&mut conn)
                            .await
                            .ok();
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    }
                }
                sqlx::query("SELECT pg_advisory_unlock(74220512)").execute(&mut conn).await.unwrap();
                conn.close().await.ok();
                name
            })
        })
        .join()
        .unwrap()
    })
}
