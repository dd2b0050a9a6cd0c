//! YouTube (Data API v3): the channel's videos from its uploads playlist (`playlistItems`,
//! upprättade; title and description as the text, the thumbnail as media), then every comment
//! thread on the channel (`commentThreads?allThreadsRelatedToChannelId=`, with `replies`; threads
//! with more replies than the embedded ones read `comments?parentId=`), all paged with
//! `pageToken`/`nextPageToken`. Comments by others are inkomna, the channel's own answers
//! upprättade. Deletions: a look-up by `id=` answering no item. Quota: 403 `quotaExceeded`
//! waits until the quota resets at midnight Pacific time.
use crate::http::{Http, json};
use crate::{
    Batch, CaptureError, Connector, ItemRef, Lookup, MediaRef, PollPage, RawResponse, Target,
    base_item, classify,
};
use async_trait::async_trait;
use chrono::{DateTime, Timelike, Utc};
use insyn_domain::{CaptureItem, ItemKind, Platform};
use serde::Deserialize;
use std::time::Duration;

const API: &str = "youtube/v3";

pub struct Youtube {
    http: Http,
    token: String,
}

impl std::fmt::Debug for Youtube {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Youtube")
            .field("base", &self.http.base.as_str())
            .field("token", &"***")
            .finish()
    }
}

#[derive(Deserialize)]
struct List<T> {
    #[serde(default = "Vec::new")]
    items: Vec<T>,
    #[serde(default, rename = "nextPageToken")]
    next_page_token: Option<String>,
}

#[derive(Deserialize)]
struct Channel {
    id: String,
    #[serde(default, rename = "contentDetails")]
    content_details: Option<ChannelDetails>,
}

#[derive(Deserialize)]
struct ChannelDetails {
    #[serde(rename = "relatedPlaylists")]
    related_playlists: RelatedPlaylists,
}

#[derive(Deserialize)]
struct RelatedPlaylists {
    uploads: String,
}

#[derive(Deserialize)]
struct PlaylistItem {
    #[serde(default)]
    snippet: VideoSnippet,
    #[serde(default, rename = "contentDetails")]
    content_details: Option<VideoRef>,
}

#[derive(Deserialize)]
struct VideoRef {
    #[serde(rename = "videoId")]
    video_id: String,
}

#[derive(Deserialize)]
struct Video {
    id: String,
    #[serde(default)]
    snippet: VideoSnippet,
}

#[derive(Deserialize, Default)]
struct VideoSnippet {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default, rename = "publishedAt")]
    published_at: Option<DateTime<Utc>>,
    #[serde(default, rename = "channelId")]
    channel_id: String,
    #[serde(default, rename = "channelTitle")]
    channel_title: String,
    #[serde(default)]
    thumbnails: std::collections::HashMap<String, Thumbnail>,
    #[serde(default, rename = "resourceId")]
    resource_id: Option<VideoRef>,
}

#[derive(Deserialize)]
struct Thumbnail {
    url: String,
}

#[derive(Deserialize)]
struct CommentThread {
    id: String,
    snippet: ThreadSnippet,
    #[serde(default)]
    replies: Option<Replies>,
}

#[derive(Deserialize)]
struct ThreadSnippet {
    #[serde(default, rename = "videoId")]
    video_id: Option<String>,
    #[serde(rename = "topLevelComment")]
    top_level_comment: Comment,
    #[serde(default, rename = "totalReplyCount")]
    total_reply_count: u64,
}

#[derive(Deserialize)]
struct Replies {
    #[serde(default)]
    comments: Vec<Comment>,
}

#[derive(Deserialize)]
struct Comment {
    id: String,
    #[serde(default)]
    snippet: CommentSnippet,
}

#[derive(Deserialize, Default)]
struct CommentSnippet {
    #[serde(default, rename = "textOriginal")]
    text_original: Option<String>,
    #[serde(default, rename = "textDisplay")]
    text_display: String,
    #[serde(default, rename = "authorDisplayName")]
    author_display_name: String,
    #[serde(default, rename = "authorChannelId")]
    author_channel_id: Option<ChannelRef>,
    #[serde(default, rename = "videoId")]
    video_id: Option<String>,
    #[serde(default, rename = "parentId")]
    parent_id: Option<String>,
    #[serde(default, rename = "publishedAt")]
    published_at: Option<DateTime<Utc>>,
}

#[derive(Deserialize)]
struct ChannelRef {
    value: String,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorInner,
}

#[derive(Deserialize)]
struct ErrorInner {
    #[serde(default)]
    errors: Vec<ErrorReason>,
}

#[derive(Deserialize)]
struct ErrorReason {
    #[serde(default)]
    reason: String,
}

/// Time until the daily quota resets: midnight Pacific (08:00 UTC; an hour early in summer).
pub fn quota_wait(now: DateTime<Utc>) -> Duration {
    let secs_today = i64::from(now.num_seconds_from_midnight());
    let reset = 8 * 3600;
    let wait = if secs_today < reset {
        reset - secs_today
    } else {
        86_400 - secs_today + reset
    };
    Duration::from_secs(wait as u64)
}

fn video_item(
    target: &Target,
    id: &str,
    s: &VideoSnippet,
    pointer: String,
    media: &mut Vec<MediaRef>,
) -> CaptureItem {
    let mut item = base_item(target, id, pointer);
    let own = s.channel_id.is_empty() || s.channel_id == target.platform_account_id;
    classify(&mut item, own, None, Some(id.to_string()));
    item.author_name = s.channel_title.clone();
    item.author_platform_id = s.channel_id.clone();
    item.text = if s.description.is_empty() {
        s.title.clone()
    } else {
        format!("{}\n\n{}", s.title, s.description)
    };
    item.platform_time = s.published_at;
    let thumb = ["maxres", "high", "medium", "default"]
        .iter()
        .find_map(|k| s.thumbnails.get(*k));
    if let Some(t) = thumb {
        media.push(MediaRef {
            item: id.to_string(),
            url: t.url.clone(),
        });
    }
    item
}

fn comment_item(target: &Target, c: &Comment, video: Option<&str>, pointer: String) -> CaptureItem {
    let s = &c.snippet;
    let mut item = base_item(target, &c.id, pointer);
    let author = s
        .author_channel_id
        .as_ref()
        .map(|a| a.value.clone())
        .unwrap_or_default();
    let own = author == target.platform_account_id;
    let video = s.video_id.as_deref().or(video).map(str::to_string);
    let parent = s.parent_id.clone().or_else(|| video.clone());
    let thread = video.clone().or_else(|| Some(c.id.clone()));
    classify(&mut item, own, parent, thread);
    item.author_name = s.author_display_name.clone();
    item.author_platform_id = author;
    item.text = s
        .text_original
        .clone()
        .unwrap_or_else(|| crate::html_to_text(&s.text_display));
    item.platform_time = s.published_at;
    item
}

fn thread_items(target: &Target, threads: &[CommentThread]) -> Vec<CaptureItem> {
    let mut items = Vec::new();
    for (i, t) in threads.iter().enumerate() {
        let video = t.snippet.video_id.as_deref();
        items.push(comment_item(
            target,
            &t.snippet.top_level_comment,
            video,
            format!("/items/{i}/snippet/topLevelComment"),
        ));
        for (j, r) in t.replies.iter().flat_map(|r| &r.comments).enumerate() {
            let mut item =
                comment_item(target, r, video, format!("/items/{i}/replies/comments/{j}"));
            item.parent_platform_id = Some(t.id.clone());
            items.push(item);
        }
    }
    items
}

impl Youtube {
    /// `base`: `https://www.googleapis.com`; `token`: an OAuth access token of the channel owner
    /// (scope `youtube.force-ssl` or `youtube.readonly`).
    pub fn new(base: &str, token: &str) -> Result<Youtube, CaptureError> {
        if token.trim().is_empty() {
            return Err(CaptureError::Config("the access token is empty".into()));
        }
        Ok(Youtube {
            http: Http::new(base)?,
            token: token.trim().to_string(),
        })
    }

    async fn get(
        &self,
        resource: &str,
        params: &[(&str, &str)],
    ) -> Result<RawResponse, CaptureError> {
        let mut url = self.http.url(&format!("{API}/{resource}"))?;
        url.query_pairs_mut().extend_pairs(params);
        let (raw, headers) = self.http.get(url, Some(&self.token), &[]).await?;
        if (200..300).contains(&raw.status) {
            return Ok(raw);
        }
        let reasons: Vec<String> = serde_json::from_slice::<ErrorBody>(&raw.body)
            .map(|e| e.error.errors.into_iter().map(|r| r.reason).collect())
            .unwrap_or_default();
        let has = |r: &str| reasons.iter().any(|x| x == r);
        Err(if has("quotaExceeded") || has("dailyLimitExceeded") {
            CaptureError::RateLimited {
                retry_after: quota_wait(Utc::now()),
                raw: Some(raw),
            }
        } else if has("rateLimitExceeded") || has("userRateLimitExceeded") {
            CaptureError::RateLimited {
                retry_after: crate::http::retry_after(&headers).unwrap_or(Duration::from_secs(60)),
                raw: Some(raw),
            }
        } else if raw.status == 403
            && (has("forbidden") || has("insufficientPermissions") || has("authError"))
        {
            CaptureError::Auth {
                status: 403,
                raw: Some(raw),
            }
        } else {
            crate::http::fail(raw, &headers, "x-ratelimit-reset")
        })
    }

    async fn uploads(&self, channel: &str) -> Result<String, CaptureError> {
        let raw = self
            .get("channels", &[("part", "contentDetails"), ("id", channel)])
            .await?;
        let list: List<Channel> = json(&raw)?;
        list.items
            .into_iter()
            .find_map(|c| c.content_details)
            .map(|d| d.related_playlists.uploads)
            .ok_or_else(|| CaptureError::Parse {
                message: format!("channel {channel} has no uploads playlist"),
                raw: Some(raw),
            })
    }

    /// All pages of the replies to one comment.
    async fn replies(
        &self,
        target: &Target,
        parent: &str,
        video: Option<&str>,
    ) -> Result<Vec<Batch>, CaptureError> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..crate::MAX_PAGES {
            let mut params = vec![
                ("part", "snippet"),
                ("parentId", parent),
                ("maxResults", "100"),
                ("textFormat", "plainText"),
            ];
            if let Some(t) = &token {
                params.push(("pageToken", t));
            }
            let raw = self.get("comments", &params).await?;
            let list: List<Comment> = json(&raw)?;
            let items = list
                .items
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let mut item = comment_item(target, c, video, format!("/items/{i}"));
                    item.parent_platform_id = Some(parent.to_string());
                    item
                })
                .collect();
            out.push(Batch::new(raw, items));
            token = list.next_page_token;
            if token.is_none() {
                break;
            }
        }
        Ok(out)
    }
}

#[async_trait]
impl Connector for Youtube {
    fn platform(&self) -> Platform {
        Platform::Youtube
    }

    async fn verify(&self) -> Result<String, CaptureError> {
        let raw = self
            .get("channels", &[("part", "id"), ("mine", "true")])
            .await?;
        let list: List<Channel> = json(&raw)?;
        match list.items.into_iter().next() {
            Some(c) => Ok(c.id),
            None => Err(CaptureError::Parse {
                message: "the token has no YouTube channel".into(),
                raw: Some(raw),
            }),
        }
    }

    /// The cursor is `videos:<pageToken>` or `comments:<pageToken>`: every page of the uploads,
    /// then every page of the channel's comment threads.
    async fn poll(&self, target: &Target, cursor: Option<&str>) -> Result<PollPage, CaptureError> {
        let (edge, token) = match cursor.and_then(|c| c.split_once(':')) {
            Some((e @ ("videos" | "comments"), t)) => (e, Some(t).filter(|t| !t.is_empty())),
            Some(_) => {
                return Err(CaptureError::Config(format!(
                    "bad YouTube cursor {cursor:?}"
                )));
            }
            None => ("videos", None),
        };
        let channel = target.platform_account_id.as_str();
        if edge == "videos" {
            let uploads = self.uploads(channel).await?;
            let mut params = vec![
                ("part", "snippet,contentDetails"),
                ("playlistId", uploads.as_str()),
                ("maxResults", "50"),
            ];
            if let Some(t) = token {
                params.push(("pageToken", t));
            }
            let raw = self.get("playlistItems", &params).await?;
            let list: List<PlaylistItem> = json(&raw)?;
            let mut media = Vec::new();
            let items = list
                .items
                .iter()
                .enumerate()
                .filter_map(|(i, p)| {
                    let id = p
                        .content_details
                        .as_ref()
                        .or(p.snippet.resource_id.as_ref())?
                        .video_id
                        .clone();
                    Some(video_item(
                        target,
                        &id,
                        &p.snippet,
                        format!("/items/{i}"),
                        &mut media,
                    ))
                })
                .collect();
            return Ok(PollPage {
                batches: vec![Batch { raw, items, media }],
                next_cursor: Some(format!(
                    "{}:{}",
                    if list.next_page_token.is_some() {
                        "videos"
                    } else {
                        "comments"
                    },
                    list.next_page_token.unwrap_or_default()
                )),
            });
        }
        let mut params = vec![
            ("part", "snippet,replies"),
            ("allThreadsRelatedToChannelId", channel),
            ("maxResults", "100"),
            ("textFormat", "plainText"),
        ];
        if let Some(t) = token {
            params.push(("pageToken", t));
        }
        let raw = self.get("commentThreads", &params).await?;
        let list: List<CommentThread> = json(&raw)?;
        let items = thread_items(target, &list.items);
        let mut batches = vec![Batch::new(raw, items)];
        for t in &list.items {
            let embedded = t.replies.as_ref().map_or(0, |r| r.comments.len()) as u64;
            if t.snippet.total_reply_count > embedded {
                batches.extend(
                    self.replies(target, &t.id, t.snippet.video_id.as_deref())
                        .await?,
                );
            }
        }
        Ok(PollPage {
            batches,
            next_cursor: list.next_page_token.map(|t| format!("comments:{t}")),
        })
    }

    async fn lookup(&self, target: &Target, item: &ItemRef) -> Result<Lookup, CaptureError> {
        let id = item.platform_item_id.as_str();
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(CaptureError::Config(format!("'{id}' is not a YouTube id")));
        }
        if item.kind == ItemKind::Post {
            let raw = self
                .get("videos", &[("part", "snippet"), ("id", id)])
                .await?;
            let list: List<Video> = json(&raw)?;
            let Some(v) = list.items.iter().find(|v| v.id == id) else {
                return Ok(Lookup::Gone(raw));
            };
            let mut media = Vec::new();
            let one = video_item(target, id, &v.snippet, "/items/0".into(), &mut media);
            return Ok(Lookup::Present(Batch {
                raw,
                items: vec![one],
                media,
            }));
        }
        let params = [("part", "snippet"), ("id", id), ("textFormat", "plainText")];
        let raw = self.get("comments", &params).await?;
        let list: List<Comment> = json(&raw)?;
        let Some(c) = list.items.iter().find(|c| c.id == id) else {
            return Ok(Lookup::Gone(raw));
        };
        let mut one = comment_item(
            target,
            c,
            item.thread_platform_id.as_deref(),
            "/items/0".into(),
        );
        if c.snippet.parent_id.is_none() {
            one.parent_platform_id = item.parent_platform_id.clone();
        }
        Ok(Lookup::Present(Batch::new(raw, vec![one])))
    }

    async fn fetch_media(&self, media: &MediaRef) -> Result<RawResponse, CaptureError> {
        self.http.media(&media.url).await
    }
}

/// Parses playlist items and comment threads as the poll does (for property tests).
pub fn parse_pages(target: &Target, body: &[u8]) -> (bool, bool) {
    let videos = serde_json::from_slice::<List<PlaylistItem>>(body).map(|l| {
        let mut m = Vec::new();
        for (i, p) in l.items.iter().enumerate() {
            video_item(target, "v", &p.snippet, format!("/items/{i}"), &mut m);
        }
    });
    let threads = serde_json::from_slice::<List<CommentThread>>(body)
        .map(|l| thread_items(target, &l.items).len());
    (videos.is_ok(), threads.is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn quota_resets_at_midnight_pacific() {
        let at = |h, m| Utc.with_ymd_and_hms(2026, 11, 23, h, m, 0).unwrap();
        assert_eq!(quota_wait(at(7, 0)), Duration::from_secs(3600));
        assert_eq!(quota_wait(at(8, 0)), Duration::from_secs(86_400));
        assert_eq!(
            quota_wait(at(20, 30)),
            Duration::from_secs(11 * 3600 + 1800)
        );
    }
}
