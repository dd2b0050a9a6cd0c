//! Printouts (utskrifter): a PDF/A-2u document per thread — the post and what followed it, in
//! the order it became available, with author, time, direction, versions and media — written as
//! a second representation (`representations/rep2`) of the same content, and the same rendering
//! of an account's feed for a period (snapshot mode, R8.2).
//!
//! Records reach the builder in the store's order, not grouped by thread. To print a thread whole
//! without holding the selection, each record is spooled as one line keyed by
//! (account, thread, time, id); full buffers are sorted and written as runs, and the runs are
//! merged. Memory is one buffer plus one line per run, whatever the number of records.
use crate::error::ArchiveError;
use crate::info::PackageInfo;
use chrono::{DateTime, Utc};
use insyn_domain::{ItemKind, Record, RecordVersion};
use insyn_pdf::{Lang, Printout, PrintoutRecord, RecordMeta, TextBlock};
use sha2::{Digest, Sha256};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Records in one printout; a longer thread is printed in parts ("del 2", ...).
pub const MAX_RECORDS_PER_PRINTOUT: usize = 200;
/// Text (bytes) in one printout before a new part starts; well under insyn-pdf's limit.
const MAX_TEXT_PER_PRINTOUT: usize = 512 << 10;

/// One record as a printout shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PrintRecord {
    pub record: Record,
    /// Every version, oldest first.
    pub versions: Vec<RecordVersion>,
    /// The media files as the package (or the snapshot) names them, with their SHA-256.
    pub media: Vec<String>,
}

impl PrintRecord {
    fn text_bytes(&self) -> usize {
        self.versions
            .iter()
            .map(|v| v.text.len() + 200)
            .sum::<usize>()
            + 400
    }
}

/// The thread a record belongs to: its thread id, or its own id when it starts one.
pub fn thread_of(r: &Record) -> &str {
    r.thread_platform_id
        .as_deref()
        .filter(|t| !t.is_empty())
        .unwrap_or(&r.platform_item_id)
}

/// A file-name-safe form of a thread id: the id itself when it is short and plain, otherwise a
/// digest of it.
pub fn safe_name(id: &str) -> String {
    let plain = !id.is_empty()
        && id.len() <= 80
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if plain {
        id.to_string()
    } else {
        format!(
            "sha256-{}",
            &hex::encode(Sha256::digest(id.as_bytes()))[..32]
        )
    }
}

fn clean_key(s: &str) -> String {
    s.replace(['\t', '\n', '\r', '\x1f'], " ")
}

fn sort_time(t: DateTime<Utc>) -> u64 {
    (t.timestamp_micros() as u64) ^ (1 << 63)
}

/// A record's line in the thread spool: its sort key (account, thread, time, id) and the
/// [`PrintRecord`] as JSON (written from borrowed parts, the same JSON).
pub(crate) fn spool_entry(
    record: &Record,
    versions: &[RecordVersion],
    media: &[String],
) -> Result<(String, String), ArchiveError> {
    #[derive(serde::Serialize)]
    struct Borrowed<'a> {
        record: &'a Record,
        versions: &'a [RecordVersion],
        media: &'a [String],
    }
    let key = format!(
        "{:020}\x1f{}\x1f{:020}\x1f{:020}",
        record.account_id.0.max(0),
        clean_key(thread_of(record)),
        sort_time(record.available_at),
        record.id.0.max(0)
    );
    let line = serde_json::to_string(&Borrowed {
        record,
        versions,
        media,
    })
    .map_err(|e| ArchiveError::write("thread spool", std::io::Error::other(e)))?;
    Ok((key, line))
}

/// The records of a selection, spooled to disk and handed back thread by thread.
pub(crate) struct ThreadSpool {
    dir: PathBuf,
    buf: Vec<(String, String)>,
    buf_bytes: usize,
    limit: usize,
    runs: Vec<PathBuf>,
}

impl ThreadSpool {
    /// Runs are written under `dir`; a buffer holds at most about `limit` bytes.
    pub fn new(dir: &Path, limit: usize) -> ThreadSpool {
        ThreadSpool {
            dir: dir.to_path_buf(),
            buf: Vec::new(),
            buf_bytes: 0,
            limit,
            runs: Vec::new(),
        }
    }

    #[cfg(test)]
    pub fn push(&mut self, r: &PrintRecord) -> Result<(), ArchiveError> {
        let (key, line) = spool_entry(&r.record, &r.versions, &r.media)?;
        self.push_entry(key, line)
    }

    /// Adds an entry made by [`spool_entry`] (on any thread).
    pub fn push_entry(&mut self, key: String, line: String) -> Result<(), ArchiveError> {
        self.buf_bytes += key.len() + line.len() + 64;
        self.buf.push((key, line));
        if self.buf_bytes >= self.limit {
            self.flush_run()?;
        }
        Ok(())
    }

    fn flush_run(&mut self) -> Result<(), ArchiveError> {
        if self.buf.is_empty() {
            return Ok(());
        }
        self.buf.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let path = self.dir.join(format!("threads-{}.run", self.runs.len()));
        let f = File::create(&path).map_err(|e| ArchiveError::write(&path, e))?;
        let mut w = BufWriter::with_capacity(1 << 16, f);
        for (k, l) in self.buf.drain(..) {
            writeln!(w, "{k}\t{l}").map_err(|e| ArchiveError::write(&path, e))?;
        }
        w.flush().map_err(|e| ArchiveError::write(&path, e))?;
        self.buf = Vec::new();
        self.buf_bytes = 0;
        self.runs.push(path);
        Ok(())
    }

    /// Ends the spool: the threads, in (account, thread) order.
    pub fn finish(mut self) -> Result<Threads, ArchiveError> {
        self.flush_run()?;
        let mut readers = Vec::new();
        for p in &self.runs {
            let f = File::open(p).map_err(|e| ArchiveError::write(p, e))?;
            readers.push((BufReader::with_capacity(1 << 13, f), p.clone()));
        }
        let mut t = Threads {
            readers,
            heap: BinaryHeap::new(),
            pending: None,
            part: 1,
        };
        for i in 0..t.readers.len() {
            t.refill(i)?;
        }
        Ok(t)
    }
}

/// One printout's worth of a thread.
#[derive(Debug, Clone)]
pub struct ThreadPart {
    pub account_id: i64,
    pub thread_id: String,
    /// 1 for the first (often only) part.
    pub part: u32,
    pub records: Vec<PrintRecord>,
}

/// The merged runs, read thread by thread.
pub(crate) struct Threads {
    readers: Vec<(BufReader<File>, PathBuf)>,
    heap: BinaryHeap<Reverse<(String, String, usize)>>,
    /// The first record of the next part or thread, already read: (group key, record).
    pending: Option<(String, PrintRecord)>,
    part: u32,
}

impl Threads {
    fn refill(&mut self, i: usize) -> Result<(), ArchiveError> {
        let (r, path) = &mut self.readers[i];
        let mut line = String::new();
        if r.read_line(&mut line)
            .map_err(|e| ArchiveError::write(&*path, e))?
            == 0
        {
            return Ok(());
        }
        let line = line.trim_end_matches('\n');
        let (key, json) = line
            .split_once('\t')
            .ok_or_else(|| ArchiveError::Mismatch(format!("{}: bad line", path.display())))?;
        self.heap
            .push(Reverse((key.to_string(), json.to_string(), i)));
        Ok(())
    }

    fn next_record(&mut self) -> Result<Option<(String, PrintRecord)>, ArchiveError> {
        let Some(Reverse((key, json, i))) = self.heap.pop() else {
            return Ok(None);
        };
        self.refill(i)?;
        let rec: PrintRecord = serde_json::from_str(&json)
            .map_err(|e| ArchiveError::Mismatch(format!("thread spool: {e}")))?;
        // the group: account and thread, without the time and id
        let group = key
            .splitn(3, '\x1f')
            .take(2)
            .collect::<Vec<_>>()
            .join("\x1f");
        Ok(Some((group, rec)))
    }

    /// The next printout: a whole thread, or the next part of a long one.
    pub fn next_part(&mut self) -> Result<Option<ThreadPart>, ArchiveError> {
        let first = match self.pending.take() {
            Some(p) => p,
            None => match self.next_record()? {
                Some(p) => p,
                None => return Ok(None),
            },
        };
        let (group, rec) = first;
        let mut part = ThreadPart {
            account_id: rec.record.account_id.0,
            thread_id: thread_of(&rec.record).to_string(),
            part: self.part,
            records: Vec::new(),
        };
        let mut bytes = rec.text_bytes();
        part.records.push(rec);
        loop {
            let Some((g, r)) = self.next_record()? else {
                self.part = 1;
                break;
            };
            if g != group {
                self.pending = Some((g, r));
                self.part = 1;
                break;
            }
            bytes += r.text_bytes();
            if part.records.len() >= MAX_RECORDS_PER_PRINTOUT || bytes > MAX_TEXT_PER_PRINTOUT {
                self.pending = Some((g, r));
                self.part += 1;
                break;
            }
            part.records.push(r);
        }
        Ok(Some(part))
    }
}

fn kind_sv(k: ItemKind) -> &'static str {
    match k {
        ItemKind::Post => "Inlägg",
        ItemKind::Comment => "Kommentar",
        ItemKind::Reply => "Svar",
        ItemKind::Message => "Meddelande",
        ItemKind::Profile => "Profiltext",
    }
}

/// A record as a printout entry: heading, metadata table, and one block per version (the
/// versions noted with when each was captured), then its media, then a deletion if one was seen.
pub fn printout_record(organisation: &str, account: &str, r: &PrintRecord) -> PrintoutRecord {
    let rec = &r.record;
    let latest = r.versions.last();
    let mut blocks = Vec::new();
    let n = r.versions.len();
    for v in &r.versions {
        let heading = if n == 1 {
            format!("Text (fångad {})", insyn_pdf::local_time(v.captured_at))
        } else {
            format!(
                "Version {} av {n} (fångad {})",
                v.number,
                insyn_pdf::local_time(v.captured_at)
            )
        };
        blocks.push(TextBlock {
            heading,
            text: if v.text.is_empty() {
                "(ingen text)".into()
            } else {
                v.text.clone()
            },
        });
    }
    if !r.media.is_empty() {
        blocks.push(TextBlock {
            heading: "Media (filnamn och SHA-256)".into(),
            text: r.media.join("\n"),
        });
    }
    if let Some(d) = rec.deleted_seen_at {
        blocks.push(TextBlock {
            heading: "Raderad på plattformen".into(),
            text: format!("Sågs raderad {}", insyn_pdf::local_time(d)),
        });
    }
    PrintoutRecord {
        heading: format!("{} av {}", kind_sv(rec.kind), rec.author_name),
        meta: RecordMeta {
            organisation: organisation.to_string(),
            account: account.to_string(),
            direction: rec.direction.swedish().to_string(),
            available_at: rec.available_at,
            platform_time: rec.platform_time,
            diary_number: None,
            record_id: rec.id.0,
            version: rec.version,
            text_sha256: latest
                .map(|v| v.content_digest.to_hex())
                .unwrap_or_default(),
        },
        blocks,
    }
}

pub(crate) fn account_label(info: &PackageInfo, account: i64) -> String {
    info.account_names
        .get(&account)
        .cloned()
        .unwrap_or_else(|| format!("konto {account}"))
}

fn period(from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> String {
    let f = |d: Option<DateTime<Utc>>| {
        d.map(insyn_pdf::local_time)
            .unwrap_or_else(|| "–".to_string())
    };
    format!("{} – {}", f(from), f(to))
}

/// The PDF/A-2u printout of one thread (part).
pub(crate) fn render_thread(info: &PackageInfo, t: &ThreadPart) -> Result<Vec<u8>, ArchiveError> {
    let account = account_label(info, t.account_id);
    let part = if t.part > 1 {
        format!(" (del {})", t.part)
    } else {
        String::new()
    };
    let title = format!("Tråd {}{part} – {account}", t.thread_id);
    let p = Printout {
        lang: Lang::Sv,
        title: title.clone(),
        intro: vec![
            ("Organisation".into(), info.archivist.name.clone()),
            ("Konto".into(), account.clone()),
            ("Tråd".into(), t.thread_id.clone()),
            (
                "Paketets period".into(),
                period(info.period_from, info.period_to),
            ),
            ("Handlingar".into(), t.records.len().to_string()),
            ("Informationspaket".into(), info.objid.clone()),
            ("Utskriven".into(), insyn_pdf::local_time(info.created)),
        ],
        records: t
            .records
            .iter()
            .map(|r| printout_record(&info.archivist.name, &account, r))
            .collect(),
        created: info.created,
    };
    insyn_pdf::printout(&p).map_err(|e| {
        ArchiveError::write(
            format!("printout of thread {}", t.thread_id),
            std::io::Error::other(e.to_string()),
        )
    })
}

/// Renders the printouts of `next`'s thread parts on `workers` threads and hands each PDF to
/// `write` in the order the parts came, so the package is the same whatever the number of
/// workers. At most two parts per worker are in flight, so memory stays bounded. The first error
/// (reading a part, rendering, writing) stops the work and is returned.
pub(crate) fn render_parallel(
    info: &PackageInfo,
    workers: usize,
    next: &mut dyn FnMut() -> Result<Option<ThreadPart>, ArchiveError>,
    write: &mut dyn FnMut(String, Vec<u8>) -> Result<(), ArchiveError>,
) -> Result<(), ArchiveError> {
    use std::collections::BTreeMap;
    use std::sync::{Mutex, mpsc};
    type Rendered = (u64, String, Result<Vec<u8>, ArchiveError>);
    if workers <= 1 {
        while let Some(t) = next()? {
            let pdf = render_thread(info, &t)?;
            write(printout_path(&t), pdf)?;
        }
        return Ok(());
    }
    let window = 2 * workers as u64;
    let (job_tx, job_rx) = mpsc::channel::<(u64, ThreadPart)>();
    let (done_tx, done_rx) = mpsc::channel::<Rendered>();
    let job_rx = Mutex::new(job_rx);
    std::thread::scope(|scope| {
        // moved in: on any return from here the channel closes and the workers finish
        let (job_tx, done_rx) = (job_tx, done_rx);
        for _ in 0..workers {
            let (job_rx, done_tx) = (&job_rx, done_tx.clone());
            scope.spawn(move || {
                loop {
                    // the lock is held only while taking a job, never while rendering
                    let job = match job_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok((seq, t)) = job else { return };
                    let pdf = render_thread(info, &t);
                    if done_tx.send((seq, printout_path(&t), pdf)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);
        let (mut sent, mut written, mut exhausted) = (0u64, 0u64, false);
        let mut ready: BTreeMap<u64, (String, Result<Vec<u8>, ArchiveError>)> = BTreeMap::new();
        loop {
            while !exhausted && sent - written < window {
                match next()? {
                    Some(t) => {
                        job_tx.send((sent, t)).map_err(|_| worker_gone())?;
                        sent += 1;
                    }
                    None => exhausted = true,
                }
            }
            if written == sent {
                return Ok(());
            }
            while !ready.contains_key(&written) {
                let (seq, path, pdf) = done_rx.recv().map_err(|_| worker_gone())?;
                ready.insert(seq, (path, pdf));
            }
            while let Some((path, pdf)) = ready.remove(&written) {
                write(path, pdf?)?;
                written += 1;
            }
        }
    })
}

fn worker_gone() -> ArchiveError {
    ArchiveError::write(
        "printouts",
        std::io::Error::other("a printout worker stopped unexpectedly"),
    )
}

/// Where a thread's printout goes, relative to the package root.
pub(crate) fn printout_path(t: &ThreadPart) -> String {
    let part = if t.part > 1 {
        format!("-del{}", t.part)
    } else {
        String::new()
    };
    format!(
        "representations/rep2/data/printouts/{}/{}{part}.pdf",
        t.account_id,
        safe_name(&t.thread_id)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use insyn_domain::*;

    fn rec(id: i64, account: i64, thread: &str, minute: u32) -> PrintRecord {
        let at = Utc.with_ymd_and_hms(2026, 10, 1, 12, minute, 0).unwrap();
        PrintRecord {
            record: Record {
                id: RecordId(id),
                org_id: OrgId(1),
                account_id: AccountId(account),
                platform_item_id: format!("p{id}"),
                kind: ItemKind::Comment,
                direction: Direction::Received,
                parent_platform_id: None,
                thread_platform_id: Some(thread.to_string()),
                author_name: "A".into(),
                author_platform_id: "a".into(),
                available_at: at,
                platform_time: None,
                version: 1,
                text: "t".into(),
                classification: Classification::Unassessed,
                deleted_seen_at: None,
            },
            versions: vec![],
            media: vec![],
        }
    }

    #[test]
    fn threads_come_back_whole_in_time_order_across_runs() {
        let dir = tempfile::tempdir().unwrap();
        // a tiny buffer: every few records make a run
        let mut s = ThreadSpool::new(dir.path(), 600);
        let mut n = 0;
        for minute in (0..50).rev() {
            for (account, thread) in [(2, "x"), (1, "b"), (1, "a")] {
                n += 1;
                s.push(&rec(n, account, thread, minute)).unwrap();
            }
        }
        let mut t = s.finish().unwrap();
        let mut seen = Vec::new();
        while let Some(p) = t.next_part().unwrap() {
            let times: Vec<_> = p.records.iter().map(|r| r.record.available_at).collect();
            assert!(times.windows(2).all(|w| w[0] <= w[1]), "in time order");
            assert!(
                p.records
                    .iter()
                    .all(|r| thread_of(&r.record) == p.thread_id)
            );
            seen.push((p.account_id, p.thread_id, p.records.len()));
        }
        assert_eq!(
            seen,
            vec![
                (1, "a".into(), 50),
                (1, "b".into(), 50),
                (2, "x".into(), 50)
            ]
        );
    }

    #[test]
    fn a_long_thread_is_printed_in_parts() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = ThreadSpool::new(dir.path(), 1 << 20);
        for i in 0..(MAX_RECORDS_PER_PRINTOUT as i64 * 2 + 5) {
            s.push(&rec(i + 1, 1, "long", (i % 60) as u32)).unwrap();
        }
        s.push(&rec(10_000, 1, "short", 0)).unwrap();
        let mut t = s.finish().unwrap();
        let mut parts = Vec::new();
        while let Some(p) = t.next_part().unwrap() {
            parts.push((p.thread_id.clone(), p.part, p.records.len()));
        }
        assert_eq!(
            parts,
            vec![
                ("long".into(), 1, MAX_RECORDS_PER_PRINTOUT),
                ("long".into(), 2, MAX_RECORDS_PER_PRINTOUT),
                ("long".into(), 3, 5),
                ("short".into(), 1, 1)
            ]
        );
    }

    fn info() -> PackageInfo {
        use crate::info::{Party, Profile};
        PackageInfo {
            objid: "uuid-x".into(),
            label: "x".into(),
            archivist: Party {
                name: "Hammarby kommun".into(),
                org_number: None,
            },
            preservation: None,
            submission_agreement: None,
            reference_code: None,
            period_from: None,
            period_to: None,
            accounts: vec![],
            account_names: Default::default(),
            profile: Profile::default(),
            schemas_dir: None,
            additional: None,
            software: "insyn".into(),
            software_version: "0".into(),
            urn_prefix: "x".into(),
            created: Utc.with_ymd_and_hms(2026, 11, 1, 8, 0, 0).unwrap(),
        }
    }

    /// Parts of 1..=n records each, threads "t1".."tn", in order.
    fn parts(n: i64) -> impl FnMut() -> Result<Option<ThreadPart>, ArchiveError> {
        let mut i = 0;
        move || {
            i += 1;
            Ok((i <= n).then(|| ThreadPart {
                account_id: 1,
                thread_id: format!("t{i}"),
                part: 1,
                records: (0..i)
                    .map(|k| rec(i * 100 + k, 1, &format!("t{i}"), 0))
                    .collect(),
            }))
        }
    }

    #[test]
    fn parallel_printouts_come_out_in_order_and_identical() {
        let info = info();
        let mut by_workers = Vec::new();
        for workers in [1, 3] {
            let mut out = Vec::new();
            render_parallel(&info, workers, &mut parts(9), &mut |path, pdf| {
                out.push((path, pdf));
                Ok(())
            })
            .unwrap();
            by_workers.push(out);
        }
        let paths: Vec<_> = by_workers[1].iter().map(|(p, _)| p.clone()).collect();
        let expected: Vec<_> = (1..=9)
            .map(|i| format!("representations/rep2/data/printouts/1/t{i}.pdf"))
            .collect();
        assert_eq!(paths, expected);
        assert!(
            by_workers[1]
                .iter()
                .all(|(_, pdf)| pdf.starts_with(b"%PDF"))
        );
        assert_eq!(
            by_workers[0], by_workers[1],
            "the same bytes whatever the workers"
        );
    }

    #[test]
    fn a_failed_write_stops_the_printouts() {
        let info = info();
        let mut written = 0;
        let err = render_parallel(&info, 2, &mut parts(50), &mut |_, _| {
            written += 1;
            if written == 3 {
                return Err(ArchiveError::write("disk", std::io::Error::other("full")));
            }
            Ok(())
        })
        .unwrap_err();
        assert!(err.to_string().contains("full"), "{err}");
        assert_eq!(written, 3, "nothing is written after the error");
        let mut calls = 0;
        let err = render_parallel(
            &info,
            2,
            &mut || {
                calls += 1;
                if calls == 4 {
                    Err(ArchiveError::write(
                        "spool",
                        std::io::Error::other("bad run"),
                    ))
                } else {
                    parts(10)()
                }
            },
            &mut |_, _| Ok(()),
        )
        .unwrap_err();
        assert!(err.to_string().contains("bad run"), "{err}");
    }

    #[test]
    fn odd_thread_ids_get_safe_names() {
        assert_eq!(safe_name("9000000123"), "9000000123");
        let s = safe_name("../../etc/passwd");
        assert!(s.starts_with("sha256-") && !s.contains('/'), "{s}");
        assert!(safe_name("").starts_with("sha256-"));
    }
}
