//! Meta webhooks over HTTP: the subscription check, signed deliveries from the Graph fake that
//! add, edit and remove items, and deliveries that must be refused without storing anything.
use insyn_app::webhooks::MetaWebhookConfig;
use insyn_app::*;
use insyn_domain::*;
use insyn_fakes::graph::GraphFake;
use sha2::Digest;

const SECRET: &str = "meta-app-secret-ekbacka";
const VERIFY: &str = "verifiera-ekbacka-2026";

struct World {
    app: App,
    url: String,
    org: OrgId,
    page: Account,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(AppConfig::embedded(dir.path()))
        .await
        .unwrap()
        .with_meta_webhook(MetaWebhookConfig {
            app_secret: SECRET.into(),
            verify_token: VERIFY.into(),
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
                platform: Platform::Facebook,
                handle: "ekbackakommun".into(),
                url: "https://facebook.com/ekbackakommun".into(),
                platform_id: insyn_fakes::graph::PAGE_ID.into(),
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
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhooks/meta", listener.local_addr().unwrap());
    let served = app.clone();
    tokio::spawn(async move {
        insyn_web::serve(served, listener, std::future::pending())
            .await
            .unwrap()
    });
    World {
        app,
        url,
        org: org.id,
        page,
        _dir: dir,
    }
}

#[tokio::test]
async fn subscription_check_echoes_the_challenge_only_for_the_verify_token() {
    let w = world().await;
    let http = reqwest::Client::new();
    let ok = http
        .get(format!(
            "{}?hub.mode=subscribe&hub.verify_token={VERIFY}&hub.challenge=1158201444",
            w.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), "1158201444");
    for query in [
        "hub.mode=subscribe&hub.verify_token=fel&hub.challenge=1",
        "hub.mode=unsubscribe&hub.verify_token=verifiera-ekbacka-2026&hub.challenge=1",
        "hub.challenge=1",
    ] {
        let r = http.get(format!("{}?{query}", w.url)).send().await.unwrap();
        assert_eq!(r.status(), 403, "{query}");
    }
}

#[tokio::test]
async fn signed_deliveries_add_edit_and_remove_records() {
    let w = world().await;
    let fb = GraphFake::facebook().await;
    let post = fb.post("Nu öppnar badhuset igen efter renoveringen!", &[]);
    let comment = fb.comment(&post, ("42", "Greta Gran"), "Vilka tider gäller i sommar?");

    // a new comment
    let delivery = fb.webhook_delivery(&comment, "add");
    let (status, body) = GraphFake::send_webhook(&w.url, SECRET, &delivery).await;
    assert_eq!(status, 200, "{body}");
    let report: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(report["new_records"], 1, "{body}");
    let record = w
        .app
        .store
        .find_record(w.org, w.page.id, &comment)
        .await
        .unwrap()
        .expect("the comment became a record");
    assert_eq!(record.text, "Vilka tider gäller i sommar?");
    assert_eq!(
        (record.kind, record.direction),
        (ItemKind::Comment, Direction::Received)
    );
    assert_eq!(record.thread_platform_id.as_deref(), Some(post.as_str()));
    // the delivery is kept verbatim as the record's raw payload
    let versions = w.app.store.record_versions(w.org, record.id).await.unwrap();
    let raw = versions[0].raw_blob.expect("raw payload");
    let kept = w.app.blobs.get(&raw).await.unwrap();
    assert_eq!(
        kept.as_ref(),
        serde_json::to_vec(&delivery).unwrap().as_slice()
    );
    // searchable at once
    let found = w
        .app
        .search(&SearchQuery::new(w.org, "sommar"))
        .await
        .unwrap();
    assert_eq!(found.total, 1);

    // Meta retries a delivery: nothing changes
    let (status, body) = GraphFake::send_webhook(&w.url, SECRET, &delivery).await;
    assert_eq!(status, 200);
    assert!(body.contains("\"unchanged\":1"), "{body}");

    // an edit becomes a new version
    fb.edit(&comment, "Vilka tider gäller i sommar och på helger?", None);
    let (status, body) =
        GraphFake::send_webhook(&w.url, SECRET, &fb.webhook_delivery(&comment, "edited")).await;
    assert_eq!(status, 200, "{body}");
    let edited = w.app.store.get_record(w.org, record.id).await.unwrap();
    assert_eq!(
        (edited.version, edited.text.as_str()),
        (2, "Vilka tider gäller i sommar och på helger?")
    );

    // a removal is positive evidence of a deletion
    let (status, body) =
        GraphFake::send_webhook(&w.url, SECRET, &fb.webhook_delivery(&comment, "remove")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"deletions_seen\":1"), "{body}");
    let removed = w.app.store.get_record(w.org, record.id).await.unwrap();
    assert!(removed.deleted_seen_at.is_some());
    let events = w.app.store.record_events(w.org, record.id).await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.kind == RecordEventKind::DeletionSeen
                && e.detail.to_string().contains("Meta webhook")),
        "{events:?}"
    );
    // the audit chain still holds
    let report = w.app.verify(&NoProgress).await.unwrap();
    assert!(report.ok(), "{:?}", report.problems);
}

#[tokio::test]
async fn bad_signatures_are_refused_and_nothing_is_stored() {
    let w = world().await;
    let fb = GraphFake::facebook().await;
    let post = fb.visitor_post(
        ("77", "Olle Ek"),
        "Förfalskad kommentar som inte får sparas",
    );
    let delivery = fb.webhook_delivery(&post, "add");
    let body = serde_json::to_vec(&delivery).unwrap();
    let digest = Sha256Digest(sha2::Sha256::digest(&body).into());
    let http = reqwest::Client::new();
    let wrong = insyn_capture_sign(b"another-secret", &body);
    for signature in [
        Some(wrong.as_str()),
        Some("sha256=00"),
        Some("sha1=abc"),
        None,
    ] {
        let mut req = http
            .post(&w.url)
            .header("content-type", "application/json")
            .body(body.clone());
        if let Some(s) = signature {
            req = req.header("x-hub-signature-256", s);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 401, "{signature:?}");
        let text = r.text().await.unwrap();
        assert!(text.contains("X-Hub-Signature-256"), "{text}");
    }
    assert!(
        !w.app.blobs.exists(&digest).await.unwrap(),
        "a refused delivery is not stored"
    );
    assert!(
        w.app
            .store
            .find_record(w.org, w.page.id, &post)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(w.app.store.count_records(w.org).await.unwrap(), 0);

    // correctly signed but not a Meta envelope: 400, kept as evidence, no record
    let junk = serde_json::json!({"object": "user", "entry": []});
    let (status, text) = GraphFake::send_webhook(&w.url, SECRET, &junk).await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("neither 'page' nor 'instagram'"), "{text}");
    // an entry for a page that is not connected here is reported, not stored
    let mut other = delivery.clone();
    other["entry"][0]["id"] = serde_json::json!("999999");
    let (status, text) = GraphFake::send_webhook(&w.url, SECRET, &other).await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("999999"), "{text}");
    assert_eq!(w.app.store.count_records(w.org).await.unwrap(), 0);
}

fn insyn_capture_sign(secret: &[u8], body: &[u8]) -> String {
    insyn_capture::meta_webhook::sign(secret, body)
}
