//! LinkedIn Community Management REST: `/rest/organizationAcls?q=roleAssignee`,
//! `/rest/posts?q=author` (`start`/`count`), `/rest/posts/{urn}`, `/rest/images/{urn}`,
//! `/rest/socialActions/{urn}/comments` and `/comments/{id}`; bearer token; every call must carry
//! `LinkedIn-Version` (else 400 `VERSION_MISSING`); 404 `{"status":404}` for what does not exist;
//! 429 with `Retry-After`.
use crate::common::{Canned, Fake, Hooks, Item, St, State, bearer};
use axum::Router;
use axum::extract::{Path, Query, Request, State as AxState};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use std::collections::HashMap;

pub const ORG: &str = "urn:li:organization:5515715";

pub struct LinkedinFake {
    pub fake: Fake,
}

impl std::ops::Deref for LinkedinFake {
    type Target = Fake;
    fn deref(&self) -> &Fake {
        &self.fake
    }
}

fn auth_error() -> Canned {
    Canned::json(
        401,
        json!({"status": 401, "serviceErrorCode": 65601, "code": "REVOKED_ACCESS_TOKEN", "message": "The token used in the request has been revoked by the user"}),
    )
}

fn not_found() -> Response {
    Canned::json(
        404,
        json!({"status": 404, "serviceErrorCode": 0, "code": "NOT_FOUND", "message": "Not Found"}),
    )
    .into_response()
}

async fn require_version(req: Request, next: Next) -> Response {
    if !req.headers().contains_key("linkedin-version") {
        return Canned::json(
            400,
            json!({"status": 400, "code": "VERSION_MISSING", "message": "A version must be present. Please specify a version by adding the LinkedIn-Version header."}),
        )
        .into_response();
    }
    next.run(req).await
}

impl LinkedinFake {
    pub async fn start() -> LinkedinFake {
        let fake = Fake::start(
            "AQVfake-linkedin-token",
            Hooks {
                token_of: bearer,
                auth_error,
            },
            Router::new()
                .route("/rest/organizationAcls", get(acls))
                .route("/rest/posts", get(posts))
                .route("/rest/posts/{urn}", get(post))
                .route("/rest/images/{urn}", get(image))
                .route("/rest/socialActions/{urn}/comments", get(comments))
                .route("/rest/socialActions/{urn}/comments/{id}", get(comment))
                .layer(axum::middleware::from_fn(require_version)),
        )
        .await;
        LinkedinFake { fake }
    }

    pub fn token(&self) -> String {
        self.lock().token.clone()
    }

    /// A post by the organization, images by media id.
    pub fn post(&self, text: &str, media: &[String]) -> String {
        self.add_with(|s, at| {
            let mut i = Fake::item(
                format!("urn:li:share:7{s:018}"),
                (ORG, "Ekbacka kommun"),
                text,
                at,
            );
            i.media = media.to_vec();
            i
        })
    }

    /// A comment on a post, or a reply to a comment; `actor` is a person or organization URN.
    pub fn comment(&self, parent: &str, actor: &str, text: &str) -> String {
        let root = {
            let s = self.lock();
            let p = s.find(parent).expect("the parent");
            p.root.clone().unwrap_or_else(|| p.id.clone())
        };
        let activity = root.rsplit(':').next().unwrap_or("0").to_string();
        self.add_with(|s, at| {
            let mut i = Fake::item(
                format!("urn:li:comment:(urn:li:activity:{activity},{s})"),
                (actor, actor),
                text,
                at,
            );
            i.parent = Some(parent.into());
            i.root = Some(root);
            i
        })
    }

    pub fn rate_limit(&self, secs: u64) {
        self.inject_on(
            "/rest/posts",
            Canned::json(
                429,
                json!({"status": 429, "serviceErrorCode": 101, "code": "TOO_MANY_REQUESTS", "message": "Resource level throttle APPLICATION DAY limit for calls to this resource is reached."}),
            )
            .header("retry-after", secs),
        );
    }
}

fn post_json(i: &Item) -> Value {
    let mut v = json!({
        "id": i.id, "author": i.author_id, "commentary": i.text, "visibility": "PUBLIC",
        "lifecycleState": "PUBLISHED", "isReshareDisabledByAuthor": false,
        "createdAt": i.created.timestamp_millis(), "publishedAt": i.created.timestamp_millis(),
        "lastModifiedAt": i.updated.timestamp_millis(),
        "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [], "thirdPartyDistributionChannels": []},
    });
    match i.media.len() {
        0 => {}
        1 => {
            v["content"] =
                json!({"media": {"id": format!("urn:li:image:{}", i.media[0]), "altText": ""}})
        }
        _ => {
            v["content"] = json!({"multiImage": {"images": i.media.iter().map(|m| json!({"id": format!("urn:li:image:{m}")})).collect::<Vec<_>>()}})
        }
    }
    v
}

fn comment_json(s: &State, i: &Item) -> Value {
    let replies = s
        .live()
        .filter(|r| r.parent.as_deref() == Some(i.id.as_str()))
        .count();
    let id = i.id.rsplit(',').next().unwrap_or("").trim_end_matches(')');
    let mut v = json!({
        "id": id, "commentUrn": i.id, "actor": i.author_id, "object": i.root,
        "message": {"text": i.text, "attributes": []},
        "created": {"actor": i.author_id, "time": i.created.timestamp_millis()},
        "lastModified": {"actor": i.author_id, "time": i.updated.timestamp_millis()},
        "commentsSummary": {"totalFirstLevelComments": replies, "aggregatedTotalComments": replies},
    });
    if i.parent != i.root {
        v["parentComment"] = json!(i.parent);
    }
    v
}

fn collection(s: &State, all: Vec<Value>, q: &HashMap<String, String>) -> Value {
    let start = q.get("start").and_then(|x| x.parse().ok()).unwrap_or(0);
    let count = q.get("count").and_then(|x| x.parse().ok()).unwrap_or(10);
    let total = all.len();
    let (page, _) = s.page(&all, start, count);
    json!({"elements": page, "paging": {"start": start, "count": count, "total": total, "links": []}})
}

async fn acls(AxState(_st): AxState<St>) -> Response {
    Canned::json(
        200,
        json!({"elements": [{"organization": ORG, "role": "ADMINISTRATOR", "state": "APPROVED", "roleAssignee": "urn:li:person:anna1"}], "paging": {"start": 0, "count": 10, "links": []}}),
    )
    .into_response()
}

async fn posts(AxState(st): AxState<St>, Query(q): Query<HashMap<String, String>>) -> Response {
    let s = st.lock();
    if q.get("q").map(String::as_str) != Some("author")
        || q.get("author").map(String::as_str) != Some(ORG)
    {
        return Canned::json(
            400,
            json!({"status": 400, "message": "Invalid query parameters"}),
        )
        .into_response();
    }
    let all = s
        .live()
        .rev()
        .filter(|i| i.parent.is_none())
        .map(post_json)
        .collect();
    Canned::json(200, collection(&s, all, &q)).into_response()
}

async fn post(AxState(st): AxState<St>, Path(urn): Path<String>) -> Response {
    let s = st.lock();
    match s.find(&urn).filter(|i| i.parent.is_none()) {
        Some(i) => Canned::json(200, post_json(i)).into_response(),
        None => not_found(),
    }
}

async fn image(AxState(st): AxState<St>, Path(urn): Path<String>) -> Response {
    let s = st.lock();
    let m = urn.trim_start_matches("urn:li:image:");
    Canned::json(
        200,
        json!({"id": urn, "status": "AVAILABLE", "downloadUrl": s.media_url(m), "downloadUrlExpiresAt": 1_900_000_000_000i64}),
    )
    .into_response()
}

async fn comments(
    AxState(st): AxState<St>,
    Path(urn): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let s = st.lock();
    if s.find(&urn).is_none() {
        return not_found();
    }
    let all = s
        .live()
        .filter(|i| i.parent.as_deref() == Some(urn.as_str()))
        .map(|i| comment_json(&s, i))
        .collect();
    Canned::json(200, collection(&s, all, &q)).into_response()
}

async fn comment(AxState(st): AxState<St>, Path((urn, id)): Path<(String, String)>) -> Response {
    let s = st.lock();
    let found = s
        .live()
        .find(|i| i.parent.as_deref() == Some(urn.as_str()) && i.id.ends_with(&format!(",{id})")));
    match found {
        Some(i) => Canned::json(200, comment_json(&s, i)).into_response(),
        None => not_found(),
    }
}
