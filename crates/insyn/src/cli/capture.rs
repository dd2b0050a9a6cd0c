use super::{CliResult, Context};
use insyn_domain::AccountId;
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
    /// Connect (or reconnect) the account first: the platform's API base URL (for Mastodon:
    /// the instance, e.g. https://social.ekbacka.se). Without it the stored connection is used.
    #[arg(long, requires = "token_file")]
    base_url: Option<String>,
    /// With --base-url: a file holding the access token; `-` reads it from standard input.
    /// Never give the token itself on the command line.
    #[arg(long, requires = "base_url")]
    token_file: Option<PathBuf>,
}

pub async fn run(cx: &Context, a: Args) -> CliResult {
    let app = cx.open_screening().await?;
    let org = app.organisation(&a.org).await?;
    let account = app.account(org.id, AccountId(a.account)).await?;
    if let (Some(base_url), Some(token_file)) = (&a.base_url, &a.token_file) {
        let token = super::account::read_token(token_file)?;
        app.connect_account(org.id, account.id, base_url, &token, "cli")
            .await?;
    }
    let progress = crate::progress::Bar::new();
    insyn_app::Progress::start(&progress, "samlar in", 0);
    let r = app.capture_account(org.id, account.id, "capture").await;
    insyn_app::Progress::finish(&progress);
    let r = r?;
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
