//! End-to-end use cases over real backends: SQLite + folder + tantivy always, and PostgreSQL +
//! S3 stand-in + PostgreSQL search when the test services are configured.
use insyn_app::demo::{DemoOptions, load};
use insyn_app::*;
use insyn_domain::*;

mod common;

struct Env {
    app: App,
    dir: tempfile::TempDir,
}

async fn embedded() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(AppConfig::embedded(dir.path())).await.unwrap();
    Env { app, dir }
}

async fn scale_out(test: &str) -> Option<Env> {
    let db = insyn_testkit::postgres::fresh_database(test)?;
    let bucket = insyn_testkit::s3::fresh_bucket(test)?;
    let dir = tempfile::tempdir().unwrap();
    let config = AppConfig {
        database_url: db,
        blobs_url: bucket.blobs_url(),
        s3: S3Settings {
            endpoint: Some(bucket.endpoint.clone()),
            region: bucket.region.clone(),
            access_key_id: Some(bucket.access_key.clone()),
            secret_access_key: Some(bucket.secret_key.clone()),
            allow_http: true,
        },
        search: SearchBackend::Auto,
        search_dir: dir.path().join("unused"),
    };
    Some(Env {
        app: App::open(config).await.unwrap(),
        dir,
    })
}

async fn demo(app: &App, records: u64) -> demo::DemoReport {
    load(
        app,
        &DemoOptions {
            records,
            ..Default::default()
        },
        &NoProgress,
    )
    .await
    .unwrap()
}

async fn demo_is_searchable_and_verifies(env: Env) {
    let app = &env.app;
    let report = demo(app, 1500).await;
    assert!(report.records >= 1500);
    assert!(report.accounts >= 8);
    let org = report.organisation.id;
    let platforms: std::collections::HashSet<_> = app
        .accounts(org)
        .await
        .unwrap()
        .iter()
        .map(|a| a.platform)
        .collect();
    assert_eq!(
        platforms.len(),
        Platform::ALL.len(),
        "the demo covers every platform"
    );
    assert_eq!(
        app.indexed_count(org).await.unwrap(),
        app.store.count_records(org).await.unwrap() as u64
    );

    // Swedish stemming: "skola" finds "skolan" / "skolor" / "Ekbackaskolan"? (compounds not split)
    let page = app.search(&SearchQuery::new(org, "klaga")).await.unwrap();
    assert!(page.total > 0);
    let page = app.search(&SearchQuery::new(org, "ärende")).await.unwrap();
    assert!(
        page.results
            .iter()
            .any(|f| f.record.text.to_lowercase().contains("ärendet")
                || f.record.text.contains("ärende"))
    );
    let mut newest = SearchQuery::new(org, "");
    newest.order = SearchOrder::Newest;
    newest.direction = Some(Direction::Created);
    let page = app.search(&newest).await.unwrap();
    assert!(
        page.results
            .iter()
            .all(|f| f.record.direction == Direction::Created)
    );
    assert!(
        page.results
            .windows(2)
            .all(|w| w[0].record.available_at >= w[1].record.available_at)
    );

    let v = app.verify(&NoProgress).await.unwrap();
    assert!(v.ok(), "{:?}", v.problems);
    assert!(v.versions > report.records);
    assert!(v.blobs > 0);
}

#[tokio::test]
async fn embedded_demo_is_searchable_and_verifies() {
    demo_is_searchable_and_verifies(embedded().await).await;
}

#[tokio::test]
async fn scale_out_demo_is_searchable_and_verifies() {
    if let Some(env) = scale_out("scale_out_demo").await {
        assert_eq!(env.app.search.backend(), "postgres");
        demo_is_searchable_and_verifies(env).await;
    }
}

#[tokio::test]
async fn committed_record_is_searchable_at_once() {
    let env = embedded().await;
    let app = &env.app;
    let report = demo(app, 50).await;
    let org = report.organisation.id;
    let account = app.accounts(org).await.unwrap()[0].id;
    let item = CaptureItem {
        account_id: account,
        platform_item_id: "nytt-1".into(),
        kind: ItemKind::Comment,
        direction: Direction::Received,
        parent_platform_id: None,
        thread_platform_id: None,
        author_name: "Greta Gran".into(),
        author_platform_id: "g1".into(),
        available_at: chrono::Utc::now(),
        platform_time: None,
        text: "Skolorna i norra delen behöver fler lärare. Min son har personnummer 811218-9876."
            .into(),
        media: vec![],
        raw_blob: None,
        raw_pointer: "/".into(),
    };
    let obs = Observation {
        raw: bytes::Bytes::from_static(b"{\"id\":\"nytt-1\"}"),
        media_type: "application/json".into(),
        items: vec![item.clone()],
    };
    app.capture(org, obs, "test").await.unwrap();
    let hits = app.search(&SearchQuery::new(org, "skola")).await.unwrap();
    assert!(
        hits.results
            .iter()
            .any(|f| f.record.platform_item_id == "nytt-1"),
        "stemmed search finds the new record at once"
    );
    // screened on arrival: the finding names the span in the text
    let id = hits
        .results
        .iter()
        .find(|f| f.record.platform_item_id == "nytt-1")
        .unwrap()
        .record
        .id;
    let findings = app.record_findings(org, id).await.unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f.category == "personnummer" && &item.text[f.start..f.end] == "811218-9876"),
        "{findings:?}"
    );
    // an edit replaces the indexed text
    let mut edited = item;
    edited.text = "Nu handlar det om snöröjning i stället".into();
    let obs = Observation {
        raw: bytes::Bytes::from_static(b"{\"id\":\"nytt-1\",\"v\":2}"),
        media_type: "application/json".into(),
        items: vec![edited],
    };
    app.capture(org, obs, "test").await.unwrap();
    let hits = app
        .search(&SearchQuery::new(org, "snöröjning"))
        .await
        .unwrap();
    assert!(
        hits.results
            .iter()
            .any(|f| f.record.platform_item_id == "nytt-1")
    );
    let old = app.search(&SearchQuery::new(org, "lärare")).await.unwrap();
    assert!(
        !old.results
            .iter()
            .any(|f| f.record.platform_item_id == "nytt-1")
    );
    // invalid search syntax is a clear error
    let err = app
        .search(&SearchQuery::new(org, "\"oavslutad fras"))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Invalid { .. }), "{err:?}");
}

#[tokio::test]
async fn verify_catches_tampering() {
    let env = embedded().await;
    let _report = demo(&env.app, 200).await;
    assert!(env.app.verify(&NoProgress).await.unwrap().ok());
    let db = env.dir.path().join("insyn.db");
    let url = format!("sqlite:{}", db.display());

    // 1. a version's text changed behind the store's back (the trigger must be dropped first)
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query("DROP TRIGGER record_versions_append_only_u")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE record_versions SET text = 'förfalskad' WHERE id = 7")
        .execute(&pool)
        .await
        .unwrap();
    let v = env.app.verify(&NoProgress).await.unwrap();
    assert!(!v.ok());
    let first = v.problems[0].to_string();
    assert!(
        first.contains("version 1") && first.contains("does not match its digest"),
        "{first}"
    );

    // 2. text and digest changed together: the audit entry still names the old digest
    let new_digest = insyn_domain::record::version_digest("förfalskad", &[], "x");
    sqlx::query("UPDATE record_versions SET author_name = 'x', content_digest = $1 WHERE id = 7")
        .bind(new_digest.to_hex())
        .execute(&pool)
        .await
        .unwrap();
    let v = env.app.verify(&NoProgress).await.unwrap();
    assert!(
        v.problems.iter().any(|p| p
            .to_string()
            .contains("differs from the one in audit entry")),
        "{:?}",
        v.problems
    );

    // 3. an audit entry changed
    sqlx::query("DROP TRIGGER audit_log_append_only_u")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_log SET actor = 'mallory' WHERE seq = 5")
        .execute(&pool)
        .await
        .unwrap();
    let v = env.app.verify(&NoProgress).await.unwrap();
    assert!(
        v.problems
            .iter()
            .any(|p| p.to_string().contains("audit entry 5")),
        "{:?}",
        v.problems
    );

    // 4. a blob changed on disk
    let blob = env.app.store.list_blobs(None, 1).await.unwrap()[0].sha256;
    let hex = blob.to_hex();
    let path = env
        .dir
        .path()
        .join("blobs/sha256")
        .join(&hex[0..2])
        .join(&hex[2..4])
        .join(&hex);
    std::fs::write(&path, b"tampered").unwrap();
    let v = env.app.verify(&NoProgress).await.unwrap();
    assert!(
        v.problems.iter().any(|p| p.to_string().contains(&hex)),
        "{:?}",
        v.problems
    );

    // 5. a blob removed
    std::fs::remove_file(&path).unwrap();
    let v = env.app.verify(&NoProgress).await.unwrap();
    assert!(
        v.problems
            .iter()
            .any(|p| matches!(p, VerifyProblem::Blob { sha256, .. } if *sha256 == hex))
    );
}

#[tokio::test]
async fn backup_wipe_restore_verify() {
    let env = embedded().await;
    let report = demo(&env.app, 300).await;
    let org = report.organisation.id;
    let before = env.app.store.count_records(org).await.unwrap();
    // an access to log (the access log is a file of its own: the backup carries it too)
    let shown = env
        .app
        .records(
            org,
            &insyn_app::RecordFilter {
                limit: 3,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    env.app
        .log_shown(
            org,
            "anna.lindqvist@ekbacka.se",
            AccessVia::RecordsApi,
            "limit=3",
            shown.iter().map(|r| (r.id, Classification::Unassessed)),
        )
        .await
        .unwrap();
    let logged = env
        .app
        .access_log_admin(
            org,
            &AccessFilter {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(logged.len(), 1);
    let backup_dir = tempfile::tempdir().unwrap();
    let folder = backup_dir.path().join("kopia");
    let b = env.app.backup(&folder, &NoProgress).await.unwrap();
    assert!(b.files > 1);
    // a backup never overwrites
    assert!(env.app.backup(&folder, &NoProgress).await.is_err());

    // wipe: a brand-new, empty installation
    let target = tempfile::tempdir().unwrap();
    let restored = restore(
        AppConfig::embedded(target.path()),
        &folder,
        false,
        &NoProgress,
    )
    .await
    .unwrap();
    assert!(restored.verify.ok(), "{:?}", restored.verify.problems);
    assert_eq!(restored.records_indexed as i64, before);
    let app2 = App::open(AppConfig::embedded(target.path())).await.unwrap();
    assert_eq!(app2.store.count_records(org).await.unwrap(), before);
    let hits = app2.search(&SearchQuery::new(org, "kommun")).await.unwrap();
    assert!(hits.total > 0);
    let restored_log = app2
        .access_log_admin(
            org,
            &AccessFilter {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        restored_log, logged,
        "the access log is restored with the records"
    );
    drop(app2);

    // restoring over existing data needs --force
    let again = restore(
        AppConfig::embedded(target.path()),
        &folder,
        false,
        &NoProgress,
    )
    .await;
    assert!(matches!(again, Err(AppError::Conflict(_))));

    // a damaged backup is refused before anything is touched
    let blob = std::fs::read_dir(folder.join("blobs"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::write(&blob, b"rot").unwrap();
    let fresh = tempfile::tempdir().unwrap();
    let err = restore(
        AppConfig::embedded(fresh.path()),
        &folder,
        false,
        &NoProgress,
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string().contains("does not match its checksum"),
        "{err}"
    );
    assert!(!fresh.path().join("insyn.db").exists(), "nothing written");
    let _ = env.dir;
}

#[tokio::test]
async fn scale_out_backup_restore() {
    let Some(env) = scale_out("scale_out_backup").await else {
        return;
    };
    if std::process::Command::new("pg_dump")
        .arg("--version")
        .output()
        .is_err()
    {
        panic!("pg_dump is needed for PostgreSQL backups (Debian: postgresql-client)");
    }
    let report = demo(&env.app, 200).await;
    let org = report.organisation.id;
    let count = env.app.store.count_records(org).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    env.app
        .backup(&dir.path().join("b"), &NoProgress)
        .await
        .unwrap();
    let Some(target) = scale_out("scale_out_restore").await else {
        return;
    };
    let config = target.app.config().clone();
    drop(target.app);
    let r = restore(config.clone(), &dir.path().join("b"), false, &NoProgress)
        .await
        .unwrap();
    assert!(r.verify.ok(), "{:?}", r.verify.problems);
    let app = App::open(config).await.unwrap();
    assert_eq!(app.store.count_records(org).await.unwrap(), count);
}

#[tokio::test]
async fn bad_configuration_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = AppConfig::embedded(dir.path());
    config.database_url = "mysql://nope".into();
    let err = App::open(config).await.err().unwrap();
    assert!(
        matches!(err, AppError::Invalid { .. })
            && err.to_string().contains("sqlite: or postgres://"),
        "{err}"
    );

    let mut config = AppConfig::embedded(dir.path());
    config.database_url = "postgres://insyn@127.0.0.1:1/insyn".into();
    let err = App::open(config).await.err().unwrap();
    assert!(matches!(err, AppError::Unavailable(_)), "{err:?}");

    let mut config = AppConfig::embedded(dir.path());
    config.blobs_url = "ftp://x".into();
    assert!(matches!(
        App::open(config).await,
        Err(AppError::Invalid { .. })
    ));

    let mut config = AppConfig::embedded(dir.path());
    config.search = SearchBackend::Postgres;
    assert!(matches!(
        App::open(config).await,
        Err(AppError::Invalid { .. })
    ));

    let env = embedded().await;
    assert!(matches!(
        env.app.organisation("finns-inte").await,
        Err(AppError::NotFound(_))
    ));
}

/// Capture from a real Mastodon API (mastodon-mock): new posts, a reply, an edit made through the
/// platform, a deletion made through the platform, and a second pass that changes nothing.
#[tokio::test]
async fn mastodon_capture_end_to_end() {
    let Some(mock) = insyn_testkit::mastodon::start("mastodon_capture_end_to_end") else {
        return;
    };
    let env = embedded().await;
    let app = &env.app;
    let (org, account) = common::mastodon_account(app, &mock, None, &["Anna", "Erik"]).await;

    let http = reqwest::Client::new();
    let post = |body: serde_json::Value| {
        let http = http.clone();
        let url = format!("{}/api/v1/statuses", mock.base_url);
        async move {
            let v: serde_json::Value = http
                .post(url)
                .bearer_auth("mock_token")
                .json(&body)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            v["id"].as_str().unwrap().to_string()
        }
    };
    let first =
        post(serde_json::json!({"status": "Snöröjningen pågår i hela Ekbacka.", "language": "sv"}))
            .await;
    let second = post(serde_json::json!({"status": "Biblioteket har nya öppettider från måndag.", "language": "sv"})).await;
    let reply =
        post(serde_json::json!({"status": "Huvudgatorna plogas först.", "in_reply_to_id": first}))
            .await;
    // more statuses than one page holds? keep it small but page through the Link header
    for i in 0..3 {
        post(serde_json::json!({"status": format!("Information nummer {i}")})).await;
    }

    let connector = insyn_capture_for(&mock);
    let r1 = app
        .capture_pass(org.id, account.id, &connector, "capture")
        .await
        .unwrap();
    assert_eq!(r1.new_records, 6, "{r1:?}");
    assert!(r1.responses >= 2, "listing and reply contexts are stored");
    assert!(
        !app.account(org.id, account.id)
            .await
            .unwrap()
            .platform_id
            .is_empty(),
        "the verified platform id is kept"
    );

    // the same pass again changes nothing (idempotent)
    let r2 = app
        .capture_pass(org.id, account.id, &connector, "capture")
        .await
        .unwrap();
    assert_eq!(
        (r2.new_records, r2.new_versions, r2.deletions_seen),
        (0, 0, 0),
        "{r2:?}"
    );

    // an edit on the platform becomes version 2
    http.put(format!("{}/api/v1/statuses/{second}", mock.base_url))
        .bearer_auth("mock_token")
        .json(&serde_json::json!({"status": "Biblioteket har nya öppettider från tisdag."}))
        .send()
        .await
        .unwrap();
    // a deletion on the platform is seen with evidence; the record stays
    http.delete(format!("{}/api/v1/statuses/{reply}", mock.base_url))
        .bearer_auth("mock_token")
        .send()
        .await
        .unwrap();
    let r3 = app
        .capture_pass(org.id, account.id, &connector, "capture")
        .await
        .unwrap();
    assert_eq!(r3.new_versions, 1, "{r3:?}");
    assert_eq!(r3.deletions_seen, 1, "{r3:?}");

    let records = app
        .records(
            org.id,
            &RecordFilter {
                account: Some(account.id),
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let edited = records
        .iter()
        .find(|r| r.platform_item_id == second)
        .unwrap();
    assert_eq!(edited.version, 2);
    assert!(edited.text.contains("tisdag"));
    assert_eq!(edited.direction, Direction::Created);
    let gone = records
        .iter()
        .find(|r| r.platform_item_id == reply)
        .unwrap();
    assert!(gone.deleted_seen_at.is_some());
    assert_eq!(
        gone.text, "Huvudgatorna plogas först.",
        "a deleted item stays a record"
    );
    assert_eq!(gone.parent_platform_id.as_deref(), Some(first.as_str()));
    let events = app.record_events(org.id, gone.id).await.unwrap();
    let evidence = &events.last().unwrap().detail["evidence"];
    assert!(
        evidence.as_str().unwrap().contains("HTTP 404"),
        "{evidence}"
    );

    // searchable at once, with Swedish stemming ("snöröjning" finds "Snöröjningen")
    let hits = app
        .search(&SearchQuery::new(org.id, "snöröjning"))
        .await
        .unwrap();
    assert!(
        hits.results
            .iter()
            .any(|f| f.record.platform_item_id == first)
    );
    assert!(app.verify(&NoProgress).await.unwrap().ok());

    // an expired token stops the pass with a clear error and loses nothing
    let bad = insyn_app::connectors::mastodon::Mastodon::new(&mock.base_url, "expired").unwrap();
    let err = app
        .capture_pass(org.id, account.id, &bad, "capture")
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Unauthorized(_)), "{err:?}");
    assert_eq!(app.store.count_records(org.id).await.unwrap(), 6);
}

/// Mentions and direct messages (Mastodon `/notifications` and `/conversations`): a resident's
/// public mention and direct message are inkomna, the authority's direct answer is upprättad,
/// the whole conversation is one thread, a second pass changes nothing, and a direct message
/// the resident deletes is seen as deleted with the platform's 404 as evidence.
#[tokio::test]
async fn mastodon_mentions_and_direct_messages() {
    let Some(mock) = insyn_testkit::mastodon::start("mastodon_mentions_and_direct_messages") else {
        return;
    };
    let env = embedded().await;
    let app = &env.app;
    let (org, account) = common::mastodon_account(app, &mock, None, &["Anna", "Erik"]).await;
    let http = reqwest::Client::new();
    let resident: serde_json::Value = http
        .post(format!("{}/api/v1/_mock/dev_user", mock.base_url))
        .json(&serde_json::json!({"username": "kalle"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let resident_token = resident["access_token"].as_str().unwrap().to_string();
    let post = |token: String, body: serde_json::Value| {
        let http = http.clone();
        let url = format!("{}/api/v1/statuses", mock.base_url);
        async move {
            let v: serde_json::Value = http
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            v["id"].as_str().unwrap().to_string()
        }
    };
    let own = post(
        mock.token.clone(),
        serde_json::json!({"status": "Välkommen till Ekbackas konto!"}),
    )
    .await;
    let mention = post(
        resident_token.clone(),
        serde_json::json!({"status": "@testuser Varför är gatlyktorna på Storgatan släckta?"}),
    )
    .await;
    let dm = post(
        resident_token.clone(),
        serde_json::json!({"status": "@testuser Hej, jag undrar hur det går med mitt bygglov, dnr BN 2026/77.", "visibility": "direct"}),
    )
    .await;
    let answer = post(
        mock.token.clone(),
        serde_json::json!({"status": "@kalle Hej! Vi återkommer i morgon.", "visibility": "direct", "in_reply_to_id": dm}),
    )
    .await;
    let follow_up = post(
        resident_token.clone(),
        serde_json::json!({"status": "@testuser Tack, jag skickar ritningarna igen.", "visibility": "direct", "in_reply_to_id": answer}),
    )
    .await;

    let connector = insyn_capture_for(&mock);
    let r1 = app
        .capture_pass(org.id, account.id, &connector, "capture")
        .await
        .unwrap();
    assert_eq!(r1.new_records, 5, "{r1:?}");
    let records = app
        .records(
            org.id,
            &RecordFilter {
                account: Some(account.id),
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let by_id = |id: &str| {
        records
            .iter()
            .find(|r| r.platform_item_id == id)
            .unwrap_or_else(|| panic!("{id} captured"))
    };
    assert_eq!(by_id(&own).direction, Direction::Created);
    let m = by_id(&mention);
    assert_eq!((m.direction, m.kind), (Direction::Received, ItemKind::Post));
    assert!(m.text.contains("gatlyktorna"), "{}", m.text);
    for (id, direction) in [
        (&dm, Direction::Received),
        (&answer, Direction::Created),
        (&follow_up, Direction::Received),
    ] {
        let r = by_id(id);
        assert_eq!(
            (r.kind, r.direction),
            (ItemKind::Message, direction),
            "{id}"
        );
        assert_eq!(
            r.thread_platform_id.as_deref(),
            Some(dm.as_str()),
            "one conversation, one thread"
        );
    }
    assert_eq!(
        by_id(&follow_up).parent_platform_id.as_deref(),
        Some(answer.as_str())
    );

    let r2 = app
        .capture_pass(org.id, account.id, &connector, "capture")
        .await
        .unwrap();
    assert_eq!(
        (r2.new_records, r2.new_versions, r2.deletions_seen),
        (0, 0, 0),
        "{r2:?}"
    );

    // the resident deletes the follow-up: seen as deleted, the text kept
    http.delete(format!("{}/api/v1/statuses/{follow_up}", mock.base_url))
        .bearer_auth(&resident_token)
        .send()
        .await
        .unwrap();
    let r3 = app
        .capture_pass(org.id, account.id, &connector, "capture")
        .await
        .unwrap();
    assert_eq!(r3.deletions_seen, 1, "{r3:?}");
    let gone = app
        .records(
            org.id,
            &RecordFilter {
                account: Some(account.id),
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.platform_item_id == follow_up)
        .unwrap();
    assert!(gone.deleted_seen_at.is_some());
    assert!(gone.text.contains("ritningarna"));
}

fn insyn_capture_for(
    mock: &insyn_testkit::mastodon::MastodonMock,
) -> insyn_app::connectors::mastodon::Mastodon {
    insyn_app::connectors::mastodon::Mastodon::new(&mock.base_url, &mock.token).unwrap()
}
