use super::{CliError, CliResult, Context, print_json};
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
    /// The release policy for the public portal: show, change or apply it.
    #[command(subcommand)]
    ReleasePolicy(ReleasePolicyCommand),
}

#[derive(clap::Subcommand)]
pub enum ReleasePolicyCommand {
    /// Print the organisation's release policy.
    Show {
        org: String,
        #[arg(long)]
        json: bool,
    },
    /// Change the release policy (only the options given change).
    Set {
        org: String,
        /// Release the authority's own posts and answers automatically.
        #[arg(long)]
        auto_created: Option<bool>,
        /// Release received records automatically once screened without findings.
        #[arg(long)]
        auto_received_clean: Option<bool>,
        /// How private persons' names are shown: name, initials or hidden.
        #[arg(long)]
        private_authors: Option<String>,
        /// How the authority's own account names are shown: name, initials or hidden.
        #[arg(long)]
        own_authors: Option<String>,
    },
    /// Release now what the policy releases on its own (`insyn serve` does this every minute).
    Apply { org: String },
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
        OrgCommand::ReleasePolicy(c) => release_policy(&app, c).await?,
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

async fn release_policy(app: &insyn_app::App, c: ReleasePolicyCommand) -> Result<(), CliError> {
    use insyn_domain::AuthorDisplay;
    let show = |p: &insyn_domain::ReleasePolicy| {
        let yes = |b: bool| if b { "ja" } else { "nej" };
        println!(
            "egna inlägg och svar lämnas ut automatiskt:          {}",
            yes(p.auto_release_created)
        );
        println!(
            "inkomna utan fynd lämnas ut automatiskt:             {}",
            yes(p.auto_release_received_clean)
        );
        println!(
            "privatpersoners namn (private authors):              {}",
            p.private_authors.as_str()
        );
        println!(
            "myndighetens kontonamn (own authors):                {}",
            p.own_authors.as_str()
        );
    };
    match c {
        ReleasePolicyCommand::Show { org, json } => {
            let o = app.organisation(&org).await?;
            let p = app.release_policy(o.id).await?;
            if json {
                print_json(&p)?;
            } else {
                show(&p);
            }
        }
        ReleasePolicyCommand::Set {
            org,
            auto_created,
            auto_received_clean,
            private_authors,
            own_authors,
        } => {
            let o = app.organisation(&org).await?;
            let mut p = app.release_policy(o.id).await?;
            if let Some(b) = auto_created {
                p.auto_release_created = b;
            }
            if let Some(b) = auto_received_clean {
                p.auto_release_received_clean = b;
            }
            if let Some(v) = private_authors {
                p.private_authors = v
                    .parse::<AuthorDisplay>()
                    .map_err(insyn_app::AppError::from)?;
            }
            if let Some(v) = own_authors {
                p.own_authors = v
                    .parse::<AuthorDisplay>()
                    .map_err(insyn_app::AppError::from)?;
            }
            app.set_release_policy(o.id, &p, "cli").await?;
            println!("Publiceringsreglerna för {} är sparade:", o.name);
            show(&p);
        }
        ReleasePolicyCommand::Apply { org } => {
            let o = app.organisation(&org).await?;
            let sweep = app.apply_release_policy(o.id).await?;
            println!(
                "{} handlingar granskade, {} utlämnade på portalen.",
                sweep.examined, sweep.released
            );
            for (why, n) in &sweep.held {
                println!("  väntar ({why}): {n}");
            }
        }
    }
    Ok(())
}
