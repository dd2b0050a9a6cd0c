//! Staff users, sessions and sign-in attempts: the types the store returns and the row
//! conversions both backends share.
use crate::StoreError;
use chrono::{DateTime, Utc};
use insyn_domain::{
    AccountAccess, AccountGrant, AccountId, OrgId, Role, StaffUser, UserId, UserStatus,
};

/// A user with the password hash, for verifying a sign-in. Never leaves the app layer.
#[derive(Clone)]
pub struct UserCredentials {
    pub user: StaffUser,
    /// Argon2id PHC string; `None` for users who sign in only through the identity provider.
    pub password_hash: Option<String>,
}

impl std::fmt::Debug for UserCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserCredentials")
            .field("user", &self.user)
            .field("password_hash", &self.password_hash.as_ref().map(|_| "***"))
            .finish()
    }
}

/// A stored session: opaque data (JSON written by the web layer) and its expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    /// SHA-256 (hex) of the session id; the id itself is never stored.
    pub id_sha256: String,
    /// The signed-in user, if any (so that a user's sessions can be revoked).
    pub user: Option<(OrgId, UserId)>,
    pub data: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    pub id: i64,
    pub org_id: i64,
    pub email: String,
    pub name: String,
    pub function: String,
    pub status: String,
    pub password_hash: Option<String>,
}

pub(crate) const USER_COLUMNS: &str = "id, org_id, email, name, function, status, password_hash";

impl UserRow {
    pub(crate) fn into_credentials(
        self,
        roles: &[(i64, String)],
        grants: &[(i64, i64, String)],
    ) -> Result<UserCredentials, StoreError> {
        let corrupt =
            |e: insyn_domain::DomainError| StoreError::Corrupt(format!("user {}: {e}", self.id));
        let roles = roles
            .iter()
            .filter(|(u, _)| *u == self.id)
            .map(|(_, r)| Role::parse(r))
            .collect::<Result<Vec<_>, _>>()
            .map_err(corrupt)?;
        let accounts = grants
            .iter()
            .filter(|(u, _, _)| *u == self.id)
            .map(|(_, a, access)| {
                Ok(AccountGrant {
                    account_id: AccountId(*a),
                    access: AccountAccess::parse(access)?,
                })
            })
            .collect::<Result<Vec<_>, insyn_domain::DomainError>>()
            .map_err(corrupt)?;
        Ok(UserCredentials {
            user: StaffUser {
                id: UserId(self.id),
                org_id: OrgId(self.org_id),
                email: self.email,
                name: self.name,
                function: self.function,
                status: UserStatus::parse(&self.status).map_err(corrupt)?,
                roles: insyn_domain::staff::normalise_roles(&roles),
                accounts: insyn_domain::staff::normalise_grants(&accounts),
            },
            password_hash: self.password_hash,
        })
    }
}

/// Which users a query reads.
#[derive(Clone, Copy)]
pub(crate) enum UserFilter<'a> {
    All,
    Id(i64),
    Email(&'a str),
}

impl UserFilter<'_> {
    /// The condition on the `users` table aliased `u`, with the parameter `$2`.
    pub(crate) fn condition(self) -> &'static str {
        match self {
            UserFilter::All => "",
            UserFilter::Id(_) => " AND u.id = $2",
            UserFilter::Email(_) => " AND u.email = $2",
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SessionRow {
    pub id_sha256: String,
    pub org_id: Option<i64>,
    pub user_id: Option<i64>,
    pub data: String,
    pub expires_at: DateTime<Utc>,
}

impl From<SessionRow> for StoredSession {
    fn from(r: SessionRow) -> Self {
        StoredSession {
            id_sha256: r.id_sha256,
            user: r.org_id.zip(r.user_id).map(|(o, u)| (OrgId(o), UserId(u))),
            data: r.data,
            expires_at: r.expires_at,
        }
    }
}
