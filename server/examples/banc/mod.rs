//! What the load benchmarks share: an HTTP client over loopback, N clients sending their own
//! requests one after the other, and the latency percentiles of what they measured.

use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::time::{Duration, Instant};

pub type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

pub fn client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

/// One request; its cookie is the session of the conseiller it is sent for.
pub struct Requete {
    pub methode: &'static str,
    pub url: String,
    pub cookie: String,
    pub corps: Option<String>,
}

/// Sends one request: the status, the body and the session cookie set by the answer, if any.
pub async fn envoyer(
    client: &HttpClient,
    method: &str,
    url: &str,
    cookie: &str,
    body: Option<String>,
) -> anyhow::Result<(u16, String, Option<String>)> {
    let mut req = hyper::Request::builder().method(method).uri(url).header("cookie", cookie);
    if body.is_some() {
        req = req.header("content-type", "application/json");
    }
    let req = req.body(Full::new(Bytes::from(body.unwrap_or_default())))?;
    let res = client.request(req).await?;
    let status = res.status().as_u16();
    let set_cookie = res
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").to_string());
    let bytes = res.into_body().collect().await?.to_bytes();
    Ok((status, String::from_utf8_lossy(&bytes).into_owned(), set_cookie))
}

pub struct Mesure {
    pub durees: Vec<Duration>,
    pub erreurs: usize,
    pub premiere_erreur: Option<String>,
    pub total: Duration,
}

impl Mesure {
    /// The p-quantile (0.5, 0.99…) of the latencies, by the nearest-rank method.
    pub fn centile(&mut self, p: f64) -> Duration {
        self.durees.sort_unstable();
        if self.durees.is_empty() {
            return Duration::ZERO;
        }
        let k = ((self.durees.len() as f64) * p).ceil() as usize;
        self.durees[k.clamp(1, self.durees.len()) - 1]
    }

    pub fn par_seconde(&self) -> f64 {
        self.durees.len() as f64 / self.total.as_secs_f64().max(f64::EPSILON)
    }
}

/// One task per client at once, each sending its own list of requests one after the other;
/// an answer other than `attendu` counts as an error (the first one is kept, to be shown).
pub async fn charge(client: &HttpClient, travaux: Vec<Vec<Requete>>, attendu: u16) -> Mesure {
    let debut = Instant::now();
    let mut handles = Vec::new();
    for reqs in travaux {
        let client = client.clone();
        handles.push(tokio::spawn(async move {
            let mut durees = Vec::with_capacity(reqs.len());
            let mut erreurs = 0;
            let mut premiere = None;
            for r in reqs {
                let t = Instant::now();
                let reponse = envoyer(&client, r.methode, &r.url, &r.cookie, r.corps).await;
                durees.push(t.elapsed());
                match reponse {
                    Ok((s, _, _)) if s == attendu => {}
                    Ok((s, b, _)) => {
                        erreurs += 1;
                        premiere.get_or_insert(format!("{} {} → {s} {b}", r.methode, r.url));
                    }
                    Err(e) => {
                        erreurs += 1;
                        premiere.get_or_insert(format!("{} {} → {e}", r.methode, r.url));
                    }
                }
            }
            (durees, erreurs, premiere)
        }));
    }
    let mut m = Mesure { durees: Vec::new(), erreurs: 0, premiere_erreur: None, total: Duration::ZERO };
    for h in handles {
        let (d, e, p) = h.await.expect("client");
        m.durees.extend(d);
        m.erreurs += e;
        if m.premiere_erreur.is_none() {
            m.premiere_erreur = p;
        }
    }
    m.total = debut.elapsed();
    m
}

/// One line of figures: requests, clients, p50/p90/p99/max in ms, requests/s, errors.
pub fn rapport(quoi: &str, clients: usize, mut m: Mesure) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let (p50, p90, p99, max) = (m.centile(0.50), m.centile(0.90), m.centile(0.99), m.centile(1.0));
    println!(
        "{quoi:<34} {:>6} req  {clients:>2} clients  p50 {:>7.2} ms  p90 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms  {:>7.0} req/s  erreurs {}",
        m.durees.len(),
        ms(p50),
        ms(p90),
        ms(p99),
        ms(max),
        m.par_seconde(),
        m.erreurs
    );
    if let Some(e) = &m.premiere_erreur {
        println!("    première erreur : {e}");
    }
}
