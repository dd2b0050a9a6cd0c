//! The diary (diarieföring, R6): registering records as documents in cases, the registrar's
//! view, and exporting a registration by e-mail or as a file for an external case system.
//!
//! The public API other use cases call (guided actions): [`App::register_record`] and, for
//! e-mail, [`App::queue_mail`]. See docs/DIARY.md.
use crate::requests::{Copy, copy_pdf};
use crate::{App, AppError, Result};
use chrono::Utc;
use insyn_domain::*;
use insyn_store::{CaseFilter, MailFilter};
use serde_json::json;
use std::collections::HashMap;

/// The version of the export format ([`App::case_export`]); see docs/DIARY.md.
pub const EXPORT_FORMAT: &str = "insyn-diary-case/1";

/// What the registrar searches for: a diary number as people type it, or words of a title.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseQuery {
    pub year: Option<i32>,
    pub register: Option<String>,
    pub text: Option<String>,
    pub limit: i64,
}

/// A case with its documents and their records, for the case page.
#[derive(Debug, Clone)]
pub struct CaseView {
    pub case: DiaryCase,
    pub unit: Option<Unit>,
    /// Each document with its record (`None` if the record is out of the caller's sight).
    pub documents: Vec<(DiaryDocument, Option<Record>)>,
    /// E-mail sent (or waiting) about the case, newest first.
    pub mail: Vec<MailMessage>,
}

/// A file for download.
#[derive(Debug, Clone)]
pub struct ExportFile {
    pub filename: String,
    pub content_type: &'static str,
    pub content: Vec<u8>,
}

impl App {
    pub async fn diary_settings(&self, org: OrgId) -> Result<DiarySettings> {
        Ok(self.store.diary_settings(org).await?)
    }

    /// Sets the organisation's number format (checked; see [`NumberFormat`]).
    pub async fn set_diary_format(&self, org: OrgId, template: &str, actor: &str) -> Result<()> {
        let format = NumberFormat::parse(template.trim())?;
        Ok(self.store.set_diary_format(org, &format, actor).await?)
    }

    pub async fn add_diary_register(
        &self,
        org: OrgId,
        code: &str,
        name: &str,
        actor: &str,
    ) -> Result<Register> {
        Ok(self
            .store
            .add_diary_register(org, code, name, actor)
            .await?)
    }

    /// Every register, the default first, closed ones included (the registers page).
    pub async fn diary_registers(&self, org: OrgId) -> Result<Vec<insyn_store::RegisterEntry>> {
        Ok(self.store.diary_registers(org).await?)
    }

    /// Closes a register: no new cases in it; what it holds is kept.
    pub async fn close_diary_register(
        &self,
        org: OrgId,
        code: &str,
        actor: &str,
    ) -> Result<insyn_store::RegisterEntry> {
        Ok(self.store.close_diary_register(org, code, actor).await?)
    }

    /// The registrar's address (told by the secret-information action), if set.
    pub async fn registrar_email(&self, org: OrgId) -> Result<Option<String>> {
        Ok(self.store.registrar_email(org).await?)
    }

    pub async fn set_registrar_email(
        &self,
        org: OrgId,
        email: Option<&str>,
        actor: &str,
    ) -> Result<()> {
        Ok(self.store.set_registrar_email(org, email, actor).await?)
    }

    /// The number the next new case of the default register would get this year, written in
    /// `template` (checked) or, without one, in the organisation's format. Nothing is taken.
    pub async fn preview_next_number(&self, org: OrgId, template: Option<&str>) -> Result<String> {
        let settings = self.diary_settings(org).await?;
        let format = match template {
            Some(t) => NumberFormat::parse(t.trim())?,
            None => settings.format,
        };
        let year = chrono::Datelike::year(&insyn_domain::request::stockholm_date(Utc::now()));
        let seq = self
            .store
            .diary_next_seq(org, &settings.default_register, year)
            .await?;
        Ok(format.render(&settings.default_register, year, seq))
    }

    /// Registers a record of the organisation as the next document of a new or existing case.
    /// A new case gets the next number of its register and year (or the manual number given,
    /// refused with [`AppError::Conflict`] if it exists); the record gets a `registered` event
    /// and the chain an audit entry. A record is registered once ([`AppError::Conflict`] after).
    pub async fn register_record(
        &self,
        org: OrgId,
        registration: &NewRegistration,
        actor: &str,
    ) -> Result<(DiaryCase, DiaryDocument)> {
        Ok(self.store.register_record(org, registration, actor).await?)
    }

    /// Finds the case a typed diary number names ("ks 2026-12", "KS 2026/0012-2").
    pub async fn find_case(&self, org: OrgId, number: &str) -> Result<DiaryCase> {
        let settings = self.store.diary_settings(org).await?;
        let n = settings.format.read(number)?;
        self.store
            .case_by_number(org, &n.register, n.year, n.seq)
            .await
            .map_err(|_| {
                AppError::NotFound(format!(
                    "no case {} / inget ärende {}",
                    settings.format.render(&n.register, n.year, n.seq),
                    settings.format.render(&n.register, n.year, n.seq)
                ))
            })
    }

    /// The registrar's list: a query that reads as a diary number finds that case; other text
    /// searches the titles.
    pub async fn diary_cases(&self, org: OrgId, q: &CaseQuery) -> Result<Vec<DiaryCase>> {
        let text = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty());
        if let Some(t) = text {
            let settings = self.store.diary_settings(org).await?;
            if let Ok(n) = settings.format.read(t) {
                return Ok(self
                    .store
                    .case_by_number(org, &n.register, n.year, n.seq)
                    .await
                    .ok()
                    .into_iter()
                    .collect());
            }
        }
        let register = match q
            .register
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            Some(r) => Some(insyn_domain::diary::normalise_register(r)?),
            None => None,
        };
        Ok(self
            .store
            .list_cases(
                org,
                &CaseFilter {
                    year: q.year,
                    register,
                    title: text.map(str::to_string),
                    limit: q.limit,
                },
            )
            .await?)
    }

    /// A case with its documents, their records and the mail about it.
    pub async fn diary_case(&self, org: OrgId, id: CaseId) -> Result<CaseView> {
        let case = self.store.get_case(org, id).await?;
        let unit = match case.unit_id {
            Some(u) => self
                .store
                .list_units(org)
                .await?
                .into_iter()
                .find(|x| x.id == u),
            None => None,
        };
        let documents = self.store.case_documents(org, id).await?;
        let ids: Vec<RecordId> = documents.iter().map(|d| d.record_id).collect();
        let records = self.store.get_records(org, &ids).await?;
        let documents = documents
            .into_iter()
            .map(|d| {
                let r = records.iter().find(|r| r.id == d.record_id).cloned();
                (d, r)
            })
            .collect();
        let mail = self
            .store
            .mail_outbox(
                org,
                &MailFilter {
                    subject_ref: Some(format!("case:{id}")),
                    limit: 50,
                    ..Default::default()
                },
            )
            .await?;
        Ok(CaseView {
            case,
            unit,
            documents,
            mail,
        })
    }

    /// The registration of each of these records that is registered.
    pub async fn registrations(
        &self,
        org: OrgId,
        ids: &[RecordId],
    ) -> Result<HashMap<RecordId, DiaryDocument>> {
        Ok(self
            .store
            .record_registrations(org, ids)
            .await?
            .into_iter()
            .map(|d| (d.record_id, d))
            .collect())
    }

    /// The diary number of a record's registration, if it is registered ("KS 2026/0042-1").
    pub async fn diary_number(&self, org: OrgId, id: RecordId) -> Result<Option<String>> {
        Ok(self
            .store
            .record_registrations(org, &[id])
            .await?
            .into_iter()
            .next()
            .map(|d| d.number))
    }

    /// The case as the documented JSON for an external case system (format
    /// [`EXPORT_FORMAT`]). Audited: it holds records that may not be public.
    pub async fn case_export(&self, org: OrgId, id: CaseId, actor: &str) -> Result<ExportFile> {
        let view = self.diary_case(org, id).await?;
        let content = self.export_json(org, &view).await?;
        self.audit_export(org, &view.case, "file", actor).await?;
        Ok(ExportFile {
            filename: export_name(&view.case.number, "json"),
            content_type: "application/json",
            content,
        })
    }

    /// The PDF/A copy of a document's record with the diary number on it (staff side: the
    /// record need not be released). Audited.
    pub async fn document_pdf(
        &self,
        org: OrgId,
        id: CaseId,
        document: u32,
        english: bool,
        actor: &str,
    ) -> Result<ExportFile> {
        let view = self.diary_case(org, id).await?;
        let (doc, record) = view
            .documents
            .iter()
            .find(|(d, _)| d.document == document)
            .ok_or_else(|| {
                AppError::NotFound(format!("no document {document} in {}", view.case.number))
            })?;
        let record = record
            .clone()
            .ok_or_else(|| AppError::NotFound(format!("record {}", doc.record_id)))?;
        let pdf = self
            .staff_copy_pdf(org, record, &doc.number, english)
            .await?;
        self.audit_export(org, &view.case, "pdf", actor).await?;
        Ok(ExportFile {
            filename: export_name(&doc.number, "pdf"),
            content_type: "application/pdf",
            content: pdf,
        })
    }

    /// Sends the case by e-mail: to `to`, or (None) to the responsible unit's address, with the
    /// JSON export and the PDF copy of each document's record attached (as many as fit in
    /// 10 MB; the message names any left out). The message goes through the outbox.
    pub async fn email_case(
        &self,
        org: OrgId,
        id: CaseId,
        to: Option<&str>,
        actor: &str,
    ) -> Result<MailMessage> {
        let view = self.diary_case(org, id).await?;
        let to = match to.map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => t.to_string(),
            None => view
                .unit
                .as_ref()
                .and_then(|u| u.email.clone())
                .ok_or_else(|| {
                    AppError::invalid(
                        "to",
                        "the case has no unit with an e-mail address; type an address / ärendet har ingen enhet med e-postadress; skriv en adress",
                    )
                })?,
        };
        let json = self.export_json(org, &view).await?;
        let mut attachments = vec![MailAttachment {
            filename: export_name(&view.case.number, "json"),
            content_type: "application/json".into(),
            content: json,
        }];
        let mut size: usize = attachments[0].content.len();
        let mut left_out = Vec::new();
        for (doc, record) in &view.documents {
            let Some(record) = record.clone() else {
                continue;
            };
            let pdf = self.staff_copy_pdf(org, record, &doc.number, false).await?;
            if size + pdf.len() > insyn_domain::mail::MAX_ATTACHMENT_BYTES {
                left_out.push(doc.number.clone());
                continue;
            }
            size += pdf.len();
            attachments.push(MailAttachment {
                filename: export_name(&doc.number, "pdf"),
                content_type: "application/pdf".into(),
                content: pdf,
            });
        }
        let c = &view.case;
        let docs: Vec<String> = view
            .documents
            .iter()
            .map(|(d, _)| {
                format!(
                    "  {}  {}  {}  {}",
                    d.number,
                    d.document_date,
                    d.direction.swedish(),
                    d.description
                )
            })
            .collect();
        let mut body = format!(
            "Ärende {number} har registrerats i Insyn.\n\nDiarienummer: {number}\nÄrendemening: {title}\nStatus: {status}\nRegistrerat av: {registrar}\n\nHandlingar:\n{docs}\n\nBifogat: ärendet som JSON ({format}) och en PDF-kopia av varje handling.\n",
            number = c.number,
            title = c.title,
            status = c.status.swedish(),
            registrar = c.registrar,
            docs = docs.join("\n"),
            format = EXPORT_FORMAT,
        );
        if !left_out.is_empty() {
            body.push_str(&format!(
                "Utelämnade (över 10 MB): {}. Hämta dem i Insyn.\n",
                left_out.join(", ")
            ));
        }
        body.push_str(&format!(
            "\n-- In English --\nCase {} was registered in Insyn: {}. Attached: the case as JSON and a PDF copy of each document.\n",
            c.number, c.title
        ));
        let mail = NewMail {
            to,
            subject: format!("Diarienummer {}: {}", c.number, truncate(&c.title, 120)),
            body,
            purpose: MailPurpose::Diary,
            subject_ref: Some(format!("case:{}", c.id)),
            attachments,
        };
        let queued = self.store.queue_mail(org, &mail, actor).await?;
        self.audit_export(org, c, "email", actor).await?;
        Ok(queued)
    }

    async fn staff_copy_pdf(
        &self,
        org: OrgId,
        record: Record,
        diary_number: &str,
        english: bool,
    ) -> Result<Vec<u8>> {
        let organisation = self
            .store
            .list_organisations()
            .await?
            .into_iter()
            .find(|o| o.id == org)
            .ok_or_else(|| AppError::NotFound(format!("organisation {org}")))?;
        let account = self.store.get_account(org, record.account_id).await?;
        let copy = Copy {
            organisation,
            account,
            version: record.version,
            text: record.text.clone(),
            masked: false,
            text_sha256: Sha256Digest::of(record.text.as_bytes()).to_hex(),
            thread: Vec::new(),
            diary_number: Some(diary_number.to_string()),
            record,
        };
        copy_pdf(&copy, english, None)
    }

    async fn export_json(&self, org: OrgId, view: &CaseView) -> Result<Vec<u8>> {
        let organisation = self
            .store
            .list_organisations()
            .await?
            .into_iter()
            .find(|o| o.id == org)
            .ok_or_else(|| AppError::NotFound(format!("organisation {org}")))?;
        let accounts = self.store.list_accounts(org).await?;
        let c = &view.case;
        let documents: Vec<serde_json::Value> = view
            .documents
            .iter()
            .map(|(d, r)| {
                let record = r.as_ref().map(|r| {
                    let account = accounts.iter().find(|a| a.id == r.account_id);
                    json!({
                        "id": r.id.0,
                        "account": account.map(|a| json!({
                            "platform": a.platform.as_str(),
                            "handle": a.handle,
                            "url": a.url,
                        })),
                        "platform_item_id": r.platform_item_id,
                        "kind": r.kind,
                        "available_at": r.available_at,
                        "platform_time": r.platform_time,
                        "version": r.version,
                        "author_name": r.author_name,
                        "text": r.text,
                        "text_sha256": Sha256Digest::of(r.text.as_bytes()).to_hex(),
                    })
                });
                json!({
                    "number": d.number,
                    "document": d.document,
                    "direction": d.direction.as_str(),
                    "document_date": d.document_date.to_string(),
                    "description": d.description,
                    "counterpart": d.counterpart,
                    "registered_at": d.registered_at,
                    "registered_by": d.registered_by,
                    "record": record,
                })
            })
            .collect();
        let value = json!({
            "format": EXPORT_FORMAT,
            "exported_at": Utc::now(),
            "organisation": { "slug": organisation.slug, "name": organisation.name },
            "case": {
                "number": c.number,
                "register": c.register,
                "year": c.year,
                "seq": c.seq,
                "title": c.title,
                "unit": view.unit.as_ref().map(|u| json!({ "name": u.name, "email": u.email })),
                "status": c.status.as_str(),
                "opened_at": c.opened_at,
                "registrar": c.registrar,
            },
            "documents": documents,
        });
        serde_json::to_vec_pretty(&value).map_err(|e| AppError::Internal(e.to_string()))
    }

    async fn audit_export(
        &self,
        org: OrgId,
        case: &DiaryCase,
        how: &str,
        actor: &str,
    ) -> Result<()> {
        self.store
            .append_audit(NewAuditEntry {
                org_id: org,
                at: Utc::now(),
                actor: actor.to_string(),
                action: AuditAction::DiaryExported,
                subject: format!("case:{}", case.id),
                digest: None,
                detail: json!({ "number": case.number, "as": how }).to_string(),
            })
            .await?;
        Ok(())
    }
}

/// A file name from a diary number: "KS 2026/0042-1" → "KS-2026-0042-1.pdf".
pub fn export_name(number: &str, ext: &str) -> String {
    let base: String = number
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect();
    format!("{}.{ext}", base.trim_matches('-'))
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn export_names_are_plain() {
        assert_eq!(
            super::export_name("KS 2026/0042-1", "pdf"),
            "KS-2026-0042-1.pdf"
        );
        assert_eq!(super::export_name("BUN 2026/7", "json"), "BUN-2026-7.json");
    }
}
