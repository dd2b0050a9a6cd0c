use super::{CliResult, Context};
use insyn_app::demo::{DemoOptions, DemoReport};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// How many records (posts, comments, answers, messages) to generate.
    #[arg(long, default_value_t = 5_000)]
    records: u64,
    /// Short name of the demo organisation.
    #[arg(long, default_value = "ekbacka")]
    slug: String,
    /// Seed of the generator (the same seed gives the same data).
    #[arg(long, default_value_t = 2026)]
    seed: u64,
}

pub async fn run(cx: &Context, args: Args) -> CliResult {
    let app = cx.open_screening().await?;
    let opts = DemoOptions {
        slug: args.slug,
        records: args.records,
        seed: args.seed,
    };
    let started = std::time::Instant::now();
    let report = insyn_app::demo::load(&app, &opts, &crate::progress::Bar::new()).await?;
    print_report(&report);
    let secs = started.elapsed().as_secs_f64();
    println!(
        "Tid: {secs:.1} s ({:.0} handlingar/s)",
        report.records as f64 / secs.max(0.001)
    );
    Ok(ExitCode::SUCCESS)
}

pub fn print_report(r: &DemoReport) {
    println!(
        "Demoorganisationen {} ({}) är skapad: {} konton, {} handlingar, {} versioner, {} raderingar registrerade.",
        r.organisation.name, r.organisation.slug, r.accounts, r.records, r.versions, r.deletions
    );
    println!(
        "API-nyckel för demoorganisationen (visas bara nu): {}",
        r.api_token
    );
    println!(
        "Personalinloggning på /logga-in (organisation {}); samma lösenord för alla, visas bara nu: {}",
        r.organisation.slug, r.staff_password
    );
    for u in &r.staff {
        println!("  {}  {} ({})", u.email, u.name, u.function);
    }
}
