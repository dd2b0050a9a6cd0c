//! The one error type of the archive crate.
use std::path::PathBuf;

/// What went wrong while building, checking or time-stamping a package. Messages are one line and
/// name the record, file or setting at fault.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The data source (store, blob store) could not deliver what the package needs.
    #[error("{0}")]
    Source(#[from] SourceError),

    /// Writing the package failed (disk full, permissions, ...). Nothing is marked delivered.
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The zip container could not be written.
    #[error("cannot write the zip file {path}: {message}")]
    Zip { path: PathBuf, message: String },

    /// A blob's bytes do not hash to the digest it is stored under.
    #[error("record {record}: {what} {expected} is damaged: its content hashes to {actual}")]
    Corrupt {
        record: i64,
        what: &'static str,
        expected: String,
        actual: String,
    },

    /// The selection or the options cannot make a package.
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },

    /// A package on disk does not match its METS (verify-package).
    #[error("{0}")]
    Mismatch(String),

    /// A time-stamp request or reply could not be made or read.
    #[error("time-stamp: {0}")]
    TimeStamp(String),
}

impl ArchiveError {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        ArchiveError::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn write(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ArchiveError::Write {
            path: path.into(),
            source,
        }
    }
}

/// What a [`crate::PackageSource`] reports when it cannot deliver a record or a blob.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// A blob named by a record is not in the blob store.
    #[error("record {record}: {what} {digest} is missing from the blob store")]
    MissingBlob {
        record: i64,
        what: &'static str,
        digest: String,
    },
    /// Anything else (the database or the blob store cannot be read).
    #[error("{0}")]
    Other(String),
}
