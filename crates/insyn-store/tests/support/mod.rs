//! What every store conformance suite shares: the two backends and the macro that runs each test
//! on both (SQLite always, PostgreSQL when the test server is configured).
#![allow(dead_code)]
use insyn_store::{Store, connect};
use std::sync::Arc;

pub struct Backend {
    pub store: Arc<dyn Store>,
    pub url: String,
    _guard: Option<tempfile::TempDir>,
}

pub async fn sqlite() -> Backend {
    let (dir, url) = insyn_testkit::sqlite_url();
    Backend {
        store: connect(&url).await.expect("sqlite opens"),
        url,
        _guard: Some(dir),
    }
}

/// A fresh PostgreSQL database named after the test, or `None` when the server is not set up.
pub async fn postgres(test: &str) -> Option<Backend> {
    let url = insyn_testkit::postgres::fresh_database(test)?;
    Some(Backend {
        store: connect(&url).await.expect("postgres opens"),
        url,
        _guard: None,
    })
}

/// `suite!(prefix = "inbox_", pass = store; test_a, test_b)` makes `on_sqlite::test_a` and
/// `on_postgres::test_a` (database `inbox_test_a`) calling `test_a(&dyn Store)`; with
/// `pass = backend` the test gets the whole `&Backend` (for raw SQL on its URL).
macro_rules! suite {
    (prefix = $prefix:literal, pass = $pass:ident; $($name:ident),* $(,)?) => {
        mod on_sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let b = super::support::sqlite().await;
                    super::$name(suite!(@pass $pass b)).await;
                }
            )*
        }
        mod on_postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    if let Some(b) = super::support::postgres(concat!($prefix, stringify!($name))).await {
                        super::$name(suite!(@pass $pass b)).await;
                    }
                }
            )*
        }
    };
    (@pass store $b:ident) => { &*$b.store };
    (@pass backend $b:ident) => { &$b };
}
