//! Screening of text (R4): the detectors live in `insyn-screening`; this is the door the CLI and
//! the web layer use. Screening records on arrival comes with the inbox (issue 5).
use crate::{AppError, Result};
pub use insyn_screening::{Category, Finding, Screener};

/// Screens a text as received from the public (`draft = false`) or as the authority's own draft
/// answer (`draft = true`: economic advice and personal data).
pub fn screen_text(text: &str, draft: bool) -> Vec<Finding> {
    let screener = Screener::default_swedish();
    if draft {
        screener.screen_draft(text)
    } else {
        screener.screen(text)
    }
}

/// Precision and recall on the labelled Swedish corpus kept in the repository, as a table.
pub fn screening_evaluation() -> Result<String> {
    let corpus = insyn_screening::eval::parse_corpus(insyn_screening::eval::DEFAULT_CORPUS)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let report = insyn_screening::eval::evaluate(&Screener::default_swedish(), &corpus);
    Ok(report.table())
}
