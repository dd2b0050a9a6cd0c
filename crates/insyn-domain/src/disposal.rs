//! Disposal (gallring, R9): rules bound to a disposal decision (gallringsbeslut), legal holds,
//! the protections of R9.3 (crisis periods, an account's last capture before it closed) and the
//! pure judgement of which records are due and why each other record is kept.
//!
//! The store gathers the facts about a record ([`DisposalFacts`]); [`assess`] decides. Nothing
//! here reads a database or a clock: `now` is passed in.
use crate::digest::Sha256Digest;
use crate::error::DomainError;
use crate::ids::{AccountId, OrgId, RecordId};
use crate::record::{Direction, ItemKind};
use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// The classes of records a rule can name. A small, fixed set that matches how Swedish
/// authorities describe social-media records in their document-management plans
/// (dokumenthanteringsplan).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordClass {
    /// Received posts, comments and replies (inkomna inlägg och kommentarer).
    ReceivedComments,
    /// Messages, in either direction (meddelanden).
    Messages,
    /// The authority's own posts and answers (egna inlägg och svar).
    OwnPosts,
    /// Every record of the account(s), profiles included.
    All,
}

impl RecordClass {
    pub const ALL: [RecordClass; 4] = [
        RecordClass::ReceivedComments,
        RecordClass::Messages,
        RecordClass::OwnPosts,
        RecordClass::All,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordClass::ReceivedComments => "received_comments",
            RecordClass::Messages => "messages",
            RecordClass::OwnPosts => "own_posts",
            RecordClass::All => "all",
        }
    }

    pub fn swedish(self) -> &'static str {
        match self {
            RecordClass::ReceivedComments => "inkomna inlägg och kommentarer",
            RecordClass::Messages => "meddelanden",
            RecordClass::OwnPosts => "egna inlägg och svar",
            RecordClass::All => "alla handlingar",
        }
    }

    /// Whether a record of this kind and direction belongs to the class.
    pub fn matches(self, kind: ItemKind, direction: Direction) -> bool {
        match self {
            RecordClass::ReceivedComments => {
                direction == Direction::Received
                    && matches!(kind, ItemKind::Post | ItemKind::Comment | ItemKind::Reply)
            }
            RecordClass::Messages => kind == ItemKind::Message,
            RecordClass::OwnPosts => {
                direction == Direction::Created
                    && matches!(kind, ItemKind::Post | ItemKind::Comment | ItemKind::Reply)
            }
            RecordClass::All => true,
        }
    }
}

impl FromStr for RecordClass {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RecordClass::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                DomainError::invalid(
                    "class",
                    format!(
                        "okänd handlingsklass '{s}' / unknown record class; use received_comments, messages, own_posts or all"
                    ),
                )
            })
    }
}

/// A disposal decision (gallringsbeslut): its reference, date and the body that took it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisposalDecision {
    /// The decision's reference (diarienummer), e.g. "KS 2026/123".
    pub reference: String,
    pub decided_on: NaiveDate,
    /// The body that decided, e.g. "Kommunstyrelsen".
    pub body: String,
}

/// A disposal rule before it is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewDisposalRule {
    pub decision: DisposalDecision,
    pub class: RecordClass,
    /// One account, or every account of the organisation.
    pub account: Option<AccountId>,
    /// Months after the record became available to the authority.
    pub retention_months: u32,
    /// The record must be in a delivered archive package first (R9.1).
    pub only_after_archived: bool,
}

/// Longest retention a rule may name (100 years); longer is a typing error.
pub const MAX_RETENTION_MONTHS: u32 = 1200;

impl NewDisposalRule {
    pub fn validate(&self, today: NaiveDate) -> Result<(), DomainError> {
        let r = self.decision.reference.trim();
        if r.is_empty() || r.len() > 200 {
            return Err(DomainError::invalid(
                "decision",
                "beslutets diarienummer saknas eller är längre än 200 tecken / the decision's reference is missing or longer than 200 characters",
            ));
        }
        let b = self.decision.body.trim();
        if b.is_empty() || b.len() > 200 {
            return Err(DomainError::invalid(
                "body",
                "beslutande organ saknas eller är längre än 200 tecken / the deciding body is missing or longer than 200 characters",
            ));
        }
        if self.decision.decided_on > today {
            return Err(DomainError::invalid(
                "decided_on",
                format!(
                    "beslutsdatum {} ligger i framtiden / the decision date is in the future",
                    self.decision.decided_on
                ),
            ));
        }
        if self.retention_months > MAX_RETENTION_MONTHS {
            return Err(DomainError::invalid(
                "retention",
                format!(
                    "gallringsfristen {} månader är längre än 100 år / the retention is longer than 100 years",
                    self.retention_months
                ),
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisposalRule {
    pub id: i64,
    pub org_id: OrgId,
    #[serde(flatten)]
    pub rule: NewDisposalRule,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

impl DisposalRule {
    /// Whether the rule names records of this account, kind and direction.
    pub fn applies_to(&self, f: &DisposalFacts) -> bool {
        self.rule.account.is_none_or(|a| a == f.account_id)
            && self.rule.class.matches(f.kind, f.direction)
    }

    /// When a record available at `available_at` becomes due under this rule.
    pub fn due_at(&self, available_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        available_at.checked_add_months(Months::new(self.rule.retention_months))
    }
}

/// What a legal hold (bevarandebeslut i väntan på t.ex. rättslig prövning) covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "scope", rename_all = "snake_case")]
pub enum HoldScope {
    Record {
        record: RecordId,
    },
    /// A thread: the platform id of its first post, within an account.
    Thread {
        account: AccountId,
        thread: String,
    },
    Account {
        account: AccountId,
    },
}

impl HoldScope {
    pub fn covers(&self, f: &DisposalFacts) -> bool {
        match self {
            HoldScope::Record { record } => *record == f.record_id,
            HoldScope::Thread { account, thread } => {
                *account == f.account_id && *thread == f.thread
            }
            HoldScope::Account { account } => *account == f.account_id,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            HoldScope::Record { record } => format!("handling {record}"),
            HoldScope::Thread { account, thread } => format!("tråd {thread} på konto {account}"),
            HoldScope::Account { account } => format!("konto {account}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalHold {
    pub id: i64,
    pub org_id: OrgId,
    pub scope: HoldScope,
    pub reason: String,
    pub set_at: DateTime<Utc>,
    pub set_by: String,
    pub lifted_at: Option<DateTime<Utc>>,
    pub lifted_by: Option<String>,
    pub lift_reason: Option<String>,
}

impl LegalHold {
    pub fn active(&self) -> bool {
        self.lifted_at.is_none()
    }
}

/// Checks a free-text reason (for a hold, its lifting or an override).
pub fn check_reason(reason: &str) -> Result<(), DomainError> {
    let r = reason.trim();
    if r.is_empty() {
        return Err(DomainError::invalid(
            "reason",
            "ett skäl krävs / a reason is required",
        ));
    }
    if r.len() > 2000 {
        return Err(DomainError::invalid(
            "reason",
            "skälet är längre än 2000 tecken / the reason is longer than 2000 characters",
        ));
    }
    Ok(())
}

/// A crisis period (R9.3, R11): records available within it are kept unless a person overrides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrisisPeriod {
    pub id: i64,
    pub org_id: OrgId,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub reason: String,
    pub set_at: DateTime<Utc>,
    pub set_by: String,
}

/// What the store knows about a record that disposal needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisposalFacts {
    pub record_id: RecordId,
    pub account_id: AccountId,
    pub platform_item_id: String,
    pub kind: ItemKind,
    pub direction: Direction,
    /// The thread's key: the platform id of its first post (the record's own id for a first post).
    pub thread: String,
    pub available_at: DateTime<Utc>,
    /// The record (as it is now) is in a delivered archive package.
    pub archived: bool,
    /// Available within a crisis period.
    pub crisis: bool,
    /// Among the last captured records of an account that is closed.
    pub last_capture_of_closed_account: bool,
    /// A person decided that the R9.3 protection does not apply to this record.
    pub protection_overridden: bool,
}

/// Why a record is kept.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum KeepReason {
    /// Under a legal hold.
    LegalHold { hold: i64 },
    /// Available within a crisis period (R9.3).
    CrisisPeriod,
    /// The last capture of an account that has closed (R9.3).
    LastCaptureOfClosedAccount,
    /// No rule names this record's class and account.
    NoRule,
    /// A rule names it, but its retention has not run out.
    NotYetDue { rule: i64, due_at: DateTime<Utc> },
    /// Due, but the rule requires it archived first and it is not in a delivered package.
    NotArchived { rule: i64 },
}

impl KeepReason {
    /// A grouping key for reports (the reason without its details).
    pub fn key(&self) -> &'static str {
        match self {
            KeepReason::LegalHold { .. } => "legal_hold",
            KeepReason::CrisisPeriod => "crisis_period",
            KeepReason::LastCaptureOfClosedAccount => "last_capture_of_closed_account",
            KeepReason::NoRule => "no_rule",
            KeepReason::NotYetDue { .. } => "not_yet_due",
            KeepReason::NotArchived { .. } => "not_archived",
        }
    }

    pub fn swedish(&self) -> &'static str {
        match self {
            KeepReason::LegalHold { .. } => "spärrad från gallring (legal hold)",
            KeepReason::CrisisPeriod => "från en krisperiod",
            KeepReason::LastCaptureOfClosedAccount => "ett avslutat kontos sista insamling",
            KeepReason::NoRule => "ingen gallringsregel gäller",
            KeepReason::NotYetDue { .. } => "gallringsfristen har inte löpt ut",
            KeepReason::NotArchived { .. } => "inte levererad till arkiv ännu",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    Dispose { rule: i64 },
    Keep(KeepReason),
}

/// Decides whether a record is due for disposal at `now`, and if not, why it is kept.
///
/// Order: an active legal hold keeps a record whatever else holds; then the R9.3 protections
/// (crisis period, last capture of a closed account) unless a person overrode them for the
/// record; then the rules. Rules naming the record's account are more specific than rules for
/// every account and, when any applies, the general ones are not considered. Among the
/// applicable rules the first (lowest id) that lets the record go decides.
pub fn assess(
    f: &DisposalFacts,
    rules: &[DisposalRule],
    holds: &[LegalHold],
    now: DateTime<Utc>,
) -> Verdict {
    if let Some(h) = holds.iter().find(|h| h.active() && h.scope.covers(f)) {
        return Verdict::Keep(KeepReason::LegalHold { hold: h.id });
    }
    if !f.protection_overridden {
        if f.crisis {
            return Verdict::Keep(KeepReason::CrisisPeriod);
        }
        if f.last_capture_of_closed_account {
            return Verdict::Keep(KeepReason::LastCaptureOfClosedAccount);
        }
    }
    let mut applicable: Vec<&DisposalRule> = rules
        .iter()
        .filter(|r| r.rule.account.is_some() && r.applies_to(f))
        .collect();
    if applicable.is_empty() {
        applicable = rules
            .iter()
            .filter(|r| r.rule.account.is_none() && r.applies_to(f))
            .collect();
    }
    applicable.sort_by_key(|r| r.id);
    if applicable.is_empty() {
        return Verdict::Keep(KeepReason::NoRule);
    }
    let mut not_archived = None;
    let mut soonest: Option<(i64, DateTime<Utc>)> = None;
    for r in &applicable {
        let Some(due) = r.due_at(f.available_at) else {
            continue;
        };
        if due <= now {
            if f.archived || !r.rule.only_after_archived {
                return Verdict::Dispose { rule: r.id };
            }
            not_archived.get_or_insert(r.id);
        } else if soonest.is_none_or(|(_, d)| due < d) {
            soonest = Some((r.id, due));
        }
    }
    if let Some(rule) = not_archived {
        return Verdict::Keep(KeepReason::NotArchived { rule });
    }
    match soonest {
        Some((rule, due_at)) => Verdict::Keep(KeepReason::NotYetDue { rule, due_at }),
        // every applicable rule's due time overflowed the calendar: never due
        None => Verdict::Keep(KeepReason::NoRule),
    }
}

/// One version of a disposed record, as the protocol keeps it (its content is gone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisposedVersion {
    pub number: u32,
    pub content_digest: Sha256Digest,
    pub raw_blob: Option<Sha256Digest>,
    pub media: Vec<Sha256Digest>,
    pub captured_at: DateTime<Utc>,
}

/// What a disposal execution asks the store to do for one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisposalOrder {
    pub record_id: RecordId,
    pub rule: DisposalRule,
}

/// A disposal protocol entry (gallringsprotokoll): what was disposed, under which rule and
/// decision, when and by whom. Append-only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtocolEntry {
    pub id: i64,
    pub org_id: OrgId,
    pub record_id: RecordId,
    pub account_id: AccountId,
    pub platform_item_id: String,
    pub kind: ItemKind,
    pub direction: Direction,
    pub available_at: DateTime<Utc>,
    pub versions: Vec<DisposedVersion>,
    /// Blobs removed from the blob store with this record.
    pub blobs_removed: Vec<Sha256Digest>,
    /// Blobs the record referred to that stay because a kept record shares them.
    pub blobs_kept: Vec<Sha256Digest>,
    pub rule_id: i64,
    pub decision: DisposalDecision,
    pub disposed_at: DateTime<Utc>,
    pub disposed_by: String,
    /// The audit entry of the disposal.
    pub audit_seq: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn t(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap()
    }

    fn facts() -> DisposalFacts {
        DisposalFacts {
            record_id: RecordId(7),
            account_id: AccountId(1),
            platform_item_id: "p7".into(),
            kind: ItemKind::Comment,
            direction: Direction::Received,
            thread: "p1".into(),
            available_at: t(2024, 1, 15),
            archived: true,
            crisis: false,
            last_capture_of_closed_account: false,
            protection_overridden: false,
        }
    }

    fn rule(id: i64, class: RecordClass, account: Option<i64>, months: u32) -> DisposalRule {
        DisposalRule {
            id,
            org_id: OrgId(1),
            rule: NewDisposalRule {
                decision: DisposalDecision {
                    reference: "KS 2026/123".into(),
                    decided_on: NaiveDate::from_ymd_opt(2026, 1, 10).unwrap(),
                    body: "Kommunstyrelsen".into(),
                },
                class,
                account: account.map(AccountId),
                retention_months: months,
                only_after_archived: true,
            },
            created_at: t(2026, 1, 11),
            created_by: "test".into(),
        }
    }

    fn hold(id: i64, scope: HoldScope, lifted: bool) -> LegalHold {
        LegalHold {
            id,
            org_id: OrgId(1),
            scope,
            reason: "tvist".into(),
            set_at: t(2025, 1, 1),
            set_by: "jurist".into(),
            lifted_at: lifted.then(|| t(2025, 2, 1)),
            lifted_by: lifted.then(|| "jurist".into()),
            lift_reason: lifted.then(|| "avslutad".into()),
        }
    }

    #[test]
    fn classes_match_kinds_and_directions() {
        use Direction::*;
        use ItemKind::*;
        assert!(RecordClass::ReceivedComments.matches(Comment, Received));
        assert!(!RecordClass::ReceivedComments.matches(Comment, Created));
        assert!(!RecordClass::ReceivedComments.matches(Message, Received));
        assert!(RecordClass::Messages.matches(Message, Created));
        assert!(RecordClass::OwnPosts.matches(Post, Created));
        assert!(!RecordClass::OwnPosts.matches(Profile, Created));
        assert!(RecordClass::All.matches(Profile, Received));
        for c in RecordClass::ALL {
            assert_eq!(c.as_str().parse::<RecordClass>().unwrap(), c);
        }
        assert!("comments".parse::<RecordClass>().is_err());
    }

    #[test]
    fn due_archived_record_goes_under_its_rule() {
        let rules = [rule(3, RecordClass::ReceivedComments, None, 24)];
        assert_eq!(
            assess(&facts(), &rules, &[], t(2026, 1, 16)),
            Verdict::Dispose { rule: 3 }
        );
        // one day before the two years have run
        assert_eq!(
            assess(&facts(), &rules, &[], t(2026, 1, 14)),
            Verdict::Keep(KeepReason::NotYetDue {
                rule: 3,
                due_at: t(2026, 1, 15)
            })
        );
    }

    #[test]
    fn not_archived_is_kept_when_the_rule_asks() {
        let mut f = facts();
        f.archived = false;
        let mut rules = vec![rule(3, RecordClass::All, None, 1)];
        assert_eq!(
            assess(&f, &rules, &[], t(2026, 1, 1)),
            Verdict::Keep(KeepReason::NotArchived { rule: 3 })
        );
        rules[0].rule.only_after_archived = false;
        assert_eq!(
            assess(&f, &rules, &[], t(2026, 1, 1)),
            Verdict::Dispose { rule: 3 }
        );
    }

    #[test]
    fn holds_keep_by_record_thread_and_account_until_lifted() {
        let rules = [rule(1, RecordClass::All, None, 1)];
        let now = t(2026, 1, 1);
        for scope in [
            HoldScope::Record {
                record: RecordId(7),
            },
            HoldScope::Thread {
                account: AccountId(1),
                thread: "p1".into(),
            },
            HoldScope::Account {
                account: AccountId(1),
            },
        ] {
            assert_eq!(
                assess(&facts(), &rules, &[hold(9, scope.clone(), false)], now),
                Verdict::Keep(KeepReason::LegalHold { hold: 9 }),
                "{scope:?}"
            );
            assert_eq!(
                assess(&facts(), &rules, &[hold(9, scope, true)], now),
                Verdict::Dispose { rule: 1 }
            );
        }
        // a hold on another thread or account does not cover it
        let other = hold(
            9,
            HoldScope::Thread {
                account: AccountId(1),
                thread: "p2".into(),
            },
            false,
        );
        assert_eq!(
            assess(&facts(), &rules, &[other], now),
            Verdict::Dispose { rule: 1 }
        );
    }

    #[test]
    fn crisis_and_last_capture_are_kept_unless_overridden() {
        let rules = [rule(1, RecordClass::All, None, 1)];
        let now = t(2026, 1, 1);
        let mut f = facts();
        f.crisis = true;
        assert_eq!(
            assess(&f, &rules, &[], now),
            Verdict::Keep(KeepReason::CrisisPeriod)
        );
        f.crisis = false;
        f.last_capture_of_closed_account = true;
        assert_eq!(
            assess(&f, &rules, &[], now),
            Verdict::Keep(KeepReason::LastCaptureOfClosedAccount)
        );
        f.protection_overridden = true;
        assert_eq!(assess(&f, &rules, &[], now), Verdict::Dispose { rule: 1 });
        // an override does not lift a legal hold
        let h = hold(
            2,
            HoldScope::Record {
                record: RecordId(7),
            },
            false,
        );
        assert_eq!(
            assess(&f, &rules, &[h], now),
            Verdict::Keep(KeepReason::LegalHold { hold: 2 })
        );
    }

    #[test]
    fn an_account_rule_is_more_specific_than_a_general_one() {
        // general: 1 month; this account: 10 years
        let rules = [
            rule(1, RecordClass::All, None, 1),
            rule(2, RecordClass::ReceivedComments, Some(1), 120),
        ];
        assert!(matches!(
            assess(&facts(), &rules, &[], t(2026, 1, 1)),
            Verdict::Keep(KeepReason::NotYetDue { rule: 2, .. })
        ));
        // another account's rule does not apply: the general one decides
        let mut f = facts();
        f.account_id = AccountId(2);
        assert_eq!(
            assess(&f, &rules, &[], t(2026, 1, 1)),
            Verdict::Dispose { rule: 1 }
        );
        // no rule for the class
        let only_posts = [rule(1, RecordClass::OwnPosts, None, 1)];
        assert_eq!(
            assess(&facts(), &only_posts, &[], t(2026, 1, 1)),
            Verdict::Keep(KeepReason::NoRule)
        );
    }

    #[test]
    fn rule_validation_names_the_field() {
        let today = NaiveDate::from_ymd_opt(2026, 2, 1).unwrap();
        let ok = rule(1, RecordClass::All, None, 24).rule;
        assert!(ok.validate(today).is_ok());
        let mut r = ok.clone();
        r.decision.reference = "  ".into();
        assert!(matches!(
            r.validate(today),
            Err(DomainError::Invalid {
                field: "decision",
                ..
            })
        ));
        let mut r = ok.clone();
        r.decision.decided_on = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        assert!(matches!(
            r.validate(today),
            Err(DomainError::Invalid {
                field: "decided_on",
                ..
            })
        ));
        let mut r = ok;
        r.retention_months = MAX_RETENTION_MONTHS + 1;
        assert!(matches!(
            r.validate(today),
            Err(DomainError::Invalid {
                field: "retention",
                ..
            })
        ));
        assert!(check_reason(" ").is_err());
    }

    fn arb_facts() -> impl Strategy<Value = DisposalFacts> {
        (
            1i64..20,
            1i64..4,
            0usize..5,
            any::<bool>(),
            0i64..2_000,
            any::<[bool; 4]>(),
            0u8..4,
        )
            .prop_map(|(rid, acc, kind, created, days, flags, thread)| {
                let kinds = [
                    ItemKind::Post,
                    ItemKind::Comment,
                    ItemKind::Reply,
                    ItemKind::Message,
                    ItemKind::Profile,
                ];
                DisposalFacts {
                    record_id: RecordId(rid),
                    account_id: AccountId(acc),
                    platform_item_id: format!("p{rid}"),
                    kind: kinds[kind],
                    direction: if created {
                        Direction::Created
                    } else {
                        Direction::Received
                    },
                    thread: format!("t{thread}"),
                    available_at: t(2020, 1, 1) + chrono::Duration::days(days),
                    archived: flags[0],
                    crisis: flags[1],
                    last_capture_of_closed_account: flags[2],
                    protection_overridden: flags[3],
                }
            })
    }

    fn arb_rules() -> impl Strategy<Value = Vec<DisposalRule>> {
        proptest::collection::vec(
            (
                0usize..4,
                proptest::option::of(1i64..4),
                0u32..60,
                any::<bool>(),
            ),
            0..4,
        )
        .prop_map(|rs| {
            rs.into_iter()
                .enumerate()
                .map(|(i, (c, acc, months, archived))| {
                    let mut r = rule(i as i64 + 1, RecordClass::ALL[c], acc, months);
                    r.rule.only_after_archived = archived;
                    r
                })
                .collect()
        })
    }

    fn arb_holds() -> impl Strategy<Value = Vec<LegalHold>> {
        proptest::collection::vec((0u8..3, 1i64..20, 1i64..4, 0u8..4, any::<bool>()), 0..3)
            .prop_map(|hs| {
                hs.into_iter()
                    .enumerate()
                    .map(|(i, (s, rid, acc, th, lifted))| {
                        let scope = match s {
                            0 => HoldScope::Record {
                                record: RecordId(rid),
                            },
                            1 => HoldScope::Thread {
                                account: AccountId(acc),
                                thread: format!("t{th}"),
                            },
                            _ => HoldScope::Account {
                                account: AccountId(acc),
                            },
                        };
                        hold(i as i64 + 1, scope, lifted)
                    })
                    .collect()
            })
    }

    proptest! {
        #[test]
        fn a_disposed_record_is_never_held_protected_early_or_unarchived(
            f in arb_facts(), rules in arb_rules(), holds in arb_holds(), days in 0i64..4_000
        ) {
            let now = t(2020, 1, 1) + chrono::Duration::days(days);
            if let Verdict::Dispose { rule } = assess(&f, &rules, &holds, now) {
                prop_assert!(!holds.iter().any(|h| h.active() && h.scope.covers(&f)));
                prop_assert!(f.protection_overridden || !(f.crisis || f.last_capture_of_closed_account));
                let r = rules.iter().find(|r| r.id == rule).expect("the rule exists");
                prop_assert!(r.applies_to(&f));
                prop_assert!(r.due_at(f.available_at).unwrap() <= now);
                prop_assert!(f.archived || !r.rule.only_after_archived);
            }
        }

        #[test]
        fn once_due_a_record_stays_due(
            f in arb_facts(), rules in arb_rules(), days in 0i64..4_000, later in 0i64..4_000
        ) {
            let now = t(2020, 1, 1) + chrono::Duration::days(days);
            if let Verdict::Dispose { .. } = assess(&f, &rules, &[], now) {
                let v = assess(&f, &rules, &[], now + chrono::Duration::days(later));
                let still = matches!(v, Verdict::Dispose { .. });
                prop_assert!(still, "{:?}", v);
            }
        }

        #[test]
        fn adding_a_hold_or_a_protection_never_lets_more_go(
            f in arb_facts(), rules in arb_rules(), holds in arb_holds(), days in 0i64..4_000
        ) {
            let now = t(2020, 1, 1) + chrono::Duration::days(days);
            let mut guarded = f.clone();
            guarded.crisis = true;
            guarded.protection_overridden = false;
            if matches!(assess(&guarded, &rules, &holds, now), Verdict::Dispose { .. }) {
                prop_assert!(false, "a crisis record went without an override");
            }
            let all = hold(99, HoldScope::Account { account: f.account_id }, false);
            let mut more = holds.clone();
            more.push(all);
            let held = matches!(assess(&f, &rules, &more, now), Verdict::Keep(KeepReason::LegalHold { .. }));
            prop_assert!(held);
        }
    }
}
