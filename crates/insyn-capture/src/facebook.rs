//! Facebook Pages (Graph API): the page's feed (`/{page-id}/feed`: the page's own posts are
//! upprättade, visitors' posts inkomna), each post's comments flattened with
//! `filter=stream` (replies carry `parent`), photos from `attachments`. Deletions: a direct
//! `GET /{id}` answering code 100 subcode 33. Hidden comments (`is_hidden`) stay records.
//! After the feed, the page's Messenger conversations (`/{page-id}/conversations?platform=messenger`,
//! each conversation's `/messages`): private messages are records too.
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

const POST_FIELDS: &str = "id,message,created_time,updated_time,from,permalink_url,is_hidden,attachments{media_type,media,url,subattachments}";
const COMMENT_FIELDS: &str =
    "id,message,created_time,from,parent{id},attachment,is_hidden,permalink_url";
const PAGE_LIMIT: &str = "25";
const COMMENT_LIMIT: &str = "100";

pub struct Facebook {
    graph: Graph,
}

impl std::fmt::Debug for Facebook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Facebook")
            .field("base", &self.graph.http.base.as_str())
            .field("token", &"***")
            .finish()
    }
}

#[derive(Deserialize)]
pub(crate) struct From {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
}

#[derive(Deserialize)]
pub(crate) struct Post {
    pub id: String,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub created_time: Option<String>,
    #[serde(default)]
    pub from: Option<From>,
    #[serde(default)]
    pub attachments: Option<Paged<Attachment>>,
}

#[derive(Deserialize)]
pub(crate) struct Attachment {
    #[serde(default)]
    pub media: Option<AttachmentMedia>,
    #[serde(default)]
    pub subattachments: Option<Paged<Attachment>>,
}

#[derive(Deserialize)]
pub(crate) struct AttachmentMedia {
    #[serde(default)]
    pub image: Option<Image>,
}

#[derive(Deserialize)]
pub(crate) struct Image {
    pub src: String,
}

#[derive(Deserialize)]
pub(crate) struct Comment {
    pub id: String,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub created_time: Option<String>,
    #[serde(default)]
    pub from: Option<From>,
    #[serde(default)]
    pub parent: Option<Parent>,
    #[serde(default)]
    pub attachment: Option<Attachment>,
}

#[derive(Deserialize)]
pub(crate) struct Parent {
    pub id: String,
}

fn attachment_urls(a: &Attachment, out: &mut Vec<String>) {
    if let Some(src) = a.media.as_ref().and_then(|m| m.image.as_ref()) {
        out.push(src.src.clone());
    }
    if let Some(sub) = &a.subattachments {
        for s in &sub.data {
            attachment_urls(s, out);
        }
    }
}

impl Facebook {
    /// `base`: `https://graph.facebook.com`; `token`: a Page access token.
    pub fn new(base: &str, token: &str) -> Result<Facebook, CaptureError> {
        Ok(Facebook {
            graph: Graph::new(base, token)?,
        })
    }

    fn post_item(
        target: &Target,
        p: &Post,
        pointer: String,
        media: &mut Vec<MediaRef>,
    ) -> CaptureItem {
        let mut item = base_item(target, &p.id, pointer);
        let own = p
            .from
            .as_ref()
            .is_some_and(|f| f.id == target.platform_account_id);
        classify(&mut item, own, None, Some(p.id.clone()));
        if let Some(f) = &p.from {
            item.author_name = f.name.clone();
            item.author_platform_id = f.id.clone();
        }
        item.text = p.message.clone().unwrap_or_default();
        item.platform_time = p.created_time.as_deref().and_then(time);
        let mut urls = Vec::new();
        for a in p.attachments.iter().flat_map(|a| &a.data) {
            attachment_urls(a, &mut urls);
        }
        media.extend(urls.into_iter().map(|url| MediaRef {
            item: p.id.clone(),
            url,
        }));
        item
    }

    fn comment_item(
        target: &Target,
        c: &Comment,
        post_id: &str,
        pointer: String,
        media: &mut Vec<MediaRef>,
    ) -> CaptureItem {
        let mut item = base_item(target, &c.id, pointer);
        let own = c
            .from
            .as_ref()
            .is_some_and(|f| f.id == target.platform_account_id);
        let parent = c
            .parent
            .as_ref()
            .map(|p| p.id.clone())
            .unwrap_or_else(|| post_id.to_string());
        classify(&mut item, own, Some(parent), Some(post_id.to_string()));
        // without the right permission Graph leaves `from` out: the author stays unknown
        if let Some(f) = &c.from {
            item.author_name = f.name.clone();
            item.author_platform_id = f.id.clone();
        }
        item.text = c.message.clone().unwrap_or_default();
        item.platform_time = c.created_time.as_deref().and_then(time);
        let mut urls = Vec::new();
        if let Some(a) = &c.attachment {
            attachment_urls(a, &mut urls);
        }
        media.extend(urls.into_iter().map(|url| MediaRef {
            item: c.id.clone(),
            url,
        }));
        item
    }

    /// Every page of one post's comments.
    async fn comments(&self, target: &Target, post_id: &str) -> Result<Vec<Batch>, CaptureError> {
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut params = vec![
                ("fields", COMMENT_FIELDS),
                ("filter", "stream"),
                ("order", "chronological"),
                ("limit", COMMENT_LIMIT),
            ];
            if let Some(a) = &after {
                params.push(("after", a));
            }
            let raw = match self
                .graph
                .get(&format!("{post_id}/comments"), &params)
                .await?
            {
                Answer::Ok(raw) => raw,
                Answer::NotFound(_) => break, // deleted since the listing; looked up later
            };
            let page: Paged<Comment> = crate::http::json(&raw)?;
            let mut media = Vec::new();
            let items = page
                .data
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    Self::comment_item(target, c, post_id, format!("/data/{i}"), &mut media)
                })
                .collect();
            after = page.after();
            out.push(Batch { raw, items, media });
            if after.is_none() {
                break;
            }
        }
        Ok(out)
    }
}

#[async_trait]
impl Connector for Facebook {
    fn platform(&self) -> Platform {
        Platform::Facebook
    }

    async fn verify(&self) -> Result<String, CaptureError> {
        #[derive(Deserialize)]
        struct Me {
            id: String,
        }
        let (_, me): (_, Me) = self.graph.get_json("me", &[("fields", "id,name")]).await?;
        Ok(me.id)
    }

    async fn poll(&self, target: &Target, cursor: Option<&str>) -> Result<PollPage, CaptureError> {
        let cursor = match graph_cursor(cursor) {
            GraphCursor::Listing(c) => c,
            GraphCursor::Conversations(after) => {
                let (batches, next_cursor) = self
                    .graph
                    .conversations(target, &target.platform_account_id, "messenger", after)
                    .await?;
                return Ok(PollPage {
                    batches,
                    next_cursor: next_cursor.map(|n| format!("conversations:{n}")),
                });
            }
        };
        let mut params = vec![("fields", POST_FIELDS), ("limit", PAGE_LIMIT)];
        if let Some(c) = cursor {
            params.push(("after", c));
        }
        let (raw, page): (_, Paged<Post>) = self
            .graph
            .get_json(&format!("{}/feed", target.platform_account_id), &params)
            .await?;
        let mut media = Vec::new();
        let items = page
            .data
            .iter()
            .enumerate()
            .map(|(i, p)| Self::post_item(target, p, format!("/data/{i}"), &mut media))
            .collect();
        let mut batches = vec![Batch { raw, items, media }];
        for p in &page.data {
            batches.extend(self.comments(target, &p.id).await?);
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
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit() || c == '_') {
            return Err(CaptureError::Config(format!(
                "'{id}' is not a Graph object id"
            )));
        }
        let fields = if item.kind == ItemKind::Post {
            POST_FIELDS
        } else {
            COMMENT_FIELDS
        };
        let raw = match self.graph.get(id, &[("fields", fields)]).await? {
            Answer::Ok(raw) => raw,
            Answer::NotFound(raw) => return Ok(Lookup::Gone(raw)),
        };
        let mut media = Vec::new();
        let one = if item.kind == ItemKind::Post {
            let p: Post = crate::http::json(&raw)?;
            Self::post_item(target, &p, String::new(), &mut media)
        } else {
            let c: Comment = crate::http::json(&raw)?;
            let post = item
                .thread_platform_id
                .clone()
                .unwrap_or_else(|| c.id.clone());
            Self::comment_item(target, &c, &post, String::new(), &mut media)
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

/// Parses a feed page the way [`Facebook::poll`] does (for property tests).
pub fn parse_feed(target: &Target, body: &[u8]) -> Result<usize, serde_json::Error> {
    let page: Paged<Post> = serde_json::from_slice(body)?;
    let mut media = Vec::new();
    for (i, p) in page.data.iter().enumerate() {
        Facebook::post_item(target, p, format!("/data/{i}"), &mut media);
    }
    Ok(page.data.len())
}

/// Parses a comments page the way the poll does (for property tests).
pub fn parse_comments(target: &Target, body: &[u8]) -> Result<usize, serde_json::Error> {
    let page: Paged<Comment> = serde_json::from_slice(body)?;
    let mut media = Vec::new();
    for (i, c) in page.data.iter().enumerate() {
        Facebook::comment_item(target, c, "1_1", format!("/data/{i}"), &mut media);
    }
    Ok(page.data.len())
}

/// Parses a page of messages as the poll does (for property tests); the number of items.
pub fn parse_messages(target: &Target, body: &[u8]) -> Result<usize, serde_json::Error> {
    let page: Paged<crate::graph::Message> = serde_json::from_slice(body)?;
    let mut media = Vec::new();
    Ok(page
        .data
        .iter()
        .map(|m| crate::graph::message_item(target, m, String::new(), &mut media))
        .count())
}
