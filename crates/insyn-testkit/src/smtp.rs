//! An `aiosmtpd` 1.4.6 SMTP sink (PyPI) on 127.0.0.1 for one test: every message it accepts is
//! a file in a Maildir (`new/`), with the `X-MailFrom` and `X-RcptTo` headers the Mailbox
//! handler adds. It speaks plain SMTP without STARTTLS or AUTH (see peers.md §5).
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The running sink; stopped when dropped (or by [`SmtpSink::stop`]).
pub struct SmtpSink {
    child: Option<Child>,
    pub port: u16,
    maildir: PathBuf,
    python: PathBuf,
    _tmp: tempfile::TempDir,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A port nobody listens on now (for "the server is down", then [`start_on`] it).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn python(test: &str) -> Option<PathBuf> {
    let python = std::env::var("INSYN_TEST_PYTHON").ok().or_else(|| {
        let peers = std::env::var("INSYN_PEERS_DIR").unwrap_or_else(|_| "/tmp/insyn-peers".into());
        let p = format!("{peers}/venv/bin/python");
        std::path::Path::new(&p).exists().then_some(p)
    });
    let Some(python) = python else {
        crate::missing_service(test, "INSYN_TEST_PYTHON (a venv with aiosmtpd)");
        return None;
    };
    let has = Command::new(&python)
        .args(["-c", "import aiosmtpd"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has {
        crate::missing_service(
            test,
            "aiosmtpd in the peers' venv (run scripts/install-test-peers)",
        );
        return None;
    }
    Some(PathBuf::from(python))
}

/// Starts the sink on a free port, or `None` (after [`crate::missing_service`]).
pub fn start(test: &str) -> Option<SmtpSink> {
    start_on(test, free_port())
}

/// Starts the sink on `port`.
pub fn start_on(test: &str, port: u16) -> Option<SmtpSink> {
    let python = python(test)?;
    let tmp = tempfile::tempdir().expect("temporary folder");
    let maildir = tmp.path().join("mail");
    let mut sink = SmtpSink {
        child: None,
        port,
        maildir,
        python,
        _tmp: tmp,
    };
    sink.spawn();
    Some(sink)
}

impl SmtpSink {
    fn spawn(&mut self) {
        let child = Command::new(&self.python)
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{}", self.port),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(&self.maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "aiosmtpd did not listen on 127.0.0.1:{} within 20 s",
            self.port
        );
    }

    /// Stops the server (the port is free again; the mail received so far stays readable).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts it again on the same port.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    /// Every message received, as its raw text (headers and body), oldest first.
    pub fn messages(&self) -> Vec<String> {
        let Ok(dir) = std::fs::read_dir(self.maildir.join("new")) else {
            return Vec::new();
        };
        let mut files: Vec<(std::time::SystemTime, String)> = dir
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let t = e.metadata().and_then(|m| m.modified()).ok()?;
                let text = std::fs::read(e.path()).ok()?;
                Some((t, String::from_utf8_lossy(&text).into_owned()))
            })
            .collect();
        files.sort_by_key(|f| f.0);
        files.into_iter().map(|f| f.1).collect()
    }

    /// Every message as Python's `email` package reads it (an independent parser), as a JSON
    /// array of `{from, to, subject, body, attachments: [{filename, content_type, size}],
    /// rcpt_to}`, oldest first.
    pub fn parsed_json(&self) -> String {
        const SCRIPT: &str = r#"
import email, email.policy, json, os, sys
d = os.path.join(sys.argv[1], "new")
files = sorted((os.path.getmtime(os.path.join(d, f)), f) for f in os.listdir(d)) if os.path.isdir(d) else []
out = []
for _, f in files:
    with open(os.path.join(d, f), "rb") as fh:
        m = email.message_from_binary_file(fh, policy=email.policy.default)
    body = m.get_body(preferencelist=("plain",))
    out.append({
        "from": str(m["From"]), "to": str(m["To"]), "subject": str(m["Subject"]),
        "rcpt_to": str(m["X-RcptTo"]),
        "body": body.get_content() if body is not None else "",
        "attachments": [{"filename": a.get_filename(), "content_type": a.get_content_type(),
                         "size": len(a.get_payload(decode=True) or b"")} for a in m.iter_attachments()],
    })
print(json.dumps(out))
"#;
        let out = Command::new(&self.python)
            .args(["-c", SCRIPT])
            .arg(&self.maildir)
            .output()
            .expect("run python");
        assert!(
            out.status.success(),
            "parsing the mail failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until at least `n` messages have arrived (at most `timeout`).
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let m = self.messages();
            if m.len() >= n || Instant::now() > deadline {
                return m;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
