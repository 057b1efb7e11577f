//! Orders: creation generates the carnets and their pass codes; the opérateur records the payment
//! and activates; lists and details for the buyer and the opérateur.

use super::{audit_bulk, Scope, CHUNK};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::store::audit::{Audit, Entite};
use crate::store::conn::{on, Conn};
use carnet_domain::ledger::api::{
    AvoirView, CommandeDetail, CommandeSummary, CritereView, Entonnoir, Plage, Ref, TerritoireView,
};
use carnet_domain::ledger::codes::code_from_draws;
use carnet_domain::ledger::commande::{numero_carnet, reference_commande, ValidCommande};
use carnet_domain::ledger::etats::{CommandeEtat, CommandeEvenement};
use carnet_domain::pass::PassEtat;
use carnet_domain::PassCode;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde_json::json;
use sqlx::QueryBuilder;
use std::collections::HashMap;

/// How many carnets one generation transaction writes (with their passes and audit lines): small
/// enough that pass validations waiting for the write lock keep their usual time.
pub const CARNETS_PAR_TRANSACTION: i64 = 50;

/// Creates the order « en cours de génération », with its territory and criteria and its audit
/// entry, inside the caller's transaction. Its carnets and passes come next, from `generer`.
pub async fn create(
    conn: &mut dyn Conn,
    c: &ValidCommande,
    commanditaire_id: i64,
    user_id: i64,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> AppResult<(i64, String)> {
    // The reference needs the id: insert with a unique placeholder, then set it.
    let placeholder = format!("tmp-{}-{}", now.timestamp_nanos_opt().unwrap_or_default(), user_id);
    let (id,): (i64,) = on!(conn, |cx| {
        sqlx::query_as(
        "INSERT INTO commandes (reference, commanditaire_id, operateur_id, etat, en_generation, nb_carnets, nb_passes,
                                valeur_faciale_centimes, fin_validite, jours_grace, date_limite, created_by, created_at)
         VALUES ($1, $2, $3, 'attente_paiement', TRUE, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(&placeholder)
    .bind(commanditaire_id)
    .bind(c.operateur_id)
    .bind(c.nb_carnets)
    .bind(c.nb_passes)
    .bind(c.valeur_faciale_centimes)
    .bind(c.fin_validite)
    .bind(c.jours_grace)
    .bind(c.date_limite())
    .bind(user_id)
    .bind(now)
    .fetch_one(cx).await
    })?;
    let reference = reference_commande(today.year(), id);
    on!(conn, |cx| sqlx::query("UPDATE commandes SET reference = $2 WHERE id = $1")
        .bind(id)
        .bind(&reference)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;

    for d in &c.departements {
        on!(conn, |cx| sqlx::query(
            "INSERT INTO commande_territoires (commande_id, kind, code) VALUES ($1, 'departement', $2)"
        )
        .bind(id)
        .bind(d)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    }
    for code in &c.communes {
        on!(conn, |cx| sqlx::query(
            "INSERT INTO commande_territoires (commande_id, kind, code) VALUES ($1, 'commune', $2)"
        )
        .bind(id)
        .bind(code)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    }
    for (rang, critere) in c.criteres.iter().enumerate() {
        on!(conn, |cx| sqlx::query(
            "INSERT INTO commande_criteres (commande_id, code, libelle, rang) VALUES ($1, $2, $3, $4)"
        )
        .bind(id)
        .bind(&critere.code)
        .bind(&critere.libelle)
        .bind(rang as i64 + 1)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    }
    Audit::par(Some(user_id), Entite::Commande(id), "creee")
        .apres(json!({
            "etat": CommandeEtat::EnGeneration, "reference": reference, "nb_carnets": c.nb_carnets,
            "nb_passes": c.nb_passes, "valeur_faciale_centimes": c.valeur_faciale_centimes,
            "fin_validite": c.fin_validite, "jours_grace": c.jours_grace,
            "departements": c.departements, "communes": c.communes,
            "criteres": c.criteres.iter().map(|k| &k.code).collect::<Vec<_>>(),
        }))
        .ecrire(conn, now)
        .await?;
    Ok((id, reference))
}

/// Generates the order's next carnets (at most `max`, state `emis`) with their passes (codes
/// from `next_code`, unique in the database: a code that collides is drawn again) and their audit
/// lines, inside the caller's transaction. Each carnet commits with all its passes. When the last
/// carnet is there, the order leaves « en cours de génération ». Returns whether it is complete.
pub async fn generer_lot(
    conn: &mut dyn Conn,
    id: i64,
    max: i64,
    user_id: Option<i64>,
    now: DateTime<Utc>,
    next_code: &mut (dyn FnMut() -> PassCode + Send),
) -> AppResult<bool> {
    #[derive(sqlx::FromRow)]
    struct Commande {
        nb_carnets: i64,
        nb_passes: i64,
        valeur_faciale_centimes: i64,
        fin_validite: NaiveDate,
        commanditaire: String,
        created_at: DateTime<Utc>,
        en_generation: bool,
        faits: i64,
    }
    // Two instances resuming the same order take turns: the second reads the carnets the first
    // committed (each statement reads what is committed when it starts) and goes on after them.
    on!(conn, |cx| sqlx::query(&format!("SELECT id FROM commandes WHERE id = $1{}", dialect::FOR_NO_KEY_UPDATE))
        .bind(id)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    let c: Commande = on!(conn, |cx| sqlx::query_as(
        "SELECT co.nb_carnets, co.nb_passes, co.valeur_faciale_centimes, co.fin_validite, cm.nom AS commanditaire,
                co.created_at, co.en_generation,
                (SELECT COALESCE(MAX(rang_commande), 0) FROM carnets WHERE commande_id = co.id) AS faits
         FROM commandes co JOIN commanditaires cm ON cm.id = co.commanditaire_id WHERE co.id = $1",
    )
    .bind(id)
    .fetch_one(cx)
    .await)?;
    if !c.en_generation {
        return Ok(true);
    }
    let (premier, dernier) = (c.faits + 1, (c.faits + max).min(c.nb_carnets));
    let jour = crate::today_in_paris(c.created_at);

    // Carnets, many rows per statement.
    let ranks: Vec<i64> = (premier..=dernier).collect();
    for chunk in ranks.chunks(CHUNK) {
        on!(conn, |cx| {
            let mut qb: QueryBuilder<dialect::Backend> = QueryBuilder::new(
            "INSERT INTO carnets (numero, nb_passes, valeur_faciale_centimes, fin_validite, etat, commanditaire_nom,
                                  canal_reception, date_reception, created_at, commande_id, rang_commande) ",
        );
            qb.push_values(chunk, |mut b, rang| {
                b.push_bind(numero_carnet(id, *rang))
                    .push_bind(c.nb_passes)
                    .push_bind(c.valeur_faciale_centimes)
                    .push_bind(c.fin_validite)
                    .push_bind("emis")
                    .push_bind(&c.commanditaire)
                    .push_bind("")
                    .push_bind(jour)
                    .push_bind(c.created_at)
                    .push_bind(id)
                    .push_bind(*rang);
            });
            qb.build().execute(cx).await.map(|r| r.rows_affected())
        })?;
    }
    let carnet_ids: Vec<(i64,)> = on!(conn, |cx| sqlx::query_as(
        "SELECT id FROM carnets WHERE commande_id = $1 AND rang_commande BETWEEN $2 AND $3 ORDER BY rang_commande",
    )
    .bind(id)
    .bind(premier)
    .bind(dernier)
    .fetch_all(cx)
    .await)?;

    // Passes: every (carnet, rank) needs a code no other pass has. `ON CONFLICT DO NOTHING`
    // skips a colliding row (with the database or within the batch); it is drawn again.
    let mut pending: Vec<(i64, i64, PassCode)> = Vec::with_capacity(carnet_ids.len() * c.nb_passes as usize);
    for (carnet_id,) in &carnet_ids {
        for rang in 1..=c.nb_passes {
            pending.push((*carnet_id, rang, next_code()));
        }
    }
    let mut rounds = 0;
    while !pending.is_empty() {
        rounds += 1;
        if rounds > 20 {
            return Err(AppError::Internal(anyhow::anyhow!("génération des codes : trop de collisions")));
        }
        let mut retry = Vec::new();
        for chunk in pending.chunks(CHUNK) {
            let inserted: Vec<(i64, i64)> = on!(conn, |cx| {
                let mut qb: QueryBuilder<dialect::Backend> =
                    QueryBuilder::new("INSERT INTO passes (carnet_id, rang, code, etat, valeur_centimes) ");
                qb.push_values(chunk, |mut b, (carnet_id, rang, code)| {
                    b.push_bind(*carnet_id)
                        .push_bind(*rang)
                        .push_bind(code.as_str().to_string())
                        .push_bind(PassEtat::Emis.as_str())
                        .push_bind(c.valeur_faciale_centimes);
                });
                qb.push(" ON CONFLICT (code) DO NOTHING RETURNING carnet_id, rang");
                qb.build_query_as().fetch_all(cx).await
            })?;
            if inserted.len() < chunk.len() {
                let done: std::collections::HashSet<(i64, i64)> = inserted.into_iter().collect();
                for (carnet_id, rang, _) in chunk {
                    if !done.contains(&(*carnet_id, *rang)) {
                        retry.push((*carnet_id, *rang, next_code()));
                    }
                }
            }
        }
        if !retry.is_empty() {
            tracing::warn!(commande_id = id, collisions = retry.len(), "codes de pass en collision, nouveaux tirages");
        }
        pending = retry;
    }

    audit_bulk(
        conn,
        now,
        user_id,
        "carnet",
        "emis",
        "SELECT id AS entity_id, NULL AS before_json,
                '{\"etat\":\"emis\",\"commande_id\":' || commande_id || ',\"numero\":\"' || numero || '\"}' AS after_json
         FROM carnets WHERE commande_id = $3 AND rang_commande BETWEEN $4 AND $5",
        &[id, premier, dernier],
    )
    .await?;
    audit_bulk(
        conn,
        now,
        user_id,
        "pass",
        "emis",
        "SELECT p.id AS entity_id, NULL AS before_json,
                '{\"etat\":\"emis\",\"carnet_id\":' || p.carnet_id || ',\"rang\":' || p.rang || '}' AS after_json
         FROM passes p JOIN carnets c ON c.id = p.carnet_id
         WHERE c.commande_id = $3 AND c.rang_commande BETWEEN $4 AND $5",
        &[id, premier, dernier],
    )
    .await?;
    if dernier < c.nb_carnets {
        return Ok(false);
    }
    let apres = CommandeEtat::EnGeneration
        .suivant(CommandeEvenement::TerminerGeneration)
        .map_err(|r| AppError::Conflict(r.raison))?;
    on!(conn, |cx| sqlx::query("UPDATE commandes SET en_generation = FALSE WHERE id = $1")
        .bind(id)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    Audit::par(user_id, Entite::Commande(id), "generee")
        .avant(json!({ "etat": CommandeEtat::EnGeneration }))
        .apres(json!({ "etat": apres, "nb_carnets": c.nb_carnets }))
        .ecrire(conn, now)
        .await?;
    Ok(true)
}

/// Generates what is left of the order, `CARNETS_PAR_TRANSACTION` carnets per write transaction,
/// with codes from a CSPRNG (ChaCha seeded by the operating system, values uniform in 0..30).
/// Between two transactions the lock stays free as long as the last one held it: SQLite's waiting
/// writers retry after sleeping, and a generator that took the lock back at once would starve them.
pub async fn generer(db: &Db, id: i64, user_id: Option<i64>, now: DateTime<Utc>) -> AppResult<()> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::from_rng(rand::rngs::OsRng).map_err(|e| AppError::Internal(e.into()))?;
    let mut next_code = move || code_from_draws(|| rng.gen_range(0..30));
    loop {
        let debut = std::time::Instant::now();
        let mut tx = crate::db::begin_write(db).await?;
        let fini = generer_lot(&mut tx, id, CARNETS_PAR_TRANSACTION, user_id, now, &mut next_code).await?;
        tx.commit().await?;
        if fini {
            return Ok(());
        }
        tokio::time::sleep(debut.elapsed()).await;
    }
}

/// At start: the orders a stopped server left « en cours de génération » are completed (each
/// transaction commits whole carnets, so generation resumes after the last one). Returns how many.
pub async fn reprendre_generations(db: &Db, now: DateTime<Utc>) -> AppResult<usize> {
    // Instances starting together: one resumes, the others leave it the work (the claim lasts as
    // long as this transaction, which writes nothing).
    let mut tache = db.begin().await?;
    if !crate::store::verrous::prendre_tache(&mut tache, "reprise_generations").await? {
        return Ok(0);
    }
    let ids: Vec<(i64,)> = {
        let conn: &mut dyn Conn = &mut db.acquire().await?;
        on!(conn, |cx| sqlx::query_as("SELECT id FROM commandes WHERE en_generation = TRUE ORDER BY id")
            .fetch_all(cx)
            .await)?
    };
    for (id,) in &ids {
        tracing::info!(commande_id = id, "génération de commande reprise");
        generer(db, *id, None, now).await?;
    }
    tache.commit().await?;
    Ok(ids.len())
}

/// The order's state and opérateur, if this opérateur may act on it.
async fn etat_pour_operateur(conn: &mut dyn Conn, id: i64, operateur_id: i64) -> AppResult<CommandeEtat> {
    let row: Option<(String,)> = on!(conn, |cx| sqlx::query_as(&format!(
        "SELECT {ETAT} FROM commandes co WHERE id = $1 AND operateur_id = $2{}",
        dialect::FOR_NO_KEY_UPDATE
    ))
    .bind(id)
    .bind(operateur_id)
    .fetch_optional(cx)
    .await)?;
    let (etat,) = row.ok_or(AppError::NotFound)?;
    CommandeEtat::parse(&etat).ok_or_else(|| AppError::Internal(anyhow::anyhow!("état de commande inconnu : {etat}")))
}

/// A transition whose starting state another transaction changed in between: refused, never
/// applied on top (the order's row is locked first, so this is the last line of defence).
fn modifiee_par_ailleurs() -> AppError {
    AppError::Conflict("Cette commande vient d'être modifiée par ailleurs : rechargez la page.".into())
}

/// The opérateur records the buyer's payment.
pub async fn enregistrer_paiement(
    conn: &mut dyn Conn,
    id: i64,
    operateur_id: i64,
    reference: &str,
    date: NaiveDate,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let etat = etat_pour_operateur(conn, id, operateur_id).await?;
    let next = etat.suivant(CommandeEvenement::EnregistrerPaiement).map_err(|r| AppError::Conflict(r.raison))?;
    let changed = on!(conn, |cx| {
        sqlx::query(
        "UPDATE commandes SET etat = $2, paiement_reference = $3, paiement_date = $4, paiement_at = $5, paiement_by = $6
         WHERE id = $1 AND etat = $7 AND en_generation = FALSE",
    )
    .bind(id)
    .bind(next.as_str())
    .bind(reference)
    .bind(date)
    .bind(now)
    .bind(user_id)
    .bind(etat.as_str())
    .execute(cx)
    .await
    .map(|r| r.rows_affected())
    })?;
    if changed != 1 {
        return Err(modifiee_par_ailleurs());
    }
    Audit::par(Some(user_id), Entite::Commande(id), "paiement_enregistre")
        .avant(json!({ "etat": etat.as_str() }))
        .apres(json!({ "etat": next.as_str(), "paiement_reference": reference, "paiement_date": date }))
        .ecrire(conn, now)
        .await?;
    Ok(())
}

/// The opérateur activates a paid order: its carnets and passes become usable.
pub async fn activer(
    conn: &mut dyn Conn,
    id: i64,
    operateur_id: i64,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let etat = etat_pour_operateur(conn, id, operateur_id).await?;
    let next = etat.suivant(CommandeEvenement::Activer).map_err(|r| AppError::Conflict(r.raison))?;
    let changed = on!(conn, |cx| sqlx::query(
        "UPDATE commandes SET etat = $2, activated_at = $3, activated_by = $4
         WHERE id = $1 AND etat = $5 AND en_generation = FALSE"
    )
    .bind(id)
    .bind(next.as_str())
    .bind(now)
    .bind(user_id)
    .bind(etat.as_str())
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    if changed != 1 {
        return Err(modifiee_par_ailleurs());
    }
    Audit::par(Some(user_id), Entite::Commande(id), "activee")
        .avant(json!({ "etat": etat.as_str() }))
        .apres(json!({ "etat": next.as_str() }))
        .ecrire(conn, now)
        .await?;
    // The whole order moves at once: one statement per table, one audit entry per row.
    audit_bulk(
        conn,
        now,
        Some(user_id),
        "carnet",
        "active",
        "SELECT id AS entity_id, '{\"etat\":\"emis\"}' AS before_json, '{\"etat\":\"disponible\"}' AS after_json
         FROM carnets WHERE commande_id = $3 AND etat = 'emis'",
        &[id],
    )
    .await?;
    let carnets =
        on!(conn, |cx| sqlx::query("UPDATE carnets SET etat = 'disponible' WHERE commande_id = $1 AND etat = 'emis'")
            .bind(id)
            .execute(cx)
            .await
            .map(|r| r.rows_affected()))?;
    crate::store::passes::activate_order(conn, id, user_id, now).await?;
    Ok(carnets as i64)
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: i64,
    reference: String,
    commanditaire_id: i64,
    commanditaire: String,
    operateur_id: i64,
    operateur: String,
    etat: String,
    nb_carnets: i64,
    nb_passes: i64,
    valeur_faciale_centimes: i64,
    fin_validite: NaiveDate,
    jours_grace: i64,
    date_limite: NaiveDate,
    created_at: DateTime<Utc>,
    paiement_at: Option<DateTime<Utc>>,
    activated_at: Option<DateTime<Utc>>,
    paiement_reference: Option<String>,
    paiement_date: Option<NaiveDate>,
}

impl SummaryRow {
    fn summary(&self) -> CommandeSummary {
        CommandeSummary {
            id: self.id,
            reference: self.reference.clone(),
            commanditaire: Ref { id: self.commanditaire_id, nom: self.commanditaire.clone() },
            operateur: Ref { id: self.operateur_id, nom: self.operateur.clone() },
            etat: self.etat.clone(),
            nb_carnets: self.nb_carnets,
            nb_passes: self.nb_passes,
            valeur_faciale_centimes: self.valeur_faciale_centimes,
            montant_centimes: self.nb_carnets * self.nb_passes * self.valeur_faciale_centimes,
            fin_validite: self.fin_validite,
            jours_grace: self.jours_grace,
            date_limite: self.date_limite,
            created_at: self.created_at,
            paiement_at: self.paiement_at,
            activated_at: self.activated_at,
        }
    }
}

/// An order's state as people see it: « en cours de génération » until its last carnet is there.
const ETAT: &str = "CASE WHEN co.en_generation THEN 'en_generation' ELSE co.etat END AS etat";

const SUMMARY_SELECT: &str = "SELECT co.id, co.reference, co.commanditaire_id, cm.nom AS commanditaire,
        co.operateur_id, op.nom AS operateur, CASE WHEN co.en_generation THEN 'en_generation' ELSE co.etat END AS etat, co.nb_carnets, co.nb_passes, co.valeur_faciale_centimes,
        co.fin_validite, co.jours_grace, co.date_limite, co.created_at, co.paiement_at, co.activated_at,
        co.paiement_reference, co.paiement_date
    FROM commandes co
    JOIN commanditaires cm ON cm.id = co.commanditaire_id
    JOIN operateurs op ON op.id = co.operateur_id";

/// `(column, value)` restricting orders to a scope; `None` for scopes that see no orders.
fn scope_filter(scope: Scope) -> Option<(&'static str, i64)> {
    match scope {
        Scope::Operateur(id) => Some(("co.operateur_id", id)),
        Scope::Commanditaire(id) => Some(("co.commanditaire_id", id)),
        _ => None,
    }
}

pub async fn list(db: &Db, scope: Scope) -> sqlx::Result<Vec<CommandeSummary>> {
    let conn: &mut dyn Conn = &mut db.acquire().await?;
    let Some((column, value)) = scope_filter(scope) else { return Ok(Vec::new()) };
    let rows: Vec<SummaryRow> =
        on!(conn, |cx| sqlx::query_as(&format!("{SUMMARY_SELECT} WHERE {column} = $1 ORDER BY co.id DESC"))
            .bind(value)
            .fetch_all(cx)
            .await)?;
    Ok(rows.iter().map(SummaryRow::summary).collect())
}

/// The carnet funnel of the orders matching `where_sql` (on `co`), with `binds`.
pub async fn entonnoir(db: &Db, where_sql: &str, binds: &[i64]) -> sqlx::Result<Entonnoir> {
    let conn: &mut dyn Conn = &mut db.acquire().await?;
    let sql = format!(
        "SELECT COUNT(*),
                COALESCE(SUM(CASE WHEN c.structure_id IS NOT NULL THEN 1 ELSE 0 END), 0),
                COALESCE(SUM(CASE WHEN c.beneficiaire_id IS NOT NULL THEN 1 ELSE 0 END), 0),
                COALESCE(SUM(CASE WHEN c.etat IN ('entame', 'epuise')
                     OR EXISTS (SELECT 1 FROM passes p WHERE p.carnet_id = c.id AND p.etat = 'valide') THEN 1 ELSE 0 END), 0),
                COALESCE(SUM(CASE WHEN c.etat = 'epuise' THEN 1 ELSE 0 END), 0),
                COALESCE(SUM(CASE WHEN c.etat = 'expire' THEN 1 ELSE 0 END), 0)
         FROM carnets c JOIN commandes co ON co.id = c.commande_id
         WHERE {where_sql}"
    );
    let (emis, confies, distribues, entames, epuises, expires) = on!(conn, |cx| {
        let mut q = sqlx::query_as::<_, (i64, i64, i64, i64, i64, i64)>(&sql);
        for b in binds {
            q = q.bind(*b);
        }
        q.fetch_one(cx).await
    })?;
    Ok(Entonnoir { emis, confies, distribues, entames, epuises, expires })
}

/// Ranks compressed into runs: [1,2,3,7,8] → 1–3, 7–8.
pub fn plages(ranks: &[i64]) -> Vec<Plage> {
    let mut out: Vec<Plage> = Vec::new();
    for &r in ranks {
        match out.last_mut() {
            Some(p) if p.dernier + 1 == r => p.dernier = r,
            _ => out.push(Plage { premier: r, dernier: r }),
        }
    }
    out
}

pub async fn detail(db: &Db, id: i64, scope: Scope) -> sqlx::Result<Option<CommandeDetail>> {
    let conn: &mut dyn Conn = &mut db.acquire().await?;
    let Some((column, value)) = scope_filter(scope) else { return Ok(None) };
    let row: Option<SummaryRow> =
        on!(conn, |cx| sqlx::query_as(&format!("{SUMMARY_SELECT} WHERE co.id = $1 AND {column} = $2"))
            .bind(id)
            .bind(value)
            .fetch_optional(cx)
            .await)?;
    let Some(row) = row else { return Ok(None) };

    let territoire: Vec<(String, String, Option<String>)> = on!(conn, |cx| sqlx::query_as(
        "SELECT t.kind, t.code, COALESCE(c.nom, d.nom)
         FROM commande_territoires t
         LEFT JOIN communes c ON t.kind = 'commune' AND c.code_insee = t.code
         LEFT JOIN departements_centres d ON t.kind = 'departement' AND d.code = t.code
         WHERE t.commande_id = $1 ORDER BY t.kind DESC, t.code",
    )
    .bind(id)
    .fetch_all(cx)
    .await)?;
    let criteres = criteres_of(db, id).await?;
    let entonnoir = entonnoir(db, "co.id = $1", &[id]).await?;
    let (passes_valides, valeur): (i64, i64) = on!(conn, |cx| sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(valeur_centimes), 0) AS BIGINT) FROM pass_validations
         WHERE commande_id = $1 AND annulee_at IS NULL",
    )
    .bind(id)
    .fetch_one(cx)
    .await)?;
    let lots = super::lots::list(db, "l.commande_id = $1 AND l.kind = 'structure'", &[id]).await?;
    let avoirs: Vec<(i64, i64, i64, DateTime<Utc>)> = on!(conn, |cx| sqlx::query_as(
        "SELECT id, nb_passes, montant_centimes, created_at FROM avoirs WHERE commande_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(cx)
    .await)?;
    let ranks: Vec<(i64,)> = on!(conn, |cx| sqlx::query_as(
        "SELECT rang_commande FROM carnets WHERE commande_id = $1 AND etat = 'disponible' ORDER BY rang_commande",
    )
    .bind(id)
    .fetch_all(cx)
    .await)?;
    let ranks: Vec<i64> = ranks.into_iter().map(|r| r.0).collect();
    Ok(Some(CommandeDetail {
        commande: row.summary(),
        paiement_reference: row.paiement_reference.clone(),
        paiement_date: row.paiement_date,
        territoire: territoire
            .into_iter()
            .map(|(kind, code, nom)| TerritoireView { nom: nom.unwrap_or_else(|| code.clone()), kind, code })
            .collect(),
        criteres,
        entonnoir,
        passes_valides,
        valeur_consommee_centimes: valeur,
        lots,
        avoirs: avoirs
            .into_iter()
            .map(|(id, nb_passes, montant_centimes, created_at)| AvoirView {
                id,
                nb_passes,
                montant_centimes,
                created_at,
            })
            .collect(),
        disponibles: plages(&ranks),
    }))
}

pub async fn criteres_of(db: &Db, commande_id: i64) -> sqlx::Result<Vec<CritereView>> {
    let conn: &mut dyn Conn = &mut db.acquire().await?;
    let rows: Vec<(String, String)> = on!(conn, |cx| sqlx::query_as(
        "SELECT code, libelle FROM commande_criteres WHERE commande_id = $1 ORDER BY rang"
    )
    .bind(commande_id)
    .fetch_all(cx)
    .await)?;
    Ok(rows.into_iter().map(|(code, libelle)| CritereView { code, libelle }).collect())
}

/// The criteria of several orders at once.
pub async fn criteres_by_commande(db: &Db, ids: &[i64]) -> sqlx::Result<HashMap<i64, Vec<CritereView>>> {
    let mut out: HashMap<i64, Vec<CritereView>> = HashMap::new();
    for id in ids {
        if !out.contains_key(id) {
            out.insert(*id, criteres_of(db, *id).await?);
        }
    }
    Ok(out)
}

/// The codes to print on the carnets, for the opérateur: CSV (UTF-8 with BOM, `;`).
pub async fn codes_csv(db: &Db, id: i64, operateur_id: i64) -> sqlx::Result<Option<(String, String)>> {
    let conn: &mut dyn Conn = &mut db.acquire().await?;
    let reference: Option<(String,)> =
        on!(conn, |cx| sqlx::query_as("SELECT reference FROM commandes WHERE id = $1 AND operateur_id = $2")
            .bind(id)
            .bind(operateur_id)
            .fetch_optional(cx)
            .await)?;
    let Some((reference,)) = reference else { return Ok(None) };
    let rows: Vec<(String, i64, String)> = on!(conn, |cx| sqlx::query_as(
        "SELECT c.numero, p.rang, p.code FROM passes p JOIN carnets c ON c.id = p.carnet_id
         WHERE c.commande_id = $1 ORDER BY c.rang_commande, p.rang",
    )
    .bind(id)
    .fetch_all(cx)
    .await)?;
    let mut csv = String::from("\u{feff}Carnet;Pass;Code\r\n");
    for (numero, rang, code) in rows {
        let shown = PassCode::parse(&code).map(|c| c.display()).unwrap_or(code);
        csv.push_str(&format!("{numero};{rang};{shown}\r\n"));
    }
    Ok(Some((reference, csv)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_ranks() {
        assert_eq!(plages(&[]), vec![]);
        assert_eq!(
            plages(&[1, 2, 3, 7, 8, 10]),
            vec![
                Plage { premier: 1, dernier: 3 },
                Plage { premier: 7, dernier: 8 },
                Plage { premier: 10, dernier: 10 }
            ]
        );
    }
}

/// Whether the order exists and was placed by this commanditaire.
pub async fn du_commanditaire(conn: &mut dyn Conn, id: i64, commanditaire_id: i64) -> sqlx::Result<bool> {
    let r: Option<(i64,)> =
        on!(conn, |cx| sqlx::query_as("SELECT id FROM commandes WHERE id = $1 AND commanditaire_id = $2")
            .bind(id)
            .bind(commanditaire_id)
            .fetch_optional(cx)
            .await)?;
    Ok(r.is_some())
}

/// One piece of an order's territory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Territoire {
    /// A département, by its code.
    Departement(String),
    /// A commune, by its INSEE code.
    Commune(String),
}

/// The territory of the order a carnet belongs to; empty for an order without territory (or no
/// such carnet).
pub async fn territoire_du_carnet(conn: &mut dyn Conn, carnet_id: i64) -> sqlx::Result<Vec<Territoire>> {
    let rows: Vec<(String, String)> = on!(conn, |cx| sqlx::query_as(
        "SELECT t.kind, t.code FROM carnets ca JOIN commande_territoires t ON t.commande_id = ca.commande_id
         WHERE ca.id = $1",
    )
    .bind(carnet_id)
    .fetch_all(cx)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(kind, code)| match kind.as_str() {
            "departement" => Territoire::Departement(code),
            _ => Territoire::Commune(code),
        })
        .collect())
}
