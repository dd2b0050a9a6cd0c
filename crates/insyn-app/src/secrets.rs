//! Platform tokens at rest (SPEC R12.1: secrets encrypted at rest). A token is sealed with
//! XChaCha20-Poly1305 under the installation's 256-bit key; the organisation and account are the
//! associated data, so a sealed token copied to another account's row does not open. The key
//! lives in a file (hex), never in the database: `INSYN_SECRET_KEY_FILE`, or for the embedded
//! default `insyn-secret.key` beside the SQLite database, created on first use with mode 0600.
use crate::{AppError, Result};
use chacha20poly1305::XChaCha20Poly1305;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use insyn_domain::{AccountId, OrgId};
use rand::RngCore;
use std::path::Path;

/// Format byte of a sealed token, so the scheme can change later.
const SEALED_V1: u8 = 1;
const NONCE_LEN: usize = 24;

pub struct TokenSealer {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for TokenSealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSealer(…)")
    }
}

impl TokenSealer {
    pub fn from_key(key: &[u8]) -> Result<Self> {
        let cipher = XChaCha20Poly1305::new_from_slice(key).map_err(|_| {
            AppError::invalid(
                "secret_key",
                "the secret key must be 32 bytes (64 hex digits)",
            )
        })?;
        Ok(TokenSealer { cipher })
    }

    /// Reads the key file; creates it (random, mode 0600) when `create` and it is missing.
    pub fn from_file(path: &Path, create: bool) -> Result<Self> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
                let mut key = [0u8; 32];
                rand::rng().fill_bytes(&mut key);
                write_private(path, &hex::encode(key))?;
                tracing::info!(file = %path.display(), "created the secret key for platform tokens");
                return Self::from_key(&key);
            }
            Err(e) => {
                return Err(AppError::invalid(
                    "secret_key_file",
                    format!("cannot read {}: {e}", path.display()),
                ));
            }
        };
        check_private(path)?;
        let key = hex::decode(text.trim()).map_err(|_| {
            AppError::invalid(
                "secret_key_file",
                format!("{} must hold 64 hex digits", path.display()),
            )
        })?;
        Self::from_key(&key)
    }

    pub fn seal(&self, org: OrgId, account: AccountId, token: &str) -> Result<Vec<u8>> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let aad = associated(org, account);
        let sealed = self
            .cipher
            .encrypt(
                (&nonce).into(),
                Payload {
                    msg: token.as_bytes(),
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| AppError::Internal("the token could not be sealed".into()))?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(SEALED_V1);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    pub fn open(&self, org: OrgId, account: AccountId, sealed: &[u8]) -> Result<String> {
        let unreadable = || {
            AppError::Conflict(format!(
                "the stored token of account {account} cannot be opened with this installation's secret key; connect the account again"
            ))
        };
        if sealed.len() < 1 + NONCE_LEN || sealed[0] != SEALED_V1 {
            return Err(unreadable());
        }
        let nonce: [u8; NONCE_LEN] = sealed[1..1 + NONCE_LEN]
            .try_into()
            .map_err(|_| unreadable())?;
        let aad = associated(org, account);
        let plain = self
            .cipher
            .decrypt(
                (&nonce).into(),
                Payload {
                    msg: &sealed[1 + NONCE_LEN..],
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| unreadable())?;
        String::from_utf8(plain).map_err(|_| unreadable())
    }
}

fn associated(org: OrgId, account: AccountId) -> String {
    format!(
        "insyn platform token v1 org={} account={}",
        org.0, account.0
    )
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let io = |e: std::io::Error| {
        AppError::invalid(
            "secret_key_file",
            format!("cannot create {}: {e}", path.display()),
        )
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(io)?;
    f.write_all(text.as_bytes()).map_err(io)?;
    f.sync_all().map_err(io)
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| {
        AppError::invalid(
            "secret_key_file",
            format!("cannot create {}: {e}", path.display()),
        )
    })
}

/// A key file others can read is refused (as garage does with its secret files).
#[cfg(unix)]
fn check_private(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| AppError::invalid("secret_key_file", e.to_string()))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(AppError::invalid(
            "secret_key_file",
            format!(
                "{} can be read by others (mode {:o}); run chmod 600 on it",
                path.display(),
                mode & 0o777
            ),
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_: &Path) -> Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_tokens_open_only_for_their_account() {
        let s = TokenSealer::from_key(&[7u8; 32]).unwrap();
        let sealed = s.seal(OrgId(1), AccountId(2), "hemlig-token").unwrap();
        assert!(!sealed.windows(6).any(|w| w == b"hemlig"));
        assert_eq!(
            s.open(OrgId(1), AccountId(2), &sealed).unwrap(),
            "hemlig-token"
        );
        assert!(s.open(OrgId(1), AccountId(3), &sealed).is_err());
        assert!(s.open(OrgId(2), AccountId(2), &sealed).is_err());
        let other = TokenSealer::from_key(&[8u8; 32]).unwrap();
        assert!(other.open(OrgId(1), AccountId(2), &sealed).is_err());
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(s.open(OrgId(1), AccountId(2), &tampered).is_err());
        assert!(s.open(OrgId(1), AccountId(2), &[1, 2, 3]).is_err());
        // two seals of one token differ (fresh nonce)
        assert_ne!(
            sealed,
            s.seal(OrgId(1), AccountId(2), "hemlig-token").unwrap()
        );
    }

    #[test]
    fn key_file_is_created_private_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k").join("insyn-secret.key");
        let a = TokenSealer::from_file(&path, true).unwrap();
        let sealed = a.seal(OrgId(1), AccountId(1), "t").unwrap();
        let b = TokenSealer::from_file(&path, false).unwrap();
        assert_eq!(b.open(OrgId(1), AccountId(1), &sealed).unwrap(), "t");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let err = TokenSealer::from_file(&path, false).unwrap_err();
            assert!(err.to_string().contains("chmod 600"), "{err}");
        }
        let missing = TokenSealer::from_file(&dir.path().join("none"), false).unwrap_err();
        assert!(missing.to_string().contains("cannot read"), "{missing}");
        std::fs::write(dir.path().join("bad"), "zz").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(
                dir.path().join("bad"),
                std::fs::Permissions::from_mode(0o600),
            )
            .unwrap();
        }
        assert!(TokenSealer::from_file(&dir.path().join("bad"), false).is_err());
    }
}
