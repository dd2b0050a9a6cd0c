use crate::{BenchResult, Common, app_config};
use std::time::Instant;

pub async fn run(c: &Common) -> BenchResult {
    let dir = c.dir.join("insyn");
    let app = insyn_app::App::open(app_config(&dir))
        .await
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    let report = app
        .verify(&insyn_app::NoProgress)
        .await
        .map_err(|e| e.to_string())?;
    let whole = started.elapsed().as_secs_f64();
    if !report.ok() {
        return Err(format!("verify found problems: {}", report.problems[0]));
    }
    let mb = report.blob_bytes as f64 / 1e6;
    let insyn_rate = mb / report.blob_time.as_secs_f64().max(1e-9);

    let blobs = std::path::absolute(dir.join("blobs")).map_err(|e| e.to_string())?;
    let t = Instant::now();
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "find '{}' -type f -print0 | xargs -0 sha256sum > /dev/null",
            blobs.display()
        ))
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err("sha256sum failed".into());
    }
    let peer_rate = mb / t.elapsed().as_secs_f64();
    println!(
        "## Verify: {} blobs, {mb:.0} MB; {} audit entries and {} versions",
        report.blobs, report.audit_entries, report.versions
    );
    println!("| | MB/s |");
    println!("|---|---|");
    println!("| insyn verify, blob re-hashing | {insyn_rate:.0} |");
    println!("| sha256sum over the same files (ceiling) | {peer_rate:.0} |");
    println!(
        "ratio: {:.0} %; whole verify (chain + versions + blobs): {whole:.1} s",
        100.0 * insyn_rate / peer_rate
    );
    Ok(())
}
