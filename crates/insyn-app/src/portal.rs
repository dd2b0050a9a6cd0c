//! The public portal's use cases (R7.1, R7.3; issue 6): the release policy and its sweep, the
//! staff release / withdraw action, and the public projections (search, record, register).
//!
//! Every public read goes through [`insyn_domain::is_public`] here, in the application, not in a
//! template: search asks the index for released, undeleted records only and checks each record
//! again; a record page, its thread context, its versions and its print view all come from
//! [`App::public_record`]. The projections carry no staff-only data (classification history,
//! findings, handling, author platform ids), and authors' names as the policy allows.
use crate::{App, AppError, Result};
use chrono::{DateTime, Utc};
use insyn_domain::release::{POLICY_ACTOR, ReleaseDecision, ReleaseFacts, decide};
use insyn_domain::*;
use insyn_store::RecordFilter;
use serde::Serialize;
use std::collections::BTreeMap;

/// The largest page of public search results.
pub const MAX_PAGE_SIZE: usize = 50;
/// The deepest result a public search pages to (page × size); deeper asks are refused.
pub const MAX_RESULT_DEPTH: usize = 10_000;
/// The longest public search text, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Replies shown as thread context on a record page.
const THREAD_LIMIT: i64 = 200;

/// A search of released records as the public asks it (already parsed and bounded).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublicQuery {
    pub text: String,
    pub account: Option<AccountId>,
    pub direction: Option<Direction>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub newest_first: bool,
    /// From 1.
    pub page: usize,
    pub per_page: usize,
}

impl PublicQuery {
    /// Refuses what the portal never runs: over-long text, page 0, pages past the depth limit.
    pub fn validate(&self) -> Result<()> {
        if self.text.chars().count() > MAX_QUERY_CHARS {
            return Err(AppError::invalid(
                "q",
                format!("the search text is longer than {MAX_QUERY_CHARS} characters"),
            ));
        }
        if self.per_page == 0 || self.per_page > MAX_PAGE_SIZE {
            return Err(AppError::invalid(
                "per_page",
                format!("a page holds 1 to {MAX_PAGE_SIZE} results"),
            ));
        }
        if self.page == 0 || self.page.saturating_mul(self.per_page) > MAX_RESULT_DEPTH {
            return Err(AppError::invalid(
                "page",
                format!(
                    "pages start at 1 and reach the first {MAX_RESULT_DEPTH} results; narrow the search"
                ),
            ));
        }
        if let (Some(f), Some(t)) = (self.from, self.to)
            && f > t
        {
            return Err(AppError::invalid("from", "the period starts after it ends"));
        }
        Ok(())
    }
}

/// A record as the public sees it.
#[derive(Debug, Clone, Serialize)]
pub struct PublicItem {
    pub id: RecordId,
    pub account_id: AccountId,
    pub kind: ItemKind,
    pub direction: Direction,
    /// The author's name as the release policy allows; `None` when hidden.
    pub author: Option<String>,
    pub available_at: DateTime<Utc>,
    pub version: u32,
    pub text: String,
}

impl PublicItem {
    fn of(r: &Record, policy: &ReleasePolicy) -> PublicItem {
        PublicItem {
            id: r.id,
            account_id: r.account_id,
            kind: r.kind,
            direction: r.direction,
            author: policy.author_shown(r.direction, &r.author_name),
            available_at: r.available_at,
            version: r.version,
            text: r.text.clone(),
        }
    }
}

/// One version of a public record.
#[derive(Debug, Clone, Serialize)]
pub struct PublicVersion {
    pub number: u32,
    pub author: Option<String>,
    pub captured_at: DateTime<Utc>,
    pub text: String,
    pub content_digest: String,
}

/// A search hit with its thread's first post when that is public too.
#[derive(Debug, Clone, Serialize)]
pub struct PublicHit {
    pub item: PublicItem,
    pub snippet: String,
    pub thread_start: Option<PublicItem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PublicPage {
    pub total: u64,
    pub hits: Vec<PublicHit>,
}

/// A record page: the record, its account, its thread context and its versions.
#[derive(Debug, Clone, Serialize)]
pub struct PublicRecord {
    pub item: PublicItem,
    pub account: Account,
    /// The post this one answers, if public.
    pub parent: Option<PublicItem>,
    /// The thread's other public records, oldest first.
    pub thread: Vec<PublicItem>,
    pub versions: Vec<PublicVersion>,
    /// The diary number where the record is registered (R6.2), e.g. "KS 2026/0042-1".
    pub diary_number: Option<String>,
}

/// The register page's data (R1.3).
#[derive(Debug, Clone, Serialize)]
pub struct PublicRegister {
    pub organisation: Organisation,
    /// Active and closed accounts (planned ones are not public yet).
    pub accounts: Vec<(Account, Option<Unit>)>,
    /// Records kept per account: (created, received).
    pub counts: BTreeMap<AccountId, (i64, i64)>,
    pub released: u64,
    pub policy: ReleasePolicy,
    /// The disposal rules in force (R9), for the description of the records kept.
    pub disposal_rules: Vec<insyn_domain::DisposalRule>,
}

/// What a release sweep did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ReleaseSweep {
    pub examined: u64,
    pub released: u64,
    /// Why the others wait, by reason.
    pub held: BTreeMap<String, u64>,
}

/// How long the public pages reuse an organisation's release policy.
pub const POLICY_FOR: std::time::Duration = std::time::Duration::from_secs(5);

impl App {
    // --- the release policy ---

    /// The organisation's release policy (the cautious defaults when none is stored).
    pub async fn release_policy(&self, org: OrgId) -> Result<ReleasePolicy> {
        match self.store.release_policy(org).await? {
            Some(json) => Ok(ReleasePolicy::from_json(&json)?),
            None => Ok(ReleasePolicy::default()),
        }
    }

    /// The release policy as the public pages read it on every request: kept for
    /// [`POLICY_FOR`] (a change made in this process is seen at once; one made by another
    /// process sharing the database within that time).
    async fn public_release_policy(&self, org: OrgId) -> Result<std::sync::Arc<ReleasePolicy>> {
        self.release_policies
            .get_or_load(org, 0, |_| true, self.release_policy(org))
            .await
    }

    pub async fn set_release_policy(
        &self,
        org: OrgId,
        policy: &ReleasePolicy,
        actor: &str,
    ) -> Result<()> {
        let set = self
            .store
            .set_release_policy(org, &policy.to_json(), actor)
            .await;
        self.release_policies.clear();
        Ok(set?)
    }

    /// Releases what the policy releases on its own: unassessed records that nobody has
    /// classified, without findings or deletion, of the kinds the policy names. One
    /// transaction per batch; the search index follows before this returns.
    pub async fn apply_release_policy(&self, org: OrgId) -> Result<ReleaseSweep> {
        let high = self.store.record_events_high_water().await?;
        let policy = self.release_policy(org).await?;
        let sweep = self.sweep_release(org, &policy).await?;
        self.store
            .set_release_sweep_mark(org, high, &policy.to_json())
            .await?;
        Ok(sweep)
    }

    /// The server's sweep of one organisation: skipped (`None`) when no record has changed
    /// anywhere (the record events high water) and the policy is the same since its last sweep
    /// started. A sweep of a large store reads every unassessed record (about 5 s at 1M records
    /// with 360k held for findings), which the server would otherwise repeat every minute.
    pub async fn apply_release_policy_if_changed(
        &self,
        org: OrgId,
    ) -> Result<Option<ReleaseSweep>> {
        let high = self.store.record_events_high_water().await?;
        let policy = self.release_policy(org).await?;
        let json = policy.to_json();
        if let Some((h, p)) = self.store.release_sweep_mark(org).await?
            && h == high
            && p == json
        {
            return Ok(None);
        }
        let sweep = self.sweep_release(org, &policy).await?;
        self.store.set_release_sweep_mark(org, high, &json).await?;
        Ok(Some(sweep))
    }

    async fn sweep_release(&self, org: OrgId, policy: &ReleasePolicy) -> Result<ReleaseSweep> {
        let mut sweep = ReleaseSweep::default();
        let mut after = RecordId(0);
        loop {
            let batch = self.store.release_candidates(org, after, 2000).await?;
            let Some(last) = batch.last() else { break };
            after = last.record.id;
            let mut release = Vec::new();
            for c in &batch {
                sweep.examined += 1;
                let facts = ReleaseFacts {
                    direction: c.record.direction,
                    kind: c.record.kind,
                    classification: c.record.classification,
                    deleted: c.record.deleted_seen_at.is_some(),
                    findings: c.findings,
                    screened: c.screened,
                };
                match decide(policy, &facts) {
                    ReleaseDecision::Release => release.push(c.record.id),
                    ReleaseDecision::Hold(h) => {
                        let key = serde_json::to_value(h)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default();
                        *sweep.held.entry(key).or_default() += 1;
                    }
                }
            }
            let changed = self
                .store
                .classify_batch(
                    org,
                    &release,
                    Classification::Unassessed,
                    Classification::Released,
                    "released by the organisation's release policy",
                    POLICY_ACTOR,
                )
                .await?;
            sweep.released += changed.len() as u64;
        }
        if sweep.released > 0 {
            self.sync_search().await?;
        }
        Ok(sweep)
    }

    /// Takes back from the portal what the release policy released on its own when a later
    /// screening (an edit, or new rules) finds something in it: the policy never releases a
    /// record with findings, so it must not keep one released either. A record a person
    /// released stays as the person decided; its findings reach the inbox like any other.
    /// Returns the records withdrawn.
    pub async fn withdraw_after_findings(&self, found: &[RecordId]) -> Result<Vec<RecordId>> {
        let mut ids: Vec<RecordId> = found.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let mut withdrawn = Vec::new();
        if ids.is_empty() {
            return Ok(withdrawn);
        }
        for org in self.store.list_organisations().await? {
            for record in self.store.get_records(org.id, &ids).await? {
                if record.classification != Classification::Released {
                    continue;
                }
                let events = self.store.record_events(org.id, record.id).await?;
                let released_by_policy = events
                    .iter()
                    .rev()
                    .find(|e| e.kind == insyn_domain::RecordEventKind::Classified)
                    .is_some_and(|e| e.actor == POLICY_ACTOR);
                if !released_by_policy {
                    continue;
                }
                self.store
                    .classify(
                        org.id,
                        record.id,
                        Classification::Unassessed,
                        "withdrawn from the portal by the release policy: a later screening found something that needs a person's assessment",
                        POLICY_ACTOR,
                    )
                    .await?;
                withdrawn.push(record.id);
            }
        }
        if !withdrawn.is_empty() {
            tracing::info!(
                records = withdrawn.len(),
                "withdrew policy-released records after new findings"
            );
            self.sync_search().await?;
        }
        Ok(withdrawn)
    }

    /// Runs the release sweep for every organisation (the server's background loop).
    pub async fn apply_release_policies(&self) -> Result<u64> {
        let mut released = 0;
        for org in self.store.list_organisations().await? {
            if let Some(sweep) = self.apply_release_policy_if_changed(org.id).await? {
                released += sweep.released;
            }
        }
        Ok(released)
    }

    /// A person releases a record to the portal (staff action). Deleted content is refused:
    /// the portal never shows it.
    pub async fn release_record(
        &self,
        org: OrgId,
        id: RecordId,
        reason: &str,
        actor: &str,
    ) -> Result<Record> {
        let record = self.store.get_record(org, id).await?;
        if record.deleted_seen_at.is_some() {
            return Err(AppError::Conflict(
                "the record was deleted on the platform; deleted content is not shown on the portal"
                    .into(),
            ));
        }
        self.classify(org, id, Classification::Released, reason, actor)
            .await
    }

    /// A person withdraws a record from the portal: back to unassessed, and the policy never
    /// releases it again on its own.
    pub async fn withdraw_record(
        &self,
        org: OrgId,
        id: RecordId,
        reason: &str,
        actor: &str,
    ) -> Result<Record> {
        let record = self.store.get_record(org, id).await?;
        if record.classification != Classification::Released {
            return Err(AppError::Conflict(
                "the record is not released, so there is nothing to withdraw".into(),
            ));
        }
        self.classify(org, id, Classification::Unassessed, reason, actor)
            .await
    }

    /// The staff action on the record page: release (`true`) or withdraw, by a user allowed to.
    pub async fn set_release_for_staff(
        &self,
        user: &StaffUser,
        id: RecordId,
        release: bool,
        reason: &str,
    ) -> Result<Record> {
        let org = user.org_id;
        let record = self
            .store
            .get_record(org, id)
            .await
            .map_err(|_| AppError::NotFound("no such record".into()))?;
        if !insyn_domain::staff::can_release(user, org, record.account_id, record.classification) {
            return Err(AppError::Forbidden(
                "only the communicator and the registrar release records to the portal".into(),
            ));
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(AppError::invalid("reason", "give a reason"));
        }
        if release {
            self.release_record(org, id, reason, &user.actor()).await
        } else {
            self.withdraw_record(org, id, reason, &user.actor()).await
        }
    }

    // --- public reads ---

    /// An organisation by its slug, for the public (same message whether unknown or invalid).
    pub async fn public_organisation(&self, slug: &str) -> Result<Organisation> {
        if validate_slug_quietly(slug) {
            self.organisation(slug).await
        } else {
            Err(AppError::NotFound(format!(
                "no organisation named '{slug}'"
            )))
        }
    }

    /// Searches released, undeleted records of one organisation.
    pub async fn public_search(&self, org: OrgId, q: &PublicQuery) -> Result<PublicPage> {
        q.validate()?;
        let policy = self.public_release_policy(org).await?;
        let mut query = SearchQuery::new(org, q.text.trim());
        query.accounts = q.account.into_iter().collect();
        query.direction = q.direction;
        query.classifications = vec![Classification::Released];
        query.include_deleted = false;
        query.from = q.from;
        query.to = q.to;
        query.order = if q.newest_first || q.text.trim().is_empty() {
            SearchOrder::Newest
        } else {
            SearchOrder::Relevance
        };
        query.offset = (q.page - 1) * q.per_page;
        query.limit = q.per_page;
        let page = self.search(&query).await?;
        // the index may lag a classification by a moment: check each record again
        let public: Vec<_> = page
            .results
            .into_iter()
            .filter(|f| is_public(&f.record) && f.record.org_id == org)
            .collect();
        let keys: Vec<(AccountId, String)> = public
            .iter()
            .filter_map(|f| {
                let t = f.record.thread_platform_id.as_ref()?;
                (t != &f.record.platform_item_id).then(|| (f.record.account_id, t.clone()))
            })
            .collect();
        let starters = if keys.is_empty() {
            Vec::new()
        } else {
            self.store.records_by_platform_ids(org, &keys).await?
        };
        let hits = public
            .into_iter()
            .map(|f| {
                let thread_start = f.record.thread_platform_id.as_ref().and_then(|t| {
                    starters
                        .iter()
                        .find(|s| {
                            &s.platform_item_id == t
                                && s.account_id == f.record.account_id
                                && s.id != f.record.id
                                && is_public(s)
                        })
                        .map(|s| PublicItem::of(s, &policy))
                });
                PublicHit {
                    snippet: public_snippet(&f.hit.snippet, &f.record.text),
                    item: PublicItem::of(&f.record, &policy),
                    thread_start,
                }
            })
            .collect();
        Ok(PublicPage {
            total: page.total,
            hits,
        })
    }

    /// A released record with its public thread context and its versions; anything else is
    /// "not found", the same answer as for an id that does not exist.
    pub async fn public_record(&self, org: OrgId, id: RecordId) -> Result<PublicRecord> {
        let hidden = || AppError::NotFound(format!("no public record {id}"));
        let record = match self.store.get_record(org, id).await {
            Ok(r) if is_public(&r) && r.org_id == org => r,
            Ok(_) | Err(insyn_store::StoreError::NotFound { .. }) => return Err(hidden()),
            Err(e) => return Err(e.into()),
        };
        let policy = self.public_release_policy(org).await?;
        let account = self.store.get_account(org, record.account_id).await?;
        let thread_key = record
            .thread_platform_id
            .clone()
            .unwrap_or_else(|| record.platform_item_id.clone());
        let mut thread: Vec<Record> = self
            .store
            .list_records(
                org,
                &RecordFilter {
                    account: Some(record.account_id),
                    classification: Some(Classification::Released),
                    thread: Some(thread_key),
                    limit: THREAD_LIMIT,
                    ..RecordFilter::default()
                },
            )
            .await?
            .into_iter()
            .filter(|r| is_public(r) && r.id != record.id)
            .collect();
        thread.sort_by_key(|r| (r.available_at, r.id));
        let parent = record.parent_platform_id.as_ref().and_then(|p| {
            thread
                .iter()
                .find(|r| &r.platform_item_id == p)
                .map(|r| PublicItem::of(r, &policy))
        });
        let versions = self
            .store
            .record_versions(org, id)
            .await?
            .into_iter()
            .map(|v| PublicVersion {
                number: v.number,
                author: policy.author_shown(record.direction, &v.author_name),
                captured_at: v.captured_at,
                text: v.text,
                content_digest: v.content_digest.to_hex(),
            })
            .collect();
        let diary_number = self.diary_number(org, record.id).await?;
        Ok(PublicRecord {
            item: PublicItem::of(&record, &policy),
            account,
            parent,
            thread: thread.iter().map(|r| PublicItem::of(r, &policy)).collect(),
            versions,
            diary_number,
        })
    }

    /// The register page's data: accounts that are or were in use, what is kept, the policy.
    pub async fn public_register(&self, org: &Organisation) -> Result<PublicRegister> {
        let units = self.store.list_units(org.id).await?;
        let accounts = self
            .store
            .list_accounts(org.id)
            .await?
            .into_iter()
            .filter(|a| a.status != AccountStatus::Planned)
            .map(|a| {
                let unit = units.iter().find(|u| u.id == a.unit_id).cloned();
                (a, unit)
            })
            .collect::<Vec<_>>();
        let mut counts: BTreeMap<AccountId, (i64, i64)> = BTreeMap::new();
        for c in self.store.record_counts(org.id).await? {
            if accounts.iter().any(|(a, _)| a.id == c.account_id) {
                let e = counts.entry(c.account_id).or_default();
                match c.direction {
                    Direction::Created => e.0 += c.count,
                    Direction::Received => e.1 += c.count,
                }
            }
        }
        let mut q = SearchQuery::new(org.id, "");
        q.classifications = vec![Classification::Released];
        q.include_deleted = false;
        q.limit = 1;
        q.order = SearchOrder::Newest;
        let released = self.search.search(&q).await?.total;
        Ok(PublicRegister {
            organisation: org.clone(),
            accounts,
            counts,
            released,
            policy: self.release_policy(org.id).await?,
            disposal_rules: self.store.disposal_rules(org.id).await?,
        })
    }
}

/// The index's snippet, or the start of the text when the index gave none.
fn public_snippet(snippet: &str, text: &str) -> String {
    let s = if snippet.trim().is_empty() {
        text
    } else {
        snippet
    };
    let mut out: String = s.chars().take(300).collect();
    if s.chars().count() > 300 {
        out.push('…');
    }
    out
}

fn validate_slug_quietly(slug: &str) -> bool {
    insyn_domain::org::validate_slug(slug).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q() -> PublicQuery {
        PublicQuery {
            page: 1,
            per_page: 20,
            ..PublicQuery::default()
        }
    }

    #[test]
    fn queries_are_bounded() {
        assert!(q().validate().is_ok());
        let mut long = q();
        long.text = "a".repeat(MAX_QUERY_CHARS + 1);
        assert!(long.validate().is_err());
        let mut deep = q();
        deep.page = usize::MAX;
        assert!(deep.validate().is_err(), "no overflow, a clear refusal");
        let mut zero = q();
        zero.page = 0;
        assert!(zero.validate().is_err());
        let mut big = q();
        big.per_page = MAX_PAGE_SIZE + 1;
        assert!(big.validate().is_err());
        let mut backwards = q();
        backwards.from = Some(Utc::now());
        backwards.to = Some(Utc::now() - chrono::Duration::days(1));
        assert!(backwards.validate().is_err());
    }

    #[test]
    fn snippet_is_bounded() {
        let long = "ord ".repeat(500);
        let s = public_snippet("", &long);
        assert!(s.chars().count() <= 301);
        assert_eq!(public_snippet("träff", &long), "träff");
    }
}
