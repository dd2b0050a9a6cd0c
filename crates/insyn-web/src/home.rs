//! The start page and the health check.
use crate::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};

pub async fn page() -> Html<&'static str> {
    Html(
        r#"<!doctype html>
<html lang="sv">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Insyn</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1a1a1a}a{color:#0b5394}</style>
</head>
<body>
<main>
<h1>Insyn</h1>
<p>Insyn tar hand om myndighetens sociala medier som allmänna handlingar: insamling, bevarande,
sökning, uppsikt, diarieföring, arkivering och gallring.</p>
<ul>
<li><a href="/logga-in">Logga in för personal</a> (staff sign-in)</li>
<li><a href="/health">Driftstatus</a> (health)</li>
<li><a href="/api/openapi.json">API-beskrivning (OpenAPI)</a></li>
</ul>
<p lang="en">Insyn keeps an authority's social media as public records. The staff interface and the
public portal are being built; the JSON API is described in the OpenAPI document above.</p>
</main>
</body>
</html>"#,
    )
}

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
