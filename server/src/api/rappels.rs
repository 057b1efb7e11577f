//! Session reminders, as the staff see them: per session of a parcours, whether its reminder
//! went out or failed (conseillers and coordinateurs of the structure); the structure's failures
//! and its choice of 24 h / 48 h / no reminder (coordinateurs). The beneficiary stops them from
//! their space (`espace.rs`). The sending itself is the job in `crate::rappels`.

use crate::auth::CurrentUser;
use crate::db::begin_write;
use crate::error::{ApiJson, ApiPath, AppError, AppResult};
use crate::store::audit::{Audit, Entite};
use crate::store::conn::on;
use crate::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use carnet_domain::api::Role;
use carnet_domain::fuseau::Fuseau;
use carnet_domain::parcours::planning::heure;
use carnet_domain::paris;
use carnet_domain::rappels::{
    canal_libelle, valider_reglage, DelaiRappel, EchecRappel, EtatRappel, ReglageRappels, ReglageRappelsRequest,
};
use chrono::{DateTime, Utc};
use serde_json::json;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/parcours/{id}/rappels", get(of_parcours))
        .route("/rappels/echecs", get(echecs))
        .route("/structure/rappels", get(reglage).put(regler))
}

fn date_heure(fuseau: Fuseau, at: DateTime<Utc>) -> String {
    let local = fuseau.to_local(at);
    format!("{} à {}", paris::date_longue(local.date()), heure(local.time()))
}

fn coordinateur(user: &CurrentUser) -> AppResult<i64> {
    match (user.role, user.structure_id) {
        (Role::Coordinateur, Some(s)) => Ok(s),
        _ => Err(AppError::Forbidden),
    }
}

#[derive(sqlx::FromRow)]
struct Ligne {
    seance_id: i64,
    canal: String,
    etat: String,
    tentatives: i64,
    reponse: Option<String>,
    updated_at: DateTime<Utc>,
    envoye_at: Option<DateTime<Utc>>,
}

async fn of_parcours(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<Vec<EtatRappel>>> {
    let structure_id = user.structure_for_beneficiaires()?;
    let lignes: Vec<Ligne> = on!(state.db.acquire().await?, |cx| sqlx::query_as(
        "SELECT e.seance_id, e.canal, e.etat, e.tentatives, e.reponse, e.updated_at, e.envoye_at
         FROM envois e JOIN seances s ON s.id = e.seance_id JOIN parcours p ON p.id = s.parcours_id
         WHERE p.id = $1 AND p.structure_id = $2 ORDER BY s.debut, e.canal",
    )
    .bind(id)
    .bind(structure_id)
    .fetch_all(cx)
    .await)?;
    let (existe,): (bool,) = on!(state.db.acquire().await?, |cx| sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM parcours WHERE id = $1 AND structure_id = $2)"
    )
    .bind(id)
    .bind(structure_id)
    .fetch_one(cx)
    .await)?;
    if !existe {
        return Err(AppError::NotFound);
    }
    Ok(Json(
        lignes
            .into_iter()
            .map(|l| {
                let par = canal_libelle(&l.canal);
                let texte = match l.etat.as_str() {
                    "envoye" => format!(
                        "Rappel envoyé {par} le {}",
                        date_heure(user.calendrier.fuseau, l.envoye_at.unwrap_or(l.updated_at))
                    ),
                    "echec" => format!(
                        "Échec du rappel {par} ({} essai{}) : {}",
                        l.tentatives,
                        if l.tentatives > 1 { "s" } else { "" },
                        l.reponse.clone().unwrap_or_default()
                    ),
                    "retire" => format!("Rappel {par} retiré (séance annulée ou rappels arrêtés)"),
                    _ if l.tentatives > 0 => format!("Rappel {par} en cours : nouvel essai bientôt"),
                    _ => format!("Rappel {par} en attente"),
                };
                EtatRappel { seance_id: l.seance_id, canal: l.canal, etat: l.etat, texte }
            })
            .collect(),
    ))
}

#[derive(sqlx::FromRow)]
struct Echec {
    seance_id: i64,
    parcours_id: i64,
    debut: DateTime<Utc>,
    canal: String,
    tentatives: i64,
    reponse: Option<String>,
    updated_at: DateTime<Utc>,
}

/// The structure's failed reminders of the last 30 days, newest first. No names: the coordinateur
/// opens the parcours (which journals the read) to call the person.
async fn echecs(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Vec<EchecRappel>>> {
    let structure_id = coordinateur(&user)?;
    let depuis = state.clock.now() - chrono::Duration::days(30);
    let rows: Vec<Echec> = on!(state.db.acquire().await?, |cx| sqlx::query_as(
        "SELECT e.seance_id, s.parcours_id, s.debut, e.canal, e.tentatives, e.reponse, e.updated_at
         FROM envois e JOIN seances s ON s.id = e.seance_id JOIN parcours p ON p.id = s.parcours_id
         WHERE p.structure_id = $1 AND e.etat = 'echec' AND e.updated_at >= $2
         ORDER BY e.updated_at DESC LIMIT 500",
    )
    .bind(structure_id)
    .bind(depuis)
    .fetch_all(cx)
    .await)?;
    Ok(Json(
        rows.into_iter()
            .map(|r| EchecRappel {
                seance_id: r.seance_id,
                parcours_id: r.parcours_id,
                seance: date_heure(user.calendrier.fuseau, r.debut),
                canal: r.canal,
                tentatives: r.tentatives,
                reponse: r.reponse.unwrap_or_default(),
                le: date_heure(user.calendrier.fuseau, r.updated_at),
            })
            .collect(),
    ))
}

async fn reglage(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<ReglageRappels>> {
    let structure_id = user.structure_for_beneficiaires()?;
    let (code,): (String,) =
        on!(state.db.acquire().await?, |cx| sqlx::query_as("SELECT rappel_delai FROM structures WHERE id = $1")
            .bind(structure_id)
            .fetch_one(cx)
            .await)?;
    Ok(Json(ReglageRappels { delai: DelaiRappel::parse(&code).unwrap_or_default() }))
}

async fn regler(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<ReglageRappelsRequest>,
) -> AppResult<Json<ReglageRappels>> {
    let structure_id = coordinateur(&user)?;
    let r = valider_reglage(&req).map_err(AppError::Validation)?;
    let now = state.clock.now();
    let mut tx = begin_write(&state.db).await?;
    let (avant,): (String,) = on!(tx, |cx| sqlx::query_as("SELECT rappel_delai FROM structures WHERE id = $1")
        .bind(structure_id)
        .fetch_one(cx)
        .await)?;
    on!(tx, |cx| sqlx::query("UPDATE structures SET rappel_delai = $2 WHERE id = $1")
        .bind(structure_id)
        .bind(r.delai.code())
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    Audit::par(Some(user.id), Entite::Structure(structure_id), "rappels_regles")
        .avant(json!({ "delai": avant }))
        .apres(json!({ "delai": r.delai.code() }))
        .ecrire(&mut tx, now)
        .await?;
    tx.commit().await?;
    Ok(Json(r))
}
