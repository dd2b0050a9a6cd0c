//! `insyn diary`: the diary's registers (diarieserier), the number format and the registrar's
//! address (issue 5; docs/DIARY.md).
use super::{CliResult, Context, print_json};
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum DiaryCommand {
    /// Registers (diarieserier): list, add or close.
    #[command(subcommand)]
    Registers(RegistersCommand),
    /// The case number format: show it (with the next number) or set it.
    #[command(subcommand)]
    Format(FormatCommand),
    /// The registrar's e-mail address, told when secret information is registered.
    #[command(subcommand)]
    Registrar(RegistrarCommand),
}

#[derive(clap::Subcommand)]
pub enum RegistersCommand {
    /// Every register, the default (the organisation's diary prefix) first, closed ones too.
    List {
        #[arg(long, short)]
        org: String,
        #[arg(long)]
        json: bool,
    },
    /// Add a register: a code of 1-10 letters (stored in capitals) and a name.
    Add {
        #[arg(long, short)]
        org: String,
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
    },
    /// Close a register: it takes no new cases; its cases keep their numbers.
    Close {
        #[arg(long, short)]
        org: String,
        #[arg(long)]
        code: String,
    },
}

#[derive(clap::Subcommand)]
pub enum FormatCommand {
    /// The format and the number the next new case of the default register would get.
    Show {
        #[arg(long, short)]
        org: String,
    },
    /// Set the format, e.g. "{register} {year}/{seq:04}" (must hold {register}, {year} and {seq}).
    Set {
        #[arg(long, short)]
        org: String,
        format: String,
    },
}

#[derive(clap::Subcommand)]
pub enum RegistrarCommand {
    Show {
        #[arg(long, short)]
        org: String,
    },
    /// Set the address; `--clear` removes it (the account's unit's address is used then).
    Set {
        #[arg(long, short)]
        org: String,
        #[arg(required_unless_present = "clear")]
        email: Option<String>,
        #[arg(long, conflicts_with = "email")]
        clear: bool,
    },
}

const ACTOR: &str = "cli";

pub async fn run(cx: &Context, c: DiaryCommand) -> CliResult {
    let app = cx.open().await?;
    match c {
        DiaryCommand::Registers(RegistersCommand::List { org, json }) => {
            let o = app.organisation(&org).await?;
            let registers = app.diary_registers(o.id).await?;
            if json {
                print_json(&registers)?;
                return Ok(ExitCode::SUCCESS);
            }
            for r in registers {
                let status = match (r.default, &r.closed_at) {
                    (true, _) => "huvudserie".to_string(),
                    (false, Some(at)) => format!("avslutad {}", at.format("%Y-%m-%d")),
                    (false, None) => "öppen".to_string(),
                };
                println!("{:<10} {:<40} {status}", r.code, r.name);
            }
        }
        DiaryCommand::Registers(RegistersCommand::Add { org, code, name }) => {
            let o = app.organisation(&org).await?;
            let r = app.add_diary_register(o.id, &code, &name, ACTOR).await?;
            println!("Diarieserien {} ({}) är tillagd.", r.code, r.name);
        }
        DiaryCommand::Registers(RegistersCommand::Close { org, code }) => {
            let o = app.organisation(&org).await?;
            let r = app.close_diary_register(o.id, &code, ACTOR).await?;
            println!("Diarieserien {} är avslutad.", r.code);
        }
        DiaryCommand::Format(FormatCommand::Show { org }) => {
            let o = app.organisation(&org).await?;
            let s = app.diary_settings(o.id).await?;
            println!("format: {}", s.format.template());
            println!(
                "nästa nummer: {}",
                app.preview_next_number(o.id, None).await?
            );
        }
        DiaryCommand::Format(FormatCommand::Set { org, format }) => {
            let o = app.organisation(&org).await?;
            app.set_diary_format(o.id, &format, ACTOR).await?;
            println!(
                "Formatet är {}; nästa nummer: {}",
                format.trim(),
                app.preview_next_number(o.id, None).await?
            );
        }
        DiaryCommand::Registrar(RegistrarCommand::Show { org }) => {
            let o = app.organisation(&org).await?;
            match app.registrar_email(o.id).await? {
                Some(e) => println!("{e}"),
                None => println!("(ingen: kontots enhets adress används)"),
            }
        }
        DiaryCommand::Registrar(RegistrarCommand::Set { org, email, clear }) => {
            let o = app.organisation(&org).await?;
            let email = if clear { None } else { email };
            app.set_registrar_email(o.id, email.as_deref(), ACTOR)
                .await?;
            println!("Sparat.");
        }
    }
    Ok(ExitCode::SUCCESS)
}
