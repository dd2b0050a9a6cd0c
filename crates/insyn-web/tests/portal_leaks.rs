//! The public portal tried hard (issue 6), in-process on a real SQLite store and search index:
//! nothing unreleased, secret, under review, deleted, of another organisation or staff-only
//! reaches a public page — through search words that match the hidden text, paging, sorting,
//! direct ids, thread context, versions, comparisons and the print view. Each test first proves
//! that the hidden text is in the store. Then bad input (a clear 400/404 page, never a 500), the
//! rate limit (a Swedish 429 page), the release policy sweep and the staff release action.
mod common;
use axum::Router;
use axum::http::StatusCode;
use chrono::{Duration, Utc};
use common::Browser;
use insyn_app::{App, AppConfig, S3Settings, SearchBackend};
use insyn_domain::*;
use insyn_web::StaffConfig;
use insyn_web::portal::ratelimit::RateLimiter;

const PASSWORD: &str = "rätt häst batteri 42";

/// Hidden words, each only in one non-public record.
const HIDDEN: &[(&str, &str)] = &[
    ("unassessed", "obedömdordet"),
    ("secret", "sekretessordet"),
    ("under_review", "granskningsordet"),
    ("deleted", "raderatordet"),
    ("finding", "fyndordet"),
    ("message", "meddelandeordet"),
    ("withdrawn", "tillbakaordet"),
];

struct World {
    app: App,
    router: Router,
    a: Organisation,
    b: Organisation,
    acc: Account,
    b_acc: Account,
    post: RecordId,
    /// The received comment a person released, with a private author's name.
    released: RecordId,
    /// The record that has two versions.
    edited: RecordId,
    hidden: Vec<(&'static str, &'static str, RecordId)>,
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
                name: "Kultur och fritid".into(),
                email: None,
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
                handle: format!("{slug}-badhuset"),
                url: format!("https://facebook.com/{slug}badhuset"),
                platform_id: "1".into(),
                purpose: "Information om badhuset".into(),
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
    let a = app
        .set_account_status(o.id, a.id, AccountStatus::Active, "test")
        .await
        .unwrap();
    (o, a)
}

fn item(account: AccountId, id: &str, text: &str, author: &str, minutes: i64) -> CaptureItem {
    CaptureItem {
        account_id: account,
        platform_item_id: id.into(),
        kind: ItemKind::Comment,
        direction: Direction::Received,
        parent_platform_id: Some("p1".into()),
        thread_platform_id: Some("p1".into()),
        author_name: author.into(),
        author_platform_id: format!("u-{id}"),
        available_at: Utc::now() - Duration::minutes(minutes),
        platform_time: None,
        text: text.into(),
        media: vec![],
        raw_blob: None,
        raw_pointer: String::new(),
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
    let (a, acc) = org(&app, "alfa").await;
    let (b, b_acc) = org(&app, "beta").await;
    let mut post = item(
        acc.id,
        "p1",
        "Badhuset öppnar igen på måndag.",
        "Alfa kommun",
        100,
    );
    post.direction = Direction::Created;
    post.kind = ItemKind::Post;
    post.parent_platform_id = None;
    post.thread_platform_id = None;
    let mut message = item(
        acc.id,
        "m1",
        "Privat fråga om badhuset meddelandeordet",
        "Mona",
        5,
    );
    message.kind = ItemKind::Message;
    message.parent_platform_id = None;
    message.thread_platform_id = None;
    let items = vec![
        post,
        item(
            acc.id,
            "c1",
            "Tack för badhuset, vad bra!",
            "Karin Privatperson",
            90,
        ),
        item(acc.id, "c2", "Badhuset lugnt", "Olle", 80),
        item(acc.id, "c3", "Badhuset sekretessordet", "Sara", 70),
        item(acc.id, "c4", "Badhuset granskningsordet", "Gun", 60),
        item(acc.id, "c5", "Badhuset raderatordet", "Rut", 50),
        item(
            acc.id,
            "c6",
            "Badhuset fyndordet ring mig på 070-123 45 67",
            "Fia",
            40,
        ),
        item(acc.id, "c7", "Badhuset rent och fint", "Ebba", 30),
        item(acc.id, "c8", "Badhuset tillbakaordet", "Tor", 20),
        message,
        item(acc.id, "e1", "Badhuset stänger klockan 18", "Eva", 15),
    ];
    let ids = app
        .store
        .capture(a.id, &items, "capture")
        .await
        .unwrap()
        .record_ids;
    // the edit: a second version of e1
    let mut edit = items[10].clone();
    edit.text = "Badhuset stänger klockan 20".into();
    app.store.capture(a.id, &[edit], "capture").await.unwrap();
    let b_ids = app
        .store
        .capture(
            b.id,
            &[item(
                b_acc.id,
                "x1",
                "Badhuset betaordet",
                "Beta Person",
                10,
            )],
            "capture",
        )
        .await
        .unwrap()
        .record_ids;
    app.screen_pending().await.unwrap();
    // alfa: own posts and clean received comments are released by the policy
    app.set_release_policy(
        a.id,
        &ReleasePolicy {
            auto_release_received_clean: true,
            ..ReleasePolicy::default()
        },
        "admin",
    )
    .await
    .unwrap();
    // before the sweep, people decide on some records (the sweep leaves those alone)
    app.classify(a.id, ids[3], Classification::Secret, "OSL", "anna")
        .await
        .unwrap();
    app.classify(a.id, ids[4], Classification::UnderReview, "begäran", "anna")
        .await
        .unwrap();
    app.release_record(a.id, ids[5], "granskad", "anna")
        .await
        .unwrap();
    app.record_deletion_seen(a.id, ids[5], "404 from the platform", "capture")
        .await
        .unwrap();
    app.release_record(a.id, ids[8], "granskad", "anna")
        .await
        .unwrap();
    app.withdraw_record(a.id, ids[8], "felaktigt utlämnad", "anna")
        .await
        .unwrap();
    let sweep = app.apply_release_policy(a.id).await.unwrap();
    assert!(sweep.released >= 4, "post, c1, c7, e1: {sweep:?}");
    assert_eq!(sweep.held.get("findings"), Some(&1), "{sweep:?}");
    assert_eq!(sweep.held.get("private_message"), Some(&1), "{sweep:?}");
    // a comment that arrives after the sweep: unassessed and not yet screened, so it waits
    let late = app
        .store
        .capture(
            a.id,
            &[item(acc.id, "c9", "Badhuset obedömdordet", "Olle", 1)],
            "capture",
        )
        .await
        .unwrap()
        .record_ids[0];
    app.sync_search().await.unwrap();
    let again = app.apply_release_policy(a.id).await.unwrap();
    assert_eq!(again.released, 0, "{again:?}");
    assert_eq!(again.held.get("not_screened"), Some(&1), "{again:?}");
    // beta: released everything (another organisation's released record must still not show)
    app.set_release_policy(
        b.id,
        &ReleasePolicy {
            auto_release_received_clean: true,
            ..ReleasePolicy::default()
        },
        "admin",
    )
    .await
    .unwrap();
    app.apply_release_policy(b.id).await.unwrap();
    let router = insyn_web::router_full(app.clone(), StaffConfig::default(), None);
    let hidden = vec![
        ("unassessed", "obedömdordet", late),
        ("secret", "sekretessordet", ids[3]),
        ("under_review", "granskningsordet", ids[4]),
        ("deleted", "raderatordet", ids[5]),
        ("finding", "fyndordet", ids[6]),
        ("message", "meddelandeordet", ids[9]),
        ("withdrawn", "tillbakaordet", ids[8]),
    ];
    assert_eq!(hidden.len(), HIDDEN.len());
    World {
        app,
        router,
        a,
        b,
        acc,
        b_acc,
        post: ids[0],
        released: ids[1],
        edited: ids[10],
        hidden,
        b_record: b_ids[0],
        _dir: dir,
    }
}

/// The results part of a search page (the form above it repeats the search words).
fn results(body: &str) -> &str {
    body.find("id=\"traffar\"")
        .map(|at| &body[at..])
        .unwrap_or("")
}

async fn get(w: &World, path: &str) -> common::Page {
    Browser::new(&w.router).get(path).await
}

/// Every public page that could show a record, for one id.
fn record_paths(slug: &str, id: RecordId) -> Vec<String> {
    vec![
        format!("/org/{slug}/handling/{id}"),
        format!("/org/{slug}/handling/{id}/utskrift"),
        format!("/org/{slug}/handling/{id}/jamfor"),
        format!("/org/{slug}/handling/{id}/jamfor?a=1&b=2"),
        format!("/org/{slug}/handling/{id}?lang=en"),
    ]
}

#[tokio::test]
async fn hidden_records_exist_but_never_reach_the_portal() {
    let w = world().await;
    for (what, word, id) in &w.hidden {
        // the hidden text is in the store, and staff search finds it
        let r = w.app.store.get_record(w.a.id, *id).await.unwrap();
        assert!(r.text.contains(word), "{what}: the store holds the text");
        assert!(!is_public(&r), "{what}");
        let staff = w
            .app
            .search(&SearchQuery::new(w.a.id, *word))
            .await
            .unwrap();
        assert_eq!(staff.total, 1, "{what}: the index holds it");
        // public search by the hidden word, in every order and direction
        for extra in [
            "",
            "&ordning=nyast",
            "&riktning=inkommen",
            "&lang=en",
            "&sida=1",
        ] {
            let page = get(&w, &format!("/org/alfa/sok?q={word}{extra}")).await;
            assert_eq!(page.status, StatusCode::OK, "{what}{extra}");
            assert!(
                !results(&page.body).contains(word),
                "{what}{extra}: {}",
                page.body
            );
            assert!(
                page.body.contains(">0 träffar") || page.body.contains(">0 results"),
                "{what}{extra}"
            );
        }
        // direct ids: record, print, compare
        for path in record_paths("alfa", *id) {
            let page = get(&w, &path).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{what}: {path}");
            assert!(!page.body.contains(word), "{what}: {path}");
        }
    }
}

#[tokio::test]
async fn browsing_every_page_of_every_order_shows_only_public_records() {
    let w = world().await;
    let mut seen = std::collections::BTreeSet::new();
    for order in ["nyast", "relevans"] {
        for q in ["", "badhuset", "Badhuset"] {
            let mut sida = 1;
            loop {
                let page = get(
                    &w,
                    &format!("/org/alfa/sok?q={q}&ordning={order}&sida={sida}"),
                )
                .await;
                assert_eq!(page.status, StatusCode::OK);
                for (_, word) in HIDDEN {
                    assert!(
                        !results(&page.body).contains(word),
                        "{order} {q} page {sida}"
                    );
                }
                assert!(!results(&page.body).contains("betaordet"));
                for part in page.body.split("/org/alfa/handling/").skip(1) {
                    let id: String = part.chars().take_while(|c| c.is_ascii_digit()).collect();
                    seen.insert(id.parse::<i64>().unwrap());
                }
                if !page.body.contains("rel=\"next\"") {
                    break;
                }
                sida += 1;
                assert!(sida < 10, "paging ends");
            }
        }
    }
    for (what, _, id) in &w.hidden {
        assert!(!seen.contains(&id.0), "{what} listed");
    }
    assert!(seen.contains(&w.post.0) && seen.contains(&w.released.0));
    // paging far past the end: an empty page, not an error and not other records
    let page = get(&w, "/org/alfa/sok?q=badhuset&sida=400").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Inga utlämnade handlingar"));
}

#[tokio::test]
async fn another_organisation_is_a_wall() {
    let w = world().await;
    let r = w.app.store.get_record(w.b.id, w.b_record).await.unwrap();
    assert!(is_public(&r), "beta released it on its own portal");
    let own = get(&w, "/org/beta/sok?q=betaordet").await;
    assert!(
        results(&own.body).contains("betaordet"),
        "beta's portal shows it"
    );
    // through alfa: search, direct id, print, compare, account filter
    let page = get(&w, "/org/alfa/sok?q=betaordet").await;
    assert!(results(&page.body).contains(">0 träffar"));
    assert!(!results(&page.body).contains("betaordet"));
    for path in record_paths("alfa", w.b_record) {
        let page = get(&w, &path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!page.body.contains("betaordet"));
    }
    let page = get(
        &w,
        &format!("/org/alfa/sok?q=badhuset&konto={}", w.b_acc.id),
    )
    .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(!page.body.contains("betaordet"));
    // alfa's register shows none of beta's accounts
    let reg = get(&w, "/org/alfa").await;
    assert!(reg.body.contains("alfa-badhuset") && !reg.body.contains("beta-badhuset"));
}

#[tokio::test]
async fn thread_context_versions_and_staff_metadata_stay_public_only() {
    let w = world().await;
    // a colleague handles the released comment: staff-only metadata now exists
    let user = w
        .app
        .create_user(
            w.a.id,
            &NewUser {
                email: "greta@alfa.se".into(),
                name: "Greta Handläggarsson".into(),
                function: "kommunikatör".into(),
                roles: vec![Role::Communicator],
                accounts: vec![],
            },
            Some(PASSWORD),
            "test",
        )
        .await
        .unwrap();
    w.app
        .store
        .change_handling(
            w.a.id,
            w.released,
            &HandlingChange {
                state: HandlingState::Assigned,
                assignee: Some(user.id),
                answer: None,
                note: "internanteckningen".into(),
            },
            "greta",
        )
        .await
        .unwrap();
    let findings = w
        .app
        .store
        .record_findings(w.a.id, w.hidden[4].2)
        .await
        .unwrap();
    assert!(!findings.is_empty(), "the finding exists");
    // the post's page: its thread holds only public replies
    let page = get(&w, &format!("/org/alfa/handling/{}", w.post)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Tack för badhuset"),
        "a released reply is context"
    );
    assert!(
        page.body.contains("rent och fint"),
        "a policy-released reply is context"
    );
    for (what, word) in HIDDEN {
        assert!(!page.body.contains(word), "{what} in the thread");
    }
    // the released comment: no private name, no handling, no assignee, no note, no findings
    let page = get(&w, &format!("/org/alfa/handling/{}", w.released)).await;
    assert_eq!(page.status, StatusCode::OK);
    for staff_only in [
        "Karin",
        "Privatperson\u{0020}Karin",
        "Greta",
        "internanteckningen",
        "tilldelad",
        "u-c1",
        "offentliggjord",
        "070-123",
        "telefonnummer",
    ] {
        assert!(!page.body.contains(staff_only), "{staff_only} leaked");
    }
    assert!(page.body.contains("Privatperson (namnet visas inte)"));
    assert!(
        page.body.contains("Badhuset öppnar igen"),
        "the parent it answers"
    );
    // the authority's own name is shown
    let page = get(&w, &format!("/org/alfa/handling/{}", w.post)).await;
    assert!(page.body.contains("Alfa kommun"));
    // versions and the comparison of the edited record
    let page = get(&w, &format!("/org/alfa/handling/{}", w.edited)).await;
    assert!(page.body.contains("klockan 20") && !page.body.contains("Eva"));
    let cmp = get(
        &w,
        &format!("/org/alfa/handling/{}/jamfor?a=1&b=2", w.edited),
    )
    .await;
    assert_eq!(cmp.status, StatusCode::OK);
    assert!(
        cmp.body
            .contains("<del><span class=\"visually-hidden\">[borttaget: </span>18")
    );
    assert!(
        cmp.body
            .contains("<ins><span class=\"visually-hidden\">[tillagt: </span>20")
    );
    let print = get(&w, &format!("/org/alfa/handling/{}/utskrift", w.released)).await;
    assert_eq!(print.status, StatusCode::OK);
    assert!(print.body.contains("Utskrift av allmän handling") && !print.body.contains("Karin"));
    // the record page links to the print view, the PDF copy and the request form
    let page = get(&w, &format!("/org/alfa/handling/{}", w.released)).await;
    for link in [
        format!("/org/alfa/handling/{}/utskrift", w.released),
        format!("/org/alfa/handling/{}/kopia.pdf", w.released),
        format!("/org/alfa/begaran?handling={}", w.released),
    ] {
        assert!(page.body.contains(&link), "{link}");
    }
}

#[tokio::test]
async fn bad_input_gets_a_clear_page_never_a_500() {
    let w = world().await;
    let long = "a".repeat(5000);
    let cases: Vec<(String, StatusCode, &str)> = vec![
        (
            "/org/alfa/sok?q=%zz%ff%C3".into(),
            StatusCode::OK,
            "Träffar",
        ),
        (
            format!("/org/alfa/sok?q={long}"),
            StatusCode::BAD_REQUEST,
            "för lång",
        ),
        (
            format!("/org/alfa/sok?q={}", "ö".repeat(201)),
            StatusCode::BAD_REQUEST,
            "högst 200 tecken",
        ),
        (
            "/org/alfa/sok?q=x&sida=0".into(),
            StatusCode::BAD_REQUEST,
            "Sidnumret",
        ),
        (
            "/org/alfa/sok?q=x&sida=-1".into(),
            StatusCode::BAD_REQUEST,
            "Sidnumret",
        ),
        (
            "/org/alfa/sok?q=x&sida=abc".into(),
            StatusCode::BAD_REQUEST,
            "Sidnumret",
        ),
        (
            "/org/alfa/sok?q=x&sida=99999999999999999999999999".into(),
            StatusCode::BAD_REQUEST,
            "Sidnumret",
        ),
        (
            "/org/alfa/sok?q=x&sida=18446744073709551615".into(),
            StatusCode::BAD_REQUEST,
            "Sidnumret",
        ),
        (
            "/org/alfa/sok?q=x&sida=501".into(),
            StatusCode::BAD_REQUEST,
            "10000",
        ),
        (
            "/org/alfa/sok?fran=2026-13-01".into(),
            StatusCode::BAD_REQUEST,
            "ÅÅÅÅ-MM-DD",
        ),
        (
            "/org/alfa/sok?fran=2026-05-01&till=2026-01-01".into(),
            StatusCode::BAD_REQUEST,
            "ÅÅÅÅ-MM-DD",
        ),
        (
            "/org/alfa/sok?till=99999-01-01".into(),
            StatusCode::BAD_REQUEST,
            "ÅÅÅÅ-MM-DD",
        ),
        (
            "/org/alfa/sok?konto=abc".into(),
            StatusCode::BAD_REQUEST,
            "Kontot",
        ),
        (
            "/org/alfa/sok?konto=999999".into(),
            StatusCode::BAD_REQUEST,
            "Kontot",
        ),
        (
            "/org/alfa/sok?riktning=sidled".into(),
            StatusCode::BAD_REQUEST,
            "Typen",
        ),
        (
            "/org/alfa/sok?ordning=slump".into(),
            StatusCode::BAD_REQUEST,
            "Ordningen",
        ),
        (
            "/org/alfa/sok?q=%22oavslutad".into(),
            StatusCode::BAD_REQUEST,
            "citattecken",
        ),
        ("/org/alfa/sok?q=---%22%22***((".into(), StatusCode::OK, ""),
        (
            "/org/alfa/sok?q=x&lang=en&sida=0".into(),
            StatusCode::BAD_REQUEST,
            "Pages start at 1",
        ),
        (
            "/org/alfa/handling/0".into(),
            StatusCode::NOT_FOUND,
            "finns inte",
        ),
        (
            "/org/alfa/handling/-5".into(),
            StatusCode::NOT_FOUND,
            "finns inte",
        ),
        (
            "/org/alfa/handling/abc".into(),
            StatusCode::NOT_FOUND,
            "finns inte",
        ),
        (
            "/org/alfa/handling/99999999999999999999".into(),
            StatusCode::NOT_FOUND,
            "finns inte",
        ),
        (
            "/org/alfa/handling/9223372036854775807".into(),
            StatusCode::NOT_FOUND,
            "finns inte",
        ),
        (
            "/org/alfa/handling/999999/utskrift".into(),
            StatusCode::NOT_FOUND,
            "finns inte",
        ),
        (
            "/org/okand/sok?q=x".into(),
            StatusCode::NOT_FOUND,
            "finns inte",
        ),
        ("/org/OKÄND".into(), StatusCode::NOT_FOUND, "finns inte"),
        (
            "/org/alfa/tillganglighet?lang=xx".into(),
            StatusCode::OK,
            "Tillgänglighetsredogörelse",
        ),
    ];
    for (path, status, text) in cases {
        let page = get(&w, &path).await;
        assert_eq!(
            page.status,
            status,
            "{path}: {}",
            &page.body[..page.body.len().min(400)]
        );
        assert!(page.body.contains(text), "{path} should say {text}");
        assert!(page.body.contains("<html lang="), "{path}: an HTML page");
    }
    let cmp = get(
        &w,
        &format!("/org/alfa/handling/{}/jamfor?a=1&b=99", w.edited),
    )
    .await;
    assert_eq!(cmp.status, StatusCode::BAD_REQUEST);
    assert!(cmp.body.contains("Versionerna finns inte"));
    let cmp = get(&w, &format!("/org/alfa/handling/{}/jamfor?a=x", w.edited)).await;
    assert_eq!(cmp.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn flooding_gets_the_swedish_429_page() {
    let w = world().await;
    let router = insyn_web::router_full(
        w.app.clone(),
        StaffConfig::default(),
        RateLimiter::new(60, 3),
    );
    let mut b = Browser::new(&router);
    for _ in 0..3 {
        assert_eq!(
            b.get("/org/alfa/sok?q=badhuset").await.status,
            StatusCode::OK
        );
    }
    let page = b.get("/org/alfa/sok?q=badhuset").await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.body.contains("För många förfrågningar"));
    assert!(page.headers.get("retry-after").is_some());
    let en = b.get("/org/alfa?lang=en").await;
    assert!(en.body.contains("Too many requests"));
    // the health check is not the portal's and is not limited
    assert_eq!(b.get("/health").await.status, StatusCode::OK);
}

#[tokio::test]
async fn register_page_describes_accounts_records_and_profile_texts() {
    let w = world().await;
    let page = get(&w, "/org/alfa").await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        "alfa-badhuset",
        "https://facebook.com/alfabadhuset",
        "Kultur och fritid",
        "Information om badhuset",
        "mån–fre 08:00–16:30",
        "8 arbetstimmar",
        "aktivt",
        "Inga gallringsbeslut",
        "inkomna kommentarer där granskningen inte hittat något känsligt",
        "en verksamhet inom alfa kommun",
        "blir allmänna handlingar hos alfa kommun",
        "/org/alfa/begaran",
    ] {
        assert!(page.body.contains(text), "register page lacks {text}");
    }
    // counts come from the data: 1 created, 11 received on the account
    assert!(page.body.contains("1 / 11"), "record counts");
    let en = get(&w, "/org/alfa?lang=en").await;
    assert!(en.body.contains("Our accounts") && en.body.contains("lang=\"en\""));
    let home = get(&w, "/").await;
    assert!(home.body.contains("/org/alfa") && home.body.contains("/org/beta"));
}

#[tokio::test]
async fn register_page_names_the_disposal_rules_in_force() {
    let w = world().await;
    w.app
        .store
        .add_disposal_rule(
            w.a.id,
            &NewDisposalRule {
                decision: DisposalDecision {
                    reference: "KS 2026/123".into(),
                    decided_on: chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
                    body: "Kommunstyrelsen".into(),
                },
                class: RecordClass::ReceivedComments,
                account: Some(w.acc.id),
                retention_months: 24,
                only_after_archived: true,
            },
            "test",
        )
        .await
        .unwrap();
    let page = get(&w, "/org/alfa").await;
    for text in [
        "Gallring enligt beslut KS 2026/123 (Kommunstyrelsen, 2026-03-02)",
        "inkomna inlägg och kommentarer på kontot alfa-badhuset gallras 24 månader",
        "först när de har levererats till e-arkivet",
    ] {
        assert!(page.body.contains(text), "register page lacks {text}");
    }
    assert!(!page.body.contains("Inga gallringsbeslut"));
    let en = get(&w, "/org/alfa?lang=en").await;
    assert!(
        en.body.contains("Disposal under decision KS 2026/123"),
        "English"
    );
    // another organisation's rules are not shown
    let beta = get(&w, "/org/beta").await;
    assert!(!beta.body.contains("KS 2026/123") && beta.body.contains("Inga gallringsbeslut"));
}

#[tokio::test]
async fn staff_release_and_withdraw_follow_at_once() {
    let w = world().await;
    for (email, roles) in [
        ("kom@alfa.se", vec![Role::Communicator]),
        ("red@alfa.se", vec![Role::Editor]),
    ] {
        w.app
            .create_user(
                w.a.id,
                &NewUser {
                    email: email.into(),
                    name: "Anna Andersson".into(),
                    function: "kommunikatör".into(),
                    roles,
                    accounts: vec![AccountGrant {
                        account_id: w.acc.id,
                        access: AccountAccess::Answer,
                    }],
                },
                Some(PASSWORD),
                "test",
            )
            .await
            .unwrap();
    }
    let (_, word, id) = w.hidden[0];
    let search = format!("/org/alfa/sok?q={word}");
    assert!(!results(&get(&w, &search).await.body).contains(word));
    // an editor may not release
    let mut ed = Browser::new(&w.router);
    ed.sign_in("alfa", "red@alfa.se", PASSWORD).await;
    let page = ed.get(&format!("/personal/poster/{id}")).await;
    assert!(
        !page.body.contains("/portal\""),
        "no release form for an editor"
    );
    let csrf = page.csrf();
    let refused = ed
        .post(
            &format!("/personal/poster/{id}/portal"),
            &[("csrf", &csrf), ("action", "release"), ("reason", "x")],
            &[],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // the communicator releases: the portal shows it at once
    let mut kom = Browser::new(&w.router);
    kom.sign_in("alfa", "kom@alfa.se", PASSWORD).await;
    let page = kom.get(&format!("/personal/poster/{id}")).await;
    assert!(page.body.contains(&format!("/personal/poster/{id}/portal")));
    let csrf = page.csrf();
    // without the CSRF token: refused
    let no_csrf = kom
        .post(
            &format!("/personal/poster/{id}/portal"),
            &[("action", "release"), ("reason", "granskad")],
            &[],
        )
        .await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    assert!(!results(&get(&w, &search).await.body).contains(word));
    let done = kom
        .post(
            &format!("/personal/poster/{id}/portal"),
            &[
                ("csrf", &csrf),
                ("action", "release"),
                ("reason", "granskad, inget känsligt"),
            ],
            &[],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert!(
        results(&get(&w, &search).await.body).contains(word),
        "search follows at once"
    );
    assert_eq!(
        get(&w, &format!("/org/alfa/handling/{id}")).await.status,
        StatusCode::OK
    );
    let events = w.app.record_events(w.a.id, id).await.unwrap();
    let last = events.last().unwrap();
    assert_eq!(last.kind, RecordEventKind::Classified);
    assert_eq!(last.detail["reason"], "granskad, inget känsligt");
    let (seq, _) = w.app.store.audit_head(w.a.id).await.unwrap();
    let entries = w
        .app
        .store
        .audit_entries(w.a.id, seq - 5, 10)
        .await
        .unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e.action == "record_classified" && e.subject == format!("record:{id}"))
    );
    // and withdraws it
    let page = kom.get(&format!("/personal/poster/{id}")).await;
    let csrf = page.csrf();
    let done = kom
        .post(
            &format!("/personal/poster/{id}/portal"),
            &[("csrf", &csrf), ("action", "withdraw"), ("reason", "fel")],
            &[],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert!(!results(&get(&w, &search).await.body).contains(word));
    assert_eq!(
        get(&w, &format!("/org/alfa/handling/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    // the sweep does not bring a withdrawn record back
    w.app.apply_release_policy(w.a.id).await.unwrap();
    assert!(!results(&get(&w, &search).await.body).contains(word));
}

/// Behind a trusted reverse proxy each client has its own bucket (from `X-Forwarded-For`);
/// without trust, the header changes nothing and a flood is still one client.
#[tokio::test]
async fn rate_limits_follow_the_client_behind_a_trusted_proxy() {
    use axum::extract::ConnectInfo;
    use insyn_web::client_addr::TrustedProxies;
    use tower::ServiceExt;
    let w = world().await;
    async fn hit(router: &Router, peer: &str, forwarded: &str) -> StatusCode {
        let mut req = axum::http::Request::get("/org/alfa/sok?q=badhuset")
            .header("x-forwarded-for", forwarded)
            .body(axum::body::Body::empty())
            .unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(peer.parse::<std::net::SocketAddr>().unwrap()));
        router.clone().oneshot(req).await.unwrap().status()
    }
    let limited = || {
        insyn_web::router_full(
            w.app.clone(),
            StaffConfig::default(),
            RateLimiter::new(60, 3),
        )
    };

    let proxied = insyn_web::behind(limited(), TrustedProxies::parse(&["127.0.0.1"]).unwrap());
    for _ in 0..3 {
        assert_eq!(
            hit(&proxied, "127.0.0.1:4000", "203.0.113.1").await,
            StatusCode::OK
        );
    }
    assert_eq!(
        hit(&proxied, "127.0.0.1:4000", "203.0.113.1").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // another member of the public behind the same proxy is not held back
    assert_eq!(
        hit(&proxied, "127.0.0.1:4000", "203.0.113.2").await,
        StatusCode::OK
    );
    // a client cannot dodge its bucket by sending its own header through the proxy
    assert_eq!(
        hit(&proxied, "127.0.0.1:4000", "198.51.100.99, 203.0.113.1").await,
        StatusCode::TOO_MANY_REQUESTS
    );

    // nobody trusted: a direct client inventing addresses is still one client
    let direct = insyn_web::behind(limited(), TrustedProxies::default());
    for n in 0..3 {
        assert_eq!(
            hit(&direct, "198.51.100.7:5000", &format!("192.0.2.{n}")).await,
            StatusCode::OK
        );
    }
    assert_eq!(
        hit(&direct, "198.51.100.7:5000", "192.0.2.200").await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn the_search_page_account_list_is_per_organisation_and_follows_changes() {
    let w = world().await;
    let page = get(&w, "/org/alfa/sok?q=badhuset").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("alfa-badhuset"));
    let beta = get(&w, "/org/beta/sok?q=badhuset").await;
    assert!(beta.body.contains("beta-badhuset"));
    assert!(
        !beta.body.contains("alfa-badhuset"),
        "another organisation's accounts"
    );
    // a new account reaches the (briefly held) list within a few seconds
    let u = w.app.units(w.a.id).await.unwrap()[0].id;
    let new = w
        .app
        .create_account(
            w.a.id,
            &NewAccount {
                unit_id: u,
                platform: Platform::Instagram,
                handle: "alfa-biblioteket".into(),
                url: "https://instagram.com/alfabiblioteket".into(),
                platform_id: "2".into(),
                purpose: "Bibliotekets nyheter".into(),
                target_group: "Invånare".into(),
                message: String::new(),
                contact: "bibliotek@test.se".into(),
                responsible: vec!["Anna Andersson".into(), "Bo Berg".into()],
                office_hours: OfficeHours::default(),
                response_hours: 8,
            },
            "test",
        )
        .await
        .unwrap();
    w.app
        .set_account_status(w.a.id, new.id, AccountStatus::Active, "test")
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5_300)).await;
    let page = get(&w, "/org/alfa/sok?q=badhuset").await;
    assert!(page.body.contains("alfa-biblioteket"), "new account listed");
    let beta = get(&w, "/org/beta/sok?q=badhuset").await;
    assert!(!beta.body.contains("alfa-biblioteket"));
}

/// The public pages keep the release policy a moment, but a change made through the app shows
/// on the next page at once: hiding names again hides them at once.
#[tokio::test]
async fn a_release_policy_change_shows_at_once() {
    let w = world().await;
    let path = format!("/org/alfa/handling/{}", w.released);
    let page = get(&w, &path).await;
    assert!(!page.body.contains("Karin"), "hidden by default");
    let mut policy = w.app.release_policy(w.a.id).await.unwrap();
    policy.private_authors = AuthorDisplay::Name;
    w.app
        .set_release_policy(w.a.id, &policy, "admin")
        .await
        .unwrap();
    let page = get(&w, &path).await;
    assert!(page.body.contains("Karin"), "{}", page.body);
    policy.private_authors = AuthorDisplay::Hidden;
    w.app
        .set_release_policy(w.a.id, &policy, "admin")
        .await
        .unwrap();
    let page = get(&w, &path).await;
    assert!(!page.body.contains("Karin"), "hidden again at once");
}
