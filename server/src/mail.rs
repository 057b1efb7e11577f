//! Outgoing e-mail (invitations, password resets): through SMTP when configured. Without it, in
//! demo mode only, the message — and so its one-time link — goes to the server log; outside demo
//! mode nothing is sent and the link never reaches the log.
//! A folder can also receive each message as a text file (development, end-to-end tests).

use lettre::message::header::{ContentDisposition, ContentTransferEncoding, ContentType};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;
use std::time::Duration;

/// One message to send: plain text, in French.
#[derive(Clone, Debug, PartialEq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// A file sent with a message (the session's `.ics`).
#[derive(Clone, Debug, PartialEq)]
pub struct PieceJointe {
    pub nom: String,
    /// e.g. `text/calendar; charset=utf-8; method=PUBLISH`.
    pub type_mime: String,
    pub contenu: String,
}

#[derive(Clone)]
pub enum Mailer {
    /// No SMTP, demo mode: the message goes to the server log.
    Log,
    /// No SMTP outside demo mode: nothing is sent; the log says so, without the message.
    Aucun,
    /// Each message written as a text file in this folder.
    Dir(PathBuf),
    Smtp {
        // Boxed: the transport is large, the other variants tiny.
        transport: Box<AsyncSmtpTransport<Tokio1Executor>>,
        from: Mailbox,
    },
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mailer::Log => f.write_str("Mailer::Log"),
            Mailer::Aucun => f.write_str("Mailer::Aucun"),
            Mailer::Dir(d) => write!(f, "Mailer::Dir({})", d.display()),
            // Never print the URL: it may hold the SMTP password.
            Mailer::Smtp { from, .. } => write!(f, "Mailer::Smtp(from {from})"),
        }
    }
}

impl Mailer {
    /// SMTP from a URL such as `smtps://user:password@smtp.exemple.fr:465` or
    /// `smtp://smtp.exemple.fr:587?tls=required`; `hello` is our host name for EHLO.
    pub fn smtp(url: &str, from: &str, hello: &str) -> anyhow::Result<Mailer> {
        let from: Mailbox =
            from.parse().map_err(|e| anyhow::anyhow!("adresse d'expédition invalide ({from}) : {e}"))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("adresse du serveur SMTP invalide : {e}"))?
            .hello_name(ClientId::Domain(hello.to_string()))
            .timeout(Some(Duration::from_secs(15)))
            .build();
        Ok(Mailer::Smtp { transport: Box::new(transport), from })
    }

    /// Whether anything can be sent at all.
    pub fn envoie(&self) -> bool {
        !matches!(self, Mailer::Aucun)
    }

    pub async fn send(&self, mail: &Mail) -> anyhow::Result<()> {
        self.send_with(mail, &[]).await
    }

    /// A message with attached files: for SMTP, a multipart/mixed message (the text, then each
    /// file, base64-encoded); in the log or a folder, the files follow the text.
    pub async fn send_with(&self, mail: &Mail, pieces: &[PieceJointe]) -> anyhow::Result<()> {
        let mut mail = mail.clone();
        if !matches!(self, Mailer::Smtp { .. }) {
            for p in pieces {
                mail.body.push_str(&format!("\n--- pièce jointe : {} ({}) ---\n{}", p.nom, p.type_mime, p.contenu));
            }
        }
        let mail = &mail;
        match self {
            Mailer::Log => {
                tracing::warn!(
                    to = %mail.to,
                    subject = %mail.subject,
                    "e-mail non envoyé (aucun serveur SMTP configuré : CARNET_SMTP_URL) — le voici :\n{}",
                    mail.body
                );
                Ok(())
            }
            Mailer::Aucun => {
                tracing::warn!(
                    to = %mail.to,
                    subject = %mail.subject,
                    "e-mail non envoyé : aucun serveur SMTP configuré (CARNET_SMTP_URL)"
                );
                Err(anyhow::anyhow!("aucun serveur SMTP configuré (CARNET_SMTP_URL)"))
            }
            Mailer::Dir(dir) => {
                tokio::fs::create_dir_all(dir).await?;
                let safe: String = mail.to.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
                let text = format!("To: {}\nSubject: {}\n\n{}", mail.to, mail.subject, mail.body);
                // Written whole under a hidden name first, then linked under its visible name: a
                // reader never sees half a message. Numbered in order of writing (names sort as the
                // mails were sent), never overwriting one another, even when several servers share
                // the folder.
                static ECRITS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
                let k = ECRITS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let brouillon = dir.join(format!(".{}-{k}.en-cours", std::process::id()));
                tokio::fs::write(&brouillon, text.as_bytes()).await?;
                let mut n = std::fs::read_dir(dir)?.count();
                let path = loop {
                    let path = dir.join(format!("{n:08}-{safe}.txt"));
                    match tokio::fs::hard_link(&brouillon, &path).await {
                        Ok(()) => break path,
                        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => n += 1,
                        Err(e) => {
                            let _ = tokio::fs::remove_file(&brouillon).await;
                            return Err(e.into());
                        }
                    }
                };
                tokio::fs::remove_file(&brouillon).await?;
                tracing::info!(to = %mail.to, path = %path.display(), "e-mail écrit dans un fichier");
                Ok(())
            }
            Mailer::Smtp { transport, from } => {
                let to: Mailbox = mail.to.parse().map_err(|e| anyhow::anyhow!("destinataire invalide : {e}"))?;
                let builder = Message::builder().from(from.clone()).to(to).subject(mail.subject.clone());
                let message = if pieces.is_empty() {
                    builder.header(ContentType::TEXT_PLAIN).body(mail.body.clone())?
                } else {
                    let mut parts = MultiPart::mixed().singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .header(ContentTransferEncoding::Base64)
                            .body(mail.body.clone()),
                    );
                    for p in pieces {
                        let kind = ContentType::parse(&p.type_mime)
                            .map_err(|e| anyhow::anyhow!("type de pièce jointe invalide ({}) : {e}", p.type_mime))?;
                        parts = parts.singlepart(
                            SinglePart::builder()
                                .header(kind)
                                .header(ContentDisposition::attachment(&p.nom))
                                .header(ContentTransferEncoding::Base64)
                                .body(p.contenu.clone()),
                        );
                    }
                    builder.multipart(parts)?
                };
                transport.send(message).await?;
                tracing::info!(to = %mail.to, "e-mail envoyé");
                Ok(())
            }
        }
    }
}
