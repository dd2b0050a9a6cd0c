//! The public portal's store methods on every backend (SQLite always, PostgreSQL when the test
//! server is configured; see insyn-testkit): the release policy (audited, scoped to its
//! organisation), the release candidates with their findings and screening state, the record
//! counts of the register page and the thread starters of search results.
use chrono::{Duration, Utc};
use insyn_domain::*;
use insyn_store::*;

#[macro_use]
mod support;

suite!(
    prefix = "portal_",
    pass = store;
    release_policy_round_trip_is_audited,
    release_candidates_carry_findings_and_screening,
    record_counts_and_thread_starters_stay_in_the_organisation,
    release_sweep_marks_follow_record_events,
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

fn item(account: AccountId, id: &str, direction: Direction, minutes: i64) -> CaptureItem {
    CaptureItem {
        account_id: account,
        platform_item_id: id.into(),
        kind: ItemKind::Comment,
        direction,
        parent_platform_id: Some("p1".into()),
        thread_platform_id: Some("p1".into()),
        author_name: "Eva".into(),
        author_platform_id: "e1".into(),
        available_at: Utc::now() - Duration::minutes(minutes),
        platform_time: None,
        text: format!("text {id}"),
        media: vec![],
        raw_blob: None,
        raw_pointer: String::new(),
    }
}

async fn release_policy_round_trip_is_audited(s: &dyn Store) {
    let (a, _) = org(s, "alfa").await;
    let (b, _) = org(s, "beta").await;
    assert_eq!(s.release_policy(a.id).await.unwrap(), None);
    let (seq_before, _) = s.audit_head(a.id).await.unwrap();
    s.set_release_policy(
        a.id,
        r#"{"auto_release_received_clean":true}"#,
        "admin@alfa",
    )
    .await
    .unwrap();
    let stored = s.release_policy(a.id).await.unwrap().unwrap();
    assert!(stored.contains("auto_release_received_clean"));
    // another organisation is untouched
    assert_eq!(s.release_policy(b.id).await.unwrap(), None);
    // replaced, not added
    s.set_release_policy(a.id, r#"{"private_authors":"initials"}"#, "admin@alfa")
        .await
        .unwrap();
    let stored = s.release_policy(a.id).await.unwrap().unwrap();
    assert!(stored.contains("initials") && !stored.contains("received_clean"));
    let entries = s.audit_entries(a.id, seq_before, 10).await.unwrap();
    let changes: Vec<_> = entries
        .iter()
        .filter(|e| e.action == "release_policy_changed")
        .collect();
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[0].actor, "admin@alfa");
    // not JSON, or not an object: refused, nothing stored
    for bad in ["", "[]", "nonsense", "42"] {
        assert!(s.set_release_policy(a.id, bad, "x").await.is_err(), "{bad}");
    }
    assert!(
        s.release_policy(a.id)
            .await
            .unwrap()
            .unwrap()
            .contains("initials")
    );
    // an unknown organisation is an error, not a row
    assert!(
        s.set_release_policy(OrgId(999_999), "{}", "x")
            .await
            .is_err()
    );
}

async fn release_candidates_carry_findings_and_screening(s: &dyn Store) {
    let (a, acc) = org(s, "alfa").await;
    let (b, b_acc) = org(s, "beta").await;
    let mut post = item(acc.id, "p1", Direction::Created, 50);
    post.kind = ItemKind::Post;
    let items = vec![
        post,
        item(acc.id, "c1", Direction::Received, 40),
        item(acc.id, "c2", Direction::Received, 30),
        item(acc.id, "c3", Direction::Received, 20),
        item(acc.id, "c4", Direction::Received, 10),
    ];
    let ids = s.capture(a.id, &items, "capture").await.unwrap().record_ids;
    s.capture(
        b.id,
        &[item(b_acc.id, "x1", Direction::Received, 5)],
        "capture",
    )
    .await
    .unwrap();
    // before screening: received records wait for it
    let before = s.release_candidates(a.id, RecordId(0), 100).await.unwrap();
    assert_eq!(
        before.len(),
        5,
        "every unassessed record of alfa, none of beta"
    );
    assert!(before.iter().all(|c| c.record.org_id == a.id));
    let c1 = before.iter().find(|c| c.record.id == ids[1]).unwrap();
    assert!(!c1.screened);
    // screen alfa's queue: c2 gets a finding
    let tasks: Vec<ScreeningTask> = s
        .screening_queue(100)
        .await
        .unwrap()
        .into_iter()
        .filter(|t| ids.contains(&t.record_id))
        .collect();
    assert_eq!(tasks.len(), 4);
    let finding = Finding {
        record_id: ids[2],
        version: 1,
        category: "phone".into(),
        start: 0,
        end: 4,
        rule: "phone".into(),
        confidence: 0.9,
        explanation_sv: "telefonnummer".into(),
        explanation_en: "phone number".into(),
        suggested_action: None,
        found_at: Utc::now(),
    };
    s.save_screening(&tasks, &[finding], "screening")
        .await
        .unwrap();
    // c3 released, c4 deleted: neither is a candidate any more
    s.classify(a.id, ids[3], Classification::Released, "granskad", "anna")
        .await
        .unwrap();
    s.record_deletion_seen(a.id, ids[4], Utc::now(), "404", "capture")
        .await
        .unwrap();
    let after = s.release_candidates(a.id, RecordId(0), 100).await.unwrap();
    let got: Vec<(RecordId, u64, bool)> = after
        .iter()
        .map(|c| (c.record.id, c.findings, c.screened))
        .collect();
    assert_eq!(
        got,
        vec![(ids[0], 0, true), (ids[1], 0, true), (ids[2], 1, true)]
    );
    // paging in id order
    let page = s.release_candidates(a.id, ids[0], 1).await.unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].record.id, ids[1]);
    // an absurd limit is bounded, not an error
    assert_eq!(
        s.release_candidates(a.id, RecordId(0), i64::MAX)
            .await
            .unwrap()
            .len(),
        3
    );
    assert!(
        s.release_candidates(a.id, RecordId(i64::MAX), -5)
            .await
            .unwrap()
            .is_empty()
    );
    // classify_batch changes only what is still in `from`, with events and audit entries
    let (seq_before, _) = s.audit_head(a.id).await.unwrap();
    let changed = s
        .classify_batch(
            a.id,
            &[ids[0], ids[3], ids[1], RecordId(999_999)],
            Classification::Unassessed,
            Classification::Released,
            "policy",
            "release-policy",
        )
        .await
        .unwrap();
    assert_eq!(changed, vec![ids[0], ids[1]], "c3 was already released");
    let entries = s.audit_entries(a.id, seq_before, 10).await.unwrap();
    assert_eq!(
        entries
            .iter()
            .filter(|e| e.action == "record_classified")
            .count(),
        2
    );
    let events = s.record_events(a.id, ids[1]).await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.kind == RecordEventKind::Classified && e.actor == "release-policy")
    );
    assert_eq!(
        s.get_record(a.id, ids[1]).await.unwrap().classification,
        Classification::Released
    );
    // beta's records cannot be classified through alfa
    let b_ids: Vec<RecordId> = s
        .release_candidates(b.id, RecordId(0), 10)
        .await
        .unwrap()
        .iter()
        .map(|c| c.record.id)
        .collect();
    assert_eq!(b_ids.len(), 1);
    let none = s
        .classify_batch(
            a.id,
            &b_ids,
            Classification::Unassessed,
            Classification::Released,
            "x",
            "x",
        )
        .await
        .unwrap();
    assert!(none.is_empty());
    assert_eq!(
        s.get_record(b.id, b_ids[0]).await.unwrap().classification,
        Classification::Unassessed
    );
    // a person withdraws c1: back to unassessed, but never a candidate again
    s.classify(
        a.id,
        ids[1],
        Classification::Unassessed,
        "tillbakadragen",
        "anna",
    )
    .await
    .unwrap();
    let left: Vec<RecordId> = s
        .release_candidates(a.id, RecordId(0), 100)
        .await
        .unwrap()
        .iter()
        .map(|c| c.record.id)
        .collect();
    assert_eq!(left, vec![ids[2]]);
}

async fn record_counts_and_thread_starters_stay_in_the_organisation(s: &dyn Store) {
    let (a, acc) = org(s, "alfa").await;
    let (b, b_acc) = org(s, "beta").await;
    let mut post = item(acc.id, "p1", Direction::Created, 50);
    post.kind = ItemKind::Post;
    s.capture(
        a.id,
        &[
            post,
            item(acc.id, "c1", Direction::Received, 40),
            item(acc.id, "c2", Direction::Received, 30),
        ],
        "capture",
    )
    .await
    .unwrap();
    let mut b_post = item(b_acc.id, "p1", Direction::Created, 50);
    b_post.text = "beta hemlig tråd".into();
    s.capture(b.id, &[b_post], "capture").await.unwrap();
    let counts = s.record_counts(a.id).await.unwrap();
    assert_eq!(
        counts,
        vec![
            RecordCount {
                account_id: acc.id,
                direction: Direction::Created,
                count: 1
            },
            RecordCount {
                account_id: acc.id,
                direction: Direction::Received,
                count: 2
            },
        ]
    );
    let found = s
        .records_by_platform_ids(
            a.id,
            &[
                (acc.id, "p1".to_string()),
                (acc.id, "nope".to_string()),
                // beta's account and platform id, asked through alfa: never found
                (b_acc.id, "p1".to_string()),
            ],
        )
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].org_id, a.id);
    assert_eq!(found[0].platform_item_id, "p1");
    assert!(
        s.records_by_platform_ids(a.id, &[])
            .await
            .unwrap()
            .is_empty()
    );
}

/// The release sweep's mark: per organisation, replaced on each sweep; the record events high
/// water moves with every record change.
async fn release_sweep_marks_follow_record_events(s: &dyn Store) {
    let (a, acc) = org(s, "alfa").await;
    let (b, _) = org(s, "beta").await;
    assert_eq!(s.release_sweep_mark(a.id).await.unwrap(), None);
    let before = s.record_events_high_water().await.unwrap();
    s.capture(
        a.id,
        &[CaptureItem {
            account_id: acc.id,
            platform_item_id: "m1".into(),
            kind: ItemKind::Comment,
            direction: Direction::Received,
            parent_platform_id: None,
            thread_platform_id: None,
            author_name: "Greta".into(),
            author_platform_id: "g".into(),
            available_at: Utc::now(),
            platform_time: None,
            text: "Hej".into(),
            media: vec![],
            raw_blob: None,
            raw_pointer: "/".into(),
        }],
        "test",
    )
    .await
    .unwrap();
    let after = s.record_events_high_water().await.unwrap();
    assert!(after > before, "{before} -> {after}");
    s.set_release_sweep_mark(a.id, after, "{}").await.unwrap();
    s.set_release_sweep_mark(a.id, after + 1, r#"{"x":1}"#)
        .await
        .unwrap();
    assert_eq!(
        s.release_sweep_mark(a.id).await.unwrap(),
        Some((after + 1, r#"{"x":1}"#.to_string()))
    );
    assert_eq!(s.release_sweep_mark(b.id).await.unwrap(), None);
}
