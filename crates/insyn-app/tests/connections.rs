//! Connected accounts end to end against the Mastodon stand-in (mastodon-mock): connect with a
//! checked token, scheduled capture, health, alerts when the token stops working or the platform
//! goes away, and back-fill after reconnecting.
use insyn_app::*;
use insyn_domain::*;

mod common;

#[tokio::test]
async fn connect_capture_fail_alert_reconnect_backfill() {
    let Some(mock) =
        insyn_testkit::mastodon::start("connect_capture_fail_alert_reconnect_backfill")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(AppConfig::embedded(dir.path())).await.unwrap();
    let (org, account) = common::mastodon_account(&app, &mock, None, &["Anna", "Erik"]).await;
    app.set_account_status(org.id, account.id, AccountStatus::Active, "t")
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let post = |text: &str| {
        let req = http
            .post(format!("{}/api/v1/statuses", mock.base_url))
            .bearer_auth(&mock.token)
            .json(&serde_json::json!({"status": text}));
        async move {
            assert!(req.send().await.unwrap().status().is_success());
        }
    };

    // a wrong token is refused before anything is kept
    let err = app
        .connect_account(org.id, account.id, &mock.base_url, "fel-token", "anna")
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Unauthorized(_)), "{err:?}");
    assert!(
        app.store
            .connection(org.id, account.id)
            .await
            .unwrap()
            .is_none()
    );

    app.connect_account(
        org.id,
        account.id,
        &mock.base_url,
        &format!("  {}\n", mock.token),
        "anna",
    )
    .await
    .unwrap();
    let stored = app
        .store
        .connection(org.id, account.id)
        .await
        .unwrap()
        .unwrap();
    assert!(
        !stored
            .sealed_token
            .windows(mock.token.len())
            .any(|w| w == mock.token.as_bytes()),
        "the token is not stored in clear"
    );
    let health = app.account_health(org.id).await.unwrap();
    assert_eq!(
        health[0].connection.as_ref().unwrap().state,
        ConnectionState::New
    );

    post("Simhallen öppnar igen på måndag.").await;
    post("Återvinningscentralen har stängt på helgdagar.").await;
    // the scheduler finds the account due and captures it
    assert_eq!(app.capture_due(chrono::Utc::now(), 10).await.unwrap(), 1);
    assert_eq!(app.store.count_records(org.id).await.unwrap(), 2);
    let h = app.account_health(org.id).await.unwrap()[0]
        .connection
        .clone()
        .unwrap();
    assert_eq!(h.state, ConnectionState::Ok);
    assert!(h.health.last_success_at.is_some());
    assert_eq!(
        app.capture_due(chrono::Utc::now(), 10).await.unwrap(),
        0,
        "not due again before the poll interval"
    );

    // the stored token stops working (here: it no longer opens): capture stops, staff are told
    let mut broken = stored.health.clone();
    broken.reconnected(chrono::Utc::now());
    app.store
        .save_connection(
            org.id,
            account.id,
            &mock.base_url,
            b"\x01not-a-token",
            &broken,
            "t",
        )
        .await
        .unwrap();
    assert!(
        app.capture_account(org.id, account.id, "capture")
            .await
            .is_err()
    );
    let h = app.account_health(org.id).await.unwrap()[0]
        .connection
        .clone()
        .unwrap();
    assert_eq!(h.state, ConnectionState::NeedsReconnect);
    assert!(
        h.health
            .last_error
            .as_deref()
            .unwrap()
            .contains("connect the account again")
    );
    assert!(h.health.failing_since.is_some());
    let alerts = app
        .capture_alerts(org.id, Some(account.id), 10)
        .await
        .unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].level, AlertLevel::Responsible);
    assert!(
        alerts[0].message.contains("Anslut kontot på nytt"),
        "{}",
        alerts[0].message
    );
    // not retried by the scheduler, and no duplicate alert right away
    assert_eq!(
        app.capture_due(chrono::Utc::now() + chrono::Duration::days(1), 10)
            .await
            .unwrap(),
        0
    );

    // meanwhile the account posts; reconnecting back-fills what was missed
    post("Vattenavstängning på Storgatan i morgon.").await;
    app.connect_account(org.id, account.id, &mock.base_url, &mock.token, "erik")
        .await
        .unwrap();
    assert_eq!(app.capture_due(chrono::Utc::now(), 10).await.unwrap(), 1);
    assert_eq!(app.store.count_records(org.id).await.unwrap(), 3);
    let h = app.account_health(org.id).await.unwrap()[0]
        .connection
        .clone()
        .unwrap();
    assert_eq!(h.state, ConnectionState::Ok);
    assert_eq!(h.health.failing_since, None);

    // the platform goes away: temporary failures back off; the third raises an alert
    let base_url = mock.base_url.clone();
    drop(mock);
    for i in 1..=3 {
        assert!(
            app.capture_account(org.id, account.id, "capture")
                .await
                .is_err()
        );
        let h = app.account_health(org.id).await.unwrap()[0]
            .connection
            .clone()
            .unwrap();
        assert_eq!(h.state, ConnectionState::Retrying);
        assert_eq!(h.health.failures, i);
        assert!(h.health.next_attempt_at.is_some());
    }
    let alerts = app
        .capture_alerts(org.id, Some(account.id), 10)
        .await
        .unwrap();
    assert_eq!(alerts.len(), 2, "{alerts:?}");
    assert!(
        alerts[0].message.contains("försöker igen"),
        "{}",
        alerts[0].message
    );
    // nothing was lost along the way
    assert_eq!(app.store.count_records(org.id).await.unwrap(), 3);
    let v = app.verify(&NoProgress).await.unwrap();
    assert_eq!(v.problem_count, 0, "{:?}", v.problems);
    let _ = base_url;
}

/// A failing account's alert is also mailed (through the outbox) to its unit's address and its
/// responsible people, repeated on the alert schedule (not once per failed poll), escalated to
/// the communicators after a day, and followed by one "works again" mail when it heals.
#[tokio::test]
async fn alert_mails_follow_the_alert_schedule() {
    let Some(mock) = insyn_testkit::mastodon::start("alert_mails_follow_the_alert_schedule") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(AppConfig::embedded(dir.path())).await.unwrap();
    let (org, account) = common::mastodon_account(
        &app,
        &mock,
        Some("kommunikation@ekbacka.se"),
        &["anna@ekbacka.se", "Erik Holm"],
    )
    .await;
    app.set_account_status(org.id, account.id, AccountStatus::Active, "t")
        .await
        .unwrap();
    for (email, name, role) in [
        ("erik@ekbacka.se", "Erik Holm", Role::Editor),
        ("komm@ekbacka.se", "Karin Komm", Role::Communicator),
        ("admin@ekbacka.se", "Ada Admin", Role::Administrator),
    ] {
        app.create_user(
            org.id,
            &NewUser {
                email: email.into(),
                name: name.into(),
                function: "test".into(),
                roles: vec![role],
                accounts: vec![],
            },
            None,
            "t",
        )
        .await
        .unwrap();
    }
    // connected, then the stored token stops working
    app.connect_account(org.id, account.id, &mock.base_url, &mock.token, "t")
        .await
        .unwrap();
    let stored = app
        .store
        .connection(org.id, account.id)
        .await
        .unwrap()
        .unwrap();
    app.store
        .save_connection(
            org.id,
            account.id,
            &mock.base_url,
            b"\x01not-a-token",
            &stored.health,
            "t",
        )
        .await
        .unwrap();
    let mails = || async {
        let mut m = app
            .mail_outbox(
                org.id,
                &insyn_store::MailFilter {
                    subject_ref: Some(format!("account:{}", account.id)),
                    unsent_only: false,
                    limit: 100,
                },
            )
            .await
            .unwrap();
        m.sort_by_key(|m| m.id);
        m
    };
    let to = |m: &[MailMessage]| {
        let mut t: Vec<String> = m.iter().map(|m| m.to.clone()).collect();
        t.sort();
        t
    };
    let t0 = chrono::Utc::now();
    let h = chrono::Duration::hours;
    assert!(
        app.capture_account_at(org.id, account.id, "capture", t0)
            .await
            .is_err()
    );
    let first = mails().await;
    assert_eq!(
        to(&first),
        vec![
            "anna@ekbacka.se",
            "erik@ekbacka.se",
            "kommunikation@ekbacka.se"
        ],
        "the unit and the responsible people (an address, a user by name)"
    );
    assert!(
        first[0].subject.contains("fungerar inte"),
        "{}",
        first[0].subject
    );
    assert!(
        first[0].body.contains("Anslut kontot på nytt"),
        "{}",
        first[0].body
    );
    // failing again within the repeat time: no new mail
    assert!(
        app.capture_account_at(org.id, account.id, "capture", t0 + h(1))
            .await
            .is_err()
    );
    assert_eq!(mails().await.len(), 3);
    // the scheduler repeats the alert of an account waiting for a reconnect
    assert_eq!(app.repeat_capture_alerts(t0 + h(2)).await.unwrap(), 0);
    assert_eq!(app.repeat_capture_alerts(t0 + h(5)).await.unwrap(), 1);
    assert_eq!(mails().await.len(), 6);
    // after a day, the communicators too (not yet the administrators)
    assert_eq!(app.repeat_capture_alerts(t0 + h(25)).await.unwrap(), 1);
    let all = mails().await;
    assert_eq!(
        to(&all[6..]),
        vec![
            "anna@ekbacka.se",
            "erik@ekbacka.se",
            "komm@ekbacka.se",
            "kommunikation@ekbacka.se"
        ]
    );
    // reconnected: one mail that it works again, to the same people, then quiet
    app.connect_account(org.id, account.id, &mock.base_url, &mock.token, "erik")
        .await
        .unwrap();
    // (connecting again keeps the alert level: the first good capture closes it)
    app.capture_account_at(org.id, account.id, "capture", t0 + h(26))
        .await
        .unwrap();
    let all = mails().await;
    assert_eq!(all.len(), 14, "{:#?}", to(&all));
    assert!(
        all[10..]
            .iter()
            .all(|m| m.subject.contains("fungerar igen"))
    );
    app.capture_account_at(org.id, account.id, "capture", t0 + h(27))
        .await
        .unwrap();
    assert_eq!(mails().await.len(), 14);
}
