//! Argon2id password hashes (PHC strings) with the OWASP minimum parameters (m = 19 MiB, t = 2,
//! p = 1, the argon2 crate's defaults), hashed and verified off the async threads.
use crate::AppError;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::LazyLock;

/// Shortest and longest password accepted.
pub const MIN_LEN: usize = 12;
pub const MAX_LEN: usize = 1024;

fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::default())
}

/// A hash of a random password, verified against when the user is unknown or has no password,
/// so that the answer takes as long as for a known user with a wrong password.
static DUMMY: LazyLock<String> = LazyLock::new(|| {
    hash_now(&crate::random_hex(16)).unwrap_or_else(|_| {
        // hashing a fixed string cannot fail with valid parameters; keep a valid PHC anyway
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2i4p3/7k8nqC7v4Xl8x3Xw".into()
    })
});

/// Checks length and content of a new password.
pub fn check_policy(password: &str) -> Result<(), AppError> {
    let n = password.chars().count();
    if n < MIN_LEN {
        return Err(AppError::invalid(
            "password",
            format!("the password must be at least {MIN_LEN} characters"),
        ));
    }
    if n > MAX_LEN {
        return Err(AppError::invalid(
            "password",
            format!("the password must be at most {MAX_LEN} characters"),
        ));
    }
    if password.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "password",
            "the password cannot hold control characters (a line break?)",
        ));
    }
    Ok(())
}

fn hash_now(password: &str) -> Result<String, AppError> {
    hasher()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
}

/// Hashes a password (after [`check_policy`]) on a blocking thread.
pub async fn hash(password: &str) -> Result<String, AppError> {
    check_policy(password)?;
    let password = password.to_string();
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .map_err(|e| AppError::Internal(format!("password hashing task: {e}")))?
}

/// Verifies `password` against `phc`, or against a dummy hash when there is none, on a blocking
/// thread. Only `true` for a stored hash that matches.
pub async fn verify(password: &str, phc: Option<&str>) -> bool {
    let password = password.to_string();
    let stored = phc.map(str::to_string);
    tokio::task::spawn_blocking(move || {
        let (target, real) = match &stored {
            Some(s) => (s.as_str(), true),
            None => (DUMMY.as_str(), false),
        };
        let ok = match PasswordHash::new(target) {
            Ok(parsed) => hasher()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok(),
            Err(_) => {
                // a damaged stored hash: spend the same time, then refuse
                if let Ok(parsed) = PasswordHash::new(DUMMY.as_str()) {
                    let _ = hasher().verify_password(password.as_bytes(), &parsed);
                }
                tracing::error!("a stored password hash cannot be parsed; the user cannot sign in with a password");
                false
            }
        };
        ok && real
    })
    .await
    .unwrap_or(false)
}

/// Warms the dummy hash (it takes one hash time) so the first unknown-user answer is not slower.
pub fn warm_up() {
    LazyLock::force(&DUMMY);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_and_verify() {
        let h = hash("korrekt häst batteri").await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("korrekt häst batteri", Some(&h)).await);
        assert!(!verify("korrekt häst batterI", Some(&h)).await);
        assert!(!verify("korrekt häst batteri", None).await);
        assert!(!verify("x", Some("not a phc string")).await);
        // two hashes of one password differ (random salt)
        assert_ne!(h, hash("korrekt häst batteri").await.unwrap());
    }

    #[test]
    fn policy() {
        assert!(check_policy("kort").is_err());
        assert!(check_policy("tolv tecken!").is_ok());
        assert!(check_policy("tolv tecken!\n").is_err());
        assert!(check_policy(&"x".repeat(MAX_LEN + 1)).is_err());
    }
}
