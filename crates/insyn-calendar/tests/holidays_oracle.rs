//! Differential test against the PyPI `holidays` package (0.109,
//! `holidays.SE`), which serves as an independent oracle.
//!
//! The test needs a Python with `holidays` installed: `INSYN_TEST_PYTHON`
//! (path to a python executable), else
//! `${INSYN_PEERS_DIR:-/tmp/insyn-peers}/venv/bin/python`. Without one it is
//! skipped with a loud message, unless `CI` is set, where it fails.
//!
//! What is compared, year by year for 1953 (the package's first year) to
//! 2100 (its last):
//!
//! * category `public` (without `include_sundays`, so the generic "Söndag"
//!   entries are absent; any that appear are dropped) against
//!   [`holidays_in`], by date and Swedish name;
//! * category `de_facto` (midsommarafton, julafton, nyårsafton) against
//!   [`de_facto_days_off_in`] without påskafton;
//! * the "Påskafton" entries of category `optional` against our påskafton,
//!   which the package does not count as de facto.
//!
//! Naming differences: the package calls 6 June "Nationaldagen", the law
//! (and this crate) "Sveriges nationaldag". The package joins holidays that
//! share a date with "; " (e.g. 2008-05-01 "Första maj; Kristi
//! himmelsfärdsdag"); the script splits them.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use chrono::NaiveDate;
use insyn_calendar::{HolidayKind, de_facto_days_off_in, holidays_in};

const FIRST_YEAR: i32 = 1953;
const LAST_YEAR: i32 = 2100;
const EXPECTED_VERSION: &str = "0.109";
const INSTALL_HINT: &str = "python3 -m venv /tmp/insyn-peers/venv && \
     /tmp/insyn-peers/venv/bin/pip install holidays==0.109 \
     (or point INSYN_TEST_PYTHON at a python with holidays==0.109)";

const SCRIPT: &str = r#"
import sys
import holidays
first, last = int(sys.argv[1]), int(sys.argv[2])
print("version\t" + holidays.__version__)
for category in ("public", "de_facto", "optional"):
    table = holidays.SE(years=range(first, last + 1), language="sv", categories=(category,))
    for day, names in sorted(table.items()):
        for name in names.split("; "):
            print(category + "\t" + day.isoformat() + "\t" + name)
"#;

type Entries = BTreeSet<(NaiveDate, String)>;

fn python_candidate() -> (PathBuf, bool) {
    if let Some(explicit) = std::env::var_os("INSYN_TEST_PYTHON") {
        return (PathBuf::from(explicit), true);
    }
    let peers = std::env::var_os("INSYN_PEERS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/insyn-peers"));
    (peers.join("venv/bin/python"), false)
}

/// Runs the oracle script, or explains why it cannot be run.
fn run_oracle() -> Result<String, String> {
    let (python, explicit) = python_candidate();
    if !explicit && !python.exists() {
        return Err(format!("no python at {}", python.display()));
    }
    let output = Command::new(&python)
        .arg("-c")
        .arg(SCRIPT)
        .arg(FIRST_YEAR.to_string())
        .arg(LAST_YEAR.to_string())
        .env("PYTHONIOENCODING", "utf-8")
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    if !output.status.success() {
        return Err(format!(
            "{} failed ({}): {}",
            python.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    String::from_utf8(output.stdout).map_err(|e| format!("oracle output is not UTF-8: {e}"))
}

fn crate_name(kind: HolidayKind) -> String {
    match kind {
        HolidayKind::NationalDay => "Nationaldagen".to_owned(),
        other => other.name_sv().to_owned(),
    }
}

fn diff(label: &str, ours: &Entries, oracle: &Entries) -> Vec<String> {
    let mut problems = Vec::new();
    for (date, name) in oracle.difference(ours).take(20) {
        problems.push(format!("{label}: only the oracle has {date} {name}"));
    }
    for (date, name) in ours.difference(oracle).take(20) {
        problems.push(format!("{label}: only insyn-calendar has {date} {name}"));
    }
    problems
}

#[test]
fn public_and_de_facto_holidays_match_python_holidays() {
    let stdout = match run_oracle() {
        Ok(stdout) => stdout,
        Err(why) if std::env::var_os("CI").is_some() => {
            panic!("holidays oracle unavailable in CI: {why}. Install it with: {INSTALL_HINT}")
        }
        Err(why) => {
            eprintln!(
                "\n*** SKIPPED: holidays_oracle differential test: {why}.\n\
                 *** Install the oracle with: {INSTALL_HINT}\n"
            );
            return;
        }
    };

    let (mut public, mut de_facto, mut easter_eve) =
        (Entries::new(), Entries::new(), Entries::new());
    let mut version = None;
    for line in stdout.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        match fields.as_slice() {
            ["version", v] => version = Some((*v).to_owned()),
            [category, date, name] => {
                let date = NaiveDate::parse_from_str(date, "%Y-%m-%d")
                    .unwrap_or_else(|e| panic!("bad date in oracle line {line:?}: {e}"));
                let entry = (date, (*name).to_owned());
                match *category {
                    "public" if *name == "Söndag" => {}
                    "public" => {
                        public.insert(entry);
                    }
                    "de_facto" => {
                        de_facto.insert(entry);
                    }
                    "optional" if *name == "Påskafton" => {
                        easter_eve.insert(entry);
                    }
                    _ => {}
                }
            }
            _ => panic!("unexpected oracle line {line:?}"),
        }
    }
    match version.as_deref() {
        Some(EXPECTED_VERSION) => {}
        other => eprintln!(
            "*** WARNING: holidays_oracle expected holidays {EXPECTED_VERSION}, found {other:?}"
        ),
    }

    let mut ours_public = Entries::new();
    let mut ours_de_facto = Entries::new();
    let mut ours_easter_eve = Entries::new();
    for year in FIRST_YEAR..=LAST_YEAR {
        for h in holidays_in(year) {
            ours_public.insert((h.date, crate_name(h.kind)));
        }
        for h in de_facto_days_off_in(year) {
            let entry = (h.date, crate_name(h.kind));
            if h.kind == HolidayKind::EasterEve {
                ours_easter_eve.insert(entry);
            } else {
                ours_de_facto.insert(entry);
            }
        }
    }

    // Sanity: the oracle really produced the years asked for.
    let years = (LAST_YEAR - FIRST_YEAR + 1) as usize;
    assert!(
        public.len() >= 13 * years,
        "oracle gave only {} public holidays",
        public.len()
    );
    assert_eq!(de_facto.len(), 3 * years);
    assert_eq!(easter_eve.len(), years);

    let mut problems = diff("public", &ours_public, &public);
    problems.extend(diff("de_facto", &ours_de_facto, &de_facto));
    problems.extend(diff("påskafton", &ours_easter_eve, &easter_eve));
    assert!(
        problems.is_empty(),
        "differences from holidays.SE:\n{}",
        problems.join("\n")
    );
    eprintln!(
        "holidays_oracle: {} public, {} de facto and {} påskafton entries agree for {FIRST_YEAR}–{LAST_YEAR}",
        public.len(),
        de_facto.len(),
        easter_eve.len()
    );
}
