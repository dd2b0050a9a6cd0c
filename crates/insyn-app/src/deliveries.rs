//! Scheduled deliveries to the e-archive (R8.1) and the delivery log (R8.3).
//!
//! `insyn export --due` (and any scheduler, e.g. `insyn serve`, through [`App::export_due`])
//! builds one package per complete schedule period that has no delivery yet, oldest first. A
//! period without records is skipped (nothing to deliver) and reported. Exporting a period again
//! by hand is logged as a re-delivery of the first delivery, with whether the records are the
//! same; `export --due` never delivers a period twice.
use crate::{App, ExportOptions, ExportReport, ExportSelection, Progress, Result};
use chrono::{DateTime, Utc};
use insyn_domain::{Delivery, DeliverySchedule, OrgId, Organisation, Period};
use insyn_store::RecordFilter;
use serde::Serialize;
use std::path::Path;

/// What `export --due` did.
#[derive(Debug, Clone, Serialize)]
pub struct DueReport {
    pub schedule: DeliverySchedule,
    /// Whether the schedule is the default (none set for the organisation).
    pub default_schedule: bool,
    pub delivered: Vec<ExportReport>,
    /// Due periods without records: nothing to deliver.
    pub empty: Vec<Period>,
}

impl App {
    /// The organisation's schedule, or the default (monthly from this month) and `true`.
    pub async fn delivery_schedule(
        &self,
        org: OrgId,
        now: DateTime<Utc>,
    ) -> Result<(DeliverySchedule, bool)> {
        Ok(match self.store.delivery_schedule(org).await? {
            Some(s) => (s, false),
            None => (DeliverySchedule::monthly_from(now.date_naive()), true),
        })
    }

    pub async fn set_delivery_schedule(
        &self,
        org: OrgId,
        schedule: &DeliverySchedule,
        actor: &str,
    ) -> Result<()> {
        Ok(self
            .store
            .set_delivery_schedule(org, schedule, actor)
            .await?)
    }

    pub async fn deliveries(&self, org: OrgId) -> Result<Vec<Delivery>> {
        Ok(self.store.deliveries(org).await?)
    }

    /// The complete periods of the schedule that have no delivery (of every account) yet.
    pub async fn due_periods(&self, org: OrgId, now: DateTime<Utc>) -> Result<Vec<Period>> {
        let (schedule, _) = self.delivery_schedule(org, now).await?;
        let delivered: Vec<Period> = self
            .store
            .deliveries(org)
            .await?
            .into_iter()
            .filter(|d| d.account_id.is_none())
            .filter_map(|d| {
                d.period_from.map(|from| Period {
                    from,
                    to: d.period_to,
                })
            })
            .collect();
        Ok(schedule.due_periods(&delivered, now))
    }

    /// Builds, checks and logs a package for every due period, oldest first. Stops at the first
    /// failure (later periods stay due; nothing half-made is logged).
    pub async fn export_due(
        &self,
        org: &Organisation,
        dest: &Path,
        options: &ExportOptions,
        now: DateTime<Utc>,
        progress: &dyn Progress,
        actor: &str,
    ) -> Result<DueReport> {
        let (schedule, default_schedule) = self.delivery_schedule(org.id, now).await?;
        let mut report = DueReport {
            schedule,
            default_schedule,
            delivered: Vec::new(),
            empty: Vec::new(),
        };
        for period in self.due_periods(org.id, now).await? {
            let filter = RecordFilter {
                from: Some(period.from),
                to: Some(period.to),
                limit: 1,
                ..RecordFilter::default()
            };
            if self.store.list_records(org.id, &filter).await?.is_empty() {
                report.empty.push(period);
                continue;
            }
            let selection = ExportSelection {
                from: Some(period.from),
                to: Some(period.to),
                account: None,
            };
            let r = self
                .export(org, &selection, dest, options, progress, actor)
                .await?;
            report.delivered.push(r);
        }
        Ok(report)
    }
}

/// The name of the file in each organisation's delivery folder that says how the last
/// scheduled delivery went (read by `insyn deliveries list`).
pub const STATUS_FILE: &str = "leveransstatus.json";

/// How the last scheduled delivery of an organisation went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct DeliveryStatus {
    pub at: DateTime<Utc>,
    pub ok: bool,
    /// Packages delivered by that run.
    pub delivered: u64,
    /// What went wrong (Swedish/English), when it failed.
    pub error: Option<String>,
}

impl App {
    /// One scheduled delivery run (`insyn serve`, daily and at start): every organisation's due
    /// periods go to `dest/<organisation>/`, each package checked before it is logged. A failure
    /// of one organisation does not stop the others; each outcome is written to the
    /// organisation's [`STATUS_FILE`] and returned.
    pub async fn deliver_scheduled(
        &self,
        dest: &Path,
        options: &ExportOptions,
        now: DateTime<Utc>,
    ) -> Result<Vec<(String, DeliveryStatus)>> {
        let mut out = Vec::new();
        for org in self.organisations().await? {
            let folder = dest.join(&org.slug);
            let result = self
                .export_due(&org, &folder, options, now, &crate::NoProgress, "schema")
                .await;
            let status = match &result {
                Ok(r) => DeliveryStatus {
                    at: Utc::now(),
                    ok: true,
                    delivered: r.delivered.len() as u64,
                    error: None,
                },
                Err(e) => DeliveryStatus {
                    at: Utc::now(),
                    ok: false,
                    delivered: 0,
                    error: Some(format!(
                        "den schemalagda leveransen misslyckades / the scheduled delivery failed: {e}"
                    )),
                },
            };
            if let Err(e) = write_status(&folder, &status).await {
                tracing::error!(org = %org.slug, error = %e, "cannot write the delivery status");
            }
            out.push((org.slug.clone(), status));
        }
        Ok(out)
    }
}

async fn write_status(folder: &Path, status: &DeliveryStatus) -> std::io::Result<()> {
    tokio::fs::create_dir_all(folder).await?;
    let tmp = folder.join(format!(".{STATUS_FILE}.tmp"));
    let json = serde_json::to_vec_pretty(status).map_err(std::io::Error::other)?;
    tokio::fs::write(&tmp, json).await?;
    tokio::fs::rename(&tmp, folder.join(STATUS_FILE)).await
}

/// The last scheduled delivery's outcome for `org` under `dest`, if a run has written one.
pub fn delivery_status(dest: &Path, org: &str) -> Option<DeliveryStatus> {
    let bytes = std::fs::read(dest.join(org).join(STATUS_FILE)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AppConfig, NoProgress};
    use chrono::{NaiveDate, TimeZone};
    use insyn_domain::*;

    async fn setup(dir: &Path) -> (App, Organisation) {
        let app = App::open(AppConfig::embedded(dir)).await.unwrap();
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
                    message: String::new(),
                    contact: "info@ekbacka.example".into(),
                    responsible: vec!["A".into(), "B".into()],
                    office_hours: OfficeHours::default(),
                    response_hours: 8,
                },
                "test",
            )
            .await
            .unwrap();
        // January and March 2026 have records; February has none
        let items: Vec<CaptureItem> = [(1, 10), (1, 20), (3, 5)]
            .iter()
            .enumerate()
            .map(|(i, (m, d))| {
                let at = Utc.with_ymd_and_hms(2026, *m, *d, 12, 0, 0).unwrap();
                CaptureItem {
                    account_id: account.id,
                    platform_item_id: format!("{i}"),
                    kind: ItemKind::Comment,
                    direction: Direction::Received,
                    parent_platform_id: None,
                    thread_platform_id: None,
                    author_name: "Eva".into(),
                    author_platform_id: "e".into(),
                    available_at: at,
                    platform_time: Some(at),
                    text: format!("Fråga {i}"),
                    media: vec![],
                    raw_blob: None,
                    raw_pointer: String::new(),
                }
            })
            .collect();
        app.store.capture(org.id, &items, "test").await.unwrap();
        (app, org)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn due_periods_are_delivered_once_and_redelivery_is_logged() {
        let dir = tempfile::tempdir().unwrap();
        let (app, org) = setup(dir.path()).await;
        let now = Utc.with_ymd_and_hms(2026, 4, 15, 9, 0, 0).unwrap();
        // the default: monthly from this month, so nothing is complete yet
        let (s, default) = app.delivery_schedule(org.id, now).await.unwrap();
        assert!(default);
        assert_eq!(s.interval_months, 1);
        assert!(app.due_periods(org.id, now).await.unwrap().is_empty());

        // a schedule less often than twice a year is refused
        let e =
            DeliverySchedule::new(12, NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()).unwrap_err();
        assert!(e.to_string().contains("minst två gånger per år"));
        let s = DeliverySchedule::new(1, NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()).unwrap();
        app.set_delivery_schedule(org.id, &s, "arkivarie")
            .await
            .unwrap();
        assert_eq!(app.due_periods(org.id, now).await.unwrap().len(), 3);

        let out = dir.path().join("leveranser");
        let r = app
            .export_due(
                &org,
                &out,
                &ExportOptions::default(),
                now,
                &NoProgress,
                "schema",
            )
            .await
            .unwrap();
        assert_eq!(r.delivered.len(), 2, "January and March");
        assert_eq!(r.empty.len(), 1, "February has no records");
        assert_eq!(r.delivered[0].package.records, 2);
        assert_eq!(r.delivered[1].package.records, 1);
        // February stays due (nothing was delivered), the others are not due again
        let again = app
            .export_due(
                &org,
                &out,
                &ExportOptions::default(),
                now,
                &NoProgress,
                "schema",
            )
            .await
            .unwrap();
        assert!(again.delivered.is_empty());
        assert_eq!(again.empty.len(), 1);

        // January by hand again: the same content, logged as a re-delivery of the first
        let jan = ExportSelection {
            from: Some(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()),
            to: Some(Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap()),
            account: None,
        };
        let re = app
            .export(
                &org,
                &jan,
                &out,
                &ExportOptions::default(),
                &NoProgress,
                "arkivarie",
            )
            .await
            .unwrap();
        let first = &r.delivered[0];
        assert_eq!(re.delivery.redelivery_of, Some(first.delivery.id));
        assert_eq!(re.delivery.same_content, Some(true));
        assert_eq!(re.package.records_sha256, first.package.records_sha256);
        let log = app.deliveries(org.id).await.unwrap();
        assert_eq!(log.len(), 3);
        assert_eq!(log[0].records, 2);
        assert_eq!(log[0].mets_sha256, first.package.mets_sha256);
        assert_eq!(log[0].validation, "checksums");
        assert!(
            log[0].destination.ends_with(&first.package.objid)
                || log[0].destination.contains(&first.package.objid)
        );
    }

    /// The scheduled run: a due period is delivered and the status says so; a missing blob
    /// fails the run, nothing is logged as delivered, and the status names the record.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_scheduled_run_delivers_and_reports_failures() {
        let dir = tempfile::tempdir().unwrap();
        let (app, org) = setup(dir.path()).await;
        let now = Utc.with_ymd_and_hms(2026, 2, 10, 9, 0, 0).unwrap();
        let s = DeliverySchedule::new(1, NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()).unwrap();
        app.set_delivery_schedule(org.id, &s, "arkivarie")
            .await
            .unwrap();
        let dest = dir.path().join("e-arkiv");
        let runs = app
            .deliver_scheduled(&dest, &ExportOptions::default(), now)
            .await
            .unwrap();
        assert_eq!(runs.len(), 1);
        assert!(runs[0].1.ok, "{:?}", runs[0].1);
        assert_eq!(runs[0].1.delivered, 1, "January");
        assert_eq!(delivery_status(&dest, "ekbacka"), Some(runs[0].1.clone()));
        assert_eq!(app.deliveries(org.id).await.unwrap().len(), 1);

        // March's only record names a photo the blob store does not have
        let account = app.store.list_accounts(org.id).await.unwrap()[0].id;
        let ghost = insyn_domain::Sha256Digest::of(b"never stored");
        let at = Utc.with_ymd_and_hms(2026, 2, 5, 12, 0, 0).unwrap();
        app.store
            .capture(
                org.id,
                &[CaptureItem {
                    account_id: account,
                    platform_item_id: "ghost".into(),
                    kind: ItemKind::Post,
                    direction: Direction::Created,
                    parent_platform_id: None,
                    thread_platform_id: None,
                    author_name: "Ekbacka".into(),
                    author_platform_id: "1".into(),
                    available_at: at,
                    platform_time: Some(at),
                    text: "Bild".into(),
                    media: vec![ghost],
                    raw_blob: None,
                    raw_pointer: String::new(),
                }],
                "test",
            )
            .await
            .unwrap();
        let later = Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap();
        let runs = app
            .deliver_scheduled(&dest, &ExportOptions::default(), later)
            .await
            .unwrap();
        let st = &runs[0].1;
        assert!(!st.ok);
        let msg = st.error.clone().unwrap();
        assert!(
            msg.contains(&ghost.to_hex()) && msg.contains("record"),
            "{msg}"
        );
        assert!(!delivery_status(&dest, "ekbacka").unwrap().ok);
        assert_eq!(
            app.deliveries(org.id).await.unwrap().len(),
            1,
            "nothing more delivered"
        );
    }
}
