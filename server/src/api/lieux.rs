//! Venues: the map and the list (any staff member), a venue's page, Pass acceptance (hubs of the
//! territory, administrators), import and export of files in the national standard, and the
//! coverage view of hubs.

use crate::auth::CurrentUser;
use crate::error::{ApiJson, ApiPath, ApiQuery, AppError, AppResult};
use crate::lieux::{carte, import, index};
use crate::store::audit::{Audit, Entite};
use crate::store::{candidats, lieux as store, territoires as store_territoires};
use crate::AppState;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use carnet_domain::api::{Cree, FieldErrors, Page, Role};
use carnet_domain::lieux::api::*;
use carnet_domain::lieux::horaires;
use carnet_domain::lieux::territoires;
use carnet_domain::lieux::{export, CHAMPS_V1};
use serde::Deserialize;
use serde_json::json;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/lieux", get(list))
        .route("/lieux/territoire", get(territoire))
        .route("/lieux/carte", get(map))
        .route("/lieux/carte/config", get(map_config))
        .route("/lieux/couverture", get(couverture))
        .route("/lieux/export.csv", get(export_csv))
        .route("/lieux/imports", post(start_import).layer(DefaultBodyLimit::max(import::TAILLE_MAX)))
        .route("/lieux/imports/{id}", get(import_state))
        .route("/lieux/{id}", get(detail))
        .route("/lieux/{id}/pass", post(set_pass))
}

/// Where a user may change venues and follow candidates.
#[derive(Clone, Debug, PartialEq)]
pub enum Portee {
    National,
    Departements(Vec<String>),
    Aucune,
}

impl Portee {
    pub fn contient(&self, departement: &str) -> bool {
        match self {
            Portee::National => true,
            Portee::Departements(d) => d.iter().any(|x| x == departement),
            Portee::Aucune => false,
        }
    }

    pub fn departements(&self) -> Option<Vec<String>> {
        match self {
            Portee::National => None,
            Portee::Departements(d) => Some(d.clone()),
            Portee::Aucune => Some(Vec::new()),
        }
    }
}

/// Administrators: all France. Hubs: their départements. Everyone else: none.
/// (Commanditaires will follow the candidates of their orders' territory once issue 4 gives
/// them one: this is the place to add it.)
pub async fn portee(state: &AppState, user: &CurrentUser) -> AppResult<Portee> {
    Ok(match user.role {
        Role::Admin => Portee::National,
        Role::Hub => {
            let d = store_territoires::of_user(&state.db, user.id).await?;
            if d.is_empty() {
                Portee::Aucune
            } else {
                Portee::Departements(d)
            }
        }
        _ => Portee::Aucune,
    })
}

#[utoipa::path(
    get,
    path = "/api/v1/lieux/territoire",
    tag = "lieux",
    responses((status = 200, description = "Réponse", body = Territoire)),
    security(("session" = []))
)]
async fn territoire(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Territoire>> {
    let p = portee(&state, &user).await?;
    let departements = match &p {
        Portee::National => Vec::new(),
        Portee::Departements(d) => d.clone(),
        Portee::Aucune => Vec::new(),
    };
    Ok(Json(Territoire {
        national: p == Portee::National,
        departements: departements
            .iter()
            .map(|c| DepartementRef { code: c.clone(), nom: territoires::nom_departement(c).unwrap_or("").to_string() })
            .collect(),
        peut_importer: p != Portee::Aucune,
        suit_les_candidats: p != Portee::Aucune,
    }))
}

#[utoipa::path(
    get,
    path = "/api/v1/lieux/carte/config",
    tag = "lieux",
    responses((status = 200, description = "Réponse", body = CarteConfig)),
    security(("session" = []))
)]
async fn map_config(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<CarteConfig>> {
    // A hub's map opens on its territory: around the centres of its départements.
    let territoire = if user.role == Role::Hub {
        let centres = store_territoires::centres(&mut *state.db.acquire().await?, user.id).await?;
        let marge = 0.7;
        centres
            .iter()
            .copied()
            .reduce(|a, b| (a.0.min(b.0), a.1.min(b.1)))
            .zip(centres.iter().copied().reduce(|a, b| (a.0.max(b.0), a.1.max(b.1))))
            .map(|(min, max)| Vue {
                zoom: 8,
                sud: min.0 - marge,
                ouest: min.1 - marge,
                nord: max.0 + marge,
                est: max.1 + marge,
            })
    } else {
        None
    };
    Ok(Json(CarteConfig {
        tuiles_url: state.config.tuiles_url.clone(),
        attribution: state.config.tuiles_attribution.clone(),
        territoire,
    }))
}

/// The query string of the map and of the list: the filters, the view, the page.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct VueQuery {
    q: String,
    service: String,
    pass: bool,
    programme: String,
    public: String,
    ouvert: bool,
    departement: String,
    zoom: Option<u8>,
    ouest: Option<f64>,
    sud: Option<f64>,
    est: Option<f64>,
    nord: Option<f64>,
    page: Option<u32>,
}

impl VueQuery {
    fn filtres(&self) -> FiltresLieux {
        FiltresLieux {
            q: self.q.chars().take(100).collect(),
            service: self.service.clone(),
            pass: self.pass,
            programme: self.programme.clone(),
            public: self.public.clone(),
            ouvert: self.ouvert,
            departement: self.departement.clone(),
        }
    }

    /// The view; all of France (metropolitan and overseas) when not given.
    fn vue(&self) -> Vue {
        let v = Vue {
            zoom: self.zoom.unwrap_or(5).min(20),
            ouest: self.ouest.unwrap_or(-180.0),
            sud: self.sud.unwrap_or(-90.0),
            est: self.est.unwrap_or(180.0),
            nord: self.nord.unwrap_or(90.0),
        };
        let ok = [v.ouest, v.sud, v.est, v.nord].iter().all(|x| x.is_finite());
        if ok {
            v
        } else {
            Vue { zoom: v.zoom, ouest: -180.0, sud: -90.0, est: 180.0, nord: 90.0 }
        }
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/lieux/carte",
    tag = "lieux",
    params(VueQuery),
    responses((status = 200, description = "Les lieux de la vue, ou leurs regroupements", body = CarteReponse)),
    security(("session" = []))
)]
async fn map(
    State(state): State<AppState>,
    _user: CurrentUser,
    ApiQuery(q): ApiQuery<VueQuery>,
) -> AppResult<Response> {
    let started = std::time::Instant::now();
    let filtre = index::Filtre::from(&q.filtres()).map_err(AppError::BadRequest)?;
    let ix = index::get(&state.db).await?;
    let matches = ix.filtrer(&filtre, state.clock.local_now());
    let rep = carte::carte(&ix, &matches, &q.vue());
    let body = serde_json::to_vec(&rep).map_err(anyhow::Error::from)?;
    let dur = started.elapsed().as_secs_f64() * 1000.0;
    let mut resp = (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], body).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("carte;dur={dur:.2}")) {
        resp.headers_mut().insert("server-timing", v);
    }
    Ok(resp)
}

pub const PAR_PAGE: u32 = 20;

#[utoipa::path(
    get,
    path = "/api/v1/lieux",
    tag = "lieux",
    params(VueQuery),
    responses((status = 200, description = "Réponse", body = Page<LieuResume>)),
    security(("session" = []))
)]
async fn list(
    State(state): State<AppState>,
    _user: CurrentUser,
    ApiQuery(q): ApiQuery<VueQuery>,
) -> AppResult<Json<Page<LieuResume>>> {
    let filtre = index::Filtre::from(&q.filtres()).map_err(AppError::BadRequest)?;
    let ix = index::get(&state.db).await?;
    let now = state.clock.local_now();
    let mut matches = ix.filtrer(&filtre, now);
    // The list follows the map: venues inside the view when one is given.
    if q.ouest.is_some() {
        let v = q.vue();
        matches.retain(|&i| {
            ix.entrees[i].pos.is_some_and(|(la, lo)| {
                let (la, lo) = (la as f64, lo as f64);
                la >= v.sud && la <= v.nord && lo >= v.ouest && lo <= v.est
            })
        });
    }
    let page = q.page.unwrap_or(1).max(1);
    let total = matches.len() as i64;
    let ouverts = ix.ouverts(now);
    let items = matches
        .iter()
        // Saturating: a page far past the end (any u32 a client sends) is an empty page.
        .skip((page as usize - 1).saturating_mul(PAR_PAGE as usize))
        .take(PAR_PAGE as usize)
        .map(|&i| {
            let e = &ix.entrees[i];
            LieuResume {
                id: e.id,
                nom: e.nom.clone(),
                adresse: e.adresse.clone(),
                commune: e.commune.clone(),
                code_postal: e.code_postal.clone(),
                departement: e.departement.clone(),
                accepte_pass: e.pass,
                ouvert: e.horaires.as_ref().map(|_| ouverts[i]),
                services: index::services_of(e.services),
            }
        })
        .collect();
    Ok(Json(Page { items, total, page, per_page: PAR_PAGE }))
}

fn quoi(action: &str, after: Option<&serde_json::Value>) -> String {
    match action {
        "pass_importe" => "Acceptation du Pass numérique indiquée par un fichier importé".into(),
        "agree" => "Agréé : le lieu accepte le Pass numérique".into(),
        "pass_modifie" => {
            let accepte = after.and_then(|a| a["accepte_pass"].as_bool()).unwrap_or(false);
            if accepte {
                "Acceptation du Pass numérique enregistrée par le hub".into()
            } else {
                "Acceptation du Pass numérique retirée par le hub".into()
            }
        }
        other => other.replace('_', " "),
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/lieux/{id}",
    tag = "lieux",
    params(("id" = i64, Path)),
    responses((status = 200, description = "Réponse", body = LieuDetail)),
    security(("session" = []))
)]
async fn detail(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<LieuDetail>> {
    let row = store::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let p = portee(&state, &user).await?;
    let candidat_id = candidats::of_lieu(&state.db, id).await?;
    let mut historique: Vec<EvenementLieu> = Vec::new();
    if let Some(cid) = candidat_id {
        for e in candidats::etapes(&state.db, cid).await? {
            let libelle =
                carnet_domain::lieux::candidat::StatutCandidat::parse(&e.vers).map(|s| s.libelle()).unwrap_or("");
            historique.push(EvenementLieu {
                at: e.at,
                date: Some(e.date),
                qui: e.par,
                quoi: if e.de.is_none() {
                    "Signalé comme candidat à l'agrément".into()
                } else {
                    format!("Candidature : « {libelle} »")
                },
                note: e.note,
            });
        }
    }
    for e in store::audit_of(&state.db, id).await? {
        let after: Option<serde_json::Value> = e.after_json.and_then(|a| serde_json::from_str(&a).ok());
        // Entries written before the notes were kept apart hold the text itself.
        let note = e.note.or_else(|| after.as_ref().and_then(|a| a["note"].as_str()).map(String::from));
        historique.push(EvenementLieu {
            at: e.at,
            date: None,
            qui: e.qui.unwrap_or_else(|| "Import en ligne de commande".into()),
            quoi: quoi(&e.action, after.as_ref()),
            note,
        });
    }
    historique.sort_by_key(|e| e.at);
    Ok(Json(LieuDetail {
        id,
        horaires: horaires::vue(row.horaires.as_deref(), state.clock.local_now()),
        lieu: row.standard(),
        departement: row.departement.clone(),
        pass: row.pass(),
        statut_agrement: row.statut_agrement.clone(),
        agree_le: row.agree_le,
        historique,
        geocodage: row.geocodage.clone(),
        modifiable: p.contient(&row.departement),
        candidat_id,
        maj_le: row.updated_at,
    }))
}

#[utoipa::path(
    post,
    path = "/api/v1/lieux/{id}/pass",
    tag = "lieux",
    params(("id" = i64, Path)),
    request_body = PassRequest,
    responses((status = 200, description = "Réponse", body = LieuDetail)),
    security(("session" = []))
)]
async fn set_pass(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<PassRequest>,
) -> AppResult<Json<LieuDetail>> {
    let row = store::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let p = portee(&state, &user).await?;
    if !p.contient(&row.departement) {
        return Err(if p == Portee::Aucune { AppError::Forbidden } else { AppError::NotFound });
    }
    let mut errors = FieldErrors::new();
    let operateur = req.operateur.trim();
    if operateur.chars().count() > 100 {
        errors.insert("operateur".into(), "Opérateur : 100 caractères au plus.".into());
    }
    let note = req.note.trim();
    if note.chars().count() > 2000 {
        errors.insert("note".into(), "Note : 2000 caractères au plus.".into());
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let now = state.clock.now();
    let mut tx = crate::db::begin_write(&state.db).await?;
    let before = store::pass_of(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let after = if req.accepte {
        store::PassRow {
            accepte_pass: true,
            pass_operateur: (!operateur.is_empty()).then(|| operateur.to_string()),
            ..before.clone()
        }
    } else {
        store::PassRow { accepte_pass: false, pass_operateur: None, statut_agrement: None, agree_le: None }
    };
    store::set_pass(&mut tx, id, &after, now).await?;
    let audit_id = Audit::par(Some(user.id), Entite::Lieu(id), "pass_modifie")
        .avant(before)
        .apres(json!({
            // The note is free text that may name the venue's people: it is kept beside the
            // entry (`lieux_notes_pass`); the append-only audit log only says that there was one.
            "accepte_pass": after.accepte_pass, "pass_operateur": after.pass_operateur, "note": !note.is_empty(),
        }))
        .ecrire_id(&mut tx, now)
        .await?;
    if !note.is_empty() {
        store::noter_pass(&mut tx, audit_id, note).await?;
    }
    store::bump_version(&mut tx).await?;
    tx.commit().await?;
    detail(State(state), user, ApiPath(id)).await
}

// ------------------------------------------------------------------------ import, export

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
struct ImportQuery {
    fichier: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/lieux/imports",
    tag = "lieux",
    params(ImportQuery),
    request_body(content = Vec<u8>, description = "Le fichier de lieux (CSV ou JSON, schéma national des lieux d'inclusion numérique)", content_type = "application/octet-stream"),
    responses((status = 202, description = "Accepté : le travail continue en arrière-plan", body = Cree)),
    security(("session" = []))
)]
async fn start_import(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<ImportQuery>,
    // The raw body, read only once the role is checked: no one else makes the server take in
    // a file of up to 64 MB.
    body: axum::body::Body,
) -> AppResult<(StatusCode, Json<Cree>)> {
    let p = portee(&state, &user).await?;
    if p == Portee::Aucune {
        return Err(AppError::Forbidden);
    }
    // An import that has just written its result may still hold the permit a moment: wait a
    // little before refusing.
    let permis =
        tokio::time::timeout(std::time::Duration::from_secs(3), state.config.imports_lieux.clone().acquire_owned())
            .await
            .ok()
            .and_then(Result::ok)
            .ok_or_else(|| {
                AppError::Conflict("Un import de lieux est déjà en cours : réessayez quand il sera terminé.".into())
            })?;
    let body = match axum::body::to_bytes(body, import::TAILLE_MAX).await {
        Ok(b) => b,
        Err(e) if trop_gros(&e) => {
            let message = format!("Fichier trop gros : {} Mo au plus.", import::TAILLE_MAX / (1024 * 1024));
            return Err(AppError::TropGros(message));
        }
        Err(_) => return Err(AppError::BadRequest("Le fichier n'a pas pu être reçu en entier.".into())),
    };
    if body.is_empty() {
        return Err(AppError::field("fichier", "Fichier : choisissez un fichier CSV ou JSON de lieux."));
    }
    let fichier: String = q.fichier.chars().filter(|c| !c.is_control()).take(200).collect();
    let fichier = if fichier.trim().is_empty() { "fichier".to_string() } else { fichier };
    let id = store::create_import(&state.db, Some(user.id), &fichier, state.clock.now()).await?;
    let db = state.db.clone();
    let opts = import::Options {
        user_id: Some(user.id),
        territoire: p.departements(),
        geocodeur: state.config.geocodeur.clone(),
        progres: None,
        clock: state.clock.clone(),
    };
    let bytes = Vec::from(body);
    tokio::spawn(async move {
        let r = import::executer(&db, id, bytes, opts).await;
        drop(permis);
        tracing::info!(import_id = id, etat = %r.etat, crees = r.crees, mis_a_jour = r.mis_a_jour, rejetees = r.lignes_rejetees, "import de lieux");
    });
    Ok((StatusCode::ACCEPTED, Json(Cree { id })))
}

/// Whether reading a body failed on its size (ours or the server's outer limit).
fn trop_gros(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = err.source();
    }
    false
}

#[utoipa::path(
    get,
    path = "/api/v1/lieux/imports/{id}",
    tag = "lieux",
    params(("id" = i64, Path)),
    responses((status = 200, description = "Réponse", body = EtatImport)),
    security(("session" = []))
)]
async fn import_state(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<EtatImport>> {
    let row = store::get_import(&state.db, id).await?.ok_or(AppError::NotFound)?;
    // One's own imports; administrators see all.
    if row.user_id != Some(user.id) && user.role != Role::Admin {
        return Err(AppError::NotFound);
    }
    Ok(Json(import::etat(row)))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
struct ExportQuery {
    departement: String,
}

#[utoipa::path(
    get,
    path = "/api/v1/lieux/export.csv",
    tag = "lieux",
    params(ExportQuery),
    responses((status = 200, description = "CSV des lieux (schéma national)", content_type = "text/csv", body = String)),
    security(("session" = []))
)]
async fn export_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> AppResult<Response> {
    let p = portee(&state, &user).await?;
    let mut deps = match &p {
        Portee::Aucune => return Err(AppError::Forbidden),
        Portee::National => None,
        Portee::Departements(d) => Some(d.clone()),
    };
    let d = q.departement.trim().to_uppercase();
    if !d.is_empty() {
        if !p.contient(&d) {
            return Err(AppError::NotFound);
        }
        deps = Some(vec![d]);
    }
    let rows = store::all(&state.db, deps.as_deref()).await?;
    let csv = tokio::task::spawn_blocking(move || {
        let mut out = String::with_capacity(rows.len() * 600 + 1024);
        export::en_tete(&mut out);
        for r in &rows {
            export::ligne(&mut out, &r.standard(), &r.pass());
        }
        out
    })
    .await
    .map_err(anyhow::Error::from)?;
    debug_assert!(csv.starts_with(CHAMPS_V1[0]));
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"lieux-mediation-numerique-v1.0.2.csv\""),
    );
    Ok((headers, csv).into_response())
}

// ------------------------------------------------------------------------ coverage

#[utoipa::path(
    get,
    path = "/api/v1/lieux/couverture",
    tag = "lieux",
    responses((status = 200, description = "Réponse", body = Couverture)),
    security(("session" = []))
)]
async fn couverture(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Couverture>> {
    let p = portee(&state, &user).await?;
    let deps: Vec<String> = match &p {
        Portee::Aucune => return Err(AppError::Forbidden),
        Portee::National => territoires::DEPARTEMENTS.iter().map(|(c, _, _)| c.to_string()).collect(),
        Portee::Departements(d) => d.clone(),
    };
    let today = state.clock.today();
    let passes: std::collections::HashMap<String, i64> =
        candidats::passes_by_departement(&state.db, today).await?.into_iter().collect();
    let cands: std::collections::HashMap<String, i64> =
        candidats::open_by_departement(&state.db).await?.into_iter().collect();
    let lieux: std::collections::HashMap<String, (i64, i64)> =
        store::counts_by_departement(&state.db).await?.into_iter().map(|(d, n, p)| (d, (n, p))).collect();
    let departements = deps
        .into_iter()
        .map(|code| {
            let (n, np) = lieux.get(&code).copied().unwrap_or((0, 0));
            CouvertureDepartement {
                nom: territoires::nom_departement(&code).unwrap_or("").to_string(),
                pass_en_circulation: passes.get(&code).copied().unwrap_or(0),
                lieux_pass: np,
                lieux: n,
                candidats_en_cours: cands.get(&code).copied().unwrap_or(0),
                code,
            }
        })
        .collect();
    Ok(Json(Couverture { departements, aujourdhui: today }))
}

/// The OpenAPI description of this module's routes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list,
    territoire,
    map,
    map_config,
    couverture,
    export_csv,
    start_import,
    import_state,
    detail,
    set_pass
))]
pub(super) struct Doc;
