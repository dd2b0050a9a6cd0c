//! Disposal (R9) and the delivery log (R8.3) on every backend (SQLite always, PostgreSQL when
//! the test server is configured; see insyn-testkit): rules, holds, crisis periods, the facts
//! disposal judges by, execution with its protocol and shared blobs, and re-deliveries.
use chrono::{Duration, NaiveDate, Utc};
use insyn_domain::audit::ChainVerifier;
use insyn_domain::*;
use insyn_store::*;

#[macro_use]
mod support;
use support::Backend;

suite!(
    prefix = "disposal_",
    pass = backend;
    rules_holds_and_periods_are_stored_and_audited,
    facts_know_archived_crisis_and_closed_accounts,
    dispose_keeps_a_protocol_and_shared_blobs,
    versions_cannot_be_emptied_without_a_protocol_entry,
    delivery_log_marks_redeliveries,
);

async fn org(s: &dyn Store, slug: &str) -> (Organisation, Account) {
    let o = s
        .create_organisation(
            &NewOrganisation {
                slug: slug.into(),
                name: format!("{slug} kommun"),
                diary_prefix: "KS".into(),
            },
            "test",
        )
        .await
        .unwrap();
    let u = s
        .create_unit(
            o.id,
            &NewUnit {
                name: "Kommunikation".into(),
                email: None,
            },
            "test",
        )
        .await
        .unwrap();
    let a = s
        .create_account(
            o.id,
            &NewAccount {
                unit_id: u.id,
                platform: Platform::Facebook,
                handle: "Testkommun".into(),
                url: "https://facebook.com/testkommun".into(),
                platform_id: "1001".into(),
                purpose: "Information".into(),
                target_group: "Invånare".into(),
                message: String::new(),
                contact: "info@test.se".into(),
                responsible: vec!["Anna Andersson".into(), "Bo Berg".into()],
                office_hours: OfficeHours::default(),
                response_hours: 8,
            },
            "test",
        )
        .await
        .unwrap();
    (o, a)
}

fn item(account: AccountId, id: &str, days_ago: i64) -> CaptureItem {
    CaptureItem {
        account_id: account,
        platform_item_id: id.into(),
        kind: ItemKind::Comment,
        direction: Direction::Received,
        parent_platform_id: Some("p1".into()),
        thread_platform_id: Some("p1".into()),
        author_name: "Eva".into(),
        author_platform_id: "e1".into(),
        available_at: Utc::now() - Duration::days(days_ago),
        platform_time: None,
        text: format!("text {id}"),
        media: vec![],
        raw_blob: None,
        raw_pointer: String::new(),
    }
}

fn new_rule(account: Option<AccountId>) -> NewDisposalRule {
    NewDisposalRule {
        decision: DisposalDecision {
            reference: "KS 2026/123".into(),
            decided_on: NaiveDate::from_ymd_opt(2026, 1, 10).unwrap(),
            body: "Kommunstyrelsen".into(),
        },
        class: RecordClass::ReceivedComments,
        account,
        retention_months: 1,
        only_after_archived: true,
    }
}

async fn chain_ok(s: &dyn Store, org: OrgId) -> i64 {
    let mut v = ChainVerifier::new(org);
    let entries = s.audit_entries(org, 0, 100_000).await.unwrap();
    for e in &entries {
        v.check(e).expect("the audit chain holds");
    }
    assert_eq!(s.audit_head(org).await.unwrap(), v.head());
    entries.len() as i64
}

async fn rules_holds_and_periods_are_stored_and_audited(b: &Backend) {
    let s = &*b.store;
    let (o, a) = org(s, "ra").await;
    let (other, other_account) = org(s, "rb").await;
    let before = chain_ok(s, o.id).await;

    let rule = s
        .add_disposal_rule(o.id, &new_rule(Some(a.id)), "arkivarie")
        .await
        .unwrap();
    assert_eq!(rule.rule, new_rule(Some(a.id)));
    assert_eq!(rule.created_by, "arkivarie");
    assert_eq!(s.disposal_rules(o.id).await.unwrap(), vec![rule.clone()]);
    assert!(s.disposal_rules(other.id).await.unwrap().is_empty());
    // another organisation's account, an empty reference, a future decision: refused
    let e = s
        .add_disposal_rule(o.id, &new_rule(Some(other_account.id)), "x")
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::NotFound { .. }), "{e}");
    let mut bad = new_rule(None);
    bad.decision.reference = " ".into();
    assert!(s.add_disposal_rule(o.id, &bad, "x").await.is_err());
    bad = new_rule(None);
    bad.decision.decided_on = Utc::now().date_naive() + Duration::days(2);
    assert!(s.add_disposal_rule(o.id, &bad, "x").await.is_err());

    let out = s
        .capture(o.id, &[item(a.id, "c1", 90)], "capture")
        .await
        .unwrap();
    let rid = out.record_ids[0];
    let scopes = [
        HoldScope::Record { record: rid },
        HoldScope::Thread {
            account: a.id,
            thread: "p1".into(),
        },
        HoldScope::Account { account: a.id },
    ];
    let mut holds = Vec::new();
    for scope in &scopes {
        holds.push(
            s.set_legal_hold(o.id, scope, "Tvist vid förvaltningsrätten", "jurist")
                .await
                .unwrap(),
        );
    }
    assert!(
        s.set_legal_hold(o.id, &scopes[0], "  ", "jurist")
            .await
            .is_err(),
        "a reason is required"
    );
    assert!(
        s.set_legal_hold(
            other.id,
            &HoldScope::Record { record: rid },
            "fel organisation",
            "x"
        )
        .await
        .is_err(),
        "another organisation's record cannot be held"
    );
    let lifted = s
        .lift_legal_hold(o.id, holds[0].id, "Målet avgjort", "jurist")
        .await
        .unwrap();
    assert_eq!(lifted.lift_reason.as_deref(), Some("Målet avgjort"));
    assert!(!lifted.active());
    let again = s
        .lift_legal_hold(o.id, holds[0].id, "igen", "jurist")
        .await
        .unwrap_err();
    assert!(matches!(again, StoreError::Conflict(_)), "{again}");
    assert!(
        s.lift_legal_hold(other.id, holds[1].id, "fel", "x")
            .await
            .is_err()
    );
    assert_eq!(s.legal_holds(o.id, false).await.unwrap().len(), 2);
    assert_eq!(s.legal_holds(o.id, true).await.unwrap().len(), 3);
    assert_eq!(s.legal_holds(o.id, true).await.unwrap()[1].scope, scopes[1]);

    let from = Utc::now() - Duration::days(100);
    let crisis = s
        .mark_crisis_period(
            o.id,
            from,
            from + Duration::days(20),
            "Översvämning",
            "krisledning",
        )
        .await
        .unwrap();
    assert_eq!(s.crisis_periods(o.id).await.unwrap(), vec![crisis]);
    assert!(
        s.mark_crisis_period(o.id, from, from, "tom", "x")
            .await
            .is_err()
    );
    s.override_disposal_protection(o.id, rid, "Beslut av arkivansvarig", "arkivarie")
        .await
        .unwrap();

    // rule, 3 holds, 1 lift, crisis, override, plus the capture entries
    let entries = s.audit_entries(o.id, before, 1000).await.unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    for action in [
        "disposal_rule_added",
        "legal_hold_set",
        "legal_hold_lifted",
        "crisis_period_marked",
        "disposal_protection_overridden",
    ] {
        assert!(actions.contains(&action), "{action} audited: {actions:?}");
    }
    assert_eq!(
        actions.iter().filter(|a| **a == "legal_hold_set").count(),
        3
    );
    chain_ok(s, o.id).await;
}

fn delivery(
    from: Option<chrono::DateTime<Utc>>,
    to: chrono::DateTime<Utc>,
    records: &str,
) -> NewDelivery {
    NewDelivery {
        period_from: from,
        period_to: to,
        account_id: None,
        objid: format!("uuid-{}", records.len()),
        destination: "/arkiv/paket".into(),
        format: "folder".into(),
        records: 2,
        files: 9,
        bytes: 1234,
        mets_sha256: Sha256Digest::of(records.as_bytes()),
        records_sha256: records.into(),
        validation: "checksums".into(),
        detail: serde_json::json!({"objid": "x"}),
    }
}

async fn facts_know_archived_crisis_and_closed_accounts(b: &Backend) {
    let s = &*b.store;
    let (o, a) = org(s, "fa").await;
    let out = s
        .capture(
            o.id,
            &[
                item(a.id, "c1", 60),
                item(a.id, "c2", 40),
                item(a.id, "c3", 5),
            ],
            "capture",
        )
        .await
        .unwrap();
    let ids = out.record_ids.clone();
    let facts = s.disposal_facts(o.id, RecordId(0), 100).await.unwrap();
    assert_eq!(facts.len(), 3);
    assert!(
        facts
            .iter()
            .all(|f| !f.archived && !f.crisis && !f.protection_overridden)
    );
    assert!(facts.iter().all(|f| !f.last_capture_of_closed_account));
    assert_eq!(facts[0].thread, "p1");
    // paging
    let page = s.disposal_facts(o.id, ids[0], 1).await.unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].record_id, ids[1]);

    // a delivery of the period before the last 30 days archives c1 and c2
    s.log_delivery(
        o.id,
        &delivery(None, Utc::now() - Duration::days(30), "r1"),
        "arkivarie",
    )
    .await
    .unwrap();
    let facts = s.disposal_facts(o.id, RecordId(0), 100).await.unwrap();
    let archived: Vec<bool> = facts.iter().map(|f| f.archived).collect();
    assert_eq!(archived, vec![true, true, false]);
    // an edit after the delivery: c2 as it is now is not in the package
    let mut edit = item(a.id, "c2", 40);
    edit.text = "ändrad".into();
    s.capture(o.id, &[edit], "capture").await.unwrap();
    let facts = s.disposal_facts(o.id, RecordId(0), 100).await.unwrap();
    let archived: Vec<bool> = facts.iter().map(|f| f.archived).collect();
    assert_eq!(archived, vec![true, false, false]);

    // a crisis period around c2
    s.mark_crisis_period(
        o.id,
        Utc::now() - Duration::days(45),
        Utc::now() - Duration::days(35),
        "Storm",
        "krisledning",
    )
    .await
    .unwrap();
    s.override_disposal_protection(o.id, ids[0], "Inte krisrelaterad", "arkivarie")
        .await
        .unwrap();
    let facts = s.disposal_facts(o.id, RecordId(0), 100).await.unwrap();
    let crisis: Vec<bool> = facts.iter().map(|f| f.crisis).collect();
    assert_eq!(crisis, vec![false, true, false]);
    assert!(facts[0].protection_overridden && !facts[1].protection_overridden);

    // the account closes: its last capture (c3) is marked
    s.set_account_status(o.id, a.id, AccountStatus::Active, Utc::now(), "x")
        .await
        .unwrap();
    s.set_account_status(o.id, a.id, AccountStatus::Closed, Utc::now(), "x")
        .await
        .unwrap();
    let facts = s.disposal_facts(o.id, RecordId(0), 100).await.unwrap();
    let last: Vec<bool> = facts
        .iter()
        .map(|f| f.last_capture_of_closed_account)
        .collect();
    assert_eq!(last, vec![false, false, true]);
}

async fn dispose_keeps_a_protocol_and_shared_blobs(b: &Backend) {
    let s = &*b.store;
    let (o, a) = org(s, "da").await;
    let raw = Sha256Digest::of(b"page of comments");
    let m1 = Sha256Digest::of(b"image one");
    let m2 = Sha256Digest::of(b"image two");
    s.register_blobs(&[
        BlobMeta {
            sha256: raw,
            size: 16,
            media_type: "application/json".into(),
        },
        BlobMeta {
            sha256: m1,
            size: 9,
            media_type: "image/jpeg".into(),
        },
        BlobMeta {
            sha256: m2,
            size: 9,
            media_type: "image/jpeg".into(),
        },
    ])
    .await
    .unwrap();
    let mut i1 = item(a.id, "c1", 90);
    i1.raw_blob = Some(raw);
    i1.media = vec![m1];
    let mut i2 = item(a.id, "c2", 80);
    i2.raw_blob = Some(raw);
    i2.media = vec![m2, m1];
    let out = s.capture(o.id, &[i1.clone()], "capture").await.unwrap();
    let r1 = out.record_ids[0];
    // an edit: two versions of c1
    let mut e1 = i1.clone();
    e1.text = "ändrad text".into();
    s.capture(o.id, &[e1], "capture").await.unwrap();
    let r2 = s.capture(o.id, &[i2], "capture").await.unwrap().record_ids[0];
    let mut i3 = item(a.id, "c3", 70);
    i3.media = vec![m1];
    let r3 = s.capture(o.id, &[i3], "capture").await.unwrap().record_ids[0];
    let old_versions = s.record_versions(o.id, r1).await.unwrap();
    assert_eq!(old_versions.len(), 2);

    let rule = s
        .add_disposal_rule(o.id, &new_rule(None), "arkivarie")
        .await
        .unwrap();
    let order = |r| DisposalOrder {
        record_id: r,
        rule: rule.clone(),
    };
    // r1 and r3 go; r2 (kept) shares the raw page and m1
    let outcome = s
        .dispose(o.id, &[order(r1), order(r3)], "arkivarie")
        .await
        .unwrap();
    assert!(outcome.blobs_to_remove.is_empty(), "{outcome:?}");
    let p1 = &outcome.entries[0];
    assert_eq!(p1.record_id, r1);
    assert_eq!(p1.account_id, a.id);
    assert_eq!(p1.platform_item_id, "c1");
    assert_eq!(p1.rule_id, rule.id);
    assert_eq!(p1.decision.reference, "KS 2026/123");
    assert_eq!(p1.disposed_by, "arkivarie");
    assert_eq!(p1.versions.len(), 2);
    for (v, old) in p1.versions.iter().zip(&old_versions) {
        assert_eq!(v.content_digest, old.content_digest);
        assert_eq!(v.raw_blob, Some(raw));
        assert_eq!(v.media, vec![m1]);
    }
    assert!(p1.blobs_removed.is_empty());
    let mut kept = p1.blobs_kept.clone();
    kept.sort();
    let mut want = vec![raw, m1];
    want.sort();
    assert_eq!(kept, want);
    assert_eq!(
        s.disposal_protocol(o.id, 0, 10).await.unwrap(),
        outcome.entries
    );

    // the content is gone from every version, the record says so, the digest stays
    let versions = s.record_versions(o.id, r1).await.unwrap();
    for (v, old) in versions.iter().zip(&old_versions) {
        assert_eq!(v.text, "");
        assert_eq!(v.author_name, "");
        assert!(v.media.is_empty() && v.raw_blob.is_none());
        assert_eq!(v.content_digest, old.content_digest);
    }
    let events = s.record_events(o.id, r1).await.unwrap();
    assert_eq!(events.last().unwrap().kind, RecordEventKind::Disposed);
    // verify learns that the content went under the protocol
    let checks = s.versions_for_verify(0, 100).await.unwrap();
    for c in &checks {
        let disposed = c.version.record_id == r1 || c.version.record_id == r3;
        assert_eq!(c.disposed_under_protocol, disposed.then_some(true), "{c:?}");
    }
    // no longer a candidate; twice is refused
    let facts = s.disposal_facts(o.id, RecordId(0), 100).await.unwrap();
    assert_eq!(
        facts.iter().map(|f| f.record_id).collect::<Vec<_>>(),
        vec![r2]
    );
    let e = s.dispose(o.id, &[order(r1)], "x").await.unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e}");
    // the search document goes
    let outbox = s.search_outbox(0, 1000).await.unwrap();
    let last_r1 = outbox
        .docs
        .iter()
        .rev()
        .find(|d| d.record_id == r1)
        .unwrap();
    assert!(last_r1.disposed && last_r1.text.is_empty());

    // now r2 goes: the raw page, m1 and m2 have no remaining record
    let outcome = s.dispose(o.id, &[order(r2)], "arkivarie").await.unwrap();
    let mut gone = outcome.blobs_to_remove.clone();
    gone.sort();
    let mut want = vec![raw, m1, m2];
    want.sort();
    assert_eq!(gone, want);
    assert_eq!(s.disposed_blobs(None, 10).await.unwrap(), want);
    assert!(s.list_blobs(None, 10).await.unwrap().is_empty());
    // another organisation's disposal order is refused
    let (other, _) = org(s, "db").await;
    let e = s.dispose(other.id, &[order(r2)], "x").await.unwrap_err();
    assert!(matches!(e, StoreError::NotFound { .. }), "{e}");

    let entries = s.audit_entries(o.id, 0, 1000).await.unwrap();
    assert_eq!(
        entries
            .iter()
            .filter(|e| e.action == "record_disposed")
            .count(),
        3
    );
    chain_ok(s, o.id).await;
}

async fn versions_cannot_be_emptied_without_a_protocol_entry(b: &Backend) {
    let s = &*b.store;
    let (o, a) = org(s, "va").await;
    s.capture(o.id, &[item(a.id, "c1", 10)], "capture")
        .await
        .unwrap();
    let sql =
        "UPDATE record_versions SET text = '', author_name = '', media = '[]', raw_blob = NULL";
    let refused = if b.url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(&b.url).await.unwrap();
        let r = sqlx::query(sql).execute(&pool).await.map(|_| ());
        pool.close().await;
        r
    } else {
        let pool = sqlx::PgPool::connect(&b.url).await.unwrap();
        let r = sqlx::query(sql).execute(&pool).await.map(|_| ());
        pool.close().await;
        r
    };
    let e = refused.expect_err("the database refuses");
    assert!(e.to_string().contains("append-only"), "{e}");
}

async fn delivery_log_marks_redeliveries(b: &Backend) {
    let s = &*b.store;
    let (o, a) = org(s, "la").await;
    assert_eq!(s.delivery_schedule(o.id).await.unwrap(), None);
    let schedule = DeliverySchedule::new(3, NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()).unwrap();
    s.set_delivery_schedule(o.id, &schedule, "arkivarie")
        .await
        .unwrap();
    assert_eq!(s.delivery_schedule(o.id).await.unwrap(), Some(schedule));
    let rare = DeliverySchedule {
        interval_months: 12,
        starts_on: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
    };
    let e = s
        .set_delivery_schedule(o.id, &rare, "arkivarie")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("två gånger per år"), "{e}");

    let from = Some(Utc::now() - Duration::days(60));
    let to = Utc::now() - Duration::days(30);
    let first = s
        .log_delivery(o.id, &delivery(from, to, "aaa"), "arkivarie")
        .await
        .unwrap();
    assert_eq!(first.redelivery_of, None);
    assert_eq!(first.same_content, None);
    let again = s
        .log_delivery(o.id, &delivery(from, to, "aaa"), "arkivarie")
        .await
        .unwrap();
    assert_eq!(again.redelivery_of, Some(first.id));
    assert_eq!(again.same_content, Some(true));
    let changed = s
        .log_delivery(o.id, &delivery(from, to, "bbb"), "arkivarie")
        .await
        .unwrap();
    assert_eq!(changed.redelivery_of, Some(first.id));
    assert_eq!(changed.same_content, Some(false));
    // one account's delivery of the same period is a different selection
    let mut one = delivery(from, to, "aaa");
    one.account_id = Some(a.id);
    let one = s.log_delivery(o.id, &one, "arkivarie").await.unwrap();
    assert_eq!(one.redelivery_of, None);
    let log = s.deliveries(o.id).await.unwrap();
    assert_eq!(log.len(), 4);
    assert_eq!(log[0], first);
    assert_eq!(log[0].period_to.timestamp(), to.timestamp());
    // each delivery is an audit entry vouching for its METS
    let entries = s.audit_entries(o.id, 0, 1000).await.unwrap();
    let e = entries.iter().find(|e| e.seq == first.audit_seq).unwrap();
    assert_eq!(e.action, "package_exported");
    assert_eq!(e.digest, Some(Sha256Digest::of(b"aaa")));
    chain_ok(s, o.id).await;
}
