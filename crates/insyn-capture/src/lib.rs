//! Capture (R2): one [`Connector`] interface, one module per platform. A connector speaks the
//! platform's real API shape through `reqwest` against a base URL (tests point it at 127.0.0.1).
//!
//! Evidence first (R2.4): every response comes back as a [`RawResponse`] with its exact bytes,
//! and the items parsed from it travel with it, so the caller stores the bytes before the items.
//! Errors carry the raw response too, so a failed fetch is evidence as well. A deletion needs
//! positive evidence: [`Lookup::Gone`] holds the platform's "not found" answer.
//!
//! Media (R2.2): each [`Batch`] names the media files of its items ([`MediaRef`]); the caller
//! downloads each at once with [`Connector::fetch_media`] and stores it by SHA-256 before the item.
//!
//! Implemented: Mastodon, Facebook Pages, Instagram, X, YouTube, LinkedIn Pages, Bluesky and
//! RSS/Atom feeds. Hiding and removing items on the platform: [`moderation`]. See docs/CAPTURE.md.

pub mod bluesky;
pub mod facebook;
pub mod feed;
mod graph;
mod html;
mod http;
pub mod instagram;
pub mod linkedin;
pub mod linkedin_webhook;
pub mod mastodon;
pub mod meta_webhook;
pub mod moderation;
pub mod x;
pub mod x_webhook;
pub mod youtube;
pub mod youtube_websub;

pub use html::html_to_text;

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use insyn_domain::{AccountId, CaptureItem, Platform};
use std::time::Duration;

/// Longest response body accepted (8 MiB); a larger one is refused, not cut.
pub const MAX_BODY_BYTES: usize = 8 << 20;

/// Most pages of one comment list followed per poll (a guard against a list that never ends).
pub const MAX_PAGES: usize = 200;

/// Largest media file downloaded (64 MiB); a larger one is a capture error, the item is kept.
pub const MAX_MEDIA_BYTES: usize = 64 << 20;

/// A platform response exactly as received. The URL never holds a token, nor does the body:
/// a token the platform echoes back (Graph's `paging.next`) is replaced by `REDACTED`.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub url: String,
    pub status: u16,
    pub media_type: String,
    pub fetched_at: DateTime<Utc>,
    pub body: Bytes,
}

/// The items parsed from one response, and the media files they carry.
#[derive(Debug, Clone)]
pub struct Batch {
    pub raw: RawResponse,
    pub items: Vec<CaptureItem>,
    /// Media to download before the items are stored, in item order.
    pub media: Vec<MediaRef>,
}

impl Batch {
    pub fn new(raw: RawResponse, items: Vec<CaptureItem>) -> Batch {
        Batch {
            raw,
            items,
            media: Vec::new(),
        }
    }
}

/// One media file of one item, as the platform links it (often a signed URL that expires).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaRef {
    /// The `platform_item_id` of the item the file belongs to.
    pub item: String,
    pub url: String,
}

/// What the caller knows of a record it asks a connector to look up.
#[derive(Debug, Clone)]
pub struct ItemRef {
    pub platform_item_id: String,
    pub kind: insyn_domain::ItemKind,
    pub parent_platform_id: Option<String>,
    pub thread_platform_id: Option<String>,
}

impl ItemRef {
    pub fn post(id: &str) -> ItemRef {
        ItemRef {
            platform_item_id: id.to_string(),
            kind: insyn_domain::ItemKind::Post,
            parent_platform_id: None,
            thread_platform_id: None,
        }
    }
}

/// One step of a poll: what was fetched and where to go on.
#[derive(Debug, Clone, Default)]
pub struct PollPage {
    pub batches: Vec<Batch>,
    /// Where the next page starts; `None` when this was the last.
    pub next_cursor: Option<String>,
}

/// The answer to a direct look-up of one item.
#[derive(Debug, Clone)]
pub enum Lookup {
    Present(Batch),
    /// The platform answered that the item does not exist (positive evidence of deletion).
    Gone(RawResponse),
    /// The platform answered, but the answer neither shows the item nor proves it gone (a web
    /// page that is still there, but no way to read one comment). The record is kept as it is.
    Unconfirmed(RawResponse),
}

/// The account a connector captures.
#[derive(Debug, Clone)]
pub struct Target {
    pub account_id: AccountId,
    /// The platform's id of the account; found with [`Connector::verify`] when empty.
    pub platform_account_id: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("the platform refused the token (HTTP {status}): reconnect the account")]
    Auth {
        status: u16,
        raw: Option<RawResponse>,
    },
    #[error("rate limited by the platform: try again in {} s", retry_after.as_secs())]
    RateLimited {
        retry_after: Duration,
        raw: Option<RawResponse>,
    },
    #[error("cannot reach the platform: {0}")]
    Unavailable(String),
    #[error("the platform answered HTTP {status}")]
    Unexpected {
        status: u16,
        raw: Option<RawResponse>,
    },
    #[error("the platform's answer could not be read: {message}")]
    Parse {
        message: String,
        raw: Option<RawResponse>,
    },
    #[error("{0}")]
    Config(String),
}

impl CaptureError {
    /// The response that caused the error, to be kept as evidence.
    pub fn raw(&self) -> Option<&RawResponse> {
        match self {
            CaptureError::Auth { raw, .. }
            | CaptureError::RateLimited { raw, .. }
            | CaptureError::Unexpected { raw, .. }
            | CaptureError::Parse { raw, .. } => raw.as_ref(),
            _ => None,
        }
    }
}

#[async_trait]
pub trait Connector: Send + Sync {
    fn platform(&self) -> Platform;
    /// Checks the token and returns the platform's id of the account it belongs to.
    async fn verify(&self) -> Result<String, CaptureError>;
    /// One page of the account's items, from `cursor` (`None`: the newest).
    async fn poll(&self, target: &Target, cursor: Option<&str>) -> Result<PollPage, CaptureError>;
    /// Fetches one item directly: present (maybe edited) or gone.
    async fn lookup(&self, target: &Target, item: &ItemRef) -> Result<Lookup, CaptureError>;
    /// Downloads one media file (at most [`MAX_MEDIA_BYTES`]); no token is sent to the media host.
    /// An expired or removed file (403, 404, 410) is [`CaptureError::Unexpected`] with the answer.
    async fn fetch_media(&self, media: &MediaRef) -> Result<RawResponse, CaptureError>;
}

/// A received item with the account and id filled in; the connector sets the rest.
pub(crate) fn base_item(target: &Target, platform_item_id: &str, pointer: String) -> CaptureItem {
    CaptureItem {
        account_id: target.account_id,
        platform_item_id: platform_item_id.to_string(),
        kind: insyn_domain::ItemKind::Post,
        direction: insyn_domain::Direction::Received,
        parent_platform_id: None,
        thread_platform_id: None,
        author_name: String::new(),
        author_platform_id: String::new(),
        available_at: chrono::Utc::now(),
        platform_time: None,
        text: String::new(),
        media: Vec::new(),
        raw_blob: None,
        raw_pointer: pointer,
    }
}

/// Direction and kind from whether the author is the account and whether the item answers one.
pub(crate) fn classify(
    item: &mut CaptureItem,
    own: bool,
    answers: Option<String>,
    thread: Option<String>,
) {
    item.direction = if own {
        insyn_domain::Direction::Created
    } else {
        insyn_domain::Direction::Received
    };
    item.kind = match (&answers, own) {
        (None, _) => insyn_domain::ItemKind::Post,
        (Some(_), true) => insyn_domain::ItemKind::Reply,
        (Some(_), false) => insyn_domain::ItemKind::Comment,
    };
    item.parent_platform_id = answers;
    item.thread_platform_id = thread;
}

/// The connector for an account's platform. `base_url` is the API's base (the instance for
/// Mastodon, the feed's address for [`Platform::Feed`]); `platform_id` is the account's platform
/// id where the connector needs it up front (LinkedIn: `urn:li:organization:…`).
pub fn connect(
    platform: Platform,
    base_url: &str,
    token: &str,
    platform_id: &str,
) -> Result<Box<dyn Connector>, CaptureError> {
    Ok(match platform {
        Platform::Mastodon => Box::new(mastodon::Mastodon::new(base_url, token)?),
        Platform::Facebook => Box::new(facebook::Facebook::new(base_url, token)?),
        Platform::Instagram => Box::new(instagram::Instagram::new(base_url, token)?),
        Platform::X => Box::new(x::X::new(base_url, token)?),
        Platform::Youtube => Box::new(youtube::Youtube::new(base_url, token)?),
        Platform::Linkedin => Box::new(linkedin::Linkedin::new(base_url, token, platform_id)?),
        Platform::Bluesky => Box::new(bluesky::Bluesky::new(base_url, token)?),
        Platform::Feed => Box::new(feed::Feed::new(base_url, Some(token))?),
    })
}
