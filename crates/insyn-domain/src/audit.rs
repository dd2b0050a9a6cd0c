//! The append-only, hash-chained audit log (R3.2, spårbarhet [E §3]). Each entry carries the hash
//! of the entry before it in the same organisation's chain; changing, removing or reordering any
//! entry breaks every hash after it.
use crate::digest::Sha256Digest;
use crate::ids::OrgId;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The "previous hash" of the first entry of every chain.
pub const GENESIS_HASH: Sha256Digest = Sha256Digest([0u8; 32]);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    OrganisationCreated,
    UnitCreated,
    AccountCreated,
    AccountStatusChanged,
    AccountPlatformIdSet,
    AccountConnected,
    CaptureAlertRaised,
    RecordCaptured,
    RecordEdited,
    RecordDeletionSeen,
    RecordClassified,
    RecordViewed,
    ApiTokenCreated,
    BlobStored,
    /// An archive package was built, checked and delivered (the delivery log).
    PackageExported,
    UserCreated,
    UserAccessChanged,
    UserStatusChanged,
    UserPasswordSet,
    ExternalIdentityLinked,
    SignedIn,
    SignedOut,
    SignInFailed,
    /// An inbox item's handling changed (state, assignee, answer).
    RecordHandlingChanged,
    /// An answer was published on the platform (or found to need manual publishing).
    AnswerPublished,
    /// The organisation's working-time calendar (extra days off, eves) changed.
    CalendarChanged,
    /// A disposal rule (bound to a disposal decision) was added.
    DisposalRuleAdded,
    /// A legal hold was set or lifted.
    LegalHoldSet,
    LegalHoldLifted,
    /// A crisis period was marked (its records are kept from disposal, R9.3).
    CrisisPeriodMarked,
    /// A person decided that R9.3's protection does not apply to a record.
    DisposalProtectionOverridden,
    /// A record's content was disposed of under a rule (the protocol holds what).
    RecordDisposed,
    /// The delivery schedule changed.
    DeliveryScheduleSet,
    /// A request for public records came in (issue 6).
    RequestReceived,
    /// A request was assigned, extended, linked to a record or withdrawn.
    RequestChanged,
    /// A request was decided: released whole, released masked or refused.
    RequestDecided,
    /// The organisation's release policy for the public portal changed.
    ReleasePolicyChanged,
    /// The diary's number format or registers changed (R6).
    DiarySettingsChanged,
    /// A case was opened in the diary.
    DiaryCaseOpened,
    /// A record was registered as a document in a case.
    DiaryDocumentRegistered,
    /// A case was closed or opened again.
    DiaryCaseStatusChanged,
    /// A registration was exported (by e-mail or as a file for a case system).
    DiaryExported,
    /// An e-mail was queued, sent, or refused for good by the mail server.
    MailQueued,
    MailSent,
    MailFailed,
    /// An evidence copy of a record was stored (R5.3).
    EvidenceStored,
    /// A record was hidden, shown again or removed on the platform (R5.3).
    RecordModerated,
    /// A step of a guided action was done (R5.3).
    ActionStepDone,
    /// Automatic hiding failed; the item was flagged for staff.
    RecordFlagged,
    /// An account's automatic hiding settings changed (issue 4 item 4).
    AutoHideChanged,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::OrganisationCreated => "organisation_created",
            AuditAction::UnitCreated => "unit_created",
            AuditAction::AccountCreated => "account_created",
            AuditAction::AccountStatusChanged => "account_status_changed",
            AuditAction::AccountPlatformIdSet => "account_platform_id_set",
            AuditAction::AccountConnected => "account_connected",
            AuditAction::CaptureAlertRaised => "capture_alert_raised",
            AuditAction::RecordCaptured => "record_captured",
            AuditAction::RecordEdited => "record_edited",
            AuditAction::RecordDeletionSeen => "record_deletion_seen",
            AuditAction::RecordClassified => "record_classified",
            AuditAction::RecordViewed => "record_viewed",
            AuditAction::ApiTokenCreated => "api_token_created",
            AuditAction::BlobStored => "blob_stored",
            AuditAction::PackageExported => "package_exported",
            AuditAction::UserCreated => "user_created",
            AuditAction::UserAccessChanged => "user_access_changed",
            AuditAction::UserStatusChanged => "user_status_changed",
            AuditAction::DisposalRuleAdded => "disposal_rule_added",
            AuditAction::LegalHoldSet => "legal_hold_set",
            AuditAction::LegalHoldLifted => "legal_hold_lifted",
            AuditAction::CrisisPeriodMarked => "crisis_period_marked",
            AuditAction::DisposalProtectionOverridden => "disposal_protection_overridden",
            AuditAction::RecordDisposed => "record_disposed",
            AuditAction::DeliveryScheduleSet => "delivery_schedule_set",
            AuditAction::UserPasswordSet => "user_password_set",
            AuditAction::ExternalIdentityLinked => "external_identity_linked",
            AuditAction::SignedIn => "signed_in",
            AuditAction::SignedOut => "signed_out",
            AuditAction::SignInFailed => "sign_in_failed",
            AuditAction::RecordHandlingChanged => "record_handling_changed",
            AuditAction::AnswerPublished => "answer_published",
            AuditAction::CalendarChanged => "calendar_changed",
            AuditAction::RequestReceived => "request_received",
            AuditAction::RequestChanged => "request_changed",
            AuditAction::RequestDecided => "request_decided",
            AuditAction::ReleasePolicyChanged => "release_policy_changed",
            AuditAction::DiarySettingsChanged => "diary_settings_changed",
            AuditAction::DiaryCaseOpened => "diary_case_opened",
            AuditAction::DiaryDocumentRegistered => "diary_document_registered",
            AuditAction::DiaryCaseStatusChanged => "diary_case_status_changed",
            AuditAction::DiaryExported => "diary_exported",
            AuditAction::MailQueued => "mail_queued",
            AuditAction::MailSent => "mail_sent",
            AuditAction::MailFailed => "mail_failed",
            AuditAction::EvidenceStored => "evidence_stored",
            AuditAction::RecordModerated => "record_moderated",
            AuditAction::ActionStepDone => "action_step_done",
            AuditAction::RecordFlagged => "record_flagged",
            AuditAction::AutoHideChanged => "auto_hide_changed",
        }
    }
}

/// An entry before the store gives it a place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    pub org_id: OrgId,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: AuditAction,
    /// What the entry is about, e.g. "record:42", "version:42/2", "account:3".
    pub subject: String,
    /// The digest of the content the entry vouches for (a record version's content), if any.
    pub digest: Option<Sha256Digest>,
    /// Details as compact JSON text; hashed exactly as stored.
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position in the organisation's chain, from 1.
    pub seq: i64,
    pub org_id: OrgId,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub digest: Option<Sha256Digest>,
    pub detail: String,
    pub prev_hash: Sha256Digest,
    pub hash: Sha256Digest,
}

/// Canonical time text used inside the hash: RFC 3339, microseconds, `Z`.
pub fn canonical_time(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Truncate to what both databases store exactly (microseconds), so the hash computed before the
/// write equals the one recomputed after reading it back.
pub fn to_stored_precision(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at)
}

/// The hash of an entry given its place and its predecessor's hash.
#[allow(clippy::too_many_arguments)]
pub fn entry_hash(
    prev: &Sha256Digest,
    seq: i64,
    org_id: OrgId,
    at: &DateTime<Utc>,
    actor: &str,
    action: &str,
    subject: &str,
    digest: Option<&Sha256Digest>,
    detail: &str,
) -> Sha256Digest {
    let mut h = Sha256::new();
    h.update(b"insyn-audit-v1\0");
    h.update(prev.0);
    h.update(seq.to_be_bytes());
    h.update(org_id.0.to_be_bytes());
    let time = canonical_time(at);
    let digest_hex = digest.map(|d| d.to_hex()).unwrap_or_default();
    for field in [
        time.as_str(),
        actor,
        action,
        subject,
        digest_hex.as_str(),
        detail,
    ] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    Sha256Digest(h.finalize().into())
}

impl NewAuditEntry {
    /// Place the entry after `prev` (seq and hash of the chain's head).
    pub fn seal(self, prev_seq: i64, prev_hash: Sha256Digest) -> AuditEntry {
        let seq = prev_seq + 1;
        let at = to_stored_precision(self.at);
        let action = self.action.as_str().to_string();
        let hash = entry_hash(
            &prev_hash,
            seq,
            self.org_id,
            &at,
            &self.actor,
            &action,
            &self.subject,
            self.digest.as_ref(),
            &self.detail,
        );
        AuditEntry {
            seq,
            org_id: self.org_id,
            at,
            actor: self.actor,
            action,
            subject: self.subject,
            digest: self.digest,
            detail: self.detail,
            prev_hash,
            hash,
        }
    }
}

/// Why a chain does not verify, naming the first entry that fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("audit entry {seq} of organisation {org}: expected sequence number {expected}")]
    Gap { org: OrgId, seq: i64, expected: i64 },
    #[error("audit entry {seq} of organisation {org}: does not point at the entry before it")]
    BadLink { org: OrgId, seq: i64 },
    #[error("audit entry {seq} of organisation {org}: its content does not match its hash")]
    BadHash { org: OrgId, seq: i64 },
}

/// Walks one organisation's chain in sequence order.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    org: OrgId,
    last_seq: i64,
    last_hash: Sha256Digest,
}

impl ChainVerifier {
    pub fn new(org: OrgId) -> Self {
        ChainVerifier {
            org,
            last_seq: 0,
            last_hash: GENESIS_HASH,
        }
    }

    pub fn check(&mut self, e: &AuditEntry) -> Result<(), ChainBreak> {
        let org = self.org;
        if e.seq != self.last_seq + 1 || e.org_id != org {
            return Err(ChainBreak::Gap {
                org,
                seq: e.seq,
                expected: self.last_seq + 1,
            });
        }
        if e.prev_hash != self.last_hash {
            return Err(ChainBreak::BadLink { org, seq: e.seq });
        }
        let recomputed = entry_hash(
            &e.prev_hash,
            e.seq,
            e.org_id,
            &e.at,
            &e.actor,
            &e.action,
            &e.subject,
            e.digest.as_ref(),
            &e.detail,
        );
        if recomputed != e.hash {
            return Err(ChainBreak::BadHash { org, seq: e.seq });
        }
        self.last_seq = e.seq;
        self.last_hash = e.hash;
        Ok(())
    }

    pub fn head(&self) -> (i64, Sha256Digest) {
        (self.last_seq, self.last_hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn entry(n: u8) -> NewAuditEntry {
        NewAuditEntry {
            org_id: OrgId(1),
            at: DateTime::from_timestamp(1_700_000_000 + n as i64, 123_456_789).unwrap(),
            actor: "system".into(),
            action: AuditAction::RecordCaptured,
            subject: format!("record:{n}"),
            digest: Some(Sha256Digest::of(&[n])),
            detail: "{}".into(),
        }
    }

    fn chain(n: u8) -> Vec<AuditEntry> {
        let mut out: Vec<AuditEntry> = Vec::new();
        for i in 0..n {
            let (seq, hash) = out
                .last()
                .map(|e| (e.seq, e.hash))
                .unwrap_or((0, GENESIS_HASH));
            out.push(entry(i).seal(seq, hash));
        }
        out
    }

    #[test]
    fn sealed_chain_verifies() {
        let mut v = ChainVerifier::new(OrgId(1));
        for e in chain(10) {
            v.check(&e).unwrap();
        }
        assert_eq!(v.head().0, 10);
    }

    proptest! {
        #[test]
        fn any_change_is_caught(len in 2u8..20, pick in 0usize..100, what in 0u8..5) {
            let mut entries = chain(len);
            let i = pick % entries.len();
            match what {
                0 => entries[i].actor.push('x'),
                1 => entries[i].detail = "{\"x\":1}".into(),
                2 => entries[i].at += chrono::Duration::microseconds(1),
                3 => entries[i].subject.push('0'),
                _ => { entries.remove(i); }
            }
            let mut v = ChainVerifier::new(OrgId(1));
            let failed = entries.iter().any(|e| v.check(e).is_err());
            // removing the last entry leaves a valid, shorter chain: only the head tells
            let removed_last = what >= 4 && i == len as usize - 1;
            prop_assert!(failed || removed_last);
        }
    }
}
