//! The inbox (R5.1, R5.2): received items that need attention on the accounts a staff member
//! may see, each due a number of working hours after it became available (the account's office
//! hours and promised response time, Swedish holidays and the organisation's extra days off),
//! their handling (assignment, answered, no answer needed, handed over) and answering.
use crate::publish::{MastodonPublisher, Publisher};
use crate::screening::{Finding as DraftFinding, screen_text};
use crate::{App, AppError, Result};
use chrono::{DateTime, Utc};
use insyn_calendar::CalendarRules;
use insyn_domain::staff as rules;
use insyn_domain::*;
use serde::Serialize;

/// Items read per page of the inbox.
pub const PAGE_SIZE: usize = 25;
/// The most open items the inbox orders at once (the oldest first, per account).
pub const MAX_ITEMS: i64 = 5000;

/// The account's office hours as the working-time calendar reads them.
pub fn calendar_hours(hours: &OfficeHours) -> insyn_calendar::OfficeHours {
    let mut out = insyn_calendar::OfficeHours::closed();
    for day in &hours.weekdays {
        if let Some(weekday) = weekday_of(*day) {
            out = out.with_day(weekday, &[(hours.opens_min, hours.closes_min)]);
        }
    }
    out
}

fn weekday_of(day: u8) -> Option<chrono::Weekday> {
    use chrono::Weekday::*;
    [Mon, Tue, Wed, Thu, Fri, Sat, Sun]
        .get(usize::from(day).checked_sub(1)?)
        .copied()
}

/// When an item that became available at `available_at` on `account` is due (R5.1).
pub fn due_at(
    available_at: DateTime<Utc>,
    account: &Account,
    calendar: &CalendarRules,
) -> Result<DateTime<Utc>> {
    insyn_calendar::deadline(
        available_at,
        account.response_hours.saturating_mul(60),
        &calendar_hours(&account.office_hours),
        calendar,
    )
    .map_err(|e| AppError::invalid("office_hours", format!("account {}: {e}", account.id)))
}

/// The earliest arrival on the account that is not overdue at `now` (to the microsecond): items
/// that arrived before it are overdue, since a deadline never comes earlier for a later
/// arrival. `None` when the calendar has no working time.
fn overdue_cutoff(
    account: &Account,
    calendar: &CalendarRules,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let mut lo = now - chrono::Duration::days(400);
    let mut hi = now;
    if due_at(lo, account, calendar).ok()? >= now {
        return Some(lo);
    }
    // due(lo) < now <= due(hi)
    while hi - lo > chrono::Duration::microseconds(1) {
        let mid = lo + (hi - lo) / 2;
        if due_at(mid, account, calendar).ok()? >= now {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Some(hi)
}

/// How many heads per account to read for a page that needs `want`: a few pages ahead, so that
/// paging on does not read again at once.
fn read_for(want: i64) -> i64 {
    want.max((PAGE_SIZE * 4) as i64)
}

/// Each account's overdue cutoff ([`overdue_cutoff`]); `None` when one has no working time.
fn overdue_cutoffs(
    accounts: &[Account],
    calendar: &CalendarRules,
    now: DateTime<Utc>,
) -> Option<Vec<(AccountId, DateTime<Utc>)>> {
    accounts
        .iter()
        .map(|a| overdue_cutoff(a, calendar, now).map(|c| (a.id, c)))
        .collect()
}

/// How long the inbox's counts (open and overdue items per account) and its ordered heads are
/// reused: they are read from the index, which costs more than the page itself, and under load
/// many requests ask at once. They are read again at once when the organisation's audit chain
/// moves (a record captured, a handling change or answer, an account or calendar change, in any
/// process: see [`crate::kept`]); the time limit is for the clock (which items are overdue).
pub const COUNTS_FOR: std::time::Duration = std::time::Duration::from_secs(2);

/// The counts are kept per organisation and set of accounts.
pub(crate) type CountsKey = (OrgId, Vec<AccountId>);
/// (account, open, overdue); `None` when an account's calendar has no working time.
pub(crate) type Counts = Option<Vec<(AccountId, i64, i64)>>;
/// The heads are kept per organisation, set of accounts and "overdue only".
pub(crate) type HeadsKey = (OrgId, Vec<AccountId>, bool);

/// The first `want` open items of each account, in deadline order, without their records.
#[derive(Debug, Clone)]
pub(crate) struct KeptHeads {
    want: i64,
    lines: Vec<(DateTime<Utc>, insyn_store::InboxHead)>,
}

/// What the inbox shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InboxFilter {
    pub account: Option<AccountId>,
    pub unit: Option<UnitId>,
    /// `None`: the open items (new and assigned).
    pub state: Option<HandlingState>,
    /// Only items with a screening finding of this category.
    pub category: Option<String>,
    pub overdue_only: bool,
    /// Only items assigned to this user.
    pub assignee: Option<UserId>,
    /// From 1.
    pub page: usize,
    /// Only the items after this one in the inbox's order (paging by cursor: the page is then
    /// the first after it).
    pub after: Option<InboxCursor>,
}

/// A place in the inbox's order (deadline, arrival, id), for paging by cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InboxCursor {
    pub due_at: DateTime<Utc>,
    pub available_at: DateTime<Utc>,
    pub id: RecordId,
}

impl InboxCursor {
    pub fn of(item: &InboxItem) -> InboxCursor {
        InboxCursor {
            due_at: item.due_at,
            available_at: item.record.available_at,
            id: item.record.id,
        }
    }

    /// As text for a URL: `{due ms}.{arrival ms}.{id}`.
    pub fn encode(&self) -> String {
        format!(
            "{}.{}.{}",
            self.due_at.timestamp_millis(),
            self.available_at.timestamp_millis(),
            self.id.0
        )
    }

    /// Reads [`InboxCursor::encode`]'s text; `None` for anything else.
    pub fn decode(text: &str) -> Option<InboxCursor> {
        let mut parts = text.trim().split('.');
        let due = parts.next()?.parse::<i64>().ok()?;
        let available = parts.next()?.parse::<i64>().ok()?;
        let id = parts.next()?.parse::<i64>().ok()?;
        if parts.next().is_some() {
            return None;
        }
        Some(InboxCursor {
            due_at: DateTime::from_timestamp_millis(due)?,
            available_at: DateTime::from_timestamp_millis(available)?,
            id: RecordId(id),
        })
    }

    fn key(&self) -> (DateTime<Utc>, DateTime<Utc>, RecordId) {
        (self.due_at, self.available_at, self.id)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct InboxItem {
    pub record: Record,
    pub handling: Handling,
    pub account_handle: String,
    pub platform: Platform,
    pub due_at: DateTime<Utc>,
    pub overdue: bool,
    pub due_today: bool,
    /// Screening categories found in the item's current text.
    pub categories: Vec<String>,
    /// The findings on the item's current text (spans in bytes of `record.text`).
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InboxPage {
    pub items: Vec<InboxItem>,
    pub total: usize,
    pub overdue: usize,
    pub page: usize,
    pub pages: usize,
}

/// The outcome of an answer.
#[derive(Debug, Clone)]
pub enum AnswerOutcome {
    /// The draft has findings (economic advice, personal data): nothing was stored; send again
    /// with the confirmation.
    NeedsConfirmation {
        text: String,
        findings: Vec<DraftFinding>,
    },
    /// The answer is stored as an upprättad record and the item marked answered.
    Stored {
        answer: Box<Record>,
        /// The platform's id when published through its API; `None`: publish by hand.
        published: Option<String>,
        manual_reason: Option<String>,
    },
}

fn categories_of(findings: &[Finding]) -> Vec<String> {
    let mut c: Vec<String> = findings.iter().map(|f| f.category.clone()).collect();
    c.sort();
    c.dedup();
    c
}

impl App {
    /// The organisation's working-time calendar (eves off by default, extra days off).
    pub async fn calendar_rules(&self, org: OrgId) -> Result<CalendarRules> {
        match self.store.organisation_calendar(org).await? {
            Some(json) => serde_json::from_str(&json).map_err(|e| {
                AppError::Internal(format!("the stored calendar of organisation {org}: {e}"))
            }),
            None => Ok(CalendarRules::default()),
        }
    }

    pub async fn set_calendar_rules(
        &self,
        org: OrgId,
        calendar: &CalendarRules,
        actor: &str,
    ) -> Result<()> {
        let json = serde_json::to_string(calendar)
            .map_err(|e| AppError::Internal(format!("calendar: {e}")))?;
        self.store
            .set_organisation_calendar(org, &json, actor)
            .await?;
        self.forget_inbox_counts();
        Ok(())
    }

    /// Adds an extra day off (klämdag) with a note to the organisation's calendar (or changes
    /// the note of one already there); deadlines follow at once. Audited (`calendar_changed`).
    pub async fn add_extra_day_off(
        &self,
        org: OrgId,
        date: chrono::NaiveDate,
        note: &str,
        actor: &str,
    ) -> Result<CalendarRules> {
        let year = chrono::Datelike::year(&date);
        if !(1900..=2200).contains(&year) {
            return Err(AppError::invalid(
                "date",
                format!("{date}: the year must be 1900-2200 / året måste vara 1900-2200"),
            ));
        }
        let note = note.trim();
        if note.chars().count() > 200 || note.chars().any(char::is_control) {
            return Err(AppError::invalid(
                "note",
                "the note is at most 200 characters on one line / anteckningen är högst 200 tecken på en rad",
            ));
        }
        let mut rules = self.calendar_rules(org).await?;
        rules.add_extra_day(date, note);
        self.set_calendar_rules(org, &rules, actor).await?;
        Ok(rules)
    }

    /// Removes an extra day off ([`AppError::NotFound`] when it is not one).
    pub async fn remove_extra_day_off(
        &self,
        org: OrgId,
        date: chrono::NaiveDate,
        actor: &str,
    ) -> Result<CalendarRules> {
        let mut rules = self.calendar_rules(org).await?;
        if !rules.remove_extra_day(date) {
            return Err(AppError::NotFound(format!(
                "{date} is not an extra day off / {date} är ingen extra ledig dag"
            )));
        }
        self.set_calendar_rules(org, &rules, actor).await?;
        Ok(rules)
    }

    /// The inbox for a staff member, ordered by deadline (soonest first), one page.
    pub async fn inbox(
        &self,
        user: &StaffUser,
        filter: &InboxFilter,
        now: DateTime<Utc>,
    ) -> Result<InboxPage> {
        let view = self.org_view(user.org_id).await?;
        self.inbox_in(&view, user, filter, now).await
    }

    /// [`App::inbox`] with the organisation's view already read (a page that also lists the
    /// accounts, units and staff reads it once).
    pub async fn inbox_in(
        &self,
        view: &crate::org_view::OrgView,
        user: &StaffUser,
        filter: &InboxFilter,
        now: DateTime<Utc>,
    ) -> Result<InboxPage> {
        let org = user.org_id;
        if view.org != org {
            return Err(AppError::Internal(format!(
                "the inbox of organisation {org} asked with the view of {}",
                view.org
            )));
        }
        let calendar = &view.calendar;
        let accounts: Vec<Account> = view
            .accounts
            .iter()
            .filter(|a| rules::can_see_account(user, org, a.id))
            .filter(|a| filter.account.is_none_or(|id| id == a.id))
            .filter(|a| filter.unit.is_none_or(|u| u == a.unit_id))
            .cloned()
            .collect();
        // the usual view (every open item, or the overdue ones) is read account by account
        // from the index; filters on state, findings, assignee or a cursor read it all
        let fast = filter.state.is_none()
            && filter.category.is_none()
            && filter.assignee.is_none()
            && filter.after.is_none()
            && accounts
                .iter()
                .all(|a| rules::can_read_record(user, org, a.id, Classification::Secret));
        if fast
            && let Some(page) = self
                .inbox_fast(org, view.mark, filter, &accounts, calendar, now)
                .await?
        {
            return Ok(page);
        }
        let ids: Vec<AccountId> = accounts.iter().map(|a| a.id).collect();
        let open_only = filter.state.is_none_or(|s| s.is_open());
        let found = self
            .store
            .inbox_items(org, &ids, open_only, MAX_ITEMS)
            .await?;
        let today = insyn_calendar::local_date(now);
        let mut items = Vec::new();
        for (record, handling) in found {
            if !rules::can_read_record(user, org, record.account_id, record.classification) {
                continue;
            }
            if let Some(state) = filter.state
                && handling.state != state
            {
                continue;
            }
            if filter.assignee.is_some() && handling.assignee != filter.assignee {
                continue;
            }
            let Some(account) = accounts.iter().find(|a| a.id == record.account_id) else {
                continue;
            };
            let due = due_at(record.available_at, account, calendar)?;
            let open = handling.state.is_open();
            let overdue = open && due < now;
            if filter.overdue_only && !overdue {
                continue;
            }
            items.push(InboxItem {
                due_today: open && !overdue && insyn_calendar::local_date(due) == today,
                overdue,
                due_at: due,
                account_handle: account.handle.clone(),
                platform: account.platform,
                categories: Vec::new(),
                findings: Vec::new(),
                record,
                handling,
            });
        }
        // findings per item, only where a category filter needs them before paging
        if let Some(category) = &filter.category {
            let mut kept = Vec::with_capacity(items.len());
            for mut item in items {
                item.findings = self.current_findings(org, &item.record).await?;
                item.categories = categories_of(&item.findings);
                if item.categories.iter().any(|c| c == category) {
                    kept.push(item);
                }
            }
            items = kept;
        }
        items.sort_by(|a, b| {
            a.due_at
                .cmp(&b.due_at)
                .then(a.record.available_at.cmp(&b.record.available_at))
                .then(a.record.id.cmp(&b.record.id))
        });
        if let Some(after) = filter.after {
            items.retain(|i| InboxCursor::of(i).key() > after.key());
        }
        let total = items.len();
        let overdue = items.iter().filter(|i| i.overdue).count();
        let pages = total.div_ceil(PAGE_SIZE).max(1);
        let page = if filter.after.is_some() {
            1
        } else {
            filter.page.clamp(1, pages)
        };
        let mut items: Vec<InboxItem> = items
            .into_iter()
            .skip((page - 1) * PAGE_SIZE)
            .take(PAGE_SIZE)
            .collect();
        if filter.category.is_none() {
            for item in &mut items {
                item.findings = self.current_findings(org, &item.record).await?;
                item.categories = categories_of(&item.findings);
            }
        }
        Ok(InboxPage {
            items,
            total,
            overdue,
            page,
            pages,
        })
    }

    /// The inbox without reading every open item: deadlines grow with the arrival time within
    /// an account, so the first `page × 25` open items of each account (oldest first, from the
    /// index, without the records) hold the page, and the counts come from the index with each
    /// account's overdue cutoff. Both are kept a moment ([`COUNTS_FOR`]) while the
    /// organisation's change mark stands; only the page's own records and findings are read on
    /// every request. `None` when an account's calendar has no working time (the full read says
    /// why).
    async fn inbox_fast(
        &self,
        org: OrgId,
        mark: i64,
        filter: &InboxFilter,
        accounts: &[Account],
        calendar: &CalendarRules,
        now: DateTime<Utc>,
    ) -> Result<Option<InboxPage>> {
        let ids: Vec<AccountId> = accounts.iter().map(|a| a.id).collect();
        let counts_key = (org, ids.clone());
        let heads_key = (org, ids, filter.overdue_only);
        let Some(counts) = self
            .inbox_counts
            .get_or_load(counts_key, mark, |_| true, async {
                match overdue_cutoffs(accounts, calendar, now) {
                    Some(c) => Ok(Some(self.store.inbox_open_counts(org, &c).await?)),
                    None => Ok::<_, AppError>(None),
                }
            })
            .await?
            .as_ref()
            .clone()
        else {
            return Ok(None);
        };
        let open: i64 = counts.iter().map(|c| c.1).sum();
        let overdue = counts.iter().map(|c| c.2).sum::<i64>().max(0) as usize;
        let total = if filter.overdue_only {
            overdue
        } else {
            open.max(0) as usize
        };
        let pages = total.min(MAX_ITEMS as usize).div_ceil(PAGE_SIZE).max(1);
        let page = filter.page.clamp(1, pages);
        let want = (page * PAGE_SIZE) as i64;
        let Some(heads) = self
            .inbox_heads
            .get_or_load(
                heads_key,
                mark,
                |h: &Option<KeptHeads>| h.as_ref().is_some_and(|h| h.want >= want),
                async {
                    let Some(cutoffs) = overdue_cutoffs(accounts, calendar, now) else {
                        return Ok::<_, AppError>(None);
                    };
                    let read = read_for(want);
                    let lines = self
                        .read_heads(org, accounts, calendar, &cutoffs, filter.overdue_only, read)
                        .await?;
                    Ok(Some(KeptHeads { want: read, lines }))
                },
            )
            .await?
            .as_ref()
            .clone()
        else {
            return Ok(None);
        };
        let chosen: Vec<&(DateTime<Utc>, insyn_store::InboxHead)> = heads
            .lines
            .iter()
            .skip((page - 1) * PAGE_SIZE)
            .take(PAGE_SIZE)
            .collect();
        let ids: Vec<RecordId> = chosen.iter().map(|(_, h)| h.record_id).collect();
        let (records, mut findings) = futures::try_join!(
            async { Ok::<_, AppError>(self.store.get_records(org, &ids).await?) },
            async { Ok::<_, AppError>(self.store.records_findings(org, &ids).await?) }
        )?;
        let mut records: std::collections::HashMap<RecordId, Record> =
            records.into_iter().map(|r| (r.id, r)).collect();
        let today = insyn_calendar::local_date(now);
        let mut items = Vec::with_capacity(chosen.len());
        for (due, head) in chosen {
            // a record disposed of since the heads were read is left out
            let Some(record) = records.remove(&head.record_id) else {
                continue;
            };
            let Some(a) = accounts.iter().find(|a| a.id == head.account_id) else {
                continue;
            };
            let (mine, rest): (Vec<Finding>, Vec<Finding>) =
                findings.into_iter().partition(|f| f.record_id == record.id);
            findings = rest;
            let mine: Vec<Finding> = mine
                .into_iter()
                .filter(|f| f.version == record.version)
                .collect();
            let overdue = *due < now;
            items.push(InboxItem {
                due_today: !overdue && insyn_calendar::local_date(*due) == today,
                overdue,
                due_at: *due,
                account_handle: a.handle.clone(),
                platform: a.platform,
                categories: categories_of(&mine),
                findings: mine,
                record,
                handling: head.handling.clone(),
            });
        }
        Ok(Some(InboxPage {
            items,
            total,
            overdue,
            page,
            pages,
        }))
    }

    /// The first `read` open items of each account in deadline order (their heads, no records).
    async fn read_heads(
        &self,
        org: OrgId,
        accounts: &[Account],
        calendar: &CalendarRules,
        cutoffs: &[(AccountId, DateTime<Utc>)],
        overdue_only: bool,
        read: i64,
    ) -> Result<Vec<(DateTime<Utc>, insyn_store::InboxHead)>> {
        let bounds: Vec<(AccountId, Option<DateTime<Utc>>)> = cutoffs
            .iter()
            .map(|(a, c)| (*a, overdue_only.then_some(*c)))
            .collect();
        let mut lines = Vec::new();
        for head in self.store.inbox_heads(org, &bounds, read).await? {
            let Some(a) = accounts.iter().find(|a| a.id == head.account_id) else {
                continue;
            };
            lines.push((due_at(head.available_at, a, calendar)?, head));
        }
        lines.sort_by(|(a_due, a), (b_due, b)| {
            a_due
                .cmp(b_due)
                .then(a.available_at.cmp(&b.available_at))
                .then(a.record_id.cmp(&b.record_id))
        });
        Ok(lines)
    }

    /// The screening findings on a record's current version.
    pub async fn current_findings(&self, org: OrgId, record: &Record) -> Result<Vec<Finding>> {
        Ok(self
            .store
            .record_findings(org, record.id)
            .await?
            .into_iter()
            .filter(|f| f.version == record.version)
            .collect())
    }

    /// When a record is due and its handling, for the record page.
    pub async fn due_and_handling(
        &self,
        org: OrgId,
        record: &Record,
    ) -> Result<(Option<DateTime<Utc>>, Handling)> {
        let handling = self.store.handling(org, record.id).await?;
        if record.direction != Direction::Received {
            return Ok((None, handling));
        }
        let account = self.store.get_account(org, record.account_id).await?;
        let calendar = self.calendar_rules(org).await?;
        Ok((
            Some(due_at(record.available_at, &account, &calendar)?),
            handling,
        ))
    }

    /// The thread around a record: the post it answers (its parent) and the replies to it, in
    /// time order, as far as the user may read them.
    pub async fn thread_context(&self, user: &StaffUser, record: &Record) -> Result<Vec<Record>> {
        let org = user.org_id;
        let thread = record
            .thread_platform_id
            .clone()
            .or_else(|| record.parent_platform_id.clone())
            .unwrap_or_else(|| record.platform_item_id.clone());
        let filter = insyn_store::RecordFilter {
            account: Some(record.account_id),
            thread: Some(thread.clone()),
            limit: 200,
            ..Default::default()
        };
        let mut found = self.store.list_records(org, &filter).await?;
        found.retain(|r| {
            r.id != record.id
                && (r.parent_platform_id.as_deref() == Some(record.platform_item_id.as_str())
                    || record.parent_platform_id.as_deref() == Some(r.platform_item_id.as_str()))
                && rules::can_read_record(user, org, r.account_id, r.classification)
        });
        found.sort_by(|a, b| a.available_at.cmp(&b.available_at).then(a.id.cmp(&b.id)));
        // shown with the record's page: logged (R12.1)
        self.log_shown(
            org,
            &user.email,
            insyn_domain::AccessVia::Thread,
            &format!("record:{}", record.id),
            found.iter().map(|r| (r.id, r.classification)),
        )
        .await?;
        Ok(found)
    }

    /// Changes an item's handling for a staff member who may answer on its account.
    pub async fn change_handling(
        &self,
        user: &StaffUser,
        id: RecordId,
        change: &HandlingChange,
    ) -> Result<Handling> {
        let record = self.record_for_staff(user, id).await?;
        if !rules::can_answer(user, user.org_id, record.account_id) {
            return Err(AppError::Forbidden(
                "you may not handle items on this account".into(),
            ));
        }
        if change.state == HandlingState::Answered {
            return Err(AppError::invalid(
                "state",
                "an item is marked answered by sending its answer",
            ));
        }
        if let Some(assignee) = change.assignee {
            let to = self
                .store
                .get_user(user.org_id, assignee)
                .await
                .map_err(|_| AppError::invalid("assignee", "no such user"))?;
            if !to.is_active() || !rules::can_answer(&to, user.org_id, record.account_id) {
                return Err(AppError::invalid(
                    "assignee",
                    format!("{} may not answer on this account", to.name),
                ));
            }
        }
        let handling = self
            .store
            .change_handling(user.org_id, id, change, &user.actor())
            .await?;
        self.forget_inbox_counts();
        Ok(handling)
    }

    /// Drops the inbox's kept counts (after a handling change or an answer).
    pub(crate) fn forget_inbox_counts(&self) {
        self.inbox_counts.clear();
        self.inbox_heads.clear();
    }

    /// The publisher for an account, or why publishing is manual.
    async fn publisher_for(
        &self,
        org: OrgId,
        account: &Account,
    ) -> Result<std::result::Result<Box<dyn Publisher>, String>> {
        if account.platform != Platform::Mastodon {
            return Ok(Err(format!(
                "publishing on {} through its API is not supported yet; publish the answer by hand",
                account.platform.display_name()
            )));
        }
        let Some(conn) = self.store.connection(org, account.id).await? else {
            return Ok(Err(
                "the account is not connected; publish the answer by hand or connect the account"
                    .into(),
            ));
        };
        let token = self
            .token_sealer()?
            .open(org, account.id, &conn.sealed_token)?;
        Ok(Ok(Box::new(MastodonPublisher::new(
            &conn.base_url,
            &token,
        )?)))
    }

    /// Answers a received item (R5.2): the signature rule, the draft screened (economic advice,
    /// personal data) with an explicit confirmation needed when it finds something, publishing
    /// through the platform where its API allows, the answer stored as an upprättad record in
    /// the thread, and the item marked answered.
    pub async fn answer(
        &self,
        user: &StaffUser,
        id: RecordId,
        draft: &str,
        confirmed: bool,
    ) -> Result<AnswerOutcome> {
        let outcome = self.answer_item(user, id, draft, confirmed).await;
        self.forget_inbox_counts();
        outcome
    }

    async fn answer_item(
        &self,
        user: &StaffUser,
        id: RecordId,
        draft: &str,
        confirmed: bool,
    ) -> Result<AnswerOutcome> {
        let org = user.org_id;
        let item = self.record_for_staff(user, id).await?;
        if !rules::can_answer(user, org, item.account_id) {
            return Err(AppError::Forbidden(
                "you may not answer on this account".into(),
            ));
        }
        if item.direction != Direction::Received {
            return Err(AppError::invalid(
                "record",
                "only received items are answered",
            ));
        }
        let text = signed_answer(draft, user)?;
        let findings = screen_text(&text, true);
        if !findings.is_empty() && !confirmed {
            return Ok(AnswerOutcome::NeedsConfirmation { text, findings });
        }
        let account = self.store.get_account(org, item.account_id).await?;
        let (platform_id, published, manual_reason) =
            match self.publisher_for(org, &account).await? {
                Ok(publisher) => {
                    let pid = publisher.reply(&item.platform_item_id, &text).await?;
                    (pid.clone(), Some(pid), None)
                }
                Err(reason) => (
                    format!("insyn-answer-{}", crate::random_hex(12)),
                    None,
                    Some(reason),
                ),
            };
        let now = Utc::now();
        let answer_item = CaptureItem {
            account_id: account.id,
            platform_item_id: platform_id,
            kind: ItemKind::Reply,
            direction: Direction::Created,
            parent_platform_id: Some(item.platform_item_id.clone()),
            thread_platform_id: Some(
                item.thread_platform_id
                    .clone()
                    .unwrap_or_else(|| item.platform_item_id.clone()),
            ),
            author_name: account.handle.clone(),
            author_platform_id: account.platform_id.clone(),
            available_at: now,
            platform_time: published.as_ref().map(|_| now),
            text: text.clone(),
            media: vec![],
            raw_blob: None,
            raw_pointer: String::new(),
        };
        let outcome = self
            .store
            .capture(org, &[answer_item], &user.actor())
            .await?;
        let answer_id = *outcome
            .record_ids
            .first()
            .ok_or_else(|| AppError::Internal("the answer was not stored".into()))?;
        let before = self.store.handling(org, id).await?;
        let note = if findings.is_empty() {
            String::new()
        } else {
            let mut cats: Vec<&str> = findings.iter().map(|f| f.category.as_str()).collect();
            cats.dedup();
            format!("sent after confirming the findings: {}", cats.join(", "))
        };
        self.store
            .change_handling(
                org,
                id,
                &HandlingChange {
                    state: HandlingState::Answered,
                    assignee: before.assignee.or(Some(user.id)),
                    answer: Some(answer_id),
                    note,
                },
                &user.actor(),
            )
            .await?;
        self.store
            .append_audit(NewAuditEntry {
                org_id: org,
                at: now,
                actor: user.actor(),
                action: AuditAction::AnswerPublished,
                subject: format!("record:{answer_id}"),
                digest: None,
                detail: serde_json::json!({
                    "in_reply_to": id.0,
                    "published": published.is_some(),
                    "platform_id": published,
                    "manual_reason": manual_reason,
                })
                .to_string(),
            })
            .await?;
        self.sync_search().await?;
        let answer = Box::new(self.store.get_record(org, answer_id).await?);
        Ok(AnswerOutcome::Stored {
            answer,
            published,
            manual_reason,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};

    fn account(response_hours: u32) -> Account {
        Account {
            id: AccountId(1),
            org_id: OrgId(1),
            unit_id: UnitId(1),
            platform: Platform::Facebook,
            handle: "kommunen".into(),
            url: String::new(),
            platform_id: String::new(),
            purpose: String::new(),
            target_group: String::new(),
            message: String::new(),
            contact: String::new(),
            responsible: vec![],
            office_hours: OfficeHours::default(),
            response_hours,
            status: AccountStatus::Active,
            planned_at: Utc::now(),
            opened_at: None,
            closed_at: None,
        }
    }

    /// Stockholm local time (CEST in summer: UTC+2).
    fn summer(d: u32, m: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, m, d, h - 2, min, 0).unwrap()
    }

    #[test]
    fn the_overdue_cutoff_splits_overdue_from_not() {
        let acc = account(8);
        for rules in [
            CalendarRules::default(),
            CalendarRules::default()
                .with_extra_day_off(NaiveDate::from_ymd_opt(2026, 6, 22).unwrap()),
        ] {
            for now in [
                summer(23, 6, 10, 0),
                summer(22, 6, 8, 0),
                summer(27, 6, 12, 0),
            ] {
                let cut = overdue_cutoff(&acc, &rules, now).unwrap();
                assert!(due_at(cut, &acc, &rules).unwrap() >= now, "{now}");
                let before = cut - chrono::Duration::microseconds(1);
                assert!(due_at(before, &acc, &rules).unwrap() < now, "{now}");
            }
        }
    }

    #[test]
    fn deadlines_across_weekend_midsummer_and_extra_days() {
        // Friday 12 June 2026 15:30: one hour left that day (until 16:30); the weekend; Monday
        // 15 June gives 8.5 h, so 8 working hours end Monday 15:00.
        let due = due_at(
            summer(12, 6, 15, 30),
            &account(8),
            &CalendarRules::default(),
        )
        .unwrap();
        assert_eq!(due, summer(15, 6, 15, 0));
        // Thursday 18 June 15:30, before midsommarafton (19 June, a day off) and the weekend:
        // 1 h Thursday, 7 h on Monday 22 June → 15:00.
        let due = due_at(
            summer(18, 6, 15, 30),
            &account(8),
            &CalendarRules::default(),
        )
        .unwrap();
        assert_eq!(due, summer(22, 6, 15, 0));
        // The same with an extra day off on Monday 22 June: Tuesday 23 June 15:00.
        let rules = CalendarRules::default()
            .with_extra_day_off(NaiveDate::from_ymd_opt(2026, 6, 22).unwrap());
        let due = due_at(summer(18, 6, 15, 30), &account(8), &rules).unwrap();
        assert_eq!(due, summer(23, 6, 15, 0));
        // Midsommarafton treated as a working day by the organisation: due Friday 19 June.
        let rules = CalendarRules {
            midsummer_eve_off: false,
            ..CalendarRules::default()
        };
        let due = due_at(summer(18, 6, 15, 30), &account(8), &rules).unwrap();
        assert_eq!(due, summer(19, 6, 15, 0));
    }

    #[test]
    fn response_hours_and_office_hours_are_the_accounts() {
        let mut a = account(2);
        let due = due_at(summer(12, 6, 15, 30), &a, &CalendarRules::default()).unwrap();
        assert_eq!(
            due,
            summer(15, 6, 9, 0),
            "1 h Friday, 1 h Monday from 08:00"
        );
        a.office_hours.weekdays = vec![1, 2, 3, 4, 5, 6];
        let due = due_at(summer(12, 6, 15, 30), &a, &CalendarRules::default()).unwrap();
        assert_eq!(due, summer(13, 6, 9, 0), "Saturday is a working day here");
    }

    #[test]
    fn bad_weekdays_are_skipped_not_a_panic() {
        let mut a = account(8);
        a.office_hours.weekdays = vec![0, 9];
        assert!(due_at(summer(12, 6, 15, 30), &a, &CalendarRules::default()).is_err());
    }
}
