//! Bluesky (AT Protocol, XRPC on the account's PDS or the AppView): the account's posts and
//! replies (`app.bsky.feed.getAuthorFeed`, `cursor` paging, upprättade), each top-level post's
//! thread (`app.bsky.feed.getPostThread`: others' replies inkomna), images from the embed view.
//! The record is the post's `at://` URI; a record overwritten in place (new `cid`) is a new
//! version when its text changes. Deletions: `getPostThread` answering `NotFound` (HTTP 400) or a
//! `notFoundPost` view. Rate limits: 429 with `ratelimit-reset` (epoch seconds).
use crate::http::{Http, json};
use crate::{
    Batch, CaptureError, Connector, ItemRef, Lookup, MediaRef, PollPage, RawResponse, Target,
    base_item, classify,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use insyn_domain::{CaptureItem, Platform};
use serde::Deserialize;

const FEED_LIMIT: &str = "50";
/// Reply depth read per thread.
const THREAD_DEPTH: &str = "10";
/// Deepest reply level flattened (guards against hostile nesting).
const MAX_DEPTH: usize = 64;

pub struct Bluesky {
    http: Http,
    token: String,
}

impl std::fmt::Debug for Bluesky {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bluesky")
            .field("base", &self.http.base.as_str())
            .field("token", &"***")
            .finish()
    }
}

#[derive(Deserialize)]
struct Feed {
    #[serde(default)]
    feed: Vec<FeedViewPost>,
    #[serde(default)]
    cursor: Option<String>,
}

#[derive(Deserialize)]
struct FeedViewPost {
    post: PostView,
    /// Set when the entry is a repost by the account, not its own post.
    #[serde(default)]
    reason: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct PostView {
    uri: String,
    #[serde(default)]
    author: Author,
    #[serde(default)]
    record: PostRecord,
    #[serde(default)]
    embed: Option<EmbedView>,
}

#[derive(Deserialize, Default)]
struct Author {
    #[serde(default)]
    did: String,
    #[serde(default)]
    handle: String,
    #[serde(default, rename = "displayName")]
    display_name: Option<String>,
}

#[derive(Deserialize, Default)]
struct PostRecord {
    #[serde(default)]
    text: String,
    #[serde(default, rename = "createdAt")]
    created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    reply: Option<ReplyRef>,
}

#[derive(Deserialize)]
struct ReplyRef {
    root: StrongRef,
    parent: StrongRef,
}

#[derive(Deserialize)]
struct StrongRef {
    uri: String,
}

#[derive(Deserialize)]
struct EmbedView {
    #[serde(default)]
    images: Vec<ImageView>,
}

#[derive(Deserialize)]
struct ImageView {
    #[serde(default)]
    fullsize: Option<String>,
}

#[derive(Deserialize)]
struct ThreadAnswer {
    thread: Thread,
}

#[derive(Deserialize)]
struct Thread {
    #[serde(rename = "$type", default)]
    kind: String,
    #[serde(default)]
    post: Option<PostView>,
    #[serde(default)]
    replies: Vec<Thread>,
}

#[derive(Deserialize)]
struct XrpcError {
    #[serde(default)]
    error: String,
}

fn item(target: &Target, p: &PostView, pointer: String, media: &mut Vec<MediaRef>) -> CaptureItem {
    let mut item = base_item(target, &p.uri, pointer);
    let own = p.author.did == target.platform_account_id;
    let (parent, root) = match &p.record.reply {
        Some(r) => (Some(r.parent.uri.clone()), r.root.uri.clone()),
        None => (None, p.uri.clone()),
    };
    classify(&mut item, own, parent, Some(root));
    item.author_name = p
        .author
        .display_name
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| p.author.handle.clone());
    item.author_platform_id = p.author.did.clone();
    item.text = p.record.text.clone();
    item.platform_time = p.record.created_at;
    for img in p.embed.iter().flat_map(|e| &e.images) {
        if let Some(url) = &img.fullsize {
            media.push(MediaRef {
                item: p.uri.clone(),
                url: url.clone(),
            });
        }
    }
    item
}

fn flatten(
    target: &Target,
    t: &Thread,
    pointer: &str,
    depth: usize,
    out: &mut Vec<CaptureItem>,
    media: &mut Vec<MediaRef>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    for (i, r) in t.replies.iter().enumerate() {
        let p = format!("{pointer}/replies/{i}");
        if let Some(post) = &r.post {
            out.push(item(target, post, format!("{p}/post"), media));
        }
        flatten(target, r, &p, depth + 1, out, media);
    }
}

impl Bluesky {
    /// `base`: the PDS (e.g. `https://bsky.social`), which proxies the AppView; `token`: an
    /// access JWT of a session made with an app password.
    pub fn new(base: &str, token: &str) -> Result<Bluesky, CaptureError> {
        if token.trim().is_empty() {
            return Err(CaptureError::Config("the access token is empty".into()));
        }
        Ok(Bluesky {
            http: Http::new(base)?,
            token: token.trim().to_string(),
        })
    }

    /// An XRPC query; a 400 `NotFound` comes back as `Ok(Err(raw))`.
    async fn xrpc(
        &self,
        method: &str,
        params: &[(&str, &str)],
    ) -> Result<Result<RawResponse, RawResponse>, CaptureError> {
        let mut url = self.http.url(&format!("xrpc/{method}"))?;
        url.query_pairs_mut().extend_pairs(params);
        let (raw, headers) = self.http.get(url, Some(&self.token), &[]).await?;
        if (200..300).contains(&raw.status) {
            return Ok(Ok(raw));
        }
        let error = serde_json::from_slice::<XrpcError>(&raw.body)
            .map(|e| e.error)
            .unwrap_or_default();
        match (raw.status, error.as_str()) {
            (400, "NotFound") => Ok(Err(raw)),
            (400, "ExpiredToken" | "InvalidToken" | "AuthMissing") => Err(CaptureError::Auth {
                status: 400,
                raw: Some(raw),
            }),
            _ => Err(crate::http::fail(raw, &headers, "ratelimit-reset")),
        }
    }

    async fn xrpc_ok(
        &self,
        method: &str,
        params: &[(&str, &str)],
    ) -> Result<RawResponse, CaptureError> {
        self.xrpc(method, params)
            .await?
            .map_err(|raw| CaptureError::Unexpected {
                status: raw.status,
                raw: Some(raw),
            })
    }
}

#[async_trait]
impl Connector for Bluesky {
    fn platform(&self) -> Platform {
        Platform::Bluesky
    }

    async fn verify(&self) -> Result<String, CaptureError> {
        #[derive(Deserialize)]
        struct Session {
            did: String,
        }
        let raw = self.xrpc_ok("com.atproto.server.getSession", &[]).await?;
        Ok(json::<Session>(&raw)?.did)
    }

    async fn poll(&self, target: &Target, cursor: Option<&str>) -> Result<PollPage, CaptureError> {
        let mut params = vec![
            ("actor", target.platform_account_id.as_str()),
            ("limit", FEED_LIMIT),
            ("filter", "posts_with_replies"),
        ];
        if let Some(c) = cursor {
            params.push(("cursor", c));
        }
        let raw = self.xrpc_ok("app.bsky.feed.getAuthorFeed", &params).await?;
        let feed: Feed = json(&raw)?;
        let mut media = Vec::new();
        let own: Vec<&FeedViewPost> = feed.feed.iter().filter(|f| f.reason.is_none()).collect();
        let items = feed
            .feed
            .iter()
            .enumerate()
            .filter(|(_, f)| f.reason.is_none())
            .map(|(i, f)| item(target, &f.post, format!("/feed/{i}/post"), &mut media))
            .collect();
        let mut batches = vec![Batch { raw, items, media }];
        for f in own.iter().filter(|f| f.post.record.reply.is_none()) {
            let params = [("uri", f.post.uri.as_str()), ("depth", THREAD_DEPTH)];
            let raw = match self.xrpc("app.bsky.feed.getPostThread", &params).await? {
                Ok(raw) => raw,
                Err(_) => continue, // deleted since the listing; looked up later
            };
            let answer: ThreadAnswer = json(&raw)?;
            let (mut items, mut media) = (Vec::new(), Vec::new());
            flatten(target, &answer.thread, "/thread", 0, &mut items, &mut media);
            batches.push(Batch { raw, items, media });
        }
        Ok(PollPage {
            batches,
            next_cursor: feed.cursor.filter(|_| !feed.feed.is_empty()),
        })
    }

    async fn lookup(&self, target: &Target, it: &ItemRef) -> Result<Lookup, CaptureError> {
        let uri = &it.platform_item_id;
        if !uri.starts_with("at://") {
            return Err(CaptureError::Config(format!("'{uri}' is not an at:// URI")));
        }
        let params = [("uri", uri.as_str()), ("depth", "0"), ("parentHeight", "0")];
        let raw = match self.xrpc("app.bsky.feed.getPostThread", &params).await? {
            Ok(raw) => raw,
            Err(raw) => return Ok(Lookup::Gone(raw)),
        };
        let answer: ThreadAnswer = json(&raw)?;
        if answer.thread.kind.ends_with("#notFoundPost") {
            return Ok(Lookup::Gone(raw));
        }
        let Some(post) = &answer.thread.post else {
            // blocked or otherwise not visible: not proof of deletion
            return Ok(Lookup::Unconfirmed(raw));
        };
        let mut media = Vec::new();
        let one = item(target, post, "/thread/post".into(), &mut media);
        Ok(Lookup::Present(Batch {
            raw,
            items: vec![one],
            media,
        }))
    }

    async fn fetch_media(&self, media: &MediaRef) -> Result<RawResponse, CaptureError> {
        self.http.media(&media.url).await
    }
}

/// Parses an author feed and a thread as the poll does (for property tests).
pub fn parse_pages(target: &Target, body: &[u8]) -> (bool, bool) {
    let feed = serde_json::from_slice::<Feed>(body).map(|f| {
        let mut m = Vec::new();
        for x in &f.feed {
            item(target, &x.post, String::new(), &mut m);
        }
    });
    let thread = serde_json::from_slice::<ThreadAnswer>(body).map(|t| {
        let (mut i, mut m) = (Vec::new(), Vec::new());
        flatten(target, &t.thread, "", 0, &mut i, &mut m);
    });
    (feed.is_ok(), thread.is_ok())
}
