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
