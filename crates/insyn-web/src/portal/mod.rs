//! The public portal (R7; issue 6): served without sign-in, server-rendered, usable without
//! JavaScript, Swedish first (`?lang=en` for English).
//!
//! Routes, all under `/org/{slug}`: the register page (`""`), search (`/sok`), a record
//! (`/handling/{id}`), a comparison of two versions (`/handling/{id}/jamfor?a=N&b=M`), the print
//! layout (`/handling/{id}/utskrift`) and the accessibility statement (`/tillganglighet`). The
//! request form (`/begaran`) and the PDF copy (`/handling/{id}/kopia.pdf`) are served by the
//! request module; the portal only links to them.
//!
//! What the public may see is decided in `insyn_app::portal`, never here: this module renders
//! the projections it gets. Every route shares a rate limit per client IP ([`ratelimit`]).
pub mod diff;
mod directory;
pub mod i18n;
pub mod ratelimit;
mod views;

use crate::AppState;
use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use i18n::Lang;
use ratelimit::RateLimiter;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;

const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

#[derive(Clone)]
pub(crate) struct PortalState {
    pub app: AppState,
    pub limiter: Option<Arc<RateLimiter>>,
    /// Organisations and their account lists, held a few seconds ([`directory`]).
    pub directory: Arc<directory::Directory>,
}

/// The portal's routes with a given rate limit (`None`: no limit).
pub fn routes_with_limit(state: AppState, limiter: Option<RateLimiter>) -> Router {
    let ps = PortalState {
        app: state,
        limiter: limiter.map(Arc::new),
        directory: Arc::default(),
    };
    Router::new()
        .route("/", get(views::home_page))
        .route("/org/{slug}", get(views::register))
        .route("/org/{slug}/sok", get(views::search))
        .route("/org/{slug}/handling/{id}", get(views::record))
        .route("/org/{slug}/handling/{id}/jamfor", get(views::compare))
        .route("/org/{slug}/handling/{id}/utskrift", get(views::print))
        .route("/org/{slug}/tillganglighet", get(views::accessibility))
        .route("/portal/stil.css", get(stylesheet))
        .route_layer(axum::middleware::from_fn_with_state(ps.clone(), rate_limit))
        .with_state(ps)
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
}

/// One token per request from the client's address; an empty bucket gets the 429 page.
async fn rate_limit(State(ps): State<PortalState>, req: Request, next: Next) -> Response {
    if let Some(limiter) = &ps.limiter {
        let ip = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        if let Err(wait) = limiter.check(ip, std::time::Instant::now()) {
            let lang = Lang::from_param(
                req.uri()
                    .query()
                    .and_then(|q| q.split('&').find_map(|p| p.strip_prefix("lang="))),
            );
            let mut resp = views::error_page(lang, StatusCode::TOO_MANY_REQUESTS, None);
            if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return resp;
        }
    }
    next.run(req).await
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../templates/portal/portal.css"),
    )
}
