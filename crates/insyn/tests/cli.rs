//! The real binary, started as a process: the two-command quick start, the HTTP API, tenant
//! isolation through the API, and one-line errors with non-zero exit codes.
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn insyn(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_insyn"));
    c.arg("--data-dir")
        .arg(data)
        .current_dir(data)
        .env_remove("INSYN_DATABASE_URL")
        .env_remove("INSYN_BLOBS_URL");
    c
}

struct Server {
    child: Child,
    url: String,
    token: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_demo_server(data: &Path) -> Server {
    let mut child = insyn(data)
        .args([
            "serve",
            "--demo",
            "--demo-records",
            "400",
            "--listen",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("insyn starts");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let (mut url, mut token) = (None, None);
    while url.is_none() {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("server prints its URL");
        if let Some(rest) = line
            .strip_prefix("API-nyckel")
            .and_then(|l| l.split("(visas bara nu): ").nth(1))
        {
            token = Some(rest.trim().to_string());
        }
        if let Some(rest) = line.strip_prefix("Insyn kör på ") {
            url = rest
                .split_whitespace()
                .next()
                .map(|u| u.trim_end_matches('/').to_string());
        }
    }
    Server {
        child,
        url: url.unwrap(),
        token: token.expect("demo token printed"),
    }
}

fn get(url: &str, token: Option<&str>) -> (u16, serde_json::Value) {
    let client = reqwest::blocking::Client::new();
    let mut req = client.get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().expect("request");
    let status = resp.status().as_u16();
    let body = resp.json().unwrap_or(serde_json::Value::Null);
    (status, body)
}

#[test]
fn serve_with_demo_health_openapi_and_api() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_demo_server(dir.path());
    let u = &server.url;

    let (status, health) = get(&format!("{u}/health"), None);
    assert_eq!(status, 200, "{health}");
    assert_eq!(health["status"], "ok");
    assert_eq!(health["database"], "sqlite");

    let (status, doc) = get(&format!("{u}/api/openapi.json"), None);
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/accounts",
        "/api/v1/records",
        "/api/v1/records/{id}",
        "/api/v1/search",
    ] {
        assert!(doc["paths"][path].is_object(), "OpenAPI documents {path}");
    }

    // no token, bad token
    let (status, body) = get(&format!("{u}/api/v1/accounts"), None);
    assert_eq!(status, 401);
    assert_eq!(body["error"], "unauthorized");
    assert!(body["meddelande"].as_str().unwrap().contains("API-nyckel"));
    let (status, _) = get(&format!("{u}/api/v1/accounts"), Some("insyn_wrong"));
    assert_eq!(status, 401);

    let t = Some(server.token.as_str());
    let (status, accounts) = get(&format!("{u}/api/v1/accounts"), t);
    assert_eq!(status, 200);
    assert!(accounts.as_array().unwrap().len() >= 8);

    let (status, records) = get(&format!("{u}/api/v1/records?direction=received&limit=5"), t);
    assert_eq!(status, 200);
    let records = records.as_array().unwrap();
    assert_eq!(records.len(), 5);
    assert!(records.iter().all(|r| r["direction"] == "received"));
    let id = records[0]["id"].as_i64().unwrap();
    let (status, detail) = get(&format!("{u}/api/v1/records/{id}"), t);
    assert_eq!(status, 200);
    assert_eq!(detail["record"]["id"], id);
    assert!(!detail["versions"].as_array().unwrap().is_empty());
    assert!(
        detail["findings"].is_array(),
        "screening findings are part of a record"
    );

    let (status, found) = get(&format!("{u}/api/v1/search?q=kommun&limit=3"), t);
    assert_eq!(status, 200, "{found}");
    assert!(found["total"].as_u64().unwrap() > 0);

    // every answer that carried non-public records is in the access log (R12.1), newest first
    let out = insyn(dir.path())
        .args([
            "access-log",
            "--org",
            "ekbacka",
            "--json",
            "--actor",
            "api:ekbacka",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let vias: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["via"].as_str().unwrap())
        .collect();
    assert!(vias.contains(&"records_api"), "{log}");
    let listed = log
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["via"] == "records_api")
        .unwrap();
    assert_eq!(listed["detail"], "direction=received&limit=5");
    let shown: Vec<i64> = records
        .iter()
        .filter(|r| r["classification"] != "released")
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    let logged: Vec<i64> = listed["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_i64().unwrap())
        .collect();
    assert_eq!(
        logged, shown,
        "the non-public records of the answer, in order"
    );
    if !shown.is_empty() {
        let out = insyn(dir.path())
            .args(["access-log", "--org", "ekbacka", "--record"])
            .arg(shown[0].to_string())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("api:ekbacka") && text.contains("post-API:t"),
            "{text}"
        );
    }
    let (code, err) = run_fail(
        dir.path(),
        &["access-log", "--org", "ekbacka", "--limit", "0"],
        &[],
    );
    assert_ne!(code, 0);
    assert!(err.contains("limit"), "{err}");

    // bad input: 400 with a message naming the parameter
    let (status, body) = get(&format!("{u}/api/v1/search?q=%22open"), t);
    assert_eq!(status, 400);
    assert_eq!(body["field"], "q");
    let (status, body) = get(&format!("{u}/api/v1/records?direction=sideways"), t);
    assert_eq!(status, 400);
    assert!(body["message"].as_str().unwrap().contains("sideways"));
    let (status, _) = get(&format!("{u}/api/v1/records?from=igår"), t);
    assert_eq!(status, 400);
    let (status, _) = get(&format!("{u}/api/v1/records/999999999"), t);
    assert_eq!(status, 404);
    let (status, body) = get(&format!("{u}/finns/inte"), None);
    assert_eq!((status, body["error"].as_str()), (404, Some("not_found")));

    // tenant wall: another organisation's token sees none of Ekbacka's data
    let out = insyn(dir.path())
        .args(["org", "create", "grannby", "Grannby kommun"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = insyn(dir.path())
        .args(["token", "create", "--org", "grannby"])
        .output()
        .unwrap();
    let other = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let (status, accounts) = get(&format!("{u}/api/v1/accounts"), Some(&other));
    assert_eq!(status, 200);
    assert!(accounts.as_array().unwrap().is_empty());
    let (status, _) = get(&format!("{u}/api/v1/records/{id}"), Some(&other));
    assert_eq!(status, 404);
    let (_, found) = get(&format!("{u}/api/v1/search?q=kommun"), Some(&other));
    assert_eq!(found["total"], 0);
}

fn run_fail(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> (i32, String) {
    let mut c = insyn(dir);
    c.args(args);
    for (k, v) in envs {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
    (out.status.code().unwrap_or(-1), stderr)
}

#[test]
fn errors_are_one_line_with_non_zero_exit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    // malformed configuration file
    std::fs::write(d.join("insyn.toml"), "listen = [\n").unwrap();
    let (code, err) = run_fail(d, &["org", "list"], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.starts_with("insyn: configuration") && err.lines().count() == 1,
        "{err}"
    );
    std::fs::write(d.join("insyn.toml"), "lisen = \"x\"\n").unwrap();
    let (code, err) = run_fail(d, &["org", "list"], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("lisen"), "names the unknown key: {err}");
    std::fs::remove_file(d.join("insyn.toml")).unwrap();

    // unreachable database
    let (code, err) = run_fail(
        d,
        &["org", "list"],
        &[("INSYN_DATABASE_URL", "postgres://insyn@127.0.0.1:1/insyn")],
    );
    assert_eq!(code, 69, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("127.0.0.1:1"));

    // unknown organisation
    let (code, err) = run_fail(d, &["search", "skola", "--org", "finns-inte"], &[]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("finns-inte"));

    // invalid search syntax
    insyn(d)
        .args(["org", "create", "alfa", "Alfa kommun"])
        .output()
        .unwrap();
    let (code, err) = run_fail(d, &["search", "\"oavslutad", "--org", "alfa"], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.starts_with("insyn: invalid q:"), "{err}");

    // duplicate organisation
    let (code, err) = run_fail(d, &["org", "create", "alfa", "Alfa igen"], &[]);
    assert_eq!(code, 4, "{err}");

    // restore from a folder that is not a backup
    let (code, err) = run_fail(d, &["restore", "/nonexistent-backup"], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("manifest.json"));

    // a corrupt blob makes verify fail with exit 3 and name the blob
    insyn(d)
        .args(["demo", "--records", "100", "--slug", "beta"])
        .output()
        .unwrap();
    let blobs = d.join("blobs/sha256");
    let first = walk_first_file(&blobs).expect("a blob file");
    std::fs::write(&first, b"rot").unwrap();
    let out = insyn(d).arg("verify").output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    let name = first.file_name().unwrap().to_string_lossy().to_string();
    assert!(err.contains(&name), "{err}");
}

fn walk_first_file(dir: &Path) -> Option<std::path::PathBuf> {
    for entry in std::fs::read_dir(dir).ok()? {
        let p = entry.ok()?.path();
        if p.is_file() {
            return Some(p);
        }
        if let Some(f) = walk_first_file(&p) {
            return Some(f);
        }
    }
    None
}

/// The dependency rules of docs/ARCHITECTURE.md, read from `cargo metadata`.
#[test]
fn workspace_dependency_rules() {
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let deps = |name: &str| -> Vec<String> {
        let pkg = meta["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{name}"));
        pkg["dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["kind"].is_null())
            .map(|d| d["name"].as_str().unwrap().to_string())
            .collect()
    };
    let io = [
        "tokio",
        "sqlx",
        "axum",
        "reqwest",
        "object_store",
        "tantivy",
        "hyper",
    ];
    for pure in ["insyn-domain", "insyn-calendar", "insyn-screening"] {
        for d in deps(pure) {
            assert!(
                !io.contains(&d.as_str()),
                "{pure} must stay free of I/O but depends on {d}"
            );
            assert!(
                d == "insyn-domain" || !d.starts_with("insyn-"),
                "{pure} depends on {d}"
            );
        }
    }
    for adapter in [
        "insyn-store",
        "insyn-blobs",
        "insyn-search",
        "insyn-screening",
    ] {
        for d in deps(adapter) {
            assert!(
                d == "insyn-domain" || !d.starts_with("insyn-"),
                "{adapter} must not depend on {d}"
            );
        }
    }
    for edge in ["insyn-web", "insyn"] {
        for d in deps(edge) {
            assert!(
                !["insyn-store", "insyn-blobs", "insyn-search"].contains(&d.as_str()),
                "{edge} must go through insyn-app, not {d}"
            );
        }
    }
}

#[test]
fn screen_reports_findings_with_spans() {
    let dir = tempfile::tempdir().unwrap();
    let out = insyn(dir.path())
        .args([
            "screen",
            "--json",
            "Ring mig på 070-123 45 67, mitt personnummer är 811218-9876.",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let findings: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let cats: Vec<&str> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["category"].as_str().unwrap())
        .collect();
    assert!(
        cats.contains(&"personnummer") && cats.contains(&"phone"),
        "{cats:?}"
    );
    let out = insyn(dir.path())
        .args(["screen", "--eval"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("micro") && stdout.contains("held out"),
        "{stdout}"
    );
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = insyn(dir).args(args).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "insyn {args:?}: {text}");
    // stdout only: progress and warnings go to stderr
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// The archive and disposal commands run as the real binary: schedule, export --due, the
/// delivery log, a snapshot, verify-package on a damaged package, disposal rules, crisis
/// periods, holds, dry run and execution, the protocol, and bad input with clear messages.
#[test]
fn archive_and_disposal_commands_from_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["demo", "--records", "60"]);
    let out = d.join("leveranser");
    let o = out.display().to_string();

    // schedule and export --due: every month since the demo began is due
    let s = ok(
        d,
        &[
            "deliveries",
            "schedule",
            "--org",
            "ekbacka",
            "--every-months",
            "6",
            "--from",
            "2024-07",
        ],
    );
    assert!(s.contains("Leverans var 6 månad"), "{s}");
    let s = ok(d, &["export", "--org", "ekbacka", "--due", "--out", &o]);
    assert!(s.contains("Levererad:"), "{s}");
    let s = ok(d, &["deliveries", "list", "--org", "ekbacka", "--json"]);
    let log: serde_json::Value = serde_json::from_str(&s[s.find('[').unwrap()..]).unwrap();
    let delivered = log.as_array().unwrap().len();
    assert!(delivered >= 1, "{s}");
    // nothing is due twice
    let s = ok(d, &["export", "--org", "ekbacka", "--due", "--out", &o]);
    assert!(!s.contains("Levererad:"), "{s}");

    // a package with one changed byte: exit 3 and the file named
    let pkg = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.is_dir())
        .unwrap();
    let f = walk_first_file(&pkg.join("representations/rep1/data/records")).unwrap();
    let mut b = std::fs::read(&f).unwrap();
    b[2] ^= 1;
    std::fs::write(&f, b).unwrap();
    let (code, err) = run_fail(d, &["verify-package", &pkg.display().to_string()], &[]);
    assert_eq!(code, 3, "{err}");
    let name = f.file_name().unwrap().to_string_lossy().to_string();
    assert!(err.contains(&name), "{err}");

    // snapshot of account 1's feed
    let pdf = d.join("snap.pdf");
    let s = ok(
        d,
        &[
            "export",
            "--org",
            "ekbacka",
            "--snapshot",
            "--account",
            "1",
            "--from",
            "2024-01-01",
            "--to",
            "2027-12-31",
            "--out",
            &pdf.display().to_string(),
        ],
    );
    assert!(s.contains("Ögonblicksbilden är klar"), "{s}");
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
    let s = ok(d, &["deliveries", "list", "--org", "ekbacka", "--json"]);
    assert!(s.contains("snapshot-pdf"), "{s}");

    // bad input: unknown account, empty period, bad date — non-zero, one clear line
    let snap = |acc: &str, from: &str, to: &str, file: &str| {
        run_fail(
            d,
            &[
                "export",
                "--org",
                "ekbacka",
                "--snapshot",
                "--account",
                acc,
                "--from",
                from,
                "--to",
                to,
                "--out",
                &d.join(file).display().to_string(),
            ],
            &[],
        )
    };
    let (code, err) = snap("999", "2024-01-01", "2027-12-31", "a.pdf");
    assert_ne!(code, 0);
    assert!(err.contains("999"), "{err}");
    let (code, err) = snap("1", "2019-01-01", "2019-01-31", "b.pdf");
    assert_ne!(code, 0);
    assert!(err.contains("no records"), "{err}");
    let (code, err) = snap("1", "2026-13-01", "2026-12-31", "c.pdf");
    assert_ne!(code, 0);
    assert!(err.contains("2026-13-01"), "{err}");
    let (code, err) = run_fail(
        d,
        &[
            "export",
            "--org",
            "ekbacka",
            "--from",
            "2019-01-01",
            "--to",
            "2019-01-31",
            "--out",
            &o,
        ],
        &[],
    );
    assert_ne!(code, 0);
    assert!(err.contains("no records"), "{err}");
    // the error itself is one line (a schema warning and the progress line may precede it)
    let last = err.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("insyn: ") && last.contains("no records"),
        "{err}"
    );

    // disposal: a rule, a crisis period, a hold on account 2, dry run then execution
    ok(
        d,
        &[
            "disposal",
            "rule",
            "add",
            "--org",
            "ekbacka",
            "--decision",
            "KS 2026/12",
            "--decided-on",
            "2026-01-15",
            "--body",
            "Kommunstyrelsen",
            "--class",
            "all",
            "--retention-months",
            "1",
            "--without-archiving",
        ],
    );
    let s = ok(d, &["disposal", "rule", "list", "--org", "ekbacka"]);
    assert!(s.contains("KS 2026/12"), "{s}");
    ok(
        d,
        &[
            "disposal",
            "crisis",
            "add",
            "--org",
            "ekbacka",
            "--from",
            "2024-11-01",
            "--to",
            "2024-11-02",
            "--reason",
            "Storm",
        ],
    );
    assert!(ok(d, &["disposal", "crisis", "list", "--org", "ekbacka"]).contains("Storm"));
    ok(
        d,
        &[
            "hold",
            "set",
            "--org",
            "ekbacka",
            "--account",
            "2",
            "--reason",
            "Tvist",
        ],
    );
    assert!(ok(d, &["hold", "list", "--org", "ekbacka"]).contains("Tvist"));
    let dry = ok(d, &["dispose", "--org", "ekbacka", "--dry-run", "--json"]);
    let dry: serde_json::Value = serde_json::from_str(&dry[dry.find('{').unwrap()..]).unwrap();
    assert_eq!(dry["executed"], false);
    let due: u64 = dry["due"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["records"].as_u64().unwrap())
        .sum();
    assert!(due > 0, "{dry}");
    assert!(
        ok(d, &["disposal", "protocol", "--org", "ekbacka", "--json"]).contains("[]"),
        "a dry run disposes nothing"
    );
    let ex = ok(
        d,
        &[
            "dispose",
            "--org",
            "ekbacka",
            "--execute",
            "--by",
            "arkivarie",
            "--json",
        ],
    );
    let ex: serde_json::Value = serde_json::from_str(&ex[ex.find('{').unwrap()..]).unwrap();
    assert_eq!(ex["executed"], true);
    let protocol = ok(d, &["disposal", "protocol", "--org", "ekbacka", "--json"]);
    let protocol: serde_json::Value =
        serde_json::from_str(&protocol[protocol.find('[').unwrap()..]).unwrap();
    assert_eq!(
        protocol.as_array().unwrap().len() as u64,
        due,
        "one entry per disposed record"
    );
    assert!(protocol.to_string().contains("KS 2026/12"));
    // a kept record can be released from R9.3's protection by a person; the chain holds
    let (code, err) = run_fail(
        d,
        &[
            "disposal", "override", "--org", "ekbacka", "--record", "999999", "--reason", "x",
        ],
        &[],
    );
    assert_ne!(code, 0, "{err}");
    ok(d, &["verify"]);
}

/// `insyn account auto-hide` through the real binary: categories on, shown, off; an unknown
/// category, an unknown account and `--off` together with `--category` fail with one clear line.
#[test]
fn account_auto_hide_on_off_and_bad_category() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["demo", "--records", "20"]);
    let base = ["account", "auto-hide", "--org", "ekbacka", "--account", "1"];
    let with = |extra: &[&'static str]| -> Vec<&'static str> {
        base.iter().chain(extra).copied().collect()
    };

    // off by default
    let s = ok(d, &base);
    assert!(s.contains("avstängd"), "{s}");
    // on, for two categories
    let on = with(&["--category", "threat", "--category", "personnummer"]);
    let s = ok(d, &on);
    assert!(
        s.contains("Automatisk döljning för konto 1") && s.contains("threat"),
        "{s}"
    );
    assert!(s.contains("personnummer"), "{s}");
    // shown again from the store, unchanged
    let s = ok(d, &base);
    assert!(s.contains("threat") && s.contains("personnummer"), "{s}");
    assert!(!s.contains("avstängd"), "{s}");
    // off
    let s = ok(d, &with(&["--off"]));
    assert!(s.contains("avstängd"), "{s}");
    let s = ok(d, &base);
    assert!(s.contains("avstängd") && !s.contains("threat"), "{s}");

    // an unknown category: non-zero, one line naming it and the allowed ones; nothing changed
    let (code, err) = run_fail(d, &with(&["--category", "grovt"]), &[]);
    assert_ne!(code, 0, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("'grovt'") && err.contains("threat"), "{err}");
    // a category that exists but may never be hidden automatically (case signals)
    let (code, err) = run_fail(d, &with(&["--category", "complaint"]), &[]);
    assert_ne!(code, 0, "{err}");
    assert!(err.contains("'complaint'"), "{err}");
    let s = ok(d, &base);
    assert!(s.contains("avstängd"), "{s}");
    // --off and --category together are refused by the argument parser
    let (code, err) = run_fail(d, &with(&["--off", "--category", "threat"]), &[]);
    assert_ne!(code, 0, "{err}");
    // an account that does not exist
    let (code, err) = run_fail(
        d,
        &[
            "account",
            "auto-hide",
            "--org",
            "ekbacka",
            "--account",
            "99999",
            "--category",
            "threat",
        ],
        &[],
    );
    assert_ne!(code, 0, "{err}");
    assert!(err.contains("99999"), "{err}");
}

/// `[screening] rules_dir`: a bad rule file in an organisation's folder stops a screening
/// command with one line naming the organisation, the file and the line; a good one is used.
#[test]
fn a_bad_organisation_rule_file_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rules = d.join("regler");
    std::fs::create_dir_all(rules.join("ekbacka")).unwrap();
    std::fs::write(
        rules.join("ekbacka/hot.rules"),
        "@category threat\n@sv x\n@en x\n\njag ska <nope>\n",
    )
    .unwrap();
    std::fs::write(
        d.join("insyn.toml"),
        format!("[screening]\nrules_dir = \"{}\"\n", rules.display()),
    )
    .unwrap();
    let (code, err) = run_fail(d, &["screen", "--all"], &[]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("'ekbacka'") && err.contains("hot.rules:5") && err.contains("<nope>"),
        "{err}"
    );
    std::fs::write(
        rules.join("ekbacka/hot.rules"),
        "@category threat\n@sv x\n@en x\nförgifta vattentäkten\n",
    )
    .unwrap();
    let s = ok(d, &["screen", "--all", "--json"]);
    assert!(s.contains("\"screened\""), "{s}");
}
