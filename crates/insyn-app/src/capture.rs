//! Evidence first (R2.4): the verbatim platform payload is stored before the items parsed from it.
use crate::{App, Result};
use bytes::Bytes;
use futures::StreamExt;
use insyn_domain::{CaptureItem, OrgId, Sha256Digest};
use insyn_store::{BlobMeta, CaptureOutcome};

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
        // Payloads are written concurrently: each write is made durable (fsync) on its own.
        let stored: Vec<Result<(Sha256Digest, i64)>> =
            futures::stream::iter(observations.iter().map(|obs| {
                let blobs = self.blobs.clone();
                let raw = obs.raw.clone();
                async move { Ok((blobs.put(raw.clone()).await?, raw.len() as i64)) }
            }))
            .buffered(16)
            .collect()
            .await;
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
        Ok(self.store.capture(org, &items, actor).await?)
    }
}
