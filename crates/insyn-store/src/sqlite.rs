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
/// Page size of a new database (an existing one keeps its own). 16 KiB instead of SQLite's
/// 4 KiB: a write transaction appends a quarter of the WAL frames (one `pwrite` each) and
/// splits fewer B-tree pages; a bulk capture of 1M records took 7-9 % less time, the staff
/// inbox and search under load were unchanged (docs/BENCHMARKS.md).
pub const PAGE_SIZE: u32 = 16 * 1024;

pub struct SqliteStore {
    pub(crate) pool: SqlitePool,
    /// The access log's own database file (`<name>-access.db`; see
    /// migrations/sqlite-access): a commit to a SQLite file makes every other connection to it
    /// drop its page cache, so page views logged in the main file would make every reader of
    /// the inbox read its pages again.
    access: SqlitePool,
    /// Writers of the access log take turns here (its file has a writer of its own).
    access_writer: Arc<tokio::sync::Mutex<()>>,
    /// The access log's checkpointer.
    access_checkpoint: crate::checkpoint::CheckpointHandle,
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
            .page_size(PAGE_SIZE)
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
        let access_options = access_options(&options)
            // written in small transactions: small pages (each commit writes every page it
            // touched whole); checkpointed beside its writer like the main file
            .page_size(4096)
            .pragma("cache_size", "-4096");
        let access = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(access_options.clone())
            .await
            .map_err(|e| {
                StoreError::Unavailable(format!("cannot open the access log of {url}: {e}"))
            })?;
        sqlx::migrate!("migrations/sqlite-access")
            .run(&access)
            .await?;
        let access_writer = Arc::new(tokio::sync::Mutex::new(()));
        let access_checkpoint = crate::checkpoint::start(access_options, access_writer.clone())
            .await
            .map_err(|e| {
                StoreError::Unavailable(format!("cannot open the access log of {url}: {e}"))
            })?;
        let writer = Arc::new(tokio::sync::Mutex::new(()));
        let checkpoint = crate::checkpoint::start(options, writer.clone())
            .await
            .map_err(|e| StoreError::Unavailable(format!("cannot open {url}: {e}")))?;
        Ok(SqliteStore {
            pool,
            access,
            access_writer,
            access_checkpoint,
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

    /// The access log's pool.
    pub(crate) fn access_pool(&self) -> &SqlitePool {
        &self.access
    }

    /// A write transaction on the access log's file (its own turn, not the main writer's).
    pub(crate) async fn begin_access_write(&self) -> Result<WriteTx<Sqlite>> {
        let turn = self.access_writer.clone().lock_owned().await;
        let tx = self.access.begin_with("BEGIN IMMEDIATE").await?;
        Ok(WriteTx::new(
            tx,
            Some(turn),
            Some(self.access_checkpoint.clone()),
        ))
    }

    /// Copies the access log's file to `path` (a backup).
    pub(crate) async fn snapshot_access(&self, path: &std::path::Path) -> Result<bool> {
        let target = path
            .to_str()
            .ok_or_else(|| StoreError::Config("backup path is not UTF-8".into()))?;
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(&self.access)
            .await?;
        Ok(true)
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

/// The access log's file of a main database: `NAME-access.db` beside `NAME.db` (an in-memory
/// database gets an in-memory access log).
pub fn access_path(main: &std::path::Path) -> std::path::PathBuf {
    let stem = main
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "insyn".into());
    main.with_file_name(format!("{stem}-access.db"))
}

fn access_options(main: &SqliteConnectOptions) -> SqliteConnectOptions {
    let file = main.get_filename();
    let in_memory = file.as_os_str().is_empty()
        || file.to_string_lossy().starts_with(":memory:")
        || file.to_string_lossy().contains("mode=memory");
    if in_memory {
        SqliteConnectOptions::from_str("sqlite::memory:")
            .unwrap_or_else(|_| SqliteConnectOptions::new())
    } else {
        main.clone().filename(access_path(file))
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

#[cfg(test)]
mod tests {
    use super::*;

    async fn page_size(store: &SqliteStore) -> i64 {
        let (size,): (i64,) = sqlx::query_as("PRAGMA page_size")
            .fetch_one(store.pool())
            .await
            .unwrap();
        size
    }

    #[tokio::test]
    async fn a_new_database_has_the_larger_pages_an_old_one_keeps_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("new.db");
        let store = SqliteStore::connect(&format!("sqlite:{}", new.display()))
            .await
            .unwrap();
        assert_eq!(page_size(&store).await, i64::from(PAGE_SIZE));

        // a database made before (SQLite's default 4 KiB pages) opens, migrates and stays 4 KiB
        let old = dir.path().join("old.db");
        let opts = SqliteConnectOptions::new()
            .filename(&old)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal);
        let pool = SqlitePoolOptions::new().connect_with(opts).await.unwrap();
        sqlx::query("CREATE TABLE before_us (x INTEGER)")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        let store = SqliteStore::connect(&format!("sqlite:{}", old.display()))
            .await
            .unwrap();
        assert_eq!(page_size(&store).await, 4096);
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM before_us")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(n, 0);
    }
}
