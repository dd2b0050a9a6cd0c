//! X API v2: `/2/users/me`, `/2/users/{id}/tweets`, `/2/users/{id}/mentions`, `/2/tweets?ids=`,
//! direct messages (`/2/dm_events`, `/2/dm_events/{id}`); bearer token; `pagination_token` / `meta.next_token`; `includes.users` and `includes.media`;
//! an edit gives the post a new id and `edit_history_tweet_ids`; a deleted post looked up answers
//! a `resource-not-found` error; 429 with `x-rate-limit-*` headers.
use crate::common::{Canned, Fake, Hooks, Item, St, State, bearer};
use axum::Router;
use axum::extract::{Path, Query, State as AxState};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use std::collections::HashMap;

pub const USER_ID: &str = "1580000000000000001";
pub const NAME: &str = "Ekbacka kommun";
pub const USERNAME: &str = "ekbackakommun";

pub struct XFake {
    pub fake: Fake,
}

impl std::ops::Deref for XFake {
    type Target = Fake;
    fn deref(&self) -> &Fake {
        &self.fake
    }
}

fn auth_error() -> Canned {
    Canned::json(
        401,
        json!({"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}),
    )
}

fn new_id(seq: u64) -> String {
    format!("18600000000000{seq:05}")
}

impl XFake {
    pub async fn start() -> XFake {
        let fake = Fake::start(
            "x-user-access-token",
            Hooks {
                token_of: bearer,
                auth_error,
            },
            Router::new()
                .route("/2/users/me", get(me))
                .route("/2/users/{id}/{edge}", get(timeline))
                .route("/2/tweets", get(lookup))
                .route("/2/dm_events", get(dm_events))
                .route("/2/dm_events/{id}", get(dm_event))
                .route("/2/tweets/{id}/hidden", axum::routing::put(hide_reply)),
        )
        .await;
        XFake { fake }
    }

    pub fn token(&self) -> String {
        self.lock().token.clone()
    }

    /// A post by the account.
    pub fn post(&self, text: &str, media: &[String]) -> String {
        self.add_with(|s, at| {
            let mut i = Fake::item(new_id(s), (USER_ID, NAME), text, at);
            i.media = media.to_vec();
            i
        })
    }

    /// A reply to `parent` by `author` (id, name); the account's own when the id is [`USER_ID`].
    pub fn reply(&self, parent: &str, author: (&str, &str), text: &str) -> String {
        let root = {
            let s = self.lock();
            let p = s.find(parent).expect("the parent");
            p.root.clone().unwrap_or_else(|| p.ids[0].clone())
        };
        self.add_with(|s, at| {
            let mut i = Fake::item(new_id(s), author, text, at);
            i.parent = Some(parent.into());
            i.root = Some(root);
            i
        })
    }

    /// A direct message in the conversation between the account and `other` (id, name): from
    /// `other`, or from the account when `from_account`.
    pub fn dm(&self, other: (&str, &str), text: &str, from_account: bool) -> String {
        let conversation = format!("{}-{}", other.0, USER_ID);
        self.add_with(|s, at| {
            let author = if from_account { (USER_ID, NAME) } else { other };
            let mut i = Fake::item(format!("19100000000000{s:05}"), author, text, at);
            i.conversation = Some(conversation);
            i
        })
    }

    /// An edit: the post gets a new id, its history keeps the old ones.
    pub fn edit_post(&self, id: &str, text: &str) -> String {
        let seq = self.lock().next_seq();
        let n = new_id(seq);
        self.edit(id, text, Some(n.clone()));
        n
    }

    /// X's rate limit on the account's posts: 429 with the reset time in epoch seconds.
    pub fn rate_limit(&self, secs: i64) {
        let reset = chrono::Utc::now().timestamp() + secs;
        self.inject_on(
            "/tweets",
            Canned::json(
                429,
                json!({"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}),
            )
            .header("x-rate-limit-limit", 900)
            .header("x-rate-limit-remaining", 0)
            .header("x-rate-limit-reset", reset),
        );
    }
}

fn tweet(s: &State, i: &Item) -> (Value, Vec<Value>) {
    let mut v = json!({
        "id": i.id, "text": i.text, "author_id": i.author_id, "created_at": i.created.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "conversation_id": i.root.clone().unwrap_or_else(|| i.ids[0].clone()),
        "edit_history_tweet_ids": i.ids, "lang": "sv",
        "edit_controls": {"edits_remaining": 5 - i.ids.len().min(5), "is_edit_eligible": true, "editable_until": (i.created + chrono::Duration::hours(1)).to_rfc3339()},
    });
    if let Some(p) = &i.parent {
        let parent_id = s.find(p).map(|p| p.id.clone()).unwrap_or(p.clone());
        v["referenced_tweets"] = json!([{"type": "replied_to", "id": parent_id}]);
        v["in_reply_to_user_id"] = json!(USER_ID);
    }
    let media: Vec<Value> = i
        .media
        .iter()
        .map(|m| json!({"media_key": format!("3_{m}"), "type": "photo", "url": s.media_url(m)}))
        .collect();
    if !media.is_empty() {
        v["attachments"] =
            json!({"media_keys": i.media.iter().map(|m| format!("3_{m}")).collect::<Vec<_>>()});
    }
    (v, media)
}

fn page(s: &State, items: Vec<&Item>) -> Value {
    let mut users: HashMap<String, Value> = HashMap::new();
    let mut media = Vec::new();
    let data: Vec<Value> = items
        .iter()
        .map(|i| {
            users.insert(
                i.author_id.clone(),
                json!({"id": i.author_id, "name": i.author_name, "username": i.author_name.to_lowercase().replace(' ', "")}),
            );
            let (v, m) = tweet(s, i);
            media.extend(m);
            v
        })
        .collect();
    let mut out =
        json!({"data": data, "includes": {"users": users.into_values().collect::<Vec<_>>()}});
    if !media.is_empty() {
        out["includes"]["media"] = json!(media);
    }
    out
}

async fn me(AxState(_st): AxState<St>) -> Response {
    Canned::json(
        200,
        json!({"data": {"id": USER_ID, "name": NAME, "username": USERNAME}}),
    )
    .into_response()
}

async fn timeline(
    AxState(st): AxState<St>,
    Path((id, edge)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let s = st.lock();
    if id != USER_ID {
        return Canned::json(404, json!({"title":"Not Found Error","status":404})).into_response();
    }
    let all: Vec<&Item> = s
        .live()
        .rev()
        .filter(|i| i.conversation.is_none())
        .filter(|i| match edge.as_str() {
            "tweets" => i.author_id == USER_ID,
            _ => i.author_id != USER_ID,
        })
        .collect();
    let offset = q
        .get("pagination_token")
        .and_then(|t| t.strip_prefix("7140dibdnow9c7btw4"))
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let want = q
        .get("max_results")
        .and_then(|m| m.parse().ok())
        .unwrap_or(10);
    let (items, next) = s.page(&all, offset, want);
    let mut v = page(&s, items.clone());
    if items.is_empty() {
        v = json!({"meta": {"result_count": 0}});
    } else {
        v["meta"] = json!({"result_count": items.len(), "newest_id": items[0].id, "oldest_id": items[items.len()-1].id});
        if let Some(n) = next {
            v["meta"]["next_token"] = json!(format!("7140dibdnow9c7btw4{n}"));
        }
    }
    Canned::json(200, v).into_response()
}

async fn lookup(AxState(st): AxState<St>, Query(q): Query<HashMap<String, String>>) -> Response {
    let s = st.lock();
    let ids: Vec<&str> = q
        .get("ids")
        .map(|i| i.split(',').collect())
        .unwrap_or_default();
    let post = |id: &&str| s.find(id).filter(|i| i.conversation.is_none());
    let found: Vec<&Item> = ids.iter().filter_map(post).collect();
    let mut v = if found.is_empty() {
        json!({})
    } else {
        page(&s, found)
    };
    let errors: Vec<Value> = ids
        .iter()
        .filter(|id| post(id).is_none())
        .map(|id| json!({"value": id, "detail": format!("Could not find tweet with ids: [{id}]."), "title": "Not Found Error", "resource_type": "tweet", "parameter": "ids", "resource_id": id, "type": "https://api.twitter.com/2/problems/resource-not-found"}))
        .collect();
    if !errors.is_empty() {
        v["errors"] = json!(errors);
    }
    Canned::json(200, v).into_response()
}

/// `PUT /2/tweets/{id}/hidden` with `{"hidden": true|false}`: `{"data": {"hidden": …}}`.
async fn hide_reply(
    AxState(st): AxState<St>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let hidden = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["hidden"].as_bool());
    let Some(hidden) = hidden else {
        return Canned::json(
            400,
            json!({"title":"Invalid Request","detail":"The `hidden` field is required.","type":"https://api.twitter.com/2/problems/invalid-request"}),
        )
        .into_response();
    };
    let mut s = st.lock();
    if !s.moderate(&id, if hidden { "hide" } else { "unhide" }) {
        return Canned::json(
            404,
            json!({"title":"Not Found Error","detail":format!("Could not find tweet with id: [{id}]."),"type":"https://api.twitter.com/2/problems/resource-not-found"}),
        )
        .into_response();
    }
    Canned::json(200, json!({"data": {"hidden": hidden}})).into_response()
}

fn dm_json(i: &Item) -> Value {
    json!({
        "id": i.id, "event_type": "MessageCreate", "text": i.text, "sender_id": i.author_id,
        "dm_conversation_id": i.conversation, "created_at": i.created.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "participant_ids": i.conversation.as_deref().unwrap_or_default().split('-').collect::<Vec<_>>(),
    })
}

fn dm_users(items: &[&Item]) -> Vec<Value> {
    let mut users: HashMap<&str, Value> = HashMap::new();
    for i in items {
        users.insert(
            &i.author_id,
            json!({"id": i.author_id, "name": i.author_name, "username": i.author_name.to_lowercase().replace(' ', "")}),
        );
    }
    users.into_values().collect()
}

/// `GET /2/dm_events`: the account's direct-message events, newest first, `pagination_token`.
async fn dm_events(AxState(st): AxState<St>, Query(q): Query<HashMap<String, String>>) -> Response {
    let s = st.lock();
    let all: Vec<&Item> = s
        .live()
        .rev()
        .filter(|i| i.conversation.is_some())
        .collect();
    let offset = q
        .get("pagination_token")
        .and_then(|t| t.strip_prefix("dmcursor"))
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let want = q
        .get("max_results")
        .and_then(|m| m.parse().ok())
        .unwrap_or(100);
    let (items, next) = s.page(&all, offset, want);
    let mut v = json!({
        "data": items.iter().map(|i| dm_json(i)).collect::<Vec<_>>(),
        "includes": {"users": dm_users(&items)},
        "meta": {"result_count": items.len()},
    });
    if items.is_empty() {
        v = json!({"meta": {"result_count": 0}});
    } else if let Some(n) = next {
        v["meta"]["next_token"] = json!(format!("dmcursor{n}"));
    }
    Canned::json(200, v).into_response()
}

/// `GET /2/dm_events/{id}`: one event, or a `resource-not-found` problem.
async fn dm_event(AxState(st): AxState<St>, Path(id): Path<String>) -> Response {
    let s = st.lock();
    match s.find(&id).filter(|i| i.conversation.is_some()) {
        Some(i) => Canned::json(
            200,
            json!({"data": dm_json(i), "includes": {"users": dm_users(&[i])}}),
        )
        .into_response(),
        None => Canned::json(
            200,
            json!({"errors": [{"value": id, "detail": format!("Could not find dm_event with id: [{id}]."), "title": "Not Found Error", "resource_type": "dm_event", "parameter": "id", "resource_id": id, "type": "https://api.twitter.com/2/problems/resource-not-found"}]}),
        )
        .into_response(),
    }
}
