//! Requests for public records on every backend (SQLite always, PostgreSQL when the test server
//! is configured): numbering, the receipt token, the queue, changes as events and audit entries,
//! the withheld log and the outbox, the tenant wall, and append-only history.
use chrono::{Duration, Utc};
use insyn_domain::*;
use insyn_store::*;

#[macro_use]
mod support;
use support::Backend;

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

suite!(
    prefix = "requests_",
    pass = store;
    requests_are_numbered_and_found_by_token,
    queue_lists_open_requests_soonest_due_first,
    decisions_write_events_audit_withheld_and_outbox,
    bad_changes_are_refused_and_nothing_is_written,
    other_organisations_never_see_a_request,
);

#[tokio::test]
async fn history_is_append_only_on_sqlite() {
    history_is_append_only(&support::sqlite().await).await;
}

#[tokio::test]
async fn history_is_append_only_on_postgres() {
    if let Some(b) = support::postgres("requests_history_is_append_only").await {
        history_is_append_only(&b).await;
    }
}

fn token(n: u8) -> String {
    format!("{:064x}", u128::from(n) * 0x1234_5678_9abc_def1)
}

fn date(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

async fn record(s: &dyn Store, org: OrgId, account: AccountId, text: &str) -> RecordId {
    let mut it = item(account, "r1", Direction::Received, 5);
    it.text = text.into();
    s.capture(org, &[it], "capture").await.unwrap().record_ids[0]
}

fn new_for(record: Option<RecordId>, description: &str, email: Option<&str>) -> NewRequest {
    NewRequest {
        record_id: record,
        description: description.into(),
        requester_name: Some("Åsa Öberg".into()),
        requester_email: email.map(str::to_string),
    }
}

async fn requests_are_numbered_and_found_by_token(s: &dyn Store) {
    let (o, a) = org(s, "alfa").await;
    let r = record(s, o.id, a.id, "Hej kommunen").await;
    let one = s
        .create_request(
            o.id,
            &new_for(Some(r), "", Some("Asa@Example.se")),
            date("2026-11-24"),
            &token(1),
            "public",
        )
        .await
        .unwrap();
    let two = s
        .create_request(
            o.id,
            &new_for(None, "Alla inlägg om badhuset", None),
            date("2026-11-24"),
            &token(2),
            "public",
        )
        .await
        .unwrap();
    let year = chrono::Datelike::year(&insyn_domain::request::stockholm_date(Utc::now()));
    assert_eq!(one.number, format!("BEG-{year}-0001"));
    assert_eq!(two.number, format!("BEG-{year}-0002"));
    assert_eq!(one.state, RequestState::Received);
    assert_eq!(one.record_id, Some(r));
    assert_eq!(one.requester_email.as_deref(), Some("asa@example.se"));
    assert_eq!(one.due_on, date("2026-11-24"));
    assert_eq!(
        s.request_by_token(o.id, &token(2)).await.unwrap().id,
        two.id
    );
    assert_eq!(
        s.request_by_token(o.id, &token(2).to_uppercase())
            .await
            .unwrap()
            .id,
        two.id
    );
    assert!(matches!(
        s.request_by_token(o.id, &token(3)).await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(s.get_request(o.id, one.id).await.unwrap(), one);
    // a reused token is refused, not a second request with the same receipt
    assert!(
        s.create_request(
            o.id,
            &new_for(None, "igen", None),
            date("2026-11-24"),
            &token(1),
            "public"
        )
        .await
        .is_err()
    );
    // a token that is not a SHA-256 is refused
    assert!(
        s.create_request(
            o.id,
            &new_for(None, "x", None),
            date("2026-11-24"),
            "abc",
            "public"
        )
        .await
        .is_err()
    );
    let events = s.request_events(o.id, one.id).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, "received");
    let audit = s.audit_entries(o.id, 0, 1000).await.unwrap();
    let received: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "request_received")
        .collect();
    assert_eq!(received.len(), 2);
    assert!(
        !received[0].detail.contains("asa@example.se"),
        "no personal data in the audit chain"
    );
}

async fn queue_lists_open_requests_soonest_due_first(s: &dyn Store) {
    let (o, _) = org(s, "alfa").await;
    let late = s
        .create_request(
            o.id,
            &new_for(None, "a", None),
            date("2026-11-20"),
            &token(1),
            "p",
        )
        .await
        .unwrap();
    let soon = s
        .create_request(
            o.id,
            &new_for(None, "b", None),
            date("2026-11-24"),
            &token(2),
            "p",
        )
        .await
        .unwrap();
    let later = s
        .create_request(
            o.id,
            &new_for(None, "c", None),
            date("2026-11-30"),
            &token(3),
            "p",
        )
        .await
        .unwrap();
    s.change_request(
        o.id,
        later.id,
        &RequestChange::Withdraw {
            note: "återkallad per telefon".into(),
        },
        &ChangeEffects::default(),
        "u",
    )
    .await
    .unwrap();
    let open = s
        .list_requests(
            o.id,
            &RequestFilter {
                open_only: true,
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        open.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![late.id, soon.id]
    );
    let all = s
        .list_requests(
            o.id,
            &RequestFilter {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    let due = s
        .list_requests(
            o.id,
            &RequestFilter {
                open_only: true,
                due_by: Some(date("2026-11-21")),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(due.iter().map(|r| r.id).collect::<Vec<_>>(), vec![late.id]);
    let withdrawn = s
        .list_requests(
            o.id,
            &RequestFilter {
                state: Some(RequestState::Withdrawn),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(withdrawn.len(), 1);
    let one = s
        .list_requests(
            o.id,
            &RequestFilter {
                limit: 1,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(one.len(), 1);
}

async fn decisions_write_events_audit_withheld_and_outbox(s: &dyn Store) {
    let (o, a) = org(s, "alfa").await;
    let text = "Min son Kalle har diabetes.";
    let r = record(s, o.id, a.id, text).await;
    let u = user(s, o.id, "reg@alfa.se").await;
    let q = s
        .create_request(
            o.id,
            &new_for(Some(r), "", Some("asa@example.se")),
            date("2026-11-24"),
            &token(1),
            "p",
        )
        .await
        .unwrap();
    let assigned = s
        .change_request(
            o.id,
            q.id,
            &RequestChange::Assign(Some(u.id)),
            &ChangeEffects::default(),
            "user:reg",
        )
        .await
        .unwrap();
    assert_eq!(assigned.state, RequestState::UnderReview);
    assert_eq!(assigned.assignee, Some(u.id));
    let extended = s
        .change_request(
            o.id,
            q.id,
            &RequestChange::Extend {
                due_on: date("2026-11-27"),
                reason: "Omfattande begäran".into(),
            },
            &ChangeEffects::default(),
            "user:reg",
        )
        .await
        .unwrap();
    assert_eq!(extended.due_on, date("2026-11-27"));
    let masks = insyn_domain::request::normalise_masks(
        text,
        &[
            Mask {
                start: 8,
                end: 13,
                reason: "hälsa".into(),
                law: "OSL 25 kap. 1 §".into(),
            },
            Mask {
                start: 18,
                end: 26,
                reason: "hälsa".into(),
                law: "OSL 25 kap. 1 §".into(),
            },
        ],
    )
    .unwrap();
    let withheld: Vec<Withheld> = masks
        .iter()
        .map(|m| Withheld {
            record_id: r,
            version: 1,
            start: m.start,
            end: m.end,
            reason: m.reason.clone(),
            law: m.law.clone(),
        })
        .collect();
    let effects = ChangeEffects {
        withheld: withheld.clone(),
        message: Some((
            "asa@example.se".into(),
            "Beslut BEG".into(),
            "Ditt beslut finns här".into(),
        )),
    };
    let decided = s
        .change_request(
            o.id,
            q.id,
            &RequestChange::Decide(Decision::ReleaseMasked { version: 1, masks }),
            &effects,
            "user:reg",
        )
        .await
        .unwrap();
    assert_eq!(decided.state, RequestState::ReleasedMasked);
    assert_eq!(decided.law.as_deref(), Some("OSL 25 kap. 1 §"));
    assert_eq!(decided.decided_by.as_deref(), Some("user:reg"));
    assert!(decided.decided_at.is_some());
    assert_eq!(s.request_withheld(o.id, q.id).await.unwrap(), withheld);
    let outbox = s.request_outbox(o.id, true, 10).await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].to, "asa@example.se");
    assert_eq!(outbox[0].request_id, q.id);
    // the message goes out through the one mail outbox; sending it marks the request's entry
    let mail = s.mail_outbox(o.id, &MailFilter::default()).await.unwrap();
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].purpose, MailPurpose::Request);
    assert_eq!(mail[0].subject_ref, Some(format!("request:{}", q.id)));
    s.mail_sent(mail[0].id, Utc::now()).await.unwrap();
    assert!(s.request_outbox(o.id, true, 10).await.unwrap().is_empty());
    assert!(
        s.request_outbox(o.id, false, 10).await.unwrap()[0]
            .sent_at
            .is_some()
    );
    let kinds: Vec<String> = s
        .request_events(o.id, q.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, vec!["received", "assigned", "extended", "decided"]);
    let audit = s.audit_entries(o.id, 0, 1000).await.unwrap();
    let decided_entries: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "request_decided")
        .collect();
    assert_eq!(decided_entries.len(), 1);
    assert!(decided_entries[0].detail.contains("OSL 25 kap. 1 §"));
    assert!(
        !decided_entries[0].detail.contains("diabetes"),
        "the masked text is not copied into the audit chain"
    );
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.action == "request_changed")
            .count(),
        2
    );
}

async fn bad_changes_are_refused_and_nothing_is_written(s: &dyn Store) {
    let (o, a) = org(s, "alfa").await;
    let r = record(s, o.id, a.id, "text").await;
    let free = s
        .create_request(
            o.id,
            &new_for(None, "något", None),
            date("2026-11-24"),
            &token(1),
            "p",
        )
        .await
        .unwrap();
    let before = s.request_events(o.id, free.id).await.unwrap().len();
    // no release without a record
    assert!(
        s.change_request(
            o.id,
            free.id,
            &RequestChange::Decide(Decision::ReleaseWhole),
            &ChangeEffects::default(),
            "u"
        )
        .await
        .is_err()
    );
    // an unknown user, an unknown record, a due date that goes backwards
    assert!(
        s.change_request(
            o.id,
            free.id,
            &RequestChange::Assign(Some(UserId(9999))),
            &ChangeEffects::default(),
            "u"
        )
        .await
        .is_err()
    );
    assert!(
        s.change_request(
            o.id,
            free.id,
            &RequestChange::LinkRecord(RecordId(9999)),
            &ChangeEffects::default(),
            "u"
        )
        .await
        .is_err()
    );
    assert!(
        s.change_request(
            o.id,
            free.id,
            &RequestChange::Extend {
                due_on: date("2026-11-01"),
                reason: "x".into()
            },
            &ChangeEffects::default(),
            "u"
        )
        .await
        .is_err()
    );
    // withheld spans must be in the request's own record
    let linked = s
        .change_request(
            o.id,
            free.id,
            &RequestChange::LinkRecord(r),
            &ChangeEffects::default(),
            "u",
        )
        .await
        .unwrap();
    assert_eq!(linked.record_id, Some(r));
    let stray = ChangeEffects {
        withheld: vec![Withheld {
            record_id: RecordId(r.0 + 1000),
            version: 1,
            start: 0,
            end: 1,
            reason: "x".into(),
            law: "y".into(),
        }],
        message: None,
    };
    let masks = vec![Mask {
        start: 0,
        end: 1,
        reason: "x".into(),
        law: "y".into(),
    }];
    assert!(
        s.change_request(
            o.id,
            free.id,
            &RequestChange::Decide(Decision::ReleaseMasked { version: 1, masks }),
            &stray,
            "u"
        )
        .await
        .is_err()
    );
    assert_eq!(
        s.request_events(o.id, free.id).await.unwrap().len(),
        before + 1,
        "only the link was written"
    );
    assert!(s.request_withheld(o.id, free.id).await.unwrap().is_empty());
    // decided is final
    let refused = s
        .change_request(
            o.id,
            free.id,
            &RequestChange::Decide(Decision::Refuse {
                reason: "Sekretess".into(),
                law: "OSL 26 kap. 1 §".into(),
            }),
            &ChangeEffects::default(),
            "u",
        )
        .await
        .unwrap();
    assert_eq!(refused.state, RequestState::Refused);
    assert_eq!(refused.refusal_reason.as_deref(), Some("Sekretess"));
    assert!(
        s.change_request(
            o.id,
            free.id,
            &RequestChange::StartReview,
            &ChangeEffects::default(),
            "u"
        )
        .await
        .is_err()
    );
    // a request for a record that does not exist is refused
    assert!(
        s.create_request(
            o.id,
            &new_for(Some(RecordId(9999)), "", None),
            date("2026-11-24"),
            &token(5),
            "p"
        )
        .await
        .is_err()
    );
}

async fn other_organisations_never_see_a_request(s: &dyn Store) {
    let (a, acc) = org(s, "alfa").await;
    let (b, _) = org(s, "beta").await;
    let r = record(s, a.id, acc.id, "text").await;
    let q = s
        .create_request(
            a.id,
            &new_for(Some(r), "", None),
            date("2026-11-24"),
            &token(1),
            "p",
        )
        .await
        .unwrap();
    assert!(s.get_request(b.id, q.id).await.is_err());
    assert!(s.request_by_token(b.id, &token(1)).await.is_err());
    assert!(
        s.list_requests(
            b.id,
            &RequestFilter {
                limit: 10,
                ..Default::default()
            }
        )
        .await
        .unwrap()
        .is_empty()
    );
    assert!(s.request_events(b.id, q.id).await.unwrap().is_empty());
    assert!(
        s.change_request(
            b.id,
            q.id,
            &RequestChange::StartReview,
            &ChangeEffects::default(),
            "u"
        )
        .await
        .is_err()
    );
    // org b cannot ask for org a's record
    assert!(
        s.create_request(
            b.id,
            &new_for(Some(r), "", None),
            date("2026-11-24"),
            &token(2),
            "p"
        )
        .await
        .is_err()
    );
    // numbers are per organisation
    let qb = s
        .create_request(
            b.id,
            &new_for(None, "x", None),
            date("2026-11-24"),
            &token(3),
            "p",
        )
        .await
        .unwrap();
    assert!(qb.number.ends_with("-0001"));
}

async fn history_is_append_only(b: &Backend) {
    let s = &*b.store;
    let (o, a) = org(s, "alfa").await;
    let r = record(s, o.id, a.id, "text").await;
    let q = s
        .create_request(
            o.id,
            &new_for(Some(r), "", None),
            date("2026-11-24"),
            &token(1),
            "p",
        )
        .await
        .unwrap();
    let masks = vec![Mask {
        start: 0,
        end: 2,
        reason: "x".into(),
        law: "OSL".into(),
    }];
    let effects = ChangeEffects {
        withheld: vec![Withheld {
            record_id: r,
            version: 1,
            start: 0,
            end: 2,
            reason: "x".into(),
            law: "OSL".into(),
        }],
        message: None,
    };
    s.change_request(
        o.id,
        q.id,
        &RequestChange::Decide(Decision::ReleaseMasked { version: 1, masks }),
        &effects,
        "u",
    )
    .await
    .unwrap();
    for sql in [
        "UPDATE request_events SET kind = 'x'",
        "DELETE FROM request_events",
        "UPDATE request_withheld SET law = 'x'",
        "DELETE FROM request_withheld",
    ] {
        assert!(raw_execute(b, sql).await.is_err(), "{sql} must be refused");
    }
    assert_eq!(s.request_withheld(o.id, q.id).await.unwrap().len(), 1);
    assert_eq!(s.request_events(o.id, q.id).await.unwrap().len(), 2);
}

async fn raw_execute(b: &Backend, sql: &'static str) -> Result<(), String> {
    // Reach behind the interface on purpose: a second connection to the same database.
    if b.url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(&b.url)
            .await
            .map_err(|e| e.to_string())?;
        sqlx::query(sql)
            .execute(&pool)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    } else {
        let pool = sqlx::PgPool::connect(&b.url)
            .await
            .map_err(|e| e.to_string())?;
        sqlx::query(sql)
            .execute(&pool)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}
async fn user(s: &dyn Store, org: OrgId, email: &str) -> StaffUser {
    s.create_user(
        org,
        &NewUser {
            email: email.into(),
            name: "Anna Andersson".into(),
            function: "kommunikatör".into(),
            roles: vec![Role::Registrar],
            accounts: vec![],
        },
        None,
        "admin",
    )
    .await
    .unwrap()
}
