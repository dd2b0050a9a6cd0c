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
//! When the WAL holds more than [`CATCH_UP_BYTES`] of frames the checkpointer therefore takes
//! the writers' turn for a moment and checkpoints the rest (only what came in during the last
//! pass): with every frame copied back the next writer starts the WAL over.
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};
use std::sync::Arc;
use tokio::sync::mpsc;

/// Past this many bytes of frames (pages) in the WAL the checkpointer catches up under the
/// writers' turn, so the WAL file stays at about this size plus one large transaction.
pub(crate) const CATCH_UP_BYTES: i64 = 64 * 1024 * 1024;

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
    start_with(options, writer, CATCH_UP_BYTES).await
}

async fn start_with(
    options: SqliteConnectOptions,
    writer: Arc<tokio::sync::Mutex<()>>,
    catch_up_bytes: i64,
) -> Result<CheckpointHandle, sqlx::Error> {
    let mut conn = SqliteConnection::connect_with(&options).await?;
    // a frame is one page; the page size is the database's own (older databases 4 KiB)
    let (page_size,): (i64,) = sqlx::query_as("PRAGMA page_size")
        .fetch_one(&mut conn)
        .await?;
    let catch_up_frames = (catch_up_bytes / page_size.max(512)).max(1);
    let (tx, mut rx) = mpsc::channel::<()>(1);
    tokio::spawn(async move {
        while rx.recv().await.is_some() {
            match passive(&mut conn).await {
                Ok(frames) if frames > catch_up_frames => {
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

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::sqlite::{SqliteJournalMode, SqlitePoolOptions};
    use std::time::Duration;

    fn options(dir: &std::path::Path) -> SqliteConnectOptions {
        SqliteConnectOptions::new()
            .filename(dir.join("t.db"))
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .pragma("wal_autocheckpoint", "0")
    }

    /// (frames in the WAL, frames copied back), asked from a connection of its own.
    async fn wal_state(options: &SqliteConnectOptions) -> (i64, i64) {
        let mut conn = SqliteConnection::connect_with(options).await.unwrap();
        let (_, frames, copied): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(NOOP)")
            .fetch_one(&mut conn)
            .await
            .unwrap_or((0, -1, -1));
        (frames, copied)
    }

    /// Writes `n` transactions of a few pages each through the writers' turn, asking for a
    /// checkpoint after each commit as the store does.
    async fn write(
        pool: &sqlx::SqlitePool,
        writer: &Arc<tokio::sync::Mutex<()>>,
        handle: Option<&CheckpointHandle>,
        n: usize,
    ) {
        for i in 0..n {
            let turn = writer.lock().await;
            let mut tx = pool.begin().await.unwrap();
            for _ in 0..4 {
                sqlx::query("INSERT INTO t (n, b) VALUES ($1, zeroblob(3000))")
                    .bind(i as i64)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
            }
            tx.commit().await.unwrap();
            drop(turn);
            if let Some(h) = handle {
                h.request();
            }
        }
    }

    async fn setup(dir: &std::path::Path) -> (sqlx::SqlitePool, Arc<tokio::sync::Mutex<()>>) {
        let pool = SqlitePoolOptions::new()
            .max_connections(2)
            .connect_with(options(dir))
            .await
            .unwrap();
        sqlx::query("CREATE TABLE t (n INTEGER, b BLOB)")
            .execute(&pool)
            .await
            .unwrap();
        (pool, Arc::new(tokio::sync::Mutex::new(())))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn commits_are_checkpointed_beside_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let (pool, writer) = setup(dir.path()).await;
        // without a checkpointer (and SQLite's own turned off) the WAL only grows
        write(&pool, &writer, None, 50).await;
        let (frames, copied) = wal_state(&options(dir.path())).await;
        assert!(
            frames > 100 && copied == 0,
            "{frames} frames, {copied} copied"
        );

        let handle = start(options(dir.path()), writer.clone()).await.unwrap();
        write(&pool, &writer, Some(&handle), 50).await;
        let mut state = (0, 0);
        for _ in 0..500 {
            state = wal_state(&options(dir.path())).await;
            if state.0 > 0 && state.0 == state.1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(
            state.0 > 0 && state.0 == state.1,
            "every frame copied back: {state:?}"
        );
        let (rows,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM t")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(rows, 400);
    }

    /// Past the catch-up size the checkpointer copies the rest under the writers' turn, so the
    /// WAL starts over and stays near that size under a steady stream of writes.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_steady_stream_keeps_the_wal_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let (pool, writer) = setup(dir.path()).await;
        let handle = start_with(options(dir.path()), writer.clone(), 64 * 4096)
            .await
            .unwrap();
        let wal = dir.path().join("t.db-wal");
        let mut largest = 0;
        for _ in 0..20 {
            write(&pool, &writer, Some(&handle), 25).await;
            largest = largest.max(std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0));
        }
        // 500 transactions of ~4 pages: ~2,000 frames (8 MB) if the WAL never started over; it
        // stays at a few hundred KB when it does (the bound leaves room for a slow machine)
        assert!(largest < 4 * 1024 * 1024, "the WAL grew to {largest} bytes");
        let (rows,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM t")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(rows, 2000);
    }
}
