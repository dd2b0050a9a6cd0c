//! `insyn-bench`: Insyn measured beside a named peer in the same run, with the ratio.
//!
//! - `load`: `insyn demo` (records, versions, audit chain, raw payload blobs, search index) into the
//!   embedded store, beside a minimal plain-SQL loader writing the same rows into SQLite (the
//!   ceiling). Each side runs in its own process so its peak memory (VmHWM) is its own.
//! - `search`: p50/p99 over 50 Swedish queries on the loaded set: Insyn's tantivy index, SQLite
//!   FTS5 and PostgreSQL full-text search over the same rows.
//! - `verify`: `insyn verify` blob throughput beside `sha256sum` over the same blob files.
//! - `export`: one archive package of the demo beside `bagit.py` bagging the same files.
//! - `import`: `insyn import` of a generated X archive beside serde_json parsing the same file.
//! - `screening`: the screening engine's MB/s per core on demo texts beside a `memchr::memmem`
//!   scan (the ceiling) and Microsoft Presidio's analyzer, and P/R of both on the corpus.
//!
//! Run from the repository root: `cargo run --release -p insyn-bench -- all --records 1000000`
//! (see docs/BENCHMARKS.md).
/// mimalloc: the bulk paths allocate many short-lived strings; glibc's malloc spent ~14 % of a
/// demo load in malloc/consolidate (perf), mimalloc much less.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod export;
mod import;
mod load;
mod screening;
mod search;
mod verify;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Bulk load: Insyn vs plain SQL into SQLite.
    Load(Common),
    /// Search latency: tantivy vs SQLite FTS5 vs PostgreSQL (needs a loaded --dir).
    Search(SearchArgs),
    /// Verify throughput vs sha256sum (needs a loaded --dir).
    Verify(Common),
    /// Screening throughput vs a memmem scan and Presidio, and P/R on the corpus.
    Screening(screening::ScreeningArgs),
    /// load, then search and verify on the same data.
    All(SearchArgs),
    /// Import of a generated X archive vs serde_json parsing the same file.
    Import(Common),
    /// (internal) one side of the import benchmark, in its own process.
    ImportSide {
        side: String,
        #[arg(long)]
        file: PathBuf,
        #[arg(long)]
        dir: PathBuf,
    },
    /// Archive export of the demo to one package (folder) vs bagit.py bagging the same files.
    Export {
        #[command(flatten)]
        common: Common,
        /// The Python with `bagit` installed (scripts/install-test-peers).
        #[arg(
            long,
            env = "INSYN_TEST_PYTHON",
            default_value = "/tmp/insyn-peers/venv/bin/python"
        )]
        python: PathBuf,
    },
    /// (internal) the insyn side of the export benchmark, in its own process.
    ExportSide {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
    /// (internal) one side of the load benchmark, in its own process.
    LoadSide {
        side: String,
        #[arg(long)]
        records: u64,
        #[arg(long)]
        dir: PathBuf,
    },
}

#[derive(clap::Args, Clone)]
pub struct Common {
    #[arg(long, default_value_t = 1_000_000)]
    records: u64,
    /// Working folder (kept, so search and verify can reuse the load).
    #[arg(long, default_value = "target/bench-data")]
    dir: PathBuf,
}

#[derive(clap::Args, Clone)]
pub struct SearchArgs {
    #[command(flatten)]
    common: Common,
    /// PostgreSQL server for the PostgreSQL side (a database is created there); skipped if absent.
    #[arg(long, env = "INSYN_BENCH_POSTGRES_URL")]
    postgres: Option<String>,
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Load(c) => load::run(&c).await,
        Command::Search(s) => search::run(&s).await,
        Command::Verify(c) => verify::run(&c).await,
        Command::Screening(a) => screening::run(&a).await,
        Command::All(s) => match load::run(&s.common).await {
            Ok(()) => match search::run(&s).await {
                Ok(()) => verify::run(&s.common).await,
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        },
        Command::LoadSide { side, records, dir } => load::side(&side, records, &dir).await,
        Command::Import(c) => import::run(&c).await,
        Command::Export { common, python } => export::run(&common, &python).await,
        Command::ExportSide { dir, out } => export::side(&dir, &out).await,
        Command::ImportSide { side, file, dir } => import::side(&side, &file, &dir).await,
    };
    if let Err(e) = result {
        eprintln!("insyn-bench: {e}");
        std::process::exit(1);
    }
}

/// Peak resident memory of this process, from /proc (Linux).
pub fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_string)
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

pub fn app_config(dir: &std::path::Path) -> insyn_app::AppConfig {
    insyn_app::AppConfig {
        database_url: format!("sqlite:{}", dir.join("insyn.db").display()),
        blobs_url: format!(
            "file:{}",
            std::path::absolute(dir.join("blobs"))
                .unwrap_or(dir.join("blobs"))
                .display()
        ),
        s3: Default::default(),
        search: insyn_app::SearchBackend::Tantivy,
        search_dir: dir.join("search"),
    }
}

pub type BenchResult = Result<(), String>;
