use super::{CliError, CliResult, Context, print_json};
use insyn_app::AppError;
use insyn_domain::{AccountId, SearchOrder, SearchQuery};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Words, "phrases" and -exclusions, e.g. 'snöröjning "Storgatan" -tack'.
    query: String,
    /// The organisation (its short name).
    #[arg(long, short)]
    org: String,
    /// Only this account (id; repeat for several).
    #[arg(long)]
    account: Vec<i64>,
    /// created (upprättad) or received (inkommen).
    #[arg(long)]
    direction: Option<String>,
    /// From date (YYYY-MM-DD).
    #[arg(long)]
    from: Option<chrono::NaiveDate>,
    /// To date (exclusive).
    #[arg(long)]
    to: Option<chrono::NaiveDate>,
    /// Newest first instead of best match first.
    #[arg(long)]
    newest: bool,
    #[arg(long, default_value_t = 20)]
    limit: usize,
    #[arg(long, default_value_t = 0)]
    offset: usize,
    /// JSON output.
    #[arg(long)]
    json: bool,
}

pub async fn run(cx: &Context, a: Args) -> CliResult {
    let app = cx.open().await?;
    let org = app.organisation(&a.org).await?;
    let mut q = SearchQuery::new(org.id, a.query);
    q.accounts = a.account.into_iter().map(AccountId).collect();
    q.direction = a
        .direction
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|e: insyn_domain::DomainError| CliError::App(e.into()))?;
    q.from = a
        .from
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc());
    q.to =
        a.to.and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc());
    q.order = if a.newest {
        SearchOrder::Newest
    } else {
        SearchOrder::Relevance
    };
    if !(1..=200).contains(&a.limit) {
        return Err(CliError::App(AppError::invalid("limit", "use 1 to 200")));
    }
    q.limit = a.limit;
    q.offset = a.offset;
    let page = app.search(&q).await?;
    if a.json {
        print_json(&page)?;
        return Ok(ExitCode::SUCCESS);
    }
    println!("{} träffar", page.total);
    for f in &page.results {
        let r = &f.record;
        let when = r
            .available_at
            .with_timezone(&chrono_tz_stockholm())
            .format("%Y-%m-%d %H:%M");
        println!(
            "#{:<8} {when}  {:<10} {}: {}",
            r.id,
            r.direction.swedish(),
            r.author_name,
            f.hit.snippet.replace('\n', " ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn chrono_tz_stockholm() -> chrono::FixedOffset {
    // Display only; the calendar crate owns exact local time. CET is close enough for a listing.
    chrono::FixedOffset::east_opt(3600)
        .unwrap_or_else(|| chrono::FixedOffset::east_opt(0).expect("zero offset"))
}
