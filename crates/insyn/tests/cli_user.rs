//! `insyn user add|list`: the password comes from standard input or a file, never the command
//! line; bad input is refused with a clear message and a non-zero exit code.
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn insyn(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_insyn"));
    c.arg("--data-dir")
        .arg(data)
        .current_dir(data)
        .env_remove("INSYN_DATABASE_URL")
        .env_remove("INSYN_BLOBS_URL");
    c
}

fn with_stdin(mut c: Command, input: &str) -> Output {
    let mut child = c
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn users_are_added_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(
        insyn(d)
            .args(["org", "create", "ekbacka", "Ekbacka kommun"])
            .status()
            .unwrap()
            .success()
    );
    let mut add = insyn(d);
    add.args([
        "user",
        "add",
        "--org",
        "ekbacka",
        "--email",
        "Anna@Ekbacka.se",
        "--name",
        "Anna Andersson",
        "--function",
        "kommunikatör",
        "--role",
        "administratör",
        "--role",
        "communicator",
    ]);
    let out = with_stdin(add, "ett långt lösenord!\n");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // from a file, with an account that does not exist: refused, nothing added
    let pw = d.join("pw.txt");
    std::fs::write(&pw, "ett annat långt lösenord\n").unwrap();
    let out = insyn(d)
        .args([
            "user",
            "add",
            "--org",
            "ekbacka",
            "--email",
            "bo@ekbacka.se",
            "--name",
            "Bo",
            "--function",
            "redaktör",
        ])
        .args(["--role", "editor", "--account", "99"])
        .arg("--password-file")
        .arg(&pw)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("account 99"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // a short password, an unknown role, a duplicate address, an unknown organisation
    let mut short = insyn(d);
    short.args([
        "user",
        "add",
        "--org",
        "ekbacka",
        "--email",
        "c@ekbacka.se",
        "--name",
        "C",
        "--function",
        "x",
    ]);
    let out = with_stdin(short, "kort\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 12"));
    let out = insyn(d)
        .args([
            "user",
            "add",
            "--org",
            "ekbacka",
            "--email",
            "c@ekbacka.se",
            "--name",
            "C",
            "--function",
            "x",
        ])
        .args(["--role", "kung", "--no-password"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a role"));
    let mut dup = insyn(d);
    dup.args([
        "user",
        "add",
        "--org",
        "ekbacka",
        "--email",
        "anna@ekbacka.se",
        "--name",
        "A",
        "--function",
        "x",
        "--no-password",
    ]);
    let out = with_stdin(dup, "");
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = insyn(d)
        .args([
            "user",
            "add",
            "--org",
            "finns-inte",
            "--email",
            "x@y.se",
            "--name",
            "X",
            "--function",
            "x",
            "--no-password",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));

    let out = insyn(d)
        .args(["user", "list", "--org", "ekbacka", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let users: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let users = users.as_array().unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0]["email"], "anna@ekbacka.se");
    assert_eq!(
        users[0]["roles"],
        serde_json::json!(["communicator", "administrator"])
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("argon2"), "no hash in the listing");
}
