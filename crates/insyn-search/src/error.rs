//! The one error type of this crate.

/// What can go wrong in a search index.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The search text cannot be understood; the message says what and where (English, for the
    /// caller to show or translate).
    #[error("invalid search: {0}")]
    InvalidQuery(String),
    /// The tantivy index failed (corrupt folder, locked by another process, schema changed...).
    #[error("search index: {0}")]
    Index(String),
    /// Another process holds the index's writer (the embedded index has one writer per folder).
    #[error("{0}")]
    Busy(String),
    /// PostgreSQL failed.
    #[error("search database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("search index i/o: {0}")]
    Io(#[from] std::io::Error),
}

impl From<tantivy::TantivyError> for SearchError {
    fn from(e: tantivy::TantivyError) -> Self {
        SearchError::Index(e.to_string())
    }
}

impl From<tokio::task::JoinError> for SearchError {
    fn from(e: tokio::task::JoinError) -> Self {
        SearchError::Index(format!("search task failed: {e}"))
    }
}
