//! LinkedIn's push channel over HTTP (issue 3): the endpoint's validation (challengeCode →
//! challengeResponse), signed organization notifications that make the page's account due for
//! a capture pass, and notifications that must be refused without changing anything.
use insyn_app::webhooks::LinkedinWebhookConfig;
use insyn_capture::linkedin_webhook::{challenge_response, sign};
use insyn_domain::*;

const SECRET: &str = "linkedin-klienthemlighet";
const ORG_URN: &str = "urn:li:organization:2414183";

mod push;
use push::World;

async fn world() -> World {
    push::world(
        |app| {
            app.with_linkedin_webhook(LinkedinWebhookConfig {
                client_secret: SECRET.into(),
            })
        },
        Platform::Linkedin,
        "ekbacka-kommun",
        ORG_URN,
        "/webhooks/linkedin",
    )
    .await
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
    let (status, report) = w
        .post(
            &like,
            "x-li-signature",
            Some(sign(SECRET.as_bytes(), like.as_bytes())),
        )
        .await;
    assert_eq!(status, 200, "{report}");
    assert!(report.contains("\"accounts_due\":0"), "{report}");
    assert!(!w.due().await);
    // a comment: the page is captured at once
    let comment = notification(ORG_URN, "COMMENT");
    let (status, report) = w
        .post(
            &comment,
            "x-li-signature",
            Some(sign(SECRET.as_bytes(), comment.as_bytes())),
        )
        .await;
    assert_eq!(status, 200, "{report}");
    assert!(report.contains("\"accounts_due\":1"), "{report}");
    assert!(w.due().await);
    // an organization not connected here is only counted
    let other = notification("urn:li:organization:999", "COMMENT");
    let (status, report) = w
        .post(
            &other,
            "x-li-signature",
            Some(sign(SECRET.as_bytes(), other.as_bytes())),
        )
        .await;
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
        let (status, text) = w.post(&body, "x-li-signature", signature).await;
        assert_eq!(status, 401, "{text}");
        assert!(text.contains("X-LI-Signature"), "{text}");
    }
    assert!(!w.due().await, "not made due by a refused notification");
    let junk = "{\"något\": 1}";
    let (status, text) = w
        .post(
            junk,
            "x-li-signature",
            Some(sign(SECRET.as_bytes(), junk.as_bytes())),
        )
        .await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("blob"), "{text}");
}
