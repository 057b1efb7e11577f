//! The API's OpenAPI 3.1 document, `GET /api/v1/openapi.json`: each module describes its own
//! routes next to them (`#[utoipa::path]` on the handlers, one `Doc` per module); this merges
//! them, declares the three ways to be recognised, and adds to every operation the error answers
//! that any request of its kind can get, all in the one error format (`ApiErrorBody`), or in
//! JSON:API form for the data consumers' routes.

use crate::error::JSON_API;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use carnet_domain::api::ApiErrorBody;
use std::sync::OnceLock;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, Response, ResponseBuilder};
use utoipa::OpenApi as _;

pub fn router() -> Router<crate::AppState> {
    Router::new().route("/openapi.json", get(openapi_json))
}

#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "openapi",
    responses((status = 200, description = "Ce document", content_type = "application/json", body = Object))
)]
async fn openapi_json() -> impl IntoResponse {
    static TEXTE: OnceLock<String> = OnceLock::new();
    let texte = TEXTE.get_or_init(|| document().to_json().unwrap_or_default());
    ([(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-cache")], texte.as_str())
}

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Carnet",
        description = "L'API de Carnet : parcours Pass numérique, séances, carnets et relevés, lieux, statistiques et données pour les partenaires. Toutes les réponses d'erreur ont la forme `{ \"error\": \"…\", \"fields\": { \"champ\": \"message\" } }` (JSON:API `errors` sous /api/v1/donnees).",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later")
    ),
    paths(openapi_json),
    components(schemas(ApiErrorBody, crate::error::DocumentErreursJsonApi))
)]
struct Racine;

/// The whole document.
pub fn document() -> OpenApi {
    let mut doc = Racine::openapi();
    for module in [
        super::health::Doc::openapi(),
        super::auth::Doc::openapi(),
        super::communes::Doc::openapi(),
        super::beneficiaires::Doc::openapi(),
        super::parcours::Doc::openapi(),
        super::comptes::Doc::openapi(),
        super::fuseaux::Doc::openapi(),
        super::donnees::Doc::openapi(),
        super::donnees_api::Doc::openapi(),
        super::espace::Doc::openapi(),
        super::etapes::Doc::openapi(),
        super::seances::Doc::openapi(),
        super::tableau_de_bord::Doc::openapi(),
        super::journee::Doc::openapi(),
        super::rappels::Doc::openapi(),
        super::statistiques::Doc::openapi(),
        super::exports::Doc::openapi(),
        super::structure::Doc::openapi(),
        super::lieux::Doc::openapi(),
        super::candidats::Doc::openapi(),
        super::orientation::Doc::openapi(),
        super::ledger::doc(),
    ] {
        doc.merge(module);
    }
    securite(&mut doc);
    erreurs(&mut doc);
    doc
}

fn securite(doc: &mut OpenApi) {
    let composants = doc.components.get_or_insert_with(Default::default);
    composants.add_security_scheme(
        "session",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            crate::auth::COOKIE_NAME,
            "Le cookie de session posé par POST /api/v1/auth/login (nommé `__Host-carnet_session` quand l'adresse publique est en https).",
        ))),
    );
    composants.add_security_scheme(
        "lien_personnel",
        SecurityScheme::Http(
            Http::builder()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "Le jeton du lien personnel d'une personne accompagnée (son espace « Mon parcours »).",
                ))
                .build(),
        ),
    );
    composants.add_security_scheme(
        "client_api",
        SecurityScheme::Http(
            Http::builder()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("<client_id>:<secret>")
                .description(Some("Un client de l'API de données, créé par un administrateur (`carnet-server admin api-client create`)."))
                .build(),
        ),
    );
}

/// What any request can be answered besides its success: which ones depends on what the
/// operation takes (a body, parameters) and on whether it needs someone recognised.
fn erreurs(doc: &mut OpenApi) {
    for (chemin, item) in doc.paths.paths.iter_mut() {
        let json_api = chemin.starts_with("/api/v1/donnees/");
        let lectures = [(item.get.as_mut(), true)];
        let ecritures = [(item.post.as_mut(), false), (item.put.as_mut(), false), (item.delete.as_mut(), false)];
        for (op, lecture) in lectures.into_iter().chain(ecritures) {
            let Some(op) = op else { continue };
            let protegee = op.security.as_ref().is_some_and(|s| !s.is_empty());
            let parametres = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
            let mut statuts: Vec<(u16, &str)> = vec![
                (404, "Introuvable, ou vous n'y avez pas accès"),
                (429, "Trop de tentatives ; l'en-tête `Retry-After` dit quand réessayer"),
                (503, "La base de données est momentanément injoignable, ou la requête a duré trop longtemps"),
            ];
            if protegee {
                statuts.push((401, "Connexion requise"));
            }
            if !lecture {
                // Any write from another site is refused, whoever asks.
                statuts.push((403, "Accès refusé, ou requête venue d'un autre site"));
            } else if protegee {
                statuts.push((403, "Accès refusé"));
            }
            if !lecture {
                statuts.push((400, "Requête mal formée (JSON illisible ou d'un autre format)"));
                statuts.push((409, "Conflit avec l'état présent ; rien n'a été enregistré"));
                statuts.push((413, "Requête trop grosse"));
                statuts.push((422, "Un ou plusieurs champs sont à corriger (`fields` les nomme)"));
            } else if parametres {
                statuts.push((400, "Paramètres de l'adresse mal formés"));
                statuts.push((422, "Un ou plusieurs paramètres sont à corriger (`fields` les nomme)"));
            }
            let (type_media, schema) =
                if json_api { (JSON_API, "DocumentErreursJsonApi") } else { ("application/json", "ApiErrorBody") };
            for (statut, description) in statuts {
                let reponse: Response = ResponseBuilder::new()
                    .description(description)
                    .content(type_media, Content::new(Some(RefOr::Ref(Ref::from_schema_name(schema)))))
                    .build();
                op.responses.responses.entry(statut.to_string()).or_insert(RefOr::T(reponse));
            }
        }
    }
}
