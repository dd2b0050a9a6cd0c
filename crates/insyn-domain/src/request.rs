//! Requests for public records (begäran om allmän handling, R7.2, R7.5): a request for one
//! record or in free text, its due date ("skyndsamt"), extensions with a reason, the secrecy
//! review (sekretessprövning) and its decision — released whole, released masked, refused — and
//! the log of what was withheld and why.
//!
//! The rules here are pure; the store applies a [`RequestChange`] with [`transition`] inside the
//! transaction that also writes the change's event and audit entry.
use crate::error::DomainError;
use crate::ids::{OrgId, RecordId, UserId};
use crate::staff::{StaffUser, can_read_record, can_see_account};
use crate::{AccountId, Classification, Role};
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A request's row id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RequestId(pub i64);

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Longest free-text description a requester may write.
pub const MAX_DESCRIPTION_CHARS: usize = 5000;
/// Longest reason, law reference or note staff may write.
pub const MAX_REASON_CHARS: usize = 2000;
/// How far a due date may be extended past the day the request came in.
pub const MAX_EXTENSION_DAYS: u64 = 90;

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    /// Came in; nobody has started the review.
    Received,
    /// A staff member is reviewing it (sekretessprövning).
    UnderReview,
    /// The record was released without masking.
    ReleasedWhole,
    /// The record was released with parts masked (the withheld log says which and why).
    ReleasedMasked,
    /// The request was refused; the decision carries the reason and how to appeal.
    Refused,
    /// The requester withdrew the request.
    Withdrawn,
}

impl RequestState {
    pub const ALL: [RequestState; 6] = [
        RequestState::Received,
        RequestState::UnderReview,
        RequestState::ReleasedWhole,
        RequestState::ReleasedMasked,
        RequestState::Refused,
        RequestState::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RequestState::Received => "received",
            RequestState::UnderReview => "under_review",
            RequestState::ReleasedWhole => "released_whole",
            RequestState::ReleasedMasked => "released_masked",
            RequestState::Refused => "refused",
            RequestState::Withdrawn => "withdrawn",
        }
    }

    pub fn swedish(self) -> &'static str {
        match self {
            RequestState::Received => "mottagen",
            RequestState::UnderReview => "under sekretessprövning",
            RequestState::ReleasedWhole => "utlämnad",
            RequestState::ReleasedMasked => "utlämnad med maskering",
            RequestState::Refused => "avslagen",
            RequestState::Withdrawn => "återkallad",
        }
    }

    pub fn english(self) -> &'static str {
        match self {
            RequestState::Received => "received",
            RequestState::UnderReview => "under secrecy review",
            RequestState::ReleasedWhole => "released",
            RequestState::ReleasedMasked => "released with masking",
            RequestState::Refused => "refused",
            RequestState::Withdrawn => "withdrawn",
        }
    }

    /// Still waiting for a decision (counts towards "due today" and "late").
    pub fn is_open(self) -> bool {
        matches!(self, RequestState::Received | RequestState::UnderReview)
    }

    /// Released in whole or in part: the requester may fetch the copy.
    pub fn is_released(self) -> bool {
        matches!(
            self,
            RequestState::ReleasedWhole | RequestState::ReleasedMasked
        )
    }

    pub fn parse(text: &str) -> Result<RequestState, DomainError> {
        RequestState::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| {
                DomainError::invalid(
                    "state",
                    format!(
                        "unknown request state '{text}'; use received, under_review, released_whole, released_masked, refused or withdrawn"
                    ),
                )
            })
    }
}

/// A request as the requester files it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewRequest {
    /// The record asked for, when asked from a record page.
    pub record_id: Option<RecordId>,
    /// What the requester asks for, in their words (required without a record).
    pub description: String,
    pub requester_name: Option<String>,
    pub requester_email: Option<String>,
}

impl NewRequest {
    /// Checks and trims the fields: a description or a record, lengths, no control characters in
    /// the name, a real e-mail address when one is given.
    pub fn normalised(&self) -> Result<NewRequest, DomainError> {
        let description = self.description.trim().to_string();
        if description.is_empty() && self.record_id.is_none() {
            return Err(DomainError::invalid(
                "description",
                "describe the records you ask for",
            ));
        }
        if description.chars().count() > MAX_DESCRIPTION_CHARS {
            return Err(DomainError::invalid(
                "description",
                format!("the description is longer than {MAX_DESCRIPTION_CHARS} characters"),
            ));
        }
        if description
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
        {
            return Err(DomainError::invalid(
                "description",
                "the description holds control characters",
            ));
        }
        let name = self
            .requester_name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string);
        if let Some(n) = &name
            && (n.chars().count() > 200 || n.chars().any(char::is_control))
        {
            return Err(DomainError::invalid(
                "name",
                "the name must be at most 200 characters, without control characters",
            ));
        }
        let email = match self
            .requester_email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            Some(e) => Some(crate::staff::normalise_email(e)?),
            None => None,
        };
        Ok(NewRequest {
            record_id: self.record_id,
            description,
            requester_name: name,
            requester_email: email,
        })
    }
}

/// A request for public records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordRequest {
    pub id: RequestId,
    pub org_id: OrgId,
    /// The organisation's number for it, e.g. "BEG-2026-0007".
    pub number: String,
    pub record_id: Option<RecordId>,
    pub description: String,
    pub requester_name: Option<String>,
    pub requester_email: Option<String>,
    pub received_at: DateTime<Utc>,
    /// The last day (Europe/Stockholm) by which the request should be decided.
    pub due_on: NaiveDate,
    pub state: RequestState,
    pub assignee: Option<UserId>,
    /// Why it was refused (refusals only).
    pub refusal_reason: Option<String>,
    /// The law referred to in a refusal or masking, e.g. "OSL 26 kap. 1 §".
    pub law: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
}

/// The number a request gets: "BEG-{year}-{n:04}".
pub fn request_number(year: i32, n: i64) -> String {
    format!("BEG-{year}-{n:04}")
}

/// The due date of a request received on `received` (a Europe/Stockholm date): the first
/// working day after that day. A request must be handled "skyndsamt" (promptly; the
/// Ombudsmen's practice is the same day or the next); the due date is the outer limit, the end
/// of the next working day, so a request that comes in on a Friday afternoon or on a Saturday is
/// due on Monday (or Tuesday when Monday is a holiday). `is_working_day` is the organisation's
/// calendar (Swedish public holidays, eves and its own days off).
pub fn due_date(received: NaiveDate, is_working_day: impl Fn(NaiveDate) -> bool) -> NaiveDate {
    let mut day = received;
    // a year without a working day would be a broken calendar: stop at a year and a half
    for _ in 0..550 {
        let Some(next) = day.checked_add_days(Days::new(1)) else {
            return day;
        };
        day = next;
        if is_working_day(day) {
            return day;
        }
    }
    day
}

/// A span of a record version's text to withhold, in bytes of that text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mask {
    pub start: usize,
    pub end: usize,
    /// Why, in words (e.g. "uppgift om enskilds hälsa").
    pub reason: String,
    /// The law referred to, e.g. "OSL 21 kap. 7 §".
    pub law: String,
}

/// One line of a request's log of what was withheld and why (R7.5). The text itself is not
/// kept here: the record's version is, and the log points into it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withheld {
    pub record_id: RecordId,
    pub version: u32,
    pub start: usize,
    pub end: usize,
    pub reason: String,
    pub law: String,
}

fn check_text(field: &'static str, value: &str, required: bool) -> Result<String, DomainError> {
    let v = value.trim();
    if required && v.is_empty() {
        return Err(DomainError::invalid(field, "this cannot be empty"));
    }
    if v.chars().count() > MAX_REASON_CHARS {
        return Err(DomainError::invalid(
            field,
            format!("longer than {MAX_REASON_CHARS} characters"),
        ));
    }
    if v.chars().any(|c| c.is_control() && c != '\n' && c != '\r') {
        return Err(DomainError::invalid(field, "holds control characters"));
    }
    Ok(v.to_string())
}

/// Checks masks against the text they mask and returns them sorted, with overlapping or
/// touching spans of the same reason and law merged, and the whitespace between two masked words
/// masked too (so "[maskerat] [maskerat]" becomes one marker).
pub fn normalise_masks(text: &str, masks: &[Mask]) -> Result<Vec<Mask>, DomainError> {
    if masks.is_empty() {
        return Err(DomainError::invalid(
            "masks",
            "mark at least one part of the text to mask, or release the record whole",
        ));
    }
    let mut out: Vec<Mask> = Vec::with_capacity(masks.len());
    for m in masks {
        if m.start >= m.end || m.end > text.len() {
            return Err(DomainError::invalid(
                "masks",
                format!(
                    "the span {}-{} is outside the text (0-{})",
                    m.start,
                    m.end,
                    text.len()
                ),
            ));
        }
        if !text.is_char_boundary(m.start) || !text.is_char_boundary(m.end) {
            return Err(DomainError::invalid(
                "masks",
                format!("the span {}-{} cuts a character in two", m.start, m.end),
            ));
        }
        out.push(Mask {
            start: m.start,
            end: m.end,
            reason: check_text("reason", &m.reason, true)?,
            law: check_text("law", &m.law, true)?,
        });
    }
    out.sort_by_key(|a| (a.start, a.end));
    let mut merged: Vec<Mask> = Vec::with_capacity(out.len());
    for m in out {
        if let Some(last) = merged.last_mut() {
            let gap_is_space = m.start >= last.end && text[last.end..m.start].trim().is_empty();
            let overlaps = m.start <= last.end;
            if (overlaps || gap_is_space) && last.reason == m.reason && last.law == m.law {
                last.end = last.end.max(m.end);
                continue;
            }
            if overlaps {
                // different grounds on overlapping spans: the later one starts where the first ends
                if m.end <= last.end {
                    continue;
                }
                let start = last.end;
                merged.push(Mask { start, ..m });
                continue;
            }
        }
        merged.push(m);
    }
    Ok(merged)
}

/// The marker that replaces a masked span in a copy.
pub fn mask_marker(law: &str, english: bool) -> String {
    if english {
        format!("[masked: {law}]")
    } else {
        format!("[maskerat: {law}]")
    }
}

/// The text with every masked span replaced by its marker: the masked text is burned out, not
/// hidden. `masks` must come from [`normalise_masks`] on the same text.
pub fn apply_masks(text: &str, masks: &[Mask], english: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for m in masks {
        if m.start < at || m.end > text.len() || m.start >= m.end {
            continue;
        }
        if !text.is_char_boundary(m.start) || !text.is_char_boundary(m.end) {
            continue;
        }
        out.push_str(&text[at..m.start]);
        out.push_str(&mask_marker(&m.law, english));
        at = m.end;
    }
    out.push_str(&text[at..]);
    out
}

/// The text split for the masking form: words (runs of non-whitespace) as byte spans, so staff
/// can tick the words to mask without JavaScript.
pub fn word_spans(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, text.len()));
    }
    out
}

/// Parses character ranges typed by staff, e.g. "12-40, 55-60" (character positions from 0,
/// end exclusive), into byte spans of `text`.
pub fn parse_char_ranges(text: &str, ranges: &str) -> Result<Vec<(usize, usize)>, DomainError> {
    let offsets: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()))
        .collect();
    let chars = offsets.len() - 1;
    let mut out = Vec::new();
    for part in ranges.split([',', ';', '\n']).map(str::trim) {
        if part.is_empty() {
            continue;
        }
        let bad = || {
            DomainError::invalid(
                "ranges",
                format!("'{part}' is not a range like 12-40 within 0-{chars}"),
            )
        };
        let (a, b) = part.split_once('-').ok_or_else(bad)?;
        let a: usize = a.trim().parse().map_err(|_| bad())?;
        let b: usize = b.trim().parse().map_err(|_| bad())?;
        if a >= b || b > chars {
            return Err(bad());
        }
        out.push((offsets[a], offsets[b]));
    }
    Ok(out)
}

/// What staff decide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    ReleaseWhole,
    /// Masks normalised against the record's current version.
    ReleaseMasked {
        version: u32,
        masks: Vec<Mask>,
    },
    Refuse {
        reason: String,
        law: String,
    },
}

/// A change to a request, as staff (or the requester, for a withdrawal) ask for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestChange {
    Assign(Option<UserId>),
    StartReview,
    Extend { due_on: NaiveDate, reason: String },
    LinkRecord(RecordId),
    Withdraw { note: String },
    Decide(Decision),
}

impl RequestChange {
    /// A short name for events and the audit log.
    pub fn kind(&self) -> &'static str {
        match self {
            RequestChange::Assign(_) => "assigned",
            RequestChange::StartReview => "review_started",
            RequestChange::Extend { .. } => "extended",
            RequestChange::LinkRecord(_) => "record_linked",
            RequestChange::Withdraw { .. } => "withdrawn",
            RequestChange::Decide(_) => "decided",
        }
    }
}

/// Applies a change to a request: the new request, or why the change is not allowed now.
/// `record_id` of a masking decision is the request's record; the withheld log is written from
/// the masks by the caller.
pub fn transition(
    current: &RecordRequest,
    change: &RequestChange,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<RecordRequest, DomainError> {
    let mut next = current.clone();
    let closed = || {
        DomainError::invalid(
            "state",
            format!(
                "request {} is already {}; a decided or withdrawn request cannot change",
                current.number,
                current.state.english()
            ),
        )
    };
    if !current.state.is_open() {
        return Err(closed());
    }
    match change {
        RequestChange::Assign(user) => {
            next.assignee = *user;
            if user.is_some() {
                next.state = RequestState::UnderReview;
            }
        }
        RequestChange::StartReview => next.state = RequestState::UnderReview,
        RequestChange::Extend { due_on, reason } => {
            check_text("reason", reason, true)?;
            if *due_on <= current.due_on {
                return Err(DomainError::invalid(
                    "due_on",
                    format!(
                        "the new due date must be after the current one ({})",
                        current.due_on
                    ),
                ));
            }
            let received = crate::request::stockholm_date(current.received_at);
            let limit = received
                .checked_add_days(Days::new(MAX_EXTENSION_DAYS))
                .unwrap_or(received);
            if *due_on > limit {
                return Err(DomainError::invalid(
                    "due_on",
                    format!(
                        "a request cannot be extended more than {MAX_EXTENSION_DAYS} days past the day it came in"
                    ),
                ));
            }
            next.due_on = *due_on;
        }
        RequestChange::LinkRecord(id) => {
            if current.record_id.is_some_and(|r| r != *id) {
                return Err(DomainError::invalid(
                    "record",
                    "the request already names another record",
                ));
            }
            next.record_id = Some(*id);
        }
        RequestChange::Withdraw { note } => {
            check_text("note", note, false)?;
            next.state = RequestState::Withdrawn;
            next.decided_at = Some(now);
            next.decided_by = Some(actor.to_string());
        }
        RequestChange::Decide(decision) => {
            match decision {
                Decision::ReleaseWhole => {
                    if current.record_id.is_none() {
                        return Err(no_record());
                    }
                    next.state = RequestState::ReleasedWhole;
                }
                Decision::ReleaseMasked { masks, .. } => {
                    if current.record_id.is_none() {
                        return Err(no_record());
                    }
                    if masks.is_empty() {
                        return Err(DomainError::invalid(
                            "masks",
                            "mark at least one part to mask",
                        ));
                    }
                    next.state = RequestState::ReleasedMasked;
                    let mut laws: Vec<&str> = masks.iter().map(|m| m.law.as_str()).collect();
                    laws.sort();
                    laws.dedup();
                    next.law = Some(laws.join("; "));
                }
                Decision::Refuse { reason, law } => {
                    next.refusal_reason = Some(check_text("reason", reason, true)?);
                    next.law = Some(check_text("law", law, true)?);
                    next.state = RequestState::Refused;
                }
            }
            next.decided_at = Some(now);
            next.decided_by = Some(actor.to_string());
        }
    }
    Ok(next)
}

fn no_record() -> DomainError {
    DomainError::invalid(
        "record",
        "link the record the request concerns before releasing it",
    )
}

/// The Europe/Stockholm date of a moment, for due dates (UTC+1, or UTC+2 in summer time).
pub fn stockholm_date(at: DateTime<Utc>) -> NaiveDate {
    // the domain has no time-zone database: the EU rule (last Sunday of March and October, 01:00
    // UTC) is enough for a date
    use chrono::Datelike;
    let year = at.year();
    let last_sunday = |month: u32| {
        let mut d = NaiveDate::from_ymd_opt(year, month, 31).unwrap_or_default();
        while d.weekday() != chrono::Weekday::Sun {
            d = d.pred_opt().unwrap_or(d);
        }
        d.and_hms_opt(1, 0, 0).unwrap_or_default().and_utc()
    };
    let summer = at >= last_sunday(3) && at < last_sunday(10);
    (at + chrono::Duration::hours(if summer { 2 } else { 1 })).date_naive()
}

/// May the user decide requests (release, mask, refuse)? The registrar and the administrator,
/// on a record they may read.
pub fn can_decide(
    user: &StaffUser,
    org: OrgId,
    record: Option<(AccountId, Classification)>,
) -> bool {
    let role = user.is_active()
        && user.org_id == org
        && (user.has_role(Role::Registrar) || user.has_role(Role::Administrator));
    role && record.is_none_or(|(a, c)| can_read_record(user, org, a, c) || admin_reads(user, c))
}

/// The administrator decides on any non-secret record of the organisation (no grant needed).
fn admin_reads(user: &StaffUser, c: Classification) -> bool {
    user.has_role(Role::Administrator) && c != Classification::Secret
}

/// May the user see a request in the queue? Deciders see all; others see requests for records
/// on the accounts they may see, and free-text requests only with an organisation-wide role.
pub fn can_see_request(user: &StaffUser, org: OrgId, record_account: Option<AccountId>) -> bool {
    if !user.is_active() || user.org_id != org {
        return false;
    }
    if user.has_role(Role::Registrar) || user.has_role(Role::Administrator) {
        return true;
    }
    match record_account {
        Some(a) => can_see_account(user, org, a),
        None => [
            Role::Communicator,
            Role::Archivist,
            Role::DataProtectionOfficer,
        ]
        .iter()
        .any(|r| user.has_role(*r)),
    }
}

/// The standard appeal information (överklagandehänvisning) given with every refusal: the
/// decision may be appealed to the administrative court of appeal (kammarrätten), in writing,
/// sent to the authority within three weeks of the day the requester was told of it.
pub fn appeal_text(authority: &str, english: bool) -> String {
    if english {
        format!(
            "How to appeal: You may appeal against this decision to the Administrative Court of \
             Appeal (kammarrätten). Write to the Administrative Court of Appeal, but send or hand \
             in the letter to {authority}. The appeal must have reached {authority} within three \
             weeks of the day you were told of the decision. State which decision you appeal \
             against (give the request number), how you want it changed, and why. {authority} \
             first checks that the appeal came in on time and may reconsider the decision; it \
             then forwards the appeal to the court."
        )
    } else {
        format!(
            "Hur man överklagar: Du kan överklaga beslutet hos kammarrätten. Skrivelsen ska ställas \
             till kammarrätten men skickas eller lämnas till {authority}. Överklagandet måste ha \
             kommit in till {authority} inom tre veckor från den dag då du fick del av beslutet. \
             Ange vilket beslut du överklagar (uppge begärans nummer), hur du vill att beslutet \
             ska ändras och varför. {authority} prövar först att överklagandet har kommit in i rätt \
             tid och kan ompröva beslutet; därefter skickas överklagandet till kammarrätten."
        )
    }
}

/// One event in a request's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestEvent {
    pub request_id: RequestId,
    pub kind: String,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub detail: serde_json::Value,
}

/// A message to the requester, queued in the outbox (sending by SMTP is not built yet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    pub request_id: RequestId,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub queued_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn weekdays_only(d: NaiveDate) -> bool {
        use chrono::Datelike;
        d.weekday().num_days_from_monday() < 5
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn request(state: RequestState) -> RecordRequest {
        RecordRequest {
            id: RequestId(1),
            org_id: OrgId(1),
            number: request_number(2026, 1),
            record_id: Some(RecordId(7)),
            description: String::new(),
            requester_name: None,
            requester_email: None,
            received_at: DateTime::parse_from_rfc3339("2026-11-20T10:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
            due_on: date(2026, 11, 23),
            state,
            assignee: None,
            refusal_reason: None,
            law: None,
            decided_at: None,
            decided_by: None,
        }
    }

    #[test]
    fn due_date_is_the_next_working_day() {
        // Wednesday → Thursday; Friday → Monday; Saturday → Monday
        assert_eq!(
            due_date(date(2026, 11, 18), weekdays_only),
            date(2026, 11, 19)
        );
        assert_eq!(
            due_date(date(2026, 11, 20), weekdays_only),
            date(2026, 11, 23)
        );
        assert_eq!(
            due_date(date(2026, 11, 21), weekdays_only),
            date(2026, 11, 23)
        );
        // a calendar without working days stops instead of looping
        let far = due_date(date(2026, 1, 1), |_| false);
        assert!(far > date(2027, 1, 1));
    }

    #[test]
    fn numbers_and_states() {
        assert_eq!(request_number(2026, 7), "BEG-2026-0007");
        for s in RequestState::ALL {
            assert_eq!(RequestState::parse(s.as_str()).unwrap(), s);
        }
        assert!(RequestState::parse("done").is_err());
    }

    #[test]
    fn new_request_needs_a_description_or_a_record() {
        assert!(NewRequest::default().normalised().is_err());
        let ok = NewRequest {
            description: "  Alla inlägg om badhuset i juni  ".into(),
            requester_email: Some(" Asa@Example.SE ".into()),
            requester_name: Some(" ".into()),
            ..Default::default()
        }
        .normalised()
        .unwrap();
        assert_eq!(ok.description, "Alla inlägg om badhuset i juni");
        assert_eq!(ok.requester_email.as_deref(), Some("asa@example.se"));
        assert_eq!(ok.requester_name, None);
        let bad_mail = NewRequest {
            record_id: Some(RecordId(1)),
            requester_email: Some("inte en adress".into()),
            ..Default::default()
        };
        assert!(bad_mail.normalised().is_err());
        let long = NewRequest {
            description: "x".repeat(MAX_DESCRIPTION_CHARS + 1),
            ..Default::default()
        };
        assert!(long.normalised().is_err());
    }

    fn mask(start: usize, end: usize) -> Mask {
        Mask {
            start,
            end,
            reason: "hälsa".into(),
            law: "OSL 21 kap. 7 §".into(),
        }
    }

    #[test]
    fn masks_are_merged_and_burned_in() {
        let text = "Min son Kalle har diabetes och går på Åsens skola.";
        let words = word_spans(text);
        // "diabetes" and "och"? take "Kalle" and "diabetes" separately, plus "Åsens skola"
        let pick = |w: &str| {
            let (s, e) = words
                .iter()
                .copied()
                .find(|(s, e)| &text[*s..*e] == w)
                .unwrap();
            mask(s, e)
        };
        let masks = normalise_masks(
            text,
            &[
                pick("diabetes"),
                pick("Kalle"),
                pick("Åsens"),
                pick("skola."),
            ],
        )
        .unwrap();
        assert_eq!(masks.len(), 3, "Åsens + skola. merge across the space");
        let out = apply_masks(text, &masks, false);
        assert_eq!(
            out,
            "Min son [maskerat: OSL 21 kap. 7 §] har [maskerat: OSL 21 kap. 7 §] och går på [maskerat: OSL 21 kap. 7 §]"
        );
        assert!(!out.contains("Kalle") && !out.contains("diabetes") && !out.contains("Åsens"));
    }

    #[test]
    fn bad_masks_are_refused() {
        let text = "Åsa";
        assert!(normalise_masks(text, &[]).is_err());
        assert!(normalise_masks(text, &[mask(0, 1)]).is_err(), "cuts Å");
        assert!(normalise_masks(text, &[mask(0, 99)]).is_err());
        assert!(normalise_masks(text, &[mask(2, 2)]).is_err());
        let mut no_law = mask(0, 2);
        no_law.law = " ".into();
        assert!(normalise_masks(text, &[no_law]).is_err());
    }

    #[test]
    fn char_ranges_become_byte_spans() {
        let text = "Åsa Öberg bor här";
        let spans = parse_char_ranges(text, "0-3, 4-9").unwrap();
        assert_eq!(&text[spans[0].0..spans[0].1], "Åsa");
        assert_eq!(&text[spans[1].0..spans[1].1], "Öberg");
        assert!(parse_char_ranges(text, "5-2").is_err());
        assert!(parse_char_ranges(text, "0-999").is_err());
        assert!(parse_char_ranges(text, "abc").is_err());
        assert!(parse_char_ranges(text, "").unwrap().is_empty());
    }

    #[test]
    fn transitions() {
        let now = Utc::now();
        let r = request(RequestState::Received);
        let a = transition(&r, &RequestChange::Assign(Some(UserId(3))), "u", now).unwrap();
        assert_eq!(a.state, RequestState::UnderReview);
        let refused = transition(
            &a,
            &RequestChange::Decide(Decision::Refuse {
                reason: "Uppgiften omfattas av sekretess".into(),
                law: "OSL 26 kap. 1 §".into(),
            }),
            "u",
            now,
        )
        .unwrap();
        assert_eq!(refused.state, RequestState::Refused);
        assert_eq!(refused.law.as_deref(), Some("OSL 26 kap. 1 §"));
        // a decided request is final
        assert!(transition(&refused, &RequestChange::StartReview, "u", now).is_err());
        // a refusal needs a reason
        let no_reason = RequestChange::Decide(Decision::Refuse {
            reason: " ".into(),
            law: "OSL".into(),
        });
        assert!(transition(&r, &no_reason, "u", now).is_err());
        // extension: later than now, with a reason, within 90 days
        let ext = |d, why: &str| RequestChange::Extend {
            due_on: d,
            reason: why.into(),
        };
        assert!(transition(&r, &ext(date(2026, 11, 25), "omfattande"), "u", now).is_ok());
        assert!(transition(&r, &ext(date(2026, 11, 25), ""), "u", now).is_err());
        assert!(transition(&r, &ext(date(2026, 11, 22), "tidigare"), "u", now).is_err());
        assert!(transition(&r, &ext(date(2027, 6, 1), "för långt"), "u", now).is_err());
        // free text: no release before a record is linked
        let mut free = request(RequestState::Received);
        free.record_id = None;
        assert!(
            transition(
                &free,
                &RequestChange::Decide(Decision::ReleaseWhole),
                "u",
                now
            )
            .is_err()
        );
        let linked = transition(&free, &RequestChange::LinkRecord(RecordId(9)), "u", now).unwrap();
        assert_eq!(linked.record_id, Some(RecordId(9)));
        assert!(transition(&linked, &RequestChange::LinkRecord(RecordId(10)), "u", now).is_err());
    }

    #[test]
    fn stockholm_dates() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(
            stockholm_date(at("2026-11-20T23:30:00Z")),
            date(2026, 11, 21)
        );
        assert_eq!(
            stockholm_date(at("2026-11-20T22:30:00Z")),
            date(2026, 11, 20)
        );
        assert_eq!(
            stockholm_date(at("2026-06-20T22:30:00Z")),
            date(2026, 6, 21)
        );
        assert_eq!(
            stockholm_date(at("2026-06-20T21:30:00Z")),
            date(2026, 6, 20)
        );
    }

    #[test]
    fn appeal_text_names_the_court_and_the_authority() {
        let sv = appeal_text("Alfa kommun", false);
        assert!(
            sv.contains("kammarrätten") && sv.contains("tre veckor") && sv.contains("Alfa kommun")
        );
        assert!(appeal_text("X", true).contains("Administrative Court of Appeal"));
    }

    proptest! {
        #[test]
        fn masking_never_panics_and_never_leaks(text in "\\PC{0,80}", picks in proptest::collection::vec((0usize..100, 0usize..100), 0..6)) {
            let words = word_spans(&text);
            let masks: Vec<Mask> = picks
                .iter()
                .filter_map(|(i, _)| words.get(i % words.len().max(1)).copied())
                .map(|(s, e)| mask(s, e))
                .collect();
            if let Ok(norm) = normalise_masks(&text, &masks) {
                let out = apply_masks(&text, &norm, false);
                if !text.contains("[maskerat") {
                    // the copy is exactly the unmasked gaps with one marker between each
                    let mut gaps = Vec::new();
                    let mut at = 0;
                    for m in &norm {
                        gaps.push(&text[at..m.start]);
                        at = m.end;
                    }
                    gaps.push(&text[at..]);
                    let marker = mask_marker("OSL 21 kap. 7 §", false);
                    let pieces: Vec<&str> = out.split(marker.as_str()).collect();
                    prop_assert_eq!(pieces, gaps);
                }
            }
            let _ = parse_char_ranges(&text, &format!("{}-{}", picks.len(), picks.len() + 3));
        }
    }
}
