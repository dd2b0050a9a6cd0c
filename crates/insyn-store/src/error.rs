use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("{what} not found")]
    NotFound { what: String },
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Domain(#[from] insyn_domain::DomainError),
    #[error("{0}")]
    Config(String),
    #[error("cannot reach the database: {0}")]
    Unavailable(String),
    #[error("the stored data is not what Insyn wrote: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Unsupported(String),
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    pub fn not_found(what: impl Into<String>) -> Self {
        StoreError::NotFound { what: what.into() }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::not_found("row"),
            sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::Tls(_) => {
                StoreError::Unavailable(e.to_string())
            }
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(format!("already exists ({})", db.message()))
            }
            _ => StoreError::Database(e),
        }
    }
}
