//! Deliveries to the e-archive (R8.1, R8.3): the schedule of an organisation and which periods
//! are due. Periods are whole calendar months in UTC, counted from the schedule's first month.
use crate::error::DomainError;
use crate::ids::{AccountId, OrgId};
use chrono::{DateTime, Datelike, Months, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// Deliveries at least twice a year (R8.1): a period of at most six months.
pub const MAX_INTERVAL_MONTHS: u32 = 6;
/// Monthly by default.
pub const DEFAULT_INTERVAL_MONTHS: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliverySchedule {
    /// Months per delivery period (1 to 6).
    pub interval_months: u32,
    /// The first day of the first period (the first of a month).
    pub starts_on: NaiveDate,
}

impl DeliverySchedule {
    /// A schedule; refuses an interval that would deliver less than twice a year.
    pub fn new(interval_months: u32, starts_on: NaiveDate) -> Result<Self, DomainError> {
        if interval_months == 0 {
            return Err(DomainError::invalid(
                "interval",
                "intervallet måste vara minst en månad / the interval must be at least one month",
            ));
        }
        if interval_months > MAX_INTERVAL_MONTHS {
            return Err(DomainError::invalid(
                "interval",
                format!(
                    "leverans var {interval_months}:e månad är för sällan: arkivet ska få leveranser minst två gånger per år (högst var 6:e månad) / delivering every {interval_months} months is too rare: deliver at least twice a year (at most every 6 months)"
                ),
            ));
        }
        if starts_on.day() != 1 {
            return Err(DomainError::invalid(
                "starts_on",
                format!(
                    "{starts_on}: perioderna börjar den första i en månad / periods start on the first of a month"
                ),
            ));
        }
        Ok(DeliverySchedule {
            interval_months,
            starts_on,
        })
    }

    /// The default: monthly, from the first of `today`'s month.
    pub fn monthly_from(today: NaiveDate) -> Self {
        DeliverySchedule {
            interval_months: DEFAULT_INTERVAL_MONTHS,
            starts_on: today.with_day(1).unwrap_or(today),
        }
    }

    /// Every complete period (ended at or before `now`) since the schedule started, oldest first.
    pub fn complete_periods(&self, now: DateTime<Utc>) -> Vec<Period> {
        let mut out = Vec::new();
        let mut start = self.starts_on;
        while let Some(end) = start.checked_add_months(Months::new(self.interval_months)) {
            let p = Period {
                from: midnight(start),
                to: midnight(end),
            };
            if p.to > now {
                break;
            }
            out.push(p);
            start = end;
        }
        out
    }

    /// The complete periods not yet delivered (a delivery of exactly that period for every
    /// account counts), oldest first.
    pub fn due_periods(&self, delivered: &[Period], now: DateTime<Utc>) -> Vec<Period> {
        self.complete_periods(now)
            .into_iter()
            .filter(|p| !delivered.contains(p))
            .collect()
    }
}

fn midnight(d: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight exists"))
}

/// A delivery period: records available from `from` (inclusive) to `to` (exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Period {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// One entry of the delivery log: what went where, when, with which checksums.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub id: i64,
    pub org_id: OrgId,
    pub period_from: Option<DateTime<Utc>>,
    pub period_to: DateTime<Utc>,
    pub account_id: Option<AccountId>,
    /// The package's OBJID.
    pub objid: String,
    /// Where the package was written.
    pub destination: String,
    /// "folder" or "zip".
    pub format: String,
    pub records: i64,
    pub files: i64,
    pub bytes: i64,
    pub mets_sha256: String,
    /// SHA-256 over the record files in order: equal for equal content.
    pub records_sha256: String,
    /// How the package was checked: "checksums" and, when asked, commons-ip's verdict.
    pub validation: String,
    pub delivered_at: DateTime<Utc>,
    pub delivered_by: String,
    /// The first delivery of the same selection, when this one repeats it.
    pub redelivery_of: Option<i64>,
    /// For a re-delivery: whether its records are the same as the first delivery's.
    pub same_content: Option<bool>,
    pub audit_seq: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn refuses_less_than_twice_a_year() {
        assert!(DeliverySchedule::new(6, d(2026, 1, 1)).is_ok());
        let e = DeliverySchedule::new(12, d(2026, 1, 1)).unwrap_err();
        assert!(e.to_string().contains("minst två gånger per år"), "{e}");
        assert!(DeliverySchedule::new(0, d(2026, 1, 1)).is_err());
        assert!(DeliverySchedule::new(1, d(2026, 1, 15)).is_err());
    }

    #[test]
    fn monthly_periods_are_whole_months_and_only_complete_ones() {
        let s = DeliverySchedule::monthly_from(d(2026, 1, 20));
        let now = midnight(d(2026, 3, 10));
        let ps = s.complete_periods(now);
        assert_eq!(ps.len(), 2);
        assert_eq!(ps[0].from, midnight(d(2026, 1, 1)));
        assert_eq!(ps[0].to, midnight(d(2026, 2, 1)));
        assert_eq!(ps[1].to, midnight(d(2026, 3, 1)));
        let due = s.due_periods(&ps[..1], now);
        assert_eq!(due, vec![ps[1]]);
    }

    proptest! {
        #[test]
        fn periods_tile_without_gaps_and_end_by_now(
            interval in 1u32..=6, month in 1u32..=12, days in 0i64..2_000
        ) {
            let s = DeliverySchedule::new(interval, d(2024, month, 1)).unwrap();
            let now = midnight(d(2024, month, 1)) + chrono::Duration::days(days);
            let ps = s.complete_periods(now);
            for w in ps.windows(2) {
                prop_assert_eq!(w[0].to, w[1].from);
            }
            for p in &ps {
                prop_assert!(p.from < p.to && p.to <= now);
            }
            // the next period is not complete yet
            let next_end = ps.last().map_or(midnight(s.starts_on), |p| p.to)
                .checked_add_months(Months::new(interval)).unwrap();
            prop_assert!(next_end > now);
            // delivering every due period leaves none due
            prop_assert!(s.due_periods(&ps, now).is_empty());
        }
    }
}
