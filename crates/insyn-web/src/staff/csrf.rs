//! CSRF protection: a random token per session, put in every form as a hidden field, and
//! checked (in constant time) on every unsafe request; and before that, a request whose `Origin`
//! is not ours or whose `Sec-Fetch-Site` says cross-site is refused.
use super::StaffConfig;
use super::pages::render_error;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use subtle::ConstantTimeEq;
use tower_sessions::Session;

/// The form field (and session key) holding the token.
pub const CSRF_FIELD: &str = "csrf";
/// Largest staff form body read.
const MAX_FORM: usize = 256 * 1024;

/// The session's token, created on first use.
pub async fn token(session: &Session) -> Result<String, tower_sessions::session::Error> {
    if let Some(t) = session.get::<String>(CSRF_FIELD).await? {
        return Ok(t);
    }
    let t = new_token();
    session.insert(CSRF_FIELD, &t).await?;
    Ok(t)
}

/// A new token (after sign-in, so a token seen before it is useless after).
pub async fn rotate(session: &Session) -> Result<String, tower_sessions::session::Error> {
    let t = new_token();
    session.insert(CSRF_FIELD, &t).await?;
    Ok(t)
}

fn new_token() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut buf = [0u8; 32];
    rand::rng().fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// Is the request from our own pages, as far as the browser tells?
pub fn same_origin(headers: &HeaderMap, config: &StaffConfig) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        // no Origin (older browsers, non-browser clients): the token alone decides
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    if origin == "null" {
        return false;
    }
    match config.origin() {
        Some(ours) => origin.eq_ignore_ascii_case(&ours),
        None => {
            let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
            let scheme = if config.secure_cookies {
                "https"
            } else {
                "http"
            };
            host.is_some_and(|h| origin.eq_ignore_ascii_case(&format!("{scheme}://{h}")))
        }
    }
}

fn form_token(body: &[u8]) -> Option<String> {
    url::form_urlencoded::parse(body)
        .find(|(k, _)| k == CSRF_FIELD)
        .map(|(_, v)| v.into_owned())
}

pub async fn guard(State(config): State<Arc<StaffConfig>>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let lang = {
        let session = req.extensions().get::<Session>().cloned();
        let query = req.uri().query().map(str::to_string);
        super::user::lang_from(session, query).await
    };
    if !same_origin(req.headers(), &config) {
        tracing::warn!(path = %req.uri().path(), "refused a cross-origin form post");
        return render_error(lang, StatusCode::FORBIDDEN, ErrorKind::Csrf);
    }
    let Some(session) = req.extensions().get::<Session>().cloned() else {
        return render_error(lang, StatusCode::INTERNAL_SERVER_ERROR, ErrorKind::Internal);
    };
    let expected = match session.get::<String>(CSRF_FIELD).await {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "session store");
            return render_error(lang, StatusCode::SERVICE_UNAVAILABLE, ErrorKind::Internal);
        }
    };
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, MAX_FORM).await {
        Ok(b) => b,
        Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    };
    let sent = form_token(&bytes);
    let ok = match (expected, sent) {
        (Some(e), Some(s)) => bool::from(e.as_bytes().ct_eq(s.as_bytes())),
        _ => false,
    };
    if !ok {
        tracing::warn!(path = %parts.uri.path(), "refused a form post without a valid CSRF token");
        return render_error(lang, StatusCode::FORBIDDEN, ErrorKind::Csrf);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// The error pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Csrf,
    Forbidden,
    NotFound,
    Internal,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_rules() {
        let cfg = StaffConfig {
            public_url: Some("https://insyn.kommun.se".into()),
            secure_cookies: true,
            ..Default::default()
        };
        let h = |pairs: &[(&str, &str)]| {
            let mut m = HeaderMap::new();
            for (k, v) in pairs {
                m.insert(
                    axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                    v.parse().unwrap(),
                );
            }
            m
        };
        assert!(same_origin(&h(&[]), &cfg));
        assert!(same_origin(
            &h(&[("origin", "https://insyn.kommun.se")]),
            &cfg
        ));
        assert!(!same_origin(
            &h(&[("origin", "https://evil.example")]),
            &cfg
        ));
        assert!(!same_origin(
            &h(&[("origin", "http://insyn.kommun.se")]),
            &cfg
        ));
        assert!(!same_origin(&h(&[("origin", "null")]), &cfg));
        assert!(!same_origin(&h(&[("sec-fetch-site", "cross-site")]), &cfg));
        assert!(!same_origin(&h(&[("sec-fetch-site", "same-site")]), &cfg));
        assert!(same_origin(
            &h(&[
                ("sec-fetch-site", "same-origin"),
                ("origin", "https://insyn.kommun.se")
            ]),
            &cfg
        ));
        let local = StaffConfig::default();
        assert!(same_origin(
            &h(&[
                ("host", "127.0.0.1:8080"),
                ("origin", "http://127.0.0.1:8080")
            ]),
            &local
        ));
        assert!(!same_origin(
            &h(&[
                ("host", "127.0.0.1:8080"),
                ("origin", "http://127.0.0.1:9999")
            ]),
            &local
        ));
    }

    #[test]
    fn token_from_form() {
        assert_eq!(
            form_token(b"a=1&csrf=abc%2Bd&b=2").as_deref(),
            Some("abc+d")
        );
        assert_eq!(form_token(b"a=1"), None);
    }
}
