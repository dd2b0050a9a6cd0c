//! The search index follows every change, however the outbox ids fall.
use insyn_app::demo::{DemoOptions, load};
use insyn_app::*;
use insyn_domain::*;

fn comment(account: AccountId, id: &str, text: &str) -> CaptureItem {
    CaptureItem {
        account_id: account,
        platform_item_id: id.into(),
        kind: ItemKind::Comment,
        direction: Direction::Received,
        parent_platform_id: None,
        thread_platform_id: None,
        author_name: "Greta Gran".into(),
        author_platform_id: "g1".into(),
        available_at: chrono::Utc::now(),
        platform_time: None,
        text: text.into(),
        media: vec![],
        raw_blob: None,
        raw_pointer: "/".into(),
    }
}

async fn capture(app: &App, org: OrgId, items: Vec<CaptureItem>, raw: &'static [u8]) {
    let obs = Observation {
        raw: bytes::Bytes::from_static(raw),
        media_type: "application/json".into(),
        items,
    };
    app.capture(org, obs, "test").await.unwrap();
}

async fn finds(app: &App, org: OrgId, word: &str, id: &str) -> bool {
    app.search(&SearchQuery::new(org, word))
        .await
        .unwrap()
        .results
        .iter()
        .any(|f| f.record.platform_item_id == id)
}

/// An edit applied after the outbox was emptied must replace the text even though its outbox
/// entry may get a smaller id than the one that indexed the first version.
#[tokio::test]
async fn edit_after_the_outbox_emptied_replaces_the_indexed_text() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(AppConfig::embedded(dir.path())).await.unwrap();
    let report = load(
        &app,
        &DemoOptions {
            records: 20,
            ..Default::default()
        },
        &NoProgress,
    )
    .await
    .unwrap();
    let org = report.organisation.id;
    let account = app.accounts(org).await.unwrap()[0].id;
    // two records in one batch, then a third: the outbox is emptied after each capture
    capture(
        &app,
        org,
        vec![
            comment(account, "a", "Gatlyktorna på Ekvägen är trasiga"),
            comment(account, "b", "Tack för en fin konsert i parken"),
        ],
        b"{\"page\":1}",
    )
    .await;
    capture(
        &app,
        org,
        vec![comment(account, "c", "När öppnar badhuset?")],
        b"{\"page\":2}",
    )
    .await;
    assert!(finds(&app, org, "gatlyktorna", "a").await);
    // the edit of the first record
    capture(
        &app,
        org,
        vec![comment(account, "a", "Nu är snöröjningen klar, tack")],
        b"{\"page\":3}",
    )
    .await;
    assert!(
        finds(&app, org, "snöröjningen", "a").await,
        "the edited text is searchable"
    );
    assert!(
        !finds(&app, org, "gatlyktorna", "a").await,
        "the old text is no longer found"
    );
    // and it stays right when the application is opened again
    drop(app);
    let app = App::open(AppConfig::embedded(dir.path())).await.unwrap();
    capture(
        &app,
        org,
        vec![comment(account, "b", "Konserten var tyvärr inställd")],
        b"{\"page\":4}",
    )
    .await;
    assert!(finds(&app, org, "inställd", "b").await);
}

/// The demo's staff can sign in with the password the demo prints; a wrong one cannot.
#[tokio::test]
async fn demo_staff_sign_in_with_the_printed_password() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(AppConfig::embedded(dir.path())).await.unwrap();
    let report = load(
        &app,
        &DemoOptions {
            records: 10,
            ..Default::default()
        },
        &NoProgress,
    )
    .await
    .unwrap();
    assert_eq!(report.staff.len(), 4);
    assert!(report.staff_password.len() >= 12);
    let org = report.organisation.id;
    for u in &report.staff {
        let answer = app
            .sign_in(org, &u.email, &report.staff_password)
            .await
            .unwrap();
        assert!(
            matches!(answer, insyn_app::auth::SignIn::Ok(ref user) if user.email == u.email),
            "{} cannot sign in: {answer:?}",
            u.email
        );
    }
    let wrong = app
        .sign_in(org, &report.staff[0].email, "fel-lösenord-123")
        .await
        .unwrap();
    assert!(
        matches!(wrong, insyn_app::auth::SignIn::Rejected),
        "{wrong:?}"
    );
}

async fn stored(app: &App, items: Vec<CaptureItem>, raw: &'static [u8]) -> insyn_app::StoredItems {
    app.store_payloads(vec![Observation {
        raw: bytes::Bytes::from_static(raw),
        media_type: "application/json".into(),
        items,
    }])
    .await
    .unwrap()
}

async fn demo(dir: &std::path::Path) -> (App, OrgId, AccountId) {
    let app = App::open(AppConfig::embedded(dir)).await.unwrap();
    let report = load(
        &app,
        &DemoOptions {
            records: 20,
            ..Default::default()
        },
        &NoProgress,
    )
    .await
    .unwrap();
    let org = report.organisation.id;
    let account = app.accounts(org).await.unwrap()[0].id;
    (app, org, account)
}

/// A bulk load's indexer applies the new records from the items it holds: they are found, the
/// backfill entry is gone, and a rebuild from the store gives the same answers.
#[tokio::test]
async fn bulk_indexer_applies_new_records_as_a_rebuild_would() {
    let dir = tempfile::tempdir().unwrap();
    let (app, org, account) = demo(dir.path()).await;
    let batch = stored(
        &app,
        vec![
            comment(
                account,
                "bulk-1",
                "Snöröjningen på Björkgatan har inte kommit",
            ),
            comment(account, "bulk-2", "Snöröjningen vid skolan fungerar bra"),
        ],
        b"{\"bulk\":1}",
    )
    .await;
    let mut indexer = BulkIndexer::new(&app, org, 1_000).await.unwrap();
    let outcome = app.capture_stored_bulk(org, &batch, "test").await.unwrap();
    assert_eq!(outcome.is_new, vec![true, true]);
    let backfill = outcome
        .search_backfill
        .expect("a bulk capture names its new records");
    assert_eq!(
        (backfill.first, backfill.last),
        (outcome.record_ids[0], outcome.record_ids[1])
    );
    // not searchable until the indexer has run: the outbox does not hold them
    app.sync_search().await.unwrap();
    assert!(app.store.search_backfills(10).await.unwrap().is_empty());
    indexer.add(batch.items(), &outcome).await.unwrap();
    indexer.finish().await.unwrap();
    assert!(finds(&app, org, "snöröjning", "bulk-1").await);
    assert!(finds(&app, org, "skolan", "bulk-2").await);
    let page = |app: App| async move {
        let mut q = SearchQuery::new(org, "snöröjning");
        q.accounts = vec![account];
        q.direction = Some(Direction::Received);
        q.classifications = vec![Classification::Unassessed];
        let found = app.search(&q).await.unwrap();
        (
            found.total,
            found
                .results
                .iter()
                .map(|f| f.record.id)
                .collect::<Vec<_>>(),
        )
    };
    let before = page(app.clone()).await;
    assert_eq!(before.0, 2);
    app.reindex(&NoProgress).await.unwrap();
    assert_eq!(page(app.clone()).await, before);
}

/// A bulk batch whose loader stopped before indexing (a crash, or the index held by another
/// process) is applied from the store by the next sync, and a later edit still wins.
#[tokio::test]
async fn a_backfill_left_behind_is_applied_by_the_next_sync() {
    let dir = tempfile::tempdir().unwrap();
    let (app, org, account) = demo(dir.path()).await;
    let batch = stored(
        &app,
        vec![comment(account, "left-1", "Vattenläckan på Ängsvägen")],
        b"{\"bulk\":2}",
    )
    .await;
    let outcome = app.capture_stored_bulk(org, &batch, "test").await.unwrap();
    assert!(outcome.search_backfill.is_some());
    assert!(!finds(&app, org, "vattenläckan", "left-1").await);
    // the same item edited in a later (normal) capture, before any sync
    capture(
        &app,
        org,
        vec![comment(
            account,
            "left-1",
            "Vattenläckan på Ängsvägen är lagad nu",
        )],
        b"{\"page\":3}",
    )
    .await;
    assert!(app.store.search_backfills(10).await.unwrap().is_empty());
    assert!(finds(&app, org, "lagad", "left-1").await);
    // applying the stale in-memory doc afterwards (watermark 0) does not undo the edit
    let mut indexer = BulkIndexer::new(&app, org, 1_000).await.unwrap();
    indexer.add(batch.items(), &outcome).await.unwrap();
    indexer.finish().await.unwrap();
    assert!(finds(&app, org, "lagad", "left-1").await);
}
