//! The diary and the e-mail outbox end to end over a real SQLite store and a real SMTP server
//! (`aiosmtpd` on 127.0.0.1, read back with Python's `email` parser): the message arrives with
//! its headers, UTF-8 Swedish subject and body; a server that is down leaves it queued with the
//! error and the next attempt, and once it is up the message is delivered exactly once; a case
//! goes out by e-mail with its JSON export and PDF copies.
use chrono::{Duration, Utc};
use insyn_app::*;
use insyn_domain::*;
use insyn_testkit::smtp;

async fn app() -> (App, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(AppConfig::embedded(dir.path())).await.unwrap();
    (app, dir)
}

fn smtp_to(port: u16) -> SmtpSettings {
    SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        tls: SmtpTls::None,
        from: "Insyn <noreply@kommun.test>".into(),
        user: None,
        password: None,
        timeout_secs: 5,
    }
}

async fn org(app: &App) -> (Organisation, Unit, Account) {
    let o = app
        .create_organisation(
            &NewOrganisation {
                slug: "ekby".into(),
                name: "Ekby kommun".into(),
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
                email: Some("samhallsbyggnad@kommun.test".into()),
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
                handle: "Ekby".into(),
                url: "https://facebook.com/ekby".into(),
                platform_id: "1".into(),
                purpose: "Information".into(),
                target_group: "Invånare".into(),
                message: String::new(),
                contact: "info@kommun.test".into(),
                responsible: vec!["A".into(), "B".into()],
                office_hours: OfficeHours::default(),
                response_hours: 8,
            },
            "test",
        )
        .await
        .unwrap();
    (o, u, a)
}

fn mail(subject: &str) -> NewMail {
    NewMail {
        to: "handlaggare@kommun.test".into(),
        subject: subject.into(),
        body: "Hej!\nEn synpunkt om snöröjningen på Storgatan har kommit in.\n/Åsa".into(),
        purpose: MailPurpose::Forward,
        subject_ref: None,
        attachments: vec![],
    }
}

fn parsed(sink: &smtp::SmtpSink) -> Vec<serde_json::Value> {
    serde_json::from_str::<Vec<serde_json::Value>>(&sink.parsed_json()).unwrap()
}

#[tokio::test]
async fn the_message_arrives_with_swedish_subject_and_body() {
    let Some(sink) = smtp::start("the_message_arrives_with_swedish_subject_and_body") else {
        return;
    };
    let (app, _dir) = app().await;
    let app = app.with_smtp(&smtp_to(sink.port)).unwrap();
    let (o, _, _) = org(&app).await;
    let subject = "Nytt ärende: synpunkt på snöröjning – Åre, Älvsbyn, Öland";
    app.queue_mail(o.id, &mail(subject), "user:1")
        .await
        .unwrap();
    let report = app.send_due_mail(Utc::now()).await.unwrap();
    assert_eq!(
        report,
        MailReport {
            sent: 1,
            retrying: 0,
            failed: 0
        }
    );
    sink.wait_for(1, std::time::Duration::from_secs(10));
    let got = parsed(&sink);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["subject"], subject);
    assert_eq!(got[0]["from"], "Insyn <noreply@kommun.test>");
    assert_eq!(got[0]["to"], "handlaggare@kommun.test");
    assert_eq!(got[0]["rcpt_to"], "handlaggare@kommun.test");
    let body = got[0]["body"].as_str().unwrap();
    assert!(body.contains("snöröjningen på Storgatan"), "{body}");
    assert!(body.contains("/Åsa"), "{body}");
    // the raw message encodes the subject (RFC 2047), not raw 8-bit header bytes
    let raw = &sink.messages()[0];
    let subject_line = raw.lines().find(|l| l.starts_with("Subject:")).unwrap();
    assert!(subject_line.is_ascii(), "{subject_line}");
    let listed = app.mail_outbox(o.id, &MailFilter::default()).await.unwrap();
    assert_eq!(listed[0].state, MailState::Sent);
    assert_eq!(listed[0].attempts, 1);
}

#[tokio::test]
async fn a_server_that_is_down_leaves_the_message_queued_and_it_is_sent_once_later() {
    let test = "a_server_that_is_down_leaves_the_message_queued";
    let port = smtp::free_port();
    let (app, _dir) = app().await;
    let app = app.with_smtp(&smtp_to(port)).unwrap();
    let (o, _, _) = org(&app).await;
    app.queue_mail(o.id, &mail("Köat medan servern är nere"), "user:1")
        .await
        .unwrap();
    let now = Utc::now();
    let report = app.send_due_mail(now).await.unwrap();
    assert_eq!(report.retrying, 1);
    let queued = &app.mail_outbox(o.id, &MailFilter::default()).await.unwrap()[0];
    assert_eq!(queued.state, MailState::Queued);
    assert_eq!(queued.attempts, 1);
    let error = queued.last_error.clone().unwrap();
    assert!(error.contains(&format!("127.0.0.1:{port}")), "{error}");
    let wait = queued.next_attempt_at - now;
    assert!(
        wait >= Duration::seconds(29) && wait <= Duration::seconds(31),
        "{wait}"
    );
    // not due yet: no new attempt
    assert_eq!(app.send_due_mail(now).await.unwrap(), MailReport::default());
    // the server comes up; the next attempt delivers it, and only once
    let Some(sink) = smtp::start_on(test, port) else {
        return;
    };
    let later = now + Duration::seconds(31);
    assert_eq!(app.send_due_mail(later).await.unwrap().sent, 1);
    assert_eq!(
        app.send_due_mail(later + Duration::hours(3)).await.unwrap(),
        MailReport::default()
    );
    let got = sink.wait_for(1, std::time::Duration::from_secs(10));
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(sink.messages().len(), 1, "{got:?}");
    let sent = &app.mail_outbox(o.id, &MailFilter::default()).await.unwrap()[0];
    assert_eq!(sent.state, MailState::Sent);
    assert_eq!(sent.attempts, 2);
    assert_eq!(sent.last_error, None);
}

#[tokio::test]
async fn without_a_mail_server_messages_wait() {
    let (app, _dir) = app().await;
    let (o, _, _) = org(&app).await;
    app.queue_mail(o.id, &mail("Väntar"), "u").await.unwrap();
    assert!(!app.mail_configured());
    assert_eq!(
        app.send_due_mail(Utc::now()).await.unwrap(),
        MailReport::default()
    );
    let m = &app.mail_outbox(o.id, &MailFilter::default()).await.unwrap()[0];
    assert_eq!((m.state, m.attempts), (MailState::Queued, 0));
    // bad settings are refused at start, with the key named
    let mut bad = smtp_to(25);
    bad.from = "inte en adress".into();
    let err = app.clone().with_smtp(&bad).err().unwrap();
    assert!(err.to_string().starts_with("smtp.from"), "{err}");
    let mut half = smtp_to(25);
    half.user = Some("insyn".into());
    assert!(app.with_smtp(&half).is_err());
}

#[tokio::test]
async fn a_case_goes_out_by_email_and_as_a_file() {
    let Some(sink) = smtp::start("a_case_goes_out_by_email_and_as_a_file") else {
        return;
    };
    let (app, _dir) = app().await;
    let app = app.with_smtp(&smtp_to(sink.port)).unwrap();
    let (o, u, a) = org(&app).await;
    let item = CaptureItem {
        account_id: a.id,
        platform_item_id: "c1".into(),
        kind: ItemKind::Comment,
        direction: Direction::Received,
        parent_platform_id: Some("p1".into()),
        thread_platform_id: Some("p1".into()),
        author_name: "Eva".into(),
        author_platform_id: "e1".into(),
        available_at: Utc::now() - Duration::minutes(3),
        platform_time: None,
        text: "Jag vill klaga på bygglovet för Storgatan 5.".into(),
        media: vec![],
        raw_blob: None,
        raw_pointer: String::new(),
    };
    let id = app
        .store
        .capture(o.id, &[item], "capture")
        .await
        .unwrap()
        .record_ids[0];
    let (case, doc) = app
        .register_record(
            o.id,
            &NewRegistration {
                record_id: id,
                target: RegistrationTarget::NewCase(NewCase {
                    title: "Klagomål på bygglov, Storgatan 5".into(),
                    unit_id: Some(u.id),
                    ..Default::default()
                }),
                description: "Klagomål via Facebook".into(),
                counterpart: Some("Privatperson".into()),
            },
            "user:reg",
        )
        .await
        .unwrap();
    // typed numbers find the case
    let typed = format!("ks {}-{}", case.year, case.seq);
    assert_eq!(app.find_case(o.id, &typed).await.unwrap().id, case.id);
    let found = app
        .diary_cases(
            o.id,
            &CaseQuery {
                text: Some(typed),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert!(app.find_case(o.id, "KS 1999/1").await.is_err());
    // the file for a case system
    let file = app.case_export(o.id, case.id, "user:reg").await.unwrap();
    let json: serde_json::Value = serde_json::from_slice(&file.content).unwrap();
    assert_eq!(json["format"], "insyn-diary-case/1");
    assert_eq!(json["case"]["number"], case.number);
    assert_eq!(json["case"]["unit"]["name"], "Samhällsbyggnad");
    assert_eq!(json["documents"][0]["number"], doc.number);
    assert_eq!(
        json["documents"][0]["record"]["text"],
        "Jag vill klaga på bygglovet för Storgatan 5."
    );
    assert_eq!(json["documents"][0]["direction"], "received");
    // the PDF copy carries the diary number
    let pdf = app
        .document_pdf(o.id, case.id, 1, false, "user:reg")
        .await
        .unwrap();
    if let Some(text) = insyn_testkit::pdf::pdftotext("a_case_goes_out_by_email", &pdf.content) {
        assert!(text.contains(&doc.number), "{text}");
    }
    // by e-mail to the unit's address, through the outbox
    let queued = app
        .email_case(o.id, case.id, None, "user:reg")
        .await
        .unwrap();
    assert_eq!(queued.to, "samhallsbyggnad@kommun.test");
    assert_eq!(app.send_due_mail(Utc::now()).await.unwrap().sent, 1);
    sink.wait_for(1, std::time::Duration::from_secs(10));
    let got = parsed(&sink);
    assert_eq!(
        got[0]["subject"],
        format!(
            "Diarienummer {}: Klagomål på bygglov, Storgatan 5",
            case.number
        )
    );
    let names: Vec<&str> = got[0]["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["filename"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        names[0].ends_with(".json") && names[1].ends_with(".pdf"),
        "{names:?}"
    );
    assert!(got[0]["body"].as_str().unwrap().contains(&doc.number));
    let view = app.diary_case(o.id, case.id).await.unwrap();
    assert_eq!(view.mail.len(), 1);
    // or to an address typed; a bad one is refused
    assert!(
        app.email_case(o.id, case.id, Some("inte@"), "user:reg")
            .await
            .is_err()
    );
    let exports = app
        .store
        .audit_entries(o.id, 0, 500)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "diary_exported")
        .count();
    assert_eq!(exports, 3);
}
