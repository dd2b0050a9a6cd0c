//! Guided actions and automatic hiding end to end against the Facebook stand-in (insyn-fakes,
//! real HTTP on 127.0.0.1) with SQLite + blob folder: evidence copies (PDF/A checked with pikepdf,
//! PNG decoded), the order "evidence before hide" (compared with the time the stand-in saw the
//! call), the item staying a record, an item already removed, the police report, the case desk,
//! tenant isolation, and automatic hiding opted in, not opted in and failing.
use async_trait::async_trait;
use insyn_app::*;
use insyn_domain::*;
use insyn_fakes::graph::GraphFake;
use insyn_fakes::{Canned, ModerationCall};
use std::sync::{Arc, Mutex};

struct Env {
    app: App,
    org: OrgId,
    account: AccountId,
    fake: GraphFake,
    anna: StaffUser,
    post: String,
    _dir: tempfile::TempDir,
}

async fn env(slug: &str, desk: Option<Arc<dyn CaseDesk>>) -> Env {
    let (dir, database_url) = insyn_testkit::sqlite_url();
    let mut app = App::open(AppConfig {
        database_url,
        blobs_url: format!("file:{}", dir.path().join("blobs").display()),
        s3: S3Settings::default(),
        search: SearchBackend::Auto,
        search_dir: dir.path().join("search"),
    })
    .await
    .unwrap();
    if let Some(d) = desk {
        app = app.with_case_desk(d);
    }
    let org = app
        .create_organisation(
            &NewOrganisation {
                slug: slug.into(),
                name: format!("{slug} kommun"),
                diary_prefix: "KS".into(),
            },
            "t",
        )
        .await
        .unwrap();
    let unit = app
        .create_unit(
            org.id,
            &NewUnit {
                name: "Socialtjänsten".into(),
                email: Some("social@ekbacka.se".into()),
            },
            "t",
        )
        .await
        .unwrap();
    let fake = GraphFake::facebook().await;
    let account = app
        .create_account(
            org.id,
            &NewAccount {
                unit_id: unit.id,
                platform: Platform::Facebook,
                handle: "ekbackakommun".into(),
                url: "https://facebook.com/ekbacka".into(),
                platform_id: String::new(),
                purpose: "Information".into(),
                target_group: "Invånare".into(),
                message: String::new(),
                contact: "info@ekbacka.se".into(),
                responsible: vec!["Anna".into(), "Erik".into()],
                office_hours: OfficeHours::default(),
                response_hours: 8,
            },
            "t",
        )
        .await
        .unwrap();
    app.connect_account(org.id, account.id, &fake.base_url, &fake.token(), "t")
        .await
        .unwrap();
    let anna = app
        .create_user(
            org.id,
            &NewUser {
                email: format!("anna@{slug}.se"),
                name: "Anna Berg".into(),
                function: "redaktör".into(),
                roles: vec![Role::Editor],
                accounts: vec![AccountGrant {
                    account_id: account.id,
                    access: AccountAccess::Answer,
                }],
            },
            None,
            "t",
        )
        .await
        .unwrap();
    let post = fake.post("Nu öppnar vi den nya förskolan på Ekvägen!", &[]);
    Env {
        app,
        org: org.id,
        account: account.id,
        fake,
        anna,
        post,
        _dir: dir,
    }
}

impl Env {
    /// A visitor's comment on the post, captured (and screened); returns (record, platform id).
    async fn comment(&self, text: &str) -> (RecordId, String) {
        let pid = self.fake.comment(&self.post, ("77", "Eva Ek"), text);
        self.app
            .capture_account(self.org, self.account, "capture")
            .await
            .unwrap();
        let r = self
            .app
            .store
            .find_record(self.org, self.account, &pid)
            .await
            .unwrap()
            .expect("the comment is captured");
        (r.id, pid)
    }

    async fn step(
        &self,
        id: RecordId,
        kind: ActionKind,
        step: Step,
        text: &str,
    ) -> Result<String, AppError> {
        self.app
            .run_action_step(
                &self.anna,
                id,
                kind,
                step,
                &StepInput {
                    text: text.into(),
                    ..Default::default()
                },
            )
            .await
            .map(|o| o.summary)
    }

    async fn events(&self, id: RecordId) -> Vec<RecordEvent> {
        self.app.record_events(self.org, id).await.unwrap()
    }
}

fn decode_png(bytes: &[u8]) -> (u32, u32) {
    let mut r = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .expect("PNG header");
    let mut buf = vec![0; r.output_buffer_size().unwrap()];
    let info = r.next_frame(&mut buf).expect("PNG data");
    (info.width, info.height)
}

#[tokio::test]
async fn secret_information_action_end_to_end() {
    let e = env("ekbacka", None).await;
    let text = "Min dotter bor på Hagagatan 22 lgh 1102 och får ingen hemtjänst trots beslut";
    let (id, pid) = e.comment(text).await;
    let answer = e.fake.own_reply(&pid, "Vi tar kontakt med dig.");
    e.app
        .capture_account(e.org, e.account, "capture")
        .await
        .unwrap();

    // hiding before the evidence copy is refused, and nothing reaches the platform
    let err = e
        .step(id, ActionKind::Secret, Step::Hide, "")
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Conflict(_)), "{err}");
    assert!(err.to_string().contains("evidence"), "{err}");
    let err = e
        .app
        .moderate_record(
            e.org,
            id,
            connectors::moderation::ModerationAction::Hide,
            "x",
            "y",
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Conflict(_)), "{err}");
    assert!(e.fake.moderation_log().is_empty());
    assert!(!e.fake.is_hidden(&pid));

    // 1. the evidence copy: PDF/A and PNG as blobs, SHA-256 in an event and the audit log
    let (seq0, _) = e.app.store.audit_head(e.org).await.unwrap();
    e.step(id, ActionKind::Secret, Step::Evidence, "sekretess")
        .await
        .unwrap();
    let copies = e.app.evidence(e.org, id).await.unwrap();
    assert_eq!(copies.len(), 1);
    let copy = &copies[0];
    assert_eq!(
        copy.thread.len(),
        3,
        "the item, the post and the answer: {copy:?}"
    );
    let (pdf, media, name) = e
        .app
        .evidence_file(&e.anna, id, &copy.pdf_sha256)
        .await
        .unwrap();
    assert_eq!(media, "application/pdf");
    assert!(name.ends_with(".pdf"));
    assert_eq!(Sha256Digest::of(&pdf).to_hex(), copy.pdf_sha256);
    assert_eq!(pdf.len() as u64, copy.pdf_bytes);
    if let Some(info) = insyn_testkit::pdf::pikepdf_info("secret_action", &pdf) {
        let v: serde_json::Value = serde_json::from_str(&info).unwrap();
        assert_eq!(
            (v["part"].as_str(), v["conformance"].as_str()),
            (Some("2"), Some("U")),
            "{info}"
        );
    }
    if let Some(t) = insyn_testkit::pdf::pdftotext("secret_action", &pdf) {
        let flat = t.split_whitespace().collect::<Vec<_>>().join(" ");
        for needle in [
            "Hagagatan 22",
            "Eva Ek",
            "Nu öppnar vi den nya förskolan",
            "Vi tar kontakt med dig.",
            "Fynd vid granskningen",
            "secret",
        ] {
            assert!(flat.contains(needle), "'{needle}' missing: {flat}");
        }
    }
    let (png_bytes, media, _) = e
        .app
        .evidence_file(&e.anna, id, &copy.png_sha256)
        .await
        .unwrap();
    assert_eq!(media, "image/png");
    let (w, h) = decode_png(&png_bytes);
    assert_eq!(w, insyn_pdf::raster::width());
    assert!(h > 800, "three records make a tall image: {h}");
    let audit = e.app.store.audit_entries(e.org, seq0, 20).await.unwrap();
    let ev = audit
        .iter()
        .find(|a| a.action == "evidence_stored")
        .expect("audited");
    assert_eq!(ev.digest.map(|d| d.to_hex()), Some(copy.pdf_sha256.clone()));
    assert!(ev.detail.contains(&copy.png_sha256));

    // 2. hide through the connector: only now, after the evidence
    e.step(id, ActionKind::Secret, Step::Hide, "")
        .await
        .unwrap();
    assert!(e.fake.is_hidden(&pid), "hidden on the stand-in");
    let log: Vec<ModerationCall> = e.fake.moderation_log();
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].action.as_str(), log[0].item.as_str()),
        ("hide", pid.as_str())
    );
    assert!(
        copy.made_at <= log[0].at,
        "the evidence was stored before the hide call"
    );
    let events = e.events(id).await;
    let hidden = events
        .iter()
        .find(|ev| ev.kind == RecordEventKind::HiddenOnPlatform)
        .expect("a hidden event");
    assert_eq!(hidden.detail["label"], "dold på plattformen");
    assert_eq!(
        hidden.detail["evidence_pdf_sha256"],
        copy.pdf_sha256.as_str()
    );
    // the platform's answer is kept as a blob
    let answer_sha: Sha256Digest = hidden.detail["answer_sha256"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        &e.app.blobs.get(&answer_sha).await.unwrap()[..],
        br#"{"success":true}"#
    );

    // 3. classification: under secrecy review, so it never reaches the portal
    e.step(
        id,
        ActionKind::Secret,
        Step::Classify,
        "uppgifter om ett ärende",
    )
    .await
    .unwrap();
    let r = e.app.store.get_record(e.org, id).await.unwrap();
    assert_eq!(r.classification, Classification::UnderReview);
    // an editor may not mark a record secret
    let err = e
        .app
        .run_action_step(
            &e.anna,
            id,
            ActionKind::Secret,
            Step::Classify,
            &StepInput {
                secret: true,
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err}");

    // 4. a note to the registrar; an empty note is refused
    assert!(matches!(
        e.step(id, ActionKind::Secret, Step::RegistrarNote, "  ")
            .await,
        Err(AppError::Invalid { .. })
    ));
    e.step(
        id,
        ActionKind::Secret,
        Step::RegistrarNote,
        "Bör diarieföras hos socialtjänsten",
    )
    .await
    .unwrap();
    let view = e
        .app
        .action_view(&e.anna, id, ActionKind::Secret, false)
        .await
        .unwrap();
    assert!(
        view.steps.iter().all(|s| s.done.is_some()),
        "{:?}",
        view.steps
    );
    assert!(view.hidden && !view.removed);
    // still a record, with its text, after hiding
    assert_eq!(r.text, text);
    let steps = e
        .events(id)
        .await
        .into_iter()
        .filter(|ev| ev.kind == RecordEventKind::ActionStep)
        .count();
    assert_eq!(steps, 4);
    let _ = answer;
}

#[tokio::test]
async fn an_item_already_removed_is_a_clear_message() {
    let e = env("borta", None).await;
    let (id, pid) = e.comment("Du är en jävla idiot Göran, avgå!").await;
    e.step(id, ActionKind::OffensivePerson, Step::Evidence, "")
        .await
        .unwrap();
    // the author deletes it before staff act: the platform answers "does not exist"
    e.fake.delete(&pid);
    let err = e
        .app
        .run_action_step(
            &e.anna,
            id,
            ActionKind::OffensivePerson,
            Step::Hide,
            &StepInput {
                remove: true,
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Conflict(_)), "{err}");
    assert!(err.to_string().contains("already removed"), "{err}");
    let r = e.app.store.get_record(e.org, id).await.unwrap();
    assert!(
        r.deleted_seen_at.is_some(),
        "the platform's answer is deletion evidence"
    );
    let view = e
        .app
        .action_view(&e.anna, id, ActionKind::OffensivePerson, false)
        .await
        .unwrap();
    assert!(view.removed);
    let hide = view.steps.iter().find(|s| s.step == Step::Hide).unwrap();
    assert!(
        hide.blocked.as_deref().unwrap().contains("redan borttaget"),
        "{hide:?}"
    );
    // the note on the person must not copy personal data around
    let err = e
        .step(
            id,
            ActionKind::OffensivePerson,
            Step::PersonNote,
            "Göran 19121212-1212 kallades idiot",
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("personnummer"), "{err}");
    e.step(
        id,
        ActionKind::OffensivePerson,
        Step::PersonNote,
        "Kränkande omdöme om en namngiven tjänsteperson",
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn criminal_material_gets_a_police_report_with_the_hashes() {
    let e = env("brott", None).await;
    let (id, pid) = e
        .comment("Jag ska döda dig om du inte tar tillbaka beslutet")
        .await;
    assert!(
        e.step(id, ActionKind::Criminal, Step::PoliceReport, "")
            .await
            .is_err()
    );
    e.step(id, ActionKind::Criminal, Step::Evidence, "")
        .await
        .unwrap();
    let summary = e
        .step(
            id,
            ActionKind::Criminal,
            Step::PoliceReport,
            "Hot mot handläggare",
        )
        .await
        .unwrap();
    let sha = summary.rsplit(' ').next().unwrap().to_string();
    let pdf = e.app.police_report_file(&e.anna, id, &sha).await.unwrap();
    let copy = &e.app.evidence(e.org, id).await.unwrap()[0];
    if let Some(t) = insyn_testkit::pdf::pdftotext("police_report", &pdf) {
        let flat = t.split_whitespace().collect::<Vec<_>>().join(" ");
        for needle in [
            copy.pdf_sha256.as_str(),
            copy.png_sha256.as_str(),
            "Hot mot handläggare",
            "Jag ska döda dig",
            "Underlag för polisanmälan",
        ] {
            assert!(flat.contains(needle), "'{needle}' missing: {flat}");
        }
    }
    if let Some(info) = insyn_testkit::pdf::pikepdf_info("police_report", &pdf) {
        assert!(
            info.contains("\"part\": \"2\"") || info.contains("\"part\":\"2\""),
            "{info}"
        );
    }
    // a file that is not this record's report is not served
    assert!(
        e.app
            .police_report_file(&e.anna, id, &copy.pdf_sha256)
            .await
            .is_err()
    );
    e.step(id, ActionKind::Criminal, Step::Hide, "")
        .await
        .unwrap();
    assert!(e.fake.is_hidden(&pid));
}

#[derive(Default)]
struct TestDesk {
    calls: Mutex<Vec<String>>,
}

#[async_trait]
impl CaseDesk for TestDesk {
    async fn register(
        &self,
        _app: &App,
        _user: &StaffUser,
        record: &Record,
        note: &str,
    ) -> Result<String, AppError> {
        self.calls
            .lock()
            .unwrap()
            .push(format!("register {} {note}", record.id));
        Ok("KS 2026/0042".into())
    }
    async fn forward(
        &self,
        _app: &App,
        _user: &StaffUser,
        record: &Record,
        to: &str,
        evidence: &EvidenceCopy,
        _note: &str,
    ) -> Result<String, AppError> {
        self.calls.lock().unwrap().push(format!(
            "forward {} {to} {}",
            record.id, evidence.pdf_sha256
        ));
        Ok(format!("e-post till {to} köad"))
    }
}

#[tokio::test]
async fn a_case_is_registered_and_forwarded_through_the_case_desk() {
    let desk = Arc::new(TestDesk::default());
    let e = env("arende", Some(desk.clone())).await;
    let (id, _) = e
        .comment("Jag vill överklaga beslutet om bygglov KS 2026/123")
        .await;
    assert!(
        e.step(id, ActionKind::Case, Step::Register, "")
            .await
            .is_err(),
        "evidence first"
    );
    e.step(id, ActionKind::Case, Step::Evidence, "")
        .await
        .unwrap();
    assert_eq!(
        e.step(id, ActionKind::Case, Step::Register, "överklagande")
            .await
            .unwrap(),
        "KS 2026/0042"
    );
    let s = e
        .step(id, ActionKind::Case, Step::Forward, "")
        .await
        .unwrap();
    assert!(s.contains("social@ekbacka.se"), "{s}");
    let calls = desk.calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 2);
    assert!(calls[0].starts_with(&format!("register {id}")));
    assert!(calls[1].contains("social@ekbacka.se"));
    // without a case desk the steps say so
    let e2 = env("utan", None).await;
    let (id2, _) = e2.comment("Jag vill överklaga beslutet").await;
    e2.step(id2, ActionKind::Case, Step::Evidence, "")
        .await
        .unwrap();
    let view = e2
        .app
        .action_view(&e2.anna, id2, ActionKind::Case, true)
        .await
        .unwrap();
    let reg = view
        .steps
        .iter()
        .find(|s| s.step == Step::Register)
        .unwrap();
    assert!(reg.blocked.as_deref().unwrap().contains("not connected"));
}

#[tokio::test]
async fn another_organisation_cannot_see_or_act() {
    let e = env("alfa", None).await;
    let (id, _) = e
        .comment("Jag ska döda dig om du inte tar tillbaka beslutet")
        .await;
    // a second organisation in the same installation, with its own account and editor
    let beta = e
        .app
        .create_organisation(
            &NewOrganisation {
                slug: "beta".into(),
                name: "Beta kommun".into(),
                diary_prefix: "KS".into(),
            },
            "t",
        )
        .await
        .unwrap();
    let unit = e
        .app
        .create_unit(
            beta.id,
            &NewUnit {
                name: "Kommunikation".into(),
                email: None,
            },
            "t",
        )
        .await
        .unwrap();
    let beta_account = e
        .app
        .create_account(
            beta.id,
            &NewAccount {
                unit_id: unit.id,
                platform: Platform::Facebook,
                handle: "beta".into(),
                url: String::new(),
                platform_id: String::new(),
                purpose: "Information".into(),
                target_group: "Invånare".into(),
                message: String::new(),
                contact: "info@beta.se".into(),
                responsible: vec!["A".into(), "B".into()],
                office_hours: OfficeHours::default(),
                response_hours: 8,
            },
            "t",
        )
        .await
        .unwrap();
    let mallory = e
        .app
        .create_user(
            beta.id,
            &NewUser {
                email: "mallory@beta.se".into(),
                name: "Mallory Beta".into(),
                function: "kommunikatör".into(),
                roles: vec![Role::Communicator],
                accounts: vec![AccountGrant {
                    account_id: beta_account.id,
                    access: AccountAccess::Answer,
                }],
            },
            None,
            "t",
        )
        .await
        .unwrap();
    // beta's communicator names alfa's record id directly
    assert!(matches!(
        e.app
            .action_view(&mallory, id, ActionKind::Criminal, false)
            .await,
        Err(AppError::NotFound(_))
    ));
    for step in [Step::Evidence, Step::Hide] {
        assert!(matches!(
            e.app
                .run_action_step(
                    &mallory,
                    id,
                    ActionKind::Criminal,
                    step,
                    &StepInput::default()
                )
                .await,
            Err(AppError::NotFound(_))
        ));
    }
    assert!(e.app.evidence(e.org, id).await.unwrap().is_empty());
    assert!(e.fake.moderation_log().is_empty());
    // nor can beta set automatic hiding on alfa's account
    assert!(
        e.app
            .set_auto_hide(&mallory, e.account, &["threat".into()])
            .await
            .is_err()
    );
    assert!(
        e.app
            .auto_hide_settings(e.org, e.account)
            .await
            .unwrap()
            .is_empty()
    );
    // a user without the answer grant on the account may not act
    let reader = e
        .app
        .create_user(
            e.org,
            &NewUser {
                email: "las@alfa.se".into(),
                name: "Läs Läsare".into(),
                function: "redaktör".into(),
                roles: vec![Role::Editor],
                accounts: vec![AccountGrant {
                    account_id: e.account,
                    access: AccountAccess::Read,
                }],
            },
            None,
            "t",
        )
        .await
        .unwrap();
    assert!(matches!(
        e.app
            .run_action_step(
                &reader,
                id,
                ActionKind::Criminal,
                Step::Evidence,
                &StepInput::default()
            )
            .await,
        Err(AppError::Forbidden(_))
    ));
}

#[tokio::test]
async fn auto_hide_hides_opted_in_categories_evidence_first() {
    let e = env("auto", None).await;
    // off by default: a threat is only suggested
    let (quiet, quiet_pid) = e
        .comment("Jag ska döda dig om du inte tar tillbaka beslutet")
        .await;
    assert!(
        e.app
            .auto_hide_settings(e.org, e.account)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(!e.fake.is_hidden(&quiet_pid));
    assert!(e.app.evidence(e.org, quiet).await.unwrap().is_empty());
    // unknown categories and case signals are refused
    assert!(
        e.app
            .set_auto_hide(&e.anna, e.account, &["complaint".into()])
            .await
            .is_err()
    );
    e.app
        .set_auto_hide(&e.anna, e.account, &["threat".into()])
        .await
        .unwrap();
    // opted in: the next threat is hidden, with its evidence stored before the hide call
    let (id, pid) = e.comment("Vi vet var du bor Lennart. Tänk på det.").await;
    assert!(e.fake.is_hidden(&pid), "hidden on the stand-in");
    let copies = e.app.evidence(e.org, id).await.unwrap();
    assert_eq!(copies.len(), 1);
    assert_eq!(copies[0].made_by, "auto-hide");
    let log = e.fake.moderation_log();
    assert_eq!(log.len(), 1, "{log:?}");
    assert!(copies[0].made_at <= log[0].at, "evidence before the hide");
    let kinds: Vec<RecordEventKind> = e.events(id).await.into_iter().map(|ev| ev.kind).collect();
    let ev = kinds
        .iter()
        .position(|k| *k == RecordEventKind::EvidenceStored)
        .unwrap();
    let hid = kinds
        .iter()
        .position(|k| *k == RecordEventKind::HiddenOnPlatform)
        .unwrap();
    assert!(ev < hid, "{kinds:?}");
    // an opted-in account does not hide other categories
    let (other, other_pid) = e.comment("Du är en jävla idiot Göran, avgå!").await;
    assert!(!e.fake.is_hidden(&other_pid));
    assert!(e.app.evidence(e.org, other).await.unwrap().is_empty());
}

#[tokio::test]
async fn auto_hide_connector_error_flags_the_item_and_loses_nothing() {
    let e = env("fel", None).await;
    e.app
        .set_auto_hide(&e.anna, e.account, &["threat".into()])
        .await
        .unwrap();
    let pid = e.fake.comment(
        &e.post,
        ("77", "Eva Ek"),
        "Politikerna borde skjutas allihop",
    );
    // the hide call fails on the platform
    e.fake.inject_on(
        &format!("/{pid}"),
        Canned::json(
            500,
            serde_json::json!({"error": {"message": "An unknown error occurred", "code": 1}}),
        ),
    );
    // capture reads the feed and comments (other paths), then the hide hits the fault
    e.app
        .capture_account(e.org, e.account, "capture")
        .await
        .unwrap();
    let r = e
        .app
        .store
        .find_record(e.org, e.account, &pid)
        .await
        .unwrap()
        .expect("captured");
    assert!(!e.fake.is_hidden(&pid));
    assert_eq!(
        r.text, "Politikerna borde skjutas allihop",
        "the record is kept"
    );
    assert_eq!(
        e.app.evidence(e.org, r.id).await.unwrap().len(),
        1,
        "the evidence is kept"
    );
    let events = e.events(r.id).await;
    let flag = events
        .iter()
        .find(|ev| ev.kind == RecordEventKind::FlaggedForStaff)
        .expect("flagged");
    assert!(
        flag.detail["reason"]
            .as_str()
            .unwrap()
            .contains("misslyckades"),
        "{flag:?}"
    );
    assert!(
        !events
            .iter()
            .any(|ev| ev.kind == RecordEventKind::HiddenOnPlatform)
    );
    let view = e
        .app
        .action_view(&e.anna, r.id, ActionKind::Criminal, false)
        .await
        .unwrap();
    assert_eq!(view.flags.len(), 1);
    // staff can hide it by hand afterwards
    e.step(r.id, ActionKind::Criminal, Step::Hide, "")
        .await
        .unwrap();
    assert!(e.fake.is_hidden(&pid));
}

/// The installation's own case desk: the case action registers the record in the diary (a new
/// case with the next number) and queues an e-mail to the unit with the evidence copy attached.
#[tokio::test]
async fn the_diary_case_desk_registers_and_queues_the_forward() {
    let e = env(
        "diariet",
        Some(Arc::new(insyn_app::case_desk::DiaryCaseDesk::default())),
    )
    .await;
    let (id, _) = e
        .comment("Jag vill överklaga beslutet om bygglov för Ekvägen 4")
        .await;
    e.step(id, ActionKind::Case, Step::Evidence, "")
        .await
        .unwrap();
    let registered = e
        .step(
            id,
            ActionKind::Case,
            Step::Register,
            "Överklagande bygglov Ekvägen 4",
        )
        .await
        .unwrap();
    let year = chrono::Datelike::year(&chrono::Utc::now());
    assert!(
        registered.starts_with(&format!("KS {year}/0001")),
        "{registered}"
    );
    let regs = e
        .app
        .store
        .record_registrations(e.org, &[id])
        .await
        .unwrap();
    assert_eq!(regs.len(), 1);
    let forwarded = e
        .step(id, ActionKind::Case, Step::Forward, "Brådskande")
        .await
        .unwrap();
    assert!(forwarded.contains("social@ekbacka.se"), "{forwarded}");
    let outbox = e
        .app
        .mail_outbox(
            e.org,
            &insyn_store::MailFilter {
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(outbox.len(), 1, "{outbox:?}");
    let mail = &outbox[0];
    assert_eq!(mail.to, "social@ekbacka.se");
    assert_eq!(mail.purpose, MailPurpose::Forward);
    assert!(mail.subject.contains(&regs[0].number), "{}", mail.subject);
    assert!(mail.body.contains("Brådskande"));
    let pdf = mail
        .attachments
        .iter()
        .find(|a| a.content_type == "application/pdf");
    assert!(pdf.is_some(), "{:?}", mail.attachments);
}

/// The secret action's last step with the installation's case desk: the record is registered as
/// a new case (kept off the portal) and the registrar is told by e-mail with the number and a
/// link, but none of the secret text; done again, it keeps the first registration.
#[tokio::test]
async fn the_secret_action_registers_and_tells_the_registrar_without_the_secret() {
    let e = env(
        "sekretess",
        Some(Arc::new(insyn_app::case_desk::DiaryCaseDesk::new(Some(
            "https://insyn.ekbacka.se/".into(),
        )))),
    )
    .await;
    let secret = "Min son har LSS-beslut 2025-123 och bor på Hagagatan 22";
    let (id, _) = e.comment(secret).await;
    // the evidence copy comes first
    let early = e
        .step(
            id,
            ActionKind::Secret,
            Step::RegistrarNote,
            "Till socialtjänsten",
        )
        .await;
    assert!(early.is_err(), "{early:?}");
    e.step(id, ActionKind::Secret, Step::Evidence, "")
        .await
        .unwrap();
    let done = e
        .step(
            id,
            ActionKind::Secret,
            Step::RegistrarNote,
            "Till socialtjänsten",
        )
        .await
        .unwrap();
    let number = e.app.diary_number(e.org, id).await.unwrap().unwrap();
    assert!(done.contains(&number), "{done}");
    // kept off the portal: under secrecy review even though the classify step was skipped
    assert_eq!(
        e.app
            .store
            .get_record(e.org, id)
            .await
            .unwrap()
            .classification,
        Classification::UnderReview
    );
    let outbox = e
        .app
        .mail_outbox(
            e.org,
            &insyn_store::MailFilter {
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(outbox.len(), 1, "{outbox:?}");
    let mail = &outbox[0];
    // no registrar address set: the unit's
    assert_eq!(mail.to, "social@ekbacka.se");
    assert!(mail.subject.contains(&number), "{}", mail.subject);
    assert!(
        mail.body
            .contains(&format!("https://insyn.ekbacka.se/personal/poster/{id}")),
        "{}",
        mail.body
    );
    assert!(mail.attachments.is_empty());
    for leak in [
        "LSS",
        "2025-123",
        "Hagagatan",
        "Min son",
        "Till socialtjänsten",
    ] {
        assert!(
            !mail.body.contains(leak) && !mail.subject.contains(leak),
            "'{leak}' in {mail:?}"
        );
    }
    let case = e.app.find_case(e.org, &number).await.unwrap();
    assert!(!case.title.contains("Hagagatan"), "{}", case.title);
    // the registrar's own address wins; a second run keeps the registration
    e.app
        .set_registrar_email(e.org, Some("registrator@ekbacka.se"), "t")
        .await
        .unwrap();
    e.step(id, ActionKind::Secret, Step::RegistrarNote, "Igen")
        .await
        .unwrap();
    assert_eq!(
        e.app.diary_number(e.org, id).await.unwrap().unwrap(),
        number
    );
    let outbox = e
        .app
        .mail_outbox(
            e.org,
            &insyn_store::MailFilter {
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(outbox.len(), 2);
    assert!(outbox.iter().any(|m| m.to == "registrator@ekbacka.se"));
}
