use super::{CliResult, Context, print_json};
use insyn_domain::{NewOrganisation, NewUnit};
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum OrgCommand {
    /// List organisations.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Create an organisation.
    Create {
        /// Short name, e.g. "ekbacka".
        slug: String,
        /// Full name, e.g. "Ekbacka kommun".
        name: String,
        /// Diary prefix.
        #[arg(long, default_value = "KS")]
        diary_prefix: String,
    },
    /// Add a unit (verksamhet).
    AddUnit {
        org: String,
        name: String,
        #[arg(long)]
        email: Option<String>,
    },
}

#[derive(clap::Subcommand)]
pub enum TokenCommand {
    /// Create an API token for an organisation (printed once).
    Create {
        #[arg(long, short)]
        org: String,
        #[arg(long, default_value = "api")]
        name: String,
    },
}

pub async fn run(cx: &Context, c: OrgCommand) -> CliResult {
    let app = cx.open().await?;
    match c {
        OrgCommand::List { json } => {
            let orgs = app.organisations().await?;
            if json {
                print_json(&orgs)?;
            } else {
                for o in orgs {
                    println!("{:<20} {}", o.slug, o.name);
                }
            }
        }
        OrgCommand::Create {
            slug,
            name,
            diary_prefix,
        } => {
            let o = app
                .create_organisation(
                    &NewOrganisation {
                        slug,
                        name,
                        diary_prefix,
                    },
                    "cli",
                )
                .await?;
            println!("Organisationen {} ({}) är skapad.", o.name, o.slug);
        }
        OrgCommand::AddUnit { org, name, email } => {
            let o = app.organisation(&org).await?;
            let u = app
                .create_unit(o.id, &NewUnit { name, email }, "cli")
                .await?;
            println!("Verksamheten {} (id {}) är skapad.", u.name, u.id);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn token(cx: &Context, c: TokenCommand) -> CliResult {
    let app = cx.open().await?;
    match c {
        TokenCommand::Create { org, name } => {
            let o = app.organisation(&org).await?;
            let t = app.create_api_token(o.id, &name, "cli").await?;
            println!("{t}");
            eprintln!("API-nyckeln visas bara nu; spara den.");
        }
    }
    Ok(ExitCode::SUCCESS)
}
