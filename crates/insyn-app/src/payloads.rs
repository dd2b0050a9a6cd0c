//! Capture in two steps, so a bulk load can store the next batch's raw payloads while the store
//! writes the current batch: [`App::store_payloads`] keeps the evidence (blob + catalogue entry)
//! and names it in the items; [`App::capture_stored`] then stores the items. Evidence first
//! (R2.4) holds because the second step only ever sees items whose payload is stored.
use crate::capture::Observation;
use crate::{App, Result};
use futures::StreamExt;
use insyn_domain::{CaptureItem, OrgId, Sha256Digest};
use insyn_store::{BlobMeta, CaptureOutcome};

/// Items whose raw payloads are stored; made only by [`App::store_payloads`].
pub struct StoredItems {
    items: std::sync::Arc<[CaptureItem]>,
}

impl StoredItems {
    pub fn items(&self) -> &[CaptureItem] {
        &self.items
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

impl App {
    /// Stores every observation's raw payload (durably, then in the blob catalogue) and names it
    /// in the observation's items.
    pub async fn store_payloads(&self, observations: Vec<Observation>) -> Result<StoredItems> {
        // Payloads are written concurrently: each write is made durable (fsync) on its own.
        // (The writes are collected first so the future stays `Send` for a spawned task.)
        let writes: Vec<_> = observations
            .iter()
            .map(|obs| {
                let blobs = self.blobs.clone();
                let raw = obs.raw.clone();
                async move { Ok((blobs.put(raw.clone()).await?, raw.len() as i64)) }
            })
            .collect();
        let stored: Vec<Result<(Sha256Digest, i64)>> =
            futures::stream::iter(writes).buffered(16).collect().await;
        let mut items = Vec::new();
        let mut metas = Vec::with_capacity(observations.len());
        for (obs, stored) in observations.into_iter().zip(stored) {
            let (digest, size) = stored?;
            metas.push(BlobMeta {
                sha256: digest,
                size,
                media_type: obs.media_type,
            });
            items.extend(obs.items.into_iter().map(|mut i| {
                i.raw_blob = Some(digest);
                i
            }));
        }
        self.store.register_blobs(&metas).await?;
        Ok(StoredItems {
            items: items.into(),
        })
    }

    /// Stores items whose payloads [`App::store_payloads`] has stored, in one transaction; the
    /// search index follows at the next [`App::sync_search`].
    pub async fn capture_stored(
        &self,
        org: OrgId,
        stored: &StoredItems,
        actor: &str,
    ) -> Result<CaptureOutcome> {
        Ok(self.store.capture(org, &stored.items, actor).await?)
    }

    /// As [`App::capture_stored`] for bulk loads: the new records' search docs are left to a
    /// [`crate::BulkIndexer`] fed with the outcome.
    pub async fn capture_stored_bulk(
        &self,
        org: OrgId,
        stored: &StoredItems,
        actor: &str,
    ) -> Result<CaptureOutcome> {
        Ok(self
            .store
            .capture_bulk(org, stored.items.clone(), actor)
            .await?)
    }
}
