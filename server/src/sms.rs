//! Sending SMS. Behind a trait, so the reminders job does not depend on one provider; one real
//! implementation speaks HTTP to a transactional SMS API (the request of Brevo's
//! `POST /v3/transactionalSMS/sms`: header `api-key`, JSON `sender`, `recipient` without `+`,
//! `content`, `type`), with a configurable base URL and key. Tests start a local HTTP server
//! that records the requests and can answer 500.

use std::fmt::Debug;
use std::time::Duration;

/// Sends one SMS. Blocking (callers run it off the async threads). `Ok`: the provider's answer
/// (its message reference); `Err`: why it was not accepted, to be tried again later.
pub trait FournisseurSms: Send + Sync + Debug {
    fn envoyer(&self, numero: &str, texte: &str) -> Result<String, String>;
}

/// The HTTP provider.
pub struct HttpSms {
    base: String,
    cle: String,
    expediteur: String,
    agent: ureq::Agent,
}

impl Debug for HttpSms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        write!(f, "HttpSms({})", self.base)
    }
}

impl HttpSms {
    /// `base`: e.g. `https://api.brevo.com`; `expediteur`: the name shown (11 characters at most,
    /// letters and digits).
    pub fn new(base: &str, cle: &str, expediteur: &str) -> HttpSms {
        HttpSms {
            base: base.trim_end_matches('/').to_string(),
            cle: cle.to_string(),
            expediteur: expediteur.chars().filter(char::is_ascii_alphanumeric).take(11).collect(),
            agent: agent(Duration::from_secs(10)),
        }
    }

    /// The longest a request may take (10 s by default): past it, the try failed and is retried.
    pub fn avec_delai(mut self, delai: Duration) -> HttpSms {
        self.agent = agent(delai);
        self
    }

    pub fn url(&self) -> String {
        format!("{}/v3/transactionalSMS/sms", self.base)
    }
}

fn agent(delai: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(delai))
        .http_status_as_error(false)
        .user_agent(concat!("carnet/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// At most this much of an answer is kept in the delivery log.
const REPONSE_MAX: usize = 200;

fn court(s: &str) -> String {
    s.trim().chars().take(REPONSE_MAX).collect()
}

impl FournisseurSms for HttpSms {
    fn envoyer(&self, numero: &str, texte: &str) -> Result<String, String> {
        let body = serde_json::json!({
            "sender": self.expediteur,
            "recipient": numero.trim_start_matches('+'),
            "content": texte,
            "type": "transactional",
        });
        let mut resp = self
            .agent
            .post(&self.url())
            .header("api-key", &self.cle)
            .header("accept", "application/json")
            .content_type("application/json")
            .send(body.to_string())
            .map_err(|e| format!("fournisseur SMS injoignable : {e}"))?;
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        if (200..300).contains(&status) {
            Ok(court(&format!("{status} {text}")))
        } else {
            Err(court(&format!("fournisseur SMS : erreur {status} {text}")))
        }
    }
}
