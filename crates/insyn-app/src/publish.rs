//! Publishing answers through the platform's API (R5.2). A small [`Publisher`] trait with one
//! implementation per platform whose API allows it: Mastodon (`POST /api/v1/statuses` with
//! `in_reply_to_id`). For the other platforms publishing is manual for now; the answer is still
//! recorded as an upprättad record.
use crate::{AppError, Result};
use async_trait::async_trait;
use std::time::Duration;

/// Publishes a reply on the platform and returns the platform's id of the new item.
#[async_trait]
pub trait Publisher: Send + Sync {
    /// Replies to the platform item `in_reply_to` with `text`.
    async fn reply(&self, in_reply_to: &str, text: &str) -> Result<String>;
}

/// A Mastodon instance, with the account's own access token.
pub struct MastodonPublisher {
    base_url: String,
    token: String,
    http: reqwest::Client,
}

impl MastodonPublisher {
    pub fn new(base_url: &str, token: &str) -> Result<MastodonPublisher> {
        let url = url::Url::parse(base_url)
            .map_err(|e| AppError::invalid("base_url", format!("'{base_url}': {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(AppError::invalid(
                "base_url",
                format!("'{base_url}' must be an http(s) address"),
            ));
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| AppError::Internal(format!("HTTP client: {e}")))?;
        Ok(MastodonPublisher {
            base_url: base_url.trim_end_matches('/').to_string(),
            token: token.to_string(),
            http,
        })
    }
}

#[async_trait]
impl Publisher for MastodonPublisher {
    async fn reply(&self, in_reply_to: &str, text: &str) -> Result<String> {
        let body = serde_json::json!({
            "status": text,
            "in_reply_to_id": in_reply_to,
            "visibility": "public",
        });
        let resp = self
            .http
            .post(format!("{}/api/v1/statuses", self.base_url))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .map_err(|e| {
                AppError::Conflict(format!(
                    "Mastodon at {} did not answer ({e}); the answer was not published, try again",
                    self.base_url
                ))
            })?;
        let status = resp.status();
        if !status.is_success() {
            let detail: String = resp
                .text()
                .await
                .unwrap_or_default()
                .chars()
                .take(200)
                .collect();
            return Err(AppError::Conflict(format!(
                "Mastodon refused the answer ({status}): {detail}; the answer was not published"
            )));
        }
        let created: serde_json::Value = resp
            .json()
            .await
            .map_err(|e| AppError::Conflict(format!("Mastodon's answer could not be read: {e}")))?;
        match &created["id"] {
            serde_json::Value::String(id) if !id.is_empty() => Ok(id.clone()),
            serde_json::Value::Number(n) => Ok(n.to_string()),
            _ => Err(AppError::Conflict(
                "Mastodon's answer carries no status id".into(),
            )),
        }
    }
}
