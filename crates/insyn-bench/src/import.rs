//! Import of a generated X archive (`tweets.js`) into the embedded store, beside serde_json
//! parsing the same file alone (the ceiling: the importer's own streaming parser with a sink that
//! drops every post). Each side runs in its own process so its peak memory is its own.
use crate::{BenchResult, Common, app_config, peak_rss_mb};
use chrono::{Duration, TimeZone, Utc};
use insyn_app::demo::{DemoOptions, ThreadGenerator};
use insyn_domain::*;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

pub async fn run(c: &Common) -> BenchResult {
    std::fs::create_dir_all(&c.dir).map_err(|e| e.to_string())?;
    let file = c.dir.join("tweets.js");
    let started = Instant::now();
    let bytes = generate(&file, c.records)?;
    println!(
        "generated {} posts, {:.0} MB in {:.1} s",
        c.records,
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut results = Vec::new();
    for side in ["ceiling", "insyn"] {
        let dir = c.dir.join(format!("import-{side}"));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| e.to_string())?;
        }
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let out = std::process::Command::new(&exe)
            .args(["import-side", side, "--file"])
            .arg(&file)
            .arg("--dir")
            .arg(&dir)
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!(
                "{side} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let line = String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .unwrap_or_default()
            .to_string();
        let v: serde_json::Value =
            serde_json::from_str(&line).map_err(|e| format!("{side}: {e}: {line}"))?;
        results.push(v);
    }
    let rate = |v: &serde_json::Value| v["posts_per_s"].as_f64().unwrap_or(0.0);
    println!("## Import of an X archive, {} posts", c.records);
    println!("| side | seconds | posts/s | peak memory (MB) |");
    println!("|---|---|---|---|");
    for (name, v) in [
        ("serde_json parse alone (ceiling)", &results[0]),
        (
            "insyn import (file blob + records + audit + search index)",
            &results[1],
        ),
    ] {
        println!(
            "| {name} | {:.1} | {:.0} | {:.0} |",
            v["seconds"].as_f64().unwrap_or(0.0),
            rate(v),
            v["peak_rss_mb"].as_f64().unwrap_or(0.0)
        );
    }
    println!(
        "ratio insyn / ceiling: {:.1} %",
        100.0 * rate(&results[1]) / rate(&results[0]).max(1.0)
    );
    Ok(())
}

/// Writes an archive of `posts` posts in the archive's own layout (every field a real
/// `tweets.js` entry has), texts from the demo generator. Returns its size in bytes.
fn generate(path: &Path, posts: u64) -> Result<u64, String> {
    let file = std::fs::File::create(path).map_err(|e| e.to_string())?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let account = Account {
        id: AccountId(1),
        org_id: OrgId(1),
        unit_id: UnitId(1),
        platform: Platform::X,
        handle: "ekbackakommun".into(),
        url: String::new(),
        platform_id: "1500000001".into(),
        purpose: String::new(),
        target_group: String::new(),
        message: String::new(),
        contact: String::new(),
        responsible: vec![],
        office_hours: OfficeHours::default(),
        response_hours: 8,
        status: AccountStatus::Active,
        planned_at: Utc::now(),
        opened_at: None,
        closed_at: None,
    };
    let mut generator = ThreadGenerator::new(7, posts);
    let start = Utc.with_ymd_and_hms(2020, 1, 1, 8, 0, 0).unwrap();
    let write = |out: &mut std::io::BufWriter<std::fs::File>, s: &str| {
        out.write_all(s.as_bytes()).map_err(|e| e.to_string())
    };
    write(&mut out, "window.YTD.tweets.part0 = [")?;
    let mut n: u64 = 0;
    while n < posts {
        let page = generator.page(&account, 0, 100);
        for item in page.items {
            if n >= posts {
                break;
            }
            let id = 1_300_000_000_000_000_000u64 + n;
            let at = start + Duration::minutes(n as i64 * 3);
            let reply = if n % 3 == 1 {
                format!(
                    r#""in_reply_to_status_id_str" : "{}", "in_reply_to_status_id" : "{}", "in_reply_to_user_id" : "99", "in_reply_to_user_id_str" : "99", "in_reply_to_screen_name" : "greta", "#,
                    id - 1,
                    id - 1
                )
            } else {
                String::new()
            };
            let text = item
                .text
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            let entry = serde_json::json!({
                "tweet": {
                    "edit_info": {"initial": {"editTweetIds": [id.to_string()], "editableUntil": at.to_rfc3339(), "editsRemaining": "5", "isEditEligible": true}},
                    "retweeted": false,
                    "source": "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
                    "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []},
                    "display_text_range": ["0", text.chars().count().to_string()],
                    "favorite_count": (n % 17).to_string(),
                    "id_str": id.to_string(),
                    "truncated": false,
                    "retweet_count": (n % 5).to_string(),
                    "id": id.to_string(),
                    "created_at": at.format("%a %b %d %H:%M:%S %z %Y").to_string(),
                    "favorited": false,
                    "full_text": text,
                    "lang": "sv"
                }
            })
            .to_string();
            // the reply fields go in as the archive writes them, inside the tweet object
            let entry = if reply.is_empty() {
                entry
            } else {
                entry.replacen("{\"tweet\":{", &format!("{{\"tweet\":{{{reply}"), 1)
            };
            write(&mut out, if n == 0 { "\n  " } else { ",\n  " })?;
            write(&mut out, &entry)?;
            n += 1;
        }
    }
    write(&mut out, "\n]")?;
    out.flush().map_err(|e| e.to_string())?;
    Ok(std::fs::metadata(path).map_err(|e| e.to_string())?.len())
}

pub async fn side(side: &str, file: &Path, dir: &Path) -> BenchResult {
    let ctx = insyn_import_ctx();
    let (posts, seconds) = match side {
        "ceiling" => {
            let started = Instant::now();
            let f = std::fs::File::open(file).map_err(|e| e.to_string())?;
            let summary =
                insyn_import::import(insyn_import::Format::XArchive, f, &ctx, &mut |_| Ok(()))
                    .map_err(|e| e.to_string())?;
            (summary.items, started.elapsed().as_secs_f64())
        }
        "insyn" => {
            let app = insyn_app::App::open(app_config(dir))
                .await
                .map_err(|e| e.to_string())?;
            // the demo organisation's set-up (no records): units and the X account
            let demo = insyn_app::demo::load(
                &app,
                &DemoOptions {
                    records: 0,
                    ..Default::default()
                },
                &insyn_app::NoProgress,
            )
            .await
            .map_err(|e| e.to_string())?;
            let org = demo.organisation.id;
            let account = app
                .accounts(org)
                .await
                .map_err(|e| e.to_string())?
                .into_iter()
                .find(|a| a.platform == Platform::X && a.status == AccountStatus::Active)
                .ok_or("the demo has no X account")?;
            let started = Instant::now();
            let report = app
                .import_export(
                    org,
                    account.id,
                    insyn_app::ImportFormat::XArchive,
                    file,
                    &insyn_app::NoProgress,
                    "import",
                )
                .await
                .map_err(|e| e.to_string())?;
            (report.new_records, started.elapsed().as_secs_f64())
        }
        other => return Err(format!("unknown side {other}")),
    };
    println!(
        "{}",
        serde_json::json!({"side": side, "posts": posts, "seconds": seconds, "posts_per_s": posts as f64 / seconds, "peak_rss_mb": peak_rss_mb()})
    );
    Ok(())
}

fn insyn_import_ctx() -> insyn_import::ImportContext {
    insyn_import::ImportContext {
        account_id: AccountId(1),
        author_name: "ekbackakommun".into(),
        author_platform_id: "1500000001".into(),
    }
}
