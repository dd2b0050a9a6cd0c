//! The scale-out backend: PostgreSQL, shared by any number of Insyn processes.
use crate::write_tx::WriteTx;
use crate::{Result, StoreError, redact_url};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres};
use std::str::FromStr;
use std::time::Duration;

pub struct PgStore {
    pub(crate) pool: PgPool,
}

impl PgStore {
    pub async fn connect(url: &str) -> Result<Self> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Config(format!("database URL '{}': {e}", redact_url(url))))?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Unavailable(format!("{}: {e}", redact_url(url))))?;
        // One process at a time runs the migrations (sqlx takes an advisory lock).
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        Ok(PgStore { pool })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub(crate) async fn begin_write(&self) -> Result<WriteTx<Postgres>> {
        Ok(WriteTx::new(self.pool.begin().await?, None, None))
    }

    /// The access log is in the main database.
    pub(crate) fn access_pool(&self) -> &PgPool {
        &self.pool
    }

    pub(crate) async fn begin_access_write(&self) -> Result<WriteTx<Postgres>> {
        self.begin_write().await
    }

    /// pg_dump takes the access log with everything else.
    pub(crate) async fn snapshot_access(&self, _path: &std::path::Path) -> Result<bool> {
        Ok(false)
    }

    pub(crate) async fn snapshot(&self, _path: &std::path::Path) -> Result<()> {
        Err(StoreError::Unsupported(
            "a PostgreSQL database is backed up with pg_dump; `insyn backup` runs it for you"
                .into(),
        ))
    }
}

mod store_impl {
    use super::PgStore;
    crate::common::impl_store!(
        PgStore,
        sqlx::Postgres,
        backend = "postgres",
        // The row lock serialises appends to one organisation's chain across processes.
        lock_head_sql = "SELECT seq, hash FROM audit_heads WHERE org_id = $1 FOR UPDATE"
    );
}
