//! The access log (R12.1): every page and API answer that shows staff records that are not
//! released is logged before it is sent. Entries go through one writer task per process that
//! gathers what arrives within [`GATHER`] and stores it in one transaction (group commit): under
//! load a page waits for one short write shared with the pages shown at the same moment, not for
//! a write of its own. The index by record is built apart, a second at a time.
use crate::{App, AppError, Result};
use futures::FutureExt;
use insyn_domain::{
    AccessEntry, AccessFilter, AccessVia, Classification, NewAccess, OrgId, RecordId, StaffUser,
    can_read_access_log,
};
use insyn_store::Store;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// Entries stored in one transaction at most.
const BATCH: usize = 256;
/// How long the writer waits for more entries before it writes what it has.
const GATHER: Duration = Duration::from_millis(2);
/// How often the index by record catches up (accesses not yet in it are still found).
const INDEX_EVERY: Duration = Duration::from_secs(1);
/// Entries indexed in one transaction at most: a short transaction (a few milliseconds), so
/// that the page views waiting to be logged get their turn between two.
const INDEX_PASS: i64 = 500;

type Reply = oneshot::Sender<std::result::Result<(), String>>;

/// The process's writer of access entries.
#[derive(Debug)]
pub(crate) struct AccessWriter {
    tx: mpsc::Sender<(NewAccess, Reply)>,
}

impl AccessWriter {
    /// Starts the writer task and the indexer task (both end when the last [`App`] clone is
    /// dropped).
    pub(crate) fn start(store: Arc<dyn Store>) -> AccessWriter {
        let (tx, mut rx) = mpsc::channel::<(NewAccess, Reply)>(4 * BATCH);
        let written = Arc::new(AtomicBool::new(false));
        let indexer_store = Arc::downgrade(&store);
        let indexer_written = written.clone();
        tokio::spawn(async move {
            let mut waiting = Vec::with_capacity(BATCH);
            while rx.recv_many(&mut waiting, BATCH).await > 0 {
                // a moment for the page views made at the same time: one commit for them all
                tokio::time::sleep(GATHER).await;
                if waiting.len() < BATCH {
                    let more = BATCH - waiting.len();
                    let _ = rx.recv_many(&mut waiting, more).now_or_never();
                }
                let (entries, replies): (Vec<NewAccess>, Vec<Reply>) = waiting.drain(..).unzip();
                let stored = store.log_access(&entries).await.map_err(|e| {
                    tracing::error!(error = %e, entries = entries.len(), "the access log could not be written");
                    e.to_string()
                });
                written.store(true, Ordering::Release);
                for reply in replies {
                    // (a request that went away no longer waits)
                    let _ = reply.send(stored.clone());
                }
            }
        });
        // The index by record is built apart from the writes, a second at a time: one pass
        // writes each index page once for many page views.
        tokio::spawn(async move {
            let mut every = tokio::time::interval(INDEX_EVERY);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                let Some(store) = indexer_store.upgrade() else {
                    return;
                };
                if !indexer_written.swap(false, Ordering::AcqRel) {
                    continue;
                }
                loop {
                    match store.index_access_log(INDEX_PASS).await {
                        Ok(n) if n as i64 == INDEX_PASS => tokio::task::yield_now().await,
                        Ok(_) => break,
                        Err(e) => {
                            tracing::warn!(error = %e, "indexing the access log failed; tried again in a second");
                            indexer_written.store(true, Ordering::Release);
                            break;
                        }
                    }
                }
            }
        });
        AccessWriter { tx }
    }

    async fn log(&self, entry: NewAccess) -> Result<()> {
        let (reply, stored) = oneshot::channel();
        let stopped = || {
            AppError::Unavailable(
                "the access log is not being written (the process is stopping)".into(),
            )
        };
        self.tx.send((entry, reply)).await.map_err(|_| stopped())?;
        stored
            .await
            .map_err(|_| stopped())?
            .map_err(|e| AppError::Unavailable(format!("the access log could not be written: {e}")))
    }
}

impl App {
    /// Logs that `actor` was shown these records (R12.1): the ones not released, in one entry.
    /// Returns once the entry is stored; a caller shows the records only then (an access that
    /// cannot be logged is refused, not shown unlogged).
    pub async fn log_shown(
        &self,
        org: OrgId,
        actor: &str,
        via: AccessVia,
        detail: &str,
        shown: impl IntoIterator<Item = (RecordId, Classification)>,
    ) -> Result<()> {
        match NewAccess::of_shown(org, actor, via, detail, shown) {
            Some(entry) => self.access.log(entry).await,
            None => Ok(()),
        }
    }

    /// The organisation's access log, newest first, for the data protection officer or the
    /// administrator.
    pub async fn access_log(
        &self,
        user: &StaffUser,
        filter: &AccessFilter,
    ) -> Result<Vec<AccessEntry>> {
        if !can_read_access_log(user, user.org_id) {
            return Err(AppError::Forbidden(
                "only the data protection officer and the administrator may read the access log / \
                 endast dataskyddsombudet och administratören får läsa åtkomstloggen"
                    .into(),
            ));
        }
        self.access_log_admin(user.org_id, filter).await
    }

    /// The access log for the command line (an operator on the server, no role check).
    pub async fn access_log_admin(
        &self,
        org: OrgId,
        filter: &AccessFilter,
    ) -> Result<Vec<AccessEntry>> {
        if !(1..=1000).contains(&filter.limit) {
            return Err(AppError::invalid("limit", "limit must be 1-1000"));
        }
        Ok(self.store.access_log(org, filter).await?)
    }
}
