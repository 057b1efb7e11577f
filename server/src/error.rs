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
    #[error("accès refusé")]
    Forbidden,
    #[error("introuvable")]
    NotFound,
    #[error("champs invalides: {0:?}")]
    Validation(FieldErrors),
    /// The request is well formed but the action is not possible now (e.g. pass already used).
    #[error("{0}")]
    Unprocessable(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("trop de tentatives")]
    TooManyRequests { message: String, retry_after_secs: u64 },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
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

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, error, fields) = match self {
            AppError::Unauthorized => {
                (StatusCode::UNAUTHORIZED, "Vous devez vous connecter.".to_string(), FieldErrors::new())
            }
            AppError::Forbidden => {
                (StatusCode::FORBIDDEN, "Vous n'avez pas accès à cette action.".to_string(), FieldErrors::new())
            }
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
            AppError::BadRequest(m) => (StatusCode::BAD_REQUEST, m, FieldErrors::new()),
            AppError::TooManyRequests { message, retry_after_secs } => {
                let mut resp =
                    (StatusCode::TOO_MANY_REQUESTS, Json(ApiErrorBody { error: message, fields: FieldErrors::new() }))
                        .into_response();
                resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
                return resp;
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
        (status, Json(ApiErrorBody { error, fields })).into_response()
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
