//! The séances step: a session held (with its pass validated in one atomic statement), its
//! report, an absence (with a replacement after the last session), a move, a validation
//! cancelled, a session added; and the schedule as an `.ics` calendar.

use super::etapes::{bornes, exiger, occupations_autour, ouvrir, Ecriture};
use crate::auth::CurrentUser;
use crate::error::{ApiJson, ApiPath, AppError, AppResult};
use crate::store::audit::{Audit, Entite};
use crate::store::conn::Conn;
use crate::store::dossier::{self, Entete};
use crate::store::seances::{self, Nouvelle, Sauf, SeanceRow};
use crate::store::{etapes, passes};
use crate::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use carnet_domain::api::{
    AbsenceEnregistree, Enregistre, FieldErrors, SeanceAjoutee, SeanceDeplacee, ValidationAnnulee,
};
use carnet_domain::coop;
use carnet_domain::parcours::etapes::Etape;
use carnet_domain::parcours::ics::{self, EvenementIcs};
use carnet_domain::parcours::planning::{
    self, generer, refuser_si_occupe, valider_date_heure, DateHeure, Frequence, Partie,
};
use carnet_domain::parcours::seance::{
    pas_encore_eu_lieu, valider_absence, valider_annulation, valider_compte_rendu, valider_tenue, AbsenceRequest,
    AnnulationRequest, CompteRendu, StatutSeance, TenueRequest, ValidTenue,
};
use carnet_domain::parcours::{PassUtilise, PassValide, PropositionRemplacement};
use carnet_domain::paris;
use carnet_domain::pass::{CarnetId, RefusValidation, SeanceId};
use chrono::Duration;
use serde_json::json;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/parcours/{id}/seances.ics", get(calendar))
        .route("/parcours/{id}/remplacement", get(replacement))
        .route("/parcours/{id}/seances", post(add))
        .route("/parcours/{id}/seances/tenue", post(hold_unplanned))
        .route("/seances/{id}/tenue", post(hold))
        .route("/seances/{id}/compte-rendu", put(report))
        .route("/seances/{id}/absence", post(absence))
        .route("/seances/{id}/remplacement", post(replace))
        .route("/seances/{id}/date", put(move_session))
        .route("/seances/{id}/annulation", post(cancel_validation))
}

fn doit_etre(s: &SeanceRow, attendu: StatutSeance) -> AppResult<()> {
    let statut = s.statut();
    if statut == attendu {
        return Ok(());
    }
    Err(AppError::Conflict(match statut {
        StatutSeance::Tenue => "Cette séance est déjà tenue : son pass est validé.".into(),
        StatutSeance::Prevue => "Cette séance n'a pas encore eu lieu.".into(),
        s => format!("Cette séance est marquée « {} ».", s.libelle()),
    }))
}

#[utoipa::path(
    post,
    path = "/api/v1/seances/{id}/tenue",
    tag = "seances",
    params(("id" = i64, Path)),
    request_body = TenueRequest,
    responses((status = 200, description = "Réponse", body = PassValide)),
    security(("session" = []))
)]
async fn hold(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(seance_id): ApiPath<i64>,
    ApiJson(req): ApiJson<TenueRequest>,
) -> AppResult<Json<PassValide>> {
    let (mut tx, s, e, _) = Ecriture::seance(&state, &user, seance_id).await?;
    let maintenant = e.calendrier().to_local(tx.now);
    let valid = valider_tenue(
        &req,
        s.duree_minutes(),
        bornes(&e, maintenant.date()),
        maintenant,
        Some(s.debut_local(e.calendrier())),
    )
    .map_err(AppError::Validation)?;
    let (done, audit) = tenir(&mut tx, &user, &s, &e, &valid).await?;
    tx.terminer(audit).await?;
    Ok(Json(done))
}

/// A session that was not planned (the person came on another day): held on the spot, in one
/// action. While the parcours has fewer sessions than passes, a session is added at that hour and
/// held; otherwise its next planned session is the one held, at that hour.
#[utoipa::path(
    post,
    path = "/api/v1/parcours/{id}/seances/tenue",
    tag = "seances",
    params(("id" = i64, Path)),
    request_body = TenueRequest,
    responses((status = 200, description = "Réponse", body = PassValide)),
    security(("session" = []))
)]
async fn hold_unplanned(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<TenueRequest>,
) -> AppResult<Json<PassValide>> {
    let (mut tx, e, _) = Ecriture::parcours(&state, &user, id, Etape::Seances).await?;
    let (now, today) = (tx.now, e.calendrier().today(tx.now));
    let (_, duree, type_lieu) = etapes::planning(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let valid = valider_tenue(&req, duree, bornes(&e, today), e.calendrier().to_local(now), None)
        .map_err(AppError::Validation)?;
    let toutes = seances::of_parcours(&mut tx, id).await?;
    let seance_id = if actives(&toutes) < e.nb_passes as usize {
        refuser_heure_occupee(&mut tx, &e, valid.debut, duree, Sauf::default(), e.calendrier().to_local(now)).await?;
        let sid = seances::insert(
            &mut tx,
            &Nouvelle {
                parcours_id: id,
                conseiller_id: e.conseiller_id,
                debut: valid.debut,
                duree_minutes: duree,
                type_lieu: &type_lieu,
                remplace: None,
                calendrier: e.calendrier(),
            },
            now,
        )
        .await?;
        Audit::par(Some(user.id), Entite::Seance(sid), "ajoutee")
            .apres(json!({ "debut": e.calendrier().to_utc(valid.debut), "parcours_id": id, "sur_le_champ": true }))
            .ecrire(&mut tx, now)
            .await?;
        sid
    } else {
        let prochaine = toutes.iter().filter(|s| s.statut() == StatutSeance::Prevue).min_by_key(|s| s.debut);
        prochaine
            .ok_or_else(|| {
                AppError::Conflict(
                    "Toutes les séances de ce parcours ont eu lieu : il n'y a plus de pass à valider.".into(),
                )
            })?
            .id
    };
    let s = seances::get(&mut tx, seance_id, e.structure_id).await?.ok_or(AppError::NotFound)?;
    let (done, audit) = tenir(&mut tx, &user, &s, &e, &valid).await?;
    tx.terminer(audit).await?;
    Ok(Json(done))
}

/// Refuses an hour at which the conseiller is already busy. A held session has begun: the free
/// slot is offered only when it has begun too.
async fn refuser_heure_occupee(
    conn: &mut dyn Conn,
    e: &Entete,
    debut: chrono::NaiveDateTime,
    duree: u32,
    sauf: Sauf,
    maintenant: chrono::NaiveDateTime,
) -> AppResult<()> {
    let occ = occupations_autour(conn, e, &[debut], sauf).await?;
    let mut errors = FieldErrors::new();
    refuser_si_occupe(e.calendrier(), &mut errors, "heure", "Heure de la séance", debut, duree, &occ, |c| {
        !pas_encore_eu_lieu(c, maintenant)
    });
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

/// THE validation: the session `s` is held at `valid.debut` and consumes the pass `valid.code`
/// (one atomic statement, `store::passes::validate`), inside the write; its audit entry, for
/// `Ecriture::terminer`.
async fn tenir(
    tx: &mut Ecriture,
    user: &CurrentUser,
    s: &SeanceRow,
    e: &Entete,
    valid: &ValidTenue,
) -> AppResult<(PassValide, Audit)> {
    let now = tx.now;
    let structure_id = user.structure_for_beneficiaires()?;
    doit_etre(s, StatutSeance::Prevue)?;
    let duree = s.duree_minutes();
    if valid.debut != s.debut_local(e.calendrier()) {
        let sauf = Sauf { parcours_id: None, seance_id: Some(s.id) };
        refuser_heure_occupee(tx, e, valid.debut, duree, sauf, e.calendrier().to_local(now)).await?;
    }
    let v = passes::Validation {
        carnet_id: CarnetId(e.carnet_id),
        parcours_id: e.id,
        seance_id: SeanceId(s.id),
        user_id: user.id,
        structure_id,
        at: now,
        jour: e.calendrier().today(now),
    };
    let pass = match passes::validate(tx, &valid.code, v).await? {
        Ok(p) => p,
        // The session was still planned when read: another request held it since, and on
        // PostgreSQL waited for it (`dialect::VERROU_SEANCE`). The same answer as on SQLite,
        // whose writers queue before reading.
        Err(RefusValidation::SeanceDejaValidee) => {
            return Err(AppError::Conflict(
                "Cette séance vient d'être modifiée par ailleurs : rechargez la page.".into(),
            ))
        }
        Err(refus) => return Err(AppError::field("code", format!("Pass refusé : {}", refus.message()))),
    };
    if !seances::set_statut(tx, s.id, StatutSeance::Prevue, StatutSeance::Tenue, now).await? {
        return Err(AppError::Conflict("Cette séance vient d'être modifiée par ailleurs : rechargez la page.".into()));
    }
    if valid.debut != s.debut_local(e.calendrier()) {
        seances::set_dates(tx, e.calendrier(), s.id, valid.debut, duree, &s.type_lieu, now).await?;
    }
    let audit = Audit::par(Some(user.id), Entite::Seance(s.id), "tenue")
        .avant(json!({ "statut": "prevue", "debut": s.debut }))
        .apres(json!({ "statut": "tenue", "debut": e.calendrier().to_utc(valid.debut), "pass_id": pass.pass_id,
                      "parcours_id": e.id }));
    tracing::info!(seance_id = s.id, pass_rang = pass.rang, user_id = user.id, "pass validé");
    let done = PassValide {
        seance_id: s.id,
        pass: PassUtilise {
            rang: pass.rang,
            code: valid.code.display(),
            valeur_centimes: pass.valeur_centimes,
            validated_at: now,
            structure_creditee: e.structure_nom.clone(),
            a_reclamer_a: e.emetteur_hors_commande.clone(),
        },
    };
    Ok((done, audit))
}

#[utoipa::path(
    put,
    path = "/api/v1/seances/{id}/compte-rendu",
    tag = "seances",
    params(("id" = i64, Path)),
    request_body = CompteRendu,
    responses((status = 200, description = "Réponse", body = Enregistre)),
    security(("session" = []))
)]
async fn report(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(seance_id): ApiPath<i64>,
    ApiJson(req): ApiJson<CompteRendu>,
) -> AppResult<Json<Enregistre>> {
    let (mut tx, s, e, _) = Ecriture::seance(&state, &user, seance_id).await?;
    let now = tx.now;
    doit_etre(&s, StatutSeance::Tenue)?;
    let cr = valider_compte_rendu(&req).map_err(AppError::Validation)?;
    seances::set_compte_rendu(&mut tx, s.id, Some(&cr), now).await?;
    tx.terminer(
        Audit::par(Some(user.id), Entite::Seance(s.id), "compte_rendu")
            .apres(json!({ "thematiques": cr.thematiques, "duree_minutes": cr.duree_minutes, "materiel": cr.materiel,
                      "autonomie": cr.autonomie, "notes": !cr.notes.is_empty(), "parcours_id": e.id })),
    )
    .await?;
    Ok(Json(Enregistre { ok: true }))
}

/// The next slot after the parcours' last session, at its rhythm (skipping holidays and busy
/// times), or why there is none.
async fn proposer_remplacement(conn: &mut dyn Conn, e: &Entete) -> AppResult<PropositionRemplacement> {
    let (frequence, duree, _) = etapes::planning(conn, e.id).await?.ok_or_else(|| {
        AppError::Conflict("Établissez d'abord le planning des séances (étape 4 « Planning »).".into())
    })?;
    let toutes = seances::of_parcours(conn, e.id).await?;
    let derniere = toutes
        .iter()
        .map(|s| s.debut_local(e.calendrier()))
        .max()
        .ok_or_else(|| AppError::Conflict("Ce parcours n'a pas encore de séance.".into()))?;
    let pas = match frequence {
        Frequence::Quotidien => 1,
        Frequence::Hebdomadaire => 7,
        Frequence::Quinzaine => 14,
    };
    let souhait = derniere + Duration::days(pas);
    let mut occ = occupations_autour(conn, e, &[souhait], Sauf::default()).await?;
    occ.extend(toutes.iter().filter(|s| !s.statut().est_absence()).map(|s| planning::Occupation {
        debut: s.debut,
        fin: s.fin,
        libelle: "une autre séance de ce parcours".into(),
    }));
    let p = generer(e.calendrier(), frequence, souhait, 1, duree, &occ).remove(0);
    if p.debut.date() > e.fin_validite {
        return Err(AppError::field(
            "remplacement",
            format!(
                "Remplacement : la prochaine date possible ({}) dépasse la fin de validité du carnet ({}).",
                paris::date_courte(p.debut.date()),
                paris::date_courte(e.fin_validite)
            ),
        ));
    }
    Ok(PropositionRemplacement { debut: p.debut, notes: p.notes })
}

#[utoipa::path(
    get,
    path = "/api/v1/parcours/{id}/remplacement",
    tag = "seances",
    params(("id" = i64, Path)),
    responses((status = 200, description = "Réponse", body = PropositionRemplacement)),
    security(("session" = []))
)]
async fn replacement(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<PropositionRemplacement>> {
    let mut conn = state.db.acquire().await?;
    let (e, f) = ouvrir(&mut conn, &user, id).await?;
    exiger(Etape::Seances, &f)?;
    Ok(Json(proposer_remplacement(&mut conn, &e).await?))
}

/// Sessions that will use a pass (planned or held).
fn actives(toutes: &[SeanceRow]) -> usize {
    toutes.iter().filter(|s| !s.statut().est_absence()).count()
}

#[utoipa::path(
    post,
    path = "/api/v1/seances/{id}/absence",
    tag = "seances",
    params(("id" = i64, Path)),
    request_body = AbsenceRequest,
    responses((status = 200, description = "Réponse", body = AbsenceEnregistree)),
    security(("session" = []))
)]
async fn absence(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(seance_id): ApiPath<i64>,
    ApiJson(req): ApiJson<AbsenceRequest>,
) -> AppResult<Json<AbsenceEnregistree>> {
    let (mut tx, s, e, _) = Ecriture::seance(&state, &user, seance_id).await?;
    let now = tx.now;
    doit_etre(&s, StatutSeance::Prevue)?;
    let statut = valider_absence(&req).map_err(AppError::Validation)?;
    let remplacement = if req.remplacement { Some(proposer_remplacement(&mut tx, &e).await?) } else { None };
    if !seances::set_statut(&mut tx, s.id, StatutSeance::Prevue, statut, now).await? {
        return Err(AppError::Conflict("Cette séance vient d'être modifiée par ailleurs : rechargez la page.".into()));
    }
    let mut derniere = Audit::par(Some(user.id), Entite::Seance(s.id), statut.code())
        .avant(json!({ "statut": "prevue" }))
        .apres(json!({ "statut": statut.code(), "parcours_id": e.id }));
    let mut nouvelle = None;
    if let Some(p) = &remplacement {
        let id = seances::insert(
            &mut tx,
            &Nouvelle {
                parcours_id: e.id,
                conseiller_id: e.conseiller_id,
                debut: p.debut,
                duree_minutes: s.duree_minutes(),
                type_lieu: &s.type_lieu,
                remplace: Some(s.id),
                calendrier: e.calendrier(),
            },
            now,
        )
        .await?;
        derniere.ecrire(&mut tx, now).await?;
        derniere = Audit::par(Some(user.id), Entite::Seance(id), "remplacement")
            .apres(json!({ "remplace": s.id, "debut": e.calendrier().to_utc(p.debut), "parcours_id": e.id }));
        nouvelle = Some(id);
    }
    tx.terminer(derniere).await?;
    Ok(Json(AbsenceEnregistree { remplacement: nouvelle, debut: remplacement.map(|p| planning::iso_minute(p.debut)) }))
}

/// Checks a date typed for one session and refuses an overlap with the next free slot.
async fn verifier_date(
    conn: &mut dyn Conn,
    e: &Entete,
    req: &DateHeure,
    duree: u32,
    sauf: Sauf,
    aujourdhui: chrono::NaiveDate,
) -> AppResult<chrono::NaiveDateTime> {
    let debut = valider_date_heure(&req.date, &req.heure, duree, bornes(e, aujourdhui), "Nouvelle date")
        .map_err(|(partie, m)| AppError::field(if partie == Partie::Heure { "heure" } else { "date" }, m))?;
    let occ = occupations_autour(conn, e, &[debut], sauf).await?;
    let mut errors = FieldErrors::new();
    refuser_si_occupe(e.calendrier(), &mut errors, "date", "Nouvelle date", debut, duree, &occ, |c| {
        !e.calendrier().est_ferie(c.date()) && c.date() <= e.fin_validite
    });
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok(debut)
}

#[utoipa::path(
    put,
    path = "/api/v1/seances/{id}/date",
    tag = "seances",
    params(("id" = i64, Path)),
    request_body = DateHeure,
    responses((status = 200, description = "Réponse", body = SeanceDeplacee)),
    security(("session" = []))
)]
async fn move_session(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(seance_id): ApiPath<i64>,
    ApiJson(req): ApiJson<DateHeure>,
) -> AppResult<Json<SeanceDeplacee>> {
    let (mut tx, s, e, _) = Ecriture::seance(&state, &user, seance_id).await?;
    let now = tx.now;
    doit_etre(&s, StatutSeance::Prevue)?;
    let debut = verifier_date(
        &mut tx,
        &e,
        &req,
        s.duree_minutes(),
        Sauf { parcours_id: None, seance_id: Some(s.id) },
        e.calendrier().today(state.clock.now()),
    )
    .await?;
    seances::set_dates(&mut tx, e.calendrier(), s.id, debut, s.duree_minutes(), &s.type_lieu, now).await?;
    tx.terminer(
        Audit::par(Some(user.id), Entite::Seance(s.id), "deplacee")
            .avant(json!({ "debut": s.debut }))
            .apres(json!({ "debut": e.calendrier().to_utc(debut), "parcours_id": e.id })),
    )
    .await?;
    Ok(Json(SeanceDeplacee { debut: planning::iso_minute(debut) }))
}

/// Adds a session (when an absence was not replaced): only while fewer sessions than passes
/// are planned or held.
#[utoipa::path(
    post,
    path = "/api/v1/parcours/{id}/seances",
    tag = "seances",
    params(("id" = i64, Path)),
    request_body = DateHeure,
    responses((status = 200, description = "Réponse", body = SeanceAjoutee)),
    security(("session" = []))
)]
async fn add(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<DateHeure>,
) -> AppResult<Json<SeanceAjoutee>> {
    let (tx, e, _) = Ecriture::parcours(&state, &user, id, Etape::Seances).await?;
    ajouter(tx, &user, &e, &req, None, e.calendrier().today(state.clock.now())).await
}

/// Replaces a missed session (excused by the person from their space, or marked absent without a
/// replacement): a session at the date given, linked to the missed one, which leaves the
/// « À traiter » list.
#[utoipa::path(
    post,
    path = "/api/v1/seances/{id}/remplacement",
    tag = "seances",
    params(("id" = i64, Path)),
    request_body = DateHeure,
    responses((status = 200, description = "Réponse", body = SeanceAjoutee)),
    security(("session" = []))
)]
async fn replace(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(seance_id): ApiPath<i64>,
    ApiJson(req): ApiJson<DateHeure>,
) -> AppResult<Json<SeanceAjoutee>> {
    let (mut tx, s, e, _) = Ecriture::seance(&state, &user, seance_id).await?;
    if !s.statut().est_absence() {
        return Err(AppError::Conflict("Seule une séance manquée se remplace ; celle-ci se déplace.".into()));
    }
    if seances::remplacee(&mut tx, s.id).await? {
        return Err(AppError::Conflict("Cette séance a déjà sa séance de remplacement.".into()));
    }
    ajouter(tx, &user, &e, &req, Some(s.id), e.calendrier().today(state.clock.now())).await
}

/// The one insertion of a session by hand (added, or replacing `remplace`), while fewer sessions
/// than passes are planned or held.
async fn ajouter(
    mut tx: Ecriture,
    user: &CurrentUser,
    e: &Entete,
    req: &DateHeure,
    remplace: Option<i64>,
    today: chrono::NaiveDate,
) -> AppResult<Json<SeanceAjoutee>> {
    let now = tx.now;
    let toutes = seances::of_parcours(&mut tx, e.id).await?;
    if actives(&toutes) >= e.nb_passes as usize {
        return Err(AppError::Conflict(format!(
            "Le parcours compte déjà {} séances pour {} pass : déplacez plutôt une séance.",
            actives(&toutes),
            e.nb_passes
        )));
    }
    let (_, duree, type_lieu) = etapes::planning(&mut tx, e.id).await?.ok_or(AppError::NotFound)?;
    let debut = verifier_date(&mut tx, e, req, duree, Sauf::default(), today).await?;
    let sid = seances::insert(
        &mut tx,
        &Nouvelle {
            parcours_id: e.id,
            conseiller_id: e.conseiller_id,
            debut,
            duree_minutes: duree,
            type_lieu: &type_lieu,
            remplace,
            calendrier: e.calendrier(),
        },
        now,
    )
    .await?;
    let (action, apres) = match remplace {
        None => ("ajoutee", json!({ "debut": e.calendrier().to_utc(debut), "parcours_id": e.id })),
        Some(r) => {
            ("remplacement", json!({ "remplace": r, "debut": e.calendrier().to_utc(debut), "parcours_id": e.id }))
        }
    };
    tx.terminer(Audit::par(Some(user.id), Entite::Seance(sid), action).apres(apres)).await?;
    Ok(Json(SeanceAjoutee { seance_id: sid }))
}

#[utoipa::path(
    post,
    path = "/api/v1/seances/{id}/annulation",
    tag = "seances",
    params(("id" = i64, Path)),
    request_body = AnnulationRequest,
    responses((status = 200, description = "Réponse", body = ValidationAnnulee)),
    security(("session" = []))
)]
async fn cancel_validation(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(seance_id): ApiPath<i64>,
    ApiJson(req): ApiJson<AnnulationRequest>,
) -> AppResult<Json<ValidationAnnulee>> {
    let (mut tx, s, e, _) = Ecriture::seance(&state, &user, seance_id).await?;
    let now = tx.now;
    doit_etre(&s, StatutSeance::Tenue)?;
    let motif = valider_annulation(&req).map_err(AppError::Validation)?;
    let Some(pass_id) = passes::cancel_validation(&mut tx, SeanceId(s.id), user.id, now).await? else {
        return Err(AppError::Conflict("Cette séance n'a pas de pass validé.".into()));
    };
    if !seances::set_statut(&mut tx, s.id, StatutSeance::Tenue, StatutSeance::Prevue, now).await? {
        return Err(AppError::Conflict("Cette séance vient d'être modifiée par ailleurs : rechargez la page.".into()));
    }
    seances::set_compte_rendu(&mut tx, s.id, None, now).await?;
    // The reason is free text typed by staff, and may name the person: the append-only audit
    // log, which anonymisation cannot reach, keeps only that one was given, and its length.
    tx.terminer(
        Audit::par(Some(user.id), Entite::Seance(s.id), "validation_annulee")
            .avant(json!({ "statut": "tenue", "pass_id": pass_id }))
            .apres(json!({ "statut": "prevue", "motif_caracteres": motif.chars().count(), "parcours_id": e.id })),
    )
    .await?;
    Ok(Json(ValidationAnnulee { pass_id: pass_id.get() }))
}

#[utoipa::path(
    get,
    path = "/api/v1/parcours/{id}/seances.ics",
    tag = "seances",
    params(("id" = i64, Path)),
    responses((status = 200, description = "Le calendrier des séances du parcours (iCalendar)", content_type = "text/calendar", body = String)),
    security(("session" = []))
)]
async fn calendar(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<impl IntoResponse> {
    let structure_id = user.structure_for_beneficiaires()?;
    let (d, rows) = {
        let mut conn = state.db.acquire().await?;
        let d = dossier::load(&mut *conn, id, structure_id).await?.ok_or(AppError::NotFound)?;
        (d, seances::of_parcours(&mut conn, id).await?)
    };
    crate::journal::identite_lue(&state, &user, crate::journal::Lecture::Calendrier, &[d.beneficiaire.id]).await?;
    let prenom = &d.beneficiaire.prenom;
    let n = d.carnet.nb_passes;
    let evenements: Vec<EvenementIcs> = d
        .seances
        .iter()
        .zip(rows.iter())
        .map(|(s, r)| {
            let titre = s.theme.as_ref().map(|t| t.titre.clone());
            let resume = match (s.numero, &titre) {
                (Some(k), Some(t)) => format!("Carnet – séance {k}/{n} avec {prenom} : {t}"),
                (Some(k), None) => format!("Carnet – séance {k}/{n} avec {prenom}"),
                (None, _) => format!("Carnet – séance avec {prenom} ({})", s.statut.libelle().to_lowercase()),
            };
            let lieu = format!(
                "{} ({})",
                d.structure,
                coop::label(coop::TYPE_LIEU, &s.type_lieu).unwrap_or("lieu à préciser")
            );
            let mut description = vec![format!("Parcours Pass numérique de {prenom}, carnet n° {}.", d.carnet.numero)];
            if let Some(t) = &s.theme {
                if !t.competences.is_empty() {
                    let comps: Vec<String> =
                        t.competences.iter().map(|c| carnet_domain::parcours::competences::libelle(c)).collect();
                    description.push(format!("Compétences travaillées : {}.", comps.join(", ")));
                }
            }
            description.push("Apporter le carnet de Pass numérique.".into());
            EvenementIcs {
                uid: r.uid.clone(),
                sequence: r.sequence,
                debut: s.debut,
                fin: s.fin,
                resume,
                lieu,
                description: description.join("\n"),
                annule: s.statut.est_absence(),
                modifie: r.updated_at,
            }
        })
        .collect();
    let body = ics::calendrier(&format!("Parcours de {prenom}"), d.fuseau, &evenements, state.clock.now());
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"parcours-{id}-seances.ics\"")),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    ))
}

/// The OpenAPI description of this module's routes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    calendar,
    replacement,
    add,
    hold_unplanned,
    hold,
    report,
    absence,
    replace,
    move_session,
    cancel_validation
))]
pub(super) struct Doc;
