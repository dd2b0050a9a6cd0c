//! Webhook deliveries from Meta (Facebook Pages, Instagram): verified over the raw body, stored
//! verbatim as evidence, then captured like a poll's items. A delivery with a bad signature is
//! refused and logged, and nothing of it is stored.
use crate::{App, AppError, Result};
use bytes::Bytes;
use insyn_capture::meta_webhook::{self, Event, WebhookError};
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
                match self
                    .store
                    .find_record(account.org_id, account.id, &platform_item_id)
                    .await?
                {
                    Some(record) if record.deleted_seen_at.is_none() => {
                        let evidence = format!(
                            "Meta webhook: verb remove for {platform_item_id} in the delivery stored as blob {digest} ({pointer})"
                        );
                        self.store
                            .record_deletion_seen(
                                account.org_id,
                                record.id,
                                chrono::Utc::now(),
                                &evidence,
                                "webhook:meta",
                            )
                            .await?;
                        report.deletions_seen += 1;
                    }
                    // already seen as deleted, or never captured: the stored delivery keeps it
                    _ => report.ignored += 1,
                }
            }
        }
        self.sync_search().await?;
        self.screen_pending().await?;
        Ok(report)
    }

    /// The Facebook or Instagram accounts of every organisation, by their platform id.
    async fn accounts_by_platform_id(
        &self,
        platform: Platform,
    ) -> Result<BTreeMap<String, Account>> {
        let mut out = BTreeMap::new();
        for org in self.store.list_organisations().await? {
            for account in self.store.list_accounts(org.id).await? {
                if account.platform == platform && !account.platform_id.is_empty() {
                    out.insert(account.platform_id.clone(), account);
                }
            }
        }
        Ok(out)
    }
}
