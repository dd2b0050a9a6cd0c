//! X (API v2): the account's posts (`/2/users/{id}/tweets`, upprättade) and the posts that
//! mention it (`/2/users/{id}/mentions`: replies and mentions, inkomna), each page through
//! `pagination_token` / `meta.next_token`, photos from the `includes.media` expansion. An edit
//! gives a post a new id; every version lists `edit_history_tweet_ids` (oldest first), so the
//! record is keyed on the first id and a new version appears when the text changes. Deletions: a
//! look-up (`/2/tweets?ids=`) answering a `resource-not-found` error. Rate limits: 429 with
//! `x-rate-limit-reset` (epoch seconds).
use crate::http::{Http, json};
use crate::{
    Batch, CaptureError, Connector, ItemRef, Lookup, MediaRef, PollPage, RawResponse, Target,
    base_item, classify,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use insyn_domain::{CaptureItem, Platform};
use serde::Deserialize;
use std::collections::HashMap;

const TWEET_FIELDS: &str = "attachments,author_id,conversation_id,created_at,edit_controls,entities,id,in_reply_to_user_id,lang,referenced_tweets,text";
const EXPANSIONS: &str =
    "author_id,attachments.media_keys,referenced_tweets.id,edit_history_tweet_ids";
const MEDIA_FIELDS: &str = "media_key,type,url,preview_image_url,alt_text";
const USER_FIELDS: &str = "id,name,username";
const MAX_RESULTS: &str = "100";

pub struct X {
    http: Http,
    token: String,
}

impl std::fmt::Debug for X {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("X")
            .field("base", &self.http.base.as_str())
            .field("token", &"***")
            .finish()
    }
}

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    data: Vec<Tweet>,
    #[serde(default)]
    includes: Includes,
    #[serde(default)]
    meta: Meta,
    #[serde(default)]
    errors: Vec<ApiError>,
}

#[derive(Deserialize, Default)]
struct Includes {
    #[serde(default)]
    users: Vec<User>,
    #[serde(default)]
    media: Vec<Media>,
}

#[derive(Deserialize, Default)]
struct Meta {
    #[serde(default)]
    next_token: Option<String>,
}

#[derive(Deserialize)]
struct ApiError {
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    resource_id: Option<String>,
}

#[derive(Deserialize)]
struct User {
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    username: String,
}

#[derive(Deserialize)]
struct Media {
    media_key: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    preview_image_url: Option<String>,
}

#[derive(Deserialize)]
struct Tweet {
    id: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    author_id: Option<String>,
    #[serde(default)]
    conversation_id: Option<String>,
    #[serde(default)]
    created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    edit_history_tweet_ids: Vec<String>,
    #[serde(default)]
    referenced_tweets: Vec<Reference>,
    #[serde(default)]
    attachments: Option<Attachments>,
}

#[derive(Deserialize)]
struct Reference {
    #[serde(rename = "type")]
    kind: String,
    id: String,
}

#[derive(Deserialize)]
struct Attachments {
    #[serde(default)]
    media_keys: Vec<String>,
}

impl Tweet {
    /// The id of the post's first version: the record's key across edits.
    fn key(&self) -> &str {
        self.edit_history_tweet_ids
            .first()
            .map(String::as_str)
            .unwrap_or(&self.id)
    }
}

/// Items and media of one page; `first_ids` maps any version id to the first one.
fn items(target: &Target, page: &Page) -> (Vec<CaptureItem>, Vec<MediaRef>) {
    let users: HashMap<&str, &User> = page
        .includes
        .users
        .iter()
        .map(|u| (u.id.as_str(), u))
        .collect();
    let media: HashMap<&str, &Media> = page
        .includes
        .media
        .iter()
        .map(|m| (m.media_key.as_str(), m))
        .collect();
    let mut refs = Vec::new();
    let list = page
        .data
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let key = t.key().to_string();
            let mut item = base_item(target, &key, format!("/data/{i}"));
            let author = t.author_id.clone().unwrap_or_default();
            let own = author == target.platform_account_id;
            let replied_to = t
                .referenced_tweets
                .iter()
                .find(|r| r.kind == "replied_to")
                .map(|r| r.id.clone());
            let thread = t.conversation_id.clone().or_else(|| Some(key.clone()));
            classify(&mut item, own, replied_to, thread);
            if let Some(u) = users.get(author.as_str()) {
                item.author_name = if u.name.is_empty() {
                    u.username.clone()
                } else {
                    u.name.clone()
                };
            }
            item.author_platform_id = author;
            item.text = t.text.clone();
            item.platform_time = t.created_at;
            for k in t.attachments.iter().flat_map(|a| &a.media_keys) {
                if let Some(url) = media
                    .get(k.as_str())
                    .and_then(|m| m.url.clone().or_else(|| m.preview_image_url.clone()))
                {
                    refs.push(MediaRef {
                        item: key.clone(),
                        url,
                    });
                }
            }
            item
        })
        .collect();
    (list, refs)
}

impl X {
    /// `base`: `https://api.x.com`; `token`: an OAuth 2.0 user access token (`tweet.read`,
    /// `users.read`).
    pub fn new(base: &str, token: &str) -> Result<X, CaptureError> {
        if token.trim().is_empty() {
            return Err(CaptureError::Config("the access token is empty".into()));
        }
        Ok(X {
            http: Http::new(base)?,
            token: token.trim().to_string(),
        })
    }

    async fn get(&self, path: &str, params: &[(&str, &str)]) -> Result<RawResponse, CaptureError> {
        let mut url = self.http.url(path)?;
        url.query_pairs_mut().extend_pairs(params);
        let (raw, headers) = self.http.get(url, Some(&self.token), &[]).await?;
        if (200..300).contains(&raw.status) {
            Ok(raw)
        } else {
            Err(crate::http::fail(raw, &headers, "x-rate-limit-reset"))
        }
    }

    async fn list(
        &self,
        edge: &str,
        target: &Target,
        token: Option<&str>,
    ) -> Result<(Batch, Option<String>), CaptureError> {
        let mut params = vec![
            ("max_results", MAX_RESULTS),
            ("tweet.fields", TWEET_FIELDS),
            ("expansions", EXPANSIONS),
            ("media.fields", MEDIA_FIELDS),
            ("user.fields", USER_FIELDS),
        ];
        if let Some(t) = token {
            params.push(("pagination_token", t));
        }
        let raw = self
            .get(
                &format!("2/users/{}/{edge}", target.platform_account_id),
                &params,
            )
            .await?;
        let page: Page = json(&raw)?;
        let (list, media) = items(target, &page);
        Ok((
            Batch {
                raw,
                items: list,
                media,
            },
            page.meta.next_token,
        ))
    }
}

#[async_trait]
impl Connector for X {
    fn platform(&self) -> Platform {
        Platform::X
    }

    async fn verify(&self) -> Result<String, CaptureError> {
        #[derive(Deserialize)]
        struct Me {
            data: User,
        }
        let raw = self
            .get("2/users/me", &[("user.fields", USER_FIELDS)])
            .await?;
        Ok(json::<Me>(&raw)?.data.id)
    }

    /// The cursor is `tweets:<token>` or `mentions:<token>`: first every page of the account's
    /// posts, then every page of its mentions.
    async fn poll(&self, target: &Target, cursor: Option<&str>) -> Result<PollPage, CaptureError> {
        let (edge, token) = match cursor.and_then(|c| c.split_once(':')) {
            Some(("mentions", t)) => ("mentions", Some(t).filter(|t| !t.is_empty())),
            Some(("tweets", t)) => ("tweets", Some(t).filter(|t| !t.is_empty())),
            Some(_) => return Err(CaptureError::Config(format!("bad X cursor {cursor:?}"))),
            None => ("tweets", None),
        };
        let (batch, next) = self.list(edge, target, token).await?;
        let next_cursor = match (edge, next) {
            (e, Some(n)) => Some(format!("{e}:{n}")),
            ("tweets", None) => Some("mentions:".to_string()),
            _ => None,
        };
        Ok(PollPage {
            batches: vec![batch],
            next_cursor,
        })
    }

    async fn lookup(&self, target: &Target, item: &ItemRef) -> Result<Lookup, CaptureError> {
        let id = &item.platform_item_id;
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
            return Err(CaptureError::Config(format!("'{id}' is not an X post id")));
        }
        let params = [
            ("ids", id.as_str()),
            ("tweet.fields", TWEET_FIELDS),
            ("expansions", EXPANSIONS),
            ("media.fields", MEDIA_FIELDS),
            ("user.fields", USER_FIELDS),
        ];
        let raw = self.get("2/tweets", &params).await?;
        let page: Page = json(&raw)?;
        if page.data.is_empty() {
            let not_found = page.errors.iter().any(|e| {
                e.kind.ends_with("/resource-not-found") && e.resource_id.as_deref() == Some(id)
            });
            return Ok(if not_found {
                Lookup::Gone(raw)
            } else {
                Lookup::Unconfirmed(raw)
            });
        }
        // an earlier version's id answers with that version: fetch the newest
        let newest = page.data[0].edit_history_tweet_ids.last().cloned();
        if let Some(newest) = newest.filter(|n| n != &page.data[0].id) {
            let params = [
                ("ids", newest.as_str()),
                ("tweet.fields", TWEET_FIELDS),
                ("expansions", EXPANSIONS),
                ("media.fields", MEDIA_FIELDS),
                ("user.fields", USER_FIELDS),
            ];
            let raw = self.get("2/tweets", &params).await?;
            let page: Page = json(&raw)?;
            if !page.data.is_empty() {
                let (list, media) = items(target, &page);
                return Ok(Lookup::Present(Batch {
                    raw,
                    items: list,
                    media,
                }));
            }
        }
        let (list, media) = items(target, &page);
        Ok(Lookup::Present(Batch {
            raw,
            items: list,
            media,
        }))
    }

    async fn fetch_media(&self, media: &MediaRef) -> Result<RawResponse, CaptureError> {
        self.http.media(&media.url).await
    }
}

/// Parses a page as the poll does (for property tests); the number of items.
pub fn parse_page(target: &Target, body: &[u8]) -> Result<usize, serde_json::Error> {
    let page: Page = serde_json::from_slice(body)?;
    Ok(items(target, &page).0.len())
}
