//! The guided actions in the staff web (issue 5 item 4), in-process on SQLite with the Facebook
//! stand-in: the secret-information checklist step by step (evidence files served, the item
//! hidden on the stand-in, the record under review), CSRF on the step forms, an action on an item
//! already removed answered with the checklist and a message (not an error page), another
//! organisation's record by direct URL, and the account's automatic-hiding settings.
mod common;
use axum::http::StatusCode;
use common::Browser;
use insyn_app::{App, AppConfig, S3Settings, SearchBackend};
use insyn_domain::*;
use insyn_fakes::graph::GraphFake;

const PASSWORD: &str = "rätt häst batteri 42";

struct World {
    app: App,
    router: axum::Router,
    org: OrgId,
    account: AccountId,
    fake: GraphFake,
    post: String,
    beta_record: RecordId,
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
    let mut ids = Vec::new();
    for slug in ["alfa", "beta"] {
        let o = app
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
        let u = app
            .create_unit(
                o.id,
                &NewUnit {
                    name: "Kommunikation".into(),
                    email: None,
                },
                "t",
            )
            .await
            .unwrap();
        let a = app
            .create_account(
                o.id,
                &NewAccount {
                    unit_id: u.id,
                    platform: Platform::Facebook,
                    handle: format!("{slug}kommun"),
                    url: format!("https://facebook.com/{slug}"),
                    platform_id: String::new(),
                    purpose: "Information".into(),
                    target_group: "Invånare".into(),
                    message: String::new(),
                    contact: "info@test.se".into(),
                    responsible: vec!["Anna".into(), "Bo".into()],
                    office_hours: OfficeHours::default(),
                    response_hours: 8,
                },
                "t",
            )
            .await
            .unwrap();
        app.create_user(
            o.id,
            &NewUser {
                email: format!("red@{slug}.se"),
                name: "Rut Redaktör".into(),
                function: "redaktör".into(),
                roles: vec![Role::Editor],
                accounts: vec![AccountGrant {
                    account_id: a.id,
                    access: AccountAccess::Answer,
                }],
            },
            Some(PASSWORD),
            "t",
        )
        .await
        .unwrap();
        ids.push((o.id, a.id));
    }
    let (org, account) = ids[0];
    let fake = GraphFake::facebook().await;
    app.connect_account(org, account, &fake.base_url, &fake.token(), "t")
        .await
        .unwrap();
    let post = fake.post("Välkommen till förskolans öppna hus!", &[]);
    let beta_record = app
        .store
        .capture(
            ids[1].0,
            &[CaptureItem {
                account_id: ids[1].1,
                platform_item_id: "b1".into(),
                kind: ItemKind::Comment,
                direction: Direction::Received,
                parent_platform_id: Some("bp".into()),
                thread_platform_id: Some("bp".into()),
                author_name: "Beta Person".into(),
                author_platform_id: "9".into(),
                available_at: chrono::Utc::now(),
                platform_time: None,
                text: "Betas hemliga ärende".into(),
                media: vec![],
                raw_blob: None,
                raw_pointer: String::new(),
            }],
            "t",
        )
        .await
        .unwrap()
        .record_ids[0];
    let router = insyn_web::router(app.clone());
    World {
        app,
        router,
        org,
        account,
        fake,
        post,
        beta_record,
        _dir: dir,
    }
}

impl World {
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
            .unwrap();
        (r.id, pid)
    }
}

async fn step(
    b: &mut Browser<'_>,
    id: RecordId,
    kind: &str,
    step: &str,
    form: &[(&str, &str)],
) -> common::Page {
    let page = b.get(&format!("/personal/poster/{id}/atgard/{kind}")).await;
    let csrf = page.csrf();
    let mut fields = vec![("csrf", csrf.as_str())];
    fields.extend_from_slice(form);
    b.post(
        &format!("/personal/poster/{id}/atgard/{kind}/{step}"),
        &fields,
        &[],
    )
    .await
}

#[tokio::test]
async fn secret_information_action_through_the_web() {
    let w = world().await;
    let (id, pid) = w
        .comment("Min dotter bor på Hagagatan 22 lgh 1102 och får ingen hemtjänst trots beslut")
        .await;
    let mut b = Browser::new(&w.router);
    b.sign_in("alfa", "red@alfa.se", PASSWORD).await;
    // the record page offers the actions, the secret one suggested by the finding
    let p = b.get(&format!("/personal/poster/{id}")).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        p.body
            .contains(&format!("/personal/poster/{id}/atgard/secret")),
        "{}",
        p.body
    );
    assert!(p.body.contains("föreslås"));
    let p = b.get(&format!("/personal/poster/{id}/atgard/secret")).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("Sekretessbelagd information") && p.body.contains("Checklista"));
    assert!(
        p.body.contains("spara bevisexemplaret först"),
        "hide waits for the evidence"
    );
    // a step without the CSRF token is refused and does nothing
    let p = b
        .post(
            &format!("/personal/poster/{id}/atgard/secret/evidence"),
            &[("text", "x")],
            &[],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(w.app.evidence(w.org, id).await.unwrap().is_empty());
    // 1. evidence
    let p = step(&mut b, id, "secret", "evidence", &[("text", "sekretess")]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let copy = w.app.evidence(w.org, id).await.unwrap().remove(0);
    let pdf = b
        .get(&format!("/personal/poster/{id}/bevis/{}", copy.pdf_sha256))
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    let png = b
        .get(&format!("/personal/poster/{id}/bevis/{}", copy.png_sha256))
        .await;
    assert_eq!(png.headers["content-type"], "image/png");
    // a digest that is not this record's evidence is not served
    let other = b
        .get(&format!("/personal/poster/{id}/bevis/{}", "0".repeat(64)))
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    // 2. hide on the platform
    let p = step(&mut b, id, "secret", "hide", &[]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert!(w.fake.is_hidden(&pid));
    // 3. under secrecy review; 4. the note to the registrar
    step(
        &mut b,
        id,
        "secret",
        "classify",
        &[("text", "ärende hos socialtjänsten")],
    )
    .await;
    assert_eq!(
        w.app
            .store
            .get_record(w.org, id)
            .await
            .unwrap()
            .classification,
        Classification::UnderReview
    );
    step(
        &mut b,
        id,
        "secret",
        "registrar_note",
        &[("text", "Registrera hos socialtjänsten")],
    )
    .await;
    let p = b
        .get(&format!(
            "/personal/poster/{id}/atgard/secret?klar=registrar_note"
        ))
        .await;
    assert_eq!(p.body.matches("✓ Klart").count(), 4, "{}", p.body);
    assert!(p.body.contains("dolt på plattformen"));
    assert!(p.body.contains(&copy.pdf_sha256));
}

#[tokio::test]
async fn an_action_on_a_removed_item_is_a_message_not_an_error_page() {
    let w = world().await;
    let (id, pid) = w.comment("Du är en jävla idiot Göran, avgå!").await;
    let mut b = Browser::new(&w.router);
    b.sign_in("alfa", "red@alfa.se", PASSWORD).await;
    step(&mut b, id, "offensive_person", "evidence", &[]).await;
    w.fake.delete(&pid);
    let p = step(&mut b, id, "offensive_person", "hide", &[("remove", "yes")]).await;
    assert_eq!(p.status, StatusCode::CONFLICT);
    assert!(p.body.contains("redan borttaget"), "{}", p.body);
    assert!(
        p.body.contains("Checklista"),
        "the checklist, not an error page"
    );
    // English too
    let p = b
        .get(&format!(
            "/personal/poster/{id}/atgard/offensive_person?lang=en"
        ))
        .await;
    assert!(p.body.contains("already removed"), "{}", p.body);
}

#[tokio::test]
async fn another_organisations_record_by_direct_url_is_not_found() {
    let w = world().await;
    let mut b = Browser::new(&w.router);
    b.sign_in("alfa", "red@alfa.se", PASSWORD).await;
    let beta = w.beta_record;
    let p = b
        .get(&format!("/personal/poster/{beta}/atgard/secret"))
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert!(!p.body.contains("Betas hemliga"));
    // a step posted with a valid token of alfa's session
    let page = b.get("/personal/inkorg").await;
    let csrf = page.csrf();
    let p = b
        .post(
            &format!("/personal/poster/{beta}/atgard/secret/evidence"),
            &[("csrf", &csrf)],
            &[],
        )
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    // beta's account settings
    let beta_account = AccountId(w.account.0 + 1);
    assert_eq!(
        b.get(&format!("/personal/konton/{beta_account}/autodolj"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let p = b
        .post(
            &format!("/personal/konton/{beta_account}/autodolj"),
            &[("csrf", &csrf), ("category", "threat")],
            &[],
        )
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn auto_hide_is_set_on_the_account_page() {
    let w = world().await;
    let mut b = Browser::new(&w.router);
    b.sign_in("alfa", "red@alfa.se", PASSWORD).await;
    let path = format!("/personal/konton/{}/autodolj", w.account);
    let p = b.get(&path).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        p.body.contains("Automatisk döljning") && !p.body.contains(" checked"),
        "off by default"
    );
    let csrf = p.csrf();
    let p = b
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("category", "threat"),
                ("category", "hate"),
            ],
            &[],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(
        w.app.auto_hide_settings(w.org, w.account).await.unwrap(),
        vec!["hate", "threat"]
    );
    let p = b
        .post(&path, &[("csrf", &csrf), ("category", "complaint")], &[])
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        w.app
            .auto_hide_settings(w.org, w.account)
            .await
            .unwrap()
            .len(),
        2,
        "unchanged"
    );
    // opted in: a threat arriving now is hidden on the stand-in, with evidence
    let (id, pid) = w
        .comment("Jag ska döda dig om du inte tar tillbaka beslutet")
        .await;
    assert!(w.fake.is_hidden(&pid));
    assert_eq!(w.app.evidence(w.org, id).await.unwrap().len(), 1);
}
