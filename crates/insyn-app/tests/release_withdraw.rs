//! A record the release policy released is taken back from the portal when a later screening
//! (an edit) finds something; a record a person released stays as the person decided.
use insyn_app::portal::PublicQuery;
use insyn_app::*;
use insyn_domain::release::{POLICY_ACTOR, ReleasePolicy};
use insyn_domain::*;

fn comment(account: AccountId, id: &str, text: &str) -> CaptureItem {
    CaptureItem {
        account_id: account,
        platform_item_id: id.into(),
        kind: ItemKind::Comment,
        direction: Direction::Received,
        parent_platform_id: None,
        thread_platform_id: None,
        author_name: "Greta Gran".into(),
        author_platform_id: "g1".into(),
        available_at: chrono::Utc::now(),
        platform_time: None,
        text: text.into(),
        media: vec![],
        raw_blob: None,
        raw_pointer: "/".into(),
    }
}

fn observation(items: Vec<CaptureItem>) -> Observation {
    Observation {
        raw: bytes::Bytes::from(
            serde_json::to_vec(&serde_json::json!({"n": items.len(), "t": items[0].text})).unwrap(),
        ),
        media_type: "application/json".into(),
        items,
    }
}

/// An embedded installation with a 20-record demo organisation.
async fn small_demo() -> (App, OrgId, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(AppConfig::embedded(dir.path())).await.unwrap();
    let report = insyn_app::demo::load(
        &app,
        &insyn_app::demo::DemoOptions {
            records: 20,
            ..Default::default()
        },
        &NoProgress,
    )
    .await
    .unwrap();
    let org = report.organisation.id;
    (app, org, dir)
}

#[tokio::test]
async fn later_findings_withdraw_what_the_policy_released() {
    let (app, org, _dir) = small_demo().await;
    let account = app.accounts(org).await.unwrap()[0].id;
    let clean = [
        comment(
            account,
            "ren-1",
            "Tack för informationen om badhusets öppettider!",
        ),
        comment(
            account,
            "ren-2",
            "Bra att biblioteket har öppet på lördagar.",
        ),
    ];
    let ids = app
        .capture(org, observation(clean.to_vec()), "test")
        .await
        .unwrap()
        .record_ids;
    app.screen_pending().await.unwrap();
    app.set_release_policy(
        org,
        &ReleasePolicy {
            auto_release_received_clean: true,
            ..ReleasePolicy::default()
        },
        "admin",
    )
    .await
    .unwrap();
    // ren-2 is released by a person first; ren-1 by the policy
    app.release_record(org, ids[1], "granskad", "anna")
        .await
        .unwrap();
    app.apply_release_policy(org).await.unwrap();
    for id in &ids {
        let r = app.store.get_record(org, *id).await.unwrap();
        assert_eq!(r.classification, Classification::Released, "{id}");
    }

    // both are edited: the new versions carry a personal identity number
    let edited: Vec<CaptureItem> = clean
        .iter()
        .map(|c| {
            let mut c = c.clone();
            c.text.push_str(" Mitt personnummer är 811218-9876.");
            c
        })
        .collect();
    app.capture(org, observation(edited), "test").await.unwrap();
    app.screen_pending().await.unwrap();

    let by_policy = app.store.get_record(org, ids[0]).await.unwrap();
    assert_eq!(by_policy.classification, Classification::Unassessed);
    let last = app
        .record_events(org, ids[0])
        .await
        .unwrap()
        .into_iter()
        .rev()
        .find(|e| e.kind == RecordEventKind::Classified)
        .unwrap();
    assert_eq!(last.actor, POLICY_ACTOR);
    assert!(
        app.public_record(org, ids[0]).await.is_err(),
        "withdrawn: not on the portal"
    );
    let page = app
        .public_search(
            org,
            &PublicQuery {
                text: "badhusets".into(),
                page: 1,
                per_page: 20,
                ..PublicQuery::default()
            },
        )
        .await
        .unwrap();
    assert!(
        page.hits.iter().all(|h| h.item.id != ids[0]),
        "{:?}",
        page.total
    );
    // the policy does not release it again while the finding stands
    app.apply_release_policy(org).await.unwrap();
    assert_eq!(
        app.store
            .get_record(org, ids[0])
            .await
            .unwrap()
            .classification,
        Classification::Unassessed
    );

    // the person's decision stands
    let by_person = app.store.get_record(org, ids[1]).await.unwrap();
    assert_eq!(by_person.classification, Classification::Released);
}

/// The server's sweep runs again only when a record changed or the policy did: a record screened
/// after the last sweep (no audit entry, but a `screened` event) is still released; a sweep with
/// nothing new is skipped; a policy change makes the next one run.
#[tokio::test]
async fn the_servers_sweep_skips_only_when_nothing_changed() {
    let (app, org, _dir) = small_demo().await;
    app.screen_pending().await.unwrap();
    app.set_release_policy(
        org,
        &ReleasePolicy {
            auto_release_received_clean: true,
            ..ReleasePolicy::default()
        },
        "admin",
    )
    .await
    .unwrap();
    assert!(
        app.apply_release_policy_if_changed(org)
            .await
            .unwrap()
            .is_some()
    );
    // (its own releases wrote events: one more sweep, which finds nothing, then none)
    let _ = app.apply_release_policy_if_changed(org).await.unwrap();
    assert!(
        app.apply_release_policy_if_changed(org)
            .await
            .unwrap()
            .is_none(),
        "nothing changed: skipped"
    );
    // a clean comment arrives; the sweep before its screening holds it, the next releases it
    let account = app.accounts(org).await.unwrap()[0].id;
    // (captured by another process: not screened yet)
    let id = app
        .store
        .capture(
            org,
            &[comment(
                account,
                "ny-1",
                "Tack för ett bra svar om parkeringen.",
            )],
            "test",
        )
        .await
        .unwrap()
        .record_ids[0];
    let held = app
        .apply_release_policy_if_changed(org)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(held.held.get("not_screened"), Some(&1), "{held:?}");
    app.screen_pending().await.unwrap();
    assert_eq!(app.apply_release_policies().await.unwrap(), 1);
    let r = app.store.get_record(org, id).await.unwrap();
    assert_eq!(r.classification, Classification::Released);
    // a new policy: the sweep runs although no record changed
    let _ = app.apply_release_policy_if_changed(org).await.unwrap();
    assert!(
        app.apply_release_policy_if_changed(org)
            .await
            .unwrap()
            .is_none()
    );
    app.set_release_policy(org, &ReleasePolicy::default(), "admin")
        .await
        .unwrap();
    assert!(
        app.apply_release_policy_if_changed(org)
            .await
            .unwrap()
            .is_some()
    );
}
