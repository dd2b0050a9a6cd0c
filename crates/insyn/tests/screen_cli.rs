//! `insyn screen --jsonl` as a process: streaming answers line by line, bad lines answered in
//! place with a non-zero exit code, character offsets.
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

fn insyn() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_insyn"));
    c.env_remove("INSYN_DATABASE_URL")
        .env_remove("INSYN_BLOBS_URL");
    c
}

fn run_jsonl(input: &[u8]) -> (Vec<serde_json::Value>, std::process::ExitStatus, String) {
    let out = {
        let mut child = insyn()
            .args(["screen", "--jsonl"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("insyn starts");
        child.stdin.take().unwrap().write_all(input).unwrap();
        child.wait_with_output().unwrap()
    };
    let lines = String::from_utf8(out.stdout)
        .expect("UTF-8 output")
        .lines()
        .map(|l| serde_json::from_str(l).expect("each output line is JSON"))
        .collect();
    (
        lines,
        out.status,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn jsonl_answers_every_line_with_character_offsets() {
    let input = "{\"id\": \"a1\", \"text\": \"Åäö! Mitt pnr är 121212-1212\"}\n\
                 {\"id\": 2, \"text\": \"Tack för en fin dag\"}\n";
    let (out, status, _) = run_jsonl(input.as_bytes());
    assert!(status.success());
    assert_eq!(out.len(), 2);
    assert_eq!(out[0]["id"], "a1");
    let f = &out[0]["findings"][0];
    assert_eq!(f["category"], "personnummer");
    assert_eq!(
        (f["start"].as_u64(), f["end"].as_u64()),
        (Some(17), Some(28))
    );
    assert_eq!(f["text"], "121212-1212");
    for key in ["rule", "confidence"] {
        assert!(f.get(key).is_some(), "{key}");
    }
    assert_eq!(out[1], serde_json::json!({"id": 2, "findings": []}));
}

#[test]
fn jsonl_bad_lines_are_reported_and_the_run_goes_on() {
    let input = b"{\"id\": 1, \"text\": \"ring 070-174 06 12\"}\n{broken\n{\"id\": 3, \"text\": \"\xff\"}\n{\"id\": 4, \"text\": \"hej\"}\n";
    let (out, status, stderr) = run_jsonl(input);
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert_eq!(out.len(), 4);
    assert_eq!(out[0]["findings"][0]["category"], "phone");
    assert_eq!(out[1]["line"], 2);
    assert!(out[1]["error"].is_string());
    assert_eq!(out[2]["line"], 3);
    assert_eq!(out[3]["id"], 4);
    assert!(stderr.contains("2 av 4"), "{stderr}");
}

#[test]
fn jsonl_streams_an_answer_before_the_input_ends() {
    let mut child = insyn()
        .args(["screen", "--jsonl"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("insyn starts");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    for i in 0..3 {
        writeln!(stdin, "{{\"id\": {i}, \"text\": \"mejla ola@example.se\"}}").unwrap();
        stdin.flush().unwrap();
        // The answer comes while standard input is still open.
        line.clear();
        stdout.read_line(&mut line).unwrap();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["id"], i);
        assert_eq!(v["findings"][0]["category"], "email");
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

#[test]
fn screen_all_rescreens_the_store_and_keeps_earlier_findings() {
    let dir = tempfile::tempdir().unwrap();
    let with_data = |args: &[&str]| {
        let out = insyn()
            .arg("--data-dir")
            .arg(dir.path())
            .current_dir(dir.path())
            .args(args)
            .output()
            .expect("insyn runs");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    with_data(&["demo", "--records", "60"]);
    let first: serde_json::Value =
        serde_json::from_str(&with_data(&["screen", "--all", "--json"])).unwrap();
    let n = first["screened"].as_u64().unwrap();
    assert!(n > 0 && n <= 60, "{first}");
    // Nothing new arrived: the same versions are screened again, one more time each.
    let second: serde_json::Value =
        serde_json::from_str(&with_data(&["screen", "--all", "--json"])).unwrap();
    assert_eq!(second["screened"].as_u64(), Some(n));
}

#[test]
fn screen_reads_invalid_utf8_on_stdin_lossily() {
    let mut child = insyn()
        .args(["screen", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("insyn starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"\xff\xfe ring 070-174 06 12 \xc3")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["category"], "phone");
}

#[test]
fn own_rules_extend_the_defaults_and_a_bad_file_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("egna.rules"),
        "@category complaint\n@rule egna.gungor\n@confidence 0.9\n@sv Klagomål på gungorna.\n@en Complaint about the swings.\ngungorna är trasiga\n",
    )
    .unwrap();
    let out = insyn()
        .args(["screen", "--json", "--rules"])
        .arg(dir.path())
        .arg("Gungorna är trasiga")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["rule"], "egna.gungor");

    std::fs::write(dir.path().join("egna.rules"), "@category nonsense\nord\n").unwrap();
    let out = insyn()
        .args(["screen", "--rules"])
        .arg(dir.path())
        .arg("hej")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("egna.rules:1"), "{err}");
}
