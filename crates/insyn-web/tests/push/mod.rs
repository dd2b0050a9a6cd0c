//! What the push-channel tests (LinkedIn, X) share: Ekbacka kommun with one connected account
//! that is not due for a capture pass, served over real HTTP on 127.0.0.1.
use insyn_app::*;
use insyn_domain::*;

pub struct World {
    pub app: App,
    /// The webhook's URL.
    pub base: String,
    pub org: OrgId,
    pub account: Account,
    pub _dir: tempfile::TempDir,
}

/// `configure` turns the platform's webhook on; `path` is its route (`/webhooks/x`).
pub async fn world(
    configure: impl FnOnce(App) -> App,
    platform: Platform,
    handle: &str,
    platform_id: &str,
    path: &str,
) -> World {
    let dir = tempfile::tempdir().unwrap();
    let app = configure(App::open(AppConfig::embedded(dir.path())).await.unwrap());
    let org = app
        .create_organisation(
            &NewOrganisation {
                slug: "ekbacka".into(),
                name: "Ekbacka kommun".into(),
                diary_prefix: "KS".into(),
            },
            "test",
        )
        .await
        .unwrap();
    let unit = app
        .create_unit(
            org.id,
            &NewUnit {
                name: "Kommunikation".into(),
                email: None,
            },
            "test",
        )
        .await
        .unwrap();
    let account = app
        .create_account(
            org.id,
            &NewAccount {
                unit_id: unit.id,
                platform,
                handle: handle.into(),
                url: format!("https://example.invalid/{handle}"),
                platform_id: platform_id.into(),
                purpose: "Information till invånare".into(),
                target_group: "Invånare".into(),
                message: String::new(),
                contact: "info@ekbacka.se".into(),
                responsible: vec!["Anna Lindqvist".into(), "Erik Holm".into()],
                office_hours: OfficeHours::default(),
                response_hours: 8,
            },
            "test",
        )
        .await
        .unwrap();
    let mut health = ConnectionHealth::connected(chrono::Utc::now());
    health.next_attempt_at = Some(chrono::Utc::now() + chrono::Duration::hours(1));
    app.store
        .save_connection(
            org.id,
            account.id,
            "http://127.0.0.1:9",
            b"sealed",
            &health,
            "test",
        )
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}{path}", listener.local_addr().unwrap());
    let served = app.clone();
    tokio::spawn(async move {
        insyn_web::serve(served, listener, std::future::pending())
            .await
            .unwrap()
    });
    World {
        app,
        base,
        org: org.id,
        account,
        _dir: dir,
    }
}

impl World {
    /// Posts `body` with the signature in `header`; the status and the answer's text.
    pub async fn post(&self, body: &str, header: &str, signature: Option<String>) -> (u16, String) {
        let mut req = reqwest::Client::new()
            .post(&self.base)
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(s) = signature {
            req = req.header(header, s);
        }
        let res = req.send().await.unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    }

    /// Whether the account is due for a capture pass now.
    pub async fn due(&self) -> bool {
        let conn = self
            .app
            .store
            .connection(self.org, self.account.id)
            .await
            .unwrap()
            .unwrap();
        conn.health.next_attempt_at.unwrap() <= chrono::Utc::now()
    }
}
