//! A WordPress-like web site: the posts feed `/feed/` (RSS 2.0 with `content:encoded`,
//! `dc:creator`, `wfw:commentRss`, `slash:comments`, `enclosure`; older pages through
//! `?paged=N` and an RFC 5005 `atom:link rel="next"`), each post's comment feed
//! `/nyheter/{slug}/feed/`, the post pages (`/?p=N`, 404 once deleted) and
//! `/wp-json/wp/v2/comments/{id}` (404 `rest_comment_invalid_id` once deleted). A bearer token
//! guards the feeds (a site that protects them); 429 with `Retry-After`.
use crate::common::{Canned, Fake, Hooks, Item, St, State, bearer};
use axum::Router;
use axum::extract::{Path, Query, State as AxState};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::collections::HashMap;

pub const AUTHOR: &str = "Ekbacka kommun";
const PER_PAGE: usize = 10;

pub struct FeedFake {
    pub fake: Fake,
}

impl std::ops::Deref for FeedFake {
    type Target = Fake;
    fn deref(&self) -> &Fake {
        &self.fake
    }
}

fn auth_error() -> Canned {
    Canned::bytes(401, "text/html; charset=UTF-8", "<h1>401 Unauthorized</h1>")
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn seq_of(id: &str) -> String {
    id.rsplit(['=', '-']).next().unwrap_or("").to_string()
}

impl FeedFake {
    pub async fn start() -> FeedFake {
        let fake = Fake::start(
            "feed-reader-token",
            Hooks {
                token_of: bearer,
                auth_error,
            },
            Router::new()
                .route("/", get(page))
                .route("/feed/", get(posts_feed))
                .route("/nyheter/{slug}/feed/", get(comments_feed))
                .route("/wp-json/wp/v2/comments/{id}", get(wp_comment)),
        )
        .await;
        FeedFake { fake }
    }

    pub fn token(&self) -> String {
        self.lock().token.clone()
    }

    pub fn feed_url(&self) -> String {
        format!("{}/feed/", self.base_url)
    }

    /// A post on the site; its guid is `{base}/?p=N`.
    pub fn post(&self, text: &str, media: &[String]) -> String {
        let base = self.base_url.clone();
        self.add_with(|s, at| {
            let mut i = Fake::item(format!("{base}/?p={s}"), ("1", AUTHOR), text, at);
            i.media = media.to_vec();
            i
        })
    }

    /// A comment on a post (or an answer to a comment); its guid is `{post}#comment-N`.
    pub fn comment(&self, parent: &str, author: &str, text: &str) -> String {
        let root = {
            let s = self.lock();
            let p = s.find(parent).expect("the parent");
            p.root.clone().unwrap_or_else(|| p.id.clone())
        };
        self.add_with(|s, at| {
            let mut i = Fake::item(format!("{root}#comment-{s}"), ("0", author), text, at);
            i.parent = Some(parent.into());
            i.root = Some(root);
            i
        })
    }

    pub fn rate_limit(&self, secs: u64) {
        self.inject_on(
            "/feed/",
            Canned::bytes(429, "text/html", "<h1>Too Many Requests</h1>")
                .header("retry-after", secs),
        );
    }
}

fn rss(s: &State, title: &str, items: &str, next: Option<String>) -> Response {
    let next = next
        .map(|n| format!(r#"<atom:link rel="next" href="{}"/>"#, esc(&n)))
        .unwrap_or_default();
    let body = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:slash="http://purl.org/rss/1.0/modules/slash/">
<channel>
<title>{}</title>
<atom:link href="{}/feed/" rel="self" type="application/rss+xml"/>{next}
<link>{}</link>
<description>Nyheter från Ekbacka kommun</description>
<language>sv-SE</language>
{items}</channel>
</rss>
"#,
        esc(title),
        s.base_url,
        s.base_url
    );
    Canned::bytes(200, "application/rss+xml; charset=UTF-8", body).into_response()
}

fn slug(i: &Item) -> String {
    format!("nyhet-{}", seq_of(&i.id))
}

async fn posts_feed(
    AxState(st): AxState<St>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let s = st.lock();
    let posts: Vec<&Item> = s
        .live()
        .rev()
        .filter(|i| i.parent.is_none())
        .take(s.window.unwrap_or(usize::MAX))
        .collect();
    let paged: usize = q
        .get("paged")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
        .max(1);
    let size = s.page_size.unwrap_or(PER_PAGE).min(PER_PAGE);
    let (page, next) = s.page(&posts, (paged - 1) * size, size);
    let mut items = String::new();
    for i in page {
        let comments = s
            .live()
            .filter(|c| c.root.as_deref() == Some(i.id.as_str()))
            .count();
        let link = format!("{}/nyheter/{}/", s.base_url, slug(i));
        let enclosures: String = i
            .media
            .iter()
            .map(|m| {
                format!(
                    r#"<enclosure url="{}" length="1000" type="image/jpeg"/>"#,
                    esc(&s.media_url(m))
                )
            })
            .collect();
        items.push_str(&format!(
            "<item>\n<title>Nyhet {}</title>\n<link>{}</link>\n<comments>{}#comments</comments>\n<dc:creator><![CDATA[{}]]></dc:creator>\n<pubDate>{}</pubDate>\n<category><![CDATA[Nyheter]]></category>\n<guid isPermaLink=\"false\">{}</guid>\n<description><![CDATA[{}]]></description>\n<content:encoded><![CDATA[<p>{}</p>]]></content:encoded>\n<wfw:commentRss>{}feed/</wfw:commentRss>\n<slash:comments>{comments}</slash:comments>\n{enclosures}\n</item>\n",
            seq_of(&i.id), link, link, i.author_name, i.created.to_rfc2822(), esc(&i.id), i.text, i.text, link
        ));
    }
    let next = next.map(|_| format!("{}/feed/?paged={}", s.base_url, paged + 1));
    rss(&s, "Ekbacka kommun", &items, next)
}

async fn comments_feed(AxState(st): AxState<St>, Path(slug_): Path<String>) -> Response {
    let s = st.lock();
    let Some(post) = s.live().find(|i| i.parent.is_none() && slug(i) == slug_) else {
        return Canned::bytes(404, "text/html", "<h1>Sidan finns inte</h1>").into_response();
    };
    let link = format!("{}/nyheter/{}/", s.base_url, slug_);
    let mut items = String::new();
    for c in s
        .live()
        .rev()
        .filter(|c| c.root.as_deref() == Some(post.id.as_str()))
    {
        let n = seq_of(&c.id);
        items.push_str(&format!(
            "<item>\n<title>Kommentar till Nyhet {} av {}</title>\n<link>{link}#comment-{n}</link>\n<dc:creator><![CDATA[{}]]></dc:creator>\n<pubDate>{}</pubDate>\n<guid isPermaLink=\"false\">{}</guid>\n<description><![CDATA[{}]]></description>\n<content:encoded><![CDATA[<p>{}</p>]]></content:encoded>\n</item>\n",
            seq_of(&post.id), esc(&c.author_name), c.author_name, c.created.to_rfc2822(), esc(&c.id), c.text, c.text
        ));
    }
    rss(
        &s,
        &format!("Kommentarer till: Nyhet {}", seq_of(&post.id)),
        &items,
        None,
    )
}

async fn page(AxState(st): AxState<St>, Query(q): Query<HashMap<String, String>>) -> Response {
    let s = st.lock();
    let Some(p) = q.get("p") else {
        return Canned::bytes(200, "text/html", "<h1>Ekbacka kommun</h1>").into_response();
    };
    let id = format!("{}/?p={p}", s.base_url);
    match s.find(&id) {
        Some(i) => Canned::bytes(
            200,
            "text/html; charset=UTF-8",
            format!("<article>{}</article>", esc(&i.text)),
        )
        .into_response(),
        None => Canned::bytes(404, "text/html", "<h1>Sidan finns inte</h1>").into_response(),
    }
}

async fn wp_comment(AxState(st): AxState<St>, Path(id): Path<String>) -> Response {
    let s = st.lock();
    match s.live().find(|c| c.parent.is_some() && seq_of(&c.id) == id) {
        Some(c) => Canned::json(
            200,
            serde_json::json!({"id": id.parse::<u64>().unwrap_or(0), "post": seq_of(c.root.as_deref().unwrap_or("")).parse::<u64>().unwrap_or(0),
                "parent": 0, "author_name": c.author_name, "date_gmt": c.created.format("%Y-%m-%dT%H:%M:%S").to_string(),
                "content": {"rendered": format!("<p>{}</p>\n", esc(&c.text))}, "link": c.id, "status": "approved", "type": "comment"}),
        )
        .into_response(),
        None => Canned::json(
            404,
            serde_json::json!({"code": "rest_comment_invalid_id", "message": "Invalid comment ID.", "data": {"status": 404}}),
        )
        .into_response(),
    }
}
