//! YouTube Data API v3: `channels` (`mine=true`, the uploads playlist), `playlistItems`,
//! `videos?id=`, `commentThreads?allThreadsRelatedToChannelId=` (with embedded `replies`),
//! `comments?parentId=` and `comments?id=`; OAuth bearer; `pageToken`/`nextPageToken`; a deleted
//! item looked up answers an empty `items`; `quotaExceeded` 403 and `authError` 401 in Google's
//! error shape. Hidden comments are held for review: left out of the default thread list.
use crate::common::{Canned, Fake, Hooks, Item, St, State, bearer};
use axum::Router;
use axum::extract::{Path, Query, State as AxState};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use std::collections::HashMap;

pub const CHANNEL_ID: &str = "UCekbacka0kommun000000001";
pub const UPLOADS: &str = "UUekbacka0kommun000000001";
pub const TITLE: &str = "Ekbacka kommun";
/// Replies embedded in a comment thread; more are read with `comments?parentId=`.
const EMBEDDED_REPLIES: usize = 5;

pub struct YoutubeFake {
    pub fake: Fake,
}

impl std::ops::Deref for YoutubeFake {
    type Target = Fake;
    fn deref(&self) -> &Fake {
        &self.fake
    }
}

fn google_error(code: u16, reason: &str, domain: &str, message: &str) -> Canned {
    Canned::json(
        code,
        json!({"error": {"code": code, "message": message, "errors": [{"message": message, "domain": domain, "reason": reason}]}}),
    )
}

fn auth_error() -> Canned {
    google_error(
        401,
        "authError",
        "global",
        "Request had invalid authentication credentials. Expected OAuth 2 access token.",
    )
}

impl YoutubeFake {
    pub async fn start() -> YoutubeFake {
        let fake = Fake::start(
            "ya29.fake-access-token",
            Hooks {
                token_of: bearer,
                auth_error,
            },
            Router::new()
                .route("/youtube/v3/{resource}", get(resource))
                .route(
                    "/youtube/v3/comments/setModerationStatus",
                    axum::routing::post(set_moderation_status),
                ),
        )
        .await;
        YoutubeFake { fake }
    }

    pub fn token(&self) -> String {
        self.lock().token.clone()
    }

    /// A video on the channel; the first media id is its thumbnail.
    pub fn video(&self, text: &str, thumbnail: &[String]) -> String {
        self.add_with(|s, at| {
            let mut i = Fake::item(format!("vid{s:08}"), (CHANNEL_ID, TITLE), text, at);
            i.media = thumbnail.to_vec();
            i
        })
    }

    /// A comment on a video, or a reply to a top-level comment; `author` is (channel id, name).
    pub fn comment(&self, parent: &str, author: (&str, &str), text: &str) -> String {
        let (root, top) = {
            let s = self.lock();
            let p = s.find(parent).expect("the parent");
            (
                p.root.clone().unwrap_or_else(|| p.id.clone()),
                p.parent.is_none(),
            )
        };
        self.add_with(|s, at| {
            let id = if top {
                format!("Ugz{s:06}fakeAaBbCc")
            } else {
                format!("{parent}.{s:06}fake")
            };
            let mut i = Fake::item(id, author, text, at);
            i.parent = Some(parent.into());
            i.root = Some(root);
            i
        })
    }

    /// The daily quota is spent: 403 `quotaExceeded` on the next listing call.
    pub fn quota_exceeded(&self) {
        self.inject_on(
            "playlistItems",
            google_error(
                403,
                "quotaExceeded",
                "youtube.quota",
                "The request cannot be completed because you have exceeded your quota.",
            ),
        );
    }
}

fn t(d: chrono::DateTime<chrono::Utc>) -> String {
    d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn split(text: &str) -> (&str, &str) {
    text.split_once("\n\n").unwrap_or((text, ""))
}

fn video_snippet(s: &State, i: &Item) -> Value {
    let (title, description) = split(&i.text);
    let mut thumbs = json!({});
    if let Some(m) = i.media.first() {
        thumbs = json!({"default": {"url": s.media_url(m), "width": 120, "height": 90}, "high": {"url": s.media_url(m), "width": 480, "height": 360}});
    }
    json!({"publishedAt": t(i.created), "channelId": CHANNEL_ID, "title": title, "description": description,
           "thumbnails": thumbs, "channelTitle": TITLE, "liveBroadcastContent": "none"})
}

fn comment(i: &Item) -> Value {
    let video = i.root.clone().unwrap_or_default();
    let mut snippet = json!({
        "channelId": CHANNEL_ID, "videoId": video, "textDisplay": i.text, "textOriginal": i.text,
        "authorDisplayName": i.author_name, "authorProfileImageUrl": "https://yt3.ggpht.com/fake",
        "authorChannelUrl": format!("http://www.youtube.com/channel/{}", i.author_id),
        "authorChannelId": {"value": i.author_id}, "canRate": true, "viewerRating": "none", "likeCount": 0,
        "publishedAt": t(i.created), "updatedAt": t(i.updated),
    });
    if i.parent != i.root {
        snippet["parentId"] = json!(i.parent);
    }
    json!({"kind": "youtube#comment", "etag": format!("e{}", i.version), "id": i.id, "snippet": snippet})
}

fn list(s: &State, all: Vec<Value>, q: &HashMap<String, String>, kind: &str) -> Value {
    let offset = q
        .get("pageToken")
        .and_then(|p| p.strip_prefix("CAUQAA"))
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let want = q
        .get("maxResults")
        .and_then(|m| m.parse().ok())
        .unwrap_or(20);
    let total = all.len();
    let (items, next) = s.page(&all, offset, want);
    let mut v = json!({"kind": kind, "etag": "fake", "pageInfo": {"totalResults": total, "resultsPerPage": want}, "items": items});
    if let Some(n) = next {
        v["nextPageToken"] = json!(format!("CAUQAA{n}"));
    }
    v
}

async fn resource(
    AxState(st): AxState<St>,
    Path(resource): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let s = st.lock();
    let param = |k: &str| q.get(k).map(String::as_str);
    let v = match resource.as_str() {
        "channels" if param("mine") == Some("true") || param("id") == Some(CHANNEL_ID) => json!({
            "kind": "youtube#channelListResponse",
            "items": [{"kind": "youtube#channel", "id": CHANNEL_ID, "snippet": {"title": TITLE},
                       "contentDetails": {"relatedPlaylists": {"likes": "", "uploads": UPLOADS}}}]
        }),
        "channels" => json!({"kind": "youtube#channelListResponse", "items": []}),
        "playlistItems" if param("playlistId") == Some(UPLOADS) => {
            let all = s
                .live()
                .rev()
                .filter(|i| i.parent.is_none())
                .enumerate()
                .map(|(n, i)| {
                    let mut snippet = video_snippet(&s, i);
                    snippet["playlistId"] = json!(UPLOADS);
                    snippet["position"] = json!(n);
                    snippet["resourceId"] = json!({"kind": "youtube#video", "videoId": i.id});
                    json!({"kind": "youtube#playlistItem", "id": format!("UExfake{}", i.id), "snippet": snippet,
                           "contentDetails": {"videoId": i.id, "videoPublishedAt": t(i.created)}})
                })
                .collect();
            list(&s, all, &q, "youtube#playlistItemListResponse")
        }
        "playlistItems" => {
            return google_error(
                404,
                "playlistNotFound",
                "youtube.playlistItem",
                "The playlist identified with the request's playlistId parameter cannot be found.",
            )
            .into_response();
        }
        "videos" => {
            let ids: Vec<&str> = param("id")
                .map(|i| i.split(',').collect())
                .unwrap_or_default();
            let items: Vec<Value> = ids
                .iter()
                .filter_map(|id| s.find(id).filter(|i| i.parent.is_none()))
                .map(|i| json!({"kind": "youtube#video", "id": i.id, "snippet": video_snippet(&s, i)}))
                .collect();
            json!({"kind": "youtube#videoListResponse", "items": items, "pageInfo": {"totalResults": items.len()}})
        }
        "commentThreads" => {
            let held = param("moderationStatus") == Some("heldForReview");
            let all = s
                .live()
                .rev()
                .filter(|i| i.parent.is_some() && i.parent == i.root && i.hidden == held)
                .map(|i| {
                    let replies: Vec<&Item> = s
                        .live()
                        .filter(|r| r.parent.as_deref() == Some(i.id.as_str()) && !r.hidden)
                        .collect();
                    let mut v = json!({"kind": "youtube#commentThread", "id": i.id, "snippet": {
                        "channelId": CHANNEL_ID, "videoId": i.root, "topLevelComment": comment(i),
                        "canReply": true, "totalReplyCount": replies.len(), "isPublic": true}});
                    if !replies.is_empty() {
                        v["replies"] = json!({"comments": replies.iter().take(EMBEDDED_REPLIES).map(|r| comment(r)).collect::<Vec<_>>()});
                    }
                    v
                })
                .collect();
            list(&s, all, &q, "youtube#commentThreadListResponse")
        }
        "comments" => {
            if let Some(parent) = param("parentId") {
                let all = s
                    .live()
                    .filter(|r| r.parent.as_deref() == Some(parent))
                    .map(comment)
                    .collect();
                list(&s, all, &q, "youtube#commentListResponse")
            } else {
                let ids: Vec<&str> = param("id")
                    .map(|i| i.split(',').collect())
                    .unwrap_or_default();
                let items: Vec<Value> = ids
                    .iter()
                    .filter_map(|id| s.find(id).filter(|i| i.parent.is_some()))
                    .map(comment)
                    .collect();
                json!({"kind": "youtube#commentListResponse", "items": items})
            }
        }
        _ => return google_error(404, "notFound", "global", "Not Found").into_response(),
    };
    Canned::json(200, v).into_response()
}

/// `POST comments/setModerationStatus?id=…&moderationStatus=heldForReview|published|rejected`:
/// 204 with no body, as YouTube answers.
async fn set_moderation_status(
    AxState(st): AxState<St>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut s = st.lock();
    let id = q.get("id").cloned().unwrap_or_default();
    let action = match q.get("moderationStatus").map(String::as_str) {
        Some("heldForReview") => "hide",
        Some("published") => "unhide",
        Some("rejected") => "remove",
        _ => {
            return google_error(
                400,
                "invalidModerationStatus",
                "youtube.comment",
                "The moderation status in the request is not valid.",
            )
            .into_response();
        }
    };
    if !s.moderate(&id, action) {
        return google_error(
            404,
            "commentNotFound",
            "youtube.comment",
            "The comment identified by the id parameter could not be found.",
        )
        .into_response();
    }
    axum::http::StatusCode::NO_CONTENT.into_response()
}
