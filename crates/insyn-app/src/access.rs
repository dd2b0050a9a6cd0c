//! The access log (R12.1): every page and API answer that shows staff records that are not
//! released is logged before it is sent. Entries go through one writer task per process that
//! stores everything waiting in one transaction (group commit): under load a page waits for one
//! short write, not for a write of its own.
use crate::{App, AppError, Result};
use insyn_domain::{
    AccessEntry, AccessFilter, AccessVia, Classification, NewAccess, OrgId, RecordId, StaffUser,
    can_read_access_log,
};
use insyn_store::Store;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Entries stored in one transaction at most.
const BATCH: usize = 256;

type Reply = oneshot::Sender<std::result::Result<(), String>>;

/// The process's writer of access entries.
#[derive(Debug)]
pub(crate) struct AccessWriter {
    tx: mpsc::Sender<(NewAccess, Reply)>,
}

impl AccessWriter {
    /// Starts the writer task (it ends when the last [`App`] clone is dropped).
    pub(crate) fn start(store: Arc<dyn Store>) -> AccessWriter {
        let (tx, mut rx) = mpsc::channel::<(NewAccess, Reply)>(4 * BATCH);
        tokio::spawn(async move {
            let mut waiting = Vec::with_capacity(BATCH);
            while rx.recv_many(&mut waiting, BATCH).await > 0 {
                let (entries, replies): (Vec<NewAccess>, Vec<Reply>) = waiting.drain(..).unzip();
                let stored = store.log_access(&entries).await.map_err(|e| {
                    tracing::error!(error = %e, entries = entries.len(), "the access log could not be written");
                    e.to_string()
                });
                for reply in replies {
                    // (a request that went away no longer waits)
                    let _ = reply.send(stored.clone());
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
        if !(1..=1000).contains(&filter.limit) {
            return Err(AppError::invalid("limit", "limit must be 1-1000"));
        }
        Ok(self.store.access_log(user.org_id, filter).await?)
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
