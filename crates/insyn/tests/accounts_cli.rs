//! `insyn account add/connect/list/alerts` and `insyn import` as processes: results, and one-line
//! errors with the documented exit codes.
use std::path::Path;
use std::process::{Command, Output};

fn insyn(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_insyn"));
    c.arg("--data-dir")
        .arg(data)
        .current_dir(data)
        .env_remove("INSYN_DATABASE_URL")
        .env_remove("INSYN_BLOBS_URL")
        .env_remove("INSYN_SECRET_KEY_FILE");
    c
}

fn run(data: &Path, args: &[&str]) -> Output {
    insyn(data).args(args).output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn account_add_list_connect_alerts_and_import() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let o = run(data, &["demo", "--records", "30"]);
    assert!(o.status.success(), "{}", text(&o));

    // add an account to a unit of the demo organisation
    let o = run(
        data,
        &[
            "account",
            "add",
            "--org",
            "ekbacka",
            "--platform",
            "mastodon",
            "--handle",
            "@kultur@social.ekbacka.se",
            "--url",
            "https://social.ekbacka.se/@kultur",
            "--unit",
            "Kultur och fritid",
            "--purpose",
            "Evenemang",
            "--target-group",
            "Invånare",
            "--contact",
            "kultur@ekbacka.se",
            "--responsible",
            "Anna Lindqvist, kommunikatör",
            "--responsible",
            "Erik Holm, kommunikatör",
            "--activate",
            "--json",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let account: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(account["status"], "active");
    let id = account["id"].as_i64().unwrap().to_string();

    // one responsible person is not enough (R1.1): a clear error, exit 2
    let o = run(
        data,
        &[
            "account",
            "add",
            "--org",
            "ekbacka",
            "--platform",
            "x",
            "--handle",
            "@a",
            "--url",
            "https://x.com/a",
            "--unit",
            "Kultur och fritid",
            "--purpose",
            "p",
            "--target-group",
            "t",
            "--contact",
            "c",
            "--responsible",
            "Bara En",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert_eq!(String::from_utf8_lossy(&o.stderr).trim().lines().count(), 1);
    // an unknown unit: exit 3
    let o = run(
        data,
        &[
            "account",
            "add",
            "--org",
            "ekbacka",
            "--platform",
            "x",
            "--handle",
            "@a",
            "--url",
            "https://x.com/a",
            "--unit",
            "Finns inte",
            "--purpose",
            "p",
            "--target-group",
            "t",
            "--contact",
            "c",
            "--responsible",
            "A",
            "--responsible",
            "B",
        ],
    );
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));

    // list shows the connection state
    let o = run(data, &["account", "list", "--org", "ekbacka"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("insamling: inte ansluten"),
        "{}",
        text(&o)
    );

    // connect: a missing token file is a clear error (the token is never an argument)
    let o = run(
        data,
        &[
            "account",
            "connect",
            "--org",
            "ekbacka",
            "--account",
            &id,
            "--base-url",
            "http://127.0.0.1:9",
            "--token-file",
            "saknas.txt",
        ],
    );
    assert_ne!(o.status.code(), Some(0));
    assert!(text(&o).contains("saknas.txt"), "{}", text(&o));
    // a platform that cannot be reached: nothing is stored, exit 69
    std::fs::write(data.join("token.txt"), "abc\n").unwrap();
    let o = run(
        data,
        &[
            "account",
            "connect",
            "--org",
            "ekbacka",
            "--account",
            &id,
            "--base-url",
            "http://127.0.0.1:9",
            "--token-file",
            "token.txt",
        ],
    );
    assert_eq!(o.status.code(), Some(69), "{}", text(&o));
    let o = run(data, &["account", "alerts", "--org", "ekbacka"]);
    assert!(text(&o).contains("Inga larm"), "{}", text(&o));
    // capturing an account that is not connected says how to connect it
    let o = run(data, &["capture", "--org", "ekbacka", "--account", &id]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("insyn account connect"), "{}", text(&o));

    // import: an X archive into the demo's X account
    let list = run(data, &["account", "list", "--org", "ekbacka", "--json"]);
    let accounts: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let x = accounts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account"]["platform"] == "x" && a["account"]["status"] == "active")
        .unwrap()["account"]["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let import = |format: &str, file: &str, more: &[&str]| {
        let mut args = vec![
            "import",
            "--org",
            "ekbacka",
            "--account",
            &x,
            "--format",
            format,
            file,
        ];
        args.extend_from_slice(more);
        run(data, &args)
    };
    std::fs::write(
        data.join("tweets.js"),
        r#"window.YTD.tweets.part0 = [ { "tweet" : { "id_str" : "77", "created_at" : "Mon Jan 05 08:00:00 +0000 2026", "full_text" : "Skolskjutsen går som vanligt" } } ]"#,
    )
    .unwrap();
    let o = import("x-archive", "tweets.js", &["--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["new_records"], 1);
    let o = run(data, &["search", "--org", "ekbacka", "skolskjutsen"]);
    assert!(text(&o).contains("Skolskjutsen"), "{}", text(&o));
    // a broken file: exit 2 with the place
    std::fs::write(
        data.join("broken.js"),
        "window.YTD.tweets.part0 = [ { \"tweet\" : ",
    )
    .unwrap();
    let o = import("x-archive", "broken.js", &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("line 1"), "{}", text(&o));
    // a file that is not there: exit 2, naming it
    let o = import("x-archive", "saknas.js", &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("saknas.js"), "{}", text(&o));
    // an unknown format: exit 2 from argument parsing
    let o = import("tiktok", "tweets.js", &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}
