//! The rest of the staff side (issue 5), in-process on a real SQLite store: the registers page
//! (add, close, the number format with its preview, the registrar's address; refused for an
//! editor), the calendar page (extra days off with a note beside the year's holidays; the
//! inbox's deadline moves at once), the JSON inbox `GET /api/v1/inbox` (bearer token and
//! session, filters, cursor, another organisation's token, an editor without the account, bad
//! filters → 400) and staff times in Europe/Stockholm.
mod common;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{DateTime, TimeZone, Utc};
use common::Browser;
use insyn_app::{App, AppConfig, S3Settings, SearchBackend};
use insyn_domain::*;
use serde_json::Value;
use tower::ServiceExt;

const PASSWORD: &str = "rätt häst batteri 42";

struct World {
    app: App,
    router: Router,
    a: Organisation,
    acc1: Account,
    acc2: Account,
    /// on acc1: 12:00 UTC on 1 July 2026; on acc2: Thursday 18 June 2026 15:30 Stockholm
    rec_july: RecordId,
    rec_june: RecordId,
    token_a: String,
    token_b: String,
    _dir: tempfile::TempDir,
}

async fn org(app: &App, slug: &str) -> (Organisation, Unit, Account, Account) {
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
                email: Some("komm@test.se".into()),
            },
            "test",
        )
        .await
        .unwrap();
    let mut accounts = Vec::new();
    for n in 1..=2 {
        accounts.push(
            app.create_account(
                o.id,
                &NewAccount {
                    unit_id: u.id,
                    platform: Platform::Facebook,
                    handle: format!("{slug}-konto{n}"),
                    url: format!("https://facebook.com/{slug}{n}"),
                    platform_id: n.to_string(),
                    purpose: "Information".into(),
                    target_group: "Invånare".into(),
                    message: String::new(),
                    contact: "info@test.se".into(),
                    responsible: vec!["Anna Andersson".into(), "Bo Berg".into()],
                    office_hours: OfficeHours::default(),
                    response_hours: 8,
                },
                "test",
            )
            .await
            .unwrap(),
        );
    }
    let acc2 = accounts.pop().unwrap();
    let acc1 = accounts.pop().unwrap();
    (o, u, acc1, acc2)
}

fn item(account: AccountId, id: &str, at: DateTime<Utc>, text: &str) -> CaptureItem {
    CaptureItem {
        account_id: account,
        platform_item_id: id.into(),
        kind: ItemKind::Comment,
        direction: Direction::Received,
        parent_platform_id: Some("p1".into()),
        thread_platform_id: Some("p1".into()),
        author_name: format!("Författare {id}"),
        author_platform_id: "u9".into(),
        available_at: at,
        platform_time: None,
        text: text.into(),
        media: vec![],
        raw_blob: None,
        raw_pointer: String::new(),
    }
}

fn user(email: &str, roles: &[Role], accounts: Vec<AccountGrant>) -> NewUser {
    NewUser {
        email: email.into(),
        name: "Sam Staff".into(),
        function: "handläggare".into(),
        roles: roles.to_vec(),
        accounts,
    }
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
    let (a, _, acc1, acc2) = org(&app, "alfa").await;
    let (b, _, b_acc, _) = org(&app, "beta").await;
    let july = Utc.with_ymd_and_hms(2026, 7, 1, 12, 0, 0).unwrap();
    // Thursday 18 June 2026 15:30 in Stockholm (summer time)
    let june = Utc.with_ymd_and_hms(2026, 6, 18, 13, 30, 0).unwrap();
    let ids = app
        .store
        .capture(
            a.id,
            &[
                item(acc1.id, "c1", july, "Fråga om badhuset"),
                item(
                    acc2.id,
                    "c2",
                    june,
                    "Fråga om biblioteket, ring 070-123 45 67",
                ),
            ],
            "test",
        )
        .await
        .unwrap()
        .record_ids;
    app.store
        .capture(b.id, &[item(b_acc.id, "x1", july, "Betas fråga")], "test")
        .await
        .unwrap();
    app.screen_pending().await.unwrap();
    let grants = |acc: AccountId| {
        vec![AccountGrant {
            account_id: acc,
            access: AccountAccess::Answer,
        }]
    };
    for (email, roles, accounts) in [
        ("reg@alfa.se", vec![Role::Registrar], vec![]),
        ("admin@alfa.se", vec![Role::Administrator], vec![]),
        ("komm@alfa.se", vec![Role::Communicator], vec![]),
        ("red@alfa.se", vec![Role::Editor], grants(acc1.id)),
    ] {
        app.create_user(a.id, &user(email, &roles, accounts), Some(PASSWORD), "test")
            .await
            .unwrap();
    }
    let token_a = app.create_api_token(a.id, "test", "test").await.unwrap();
    let token_b = app.create_api_token(b.id, "test", "test").await.unwrap();
    let router = insyn_web::router(app.clone());
    World {
        app,
        router,
        a,
        acc1,
        acc2,
        rec_july: ids[0],
        rec_june: ids[1],
        token_a,
        token_b,
        _dir: dir,
    }
}

async fn api(router: &Router, path: &str, token: &str) -> (StatusCode, Value) {
    let resp = router
        .clone()
        .oneshot(
            Request::get(path)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn ids(v: &Value) -> Vec<i64> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["record_id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn registers_can_be_added_closed_and_the_format_previewed_and_set() {
    let w = world().await;
    let mut b = Browser::new(&w.router);
    b.sign_in("alfa", "reg@alfa.se", PASSWORD).await;
    let page = b.get("/personal/diarieserier").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("Organisationens huvudserie"),
        "{}",
        page.body
    );
    let year = chrono::Datelike::year(&Utc::now());
    assert!(
        page.body.contains(&format!("KS {year}/0001")),
        "the next number: {}",
        page.body
    );
    let csrf = page.csrf();
    // add BUN
    let r = b
        .post(
            "/personal/diarieserier",
            &[
                ("csrf", &csrf),
                ("code", "bun"),
                ("name", "Barn- och utbildning"),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = b.get("/personal/diarieserier?lang=sv").await;
    assert!(page.body.contains("BUN") && page.body.contains("Barn- och utbildning"));
    // a bad code and a duplicate: the page again with the reason
    let r = b
        .post(
            "/personal/diarieserier",
            &[("csrf", &csrf), ("code", "B1!"), ("name", "X")],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("role=\"alert\""));
    let r = b
        .post(
            "/personal/diarieserier",
            &[("csrf", &csrf), ("code", "BUN"), ("name", "Igen")],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("finns redan"), "{}", r.body);
    // close BUN: no new cases in it; the default cannot be closed
    let r = b
        .post(
            "/personal/diarieserier/BUN/avsluta",
            &[("csrf", &csrf)],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(
        b.get("/personal/diarieserier")
            .await
            .body
            .contains("Avslutad")
    );
    let r = b
        .post("/personal/diarieserier/KS/avsluta", &[("csrf", &csrf)], &[])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let refused = w
        .app
        .register_record(
            w.a.id,
            &NewRegistration {
                record_id: w.rec_july,
                target: RegistrationTarget::NewCase(NewCase {
                    register: Some("BUN".into()),
                    title: "Ett ärende".into(),
                    unit_id: None,
                    manual_number: None,
                }),
                description: String::new(),
                counterpart: None,
            },
            "test",
        )
        .await;
    assert!(refused.is_err(), "a closed register took a case");
    // the format: preview shows the next number without saving; a format without {seq} is refused
    let r = b
        .post(
            "/personal/diarieserier/format",
            &[
                ("csrf", &csrf),
                ("format", "{year}-{register}-{seq:03}"),
                ("action", "preview"),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(&format!("{year}-KS-001")), "{}", r.body);
    assert_eq!(
        w.app
            .diary_settings(w.a.id)
            .await
            .unwrap()
            .format
            .template(),
        "{register} {year}/{seq:04}"
    );
    let r = b
        .post(
            "/personal/diarieserier/format",
            &[
                ("csrf", &csrf),
                ("format", "{register} {year}"),
                ("action", "save"),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("{seq}"),
        "the reason names the missing field: {}",
        r.body
    );
    let r = b
        .post(
            "/personal/diarieserier/format",
            &[
                ("csrf", &csrf),
                ("format", "{year}-{register}-{seq:03}"),
                ("action", "save"),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        w.app.preview_next_number(w.a.id, None).await.unwrap(),
        format!("{year}-KS-001")
    );
    // the registrar's address: checked, then kept
    let r = b
        .post(
            "/personal/diarieserier/registrator",
            &[("csrf", &csrf), ("email", "inte en adress")],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = b
        .post(
            "/personal/diarieserier/registrator",
            &[("csrf", &csrf), ("email", "Registrator@Alfa.se")],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        w.app.registrar_email(w.a.id).await.unwrap().as_deref(),
        Some("registrator@alfa.se")
    );
    // without the CSRF token: refused, nothing written
    let r = b
        .post(
            "/personal/diarieserier",
            &[("code", "SOC"), ("name", "Socialnämnden")],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        !w.app
            .diary_registers(w.a.id)
            .await
            .unwrap()
            .iter()
            .any(|r| r.code == "SOC")
    );
    // an editor may not see or use the page
    let mut e = Browser::new(&w.router);
    e.sign_in("alfa", "red@alfa.se", PASSWORD).await;
    assert_eq!(
        e.get("/personal/diarieserier").await.status,
        StatusCode::FORBIDDEN
    );
    let csrf = e.get("/personal").await.csrf();
    let r = e
        .post(
            "/personal/diarieserier",
            &[("csrf", &csrf), ("code", "SOC"), ("name", "Socialnämnden")],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn extra_days_off_move_the_inbox_deadline_at_once() {
    let w = world().await;
    let due = |v: &Value, id: RecordId| -> String {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["record_id"] == id.0)
            .map(|i| i["due_at"].as_str().unwrap().to_string())
            .expect("the item is in the inbox")
    };
    let (s, before) = api(&w.router, "/api/v1/inbox", &w.token_a).await;
    assert_eq!(s, StatusCode::OK, "{before}");
    let before = due(&before, w.rec_june);
    let before_t = DateTime::parse_from_rfc3339(&before).unwrap();
    let due_day = before_t
        .with_timezone(&chrono_tz::Europe::Stockholm)
        .date_naive();
    let mut b = Browser::new(&w.router);
    b.sign_in("alfa", "admin@alfa.se", PASSWORD).await;
    let page = b.get("/personal/kalender?ar=2026").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for holiday in ["Midsommarafton", "Juldagen", "Långfredagen", "2026-06-19"] {
        assert!(page.body.contains(holiday), "{holiday}: {}", page.body);
    }
    let csrf = page.csrf();
    let r = b
        .post(
            "/personal/kalender",
            &[
                ("csrf", &csrf),
                ("date", &due_day.to_string()),
                ("note", "Klämdag efter midsommar"),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = b.get("/personal/kalender?ar=2026").await;
    assert!(
        page.body.contains("Klämdag efter midsommar"),
        "{}",
        page.body
    );
    // the deadline moved to the next working day, same time
    let (_, after) = api(&w.router, "/api/v1/inbox", &w.token_a).await;
    let after_t = DateTime::parse_from_rfc3339(&due(&after, w.rec_june)).unwrap();
    assert_eq!(
        after_t - before_t,
        chrono::Duration::days(1),
        "{before} → {after_t}"
    );
    // bad input: the page with the reason, nothing changed
    let r = b
        .post(
            "/personal/kalender",
            &[("csrf", &csrf), ("date", "2026-13-40"), ("note", "")],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("2026-13-40"), "{}", r.body);
    let r = b
        .post(
            "/personal/kalender/2026-05-15/ta-bort",
            &[("csrf", &csrf)],
            &[],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "not an extra day: {}",
        r.body
    );
    assert_eq!(
        b.get("/personal/kalender?ar=abc").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // removed: the deadline is back
    let r = b
        .post(
            &format!("/personal/kalender/{due_day}/ta-bort"),
            &[("csrf", &csrf)],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (_, again) = api(&w.router, "/api/v1/inbox", &w.token_a).await;
    assert_eq!(due(&again, w.rec_june), before);
    // only administrators
    let mut r = Browser::new(&w.router);
    r.sign_in("alfa", "reg@alfa.se", PASSWORD).await;
    assert_eq!(
        r.get("/personal/kalender").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_inbox_api_follows_tokens_permissions_and_filters() {
    let w = world().await;
    // the organisation's token: both open items, soonest deadline first
    let (s, v) = api(&w.router, "/api/v1/inbox", &w.token_a).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(ids(&v), vec![w.rec_june.0, w.rec_july.0], "{v}");
    assert_eq!(v["total"], 2);
    assert!(v.get("next_cursor").is_none());
    // another organisation's token sees none of them
    let (s, v) = api(&w.router, "/api/v1/inbox", &w.token_b).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        !ids(&v).contains(&w.rec_june.0) && !ids(&v).contains(&w.rec_july.0),
        "{v}"
    );
    let (s, v) = api(
        &w.router,
        &format!("/api/v1/inbox?account={}", w.acc1.id),
        &w.token_b,
    )
    .await;
    assert_eq!((s, ids(&v)), (StatusCode::OK, vec![]), "{v}");
    // no or a wrong token
    let (s, _) = api(&w.router, "/api/v1/inbox", "wrong").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let resp = w
        .router
        .clone()
        .oneshot(Request::get("/api/v1/inbox").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    // filters
    let (_, v) = api(
        &w.router,
        &format!("/api/v1/inbox?account={}", w.acc2.id),
        &w.token_a,
    )
    .await;
    assert_eq!(ids(&v), vec![w.rec_june.0]);
    let (_, v) = api(&w.router, "/api/v1/inbox?findings=phone", &w.token_a).await;
    assert_eq!(ids(&v), vec![w.rec_june.0], "{v}");
    assert_eq!(v["items"][0]["findings"][0], "phone");
    let (_, v) = api(&w.router, "/api/v1/inbox?overdue=true", &w.token_a).await;
    assert_eq!(ids(&v).len(), 2, "both are long overdue: {v}");
    let (_, v) = api(&w.router, "/api/v1/inbox?assigned=1", &w.token_a).await;
    assert!(ids(&v).is_empty(), "{v}");
    for bad in [
        "account=abc",
        "unit=-1",
        "overdue=maybe",
        "findings=nonsense",
        "cursor=xyz",
        "assigned=me",
    ] {
        let (s, v) = api(&w.router, &format!("/api/v1/inbox?{bad}"), &w.token_a).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}: {v}");
        assert!(
            v["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{bad}: {v}"
        );
        assert_eq!(v["error"], "invalid", "{bad}");
    }
    // answered items are left out
    w.app
        .store
        .capture(
            w.a.id,
            &(0..30)
                .map(|n| {
                    item(
                        w.acc1.id,
                        &format!("m{n}"),
                        Utc.with_ymd_and_hms(2026, 8, 1, 9, n, 0).unwrap(),
                        "Hej",
                    )
                })
                .collect::<Vec<_>>(),
            "test",
        )
        .await
        .unwrap();
    // paging by cursor: 25, then the rest, no repeats
    let (_, first) = api(&w.router, "/api/v1/inbox", &w.token_a).await;
    assert_eq!(ids(&first).len(), 25);
    assert_eq!(first["total"], 32);
    let cursor = first["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_string();
    let (s, second) = api(
        &w.router,
        &format!("/api/v1/inbox?cursor={cursor}"),
        &w.token_a,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(ids(&second).len(), 7);
    assert!(second.get("next_cursor").is_none());
    let mut all = ids(&first);
    all.extend(ids(&second));
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 32);
    // the session of an editor granted only acc1: acc2's item is not there
    let mut e = Browser::new(&w.router);
    e.sign_in("alfa", "red@alfa.se", PASSWORD).await;
    let page = e.get("/api/v1/inbox").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let v: Value = serde_json::from_str(&page.body).unwrap();
    assert!(!ids(&v).contains(&w.rec_june.0), "{v}");
    assert!(ids(&v).contains(&w.rec_july.0), "{v}");
    let page = e.get(&format!("/api/v1/inbox?account={}", w.acc2.id)).await;
    let v: Value = serde_json::from_str(&page.body).unwrap();
    assert!(ids(&v).is_empty(), "{v}");
    // assigned=me for a session
    let csrf = e
        .get(&format!("/personal/poster/{}", w.rec_july))
        .await
        .csrf();
    let r = e
        .post(
            &format!("/personal/poster/{}/hantering", w.rec_july),
            &[("csrf", &csrf), ("action", "me"), ("note", "")],
            &[],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.body);
    let v: Value = serde_json::from_str(&e.get("/api/v1/inbox?assigned=me").await.body).unwrap();
    assert_eq!(ids(&v), vec![w.rec_july.0], "{v}");
    // an item no longer open is left out
    let r = e
        .post(
            &format!("/personal/poster/{}/hantering", w.rec_july),
            &[
                ("csrf", &csrf),
                ("action", "no_answer_needed"),
                ("note", ""),
            ],
            &[],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.body);
    let (_, v) = api(&w.router, "/api/v1/inbox", &w.token_a).await;
    assert!(!ids(&v).contains(&w.rec_july.0), "{v}");
}

#[tokio::test]
async fn staff_pages_show_stockholm_time() {
    let w = world().await;
    let mut b = Browser::new(&w.router);
    b.sign_in("alfa", "komm@alfa.se", PASSWORD).await;
    // 12:00 UTC on 1 July is 14:00 in Stockholm (summer time)
    let page = b
        .get(&format!("/personal/inkorg?konto={}", w.acc1.id))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("2026-07-01 14:00"), "{}", page.body);
    assert!(!page.body.contains("12:00 UTC"), "{}", page.body);
    let page = b.get(&format!("/personal/poster/{}", w.rec_july)).await;
    assert!(page.body.contains("2026-07-01 14:00"), "{}", page.body);
}

#[tokio::test]
async fn follow_up_counts_answers_in_working_hours_per_account_and_as_csv() {
    let w = world().await;
    // a new item on account 1, answered at once (in time); the July item answered months late;
    // the June item on account 2 left open past its deadline
    let now_id = w
        .app
        .store
        .capture(
            w.a.id,
            &[item(w.acc1.id, "c-nu", Utc::now(), "Ny fråga om badhuset")],
            "test",
        )
        .await
        .unwrap()
        .record_ids[0];
    let mut b = Browser::new(&w.router);
    b.sign_in("alfa", "komm@alfa.se", PASSWORD).await;
    let mut ed = Browser::new(&w.router);
    ed.sign_in("alfa", "red@alfa.se", PASSWORD).await;
    let csrf = ed.get("/personal/inkorg").await.csrf();
    for id in [now_id, w.rec_july] {
        let r = ed
            .post(
                &format!("/personal/poster/{id}/svar"),
                &[("csrf", &csrf), ("text", "Hej! Vi återkommer med svar.")],
                &[],
            )
            .await;
        assert!(
            r.status.is_success() || r.status.is_redirection(),
            "{}",
            r.body
        );
    }
    let today = insyn_calendar::local_date(Utc::now());
    let path = format!("/personal/uppfoljning?fran=2026-06-01&till={today}");
    let page = b.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let row = |body: &str, name: &str| -> String {
        let at = body
            .find(&format!("<th scope=\"row\">{name}"))
            .unwrap_or_else(|| panic!("no row {name}: {body}"));
        body[at..body[at..].find("</tr>").unwrap() + at].to_string()
    };
    // account 1: 2 received, 2 answered, 1 in time, 50 %
    let r1 = row(&page.body, "alfa-konto1 (Facebook)");
    assert!(
        r1.contains("<td>8</td><td>2</td><td>2</td><td>1</td><td>0</td>"),
        "{r1}"
    );
    assert!(r1.contains("50 %"), "{r1}");
    // account 2: the June item open and late, 0 %
    let r2 = row(&page.body, "alfa-konto2 (Facebook)");
    assert!(
        r2.contains("<td>8</td><td>1</td><td>0</td><td>0</td><td>1</td>"),
        "{r2}"
    );
    assert!(r2.contains("0 %"), "{r2}");
    // the unit and the total: 1 in time of 2 answered + 1 late
    assert!(row(&page.body, "Kommunikation").contains("33 %"));
    assert!(row(&page.body, "Alla konton").contains("33 %"));
    assert!(page.body.contains("<svg class=\"chart\" role=\"img\""));
    assert!(!page.body.contains("beta-konto"), "another organisation");

    // the editor sees only the account they were given
    let mine = ed.get(&path).await;
    assert!(mine.body.contains("alfa-konto1"));
    assert!(!mine.body.contains("alfa-konto2"), "{}", mine.body);

    // CSV: a BOM, a header, one line per account and unit and the total
    let csv = b
        .get(&format!(
            "/personal/uppfoljning.csv?fran=2026-06-01&till={today}"
        ))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    let text = csv.body.trim_start_matches('\u{feff}');
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("nivå;namn;inkomna;besvarade"),
        "{text}"
    );
    assert_eq!(lines.len(), 1 + 2 + 1 + 1, "{text}");
    assert!(
        lines[1].starts_with("konto;\"alfa-konto1 (Facebook)\";2;2;1;0;0;0;"),
        "{text}"
    );

    // bad input: a date that is not one, a period backwards
    let bad = b.get("/personal/uppfoljning?fran=igår").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("inget datum"), "{}", bad.body);
    let back = b
        .get("/personal/uppfoljning.csv?fran=2026-07-01&till=2026-06-01")
        .await;
    assert_eq!(back.status, StatusCode::BAD_REQUEST);
    // signed out: no figures
    let anon = Browser::new(&w.router).get(&path).await;
    assert!(!anon.body.contains("alfa-konto1"));
}
