//! LinkedIn Pages (Community Management API, versioned REST): the organization's posts
//! (`/rest/posts?q=author`, `start`/`count` paging, upprättade), images resolved through
//! `/rest/images/{urn}`, each post's comments (`/rest/socialActions/{urn}/comments`, inkomna unless
//! the organization wrote them) and the replies to comments that have them. Every call carries
//! `LinkedIn-Version` and `X-Restli-Protocol-Version: 2.0.0`; URNs in paths are URL-encoded.
//! Deletions: a direct GET answering 404. Rate limits: 429 (`Retry-After`, else the daily reset at
//! midnight UTC).
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

/// The API version sent in `LinkedIn-Version` (versions are retired after about a year).
pub const LINKEDIN_VERSION: &str = "202511";
const COUNT: usize = 50;

pub struct Linkedin {
    http: Http,
    token: String,
    organization: String,
}

impl std::fmt::Debug for Linkedin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Linkedin")
            .field("base", &self.http.base.as_str())
            .field("organization", &self.organization)
            .field("token", &"***")
            .finish()
    }
}

#[derive(Deserialize)]
struct Collection<T> {
    #[serde(default = "Vec::new")]
    elements: Vec<T>,
    #[serde(default)]
    paging: Option<Paging>,
}

#[derive(Deserialize)]
struct Paging {
    #[serde(default)]
    total: Option<u64>,
}

#[derive(Deserialize)]
struct Post {
    id: String,
    #[serde(default)]
    author: String,
    #[serde(default)]
    commentary: String,
    #[serde(default, rename = "createdAt")]
    created_at: Option<i64>,
    #[serde(default, rename = "publishedAt")]
    published_at: Option<i64>,
    #[serde(default)]
    content: Option<Content>,
}

#[derive(Deserialize)]
struct Content {
    #[serde(default)]
    media: Option<MediaId>,
    #[serde(default, rename = "multiImage")]
    multi_image: Option<MultiImage>,
}

#[derive(Deserialize)]
struct MediaId {
    id: String,
}

#[derive(Deserialize)]
struct MultiImage {
    #[serde(default)]
    images: Vec<MediaId>,
}

#[derive(Deserialize)]
struct Comment {
    #[serde(default, rename = "commentUrn")]
    comment_urn: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    message: Option<Message>,
    #[serde(default)]
    created: Option<Stamp>,
    #[serde(default, rename = "parentComment")]
    parent_comment: Option<String>,
    #[serde(default, rename = "commentsSummary")]
    comments_summary: Option<Summary>,
}

#[derive(Deserialize)]
struct Message {
    #[serde(default)]
    text: String,
}

#[derive(Deserialize)]
struct Stamp {
    #[serde(default)]
    time: i64,
}

#[derive(Deserialize)]
struct Summary {
    #[serde(default, rename = "totalFirstLevelComments")]
    total_first_level_comments: u64,
}

#[derive(Deserialize)]
struct Image {
    #[serde(default, rename = "downloadUrl")]
    download_url: Option<String>,
}

#[derive(Deserialize)]
struct Acl {
    #[serde(default)]
    organization: String,
}

fn ms(t: Option<i64>) -> Option<DateTime<Utc>> {
    t.and_then(DateTime::from_timestamp_millis)
}

/// A URN as one URL path segment.
fn enc(urn: &str) -> String {
    url::form_urlencoded::byte_serialize(urn.as_bytes()).collect()
}

fn post_item(target: &Target, p: &Post, pointer: String) -> CaptureItem {
    let mut item = base_item(target, &p.id, pointer);
    classify(
        &mut item,
        p.author == target.platform_account_id,
        None,
        Some(p.id.clone()),
    );
    item.author_name = p.author.clone();
    item.author_platform_id = p.author.clone();
    item.text = p.commentary.clone();
    item.platform_time = ms(p.published_at.or(p.created_at));
    item
}

fn comment_item(
    target: &Target,
    c: &Comment,
    post: &str,
    parent: &str,
    pointer: String,
) -> CaptureItem {
    let id = if c.comment_urn.is_empty() {
        &c.id
    } else {
        &c.comment_urn
    };
    let mut item = base_item(target, id, pointer);
    let parent = c
        .parent_comment
        .clone()
        .unwrap_or_else(|| parent.to_string());
    classify(
        &mut item,
        c.actor == target.platform_account_id,
        Some(parent),
        Some(post.to_string()),
    );
    // the API names members only by URN; names need a separate profile look-up
    item.author_name = c.actor.clone();
    item.author_platform_id = c.actor.clone();
    item.text = c
        .message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default();
    item.platform_time = ms(c.created.as_ref().map(|s| s.time));
    item
}

/// The comment id inside `urn:li:comment:(urn:li:activity:1,2)`.
fn comment_id(urn: &str) -> Option<&str> {
    urn.strip_suffix(')')?
        .rsplit(',')
        .next()
        .filter(|s| !s.is_empty())
}

impl Linkedin {
    /// `base`: `https://api.linkedin.com`; `token`: a member token with `r_organization_social`
    /// of an administrator; `organization`: `urn:li:organization:{id}`.
    pub fn new(base: &str, token: &str, organization: &str) -> Result<Linkedin, CaptureError> {
        if token.trim().is_empty() {
            return Err(CaptureError::Config("the access token is empty".into()));
        }
        if !organization.starts_with("urn:li:organization:") {
            return Err(CaptureError::Config(format!(
                "'{organization}' is not an organization URN (urn:li:organization:ID)"
            )));
        }
        Ok(Linkedin {
            http: Http::new(base)?,
            token: token.trim().to_string(),
            organization: organization.to_string(),
        })
    }

    /// GET `/rest/{path}`; 404 comes back as `Ok(Err(raw))`.
    async fn get(
        &self,
        path: &str,
        params: &[(&str, &str)],
    ) -> Result<Result<RawResponse, RawResponse>, CaptureError> {
        let mut url = self.http.url(&format!("rest/{path}"))?;
        if !params.is_empty() {
            url.query_pairs_mut().extend_pairs(params);
        }
        let (raw, headers) = self
            .http
            .get(
                url,
                Some(&self.token),
                &[
                    ("LinkedIn-Version", LINKEDIN_VERSION),
                    ("X-Restli-Protocol-Version", "2.0.0"),
                ],
            )
            .await?;
        match raw.status {
            200..=299 => Ok(Ok(raw)),
            404 if serde_json::from_slice::<serde_json::Value>(&raw.body)
                .is_ok_and(|v| v["status"].as_i64() == Some(404)) =>
            {
                Ok(Err(raw))
            }
            401 | 403 => Err(CaptureError::Auth {
                status: raw.status,
                raw: Some(raw),
            }),
            429 => Err(CaptureError::RateLimited {
                retry_after: crate::http::retry_after(&headers).unwrap_or_else(|| {
                    let now = Utc::now();
                    Duration::from_secs(86_400 - u64::from(now.num_seconds_from_midnight()))
                }),
                raw: Some(raw),
            }),
            _ => Err(crate::http::fail(raw, &headers, "x-ratelimit-reset")),
        }
    }

    async fn get_ok(
        &self,
        path: &str,
        params: &[(&str, &str)],
    ) -> Result<RawResponse, CaptureError> {
        self.get(path, params)
            .await?
            .map_err(|raw| CaptureError::Unexpected {
                status: raw.status,
                raw: Some(raw),
            })
    }

    /// Download URLs of a post's images.
    async fn images(&self, p: &Post) -> Result<Vec<MediaRef>, CaptureError> {
        let mut urns: Vec<&str> = Vec::new();
        if let Some(c) = &p.content {
            urns.extend(c.media.iter().map(|m| m.id.as_str()));
            urns.extend(
                c.multi_image
                    .iter()
                    .flat_map(|m| m.images.iter().map(|i| i.id.as_str())),
            );
        }
        let mut out = Vec::new();
        for urn in urns.into_iter().filter(|u| u.starts_with("urn:li:image:")) {
            let raw = self.get_ok(&format!("images/{}", enc(urn)), &[]).await?;
            if let Some(url) = json::<Image>(&raw)?.download_url {
                out.push(MediaRef {
                    item: p.id.clone(),
                    url,
                });
            }
        }
        Ok(out)
    }

    /// Every page of the comments on `object` (a post or a comment).
    async fn comments(
        &self,
        target: &Target,
        post: &str,
        object: &str,
        depth: usize,
    ) -> Result<Vec<Batch>, CaptureError> {
        let mut out = Vec::new();
        let mut start = 0usize;
        for _ in 0..crate::MAX_PAGES {
            let (s, c) = (start.to_string(), "100".to_string());
            let raw = match self
                .get(
                    &format!("socialActions/{}/comments", enc(object)),
                    &[("start", &s), ("count", &c)],
                )
                .await?
            {
                Ok(raw) => raw,
                Err(_) => break, // deleted since the listing; looked up later
            };
            let page: Collection<Comment> = json(&raw)?;
            let items: Vec<CaptureItem> = page
                .elements
                .iter()
                .enumerate()
                .map(|(i, c)| comment_item(target, c, post, object, format!("/elements/{i}")))
                .collect();
            let n = page.elements.len();
            let with_replies: Vec<String> = page
                .elements
                .iter()
                .filter(|c| {
                    c.comments_summary
                        .as_ref()
                        .is_some_and(|s| s.total_first_level_comments > 0)
                })
                .map(|c| c.comment_urn.clone())
                .filter(|u| !u.is_empty())
                .collect();
            out.push(Batch::new(raw, items));
            if depth < 2 {
                for urn in with_replies {
                    out.extend(Box::pin(self.comments(target, post, &urn, depth + 1)).await?);
                }
            }
            start += n;
            let more = match page.paging.and_then(|p| p.total) {
                Some(total) => (start as u64) < total,
                None => n == 100,
            };
            if n == 0 || !more {
                break;
            }
        }
        Ok(out)
    }
}

#[async_trait]
impl Connector for Linkedin {
    fn platform(&self) -> Platform {
        Platform::Linkedin
    }

    async fn verify(&self) -> Result<String, CaptureError> {
        let raw = self
            .get_ok(
                "organizationAcls",
                &[
                    ("q", "roleAssignee"),
                    ("role", "ADMINISTRATOR"),
                    ("state", "APPROVED"),
                ],
            )
            .await?;
        let acls: Collection<Acl> = json(&raw)?;
        if acls
            .elements
            .iter()
            .any(|a| a.organization == self.organization)
        {
            Ok(self.organization.clone())
        } else {
            Err(CaptureError::Auth {
                status: raw.status,
                raw: Some(raw),
            })
        }
    }

    /// The cursor is the `start` of the next page of posts.
    async fn poll(&self, target: &Target, cursor: Option<&str>) -> Result<PollPage, CaptureError> {
        let start: usize = match cursor {
            None => 0,
            Some(c) => c
                .parse()
                .map_err(|_| CaptureError::Config(format!("bad LinkedIn cursor '{c}'")))?,
        };
        let (s, c) = (start.to_string(), COUNT.to_string());
        let raw = self
            .get_ok(
                "posts",
                &[
                    ("author", target.platform_account_id.as_str()),
                    ("q", "author"),
                    ("count", &c),
                    ("start", &s),
                    ("sortBy", "LAST_MODIFIED"),
                ],
            )
            .await?;
        let page: Collection<Post> = json(&raw)?;
        let items = page
            .elements
            .iter()
            .enumerate()
            .map(|(i, p)| post_item(target, p, format!("/elements/{i}")))
            .collect();
        let mut media = Vec::new();
        for p in &page.elements {
            media.extend(self.images(p).await?);
        }
        let mut batches = vec![Batch { raw, items, media }];
        for p in &page.elements {
            batches.extend(self.comments(target, &p.id, &p.id, 0).await?);
        }
        let n = page.elements.len();
        let next = start + n;
        let more = match page.paging.and_then(|p| p.total) {
            Some(total) => (next as u64) < total,
            None => n == COUNT,
        };
        Ok(PollPage {
            batches,
            next_cursor: (n > 0 && more).then(|| next.to_string()),
        })
    }

    async fn lookup(&self, target: &Target, item: &ItemRef) -> Result<Lookup, CaptureError> {
        let id = &item.platform_item_id;
        if !id.starts_with("urn:li:") {
            return Err(CaptureError::Config(format!(
                "'{id}' is not a LinkedIn URN"
            )));
        }
        if item.kind == ItemKind::Post {
            let raw = match self.get(&format!("posts/{}", enc(id)), &[]).await? {
                Ok(raw) => raw,
                Err(raw) => return Ok(Lookup::Gone(raw)),
            };
            let p: Post = json(&raw)?;
            let one = post_item(target, &p, String::new());
            let media = self.images(&p).await?;
            return Ok(Lookup::Present(Batch {
                raw,
                items: vec![one],
                media,
            }));
        }
        let (Some(object), Some(cid)) = (item.parent_platform_id.as_deref(), comment_id(id)) else {
            return Err(CaptureError::Config(format!(
                "'{id}' is not a comment URN with a parent"
            )));
        };
        let raw = match self
            .get(
                &format!("socialActions/{}/comments/{}", enc(object), enc(cid)),
                &[],
            )
            .await?
        {
            Ok(raw) => raw,
            Err(raw) => return Ok(Lookup::Gone(raw)),
        };
        let c: Comment = json(&raw)?;
        let post = item
            .thread_platform_id
            .clone()
            .unwrap_or_else(|| object.to_string());
        let one = comment_item(target, &c, &post, object, String::new());
        Ok(Lookup::Present(Batch::new(raw, vec![one])))
    }

    async fn fetch_media(&self, media: &MediaRef) -> Result<RawResponse, CaptureError> {
        self.http.media(&media.url).await
    }
}

/// Parses a posts page and a comments page as the poll does (for property tests).
pub fn parse_pages(target: &Target, body: &[u8]) -> (bool, bool) {
    let posts = serde_json::from_slice::<Collection<Post>>(body).map(|c| {
        for p in &c.elements {
            post_item(target, p, String::new());
        }
    });
    let comments = serde_json::from_slice::<Collection<Comment>>(body).map(|c| {
        for x in &c.elements {
            comment_item(target, x, "p", "p", String::new());
        }
    });
    (posts.is_ok(), comments.is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urns() {
        assert_eq!(
            comment_id("urn:li:comment:(urn:li:activity:7,42)"),
            Some("42")
        );
        assert_eq!(comment_id("urn:li:share:7"), None);
        assert_eq!(enc("urn:li:share:7"), "urn%3Ali%3Ashare%3A7");
        assert!(Linkedin::new("http://127.0.0.1:1", "t", "urn:li:person:1").is_err());
    }
}
