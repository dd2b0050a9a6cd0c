//! LinkedIn's push channel: Organization Social Action Notifications.
//!
//! LinkedIn validates the endpoint with `GET ?challengeCode=<uuid>`, answered as JSON
//! `{"challengeCode": …, "challengeResponse": <hex HMAC-SHA256(client secret, challengeCode)>}`
//! (and again every two hours). Notifications are JSON posted with `X-LI-Signature`: the hex
//! HMAC-SHA256 under the client secret of `"hmacsha256="` followed by the raw body
//! (docs/reference platforms.md §1.1). A notification names an organization and an action on
//! one of its posts (a comment, a mention, a share…), not the whole item: the account is polled
//! for it.
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The largest notification accepted.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LinkedinWebhookError {
    #[error("the notification has no X-LI-Signature header")]
    MissingSignature,
    #[error("the X-LI-Signature header must be 64 hex digits")]
    MalformedSignature,
    #[error("the X-LI-Signature signature does not match the body")]
    BadSignature,
    #[error("the notification is not a LinkedIn organization notification: {0}")]
    Malformed(String),
}

fn mac(secret: &[u8]) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length")
}

/// The `challengeResponse` for a validation request.
pub fn challenge_response(secret: &[u8], challenge_code: &str) -> String {
    let mut m = mac(secret);
    m.update(challenge_code.as_bytes());
    hex::encode(m.finalize().into_bytes())
}

/// Checks `header` against the body, in constant time.
pub fn verify_signature(
    secret: &[u8],
    body: &[u8],
    header: Option<&str>,
) -> Result<(), LinkedinWebhookError> {
    let header = header.ok_or(LinkedinWebhookError::MissingSignature)?.trim();
    if header.len() != 64 {
        return Err(LinkedinWebhookError::MalformedSignature);
    }
    let sig = hex::decode(header).map_err(|_| LinkedinWebhookError::MalformedSignature)?;
    let mut m = mac(secret);
    m.update(b"hmacsha256=");
    m.update(body);
    m.verify_slice(&sig)
        .map_err(|_| LinkedinWebhookError::BadSignature)
}

/// The header value for `body` (for tests and the stand-in).
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut m = mac(secret);
    m.update(b"hmacsha256=");
    m.update(body);
    hex::encode(m.finalize().into_bytes())
}

/// One action a notification announces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// `urn:li:organization:ID`, as the account's platform id holds it.
    pub organization: String,
    /// `COMMENT`, `SHARE_MENTION`, `ADMIN_COMMENT`, `COMMENT_EDIT`, `COMMENT_DELETE`, `LIKE`…
    pub action: String,
    /// Where in the stored notification (`/notifications/N`).
    pub pointer: String,
}

impl Notice {
    /// Whether the action can change a record (reactions are not records).
    pub fn touches_records(&self) -> bool {
        !matches!(self.action.as_str(), "LIKE" | "REACTION" | "UNLIKE")
    }
}

/// Reads a notification body; anything that is not `{"notifications": [...]}` with an
/// organization and an action per entry is an error, never a panic.
pub fn parse(body: &[u8]) -> Result<Vec<Notice>, LinkedinWebhookError> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| LinkedinWebhookError::Malformed(format!("not JSON: {e}")))?;
    let list = value
        .get("notifications")
        .and_then(|n| n.as_array())
        .ok_or_else(|| LinkedinWebhookError::Malformed("no \"notifications\" list".into()))?;
    list.iter()
        .enumerate()
        .map(|(n, item)| {
            let field = |name: &str| {
                item.get(name)
                    .and_then(|v| v.as_str())
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .ok_or_else(|| {
                        LinkedinWebhookError::Malformed(format!("notification {n} has no {name}"))
                    })
            };
            Ok(Notice {
                organization: field("organizationalEntity")?,
                action: field("action")?,
                pointer: format!("/notifications/{n}"),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const BODY: &str = r#"{"notifications":[{"organizationalEntity":"urn:li:organization:2414183","action":"COMMENT","sourcePost":"urn:li:share:1","generatedActivity":"urn:li:comment:(urn:li:activity:1,2)","lastModifiedAt":1732000000000,"notificationId":7},{"organizationalEntity":"urn:li:organization:2414183","action":"LIKE","sourcePost":"urn:li:share:1"}]}"#;

    #[test]
    fn notices_name_the_organization_and_the_action() {
        let n = parse(BODY.as_bytes()).unwrap();
        assert_eq!(n.len(), 2);
        assert_eq!(n[0].organization, "urn:li:organization:2414183");
        assert!(n[0].touches_records() && !n[1].touches_records());
        assert_eq!(n[1].pointer, "/notifications/1");
    }

    #[test]
    fn signatures_cover_the_prefix_and_the_raw_body() {
        let sig = sign(b"klient", BODY.as_bytes());
        assert_eq!(
            verify_signature(b"klient", BODY.as_bytes(), Some(&sig)),
            Ok(())
        );
        assert_eq!(
            verify_signature(b"annan", BODY.as_bytes(), Some(&sig)),
            Err(LinkedinWebhookError::BadSignature)
        );
        // a plain HMAC of the body (without the prefix) is not the signature
        let mut plain = mac(b"klient");
        plain.update(BODY.as_bytes());
        let plain = hex::encode(plain.finalize().into_bytes());
        assert_eq!(
            verify_signature(b"klient", BODY.as_bytes(), Some(&plain)),
            Err(LinkedinWebhookError::BadSignature)
        );
        assert_eq!(
            verify_signature(b"klient", BODY.as_bytes(), None),
            Err(LinkedinWebhookError::MissingSignature)
        );
        assert_eq!(
            verify_signature(b"klient", BODY.as_bytes(), Some("abc")),
            Err(LinkedinWebhookError::MalformedSignature)
        );
    }

    #[test]
    fn the_challenge_response_is_the_hex_hmac_of_the_code() {
        let r = challenge_response(b"klient", "f6a3b1c2-0000-4000-8000-000000000001");
        assert_eq!(r.len(), 64);
        assert_ne!(
            r,
            challenge_response(b"annan", "f6a3b1c2-0000-4000-8000-000000000001")
        );
    }

    #[test]
    fn bad_bodies_are_clear_errors() {
        assert!(
            matches!(parse(b"{"), Err(LinkedinWebhookError::Malformed(m)) if m.contains("JSON"))
        );
        assert!(
            matches!(parse(b"{}"), Err(LinkedinWebhookError::Malformed(m)) if m.contains("notifications"))
        );
        assert!(
            matches!(parse(br#"{"notifications":[{"action":"COMMENT"}]}"#),
            Err(LinkedinWebhookError::Malformed(m)) if m.contains("organizationalEntity"))
        );
    }

    proptest! {
        #[test]
        fn any_bytes_parse_or_fail_without_panicking(body in proptest::collection::vec(any::<u8>(), 0..2000)) {
            let _ = parse(&body);
            let _ = verify_signature(b"k", &body, Some(&"0".repeat(64)));
        }
    }
}
