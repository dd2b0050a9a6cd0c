//! Organisations' own screening rules (`[screening] rules_dir`): a word added in organisation
//! A's folder fires for A's records and not for B's, over a real SQLite store; a bad rule file
//! is refused naming the organisation's folder, the file and the line.
use insyn_app::demo::{DemoOptions, load};
use insyn_app::screening::org_screeners_from_dir;
use insyn_app::*;
use insyn_domain::*;

fn item(account: AccountId, id: &str, text: &str) -> Observation {
    let item = CaptureItem {
        account_id: account,
        platform_item_id: id.into(),
        kind: ItemKind::Comment,
        direction: Direction::Received,
        parent_platform_id: None,
        thread_platform_id: None,
        author_name: "Greta Gran".into(),
        author_platform_id: "g1".into(),
        available_at: chrono::Utc::now(),
        platform_time: None,
        text: text.into(),
        media: vec![],
        raw_blob: None,
        raw_pointer: "/".into(),
    };
    Observation {
        raw: bytes::Bytes::from(format!("{{\"id\":\"{id}\"}}")),
        media_type: "application/json".into(),
        items: vec![item],
    }
}

const OWN_THREAT: &str = "@category threat\n@rule alfa.egen\n@confidence 0.9\n\
    @sv Alfas egen lista: hot mot vattenverket.\n@en Alfa's own list: threat to the waterworks.\n\
    förgifta{|r} vattentäkt{|en}\n";

#[tokio::test]
async fn an_organisations_own_word_fires_only_for_its_records() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("regler");
    std::fs::create_dir_all(rules.join("alfa")).unwrap();
    std::fs::write(rules.join("alfa/vatten.rules"), OWN_THREAT).unwrap();
    // a README beside the folders is not a rule file
    std::fs::write(rules.join("LÄSMIG.txt"), "en mapp per organisation").unwrap();
    let screeners = org_screeners_from_dir(&rules).unwrap();
    assert_eq!(screeners.keys().collect::<Vec<_>>(), ["alfa"]);

    let app = App::open(AppConfig {
        database_url: format!("sqlite:{}", dir.path().join("insyn.db").display()),
        blobs_url: format!("file:{}", dir.path().join("blobs").display()),
        s3: S3Settings::default(),
        search: SearchBackend::Auto,
        search_dir: dir.path().join("search"),
    })
    .await
    .unwrap()
    .with_org_screeners(screeners);
    let mut orgs = Vec::new();
    for slug in ["alfa", "beta"] {
        let report = load(
            &app,
            &DemoOptions {
                slug: slug.into(),
                records: 10,
                ..Default::default()
            },
            &NoProgress,
        )
        .await
        .unwrap();
        let org = report.organisation.id;
        let account = app.accounts(org).await.unwrap()[0].id;
        orgs.push((org, account));
    }
    let text = "Någon borde förgifta vattentäkten, ring 070-174 06 12";
    let mut found = Vec::new();
    for (i, (org, account)) in orgs.iter().enumerate() {
        let obs = item(*account, &format!("egen-{i}"), text);
        let id = app.capture(*org, obs, "test").await.unwrap().record_ids[0];
        app.screen_pending().await.unwrap();
        let f = app.record_findings(*org, id).await.unwrap();
        // the built-in rules run for both
        assert!(f.iter().any(|f| f.category == "phone"), "{f:?}");
        found.push(f);
    }
    let alfa_threat: Vec<_> = found[0].iter().filter(|f| f.category == "threat").collect();
    assert_eq!(alfa_threat.len(), 1, "{:?}", found[0]);
    assert_eq!(alfa_threat[0].rule, "alfa.egen");
    assert_eq!(
        &text[alfa_threat[0].start..alfa_threat[0].end],
        "förgifta vattentäkten"
    );
    assert!(
        !found[1].iter().any(|f| f.category == "threat"),
        "beta has no such rule: {:?}",
        found[1]
    );
    assert!(
        app.screener_for("alfa")
            .screen(text)
            .iter()
            .any(|f| f.rule == "alfa.egen")
    );
    assert!(
        !app.screener_for("gamma")
            .screen(text)
            .iter()
            .any(|f| f.rule == "alfa.egen")
    );
}

#[test]
fn a_bad_rule_file_names_the_organisation_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path();
    std::fs::create_dir_all(rules.join("alfa")).unwrap();
    std::fs::create_dir_all(rules.join("beta")).unwrap();
    std::fs::write(rules.join("alfa/vatten.rules"), OWN_THREAT).unwrap();
    std::fs::write(
        rules.join("beta/hot.rules"),
        "@category threat\n@sv x\n@en x\n\njag ska <nope>\n",
    )
    .unwrap();
    let e = org_screeners_from_dir(rules).unwrap_err().to_string();
    assert!(e.contains("'beta'"), "{e}");
    assert!(e.contains("hot.rules:5"), "{e}");
    assert!(e.contains("unknown class <nope>"), "{e}");

    // a rule file directly in the rules folder belongs to no organisation
    std::fs::remove_file(rules.join("beta/hot.rules")).unwrap();
    std::fs::write(rules.join("hot.rules"), OWN_THREAT).unwrap();
    let e = org_screeners_from_dir(rules).unwrap_err().to_string();
    assert!(e.contains("hot.rules") && e.contains("<slug>"), "{e}");
    std::fs::remove_file(rules.join("hot.rules")).unwrap();
    let ok = org_screeners_from_dir(rules).unwrap();
    assert_eq!(ok.keys().collect::<Vec<_>>(), ["alfa", "beta"]);

    // a folder that does not exist
    let e = org_screeners_from_dir(&rules.join("saknas"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("saknas"), "{e}");
}
