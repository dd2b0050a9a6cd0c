//! What several test files of this crate set up the same way.
#![allow(dead_code)] // each test file uses only some of these

use insyn_app::App;
use insyn_domain::*;

/// Ekbacka kommun and its unit Kommunikation (with `unit_email`).
pub async fn ekbacka(app: &App, unit_email: Option<&str>) -> (Organisation, Unit) {
    let org = app
        .create_organisation(
            &NewOrganisation {
                slug: "ekbacka".into(),
                name: "Ekbacka kommun".into(),
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
                name: "Kommunikation".into(),
                email: unit_email.map(Into::into),
            },
            "t",
        )
        .await
        .unwrap();
    (org, unit)
}

/// An account of the unit on `platform` (no platform id yet), `responsible` naming its
/// responsible people.
pub async fn account(
    app: &App,
    unit: &Unit,
    platform: Platform,
    handle: &str,
    url: &str,
    responsible: &[&str],
) -> Account {
    app.create_account(
        unit.org_id,
        &NewAccount {
            unit_id: unit.id,
            platform,
            handle: handle.into(),
            url: url.into(),
            platform_id: String::new(),
            purpose: "Information".into(),
            target_group: "Invånare".into(),
            message: String::new(),
            contact: "info@ekbacka.se".into(),
            responsible: responsible.iter().map(|r| r.to_string()).collect(),
            office_hours: OfficeHours::default(),
            response_hours: 8,
        },
        "t",
    )
    .await
    .unwrap()
}

/// Ekbacka kommun with one Mastodon account on the mock.
pub async fn mastodon_account(
    app: &App,
    mock: &insyn_testkit::mastodon::MastodonMock,
    unit_email: Option<&str>,
    responsible: &[&str],
) -> (Organisation, Account) {
    let (org, unit) = ekbacka(app, unit_email).await;
    let account = account(
        app,
        &unit,
        Platform::Mastodon,
        "@testuser",
        &mock.base_url,
        responsible,
    )
    .await;
    (org, account)
}
