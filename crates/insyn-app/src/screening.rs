//! Screening of text (R4): the detectors live in `insyn-screening`; this is the door the CLI and
//! the web layer use. Received versions are queued for screening in the capture transaction;
//! [`App::screen_pending`] works the queue (after each capture, and every second in `insyn serve`).
use crate::{App, AppError, Result};
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

/// Screens JSON lines `{"id", "text"}` from `input` to `output`, one answer line per input line,
/// flushed at once (see [`insyn_screening::stream`]). Bad lines are answered in place and
/// counted in the summary; only read/write failures are errors.
pub fn screen_jsonl(
    input: impl std::io::BufRead,
    output: impl std::io::Write,
) -> std::io::Result<insyn_screening::stream::Summary> {
    insyn_screening::stream::screen_jsonl(&Screener::default_swedish(), input, output)
}

/// Precision and recall on the labelled Swedish corpus kept in the repository, as a table.
pub fn screening_evaluation() -> Result<String> {
    let corpus = insyn_screening::eval::parse_corpus(insyn_screening::eval::DEFAULT_CORPUS)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let report = insyn_screening::eval::evaluate(&Screener::default_swedish(), &corpus);
    Ok(report.table())
}

impl App {
    /// Screens every queued received version and stores the findings (with a `screened` event).
    /// Returns how many versions were screened.
    pub async fn screen_pending(&self) -> Result<u64> {
        let _guard = self.screen_lock.lock().await;
        let mut screened = 0;
        loop {
            let tasks = self.store.screening_queue(500).await?;
            if tasks.is_empty() {
                break;
            }
            let screener = self.screener.clone();
            let (tasks, findings) = tokio::task::spawn_blocking(move || {
                let found_at = chrono::Utc::now();
                let findings: Vec<insyn_domain::Finding> = tasks
                    .iter()
                    .flat_map(|t| {
                        screener
                            .screen(&t.text)
                            .into_iter()
                            .map(move |f| insyn_domain::Finding {
                                record_id: t.record_id,
                                version: t.version,
                                category: f.category.as_str().to_string(),
                                start: f.start,
                                end: f.end,
                                rule: f.rule,
                                confidence: f.confidence,
                                explanation_sv: f.explanation_sv,
                                explanation_en: f.explanation_en,
                                suggested_action: f
                                    .suggested_action
                                    .map(|a| a.as_str().to_string()),
                                found_at,
                            })
                    })
                    .collect();
                (tasks, findings)
            })
            .await
            .map_err(|e| AppError::Internal(format!("screening stopped: {e}")))?;
            self.store
                .save_screening(&tasks, &findings, "screening")
                .await?;
            screened += tasks.len() as u64;
        }
        Ok(screened)
    }

    pub async fn record_findings(
        &self,
        org: insyn_domain::OrgId,
        id: insyn_domain::RecordId,
    ) -> Result<Vec<insyn_domain::Finding>> {
        Ok(self.store.record_findings(org, id).await?)
    }
}
