//! An organisation's accounts, units, staff and working-time calendar, as the staff pages read
//! them on every request, kept while the organisation's audit chain does not move (see
//! [`crate::kept`]): one primary-key read instead of four list queries per page.
use crate::{App, Result};
use insyn_calendar::CalendarRules;
use insyn_domain::{Account, AccountId, OrgId, StaffUser, Unit, UserId};
use std::sync::Arc;
use std::time::Duration;

/// How long a view is used at most, even when the mark has not moved (belt and braces: every
/// change to what it holds is audited).
pub const VIEW_FOR: Duration = Duration::from_secs(60);

/// What the staff pages of one organisation list on every request.
#[derive(Debug, Clone)]
pub struct OrgView {
    pub org: OrgId,
    /// The audit chain's head sequence number when this was read: the organisation's change mark.
    pub mark: i64,
    pub accounts: Vec<Account>,
    pub units: Vec<Unit>,
    pub users: Vec<StaffUser>,
    pub calendar: CalendarRules,
}

impl OrgView {
    pub fn account(&self, id: AccountId) -> Option<&Account> {
        self.accounts.iter().find(|a| a.id == id)
    }

    pub fn user(&self, id: UserId) -> Option<&StaffUser> {
        self.users.iter().find(|u| u.id == id)
    }
}

impl App {
    /// The organisation's change mark: the sequence number of its audit chain's head.
    pub async fn org_mark(&self, org: OrgId) -> Result<i64> {
        Ok(self.store.audit_head(org).await?.0)
    }

    /// The organisation's accounts, units, staff and calendar as of now: read again only when
    /// the organisation's audit chain has moved since (or after [`VIEW_FOR`]).
    pub async fn org_view(&self, org: OrgId) -> Result<Arc<OrgView>> {
        let mark = self.org_mark(org).await?;
        self.org_views
            .get_or_load(org, mark, |_| true, async {
                let (accounts, units, users, calendar) = futures::try_join!(
                    self.accounts(org),
                    self.units(org),
                    self.users(org),
                    self.calendar_rules(org)
                )?;
                Ok(OrgView {
                    org,
                    mark,
                    accounts,
                    units,
                    users,
                    calendar,
                })
            })
            .await
    }
}
