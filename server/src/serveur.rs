//! The HTTP/1.1 server loop (TLS ends at the reverse proxy in front). `axum::serve` sets no
//! timer: a client sending its headers one byte at a time, or opening connections and never
//! using them, holds a task and a socket for as long as it likes, and a graceful shutdown waits
//! for it forever. Here each connection has a header-read deadline (which also closes idle
//! keep-alive connections: hyper's timer runs while it waits for the next request's headers),
//! and the shutdown lets in-flight requests finish within a deadline, then cuts the rest.

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tower::ServiceExt;

/// The server's deadlines (the request timeout lives in `Config`: `app()` installs it).
#[derive(Clone, Copy, Debug)]
pub struct Delais {
    /// A request's headers must have arrived within this; a kept-alive connection with no new
    /// request is closed after it too.
    pub entetes: Duration,
    /// After the stop signal, requests in flight have this long to finish.
    pub arret: Duration,
}

impl Default for Delais {
    fn default() -> Self {
        Delais { entetes: Duration::from_secs(10), arret: Duration::from_secs(20) }
    }
}

/// Serves `app` on `listener` until `arret` completes, then stops accepting, lets requests in
/// flight finish within `delais.arret`, and cuts whatever is left.
pub async fn servir(listener: TcpListener, app: Router, delais: Delais, arret: impl Future<Output = ()>) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(delais.entetes).keep_alive(true);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut connexions = JoinSet::new();
    tokio::pin!(arret);
    loop {
        tokio::select! {
            accepte = listener.accept() => {
                let (flux, pair) = match accepte {
                    Ok(c) => c,
                    Err(e) => {
                        // Out of file descriptors, mostly: wait a little rather than spin.
                        tracing::warn!(error = %e, "connexion refusée");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let service = app.clone().map_request(move |mut req: axum::http::Request<Incoming>| {
                    req.extensions_mut().insert(ConnectInfo(pair));
                    req
                });
                let connexion = http.serve_connection(TokioIo::new(flux), TowerToHyperService::new(service));
                let connexion = graceful.watch(connexion);
                connexions.spawn(async move {
                    if let Err(e) = connexion.await {
                        tracing::debug!(error = %e, %pair, "connexion close");
                    }
                });
            }
            Some(_) = connexions.join_next(), if !connexions.is_empty() => {}
            _ = &mut arret => break,
        }
    }
    drop(listener);
    let en_cours = graceful.count();
    tokio::select! {
        _ = graceful.shutdown() => {
            if en_cours > 0 {
                tracing::info!(connexions = en_cours, "requêtes en cours terminées");
            }
        }
        _ = tokio::time::sleep(delais.arret) => {
            tracing::warn!(
                restantes = connexions.len(),
                delai_s = delais.arret.as_secs(),
                "délai d'arrêt dépassé : les requêtes encore en cours sont coupées"
            );
        }
    }
    connexions.shutdown().await;
}
