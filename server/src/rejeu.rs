//! Two transactions that meet on PostgreSQL: one of them is given up (a serialization failure,
//! 40001, or a deadlock, 40P01), or a uniqueness the handler checked is taken in between (23505).
//! Nothing of the loser was written, and running the same request again usually succeeds — or,
//! for a uniqueness, gets the handler's own precise refusal (« pass déjà utilisé ») instead of a
//! bare conflict. So the API runs such a request again, a bounded number of times with a short
//! random pause, before its 409 reaches the client. On SQLite writers queue and this never fires.
//!
//! A handler is one transaction (the store's rule), so a request given up left nothing behind
//! and its replay is the same request, not a second one.

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::Rng;
use std::time::Duration;

/// Set by the error type on a 409 that comes from such a meeting (see `AppError`).
#[derive(Clone, Copy, Debug)]
pub struct Rejouable;

/// Runs in all: the first attempt and two more.
pub const TENTATIVES: u32 = 3;

/// Bodies held for a replay: the API's JSON is at most 2 MB; a bigger one (a venue file) is run
/// once, as it comes.
const CORPS_MAX: usize = 2 * 1024 * 1024;

pub async fn rejouer(req: Request, next: Next) -> Response {
    if !rejouable(&req) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let octets = match axum::body::to_bytes(body, CORPS_MAX).await {
        Ok(b) => b,
        Err(_) => {
            return crate::error::AppError::BadRequest("Le contenu de la requête est illisible ou trop gros.".into())
                .into_response()
        }
    };
    let mut tentative = 1;
    loop {
        let req = Request::from_parts(parts.clone(), Body::from(octets.clone()));
        let resp = next.clone().run(req).await;
        if resp.extensions().get::<Rejouable>().is_none() || tentative >= TENTATIVES {
            if tentative > 1 {
                tracing::info!(
                    tentatives = tentative,
                    status = resp.status().as_u16(),
                    "requête rejouée après un conflit"
                );
            }
            return resp;
        }
        // A pause that grows and differs between the two transactions, so they do not meet again.
        let ms = rand::thread_rng().gen_range(5..=20) * u64::from(tentative);
        tokio::time::sleep(Duration::from_millis(ms)).await;
        tentative += 1;
    }
}

/// A request whose body can be held: its size known and within bounds (a declared length, or no
/// body at all). A streamed body of unknown length is run once, as it comes, and is never read
/// ahead of the handler (the venue import checks the role before reading).
fn rejouable(req: &Request) -> bool {
    axum::body::HttpBody::size_hint(req.body()).upper().is_some_and(|n| n <= CORPS_MAX as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{AppError, AppResult};
    use axum::http::{header, StatusCode};
    use axum::routing::post;
    use axum::Router;
    use std::borrow::Cow;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;
    use tower::ServiceExt;

    /// What PostgreSQL answers to the transaction it gives up.
    #[derive(Debug)]
    struct Abandon(&'static str);

    impl std::fmt::Display for Abandon {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "transaction abandonnée ({})", self.0)
        }
    }
    impl std::error::Error for Abandon {}
    impl sqlx::error::DatabaseError for Abandon {
        fn message(&self) -> &str {
            "could not serialize access due to concurrent update"
        }
        fn code(&self) -> Option<Cow<'_, str>> {
            Some(Cow::Borrowed(self.0))
        }
        fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
            self
        }
        fn kind(&self) -> sqlx::error::ErrorKind {
            match self.0 {
                "23505" => sqlx::error::ErrorKind::UniqueViolation,
                "23503" => sqlx::error::ErrorKind::ForeignKeyViolation,
                _ => sqlx::error::ErrorKind::Other,
            }
        }
    }

    /// A handler given up `echecs` times with `code`, then answering the body it received.
    fn app(echecs: u32, code: &'static str, appels: Arc<AtomicU32>) -> Router {
        Router::new()
            .route(
                "/",
                post(move |corps: String| {
                    let appels = appels.clone();
                    async move {
                        let n = appels.fetch_add(1, Ordering::SeqCst);
                        if n < echecs {
                            let e: AppResult<String> =
                                Err(AppError::from(sqlx::Error::Database(Box::new(Abandon(code)))));
                            return e;
                        }
                        Ok(corps)
                    }
                }),
            )
            .layer(axum::middleware::from_fn(rejouer))
    }

    async fn envoyer(app: Router, corps: &'static str) -> (StatusCode, String) {
        let req = Request::post("/").header(header::CONTENT_LENGTH, corps.len()).body(Body::from(corps)).unwrap();
        let resp = app.oneshot(req).await.unwrap();
        let status = resp.status();
        let octets = axum::body::to_bytes(resp.into_body(), 1 << 20).await.unwrap();
        (status, String::from_utf8(octets.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn a_request_given_up_twice_is_run_again_with_the_same_body() {
        for code in ["40001", "40P01", "23505"] {
            let appels = Arc::new(AtomicU32::new(0));
            let (status, corps) = envoyer(app(2, code, appels.clone()), "{\"code\":\"ABCD\"}").await;
            assert_eq!(status, StatusCode::OK, "{code}");
            assert_eq!(corps, "{\"code\":\"ABCD\"}");
            assert_eq!(appels.load(Ordering::SeqCst), 3, "{code}");
        }
    }

    #[tokio::test]
    async fn a_request_given_up_every_time_gets_the_409_after_the_last_attempt() {
        let appels = Arc::new(AtomicU32::new(0));
        let (status, corps) = envoyer(app(u32::MAX, "40001", appels.clone()), "{}").await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(corps.contains("Une autre modification est passée au même moment"), "{corps}");
        assert_eq!(appels.load(Ordering::SeqCst), TENTATIVES);
    }

    #[tokio::test]
    async fn other_errors_are_not_run_again() {
        // A foreign key or a check violation says something about the request: running it again
        // changes nothing.
        let appels = Arc::new(AtomicU32::new(0));
        let (status, _) = envoyer(app(1, "23503", appels.clone()), "{}").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(appels.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_body_of_unknown_length_is_run_once_as_it_comes() {
        let appels = Arc::new(AtomicU32::new(0));
        let flot = futures_util::stream::iter([Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b"{}"))]);
        let req = Request::post("/").body(Body::from_stream(flot)).unwrap();
        let resp = app(u32::MAX, "40001", appels.clone()).oneshot(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::CONFLICT);
        assert_eq!(appels.load(Ordering::SeqCst), 1);
    }
}
