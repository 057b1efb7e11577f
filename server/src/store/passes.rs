//! Pass transitions in the database. `validate` is THE validation of a pass: one atomic
//! statement whose conditions are those of `carnet_domain::pass_etat` (read that module's
//! documentation before adding one). Every function here runs inside the caller's transaction
//! and leaves its audit entry in it.

use crate::error::AppResult;
use crate::store::ledger::validation as ledger;
use carnet_domain::pass_etat::{
    motif_refus, validable, ConditionsValidation, FaitsPass, PassEtat, RefusValidation, Transition,
};
use carnet_domain::PassCode;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use sqlx::SqliteConnection;

/// A pass just validated.
#[derive(Clone, Debug, PartialEq)]
pub struct Valide {
    pub pass_id: i64,
    pub rang: i64,
    pub valeur_centimes: i64,
}

/// Why a validation was refused: the pass's own rules (carnet, state, validity) or the
/// ledger's (order, accreditation, territory, one pass per session).
#[derive(Clone, Debug, PartialEq)]
pub enum Refus {
    Pass(RefusValidation),
    Ledger(carnet_domain::ledger::validation::RefusValidation),
}

impl Refus {
    pub fn message(&self) -> String {
        match self {
            Refus::Pass(r) => r.message(),
            Refus::Ledger(r) => r.message(),
        }
    }
}

/// The ledger's key of a session (one validation per session).
pub fn seance_cle(seance_id: i64) -> String {
    format!("seance:{seance_id}")
}

/// Who validates, for what session, and to which structure the value goes.
#[derive(Clone, Copy, Debug)]
pub struct Validation {
    pub parcours_id: i64,
    pub seance_id: i64,
    pub user_id: i64,
    /// The conseiller's structure: the pass's value is credited to it, never to a person.
    pub structure_id: i64,
    pub at: DateTime<Utc>,
}

/// Validates the pass `code` under `conditions`, atomically: either this statement changes the
/// pass from `distribue` to `valide` (and nobody else can), or nothing changes and the reason is
/// returned. Two devices validating the same pass at once: exactly one succeeds.
pub async fn validate(
    conn: &mut SqliteConnection,
    code: &PassCode,
    conditions: ConditionsValidation,
    v: Validation,
) -> AppResult<Result<Valide, Refus>> {
    let t = Transition::Valider;
    let cle = seance_cle(v.seance_id);
    // The pass's rules and the ledger's (`ledger::conditions_sql`) in the same statement: two
    // devices validating at once cannot both succeed, whichever rule they race on.
    let sql = format!(
        "UPDATE passes
            SET etat = $1, validated_at = $2, validated_by = $3, credited_structure_id = $4, seance_id = $5
          WHERE code = $6
            AND etat = $7
            AND carnet_id = $8
            AND EXISTS (SELECT 1 FROM carnets c WHERE c.id = passes.carnet_id AND c.fin_validite >= $9)
            AND {}
         RETURNING id, rang, valeur_centimes",
        ledger::conditions_sql("$4", "$9", "$10")
    );
    let done: Option<(i64, i64, i64)> = sqlx::query_as(&sql)
        .bind(t.vers().code())
        .bind(v.at)
        .bind(v.user_id)
        .bind(v.structure_id)
        .bind(v.seance_id)
        .bind(code.as_str())
        .bind(t.depuis().code())
        .bind(conditions.carnet_id)
        .bind(conditions.jour)
        .bind(&cle)
        .fetch_optional(&mut *conn)
        .await?;
    let Some((pass_id, rang, valeur_centimes)) = done else {
        let faits = faits(conn, code).await?;
        return Ok(Err(match faits.as_ref() {
            // The pass's own rules hold: the ledger's refused it.
            Some(f) if validable(f, conditions) => Refus::Ledger(
                ledger::diagnostiquer(conn, code, Some(conditions.carnet_id), v.structure_id, &cle, conditions.jour)
                    .await?,
            ),
            _ => Refus::Pass(motif_refus(faits.as_ref(), conditions)),
        }));
    };
    // The ledger's entry (what statements read), the carnet's state and the audit line.
    ledger::enregistrer_validation(conn, pass_id, v.structure_id, Some(v.parcours_id), &cle, v.user_id, v.at).await?;
    Ok(Ok(Valide { pass_id, rang, valeur_centimes }))
}

/// What the database says about a pass (for the refusal reason).
pub async fn faits(conn: &mut SqliteConnection, code: &PassCode) -> sqlx::Result<Option<FaitsPass>> {
    let row: Option<(String, i64, NaiveDate, Option<DateTime<Utc>>)> = sqlx::query_as(
        "SELECT p.etat, p.carnet_id, c.fin_validite, p.validated_at
         FROM passes p JOIN carnets c ON c.id = p.carnet_id WHERE p.code = $1",
    )
    .bind(code.as_str())
    .fetch_optional(conn)
    .await?;
    Ok(row.and_then(|(etat, carnet_id, fin_validite, validated_at)| {
        Some(FaitsPass { etat: PassEtat::parse(&etat)?, carnet_id, fin_validite, validated_at })
    }))
}

/// Cancels the validation of the pass used by `seance_id`: the pass is usable again, its value
/// no longer credited. Returns the pass id, or `None` if that session holds no validated pass.
// The ledger's monthly statements will add here: refused once the statement is closed.
pub async fn cancel_validation(
    conn: &mut SqliteConnection,
    seance_id: i64,
    motif: &str,
    user_id: i64,
    at: DateTime<Utc>,
) -> AppResult<Option<i64>> {
    let t = Transition::AnnulerValidation;
    let row: Option<(i64, i64, Option<i64>, Option<DateTime<Utc>>)> = sqlx::query_as(
        "SELECT id, valeur_centimes, credited_structure_id, validated_at FROM passes WHERE seance_id = $1 AND etat = $2",
    )
    .bind(seance_id)
    .bind(t.depuis().code())
    .fetch_optional(&mut *conn)
    .await?;
    let Some((pass_id, valeur, structure, validated_at)) = row else { return Ok(None) };
    let changed = sqlx::query(
        "UPDATE passes
            SET etat = $1, validated_at = NULL, validated_by = NULL, credited_structure_id = NULL, seance_id = NULL
          WHERE id = $2 AND etat = $3",
    )
    .bind(t.vers().code())
    .bind(pass_id)
    .bind(t.depuis().code())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if changed != 1 {
        return Ok(None);
    }
    ledger::enregistrer_annulation(
        conn,
        pass_id,
        user_id,
        at,
        json!({ "seance_id": seance_id, "credited_structure_id": structure, "valeur_centimes": valeur,
                "validated_at": validated_at, "motif": motif }),
    )
    .await?;
    Ok(Some(pass_id))
}
