//! The health check. The start page, which lists the organisations' portals, is
//! [`crate::portal::home_page`].
use crate::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;

#[derive(serde::Serialize)]
pub struct Health {
    status: &'static str,
    database: &'static str,
    blobs: String,
    search: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<String>,
}

pub async fn health(State(state): State<AppState>) -> impl IntoResponse {
    let app = &state.app;
    let result = app.health().await;
    let body = Health {
        status: if result.is_ok() { "ok" } else { "unavailable" },
        database: app.store.backend(),
        blobs: app.blobs.describe(),
        search: app.search.backend(),
        problem: result.err().map(|e| e.to_string()),
    };
    let status = if body.problem.is_none() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body))
}
