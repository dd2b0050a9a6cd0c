//! LinkedIn's push channel over HTTP (issue 3): the endpoint's validation (challengeCode →
//! challengeResponse), signed organization notifications that make the page's account due for
//! a capture pass, and notifications that must be refused without changing anything.
use insyn_app::webhooks::LinkedinWebhookConfig;
use insyn_app::*;
use insyn_capture::linkedin_webhook::{challenge_response, sign};
use insyn_domain::*;

const SECRET: &str = "linkedin-klienthemlighet";
const ORG_URN: &str = "urn:li:organization:2414183";

struct World {
    app: App,
    base: String,
    org: OrgId,
    page: Account,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(AppConfig::embedded(dir.path()))
        .await
        .unwrap()
        .with_linkedin_webhook(LinkedinWebhookConfig {
            client_secret: SECRET.into(),
        });
    let org = app
        .create_organisation(
            &NewOrganisation {
                slug: "ekbacka".into(),
                name: "Ekbacka kommun".into(),
                diary_prefix: "KS".into(),
            },
            "test",
        )
        .await
        .unwrap();
    let unit = app
        .create_unit(
            org.id,
            &NewUnit {
                name: "Kommunikation".into(),
                email: None,
            },
            "test",
        )
        .await
        .unwrap();
    let page = app
        .create_account(
            org.id,
            &NewAccount {
                unit_id: unit.id,
                platform: Platform::Linkedin,
                handle: "ekbacka-kommun".into(),
                url: "https://www.linkedin.com/company/ekbacka-kommun".into(),
                platform_id: ORG_URN.into(),
                purpose: "Rekrytering och information".into(),
                target_group: "Arbetssökande".into(),
                message: String::new(),
                contact: "info@ekbacka.se".into(),
                responsible: vec!["Anna Lindqvist".into(), "Erik Holm".into()],
                office_hours: OfficeHours::default(),
                response_hours: 8,
            },
            "test",
        )
        .await
        .unwrap();
    let mut health = ConnectionHealth::connected(chrono::Utc::now());
    health.next_attempt_at = Some(chrono::Utc::now() + chrono::Duration::hours(1));
    app.store
        .save_connection(
            org.id,
            page.id,
            "http://127.0.0.1:9",
            b"sealed",
            &health,
            "test",
        )
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!(
        "http://{}/webhooks/linkedin",
        listener.local_addr().unwrap()
    );
    let served = app.clone();
    tokio::spawn(async move {
        insyn_web::serve(served, listener, std::future::pending())
            .await
            .unwrap()
    });
    World {
        app,
        base,
        org: org.id,
        page,
        _dir: dir,
    }
}

fn notification(org: &str, action: &str) -> String {
    serde_json::json!({"notifications": [{
        "organizationalEntity": org,
        "action": action,
        "sourcePost": "urn:li:share:7001",
        "generatedActivity": "urn:li:comment:(urn:li:activity:7001,9001)",
        "lastModifiedAt": 1_732_000_000_000i64,
        "notificationId": 42
    }]})
    .to_string()
}

async fn post(w: &World, body: &str, signature: Option<String>) -> (u16, String) {
    let mut req = reqwest::Client::new()
        .post(&w.base)
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(s) = signature {
        req = req.header("x-li-signature", s);
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn due(w: &World) -> bool {
    let conn = w
        .app
        .store
        .connection(w.org, w.page.id)
        .await
        .unwrap()
        .unwrap();
    conn.health.next_attempt_at.unwrap() <= chrono::Utc::now()
}

#[tokio::test]
async fn the_validation_answers_the_hmac_of_the_challenge_code() {
    let w = world().await;
    let code = "8a1c2f3e-1111-4222-8333-944455556666";
    let r = reqwest::get(format!("{}?challengeCode={code}", w.base))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let json: serde_json::Value = r.json().await.unwrap();
    assert_eq!(json["challengeCode"], code);
    assert_eq!(
        json["challengeResponse"],
        challenge_response(SECRET.as_bytes(), code)
    );
    let r = reqwest::get(&w.base).await.unwrap();
    assert_eq!(r.status().as_u16(), 400, "no challengeCode");
}

#[tokio::test]
async fn a_signed_comment_notification_makes_the_page_due() {
    let w = world().await;
    // a reaction is not a record: nothing to fetch
    let like = notification(ORG_URN, "LIKE");
    let (status, report) = post(&w, &like, Some(sign(SECRET.as_bytes(), like.as_bytes()))).await;
    assert_eq!(status, 200, "{report}");
    assert!(report.contains("\"accounts_due\":0"), "{report}");
    assert!(!due(&w).await);
    // a comment: the page is captured at once
    let comment = notification(ORG_URN, "COMMENT");
    let (status, report) = post(
        &w,
        &comment,
        Some(sign(SECRET.as_bytes(), comment.as_bytes())),
    )
    .await;
    assert_eq!(status, 200, "{report}");
    assert!(report.contains("\"accounts_due\":1"), "{report}");
    assert!(due(&w).await);
    // an organization not connected here is only counted
    let other = notification("urn:li:organization:999", "COMMENT");
    let (status, report) = post(&w, &other, Some(sign(SECRET.as_bytes(), other.as_bytes()))).await;
    assert_eq!(status, 200);
    assert!(report.contains("\"ignored\":1"), "{report}");
}

#[tokio::test]
async fn unsigned_or_wrongly_signed_notifications_are_refused_and_nothing_happens() {
    let w = world().await;
    let body = notification(ORG_URN, "COMMENT");
    for signature in [
        None,
        Some(sign(b"fel-hemlighet", body.as_bytes())),
        Some("zz".repeat(32)),
        Some(sign(SECRET.as_bytes(), b"{\"notifications\":[]}")),
    ] {
        let (status, text) = post(&w, &body, signature).await;
        assert_eq!(status, 401, "{text}");
        assert!(text.contains("X-LI-Signature"), "{text}");
    }
    assert!(!due(&w).await, "not made due by a refused notification");
    let junk = "{\"något\": 1}";
    let (status, text) = post(&w, junk, Some(sign(SECRET.as_bytes(), junk.as_bytes()))).await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("blob"), "{text}");
}
