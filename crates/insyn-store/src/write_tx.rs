//! A write transaction, and the queue in front of SQLite's single writer.
//!
//! SQLite lets one connection write at a time. Left to itself, a second writer meets a locked
//! database and SQLite's busy handler puts it to sleep for up to 100 ms at a time before it
//! tries again, so under a steady stream of writes (a bulk load, with payload blobs registered
//! beside the record batches) writers wake late or starve. The SQLite store therefore hands out
//! its write transactions in turn through a fair async mutex: a writer waits in line, without
//! sleeping, and starts the moment the one before commits. PostgreSQL needs no queue.
use crate::checkpoint::CheckpointHandle;
use sqlx::{Database, Transaction};
use std::ops::{Deref, DerefMut};
use tokio::sync::OwnedMutexGuard;

/// A transaction that holds the writer's turn (SQLite) until it commits or is dropped.
pub struct WriteTx<DB: Database> {
    // declared first so it is dropped (rolled back) before the turn passes on
    tx: Transaction<'static, DB>,
    turn: Option<OwnedMutexGuard<()>>,
    /// SQLite: asked for a WAL checkpoint after the commit (see [`crate::checkpoint`])
    checkpoint: Option<CheckpointHandle>,
}

impl<DB: Database> WriteTx<DB> {
    pub(crate) fn new(
        tx: Transaction<'static, DB>,
        turn: Option<OwnedMutexGuard<()>>,
        checkpoint: Option<CheckpointHandle>,
    ) -> Self {
        WriteTx {
            tx,
            turn,
            checkpoint,
        }
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        let WriteTx {
            tx,
            turn,
            checkpoint,
        } = self;
        let result = tx.commit().await;
        drop(turn);
        if let (Ok(()), Some(checkpoint)) = (&result, checkpoint) {
            checkpoint.request();
        }
        result
    }
}

impl<DB: Database> Deref for WriteTx<DB> {
    type Target = DB::Connection;

    fn deref(&self) -> &DB::Connection {
        &self.tx
    }
}

impl<DB: Database> DerefMut for WriteTx<DB> {
    fn deref_mut(&mut self) -> &mut DB::Connection {
        &mut self.tx
    }
}
