//! What every fake platform shares: the item state, the control methods (add, edit, delete, hide,
//! media, token, faults), the token check and fault injection in front of the platform's routes,
//! and media files served at `/_media/{id}`. A platform file holds only its API shape.
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State as AxState};
use axum::http::{HeaderName, HeaderValue, StatusCode, request::Parts};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, TimeZone, Utc};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

/// A ready answer: a fault to inject or a platform's error shape.
#[derive(Debug, Clone)]
pub struct Canned {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Canned {
    pub fn json(status: u16, body: serde_json::Value) -> Canned {
        Canned {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }

    /// Any bytes with any content type (truncated JSON, wrong types, a huge body).
    pub fn bytes(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Canned {
        Canned {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
        }
    }

    pub fn header(mut self, name: &str, value: impl ToString) -> Canned {
        self.headers.push((name.into(), value.to_string()));
        self
    }
}

impl IntoResponse for Canned {
    fn into_response(self) -> Response {
        let mut r = Response::new(Body::from(self.body));
        *r.status_mut() = StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK);
        for (k, v) in self.headers {
            if let (Ok(k), Ok(v)) = (
                HeaderName::try_from(k.as_str()),
                HeaderValue::try_from(v.as_str()),
            ) {
                r.headers_mut().insert(k, v);
            }
        }
        r
    }
}

/// One post, comment, reply or mention on the fake platform.
#[derive(Debug, Clone)]
pub struct Item {
    pub id: String,
    /// The item this one answers.
    pub parent: Option<String>,
    /// The thread's first post.
    pub root: Option<String>,
    pub author_id: String,
    pub author_name: String,
    pub text: String,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub hidden: bool,
    pub deleted: bool,
    /// Media ids (see [`Fake::add_media`]).
    pub media: Vec<String>,
    /// Every id the item had, oldest first (X gives an edit a new id).
    pub ids: Vec<String>,
    /// A content version (Bluesky's `cid`), bumped by an edit.
    pub version: u32,
    /// The direct-message conversation the item belongs to; such items are in no timeline.
    pub conversation: Option<String>,
}

struct MediaFile {
    bytes: Vec<u8>,
    content_type: String,
    expired: bool,
}

/// One moderation call the fake answered (hide, unhide, remove), in the order they came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModerationCall {
    /// `hide`, `unhide` or `remove`.
    pub action: String,
    pub item: String,
    /// The real time of the call (not the fake clock), to compare with what the caller stored.
    pub at: DateTime<Utc>,
}

/// The whole state of a fake.
pub struct State {
    pub items: Vec<Item>,
    /// Moderation calls answered, oldest first.
    pub moderation: Vec<ModerationCall>,
    seq: u64,
    clock: DateTime<Utc>,
    pub token: String,
    token_ok: bool,
    faults: VecDeque<(Option<String>, Canned)>,
    media: HashMap<String, MediaFile>,
    pub page_size: Option<usize>,
    /// Lists show only the newest this many items (a windowed feed), where the platform has one.
    pub window: Option<usize>,
    pub requests: u64,
    pub base_url: String,
}

impl State {
    /// The next number in the fake's id sequence.
    pub fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// The fake clock: a minute later on every call.
    pub fn tick(&mut self) -> DateTime<Utc> {
        self.clock += chrono::Duration::minutes(1);
        self.clock
    }

    /// Items not deleted, in the order they were made.
    pub fn live(&self) -> impl DoubleEndedIterator<Item = &Item> {
        self.items.iter().filter(|i| !i.deleted)
    }

    /// A live item by any of its ids.
    pub fn find(&self, id: &str) -> Option<&Item> {
        self.live()
            .find(|i| i.id == id || i.ids.iter().any(|x| x == id))
    }

    /// The page of `items` from `offset`, at most `want` long (or the test's page size), and the
    /// next offset when more remain.
    pub fn page<T: Clone>(
        &self,
        items: &[T],
        offset: usize,
        want: usize,
    ) -> (Vec<T>, Option<usize>) {
        let size = self.page_size.map_or(want, |p| p.min(want)).max(1);
        let end = (offset + size).min(items.len());
        let page = items
            .get(offset.min(items.len())..end)
            .unwrap_or(&[])
            .to_vec();
        (page, (end < items.len()).then_some(end))
    }

    /// Hides, shows or removes a live item as the platform's moderation call does, and logs the
    /// call. `false` when no live item has that id.
    pub fn moderate(&mut self, id: &str, action: &str) -> bool {
        let Some(item) = self
            .items
            .iter_mut()
            .find(|i| !i.deleted && (i.id == id || i.ids.iter().any(|x| x == id)))
        else {
            return false;
        };
        match action {
            "hide" => item.hidden = true,
            "unhide" => item.hidden = false,
            _ => item.deleted = true,
        }
        self.moderation.push(ModerationCall {
            action: action.to_string(),
            item: id.to_string(),
            at: Utc::now(),
        });
        true
    }

    /// The URL of a media file.
    pub fn media_url(&self, id: &str) -> String {
        format!("{}/_media/{id}?oe=6a3c2f00&oh=00_fake", self.base_url)
    }
}

/// How a platform reads the token from a request, and how it refuses a bad one.
#[derive(Clone, Copy)]
pub struct Hooks {
    pub token_of: fn(&Parts) -> Option<String>,
    pub auth_error: fn() -> Canned,
}

/// The bearer token of a request.
pub fn bearer(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::to_string)
}

/// A query parameter of a request.
pub fn query_param(parts: &Parts, name: &str) -> Option<String> {
    parts.uri.query()?.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then(|| decode(v))
    })
}

/// Percent-decoding for query values (`+` is a space).
pub fn decode(v: &str) -> String {
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                match u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16)
                {
                    Ok(x) => {
                        out.push(x);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

struct Server(tokio::task::JoinHandle<()>);

impl Drop for Server {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The state as the platform's route handlers get it.
#[derive(Clone)]
pub struct St(Arc<Mutex<State>>);

impl St {
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A running fake: its address and its control methods. Stopped when the last clone is dropped.
#[derive(Clone)]
pub struct Fake {
    pub base_url: String,
    state: Arc<Mutex<State>>,
    _server: Arc<Server>,
}

#[derive(Clone)]
struct Shared {
    state: Arc<Mutex<State>>,
    hooks: Hooks,
}

impl Fake {
    /// Serves `routes` (which read the state through the [`St`] they get as axum state) on
    /// 127.0.0.1 with a free port.
    pub async fn start(token: &str, hooks: Hooks, routes: Router<St>) -> Fake {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let base_url = format!("http://{}", listener.local_addr().expect("address"));
        let state = Arc::new(Mutex::new(State {
            items: Vec::new(),
            moderation: Vec::new(),
            seq: 0,
            clock: Utc.with_ymd_and_hms(2026, 11, 20, 8, 0, 0).unwrap(),
            token: token.to_string(),
            token_ok: true,
            faults: VecDeque::new(),
            media: HashMap::new(),
            page_size: None,
            window: None,
            requests: 0,
            base_url: base_url.clone(),
        }));
        let shared = Shared {
            state: state.clone(),
            hooks,
        };
        let app = routes
            .layer(axum::middleware::from_fn_with_state(shared, guard))
            .route("/_media/{id}", get(media))
            .with_state(St(state.clone()));
        let handle = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Fake {
            base_url,
            state,
            _server: Arc::new(Server(handle)),
        }
    }

    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds an item made by `make` (given a fresh sequence number and time); returns its id.
    pub fn add_with(&self, make: impl FnOnce(u64, DateTime<Utc>) -> Item) -> String {
        let mut s = self.lock();
        let seq = s.next_seq();
        let now = s.tick();
        let item = make(seq, now);
        let id = item.id.clone();
        s.items.push(item);
        id
    }

    /// An item with the usual defaults.
    pub fn item(id: String, author: (&str, &str), text: &str, at: DateTime<Utc>) -> Item {
        Item {
            ids: vec![id.clone()],
            id,
            parent: None,
            root: None,
            author_id: author.0.into(),
            author_name: author.1.into(),
            text: text.into(),
            created: at,
            updated: at,
            hidden: false,
            deleted: false,
            media: Vec::new(),
            version: 1,
            conversation: None,
        }
    }

    /// Changes an item's text (an edit on the platform). `new_id` gives it a new id as X does.
    pub fn edit(&self, id: &str, text: &str, new_id: Option<String>) {
        let mut s = self.lock();
        let now = s.tick();
        let item = s
            .items
            .iter_mut()
            .find(|i| i.id == id || i.ids.iter().any(|x| x == id))
            .expect("the item to edit");
        item.text = text.into();
        item.updated = now;
        item.version += 1;
        if let Some(n) = new_id {
            item.ids.push(n.clone());
            item.id = n;
        }
    }

    /// Deletes an item on the platform: gone from lists and look-ups.
    pub fn delete(&self, id: &str) {
        let mut s = self.lock();
        for i in s.items.iter_mut() {
            if i.id == id || i.ids.iter().any(|x| x == id) {
                i.deleted = true;
            }
        }
    }

    /// Hides (or shows) an item, as a moderator does; hidden is not deleted.
    pub fn hide(&self, id: &str, hidden: bool) {
        let mut s = self.lock();
        for i in s.items.iter_mut().filter(|i| i.id == id) {
            i.hidden = hidden;
        }
    }

    /// Stores a media file and returns its id; [`State::media_url`] gives its URL.
    pub fn add_media(&self, bytes: &[u8], content_type: &str) -> String {
        let mut s = self.lock();
        let id = format!("m{}", s.next_seq());
        s.media.insert(
            id.clone(),
            MediaFile {
                bytes: bytes.to_vec(),
                content_type: content_type.into(),
                expired: false,
            },
        );
        id
    }

    /// The signed URL of a media file expires: 403 from now on.
    pub fn expire_media(&self, id: &str) {
        if let Some(m) = self.lock().media.get_mut(id) {
            m.expired = true;
        }
    }

    /// The media file can be fetched again (the platform gave a fresh URL).
    pub fn restore_media(&self, id: &str) {
        if let Some(m) = self.lock().media.get_mut(id) {
            m.expired = false;
        }
    }

    /// The token expires (or is revoked): every call is refused until [`Fake::renew_token`].
    pub fn expire_token(&self) {
        self.lock().token_ok = false;
    }

    pub fn renew_token(&self) {
        self.lock().token_ok = true;
    }

    /// The next API call (not media) answers `fault` instead; several queue up in order.
    pub fn inject(&self, fault: Canned) {
        self.lock().faults.push_back((None, fault));
    }

    /// The next API call whose path contains `path` answers `fault` instead.
    pub fn inject_on(&self, path: &str, fault: Canned) {
        self.lock().faults.push_back((Some(path.into()), fault));
    }

    /// A server error for the next call.
    pub fn server_error(&self) {
        self.inject(Canned::json(
            503,
            serde_json::json!({"error": "temporarily unavailable"}),
        ));
    }

    /// Pages hold at most `n` items (to test pagination with few items).
    pub fn set_page_size(&self, n: usize) {
        self.lock().page_size = Some(n);
    }

    /// Lists show only the newest `n` items (RSS feeds are windows).
    pub fn set_window(&self, n: usize) {
        self.lock().window = Some(n);
    }

    /// The moderation calls answered so far, oldest first.
    pub fn moderation_log(&self) -> Vec<ModerationCall> {
        self.lock().moderation.clone()
    }

    /// Whether the item (by any id) is hidden on the platform now.
    pub fn is_hidden(&self, id: &str) -> bool {
        self.lock()
            .items
            .iter()
            .any(|i| (i.id == id || i.ids.iter().any(|x| x == id)) && i.hidden)
    }

    /// Whether the item (by any id) is deleted on the platform now.
    pub fn is_deleted(&self, id: &str) -> bool {
        self.lock()
            .items
            .iter()
            .any(|i| (i.id == id || i.ids.iter().any(|x| x == id)) && i.deleted)
    }

    /// API calls served so far.
    pub fn requests(&self) -> u64 {
        self.lock().requests
    }

    /// The id of the live item whose text contains `needle`.
    pub fn id_of(&self, needle: &str) -> String {
        self.lock()
            .live()
            .find(|i| i.text.contains(needle))
            .map(|i| i.id.clone())
            .expect("an item with that text")
    }
}

async fn guard(AxState(shared): AxState<Shared>, req: Request, next: Next) -> Response {
    if req.uri().path().starts_with("/_media/") {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    {
        let mut s = shared.state.lock().unwrap_or_else(|p| p.into_inner());
        s.requests += 1;
        let path = parts.uri.path();
        if let Some(n) = s
            .faults
            .iter()
            .position(|(p, _)| p.as_deref().is_none_or(|p| path.contains(p)))
            && let Some((_, fault)) = s.faults.remove(n)
        {
            return fault.into_response();
        }
        let token = (shared.hooks.token_of)(&parts);
        if !s.token.is_empty() && (!s.token_ok || token.as_deref() != Some(s.token.as_str())) {
            return (shared.hooks.auth_error)().into_response();
        }
    }
    next.run(Request::from_parts(parts, body)).await
}

async fn media(AxState(fake): AxState<St>, Path(id): Path<String>) -> Response {
    let s = fake.lock();
    match s.media.get(&id) {
        None => Canned::bytes(404, "text/plain", "Not Found").into_response(),
        Some(m) if m.expired => {
            Canned::bytes(403, "text/plain", "URL signature expired").into_response()
        }
        Some(m) => Canned::bytes(200, &m.content_type, m.bytes.clone()).into_response(),
    }
}
