//! The store on both backends: the same functions, given a SQLite or a PostgreSQL transaction,
//! answer the same; and on PostgreSQL, whose writers do not queue, the pass stays validated once.

mod common;

use carnet_domain::pass::{CarnetId, PassCode, RefusValidation, SeanceId};
use carnet_domain::structure::Coordonnees;
use carnet_server::store::conn::Conn;
use carnet_server::store::{passes, structures};
use chrono::{DateTime, NaiveDate, Utc};
use common::pg::PgTestDb;
use sqlx::{PgPool, SqlitePool};

/// One structure, its conseiller, a person with a carnet of 5 passes typed in at intake, a parcours
/// and `seances` planned sessions: the same SQL text on both backends.
fn monde(seances: usize) -> String {
    let mut sql = String::from(
        "INSERT INTO structures (id, nom, created_at) VALUES (1, 'Espace numérique', '2026-11-02T09:00:00+00:00');
         INSERT INTO users (id, email, password_hash, prenom, nom, role, structure_id, created_at)
             VALUES (1, 'c@x.fr', '', 'Camille', 'Martin', 'conseiller', 1, '2026-11-02T09:00:00+00:00');
         INSERT INTO beneficiaires (id, structure_id, prenom, prenom_normalise, created_by, created_at, updated_at)
             VALUES (1, 1, 'Lou', 'lou', 1, '2026-11-02T09:00:00+00:00', '2026-11-02T09:00:00+00:00');
         INSERT INTO carnets (id, numero, nb_passes, valeur_faciale_centimes, fin_validite, etat, beneficiaire_id,
                              structure_id, commanditaire_nom, canal_reception, date_reception, created_at)
             VALUES (1, 'C-1', 5, 1000, '2027-06-30', 'distribue', 1, 1, 'Ville', 'guichet', '2026-11-02',
                     '2026-11-02T09:00:00+00:00');
         INSERT INTO parcours (id, beneficiaire_id, carnet_id, structure_id, conseiller_id, etat, etape, created_at, updated_at)
             VALUES (1, 1, 1, 1, 1, 'en_cours', 'seances', '2026-11-02T09:00:00+00:00', '2026-11-02T09:00:00+00:00');",
    );
    for (i, code) in common::codes(7, 5).iter().enumerate() {
        let code = PassCode::parse(code).unwrap();
        let code = code.as_str();
        sql += &format!(
            "INSERT INTO passes (id, carnet_id, rang, code, etat, valeur_centimes) VALUES ({}, 1, {}, '{code}', 'distribue', 1000);",
            i + 1,
            i + 1
        );
    }
    for s in 1..=seances {
        sql += &format!(
            "INSERT INTO seances (id, parcours_id, conseiller_id, uid, debut, fin, type_lieu, statut, created_at, updated_at)
             VALUES ({s}, 1, 1, 'u{s}', '2026-12-0{}T10:00:00+00:00', '2026-12-0{}T11:00:00+00:00', 'structure', 'prevue',
                     '2026-11-02T09:00:00+00:00', '2026-11-02T09:00:00+00:00');",
            1 + s % 8,
            1 + s % 8
        );
    }
    sql
}

fn at() -> DateTime<Utc> {
    "2026-12-02T10:30:00Z".parse().unwrap()
}

fn validation(seance: i64) -> passes::Validation {
    passes::Validation {
        carnet_id: CarnetId(1),
        parcours_id: 1,
        seance_id: SeanceId(seance),
        user_id: 1,
        structure_id: 1,
        at: at(),
        jour: NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
    }
}

fn code(i: usize) -> PassCode {
    PassCode::parse(&common::codes(7, 5)[i]).unwrap()
}

async fn sqlite(dir: &tempfile::TempDir, seances: usize) -> SqlitePool {
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
    let db = SqlitePool::connect(&url).await.unwrap();
    carnet_server::db::MIGRATOR.run(&db).await.unwrap();
    sqlx::raw_sql(&monde(seances)).execute(&db).await.unwrap();
    db
}

async fn postgres(base: &PgTestDb, seances: usize) -> PgPool {
    let db = base.pool().await;
    carnet_server::db::MIGRATOR_PG.run(&db).await.unwrap();
    sqlx::raw_sql(&monde(seances)).execute(&db).await.unwrap();
    db
}

/// The same story told to either backend, and what it answered.
async fn histoire(conn: &mut dyn Conn) -> Vec<String> {
    let mut out = Vec::new();
    let c = Coordonnees { telephone: Some("01 23 45 67 89".into()), adresse: Some("2 rue Haute".into()) };
    structures::set_coordonnees(conn, 1, &c).await.unwrap();
    out.push(format!("{:?}", structures::coordonnees(conn, 1).await.unwrap()));
    out.push(format!("{:?}", passes::validate(conn, &code(0), validation(1)).await.unwrap()));
    out.push(format!("{:?}", passes::validate(conn, &code(0), validation(2)).await.unwrap()));
    out.push(format!("{:?}", passes::validate(conn, &code(1), validation(1)).await.unwrap()));
    out.push(format!(
        "{:?}",
        passes::validate(conn, &PassCode::parse(&common::codes(9, 1)[0]).unwrap(), validation(3)).await.unwrap()
    ));
    out.push(format!("{:?}", passes::restants(conn, 1).await.unwrap()));
    out.push(format!("{:?}", passes::cancel_validation(conn, SeanceId(1), 1, at()).await.unwrap()));
    out.push(format!("{:?}", passes::cancel_validation(conn, SeanceId(1), 1, at()).await.unwrap()));
    out.push(format!("{:?}", passes::validate(conn, &code(0), validation(2)).await.unwrap()));
    out
}

#[tokio::test]
async fn the_store_answers_the_same_on_sqlite_and_postgresql() {
    let dir = tempfile::tempdir().unwrap();
    let lite = sqlite(&dir, 3).await;
    let base = PgTestDb::new().await;
    let pg = postgres(&base, 3).await;

    let mut tx = lite.begin().await.unwrap();
    let on_sqlite = histoire(&mut tx).await;
    tx.commit().await.unwrap();
    let mut tx = pg.begin().await.unwrap();
    let on_pg = histoire(&mut tx).await;
    tx.commit().await.unwrap();

    assert_eq!(on_sqlite, on_pg);
    assert!(on_sqlite[1].starts_with("Ok(Valide"), "{on_sqlite:?}");
    assert!(on_sqlite[2].starts_with("Err(DejaValide"), "{on_sqlite:?}");
    assert_eq!(on_sqlite[4], format!("{:?}", Ok::<(), _>(()).and(Err::<(), _>(RefusValidation::CodeInconnu))));
    // The ledger and the audit log hold the same lines on both sides.
    let q = "SELECT (SELECT COUNT(*) FROM pass_validations) * 1000 + (SELECT COUNT(*) FROM audit_log)";
    let lignes_lite: i64 = sqlx::query_scalar(q).fetch_one(&lite).await.unwrap();
    let lignes_pg: i64 = sqlx::query_scalar(q).fetch_one(&pg).await.unwrap();
    assert_eq!(lignes_lite, lignes_pg);
    pg.close().await;
}

/// 50 sessions present the same pass at once, each in its own transaction on its own connection:
/// exactly one validation, 49 refusals that say the pass was already used, one ledger line.
#[tokio::test]
async fn fifty_concurrent_holds_of_one_pass_on_postgresql_validate_it_once() {
    let base = PgTestDb::new().await;
    let pg = postgres(&base, 50).await;
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(50).connect(&base.url).await.unwrap();
    let tasks: Vec<_> = (1..=50)
        .map(|s| {
            let pool = pool.clone();
            tokio::spawn(async move {
                let mut tx = pool.begin().await.unwrap();
                let r = passes::validate(&mut tx, &code(2), validation(s)).await;
                tx.commit().await.unwrap();
                r
            })
        })
        .collect();
    let mut ok = 0;
    let mut refus = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            Ok(Ok(_)) => ok += 1,
            Ok(Err(r)) => refus.push(format!("{r:?}")),
            Err(e) => panic!("erreur au lieu d'un refus : {e:?}"),
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(refus.len(), 49);
    assert!(refus.iter().all(|r| r.starts_with("DejaValide")), "{refus:?}");
    let lignes: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pass_validations").fetch_one(&pg).await.unwrap();
    assert_eq!(lignes, 1);
    pool.close().await;
    pg.close().await;
}

/// The carnet's last two passes validated at once by two sessions: the carnet ends `epuise`,
/// whichever commits last (the carnet row is locked before its remaining passes are counted).
#[tokio::test]
async fn two_last_passes_validated_at_once_leave_the_carnet_used_up() {
    let base = PgTestDb::new().await;
    let pg = postgres(&base, 5).await;
    sqlx::query("UPDATE passes SET etat = 'valide' WHERE rang <= 3").execute(&pg).await.unwrap();
    let tasks: Vec<_> = [(3usize, 4i64), (4, 5)]
        .into_iter()
        .map(|(i, s)| {
            let pg = pg.clone();
            tokio::spawn(async move {
                let mut tx = pg.begin().await.unwrap();
                let r = passes::validate(&mut tx, &code(i), validation(s)).await.unwrap();
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                tx.commit().await.unwrap();
                r
            })
        })
        .collect();
    for t in tasks {
        assert!(t.await.unwrap().is_ok());
    }
    let etat: String = sqlx::query_scalar("SELECT etat FROM carnets WHERE id = 1").fetch_one(&pg).await.unwrap();
    assert_eq!(etat, "epuise");
    pg.close().await;
}

/// Two passes presented at once for one session: one validation, and the other refused as a
/// session already validated (not a database error).
#[tokio::test]
async fn two_passes_at_once_for_one_session_on_postgresql_validate_one() {
    let base = PgTestDb::new().await;
    let pg = postgres(&base, 5).await;
    let tasks: Vec<_> = [0usize, 1]
        .into_iter()
        .map(|i| {
            let pg = pg.clone();
            tokio::spawn(async move {
                let mut tx = pg.begin().await.unwrap();
                let r = passes::validate(&mut tx, &code(i), validation(1)).await.unwrap();
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                tx.commit().await.unwrap();
                r
            })
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert!(results.contains(&Err(RefusValidation::SeanceDejaValidee)), "{results:?}");
    let lignes: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pass_validations").fetch_one(&pg).await.unwrap();
    assert_eq!(lignes, 1);
    pg.close().await;
}
