//! A screening finding as the records store keeps it (R4.2): where in which version, what was
//! found, by which rule, how sure, and why — in Swedish and English. Screening suggests; people
//! decide.
use crate::ids::{OrgId, RecordId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub record_id: RecordId,
    /// The version of the record whose text was screened.
    pub version: u32,
    /// Stable category id: personnummer, phone, email, address, payment, sensitive,
    /// offensive_person, threat, hate, unlawful_link, secret, complaint, case_reference,
    /// case_request, economic_advice.
    pub category: String,
    /// Byte offsets into that version's text.
    pub start: usize,
    pub end: usize,
    pub rule: String,
    pub confidence: f32,
    pub explanation_sv: String,
    pub explanation_en: String,
    pub suggested_action: Option<String>,
    pub found_at: DateTime<Utc>,
}

/// A received version waiting to be screened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreeningTask {
    /// Where it waits; saving its screening takes it off there.
    pub queued: ScreeningQueued,
    /// The organisation the record belongs to (whose own rules screen it).
    pub org_id: OrgId,
    pub record_id: RecordId,
    pub version: u32,
    pub text: String,
}

/// Where a [`ScreeningTask`] waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScreeningQueued {
    /// Its own entry in the screening queue (captures, edits, re-screening).
    Entry(i64),
    /// A bulk batch (a demo load, an import) that names its records by an id range.
    BulkBatch(i64),
}
