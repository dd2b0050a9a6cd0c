//! E-mail by SMTP (lettre, rustls) through the one persistent outbox. Use cases queue a message
//! ([`App::queue_mail`]) in the database; the sender ([`App::send_due_mail`], run by
//! `insyn serve` every few seconds) claims what is due, sends it and records the outcome. A mail
//! server that is down or answers 4xx leaves the message queued with the error and the time of
//! the next attempt (30 s, 1 min, 2 min ... at most an hour apart); a permanent 5xx refusal
//! fails it for good, for a person to see. Several `insyn serve` processes share the outbox: a
//! claimed message is held by one sender for [`LEASE`].
use crate::{App, AppError, Result};
use chrono::{DateTime, Utc};
use insyn_domain::mail::backoff;
use insyn_domain::{MailMessage, NewMail, OrgId};
use insyn_store::MailFilter;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::sync::Arc;
use std::time::Duration;

/// How long one sender holds a claimed message before another may try it.
pub const LEASE: chrono::Duration = chrono::Duration::minutes(2);

/// How the connection to the mail server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpTls {
    /// Plain SMTP (a relay on the same host or a test server only).
    None,
    /// Plain connection upgraded with STARTTLS (usually port 587); refused without it.
    #[default]
    Starttls,
    /// TLS from the first byte (usually port 465).
    Tls,
}

/// Where and how to send: `[smtp]` in the configuration.
#[derive(Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    /// The sender, e.g. `Insyn <noreply@kommun.se>`.
    pub from: String,
    pub user: Option<String>,
    pub password: Option<String>,
    /// Seconds one attempt may take.
    pub timeout_secs: u64,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("from", &self.from)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .finish()
    }
}

/// The SMTP transport built from the settings, once.
pub(crate) struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    describe: String,
}

impl Mailer {
    fn new(s: &SmtpSettings) -> Result<Mailer> {
        let from: Mailbox = s.from.parse().map_err(|e| {
            AppError::invalid(
                "smtp.from",
                format!("'{}' is not a sender address: {e}", s.from),
            )
        })?;
        if s.host.trim().is_empty() {
            return Err(AppError::invalid(
                "smtp.host",
                "the mail server's host name is empty",
            ));
        }
        let builder = match s.tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host),
            SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&s.host)
                .map_err(|e| AppError::invalid("smtp.host", e.to_string()))?,
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&s.host)
                .map_err(|e| AppError::invalid("smtp.host", e.to_string()))?,
        };
        let mut builder = builder
            .port(s.port)
            .timeout(Some(Duration::from_secs(s.timeout_secs.clamp(1, 300))));
        match (&s.user, &s.password) {
            (Some(u), Some(p)) => {
                builder = builder.credentials(Credentials::new(u.clone(), p.clone()))
            }
            (None, None) => {}
            _ => {
                return Err(AppError::invalid(
                    "smtp.user",
                    "give both a user and a password (password_file or password_env), or neither",
                ));
            }
        }
        Ok(Mailer {
            transport: builder.build(),
            from,
            describe: format!("{}:{}", s.host, s.port),
        })
    }
}

/// What one pass of the sender did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct MailReport {
    pub sent: u32,
    /// Tried and queued again (server down, 4xx).
    pub retrying: u32,
    /// Refused for good (5xx, an address the server will never take).
    pub failed: u32,
}

/// Why one message could not be sent, and whether to try again.
struct SendError {
    message: String,
    permanent: bool,
}

/// Builds the message as it goes on the wire (UTF-8 subject encoded by lettre, plain-text body,
/// attachments as a multipart/mixed).
pub(crate) fn build_message(from: &Mailbox, m: &MailMessage) -> Result<Message, String> {
    let to: Mailbox =
        m.to.parse()
            .map_err(|e| format!("'{}' is not an address: {e}", m.to))?;
    let builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(m.subject.clone());
    let built = if m.attachments.is_empty() {
        builder.header(ContentType::TEXT_PLAIN).body(m.body.clone())
    } else {
        let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(m.body.clone()));
        for a in &m.attachments {
            let ct = ContentType::parse(&a.content_type)
                .map_err(|e| format!("attachment {}: {e}", a.filename))?;
            parts =
                parts.singlepart(Attachment::new(a.filename.clone()).body(a.content.clone(), ct));
        }
        builder.multipart(parts)
    };
    built.map_err(|e| e.to_string())
}

impl App {
    /// Turns on sending by SMTP. Without it, messages are queued and wait.
    pub fn with_smtp(mut self, settings: &SmtpSettings) -> Result<App> {
        self.mailer = Some(Arc::new(Mailer::new(settings)?));
        Ok(self)
    }

    /// Whether a mail server is configured.
    pub fn mail_configured(&self) -> bool {
        self.mailer.is_some()
    }

    /// Queues a message for sending (checked: one plain address, a one-line subject, at most
    /// 10 MB of attachments). It survives restarts and is sent by the sender loop.
    pub async fn queue_mail(&self, org: OrgId, mail: &NewMail, actor: &str) -> Result<MailMessage> {
        Ok(self.store.queue_mail(org, mail, actor).await?)
    }

    /// The organisation's messages, newest first (attachments named, content left out).
    pub async fn mail_outbox(&self, org: OrgId, filter: &MailFilter) -> Result<Vec<MailMessage>> {
        Ok(self.store.mail_outbox(org, filter).await?)
    }

    /// One pass of the sender at `now`: claims the messages due, sends each, records the
    /// outcome. Does nothing without a mail server.
    pub async fn send_due_mail(&self, now: DateTime<Utc>) -> Result<MailReport> {
        let mut report = MailReport::default();
        let Some(mailer) = self.mailer.clone() else {
            return Ok(report);
        };
        let due = self.store.claim_due_mail(now, now + LEASE, 50).await?;
        for m in due {
            match send_one(&mailer, &m).await {
                Ok(()) => {
                    self.store.mail_sent(m.id, Utc::now()).await?;
                    report.sent += 1;
                }
                Err(e) if e.permanent => {
                    tracing::warn!(mail = m.id, error = %e.message, "the mail server refused a message for good");
                    self.store
                        .mail_attempt_failed(m.id, &e.message, None)
                        .await?;
                    report.failed += 1;
                }
                Err(e) => {
                    let retry = now + backoff(m.attempts);
                    tracing::info!(mail = m.id, error = %e.message, %retry, "e-mail not sent; queued for another attempt");
                    self.store
                        .mail_attempt_failed(m.id, &e.message, Some(retry))
                        .await?;
                    report.retrying += 1;
                }
            }
        }
        Ok(report)
    }
}

async fn send_one(mailer: &Mailer, m: &MailMessage) -> Result<(), SendError> {
    let message = build_message(&mailer.from, m).map_err(|message| SendError {
        message,
        permanent: true,
    })?;
    mailer
        .transport
        .send(message)
        .await
        .map(|_| ())
        .map_err(|e| SendError {
            permanent: e.is_permanent(),
            message: format!("{}: {e}", mailer.describe),
        })
}
