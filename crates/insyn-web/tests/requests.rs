//! Requests for public records and copies (issue 6, item 4), in-process on a real SQLite store:
//! the public form (token, honeypot, malformed input, rate limit, unknown and foreign ids), the
//! staff queue and decisions (CSRF, roles), the burned-in masking of the HTML and the PDF copy
//! (read back with pdftotext), the appeal text of a refusal, and the PDF copy of released records.
mod common;
use axum::Router;
use axum::http::StatusCode;
use chrono::{Duration, Utc};
use common::Browser;
use insyn_app::{App, AppConfig};
use insyn_domain::*;

const PASSWORD: &str = "rätt häst batteri 42";
const SECRET: &str = "Kalle Svensson har diabetes typ 1";

async fn org(app: &App, slug: &str) -> (Organisation, Account) {
    let o = app
        .create_organisation(
            &NewOrganisation {
                slug: slug.into(),
                name: format!("{} kommun", slug.to_uppercase()),
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
        author_name: "Eva Ek".into(),
        author_platform_id: "u9".into(),
        available_at: Utc::now() - Duration::hours(2),
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
    /// [secret comment (unassessed), released comment]
    records: Vec<RecordId>,
    b_record: RecordId,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(AppConfig::embedded(dir.path())).await.unwrap();
    let (a, acc) = org(&app, "alfa").await;
    let (b, b_acc) = org(&app, "beta").await;
    let ids = app
        .store
        .capture(
            a.id,
            &[
                item(
                    acc.id,
                    "c1",
                    &format!("Hej! {SECRET} och kan skolan hjälpa till? Mvh Åsa"),
                ),
                item(
                    acc.id,
                    "c2",
                    "Tack för informationen om snöröjningen på Östra gatan!",
                ),
            ],
            "capture",
        )
        .await
        .unwrap()
        .record_ids;
    app.store
        .classify(
            a.id,
            ids[1],
            Classification::Released,
            "eget inlägg",
            "test",
        )
        .await
        .unwrap();
    let b_record = app
        .store
        .capture(b.id, &[item(b_acc.id, "x1", "beta text")], "capture")
        .await
        .unwrap()
        .record_ids[0];
    app.store
        .classify(b.id, b_record, Classification::Released, "x", "test")
        .await
        .unwrap();
    for (email, roles) in [
        ("reg@alfa.se", vec![Role::Registrar]),
        ("red@alfa.se", vec![Role::Editor]),
    ] {
        app.create_user(
            a.id,
            &NewUser {
                email: email.into(),
                name: "Rut Registrator".into(),
                function: "registrator".into(),
                roles,
                accounts: vec![],
            },
            Some(PASSWORD),
            "test",
        )
        .await
        .unwrap();
    }
    let router = insyn_web::router(app.clone());
    World {
        app,
        router,
        a,
        records: ids,
        b_record,
        _dir: dir,
    }
}

/// Fetches the form, then posts it with the double-submit cookie; returns the response.
async fn file(w: &World, query: &str, fields: &[(&str, &str)]) -> common::Page {
    let mut b = Browser::new(&w.router);
    let form = b.get(&format!("/org/alfa/begaran{query}")).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let token = value_of(&form.body, "formtoken");
    let cookie = form
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with("insyn_begaran="))
        .expect("the form sets its cookie");
    assert!(cookie.contains("SameSite=Strict") && cookie.contains("HttpOnly"));
    let pair = cookie.split(';').next().unwrap().to_string();
    let mut all: Vec<(&str, &str)> = vec![("formtoken", &token)];
    all.extend_from_slice(fields);
    b.post("/org/alfa/begaran", &all, &[("cookie", &pair)])
        .await
}

fn value_of(body: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let at = body.find(&key).unwrap_or_else(|| panic!("no field {name}"));
    let rest = &body[at + key.len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

#[tokio::test]
async fn a_request_is_filed_and_gets_a_receipt_with_number_and_due_date() {
    let w = world().await;
    let r = w.records[0];
    let resp = file(
        &w,
        &format!("?handling={r}"),
        &[("handling", &r.to_string()), ("epost", "asa@example.se")],
    )
    .await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER, "{}", resp.body);
    let receipt = resp.location.unwrap();
    assert!(receipt.starts_with("/org/alfa/begaran/kvitto/"));
    let mut b = Browser::new(&w.router);
    let page = b.get(&receipt).await;
    assert_eq!(page.status, StatusCode::OK);
    let year = chrono::Datelike::year(&request::stockholm_date(Utc::now()));
    assert!(
        page.body.contains(&format!("BEG-{year}-0001")),
        "{}",
        page.body
    );
    let due = w.app.request_due_date(w.a.id, Utc::now()).await.unwrap();
    assert!(page.body.contains(&due.to_string()));
    assert!(page.body.contains("mottagen"));
    assert_eq!(page.headers.get("referrer-policy").unwrap(), "no-referrer");
    // a guessed token finds nothing
    let guess = b
        .get(&format!("/org/alfa/begaran/kvitto/{}", "0".repeat(64)))
        .await;
    assert_eq!(guess.status, StatusCode::NOT_FOUND);
    // the receipt of org alfa is not reachable through org beta
    let other = b.get(&receipt.replace("/org/alfa/", "/org/beta/")).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    // free text in English
    let free = file(
        &w,
        "?lang=en",
        &[
            ("beskrivning", "All posts about the bath house in June"),
            ("lang", "en"),
        ],
    )
    .await;
    assert_eq!(free.status, StatusCode::SEE_OTHER);
    assert!(free.location.unwrap().ends_with("?lang=en"));
}

#[tokio::test]
async fn bad_forms_are_refused_with_a_message() {
    let w = world().await;
    let mut b = Browser::new(&w.router);
    // unknown organisation, a record of another organisation, an unknown id, a malformed id
    assert_eq!(
        b.get("/org/gamma/begaran").await.status,
        StatusCode::NOT_FOUND
    );
    let foreign = b
        .get(&format!("/org/alfa/begaran?handling={}", w.b_record))
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    assert!(
        foreign.body.contains("ALFA kommun has no record"),
        "{}",
        foreign.body
    );
    assert_eq!(
        b.get("/org/alfa/begaran?handling=999999").await.status,
        StatusCode::NOT_FOUND
    );
    let bad = b.get("/org/alfa/begaran?handling=abc").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("inget handlings-id"));
    // no description and no record
    let empty = file(&w, "", &[("beskrivning", "  ")]).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert!(
        empty.body.contains("Beskriv vilka handlingar"),
        "{}",
        empty.body
    );
    // a bad e-mail address keeps what was written
    let mail = file(
        &w,
        "",
        &[("beskrivning", "Protokollet"), ("epost", "inte en adress")],
    )
    .await;
    assert_eq!(mail.status, StatusCode::BAD_REQUEST);
    assert!(mail.body.contains("E-postadressen") && mail.body.contains("Protokollet"));
    // the honeypot
    let bot = file(
        &w,
        "",
        &[("beskrivning", "x"), ("webbplats", "http://spam")],
    )
    .await;
    assert_eq!(bot.status, StatusCode::BAD_REQUEST);
    // a foreign record id posted directly
    let foreign_post = file(&w, "", &[("handling", &w.b_record.to_string())]).await;
    assert_eq!(foreign_post.status, StatusCode::NOT_FOUND);
    // no double-submit token, or a wrong one (a fresh router: the posts above used up most of
    // this client's rate limit)
    let fresh = insyn_web::router(w.app.clone());
    let mut c = Browser::new(&fresh);
    let no_token = c
        .post("/org/alfa/begaran", &[("beskrivning", "x")], &[])
        .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    let wrong = c
        .post(
            "/org/alfa/begaran",
            &[("beskrivning", "x"), ("formtoken", "abc")],
            &[("cookie", "insyn_begaran=abd")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    // a cross-site post
    let cross = c
        .post(
            "/org/alfa/begaran",
            &[("beskrivning", "x"), ("formtoken", "abc")],
            &[
                ("cookie", "insyn_begaran=abc"),
                ("sec-fetch-site", "cross-site"),
            ],
        )
        .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    // nothing was filed by any of these
    let all = w
        .app
        .store
        .list_requests(
            w.a.id,
            &insyn_app::RequestFilter {
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(all.is_empty(), "{all:?}");
}

#[tokio::test]
async fn a_flood_of_posts_hits_the_rate_limit() {
    let w = world().await;
    let mut statuses = Vec::new();
    for i in 0..8 {
        let text = format!("begäran {i}");
        let r = file(&w, "", &[("beskrivning", &text)]).await;
        statuses.push(r.status);
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            assert!(r.body.contains("För många begäranden"), "{}", r.body);
            assert!(r.headers.get("retry-after").is_some());
        }
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::SEE_OTHER)
            .count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(statuses[5], StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn released_records_have_a_pdf_copy_and_nothing_else_does() {
    let w = world().await;
    let mut b = Browser::new(&w.router);
    let released = w.records[1];
    let ok = b
        .get(&format!("/org/alfa/handling/{released}/kopia.pdf"))
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.headers.get("content-type").unwrap(), "application/pdf");
    // unreleased, another organisation's, unknown, malformed
    let hidden = w.records[0];
    assert_eq!(
        b.get(&format!("/org/alfa/handling/{hidden}/kopia.pdf"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        b.get(&format!("/org/alfa/handling/{}/kopia.pdf", w.b_record))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        b.get("/org/alfa/handling/424242/kopia.pdf").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        b.get("/org/alfa/handling/x1/kopia.pdf").await.status,
        StatusCode::BAD_REQUEST
    );
    let pdf = w.app.released_pdf("alfa", released, false).await.unwrap();
    if let Some(text) = insyn_testkit::pdf::pdftotext("released_copy", &pdf) {
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains("snöröjningen på Östra gatan"), "{flat}");
        assert!(flat.contains("ALFA kommun") && flat.contains("alfa-konto (Facebook)"));
        assert!(flat.contains("inkommen"));
        assert!(
            !flat.contains("Kalle"),
            "an unreleased record of the thread stays out"
        );
    }
}

#[tokio::test]
async fn masking_is_burned_into_the_html_and_the_pdf() {
    let w = world().await;
    let r = w.records[0];
    // the secret text is in the store
    let stored = w.app.store.get_record(w.a.id, r).await.unwrap();
    assert!(stored.text.contains(SECRET));
    let filed = file(&w, "", &[("handling", &r.to_string())]).await;
    let receipt = filed.location.unwrap();
    let id = w
        .app
        .store
        .list_requests(
            w.a.id,
            &insyn_app::RequestFilter {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap()[0]
        .id;
    let mut staff = Browser::new(&w.router);
    staff.sign_in("alfa", "reg@alfa.se", PASSWORD).await;
    // the queue is one click from every staff page
    let home = staff.get("/personal").await;
    assert!(
        home.body
            .contains("<a href=\"/personal/begaran\">Begäran om handlingar</a>")
    );
    let queue = staff.get("/personal/begaran?vy=oppna").await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(queue.body.contains(&format!("/personal/begaran/{id}")));
    let today = staff.get("/personal/begaran?vy=idag").await;
    assert_eq!(today.status, StatusCode::OK);
    assert_eq!(
        staff.get("/personal/begaran?vy=konstig").await.status,
        StatusCode::BAD_REQUEST
    );
    let page = staff.get(&format!("/personal/begaran/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Kalle"),
        "the registrar reads the record"
    );
    let csrf = page.csrf();
    // the words "Kalle Svensson har diabetes typ 1" by their checkbox values
    let start = stored.text.find(SECRET).unwrap();
    let spans: Vec<String> = request::word_spans(&stored.text)
        .into_iter()
        .filter(|(s, e)| *s >= start && *e <= start + SECRET.len())
        .map(|(s, e)| format!("{s}-{e}"))
        .collect();
    assert_eq!(spans.len(), 6);
    let mut form: Vec<(&str, &str)> = vec![
        ("csrf", &csrf),
        ("beslut", "maskerad"),
        ("skal", "Uppgift om enskilds hälsa"),
        ("lag", "OSL 21 kap. 7 §"),
    ];
    for s in &spans {
        form.push(("m", s));
    }
    // without the CSRF token the decision is refused
    let forged: Vec<(&str, &str)> = form.iter().filter(|(k, _)| *k != "csrf").copied().collect();
    let refused = staff
        .post(&format!("/personal/begaran/{id}/beslut"), &forged, &[])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // a span that cuts a character or lies outside the text: 400 with the reason
    let bad = staff
        .post(
            &format!("/personal/begaran/{id}/beslut"),
            &[
                ("csrf", &csrf),
                ("beslut", "maskerad"),
                ("skal", "x"),
                ("lag", "y"),
                ("m", "0-99999"),
            ],
            &[],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("outside the text"), "{}", bad.body);
    let done = staff
        .post(&format!("/personal/begaran/{id}/beslut"), &form, &[])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    // the requester's receipt: the marker, never the masked words
    let mut public = Browser::new(&w.router);
    let page = public.get(&receipt).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("[maskerat: OSL 21 kap. 7 §]"),
        "{}",
        page.body
    );
    for word in ["Kalle", "Svensson", "diabetes"] {
        assert!(
            !page.body.contains(word),
            "{word} leaked into the HTML copy"
        );
    }
    assert!(page.body.contains("kan skolan hjälpa till?"));
    assert!(
        page.body.contains("kammarrätten"),
        "masking carries the appeal information"
    );
    let pdf = public.get(&format!("{receipt}/kopia.pdf")).await;
    assert_eq!(pdf.status, StatusCode::OK);
    let token = receipt.rsplit('/').next().unwrap();
    let bytes = w.app.receipt_pdf("alfa", token, false).await.unwrap();
    if let Some(text) = insyn_testkit::pdf::pdftotext("masked_copy", &bytes) {
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains("[maskerat: OSL 21 kap. 7 §]"), "{flat}");
        assert!(
            flat.contains("ALFA kommun")
                && flat.contains("inkommen")
                && flat.contains(&r.to_string())
        );
        for word in ["Kalle", "Svensson", "diabetes"] {
            assert!(!flat.contains(word), "{word} leaked into the PDF copy");
        }
    }
    let raw = String::from_utf8_lossy(&bytes);
    assert!(!raw.contains("Kalle"), "not even in the PDF's bytes");
    // the decision is logged: withheld spans, an event, an audit entry, no text
    let withheld = w.app.store.request_withheld(w.a.id, id).await.unwrap();
    assert_eq!(withheld.len(), 1);
    assert_eq!(&stored.text[withheld[0].start..withheld[0].end], SECRET);
    let audit = w.app.store.audit_entries(w.a.id, 0, 1000).await.unwrap();
    let decided: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "request_decided")
        .collect();
    assert_eq!(decided.len(), 1);
    assert!(!decided[0].detail.contains("diabetes"));
    // decided is final
    let again = staff
        .post(
            &format!("/personal/begaran/{id}/beslut"),
            &[("csrf", &csrf), ("beslut", "hel")],
            &[],
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_refusal_shows_the_appeal_text_and_queues_the_message() {
    let w = world().await;
    let filed = file(
        &w,
        "",
        &[
            ("beskrivning", "Alla meddelanden om ärende 42"),
            ("epost", "asa@example.se"),
        ],
    )
    .await;
    let receipt = filed.location.unwrap();
    let id = w
        .app
        .store
        .list_requests(
            w.a.id,
            &insyn_app::RequestFilter {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap()[0]
        .id;
    // an editor without grants does not see a free-text request at all
    let mut editor = Browser::new(&w.router);
    editor.sign_in("alfa", "red@alfa.se", PASSWORD).await;
    assert_eq!(
        editor.get(&format!("/personal/begaran/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(
        !editor
            .get("/personal/begaran")
            .await
            .body
            .contains(&format!("/personal/begaran/{id}"))
    );
    let mut staff = Browser::new(&w.router);
    staff.sign_in("alfa", "reg@alfa.se", PASSWORD).await;
    let page = staff.get(&format!("/personal/begaran/{id}")).await;
    let csrf = page.csrf();
    // extend with a reason, then refuse; a refusal without a reason is refused
    let due = w.app.store.get_request(w.a.id, id).await.unwrap().due_on;
    let later = (due + chrono::Days::new(3)).to_string();
    let ext = staff
        .post(
            &format!("/personal/begaran/{id}/atgard"),
            &[
                ("csrf", &csrf),
                ("action", "extend"),
                ("due_on", &later),
                ("reason", "Omfattande sökning"),
            ],
            &[],
        )
        .await;
    assert_eq!(ext.status, StatusCode::SEE_OTHER, "{}", ext.body);
    let no_reason = staff
        .post(
            &format!("/personal/begaran/{id}/beslut"),
            &[
                ("csrf", &csrf),
                ("beslut", "avslag"),
                ("skal", ""),
                ("lag", "OSL"),
            ],
            &[],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
    let refused = staff
        .post(
            &format!("/personal/begaran/{id}/beslut"),
            &[
                ("csrf", &csrf),
                ("beslut", "avslag"),
                (
                    "skal",
                    "Uppgifterna rör en enskilds personliga förhållanden",
                ),
                ("lag", "OSL 26 kap. 1 §"),
            ],
            &[],
        )
        .await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER, "{}", refused.body);
    let mut public = Browser::new(&w.router);
    let page = public.get(&receipt).await;
    assert!(page.body.contains("avslagen"));
    assert!(page.body.contains("OSL 26 kap. 1 §"));
    assert!(
        page.body
            .contains("Du kan överklaga beslutet hos kammarrätten"),
        "{}",
        page.body
    );
    assert!(page.body.contains(&later));
    assert_eq!(
        public.get(&format!("{receipt}/kopia.pdf")).await.status,
        StatusCode::NOT_FOUND
    );
    let outbox = w.app.store.request_outbox(w.a.id, true, 10).await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].to, "asa@example.se");
    assert!(outbox[0].body.contains("kammarrätten"));
    // the message goes out through the e-mail outbox, and the staff page says where it stands
    let staff_page = staff.get(&format!("/personal/begaran/{id}")).await;
    assert!(
        staff_page.body.contains("E-post till den som begärt")
            && staff_page.body.contains("Köad — skickas strax"),
        "{}",
        staff_page.body
    );
    let kinds: Vec<String> = w
        .app
        .store
        .request_events(w.a.id, id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, vec!["received", "extended", "decided"]);
}
