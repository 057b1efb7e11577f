//! Distribution at intake: a conseiller hands a carnet of their lot to a person, who is recorded
//! with an open parcours; then the accredited structures that accept the carnet, nearest first.

use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::store::audit::{Audit, Entite};
use crate::store::conn::{on, Conn};
use carnet_domain::intake::ValidIntake;
use carnet_domain::pass::CarnetId;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;

/// A carnet of the user's lot that can be handed out on `today`.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CarnetDistribuable {
    pub id: i64,
    pub numero: String,
    pub nb_passes: i64,
    pub valeur_faciale_centimes: i64,
    pub fin_validite: NaiveDate,
    pub commande_id: i64,
    pub commanditaire: String,
}

/// The carnet as `carnet_du_lot` reads it, with what decides whether it can be handed out.
#[derive(sqlx::FromRow)]
struct CarnetDuLot {
    #[sqlx(flatten)]
    carnet: CarnetDistribuable,
    etat_commande: String,
    date_limite: NaiveDate,
    etat: String,
    holder: Option<i64>,
}

/// The carnet if it is in this conseiller's lot and its order is usable on `today`; a field error
/// otherwise.
pub async fn carnet_du_lot(
    conn: &mut dyn Conn,
    carnet_id: i64,
    conseiller_id: i64,
    today: NaiveDate,
) -> AppResult<(CarnetDistribuable, Vec<String>)> {
    let row: Option<CarnetDuLot> = on!(conn, |cx| sqlx::query_as(
        "SELECT c.id, c.numero, c.nb_passes, c.valeur_faciale_centimes, c.fin_validite,
                co.id AS commande_id, cm.nom AS commanditaire, co.etat AS etat_commande, co.date_limite,
                c.etat, c.conseiller_id AS holder
         FROM carnets c JOIN commandes co ON co.id = c.commande_id JOIN commanditaires cm ON cm.id = co.commanditaire_id
         WHERE c.id = $1",
    )
    .bind(carnet_id)
    .fetch_optional(cx)
    .await)?;
    let field = |m: &str| AppError::field("carnet_id", format!("Carnet : {m}"));
    let Some(CarnetDuLot { carnet, etat_commande, date_limite, etat, holder }) = row else {
        return Err(field("choisissez un carnet de votre lot."));
    };
    if holder != Some(conseiller_id) {
        return Err(field("ce carnet n'est pas dans votre lot."));
    }
    if etat != "confie_conseiller" {
        return Err(field("ce carnet a déjà été remis à une personne."));
    }
    if etat_commande != "active" || date_limite < today {
        return Err(field("ce carnet n'est plus utilisable (commande expirée)."));
    }
    let criteres: Vec<(String,)> =
        on!(conn, |cx| sqlx::query_as("SELECT code FROM commande_criteres WHERE commande_id = $1 ORDER BY rang")
            .bind(carnet.commande_id)
            .fetch_all(cx)
            .await)?;
    Ok((carnet, criteres.into_iter().map(|c| c.0).collect()))
}

pub struct Distribue {
    pub beneficiaire_id: i64,
    pub parcours_id: i64,
}

/// Records the person and an open parcours with this carnet (as the intake does for a typed
/// carnet, see `store::parcours::create_from_intake`), hands the carnet over (its passes become
/// usable) and keeps the criteria codes; audited.
#[allow(clippy::too_many_arguments)]
pub async fn distribuer(
    conn: &mut dyn Conn,
    personne: &ValidIntake,
    carnet: &CarnetDistribuable,
    criteres: &[String],
    structure_id: i64,
    user_id: i64,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> AppResult<Distribue> {
    let beneficiaire_id =
        crate::store::parcours::insert_beneficiaire(conn, personne, structure_id, user_id, now).await?;

    let moved = on!(conn, |cx| sqlx::query(
        "UPDATE carnets SET etat = 'distribue', beneficiaire_id = $2, structure_id = $3,
                canal_reception = 'conseiller_numerique', date_reception = $4
         WHERE id = $1 AND etat = 'confie_conseiller' AND conseiller_id = $5",
    )
    .bind(carnet.id)
    .bind(beneficiaire_id)
    .bind(structure_id)
    .bind(today)
    .bind(user_id)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    if moved != 1 {
        return Err(AppError::field("carnet_id", "Carnet : ce carnet vient d'être remis par ailleurs."));
    }
    crate::store::passes::distribute_carnet(conn, CarnetId(carnet.id), user_id, now).await?;
    for code in criteres {
        on!(conn, |cx| sqlx::query("INSERT INTO distribution_criteres (carnet_id, critere_code) VALUES ($1, $2)")
            .bind(carnet.id)
            .bind(code)
            .execute(cx)
            .await
            .map(|r| r.rows_affected()))?;
    }

    Audit::par(Some(user_id), Entite::Carnet(carnet.id), "distribue")
        .avant(json!({ "etat": "confie_conseiller", "conseiller_id": user_id }))
        .apres(json!({ "etat": "distribue", "beneficiaire_id": beneficiaire_id, "criteres": criteres }))
        .ecrire(conn, now)
        .await?;
    let parcours_id =
        crate::store::parcours::open(conn, beneficiaire_id, carnet.id, structure_id, user_id, now).await?;
    Ok(Distribue { beneficiaire_id, parcours_id })
}

/// Whether the structure may hold this order's passes: accredited by its opérateur and inside its
/// territory (the rule that also picks the structures a lot may go to).
pub async fn structure_acceptee(db: &Db, commande_id: i64, structure_id: i64) -> sqlx::Result<bool> {
    let conn: &mut dyn Conn = &mut db.acquire().await?;
    use crate::store::ledger::orgs::{AGREEE_PAR_L_OPERATEUR, DANS_LE_TERRITOIRE};
    let sql = format!(
        "SELECT EXISTS (SELECT 1 FROM structures s
             LEFT JOIN communes c ON c.code_insee = s.commune_insee
             JOIN commandes co ON co.id = $1
             WHERE s.id = $2 AND {AGREEE_PAR_L_OPERATEUR} AND {DANS_LE_TERRITOIRE})"
    );
    on!(conn, |cx| sqlx::query_scalar(&sql).bind(commande_id).bind(structure_id).fetch_one(cx).await)
}
