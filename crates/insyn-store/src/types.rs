//! Parameter and result types of the store interface.
use chrono::{DateTime, Utc};
use insyn_domain::{
    AccountId, Classification, Direction, OrgId, RecordId, SearchDoc, Sha256Digest,
};
use serde::{Deserialize, Serialize};

/// Positive evidence that an item was deleted on the platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletionSeen {
    pub record: RecordId,
    pub seen_at: DateTime<Utc>,
    pub evidence: String,
}

/// What a capture batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptureOutcome {
    pub new_records: u64,
    pub new_versions: u64,
    pub unchanged: u64,
    /// The records touched, in input order (one per input item).
    pub record_ids: Vec<RecordId>,
    /// Whether each item (input order) made a new record.
    pub is_new: Vec<bool>,
    /// The search backfill entry naming the new records ([`crate::Store::capture_bulk`] only).
    pub search_backfill: Option<SearchBackfill>,
}

/// New records captured in bulk whose search docs are still to be applied: every record with an
/// id from `first` to `last` (inclusive; a range may also hold records of other writers, which
/// are then applied again, harmlessly).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchBackfill {
    pub id: i64,
    pub first: RecordId,
    pub last: RecordId,
}

/// Filter for listing records, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordFilter {
    pub account: Option<AccountId>,
    pub direction: Option<Direction>,
    pub classification: Option<Classification>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Records in the same thread (by the platform id of its first post).
    pub thread: Option<String>,
    pub limit: i64,
    pub offset: i64,
    /// Keyset paging: only records older than this (time available, then id), the last record
    /// of the page before. Reads the next page without skipping `offset` rows.
    #[serde(skip)]
    pub before: Option<(DateTime<Utc>, RecordId)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobMeta {
    pub sha256: Sha256Digest,
    pub size: i64,
    pub media_type: String,
}

/// A record version as `verify` checks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionCheck {
    pub version_id: i64,
    pub org_id: OrgId,
    pub version: insyn_domain::RecordVersion,
    pub audit_seq: i64,
    /// The digest recorded in the audit entry at `audit_seq`, if that entry exists.
    pub audited_digest: Option<Sha256Digest>,
    /// `None` when the record is not disposed of; else whether its disposal protocol entry
    /// lists this version with this digest (content emptied under the protocol, not lost).
    pub disposed_under_protocol: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxBatch {
    pub docs: Vec<SearchDoc>,
    /// The outbox entries read; remove exactly these once applied.
    pub ids: Vec<i64>,
    /// The highest outbox id read.
    pub last_id: i64,
}

/// How an account is connected to its platform, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredConnection {
    pub account_id: insyn_domain::AccountId,
    /// The platform's API base URL (a Mastodon instance, or a platform's default).
    pub base_url: String,
    /// The access token sealed with the installation's key; only the application opens it.
    pub sealed_token: Vec<u8>,
    pub connected_at: DateTime<Utc>,
    pub connected_by: String,
    /// Where an interrupted capture pass goes on.
    pub cursor: Option<String>,
    pub health: insyn_domain::ConnectionHealth,
}

/// An unassessed record as the release policy sees it (issue 6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseCandidate {
    pub record: insyn_domain::Record,
    /// Screening findings on any version of the record.
    pub findings: u64,
    /// Whether no version of the record waits for screening.
    pub screened: bool,
}

/// How many records an account holds in one direction (the register page's description).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordCount {
    pub account_id: AccountId,
    pub direction: Direction,
    pub count: i64,
}

/// What [`crate::Store::dispose`] did: one protocol entry per record, and the blobs no kept record
/// refers to any more, which the caller removes from the blob store once this is committed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DisposalOutcome {
    pub entries: Vec<insyn_domain::ProtocolEntry>,
    pub blobs_to_remove: Vec<Sha256Digest>,
}

/// A package to log as delivered (the delivery log, R8.3).
/// The `format` of a delivery that is a snapshot printout (R8.2) rather than a package; a
/// re-delivery matches only deliveries of its own kind.
pub const SNAPSHOT_FORMAT: &str = "snapshot-pdf";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewDelivery {
    pub period_from: Option<DateTime<Utc>>,
    pub period_to: DateTime<Utc>,
    pub account_id: Option<AccountId>,
    pub objid: String,
    pub destination: String,
    pub format: String,
    pub records: i64,
    pub files: i64,
    pub bytes: i64,
    pub mets_sha256: Sha256Digest,
    pub records_sha256: String,
    pub validation: String,
    /// Extra JSON detail for the audit entry (time-stamps, commons-ip verdict).
    pub detail: serde_json::Value,
}

/// A received record as the response-time follow-up sees it ([`crate::Store::answer_times`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerTime {
    pub record_id: RecordId,
    pub account_id: AccountId,
    pub available_at: DateTime<Utc>,
    /// `None`: nobody has touched it (new).
    pub state: Option<insyn_domain::HandlingState>,
    /// When the answer (an upprättad record) became available.
    pub answered_at: Option<DateTime<Utc>>,
}

/// An open item at the head of an account's inbox ([`crate::Store::inbox_heads`]): what the
/// inbox needs to order items by deadline, without reading the record itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxHead {
    pub record_id: RecordId,
    pub account_id: AccountId,
    pub available_at: DateTime<Utc>,
    pub handling: insyn_domain::Handling,
}
