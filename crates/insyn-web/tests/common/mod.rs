//! The in-process "browser" the staff web tests share: it keeps the session cookie, reads the
//! CSRF token from a page and posts forms with our origin.
#![allow(dead_code)]
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use tower::ServiceExt;

/// A browser: keeps the session cookie between requests.
pub struct Browser<'a> {
    pub router: &'a Router,
    pub cookie: Option<String>,
}

#[allow(dead_code)]
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn csrf(&self) -> String {
        let at = self
            .body
            .find("name=\"csrf\" value=\"")
            .expect("a form with a CSRF token");
        let rest = &self.body[at + "name=\"csrf\" value=\"".len()..];
        rest[..rest.find('"').unwrap()].to_string()
    }
}

impl<'a> Browser<'a> {
    pub fn new(router: &'a Router) -> Self {
        Browser {
            router,
            cookie: None,
        }
    }

    pub async fn send(&mut self, req: axum::http::request::Builder, body: Body) -> Page {
        let req = match &self.cookie {
            Some(c) => req.header(header::COOKIE, format!("insyn_session={c}")),
            None => req,
        };
        let resp = self
            .router
            .clone()
            .oneshot(req.body(body).unwrap())
            .await
            .unwrap();
        for v in resp.headers().get_all(header::SET_COOKIE) {
            let v = v.to_str().unwrap();
            if let Some(rest) = v.strip_prefix("insyn_session=") {
                let value = rest.split(';').next().unwrap().to_string();
                self.cookie = if value.is_empty() || v.contains("Max-Age=0") {
                    None
                } else {
                    Some(value)
                };
            }
        }
        let status = resp.status();
        let location = resp
            .headers()
            .get(header::LOCATION)
            .map(|l| l.to_str().unwrap().to_string());
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap();
        Page {
            status,
            location,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        self.send(Request::get(path), Body::empty()).await
    }

    pub async fn post(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
        extra: &[(&str, &str)],
    ) -> Page {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let mut req =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        for (k, v) in extra {
            req = req.header(*k, *v);
        }
        self.send(req, Body::from(body)).await
    }

    pub async fn sign_in(&mut self, org: &str, email: &str, password: &str) -> Page {
        let form = self.get("/logga-in").await;
        let csrf = form.csrf();
        self.post(
            "/logga-in",
            &[
                ("csrf", &csrf),
                ("org", org),
                ("email", email),
                ("password", password),
                ("next", "/personal"),
            ],
            &[],
        )
        .await
    }
}
