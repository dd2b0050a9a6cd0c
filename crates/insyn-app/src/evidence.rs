//! Evidence copies (bevisexemplar, R5.3): a rendering of an item in its thread as it was when the
//! copy was made — the thread's starter and replies with authors, times and classifications, the
//! item's versions with their SHA-256 sums, and the screening findings (never shown to the
//! public) — as PDF/A-2u and as PNG ([`insyn_pdf::evidence_pdf`], [`insyn_pdf::evidence_png`]).
//! Both files are stored as content-addressed blobs, and an `evidence_stored` record event and
//! an audit entry record their SHA-256 sums. Hiding or removing on the platform needs one
//! ([`App::evidence_for_current_version`]).
use crate::{App, AppError, Result};
use chrono::{DateTime, Utc};
use insyn_domain::*;
use insyn_store::BlobMeta;
use serde::Serialize;

/// One stored evidence copy, as its `evidence_stored` event records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvidenceCopy {
    pub record_id: RecordId,
    /// The version of the item the copy shows.
    pub version: u32,
    pub pdf_sha256: String,
    pub pdf_bytes: u64,
    pub png_sha256: String,
    pub png_bytes: u64,
    /// The records of the thread in the copy (the item first).
    pub thread: Vec<i64>,
    pub made_at: DateTime<Utc>,
    pub made_by: String,
    pub reason: String,
}

impl EvidenceCopy {
    fn from_event(e: &RecordEvent) -> Option<EvidenceCopy> {
        if e.kind != RecordEventKind::EvidenceStored {
            return None;
        }
        let d = &e.detail;
        Some(EvidenceCopy {
            record_id: e.record_id,
            version: u32::try_from(d["version"].as_u64()?).ok()?,
            pdf_sha256: d["pdf_sha256"].as_str()?.to_string(),
            pdf_bytes: d["pdf_bytes"].as_u64().unwrap_or_default(),
            png_sha256: d["png_sha256"].as_str()?.to_string(),
            png_bytes: d["png_bytes"].as_u64().unwrap_or_default(),
            thread: d["thread"]
                .as_array()
                .map(|a| a.iter().filter_map(serde_json::Value::as_i64).collect())
                .unwrap_or_default(),
            made_at: e.at,
            made_by: e.actor.clone(),
            reason: d["reason"].as_str().unwrap_or_default().to_string(),
        })
    }

    /// The file name of the PDF or PNG (`bevis-{record}-v{version}-{sha8}.pdf`).
    pub fn file_name(&self, png: bool) -> String {
        let (sha, ext) = if png {
            (&self.png_sha256, "png")
        } else {
            (&self.pdf_sha256, "pdf")
        };
        format!(
            "bevis-{}-v{}-{}.{ext}",
            self.record_id,
            self.version,
            &sha[..8.min(sha.len())]
        )
    }
}

/// The evidence copies among a record's events, oldest first.
pub fn evidence_copies(events: &[RecordEvent]) -> Vec<EvidenceCopy> {
    events.iter().filter_map(EvidenceCopy::from_event).collect()
}

fn local(at: DateTime<Utc>) -> String {
    insyn_pdf::local_time(at)
}

impl App {
    /// The organisation's display name (a missing organisation is an error).
    async fn organisation_name(&self, org: OrgId) -> Result<String> {
        self.store
            .list_organisations()
            .await?
            .into_iter()
            .find(|o| o.id == org)
            .map(|o| o.name)
            .ok_or_else(|| AppError::NotFound(format!("organisation {org} not found")))
    }

    /// Every record of the item's thread, whatever its classification (the evidence is for
    /// staff), the item first and then in time order.
    pub(crate) async fn whole_thread(&self, org: OrgId, record: &Record) -> Result<Vec<Record>> {
        let thread = record
            .thread_platform_id
            .clone()
            .or_else(|| record.parent_platform_id.clone())
            .unwrap_or_else(|| record.platform_item_id.clone());
        let filter = insyn_store::RecordFilter {
            account: Some(record.account_id),
            thread: Some(thread.clone()),
            limit: 500,
            ..Default::default()
        };
        let mut found = self.store.list_records(org, &filter).await?;
        // the starter itself is not "in" its own thread in every connector's data
        if record.platform_item_id != thread
            && !found.iter().any(|r| r.platform_item_id == thread)
            && let Some(starter) = self
                .store
                .find_record(org, record.account_id, &thread)
                .await?
        {
            found.push(starter);
        }
        found.retain(|r| r.id != record.id);
        found.sort_by(|a, b| a.available_at.cmp(&b.available_at).then(a.id.cmp(&b.id)));
        let mut out = vec![record.clone()];
        out.extend(found);
        Ok(out)
    }

    /// Makes and stores the evidence copy of a record in its thread, as it is now: PDF and PNG
    /// as blobs, then the `evidence_stored` event and audit entry with their SHA-256 sums.
    pub async fn store_evidence(
        &self,
        org: OrgId,
        id: RecordId,
        actor: &str,
        reason: &str,
    ) -> Result<EvidenceCopy> {
        let record = self.store.get_record(org, id).await?;
        let account = self.store.get_account(org, record.account_id).await?;
        let organisation = self.organisation_name(org).await?;
        let thread = self.whole_thread(org, &record).await?;
        let versions = self.store.record_versions(org, id).await?;
        let findings = self.record_findings(org, id).await?;
        let now = Utc::now();
        let account_name = format!("{} ({})", account.handle, account.platform.display_name());
        let meta_of = |r: &Record, digest: String| insyn_pdf::RecordMeta {
            organisation: organisation.clone(),
            account: account_name.clone(),
            direction: r.direction.swedish().to_string(),
            available_at: r.available_at,
            platform_time: r.platform_time,
            diary_number: None,
            record_id: r.id.0,
            version: r.version,
            text_sha256: digest,
        };
        let mut records = Vec::with_capacity(thread.len());
        for (n, r) in thread.iter().enumerate() {
            let digest = insyn_domain::Sha256Digest::of(r.text.as_bytes()).to_hex();
            let mut blocks = vec![insyn_pdf::TextBlock {
                heading: format!(
                    "Text – {} ({}){}",
                    r.author_name,
                    r.author_platform_id,
                    r.deleted_seen_at
                        .map(|d| format!(" – borttagen, sedd {}", local(d)))
                        .unwrap_or_default()
                ),
                text: r.text.clone(),
            }];
            if n == 0 {
                let lines: Vec<String> = versions
                    .iter()
                    .map(|v| {
                        format!(
                            "Version {} fångad {}: SHA-256 {}",
                            v.number,
                            local(v.captured_at),
                            v.content_digest.to_hex()
                        )
                    })
                    .collect();
                blocks.push(insyn_pdf::TextBlock {
                    heading: "Versioner".into(),
                    text: lines.join("\n"),
                });
                for v in versions.iter().filter(|v| v.number != r.version) {
                    blocks.push(insyn_pdf::TextBlock {
                        heading: format!("Text i version {}", v.number),
                        text: v.text.clone(),
                    });
                }
                let f: Vec<String> = findings
                    .iter()
                    .map(|f| {
                        let span = r.text.get(f.start..f.end).unwrap_or("");
                        format!(
                            "v{} {} [{}..{}] «{}» – {} ({}, {:.2})",
                            f.version,
                            f.category,
                            f.start,
                            f.end,
                            span,
                            f.explanation_sv,
                            f.rule,
                            f.confidence
                        )
                    })
                    .collect();
                blocks.push(insyn_pdf::TextBlock {
                    heading: "Fynd vid granskningen (visas inte för allmänheten)".into(),
                    text: if f.is_empty() {
                        "Inga fynd.".into()
                    } else {
                        f.join("\n")
                    },
                });
            }
            records.push(insyn_pdf::PrintoutRecord {
                heading: if n == 0 {
                    format!("Inlägget som åtgärden gäller (handling {})", r.id)
                } else {
                    format!(
                        "I tråden: {} {} (handling {})",
                        r.kind.as_str(),
                        r.direction.swedish(),
                        r.id
                    )
                },
                meta: meta_of(r, digest),
                blocks,
            });
        }
        let printout = insyn_pdf::Printout {
            lang: insyn_pdf::Lang::Sv,
            title: format!("Bevisexemplar av handling {id}"),
            intro: vec![
                ("Organisation".into(), organisation.clone()),
                ("Konto".into(), account_name.clone()),
                ("Gjort".into(), local(now)),
                ("Gjort av".into(), actor.to_string()),
                ("Skäl".into(), reason.to_string()),
                (
                    "Innehåll".into(),
                    format!(
                        "Inlägget i sin tråd så som det var när exemplaret gjordes: {} handlingar",
                        thread.len()
                    ),
                ),
            ],
            records,
            created: now,
        };
        let (pdf, png) = tokio::task::spawn_blocking(move || {
            Ok::<_, insyn_pdf::PdfError>((
                insyn_pdf::evidence_pdf(&printout)?,
                insyn_pdf::evidence_png(&printout)?,
            ))
        })
        .await
        .map_err(|e| AppError::Internal(format!("evidence rendering stopped: {e}")))?
        .map_err(|e| AppError::Internal(format!("the evidence copy could not be made: {e}")))?;
        let (pdf_len, png_len) = (pdf.len() as u64, png.len() as u64);
        let pdf_sha = self.blobs.put(pdf.into()).await?;
        let png_sha = self.blobs.put(png.into()).await?;
        self.store
            .register_blobs(&[
                BlobMeta {
                    sha256: pdf_sha,
                    size: pdf_len as i64,
                    media_type: "application/pdf".into(),
                },
                BlobMeta {
                    sha256: png_sha,
                    size: png_len as i64,
                    media_type: "image/png".into(),
                },
            ])
            .await?;
        let detail = serde_json::json!({
            "version": record.version,
            "pdf_sha256": pdf_sha.to_hex(),
            "pdf_bytes": pdf_len,
            "png_sha256": png_sha.to_hex(),
            "png_bytes": png_len,
            "thread": thread.iter().map(|r| r.id.0).collect::<Vec<_>>(),
            "reason": reason,
        });
        let event = self
            .store
            .append_record_event(
                org,
                id,
                RecordEventKind::EvidenceStored,
                &detail,
                AuditAction::EvidenceStored,
                Some(pdf_sha),
                actor,
            )
            .await?;
        EvidenceCopy::from_event(&event)
            .ok_or_else(|| AppError::Internal("the evidence event could not be read back".into()))
    }

    /// The record's evidence copies, oldest first.
    pub async fn evidence(&self, org: OrgId, id: RecordId) -> Result<Vec<EvidenceCopy>> {
        Ok(evidence_copies(&self.store.record_events(org, id).await?))
    }

    /// The newest evidence copy of the record's current version, if one is stored.
    pub async fn evidence_for_current_version(
        &self,
        org: OrgId,
        record: &Record,
    ) -> Result<Option<EvidenceCopy>> {
        Ok(self
            .evidence(org, record.id)
            .await?
            .into_iter()
            .rev()
            .find(|e| e.version == record.version))
    }

    /// The bytes of one evidence file of a record, for staff who may read the record: only a
    /// file named by one of the record's own evidence events is served.
    pub async fn evidence_file(
        &self,
        user: &StaffUser,
        id: RecordId,
        sha256: &str,
    ) -> Result<(bytes::Bytes, &'static str, String)> {
        let record = self.record_for_staff(user, id).await?;
        let copies = self.evidence(user.org_id, record.id).await?;
        let (copy, png) = copies
            .iter()
            .find_map(|c| {
                if c.pdf_sha256 == sha256 {
                    Some((c, false))
                } else if c.png_sha256 == sha256 {
                    Some((c, true))
                } else {
                    None
                }
            })
            .ok_or_else(|| AppError::NotFound("no such evidence file of this record".into()))?;
        let digest = sha256
            .parse::<insyn_domain::Sha256Digest>()
            .map_err(|_| AppError::NotFound("no such evidence file".into()))?;
        let bytes = self.blobs.get(&digest).await?;
        let media = if png { "image/png" } else { "application/pdf" };
        Ok((bytes, media, copy.file_name(png)))
    }
}
