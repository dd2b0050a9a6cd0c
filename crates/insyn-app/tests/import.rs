//! `insyn import` end to end: an X archive and a Mastodon outbox into the embedded store.
use insyn_app::demo::{DemoOptions, load};
use insyn_app::*;
use insyn_domain::*;

fn tweet(id: &str, text: &str, extra: &str) -> String {
    format!(
        r#"{{ "tweet" : {{ "id_str" : "{id}", "id" : "{id}", "created_at" : "Wed Nov 18 09:30:00 +0000 2026", "full_text" : "{text}"{extra} }} }}"#
    )
}

async fn setup() -> (tempfile::TempDir, App, OrgId, Account) {
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
    let x = app
        .accounts(org)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.platform == Platform::X)
        .unwrap();
    (dir, app, org, x)
}

#[tokio::test]
async fn x_archive_import_is_idempotent_versions_edits_and_records_deletions() {
    let (dir, app, org, x) = setup().await;
    let tweets = dir.path().join("tweets.js");
    std::fs::write(
        &tweets,
        format!(
            "window.YTD.tweets.part0 = [\n{},\n{},\n{}\n]",
            tweet(
                "9001",
                "Idrottshallen är stängd för renovering",
                r#", "edit_info" : { "initial" : { "editTweetIds" : ["9001", "9003"] } }"#
            ),
            tweet(
                "9002",
                "Svar: renoveringen blir klar i mars",
                r#", "in_reply_to_status_id_str" : "9001""#
            ),
            tweet(
                "9003",
                "Idrottshallen är stängd för renovering till och med mars",
                r#", "edit_info" : { "edit" : { "initialTweetId" : "9001" } }"#
            ),
        ),
    )
    .unwrap();
    let r = app
        .import_export(
            org,
            x.id,
            ImportFormat::XArchive,
            &tweets,
            &NoProgress,
            "test",
        )
        .await
        .unwrap();
    assert_eq!((r.items, r.new_records, r.new_versions), (2, 2, 2), "{r:?}");
    // the file itself is kept as evidence
    let digest: Sha256Digest = r.raw_blob.parse().unwrap();
    assert_eq!(
        app.blobs.get(&digest).await.unwrap().as_ref(),
        std::fs::read(&tweets).unwrap().as_slice()
    );
    // the edit chain is one record with the latest text
    let hits = app.search(&SearchQuery::new(org, "mars")).await.unwrap();
    let first = hits
        .results
        .iter()
        .find(|f| f.record.platform_item_id == "9001")
        .expect("the edited post is found by its new text");
    assert_eq!(first.record.direction, Direction::Created);
    assert_eq!(first.record.version, 1);
    // importing again changes nothing
    let again = app
        .import_export(
            org,
            x.id,
            ImportFormat::XArchive,
            &tweets,
            &NoProgress,
            "test",
        )
        .await
        .unwrap();
    assert_eq!(
        (again.new_records, again.new_versions, again.unchanged),
        (0, 0, 2)
    );
    // a later archive with one more edit: a new version of the same record
    std::fs::write(
        &tweets,
        format!(
            "window.YTD.tweets.part0 = [\n{},\n{}\n]",
            tweet(
                "9001",
                "Idrottshallen är stängd för renovering",
                r#", "edit_info" : { "initial" : { "editTweetIds" : ["9001", "9003", "9005"] } }"#
            ),
            tweet(
                "9005",
                "Idrottshallen är stängd för renovering till och med april",
                r#", "edit_info" : { "edit" : { "initialTweetId" : "9001" } }"#
            ),
        ),
    )
    .unwrap();
    let later = app
        .import_export(
            org,
            x.id,
            ImportFormat::XArchive,
            &tweets,
            &NoProgress,
            "test",
        )
        .await
        .unwrap();
    assert_eq!(later.new_versions, 1, "{later:?}");
    assert!(
        app.search(&SearchQuery::new(org, "april"))
            .await
            .unwrap()
            .results
            .iter()
            .any(|f| f.record.platform_item_id == "9001" && f.record.version == 2)
    );

    // deleted-tweets.js marks a deletion with the export as evidence
    let deleted = dir.path().join("deleted-tweets.js");
    std::fs::write(
        &deleted,
        format!(
            "window.YTD.deleted_tweets.part0 = [ {} ]",
            tweet(
                "9004",
                "Fel datum för mötet",
                r#", "deleted_at" : "Thu Nov 19 10:00:00 +0000 2026""#
            )
        ),
    )
    .unwrap();
    let d = app
        .import_export(
            org,
            x.id,
            ImportFormat::XArchive,
            &deleted,
            &NoProgress,
            "test",
        )
        .await
        .unwrap();
    assert_eq!(d.deletions_seen, 1);
    let record = app
        .search(&SearchQuery::new(org, "mötet"))
        .await
        .unwrap()
        .results
        .into_iter()
        .find(|f| f.record.platform_item_id == "9004")
        .unwrap()
        .record;
    assert!(record.deleted_seen_at.is_some());
    let events = app.record_events(org, record.id).await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.kind == RecordEventKind::DeletionSeen
                && e.detail.to_string().contains(&d.raw_blob)),
        "{events:?}"
    );
    let v = app.verify(&NoProgress).await.unwrap();
    assert_eq!(v.problem_count, 0, "{:?}", v.problems);
}

#[tokio::test]
async fn bad_exports_are_clear_errors_and_keep_whole_items_only() {
    let (dir, app, org, x) = setup().await;
    let before = app.store.count_records(org).await.unwrap();
    // a truncated file: the whole post before the cut is kept, nothing half-written
    let cut = dir.path().join("cut.js");
    let full = format!(
        "window.YTD.tweets.part0 = [\n{},\n{}\n]",
        tweet("8001", "Hel post", ""),
        tweet("8002", "Avklippt post", "")
    );
    std::fs::write(&cut, &full[..full.len() - 30]).unwrap();
    let err = app
        .import_export(org, x.id, ImportFormat::XArchive, &cut, &NoProgress, "test")
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Invalid { .. }), "{err:?}");
    assert!(err.to_string().contains("line"), "{err}");
    assert_eq!(app.store.count_records(org).await.unwrap(), before + 1);
    // the wrong platform for the account
    let outbox = dir.path().join("outbox.json");
    std::fs::write(&outbox, r#"{"orderedItems": []}"#).unwrap();
    let err = app
        .import_export(
            org,
            x.id,
            ImportFormat::Mastodon,
            &outbox,
            &NoProgress,
            "test",
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("mastodon"), "{err}");
    // a missing file
    let err = app
        .import_export(
            org,
            x.id,
            ImportFormat::XArchive,
            &dir.path().join("saknas.js"),
            &NoProgress,
            "test",
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("saknas.js"), "{err}");
    let v = app.verify(&NoProgress).await.unwrap();
    assert_eq!(v.problem_count, 0, "{:?}", v.problems);
}

#[tokio::test]
async fn mastodon_outbox_import_meets_capture_on_the_same_record() {
    let (dir, app, org, _) = setup().await;
    let masto = app
        .accounts(org)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.platform == Platform::Mastodon)
        .unwrap();
    // the same status as the API shows it, captured first
    let item = CaptureItem {
        account_id: masto.id,
        platform_item_id: "110".into(),
        kind: ItemKind::Post,
        direction: Direction::Created,
        parent_platform_id: None,
        thread_platform_id: None,
        author_name: masto.handle.clone(),
        author_platform_id: masto.platform_id.clone(),
        available_at: chrono::Utc::now(),
        platform_time: None,
        text: "Biblioteket har öppet hus på lördag.".into(),
        media: vec![],
        raw_blob: None,
        raw_pointer: "/0".into(),
    };
    app.capture(
        org,
        Observation {
            raw: bytes::Bytes::from_static(b"[{\"id\":\"110\"}]"),
            media_type: "application/json".into(),
            items: vec![item],
        },
        "test",
    )
    .await
    .unwrap();
    let outbox = dir.path().join("outbox.json");
    std::fs::write(
        &outbox,
        r#"{"type": "OrderedCollection", "orderedItems": [
          {"type": "Create", "object": {"id": "https://social.ekbacka.se/users/ekbacka/statuses/110", "type": "Note",
           "published": "2026-03-01T08:00:00Z", "content": "<p>Biblioteket har öppet hus på lördag.</p>"}},
          {"type": "Announce", "object": "https://mastodon.example/users/x/statuses/5"}
        ]}"#,
    )
    .unwrap();
    let r = app
        .import_export(
            org,
            masto.id,
            ImportFormat::Mastodon,
            &outbox,
            &NoProgress,
            "test",
        )
        .await
        .unwrap();
    assert_eq!(
        (r.items, r.new_records, r.unchanged, r.skipped),
        (1, 0, 1, 1),
        "{r:?}"
    );
}
