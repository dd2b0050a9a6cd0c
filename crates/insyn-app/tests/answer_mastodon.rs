//! Answering through the platform's API (R5.2) against the Mastodon stand-in (mastodon-mock):
//! the answer is posted with `in_reply_to_id` using the account's stored connection, recorded as
//! an upprättad record with the platform's id, and the item marked answered.
use chrono::Utc;
use insyn_app::*;
use insyn_domain::*;

mod common;

#[tokio::test]
async fn an_answer_is_published_on_mastodon_and_recorded() {
    let Some(mock) =
        insyn_testkit::mastodon::start("an_answer_is_published_on_mastodon_and_recorded")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(AppConfig::embedded(dir.path())).await.unwrap();
    let (org, account) = common::mastodon_account(&app, &mock, None, &["Anna", "Erik"]).await;
    app.connect_account(org.id, account.id, &mock.base_url, &mock.token, "anna")
        .await
        .unwrap();
    // a status on the platform that the answer replies to
    let http = reqwest::Client::new();
    let question: serde_json::Value = http
        .post(format!("{}/api/v1/statuses", mock.base_url))
        .bearer_auth(&mock.token)
        .json(&serde_json::json!({"status": "När öppnar biblioteket?"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let qid = question["id"].as_str().unwrap().to_string();
    let item = app
        .store
        .capture(
            org.id,
            &[CaptureItem {
                account_id: account.id,
                platform_item_id: qid.clone(),
                kind: ItemKind::Reply,
                direction: Direction::Received,
                parent_platform_id: None,
                thread_platform_id: None,
                author_name: "Eva".into(),
                author_platform_id: "e".into(),
                available_at: Utc::now(),
                platform_time: None,
                text: "När öppnar biblioteket?".into(),
                media: vec![],
                raw_blob: None,
                raw_pointer: String::new(),
            }],
            "t",
        )
        .await
        .unwrap()
        .record_ids[0];
    let user = app
        .create_user(
            org.id,
            &NewUser {
                email: "anna@ekbacka.se".into(),
                name: "Anna Berg".into(),
                function: "kommunikatör".into(),
                roles: vec![Role::Communicator],
                accounts: vec![],
            },
            None,
            "t",
        )
        .await
        .unwrap();
    let outcome = app
        .answer(&user, item, "Hej Eva! Biblioteket öppnar kl 10.", false)
        .await
        .unwrap();
    let AnswerOutcome::Stored {
        answer,
        published,
        manual_reason,
    } = outcome
    else {
        panic!("a plain answer needs no confirmation");
    };
    let pid = published.expect("published through the API");
    assert!(manual_reason.is_none());
    assert_eq!(
        answer.platform_item_id, pid,
        "the record carries the platform's id"
    );
    assert_eq!(answer.direction, Direction::Created);
    assert_eq!(answer.parent_platform_id.as_deref(), Some(qid.as_str()));
    // on the platform: a reply to the question, signed
    let status: serde_json::Value = http
        .get(format!("{}/api/v1/statuses/{pid}", mock.base_url))
        .bearer_auth(&mock.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        status["in_reply_to_id"].as_str(),
        Some(qid.as_str()),
        "{status}"
    );
    assert!(
        status["content"]
            .as_str()
            .unwrap()
            .contains("/Anna, kommunikatör"),
        "{status}"
    );
    let h = app.store.handling(org.id, item).await.unwrap();
    assert_eq!(
        (h.state, h.answer),
        (HandlingState::Answered, Some(answer.id))
    );

    // a platform that refuses (a token that no longer works): nothing is recorded
    app.store
        .save_connection(
            org.id,
            account.id,
            "http://127.0.0.1:9",
            &app.store
                .connection(org.id, account.id)
                .await
                .unwrap()
                .unwrap()
                .sealed_token,
            &ConnectionHealth::connected(Utc::now()),
            "t",
        )
        .await
        .unwrap();
    let before = app
        .records(
            org.id,
            &RecordFilter {
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .len();
    let err = app
        .answer(&user, item, "Hej igen!", false)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not published"), "{err}");
    let after = app
        .records(
            org.id,
            &RecordFilter {
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .len();
    assert_eq!(before, after);
}
