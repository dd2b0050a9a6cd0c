//! Staff sign-in (R12.1): users with Argon2id passwords, throttling of repeated failures,
//! server-side sessions, OpenID Connect ([`oidc`]), and the staff read path of records with its
//! audit event. Every sign-in, sign-out, failed sign-in and change of a user is in the audit chain.
pub mod oidc;
pub mod password;

use crate::{App, AppError, Result};
use chrono::{DateTime, Duration, Utc};
use insyn_domain::staff;
use insyn_domain::*;
use insyn_store::StoreError;
pub use insyn_store::StoredSession;

/// Failed attempts allowed for one e-mail address in [`THROTTLE_WINDOW`] before sign-in is
/// refused without checking the password.
pub const MAX_FAILURES: i64 = 5;
pub const THROTTLE_WINDOW: Duration = Duration::minutes(15);

/// What a sign-in attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignIn {
    Ok(StaffUser),
    /// Unknown user, wrong password, disabled user or no password set: one answer for all.
    Rejected,
    /// Too many failures for this address lately; try again after the window.
    Throttled,
}

/// The SHA-256 (hex) under which a session id is stored.
pub fn session_key(id: &str) -> String {
    Sha256Digest::of(id.as_bytes()).to_hex()
}

fn not_found_as(e: StoreError, msg: &str) -> AppError {
    match e {
        StoreError::NotFound { .. } => AppError::NotFound(msg.to_string()),
        other => other.into(),
    }
}

impl App {
    // --- users ---

    /// Creates a user; with a password (checked against the policy) for local sign-in, without
    /// one for sign-in only through the organisation's identity provider.
    pub async fn create_user(
        &self,
        org: OrgId,
        new: &NewUser,
        password: Option<&str>,
        actor: &str,
    ) -> Result<StaffUser> {
        let new = new.normalised()?;
        let hash = match password {
            Some(p) => Some(password::hash(p).await?),
            None => None,
        };
        Ok(self
            .store
            .create_user(org, &new, hash.as_deref(), actor)
            .await?)
    }

    pub async fn set_user_password(
        &self,
        org: OrgId,
        id: UserId,
        password: &str,
        actor: &str,
    ) -> Result<()> {
        let hash = password::hash(password).await?;
        self.store
            .set_user_password(org, id, &hash, actor)
            .await
            .map_err(|e| not_found_as(e, "no such user"))
    }

    pub async fn users(&self, org: OrgId) -> Result<Vec<StaffUser>> {
        Ok(self.store.list_users(org).await?)
    }

    pub async fn user(&self, org: OrgId, id: UserId) -> Result<StaffUser> {
        self.store
            .get_user(org, id)
            .await
            .map_err(|e| not_found_as(e, "no such user"))
    }

    /// Changes roles and account permissions; `by` must be the organisation's administrator.
    pub async fn set_user_access(
        &self,
        by: &StaffUser,
        id: UserId,
        roles: &[Role],
        accounts: &[AccountGrant],
    ) -> Result<StaffUser> {
        if !staff::can_manage_users(by, by.org_id) {
            return Err(AppError::Forbidden(
                "only the organisation's administrator may change roles".into(),
            ));
        }
        if by.id == id && !roles.contains(&Role::Administrator) {
            return Err(AppError::invalid(
                "roles",
                "you cannot take the administrator role from yourself; ask another administrator",
            ));
        }
        self.store
            .set_user_access(by.org_id, id, roles, accounts, &by.actor())
            .await
            .map_err(|e| not_found_as(e, "no such user or account in this organisation"))
    }

    /// Enables or disables a user (disabling ends the user's sessions).
    pub async fn set_user_status(
        &self,
        org: OrgId,
        id: UserId,
        status: UserStatus,
        actor: &str,
    ) -> Result<StaffUser> {
        self.store
            .set_user_status(org, id, status, actor)
            .await
            .map_err(|e| not_found_as(e, "no such user"))
    }

    // --- sign-in ---

    /// Checks an e-mail address and password for the organisation. Unknown users, users without
    /// a password, disabled users and wrong passwords all get [`SignIn::Rejected`] after one
    /// Argon2 verification, so neither the answer nor its time tells them apart.
    pub async fn sign_in(&self, org: OrgId, email: &str, password: &str) -> Result<SignIn> {
        let now = Utc::now();
        let key = email.trim().to_lowercase();
        let failures = self
            .store
            .failed_logins_since(org, &key, now - THROTTLE_WINDOW)
            .await?;
        if failures >= MAX_FAILURES {
            self.store
                .record_login_attempt(org, &key, now, false)
                .await?;
            self.audit_sign_in_failed(org, &key, "throttled").await?;
            return Ok(SignIn::Throttled);
        }
        let creds = match self.store.user_credentials(org, &key).await {
            Ok(c) => Some(c),
            Err(StoreError::NotFound { .. }) => None,
            Err(e) => return Err(e.into()),
        };
        let phc = creds.as_ref().and_then(|c| c.password_hash.as_deref());
        let matches = password::verify(password, phc).await;
        match creds {
            Some(c) if matches && c.user.is_active() => {
                self.store
                    .record_login_attempt(org, &key, now, true)
                    .await?;
                self.audit(
                    org,
                    &c.user.actor(),
                    AuditAction::SignedIn,
                    format!("user:{}", c.user.id),
                    serde_json::json!({"method": "password"}),
                )
                .await?;
                Ok(SignIn::Ok(c.user))
            }
            _ => {
                self.store
                    .record_login_attempt(org, &key, now, false)
                    .await?;
                self.audit_sign_in_failed(org, &key, "rejected").await?;
                Ok(SignIn::Rejected)
            }
        }
    }

    async fn audit_sign_in_failed(&self, org: OrgId, email: &str, why: &str) -> Result<()> {
        self.audit(
            org,
            "anonymous",
            AuditAction::SignInFailed,
            format!("email:{email}"),
            serde_json::json!({"reason": why}),
        )
        .await
    }

    pub(crate) async fn audit(
        &self,
        org: OrgId,
        actor: &str,
        action: AuditAction,
        subject: String,
        detail: serde_json::Value,
    ) -> Result<()> {
        self.store
            .append_audit(NewAuditEntry {
                org_id: org,
                at: Utc::now(),
                actor: actor.to_string(),
                action,
                subject,
                digest: None,
                detail: detail.to_string(),
            })
            .await?;
        Ok(())
    }

    /// Notes a sign-out in the audit chain (the web layer ends the session).
    pub async fn signed_out(&self, user: &StaffUser) -> Result<()> {
        self.audit(
            user.org_id,
            &user.actor(),
            AuditAction::SignedOut,
            format!("user:{}", user.id),
            serde_json::json!({}),
        )
        .await
    }

    /// The signed-in user behind a session, if still active.
    pub async fn session_user(&self, org: OrgId, id: UserId) -> Result<Option<StaffUser>> {
        match self.store.get_user(org, id).await {
            Ok(u) if u.is_active() => Ok(Some(u)),
            Ok(_) | Err(StoreError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    // --- sessions ---

    /// Stores a new session under the hash of `id`; `false` if that id exists already.
    pub async fn session_create(&self, session: &StoredSession) -> Result<bool> {
        Ok(self.store.create_session(session).await?)
    }

    /// Saves (touches) a session: new data and a new expiry.
    pub async fn session_save(&self, session: &StoredSession) -> Result<()> {
        Ok(self.store.save_session(session).await?)
    }

    /// A live session (an expired one is as good as gone).
    pub async fn session_load(&self, key: &str) -> Result<Option<StoredSession>> {
        Ok(self.store.load_session(key, Utc::now()).await?)
    }

    pub async fn session_revoke(&self, key: &str) -> Result<()> {
        Ok(self.store.delete_session(key).await?)
    }

    /// Signs a user out everywhere.
    pub async fn revoke_user_sessions(&self, org: OrgId, user: UserId) -> Result<u64> {
        Ok(self.store.delete_user_sessions(org, user).await?)
    }

    /// Removes expired sessions and old sign-in attempts; returns the sessions removed.
    pub async fn purge_sessions(&self, now: DateTime<Utc>) -> Result<u64> {
        Ok(self
            .store
            .purge_sessions(now, now - Duration::days(1))
            .await?)
    }

    // --- records as staff see them ---

    /// A record for a staff member: refused unless the rules let the user read it, and every
    /// view of a non-public record is an audit event naming the user.
    pub async fn record_for_staff(&self, user: &StaffUser, id: RecordId) -> Result<Record> {
        let org = user.org_id;
        let record = self
            .store
            .get_record(org, id)
            .await
            .map_err(|e| not_found_as(e, "no such record"))?;
        if !staff::can_read_record(user, org, record.account_id, record.classification) {
            return Err(AppError::Forbidden(
                "you have no permission to read this record".into(),
            ));
        }
        self.record(org, id, &user.actor()).await
    }
}
