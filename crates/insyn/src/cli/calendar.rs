//! `insyn calendar`: the organisation's extra days off (klämdagar), which the inbox's working-hour
//! deadlines skip at once (issue 5; docs/STAFF.md).
use super::{CliError, CliResult, Context, print_json};
use chrono::NaiveDate;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum CalendarCommand {
    /// Extra days off: list, add (with a note) or remove.
    #[command(subcommand)]
    ExtraDays(ExtraDaysCommand),
}

#[derive(clap::Subcommand)]
pub enum ExtraDaysCommand {
    /// The extra days off (of one year with --year), with their notes.
    List {
        #[arg(long, short)]
        org: String,
        #[arg(long)]
        year: Option<i32>,
        #[arg(long)]
        json: bool,
    },
    /// Add an extra day off, e.g. `2026-05-15 --note "Klämdag"`.
    Add {
        #[arg(long, short)]
        org: String,
        /// YYYY-MM-DD
        date: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Remove an extra day off.
    Remove {
        #[arg(long, short)]
        org: String,
        /// YYYY-MM-DD
        date: String,
    },
}

fn date(s: &str) -> Result<NaiveDate, CliError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        CliError::App(insyn_app::AppError::invalid(
            "date",
            format!("'{s}' is not a date (YYYY-MM-DD)"),
        ))
    })
}

#[derive(serde::Serialize)]
struct ExtraDay {
    date: NaiveDate,
    note: String,
}

pub async fn run(cx: &Context, c: CalendarCommand) -> CliResult {
    let CalendarCommand::ExtraDays(c) = c;
    match c {
        ExtraDaysCommand::List { org, year, json } => {
            let app = cx.open().await?;
            let o = app.organisation(&org).await?;
            let rules = app.calendar_rules(o.id).await?;
            let days: Vec<ExtraDay> = rules
                .extra_days_off
                .iter()
                .filter(|d| year.is_none_or(|y| chrono::Datelike::year(*d) == y))
                .map(|d| ExtraDay {
                    date: *d,
                    note: rules.extra_day_notes.get(d).cloned().unwrap_or_default(),
                })
                .collect();
            if json {
                print_json(&days)?;
            } else if days.is_empty() {
                println!("(inga extra lediga dagar)");
            } else {
                for d in days {
                    println!("{}  {}", d.date, d.note);
                }
            }
        }
        ExtraDaysCommand::Add { org, date: d, note } => {
            let d = date(&d)?;
            let app = cx.open().await?;
            let o = app.organisation(&org).await?;
            app.add_extra_day_off(o.id, d, &note, "cli").await?;
            println!("{d} är en extra ledig dag.");
        }
        ExtraDaysCommand::Remove { org, date: d } => {
            let d = date(&d)?;
            let app = cx.open().await?;
            let o = app.organisation(&org).await?;
            app.remove_extra_day_off(o.id, d, "cli").await?;
            println!("{d} är inte längre en extra ledig dag.");
        }
    }
    Ok(ExitCode::SUCCESS)
}
