//! `App::rescreen_all` (`insyn screen --all`) over a real SQLite store: every received record's
//! newest version is screened again, findings stay append-only and the newest screening is
//! what readers get.
use insyn_app::demo::{DemoOptions, load};
use insyn_app::*;
use insyn_domain::*;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Default)]
struct Counting {
    len: AtomicU64,
    done: AtomicU64,
}

impl Progress for Counting {
    fn start(&self, _: &str, len: u64) {
        self.len.store(len, Ordering::SeqCst);
    }
    fn advance(&self, steps: u64) {
        self.done.fetch_add(steps, Ordering::SeqCst);
    }
    fn finish(&self) {}
}

#[tokio::test]
async fn rescreen_all_adds_a_screening_and_keeps_the_current_findings() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(AppConfig {
        database_url: format!("sqlite:{}", dir.path().join("insyn.db").display()),
        blobs_url: format!("file:{}", dir.path().join("blobs").display()),
        s3: S3Settings::default(),
        search: SearchBackend::Auto,
        search_dir: dir.path().join("search"),
    })
    .await
    .unwrap();
    let report = load(
        &app,
        &DemoOptions {
            records: 40,
            ..Default::default()
        },
        &NoProgress,
    )
    .await
    .unwrap();
    let org = report.organisation.id;
    let account = app.accounts(org).await.unwrap()[0].id;
    let text = "Ring mig på 070-174 06 12, jag har väntat i tre veckor!";
    let item = CaptureItem {
        account_id: account,
        platform_item_id: "omgranskas-1".into(),
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
    };
    let obs = Observation {
        raw: bytes::Bytes::from_static(b"{\"id\":\"omgranskas-1\"}"),
        media_type: "application/json".into(),
        items: vec![item],
    };
    let id = app.capture(org, obs, "test").await.unwrap().record_ids[0];
    let before = app.record_findings(org, id).await.unwrap();
    assert!(before.iter().any(|f| f.category == "phone"), "{before:?}");

    let progress = Counting::default();
    let n = app.rescreen_all(&progress).await.unwrap();
    assert!(n >= 1, "{n}");
    assert_eq!(progress.len.load(Ordering::SeqCst), n);
    assert_eq!(progress.done.load(Ordering::SeqCst), n);

    // Two screenings stored, the second is current: the same findings, not twice as many.
    let events = app.record_events(org, id).await.unwrap();
    let screened = events
        .iter()
        .filter(|e| e.kind == RecordEventKind::Screened)
        .count();
    assert_eq!(screened, 2);
    let after = app.record_findings(org, id).await.unwrap();
    let key = |f: &Finding| (f.version, f.category.clone(), f.start, f.end);
    assert_eq!(
        after.iter().map(key).collect::<Vec<_>>(),
        before.iter().map(key).collect::<Vec<_>>()
    );
    assert!(after[0].found_at > before[0].found_at);
}

/// One process at a time works the screening queue (a lease in the store): while another
/// process holds it, the background screening here skips the queue and a re-screen asked for
/// by a person waits for its turn; a crashed holder's lease runs out.
#[tokio::test]
async fn screening_takes_turns_between_processes() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(AppConfig::embedded(dir.path())).await.unwrap();
    load(
        &app,
        &DemoOptions {
            records: 40,
            ..Default::default()
        },
        &NoProgress,
    )
    .await
    .unwrap();
    app.screen_pending().await.unwrap();
    let queued = app.store.queue_all_for_screening().await.unwrap();
    assert!(queued > 0);
    let now = chrono::Utc::now();
    assert!(
        app.store
            .take_lease(
                screening::SCREEN_LEASE,
                "another process",
                now,
                now + chrono::Duration::minutes(5)
            )
            .await
            .unwrap()
    );
    // skipped: the other process screens what is queued
    assert_eq!(app.screen_pending().await.unwrap(), 0);
    assert_eq!(
        app.store.screening_queue(10_000).await.unwrap().len() as u64,
        queued
    );
    // a re-screen waits for the turn
    let rescreen = tokio::spawn({
        let app = app.clone();
        async move { app.rescreen_all(&NoProgress).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert!(!rescreen.is_finished(), "waits while the other holds it");
    app.store
        .release_lease(screening::SCREEN_LEASE, "another process")
        .await
        .unwrap();
    let screened = tokio::time::timeout(std::time::Duration::from_secs(30), rescreen)
        .await
        .expect("the re-screen ran once the lease was free")
        .unwrap()
        .unwrap();
    assert_eq!(screened, queued);
    assert!(app.store.screening_queue(10).await.unwrap().is_empty());
    // and gave the lease back
    assert!(
        app.store
            .take_lease(
                screening::SCREEN_LEASE,
                "a third",
                now,
                now + chrono::Duration::minutes(5)
            )
            .await
            .unwrap()
    );
}
