//! Insyn over HTTP: health, the JSON API with its OpenAPI document, and a start page. The staff
//! UI and the public portal come in their own modules later. Every `AppError` becomes a status
//! and a message in one place ([`error`]).

pub mod api;
pub mod client_addr;
mod error;
mod home;
pub mod portal;
pub mod requests;
pub mod staff;
mod webhooks;

pub use error::ApiError;
pub use staff::StaffConfig;

use axum::Router;
use insyn_app::App;
use std::time::Duration;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

#[derive(Clone)]
pub struct AppState {
    pub app: App,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Insyn API",
        description = "Sociala medier som allmänna handlingar / social media as public records. \
            Every /api/v1 call needs `Authorization: Bearer <token>` (create one with `insyn token create`); \
            the token decides which organisation the call sees.",
        license(name = "AGPL-3.0-or-later")
    ),
    components(schemas(error::ErrorBody)),
    modifiers(&BEARER_AUTH)
)]
struct ApiDoc;

static BEARER_AUTH: api::BearerAuth = api::BearerAuth;

/// The whole HTTP application with the staff web's defaults (no identity providers, cookies
/// without `Secure`).
pub fn router(app: App) -> Router {
    router_with(app, StaffConfig::default())
}

/// The whole HTTP application; the portal's rate limit comes from the environment
/// ([`portal::ratelimit::RateLimiter::from_env`]).
pub fn router_with(app: App, staff: StaffConfig) -> Router {
    router_full(app, staff, portal::ratelimit::RateLimiter::from_env())
}

/// The whole HTTP application with the portal's rate limit given (`None`: no limit).
pub fn router_full(
    app: App,
    staff: StaffConfig,
    portal_limit: Option<portal::ratelimit::RateLimiter>,
) -> Router {
    let state = AppState { app };
    let staff = std::sync::Arc::new(staff);
    let request_routes = requests::public::routes(state.clone(), staff.clone());
    let staff_routes = staff::routes(state.clone(), staff);
    let portal_routes = portal::routes_with_limit(state.clone(), portal_limit);
    let (api_router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(api::routes())
        .split_for_parts();
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    let doc_json = std::sync::Arc::new(doc.to_pretty_json().unwrap_or_else(|_| "{}".into()));
    Router::new()
        .merge(api_router)
        .merge(webhooks::routes())
        .route("/health", axum::routing::get(home::health))
        .route(
            "/api/openapi.json",
            axum::routing::get(move || {
                let body = doc_json.clone();
                async move {
                    (
                        [(axum::http::header::CONTENT_TYPE, "application/json")],
                        (*body).clone(),
                    )
                }
            }),
        )
        .fallback(error::not_found)
        .with_state(state)
        .merge(staff_routes)
        .merge(request_routes)
        .merge(portal_routes)
        .layer(RequestBodyLimitLayer::new(2 * 1024 * 1024))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(60),
        ))
        .layer(TraceLayer::new_for_http())
}

/// Serves until `shutdown` completes.
/// The router with the client address taken from trusted proxies' `X-Forwarded-For` (a no-op
/// when none are trusted).
pub fn behind(router: Router, proxies: client_addr::TrustedProxies) -> Router {
    if proxies.is_empty() {
        return router;
    }
    router.layer(axum::middleware::from_fn_with_state(
        std::sync::Arc::new(proxies),
        client_addr::forwarded_client,
    ))
}

pub async fn serve(
    app: App,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(app, StaffConfig::default(), listener, shutdown).await
}

/// Serves with the staff web's configuration until `shutdown` completes; expired sessions are
/// purged every ten minutes meanwhile.
pub async fn serve_with(
    app: App,
    staff: StaffConfig,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_behind(
        app,
        staff,
        client_addr::TrustedProxies::default(),
        listener,
        shutdown,
    )
    .await
}

/// [`serve_with`] behind reverse proxies: requests from `proxies` are credited to the client
/// address they forward (see [`client_addr`]).
pub async fn serve_behind(
    app: App,
    staff: StaffConfig,
    proxies: client_addr::TrustedProxies,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    insyn_app::auth::password::warm_up();
    let purger = {
        let app = app.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(600));
            loop {
                tick.tick().await;
                if let Err(e) = app.purge_sessions(chrono::Utc::now()).await {
                    tracing::warn!(error = %e, "purging expired sessions failed");
                }
            }
        })
    };
    // the peer address feeds the per-client rate limits of the portal and the request form
    let result = axum::serve(
        listener,
        behind(router_with(app, staff), proxies)
            .into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    purger.abort();
    result
}
