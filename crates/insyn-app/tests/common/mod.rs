//! What several test files of this crate set up the same way.
#![allow(dead_code)] // each test file uses only some of these

use insyn_app::App;
use insyn_domain::*;

/// Ekbacka kommun, its unit Kommunikation (with `unit_email`) and one Mastodon account on the
/// mock, `responsible` naming its responsible people.
pub async fn mastodon_account(
    app: &App,
    mock: &insyn_testkit::mastodon::MastodonMock,
    unit_email: Option<&str>,
    responsible: &[&str],
) -> (Organisation, Account) {
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
    let account = app
        .create_account(
            org.id,
            &NewAccount {
                unit_id: unit.id,
                platform: Platform::Mastodon,
                handle: "@testuser".into(),
                url: mock.base_url.clone(),
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
        .unwrap();
    (org, account)
}
