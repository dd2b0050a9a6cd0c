//! The secret-information action end to end in Chromium (playwright-core): sign in, open the
//! inbox and the item, run the checklist (evidence stored, the item hidden on the Facebook
//! stand-in, the record under review, the registrar told), and axe-core on the action pages and
//! the automatic-hiding page in both languages: no serious or critical violations.
use insyn_app::{App, AppConfig, S3Settings, SearchBackend};
use insyn_domain::*;
use insyn_fakes::graph::GraphFake;
use insyn_web::StaffConfig;
use serde_json::Value;

const PASSWORD: &str = "rätt häst batteri 42";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secret_information_action_in_chromium() {
    let Ok(modules) = std::env::var("INSYN_TEST_NODE_MODULES") else {
        insyn_testkit::missing_service("staff_actions_browser", "INSYN_TEST_NODE_MODULES");
        return;
    };
    if !std::path::Path::new(&modules)
        .join("playwright-core")
        .exists()
        || !std::path::Path::new("/usr/bin/chromium").exists()
    {
        insyn_testkit::missing_service(
            "staff_actions_browser (playwright-core in node_modules and /usr/bin/chromium)",
            "INSYN_TEST_NODE_MODULES",
        );
        return;
    }
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
    let o = app
        .create_organisation(
            &NewOrganisation {
                slug: "alfa".into(),
                name: "Alfa kommun".into(),
                diary_prefix: "KS".into(),
            },
            "t",
        )
        .await
        .unwrap();
    let u = app
        .create_unit(
            o.id,
            &NewUnit {
                name: "Kommunikation".into(),
                email: None,
            },
            "t",
        )
        .await
        .unwrap();
    let a = app
        .create_account(
            o.id,
            &NewAccount {
                unit_id: u.id,
                platform: Platform::Facebook,
                handle: "alfakommun".into(),
                url: "https://facebook.com/alfa".into(),
                platform_id: String::new(),
                purpose: "Information".into(),
                target_group: "Invånare".into(),
                message: String::new(),
                contact: "info@alfa.se".into(),
                responsible: vec!["Anna".into(), "Bo".into()],
                office_hours: OfficeHours::default(),
                response_hours: 8,
            },
            "t",
        )
        .await
        .unwrap();
    app.create_user(
        o.id,
        &NewUser {
            email: "red@alfa.se".into(),
            name: "Rut Redaktör".into(),
            function: "redaktör".into(),
            roles: vec![Role::Editor],
            accounts: vec![AccountGrant {
                account_id: a.id,
                access: AccountAccess::Answer,
            }],
        },
        Some(PASSWORD),
        "t",
    )
    .await
    .unwrap();
    let fake = GraphFake::facebook().await;
    app.connect_account(o.id, a.id, &fake.base_url, &fake.token(), "t")
        .await
        .unwrap();
    let post = fake.post("Välkommen till förskolans öppna hus!", &[]);
    let pid = fake.comment(
        &post,
        ("77", "Eva Ek"),
        "Min dotter bor på Hagagatan 22 lgh 1102 och får ingen hemtjänst trots beslut",
    );
    app.capture_account(o.id, a.id, "capture").await.unwrap();
    let record = app
        .store
        .find_record(o.id, a.id, &pid)
        .await
        .unwrap()
        .unwrap();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = insyn_web::router_full(app.clone(), StaffConfig::default(), None);
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    let pages = serde_json::json!([
        format!("/personal/poster/{}/atgard/criminal", record.id),
        format!("/personal/poster/{}/atgard/case", record.id),
        format!("/personal/konton/{}/autodolj", a.id),
    ]);
    let home = tempfile::tempdir().unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/browser/staff_actions.mjs"
    );
    let output = tokio::process::Command::new("node")
        .arg(script)
        .env("BASE", format!("http://{addr}"))
        .env("NODE_MODULES", &modules)
        .env("ORG", "alfa")
        .env("EMAIL", "red@alfa.se")
        .env("PASSWORD", PASSWORD)
        .env("AUTHOR", "Eva Ek")
        .env("AXE_PAGES", pages.to_string())
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
    let flow = &out["flow"];
    assert_eq!(flow["action_h1"], "Sekretessbelagd information", "{flow}");
    assert_eq!(flow["done"], 4, "{flow}");
    assert_eq!(flow["hidden_notice"], 1, "{flow}");
    assert_eq!(flow["png_type"], "image/png", "{flow}");
    // evidence stored, then the item hidden through the stand-in
    let copies = app.evidence(o.id, record.id).await.unwrap();
    assert_eq!(copies.len(), 1);
    assert!(fake.is_hidden(&pid));
    assert!(copies[0].made_at <= fake.moderation_log()[0].at);
    assert_eq!(
        app.store
            .get_record(o.id, record.id)
            .await
            .unwrap()
            .classification,
        Classification::UnderReview
    );
    // axe: no serious or critical violations on the action pages and the auto-hide page
    let axe = out["axe"].as_array().unwrap();
    assert_eq!(axe.len(), 2 + 6, "{axe:?}");
    for page in axe {
        let bad: Vec<&Value> = page["violations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .collect();
        assert!(bad.is_empty(), "axe violations on {}: {bad:?}", page["url"]);
    }
}
