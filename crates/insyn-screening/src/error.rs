//! The crate's one error type.

use std::path::PathBuf;

/// What went wrong while reading rules, building a screener or reading a corpus.
#[derive(Debug, thiserror::Error)]
pub enum ScreeningError {
    /// A rule file does not follow the format; names the file and the 1-based line.
    #[error("{file}:{line}: {message}")]
    Parse {
        file: String,
        line: usize,
        message: String,
    },
    /// Reading a rule directory failed.
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The rules parse but cannot be compiled (too many patterns, an automaton failed to build).
    #[error("cannot build screener: {0}")]
    Build(String),
    /// A corpus line is not a valid labelled example.
    #[error("corpus line {line}: {message}")]
    Corpus { line: usize, message: String },
}

impl ScreeningError {
    pub(crate) fn parse(file: &str, line: usize, message: impl Into<String>) -> Self {
        ScreeningError::Parse {
            file: file.to_string(),
            line,
            message: message.into(),
        }
    }
}
