//! `insyn access-log`: the organisation's access log (R12.1) for an operator on the server.
use super::{CliError, CliResult, Context, print_json};
use insyn_domain::{AccessFilter, RecordId};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The organisation (its short name).
    #[arg(long, short)]
    org: String,
    /// Only accesses that showed this record (its number).
    #[arg(long)]
    record: Option<i64>,
    /// Only this user (e-mail address, or api:<organisation> for API tokens).
    #[arg(long)]
    actor: Option<String>,
    /// From this date (YYYY-MM-DD, UTC midnight).
    #[arg(long)]
    from: Option<chrono::NaiveDate>,
    /// Before this date (exclusive).
    #[arg(long)]
    to: Option<chrono::NaiveDate>,
    /// 1 to 1000, newest first.
    #[arg(long, default_value_t = 100)]
    limit: i64,
    /// JSON output.
    #[arg(long)]
    json: bool,
}

pub async fn run(cx: &Context, a: Args) -> CliResult {
    let app = cx.open().await?;
    let org = app.organisation(&a.org).await?;
    let midnight = |d: chrono::NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    let filter = AccessFilter {
        record: a.record.map(RecordId),
        actor: a.actor,
        from: a.from.and_then(midnight),
        to: a.to.and_then(midnight),
        before_id: None,
        limit: a.limit,
    };
    let entries = app
        .access_log_admin(org.id, &filter)
        .await
        .map_err(CliError::App)?;
    if a.json {
        print_json(&entries)?;
        return Ok(ExitCode::SUCCESS);
    }
    if entries.is_empty() {
        println!("Ingen åtkomst matchar.");
    }
    for e in &entries {
        let records: Vec<String> = e.records.iter().map(|r| r.0.to_string()).collect();
        println!(
            "{}  {}  {} ({})  poster: {}",
            e.at.format("%Y-%m-%d %H:%M:%S UTC"),
            e.actor,
            e.via.swedish(),
            e.detail,
            records.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}
