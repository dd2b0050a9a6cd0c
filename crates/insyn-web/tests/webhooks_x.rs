//! X's Account Activity push channel over HTTP (issue 3): the Challenge-Response Check, signed
//! deliveries of new posts and direct messages that make the account due for a capture pass, a
//! signed `tweet_delete_events` entry that marks a captured post deleted with the delivery as
//! evidence, and deliveries that must be refused without changing anything.
use insyn_app::webhooks::XWebhookConfig;
use insyn_capture::x_webhook::{crc_response, sign};
use insyn_domain::*;

mod push;
use push::World;

const SECRET: &str = "x-konsumenthemlighet";
const USER_ID: &str = "1580000000000000001";
const HEADER: &str = "x-twitter-webhooks-signature";

async fn world() -> World {
    push::world(
        |app| {
            app.with_x_webhook(XWebhookConfig {
                consumer_secret: SECRET.into(),
            })
        },
        Platform::X,
        "ekbackakommun",
        USER_ID,
        "/webhooks/x",
    )
    .await
}

fn signed(body: &str) -> Option<String> {
    Some(sign(SECRET.as_bytes(), body.as_bytes()))
}

#[tokio::test]
async fn the_crc_check_answers_the_hmac_of_the_token() {
    let w = world().await;
    let r = reqwest::get(format!("{}?crc_token=Y3JjLXRva2VuLTQy", w.base))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let json: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        json["response_token"],
        crc_response(SECRET.as_bytes(), "Y3JjLXRva2VuLTQy")
    );
    assert!(
        json["response_token"]
            .as_str()
            .unwrap()
            .starts_with("sha256=")
    );
    let r = reqwest::get(&w.base).await.unwrap();
    assert_eq!(r.status().as_u16(), 400, "no crc_token");
}

#[tokio::test]
async fn new_posts_and_messages_make_the_account_due_and_deletions_are_evidence() {
    let w = world().await;
    // a like is not a record
    let like =
        serde_json::json!({"for_user_id": USER_ID, "favorite_events": [{"id": "a1"}]}).to_string();
    let (status, report) = w.post(&like, HEADER, signed(&like)).await;
    assert_eq!(status, 200, "{report}");
    assert!(report.contains("\"accounts_due\":0"), "{report}");
    assert!(!w.due().await);

    // a direct message: the account is captured at once
    let dm = serde_json::json!({"for_user_id": USER_ID, "direct_message_events": [{
        "type": "message_create", "id": "1910000000000000001", "created_timestamp": "1795500000000",
        "message_create": {"target": {"recipient_id": USER_ID}, "sender_id": "2001",
            "message_data": {"text": "Hej! När töms soptunnorna på Björkvägen?"}}}]})
    .to_string();
    let (status, report) = w.post(&dm, HEADER, signed(&dm)).await;
    assert_eq!(status, 200, "{report}");
    assert!(report.contains("\"accounts_due\":1"), "{report}");
    assert!(w.due().await);

    // a deletion of a captured post is seen at once, the delivery being the evidence
    let item = CaptureItem {
        account_id: w.account.id,
        platform_item_id: "1860000000000000007".into(),
        kind: ItemKind::Comment,
        direction: Direction::Received,
        parent_platform_id: Some("1860000000000000001".into()),
        thread_platform_id: Some("1860000000000000001".into()),
        author_name: "Kalle Svensson".into(),
        author_platform_id: "2001".into(),
        available_at: chrono::Utc::now(),
        platform_time: None,
        text: "Det här var inte okej av er.".into(),
        media: vec![],
        raw_blob: None,
        raw_pointer: "/data/0".into(),
    };
    let record = w
        .app
        .store
        .capture(w.org, &[item], "test")
        .await
        .unwrap()
        .record_ids[0];
    let delete = serde_json::json!({"for_user_id": USER_ID, "tweet_delete_events": [
        {"status": {"id": "1860000000000000007", "user_id": "2001"}, "timestamp_ms": "1795500000000"},
        {"status": {"id": "1860000000000009999", "user_id": "2001"}, "timestamp_ms": "1795500000000"}]})
    .to_string();
    let (status, report) = w.post(&delete, HEADER, signed(&delete)).await;
    assert_eq!(status, 200, "{report}");
    assert!(report.contains("\"deletions_seen\":1"), "{report}");
    assert!(
        report.contains("\"ignored\":1"),
        "a post never captured: {report}"
    );
    let rec = w.app.store.get_record(w.org, record).await.unwrap();
    assert!(rec.deleted_seen_at.is_some());
    assert_eq!(rec.text, "Det här var inte okej av er.", "the record stays");
    let events = w.app.store.record_events(w.org, record).await.unwrap();
    let evidence = events.last().unwrap().detail["evidence"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        evidence.contains("tweet_delete_events") && evidence.contains("blob"),
        "{evidence}"
    );

    // a user not connected here is only counted
    let other = serde_json::json!({"for_user_id": "999", "tweet_create_events": [{"id_str": "1"}]})
        .to_string();
    let (status, report) = w.post(&other, HEADER, signed(&other)).await;
    assert_eq!(status, 200);
    assert!(report.contains("\"ignored\":1"), "{report}");
}

#[tokio::test]
async fn unsigned_or_wrongly_signed_deliveries_are_refused_and_nothing_happens() {
    let w = world().await;
    let body =
        serde_json::json!({"for_user_id": USER_ID, "tweet_create_events": [{"id_str": "1"}]})
            .to_string();
    for signature in [
        None,
        Some(sign(b"fel-hemlighet", body.as_bytes())),
        Some("sha256=inte-base64".into()),
        Some(sign(SECRET.as_bytes(), b"{\"for_user_id\":\"1\"}")),
    ] {
        let (status, text) = w.post(&body, HEADER, signature).await;
        assert_eq!(status, 401, "{text}");
        assert!(text.contains("x-twitter-webhooks-signature"), "{text}");
    }
    assert!(!w.due().await, "not made due by a refused delivery");
    let junk = "{\"något\": 1}";
    let (status, text) = w.post(junk, HEADER, signed(junk)).await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("blob"), "{text}");
}
