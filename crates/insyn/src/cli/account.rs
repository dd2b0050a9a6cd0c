use super::{CliResult, Context, print_json};
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum AccountCommand {
    /// List an organisation's accounts.
    List {
        #[arg(long, short)]
        org: String,
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(cx: &Context, c: AccountCommand) -> CliResult {
    let app = cx.open().await?;
    match c {
        AccountCommand::List { org, json } => {
            let o = app.organisation(&org).await?;
            let accounts = app.accounts(o.id).await?;
            if json {
                print_json(&accounts)?;
            } else {
                for a in accounts {
                    println!(
                        "{:>4}  {:<10} {:<32} {:<9} {} (svar inom {} arbetstimmar)",
                        a.id,
                        a.platform.display_name(),
                        a.handle,
                        a.status.swedish(),
                        a.office_hours.swedish(),
                        a.response_hours
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
