use super::{CliResult, Context, print_json};
use insyn_app::ImportFormat;
use insyn_domain::AccountId;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The organisation (its short name).
    #[arg(long, short)]
    org: String,
    /// The account the export belongs to (see `insyn account list`).
    #[arg(long)]
    account: i64,
    /// x-archive (data/tweets.js, deleted-tweets.js), mastodon (outbox.json), facebook or
    /// instagram (a posts or comments JSON file from "download your information").
    #[arg(long)]
    format: ImportFormat,
    /// The export file.
    file: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

pub async fn run(cx: &Context, a: Args) -> CliResult {
    let app = cx.open_screening().await?;
    let org = app.organisation(&a.org).await?;
    let account = app.account(org.id, AccountId(a.account)).await?;
    let progress = crate::progress::Bar::new();
    let r = app
        .import_export(org.id, account.id, a.format, &a.file, &progress, "import")
        .await?;
    if a.json {
        print_json(&r)?;
    } else {
        println!(
            "Inläst från {} till {}: {} poster, {} nya handlingar, {} nya versioner, {} oförändrade, {} överhoppade, {} raderingar registrerade. Filen är sparad som {}.",
            a.file.display(),
            account.handle,
            r.items,
            r.new_records,
            r.new_versions,
            r.unchanged,
            r.skipped,
            r.deletions_seen,
            r.raw_blob
        );
    }
    Ok(ExitCode::SUCCESS)
}
