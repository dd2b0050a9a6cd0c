//! `insyn dispose --dry-run | --execute` (gallring, R9), `insyn disposal …` (rules bound to a
//! decision, crisis periods, overrides, the protocol) and `insyn hold …` (legal holds).
use super::{CliError, CliResult, Context, print_json};
use chrono::{DateTime, NaiveDate, Utc};
use insyn_app::{AppError, DisposalReport};
use insyn_domain::{
    AccountId, DisposalDecision, HoldScope, LegalHold, NewDisposalRule, RecordClass, RecordId,
};
use std::process::ExitCode;

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("mode").required(true).args(["dry_run", "execute"])))]
pub struct Args {
    /// The organisation (its short name, see `insyn org list`).
    #[arg(long)]
    org: String,
    /// Report what would be disposed of and what is kept and why; change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Dispose of the due records: remove their content and blobs, keep a protocol entry each.
    #[arg(long)]
    execute: bool,
    /// Judge as of this day (YYYY-MM-DD) instead of now; only for --dry-run.
    #[arg(long, requires = "dry_run")]
    at: Option<String>,
    /// Who decided to run the disposal (kept in every protocol entry); default cli:$USER.
    #[arg(long)]
    by: Option<String>,
    /// JSON output.
    #[arg(long)]
    json: bool,
}

fn actor(by: Option<String>) -> String {
    by.unwrap_or_else(|| {
        format!(
            "cli:{}",
            std::env::var("USER").unwrap_or_else(|_| "okänd".into())
        )
    })
}

fn date(field: &'static str, s: &str) -> Result<NaiveDate, CliError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        CliError::App(AppError::invalid(
            field,
            format!("'{s}' is not a date like 2026-01-31"),
        ))
    })
}

fn start_of(field: &'static str, s: &str) -> Result<DateTime<Utc>, CliError> {
    Ok(date(field, s)?
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc())
}

pub async fn run(cx: &Context, a: Args) -> CliResult {
    let now = match &a.at {
        Some(d) => start_of("at", d)?,
        None => Utc::now(),
    };
    let app = cx.open().await?;
    let org = app.organisation(&a.org).await?;
    let by = actor(a.by);
    let report = app
        .dispose(org.id, now, a.execute, &by, &crate::progress::Bar::new())
        .await?;
    if a.json {
        print_json(&report)?;
    } else {
        print_report(&report);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_report(r: &DisposalReport) {
    let title = if r.executed {
        "Gallring utförd"
    } else {
        "Provkörning av gallring (inget ändras)"
    };
    println!(
        "{title} per {}: {} handlingar prövade.",
        r.at.format("%Y-%m-%d"),
        r.examined
    );
    if r.due.is_empty() {
        println!("Inga handlingar ska gallras.");
    }
    for g in &r.due {
        let d = &g.rule.rule.decision;
        let verb = if r.executed { "gallrade" } else { "gallras" };
        println!(
            "  {} {verb} enligt regel {} ({}, {} mån., {}) – beslut {} {} av {}",
            g.records,
            g.rule.id,
            g.rule.rule.class.swedish(),
            g.rule.rule.retention_months,
            g.rule
                .rule
                .account
                .map_or("alla konton".to_string(), |a| format!("konto {a}")),
            d.reference,
            d.decided_on,
            d.body
        );
        let ids: Vec<String> = g.record_ids.iter().map(|i| i.to_string()).collect();
        let more = if g.records as usize > ids.len() {
            " …"
        } else {
            ""
        };
        println!("     handlingar: {}{more}", ids.join(", "));
    }
    for k in &r.kept {
        print!("  {} sparas: {}", k.records, k.swedish);
        if !k.per_hold.is_empty() {
            let holds: Vec<String> = k
                .per_hold
                .iter()
                .map(|(h, n)| format!("spärr {h}: {n}"))
                .collect();
            print!(" ({})", holds.join(", "));
        }
        if let Some(d) = k.soonest_due {
            print!(" (tidigast {})", d.format("%Y-%m-%d"));
        }
        println!();
    }
    if r.executed {
        println!(
            "Gallringsprotokoll: {} poster. Filer borttagna: {}; delade filer som finns kvar: {}.",
            r.disposed, r.blobs_removed, r.blobs_kept_shared
        );
    }
}

#[derive(clap::Subcommand)]
pub enum DisposalCommand {
    /// Disposal rules, each bound to a disposal decision (gallringsbeslut).
    #[command(subcommand)]
    Rule(RuleCommand),
    /// Crisis periods: their records are kept from disposal unless overridden (R9.3).
    #[command(subcommand)]
    Crisis(CrisisCommand),
    /// Decide that R9.3's protection (crisis period, closed account's last capture) does not
    /// apply to one record.
    Override {
        #[arg(long)]
        org: String,
        #[arg(long)]
        record: i64,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        by: Option<String>,
    },
    /// The disposal protocol (gallringsprotokoll).
    Protocol {
        #[arg(long)]
        org: String,
        /// Entries after this protocol id.
        #[arg(long, default_value_t = 0)]
        after: i64,
        #[arg(long, default_value_t = 1000)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
}

#[derive(clap::Subcommand)]
pub enum RuleCommand {
    Add {
        #[arg(long)]
        org: String,
        /// The decision's reference (diarienummer), e.g. "KS 2026/123".
        #[arg(long)]
        decision: String,
        /// The decision's date (YYYY-MM-DD).
        #[arg(long)]
        decided_on: String,
        /// The body that decided, e.g. Kommunstyrelsen.
        #[arg(long)]
        body: String,
        /// received_comments, messages, own_posts or all.
        #[arg(long)]
        class: String,
        /// Only this account (default: every account).
        #[arg(long)]
        account: Option<i64>,
        /// Months after the record became available.
        #[arg(long)]
        retention_months: u32,
        /// Dispose even if the record is not in a delivered archive package.
        #[arg(long)]
        without_archiving: bool,
        #[arg(long)]
        by: Option<String>,
    },
    List {
        #[arg(long)]
        org: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(clap::Subcommand)]
pub enum CrisisCommand {
    Add {
        #[arg(long)]
        org: String,
        /// First day (YYYY-MM-DD, UTC), inclusive.
        #[arg(long)]
        from: String,
        /// Last day (YYYY-MM-DD, UTC), inclusive.
        #[arg(long)]
        to: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        by: Option<String>,
    },
    List {
        #[arg(long)]
        org: String,
        #[arg(long)]
        json: bool,
    },
}

pub async fn disposal(cx: &Context, c: DisposalCommand) -> CliResult {
    let app = cx.open().await?;
    match c {
        DisposalCommand::Rule(RuleCommand::Add {
            org,
            decision,
            decided_on,
            body,
            class,
            account,
            retention_months,
            without_archiving,
            by,
        }) => {
            let o = app.organisation(&org).await?;
            let class: RecordClass = class.parse().map_err(AppError::from)?;
            let rule = NewDisposalRule {
                decision: DisposalDecision {
                    reference: decision,
                    decided_on: date("decided_on", &decided_on)?,
                    body,
                },
                class,
                account: account.map(AccountId),
                retention_months,
                only_after_archived: !without_archiving,
            };
            let r = app.add_disposal_rule(o.id, &rule, &actor(by)).await?;
            println!(
                "Gallringsregel {} är tillagd: {} efter {} månader ({}).",
                r.id,
                r.rule.class.swedish(),
                r.rule.retention_months,
                r.rule.decision.reference
            );
        }
        DisposalCommand::Rule(RuleCommand::List { org, json }) => {
            let o = app.organisation(&org).await?;
            let rules = app.disposal_rules(o.id).await?;
            if json {
                print_json(&rules)?;
            } else {
                for r in &rules {
                    let d = &r.rule.decision;
                    println!(
                        "{}\t{}\t{} mån.\t{}\t{}\t{} {} ({})",
                        r.id,
                        r.rule.class.as_str(),
                        r.rule.retention_months,
                        r.rule
                            .account
                            .map_or("alla konton".to_string(), |a| format!("konto {a}")),
                        if r.rule.only_after_archived {
                            "efter arkivering"
                        } else {
                            "utan arkivering"
                        },
                        d.reference,
                        d.decided_on,
                        d.body
                    );
                }
            }
        }
        DisposalCommand::Crisis(CrisisCommand::Add {
            org,
            from,
            to,
            reason,
            by,
        }) => {
            let o = app.organisation(&org).await?;
            let from = start_of("from", &from)?;
            let to = start_of("to", &to)? + chrono::Duration::days(1);
            let p = app
                .mark_crisis_period(o.id, from, to, &reason, &actor(by))
                .await?;
            println!(
                "Krisperiod {} är markerad: {} – {}.",
                p.id,
                p.from.format("%Y-%m-%d"),
                (p.to - chrono::Duration::days(1)).format("%Y-%m-%d")
            );
        }
        DisposalCommand::Crisis(CrisisCommand::List { org, json }) => {
            let o = app.organisation(&org).await?;
            let ps = app.crisis_periods(o.id).await?;
            if json {
                print_json(&ps)?;
            } else {
                for p in &ps {
                    println!(
                        "{}\t{}\t{}\t{}",
                        p.id,
                        p.from.to_rfc3339(),
                        p.to.to_rfc3339(),
                        p.reason
                    );
                }
            }
        }
        DisposalCommand::Override {
            org,
            record,
            reason,
            by,
        } => {
            let o = app.organisation(&org).await?;
            app.override_disposal_protection(o.id, RecordId(record), &reason, &actor(by))
                .await?;
            println!("Handling {record} skyddas inte längre av krisperiod eller avslutat konto.");
        }
        DisposalCommand::Protocol {
            org,
            after,
            limit,
            json,
        } => {
            let o = app.organisation(&org).await?;
            let entries = app.disposal_protocol(o.id, after, limit).await?;
            if json {
                print_json(&entries)?;
            } else {
                for e in &entries {
                    println!(
                        "{}\thandling {}\tkonto {}\t{}\tregel {} ({} {})\t{}\t{}\t{} versioner, {} filer borttagna",
                        e.id,
                        e.record_id,
                        e.account_id,
                        e.available_at.to_rfc3339(),
                        e.rule_id,
                        e.decision.reference,
                        e.decision.decided_on,
                        e.disposed_at.to_rfc3339(),
                        e.disposed_by,
                        e.versions.len(),
                        e.blobs_removed.len()
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Subcommand)]
pub enum HoldCommand {
    /// Keep a record, a thread or an account from disposal (legal hold).
    Set {
        #[arg(long)]
        org: String,
        /// One record.
        #[arg(long, conflicts_with_all = ["thread"])]
        record: Option<i64>,
        /// A thread (the platform id of its first post); needs --account.
        #[arg(long, requires = "account")]
        thread: Option<String>,
        /// An account (alone: the whole account).
        #[arg(long)]
        account: Option<i64>,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        by: Option<String>,
    },
    /// Lift a hold (it stays listed with who lifted it and why).
    Lift {
        #[arg(long)]
        org: String,
        id: i64,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        by: Option<String>,
    },
    List {
        #[arg(long)]
        org: String,
        /// Lifted holds too.
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
}

fn describe(h: &LegalHold) -> String {
    let lifted = match (&h.lifted_at, &h.lift_reason) {
        (Some(at), reason) => format!(
            "\thävd {} av {}: {}",
            at.format("%Y-%m-%d"),
            h.lifted_by.as_deref().unwrap_or("?"),
            reason.as_deref().unwrap_or("")
        ),
        _ => String::new(),
    };
    format!(
        "{}\t{}\t{}\t{} av {}{lifted}",
        h.id,
        h.scope.describe(),
        h.reason,
        h.set_at.format("%Y-%m-%d"),
        h.set_by
    )
}

pub async fn hold(cx: &Context, c: HoldCommand) -> CliResult {
    let app = cx.open().await?;
    match c {
        HoldCommand::Set {
            org,
            record,
            thread,
            account,
            reason,
            by,
        } => {
            let scope = match (record, thread, account) {
                (Some(r), None, None) => HoldScope::Record {
                    record: RecordId(r),
                },
                (None, Some(t), Some(a)) => HoldScope::Thread {
                    account: AccountId(a),
                    thread: t,
                },
                (None, None, Some(a)) => HoldScope::Account {
                    account: AccountId(a),
                },
                _ => {
                    return Err(CliError::App(AppError::invalid(
                        "scope",
                        "ange --record, --thread med --account, eller bara --account / give --record, --thread with --account, or --account alone",
                    )));
                }
            };
            let o = app.organisation(&org).await?;
            let h = app
                .set_legal_hold(o.id, &scope, &reason, &actor(by))
                .await?;
            println!("Spärr {} är satt på {}.", h.id, h.scope.describe());
        }
        HoldCommand::Lift {
            org,
            id,
            reason,
            by,
        } => {
            let o = app.organisation(&org).await?;
            let h = app.lift_legal_hold(o.id, id, &reason, &actor(by)).await?;
            println!("Spärr {} på {} är hävd.", h.id, h.scope.describe());
        }
        HoldCommand::List { org, all, json } => {
            let o = app.organisation(&org).await?;
            let holds = app.legal_holds(o.id, all).await?;
            if json {
                print_json(&holds)?;
            } else {
                for h in &holds {
                    println!("{}", describe(h));
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
