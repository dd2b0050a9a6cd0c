//! The portal in a real browser (issue 6): the server on 127.0.0.1, Debian's Chromium driven by
//! `tests/browser/portal.mjs` (playwright-core, axe-core). Needs `INSYN_TEST_NODE_MODULES` (set
//! by `scripts/test`) and `/usr/bin/chromium`; without them the test is skipped loudly (fails
//! under CI).
use chrono::{Duration, Utc};
use insyn_app::{App, AppConfig, S3Settings, SearchBackend};
use insyn_domain::*;
use insyn_web::StaffConfig;
use serde_json::Value;

fn item(account: AccountId, id: &str, text: &str, minutes: i64) -> CaptureItem {
    CaptureItem {
        account_id: account,
        platform_item_id: id.into(),
        kind: ItemKind::Comment,
        direction: Direction::Received,
        parent_platform_id: Some("p1".into()),
        thread_platform_id: Some("p1".into()),
        author_name: "Karin Privatperson".into(),
        author_platform_id: format!("u-{id}"),
        available_at: Utc::now() - Duration::minutes(minutes),
        platform_time: None,
        text: text.into(),
        media: vec![],
        raw_blob: None,
        raw_pointer: String::new(),
    }
}

async fn setup(dir: &std::path::Path) -> (App, RecordId) {
    let app = App::open(AppConfig {
        database_url: format!("sqlite:{}", dir.join("insyn.db").display()),
        blobs_url: format!("file:{}", dir.join("blobs").display()),
        s3: S3Settings::default(),
        search: SearchBackend::Auto,
        search_dir: dir.join("search"),
    })
    .await
    .unwrap();
    let o = app
        .create_organisation(
            &NewOrganisation {
                slug: "alfa".into(),
                name: "Alfa kommun".into(),
                diary_prefix: "KS".into(),
            },
            "test",
        )
        .await
        .unwrap();
    let u = app
        .create_unit(
            o.id,
            &NewUnit {
                name: "Kultur och fritid".into(),
                email: None,
            },
            "test",
        )
        .await
        .unwrap();
    let mut accounts = Vec::new();
    for (i, platform) in [Platform::Facebook, Platform::Instagram]
        .into_iter()
        .enumerate()
    {
        let a = app
            .create_account(
                o.id,
                &NewAccount {
                    unit_id: u.id,
                    platform,
                    handle: format!("alfa-badhuset-{i}"),
                    url: format!("https://example.com/alfa{i}"),
                    platform_id: format!("{i}"),
                    purpose: "Information om badhuset".into(),
                    target_group: "Invånare".into(),
                    message: String::new(),
                    contact: "info@alfa.se".into(),
                    responsible: vec!["Anna Andersson".into(), "Bo Berg".into()],
                    office_hours: OfficeHours::default(),
                    response_hours: 8,
                },
                "test",
            )
            .await
            .unwrap();
        app.set_account_status(o.id, a.id, AccountStatus::Active, "test")
            .await
            .unwrap();
        accounts.push(a);
    }
    app.set_account_status(o.id, accounts[1].id, AccountStatus::Closed, "test")
        .await
        .unwrap();
    let acc = accounts[0].id;
    let mut post = item(acc, "p1", "Badhuset öppnar igen på måndag.", 100);
    post.direction = Direction::Created;
    post.kind = ItemKind::Post;
    post.author_name = "Alfa kommun".into();
    post.parent_platform_id = None;
    post.thread_platform_id = None;
    let mut items = vec![post];
    for i in 0..25 {
        items.push(item(
            acc,
            &format!("c{i}"),
            &format!("Fråga {i} om badhuset och simskolan"),
            90 - i,
        ));
    }
    let ids = app
        .store
        .capture(o.id, &items, "capture")
        .await
        .unwrap()
        .record_ids;
    let mut edit = items[1].clone();
    edit.text = "Fråga 0 om badhuset och simskolan, nu ändrad".into();
    app.store.capture(o.id, &[edit], "capture").await.unwrap();
    app.screen_pending().await.unwrap();
    app.set_release_policy(
        o.id,
        &ReleasePolicy {
            auto_release_received_clean: true,
            ..ReleasePolicy::default()
        },
        "admin",
    )
    .await
    .unwrap();
    app.apply_release_policy(o.id).await.unwrap();
    (app, ids[1])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_in_chromium_is_accessible_and_works_without_javascript() {
    let Ok(modules) = std::env::var("INSYN_TEST_NODE_MODULES") else {
        insyn_testkit::missing_service("portal_browser", "INSYN_TEST_NODE_MODULES");
        return;
    };
    if !std::path::Path::new(&modules)
        .join("playwright-core")
        .exists()
        || !std::path::Path::new("/usr/bin/chromium").exists()
    {
        insyn_testkit::missing_service(
            "portal_browser (playwright-core in node_modules and /usr/bin/chromium)",
            "INSYN_TEST_NODE_MODULES",
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (app, edited) = setup(dir.path()).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = insyn_web::router_full(app, StaffConfig::default(), None);
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    let pages = serde_json::json!([
        "/",
        "/org/alfa",
        "/org/alfa/sok",
        "/org/alfa/sok?q=badhuset",
        "/org/alfa/sok?q=badhuset&ordning=nyast&sida=2",
        "/org/alfa/sok?q=%22oavslutad",
        format!("/org/alfa/handling/{edited}"),
        format!("/org/alfa/handling/{edited}/jamfor?a=1&b=2"),
        format!("/org/alfa/handling/{edited}/utskrift"),
        "/org/alfa/handling/999999",
        "/org/alfa/tillganglighet",
    ]);
    let home = tempfile::tempdir().unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/browser/portal.mjs");
    let output = tokio::process::Command::new("node")
        .arg(script)
        .env("BASE", format!("http://{addr}"))
        .env("PAGES", pages.to_string())
        .env("SLUG", "alfa")
        .env("NODE_MODULES", &modules)
        .env("HOME", home.path())
        .env("TMPDIR", home.path())
        .output()
        .await
        .expect("node runs");
    server.abort();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "node failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let out: Value = serde_json::from_str(stdout.trim()).expect("one JSON object");
    assert!(
        out.get("error").is_none(),
        "browser run failed: {}",
        out["error"]
    );
    // axe: no violations at all on any page, in either language
    let axe = out["axe"].as_array().unwrap();
    assert_eq!(axe.len(), 22);
    for page in axe {
        assert_eq!(
            page["violations"].as_array().unwrap().len(),
            0,
            "axe violations on {}: {}",
            page["url"],
            page["violations"]
        );
        let lang = page["htmlLang"].as_str().unwrap();
        assert!(
            page["url"]
                .as_str()
                .unwrap()
                .ends_with(&format!("lang={lang}"))
        );
    }
    // the flow without JavaScript
    let flow = &out["flow"];
    assert!(flow["results"].as_u64().unwrap() >= 1, "{flow}");
    assert!(flow["record_h1"].as_str().unwrap().starts_with("Handling "));
    assert!(flow["print_url"].as_str().unwrap().ends_with("/utskrift"));
    assert_eq!(flow["print_media_hides_nav"], true);
    assert!(
        flow["request_url"]
            .as_str()
            .unwrap()
            .contains("/org/alfa/begaran?handling=")
    );
    assert!(flow["english_h1"].as_str().unwrap().starts_with("Record "));
    // the keyboard reaches the search field, the results and the main links, with a visible focus
    let kb = &out["keyboard"];
    let reached =
        |page: &str, pred: &dyn Fn(&Value) -> bool| kb[page].as_array().unwrap().iter().any(pred);
    assert!(reached("search", &|e| e["id"] == "q"), "{}", kb["search"]);
    assert!(reached("search", &|e| e["href"]
        .as_str()
        .unwrap()
        .contains("/org/alfa/handling/")));
    assert!(reached("search", &|e| e["href"]
        .as_str()
        .unwrap()
        .contains("sida=2")));
    assert!(reached("search", &|e| e["tag"] == "button"));
    for page in ["search", "register", "record"] {
        assert!(
            reached(page, &|e| e["text"] == "Hoppa till innehållet"),
            "{page}"
        );
        assert!(reached(page, &|e| e["href"] == "/org/alfa/sok"), "{page}");
        assert!(
            reached(page, &|e| e["href"] == "/org/alfa/begaran"),
            "{page}"
        );
        assert!(
            reached(page, &|e| e["href"] == "/org/alfa/tillganglighet"),
            "{page}"
        );
        for e in kb[page].as_array().unwrap() {
            assert_eq!(e["outline"], true, "focus must be visible: {e}");
        }
    }
    assert!(reached("record", &|e| e["href"]
        .as_str()
        .unwrap()
        .contains("/begaran?handling=")));
    assert!(reached("record", &|e| e["href"]
        .as_str()
        .unwrap()
        .ends_with("/utskrift")));
    // a phone: nothing wider than the screen
    for m in out["mobile"].as_array().unwrap() {
        assert!(
            m["scrollWidth"].as_u64() <= m["innerWidth"].as_u64(),
            "too wide on a phone: {m}"
        );
    }
}
