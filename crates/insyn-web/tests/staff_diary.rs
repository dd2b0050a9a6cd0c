//! The diary in the staff web (issue 5 item 5) and diary numbers on public copies (issue 6),
//! in-process on a real SQLite store: "Registrera" on a record (new case, existing case typed as
//! people type it), a manual number that collides, an unknown case, another organisation's
//! record, roles and CSRF; the registrar's view and search, the case page with the outbox's
//! state ("Köad — försöker igen kl ..."), the JSON and PDF exports; the number on the portal's
//! record page, its print view and its PDF copy.
mod common;
use axum::Router;
use axum::http::StatusCode;
use chrono::{Datelike, Duration, Utc};
use common::Browser;
use insyn_app::{App, AppConfig, MailFilter, S3Settings, SearchBackend};
use insyn_domain::*;

const PASSWORD: &str = "rätt häst batteri 42";

struct World {
    app: App,
    router: Router,
    a: Organisation,
    records: Vec<RecordId>,
    b_record: RecordId,
    _dir: tempfile::TempDir,
}

async fn org(app: &App, slug: &str) -> (Organisation, Account) {
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
                name: "Samhällsbyggnad".into(),
                email: Some("sbf@test.se".into()),
            },
            "test",
        )
        .await
        .unwrap();
    let a = app
        .create_account(
            o.id,
            &NewAccount {
                unit_id: u.id,
                platform: Platform::Facebook,
                handle: format!("{slug}-konto"),
                url: format!("https://facebook.com/{slug}"),
                platform_id: "1".into(),
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
        .unwrap();
    (o, a)
}

fn item(account: AccountId, id: &str, text: &str) -> CaptureItem {
    CaptureItem {
        account_id: account,
        platform_item_id: id.into(),
        kind: ItemKind::Comment,
        direction: Direction::Received,
        parent_platform_id: Some("p1".into()),
        thread_platform_id: Some("p1".into()),
        author_name: format!("Författare {id}"),
        author_platform_id: "u9".into(),
        available_at: Utc::now() - Duration::hours(2),
        platform_time: None,
        text: text.into(),
        media: vec![],
        raw_blob: None,
        raw_pointer: String::new(),
    }
}

fn user(email: &str, roles: &[Role]) -> NewUser {
    NewUser {
        email: email.into(),
        name: "Rut Registrator".into(),
        function: "registrator".into(),
        roles: roles.to_vec(),
        accounts: vec![],
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
    // a mail server that is down: the outbox keeps the message and says when it tries again
    let dead = insyn_testkit::smtp::free_port();
    let app = app
        .with_smtp(&insyn_app::SmtpSettings {
            host: "127.0.0.1".into(),
            port: dead,
            tls: insyn_app::SmtpTls::None,
            from: "noreply@test.se".into(),
            user: None,
            password: None,
            timeout_secs: 2,
        })
        .unwrap();
    let (a, acc) = org(&app, "alfa").await;
    let (b, b_acc) = org(&app, "beta").await;
    let records = app
        .store
        .capture(
            a.id,
            &[
                item(acc.id, "c1", "Klagomål på snöröjningen på Storgatan"),
                item(acc.id, "c2", "Komplettering: bilder på snövallen"),
                item(acc.id, "c3", "En tredje synpunkt"),
            ],
            "test",
        )
        .await
        .unwrap()
        .record_ids;
    let b_record = app
        .store
        .capture(b.id, &[item(b_acc.id, "x1", "Betas ärende")], "test")
        .await
        .unwrap()
        .record_ids[0];
    for (email, roles) in [
        ("reg@alfa.se", vec![Role::Registrar]),
        ("komm@alfa.se", vec![Role::Communicator]),
    ] {
        app.create_user(a.id, &user(email, &roles), Some(PASSWORD), "test")
            .await
            .unwrap();
    }
    app.create_user(
        b.id,
        &user("reg@beta.se", &[Role::Registrar]),
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
        records,
        b_record,
        _dir: dir,
    }
}

fn case_id(location: &Option<String>) -> i64 {
    let l = location.as_deref().expect("a redirect");
    let rest = l
        .strip_prefix("/personal/diarium/")
        .expect("to the case page");
    rest.split('?').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_registrar_registers_records_and_finds_the_case() {
    let w = world().await;
    let y = Utc::now().year();
    let mut b = Browser::new(&w.router);
    b.sign_in("alfa", "reg@alfa.se", PASSWORD).await;
    let page = b.get(&format!("/personal/poster/{}", w.records[0])).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Registrera i diariet"), "{}", page.body);
    let csrf = page.csrf();
    let r = b
        .post(
            &format!("/personal/poster/{}/registrera", w.records[0]),
            &[
                ("csrf", &csrf),
                ("mal", "ny"),
                ("rubrik", "Klagomål på snöröjning"),
                ("serie", "KS"),
                ("beskrivning", "Klagomål via Facebook"),
                ("motpart", "Privatperson"),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = case_id(&r.location);
    let case = b
        .get(&format!("/personal/diarium/{id}?registrerad=1"))
        .await;
    assert_eq!(case.status, StatusCode::OK);
    let number = format!("KS {y}/0001");
    assert!(case.body.contains(&number), "{}", case.body);
    assert!(case.body.contains(&format!("{number}-1")));
    assert!(case.body.contains("Handlingen är registrerad."));
    assert!(
        case.body
            .contains(&format!("/personal/poster/{}", w.records[0]))
    );
    // the record page now names its registration and offers no second one
    let page = b.get(&format!("/personal/poster/{}", w.records[0])).await;
    assert!(page.body.contains(&format!("{number}-1")));
    assert!(!page.body.contains("Registrera i diariet"));
    // a second record into the existing case, typed the way people type it
    let r = b
        .post(
            &format!("/personal/poster/{}/registrera", w.records[1]),
            &[
                ("csrf", &csrf),
                ("mal", "befintligt"),
                ("arende", &format!("ks {y}-1")),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(case_id(&r.location), id);
    // the registrar's view: by number, by title, by year and register
    for q in [format!("KS {y}/1"), "snöröjning".to_string()] {
        let url = format!(
            "/personal/diarium?q={}",
            url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
        );
        let list = b.get(&url).await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.body.contains(&number), "{q}: {}", list.body);
    }
    let none = b.get("/personal/diarium?q=badhuset").await;
    assert!(!none.body.contains(&number));
    let old = b.get(&format!("/personal/diarium?ar={}", y - 1)).await;
    assert!(!old.body.contains(&number));
    assert_eq!(
        b.get("/personal/diarium?ar=tjugo").await.status,
        StatusCode::BAD_REQUEST
    );
    // English too
    let en = b.get(&format!("/personal/diarium/{id}?lang=en")).await;
    assert!(en.body.contains("Documents"), "{}", en.body);
    // the file for a case system and the PDF copy
    let json = b.get(&format!("/personal/diarium/{id}/export.json")).await;
    assert_eq!(json.status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    assert_eq!(v["case"]["number"], number);
    assert_eq!(v["documents"].as_array().unwrap().len(), 2);
    assert_eq!(v["documents"][1]["number"], format!("{number}-2"));
    let pdf = b
        .send(
            axum::http::Request::get(format!("/personal/diarium/{id}/handlingar/1/kopia.pdf")),
            axum::body::Body::empty(),
        )
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.headers["content-type"], "application/pdf");
}

#[tokio::test]
async fn bad_registrations_are_refused_with_a_clear_message() {
    let w = world().await;
    let y = Utc::now().year();
    let mut b = Browser::new(&w.router);
    b.sign_in("alfa", "reg@alfa.se", PASSWORD).await;
    let csrf = b.get("/personal/diarium").await.csrf();
    let reg = |rec: RecordId| format!("/personal/poster/{rec}/registrera");
    let first = b
        .post(
            &reg(w.records[0]),
            &[("csrf", &csrf), ("mal", "ny"), ("rubrik", "Ett")],
            &[],
        )
        .await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    // a manual number that collides
    let taken = format!("KS {y}/0001");
    let r = b
        .post(
            &reg(w.records[1]),
            &[
                ("csrf", &csrf),
                ("mal", "ny"),
                ("rubrik", "Två"),
                ("manuellt", &taken),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("finns redan"), "{}", r.body);
    // an unknown case
    let r = b
        .post(
            &reg(w.records[1]),
            &[
                ("csrf", &csrf),
                ("mal", "befintligt"),
                ("arende", &format!("KS {y}/0099")),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    // a number nobody can read, and no title
    let r = b
        .post(
            &reg(w.records[1]),
            &[
                ("csrf", &csrf),
                ("mal", "befintligt"),
                ("arende", "ärende tolv"),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = b
        .post(&reg(w.records[1]), &[("csrf", &csrf), ("mal", "ny")], &[])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    // registering the same record twice
    let r = b
        .post(
            &reg(w.records[0]),
            &[("csrf", &csrf), ("mal", "ny"), ("rubrik", "Igen")],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // another organisation's record
    let r = b
        .post(
            &reg(w.b_record),
            &[("csrf", &csrf), ("mal", "ny"), ("rubrik", "Fel")],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    // without the CSRF token
    let r = b
        .post(
            &reg(w.records[2]),
            &[("mal", "ny"), ("rubrik", "Utan token")],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // nothing of the refused attempts was registered
    let regs = w.app.registrations(w.a.id, &w.records).await.unwrap();
    assert_eq!(regs.len(), 1);
}

#[tokio::test]
async fn roles_and_organisations_are_walls() {
    let w = world().await;
    let (case, _) = w
        .app
        .register_record(
            w.a.id,
            &NewRegistration {
                record_id: w.records[0],
                target: RegistrationTarget::NewCase(NewCase {
                    title: "Hemligt ärende".into(),
                    ..Default::default()
                }),
                description: String::new(),
                counterpart: None,
            },
            "test",
        )
        .await
        .unwrap();
    // a communicator reads the diary but may not register or export
    let mut k = Browser::new(&w.router);
    k.sign_in("alfa", "komm@alfa.se", PASSWORD).await;
    assert_eq!(k.get("/personal/diarium").await.status, StatusCode::OK);
    let page = k.get(&format!("/personal/poster/{}", w.records[1])).await;
    assert!(!page.body.contains("Registrera i diariet"));
    let csrf = page.csrf();
    let r = k
        .post(
            &format!("/personal/poster/{}/registrera", w.records[1]),
            &[("csrf", &csrf), ("mal", "ny"), ("rubrik", "Försök")],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        k.get(&format!("/personal/diarium/{}/export.json", case.id))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // the other organisation's registrar sees nothing of it
    let mut o = Browser::new(&w.router);
    o.sign_in("beta", "reg@beta.se", PASSWORD).await;
    let list = o.get("/personal/diarium?q=Hemligt").await;
    assert!(!list.body.contains("Hemligt ärende"));
    for path in [
        format!("/personal/diarium/{}", case.id),
        format!("/personal/diarium/{}/export.json", case.id),
        format!("/personal/diarium/{}/handlingar/1/kopia.pdf", case.id),
    ] {
        assert_eq!(o.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    // signed out: to the sign-in page
    let mut anon = Browser::new(&w.router);
    let r = anon.get("/personal/diarium").await;
    assert!(r.status.is_redirection(), "{:?}", r.status);
}

#[tokio::test]
async fn an_email_that_cannot_be_sent_is_shown_as_queued_with_the_next_attempt() {
    let w = world().await;
    let mut b = Browser::new(&w.router);
    b.sign_in("alfa", "reg@alfa.se", PASSWORD).await;
    let (case, _) = w
        .app
        .register_record(
            w.a.id,
            &NewRegistration {
                record_id: w.records[0],
                target: RegistrationTarget::NewCase(NewCase {
                    title: "Till enheten".into(),
                    unit_id: Some(w.app.units(w.a.id).await.unwrap()[0].id),
                    ..Default::default()
                }),
                description: String::new(),
                counterpart: None,
            },
            "test",
        )
        .await
        .unwrap();
    let page = b.get(&format!("/personal/diarium/{}", case.id)).await;
    assert!(
        page.body.contains("sbf@test.se"),
        "the unit's address is offered"
    );
    let csrf = page.csrf();
    // a bad address typed is refused on the page
    let r = b
        .post(
            &format!("/personal/diarium/{}/epost", case.id),
            &[("csrf", &csrf), ("till", "inte en adress")],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = b
        .post(
            &format!("/personal/diarium/{}/epost", case.id),
            &[("csrf", &csrf), ("till", "")],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // the sender tries; the server is down
    let report = w.app.send_due_mail(Utc::now()).await.unwrap();
    assert_eq!(report.retrying, 1);
    let page = b.get(&format!("/personal/diarium/{}", case.id)).await;
    assert!(
        page.body.contains("Köad — försöker igen kl"),
        "{}",
        page.body
    );
    assert!(page.body.contains("sbf@test.se"));
    let m = &w
        .app
        .mail_outbox(w.a.id, &MailFilter::default())
        .await
        .unwrap()[0];
    assert_eq!(m.state, MailState::Queued);
    assert_eq!(m.attachments.len(), 2, "the JSON and the PDF copy");
}

#[tokio::test]
async fn public_copies_show_the_diary_number() {
    let w = world().await;
    let (_, doc) = w
        .app
        .register_record(
            w.a.id,
            &NewRegistration {
                record_id: w.records[0],
                target: RegistrationTarget::NewCase(NewCase {
                    title: "Snöröjning".into(),
                    ..Default::default()
                }),
                description: String::new(),
                counterpart: None,
            },
            "test",
        )
        .await
        .unwrap();
    for id in [w.records[0], w.records[2]] {
        w.app
            .classify(w.a.id, id, Classification::Released, "utlämnad", "test")
            .await
            .unwrap();
    }
    let mut p = Browser::new(&w.router);
    let page = p.get(&format!("/org/alfa/handling/{}", w.records[0])).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Diarienummer"), "{}", page.body);
    assert!(page.body.contains(&doc.number));
    let en = p
        .get(&format!("/org/alfa/handling/{}?lang=en", w.records[0]))
        .await;
    assert!(en.body.contains("Diary number"));
    let print = p
        .get(&format!("/org/alfa/handling/{}/utskrift", w.records[0]))
        .await;
    assert!(print.body.contains(&doc.number));
    // a record that is not registered shows no number
    let other = p.get(&format!("/org/alfa/handling/{}", w.records[2])).await;
    assert_eq!(other.status, StatusCode::OK);
    assert!(!other.body.contains("Diarienummer"));
    // the PDF copy's text layer carries it (pdftotext)
    let pdf = p
        .send(
            axum::http::Request::get(format!("/org/alfa/handling/{}/kopia.pdf", w.records[0])),
            axum::body::Body::empty(),
        )
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    let bytes = w
        .app
        .released_pdf("alfa", w.records[0], false)
        .await
        .unwrap();
    if let Some(text) = insyn_testkit::pdf::pdftotext("public_copies_show_the_diary_number", &bytes)
    {
        assert!(text.contains(&doc.number), "{text}");
    }
}
