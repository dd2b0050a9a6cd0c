use super::{CliError, CliResult, Context};
use insyn_app::connectors::mastodon::Mastodon;
use insyn_domain::{AccountId, Platform};
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The organisation (its short name).
    #[arg(long, short)]
    org: String,
    /// The account's id (see `insyn account list`).
    #[arg(long)]
    account: i64,
    /// The platform's API base URL (for Mastodon: the instance, e.g. https://social.ekbacka.se).
    #[arg(long)]
    base_url: String,
    /// A file holding the access token; `-` reads it from standard input. Never give the token
    /// itself on the command line.
    #[arg(long)]
    token_file: PathBuf,
}

pub async fn run(cx: &Context, a: Args) -> CliResult {
    let token = if a.token_file.as_os_str() == "-" {
        let mut t = String::new();
        std::io::stdin()
            .read_to_string(&mut t)
            .map_err(|e| CliError::Io(format!("cannot read the token: {e}")))?;
        t
    } else {
        std::fs::read_to_string(&a.token_file).map_err(|e| {
            CliError::Io(format!(
                "cannot read the token file {}: {e}",
                a.token_file.display()
            ))
        })?
    };
    let app = cx.open().await?;
    let org = app.organisation(&a.org).await?;
    let account = app.account(org.id, AccountId(a.account)).await?;
    let connector = match account.platform {
        Platform::Mastodon => {
            Mastodon::new(&a.base_url, &token).map_err(|e| CliError::App(e.into()))?
        }
        other => {
            return Err(CliError::App(insyn_app::AppError::Conflict(format!(
                "capture from {} is not built yet; Mastodon is (see the open capture issue)",
                other.display_name()
            ))));
        }
    };
    let progress = crate::progress::Bar::new();
    insyn_app::Progress::start(&progress, "samlar in", 0);
    let r = app
        .capture_pass(org.id, account.id, &connector, "capture")
        .await?;
    insyn_app::Progress::finish(&progress);
    println!(
        "Insamlat från {}: {} svar sparade, {} nya handlingar, {} nya versioner, {} oförändrade, {} kontrollerade, {} raderingar registrerade.",
        account.handle,
        r.responses,
        r.new_records,
        r.new_versions,
        r.unchanged,
        r.checked,
        r.deletions_seen
    );
    Ok(ExitCode::SUCCESS)
}
