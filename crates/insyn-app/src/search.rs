//! Keeping the search index in step with the store, and searching.
//!
//! The store writes a search-outbox row in the same transaction as every change a search can see.
//! Rows are removed once their documents are applied, so after a crash the index simply catches
//! up; `reindex` rebuilds it from the records alone.
use crate::{App, Progress, Result};
use insyn_domain::{OrgId, Record, RecordId, SearchHit, SearchQuery};
use serde::Serialize;

/// Outbox rows (or records, when rebuilding) applied to the index per step.
const SYNC_BATCH: i64 = 20_000;

/// A search result: the hit and the record it names.
#[derive(Debug, Clone, Serialize)]
pub struct FoundRecord {
    pub hit: SearchHit,
    pub record: Record,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchPage {
    pub total: u64,
    pub results: Vec<FoundRecord>,
}

impl App {
    /// Applies every committed change not yet in the index. Returns how many documents were applied.
    pub async fn sync_search(&self) -> Result<u64> {
        let _guard = self.sync_lock.lock().await;
        let mut applied = 0;
        loop {
            // Always from the start: entries are removed once applied, and one that committed
            // late with a smaller id must not be skipped. A crash between apply and remove only
            // applies the same documents again.
            let batch = self.store.search_outbox(0, SYNC_BATCH).await?;
            if batch.ids.is_empty() {
                break;
            }
            applied += batch.docs.len() as u64;
            match self.search.apply(batch.docs, batch.last_id).await {
                Ok(()) => {}
                // The index belongs to another process (insyn serve), which applies the outbox.
                Err(insyn_search::SearchError::Busy(_)) => return Ok(0),
                Err(e) => return Err(e.into()),
            }
            self.store.remove_from_search_outbox(&batch.ids).await?;
        }
        Ok(applied)
    }

    /// Rebuilds the index from the store.
    pub async fn reindex(&self, progress: &dyn Progress) -> Result<u64> {
        let _guard = self.sync_lock.lock().await;
        // Everything in the outbox now is covered by the rebuild, which reads later.
        loop {
            let pending = self.store.search_outbox(0, SYNC_BATCH).await?;
            if pending.ids.is_empty() {
                break;
            }
            self.store.remove_from_search_outbox(&pending.ids).await?;
        }
        let mut total_records = 0;
        for org in self.store.list_organisations().await? {
            total_records += self.store.count_records(org.id).await?;
        }
        progress.start("bygger om sökindexet", total_records as u64);
        self.search.clear().await?;
        let mut after = RecordId(0);
        let mut count = 0u64;
        loop {
            let docs = self.store.search_docs_after(after, SYNC_BATCH).await?;
            let Some(last) = docs.last() else { break };
            after = last.record_id;
            let n = docs.len() as u64;
            self.search.apply(docs, 0).await?;
            count += n;
            progress.advance(n);
        }
        progress.finish();
        Ok(count)
    }

    /// Searches one organisation's records; the hits come with their records.
    pub async fn search(&self, query: &SearchQuery) -> Result<SearchPage> {
        let results = self.search.search(query).await?;
        let ids: Vec<RecordId> = results.hits.iter().map(|h| h.record_id).collect();
        let records = self.store.get_records(query.org_id, &ids).await?;
        let mut by_id: std::collections::HashMap<RecordId, Record> =
            records.into_iter().map(|r| (r.id, r)).collect();
        let results_with_records = results
            .hits
            .into_iter()
            .filter_map(|hit| {
                by_id
                    .remove(&hit.record_id)
                    .map(|record| FoundRecord { hit, record })
            })
            .collect();
        Ok(SearchPage {
            total: results.total,
            results: results_with_records,
        })
    }

    /// Number of records of an organisation in the index.
    pub async fn indexed_count(&self, org: OrgId) -> Result<u64> {
        Ok(self.search.doc_count(org).await?)
    }
}
