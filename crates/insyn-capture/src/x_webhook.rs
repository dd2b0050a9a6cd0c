//! X's push channel: the Account Activity API (and the newer v2 webhooks, which use the same
//! checks).
//!
//! X checks the endpoint with a Challenge-Response Check, `GET ?crc_token=…`, answered within
//! three seconds as JSON `{"response_token": "sha256=<base64 HMAC-SHA256(consumer secret,
//! crc_token)>"}` (and again about once a day). Deliveries are JSON posted with
//! `x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256(consumer secret, raw body)>`
//! (docs/reference platforms.md §1.1). A delivery names the subscribed user (`for_user_id`) and
//! carries event lists: new posts and direct messages make the account due for a capture pass
//! (which reads them through API v2 with their edit history); `tweet_delete_events` are positive
//! evidence that a post is gone.
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The largest delivery accepted.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum XWebhookError {
    #[error("the delivery has no x-twitter-webhooks-signature header")]
    MissingSignature,
    #[error("the x-twitter-webhooks-signature header must be sha256= and a base64 HMAC-SHA256")]
    MalformedSignature,
    #[error("the x-twitter-webhooks-signature signature does not match the body")]
    BadSignature,
    #[error("the delivery is not an X account activity event: {0}")]
    Malformed(String),
}

fn mac(secret: &[u8]) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length")
}

/// The `response_token` for a CRC request.
pub fn crc_response(secret: &[u8], crc_token: &str) -> String {
    let mut m = mac(secret);
    m.update(crc_token.as_bytes());
    format!("sha256={}", STANDARD.encode(m.finalize().into_bytes()))
}

/// The header value for `body` (for tests and the stand-in).
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut m = mac(secret);
    m.update(body);
    format!("sha256={}", STANDARD.encode(m.finalize().into_bytes()))
}

/// Checks `header` against the body, in constant time.
pub fn verify_signature(
    secret: &[u8],
    body: &[u8],
    header: Option<&str>,
) -> Result<(), XWebhookError> {
    let header = header.ok_or(XWebhookError::MissingSignature)?.trim();
    let sig = header
        .strip_prefix("sha256=")
        .and_then(|b| STANDARD.decode(b).ok())
        .filter(|s| s.len() == 32)
        .ok_or(XWebhookError::MalformedSignature)?;
    let mut m = mac(secret);
    m.update(body);
    m.verify_slice(&sig)
        .map_err(|_| XWebhookError::BadSignature)
}

/// What a delivery announces for its user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XEvent {
    /// A new post, reply, mention or direct message: read it with a capture pass.
    Activity { kind: String },
    /// A post was deleted (`tweet_delete_events`).
    Deleted {
        post_id: String,
        at: Option<DateTime<Utc>>,
        /// Where in the stored delivery (`/tweet_delete_events/N`).
        pointer: String,
    },
    /// Likes, follows, typing, read marks, revocations: not records.
    Other { kind: String },
}

/// One delivery: the subscribed user's id and its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub for_user_id: String,
    pub events: Vec<XEvent>,
}

/// Reads a delivery; anything that is not a JSON object with `for_user_id` is an error, never a
/// panic. Unknown event lists are kept as [`XEvent::Other`].
pub fn parse(body: &[u8]) -> Result<Delivery, XWebhookError> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| XWebhookError::Malformed(format!("not JSON: {e}")))?;
    let object = value
        .as_object()
        .ok_or_else(|| XWebhookError::Malformed("not a JSON object".into()))?;
    let for_user_id = object
        .get("for_user_id")
        .and_then(|v| match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .filter(|s| !s.is_empty())
        .ok_or_else(|| XWebhookError::Malformed("no for_user_id".into()))?;
    let mut events = Vec::new();
    for (key, list) in object {
        let Some(list) = list.as_array() else {
            continue;
        };
        match key.as_str() {
            "tweet_create_events" | "direct_message_events" => {
                events.extend(list.iter().map(|_| XEvent::Activity { kind: key.clone() }))
            }
            "tweet_delete_events" => {
                for (n, e) in list.iter().enumerate() {
                    let post_id = e
                        .pointer("/status/id")
                        .and_then(|v| match v {
                            serde_json::Value::String(s) => Some(s.clone()),
                            serde_json::Value::Number(n) => Some(n.to_string()),
                            _ => None,
                        })
                        .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()))
                        .ok_or_else(|| {
                            XWebhookError::Malformed(format!(
                                "tweet_delete_events {n} has no status id"
                            ))
                        })?;
                    let at = e
                        .get("timestamp_ms")
                        .and_then(|v| match v {
                            serde_json::Value::String(s) => s.parse::<i64>().ok(),
                            serde_json::Value::Number(n) => n.as_i64(),
                            _ => None,
                        })
                        .and_then(DateTime::from_timestamp_millis);
                    events.push(XEvent::Deleted {
                        post_id,
                        at,
                        pointer: format!("/tweet_delete_events/{n}"),
                    });
                }
            }
            other => events.extend(list.iter().map(|_| XEvent::Other {
                kind: other.to_string(),
            })),
        }
    }
    Ok(Delivery {
        for_user_id,
        events,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const BODY: &str = r#"{"for_user_id":"1580000000000000001","tweet_create_events":[{"id_str":"1860000000000000042","text":"@ekbackakommun När öppnar badet?","user":{"id_str":"2001","name":"Kalle Svensson"}}],"tweet_delete_events":[{"status":{"id":"1860000000000000007","user_id":"2001"},"timestamp_ms":"1795500000000"}],"favorite_events":[{"id":"x"}]}"#;

    #[test]
    fn deliveries_name_the_user_and_the_events() {
        let d = parse(BODY.as_bytes()).unwrap();
        assert_eq!(d.for_user_id, "1580000000000000001");
        assert!(d.events.contains(&XEvent::Activity {
            kind: "tweet_create_events".into()
        }));
        assert!(d.events.contains(&XEvent::Other {
            kind: "favorite_events".into()
        }));
        let deleted = d
            .events
            .iter()
            .find_map(|e| match e {
                XEvent::Deleted {
                    post_id,
                    at,
                    pointer,
                } => Some((post_id.clone(), *at, pointer.clone())),
                _ => None,
            })
            .unwrap();
        assert_eq!(deleted.0, "1860000000000000007");
        assert_eq!(deleted.1.unwrap().timestamp_millis(), 1_795_500_000_000);
        assert_eq!(deleted.2, "/tweet_delete_events/0");
    }

    #[test]
    fn the_crc_answer_is_the_base64_hmac_of_the_token() {
        // HMAC-SHA256("secret", "challenge"), computed independently with openssl:
        // printf challenge | openssl dgst -sha256 -hmac secret -binary | base64
        assert_eq!(
            crc_response(b"secret", "challenge"),
            "sha256=oeUF6Wxqoezggrue+wbIDxKRPSF6esKwizR2MHh9HaA="
        );
    }

    #[test]
    fn signatures_cover_the_raw_body() {
        let sig = sign(b"konsument", BODY.as_bytes());
        assert_eq!(
            verify_signature(b"konsument", BODY.as_bytes(), Some(&sig)),
            Ok(())
        );
        assert_eq!(
            verify_signature(b"annan", BODY.as_bytes(), Some(&sig)),
            Err(XWebhookError::BadSignature)
        );
        let mut changed = BODY.as_bytes().to_vec();
        changed[20] ^= 1;
        assert_eq!(
            verify_signature(b"konsument", &changed, Some(&sig)),
            Err(XWebhookError::BadSignature)
        );
        assert_eq!(
            verify_signature(b"konsument", BODY.as_bytes(), None),
            Err(XWebhookError::MissingSignature)
        );
        for bad in ["abc", "sha256=", "sha256=!!!", "sha1=AAAA", "sha256=AAAA"] {
            assert_eq!(
                verify_signature(b"konsument", BODY.as_bytes(), Some(bad)),
                Err(XWebhookError::MalformedSignature),
                "{bad}"
            );
        }
    }

    #[test]
    fn bad_bodies_are_clear_errors() {
        assert!(matches!(parse(b"{"), Err(XWebhookError::Malformed(m)) if m.contains("JSON")));
        assert!(matches!(parse(b"[]"), Err(XWebhookError::Malformed(m)) if m.contains("object")));
        assert!(
            matches!(parse(b"{}"), Err(XWebhookError::Malformed(m)) if m.contains("for_user_id"))
        );
        assert!(matches!(
            parse(br#"{"for_user_id":"1","tweet_delete_events":[{"status":{}}]}"#),
            Err(XWebhookError::Malformed(m)) if m.contains("status id")
        ));
    }

    proptest! {
        #[test]
        fn any_bytes_parse_or_fail_without_panicking(body in proptest::collection::vec(any::<u8>(), 0..2000)) {
            let _ = parse(&body);
            let _ = verify_signature(b"k", &body, Some("sha256=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
        }
    }
}
