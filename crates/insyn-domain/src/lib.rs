//! The Insyn domain: organisations (tenants), units, accounts, records, versions, events and the
//! audit chain. Plain Rust with no I/O; every adapter (store, search, web, CLI) speaks these types.

pub mod access;
pub mod account;
pub mod audit;
pub mod connection;
pub mod delivery;
pub mod diary;
pub mod digest;
pub mod disposal;
pub mod error;
pub mod finding;
pub mod handling;
pub mod ids;
pub mod mail;
pub mod org;
pub mod record;
pub mod release;
pub mod request;
pub mod search;
pub mod staff;

pub use access::{AccessEntry, AccessFilter, AccessVia, NewAccess, can_read_access_log};
pub use account::{Account, AccountStatus, NewAccount, OfficeHours, Platform};
pub use audit::{AuditAction, AuditEntry, ChainBreak, GENESIS_HASH, NewAuditEntry};
pub use connection::{AlertLevel, CaptureAlert, ConnectionHealth, ConnectionState, FailureKind};
pub use delivery::{Delivery, DeliverySchedule, Period};
pub use diary::{
    CaseId, CaseStatus, DiaryCase, DiaryDocument, DiaryNumber, DiarySettings, NewCase,
    NewRegistration, NumberFormat, Register, RegistrationTarget,
};
pub use digest::Sha256Digest;
pub use disposal::{
    CrisisPeriod, DisposalDecision, DisposalFacts, DisposalOrder, DisposalRule, DisposedVersion,
    HoldScope, KeepReason, LegalHold, NewDisposalRule, ProtocolEntry, RecordClass, Verdict,
};
pub use error::DomainError;
pub use finding::{Finding, ScreeningQueued, ScreeningTask};
pub use handling::{Handling, HandlingChange, HandlingState, signed_answer};
pub use ids::{AccountId, OrgId, RecordId, UnitId, UserId};
pub use mail::{MailAttachment, MailMessage, MailPurpose, MailState, NewMail};
pub use org::{NewOrganisation, NewUnit, Organisation, Role, Unit};
pub use record::{
    CaptureItem, Classification, Direction, ItemKind, NewVersion, Record, RecordEvent,
    RecordEventKind, RecordVersion,
};
pub use release::{AuthorDisplay, Hold, ReleaseDecision, ReleaseFacts, ReleasePolicy, is_public};
pub use request::{
    Decision, Mask, NewRequest, OutboxMessage, RecordRequest, RequestChange, RequestEvent,
    RequestId, RequestState, Withheld,
};
pub use search::{SearchDoc, SearchHit, SearchOrder, SearchQuery, SearchResults};
pub use staff::{AccountAccess, AccountGrant, NewUser, StaffUser, UserStatus};
