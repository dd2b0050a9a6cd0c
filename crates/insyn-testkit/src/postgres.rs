//! A fresh database on the test PostgreSQL server for each test.
use std::process::Command;

/// Creates an empty database and returns its URL, or `None` (after [`crate::missing_service`])
/// when no test server is configured.
pub fn fresh_database(test: &str) -> Option<String> {
    let Ok(base) = std::env::var("INSYN_TEST_POSTGRES_URL") else {
        crate::missing_service(test, "INSYN_TEST_POSTGRES_URL");
        return None;
    };
    let name = crate::unique_name("insyn_t");
    let status = Command::new("psql")
        .arg(&base)
        .args(["-q", "-v", "ON_ERROR_STOP=1", "-c"])
        .arg(format!("CREATE DATABASE {name}"))
        .status()
        .expect("psql runs (install postgresql-client)");
    assert!(
        status.success(),
        "could not create test database {name} on {base}"
    );
    let (server, _) = base.rsplit_once('/').unwrap_or((base.as_str(), ""));
    Some(format!("{server}/{name}"))
}
