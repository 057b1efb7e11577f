//! The wizard's steps on a parcours: packs, diagnostics (intake and final), objectives, the
//! planning (proposal, then saving), the bilan and the closing. Each write runs in one
//! transaction that checks access, the step's prerequisites and the input, writes, records the
//! audit entry and the step reached — or writes nothing.

use crate::auth::CurrentUser;
use crate::error::{ApiJson, ApiPath, AppError, AppResult};
use crate::store::audit::{Audit, Entite};
use crate::store::conn::Conn;
use crate::store::dossier::{self, Entete};
use crate::store::seances::{self, Sauf, SeanceRow};
use crate::store::{etapes, packs};
use crate::AppState;
use axum::extract::State;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use carnet_domain::api::{EtapeEnregistree, FieldErrors, ParcoursClos};
use carnet_domain::parcours::bilan::{self, BilanRequest};
use carnet_domain::parcours::cloture::{self, ClotureAnticipeeRequest, ClotureFaite};
use carnet_domain::parcours::diagnostic::{self, DiagnosticRequest, PackEnvisage};
use carnet_domain::parcours::etapes::{modifiable, prerequis, Etape, Faits};
use carnet_domain::parcours::objectifs::{self, ObjectifsRequest, PackView};
use carnet_domain::parcours::planning::{
    self, generer, valider_parametres, valider_reglages, valider_seances, Bornes, Occupation, PlanningRequest,
    SeanceProposee,
};
use carnet_domain::parcours::PropositionPlanning;
use carnet_domain::paris;
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};
use serde_json::json;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/packs", get(list_packs))
        .route("/parcours/{id}/diagnostics/{moment}", put(save_diagnostic))
        .route("/parcours/{id}/pack-envisage", put(envisager_pack))
        .route("/parcours/{id}/objectifs", put(save_objectifs))
        .route("/parcours/{id}/planning/proposition", post(propose_planning))
        .route("/parcours/{id}/planning", put(save_planning))
        .route("/parcours/{id}/bilan", put(save_bilan))
        .route("/parcours/{id}/cloture", post(close))
        .route("/parcours/{id}/cloture-anticipee", post(close_early))
}

/// The parcours of the user's structure (404 otherwise) and its facts, inside `conn`'s transaction.
pub(super) async fn ouvrir(conn: &mut dyn Conn, user: &CurrentUser, id: i64) -> AppResult<(Entete, Faits)> {
    let structure_id = user.structure_for_beneficiaires()?;
    let e = dossier::entete(conn, id, structure_id).await?.ok_or(AppError::NotFound)?;
    let f = dossier::faits(conn, id).await?;
    Ok((e, f))
}

/// Refuses a change to a closed parcours, or a step whose prerequisites are missing (409, with
/// the message the app shows as it is).
pub(super) fn exiger(etape: Etape, f: &Faits) -> AppResult<()> {
    modifiable(f).map_err(AppError::Conflict)?;
    prerequis(etape, f).map_err(AppError::Conflict)
}

/// The frame of every write on a parcours: one write transaction in which the parcours of the
/// user's structure was opened and the step checked (`ouvrir`, `exiger`). The handler checks its
/// input and writes through it (it is the connection), then `terminer` records the audit entry,
/// moves the parcours to the step it reached and commits. Dropped on an error, it writes nothing.
pub(super) struct Ecriture {
    tx: crate::db::Tx,
    parcours_id: i64,
    pub now: DateTime<Utc>,
}

impl Ecriture {
    /// The parcours `id`, for a write of `etape`.
    pub async fn parcours(
        state: &AppState,
        user: &CurrentUser,
        id: i64,
        etape: Etape,
    ) -> AppResult<(Ecriture, Entete, Faits)> {
        let mut tx = crate::db::begin_write(&state.db).await?;
        let (e, f) = ouvrir(&mut tx, user, id).await?;
        exiger(etape, &f)?;
        Ok((Ecriture { tx, parcours_id: id, now: state.clock.now() }, e, f))
    }

    /// The session `seance_id` of the user's structure and its parcours, for a write of the
    /// sessions step.
    pub async fn seance(
        state: &AppState,
        user: &CurrentUser,
        seance_id: i64,
    ) -> AppResult<(Ecriture, SeanceRow, Entete, Faits)> {
        let structure_id = user.structure_for_beneficiaires()?;
        let mut tx = crate::db::begin_write(&state.db).await?;
        let s = seances::get(&mut tx, seance_id, structure_id).await?.ok_or(AppError::NotFound)?;
        let (e, f) = ouvrir(&mut tx, user, s.parcours_id).await?;
        exiger(Etape::Seances, &f)?;
        Ok((Ecriture { tx, parcours_id: e.id, now: state.clock.now() }, s, e, f))
    }

    /// Records `audit`, moves the parcours to the step it reached, commits; the parcours' facts.
    pub async fn terminer(mut self, audit: Audit) -> AppResult<Faits> {
        audit.ecrire(&mut self.tx, self.now).await?;
        let f = dossier::touch(&mut self.tx, self.parcours_id, self.now).await?;
        self.tx.commit().await?;
        Ok(f)
    }
}

impl std::ops::Deref for Ecriture {
    type Target = dyn Conn;
    fn deref(&self) -> &(dyn Conn + 'static) {
        &self.tx
    }
}

impl std::ops::DerefMut for Ecriture {
    fn deref_mut(&mut self) -> &mut (dyn Conn + 'static) {
        &mut self.tx
    }
}

/// The store's functions take it as the connection it is.
impl crate::store::conn::Conn for Ecriture {
    fn split(&mut self) -> crate::store::conn::Split<'_> {
        crate::store::conn::Conn::split(&mut self.tx)
    }
}

pub(super) fn bornes(e: &Entete, aujourdhui: NaiveDate) -> Bornes {
    Bornes { debut: e.date_reception, fin_validite: e.fin_validite, aujourdhui, calendrier: e.calendrier() }
}

/// The conseiller's busy times around `dates` (the structure's wall-clock time), except `sauf`.
pub(super) async fn occupations_autour(
    conn: &mut dyn Conn,
    e: &Entete,
    dates: &[NaiveDateTime],
    sauf: Sauf,
) -> sqlx::Result<Vec<Occupation>> {
    // No date to check, nothing to look for.
    let (Some(&min), Some(&max)) = (dates.iter().min(), dates.iter().max()) else {
        return Ok(Vec::new());
    };
    // The next free slot may be searched up to a year ahead.
    let from = e.calendrier().to_utc(min) - Duration::days(1);
    let to = e.calendrier().to_utc(max) + Duration::days(370);
    seances::occupations(conn, e.conseiller_id, from, to, e.id, sauf).await
}

#[utoipa::path(
    get,
    path = "/api/v1/packs",
    tag = "etapes",
    responses((status = 200, description = "Réponse", body = Vec<PackView>)),
    security(("session" = []))
)]
async fn list_packs(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Vec<PackView>>> {
    user.structure_for_beneficiaires()?;
    let mut conn = state.db.acquire().await?;
    Ok(Json(packs::list(&mut conn).await?))
}

#[utoipa::path(
    put,
    path = "/api/v1/parcours/{id}/diagnostics/{moment}",
    tag = "etapes",
    params(("id" = i64, Path), ("moment" = String, Path)),
    request_body = DiagnosticRequest,
    responses((status = 200, description = "Réponse", body = EtapeEnregistree)),
    security(("session" = []))
)]
async fn save_diagnostic(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath((id, moment)): ApiPath<(i64, String)>,
    ApiJson(req): ApiJson<DiagnosticRequest>,
) -> AppResult<Json<EtapeEnregistree>> {
    let etape = match moment.as_str() {
        "initial" => Etape::Diagnostic,
        "final" => Etape::Bilan,
        _ => return Err(AppError::NotFound),
    };
    let (mut tx, _, _) = Ecriture::parcours(&state, &user, id, etape).await?;
    let now = tx.now;
    let valid = diagnostic::valider(&req).map_err(AppError::Validation)?;
    let pack_id = match &valid.pack {
        Some(code) => Some(
            packs::id_of(&mut tx, code)
                .await?
                .ok_or_else(|| AppError::field("pack", "Pack envisagé : choisissez un pack de la liste."))?,
        ),
        None => None,
    };
    etapes::save_diagnostic(&mut tx, id, &moment, &valid, user.id, now).await?;
    if let (Some(pack_id), "initial") = (pack_id, moment.as_str()) {
        etapes::suggest_pack(&mut tx, id, pack_id).await?;
    }
    let niveaux: serde_json::Map<String, serde_json::Value> =
        valid.niveaux.iter().map(|(c, n)| (c.clone(), json!(n.code()))).collect();
    // Levels and counts go to the audit log; free text stays out of it.
    let f = tx
        .terminer(
            Audit::par(
                Some(user.id),
                Entite::Parcours(id),
                if moment == "initial" { "diagnostic_initial" } else { "diagnostic_final" },
            )
            .apres(json!({ "niveaux": niveaux, "resultats": valid.resultats.len(),
                      "observations": !valid.observations.is_empty(), "pack": valid.pack })),
        )
        .await?;
    Ok(Json(EtapeEnregistree { etape: carnet_domain::parcours::etapes::etape_courante(&f).code().to_string() }))
}

/// Quick mode: the pack considered is kept as soon as it is chosen, before any level, so that a
/// reload shows it; once objectives are set, the pack changes at that step only.
#[utoipa::path(
    put,
    path = "/api/v1/parcours/{id}/pack-envisage",
    tag = "etapes",
    params(("id" = i64, Path)),
    request_body = PackEnvisage,
    responses((status = 200, description = "Réponse", body = EtapeEnregistree)),
    security(("session" = []))
)]
async fn envisager_pack(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<PackEnvisage>,
) -> AppResult<Json<EtapeEnregistree>> {
    let (mut tx, _, _) = Ecriture::parcours(&state, &user, id, Etape::Diagnostic).await?;
    let pack_id = match req.pack.trim() {
        "" => None,
        code => Some(
            packs::id_of(&mut tx, code)
                .await?
                .ok_or_else(|| AppError::field("pack", "Pack envisagé : choisissez un pack de la liste."))?,
        ),
    };
    if !etapes::envisager_pack(&mut tx, id, pack_id).await? {
        return Err(AppError::Conflict(
            "Les objectifs de ce parcours sont fixés : le pack se change à l'étape « Objectifs ».".into(),
        ));
    }
    let pack = req.pack.trim().to_string();
    let f = tx
        .terminer(Audit::par(Some(user.id), Entite::Parcours(id), "pack_envisage").apres(json!({ "pack": pack })))
        .await?;
    Ok(Json(EtapeEnregistree { etape: carnet_domain::parcours::etapes::etape_courante(&f).code().to_string() }))
}

#[utoipa::path(
    put,
    path = "/api/v1/parcours/{id}/objectifs",
    tag = "etapes",
    params(("id" = i64, Path)),
    request_body = ObjectifsRequest,
    responses((status = 200, description = "Réponse", body = EtapeEnregistree)),
    security(("session" = []))
)]
async fn save_objectifs(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ObjectifsRequest>,
) -> AppResult<Json<EtapeEnregistree>> {
    let (mut tx, e, _) = Ecriture::parcours(&state, &user, id, Etape::Objectifs).await?;
    let valid = objectifs::valider(&req, e.nb_passes as usize).map_err(AppError::Validation)?;
    let pack_id = packs::id_of(&mut tx, &valid.pack)
        .await?
        .ok_or_else(|| AppError::field("pack", "Pack : choisissez un pack de la liste."))?;
    etapes::save_objectifs(&mut tx, id, pack_id, &valid).await?;
    let f = tx.terminer(Audit::par(Some(user.id), Entite::Parcours(id), "objectifs").apres(json!({
            "pack": valid.pack,
            "objectifs": valid.objectifs.iter().map(|(c, n)| json!({ "competence": c, "niveau": n.code() })).collect::<Vec<_>>(),
            // The titles are free text about the person: the append-only audit keeps only
            // coded values, so that anonymisation can reach every word written about them.
            "themes": valid.themes.iter().map(|t| json!({ "thematiques": t.thematiques, "competences": t.competences })).collect::<Vec<_>>(),
        }))).await?;
    Ok(Json(EtapeEnregistree { etape: carnet_domain::parcours::etapes::etape_courante(&f).code().to_string() }))
}

/// Session 1 is the intake itself: the time it was recorded (on 5 minutes, within the day's
/// hours), unless the schedule already holds it.
fn seance_accueil(e: &Entete, duree_minutes: u32) -> NaiveDateTime {
    let local = e.calendrier().to_local(e.created_at);
    let minute = local.minute() - local.minute() % 5;
    let t = NaiveTime::from_hms_opt(local.hour(), minute, 0).expect("valid time");
    let earliest = NaiveTime::from_hms_opt(planning::DEBUT_JOURNEE.0, planning::DEBUT_JOURNEE.1, 0).expect("valid");
    let latest = NaiveTime::from_hms_opt(planning::FIN_JOURNEE.0, planning::FIN_JOURNEE.1, 0).expect("valid")
        - Duration::minutes(duree_minutes as i64);
    local.date().and_time(t.clamp(earliest, latest))
}

#[utoipa::path(
    post,
    path = "/api/v1/parcours/{id}/planning/proposition",
    tag = "etapes",
    params(("id" = i64, Path)),
    request_body = PlanningRequest,
    responses((status = 200, description = "Réponse", body = PropositionPlanning)),
    security(("session" = []))
)]
async fn propose_planning(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<PlanningRequest>,
) -> AppResult<Json<PropositionPlanning>> {
    let mut conn = state.db.acquire().await?;
    let (e, f) = ouvrir(&mut conn, &user, id).await?;
    exiger(Etape::Planning, &f)?;
    let cal = e.calendrier();
    let p = valider_parametres(&req, bornes(&e, cal.today(state.clock.now()))).map_err(AppError::Validation)?;
    let existantes = seances::of_parcours(&mut conn, id).await?;
    let s1 = existantes.first().map(|s| s.debut_local(cal)).unwrap_or_else(|| seance_accueil(&e, p.duree_minutes));
    if p.premiere.date() <= s1.date() {
        return Err(AppError::field(
            "premiere_date",
            format!(
                "Première séance après l'accueil : choisissez un jour après l'accueil du {}.",
                paris::date_courte(s1.date())
            ),
        ));
    }
    let mut occ =
        occupations_autour(&mut conn, &e, &[s1, p.premiere], Sauf { parcours_id: Some(id), seance_id: None }).await?;
    let (d, fin) = planning::intervalle(cal, s1, p.duree_minutes);
    occ.push(Occupation { debut: d, fin, libelle: "l'accueil (séance 1)".into() });
    let mut seances = vec![SeanceProposee { debut: s1, notes: vec!["Séance 1 : l'accueil et le diagnostic.".into()] }];
    for mut s in generer(cal, p.frequence, p.premiere, e.nb_passes as usize - 1, p.duree_minutes, &occ) {
        if s.debut.date() > e.fin_validite {
            s.notes.push(format!(
                "Après la fin de validité du carnet ({}) : choisissez un rythme plus serré ou une autre date.",
                paris::date_courte(e.fin_validite)
            ));
        }
        seances.push(s);
    }
    Ok(Json(PropositionPlanning { seances }))
}

#[utoipa::path(
    put,
    path = "/api/v1/parcours/{id}/planning",
    tag = "etapes",
    params(("id" = i64, Path)),
    request_body = PlanningRequest,
    responses((status = 200, description = "Réponse", body = EtapeEnregistree)),
    security(("session" = []))
)]
async fn save_planning(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<PlanningRequest>,
) -> AppResult<Json<EtapeEnregistree>> {
    let (mut tx, e, _) = Ecriture::parcours(&state, &user, id, Etape::Planning).await?;
    let now = tx.now;
    let existantes = seances::of_parcours(&mut tx, id).await?;
    if existantes.iter().any(|s| s.statut != "prevue") {
        return Err(AppError::Conflict(
            "Des séances ont déjà eu lieu ou ont été marquées absentes : modifiez les dates une par une à l'étape « Séances »."
                .into(),
        ));
    }
    let (frequence, duree, type_lieu) = valider_reglages(&req).map_err(AppError::Validation)?;
    let typed: Vec<NaiveDateTime> = req
        .seances
        .iter()
        .filter_map(|s| Some(carnet_domain::intake::parse_date(&s.date)?.and_time(planning::parse_heure(&s.heure)?)))
        .collect();
    let occ = occupations_autour(&mut tx, &e, &typed, Sauf { parcours_id: Some(id), seance_id: None }).await?;
    let dates = valider_seances(&req.seances, e.nb_passes as usize, duree, bornes(&e, e.calendrier().today(now)), &occ)
        .map_err(AppError::Validation)?;

    etapes::save_planning(&mut tx, id, frequence, duree, &type_lieu, now).await?;
    // Rows are updated in place, in date order, so their calendar UIDs stay the same.
    for (i, debut) in dates.iter().enumerate() {
        match existantes.get(i) {
            Some(s) => seances::set_dates(&mut tx, e.calendrier(), s.id, *debut, duree, &type_lieu, now).await?,
            None => {
                seances::insert(
                    &mut tx,
                    &seances::Nouvelle {
                        parcours_id: id,
                        conseiller_id: e.conseiller_id,
                        debut: *debut,
                        duree_minutes: duree,
                        type_lieu: &type_lieu,
                        remplace: None,
                        calendrier: e.calendrier(),
                    },
                    now,
                )
                .await?;
            }
        }
    }
    let extra: Vec<i64> = existantes.iter().skip(dates.len()).map(|s| s.id).collect();
    seances::delete_planned(&mut tx, &extra).await?;
    let f = tx
        .terminer(
            Audit::par(Some(user.id), Entite::Parcours(id), "planning")
                .apres(json!({ "frequence": frequence.code(), "duree_minutes": duree, "type_lieu": type_lieu,
                      "seances": dates.iter().map(|d| planning::iso_minute(*d)).collect::<Vec<_>>() })),
        )
        .await?;
    Ok(Json(EtapeEnregistree { etape: carnet_domain::parcours::etapes::etape_courante(&f).code().to_string() }))
}

#[utoipa::path(
    put,
    path = "/api/v1/parcours/{id}/bilan",
    tag = "etapes",
    params(("id" = i64, Path)),
    request_body = BilanRequest,
    responses((status = 200, description = "Réponse", body = EtapeEnregistree)),
    security(("session" = []))
)]
async fn save_bilan(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<BilanRequest>,
) -> AppResult<Json<EtapeEnregistree>> {
    let (mut tx, _, _) = Ecriture::parcours(&state, &user, id, Etape::Bilan).await?;
    let now = tx.now;
    let codes = etapes::objectif_codes(&mut tx, id).await?;
    let valid = bilan::valider(&req, &codes).map_err(AppError::Validation)?;
    etapes::save_bilan(&mut tx, id, &valid, user.id, now).await?;
    tx.terminer(
        Audit::par(Some(user.id), Entite::Parcours(id), "bilan")
            .apres(json!({ "objectifs_atteints": valid.objectifs_atteints, "orientation": valid.orientation,
                      "recommandations": !valid.recommandations.is_empty() })),
    )
    .await?;
    Ok(Json(EtapeEnregistree { etape: "bilan".to_string() }))
}

#[utoipa::path(
    post,
    path = "/api/v1/parcours/{id}/cloture",
    tag = "etapes",
    params(("id" = i64, Path)),
    responses((status = 200, description = "Réponse", body = ParcoursClos)),
    security(("session" = []))
)]
async fn close(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<ParcoursClos>> {
    let (mut tx, _, f) = Ecriture::parcours(&state, &user, id, Etape::Bilan).await?;
    let now = tx.now;
    let mut manque = FieldErrors::new();
    if !f.diagnostic_final {
        manque.insert("diagnostic_final".into(), "Diagnostic final : enregistrez-le avant de clôturer.".into());
    }
    if !etapes::has_bilan(&mut tx, id).await? {
        manque.insert(
            "bilan".into(),
            "Bilan : enregistrez les objectifs atteints et l'orientation avant de clôturer.".into(),
        );
    }
    if !manque.is_empty() {
        return Err(AppError::Validation(manque));
    }
    if !etapes::close(&mut tx, id, now).await? {
        return Err(AppError::Conflict("Ce parcours est déjà clôturé.".into()));
    }
    tx.terminer(
        Audit::par(Some(user.id), Entite::Parcours(id), "cloture")
            .avant(json!({ "etat": "en_cours" }))
            .apres(json!({ "etat": "termine", "closed_at": now })),
    )
    .await?;
    tracing::info!(parcours_id = id, user_id = user.id, "parcours clôturé");
    Ok(Json(ParcoursClos { etat: "termine".to_string() }))
}

/// Closes a parcours before its end (the person stops, moves, falls ill…): the sessions still
/// planned are withdrawn, what was held stays, the unused passes stay with the person.
#[utoipa::path(
    post,
    path = "/api/v1/parcours/{id}/cloture-anticipee",
    tag = "etapes",
    params(("id" = i64, Path)),
    request_body = ClotureAnticipeeRequest,
    responses((status = 200, description = "Réponse", body = ClotureFaite)),
    security(("session" = []))
)]
async fn close_early(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ClotureAnticipeeRequest>,
) -> AppResult<Json<ClotureFaite>> {
    let (mut tx, e, _) = Ecriture::parcours(&state, &user, id, Etape::Accueil).await?;
    let now = tx.now;
    let cloture = cloture::valider(&req).map_err(AppError::Validation)?;
    let prevues = seances::planned_ids(&mut tx, id).await?;
    seances::delete_planned(&mut tx, &prevues).await?;
    if !etapes::close_early(&mut tx, id, &cloture, now).await? {
        return Err(AppError::Conflict("Ce parcours est déjà clôturé.".into()));
    }
    let passes_restants = crate::store::passes::restants(&mut tx, e.carnet_id).await?;
    tx.terminer(
        Audit::par(Some(user.id), Entite::Parcours(id), "cloture_anticipee")
            .avant(json!({ "etat": "en_cours", "seances_prevues": prevues }))
            .apres(json!({ "etat": "abandonne", "motif": cloture.motif.code(), "closed_at": now,
                      "passes_restants": passes_restants })),
    )
    .await?;
    tracing::info!(parcours_id = id, user_id = user.id, motif = cloture.motif.code(), "parcours clôturé avant la fin");
    Ok(Json(ClotureFaite { seances_retirees: prevues.len(), passes_restants }))
}

/// The OpenAPI description of this module's routes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list_packs,
    save_diagnostic,
    envisager_pack,
    save_objectifs,
    propose_planning,
    save_planning,
    save_bilan,
    close,
    close_early
))]
pub(super) struct Doc;
