//! The records store: one interface ([`Store`]) with two real backends, SQLite (the embedded
//! default) and PostgreSQL (scale-out). Both run the same logical schema (`migrations/sqlite`,
//! `migrations/postgres`) and the same conformance suite (`tests/conformance.rs`).
//!
//! Every read and write is scoped by organisation: there is no method that returns another
//! tenant's rows, except the few marked *admin*, which the indexer, `verify` and `backup` use.
//!
//! Evidence is append-only. Record versions, record events and the audit log refuse `UPDATE` and
//! `DELETE` in the database itself (triggers); a record's row carries only pointers to its newest
//! version and the time a deletion was seen.

mod build_thread;
mod checkpoint;
mod common;
mod diary;
mod disposal_rows;
mod error;
pub mod postgres;
mod requests;
mod rows;
pub mod sqlite;
mod types;
mod users;
mod write_tx;

pub use diary::{CaseFilter, MailFilter, RegisterEntry};
pub use error::StoreError;
pub use insyn_domain::SearchDoc;
pub use requests::{ChangeEffects, RequestFilter};
pub use types::*;
pub use users::{StoredSession, UserCredentials};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use insyn_domain::{
    Account, AccountId, AccountStatus, AlertLevel, AuditEntry, CaptureAlert, CaptureItem,
    Classification, ConnectionHealth, Finding, NewAccount, NewOrganisation, NewUnit, OrgId,
    Organisation, Record, RecordEvent, RecordId, RecordVersion, ScreeningTask, Sha256Digest, Unit,
};
use std::sync::Arc;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// "sqlite" or "postgres".
    fn backend(&self) -> &'static str;

    /// Checks that the database answers.
    async fn ping(&self) -> Result<()>;

    // --- organisations and units ---
    async fn create_organisation(&self, new: &NewOrganisation, actor: &str)
    -> Result<Organisation>;
    async fn organisation_by_slug(&self, slug: &str) -> Result<Organisation>;
    /// Admin: every organisation (used by `verify`, `reindex` and the CLI).
    async fn list_organisations(&self) -> Result<Vec<Organisation>>;
    async fn create_unit(&self, org: OrgId, new: &NewUnit, actor: &str) -> Result<Unit>;
    async fn list_units(&self, org: OrgId) -> Result<Vec<Unit>>;

    // --- accounts ---
    async fn create_account(&self, org: OrgId, new: &NewAccount, actor: &str) -> Result<Account>;
    async fn get_account(&self, org: OrgId, id: AccountId) -> Result<Account>;
    async fn list_accounts(&self, org: OrgId) -> Result<Vec<Account>>;
    async fn set_account_status(
        &self,
        org: OrgId,
        id: AccountId,
        to: AccountStatus,
        at: DateTime<Utc>,
        actor: &str,
    ) -> Result<Account>;

    /// Records the platform's own id of the account (found when a connector first verifies it).
    async fn set_account_platform_id(
        &self,
        org: OrgId,
        id: AccountId,
        platform_id: &str,
        actor: &str,
    ) -> Result<Account>;

    // --- connections (R2.3, R2.5) ---
    /// Connects (or reconnects) an account: the sealed token, the base URL and its health.
    async fn save_connection(
        &self,
        org: OrgId,
        account: AccountId,
        base_url: &str,
        sealed_token: &[u8],
        health: &ConnectionHealth,
        actor: &str,
    ) -> Result<()>;
    async fn connection(&self, org: OrgId, account: AccountId) -> Result<Option<StoredConnection>>;
    /// Every connected account of the organisation with its health.
    async fn connections(&self, org: OrgId) -> Result<Vec<StoredConnection>>;
    /// The outcome of a capture attempt: the health and where a pass goes on.
    async fn save_capture_state(
        &self,
        org: OrgId,
        account: AccountId,
        health: &ConnectionHealth,
        cursor: Option<&str>,
    ) -> Result<()>;
    /// Accounts whose next capture is due at `now`, across organisations, soonest first.
    async fn due_connections(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<(OrgId, AccountId)>>;
    /// Stores an alert about a failing account (append-only, audited) with the health that
    /// remembers it was sent.
    async fn raise_capture_alert(
        &self,
        org: OrgId,
        account: AccountId,
        level: AlertLevel,
        message: &str,
        health: &ConnectionHealth,
    ) -> Result<CaptureAlert>;
    /// Alerts of the organisation (or one account), newest first.
    async fn capture_alerts(
        &self,
        org: OrgId,
        account: Option<AccountId>,
        limit: i64,
    ) -> Result<Vec<CaptureAlert>>;

    // --- records ---
    /// Stores a batch of observations in one transaction: new items become records, changed
    /// content becomes a new version, unchanged items change nothing (idempotent).
    async fn capture(
        &self,
        org: OrgId,
        items: &[CaptureItem],
        actor: &str,
    ) -> Result<CaptureOutcome>;
    /// As [`Store::capture`], for bulk loads whose caller indexes the new records itself from the
    /// items it holds: the new records are named in one search backfill entry
    /// ([`CaptureOutcome::search_backfill`]) instead of one outbox entry each; edits still go
    /// through the outbox. The caller applies the new records' docs with watermark 0 and then
    /// removes the entry; an entry left behind (a crash, or an index held by another process) is
    /// applied from the store by the next indexer run. Likewise the new received records wait
    /// for screening as one bulk batch ([`insyn_domain::ScreeningQueued::BulkBatch`]) instead of
    /// one queue entry each. The items are shared so that a chunk's statements can be built on
    /// another thread while the chunk before it is written.
    async fn capture_bulk(
        &self,
        org: OrgId,
        items: std::sync::Arc<[CaptureItem]>,
        actor: &str,
    ) -> Result<CaptureOutcome>;
    /// Records positive evidence that the item was deleted on the platform.
    async fn record_deletion_seen(
        &self,
        org: OrgId,
        id: RecordId,
        seen_at: DateTime<Utc>,
        evidence: &str,
        actor: &str,
    ) -> Result<Record>;
    /// Records many deletions seen in one transaction (a poll or an import that saw them
    /// together). Records already marked deleted are left as they are; an id outside the
    /// organisation fails the whole batch. Returns how many records were newly marked.
    async fn record_deletions_seen(
        &self,
        org: OrgId,
        seen: &[DeletionSeen],
        actor: &str,
    ) -> Result<u64>;
    async fn classify(
        &self,
        org: OrgId,
        id: RecordId,
        to: Classification,
        reason: &str,
        actor: &str,
    ) -> Result<Record>;
    async fn get_record(&self, org: OrgId, id: RecordId) -> Result<Record>;
    /// The record an account's platform item became, if it was captured.
    async fn find_record(
        &self,
        org: OrgId,
        account: AccountId,
        platform_item_id: &str,
    ) -> Result<Option<Record>>;
    async fn get_records(&self, org: OrgId, ids: &[RecordId]) -> Result<Vec<Record>>;
    async fn record_versions(&self, org: OrgId, id: RecordId) -> Result<Vec<RecordVersion>>;
    async fn record_events(&self, org: OrgId, id: RecordId) -> Result<Vec<RecordEvent>>;
    async fn list_records(&self, org: OrgId, filter: &RecordFilter) -> Result<Vec<Record>>;
    async fn count_records(&self, org: OrgId) -> Result<i64>;

    // --- screening ---
    /// Admin: received versions waiting to be screened, at most `limit`: queue entries oldest
    /// first, then the first versions of bulk batches in record id order.
    async fn screening_queue(&self, limit: i64) -> Result<Vec<ScreeningTask>>;
    /// Stores the findings of screened tasks, a `screened` event per task, and removes the tasks
    /// from the queue, in one transaction.
    async fn save_screening(
        &self,
        tasks: &[ScreeningTask],
        findings: &[Finding],
        actor: &str,
    ) -> Result<()>;
    async fn record_findings(&self, org: OrgId, id: RecordId) -> Result<Vec<Finding>>;

    // --- blobs (the catalogue; the bytes live in the blob store) ---
    async fn register_blobs(&self, blobs: &[BlobMeta]) -> Result<()>;
    /// Admin: the catalogue in digest order, after `after`.
    async fn list_blobs(&self, after: Option<Sha256Digest>, limit: i64) -> Result<Vec<BlobMeta>>;

    // --- audit ---
    /// Appends one entry to the organisation's chain (for actions outside the methods above,
    /// e.g. a staff member viewing a record).
    async fn append_audit(&self, entry: insyn_domain::NewAuditEntry) -> Result<AuditEntry>;
    /// The organisation's chain in order, after `after_seq`.
    async fn audit_entries(
        &self,
        org: OrgId,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<AuditEntry>>;
    async fn audit_head(&self, org: OrgId) -> Result<(i64, Sha256Digest)>;
    /// Admin: versions in id order with the digest their audit entry vouches for.
    async fn versions_for_verify(&self, after_id: i64, limit: i64) -> Result<Vec<VersionCheck>>;

    // --- API tokens ---
    async fn create_api_token(
        &self,
        org: OrgId,
        name: &str,
        token_sha256: &Sha256Digest,
        actor: &str,
    ) -> Result<()>;
    async fn organisation_by_token(&self, token_sha256: &Sha256Digest) -> Result<Organisation>;

    // --- search feed (admin: the indexer) ---
    /// Outbox entries after `after` in id order, as search documents (several entries may name
    /// one record). Entries are removed only by [`Store::remove_from_search_outbox`], so an entry
    /// whose transaction commits late (with a smaller id) is still read by the next call.
    async fn search_outbox(&self, after: i64, limit: i64) -> Result<OutboxBatch>;
    /// Removes applied outbox entries.
    async fn remove_from_search_outbox(&self, ids: &[i64]) -> Result<()>;
    /// Makes every later outbox entry's id greater than `watermark` (the highest id the index has
    /// applied), so the index never takes a new entry for an old one.
    async fn search_outbox_ids_after(&self, watermark: i64) -> Result<()>;
    /// Every record as a search document in id order after `after` (rebuilding the index).
    async fn search_docs_after(&self, after: RecordId, limit: i64) -> Result<Vec<SearchDoc>>;
    /// Search backfill entries written by [`Store::capture_bulk`], oldest first.
    async fn search_backfills(&self, limit: i64) -> Result<Vec<SearchBackfill>>;
    /// Removes applied search backfill entries.
    async fn remove_search_backfills(&self, ids: &[i64]) -> Result<()>;

    // --- operations ---
    /// Writes a consistent copy of the whole database to `path` (SQLite only).
    async fn snapshot_to(&self, path: &std::path::Path) -> Result<()>;
    /// Copies the access log to `path` when it is a file of its own (SQLite); `false` when it
    /// is in the main database (PostgreSQL, where pg_dump takes it).
    async fn snapshot_access_to(&self, path: &std::path::Path) -> Result<bool>;

    // --- staff users (issue 5) ---
    /// Creates a user with roles and account permissions (accounts must be the organisation's).
    async fn create_user(
        &self,
        org: OrgId,
        new: &insyn_domain::NewUser,
        password_hash: Option<&str>,
        actor: &str,
    ) -> Result<insyn_domain::StaffUser>;
    async fn get_user(
        &self,
        org: OrgId,
        id: insyn_domain::UserId,
    ) -> Result<insyn_domain::StaffUser>;
    /// The user with this e-mail (any case) in the organisation, with the password hash.
    async fn user_credentials(&self, org: OrgId, email: &str) -> Result<UserCredentials>;
    async fn list_users(&self, org: OrgId) -> Result<Vec<insyn_domain::StaffUser>>;
    async fn set_user_password(
        &self,
        org: OrgId,
        id: insyn_domain::UserId,
        password_hash: &str,
        actor: &str,
    ) -> Result<()>;
    /// Replaces the user's roles and account permissions.
    async fn set_user_access(
        &self,
        org: OrgId,
        id: insyn_domain::UserId,
        roles: &[insyn_domain::Role],
        accounts: &[insyn_domain::AccountGrant],
        actor: &str,
    ) -> Result<insyn_domain::StaffUser>;
    /// Enables or disables a user; disabling also ends the user's sessions.
    async fn set_user_status(
        &self,
        org: OrgId,
        id: insyn_domain::UserId,
        status: insyn_domain::UserStatus,
        actor: &str,
    ) -> Result<insyn_domain::StaffUser>;
    /// Binds an identity provider's subject to a user (once; a second binding is a conflict).
    async fn link_external_identity(
        &self,
        org: OrgId,
        issuer: &str,
        subject: &str,
        user: insyn_domain::UserId,
        actor: &str,
    ) -> Result<()>;
    async fn user_by_external_identity(
        &self,
        org: OrgId,
        issuer: &str,
        subject: &str,
    ) -> Result<insyn_domain::StaffUser>;
    /// Notes a sign-in attempt for throttling.
    async fn record_login_attempt(
        &self,
        org: OrgId,
        email: &str,
        at: DateTime<Utc>,
        success: bool,
    ) -> Result<()>;
    /// Failed attempts for the e-mail since `since`, counting only those after the last success.
    async fn failed_logins_since(
        &self,
        org: OrgId,
        email: &str,
        since: DateTime<Utc>,
    ) -> Result<i64>;

    // --- sessions ---
    /// Inserts a new session; `false` if the id is taken (the caller picks another).
    async fn create_session(&self, session: &StoredSession) -> Result<bool>;
    /// Inserts or replaces a session.
    async fn save_session(&self, session: &StoredSession) -> Result<()>;
    /// The session if it exists and has not expired at `now`.
    async fn load_session(
        &self,
        id_sha256: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<StoredSession>>;
    async fn delete_session(&self, id_sha256: &str) -> Result<()>;
    /// Removes expired sessions and sign-in attempts older than `attempts_before`; returns the
    /// number of sessions removed.
    async fn purge_sessions(
        &self,
        now: DateTime<Utc>,
        attempts_before: DateTime<Utc>,
    ) -> Result<u64>;
    /// Ends every session of the user (signed out everywhere).
    async fn delete_user_sessions(&self, org: OrgId, user: insyn_domain::UserId) -> Result<u64>;
    // --- screening, again ---
    /// Admin: queues the newest version of every received record (every organisation) for
    /// screening again, e.g. after the rules changed; a version already waiting is not queued
    /// twice. Findings stay append-only: the next [`Store::save_screening`] adds a new
    /// `screened` event and the new findings beside the old ones. Returns how many were queued.
    async fn queue_all_for_screening(&self) -> Result<u64>;

    // --- inbox (issue 5, item 3) ---
    /// Received records of these accounts with their handling, oldest first: only the open ones
    /// (new or assigned) when `open_only`, else every received record. At most `limit`.
    async fn inbox_items(
        &self,
        org: OrgId,
        accounts: &[AccountId],
        open_only: bool,
        limit: i64,
    ) -> Result<Vec<(Record, insyn_domain::Handling)>>;
    /// The current handling of a record (untouched: state new, if nobody has changed it).
    async fn handling(&self, org: OrgId, id: RecordId) -> Result<insyn_domain::Handling>;
    /// Changes a received record's handling: the current row, a `handling_changed` record event
    /// and an audit entry, in one transaction. The assignee must be a user of the organisation
    /// and the answer a record of the organisation.
    async fn change_handling(
        &self,
        org: OrgId,
        id: RecordId,
        change: &insyn_domain::HandlingChange,
        actor: &str,
    ) -> Result<insyn_domain::Handling>;
    /// The organisation's working-time calendar rules as stored (JSON), if set.
    async fn organisation_calendar(&self, org: OrgId) -> Result<Option<String>>;
    /// Replaces the organisation's working-time calendar rules (JSON), audited.
    async fn set_organisation_calendar(
        &self,
        org: OrgId,
        rules_json: &str,
        actor: &str,
    ) -> Result<()>;
    // --- requests for public records (issue 6) ---
    /// Files a request: gives it the next number of the organisation and year, stores the hash
    /// of its receipt token, writes its first event and an audit entry.
    async fn create_request(
        &self,
        org: OrgId,
        new: &insyn_domain::NewRequest,
        due_on: chrono::NaiveDate,
        token_sha256: &str,
        actor: &str,
    ) -> Result<insyn_domain::RecordRequest>;
    async fn get_request(
        &self,
        org: OrgId,
        id: insyn_domain::RequestId,
    ) -> Result<insyn_domain::RecordRequest>;
    /// The request whose receipt token hashes to `token_sha256`.
    async fn request_by_token(
        &self,
        org: OrgId,
        token_sha256: &str,
    ) -> Result<insyn_domain::RecordRequest>;
    async fn list_requests(
        &self,
        org: OrgId,
        filter: &RequestFilter,
    ) -> Result<Vec<insyn_domain::RecordRequest>>;
    /// Applies a change (the domain's `transition` decides whether it is allowed) and writes the
    /// new state, an event, an audit entry, and the effects (withheld log, outbox message), all
    /// in one transaction.
    async fn change_request(
        &self,
        org: OrgId,
        id: insyn_domain::RequestId,
        change: &insyn_domain::RequestChange,
        effects: &ChangeEffects,
        actor: &str,
    ) -> Result<insyn_domain::RecordRequest>;
    async fn request_events(
        &self,
        org: OrgId,
        id: insyn_domain::RequestId,
    ) -> Result<Vec<insyn_domain::RequestEvent>>;
    async fn request_withheld(
        &self,
        org: OrgId,
        id: insyn_domain::RequestId,
    ) -> Result<Vec<insyn_domain::Withheld>>;
    /// Messages queued for requesters, oldest first (`unsent_only`: not yet sent).
    async fn request_outbox(
        &self,
        org: OrgId,
        unsent_only: bool,
        limit: i64,
    ) -> Result<Vec<insyn_domain::OutboxMessage>>;

    // --- public portal (issue 6) ---
    /// The organisation's release policy as stored (JSON), if set.
    async fn release_policy(&self, org: OrgId) -> Result<Option<String>>;
    /// Replaces the organisation's release policy (JSON object), audited.
    async fn set_release_policy(&self, org: OrgId, policy_json: &str, actor: &str) -> Result<()>;
    /// Unassessed records without a deletion seen that nobody has classified yet (a record a
    /// person withdrew is never a candidate again), in id order after `after`, with what the
    /// release policy needs to decide on them. At most `limit` (1 to 5,000).
    async fn release_candidates(
        &self,
        org: OrgId,
        after: RecordId,
        limit: i64,
    ) -> Result<Vec<ReleaseCandidate>>;
    /// Records per account and direction (every classification), for the register page.
    async fn record_counts(&self, org: OrgId) -> Result<Vec<RecordCount>>;
    /// The records with these platform ids on these accounts (thread starters for search
    /// results), in no particular order; unknown keys are left out.
    async fn records_by_platform_ids(
        &self,
        org: OrgId,
        keys: &[(AccountId, String)],
    ) -> Result<Vec<Record>>;
    /// Classifies many records in one transaction (the release sweep): for each record whose
    /// classification is still `from`, the new classification, a `classified` event and an audit
    /// entry; the others are left alone. Returns the records changed.
    async fn classify_batch(
        &self,
        org: OrgId,
        ids: &[RecordId],
        from: Classification,
        to: Classification,
        reason: &str,
        actor: &str,
    ) -> Result<Vec<RecordId>>;

    // --- disposal (issue 7, R9) ---
    /// Adds a disposal rule bound to its decision (validated; the account must be the
    /// organisation's), audited.
    async fn add_disposal_rule(
        &self,
        org: OrgId,
        new: &insyn_domain::NewDisposalRule,
        actor: &str,
    ) -> Result<insyn_domain::DisposalRule>;
    async fn disposal_rules(&self, org: OrgId) -> Result<Vec<insyn_domain::DisposalRule>>;
    /// Sets a legal hold on a record, thread or account (which must be the organisation's),
    /// audited.
    async fn set_legal_hold(
        &self,
        org: OrgId,
        scope: &insyn_domain::HoldScope,
        reason: &str,
        actor: &str,
    ) -> Result<insyn_domain::LegalHold>;
    /// Lifts an active hold (it stays listed with who lifted it, when and why), audited.
    async fn lift_legal_hold(
        &self,
        org: OrgId,
        id: i64,
        reason: &str,
        actor: &str,
    ) -> Result<insyn_domain::LegalHold>;
    /// Holds in id order; lifted ones too when `include_lifted`.
    async fn legal_holds(
        &self,
        org: OrgId,
        include_lifted: bool,
    ) -> Result<Vec<insyn_domain::LegalHold>>;
    /// Marks a crisis period (R9.3), audited.
    async fn mark_crisis_period(
        &self,
        org: OrgId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        reason: &str,
        actor: &str,
    ) -> Result<insyn_domain::CrisisPeriod>;
    async fn crisis_periods(&self, org: OrgId) -> Result<Vec<insyn_domain::CrisisPeriod>>;
    /// A person's decision that R9.3's protection does not apply to this record, audited.
    async fn override_disposal_protection(
        &self,
        org: OrgId,
        record: RecordId,
        reason: &str,
        actor: &str,
    ) -> Result<()>;
    /// Records not yet disposed of, in id order after `after`, with what disposal must know:
    /// archived (in a delivered package covering its account and time, delivered after its
    /// newest version), in a crisis period, the last capture of a closed account, overridden.
    async fn disposal_facts(
        &self,
        org: OrgId,
        after: RecordId,
        limit: i64,
    ) -> Result<Vec<insyn_domain::DisposalFacts>>;
    /// Disposes of records in one transaction: per record a protocol entry, its versions'
    /// content emptied (text, author, media, raw payload), a `disposed` event, an audit entry,
    /// and its search document queued for removal. Blobs that no remaining record refers to
    /// leave the catalogue (noted as disposed); the caller removes their bytes after this returns.
    async fn dispose(
        &self,
        org: OrgId,
        orders: &[insyn_domain::DisposalOrder],
        actor: &str,
    ) -> Result<DisposalOutcome>;
    /// The disposal protocol in id order after `after`.
    async fn disposal_protocol(
        &self,
        org: OrgId,
        after: i64,
        limit: i64,
    ) -> Result<Vec<insyn_domain::ProtocolEntry>>;
    /// Admin: blobs disposed of under the protocol, in digest order after `after`.
    async fn disposed_blobs(
        &self,
        after: Option<Sha256Digest>,
        limit: i64,
    ) -> Result<Vec<Sha256Digest>>;

    // --- deliveries (issue 7, R8.1, R8.3) ---
    /// Sets the organisation's delivery schedule, audited.
    async fn set_delivery_schedule(
        &self,
        org: OrgId,
        schedule: &insyn_domain::DeliverySchedule,
        actor: &str,
    ) -> Result<()>;
    async fn delivery_schedule(&self, org: OrgId)
    -> Result<Option<insyn_domain::DeliverySchedule>>;
    /// Logs a delivered package (and its `package_exported` audit entry) in one transaction. A
    /// delivery of a selection delivered before is logged as a re-delivery of the first, with
    /// whether its records are the same.
    async fn log_delivery(
        &self,
        org: OrgId,
        new: &NewDelivery,
        actor: &str,
    ) -> Result<insyn_domain::Delivery>;
    /// The delivery log, oldest first.
    async fn deliveries(&self, org: OrgId) -> Result<Vec<insyn_domain::Delivery>>;

    // --- the diary (issue 5 item 5, R6) ---
    /// The number format and registers (the organisation's diary prefix is the default register).
    async fn diary_settings(&self, org: OrgId) -> Result<insyn_domain::DiarySettings>;
    /// Replaces the number format, audited.
    async fn set_diary_format(
        &self,
        org: OrgId,
        format: &insyn_domain::NumberFormat,
        actor: &str,
    ) -> Result<()>;
    /// Adds a register (a code not in use), audited.
    async fn add_diary_register(
        &self,
        org: OrgId,
        code: &str,
        name: &str,
        actor: &str,
    ) -> Result<insyn_domain::Register>;
    /// Registers a record of the organisation as the next document of a case: a new case gets
    /// the next number of its register and year (no gaps, no repeats, also under concurrency) or
    /// the manual number typed (refused if it exists). Writes the document, a `registered`
    /// record event and audit entries in one transaction. A record is registered once.
    async fn register_record(
        &self,
        org: OrgId,
        registration: &insyn_domain::NewRegistration,
        actor: &str,
    ) -> Result<(insyn_domain::DiaryCase, insyn_domain::DiaryDocument)>;
    async fn get_case(
        &self,
        org: OrgId,
        id: insyn_domain::CaseId,
    ) -> Result<insyn_domain::DiaryCase>;
    /// The case with this register, year and sequence number.
    async fn case_by_number(
        &self,
        org: OrgId,
        register: &str,
        year: i32,
        seq: i64,
    ) -> Result<insyn_domain::DiaryCase>;
    async fn list_cases(
        &self,
        org: OrgId,
        filter: &CaseFilter,
    ) -> Result<Vec<insyn_domain::DiaryCase>>;
    /// The documents of a case in number order.
    async fn case_documents(
        &self,
        org: OrgId,
        id: insyn_domain::CaseId,
    ) -> Result<Vec<insyn_domain::DiaryDocument>>;
    /// The registrations of these records (records not registered are left out).
    async fn record_registrations(
        &self,
        org: OrgId,
        ids: &[RecordId],
    ) -> Result<Vec<insyn_domain::DiaryDocument>>;
    /// Opens or closes a case, audited.
    async fn set_case_status(
        &self,
        org: OrgId,
        id: insyn_domain::CaseId,
        status: insyn_domain::CaseStatus,
        actor: &str,
    ) -> Result<insyn_domain::DiaryCase>;

    // --- the e-mail outbox ---
    /// Queues a message (checked: one plain address, a one-line subject), audited.
    async fn queue_mail(
        &self,
        org: OrgId,
        mail: &insyn_domain::NewMail,
        actor: &str,
    ) -> Result<insyn_domain::MailMessage>;
    /// Admin (the sender): queued messages due at `now` that no other sender holds, across
    /// organisations, oldest due first; each is held until `lease_until` and its attempt counted.
    async fn claim_due_mail(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<insyn_domain::MailMessage>>;
    /// Admin (the sender): the message was accepted by the mail server; a request outbox entry
    /// it carries is marked sent too. Audited.
    async fn mail_sent(&self, id: i64, at: DateTime<Utc>) -> Result<()>;
    /// Admin (the sender): the attempt failed; tried again at `retry_at`, or (None) failed for
    /// good, audited.
    async fn mail_attempt_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<()>;
    /// Messages of the organisation, newest first (attachments named, their content left out).
    async fn mail_outbox(
        &self,
        org: OrgId,
        filter: &MailFilter,
    ) -> Result<Vec<insyn_domain::MailMessage>>;

    // --- guided actions and automatic hiding (issue 5 item 4, issue 4 item 4) ---
    /// Appends one event to the organisation's record together with its audit entry (subject
    /// `record:{id}`, the event's detail, `digest`), in one transaction: evidence copies,
    /// moderation on the platform, steps of guided actions, flags for staff.
    #[allow(clippy::too_many_arguments)]
    async fn append_record_event(
        &self,
        org: OrgId,
        id: RecordId,
        kind: insyn_domain::RecordEventKind,
        detail: &serde_json::Value,
        action: insyn_domain::AuditAction,
        digest: Option<Sha256Digest>,
        actor: &str,
    ) -> Result<RecordEvent>;
    /// Replaces the account's automatic-hiding categories (empty: off) and audits the change.
    /// Returns the categories now set, sorted.
    async fn set_auto_hide(
        &self,
        org: OrgId,
        account: AccountId,
        categories: &[String],
        actor: &str,
    ) -> Result<Vec<String>>;
    /// The account's automatic-hiding categories, sorted.
    async fn auto_hide(&self, org: OrgId, account: AccountId) -> Result<Vec<String>>;
    /// *admin* (the screening job): every (organisation, account, category) opted in.
    async fn auto_hide_all(&self) -> Result<Vec<(OrgId, AccountId, String)>>;
    /// *admin* (the screening job): the organisation and account of each record.
    async fn record_owners(&self, ids: &[RecordId]) -> Result<Vec<(RecordId, OrgId, AccountId)>>;

    // --- the rest of the staff side (issue 5): registers, the registrar's address ---
    /// Every register of the organisation, the default (its diary prefix) first, then by code,
    /// closed ones included.
    async fn diary_registers(&self, org: OrgId) -> Result<Vec<RegisterEntry>>;
    /// Closes a register: it takes no new cases (its cases keep their numbers and documents).
    /// The default register cannot be closed. Audited (`diary_settings_changed`).
    async fn close_diary_register(
        &self,
        org: OrgId,
        code: &str,
        actor: &str,
    ) -> Result<RegisterEntry>;
    /// The registrar's e-mail address, if set.
    async fn registrar_email(&self, org: OrgId) -> Result<Option<String>>;
    /// Sets (or with `None` clears) the registrar's e-mail address. Audited.
    async fn set_registrar_email(&self, org: OrgId, email: Option<&str>, actor: &str)
    -> Result<()>;
    /// The number the next new case of `register` and `year` will get (the counter's next,
    /// skipping numbers typed by hand), for a preview; nothing is taken.
    async fn diary_next_seq(&self, org: OrgId, register: &str, year: i32) -> Result<i64>;
    /// The inbox's fast path: for each account, its first `limit` open received items, oldest
    /// arrival first (which is the order of their deadlines), only those that arrived before the
    /// account's bound when one is given; in one query, without the records themselves (the
    /// page reads only the records it shows, with [`Store::get_records`]).
    async fn inbox_heads(
        &self,
        org: OrgId,
        accounts: &[(AccountId, Option<DateTime<Utc>>)],
        limit: i64,
    ) -> Result<Vec<InboxHead>>;
    /// Per account: how many received items are open, and how many of those arrived before the
    /// account's cutoff (counted on the index, without reading the records).
    async fn inbox_open_counts(
        &self,
        org: OrgId,
        accounts: &[(AccountId, DateTime<Utc>)],
    ) -> Result<Vec<(AccountId, i64, i64)>>;
    /// The highest record id of the installation (0 when none): a cheap sign that records were
    /// added since, for kept counts.
    async fn records_high_water(&self) -> Result<i64>;
    /// The findings of several records of the organisation (every version), by record, then as
    /// [`Store::record_findings`] orders them.
    async fn records_findings(&self, org: OrgId, ids: &[RecordId]) -> Result<Vec<Finding>>;
    /// Received records of the organisation that became available in `[from, to)`, with their
    /// handling state and, when answered, when the answer became available: what the
    /// response-time follow-up (uppföljning) counts. Oldest first.
    async fn answer_times(
        &self,
        org: OrgId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<AnswerTime>>;
    /// The highest record event id of the installation (0 when none): every capture, edit,
    /// screening, classification and deletion of a record writes an event, so while it stands
    /// no record has changed.
    async fn record_events_high_water(&self) -> Result<i64>;
    /// What the release policy's last sweep of the organisation started from: the record events
    /// high water and the policy (JSON) it applied.
    async fn release_sweep_mark(&self, org: OrgId) -> Result<Option<(i64, String)>>;
    /// Notes what a release sweep of the organisation started from.
    async fn set_release_sweep_mark(
        &self,
        org: OrgId,
        events_high_water: i64,
        policy_json: &str,
    ) -> Result<()>;
    /// The versions (oldest first) and events (in order) of many records at once, in the order
    /// of `ids`; a record of another organisation, or none, is an error naming it.
    async fn record_histories(
        &self,
        org: OrgId,
        ids: &[RecordId],
    ) -> Result<Vec<(Vec<RecordVersion>, Vec<RecordEvent>)>>;
    /// Admin: the accounts of every organisation on `platform` that have a platform id, in id
    /// order (a webhook delivery names its account by the platform's id, not the tenant).
    async fn accounts_on_platform(&self, platform: insyn_domain::Platform) -> Result<Vec<Account>>;
    /// Takes (or, by the same `holder`, renews) the lease `name` until `until`: `true` when this
    /// holder has it now, `false` while another holder's lease runs past `now`. One process at
    /// a time does the work a lease names (screening the queue); a crashed holder's lease runs
    /// out.
    async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool>;
    /// Gives the lease back if `holder` has it.
    async fn release_lease(&self, name: &str, holder: &str) -> Result<()>;
    /// Appends accesses to the access log (R12.1) in one transaction; entries without records
    /// are skipped.
    async fn log_access(&self, entries: &[insyn_domain::NewAccess]) -> Result<()>;
    /// Brings the access log's index by record up to date with up to `max_entries` entries (in
    /// one transaction, sorted); returns how many entries it indexed. Accesses not yet indexed
    /// are still found by [`Store::access_log`].
    async fn index_access_log(&self, max_entries: i64) -> Result<u64>;
    /// The organisation's logged accesses, newest first (`limit` 1 to 1,000).
    async fn access_log(
        &self,
        org: OrgId,
        filter: &insyn_domain::AccessFilter,
    ) -> Result<Vec<insyn_domain::AccessEntry>>;
}

/// Opens the store named by a URL: `sqlite:PATH` (created if missing) or `postgres://...`.
/// Runs the migrations.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteStore::connect(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PgStore::connect(url).await?))
    } else {
        Err(StoreError::Config(format!(
            "database URL '{}' must start with sqlite: or postgres://",
            redact_url(url)
        )))
    }
}

/// Hides a password in a database URL for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &userinfo[..colon],
                    &url[at..]
                ),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_password() {
        assert_eq!(
            super::redact_url("postgres://u:secret@h:5/db"),
            "postgres://u:***@h:5/db"
        );
        assert_eq!(super::redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(super::redact_url("sqlite:x.db"), "sqlite:x.db");
    }
}
