//! Accounts: invitation by one-time link, password change and reset, deactivation, and the
//! lists of the team (coordinateur) and administration pages.

use crate::auth::{self, ClientIp, CurrentUser};
use crate::db::begin_write;
use crate::error::{ApiJson, ApiPath, AppError, AppResult};
use crate::mail::Mail;
use crate::store::audit::{Audit, Entite};
use crate::store::{comptes, users};
use crate::{passwords, AppState};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use carnet_domain::api::{FieldErrors, Role, StructureRef};
use carnet_domain::comptes::{
    valider_email, valider_invitation, ChangementMotDePasse, CompteView, DemandeReinitialisation, EtatCompte,
    InvitationEnvoyee, InvitationRequest, JetonInfo, JetonRequest, Message, NouveauMotDePasse, ObjetJeton,
};
use chrono::{DateTime, Utc};
use serde_json::json;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/mot-de-passe", post(change_password))
        .route("/auth/reinitialisation", post(request_reset))
        .route("/auth/jeton", post(token_info))
        .route("/auth/jeton/mot-de-passe", post(set_password_with_token))
        .route("/comptes", get(list).post(invite))
        .route("/comptes/{id}/invitation", post(reinvite))
        .route("/comptes/{id}/desactivation", post(deactivate))
        .route("/comptes/{id}/reactivation", post(reactivate))
        .route("/structures", get(structures))
}

/// Reset requests allowed per e-mail, and per client address, within the login window.
const RESET_MAX_PER_EMAIL: i64 = 3;
const RESET_MAX_PER_IP: i64 = 20;
/// Wrong one-time links allowed per client address within the login window.
const TOKEN_MAX_FAILURES_PER_IP: i64 = 20;

/// Whose accounts this user manages: a coordinateur their structure's, an administrator all.
#[derive(Clone, Copy)]
enum Scope {
    Structure(i64),
    All,
}

impl Scope {
    fn of(user: &CurrentUser) -> AppResult<Scope> {
        match (user.role, user.structure_id) {
            (Role::Coordinateur, Some(s)) => Ok(Scope::Structure(s)),
            (Role::Admin, _) => Ok(Scope::All),
            _ => Err(AppError::Forbidden),
        }
    }

    fn structure(self) -> Option<i64> {
        match self {
            Scope::Structure(s) => Some(s),
            Scope::All => None,
        }
    }
}

async fn throttled(state: &AppState, limits: &[(&str, i64)], message: &str) -> AppResult<()> {
    let since = state.clock.now() - state.config.login_window;
    for (key, max) in limits {
        if users::count_failures(&state.db, key, since).await? >= *max {
            return Err(AppError::TooManyRequests {
                message: format!("{message} Réessayez dans {} minutes.", state.config.login_window.num_minutes()),
                retry_after_secs: state.config.login_window.num_seconds() as u64,
            });
        }
    }
    Ok(())
}

async fn hash(state: &AppState, password: String) -> AppResult<String> {
    Ok(auth::hash_password_bounded(&state.config.hachages, password).await?)
}

fn link(state: &AppState, token: &str) -> String {
    // In the fragment: never sent to a server, so never in an access log or a Referer.
    format!("{}/mot-de-passe/choisir#jeton={token}", state.config.public_url.trim_end_matches('/'))
}

/// In the inviter's zone: they read it on screen.
fn date_heure(fuseau: carnet_domain::fuseau::Fuseau, at: DateTime<Utc>) -> String {
    let local = fuseau.to_local(at);
    format!("{} à {}", carnet_domain::paris::date_longue(local.date()), local.format("%H h %M"))
}

// --- my password

#[utoipa::path(
    post,
    path = "/api/v1/auth/mot-de-passe",
    tag = "comptes",
    request_body = ChangementMotDePasse,
    responses((status = 200, description = "Mot de passe changé ; une nouvelle session est posée", body = Message)),
    security(("session" = []))
)]
async fn change_password(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<ChangementMotDePasse>,
) -> AppResult<Response> {
    let email_key = format!("email:{}", user.email);
    throttled(&state, &[(&email_key, state.config.login_max_failures)], "Trop de tentatives.").await?;

    let mut errors = FieldErrors::new();
    if req.actuel.is_empty() {
        errors.insert("actuel".into(), "Mot de passe actuel : ce champ est obligatoire.".into());
    }
    if let Err(m) = passwords::check("Nouveau mot de passe", &req.nouveau, &user.email) {
        errors.insert("nouveau".into(), m);
    } else if req.nouveau == req.actuel {
        errors.insert("nouveau".into(), "Nouveau mot de passe : il doit être différent de l'actuel.".into());
    } else if req.nouveau != req.confirmation {
        errors.insert("confirmation".into(), "Confirmation : elle ne correspond pas au nouveau mot de passe.".into());
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }

    let row = users::find_by_email(&state.db, &user.email).await?.ok_or(AppError::Unauthorized)?;
    let (actuel, stored) = (req.actuel.clone(), row.password_hash.clone());
    let ok = auth::verify_password_bounded(&state.config.hachages, actuel, stored).await?;
    let now = state.clock.now();
    if !ok {
        users::record_failure(&state.db, &email_key, now).await?;
        return Err(AppError::field("actuel", "Mot de passe actuel : il est incorrect."));
    }
    let new_hash = hash(&state, req.nouveau.clone()).await?;

    let mut tx = begin_write(&state.db).await?;
    comptes::set_password(&mut tx, user.id, &new_hash).await?;
    let ended = comptes::revoke_sessions(&mut tx, user.id).await?;
    comptes::revoke_tokens(&mut tx, user.id, now).await?;
    // This browser stays signed in, with a new session; every other one is signed out.
    let (token, token_hash) = auth::new_token();
    users::create_session(&mut tx, &token_hash, user.id, now).await?;
    Audit::par(Some(user.id), Entite::User(user.id), "mot_de_passe_change").ecrire(&mut tx, now).await?;
    tx.commit().await?;
    tracing::info!(user_id = user.id, sessions_fermees = ended, "mot de passe changé");
    Ok((
        [(header::SET_COOKIE, auth::session_cookie(&token, state.config.https()))],
        Json(Message {
            message: "Mot de passe changé. Vos autres sessions ouvertes (autres appareils) sont fermées.".into(),
        }),
    )
        .into_response())
}

// --- forgotten password

#[utoipa::path(
    post,
    path = "/api/v1/auth/reinitialisation",
    tag = "comptes",
    request_body = DemandeReinitialisation,
    responses((status = 202, description = "Accepté : le travail continue en arrière-plan", body = Message))
)]
async fn request_reset(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<DemandeReinitialisation>,
) -> AppResult<(StatusCode, Json<Message>)> {
    let email = valider_email("Adresse e-mail", &req.email).map_err(|m| AppError::field("email", m))?;
    // Refused for every address alike: the answer still says nothing about the account.
    if !state.config.mailer.envoie() {
        tracing::warn!("réinitialisation refusée : aucun serveur SMTP configuré (CARNET_SMTP_URL)");
        return Err(AppError::Unprocessable(SANS_EMAIL_REINITIALISATION.into()));
    }
    let email_key = format!("reinitialisation:email:{email}");
    let ip_key = format!("reinitialisation:ip:{ip}");
    throttled(
        &state,
        &[(&email_key, RESET_MAX_PER_EMAIL), (&ip_key, RESET_MAX_PER_IP)],
        "Trop de demandes de réinitialisation.",
    )
    .await?;
    let now = state.clock.now();
    users::record_failure(&state.db, &email_key, now).await?;
    users::record_failure(&state.db, &ip_key, now).await?;

    // The answer never depends on the account: the lookup and the e-mail happen after it.
    let task_state = state.clone();
    tokio::spawn(async move {
        if let Err(e) = send_reset(&task_state, &email).await {
            tracing::error!(error = ?e, "réinitialisation : l'e-mail n'a pas pu partir");
        }
    });
    Ok((
        StatusCode::ACCEPTED,
        Json(Message {
            message: format!(
                "Si un compte Carnet existe avec cette adresse, un e-mail vient de partir avec un lien valable {} minutes. \
                 Pensez à regarder dans les courriers indésirables.",
                state.config.reset_validity.num_minutes()
            ),
        }),
    ))
}

const SANS_EMAIL_REINITIALISATION: &str =
    "La réinitialisation du mot de passe n'est pas possible : aucun serveur d'e-mail n'est configuré sur ce Carnet. \
     Demandez à votre coordinateur ou à l'administrateur.";

async fn send_reset(state: &AppState, email: &str) -> anyhow::Result<()> {
    let Some(user) = users::find_by_email(&state.db, email).await? else { return Ok(()) };
    if !user.active {
        return Ok(());
    }
    let now = state.clock.now();
    let mut tx = begin_write(&state.db).await?;
    let token =
        comptes::create_token(&mut tx, user.id, ObjetJeton::Reinitialisation, None, now, state.config.reset_validity)
            .await?;
    tx.commit().await?;
    let minutes = state.config.reset_validity.num_minutes();
    state
        .config
        .mailer
        .send(&Mail {
            to: user.email.clone(),
            subject: "Carnet : choisir un nouveau mot de passe".into(),
            body: format!(
                "Bonjour {},\n\nQuelqu'un (vous, sans doute) a demandé à changer le mot de passe de votre compte Carnet.\n\n\
                 Pour en choisir un nouveau, ouvrez ce lien (valable {minutes} minutes, une seule fois) :\n{}\n\n\
                 Si vous n'avez rien demandé, ignorez ce message : votre mot de passe actuel reste valable.\n",
                user.prenom,
                link(state, &token)
            ),
        })
        .await
}

// --- one-time links

fn invalid_link() -> AppError {
    AppError::Unprocessable(
        "Ce lien n'est plus valable : il a déjà servi, il a expiré, ou il est incomplet. Demandez-en un nouveau."
            .into(),
    )
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/jeton",
    tag = "comptes",
    request_body = JetonRequest,
    responses((status = 200, description = "Réponse", body = JetonInfo))
)]
async fn token_info(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<JetonRequest>,
) -> AppResult<Json<JetonInfo>> {
    let ip_key = format!("jeton:ip:{ip}");
    throttled(&state, &[(&ip_key, TOKEN_MAX_FAILURES_PER_IP)], "Trop de liens invalides.").await?;
    let now = state.clock.now();
    match comptes::find_valid_token(&state.db, &auth::token_hash(req.jeton.trim()), now).await? {
        Some(t) => Ok(Json(JetonInfo {
            objet: ObjetJeton::parse(&t.objet).unwrap_or(ObjetJeton::Reinitialisation),
            prenom: t.prenom,
            email: t.email,
            expire_le: t.expires_at,
        })),
        None => {
            users::record_failure(&state.db, &ip_key, now).await?;
            Err(invalid_link())
        }
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/jeton/mot-de-passe",
    tag = "comptes",
    request_body = NouveauMotDePasse,
    responses((status = 200, description = "Réponse", body = Message))
)]
async fn set_password_with_token(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<NouveauMotDePasse>,
) -> AppResult<Json<Message>> {
    let ip_key = format!("jeton:ip:{ip}");
    throttled(&state, &[(&ip_key, TOKEN_MAX_FAILURES_PER_IP)], "Trop de liens invalides.").await?;
    let now = state.clock.now();
    let token_hash = auth::token_hash(req.jeton.trim());
    let Some(t) = comptes::find_valid_token(&state.db, &token_hash, now).await? else {
        users::record_failure(&state.db, &ip_key, now).await?;
        return Err(invalid_link());
    };
    if let Err(m) = passwords::check("Mot de passe", &req.mot_de_passe, &t.email) {
        return Err(AppError::field("mot_de_passe", m));
    }
    if req.mot_de_passe != req.confirmation {
        return Err(AppError::field("confirmation", "Confirmation : elle ne correspond pas au mot de passe saisi."));
    }
    let new_hash = hash(&state, req.mot_de_passe.clone()).await?;

    let mut tx = begin_write(&state.db).await?;
    // The single-use check and the use are one statement: a second request with the same link fails.
    let Some((user_id, objet)) = comptes::consume_token(&mut tx, &token_hash, now).await? else {
        return Err(invalid_link());
    };
    comptes::set_password(&mut tx, user_id, &new_hash).await?;
    comptes::revoke_sessions(&mut tx, user_id).await?;
    comptes::revoke_tokens(&mut tx, user_id, now).await?;
    let action = if objet == "invitation" { "invitation_acceptee" } else { "mot_de_passe_reinitialise" };
    Audit::par(Some(user_id), Entite::User(user_id), action).ecrire(&mut tx, now).await?;
    tx.commit().await?;
    tracing::info!(user_id, action, "mot de passe choisi par lien à usage unique");
    Ok(Json(Message { message: "Mot de passe enregistré. Vous pouvez maintenant vous connecter.".into() }))
}

// --- the team and the administration

#[utoipa::path(
    get,
    path = "/api/v1/comptes",
    tag = "comptes",
    responses((status = 200, description = "Réponse", body = Vec<CompteView>)),
    security(("session" = []))
)]
async fn list(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Vec<CompteView>>> {
    let scope = Scope::of(&user)?;
    Ok(Json(comptes::list(&state.db, scope.structure()).await?))
}

#[utoipa::path(
    get,
    path = "/api/v1/structures",
    tag = "comptes",
    responses((status = 200, description = "Réponse", body = Vec<StructureRef>)),
    security(("session" = []))
)]
async fn structures(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Vec<StructureRef>>> {
    if user.role != Role::Admin {
        return Err(AppError::Forbidden);
    }
    Ok(Json(comptes::structures(&state.db).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/comptes",
    tag = "comptes",
    request_body = InvitationRequest,
    responses((status = 201, description = "Créé", body = InvitationEnvoyee)),
    security(("session" = []))
)]
async fn invite(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(mut req): ApiJson<InvitationRequest>,
) -> AppResult<(StatusCode, Json<InvitationEnvoyee>)> {
    let scope = Scope::of(&user)?;
    let roles: &[Role] = match scope {
        Scope::Structure(s) => {
            // A coordinateur invites into their own structure, whatever was sent.
            req.structure_id = Some(s);
            &[Role::Conseiller, Role::Coordinateur]
        }
        Scope::All => {
            &[Role::Conseiller, Role::Coordinateur, Role::Commanditaire, Role::Operateur, Role::Hub, Role::Admin]
        }
    };
    let valid = valider_invitation(&req, roles).map_err(AppError::Validation)?;
    if let Some(s) = valid.structure_id {
        if !users::structure_exists(&state.db, s).await? {
            return Err(AppError::field("structure_id", "Structure : choisissez une structure de la liste."));
        }
    }
    let now = state.clock.now();
    let mut tx = begin_write(&state.db).await?;
    let id = match comptes::create_invited(
        &mut tx,
        &valid.email,
        &valid.prenom,
        &valid.nom,
        valid.role,
        valid.structure_id,
        now,
    )
    .await
    {
        Ok(id) => id,
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            return Err(AppError::field("email", "Adresse e-mail : un compte existe déjà avec cette adresse."));
        }
        Err(e) => return Err(e.into()),
    };
    let token = comptes::create_token(
        &mut tx,
        id,
        ObjetJeton::Invitation,
        Some(user.id),
        now,
        state.config.invitation_validity,
    )
    .await?;
    Audit::par(Some(user.id), Entite::User(id), "invite")
        .apres(json!({ "role": valid.role.as_str(), "structure_id": valid.structure_id }))
        .ecrire(&mut tx, now)
        .await?;
    tx.commit().await?;
    let compte = comptes::get(&state.db, id, None).await?.ok_or(AppError::NotFound)?;
    let sent = send_invitation(&state, &user, &compte, &token).await;
    tracing::info!(user_id = id, invited_by = user.id, "invitation créée");
    Ok((StatusCode::CREATED, Json(sent)))
}

async fn send_invitation(state: &AppState, by: &CurrentUser, compte: &CompteView, token: &str) -> InvitationEnvoyee {
    let days = state.config.invitation_validity.num_days();
    let structure = compte.structure.as_ref().map(|s| format!(" ({})", s.nom)).unwrap_or_default();
    let mail = Mail {
        to: compte.email.clone(),
        subject: "Votre compte Carnet".into(),
        body: format!(
            "Bonjour {},\n\n{} {} vous a créé un compte {} sur Carnet, l'outil de suivi des parcours Pass numérique{structure}.\n\n\
             Pour choisir votre mot de passe, ouvrez ce lien (valable {days} jours, une seule fois) :\n{}\n\n\
             Votre identifiant sera votre adresse e-mail : {}\n\n\
             Si vous n'attendiez pas ce message, ignorez-le : le compte reste inutilisable sans ce lien.\n",
            compte.prenom,
            by.prenom,
            by.nom,
            compte.role.label().to_lowercase(),
            link(state, token),
            compte.email
        ),
    };
    let expire = date_heure(by.calendrier.fuseau, state.clock.now() + state.config.invitation_validity);
    match state.config.mailer.send(&mail).await {
        Ok(()) => InvitationEnvoyee {
            compte: compte.clone(),
            email_envoye: true,
            message: format!("Invitation envoyée à {} : le lien est valable jusqu'au {expire}.", compte.email),
        },
        Err(_) if !state.config.mailer.envoie() => InvitationEnvoyee {
            compte: compte.clone(),
            email_envoye: false,
            message: format!(
                "Le compte de {} est créé, mais l'invitation n'est pas partie : aucun serveur d'e-mail n'est configuré \
                 sur ce Carnet. L'administrateur doit en configurer un (CARNET_SMTP_URL), puis « Renvoyer l'invitation ».",
                compte.email
            ),
        },
        Err(e) => {
            tracing::error!(error = ?e, to = %compte.email, "invitation : l'e-mail n'a pas pu partir");
            InvitationEnvoyee {
                compte: compte.clone(),
                email_envoye: false,
                message: format!(
                    "Le compte de {} est créé, mais l'e-mail n'a pas pu partir. Réessayez avec « Renvoyer l'invitation ».",
                    compte.email
                ),
            }
        }
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/comptes/{id}/invitation",
    tag = "comptes",
    params(("id" = i64, Path)),
    responses((status = 200, description = "Réponse", body = InvitationEnvoyee)),
    security(("session" = []))
)]
async fn reinvite(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<InvitationEnvoyee>> {
    let scope = Scope::of(&user)?;
    let compte = comptes::get(&state.db, id, scope.structure()).await?.ok_or(AppError::NotFound)?;
    if compte.etat != EtatCompte::Invitation {
        return Err(AppError::Unprocessable(match compte.etat {
            EtatCompte::Desactive => "Ce compte est désactivé : réactivez-le d'abord.".into(),
            _ => "Ce compte a déjà un mot de passe. Son titulaire peut utiliser « Mot de passe oublié ».".into(),
        }));
    }
    let now = state.clock.now();
    let mut tx = begin_write(&state.db).await?;
    let token = comptes::create_token(
        &mut tx,
        id,
        ObjetJeton::Invitation,
        Some(user.id),
        now,
        state.config.invitation_validity,
    )
    .await?;
    Audit::par(Some(user.id), Entite::User(id), "reinvite").ecrire(&mut tx, now).await?;
    tx.commit().await?;
    Ok(Json(send_invitation(&state, &user, &compte, &token).await))
}

#[utoipa::path(
    post,
    path = "/api/v1/comptes/{id}/desactivation",
    tag = "comptes",
    params(("id" = i64, Path)),
    responses((status = 200, description = "Réponse", body = CompteView)),
    security(("session" = []))
)]
async fn deactivate(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<CompteView>> {
    let scope = Scope::of(&user)?;
    comptes::get(&state.db, id, scope.structure()).await?.ok_or(AppError::NotFound)?;
    if id == user.id {
        return Err(AppError::Unprocessable("Vous ne pouvez pas désactiver votre propre compte.".into()));
    }
    let now = state.clock.now();
    let mut tx = begin_write(&state.db).await?;
    comptes::set_active(&mut tx, id, false).await?;
    comptes::revoke_sessions(&mut tx, id).await?;
    comptes::revoke_tokens(&mut tx, id, now).await?;
    Audit::par(Some(user.id), Entite::User(id), "desactive").ecrire(&mut tx, now).await?;
    tx.commit().await?;
    tracing::info!(user_id = id, by = user.id, "compte désactivé");
    Ok(Json(comptes::get(&state.db, id, None).await?.ok_or(AppError::NotFound)?))
}

#[utoipa::path(
    post,
    path = "/api/v1/comptes/{id}/reactivation",
    tag = "comptes",
    params(("id" = i64, Path)),
    responses((status = 200, description = "Réponse", body = CompteView)),
    security(("session" = []))
)]
async fn reactivate(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<CompteView>> {
    let scope = Scope::of(&user)?;
    comptes::get(&state.db, id, scope.structure()).await?.ok_or(AppError::NotFound)?;
    let now = state.clock.now();
    let mut tx = begin_write(&state.db).await?;
    comptes::set_active(&mut tx, id, true).await?;
    Audit::par(Some(user.id), Entite::User(id), "reactive").ecrire(&mut tx, now).await?;
    tx.commit().await?;
    Ok(Json(comptes::get(&state.db, id, None).await?.ok_or(AppError::NotFound)?))
}

/// The OpenAPI description of this module's routes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    change_password,
    request_reset,
    token_info,
    set_password_with_token,
    list,
    invite,
    reinvite,
    deactivate,
    reactivate,
    structures
))]
pub(super) struct Doc;
