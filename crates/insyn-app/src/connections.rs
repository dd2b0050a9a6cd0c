//! Connected accounts (R2.3, R2.5): connecting an account with its token (sealed at rest), the
//! scheduled capture of every connected account, connection health and the alerts that repeat
//! and escalate while an account fails.
use crate::capture::PassReport;
use crate::secrets::TokenSealer;
use crate::{App, AppError, Result};
use chrono::{DateTime, Duration, Utc};
use insyn_capture::Connector;
use insyn_domain::{
    Account, AccountId, CaptureAlert, ConnectionHealth, ConnectionState, FailureKind, OrgId,
};
use serde::Serialize;

/// How often a connected account is captured while all is well.
pub const POLL_EVERY: Duration = Duration::minutes(5);

/// An account with how its connection stands (never the token).
#[derive(Debug, Clone, Serialize)]
pub struct AccountHealth {
    pub account: Account,
    pub connection: Option<ConnectionView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConnectionView {
    pub base_url: String,
    pub connected_at: DateTime<Utc>,
    pub connected_by: String,
    pub state: ConnectionState,
    pub health: ConnectionHealth,
}

/// The connector for an account's platform, speaking to `base_url` with `token`.
pub fn connector_for(account: &Account, base_url: &str, token: &str) -> Result<Box<dyn Connector>> {
    Ok(insyn_capture::connect(
        account.platform,
        base_url,
        token,
        &account.platform_id,
    )?)
}

impl App {
    /// The key that seals platform tokens: `INSYN_SECRET_KEY_FILE`, or beside the embedded
    /// database (created on first use).
    pub(crate) fn token_sealer(&self) -> Result<TokenSealer> {
        if let Some(path) = std::env::var_os("INSYN_SECRET_KEY_FILE") {
            return TokenSealer::from_file(std::path::Path::new(&path), false);
        }
        if self.config.database_url.starts_with("sqlite:") {
            let db = crate::sqlite_path(&self.config.database_url)?;
            let dir = db.parent().unwrap_or(std::path::Path::new("."));
            return TokenSealer::from_file(&dir.join("insyn-secret.key"), true);
        }
        Err(AppError::invalid(
            "secret_key_file",
            "set INSYN_SECRET_KEY_FILE to a file holding 64 hex digits (e.g. `openssl rand -hex 32 > key; chmod 600 key`) to keep platform tokens",
        ))
    }

    /// Connects (or reconnects) an account: checks the token with the platform and that it belongs
    /// to this account, then keeps it sealed. Capture starts at once; after a reconnect it
    /// back-fills what was missed.
    pub async fn connect_account(
        &self,
        org: OrgId,
        account: AccountId,
        base_url: &str,
        token: &str,
        actor: &str,
    ) -> Result<Account> {
        let token = token.trim();
        if token.is_empty() {
            return Err(AppError::invalid("token", "the token is empty"));
        }
        let acc = self.store.get_account(org, account).await?;
        let connector = connector_for(&acc, base_url, token)?;
        let verified = connector.verify().await?;
        let acc = if acc.platform_id.is_empty() {
            self.store
                .set_account_platform_id(org, account, &verified, actor)
                .await?
        } else if acc.platform_id != verified {
            return Err(AppError::Conflict(format!(
                "the token belongs to platform account {verified}, but account {account} is {}; use the account's own token",
                acc.platform_id
            )));
        } else {
            acc
        };
        let sealed = self.token_sealer()?.seal(org, account, token)?;
        let now = Utc::now();
        let health = match self.store.connection(org, account).await? {
            Some(mut existing) => {
                existing.health.reconnected(now);
                existing.health
            }
            None => ConnectionHealth::connected(now),
        };
        self.store
            .save_connection(org, account, base_url, &sealed, &health, actor)
            .await?;
        Ok(acc)
    }

    /// One capture pass over a connected account, with its outcome kept as connection health.
    pub async fn capture_account(
        &self,
        org: OrgId,
        account: AccountId,
        actor: &str,
    ) -> Result<PassReport> {
        let conn = self.store.connection(org, account).await?.ok_or_else(|| {
            AppError::NotFound(format!(
                "account {account} is not connected; connect it with `insyn account connect`"
            ))
        })?;
        let acc = self.store.get_account(org, account).await?;
        let mut health = conn.health.clone();
        let result = async {
            let token = self
                .token_sealer()?
                .open(org, account, &conn.sealed_token)?;
            let connector = connector_for(&acc, &conn.base_url, &token)?;
            self.capture_pass(org, account, connector.as_ref(), actor)
                .await
        }
        .await;
        let now = Utc::now();
        match &result {
            Ok(_) => health.succeeded(now, POLL_EVERY),
            Err(e) => {
                let kind = match e {
                    AppError::Unauthorized(_) | AppError::Forbidden(_) => FailureKind::Auth,
                    // a token that no longer opens needs a reconnect as much as a refused one
                    AppError::Conflict(_) | AppError::Invalid { .. } => FailureKind::Auth,
                    _ => FailureKind::Temporary,
                };
                tracing::warn!(%org, %account, error = %e, "capture failed");
                health.failed(now, &kind, &e.to_string(), POLL_EVERY);
            }
        }
        self.store
            .save_capture_state(org, account, &health, None)
            .await?;
        if let Some(level) = health.alert_due(now) {
            health.alerted(now, level);
            let message = format!(
                "Insamlingen från {} ({}) fungerar inte sedan {}: {}. {}",
                acc.handle,
                acc.platform.display_name(),
                health
                    .failing_since
                    .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_default(),
                health.last_error.as_deref().unwrap_or("okänt fel"),
                if health.needs_reconnect {
                    "Anslut kontot på nytt."
                } else {
                    "Insyn försöker igen av sig själv."
                }
            );
            self.store
                .raise_capture_alert(org, account, level, &message, &health)
                .await?;
            tracing::warn!(%org, %account, to = level.swedish(), "{message}");
        }
        result
    }

    /// Captures every connected account that is due (the scheduler in `insyn serve`). Failures
    /// are kept as connection health, not returned. Returns how many accounts were captured.
    pub async fn capture_due(&self, now: DateTime<Utc>, limit: i64) -> Result<usize> {
        let due = self.store.due_connections(now, limit).await?;
        let n = due.len();
        for (org, account) in due {
            let _ = self.capture_account(org, account, "capture").await;
        }
        Ok(n)
    }

    /// Every account of the organisation with its connection health.
    pub async fn account_health(&self, org: OrgId) -> Result<Vec<AccountHealth>> {
        let accounts = self.store.list_accounts(org).await?;
        let mut connections: std::collections::HashMap<AccountId, _> = self
            .store
            .connections(org)
            .await?
            .into_iter()
            .map(|c| (c.account_id, c))
            .collect();
        Ok(accounts
            .into_iter()
            .map(|account| {
                let connection = connections.remove(&account.id).map(|c| ConnectionView {
                    base_url: c.base_url,
                    connected_at: c.connected_at,
                    connected_by: c.connected_by,
                    state: c.health.state(),
                    health: c.health,
                });
                AccountHealth {
                    account,
                    connection,
                }
            })
            .collect())
    }

    /// Alerts about failing accounts, newest first.
    pub async fn capture_alerts(
        &self,
        org: OrgId,
        account: Option<AccountId>,
        limit: i64,
    ) -> Result<Vec<CaptureAlert>> {
        Ok(self.store.capture_alerts(org, account, limit).await?)
    }
}
