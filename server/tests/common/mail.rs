//! E-mails of a test app: written as files in the test's folder (`Mailer::Dir`).
#![allow(dead_code)]

use super::TestApp;
use carnet_server::mail::Mailer;
use carnet_server::Config;
use std::path::Path;

pub struct Sent {
    pub to: String,
    pub subject: String,
    pub body: String,
}

impl Sent {
    /// The one-time token of the link in the message.
    pub fn token(&self) -> String {
        let start = self.body.find("#jeton=").expect("a link with a token") + "#jeton=".len();
        self.body[start..].split_whitespace().next().unwrap().to_string()
    }
}

pub async fn app_with_mail() -> TestApp {
    app_with_mail_config(Config::default()).await
}

pub async fn app_with_mail_config(config: Config) -> TestApp {
    TestApp::with_config_in(|dir: &Path| Config { mailer: Mailer::Dir(dir.join("mails")), ..config }).await
}

/// Every message sent so far, oldest first.
pub fn sent(app: &TestApp) -> Vec<Sent> {
    let dir = app.dir.path().join("mails");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| !p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.')))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            let (head, body) = text.split_once("\n\n").unwrap();
            let header = |name: &str| head.lines().find_map(|l| l.strip_prefix(name)).unwrap_or("").trim().to_string();
            Sent { to: header("To:"), subject: header("Subject:"), body: body.to_string() }
        })
        .collect()
}

/// Waits (up to 5 s) until `n` messages were sent: resets are sent after the answer.
pub async fn wait_for(app: &TestApp, n: usize) -> Vec<Sent> {
    for _ in 0..100 {
        let s = sent(app);
        if s.len() >= n {
            return s;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("expected {n} e-mail(s), got {}", sent(app).len());
}
