//! `insyn`: the one binary. Each subcommand lives in its own file under `cli/`; `config` layers
//! defaults, `insyn.toml`, `INSYN_*` environment variables and flags. Every error ends as one line
//! on standard error and a non-zero exit code.

/// mimalloc: the bulk paths allocate many short-lived strings; glibc's malloc spent ~14 % of a
/// demo load in malloc/consolidate (perf), mimalloc much less.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cli;
mod config;
mod progress;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    init_logging(args.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("insyn: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(cli::run(args)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("insyn: {}", e.message());
            ExitCode::from(e.exit_code())
        }
    }
}

fn init_logging(verbose: bool) {
    let default = if verbose {
        "info,insyn=debug"
    } else {
        "warn,insyn=info,insyn_app=info"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("INSYN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}
