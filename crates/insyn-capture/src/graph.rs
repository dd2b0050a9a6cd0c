//! Meta's Graph API, shared by Facebook Pages and Instagram: versioned URLs, the token as the
//! `access_token` parameter (never stored: Graph echoes it in `paging.next`, so it is redacted
//! from bodies too), cursor paging (`paging.cursors.after`, present while `paging.next` is), and
//! the error object `{"error":{"message","type","code","error_subcode"}}`: code 190 (and 102) is
//! the token, 4/17/32/613 and 80001–80014 are rate limits, whose wait comes from
//! `X-Business-Use-Case-Usage` (`estimated_time_to_regain_access`, minutes) or `X-App-Usage`.
use crate::http::{Http, json};
use crate::{CaptureError, RawResponse};
use reqwest::header::HeaderMap;
use serde::Deserialize;
use std::time::Duration;

/// The Graph API version spoken.
pub const GRAPH_VERSION: &str = "v21.0";
pub(crate) use crate::MAX_PAGES;

pub(crate) struct Graph {
    pub http: Http,
    token: String,
}

#[derive(Deserialize)]
pub(crate) struct Paged<T> {
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
    #[serde(default)]
    pub paging: Option<Paging>,
}

#[derive(Deserialize)]
pub(crate) struct Paging {
    #[serde(default)]
    pub cursors: Option<Cursors>,
    #[serde(default)]
    pub next: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct Cursors {
    #[serde(default)]
    pub after: Option<String>,
}

impl<T> Paged<T> {
    /// The cursor of the next page, only while Graph says there is one.
    pub fn after(&self) -> Option<String> {
        let p = self.paging.as_ref()?;
        p.next.as_ref()?;
        p.cursors.as_ref()?.after.clone()
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    error: GraphError,
}

#[derive(Deserialize)]
struct GraphError {
    #[serde(default)]
    code: i64,
    #[serde(default)]
    error_subcode: Option<i64>,
}

/// What a successful call returned.
pub(crate) enum Answer {
    Ok(RawResponse),
    /// Code 100 subcode 33: "Object with ID … does not exist" — the deletion evidence.
    NotFound(RawResponse),
}

impl Graph {
    pub fn new(base: &str, token: &str) -> Result<Graph, CaptureError> {
        if token.trim().is_empty() {
            return Err(CaptureError::Config("the access token is empty".into()));
        }
        Ok(Graph {
            http: Http::new(base)?,
            token: token.trim().to_string(),
        })
    }

    /// GET `/{version}/{path}` with `params`.
    pub async fn get(&self, path: &str, params: &[(&str, &str)]) -> Result<Answer, CaptureError> {
        let mut url = self.http.url(&format!("{GRAPH_VERSION}/{path}"))?;
        {
            let mut q = url.query_pairs_mut();
            for (k, v) in params {
                q.append_pair(k, v);
            }
            q.append_pair("access_token", &self.token);
        }
        let (raw, headers) = self
            .http
            .send(
                self.http.client.get(url.clone()),
                &url,
                Some(&self.token),
                crate::MAX_BODY_BYTES,
            )
            .await?;
        if (200..300).contains(&raw.status) {
            return Ok(Answer::Ok(raw));
        }
        let err = serde_json::from_slice::<ErrorBody>(&raw.body).ok();
        let (code, sub) = err
            .map(|e| (e.error.code, e.error.error_subcode))
            .unwrap_or((0, None));
        Err(match (code, sub) {
            (100, Some(33)) => return Ok(Answer::NotFound(raw)),
            (190 | 102, _) => CaptureError::Auth {
                status: raw.status,
                raw: Some(raw),
            },
            (4 | 17 | 32 | 613 | 80001..=80014, _) => CaptureError::RateLimited {
                retry_after: usage_wait(&headers),
                raw: Some(raw),
            },
            _ => crate::http::fail(raw, &headers, "x-rate-limit-reset"),
        })
    }

    /// GET that must succeed with a JSON body of type `T`.
    pub async fn get_json<T: for<'de> Deserialize<'de>>(
        &self,
        path: &str,
        params: &[(&str, &str)],
    ) -> Result<(RawResponse, T), CaptureError> {
        match self.get(path, params).await? {
            Answer::Ok(raw) => {
                let v = json(&raw)?;
                Ok((raw, v))
            }
            Answer::NotFound(raw) => Err(CaptureError::Unexpected {
                status: raw.status,
                raw: Some(raw),
            }),
        }
    }
}

/// How long to wait after a Graph rate limit: the longest `estimated_time_to_regain_access`
/// (minutes) in `X-Business-Use-Case-Usage`, else an hour when `X-App-Usage` shows a quota at
/// 100 %, else five minutes.
pub(crate) fn usage_wait(headers: &HeaderMap) -> Duration {
    let buc = headers
        .get("x-business-use-case-usage")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| serde_json::from_str::<serde_json::Value>(v).ok());
    let minutes = buc
        .as_ref()
        .and_then(|v| v.as_object())
        .into_iter()
        .flat_map(|o| o.values())
        .filter_map(|v| v.as_array())
        .flatten()
        .filter_map(|e| e["estimated_time_to_regain_access"].as_i64())
        .max()
        .unwrap_or(0);
    if minutes > 0 {
        return Duration::from_secs(minutes as u64 * 60);
    }
    let app_full = headers
        .get("x-app-usage")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| serde_json::from_str::<serde_json::Value>(v).ok())
        .is_some_and(|v| {
            ["call_count", "total_cputime", "total_time"]
                .iter()
                .any(|k| v[*k].as_i64().unwrap_or(0) >= 100)
        });
    if app_full {
        Duration::from_secs(3600)
    } else {
        Duration::from_secs(300)
    }
}

/// Fields of a message (`/{conversation-id}/messages`, `/{message-id}`).
pub(crate) const MESSAGE_FIELDS: &str = "id,created_time,from,to,message,attachments{id,mime_type,name,image_data{url},video_data{url},file_url}";
const CONVERSATION_LIMIT: &str = "25";
const MESSAGE_LIMIT: &str = "100";

#[derive(Deserialize)]
struct ConversationRef {
    id: String,
}

#[derive(Deserialize)]
pub(crate) struct Party {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct Message {
    pub id: String,
    #[serde(default)]
    pub created_time: Option<String>,
    #[serde(default)]
    pub from: Option<Party>,
    #[serde(default)]
    pub to: Option<Paged<Party>>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub attachments: Option<Paged<MessageAttachment>>,
}

#[derive(Deserialize)]
pub(crate) struct MessageAttachment {
    #[serde(default)]
    image_data: Option<UrlOf>,
    #[serde(default)]
    video_data: Option<UrlOf>,
    #[serde(default)]
    file_url: Option<String>,
}

#[derive(Deserialize)]
struct UrlOf {
    #[serde(default)]
    url: Option<String>,
}

/// Whether a Graph id can be a message id (`m_…`, letters, digits, `_`, `-`, `.`).
pub(crate) fn is_message_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 300
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// A message record: inkommen from the other party, upprättad from the account; the thread is
/// `conversation:<the other party's id>`, as the Meta webhook names it, so a message pushed and
/// then polled is one record in one thread.
pub(crate) fn message_item(
    target: &crate::Target,
    m: &Message,
    pointer: String,
    media: &mut Vec<crate::MediaRef>,
) -> insyn_domain::CaptureItem {
    let from = m.from.as_ref();
    let sender = from.map(|f| f.id.clone()).unwrap_or_default();
    let own = sender == target.platform_account_id;
    let other = if own {
        m.to.as_ref()
            .and_then(|t| t.data.iter().find(|p| p.id != sender))
            .map(|p| p.id.clone())
            .unwrap_or_default()
    } else {
        sender.clone()
    };
    let mut item = crate::base_item(target, &m.id, pointer);
    crate::classify(&mut item, own, None, Some(format!("conversation:{other}")));
    item.kind = insyn_domain::ItemKind::Message;
    item.author_platform_id = sender;
    item.author_name = from
        .and_then(|f| f.name.clone().or_else(|| f.username.clone()))
        .unwrap_or_default();
    item.text = m.message.clone().unwrap_or_default();
    item.platform_time = m.created_time.as_deref().and_then(time);
    for a in m.attachments.iter().flat_map(|a| &a.data) {
        let url = a
            .image_data
            .as_ref()
            .and_then(|d| d.url.clone())
            .or_else(|| a.video_data.as_ref().and_then(|d| d.url.clone()))
            .or_else(|| a.file_url.clone());
        if let Some(url) = url {
            media.push(crate::MediaRef {
                item: m.id.clone(),
                url,
            });
        }
    }
    item
}

impl Graph {
    /// One page of the account's conversations (`/{owner}/conversations?platform=…`), each with
    /// every page of its messages. The batches hold the conversations page (no items) and each
    /// page of messages; the cursor is the next conversations page's.
    pub(crate) async fn conversations(
        &self,
        target: &crate::Target,
        owner: &str,
        platform: &str,
        after: Option<&str>,
    ) -> Result<(Vec<crate::Batch>, Option<String>), CaptureError> {
        let mut params = vec![
            ("fields", "id,updated_time"),
            ("platform", platform),
            ("limit", CONVERSATION_LIMIT),
        ];
        if let Some(a) = after {
            params.push(("after", a));
        }
        let (raw, page): (_, Paged<ConversationRef>) = self
            .get_json(&format!("{owner}/conversations"), &params)
            .await?;
        let next = page.after();
        let mut batches = vec![crate::Batch::new(raw, Vec::new())];
        for c in &page.data {
            let mut after: Option<String> = None;
            for _ in 0..MAX_PAGES {
                let mut params = vec![("fields", MESSAGE_FIELDS), ("limit", MESSAGE_LIMIT)];
                if let Some(a) = &after {
                    params.push(("after", a));
                }
                let raw = match self.get(&format!("{}/messages", c.id), &params).await? {
                    Answer::Ok(raw) => raw,
                    // gone since the listing; the messages already kept are looked up later
                    Answer::NotFound(_) => break,
                };
                let messages: Paged<Message> = json(&raw)?;
                let mut media = Vec::new();
                let items = messages
                    .data
                    .iter()
                    .enumerate()
                    .map(|(i, m)| message_item(target, m, format!("/data/{i}"), &mut media))
                    .collect();
                batches.push(crate::Batch { raw, items, media });
                after = messages.after();
                if after.is_none() {
                    break;
                }
            }
        }
        Ok((batches, next))
    }

    /// One message by id: present, or gone (code 100 subcode 33).
    pub(crate) async fn message(
        &self,
        target: &crate::Target,
        id: &str,
    ) -> Result<crate::Lookup, CaptureError> {
        if !is_message_id(id) {
            return Err(CaptureError::Config(format!("'{id}' is not a message id")));
        }
        let raw = match self.get(id, &[("fields", MESSAGE_FIELDS)]).await? {
            Answer::Ok(raw) => raw,
            Answer::NotFound(raw) => return Ok(crate::Lookup::Gone(raw)),
        };
        let m: Message = json(&raw)?;
        let mut media = Vec::new();
        let item = message_item(target, &m, String::new(), &mut media);
        Ok(crate::Lookup::Present(crate::Batch {
            raw,
            items: vec![item],
            media,
        }))
    }
}

/// Where a Graph poll is: the feed (or media) from a cursor, or the conversations from one.
pub(crate) enum GraphCursor<'a> {
    Listing(Option<&'a str>),
    Conversations(Option<&'a str>),
}

/// Conversations come after the listing; their cursor is `conversations:<after>`.
pub(crate) fn graph_cursor(cursor: Option<&str>) -> GraphCursor<'_> {
    match cursor {
        Some(c) => match c.strip_prefix("conversations:") {
            Some(after) => GraphCursor::Conversations(Some(after).filter(|a| !a.is_empty())),
            None => GraphCursor::Listing(Some(c)),
        },
        None => GraphCursor::Listing(None),
    }
}

/// The cursor after a listing page: its next page, or the start of the conversations.
pub(crate) fn after_listing(next: Option<String>) -> Option<String> {
    Some(next.unwrap_or_else(|| "conversations:".to_string()))
}

/// Graph time stamps: `2026-11-23T10:00:00+0000`.
pub(crate) fn time(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%z")
        .or_else(|_| chrono::DateTime::parse_from_rfc3339(s))
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limit_waits() {
        let mut h = HeaderMap::new();
        h.insert(
            "x-business-use-case-usage",
            r#"{"1001":[{"type":"pages","call_count":100,"total_cputime":10,"total_time":10,"estimated_time_to_regain_access":7}]}"#
                .parse()
                .unwrap(),
        );
        assert_eq!(usage_wait(&h), Duration::from_secs(420));
        let mut h = HeaderMap::new();
        h.insert(
            "x-app-usage",
            r#"{"call_count":100,"total_cputime":3,"total_time":4}"#
                .parse()
                .unwrap(),
        );
        assert_eq!(usage_wait(&h), Duration::from_secs(3600));
        assert_eq!(usage_wait(&HeaderMap::new()), Duration::from_secs(300));
        assert!(time("2026-11-23T10:00:00+0000").is_some());
    }
}
