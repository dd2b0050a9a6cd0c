//! Which days an organisation treats as days off.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::holiday::{Holiday, HolidayKind, de_facto_days_off_in, holidays_in};

/// An organisation's days-off configuration on top of the statutory public
/// holidays (which, like Sundays, are always days off).
///
/// The default observes all four de facto days off and has no extra days.
///
/// ```
/// use chrono::NaiveDate;
/// use insyn_calendar::CalendarRules;
///
/// let klamdag = NaiveDate::from_ymd_opt(2026, 5, 15).unwrap();
/// let rules = CalendarRules::default().with_extra_day_off(klamdag);
/// assert!(insyn_calendar::is_day_off(klamdag, &rules));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CalendarRules {
    /// Påskafton (Easter Eve, a Saturday) is a day off.
    pub easter_eve_off: bool,
    /// Midsommarafton (the Friday 19–25 June) is a day off.
    pub midsummer_eve_off: bool,
    /// Julafton (24 December) is a day off.
    pub christmas_eve_off: bool,
    /// Nyårsafton (31 December) is a day off.
    pub new_years_eve_off: bool,
    /// The organisation's own extra days off, e.g. klämdagar.
    pub extra_days_off: BTreeSet<NaiveDate>,
    /// A note per extra day off ("Klämdag efter Kristi himmelsfärd"), where one was given.
    pub extra_day_notes: BTreeMap<NaiveDate, String>,
}

impl Default for CalendarRules {
    fn default() -> Self {
        Self {
            easter_eve_off: true,
            midsummer_eve_off: true,
            christmas_eve_off: true,
            new_years_eve_off: true,
            extra_days_off: BTreeSet::new(),
            extra_day_notes: BTreeMap::new(),
        }
    }
}

/// Why a date is a day off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum DayOff {
    /// A named public holiday or an observed de facto day off; when two
    /// holidays share the date, the first in [`HolidayKind`] order.
    Holiday {
        /// The holiday.
        holiday: Holiday,
    },
    /// A Sunday that is not a named holiday.
    Sunday,
    /// One of the organisation's [`CalendarRules::extra_days_off`].
    ExtraDayOff,
}

impl CalendarRules {
    /// Only the statutory public holidays and Sundays: no de facto days off
    /// and no extra days.
    pub fn statutory_only() -> Self {
        Self {
            easter_eve_off: false,
            midsummer_eve_off: false,
            christmas_eve_off: false,
            new_years_eve_off: false,
            extra_days_off: BTreeSet::new(),
            extra_day_notes: BTreeMap::new(),
        }
    }

    /// Adds an extra day off (builder style).
    #[must_use]
    pub fn with_extra_day_off(mut self, date: NaiveDate) -> Self {
        self.extra_days_off.insert(date);
        self
    }

    /// Adds (or re-notes) an extra day off with a note (trimmed; empty: none).
    pub fn add_extra_day(&mut self, date: NaiveDate, note: &str) {
        self.extra_days_off.insert(date);
        let note = note.trim();
        if note.is_empty() {
            self.extra_day_notes.remove(&date);
        } else {
            self.extra_day_notes.insert(date, note.to_string());
        }
    }

    /// Removes an extra day off and its note; whether it was there.
    pub fn remove_extra_day(&mut self, date: NaiveDate) -> bool {
        self.extra_day_notes.remove(&date);
        self.extra_days_off.remove(&date)
    }

    /// The extra days off of `year` with their notes (empty when none), by date.
    pub fn extra_days_in(&self, year: i32) -> Vec<(NaiveDate, &str)> {
        self.extra_days_off
            .iter()
            .filter(|d| d.year() == year)
            .map(|d| {
                (
                    *d,
                    self.extra_day_notes
                        .get(d)
                        .map(String::as_str)
                        .unwrap_or(""),
                )
            })
            .collect()
    }

    /// Whether the rules make `kind` a day off. Public holidays always are.
    pub fn observes(&self, kind: HolidayKind) -> bool {
        match kind {
            HolidayKind::EasterEve => self.easter_eve_off,
            HolidayKind::MidsummerEve => self.midsummer_eve_off,
            HolidayKind::ChristmasEve => self.christmas_eve_off,
            HolidayKind::NewYearsEve => self.new_years_eve_off,
            _ => true,
        }
    }

    /// Why `date` is a day off, or `None` when it is not. Saturdays are not
    /// days off by themselves: whether an organisation works on Saturdays is
    /// a matter of its [`crate::OfficeHours`].
    pub fn day_off(&self, date: NaiveDate) -> Option<DayOff> {
        if let Some(holiday) = self
            .days_off_in(date.year())
            .into_iter()
            .find(|h| h.date == date)
        {
            return Some(DayOff::Holiday { holiday });
        }
        if date.weekday() == Weekday::Sun {
            return Some(DayOff::Sunday);
        }
        if self.extra_days_off.contains(&date) {
            return Some(DayOff::ExtraDayOff);
        }
        None
    }

    /// The named public holidays and observed de facto days off of `year`,
    /// sorted by date and then by [`HolidayKind`] (extra days and ordinary
    /// Sundays are not included).
    pub fn days_off_in(&self, year: i32) -> Vec<Holiday> {
        let mut out: Vec<Holiday> = holidays_in(year)
            .into_iter()
            .chain(de_facto_days_off_in(year))
            .filter(|h| self.observes(h.kind))
            .collect();
        out.sort_by_key(|h| (h.date, h.kind));
        out
    }
}

/// Whether `date` is a day off under `rules`: a Sunday, a public holiday, an
/// observed de facto day off or an extra day off. Saturdays are not days off
/// by themselves (see [`is_working_day`]).
pub fn is_day_off(date: NaiveDate, rules: &CalendarRules) -> bool {
    rules.day_off(date).is_some()
}

/// Whether `date` is an ordinary working day: Monday to Friday and not a day
/// off under `rules`.
///
/// ```
/// use chrono::NaiveDate;
/// use insyn_calendar::{CalendarRules, is_working_day};
///
/// let rules = CalendarRules::default();
/// let date = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
/// assert!(is_working_day(date(6, 18), &rules)); // Thursday
/// assert!(!is_working_day(date(6, 19), &rules)); // midsommarafton
/// assert!(!is_working_day(date(6, 20), &rules)); // midsommardagen, a Saturday
/// ```
pub fn is_working_day(date: NaiveDate, rules: &CalendarRules) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !is_day_off(date, rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn default_observes_all_eves() {
        let rules = CalendarRules::default();
        for date in [
            d(2026, 4, 4),
            d(2026, 6, 19),
            d(2026, 12, 24),
            d(2026, 12, 31),
        ] {
            assert!(is_day_off(date, &rules), "{date}");
        }
        assert_eq!(rules.days_off_in(2026).len(), 17);
    }

    #[test]
    fn eves_can_be_turned_off_one_by_one() {
        let rules = CalendarRules {
            midsummer_eve_off: false,
            ..CalendarRules::default()
        };
        assert!(is_working_day(d(2026, 6, 19), &rules));
        assert!(!is_working_day(d(2026, 12, 24), &rules));
        let statutory = CalendarRules::statutory_only();
        assert!(is_working_day(d(2026, 12, 24), &statutory));
        assert!(is_working_day(d(2026, 12, 31), &statutory));
        assert!(!is_working_day(d(2026, 12, 25), &statutory));
        assert_eq!(statutory.days_off_in(2026).len(), 13);
    }

    #[test]
    fn extra_days_off_and_reasons() {
        let rules = CalendarRules::default().with_extra_day_off(d(2026, 5, 15));
        assert_eq!(rules.day_off(d(2026, 5, 15)), Some(DayOff::ExtraDayOff));
        assert_eq!(rules.day_off(d(2026, 5, 17)), Some(DayOff::Sunday));
        assert_eq!(rules.day_off(d(2026, 5, 18)), None);
        let Some(DayOff::Holiday { holiday }) = rules.day_off(d(2026, 5, 14)) else {
            panic!("Kristi himmelsfärdsdag should be a day off");
        };
        assert_eq!(holiday.name_sv(), "Kristi himmelsfärdsdag");
        // Påskdagen is a Sunday, but the named holiday is reported.
        let Some(DayOff::Holiday { holiday }) = rules.day_off(d(2026, 4, 5)) else {
            panic!("påskdagen should be a day off");
        };
        assert_eq!(holiday.kind, HolidayKind::EasterSunday);
    }

    #[test]
    fn extra_days_carry_notes_and_can_be_removed() {
        let mut rules = CalendarRules::default();
        rules.add_extra_day(d(2026, 5, 15), "  Klämdag  ");
        rules.add_extra_day(d(2027, 1, 5), "");
        assert_eq!(rules.extra_days_in(2026), vec![(d(2026, 5, 15), "Klämdag")]);
        assert_eq!(rules.extra_days_in(2027), vec![(d(2027, 1, 5), "")]);
        assert!(is_day_off(d(2026, 5, 15), &rules));
        // the stored JSON of older versions (no notes) still reads
        let old: CalendarRules =
            serde_json::from_str(r#"{"extra_days_off":["2026-05-15"]}"#).unwrap();
        assert!(old.extra_day_notes.is_empty() && old.extra_days_off.len() == 1);
        let json = serde_json::to_string(&rules).unwrap();
        assert_eq!(serde_json::from_str::<CalendarRules>(&json).unwrap(), rules);
        assert!(rules.remove_extra_day(d(2026, 5, 15)));
        assert!(!rules.remove_extra_day(d(2026, 5, 15)));
        assert!(!is_day_off(d(2026, 5, 15), &rules));
        assert!(rules.extra_days_in(2026).is_empty());
    }

    #[test]
    fn saturdays_are_not_working_days_but_not_days_off_either() {
        let rules = CalendarRules::default();
        assert!(!is_working_day(d(2026, 3, 21), &rules));
        assert!(!is_day_off(d(2026, 3, 21), &rules));
        assert!(is_day_off(d(2026, 6, 20), &rules));
    }
}
