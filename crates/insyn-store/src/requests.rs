//! Requests for public records (issue 6): the filter of the staff queue and the rows as the
//! database returns them.
use crate::StoreError;
use chrono::{DateTime, NaiveDate, Utc};
use insyn_domain::{
    OrgId, OutboxMessage, RecordId, RecordRequest, RequestEvent, RequestId, RequestState, UserId,
    Withheld,
};

/// Which requests the queue lists, soonest due first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestFilter {
    /// Only requests waiting for a decision (received, under review).
    pub open_only: bool,
    pub state: Option<RequestState>,
    /// Only requests due on or before this day.
    pub due_by: Option<NaiveDate>,
    pub assignee: Option<UserId>,
    pub limit: i64,
}

/// What a decision writes beside the request: the withheld log and a message to the requester.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeEffects {
    pub withheld: Vec<Withheld>,
    /// (to, subject, body) for the outbox.
    pub message: Option<(String, String, String)>,
}

pub(crate) const REQUEST_COLUMNS: &str = "id, org_id, number, record_id, description, requester_name, requester_email, \
     received_at, due_on, state, assignee, refusal_reason, law, decided_at, decided_by";

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

#[derive(sqlx::FromRow)]
pub(crate) struct RequestRow {
    pub id: i64,
    pub org_id: i64,
    pub number: String,
    pub record_id: Option<i64>,
    pub description: String,
    pub requester_name: Option<String>,
    pub requester_email: Option<String>,
    pub received_at: DateTime<Utc>,
    pub due_on: String,
    pub state: String,
    pub assignee: Option<i64>,
    pub refusal_reason: Option<String>,
    pub law: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
}

impl TryFrom<RequestRow> for RecordRequest {
    type Error = StoreError;
    fn try_from(r: RequestRow) -> Result<Self, StoreError> {
        Ok(RecordRequest {
            id: RequestId(r.id),
            org_id: OrgId(r.org_id),
            number: r.number,
            record_id: r.record_id.map(RecordId),
            description: r.description,
            requester_name: r.requester_name,
            requester_email: r.requester_email,
            received_at: r.received_at,
            due_on: r.due_on.parse().map_err(|e| corrupt("due date", e))?,
            state: RequestState::parse(&r.state)?,
            assignee: r.assignee.map(UserId),
            refusal_reason: r.refusal_reason,
            law: r.law,
            decided_at: r.decided_at,
            decided_by: r.decided_by,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct RequestEventRow {
    pub request_id: i64,
    pub kind: String,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub detail: String,
}

impl TryFrom<RequestEventRow> for RequestEvent {
    type Error = StoreError;
    fn try_from(r: RequestEventRow) -> Result<Self, StoreError> {
        Ok(RequestEvent {
            request_id: RequestId(r.request_id),
            kind: r.kind,
            at: r.at,
            actor: r.actor,
            detail: serde_json::from_str(&r.detail).map_err(|e| corrupt("event detail", e))?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct WithheldRow {
    pub record_id: i64,
    pub version: i32,
    pub start_byte: i64,
    pub end_byte: i64,
    pub reason: String,
    pub law: String,
}

impl TryFrom<WithheldRow> for Withheld {
    type Error = StoreError;
    fn try_from(r: WithheldRow) -> Result<Self, StoreError> {
        let n = |v: i64| usize::try_from(v).map_err(|e| corrupt("withheld span", e));
        Ok(Withheld {
            record_id: RecordId(r.record_id),
            version: u32::try_from(r.version).map_err(|e| corrupt("withheld version", e))?,
            start: n(r.start_byte)?,
            end: n(r.end_byte)?,
            reason: r.reason,
            law: r.law,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct OutboxRow {
    pub request_id: i64,
    pub to_email: String,
    pub subject: String,
    pub body: String,
    pub queued_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<OutboxRow> for OutboxMessage {
    fn from(r: OutboxRow) -> Self {
        OutboxMessage {
            request_id: RequestId(r.request_id),
            to: r.to_email,
            subject: r.subject,
            body: r.body,
            queued_at: r.queued_at,
            sent_at: r.sent_at,
        }
    }
}
