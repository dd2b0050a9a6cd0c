//! The crate's error type.

use chrono::{NaiveDate, Weekday};

/// Everything that can go wrong when computing with the calendar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// A date outside [`crate::SUPPORTED_YEARS`] was needed.
    #[error("year {year} is outside the supported range {min}..={max}")]
    YearOutOfRange {
        /// The year that was asked for.
        year: i32,
        /// First supported year.
        min: i32,
        /// Last supported year.
        max: i32,
    },

    /// An opening interval is empty, reversed or goes past midnight.
    #[error(
        "invalid opening interval {start}..{end} on {weekday}: \
         need start < end <= 1440 (minutes after midnight)"
    )]
    InvalidInterval {
        /// The day the interval belongs to.
        weekday: Weekday,
        /// Start, in minutes after local midnight.
        start: u16,
        /// End, in minutes after local midnight.
        end: u16,
    },

    /// Two opening intervals on the same day overlap.
    #[error("overlapping opening intervals on {weekday}")]
    OverlappingIntervals {
        /// The day with the overlap.
        weekday: Weekday,
    },

    /// The office hours have no opening time on any day that can be a working
    /// day (Monday to Saturday; Sundays are always public holidays).
    #[error("the office hours contain no working time (Monday to Saturday are all closed)")]
    NoWorkingTime,

    /// The deadline search passed the search horizon without finding enough
    /// working time, e.g. because nearly every day is configured as a day off.
    #[error(
        "no deadline within {years} years after {start}: \
         the office hours and days off leave too little working time"
    )]
    HorizonExceeded {
        /// Local date the search started from.
        start: NaiveDate,
        /// Length of the horizon in years.
        years: u32,
    },
}
