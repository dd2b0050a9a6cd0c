//! `insyn diary` and `insyn calendar` (issue 5) as the real binary: registers listed, added and
//! closed; the number format shown with the next number and set; extra days off added with a
//! note, listed and removed; bad input as one line on standard error with a non-zero exit code.
use std::path::Path;
use std::process::Command;

fn insyn(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_insyn"));
    c.arg("--data-dir")
        .arg(data)
        .current_dir(data)
        .env_remove("INSYN_DATABASE_URL")
        .env_remove("INSYN_BLOBS_URL");
    c
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = insyn(dir).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "insyn {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// The exit code and standard error of a command that must fail.
fn fails(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = insyn(dir).args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
    assert!(!out.status.success(), "insyn {args:?} succeeded");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    (out.status.code().unwrap_or(-1), stderr)
}

#[test]
fn diary_registers_and_number_format() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["demo", "--records", "20"]);
    let org = ["--org", "ekbacka"];
    let with = |args: &[&'static str]| -> Vec<&'static str> {
        let mut v = args.to_vec();
        v.extend(org);
        v
    };
    let s = ok(d, &with(&["diary", "registers", "list"]));
    assert!(s.starts_with("KS ") && s.contains("huvudserie"), "{s}");
    ok(
        d,
        &with(&[
            "diary",
            "registers",
            "add",
            "--code",
            "bun",
            "--name",
            "Barn- och utbildningsnämnden",
        ]),
    );
    let s = ok(d, &with(&["diary", "registers", "list"]));
    assert!(
        s.contains("BUN") && s.contains("Barn- och utbildningsnämnden") && s.contains("öppen"),
        "{s}"
    );
    let (code, err) = fails(
        d,
        &with(&[
            "diary",
            "registers",
            "add",
            "--code",
            "BUN",
            "--name",
            "Igen",
        ]),
    );
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("BUN"), "{err}");
    let (code, err) = fails(
        d,
        &with(&["diary", "registers", "add", "--code", "B4", "--name", "X"]),
    );
    assert_eq!(code, 2, "{err}");
    ok(d, &with(&["diary", "registers", "close", "--code", "bun"]));
    let s = ok(d, &with(&["diary", "registers", "list", "--json"]));
    let list: serde_json::Value = serde_json::from_str(&s).unwrap();
    let bun = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "BUN")
        .unwrap();
    assert!(bun["closed_at"].is_string(), "{s}");
    let (code, err) = fails(d, &with(&["diary", "registers", "close", "--code", "BUN"]));
    assert_eq!(code, 4, "{err}");
    let (code, err) = fails(d, &with(&["diary", "registers", "close", "--code", "KS"]));
    assert_eq!(code, 4, "{err}");
    let (code, err) = fails(d, &with(&["diary", "registers", "close", "--code", "SOC"]));
    assert_eq!(code, 3, "{err}");

    let year = chrono::Datelike::year(&chrono::Utc::now());
    let s = ok(d, &with(&["diary", "format", "show"]));
    assert!(s.contains("format: {register} {year}/{seq:04}"), "{s}");
    assert!(s.contains(&format!("nästa nummer: KS {year}/")), "{s}");
    let s = ok(
        d,
        &with(&["diary", "format", "set", "{year}-{register}-{seq:03}"]),
    );
    assert!(s.contains(&format!("{year}-KS-")), "{s}");
    let s = ok(d, &with(&["diary", "format", "show"]));
    assert!(s.contains("format: {year}-{register}-{seq:03}"), "{s}");
    let (code, err) = fails(d, &with(&["diary", "format", "set", "{register} {year}"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("{seq}"), "{err}");

    ok(
        d,
        &with(&["diary", "registrar", "set", "registrator@ekbacka.se"]),
    );
    assert_eq!(
        ok(d, &with(&["diary", "registrar", "show"])).trim(),
        "registrator@ekbacka.se"
    );
    let (code, err) = fails(d, &with(&["diary", "registrar", "set", "nej"]));
    assert_eq!(code, 2, "{err}");

    let (code, err) = fails(d, &["diary", "registers", "list", "--org", "finnsinte"]);
    assert_eq!(code, 3, "{err}");
}

#[test]
fn calendar_extra_days() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["demo", "--records", "20"]);
    let s = ok(d, &["calendar", "extra-days", "list", "--org", "ekbacka"]);
    assert!(s.contains("inga extra lediga dagar"), "{s}");
    ok(
        d,
        &[
            "calendar",
            "extra-days",
            "add",
            "--org",
            "ekbacka",
            "2026-05-15",
            "--note",
            "Klämdag efter Kristi himmelsfärd",
        ],
    );
    ok(
        d,
        &[
            "calendar",
            "extra-days",
            "add",
            "--org",
            "ekbacka",
            "2027-01-05",
        ],
    );
    let s = ok(
        d,
        &[
            "calendar",
            "extra-days",
            "list",
            "--org",
            "ekbacka",
            "--year",
            "2026",
        ],
    );
    assert_eq!(s.trim(), "2026-05-15  Klämdag efter Kristi himmelsfärd");
    let s = ok(
        d,
        &[
            "calendar",
            "extra-days",
            "list",
            "--org",
            "ekbacka",
            "--json",
        ],
    );
    let days: serde_json::Value = serde_json::from_str(&s).unwrap();
    assert_eq!(days.as_array().unwrap().len(), 2, "{s}");
    ok(
        d,
        &[
            "calendar",
            "extra-days",
            "remove",
            "--org",
            "ekbacka",
            "2026-05-15",
        ],
    );
    let s = ok(
        d,
        &[
            "calendar",
            "extra-days",
            "list",
            "--org",
            "ekbacka",
            "--year",
            "2026",
        ],
    );
    assert!(s.contains("inga extra lediga dagar"), "{s}");
    let (code, err) = fails(
        d,
        &[
            "calendar",
            "extra-days",
            "remove",
            "--org",
            "ekbacka",
            "2026-05-15",
        ],
    );
    assert_eq!(code, 3, "{err}");
    let (code, err) = fails(
        d,
        &[
            "calendar",
            "extra-days",
            "add",
            "--org",
            "ekbacka",
            "15/5 2026",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("15/5 2026"), "{err}");
    let (code, err) = fails(
        d,
        &[
            "calendar",
            "extra-days",
            "add",
            "--org",
            "ekbacka",
            "3026-01-01",
        ],
    );
    assert_eq!(code, 2, "{err}");
}
