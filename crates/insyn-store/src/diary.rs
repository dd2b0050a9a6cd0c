//! The diary (R6) and the e-mail outbox: filters and the rows as the database returns them.
use crate::StoreError;
use chrono::{DateTime, Utc};
use insyn_domain::{
    CaseId, CaseStatus, DiaryCase, DiaryDocument, Direction, MailAttachment, MailMessage,
    MailPurpose, MailState, OrgId, RecordId, UnitId,
};
use serde::Serialize;

/// Which cases the registrar's view lists, newest number first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFilter {
    pub year: Option<i32>,
    pub register: Option<String>,
    /// Words in the title (case-insensitive substring).
    pub title: Option<String>,
    pub limit: i64,
}

/// Which messages the staff pages list, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailFilter {
    /// Only messages about this ("case:7", "request:3").
    pub subject_ref: Option<String>,
    /// Only messages not yet sent (queued or failed).
    pub unsent_only: bool,
    pub limit: i64,
}

/// A register (diarieserie) as the registers page lists it: open or closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegisterEntry {
    pub code: String,
    pub name: String,
    /// The organisation's diary prefix: always open, cannot be closed.
    pub default: bool,
    pub created_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<String>,
}

pub(crate) const CASE_COLUMNS: &str = "id, org_id, number, register, year, seq, title, unit_id, registrar, opened_at, status, documents";

pub(crate) const DOCUMENT_COLUMNS: &str = "case_id, org_id, doc_no, number, record_id, direction, document_date, \
     description, counterpart, registered_at, registered_by";

pub(crate) const MAIL_COLUMNS: &str = "id, org_id, to_email, subject, body, purpose, subject_ref, state, queued_at, \
     attempts, next_attempt_at, last_error, sent_at";

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

#[derive(sqlx::FromRow)]
pub(crate) struct CaseRow {
    pub id: i64,
    pub org_id: i64,
    pub number: String,
    pub register: String,
    pub year: i32,
    pub seq: i64,
    pub title: String,
    pub unit_id: Option<i64>,
    pub registrar: String,
    pub opened_at: DateTime<Utc>,
    pub status: String,
    pub documents: i32,
}

impl TryFrom<CaseRow> for DiaryCase {
    type Error = StoreError;
    fn try_from(r: CaseRow) -> Result<Self, StoreError> {
        Ok(DiaryCase {
            id: CaseId(r.id),
            org_id: OrgId(r.org_id),
            number: r.number,
            register: r.register,
            year: r.year,
            seq: r.seq,
            title: r.title,
            unit_id: r.unit_id.map(UnitId),
            registrar: r.registrar,
            opened_at: r.opened_at,
            status: CaseStatus::parse(&r.status)?,
            documents: u32::try_from(r.documents).map_err(|e| corrupt("document count", e))?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct DocumentRow {
    pub case_id: i64,
    pub org_id: i64,
    pub doc_no: i32,
    pub number: String,
    pub record_id: i64,
    pub direction: String,
    pub document_date: String,
    pub description: String,
    pub counterpart: Option<String>,
    pub registered_at: DateTime<Utc>,
    pub registered_by: String,
}

impl TryFrom<DocumentRow> for DiaryDocument {
    type Error = StoreError;
    fn try_from(r: DocumentRow) -> Result<Self, StoreError> {
        Ok(DiaryDocument {
            case_id: CaseId(r.case_id),
            org_id: OrgId(r.org_id),
            document: u32::try_from(r.doc_no).map_err(|e| corrupt("document number", e))?,
            number: r.number,
            record_id: RecordId(r.record_id),
            direction: r.direction.parse::<Direction>()?,
            document_date: r
                .document_date
                .parse()
                .map_err(|e| corrupt("document date", e))?,
            description: r.description,
            counterpart: r.counterpart,
            registered_at: r.registered_at,
            registered_by: r.registered_by,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct MailRow {
    pub id: i64,
    pub org_id: i64,
    pub to_email: String,
    pub subject: String,
    pub body: String,
    pub purpose: String,
    pub subject_ref: Option<String>,
    pub state: String,
    pub queued_at: DateTime<Utc>,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl MailRow {
    pub(crate) fn into_message(
        self,
        attachments: Vec<MailAttachment>,
    ) -> Result<MailMessage, StoreError> {
        Ok(MailMessage {
            id: self.id,
            org_id: OrgId(self.org_id),
            to: self.to_email,
            subject: self.subject,
            body: self.body,
            purpose: MailPurpose::parse(&self.purpose)?,
            subject_ref: self.subject_ref,
            attachments,
            state: MailState::parse(&self.state)?,
            queued_at: self.queued_at,
            attempts: u32::try_from(self.attempts).map_err(|e| corrupt("attempts", e))?,
            next_attempt_at: self.next_attempt_at,
            last_error: self.last_error,
            sent_at: self.sent_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AttachmentRow {
    pub mail_id: i64,
    pub filename: String,
    pub content_type: String,
    pub content: Vec<u8>,
}
