use super::{CliResult, Context, print_json};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// JSON output.
    #[arg(long)]
    json: bool,
}

/// Exit 0 when everything matches, 3 when a problem was found.
pub async fn run(cx: &Context, a: Args) -> CliResult {
    let app = cx.open().await?;
    let report = app.verify(&crate::progress::Bar::new()).await?;
    if a.json {
        print_json(&report)?;
    } else {
        let mb = report.blob_bytes as f64 / 1e6;
        let secs = report.blob_time.as_secs_f64().max(1e-6);
        println!(
            "Granskat: {} organisationer, {} loggposter, {} versioner, {} filer ({mb:.1} MB, {:.0} MB/s).",
            report.organisations,
            report.audit_entries,
            report.versions,
            report.blobs,
            mb / secs
        );
        if report.disposed_versions > 0 {
            println!(
                "Varav {} versioner gallrade enligt gallringsprotokollet (innehållet borttaget, kontrollsumman kvar).",
                report.disposed_versions
            );
        }
        if report.ok() {
            println!("Allt stämmer: kedjan är obruten och varje kontrollsumma matchar.");
        } else {
            eprintln!(
                "insyn: verify found {} problem(s); the first: {}",
                report.problem_count, report.problems[0]
            );
            for p in report.problems.iter().skip(1) {
                eprintln!("  also: {p}");
            }
        }
    }
    Ok(if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}
