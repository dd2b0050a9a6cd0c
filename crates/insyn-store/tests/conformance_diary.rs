//! The diary (R6) and the e-mail outbox on every backend (SQLite always, PostgreSQL when the
//! test server is configured): numbering per register and year without gaps or repeats (also
//! with many writers at once), manual numbers, documents in a case, the `registered` event and
//! audit entries, bad input, the tenant wall; the outbox's claim, retry and sent states.
use chrono::{Datelike, Duration, Utc};
use insyn_domain::*;
use insyn_store::*;
use std::sync::Arc;

#[macro_use]
mod support;
use support::Backend;

async fn org(s: &dyn Store, slug: &str) -> (Organisation, Account, Unit) {
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
                email: Some("kommunikation@test.se".into()),
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
    (o, a, u)
}

async fn records(s: &dyn Store, org: OrgId, account: AccountId, n: usize) -> Vec<RecordId> {
    let items: Vec<CaptureItem> = (0..n)
        .map(|i| CaptureItem {
            account_id: account,
            platform_item_id: format!("c{i}"),
            kind: ItemKind::Comment,
            direction: Direction::Received,
            parent_platform_id: Some("p1".into()),
            thread_platform_id: Some("p1".into()),
            author_name: "Eva".into(),
            author_platform_id: "e1".into(),
            available_at: Utc::now() - Duration::minutes(5),
            platform_time: None,
            text: format!("Klagomål nummer {i}"),
            media: vec![],
            raw_blob: None,
            raw_pointer: String::new(),
        })
        .collect();
    s.capture(org, &items, "capture").await.unwrap().record_ids
}

fn new_case(record: RecordId, title: &str) -> NewRegistration {
    NewRegistration {
        record_id: record,
        target: RegistrationTarget::NewCase(NewCase {
            title: title.into(),
            ..Default::default()
        }),
        description: String::new(),
        counterpart: Some("Privatperson".into()),
    }
}

fn year() -> i32 {
    insyn_domain::request::stockholm_date(Utc::now()).year()
}

suite!(
    prefix = "diary_",
    pass = store;
    cases_are_numbered_per_register_and_year,
    documents_follow_in_their_case,
    manual_numbers_are_taken_or_refused,
    the_number_format_is_the_organisations,
    bad_registrations_are_refused_and_write_nothing,
    cases_are_listed_and_searched,
    mail_is_claimed_retried_and_sent,
);

#[tokio::test]
async fn concurrent_numbers_have_no_gaps_on_sqlite() {
    concurrent_numbers_have_no_gaps(&support::sqlite().await).await;
}

#[tokio::test]
async fn concurrent_numbers_have_no_gaps_on_postgres() {
    if let Some(b) = support::postgres("diary_concurrent_numbers").await {
        concurrent_numbers_have_no_gaps(&b).await;
    }
}

async fn cases_are_numbered_per_register_and_year(s: &dyn Store) {
    let (o, a, _) = org(s, "alfa").await;
    s.add_diary_register(o.id, "bun", "Barn- och utbildningsnämnden", "admin")
        .await
        .unwrap();
    let ids = records(s, o.id, a.id, 4).await;
    let y = year();
    let mut numbers = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let mut reg = new_case(*id, "Synpunkt på snöröjningen");
        if i == 2 {
            reg.target = RegistrationTarget::NewCase(NewCase {
                register: Some("BUN".into()),
                title: "Skolskjuts".into(),
                ..Default::default()
            });
        }
        let (case, doc) = s.register_record(o.id, &reg, "user:reg").await.unwrap();
        assert_eq!(doc.number, format!("{}-1", case.number));
        numbers.push(case.number);
    }
    assert_eq!(
        numbers,
        vec![
            format!("KS {y}/0001"),
            format!("KS {y}/0002"),
            format!("BUN {y}/0001"),
            format!("KS {y}/0003"),
        ]
    );
    // the record knows it was registered; the chain says who did it
    let events = s.record_events(o.id, ids[0]).await.unwrap();
    let registered = events
        .iter()
        .find(|e| e.kind == RecordEventKind::Registered)
        .expect("a registered event");
    assert_eq!(registered.actor, "user:reg");
    assert_eq!(registered.detail["number"], format!("KS {y}/0001-1"));
    let audit = s.audit_entries(o.id, 0, 1000).await.unwrap();
    let opened = audit
        .iter()
        .filter(|e| e.action == "diary_case_opened")
        .count();
    let documents = audit
        .iter()
        .filter(|e| e.action == "diary_document_registered")
        .count();
    assert_eq!((opened, documents), (4, 4));
    // another organisation starts its own series
    let (o2, a2, _) = org(s, "beta").await;
    let other = records(s, o2.id, a2.id, 1).await;
    let (case, _) = s
        .register_record(o2.id, &new_case(other[0], "Fråga"), "user:x")
        .await
        .unwrap();
    assert_eq!(case.number, format!("KS {y}/0001"));
}

async fn documents_follow_in_their_case(s: &dyn Store) {
    let (o, a, u) = org(s, "alfa").await;
    let ids = records(s, o.id, a.id, 3).await;
    let mut reg = new_case(ids[0], "Klagomål på bygglov");
    if let RegistrationTarget::NewCase(c) = &mut reg.target {
        c.unit_id = Some(u.id);
    }
    let (case, first) = s.register_record(o.id, &reg, "user:reg").await.unwrap();
    assert_eq!(case.unit_id, Some(u.id));
    assert_eq!(first.description, "Klagomål på bygglov");
    for (i, id) in ids[1..].iter().enumerate() {
        let (c, d) = s
            .register_record(
                o.id,
                &NewRegistration {
                    record_id: *id,
                    target: RegistrationTarget::ExistingCase(case.id),
                    description: format!("Komplettering {i}"),
                    counterpart: None,
                },
                "user:reg",
            )
            .await
            .unwrap();
        assert_eq!(c.id, case.id);
        assert_eq!(d.document as usize, i + 2);
    }
    let docs = s.case_documents(o.id, case.id).await.unwrap();
    assert_eq!(
        docs.iter().map(|d| d.number.clone()).collect::<Vec<_>>(),
        (1..=3)
            .map(|n| format!("{}-{n}", case.number))
            .collect::<Vec<_>>()
    );
    assert_eq!(docs[0].counterpart.as_deref(), Some("Privatperson"));
    assert_eq!(docs[1].counterpart, None);
    assert_eq!(docs[0].direction, Direction::Received);
    assert_eq!(s.get_case(o.id, case.id).await.unwrap().documents, 3);
    let regs = s.record_registrations(o.id, &ids).await.unwrap();
    assert_eq!(regs.len(), 3);
    // a closed case takes no more documents until it is opened again
    let more = records(s, o.id, a.id, 4).await;
    let closed = s
        .set_case_status(o.id, case.id, CaseStatus::Closed, "user:reg")
        .await
        .unwrap();
    assert_eq!(closed.status, CaseStatus::Closed);
    let add = NewRegistration {
        record_id: more[3],
        target: RegistrationTarget::ExistingCase(case.id),
        description: String::new(),
        counterpart: None,
    };
    let err = s.register_record(o.id, &add, "user:reg").await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    s.set_case_status(o.id, case.id, CaseStatus::Open, "user:reg")
        .await
        .unwrap();
    let (_, d) = s.register_record(o.id, &add, "user:reg").await.unwrap();
    assert_eq!(d.document, 4);
}

async fn manual_numbers_are_taken_or_refused(s: &dyn Store) {
    let (o, a, _) = org(s, "alfa").await;
    let ids = records(s, o.id, a.id, 5).await;
    let y = year();
    let (first, _) = s
        .register_record(o.id, &new_case(ids[0], "Ett"), "user:reg")
        .await
        .unwrap();
    assert_eq!(first.number, format!("KS {y}/0001"));
    let manual = |id: RecordId, number: String| NewRegistration {
        record_id: id,
        target: RegistrationTarget::NewCase(NewCase {
            title: "Från ärendesystemet".into(),
            manual_number: Some(number),
            ..Default::default()
        }),
        description: String::new(),
        counterpart: None,
    };
    // typed the way people type it
    let (m, _) = s
        .register_record(o.id, &manual(ids[1], format!("ks {y}-2")), "user:reg")
        .await
        .unwrap();
    assert_eq!(m.number, format!("KS {y}/0002"));
    // a number that exists is refused, and nothing is written
    let before = s.audit_head(o.id).await.unwrap();
    let err = s
        .register_record(o.id, &manual(ids[2], format!("KS {y}/0001")), "user:reg")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Conflict(m) if m.contains(&format!("KS {y}/0001"))),
        "{err}"
    );
    assert_eq!(s.audit_head(o.id).await.unwrap(), before);
    assert!(
        s.record_registrations(o.id, &[ids[2]])
            .await
            .unwrap()
            .is_empty()
    );
    // the counter skips the number taken by hand
    let (next, _) = s
        .register_record(o.id, &new_case(ids[2], "Tre"), "user:reg")
        .await
        .unwrap();
    assert_eq!(next.number, format!("KS {y}/0003"));
    // a document number or an unknown register is not a case number
    for bad in [
        format!("KS {y}/0009-2"),
        format!("XY {y}/9"),
        "nonsens".into(),
    ] {
        let err = s
            .register_record(o.id, &manual(ids[3], bad.clone()), "user:reg")
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Domain(_)), "{bad}: {err}");
    }
    assert_eq!(s.case_by_number(o.id, "KS", y, 2).await.unwrap().id, m.id);
}

async fn the_number_format_is_the_organisations(s: &dyn Store) {
    let (o, a, _) = org(s, "alfa").await;
    let (o2, a2, _) = org(s, "beta").await;
    s.set_diary_format(
        o.id,
        &NumberFormat::parse("{year}-{register}-{seq:05}").unwrap(),
        "admin",
    )
    .await
    .unwrap();
    let settings = s.diary_settings(o.id).await.unwrap();
    assert_eq!(settings.format.template(), "{year}-{register}-{seq:05}");
    assert_eq!(settings.default_register, "KS");
    let y = year();
    let ids = records(s, o.id, a.id, 1).await;
    let (c, _) = s
        .register_record(o.id, &new_case(ids[0], "Ett"), "u")
        .await
        .unwrap();
    assert_eq!(c.number, format!("{y}-KS-00001"));
    // the other organisation keeps the default
    let ids2 = records(s, o2.id, a2.id, 1).await;
    let (c2, _) = s
        .register_record(o2.id, &new_case(ids2[0], "Ett"), "u")
        .await
        .unwrap();
    assert_eq!(c2.number, format!("KS {y}/0001"));
    // a register code twice, or not letters, is refused
    assert!(matches!(
        s.add_diary_register(o.id, "ks", "Kommunstyrelsen", "admin")
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.add_diary_register(o.id, "K2", "x", "admin").await,
        Err(StoreError::Domain(_))
    ));
}

async fn bad_registrations_are_refused_and_write_nothing(s: &dyn Store) {
    let (o, a, _) = org(s, "alfa").await;
    let (o2, a2, u2) = org(s, "beta").await;
    let ids = records(s, o.id, a.id, 2).await;
    let theirs = records(s, o2.id, a2.id, 1).await;
    let (case, _) = s
        .register_record(o.id, &new_case(ids[0], "Ett"), "u")
        .await
        .unwrap();
    let head = s.audit_head(o.id).await.unwrap();
    // registered twice
    let err = s
        .register_record(o.id, &new_case(ids[0], "Igen"), "u")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Conflict(m) if m.contains(&case.number)),
        "{err}"
    );
    // an unknown case
    let err = s
        .register_record(
            o.id,
            &NewRegistration {
                record_id: ids[1],
                target: RegistrationTarget::ExistingCase(CaseId(999_999)),
                description: String::new(),
                counterpart: None,
            },
            "u",
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    // another organisation's record, case or unit
    let err = s
        .register_record(o.id, &new_case(theirs[0], "Fel"), "u")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    let err = s
        .register_record(
            o2.id,
            &NewRegistration {
                record_id: theirs[0],
                target: RegistrationTarget::ExistingCase(case.id),
                description: String::new(),
                counterpart: None,
            },
            "u",
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    let mut with_unit = new_case(ids[1], "Fel enhet");
    if let RegistrationTarget::NewCase(c) = &mut with_unit.target {
        c.unit_id = Some(u2.id);
    }
    let err = s.register_record(o.id, &with_unit, "u").await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    // no title
    let err = s
        .register_record(o.id, &new_case(ids[1], "  "), "u")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Domain(_)), "{err}");
    assert_eq!(s.audit_head(o.id).await.unwrap(), head);
    assert!(s.get_case(o2.id, case.id).await.is_err());
    assert!(s.case_documents(o2.id, case.id).await.unwrap().is_empty());
    assert!(
        s.record_registrations(o2.id, &ids)
            .await
            .unwrap()
            .is_empty()
    );
    // the number was not used up by the failures
    let (next, _) = s
        .register_record(o.id, &new_case(ids[1], "Två"), "u")
        .await
        .unwrap();
    assert_eq!(next.seq, 2);
}

async fn cases_are_listed_and_searched(s: &dyn Store) {
    let (o, a, _) = org(s, "alfa").await;
    s.add_diary_register(o.id, "BUN", "Barn- och utbildningsnämnden", "admin")
        .await
        .unwrap();
    let ids = records(s, o.id, a.id, 3).await;
    s.register_record(o.id, &new_case(ids[0], "SNÖRÖJNING på Storgatan"), "u")
        .await
        .unwrap();
    s.register_record(o.id, &new_case(ids[1], "Bygglov 100%"), "u")
        .await
        .unwrap();
    let mut bun = new_case(ids[2], "Skolskjuts");
    if let RegistrationTarget::NewCase(c) = &mut bun.target {
        c.register = Some("BUN".into());
    }
    s.register_record(o.id, &bun, "u").await.unwrap();
    let all = s.list_cases(o.id, &CaseFilter::default()).await.unwrap();
    assert_eq!(all.len(), 3);
    let find = |title: &str| CaseFilter {
        title: Some(title.into()),
        ..Default::default()
    };
    let snow = s.list_cases(o.id, &find("snöröjning")).await.unwrap();
    assert_eq!(snow.len(), 1);
    assert_eq!(snow[0].title, "SNÖRÖJNING på Storgatan");
    // LIKE's wildcards are text here
    assert_eq!(s.list_cases(o.id, &find("0%")).await.unwrap().len(), 1);
    assert_eq!(s.list_cases(o.id, &find("_")).await.unwrap().len(), 0);
    let bun_only = s
        .list_cases(
            o.id,
            &CaseFilter {
                register: Some("BUN".into()),
                year: Some(year()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(bun_only.len(), 1);
    let other_year = s
        .list_cases(
            o.id,
            &CaseFilter {
                year: Some(year() - 1),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(other_year.is_empty());
}

async fn mail_is_claimed_retried_and_sent(s: &dyn Store) {
    let (o, _, _) = org(s, "alfa").await;
    let (o2, _, _) = org(s, "beta").await;
    let queued = s
        .queue_mail(
            o.id,
            &NewMail {
                to: "Kommunikation@Test.se".into(),
                subject: "Ärende KS 2026/0001 registrerat".into(),
                body: "Hej!\nEtt ärende har registrerats.".into(),
                purpose: MailPurpose::Diary,
                subject_ref: Some("case:1".into()),
                attachments: vec![MailAttachment {
                    filename: "registrering.json".into(),
                    content_type: "application/json".into(),
                    content: b"{\"a\":1}".to_vec(),
                }],
            },
            "user:reg",
        )
        .await
        .unwrap();
    assert_eq!(queued.to, "kommunikation@test.se");
    assert_eq!(queued.state, MailState::Queued);
    assert_eq!(queued.attempts, 0);
    let now = Utc::now() + Duration::seconds(1);
    let claimed = s
        .claim_due_mail(now, now + Duration::minutes(2), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].attempts, 1);
    assert_eq!(claimed[0].attachments[0].content, b"{\"a\":1}");
    // held by the first sender: nobody else gets it
    assert!(
        s.claim_due_mail(now, now + Duration::minutes(2), 10)
            .await
            .unwrap()
            .is_empty()
    );
    // the server was down: tried again later, not before
    s.mail_attempt_failed(
        queued.id,
        "connection refused",
        Some(now + Duration::seconds(30)),
    )
    .await
    .unwrap();
    assert!(
        s.claim_due_mail(now, now + Duration::minutes(2), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let listed = s
        .mail_outbox(
            o.id,
            &MailFilter {
                unsent_only: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].last_error.as_deref(), Some("connection refused"));
    assert_eq!(listed[0].attachments[0].filename, "registrering.json");
    assert!(listed[0].attachments[0].content.is_empty());
    let later = now + Duration::seconds(31);
    let again = s
        .claim_due_mail(later, later + Duration::minutes(2), 10)
        .await
        .unwrap();
    assert_eq!(again[0].attempts, 2);
    s.mail_sent(queued.id, later).await.unwrap();
    // sent once: never again
    assert!(s.mail_sent(queued.id, later).await.is_err());
    let late = later + Duration::hours(2);
    assert!(
        s.claim_due_mail(late, late + Duration::minutes(2), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let sent = s.mail_outbox(o.id, &MailFilter::default()).await.unwrap();
    assert_eq!(sent[0].state, MailState::Sent);
    assert_eq!(sent[0].last_error, None);
    // a permanent refusal fails the message for good, audited
    let refused = s
        .queue_mail(
            o.id,
            &NewMail {
                to: "nobody@test.se".into(),
                subject: "x".into(),
                body: String::new(),
                purpose: MailPurpose::Other,
                subject_ref: None,
                attachments: vec![],
            },
            "u",
        )
        .await
        .unwrap();
    s.claim_due_mail(late, late + Duration::minutes(2), 10)
        .await
        .unwrap();
    s.mail_attempt_failed(refused.id, "550 no such user", None)
        .await
        .unwrap();
    let actions: Vec<String> = s
        .audit_entries(o.id, 0, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for a in ["mail_queued", "mail_sent", "mail_failed"] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
    // the tenant wall, and bad addresses
    assert!(
        s.mail_outbox(o2.id, &MailFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
    let bad = NewMail {
        to: "a@b.se\r\nBcc: evil@x.se".into(),
        subject: "x".into(),
        body: String::new(),
        purpose: MailPurpose::Other,
        subject_ref: None,
        attachments: vec![],
    };
    assert!(matches!(
        s.queue_mail(o.id, &bad, "u").await,
        Err(StoreError::Domain(_))
    ));
}

async fn concurrent_numbers_have_no_gaps(b: &Backend) {
    let s = &*b.store;
    let (o, a, _) = org(s, "alfa").await;
    let n = 40;
    let ids = records(s, o.id, a.id, n).await;
    let mut tasks = Vec::new();
    for id in ids {
        let store: Arc<dyn Store> = b.store.clone();
        let org = o.id;
        tasks.push(tokio::spawn(async move {
            store
                .register_record(org, &new_case(id, "Samtidigt"), "u")
                .await
                .map(|(c, _)| c.seq)
        }));
    }
    let mut seqs = Vec::new();
    for t in tasks {
        seqs.push(t.await.unwrap().expect("every registration succeeds"));
    }
    seqs.sort();
    assert_eq!(seqs, (1..=n as i64).collect::<Vec<_>>());
}
