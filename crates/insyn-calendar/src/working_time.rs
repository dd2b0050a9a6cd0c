//! Working-time arithmetic: deadlines and elapsed working time, counted only
//! inside office hours on days that are not days off, in Europe/Stockholm.
//!
//! Working time is real elapsed time: each opening interval is converted to
//! UTC on its own date, so daylight saving time is handled by `chrono-tz`.
//! A local time that does not exist (the spring-forward gap) maps to the
//! moment the clocks jump; an ambiguous one (the autumn fall-back hour) maps
//! to its first occurrence. In Sweden both transitions happen on a Sunday,
//! which is always a day off, so they only shift the UTC offset between
//! working days.

use std::collections::BTreeSet;

use chrono::{
    DateTime, Datelike, LocalResult, Months, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc,
    Weekday,
};
use chrono_tz::Tz;

use crate::SUPPORTED_YEARS;
use crate::error::CalendarError;
use crate::office_hours::OfficeHours;
use crate::rules::CalendarRules;

/// The time zone office hours are given in.
pub const TIME_ZONE: Tz = chrono_tz::Europe::Stockholm;

/// The default answer time: 8 working hours.
pub const DEFAULT_DEADLINE_MINUTES: u32 = 8 * 60;

/// How far [`deadline`] searches before giving up with
/// [`CalendarError::HorizonExceeded`].
pub const SEARCH_HORIZON_YEARS: u32 = 5;

/// The moment `working_minutes` of working time have passed after
/// `available_at`.
///
/// Only time inside `hours` on days that are not days off under `rules`
/// counts; an item that arrives outside office hours starts counting at the
/// next opening. The result is the earliest such moment, so a deadline that
/// ends exactly at closing time is that closing time, and a deadline of zero
/// minutes is the first working moment at or after `available_at`.
///
/// # Errors
///
/// * [`CalendarError::InvalidInterval`] / [`CalendarError::OverlappingIntervals`]
///   for bad office hours;
/// * [`CalendarError::NoWorkingTime`] when no day Monday–Saturday has hours;
/// * [`CalendarError::HorizonExceeded`] when the search passes
///   [`SEARCH_HORIZON_YEARS`] (e.g. nearly every day is an extra day off);
/// * [`CalendarError::YearOutOfRange`] outside [`SUPPORTED_YEARS`].
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use insyn_calendar::{CalendarRules, OfficeHours, deadline};
///
/// let hours = OfficeHours::weekdays(8 * 60, 16 * 60 + 30);
/// // Friday 16 January 2026, 15:00 in Stockholm (14:00 UTC).
/// let arrival = Utc.with_ymd_and_hms(2026, 1, 16, 14, 0, 0).unwrap();
/// let due = deadline(arrival, 8 * 60, &hours, &CalendarRules::default()).unwrap();
/// // 1.5 h on Friday, 6.5 h on Monday: Monday 14:30 in Stockholm.
/// assert_eq!(due, Utc.with_ymd_and_hms(2026, 1, 19, 13, 30, 0).unwrap());
/// ```
pub fn deadline(
    available_at: DateTime<Utc>,
    working_minutes: u32,
    hours: &OfficeHours,
    rules: &CalendarRules,
) -> Result<DateTime<Utc>, CalendarError> {
    hours.validate()?;
    if hours.weekly_minutes() == 0 {
        return Err(CalendarError::NoWorkingTime);
    }
    let start = local_date(available_at);
    check_year(start.year())?;
    let horizon_end = start
        .checked_add_months(Months::new(12 * SEARCH_HORIZON_YEARS))
        .unwrap_or(NaiveDate::MAX);
    let mut days_off = DaysOff::new(rules);
    let mut remaining = TimeDelta::minutes(i64::from(working_minutes));
    let mut date = start;
    loop {
        if date > horizon_end {
            return Err(CalendarError::HorizonExceeded {
                start,
                years: SEARCH_HORIZON_YEARS,
            });
        }
        check_year(date.year())?;
        for (open, close) in opening_spans(date, hours, &mut days_off) {
            let open = open.max(available_at);
            if close <= open {
                continue;
            }
            let span = close - open;
            if remaining <= span {
                return Ok(open + remaining);
            }
            remaining -= span;
        }
        date = next_day(date)?;
    }
}

/// The first working moment at or after `at` (when counting would start for
/// an item arriving at `at`); the same as `deadline(at, 0, ..)`.
///
/// # Errors
///
/// As for [`deadline`].
pub fn next_working_moment(
    at: DateTime<Utc>,
    hours: &OfficeHours,
    rules: &CalendarRules,
) -> Result<DateTime<Utc>, CalendarError> {
    deadline(at, 0, hours, rules)
}

/// The working time inside office hours on non-days-off between `from` and
/// `to` (zero when `to <= from`).
///
/// # Errors
///
/// Bad office hours, or either end outside [`SUPPORTED_YEARS`].
pub fn working_time_between(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    hours: &OfficeHours,
    rules: &CalendarRules,
) -> Result<TimeDelta, CalendarError> {
    hours.validate()?;
    if to <= from {
        return Ok(TimeDelta::zero());
    }
    let (first, last) = (local_date(from), local_date(to));
    check_year(first.year())?;
    check_year(last.year())?;
    let mut days_off = DaysOff::new(rules);
    let mut total = TimeDelta::zero();
    let mut date = first;
    while date <= last {
        for (open, close) in opening_spans(date, hours, &mut days_off) {
            let (open, close) = (open.max(from), close.min(to));
            if close > open {
                total += close - open;
            }
        }
        date = next_day(date)?;
    }
    Ok(total)
}

/// Whole working minutes between `from` and `to` (rounded down; zero when
/// `to <= from`), for response-time reports and "overdue by" displays.
///
/// # Errors
///
/// As for [`working_time_between`].
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use insyn_calendar::{CalendarRules, OfficeHours, working_minutes_between};
///
/// let hours = OfficeHours::weekdays(8 * 60, 16 * 60 + 30);
/// let rules = CalendarRules::default();
/// // Thursday 2 April 2026 15:00 to Tuesday 7 April 09:00 (Stockholm): Easter
/// // is closed from Good Friday to Easter Monday.
/// let from = Utc.with_ymd_and_hms(2026, 4, 2, 13, 0, 0).unwrap();
/// let to = Utc.with_ymd_and_hms(2026, 4, 7, 7, 0, 0).unwrap();
/// assert_eq!(working_minutes_between(from, to, &hours, &rules), Ok(90 + 60));
/// ```
pub fn working_minutes_between(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    hours: &OfficeHours,
    rules: &CalendarRules,
) -> Result<u32, CalendarError> {
    let total = working_time_between(from, to, hours, rules)?;
    Ok(u32::try_from(total.num_minutes()).unwrap_or(u32::MAX))
}

/// Whether `at` falls inside office hours on a day that is not a day off.
///
/// # Errors
///
/// Bad office hours, or `at` outside [`SUPPORTED_YEARS`].
pub fn is_open_at(
    at: DateTime<Utc>,
    hours: &OfficeHours,
    rules: &CalendarRules,
) -> Result<bool, CalendarError> {
    hours.validate()?;
    let date = local_date(at);
    check_year(date.year())?;
    let mut days_off = DaysOff::new(rules);
    Ok(opening_spans(date, hours, &mut days_off)
        .into_iter()
        .any(|(open, close)| open <= at && at < close))
}

/// The local (Europe/Stockholm) calendar date of an instant.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&TIME_ZONE).date_naive()
}

/// The opening intervals of `date` as UTC spans; empty on a day off.
fn opening_spans(
    date: NaiveDate,
    hours: &OfficeHours,
    days_off: &mut DaysOff<'_>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    if days_off.contains(date) {
        return Vec::new();
    }
    hours
        .sorted_day(date.weekday())
        .into_iter()
        .map(|interval| {
            (
                local_to_utc(date, interval.start),
                local_to_utc(date, interval.end),
            )
        })
        .collect()
}

/// The instant at which the Stockholm wall clock first shows `minute`
/// minutes after midnight of `date` (1440 is the next midnight). A wall time
/// inside the spring-forward gap maps to the moment the clocks jump.
fn local_to_utc(date: NaiveDate, minute: u16) -> DateTime<Utc> {
    let midnight = date.and_time(NaiveTime::MIN);
    let wall = midnight + TimeDelta::minutes(i64::from(minute));
    let mut probe = wall;
    // Gaps are one hour in Stockholm; a day is a generous bound.
    for _ in 0..=i64::from(crate::office_hours::MINUTES_PER_DAY) {
        match TIME_ZONE.from_local_datetime(&probe) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => return t.with_timezone(&Utc),
            LocalResult::None => probe += TimeDelta::minutes(1),
        }
    }
    // Unreachable for real time zones; fall back to the wall time as UTC.
    Utc.from_utc_datetime(&wall)
}

fn check_year(year: i32) -> Result<(), CalendarError> {
    if SUPPORTED_YEARS.contains(&year) {
        Ok(())
    } else {
        Err(CalendarError::YearOutOfRange {
            year,
            min: *SUPPORTED_YEARS.start(),
            max: *SUPPORTED_YEARS.end(),
        })
    }
}

fn next_day(date: NaiveDate) -> Result<NaiveDate, CalendarError> {
    date.succ_opt().ok_or(CalendarError::YearOutOfRange {
        year: date.year(),
        min: *SUPPORTED_YEARS.start(),
        max: *SUPPORTED_YEARS.end(),
    })
}

/// Days off under a [`CalendarRules`], with the holidays of one year cached.
struct DaysOff<'a> {
    rules: &'a CalendarRules,
    year: Option<i32>,
    holidays: BTreeSet<NaiveDate>,
}

impl<'a> DaysOff<'a> {
    fn new(rules: &'a CalendarRules) -> Self {
        Self {
            rules,
            year: None,
            holidays: BTreeSet::new(),
        }
    }

    fn contains(&mut self, date: NaiveDate) -> bool {
        if date.weekday() == Weekday::Sun || self.rules.extra_days_off.contains(&date) {
            return true;
        }
        if self.year != Some(date.year()) {
            self.year = Some(date.year());
            self.holidays = self
                .rules
                .days_off_in(date.year())
                .into_iter()
                .map(|h| h.date)
                .collect();
        }
        self.holidays.contains(&date)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// A Stockholm wall-clock time as UTC (unambiguous times only).
    fn sthlm(y: i32, mo: u32, day: u32, h: u32, mi: u32) -> DateTime<Utc> {
        TIME_ZONE
            .with_ymd_and_hms(y, mo, day, h, mi, 0)
            .single()
            .unwrap()
            .with_timezone(&Utc)
    }

    fn utc(y: i32, mo: u32, day: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, day, h, mi, 0).unwrap()
    }

    fn office() -> OfficeHours {
        OfficeHours::weekdays(8 * 60, 16 * 60 + 30)
    }

    fn due(arrival: DateTime<Utc>, minutes: u32) -> DateTime<Utc> {
        deadline(arrival, minutes, &office(), &CalendarRules::default()).unwrap()
    }

    #[test]
    fn friday_afternoon_runs_into_monday() {
        // Friday 15:00 + 8 h with 08:00–16:30: 1.5 h Friday, 6.5 h Monday.
        assert_eq!(
            due(sthlm(2026, 1, 16, 15, 0), 480),
            sthlm(2026, 1, 19, 14, 30)
        );
        assert_eq!(
            due(sthlm(2026, 1, 16, 15, 0), DEFAULT_DEADLINE_MINUTES),
            sthlm(2026, 1, 19, 14, 30)
        );
    }

    #[test]
    fn within_a_day_and_at_closing_time() {
        assert_eq!(due(sthlm(2026, 1, 14, 9, 0), 60), sthlm(2026, 1, 14, 10, 0));
        assert_eq!(
            due(sthlm(2026, 1, 14, 15, 0), 90),
            sthlm(2026, 1, 14, 16, 30)
        );
        assert_eq!(due(sthlm(2026, 1, 14, 15, 0), 91), sthlm(2026, 1, 15, 8, 1));
        assert_eq!(
            due(sthlm(2026, 1, 14, 8, 0), 510),
            sthlm(2026, 1, 14, 16, 30)
        );
    }

    #[test]
    fn over_easter() {
        // Skärtorsdagen 15:00; långfredagen, påskafton, påskdagen and annandag
        // påsk are closed.
        assert_eq!(
            due(sthlm(2026, 4, 2, 15, 0), 480),
            sthlm(2026, 4, 7, 14, 30)
        );
    }

    #[test]
    fn over_midsummer() {
        let arrival = sthlm(2026, 6, 18, 15, 0);
        assert_eq!(due(arrival, 480), sthlm(2026, 6, 22, 14, 30));
        let rules = CalendarRules {
            midsummer_eve_off: false,
            ..CalendarRules::default()
        };
        assert_eq!(
            deadline(arrival, 480, &office(), &rules),
            Ok(sthlm(2026, 6, 19, 14, 30))
        );
    }

    #[test]
    fn over_christmas_and_new_year() {
        // Wednesday 23 December 2026 16:00: julafton, juldagen, annandag jul
        // (a Saturday) and the Sunday are closed; 28–30 December are open.
        assert_eq!(
            due(sthlm(2026, 12, 23, 16, 0), 480),
            sthlm(2026, 12, 28, 15, 30)
        );
        // Wednesday 30 December 16:00: nyårsafton and nyårsdagen are closed.
        assert_eq!(
            due(sthlm(2026, 12, 30, 16, 0), 480),
            sthlm(2027, 1, 4, 15, 30)
        );
    }

    #[test]
    fn arrival_outside_office_hours() {
        // On a Sunday: counting starts Monday 08:00.
        assert_eq!(
            due(sthlm(2026, 3, 22, 10, 0), 480),
            sthlm(2026, 3, 23, 16, 0)
        );
        // Early morning and late evening.
        assert_eq!(due(sthlm(2026, 1, 14, 6, 0), 60), sthlm(2026, 1, 14, 9, 0));
        assert_eq!(due(sthlm(2026, 1, 14, 20, 0), 60), sthlm(2026, 1, 15, 9, 0));
        assert_eq!(
            next_working_moment(
                sthlm(2026, 1, 17, 12, 0),
                &office(),
                &CalendarRules::default()
            ),
            Ok(sthlm(2026, 1, 19, 8, 0))
        );
        assert_eq!(due(sthlm(2026, 1, 14, 12, 0), 0), sthlm(2026, 1, 14, 12, 0));
    }

    #[test]
    fn lunch_closure_and_extra_days_off() {
        let hours = OfficeHours::weekdays_with_lunch(8 * 60, 12 * 60, 13 * 60, 17 * 60);
        // Klämdag on Friday 15 May 2026, after Kristi himmelsfärdsdag.
        let rules = CalendarRules::default().with_extra_day_off(d(2026, 5, 15));
        let arrival = sthlm(2026, 5, 13, 11, 0);
        // Wednesday 11–12 and 13–17 (5 h), Thursday and Friday closed,
        // Monday 08:00–11:00.
        assert_eq!(
            deadline(arrival, 480, &hours, &rules),
            Ok(sthlm(2026, 5, 18, 11, 0))
        );
        // Ending exactly at the lunch closure, and one minute past it.
        let late_morning = sthlm(2026, 5, 13, 11, 30);
        assert_eq!(
            deadline(late_morning, 30, &hours, &rules),
            Ok(sthlm(2026, 5, 13, 12, 0))
        );
        assert_eq!(
            deadline(late_morning, 31, &hours, &rules),
            Ok(sthlm(2026, 5, 13, 13, 1))
        );
        assert_eq!(
            working_minutes_between(late_morning, sthlm(2026, 5, 13, 13, 1), &hours, &rules),
            Ok(31)
        );
    }

    #[test]
    fn spring_dst_transition() {
        // Clocks go forward on Sunday 29 March 2026, 02:00 CET -> 03:00 CEST.
        let arrival = sthlm(2026, 3, 27, 15, 0);
        assert_eq!(arrival, utc(2026, 3, 27, 14, 0));
        let due = due(arrival, 480);
        assert_eq!(due, sthlm(2026, 3, 30, 14, 30));
        assert_eq!(due, utc(2026, 3, 30, 12, 30));
        assert_eq!(
            working_minutes_between(arrival, due, &office(), &CalendarRules::default()),
            Ok(480)
        );
        // Friday 12:00 to Monday 12:00: 270 + 240 minutes.
        assert_eq!(
            working_minutes_between(
                sthlm(2026, 3, 27, 12, 0),
                sthlm(2026, 3, 30, 12, 0),
                &office(),
                &CalendarRules::default()
            ),
            Ok(510)
        );
    }

    #[test]
    fn autumn_dst_transition() {
        // Clocks go back on Sunday 25 October 2026, 03:00 CEST -> 02:00 CET.
        let arrival = sthlm(2026, 10, 23, 15, 0);
        assert_eq!(arrival, utc(2026, 10, 23, 13, 0));
        let due = due(arrival, 480);
        assert_eq!(due, sthlm(2026, 10, 26, 14, 30));
        assert_eq!(due, utc(2026, 10, 26, 13, 30));
        // 2 full days across the change.
        let two_days = deadline(arrival, 90 + 2 * 510, &office(), &CalendarRules::default());
        assert_eq!(two_days, Ok(utc(2026, 10, 27, 15, 30)));
    }

    #[test]
    fn wall_clock_mapping_on_dst_sundays() {
        // Spring: the day has 23 hours; 02:30 does not exist.
        assert_eq!(local_to_utc(d(2026, 3, 29), 0), utc(2026, 3, 28, 23, 0));
        assert_eq!(local_to_utc(d(2026, 3, 29), 1440), utc(2026, 3, 29, 22, 0));
        assert_eq!(local_to_utc(d(2026, 3, 29), 150), utc(2026, 3, 29, 1, 0));
        // Autumn: the day has 25 hours; 02:30 happens twice, the first counts.
        assert_eq!(local_to_utc(d(2026, 10, 25), 0), utc(2026, 10, 24, 22, 0));
        assert_eq!(
            local_to_utc(d(2026, 10, 25), 1440),
            utc(2026, 10, 25, 23, 0)
        );
        assert_eq!(local_to_utc(d(2026, 10, 25), 150), utc(2026, 10, 25, 0, 30));
    }

    #[test]
    fn saturday_hours_count_but_saturday_holidays_do_not() {
        let hours = office().with_day(Weekday::Sat, &[(10 * 60, 14 * 60)]);
        let rules = CalendarRules::default();
        // Friday 16:00 + 2 h: 30 min Friday, 90 min Saturday.
        assert_eq!(
            deadline(sthlm(2026, 1, 16, 16, 0), 120, &hours, &rules),
            Ok(sthlm(2026, 1, 17, 11, 30))
        );
        // Midsommardagen (Saturday 20 June 2026) is a public holiday.
        assert_eq!(
            deadline(sthlm(2026, 6, 18, 16, 0), 120, &hours, &rules),
            Ok(sthlm(2026, 6, 22, 9, 30))
        );
    }

    #[test]
    fn sunday_hours_never_count() {
        let hours = OfficeHours::closed().with_day(Weekday::Sun, &[(0, 1440)]);
        assert_eq!(
            deadline(
                sthlm(2026, 1, 14, 12, 0),
                60,
                &hours,
                &CalendarRules::default()
            ),
            Err(CalendarError::NoWorkingTime)
        );
    }

    #[test]
    fn no_working_time_is_an_error() {
        assert_eq!(
            deadline(
                sthlm(2026, 1, 14, 12, 0),
                60,
                &OfficeHours::closed(),
                &CalendarRules::default()
            ),
            Err(CalendarError::NoWorkingTime)
        );
    }

    #[test]
    fn horizon_is_capped() {
        let mut rules = CalendarRules::default();
        let mut date = d(2026, 1, 1);
        while date.year() < 2032 {
            rules.extra_days_off.insert(date);
            date = date.succ_opt().unwrap();
        }
        assert_eq!(
            deadline(sthlm(2026, 1, 14, 12, 0), 60, &office(), &rules),
            Err(CalendarError::HorizonExceeded {
                start: d(2026, 1, 14),
                years: SEARCH_HORIZON_YEARS
            })
        );
    }

    #[test]
    fn supported_years() {
        assert!(matches!(
            deadline(
                sthlm(1899, 6, 1, 12, 0),
                60,
                &office(),
                &CalendarRules::default()
            ),
            Err(CalendarError::YearOutOfRange { year: 1899, .. })
        ));
        assert!(matches!(
            deadline(
                sthlm(2200, 12, 29, 12, 0),
                3 * 510,
                &office(),
                &CalendarRules::default()
            ),
            Err(CalendarError::YearOutOfRange { year: 2201, .. })
        ));
        assert!(
            deadline(
                sthlm(1900, 1, 2, 12, 0),
                60,
                &office(),
                &CalendarRules::default()
            )
            .is_ok()
        );
    }

    #[test]
    fn invalid_hours_are_reported() {
        let bad = OfficeHours::weekdays(600, 500);
        assert!(matches!(
            deadline(
                sthlm(2026, 1, 14, 12, 0),
                60,
                &bad,
                &CalendarRules::default()
            ),
            Err(CalendarError::InvalidInterval { .. })
        ));
    }

    #[test]
    fn elapsed_working_time() {
        let rules = CalendarRules::default();
        let between = |a, b| working_minutes_between(a, b, &office(), &rules).unwrap();
        assert_eq!(
            between(sthlm(2026, 1, 14, 9, 0), sthlm(2026, 1, 14, 9, 0)),
            0
        );
        assert_eq!(
            between(sthlm(2026, 1, 14, 10, 0), sthlm(2026, 1, 14, 9, 0)),
            0
        );
        assert_eq!(
            between(sthlm(2026, 1, 14, 9, 0), sthlm(2026, 1, 14, 9, 59)),
            59
        );
        // A full ordinary week.
        assert_eq!(
            between(sthlm(2026, 1, 12, 0, 0), sthlm(2026, 1, 19, 0, 0)),
            5 * 510
        );
        // Sub-minute remainders are rounded down.
        let a = sthlm(2026, 1, 14, 9, 0);
        assert_eq!(between(a, a + TimeDelta::seconds(119)), 1);
        assert_eq!(
            working_time_between(a, a + TimeDelta::seconds(119), &office(), &rules),
            Ok(TimeDelta::seconds(119))
        );
    }

    #[test]
    fn open_at() {
        let rules = CalendarRules::default();
        assert_eq!(
            is_open_at(sthlm(2026, 1, 14, 8, 0), &office(), &rules),
            Ok(true)
        );
        assert_eq!(
            is_open_at(sthlm(2026, 1, 14, 16, 30), &office(), &rules),
            Ok(false)
        );
        assert_eq!(
            is_open_at(sthlm(2026, 6, 19, 10, 0), &office(), &rules),
            Ok(false)
        );
    }
}
