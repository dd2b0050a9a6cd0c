//! The staff web's sign-in, sessions, CSRF and permissions, tried in-process with
//! `tower::ServiceExt::oneshot` on a real SQLite store.
mod common;
use axum::Router;
use axum::http::{StatusCode, header};
use chrono::{TimeZone, Utc};
use common::{Browser, Page};
use insyn_app::{App, AppConfig, S3Settings, SearchBackend};
use insyn_domain::*;

const PASSWORD: &str = "rätt häst batteri 42";

struct World {
    app: App,
    router: Router,
    a: Organisation,
    b: Organisation,
    a_accounts: Vec<Account>,
    /// Records of A: [unassessed on account 0, unassessed on account 1]; of B: one.
    a_records: Vec<RecordId>,
    b_record: RecordId,
    _dir: tempfile::TempDir,
}

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

fn item(account: AccountId, id: &str, text: &str) -> CaptureItem {
    CaptureItem {
        account_id: account,
        platform_item_id: id.into(),
        kind: ItemKind::Comment,
        direction: Direction::Received,
        parent_platform_id: Some("p1".into()),
        thread_platform_id: Some("p1".into()),
        author_name: "Kalle Karlsson".into(),
        author_platform_id: "u9".into(),
        available_at: Utc.with_ymd_and_hms(2026, 3, 2, 9, 30, 0).unwrap(),
        platform_time: None,
        text: text.into(),
        media: vec![],
        raw_blob: None,
        raw_pointer: "/data/0".into(),
    }
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
    let (a, a_accounts) = org(&app, "alfa", 2).await;
    let (b, b_accounts) = org(&app, "beta", 1).await;
    let a_records = app
        .store
        .capture(
            a.id,
            &[
                item(a_accounts[0].id, "c1", "Hej kommunen, när töms soporna?"),
                item(a_accounts[1].id, "c2", "Fråga till skolan"),
            ],
            "test",
        )
        .await
        .unwrap()
        .record_ids;
    let b_record = app
        .store
        .capture(
            b.id,
            &[item(b_accounts[0].id, "x1", "Betas hemliga fråga")],
            "test",
        )
        .await
        .unwrap()
        .record_ids[0];
    app.create_user(
        a.id,
        &user("admin@alfa.se", &[Role::Administrator], &[]),
        Some(PASSWORD),
        "test",
    )
    .await
    .unwrap();
    app.create_user(
        a.id,
        &user("komm@alfa.se", &[Role::Communicator], &[]),
        Some(PASSWORD),
        "test",
    )
    .await
    .unwrap();
    let grant = AccountGrant {
        account_id: a_accounts[0].id,
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
    app.create_user(
        b.id,
        &user("komm@beta.se", &[Role::Communicator], &[]),
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
        b,
        a_accounts,
        a_records,
        b_record,
        _dir: dir,
    }
}

#[tokio::test]
async fn sign_in_and_out() {
    let w = world().await;
    let mut b = Browser::new(&w.router);
    // not signed in: to the sign-in page, remembering where we were going
    let p = b.get("/personal").await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location.as_deref(), Some("/logga-in?next=%2Fpersonal"));
    let form = b.get("/logga-in").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("<html lang=\"sv\">"));
    assert!(
        form.body
            .contains("<label for=\"email\">E-postadress</label>")
    );
    let p = b.sign_in("alfa", "KOMM@alfa.se", PASSWORD).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(p.location.as_deref(), Some("/personal"));
    let home = b.get("/personal").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("alfa-konto-0") && home.body.contains("alfa-konto-1"));
    assert!(
        home.body.contains("Hej kommunen"),
        "newest received records are listed"
    );
    assert!(
        !home.body.contains("Betas"),
        "nothing of another organisation"
    );
    // English through ?lang=en, remembered in the session
    let en = b.get("/personal?lang=en").await;
    assert!(en.body.contains("<html lang=\"en\">") && en.body.contains("Newest received"));
    assert!(b.get("/personal").await.body.contains("Newest received"));
    // sign out: the session is gone
    let csrf = home.csrf();
    let old_cookie = b.cookie.clone();
    let out = b.post("/logga-ut", &[("csrf", &csrf)], &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    b.cookie = old_cookie;
    assert_eq!(
        b.get("/personal").await.status,
        StatusCode::SEE_OTHER,
        "the old cookie no longer works"
    );
    let audit = w.app.store.audit_entries(w.a.id, 0, 1000).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    assert!(
        actions.contains(&"signed_in") && actions.contains(&"signed_out"),
        "{actions:?}"
    );
    assert!(
        audit.iter().all(|e| !e.detail.contains(PASSWORD)),
        "no password in the audit log"
    );
}

#[tokio::test]
async fn wrong_password_and_unknown_user_look_the_same() {
    let w = world().await;
    let mut b = Browser::new(&w.router);
    let cases = [
        ("alfa", "komm@alfa.se", "fel lösenord helt och hållet"),
        ("alfa", "ingen@alfa.se", "fel lösenord helt och hållet"),
        ("finns-inte", "komm@alfa.se", PASSWORD),
    ];
    let mut times: Vec<Vec<std::time::Duration>> = vec![Vec::new(); cases.len()];
    let mut pages = Vec::new();
    // interleaved rounds, so that load on the machine falls on every case alike
    for round in 0..5 {
        for (i, (org, email, password)) in cases.iter().enumerate() {
            let form = b.get("/logga-in").await;
            let csrf = form.csrf();
            let t = std::time::Instant::now();
            let p = b
                .post(
                    "/logga-in",
                    &[
                        ("csrf", &csrf),
                        ("org", org),
                        ("email", email),
                        ("password", password),
                    ],
                    &[],
                )
                .await;
            times[i].push(t.elapsed());
            if round == 0 {
                pages.push(p);
            }
        }
    }
    for p in &pages {
        assert_eq!(p.status, StatusCode::UNAUTHORIZED);
        assert!(p.body.contains("Fel e-postadress eller lösenord."));
    }
    // the user's e-mail address stays in the form, and nothing else differs
    let strip = |p: &Page, email: &str, org: &str| {
        p.body
            .replace(email, "E")
            .replace(org, "O")
            .replace(&p.csrf(), "T")
    };
    assert_eq!(
        strip(&pages[0], "komm@alfa.se", "alfa"),
        strip(&pages[1], "ingen@alfa.se", "alfa")
    );
    // all three run one Argon2 verification (tens of ms; skipping it answers in about one): the
    // medians are alike. The bound is wide because this machine's load is shared.
    let median = |v: &mut Vec<std::time::Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let m: Vec<_> = times.iter_mut().map(median).collect();
    eprintln!(
        "median answer: wrong password {:?}, unknown user {:?}, unknown organisation {:?}",
        m[0], m[1], m[2]
    );
    for t in &m[1..] {
        assert!(
            *t * 4 > m[0] && *t < m[0] * 4,
            "timing differs: {t:?} vs wrong password {:?}",
            m[0]
        );
    }
    // each attempt is in the audit chain: 5 rounds x 2 (the unknown organisation has no chain)
    let audit = w.app.store.audit_entries(w.a.id, 0, 1000).await.unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.action == "sign_in_failed")
            .count(),
        10
    );
}

#[tokio::test]
async fn repeated_failures_are_throttled() {
    let w = world().await;
    let mut b = Browser::new(&w.router);
    for _ in 0..insyn_app::auth::MAX_FAILURES {
        assert_eq!(
            b.sign_in("alfa", "red@alfa.se", "gissning gissning")
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
    }
    // now even the right password is refused for a while
    let p = b.sign_in("alfa", "red@alfa.se", PASSWORD).await;
    assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(p.body.contains("För många misslyckade försök"));
    // another address is not affected
    assert_eq!(
        b.sign_in("alfa", "komm@alfa.se", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn forms_need_the_session_token_and_our_origin() {
    let w = world().await;
    let mut b = Browser::new(&w.router);
    let form = b.get("/logga-in").await;
    let csrf = form.csrf();
    let fields = |t: &'static str| {
        vec![
            ("org", "alfa"),
            ("email", "komm@alfa.se"),
            ("password", PASSWORD),
            ("csrf", t),
        ]
    };
    // no token
    let p = b.post("/logga-in", &fields("")[..3], &[]).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(p.body.contains("Formuläret kunde inte skickas"));
    // a wrong token
    assert_eq!(
        b.post("/logga-in", &fields("fel-token"), &[]).await.status,
        StatusCode::FORBIDDEN
    );
    // the right token from another site
    let mut good: Vec<(&str, &str)> = fields("");
    good[3] = ("csrf", &csrf);
    let p = b
        .post(
            "/logga-in",
            &good,
            &[("origin", "https://evil.example"), ("host", "insyn.test")],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = b
        .post("/logga-in", &good, &[("sec-fetch-site", "cross-site")])
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    // a token of another session is no good either
    let mut other = Browser::new(&w.router);
    let other_csrf = other.get("/logga-in").await.csrf();
    assert_ne!(other_csrf, csrf);
    let mut stolen = good.clone();
    stolen[3] = ("csrf", &other_csrf);
    assert_eq!(
        b.post("/logga-in", &stolen, &[]).await.status,
        StatusCode::FORBIDDEN
    );
    // same origin with the token: signed in
    let p = b
        .post(
            "/logga-in",
            &good,
            &[
                ("origin", "http://insyn.test"),
                ("host", "insyn.test"),
                ("sec-fetch-site", "same-origin"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    // none of the refused attempts reached the sign-in
    let audit = w.app.store.audit_entries(w.a.id, 0, 1000).await.unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.action.starts_with("sign"))
            .count(),
        1
    );
    // the token is renewed at sign-in; the old one no longer works
    let home = b.get("/personal").await;
    assert_ne!(home.csrf(), csrf);
    assert_eq!(
        b.post("/logga-ut", &[("csrf", &csrf)], &[]).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_new_session_id_at_sign_in() {
    let w = world().await;
    let mut b = Browser::new(&w.router);
    let form = b.get("/logga-in").await;
    let before = b
        .cookie
        .clone()
        .expect("a session before sign-in (for the CSRF token)");
    let csrf = form.csrf();
    let p = b
        .post(
            "/logga-in",
            &[
                ("csrf", &csrf),
                ("org", "alfa"),
                ("email", "komm@alfa.se"),
                ("password", PASSWORD),
            ],
            &[],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let after = b.cookie.clone().unwrap();
    assert_ne!(
        before, after,
        "session fixation: the id must change at sign-in"
    );
    // an attacker holding the id from before gets nothing
    let mut attacker = Browser {
        router: &w.router,
        cookie: Some(before),
    };
    assert_eq!(
        attacker.get("/personal").await.status,
        StatusCode::SEE_OTHER
    );
    // the cookie's flags
    let form = Browser::new(&w.router).get("/logga-in").await;
    let set = form
        .headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Path=/"),
        "{set}"
    );
    // only the hash of the id is stored
    assert!(
        w.app
            .store
            .load_session(&after, Utc::now())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        w.app
            .store
            .load_session(&insyn_app::auth::session_key(&after), Utc::now())
            .await
            .unwrap()
            .is_some()
    );
}

/// Signs komm@alfa.se in with `b`, opens the start page, and returns the stored session's key.
async fn signed_in_session(b: &mut Browser<'_>) -> String {
    assert_eq!(
        b.sign_in("alfa", "komm@alfa.se", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(b.get("/personal").await.status, StatusCode::OK);
    insyn_app::auth::session_key(b.cookie.as_ref().unwrap())
}

async fn stored_session(w: &World, key: &str) -> insyn_app::auth::StoredSession {
    w.app
        .store
        .load_session(key, Utc::now())
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn an_expired_session_is_gone() {
    let w = world().await;
    let mut b = Browser::new(&w.router);
    let key = signed_in_session(&mut b).await;
    let mut s = stored_session(&w, &key).await;
    s.expires_at = Utc::now() - chrono::Duration::seconds(1);
    w.app.store.save_session(&s).await.unwrap();
    let p = b.get("/personal").await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert!(p.location.unwrap().starts_with("/logga-in"));
    assert_eq!(w.app.purge_sessions(Utc::now()).await.unwrap(), 1);
}

/// The idle limit counts from the last request: a session in use is carried forward (at most
/// every five minutes, so not every page view writes), an unused one still runs out.
#[tokio::test]
async fn a_session_in_use_slides() {
    let w = world().await;
    let mut b = Browser::new(&w.router);
    let key = signed_in_session(&mut b).await;
    let load = || stored_session(&w, &key);
    // signed in almost eight hours ago, last carried forward ten minutes ago
    let mut s = load().await;
    let mut data: serde_json::Value = serde_json::from_str(&s.data).unwrap();
    data["seen"] = serde_json::json!((Utc::now() - chrono::Duration::minutes(10)).timestamp());
    s.data = data.to_string();
    s.expires_at = Utc::now() + chrono::Duration::minutes(2);
    w.app.store.save_session(&s).await.unwrap();

    assert_eq!(b.get("/personal/inkorg").await.status, StatusCode::OK);
    let carried = load().await.expires_at;
    assert!(
        carried > Utc::now() + chrono::Duration::hours(7),
        "the idle limit counts again from now: {carried}"
    );
    // right after, another page does not write the session again
    let mut s = load().await;
    s.expires_at = Utc::now() + chrono::Duration::minutes(30);
    w.app.store.save_session(&s).await.unwrap();
    assert_eq!(b.get("/personal").await.status, StatusCode::OK);
    let expires = load().await.expires_at;
    assert!(
        expires < Utc::now() + chrono::Duration::hours(1),
        "not written again within five minutes: {expires}"
    );
}

#[tokio::test]
async fn a_disabled_user_is_signed_out() {
    let w = world().await;
    let mut b = Browser::new(&w.router);
    assert_eq!(
        b.sign_in("alfa", "red@alfa.se", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let red = w
        .app
        .store
        .user_credentials(w.a.id, "red@alfa.se")
        .await
        .unwrap()
        .user;
    w.app
        .set_user_status(w.a.id, red.id, UserStatus::Disabled, "test")
        .await
        .unwrap();
    assert_eq!(b.get("/personal").await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        b.sign_in("alfa", "red@alfa.se", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn organisations_are_walled_off() {
    let w = world().await;
    let mut b = Browser::new(&w.router);
    // A's user cannot sign in to B, even with A's password
    assert_eq!(
        b.sign_in("beta", "komm@alfa.se", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        b.sign_in("alfa", "komm@alfa.se", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    // A's record opens (and is audited); B's record is not found
    let own = b.get(&format!("/personal/poster/{}", w.a_records[0])).await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(own.body.contains("Hej kommunen"));
    let other = b.get(&format!("/personal/poster/{}", w.b_record)).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    assert!(!other.body.contains("Betas"));
    assert_eq!(
        b.get("/personal/poster/inte-ett-tal").await.status,
        StatusCode::NOT_FOUND
    );
    // the view of a non-public record is in A's audit chain, naming the user; B's chain has nothing
    let audit = w.app.store.audit_entries(w.a.id, 0, 1000).await.unwrap();
    let viewed: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "record_viewed")
        .collect();
    assert_eq!(viewed.len(), 1);
    assert!(viewed[0].actor.contains("komm@alfa.se"));
    assert_eq!(viewed[0].subject, format!("record:{}", w.a_records[0]));
    let b_audit = w.app.store.audit_entries(w.b.id, 0, 1000).await.unwrap();
    assert!(b_audit.iter().all(|e| e.action != "record_viewed"));
}

#[tokio::test]
async fn an_editor_sees_only_the_granted_account_and_no_admin_page() {
    let w = world().await;
    let mut b = Browser::new(&w.router);
    assert_eq!(
        b.sign_in("alfa", "red@alfa.se", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let home = b.get("/personal").await;
    assert!(home.body.contains("alfa-konto-0"));
    assert!(!home.body.contains("alfa-konto-1"));
    assert!(
        home.body.contains("Hej kommunen"),
        "the granted account's records are listed"
    );
    assert!(
        !home.body.contains("Fråga till skolan"),
        "not another account's"
    );
    assert!(
        !home.body.contains("/personal/anvandare"),
        "no link to the users page"
    );
    assert_eq!(
        b.get(&format!("/personal/poster/{}", w.a_records[0]))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        b.get(&format!("/personal/poster/{}", w.a_records[1]))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // the admin page, by GET and by a valid form post
    let p = b.get("/personal/anvandare").await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let csrf = home.csrf();
    let p = b
        .post(
            "/personal/anvandare",
            &[
                ("csrf", &csrf),
                ("email", "ny@alfa.se"),
                ("name", "Ny"),
                ("function", "x"),
                ("role", "administrator"),
            ],
            &[],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = b
        .post(
            "/personal/anvandare/1/behorighet",
            &[("csrf", &csrf), ("role", "administrator")],
            &[],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert_eq!(
        w.app.users(w.a.id).await.unwrap().len(),
        3,
        "nothing was added"
    );
}

#[tokio::test]
async fn the_administrator_adds_a_user_who_can_sign_in() {
    let w = world().await;
    let mut b = Browser::new(&w.router);
    assert_eq!(
        b.sign_in("alfa", "admin@alfa.se", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let page = b.get("/personal/anvandare").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("redaktör") && page.body.contains("red@alfa.se"));
    assert!(
        !page.body.contains("komm@beta.se"),
        "users of another organisation are not shown"
    );
    let csrf = page.csrf();
    let account = w.a_accounts[1].id.to_string();
    let access_key = format!("access_{account}");
    let p = b
        .post(
            "/personal/anvandare",
            &[
                ("csrf", &csrf),
                ("email", "Ny@Alfa.se"),
                ("name", "Nils Nilsson"),
                ("function", "registrator"),
                ("role", "editor"),
                (&access_key, "read"),
                ("password", "ett långt nytt lösenord"),
            ],
            &[],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let ny = w
        .app
        .store
        .user_credentials(w.a.id, "ny@alfa.se")
        .await
        .unwrap()
        .user;
    assert_eq!(ny.roles, vec![Role::Editor]);
    assert_eq!(
        ny.accounts,
        vec![AccountGrant {
            account_id: w.a_accounts[1].id,
            access: AccountAccess::Read
        }]
    );
    // a bad form is answered with what was wrong, and adds nothing
    let p = b
        .post(
            "/personal/anvandare",
            &[
                ("csrf", &csrf),
                ("email", "inte-en-adress"),
                ("name", "X"),
                ("function", "y"),
            ],
            &[],
        )
        .await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(p.body.contains("inte-en-adress"));
    let p = b
        .post(
            "/personal/anvandare",
            &[
                ("csrf", &csrf),
                ("email", "k@alfa.se"),
                ("name", "X"),
                ("function", "y"),
                ("password", "kort"),
            ],
            &[],
        )
        .await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    // a grant on another organisation's account is refused
    let b_account = format!("access_{}", w.b_record.0 + 1000);
    let p = b
        .post(
            &format!("/personal/anvandare/{}/behorighet", ny.id),
            &[("csrf", &csrf), (&b_account, "read")],
            &[],
        )
        .await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    // the administrator cannot lock themself out
    let admin = w
        .app
        .store
        .user_credentials(w.a.id, "admin@alfa.se")
        .await
        .unwrap()
        .user;
    let p = b
        .post(
            &format!("/personal/anvandare/{}/behorighet", admin.id),
            &[("csrf", &csrf), ("role", "editor")],
            &[],
        )
        .await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    // roles of B's user cannot be changed from A
    let beta_user = w
        .app
        .store
        .user_credentials(w.b.id, "komm@beta.se")
        .await
        .unwrap()
        .user;
    let p = b
        .post(
            &format!("/personal/anvandare/{}/behorighet", beta_user.id),
            &[("csrf", &csrf), ("role", "administrator")],
            &[],
        )
        .await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        w.app
            .store
            .get_user(w.b.id, beta_user.id)
            .await
            .unwrap()
            .roles,
        vec![Role::Communicator]
    );
    // the new user signs in and sees the one account granted
    let mut nb = Browser::new(&w.router);
    assert_eq!(
        nb.sign_in("alfa", "ny@alfa.se", "ett långt nytt lösenord")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let home = nb.get("/personal").await;
    assert!(home.body.contains("alfa-konto-1") && !home.body.contains("alfa-konto-0"));
    let audit = w.app.store.audit_entries(w.a.id, 0, 1000).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "user_created" && e.actor.contains("admin@alfa.se"))
    );
}

#[tokio::test]
async fn no_open_redirects_and_security_headers() {
    let w = world().await;
    let mut b = Browser::new(&w.router);
    let form = b.get("/logga-in?next=//evil.example/x").await;
    assert!(!form.body.contains("evil.example"));
    for (name, want) in [
        ("content-security-policy", "frame-ancestors 'none'"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
        ("cache-control", "no-store"),
    ] {
        let v = form
            .headers
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing"))
            .to_str()
            .unwrap();
        assert!(v.contains(want), "{name}: {v}");
    }
    let csrf = form.csrf();
    for evil in ["//evil.example", "https://evil.example/", "/\\evil.example"] {
        let mut b2 = Browser::new(&w.router);
        let csrf2 = b2.get("/logga-in").await.csrf();
        let p = b2
            .post(
                "/logga-in",
                &[
                    ("csrf", &csrf2),
                    ("org", "alfa"),
                    ("email", "komm@alfa.se"),
                    ("password", PASSWORD),
                    ("next", evil),
                ],
                &[],
            )
            .await;
        assert_eq!(p.location.as_deref(), Some("/personal"), "{evil}");
    }
    let _ = csrf;
}

#[tokio::test]
async fn sign_in_over_a_real_port() {
    let w = world().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(insyn_web::serve(w.app.clone(), listener, async {
        let _ = stopped.await;
    }));
    let base = format!("http://{addr}");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let cookie_of = |r: &reqwest::Response| {
        r.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok()?.strip_prefix("insyn_session="))
            .map(|v| v.split(';').next().unwrap().to_string())
            .next()
    };
    let form = http.get(format!("{base}/logga-in")).send().await.unwrap();
    let cookie = cookie_of(&form).unwrap();
    let body = form.text().await.unwrap();
    let at = body.find("name=\"csrf\" value=\"").unwrap() + "name=\"csrf\" value=\"".len();
    let csrf = &body[at..at + body[at..].find('"').unwrap()];
    let post = |origin: String| {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("csrf", csrf),
                ("org", "alfa"),
                ("email", "komm@alfa.se"),
                ("password", PASSWORD),
            ])
            .finish();
        http.post(format!("{base}/logga-in"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", format!("insyn_session={cookie}"))
            .header("origin", origin)
            .header("sec-fetch-site", "same-origin")
            .body(body)
            .send()
    };
    // another port on the same host is another origin
    let other = post(format!("http://127.0.0.1:{}", addr.port() + 1))
        .await
        .unwrap();
    assert_eq!(other.status(), reqwest::StatusCode::FORBIDDEN);
    let ok = post(base.clone()).await.unwrap();
    assert_eq!(ok.status(), reqwest::StatusCode::SEE_OTHER);
    let signed_in = cookie_of(&ok).unwrap();
    assert_ne!(signed_in, cookie);
    let home = http
        .get(format!("{base}/personal"))
        .header("cookie", format!("insyn_session={signed_in}"))
        .send()
        .await
        .unwrap();
    assert_eq!(home.status(), reqwest::StatusCode::OK);
    assert!(home.text().await.unwrap().contains("alfa-konto-0"));
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

#[tokio::test]
async fn every_page_that_shows_non_public_records_is_in_the_access_log() {
    let w = world().await;
    for (org, email) in [(w.a.id, "dso@alfa.se"), (w.b.id, "dso@beta.se")] {
        w.app
            .create_user(
                org,
                &user(email, &[Role::DataProtectionOfficer], &[]),
                Some(PASSWORD),
                "test",
            )
            .await
            .unwrap();
    }
    // one of A's two records is released: public, not logged
    w.app
        .classify(
            w.a.id,
            w.a_records[1],
            Classification::Released,
            "test",
            "test",
        )
        .await
        .unwrap();
    let mut b = Browser::new(&w.router);
    assert_eq!(
        b.sign_in("alfa", "komm@alfa.se", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let head = w.app.store.audit_head(w.a.id).await.unwrap();
    let home = b.get("/personal").await;
    assert!(home.body.contains("Hej kommunen") && home.body.contains("Fråga till skolan"));
    let inbox = b.get("/personal/inkorg?konto=").await;
    assert_eq!(inbox.status, StatusCode::OK);
    assert!(inbox.body.contains("Hej kommunen"));
    // a view changes nothing: the audit head (the organisation's change mark) stays
    assert_eq!(w.app.store.audit_head(w.a.id).await.unwrap(), head);
    let all = AccessFilter {
        limit: 100,
        ..Default::default()
    };
    let log = w.app.access_log_admin(w.a.id, &all).await.unwrap();
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(log[0].via, AccessVia::Inbox);
    assert_eq!(log[0].detail, "konto=");
    assert_eq!(log[1].via, AccessVia::Home);
    for e in &log {
        assert_eq!(e.actor, "komm@alfa.se");
        assert_eq!(
            e.records,
            vec![w.a_records[0]],
            "the released record is not logged"
        );
    }
    // opening the record page logs the opening (and the thread around it)
    assert_eq!(
        b.get(&format!("/personal/poster/{}", w.a_records[0]))
            .await
            .status,
        StatusCode::OK
    );
    let opened = w
        .app
        .access_log_admin(
            w.a.id,
            &AccessFilter {
                record: Some(w.a_records[0]),
                ..all.clone()
            },
        )
        .await
        .unwrap();
    assert!(opened.iter().any(|e| e.via == AccessVia::Record));
    // the communicator may not read the log, nor an editor
    let denied = b.get("/personal/atkomstlogg").await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert!(!denied.body.contains("komm@alfa.se"));
    // the data protection officer may, filtered by record and user
    let mut dso = Browser::new(&w.router);
    assert_eq!(
        dso.sign_in("alfa", "dso@alfa.se", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let page = dso
        .get(&format!(
            "/personal/atkomstlogg?post={}&anvandare=komm%40alfa.se",
            w.a_records[0]
        ))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Åtkomstlogg"));
    assert!(page.body.contains("komm@alfa.se") && page.body.contains("inkorgen"));
    assert!(
        page.body
            .contains(&format!("/personal/poster/{}", w.a_records[0]))
    );
    let bad = dso.get("/personal/atkomstlogg?post=abc").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("abc") && bad.body.contains("är inget postnummer"));
    // B's data protection officer sees none of A's accesses
    let mut other = Browser::new(&w.router);
    assert_eq!(
        other.sign_in("beta", "dso@beta.se", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let theirs = other.get("/personal/atkomstlogg").await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert!(!theirs.body.contains("komm@alfa.se"));
    assert!(theirs.body.contains("Ingen åtkomst matchar."));
}
