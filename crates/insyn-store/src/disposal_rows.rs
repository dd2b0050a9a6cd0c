//! Rows of the disposal and delivery tables (migration 0009) and their conversion to domain
//! types.
use crate::StoreError;
use crate::rows::{digest, digests_json};
use chrono::{DateTime, NaiveDate, Utc};
use insyn_domain::{
    AccountId, CrisisPeriod, Delivery, DeliverySchedule, DisposalDecision, DisposalFacts,
    DisposalRule, DisposedVersion, HoldScope, LegalHold, NewDisposalRule, OrgId, ProtocolEntry,
    RecordId,
};

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

/// Whether a disposed record's protocol entry vouches for this version (see
/// [`crate::VersionCheck::disposed_under_protocol`]).
pub(crate) fn disposed_under_protocol(
    disposed_at: Option<DateTime<Utc>>,
    protocol_versions: Option<&str>,
    number: i64,
    content_digest: &str,
) -> Option<bool> {
    match (disposed_at, protocol_versions) {
        (None, None) => None,
        (_, None) | (None, Some(_)) => Some(false),
        (Some(_), Some(json)) => {
            let listed: Vec<DisposedVersion> = serde_json::from_str(json).unwrap_or_default();
            Some(listed.iter().any(|v| {
                i64::from(v.number) == number && v.content_digest.to_hex() == content_digest
            }))
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct RuleRow {
    pub id: i64,
    pub org_id: i64,
    pub decision_reference: String,
    pub decided_on: NaiveDate,
    pub decision_body: String,
    pub record_class: String,
    pub account_id: Option<i64>,
    pub retention_months: i64,
    pub only_after_archived: bool,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

impl RuleRow {
    pub(crate) fn to_domain(&self) -> Result<DisposalRule, StoreError> {
        Ok(DisposalRule {
            id: self.id,
            org_id: OrgId(self.org_id),
            rule: NewDisposalRule {
                decision: DisposalDecision {
                    reference: self.decision_reference.clone(),
                    decided_on: self.decided_on,
                    body: self.decision_body.clone(),
                },
                class: self
                    .record_class
                    .parse()
                    .map_err(|e| corrupt("record class", e))?,
                account: self.account_id.map(AccountId),
                retention_months: self
                    .retention_months
                    .try_into()
                    .map_err(|e| corrupt("retention", e))?,
                only_after_archived: self.only_after_archived,
            },
            created_at: self.created_at,
            created_by: self.created_by.clone(),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct HoldRow {
    pub id: i64,
    pub org_id: i64,
    pub scope: String,
    pub record_id: Option<i64>,
    pub account_id: Option<i64>,
    pub thread: Option<String>,
    pub reason: String,
    pub set_at: DateTime<Utc>,
    pub set_by: String,
    pub lifted_at: Option<DateTime<Utc>>,
    pub lifted_by: Option<String>,
    pub lift_reason: Option<String>,
}

/// The columns a hold scope is stored in: (scope, record, account, thread).
pub(crate) fn scope_columns(
    s: &HoldScope,
) -> (&'static str, Option<i64>, Option<i64>, Option<String>) {
    match s {
        HoldScope::Record { record } => ("record", Some(record.0), None, None),
        HoldScope::Thread { account, thread } => {
            ("thread", None, Some(account.0), Some(thread.clone()))
        }
        HoldScope::Account { account } => ("account", None, Some(account.0), None),
    }
}

impl HoldRow {
    pub(crate) fn to_domain(&self) -> Result<LegalHold, StoreError> {
        let scope = match (
            self.scope.as_str(),
            self.record_id,
            self.account_id,
            &self.thread,
        ) {
            ("record", Some(r), _, _) => HoldScope::Record {
                record: RecordId(r),
            },
            ("thread", _, Some(a), Some(t)) => HoldScope::Thread {
                account: AccountId(a),
                thread: t.clone(),
            },
            ("account", _, Some(a), _) => HoldScope::Account {
                account: AccountId(a),
            },
            (other, ..) => return Err(corrupt("legal hold scope", other)),
        };
        Ok(LegalHold {
            id: self.id,
            org_id: OrgId(self.org_id),
            scope,
            reason: self.reason.clone(),
            set_at: self.set_at,
            set_by: self.set_by.clone(),
            lifted_at: self.lifted_at,
            lifted_by: self.lifted_by.clone(),
            lift_reason: self.lift_reason.clone(),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CrisisRow {
    pub id: i64,
    pub org_id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub reason: String,
    pub set_at: DateTime<Utc>,
    pub set_by: String,
}

impl From<CrisisRow> for CrisisPeriod {
    fn from(r: CrisisRow) -> Self {
        CrisisPeriod {
            id: r.id,
            org_id: OrgId(r.org_id),
            from: r.starts_at,
            to: r.ends_at,
            reason: r.reason,
            set_at: r.set_at,
            set_by: r.set_by,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct FactsRow {
    pub id: i64,
    pub account_id: i64,
    pub platform_item_id: String,
    pub kind: String,
    pub direction: String,
    pub thread_platform_id: Option<String>,
    pub available_at: DateTime<Utc>,
    pub archived: bool,
    pub crisis: bool,
    pub last_of_closed: bool,
    pub overridden: bool,
}

impl FactsRow {
    pub(crate) fn into_domain(self) -> Result<DisposalFacts, StoreError> {
        Ok(DisposalFacts {
            record_id: RecordId(self.id),
            account_id: AccountId(self.account_id),
            thread: self
                .thread_platform_id
                .unwrap_or_else(|| self.platform_item_id.clone()),
            platform_item_id: self.platform_item_id,
            kind: self.kind.parse().map_err(|e| corrupt("kind", e))?,
            direction: self
                .direction
                .parse()
                .map_err(|e| corrupt("direction", e))?,
            available_at: self.available_at,
            archived: self.archived,
            crisis: self.crisis,
            last_capture_of_closed_account: self.last_of_closed,
            protection_overridden: self.overridden,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ProtocolRow {
    pub id: i64,
    pub org_id: i64,
    pub record_id: i64,
    pub account_id: i64,
    pub platform_item_id: String,
    pub kind: String,
    pub direction: String,
    pub available_at: DateTime<Utc>,
    pub versions: String,
    pub blobs_removed: String,
    pub blobs_kept: String,
    pub rule_id: i64,
    pub decision_reference: String,
    pub decided_on: NaiveDate,
    pub decision_body: String,
    pub disposed_at: DateTime<Utc>,
    pub disposed_by: String,
    pub audit_seq: i64,
}

impl ProtocolRow {
    pub(crate) fn into_domain(self) -> Result<ProtocolEntry, StoreError> {
        Ok(ProtocolEntry {
            id: self.id,
            org_id: OrgId(self.org_id),
            record_id: RecordId(self.record_id),
            account_id: AccountId(self.account_id),
            platform_item_id: self.platform_item_id,
            kind: self.kind.parse().map_err(|e| corrupt("kind", e))?,
            direction: self
                .direction
                .parse()
                .map_err(|e| corrupt("direction", e))?,
            available_at: self.available_at,
            versions: serde_json::from_str(&self.versions)
                .map_err(|e| corrupt("protocol versions", e))?,
            blobs_removed: digests_json(&self.blobs_removed)?,
            blobs_kept: digests_json(&self.blobs_kept)?,
            rule_id: self.rule_id,
            decision: DisposalDecision {
                reference: self.decision_reference,
                decided_on: self.decided_on,
                body: self.decision_body,
            },
            disposed_at: self.disposed_at,
            disposed_by: self.disposed_by,
            audit_seq: self.audit_seq,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ScheduleRow {
    pub interval_months: i64,
    pub starts_on: NaiveDate,
}

impl ScheduleRow {
    pub(crate) fn to_domain(&self) -> Result<DeliverySchedule, StoreError> {
        let months = u32::try_from(self.interval_months).map_err(|e| corrupt("interval", e))?;
        DeliverySchedule::new(months, self.starts_on).map_err(|e| corrupt("schedule", e))
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct DeliveryRow {
    pub id: i64,
    pub org_id: i64,
    pub period_from: Option<DateTime<Utc>>,
    pub period_to: DateTime<Utc>,
    pub account_id: Option<i64>,
    pub objid: String,
    pub destination: String,
    pub format: String,
    pub records: i64,
    pub files: i64,
    pub bytes: i64,
    pub mets_sha256: String,
    pub records_sha256: String,
    pub validation: String,
    pub delivered_at: DateTime<Utc>,
    pub delivered_by: String,
    pub redelivery_of: Option<i64>,
    pub same_content: Option<bool>,
    pub audit_seq: i64,
}

impl From<DeliveryRow> for Delivery {
    fn from(r: DeliveryRow) -> Self {
        Delivery {
            id: r.id,
            org_id: OrgId(r.org_id),
            period_from: r.period_from,
            period_to: r.period_to,
            account_id: r.account_id.map(AccountId),
            objid: r.objid,
            destination: r.destination,
            format: r.format,
            records: r.records,
            files: r.files,
            bytes: r.bytes,
            mets_sha256: r.mets_sha256,
            records_sha256: r.records_sha256,
            validation: r.validation,
            delivered_at: r.delivered_at,
            delivered_by: r.delivered_by,
            redelivery_of: r.redelivery_of,
            same_content: r.same_content,
            audit_seq: r.audit_seq,
        }
    }
}

/// The digests a version refers to (its raw payload and media).
pub(crate) fn version_blobs(
    raw: Option<&str>,
    media: &str,
) -> Result<Vec<insyn_domain::Sha256Digest>, StoreError> {
    let mut out = digests_json(media)?;
    if let Some(r) = raw {
        out.push(digest(r)?);
    }
    Ok(out)
}

/// Record event kinds whose detail names blobs holding the record's content: evidence copies
/// (PDF and PNG of the item in its thread) and the police-report document of a guided action.
pub(crate) const CONTENT_EVENT_KINDS: &str = "('evidence_stored', 'action_step')";

/// The blobs holding a record's content that one of its events names (`pdf_sha256`,
/// `png_sha256`, `report_sha256`). A platform's answer to a hide or delete is not content and
/// stays. A detail that is not JSON or names no such blob gives none.
pub(crate) fn event_content_blobs(detail: &str) -> Vec<insyn_domain::Sha256Digest> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(detail) else {
        return Vec::new();
    };
    ["pdf_sha256", "png_sha256", "report_sha256"]
        .iter()
        .filter_map(|k| v[*k].as_str()?.parse().ok())
        .collect()
}

#[cfg(test)]
mod content_blob_tests {
    use super::*;

    #[test]
    fn evidence_and_report_blobs_are_found_and_nothing_else() {
        let a = "a".repeat(64);
        let b = "b".repeat(64);
        let detail = serde_json::json!({"pdf_sha256": a, "png_sha256": b, "answer_sha256": "c".repeat(64), "version": 1});
        let found = event_content_blobs(&detail.to_string());
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].to_hex(), a);
        let report = serde_json::json!({"report_sha256": a}).to_string();
        assert_eq!(event_content_blobs(&report).len(), 1);
        assert!(event_content_blobs("not json").is_empty());
        assert!(event_content_blobs(r#"{"pdf_sha256": "short"}"#).is_empty());
    }
}
