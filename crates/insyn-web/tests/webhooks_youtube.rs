//! YouTube's push channel over HTTP (issue 3): the WebSub hub's subscription check, signed
//! notifications that make the channel's account due for a capture pass or record a deletion,
//! and notifications that must be refused without storing anything.
use insyn_app::webhooks::YoutubeWebSubConfig;
use insyn_app::*;
use insyn_capture::youtube_websub::sign;
use insyn_domain::*;

const SECRET: &str = "websub-hemlighet-ekbacka";
const CHANNEL: &str = "UCekbacka2026";

struct World {
    app: App,
    base: String,
    org: OrgId,
    channel: Account,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(AppConfig::embedded(dir.path()))
        .await
        .unwrap()
        .with_youtube_websub(YoutubeWebSubConfig {
            secret: SECRET.into(),
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
    let channel = app
        .create_account(
            org.id,
            &NewAccount {
                unit_id: unit.id,
                platform: Platform::Youtube,
                handle: "EkbackaKommun".into(),
                url: format!("https://www.youtube.com/channel/{CHANNEL}"),
                platform_id: CHANNEL.into(),
                purpose: "Information".into(),
                target_group: "Invånare".into(),
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
    // connected a while ago; the next scheduled pass is an hour away
    let mut health = ConnectionHealth::connected(chrono::Utc::now());
    health.next_attempt_at = Some(chrono::Utc::now() + chrono::Duration::hours(1));
    app.store
        .save_connection(
            org.id,
            channel.id,
            "http://127.0.0.1:9",
            b"sealed",
            &health,
            "test",
        )
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/webhooks/youtube", listener.local_addr().unwrap());
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
        channel,
        _dir: dir,
    }
}

fn video(id: &str) -> String {
    format!(
        r#"<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" xmlns="http://www.w3.org/2005/Atom">
  <entry>
    <id>yt:video:{id}</id>
    <yt:videoId>{id}</yt:videoId>
    <yt:channelId>{CHANNEL}</yt:channelId>
    <title>Så sorterar du ditt avfall</title>
    <published>2026-11-20T09:00:00+00:00</published>
    <updated>2026-11-20T09:05:00+00:00</updated>
  </entry>
</feed>"#
    )
}

fn tombstone(id: &str) -> String {
    format!(
        r#"<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:at="http://purl.org/atompub/tombstones/1.0" xmlns="http://www.w3.org/2005/Atom">
  <at:deleted-entry ref="yt:video:{id}" when="2026-11-21T10:00:00+00:00">
    <at:by><name>Ekbacka kommun</name><uri>https://www.youtube.com/channel/{CHANNEL}</uri></at:by>
  </at:deleted-entry>
</feed>"#
    )
}

async fn post(w: &World, body: &str, signature: Option<String>) -> (u16, String) {
    let mut req = reqwest::Client::new()
        .post(&w.base)
        .header("content-type", "application/atom+xml")
        .body(body.to_string());
    if let Some(s) = signature {
        req = req.header("x-hub-signature", s);
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

#[tokio::test]
async fn the_hub_check_echoes_the_challenge_for_a_connected_channel_only() {
    let w = world().await;
    let topic = |c: &str| format!("https://www.youtube.com/xml/feeds/videos.xml?channel_id={c}");
    let get = |mode: &str, topic: String| {
        let url = reqwest::Url::parse_with_params(
            &w.base,
            &[
                ("hub.mode", mode),
                ("hub.topic", topic.as_str()),
                ("hub.challenge", "utmaning-123"),
                ("hub.lease_seconds", "432000"),
            ],
        )
        .unwrap();
        async move {
            let r = reqwest::get(url).await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    assert_eq!(
        get("subscribe", topic(CHANNEL)).await,
        (200, "utmaning-123".to_string())
    );
    assert_eq!(get("unsubscribe", topic(CHANNEL)).await.0, 200);
    let (status, body) = get("subscribe", topic("UCokand")).await;
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("hub.topic"), "{body}");
    assert_eq!(get("denied", topic(CHANNEL)).await.0, 404);
}

#[tokio::test]
async fn a_signed_notification_makes_the_channel_due_and_a_tombstone_is_a_deletion() {
    let w = world().await;
    // a new video: the account is captured at once (the notification holds only the title)
    let body = video("VID-ny-1");
    let (status, report) = post(&w, &body, Some(sign(SECRET.as_bytes(), body.as_bytes()))).await;
    assert_eq!(status, 200, "{report}");
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["accounts_due"], 1, "{report}");
    let conn = w
        .app
        .store
        .connection(w.org, w.channel.id)
        .await
        .unwrap()
        .unwrap();
    assert!(conn.health.next_attempt_at.unwrap() <= chrono::Utc::now());
    // a video captured earlier is deleted: positive evidence, naming the stored notification
    let captured = w
        .app
        .store
        .capture(
            w.org,
            &[CaptureItem {
                account_id: w.channel.id,
                platform_item_id: "VID-gammal".into(),
                kind: ItemKind::Post,
                direction: Direction::Created,
                parent_platform_id: None,
                thread_platform_id: None,
                author_name: "Ekbacka kommun".into(),
                author_platform_id: CHANNEL.into(),
                available_at: chrono::Utc::now(),
                platform_time: None,
                text: "Välkommen till vår kanal".into(),
                media: vec![],
                raw_blob: None,
                raw_pointer: "/".into(),
            }],
            "test",
        )
        .await
        .unwrap()
        .record_ids[0];
    let body = tombstone("VID-gammal");
    let (status, report) = post(&w, &body, Some(sign(SECRET.as_bytes(), body.as_bytes()))).await;
    assert_eq!(status, 200, "{report}");
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["deletions_seen"], 1, "{report}");
    let record = w.app.store.get_record(w.org, captured).await.unwrap();
    assert!(record.deleted_seen_at.is_some());
    let events = w.app.record_events(w.org, captured).await.unwrap();
    let evidence = events
        .iter()
        .find(|e| e.kind == RecordEventKind::DeletionSeen)
        .unwrap();
    assert!(
        evidence
            .detail
            .to_string()
            .contains(report["delivery_blob"].as_str().unwrap()),
        "{:?}",
        evidence.detail
    );
    // the same tombstone again changes nothing
    let (status, report) = post(&w, &body, Some(sign(SECRET.as_bytes(), body.as_bytes()))).await;
    assert_eq!(status, 200);
    assert!(report.contains("\"deletions_seen\":0"), "{report}");
}

#[tokio::test]
async fn unsigned_or_wrongly_signed_notifications_are_refused_and_nothing_happens() {
    let w = world().await;
    let body = video("VID-falsk");
    for signature in [
        None,
        Some(sign(b"fel-hemlighet", body.as_bytes())),
        Some("sha1=nothex".to_string()),
        Some(sign(SECRET.as_bytes(), b"en annan kropp")),
    ] {
        let (status, text) = post(&w, &body, signature).await;
        assert_eq!(status, 401, "{text}");
        assert!(text.contains("X-Hub-Signature"), "{text}");
    }
    let conn = w
        .app
        .store
        .connection(w.org, w.channel.id)
        .await
        .unwrap()
        .unwrap();
    assert!(
        conn.health.next_attempt_at.unwrap() > chrono::Utc::now(),
        "not made due by a refused notification"
    );
    // signed but not a feed: a clear 400 that names the stored notification
    let junk = "<html><body>hej</body></html>";
    let (status, text) = post(&w, junk, Some(sign(SECRET.as_bytes(), junk.as_bytes()))).await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("blob"), "{text}");
}
