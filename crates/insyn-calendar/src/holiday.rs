//! Swedish public holidays (allmänna helgdagar) and the de facto days off.
//!
//! The public holidays follow Lag (1989:253) om allmänna helgdagar, with the
//! historical changes modelled as the PyPI `holidays` package does:
//!
//! * up to 1989: Marie bebådelsedag (always a Sunday since Act 1952:48);
//! * up to 2004: annandag pingst;
//! * from 2005: Sveriges nationaldag (6 June).
//!
//! Sundays are public holidays too, but they are not listed by
//! [`holidays_in`]; use [`is_public_holiday`] for "is this date a holiday".

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::easter::easter_sunday;

/// Whether a day is a statutory public holiday or a de facto day off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HolidayCategory {
    /// An allmän helgdag under Lag (1989:253).
    Public,
    /// An eve that employers usually treat as a day off (midsommarafton,
    /// julafton, nyårsafton, påskafton); see [`crate::CalendarRules`].
    DeFacto,
}

/// Every kind of named holiday the crate knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HolidayKind {
    /// Nyårsdagen, 1 January.
    NewYearsDay,
    /// Trettondedag jul, 6 January.
    Epiphany,
    /// Marie bebådelsedag, a Sunday in March; a public holiday up to 1989.
    Annunciation,
    /// Långfredagen, Easter − 2 days.
    GoodFriday,
    /// Påskdagen (Easter Sunday).
    EasterSunday,
    /// Annandag påsk, Easter + 1 day.
    EasterMonday,
    /// Första maj, 1 May.
    MayDay,
    /// Kristi himmelsfärdsdag, Easter + 39 days (a Thursday).
    AscensionDay,
    /// Pingstdagen, Easter + 49 days (a Sunday).
    WhitSunday,
    /// Annandag pingst, Easter + 50 days; a public holiday up to 2004.
    WhitMonday,
    /// Sveriges nationaldag, 6 June; a public holiday from 2005.
    NationalDay,
    /// Midsommardagen, the Saturday 20–26 June.
    MidsummerDay,
    /// Alla helgons dag, the Saturday 31 October – 6 November.
    AllSaintsDay,
    /// Juldagen, 25 December.
    ChristmasDay,
    /// Annandag jul, 26 December.
    BoxingDay,
    /// Påskafton (de facto), Easter − 1 day.
    EasterEve,
    /// Midsommarafton (de facto), the Friday 19–25 June.
    MidsummerEve,
    /// Julafton (de facto), 24 December.
    ChristmasEve,
    /// Nyårsafton (de facto), 31 December.
    NewYearsEve,
}

impl HolidayKind {
    /// All kinds, public holidays first, in calendar order within each group.
    pub const ALL: [HolidayKind; 19] = [
        HolidayKind::NewYearsDay,
        HolidayKind::Epiphany,
        HolidayKind::Annunciation,
        HolidayKind::GoodFriday,
        HolidayKind::EasterSunday,
        HolidayKind::EasterMonday,
        HolidayKind::MayDay,
        HolidayKind::AscensionDay,
        HolidayKind::WhitSunday,
        HolidayKind::WhitMonday,
        HolidayKind::NationalDay,
        HolidayKind::MidsummerDay,
        HolidayKind::AllSaintsDay,
        HolidayKind::ChristmasDay,
        HolidayKind::BoxingDay,
        HolidayKind::EasterEve,
        HolidayKind::MidsummerEve,
        HolidayKind::ChristmasEve,
        HolidayKind::NewYearsEve,
    ];

    /// The Swedish name, as written in Lag (1989:253) for public holidays.
    pub const fn name_sv(self) -> &'static str {
        match self {
            HolidayKind::NewYearsDay => "Nyårsdagen",
            HolidayKind::Epiphany => "Trettondedag jul",
            HolidayKind::Annunciation => "Marie bebådelsedag",
            HolidayKind::GoodFriday => "Långfredagen",
            HolidayKind::EasterSunday => "Påskdagen",
            HolidayKind::EasterMonday => "Annandag påsk",
            HolidayKind::MayDay => "Första maj",
            HolidayKind::AscensionDay => "Kristi himmelsfärdsdag",
            HolidayKind::WhitSunday => "Pingstdagen",
            HolidayKind::WhitMonday => "Annandag pingst",
            HolidayKind::NationalDay => "Sveriges nationaldag",
            HolidayKind::MidsummerDay => "Midsommardagen",
            HolidayKind::AllSaintsDay => "Alla helgons dag",
            HolidayKind::ChristmasDay => "Juldagen",
            HolidayKind::BoxingDay => "Annandag jul",
            HolidayKind::EasterEve => "Påskafton",
            HolidayKind::MidsummerEve => "Midsommarafton",
            HolidayKind::ChristmasEve => "Julafton",
            HolidayKind::NewYearsEve => "Nyårsafton",
        }
    }

    /// The English name.
    pub const fn name_en(self) -> &'static str {
        match self {
            HolidayKind::NewYearsDay => "New Year's Day",
            HolidayKind::Epiphany => "Epiphany",
            HolidayKind::Annunciation => "Feast of the Annunciation",
            HolidayKind::GoodFriday => "Good Friday",
            HolidayKind::EasterSunday => "Easter Sunday",
            HolidayKind::EasterMonday => "Easter Monday",
            HolidayKind::MayDay => "May Day",
            HolidayKind::AscensionDay => "Ascension Day",
            HolidayKind::WhitSunday => "Whit Sunday",
            HolidayKind::WhitMonday => "Whit Monday",
            HolidayKind::NationalDay => "National Day of Sweden",
            HolidayKind::MidsummerDay => "Midsummer Day",
            HolidayKind::AllSaintsDay => "All Saints' Day",
            HolidayKind::ChristmasDay => "Christmas Day",
            HolidayKind::BoxingDay => "Boxing Day",
            HolidayKind::EasterEve => "Easter Eve",
            HolidayKind::MidsummerEve => "Midsummer Eve",
            HolidayKind::ChristmasEve => "Christmas Eve",
            HolidayKind::NewYearsEve => "New Year's Eve",
        }
    }

    /// Public holiday or de facto day off.
    pub const fn category(self) -> HolidayCategory {
        match self {
            HolidayKind::EasterEve
            | HolidayKind::MidsummerEve
            | HolidayKind::ChristmasEve
            | HolidayKind::NewYearsEve => HolidayCategory::DeFacto,
            _ => HolidayCategory::Public,
        }
    }
}

/// A named holiday on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Holiday {
    /// The calendar date.
    pub date: NaiveDate,
    /// Which holiday it is.
    pub kind: HolidayKind,
}

impl Holiday {
    /// The Swedish name, e.g. "Midsommardagen".
    pub const fn name_sv(&self) -> &'static str {
        self.kind.name_sv()
    }

    /// The English name, e.g. "Midsummer Day".
    pub const fn name_en(&self) -> &'static str {
        self.kind.name_en()
    }

    /// Public holiday or de facto day off.
    pub const fn category(&self) -> HolidayCategory {
        self.kind.category()
    }
}

/// The statutory public holidays of `year`, sorted by date, Sundays not
/// included (except those that are named holidays, such as påskdagen).
///
/// Two holidays can share a date (första maj and Kristi himmelsfärdsdag in
/// 2008; Sveriges nationaldag and pingstdagen in 2049); both are listed.
/// Returns an empty list only for years `chrono` cannot represent.
pub fn holidays_in(year: i32) -> Vec<Holiday> {
    let Some(easter) = easter_sunday(year) else {
        return Vec::new();
    };
    let fixed = |month, day| NaiveDate::from_ymd_opt(year, month, day);
    let from_easter = |days: i64| easter.checked_add_signed(chrono::TimeDelta::days(days));

    let mut candidates = vec![
        (HolidayKind::NewYearsDay, fixed(1, 1)),
        (HolidayKind::Epiphany, fixed(1, 6)),
        (HolidayKind::GoodFriday, from_easter(-2)),
        (HolidayKind::EasterSunday, Some(easter)),
        (HolidayKind::EasterMonday, from_easter(1)),
        (HolidayKind::MayDay, fixed(5, 1)),
        (HolidayKind::AscensionDay, from_easter(39)),
        (HolidayKind::WhitSunday, from_easter(49)),
        (
            HolidayKind::MidsummerDay,
            saturday_on_or_after(fixed(6, 20)),
        ),
        (
            HolidayKind::AllSaintsDay,
            saturday_on_or_after(fixed(10, 31)),
        ),
        (HolidayKind::ChristmasDay, fixed(12, 25)),
        (HolidayKind::BoxingDay, fixed(12, 26)),
    ];
    if year <= 1989 {
        candidates.push((HolidayKind::Annunciation, annunciation_sunday(year, easter)));
    }
    if year <= 2004 {
        candidates.push((HolidayKind::WhitMonday, from_easter(50)));
    } else {
        candidates.push((HolidayKind::NationalDay, fixed(6, 6)));
    }
    collect_sorted(candidates)
}

/// The de facto days off of `year` (påskafton, midsommarafton, julafton,
/// nyårsafton), sorted by date, whether or not a [`crate::CalendarRules`]
/// observes them.
pub fn de_facto_days_off_in(year: i32) -> Vec<Holiday> {
    let Some(easter) = easter_sunday(year) else {
        return Vec::new();
    };
    let midsummer_eve =
        saturday_on_or_after(NaiveDate::from_ymd_opt(year, 6, 20)).and_then(|d| d.pred_opt());
    collect_sorted(vec![
        (HolidayKind::EasterEve, easter.pred_opt()),
        (HolidayKind::MidsummerEve, midsummer_eve),
        (
            HolidayKind::ChristmasEve,
            NaiveDate::from_ymd_opt(year, 12, 24),
        ),
        (
            HolidayKind::NewYearsEve,
            NaiveDate::from_ymd_opt(year, 12, 31),
        ),
    ])
}

/// The named public holidays on `date` (usually none or one; Sundays that
/// are not named holidays give an empty list).
pub fn public_holidays_on(date: NaiveDate) -> Vec<Holiday> {
    holidays_in(date.year())
        .into_iter()
        .filter(|h| h.date == date)
        .collect()
}

/// Whether `date` is an allmän helgdag: a Sunday or a named public holiday.
pub fn is_public_holiday(date: NaiveDate) -> bool {
    date.weekday() == Weekday::Sun || holidays_in(date.year()).iter().any(|h| h.date == date)
}

fn collect_sorted(candidates: Vec<(HolidayKind, Option<NaiveDate>)>) -> Vec<Holiday> {
    let mut out: Vec<Holiday> = candidates
        .into_iter()
        .filter_map(|(kind, date)| date.map(|date| Holiday { date, kind }))
        .collect();
    out.sort();
    out
}

/// The first Saturday on or after `date`.
fn saturday_on_or_after(date: Option<NaiveDate>) -> Option<NaiveDate> {
    let date = date?;
    let ahead =
        (Weekday::Sat.num_days_from_monday() + 7 - date.weekday().num_days_from_monday()) % 7;
    date.checked_add_days(Days::new(u64::from(ahead)))
}

/// Marie bebådelsedag under Act 1952:48: the Sunday 22–28 March, or, when
/// that Sunday is Palm Sunday or Easter Sunday, the Sunday before Palm Sunday.
fn annunciation_sunday(year: i32, easter: NaiveDate) -> Option<NaiveDate> {
    let march_22 = NaiveDate::from_ymd_opt(year, 3, 22)?;
    let ahead = (7 - march_22.weekday().num_days_from_sunday()) % 7;
    let sunday = march_22.checked_add_days(Days::new(u64::from(ahead)))?;
    let palm_sunday = easter.checked_sub_days(Days::new(7))?;
    if sunday == palm_sunday || sunday == easter {
        easter.checked_sub_days(Days::new(14))
    } else {
        Some(sunday)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn date_of(year: i32, kind: HolidayKind) -> Option<NaiveDate> {
        holidays_in(year)
            .into_iter()
            .chain(de_facto_days_off_in(year))
            .find(|h| h.kind == kind)
            .map(|h| h.date)
    }

    #[test]
    fn the_2026_public_holidays() {
        let got: Vec<(NaiveDate, &str)> = holidays_in(2026)
            .iter()
            .map(|h| (h.date, h.name_sv()))
            .collect();
        assert_eq!(
            got,
            vec![
                (d(2026, 1, 1), "Nyårsdagen"),
                (d(2026, 1, 6), "Trettondedag jul"),
                (d(2026, 4, 3), "Långfredagen"),
                (d(2026, 4, 5), "Påskdagen"),
                (d(2026, 4, 6), "Annandag påsk"),
                (d(2026, 5, 1), "Första maj"),
                (d(2026, 5, 14), "Kristi himmelsfärdsdag"),
                (d(2026, 5, 24), "Pingstdagen"),
                (d(2026, 6, 6), "Sveriges nationaldag"),
                (d(2026, 6, 20), "Midsommardagen"),
                (d(2026, 10, 31), "Alla helgons dag"),
                (d(2026, 12, 25), "Juldagen"),
                (d(2026, 12, 26), "Annandag jul"),
            ]
        );
    }

    #[test]
    fn easter_based_holidays() {
        use HolidayKind::*;
        assert_eq!(date_of(2024, EasterSunday), Some(d(2024, 3, 31)));
        assert_eq!(date_of(2025, EasterSunday), Some(d(2025, 4, 20)));
        assert_eq!(date_of(2026, EasterSunday), Some(d(2026, 4, 5)));
        assert_eq!(date_of(2025, GoodFriday), Some(d(2025, 4, 18)));
        assert_eq!(date_of(2025, EasterMonday), Some(d(2025, 4, 21)));
        assert_eq!(date_of(2025, EasterEve), Some(d(2025, 4, 19)));
        assert_eq!(date_of(2025, AscensionDay), Some(d(2025, 5, 29)));
        assert_eq!(date_of(2025, WhitSunday), Some(d(2025, 6, 8)));
        assert_eq!(date_of(2024, AscensionDay), Some(d(2024, 5, 9)));
        assert_eq!(date_of(2024, WhitSunday), Some(d(2024, 5, 19)));
    }

    #[test]
    fn fixed_date_holidays() {
        use HolidayKind::*;
        for year in [1990, 2026, 2100] {
            assert_eq!(date_of(year, NewYearsDay), Some(d(year, 1, 1)));
            assert_eq!(date_of(year, Epiphany), Some(d(year, 1, 6)));
            assert_eq!(date_of(year, MayDay), Some(d(year, 5, 1)));
            assert_eq!(date_of(year, ChristmasDay), Some(d(year, 12, 25)));
            assert_eq!(date_of(year, BoxingDay), Some(d(year, 12, 26)));
            assert_eq!(date_of(year, ChristmasEve), Some(d(year, 12, 24)));
            assert_eq!(date_of(year, NewYearsEve), Some(d(year, 12, 31)));
        }
    }

    #[test]
    fn midsummer_and_all_saints() {
        use HolidayKind::*;
        assert_eq!(date_of(2026, MidsummerDay), Some(d(2026, 6, 20)));
        assert_eq!(date_of(2026, MidsummerEve), Some(d(2026, 6, 19)));
        assert_eq!(date_of(2025, MidsummerDay), Some(d(2025, 6, 21)));
        assert_eq!(date_of(2021, MidsummerDay), Some(d(2021, 6, 26)));
        assert_eq!(date_of(2021, MidsummerEve), Some(d(2021, 6, 25)));
        assert_eq!(date_of(2026, AllSaintsDay), Some(d(2026, 10, 31)));
        assert_eq!(date_of(2025, AllSaintsDay), Some(d(2025, 11, 1)));
        assert_eq!(date_of(2021, AllSaintsDay), Some(d(2021, 11, 6)));
        for year in 1900..=2200 {
            let mid = date_of(year, MidsummerDay).unwrap();
            assert_eq!(mid.weekday(), Weekday::Sat);
            assert!(mid >= d(year, 6, 20) && mid <= d(year, 6, 26));
            let eve = date_of(year, MidsummerEve).unwrap();
            assert_eq!(eve.weekday(), Weekday::Fri);
            assert!(eve >= d(year, 6, 19) && eve <= d(year, 6, 25));
            let saints = date_of(year, AllSaintsDay).unwrap();
            assert_eq!(saints.weekday(), Weekday::Sat);
            assert!(saints >= d(year, 10, 31) && saints <= d(year, 11, 6));
        }
    }

    #[test]
    fn national_day_replaced_whit_monday_in_2005() {
        use HolidayKind::*;
        assert_eq!(date_of(2004, WhitMonday), Some(d(2004, 5, 31)));
        assert_eq!(date_of(2004, NationalDay), None);
        assert_eq!(date_of(2005, WhitMonday), None);
        assert_eq!(date_of(2005, NationalDay), Some(d(2005, 6, 6)));
        // 1983 made 6 June the national day, but not a public holiday.
        assert_eq!(date_of(1983, NationalDay), None);
        assert!(!is_public_holiday(d(1983, 6, 6)));
    }

    #[test]
    fn annunciation_until_1989_always_on_a_sunday() {
        use HolidayKind::*;
        // 1989: Easter 26 March, so the Sunday 22–28 March is Easter Sunday
        // and Marie bebådelsedag moves to the Sunday before Palm Sunday.
        assert_eq!(date_of(1989, Annunciation), Some(d(1989, 3, 12)));
        // 1988: Easter 3 April, the Sunday 22–28 March is Palm Sunday.
        assert_eq!(date_of(1988, Annunciation), Some(d(1988, 3, 20)));
        assert_eq!(date_of(1985, Annunciation), Some(d(1985, 3, 24)));
        assert_eq!(date_of(1990, Annunciation), None);
        for year in 1900..=1989 {
            let day = date_of(year, Annunciation).unwrap();
            assert_eq!(day.weekday(), Weekday::Sun, "{day}");
        }
    }

    #[test]
    fn coinciding_holidays_are_both_listed() {
        let on = public_holidays_on(d(2008, 5, 1));
        let kinds: Vec<HolidayKind> = on.iter().map(|h| h.kind).collect();
        assert_eq!(kinds, vec![HolidayKind::MayDay, HolidayKind::AscensionDay]);
    }

    #[test]
    fn sundays_are_public_holidays() {
        assert!(is_public_holiday(d(2026, 3, 22)));
        assert!(!is_public_holiday(d(2026, 3, 21)));
        assert!(is_public_holiday(d(2026, 6, 6)));
        assert!(public_holidays_on(d(2026, 3, 22)).is_empty());
    }

    #[test]
    fn names_and_categories() {
        for kind in HolidayKind::ALL {
            assert!(!kind.name_sv().is_empty() && !kind.name_en().is_empty());
        }
        let public = HolidayKind::ALL
            .iter()
            .filter(|k| k.category() == HolidayCategory::Public)
            .count();
        assert_eq!(public, 15);
        assert_eq!(HolidayKind::BoxingDay.name_en(), "Boxing Day");
        assert_eq!(HolidayKind::NationalDay.name_sv(), "Sveriges nationaldag");
        for h in de_facto_days_off_in(2026) {
            assert_eq!(h.category(), HolidayCategory::DeFacto);
        }
    }

    #[test]
    fn counts_per_year() {
        for year in 1900..=2200 {
            let expected = if year <= 1989 { 14 } else { 13 };
            assert_eq!(holidays_in(year).len(), expected, "{year}");
            assert_eq!(de_facto_days_off_in(year).len(), 4, "{year}");
        }
    }
}
