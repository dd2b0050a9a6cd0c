//! `export`: one archive package (folder) of the whole demo organisation — records as JSON, raw
//! payloads, media, WARC, a PDF/A printout per thread, METS and PREMIS, every file checked after
//! writing — beside `bagit.py` (PyPI `bagit` 1.9.0, `--processes 1`, SHA-256 only) making a
//! BagIt bag of a hard-linked copy of the same files, in the same run. Each side's peak memory is
//! its own process's VmHWM (`/usr/bin/time -v` for bagit.py).
use crate::{BenchResult, Common, app_config, peak_rss_mb};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

pub async fn run(c: &Common, python: &Path) -> BenchResult {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let data = c.dir.join("export-data");
    if !data.join("insyn.db").exists() {
        std::fs::create_dir_all(&data).map_err(|e| e.to_string())?;
        let out = Command::new(&exe)
            .args([
                "load-side",
                "insyn",
                "--records",
                &c.records.to_string(),
                "--dir",
            ])
            .arg(&data)
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!("load: {}", String::from_utf8_lossy(&out.stderr)));
        }
    }
    let out_dir = c.dir.join("export-out");
    let _ = std::fs::remove_dir_all(&out_dir);
    let out = Command::new(&exe)
        .args(["export-side", "--dir"])
        .arg(&data)
        .arg("--out")
        .arg(&out_dir)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!("export: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let line = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    let v: serde_json::Value = serde_json::from_str(&line).map_err(|e| format!("{e}: {line}"))?;
    let package = PathBuf::from(v["path"].as_str().unwrap_or_default());
    let bytes = v["bytes"].as_f64().unwrap_or(0.0);

    // bagit.py on a hard-linked copy of the same files (it moves them into data/)
    let bag = c.dir.join("bag");
    let _ = std::fs::remove_dir_all(&bag);
    let cp = Command::new("cp")
        .arg("-al")
        .arg(&package)
        .arg(&bag)
        .status()
        .map_err(|e| e.to_string())?;
    if !cp.success() {
        return Err("cp -al failed".into());
    }
    let bagit = python.with_file_name("bagit.py");
    let started = Instant::now();
    let time = Path::new("/usr/bin/time");
    let mut cmd = if time.exists() {
        let mut c = Command::new(time);
        c.arg("-v").arg(python);
        c
    } else {
        Command::new(python)
    };
    let b = cmd
        .arg(&bagit)
        .args(["--processes", "1", "--sha256", "--quiet"])
        .arg(&bag)
        .output()
        .map_err(|e| e.to_string())?;
    let bag_s = started.elapsed().as_secs_f64();
    if !b.status.success() {
        return Err(format!("bagit.py: {}", String::from_utf8_lossy(&b.stderr)));
    }
    let bag_rss = String::from_utf8_lossy(&b.stderr)
        .lines()
        .find(|l| l.contains("Maximum resident set size"))
        .and_then(|l| l.rsplit(':').next())
        .and_then(|kb| kb.trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0);
    let ex_s = v["seconds"].as_f64().unwrap_or(f64::NAN);
    println!("## Archive export, {} records", v["records"]);
    println!(
        "package: {} files, {:.0} MB, {} printouts",
        v["files"],
        bytes / 1e6,
        v["printouts"]
    );
    println!("| tool | seconds | MB/s | peak memory (MB) |");
    println!("|---|---|---|---|");
    println!(
        "| insyn export (package + check) | {ex_s:.1} | {:.1} | {:.0} |",
        bytes / 1e6 / ex_s,
        v["peak_rss_mb"].as_f64().unwrap_or(f64::NAN)
    );
    println!(
        "| bagit.py --processes 1 --sha256 | {bag_s:.1} | {:.1} | {} |",
        bytes / 1e6 / bag_s,
        bag_rss.map_or("?".to_string(), |m| format!("{m:.0}"))
    );
    println!("ratio bagit.py time / insyn time: {:.2}", bag_s / ex_s);
    let _ = std::fs::remove_dir_all(&bag);
    let _ = std::fs::remove_dir_all(&out_dir);
    Ok(())
}

/// The insyn side, in its own process: exports everything of the first organisation.
pub async fn side(dir: &Path, out: &Path) -> BenchResult {
    let app = insyn_app::App::open(app_config(dir))
        .await
        .map_err(|e| e.to_string())?;
    let org = app
        .organisations()
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .next()
        .ok_or("no organisation loaded")?;
    let started = Instant::now();
    let r = app
        .export(
            &org,
            &insyn_app::ExportSelection::default(),
            out,
            &insyn_app::ExportOptions::default(),
            &insyn_app::NoProgress,
            "bench",
        )
        .await
        .map_err(|e| e.to_string())?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({"records": r.package.records, "files": r.package.files, "bytes": r.package.bytes, "printouts": r.package.printouts, "path": r.package.path, "seconds": seconds, "peak_rss_mb": peak_rss_mb()})
    );
    Ok(())
}
