//! Keeping the search index in step with the store, and searching.
//!
//! The store writes a search-outbox row in the same transaction as every change a search can see.
//! Rows are removed once their documents are applied, so after a crash the index simply catches
//! up; `reindex` rebuilds it from the records alone.
//!
//! Bulk loads ([`BulkIndexer`]) skip the outbox for the records they create: the store names
//! them in one backfill entry per batch, the loader applies their documents from the items it
//! already holds (no read-back of every text from the store), and removes the entry. An entry
//! left behind is applied from the store by the next [`App::sync_search`].
use crate::{App, AppError, Progress, Result};
use insyn_domain::audit::to_stored_precision;
use insyn_domain::{
    AccountId, CaptureItem, Classification, OrgId, Record, RecordId, SearchDoc, SearchHit,
    SearchQuery, UnitId,
};
use insyn_store::CaptureOutcome;
use serde::Serialize;
use std::collections::HashMap;

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
        // Records of bulk loads whose loader did not apply them (a crash, or another process
        // holding the index).
        loop {
            let backfills = self.store.search_backfills(100).await?;
            if backfills.is_empty() {
                break;
            }
            for backfill in backfills {
                let mut after = RecordId(backfill.first.0 - 1);
                loop {
                    let mut docs = self.store.search_docs_after(after, SYNC_BATCH).await?;
                    docs.retain(|d| d.record_id <= backfill.last);
                    let Some(last) = docs.last() else { break };
                    after = last.record_id;
                    applied += docs.len() as u64;
                    match self.search.apply(docs, 0).await {
                        Ok(()) => {}
                        Err(insyn_search::SearchError::Busy(_)) => return Ok(applied),
                        Err(e) => return Err(e.into()),
                    }
                }
                self.store.remove_search_backfills(&[backfill.id]).await?;
            }
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
        loop {
            let pending = self.store.search_backfills(1_000).await?;
            if pending.is_empty() {
                break;
            }
            let ids: Vec<i64> = pending.iter().map(|b| b.id).collect();
            self.store.remove_search_backfills(&ids).await?;
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

/// Indexes the records a bulk load creates from the items the loader holds, a batch at a time on
/// another task while the load goes on. Feed it every batch stored with
/// [`insyn_store::Store::capture_bulk`], then call [`BulkIndexer::finish`].
pub struct BulkIndexer {
    app: App,
    org: OrgId,
    units: HashMap<AccountId, UnitId>,
    docs: Vec<SearchDoc>,
    backfills: Vec<i64>,
    every: usize,
    running: Option<tokio::task::JoinHandle<Result<()>>>,
}

impl BulkIndexer {
    /// Applies the collected documents whenever `every` of them are waiting.
    pub async fn new(app: &App, org: OrgId, every: usize) -> Result<BulkIndexer> {
        let units = app
            .store
            .list_accounts(org)
            .await?
            .into_iter()
            .map(|a| (a.id, a.unit_id))
            .collect();
        Ok(BulkIndexer {
            app: app.clone(),
            org,
            units,
            docs: Vec::new(),
            backfills: Vec::new(),
            every: every.max(1),
            running: None,
        })
    }

    /// Takes the new records of one `capture_bulk` batch (`items` as passed to it).
    pub async fn add(&mut self, items: &[CaptureItem], outcome: &CaptureOutcome) -> Result<()> {
        let Some(backfill) = outcome.search_backfill else {
            return Ok(());
        };
        for ((item, id), new) in items.iter().zip(&outcome.record_ids).zip(&outcome.is_new) {
            if !*new {
                continue;
            }
            let Some(unit_id) = self.units.get(&item.account_id) else {
                // an account made after the indexer: the store's copy is applied instead
                continue;
            };
            self.docs.push(SearchDoc {
                record_id: *id,
                org_id: self.org,
                account_id: item.account_id,
                unit_id: *unit_id,
                kind: item.kind,
                direction: item.direction,
                classification: Classification::Unassessed,
                available_at: to_stored_precision(item.available_at),
                deleted: false,
                disposed: false,
                author_name: item.author_name.clone(),
                text: item.text.clone(),
            });
        }
        self.backfills.push(backfill.id);
        if self.docs.len() >= self.every {
            self.start().await?;
        }
        Ok(())
    }

    /// Applies what is left and waits for it.
    pub async fn finish(mut self) -> Result<()> {
        self.start().await?;
        self.wait().await
    }

    async fn wait(&mut self) -> Result<()> {
        if let Some(task) = self.running.take() {
            task.await
                .map_err(|e| AppError::Internal(format!("search indexing stopped: {e}")))??;
        }
        Ok(())
    }

    /// Starts applying the collected documents once the previous batch is in.
    async fn start(&mut self) -> Result<()> {
        self.wait().await?;
        if self.backfills.is_empty() {
            return Ok(());
        }
        let docs = std::mem::take(&mut self.docs);
        let backfills = std::mem::take(&mut self.backfills);
        let app = self.app.clone();
        self.running = Some(tokio::spawn(async move {
            // Watermark 0: a doc an outbox entry wrote (a later change) is never overwritten.
            match app.search.apply(docs, 0).await {
                Ok(()) => Ok(app.store.remove_search_backfills(&backfills).await?),
                // The index belongs to another process, which applies the backfill itself.
                Err(insyn_search::SearchError::Busy(_)) => Ok(()),
                Err(e) => Err(e.into()),
            }
        }));
        Ok(())
    }
}
