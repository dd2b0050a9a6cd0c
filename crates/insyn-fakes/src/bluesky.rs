//! Bluesky XRPC (AppView subset): `com.atproto.server.getSession`,
//! `app.bsky.feed.getAuthorFeed` (cursor), `app.bsky.feed.getPostThread` (nested replies; a
//! deleted post answers 400 `NotFound`); bearer access JWT (`ExpiredToken` when expired); 429
//! with `ratelimit-*` headers. Items are `at://` URIs; an edit is a new `cid`.
use crate::common::{Canned, Fake, Hooks, Item, St, State, bearer};
use axum::Router;
use axum::extract::{Query, State as AxState};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use std::collections::HashMap;

pub const DID: &str = "did:plc:ekbacka4kommun7sv2xq";
pub const HANDLE: &str = "ekbacka.bsky.social";
pub const NAME: &str = "Ekbacka kommun";

pub struct BlueskyFake {
    pub fake: Fake,
}

impl std::ops::Deref for BlueskyFake {
    type Target = Fake;
    fn deref(&self) -> &Fake {
        &self.fake
    }
}

fn auth_error() -> Canned {
    Canned::json(
        400,
        json!({"error": "ExpiredToken", "message": "Token has expired"}),
    )
}

fn uri(did: &str, seq: u64) -> String {
    format!("at://{did}/app.bsky.feed.post/3lfake{seq:06}")
}

impl BlueskyFake {
    pub async fn start() -> BlueskyFake {
        let fake = Fake::start(
            "eyJfake.access.jwt",
            Hooks {
                token_of: bearer,
                auth_error,
            },
            Router::new()
                .route("/xrpc/com.atproto.server.getSession", get(session))
                .route("/xrpc/app.bsky.feed.getAuthorFeed", get(author_feed))
                .route("/xrpc/app.bsky.feed.getPostThread", get(thread)),
        )
        .await;
        BlueskyFake { fake }
    }

    pub fn token(&self) -> String {
        self.lock().token.clone()
    }

    pub fn post(&self, text: &str, media: &[String]) -> String {
        self.add_with(|s, at| {
            let mut i = Fake::item(uri(DID, s), (DID, NAME), text, at);
            i.media = media.to_vec();
            i
        })
    }

    /// A reply by `author` (did, display name).
    pub fn reply(&self, parent: &str, author: (&str, &str), text: &str) -> String {
        let root = {
            let s = self.lock();
            let p = s.find(parent).expect("the parent");
            p.root.clone().unwrap_or_else(|| p.id.clone())
        };
        self.add_with(|s, at| {
            let mut i = Fake::item(uri(author.0, s), author, text, at);
            i.parent = Some(parent.into());
            i.root = Some(root);
            i
        })
    }

    pub fn rate_limit(&self, secs: i64) {
        let reset = chrono::Utc::now().timestamp() + secs;
        self.inject_on(
            "getAuthorFeed",
            Canned::json(
                429,
                json!({"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}),
            )
            .header("ratelimit-limit", 3000)
            .header("ratelimit-remaining", 0)
            .header("ratelimit-reset", reset)
            .header("ratelimit-policy", "3000;w=300"),
        );
    }
}

fn post_view(s: &State, i: &Item) -> Value {
    let handle = if i.author_id == DID {
        HANDLE.to_string()
    } else {
        format!(
            "{}.bsky.social",
            i.author_name.to_lowercase().replace(' ', "")
        )
    };
    let mut record = json!({"$type": "app.bsky.feed.post", "text": i.text, "createdAt": i.created.to_rfc3339_opts(chrono::SecondsFormat::Millis, true), "langs": ["sv"]});
    if let (Some(p), Some(r)) = (&i.parent, &i.root) {
        record["reply"] = json!({"root": {"uri": r, "cid": "bafyreiroot"}, "parent": {"uri": p, "cid": "bafyreiparent"}});
    }
    let mut v = json!({
        "uri": i.id, "cid": format!("bafyreifake{}v{}", i.id.len(), i.version),
        "author": {"did": i.author_id, "handle": handle, "displayName": i.author_name, "labels": []},
        "record": record, "replyCount": 0, "repostCount": 0, "likeCount": 1, "quoteCount": 0,
        "indexedAt": i.updated.to_rfc3339_opts(chrono::SecondsFormat::Millis, true), "labels": [],
    });
    if !i.media.is_empty() {
        let images: Vec<Value> = i
            .media
            .iter()
            .map(|m| json!({"thumb": s.media_url(m), "fullsize": s.media_url(m), "alt": ""}))
            .collect();
        v["embed"] = json!({"$type": "app.bsky.embed.images#view", "images": images});
    }
    v
}

async fn session(AxState(_st): AxState<St>) -> Response {
    Canned::json(
        200,
        json!({"did": DID, "handle": HANDLE, "email": "info@ekbacka.se", "active": true}),
    )
    .into_response()
}

async fn author_feed(
    AxState(st): AxState<St>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let s = st.lock();
    if q.get("actor").map(String::as_str) != Some(DID) {
        return Canned::json(
            400,
            json!({"error": "InvalidRequest", "message": "Profile not found"}),
        )
        .into_response();
    }
    let all: Vec<&Item> = s.live().rev().filter(|i| i.author_id == DID).collect();
    let offset = q
        .get("cursor")
        .and_then(|c| c.strip_prefix("2026::"))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let want = q.get("limit").and_then(|l| l.parse().ok()).unwrap_or(50);
    let (page, next) = s.page(&all, offset, want);
    let feed: Vec<Value> = page
        .iter()
        .map(|i| {
            let mut v = json!({"post": post_view(&s, i)});
            if let (Some(p), Some(r)) = (&i.parent, &i.root) {
                let view = |id: &str| {
                    s.find(id)
                        .map(|x| post_view(&s, x))
                        .unwrap_or_else(|| json!({"$type": "app.bsky.feed.defs#notFoundPost", "uri": id, "notFound": true}))
                };
                v["reply"] = json!({"root": view(r), "parent": view(p)});
            }
            v
        })
        .collect();
    let mut out = json!({"feed": feed});
    if let Some(n) = next {
        out["cursor"] = json!(format!("2026::{n}"));
    }
    Canned::json(200, out).into_response()
}

fn tree(s: &State, i: &Item, depth: u32) -> Value {
    let replies: Vec<Value> = if depth == 0 {
        Vec::new()
    } else {
        s.live()
            .filter(|r| r.parent.as_deref() == Some(i.id.as_str()))
            .map(|r| tree(s, r, depth - 1))
            .collect()
    };
    json!({"$type": "app.bsky.feed.defs#threadViewPost", "post": post_view(s, i), "replies": replies})
}

async fn thread(AxState(st): AxState<St>, Query(q): Query<HashMap<String, String>>) -> Response {
    let s = st.lock();
    let uri = q.get("uri").cloned().unwrap_or_default();
    let depth = q.get("depth").and_then(|d| d.parse().ok()).unwrap_or(6);
    match s.find(&uri) {
        Some(i) => Canned::json(200, json!({"thread": tree(&s, i, depth)})).into_response(),
        None => Canned::json(
            400,
            json!({"error": "NotFound", "message": format!("Post not found: {uri}")}),
        )
        .into_response(),
    }
}
