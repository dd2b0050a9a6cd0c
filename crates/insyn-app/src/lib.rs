//! Insyn's use cases. The web layer and the CLI call only this crate; it runs each use case over
//! the store, the blob store and the search index, and turns their errors into [`AppError`].

mod access;
pub mod actions;
pub mod auth;
mod backup;
mod capture;
pub mod case_desk;
pub mod connections;
mod deliveries;
pub mod demo;
pub mod diary;
pub mod disposal;
mod error;
pub mod evidence;
mod export;
pub mod followup;
mod import;
pub mod inbox;
mod kept;
pub mod mail;
pub mod org_view;
mod payloads;
pub mod portal;
mod progress;
pub mod publish;
pub mod requests;
pub mod response_map;
pub mod screening;
mod search;
mod secrets;
mod snapshot;
mod verify;
pub mod webhooks;

pub use actions::{ActionKind, ActionView, AutoHideReport, CaseDesk, Step, StepInput};
pub use backup::{BackupManifest, BackupReport, RestoreReport, restore, sqlite_path};
pub use capture::{MediaProblem, Observation, PassReport};
pub use connections::{AccountHealth, ConnectionView};
pub use deliveries::{DeliveryStatus, DueReport, STATUS_FILE, delivery_status};
pub use diary::{CaseQuery, CaseView, ExportFile};
pub use disposal::{DisposalReport, KeptGroup, RuleGroup};
pub use error::AppError;
pub use evidence::EvidenceCopy;
pub use export::{
    AdditionalInfo, ExportOptions, ExportReport, ExportSelection, Profile, TimeStampFile,
    commons_ip_verdict, timestamp,
};
pub use import::ImportReport;
pub use inbox::{AnswerOutcome, InboxFilter, InboxItem, InboxPage};
pub use insyn_archive::{PackageReport, Party, verify::verify_package};
pub use insyn_blobs::S3Settings;
pub use insyn_calendar as calendar;
pub use insyn_capture as connectors;
pub use insyn_import::Format as ImportFormat;
pub use insyn_store::{CaptureOutcome, MailFilter, RecordFilter, RequestFilter};
pub use mail::{MailReport, SmtpSettings, SmtpTls};
pub use payloads::StoredItems;
pub use portal::{
    PublicHit, PublicItem, PublicPage, PublicQuery, PublicRecord, PublicRegister, ReleaseSweep,
};
pub use progress::{NoProgress, Progress};
pub use requests::{Copy, DecisionInput, QueueLine, QueueView, Receipt, RequestView};
pub use response_map::{ResponseMap, SavedAnswer};
pub use search::{BulkIndexer, FoundRecord, SearchPage};
pub use snapshot::SnapshotReport;
pub use verify::{VerifyProblem, VerifyReport};

use insyn_blobs::BlobStore;
use insyn_domain::*;
use insyn_search::SearchIndex;
use insyn_store::Store;
use std::path::PathBuf;
use std::sync::Arc;

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// Which search backend to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchBackend {
    /// tantivy with SQLite, PostgreSQL text search with PostgreSQL.
    #[default]
    Auto,
    Tantivy,
    Postgres,
}

/// Where Insyn keeps its data.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// `sqlite:PATH` or `postgres://...`
    pub database_url: String,
    /// `file:PATH` or `s3://bucket[/prefix]`
    pub blobs_url: String,
    pub s3: S3Settings,
    pub search: SearchBackend,
    /// Folder of the embedded search index (tantivy).
    pub search_dir: PathBuf,
}

impl AppConfig {
    /// The embedded default in one folder: `insyn.db` (SQLite), `blobs/` and `search/` (tantivy).
    pub fn embedded(dir: &std::path::Path) -> AppConfig {
        AppConfig {
            database_url: format!("sqlite:{}", dir.join("insyn.db").display()),
            blobs_url: format!("file:{}", dir.join("blobs").display()),
            s3: S3Settings::default(),
            search: SearchBackend::Auto,
            search_dir: dir.join("search"),
        }
    }
}

/// The running application: store, blobs and search, opened together.
#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    pub blobs: Arc<dyn BlobStore>,
    pub search: Arc<dyn SearchIndex>,
    config: AppConfig,
    /// One search synchronisation at a time in this process.
    sync_lock: Arc<tokio::sync::Mutex<()>>,
    /// The screening rules, built once.
    screener: Arc<insyn_screening::Screener>,
    /// Organisations' own screening rules by slug ([`App::with_org_screeners`]); an
    /// organisation without an entry is screened with `screener`.
    org_screeners: Arc<screening::OrgScreeners>,
    /// One screening run at a time in this process.
    screen_lock: Arc<tokio::sync::Mutex<()>>,
    /// This process among those sharing the store: the holder name of its work leases
    /// (one screening run at a time across processes).
    worker_id: Arc<str>,
    /// The saved answers (svarskarta), loaded and checked at start.
    response_map: Arc<ResponseMap>,
    /// The Meta app's webhook secrets, when webhooks are set up ([`App::with_meta_webhook`]).
    meta_webhook: Option<Arc<webhooks::MetaWebhookConfig>>,
    /// The secret YouTube's WebSub hub signs notifications with ([`App::with_youtube_websub`]).
    youtube_websub: Option<Arc<webhooks::YoutubeWebSubConfig>>,
    /// The LinkedIn app's client secret for its notifications ([`App::with_linkedin_webhook`]).
    linkedin_webhook: Option<Arc<webhooks::LinkedinWebhookConfig>>,
    /// The X app's consumer secret for Account Activity deliveries ([`App::with_x_webhook`]).
    x_webhook: Option<Arc<webhooks::XWebhookConfig>>,
    /// The SMTP transport, when a mail server is configured ([`App::with_smtp`]).
    mailer: Option<Arc<mail::Mailer>>,
    /// Who registers and forwards cases for the case action ([`App::with_case_desk`]).
    case_desk: Option<Arc<dyn actions::CaseDesk>>,
    /// The inbox's per-account counts, kept a moment ([`inbox::COUNTS_FOR`]).
    inbox_counts: Arc<kept::Kept<inbox::CountsKey, inbox::Counts>>,
    /// The inbox's ordered heads (deadline order, no records), kept as the counts are.
    inbox_heads: Arc<kept::Kept<inbox::HeadsKey, Option<inbox::KeptHeads>>>,
    /// Organisations' accounts, units, staff and calendars ([`App::org_view`]).
    org_views: Arc<kept::Kept<OrgId, org_view::OrgView>>,
    /// Release policies as the public pages read them ([`portal::POLICY_FOR`]).
    release_policies: Arc<kept::Kept<OrgId, ReleasePolicy>>,
    /// The writer of the access log (R12.1).
    access: Arc<access::AccessWriter>,
}

impl App {
    pub async fn open(config: AppConfig) -> Result<App> {
        let response_map = Arc::new(ResponseMap::from_env()?);
        let store = insyn_store::connect(&config.database_url).await?;
        let blobs = insyn_blobs::open(&config.blobs_url, &config.s3).await?;
        let search = open_search(&config).await?;
        let access = Arc::new(access::AccessWriter::start(store.clone()));
        let app = App {
            access,
            store,
            blobs,
            search,
            config,
            sync_lock: Arc::default(),
            screener: Arc::new(insyn_screening::Screener::default_swedish()),
            org_screeners: Arc::default(),
            screen_lock: Arc::default(),
            worker_id: format!("{}-{}", std::process::id(), random_hex(6)).into(),
            response_map,
            meta_webhook: None,
            youtube_websub: None,
            linkedin_webhook: None,
            x_webhook: None,
            mailer: None,
            case_desk: None,
            inbox_counts: Arc::new(kept::Kept::new(inbox::COUNTS_FOR)),
            inbox_heads: Arc::new(kept::Kept::new(inbox::COUNTS_FOR)),
            org_views: Arc::new(kept::Kept::new(org_view::VIEW_FOR)),
            release_policies: Arc::new(kept::Kept::new(portal::POLICY_FOR)),
        };
        // New outbox entries must sort after everything the index has applied (an index kept
        // from before a restore, or ids reused by an older schema).
        let watermark = app.search.watermark().await?;
        app.store.search_outbox_ids_after(watermark).await?;
        // Catch the index up with anything committed before a crash.
        app.sync_search().await?;
        Ok(app)
    }

    pub fn config(&self) -> &AppConfig {
        &self.config
    }

    /// The saved answers (svarskarta) loaded at start.
    pub fn saved_answers(&self) -> &ResponseMap {
        &self.response_map
    }

    // --- organisations, units, accounts ---

    pub async fn create_organisation(
        &self,
        new: &NewOrganisation,
        actor: &str,
    ) -> Result<Organisation> {
        Ok(self.store.create_organisation(new, actor).await?)
    }

    pub async fn organisation(&self, slug: &str) -> Result<Organisation> {
        self.store
            .organisation_by_slug(slug)
            .await
            .map_err(|e| match e {
                insyn_store::StoreError::NotFound { .. } => AppError::NotFound(format!(
                    "no organisation named '{slug}' (see `insyn org list`)"
                )),
                other => other.into(),
            })
    }

    pub async fn organisations(&self) -> Result<Vec<Organisation>> {
        Ok(self.store.list_organisations().await?)
    }

    pub async fn create_unit(&self, org: OrgId, new: &NewUnit, actor: &str) -> Result<Unit> {
        Ok(self.store.create_unit(org, new, actor).await?)
    }

    pub async fn units(&self, org: OrgId) -> Result<Vec<Unit>> {
        Ok(self.store.list_units(org).await?)
    }

    pub async fn create_account(
        &self,
        org: OrgId,
        new: &NewAccount,
        actor: &str,
    ) -> Result<Account> {
        Ok(self.store.create_account(org, new, actor).await?)
    }

    pub async fn accounts(&self, org: OrgId) -> Result<Vec<Account>> {
        Ok(self.store.list_accounts(org).await?)
    }

    pub async fn account(&self, org: OrgId, id: AccountId) -> Result<Account> {
        Ok(self.store.get_account(org, id).await?)
    }

    pub async fn set_account_status(
        &self,
        org: OrgId,
        id: AccountId,
        to: AccountStatus,
        actor: &str,
    ) -> Result<Account> {
        Ok(self
            .store
            .set_account_status(org, id, to, chrono::Utc::now(), actor)
            .await?)
    }

    // --- records ---

    /// A record as staff see it. Viewing a record that is not released is an audit event and an
    /// entry of the access log (R12.1).
    pub async fn record(&self, org: OrgId, id: RecordId, actor: &str) -> Result<Record> {
        let record = self.store.get_record(org, id).await?;
        if record.classification != Classification::Released {
            self.log_shown(
                org,
                actor,
                insyn_domain::AccessVia::Record,
                "",
                [(record.id, record.classification)],
            )
            .await?;
            self.store
                .append_audit(NewAuditEntry {
                    org_id: org,
                    at: chrono::Utc::now(),
                    actor: actor.to_string(),
                    action: AuditAction::RecordViewed,
                    subject: format!("record:{id}"),
                    digest: None,
                    detail: "{}".into(),
                })
                .await?;
        }
        Ok(record)
    }

    pub async fn record_versions(&self, org: OrgId, id: RecordId) -> Result<Vec<RecordVersion>> {
        Ok(self.store.record_versions(org, id).await?)
    }

    pub async fn record_events(&self, org: OrgId, id: RecordId) -> Result<Vec<RecordEvent>> {
        Ok(self.store.record_events(org, id).await?)
    }

    pub async fn records(&self, org: OrgId, filter: &RecordFilter) -> Result<Vec<Record>> {
        Ok(self.store.list_records(org, filter).await?)
    }

    pub async fn record_deletion_seen(
        &self,
        org: OrgId,
        id: RecordId,
        evidence: &str,
        actor: &str,
    ) -> Result<Record> {
        let r = self
            .store
            .record_deletion_seen(org, id, chrono::Utc::now(), evidence, actor)
            .await?;
        self.sync_search().await?;
        Ok(r)
    }

    pub async fn classify(
        &self,
        org: OrgId,
        id: RecordId,
        to: Classification,
        reason: &str,
        actor: &str,
    ) -> Result<Record> {
        let r = self.store.classify(org, id, to, reason, actor).await?;
        self.sync_search().await?;
        Ok(r)
    }

    // --- API tokens ---

    /// Creates an API token for the organisation and returns it (shown once; only its hash is kept).
    pub async fn create_api_token(&self, org: OrgId, name: &str, actor: &str) -> Result<String> {
        let token = format!("insyn_{}", random_hex(24));
        self.store
            .create_api_token(org, name, &Sha256Digest::of(token.as_bytes()), actor)
            .await?;
        Ok(token)
    }

    pub async fn organisation_for_token(&self, token: &str) -> Result<Organisation> {
        self.store
            .organisation_by_token(&Sha256Digest::of(token.as_bytes()))
            .await
            .map_err(|_| AppError::Unauthorized("the API token is not valid".into()))
    }

    /// Checks that every part answers.
    pub async fn health(&self) -> Result<()> {
        self.store.ping().await?;
        self.blobs.ping().await?;
        self.search.watermark().await?;
        Ok(())
    }
}

async fn open_search(config: &AppConfig) -> Result<Arc<dyn SearchIndex>> {
    let postgres = config.database_url.starts_with("postgres");
    let use_pg = match config.search {
        SearchBackend::Auto => postgres,
        SearchBackend::Postgres if !postgres => {
            return Err(AppError::invalid(
                "search",
                "PostgreSQL search needs a postgres:// database URL; use search = \"tantivy\" with SQLite",
            ));
        }
        SearchBackend::Postgres => true,
        SearchBackend::Tantivy => false,
    };
    if use_pg {
        Ok(Arc::new(
            insyn_search::PgSearch::connect_url(&config.database_url).await?,
        ))
    } else {
        let dir = config.search_dir.clone();
        Ok(Arc::new(insyn_search::TantivyIndex::open(&dir)?))
    }
}

pub(crate) fn random_hex(bytes: usize) -> String {
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}
