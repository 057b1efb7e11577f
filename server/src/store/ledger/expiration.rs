//! The expiry job: once an order's validity plus grace is over, its unused passes expire, its
//! carnets that still had some expire, the order expires, and a paid order's buyer gets a credit
//! (avoir) for the face value of what expired. One write transaction (BEGIN IMMEDIATE): two runs at
//! once queue, and the second finds nothing left to do; run twice, it changes nothing the second
//! time.

use super::audit_bulk;
use crate::db::{begin_write, Db};
use crate::store::audit::{Audit, Entite};
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
    let mut tx = begin_write(db).await?;
    let mut rapport = Rapport::default();
    // Orders past their last usable day with something left to expire.
    let commandes: Vec<(i64, String, i64, Option<DateTime<Utc>>)> = sqlx::query_as(&format!(
        "SELECT co.id, co.etat, co.commanditaire_id, co.paiement_at FROM commandes co
         WHERE co.date_limite < $1 AND co.en_generation = 0
           AND (co.etat <> 'expiree'
             OR EXISTS (SELECT 1 FROM carnets c JOIN passes p ON p.carnet_id = c.id
                        WHERE c.commande_id = co.id AND p.etat IN {UNUSED})
             OR EXISTS (SELECT 1 FROM carnets c WHERE c.commande_id = co.id AND c.etat IN {CARNET_OPEN}))
         ORDER BY co.id"
    ))
    .bind(today)
    .fetch_all(&mut *tx)
    .await?;

    for (id, etat, commanditaire_id, paiement_at) in commandes {
        let (nb, montant): (i64, i64) = sqlx::query_as(&format!(
            "SELECT COUNT(*), COALESCE(SUM(p.valeur_centimes), 0) FROM passes p JOIN carnets c ON c.id = p.carnet_id
             WHERE c.commande_id = $1 AND p.etat IN {UNUSED}"
        ))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        if nb > 0 {
            crate::store::passes::expire_order(&mut tx, id, now).await?;
            rapport.passes += nb;
            // Nothing was paid for an order never paid: nothing to credit.
            if paiement_at.is_some() {
                let (avoir_id,): (i64,) = sqlx::query_as(
                    "INSERT INTO avoirs (commande_id, commanditaire_id, nb_passes, montant_centimes, created_at)
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(id)
                .bind(commanditaire_id)
                .bind(nb)
                .bind(montant)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                Audit::par(None, Entite::Avoir(avoir_id), "cree")
                    .apres(json!({ "commande_id": id, "nb_passes": nb, "montant_centimes": montant }))
                    .ecrire(&mut tx, now)
                    .await?;
                rapport.avoirs += 1;
                rapport.avoir_centimes += montant;
            }
        }
        let carnets = audit_bulk(
            &mut tx,
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
            sqlx::query(&format!(
                "UPDATE carnets SET etat = 'expire' WHERE commande_id = $1 AND etat IN {CARNET_OPEN}"
            ))
            .bind(id)
            .execute(&mut *tx)
            .await?;
            rapport.carnets += carnets as i64;
        }
        if etat != "expiree" {
            sqlx::query("UPDATE commandes SET etat = 'expiree', expired_at = $2 WHERE id = $1")
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            Audit::par(None, Entite::Commande(id), "expiree")
                .avant(json!({ "etat": etat }))
                .apres(json!({ "etat": "expiree" }))
                .ecrire(&mut tx, now)
                .await?;
            rapport.commandes += 1;
        }
    }
    tx.commit().await?;
    Ok(rapport)
}
