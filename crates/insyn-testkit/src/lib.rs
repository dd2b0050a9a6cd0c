//! Test-only helpers. Tests that need a real service (PostgreSQL, the S3 stand-in) ask for it
//! here. `scripts/test` (and so `.ci/run`) starts those services on 127.0.0.1 and names them in
//! `INSYN_TEST_POSTGRES_URL` and `INSYN_TEST_S3_URL`. Without them a test is skipped with a loud
//! message, except under CI (`CI` set), where a missing service fails the test.

use std::sync::atomic::{AtomicU64, Ordering};

pub mod mastodon;
pub mod pdf;
pub mod postgres;
pub mod s3;
pub mod smtp;

/// A name no other test in this run (or a run before it) uses.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}{}x{nanos}x{n}", std::process::id())
}

/// Called when a service is missing: fails under CI, otherwise says loudly what was skipped.
pub fn missing_service(test: &str, variable: &str) {
    let msg = format!(
        "{test}: {variable} is not set. Run the tests with `scripts/test`, which starts the service on 127.0.0.1"
    );
    if std::env::var_os("CI").is_some() {
        panic!("{msg}");
    }
    eprintln!("\n*** SKIPPED *** {msg}\n");
}

/// A fresh SQLite database URL in a temporary folder (kept alive by the returned guard).
pub fn sqlite_url() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let url = format!("sqlite:{}", dir.path().join("insyn.db").display());
    (dir, url)
}
