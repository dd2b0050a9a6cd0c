//! The HTTP parts every connector shares: one client with time limits and no redirects, bodies read
//! with a size limit, URLs shown without secrets, and the common answers (429, JSON parsing).
use crate::{CaptureError, MAX_BODY_BYTES, MAX_MEDIA_BYTES, RawResponse};
use chrono::Utc;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use std::time::Duration;

/// Query parameters that carry secrets and never appear in a stored URL.
const SECRET_PARAMS: [&str; 4] = ["access_token", "key", "token", "client_secret"];

pub(crate) struct Http {
    pub client: reqwest::Client,
    pub base: url::Url,
}

impl Http {
    pub fn new(base: &str) -> Result<Http, CaptureError> {
        let mut base = url::Url::parse(base)
            .map_err(|e| CaptureError::Config(format!("base URL '{base}': {e}")))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(CaptureError::Config(format!(
                "base URL '{base}' must be http or https"
            )));
        }
        if !base.path().ends_with('/') {
            let p = format!("{}/", base.path());
            base.set_path(&p);
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("insyn/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CaptureError::Config(e.to_string()))?;
        Ok(Http { client, base })
    }

    /// `path` relative to the base URL (a leading `/` is allowed and ignored).
    pub fn url(&self, path: &str) -> Result<url::Url, CaptureError> {
        self.base
            .join(path.trim_start_matches('/'))
            .map_err(|e| CaptureError::Config(format!("{path}: {e}")))
    }

    /// Sends the request and reads the whole answer, whatever its status, up to `limit` bytes.
    /// `secret` (the token) is replaced by `REDACTED` wherever the body echoes it.
    pub async fn send(
        &self,
        req: reqwest::RequestBuilder,
        url: &url::Url,
        secret: Option<&str>,
        limit: usize,
    ) -> Result<(RawResponse, HeaderMap), CaptureError> {
        let shown = redact(url);
        let mut resp = req.send().await.map_err(|e| {
            CaptureError::Unavailable(format!("{}: {e}", url.host_str().unwrap_or("?")))
        })?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let media_type = headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/octet-stream")
            .to_string();
        let mut body = Vec::new();
        let mut over = false;
        while !over {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > limit {
                        let room = limit - body.len();
                        body.extend_from_slice(&chunk[..room]);
                        over = true;
                    } else {
                        body.extend_from_slice(&chunk);
                    }
                }
                Ok(None) => break,
                Err(e) => return Err(CaptureError::Unavailable(format!("{shown}: {e}"))),
            }
        }
        if let Some(secret) = secret.filter(|s| !s.is_empty()) {
            body = replace_all(&body, secret.as_bytes(), b"REDACTED");
        }
        let raw = RawResponse {
            url: shown.clone(),
            status,
            media_type,
            fetched_at: Utc::now(),
            body: body.into(),
        };
        if over {
            // the first `limit` bytes are kept as evidence of what came
            return Err(CaptureError::Parse {
                message: format!(
                    "{shown}: the answer is larger than {limit} bytes; the first {} bytes are kept",
                    raw.body.len()
                ),
                raw: Some(raw),
            });
        }
        Ok((raw, headers))
    }

    /// A plain GET with optional bearer token, up to [`MAX_BODY_BYTES`].
    #[allow(dead_code)] // used by the connectors added next
    pub async fn get(
        &self,
        url: url::Url,
        bearer: Option<&str>,
        extra: &[(&str, &str)],
    ) -> Result<(RawResponse, HeaderMap), CaptureError> {
        let mut req = self.client.get(url.clone());
        if let Some(t) = bearer {
            req = req.bearer_auth(t);
        }
        for (k, v) in extra {
            req = req.header(*k, *v);
        }
        self.send(req, &url, bearer, MAX_BODY_BYTES).await
    }

    /// Downloads a media file without any credentials, at most [`MAX_MEDIA_BYTES`].
    pub async fn media(&self, url: &str) -> Result<RawResponse, CaptureError> {
        self.media_limited(url, MAX_MEDIA_BYTES).await
    }

    /// As [`Http::media`] with another limit. A file over the limit is an error whose kept
    /// answer has no body (a cut-off file is no evidence of anything).
    pub async fn media_limited(
        &self,
        url: &str,
        limit: usize,
    ) -> Result<RawResponse, CaptureError> {
        let u = url::Url::parse(url)
            .map_err(|e| CaptureError::Config(format!("media URL '{url}': {e}")))?;
        if !matches!(u.scheme(), "http" | "https") {
            return Err(CaptureError::Config(format!(
                "media URL '{url}' must be http or https"
            )));
        }
        let (raw, _) = self
            .send(self.client.get(u.clone()), &u, None, limit)
            .await
            .map_err(|e| match e {
                CaptureError::Parse { message, raw } => CaptureError::Parse {
                    message: message.replace("; the first", "; dropped, the first"),
                    raw: raw.map(|mut r| {
                        r.body = bytes::Bytes::new();
                        r
                    }),
                },
                other => other,
            })?;
        match raw.status {
            200..=299 => Ok(raw),
            status => Err(CaptureError::Unexpected {
                status,
                raw: Some(raw),
            }),
        }
    }
}

/// The URL with secret query parameters replaced by `REDACTED`.
pub(crate) fn redact(url: &url::Url) -> String {
    if !url
        .query_pairs()
        .any(|(k, _)| SECRET_PARAMS.contains(&k.as_ref()))
    {
        return url.to_string();
    }
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            if SECRET_PARAMS.contains(&k.as_ref()) {
                (k.into_owned(), "REDACTED".to_string())
            } else {
                (k.into_owned(), v.into_owned())
            }
        })
        .collect();
    let mut u = url.clone();
    u.query_pairs_mut().clear().extend_pairs(pairs);
    u.to_string()
}

fn replace_all(hay: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    if needle.is_empty() || hay.len() < needle.len() {
        return hay.to_vec();
    }
    let mut out = Vec::with_capacity(hay.len());
    let mut i = 0;
    while i < hay.len() {
        if hay[i..].starts_with(needle) {
            out.extend_from_slice(with);
            i += needle.len();
        } else {
            out.push(hay[i]);
            i += 1;
        }
    }
    out
}

/// Parses a JSON answer; a failure is [`CaptureError::Parse`] with the answer kept.
pub(crate) fn json<T: DeserializeOwned>(raw: &RawResponse) -> Result<T, CaptureError> {
    serde_json::from_slice(&raw.body).map_err(|e| CaptureError::Parse {
        message: format!("{}: {e}", raw.url),
        raw: Some(raw.clone()),
    })
}

/// Seconds until an epoch-seconds reset time, at least 1.
pub(crate) fn until_epoch(reset: i64) -> Duration {
    Duration::from_secs((reset - Utc::now().timestamp()).max(1) as u64)
}

/// A header's value as a number.
pub(crate) fn header_num(headers: &HeaderMap, name: &str) -> Option<i64> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// The `Retry-After` header in seconds (the HTTP-date form is not used by these platforms).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    header_num(headers, "retry-after").map(|s| Duration::from_secs(s.max(1) as u64))
}

/// The common mapping of an answer that is not 2xx: 401 → token, 429 → rate limit (with the
/// platform's `reset` header as epoch seconds, or `Retry-After`), anything else unexpected.
pub(crate) fn fail(raw: RawResponse, headers: &HeaderMap, reset_header: &str) -> CaptureError {
    match raw.status {
        401 => CaptureError::Auth {
            status: 401,
            raw: Some(raw),
        },
        429 => CaptureError::RateLimited {
            retry_after: retry_after(headers)
                .or_else(|| header_num(headers, reset_header).map(until_epoch))
                .unwrap_or(Duration::from_secs(60)),
            raw: Some(raw),
        },
        status => CaptureError::Unexpected {
            status,
            raw: Some(raw),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-shot HTTP server answering `body` with status 200.
    fn serve(body: Vec<u8>) -> String {
        use std::io::{Read, Write};
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        std::thread::spawn(move || {
            if let Ok((mut s, _)) = l.accept() {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf);
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: image/jpeg\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = s.write_all(head.as_bytes());
                let _ = s.write_all(&body);
            }
        });
        format!("http://{addr}/bild.jpg?sig=abc")
    }

    #[tokio::test]
    async fn size_limits() {
        let http = Http::new("http://127.0.0.1:1").unwrap();
        // a media file over the limit: an error, nothing of the file kept
        let url = serve(vec![7u8; 5000]);
        match http.media_limited(&url, 1000).await {
            Err(CaptureError::Parse { message, raw }) => {
                assert!(message.contains("larger than 1000"), "{message}");
                assert!(raw.unwrap().body.is_empty());
            }
            other => panic!("{other:?}"),
        }
        // within the limit: the exact bytes
        let url = serve(vec![7u8; 1000]);
        let raw = http.media_limited(&url, 1000).await.unwrap();
        assert_eq!(raw.body.len(), 1000);
        assert_eq!(raw.media_type, "image/jpeg");
        // an API answer over the limit: the first bytes are kept as evidence
        let url = serve(vec![b'{'; 3000]);
        let u = url::Url::parse(&url).unwrap();
        match http.send(http.client.get(u.clone()), &u, None, 100).await {
            Err(CaptureError::Parse { raw, .. }) => assert_eq!(raw.unwrap().body.len(), 100),
            other => panic!("{:?}", other.map(|r| r.0.status)),
        }
    }

    #[test]
    fn secrets_are_redacted() {
        let u = url::Url::parse("http://h/v1/x?fields=a&access_token=SECRET&after=b").unwrap();
        let shown = redact(&u);
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(shown.contains("fields=a") && shown.contains("after=b"));
        assert_eq!(
            replace_all(b"a SECRET b SECRET", b"SECRET", b"R"),
            b"a R b R".to_vec()
        );
        assert_eq!(replace_all(b"ab", b"abc", b"R"), b"ab".to_vec());
    }
}
