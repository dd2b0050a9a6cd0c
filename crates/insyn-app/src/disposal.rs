//! Disposal (gallring, R9): `insyn dispose --dry-run | --execute`, disposal rules, legal holds,
//! crisis periods and R9.3 overrides.
//!
//! A run walks the organisation's records that are not disposed of yet, page by page; for each
//! page it reads the rules and active holds afresh, lets the domain ([`insyn_domain::disposal::assess`])
//! judge every record, and — when executing — disposes of the due ones in one store transaction
//! per page (protocol entries, emptied versions, events, audit entries), then removes the blobs no
//! remaining record refers to. A dry run changes nothing.
use crate::{App, AppError, Progress, Result};
use chrono::{DateTime, Utc};
use insyn_domain::disposal::assess;
use insyn_domain::{
    CrisisPeriod, DisposalOrder, DisposalRule, HoldScope, KeepReason, LegalHold, NewDisposalRule,
    OrgId, RecordId, Sha256Digest, Verdict,
};
use serde::Serialize;
use std::collections::BTreeMap;

/// Records judged per page (and disposed of per transaction when executing).
const PAGE: i64 = 500;
/// Due records listed by id in a report (the counts are always complete).
const LISTED: usize = 50;

/// Records due under one rule.
#[derive(Debug, Clone, Serialize)]
pub struct RuleGroup {
    pub rule: DisposalRule,
    pub records: u64,
    /// The first due records (at most 50).
    pub record_ids: Vec<RecordId>,
}

/// Records kept for one reason.
#[derive(Debug, Clone, Serialize)]
pub struct KeptGroup {
    /// `legal_hold`, `crisis_period`, `last_capture_of_closed_account`, `no_rule`,
    /// `not_yet_due`, `not_archived`.
    pub reason: &'static str,
    pub swedish: &'static str,
    pub records: u64,
    /// For legal holds: records per hold id; for not-yet-due: the soonest due time.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub per_hold: BTreeMap<i64, u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub soonest_due: Option<DateTime<Utc>>,
}

/// What a disposal run found (and, when executed, did).
#[derive(Debug, Clone, Serialize)]
pub struct DisposalReport {
    pub executed: bool,
    pub at: DateTime<Utc>,
    /// Records judged (those not disposed of before).
    pub examined: u64,
    /// Due (dry run) or disposed of (executed), grouped by rule.
    pub due: Vec<RuleGroup>,
    pub kept: Vec<KeptGroup>,
    /// Executed only: protocol entries written.
    pub disposed: u64,
    /// Executed only: blobs removed from the blob store.
    pub blobs_removed: u64,
    /// Executed only: blobs the disposed records referred to that stay (shared with kept ones).
    pub blobs_kept_shared: u64,
    pub seconds: f64,
}

impl DisposalReport {
    pub fn due_count(&self) -> u64 {
        self.due.iter().map(|g| g.records).sum()
    }
}

impl App {
    /// Judges every record not yet disposed of at `now`; with `execute`, disposes of the due
    /// ones under the protocol. `actor` is who ran it (kept in every protocol entry).
    pub async fn dispose(
        &self,
        org: OrgId,
        now: DateTime<Utc>,
        execute: bool,
        actor: &str,
        progress: &dyn Progress,
    ) -> Result<DisposalReport> {
        let started = std::time::Instant::now();
        let rules = self.store.disposal_rules(org).await?;
        let mut due: BTreeMap<i64, RuleGroup> = rules
            .iter()
            .map(|r| {
                (
                    r.id,
                    RuleGroup {
                        rule: r.clone(),
                        records: 0,
                        record_ids: Vec::new(),
                    },
                )
            })
            .collect();
        let mut kept: BTreeMap<&'static str, KeptGroup> = BTreeMap::new();
        let mut report = DisposalReport {
            executed: execute,
            at: now,
            examined: 0,
            due: Vec::new(),
            kept: Vec::new(),
            disposed: 0,
            blobs_removed: 0,
            blobs_kept_shared: 0,
            seconds: 0.0,
        };
        progress.start(
            if execute {
                "gallrar handlingar"
            } else {
                "prövar gallring (provkörning)"
            },
            0,
        );
        if execute {
            // a run that stopped between a commit and the removal of its blobs is finished first
            report.blobs_removed += self.finish_disposed_blobs().await?;
        }
        let mut after = RecordId(0);
        loop {
            let facts = self.store.disposal_facts(org, after, PAGE).await?;
            let Some(last) = facts.last() else { break };
            after = last.record_id;
            // read afresh per page: a hold set while a long run goes on is respected
            let holds = self.store.legal_holds(org, false).await?;
            let rules = if execute {
                self.store.disposal_rules(org).await?
            } else {
                rules.clone()
            };
            let mut orders = Vec::new();
            for f in &facts {
                report.examined += 1;
                match assess(f, &rules, &holds, now) {
                    Verdict::Dispose { rule } => {
                        let Some(r) = rules.iter().find(|r| r.id == rule) else {
                            continue;
                        };
                        let g = due.entry(rule).or_insert_with(|| RuleGroup {
                            rule: r.clone(),
                            records: 0,
                            record_ids: Vec::new(),
                        });
                        g.records += 1;
                        if g.record_ids.len() < LISTED {
                            g.record_ids.push(f.record_id);
                        }
                        orders.push(DisposalOrder {
                            record_id: f.record_id,
                            rule: r.clone(),
                        });
                    }
                    Verdict::Keep(reason) => {
                        let g = kept.entry(reason.key()).or_insert_with(|| KeptGroup {
                            reason: reason.key(),
                            swedish: reason.swedish(),
                            records: 0,
                            per_hold: BTreeMap::new(),
                            soonest_due: None,
                        });
                        g.records += 1;
                        match reason {
                            KeepReason::LegalHold { hold } => {
                                *g.per_hold.entry(hold).or_default() += 1;
                            }
                            KeepReason::NotYetDue { due_at, .. } => {
                                g.soonest_due =
                                    Some(g.soonest_due.map_or(due_at, |d| d.min(due_at)));
                            }
                            _ => {}
                        }
                    }
                }
            }
            if execute && !orders.is_empty() {
                let outcome = self.store.dispose(org, &orders, actor).await?;
                report.disposed += outcome.entries.len() as u64;
                report.blobs_kept_shared += outcome
                    .entries
                    .iter()
                    .flat_map(|e| e.blobs_kept.iter())
                    .collect::<std::collections::BTreeSet<_>>()
                    .len() as u64;
                report.blobs_removed +=
                    self.remove_disposed_blobs(&outcome.blobs_to_remove).await?;
            }
            progress.advance(facts.len() as u64);
        }
        if execute && report.disposed > 0 {
            // the search index drops the disposed records now rather than at the next sync
            self.sync_search().await?;
        }
        progress.finish();
        report.due = due.into_values().filter(|g| g.records > 0).collect();
        report.kept = kept.into_values().collect();
        report.seconds = started.elapsed().as_secs_f64();
        Ok(report)
    }

    /// Removes blobs whose disposal is committed.
    async fn remove_disposed_blobs(&self, digests: &[Sha256Digest]) -> Result<u64> {
        for d in digests {
            self.blobs.dispose(d).await?;
        }
        Ok(digests.len() as u64)
    }

    /// Removes every blob noted as disposed that is still in the blob store (after a run that
    /// stopped between its commit and the removal). Returns how many were still there.
    pub async fn finish_disposed_blobs(&self) -> Result<u64> {
        let mut after = None;
        let mut removed = 0;
        loop {
            let page = self.store.disposed_blobs(after, 1000).await?;
            let Some(last) = page.last() else { break };
            after = Some(*last);
            for d in &page {
                if self.blobs.exists(d).await? {
                    self.blobs.dispose(d).await?;
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }

    pub async fn add_disposal_rule(
        &self,
        org: OrgId,
        rule: &NewDisposalRule,
        actor: &str,
    ) -> Result<DisposalRule> {
        Ok(self.store.add_disposal_rule(org, rule, actor).await?)
    }

    pub async fn disposal_rules(&self, org: OrgId) -> Result<Vec<DisposalRule>> {
        Ok(self.store.disposal_rules(org).await?)
    }

    pub async fn set_legal_hold(
        &self,
        org: OrgId,
        scope: &HoldScope,
        reason: &str,
        actor: &str,
    ) -> Result<LegalHold> {
        Ok(self.store.set_legal_hold(org, scope, reason, actor).await?)
    }

    pub async fn lift_legal_hold(
        &self,
        org: OrgId,
        id: i64,
        reason: &str,
        actor: &str,
    ) -> Result<LegalHold> {
        Ok(self.store.lift_legal_hold(org, id, reason, actor).await?)
    }

    pub async fn legal_holds(&self, org: OrgId, include_lifted: bool) -> Result<Vec<LegalHold>> {
        Ok(self.store.legal_holds(org, include_lifted).await?)
    }

    pub async fn mark_crisis_period(
        &self,
        org: OrgId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        reason: &str,
        actor: &str,
    ) -> Result<CrisisPeriod> {
        Ok(self
            .store
            .mark_crisis_period(org, from, to, reason, actor)
            .await?)
    }

    pub async fn crisis_periods(&self, org: OrgId) -> Result<Vec<CrisisPeriod>> {
        Ok(self.store.crisis_periods(org).await?)
    }

    /// A person decides that R9.3's protection (crisis period, last capture of a closed account)
    /// does not apply to this record.
    pub async fn override_disposal_protection(
        &self,
        org: OrgId,
        record: RecordId,
        reason: &str,
        actor: &str,
    ) -> Result<()> {
        Ok(self
            .store
            .override_disposal_protection(org, record, reason, actor)
            .await?)
    }

    /// The disposal protocol, oldest first (at most `limit` entries after `after`).
    pub async fn disposal_protocol(
        &self,
        org: OrgId,
        after: i64,
        limit: i64,
    ) -> Result<Vec<insyn_domain::ProtocolEntry>> {
        if !(1..=10_000).contains(&limit) {
            return Err(AppError::invalid("limit", "between 1 and 10000"));
        }
        Ok(self.store.disposal_protocol(org, after, limit).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AppConfig, ExportOptions, ExportSelection, NoProgress};
    use chrono::TimeZone;
    use insyn_domain::*;
    use insyn_store::BlobMeta;
    use std::path::Path;

    fn day(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap()
    }

    struct Fixture {
        app: App,
        org: Organisation,
        main: AccountId,
        closed: AccountId,
        raw: Sha256Digest,
        photo: Sha256Digest,
        /// records of the main account by number (1..=11); 11 is from November
        ids: Vec<RecordId>,
        /// records of the closed account (older, newer)
        closed_ids: Vec<RecordId>,
    }

    async fn account(app: &App, org: OrgId, unit: UnitId, handle: &str) -> AccountId {
        app.create_account(
            org,
            &NewAccount {
                unit_id: unit,
                platform: Platform::Mastodon,
                handle: handle.into(),
                url: format!("https://social.example/{handle}"),
                platform_id: handle.into(),
                purpose: "Information".into(),
                target_group: "Invånare".into(),
                message: String::new(),
                contact: "kommunikation@ekbacka.example".into(),
                responsible: vec!["A".into(), "B".into()],
                office_hours: OfficeHours::default(),
                response_hours: 8,
            },
            "test",
        )
        .await
        .unwrap()
        .id
    }

    /// Records 1..=10 over October 2025 on the main account (a raw page shared by all, a photo
    /// on 3, 6 and 9), record 11 in November 2025; two October records on an account that then
    /// closed. October is delivered to the archive.
    async fn fixture(dir: &Path) -> Fixture {
        let app = App::open(AppConfig::embedded(dir)).await.unwrap();
        let org = app
            .create_organisation(
                &NewOrganisation {
                    slug: "ekbacka".into(),
                    name: "Ekbacka kommun".into(),
                    diary_prefix: "KS".into(),
                },
                "test",
            )
            .await
            .unwrap();
        let unit = app
            .create_unit(
                org.id,
                &NewUnit {
                    name: "Kommunikation".into(),
                    email: None,
                },
                "test",
            )
            .await
            .unwrap()
            .id;
        let main = account(&app, org.id, unit, "@ekbacka").await;
        let closed = account(&app, org.id, unit, "@projekt").await;
        let raw_bytes = bytes::Bytes::from_static(br#"{"statuses":[]}"#);
        let raw = app.blobs.put(raw_bytes.clone()).await.unwrap();
        let photo_bytes = bytes::Bytes::from(vec![7u8; 300]);
        let photo = app.blobs.put(photo_bytes).await.unwrap();
        app.store
            .register_blobs(&[
                BlobMeta {
                    sha256: raw,
                    size: raw_bytes.len() as i64,
                    media_type: "application/json".into(),
                },
                BlobMeta {
                    sha256: photo,
                    size: 300,
                    media_type: "image/jpeg".into(),
                },
            ])
            .await
            .unwrap();
        let item = |account: AccountId, id: String, at: DateTime<Utc>, media: Vec<Sha256Digest>| {
            CaptureItem {
                account_id: account,
                platform_item_id: id.clone(),
                kind: ItemKind::Comment,
                direction: Direction::Received,
                parent_platform_id: None,
                thread_platform_id: None,
                author_name: format!("Invånare {id}"),
                author_platform_id: format!("u{id}"),
                available_at: at,
                platform_time: Some(at),
                text: format!("Fråga {id} om bygglov"),
                media,
                raw_blob: Some(raw),
                raw_pointer: format!("/statuses/{id}"),
            }
        };
        let mut items: Vec<CaptureItem> = (1..=10)
            .map(|i| {
                let media = if i % 3 == 0 { vec![photo] } else { vec![] };
                item(main, i.to_string(), day(2025, 10, 1 + i), media)
            })
            .collect();
        items.push(item(main, "11".into(), day(2025, 11, 5), vec![]));
        items.push(item(closed, "p1".into(), day(2025, 10, 2), vec![]));
        items.push(item(closed, "p2".into(), day(2025, 10, 20), vec![]));
        let out = app.store.capture(org.id, &items, "test").await.unwrap();
        let ids = out.record_ids[..11].to_vec();
        let closed_ids = out.record_ids[11..].to_vec();
        app.store
            .set_account_status(org.id, closed, AccountStatus::Active, Utc::now(), "test")
            .await
            .unwrap();
        app.store
            .set_account_status(org.id, closed, AccountStatus::Closed, Utc::now(), "test")
            .await
            .unwrap();
        let october = ExportSelection {
            from: Some(Utc.with_ymd_and_hms(2025, 10, 1, 0, 0, 0).unwrap()),
            to: Some(Utc.with_ymd_and_hms(2025, 11, 1, 0, 0, 0).unwrap()),
            account: None,
        };
        app.export(
            &org,
            &october,
            &dir.join("arkiv"),
            &ExportOptions::default(),
            &NoProgress,
            "arkivarie",
        )
        .await
        .unwrap();
        Fixture {
            app,
            org,
            main,
            closed,
            raw,
            photo,
            ids,
            closed_ids,
        }
    }

    fn rule() -> NewDisposalRule {
        NewDisposalRule {
            decision: DisposalDecision {
                reference: "KS 2026/123".into(),
                decided_on: chrono::NaiveDate::from_ymd_opt(2026, 1, 10).unwrap(),
                body: "Kommunstyrelsen".into(),
            },
            class: RecordClass::All,
            account: None,
            retention_months: 1,
            only_after_archived: true,
        }
    }

    /// A hold on record 4, a crisis period around record 5.
    async fn holds_and_crisis(f: &Fixture) {
        f.app
            .set_legal_hold(
                f.org.id,
                &HoldScope::Record { record: f.ids[3] },
                "Begärd av förvaltningsrätten",
                "jurist",
            )
            .await
            .unwrap();
        f.app
            .mark_crisis_period(
                f.org.id,
                Utc.with_ymd_and_hms(2025, 10, 6, 0, 0, 0).unwrap(),
                Utc.with_ymd_and_hms(2025, 10, 7, 0, 0, 0).unwrap(),
                "Översvämning",
                "krisledning",
            )
            .await
            .unwrap();
    }

    async fn bygglov(app: &App, org: OrgId) -> Vec<RecordId> {
        app.sync_search().await.unwrap();
        let mut q = SearchQuery::new(org, "bygglov");
        q.limit = 100;
        let mut ids: Vec<RecordId> = app
            .search(&q)
            .await
            .unwrap()
            .results
            .into_iter()
            .map(|r| r.record.id)
            .collect();
        ids.sort();
        ids
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn dry_run_reports_by_rule_and_reason_and_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let f = fixture(dir.path()).await;
        let none = f
            .app
            .dispose(f.org.id, Utc::now(), false, "arkivarie", &NoProgress)
            .await
            .unwrap();
        assert_eq!(none.due_count(), 0);
        // protections are named before the missing rule
        let kept: BTreeMap<&str, u64> = none.kept.iter().map(|g| (g.reason, g.records)).collect();
        assert_eq!(
            kept,
            BTreeMap::from([("last_capture_of_closed_account", 1), ("no_rule", 12)])
        );

        let r = f
            .app
            .add_disposal_rule(f.org.id, &rule(), "arkivarie")
            .await
            .unwrap();
        holds_and_crisis(&f).await;
        let head = f.app.store.audit_head(f.org.id).await.unwrap();
        let report = f
            .app
            .dispose(f.org.id, day(2026, 11, 23), false, "arkivarie", &NoProgress)
            .await
            .unwrap();
        assert!(!report.executed);
        assert_eq!(report.examined, 13);
        assert_eq!(report.due.len(), 1);
        assert_eq!(report.due[0].rule.id, r.id);
        // 1-3, 6-10 and the closed account's older record
        assert_eq!(report.due[0].records, 9);
        let kept: BTreeMap<&str, u64> = report.kept.iter().map(|g| (g.reason, g.records)).collect();
        assert_eq!(
            kept,
            BTreeMap::from([
                ("crisis_period", 1),
                ("last_capture_of_closed_account", 1),
                ("legal_hold", 1),
                ("not_archived", 1),
            ])
        );
        // on 1 November no October record has been kept a month yet
        let early = f
            .app
            .dispose(f.org.id, day(2025, 11, 1), false, "arkivarie", &NoProgress)
            .await
            .unwrap();
        assert_eq!(early.due_count(), 0);
        assert!(early.kept.iter().any(|g| g.reason == "not_yet_due"));

        // nothing changed
        assert_eq!(f.app.store.audit_head(f.org.id).await.unwrap(), head);
        assert!(
            f.app
                .disposal_protocol(f.org.id, 0, 10)
                .await
                .unwrap()
                .is_empty()
        );
        let v = f.app.record_versions(f.org.id, f.ids[0]).await.unwrap();
        assert_eq!(v[0].text, "Fråga 1 om bygglov");
        assert!(f.app.blobs.exists(&f.photo).await.unwrap());
        assert_eq!(bygglov(&f.app, f.org.id).await.len(), 13);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn execute_keeps_what_must_stay_and_verify_still_passes() {
        let dir = tempfile::tempdir().unwrap();
        let f = fixture(dir.path()).await;
        let r = f
            .app
            .add_disposal_rule(f.org.id, &rule(), "arkivarie")
            .await
            .unwrap();
        holds_and_crisis(&f).await;
        let report = f
            .app
            .dispose(f.org.id, day(2026, 11, 23), true, "arkivarie", &NoProgress)
            .await
            .unwrap();
        assert!(report.executed);
        assert_eq!(report.disposed, 9);
        // the photo was only on disposed records (3, 6, 9); the raw page is shared with kept ones
        assert_eq!(report.blobs_removed, 1);
        assert_eq!(report.blobs_kept_shared, 1);
        assert!(!f.app.blobs.exists(&f.photo).await.unwrap());
        assert!(f.app.blobs.exists(&f.raw).await.unwrap());

        // the protocol: one complete entry per disposed record
        let protocol = f.app.disposal_protocol(f.org.id, 0, 100).await.unwrap();
        assert_eq!(protocol.len(), 9);
        let disposed: Vec<RecordId> = protocol.iter().map(|p| p.record_id).collect();
        let mut want: Vec<RecordId> = [0, 1, 2, 5, 6, 7, 8, 9].iter().map(|i| f.ids[*i]).collect();
        want.push(f.closed_ids[0]);
        assert_eq!(disposed, want);
        for p in &protocol {
            assert_eq!(p.rule_id, r.id);
            assert_eq!(p.decision.reference, "KS 2026/123");
            assert_eq!(p.disposed_by, "arkivarie");
            assert_eq!(p.versions.len(), 1);
            assert_eq!(p.versions[0].raw_blob, Some(f.raw));
            assert!(p.blobs_kept.contains(&f.raw));
            let entry = f
                .app
                .store
                .audit_entries(f.org.id, p.audit_seq - 1, 1)
                .await
                .unwrap();
            assert_eq!(entry[0].action, "record_disposed");
            assert_eq!(entry[0].subject, format!("record:{}", p.record_id));
        }
        let with_photo = protocol.iter().find(|p| p.record_id == f.ids[2]).unwrap();
        assert_eq!(with_photo.versions[0].media, vec![f.photo]);
        assert!(protocol.iter().any(|p| p.blobs_removed == vec![f.photo]));
        assert_eq!(protocol[8].account_id, f.closed);

        // kept: the held, the crisis, the unarchived and the closed account's last capture
        let kept = [f.ids[3], f.ids[4], f.ids[10], f.closed_ids[1]];
        for id in kept {
            let v = f.app.record_versions(f.org.id, id).await.unwrap();
            assert!(v[0].text.contains("bygglov"), "record {id} kept");
        }
        let gone = f.app.record_versions(f.org.id, f.ids[0]).await.unwrap();
        assert_eq!(gone[0].text, "");
        let mut kept_sorted = kept.to_vec();
        kept_sorted.sort();
        assert_eq!(bygglov(&f.app, f.org.id).await, kept_sorted);

        // verify knows the content went under the protocol: the chain holds, nothing is lost
        let v = f.app.verify(&NoProgress).await.unwrap();
        assert!(v.ok(), "{:?}", v.problems);
        assert_eq!(v.disposed_versions, 9);

        // a second run finds nothing more
        let again = f
            .app
            .dispose(f.org.id, day(2026, 11, 23), true, "arkivarie", &NoProgress)
            .await
            .unwrap();
        assert_eq!(again.disposed, 0);
        assert_eq!(again.examined, 4);

        // a blob removed WITHOUT the protocol is still caught
        std::fs::remove_file(dir.path().join("blobs").join(insyn_blobs::blob_key(&f.raw))).unwrap();
        let v = f.app.verify(&NoProgress).await.unwrap();
        assert!(!v.ok());
        assert!(
            v.problems.iter().any(|p| matches!(p, crate::VerifyProblem::Blob { sha256, .. } if *sha256 == f.raw.to_hex())),
            "{:?}",
            v.problems
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn evidence_copies_go_with_their_record_and_stay_with_kept_ones() {
        let dir = tempfile::tempdir().unwrap();
        let f = fixture(dir.path()).await;
        f.app
            .add_disposal_rule(f.org.id, &rule(), "arkivarie")
            .await
            .unwrap();
        holds_and_crisis(&f).await;
        // record 0 is disposed of, record 3 is under a legal hold
        let gone = f
            .app
            .store_evidence(f.org.id, f.ids[0], "redaktör", "test")
            .await
            .unwrap();
        let held = f
            .app
            .store_evidence(f.org.id, f.ids[3], "redaktör", "test")
            .await
            .unwrap();
        let digest = |hex: &str| hex.parse::<Sha256Digest>().unwrap();
        let (gone_pdf, gone_png) = (digest(&gone.pdf_sha256), digest(&gone.png_sha256));
        assert!(f.app.blobs.exists(&gone_pdf).await.unwrap());
        let report = f
            .app
            .dispose(f.org.id, day(2026, 11, 23), true, "arkivarie", &NoProgress)
            .await
            .unwrap();
        assert_eq!(report.disposed, 9);
        // the photo and the disposed record's evidence PDF and PNG
        assert_eq!(report.blobs_removed, 3);
        assert!(!f.app.blobs.exists(&gone_pdf).await.unwrap());
        assert!(!f.app.blobs.exists(&gone_png).await.unwrap());
        assert!(f.app.blobs.exists(&digest(&held.pdf_sha256)).await.unwrap());
        assert!(f.app.blobs.exists(&digest(&held.png_sha256)).await.unwrap());
        let protocol = f.app.disposal_protocol(f.org.id, 0, 100).await.unwrap();
        let entry = protocol.iter().find(|p| p.record_id == f.ids[0]).unwrap();
        assert!(entry.blobs_removed.contains(&gone_pdf), "{entry:?}");
        assert!(entry.blobs_removed.contains(&gone_png), "{entry:?}");
        let v = f.app.verify(&NoProgress).await.unwrap();
        assert!(v.ok(), "{:?}", v.problems);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn lifted_holds_and_overrides_let_records_go() {
        let dir = tempfile::tempdir().unwrap();
        let f = fixture(dir.path()).await;
        f.app
            .add_disposal_rule(f.org.id, &rule(), "arkivarie")
            .await
            .unwrap();
        holds_and_crisis(&f).await;
        let hold = f.app.legal_holds(f.org.id, false).await.unwrap()[0].clone();
        f.app
            .lift_legal_hold(f.org.id, hold.id, "Målet avgjort", "jurist")
            .await
            .unwrap();
        f.app
            .override_disposal_protection(f.org.id, f.ids[4], "Inte krisrelaterad", "arkivarie")
            .await
            .unwrap();
        f.app
            .override_disposal_protection(
                f.org.id,
                f.closed_ids[1],
                "Kontots sista inlägg finns i arkivet",
                "arkivarie",
            )
            .await
            .unwrap();
        let report = f
            .app
            .dispose(f.org.id, day(2026, 11, 23), true, "arkivarie", &NoProgress)
            .await
            .unwrap();
        // all but the November record, which is not archived
        assert_eq!(report.disposed, 12);
        assert_eq!(bygglov(&f.app, f.org.id).await, vec![f.ids[10]]);
        let _ = f.main;
        let v = f.app.verify(&NoProgress).await.unwrap();
        assert!(v.ok(), "{:?}", v.problems);
    }
}
