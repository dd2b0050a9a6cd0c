//! Meta webhooks (Facebook Pages, Instagram): the subscription handshake, the
//! `X-Hub-Signature-256` check over the raw body, and the deliveries parsed into what capture
//! does with them. Pure: no I/O; the app stores the verified body before acting on it.
//!
//! Push is a hint, poll is the truth: a delivery adds or edits the item it carries at once and a
//! `remove` is positive evidence of a deletion, but a scheduled poll still reconciles.
use hmac::{Hmac, Mac};
use insyn_domain::{AccountId, CaptureItem, Direction, ItemKind, Platform};
use serde::Deserialize;
use sha2::Sha256;

/// Larger deliveries are refused (Meta's are a few KB; batches stay well under this).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WebhookError {
    #[error("the delivery has no X-Hub-Signature-256 header")]
    MissingSignature,
    #[error("the X-Hub-Signature-256 header must be 'sha256=' and 64 hex digits")]
    MalformedSignature,
    #[error("the X-Hub-Signature-256 signature does not match the body")]
    BadSignature,
    #[error("the delivery is not a Meta webhook: {0}")]
    Malformed(String),
    #[error("the delivery is {0} bytes; at most {MAX_BODY_BYTES} are accepted")]
    TooLarge(usize),
}

/// Checks `header` (`sha256=<hex HMAC-SHA256(app_secret, body)>`) over the raw body, in
/// constant time.
pub fn verify_signature(
    app_secret: &[u8],
    body: &[u8],
    header: Option<&str>,
) -> Result<(), WebhookError> {
    let header = header.ok_or(WebhookError::MissingSignature)?.trim();
    let hex_sig = header
        .strip_prefix("sha256=")
        .ok_or(WebhookError::MalformedSignature)?;
    if hex_sig.len() != 64 {
        return Err(WebhookError::MalformedSignature);
    }
    let sig = hex::decode(hex_sig).map_err(|_| WebhookError::MalformedSignature)?;
    let mut mac =
        Hmac::<Sha256>::new_from_slice(app_secret).expect("HMAC takes a key of any length");
    mac.update(body);
    mac.verify_slice(&sig)
        .map_err(|_| WebhookError::BadSignature)
}

/// The signature header value for `body` (for tests and the fake platforms).
pub fn sign(app_secret: &[u8], body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(app_secret).expect("HMAC takes a key of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// The answer to Meta's subscription check (`GET ?hub.mode=subscribe&hub.verify_token=…&
/// hub.challenge=…`): the challenge, verbatim, when the token matches.
pub fn challenge<'a>(
    expected_token: &str,
    mode: Option<&str>,
    token: Option<&str>,
    challenge: Option<&'a str>,
) -> Option<&'a str> {
    use subtle::ConstantTimeEq;
    if mode != Some("subscribe") || expected_token.is_empty() {
        return None;
    }
    if !bool::from(token?.as_bytes().ct_eq(expected_token.as_bytes())) {
        return None;
    }
    challenge.filter(|c| !c.is_empty() && c.len() <= 256)
}

/// One delivery: for each entry, the page or Instagram account it concerns and what happened.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// Facebook (`object: page`) or Instagram (`object: instagram`).
    pub platform: Platform,
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The page id or Instagram account id the entry is for (the account's platform id).
    pub target: String,
    pub events: Vec<Event>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// An item added or edited: store it (a changed text becomes a new version).
    Upsert(Pushed),
    /// The platform says the item was removed: positive evidence of a deletion.
    Removed {
        platform_item_id: String,
        pointer: String,
    },
    /// Something that is not a record (a like, a hide, a mention without text); kept only in the
    /// stored delivery.
    Ignored { what: String, pointer: String },
}

/// An item carried by a delivery, before it is tied to an account.
#[derive(Debug, Clone, PartialEq)]
pub struct Pushed {
    pub platform_item_id: String,
    pub kind: ItemKind,
    pub direction: Direction,
    pub parent_platform_id: Option<String>,
    pub thread_platform_id: Option<String>,
    pub author_name: String,
    pub author_platform_id: String,
    pub platform_time: Option<chrono::DateTime<chrono::Utc>>,
    pub text: String,
    /// JSON pointer into the delivery.
    pub pointer: String,
}

impl Pushed {
    /// The item as capture stores it for `account`.
    pub fn into_item(self, account: AccountId) -> CaptureItem {
        CaptureItem {
            account_id: account,
            platform_item_id: self.platform_item_id,
            kind: self.kind,
            direction: self.direction,
            parent_platform_id: self.parent_platform_id,
            thread_platform_id: self.thread_platform_id,
            author_name: self.author_name,
            author_platform_id: self.author_platform_id,
            available_at: chrono::Utc::now(),
            platform_time: self.platform_time,
            text: self.text,
            media: Vec::new(),
            raw_blob: None,
            raw_pointer: self.pointer,
        }
    }
}

#[derive(Deserialize)]
struct RawDelivery {
    object: String,
    #[serde(default)]
    entry: Vec<RawEntry>,
}

#[derive(Deserialize)]
struct RawEntry {
    id: String,
    #[serde(default)]
    changes: Vec<RawChange>,
    #[serde(default)]
    messaging: Vec<RawMessaging>,
}

#[derive(Deserialize)]
struct RawChange {
    field: String,
    #[serde(default)]
    value: serde_json::Value,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FeedValue {
    item: String,
    verb: String,
    post_id: Option<String>,
    comment_id: Option<String>,
    parent_id: Option<String>,
    created_time: Option<serde_json::Value>,
    from: Option<From>,
    message: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct From {
    id: String,
    name: Option<String>,
    username: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct IgComment {
    id: String,
    text: Option<String>,
    from: Option<From>,
    media: Option<IgMedia>,
    parent_id: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct IgMedia {
    id: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawMessaging {
    sender: Option<Party>,
    recipient: Option<Party>,
    timestamp: Option<i64>,
    message: Option<RawMessage>,
    message_edit: Option<RawMessageEdit>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Party {
    id: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawMessage {
    mid: String,
    text: Option<String>,
    is_echo: bool,
    is_deleted: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawMessageEdit {
    mid: String,
    text: Option<String>,
}

/// Reads a delivery. Unknown fields and unknown change fields are kept in the stored body and
/// reported as [`Event::Ignored`]; a body that is not a Meta envelope is an error.
pub fn parse(body: &[u8]) -> Result<Delivery, WebhookError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(WebhookError::TooLarge(body.len()));
    }
    let raw: RawDelivery =
        serde_json::from_slice(body).map_err(|e| WebhookError::Malformed(e.to_string()))?;
    let platform = match raw.object.as_str() {
        "page" => Platform::Facebook,
        "instagram" => Platform::Instagram,
        other => {
            return Err(WebhookError::Malformed(format!(
                "object '{other}' is neither 'page' nor 'instagram'"
            )));
        }
    };
    let entries = raw
        .entry
        .into_iter()
        .enumerate()
        .map(|(e, entry)| {
            let mut events = Vec::new();
            for (c, change) in entry.changes.into_iter().enumerate() {
                let pointer = format!("/entry/{e}/changes/{c}/value");
                events.push(match (platform, change.field.as_str()) {
                    (Platform::Facebook, "feed") => feed_event(&entry.id, change.value, pointer),
                    (Platform::Instagram, "comments" | "live_comments") => {
                        ig_comment_event(&entry.id, change.value, pointer)
                    }
                    (_, field) => Event::Ignored {
                        what: format!("change field '{field}'"),
                        pointer,
                    },
                });
            }
            for (m, messaging) in entry.messaging.into_iter().enumerate() {
                let pointer = format!("/entry/{e}/messaging/{m}");
                events.push(message_event(&entry.id, messaging, pointer));
            }
            Entry {
                target: entry.id,
                events,
            }
        })
        .collect();
    Ok(Delivery { platform, entries })
}

fn unix_time(v: &serde_json::Value) -> Option<chrono::DateTime<chrono::Utc>> {
    match v {
        serde_json::Value::Number(n) => chrono::DateTime::from_timestamp(n.as_i64()?, 0),
        serde_json::Value::String(s) => chrono::DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.to_utc())
            .or_else(|| chrono::DateTime::from_timestamp(s.parse().ok()?, 0)),
        _ => None,
    }
}

fn feed_event(page: &str, value: serde_json::Value, pointer: String) -> Event {
    let Ok(v) = serde_json::from_value::<FeedValue>(value) else {
        return Event::Ignored {
            what: "a feed change that could not be read".into(),
            pointer,
        };
    };
    let (id, answers, thread) = match v.item.as_str() {
        "comment" | "reply" => match (&v.comment_id, &v.post_id) {
            (Some(c), Some(p)) => (
                c.clone(),
                Some(v.parent_id.clone().unwrap_or_else(|| p.clone())),
                Some(p.clone()),
            ),
            _ => {
                return Event::Ignored {
                    what: "a comment change without comment_id and post_id".into(),
                    pointer,
                };
            }
        },
        "status" | "post" | "photo" | "video" | "share" | "event" => match &v.post_id {
            Some(p) => (p.clone(), None, Some(p.clone())),
            None => {
                return Event::Ignored {
                    what: format!("a {} change without post_id", v.item),
                    pointer,
                };
            }
        },
        other => {
            return Event::Ignored {
                what: format!("feed item '{other}' ({})", v.verb),
                pointer,
            };
        }
    };
    match v.verb.as_str() {
        "remove" => Event::Removed {
            platform_item_id: id,
            pointer,
        },
        "add" | "edited" | "edit" => {
            let own = v.from.as_ref().is_some_and(|f| f.id == page);
            let Some(text) = v.message else {
                // a photo without a caption, or a change without the text: the poll fetches it
                return Event::Ignored {
                    what: format!("{} {} without a message", v.item, v.verb),
                    pointer,
                };
            };
            Event::Upsert(pushed(
                id,
                own,
                answers,
                thread,
                v.from.as_ref(),
                v.created_time.as_ref().and_then(unix_time),
                text,
                pointer,
            ))
        }
        verb => Event::Ignored {
            // hide/unhide/block: hidden is not deleted; the record stays as it is
            what: format!("{} {verb}", v.item),
            pointer,
        },
    }
}

fn ig_comment_event(account: &str, value: serde_json::Value, pointer: String) -> Event {
    let Ok(c) = serde_json::from_value::<IgComment>(value) else {
        return Event::Ignored {
            what: "an Instagram comment that could not be read".into(),
            pointer,
        };
    };
    if c.id.is_empty() {
        return Event::Ignored {
            what: "an Instagram comment without an id".into(),
            pointer,
        };
    }
    let media = c.media.map(|m| m.id).filter(|m| !m.is_empty());
    let own = c.from.as_ref().is_some_and(|f| f.id == account);
    let answers = c.parent_id.clone().or_else(|| media.clone());
    Event::Upsert(pushed(
        c.id,
        own,
        answers,
        media,
        c.from.as_ref(),
        None,
        c.text.unwrap_or_default(),
        pointer,
    ))
}

fn message_event(page: &str, m: RawMessaging, pointer: String) -> Event {
    let sender = m.sender.map(|p| p.id).unwrap_or_default();
    let recipient = m.recipient.map(|p| p.id).unwrap_or_default();
    let time = m
        .timestamp
        .and_then(chrono::DateTime::from_timestamp_millis);
    let (mid, text, echo) = if let Some(msg) = m.message {
        if msg.is_deleted {
            return Event::Removed {
                platform_item_id: msg.mid,
                pointer,
            };
        }
        (msg.mid, msg.text, msg.is_echo)
    } else if let Some(edit) = m.message_edit {
        (edit.mid, edit.text, sender == page)
    } else {
        return Event::Ignored {
            what: "a messaging event that is not a message (read, delivery, reaction)".into(),
            pointer,
        };
    };
    if mid.is_empty() {
        return Event::Ignored {
            what: "a message without mid".into(),
            pointer,
        };
    }
    let own = echo || sender == page;
    // the conversation is named by the other party
    let other = if own { recipient } else { sender.clone() };
    let author = From {
        id: sender,
        name: None,
        username: None,
    };
    let mut p = pushed(
        mid,
        own,
        None,
        Some(format!("conversation:{other}")),
        Some(&author),
        time,
        text.unwrap_or_default(),
        pointer,
    );
    p.kind = ItemKind::Message;
    Event::Upsert(p)
}

#[allow(clippy::too_many_arguments)]
fn pushed(
    id: String,
    own: bool,
    answers: Option<String>,
    thread: Option<String>,
    from: Option<&From>,
    platform_time: Option<chrono::DateTime<chrono::Utc>>,
    text: String,
    pointer: String,
) -> Pushed {
    let kind = match (&answers, own) {
        (None, _) => ItemKind::Post,
        (Some(_), true) => ItemKind::Reply,
        (Some(_), false) => ItemKind::Comment,
    };
    Pushed {
        platform_item_id: id,
        kind,
        direction: if own {
            Direction::Created
        } else {
            Direction::Received
        },
        parent_platform_id: answers,
        thread_platform_id: thread,
        author_name: from
            .and_then(|f| f.name.clone().or_else(|| f.username.clone()))
            .unwrap_or_default(),
        author_platform_id: from.map(|f| f.id.clone()).unwrap_or_default(),
        platform_time,
        text,
        pointer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"appsecret-ekbacka";

    #[test]
    fn signature_matches_an_independent_hmac() {
        // `printf '%s' BODY | openssl dgst -sha256 -hmac appsecret-ekbacka`
        let body = br#"{"object":"page","entry":[]}"#;
        let expected = "sha256=be54975bd24624200845c634d530eef63c94a69b39bb5b9ac424eb834351fe2b";
        assert_eq!(sign(SECRET, body), expected);
        assert!(verify_signature(SECRET, body, Some(expected)).is_ok());
        // upper-case hex, as some senders write it
        assert!(
            verify_signature(
                SECRET,
                body,
                Some(&expected.to_uppercase().replace("SHA256=", "sha256="))
            )
            .is_ok()
        );
    }

    #[test]
    fn signature_over_the_raw_body() {
        let body = br#"{"object":"page","entry":[]}"#;
        let sig = sign(SECRET, body);
        assert!(verify_signature(SECRET, body, Some(&sig)).is_ok());
        // one byte changed, another secret, no header, a bad header
        assert_eq!(
            verify_signature(SECRET, br#"{"object":"page","entry":[ ]}"#, Some(&sig)),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify_signature(b"other", body, Some(&sig)),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify_signature(SECRET, body, None),
            Err(WebhookError::MissingSignature)
        );
        for bad in ["sha1=abcd", "sha256=xyz", "sha256=", &sig[..70]] {
            assert_eq!(
                verify_signature(SECRET, body, Some(bad)),
                Err(WebhookError::MalformedSignature),
                "{bad}"
            );
        }
    }

    #[test]
    fn handshake_echoes_the_challenge_only_for_the_right_token() {
        let ok = challenge(
            "token-1",
            Some("subscribe"),
            Some("token-1"),
            Some("1158201444"),
        );
        assert_eq!(ok, Some("1158201444"));
        assert_eq!(
            challenge("token-1", Some("subscribe"), Some("token-2"), Some("x")),
            None
        );
        assert_eq!(
            challenge("token-1", Some("unsubscribe"), Some("token-1"), Some("x")),
            None
        );
        assert_eq!(challenge("", Some("subscribe"), Some(""), Some("x")), None);
        assert_eq!(
            challenge("token-1", Some("subscribe"), Some("token-1"), None),
            None
        );
    }

    #[test]
    fn feed_changes_become_upserts_and_removals() {
        let body = br#"{"object":"page","entry":[{"id":"1001","time":1700000000,"changes":[
            {"field":"feed","value":{"item":"comment","verb":"add","comment_id":"1001_5_7","post_id":"1001_5","parent_id":"1001_5","created_time":1700000000,"from":{"id":"42","name":"Greta Gran"},"message":"Varf\u00f6r \u00e4r biblioteket st\u00e4ngt?"}},
            {"field":"feed","value":{"item":"comment","verb":"edited","comment_id":"1001_5_8","post_id":"1001_5","parent_id":"1001_5_7","from":{"id":"1001","name":"Ekbacka kommun"},"message":"Det \u00f6ppnar igen p\u00e5 m\u00e5ndag."}},
            {"field":"feed","value":{"item":"comment","verb":"remove","comment_id":"1001_5_9","post_id":"1001_5"}},
            {"field":"feed","value":{"item":"reaction","verb":"add","post_id":"1001_5","reaction_type":"like"}},
            {"field":"feed","value":{"item":"comment","verb":"hide","comment_id":"1001_5_7","post_id":"1001_5"}},
            {"field":"feed","value":{"item":"status","verb":"add","post_id":"1001_6","from":{"id":"1001","name":"Ekbacka kommun"},"message":"Nu \u00f6ppnar badhuset"}}
        ]}]}"#;
        let d = parse(body).unwrap();
        assert_eq!(d.platform, Platform::Facebook);
        let ev = &d.entries[0].events;
        assert_eq!(d.entries[0].target, "1001");
        let Event::Upsert(c) = &ev[0] else {
            panic!("{ev:?}")
        };
        assert_eq!(
            (c.platform_item_id.as_str(), c.kind, c.direction),
            ("1001_5_7", ItemKind::Comment, Direction::Received)
        );
        assert_eq!(c.text, "Varför är biblioteket stängt?");
        assert_eq!(c.author_name, "Greta Gran");
        assert_eq!(c.thread_platform_id.as_deref(), Some("1001_5"));
        assert_eq!(c.pointer, "/entry/0/changes/0/value");
        assert!(c.platform_time.is_some());
        let Event::Upsert(r) = &ev[1] else { panic!() };
        assert_eq!((r.kind, r.direction), (ItemKind::Reply, Direction::Created));
        assert_eq!(r.parent_platform_id.as_deref(), Some("1001_5_7"));
        assert_eq!(
            ev[2],
            Event::Removed {
                platform_item_id: "1001_5_9".into(),
                pointer: "/entry/0/changes/2/value".into()
            }
        );
        assert!(matches!(ev[3], Event::Ignored { .. }));
        assert!(
            matches!(ev[4], Event::Ignored { .. }),
            "hidden is not deleted"
        );
        let Event::Upsert(p) = &ev[5] else { panic!() };
        assert_eq!((p.kind, p.direction), (ItemKind::Post, Direction::Created));
    }

    #[test]
    fn instagram_comments_and_messages() {
        let body = br#"{"object":"instagram","entry":[{"id":"17841","time":1,"changes":[
            {"field":"comments","value":{"id":"1790","text":"Fin bild!","from":{"id":"99","username":"sara.l"},"media":{"id":"1788"}}},
            {"field":"mentions","value":{"media_id":"1","comment_id":"2"}}
        ],"messaging":[
            {"sender":{"id":"99"},"recipient":{"id":"17841"},"timestamp":1700000000000,"message":{"mid":"m_1","text":"Hej, n\u00e4r \u00f6ppnar ni?"}},
            {"sender":{"id":"17841"},"recipient":{"id":"99"},"timestamp":1700000060000,"message":{"mid":"m_2","text":"Klockan nio.","is_echo":true}},
            {"sender":{"id":"99"},"recipient":{"id":"17841"},"timestamp":1700000090000,"message_edit":{"mid":"m_1","text":"Hej, n\u00e4r st\u00e4nger ni?","num_edit":1}},
            {"sender":{"id":"99"},"recipient":{"id":"17841"},"read":{"mid":"m_2"}}
        ]}]}"#;
        let d = parse(body).unwrap();
        assert_eq!(d.platform, Platform::Instagram);
        let ev = &d.entries[0].events;
        let Event::Upsert(c) = &ev[0] else {
            panic!("{ev:?}")
        };
        assert_eq!(c.author_name, "sara.l");
        assert_eq!(c.parent_platform_id.as_deref(), Some("1788"));
        assert!(matches!(ev[1], Event::Ignored { .. }));
        let Event::Upsert(m) = &ev[2] else { panic!() };
        assert_eq!(
            (m.kind, m.direction),
            (ItemKind::Message, Direction::Received)
        );
        assert_eq!(m.thread_platform_id.as_deref(), Some("conversation:99"));
        let Event::Upsert(echo) = &ev[3] else {
            panic!()
        };
        assert_eq!(echo.direction, Direction::Created);
        assert_eq!(echo.thread_platform_id.as_deref(), Some("conversation:99"));
        let Event::Upsert(edit) = &ev[4] else {
            panic!()
        };
        assert_eq!(
            (edit.platform_item_id.as_str(), edit.text.as_str()),
            ("m_1", "Hej, när stänger ni?")
        );
        assert!(matches!(ev[5], Event::Ignored { .. }));
    }

    #[test]
    fn bad_bodies_are_clear_errors() {
        for body in [
            &b""[..],
            b"{",
            b"[]",
            b"{\"entry\":[]}",
            b"{\"object\":\"user\",\"entry\":[]}",
            b"{\"object\":\"page\",\"entry\":[{\"changes\":[]}]}",
        ] {
            assert!(
                matches!(parse(body), Err(WebhookError::Malformed(_))),
                "{body:?}"
            );
        }
        let big = vec![b' '; MAX_BODY_BYTES + 1];
        assert_eq!(parse(&big), Err(WebhookError::TooLarge(MAX_BODY_BYTES + 1)));
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(body in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = parse(&body);
        }

        #[test]
        fn parse_never_panics_on_envelopes(field in "[a-z_]{0,10}", value in "\\PC{0,80}") {
            let body = format!(
                r#"{{"object":"page","entry":[{{"id":"1","changes":[{{"field":"{}","value":{}}}]}}]}}"#,
                field,
                serde_json::to_string(&value).unwrap()
            );
            let d = parse(body.as_bytes()).unwrap();
            proptest::prop_assert_eq!(d.entries[0].events.len(), 1);
        }
    }
}
