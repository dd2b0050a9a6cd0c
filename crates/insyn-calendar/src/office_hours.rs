//! Opening hours per weekday, in Europe/Stockholm local time.

use chrono::Weekday;
use serde::{Deserialize, Serialize};

use crate::error::CalendarError;

/// Minutes in a day; the largest allowed interval end (24:00).
pub const MINUTES_PER_DAY: u16 = 24 * 60;

/// One opening interval `[start, end)`, in minutes after local midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct OpeningInterval {
    /// Opening time, minutes after midnight (0..1440).
    pub start: u16,
    /// Closing time, minutes after midnight (start < end <= 1440).
    pub end: u16,
}

impl OpeningInterval {
    /// An interval from `start` to `end` minutes after midnight; checked by
    /// [`OfficeHours::validate`].
    pub const fn new(start: u16, end: u16) -> Self {
        Self { start, end }
    }

    /// Length in minutes (0 for an invalid interval).
    pub const fn minutes(&self) -> u16 {
        self.end.saturating_sub(self.start)
    }
}

/// Opening hours for each weekday; several intervals a day are allowed (for
/// instance a lunch closure). A day with no intervals is closed.
///
/// Sunday intervals are accepted but never count, because every Sunday is a
/// public holiday. Intervals are checked by [`OfficeHours::validate`], which
/// the working-time functions call.
///
/// ```
/// use chrono::Weekday;
/// use insyn_calendar::OfficeHours;
///
/// let hours = OfficeHours::weekdays(8 * 60, 16 * 60 + 30);
/// assert_eq!(hours.weekly_minutes(), 5 * 510);
/// let with_lunch = OfficeHours::weekdays_with_lunch(8 * 60, 12 * 60, 13 * 60, 17 * 60);
/// assert_eq!(with_lunch.day(Weekday::Mon).len(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeHours {
    /// Monday's intervals.
    #[serde(default)]
    pub monday: Vec<OpeningInterval>,
    /// Tuesday's intervals.
    #[serde(default)]
    pub tuesday: Vec<OpeningInterval>,
    /// Wednesday's intervals.
    #[serde(default)]
    pub wednesday: Vec<OpeningInterval>,
    /// Thursday's intervals.
    #[serde(default)]
    pub thursday: Vec<OpeningInterval>,
    /// Friday's intervals.
    #[serde(default)]
    pub friday: Vec<OpeningInterval>,
    /// Saturday's intervals.
    #[serde(default)]
    pub saturday: Vec<OpeningInterval>,
    /// Sunday's intervals (never counted: Sundays are public holidays).
    #[serde(default)]
    pub sunday: Vec<OpeningInterval>,
}

const ALL_WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

impl OfficeHours {
    /// Closed every day. Start from this and add days with [`Self::with_day`].
    pub fn closed() -> Self {
        Self::default()
    }

    /// Open Monday to Friday from `start` to `end` (minutes after midnight).
    pub fn weekdays(start: u16, end: u16) -> Self {
        Self::weekdays_intervals(&[OpeningInterval::new(start, end)])
    }

    /// Open Monday to Friday from `start` to `end`, closed for lunch from
    /// `lunch_start` to `lunch_end`.
    pub fn weekdays_with_lunch(start: u16, lunch_start: u16, lunch_end: u16, end: u16) -> Self {
        Self::weekdays_intervals(&[
            OpeningInterval::new(start, lunch_start),
            OpeningInterval::new(lunch_end, end),
        ])
    }

    fn weekdays_intervals(intervals: &[OpeningInterval]) -> Self {
        let mut hours = Self::closed();
        for weekday in &ALL_WEEKDAYS[..5] {
            *hours.day_mut(*weekday) = intervals.to_vec();
        }
        hours
    }

    /// Replaces the intervals of `weekday` (builder style); `intervals` are
    /// `(start, end)` pairs in minutes after midnight.
    #[must_use]
    pub fn with_day(mut self, weekday: Weekday, intervals: &[(u16, u16)]) -> Self {
        *self.day_mut(weekday) = intervals
            .iter()
            .map(|&(start, end)| OpeningInterval::new(start, end))
            .collect();
        self
    }

    /// The intervals of `weekday`, as configured.
    pub fn day(&self, weekday: Weekday) -> &[OpeningInterval] {
        match weekday {
            Weekday::Mon => &self.monday,
            Weekday::Tue => &self.tuesday,
            Weekday::Wed => &self.wednesday,
            Weekday::Thu => &self.thursday,
            Weekday::Fri => &self.friday,
            Weekday::Sat => &self.saturday,
            Weekday::Sun => &self.sunday,
        }
    }

    /// Mutable access to the intervals of `weekday`.
    pub fn day_mut(&mut self, weekday: Weekday) -> &mut Vec<OpeningInterval> {
        match weekday {
            Weekday::Mon => &mut self.monday,
            Weekday::Tue => &mut self.tuesday,
            Weekday::Wed => &mut self.wednesday,
            Weekday::Thu => &mut self.thursday,
            Weekday::Fri => &mut self.friday,
            Weekday::Sat => &mut self.saturday,
            Weekday::Sun => &mut self.sunday,
        }
    }

    /// Opening minutes in an ordinary week, Monday to Saturday (Sunday
    /// intervals never count).
    pub fn weekly_minutes(&self) -> u32 {
        ALL_WEEKDAYS[..6]
            .iter()
            .flat_map(|weekday| self.day(*weekday))
            .map(|interval| u32::from(interval.minutes()))
            .sum()
    }

    /// Checks every interval (start < end <= 1440) and that intervals on the
    /// same day do not overlap (touching is fine).
    pub fn validate(&self) -> Result<(), CalendarError> {
        for weekday in ALL_WEEKDAYS {
            let mut intervals = self.day(weekday).to_vec();
            intervals.sort();
            for interval in &intervals {
                if interval.start >= interval.end || interval.end > MINUTES_PER_DAY {
                    return Err(CalendarError::InvalidInterval {
                        weekday,
                        start: interval.start,
                        end: interval.end,
                    });
                }
            }
            if intervals.windows(2).any(|pair| pair[1].start < pair[0].end) {
                return Err(CalendarError::OverlappingIntervals { weekday });
            }
        }
        Ok(())
    }

    /// The intervals of `weekday` sorted by start (assumes [`Self::validate`]
    /// passed).
    pub(crate) fn sorted_day(&self, weekday: Weekday) -> Vec<OpeningInterval> {
        let mut intervals = self.day(weekday).to_vec();
        intervals.sort();
        intervals
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekdays_constructor() {
        let hours = OfficeHours::weekdays(8 * 60, 16 * 60 + 30);
        assert_eq!(hours.day(Weekday::Fri), &[OpeningInterval::new(480, 990)]);
        assert!(hours.day(Weekday::Sat).is_empty());
        assert!(hours.day(Weekday::Sun).is_empty());
        assert_eq!(hours.weekly_minutes(), 2550);
        assert_eq!(hours.validate(), Ok(()));
    }

    #[test]
    fn lunch_and_saturday() {
        let hours = OfficeHours::weekdays_with_lunch(480, 720, 780, 1020)
            .with_day(Weekday::Sat, &[(600, 840)]);
        assert_eq!(hours.weekly_minutes(), 5 * 480 + 240);
        assert_eq!(hours.validate(), Ok(()));
    }

    #[test]
    fn sunday_hours_do_not_count() {
        let hours = OfficeHours::closed().with_day(Weekday::Sun, &[(0, 1440)]);
        assert_eq!(hours.weekly_minutes(), 0);
        assert_eq!(hours.validate(), Ok(()));
    }

    #[test]
    fn invalid_intervals_are_rejected() {
        let reversed = OfficeHours::weekdays(17 * 60, 8 * 60);
        assert!(matches!(
            reversed.validate(),
            Err(CalendarError::InvalidInterval {
                weekday: Weekday::Mon,
                start: 1020,
                end: 480
            })
        ));
        let empty = OfficeHours::closed().with_day(Weekday::Tue, &[(600, 600)]);
        assert!(matches!(
            empty.validate(),
            Err(CalendarError::InvalidInterval { .. })
        ));
        let past_midnight = OfficeHours::closed().with_day(Weekday::Wed, &[(600, 1441)]);
        assert!(matches!(
            past_midnight.validate(),
            Err(CalendarError::InvalidInterval { .. })
        ));
        let overlapping = OfficeHours::closed().with_day(Weekday::Thu, &[(720, 900), (600, 721)]);
        assert_eq!(
            overlapping.validate(),
            Err(CalendarError::OverlappingIntervals {
                weekday: Weekday::Thu
            })
        );
        let touching = OfficeHours::closed().with_day(Weekday::Thu, &[(720, 900), (600, 720)]);
        assert_eq!(touching.validate(), Ok(()));
        assert_eq!(
            touching.sorted_day(Weekday::Thu)[0],
            OpeningInterval::new(600, 720)
        );
    }
}
