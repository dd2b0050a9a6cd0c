//! OpenID Connect sign-in against the real `oidc-provider` (npm), started by the test on
//! 127.0.0.1: the whole authorization-code + PKCE flow through the provider's login and consent
//! pages, and the refusals (a bad state, a bad nonce, a subject no administrator created).
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use insyn_app::auth::oidc::{OidcProvider, Secret};
use insyn_app::{App, AppConfig, S3Settings, SearchBackend};
use insyn_domain::*;
use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tower::ServiceExt;

const REDIRECT: &str = "http://127.0.0.1:9/auth/oidc/callback";

struct Idp {
    child: Child,
    issuer: String,
    _dir: tempfile::TempDir,
}

impl Drop for Idp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_idp(test: &str) -> Option<Idp> {
    let Some(modules) = std::env::var_os("INSYN_TEST_NODE_MODULES") else {
        insyn_testkit::missing_service(test, "INSYN_TEST_NODE_MODULES");
        return None;
    };
    // the ESM import resolves from the script's folder: put the script beside a node_modules link
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/oidc.mjs"),
        dir.path().join("oidc.mjs"),
    )
    .unwrap();
    std::os::unix::fs::symlink(&modules, dir.path().join("node_modules")).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("node")
        .arg(dir.path().join("oidc.mjs"))
        .env("PORT", port.to_string())
        .env("REDIRECT_URI", REDIRECT)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("node runs");
    let issuer = format!("http://127.0.0.1:{port}");
    let idp = Idp {
        child,
        issuer: issuer.clone(),
        _dir: dir,
    };
    let client = reqwest::Client::new();
    for _ in 0..100 {
        if let Ok(r) = client
            .get(format!("{issuer}/.well-known/openid-configuration"))
            .send()
            .await
            && r.status().is_success()
        {
            return Some(idp);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("oidc-provider did not start on {issuer}");
}

struct World {
    app: App,
    router: Router,
    provider: OidcProvider,
    org: Organisation,
    _dir: tempfile::TempDir,
}

async fn world(idp: &Idp) -> World {
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
    let org = app
        .create_organisation(
            &NewOrganisation {
                slug: "alfa".into(),
                name: "Alfa kommun".into(),
                diary_prefix: "KS".into(),
            },
            "t",
        )
        .await
        .unwrap();
    // the administrator created Alice (no password: she signs in through the provider only)
    let alice = NewUser {
        email: "alice@example.test".into(),
        name: "Alice Ek".into(),
        function: "kommunikatör".into(),
        roles: vec![Role::Communicator],
        accounts: vec![],
    };
    app.create_user(org.id, &alice, None, "t").await.unwrap();
    let provider = OidcProvider::new(
        "alfa",
        &idp.issuer,
        "insyn-test",
        Secret::new("insyn-test-secret"),
        REDIRECT,
    )
    .unwrap();
    let mut oidc = HashMap::new();
    oidc.insert("alfa".to_string(), provider.clone());
    let router = insyn_web::router_with(
        app.clone(),
        insyn_web::StaffConfig {
            oidc,
            ..Default::default()
        },
    );
    World {
        app,
        router,
        provider,
        org,
        _dir: dir,
    }
}

/// Goes through the provider's login and consent pages as `login`; returns the URL the provider
/// sends the browser back to (our callback, with code and state).
async fn through_provider(auth_url: &str, login: &str) -> url::Url {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut jar: HashMap<String, String> = HashMap::new();
    let base = url::Url::parse(auth_url).unwrap();
    let mut url = base.clone();
    let mut form: Option<Vec<(&str, &str)>> = None;
    for _ in 0..12 {
        let cookie = jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let req = match form.take() {
            Some(f) => client
                .post(url.clone())
                .header("content-type", "application/x-www-form-urlencoded")
                .body(
                    url::form_urlencoded::Serializer::new(String::new())
                        .extend_pairs(f)
                        .finish(),
                ),
            None => client.get(url.clone()),
        };
        let resp = req.header("cookie", cookie).send().await.unwrap();
        for c in resp.headers().get_all("set-cookie") {
            let kv = c.to_str().unwrap().split(';').next().unwrap();
            if let Some((k, v)) = kv.split_once('=') {
                jar.insert(k.to_string(), v.to_string());
            }
        }
        if let Some(loc) = resp.headers().get("location") {
            let next = url.join(loc.to_str().unwrap()).unwrap();
            if next.as_str().starts_with(REDIRECT) {
                return next;
            }
            url = next;
            continue;
        }
        let body = resp.text().await.unwrap();
        assert!(
            url.path().starts_with("/interaction/"),
            "unexpected page {url}: {body}"
        );
        form = Some(if body.contains("name=\"login\"") {
            vec![("prompt", "login"), ("login", login), ("password", "x")]
        } else {
            vec![("prompt", "consent")]
        });
    }
    panic!("the provider never sent the browser back");
}

async fn get(
    router: &Router,
    path: &str,
    cookie: Option<&str>,
) -> (StatusCode, Option<String>, Option<String>) {
    let mut req = Request::get(path);
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, format!("insyn_session={c}"));
    }
    let resp = router
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let set = resp
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("insyn_session="))
        .map(|v| v.split(';').next().unwrap().to_string());
    let loc = resp
        .headers()
        .get(header::LOCATION)
        .map(|l| l.to_str().unwrap().to_string());
    (resp.status(), loc, set)
}

fn path_and_query(u: &url::Url) -> String {
    format!("{}?{}", u.path(), u.query().unwrap_or(""))
}

#[tokio::test]
async fn oidc_sign_in_end_to_end() {
    let Some(idp) = start_idp("oidc_sign_in_end_to_end").await else {
        return;
    };
    let w = world(&idp).await;
    // the sign-in page offers the organisation's provider
    let (status, loc, cookie) = get(&w.router, "/auth/oidc/alfa/start", None).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let auth_url = loc.unwrap();
    assert!(
        auth_url.starts_with(&format!("{}/auth?", idp.issuer)),
        "{auth_url}"
    );
    assert!(auth_url.contains("code_challenge_method=S256") && auth_url.contains("nonce="));
    let cookie = cookie.expect("the pending sign-in is kept in a session");
    let back = through_provider(&auth_url, "alice").await;
    let (status, loc, new_cookie) = get(&w.router, &path_and_query(&back), Some(&cookie)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(loc.as_deref(), Some("/personal"));
    let signed_in = new_cookie.expect("a new session id at sign-in");
    assert_ne!(signed_in, cookie);
    assert_eq!(
        get(&w.router, "/personal", Some(&signed_in)).await.0,
        StatusCode::OK
    );
    // the callback cannot be replayed: the pending sign-in was used up
    let (_, loc, _) = get(&w.router, &path_and_query(&back), Some(&signed_in)).await;
    assert!(loc.unwrap().starts_with("/logga-in"));
    // the subject is now bound to Alice; the sign-in is audited
    let alice = w
        .app
        .store
        .user_by_external_identity(w.org.id, &idp.issuer, "alice")
        .await
        .unwrap();
    assert_eq!(alice.email, "alice@example.test");
    let audit = w.app.store.audit_entries(w.org.id, 0, 100).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "signed_in" && e.detail.contains("oidc"))
    );
    assert!(
        audit
            .iter()
            .all(|e| !e.detail.contains("insyn-test-secret"))
    );

    // a bad state: refused, not signed in
    let (_, loc, cookie) = get(&w.router, "/auth/oidc/alfa/start", None).await;
    let cookie = cookie.unwrap();
    let mut back = through_provider(&loc.unwrap(), "alice").await;
    let pairs: Vec<(String, String)> = back
        .query_pairs()
        .map(|(k, v)| {
            let forged = k == "state";
            (
                k.into_owned(),
                if forged {
                    "förfalskad".to_string()
                } else {
                    v.into_owned()
                },
            )
        })
        .collect();
    back.query_pairs_mut().clear().extend_pairs(pairs);
    let (_, loc, _) = get(&w.router, &path_and_query(&back), Some(&cookie)).await;
    assert!(loc.unwrap().starts_with("/logga-in?org=alfa&error=oidc"));
    assert_eq!(
        get(&w.router, "/personal", Some(&cookie)).await.0,
        StatusCode::SEE_OTHER
    );

    // a subject no administrator created: refused, nothing bound, the failure audited
    let (_, loc, cookie) = get(&w.router, "/auth/oidc/alfa/start", None).await;
    let cookie = cookie.unwrap();
    let back = through_provider(&loc.unwrap(), "mallory").await;
    let (_, loc, new_cookie) = get(&w.router, &path_and_query(&back), Some(&cookie)).await;
    assert!(loc.unwrap().starts_with("/logga-in"));
    assert!(
        new_cookie.is_none()
            || get(&w.router, "/personal", new_cookie.as_deref()).await.0 == StatusCode::SEE_OTHER
    );
    assert!(
        w.app
            .store
            .user_by_external_identity(w.org.id, &idp.issuer, "mallory")
            .await
            .is_err()
    );
    assert_eq!(
        w.app.users(w.org.id).await.unwrap().len(),
        1,
        "no self-registration"
    );
    let audit = w.app.store.audit_entries(w.org.id, 0, 100).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "sign_in_failed" && e.subject == "oidc:mallory")
    );
}

#[tokio::test]
async fn oidc_bad_nonce_is_refused() {
    let Some(idp) = start_idp("oidc_bad_nonce_is_refused").await else {
        return;
    };
    let w = world(&idp).await;
    let (auth_url, mut pending) = w.provider.begin(None).await.unwrap();
    let back = through_provider(&auth_url, "alice").await;
    let q: HashMap<String, String> = back.query_pairs().into_owned().collect();
    pending.nonce = "en-annan-nonce".into();
    let err = w
        .provider
        .finish(&pending, &q["code"], &q["state"])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("ID token"), "{err}");
    // with the right nonce a fresh flow goes through (the refusal was the nonce's doing)
    let (auth_url, pending) = w.provider.begin(None).await.unwrap();
    let back = through_provider(&auth_url, "alice").await;
    let q: HashMap<String, String> = back.query_pairs().into_owned().collect();
    let id = w
        .provider
        .finish(&pending, &q["code"], &q["state"])
        .await
        .unwrap();
    assert_eq!(
        (id.subject.as_str(), id.email.as_deref(), id.email_verified),
        ("alice", Some("alice@example.test"), true)
    );
    // and the secret never shows in Debug output
    assert!(!format!("{:?}", w.provider).contains("insyn-test-secret"));
}
