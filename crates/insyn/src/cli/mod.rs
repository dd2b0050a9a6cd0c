//! The subcommands. Each returns `Result<ExitCode, CliError>`; `main` prints a `CliError` as one
//! line.
mod access;
mod account;
mod backup;
mod calendar;
mod capture;
mod demo;
mod diary;
mod dispose;
mod export;
mod import;
mod org;
mod screen;
mod search;
mod serve;
mod user;
mod verify;

use crate::config::{Config, ConfigError};
use clap::{Parser, Subcommand};
use insyn_app::{App, AppError};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "insyn",
    version,
    about = "Insyn: sociala medier som allmänna handlingar / social media as public records"
)]
pub struct Cli {
    /// Configuration file (default: insyn.toml in the working folder, if there is one).
    #[arg(long, global = true, env = "INSYN_CONFIG")]
    config: Option<PathBuf>,
    /// Data folder of the embedded default (SQLite, blobs, search index).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// More log output.
    #[arg(long, short, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the web server (API, and later the staff UI and public portal).
    Serve(serve::Args),
    /// Create the demo organisation (Ekbacka kommun) with realistic Swedish records.
    Demo(demo::Args),
    /// Capture an account's posts, comments and replies from its platform (one pass).
    Capture(capture::Args),
    /// Import a platform's own data export (X archive, Mastodon archive, Facebook/Instagram).
    Import(import::Args),
    /// Search records in Swedish full text.
    Search(search::Args),
    /// Screen a text for personal data, threats, hate, secrets and case signals (Swedish).
    Screen(screen::Args),
    /// Check the audit chain, every record version and every blob; names the first mismatch.
    Verify(verify::Args),
    /// The access log: who was shown which non-public records, where and when (newest first).
    AccessLog(access::Args),
    /// Rebuild the search index from the store.
    Reindex,
    /// Build an archive package (E-ARK/FGS) of a period or account; checked, then logged as delivered.
    Export(export::Args),
    /// Re-read an archive package and name the first file that does not match its METS.
    VerifyPackage(export::VerifyArgs),
    /// Disposal (gallring): --dry-run reports what would go and what is kept and why;
    /// --execute removes the due records' content and blobs and keeps a protocol entry each.
    Dispose(dispose::Args),
    /// Disposal rules bound to decisions, crisis periods, overrides and the disposal protocol.
    #[command(subcommand)]
    Disposal(dispose::DisposalCommand),
    /// Legal holds: keep records, threads or accounts from disposal.
    #[command(subcommand)]
    Hold(dispose::HoldCommand),
    /// The delivery log and the delivery schedule (archive packages).
    #[command(subcommand)]
    Deliveries(export::DeliveriesCommand),
    /// Copy the database and every blob to a folder, with a checksum manifest.
    Backup(backup::BackupArgs),
    /// Restore a backup into an empty installation, checking every checksum.
    Restore(backup::RestoreArgs),
    /// Organisations (tenants).
    #[command(subcommand)]
    Org(org::OrgCommand),
    /// Social media accounts.
    #[command(subcommand)]
    Account(account::AccountCommand),
    /// API tokens.
    #[command(subcommand)]
    Token(org::TokenCommand),
    /// Staff users (sign-in to the staff web).
    #[command(subcommand)]
    User(user::UserCommand),
    /// The diary: registers, the number format and the registrar's address.
    #[command(subcommand)]
    Diary(diary::DiaryCommand),
    /// The working-time calendar: the organisation's extra days off.
    #[command(subcommand)]
    Calendar(calendar::CalendarCommand),
    /// Configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print a commented example configuration.
    Example,
    /// Print the configuration in effect (secrets hidden).
    Show,
}

/// An error for the person at the terminal: one line, and an exit code.
pub enum CliError {
    App(AppError),
    Config(ConfigError),
    Io(String),
}

impl CliError {
    pub fn message(&self) -> String {
        match self {
            CliError::App(e) => match e {
                AppError::Invalid { field, reason } => format!("invalid {field}: {reason}"),
                other => other.to_string(),
            },
            CliError::Config(e) => e.to_string(),
            CliError::Io(m) => m.clone(),
        }
    }

    /// 1 general, 2 bad input (as clap), 3 not found, 4 conflict, 69 unavailable, 70 internal.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::App(AppError::Invalid { .. }) | CliError::Config(_) => 2,
            CliError::App(AppError::NotFound(_)) => 3,
            CliError::App(AppError::Conflict(_)) => 4,
            CliError::App(AppError::Unauthorized(_) | AppError::Forbidden(_)) => 5,
            CliError::App(AppError::Unavailable(_)) => 69,
            CliError::App(AppError::Internal(_)) => 70,
            CliError::Io(_) => 1,
        }
    }
}

impl From<AppError> for CliError {
    fn from(e: AppError) -> Self {
        CliError::App(e)
    }
}

impl From<ConfigError> for CliError {
    fn from(e: ConfigError) -> Self {
        CliError::Config(e)
    }
}

pub type CliResult = Result<ExitCode, CliError>;

pub struct Context {
    pub config: Config,
}

impl Context {
    pub async fn open(&self) -> Result<App, CliError> {
        let app_config = self.config.app_config()?;
        if app_config.database_url.starts_with("sqlite:")
            || app_config.blobs_url.starts_with("file:")
        {
            self.config.prepare_data_dir()?;
        }
        Ok(App::open(app_config).await?)
    }

    /// [`Context::open`] for the commands that screen (serve, capture, import, demo,
    /// `screen --all`): with every organisation's own rules from `[screening] rules_dir`,
    /// compiled now, so that a bad rule file stops the command naming the file and line.
    pub async fn open_screening(&self) -> Result<App, CliError> {
        let screeners = match &self.config.screening.rules_dir {
            Some(dir) => insyn_app::screening::org_screeners_from_dir(dir)?,
            None => Default::default(),
        };
        let app = self.open().await?.with_org_screeners(screeners);
        let slugs = app.org_rule_slugs();
        if !slugs.is_empty() {
            let known: Vec<String> = app
                .organisations()
                .await?
                .into_iter()
                .map(|o| o.slug)
                .collect();
            for s in slugs.iter().filter(|s| !known.contains(s)) {
                tracing::warn!(folder = %s, "screening rules for an organisation that does not exist (yet)");
            }
            tracing::info!(organisations = ?slugs, "organisations' own screening rules loaded");
        }
        Ok(app)
    }
}

pub async fn run(cli: Cli) -> CliResult {
    let config = Config::load(cli.config.as_deref(), cli.data_dir.as_deref())?;
    let cx = Context { config };
    match cli.command {
        Command::Serve(a) => serve::run(&cx, a).await,
        Command::Demo(a) => demo::run(&cx, a).await,
        Command::Capture(a) => capture::run(&cx, a).await,
        Command::Import(a) => import::run(&cx, a).await,
        Command::Search(a) => search::run(&cx, a).await,
        Command::Verify(a) => verify::run(&cx, a).await,
        Command::AccessLog(a) => access::run(&cx, a).await,
        Command::Screen(a) => screen::run(&cx, a).await,
        Command::Reindex => {
            let app = cx.open().await?;
            let n = app.reindex(&crate::progress::Bar::new()).await?;
            println!("Sökindexet är ombyggt: {n} handlingar.");
            Ok(ExitCode::SUCCESS)
        }
        Command::Export(a) => export::run(&cx, a).await,
        Command::VerifyPackage(a) => export::verify_package(a).await,
        Command::Dispose(a) => dispose::run(&cx, a).await,
        Command::Disposal(c) => dispose::disposal(&cx, c).await,
        Command::Hold(c) => dispose::hold(&cx, c).await,
        Command::Deliveries(c) => export::deliveries(&cx, c).await,
        Command::Backup(a) => backup::backup(&cx, a).await,
        Command::Restore(a) => backup::restore(&cx, a).await,
        Command::Org(c) => org::run(&cx, c).await,
        Command::Token(c) => org::token(&cx, c).await,
        Command::Account(c) => account::run(&cx, c).await,
        Command::User(c) => user::run(&cx, c).await,
        Command::Diary(c) => diary::run(&cx, c).await,
        Command::Calendar(c) => calendar::run(&cx, c).await,
        Command::Config(ConfigCommand::Example) => {
            print!("{}", crate::config::EXAMPLE);
            Ok(ExitCode::SUCCESS)
        }
        Command::Config(ConfigCommand::Show) => {
            println!("{:#?}", cx.config);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Prints JSON to standard output.
pub fn print_json<T: serde::Serialize>(value: &T) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| CliError::Io(e.to_string()))?;
    println!("{text}");
    Ok(())
}
