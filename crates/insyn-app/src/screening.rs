//! Screening of text (R4): the detectors live in `insyn-screening`; this is the door the CLI and
//! the web layer use. Received versions are queued for screening in the capture transaction;
//! [`App::screen_pending`] works the queue (after each capture, and every second in `insyn serve`).
use crate::{App, AppError, Result};
pub use insyn_screening::{Category, Finding, Screener};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

/// Organisations' own screeners by organisation slug.
pub type OrgScreeners = BTreeMap<String, Arc<Screener>>;

/// Reads every organisation's own rule folder under `dir` (`[screening] rules_dir`): one
/// sub-folder per organisation slug holding `*.rules` files, each laid over the built-in rules
/// (see [`screener_with_rules`]). Every file is parsed and compiled now; the first bad one is an
/// error naming the organisation's folder, the file and the line. Files directly in `dir` are
/// not read, except that a `*.rules` file there is an error (it belongs in an organisation's
/// folder); hidden folders are skipped.
pub fn org_screeners_from_dir(dir: &Path) -> Result<OrgScreeners> {
    let invalid = |reason: String| AppError::Invalid {
        field: "screening.rules_dir".into(),
        reason,
    };
    let entries = std::fs::read_dir(dir)
        .and_then(|d| d.collect::<std::io::Result<Vec<_>>>())
        .map_err(|e| invalid(format!("cannot read {}: {e}", dir.display())))?;
    let mut paths: Vec<_> = entries.into_iter().map(|e| e.path()).collect();
    paths.sort();
    let mut out = OrgScreeners::new();
    for p in paths {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        if !p.is_dir() {
            if p.extension().is_some_and(|x| x == "rules") {
                return Err(invalid(format!(
                    "{}: a rule file directly in the rules folder; put it in the folder of the organisation it is for ({}/<slug>/{name})",
                    p.display(),
                    dir.display()
                )));
            }
            continue;
        }
        let screener = screener_with_rules(Some(&p)).map_err(|e| {
            let reason = match e {
                AppError::Invalid { reason, .. } => reason,
                other => other.to_string(),
            };
            invalid(format!(
                "rules of organisation '{name}' ({}): {reason}",
                p.display()
            ))
        })?;
        out.insert(name, Arc::new(screener));
    }
    Ok(out)
}

/// The default Swedish rules, or the defaults with an organisation's rule directory laid over
/// them (a file with a built-in name replaces it; an empty file turns it off). A bad rule file is
/// an error naming the file and line.
pub fn screener_with_rules(dir: Option<&std::path::Path>) -> Result<Screener> {
    let Some(dir) = dir else {
        return Ok(Screener::default_swedish());
    };
    let own = insyn_screening::RuleSet::from_dir(dir).map_err(|e| AppError::Invalid {
        field: "rules".into(),
        reason: e.to_string(),
    })?;
    Screener::new(insyn_screening::RuleSet::default_swedish().overlay(own)).map_err(|e| {
        AppError::Invalid {
            field: "rules".into(),
            reason: e.to_string(),
        }
    })
}

/// Screens a text as received from the public (`draft = false`) or as the authority's own draft
/// answer (`draft = true`: economic advice and personal data).
pub fn screen_text(text: &str, draft: bool) -> Vec<Finding> {
    screen_text_with(&Screener::default_swedish(), text, draft)
}

/// [`screen_text`] with a given screener (see [`screener_with_rules`]).
pub fn screen_text_with(screener: &Screener, text: &str, draft: bool) -> Vec<Finding> {
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
    screener: &Screener,
    input: impl std::io::BufRead,
    output: impl std::io::Write,
) -> std::io::Result<insyn_screening::stream::Summary> {
    insyn_screening::stream::screen_jsonl(screener, input, output)
}

/// Precision and recall on the labelled Swedish corpus kept in the repository, as a table for
/// the whole corpus and one for its held-out examples.
pub fn screening_evaluation() -> Result<String> {
    screening_evaluation_with(&Screener::default_swedish())
}

/// [`screening_evaluation`] with a given screener.
pub fn screening_evaluation_with(screener: &Screener) -> Result<String> {
    let corpus = insyn_screening::eval::parse_corpus(insyn_screening::eval::DEFAULT_CORPUS)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let report = insyn_screening::eval::evaluate(screener, &corpus);
    let held_out = insyn_screening::eval::held_out(&corpus);
    let held = insyn_screening::eval::evaluate(screener, &held_out);
    Ok(format!(
        "{}\nheld out ({} examples written after the rules were tuned):\n{}",
        report.table(),
        held_out.len(),
        held.table()
    ))
}

impl App {
    /// Screens the organisations named in `screeners` (by slug) with their own rules; the others
    /// keep the built-in ones. Organisations created later are matched by slug when their
    /// records are screened.
    pub fn with_org_screeners(mut self, screeners: OrgScreeners) -> App {
        self.org_screeners = Arc::new(screeners);
        self
    }

    /// The screener for an organisation: its own rules, or the built-in ones.
    pub fn screener_for(&self, org_slug: &str) -> Arc<Screener> {
        self.org_screeners
            .get(org_slug)
            .cloned()
            .unwrap_or_else(|| self.screener.clone())
    }

    /// The slugs of the organisations with their own rules.
    pub fn org_rule_slugs(&self) -> Vec<String> {
        self.org_screeners.keys().cloned().collect()
    }

    /// Per organisation id, the screener of each task's organisation (only organisations with
    /// their own rules are looked up; one store query per batch).
    async fn task_screeners(
        &self,
        tasks: &[insyn_domain::ScreeningTask],
    ) -> Result<Vec<Arc<Screener>>> {
        if self.org_screeners.is_empty() {
            return Ok(vec![self.screener.clone(); tasks.len()]);
        }
        let by_id: HashMap<insyn_domain::OrgId, Arc<Screener>> = self
            .store
            .list_organisations()
            .await?
            .into_iter()
            .filter_map(|o| self.org_screeners.get(&o.slug).map(|s| (o.id, s.clone())))
            .collect();
        Ok(tasks
            .iter()
            .map(|t| {
                by_id
                    .get(&t.org_id)
                    .cloned()
                    .unwrap_or_else(|| self.screener.clone())
            })
            .collect())
    }

    /// Screens every queued received version and stores the findings (with a `screened` event).
    /// Returns how many versions were screened.
    pub async fn screen_pending(&self) -> Result<u64> {
        self.screen_queue(&crate::progress::NoProgress, false).await
    }

    /// Screens the whole store again (`insyn screen --all`, after the rules changed): the newest
    /// version of every received record is queued, then the queue is worked in batches of
    /// [`SCREEN_BATCH`], reporting progress. Findings stay append-only: each version gets a new
    /// `screened` event and its new findings, which [`App::record_findings`] then returns as
    /// the current ones. Returns how many versions were screened.
    pub async fn rescreen_all(&self, progress: &dyn crate::progress::Progress) -> Result<u64> {
        let queued = self.store.queue_all_for_screening().await?;
        progress.start("screening", queued);
        let n = self.screen_queue(progress, true).await;
        progress.finish();
        n
    }

    /// Works the screening queue empty. One process at a time does this (the lease
    /// [`SCREEN_LEASE`] in the store): another process sharing the store skips it while this
    /// one screens (`wait` false: the holder screens what was queued) or waits for its turn
    /// (`wait` true, a re-screen asked for by a person).
    async fn screen_queue(
        &self,
        progress: &dyn crate::progress::Progress,
        wait: bool,
    ) -> Result<u64> {
        let _guard = self.screen_lock.lock().await;
        // an empty queue (the usual case: the server asks every second) writes nothing
        if !wait && self.store.screening_queue(1).await?.is_empty() {
            return Ok(0);
        }
        loop {
            let now = chrono::Utc::now();
            if self
                .store
                .take_lease(SCREEN_LEASE, &self.worker_id, now, now + SCREEN_LEASE_TIME)
                .await?
            {
                break;
            }
            if !wait {
                return Ok(0);
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
        let result = self.screen_leased(progress).await;
        // an error here only leaves the lease to run out
        let released = self
            .store
            .release_lease(SCREEN_LEASE, &self.worker_id)
            .await;
        let screened = result?;
        released?;
        Ok(screened)
    }

    async fn screen_leased(&self, progress: &dyn crate::progress::Progress) -> Result<u64> {
        let mut screened = 0;
        loop {
            // the caller has just taken the lease; it is renewed before every later batch
            if screened > 0 {
                let now = chrono::Utc::now();
                if !self
                    .store
                    .take_lease(SCREEN_LEASE, &self.worker_id, now, now + SCREEN_LEASE_TIME)
                    .await?
                {
                    // the lease ran out during a very slow batch and another process took over
                    return Ok(screened);
                }
            }
            let tasks = self.store.screening_queue(SCREEN_BATCH).await?;
            if tasks.is_empty() {
                break;
            }
            let screeners = self.task_screeners(&tasks).await?;
            let (tasks, findings) = tokio::task::spawn_blocking(move || {
                let found_at = chrono::Utc::now();
                let findings: Vec<insyn_domain::Finding> = tasks
                    .iter()
                    .zip(&screeners)
                    .flat_map(|(t, screener)| {
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
            let found: Vec<insyn_domain::RecordId> = findings.iter().map(|f| f.record_id).collect();
            self.withdraw_after_findings(&found).await?;
            // opted-in categories are hidden (evidence first); a failure flags the item for
            // staff and never stops screening
            if let Err(e) = self.auto_hide_findings(&findings).await {
                tracing::warn!(error = %e, "automatic hiding after screening failed");
            }
            screened += tasks.len() as u64;
            progress.advance(tasks.len() as u64);
        }
        Ok(screened)
    }

    /// The current findings of every version of a record: those of the newest screening of
    /// each version (earlier screenings stay stored, append-only, but are not current).
    pub async fn record_findings(
        &self,
        org: insyn_domain::OrgId,
        id: insyn_domain::RecordId,
    ) -> Result<Vec<insyn_domain::Finding>> {
        let findings = self.store.record_findings(org, id).await?;
        if findings.is_empty() {
            return Ok(findings);
        }
        let events = self.store.record_events(org, id).await?;
        Ok(current_findings(findings, &events))
    }
}

/// Versions screened per batch by [`App::screen_pending`] and [`App::rescreen_all`].
pub const SCREEN_BATCH: i64 = 500;
/// The store lease that lets one process at a time work the screening queue.
pub const SCREEN_LEASE: &str = "screening";
/// How long a screening lease lasts without renewal (it is renewed before every batch; a
/// crashed process's lease runs out after this).
const SCREEN_LEASE_TIME: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// Keeps, per version, the findings of its newest screening. A screening stores its findings
/// and its `screened` event (`{"version": N, ...}`) with one timestamp; a version whose newest
/// screening found nothing has no current findings. Findings of a version with no `screened`
/// event (none are written that way) are kept as they are.
pub fn current_findings(
    findings: Vec<insyn_domain::Finding>,
    events: &[insyn_domain::RecordEvent],
) -> Vec<insyn_domain::Finding> {
    use std::collections::HashMap;
    let mut newest: HashMap<u64, chrono::DateTime<chrono::Utc>> = HashMap::new();
    for e in events {
        if e.kind != insyn_domain::RecordEventKind::Screened {
            continue;
        }
        if let Some(v) = e.detail.get("version").and_then(serde_json::Value::as_u64) {
            let at = newest.entry(v).or_insert(e.at);
            *at = (*at).max(e.at);
        }
    }
    // Stored timestamps may be rounded; one millisecond is far below the time between two runs.
    let tolerance = chrono::Duration::milliseconds(1);
    findings
        .into_iter()
        .filter(|f| match newest.get(&u64::from(f.version)) {
            Some(at) => (f.found_at - *at).abs() < tolerance,
            None => true,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use insyn_domain::{Finding, RecordEvent, RecordEventKind, RecordId};

    fn finding(version: u32, category: &str, at: chrono::DateTime<Utc>) -> Finding {
        Finding {
            record_id: RecordId(1),
            version,
            category: category.into(),
            start: 0,
            end: 1,
            rule: "r".into(),
            confidence: 0.9,
            explanation_sv: String::new(),
            explanation_en: String::new(),
            suggested_action: None,
            found_at: at,
        }
    }

    fn screened(version: u32, at: chrono::DateTime<Utc>) -> RecordEvent {
        RecordEvent {
            record_id: RecordId(1),
            kind: RecordEventKind::Screened,
            at,
            actor: "screening".into(),
            detail: serde_json::json!({"version": version, "categories": []}),
        }
    }

    #[test]
    fn the_newest_screening_of_each_version_is_current() {
        let t = |s| Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, s).unwrap();
        let findings = vec![
            finding(1, "phone", t(0)),     // v1, first screening
            finding(1, "threat", t(10)),   // v1, re-screen: current
            finding(2, "email", t(5)),     // v2, first screening: re-screen found nothing
            finding(3, "complaint", t(7)), // v3: only screening
        ];
        let events = vec![
            screened(1, t(0)),
            screened(2, t(5)),
            screened(3, t(7)),
            screened(1, t(10)),
            screened(2, t(10)),
        ];
        let current: Vec<(u32, String)> = current_findings(findings, &events)
            .into_iter()
            .map(|f| (f.version, f.category))
            .collect();
        assert_eq!(
            current,
            vec![(1, "threat".to_string()), (3, "complaint".to_string())]
        );
    }

    #[test]
    fn findings_without_a_screened_event_are_kept() {
        let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let other = RecordEvent {
            kind: RecordEventKind::Captured,
            ..screened(1, t)
        };
        assert_eq!(
            current_findings(vec![finding(1, "phone", t)], &[other]).len(),
            1
        );
    }
}
