//! A `mastodon-mock` server (PyPI, a stateful Mastodon REST API) on 127.0.0.1 for one test.
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The running mock; stopped when dropped. The seed account is `testuser`, token `mock_token`.
pub struct MastodonMock {
    child: Child,
    pub base_url: String,
    pub token: String,
    _tmp: tempfile::TempDir,
}

impl Drop for MastodonMock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Starts the mock, or returns `None` (after [`crate::missing_service`]) when it is not installed.
pub fn start(test: &str) -> Option<MastodonMock> {
    let peers = std::env::var("INSYN_PEERS_DIR").unwrap_or_else(|_| "/tmp/insyn-peers".into());
    let exe = std::path::Path::new(&peers).join("venv/bin/mastodon_mock");
    if !exe.exists() {
        crate::missing_service(test, "mastodon_mock (INSYN_PEERS_DIR/venv)");
        return None;
    }
    let tmp = tempfile::tempdir().expect("temporary folder");
    let port = free_port();
    let child = Command::new(&exe)
        .args([
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--in-memory",
        ])
        .env("TMPDIR", tmp.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("mastodon_mock starts");
    let mock = MastodonMock {
        child,
        base_url: format!("http://127.0.0.1:{port}"),
        token: "mock_token".into(),
        _tmp: tmp,
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let ok = Command::new("curl")
            .args([
                "-sf",
                "-o",
                "/dev/null",
                &format!("{}/api/v1/instance", mock.base_url),
            ])
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Some(mock);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!(
        "mastodon_mock did not answer on {} within 30 s",
        mock.base_url
    );
}
