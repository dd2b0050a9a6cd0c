//! Swedish personal identity numbers (personnummer) and co-ordination numbers
//! (samordningsnummer).
//!
//! [`Personnummer::parse`] accepts exactly the strings the PyPI `personnummer` package 3.2.1
//! accepts (for ASCII input): `YYMMDDNNNN`, `YYMMDD-NNNN`, `YYMMDD+NNNN`, `YYYYMMDDNNNN`,
//! `YYYYMMDD-NNNN`, `YYYYMMDD+NNNN`; the serial (first three of the last four digits) is not
//! `000`; the last digit is the Luhn check digit of the 10-digit form; the date is a real calendar
//! date, with 60 added to the day for a co-ordination number. A 10-digit number's century is the
//! latest one that is not in the future, or 100 years earlier with `+` (age 100 or more); this
//! only matters for validity on 29 February of year `00`. The detector in [`crate::pii`] accepts
//! more spellings (spaces, spaces around the sign) and normalises them before calling this.

/// A parsed, valid number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Personnummer {
    /// Full year (inferred for the 10-digit forms).
    pub year: i32,
    pub month: u32,
    /// Day of month (for a co-ordination number, with 60 already taken off).
    pub day: u32,
    /// The three-digit serial.
    pub serial: u16,
    pub check: u8,
    /// A co-ordination number (samordningsnummer): day + 60.
    pub coordination: bool,
}

impl Personnummer {
    /// Parse and validate, with `reference_year` the current year (for the century of the 10-digit
    /// forms).
    pub fn parse(s: &str, reference_year: i32) -> Option<Personnummer> {
        let b = s.as_bytes();
        if !b
            .iter()
            .all(|c| c.is_ascii_digit() || *c == b'-' || *c == b'+')
        {
            return None;
        }
        let (date_part, sep, tail) = match b.iter().position(|c| !c.is_ascii_digit()) {
            Some(p) => (&b[..p], Some(b[p]), &b[p + 1..]),
            None => {
                // Without separator: 10 or 12 digits (11 parses as century + empty check digit
                // in the reference implementation, which is invalid).
                match b.len() {
                    10 => (&b[..6], None, &b[6..]),
                    12 => (&b[..8], None, &b[8..]),
                    _ => return None,
                }
            }
        };
        if tail.len() != 4 || !tail.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let d = |x: &[u8]| -> u32 { x.iter().fold(0, |a, c| a * 10 + u32::from(c - b'0')) };
        let (century, yy, mm, dd) = match date_part.len() {
            6 => (
                None,
                d(&date_part[..2]),
                d(&date_part[2..4]),
                d(&date_part[4..6]),
            ),
            8 => (
                Some(d(&date_part[..2])),
                d(&date_part[2..4]),
                d(&date_part[4..6]),
                d(&date_part[6..8]),
            ),
            _ => return None,
        };
        let serial = d(&tail[..3]);
        if serial == 0 {
            return None;
        }
        let check = tail[3] - b'0';
        // Luhn over YYMMDDNNN.
        let ten = format!("{yy:02}{mm:02}{dd:02}{:03}", serial);
        if super::luhn_check_digit(&ten) != Some(check) {
            return None;
        }
        let year = match century {
            Some(c) => (c * 100 + yy) as i32,
            None => {
                let base = if sep == Some(b'+') {
                    reference_year - 100
                } else {
                    reference_year
                };
                base - (base - yy as i32).rem_euclid(100)
            }
        };
        let coordination = dd > 60;
        let day = if coordination { dd - 60 } else { dd };
        if year < 1 || !valid_date(year, mm, day) {
            return None;
        }
        Some(Personnummer {
            year,
            month: mm,
            day,
            serial: serial as u16,
            check,
            coordination,
        })
    }

    /// The canonical 12-digit form `YYYYMMDD-NNNN` (day + 60 for a co-ordination number).
    pub fn to_long_string(&self) -> String {
        let dd = if self.coordination {
            self.day + 60
        } else {
            self.day
        };
        format!(
            "{:04}{:02}{:02}-{:03}{}",
            self.year, self.month, dd, self.serial, self.check
        )
    }
}

/// Is `s` a valid number, with the current year from the system clock?
pub fn is_valid(s: &str) -> bool {
    Personnummer::parse(s, current_year()).is_some()
}

/// Leap-year aware calendar check.
pub fn valid_date(year: i32, month: u32, day: u32) -> bool {
    if !(1..=12).contains(&month) || day == 0 {
        return false;
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if leap => 29,
        _ => 28,
    };
    day <= days
}

/// The current year (UTC) from the system clock.
pub fn current_year() -> i32 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    year_of_unix_days((secs / 86_400) as i64)
}

/// Civil year of a day count since 1970-01-01 (H. Hinnant's algorithm).
fn year_of_unix_days(days: i64) -> i32 {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    const Y: i32 = 2026;

    fn ok(s: &str) -> bool {
        Personnummer::parse(s, Y).is_some()
    }

    #[test]
    fn accepts_all_spellings() {
        for s in [
            "19121212-1212",
            "191212121212",
            "121212-1212",
            "121212+1212",
            "1212121212",
            "19121212+1212",
        ] {
            assert!(ok(s), "{s}");
        }
    }

    #[test]
    fn rejects_bad_check_digit_and_shapes() {
        for s in [
            "19121212-1213",
            "121212-121",
            "12121212121",
            "121212 1212",
            "121212--1212",
            "1212121212a",
            "",
            "20121212-1212x",
        ] {
            assert!(!ok(s), "{s}");
        }
    }

    #[test]
    fn date_must_exist() {
        // 1990-02-30 does not exist whatever the check digit.
        for c in 0..10 {
            assert!(!ok(&format!("900230-123{c}")));
        }
        // Month 13.
        for c in 0..10 {
            assert!(!ok(&format!("901301-123{c}")));
        }
    }

    #[test]
    fn coordination_numbers() {
        let p = Personnummer::parse("19121272-1219", Y).expect("valid co-ordination number");
        assert!(p.coordination);
        assert_eq!(p.day, 12);
        assert!(ok("121272-1219"));
        // Day 60 and 92 are nothing.
        let c = super::super::luhn_check_digit("121260121").unwrap();
        assert!(!ok(&format!("121260-121{c}")));
    }

    #[test]
    fn serial_000_is_invalid() {
        let c = super::super::luhn_check_digit("121212000").unwrap();
        assert!(!ok(&format!("121212-000{c}")));
    }

    #[test]
    fn century_inference() {
        let p = Personnummer::parse("121212-1212", Y).unwrap();
        assert_eq!(p.year, 2012);
        let p = Personnummer::parse("121212+1212", Y).unwrap();
        assert_eq!(p.year, 1912);
        let p = Personnummer::parse("451212-1212", Y);
        assert!(p.is_none() || p.unwrap().year == 1945);
        // 29 Feb 00: 2000 is a leap year, 1900 is not.
        let c = super::super::luhn_check_digit("000229123").unwrap();
        assert!(ok(&format!("000229-123{c}")));
        assert!(!ok(&format!("000229+123{c}")));
    }

    #[test]
    fn long_string() {
        let p = Personnummer::parse("121212+1212", Y).unwrap();
        assert_eq!(p.to_long_string(), "19121212-1212");
    }

    #[test]
    fn clock_year_is_plausible() {
        let y = current_year();
        assert!((2024..2200).contains(&y));
        assert_eq!(year_of_unix_days(0), 1970);
        assert_eq!(year_of_unix_days(19_723), 2024); // 2024-01-01
        assert_eq!(year_of_unix_days(19_722), 2023);
    }
}
