//! The staff web (server-rendered, works without JavaScript): sign-in and sign-out, the staff
//! home, a record page, and the administrator's users page; OpenID Connect sign-in for
//! organisations with an identity provider.
//!
//! Security measures, all in this module: server-side sessions in the Insyn store (cookie
//! HttpOnly, SameSite=Lax, Secure over https, a new id at sign-in); a per-session CSRF token in
//! every form, checked on every unsafe request, plus an Origin / Sec-Fetch-Site check; a
//! [`CurrentUser`] extractor and the domain's authorisation rules; security headers (CSP with
//! frame-ancestors, X-Content-Type-Options, Referrer-Policy, no caching).
mod access_log;
mod actions;
pub(crate) mod csrf;
mod diary;
mod followup;
pub mod i18n;
mod inbox;
mod inbox_api;
mod oidc;
pub(crate) mod pages;
mod release;
mod session_store;
mod settings;
mod user;

pub use csrf::CSRF_FIELD;
pub(crate) use diary::mail_status;
pub use session_store::InsynSessionStore;
pub use user::CurrentUser;

use crate::AppState;
use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use axum::routing::{get, post};
use insyn_app::auth::oidc::OidcProvider;
use std::collections::HashMap;
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::cookie::time::Duration as CookieDuration;
use tower_sessions::{Expiry, SessionManagerLayer};

/// How the staff web is served.
#[derive(Debug, Clone)]
pub struct StaffConfig {
    /// The address staff use, e.g. `https://insyn.kommun.se`; it sets the allowed `Origin` of
    /// forms and the OIDC redirect address. `None`: the request's own `Host` is the origin.
    pub public_url: Option<String>,
    /// The `Secure` flag on the session cookie (on when `public_url` is https).
    pub secure_cookies: bool,
    /// A session ends after this long without a request.
    pub idle_minutes: i64,
    /// Identity providers by organisation slug.
    pub oidc: HashMap<String, OidcProvider>,
}

impl Default for StaffConfig {
    fn default() -> Self {
        StaffConfig {
            public_url: None,
            secure_cookies: false,
            idle_minutes: 8 * 60,
            oidc: HashMap::new(),
        }
    }
}

impl StaffConfig {
    /// The origin (`scheme://host[:port]`) of `public_url`, if set.
    pub fn origin(&self) -> Option<String> {
        let url = url::Url::parse(self.public_url.as_deref()?).ok()?;
        Some(url.origin().ascii_serialization())
    }
}

pub const SESSION_COOKIE: &str = "insyn_session";

const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

/// The staff routes with their session, CSRF and header layers.
pub fn routes(state: AppState, config: Arc<StaffConfig>) -> Router {
    // the first unknown-user sign-in must not be slower than the others (timing)
    insyn_app::auth::password::warm_up();
    let sessions = SessionManagerLayer::new(InsynSessionStore::new(state.app.clone()))
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.secure_cookies)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(CookieDuration::minutes(
            config.idle_minutes,
        )));
    let csrf_config = config.clone();
    Router::new()
        .route("/logga-in", get(pages::sign_in_form).post(pages::sign_in))
        .route("/logga-ut", post(pages::sign_out))
        .route("/personal", get(pages::home))
        .route("/personal/poster/{id}", get(pages::record))
        .route("/personal/inkorg", get(inbox::inbox))
        .route("/personal/uppfoljning", get(followup::page))
        .route("/personal/atkomstlogg", get(access_log::page))
        .route("/personal/uppfoljning.csv", get(followup::csv))
        .route(
            "/personal/poster/{id}/hantering",
            post(inbox::change_handling),
        )
        .route("/personal/poster/{id}/svar", post(inbox::answer))
        .route("/personal/poster/{id}/portal", post(release::set_release))
        // guided actions and automatic hiding (issue 5 item 4, issue 4 item 4)
        .route("/personal/poster/{id}/atgard/{kind}", get(actions::page))
        .route(
            "/personal/poster/{id}/atgard/{kind}/{step}",
            post(actions::run_step),
        )
        .route(
            "/personal/poster/{id}/bevis/{sha}",
            get(actions::evidence_file),
        )
        .route(
            "/personal/poster/{id}/polisanmalan/{sha}",
            get(actions::police_report),
        )
        .route(
            "/personal/konton/{id}/autodolj",
            get(actions::auto_hide).post(actions::set_auto_hide),
        )
        .route(
            "/personal/anvandare",
            get(pages::users).post(pages::add_user),
        )
        .route(
            "/personal/anvandare/{id}/behorighet",
            post(pages::set_access),
        )
        .route("/personal/anvandare/{id}/status", post(pages::set_status))
        .route("/personal/stil.css", get(pages::stylesheet))
        // requests for public records and secrecy review (issue 6)
        .route("/personal/begaran", get(crate::requests::staff::queue))
        .route("/personal/begaran/{id}", get(crate::requests::staff::page))
        .route(
            "/personal/begaran/{id}/atgard",
            post(crate::requests::staff::act),
        )
        .route(
            "/personal/begaran/{id}/beslut",
            post(crate::requests::staff::decide),
        )
        // the diary (issue 5 item 5, R6)
        .route("/personal/poster/{id}/registrera", post(diary::register))
        .route("/personal/diarium", get(diary::list))
        .route("/personal/diarium/{id}", get(diary::case))
        .route("/personal/diarium/{id}/epost", post(diary::email))
        .route("/personal/diarium/{id}/status", post(diary::set_status))
        .route(
            "/personal/diarium/{id}/export.json",
            get(diary::export_json),
        )
        .route(
            "/personal/diarium/{id}/handlingar/{n}/kopia.pdf",
            get(diary::document_pdf),
        )
        // registers, number format, registrar's address; extra days off (issue 5)
        .route(
            "/personal/diarieserier",
            get(settings::registers).post(settings::add_register),
        )
        .route("/personal/diarieserier/format", post(settings::set_format))
        .route(
            "/personal/diarieserier/registrator",
            post(settings::set_registrar),
        )
        .route(
            "/personal/diarieserier/{code}/avsluta",
            post(settings::close_register),
        )
        .route(
            "/personal/kalender",
            get(settings::calendar).post(settings::add_day),
        )
        .route(
            "/personal/kalender/{date}/ta-bort",
            post(settings::remove_day),
        )
        // the inbox as JSON for the signed-in user (the API's bearer tokens too)
        .route("/api/v1/inbox", get(inbox_api::inbox))
        .route("/auth/oidc/{org}/start", get(oidc::start))
        .route("/auth/oidc/callback", get(oidc::callback))
        .with_state(StaffState { app: state, config })
        .layer(axum::middleware::from_fn_with_state(
            csrf_config,
            csrf::guard,
        ))
        .layer(sessions)
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
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ))
}

#[derive(Clone)]
pub(crate) struct StaffState {
    pub app: AppState,
    pub config: Arc<StaffConfig>,
}
