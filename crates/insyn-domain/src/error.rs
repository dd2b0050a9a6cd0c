use thiserror::Error;

/// A rule of the domain was broken. The message is written for the person who broke it.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum DomainError {
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("an account cannot go from {from} to {to}")]
    StatusTransition {
        from: &'static str,
        to: &'static str,
    },
}

impl DomainError {
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        DomainError::Invalid {
            field,
            reason: reason.into(),
        }
    }
}
