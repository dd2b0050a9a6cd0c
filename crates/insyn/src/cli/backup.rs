use super::{CliResult, Context};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct BackupArgs {
    /// A new (or empty) folder for the backup.
    folder: PathBuf,
}

#[derive(clap::Args)]
pub struct RestoreArgs {
    /// The backup folder (with manifest.json).
    folder: PathBuf,
    /// Replace an existing SQLite database.
    #[arg(long)]
    force: bool,
}

pub async fn backup(cx: &Context, a: BackupArgs) -> CliResult {
    let app = cx.open().await?;
    let r = app.backup(&a.folder, &crate::progress::Bar::new()).await?;
    println!(
        "Säkerhetskopian är klar: {} filer, {:.1} MB i {}.",
        r.files,
        r.bytes as f64 / 1e6,
        r.folder.display()
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn restore(cx: &Context, a: RestoreArgs) -> CliResult {
    let config = cx.config.app_config()?;
    if config.database_url.starts_with("sqlite:") {
        cx.config.prepare_data_dir()?;
    }
    let r = insyn_app::restore(config, &a.folder, a.force, &crate::progress::Bar::new()).await?;
    println!(
        "Återställt: {} filer kontrollerade, {} filer återställda, {} handlingar indexerade.",
        r.files_checked, r.blobs_restored, r.records_indexed
    );
    if r.verify.ok() {
        println!("Kontrollen efter återställningen: allt stämmer.");
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "insyn: the restored data does not verify: {}",
            r.verify.problems[0]
        );
        Ok(ExitCode::from(3))
    }
}
