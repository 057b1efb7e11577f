//! The expiry job: once an order's validity plus grace is over, its unused passes expire, its
//! carnets that still had some expire, the order expires, and a paid order's buyer gets a credit
//! (avoir) for the face value of what expired.
//!
//! One transaction per order: a run cut short leaves each order expired with its credit, or
//! untouched. The order's row is locked first and the credit counts what the guarded UPDATE of
//! its passes changed, so two runs at once (two instances, or a run and a late one) credit each
//! expired pass once: the second waits for the first, then finds nothing left. One instance runs
//! the job at a time; the others skip the tick. Run twice, it changes nothing the second time.

use super::audit_bulk;
use crate::db::{begin_write, Db};
use crate::store::audit::{Audit, Entite};
use crate::store::conn::{on, Conn};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rapport {
    pub commandes: i64,
    pub passes: i64,
    pub carnets: i64,
    pub avoirs: i64,
    pub avoir_centimes: i64,
}

impl Rapport {
    pub fn is_empty(&self) -> bool {
        *self == Rapport::default()
    }
}

const UNUSED: &str = "('emis', 'actif', 'distribue')";
const CARNET_OPEN: &str = "('emis', 'disponible', 'confie_structure', 'confie_conseiller', 'distribue', 'entame')";

pub async fn run(db: &Db, today: NaiveDate, now: DateTime<Utc>) -> anyhow::Result<Rapport> {
    let mut tache = db.begin().await?;
    if !crate::store::verrous::prendre_tache(&mut tache, "expiration").await? {
        return Ok(Rapport::default());
    }
    let commandes = {
        let conn: &mut dyn Conn = &mut db.acquire().await?;
        a_expirer(conn, today).await?
    };
    let mut rapport = Rapport::default();
    for id in commandes {
        let mut tx = begin_write(db).await?;
        let r = expirer(&mut tx, id, today, now).await?;
        tx.commit().await?;
        rapport.commandes += r.commandes;
        rapport.passes += r.passes;
        rapport.carnets += r.carnets;
        rapport.avoirs += r.avoirs;
        rapport.avoir_centimes += r.avoir_centimes;
    }
    tache.commit().await?;
    Ok(rapport)
}

/// Orders past their last usable day with something left to expire.
pub async fn a_expirer(conn: &mut dyn Conn, today: NaiveDate) -> sqlx::Result<Vec<i64>> {
    on!(conn, |cx| sqlx::query_scalar(&format!(
        "SELECT co.id FROM commandes co
         WHERE co.date_limite < $1 AND co.en_generation = FALSE
           AND (co.etat <> 'expiree'
             OR EXISTS (SELECT 1 FROM carnets c JOIN passes p ON p.carnet_id = c.id
                        WHERE c.commande_id = co.id AND p.etat IN {UNUSED})
             OR EXISTS (SELECT 1 FROM carnets c WHERE c.commande_id = co.id AND c.etat IN {CARNET_OPEN}))
         ORDER BY co.id"
    ))
    .bind(today)
    .fetch_all(cx)
    .await)
}

/// Expires one order past its last usable day, inside the caller's transaction: its unused
/// passes, its open carnets, the order itself, and the buyer's credit for the passes this call
/// expired. Nothing when the order is not (or no longer) due.
pub async fn expirer(conn: &mut dyn Conn, id: i64, today: NaiveDate, now: DateTime<Utc>) -> sqlx::Result<Rapport> {
    let mut rapport = Rapport::default();
    // Locked: a second expiry of this order waits here, then reads what the first committed. (NO
    // KEY: rows that refer to the order, as a validation's ledger line, are not held up by it.)
    let commande: Option<(String, i64, Option<DateTime<Utc>>, i64)> = on!(conn, |cx| sqlx::query_as(&format!(
        "SELECT etat, commanditaire_id, paiement_at, valeur_faciale_centimes FROM commandes
         WHERE id = $1 AND date_limite < $2 AND en_generation = FALSE{}",
        dialect::FOR_NO_KEY_UPDATE
    ))
    .bind(id)
    .bind(today)
    .fetch_optional(cx)
    .await)?;
    let Some((etat, commanditaire_id, paiement_at, valeur)) = commande else { return Ok(rapport) };
    // What the guarded UPDATE changed, not what a read before it saw: a pass given back by a
    // cancelled validation in between is expired and credited here, or at the next run.
    let nb = crate::store::passes::expire_order(conn, id, now).await? as i64;
    if nb > 0 {
        rapport.passes += nb;
        // Nothing was paid for an order never paid: nothing to credit.
        if paiement_at.is_some() {
            let montant = nb * valeur;
            let (avoir_id,): (i64,) = on!(conn, |cx| sqlx::query_as(
                "INSERT INTO avoirs (commande_id, commanditaire_id, nb_passes, montant_centimes, created_at)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(id)
            .bind(commanditaire_id)
            .bind(nb)
            .bind(montant)
            .bind(now)
            .fetch_one(cx)
            .await)?;
            Audit::par(None, Entite::Avoir(avoir_id), "cree")
                .apres(json!({ "commande_id": id, "nb_passes": nb, "montant_centimes": montant }))
                .ecrire(conn, now)
                .await?;
            rapport.avoirs += 1;
            rapport.avoir_centimes += montant;
        }
    }
    let carnets = audit_bulk(
        conn,
        now,
        None,
        "carnet",
        "expire",
        &format!(
            "SELECT id AS entity_id, '{{\"etat\":\"' || etat || '\"}}' AS before_json, '{{\"etat\":\"expire\"}}' AS after_json
             FROM carnets WHERE commande_id = $3 AND etat IN {CARNET_OPEN}"
        ),
        &[id],
    )
    .await?;
    if carnets > 0 {
        let n = on!(conn, |cx| sqlx::query(&format!(
            "UPDATE carnets SET etat = 'expire' WHERE commande_id = $1 AND etat IN {CARNET_OPEN}"
        ))
        .bind(id)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
        rapport.carnets += n as i64;
    }
    if etat != "expiree" {
        let n = on!(conn, |cx| sqlx::query(
            "UPDATE commandes SET etat = 'expiree', expired_at = $2 WHERE id = $1 AND etat = $3"
        )
        .bind(id)
        .bind(now)
        .bind(&etat)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
        if n == 1 {
            Audit::par(None, Entite::Commande(id), "expiree")
                .avant(json!({ "etat": etat }))
                .apres(json!({ "etat": "expiree" }))
                .ecrire(conn, now)
                .await?;
            rapport.commandes += 1;
        }
    }
    Ok(rapport)
}
