//! The access log (R12.1: every access to non-public records is logged). Opening a record is also
//! an entry of the audit chain (`record_viewed`); every list that shows staff the text of
//! records that are not released (the inbox, the thread around a record, the start page, the
//! records and search APIs) writes one access entry naming the records it showed. The access log
//! is kept apart from the audit chain: it grows with every page view, and the chain's head is
//! the organisation's change mark (a view changes nothing).
use crate::ids::{OrgId, RecordId};
use crate::record::Classification;
use crate::staff::StaffUser;
use crate::{Role, error::DomainError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where records were shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AccessVia {
    /// The record's own page (or the API's record detail).
    Record,
    /// The thread shown around a record.
    Thread,
    /// The staff inbox page.
    Inbox,
    /// The inbox as JSON (`/api/v1/inbox`).
    InboxApi,
    /// The staff start page (the newest received records).
    Home,
    /// `GET /api/v1/records`.
    RecordsApi,
    /// `GET /api/v1/search`.
    SearchApi,
    /// A request for records (begäran om allmän handling) and its record.
    Request,
    /// A diary case and the excerpts of its documents.
    Case,
}

impl AccessVia {
    pub const ALL: [AccessVia; 9] = [
        AccessVia::Record,
        AccessVia::Thread,
        AccessVia::Inbox,
        AccessVia::InboxApi,
        AccessVia::Home,
        AccessVia::RecordsApi,
        AccessVia::SearchApi,
        AccessVia::Request,
        AccessVia::Case,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AccessVia::Record => "record",
            AccessVia::Thread => "thread",
            AccessVia::Inbox => "inbox",
            AccessVia::InboxApi => "inbox_api",
            AccessVia::Home => "home",
            AccessVia::RecordsApi => "records_api",
            AccessVia::SearchApi => "search_api",
            AccessVia::Request => "request",
            AccessVia::Case => "case",
        }
    }

    /// How the access log page names it.
    pub fn swedish(self) -> &'static str {
        match self {
            AccessVia::Record => "posten öppnad",
            AccessVia::Thread => "tråden kring en post",
            AccessVia::Inbox => "inkorgen",
            AccessVia::InboxApi => "inkorgen (API)",
            AccessVia::Home => "startsidan",
            AccessVia::RecordsApi => "post-API:t",
            AccessVia::SearchApi => "sök-API:t",
            AccessVia::Request => "en begäran om handlingar",
            AccessVia::Case => "ett ärende i diariet",
        }
    }

    pub fn english(self) -> &'static str {
        match self {
            AccessVia::Record => "record opened",
            AccessVia::Thread => "thread around a record",
            AccessVia::Inbox => "inbox",
            AccessVia::InboxApi => "inbox (API)",
            AccessVia::Home => "start page",
            AccessVia::RecordsApi => "records API",
            AccessVia::SearchApi => "search API",
            AccessVia::Request => "a request for records",
            AccessVia::Case => "a diary case",
        }
    }
}

impl std::fmt::Display for AccessVia {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for AccessVia {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AccessVia::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                DomainError::invalid(
                    "via",
                    format!(
                        "unknown access kind '{s}' (record, thread, inbox, inbox_api, home, \
                         records_api, search_api, request or case)"
                    ),
                )
            })
    }
}

/// An access to log: who saw which records, where and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccess {
    pub org_id: OrgId,
    pub at: DateTime<Utc>,
    /// As in the audit log: the staff member's e-mail address, `api:<org>` for an API token.
    pub actor: String,
    pub via: AccessVia,
    /// What was asked for (the page's filter, the search words), at most [`MAX_DETAIL`] bytes.
    pub detail: String,
    /// The non-public records shown, each once.
    pub records: Vec<RecordId>,
}

/// Longest `detail` kept (longer ones are cut at a character boundary).
pub const MAX_DETAIL: usize = 500;

impl NewAccess {
    /// The access to `shown` records (with their classifications) that needs logging: the ones
    /// not released, each once, in the order shown. `None` when every record shown was public.
    pub fn of_shown(
        org_id: OrgId,
        actor: &str,
        via: AccessVia,
        detail: &str,
        shown: impl IntoIterator<Item = (RecordId, Classification)>,
    ) -> Option<NewAccess> {
        // (a set: an API page may show a thousand records)
        let mut seen = std::collections::HashSet::new();
        let records: Vec<RecordId> = shown
            .into_iter()
            .filter(|(id, classification)| {
                *classification != Classification::Released && seen.insert(*id)
            })
            .map(|(id, _)| id)
            .collect();
        if records.is_empty() {
            return None;
        }
        let mut end = detail.len().min(MAX_DETAIL);
        while !detail.is_char_boundary(end) {
            end -= 1;
        }
        Some(NewAccess {
            org_id,
            at: Utc::now(),
            actor: actor.to_string(),
            via,
            detail: detail[..end].to_string(),
            records,
        })
    }
}

/// A logged access.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessEntry {
    pub id: i64,
    pub org_id: OrgId,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub via: AccessVia,
    pub detail: String,
    pub records: Vec<RecordId>,
}

/// Which logged accesses to list (newest first).
#[derive(Debug, Clone, Default)]
pub struct AccessFilter {
    /// Only accesses that showed this record.
    pub record: Option<RecordId>,
    /// Only this actor (exact).
    pub actor: Option<String>,
    /// From this time (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Before this time (exclusive).
    pub to: Option<DateTime<Utc>>,
    /// Older than the access with this id (the next page).
    pub before_id: Option<i64>,
    /// 1 to 1,000.
    pub limit: i64,
}

/// May the user read the organisation's access log? The data protection officer, whose task
/// the review of access logs is (logguppföljning), and the administrator.
pub fn can_read_access_log(user: &StaffUser, org: OrgId) -> bool {
    user.is_active()
        && user.org_id == org
        && (user.has_role(Role::DataProtectionOfficer) || user.has_role(Role::Administrator))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_records_not_released_are_logged_each_once() {
        let a = NewAccess::of_shown(
            OrgId(1),
            "anna@ekbacka.se",
            AccessVia::Inbox,
            "konto=3",
            [
                (RecordId(1), Classification::Released),
                (RecordId(2), Classification::Unassessed),
                (RecordId(3), Classification::Secret),
                (RecordId(2), Classification::Unassessed),
                (RecordId(4), Classification::UnderReview),
            ],
        )
        .expect("non-public records shown");
        assert_eq!(a.records, vec![RecordId(2), RecordId(3), RecordId(4)]);
        assert_eq!(a.detail, "konto=3");
        assert!(
            NewAccess::of_shown(
                OrgId(1),
                "x",
                AccessVia::Home,
                "",
                [(RecordId(1), Classification::Released)]
            )
            .is_none()
        );
    }

    #[test]
    fn long_details_are_cut_at_a_character() {
        let detail = "ö".repeat(400);
        let a = NewAccess::of_shown(
            OrgId(1),
            "x",
            AccessVia::SearchApi,
            &detail,
            [(RecordId(1), Classification::Unassessed)],
        )
        .expect("logged");
        assert!(a.detail.len() <= MAX_DETAIL && a.detail.chars().all(|c| c == 'ö'));
    }

    #[test]
    fn kinds_round_trip() {
        for v in AccessVia::ALL {
            assert_eq!(v.as_str().parse::<AccessVia>().expect("known"), v);
        }
        assert!("nowhere".parse::<AccessVia>().is_err());
    }
}
