//! Snapshot mode (R8.2): for authorities that archive small flows by snapshot, a PDF/A-2u
//! printout of one account's feed for a period — each post followed by its comments and answers
//! in the order they became available, versions noted, media named by file name and SHA-256 —
//! written to one file and recorded in the delivery log like a package.
use crate::{App, AppError, Result};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use insyn_archive::printout::{PrintRecord, printout_record, thread_of};
use insyn_domain::{AccountId, Delivery, Organisation, Sha256Digest};
use insyn_store::{NewDelivery, RecordFilter};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// What a snapshot did.
#[derive(Debug, Clone, Serialize)]
pub struct SnapshotReport {
    pub path: PathBuf,
    pub records: u64,
    pub threads: u64,
    pub bytes: u64,
    /// SHA-256 (hex) of the PDF.
    pub sha256: String,
    pub delivery: Delivery,
}

/// The text one snapshot may hold; a longer period is refused with advice (use packages).
const MAX_SNAPSHOT_TEXT: usize = 6 << 20;

impl App {
    /// Writes the printout of `account`'s feed for [`from`, `to`) to `dest` (a new file) and logs
    /// it as a delivery.
    pub async fn snapshot(
        &self,
        org: &Organisation,
        account: AccountId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        dest: &Path,
        actor: &str,
    ) -> Result<SnapshotReport> {
        if from >= to {
            return Err(AppError::invalid(
                "from",
                "perioden måste börja före sitt slut / the period must start before it ends",
            ));
        }
        if dest.exists() {
            return Err(AppError::invalid(
                "out",
                format!(
                    "{} finns redan / exists already; choose another file name",
                    dest.display()
                ),
            ));
        }
        let acc = self
            .store
            .list_accounts(org.id)
            .await?
            .into_iter()
            .find(|a| a.id == account)
            .ok_or_else(|| {
                AppError::NotFound(format!(
                    "kontot {account} finns inte hos '{}' / account {account} is not an account of '{}'",
                    org.slug, org.slug
                ))
            })?;
        let label = format!("{}: {}", acc.platform.as_str(), acc.handle);

        // the feed, thread by thread (threads in the order they started)
        let mut threads: Vec<(String, Vec<PrintRecord>)> = Vec::new();
        let mut index: std::collections::HashMap<String, usize> = Default::default();
        let mut media_names: std::collections::HashMap<Sha256Digest, String> = Default::default();
        let mut text = 0usize;
        let mut records = 0u64;
        let mut fingerprint = Sha256::new();
        let mut offset = 0;
        loop {
            let page = self
                .store
                .list_records(
                    org.id,
                    &RecordFilter {
                        account: Some(account),
                        from: Some(from),
                        to: Some(to),
                        limit: 500,
                        offset,
                        ..RecordFilter::default()
                    },
                )
                .await?;
            if page.is_empty() {
                break;
            }
            offset += page.len() as i64;
            for record in page {
                let versions = self.store.record_versions(org.id, record.id).await?;
                text += versions.iter().map(|v| v.text.len() + 300).sum::<usize>();
                if text > MAX_SNAPSHOT_TEXT {
                    return Err(AppError::invalid(
                        "period",
                        "för mycket text för en ögonblicksbild; välj en kortare period eller gör ett arkivpaket (insyn export) / too much text for one snapshot; choose a shorter period or export a package",
                    ));
                }
                let mut media = Vec::new();
                for v in &versions {
                    for d in &v.media {
                        if !media_names.contains_key(d) {
                            let name = self.media_name(d).await;
                            media_names.insert(*d, name);
                        }
                        let name = media_names[d].clone();
                        if !media.contains(&name) {
                            media.push(name);
                        }
                    }
                }
                if let Some(v) = versions.last() {
                    fingerprint.update(
                        format!("{} {}\n", record.id.0, v.content_digest.to_hex()).as_bytes(),
                    );
                }
                let key = thread_of(&record).to_string();
                let i = *index.entry(key.clone()).or_insert_with(|| {
                    threads.push((key, Vec::new()));
                    threads.len() - 1
                });
                threads[i].1.push(PrintRecord {
                    record,
                    versions,
                    media,
                });
                records += 1;
            }
        }
        if records == 0 {
            return Err(AppError::invalid(
                "period",
                "inga handlingar för kontot under perioden / no records for the account in the period: nothing to print",
            ));
        }
        let mut printed = Vec::new();
        for (_, recs) in &mut threads {
            recs.sort_by_key(|r| (r.record.available_at, r.record.id.0));
        }
        threads.sort_by_key(|(_, recs)| recs.first().map(|r| r.record.available_at));
        for (_, recs) in &threads {
            for r in recs {
                printed.push(printout_record(&org.name, &label, r));
            }
        }
        // the Swedish date (local_time starts with it)
        let day = |d: DateTime<Utc>| insyn_pdf::local_time(d)[..10].to_string();
        let last_day = day(to - chrono::Duration::seconds(1));
        let now = Utc::now();
        let doc = insyn_pdf::Printout {
            lang: insyn_pdf::Lang::Sv,
            title: format!("Ögonblicksbild: {label}, {} – {last_day}", day(from)),
            intro: vec![
                ("Organisation".into(), org.name.clone()),
                ("Konto".into(), format!("{label} ({})", acc.url)),
                (
                    "Period".into(),
                    format!(
                        "{} – {}",
                        insyn_pdf::local_time(from),
                        insyn_pdf::local_time(to)
                    ),
                ),
                ("Handlingar".into(), records.to_string()),
                ("Trådar".into(), threads.len().to_string()),
                ("Utskriven".into(), insyn_pdf::local_time(now)),
            ],
            records: printed,
            created: now,
        };
        let pdf = tokio::task::spawn_blocking(move || insyn_pdf::printout(&doc))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(|e| AppError::Internal(format!("the printout could not be made: {e}")))?;
        let sha: [u8; 32] = Sha256::digest(&pdf).into();
        if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
            tokio::fs::create_dir_all(parent).await?;
        }
        let partial = dest.with_extension("pdf.partial");
        tokio::fs::write(&partial, &pdf).await.map_err(|e| {
            AppError::Unavailable(format!("cannot write {}: {e}", partial.display()))
        })?;
        tokio::fs::rename(&partial, dest).await?;
        let objid = insyn_archive::PackageInfo::new_objid().replacen("uuid-", "snapshot-", 1);
        let delivery = self
            .store
            .log_delivery(
                org.id,
                &NewDelivery {
                    period_from: Some(from),
                    period_to: to,
                    account_id: Some(account),
                    objid,
                    destination: dest.display().to_string(),
                    format: insyn_store::SNAPSHOT_FORMAT.into(),
                    records: records as i64,
                    files: 1,
                    bytes: pdf.len() as i64,
                    mets_sha256: Sha256Digest(sha),
                    records_sha256: hex::encode(fingerprint.finalize()),
                    validation: "PDF/A-2u (insyn-pdf)".into(),
                    detail: serde_json::json!({
                        "kind": "snapshot",
                        "path": dest.display().to_string(),
                        "pdf_sha256": hex::encode(sha),
                        "records": records,
                        "threads": threads.len(),
                    }),
                },
                actor,
            )
            .await?;
        Ok(SnapshotReport {
            path: dest.to_path_buf(),
            records,
            threads: threads.len() as u64,
            bytes: pdf.len() as u64,
            sha256: hex::encode(sha),
            delivery,
        })
    }

    /// A media file's name as a snapshot shows it: `<sha256>.<ext>` (the extension from its
    /// first bytes), or a note when the blob store lacks it.
    async fn media_name(&self, d: &Sha256Digest) -> String {
        let head = match self.blobs.get_stream(d).await {
            Ok(mut r) => match r.stream.next().await {
                Some(Ok(chunk)) => chunk.slice(..chunk.len().min(64)),
                _ => bytes::Bytes::new(),
            },
            Err(_) => {
                return format!(
                    "{} (saknas i blobblagret / missing from the blob store)",
                    d.to_hex()
                );
            }
        };
        let (ext, _) = insyn_archive::sniff(&head);
        format!("{}.{ext}", d.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use crate::export::tests::{app, fixture};
    use chrono::TimeZone;
    use chrono::Utc;
    use insyn_domain::AccountId;

    fn day(d: u32) -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 10, d, 0, 0, 0).unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_snapshot_prints_the_feed_in_order_and_is_logged() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(dir.path()).await;
        let (org, account) = fixture(&app, 9, None).await;
        let out = dir.path().join("snap/oktober.pdf");
        let r = app
            .snapshot(&org, account, day(1), day(31), &out, "arkivarie")
            .await
            .unwrap();
        // the fixture puts record i on day 1 + i % 28: records 1..=9 on days 2..=10
        assert_eq!(r.records, 9);
        let pdf = std::fs::read(&out).unwrap();
        assert_eq!(r.bytes as usize, pdf.len());
        assert_eq!(r.delivery.format, "snapshot-pdf");
        assert_eq!(r.delivery.account_id, Some(account));
        assert_eq!(
            r.delivery.mets_sha256,
            insyn_domain::Sha256Digest::of(&pdf).to_hex()
        );
        assert_eq!(app.deliveries(org.id).await.unwrap().len(), 1);
        if let Some(info) = insyn_testkit::pdf::pikepdf_info("snapshot", &pdf) {
            let v: serde_json::Value = serde_json::from_str(&info).unwrap();
            assert_eq!(v["part"], "2", "{info}");
            assert_eq!(v["conformance"], "U", "{info}");
            assert!(
                v["fonts"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|f| f["embedded"] == true)
            );
        }
        if let Some(text) = insyn_testkit::pdf::pdftotext("snapshot", &pdf) {
            let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                flat.contains("Ögonblicksbild: mastodon: @ekbacka"),
                "{flat}"
            );
            let pos: Vec<usize> = (1..=9)
                .map(|i| {
                    flat.find(&format!("Fråga {i} om bygglov"))
                        .unwrap_or_else(|| panic!("record {i} missing: {flat}"))
                })
                .collect();
            assert!(pos.windows(2).all(|w| w[0] < w[1]), "in order: {pos:?}");
            // the photo on every third record, by name and SHA-256
            assert!(flat.contains(".png"), "{flat}");
        }

        // bad input: an empty period, an unknown account, a period backwards, an existing file
        let err = app
            .snapshot(
                &org,
                account,
                day(20),
                day(21),
                &dir.path().join("e.pdf"),
                "a",
            )
            .await
            .unwrap_err();
        assert!(err.to_string().contains("no records"), "{err}");
        let err = app
            .snapshot(
                &org,
                AccountId(999),
                day(1),
                day(31),
                &dir.path().join("u.pdf"),
                "a",
            )
            .await
            .unwrap_err();
        assert!(err.to_string().contains("999"), "{err}");
        let err = app
            .snapshot(
                &org,
                account,
                day(5),
                day(1),
                &dir.path().join("b.pdf"),
                "a",
            )
            .await
            .unwrap_err();
        assert!(err.to_string().contains("before it ends"), "{err}");
        let err = app
            .snapshot(&org, account, day(1), day(31), &out, "a")
            .await
            .unwrap_err();
        assert!(err.to_string().contains("exists already"), "{err}");
        assert_eq!(app.deliveries(org.id).await.unwrap().len(), 1);

        // a package of the same account and period is not a re-delivery of the snapshot, and a
        // second snapshot of the period is a re-delivery of the first
        let selection = crate::ExportSelection {
            from: Some(day(1)),
            to: Some(day(31)),
            account: Some(account),
        };
        app.export(
            &org,
            &selection,
            &dir.path().join("paket"),
            &crate::ExportOptions::default(),
            &crate::NoProgress,
            "a",
        )
        .await
        .unwrap();
        let again = app
            .snapshot(
                &org,
                account,
                day(1),
                day(31),
                &dir.path().join("igen.pdf"),
                "a",
            )
            .await
            .unwrap();
        assert_eq!(again.delivery.redelivery_of, Some(r.delivery.id));
        let deliveries = app.deliveries(org.id).await.unwrap();
        assert_eq!(deliveries.len(), 3);
        let package = deliveries
            .iter()
            .find(|d| d.format != "snapshot-pdf")
            .unwrap();
        assert_eq!(package.redelivery_of, None, "{package:?}");
    }
}
