//! Memory is bounded: a selection far larger than the allowed growth passes through the builder
//! while the peak resident memory of the process is measured (Linux: the peak is reset through
//! /proc/self/clear_refs, then read as VmHWM). The measuring runs in a child process of this test
//! binary, alone, so other tests' memory does not count.
use super::*;

/// A source that makes its records on demand: 8 000 records of 8 KiB text each (64 MiB of text
/// in all), none of them kept by the source.
struct Generated {
    n: i64,
}

impl PackageSource for Generated {
    fn records(&mut self, offset: u64, limit: usize) -> Result<Vec<RecordBundle>, SourceError> {
        Ok((offset as i64 + 1..=self.n)
            .take(limit)
            .map(|id| {
                // different text per record, so nothing can be shared
                let text = format!("{id:08}").repeat(1024);
                bundle(id, 1, &text, None, vec![], false)
            })
            .collect())
    }
    fn open_blob(
        &mut self,
        digest: &Sha256Digest,
        record: i64,
        what: &'static str,
    ) -> Result<Box<dyn Read + '_>, SourceError> {
        Err(SourceError::MissingBlob {
            record,
            what,
            digest: digest.to_hex(),
        })
    }
}

fn status_kib(field: &str) -> i64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    s.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap()
}

const CHILD: &str = "INSYN_ARCHIVE_MEMORY_CHILD";

#[test]
fn the_builder_never_holds_the_whole_selection() {
    if !cfg!(target_os = "linux") {
        eprintln!("SKIPPED: peak memory is measured through /proc (Linux)");
        return;
    }
    if std::env::var_os(CHILD).is_none() {
        let out = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "alloc::the_builder_never_holds_the_whole_selection",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD, "1")
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{text}");
        let line = text.lines().find(|l| l.contains("peak growth"));
        assert!(line.is_some(), "the child did not measure: {text}");
        eprintln!("{}", line.unwrap_or_default());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut src = Generated { n: 8000 };
    let info = info(&PackageInfo::new_objid());
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
    let base = status_kib("VmRSS:");
    let report = build_package(
        &mut src,
        &info,
        dir.path(),
        if std::env::var_os("MEMF").is_some() {
            Output::Folder
        } else {
            Output::Zip
        },
        BuildOptions {
            page_size: 100,
            // printouts are bounded per thread part (printout.rs) and slow in a debug build
            printouts: false,
            ..BuildOptions::default()
        },
        &mut |_| {},
    )
    .unwrap();
    let growth = status_kib("VmHWM:") - base;
    assert_eq!(report.records, 8000);
    assert!(
        report.bytes > 64 << 20,
        "the records are {} bytes",
        report.bytes
    );
    eprintln!(
        "peak growth {growth} KiB while packaging {} MiB",
        report.bytes >> 20
    );
    // one page is ~0.8 MiB of text (+ its JSON); the whole selection is over 64 MiB
    assert!(
        growth < 24 * 1024,
        "peak resident memory grew by {growth} KiB"
    );
}
