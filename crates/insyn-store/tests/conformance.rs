//! One suite, every backend: each test runs on SQLite and on PostgreSQL (when the test server is
//! configured; see insyn-testkit).
use chrono::{Duration, TimeZone, Utc};
use insyn_domain::*;
use insyn_store::*;

#[macro_use]
mod support;
use support::Backend;

suite!(
    prefix = "",
    pass = backend;
    organisations_and_units,
    accounts_life_cycle,
    accounts_on_a_platform_across_organisations,
    leases_are_held_by_one_holder_at_a_time,
    access_log_lists_by_record_and_actor,
    capture_is_idempotent_and_versions_edits,
    duplicate_items_in_one_batch,
    deletion_and_classification_are_events,
    tenant_wall,
    audit_chain_verifies,
    evidence_is_append_only,
    bad_input_writes_nothing,
    blobs_catalogue,
    search_feed,
    search_outbox_ids_never_go_back,
    bulk_capture_names_new_records_in_one_backfill,
    bulk_capture_over_chunks_meets_known_items,
    connections_health_and_alerts,
    api_tokens,
    list_filters_and_paging,
    screening_queue_and_findings,
    queue_all_for_screening_again,
    bulk_capture_waits_for_screening_as_one_batch,
    deletions_seen_in_one_batch,
    concurrent_writers_all_land,
);

async fn org(s: &dyn Store, slug: &str) -> (Organisation, Unit, Account) {
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
        .create_account(o.id, &new_account(u.id), "test")
        .await
        .unwrap();
    (o, u, a)
}

async fn accounts_on_a_platform_across_organisations(b: &Backend) {
    let s = &*b.store;
    let (o1, u1, a1) = org(s, "alfa").await;
    let (o2, _, a2) = org(s, "beta").await;
    let mut on_x = new_account(u1.id);
    on_x.platform = Platform::X;
    on_x.platform_id = "1500000001".into();
    on_x.url = "https://x.com/alfa".into();
    let x = s.create_account(o1.id, &on_x, "test").await.unwrap();
    let facebook: Vec<(OrgId, AccountId)> = s
        .accounts_on_platform(Platform::Facebook)
        .await
        .unwrap()
        .iter()
        .map(|a| (a.org_id, a.id))
        .collect();
    assert_eq!(facebook, vec![(o1.id, a1.id), (o2.id, a2.id)]);
    let x_accounts = s.accounts_on_platform(Platform::X).await.unwrap();
    assert_eq!(x_accounts.len(), 1);
    assert_eq!(
        (x_accounts[0].id, x_accounts[0].platform_id.as_str()),
        (x.id, "1500000001")
    );
    assert!(
        s.accounts_on_platform(Platform::Mastodon)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn leases_are_held_by_one_holder_at_a_time(b: &Backend) {
    let s = &*b.store;
    let now = Utc::now();
    let later = now + Duration::minutes(5);
    assert!(s.take_lease("screening", "a", now, later).await.unwrap());
    // another holder waits while it runs; the holder renews it
    assert!(!s.take_lease("screening", "b", now, later).await.unwrap());
    assert!(
        s.take_lease("screening", "a", now, later + Duration::minutes(5))
            .await
            .unwrap()
    );
    // another name is another lease
    assert!(s.take_lease("sweep", "b", now, later).await.unwrap());
    // only the holder gives it back
    s.release_lease("screening", "b").await.unwrap();
    assert!(!s.take_lease("screening", "b", now, later).await.unwrap());
    s.release_lease("screening", "a").await.unwrap();
    assert!(s.take_lease("screening", "b", now, later).await.unwrap());
    // a lease that ran out (its holder crashed) is taken over
    assert!(
        s.take_lease(
            "screening",
            "c",
            later + Duration::minutes(1),
            later + Duration::minutes(6)
        )
        .await
        .unwrap()
    );
    assert!(!s.take_lease("screening", "b", later, later).await.unwrap());
}

fn new_account(unit: UnitId) -> NewAccount {
    NewAccount {
        unit_id: unit,
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
    }
}

fn item(account: AccountId, id: &str, text: &str) -> CaptureItem {
    CaptureItem {
        account_id: account,
        platform_item_id: id.into(),
        kind: ItemKind::Comment,
        direction: Direction::Received,
        parent_platform_id: Some("p1".into()),
        thread_platform_id: Some("p1".into()),
        author_name: "Kalle Karlsson".into(),
        author_platform_id: "u9".into(),
        available_at: Utc.with_ymd_and_hms(2026, 3, 2, 9, 30, 0).unwrap(),
        platform_time: Some(Utc.with_ymd_and_hms(2026, 3, 2, 9, 29, 58).unwrap()),
        text: text.into(),
        media: vec![],
        raw_blob: Some(Sha256Digest::of(b"raw page")),
        raw_pointer: "/data/0".into(),
    }
}

async fn organisations_and_units(b: &Backend) {
    let s = &*b.store;
    let (o, u, _) = org(s, "alfa").await;
    assert_eq!(s.organisation_by_slug("alfa").await.unwrap(), o);
    assert!(matches!(
        s.organisation_by_slug("nope").await,
        Err(StoreError::NotFound { .. })
    ));
    let dup = s
        .create_organisation(
            &NewOrganisation {
                slug: "alfa".into(),
                name: "x".into(),
                diary_prefix: "KS".into(),
            },
            "t",
        )
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
    assert_eq!(s.list_units(o.id).await.unwrap(), vec![u]);
    let bad = s
        .create_organisation(
            &NewOrganisation {
                slug: "Bad Slug".into(),
                name: "x".into(),
                diary_prefix: "KS".into(),
            },
            "t",
        )
        .await;
    assert!(matches!(bad, Err(StoreError::Domain(_))));
}

async fn accounts_life_cycle(b: &Backend) {
    let s = &*b.store;
    let (o, _, a) = org(s, "alfa").await;
    assert_eq!(a.status, AccountStatus::Planned);
    assert_eq!(a.responsible.len(), 2);
    let at = Utc::now();
    let a2 = s
        .set_account_status(o.id, a.id, AccountStatus::Active, at, "t")
        .await
        .unwrap();
    assert_eq!(a2.status, AccountStatus::Active);
    assert!(a2.opened_at.is_some());
    let back = s
        .set_account_status(o.id, a.id, AccountStatus::Planned, at, "t")
        .await;
    assert!(matches!(back, Err(StoreError::Domain(_))));
    assert_eq!(s.list_accounts(o.id).await.unwrap(), vec![a2.clone()]);
    assert_eq!(s.get_account(o.id, a.id).await.unwrap(), a2);
    let a3 = s
        .set_account_platform_id(o.id, a.id, "109876", "capture")
        .await
        .unwrap();
    assert_eq!(a3.platform_id, "109876");
    assert!(
        s.set_account_platform_id(o.id, a.id, " ", "capture")
            .await
            .is_err()
    );
    assert!(
        s.set_account_platform_id(OrgId(424242), a.id, "1", "capture")
            .await
            .is_err()
    );
}

async fn capture_is_idempotent_and_versions_edits(b: &Backend) {
    let s = &*b.store;
    let (o, _, a) = org(s, "alfa").await;
    let batch = vec![
        item(a.id, "c1", "När plogas Storgatan?"),
        item(a.id, "c2", "Tack för svaret"),
    ];
    let first = s.capture(o.id, &batch, "capture").await.unwrap();
    assert_eq!(
        (first.new_records, first.new_versions, first.unchanged),
        (2, 2, 0)
    );
    let again = s.capture(o.id, &batch, "capture").await.unwrap();
    assert_eq!(
        (again.new_records, again.new_versions, again.unchanged),
        (0, 0, 2)
    );
    assert_eq!(again.record_ids, first.record_ids);
    assert_eq!(s.count_records(o.id).await.unwrap(), 2);

    let edited = s
        .capture(
            o.id,
            &[item(a.id, "c1", "När plogas Storgatan? Det är inte gjort!")],
            "capture",
        )
        .await
        .unwrap();
    assert_eq!((edited.new_records, edited.new_versions), (0, 1));
    let id = first.record_ids[0];
    let r = s.get_record(o.id, id).await.unwrap();
    assert_eq!(r.version, 2);
    assert!(r.text.ends_with("inte gjort!"));
    assert_eq!(r.direction, Direction::Received);
    let versions = s.record_versions(o.id, id).await.unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0].text, "När plogas Storgatan?");
    assert!(versions.iter().all(|v| v.is_intact()));
    let events = s.record_events(o.id, id).await.unwrap();
    let kinds: Vec<_> = events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![RecordEventKind::Captured, RecordEventKind::Edited]
    );
}

async fn duplicate_items_in_one_batch(b: &Backend) {
    let s = &*b.store;
    let (o, _, a) = org(s, "alfa").await;
    let batch = vec![
        item(a.id, "c1", "först"),
        item(a.id, "c1", "sedan ändrad"),
        item(a.id, "c1", "sedan ändrad"),
    ];
    let out = s.capture(o.id, &batch, "capture").await.unwrap();
    assert_eq!(
        (out.new_records, out.new_versions, out.unchanged),
        (1, 2, 1)
    );
    assert_eq!(
        s.record_versions(o.id, out.record_ids[0])
            .await
            .unwrap()
            .len(),
        2
    );
}

async fn deletion_and_classification_are_events(b: &Backend) {
    let s = &*b.store;
    let (o, _, a) = org(s, "alfa").await;
    let id = s
        .capture(o.id, &[item(a.id, "c1", "hej")], "capture")
        .await
        .unwrap()
        .record_ids[0];
    let seen = Utc::now();
    let r = s
        .record_deletion_seen(o.id, id, seen, "HTTP 404 on GET /c1", "capture")
        .await
        .unwrap();
    assert!(r.deleted_seen_at.is_some());
    // the record and its text stay: deletion on the platform never ends a record
    assert_eq!(r.text, "hej");
    let r = s
        .classify(
            o.id,
            id,
            Classification::Released,
            "egen publicering",
            "anna",
        )
        .await
        .unwrap();
    assert_eq!(r.classification, Classification::Released);
    assert!(
        s.classify(o.id, id, Classification::Secret, "  ", "anna")
            .await
            .is_err()
    );
    let kinds: Vec<_> = s
        .record_events(o.id, id)
        .await
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        vec![
            RecordEventKind::Captured,
            RecordEventKind::DeletionSeen,
            RecordEventKind::Classified
        ]
    );
}

async fn tenant_wall(b: &Backend) {
    let s = &*b.store;
    let (a_org, _, a_acc) = org(s, "alfa").await;
    let (b_org, b_unit, b_acc) = org(s, "beta").await;
    let id = s
        .capture(a_org.id, &[item(a_acc.id, "c1", "hemligt för beta")], "c")
        .await
        .unwrap()
        .record_ids[0];
    assert!(matches!(
        s.get_record(b_org.id, id).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        s.record_versions(b_org.id, id).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(s.record_events(b_org.id, id).await.unwrap().is_empty());
    assert!(s.get_records(b_org.id, &[id]).await.unwrap().is_empty());
    assert!(matches!(
        s.get_account(b_org.id, a_acc.id).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(
        s.list_records(
            b_org.id,
            &RecordFilter {
                limit: 100,
                ..Default::default()
            }
        )
        .await
        .unwrap()
        .is_empty()
    );
    // capturing into another organisation's account is refused and writes nothing
    let err = s
        .capture(b_org.id, &[item(a_acc.id, "x", "intrång")], "c")
        .await;
    assert!(matches!(err, Err(StoreError::NotFound { .. })));
    assert!(
        s.record_deletion_seen(b_org.id, id, Utc::now(), "x", "c")
            .await
            .is_err()
    );
    assert!(
        s.classify(b_org.id, id, Classification::Released, "x", "c")
            .await
            .is_err()
    );
    // an account cannot be opened on another organisation's unit
    assert!(
        s.create_account(a_org.id, &new_account(b_unit.id), "t")
            .await
            .is_err()
    );
    assert_eq!(s.count_records(b_org.id).await.unwrap(), 0);
    let _ = b_acc;
}

async fn audit_chain_verifies(b: &Backend) {
    let s = &*b.store;
    let (o, _, a) = org(s, "alfa").await;
    let out = s
        .capture(
            o.id,
            &[item(a.id, "c1", "ett"), item(a.id, "c2", "två")],
            "c",
        )
        .await
        .unwrap();
    s.capture(o.id, &[item(a.id, "c1", "ett, ändrad")], "c")
        .await
        .unwrap();
    let entries = s.audit_entries(o.id, 0, 1000).await.unwrap();
    let mut v = insyn_domain::audit::ChainVerifier::new(o.id);
    for e in &entries {
        v.check(e).unwrap();
    }
    assert_eq!(s.audit_head(o.id).await.unwrap(), v.head());
    // each version is vouched for by the audit entry it names
    let checks = s.versions_for_verify(0, 100).await.unwrap();
    assert_eq!(checks.len(), 3);
    for c in &checks {
        assert_eq!(c.audited_digest, Some(c.version.content_digest));
        assert!(c.version.is_intact());
    }
    let _ = out;
    // paging
    let first = s.audit_entries(o.id, 0, 2).await.unwrap();
    let rest = s.audit_entries(o.id, first[1].seq, 1000).await.unwrap();
    assert_eq!(first.len() + rest.len(), entries.len());
}

async fn evidence_is_append_only(b: &Backend) {
    let s = &*b.store;
    // The database refuses to change evidence even when asked with raw SQL.
    let (o, _, a) = org(s, "alfa").await;
    s.capture(o.id, &[item(a.id, "c1", "ett")], "c")
        .await
        .unwrap();
    let attempts = [
        "UPDATE record_versions SET text = 'changed'",
        "DELETE FROM record_versions",
        "UPDATE audit_log SET actor = 'mallory'",
        "DELETE FROM audit_log",
        "DELETE FROM record_events",
    ];
    for sql in attempts {
        let refused = raw_execute(b, sql).await;
        assert!(refused.is_err(), "{sql} should be refused");
    }
    let all = s
        .list_records(
            o.id,
            &RecordFilter {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(all[0].text, "ett");
    assert!(s.record_versions(o.id, all[0].id).await.unwrap()[0].is_intact());
}

async fn access_log_lists_by_record_and_actor(b: &Backend) {
    let s = &*b.store;
    let (o, _, _) = org(s, "alfa").await;
    let (other, _, _) = org(s, "beta").await;
    let at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let access =
        |org: OrgId, actor: &str, via: AccessVia, records: &[i64], minutes: i64| NewAccess {
            org_id: org,
            at: at + Duration::minutes(minutes),
            actor: actor.into(),
            via,
            detail: "konto=1".into(),
            records: records.iter().map(|r| RecordId(*r)).collect(),
        };
    s.log_access(&[
        access(o.id, "anna@ekbacka.se", AccessVia::Inbox, &[1, 2, 3], 0),
        access(o.id, "erik@ekbacka.se", AccessVia::Record, &[2], 1),
        // nothing shown: nothing logged
        access(o.id, "erik@ekbacka.se", AccessVia::Home, &[], 2),
        access(other.id, "api:beta", AccessVia::RecordsApi, &[2], 3),
    ])
    .await
    .unwrap();
    let all = |f: AccessFilter| async move {
        s.access_log(o.id, &AccessFilter { limit: 100, ..f })
            .await
            .unwrap()
    };
    let everything = all(AccessFilter::default()).await;
    assert_eq!(everything.len(), 2, "{everything:?}");
    assert_eq!(everything[0].actor, "erik@ekbacka.se", "newest first");
    assert_eq!(everything[1].via, AccessVia::Inbox);
    assert_eq!(
        everything[1].records,
        vec![RecordId(1), RecordId(2), RecordId(3)]
    );
    assert_eq!(everything[1].at, at);
    assert_eq!(everything[1].detail, "konto=1");
    let of_two = all(AccessFilter {
        record: Some(RecordId(2)),
        ..Default::default()
    })
    .await;
    assert_eq!(
        of_two.len(),
        2,
        "the other organisation's access is not listed"
    );
    let of_one = all(AccessFilter {
        record: Some(RecordId(1)),
        ..Default::default()
    })
    .await;
    assert_eq!(of_one.len(), 1);
    let by_anna = all(AccessFilter {
        actor: Some("anna@ekbacka.se".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(by_anna.len(), 1);
    let later = all(AccessFilter {
        from: Some(at + Duration::seconds(30)),
        ..Default::default()
    })
    .await;
    assert_eq!(later.len(), 1);
    let page_two = all(AccessFilter {
        before_id: Some(everything[0].id),
        ..Default::default()
    })
    .await;
    assert_eq!(page_two, everything[1..].to_vec());
    // found the same once the index by record has caught up, and across index and tail
    assert_eq!(s.index_access_log(1).await.unwrap(), 1);
    assert_eq!(s.index_access_log(100).await.unwrap(), 2);
    assert_eq!(s.index_access_log(100).await.unwrap(), 0);
    let of_two_indexed = all(AccessFilter {
        record: Some(RecordId(2)),
        ..Default::default()
    })
    .await;
    assert_eq!(of_two_indexed, of_two);
    s.log_access(&[access(
        o.id,
        "maria@ekbacka.se",
        AccessVia::Case,
        &[2, 9],
        5,
    )])
    .await
    .unwrap();
    let both = all(AccessFilter {
        record: Some(RecordId(2)),
        ..Default::default()
    })
    .await;
    assert_eq!(both.len(), 3);
    assert_eq!(both[0].actor, "maria@ekbacka.se");
    assert_eq!(&both[1..], &of_two[..]);
    assert_eq!(s.index_access_log(100).await.unwrap(), 1);
    let nine = all(AccessFilter {
        record: Some(RecordId(9)),
        ..Default::default()
    })
    .await;
    assert_eq!(nine.len(), 1);
    for sql in [
        "UPDATE access_log SET actor = 'mallory'",
        "DELETE FROM access_log",
        "DELETE FROM access_log_records",
    ] {
        // SQLite keeps the access log in a file of its own beside the main one
        let url = match b.url.strip_prefix("sqlite:") {
            Some(path) => {
                let file = insyn_store::sqlite::access_path(std::path::Path::new(
                    path.trim_start_matches("//"),
                ));
                assert!(file.exists(), "{} exists", file.display());
                format!("sqlite:{}", file.display())
            }
            None => b.url.clone(),
        };
        let refused = raw_execute_url(&url, sql).await;
        assert!(
            refused.as_ref().is_err_and(|e| e.contains("append-only")),
            "{sql} should be refused: {refused:?}"
        );
    }
    assert_eq!(all(AccessFilter::default()).await.len(), 3);
}

async fn raw_execute(b: &Backend, sql: &'static str) -> Result<(), String> {
    raw_execute_url(&b.url, sql).await
}

async fn raw_execute_url(url: &str, sql: &'static str) -> Result<(), String> {
    // Reach behind the interface on purpose: a second connection to the same database.
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url)
            .await
            .map_err(|e| e.to_string())?;
        sqlx::query(sql)
            .execute(&pool)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    } else {
        let pool = sqlx::PgPool::connect(url)
            .await
            .map_err(|e| e.to_string())?;
        sqlx::query(sql)
            .execute(&pool)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

async fn bad_input_writes_nothing(b: &Backend) {
    let s = &*b.store;
    let (o, _, a) = org(s, "alfa").await;
    let mut bad = item(a.id, "", "tomt id");
    let res = s
        .capture(o.id, &[item(a.id, "ok1", "bra"), bad.clone()], "c")
        .await;
    assert!(matches!(res, Err(StoreError::Domain(_))));
    bad.platform_item_id = "ok2".into();
    bad.account_id = AccountId(999_999);
    let res = s.capture(o.id, &[item(a.id, "ok1", "bra"), bad], "c").await;
    assert!(matches!(res, Err(StoreError::NotFound { .. })));
    let huge = item(
        a.id,
        "big",
        &"x".repeat(insyn_domain::record::MAX_TEXT_BYTES + 1),
    );
    assert!(s.capture(o.id, &[huge], "c").await.is_err());
    assert_eq!(
        s.count_records(o.id).await.unwrap(),
        0,
        "nothing written half-way"
    );
    assert!(s.capture(OrgId(424242), &[], "c").await.is_ok());
    assert!(
        s.create_unit(
            OrgId(424242),
            &NewUnit {
                name: "x".into(),
                email: None
            },
            "t"
        )
        .await
        .is_err()
    );
}

async fn blobs_catalogue(b: &Backend) {
    let s = &*b.store;
    let metas: Vec<BlobMeta> = (0..3u8)
        .map(|i| BlobMeta {
            sha256: Sha256Digest::of(&[i]),
            size: 1,
            media_type: "application/json".into(),
        })
        .collect();
    s.register_blobs(&metas).await.unwrap();
    s.register_blobs(&metas).await.unwrap();
    let listed = s.list_blobs(None, 10).await.unwrap();
    assert_eq!(listed.len(), 3);
    let after = s.list_blobs(Some(listed[0].sha256), 10).await.unwrap();
    assert_eq!(after.len(), 2);
}

async fn search_feed(b: &Backend) {
    let s = &*b.store;
    let (o, u, a) = org(s, "alfa").await;
    let ids = s
        .capture(
            o.id,
            &[item(a.id, "c1", "ett"), item(a.id, "c2", "två")],
            "c",
        )
        .await
        .unwrap()
        .record_ids;
    s.capture(o.id, &[item(a.id, "c1", "ett igen")], "c")
        .await
        .unwrap();
    let batch = s.search_outbox(0, 100).await.unwrap();
    assert_eq!(batch.docs.len(), 3);
    assert_eq!(batch.docs[2].text, "ett igen");
    assert_eq!(batch.docs[0].unit_id, u.id);
    // consecutive entries (one range statement) ...
    s.remove_from_search_outbox(&batch.ids[..1]).await.unwrap();
    // ... and entries with a gap between them
    let rest = s.search_outbox(0, 100).await.unwrap();
    assert_eq!(rest.ids, batch.ids[1..].to_vec());
    s.remove_from_search_outbox(&[rest.ids[0], 999_999])
        .await
        .unwrap();
    let rest = s.search_outbox(0, 100).await.unwrap();
    assert_eq!(
        rest.ids,
        batch.ids[2..].to_vec(),
        "only the removed entries are gone"
    );
    s.remove_from_search_outbox(&rest.ids).await.unwrap();
    assert!(s.search_outbox(0, 100).await.unwrap().docs.is_empty());
    let all = s.search_docs_after(RecordId(0), 100).await.unwrap();
    assert_eq!(all.iter().map(|d| d.record_id).collect::<Vec<_>>(), ids);
}

async fn search_outbox_ids_never_go_back(b: &Backend) {
    let s = &*b.store;
    let (o, _, a) = org(s, "alfa").await;
    s.capture(o.id, &[item(a.id, "x", "ett"), item(a.id, "y", "två")], "c")
        .await
        .unwrap();
    let first = s.search_outbox(0, 100).await.unwrap();
    let high = *first.ids.iter().max().unwrap();
    s.remove_from_search_outbox(&first.ids).await.unwrap();
    // the outbox is empty now; a later change still gets a larger id than any applied
    s.capture(o.id, &[item(a.id, "x", "ett, ändrad")], "c")
        .await
        .unwrap();
    let next = s.search_outbox(0, 100).await.unwrap();
    assert_eq!(next.ids.len(), 1);
    assert!(next.ids[0] > high, "{} after {high}", next.ids[0]);
    s.remove_from_search_outbox(&next.ids).await.unwrap();
    // an index that has applied up to 1000 (e.g. kept from before a restore)
    s.search_outbox_ids_after(1000).await.unwrap();
    s.search_outbox_ids_after(10).await.unwrap(); // never lowers
    s.capture(o.id, &[item(a.id, "y", "två, ändrad")], "c")
        .await
        .unwrap();
    let after = s.search_outbox(0, 100).await.unwrap();
    assert!(after.ids[0] > 1000, "{:?}", after.ids);
}

async fn bulk_capture_names_new_records_in_one_backfill(b: &Backend) {
    let s = &*b.store;
    let (o, _, a) = org(s, "alfa").await;
    s.capture(o.id, &[item(a.id, "old", "gammal")], "c")
        .await
        .unwrap();
    let outbox = s.search_outbox(0, 100).await.unwrap();
    s.remove_from_search_outbox(&outbox.ids).await.unwrap();
    // two new records and an edit of an old one, in bulk
    let out = s
        .capture_bulk(
            o.id,
            vec![
                item(a.id, "n1", "ny ett"),
                item(a.id, "old", "gammal, ändrad"),
                item(a.id, "n2", "ny två"),
            ]
            .into(),
            "c",
        )
        .await
        .unwrap();
    assert_eq!(out.is_new, vec![true, false, true]);
    assert_eq!((out.new_records, out.new_versions), (2, 3));
    let backfill = out
        .search_backfill
        .expect("new records are named in a backfill");
    let new_ids = [out.record_ids[0], out.record_ids[2]];
    assert_eq!(backfill.first, *new_ids.iter().min().unwrap());
    assert_eq!(backfill.last, *new_ids.iter().max().unwrap());
    // (SQLite first tries the chunk as all new; the unique index refuses "old" and the chunk is
    // done again with a look-up: nothing of the first try remains, no id is skipped)
    assert_eq!(backfill.last.0 - backfill.first.0, 1, "{backfill:?}");
    let chain = s.audit_entries(o.id, 0, 1000).await.unwrap();
    for pair in chain.windows(2) {
        assert_eq!(pair[1].seq, pair[0].seq + 1);
        assert_eq!(pair[1].prev_hash, pair[0].hash);
    }
    let captured = |id: RecordId| {
        chain
            .iter()
            .filter(|e| e.subject == format!("record:{id}"))
            .count()
    };
    assert!(new_ids.iter().all(|id| captured(*id) == 1), "{chain:#?}");
    // each new version's entry: what was captured, in a fixed form, and its content digest
    let entry_of = |id: RecordId, version: i64| {
        chain
            .iter()
            .find(|e| {
                e.subject == format!("record:{id}")
                    && e.detail.ends_with(&format!("\"version\":{version}}}"))
            })
            .unwrap_or_else(|| panic!("no entry for {id} v{version}: {chain:#?}"))
    };
    for (id, version, action, pid, text) in [
        (out.record_ids[0], 1, "record_captured", "n1", "ny ett"),
        (
            out.record_ids[1],
            2,
            "record_edited",
            "old",
            "gammal, ändrad",
        ),
    ] {
        let e = entry_of(id, version);
        assert_eq!(e.action, action);
        let detail = format!(
            r#"{{"account":{},"platform_item_id":"{pid}","version":{version}}}"#,
            a.id.0
        );
        assert_eq!(e.detail, detail);
        assert_eq!(e.digest, Some(item(a.id, pid, text).content_digest()));
    }
    assert_eq!(s.search_backfills(10).await.unwrap(), vec![backfill]);
    // only the edit went through the outbox
    let outbox = s.search_outbox(0, 100).await.unwrap();
    assert_eq!(
        outbox.docs.iter().map(|d| d.record_id).collect::<Vec<_>>(),
        vec![out.record_ids[1]]
    );
    // the audit chain and versions are the same as a normal capture's
    assert_eq!(
        s.get_record(o.id, out.record_ids[1]).await.unwrap().version,
        2
    );
    // unchanged items in bulk name nothing
    let again = s
        .capture_bulk(o.id, vec![item(a.id, "n1", "ny ett")].into(), "c")
        .await
        .unwrap();
    assert_eq!((again.unchanged, again.search_backfill), (1, None));
    s.remove_search_backfills(&[backfill.id]).await.unwrap();
    assert!(s.search_backfills(10).await.unwrap().is_empty());
}

/// A bulk capture of five chunks with known items in two of them: SQLite builds each chunk ahead
/// as all new while the one before it is written, so a chunk that meets known items, and the one
/// built after it on that assumption, must leave nothing behind; the chunks after them are
/// looked up until one holds only new items, and the last is taken as all new again.
async fn bulk_capture_over_chunks_meets_known_items(b: &Backend) {
    let s = &*b.store;
    let (o, _, a) = org(s, "alfa").await;
    s.capture(
        o.id,
        &[item(a.id, "k500", "text 500"), item(a.id, "k1200", "före")],
        "c",
    )
    .await
    .unwrap();
    let head_before = s.audit_entries(o.id, 0, 10).await.unwrap().len();
    let items: Vec<CaptureItem> = (0..2100)
        .map(|n| match n {
            1200 => item(a.id, "k1200", "efter"),
            n => item(a.id, &format!("k{n}"), &format!("text {n}")),
        })
        .collect();
    let out = s
        .capture_bulk(o.id, items.clone().into(), "c")
        .await
        .unwrap();
    assert_eq!(out.record_ids.len(), 2100);
    assert_eq!(
        (out.new_records, out.new_versions, out.unchanged),
        (2098, 2099, 1)
    );
    assert_eq!(
        out.is_new.iter().filter(|n| !**n).count(),
        2,
        "only k500 and k1200 were known"
    );
    assert!(!out.is_new[500] && !out.is_new[1200]);
    // every item got its own record, and the new ones ids without gaps
    let distinct: std::collections::HashSet<_> = out.record_ids.iter().collect();
    assert_eq!(distinct.len(), 2100);
    let backfill = out.search_backfill.expect("new records in a backfill");
    assert_eq!(backfill.last.0 - backfill.first.0 + 1, 2098, "{backfill:?}");
    for n in (0..2100)
        .step_by(97)
        .chain([499, 500, 501, 999, 1000, 1200, 1500, 1599])
    {
        let r = s.get_record(o.id, out.record_ids[n]).await.unwrap();
        assert_eq!(r.platform_item_id, format!("k{n}"));
        assert_eq!(r.version, if n == 1200 { 2 } else { 1 }, "k{n}");
    }
    // one sealed entry per new version, in one unbroken chain
    let chain = s.audit_entries(o.id, 0, 5000).await.unwrap();
    assert_eq!(chain.len(), head_before + 2099);
    for pair in chain.windows(2) {
        assert_eq!(pair[1].seq, pair[0].seq + 1);
        assert_eq!(pair[1].prev_hash, pair[0].hash);
    }
    // and the same capture again changes nothing
    let again = s.capture_bulk(o.id, items.into(), "c").await.unwrap();
    assert_eq!((again.new_records, again.unchanged), (0, 2100));
}

async fn connections_health_and_alerts(b: &Backend) {
    let s = &*b.store;
    let (o, _, a) = org(s, "alfa").await;
    let (other, _, b_acc) = org(s, "beta").await;
    let now = Utc::now();
    s.set_account_status(o.id, a.id, AccountStatus::Active, now, "t")
        .await
        .unwrap();
    let health = ConnectionHealth::connected(now);
    // the tenant wall: organisation alfa cannot connect beta's account
    let err = s
        .save_connection(o.id, b_acc.id, "https://x", b"sealed", &health, "t")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    s.save_connection(
        o.id,
        a.id,
        "https://graph.example",
        b"\x00sealed\xff",
        &health,
        "anna",
    )
    .await
    .unwrap();
    let c = s.connection(o.id, a.id).await.unwrap().unwrap();
    assert_eq!(c.sealed_token, b"\x00sealed\xff");
    assert_eq!(c.base_url, "https://graph.example");
    assert_eq!(c.connected_by, "anna");
    assert!(s.connection(other.id, a.id).await.unwrap().is_none());
    assert!(s.connections(other.id).await.unwrap().is_empty());
    // due now, not in beta's list
    let due = s
        .due_connections(now + Duration::seconds(1), 10)
        .await
        .unwrap();
    assert_eq!(due, vec![(o.id, a.id)]);
    // a failure and an interrupted pass: health and cursor are kept
    let mut h = c.health.clone();
    h.failed(
        now,
        &FailureKind::Auth,
        "HTTP 401 från plattformen",
        Duration::minutes(5),
    );
    s.save_capture_state(o.id, a.id, &h, Some("page-7"))
        .await
        .unwrap();
    let c = s.connection(o.id, a.id).await.unwrap().unwrap();
    assert_eq!(c.cursor.as_deref(), Some("page-7"));
    assert!(c.health.needs_reconnect);
    assert!(
        s.due_connections(now + Duration::days(1), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        s.save_capture_state(other.id, a.id, &h, None)
            .await
            .is_err()
    );
    // alerts: stored, listed newest first, never changed
    let level = h.alert_due(now).unwrap();
    h.alerted(now, level);
    let alert = s
        .raise_capture_alert(o.id, a.id, level, "Kontot måste anslutas på nytt", &h)
        .await
        .unwrap();
    assert_eq!(alert.level, AlertLevel::Responsible);
    h.alerted(now, AlertLevel::Communicators);
    s.raise_capture_alert(o.id, a.id, AlertLevel::Communicators, "Fortfarande fel", &h)
        .await
        .unwrap();
    let alerts = s.capture_alerts(o.id, Some(a.id), 10).await.unwrap();
    assert_eq!(alerts.len(), 2);
    assert_eq!(alerts[0].message, "Fortfarande fel");
    assert!(
        s.capture_alerts(other.id, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        s.raise_capture_alert(other.id, a.id, AlertLevel::Responsible, "x", &h)
            .await
            .is_err()
    );
    let stored = s.connection(o.id, a.id).await.unwrap().unwrap();
    assert_eq!(
        stored.health.last_alert_level,
        Some(AlertLevel::Communicators)
    );
    assert!(
        raw_execute(b, "UPDATE capture_alerts SET message = 'x'")
            .await
            .is_err()
    );
    assert!(raw_execute(b, "DELETE FROM capture_alerts").await.is_err());
    // the connection and the alerts are in the audit chain, without the token
    let entries = s.audit_entries(o.id, 0, 1000).await.unwrap();
    let mut v = insyn_domain::audit::ChainVerifier::new(o.id);
    for e in &entries {
        v.check(e).unwrap();
    }
    let connected: Vec<_> = entries
        .iter()
        .filter(|e| e.action == "account_connected")
        .collect();
    assert_eq!(connected.len(), 1);
    assert!(!connected[0].detail.to_string().contains("sealed"));
    assert_eq!(
        entries
            .iter()
            .filter(|e| e.action == "capture_alert_raised")
            .count(),
        2
    );
}

async fn api_tokens(b: &Backend) {
    let s = &*b.store;
    let (o, _, _) = org(s, "alfa").await;
    let h = Sha256Digest::of(b"token");
    s.create_api_token(o.id, "demo", &h, "t").await.unwrap();
    assert_eq!(s.organisation_by_token(&h).await.unwrap().id, o.id);
    assert!(
        s.organisation_by_token(&Sha256Digest::of(b"other"))
            .await
            .is_err()
    );
}

async fn list_filters_and_paging(b: &Backend) {
    let s = &*b.store;
    let (o, _, a) = org(s, "alfa").await;
    let base = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
    let items: Vec<CaptureItem> = (0..30)
        .map(|i| {
            let mut it = item(a.id, &format!("i{i}"), &format!("text {i}"));
            it.available_at = base + Duration::hours(i);
            if i % 3 == 0 {
                it.direction = Direction::Created;
            }
            it
        })
        .collect();
    s.capture(o.id, &items, "c").await.unwrap();
    let page = s
        .list_records(
            o.id,
            &RecordFilter {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.len(), 10);
    assert_eq!(page[0].platform_item_id, "i29", "newest first");
    let created = s
        .list_records(
            o.id,
            &RecordFilter {
                direction: Some(Direction::Created),
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(created.len(), 10);
    let window = s
        .list_records(
            o.id,
            &RecordFilter {
                from: Some(base + Duration::hours(5)),
                to: Some(base + Duration::hours(10)),
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(window.len(), 5);
    let second = s
        .list_records(
            o.id,
            &RecordFilter {
                limit: 10,
                offset: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(second[0].platform_item_id, "i19");

    // keyset paging walks the same order as OFFSET paging, ties in time included
    let tied: Vec<CaptureItem> = (0..7)
        .map(|i| {
            let mut it = item(a.id, &format!("t{i}"), &format!("samma tid {i}"));
            it.available_at = base + Duration::hours(12);
            it
        })
        .collect();
    s.capture(o.id, &tied, "c").await.unwrap();
    let all = s
        .list_records(
            o.id,
            &RecordFilter {
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(all.len(), 37);
    let mut walked = Vec::new();
    let mut before = None;
    loop {
        let page = s
            .list_records(
                o.id,
                &RecordFilter {
                    limit: 4,
                    before,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        before = Some((last.available_at, last.id));
        walked.extend(page.into_iter().map(|r| r.id));
    }
    assert_eq!(walked, all.iter().map(|r| r.id).collect::<Vec<_>>());

    // histories of many records at once are those read one by one, in the order asked
    s.capture(o.id, &[item(a.id, "i4", "text 4, ändrad")], "c")
        .await
        .unwrap();
    let ids: Vec<_> = all.iter().rev().take(8).map(|r| r.id).collect();
    let histories = s.record_histories(o.id, &ids).await.unwrap();
    assert_eq!(histories.len(), ids.len());
    for (id, (versions, events)) in ids.iter().zip(&histories) {
        assert_eq!(versions, &s.record_versions(o.id, *id).await.unwrap());
        assert_eq!(events, &s.record_events(o.id, *id).await.unwrap());
    }
    assert!(
        histories.iter().any(|(v, _)| v.len() == 2),
        "the edit is a second version"
    );
    let (other, _, oa) = org(s, "beta").await;
    let foreign = s
        .capture(other.id, &[item(oa.id, "x1", "annan")], "c")
        .await
        .unwrap();
    assert!(
        s.record_histories(o.id, &[ids[0], foreign.record_ids[0]])
            .await
            .is_err(),
        "another organisation's record is not read"
    );
}

async fn screening_queue_and_findings(b: &Backend) {
    let s = &*b.store;
    let (o, _, a) = org(s, "alfa").await;
    let (other, _, _) = org(s, "beta").await;
    let mut own = item(a.id, "p1", "Vårt eget inlägg 811218-9876");
    own.direction = Direction::Created;
    let ids = s
        .capture(
            o.id,
            &[own, item(a.id, "c1", "Mitt personnummer är 811218-9876")],
            "c",
        )
        .await
        .unwrap()
        .record_ids;
    // only received items are queued
    let queue = s.screening_queue(10).await.unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!((queue[0].record_id, queue[0].version), (ids[1], 1));
    let finding = Finding {
        record_id: ids[1],
        version: 1,
        category: "personnummer".into(),
        start: 21,
        end: 32,
        rule: "personnummer".into(),
        confidence: 0.99,
        explanation_sv: "Personnummer".into(),
        explanation_en: "Identity number".into(),
        suggested_action: Some("protect_personal_data".into()),
        found_at: Utc::now(),
    };
    s.save_screening(&queue, std::slice::from_ref(&finding), "screening")
        .await
        .unwrap();
    assert!(s.screening_queue(10).await.unwrap().is_empty());
    let stored = s.record_findings(o.id, ids[1]).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(
        (stored[0].category.as_str(), stored[0].start, stored[0].end),
        ("personnummer", 21, 32)
    );
    assert!((stored[0].confidence - 0.99).abs() < 1e-6);
    let events = s.record_events(o.id, ids[1]).await.unwrap();
    assert_eq!(events.last().unwrap().kind, RecordEventKind::Screened);
    assert_eq!(
        events.last().unwrap().detail["categories"][0],
        "personnummer"
    );
    // tenant wall
    assert!(
        s.record_findings(other.id, ids[1])
            .await
            .unwrap()
            .is_empty()
    );
    // an edit queues the new version
    s.capture(
        o.id,
        &[item(a.id, "c1", "Mitt personnummer är hemligt")],
        "c",
    )
    .await
    .unwrap();
    let queue = s.screening_queue(10).await.unwrap();
    assert_eq!(
        (queue[0].version, queue[0].text.as_str()),
        (2, "Mitt personnummer är hemligt")
    );
    // findings are append-only
    assert!(
        raw_execute(b, "UPDATE findings SET category = 'none'")
            .await
            .is_err()
    );
    assert!(raw_execute(b, "DELETE FROM findings").await.is_err());
}

async fn bulk_capture_waits_for_screening_as_one_batch(b: &Backend) {
    let s = &*b.store;
    let (o, _, a) = org(s, "alfa").await;
    let mut own = item(a.id, "p1", "Vårt eget inlägg");
    own.direction = Direction::Created;
    let out = s
        .capture_bulk(
            o.id,
            vec![
                own,
                item(a.id, "c1", "ett"),
                item(a.id, "c2", "två"),
                item(a.id, "c3", "tre"),
            ]
            .into(),
            "c",
        )
        .await
        .unwrap();
    let ids = out.record_ids;
    // c2 is edited before screening: its second version gets its own queue entry
    s.capture(o.id, &[item(a.id, "c2", "två, ändrad")], "c")
        .await
        .unwrap();
    let candidates = s.release_candidates(o.id, RecordId(0), 100).await.unwrap();
    let screened: Vec<(RecordId, bool)> = candidates
        .iter()
        .map(|c| (c.record.id, c.screened))
        .collect();
    assert_eq!(
        screened,
        vec![
            (ids[0], true),
            (ids[1], false),
            (ids[2], false),
            (ids[3], false)
        ],
        "the created post needs no screening; the received ones wait in the batch"
    );
    // already waiting (in the batch or as an entry): nothing is queued twice
    assert_eq!(s.queue_all_for_screening().await.unwrap(), 0);

    // entries first, then the batch in id order, at most `limit`
    let first = s.screening_queue(2).await.unwrap();
    let got: Vec<(RecordId, u32, &str)> = first
        .iter()
        .map(|t| (t.record_id, t.version, t.text.as_str()))
        .collect();
    assert_eq!(got, vec![(ids[2], 2, "två, ändrad"), (ids[1], 1, "ett")]);
    assert!(matches!(first[0].queued, ScreeningQueued::Entry(_)));
    assert!(matches!(first[1].queued, ScreeningQueued::BulkBatch(_)));
    s.save_screening(&first, &[], "screening").await.unwrap();
    let candidates = s.release_candidates(o.id, RecordId(0), 100).await.unwrap();
    let waiting: Vec<RecordId> = candidates
        .iter()
        .filter(|c| !c.screened)
        .map(|c| c.record.id)
        .collect();
    assert_eq!(waiting, vec![ids[2], ids[3]]);

    let rest = s.screening_queue(10).await.unwrap();
    let got: Vec<(RecordId, u32)> = rest.iter().map(|t| (t.record_id, t.version)).collect();
    assert_eq!(got, vec![(ids[2], 1), (ids[3], 1)]);
    s.save_screening(&rest, &[], "screening").await.unwrap();
    assert!(s.screening_queue(10).await.unwrap().is_empty());
    let candidates = s.release_candidates(o.id, RecordId(0), 100).await.unwrap();
    assert!(candidates.iter().all(|c| c.screened), "{candidates:?}");
    // every received version has its screened event, exactly once
    for (id, versions) in [(ids[1], 1), (ids[2], 2), (ids[3], 1)] {
        let events = s.record_events(o.id, id).await.unwrap();
        let screened = events
            .iter()
            .filter(|e| e.kind == RecordEventKind::Screened)
            .count();
        assert_eq!(screened, versions, "record {id}");
    }
    // and a re-screen of everything queues each newest version once
    assert_eq!(s.queue_all_for_screening().await.unwrap(), 3);
}

async fn queue_all_for_screening_again(b: &Backend) {
    let s = &*b.store;
    let (o, _, a) = org(s, "alfa").await;
    let (o2, _, a2) = org(s, "beta").await;
    let mut own = item(a.id, "p1", "Vårt eget inlägg");
    own.direction = Direction::Created;
    let ids = s
        .capture(o.id, &[own, item(a.id, "c1", "första")], "c")
        .await
        .unwrap()
        .record_ids;
    s.capture(o.id, &[item(a.id, "c1", "andra versionen")], "c")
        .await
        .unwrap();
    let other = s
        .capture(o2.id, &[item(a2.id, "c9", "hos beta")], "c")
        .await
        .unwrap()
        .record_ids;
    // Work the queue empty first.
    let q = s.screening_queue(100).await.unwrap();
    assert_eq!(q.len(), 3);
    s.save_screening(&q, &[], "screening").await.unwrap();
    assert!(s.screening_queue(100).await.unwrap().is_empty());

    // Every received record, newest version only, every organisation; not the created one.
    assert_eq!(s.queue_all_for_screening().await.unwrap(), 2);
    let q = s.screening_queue(100).await.unwrap();
    let got: Vec<(RecordId, u32, &str)> = q
        .iter()
        .map(|t| (t.record_id, t.version, t.text.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![(ids[1], 2, "andra versionen"), (other[0], 1, "hos beta")]
    );
    // Already waiting: not queued twice.
    assert_eq!(s.queue_all_for_screening().await.unwrap(), 0);
    assert_eq!(s.screening_queue(100).await.unwrap().len(), 2);

    // A re-screen adds a screened event and findings beside the earlier ones (append-only).
    let finding = |at| Finding {
        record_id: ids[1],
        version: 2,
        category: "complaint".into(),
        start: 0,
        end: 5,
        rule: "complaint.explicit".into(),
        confidence: 0.8,
        explanation_sv: "Klagomål".into(),
        explanation_en: "Complaint".into(),
        suggested_action: None,
        found_at: at,
    };
    s.save_screening(&q, &[finding(Utc::now())], "screening")
        .await
        .unwrap();
    s.queue_all_for_screening().await.unwrap();
    let q = s.screening_queue(100).await.unwrap();
    s.save_screening(&q, &[], "screening").await.unwrap();
    let events = s.record_events(o.id, ids[1]).await.unwrap();
    let screened: Vec<_> = events
        .iter()
        .filter(|e| e.kind == RecordEventKind::Screened)
        .collect();
    assert_eq!(screened.len(), 4, "{events:?}");
    assert_eq!(screened[3].detail["version"], 2);
    assert_eq!(
        s.record_findings(o.id, ids[1]).await.unwrap().len(),
        1,
        "the earlier finding is kept"
    );
}

async fn deletions_seen_in_one_batch(b: &Backend) {
    let s = &*b.store;
    let (o, _, a) = org(s, "alfa").await;
    let (other, _, oa) = org(s, "beta").await;
    let ids = s
        .capture(
            o.id,
            &[
                item(a.id, "d1", "ett"),
                item(a.id, "d2", "två"),
                item(a.id, "d3", "tre"),
            ],
            "capture",
        )
        .await
        .unwrap()
        .record_ids;
    let foreign = s
        .capture(other.id, &[item(oa.id, "x1", "annan")], "capture")
        .await
        .unwrap()
        .record_ids[0];
    let seen = |id: RecordId| DeletionSeen {
        record: id,
        seen_at: Utc::now(),
        evidence: format!("HTTP 404 for {id}"),
    };
    s.record_deletion_seen(o.id, ids[2], Utc::now(), "404", "capture")
        .await
        .unwrap();
    let (_, head_before) = s.audit_head(o.id).await.unwrap();
    // a record of another organisation fails the whole batch: nothing is marked
    let err = s
        .record_deletions_seen(o.id, &[seen(ids[0]), seen(foreign)], "capture")
        .await
        .unwrap_err();
    assert!(err.to_string().contains(&foreign.to_string()), "{err}");
    assert!(
        s.get_record(o.id, ids[0])
            .await
            .unwrap()
            .deleted_seen_at
            .is_none()
    );
    assert_eq!(s.audit_head(o.id).await.unwrap().1, head_before);
    // the same record twice and one already marked: each new one once
    let marked = s
        .record_deletions_seen(
            o.id,
            &[seen(ids[0]), seen(ids[1]), seen(ids[0]), seen(ids[2])],
            "capture",
        )
        .await
        .unwrap();
    assert_eq!(marked, 2);
    for id in &ids {
        let r = s.get_record(o.id, *id).await.unwrap();
        assert!(r.deleted_seen_at.is_some(), "{id}");
        let deletions = s
            .record_events(o.id, *id)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.kind == RecordEventKind::DeletionSeen)
            .count();
        assert_eq!(deletions, 1, "{id}");
    }
    assert!(
        s.get_record(other.id, foreign)
            .await
            .unwrap()
            .deleted_seen_at
            .is_none()
    );
    let mut v = insyn_domain::audit::ChainVerifier::new(o.id);
    for e in &s.audit_entries(o.id, 0, 1000).await.unwrap() {
        v.check(e).unwrap();
    }
    assert_eq!(s.audit_head(o.id).await.unwrap(), v.head());
    assert_eq!(s.record_deletions_seen(o.id, &[], "c").await.unwrap(), 0);
}

/// Many writers at once (capture batches, blob registrations, classifications): every write
/// lands, none fails on a locked database, and the audit chain stays one unbroken line.
async fn concurrent_writers_all_land(b: &Backend) {
    let (o, _, a) = org(&*b.store, "alfa").await;
    let mut tasks = Vec::new();
    for t in 0..24 {
        let s = b.store.clone();
        tasks.push(tokio::spawn(async move {
            let items: Vec<CaptureItem> = (0..40)
                .map(|n| {
                    item(
                        a.id,
                        &format!("w{t}-{n}"),
                        &format!("skrivare {t} text {n}"),
                    )
                })
                .collect();
            let out = if t % 2 == 0 {
                s.capture(o.id, &items, "capture").await.unwrap()
            } else {
                s.capture_bulk(o.id, items.clone().into(), "capture")
                    .await
                    .unwrap()
            };
            s.register_blobs(&[BlobMeta {
                sha256: Sha256Digest::of(format!("blob {t}").as_bytes()),
                size: 6,
                media_type: "text/plain".into(),
            }])
            .await
            .unwrap();
            s.classify(
                o.id,
                out.record_ids[0],
                Classification::Released,
                "egen publicering",
                "anna",
            )
            .await
            .unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let s = &*b.store;
    assert_eq!(s.count_records(o.id).await.unwrap(), 24 * 40);
    let entries = s.audit_entries(o.id, 0, 10_000).await.unwrap();
    let mut v = insyn_domain::audit::ChainVerifier::new(o.id);
    for e in &entries {
        v.check(e).unwrap();
    }
    assert_eq!(s.audit_head(o.id).await.unwrap(), v.head());
    // one entry per record captured and per classification, after the set-up's own
    assert!(entries.len() >= 24 * 40 + 24, "{}", entries.len());
}
