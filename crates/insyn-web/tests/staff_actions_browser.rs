//! The secret-information action end to end in Chromium (playwright-core): sign in, open the
//! inbox and the item, run the checklist (evidence stored, the item hidden on the Facebook
//! stand-in, the record under review, registered in the diary and the registrar told by e-mail
//! through a local SMTP server, aiosmtpd, with no secret text), the diary entry seen on
//! `/personal/diarium`, and axe-core on every staff page in both languages: no serious or
//! critical violations.
use insyn_app::{App, AppConfig, S3Settings, SearchBackend, SmtpSettings, SmtpTls};
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
    let Some(sink) = insyn_testkit::smtp::start("staff_actions_browser") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(AppConfig {
        database_url: format!("sqlite:{}", dir.path().join("insyn.db").display()),
        blobs_url: format!("file:{}", dir.path().join("blobs").display()),
        s3: S3Settings::default(),
        search: SearchBackend::Auto,
        search_dir: dir.path().join("search"),
    })
    .await
    .unwrap()
    // as `insyn serve` wires it: the diary and the outbox, sent through [smtp]
    .with_case_desk(std::sync::Arc::new(
        insyn_app::case_desk::DiaryCaseDesk::default(),
    ))
    .with_smtp(&SmtpSettings {
        host: "127.0.0.1".into(),
        port: sink.port,
        tls: SmtpTls::None,
        from: "Insyn <noreply@alfa.test>".into(),
        user: None,
        password: None,
        timeout_secs: 5,
    })
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
            roles: vec![Role::Editor, Role::Registrar, Role::Administrator],
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
    // a second item: its record page shows the registration form (for axe)
    let other = fake.comment(
        &post,
        ("78", "Olle Ek"),
        "När öppnar förskolan efter sommaren?",
    );
    app.capture_account(o.id, a.id, "capture").await.unwrap();
    app.set_registrar_email(o.id, Some("registrator@alfa.se"), "t")
        .await
        .unwrap();
    let record = app
        .store
        .find_record(o.id, a.id, &pid)
        .await
        .unwrap()
        .unwrap();

    let other = app
        .store
        .find_record(o.id, a.id, &other)
        .await
        .unwrap()
        .unwrap();
    // the e-mail sender as `insyn serve` runs it (every 5 s there; faster here)
    let mailing = app.clone();
    let sender = tokio::spawn(async move {
        loop {
            let _ = mailing.send_due_mail(chrono::Utc::now()).await;
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    });
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
    // every staff page (the secret action's page is checked in the flow, in Swedish)
    let mut pages = vec![
        "/personal".to_string(),
        "/personal/inkorg".to_string(),
        format!("/personal/poster/{}", record.id),
        // the registration form is on an unregistered record's page
        format!("/personal/poster/{}", other.id),
    ];
    for kind in [
        "secret",
        "criminal",
        "offensive_person",
        "off_topic",
        "case",
    ] {
        pages.push(format!("/personal/poster/{}/atgard/{kind}", record.id));
    }
    pages.extend([
        format!("/personal/konton/{}/autodolj", a.id),
        "/personal/anvandare".to_string(),
        "/personal/begaran".to_string(),
        "/personal/diarium".to_string(),
        "/personal/diarium/CASE".to_string(),
        "/personal/diarieserier".to_string(),
        "/personal/kalender".to_string(),
        "/personal/uppfoljning?fran=2026-01-01".to_string(),
    ]);
    let page_count = pages.len();
    let pages = serde_json::json!(pages);
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
    sender.abort();
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
    // registered in the diary as a new case, seen by the registrar on /personal/diarium
    let number = app
        .diary_number(o.id, record.id)
        .await
        .unwrap()
        .expect("the secret action registered the record");
    let case_number = number.rsplit_once('-').unwrap().0.to_string();
    let listed: Vec<&str> = flow["diary_numbers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        listed.contains(&case_number.as_str()),
        "{listed:?} lacks {case_number}"
    );
    assert!(
        flow["registrar_done"]
            .as_str()
            .unwrap_or_default()
            .contains(&number),
        "{flow}"
    );
    // the registrar's e-mail arrived: the number in the subject, no secret text in it
    let mut arrived = Vec::new();
    for _ in 0..100 {
        arrived = serde_json::from_str::<Vec<Value>>(&sink.parsed_json()).unwrap();
        if !arrived.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(arrived.len(), 1, "{arrived:?}");
    let mail = &arrived[0];
    assert_eq!(mail["to"], "registrator@alfa.se", "{mail}");
    assert!(
        mail["subject"].as_str().unwrap().contains(&number),
        "{mail}"
    );
    let body = mail["body"].as_str().unwrap();
    assert!(
        body.contains(&number) && body.contains(&format!("/personal/poster/{}", record.id)),
        "{body}"
    );
    assert!(body.contains("Rut, redaktör"), "who did it: {body}");
    for secret in [
        "Hagagatan",
        "1102",
        "hemtjänst",
        "dotter",
        "Eva Ek",
        "socialtjänsten",
    ] {
        assert!(
            !body.contains(secret) && !mail["subject"].as_str().unwrap().contains(secret),
            "'{secret}' leaked: {mail}"
        );
    }
    assert!(mail["attachments"].as_array().unwrap().is_empty(), "{mail}");
    // axe: no serious or critical violations on any staff page, in both languages
    let axe = out["axe"].as_array().unwrap();
    assert_eq!(axe.len(), 2 + 2 * page_count, "{axe:?}");
    for page in axe {
        assert_eq!(page["status"], 200, "{}", page["url"]);
        let bad: Vec<&Value> = page["violations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .collect();
        assert!(bad.is_empty(), "axe violations on {}: {bad:?}", page["url"]);
    }
}
