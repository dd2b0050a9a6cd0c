//! The package builder: reads a selection page by page from a [`PackageSource`] and writes an
//! E-ARK CSIP/SIP package (FGS Paketstruktur 2.0) file by file. Sizes and SHA-256 are measured
//! while each file is written; the list of data files goes to a spool file beside the package, so
//! memory stays bounded by one page of records and the largest raw payload, whatever the size of
//! the selection.
use crate::docs;
use crate::error::{ArchiveError, SourceError};
use crate::info::{PackageInfo, SCHEMAS};
use crate::mets::{self, RootFiles};
use crate::premis::{self, PremisEvent};
use crate::printout::{self, ThreadSpool};
use crate::sink::{FileEntry, Sink};
use crate::source::{PackageSource, RecordBundle, sniff};
use crate::warc::{WarcRecord, WarcWriter};
use chrono::{DateTime, Utc};
use insyn_domain::Sha256Digest;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// Folder or zip file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Output {
    #[default]
    Folder,
    Zip,
}

/// How the builder reads.
#[derive(Debug, Clone, Copy)]
pub struct BuildOptions {
    /// Records asked of the source at a time.
    pub page_size: usize,
    /// A PDF/A printout per thread as a second representation (`representations/rep2`).
    pub printouts: bool,
    /// Threads rendering printouts at once, and making a page's record files at once in a
    /// folder package (the package is still listed in one order).
    pub printout_workers: usize,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            page_size: 500,
            printouts: true,
            printout_workers: std::thread::available_parallelism().map_or(1, |n| n.get().min(8)),
        }
    }
}

/// Bytes of thread entries held before they are sorted and spooled as a run.
const THREAD_BUFFER: usize = 8 << 20;

/// What was built.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PackageReport {
    pub objid: String,
    /// The package folder or zip file.
    pub path: PathBuf,
    pub records: u64,
    pub raw_payloads: u64,
    pub media_files: u64,
    pub warc_records: u64,
    /// PDF/A printouts (one per thread, or per part of a long thread) in `representations/rep2`.
    pub printouts: u64,
    /// Files in the package, METS files included.
    pub files: u64,
    /// Bytes of all files (uncompressed).
    pub bytes: u64,
    /// SHA-256 (hex) of the package's root `METS.xml`: the digest a time-stamp covers.
    pub mets_sha256: String,
    /// SHA-256 (hex) over the lines `<record id> <SHA-256 of its file>` in the order written: one
    /// fingerprint of the record content (the same selection of unchanged records gives the same).
    pub records_sha256: String,
    /// Leftovers of earlier exports to the same folder that stopped half-way (killed, power
    /// lost), removed before this one started.
    pub leftovers_removed: u64,
}

const REP_DATA: &str = "representations/rep1/data";

/// Builds a package of the selection `source` yields under `dest` (a folder that must exist).
/// The package is written under a temporary name and renamed only when complete: a failed build
/// leaves nothing that looks like a package. `progress` is called with the records done so far.
pub fn build_package(
    source: &mut dyn PackageSource,
    info: &PackageInfo,
    dest: &Path,
    output: Output,
    options: BuildOptions,
    progress: &mut dyn FnMut(u64),
) -> Result<PackageReport, ArchiveError> {
    info.check()?;
    if !dest.is_dir() {
        return Err(ArchiveError::invalid(
            "out",
            format!("{} is not a folder", dest.display()),
        ));
    }
    // One export at a time per folder; whatever an earlier one left half-way goes first (it was
    // never renamed to a package name, so it was never checked nor logged as delivered).
    let _lock = crate::sink::lock_folder(dest)?;
    let leftovers_removed = crate::sink::remove_leftovers(dest)?;
    let work = dest.join(format!(".{}.work", info.objid));
    std::fs::create_dir_all(&work).map_err(|e| ArchiveError::write(&work, e))?;
    let sink = match output {
        Output::Folder => Sink::dir(dest, &info.objid),
        Output::Zip => Sink::zip(dest, &info.objid),
    };
    let result = sink.and_then(|sink| {
        let mut b = Builder::new(sink, info, &work, options)?;
        match b.run(source, progress) {
            Ok(report) => Ok(PackageReport {
                leftovers_removed,
                ..report
            }),
            Err(e) => {
                b.sink.abandon();
                Err(e)
            }
        }
    });
    let _ = std::fs::remove_dir_all(&work);
    result
}

struct Builder<'a> {
    sink: Sink,
    info: &'a PackageInfo,
    options: BuildOptions,
    spool_path: PathBuf,
    spool: BufWriter<File>,
    /// The same for the printouts' representation.
    spool2_path: PathBuf,
    spool2: BufWriter<File>,
    threads: Option<ThreadSpool>,
    warc_path: PathBuf,
    warc: WarcWriter<BufWriter<File>>,
    /// Raw payloads written so far → the id of their WARC response record.
    raw_seen: HashMap<[u8; 32], String>,
    /// Media written so far, with the extension each was given.
    media_seen: HashMap<[u8; 32], &'static str>,
    records: u64,
    files: u64,
    bytes: u64,
    first_capture: Option<DateTime<Utc>>,
    last_capture: Option<DateTime<Utc>>,
    records_hasher: Sha256,
    /// Accounts whose `records/<account>` folder exists in a folder package.
    record_dirs: std::collections::HashSet<i64>,
}

/// What a record's raw payloads and media gave: the WARC record its metadata record refers
/// to (the last raw payload's) and its media files' names.
struct Payloads {
    refers_to: Option<String>,
    media_names: Vec<String>,
}

/// What a record worker needs besides the record.
struct RecordContext<'a> {
    urn_prefix: &'a str,
    warcinfo_id: &'a str,
    printouts: bool,
}

/// A record's JSON file, written, its WARC metadata record as a gzip member, and its line
/// in the thread spool (when the package has printouts).
struct MadeRecord {
    file: FileEntry,
    warc_member: Vec<u8>,
    spool: Option<(String, String)>,
}

/// A data file of a folder package written in one go from memory (any thread; its folder
/// exists). Hashed from the same bytes.
fn write_dir_file(staging: &Path, path: &str, bytes: &[u8]) -> Result<FileEntry, ArchiveError> {
    let full = staging.join(path);
    let mut f = File::create(&full).map_err(|e| ArchiveError::write(&full, e))?;
    f.write_all(bytes)
        .map_err(|e| ArchiveError::write(&full, e))?;
    Ok(FileEntry {
        path: path.to_string(),
        size: bytes.len() as u64,
        sha256: Sha256::digest(bytes).into(),
        mime: "application/json".to_string(),
        created: Utc::now(),
    })
}

/// Writes a data file (path in the package, bytes) and returns its entry.
trait WriteData: Fn(&str, &[u8]) -> Result<FileEntry, ArchiveError> {}
impl<F: Fn(&str, &[u8]) -> Result<FileEntry, ArchiveError>> WriteData for F {}
type WriteDataMut<'a> = dyn FnMut(&str, &[u8]) -> Result<FileEntry, ArchiveError> + 'a;

fn make_records(
    ctx: &RecordContext<'_>,
    bundles: &[RecordBundle],
    payloads: &[Payloads],
    write: &(dyn WriteData + Sync),
) -> Result<Vec<MadeRecord>, ArchiveError> {
    bundles
        .iter()
        .zip(payloads)
        .map(|(bundle, payload)| make_record(ctx, bundle, payload, &mut |p, b| write(p, b)))
        .collect()
}

/// One record's JSON file (with its versions and events) and its WARC metadata record.
fn make_record(
    ctx: &RecordContext<'_>,
    bundle: &RecordBundle,
    payload: &Payloads,
    write: &mut WriteDataMut<'_>,
) -> Result<MadeRecord, ArchiveError> {
    let r = &bundle.record;
    let (id, account) = (r.id.0, r.account_id.0);
    let mut json = serde_json::to_vec_pretty(bundle)
        .map_err(|e| ArchiveError::write(format!("record {id}"), std::io::Error::other(e)))?;
    json.push(b'\n');
    let file = write(&format!("{REP_DATA}/records/{account}/{id}.json"), &json)?;

    let mut block = String::new();
    let mut field = |k: &str, v: &str| {
        block.push_str(k);
        block.push_str(": ");
        block.push_str(&v.replace(['\r', '\n'], " "));
        block.push_str("\r\n");
    };
    field("insyn-record-id", &id.to_string());
    field(
        "insyn-record-file",
        &format!("data/records/{account}/{id}.json"),
    );
    field("insyn-record-file-sha256", &hex::encode(file.sha256));
    field("account-id", &account.to_string());
    field("platform-item-id", &r.platform_item_id);
    field("kind", r.kind.as_str());
    field("direction", r.direction.as_str());
    field("versions", &bundle.versions.len().to_string());
    for v in &bundle.versions {
        field(
            "version",
            &format!(
                "{} captured {} content-sha256 {} raw {} pointer {}",
                v.number,
                mets::time(&v.captured_at),
                v.content_digest.to_hex(),
                v.raw_blob.map(|d| d.to_hex()).unwrap_or_else(|| "-".into()),
                v.raw_pointer
            ),
        );
    }
    let uri = format!("urn:insyn:{}:record:{id}", ctx.urn_prefix);
    let mut fields = Vec::new();
    if let Some(warc_id) = &payload.refers_to {
        fields.push(("WARC-Refers-To", warc_id.clone()));
    }
    let date = bundle
        .versions
        .last()
        .map(|v| v.captured_at)
        .unwrap_or(r.available_at);
    let (_, warc_member) = crate::warc::member(
        &WarcRecord {
            kind: "metadata",
            date,
            target_uri: Some(&uri),
            content_type: "application/warc-fields",
            fields,
            block: block.as_bytes(),
            payload_offset: 0,
        },
        Some(ctx.warcinfo_id).filter(|s| !s.is_empty()),
    )
    .map_err(|e| ArchiveError::write("capture.warc.gz", e))?;
    let spool = if ctx.printouts {
        Some(printout::spool_entry(
            &bundle.record,
            &bundle.versions,
            &payload.media_names,
        )?)
    } else {
        None
    };
    Ok(MadeRecord {
        file,
        warc_member,
        spool,
    })
}

/// A whole sink that must be replaced while the builder holds it (for `abandon`).
impl<'a> Builder<'a> {
    fn new(
        sink: Sink,
        info: &'a PackageInfo,
        work: &Path,
        options: BuildOptions,
    ) -> Result<Self, ArchiveError> {
        let spool_path = work.join("files.tsv");
        let spool = File::create(&spool_path).map_err(|e| ArchiveError::write(&spool_path, e))?;
        let spool2_path = work.join("files-rep2.tsv");
        let spool2 =
            File::create(&spool2_path).map_err(|e| ArchiveError::write(&spool2_path, e))?;
        let warc_path = work.join("capture.warc.gz");
        let wf = File::create(&warc_path).map_err(|e| ArchiveError::write(&warc_path, e))?;
        Ok(Builder {
            sink,
            info,
            options,
            spool_path,
            spool: BufWriter::new(spool),
            spool2_path,
            spool2: BufWriter::new(spool2),
            threads: options
                .printouts
                .then(|| ThreadSpool::new(work, THREAD_BUFFER)),
            warc_path,
            warc: WarcWriter::new(BufWriter::with_capacity(1 << 16, wf)),
            raw_seen: HashMap::new(),
            media_seen: Default::default(),
            records: 0,
            files: 0,
            bytes: 0,
            first_capture: None,
            last_capture: None,
            records_hasher: Sha256::new(),
            record_dirs: std::collections::HashSet::new(),
        })
    }

    fn note(&mut self, e: &FileEntry) {
        self.files += 1;
        self.bytes += e.size;
    }

    /// A data file of the representation: written, counted, and listed in the spool.
    fn data_file(
        &mut self,
        path: &str,
        mime: &str,
        fill: &mut dyn FnMut(&mut dyn Write) -> Result<(), ArchiveError>,
    ) -> Result<FileEntry, ArchiveError> {
        let e = self.sink.write_file(path, mime, fill)?;
        self.note(&e);
        self.list(false, &e)?;
        Ok(e)
    }

    /// Lists a data file in its representation's spool (rep2: the printouts).
    fn list(&mut self, rep2: bool, e: &FileEntry) -> Result<(), ArchiveError> {
        let (spool, path) = if rep2 {
            (&mut self.spool2, &self.spool2_path)
        } else {
            (&mut self.spool, &self.spool_path)
        };
        writeln!(
            spool,
            "{}\t{}\t{}\t{}\t{}",
            e.path,
            e.size,
            hex::encode(e.sha256),
            e.mime,
            e.created.timestamp_micros()
        )
        .map_err(|err| ArchiveError::write(path, err))
    }

    fn run(
        &mut self,
        source: &mut dyn PackageSource,
        progress: &mut dyn FnMut(u64),
    ) -> Result<PackageReport, ArchiveError> {
        let info = self.info;
        let warc_io = |e: std::io::Error| ArchiveError::write("capture.warc.gz", e);
        let accounts = info.accounts.join(", ");
        self.warc
            .write_warcinfo(
                info.created,
                &[
                    ("software", &format!("{} {}", info.software, info.software_version)),
                    ("format", "WARC File Format 1.1"),
                    ("conformsTo", "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"),
                    ("operator", &info.archivist.name),
                    ("isPartOf", &info.objid),
                    ("description", &format!("Social media records; accounts: {accounts}; platform payloads verbatim as resource records, one metadata record per record")),
                ],
            )
            .map_err(warc_io)?;

        // 1. records, page by page (the next page is read while this one's files are written)
        let mut next = source.records(self.records, self.options.page_size)?;
        while !next.is_empty() {
            let page = std::mem::take(&mut next);
            self.records += page.len() as u64;
            next = self.page(source, page)?;
            progress(self.records);
        }
        if self.records == 0 {
            return Err(ArchiveError::invalid(
                "selection",
                "inga handlingar i urvalet / no records in the selection: nothing to deliver",
            ));
        }

        // 2. the WARC file, copied in from the work folder
        let warc_records = self.warc.records();
        let warc = std::mem::replace(
            &mut self.warc,
            WarcWriter::new(BufWriter::new(tempfile_sink()?)),
        );
        let f = warc
            .into_inner()
            .into_inner()
            .map_err(|e| ArchiveError::write(&self.warc_path, e.into_error()))?;
        drop(f);
        let warc_path = self.warc_path.clone();
        let mut wf = File::open(&warc_path).map_err(|e| ArchiveError::write(&warc_path, e))?;
        self.data_file(
            &format!("{REP_DATA}/capture.warc.gz"),
            "application/gzip",
            &mut |w| {
                std::io::copy(&mut wf, w)
                    .map(|_| ())
                    .map_err(|e| ArchiveError::write(&warc_path, e))
            },
        )?;
        self.spool
            .flush()
            .map_err(|e| ArchiveError::write(&self.spool_path, e))?;

        // 3. the printouts, thread by thread, as the second representation
        let mut printouts = 0u64;
        if let Some(spool) = self.threads.take() {
            let mut threads = spool.finish()?;
            let workers = self.options.printout_workers.max(1);
            printout::render_parallel(
                info,
                workers,
                &mut || threads.next_part(),
                &mut |path, pdf| {
                    let e = self.sink.write_file(&path, "application/pdf", &mut |w| {
                        w.write_all(&pdf).map_err(|e| ArchiveError::write(&path, e))
                    })?;
                    self.note(&e);
                    self.list(true, &e)?;
                    printouts += 1;
                    Ok(())
                },
            )?;
        }
        self.spool2
            .flush()
            .map_err(|e| ArchiveError::write(&self.spool2_path, e))?;

        // 4. representation PREMIS and METS, from the spools
        let with_schemas = info.schemas_dir.is_some();
        let mut reps = Vec::new();
        let rep_events = self.rep_events();
        let rep2_events = vec![PremisEvent {
            id: "event-creation".into(),
            kind: "creation".into(),
            at: info.created,
            detail: format!(
                "{printouts} utskrifter i PDF/A-2u, en per tråd (långa trådar i delar), skapade av {} {} från representations/rep1 / PDF/A-2u printouts, one per thread, made from representations/rep1",
                info.software, info.software_version
            ),
            outcome: "success".into(),
            object: None,
        }];
        for (rep, spool_path, events) in [
            ("rep1", self.spool_path.clone(), rep_events),
            ("rep2", self.spool2_path.clone(), rep2_events),
        ] {
            if rep == "rep2" && printouts == 0 {
                continue;
            }
            let rep_premis = self.sink.write_file(
                &format!("representations/{rep}/metadata/preservation/premis.xml"),
                "application/xml",
                &mut |w| {
                    let mut files = read_spool(&spool_path)?;
                    premis::write_rep_premis(w, info, rep, &mut files, &events).map(|_| ())
                },
            )?;
            self.note(&rep_premis);
            let rep_mets = self.sink.write_file(
                &format!("representations/{rep}/METS.xml"),
                "application/xml",
                &mut |w| {
                    let mut files = read_spool(&spool_path)?;
                    mets::write_rep_mets(w, info, rep, with_schemas, &rep_premis, &mut files)
                        .map(|_| ())
                },
            )?;
            self.note(&rep_mets);
            reps.push((rep, rep_mets));
        }

        // 5. documentation, schemas, package metadata
        let records = self.records;
        let readme = docs::readme(info, records, printouts);
        let mut documentation =
            vec![
                self.sink
                    .write_file("documentation/README.txt", "text/plain", &mut |w| {
                        w.write_all(readme.as_bytes())
                            .map_err(|e| ArchiveError::write("documentation/README.txt", e))
                    })?,
            ];
        if let Some(add) = &info.additional {
            documentation.push(self.sink.write_file(
                "documentation/additionalPackageInfo.xml",
                "application/xml",
                &mut |w| {
                    docs::additional_package_info(w, info, add)
                        .map(|_| ())
                        .map_err(|e| {
                            ArchiveError::write("documentation/additionalPackageInfo.xml", e)
                        })
                },
            )?);
        }
        let mut schemas = Vec::new();
        if let Some(dir) = &info.schemas_dir {
            for (_, name) in SCHEMAS {
                let from = dir.join(name);
                let mut f = File::open(&from).map_err(|e| {
                    ArchiveError::invalid(
                        "schemas",
                        format!(
                            "{} cannot be read ({e}); it must hold {}",
                            from.display(),
                            SCHEMAS.map(|s| s.1).join(", ")
                        ),
                    )
                })?;
                schemas.push(self.sink.write_file(
                    &format!("schemas/{name}"),
                    "application/xml",
                    &mut |w| {
                        std::io::copy(&mut f, w)
                            .map(|_| ())
                            .map_err(|e| ArchiveError::write(&from, e))
                    },
                )?);
            }
        }
        let description = self.sink.write_file(
            "metadata/descriptive/description.xml",
            "application/xml",
            &mut |w| {
                docs::description(w, info, records)
                    .map(|_| ())
                    .map_err(|e| ArchiveError::write("metadata/descriptive/description.xml", e))
            },
        )?;
        let package_events = vec![PremisEvent {
            id: "event-ingestion".into(),
            kind: "ingestion".into(),
            at: info.created,
            detail: format!(
                "Informationspaket skapat av {} / information package created: {records} records",
                info.software
            ),
            outcome: "success".into(),
            object: Some("representations/rep1".into()),
        }];
        let rep_names: Vec<&str> = reps.iter().map(|(r, _)| *r).collect();
        let pkg_premis = self.sink.write_file(
            "metadata/preservation/premis.xml",
            "application/xml",
            &mut |w| {
                premis::write_package_premis(w, info, &rep_names, &package_events)
                    .map(|_| ())
                    .map_err(|e| ArchiveError::write("metadata/preservation/premis.xml", e))
            },
        )?;
        for e in documentation
            .iter()
            .chain(&schemas)
            .chain([&description, &pkg_premis])
        {
            self.files += 1;
            self.bytes += e.size;
        }

        // 6. the package METS, last: it vouches for everything above
        let root = RootFiles {
            description: &description,
            premis: &pkg_premis,
            documentation: &documentation,
            schemas: &schemas,
            reps: &reps,
        };
        let mets = self
            .sink
            .write_file("METS.xml", "application/xml", &mut |w| {
                mets::write_root_mets(w, info, &root)
                    .map(|_| ())
                    .map_err(|e| ArchiveError::write("METS.xml", e))
            })?;
        self.note(&mets);

        let sink = std::mem::replace(
            &mut self.sink,
            Sink::Dir {
                staging: PathBuf::new(),
                root: PathBuf::new(),
            },
        );
        let path = sink.finish()?;
        Ok(PackageReport {
            objid: info.objid.clone(),
            path,
            records: self.records,
            raw_payloads: self.raw_seen.len() as u64,
            media_files: self.media_seen.len() as u64,
            warc_records,
            printouts,
            files: self.files,
            bytes: self.bytes,
            mets_sha256: hex::encode(mets.sha256),
            records_sha256: hex::encode(std::mem::take(&mut self.records_hasher).finalize()),
            leftovers_removed: 0,
        })
    }

    fn rep_events(&self) -> Vec<PremisEvent> {
        let info = self.info;
        let first = self.first_capture.unwrap_or(info.created);
        let last = self.last_capture.unwrap_or(info.created);
        vec![
            PremisEvent {
                id: "event-capture".into(),
                kind: "capture".into(),
                at: first,
                detail: format!(
                    "{} handlingar insamlade från plattformarna {} – {} / {} records captured from the platforms; each record file lists its versions and capture times",
                    self.records,
                    mets::time(&first),
                    mets::time(&last),
                    self.records
                ),
                outcome: "success".into(),
                object: None,
            },
            PremisEvent {
                id: "event-ingestion".into(),
                kind: "ingestion".into(),
                at: info.created,
                detail: format!(
                    "Representation skriven av {} {}",
                    info.software, info.software_version
                ),
                outcome: "success".into(),
                object: None,
            },
            PremisEvent {
                id: "event-validation".into(),
                kind: "validation".into(),
                at: info.created,
                detail: format!(
                    "Varje plattformssvar ({}) och mediefil ({}) hashades om vid paketeringen och stämde med sin SHA-256 / every payload and media file was re-hashed while packaging and matched its SHA-256",
                    self.raw_seen.len(),
                    self.media_seen.len()
                ),
                outcome: "success".into(),
                object: None,
            },
        ]
    }

    /// One page of records: their raw payloads and media first (in order: each is written
    /// once), then each record's JSON file and WARC metadata record — made on
    /// `printout_workers` threads at once for a folder, where files are independent, while this
    /// thread reads the next page from the source — and last, in order again, the file list,
    /// the WARC file and the thread spool. Returns the next page (`self.records` records are
    /// handed out, this page included).
    fn page(
        &mut self,
        source: &mut dyn PackageSource,
        page: Vec<RecordBundle>,
    ) -> Result<Vec<RecordBundle>, ArchiveError> {
        let (offset, limit) = (self.records, self.options.page_size);
        let mut payloads = Vec::with_capacity(page.len());
        for bundle in &page {
            payloads.push(self.payloads(source, bundle)?);
        }
        let ctx = RecordContext {
            urn_prefix: &self.info.urn_prefix,
            warcinfo_id: self.warc.warcinfo_id().unwrap_or_default(),
            printouts: self.threads.is_some(),
        };
        let (made, next): (Vec<MadeRecord>, Vec<RecordBundle>) = match &self.sink {
            Sink::Dir { staging, .. } => {
                let staging = staging.as_path();
                let write = |path: &str, bytes: &[u8]| write_dir_file(staging, path, bytes);
                let workers = self.options.printout_workers.clamp(1, 8);
                let chunk = page.len().div_ceil(workers).max(1);
                let (results, next): (Vec<Result<Vec<MadeRecord>, ArchiveError>>, _) =
                    std::thread::scope(|scope| {
                        let handles: Vec<_> = page
                            .chunks(chunk)
                            .zip(payloads.chunks(chunk))
                            .map(|(bundles, refs)| {
                                scope.spawn(|| make_records(&ctx, bundles, refs, &write))
                            })
                            .collect();
                        let next = source.records(offset, limit);
                        let mut results = Vec::with_capacity(handles.len());
                        for h in handles {
                            results.push(h.join().unwrap_or_else(|_| {
                                Err(ArchiveError::Mismatch(
                                    "a record worker stopped unexpectedly".into(),
                                ))
                            }));
                        }
                        (results, next)
                    });
                let mut made = Vec::with_capacity(page.len());
                for r in results {
                    made.extend(r?);
                }
                (made, next?)
            }
            Sink::Zip { .. } => {
                let mut made = Vec::with_capacity(page.len());
                for (bundle, payload) in page.iter().zip(&payloads) {
                    let id = bundle.record.id.0;
                    made.push(make_record(&ctx, bundle, payload, &mut |path, bytes| {
                        self.sink.write_file(path, "application/json", &mut |w| {
                            w.write_all(bytes)
                                .map_err(|e| ArchiveError::write(format!("record {id}"), e))
                        })
                    })?);
                }
                (made, source.records(offset, limit)?)
            }
        };
        for (bundle, made) in page.iter().zip(made) {
            self.note(&made.file);
            self.list(false, &made.file)?;
            self.records_hasher.update(
                format!("{} {}\n", bundle.record.id.0, hex::encode(made.file.sha256)).as_bytes(),
            );
            self.warc
                .append(&made.warc_member)
                .map_err(|e| ArchiveError::write("capture.warc.gz", e))?;
            if let (Some(threads), Some((key, line))) = (&mut self.threads, made.spool) {
                threads.push_entry(key, line)?;
            }
        }
        Ok(next)
    }

    /// A record's raw payloads (each once, as files and WARC `resource` records) and media
    /// (each once); the capture period grows to cover its versions.
    fn payloads(
        &mut self,
        source: &mut dyn PackageSource,
        bundle: &RecordBundle,
    ) -> Result<Payloads, ArchiveError> {
        let id = bundle.record.id.0;
        for v in &bundle.versions {
            self.first_capture = Some(
                self.first_capture
                    .map_or(v.captured_at, |f| f.min(v.captured_at)),
            );
            self.last_capture = Some(
                self.last_capture
                    .map_or(v.captured_at, |l| l.max(v.captured_at)),
            );
        }
        let mut refers_to = None;
        for v in &bundle.versions {
            let Some(raw) = v.raw_blob else { continue };
            if let Some(warc_id) = self.raw_seen.get(&raw.0) {
                refers_to = Some(warc_id.clone());
                continue;
            }
            let bytes = read_blob(source, &raw, id, "raw payload")?;
            let (ext, mime) = sniff(&bytes);
            self.data_file(
                &format!("{REP_DATA}/raw/{}.{ext}", raw.to_hex()),
                mime,
                &mut |w| {
                    w.write_all(&bytes).map_err(|e| {
                        ArchiveError::write(format!("raw payload {}", raw.to_hex()), e)
                    })
                },
            )?;
            // A `resource` record: the store keeps the payload verbatim but not the HTTP
            // exchange (URL, status, headers) it came in, and a `response` record would have to
            // make those up.
            let uri = format!(
                "urn:insyn:{}:raw:sha256:{}",
                self.info.urn_prefix,
                raw.to_hex()
            );
            let warc_id = self
                .warc
                .write(&WarcRecord {
                    kind: "resource",
                    date: v.captured_at,
                    target_uri: Some(&uri),
                    content_type: mime,
                    fields: vec![],
                    block: &bytes,
                    payload_offset: 0,
                })
                .map_err(|e| ArchiveError::write("capture.warc.gz", e))?;
            self.raw_seen.insert(raw.0, warc_id.clone());
            refers_to = Some(warc_id);
        }

        let mut media_names = Vec::new();
        for v in &bundle.versions {
            for m in &v.media {
                let ext = match self.media_seen.get(&m.0) {
                    Some(ext) => *ext,
                    None => {
                        let ext = self.media(source, m, id)?;
                        self.media_seen.insert(m.0, ext);
                        ext
                    }
                };
                let name = format!("media/{}.{ext}", m.to_hex());
                if !media_names.contains(&name) {
                    media_names.push(name);
                }
            }
        }
        // the record's folder, made once per account
        let account = bundle.record.account_id.0;
        if let Sink::Dir { staging, .. } = &self.sink
            && self.record_dirs.insert(account)
        {
            let dir = staging.join(format!("{REP_DATA}/records/{account}"));
            std::fs::create_dir_all(&dir).map_err(|e| ArchiveError::write(&dir, e))?;
        }
        Ok(Payloads {
            refers_to,
            media_names,
        })
    }

    /// Copies one media file, streaming, and checks that it hashes to its name. Returns the
    /// extension it was given.
    fn media(
        &mut self,
        source: &mut dyn PackageSource,
        digest: &Sha256Digest,
        record: i64,
    ) -> Result<&'static str, ArchiveError> {
        let mut reader = source.open_blob(digest, record, "media file")?;
        let read_err = |e: std::io::Error| {
            ArchiveError::Source(SourceError::Other(format!(
                "record {record}: media file {}: {e}",
                digest.to_hex()
            )))
        };
        let mut head = [0u8; 64];
        let mut n = 0;
        while n < head.len() {
            let got = reader.read(&mut head[n..]).map_err(read_err)?;
            if got == 0 {
                break;
            }
            n += got;
        }
        let (ext, mime) = sniff(&head[..n]);
        let path = format!("{REP_DATA}/media/{}.{ext}", digest.to_hex());
        let e = self.sink.write_file(&path, mime, &mut |w| {
            w.write_all(&head[..n])
                .map_err(|e| ArchiveError::write(&path, e))?;
            let mut buf = vec![0u8; 1 << 16];
            loop {
                let got = reader.read(&mut buf).map_err(read_err)?;
                if got == 0 {
                    return Ok(());
                }
                w.write_all(&buf[..got])
                    .map_err(|e| ArchiveError::write(&path, e))?;
            }
        })?;
        drop(reader);
        if e.sha256 != digest.0 {
            return Err(ArchiveError::Corrupt {
                record,
                what: "media file",
                expected: digest.to_hex(),
                actual: hex::encode(e.sha256),
            });
        }
        self.note(&e);
        self.list(false, &e)?;
        Ok(ext)
    }
}

/// A raw payload, whole (one at a time), checked against its digest.
fn read_blob(
    source: &mut dyn PackageSource,
    digest: &Sha256Digest,
    record: i64,
    what: &'static str,
) -> Result<Vec<u8>, ArchiveError> {
    let mut bytes = Vec::new();
    source
        .open_blob(digest, record, what)?
        .read_to_end(&mut bytes)
        .map_err(|e| {
            ArchiveError::Source(SourceError::Other(format!(
                "record {record}: {what} {}: {e}",
                digest.to_hex()
            )))
        })?;
    let actual: [u8; 32] = Sha256::digest(&bytes).into();
    if actual != digest.0 {
        return Err(ArchiveError::Corrupt {
            record,
            what,
            expected: digest.to_hex(),
            actual: hex::encode(actual),
        });
    }
    Ok(bytes)
}

fn tempfile_sink() -> Result<File, ArchiveError> {
    File::options()
        .write(true)
        .open(if cfg!(windows) { "NUL" } else { "/dev/null" })
        .map_err(|e| ArchiveError::write("/dev/null", e))
}

/// The spool read back: one [`FileEntry`] per line.
fn read_spool(
    path: &Path,
) -> Result<impl Iterator<Item = Result<FileEntry, ArchiveError>> + use<>, ArchiveError> {
    let f = File::open(path).map_err(|e| ArchiveError::write(path, e))?;
    let path = path.to_path_buf();
    Ok(BufReader::new(f).lines().map(move |line| {
        let line = line.map_err(|e| ArchiveError::write(&path, e))?;
        let bad = || ArchiveError::Mismatch(format!("spool {}: bad line '{line}'", path.display()));
        let mut parts = line.split('\t');
        let (Some(p), Some(size), Some(sha), Some(mime), Some(created)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(bad());
        };
        let mut sha256 = [0u8; 32];
        hex::decode_to_slice(sha, &mut sha256).map_err(|_| bad())?;
        Ok(FileEntry {
            path: p.to_string(),
            size: size.parse().map_err(|_| bad())?,
            sha256,
            mime: mime.to_string(),
            created: DateTime::from_timestamp_micros(created.parse().map_err(|_| bad())?)
                .ok_or_else(bad)?,
        })
    }))
}
