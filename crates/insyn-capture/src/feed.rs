//! RSS 2.0 and Atom feeds of the authority's own web site (R2.1), e.g. WordPress: the site's posts
//! from its feed (upprättade; title and text, `enclosure` / `media:content` / Atom enclosure links
//! as media), each post's comment feed (`wfw:commentRss`, or Atom `link rel="replies"`: inkomna;
//! `thr:in-reply-to` gives the parent), older pages through RFC 5005 `link rel="next"`. Feeds are
//! windows, so absence proves nothing: a post is gone when its address answers 404 or 410, a
//! WordPress comment when `/wp-json/wp/v2/comments/{id}` answers `rest_comment_invalid_id`.
//! Anything else leaves the record as it is. An optional bearer token is sent to the site only.
use crate::http::Http;
use crate::{
    Batch, CaptureError, Connector, ItemRef, Lookup, MediaRef, PollPage, RawResponse, Target,
    base_item, classify,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use insyn_domain::{CaptureItem, ItemKind, Platform};

/// Deepest element nesting read.
const MAX_DEPTH: usize = 64;
/// Most elements read from one document.
const MAX_NODES: usize = 200_000;
/// Most comment feeds read per page of posts.
const MAX_COMMENT_FEEDS: usize = 100;

/// One XML element: its name as written (`dc:creator`), attributes, text and children.
#[derive(Debug, Default)]
pub struct Node {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Node>,
}

impl Node {
    fn local(&self) -> &str {
        self.name.rsplit(':').next().unwrap_or(&self.name)
    }

    fn child(&self, local: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.local() == local)
    }

    fn children_named<'a>(&'a self, local: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.local() == local)
    }

    fn text_of(&self, local: &str) -> Option<String> {
        self.child(local)
            .map(|c| c.text.trim().to_string())
            .filter(|t| !t.is_empty())
    }

    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name || k.rsplit(':').next() == Some(name))
            .map(|(_, v)| v.as_str())
    }

    /// An Atom-style `<link rel=… href=…>` (also `atom:link` inside RSS).
    fn link_rel(&self, rel: &str) -> Option<String> {
        self.children_named("link")
            .find(|l| l.attr("rel").unwrap_or("alternate") == rel && l.attr("href").is_some())
            .and_then(|l| l.attr("href"))
            .map(str::to_string)
    }
}

fn entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        n if n.starts_with("#x") || n.starts_with("#X") => u32::from_str_radix(&n[2..], 16)
            .ok()
            .and_then(char::from_u32),
        n if n.starts_with('#') => n[1..].parse().ok().and_then(char::from_u32),
        _ => None,
    }
}

/// Reads an XML document into a tree; malformed XML is an error, never a panic.
pub fn parse_xml(body: &[u8]) -> Result<Node, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut buf = Vec::new();
    let mut stack: Vec<Node> = vec![Node::default()];
    let mut nodes = 0usize;
    let open = |e: &quick_xml::events::BytesStart<'_>| -> Result<Node, String> {
        let mut attrs = Vec::new();
        for a in e.attributes() {
            let a = a.map_err(|e| format!("attribute: {e}"))?;
            attrs.push((
                String::from_utf8_lossy(a.key.as_ref()).into_owned(),
                crate::html_to_text(&String::from_utf8_lossy(&a.value)),
            ));
        }
        Ok(Node {
            name: String::from_utf8_lossy(e.name().as_ref()).into_owned(),
            attrs,
            ..Default::default()
        })
    };
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| format!("XML at byte {}: {e}", reader.buffer_position()))?;
        match event {
            Event::Start(e) => {
                nodes += 1;
                if stack.len() > MAX_DEPTH || nodes > MAX_NODES {
                    return Err("the XML is nested too deep or has too many elements".into());
                }
                stack.push(open(&e)?);
            }
            Event::Empty(e) => {
                nodes += 1;
                if nodes > MAX_NODES {
                    return Err("the XML has too many elements".into());
                }
                let node = open(&e)?;
                if let Some(top) = stack.last_mut() {
                    top.children.push(node);
                }
            }
            Event::End(_) => {
                let node = stack.pop().ok_or("unbalanced end tag")?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => return Err("unbalanced end tag".into()),
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::GeneralRef(r) => {
                let name = String::from_utf8_lossy(&r).into_owned();
                if let Some(top) = stack.last_mut() {
                    match entity(&name) {
                        Some(c) => top.text.push(c),
                        None => {
                            top.text.push('&');
                            top.text.push_str(&name);
                            top.text.push(';');
                        }
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if stack.len() != 1 {
        return Err("the XML ends before its elements are closed".into());
    }
    let mut root = stack.pop().unwrap_or_default();
    if root.children.len() != 1 {
        return Err("the XML has no single root element".into());
    }
    Ok(root.children.remove(0))
}

/// One entry of a feed, whichever format.
#[derive(Debug)]
pub struct Entry {
    pub id: String,
    pub link: Option<String>,
    pub title: String,
    pub body: String,
    pub author: String,
    pub published: Option<DateTime<Utc>>,
    pub in_reply_to: Option<String>,
    pub comments_feed: Option<String>,
    pub media: Vec<String>,
}

/// A parsed feed: the site's address, its entries, the next page.
#[derive(Debug)]
pub struct Parsed {
    pub site: String,
    pub entries: Vec<Entry>,
    pub next: Option<String>,
}

fn time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(s.trim())
        .or_else(|_| DateTime::parse_from_rfc3339(s.trim()))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Parses RSS 2.0 or Atom.
pub fn parse_feed(body: &[u8]) -> Result<Parsed, String> {
    let root = parse_xml(body)?;
    match root.local() {
        "rss" => {
            let channel = root
                .child("channel")
                .ok_or("an RSS feed without <channel>")?;
            let site = channel
                .children_named("link")
                .find(|l| l.attrs.is_empty())
                .map(|l| l.text.trim().to_string())
                .unwrap_or_default();
            let mut entries = Vec::new();
            for (n, item) in channel.children_named("item").enumerate() {
                let link = item
                    .children_named("link")
                    .find(|l| l.attrs.is_empty())
                    .map(|l| l.text.trim().to_string())
                    .filter(|l| !l.is_empty());
                let id = item
                    .text_of("guid")
                    .or_else(|| link.clone())
                    .ok_or(format!("item {n} has neither <guid> nor <link>"))?;
                let html = item
                    .text_of("encoded")
                    .or_else(|| item.text_of("description"))
                    .unwrap_or_default();
                let mut media: Vec<String> = item
                    .children_named("enclosure")
                    .chain(
                        item.children_named("content")
                            .filter(|c| c.attr("url").is_some()),
                    )
                    .filter_map(|e| e.attr("url").map(str::to_string))
                    .collect();
                media.dedup();
                entries.push(Entry {
                    id,
                    link,
                    title: item.text_of("title").unwrap_or_default(),
                    body: crate::html_to_text(&html),
                    author: item
                        .text_of("creator")
                        .or_else(|| item.text_of("author"))
                        .unwrap_or_default(),
                    published: item.text_of("pubDate").as_deref().and_then(time),
                    in_reply_to: item
                        .child("in-reply-to")
                        .and_then(|r| r.attr("ref"))
                        .map(str::to_string),
                    comments_feed: item.text_of("commentRss"),
                    media,
                });
            }
            Ok(Parsed {
                site,
                entries,
                next: channel.link_rel("next"),
            })
        }
        "feed" => {
            let site = root
                .link_rel("alternate")
                .or_else(|| root.text_of("id"))
                .unwrap_or_default();
            let mut entries = Vec::new();
            for (n, e) in root.children_named("entry").enumerate() {
                let link = e.link_rel("alternate");
                let id = e
                    .text_of("id")
                    .or_else(|| link.clone())
                    .ok_or(format!("entry {n} has neither <id> nor a link"))?;
                let content = e.child("content").or_else(|| e.child("summary"));
                let body = content
                    .map(|c| {
                        if c.attr("type").is_some_and(|t| t.contains("html")) {
                            crate::html_to_text(&c.text)
                        } else {
                            c.text.trim().to_string()
                        }
                    })
                    .unwrap_or_default();
                let replies = e
                    .children_named("link")
                    .find(|l| {
                        l.attr("rel") == Some("replies")
                            && l.attr("type").is_none_or(|t| t.contains("atom"))
                    })
                    .and_then(|l| l.attr("href"))
                    .map(str::to_string);
                entries.push(Entry {
                    id,
                    link,
                    title: e.text_of("title").unwrap_or_default(),
                    body,
                    author: e
                        .child("author")
                        .and_then(|a| a.text_of("name"))
                        .unwrap_or_default(),
                    published: e
                        .text_of("published")
                        .or_else(|| e.text_of("updated"))
                        .as_deref()
                        .and_then(time),
                    in_reply_to: e
                        .child("in-reply-to")
                        .and_then(|r| r.attr("ref"))
                        .map(str::to_string),
                    comments_feed: replies,
                    media: e
                        .children_named("link")
                        .filter(|l| l.attr("rel") == Some("enclosure"))
                        .filter_map(|l| l.attr("href").map(str::to_string))
                        .collect(),
                });
            }
            Ok(Parsed {
                site,
                entries,
                next: root.link_rel("next"),
            })
        }
        other => Err(format!("<{other}> is not an RSS or Atom feed")),
    }
}

pub struct Feed {
    http: Http,
    feed: url::Url,
    token: Option<String>,
}

impl std::fmt::Debug for Feed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Feed")
            .field("feed", &self.feed.as_str())
            .field("token", &self.token.as_ref().map(|_| "***"))
            .finish()
    }
}

impl Feed {
    /// `feed`: the site's posts feed, e.g. `https://www.ekbacka.se/feed/`; `token`: a bearer token
    /// for a feed that needs one.
    pub fn new(feed: &str, token: Option<&str>) -> Result<Feed, CaptureError> {
        let url = url::Url::parse(feed)
            .map_err(|e| CaptureError::Config(format!("feed URL '{feed}': {e}")))?;
        let origin = format!("{}://{}/", url.scheme(), url.host_str().unwrap_or_default());
        let origin = match url.port() {
            Some(p) => origin.trim_end_matches('/').to_string() + &format!(":{p}/"),
            None => origin,
        };
        Ok(Feed {
            http: Http::new(&origin)?,
            feed: url,
            token: token
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string),
        })
    }

    /// Only addresses on the feed's own site are fetched.
    fn same_site(&self, u: &str) -> Result<url::Url, CaptureError> {
        let url = url::Url::parse(u).map_err(|e| CaptureError::Config(format!("'{u}': {e}")))?;
        if url.host_str() != self.feed.host_str() || url.port() != self.feed.port() {
            return Err(CaptureError::Config(format!(
                "'{u}' is not on the feed's site {}",
                self.feed.host_str().unwrap_or_default()
            )));
        }
        Ok(url)
    }

    async fn fetch(&self, url: url::Url, head: bool) -> Result<RawResponse, CaptureError> {
        let (raw, headers) = if head {
            let mut req = self.http.client.head(url.clone());
            if let Some(t) = &self.token {
                req = req.bearer_auth(t);
            }
            self.http
                .send(req, &url, self.token.as_deref(), crate::MAX_BODY_BYTES)
                .await?
        } else {
            self.http.get(url, self.token.as_deref(), &[]).await?
        };
        match raw.status {
            200..=399 | 404 | 410 => Ok(raw),
            403 => Err(CaptureError::Auth {
                status: 403,
                raw: Some(raw),
            }),
            _ => Err(crate::http::fail(raw, &headers, "x-ratelimit-reset")),
        }
    }

    async fn fetch_feed(&self, url: url::Url) -> Result<(RawResponse, Parsed), CaptureError> {
        let raw = self.fetch(url, false).await?;
        if !(200..300).contains(&raw.status) {
            return Err(CaptureError::Unexpected {
                status: raw.status,
                raw: Some(raw),
            });
        }
        let parsed = parse_feed(&raw.body).map_err(|m| CaptureError::Parse {
            message: format!("{}: {m}", raw.url),
            raw: Some(raw.clone()),
        })?;
        Ok((raw, parsed))
    }
}

fn post_item(
    target: &Target,
    e: &Entry,
    pointer: String,
    media: &mut Vec<MediaRef>,
) -> CaptureItem {
    let mut item = base_item(target, &e.id, pointer);
    classify(&mut item, true, None, Some(e.id.clone()));
    item.author_name = e.author.clone();
    item.text = if e.body.is_empty() || e.body == e.title {
        e.title.clone()
    } else if e.title.is_empty() {
        e.body.clone()
    } else {
        format!("{}\n\n{}", e.title, e.body)
    };
    item.platform_time = e.published;
    media.extend(e.media.iter().map(|url| MediaRef {
        item: e.id.clone(),
        url: url.clone(),
    }));
    item
}

/// Comments on the site are what others write: inkomna (the feed does not say who is staff).
fn comment_item(target: &Target, e: &Entry, post: &str, pointer: String) -> CaptureItem {
    let mut item = base_item(target, &e.id, pointer);
    let parent = e.in_reply_to.clone().unwrap_or_else(|| post.to_string());
    classify(&mut item, false, Some(parent), Some(post.to_string()));
    item.author_name = e.author.clone();
    item.text = if e.body.is_empty() {
        e.title.clone()
    } else {
        e.body.clone()
    };
    item.platform_time = e.published;
    item
}

/// The WordPress comment id in a comment's guid or link (`…#comment-42`).
fn wp_comment_id(id: &str) -> Option<&str> {
    let n = id.rsplit_once("comment-")?.1;
    (!n.is_empty() && n.chars().all(|c| c.is_ascii_digit())).then_some(n)
}

#[async_trait]
impl Connector for Feed {
    fn platform(&self) -> Platform {
        Platform::Feed
    }

    /// The site's address as the feed names it.
    async fn verify(&self) -> Result<String, CaptureError> {
        let (raw, parsed) = self.fetch_feed(self.feed.clone()).await?;
        if parsed.site.is_empty() {
            return Err(CaptureError::Parse {
                message: "the feed names no site (<link> or Atom <id>)".into(),
                raw: Some(raw),
            });
        }
        Ok(parsed.site)
    }

    /// The cursor is the address of the next page (RFC 5005), on the same site.
    async fn poll(&self, target: &Target, cursor: Option<&str>) -> Result<PollPage, CaptureError> {
        let url = match cursor {
            Some(c) => self.same_site(c)?,
            None => self.feed.clone(),
        };
        let (raw, parsed) = self.fetch_feed(url).await?;
        let mut media = Vec::new();
        let items = parsed
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| post_item(target, e, format!("/item/{i}"), &mut media))
            .collect();
        let mut batches = vec![Batch { raw, items, media }];
        for e in parsed.entries.iter().take(MAX_COMMENT_FEEDS) {
            let Some(cf) = &e.comments_feed else { continue };
            let raw = self.fetch(self.same_site(cf)?, false).await?;
            if !(200..300).contains(&raw.status) {
                continue; // the post is gone since the listing; looked up later
            }
            let comments = parse_feed(&raw.body).map_err(|m| CaptureError::Parse {
                message: format!("{}: {m}", raw.url),
                raw: Some(raw.clone()),
            })?;
            let items = comments
                .entries
                .iter()
                .enumerate()
                .map(|(i, c)| comment_item(target, c, &e.id, format!("/item/{i}")))
                .collect();
            batches.push(Batch::new(raw, items));
        }
        Ok(PollPage {
            batches,
            next_cursor: parsed.next,
        })
    }

    async fn lookup(&self, target: &Target, item: &ItemRef) -> Result<Lookup, CaptureError> {
        let id = &item.platform_item_id;
        if item.kind != ItemKind::Post {
            let Some(n) = wp_comment_id(id) else {
                return Err(CaptureError::Config(format!(
                    "cannot look up the comment '{id}': not a WordPress comment address"
                )));
            };
            let raw = self
                .fetch(
                    self.http.url(&format!("wp-json/wp/v2/comments/{n}"))?,
                    false,
                )
                .await?;
            let code = serde_json::from_slice::<serde_json::Value>(&raw.body)
                .ok()
                .and_then(|v| v["code"].as_str().map(str::to_string));
            if raw.status == 404 && code.as_deref() == Some("rest_comment_invalid_id") {
                return Ok(Lookup::Gone(raw));
            }
            if raw.status == 200 {
                #[derive(serde::Deserialize)]
                struct Rendered {
                    #[serde(default)]
                    rendered: String,
                }
                #[derive(serde::Deserialize)]
                struct WpComment {
                    #[serde(default)]
                    author_name: String,
                    #[serde(default)]
                    content: Option<Rendered>,
                    #[serde(default)]
                    status: Option<String>,
                }
                let c: WpComment = crate::http::json(&raw)?;
                if c.status.as_deref() == Some("trash") {
                    return Ok(Lookup::Gone(raw));
                }
                let mut one = base_item(target, id, String::new());
                classify(
                    &mut one,
                    false,
                    item.parent_platform_id.clone(),
                    item.thread_platform_id.clone(),
                );
                one.author_name = c.author_name;
                one.text = crate::html_to_text(&c.content.map(|r| r.rendered).unwrap_or_default());
                return Ok(Lookup::Present(Batch::new(raw, vec![one])));
            }
            return Ok(Lookup::Unconfirmed(raw));
        }
        // a post: its own address
        let raw = self.fetch(self.same_site(id)?, true).await?;
        Ok(match raw.status {
            404 | 410 => Lookup::Gone(raw),
            _ => Lookup::Unconfirmed(raw),
        })
    }

    async fn fetch_media(&self, media: &MediaRef) -> Result<RawResponse, CaptureError> {
        self.http.media(&media.url).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rss_and_atom() {
        let rss = r#"<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel><title>Ekbacka</title><link>https://ekbacka.se</link><atom:link rel="next" href="https://ekbacka.se/feed/?paged=2"/>
<item><title>Sn&#246;r&#xF6;jning &amp; halka</title><link>https://ekbacka.se/a/</link><guid isPermaLink="false">https://ekbacka.se/?p=1</guid>
<dc:creator><![CDATA[Anna]]></dc:creator><pubDate>Mon, 23 Nov 2026 10:00:00 +0000</pubDate>
<content:encoded><![CDATA[<p>Plogning <b>pågår</b>.</p>]]></content:encoded><wfw:commentRss>https://ekbacka.se/a/feed/</wfw:commentRss>
<enclosure url="https://ekbacka.se/bild.jpg" length="10" type="image/jpeg"/></item></channel></rss>"#;
        let p = parse_feed(rss.as_bytes()).unwrap();
        assert_eq!(p.site, "https://ekbacka.se");
        assert_eq!(p.next.as_deref(), Some("https://ekbacka.se/feed/?paged=2"));
        let e = &p.entries[0];
        assert_eq!(e.title, "Snöröjning & halka");
        assert_eq!(e.body, "Plogning pågår.");
        assert_eq!(e.author, "Anna");
        assert!(e.published.is_some());
        assert_eq!(
            e.comments_feed.as_deref(),
            Some("https://ekbacka.se/a/feed/")
        );
        assert_eq!(e.media, vec!["https://ekbacka.se/bild.jpg".to_string()]);

        let atom = br#"<feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0">
<id>tag:ekbacka.se,2026:feed</id><link rel="alternate" href="https://ekbacka.se/"/>
<entry><id>tag:ekbacka.se,2026:c9</id><title>Svar</title><author><name>Kalle</name></author>
<published>2026-11-23T10:00:00Z</published><thr:in-reply-to ref="tag:ekbacka.se,2026:p1"/>
<content type="html">&lt;p&gt;Tack!&lt;/p&gt;</content></entry></feed>"#;
        let p = parse_feed(atom).unwrap();
        assert_eq!(p.site, "https://ekbacka.se/");
        let e = &p.entries[0];
        assert_eq!(e.in_reply_to.as_deref(), Some("tag:ekbacka.se,2026:p1"));
        assert_eq!(e.body, "Tack!");
        assert_eq!(e.author, "Kalle");
    }

    #[test]
    fn bad_xml_is_an_error() {
        for bad in [
            &b""[..],
            b"<rss><channel><item>",
            b"<html><body>Hej</body></html>",
            b"<rss><channel><item><title>x</title></item></channel></rss>",
            b"<a></b>",
            b"{\"data\":1}",
            b"<a/><b/>",
        ] {
            assert!(parse_feed(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert!(parse_xml(deep.as_bytes()).is_err());
        assert_eq!(wp_comment_id("https://x/?p=1#comment-42"), Some("42"));
        assert_eq!(wp_comment_id("https://x/?p=1"), None);
    }
}
