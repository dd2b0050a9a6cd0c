//! Evidence first (R2.4): the verbatim platform payload is stored before the items parsed from it.
use crate::{App, Result};
use bytes::Bytes;
use insyn_domain::{CaptureItem, OrgId, Record, Sha256Digest};
use insyn_store::{BlobMeta, CaptureOutcome};
use std::collections::HashMap;

/// One platform response (or webhook delivery, or export file member) and the items parsed from it.
pub struct Observation {
    pub raw: Bytes,
    pub media_type: String,
    /// Items parsed from `raw`; their `raw_blob` is filled in here.
    pub items: Vec<CaptureItem>,
}

impl App {
    /// Stores the raw payload, then the items, then updates the search index.
    pub async fn capture(
        &self,
        org: OrgId,
        obs: Observation,
        actor: &str,
    ) -> Result<CaptureOutcome> {
        let outcome = self.capture_without_index(org, vec![obs], actor).await?;
        self.sync_search().await?;
        self.screen_pending().await?;
        Ok(outcome)
    }

    /// As [`App::capture`] for several observations in one store transaction, leaving the search
    /// index to a later [`App::sync_search`] (bulk loads).
    pub async fn capture_without_index(
        &self,
        org: OrgId,
        observations: Vec<Observation>,
        actor: &str,
    ) -> Result<CaptureOutcome> {
        let stored = self.store_payloads(observations).await?;
        self.capture_stored(org, &stored, actor).await
    }
}

/// What one capture pass over an account did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct PassReport {
    pub responses: u64,
    pub new_records: u64,
    pub new_versions: u64,
    pub unchanged: u64,
    /// Records looked up because they were missing from the listing.
    pub checked: u64,
    pub deletions_seen: u64,
    /// Media files downloaded and stored in this pass.
    pub media_stored: u64,
    /// Media files that could not be downloaded (expired URL, too large, unreachable); each
    /// item was stored without that file.
    pub media_errors: Vec<MediaProblem>,
}

/// A media file capture could not keep, and the platform's answer kept as evidence.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MediaProblem {
    pub platform_item_id: String,
    /// The media URL with secrets removed.
    pub url: String,
    pub status: Option<u16>,
    /// The answer (e.g. the 403 "URL signature expired" body), stored as a blob.
    pub answer_blob: Option<Sha256Digest>,
    pub message: String,
}

/// The media URL without query parameters (signatures and tokens stay out of reports).
fn bare_url(url: &str) -> String {
    url.split(['?', '#']).next().unwrap_or(url).to_string()
}

impl App {
    /// One full pass over an account: every page of the listing (each response stored before its
    /// items, each new or edited item's media files downloaded and stored by SHA-256 before the
    /// item), then a direct look-up of every record that was not in the listing. Only the
    /// platform's "not found" marks a record as deleted (positive evidence, R2.4); an error stops
    /// the pass with the response kept as evidence and nothing lost. A media file that cannot be
    /// downloaded does not stop the pass: the item is stored without it and the failure, with the
    /// platform's answer, is in [`PassReport::media_errors`].
    pub async fn capture_pass(
        &self,
        org: OrgId,
        account: insyn_domain::AccountId,
        connector: &dyn insyn_capture::Connector,
        actor: &str,
    ) -> Result<PassReport> {
        let acc = self.store.get_account(org, account).await?;
        if acc.platform != connector.platform() {
            return Err(crate::AppError::invalid(
                "account",
                format!(
                    "account {account} is on {}, not {}",
                    acc.platform,
                    connector.platform()
                ),
            ));
        }
        // Every pass starts by checking the token (connection health, R2.5) and that it still
        // belongs to this account.
        let verified = self.connector_call(connector.verify()).await?;
        let platform_account_id = if acc.platform_id.is_empty() {
            self.store
                .set_account_platform_id(org, account, &verified, actor)
                .await?;
            verified
        } else if acc.platform_id != verified {
            return Err(crate::AppError::Conflict(format!(
                "the token belongs to platform account {verified}, but account {account} is {}; connect the right account",
                acc.platform_id
            )));
        } else {
            acc.platform_id.clone()
        };
        let target = insyn_capture::Target {
            account_id: account,
            platform_account_id,
        };
        // the account's records as they stand, to skip media of unchanged items and to find
        // the records missing from the listing
        let mut known: HashMap<String, Record> = HashMap::new();
        let mut before = None;
        loop {
            let filter = crate::RecordFilter {
                account: Some(account),
                limit: 1000,
                before,
                ..Default::default()
            };
            let records = self.store.list_records(org, &filter).await?;
            let Some(last) = records.last() else {
                break;
            };
            before = Some((last.available_at, last.id));
            known.extend(records.into_iter().map(|r| (r.platform_item_id.clone(), r)));
        }
        let mut report = PassReport::default();
        let mut seen = std::collections::HashSet::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self
                .connector_call(connector.poll(&target, cursor.as_deref()))
                .await?;
            let mut observations = Vec::with_capacity(page.batches.len());
            for b in page.batches {
                seen.extend(b.items.iter().map(|i| i.platform_item_id.clone()));
                report.responses += 1;
                observations.push(
                    self.with_media(org, connector, b, &known, &mut report)
                        .await?,
                );
            }
            let outcome = self.capture_without_index(org, observations, actor).await?;
            report.new_records += outcome.new_records;
            report.new_versions += outcome.new_versions;
            report.unchanged += outcome.unchanged;
            match page.next_cursor {
                Some(next) if Some(&next) != cursor.as_ref() => cursor = Some(next),
                _ => break,
            }
        }
        // records not in the listing: look each one up
        let mut missing: Vec<&Record> = known
            .values()
            .filter(|r| r.deleted_seen_at.is_none() && !seen.contains(&r.platform_item_id))
            .collect();
        missing.sort_by_key(|r| r.id);
        for record in missing {
            report.checked += 1;
            let item = insyn_capture::ItemRef {
                platform_item_id: record.platform_item_id.clone(),
                kind: record.kind,
                parent_platform_id: record.parent_platform_id.clone(),
                thread_platform_id: record.thread_platform_id.clone(),
            };
            match self
                .connector_call(connector.lookup(&target, &item))
                .await?
            {
                insyn_capture::Lookup::Present(b) => {
                    report.responses += 1;
                    let obs = self
                        .with_media(org, connector, b, &known, &mut report)
                        .await?;
                    let outcome = self.capture_without_index(org, vec![obs], actor).await?;
                    report.new_versions += outcome.new_versions;
                }
                insyn_capture::Lookup::Unconfirmed(raw) => {
                    report.responses += 1;
                    self.store_raw(&raw).await?;
                }
                insyn_capture::Lookup::Gone(raw) => {
                    report.responses += 1;
                    let digest = self.store_raw(&raw).await?;
                    let evidence = format!(
                        "HTTP {} from GET {}; response stored as blob {digest}",
                        raw.status, raw.url
                    );
                    self.store
                        .record_deletion_seen(org, record.id, raw.fetched_at, &evidence, actor)
                        .await?;
                    report.deletions_seen += 1;
                }
            }
        }
        self.sync_search().await?;
        self.screen_pending().await?;
        Ok(report)
    }

    /// Turns a batch into an observation whose items carry their media digests: an item that is
    /// already a record with the same text keeps its stored media (signed URLs change and expire;
    /// the files were kept when first seen); a new or edited item's files are downloaded now and
    /// stored before the item. A failed download is reported with its answer kept, never fatal,
    /// and tried again on the next pass.
    async fn with_media(
        &self,
        org: OrgId,
        connector: &dyn insyn_capture::Connector,
        batch: insyn_capture::Batch,
        known: &HashMap<String, Record>,
        report: &mut PassReport,
    ) -> Result<Observation> {
        let mut items = batch.items;
        for item in items.iter_mut() {
            let refs: Vec<&insyn_capture::MediaRef> = batch
                .media
                .iter()
                .filter(|m| m.item == item.platform_item_id)
                .collect();
            if refs.is_empty() {
                continue;
            }
            if let Some(rec) = known
                .get(&item.platform_item_id)
                .filter(|r| r.text == item.text && r.author_name == item.author_name)
            {
                let versions = self.store.record_versions(org, rec.id).await?;
                // all files kept before: reuse them; a file missing then (an expired URL) is
                // tried again, and the item gets a new version if it can be had now
                if let Some(last) = versions.last().filter(|v| v.media.len() >= refs.len()) {
                    item.media = last.media.clone();
                    continue;
                }
            }
            for m in refs {
                match connector.fetch_media(m).await {
                    Ok(file) => {
                        let digest = self.store_raw(&file).await?;
                        if !item.media.contains(&digest) {
                            item.media.push(digest);
                        }
                        report.media_stored += 1;
                    }
                    Err(e) => {
                        let answer_blob = match e.raw() {
                            Some(raw) => Some(self.store_raw(raw).await?),
                            None => None,
                        };
                        tracing::warn!(item = %item.platform_item_id, url = %bare_url(&m.url), error = %e, "a media file could not be kept");
                        report.media_errors.push(MediaProblem {
                            platform_item_id: item.platform_item_id.clone(),
                            url: bare_url(&m.url),
                            status: e.raw().map(|r| r.status),
                            answer_blob,
                            message: e.to_string(),
                        });
                    }
                }
            }
        }
        Ok(Observation {
            raw: batch.raw.body,
            media_type: batch.raw.media_type,
            items,
        })
    }

    /// Runs a connector call; on failure the platform's response is stored as evidence first.
    async fn connector_call<T>(
        &self,
        call: impl std::future::Future<Output = Result<T, insyn_capture::CaptureError>>,
    ) -> Result<T> {
        match call.await {
            Ok(v) => Ok(v),
            Err(e) => {
                if let Some(raw) = e.raw() {
                    match self.store_raw(raw).await {
                        Ok(d) => {
                            tracing::warn!(url = %raw.url, status = raw.status, blob = %d, "capture failed; the response is kept")
                        }
                        Err(err) => {
                            tracing::error!(url = %raw.url, error = %err, "capture failed and its response could not be kept")
                        }
                    }
                }
                Err(e.into())
            }
        }
    }

    /// Stores one platform response verbatim (blob and catalogue entry) and returns its digest.
    async fn store_raw(&self, raw: &insyn_capture::RawResponse) -> Result<Sha256Digest> {
        let digest = self.blobs.put(raw.body.clone()).await?;
        let meta = BlobMeta {
            sha256: digest,
            size: raw.body.len() as i64,
            media_type: raw.media_type.clone(),
        };
        self.store.register_blobs(&[meta]).await?;
        Ok(digest)
    }
}
