//! Property tests for the working-time arithmetic.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc, Weekday};
use insyn_calendar::{
    CalendarRules, OfficeHours, deadline, is_open_at, working_minutes_between, working_time_between,
};
use proptest::prelude::*;

/// 2000-01-01T00:00:00Z .. 2099-12-31T00:00:00Z, second precision.
fn arrival() -> impl Strategy<Value = DateTime<Utc>> {
    (946_684_800_i64..4_102_358_400_i64).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap())
}

fn hours() -> impl Strategy<Value = OfficeHours> {
    prop_oneof![
        Just(OfficeHours::weekdays(8 * 60, 16 * 60 + 30)),
        Just(OfficeHours::weekdays_with_lunch(
            8 * 60,
            12 * 60,
            13 * 60,
            17 * 60
        )),
        Just(
            OfficeHours::weekdays(7 * 60, 15 * 60)
                .with_day(Weekday::Sat, &[(0, 90), (120, 24 * 60)])
                .with_day(Weekday::Sun, &[(9 * 60, 12 * 60)])
        ),
        Just(OfficeHours::closed().with_day(Weekday::Wed, &[(10 * 60, 10 * 60 + 15)])),
    ]
}

fn rules() -> impl Strategy<Value = CalendarRules> {
    (
        any::<[bool; 4]>(),
        proptest::collection::btree_set(0_u64..36_500, 0..40),
    )
        .prop_map(|(eves, extra)| {
            let base = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
            CalendarRules {
                easter_eve_off: eves[0],
                midsummer_eve_off: eves[1],
                christmas_eve_off: eves[2],
                new_years_eve_off: eves[3],
                extra_days_off: extra
                    .into_iter()
                    .map(|days| base + chrono::Days::new(days))
                    .collect(),
                extra_day_notes: Default::default(),
            }
        })
}

proptest! {
    #[test]
    fn deadline_is_monotonic_in_arrival(
        a in arrival(),
        gap in 0_i64..(20 * 86_400),
        minutes in 0_u32..3_000,
        hours in hours(),
        rules in rules(),
    ) {
        let b = a + TimeDelta::seconds(gap);
        let due_a = deadline(a, minutes, &hours, &rules).unwrap();
        let due_b = deadline(b, minutes, &hours, &rules).unwrap();
        prop_assert!(due_a <= due_b, "{a} -> {due_a}, {b} -> {due_b}");
    }

    #[test]
    fn deadline_is_monotonic_in_minutes(
        a in arrival(),
        minutes in 0_u32..3_000,
        more in 0_u32..600,
        hours in hours(),
        rules in rules(),
    ) {
        let first = deadline(a, minutes, &hours, &rules).unwrap();
        let second = deadline(a, minutes + more, &hours, &rules).unwrap();
        prop_assert!(first <= second);
    }

    #[test]
    fn deadline_leaves_at_least_the_working_time(
        a in arrival(),
        minutes in 0_u32..3_000,
        hours in hours(),
        rules in rules(),
    ) {
        let due = deadline(a, minutes, &hours, &rules).unwrap();
        prop_assert!(due - a >= TimeDelta::minutes(i64::from(minutes)));
    }

    #[test]
    fn working_time_to_the_deadline_is_the_requested_time(
        a in arrival(),
        minutes in 0_u32..3_000,
        hours in hours(),
        rules in rules(),
    ) {
        let due = deadline(a, minutes, &hours, &rules).unwrap();
        prop_assert_eq!(working_minutes_between(a, due, &hours, &rules).unwrap(), minutes);
        prop_assert_eq!(
            working_time_between(a, due, &hours, &rules).unwrap(),
            TimeDelta::minutes(i64::from(minutes))
        );
        // Nothing earlier would do: one second less is short of the target.
        if minutes > 0 {
            let short = working_time_between(a, due - TimeDelta::seconds(1), &hours, &rules).unwrap();
            prop_assert!(short < TimeDelta::minutes(i64::from(minutes)));
            // And the last second before the deadline was working time.
            prop_assert!(is_open_at(due - TimeDelta::seconds(1), &hours, &rules).unwrap());
        }
    }

    #[test]
    fn working_time_is_additive(
        a in arrival(),
        first in 0_i64..(10 * 86_400),
        second in 0_i64..(10 * 86_400),
        hours in hours(),
        rules in rules(),
    ) {
        let b = a + TimeDelta::seconds(first);
        let c = b + TimeDelta::seconds(second);
        let ab = working_time_between(a, b, &hours, &rules).unwrap();
        let bc = working_time_between(b, c, &hours, &rules).unwrap();
        let ac = working_time_between(a, c, &hours, &rules).unwrap();
        prop_assert_eq!(ab + bc, ac);
        prop_assert!(ac <= c - a);
    }
}
