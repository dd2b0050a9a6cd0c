use insyn_blobs::BlobError;
use insyn_search::SearchError;
use insyn_store::StoreError;
use thiserror::Error;

/// What went wrong in a use case, in terms the edge (HTTP status, CLI exit code) can act on.
#[derive(Debug, Error)]
pub enum AppError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        AppError::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl From<insyn_domain::DomainError> for AppError {
    fn from(e: insyn_domain::DomainError) -> Self {
        match e {
            insyn_domain::DomainError::Invalid { field, reason } => {
                AppError::invalid(field, reason)
            }
            other => AppError::Conflict(other.to_string()),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { what } => AppError::NotFound(format!("{what} not found")),
            StoreError::Conflict(m) => AppError::Conflict(m),
            StoreError::Domain(d) => d.into(),
            StoreError::Config(m) => AppError::invalid("database_url", m),
            StoreError::Unavailable(m) => {
                AppError::Unavailable(format!("the database cannot be reached: {m}"))
            }
            StoreError::Unsupported(m) => AppError::Conflict(m),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<BlobError> for AppError {
    fn from(e: BlobError) -> Self {
        match e {
            BlobError::NotFound(d) => AppError::NotFound(format!("blob {d} not found")),
            BlobError::Config(m) => AppError::invalid("blobs_url", m),
            BlobError::Unavailable(m) => AppError::Unavailable(m),
            BlobError::Corrupt { digest, actual } => AppError::Internal(format!(
                "blob {digest} is damaged: its content hashes to {actual}; run `insyn verify`"
            )),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<SearchError> for AppError {
    fn from(e: SearchError) -> Self {
        match e {
            SearchError::InvalidQuery(m) => AppError::invalid("q", m),
            SearchError::Busy(m) => {
                AppError::Conflict(format!("{m}; stop the server to rebuild the index"))
            }
            other => AppError::Internal(format!("search: {other}")),
        }
    }
}

impl From<std::io::Error> for AppError {
    fn from(e: std::io::Error) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl From<insyn_capture::CaptureError> for AppError {
    fn from(e: insyn_capture::CaptureError) -> Self {
        use insyn_capture::CaptureError as C;
        match e {
            C::Config(m) => AppError::invalid("connector", m),
            C::Auth { .. } => AppError::Unauthorized(e.to_string()),
            C::RateLimited { .. } | C::Unavailable(_) => AppError::Unavailable(e.to_string()),
            C::Unexpected { .. } | C::Parse { .. } => {
                AppError::Unavailable(format!("capture: {e}; the response is kept as evidence"))
            }
        }
    }
}
