//! Swedish public holidays, office hours and working-time deadlines for
//! Insyn (requirement R5.1: items in the inbox are due a number of working
//! hours after they arrive). Pure: no I/O, no clock, no global state.
//!
//! # Days off
//!
//! * **Public holidays** (allmänna helgdagar) under Lag (1989:253) om
//!   allmänna helgdagar: nyårsdagen (1 Jan), trettondedag jul (6 Jan),
//!   långfredagen, påskdagen, annandag påsk, första maj, Kristi
//!   himmelsfärdsdag, pingstdagen, Sveriges nationaldag (6 Jun), midsommardagen
//!   (the Saturday 20–26 Jun), alla helgons dag (the Saturday 31 Oct–6 Nov),
//!   juldagen (25 Dec) and annandag jul (26 Dec), plus **every Sunday**.
//!   Easter is computed with the anonymous Gregorian computus.
//!   History as in the PyPI `holidays` package: Sveriges nationaldag became
//!   the national day in 1983 but a public holiday only from 2005, when
//!   annandag pingst stopped being one (so annandag pingst up to 2004);
//!   Marie bebådelsedag is listed up to 1989 (a Sunday since Act 1952:48).
//!   Supported years are [`SUPPORTED_YEARS`] (1900–2200); for 1900–1952 the
//!   1953 rules are applied backwards (the older fixed dates, such as
//!   midsommardagen on 24 June, are not modelled).
//! * **De facto days off** ([`HolidayCategory::DeFacto`]): påskafton,
//!   midsommarafton, julafton and nyårsafton. They are not public holidays,
//!   but most employers close; [`CalendarRules`] turns each on or off (all on
//!   by default).
//! * **Extra days off** per organisation, e.g. klämdagar:
//!   [`CalendarRules::extra_days_off`].
//!
//! # Office hours and working time
//!
//! [`OfficeHours`] gives opening intervals per weekday in minutes after
//! midnight, Europe/Stockholm local time, with any number of intervals a day
//! (lunch closures). [`deadline`] adds working minutes to an arrival time,
//! counting only time inside office hours on days that are not days off;
//! [`working_minutes_between`] measures working time for response-time
//! reports and "overdue by" displays. Both are DST-correct: working time is
//! real elapsed time, with every interval converted on its own date.
//! Configurations without any working time are an error, and a deadline
//! search stops after [`SEARCH_HORIZON_YEARS`] years.
//!
//! # Example
//!
//! ```
//! use chrono::{NaiveDate, TimeZone, Utc};
//! use insyn_calendar::{
//!     CalendarRules, DEFAULT_DEADLINE_MINUTES, OfficeHours, deadline, holidays_in,
//!     is_working_day, working_minutes_between,
//! };
//!
//! let midsummer = holidays_in(2026)
//!     .into_iter()
//!     .find(|h| h.name_sv() == "Midsommardagen")
//!     .unwrap();
//! assert_eq!(midsummer.date, NaiveDate::from_ymd_opt(2026, 6, 20).unwrap());
//! assert_eq!(midsummer.name_en(), "Midsummer Day");
//!
//! let rules = CalendarRules::default();
//! let hours = OfficeHours::weekdays(8 * 60, 16 * 60 + 30);
//! assert!(!is_working_day(NaiveDate::from_ymd_opt(2026, 6, 19).unwrap(), &rules));
//!
//! // Thursday 18 June 2026 at 15:00 in Stockholm (13:00 UTC), before
//! // midsommarafton: 1.5 h on Thursday, the rest on Monday 22 June.
//! let arrival = Utc.with_ymd_and_hms(2026, 6, 18, 13, 0, 0).unwrap();
//! let due = deadline(arrival, DEFAULT_DEADLINE_MINUTES, &hours, &rules).unwrap();
//! assert_eq!(due, Utc.with_ymd_and_hms(2026, 6, 22, 12, 30, 0).unwrap()); // 14:30 local
//! assert_eq!(working_minutes_between(arrival, due, &hours, &rules), Ok(480));
//! ```

mod easter;
mod error;
mod holiday;
mod office_hours;
mod rules;
mod working_time;

pub use easter::easter_sunday;
pub use error::CalendarError;
pub use holiday::{
    Holiday, HolidayCategory, HolidayKind, de_facto_days_off_in, holidays_in, is_public_holiday,
    public_holidays_on,
};
pub use office_hours::{MINUTES_PER_DAY, OfficeHours, OpeningInterval};
pub use rules::{CalendarRules, DayOff, is_day_off, is_working_day};
pub use working_time::{
    DEFAULT_DEADLINE_MINUTES, SEARCH_HORIZON_YEARS, TIME_ZONE, deadline, is_open_at, local_date,
    next_working_moment, working_minutes_between, working_time_between,
};

/// The years the working-time functions accept.
pub const SUPPORTED_YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;
