//! Response-time follow-up (uppföljning, issue 5 item 6): per account and per unit, the median
//! and 90th percentile time to answer in working hours, and the share of items answered in time
//! (within the account's promised response time, R5.1), for a period.
//!
//! What is counted: received records (not profile texts) that became available in the period.
//! An answered item counts with the working time from its arrival to its answer (the answer's
//! upprättad record) under the account's office hours and the organisation's calendar, and is
//! "in time" when the answer came by the deadline. An item still open counts as late once its
//! deadline has passed, and is left out while it is not yet due. Items marked "no answer
//! needed" or handed over are counted apart and left out of the times and the share.
//!
//! Percentiles are nearest-rank (the smallest time at or under which p % of the answers lie);
//! the median of an even number of answers is the mean of the two middle ones.
use crate::inbox::{calendar_hours, due_at};
use crate::{App, Result};
use chrono::{DateTime, Utc};
use insyn_domain::staff as rules;
use insyn_domain::{AccountId, HandlingState, StaffUser, UnitId};
use std::collections::BTreeMap;

/// One item's part in the follow-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sample {
    /// Answered after this many working minutes; `in_time` when by the deadline.
    Answered { minutes: u32, in_time: bool },
    /// Open and past its deadline.
    OpenLate,
    /// Open and not yet due: not counted in the share.
    OpenNotDue,
    /// No answer needed, or handed over.
    NotForUs,
}

/// The figures of one row (an account, a unit, or everything).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Figures {
    pub received: u64,
    pub answered: u64,
    pub answered_in_time: u64,
    pub open_late: u64,
    pub open_not_due: u64,
    pub not_for_us: u64,
    /// Working minutes to answer.
    pub median_minutes: Option<f64>,
    pub p90_minutes: Option<u32>,
    /// Answered in time / (answered + open and late); `None` when nothing counts.
    pub share_in_time: Option<f64>,
}

impl Figures {
    /// The figures of a set of samples.
    pub fn of(samples: &[Sample]) -> Figures {
        let mut f = Figures {
            received: samples.len() as u64,
            ..Figures::default()
        };
        let mut minutes = Vec::new();
        for s in samples {
            match *s {
                Sample::Answered {
                    minutes: m,
                    in_time,
                } => {
                    f.answered += 1;
                    f.answered_in_time += u64::from(in_time);
                    minutes.push(m);
                }
                Sample::OpenLate => f.open_late += 1,
                Sample::OpenNotDue => f.open_not_due += 1,
                Sample::NotForUs => f.not_for_us += 1,
            }
        }
        minutes.sort_unstable();
        f.median_minutes = median(&minutes);
        f.p90_minutes = nearest_rank(&minutes, 90);
        let base = f.answered + f.open_late;
        f.share_in_time = (base > 0).then(|| f.answered_in_time as f64 / base as f64);
        f
    }
}

/// The median of sorted values.
pub fn median(sorted: &[u32]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(f64::from(sorted[n / 2])),
        _ => Some((f64::from(sorted[n / 2 - 1]) + f64::from(sorted[n / 2])) / 2.0),
    }
}

/// The nearest-rank `p`th percentile of sorted values.
pub fn nearest_rank(sorted: &[u32], p: u32) -> Option<u32> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (u64::from(p) * sorted.len() as u64).div_ceil(100).max(1) as usize;
    sorted.get(rank - 1).copied()
}

/// A row of the follow-up.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FollowUpRow {
    /// The account's handle and platform, or the unit's name.
    pub name: String,
    pub account: Option<AccountId>,
    pub unit: Option<UnitId>,
    /// The account's promised response time in working hours (accounts only).
    pub promised_hours: Option<u32>,
    pub figures: Figures,
}

/// The follow-up of a period.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FollowUp {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub accounts: Vec<FollowUpRow>,
    pub units: Vec<FollowUpRow>,
    pub total: Figures,
}

impl FollowUp {
    /// The follow-up as CSV (semicolon-separated, as Swedish spreadsheets read it; decimal
    /// comma; times in working hours with one decimal).
    pub fn to_csv(&self) -> String {
        fn hours(m: Option<f64>) -> String {
            m.map(|m| format!("{:.1}", m / 60.0).replace('.', ","))
                .unwrap_or_default()
        }
        fn quote(s: &str) -> String {
            // a leading = + - @ would be a formula in a spreadsheet
            let s = if s.starts_with(['=', '+', '-', '@']) {
                format!("'{s}")
            } else {
                s.to_string()
            };
            format!("\"{}\"", s.replace('"', "\"\""))
        }
        let mut out = String::from(
            "nivå;namn;inkomna;besvarade;besvarade_i_tid;öppna_försenade;öppna_ej_förfallna;inget_svar_behövs;median_arbetstimmar;p90_arbetstimmar;andel_i_tid\n",
        );
        let mut line = |level: &str, name: &str, f: &Figures| {
            out.push_str(&format!(
                "{level};{};{};{};{};{};{};{};{};{};{}\n",
                quote(name),
                f.received,
                f.answered,
                f.answered_in_time,
                f.open_late,
                f.open_not_due,
                f.not_for_us,
                hours(f.median_minutes),
                hours(f.p90_minutes.map(f64::from)),
                f.share_in_time
                    .map(|s| format!("{:.3}", s).replace('.', ","))
                    .unwrap_or_default(),
            ));
        };
        for r in &self.accounts {
            line("konto", &r.name, &r.figures);
        }
        for r in &self.units {
            line("verksamhet", &r.name, &r.figures);
        }
        line("totalt", "", &self.total);
        out
    }
}

impl App {
    /// The response-time follow-up of `[from, to)` over the accounts `user` may see, judged at
    /// `now` (open items late or not yet due).
    pub async fn follow_up(
        &self,
        user: &StaffUser,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<FollowUp> {
        if to <= from {
            return Err(crate::AppError::invalid(
                "period",
                "perioden måste sluta efter att den börjar / the period must end after it starts",
            ));
        }
        let org = user.org_id;
        let calendar = self.calendar_rules(org).await?;
        let accounts: BTreeMap<AccountId, insyn_domain::Account> = self
            .store
            .list_accounts(org)
            .await?
            .into_iter()
            .filter(|a| rules::can_see_account(user, org, a.id))
            .map(|a| (a.id, a))
            .collect();
        let units: BTreeMap<UnitId, String> = self
            .store
            .list_units(org)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
        let mut by_account: BTreeMap<AccountId, Vec<Sample>> = BTreeMap::new();
        for t in self.store.answer_times(org, from, to).await? {
            let Some(account) = accounts.get(&t.account_id) else {
                continue;
            };
            let due = due_at(t.available_at, account, &calendar)?;
            let sample = match (t.state, t.answered_at) {
                (Some(HandlingState::NoAnswerNeeded | HandlingState::HandedOver), _) => {
                    Sample::NotForUs
                }
                (Some(HandlingState::Answered), Some(at)) => Sample::Answered {
                    minutes: insyn_calendar::working_minutes_between(
                        t.available_at,
                        at.max(t.available_at),
                        &calendar_hours(&account.office_hours),
                        &calendar,
                    )
                    .map_err(|e| crate::AppError::invalid("office_hours", e.to_string()))?,
                    in_time: at <= due,
                },
                // answered without a linked answer (marked by hand): counts as open until then
                _ if due < now => Sample::OpenLate,
                _ => Sample::OpenNotDue,
            };
            by_account.entry(t.account_id).or_default().push(sample);
        }
        let mut by_unit: BTreeMap<UnitId, Vec<Sample>> = BTreeMap::new();
        let mut all = Vec::new();
        let mut account_rows = Vec::new();
        for (id, a) in &accounts {
            let samples = by_account.remove(id).unwrap_or_default();
            by_unit.entry(a.unit_id).or_default().extend(&samples);
            all.extend(&samples);
            account_rows.push(FollowUpRow {
                name: format!("{} ({})", a.handle, a.platform.display_name()),
                account: Some(*id),
                unit: Some(a.unit_id),
                promised_hours: Some(a.response_hours),
                figures: Figures::of(&samples),
            });
        }
        let unit_rows = by_unit
            .into_iter()
            .map(|(id, samples)| FollowUpRow {
                name: units.get(&id).cloned().unwrap_or_else(|| id.to_string()),
                account: None,
                unit: Some(id),
                promised_hours: None,
                figures: Figures::of(&samples),
            })
            .collect();
        Ok(FollowUp {
            from,
            to,
            accounts: account_rows,
            units: unit_rows,
            total: Figures::of(&all),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn figures_count_times_and_the_share() {
        let a = |minutes, in_time| Sample::Answered { minutes, in_time };
        let f = Figures::of(&[
            a(30, true),
            a(90, true),
            a(600, false),
            a(120, true),
            Sample::OpenLate,
            Sample::OpenNotDue,
            Sample::NotForUs,
        ]);
        assert_eq!(f.received, 7);
        assert_eq!(f.answered, 4);
        assert_eq!(f.answered_in_time, 3);
        assert_eq!(f.median_minutes, Some(105.0));
        assert_eq!(f.p90_minutes, Some(600));
        // 3 in time of 4 answered + 1 open and late
        assert_eq!(f.share_in_time, Some(0.6));
        let empty = Figures::of(&[Sample::OpenNotDue]);
        assert_eq!(empty.share_in_time, None);
        assert_eq!(empty.median_minutes, None);
    }

    #[test]
    fn csv_has_a_header_a_line_per_row_and_no_formulas() {
        let f = FollowUp {
            from: Utc::now(),
            to: Utc::now(),
            accounts: vec![FollowUpRow {
                name: "=HYPERLINK(\"x\")".into(),
                account: Some(AccountId(1)),
                unit: Some(UnitId(1)),
                promised_hours: Some(8),
                figures: Figures::of(&[Sample::Answered {
                    minutes: 90,
                    in_time: true,
                }]),
            }],
            units: vec![],
            total: Figures::default(),
        };
        let csv = f.to_csv();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("nivå;namn;inkomna"));
        assert_eq!(
            lines[1],
            "konto;\"'=HYPERLINK(\"\"x\"\")\";1;1;1;0;0;0;1,5;1,5;1,000"
        );
        assert!(lines[2].starts_with("totalt;\"\";0;"));
    }

    proptest! {
        #[test]
        fn percentiles_lie_within_the_values(mut v in proptest::collection::vec(0u32..100_000, 1..200), p in 1u32..=100) {
            v.sort_unstable();
            let r = nearest_rank(&v, p).unwrap();
            prop_assert!(v.contains(&r));
            let at_or_under = v.iter().filter(|x| **x <= r).count();
            prop_assert!(at_or_under * 100 >= p as usize * v.len());
            let m = median(&v).unwrap();
            prop_assert!(m >= f64::from(v[0]) && m <= f64::from(v[v.len() - 1]));
        }
    }
}
