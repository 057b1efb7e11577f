//! Orientation: from a beneficiary's parcours, the nearest venues that accept the Pass, measured
//! from the person's commune (or the structure's when the person gave none).

use crate::auth::CurrentUser;
use crate::error::{ApiPath, AppError, AppResult};
use crate::lieux::index;
use crate::store::ledger::commandes::{self, Territoire};
use crate::store::{communes, lieux as store_lieux, parcours, structures};
use crate::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use carnet_domain::lieux::api::{LieuProche, Orientation};
use carnet_domain::lieux::geo::distance_km;
use carnet_domain::lieux::horaires;

/// How many venues the list gives.
pub const NOMBRE: usize = 10;

pub fn router() -> Router<AppState> {
    Router::new().route("/parcours/{id}/orientation", get(orientation))
}

#[utoipa::path(
    get,
    path = "/api/v1/parcours/{id}/orientation",
    tag = "orientation",
    params(("id" = i64, Path)),
    responses((status = 200, description = "Réponse", body = Orientation)),
    security(("session" = []))
)]
async fn orientation(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<Orientation>> {
    let structure_id = user.structure_for_beneficiaires()?;
    let p = parcours::detail(&mut *state.db.acquire().await?, id, structure_id).await?.ok_or(AppError::NotFound)?;
    // The printable list is headed with the person's first name.
    crate::journal::identite_lue(&state, &user, crate::journal::Lecture::Orientation, &[p.beneficiaire.id]).await?;
    let commune = p.beneficiaire.commune.as_ref().map(|c| c.code_insee.as_str());
    let (depuis, origine, lieux) = proches(&state, commune, structure_id, p.carnet.id, NOMBRE).await?;
    Ok(Json(Orientation {
        prenom: p.beneficiaire.prenom,
        depuis: depuis.map(|c| c.libelle()),
        origine: origine.to_string(),
        lieux,
    }))
}

/// Where to use a carnet — one rule for the list after intake, the conseiller's printable list
/// and the beneficiary's own page: the `n` venues accepting the Pass inside the territory of the
/// carnet's order (anywhere for a carnet received from elsewhere, or an order without territory),
/// nearest to `commune` (the person's), else to the structure's commune; also the commune
/// measured from and why.
pub async fn proches(
    state: &AppState,
    commune: Option<&str>,
    structure_id: i64,
    carnet_id: i64,
    n: usize,
) -> AppResult<(Option<carnet_domain::api::Commune>, &'static str, Vec<LieuProche>)> {
    let territoire = commandes::territoire_du_carnet(&mut *state.db.acquire().await?, carnet_id).await?;
    let dedans = |e: &index::Entree| {
        territoire.is_empty()
            || territoire.iter().any(|t| match t {
                Territoire::Departement(code) => e.departement == *code,
                Territoire::Commune(code) => e.code_insee.as_deref() == Some(code.as_str()),
            })
    };
    let (commune, origine) = match commune {
        Some(code) => (communes::get(&mut *state.db.acquire().await?, code).await?, "commune de la personne"),
        None => {
            // Its connection is given back before the next one is taken.
            let commune_structure = structures::commune(&mut *state.db.acquire().await?, structure_id).await?;
            match commune_structure {
                Some(code) => (
                    communes::get(&mut *state.db.acquire().await?, &code).await?,
                    "commune de votre structure (la personne n'a pas indiqué la sienne)",
                ),
                None => (None, ""),
            }
        }
    };
    let point = match &commune {
        Some(c) => store_lieux::commune_point(&state.db, &c.code_insee).await?,
        None => None,
    };
    let mut lieux = Vec::new();
    if let Some((la, lo)) = point {
        let ix = index::get(&state.db).await?;
        let mut near: Vec<(f64, usize)> = ix
            .entrees
            .iter()
            .enumerate()
            .filter(|(_, e)| e.pass && dedans(e))
            .filter_map(|(i, e)| e.pos.map(|(a, b)| (distance_km(la, lo, a as f64, b as f64), i)))
            .collect();
        near.sort_by(|a, b| a.0.total_cmp(&b.0));
        near.truncate(n);
        let now = state.clock.local_now();
        for (d, i) in near {
            let Some(row) = store_lieux::get(&state.db, ix.entrees[i].id).await? else { continue };
            let l = row.standard();
            lieux.push(LieuProche {
                id: row.id,
                distance_km: (d * 10.0).round() / 10.0,
                horaires: horaires::vue(l.horaires.as_deref(), now),
                nom: l.nom,
                adresse: match &l.complement_adresse {
                    Some(c) => format!("{}, {c}", l.adresse),
                    None => l.adresse,
                },
                code_postal: l.code_postal,
                commune: l.commune,
                telephone: l.telephone,
                courriels: l.courriels,
                site_web: l.site_web,
                prise_rdv: l.prise_rdv,
            });
        }
    }
    Ok((commune, origine, lieux))
}

/// The OpenAPI description of this module's routes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(orientation))]
pub(super) struct Doc;
