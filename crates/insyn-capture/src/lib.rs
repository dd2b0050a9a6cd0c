//! Capture (R2): one [`Connector`] interface, one module per platform. A connector speaks the
//! platform's real API shape through `reqwest` against a base URL (tests point it at 127.0.0.1).
//!
//! Evidence first (R2.4): every response comes back as a [`RawResponse`] with its exact bytes,
//! and the items parsed from it travel with it, so the caller stores the bytes before the items.
//! Errors carry the raw response too, so a failed fetch is evidence as well. A deletion needs
//! positive evidence: [`Lookup::Gone`] holds the platform's "not found" answer.
//!
//! Implemented: Mastodon. The other platforms of R2.1 are open work (issue 3).

mod html;
pub mod mastodon;

pub use html::html_to_text;

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use insyn_domain::{AccountId, CaptureItem, Platform};
use std::time::Duration;

/// Longest response body accepted (8 MiB); a larger one is refused, not cut.
pub const MAX_BODY_BYTES: usize = 8 << 20;

/// A platform response exactly as received. The URL never holds a token.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub url: String,
    pub status: u16,
    pub media_type: String,
    pub fetched_at: DateTime<Utc>,
    pub body: Bytes,
}

/// The items parsed from one response.
#[derive(Debug, Clone)]
pub struct Batch {
    pub raw: RawResponse,
    pub items: Vec<CaptureItem>,
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
    async fn lookup(&self, target: &Target, platform_item_id: &str)
    -> Result<Lookup, CaptureError>;
}
