//! Webhook deliveries from Meta (Facebook Pages, Instagram): verified over the raw body, stored
//! verbatim as evidence, then captured like a poll's items. A delivery with a bad signature is
//! refused and logged, and nothing of it is stored.
use crate::{App, AppError, Result};
use bytes::Bytes;
use insyn_capture::meta_webhook::{self, Event, WebhookError};
use insyn_capture::{linkedin_webhook, x_webhook, youtube_websub};
use insyn_domain::{Account, CaptureItem, Platform};
use insyn_store::BlobMeta;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The Meta app's secrets: the app secret signs every delivery; the verify token is the string
/// entered in the app's webhook settings and echoed back in the subscription check.
#[derive(Clone)]
pub struct MetaWebhookConfig {
    pub app_secret: String,
    pub verify_token: String,
}

impl std::fmt::Debug for MetaWebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetaWebhookConfig { app_secret: ***, verify_token: *** }")
    }
}

/// The secret given to YouTube's WebSub hub when subscribing; it signs every notification.
#[derive(Clone)]
pub struct YoutubeWebSubConfig {
    pub secret: String,
}

impl std::fmt::Debug for YoutubeWebSubConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("YoutubeWebSubConfig { secret: *** }")
    }
}

/// The LinkedIn app's client secret: it answers the endpoint's validation and signs every
/// notification.
#[derive(Clone)]
pub struct LinkedinWebhookConfig {
    pub client_secret: String,
}

impl std::fmt::Debug for LinkedinWebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkedinWebhookConfig { client_secret: *** }")
    }
}

/// The X app's consumer secret (API secret key): it answers the CRC check and signs every
/// Account Activity delivery.
#[derive(Clone)]
pub struct XWebhookConfig {
    pub consumer_secret: String,
}

impl std::fmt::Debug for XWebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("XWebhookConfig { consumer_secret: *** }")
    }
}

/// What one YouTube, LinkedIn or X notification did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct WebSubReport {
    /// The stored notification (SHA-256, hex).
    pub delivery_blob: String,
    /// Accounts made due for a capture pass now (the notification names a new or changed video;
    /// the pass fetches it whole, with its description and comments).
    pub accounts_due: u64,
    pub deletions_seen: u64,
    /// Entries for a channel that is not connected here, or videos never captured.
    pub ignored: u64,
}

/// What one delivery did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct WebhookReport {
    /// The stored delivery (SHA-256, hex).
    pub delivery_blob: String,
    pub new_records: u64,
    pub new_versions: u64,
    pub unchanged: u64,
    pub deletions_seen: u64,
    /// Events that are not records (likes, hides, mentions without text).
    pub ignored: u64,
    /// Entries for a page or Instagram account that is not connected here.
    pub unknown_accounts: Vec<String>,
}

impl App {
    /// Turns on Meta webhooks with the app's secrets.
    pub fn with_meta_webhook(mut self, config: MetaWebhookConfig) -> App {
        self.meta_webhook = Some(Arc::new(config));
        self
    }

    fn meta_config(&self) -> Result<&MetaWebhookConfig> {
        self.meta_webhook.as_deref().ok_or_else(|| {
            AppError::NotFound(
                "Meta webhooks are not set up here (configure [webhooks.meta])".into(),
            )
        })
    }

    /// Meta's subscription check: the challenge to echo, when mode and token are right.
    pub fn meta_webhook_challenge(
        &self,
        mode: Option<&str>,
        token: Option<&str>,
        challenge: Option<&str>,
    ) -> Result<String> {
        let config = self.meta_config()?;
        meta_webhook::challenge(&config.verify_token, mode, token, challenge)
            .map(str::to_string)
            .ok_or_else(|| {
                tracing::warn!("Meta webhook subscription check refused: wrong mode or verify token");
                AppError::Forbidden(
                    "the subscription check needs hub.mode=subscribe, the configured hub.verify_token and a hub.challenge".into(),
                )
            })
    }

    /// One delivery: the signature is checked over `body` before anything is stored; then the
    /// body is kept as a blob and its items are captured for the accounts they belong to.
    pub async fn receive_meta_webhook(
        &self,
        signature: Option<&str>,
        body: Bytes,
    ) -> Result<WebhookReport> {
        let config = self.meta_config()?;
        if body.len() > meta_webhook::MAX_BODY_BYTES {
            return Err(AppError::invalid(
                "body",
                WebhookError::TooLarge(body.len()).to_string(),
            ));
        }
        if let Err(e) =
            meta_webhook::verify_signature(config.app_secret.as_bytes(), &body, signature)
        {
            tracing::warn!(error = %e, bytes = body.len(), "Meta webhook delivery refused");
            return Err(AppError::Unauthorized(e.to_string()));
        }
        // Evidence first: the verified delivery, verbatim, before it is read.
        let digest = self.blobs.put(body.clone()).await?;
        self.store
            .register_blobs(&[BlobMeta {
                sha256: digest,
                size: body.len() as i64,
                media_type: "application/json".into(),
            }])
            .await?;
        let delivery = meta_webhook::parse(&body).map_err(|e| {
            tracing::warn!(error = %e, blob = %digest, "Meta webhook delivery could not be read");
            AppError::invalid(
                "body",
                format!("{e} (the delivery is kept as blob {digest})"),
            )
        })?;
        let mut report = WebhookReport {
            delivery_blob: digest.to_hex(),
            ..Default::default()
        };
        let accounts = self.accounts_by_platform_id(delivery.platform).await?;
        for entry in delivery.entries {
            let Some(account) = accounts.get(&entry.target) else {
                tracing::warn!(target = %entry.target, "Meta webhook entry for an account that is not connected");
                report.unknown_accounts.push(entry.target);
                continue;
            };
            let mut items: Vec<CaptureItem> = Vec::new();
            let mut removed = Vec::new();
            for event in entry.events {
                match event {
                    Event::Upsert(pushed) => {
                        let mut item = pushed.into_item(account.id);
                        item.raw_blob = Some(digest);
                        items.push(item);
                    }
                    Event::Removed {
                        platform_item_id,
                        pointer,
                    } => removed.push((platform_item_id, pointer)),
                    Event::Ignored { .. } => report.ignored += 1,
                }
            }
            if !items.is_empty() {
                let outcome = self
                    .store
                    .capture(account.org_id, &items, "webhook:meta")
                    .await?;
                report.new_records += outcome.new_records;
                report.new_versions += outcome.new_versions;
                report.unchanged += outcome.unchanged;
            }
            for (platform_item_id, pointer) in removed {
                let evidence = || {
                    format!(
                        "Meta webhook: verb remove for {platform_item_id} in the delivery stored as blob {digest} ({pointer})"
                    )
                };
                if self
                    .deletion_pushed(account, &platform_item_id, evidence, "webhook:meta")
                    .await?
                {
                    report.deletions_seen += 1;
                } else {
                    report.ignored += 1;
                }
            }
        }
        self.sync_search().await?;
        self.screen_pending().await?;
        Ok(report)
    }

    /// Every organisation's accounts on `platform`, by their platform id (a delivery names its
    /// account by the platform's id only).
    async fn accounts_by_platform_id(
        &self,
        platform: Platform,
    ) -> Result<BTreeMap<String, Account>> {
        Ok(self
            .store
            .accounts_on_platform(platform)
            .await?
            .into_iter()
            .map(|account| (account.platform_id.clone(), account))
            .collect())
    }

    /// A push says an item was deleted: a captured record of the account not yet seen as
    /// deleted is marked so, with `evidence` naming the stored delivery. `false` when the item
    /// was never captured or its deletion was already seen (the stored delivery keeps it).
    async fn deletion_pushed(
        &self,
        account: &Account,
        platform_item_id: &str,
        evidence: impl FnOnce() -> String,
        actor: &str,
    ) -> Result<bool> {
        match self
            .store
            .find_record(account.org_id, account.id, platform_item_id)
            .await?
        {
            Some(record) if record.deleted_seen_at.is_none() => {
                self.store
                    .record_deletion_seen(
                        account.org_id,
                        record.id,
                        chrono::Utc::now(),
                        &evidence(),
                        actor,
                    )
                    .await?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Turns on YouTube's WebSub notifications with the subscription's secret.
    pub fn with_youtube_websub(mut self, config: YoutubeWebSubConfig) -> App {
        self.youtube_websub = Some(Arc::new(config));
        self
    }

    fn youtube_config(&self) -> Result<&YoutubeWebSubConfig> {
        self.youtube_websub.as_deref().ok_or_else(|| {
            AppError::NotFound(
                "YouTube notifications are not set up here (configure [webhooks.youtube])".into(),
            )
        })
    }

    /// The hub's subscription check: the challenge to echo, for a connected channel's feed.
    pub async fn youtube_websub_challenge(
        &self,
        mode: Option<&str>,
        topic: Option<&str>,
        challenge: Option<&str>,
    ) -> Result<String> {
        self.youtube_config()?;
        let channels = self.accounts_by_platform_id(Platform::Youtube).await?;
        youtube_websub::challenge(mode, topic, challenge, |c| channels.contains_key(c))
            .map(str::to_string)
            .ok_or_else(|| {
                tracing::warn!(topic = topic.unwrap_or(""), "YouTube WebSub check refused");
                AppError::NotFound(
                    "the check needs hub.mode subscribe or unsubscribe, the video feed of a connected channel as hub.topic, and a hub.challenge".into(),
                )
            })
    }

    /// One notification: the signature is checked over `body` before anything is stored; then
    /// the body is kept as a blob. A new or changed video makes its account due for a capture
    /// pass at once (the notification holds only the title); a deleted video is positive evidence
    /// of deletion for the record captured from it.
    pub async fn receive_youtube_websub(
        &self,
        signature: Option<&str>,
        body: Bytes,
    ) -> Result<WebSubReport> {
        let config = self.youtube_config()?;
        let signed = youtube_websub::verify_signature(config.secret.as_bytes(), &body, signature);
        let (digest, changes) = self
            .accept_push(
                "YouTube notification",
                &body,
                youtube_websub::MAX_BODY_BYTES,
                "application/atom+xml",
                signed,
                youtube_websub::parse,
            )
            .await?;
        let mut report = WebSubReport {
            delivery_blob: digest.to_hex(),
            ..Default::default()
        };
        let channels = self.accounts_by_platform_id(Platform::Youtube).await?;
        let now = chrono::Utc::now();
        for change in changes {
            match change {
                youtube_websub::Change::Video { channel_id, .. } => {
                    match channels.get(&channel_id) {
                        Some(account) if self.make_due(account, now).await? => {
                            report.accounts_due += 1
                        }
                        _ => report.ignored += 1,
                    }
                }
                youtube_websub::Change::Deleted {
                    video_id,
                    channel_id,
                    when,
                    pointer,
                } => {
                    let accounts: Vec<&Account> = match channel_id.as_deref() {
                        Some(c) => channels.get(c).into_iter().collect(),
                        None => channels.values().collect(),
                    };
                    let mut seen = false;
                    for account in accounts {
                        let evidence = || {
                            format!(
                                "YouTube WebSub: deleted-entry yt:video:{video_id}{} in the notification stored as blob {digest} ({pointer})",
                                when.map(|w| format!(" at {}", w.to_rfc3339()))
                                    .unwrap_or_default()
                            )
                        };
                        if self
                            .deletion_pushed(account, &video_id, evidence, "webhook:youtube")
                            .await?
                        {
                            report.deletions_seen += 1;
                            seen = true;
                        }
                    }
                    if !seen {
                        report.ignored += 1;
                    }
                }
            }
        }
        self.sync_search().await?;
        Ok(report)
    }

    /// The start every push delivery shares (YouTube, LinkedIn, X): the size limit, the
    /// signature checked before anything is stored (refused: 401, logged), the body kept
    /// verbatim as a blob (evidence first), then `parse`, whose error names the kept blob.
    async fn accept_push<T, E: std::fmt::Display, S: std::fmt::Display>(
        &self,
        what: &str,
        body: &Bytes,
        max_bytes: usize,
        media_type: &str,
        signed: std::result::Result<(), S>,
        parse: impl FnOnce(&[u8]) -> std::result::Result<T, E>,
    ) -> Result<(insyn_domain::Sha256Digest, T)> {
        if body.len() > max_bytes {
            return Err(AppError::invalid(
                "body",
                format!(
                    "the {what} is {} bytes; at most {max_bytes} are accepted",
                    body.len()
                ),
            ));
        }
        if let Err(e) = signed {
            tracing::warn!(error = %e, bytes = body.len(), "{what} refused");
            return Err(AppError::Unauthorized(e.to_string()));
        }
        let digest = self.blobs.put(body.clone()).await?;
        self.store
            .register_blobs(&[BlobMeta {
                sha256: digest,
                size: body.len() as i64,
                media_type: media_type.into(),
            }])
            .await?;
        let parsed = parse(body).map_err(|e| {
            tracing::warn!(error = %e, blob = %digest, "{what} could not be read");
            AppError::invalid("body", format!("{e} (the {what} is kept as blob {digest})"))
        })?;
        Ok((digest, parsed))
    }

    /// Makes a connected account due for a capture pass now (a push named something new on it);
    /// `false` when it is not connected or waits for a reconnect (its alert says so).
    async fn make_due(
        &self,
        account: &Account,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool> {
        let Some(conn) = self.store.connection(account.org_id, account.id).await? else {
            return Ok(false);
        };
        if conn.health.needs_reconnect {
            return Ok(false);
        }
        let mut health = conn.health.clone();
        health.next_attempt_at = Some(now);
        self.store
            .save_capture_state(account.org_id, account.id, &health, conn.cursor.as_deref())
            .await?;
        Ok(true)
    }

    /// Turns on LinkedIn's organization notifications with the app's client secret.
    pub fn with_linkedin_webhook(mut self, config: LinkedinWebhookConfig) -> App {
        self.linkedin_webhook = Some(Arc::new(config));
        self
    }

    fn linkedin_config(&self) -> Result<&LinkedinWebhookConfig> {
        self.linkedin_webhook.as_deref().ok_or_else(|| {
            AppError::NotFound(
                "LinkedIn notifications are not set up here (configure [webhooks.linkedin])".into(),
            )
        })
    }

    /// LinkedIn's validation of the endpoint: the challenge code and its HMAC, as JSON.
    pub fn linkedin_webhook_challenge(&self, code: Option<&str>) -> Result<serde_json::Value> {
        let config = self.linkedin_config()?;
        let code = code
            .map(str::trim)
            .filter(|c| !c.is_empty() && c.len() <= 200)
            .ok_or_else(|| {
                AppError::invalid("challengeCode", "the validation needs a challengeCode")
            })?;
        Ok(serde_json::json!({
            "challengeCode": code,
            "challengeResponse": linkedin_webhook::challenge_response(config.client_secret.as_bytes(), code),
        }))
    }

    /// One notification: the signature is checked over `body` before anything is stored; then
    /// the body is kept as a blob and every organization it names with an action on its posts
    /// (not a reaction) is made due for a capture pass at once, which fetches the items whole.
    pub async fn receive_linkedin_webhook(
        &self,
        signature: Option<&str>,
        body: Bytes,
    ) -> Result<WebSubReport> {
        let config = self.linkedin_config()?;
        let signed =
            linkedin_webhook::verify_signature(config.client_secret.as_bytes(), &body, signature);
        let (digest, notices) = self
            .accept_push(
                "LinkedIn notification",
                &body,
                linkedin_webhook::MAX_BODY_BYTES,
                "application/json",
                signed,
                linkedin_webhook::parse,
            )
            .await?;
        let mut report = WebSubReport {
            delivery_blob: digest.to_hex(),
            ..Default::default()
        };
        let pages = self.accounts_by_platform_id(Platform::Linkedin).await?;
        let now = chrono::Utc::now();
        let mut made_due = std::collections::BTreeSet::new();
        for notice in notices {
            match pages.get(&notice.organization) {
                Some(account) if notice.touches_records() => {
                    if made_due.contains(&account.id) {
                        continue;
                    }
                    if self.make_due(account, now).await? {
                        made_due.insert(account.id);
                        report.accounts_due += 1;
                    } else {
                        report.ignored += 1;
                    }
                }
                _ => report.ignored += 1,
            }
        }
        Ok(report)
    }

    /// Turns on X's Account Activity deliveries with the app's consumer secret.
    pub fn with_x_webhook(mut self, config: XWebhookConfig) -> App {
        self.x_webhook = Some(Arc::new(config));
        self
    }

    fn x_config(&self) -> Result<&XWebhookConfig> {
        self.x_webhook.as_deref().ok_or_else(|| {
            AppError::NotFound(
                "X account activity is not set up here (configure [webhooks.x])".into(),
            )
        })
    }

    /// X's Challenge-Response Check: `{"response_token": "sha256=…"}`.
    pub fn x_webhook_crc(&self, crc_token: Option<&str>) -> Result<serde_json::Value> {
        let config = self.x_config()?;
        let token = crc_token
            .map(str::trim)
            .filter(|c| !c.is_empty() && c.len() <= 500)
            .ok_or_else(|| AppError::invalid("crc_token", "the check needs a crc_token"))?;
        Ok(serde_json::json!({
            "response_token": x_webhook::crc_response(config.consumer_secret.as_bytes(), token),
        }))
    }

    /// One Account Activity delivery: the signature is checked over `body` before anything is
    /// stored; then the body is kept as a blob. New posts and direct messages make the user's
    /// account due for a capture pass at once (the pass reads them whole, with their edit
    /// history); a `tweet_delete_events` entry for a captured post marks it deleted, the
    /// delivery being the evidence.
    pub async fn receive_x_webhook(
        &self,
        signature: Option<&str>,
        body: Bytes,
    ) -> Result<WebSubReport> {
        let config = self.x_config()?;
        let signed =
            x_webhook::verify_signature(config.consumer_secret.as_bytes(), &body, signature);
        let (digest, delivery) = self
            .accept_push(
                "X delivery",
                &body,
                x_webhook::MAX_BODY_BYTES,
                "application/json",
                signed,
                x_webhook::parse,
            )
            .await?;
        let mut report = WebSubReport {
            delivery_blob: digest.to_hex(),
            ..Default::default()
        };
        let users = self.accounts_by_platform_id(Platform::X).await?;
        let Some(account) = users.get(&delivery.for_user_id) else {
            report.ignored = delivery.events.len() as u64;
            return Ok(report);
        };
        let now = chrono::Utc::now();
        let mut due = false;
        for event in delivery.events {
            match event {
                x_webhook::XEvent::Activity { .. } => due = true,
                x_webhook::XEvent::Deleted {
                    post_id,
                    at,
                    pointer,
                } => {
                    let evidence = || {
                        format!(
                            "X account activity: tweet_delete_events status {post_id}{} in the delivery stored as blob {digest} ({pointer})",
                            at.map(|w| format!(" at {}", w.to_rfc3339()))
                                .unwrap_or_default()
                        )
                    };
                    if self
                        .deletion_pushed(account, &post_id, evidence, "webhook:x")
                        .await?
                    {
                        report.deletions_seen += 1;
                    } else {
                        report.ignored += 1;
                    }
                }
                x_webhook::XEvent::Other { .. } => report.ignored += 1,
            }
        }
        if due {
            if self.make_due(account, now).await? {
                report.accounts_due += 1;
            } else {
                report.ignored += 1;
            }
        }
        if report.deletions_seen > 0 {
            self.sync_search().await?;
        }
        Ok(report)
    }
}
