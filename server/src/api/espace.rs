//! The beneficiary space « Mon parcours ».
//!
//! Staff side (a conseiller or coordinateur of the structure; 404 for others): the state of a
//! parcours' personal link, issuing one (which revokes the previous), revoking it; and the same
//! for its calendar token alone.
//!
//! Public side (no session: the token IS the authorisation, sent by the page in the
//! `Authorization: Bearer` header, never in a path that proxies log): the person's own view,
//! their sessions as an `.ics` file and as a calendar feed (only with their « agenda » consent),
//! « Je ne pourrai pas venir » on one of their future planned sessions, and the short code typed
//! on the home page exchanged for a token. Unknown tokens and codes are throttled per client
//! address (wrong codes from everyone together raise an alert), and a revoked or unknown token
//! answers 404 like any other missing thing; only an unknown one counts as a guess.
//!
//! The calendar (the subscribable feed and the `.ics` file) has a token of its own, in its
//! path since calendar programs send no header: it reads the sessions and nothing else.
//!
//! A link (its tokens, its calendar token, its short code) expires `Config::link_expiry_months`
//! after its parcours closed, answering then as a revoked one.

use crate::auth::{ClientIp, CurrentUser};
use crate::db::begin_write;
use crate::error::{ApiJson, ApiPath, AppError, AppResult};
use crate::store::audit::{Audit, Entite};
use crate::store::conn::Conn;
use crate::store::dossier::{self, Entete};
use crate::store::espace::{self, Titulaire};
use crate::store::{seances, users};
use crate::AppState;
use axum::extract::{FromRequestParts, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use carnet_domain::coop;
use carnet_domain::espace::{
    afficher_code, normaliser_code, BilanEspace, CodeRequest, CodeTrouve, Espace, LienEmis, LienEtat, ObjectifEspace,
    Prevenu, SeanceEspace, SeanceTenueEspace,
};
use carnet_domain::fuseau::Fuseau;
use carnet_domain::parcours::competences;
use carnet_domain::parcours::ics::{self, EvenementIcs};
use carnet_domain::parcours::planning::heure;
use carnet_domain::parcours::seance::StatutSeance;
use carnet_domain::parcours::{Dossier, SeanceView};
use carnet_domain::paris;
use chrono::{DateTime, Utc};
use serde_json::json;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/parcours/{id}/lien", get(status).post(issue).delete(revoke))
        .route("/espace/code", post(code))
        .route("/parcours/{id}/lien/agenda", post(issue_agenda).delete(revoke_agenda))
        .route("/espace", get(view))
        .route("/espace/seances/{id}/absence", post(cannot_come))
        .route("/espace/rappels/arret", post(stop_reminders))
        // `{token}.ics`: a path segment cannot be a parameter followed by text (`feed` reads it).
        .route("/agenda/{token}", get(feed))
        .route("/agenda/{token}/seances.ics", get(download))
}

/// The space's token, as the page sends it: `Authorization: Bearer <token>`. Without it, or
/// written otherwise, 401 (nothing was tried: not counted as a guess); a token that opens
/// nothing is for `titulaire` to count.
pub struct Porteur(String);

impl FromRequestParts<AppState> for Porteur {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, AppError> {
        let refus = |m: &str| AppError::UnauthorizedBecause(format!("Authorization : {m}"));
        let Some(valeur) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(refus(
                "le jeton de votre lien personnel manque. Ouvrez le lien donné par votre conseiller, ou tapez le code de votre feuille.",
            ));
        };
        let jeton = valeur
            .to_str()
            .ok()
            .and_then(|v| v.split_once(' '))
            .filter(|(schema, _)| schema.eq_ignore_ascii_case("bearer"))
            .map(|(_, jeton)| jeton.trim())
            .filter(|jeton| !jeton.is_empty());
        match jeton {
            Some(j) => Ok(Porteur(j.to_string())),
            None => Err(refus("attendu « Bearer » suivi du jeton du lien personnel.")),
        }
    }
}

/// Unknown tokens allowed per client address within the login window.
const TOKEN_FAILURES_PER_IP: i64 = 30;
/// Wrong short codes allowed per client address within the window (everyone together only
/// raises an alert: see `alerte`).
pub const CODE_FAILURES_PER_IP: i64 = 10;

async fn throttled(state: &AppState, limits: &[(&str, i64)]) -> AppResult<()> {
    let since = state.clock.now() - state.config.login_window;
    for (key, max) in limits {
        if users::count_failures(&state.db, key, since).await? >= *max {
            return Err(AppError::TooManyRequests {
                message: format!(
                    "Trop d'essais. Réessayez dans {} minutes, ou demandez votre lien à votre conseiller.",
                    state.config.login_window.num_minutes()
                ),
                retry_after_secs: state.config.login_window.num_seconds() as u64,
            });
        }
    }
    Ok(())
}

/// Links of a parcours closed before this instant have expired.
pub(crate) fn expire_avant(state: &AppState) -> DateTime<Utc> {
    let now = state.clock.now();
    now.checked_sub_months(chrono::Months::new(state.config.link_expiry_months)).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Tokens are 43 URL-safe characters (22 for those of reminders, short enough for an SMS):
/// anything else is not looked up, but still counted.
fn plausible(token: &str) -> bool {
    matches!(token.len(), 22 | 43) && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The space's tokens (`espace::find`) or the calendar's (`espace::find_agenda`).
#[derive(Clone, Copy)]
enum Sorte {
    Espace,
    Agenda,
}

/// Whose space this token opens. An unknown token is counted against the address as a guess; a
/// token that was real but is revoked (replaced, anonymised, expired) is not: calendar apps keep polling
/// old feeds, and counting them would soon lock out everyone behind the same address.
async fn titulaire(state: &AppState, ip: &str, token: &str) -> AppResult<Titulaire> {
    jeton_de(state, ip, token, Sorte::Espace).await
}

/// Whose calendar this calendar token reads: as `titulaire`, same count of guesses.
async fn lecteur_agenda(state: &AppState, ip: &str, token: &str) -> AppResult<Titulaire> {
    jeton_de(state, ip, token, Sorte::Agenda).await
}

async fn jeton_de(state: &AppState, ip: &str, token: &str, sorte: Sorte) -> AppResult<Titulaire> {
    let key = format!("espace:jeton:ip:{ip}");
    throttled(state, &[(&key, TOKEN_FAILURES_PER_IP)]).await?;
    let found = match sorte {
        _ if !plausible(token) => espace::Jeton::Inconnu,
        Sorte::Espace => espace::find(&state.db, token, expire_avant(state)).await?,
        Sorte::Agenda => espace::find_agenda(&state.db, token, expire_avant(state)).await?,
    };
    match found {
        espace::Jeton::Valide(t) => Ok(t),
        espace::Jeton::Revoque => Err(AppError::NotFound),
        espace::Jeton::Inconnu => {
            users::record_failure(&state.db, &key, state.clock.now()).await?;
            Err(AppError::NotFound)
        }
    }
}

fn espace_url(state: &AppState, token: &str) -> String {
    // The token in the fragment: the page's address never carries it to a server log or a
    // Referer; the page itself sends it to the API.
    format!("{}/espace/#{token}", state.config.public_url.trim_end_matches('/'))
}

fn date_heure(fuseau: Fuseau, at: DateTime<Utc>) -> String {
    let local = fuseau.to_local(at);
    format!("{} à {}", paris::date_longue(local.date()), heure(local.time()))
}

// --- staff side

async fn ouvrir(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<Entete> {
    let structure_id = user.structure_for_beneficiaires()?;
    let mut conn = state.db.acquire().await?;
    dossier::entete(&mut conn, id, structure_id).await?.ok_or(AppError::NotFound)
}

/// The link's state as the staff panel shows it, read on the caller's connection (inside its
/// transaction after a change).
async fn etat(state: &AppState, conn: &mut dyn Conn, parcours_id: i64, fuseau: Fuseau) -> AppResult<LienEtat> {
    let e = espace::etat(conn, parcours_id).await?.ok_or(AppError::NotFound)?;
    let actif = e.cree_at.is_some();
    // A working link stops opening anything some months after its parcours closed.
    let expire = e
        .closed_at
        .filter(|_| actif)
        .and_then(|c| c.checked_add_months(chrono::Months::new(state.config.link_expiry_months)));
    Ok(LienEtat {
        actif,
        cree: e.cree_at.map(|at| match e.cree_par {
            Some(p) => format!("{} par {p}", date_heure(fuseau, at)),
            None => date_heure(fuseau, at),
        }),
        agenda: e.agenda,
        jeton_agenda: e.jeton_agenda,
        expire_le: expire.map(|at| paris::date_longue(fuseau.to_local(at).date())),
        expire: expire.is_some_and(|at| at <= state.clock.now()),
    })
}

#[utoipa::path(
    get,
    path = "/api/v1/parcours/{id}/lien",
    tag = "espace",
    params(("id" = i64, Path)),
    responses((status = 200, description = "Réponse", body = LienEtat)),
    security(("session" = []))
)]
async fn status(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<LienEtat>> {
    ouvrir(&state, &user, id).await?;
    Ok(Json(etat(&state, &mut *state.db.acquire().await?, id, user.calendrier.fuseau).await?))
}

/// The QR code of a link, as an inline SVG (no XML declaration), black on white.
fn qr_svg(url: &str) -> AppResult<String> {
    let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| anyhow::anyhow!("QR code : {e}"))?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(180, 180)
        .quiet_zone(true)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build();
    Ok(match svg.find("<svg") {
        Some(i) => svg[i..].to_string(),
        None => svg,
    })
}

#[utoipa::path(
    post,
    path = "/api/v1/parcours/{id}/lien",
    tag = "espace",
    params(("id" = i64, Path)),
    responses((status = 200, description = "Réponse", body = LienEmis)),
    security(("session" = []))
)]
async fn issue(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<LienEmis>> {
    let structure_id = user.structure_for_beneficiaires()?;
    let now = state.clock.now();
    let mut tx = begin_write(&state.db).await?;
    let e = dossier::entete(&mut tx, id, structure_id).await?.ok_or(AppError::NotFound)?;
    let crate::store::parcours::FinDuParcours { anonymise: anonymised, closed_at } =
        crate::store::parcours::fin(&mut tx, e.id).await?;
    if anonymised {
        return Err(AppError::Conflict(
            "L'identité de cette personne a été effacée : elle n'a plus d'espace personnel.".into(),
        ));
    }
    // Its link would open nothing.
    if closed_at.is_some_and(|c| c <= expire_avant(&state)) {
        return Err(AppError::Conflict(format!(
            "Ce parcours est clos depuis plus de {} mois : son espace personnel est fermé.",
            state.config.link_expiry_months
        )));
    }
    let emis = espace::issue(&mut tx, &state.config.secret, id, user.id, now).await?;
    Audit::par(Some(user.id), Entite::Parcours(id), "lien_personnel_emis").ecrire(&mut tx, now).await?;
    let etat = etat(&state, &mut tx, id, user.calendrier.fuseau).await?;
    tx.commit().await?;
    let url = espace_url(&state, &emis.token);
    Ok(Json(LienEmis {
        qr_svg: qr_svg(&url)?,
        url,
        code: afficher_code(&emis.code),
        accueil: format!("{}/espace/", state.config.public_url.trim_end_matches('/')),
        etat,
    }))
}

#[utoipa::path(
    delete,
    path = "/api/v1/parcours/{id}/lien",
    tag = "espace",
    params(("id" = i64, Path)),
    responses((status = 200, description = "Réponse", body = LienEtat)),
    security(("session" = []))
)]
async fn revoke(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<LienEtat>> {
    changer(&state, &user, id, Changement::Revoquer).await
}

/// A new calendar token for the parcours' working link: the calendars subscribed to the old
/// address get nothing more, the person's space shows the new one. The link itself still works.
#[utoipa::path(
    post,
    path = "/api/v1/parcours/{id}/lien/agenda",
    tag = "espace",
    params(("id" = i64, Path)),
    responses((status = 200, description = "Réponse", body = LienEtat)),
    security(("session" = []))
)]
async fn issue_agenda(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<LienEtat>> {
    changer(&state, &user, id, Changement::NouvelAgenda).await
}

/// Revokes the calendar token alone: the feed and the `.ics` file stop, the space still opens
/// (and offers no calendar until a new token is issued).
#[utoipa::path(
    delete,
    path = "/api/v1/parcours/{id}/lien/agenda",
    tag = "espace",
    params(("id" = i64, Path)),
    responses((status = 200, description = "Réponse", body = LienEtat)),
    security(("session" = []))
)]
async fn revoke_agenda(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<LienEtat>> {
    changer(&state, &user, id, Changement::RevoquerAgenda).await
}

/// What staff can do to a parcours' personal link once issued.
enum Changement {
    Revoquer,
    NouvelAgenda,
    RevoquerAgenda,
}

/// The one write of those changes: the parcours checked in the user's structure, the change,
/// its audit entry when something changed, the link's new state.
async fn changer(state: &AppState, user: &CurrentUser, id: i64, changement: Changement) -> AppResult<Json<LienEtat>> {
    let structure_id = user.structure_for_beneficiaires()?;
    let now = state.clock.now();
    let mut tx = begin_write(&state.db).await?;
    dossier::entete(&mut tx, id, structure_id).await?.ok_or(AppError::NotFound)?;
    let action = match changement {
        Changement::Revoquer => espace::revoke(&mut tx, id, now).await?.then_some("lien_personnel_revoque"),
        Changement::RevoquerAgenda => espace::revoke_agenda(&mut tx, id, now).await?.then_some("lien_agenda_revoque"),
        Changement::NouvelAgenda => {
            let Some(lien_id) = espace::lien_actif(&mut tx, id).await? else {
                return Err(AppError::Conflict(
                    "Ce parcours n'a pas de lien personnel en cours : créez d'abord un lien, il a son adresse d'agenda."
                        .into(),
                ));
            };
            espace::issue_agenda(&mut tx, &state.config.secret, lien_id, now).await?;
            Some("lien_agenda_emis")
        }
    };
    if let Some(action) = action {
        Audit::par(Some(user.id), Entite::Parcours(id), action).ecrire(&mut tx, now).await?;
    }
    let etat = etat(state, &mut tx, id, user.calendrier.fuseau).await?;
    tx.commit().await?;
    Ok(Json(etat))
}

// --- public side

#[utoipa::path(
    post,
    path = "/api/v1/espace/code",
    tag = "espace",
    request_body = CodeRequest,
    responses((status = 200, description = "Réponse", body = CodeTrouve))
)]
async fn code(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<CodeRequest>,
) -> AppResult<Json<CodeTrouve>> {
    let ip_key = format!("espace:code:ip:{ip}");
    throttled(&state, &[(&ip_key, CODE_FAILURES_PER_IP)]).await?;
    let Some(code) = normaliser_code(&req.code) else {
        return Err(AppError::field(
            "code",
            "Code : il a 8 lettres et chiffres, par exemple ABCD-EFGH. Il est écrit sur la feuille donnée par votre conseiller.",
        ));
    };
    let now = state.clock.now();
    let mut tx = begin_write(&state.db).await?;
    let jeton = espace::exchange_code(&mut tx, &state.config.secret, &code, now, expire_avant(&state)).await?;
    tx.commit().await?;
    match jeton {
        espace::Echange::Jeton(jeton) => Ok(Json(CodeTrouve { jeton })),
        // The right code of a link that expired: not a guess, and the person holding the paper
        // is told why it no longer opens (a guesser learns nothing that opens anything).
        espace::Echange::Expire => Err(AppError::field(
            "code",
            format!(
                "Code : ce code a expiré, car votre parcours est terminé depuis plus de {} mois. Votre conseiller peut répondre à vos questions.",
                state.config.link_expiry_months
            ),
        )),
        espace::Echange::Inconnu => {
            users::record_failure(&state.db, &ip_key, now).await?;
            crate::alerte::echec(&state, crate::alerte::Compteur::CodeEspace, now).await?;
            Err(AppError::field(
                "code",
                "Code : ce code ne marche pas. Vérifiez chaque lettre, ou demandez un nouveau code à votre conseiller.",
            ))
        }
    }
}

async fn load(state: &AppState, t: &Titulaire) -> AppResult<Dossier> {
    dossier::load(&mut *state.db.acquire().await?, t.parcours_id, t.structure_id).await?.ok_or(AppError::NotFound)
}

pub(crate) fn lieu(d: &Dossier, s: &SeanceView) -> String {
    match coop::label(coop::TYPE_LIEU, &s.type_lieu) {
        Some(_) if s.type_lieu == "domicile" => "Chez vous".to_string(),
        Some(_) if s.type_lieu == "a_distance" => format!("À distance, avec {}", d.structure),
        _ => d.structure.clone(),
    }
}

pub(crate) fn numero(d: &Dossier, s: &SeanceView) -> String {
    s.numero.map(|k| format!("Séance {k} sur {}", d.carnet.nb_passes)).unwrap_or_default()
}

/// The devices of the last session whose report names some (codes of the Coop's vocabulary).
pub(crate) fn materiel(d: &Dossier) -> Vec<String> {
    d.seances
        .iter()
        .rev()
        .filter_map(|s| s.compte_rendu.as_ref())
        .find(|cr| !cr.materiel.is_empty())
        .map(|cr| cr.materiel.clone())
        .unwrap_or_default()
}

/// What to bring: the carnet (a pass is given at each session) and the device used so far.
pub(crate) fn apporter(d: &Dossier) -> Vec<String> {
    let mut out = vec!["Votre carnet de Pass numérique".to_string()];
    for m in materiel(d) {
        match m.as_str() {
            "telephone" => out.push("Votre téléphone portable, chargé".into()),
            "ordinateur" => out.push("Votre ordinateur portable, si vous en avez un".into()),
            "tablette" => out.push("Votre tablette, chargée".into()),
            _ => {}
        }
    }
    out.push("Vos codes (adresse e-mail, mots de passe) si vous en avez".into());
    out
}

fn seance_espace(d: &Dossier, s: &SeanceView, now: chrono::NaiveDateTime) -> SeanceEspace {
    let futur = s.debut > now;
    SeanceEspace {
        id: s.id,
        jour: paris::date_longue(s.debut.date()),
        heures: format!("de {} à {}", heure(s.debut.time()), heure(s.fin.time())),
        lieu: lieu(d, s),
        numero: numero(d, s),
        theme: s.theme.as_ref().map(|t| t.titre.clone()),
        apporter: if s.statut == StatutSeance::Prevue { apporter(d) } else { Vec::new() },
        etat: match s.statut {
            StatutSeance::Prevue => "Prévue".into(),
            StatutSeance::Tenue => "Faite".into(),
            // Said as she lived it: she told she would not come, or her absence was excused.
            StatutSeance::AbsenteExcusee if s.prevenu_par_personne => "Vous avez prévenu : vous ne viendrez pas".into(),
            StatutSeance::AbsenteExcusee => "Absence excusée".into(),
            StatutSeance::AbsenteNonExcusee => "Manquée".into(),
        },
        peut_prevenir: s.statut == StatutSeance::Prevue && futur,
    }
}

fn appris(s: &SeanceView) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |x: String| {
        if !out.contains(&x) {
            out.push(x);
        }
    };
    if let Some(t) = &s.theme {
        for c in &t.competences {
            if let Some(titre) = competences::titre(c) {
                add(titre.to_string());
            }
        }
    }
    if let Some(cr) = &s.compte_rendu {
        for th in &cr.thematiques {
            if let Some(l) = coop::label(coop::THEMATIQUES_MEDIATION_NUMERIQUE, th)
                .or_else(|| coop::label(coop::THEMATIQUES_DEMARCHES_ADMINISTRATIVES, th))
            {
                add(l.to_string());
            }
        }
    }
    out
}

/// The person's page, built from their parcours: only what they may read. The calendar's
/// addresses carry its own token (`agenda_token`; none once the conseiller revoked it), never
/// the space's: `agenda` says whether the person consented to the feed.
fn espace_of(state: &AppState, d: &Dossier, agenda_token: Option<&str>, agenda: bool) -> Espace {
    let now = d.fuseau.to_local(state.clock.now());
    // A closed parcours has nothing to come, not even the dates that were cancelled.
    let f = d.faits();
    let ouvert = !f.termine && !f.abandonne;
    let a_venir: Vec<&SeanceView> =
        d.seances.iter().filter(|s| ouvert && s.debut > now && s.statut != StatutSeance::Tenue).collect();
    let prochaine = a_venir.iter().find(|s| s.statut == StatutSeance::Prevue).copied();
    let suivantes =
        a_venir.iter().filter(|s| Some(s.id) != prochaine.map(|p| p.id)).map(|s| seance_espace(d, s, now)).collect();
    let mut tenues: Vec<SeanceTenueEspace> = d
        .seances
        .iter()
        .filter(|s| s.statut == StatutSeance::Tenue)
        .map(|s| SeanceTenueEspace {
            jour: paris::date_longue(s.debut.date()),
            numero: numero(d, s),
            theme: s.theme.as_ref().map(|t| t.titre.clone()),
            appris: appris(s),
        })
        .collect();
    tenues.reverse();
    let objectifs = d
        .objectifs
        .iter()
        .map(|o| {
            let pour: Vec<&SeanceView> = d
                .seances
                .iter()
                .filter(|s| !s.statut.est_absence())
                .filter(|s| s.theme.as_ref().is_some_and(|t| t.competences.contains(&o.competence)))
                .collect();
            let faites = pour.iter().filter(|s| s.statut == StatutSeance::Tenue).count() as i64;
            let prevues = pour.len() as i64;
            let texte = match o.atteint {
                Some(true) => "Objectif atteint".to_string(),
                Some(false) => "Pas encore atteint : à continuer".to_string(),
                None if prevues == 0 => "Travaillé tout au long du parcours".to_string(),
                None => format!(
                    "{faites} séance{} sur {prevues} faite{}",
                    if faites > 1 { "s" } else { "" },
                    if faites > 1 { "s" } else { "" }
                ),
            };
            ObjectifEspace {
                libelle: competences::titre(&o.competence).unwrap_or(&o.competence).to_string(),
                niveau_vise: o.niveau_cible.libelle().to_string(),
                seances_faites: faites,
                seances_prevues: prevues,
                atteint: o.atteint,
                texte,
            }
        })
        .collect();
    let termine = d.etat == "termine";
    let bilan = match (&d.bilan, termine) {
        (Some(b), true) => Some(BilanEspace {
            date: paris::date_longue(d.fuseau.today(b.closed_at.unwrap_or(b.updated_at))),
            atteints: d.objectifs.iter().filter(|o| o.atteint == Some(true)).count() as i64,
            total: d.objectifs.len() as i64,
            orientation: b
                .orientation
                .as_deref()
                .and_then(|o| coop::label(coop::STRUCTURE_DE_REDIRECTION, o))
                .map(str::to_string),
            recommandations: b.recommandations.clone(),
        }),
        _ => None,
    };
    let base = state.config.public_url.trim_end_matches('/');
    Espace {
        prenom: d.beneficiaire.prenom.clone(),
        conseiller: d.conseiller.clone(),
        structure: d.structure.clone(),
        coordonnees: d.coordonnees.clone(),
        termine,
        seances_tenues: d.seances.iter().filter(|s| s.statut == StatutSeance::Tenue).count() as i64,
        seances_total: d.carnet.nb_passes,
        prochaine: prochaine.map(|s| seance_espace(d, s, now)),
        suivantes,
        tenues,
        objectifs,
        bilan,
        ics: agenda_token.map(|t| format!("/api/v1/agenda/{t}/seances.ics")).unwrap_or_default(),
        agenda: agenda_token.filter(|_| agenda).map(|t| format!("{base}/api/v1/agenda/{t}.ics")),
        lieux: Vec::new(),
        rappels: false,
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/espace",
    tag = "espace",
    responses((status = 200, description = "L'espace de la personne", body = Espace)),
    security(("lien_personnel" = []))
)]
async fn view(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Porteur(token): Porteur,
) -> AppResult<impl IntoResponse> {
    let t = titulaire(&state, &ip, &token).await?;
    let d = load(&state, &t).await?;
    let agenda = espace::agenda_consent(&state.db, t.beneficiaire_id).await?;
    let agenda_token = espace::agenda_token(&state.db, &state.config.secret, t.lien_id, state.clock.now()).await?;
    let mut e = espace_of(&state, &d, agenda_token.as_deref(), agenda);
    e.rappels = crate::store::donnees::rappels_actifs(&state.db, t.beneficiaire_id).await?;
    // Where else the carnet can be used: the nearest places that accept the Pass.
    let commune = d.beneficiaire.commune.as_ref().map(|c| c.code_insee.as_str());
    let (_, _, proches) = super::orientation::proches(&state, commune, t.structure_id, d.carnet.id, 3).await?;
    e.lieux = proches
        .into_iter()
        .map(|l| carnet_domain::espace::LieuEspace {
            distance: format!("à {} km", format!("{:.1}", l.distance_km).replace('.', ",")),
            adresse: format!("{}, {} {}", l.adresse, l.code_postal, l.commune),
            nom: l.nom,
            telephone: l.telephone,
        })
        .collect();
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(e)))
}

/// One session as a calendar event: the feed, the download and the reminder's attachment share
/// it (same UID, same SEQUENCE).
pub(crate) fn evenement(d: &Dossier, s: &SeanceView, r: &seances::SeanceRow) -> EvenementIcs {
    let n = d.carnet.nb_passes;
    let titre = s.theme.as_ref().map(|t| t.titre.clone());
    let resume = match (s.numero, &titre) {
        (Some(k), Some(t)) => format!("Pass numérique – séance {k}/{n} : {t}"),
        (Some(k), None) => format!("Pass numérique – séance {k}/{n}"),
        (None, _) => format!("Pass numérique – séance ({})", s.statut.libelle().to_lowercase()),
    };
    let description = format!(
        "Avec {} ({}).\nÀ apporter : {}.",
        d.conseiller,
        d.coordonnees.ligne(&d.structure),
        apporter(d).join(", ").to_lowercase()
    );
    EvenementIcs {
        uid: r.uid.clone(),
        sequence: r.sequence,
        debut: s.debut,
        fin: s.fin,
        resume,
        lieu: lieu(d, s),
        description,
        annule: s.statut.est_absence(),
        modifie: r.updated_at,
    }
}

async fn calendrier(state: &AppState, t: &Titulaire) -> AppResult<String> {
    let d = load(state, t).await?;
    let mut conn = state.db.acquire().await?;
    let rows = seances::of_parcours(&mut conn, t.parcours_id).await?;
    let evenements: Vec<EvenementIcs> = d.seances.iter().zip(rows.iter()).map(|(s, r)| evenement(&d, s, r)).collect();
    Ok(ics::calendrier("Mes séances Pass numérique", d.fuseau, &evenements, state.clock.now()))
}

#[utoipa::path(
    get,
    path = "/api/v1/agenda/{token}/seances.ics",
    tag = "espace",
    params(("token" = String, Path)),
    responses((status = 200, description = "Le calendrier des séances (iCalendar), à télécharger", content_type = "text/calendar", body = String))
)]
async fn download(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiPath(token): ApiPath<String>,
) -> AppResult<impl IntoResponse> {
    let t = lecteur_agenda(&state, &ip, &token).await?;
    let body = calendrier(&state, &t).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"mes-seances.ics\""),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    ))
}

/// The subscribable feed: calendar programs fetch it again and again, so it stays up to date.
/// Only with the person's « agenda » consent (404 otherwise, like an unknown address).
#[utoipa::path(
    get,
    path = "/api/v1/agenda/{token}",
    tag = "espace",
    params(("token" = String, Path)),
    responses((status = 200, description = "Le calendrier des séances (iCalendar), pour s'abonner", content_type = "text/calendar", body = String))
)]
async fn feed(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiPath(fichier): ApiPath<String>,
) -> AppResult<impl IntoResponse> {
    // Without `.ics`, not an address ever given: a guess like any other.
    let t = lecteur_agenda(&state, &ip, fichier.strip_suffix(".ics").unwrap_or_default()).await?;
    if !espace::agenda_consent(&state.db, t.beneficiaire_id).await? {
        return Err(AppError::NotFound);
    }
    let body = calendrier(&state, &t).await?;
    Ok(([(header::CONTENT_TYPE, "text/calendar; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")], body))
}

/// « Je ne pourrai pas venir »: the only change possible from the space. A session of another
/// person (or of nobody) is 404; one of theirs already past, held or cancelled is refused.
#[utoipa::path(
    post,
    path = "/api/v1/espace/seances/{id}/absence",
    tag = "espace",
    params(("id" = i64, Path)),
    responses((status = 200, description = "Absence notée, le conseiller est prévenu", body = Prevenu)),
    security(("lien_personnel" = []))
)]
async fn cannot_come(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Porteur(token): Porteur,
    ApiPath(seance_id): ApiPath<i64>,
) -> AppResult<impl IntoResponse> {
    let t = titulaire(&state, &ip, &token).await?;
    let now = state.clock.now();
    let mut tx = begin_write(&state.db).await?;
    let rows = seances::of_parcours(&mut tx, t.parcours_id).await?;
    let s = rows.iter().find(|s| s.id == seance_id).ok_or(AppError::NotFound)?;
    let cal = crate::store::fuseaux::de_structure(&mut tx, t.structure_id).await?;
    if !espace::excuse(&mut tx, t.parcours_id, seance_id, now).await? {
        return Err(AppError::Conflict("Cette séance ne peut plus être annulée ici. Appelez votre conseiller.".into()));
    }
    Audit::par(None, Entite::Seance(seance_id), StatutSeance::AbsenteExcusee.code()).avant(json!({ "statut": "prevue" })).apres(json!({ "statut": StatutSeance::AbsenteExcusee.code(), "par": "beneficiaire", "parcours_id": t.parcours_id })).ecrire(&mut tx, now)
    .await?;
    dossier::touch(&mut tx, t.parcours_id, now).await?;
    tx.commit().await?;
    tracing::info!(seance_id, parcours_id = t.parcours_id, "séance annulée par la personne depuis son espace");
    let local = s.debut_local(cal);
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        Json(Prevenu {
            message: format!(
                "C'est noté : vous ne viendrez pas le {} à {}. Votre conseiller est prévenu et vous proposera une autre date.",
                paris::date_longue(local.date()),
                heure(local.time())
            ),
        }),
    ))
}

/// « Ne plus recevoir de rappels »: the person withdraws the reminders consent from their space,
/// in one click; their contact details are erased with it (as when a conseiller records it).
#[utoipa::path(
    post,
    path = "/api/v1/espace/rappels/arret",
    tag = "espace",
    responses((status = 200, description = "Rappels arrêtés", body = Prevenu)),
    security(("lien_personnel" = []))
)]
async fn stop_reminders(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Porteur(token): Porteur,
) -> AppResult<impl IntoResponse> {
    let t = titulaire(&state, &ip, &token).await?;
    let mut tx = begin_write(&state.db).await?;
    crate::store::donnees::retirer_rappels_par_la_personne(&mut tx, t.beneficiaire_id, state.clock.now()).await?;
    tx.commit().await?;
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        Json(Prevenu {
            message:
                "C'est noté : vous ne recevrez plus de rappels. Votre numéro et votre adresse e-mail sont effacés."
                    .into(),
        }),
    ))
}

/// The OpenAPI description of this module's routes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    status,
    issue,
    revoke,
    code,
    issue_agenda,
    revoke_agenda,
    view,
    cannot_come,
    stop_reminders,
    feed,
    download
))]
pub(super) struct Doc;
