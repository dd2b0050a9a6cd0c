//! Easter Sunday by the anonymous Gregorian computus
//! (the Meeus/Jones/Butcher algorithm).

use chrono::NaiveDate;

/// Easter Sunday of `year` in the (proleptic) Gregorian calendar.
///
/// Returns `None` only for years `chrono` cannot represent.
///
/// ```
/// use chrono::NaiveDate;
/// assert_eq!(
///     insyn_calendar::easter_sunday(2026),
///     NaiveDate::from_ymd_opt(2026, 4, 5)
/// );
/// ```
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let y = i64::from(year);
    let a = y.rem_euclid(19);
    let b = y.div_euclid(100);
    let c = y.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c.div_euclid(4);
    let k = c.rem_euclid(4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l).div_euclid(451);
    let n = h + l - 7 * m + 114;
    let month = u32::try_from(n.div_euclid(31)).ok()?;
    let day = u32::try_from(n.rem_euclid(31) + 1).ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, Weekday};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn known_easter_sundays() {
        let known = [
            d(1900, 4, 15),
            d(1954, 4, 18),
            d(1961, 4, 2),
            d(2000, 4, 23),
            d(2008, 3, 23),
            d(2011, 4, 24),
            d(2019, 4, 21),
            d(2024, 3, 31),
            d(2025, 4, 20),
            d(2026, 4, 5),
            d(2027, 3, 28),
            d(2038, 4, 25),
            d(2100, 3, 28),
            d(2200, 4, 6),
        ];
        for date in known {
            assert_eq!(easter_sunday(date.year()), Some(date), "{date}");
        }
    }

    #[test]
    fn always_a_sunday_between_march_22_and_april_25() {
        for year in 1583..=4099 {
            let e = easter_sunday(year).unwrap();
            assert_eq!(e.weekday(), Weekday::Sun, "{e}");
            assert!(e >= d(year, 3, 22) && e <= d(year, 4, 25), "{e}");
        }
    }
}
