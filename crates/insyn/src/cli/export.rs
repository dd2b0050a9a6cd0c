//! `insyn export`: an archive package (E-ARK CSIP/SIP 2.1.0 = FGS Paketstruktur 2.0) of an
//! organisation's records for a period and/or an account, checked before it counts as delivered;
//! and `insyn verify-package`: re-reads a package and names the first file that does not match.
use super::{CliError, CliResult, Context, print_json};
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use insyn_app::{AdditionalInfo, ExportOptions, ExportSelection, Party, Profile};
use insyn_domain::AccountId;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The organisation (its short name, see `insyn org list`).
    #[arg(long)]
    org: String,
    /// Build every package the delivery schedule has due (complete periods not yet delivered),
    /// instead of one selection.
    #[arg(long, conflicts_with_all = ["from", "to", "account", "snapshot"])]
    due: bool,
    /// Snapshot mode: one PDF/A printout of an account's feed for the period (--account, --from
    /// and --to needed), written to the file --out names, instead of a package.
    #[arg(long, requires_all = ["account", "from", "to"], conflicts_with = "zip")]
    snapshot: bool,
    /// First day of the period (YYYY-MM-DD, Swedish time), inclusive.
    #[arg(long)]
    from: Option<String>,
    /// Last day of the period (YYYY-MM-DD, Swedish time), inclusive.
    #[arg(long)]
    to: Option<String>,
    /// Only this account (its number, see `insyn account list`).
    #[arg(long)]
    account: Option<i64>,
    /// Folder the package is written to (created if missing); with --snapshot, the PDF file.
    #[arg(long)]
    out: PathBuf,
    /// One zip file instead of a folder.
    #[arg(long)]
    zip: bool,
    /// The organisation number (organisationsnummer), written as ORG:<number> in METS.
    #[arg(long, env = "INSYN_ORG_NUMBER")]
    org_number: Option<String>,
    /// Submission agreement (leveransöverenskommelse) reference.
    #[arg(long)]
    submission_agreement: Option<String>,
    /// Archival reference code (referenskod), e.g. SE/EK/KS/F1.
    #[arg(long)]
    reference_code: Option<String>,
    /// The receiving archive's name (METS PRESERVATION agent).
    #[arg(long)]
    archive: Option<String>,
    /// Folder with mets.xsd, xlink.xsd, DILCISExtensionMETS.xsd and DILCISExtensionSIPMETS.xsd,
    /// carried in the package's schemas/ folder.
    #[arg(long, env = "INSYN_ARCHIVE_SCHEMAS")]
    schemas: Option<PathBuf>,
    /// Write Riksarkivet's documentation/additionalPackageInfo.xml for this archive (arkiv) name.
    #[arg(long)]
    ra_archive_name: Option<String>,
    /// additionalPackageInfo: the records may be disposed of later (gallringsbara).
    #[arg(long, requires = "ra_archive_name")]
    ra_disposable: bool,
    /// additionalPackageInfo: the records include secrecy (sekretess).
    #[arg(long, requires = "ra_archive_name")]
    ra_restricted: bool,
    /// additionalPackageInfo: the records hold personal data (personuppgifter).
    #[arg(long, requires = "ra_archive_name")]
    ra_personal_data: bool,
    /// Use the unversioned SIP profile URL (eark-validator's preference; commons-ip 2.1.0 refuses it).
    #[arg(long)]
    unversioned_profile: bool,
    /// commons-ip's CLI jar: the package must be judged VALID before it counts as delivered.
    #[arg(long, env = "INSYN_COMMONS_IP_JAR")]
    commons_ip: Option<PathBuf>,
    /// RFC 3161 time-stamp authority URL: stamps METS.xml and the audit chain head.
    #[arg(long, env = "INSYN_TSA_URL")]
    tsa: Option<String>,
    /// JSON output.
    #[arg(long)]
    json: bool,
}

/// Midnight (Europe/Stockholm) starting `day`, in UTC.
fn day_start(field: &str, day: &str) -> Result<DateTime<Utc>, CliError> {
    let date = NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| {
        CliError::App(insyn_app::AppError::invalid(
            field,
            format!("'{day}' is not a date like 2026-10-31"),
        ))
    })?;
    let local = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    chrono_tz::Europe::Stockholm
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| CliError::App(insyn_app::AppError::invalid(field, "no such local time")))
}

fn selection(a: &Args) -> Result<ExportSelection, CliError> {
    let from = a
        .from
        .as_deref()
        .map(|d| day_start("from", d))
        .transpose()?;
    let to =
        a.to.as_deref()
            .map(|d| {
                day_start("to", d).and_then(|t| {
                    // the last day is inclusive: up to the next day's midnight
                    let next = t
                        .with_timezone(&chrono_tz::Europe::Stockholm)
                        .date_naive()
                        .succ_opt();
                    next.map(|n| day_start("to", &n.to_string()))
                        .unwrap_or(Ok(t))
                })
            })
            .transpose()?;
    Ok(ExportSelection {
        from,
        to,
        account: a.account.map(AccountId),
    })
}

pub async fn run(cx: &Context, a: Args) -> CliResult {
    let sel = selection(&a)?;
    let app = cx.open().await?;
    let org = app.organisation(&a.org).await?;
    if a.snapshot {
        let (Some(account), Some(from), Some(to)) = (sel.account, sel.from, sel.to) else {
            return Err(CliError::App(insyn_app::AppError::invalid(
                "snapshot",
                "--account, --from and --to are needed",
            )));
        };
        let r = app.snapshot(&org, account, from, to, &a.out, "cli").await?;
        if a.json {
            print_json(&r)?;
        } else {
            println!(
                "Ögonblicksbilden är klar: {} ({} handlingar i {} trådar, {} byte, PDF/A-2u).",
                r.path.display(),
                r.records,
                r.threads,
                r.bytes
            );
            println!("SHA-256: {}", r.sha256);
            println!("Leveransen är loggad som leverans {}.", r.delivery.id);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let options = ExportOptions {
        zip: a.zip,
        org_number: a.org_number.clone(),
        submission_agreement: a.submission_agreement.clone(),
        reference_code: a.reference_code.clone(),
        preservation: a.archive.clone().map(|name| Party {
            name,
            org_number: None,
        }),
        profile: if a.unversioned_profile {
            Profile::Unversioned
        } else {
            Profile::Versioned
        },
        schemas_dir: a.schemas.clone(),
        additional: a
            .ra_archive_name
            .clone()
            .map(|archive_name| AdditionalInfo {
                archive_name,
                disposable: a.ra_disposable,
                access_restricted: a.ra_restricted,
                personal_data: a.ra_personal_data,
            }),
        commons_ip_jar: a.commons_ip.clone(),
        tsa_url: a.tsa.clone(),
    };
    if options.schemas_dir.is_none() {
        eprintln!(
            "insyn: varning: inga scheman (--schemas / INSYN_ARCHIVE_SCHEMAS); paketet får ingen schemas/-mapp / warning: no schemas given, the package carries no schemas/"
        );
    }
    if a.due {
        let due = app
            .export_due(
                &org,
                &a.out,
                &options,
                Utc::now(),
                &crate::progress::Bar::new(),
                "cli",
            )
            .await?;
        if a.json {
            print_json(&due)?;
        } else {
            if due.default_schedule {
                println!(
                    "Inget leveransschema är satt; standard är varje månad från {} (se `insyn deliveries schedule`).",
                    due.schedule.starts_on
                );
            }
            for r in &due.delivered {
                println!(
                    "Levererad: {} ({} handlingar, leverans {}).",
                    r.package.path.display(),
                    r.package.records,
                    r.delivery.id
                );
            }
            for p in &due.empty {
                println!(
                    "Inga handlingar {} – {}: inget att leverera.",
                    p.from.format("%Y-%m-%d"),
                    p.to.format("%Y-%m-%d")
                );
            }
            if due.delivered.is_empty() && due.empty.is_empty() {
                println!("Inga leveranser är förfallna.");
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let report = app
        .export(
            &org,
            &sel,
            &a.out,
            &options,
            &crate::progress::Bar::new(),
            "cli",
        )
        .await?;
    if a.json {
        print_json(&report)?;
    } else {
        let p = &report.package;
        let mb = p.bytes as f64 / 1e6;
        println!(
            "Arkivpaketet är klart: {} ({} handlingar, {} filer, {mb:.1} MB, {:.1} s, {:.1} MB/s).",
            p.path.display(),
            p.records,
            p.files,
            report.seconds,
            mb / report.seconds.max(1e-3)
        );
        println!("METS.xml SHA-256: {}", p.mets_sha256);
        if let Some(v) = &report.commons_ip {
            println!("commons-ip (E-ARK 2.1.0): {v}");
        }
        for t in &report.timestamps {
            println!(
                "Tidsstämpel ({}): {} → {}",
                t.subject,
                t.gen_time.to_rfc3339(),
                t.path.display()
            );
        }
        println!(
            "Leveransen är loggad som leverans {} (granskningsloggens post {}).",
            report.delivery.id, report.audit_seq
        );
        if let Some(first) = report.delivery.redelivery_of {
            println!(
                "Det är en ny leverans av samma urval som leverans {first}; handlingarna är {}.",
                if report.delivery.same_content == Some(true) {
                    "desamma"
                } else {
                    "ändrade sedan dess"
                }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Subcommand)]
pub enum DeliveriesCommand {
    /// The delivery log: what went where, when, with which checksums.
    List {
        #[arg(long)]
        org: String,
        #[arg(long)]
        json: bool,
    },
    /// Show the delivery schedule, or set it with --every-months (1 to 6) and --from.
    Schedule {
        #[arg(long)]
        org: String,
        /// Months per delivery (at least twice a year: 1 to 6).
        #[arg(long)]
        every_months: Option<u32>,
        /// First month of the first period (YYYY-MM); default this month.
        #[arg(long, requires = "every_months")]
        from: Option<String>,
    },
}

pub async fn deliveries(cx: &Context, c: DeliveriesCommand) -> CliResult {
    let app = cx.open().await?;
    match c {
        DeliveriesCommand::List { org, json } => {
            let o = app.organisation(&org).await?;
            let log = app.deliveries(o.id).await?;
            let status = cx
                .config
                .archive
                .deliver_to
                .as_deref()
                .and_then(|d| insyn_app::delivery_status(d, &o.slug));
            if json {
                print_json(&log)?;
            } else {
                if let Some(s) = status.as_ref().filter(|s| !s.ok) {
                    println!(
                        "SENASTE SCHEMALAGDA LEVERANS MISSLYCKADES {}: {}",
                        s.at.format("%Y-%m-%d %H:%M"),
                        s.error.as_deref().unwrap_or("")
                    );
                }
                if log.is_empty() {
                    println!("Inga leveranser ännu / no deliveries yet.");
                }
                for d in &log {
                    let period = format!(
                        "{} – {}",
                        d.period_from
                            .map_or("början".to_string(), |f| f.format("%Y-%m-%d").to_string()),
                        d.period_to.format("%Y-%m-%d")
                    );
                    let again = match (d.redelivery_of, d.same_content) {
                        (Some(f), Some(true)) => format!("	ny leverans av {f}, samma innehåll"),
                        (Some(f), _) => format!("	ny leverans av {f}, ändrat innehåll"),
                        _ => String::new(),
                    };
                    println!(
                        "{}	{}	{period}	{}	{} handlingar	{}	METS {}	{}	{}{again}",
                        d.id,
                        d.delivered_at.format("%Y-%m-%d %H:%M"),
                        d.account_id
                            .map_or("alla konton".to_string(), |a| format!("konto {a}")),
                        d.records,
                        d.destination,
                        d.mets_sha256,
                        d.validation,
                        d.delivered_by
                    );
                }
            }
        }
        DeliveriesCommand::Schedule {
            org,
            every_months,
            from,
        } => {
            let o = app.organisation(&org).await?;
            if let Some(n) = every_months {
                let start = match from {
                    Some(m) => {
                        NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").map_err(|_| {
                            CliError::App(insyn_app::AppError::invalid(
                                "from",
                                format!("'{m}' is not a month like 2026-01"),
                            ))
                        })?
                    }
                    None => Utc::now().date_naive().with_day(1).unwrap_or_default(),
                };
                let schedule = insyn_domain::DeliverySchedule::new(n, start)
                    .map_err(insyn_app::AppError::from)?;
                app.set_delivery_schedule(o.id, &schedule, "cli").await?;
            }
            let (s, default) = app.delivery_schedule(o.id, Utc::now()).await?;
            println!(
                "Leverans var {} månad(er) från {}{}.",
                s.interval_months,
                s.starts_on,
                if default { " (standard)" } else { "" }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args)]
pub struct VerifyArgs {
    /// The package folder or zip file.
    path: PathBuf,
}

/// Exit 0 when every file matches its METS entry, 3 when one does not (the first is named).
pub async fn verify_package(a: VerifyArgs) -> CliResult {
    let path = a.path.clone();
    let problems = tokio::task::spawn_blocking(move || insyn_app::verify_package(&path))
        .await
        .map_err(|e| CliError::Io(e.to_string()))?
        .map_err(|e| CliError::Io(e.to_string()))?;
    match problems.first() {
        None => {
            println!(
                "Paketet stämmer: varje fil har den storlek och SHA-256 som METS anger ({}).",
                a.path.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(first) => {
            eprintln!(
                "insyn: verify-package found {} mismatch(es); the first: {first}",
                problems.len()
            );
            Ok(ExitCode::from(3))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn days_are_swedish_and_the_last_day_is_inclusive() {
        #[derive(clap::Parser)]
        struct T {
            #[command(flatten)]
            a: Args,
        }
        let a = T::try_parse_from([
            "export",
            "--org",
            "x",
            "--from",
            "2026-10-01",
            "--to",
            "2026-10-31",
            "--out",
            "o",
        ])
        .unwrap()
        .a;
        let Ok(s) = selection(&a) else {
            panic!("selection")
        };
        // 1 October 00:00 CEST = 30 September 22:00 UTC; 1 November 00:00 CET = 23:00 UTC
        assert_eq!(s.from.unwrap().to_rfc3339(), "2026-09-30T22:00:00+00:00");
        assert_eq!(s.to.unwrap().to_rfc3339(), "2026-10-31T23:00:00+00:00");
        assert!(day_start("from", "2026-13-01").is_err());
        assert!(day_start("from", "31/10/2026").is_err());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn export_then_verify_package_from_the_command_line() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let out = dir.path().join("out");
        let run = |args: Vec<String>| async move {
            let cli = crate::cli::Cli::try_parse_from(args).unwrap();
            match crate::cli::run(cli).await {
                Ok(code) => code,
                Err(e) => panic!("{}", e.message()),
            }
        };
        let base = |rest: &[&str]| {
            let mut v = vec![
                "insyn".to_string(),
                "--data-dir".into(),
                data.display().to_string(),
            ];
            v.extend(rest.iter().map(|s| s.to_string()));
            v
        };
        assert_eq!(
            run(base(&["demo", "--records", "30"])).await,
            ExitCode::SUCCESS
        );
        let o = out.display().to_string();
        assert_eq!(
            run(base(&["export", "--org", "ekbacka", "--out", &o, "--zip"])).await,
            ExitCode::SUCCESS
        );
        let zip = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "zip"))
            .unwrap();
        let z = zip.display().to_string();
        assert_eq!(run(base(&["verify-package", &z])).await, ExitCode::SUCCESS);

        // a folder package with one changed byte is named
        assert_eq!(
            run(base(&["export", "--org", "ekbacka", "--out", &o])).await,
            ExitCode::SUCCESS
        );
        let folder = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.is_dir())
            .unwrap();
        let readme = folder.join("documentation/README.txt");
        let mut b = std::fs::read(&readme).unwrap();
        b[0] ^= 1;
        std::fs::write(&readme, b).unwrap();
        let f = folder.display().to_string();
        assert_eq!(run(base(&["verify-package", &f])).await, ExitCode::from(3));
    }
}
