//! One error type for every handler. Each variant maps to an HTTP status and the JSON body
//! `{ "error": "...", "fields": { ... } }` with French messages; internal details are logged,
//! never sent.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use carnet_domain::api::{ApiErrorBody, FieldErrors};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("connexion requise")]
    Unauthorized,
    /// No credentials, or unreadable ones, where a key other than the session is expected (the
    /// beneficiary space's `Authorization` header): the message says which.
    #[error("{0}")]
    UnauthorizedBecause(String),
    #[error("accès refusé")]
    Forbidden,
    /// Refused for a reason the client should read (e.g. a request from another site).
    #[error("{0}")]
    ForbiddenBecause(String),
    #[error("introuvable")]
    NotFound,
    #[error("champs invalides: {0:?}")]
    Validation(FieldErrors),
    /// The request is well formed but the action is not possible now (e.g. pass already used).
    #[error("{0}")]
    Unprocessable(String),
    #[error("{0}")]
    Conflict(String),
    /// A body past what the route takes (413).
    #[error("{0}")]
    TropGros(String),
    #[error("{0}")]
    BadRequest(String),
    /// The server cannot answer now (the database unreachable, a request cut for its length).
    #[error("{0}")]
    Unavailable(String),
    #[error("trop de tentatives")]
    TooManyRequests { message: String, retry_after_secs: u64 },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
    /// The same error, answered in JSON:API form (`{ "errors": [{ status, title, detail,
    /// source }] }`) for the data consumers' API. There a field is a query parameter: a field
    /// error is a 400, one entry per parameter, its `source.parameter` naming it.
    #[error("{0}")]
    JsonApi(Box<AppError>),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// This error in JSON:API form (see `JsonApi`).
    pub fn json_api(self) -> AppError {
        match self {
            e @ AppError::JsonApi(_) => e,
            e => AppError::JsonApi(Box::new(e)),
        }
    }

    /// A validation error on one field.
    pub fn field(name: impl Into<String>, message: impl Into<String>) -> AppError {
        let mut fields = FieldErrors::new();
        fields.insert(name.into(), message.into());
        AppError::Validation(fields)
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::Internal(anyhow::Error::new(e))
    }
}

impl From<JsonRejection> for AppError {
    fn from(r: JsonRejection) -> Self {
        let message = match r {
            JsonRejection::MissingJsonContentType(_) => {
                "La requête doit être envoyée en JSON (Content-Type: application/json).".to_string()
            }
            JsonRejection::JsonSyntaxError(_) => "Le contenu JSON est mal formé.".to_string(),
            JsonRejection::JsonDataError(e) => {
                format!("Le contenu JSON ne correspond pas au format attendu : {}", e.body_text())
            }
            JsonRejection::BytesRejection(_) => "Le contenu de la requête est illisible ou trop gros.".to_string(),
            _ => "Requête invalide.".to_string(),
        };
        AppError::BadRequest(message)
    }
}

impl From<PathRejection> for AppError {
    fn from(_: PathRejection) -> Self {
        AppError::NotFound
    }
}

impl From<QueryRejection> for AppError {
    fn from(r: QueryRejection) -> Self {
        AppError::BadRequest(format!("Paramètres de l'adresse invalides : {}", r.body_text()))
    }
}

/// What an error answers, whatever its form.
struct Reponse {
    status: StatusCode,
    error: String,
    fields: FieldErrors,
    /// Nothing was written: the request may be run again (crate::rejeu).
    rejouable: bool,
    retry_after_secs: Option<u64>,
}

/// One entry of a JSON:API `errors` array.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct ErreurJsonApi {
    status: String,
    title: String,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<SourceJsonApi>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct SourceJsonApi {
    parameter: String,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct DocumentErreursJsonApi {
    errors: Vec<ErreurJsonApi>,
}

/// The media type of JSON:API documents.
pub const JSON_API: &str = "application/vnd.api+json";

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let json_api = matches!(self, AppError::JsonApi(_));
        let r = self.reponse();
        let mut resp = if json_api {
            // A field is a query parameter there: a bad one is a malformed request.
            let status = if r.status == StatusCode::UNPROCESSABLE_ENTITY && !r.fields.is_empty() {
                StatusCode::BAD_REQUEST
            } else {
                r.status
            };
            let title = status.canonical_reason().unwrap_or("Erreur").to_string();
            let errors = if r.fields.is_empty() {
                vec![ErreurJsonApi { status: status.as_u16().to_string(), title, detail: r.error, source: None }]
            } else {
                r.fields
                    .into_iter()
                    .map(|(parameter, detail)| ErreurJsonApi {
                        status: status.as_u16().to_string(),
                        title: title.clone(),
                        detail,
                        source: Some(SourceJsonApi { parameter }),
                    })
                    .collect()
            };
            let mut resp = (status, Json(DocumentErreursJsonApi { errors })).into_response();
            resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_API));
            if status == StatusCode::UNAUTHORIZED {
                resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            resp
        } else {
            (r.status, Json(ApiErrorBody { error: r.error, fields: r.fields })).into_response()
        };
        if let Some(secs) = r.retry_after_secs {
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if r.rejouable {
            resp.extensions_mut().insert(crate::rejeu::Rejouable);
        }
        resp
    }
}

impl AppError {
    /// The status, message and fields of an error (logging the internal ones).
    fn reponse(self) -> Reponse {
        let mut rejouable = false;
        let (status, error, fields) = match self {
            AppError::JsonApi(e) => return e.reponse(),
            AppError::Unauthorized => {
                (StatusCode::UNAUTHORIZED, "Vous devez vous connecter.".to_string(), FieldErrors::new())
            }
            AppError::Forbidden => {
                (StatusCode::FORBIDDEN, "Vous n'avez pas accès à cette action.".to_string(), FieldErrors::new())
            }
            AppError::UnauthorizedBecause(m) => (StatusCode::UNAUTHORIZED, m, FieldErrors::new()),
            AppError::ForbiddenBecause(m) => (StatusCode::FORBIDDEN, m, FieldErrors::new()),
            AppError::NotFound => {
                (StatusCode::NOT_FOUND, "Introuvable, ou vous n'y avez pas accès.".to_string(), FieldErrors::new())
            }
            AppError::Validation(fields) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                if fields.len() == 1 {
                    "Un champ est à corriger.".to_string()
                } else {
                    format!("{} champs sont à corriger.", fields.len())
                },
                fields,
            ),
            AppError::Unprocessable(m) => (StatusCode::UNPROCESSABLE_ENTITY, m, FieldErrors::new()),
            AppError::Conflict(m) => (StatusCode::CONFLICT, m, FieldErrors::new()),
            AppError::TropGros(m) => (StatusCode::PAYLOAD_TOO_LARGE, m, FieldErrors::new()),
            AppError::BadRequest(m) => (StatusCode::BAD_REQUEST, m, FieldErrors::new()),
            AppError::Unavailable(m) => (StatusCode::SERVICE_UNAVAILABLE, m, FieldErrors::new()),
            AppError::TooManyRequests { message, retry_after_secs } => {
                return Reponse {
                    status: StatusCode::TOO_MANY_REQUESTS,
                    error: message,
                    fields: FieldErrors::new(),
                    rejouable: false,
                    retry_after_secs: Some(retry_after_secs),
                };
            }
            AppError::Internal(e) if base_en_conflit(&e) => {
                tracing::warn!(error = %e, "conflit entre transactions concurrentes");
                rejouable = true;
                (
                    StatusCode::CONFLICT,
                    "Une autre modification est passée au même moment ; rien n'a été enregistré. Rechargez la page puis réessayez."
                        .to_string(),
                    FieldErrors::new(),
                )
            }
            AppError::Internal(e) if base_injoignable(&e) => {
                tracing::error!(error = %e, "base de données injoignable");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "La base de données est momentanément injoignable ; rien n'a été enregistré. Réessayez dans un instant."
                        .to_string(),
                    FieldErrors::new(),
                )
            }
            AppError::Internal(e) => {
                tracing::error!(error = ?e, "erreur interne");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Une erreur interne est survenue ; rien n'a été enregistré. Réessayez.".to_string(),
                    FieldErrors::new(),
                )
            }
        };
        Reponse { status, error, fields, rejouable, retry_after_secs: None }
    }
}

/// The database error under `e`, wherever it was wrapped.
fn erreur_sqlx(e: &anyhow::Error) -> Option<&sqlx::Error> {
    e.chain().find_map(|c| c.downcast_ref::<sqlx::Error>())
}

/// Two transactions met: PostgreSQL gave up one of them (a serialization failure, 40001, or a
/// deadlock, 40P01), or a uniqueness the handler had checked was taken in between by a
/// concurrent request (23505). Nothing was written; the same request may succeed again.
fn base_en_conflit(e: &anyhow::Error) -> bool {
    match erreur_sqlx(e) {
        Some(sqlx::Error::Database(d)) => {
            matches!(d.code().as_deref(), Some("40001") | Some("40P01")) || d.is_unique_violation()
        }
        _ => false,
    }
}

/// The database cannot be reached (a restart, the network): a 503, and the request can be
/// retried once it is back; the pool reconnects by itself.
fn base_injoignable(e: &anyhow::Error) -> bool {
    match erreur_sqlx(e) {
        Some(sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Tls(_)) => true,
        // PostgreSQL shutting down or restarting (admin_shutdown, crash_shutdown, cannot_connect_now).
        Some(sqlx::Error::Database(d)) => matches!(d.code().as_deref(), Some("57P01") | Some("57P02") | Some("57P03")),
        _ => false,
    }
}

/// `Json<T>` whose rejections answer in our JSON error format, in French.
#[derive(axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct ApiJson<T>(pub T);

/// `Path<T>` that answers 404 (in our format) on a malformed id.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct ApiPath<T>(pub T);

/// `Query<T>` that answers 400 in our format.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct ApiQuery<T>(pub T);
