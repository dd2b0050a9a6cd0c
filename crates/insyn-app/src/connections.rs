//! Connected accounts (R2.3, R2.5): connecting an account with its token (sealed at rest), the
//! scheduled capture of every connected account, connection health and the alerts that repeat
//! and escalate while an account fails.
use crate::capture::PassReport;
use crate::secrets::TokenSealer;
use crate::{App, AppError, Result};
use chrono::{DateTime, Duration, Utc};
use insyn_capture::Connector;
use insyn_domain::{
    Account, AccountId, AlertLevel, CaptureAlert, ConnectionHealth, ConnectionState, FailureKind,
    MailPurpose, NewMail, OrgId, Role, StaffUser, Unit, UserStatus,
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
        self.capture_account_at(org, account, actor, Utc::now())
            .await
    }

    /// [`App::capture_account`] with the health and alerts reckoned at `now` (the scheduler's
    /// clock; tests move it to follow the alert schedule).
    pub async fn capture_account_at(
        &self,
        org: OrgId,
        account: AccountId,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<PassReport> {
        let conn = self.store.connection(org, account).await?.ok_or_else(|| {
            AppError::NotFound(format!(
                "account {account} is not connected; connect it with `insyn account connect`"
            ))
        })?;
        let acc = self.store.get_account(org, account).await?;
        let mut health = conn.health.clone();
        let alerted_before = health.last_alert_level;
        let result = async {
            let token = self
                .token_sealer()?
                .open(org, account, &conn.sealed_token)?;
            let connector = connector_for(&acc, &conn.base_url, &token)?;
            self.capture_pass(org, account, connector.as_ref(), actor)
                .await
        }
        .await;
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
        match (&result, alerted_before) {
            (Ok(_), Some(level)) => self.mail_reconnected(&acc, level, now).await?,
            (Ok(_), None) => {}
            (Err(_), _) => self.alert_if_due(&acc, &mut health, now).await?,
        }
        result
    }

    /// Raises the alert that is due for a failing account, if one is: kept for the staff pages
    /// and mailed to the people of its level (see [`alert_recipients`]).
    async fn alert_if_due(
        &self,
        acc: &Account,
        health: &mut ConnectionHealth,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let Some(level) = health.alert_due(now) else {
            return Ok(());
        };
        health.alerted(now, level);
        let since = health
            .failing_since
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default();
        let error = health.last_error.as_deref().unwrap_or("okänt fel");
        let what_now = if health.needs_reconnect {
            "Anslut kontot på nytt."
        } else {
            "Insyn försöker igen av sig själv."
        };
        let message = format!(
            "Insamlingen från {} ({}) fungerar inte sedan {since}: {error}. {what_now}",
            acc.handle,
            acc.platform.display_name(),
        );
        // The mails are queued before the alert is kept: a crash in between repeats both at the
        // next attempt rather than leaving an alert nobody was told about.
        let subject = format!(
            "Insyn: insamlingen från {} ({}) fungerar inte",
            acc.handle,
            acc.platform.display_name()
        );
        let body = format!(
            "Hej!\n\n{message}\n\nMisslyckade försök i följd: {}.\nDetta meddelande går till {} och upprepas var {}:e timme tills kontot fungerar igen; efter {} timmar går det också till fler.\n\n(English: capture from this account has been failing since {since}: {error}.)\n\n/Insyn",
            health.failures,
            level.swedish(),
            insyn_domain::connection::ALERT_REPEAT.num_hours(),
            insyn_domain::connection::ESCALATE_AFTER.num_hours(),
        );
        self.mail_account_people(acc, level, &subject, &body)
            .await?;
        self.store
            .raise_capture_alert(acc.org_id, acc.id, level, &message, health)
            .await?;
        tracing::warn!(org = %acc.org_id, account = %acc.id, to = level.swedish(), "{message}");
        Ok(())
    }

    /// The one mail when an account that was alerted about works again.
    async fn mail_reconnected(
        &self,
        acc: &Account,
        level: AlertLevel,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let subject = format!(
            "Insyn: insamlingen från {} ({}) fungerar igen",
            acc.handle,
            acc.platform.display_name()
        );
        let body = format!(
            "Hej!\n\nInsamlingen från {} ({}) fungerar igen sedan {}. Det som publicerades under avbrottet hämtas i efterhand.\n\n(English: capture from this account works again; what was missed is back-filled.)\n\n/Insyn",
            acc.handle,
            acc.platform.display_name(),
            now.format("%Y-%m-%d %H:%M UTC"),
        );
        self.mail_account_people(acc, level, &subject, &body).await
    }

    async fn mail_account_people(
        &self,
        acc: &Account,
        level: AlertLevel,
        subject: &str,
        body: &str,
    ) -> Result<()> {
        let units = self.store.list_units(acc.org_id).await?;
        let users = self.store.list_users(acc.org_id).await?;
        let to = alert_recipients(acc, level, &units, &users);
        if to.is_empty() {
            tracing::warn!(org = %acc.org_id, account = %acc.id, "no e-mail address for the account's alert (set the unit's address or add the responsible people as users)");
        }
        for address in to {
            self.store
                .queue_mail(
                    acc.org_id,
                    &NewMail {
                        to: address,
                        subject: subject.to_string(),
                        body: body.to_string(),
                        purpose: MailPurpose::Other,
                        subject_ref: Some(format!("account:{}", acc.id)),
                        attachments: Vec::new(),
                    },
                    "capture",
                )
                .await?;
        }
        Ok(())
    }

    /// Repeats and escalates the alerts of accounts that wait for a reconnect (the scheduler
    /// does not capture them, so nothing else would). Returns how many alerts were raised.
    pub async fn repeat_capture_alerts(&self, now: DateTime<Utc>) -> Result<usize> {
        let mut raised = 0;
        for org in self.store.list_organisations().await? {
            for conn in self.store.connections(org.id).await? {
                if !conn.health.needs_reconnect || conn.health.alert_due(now).is_none() {
                    continue;
                }
                let acc = self.store.get_account(org.id, conn.account_id).await?;
                let mut health = conn.health.clone();
                self.alert_if_due(&acc, &mut health, now).await?;
                raised += 1;
            }
        }
        Ok(raised)
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

/// Who an account's alert of `level` is mailed to: the account's unit address and its
/// responsible people (an entry that is an address, or an active user of that name or address);
/// from [`AlertLevel::Communicators`] also the communicators, from
/// [`AlertLevel::Administrators`] also the administrators. Lower case, sorted, each once.
pub fn alert_recipients(
    acc: &Account,
    level: AlertLevel,
    units: &[Unit],
    users: &[StaffUser],
) -> Vec<String> {
    let mut to = std::collections::BTreeSet::new();
    let mut add = |a: &str| {
        let a = a.trim().to_lowercase();
        if a.contains('@') && !a.contains(char::is_whitespace) {
            to.insert(a);
        }
    };
    if let Some(email) = units
        .iter()
        .find(|u| u.id == acc.unit_id)
        .and_then(|u| u.email.as_deref())
    {
        add(email);
    }
    let active = users.iter().filter(|u| u.status == UserStatus::Active);
    for person in &acc.responsible {
        let person = person.trim();
        if person.contains('@') {
            add(person);
        }
        for u in active.clone() {
            if u.name.trim().eq_ignore_ascii_case(person) || u.email.eq_ignore_ascii_case(person) {
                add(&u.email);
            }
        }
    }
    for u in active {
        let wanted = (level >= AlertLevel::Communicators && u.has_role(Role::Communicator))
            || (level >= AlertLevel::Administrators && u.has_role(Role::Administrator));
        if wanted {
            add(&u.email);
        }
    }
    to.into_iter().collect()
}
