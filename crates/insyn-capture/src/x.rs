//! X (API v2): the account's posts (`/2/users/{id}/tweets`, upprättade) and the posts that
//! mention it (`/2/users/{id}/mentions`: replies and mentions, inkomna), each page through
//! `pagination_token` / `meta.next_token`, photos from the `includes.media` expansion. An edit
//! gives a post a new id; every version lists `edit_history_tweet_ids` (oldest first), so the
//! record is keyed on the first id and a new version appears when the text changes. Deletions: a
//! look-up (`/2/tweets?ids=`) answering a `resource-not-found` error. Rate limits: 429 with
//! `x-rate-limit-reset` (epoch seconds).
//!
//! Direct messages (`dm.read` scope): `/2/dm_events` after the mentions, every `MessageCreate`
//! event a message record (inkommen from others, upprättad from the account) in the thread of
//! its `dm_conversation_id`. X keeps DM events in that listing for a limited time, so a message
//! missing from it is looked up by id (`/2/dm_events/{id}`); only a `resource-not-found` answer
//! for that id marks it deleted.
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
const DM_EVENT_FIELDS: &str =
    "id,text,event_type,created_at,sender_id,dm_conversation_id,attachments,referenced_tweets";
const DM_EXPANSIONS: &str = "sender_id,attachments.media_keys";

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

/// `/2/dm_events`: a page of direct-message events.
#[derive(Deserialize)]
struct DmPage {
    #[serde(default)]
    data: Vec<DmEvent>,
    #[serde(default)]
    includes: Includes,
    #[serde(default)]
    meta: Meta,
}

/// `/2/dm_events/{id}`: one event, or errors.
#[derive(Deserialize)]
struct DmOne {
    #[serde(default)]
    data: Option<DmEvent>,
    #[serde(default)]
    includes: Includes,
    #[serde(default)]
    errors: Vec<ApiError>,
}

#[derive(Deserialize)]
struct DmEvent {
    id: String,
    #[serde(default)]
    event_type: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    sender_id: Option<String>,
    #[serde(default)]
    dm_conversation_id: Option<String>,
    #[serde(default)]
    created_at: Option<DateTime<Utc>>,
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

/// The message records of DM events (`MessageCreate` only; joins and leaves are not messages),
/// with their photos. `pointer` is the JSON pointer of the first event.
fn dm_items(
    target: &Target,
    events: &[DmEvent],
    includes: &Includes,
    pointer: &str,
) -> (Vec<CaptureItem>, Vec<MediaRef>) {
    let users: HashMap<&str, &User> = includes.users.iter().map(|u| (u.id.as_str(), u)).collect();
    let media: HashMap<&str, &Media> = includes
        .media
        .iter()
        .map(|m| (m.media_key.as_str(), m))
        .collect();
    let mut refs = Vec::new();
    let mut list = Vec::new();
    for (i, e) in events.iter().enumerate() {
        if e.event_type != "MessageCreate" {
            continue;
        }
        let mut item = base_item(target, &e.id, format!("{pointer}/{i}"));
        let sender = e.sender_id.clone().unwrap_or_default();
        classify(
            &mut item,
            sender == target.platform_account_id,
            None,
            e.dm_conversation_id.clone().or_else(|| Some(e.id.clone())),
        );
        item.kind = insyn_domain::ItemKind::Message;
        if let Some(u) = users.get(sender.as_str()) {
            item.author_name = if u.name.is_empty() {
                u.username.clone()
            } else {
                u.name.clone()
            };
        }
        item.author_platform_id = sender;
        item.text = e.text.clone();
        item.platform_time = e.created_at;
        for k in e.attachments.iter().flat_map(|a| &a.media_keys) {
            if let Some(url) = media
                .get(k.as_str())
                .and_then(|m| m.url.clone().or_else(|| m.preview_image_url.clone()))
            {
                refs.push(MediaRef {
                    item: e.id.clone(),
                    url,
                });
            }
        }
        list.push(item);
    }
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

    /// One page of the account's direct-message events.
    async fn dms(
        &self,
        target: &Target,
        token: Option<&str>,
    ) -> Result<(Batch, Option<String>), CaptureError> {
        let mut params = vec![
            ("max_results", MAX_RESULTS),
            ("dm_event.fields", DM_EVENT_FIELDS),
            ("expansions", DM_EXPANSIONS),
            ("media.fields", MEDIA_FIELDS),
            ("user.fields", USER_FIELDS),
        ];
        if let Some(t) = token {
            params.push(("pagination_token", t));
        }
        let raw = self.get("2/dm_events", &params).await?;
        let page: DmPage = json(&raw)?;
        let (items, media) = dm_items(target, &page.data, &page.includes, "/data");
        Ok((Batch { raw, items, media }, page.meta.next_token))
    }

    /// A direct message by id: present, gone (`resource-not-found` for this id), or neither.
    async fn dm_lookup(&self, target: &Target, id: &str) -> Result<Lookup, CaptureError> {
        let params = [
            ("dm_event.fields", DM_EVENT_FIELDS),
            ("expansions", DM_EXPANSIONS),
            ("media.fields", MEDIA_FIELDS),
            ("user.fields", USER_FIELDS),
        ];
        let raw = self.get(&format!("2/dm_events/{id}"), &params).await?;
        let one: DmOne = json(&raw)?;
        match one.data {
            Some(e) if e.id == id => {
                let (items, media) =
                    dm_items(target, std::slice::from_ref(&e), &one.includes, "/data");
                Ok(Lookup::Present(Batch { raw, items, media }))
            }
            _ if one.errors.iter().any(|e| {
                e.kind.ends_with("/resource-not-found") && e.resource_id.as_deref() == Some(id)
            }) =>
            {
                Ok(Lookup::Gone(raw))
            }
            _ => Ok(Lookup::Unconfirmed(raw)),
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

    /// The cursor is `tweets:<token>`, `mentions:<token>` or `dms:<token>`: first every page of
    /// the account's posts, then of its mentions, then of its direct messages.
    async fn poll(&self, target: &Target, cursor: Option<&str>) -> Result<PollPage, CaptureError> {
        let (edge, token) = match cursor.and_then(|c| c.split_once(':')) {
            Some((e @ ("tweets" | "mentions" | "dms"), t)) => {
                (e, Some(t).filter(|t| !t.is_empty()))
            }
            Some(_) => return Err(CaptureError::Config(format!("bad X cursor {cursor:?}"))),
            None => ("tweets", None),
        };
        let (batch, next) = if edge == "dms" {
            self.dms(target, token).await?
        } else {
            self.list(edge, target, token).await?
        };
        let next_cursor = match (edge, next) {
            (e, Some(n)) => Some(format!("{e}:{n}")),
            ("tweets", None) => Some("mentions:".to_string()),
            ("mentions", None) => Some("dms:".to_string()),
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
        if item.kind == insyn_domain::ItemKind::Message {
            return self.dm_lookup(target, id).await;
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

/// Parses a page of direct-message events as the poll does (for property tests); the number of
/// message items.
pub fn parse_dm_page(target: &Target, body: &[u8]) -> Result<usize, serde_json::Error> {
    let page: DmPage = serde_json::from_slice(body)?;
    Ok(dm_items(target, &page.data, &page.includes, "/data")
        .0
        .len())
}
