//! The e-mail outbox: messages waiting to be sent by SMTP, their attempts and the backoff
//! between them. A message is never dropped because the mail server is down: it stays queued
//! and is tried again, later and later (at most an hour apart), until it is sent or the server
//! refuses it for good (a permanent 5xx answer).
use crate::error::DomainError;
use crate::ids::OrgId;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Why the message was written (shown to staff; the sender treats them all alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailPurpose {
    /// A decision or receipt to a requester (begäran om allmän handling).
    Request,
    /// A diary registration sent to a unit or a case system.
    Diary,
    /// A case forwarded to the responsible unit (guided actions).
    Forward,
    /// Anything else.
    Other,
}

impl MailPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            MailPurpose::Request => "request",
            MailPurpose::Diary => "diary",
            MailPurpose::Forward => "forward",
            MailPurpose::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Result<MailPurpose, DomainError> {
        match s {
            "request" => Ok(MailPurpose::Request),
            "diary" => Ok(MailPurpose::Diary),
            "forward" => Ok(MailPurpose::Forward),
            "other" => Ok(MailPurpose::Other),
            o => Err(DomainError::invalid(
                "purpose",
                format!("unknown mail purpose '{o}'"),
            )),
        }
    }
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailState {
    /// Waiting for its (next) attempt.
    Queued,
    Sent,
    /// The server refused it for good; a person must act.
    Failed,
}

impl MailState {
    pub fn as_str(self) -> &'static str {
        match self {
            MailState::Queued => "queued",
            MailState::Sent => "sent",
            MailState::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Result<MailState, DomainError> {
        match s {
            "queued" => Ok(MailState::Queued),
            "sent" => Ok(MailState::Sent),
            "failed" => Ok(MailState::Failed),
            o => Err(DomainError::invalid(
                "state",
                format!("unknown mail state '{o}'"),
            )),
        }
    }
}

/// A file attached to a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailAttachment {
    pub filename: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

/// A message to queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewMail {
    pub to: String,
    pub subject: String,
    pub body: String,
    pub purpose: MailPurpose,
    /// What the message is about, e.g. "case:7", "request:3" (for the staff pages).
    pub subject_ref: Option<String>,
    pub attachments: Vec<MailAttachment>,
}

/// Attachments of one message may not exceed this many bytes together.
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;

impl NewMail {
    /// Checks the address (one plain address, no display name or header tricks) and the text.
    pub fn normalised(&self) -> Result<NewMail, DomainError> {
        let mut m = self.clone();
        let plain = !m
            .to
            .contains(['<', '>', ',', ';', '"', '(', ')', '[', ']', ':', '\\']);
        m.to = crate::staff::normalise_email(&m.to)
            .ok()
            .filter(|_| plain)
            .ok_or_else(|| {
                DomainError::invalid(
                    "to",
                    format!(
                        "'{}' is not an e-mail address / inte en e-postadress",
                        self.to.chars().take(80).collect::<String>()
                    ),
                )
            })?;
        m.subject = m.subject.trim().to_string();
        if m.subject.is_empty()
            || m.subject.chars().count() > 200
            || m.subject.contains(['\r', '\n'])
        {
            return Err(DomainError::invalid(
                "subject",
                "the subject is 1 to 200 characters on one line / ämnesraden är 1-200 tecken på en rad",
            ));
        }
        if m.body.len() > 1_000_000 {
            return Err(DomainError::invalid(
                "body",
                "the message is longer than 1 MB",
            ));
        }
        let total: usize = m.attachments.iter().map(|a| a.content.len()).sum();
        if total > MAX_ATTACHMENT_BYTES {
            return Err(DomainError::invalid(
                "attachments",
                "the attachments are larger than 10 MB together",
            ));
        }
        for a in &m.attachments {
            let ok_name = !a.filename.is_empty()
                && a.filename.len() <= 120
                && !a.filename.contains(['/', '\\', '\r', '\n', '"']);
            if !ok_name || !a.content_type.contains('/') {
                return Err(DomainError::invalid(
                    "attachments",
                    format!("'{}' is not a usable attachment name or type", a.filename),
                ));
            }
        }
        Ok(m)
    }
}

/// A queued (or sent, or failed) message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailMessage {
    pub id: i64,
    pub org_id: OrgId,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub purpose: MailPurpose,
    pub subject_ref: Option<String>,
    pub attachments: Vec<MailAttachment>,
    pub state: MailState,
    pub queued_at: DateTime<Utc>,
    /// Attempts made so far.
    pub attempts: u32,
    /// When the next attempt is due (queued messages).
    pub next_attempt_at: DateTime<Utc>,
    /// What the last failed attempt said.
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// The wait after the `attempts`-th failed attempt: 30 s, 1 min, 2 min, 4 min ... at most 1 h.
pub fn backoff(attempts: u32) -> Duration {
    let exp = attempts.saturating_sub(1).min(7);
    let secs = 30i64 << exp;
    Duration::seconds(secs.min(3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_an_hour() {
        assert_eq!(backoff(1), Duration::seconds(30));
        assert_eq!(backoff(2), Duration::seconds(60));
        assert_eq!(backoff(3), Duration::seconds(120));
        assert_eq!(backoff(8), Duration::seconds(3600));
        assert_eq!(backoff(u32::MAX), Duration::seconds(3600));
        assert!((1..20).all(|n| backoff(n) <= backoff(n + 1)));
    }

    #[test]
    fn messages_are_checked() {
        let m = NewMail {
            to: " Registrator@Kommun.SE ".into(),
            subject: " Ärende KS 2026/0001 ".into(),
            body: "Hej".into(),
            purpose: MailPurpose::Diary,
            subject_ref: None,
            attachments: vec![],
        };
        let n = m.normalised().unwrap();
        assert_eq!(n.to, "registrator@kommun.se");
        assert_eq!(n.subject, "Ärende KS 2026/0001");
        for bad_to in [
            "",
            "a",
            "a@b\r\nBcc: x@y.se",
            "Anna <a@b.se>",
            "<a@b.se>",
            "a@b.se,c@d.se",
        ] {
            let e = NewMail {
                to: bad_to.into(),
                ..m.clone()
            };
            assert!(e.normalised().is_err(), "{bad_to:?}");
        }
        let e = NewMail {
            subject: "a\r\nBcc: x@y.se".into(),
            ..m.clone()
        };
        assert!(e.normalised().is_err());
    }
}
