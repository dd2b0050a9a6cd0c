//! `insyn backup` and `insyn restore` (R12.3). A backup is a folder: a consistent copy of the
//! database, every blob, and `manifest.json` listing the SHA-256 of every file. Restore checks
//! every checksum before it touches anything, then loads the copy, rebuilds the search index and
//! runs `verify`.
use crate::{App, AppConfig, AppError, NoProgress, Progress, Result, VerifyReport};
use futures::StreamExt;
use insyn_domain::Sha256Digest;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The access log's file in a backup of a SQLite installation.
const ACCESS_FILE: &str = "access.sqlite";
const FORMAT: &str = "insyn-backup-1";
const MANIFEST: &str = "manifest.json";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackupFile {
    pub path: String,
    pub sha256: String,
    pub size: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackupManifest {
    pub format: String,
    pub insyn_version: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// "sqlite" or "postgres"
    pub database: String,
    pub database_file: String,
    /// SQLite: the access log's own file (absent from backups made before it had one, and for
    /// PostgreSQL, whose dump holds it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_file: Option<String>,
    pub files: Vec<BackupFile>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BackupReport {
    pub folder: PathBuf,
    pub files: u64,
    pub bytes: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RestoreReport {
    pub files_checked: u64,
    pub blobs_restored: u64,
    pub records_indexed: u64,
    pub verify: VerifyReport,
}

impl App {
    pub async fn backup(&self, folder: &Path, progress: &dyn Progress) -> Result<BackupReport> {
        if folder.exists() && std::fs::read_dir(folder)?.next().is_some() {
            return Err(AppError::invalid(
                "folder",
                format!(
                    "{} is not empty; give a new or empty folder for the backup",
                    folder.display()
                ),
            ));
        }
        tokio::fs::create_dir_all(folder.join("blobs")).await?;
        let mut files = Vec::new();

        progress.start("kopierar databasen", 0);
        let database = self.store.backend().to_string();
        let database_file = if database == "sqlite" {
            let name = "database.sqlite";
            self.store.snapshot_to(&folder.join(name)).await?;
            name
        } else {
            let name = "database.pgdump";
            pg_tool(
                "pg_dump",
                &["--format=custom", "--no-owner", "--file"],
                &folder.join(name),
                &self.config().database_url,
            )
            .await?;
            name
        };
        files.push(hash_file(folder, database_file).await?);
        let access_file = if self
            .store
            .snapshot_access_to(&folder.join(ACCESS_FILE))
            .await?
        {
            files.push(hash_file(folder, ACCESS_FILE).await?);
            Some(ACCESS_FILE.to_string())
        } else {
            None
        };

        let mut total = 0;
        let mut after = None;
        let mut metas = Vec::new();
        loop {
            let page = self.store.list_blobs(after, 10_000).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.sha256);
            total += page.iter().map(|m| m.size as u64).sum::<u64>();
            metas.extend(page);
        }
        progress.start("kopierar filer", total);
        for m in metas {
            let rel = format!("blobs/{}", m.sha256.to_hex());
            let mut reader = self.blobs.get_stream(&m.sha256).await?;
            let mut out = tokio::fs::File::create(folder.join(&rel)).await?;
            let mut hasher = Sha256::new();
            let mut size = 0u64;
            while let Some(chunk) = reader.stream.next().await {
                let chunk = chunk?;
                hasher.update(&chunk);
                size += chunk.len() as u64;
                out.write_all(&chunk).await?;
            }
            out.sync_all().await?;
            progress.advance(size);
            files.push(BackupFile {
                path: rel,
                sha256: hex::encode(hasher.finalize()),
                size,
            });
        }

        let manifest = BackupManifest {
            format: FORMAT.into(),
            insyn_version: env!("CARGO_PKG_VERSION").into(),
            created_at: chrono::Utc::now(),
            database,
            database_file: database_file.into(),
            access_file,
            files,
        };
        // The manifest is written last: a backup without one is incomplete.
        let tmp = folder.join("manifest.json.tmp");
        tokio::fs::write(
            &tmp,
            serde_json::to_vec_pretty(&manifest).map_err(|e| AppError::Internal(e.to_string()))?,
        )
        .await?;
        tokio::fs::rename(&tmp, folder.join(MANIFEST)).await?;
        progress.finish();
        Ok(BackupReport {
            folder: folder.to_path_buf(),
            files: manifest.files.len() as u64,
            bytes: manifest.files.iter().map(|f| f.size).sum(),
        })
    }
}

/// Restores a backup into the (empty) installation `config` names. With `force`, an existing
/// SQLite database file is replaced.
pub async fn restore(
    config: AppConfig,
    folder: &Path,
    force: bool,
    progress: &dyn Progress,
) -> Result<RestoreReport> {
    let manifest_path = folder.join(MANIFEST);
    let manifest: BackupManifest = match tokio::fs::read(&manifest_path).await {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            AppError::invalid(
                "backup",
                format!(
                    "{} is not an Insyn backup manifest: {e}",
                    manifest_path.display()
                ),
            )
        })?,
        Err(_) => {
            return Err(AppError::invalid(
                "backup",
                format!(
                    "{} has no manifest.json: not a backup, or the backup did not finish",
                    folder.display()
                ),
            ));
        }
    };
    if manifest.format != FORMAT {
        return Err(AppError::invalid(
            "backup",
            format!("unknown backup format '{}'", manifest.format),
        ));
    }

    // 1. every checksum, before anything is touched
    progress.start(
        "kontrollerar säkerhetskopian",
        manifest.files.iter().map(|f| f.size).sum(),
    );
    for f in &manifest.files {
        if f.path.contains("..") || f.path.starts_with('/') {
            return Err(AppError::invalid(
                "backup",
                format!("the manifest names an unsafe path '{}'", f.path),
            ));
        }
        let actual = hash_file(folder, &f.path).await.map_err(|_| {
            AppError::invalid("backup", format!("{} is missing from the backup", f.path))
        })?;
        if actual.sha256 != f.sha256 || actual.size != f.size {
            return Err(AppError::invalid(
                "backup",
                format!(
                    "{} does not match its checksum in the manifest: the backup is damaged",
                    f.path
                ),
            ));
        }
        progress.advance(f.size);
    }

    // 2. the database
    let is_sqlite = config.database_url.starts_with("sqlite:");
    match (manifest.database.as_str(), is_sqlite) {
        ("sqlite", true) => {
            let target = sqlite_path(&config.database_url)?;
            let access = insyn_store::sqlite::access_path(&target);
            if target.exists() {
                if !force {
                    return Err(AppError::Conflict(format!(
                        "{} already exists; restore into an empty data folder, or add --force to replace it",
                        target.display()
                    )));
                }
                // the access log goes with the database it belongs to
                for file in [&target, &access] {
                    for suffix in ["", "-wal", "-shm"] {
                        let p = PathBuf::from(format!("{}{suffix}", file.display()));
                        if p.exists() {
                            tokio::fs::remove_file(&p).await?;
                        }
                    }
                }
            }
            if let Some(parent) = target.parent() {
                tokio::fs::create_dir_all(parent).await?;
            }
            tokio::fs::copy(folder.join(&manifest.database_file), &target).await?;
            if let Some(file) = &manifest.access_file {
                tokio::fs::copy(folder.join(file), &access).await?;
            }
        }
        ("postgres", false) => {
            pg_tool(
                "pg_restore",
                &[
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    "--dbname",
                    &config.database_url,
                ],
                &folder.join(&manifest.database_file),
                "",
            )
            .await?;
        }
        (from, _) => {
            return Err(AppError::invalid(
                "backup",
                format!(
                    "this backup holds a {from} database; restore it into a {from} installation"
                ),
            ));
        }
    }

    // 3. blobs, re-hashed as they are stored; 4. search index; 5. verify
    let app = App::open(config).await?;
    progress.start("återställer filer", 0);
    let mut blobs_restored = 0;
    for f in manifest
        .files
        .iter()
        .filter(|f| f.path.starts_with("blobs/"))
    {
        let bytes = tokio::fs::read(folder.join(&f.path)).await?;
        let digest = app.blobs.put(bytes.into()).await?;
        let expected: Sha256Digest = f
            .sha256
            .parse()
            .map_err(|e: String| AppError::invalid("backup", e))?;
        if digest != expected {
            return Err(AppError::Internal(format!(
                "blob {} changed while restoring",
                f.path
            )));
        }
        blobs_restored += 1;
        progress.advance(1);
    }
    let records_indexed = app.reindex(progress).await?;
    let verify = app.verify(&NoProgress).await?;
    progress.finish();
    Ok(RestoreReport {
        files_checked: manifest.files.len() as u64,
        blobs_restored,
        records_indexed,
        verify,
    })
}

/// The file a `sqlite:` URL names.
pub fn sqlite_path(url: &str) -> Result<PathBuf> {
    let rest = url.strip_prefix("sqlite:").unwrap_or(url);
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path == ":memory:" {
        return Err(AppError::invalid(
            "database_url",
            "restore needs a SQLite database file, not memory",
        ));
    }
    Ok(PathBuf::from(path))
}

async fn hash_file(folder: &Path, rel: &str) -> Result<BackupFile> {
    let mut file = tokio::fs::File::open(folder.join(rel)).await?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok(BackupFile {
        path: rel.to_string(),
        sha256: hex::encode(hasher.finalize()),
        size,
    })
}

/// Runs pg_dump / pg_restore with `file` as the last argument (and the URL, for pg_dump).
async fn pg_tool(tool: &str, args: &[&str], file: &Path, url: &str) -> Result<()> {
    let mut cmd = tokio::process::Command::new(tool);
    cmd.args(args).arg(file);
    if !url.is_empty() {
        cmd.arg(url);
    }
    let out = cmd.output().await.map_err(|e| {
        AppError::Unavailable(format!(
            "cannot run {tool} ({e}); install the PostgreSQL client tools"
        ))
    })?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(AppError::Internal(format!(
            "{tool} failed: {}",
            err.lines().next().unwrap_or("no message")
        )));
    }
    Ok(())
}
