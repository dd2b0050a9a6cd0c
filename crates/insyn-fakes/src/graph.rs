//! Meta's Graph API for a Facebook Page or an Instagram professional account: `/{v}/me`,
//! `/{v}/{page}/feed`, `/{v}/{ig-user}/media`, `/{v}/{id}/comments`, `/{v}/{id}/replies`,
//! `/{v}/{id}`, private messages (`/{v}/{page}/conversations?platform=messenger|instagram`,
//! `/{v}/{conversation}/messages`); the token in `access_token`; cursor paging whose `next` URL carries the token (as
//! Graph's does); errors as Graph's error object (190 token, 32 rate limit with
//! `X-Business-Use-Case-Usage`, 100/33 for an object that does not exist).
use crate::common::{Canned, Fake, Item, St, State, query_param};
use axum::Router;
use axum::extract::{Path, Query, State as AxState};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::collections::HashMap;

pub const PAGE_ID: &str = "1001";
pub const PAGE_NAME: &str = "Ekbacka kommun";
pub const IG_USER_ID: &str = "17841400000000001";
pub const IG_USERNAME: &str = "ekbackakommun";

pub struct GraphFake {
    pub fake: Fake,
    pub instagram: bool,
}

impl std::ops::Deref for GraphFake {
    type Target = Fake;
    fn deref(&self) -> &Fake {
        &self.fake
    }
}

fn t(d: DateTime<Utc>) -> String {
    d.format("%Y-%m-%dT%H:%M:%S+0000").to_string()
}

fn auth_error() -> Canned {
    Canned::json(
        400,
        json!({"error":{"message":"Error validating access token: Session has expired on Monday, 23-Nov-26 08:00:00 PST.","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"AfakeTrace1"}}),
    )
}

fn not_found(id: &str) -> Response {
    Canned::json(
        400,
        json!({"error":{"message":format!("Unsupported get request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api"),"type":"GraphMethodException","code":100,"error_subcode":33,"fbtrace_id":"AfakeTrace2"}}),
    )
    .into_response()
}

impl GraphFake {
    pub async fn facebook() -> GraphFake {
        Self::start(false).await
    }

    pub async fn instagram() -> GraphFake {
        Self::start(true).await
    }

    async fn start(instagram: bool) -> GraphFake {
        let token = if instagram {
            "IGQVfake-user-token"
        } else {
            "EAAfake-page-token"
        };
        let fake = Fake::start(
            token,
            crate::common::Hooks {
                token_of: |p| query_param(p, "access_token"),
                auth_error,
            },
            Router::new()
                .route(
                    "/{version}/{id}",
                    get(move |s, p, q| object(s, p, q, instagram))
                        .post(move |s, p, q| moderate(s, p, q, instagram, false))
                        .delete(move |s, p, q| moderate(s, p, q, instagram, true)),
                )
                .route(
                    "/{version}/{id}/{edge}",
                    get(move |s, p, q| edge(s, p, q, instagram)),
                ),
        )
        .await;
        GraphFake { fake, instagram }
    }

    pub fn token(&self) -> String {
        self.lock().token.clone()
    }

    pub fn account_id(&self) -> &'static str {
        if self.instagram { IG_USER_ID } else { PAGE_ID }
    }

    fn new_id(&self, s: u64, root: Option<&str>) -> String {
        match (self.instagram, root) {
            (true, _) => format!("179000000000{s:05}"),
            (false, None) => format!("{PAGE_ID}_{s}"),
            (false, Some(r)) => format!("{}_{s}", r.rsplit('_').next().unwrap_or(r)),
        }
    }

    /// A post (Facebook) or media (Instagram) by the account, with media ids from `add_media`.
    pub fn post(&self, text: &str, media: &[String]) -> String {
        let name = if self.instagram {
            IG_USERNAME
        } else {
            PAGE_NAME
        };
        let me = self.account_id();
        self.add_with(|s, at| {
            let mut i = Fake::item(self.new_id(s, None), (me, name), text, at);
            i.media = media.to_vec();
            i
        })
    }

    /// A post on the page by a visitor (Facebook).
    pub fn visitor_post(&self, author: (&str, &str), text: &str) -> String {
        self.add_with(|s, at| Fake::item(self.new_id(s, None), author, text, at))
    }

    /// A comment on a post, or a reply to a comment; `author` is (id, name).
    pub fn comment(&self, parent: &str, author: (&str, &str), text: &str) -> String {
        let root = {
            let s = self.lock();
            let p = s.find(parent).expect("the parent");
            p.root.clone().unwrap_or_else(|| p.id.clone())
        };
        self.add_with(|s, at| {
            let mut i = Fake::item(self.new_id(s, Some(&root)), author, text, at);
            i.parent = Some(parent.into());
            i.root = Some(root.clone());
            i
        })
    }

    /// A private message (Messenger, Instagram Direct) between the account and `other` (id,
    /// name): from `other`, or from the account when `from_account`.
    pub fn message(&self, other: (&str, &str), text: &str, from_account: bool) -> String {
        let me = (
            self.account_id(),
            if self.instagram {
                IG_USERNAME
            } else {
                PAGE_NAME
            },
        );
        let conversation = format!("t_{}", other.0);
        self.add_with(|s, at| {
            let author = if from_account { me } else { other };
            let mut i = Fake::item(format!("m_Fk{s:05}-aB_c"), author, text, at);
            i.conversation = Some(conversation);
            i
        })
    }

    /// A reply by the account itself.
    pub fn own_reply(&self, parent: &str, text: &str) -> String {
        let name = if self.instagram {
            IG_USERNAME
        } else {
            PAGE_NAME
        };
        self.comment(parent, (self.account_id(), name), text)
    }

    /// The webhook delivery Meta sends when `id` is added, edited or removed (`verb`: `add`,
    /// `edited`, `remove`), in the documented envelope: `feed` changes for a Page, `comments`
    /// for Instagram (which sends no edits or removals).
    pub fn webhook_delivery(&self, id: &str, verb: &str) -> Value {
        let s = self.lock();
        let item = s.find(id).expect("the item the delivery is about");
        let time = item.updated.timestamp();
        let (object, change) = if self.instagram {
            let media = item.root.clone().unwrap_or_else(|| item.id.clone());
            let mut value = json!({"id": item.id, "text": item.text,
                "from": {"id": item.author_id, "username": item.author_name},
                "media": {"id": media, "media_product_type": "FEED"}});
            if let Some(p) = item.parent.as_ref().filter(|p| **p != media) {
                value["parent_id"] = json!(p);
            }
            ("instagram", json!({"field": "comments", "value": value}))
        } else {
            let mut value = json!({"verb": verb, "created_time": time,
                "from": {"id": item.author_id, "name": item.author_name}});
            match &item.root {
                Some(root) => {
                    value["item"] = json!("comment");
                    value["comment_id"] = json!(item.id);
                    value["post_id"] = json!(root);
                    value["parent_id"] = json!(item.parent.clone().unwrap_or(root.clone()));
                }
                None => {
                    value["item"] = json!("status");
                    value["post_id"] = json!(item.id);
                }
            }
            if verb != "remove" {
                value["message"] = json!(item.text);
            }
            ("page", json!({"field": "feed", "value": value}))
        };
        json!({"object": object, "entry": [{"id": self.account_id(), "time": time, "changes": [change]}]})
    }

    /// Posts `delivery` to `url` as Meta does: the raw JSON body signed with
    /// `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app_secret, body)>`. Returns the status and
    /// the answer's body.
    pub async fn send_webhook(url: &str, app_secret: &str, delivery: &Value) -> (u16, String) {
        use hmac::Mac;
        let body = serde_json::to_vec(delivery).expect("JSON");
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(app_secret.as_bytes())
            .expect("any key length");
        mac.update(&body);
        let signature = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        let answer = reqwest::Client::new()
            .post(url)
            .header("content-type", "application/json")
            .header("x-hub-signature-256", signature)
            .body(body)
            .send()
            .await
            .expect("the webhook endpoint answers");
        let status = answer.status().as_u16();
        (status, answer.text().await.unwrap_or_default())
    }

    /// Graph's rate limit: code 32 with the business-use-case usage header (429).
    pub fn rate_limit(&self, minutes: u32) {
        let usage = json!({PAGE_ID: [{"type":"pages","call_count":100,"total_cputime":20,"total_time":25,"estimated_time_to_regain_access":minutes}]});
        let edge = if self.instagram { "/media" } else { "/feed" };
        self.inject_on(
            edge,
            Canned::json(
                429,
                json!({"error":{"message":"(#32) Page request limit reached","type":"OAuthException","code":32,"fbtrace_id":"AfakeTrace3"}}),
            )
            .header("x-business-use-case-usage", usage.to_string())
            .header("x-app-usage", r#"{"call_count":100,"total_cputime":10,"total_time":10}"#),
        );
    }
}

/// A message; its conversation `t_<other>` names the other party, the recipient when the
/// account wrote it.
fn message_json(i: &Item, account: &str) -> Value {
    let other = i
        .conversation
        .as_deref()
        .unwrap_or_default()
        .trim_start_matches("t_");
    let to = if i.author_id == account {
        other
    } else {
        account
    };
    json!({
        "id": i.id, "created_time": t(i.created), "message": i.text,
        "from": {"id": i.author_id, "name": i.author_name},
        "to": {"data": [{"id": to}]},
    })
}

fn media_json(s: &State, i: &Item, ig: bool) -> Value {
    if ig {
        let children: Vec<Value> = i
            .media
            .iter()
            .map(|m| json!({"id": format!("{}{m}", i.id), "media_type":"IMAGE","media_url": s.media_url(m)}))
            .collect();
        let mut v = json!({
            "id": i.id, "caption": i.text, "media_product_type": "FEED",
            "permalink": format!("https://www.instagram.com/p/{}/", i.id),
            "timestamp": t(i.created), "username": i.author_name,
            "owner": {"id": i.author_id}, "comments_count": 0, "like_count": 3,
        });
        match i.media.len() {
            0 => v["media_type"] = json!("IMAGE"),
            1 => {
                v["media_type"] = json!("IMAGE");
                v["media_url"] = json!(s.media_url(&i.media[0]));
            }
            _ => {
                v["media_type"] = json!("CAROUSEL_ALBUM");
                v["children"] = json!({"data": children});
            }
        }
        v
    } else {
        let mut v = json!({
            "id": i.id, "message": i.text, "created_time": t(i.created), "updated_time": t(i.updated),
            "from": {"id": i.author_id, "name": i.author_name},
            "permalink_url": format!("https://www.facebook.com/{}", i.id.replace('_', "/posts/")),
            "is_hidden": i.hidden, "status_type": "mobile_status_update",
        });
        if !i.media.is_empty() {
            let atts: Vec<Value> = i
                .media
                .iter()
                .map(|m| json!({"media_type":"photo","media":{"image":{"height":720,"width":1280,"src": s.media_url(m)}},"url": format!("https://www.facebook.com/photo/?fbid={m}")}))
                .collect();
            v["attachments"] = json!({"data": atts});
        }
        v
    }
}

fn comment_json(s: &State, i: &Item, ig: bool) -> Value {
    if ig {
        let mut v = json!({
            "id": i.id, "text": i.text, "timestamp": t(i.created), "username": i.author_name,
            "from": {"id": i.author_id, "username": i.author_name}, "hidden": i.hidden, "like_count": 0,
        });
        if i.parent != i.root {
            v["parent_id"] = json!(i.parent);
        }
        v
    } else {
        let mut v = json!({
            "id": i.id, "message": i.text, "created_time": t(i.created),
            "from": {"id": i.author_id, "name": i.author_name}, "is_hidden": i.hidden, "can_hide": true,
            "permalink_url": format!("https://www.facebook.com/{}?comment_id={}", i.root.clone().unwrap_or_default(), i.id),
        });
        if i.parent != i.root {
            v["parent"] = json!({"id": i.parent});
        }
        if let Some(m) = i.media.first() {
            v["attachment"] = json!({"type":"photo","media":{"image":{"src": s.media_url(m),"height":100,"width":100}}});
        }
        v
    }
}

/// A Graph page: `data` and `paging` whose `next` URL carries the token, as Graph's does.
fn paged(s: &State, path: &str, all: Vec<Value>, q: &HashMap<String, String>) -> Value {
    let offset = q
        .get("after")
        .and_then(|a| a.strip_prefix("QVFI"))
        .and_then(|a| a.parse().ok())
        .unwrap_or(0);
    let want = q.get("limit").and_then(|l| l.parse().ok()).unwrap_or(25);
    let (page, next) = s.page(&all, offset, want);
    let mut paging = json!({"cursors": {"before": format!("QVFI{offset}"), "after": format!("QVFI{}", offset + page.len())}});
    if let Some(n) = next {
        let fields = q.get("fields").cloned().unwrap_or_default();
        paging["next"] = json!(format!(
            "{}{path}?access_token={}&fields={fields}&limit={want}&after=QVFI{n}",
            s.base_url, s.token
        ));
    }
    json!({"data": page, "paging": paging})
}

async fn object(
    AxState(fake): AxState<St>,
    Path((_v, id)): Path<(String, String)>,
    Query(_q): Query<HashMap<String, String>>,
    ig: bool,
) -> Response {
    let s = fake.lock();
    if id == "me" {
        return if ig {
            Canned::json(200, json!({"id": IG_USER_ID, "username": IG_USERNAME}))
        } else {
            Canned::json(200, json!({"id": PAGE_ID, "name": PAGE_NAME}))
        }
        .into_response();
    }
    match s.find(&id) {
        Some(i) if i.conversation.is_some() => {
            let account = if ig { IG_USER_ID } else { PAGE_ID };
            Canned::json(200, message_json(i, account)).into_response()
        }
        Some(i) if i.parent.is_none() => Canned::json(200, media_json(&s, i, ig)).into_response(),
        Some(i) => Canned::json(200, comment_json(&s, i, ig)).into_response(),
        None => not_found(&id),
    }
}

async fn edge(
    AxState(fake): AxState<St>,
    Path((v, id, edge)): Path<(String, String, String)>,
    Query(q): Query<HashMap<String, String>>,
    ig: bool,
) -> Response {
    let s = fake.lock();
    let path = format!("/{v}/{id}/{edge}");
    let account = if ig { IG_USER_ID } else { PAGE_ID };
    let list: Vec<Value> = match edge.as_str() {
        "feed" | "media" if id == account => s
            .live()
            .filter(|i| i.parent.is_none() && i.conversation.is_none())
            .rev() // newest first
            .map(|i| media_json(&s, i, ig))
            .collect(),
        "comments" | "replies" => {
            if s.find(&id).is_none() {
                return not_found(&id);
            }
            let stream = !ig && q.get("filter").is_some_and(|f| f == "stream");
            s.live()
                .filter(|i| {
                    if edge == "replies" || !stream {
                        i.parent.as_deref() == Some(id.as_str())
                    } else {
                        i.root.as_deref() == Some(id.as_str())
                    }
                })
                .map(|i| {
                    let mut v = comment_json(&s, i, ig);
                    if ig && edge == "comments" {
                        let replies: Vec<Value> = s
                            .live()
                            .filter(|r| r.parent.as_deref() == Some(i.id.as_str()))
                            .map(|r| comment_json(&s, r, ig))
                            .collect();
                        if !replies.is_empty() {
                            v["replies"] = json!({"data": replies});
                        }
                    }
                    v
                })
                .collect()
        }
        "conversations" if id == account || id == "me" => {
            let want = if ig { "instagram" } else { "messenger" };
            if q.get("platform").map(String::as_str) != Some(want) {
                return Canned::json(
                    400,
                    json!({"error":{"message":format!("(#100) platform must be {want}"),"type":"OAuthException","code":100,"fbtrace_id":"AfakeTrace4"}}),
                )
                .into_response();
            }
            // newest conversation first
            let mut seen: Vec<(String, DateTime<Utc>)> = Vec::new();
            for i in s.live().rev() {
                if let Some(c) = &i.conversation
                    && !seen.iter().any(|(id, _)| id == c)
                {
                    seen.push((c.clone(), i.created));
                }
            }
            seen.into_iter()
                .map(|(c, at)| json!({"id": c, "updated_time": t(at)}))
                .collect()
        }
        "messages" if id.starts_with("t_") => s
            .live()
            .rev()
            .filter(|i| i.conversation.as_deref() == Some(id.as_str()))
            .map(|i| message_json(i, account))
            .collect(),
        _ => return not_found(&id),
    };
    Canned::json(200, paged(&s, &path, list, &q)).into_response()
}

/// `POST /{id}?is_hidden=true|false` (Facebook), `POST /{id}?hide=true|false` (Instagram),
/// `DELETE /{id}`: Graph answers `{"success": true}`.
async fn moderate(
    AxState(fake): AxState<St>,
    Path((_v, id)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    ig: bool,
    delete: bool,
) -> Response {
    let mut s = fake.lock();
    let action = if delete {
        "remove"
    } else {
        let key = if ig { "hide" } else { "is_hidden" };
        match q.get(key).map(String::as_str) {
            Some("true") => "hide",
            Some("false") => "unhide",
            _ => {
                return Canned::json(
                    400,
                    json!({"error":{"message":format!("(#100) The parameter {key} is required"),"type":"OAuthException","code":100,"fbtrace_id":"AfakeTrace3"}}),
                )
                .into_response();
            }
        }
    };
    if !s.moderate(&id, action) {
        return not_found(&id);
    }
    Canned::json(200, json!({"success": true})).into_response()
}
