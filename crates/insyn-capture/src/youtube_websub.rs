//! YouTube's push channel: WebSub (PubSubHubbub) notifications for a channel's videos.
//!
//! The hub checks a subscription with `GET ?hub.mode=subscribe&hub.topic=…&hub.challenge=…`
//! (the challenge is echoed); notifications are Atom documents posted to the callback, signed
//! `X-Hub-Signature: sha1=<hex HMAC-SHA1(secret, body)>` when the subscription gave a secret.
//! A notification names a video that was published or changed (`yt:videoId`, `yt:channelId`,
//! title, times — not the description or the comments, so the account is polled for the item)
//! or one that was deleted (`at:deleted-entry ref="yt:video:ID"`, positive evidence).
use crate::feed::{Node, parse_xml};
use chrono::{DateTime, Utc};
use hmac013::{Hmac, KeyInit, Mac};
use sha1::Sha1;

/// The largest notification accepted (a hub sends one entry, a few KB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WebSubError {
    #[error("the notification has no X-Hub-Signature header")]
    MissingSignature,
    #[error("the X-Hub-Signature header must be 'sha1=' and 40 hex digits")]
    MalformedSignature,
    #[error("the X-Hub-Signature signature does not match the body")]
    BadSignature,
    #[error("the notification is not a YouTube Atom feed: {0}")]
    Malformed(String),
}

/// Checks `header` (`sha1=<hex HMAC-SHA1(secret, body)>`) over the raw body, in constant time.
pub fn verify_signature(
    secret: &[u8],
    body: &[u8],
    header: Option<&str>,
) -> Result<(), WebSubError> {
    let header = header.ok_or(WebSubError::MissingSignature)?.trim();
    let hex_sig = header
        .strip_prefix("sha1=")
        .filter(|h| h.len() == 40)
        .ok_or(WebSubError::MalformedSignature)?;
    let sig = hex::decode(hex_sig).map_err(|_| WebSubError::MalformedSignature)?;
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(secret)
        .map_err(|_| WebSubError::MalformedSignature)?;
    mac.update(body);
    mac.verify_slice(&sig)
        .map_err(|_| WebSubError::BadSignature)
}

/// The header value for `body` (for tests and the stand-in hub).
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(body);
    format!("sha1={}", hex::encode(mac.finalize().into_bytes()))
}

/// The channel a topic URL names (`https://www.youtube.com/xml/feeds/videos.xml?channel_id=…`).
pub fn topic_channel(topic: &str) -> Option<&str> {
    let (base, query) = topic.split_once('?')?;
    if !base.ends_with("/xml/feeds/videos.xml") {
        return None;
    }
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("channel_id="))
        .filter(|c| {
            !c.is_empty()
                && c.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
        })
}

/// The answer to the hub's check: the challenge, verbatim, for a subscribe or unsubscribe of a
/// channel's video feed that `known` accepts.
pub fn challenge<'a>(
    mode: Option<&str>,
    topic: Option<&str>,
    challenge: Option<&'a str>,
    known: impl Fn(&str) -> bool,
) -> Option<&'a str> {
    if !matches!(mode, Some("subscribe") | Some("unsubscribe")) {
        return None;
    }
    let channel = topic_channel(topic?)?;
    let challenge = challenge.filter(|c| !c.is_empty())?;
    known(channel).then_some(challenge)
}

/// One change a notification announces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A video published or changed: poll the channel for it.
    Video {
        video_id: String,
        channel_id: String,
        title: String,
        published: Option<DateTime<Utc>>,
        /// Where in the stored notification (`/entry/N`).
        pointer: String,
    },
    /// A video deleted, with the time the hub gives.
    Deleted {
        video_id: String,
        channel_id: Option<String>,
        when: Option<DateTime<Utc>>,
        pointer: String,
    },
}

/// Reads a notification; malformed XML or a document that is not an Atom feed is an error,
/// never a panic.
pub fn parse(body: &[u8]) -> Result<Vec<Change>, WebSubError> {
    let feed = parse_xml(body).map_err(WebSubError::Malformed)?;
    if local(&feed.name) != "feed" {
        return Err(WebSubError::Malformed(format!(
            "the root element is <{}>, not <feed>",
            feed.name
        )));
    }
    let time = |t: Option<String>| {
        t.and_then(|t| DateTime::parse_from_rfc3339(t.trim()).ok())
            .map(|t| t.with_timezone(&Utc))
    };
    let mut out = Vec::new();
    for (n, node) in feed.children.iter().enumerate() {
        match local(&node.name) {
            "entry" => {
                let video_id = text(node, "videoId").ok_or_else(|| {
                    WebSubError::Malformed(format!("entry {n} has no yt:videoId"))
                })?;
                let channel_id = text(node, "channelId").ok_or_else(|| {
                    WebSubError::Malformed(format!("entry {n} has no yt:channelId"))
                })?;
                out.push(Change::Video {
                    video_id,
                    channel_id,
                    title: text(node, "title").unwrap_or_default(),
                    published: time(text(node, "published")),
                    pointer: format!("/feed/{n}"),
                });
            }
            "deleted-entry" => {
                let reference = attr(node, "ref").unwrap_or_default();
                let video_id = reference
                    .strip_prefix("yt:video:")
                    .filter(|v| !v.is_empty())
                    .ok_or_else(|| {
                        WebSubError::Malformed(format!(
                            "deleted entry {n} does not name a video (ref '{reference}')"
                        ))
                    })?;
                let channel_id = node
                    .children
                    .iter()
                    .find(|c| local(&c.name) == "by")
                    .and_then(|by| text(by, "uri"))
                    .and_then(|uri| uri.rsplit('/').next().map(str::to_string));
                out.push(Change::Deleted {
                    video_id: video_id.to_string(),
                    channel_id,
                    when: time(attr(node, "when").map(str::to_string)),
                    pointer: format!("/feed/{n}"),
                });
            }
            _ => {}
        }
    }
    Ok(out)
}

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

fn text(node: &Node, name: &str) -> Option<String> {
    node.children
        .iter()
        .find(|c| local(&c.name) == name)
        .map(|c| c.text.trim().to_string())
        .filter(|t| !t.is_empty())
}

fn attr<'a>(node: &'a Node, name: &str) -> Option<&'a str> {
    node.attrs
        .iter()
        .find(|(k, _)| local(k) == name)
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NOTE: &str = r#"<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" xmlns="http://www.w3.org/2005/Atom">
  <link rel="hub" href="https://pubsubhubbub.appspot.com"/>
  <title>YouTube video feed</title>
  <entry>
    <id>yt:video:VIDEO_ID_1</id>
    <yt:videoId>VIDEO_ID_1</yt:videoId>
    <yt:channelId>UCkanal123</yt:channelId>
    <title>Så fungerar sophämtningen</title>
    <link rel="alternate" href="https://www.youtube.com/watch?v=VIDEO_ID_1"/>
    <published>2026-11-20T09:00:00+00:00</published>
    <updated>2026-11-20T09:05:00.123+00:00</updated>
  </entry>
</feed>"#;

    const GONE: &str = r#"<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:at="http://purl.org/atompub/tombstones/1.0" xmlns="http://www.w3.org/2005/Atom">
  <at:deleted-entry ref="yt:video:VIDEO_ID_2" when="2026-11-21T10:00:00+00:00">
    <link href="https://www.youtube.com/watch?v=VIDEO_ID_2"/>
    <at:by><name>Ekbacka kommun</name><uri>https://www.youtube.com/channel/UCkanal123</uri></at:by>
  </at:deleted-entry>
</feed>"#;

    #[test]
    fn a_notification_names_the_video_and_its_channel() {
        let changes = parse(NOTE.as_bytes()).unwrap();
        assert_eq!(changes.len(), 1);
        let Change::Video {
            video_id,
            channel_id,
            title,
            published,
            ..
        } = &changes[0]
        else {
            panic!("{changes:?}")
        };
        assert_eq!(
            (video_id.as_str(), channel_id.as_str()),
            ("VIDEO_ID_1", "UCkanal123")
        );
        assert_eq!(title, "Så fungerar sophämtningen");
        assert!(published.is_some());
    }

    #[test]
    fn a_tombstone_is_a_deletion_with_its_time() {
        let changes = parse(GONE.as_bytes()).unwrap();
        assert!(
            matches!(&changes[0], Change::Deleted { video_id, channel_id: Some(c), when: Some(_), .. }
            if video_id == "VIDEO_ID_2" && c == "UCkanal123")
        );
    }

    #[test]
    fn signatures_are_checked_over_the_raw_body() {
        let sig = sign(b"hemlig", NOTE.as_bytes());
        assert_eq!(
            verify_signature(b"hemlig", NOTE.as_bytes(), Some(&sig)),
            Ok(())
        );
        assert_eq!(
            verify_signature(b"annan", NOTE.as_bytes(), Some(&sig)),
            Err(WebSubError::BadSignature)
        );
        assert_eq!(
            verify_signature(b"hemlig", b"changed", Some(&sig)),
            Err(WebSubError::BadSignature)
        );
        assert_eq!(
            verify_signature(b"hemlig", b"x", None),
            Err(WebSubError::MissingSignature)
        );
        assert_eq!(
            verify_signature(b"hemlig", b"x", Some("sha256=00")),
            Err(WebSubError::MalformedSignature)
        );
    }

    #[test]
    fn the_hub_check_echoes_only_for_a_known_channel_feed() {
        let topic = "https://www.youtube.com/xml/feeds/videos.xml?channel_id=UCkanal123";
        let known = |c: &str| c == "UCkanal123";
        assert_eq!(
            challenge(Some("subscribe"), Some(topic), Some("abc"), known),
            Some("abc")
        );
        assert_eq!(
            challenge(Some("unsubscribe"), Some(topic), Some("abc"), known),
            Some("abc")
        );
        assert_eq!(
            challenge(Some("denied"), Some(topic), Some("abc"), known),
            None
        );
        assert_eq!(
            challenge(
                Some("subscribe"),
                Some("https://evil.example/?channel_id=UCkanal123"),
                Some("abc"),
                known
            ),
            None
        );
        let other = "https://www.youtube.com/xml/feeds/videos.xml?channel_id=UCannan";
        assert_eq!(
            challenge(Some("subscribe"), Some(other), Some("abc"), known),
            None
        );
        assert_eq!(challenge(Some("subscribe"), Some(topic), None, known), None);
    }

    #[test]
    fn bad_notifications_are_clear_errors() {
        assert!(
            matches!(parse(b"<feed><entry><title>x</title></entry></feed>"), Err(WebSubError::Malformed(m)) if m.contains("videoId"))
        );
        assert!(matches!(
            parse(b"not xml <"),
            Err(WebSubError::Malformed(_))
        ));
        assert!(matches!(parse(b"<html/>"), Err(WebSubError::Malformed(m)) if m.contains("feed")));
    }

    proptest! {
        #[test]
        fn any_bytes_parse_or_fail_without_panicking(body in proptest::collection::vec(any::<u8>(), 0..2000)) {
            let _ = parse(&body);
            let _ = verify_signature(b"k", &body, Some("sha1=0000000000000000000000000000000000000000"));
        }
    }
}
