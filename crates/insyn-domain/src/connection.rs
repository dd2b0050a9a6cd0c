//! Connection health of an account (R2.5): when it was last captured, what failed, when capture
//! tries again, and who must be told. Pure: the scheduler and the store call these with the
//! current time.
//!
//! - A success clears the failure count and schedules the next poll.
//! - A temporary failure (platform down, 5xx) backs off exponentially, capped.
//! - A rate limit waits as long as the platform asks (at least one poll interval).
//! - A refused token stops capture of the account until someone reconnects it; nothing is lost,
//!   the next pass after reconnecting back-fills the gap.
//! - While an account fails, alerts go out and repeat, escalating from the account's responsible
//!   people to the communicators and then to the organisation's administrators, until it works.
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Longest wait between two attempts after failures.
pub const MAX_BACKOFF: Duration = Duration::hours(6);
/// Consecutive temporary failures before staff are alerted.
pub const ALERT_AFTER_FAILURES: u32 = 3;
/// An unanswered alert is sent again after this long.
pub const ALERT_REPEAT: Duration = Duration::hours(4);
/// Failing this long escalates to the communicators, and this long again to the administrators.
pub const ESCALATE_AFTER: Duration = Duration::hours(24);

/// Why a capture attempt failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureKind {
    /// The platform refused the token (expired, revoked, lost admin rights).
    Auth,
    /// The platform asked us to wait.
    RateLimited { retry_after: Duration },
    /// The platform could not be reached or answered with an error.
    Temporary,
}

/// How an account's capture stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionState {
    /// Never captured yet.
    New,
    Ok,
    /// Failing, trying again by itself.
    Retrying,
    /// Stopped until someone reconnects the account.
    NeedsReconnect,
}

impl ConnectionState {
    pub fn swedish(self) -> &'static str {
        match self {
            ConnectionState::New => "ny",
            ConnectionState::Ok => "fungerar",
            ConnectionState::Retrying => "försöker igen",
            ConnectionState::NeedsReconnect => "måste anslutas på nytt",
        }
    }
}

/// Who an alert goes to; higher levels include the lower.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertLevel {
    /// The account's responsible people.
    Responsible = 1,
    /// And the organisation's communicators.
    Communicators = 2,
    /// And the organisation's administrators.
    Administrators = 3,
}

impl AlertLevel {
    pub fn from_i64(n: i64) -> Option<AlertLevel> {
        match n {
            1 => Some(AlertLevel::Responsible),
            2 => Some(AlertLevel::Communicators),
            3 => Some(AlertLevel::Administrators),
            _ => None,
        }
    }

    pub fn swedish(self) -> &'static str {
        match self {
            AlertLevel::Responsible => "kontots ansvariga",
            AlertLevel::Communicators => "kommunikatörerna",
            AlertLevel::Administrators => "organisationens administratörer",
        }
    }
}

/// The health of one account's connection.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionHealth {
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    /// Consecutive failed attempts.
    pub failures: u32,
    /// Since when the account has been failing (the start of the gap to back-fill).
    pub failing_since: Option<DateTime<Utc>>,
    pub needs_reconnect: bool,
    /// When capture tries next; `None` while it waits for a reconnect.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The last alert sent, and when.
    pub last_alert_level: Option<AlertLevel>,
    pub last_alert_at: Option<DateTime<Utc>>,
}

impl ConnectionHealth {
    /// A newly connected account: capture it at once.
    pub fn connected(now: DateTime<Utc>) -> Self {
        ConnectionHealth {
            last_attempt_at: None,
            last_success_at: None,
            last_error: None,
            last_error_at: None,
            failures: 0,
            failing_since: None,
            needs_reconnect: false,
            next_attempt_at: Some(now),
            last_alert_level: None,
            last_alert_at: None,
        }
    }

    /// After reconnecting: the failure history stays (the gap is back-filled), capture starts now.
    pub fn reconnected(&mut self, now: DateTime<Utc>) {
        self.needs_reconnect = false;
        self.next_attempt_at = Some(now);
    }

    pub fn state(&self) -> ConnectionState {
        if self.needs_reconnect {
            ConnectionState::NeedsReconnect
        } else if self.failures > 0 {
            ConnectionState::Retrying
        } else if self.last_success_at.is_some() {
            ConnectionState::Ok
        } else {
            ConnectionState::New
        }
    }

    pub fn succeeded(&mut self, now: DateTime<Utc>, poll_every: Duration) {
        self.last_attempt_at = Some(now);
        self.last_success_at = Some(now);
        self.failures = 0;
        self.failing_since = None;
        self.needs_reconnect = false;
        self.next_attempt_at = Some(now + poll_every);
        self.last_alert_level = None;
        self.last_alert_at = None;
    }

    pub fn failed(
        &mut self,
        now: DateTime<Utc>,
        kind: &FailureKind,
        message: &str,
        poll_every: Duration,
    ) {
        self.last_attempt_at = Some(now);
        self.last_error = Some(message.chars().take(2000).collect());
        self.last_error_at = Some(now);
        self.failures = self.failures.saturating_add(1);
        self.failing_since.get_or_insert(now);
        self.next_attempt_at = match kind {
            FailureKind::Auth => {
                self.needs_reconnect = true;
                None
            }
            FailureKind::RateLimited { retry_after } => {
                Some(now + (*retry_after).max(poll_every).min(MAX_BACKOFF))
            }
            FailureKind::Temporary => Some(now + backoff(poll_every, self.failures)),
        };
    }

    /// Whether capture should run now.
    pub fn due(&self, now: DateTime<Utc>) -> bool {
        !self.needs_reconnect && self.next_attempt_at.is_some_and(|t| t <= now)
    }

    /// The alert to send now, if one is due: when the account has failed long enough and no
    /// alert of this level went out in the last [`ALERT_REPEAT`].
    pub fn alert_due(&self, now: DateTime<Utc>) -> Option<AlertLevel> {
        let since = self.failing_since?;
        if !self.needs_reconnect && self.failures < ALERT_AFTER_FAILURES {
            return None;
        }
        let failing_for = now - since;
        let level = if failing_for >= ESCALATE_AFTER * 2 {
            AlertLevel::Administrators
        } else if failing_for >= ESCALATE_AFTER {
            AlertLevel::Communicators
        } else {
            AlertLevel::Responsible
        };
        match (self.last_alert_level, self.last_alert_at) {
            (Some(last), Some(at)) if last >= level && now - at < ALERT_REPEAT => None,
            _ => Some(level),
        }
    }

    pub fn alerted(&mut self, now: DateTime<Utc>, level: AlertLevel) {
        self.last_alert_level = Some(level);
        self.last_alert_at = Some(now);
    }
}

/// An alert sent about a failing account.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptureAlert {
    pub id: i64,
    pub account_id: crate::AccountId,
    pub raised_at: DateTime<Utc>,
    pub level: AlertLevel,
    pub message: String,
}

/// `poll_every × 2^(failures-1)`, at most [`MAX_BACKOFF`].
pub fn backoff(poll_every: Duration, failures: u32) -> Duration {
    let factor = 1i64 << failures.saturating_sub(1).min(20);
    let secs = poll_every.num_seconds().max(1).saturating_mul(factor);
    Duration::seconds(secs).min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap()
    }

    #[test]
    fn success_schedules_the_next_poll() {
        let mut h = ConnectionHealth::connected(t0());
        assert!(h.due(t0()));
        assert_eq!(h.state(), ConnectionState::New);
        h.succeeded(t0(), Duration::minutes(5));
        assert_eq!(h.state(), ConnectionState::Ok);
        assert!(!h.due(t0() + Duration::minutes(4)));
        assert!(h.due(t0() + Duration::minutes(5)));
    }

    #[test]
    fn temporary_failures_back_off_and_alert_after_three() {
        let mut h = ConnectionHealth::connected(t0());
        let every = Duration::minutes(5);
        h.failed(t0(), &FailureKind::Temporary, "HTTP 503", every);
        assert_eq!(h.next_attempt_at, Some(t0() + Duration::minutes(5)));
        assert_eq!(h.alert_due(t0()), None, "one failure is not an alert");
        h.failed(t0(), &FailureKind::Temporary, "HTTP 503", every);
        assert_eq!(h.next_attempt_at, Some(t0() + Duration::minutes(10)));
        h.failed(t0(), &FailureKind::Temporary, "HTTP 503", every);
        assert_eq!(h.state(), ConnectionState::Retrying);
        assert_eq!(h.alert_due(t0()), Some(AlertLevel::Responsible));
        h.succeeded(t0() + Duration::hours(1), every);
        assert_eq!(h.failures, 0);
        assert_eq!(h.alert_due(t0() + Duration::hours(1)), None);
        assert_eq!(h.failing_since, None);
    }

    #[test]
    fn a_refused_token_stops_capture_until_reconnected() {
        let mut h = ConnectionHealth::connected(t0());
        h.failed(t0(), &FailureKind::Auth, "HTTP 401", Duration::minutes(5));
        assert_eq!(h.state(), ConnectionState::NeedsReconnect);
        assert!(!h.due(t0() + Duration::days(30)));
        assert_eq!(h.alert_due(t0()), Some(AlertLevel::Responsible), "at once");
        h.reconnected(t0() + Duration::hours(2));
        assert!(h.due(t0() + Duration::hours(2)));
        assert_eq!(h.failing_since, Some(t0()), "the gap to back-fill is kept");
    }

    #[test]
    fn alerts_repeat_and_escalate_until_it_works() {
        let mut h = ConnectionHealth::connected(t0());
        h.failed(t0(), &FailureKind::Auth, "HTTP 401", Duration::minutes(5));
        h.alerted(t0(), AlertLevel::Responsible);
        assert_eq!(h.alert_due(t0() + Duration::hours(1)), None);
        assert_eq!(
            h.alert_due(t0() + Duration::hours(4)),
            Some(AlertLevel::Responsible),
            "repeated"
        );
        assert_eq!(
            h.alert_due(t0() + Duration::hours(24)),
            Some(AlertLevel::Communicators),
            "escalated at once"
        );
        h.alerted(t0() + Duration::hours(24), AlertLevel::Communicators);
        assert_eq!(h.alert_due(t0() + Duration::hours(25)), None);
        assert_eq!(
            h.alert_due(t0() + Duration::hours(48)),
            Some(AlertLevel::Administrators)
        );
    }

    #[test]
    fn rate_limits_wait_as_asked_within_bounds() {
        let mut h = ConnectionHealth::connected(t0());
        let every = Duration::minutes(5);
        h.failed(
            t0(),
            &FailureKind::RateLimited {
                retry_after: Duration::minutes(15),
            },
            "HTTP 429",
            every,
        );
        assert_eq!(h.next_attempt_at, Some(t0() + Duration::minutes(15)));
        h.failed(
            t0(),
            &FailureKind::RateLimited {
                retry_after: Duration::seconds(1),
            },
            "HTTP 429",
            every,
        );
        assert_eq!(
            h.next_attempt_at,
            Some(t0() + every),
            "never sooner than a poll"
        );
    }

    proptest! {
        #[test]
        fn backoff_grows_and_stays_capped(every in 1i64..7200, failures in 0u32..200) {
            let every = Duration::seconds(every);
            let b = backoff(every, failures);
            prop_assert!(b <= MAX_BACKOFF);
            prop_assert!(b >= every.min(MAX_BACKOFF));
            prop_assert!(backoff(every, failures + 1) >= b);
        }

        #[test]
        fn failing_accounts_always_have_a_way_out(kinds in proptest::collection::vec(0u8..3, 1..30)) {
            let mut h = ConnectionHealth::connected(t0());
            let mut now = t0();
            for k in kinds {
                let kind = match k {
                    0 => FailureKind::Auth,
                    1 => FailureKind::Temporary,
                    _ => FailureKind::RateLimited { retry_after: Duration::seconds(90) },
                };
                h.failed(now, &kind, "fel", Duration::minutes(5));
                // either capture tries again by itself, or someone is told to reconnect
                prop_assert!(h.next_attempt_at.is_some() || h.needs_reconnect);
                if h.needs_reconnect { h.reconnected(now); }
                now += Duration::minutes(7);
            }
            h.succeeded(now, Duration::minutes(5));
            prop_assert_eq!(h.state(), ConnectionState::Ok);
            prop_assert_eq!(h.alert_due(now + Duration::days(10)), None);
        }
    }
}
