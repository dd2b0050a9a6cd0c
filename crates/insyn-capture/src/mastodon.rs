//! Mastodon (REST API v1): the authority's own statuses (upprättade) page by page through the
//! `Link` header, each status's replies through `/context` (others' replies are inkomna), then
//! the mentions of the account (`/notifications?types[]=mention`) and its direct messages
//! (`/conversations`, each conversation's whole thread through `/context`), and direct look-ups
//! for edits and deletions (`404` is the evidence).
//!
//! A pass walks three listings one after the other; the cursor is always the next URL to read,
//! and its path says which listing it belongs to.
use crate::{
    Batch, CaptureError, Connector, ItemRef, Lookup, MAX_BODY_BYTES, MediaRef, PollPage,
    RawResponse, Target,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use insyn_domain::{CaptureItem, Direction, ItemKind, Platform};
use serde::Deserialize;
use std::time::Duration;

/// Statuses per page (Mastodon's maximum is 40).
const PAGE_LIMIT: u32 = 40;

pub struct Mastodon {
    base: url::Url,
    token: String,
    http: reqwest::Client,
    media: crate::http::Http,
}

impl std::fmt::Debug for Mastodon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mastodon")
            .field("base", &self.base.as_str())
            .field("token", &"***")
            .finish()
    }
}

#[derive(Deserialize)]
struct Account {
    id: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    username: String,
}

#[derive(Deserialize)]
struct Status {
    id: String,
    created_at: DateTime<Utc>,
    #[serde(default)]
    in_reply_to_id: Option<String>,
    #[serde(default)]
    visibility: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    spoiler_text: String,
    account: Account,
    #[serde(default)]
    media_attachments: Vec<Attachment>,
}

#[derive(Deserialize)]
struct Attachment {
    #[serde(default)]
    url: Option<String>,
}

#[derive(Deserialize)]
struct Context {
    #[serde(default)]
    ancestors: Vec<Status>,
    #[serde(default)]
    descendants: Vec<Status>,
}

/// One notification; only `mention`s are asked for, and only their status is used.
#[derive(Deserialize)]
struct Notification {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    status: Option<Status>,
}

/// One direct-message conversation (`/api/v1/conversations`).
#[derive(Deserialize)]
struct Conversation {
    #[serde(default)]
    last_status: Option<Status>,
}

/// Which listing a cursor URL belongs to.
#[derive(Debug, PartialEq, Eq)]
enum Listing {
    Statuses,
    Mentions,
    Conversations,
}

fn listing_of(url: &url::Url) -> Listing {
    match url.path() {
        p if p.ends_with("/api/v1/notifications") => Listing::Mentions,
        p if p.ends_with("/api/v1/conversations") => Listing::Conversations,
        _ => Listing::Statuses,
    }
}

impl Mastodon {
    /// `base`: the instance, e.g. `https://social.ekbacka.se`; `token`: an access token with
    /// `read` scope.
    pub fn new(base: &str, token: &str) -> Result<Mastodon, CaptureError> {
        let base = url::Url::parse(base)
            .map_err(|e| CaptureError::Config(format!("base URL '{base}': {e}")))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(CaptureError::Config(format!(
                "base URL '{base}' must be http or https"
            )));
        }
        if token.trim().is_empty() {
            return Err(CaptureError::Config("the access token is empty".into()));
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("insyn/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CaptureError::Config(e.to_string()))?;
        Ok(Mastodon {
            media: crate::http::Http::new(base.as_str())?,
            base,
            token: token.trim().to_string(),
            http,
        })
    }

    fn url(&self, path: &str) -> Result<url::Url, CaptureError> {
        self.base
            .join(path)
            .map_err(|e| CaptureError::Config(e.to_string()))
    }

    /// GET with the token; the body is kept whatever the status.
    async fn get(&self, url: url::Url) -> Result<(RawResponse, Option<String>), CaptureError> {
        let resp = self
            .http
            .get(url.clone())
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| {
                CaptureError::Unavailable(format!("{}: {e}", url.host_str().unwrap_or("?")))
            })?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let media_type = headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/octet-stream")
            .to_string();
        if resp
            .content_length()
            .is_some_and(|n| n as usize > MAX_BODY_BYTES)
        {
            return Err(CaptureError::Parse {
                message: format!("response over {MAX_BODY_BYTES} bytes"),
                raw: None,
            });
        }
        let body = resp
            .bytes()
            .await
            .map_err(|e| CaptureError::Unavailable(e.to_string()))?;
        if body.len() > MAX_BODY_BYTES {
            return Err(CaptureError::Parse {
                message: format!("response over {MAX_BODY_BYTES} bytes"),
                raw: None,
            });
        }
        let raw = RawResponse {
            url: url.to_string(),
            status,
            media_type,
            fetched_at: Utc::now(),
            body,
        };
        let next = headers
            .get(reqwest::header::LINK)
            .and_then(|v| v.to_str().ok())
            .and_then(next_link);
        match status {
            200..=299 | 404 => Ok((raw, next)),
            401 | 403 => Err(CaptureError::Auth {
                status,
                raw: Some(raw),
            }),
            429 => {
                let secs = headers
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .unwrap_or(60);
                Err(CaptureError::RateLimited {
                    retry_after: Duration::from_secs(secs),
                    raw: Some(raw),
                })
            }
            _ => Err(CaptureError::Unexpected {
                status,
                raw: Some(raw),
            }),
        }
    }

    fn parse<T: for<'de> Deserialize<'de>>(raw: &RawResponse) -> Result<T, CaptureError> {
        serde_json::from_slice(&raw.body).map_err(|e| CaptureError::Parse {
            message: format!("{}: {e}", raw.url),
            raw: Some(raw.clone()),
        })
    }

    fn item(target: &Target, s: &Status, thread: &str, pointer: String) -> CaptureItem {
        let own = s.account.id == target.platform_account_id;
        let mut text = crate::html_to_text(&s.content);
        if !s.spoiler_text.is_empty() {
            text = format!("{}\n\n{text}", s.spoiler_text);
        }
        let kind = match (&s.in_reply_to_id, s.visibility.as_str()) {
            (_, "direct") => ItemKind::Message,
            (None, _) => ItemKind::Post,
            (Some(_), _) if own => ItemKind::Reply,
            (Some(_), _) => ItemKind::Comment,
        };
        CaptureItem {
            account_id: target.account_id,
            platform_item_id: s.id.clone(),
            kind,
            direction: if own {
                Direction::Created
            } else {
                Direction::Received
            },
            parent_platform_id: s.in_reply_to_id.clone(),
            thread_platform_id: Some(thread.to_string()),
            author_name: if s.account.display_name.is_empty() {
                s.account.username.clone()
            } else {
                s.account.display_name.clone()
            },
            author_platform_id: s.account.id.clone(),
            available_at: Utc::now(),
            platform_time: Some(s.created_at),
            text,
            media: Vec::new(),
            raw_blob: None,
            raw_pointer: pointer,
        }
    }

    /// The first page of the mentions, then of the conversations.
    fn mentions_start(&self) -> Result<String, CaptureError> {
        let mut u = self.url("/api/v1/notifications")?;
        u.query_pairs_mut()
            .append_pair("types[]", "mention")
            .append_pair("limit", &PAGE_LIMIT.to_string());
        Ok(u.to_string())
    }

    fn conversations_start(&self) -> Result<String, CaptureError> {
        let mut u = self.url("/api/v1/conversations")?;
        u.query_pairs_mut()
            .append_pair("limit", &PAGE_LIMIT.to_string());
        Ok(u.to_string())
    }

    /// One page of the account's own statuses and the replies to each; after the last page,
    /// the mentions.
    async fn poll_statuses(
        &self,
        target: &Target,
        url: url::Url,
    ) -> Result<PollPage, CaptureError> {
        let (raw, next) = self.get(url).await?;
        let statuses: Vec<Status> = Self::parse(&raw)?;
        let items: Vec<CaptureItem> = statuses
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let thread = s.in_reply_to_id.clone().unwrap_or_else(|| s.id.clone());
                Self::item(target, s, &thread, format!("/{i}"))
            })
            .collect();
        let mut batches = vec![Batch {
            raw,
            items,
            media: media_of(&statuses),
        }];
        // each top-level status's replies
        for s in statuses.iter().filter(|s| s.in_reply_to_id.is_none()) {
            let (raw, _) = self
                .get(self.url(&format!("/api/v1/statuses/{}/context", s.id))?)
                .await?;
            if raw.status == 404 {
                continue; // deleted since the listing; the next pass looks it up
            }
            let ctx: Context = Self::parse(&raw)?;
            let items = ctx
                .descendants
                .iter()
                .enumerate()
                .map(|(i, d)| Self::item(target, d, &s.id, format!("/descendants/{i}")))
                .collect();
            batches.push(Batch {
                raw,
                items,
                media: media_of(&ctx.descendants),
            });
        }
        let next_cursor = match next.filter(|_| !statuses.is_empty()) {
            Some(next) => next,
            None => self.mentions_start()?,
        };
        Ok(PollPage {
            batches,
            next_cursor: Some(next_cursor),
        })
    }

    /// One page of statuses that mention the account (inkomna); direct messages are left to
    /// the conversations, which know their threads. After the last page, the conversations.
    async fn poll_mentions(
        &self,
        target: &Target,
        url: url::Url,
    ) -> Result<PollPage, CaptureError> {
        let (raw, next) = self.get(url).await?;
        let notifications: Vec<Notification> = Self::parse(&raw)?;
        let mentions: Vec<(usize, &Status)> = notifications
            .iter()
            .enumerate()
            .filter(|(_, n)| n.kind == "mention")
            .filter_map(|(i, n)| n.status.as_ref().map(|s| (i, s)))
            .filter(|(_, s)| s.visibility != "direct")
            .collect();
        let items = mentions
            .iter()
            .map(|(i, s)| {
                let thread = s.in_reply_to_id.clone().unwrap_or_else(|| s.id.clone());
                Self::item(target, s, &thread, format!("/{i}/status"))
            })
            .collect();
        let statuses: Vec<&Status> = mentions.iter().map(|(_, s)| *s).collect();
        let batch = Batch {
            raw,
            items,
            media: media_of_refs(&statuses),
        };
        let next_cursor = match next.filter(|_| !notifications.is_empty()) {
            Some(next) => next,
            None => self.conversations_start()?,
        };
        Ok(PollPage {
            batches: vec![batch],
            next_cursor: Some(next_cursor),
        })
    }

    /// One page of direct-message conversations, each read whole through its last status's
    /// `/context`; the thread of every message is the conversation's first status. The last
    /// listing of a pass.
    async fn poll_conversations(
        &self,
        target: &Target,
        url: url::Url,
    ) -> Result<PollPage, CaptureError> {
        let (raw, next) = self.get(url).await?;
        let conversations: Vec<Conversation> = Self::parse(&raw)?;
        let mut batches = Vec::with_capacity(conversations.len() + 1);
        let mut page_items = Vec::new();
        let mut page_statuses = Vec::new();
        for (i, c) in conversations.iter().enumerate() {
            let Some(last) = &c.last_status else {
                continue;
            };
            let (ctx_raw, _) = self
                .get(self.url(&format!("/api/v1/statuses/{}/context", last.id))?)
                .await?;
            if ctx_raw.status == 404 {
                continue; // deleted since the listing; the next pass looks it up
            }
            let ctx: Context = Self::parse(&ctx_raw)?;
            let root = ctx.ancestors.first().map_or(&last.id, |s| &s.id).clone();
            page_items.push(Self::item(target, last, &root, format!("/{i}/last_status")));
            page_statuses.push(last);
            let items =
                ctx.ancestors
                    .iter()
                    .enumerate()
                    .map(|(j, s)| Self::item(target, s, &root, format!("/ancestors/{j}")))
                    .chain(
                        ctx.descendants.iter().enumerate().map(|(j, s)| {
                            Self::item(target, s, &root, format!("/descendants/{j}"))
                        }),
                    )
                    .collect();
            let statuses: Vec<&Status> = ctx.ancestors.iter().chain(&ctx.descendants).collect();
            batches.push(Batch {
                raw: ctx_raw,
                items,
                media: media_of_refs(&statuses),
            });
        }
        batches.insert(
            0,
            Batch {
                raw,
                items: page_items,
                media: media_of_refs(&page_statuses),
            },
        );
        Ok(PollPage {
            batches,
            next_cursor: next.filter(|_| !conversations.is_empty()),
        })
    }
}

fn media_of(statuses: &[Status]) -> Vec<MediaRef> {
    media_of_refs(&statuses.iter().collect::<Vec<_>>())
}

fn media_of_refs(statuses: &[&Status]) -> Vec<MediaRef> {
    statuses
        .iter()
        .flat_map(|s| {
            s.media_attachments.iter().filter_map(|a| {
                a.url.as_ref().map(|u| MediaRef {
                    item: s.id.clone(),
                    url: u.clone(),
                })
            })
        })
        .collect()
}

/// The `rel="next"` URL of a `Link` header.
fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        params.contains("rel=\"next\"").then(|| {
            url.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
    })
}

#[async_trait]
impl Connector for Mastodon {
    fn platform(&self) -> Platform {
        Platform::Mastodon
    }

    async fn verify(&self) -> Result<String, CaptureError> {
        let (raw, _) = self
            .get(self.url("/api/v1/accounts/verify_credentials")?)
            .await?;
        if raw.status == 404 {
            return Err(CaptureError::Unexpected {
                status: 404,
                raw: Some(raw),
            });
        }
        Ok(Self::parse::<Account>(&raw)?.id)
    }

    async fn poll(&self, target: &Target, cursor: Option<&str>) -> Result<PollPage, CaptureError> {
        let url = match cursor {
            // only follow links to the same instance
            Some(c) => {
                let u =
                    url::Url::parse(c).map_err(|e| CaptureError::Config(format!("cursor: {e}")))?;
                if u.host_str() != self.base.host_str() {
                    return Err(CaptureError::Config(format!(
                        "the next page points to another host: {c}"
                    )));
                }
                u
            }
            None => {
                let mut u = self.url(&format!(
                    "/api/v1/accounts/{}/statuses",
                    target.platform_account_id
                ))?;
                u.query_pairs_mut()
                    .append_pair("limit", &PAGE_LIMIT.to_string());
                u
            }
        };
        match listing_of(&url) {
            Listing::Statuses => self.poll_statuses(target, url).await,
            Listing::Mentions => self.poll_mentions(target, url).await,
            Listing::Conversations => self.poll_conversations(target, url).await,
        }
    }

    async fn lookup(&self, target: &Target, item: &ItemRef) -> Result<Lookup, CaptureError> {
        let platform_item_id = item.platform_item_id.as_str();
        if platform_item_id.is_empty()
            || !platform_item_id.chars().all(|c| c.is_ascii_alphanumeric())
        {
            return Err(CaptureError::Config(format!(
                "'{platform_item_id}' is not a Mastodon status id"
            )));
        }
        let (raw, _) = self
            .get(self.url(&format!("/api/v1/statuses/{platform_item_id}"))?)
            .await?;
        if raw.status == 404 {
            return Ok(Lookup::Gone(raw));
        }
        let s: Status = Self::parse(&raw)?;
        let thread = s.in_reply_to_id.clone().unwrap_or_else(|| s.id.clone());
        let item = Self::item(target, &s, &thread, String::new());
        Ok(Lookup::Present(Batch {
            raw,
            items: vec![item],
            media: media_of(std::slice::from_ref(&s)),
        }))
    }

    async fn fetch_media(&self, media: &MediaRef) -> Result<RawResponse, CaptureError> {
        self.media.media(&media.url).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_header() {
        let h = r#"<http://127.0.0.1:9/api/v1/accounts/1/statuses?max_id=5&limit=2>; rel="next", <http://127.0.0.1:9/api/v1/accounts/1/statuses?min_id=9&limit=2>; rel="prev""#;
        assert_eq!(
            next_link(h).as_deref(),
            Some("http://127.0.0.1:9/api/v1/accounts/1/statuses?max_id=5&limit=2")
        );
        assert_eq!(next_link(r#"<http://x/?min_id=1>; rel="prev""#), None);
        assert_eq!(next_link("garbage"), None);
    }

    #[test]
    fn bad_configuration() {
        assert!(Mastodon::new("not a url", "t").is_err());
        assert!(Mastodon::new("ftp://x", "t").is_err());
        assert!(Mastodon::new("http://127.0.0.1:1", " ").is_err());
        let m = Mastodon::new("http://127.0.0.1:1", "secret-token").unwrap();
        assert!(!format!("{m:?}").contains("secret-token"));
    }

    #[test]
    fn parses_status_shapes() {
        let target = Target {
            account_id: insyn_domain::AccountId(1),
            platform_account_id: "10".into(),
        };
        let s: Status = serde_json::from_str(
            r#"{"id":"7","created_at":"2026-11-23T10:00:00.000Z","in_reply_to_id":"3","visibility":"public",
                "content":"<p>När plogas Storgatan?</p>","spoiler_text":"","account":{"id":"99","username":"kalle","display_name":"Kalle"},
                "unknown_field":{"nested":true}}"#,
        )
        .unwrap();
        let item = Mastodon::item(&target, &s, "3", "/0".into());
        assert_eq!(item.direction, Direction::Received);
        assert_eq!(item.kind, ItemKind::Comment);
        assert_eq!(item.text, "När plogas Storgatan?");
        assert_eq!(item.author_name, "Kalle");
        // wrong types are a parse error, not a panic
        assert!(serde_json::from_str::<Status>(r#"{"id":7,"created_at":"x"}"#).is_err());
    }
}
