//! `admin copier`: a SQLite deployment (the demo's data, with a month of statements issued) moved
//! to a new PostgreSQL database — every row, ids kept, sequences going on after them, statements
//! still matching their hashes — and a database already in use refused.

mod common;

use carnet_domain::ledger::releve::{composer, Mois};
use carnet_server::db::{self, Db};
use carnet_server::on;
use carnet_server::store::copie;
use carnet_server::store::ledger::releves;
use chrono::Utc;
use common::pg::PgTestDb;

async fn lignes(db: &Db, sql: &str) -> Vec<String> {
    let lues: Vec<(i64, String)> =
        on!(db.acquire().await.unwrap(), |c| sqlx::query_as(sql).fetch_all(c).await).unwrap();
    lues.into_iter().map(|(id, texte)| format!("{id}|{texte}")).collect()
}

#[tokio::test]
async fn a_sqlite_deployment_moves_to_postgresql_whole_and_a_used_target_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("carnet.db").display());
    let now = common::instant();
    let source = db::connect(&url).await.unwrap();
    assert!(carnet_server::seed::seed_demo_if_new(&source, now).await.unwrap());
    // A statement with its hash, as the monthly job writes them (the demo's passes were used at
    // the structure's own carnets, which no statement covers).
    releve(&source, "RLV-test-1", common::today(), None).await;

    // Migrated, communes loaded, as a target is once carnet-server has opened it.
    let pg = PgTestDb::carnet().await;
    let cible = db::connect(&pg.url).await.unwrap();
    let (Db::Sqlite(s), Db::Pg(p)) = (&source, &cible) else { unreachable!() };
    let bilan = copie::copier(&mut s.acquire().await.unwrap(), &mut p.acquire().await.unwrap()).await.expect("copie");
    let n = |t: &str| bilan.tables.iter().find(|c| c.table == t).map(|c| c.lignes).unwrap_or(-1);
    assert!(n("users") >= 5, "{bilan:?}");
    assert!(n("passes") > 0 && n("pass_validations") > 0 && n("lieux") > 0 && n("audit_log") > 0, "{bilan:?}");
    assert!(n("communes") > 30_000, "{bilan:?}");
    assert_eq!(bilan.releves_verifies, 1, "{bilan:?}");

    // Same rows, same ids, same text.
    for sql in [
        "SELECT id, email FROM users ORDER BY id",
        "SELECT id, code FROM passes ORDER BY id",
        "SELECT id, hash FROM releves ORDER BY id",
        "SELECT id, action FROM audit_log ORDER BY id",
    ] {
        assert_eq!(lignes(&source, sql).await, lignes(&cible, sql).await, "{sql}");
    }
    // The instants too, to the second (SQLite keeps them as text, PostgreSQL as timestamptz).
    let instants = "SELECT id, created_at FROM users ORDER BY id";
    let mut c = source.acquire().await.unwrap();
    let db::DbConn::Sqlite(c) = &mut c else { unreachable!() };
    let avant: Vec<(i64, chrono::DateTime<Utc>)> = sqlx::query_as(instants).fetch_all(&mut **c).await.unwrap();
    let apres: Vec<(i64, chrono::DateTime<Utc>)> = sqlx::query_as(instants).fetch_all(p).await.unwrap();
    assert_eq!(avant, apres);
    // Served at once with statistics: the copy analysed what it wrote (never-analysed tables
    // have reltuples = -1, and the planner guesses).
    let sans_statistiques: Vec<String> = sqlx::query_scalar(
        "SELECT relname::text FROM pg_class
         WHERE relname IN ('passes', 'seances', 'parcours', 'beneficiaires', 'audit_log') AND reltuples < 0",
    )
    .fetch_all(p)
    .await
    .unwrap();
    assert!(sans_statistiques.is_empty(), "{sans_statistiques:?}");

    // The ids go on after the copied ones.
    let max_avant: i64 = sqlx::query_scalar("SELECT MAX(id) FROM structures").fetch_one(p).await.unwrap();
    let id =
        carnet_server::store::users::create_structure(&cible, "Nouvelle structure", None, None, now).await.unwrap();
    assert_eq!(id, max_avant + 1);

    // Statements still match their hashes, as `admin verifier-releves` says.
    assert_eq!(copie::verifier_releves(&mut p.acquire().await.unwrap()).await.unwrap(), bilan.releves_verifies);

    // A second copy into a database in use: refused, nothing written.
    let avant = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM audit_log").fetch_one(p).await.unwrap();
    let e = copie::copier(&mut s.acquire().await.unwrap(), &mut p.acquire().await.unwrap()).await.unwrap_err();
    assert!(e.to_string().contains("n'est pas vide"), "{e}");
    assert_eq!(sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM audit_log").fetch_one(p).await.unwrap(), avant);

    // A statement whose content no longer gives its hash is named.
    releve(&source, "RLV-test-2", common::today() - chrono::Duration::days(40), Some("0".repeat(64))).await;
    let mut c = source.acquire().await.unwrap();
    let e = copie::verifier_releves(&mut c).await.unwrap_err().to_string();
    assert!(e.contains("1 relevé(s) dont l'empreinte ne correspond plus") && e.contains("[2]"), "{e}");
    cible.close().await;
}

/// Writes statement `numero` (id 1, 2… in order) of `jour`'s month for the first structure and
/// opérateur, with its true hash or `hash`.
async fn releve(db: &Db, numero: &str, jour: chrono::NaiveDate, hash: Option<String>) {
    let contenu = composer(numero.into(), "Opérateur".into(), "Structure".into(), Mois::of(jour), vec![]);
    let vrai = releves::empreinte(&contenu);
    let mut c = db.acquire().await.unwrap();
    let db::DbConn::Sqlite(c) = &mut c else { unreachable!() };
    sqlx::query(
        "INSERT INTO releves (numero, operateur_id, structure_id, mois, etat, nb_validations, nb_annulations,
                              total_centimes, contenu_json, hash, emis_at)
         VALUES ($1, (SELECT MIN(id) FROM operateurs), (SELECT MIN(id) FROM structures), $2, 'emis', 0, 0, 0, $3, $4, $5)",
    )
    .bind(numero)
    .bind(contenu.mois.to_string())
    .bind(serde_json::to_string(&contenu).unwrap())
    .bind(hash.unwrap_or(vrai))
    .bind(common::instant())
    .execute(&mut **c)
    .await
    .unwrap();
}
