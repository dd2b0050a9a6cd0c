//! `insyn verify`: walks every organisation's audit chain, checks every record version against
//! the digest its audit entry vouches for, and re-hashes every blob. It names what does not match.
use crate::{App, Progress, Result};
use futures::StreamExt;
use insyn_domain::Sha256Digest;
use insyn_domain::audit::ChainVerifier;
use serde::Serialize;
use std::time::{Duration, Instant};

/// At most this many problems are listed (the count is always complete).
const MAX_LISTED: usize = 100;
const PAGE: i64 = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum VerifyProblem {
    /// An audit chain is broken.
    AuditChain {
        organisation: String,
        detail: String,
    },
    /// A record version's content does not match its digest, or its audit entry.
    Version {
        record: i64,
        version: u32,
        detail: String,
    },
    /// A blob is missing or its content does not hash to its name.
    Blob { sha256: String, detail: String },
}

impl std::fmt::Display for VerifyProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VerifyProblem::AuditChain {
                organisation,
                detail,
            } => {
                write!(f, "audit chain of '{organisation}': {detail}")
            }
            VerifyProblem::Version {
                record,
                version,
                detail,
            } => {
                write!(f, "record {record} version {version}: {detail}")
            }
            VerifyProblem::Blob { sha256, detail } => write!(f, "blob {sha256}: {detail}"),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct VerifyReport {
    pub organisations: u64,
    pub audit_entries: u64,
    pub versions: u64,
    /// Versions whose content was disposed of under the disposal protocol (R9).
    pub disposed_versions: u64,
    pub blobs: u64,
    pub blob_bytes: u64,
    pub problem_count: u64,
    /// The first problems found (at most 100), in the order found.
    pub problems: Vec<VerifyProblem>,
    #[serde(skip)]
    pub blob_time: Duration,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.problem_count == 0
    }

    fn add(&mut self, p: VerifyProblem) {
        self.problem_count += 1;
        if self.problems.len() < MAX_LISTED {
            self.problems.push(p);
        }
    }
}

impl App {
    pub async fn verify(&self, progress: &dyn Progress) -> Result<VerifyReport> {
        let mut report = VerifyReport::default();
        let orgs = self.store.list_organisations().await?;
        report.organisations = orgs.len() as u64;

        // 1. audit chains
        progress.start("granskar granskningsloggen", 0);
        for org in &orgs {
            let mut chain = ChainVerifier::new(org.id);
            let mut after = 0;
            let mut broken = false;
            loop {
                let entries = self.store.audit_entries(org.id, after, PAGE).await?;
                let Some(last) = entries.last() else { break };
                after = last.seq;
                for e in &entries {
                    report.audit_entries += 1;
                    if let Err(b) = chain.check(e) {
                        report.add(VerifyProblem::AuditChain {
                            organisation: org.slug.clone(),
                            detail: b.to_string(),
                        });
                        broken = true;
                        break;
                    }
                }
                progress.advance(entries.len() as u64);
                if broken {
                    break;
                }
            }
            if !broken {
                let head = self.store.audit_head(org.id).await?;
                if head != chain.head() {
                    report.add(VerifyProblem::AuditChain {
                        organisation: org.slug.clone(),
                        detail: format!(
                            "the chain ends at entry {} but its recorded head is entry {}: entries were removed",
                            chain.head().0,
                            head.0
                        ),
                    });
                }
            }
        }

        // 2. record versions against their audit entries
        progress.start("granskar handlingarnas versioner", 0);
        let mut after = 0;
        loop {
            let checks = self.store.versions_for_verify(after, PAGE).await?;
            let Some(last) = checks.last() else { break };
            after = last.version_id;
            for c in &checks {
                report.versions += 1;
                let v = &c.version;
                let problem = if c.disposed_under_protocol == Some(false) {
                    Some(
                        "its content is gone but no disposal protocol entry vouches for it"
                            .to_string(),
                    )
                } else if c.disposed_under_protocol.is_none() && !v.is_intact() {
                    Some(
                        "its content does not match its digest (changed after capture)".to_string(),
                    )
                } else if c.audited_digest.is_none() {
                    Some(format!(
                        "audit entry {} that should vouch for it is missing",
                        c.audit_seq
                    ))
                } else if c.audited_digest != Some(v.content_digest) {
                    Some(format!(
                        "its digest differs from the one in audit entry {}",
                        c.audit_seq
                    ))
                } else {
                    None
                };
                if problem.is_none() && c.disposed_under_protocol == Some(true) {
                    report.disposed_versions += 1;
                }
                if let Some(detail) = problem {
                    report.add(VerifyProblem::Version {
                        record: v.record_id.0,
                        version: v.number,
                        detail,
                    });
                }
            }
            progress.advance(checks.len() as u64);
        }

        // 3. every blob, re-hashed
        progress.start("kontrollerar filer (SHA-256)", 0);
        let started = Instant::now();
        let mut after: Option<Sha256Digest> = None;
        loop {
            let metas = self.store.list_blobs(after, 1000).await?;
            let Some(last) = metas.last() else { break };
            after = Some(last.sha256);
            let results: Vec<_> = futures::stream::iter(metas.iter().map(|m| {
                let blobs = self.blobs.clone();
                let d = m.sha256;
                async move { (d, blobs.verify(&d).await) }
            }))
            .buffered(4)
            .collect()
            .await;
            for (d, r) in results {
                report.blobs += 1;
                match r {
                    Ok(size) => {
                        report.blob_bytes += size;
                        progress.advance(size);
                    }
                    Err(e) => report.add(VerifyProblem::Blob {
                        sha256: d.to_hex(),
                        detail: e.to_string(),
                    }),
                }
            }
        }
        report.blob_time = started.elapsed();
        progress.finish();
        Ok(report)
    }
}
