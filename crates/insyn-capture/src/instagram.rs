//! Instagram (Graph API, professional accounts): the account's media (`/{ig-user-id}/media`,
//! upprättade; `media_url` and carousel `children` downloaded at once, the URLs expire in days),
//! each media's comments with their `replies` (others' comments inkomna, the account's own
//! answers upprättade). Instagram pushes no deletions: a direct `GET /{id}` answering code 100
//! subcode 33 is the evidence. After the media, Instagram Direct: the token's conversations
//! (`/me/conversations?platform=instagram`) and their `/messages`.
use crate::graph::{
    Answer, Graph, GraphCursor, MAX_PAGES, Paged, after_listing, graph_cursor, time,
};
use crate::{
    Batch, CaptureError, Connector, ItemRef, Lookup, MediaRef, PollPage, RawResponse, Target,
    base_item, classify,
};
use async_trait::async_trait;
use insyn_domain::{CaptureItem, ItemKind, Platform};
use serde::Deserialize;

const MEDIA_FIELDS: &str = "id,caption,media_type,media_product_type,media_url,thumbnail_url,permalink,timestamp,username,owner{id},children{id,media_type,media_url}";
const COMMENT_FIELDS: &str = "id,text,timestamp,username,from{id,username},hidden,parent_id,replies{id,text,timestamp,username,from{id,username},hidden,parent_id}";
const REPLY_FIELDS: &str = "id,text,timestamp,username,from{id,username},hidden,parent_id";
const PAGE_LIMIT: &str = "25";

pub struct Instagram {
    graph: Graph,
}

impl std::fmt::Debug for Instagram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Instagram")
            .field("base", &self.graph.http.base.as_str())
            .field("token", &"***")
            .finish()
    }
}

#[derive(Deserialize)]
struct Owner {
    id: String,
}

#[derive(Deserialize)]
struct Media {
    id: String,
    #[serde(default)]
    caption: Option<String>,
    #[serde(default)]
    media_type: Option<String>,
    #[serde(default)]
    media_url: Option<String>,
    #[serde(default)]
    thumbnail_url: Option<String>,
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    owner: Option<Owner>,
    #[serde(default)]
    children: Option<Paged<Child>>,
}

#[derive(Deserialize)]
struct Child {
    #[serde(default)]
    media_url: Option<String>,
}

#[derive(Deserialize)]
struct From {
    #[serde(default)]
    id: String,
    #[serde(default)]
    username: String,
}

#[derive(Deserialize)]
struct Comment {
    id: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    from: Option<From>,
    #[serde(default)]
    parent_id: Option<String>,
    #[serde(default)]
    replies: Option<Paged<Comment>>,
}

impl Instagram {
    /// `base`: `https://graph.facebook.com` (Instagram API with Facebook Login) or
    /// `https://graph.instagram.com`; `token`: the account's access token.
    pub fn new(base: &str, token: &str) -> Result<Instagram, CaptureError> {
        Ok(Instagram {
            graph: Graph::new(base, token)?,
        })
    }

    fn media_item(
        target: &Target,
        m: &Media,
        pointer: String,
        media: &mut Vec<MediaRef>,
    ) -> CaptureItem {
        let mut item = base_item(target, &m.id, pointer);
        // the media edge only lists the account's own media
        let own = m
            .owner
            .as_ref()
            .is_none_or(|o| o.id == target.platform_account_id);
        classify(&mut item, own, None, Some(m.id.clone()));
        item.author_name = m.username.clone().unwrap_or_default();
        item.author_platform_id = m
            .owner
            .as_ref()
            .map(|o| o.id.clone())
            .unwrap_or_else(|| target.platform_account_id.clone());
        item.text = m.caption.clone().unwrap_or_default();
        item.platform_time = m.timestamp.as_deref().and_then(time);
        let mut urls: Vec<String> = Vec::new();
        match &m.children {
            Some(c) if !c.data.is_empty() => {
                urls.extend(c.data.iter().filter_map(|c| c.media_url.clone()))
            }
            _ => {
                // a video's poster is what can be kept when the video URL is left out
                let url = if m.media_type.as_deref() == Some("VIDEO") {
                    m.media_url.clone().or_else(|| m.thumbnail_url.clone())
                } else {
                    m.media_url.clone()
                };
                urls.extend(url);
            }
        }
        media.extend(urls.into_iter().map(|url| MediaRef {
            item: m.id.clone(),
            url,
        }));
        item
    }

    fn comment_item(target: &Target, c: &Comment, media_id: &str, pointer: String) -> CaptureItem {
        let mut item = base_item(target, &c.id, pointer);
        let own = c
            .from
            .as_ref()
            .is_some_and(|f| f.id == target.platform_account_id);
        let parent = c.parent_id.clone().unwrap_or_else(|| media_id.to_string());
        classify(&mut item, own, Some(parent), Some(media_id.to_string()));
        item.author_name = c
            .from
            .as_ref()
            .map(|f| f.username.clone())
            .or_else(|| c.username.clone())
            .unwrap_or_default();
        item.author_platform_id = c.from.as_ref().map(|f| f.id.clone()).unwrap_or_default();
        item.text = c.text.clone().unwrap_or_default();
        item.platform_time = c.timestamp.as_deref().and_then(time);
        item
    }

    fn flatten(target: &Target, page: &Paged<Comment>, media_id: &str) -> Vec<CaptureItem> {
        let mut items = Vec::new();
        for (i, c) in page.data.iter().enumerate() {
            items.push(Self::comment_item(
                target,
                c,
                media_id,
                format!("/data/{i}"),
            ));
            for (j, r) in c.replies.iter().flat_map(|r| r.data.iter()).enumerate() {
                let mut item =
                    Self::comment_item(target, r, media_id, format!("/data/{i}/replies/data/{j}"));
                item.parent_platform_id = Some(c.id.clone());
                items.push(item);
            }
        }
        items
    }

    async fn comments(&self, target: &Target, media_id: &str) -> Result<Vec<Batch>, CaptureError> {
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut params = vec![("fields", COMMENT_FIELDS), ("limit", "50")];
            if let Some(a) = &after {
                params.push(("after", a));
            }
            let raw = match self
                .graph
                .get(&format!("{media_id}/comments"), &params)
                .await?
            {
                Answer::Ok(raw) => raw,
                Answer::NotFound(_) => break,
            };
            let page: Paged<Comment> = crate::http::json(&raw)?;
            let items = Self::flatten(target, &page, media_id);
            // a comment with more replies than the nested first page: the rest from /replies
            let more: Vec<String> = page
                .data
                .iter()
                .filter(|c| c.replies.as_ref().is_some_and(|r| r.after().is_some()))
                .map(|c| c.id.clone())
                .collect();
            after = page.after();
            out.push(Batch::new(raw, items));
            for parent in more {
                let (raw, replies): (_, Paged<Comment>) = self
                    .graph
                    .get_json(
                        &format!("{parent}/replies"),
                        &[("fields", REPLY_FIELDS), ("limit", "50")],
                    )
                    .await?;
                let items = replies
                    .data
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        let mut item =
                            Self::comment_item(target, r, media_id, format!("/data/{i}"));
                        item.parent_platform_id = Some(parent.clone());
                        item
                    })
                    .collect();
                out.push(Batch::new(raw, items));
            }
            if after.is_none() {
                break;
            }
        }
        Ok(out)
    }
}

#[async_trait]
impl Connector for Instagram {
    fn platform(&self) -> Platform {
        Platform::Instagram
    }

    async fn verify(&self) -> Result<String, CaptureError> {
        #[derive(Deserialize)]
        struct Me {
            id: String,
        }
        let (_, me): (_, Me) = self
            .graph
            .get_json("me", &[("fields", "id,username")])
            .await?;
        Ok(me.id)
    }

    async fn poll(&self, target: &Target, cursor: Option<&str>) -> Result<PollPage, CaptureError> {
        let cursor = match graph_cursor(cursor) {
            GraphCursor::Listing(c) => c,
            GraphCursor::Conversations(after) => {
                // the token's own conversations: Instagram Direct
                let (batches, next_cursor) = self
                    .graph
                    .conversations(target, "me", "instagram", after)
                    .await?;
                return Ok(PollPage {
                    batches,
                    next_cursor: next_cursor.map(|n| format!("conversations:{n}")),
                });
            }
        };
        let mut params = vec![("fields", MEDIA_FIELDS), ("limit", PAGE_LIMIT)];
        if let Some(c) = cursor {
            params.push(("after", c));
        }
        let (raw, page): (_, Paged<Media>) = self
            .graph
            .get_json(&format!("{}/media", target.platform_account_id), &params)
            .await?;
        let mut media = Vec::new();
        let items = page
            .data
            .iter()
            .enumerate()
            .map(|(i, m)| Self::media_item(target, m, format!("/data/{i}"), &mut media))
            .collect();
        let mut batches = vec![Batch { raw, items, media }];
        for m in &page.data {
            batches.extend(self.comments(target, &m.id).await?);
        }
        Ok(PollPage {
            batches,
            next_cursor: after_listing(page.after()),
        })
    }

    async fn lookup(&self, target: &Target, item: &ItemRef) -> Result<Lookup, CaptureError> {
        let id = &item.platform_item_id;
        if item.kind == ItemKind::Message {
            return self.graph.message(target, id).await;
        }
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
            return Err(CaptureError::Config(format!(
                "'{id}' is not an Instagram object id"
            )));
        }
        let post = item.kind == ItemKind::Post;
        let fields = if post { MEDIA_FIELDS } else { REPLY_FIELDS };
        let raw = match self.graph.get(id, &[("fields", fields)]).await? {
            Answer::Ok(raw) => raw,
            Answer::NotFound(raw) => return Ok(Lookup::Gone(raw)),
        };
        let mut media = Vec::new();
        let one = if post {
            let m: Media = crate::http::json(&raw)?;
            Self::media_item(target, &m, String::new(), &mut media)
        } else {
            let c: Comment = crate::http::json(&raw)?;
            let thread = item.thread_platform_id.clone().unwrap_or_default();
            let mut one = Self::comment_item(target, &c, &thread, String::new());
            if c.parent_id.is_none() {
                one.parent_platform_id = item.parent_platform_id.clone();
            }
            one
        };
        Ok(Lookup::Present(Batch {
            raw,
            items: vec![one],
            media,
        }))
    }

    async fn fetch_media(&self, media: &MediaRef) -> Result<RawResponse, CaptureError> {
        self.graph.http.media(&media.url).await
    }
}

/// Parses a media page and a comments page as the poll does (for property tests).
pub fn parse_pages(target: &Target, body: &[u8]) -> (bool, bool) {
    let media = serde_json::from_slice::<Paged<Media>>(body).map(|p| {
        let mut m = Vec::new();
        for x in &p.data {
            Instagram::media_item(target, x, String::new(), &mut m);
        }
    });
    let comments = serde_json::from_slice::<Paged<Comment>>(body)
        .map(|p| Instagram::flatten(target, &p, "1").len());
    (media.is_ok(), comments.is_ok())
}
