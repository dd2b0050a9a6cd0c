//! The inbox on every backend (SQLite always, PostgreSQL when the test server is configured; see
//! insyn-testkit): handling state with its events and audit entries, the inbox query, and the
//! organisation calendar.
use chrono::{Duration, Utc};
use insyn_domain::*;
use insyn_store::*;

#[macro_use]
mod support;

suite!(
    prefix = "inbox_",
    pass = store;
    handling_changes_are_events_and_audit,
    inbox_lists_open_items_oldest_first,
    handling_refuses_bad_changes,
    calendar_rules_round_trip,
    record_events_of_actions_are_audited_and_scoped,
    auto_hide_settings_round_trip_and_are_scoped,
    inbox_heads_and_counts_follow_the_index,
    registers_close_and_registrar_address,
    answer_times_pair_items_with_their_answers,
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

async fn user(s: &dyn Store, org: OrgId, email: &str) -> StaffUser {
    s.create_user(
        org,
        &NewUser {
            email: email.into(),
            name: "Anna Andersson".into(),
            function: "kommunikatör".into(),
            roles: vec![Role::Communicator],
            accounts: vec![],
        },
        None,
        "admin",
    )
    .await
    .unwrap()
}

fn change(
    state: HandlingState,
    assignee: Option<UserId>,
    answer: Option<RecordId>,
) -> HandlingChange {
    HandlingChange {
        state,
        assignee,
        answer,
        note: "test".into(),
    }
}

async fn handling_changes_are_events_and_audit(s: &dyn Store) {
    let (o, a) = org(s, "alfa").await;
    let anna = user(s, o.id, "anna@alfa.se").await;
    let out = s
        .capture(
            o.id,
            &[
                item(a.id, "c1", Direction::Received, 60),
                item(a.id, "r1", Direction::Created, 1),
            ],
            "test",
        )
        .await
        .unwrap();
    let (c1, r1) = (out.record_ids[0], out.record_ids[1]);
    let h = s.handling(o.id, c1).await.unwrap();
    assert_eq!((h.state, h.assignee), (HandlingState::New, None));
    let (seq0, _) = s.audit_head(o.id).await.unwrap();

    let h = s
        .change_handling(
            o.id,
            c1,
            &change(HandlingState::Assigned, Some(anna.id), None),
            &anna.actor(),
        )
        .await
        .unwrap();
    assert_eq!(
        (h.state, h.assignee),
        (HandlingState::Assigned, Some(anna.id))
    );
    let h = s
        .change_handling(
            o.id,
            c1,
            &change(HandlingState::Answered, Some(anna.id), Some(r1)),
            &anna.actor(),
        )
        .await
        .unwrap();
    assert_eq!(h.answer, Some(r1));
    let read = s.handling(o.id, c1).await.unwrap();
    assert_eq!(read.state, HandlingState::Answered);
    assert_eq!(read.answer, Some(r1));
    assert_eq!(read.changed_by, anna.actor());

    // every change is an append-only event with from/to, and an audit entry
    let events: Vec<RecordEvent> = s
        .record_events(o.id, c1)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == RecordEventKind::HandlingChanged)
        .collect();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].detail["from"], "new");
    assert_eq!(events[0].detail["to"], "assigned");
    assert_eq!(events[1].detail["from"], "assigned");
    assert_eq!(events[1].detail["to"], "answered");
    assert_eq!(events[1].detail["answer"], r1.0);
    let audit = s.audit_entries(o.id, seq0, 100).await.unwrap();
    let changes: Vec<&AuditEntry> = audit
        .iter()
        .filter(|e| e.action == "record_handling_changed")
        .collect();
    assert_eq!(changes.len(), 2);
    assert!(
        changes
            .iter()
            .all(|e| e.subject == format!("record:{c1}") && e.actor == anna.actor())
    );
    let mut chain = insyn_domain::audit::ChainVerifier::new(o.id);
    for e in s.audit_entries(o.id, 0, 10_000).await.unwrap() {
        chain.check(&e).expect("the audit chain holds");
    }
}

async fn inbox_lists_open_items_oldest_first(s: &dyn Store) {
    let (o, a) = org(s, "alfa").await;
    let (o2, a2) = org(s, "beta").await;
    let anna = user(s, o.id, "anna@alfa.se").await;
    let out = s
        .capture(
            o.id,
            &[
                item(a.id, "new", Direction::Received, 10),
                item(a.id, "old", Direction::Received, 90),
                item(a.id, "done", Direction::Received, 50),
                item(a.id, "ours", Direction::Created, 40),
            ],
            "test",
        )
        .await
        .unwrap();
    s.capture(
        o2.id,
        &[item(a2.id, "other", Direction::Received, 100)],
        "test",
    )
    .await
    .unwrap();
    let ids = out.record_ids.clone();
    s.change_handling(
        o.id,
        ids[2],
        &change(HandlingState::NoAnswerNeeded, None, None),
        &anna.actor(),
    )
    .await
    .unwrap();
    s.change_handling(
        o.id,
        ids[0],
        &change(HandlingState::Assigned, Some(anna.id), None),
        &anna.actor(),
    )
    .await
    .unwrap();

    let open = s.inbox_items(o.id, &[a.id], true, 100).await.unwrap();
    let texts: Vec<&str> = open
        .iter()
        .map(|(r, _)| r.platform_item_id.as_str())
        .collect();
    assert_eq!(
        texts,
        vec!["old", "new"],
        "open received items, oldest first"
    );
    assert_eq!(open[1].1.state, HandlingState::Assigned);
    assert_eq!(open[1].1.assignee, Some(anna.id));
    assert_eq!(open[0].1.state, HandlingState::New);

    let all = s.inbox_items(o.id, &[a.id], false, 100).await.unwrap();
    assert_eq!(all.len(), 3, "every received item, never the created one");
    assert_eq!(all[1].1.state, HandlingState::NoAnswerNeeded);
    assert_eq!(
        s.inbox_items(o.id, &[a.id], false, 1).await.unwrap().len(),
        1
    );

    // another organisation's account yields nothing, even when named
    assert!(
        s.inbox_items(o.id, &[a2.id], false, 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        s.inbox_items(o.id, &[], false, 100)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn handling_refuses_bad_changes(s: &dyn Store) {
    let (o, a) = org(s, "alfa").await;
    let (o2, a2) = org(s, "beta").await;
    let anna = user(s, o.id, "anna@alfa.se").await;
    let bo = user(s, o2.id, "bo@beta.se").await;
    let out = s
        .capture(
            o.id,
            &[
                item(a.id, "c1", Direction::Received, 5),
                item(a.id, "r1", Direction::Created, 1),
                item(a.id, "c2", Direction::Received, 1),
            ],
            "test",
        )
        .await
        .unwrap();
    let other = s
        .capture(o2.id, &[item(a2.id, "x", Direction::Received, 5)], "test")
        .await
        .unwrap();
    let (c1, r1, c2) = (out.record_ids[0], out.record_ids[1], out.record_ids[2]);
    let (seq0, _) = s.audit_head(o.id).await.unwrap();
    // a user of another organisation
    assert!(
        s.change_handling(
            o.id,
            c1,
            &change(HandlingState::Assigned, Some(bo.id), None),
            "t"
        )
        .await
        .is_err()
    );
    // another organisation's record
    assert!(
        s.change_handling(
            o.id,
            other.record_ids[0],
            &change(HandlingState::NoAnswerNeeded, None, None),
            "t"
        )
        .await
        .is_err()
    );
    // a created record is not an inbox item
    assert!(
        s.change_handling(
            o.id,
            r1,
            &change(HandlingState::NoAnswerNeeded, None, None),
            "t"
        )
        .await
        .is_err()
    );
    // the answer must be a created record
    assert!(
        s.change_handling(
            o.id,
            c1,
            &change(HandlingState::Answered, None, Some(c2)),
            "t"
        )
        .await
        .is_err()
    );
    // incoherent: assigned without a user
    assert!(
        s.change_handling(o.id, c1, &change(HandlingState::Assigned, None, None), "t")
            .await
            .is_err()
    );
    // nothing was written
    assert_eq!(s.audit_head(o.id).await.unwrap().0, seq0);
    assert_eq!(
        s.handling(o.id, c1).await.unwrap().state,
        HandlingState::New
    );
    assert!(
        s.handling(o2.id, c1).await.is_err(),
        "tenant wall on reading"
    );
    let _ = anna;
}

async fn calendar_rules_round_trip(s: &dyn Store) {
    let (o, _) = org(s, "alfa").await;
    let (o2, _) = org(s, "beta").await;
    assert_eq!(s.organisation_calendar(o.id).await.unwrap(), None);
    s.set_organisation_calendar(o.id, r#"{"extra_days_off":["2026-05-15"]}"#, "admin")
        .await
        .unwrap();
    s.set_organisation_calendar(
        o.id,
        r#"{"extra_days_off":["2026-05-15","2026-11-02"]}"#,
        "admin",
    )
    .await
    .unwrap();
    assert_eq!(
        s.organisation_calendar(o.id).await.unwrap().as_deref(),
        Some(r#"{"extra_days_off":["2026-05-15","2026-11-02"]}"#)
    );
    assert_eq!(s.organisation_calendar(o2.id).await.unwrap(), None);
    assert!(
        s.set_organisation_calendar(o.id, "not json", "admin")
            .await
            .is_err()
    );
    assert!(
        s.set_organisation_calendar(o.id, "[1]", "admin")
            .await
            .is_err()
    );
    let audit = s.audit_entries(o.id, 0, 1000).await.unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.action == "calendar_changed")
            .count(),
        2
    );
}

// --- guided actions and automatic hiding (issue 5 item 4, issue 4 item 4) ---

async fn record_events_of_actions_are_audited_and_scoped(s: &dyn Store) {
    let (o, a) = org(s, "akt").await;
    let (other, _) = org(s, "annan").await;
    let out = s
        .capture(o.id, &[item(a.id, "c1", Direction::Received, 5)], "test")
        .await
        .unwrap();
    let c1 = out.record_ids[0];
    let (seq0, _) = s.audit_head(o.id).await.unwrap();
    let digest = Sha256Digest::of(b"pdf");
    let detail = serde_json::json!({"pdf_sha256": digest.to_hex(), "png_sha256": "x"});
    let e = s
        .append_record_event(
            o.id,
            c1,
            RecordEventKind::EvidenceStored,
            &detail,
            AuditAction::EvidenceStored,
            Some(digest),
            "anna",
        )
        .await
        .unwrap();
    assert_eq!(e.kind, RecordEventKind::EvidenceStored);
    let events = s.record_events(o.id, c1).await.unwrap();
    let last = events.last().unwrap();
    assert_eq!(
        (last.kind, &last.detail, last.actor.as_str()),
        (RecordEventKind::EvidenceStored, &detail, "anna")
    );
    let (seq1, _) = s.audit_head(o.id).await.unwrap();
    assert_eq!(seq1, seq0 + 1);
    let audit = s.audit_entries(o.id, seq0, 10).await.unwrap();
    assert_eq!(audit[0].action, "evidence_stored");
    assert_eq!(audit[0].subject, format!("record:{c1}"));
    assert_eq!(audit[0].digest, Some(digest));
    // another organisation cannot write on this record, and nothing is written
    let other_head = s.audit_head(other.id).await.unwrap().0;
    let err = s
        .append_record_event(
            other.id,
            c1,
            RecordEventKind::HiddenOnPlatform,
            &serde_json::json!({}),
            AuditAction::RecordModerated,
            None,
            "mallory",
        )
        .await;
    assert!(matches!(err, Err(StoreError::NotFound { .. })), "{err:?}");
    assert_eq!(s.record_events(o.id, c1).await.unwrap().len(), events.len());
    assert_eq!(s.audit_head(other.id).await.unwrap().0, other_head);
    let owners = s.record_owners(&[c1, RecordId(999_999)]).await.unwrap();
    assert_eq!(owners, vec![(c1, o.id, a.id)]);
}

async fn auto_hide_settings_round_trip_and_are_scoped(s: &dyn Store) {
    let (o, a) = org(s, "dolj").await;
    let (other, b) = org(s, "inte").await;
    assert!(
        s.auto_hide(o.id, a.id).await.unwrap().is_empty(),
        "off by default"
    );
    let set = s
        .set_auto_hide(
            o.id,
            a.id,
            &["threat".into(), "hate".into(), "threat".into(), " ".into()],
            "anna",
        )
        .await
        .unwrap();
    assert_eq!(set, vec!["hate".to_string(), "threat".to_string()]);
    assert_eq!(s.auto_hide(o.id, a.id).await.unwrap(), set);
    let all = s.auto_hide_all().await.unwrap();
    assert!(all.contains(&(o.id, a.id, "threat".to_string())));
    assert!(!all.iter().any(|(org, _, _)| *org == other.id));
    // bad category ids and another organisation's account are refused
    assert!(
        s.set_auto_hide(o.id, a.id, &["DROP TABLE".into()], "anna")
            .await
            .is_err()
    );
    assert!(
        s.set_auto_hide(o.id, b.id, &["threat".into()], "anna")
            .await
            .is_err()
    );
    assert!(s.auto_hide(other.id, b.id).await.unwrap().is_empty());
    // turned off again; the change is audited
    assert!(
        s.set_auto_hide(o.id, a.id, &[], "anna")
            .await
            .unwrap()
            .is_empty()
    );
    let (seq, _) = s.audit_head(o.id).await.unwrap();
    let last = s.audit_entries(o.id, seq - 1, 1).await.unwrap();
    assert_eq!(last[0].action, "auto_hide_changed");
    assert!(
        last[0].detail.contains("\"from\":[\"hate\",\"threat\"]"),
        "{}",
        last[0].detail
    );
}

/// The inbox's fast path (issue 5): heads per account in arrival order with a bound, counts
/// with a cutoff less the handled items, findings of several records; other organisations'
/// items never counted.
async fn inbox_heads_and_counts_follow_the_index(s: &dyn Store) {
    let (o, a) = org(s, "alfa").await;
    let (o2, a2) = org(s, "beta").await;
    let anna = user(s, o.id, "anna@alfa.se").await;
    let out = s
        .capture(
            o.id,
            &[
                item(a.id, "m90", Direction::Received, 90),
                item(a.id, "m60", Direction::Received, 60),
                item(a.id, "m30", Direction::Received, 30),
                item(a.id, "m10", Direction::Received, 10),
                item(a.id, "ours", Direction::Created, 20),
            ],
            "test",
        )
        .await
        .unwrap();
    s.capture(o2.id, &[item(a2.id, "x", Direction::Received, 100)], "test")
        .await
        .unwrap();
    let ids = out.record_ids.clone();
    s.change_handling(
        o.id,
        ids[1],
        &change(HandlingState::NoAnswerNeeded, None, None),
        &anna.actor(),
    )
    .await
    .unwrap();
    let heads = s.inbox_heads(o.id, &[(a.id, None)], 2).await.unwrap();
    let got: Vec<RecordId> = heads.iter().map(|h| h.record_id).collect();
    assert_eq!(
        got,
        vec![ids[0], ids[2]],
        "oldest open first, handled left out"
    );
    let first = s.get_record(o.id, ids[0]).await.unwrap();
    assert_eq!(
        (heads[0].account_id, heads[0].available_at),
        (a.id, first.available_at),
        "a head carries what the ordering needs"
    );
    assert_eq!(heads[0].handling.state, HandlingState::New);
    let cutoff = Utc::now() - Duration::minutes(45);
    let heads = s
        .inbox_heads(o.id, &[(a.id, Some(cutoff)), (a2.id, None)], 10)
        .await
        .unwrap();
    let got: Vec<RecordId> = heads.iter().map(|h| h.record_id).collect();
    assert_eq!(
        got,
        vec![ids[0]],
        "before the bound; another organisation's account gives nothing"
    );
    let counts = s
        .inbox_open_counts(o.id, &[(a.id, cutoff), (a2.id, cutoff)])
        .await
        .unwrap();
    assert_eq!(counts, vec![(a.id, 3, 1), (a2.id, 0, 0)]);
    assert!(s.records_high_water().await.unwrap() >= ids[4].0);
    let findings = s.records_findings(o.id, &ids).await.unwrap();
    assert!(findings.iter().all(|f| ids.contains(&f.record_id)));
}

/// Registers can be closed (then take no new cases), the default cannot; the registrar's
/// address is checked and kept per organisation; the next number skips numbers typed by hand.
async fn registers_close_and_registrar_address(s: &dyn Store) {
    let (o, _) = org(s, "alfa").await;
    let (o2, _) = org(s, "beta").await;
    s.add_diary_register(o.id, "bun", "Barn- och utbildning", "test")
        .await
        .unwrap();
    let list = s.diary_registers(o.id).await.unwrap();
    assert_eq!(
        list.iter()
            .map(|r| (r.code.as_str(), r.default))
            .collect::<Vec<_>>(),
        vec![("KS", true), ("BUN", false)]
    );
    assert!(matches!(
        s.close_diary_register(o.id, "KS", "test").await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.close_diary_register(o2.id, "BUN", "test").await,
        Err(StoreError::NotFound { .. })
    ));
    let closed = s.close_diary_register(o.id, "bun", "test").await.unwrap();
    assert!(closed.closed_at.is_some() && closed.closed_by.as_deref() == Some("test"));
    assert!(!s.diary_settings(o.id).await.unwrap().has_register("BUN"));
    assert!(matches!(
        s.close_diary_register(o.id, "BUN", "test").await,
        Err(StoreError::Conflict(_))
    ));
    assert!(
        s.add_diary_register(o.id, "BUN", "Igen", "test")
            .await
            .is_err()
    );
    assert_eq!(s.registrar_email(o.id).await.unwrap(), None);
    assert!(
        s.set_registrar_email(o.id, Some("a, b@x.se"), "test")
            .await
            .is_err()
    );
    s.set_registrar_email(o.id, Some(" Reg@Alfa.se "), "test")
        .await
        .unwrap();
    assert_eq!(
        s.registrar_email(o.id).await.unwrap().as_deref(),
        Some("reg@alfa.se")
    );
    assert_eq!(s.registrar_email(o2.id).await.unwrap(), None);
    s.set_registrar_email(o.id, None, "test").await.unwrap();
    assert_eq!(s.registrar_email(o.id).await.unwrap(), None);
    assert_eq!(s.diary_next_seq(o.id, "KS", 2026).await.unwrap(), 1);
}

async fn answer_times_pair_items_with_their_answers(s: &dyn Store) {
    let (o, a) = org(s, "alfa").await;
    let (o2, b) = org(s, "beta").await;
    let anna = user(s, o.id, "anna@alfa.se").await;
    let out = s
        .capture(
            o.id,
            &[
                item(a.id, "c1", Direction::Received, 300),
                item(a.id, "c2", Direction::Received, 200),
                item(a.id, "c3", Direction::Received, 100),
                item(a.id, "r1", Direction::Created, 50),
                item(a.id, "old", Direction::Received, 60 * 24 * 40),
            ],
            "test",
        )
        .await
        .unwrap();
    let ids = out.record_ids;
    s.capture(o2.id, &[item(b.id, "x", Direction::Received, 100)], "test")
        .await
        .unwrap();
    s.change_handling(
        o.id,
        ids[0],
        &change(HandlingState::Answered, None, Some(ids[3])),
        &anna.email,
    )
    .await
    .unwrap();
    s.change_handling(
        o.id,
        ids[1],
        &change(HandlingState::NoAnswerNeeded, None, None),
        &anna.email,
    )
    .await
    .unwrap();
    let from = Utc::now() - Duration::days(1);
    let t = s.answer_times(o.id, from, Utc::now()).await.unwrap();
    // the three received items of the day, oldest first; not the answer, not the old one, not beta's
    assert_eq!(
        t.iter().map(|x| x.record_id).collect::<Vec<_>>(),
        ids[..3].to_vec()
    );
    assert_eq!(t[0].state, Some(HandlingState::Answered));
    let answered = t[0].answered_at.unwrap();
    assert!(
        (answered - (Utc::now() - Duration::minutes(50)))
            .num_seconds()
            .abs()
            < 60
    );
    assert_eq!(t[1].state, Some(HandlingState::NoAnswerNeeded));
    assert_eq!(t[1].answered_at, None);
    assert!(t[2].answered_at.is_none() && t[2].state.is_none_or(|st| st == HandlingState::New));
    assert!(t.iter().all(|x| x.account_id == a.id));
    assert!(s.answer_times(o.id, from, from).await.unwrap().is_empty());
}
