//! The inbox and answering (issue 5, item 3), tried in-process with `tower::ServiceExt::oneshot`
//! on a real SQLite store: deadlines and order, who sees what, CSRF on the new forms, the
//! signature rule, the confirmation of a draft with findings, the answer as an upprättad record,
//! and handling changes as events and audit entries.
mod common;
use axum::Router;
use axum::http::StatusCode;
use chrono::{Duration, Utc};
use common::Browser;
use insyn_app::{App, AppConfig, S3Settings, SearchBackend};
use insyn_domain::*;

const PASSWORD: &str = "rätt häst batteri 42";

async fn org(app: &App, slug: &str, accounts: usize) -> (Organisation, Vec<Account>) {
    let o = app
        .create_organisation(
            &NewOrganisation {
                slug: slug.into(),
                name: format!("{slug} kommun"),
                diary_prefix: "KS".into(),
            },
            "test",
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
            "test",
        )
        .await
        .unwrap();
    let mut out = Vec::new();
    for i in 0..accounts {
        let new = NewAccount {
            unit_id: u.id,
            platform: Platform::Facebook,
            handle: format!("{slug}-konto-{i}"),
            url: format!("https://facebook.com/{slug}{i}"),
            platform_id: format!("{i}"),
            purpose: "Information".into(),
            target_group: "Invånare".into(),
            message: String::new(),
            contact: "info@test.se".into(),
            responsible: vec!["Anna Andersson".into(), "Bo Berg".into()],
            office_hours: OfficeHours::default(),
            response_hours: 8,
        };
        out.push(app.create_account(o.id, &new, "test").await.unwrap());
    }
    (o, out)
}

fn user(email: &str, roles: &[Role], grants: &[AccountGrant]) -> NewUser {
    NewUser {
        email: email.into(),
        name: "Anna Andersson".into(),
        function: "kommunikatör".into(),
        roles: roles.to_vec(),
        accounts: grants.to_vec(),
    }
}

fn item(account: AccountId, id: &str, text: &str, hours_ago: i64) -> CaptureItem {
    CaptureItem {
        account_id: account,
        platform_item_id: id.into(),
        kind: ItemKind::Comment,
        direction: Direction::Received,
        parent_platform_id: Some("p1".into()),
        thread_platform_id: Some("p1".into()),
        author_name: format!("Författare {id}"),
        author_platform_id: "u9".into(),
        available_at: Utc::now() - Duration::hours(hours_ago),
        platform_time: None,
        text: text.into(),
        media: vec![],
        raw_blob: None,
        raw_pointer: String::new(),
    }
}

struct World {
    app: App,
    router: Router,
    a: Organisation,
    accounts: Vec<Account>,
    /// [newest on 0, oldest on 0 (with a phone number), on account 1]
    records: Vec<RecordId>,
    post: RecordId,
    b_record: RecordId,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
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
    let (a, accounts) = org(&app, "alfa", 2).await;
    let (b, b_accounts) = org(&app, "beta", 1).await;
    let mut post = item(accounts[0].id, "p1", "Nu öppnar badhuset igen!", 400);
    post.direction = Direction::Created;
    post.kind = ItemKind::Post;
    post.parent_platform_id = None;
    let ids = app
        .store
        .capture(
            a.id,
            &[
                post,
                item(accounts[0].id, "c-new", "När öppnar biblioteket?", 1),
                item(
                    accounts[0].id,
                    "c-old",
                    "Ring mig på 070-123 45 67 om soporna",
                    300,
                ),
                item(accounts[1].id, "c-other", "Fråga till skolan", 2),
            ],
            "test",
        )
        .await
        .unwrap()
        .record_ids;
    app.screen_pending().await.unwrap();
    let b_record = app
        .store
        .capture(
            b.id,
            &[item(b_accounts[0].id, "x1", "Betas fråga", 1)],
            "test",
        )
        .await
        .unwrap()
        .record_ids[0];
    app.create_user(
        a.id,
        &user("komm@alfa.se", &[Role::Communicator], &[]),
        Some(PASSWORD),
        "test",
    )
    .await
    .unwrap();
    let grant = AccountGrant {
        account_id: accounts[0].id,
        access: AccountAccess::Answer,
    };
    app.create_user(
        a.id,
        &user("red@alfa.se", &[Role::Editor], &[grant]),
        Some(PASSWORD),
        "test",
    )
    .await
    .unwrap();
    let router = insyn_web::router(app.clone());
    World {
        app,
        router,
        a,
        accounts,
        records: ids[1..].to_vec(),
        post: ids[0],
        b_record,
        _dir: dir,
    }
}

fn position(body: &str, needle: &str) -> usize {
    body.find(needle)
        .unwrap_or_else(|| panic!("'{needle}' is on the page"))
}

#[tokio::test]
async fn inbox_is_ordered_by_deadline_with_marks_and_findings() {
    let w = world().await;
    let mut b = Browser::new(&w.router);
    b.sign_in("alfa", "komm@alfa.se", PASSWORD).await;
    let p = b.get("/personal/inkorg").await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    // the oldest item (300 hours ago, long overdue) comes first; the post itself is not an item
    let old = position(&p.body, "Författare c-old");
    let new = position(&p.body, "Författare c-new");
    let other = position(&p.body, "Författare c-other");
    assert!(old < other && old < new, "ordered by deadline");
    assert!(!p.body.contains("Nu öppnar badhuset"));
    assert!(p.body.contains("Försenad"), "overdue mark");
    // the phone number is marked with its category, readable without colour
    assert!(
        p.body.contains("<mark data-category=\"phone\""),
        "{}",
        p.body
    );
    assert!(p.body.contains("(Fynd: phone)"));
    // filters: account, category, overdue
    let p = b
        .get(&format!("/personal/inkorg?konto={}", w.accounts[1].id))
        .await;
    assert!(p.body.contains("Fråga till skolan") && !p.body.contains("Författare c-old"));
    let p = b.get("/personal/inkorg?kategori=phone").await;
    assert!(p.body.contains("Författare c-old") && !p.body.contains("Författare c-new"));
    let p = b.get("/personal/inkorg?forsenade=1").await;
    assert!(p.body.contains("Författare c-old") && !p.body.contains("Författare c-new"));
    assert_eq!(
        b.get("/personal/inkorg?konto=abc").await.status,
        StatusCode::BAD_REQUEST
    );
    // the deadline of the newest item is the account's 8 working hours from its arrival
    let page = w
        .app
        .inbox(
            &w.app.users(w.a.id).await.unwrap()[0],
            &insyn_app::InboxFilter::default(),
            Utc::now(),
        )
        .await
        .unwrap();
    let newest = page
        .items
        .iter()
        .find(|i| i.record.id == w.records[0])
        .unwrap();
    let expected = insyn_app::inbox::due_at(
        newest.record.available_at,
        &w.accounts[0],
        &insyn_app::calendar::CalendarRules::default(),
    )
    .unwrap();
    assert_eq!(newest.due_at, expected);
    assert!(page.items.windows(2).all(|p| p[0].due_at <= p[1].due_at));
}

#[tokio::test]
async fn an_editor_sees_only_the_granted_accounts_items() {
    let w = world().await;
    let mut b = Browser::new(&w.router);
    b.sign_in("alfa", "red@alfa.se", PASSWORD).await;
    let p = b.get("/personal/inkorg").await;
    assert!(p.body.contains("Författare c-new"));
    assert!(
        !p.body.contains("Fråga till skolan"),
        "not another account's item"
    );
    assert!(!p.body.contains("Betas"));
    // naming the other account in the filter shows nothing either
    let p = b
        .get(&format!("/personal/inkorg?konto={}", w.accounts[1].id))
        .await;
    assert!(!p.body.contains("Fråga till skolan"));
    // another organisation's record: not found, on the page and on the forms
    assert_eq!(
        b.get(&format!("/personal/poster/{}", w.b_record))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let csrf = p.csrf();
    let r = b
        .post(
            &format!("/personal/poster/{}/svar", w.b_record),
            &[("csrf", &csrf), ("text", "Hej")],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = b
        .post(
            &format!("/personal/poster/{}/hantering", w.b_record),
            &[("csrf", &csrf), ("action", "me")],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // another account of the organisation: refused, nothing written
    let r = b
        .post(
            &format!("/personal/poster/{}/hantering", w.records[2]),
            &[("csrf", &csrf), ("action", "me")],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        w.app
            .store
            .handling(w.a.id, w.records[2])
            .await
            .unwrap()
            .state,
        HandlingState::New
    );
}

#[tokio::test]
async fn new_forms_need_the_csrf_token() {
    let w = world().await;
    let mut b = Browser::new(&w.router);
    b.sign_in("alfa", "komm@alfa.se", PASSWORD).await;
    let id = w.records[0];
    for (path, form) in [
        (
            format!("/personal/poster/{id}/hantering"),
            vec![("action", "me")],
        ),
        (
            format!("/personal/poster/{id}/svar"),
            vec![("text", "Hej! Kl 10.")],
        ),
    ] {
        let r = b.post(&path, &form, &[]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path} without a token");
        let mut bad = form.clone();
        bad.push(("csrf", "fel"));
        let r = b.post(&path, &bad, &[]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path} with a wrong token");
    }
    assert_eq!(
        w.app.store.handling(w.a.id, id).await.unwrap().state,
        HandlingState::New
    );
    assert!(
        w.app
            .record_events(w.a.id, id)
            .await
            .unwrap()
            .iter()
            .all(|e| e.kind != RecordEventKind::HandlingChanged)
    );
}

#[tokio::test]
async fn handling_changes_are_events_and_audit_entries() {
    let w = world().await;
    let mut b = Browser::new(&w.router);
    b.sign_in("alfa", "komm@alfa.se", PASSWORD).await;
    let id = w.records[0];
    let page = b.get(&format!("/personal/poster/{id}")).await;
    assert!(page.body.contains("Svara senast"));
    let csrf = page.csrf();
    let r = b
        .post(
            &format!("/personal/poster/{id}/hantering"),
            &[("csrf", &csrf), ("action", "me")],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let users = w.app.users(w.a.id).await.unwrap();
    let red = users.iter().find(|u| u.email == "red@alfa.se").unwrap();
    let r = b
        .post(
            &format!("/personal/poster/{id}/hantering"),
            &[
                ("csrf", &csrf),
                ("action", "assign"),
                ("assignee", &red.id.to_string()),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // the editor may not answer on account 1: cannot be assigned its item
    let r = b
        .post(
            &format!("/personal/poster/{}/hantering", w.records[2]),
            &[
                ("csrf", &csrf),
                ("action", "assign"),
                ("assignee", &red.id.to_string()),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = b
        .post(
            &format!("/personal/poster/{id}/hantering"),
            &[
                ("csrf", &csrf),
                ("action", "no_answer_needed"),
                ("note", "ett tack"),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // "answered" only by sending an answer
    let r = b
        .post(
            &format!("/personal/poster/{id}/hantering"),
            &[("csrf", &csrf), ("action", "answered")],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let events: Vec<RecordEvent> = w
        .app
        .record_events(w.a.id, id)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == RecordEventKind::HandlingChanged)
        .collect();
    let to: Vec<&str> = events
        .iter()
        .map(|e| e.detail["to"].as_str().unwrap())
        .collect();
    assert_eq!(to, vec!["assigned", "assigned", "no_answer_needed"]);
    assert_eq!(events[1].detail["assignee"], red.id.0);
    assert_eq!(events[2].detail["note"], "ett tack");
    let audit = w.app.store.audit_entries(w.a.id, 0, 10_000).await.unwrap();
    assert_eq!(
        audit.iter().filter(|e| e.action == "record_handling_changed" && e.subject == format!("record:{id}")).count(),
        3
    );
    // out of the default inbox now
    let p = b.get("/personal/inkorg").await;
    assert!(!p.body.contains("Författare c-new"));
    let p = b.get("/personal/inkorg?status=no_answer_needed").await;
    assert!(p.body.contains("Författare c-new"));
}

#[tokio::test]
async fn answering_enforces_the_signature_and_confirms_findings() {
    let w = world().await;
    let mut b = Browser::new(&w.router);
    b.sign_in("alfa", "komm@alfa.se", PASSWORD).await;
    let id = w.records[0];
    let page = b.get(&format!("/personal/poster/{id}")).await;
    assert!(
        page.body.contains("/Anna, kommunikatör"),
        "the signature is shown"
    );
    assert!(page.body.contains("R-HANVISA-KANAL") && page.body.contains("Sparade svar"));
    // the thread context: the post it answers
    assert!(page.body.contains("Nu öppnar badhuset"), "{}", page.body);
    let csrf = page.csrf();
    let path = format!("/personal/poster/{id}/svar");
    // a saved answer fills the form
    let r = b
        .post(&path, &[("csrf", &csrf), ("saved", "R-BEKRAFTA")], &[])
        .await;
    assert!(r.body.contains("Vi tar reda på svaret"));
    // someone else's signature is refused, nothing stored
    let r = b
        .post(
            &path,
            &[("csrf", &csrf), ("text", "Hej! Kl 10.\n/Bertil, chef")],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("/Anna, kommunikatör"));
    // economic advice needs an explicit confirmation
    let advice = "Hej! Du har rätt till bostadsbidrag, och du behöver inte betala avgiften.";
    let r = b
        .post(&path, &[("csrf", &csrf), ("text", advice)], &[])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("economic_advice"), "{}", r.body);
    assert!(r.body.contains("name=\"confirm\""));
    assert_eq!(
        w.app.store.handling(w.a.id, id).await.unwrap().state,
        HandlingState::New
    );
    let created = w
        .app
        .records(
            w.a.id,
            &insyn_app::RecordFilter {
                direction: Some(Direction::Created),
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        created.len(),
        1,
        "only the post: nothing stored before confirmation"
    );
    // confirmed: stored as an upprättad record in the thread, the item answered
    let r = b
        .post(
            &path,
            &[("csrf", &csrf), ("text", advice), ("confirm", "yes")],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains("Publicera det för hand"),
        "Facebook: publishing is manual"
    );
    let h = w.app.store.handling(w.a.id, id).await.unwrap();
    assert_eq!(h.state, HandlingState::Answered);
    let answer = w
        .app
        .store
        .get_record(w.a.id, h.answer.unwrap())
        .await
        .unwrap();
    assert_eq!(answer.direction, Direction::Created);
    assert_eq!(answer.kind, ItemKind::Reply);
    assert_eq!(answer.parent_platform_id.as_deref(), Some("c-new"));
    assert_eq!(answer.thread_platform_id.as_deref(), Some("p1"));
    assert_eq!(answer.text, format!("{advice}\n/Anna, kommunikatör"));
    let events = w.app.record_events(w.a.id, id).await.unwrap();
    let last = events
        .iter()
        .rfind(|e| e.kind == RecordEventKind::HandlingChanged)
        .unwrap();
    assert_eq!(last.detail["to"], "answered");
    assert!(
        last.detail["note"]
            .as_str()
            .unwrap()
            .contains("economic_advice")
    );
    let audit = w.app.store.audit_entries(w.a.id, 0, 10_000).await.unwrap();
    let published: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "answer_published")
        .collect();
    assert_eq!(published.len(), 1);
    assert!(published[0].detail.contains("\"published\":false"));
    // the item's page links the answer; the answer is in the item's thread
    let page = b.get(&format!("/personal/poster/{id}")).await;
    assert!(
        page.body
            .contains(&format!("/personal/poster/{}", answer.id))
    );
    let _ = w.post;
}

#[tokio::test]
async fn an_answer_without_text_is_refused() {
    let w = world().await;
    let mut b = Browser::new(&w.router);
    b.sign_in("alfa", "komm@alfa.se", PASSWORD).await;
    let id = w.records[0];
    let csrf = b.get(&format!("/personal/poster/{id}")).await.csrf();
    let r = b
        .post(
            &format!("/personal/poster/{id}/svar"),
            &[("csrf", &csrf), ("text", "/Anna, kommunikatör")],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        w.app.store.handling(w.a.id, id).await.unwrap().state,
        HandlingState::New
    );
}

/// The inbox keeps its counts, its deadline order and the organisation's lists a moment, checked
/// against the organisation's audit chain: a change written straight to the store (as another
/// process sharing the database would) shows on the next page at once.
#[tokio::test]
async fn kept_inbox_parts_follow_changes_made_elsewhere_at_once() {
    let w = world().await;
    let mut b = Browser::new(&w.router);
    b.sign_in("alfa", "komm@alfa.se", PASSWORD).await;
    let p = b.get("/personal/inkorg").await;
    assert!(p.body.contains("Författare c-old") && p.body.contains("Författare c-new"));
    assert!(p.body.contains("<p>3 inlägg att hantera"), "{}", p.body);
    // handled elsewhere: gone from the next page, and from the count
    w.app
        .store
        .change_handling(
            w.a.id,
            w.records[1],
            &HandlingChange {
                state: HandlingState::NoAnswerNeeded,
                assignee: None,
                answer: None,
                note: "i en annan process".into(),
            },
            "test",
        )
        .await
        .unwrap();
    let p = b.get("/personal/inkorg").await;
    assert!(!p.body.contains("Författare c-old"), "{}", p.body);
    assert!(p.body.contains("Författare c-new"));
    assert!(p.body.contains("<p>2 inlägg att hantera"), "{}", p.body);
    // captured elsewhere: on the next page at once
    w.app
        .store
        .capture(
            w.a.id,
            &[item(
                w.accounts[0].id,
                "c-elsewhere",
                "Hur söker jag bygglov?",
                500,
            )],
            "test",
        )
        .await
        .unwrap();
    let p = b.get("/personal/inkorg").await;
    assert!(p.body.contains("Författare c-elsewhere"), "{}", p.body);
    assert!(p.body.contains("<p>3 inlägg att hantera"), "{}", p.body);
    // an account opened elsewhere: in the account filter at once
    let unit = w.accounts[0].unit_id;
    let mut new = NewAccount {
        unit_id: unit,
        platform: Platform::Mastodon,
        handle: "alfa-ny-kanal".into(),
        url: "https://mastodon.example/@alfa".into(),
        platform_id: "77".into(),
        purpose: "Information".into(),
        target_group: "Invånare".into(),
        message: String::new(),
        contact: "info@test.se".into(),
        responsible: vec!["Anna Andersson".into(), "Bo Berg".into()],
        office_hours: OfficeHours::default(),
        response_hours: 8,
    };
    w.app
        .store
        .create_account(w.a.id, &new, "test")
        .await
        .unwrap();
    let p = b.get("/personal/inkorg").await;
    assert!(p.body.contains("alfa-ny-kanal"), "{}", p.body);
    // another organisation's change does not touch this one's view, nor show in it
    let beta = w.app.store.organisation_by_slug("beta").await.unwrap();
    let beta_unit = w.app.units(beta.id).await.unwrap()[0].id;
    new.unit_id = beta_unit;
    new.handle = "beta-hemlig-kanal".into();
    w.app
        .store
        .create_account(beta.id, &new, "test")
        .await
        .unwrap();
    let p = b.get("/personal/inkorg").await;
    assert!(!p.body.contains("beta-hemlig-kanal"));
}
