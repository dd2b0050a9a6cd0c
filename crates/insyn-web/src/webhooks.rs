//! Webhook endpoints the platforms call: `/webhooks/meta` (Facebook Pages and Instagram) and
//! `/webhooks/youtube` (YouTube's WebSub hub), `/webhooks/linkedin` (LinkedIn organization
//! notifications) and `/webhooks/x` (X's Account Activity API). No session or API key: a delivery is trusted only
//! if its signature over the raw body matches.
use crate::{ApiError, AppState};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use insyn_app::webhooks::{WebSubReport, WebhookReport};
use serde::Deserialize;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route(
            "/webhooks/meta",
            axum::routing::get(meta_subscribe).post(meta_delivery),
        )
        .route(
            "/webhooks/youtube",
            axum::routing::get(youtube_subscribe).post(youtube_delivery),
        )
        .route(
            "/webhooks/linkedin",
            axum::routing::get(linkedin_validate).post(linkedin_delivery),
        )
        .route("/webhooks/x", axum::routing::get(x_crc).post(x_delivery))
}

#[derive(Deserialize)]
struct XCrc {
    crc_token: Option<String>,
}

/// X's Challenge-Response Check: JSON with the `response_token`.
async fn x_crc(
    State(state): State<AppState>,
    Query(q): Query<XCrc>,
) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(state.app.x_webhook_crc(q.crc_token.as_deref())?))
}

/// An Account Activity delivery: 200 with what it did; 401 for a missing or wrong
/// `x-twitter-webhooks-signature`.
async fn x_delivery(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<WebSubReport>, ApiError> {
    let signature = headers
        .get("x-twitter-webhooks-signature")
        .and_then(|v| v.to_str().ok());
    Ok(Json(state.app.receive_x_webhook(signature, body).await?))
}

#[derive(Deserialize)]
struct LinkedinCheck {
    #[serde(rename = "challengeCode")]
    challenge_code: Option<String>,
}

/// LinkedIn's validation of the endpoint: JSON with the code and its HMAC.
async fn linkedin_validate(
    State(state): State<AppState>,
    Query(q): Query<LinkedinCheck>,
) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(
        state
            .app
            .linkedin_webhook_challenge(q.challenge_code.as_deref())?,
    ))
}

/// A notification: 200 with what it did; 401 for a missing or wrong `X-LI-Signature`.
async fn linkedin_delivery(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<WebSubReport>, ApiError> {
    let signature = headers.get("x-li-signature").and_then(|v| v.to_str().ok());
    Ok(Json(
        state.app.receive_linkedin_webhook(signature, body).await?,
    ))
}

#[derive(Deserialize)]
struct HubCheck {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.topic")]
    topic: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

/// The WebSub hub's check of a subscription: the challenge echoed as plain text, for the video
/// feed of a connected channel; 404 otherwise (the hub then treats the subscription as refused).
async fn youtube_subscribe(
    State(state): State<AppState>,
    Query(q): Query<HubCheck>,
) -> Result<impl IntoResponse, ApiError> {
    let challenge = state
        .app
        .youtube_websub_challenge(
            q.mode.as_deref(),
            q.topic.as_deref(),
            q.challenge.as_deref(),
        )
        .await?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        challenge,
    ))
}

/// A notification: 200 with what it did; 401 for a missing or wrong `X-Hub-Signature`.
async fn youtube_delivery(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<WebSubReport>, ApiError> {
    let signature = headers.get("x-hub-signature").and_then(|v| v.to_str().ok());
    Ok(Json(
        state.app.receive_youtube_websub(signature, body).await?,
    ))
}

#[derive(Deserialize)]
struct Subscribe {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    verify_token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

/// Meta's subscription check: the challenge echoed verbatim as plain text.
async fn meta_subscribe(
    State(state): State<AppState>,
    Query(q): Query<Subscribe>,
) -> Result<impl IntoResponse, ApiError> {
    let challenge = state.app.meta_webhook_challenge(
        q.mode.as_deref(),
        q.verify_token.as_deref(),
        q.challenge.as_deref(),
    )?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        challenge,
    ))
}

/// A delivery: 200 with what it did; 401 for a missing or wrong `X-Hub-Signature-256`.
async fn meta_delivery(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<WebhookReport>, ApiError> {
    let signature = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok());
    Ok(Json(state.app.receive_meta_webhook(signature, body).await?))
}
