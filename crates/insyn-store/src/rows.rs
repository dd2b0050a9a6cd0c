//! Rows as the database returns them, and their conversion to domain types. The same row types
//! serve both backends.
use crate::{StoreError, StoredConnection};
use chrono::{DateTime, Utc};
use insyn_domain::{
    Account, AccountId, AuditEntry, OrgId, Organisation, Record, RecordEvent, RecordId,
    RecordVersion, Sha256Digest, Unit, UnitId,
};

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

pub(crate) fn digest(s: &str) -> Result<Sha256Digest, StoreError> {
    s.parse().map_err(|e| corrupt("digest", e))
}

pub(crate) fn digests_json(s: &str) -> Result<Vec<Sha256Digest>, StoreError> {
    serde_json::from_str(s).map_err(|e| corrupt("media list", e))
}

#[derive(sqlx::FromRow)]
pub(crate) struct OrgRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub diary_prefix: String,
}

impl From<OrgRow> for Organisation {
    fn from(r: OrgRow) -> Self {
        Organisation {
            id: OrgId(r.id),
            slug: r.slug,
            name: r.name,
            diary_prefix: r.diary_prefix,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct UnitRow {
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    pub email: Option<String>,
}

impl From<UnitRow> for Unit {
    fn from(r: UnitRow) -> Self {
        Unit {
            id: UnitId(r.id),
            org_id: OrgId(r.org_id),
            name: r.name,
            email: r.email,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AccountRow {
    pub id: i64,
    pub org_id: i64,
    pub unit_id: i64,
    pub platform: String,
    pub handle: String,
    pub url: String,
    pub platform_id: String,
    pub purpose: String,
    pub target_group: String,
    pub message: String,
    pub contact: String,
    pub responsible: String,
    pub office_hours: String,
    pub response_hours: i64,
    pub status: String,
    pub planned_at: DateTime<Utc>,
    pub opened_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl TryFrom<AccountRow> for Account {
    type Error = StoreError;
    fn try_from(r: AccountRow) -> Result<Self, StoreError> {
        Ok(Account {
            id: AccountId(r.id),
            org_id: OrgId(r.org_id),
            unit_id: UnitId(r.unit_id),
            platform: r.platform.parse()?,
            handle: r.handle,
            url: r.url,
            platform_id: r.platform_id,
            purpose: r.purpose,
            target_group: r.target_group,
            message: r.message,
            contact: r.contact,
            responsible: serde_json::from_str(&r.responsible)
                .map_err(|e| corrupt("responsible", e))?,
            office_hours: serde_json::from_str(&r.office_hours)
                .map_err(|e| corrupt("office_hours", e))?,
            response_hours: r
                .response_hours
                .try_into()
                .map_err(|e| corrupt("response_hours", e))?,
            status: r.status.parse()?,
            planned_at: r.planned_at,
            opened_at: r.opened_at,
            closed_at: r.closed_at,
        })
    }
}

pub(crate) const RECORD_COLUMNS: &str = "r.id, r.org_id, r.account_id, r.platform_item_id, r.kind, \
    r.direction, r.parent_platform_id, r.thread_platform_id, v.author_name, r.author_platform_id, \
    r.available_at, r.platform_time, r.head_version, v.text, r.classification, r.deleted_seen_at";

pub(crate) const RECORD_FROM: &str =
    "records r JOIN record_versions v ON v.record_id = r.id AND v.number = r.head_version";

#[derive(sqlx::FromRow)]
pub(crate) struct RecordRow {
    pub id: i64,
    pub org_id: i64,
    pub account_id: i64,
    pub platform_item_id: String,
    pub kind: String,
    pub direction: String,
    pub parent_platform_id: Option<String>,
    pub thread_platform_id: Option<String>,
    pub author_name: String,
    pub author_platform_id: String,
    pub available_at: DateTime<Utc>,
    pub platform_time: Option<DateTime<Utc>>,
    pub head_version: i64,
    pub text: String,
    pub classification: String,
    pub deleted_seen_at: Option<DateTime<Utc>>,
}

impl TryFrom<RecordRow> for Record {
    type Error = StoreError;
    fn try_from(r: RecordRow) -> Result<Self, StoreError> {
        Ok(Record {
            id: RecordId(r.id),
            org_id: OrgId(r.org_id),
            account_id: AccountId(r.account_id),
            platform_item_id: r.platform_item_id,
            kind: r.kind.parse()?,
            direction: r.direction.parse()?,
            parent_platform_id: r.parent_platform_id,
            thread_platform_id: r.thread_platform_id,
            author_name: r.author_name,
            author_platform_id: r.author_platform_id,
            available_at: r.available_at,
            platform_time: r.platform_time,
            version: r
                .head_version
                .try_into()
                .map_err(|e| corrupt("version", e))?,
            text: r.text,
            classification: r.classification.parse()?,
            deleted_seen_at: r.deleted_seen_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct VersionRow {
    pub id: i64,
    pub record_id: i64,
    pub number: i64,
    pub text: String,
    pub author_name: String,
    pub media: String,
    pub raw_blob: Option<String>,
    pub raw_pointer: String,
    pub captured_at: DateTime<Utc>,
    pub content_digest: String,
    pub audit_seq: i64,
}

impl VersionRow {
    pub(crate) fn to_domain(&self) -> Result<RecordVersion, StoreError> {
        Ok(RecordVersion {
            record_id: RecordId(self.record_id),
            number: self
                .number
                .try_into()
                .map_err(|e| corrupt("version number", e))?,
            text: self.text.clone(),
            author_name: self.author_name.clone(),
            media: digests_json(&self.media)?,
            raw_blob: self.raw_blob.as_deref().map(digest).transpose()?,
            raw_pointer: self.raw_pointer.clone(),
            captured_at: self.captured_at,
            content_digest: digest(&self.content_digest)?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct VersionCheckRow {
    #[sqlx(flatten)]
    pub version: VersionRow,
    pub org_id: i64,
    pub audited_digest: Option<String>,
    pub disposed_at: Option<DateTime<Utc>>,
    pub protocol_versions: Option<String>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct EventRow {
    pub record_id: i64,
    pub kind: String,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub detail: String,
}

impl TryFrom<EventRow> for RecordEvent {
    type Error = StoreError;
    fn try_from(r: EventRow) -> Result<Self, StoreError> {
        Ok(RecordEvent {
            record_id: RecordId(r.record_id),
            kind: r.kind.parse()?,
            at: r.at,
            actor: r.actor,
            detail: serde_json::from_str(&r.detail).map_err(|e| corrupt("event detail", e))?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AuditRow {
    pub org_id: i64,
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub digest: Option<String>,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl TryFrom<AuditRow> for AuditEntry {
    type Error = StoreError;
    fn try_from(r: AuditRow) -> Result<Self, StoreError> {
        Ok(AuditEntry {
            seq: r.seq,
            org_id: OrgId(r.org_id),
            at: r.at,
            actor: r.actor,
            action: r.action,
            subject: r.subject,
            digest: r.digest.as_deref().map(digest).transpose()?,
            detail: r.detail,
            prev_hash: digest(&r.prev_hash)?,
            hash: digest(&r.hash)?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SearchDocRow {
    pub id: i64,
    pub org_id: i64,
    pub account_id: i64,
    pub unit_id: i64,
    pub kind: String,
    pub direction: String,
    pub classification: String,
    pub available_at: DateTime<Utc>,
    pub deleted_seen_at: Option<DateTime<Utc>>,
    pub author_name: String,
    pub text: String,
    #[sqlx(default)]
    pub outbox_id: i64,
    #[sqlx(default)]
    pub disposed_at: Option<DateTime<Utc>>,
}

impl TryFrom<SearchDocRow> for insyn_domain::SearchDoc {
    type Error = StoreError;
    fn try_from(r: SearchDocRow) -> Result<Self, StoreError> {
        Ok(insyn_domain::SearchDoc {
            record_id: RecordId(r.id),
            org_id: OrgId(r.org_id),
            account_id: AccountId(r.account_id),
            unit_id: UnitId(r.unit_id),
            kind: r.kind.parse()?,
            direction: r.direction.parse()?,
            classification: r.classification.parse()?,
            available_at: r.available_at,
            deleted: r.deleted_seen_at.is_some(),
            author_name: r.author_name,
            text: r.text,
            disposed: r.disposed_at.is_some(),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct FindingRow {
    pub record_id: i64,
    pub version: i64,
    pub category: String,
    pub span_start: i64,
    pub span_end: i64,
    pub rule: String,
    pub confidence: f64,
    pub explanation_sv: String,
    pub explanation_en: String,
    pub suggested_action: Option<String>,
    pub found_at: DateTime<Utc>,
}

impl TryFrom<FindingRow> for insyn_domain::Finding {
    type Error = StoreError;
    fn try_from(r: FindingRow) -> Result<Self, StoreError> {
        Ok(insyn_domain::Finding {
            record_id: RecordId(r.record_id),
            version: r
                .version
                .try_into()
                .map_err(|e| corrupt("finding version", e))?,
            category: r.category,
            start: r
                .span_start
                .try_into()
                .map_err(|e| corrupt("finding span", e))?,
            end: r
                .span_end
                .try_into()
                .map_err(|e| corrupt("finding span", e))?,
            rule: r.rule,
            confidence: r.confidence as f32,
            explanation_sv: r.explanation_sv,
            explanation_en: r.explanation_en,
            suggested_action: r.suggested_action,
            found_at: r.found_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ConnectionRow {
    account_id: i64,
    base_url: String,
    sealed_token: Vec<u8>,
    connected_at: DateTime<Utc>,
    connected_by: String,
    cursor: Option<String>,
    health: String,
}

impl TryFrom<ConnectionRow> for StoredConnection {
    type Error = StoreError;
    fn try_from(r: ConnectionRow) -> Result<Self, StoreError> {
        Ok(StoredConnection {
            account_id: AccountId(r.account_id),
            base_url: r.base_url,
            sealed_token: r.sealed_token,
            connected_at: r.connected_at,
            connected_by: r.connected_by,
            cursor: r.cursor,
            health: serde_json::from_str(&r.health).map_err(|e| {
                StoreError::Corrupt(format!(
                    "connection health of account {}: {e}",
                    r.account_id
                ))
            })?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AccessRow {
    pub id: i64,
    pub org_id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub via: String,
    pub detail: String,
    pub records: String,
}

impl TryFrom<AccessRow> for insyn_domain::AccessEntry {
    type Error = StoreError;
    fn try_from(r: AccessRow) -> Result<Self, StoreError> {
        let records: Vec<i64> = serde_json::from_str(&r.records)
            .map_err(|e| StoreError::Corrupt(format!("access {}: records: {e}", r.id)))?;
        Ok(insyn_domain::AccessEntry {
            id: r.id,
            org_id: OrgId(r.org_id),
            at: r.at,
            actor: r.actor,
            via: r
                .via
                .parse()
                .map_err(|e| StoreError::Corrupt(format!("access {}: {e}", r.id)))?,
            detail: r.detail,
            records: records.into_iter().map(RecordId).collect(),
        })
    }
}
