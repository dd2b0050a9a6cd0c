//! `insyn user`: staff users. The password is read from standard input or a file, never from the
//! command line (where other users of the machine and the shell history would see it).
use super::{CliError, CliResult, Context, print_json};
use insyn_domain::{AccountAccess, AccountGrant, AccountId, NewUser, Role};
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum UserCommand {
    /// Add a staff user. The password is read from standard input (one line) unless
    /// --password-file or --no-password is given.
    Add {
        #[arg(long)]
        org: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Function/title used in answer signatures, e.g. "kommunikatör".
        #[arg(long)]
        function: String,
        /// A role (repeatable): communicator, editor, registrar, archivist,
        /// data_protection_officer, crisis_group, administrator (or the Swedish names).
        #[arg(long = "role")]
        roles: Vec<String>,
        /// An account the user may answer on (repeatable); `ID:read` for read only.
        #[arg(long = "account")]
        accounts: Vec<String>,
        /// Read the password from this file (first line).
        #[arg(long, conflicts_with = "no_password")]
        password_file: Option<PathBuf>,
        /// No password: the user signs in only through the organisation's identity provider.
        #[arg(long)]
        no_password: bool,
    },
    /// List the organisation's users.
    List {
        #[arg(long)]
        org: String,
        #[arg(long)]
        json: bool,
    },
}

fn parse_account(text: &str) -> Result<AccountGrant, CliError> {
    let (id, access) = match text.split_once(':') {
        Some((id, a)) => (
            id,
            AccountAccess::parse(a).map_err(insyn_app::AppError::from)?,
        ),
        None => (text, AccountAccess::Answer),
    };
    let id = id.trim().parse::<i64>().map_err(|_| {
        CliError::App(insyn_app::AppError::invalid(
            "account",
            format!("'{text}' is not an account id (see `insyn account list`)"),
        ))
    })?;
    Ok(AccountGrant {
        account_id: AccountId(id),
        access,
    })
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or("").to_string()
}

pub async fn run(cx: &Context, c: UserCommand) -> CliResult {
    match c {
        UserCommand::Add {
            org,
            email,
            name,
            function,
            roles,
            accounts,
            password_file,
            no_password,
        } => {
            let roles = roles
                .iter()
                .map(|r| Role::parse(r))
                .collect::<Result<Vec<_>, _>>()
                .map_err(insyn_app::AppError::from)?;
            let accounts = accounts
                .iter()
                .map(|a| parse_account(a))
                .collect::<Result<Vec<_>, _>>()?;
            let password = if no_password {
                None
            } else if let Some(path) = password_file {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| CliError::Io(format!("cannot read {}: {e}", path.display())))?;
                Some(first_line(&text))
            } else {
                let mut text = String::new();
                std::io::stdin().read_to_string(&mut text).map_err(|e| {
                    CliError::Io(format!("cannot read the password from standard input: {e}"))
                })?;
                Some(first_line(&text))
            };
            let app = cx.open().await?;
            let o = app.organisation(&org).await?;
            let new = NewUser {
                email,
                name,
                function,
                roles,
                accounts,
            };
            let u = app
                .create_user(o.id, &new, password.as_deref(), "cli")
                .await?;
            println!(
                "Användaren {} ({}) är tillagd i {} med id {}.",
                u.name, u.email, o.slug, u.id
            );
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::List { org, json } => {
            let app = cx.open().await?;
            let o = app.organisation(&org).await?;
            let users = app.users(o.id).await?;
            if json {
                print_json(&users)?;
            } else {
                for u in users {
                    let roles: Vec<&str> = u.roles.iter().map(|r| r.as_str()).collect();
                    let accounts: Vec<String> = u
                        .accounts
                        .iter()
                        .map(|g| format!("{}:{}", g.account_id, g.access.as_str()))
                        .collect();
                    println!(
                        "{:<5} {:<30} {:<25} {:<9} roles={} accounts={}",
                        u.id,
                        u.email,
                        u.name,
                        u.status.as_str(),
                        roles.join(","),
                        accounts.join(",")
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
