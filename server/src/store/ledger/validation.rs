//! Validating a pass during a session, and undoing it — the ledger's part.
//!
//! Issue 3 (the parcours' sessions) owns the atomic `UPDATE passes SET etat = 'valide', … WHERE
//! code = … AND etat = 'distribue' … RETURNING` and the function that frees a pass. The glue is:
//! 1. AND `conditions_sql(structure, today, seance)` into that UPDATE's WHERE clause (the ledger's
//!    rules, evaluated in the same statement, so two devices cannot both succeed);
//! 2. in the same transaction, on success call `enregistrer_validation` (the ledger entry the
//!    statements read, the carnet's state, audit); on no row call `diagnostiquer` for the French
//!    reason;
//! 3. after freeing a pass, call `enregistrer_annulation` in the same transaction.
//!
//! Until then `valider` and `annuler` below are the ledger's own entry points
//! (`POST /api/v1/passes/valider` and `/annuler`): the same statement shape, with a session key
//! of `parcours:<id>:<day>` (one session per parcours and day) standing for issue 3's session id.

use crate::error::{AppError, AppResult};
use crate::store::audit;
use carnet_domain::ledger::api::ValidationDone;
use carnet_domain::ledger::etats::{CarnetEtat, CarnetEvenement, PassEtat};
use carnet_domain::ledger::releve::Mois;
use carnet_domain::ledger::validation::{verifier, FaitsCommande, FaitsValidation, RefusValidation};
use carnet_domain::paris;
use carnet_domain::PassCode;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use sqlx::SqliteConnection;

/// The ledger's validation conditions, as SQL to AND into the atomic `UPDATE passes … WHERE`.
/// `structure`, `today` and `seance` are the placeholders the host statement binds to the
/// validating structure's id, today's date in Paris (ISO text) and the session's key. The updated
/// row is referred to as `passes`. A carnet without an order (typed in at intake) only gets the
/// one-pass-per-session and one-active-validation checks.
pub fn conditions_sql(structure: &str, today: &str, seance: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM pass_validations lpv WHERE lpv.seance_cle = {seance} AND lpv.annulee_at IS NULL)
     AND NOT EXISTS (SELECT 1 FROM pass_validations lpv WHERE lpv.pass_id = passes.id AND lpv.annulee_at IS NULL)
     AND ((SELECT lc.commande_id FROM carnets lc WHERE lc.id = passes.carnet_id) IS NULL
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
                            OR (lt.kind = 'departement' AND lt.code = lcm.departement))))))"
    )
}

/// The session key of the interim entry point: one session per parcours and day.
pub fn seance_cle_provisoire(parcours_id: i64, jour: NaiveDate) -> String {
    format!("parcours:{parcours_id}:{jour}")
}

/// The ledger entry, the carnet's new state and the audit entries of a validation that just
/// happened (the pass row is already `valide`). Returns the carnet's new state.
#[allow(clippy::too_many_arguments)]
pub async fn enregistrer_validation(
    conn: &mut SqliteConnection,
    pass_id: i64,
    structure_id: i64,
    parcours_id: Option<i64>,
    seance_cle: &str,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<CarnetEtat> {
    let jour = paris::today(now);
    let (carnet_id, valeur, commande_id, commanditaire_id, operateur_id): (
        i64,
        i64,
        Option<i64>,
        Option<i64>,
        Option<i64>,
    ) = sqlx::query_as(
        "SELECT p.carnet_id, p.valeur_centimes, c.commande_id, co.commanditaire_id, co.operateur_id
             FROM passes p JOIN carnets c ON c.id = p.carnet_id LEFT JOIN commandes co ON co.id = c.commande_id
             WHERE p.id = $1",
    )
    .bind(pass_id)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO pass_validations (pass_id, carnet_id, commande_id, commanditaire_id, operateur_id, structure_id,
                                       parcours_id, seance_cle, valeur_centimes, mois, jour, validated_at, validated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(pass_id)
    .bind(carnet_id)
    .bind(commande_id)
    .bind(commanditaire_id)
    .bind(operateur_id)
    .bind(structure_id)
    .bind(parcours_id)
    .bind(seance_cle)
    .bind(valeur)
    .bind(Mois::of(jour).to_string())
    .bind(jour)
    .bind(now)
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        now,
        Some(user_id),
        "pass",
        pass_id,
        "valide",
        Some(&json!({ "etat": "distribue" })),
        Some(&json!({ "etat": "valide", "structure_id": structure_id, "parcours_id": parcours_id, "seance": seance_cle })),
    )
    .await?;
    let (restants,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM passes WHERE carnet_id = $1 AND etat IN ('emis', 'actif', 'distribue')")
            .bind(carnet_id)
            .fetch_one(&mut *conn)
            .await?;
    carnet_suit(conn, carnet_id, CarnetEvenement::PassValide { restants: restants as u32 }, user_id, now).await
}

/// Moves a carnet through its machine after one of its passes changed; audited when it changes.
async fn carnet_suit(
    conn: &mut SqliteConnection,
    carnet_id: i64,
    evenement: CarnetEvenement,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<CarnetEtat> {
    let (etat,): (String,) =
        sqlx::query_as("SELECT etat FROM carnets WHERE id = $1").bind(carnet_id).fetch_one(&mut *conn).await?;
    let Some(before) = CarnetEtat::parse(&etat) else {
        return Err(AppError::Internal(anyhow::anyhow!("état de carnet inconnu : {etat}")));
    };
    let after = before.suivant(evenement).map_err(|r| AppError::Conflict(r.raison))?;
    if after != before {
        sqlx::query("UPDATE carnets SET etat = $2 WHERE id = $1")
            .bind(carnet_id)
            .bind(after.as_str())
            .execute(&mut *conn)
            .await?;
        audit::record(
            conn,
            now,
            Some(user_id),
            "carnet",
            carnet_id,
            evenement.as_str(),
            Some(&json!({ "etat": before.as_str() })),
            Some(&json!({ "etat": after.as_str() })),
        )
        .await?;
    }
    Ok(after)
}

/// The ledger's part of undoing a validation (the pass row is already freed): the entry is marked
/// undone (a reversal line on the next statement if it was already listed), the carnet follows.
/// `details` (the session, the reason) go into the audit line, the only one of the cancellation.
pub async fn enregistrer_annulation(
    conn: &mut SqliteConnection,
    pass_id: i64,
    user_id: i64,
    now: DateTime<Utc>,
    details: serde_json::Value,
) -> AppResult<()> {
    let jour = paris::today(now);
    let updated = sqlx::query(
        "UPDATE pass_validations SET annulee_at = $2, annulee_le = $3, annulee_by = $4
         WHERE pass_id = $1 AND annulee_at IS NULL",
    )
    .bind(pass_id)
    .bind(now)
    .bind(jour)
    .bind(user_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if updated != 1 {
        return Err(AppError::Conflict("Ce pass n'a pas de validation à annuler.".into()));
    }
    audit::record(
        conn,
        now,
        Some(user_id),
        "pass",
        pass_id,
        "validation_annulee",
        Some(&json!({ "etat": "valide" })),
        Some(&json!({ "etat": "distribue", "details": details })),
    )
    .await?;
    let (carnet_id,): (i64,) =
        sqlx::query_as("SELECT carnet_id FROM passes WHERE id = $1").bind(pass_id).fetch_one(&mut *conn).await?;
    let (valides,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM passes WHERE carnet_id = $1 AND etat = 'valide'")
        .bind(carnet_id)
        .fetch_one(&mut *conn)
        .await?;
    carnet_suit(conn, carnet_id, CarnetEvenement::PassAnnule { valides: valides as u32 }, user_id, now).await?;
    Ok(())
}

/// Why a validation that changed no row was refused: the facts, judged by the domain's rules.
pub async fn diagnostiquer(
    conn: &mut SqliteConnection,
    code: &PassCode,
    parcours_carnet_id: Option<i64>,
    structure_id: i64,
    seance_cle: &str,
    today: NaiveDate,
) -> AppResult<RefusValidation> {
    #[derive(sqlx::FromRow)]
    struct Row {
        etat: String,
        carnet_id: i64,
        validated_at: Option<DateTime<Utc>>,
        commande_id: Option<i64>,
        operateur: Option<String>,
        operateur_id: Option<i64>,
        fin_validite: Option<NaiveDate>,
        jours_grace: Option<i64>,
    }
    let row: Option<Row> = sqlx::query_as(
        "SELECT p.etat, p.carnet_id, p.validated_at, c.commande_id, op.nom AS operateur, co.operateur_id,
                co.fin_validite, co.jours_grace
         FROM passes p JOIN carnets c ON c.id = p.carnet_id
         LEFT JOIN commandes co ON co.id = c.commande_id
         LEFT JOIN operateurs op ON op.id = co.operateur_id
         WHERE p.code = $1",
    )
    .bind(code.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = row else { return Ok(RefusValidation::CodeInconnu) };
    let seance: Option<(i64,)> =
        sqlx::query_as("SELECT 1 FROM pass_validations WHERE seance_cle = $1 AND annulee_at IS NULL")
            .bind(seance_cle)
            .fetch_optional(&mut *conn)
            .await?;
    let commande = match (r.commande_id, r.operateur_id) {
        (Some(commande_id), Some(operateur_id)) => {
            let agrement: Option<(String,)> =
                sqlx::query_as("SELECT etat FROM structure_agrements WHERE structure_id = $1 AND operateur_id = $2")
                    .bind(structure_id)
                    .bind(operateur_id)
                    .fetch_optional(&mut *conn)
                    .await?;
            let commune: Option<(String, String, String)> = sqlx::query_as(
                "SELECT cm.code_insee, cm.departement, cm.nom FROM structures s JOIN communes cm ON cm.code_insee = s.commune_insee
                 WHERE s.id = $1",
            )
            .bind(structure_id)
            .fetch_optional(&mut *conn)
            .await?;
            let territoire: Vec<(String, String)> =
                sqlx::query_as("SELECT kind, code FROM commande_territoires WHERE commande_id = $1")
                    .bind(commande_id)
                    .fetch_all(&mut *conn)
                    .await?;
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
    let etat = PassEtat::parse(&r.etat).unwrap_or(PassEtat::Valide);
    let faits = FaitsValidation {
        etat,
        valide_le: r.validated_at.map(paris::today),
        carnet_du_parcours: parcours_carnet_id == Some(r.carnet_id),
        commande,
        seance_deja_validee: seance.is_some(),
    };
    Ok(match verifier(&faits, today) {
        Err(refus) => refus,
        // Every rule holds now: another device validated the pass (or this session) in between.
        Ok(()) => RefusValidation::DejaValide { le: Some(today) },
    })
}

/// The interim validation entry point: validates `code` for a session of parcours `parcours_id`
/// of `structure_id`, in one atomic statement with the ledger's conditions.
pub async fn valider(
    conn: &mut SqliteConnection,
    code: &PassCode,
    parcours_id: i64,
    structure_id: i64,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<Result<ValidationDone, RefusValidation>> {
    let today = paris::today(now);
    let parcours: Option<(i64,)> = sqlx::query_as("SELECT carnet_id FROM parcours WHERE id = $1 AND structure_id = $2")
        .bind(parcours_id)
        .bind(structure_id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some((parcours_carnet,)) = parcours else { return Err(AppError::NotFound) };
    let seance = seance_cle_provisoire(parcours_id, today);
    let sql = format!(
        "UPDATE passes SET etat = 'valide', validated_at = $1, validated_by = $2, credited_structure_id = $3
         WHERE code = $4 AND etat = 'distribue' AND carnet_id = $5
           AND {}
         RETURNING id, valeur_centimes",
        conditions_sql("$3", "$6", "$7")
    );
    let row: Option<(i64, i64)> = sqlx::query_as(&sql)
        .bind(now)
        .bind(user_id)
        .bind(structure_id)
        .bind(code.as_str())
        .bind(parcours_carnet)
        .bind(today)
        .bind(&seance)
        .fetch_optional(&mut *conn)
        .await?;
    let Some((pass_id, valeur)) = row else {
        return Ok(Err(diagnostiquer(conn, code, Some(parcours_carnet), structure_id, &seance, today).await?));
    };
    let carnet_etat =
        enregistrer_validation(conn, pass_id, structure_id, Some(parcours_id), &seance, user_id, now).await?;
    let (structure,): (String,) =
        sqlx::query_as("SELECT nom FROM structures WHERE id = $1").bind(structure_id).fetch_one(&mut *conn).await?;
    Ok(Ok(ValidationDone {
        code: code.display(),
        valeur_centimes: valeur,
        structure,
        carnet_etat: carnet_etat.as_str().to_string(),
        validated_at: now,
    }))
}

/// The interim cancellation: frees a pass this structure validated, then the ledger's part.
pub async fn annuler(
    conn: &mut SqliteConnection,
    code: &PassCode,
    structure_id: i64,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let row: Option<(i64,)> = sqlx::query_as(
        "UPDATE passes SET etat = 'distribue', validated_at = NULL, validated_by = NULL, credited_structure_id = NULL
         WHERE code = $1 AND etat = 'valide' AND credited_structure_id = $2
         RETURNING id",
    )
    .bind(code.as_str())
    .bind(structure_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((pass_id,)) = row else {
        return Err(AppError::Unprocessable(
            "Ce pass n'a pas été validé par votre structure : il n'y a rien à annuler.".into(),
        ));
    };
    enregistrer_annulation(conn, pass_id, user_id, now, json!({ "par": "code" })).await
}
