//! The engine alone on texts from a file (one JSON string a line, e.g. written by
//! `insyn-bench screening --dump-texts FILE`): MB/s per core (CPU time of this thread) and the
//! number of findings with a digest of them all, for quick before/after comparisons while working on the engine.
//!
//! `cargo run --release -p insyn-screening --example throughput -- FILE [ROUNDS]`
use std::time::Instant;

use insyn_screening::Screener;

/// The allocator of the `insyn` and `insyn-bench` binaries, so that the figures match theirs.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn thread_cpu_secs() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: throughput FILE [ROUNDS]");
        std::process::exit(2);
    };
    let rounds: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(1);
    let data = std::fs::read_to_string(&path).expect("readable file");
    let texts: Vec<String> = data
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_str(l).expect("a JSON string a line"))
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    let screener = Screener::default_swedish();
    for t in texts.iter().take(2000) {
        std::hint::black_box(screener.screen(t));
    }
    // A digest of every finding (FNV-1a over category, span, rule, confidence and action), so
    // that a change to the engine can be checked to give exactly the same output.
    let mut digest: u64 = 0xcbf2_9ce4_8422_2325;
    let mut mix = |bytes: &[u8]| {
        for &b in bytes {
            digest = (digest ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    };
    for t in &texts {
        for f in screener.screen(t) {
            mix(f.category.as_str().as_bytes());
            mix(&f.start.to_le_bytes());
            mix(&f.end.to_le_bytes());
            mix(f.rule.as_bytes());
            mix(&f.confidence.to_bits().to_le_bytes());
            mix(f.explanation_sv.as_bytes());
            mix(format!("{:?}", f.suggested_action).as_bytes());
        }
        mix(b"\n");
    }
    let mut best = f64::MAX;
    let mut findings = 0;
    for _ in 0..rounds {
        let wall = Instant::now();
        let cpu0 = thread_cpu_secs();
        findings = 0;
        for t in &texts {
            findings += screener.screen(t).len();
        }
        let secs = match (cpu0, thread_cpu_secs()) {
            (Some(a), Some(b)) if b > a => b - a,
            _ => wall.elapsed().as_secs_f64(),
        };
        best = best.min(secs);
    }
    println!(
        "{} texts, {:.1} MB: {:.1} MB/s per core, {findings} findings (digest {digest:016x})",
        texts.len(),
        bytes as f64 / 1e6,
        bytes as f64 / 1e6 / best
    );
}
