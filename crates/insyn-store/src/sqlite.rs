//! The embedded backend: one SQLite file in WAL mode.
use crate::write_tx::WriteTx;
use crate::{Result, StoreError};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// Each connection's page cache, in KiB (negative: SQLite's unit for a size). With the pool's
/// four connections SQLite's caches stay under 128 MiB together. SQLite is built without the
/// process-wide memory statistics and shared page-cache group (`.cargo/config.toml`): their
/// locks were taken on every allocation and page fetch by every connection and made concurrent
/// reads wait on each other, so each cache is bounded on its own here.
const CACHE_SIZE: &str = "-32768"; // 32 MiB

pub struct SqliteStore {
    pub(crate) pool: SqlitePool,
    /// Write transactions take turns here instead of in SQLite's sleeping busy handler.
    writer: Arc<tokio::sync::Mutex<()>>,
    /// Asked for a WAL checkpoint after each write commits.
    checkpoint: crate::checkpoint::CheckpointHandle,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `sqlite:PATH` and runs the migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Config(format!("database URL '{url}': {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30))
            .pragma("cache_size", CACHE_SIZE)
            // checkpoints run beside the writer, not inside its commits (crate::checkpoint)
            .pragma("wal_autocheckpoint", "0");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone())
            .await
            .map_err(|e| StoreError::Unavailable(format!("cannot open {url}: {e}")))?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        let writer = Arc::new(tokio::sync::Mutex::new(()));
        let checkpoint = crate::checkpoint::start(options, writer.clone())
            .await
            .map_err(|e| StoreError::Unavailable(format!("cannot open {url}: {e}")))?;
        Ok(SqliteStore {
            pool,
            writer,
            checkpoint,
        })
    }

    /// The pool, for tests and tools that need raw SQL (tamper tests, the bench ceiling).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// SQLite allows one writer: writers of this process wait their turn (see
    /// [`crate::write_tx`]), and taking the write lock at BEGIN avoids a deadlock when two
    /// deferred transactions both try to upgrade (another process still meets the busy timeout).
    pub(crate) async fn begin_write(&self) -> Result<WriteTx<Sqlite>> {
        let turn = self.writer.clone().lock_owned().await;
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok(WriteTx::new(tx, Some(turn), Some(self.checkpoint.clone())))
    }

    pub(crate) async fn snapshot(&self, path: &std::path::Path) -> Result<()> {
        let target = path
            .to_str()
            .ok_or_else(|| StoreError::Config("backup path is not UTF-8".into()))?;
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

mod store_impl {
    use super::SqliteStore;
    crate::common::impl_store!(
        SqliteStore,
        sqlx::Sqlite,
        backend = "sqlite",
        lock_head_sql = "SELECT seq, hash FROM audit_heads WHERE org_id = $1"
    );
}
