//! WAL checkpoints on their own connection, beside the writer instead of inside its commits.
//!
//! Left to itself SQLite checkpoints from the connection that commits, whenever the WAL has
//! grown past 1,000 pages: the writer then copies pages back into the database file before its
//! `COMMIT` returns, and the next write waits for that. The store turns that off
//! (`wal_autocheckpoint = 0`) and runs the checkpoints here: after commits (coalesced: a commit
//! during a checkpoint asks for one more, not one each) a dedicated connection runs a
//! `PASSIVE` checkpoint, which never blocks the writer or readers.
//!
//! A passive checkpoint only copies what was committed when it started. Under a steady stream
//! of writes (a bulk load) the writer keeps appending meanwhile, the WAL is never wholly copied
//! back and SQLite cannot start it over from the beginning, so it would grow without bound.
//! When the WAL holds more than [`CATCH_UP_FRAMES`] frames the checkpointer therefore takes
//! the writers' turn for a moment and checkpoints the rest (only what came in during the last
//! pass): with every frame copied back the next writer starts the WAL over.
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};
use std::sync::Arc;
use tokio::sync::mpsc;

/// Past this many frames (pages of 4 KiB) in the WAL the checkpointer catches up under the
/// writers' turn, so the WAL file stays at about this size plus one large transaction.
pub(crate) const CATCH_UP_FRAMES: i64 = 16_384;

/// Asks the checkpointer for a pass; cheap, never waits. Dropping every handle (the store and
/// its write transactions) ends the checkpointer and closes its connection.
#[derive(Clone)]
pub(crate) struct CheckpointHandle(mpsc::Sender<()>);

impl CheckpointHandle {
    pub(crate) fn request(&self) {
        // a full channel already holds a request: the pass it starts covers this commit too
        let _ = self.0.try_send(());
    }
}

/// Opens the checkpointer's connection and starts it on the current tokio runtime.
pub(crate) async fn start(
    options: SqliteConnectOptions,
    writer: Arc<tokio::sync::Mutex<()>>,
) -> Result<CheckpointHandle, sqlx::Error> {
    let mut conn = SqliteConnection::connect_with(&options).await?;
    let (tx, mut rx) = mpsc::channel::<()>(1);
    tokio::spawn(async move {
        while rx.recv().await.is_some() {
            match passive(&mut conn).await {
                Ok(frames) if frames > CATCH_UP_FRAMES => {
                    let turn = writer.lock().await;
                    if let Err(e) = passive(&mut conn).await {
                        tracing::warn!("WAL checkpoint (catching up) failed: {e}");
                    }
                    drop(turn);
                }
                Ok(_) => {}
                // the next commit asks again; until then the WAL only grows
                Err(e) => tracing::warn!("WAL checkpoint failed: {e}"),
            }
        }
        let _ = conn.close().await;
    });
    Ok(CheckpointHandle(tx))
}

/// One passive checkpoint; returns the number of frames in the WAL when it started.
async fn passive(conn: &mut SqliteConnection) -> Result<i64, sqlx::Error> {
    let (_busy, frames, _copied): (i64, i64, i64) =
        sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&mut *conn)
            .await?;
    Ok(frames)
}
