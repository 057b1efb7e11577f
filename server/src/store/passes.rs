//! The only code that writes a pass's state (`passes.etat`): every transition of
//! `carnet_domain::pass` as one conditional statement, with its ledger entry, the carnet's state
//! and its audit lines, inside the caller's transaction.
//!
//! - `validate` / `cancel_validation`: a held session consumes a pass, and gives it back;
//! - `activate_order`: an order's passes become usable once the opérateur activates it;
//! - `distribute_carnet`: a carnet handed to a person at intake;
//! - `expire_order`: an order past its validity plus grace.
//!
//! A test scans `server/src` for statements that change `passes` elsewhere.

use crate::error::{AppError, AppResult};
use crate::store::audit::{Audit, Entite};
use crate::store::conn::{on, Conn};
use crate::store::ledger::audit_bulk;
use carnet_domain::ledger::etats::{CarnetEtat, CarnetEvenement};
use carnet_domain::ledger::releve::Mois;
use carnet_domain::paris;
use carnet_domain::pass::{
    verifier, CarnetId, FaitsCommande, FaitsValidation, PassCode, PassEtat, PassEvenement, PassId, RefusValidation,
    SeanceId,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;

/// A pass just validated.
#[derive(Clone, Debug, PartialEq)]
pub struct Valide {
    pub pass_id: PassId,
    pub rang: i64,
    pub valeur_centimes: i64,
}

/// Who validates, for which session of which parcours, and to which structure the value goes.
#[derive(Clone, Copy, Debug)]
pub struct Validation {
    /// The carnet of the parcours: the pass must be one of its own.
    pub carnet_id: CarnetId,
    pub parcours_id: i64,
    pub seance_id: SeanceId,
    pub user_id: i64,
    /// The conseiller's structure: the pass's value is credited to it, never to a person.
    pub structure_id: i64,
    pub at: DateTime<Utc>,
    /// The day of `at` on the structure's calendar, on which the carnet's validity is read. Given
    /// by the caller: a read here, before the atomic statement, would make two concurrent
    /// validations of the same pass deadlock instead of one of them being refused.
    pub jour: NaiveDate,
}

/// Conditions 3 and 4 of `carnet_domain::pass` (validation), in its order, as SQL to AND into the
/// atomic `UPDATE passes … WHERE` (conditions 1 and 2 are its `carnet_id = …` and `etat = …`).
/// `structure`, `today` and `seance` are the placeholders bound to the validating structure's id,
/// today in Paris (ISO text) and the session's key; the updated row is `passes`.
fn conditions(structure: &str, today: &str, seance: &str) -> String {
    format!(
        "(EXISTS (SELECT 1 FROM carnets lc WHERE lc.id = passes.carnet_id
                  AND lc.commande_id IS NULL AND lc.fin_validite >= {today})
       OR EXISTS (
           SELECT 1 FROM carnets lc
           JOIN commandes lco ON lco.id = lc.commande_id
           JOIN structure_agrements lsa ON lsa.operateur_id = lco.operateur_id
                AND lsa.structure_id = {structure} AND lsa.etat = 'actif'
           JOIN structures ls ON ls.id = {structure}
           JOIN communes lcm ON lcm.code_insee = ls.commune_insee
           WHERE lc.id = passes.carnet_id
             AND lco.etat = 'active'
             AND {today} <= lco.date_limite
             AND (NOT EXISTS (SELECT 1 FROM commande_territoires lt WHERE lt.commande_id = lco.id)
               OR EXISTS (SELECT 1 FROM commande_territoires lt WHERE lt.commande_id = lco.id
                          AND ((lt.kind = 'commune' AND lt.code = ls.commune_insee)
                            OR (lt.kind = 'departement' AND lt.code = lcm.departement))))))
     AND NOT EXISTS (SELECT 1 FROM pass_validations lpv WHERE lpv.seance_cle = {seance} AND lpv.annulee_at IS NULL)
     AND NOT EXISTS (SELECT 1 FROM pass_validations lpv WHERE lpv.pass_id = passes.id AND lpv.annulee_at IS NULL)"
    )
}

/// Validates the pass `code` for a held session, atomically: either this statement moves the pass
/// from `distribue` to `valide` (and nobody else can), or nothing changes and the first condition
/// that failed is returned. Two devices validating the same pass, or two passes for one session,
/// at once: exactly one succeeds.
pub async fn validate(
    conn: &mut dyn Conn,
    code: &PassCode,
    v: Validation,
) -> AppResult<Result<Valide, RefusValidation>> {
    let ev = PassEvenement::Valider;
    let today = v.jour;
    let cle = v.seance_id.cle();
    verrouiller_seance(conn, v.seance_id).await?;
    let sql = format!(
        "UPDATE passes
            SET etat = $1, validated_at = $2, validated_by = $3, credited_structure_id = $4, seance_id = $5
          WHERE code = $6
            AND carnet_id = $7
            AND etat IN {}
            AND {}
         RETURNING id, rang, valeur_centimes",
        ev.depuis_sql(),
        conditions("$4", "$8", "$9")
    );
    let done: Option<(i64, i64, i64)> = on!(conn, |cx| sqlx::query_as(&sql)
        .bind(ev.vers().as_str())
        .bind(v.at)
        .bind(v.user_id)
        .bind(v.structure_id)
        .bind(v.seance_id.get())
        .bind(code.as_str())
        .bind(v.carnet_id.get())
        .bind(today)
        .bind(&cle)
        .fetch_optional(cx)
        .await)?;
    let Some((pass_id, rang, valeur_centimes)) = done else {
        return Ok(Err(diagnostiquer(conn, code, v.carnet_id, v.structure_id, &cle, today).await?));
    };
    let pass_id = PassId(pass_id);
    enregistrer_validation(conn, pass_id, &v, &cle).await?;
    // The statistics count the passes held sessions consumed.
    crate::store::agregat::recompter_seance(conn, v.seance_id.get()).await?;
    Ok(Ok(Valide { pass_id, rang, valeur_centimes }))
}

/// Why a validation that changed no row was refused: the facts, judged by `verifier`.
async fn diagnostiquer(
    conn: &mut dyn Conn,
    code: &PassCode,
    carnet_du_parcours: CarnetId,
    structure_id: i64,
    seance_cle: &str,
    today: NaiveDate,
) -> AppResult<RefusValidation> {
    #[derive(sqlx::FromRow)]
    struct Row {
        etat: String,
        carnet_id: i64,
        carnet_fin_validite: NaiveDate,
        validated_at: Option<DateTime<Utc>>,
        commande_id: Option<i64>,
        operateur: Option<String>,
        operateur_id: Option<i64>,
        fin_validite: Option<NaiveDate>,
        jours_grace: Option<i64>,
    }
    let row: Option<Row> = on!(conn, |cx| sqlx::query_as(
        "SELECT p.etat, p.carnet_id, c.fin_validite AS carnet_fin_validite, p.validated_at, c.commande_id,
                op.nom AS operateur, co.operateur_id, co.fin_validite, co.jours_grace
         FROM passes p JOIN carnets c ON c.id = p.carnet_id
         LEFT JOIN commandes co ON co.id = c.commande_id
         LEFT JOIN operateurs op ON op.id = co.operateur_id
         WHERE p.code = $1",
    )
    .bind(code.as_str())
    .fetch_optional(cx)
    .await)?;
    let Some(r) = row else { return Ok(RefusValidation::CodeInconnu) };
    let (seance_deja_validee,): (bool,) = on!(conn, |cx| sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM pass_validations WHERE seance_cle = $1 AND annulee_at IS NULL)"
    )
    .bind(seance_cle)
    .fetch_one(cx)
    .await)?;
    let commande = match (r.commande_id, r.operateur_id) {
        (Some(commande_id), Some(operateur_id)) => {
            let agrement: Option<(String,)> = on!(conn, |cx| sqlx::query_as(
                "SELECT etat FROM structure_agrements WHERE structure_id = $1 AND operateur_id = $2"
            )
            .bind(structure_id)
            .bind(operateur_id)
            .fetch_optional(cx)
            .await)?;
            let commune: Option<(String, String, String)> = on!(conn, |cx| {
                sqlx::query_as(
                "SELECT cm.code_insee, cm.departement, cm.nom FROM structures s JOIN communes cm ON cm.code_insee = s.commune_insee
                 WHERE s.id = $1",
            )
            .bind(structure_id)
            .fetch_optional(cx)
            .await
            })?;
            let territoire: Vec<(String, String)> =
                on!(conn, |cx| sqlx::query_as("SELECT kind, code FROM commande_territoires WHERE commande_id = $1")
                    .bind(commande_id)
                    .fetch_all(cx)
                    .await)?;
            Some(FaitsCommande {
                operateur: r.operateur.clone().unwrap_or_default(),
                agrement_actif: agrement.map(|a| a.0 == "actif"),
                fin_validite: r.fin_validite.unwrap_or(today),
                jours_grace: r.jours_grace.unwrap_or(0),
                commune_structure: commune,
                territoire_departements: territoire
                    .iter()
                    .filter(|t| t.0 == "departement")
                    .map(|t| t.1.clone())
                    .collect(),
                territoire_communes: territoire.iter().filter(|t| t.0 == "commune").map(|t| t.1.clone()).collect(),
            })
        }
        _ => None,
    };
    let Some(etat) = PassEtat::parse(&r.etat) else {
        return Err(AppError::Internal(anyhow::anyhow!("état de pass inconnu : {}", r.etat)));
    };
    let faits = FaitsValidation {
        etat,
        valide_le: r.validated_at.map(paris::today),
        carnet_du_parcours: CarnetId(r.carnet_id) == carnet_du_parcours,
        fin_validite_carnet: r.carnet_fin_validite,
        commande,
        seance_deja_validee,
    };
    Ok(match verifier(&faits, today) {
        Err(refus) => refus,
        // Every condition holds now: another device validated the pass (or this session) and
        // cancelled it in between. « Already used » was true when the statement ran.
        Ok(()) => RefusValidation::DejaValide { le: Some(today) },
    })
}

/// The ledger entry (what statements read), the carnet's new state and the audit line of a
/// validation that just happened.
async fn enregistrer_validation(
    conn: &mut dyn Conn,
    pass_id: PassId,
    v: &Validation,
    seance_cle: &str,
) -> AppResult<CarnetEtat> {
    let jour = paris::today(v.at);
    // Before the inserts below: their foreign keys share-lock the carnet's row, and two
    // validations of one carnet that each held that share lock and then asked for the row lock
    // would deadlock on PostgreSQL.
    verrouiller_carnet(conn, v.carnet_id).await?;
    let (valeur, commande_id, commanditaire_id, operateur_id): (i64, Option<i64>, Option<i64>, Option<i64>) =
        on!(conn, |cx| sqlx::query_as(
            "SELECT p.valeur_centimes, c.commande_id, co.commanditaire_id, co.operateur_id
             FROM passes p JOIN carnets c ON c.id = p.carnet_id LEFT JOIN commandes co ON co.id = c.commande_id
             WHERE p.id = $1",
        )
        .bind(pass_id.get())
        .fetch_one(cx)
        .await)?;
    on!(conn, |cx| sqlx::query(
        "INSERT INTO pass_validations (pass_id, carnet_id, commande_id, commanditaire_id, operateur_id, structure_id,
                                       parcours_id, seance_cle, valeur_centimes, mois, jour, validated_at, validated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(pass_id.get())
    .bind(v.carnet_id.get())
    .bind(commande_id)
    .bind(commanditaire_id)
    .bind(operateur_id)
    .bind(v.structure_id)
    .bind(v.parcours_id)
    .bind(seance_cle)
    .bind(valeur)
    .bind(Mois::of(jour).to_string())
    .bind(jour)
    .bind(v.at)
    .bind(v.user_id)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    Audit::par(Some(v.user_id), Entite::Pass(pass_id), "valide")
        .avant(json!({ "etat": PassEtat::Distribue }))
        .apres(json!({ "etat": PassEtat::Valide, "structure_id": v.structure_id, "parcours_id": v.parcours_id,
                      "seance_id": v.seance_id, "valeur_centimes": valeur }))
        .ecrire(conn, v.at)
        .await?;
    let (restants,): (i64,) = on!(conn, |cx| sqlx::query_as(
        "SELECT COUNT(*) FROM passes WHERE carnet_id = $1 AND etat IN ('emis', 'actif', 'distribue')"
    )
    .bind(v.carnet_id.get())
    .fetch_one(cx)
    .await)?;
    carnet_suit(conn, v.carnet_id, CarnetEvenement::PassValide { restants: restants as u32 }, v.user_id, v.at).await
}

/// Locks the session's row until the transaction ends, before the atomic statement: two passes
/// presented at once for one session on PostgreSQL would both pass its « no validation for this
/// session yet » (each statement reads before the other commits), and the second would then
/// fail on the unique index of `passes.seance_id`. The second waits instead, and is refused as a
/// session already validated. Two sessions presenting one pass lock two rows: no waiting there.
async fn verrouiller_seance(conn: &mut dyn Conn, seance_id: SeanceId) -> sqlx::Result<()> {
    let _: Option<i64> = on!(conn, |cx| match dialect::VERROU_SEANCE {
        Some(sql) => sqlx::query_scalar(sql).bind(seance_id.get()).fetch_optional(cx).await,
        None => Ok(None),
    })?;
    Ok(())
}

/// Locks the carnet's row until the transaction ends, before its passes are counted: two passes
/// of one carnet validated at once on PostgreSQL (whose writers do not queue) would each count
/// the other as still usable, and the carnet would stay « entamé » with no pass left. The second
/// waits for the first to commit, then counts what it wrote.
async fn verrouiller_carnet(conn: &mut dyn Conn, carnet_id: CarnetId) -> sqlx::Result<()> {
    let _: Option<i64> =
        on!(conn, |cx| sqlx::query_scalar(&format!("SELECT id FROM carnets WHERE id = $1{}", dialect::FOR_UPDATE))
            .bind(carnet_id.get())
            .fetch_optional(cx)
            .await)?;
    Ok(())
}

/// Moves a carnet through its machine after one of its passes changed; audited when it changes.
async fn carnet_suit(
    conn: &mut dyn Conn,
    carnet_id: CarnetId,
    evenement: CarnetEvenement,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<CarnetEtat> {
    let (etat,): (String,) = on!(conn, |cx| sqlx::query_as("SELECT etat FROM carnets WHERE id = $1")
        .bind(carnet_id.get())
        .fetch_one(cx)
        .await)?;
    let Some(before) = CarnetEtat::parse(&etat) else {
        return Err(AppError::Internal(anyhow::anyhow!("état de carnet inconnu : {etat}")));
    };
    let after = before.suivant(evenement).map_err(|r| AppError::Conflict(r.raison))?;
    if after != before {
        on!(conn, |cx| sqlx::query("UPDATE carnets SET etat = $2 WHERE id = $1")
            .bind(carnet_id.get())
            .bind(after.as_str())
            .execute(cx)
            .await
            .map(|r| r.rows_affected()))?;
        Audit::par(Some(user_id), Entite::Carnet(carnet_id.get()), evenement.as_str())
            .avant(json!({ "etat": before.as_str() }))
            .apres(json!({ "etat": after.as_str() }))
            .ecrire(conn, now)
            .await?;
    }
    Ok(after)
}

/// Cancels the validation of the pass `seance_id` consumed: the pass is usable again, its ledger
/// entry is marked undone (a reversal line on the next statement if it was already listed), the
/// carnet follows. Returns the pass, or `None` if that session holds no validated pass. The
/// conseiller's reason stays in the session's own audit line, which buyers never read.
pub async fn cancel_validation(
    conn: &mut dyn Conn,
    seance_id: SeanceId,
    user_id: i64,
    at: DateTime<Utc>,
) -> AppResult<Option<PassId>> {
    let ev = PassEvenement::AnnulerValidation;
    let row: Option<(i64, i64, i64)> = on!(conn, |cx| sqlx::query_as(&format!(
        "UPDATE passes
            SET etat = $1, validated_at = NULL, validated_by = NULL, credited_structure_id = NULL, seance_id = NULL
          WHERE seance_id = $2 AND etat IN {}
         RETURNING id, carnet_id, valeur_centimes",
        ev.depuis_sql()
    ))
    .bind(ev.vers().as_str())
    .bind(seance_id.get())
    .fetch_optional(cx)
    .await)?;
    let Some((pass_id, carnet_id, valeur)) = row else { return Ok(None) };
    let jour = paris::today(at);
    let updated = on!(conn, |cx| sqlx::query(
        "UPDATE pass_validations SET annulee_at = $2, annulee_le = $3, annulee_by = $4
         WHERE pass_id = $1 AND annulee_at IS NULL",
    )
    .bind(pass_id)
    .bind(at)
    .bind(jour)
    .bind(user_id)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    if updated != 1 {
        return Err(AppError::Conflict("Ce pass n'a pas de validation à annuler.".into()));
    }
    Audit::par(Some(user_id), Entite::Pass(PassId(pass_id)), "validation_annulee")
        .avant(json!({ "etat": PassEtat::Valide }))
        .apres(json!({ "etat": PassEtat::Distribue, "seance_id": seance_id, "valeur_centimes": valeur }))
        .ecrire(conn, at)
        .await?;
    verrouiller_carnet(conn, CarnetId(carnet_id)).await?;
    let (valides,): (i64,) =
        on!(conn, |cx| sqlx::query_as("SELECT COUNT(*) FROM passes WHERE carnet_id = $1 AND etat = 'valide'")
            .bind(carnet_id)
            .fetch_one(cx)
            .await)?;
    carnet_suit(conn, CarnetId(carnet_id), CarnetEvenement::PassAnnule { valides: valides as u32 }, user_id, at)
        .await?;
    crate::store::agregat::recompter_seance(conn, seance_id.get()).await?;
    Ok(Some(PassId(pass_id)))
}

/// The passes of an activated order become usable (`emis` → `actif`), one audit line each.
pub async fn activate_order(
    conn: &mut dyn Conn,
    commande_id: i64,
    user_id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<u64> {
    let ev = PassEvenement::Activer;
    bulk(conn, ev, "carnet_id IN (SELECT id FROM carnets WHERE commande_id = {id})", commande_id, Some(user_id), now)
        .await
}

/// The passes of a carnet handed to a person at intake (`actif` → `distribue`).
pub async fn distribute_carnet(
    conn: &mut dyn Conn,
    carnet_id: CarnetId,
    user_id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<u64> {
    bulk(conn, PassEvenement::Distribuer, "carnet_id = {id}", carnet_id.get(), Some(user_id), now).await
}

/// The unused passes of an order past its validity plus grace (→ `expire`), by the expiry job.
pub async fn expire_order(conn: &mut dyn Conn, commande_id: i64, now: DateTime<Utc>) -> sqlx::Result<u64> {
    let ev = PassEvenement::Expirer;
    bulk(conn, ev, "carnet_id IN (SELECT id FROM carnets WHERE commande_id = {id})", commande_id, None, now).await
}

/// One event applied to every pass of `filtre` (where `{id}` stands for `id`'s placeholder) in a
/// starting state of the event: the audit lines (state before, state after), then the change, in
/// one statement each.
async fn bulk(
    conn: &mut dyn Conn,
    ev: PassEvenement,
    filtre: &str,
    id: i64,
    user_id: Option<i64>,
    now: DateTime<Utc>,
) -> sqlx::Result<u64> {
    let (depuis, vers) = (ev.depuis_sql(), ev.vers().as_str());
    audit_bulk(
        conn,
        now,
        user_id,
        "pass",
        ev.action(),
        &format!(
            "SELECT id AS entity_id, '{{\"etat\":\"' || etat || '\"}}' AS before_json, '{{\"etat\":\"{vers}\"}}' AS after_json
             FROM passes WHERE {} AND etat IN {depuis}",
            filtre.replace("{id}", "$3")
        ),
        &[id],
    )
    .await?;
    let sql = format!("UPDATE passes SET etat = $1 WHERE {} AND etat IN {depuis}", filtre.replace("{id}", "$2"));
    Ok(on!(conn, |cx| sqlx::query(&sql).bind(vers).bind(id).execute(cx).await.map(|r| r.rows_affected()))?)
}

/// The carnet's pass codes, by rank.
pub async fn codes_du_carnet(conn: &mut dyn Conn, carnet_id: i64) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(String,)> =
        on!(conn, |cx| sqlx::query_as("SELECT code FROM passes WHERE carnet_id = $1 ORDER BY rang")
            .bind(carnet_id)
            .fetch_all(cx)
            .await)?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// How many passes of a carnet are still to use.
pub async fn restants(conn: &mut dyn Conn, carnet_id: i64) -> sqlx::Result<usize> {
    let n: i64 =
        on!(conn, |cx| sqlx::query_scalar("SELECT COUNT(*) FROM passes WHERE carnet_id = $1 AND etat = 'distribue'")
            .bind(carnet_id)
            .fetch_one(cx)
            .await)?;
    Ok(n as usize)
}

#[cfg(test)]
mod tests {
    /// Every `.rs` file under `dir`, recursively.
    fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn this_file_alone_changes_a_pass() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        sources(&root, &mut files);
        let mut writers: Vec<String> = files
            .iter()
            .filter(|f| {
                // Words joined by single spaces, whatever the line breaks of the SQL.
                let text = std::fs::read_to_string(f).unwrap().to_uppercase();
                let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
                words.contains("UPDATE PASSES ")
            })
            .map(|f| f.strip_prefix(&root).unwrap().display().to_string())
            .collect();
        writers.sort();
        assert_eq!(writers, vec!["store/passes.rs".to_string()]);
    }
}
