use super::{CliError, CliResult, Context, print_json};
use insyn_domain::{AccountId, AccountStatus, NewAccount, OfficeHours, Platform};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum AccountCommand {
    /// List an organisation's accounts with their connection health.
    List {
        #[arg(long, short)]
        org: String,
        #[arg(long)]
        json: bool,
    },
    /// Register an account (R1.1): platform, handle, unit, purpose, target group, contact and at
    /// least two responsible people. It starts as planned; `--activate` opens it at once.
    Add(AddArgs),
    /// Connect an account to its platform with an access token (read from a file or standard
    /// input, never from the command line). The token is checked with the platform and kept
    /// encrypted; capture starts at the next scheduler round (`insyn serve`) or with
    /// `insyn capture`.
    Connect {
        #[arg(long, short)]
        org: String,
        /// The account's id (see `insyn account list`).
        #[arg(long)]
        account: i64,
        /// The platform's API base URL (for Mastodon: the instance, e.g. https://social.ekbacka.se).
        #[arg(long)]
        base_url: String,
        /// A file holding the access token; `-` reads it from standard input.
        #[arg(long)]
        token_file: PathBuf,
    },
    /// Automatic hiding (issue 4 item 4): show the account's categories, or set them with
    /// `--category` (repeat it; none with `--off`). When screening finds something in one of
    /// them, the evidence copy is stored, then the item is hidden through the platform.
    AutoHide {
        #[arg(long, short)]
        org: String,
        #[arg(long)]
        account: i64,
        /// A category to hide automatically: threat, hate, offensive_person, personnummer,
        /// sensitive, secret, unlawful_link, payment or phone.
        #[arg(long = "category")]
        categories: Vec<String>,
        /// Turn automatic hiding off for the account.
        #[arg(long, conflicts_with = "categories")]
        off: bool,
    },
    /// Alerts about failing accounts, newest first.
    Alerts {
        #[arg(long, short)]
        org: String,
        #[arg(long)]
        account: Option<i64>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(clap::Args)]
pub struct AddArgs {
    #[arg(long, short)]
    org: String,
    /// facebook, instagram, x, youtube, linkedin, mastodon, bluesky or feed.
    #[arg(long)]
    platform: Platform,
    /// The account's name on the platform.
    #[arg(long)]
    handle: String,
    /// The account's public address.
    #[arg(long)]
    url: String,
    /// The unit (verksamhet) that owns the account, by name.
    #[arg(long)]
    unit: String,
    #[arg(long)]
    purpose: String,
    #[arg(long)]
    target_group: String,
    /// Where the public can reach the unit (e-mail or phone).
    #[arg(long)]
    contact: String,
    /// A responsible person ("Namn, funktion"); give at least two.
    #[arg(long = "responsible", required = true)]
    responsible: Vec<String>,
    /// Promised response time in working hours.
    #[arg(long, default_value_t = 8)]
    response_hours: u32,
    /// Open the account at once (status active).
    #[arg(long)]
    activate: bool,
    #[arg(long)]
    json: bool,
}

pub async fn run(cx: &Context, c: AccountCommand) -> CliResult {
    let app = cx.open().await?;
    match c {
        AccountCommand::List { org, json } => {
            let o = app.organisation(&org).await?;
            let accounts = app.account_health(o.id).await?;
            if json {
                print_json(&accounts)?;
                return Ok(ExitCode::SUCCESS);
            }
            for h in accounts {
                let a = &h.account;
                println!(
                    "{:>4}  {:<10} {:<32} {:<9} {} (svar inom {} arbetstimmar)",
                    a.id,
                    a.platform.display_name(),
                    a.handle,
                    a.status.swedish(),
                    a.office_hours.swedish(),
                    a.response_hours
                );
                match &h.connection {
                    None => println!("      insamling: inte ansluten"),
                    Some(c) => {
                        let t = |t: Option<chrono::DateTime<chrono::Utc>>| {
                            t.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                                .unwrap_or_else(|| "–".into())
                        };
                        println!(
                            "      insamling: {} · senast lyckad {} · nästa försök {}",
                            c.state.swedish(),
                            t(c.health.last_success_at),
                            if c.health.needs_reconnect {
                                "när kontot anslutits på nytt".to_string()
                            } else {
                                t(c.health.next_attempt_at)
                            }
                        );
                        if let Some(err) = &c.health.last_error {
                            println!("      senaste fel ({}): {err}", t(c.health.last_error_at));
                        }
                    }
                }
            }
        }
        AccountCommand::Add(a) => {
            let o = app.organisation(&a.org).await?;
            let unit = app
                .units(o.id)
                .await?
                .into_iter()
                .find(|u| u.name.eq_ignore_ascii_case(&a.unit))
                .ok_or_else(|| {
                    CliError::App(insyn_app::AppError::NotFound(format!(
                        "unit '{}' in {} (see `insyn org list`)",
                        a.unit, a.org
                    )))
                })?;
            let new = NewAccount {
                unit_id: unit.id,
                platform: a.platform,
                handle: a.handle,
                url: a.url,
                platform_id: String::new(),
                purpose: a.purpose,
                target_group: a.target_group,
                message: String::new(),
                contact: a.contact,
                responsible: a.responsible,
                office_hours: OfficeHours::default(),
                response_hours: a.response_hours,
            };
            let mut account = app.create_account(o.id, &new, "cli").await?;
            if a.activate {
                account = app
                    .set_account_status(o.id, account.id, AccountStatus::Active, "cli")
                    .await?;
            }
            if a.json {
                print_json(&account)?;
            } else {
                println!(
                    "Kontot {} ({}) är registrerat med id {} och status {}.",
                    account.handle,
                    account.platform.display_name(),
                    account.id,
                    account.status.swedish()
                );
            }
        }
        AccountCommand::Connect {
            org,
            account,
            base_url,
            token_file,
        } => {
            let token = read_token(&token_file)?;
            let o = app.organisation(&org).await?;
            let acc = app
                .connect_account(o.id, AccountId(account), &base_url, &token, "cli")
                .await?;
            println!(
                "Kontot {} är anslutet; token är kontrollerad och sparad krypterad. Insamlingen börjar vid nästa körning.",
                acc.handle
            );
        }
        AccountCommand::AutoHide {
            org,
            account,
            categories,
            off,
        } => {
            let o = app.organisation(&org).await?;
            let id = AccountId(account);
            let now = if off || !categories.is_empty() {
                app.set_auto_hide_as(o.id, id, &categories, "cli").await?
            } else {
                app.account(o.id, id).await?;
                app.auto_hide_settings(o.id, id).await?
            };
            if now.is_empty() {
                println!("Automatisk döljning är avstängd för konto {account}.");
            } else {
                println!(
                    "Automatisk döljning för konto {account}: {}",
                    now.join(", ")
                );
            }
        }
        AccountCommand::Alerts { org, account, json } => {
            let o = app.organisation(&org).await?;
            let alerts = app
                .capture_alerts(o.id, account.map(AccountId), 100)
                .await?;
            if json {
                print_json(&alerts)?;
            } else if alerts.is_empty() {
                println!("Inga larm.");
            } else {
                for a in alerts {
                    println!(
                        "{}  konto {}  till {}: {}",
                        a.raised_at.format("%Y-%m-%d %H:%M UTC"),
                        a.account_id,
                        a.level.swedish(),
                        a.message
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads a token from a file, or standard input for `-`.
pub fn read_token(path: &Path) -> Result<String, CliError> {
    if path.as_os_str() == "-" {
        let mut t = String::new();
        std::io::stdin()
            .read_to_string(&mut t)
            .map_err(|e| CliError::Io(format!("cannot read the token: {e}")))?;
        return Ok(t);
    }
    std::fs::read_to_string(path).map_err(|e| {
        CliError::Io(format!(
            "cannot read the token file {}: {e}",
            path.display()
        ))
    })
}
