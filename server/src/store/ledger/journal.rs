//! The audit journal of the ledger's objects, as each role may read it: the opérateur its orders,
//! their carnets and passes, its statements and accreditations; the commanditaire its orders,
//! carnets, passes and credits; the coordinateur the structure's carnets, passes, lots,
//! statements and accreditation; the conseiller the carnets of their lot and their passes.
//! Personal fields are removed for the opérateur and the commanditaire.

use super::Scope;
use crate::db::Db;
use crate::store::conn::{on, Conn};
use carnet_domain::ledger::api::{JournalEntry, JournalPage};
use chrono::{DateTime, Utc};

pub const PER_PAGE: u32 = 50;

/// The entities of the ledger, as `audit_log.entity`.
pub const ENTITIES: &[&str] = &["commande", "carnet", "pass", "lot", "releve", "agrement", "avoir"];

/// `(SQL condition on audit row `a`, whether personal fields are removed)`. `$1` is the scope's id,
/// `$2` the structure for a conseiller.
fn scope_sql(scope: Scope) -> (&'static str, bool) {
    match scope {
        Scope::Operateur(_) => (
            "(a.entity = 'commande' AND EXISTS (SELECT 1 FROM commandes co WHERE co.id = a.entity_id AND co.operateur_id = $1))
          OR (a.entity = 'carnet' AND EXISTS (SELECT 1 FROM carnets c JOIN commandes co ON co.id = c.commande_id
                                              WHERE c.id = a.entity_id AND co.operateur_id = $1))
          OR (a.entity = 'pass' AND EXISTS (SELECT 1 FROM passes p JOIN carnets c ON c.id = p.carnet_id
                                            JOIN commandes co ON co.id = c.commande_id
                                            WHERE p.id = a.entity_id AND co.operateur_id = $1))
          OR (a.entity = 'lot' AND EXISTS (SELECT 1 FROM lots l JOIN commandes co ON co.id = l.commande_id
                                           WHERE l.id = a.entity_id AND co.operateur_id = $1))
          OR (a.entity = 'releve' AND EXISTS (SELECT 1 FROM releves r WHERE r.id = a.entity_id AND r.operateur_id = $1))
          OR (a.entity = 'agrement' AND EXISTS (SELECT 1 FROM structure_agrements sa
                                                WHERE sa.structure_id = a.entity_id AND sa.operateur_id = $1))
          OR (a.entity = 'avoir' AND EXISTS (SELECT 1 FROM avoirs av JOIN commandes co ON co.id = av.commande_id
                                             WHERE av.id = a.entity_id AND co.operateur_id = $1))",
            true,
        ),
        Scope::Commanditaire(_) => (
            "(a.entity = 'commande' AND EXISTS (SELECT 1 FROM commandes co WHERE co.id = a.entity_id AND co.commanditaire_id = $1))
          OR (a.entity = 'carnet' AND EXISTS (SELECT 1 FROM carnets c JOIN commandes co ON co.id = c.commande_id
                                              WHERE c.id = a.entity_id AND co.commanditaire_id = $1))
          OR (a.entity = 'pass' AND EXISTS (SELECT 1 FROM passes p JOIN carnets c ON c.id = p.carnet_id
                                            JOIN commandes co ON co.id = c.commande_id
                                            WHERE p.id = a.entity_id AND co.commanditaire_id = $1))
          OR (a.entity = 'avoir' AND EXISTS (SELECT 1 FROM avoirs av WHERE av.id = a.entity_id AND av.commanditaire_id = $1))",
            true,
        ),
        Scope::Structure(_) => (
            "(a.entity = 'carnet' AND EXISTS (SELECT 1 FROM carnets c WHERE c.id = a.entity_id AND c.structure_id = $1))
          OR (a.entity = 'pass' AND EXISTS (SELECT 1 FROM passes p JOIN carnets c ON c.id = p.carnet_id
                                            WHERE p.id = a.entity_id AND c.structure_id = $1))
          OR (a.entity = 'releve' AND EXISTS (SELECT 1 FROM releves r WHERE r.id = a.entity_id AND r.structure_id = $1))
          OR (a.entity = 'agrement' AND a.entity_id = $1)",
            false,
        ),
        Scope::Conseiller { .. } => (
            "(a.entity = 'carnet' AND EXISTS (SELECT 1 FROM carnets c WHERE c.id = a.entity_id
                                              AND c.conseiller_id = $1 AND c.structure_id = $2))
          OR (a.entity = 'pass' AND EXISTS (SELECT 1 FROM passes p JOIN carnets c ON c.id = p.carnet_id
                                            WHERE p.id = a.entity_id AND c.conseiller_id = $1 AND c.structure_id = $2))",
            false,
        ),
    }
}

/// The only fields of an audit entry an opérateur or a commanditaire reads: states, codes and
/// numbers of the ledger's own objects, dates and amounts. Every other field reads « masqué »:
/// free text (a reason, a payment reference), a person or a session, the criteria a person was
/// chosen by. A whitelist: a field added tomorrow is hidden until someone decides otherwise.
pub const CHAMPS_LISIBLES: &[&str] = &[
    "etat",
    "numero",
    "reference",
    "mois",
    "total_centimes",
    "nb_validations",
    "nb_annulations",
    "nb_carnets",
    "nb_passes",
    "valeur_faciale_centimes",
    "valeur_centimes",
    "montant_centimes",
    "fin_validite",
    "jours_grace",
    "departements",
    "communes",
    "commande_id",
    "carnet_id",
    "rang",
    "lot_id",
    "structure_id",
    "operateur_id",
    "detenteur",
    "paiement_date",
    "hash",
];

/// What stands in place of a field a buyer may not read.
pub const MASQUE: &str = "masqué";

/// A whitelisted field keeps its value only if that value is a number, a boolean, a null or a
/// short code (a string or a list of strings of letters, digits, `-`, `_`, `:`): free text cannot
/// slip in under an allowed name.
fn lisible(v: &serde_json::Value) -> bool {
    let code = |s: &str| s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_:".contains(c));
    match v {
        serde_json::Value::String(s) => code(s),
        serde_json::Value::Array(a) => a.iter().all(|x| x.as_str().is_some_and(code)),
        serde_json::Value::Object(_) => false,
        _ => true,
    }
}

/// The entry as a buyer reads it (see `CHAMPS_LISIBLES`), or as it is for the structure.
pub fn redact(json: Option<String>, redacted: bool) -> Option<String> {
    let json = json?;
    if !redacted {
        return Some(json);
    }
    let masque = || serde_json::Value::String(MASQUE.into());
    let out = match serde_json::from_str::<serde_json::Value>(&json) {
        Ok(serde_json::Value::Object(map)) => serde_json::Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let v = if CHAMPS_LISIBLES.contains(&k.as_str()) && lisible(&v) { v } else { masque() };
                    (k, v)
                })
                .collect(),
        ),
        _ => masque(),
    };
    Some(out.to_string())
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    at: DateTime<Utc>,
    qui: Option<String>,
    entity: String,
    entity_id: i64,
    action: String,
    before_json: Option<String>,
    after_json: Option<String>,
    objet: Option<String>,
}

/// A page of the journal, newest first, optionally for one entity (and one object).
pub async fn page(
    db: &Db,
    scope: Scope,
    entity: Option<&str>,
    entity_id: Option<i64>,
    page: u32,
) -> sqlx::Result<JournalPage> {
    let conn: &mut dyn Conn = &mut db.acquire().await?;
    let (cond, redacted) = scope_sql(scope);
    let (a, b) = match scope {
        Scope::Operateur(id) | Scope::Commanditaire(id) | Scope::Structure(id) => (id, 0),
        Scope::Conseiller { user_id, structure_id } => (user_id, structure_id),
    };
    let page = page.max(1);
    let sql = format!(
        "SELECT a.id, a.at, u.prenom || ' ' || u.nom AS qui, a.entity, a.entity_id, a.action, a.before_json, a.after_json,
                CASE a.entity WHEN 'pass' THEN (SELECT p.code FROM passes p WHERE p.id = a.entity_id)
                              WHEN 'carnet' THEN (SELECT c.numero FROM carnets c WHERE c.id = a.entity_id) END AS objet
         FROM audit_log a LEFT JOIN users u ON u.id = a.user_id
         WHERE ($3 IS NULL OR a.entity = $3) AND ($4 IS NULL OR a.entity_id = $4) AND ({cond})
         ORDER BY a.id DESC LIMIT $5 OFFSET $6"
    );
    let rows: Vec<Row> = on!(conn, |cx| sqlx::query_as(&sql)
        .bind(a)
        .bind(b)
        .bind(entity)
        .bind(entity_id)
        .bind(PER_PAGE as i64 + 1)
        .bind(((page - 1) * PER_PAGE) as i64)
        .fetch_all(cx)
        .await)?;
    let has_more = rows.len() > PER_PAGE as usize;
    Ok(JournalPage {
        items: rows
            .into_iter()
            .take(PER_PAGE as usize)
            .map(|r| JournalEntry {
                id: r.id,
                at: r.at,
                qui: r.qui.unwrap_or_else(|| "Traitement automatique".into()),
                entity: r.entity,
                entity_id: r.entity_id,
                action: r.action,
                before: redact(r.before_json, redacted),
                after: redact(r.after_json, redacted),
                // What people know the object by: a pass by its code, a carnet by its number.
                objet: r.objet.map(|o| carnet_domain::PassCode::parse(&o).map(|c| c.to_string()).unwrap_or(o)),
            })
            .collect(),
        page,
        has_more,
    })
}

/// The id of the pass with this code, for looking its history up.
pub async fn pass_id(db: &Db, code: &str) -> sqlx::Result<Option<i64>> {
    let conn: &mut dyn Conn = &mut db.acquire().await?;
    let row: Option<(i64,)> =
        on!(conn, |cx| sqlx::query_as("SELECT id FROM passes WHERE code = $1").bind(code).fetch_optional(cx).await)?;
    Ok(row.map(|r| r.0))
}
