//! Where a package's files go: a folder or a zip file. Every file is written once, in one pass,
//! and hashed (SHA-256) and counted while it is written.
use crate::error::ArchiveError;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

/// A file written into the package, as the METS file section and PREMIS describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    /// Path relative to the package root, with `/`.
    pub path: String,
    pub size: u64,
    pub sha256: [u8; 32],
    pub mime: String,
    pub created: DateTime<Utc>,
}

impl FileEntry {
    /// The checksum as METS writes it (upper-case hex).
    pub fn checksum(&self) -> String {
        hex::encode_upper(self.sha256)
    }
}

/// A writer that hashes and counts what passes through it.
pub struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    count: u64,
}

impl<W: Write> HashingWriter<W> {
    pub fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
            count: 0,
        }
    }

    /// The inner writer, the byte count and the SHA-256 of everything written.
    pub fn finish(self) -> (W, u64, [u8; 32]) {
        (self.inner, self.count, self.hasher.finalize().into())
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The output container of a package.
pub(crate) enum Sink {
    /// Files under `staging` (renamed to `root` when the package is complete).
    Dir { staging: PathBuf, root: PathBuf },
    /// Entries `<objid>/<path>` of a zip file written to `staging` (renamed to `file` when done).
    Zip {
        writer: Box<zip::ZipWriter<BufWriter<File>>>,
        objid: String,
        staging: PathBuf,
        file: PathBuf,
    },
}

/// Compressing what is already compressed (gzip, media) costs time and saves nothing.
fn method_for(path: &str) -> CompressionMethod {
    let compressible = [".json", ".xml", ".xsd", ".txt"];
    if compressible.iter().any(|ext| path.ends_with(ext)) {
        CompressionMethod::Deflated
    } else {
        CompressionMethod::Stored
    }
}

impl Sink {
    /// A folder `<dest>/<objid>/`. It is written as `<dest>/.<objid>.partial/` first.
    pub fn dir(dest: &Path, objid: &str) -> Result<Sink, ArchiveError> {
        let root = dest.join(objid);
        if root.exists() {
            return Err(ArchiveError::invalid(
                "out",
                format!("{} exists already", root.display()),
            ));
        }
        let staging = dest.join(format!(".{objid}.partial"));
        if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(|e| ArchiveError::write(&staging, e))?;
        }
        std::fs::create_dir_all(&staging).map_err(|e| ArchiveError::write(&staging, e))?;
        Ok(Sink::Dir { staging, root })
    }

    /// A zip file `<dest>/<objid>.zip` holding the folder `<objid>/`.
    pub fn zip(dest: &Path, objid: &str) -> Result<Sink, ArchiveError> {
        let file = dest.join(format!("{objid}.zip"));
        if file.exists() {
            return Err(ArchiveError::invalid(
                "out",
                format!("{} exists already", file.display()),
            ));
        }
        let staging = dest.join(format!(".{objid}.zip.partial"));
        let f = File::create(&staging).map_err(|e| ArchiveError::write(&staging, e))?;
        Ok(Sink::Zip {
            writer: Box::new(zip::ZipWriter::new(BufWriter::with_capacity(1 << 16, f))),
            objid: objid.to_string(),
            staging,
            file,
        })
    }

    /// Writes one file: `fill` writes its content. Returns its entry (size and SHA-256 measured
    /// on the bytes written).
    pub fn write_file(
        &mut self,
        path: &str,
        mime: &str,
        fill: &mut dyn FnMut(&mut dyn Write) -> Result<(), ArchiveError>,
    ) -> Result<FileEntry, ArchiveError> {
        let (size, sha256) = match self {
            Sink::Dir { staging, .. } => {
                let full = staging.join(path);
                if let Some(parent) = full.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| ArchiveError::write(parent, e))?;
                }
                let f = File::create(&full).map_err(|e| ArchiveError::write(&full, e))?;
                let mut w = HashingWriter::new(BufWriter::with_capacity(1 << 16, f));
                fill(&mut w)?;
                let (buf, size, sha) = w.finish();
                // flushed to the OS here; made durable all at once in `finish`
                buf.into_inner()
                    .map_err(|e| ArchiveError::write(&full, e.into_error()))?;
                (size, sha)
            }
            Sink::Zip {
                writer,
                objid,
                staging,
                ..
            } => {
                let options = SimpleFileOptions::default()
                    .compression_method(method_for(path))
                    .large_file(path.ends_with(".warc.gz"));
                writer
                    .start_file(format!("{objid}/{path}"), options)
                    .map_err(|e| zip_err(staging, e))?;
                let mut w = HashingWriter::new(writer.as_mut());
                fill(&mut w)?;
                let (_, size, sha) = w.finish();
                (size, sha)
            }
        };
        Ok(FileEntry {
            path: path.to_string(),
            size,
            sha256,
            mime: mime.to_string(),
            created: Utc::now(),
        })
    }

    /// Completes the container and gives it its final name. Returns that path.
    pub fn finish(self) -> Result<PathBuf, ArchiveError> {
        match self {
            Sink::Dir { staging, root } => {
                make_durable(&staging)?;
                std::fs::rename(&staging, &root).map_err(|e| ArchiveError::write(&root, e))?;
                if let Some(parent) = root.parent() {
                    // the rename itself
                    let _ = File::open(parent).and_then(|d| d.sync_all());
                }
                Ok(root)
            }
            Sink::Zip {
                writer,
                staging,
                file,
                ..
            } => {
                let buf = writer.finish().map_err(|e| zip_err(&staging, e))?;
                let f = buf
                    .into_inner()
                    .map_err(|e| ArchiveError::write(&staging, e.into_error()))?;
                f.sync_all().map_err(|e| ArchiveError::write(&staging, e))?;
                std::fs::rename(&staging, &file).map_err(|e| ArchiveError::write(&file, e))?;
                Ok(file)
            }
        }
    }

    /// Removes what was written (the package failed).
    pub fn abandon(self) {
        match self {
            Sink::Dir { staging, .. } => {
                let _ = std::fs::remove_dir_all(staging);
            }
            Sink::Zip {
                writer, staging, ..
            } => {
                drop(writer);
                let _ = std::fs::remove_file(staging);
            }
        }
    }
}

/// Every file under `dir` on stable storage before the package counts as written. One
/// `sync -f` (syncfs of the file system holding `dir`, GNU coreutils) is far cheaper than an
/// fsync per file when a package has many small files; without it, each file is fsynced.
fn make_durable(dir: &Path) -> Result<(), ArchiveError> {
    let synced = std::process::Command::new("sync")
        .arg("-f")
        .arg(dir)
        .status()
        .is_ok_and(|s| s.success());
    if synced {
        return Ok(());
    }
    fn walk(dir: &Path) -> std::io::Result<()> {
        for e in std::fs::read_dir(dir)? {
            let e = e?;
            if e.file_type()?.is_dir() {
                walk(&e.path())?;
            } else {
                File::open(e.path())?.sync_all()?;
            }
        }
        File::open(dir)?.sync_all()
    }
    walk(dir).map_err(|e| ArchiveError::write(dir, e))
}

fn zip_err(path: &Path, e: zip::result::ZipError) -> ArchiveError {
    match e {
        zip::result::ZipError::Io(io) => ArchiveError::write(path, io),
        other => ArchiveError::Zip {
            path: path.to_path_buf(),
            message: other.to_string(),
        },
    }
}

/// Takes the output folder's export lock (an advisory lock on the folder itself, released when
/// the handle is dropped; nothing is written). A second export into the same folder at the same
/// time is refused rather than allowed to remove the first one's work in progress.
pub(crate) fn lock_folder(dest: &Path) -> Result<File, ArchiveError> {
    let f = File::open(dest).map_err(|e| ArchiveError::write(dest, e))?;
    // A lock can be held for a moment by a child process forked elsewhere in this process
    // before it execs (the descriptor is close-on-exec): wait a little before refusing.
    let mut result = f.try_lock();
    for _ in 0..40 {
        if !matches!(result, Err(std::fs::TryLockError::WouldBlock)) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        result = f.try_lock();
    }
    match result {
        Ok(()) => Ok(f),
        Err(std::fs::TryLockError::WouldBlock) => Err(ArchiveError::invalid(
            "out",
            format!(
                "en annan export skriver redan till {} / another export is writing to this folder; wait for it or choose another folder",
                dest.display()
            ),
        )),
        Err(std::fs::TryLockError::Error(e)) => Err(ArchiveError::write(dest, e)),
    }
}

/// Whether a name in an output folder is the work of an export that did not finish.
pub(crate) fn is_leftover(name: &str) -> bool {
    name.starts_with('.')
        && (name.ends_with(".partial") || name.ends_with(".work"))
        && name.len() > ".partial".len() + 1
}

/// Removes what exports that stopped half-way left in `dest` (only names an export writes:
/// `.<objid>.partial`, `.<objid>.zip.partial`, `.<objid>.work`). The caller holds the lock.
pub(crate) fn remove_leftovers(dest: &Path) -> Result<u64, ArchiveError> {
    let mut removed = 0;
    for e in std::fs::read_dir(dest).map_err(|e| ArchiveError::write(dest, e))? {
        let e = e.map_err(|e| ArchiveError::write(dest, e))?;
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        if !is_leftover(name) {
            continue;
        }
        let path = e.path();
        let r = if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        r.map_err(|e| ArchiveError::write(&path, e))?;
        removed += 1;
    }
    Ok(removed)
}
