//! The one error type of the blob store.
use insyn_domain::Sha256Digest;

/// What went wrong in the blob store. Messages are one line and never contain secrets.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// No blob with this digest is stored.
    #[error("blob {0} is not in the blob store")]
    NotFound(Sha256Digest),

    /// The stored bytes no longer hash to the digest they are stored under.
    #[error(
        "blob {digest} is corrupt: its stored content hashes to {actual}; restore it from a backup"
    )]
    Corrupt {
        digest: Sha256Digest,
        actual: Sha256Digest,
    },

    /// The blob store setting (URL, S3 settings) cannot be used.
    #[error("blob store setting: {0}")]
    Config(String),

    /// The blob store cannot be reached (connection refused, timed out, ...).
    #[error("blob store unavailable: {0}")]
    Unavailable(String),

    /// The content handed to [`crate::BlobStore::put_stream`] could not be read.
    #[error("could not read the content to store: {0}")]
    Input(#[source] std::io::Error),

    /// Any other failure of the storage underneath.
    #[error("blob store: {0}")]
    Storage(#[from] object_store::Error),
}

impl BlobError {
    /// True for [`BlobError::NotFound`].
    pub fn is_not_found(&self) -> bool {
        matches!(self, BlobError::NotFound(_))
    }
}
