//! The ledger's money rules with several server instances on one database: each "instance" is a
//! pool of its own on the same database (PostgreSQL: a fresh database per test; SQLite: one file
//! shared by two pools), and they act at the same moment. What must hold on both backends: one
//! statement per structure and month, one credit per expired pass, one of two transitions of a
//! statement, and a background job run by one instance at a time.

mod common;

use carnet_domain::ledger::etats::{ReleveEtat, ReleveEvenement};
use carnet_domain::ledger::releve::Mois;
use carnet_server::error::AppError;
use carnet_server::store::conn::{Conn, Split};
use carnet_server::store::ledger::{expiration, releves};
use carnet_server::store::verrous;
use chrono::{DateTime, NaiveDate, Utc};
use common::pg::PgTestDb;
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use std::time::{Duration, Instant};

/// `n` structures, each with one carnet of an active, paid order of one opérateur: one pass of
/// each carnet validated in October 2026, four left. The same SQL text on both backends.
fn monde(n: usize) -> String {
    let t = "'2026-09-01T09:00:00+00:00'";
    let mut sql = format!(
        "INSERT INTO structures (id, nom, created_at) VALUES (1, 'Structure 1', {t});
         INSERT INTO users (id, email, password_hash, prenom, nom, role, structure_id, created_at)
             VALUES (1, 'c@x.fr', '', 'Camille', 'Martin', 'conseiller', 1, {t});
         INSERT INTO operateurs (id, nom, created_at) VALUES (1, 'Opérateur', {t});
         INSERT INTO commanditaires (id, nom, created_at) VALUES (1, 'Département', {t});
         INSERT INTO commandes (id, reference, commanditaire_id, operateur_id, etat, nb_carnets, nb_passes,
                                valeur_faciale_centimes, fin_validite, jours_grace, date_limite, paiement_at,
                                created_by, created_at)
             VALUES (1, 'CMD-1', 1, 1, 'active', {n}, 5, 1000, '2026-10-31', 0, '2026-10-31', {t}, 1, {t});"
    );
    for s in 1..=n {
        if s > 1 {
            sql += &format!("INSERT INTO structures (id, nom, created_at) VALUES ({s}, 'Structure {s}', {t});");
        }
        sql += &format!(
            "INSERT INTO carnets (id, numero, nb_passes, valeur_faciale_centimes, fin_validite, etat, structure_id,
                                  commanditaire_nom, canal_reception, date_reception, created_at, commande_id, rang_commande)
                 VALUES ({s}, 'C-{s}', 5, 1000, '2026-10-31', 'entame', {s}, 'Département', 'conseiller_numerique',
                         '2026-09-01', {t}, 1, {s});"
        );
        for r in 1..=5 {
            let etat = if r == 1 { "valide" } else { "distribue" };
            sql += &format!(
                "INSERT INTO passes (id, carnet_id, rang, code, etat, valeur_centimes)
                     VALUES ({}, {s}, {r}, 'P-{s}-{r}', '{etat}', 1000);",
                (s - 1) * 5 + r
            );
        }
        sql += &format!(
            "INSERT INTO pass_validations (id, pass_id, carnet_id, commande_id, commanditaire_id, operateur_id,
                                           structure_id, seance_cle, valeur_centimes, mois, jour, validated_at, validated_by)
                 VALUES ({s}, {}, {s}, 1, 1, 1, {s}, 'seance:{s}', 1000, '2026-10', '2026-10-15',
                         '2026-10-15T10:00:00+00:00', 1);",
            (s - 1) * 5 + 1
        );
    }
    sql
}

fn now() -> DateTime<Utc> {
    "2026-11-05T03:00:00Z".parse().unwrap()
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 5).unwrap()
}

fn octobre() -> Mois {
    Mois::of(NaiveDate::from_ymd_opt(2026, 10, 1).unwrap())
}

/// One server instance: its own pool on the shared database.
#[derive(Clone)]
enum Instance {
    Lite(SqlitePool),
    Pg(PgPool),
}

/// A transaction of one instance, as the server's handlers and jobs hold them.
enum Tx {
    Lite(Transaction<'static, Sqlite>),
    Pg(Transaction<'static, Postgres>),
}

impl Conn for Tx {
    fn split(&mut self) -> Split<'_> {
        match self {
            Tx::Lite(t) => t.split(),
            Tx::Pg(t) => t.split(),
        }
    }
}

impl Tx {
    async fn commit(self) {
        match self {
            Tx::Lite(t) => t.commit().await.unwrap(),
            Tx::Pg(t) => t.commit().await.unwrap(),
        }
    }
}

impl Instance {
    /// A write transaction, as `db::begin_write` opens them.
    async fn ecrire(&self) -> Tx {
        match self {
            Instance::Lite(p) => Tx::Lite(p.begin_with("BEGIN IMMEDIATE").await.unwrap()),
            Instance::Pg(p) => Tx::Pg(p.begin().await.unwrap()),
        }
    }

    /// A transaction that writes nothing: a job's claim.
    async fn temoin(&self) -> Tx {
        match self {
            Instance::Lite(p) => Tx::Lite(p.begin().await.unwrap()),
            Instance::Pg(p) => Tx::Pg(p.begin().await.unwrap()),
        }
    }

    async fn compter(&self, sql: &str) -> i64 {
        match self {
            Instance::Lite(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
            Instance::Pg(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
        }
    }

    /// What `releves::emettre_mois` does: the structures to list, then one transaction each.
    /// Returns (issued, already issued).
    async fn emettre_octobre(&self) -> (i64, i64) {
        let structures = {
            let mut tx = self.temoin().await;
            let s = releves::a_emettre(&mut tx, 1).await.unwrap();
            tx.commit().await;
            s
        };
        let (mut emis, mut deja) = (0, 0);
        for s in structures {
            let mut tx = self.ecrire().await;
            match releves::emettre(&mut tx, 1, s, octobre(), None, now()).await.unwrap() {
                releves::Emission::Emis { .. } => emis += 1,
                releves::Emission::DejaEmis => deja += 1,
                releves::Emission::Rien => {}
            }
            tx.commit().await;
        }
        (emis, deja)
    }

    /// What `expiration::run` does, with the job's claim or without it.
    async fn expirer(&self, avec_tache: bool) -> expiration::Rapport {
        let mut tache = self.temoin().await;
        if avec_tache && !verrous::prendre_tache(&mut tache, "expiration").await.unwrap() {
            return expiration::Rapport::default();
        }
        let ids = {
            let mut tx = self.temoin().await;
            let ids = expiration::a_expirer(&mut tx, today()).await.unwrap();
            tx.commit().await;
            ids
        };
        let mut total = expiration::Rapport::default();
        for id in ids {
            let mut tx = self.ecrire().await;
            let r = expiration::expirer(&mut tx, id, today(), now()).await.unwrap();
            // Long enough for the other instance to reach the same order meanwhile.
            tokio::time::sleep(Duration::from_millis(100)).await;
            tx.commit().await;
            total.passes += r.passes;
            total.avoirs += r.avoirs;
            total.avoir_centimes += r.avoir_centimes;
            total.commandes += r.commandes;
            total.carnets += r.carnets;
        }
        tache.commit().await;
        total
    }
}

impl Instance {
    /// Runs test data SQL with explicit ids; on PostgreSQL, moves the identities past them (an
    /// explicit id does not advance them, the next insert would take it again).
    async fn semer(&self, sql: &str) {
        match self {
            Instance::Lite(p) => sqlx::raw_sql(sql).execute(p).await.map(|_| ()).unwrap(),
            Instance::Pg(p) => {
                sqlx::raw_sql(sql).execute(p).await.unwrap();
                for table in [
                    "structures",
                    "users",
                    "operateurs",
                    "commanditaires",
                    "commandes",
                    "carnets",
                    "passes",
                    "pass_validations",
                    "beneficiaires",
                ] {
                    sqlx::query(&format!(
                        "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, FALSE) FROM {table}"
                    ))
                    .execute(p)
                    .await
                    .unwrap();
                }
            }
        }
    }
}

/// Two instances on a fresh PostgreSQL database.
async fn pg(base: &PgTestDb, n: usize) -> (Instance, Instance) {
    let a = base.pool().await;
    carnet_server::db::MIGRATOR_PG.run(&a).await.unwrap();
    let a = Instance::Pg(a);
    a.semer(&monde(n)).await;
    (a, Instance::Pg(base.pool().await))
}

/// Two instances on one SQLite file, opened as the server opens it (WAL, busy timeout).
async fn lite(dir: &tempfile::TempDir, n: usize) -> (Instance, Instance) {
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let sqlite = |db| match db {
        carnet_server::Db::Sqlite(p) => p,
        carnet_server::Db::Pg(_) => unreachable!("a sqlite:// URL"),
    };
    let a = sqlite(carnet_server::db::connect(&url).await.unwrap());
    sqlx::raw_sql(&monde(n)).execute(&a).await.unwrap();
    let b = sqlite(carnet_server::db::connect(&url).await.unwrap());
    (Instance::Lite(a), Instance::Lite(b))
}

async fn one_statement_per_structure(a: Instance, b: Instance, n: i64) {
    let (ra, rb) = tokio::join!(a.emettre_octobre(), b.emettre_octobre());
    assert_eq!(ra.0 + rb.0, n, "each structure's statement issued once: {ra:?} {rb:?}");
    assert_eq!(a.compter("SELECT COUNT(*) FROM releves").await, n);
    assert_eq!(a.compter("SELECT COUNT(DISTINCT structure_id) FROM releves").await, n);
    assert_eq!(a.compter("SELECT COUNT(*) FROM pass_validations WHERE releve_id IS NULL").await, 0);
    assert_eq!(a.compter("SELECT CAST(SUM(total_centimes) AS BIGINT) FROM releves").await, n * 1000);
    assert_eq!(a.compter("SELECT COUNT(*) FROM audit_log WHERE entity = 'releve'").await, n);
}

#[tokio::test]
async fn two_instances_issuing_the_same_month_on_postgresql_issue_one_statement_per_structure() {
    let base = PgTestDb::new().await;
    let (a, b) = pg(&base, 20).await;
    one_statement_per_structure(a, b, 20).await;
}

#[tokio::test]
async fn two_instances_issuing_the_same_month_on_sqlite_issue_one_statement_per_structure() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = lite(&dir, 20).await;
    one_statement_per_structure(a, b, 20).await;
}

async fn one_credit(a: Instance, b: Instance, n: i64, avec_tache: bool) {
    let (ra, rb) = tokio::join!(a.expirer(avec_tache), b.expirer(avec_tache));
    assert_eq!(ra.passes + rb.passes, 4 * n, "{ra:?} {rb:?}");
    assert_eq!(ra.avoirs + rb.avoirs, 1, "{ra:?} {rb:?}");
    assert_eq!(ra.commandes + rb.commandes, 1, "{ra:?} {rb:?}");
    assert_eq!(a.compter("SELECT COUNT(*) FROM avoirs").await, 1);
    assert_eq!(a.compter("SELECT CAST(SUM(montant_centimes) AS BIGINT) FROM avoirs").await, 4 * n * 1000);
    assert_eq!(a.compter("SELECT COUNT(*) FROM passes WHERE etat = 'expire'").await, 4 * n);
    assert_eq!(a.compter("SELECT COUNT(*) FROM carnets WHERE etat = 'expire'").await, n);
    assert_eq!(a.compter("SELECT COUNT(*) FROM audit_log WHERE entity = 'commande' AND action = 'expiree'").await, 1);
    assert_eq!(a.compter("SELECT COUNT(*) FROM audit_log WHERE entity = 'pass' AND action = 'expire'").await, 4 * n);
    // Run again: nothing left.
    assert!(a.expirer(avec_tache).await.is_empty());
}

/// Without the job's claim (two instances whose ticks overlap anyway): the order's row lock and
/// the guarded update of its passes give one credit.
#[tokio::test]
async fn two_expiries_at_once_on_postgresql_credit_once() {
    let base = PgTestDb::new().await;
    let (a, b) = pg(&base, 10).await;
    one_credit(a, b, 10, false).await;
}

#[tokio::test]
async fn two_expiry_jobs_at_once_on_postgresql_run_once() {
    let base = PgTestDb::new().await;
    let (a, b) = pg(&base, 10).await;
    one_credit(a, b, 10, true).await;
}

#[tokio::test]
async fn two_expiries_at_once_on_sqlite_credit_once() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = lite(&dir, 10).await;
    one_credit(a.clone(), b.clone(), 10, false).await;
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = lite(&dir, 10).await;
    one_credit(a, b, 10, true).await;
}

async fn one_transition_wins(a: Instance, b: Instance) {
    let (emis, _) = a.emettre_octobre().await;
    assert_eq!(emis, 1);
    let id = a.compter("SELECT id FROM releves").await;
    let envoyer = |i: Instance| async move {
        let mut tx = i.ecrire().await;
        let r = releves::transition(&mut tx, id, 1, ReleveEvenement::Envoyer, 1, now()).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        tx.commit().await;
        r
    };
    let (ra, rb) = tokio::join!(envoyer(a.clone()), envoyer(b));
    let results = [ra, rb];
    assert_eq!(results.iter().filter(|r| matches!(r, Ok(ReleveEtat::Envoye))).count(), 1, "{results:?}");
    assert_eq!(results.iter().filter(|r| matches!(r, Err(AppError::Conflict(_)))).count(), 1, "{results:?}");
    assert_eq!(a.compter("SELECT COUNT(*) FROM audit_log WHERE entity = 'releve' AND action = 'envoyer'").await, 1);
}

#[tokio::test]
async fn two_sends_of_one_statement_at_once_on_postgresql_one_is_refused() {
    let base = PgTestDb::new().await;
    let (a, b) = pg(&base, 1).await;
    one_transition_wins(a, b).await;
}

#[tokio::test]
async fn two_sends_of_one_statement_at_once_on_sqlite_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = lite(&dir, 1).await;
    one_transition_wins(a, b).await;
}

/// A job's claim on PostgreSQL: one instance at a time; free again when the holder commits, and
/// when its connection dies mid-job (a crashed instance never blocks the others).
#[tokio::test]
async fn a_job_is_claimed_by_one_instance_at_a_time_on_postgresql() {
    let base = PgTestDb::new().await;
    let (a, b) = pg(&base, 1).await;
    let mut ta = a.temoin().await;
    assert!(verrous::prendre_tache(&mut ta, "expiration").await.unwrap());
    let mut tb = b.temoin().await;
    assert!(!verrous::prendre_tache(&mut tb, "expiration").await.unwrap(), "held by the other instance");
    assert!(verrous::prendre_tache(&mut tb, "releves").await.unwrap(), "another job is free");
    tb.commit().await;
    ta.commit().await;
    let mut tb = b.temoin().await;
    assert!(verrous::prendre_tache(&mut tb, "expiration").await.unwrap(), "free once committed");
    tb.commit().await;

    // An instance that dies holding the claim: its connection closes, the claim goes with it.
    let mut mourant: sqlx::PgConnection = sqlx::Connection::connect(&base.url).await.unwrap();
    let mut tx = sqlx::Connection::begin(&mut mourant).await.unwrap();
    assert!(verrous::prendre_tache(&mut *tx, "expiration").await.unwrap());
    std::mem::forget(tx);
    drop(mourant);
    let debut = Instant::now();
    loop {
        let mut tb = b.temoin().await;
        let pris = verrous::prendre_tache(&mut tb, "expiration").await.unwrap();
        tb.commit().await;
        if pris {
            break;
        }
        assert!(debut.elapsed() < Duration::from_secs(5), "the dead instance's claim was not released");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The server's own job functions (`expiration::run`, `releves::emettre_mois_precedent`) on SQLite,
/// twice at once: the work is done once.
#[tokio::test]
async fn the_ledger_jobs_twice_at_once_on_sqlite_do_the_work_once() {
    let dir = tempfile::tempdir().unwrap();
    let (Instance::Lite(a), Instance::Lite(b)) = lite(&dir, 5).await else { unreachable!() };
    let (a, b) = (carnet_server::Db::Sqlite(a), carnet_server::Db::Sqlite(b));
    let (ra, rb) = tokio::join!(releves::emettre_mois_precedent(&a, now()), releves::emettre_mois_precedent(&b, now()));
    assert_eq!(ra.unwrap() + rb.unwrap(), 5);
    let (ra, rb) = tokio::join!(expiration::run(&a, today(), now()), expiration::run(&b, today(), now()));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!((ra.avoirs + rb.avoirs, ra.passes + rb.passes), (1, 20));
}

/// Figures, not a timed test: `cargo test -p carnet-server --test ledger_backends -- --ignored
/// --nocapture mesures`. The statements of October for `n` structures (one transaction each),
/// then the expiry of one order of `n` carnets (4 × `n` passes, one transaction), on each backend:
/// by one instance; by two instances at once through the opérateur's path (no job turn: each
/// structure waits for the other instance's statement, then finds it issued); by two instances
/// at once through the server's jobs (`emettre_mois_precedent`, `expiration::run`: one runs them,
/// the other skips).
#[tokio::test]
#[ignore]
async fn mesures() {
    let n: usize = std::env::var("CARNET_MESURE_N").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let db = |i: &Instance| match i {
        Instance::Lite(p) => carnet_server::Db::Sqlite(p.clone()),
        Instance::Pg(p) => carnet_server::Db::Pg(p.clone()),
    };
    for mode in ["1 instance", "2 instances, opérateur", "2 instances, tâches"] {
        for backend in ["SQLite", "PostgreSQL"] {
            let dir = tempfile::tempdir().unwrap();
            let base = PgTestDb::new().await;
            let (a, b) = if backend == "SQLite" { lite(&dir, n).await } else { pg(&base, n).await };
            let (da, dbb) = (db(&a), db(&b));
            let debut = Instant::now();
            match mode {
                "1 instance" => {
                    a.emettre_octobre().await;
                }
                "2 instances, opérateur" => {
                    tokio::join!(a.emettre_octobre(), b.emettre_octobre());
                }
                _ => {
                    let (ra, rb) = tokio::join!(
                        releves::emettre_mois_precedent(&da, now()),
                        releves::emettre_mois_precedent(&dbb, now())
                    );
                    ra.unwrap();
                    rb.unwrap();
                }
            }
            let releves = debut.elapsed().as_secs_f64() * 1000.0;
            let debut = Instant::now();
            if mode == "1 instance" {
                expiration::run(&da, today(), now()).await.unwrap();
            } else {
                let (ra, rb) =
                    tokio::join!(expiration::run(&da, today(), now()), expiration::run(&dbb, today(), now()));
                ra.unwrap();
                rb.unwrap();
            }
            let expiration = debut.elapsed().as_secs_f64() * 1000.0;
            let nb = a.compter("SELECT COUNT(*) FROM releves").await;
            assert_eq!(nb, n as i64);
            assert_eq!(a.compter("SELECT COUNT(*) FROM avoirs").await, 1);
            println!(
                "{backend:<10} {mode:<23}: {nb} relevés {releves:>7.0} ms ({:.2} ms/relevé) ; expiration de {} pass {expiration:>5.0} ms",
                releves / nb as f64,
                a.compter("SELECT COUNT(*) FROM passes WHERE etat = 'expire'").await,
            );
        }
    }
}

/// A second order of 10 carnets still with the commanditaire, whose opérateur accredited
/// structure 1.
const COMMANDE_2: &str = "
    INSERT INTO commandes (id, reference, commanditaire_id, operateur_id, etat, nb_carnets, nb_passes,
                           valeur_faciale_centimes, fin_validite, jours_grace, date_limite, paiement_at,
                           created_by, created_at)
        VALUES (2, 'CMD-2', 1, 1, 'active', 10, 5, 1000, '2027-10-31', 0, '2027-10-31', '2026-09-01T09:00:00+00:00',
                1, '2026-09-01T09:00:00+00:00');
    INSERT INTO structure_agrements (structure_id, operateur_id, etat, decided_at)
        VALUES (1, 1, 'actif', '2026-09-01T09:00:00+00:00');";

async fn overlapping_lots(a: Instance, b: Instance) {
    let mut sql = COMMANDE_2.to_string();
    for r in 1..=10 {
        sql += &format!(
            "INSERT INTO carnets (id, numero, nb_passes, valeur_faciale_centimes, fin_validite, etat,
                                  commanditaire_nom, canal_reception, date_reception, created_at, commande_id, rang_commande)
                 VALUES ({}, 'D-{r}', 5, 1000, '2027-10-31', 'disponible', 'Département', '', '2026-09-01',
                         '2026-09-01T09:00:00+00:00', 2, {r});",
            100 + r
        );
    }
    a.semer(&sql).await;
    let confier = |i: Instance, premier: i64, dernier: i64| async move {
        let lot = carnet_server::store::ledger::lots::LotStructure {
            commande_id: 2,
            structure_id: 1,
            premier,
            dernier,
            accord_reference: "ACC".into(),
            accord_date: today(),
        };
        let mut tx = i.ecrire().await;
        let r = carnet_server::store::ledger::lots::confier_structure(&mut tx, 1, &lot, 1, now()).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        tx.commit().await;
        r
    };
    let (ra, rb) = tokio::join!(confier(a.clone(), 1, 6), confier(b, 5, 10));
    let results = [ra, rb];
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert_eq!(results.iter().filter(|r| matches!(r, Err(AppError::Validation(_)))).count(), 1, "{results:?}");
    assert_eq!(a.compter("SELECT COUNT(*) FROM lots").await, 1);
    assert_eq!(a.compter("SELECT COUNT(*) FROM carnets WHERE commande_id = 2 AND etat = 'confie_structure'").await, 6);
}

/// Two lots of overlapping runs entrusted at once: one is made, the other is refused as runs
/// already entrusted (a refusal the commanditaire reads, not a server error).
#[tokio::test]
async fn two_overlapping_lots_at_once_on_postgresql_one_is_refused() {
    let base = PgTestDb::new().await;
    let (a, b) = pg(&base, 1).await;
    overlapping_lots(a, b).await;
}

#[tokio::test]
async fn two_overlapping_lots_at_once_on_sqlite_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = lite(&dir, 1).await;
    overlapping_lots(a, b).await;
}

/// What `commandes::generer` does, by lots of 2 carnets per transaction, codes from `seed`.
async fn generer(i: Instance, seed: u8) -> u32 {
    let mut n = 0u32;
    let mut next = move || {
        n += 1;
        let b = n.to_be_bytes();
        carnet_domain::PassCode::from_random([seed, b[2] % 30, b[3] % 30, (b[3] / 30) % 30, 4, 5, 6, 7, 8, 9, 10])
    };
    let mut lots = 0;
    loop {
        let mut tx = i.ecrire().await;
        let fini =
            carnet_server::store::ledger::commandes::generer_lot(&mut tx, 3, 2, None, now(), &mut next).await.unwrap();
        tokio::time::sleep(Duration::from_millis(30)).await;
        tx.commit().await;
        lots += 1;
        if fini {
            return lots;
        }
    }
}

async fn generated_once(a: Instance, b: Instance) {
    let sql = "INSERT INTO commandes (id, reference, commanditaire_id, operateur_id, etat, en_generation, nb_carnets,
                                      nb_passes, valeur_faciale_centimes, fin_validite, jours_grace, date_limite,
                                      created_by, created_at)
                   VALUES (3, 'CMD-3', 1, 1, 'attente_paiement', TRUE, 9, 5, 1000, '2027-10-31', 0, '2027-10-31', 1,
                           '2026-09-01T09:00:00+00:00')";
    a.semer(sql).await;
    tokio::join!(generer(a.clone(), 1), generer(b, 2));
    assert_eq!(a.compter("SELECT COUNT(*) FROM carnets WHERE commande_id = 3").await, 9);
    assert_eq!(a.compter("SELECT COUNT(DISTINCT rang_commande) FROM carnets WHERE commande_id = 3").await, 9);
    assert_eq!(
        a.compter("SELECT COUNT(*) FROM passes p JOIN carnets c ON c.id = p.carnet_id WHERE c.commande_id = 3").await,
        45
    );
    assert_eq!(a.compter("SELECT COUNT(*) FROM commandes WHERE id = 3 AND en_generation = FALSE").await, 1);
    assert_eq!(a.compter("SELECT COUNT(*) FROM audit_log WHERE entity = 'commande' AND action = 'generee'").await, 1);
    assert_eq!(a.compter("SELECT COUNT(*) FROM audit_log WHERE entity = 'carnet' AND action = 'emis'").await, 9);
}

/// Two instances resuming one order's generation at once (both started after a stop): they take
/// turns, every carnet is made once, the order is completed once.
#[tokio::test]
async fn two_instances_resuming_one_generation_on_postgresql_make_each_carnet_once() {
    let base = PgTestDb::new().await;
    let (a, b) = pg(&base, 1).await;
    generated_once(a, b).await;
}

#[tokio::test]
async fn two_instances_resuming_one_generation_on_sqlite_make_each_carnet_once() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = lite(&dir, 1).await;
    generated_once(a, b).await;
}

/// What `retention::run_once` does: the job's turn, the people to anonymise, one transaction each.
async fn conserver(i: Instance, avec_tache: bool) -> usize {
    let mut tache = i.temoin().await;
    if avec_tache && !verrous::prendre_tache(&mut tache, "conservation").await.unwrap() {
        return 0;
    }
    let cutoff = carnet_server::retention::cutoff(now(), 12);
    let ids = {
        let mut tx = i.temoin().await;
        let ids = carnet_server::store::donnees::expired(&mut tx, cutoff).await.unwrap();
        tx.commit().await;
        ids
    };
    let mut done = 0;
    for id in ids {
        let mut tx = i.ecrire().await;
        let m = carnet_server::store::donnees::Motif::Conservation;
        if carnet_server::store::donnees::anonymise(&mut tx, id, now(), m, None).await.unwrap() {
            done += 1;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        tx.commit().await;
    }
    tache.commit().await;
    done
}

async fn anonymised_once(a: Instance, b: Instance, avec_tache: bool) {
    let mut sql = String::new();
    for id in 1..=20 {
        sql += &format!(
            "INSERT INTO beneficiaires (id, structure_id, prenom, prenom_normalise, created_by, created_at, updated_at)
                 VALUES ({id}, 1, 'Lou', 'lou', 1, '2024-01-01T09:00:00+00:00', '2024-01-01T09:00:00+00:00');"
        );
    }
    a.semer(&sql).await;
    let (na, nb) = tokio::join!(conserver(a.clone(), avec_tache), conserver(b, avec_tache));
    assert_eq!(na + nb, 20);
    if avec_tache {
        assert!(na == 0 || nb == 0, "one instance ran the job: {na} {nb}");
    }
    assert_eq!(a.compter("SELECT COUNT(*) FROM beneficiaires WHERE anonymise_at IS NOT NULL").await, 20);
    assert_eq!(a.compter("SELECT COUNT(*) FROM audit_log WHERE action = 'anonymise'").await, 20);
}

#[tokio::test]
async fn two_retention_runs_at_once_on_postgresql_anonymise_each_person_once() {
    let base = PgTestDb::new().await;
    let (a, b) = pg(&base, 1).await;
    anonymised_once(a, b, true).await;
    let base = PgTestDb::new().await;
    let (a, b) = pg(&base, 1).await;
    anonymised_once(a, b, false).await;
}

#[tokio::test]
async fn two_retention_runs_at_once_on_sqlite_anonymise_each_person_once() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = lite(&dir, 1).await;
    anonymised_once(a, b, false).await;
}

async fn one_accreditation(a: Instance, b: Instance) {
    let agreer = |i: Instance| async move {
        let mut tx = i.ecrire().await;
        let r = carnet_server::store::ledger::orgs::set_agrement(&mut tx, 1, 1, true, None, 1, now()).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        tx.commit().await;
        r
    };
    let (ra, rb) = tokio::join!(agreer(a.clone()), agreer(b));
    let results = [ra, rb];
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert_eq!(results.iter().filter(|r| matches!(r, Err(AppError::Conflict(_)))).count(), 1, "{results:?}");
    assert_eq!(a.compter("SELECT COUNT(*) FROM audit_log WHERE action = 'agrement_accorde'").await, 1);
}

/// An opérateur's two tabs accrediting one structure at once: one decision, one refusal.
#[tokio::test]
async fn two_accreditations_of_one_structure_at_once_on_postgresql_one_is_refused() {
    let base = PgTestDb::new().await;
    let (a, b) = pg(&base, 1).await;
    one_accreditation(a, b).await;
}

#[tokio::test]
async fn two_accreditations_of_one_structure_at_once_on_sqlite_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = lite(&dir, 1).await;
    one_accreditation(a, b).await;
}

/// The server's own jobs on two instances of one PostgreSQL database, each twice at once: the
/// statements, the expiry (one credit), the retention and the resumption of a generation are
/// done once, and a second run at once finds its turn taken or nothing left.
#[tokio::test]
async fn the_servers_jobs_twice_at_once_on_postgresql_do_the_work_once() {
    let base = PgTestDb::new().await;
    let (Instance::Pg(a), Instance::Pg(b)) = pg(&base, 5).await else { unreachable!() };
    let (ia, ib) = (Instance::Pg(a.clone()), Instance::Pg(b.clone()));
    let (a, b) = (carnet_server::Db::Pg(a), carnet_server::Db::Pg(b));

    let (ra, rb) = tokio::join!(releves::emettre_mois_precedent(&a, now()), releves::emettre_mois_precedent(&b, now()));
    assert_eq!(ra.unwrap() + rb.unwrap(), 5);
    assert_eq!(ia.compter("SELECT COUNT(*) FROM releves").await, 5);

    let (ra, rb) = tokio::join!(expiration::run(&a, today(), now()), expiration::run(&b, today(), now()));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!((ra.avoirs + rb.avoirs, ra.passes + rb.passes), (1, 20), "{ra:?} {rb:?}");
    assert_eq!(ia.compter("SELECT CAST(SUM(montant_centimes) AS BIGINT) FROM avoirs").await, 20_000);

    let mut sql = String::new();
    for id in 1..=10 {
        sql += &format!(
            "INSERT INTO beneficiaires (id, structure_id, prenom, prenom_normalise, created_by, created_at, updated_at)
                 VALUES ({id}, 1, 'Lou', 'lou', 1, '2024-01-01T09:00:00+00:00', '2024-01-01T09:00:00+00:00');"
        );
    }
    sql += "INSERT INTO commandes (id, reference, commanditaire_id, operateur_id, etat, en_generation, nb_carnets,
                                   nb_passes, valeur_faciale_centimes, fin_validite, jours_grace, date_limite,
                                   created_by, created_at)
                VALUES (3, 'CMD-3', 1, 1, 'attente_paiement', TRUE, 120, 5, 1000, '2027-10-31', 0, '2027-10-31', 1,
                        '2026-09-01T09:00:00+00:00');";
    ia.semer(&sql).await;
    let (ra, rb) = tokio::join!(
        carnet_server::retention::run_once(&a, now(), 12),
        carnet_server::retention::run_once(&b, now(), 12)
    );
    assert_eq!(ra.unwrap() + rb.unwrap(), 10);
    assert_eq!(ia.compter("SELECT COUNT(*) FROM audit_log WHERE action = 'anonymise'").await, 10);

    use carnet_server::store::ledger::commandes::reprendre_generations;
    let (ra, rb) = tokio::join!(reprendre_generations(&a, now()), reprendre_generations(&b, now()));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra + rb, 1, "one instance resumed the order: {ra} {rb}");
    assert_eq!(ib.compter("SELECT COUNT(*) FROM carnets WHERE commande_id = 3").await, 120);
    assert_eq!(ib.compter("SELECT COUNT(*) FROM commandes WHERE id = 3 AND en_generation = FALSE").await, 1);
}

async fn one_payment(a: Instance, b: Instance) {
    a.semer(
        "INSERT INTO commandes (id, reference, commanditaire_id, operateur_id, etat, nb_carnets, nb_passes,
                                valeur_faciale_centimes, fin_validite, jours_grace, date_limite, created_by, created_at)
             VALUES (4, 'CMD-4', 1, 1, 'attente_paiement', 1, 5, 1000, '2027-10-31', 0, '2027-10-31', 1,
                     '2026-09-01T09:00:00+00:00')",
    )
    .await;
    let payer = |i: Instance, reference: &'static str| async move {
        let mut tx = i.ecrire().await;
        let r =
            carnet_server::store::ledger::commandes::enregistrer_paiement(&mut tx, 4, 1, reference, today(), 1, now())
                .await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        tx.commit().await;
        r
    };
    let (ra, rb) = tokio::join!(payer(a.clone(), "VIR-A"), payer(b, "VIR-B"));
    let results = [ra, rb];
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert_eq!(results.iter().filter(|r| matches!(r, Err(AppError::Conflict(_)))).count(), 1, "{results:?}");
    assert_eq!(a.compter("SELECT COUNT(*) FROM audit_log WHERE action = 'paiement_enregistre'").await, 1);
}

/// One payment recorded twice at once (two tabs, two instances): one is recorded, the other is
/// refused as an order already paid, never written over the first.
#[tokio::test]
async fn one_payment_recorded_twice_at_once_on_postgresql_is_recorded_once() {
    let base = PgTestDb::new().await;
    let (a, b) = pg(&base, 1).await;
    one_payment(a, b).await;
}

#[tokio::test]
async fn one_payment_recorded_twice_at_once_on_sqlite_is_recorded_once() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = lite(&dir, 1).await;
    one_payment(a, b).await;
}

/// An expiry cut short (its transaction never commits: the instance died) leaves the order as it
/// was; the next run expires it whole, with one credit.
#[tokio::test]
async fn an_expiry_cut_short_on_postgresql_leaves_nothing_half_done() {
    let base = PgTestDb::new().await;
    let (a, _) = pg(&base, 10).await;
    let mut tx = a.ecrire().await;
    let r = expiration::expirer(&mut tx, 1, today(), now()).await.unwrap();
    assert_eq!((r.passes, r.avoirs), (40, 1));
    drop(tx);
    assert_eq!(a.compter("SELECT COUNT(*) FROM avoirs").await, 0);
    assert_eq!(a.compter("SELECT COUNT(*) FROM passes WHERE etat = 'expire'").await, 0);
    assert_eq!(a.compter("SELECT COUNT(*) FROM commandes WHERE etat = 'expiree'").await, 0);
    assert_eq!(a.compter("SELECT COUNT(*) FROM audit_log").await, 0);
    let r = a.expirer(true).await;
    assert_eq!((r.passes, r.avoirs, r.avoir_centimes, r.commandes), (40, 1, 40_000, 1));
}

/// Everything the ledger's pages read, after October's statements, a send and the expiry: the
/// same answers from SQLite and PostgreSQL (types, sums, orders, NULLs).
async fn lectures(i: &Instance) -> Vec<String> {
    use carnet_server::store::ledger::{commandes, distribution, journal, lots, orgs, tableaux, Scope};
    i.emettre_octobre().await;
    let mut tx = i.ecrire().await;
    releves::transition(&mut tx, 1, 1, ReleveEvenement::Envoyer, 1, now()).await.unwrap();
    tx.commit().await;
    i.expirer(true).await;
    i.semer(COMMANDE_2).await;
    let db = match i {
        Instance::Lite(p) => carnet_server::Db::Sqlite(p.clone()),
        Instance::Pg(p) => carnet_server::Db::Pg(p.clone()),
    };
    let db = &db;
    let mut out = vec![
        format!("{:?}", commandes::list(db, Scope::Operateur(1)).await.unwrap()),
        format!("{:?}", commandes::list(db, Scope::Commanditaire(1)).await.unwrap()),
        format!("{:?}", commandes::detail(db, 1, Scope::Commanditaire(1)).await.unwrap()),
        format!("{:?}", commandes::codes_csv(db, 1, 1).await.unwrap()),
        format!("{:?}", lots::carnets_structure(db, 1, today()).await.unwrap()),
        format!("{:?}", releves::list(db, Scope::Operateur(1), None).await.unwrap()),
        format!("{:?}", releves::list(db, Scope::Structure(2), Some(octobre())).await.unwrap()),
        format!("{:?}", releves::get(db, 1, Scope::Structure(1)).await.unwrap()),
        format!("{:?}", releves::provisoire(db, 1, octobre()).await.unwrap()),
        format!("{:?}", tableaux::commanditaire(db, 1, None).await.unwrap()),
        format!("{:?}", tableaux::commanditaire(db, 1, Some(1)).await.unwrap()),
        format!("{:?}", journal::page(db, Scope::Operateur(1), None, None, 1).await.unwrap()),
        format!("{:?}", journal::page(db, Scope::Commanditaire(1), Some("pass"), None, 1).await.unwrap()),
        format!("{:?}", journal::page(db, Scope::Structure(1), None, None, 1).await.unwrap()),
        format!("{:?}", journal::pass_id(db, "P-1-2").await.unwrap()),
        format!("{:?}", orgs::organisation(db, Some(1), Some(1), Some(1)).await.unwrap()),
        format!("{:?}", orgs::agrements(db, 1).await.unwrap()),
        format!("{:?}", orgs::structures_choix(db, Some(2)).await.unwrap()),
        format!("{:?}", orgs::list_operateurs(db).await.unwrap()),
        format!("{:?}", distribution::structure_acceptee(db, 2, 1).await.unwrap()),
    ];
    let mut tx = i.temoin().await;
    out.push(format!("{:?}", releves::hors_releve(&mut tx, 1, octobre()).await.unwrap()));
    tx.commit().await;
    out
}

#[tokio::test]
async fn the_ledgers_reads_answer_the_same_on_sqlite_and_postgresql() {
    let dir = tempfile::tempdir().unwrap();
    let (lite, _) = lite(&dir, 3).await;
    let base = PgTestDb::new().await;
    let (pg, _) = pg(&base, 3).await;
    let (sur_sqlite, sur_pg) = (lectures(&lite).await, lectures(&pg).await);
    for (l, p) in sur_sqlite.iter().zip(&sur_pg) {
        assert_eq!(l, p);
    }
    assert!(sur_sqlite[5].contains("envoye"), "{}", sur_sqlite[5]);
    assert!(sur_sqlite[9].contains("avoir_centimes: 12000"), "{}", sur_sqlite[9]);
    assert!(sur_sqlite[9].contains("consommee_centimes: 3000"), "{}", sur_sqlite[9]);
    assert!(sur_sqlite[11].contains("\"expiree\""), "{}", sur_sqlite[11]);
    assert!(sur_sqlite[20].contains("[]"), "no carnet outside an order: {}", sur_sqlite[20]);
}

async fn lots_to_conseillers(a: Instance, b: Instance) {
    let mut sql = COMMANDE_2.to_string();
    for r in 1..=10 {
        sql += &format!(
            "INSERT INTO carnets (id, numero, nb_passes, valeur_faciale_centimes, fin_validite, etat, structure_id,
                                  commanditaire_nom, canal_reception, date_reception, created_at, commande_id, rang_commande)
                 VALUES ({}, 'D-{r}', 5, 1000, '2027-10-31', 'confie_structure', 1, 'Département', '', '2026-09-01',
                         '2026-09-01T09:00:00+00:00', 2, {r});",
            100 + r
        );
    }
    a.semer(&sql).await;
    let confier = |i: Instance| async move {
        let mut tx = i.ecrire().await;
        let r = carnet_server::store::ledger::lots::confier_conseiller(&mut tx, 1, 2, 1, 6, 1, now()).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        tx.commit().await;
        r
    };
    let (ra, rb) = tokio::join!(confier(a.clone()), confier(b));
    let results = [ra, rb];
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert_eq!(a.compter("SELECT COUNT(*) FROM lots").await, 1);
    assert_eq!(a.compter("SELECT COUNT(*) FROM lot_carnets").await, 6);
    assert_eq!(a.compter("SELECT COUNT(*) FROM carnets WHERE commande_id = 2 AND etat = 'confie_conseiller'").await, 6);
}

/// Two coordinateurs entrusting carnets of the same stock at once: one lot; the other is refused
/// (not enough left), and no carnet is in two lots.
#[tokio::test]
async fn two_lots_to_conseillers_from_one_stock_at_once_on_postgresql_make_one() {
    let base = PgTestDb::new().await;
    let (a, b) = pg(&base, 1).await;
    lots_to_conseillers(a, b).await;
}

#[tokio::test]
async fn two_lots_to_conseillers_from_one_stock_at_once_on_sqlite_make_one() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = lite(&dir, 1).await;
    lots_to_conseillers(a, b).await;
}
