//! [`BlobStore`] and its one implementation over `object_store`.
use crate::error::BlobError;
use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use insyn_domain::Sha256Digest;
use object_store::client::{HttpError, HttpErrorKind};
use object_store::path::Path;
use object_store::{
    GetResultPayload, ObjectStore, ObjectStoreExt, PutMode, PutPayload, WriteMultipart,
};
use sha2::{Digest, Sha256};
use std::hash::{BuildHasher, Hasher};
use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tracing::{debug, warn};

/// The first segment of every blob key.
pub const BLOB_PREFIX: &str = "sha256";
/// Where [`BlobStore::put_stream`] stages large uploads before they get their final key.
pub const TEMP_PREFIX: &str = "tmp";

/// Content up to this size that arrives through [`BlobStore::put_stream`] is kept in memory and
/// stored with one conditional put; larger content goes through a temporary key.
pub const SINGLE_PUT_LIMIT: usize = 8 * 1024 * 1024;
/// Size of one part of a multipart upload (S3 needs at least 5 MiB for all parts but the last).
pub const PART_SIZE: usize = 8 * 1024 * 1024;
/// Parts uploaded at the same time by one [`BlobStore::put_stream`].
pub const PARTS_IN_FLIGHT: usize = 2;
/// Size of one read from a local file (verify, streams).
const FILE_CHUNK: usize = 1024 * 1024;
/// Bytes copied into a folder store between two hand-overs to the hashing thread.
const COPY_STEP: u64 = 32 * 1024 * 1024;
/// Size of one read of the hashing thread: small enough to stay in the core's cache between the
/// read and the hashing.
const COPY_CHUNK: usize = 128 * 1024;
/// Hash content larger than this on a blocking thread, not on the async runtime.
const INLINE_HASH_LIMIT: usize = 256 * 1024;

/// Content handed to [`BlobStore::put_stream`]: chunks of bytes, or the reason reading failed.
pub type ByteStream = BoxStream<'static, std::io::Result<Bytes>>;

/// Content read by [`BlobStore::get_stream`]. The last item is an error
/// ([`BlobError::Corrupt`]) when the bytes do not hash to the digest asked for.
pub type BlobStream = BoxStream<'static, Result<Bytes, BlobError>>;

/// A blob being read: its size as stored, and its content.
pub struct BlobReader {
    /// Size in bytes, as the storage reports it before reading.
    pub size: u64,
    /// The content, verified at its end: read it to the end before trusting it.
    pub stream: BlobStream,
}

impl std::fmt::Debug for BlobReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobReader")
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

/// One stored blob, as listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BlobMeta {
    pub digest: Sha256Digest,
    /// Size in bytes as the storage reports it (not verified).
    pub size: u64,
}

/// A content-addressed, write-once store of blobs (media, raw observations, archive packages).
///
/// Every blob is stored under the SHA-256 of its content; storing the same content twice stores it
/// once. There is no way to overwrite a blob through this trait, and the only way to remove one is
/// [`BlobStore::dispose`], which disposal (R9) calls after the protocol entry is committed. Every
/// read verifies the content against its digest.
#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Stores `bytes` (if not stored already) and returns their digest.
    async fn put(&self, bytes: Bytes) -> Result<Sha256Digest, BlobError>;

    /// Stores content that arrives in chunks, in bounded memory, and returns its digest and size.
    /// Content larger than [`SINGLE_PUT_LIMIT`] is uploaded in parts to a temporary key
    /// (`tmp/…`) while it is hashed, then copied to its final key only if that is absent, and the
    /// temporary key is removed.
    async fn put_stream(&self, stream: ByteStream) -> Result<(Sha256Digest, u64), BlobError>;

    /// Stores a file's content (if not stored already) and returns its digest and size, reading
    /// the file once. A local folder store copies it straight into place, hashing as it copies,
    /// and syncs it before it gets its name; other stores stream it through
    /// [`BlobStore::put_stream`]. A file that cannot be read is [`BlobError::Input`], naming it.
    async fn put_file(&self, path: &std::path::Path) -> Result<(Sha256Digest, u64), BlobError>;

    /// Reads a whole blob and checks that it hashes to `digest`.
    async fn get(&self, digest: &Sha256Digest) -> Result<Bytes, BlobError>;

    /// Reads a blob in chunks. A missing blob fails here, before any byte is read; a corrupt
    /// blob fails at the end of the stream with [`BlobError::Corrupt`].
    async fn get_stream(&self, digest: &Sha256Digest) -> Result<BlobReader, BlobError>;

    /// Re-hashes a stored blob without keeping it in memory; returns its size.
    async fn verify(&self, digest: &Sha256Digest) -> Result<u64, BlobError>;

    /// Whether a blob with this digest is stored (its content is not checked).
    async fn exists(&self, digest: &Sha256Digest) -> Result<bool, BlobError>;

    /// Every stored blob, in no particular order. Objects under the blob prefix whose key is not a
    /// blob key are skipped with a warning.
    fn list(&self) -> BoxStream<'static, Result<BlobMeta, BlobError>>;

    /// Checks that the storage answers (the folder or bucket exists and can be listed).
    async fn ping(&self) -> Result<(), BlobError>;

    /// Where the blobs are, for people: `folder /var/lib/insyn/blobs`,
    /// `s3://bucket/prefix at http://127.0.0.1:9000`. Never contains secrets.
    fn describe(&self) -> String;

    /// Removes a blob that was disposed of under a disposal protocol entry (R9). Only the
    /// disposal use case calls this, after the entry is committed. Removing a blob that is
    /// already gone succeeds (a disposal interrupted after its commit can be finished again).
    async fn dispose(&self, digest: &Sha256Digest) -> Result<(), BlobError>;
}

/// The key a blob is stored under: `sha256/ab/cd/abcd…` (64 lower-case hex digits).
pub fn blob_key(digest: &Sha256Digest) -> String {
    let hex = digest.to_hex();
    format!("{BLOB_PREFIX}/{}/{}/{hex}", &hex[0..2], &hex[2..4])
}

/// The digest a key stands for, if it is a well-formed blob key.
pub fn digest_from_key(key: &str) -> Option<Sha256Digest> {
    let mut parts = key.split('/');
    let (prefix, a, b, hex) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || prefix != BLOB_PREFIX || hex.len() != 64 {
        return None;
    }
    let digest: Sha256Digest = hex.parse().ok()?;
    (digest.to_hex() == hex && a == &hex[0..2] && b == &hex[2..4]).then_some(digest)
}

/// A [`BlobStore`] over any [`ObjectStore`]: a local folder, S3, or memory (tests).
pub struct ObjectBlobStore {
    store: Arc<dyn ObjectStore>,
    description: Arc<str>,
    /// The folder of a local folder store, where [`BlobStore::put_file`] copies files directly.
    folder: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for ObjectBlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectBlobStore")
            .field("at", &self.description)
            .finish()
    }
}

impl ObjectBlobStore {
    /// Wraps an object store. `description` is what [`BlobStore::describe`] returns and what
    /// error messages name; it must not contain secrets.
    ///
    /// Write-once needs the store to support [`PutMode::Create`] and
    /// [`ObjectStoreExt::copy_if_not_exists`] (local folders and memory do; S3 needs the settings
    /// [`crate::open`] makes).
    pub fn new(store: Arc<dyn ObjectStore>, description: impl Into<String>) -> Self {
        ObjectBlobStore {
            store,
            description: description.into().into(),
            folder: None,
        }
    }

    /// A store over `store`, a [`object_store::local::LocalFileSystem`] rooted at `folder`: files
    /// are stored by copying them into the folder (see [`BlobStore::put_file`]).
    pub fn in_folder(
        store: Arc<dyn ObjectStore>,
        description: impl Into<String>,
        folder: std::path::PathBuf,
    ) -> Self {
        ObjectBlobStore {
            folder: Some(folder),
            ..ObjectBlobStore::new(store, description)
        }
    }

    fn err(&self, e: object_store::Error) -> BlobError {
        storage_error(&self.description, e)
    }

    fn read_err(&self, digest: &Sha256Digest, e: object_store::Error) -> BlobError {
        match e {
            object_store::Error::NotFound { .. } => BlobError::NotFound(*digest),
            e => self.err(e),
        }
    }

    fn write_err(&self, e: object_store::Error) -> BlobError {
        match e {
            object_store::Error::NotFound { .. } => BlobError::Config(format!(
                "{} cannot be written: the bucket or folder does not exist ({e})",
                self.description
            )),
            e => self.err(e),
        }
    }

    /// Stores content whose digest is already known, write-once.
    async fn put_known(&self, digest: Sha256Digest, bytes: Bytes) -> Result<(), BlobError> {
        let key = Path::from(blob_key(&digest));
        let size = bytes.len();
        match self
            .store
            .put_opts(&key, PutPayload::from_bytes(bytes), PutMode::Create.into())
            .await
        {
            Ok(_) => debug!(%digest, size, "blob stored"),
            Err(object_store::Error::AlreadyExists { .. }) => {
                debug!(%digest, size, "blob already stored")
            }
            Err(e) => return Err(self.write_err(e)),
        }
        Ok(())
    }

    /// Uploads everything to `tmp` in parts, hashing as it goes. `first` is content already
    /// taken from `rest` (and already hashed into `hasher`).
    async fn upload_parts(
        &self,
        tmp: &Path,
        first: Vec<Bytes>,
        mut rest: ByteStream,
        mut hasher: Sha256,
        mut size: u64,
    ) -> Result<(Sha256Digest, u64), BlobError> {
        let upload = self
            .store
            .put_multipart(tmp)
            .await
            .map_err(|e| self.write_err(e))?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
        let written: Result<(Sha256, u64), BlobError> = async {
            for chunk in first {
                writer
                    .wait_for_capacity(PARTS_IN_FLIGHT)
                    .await
                    .map_err(|e| self.write_err(e))?;
                writer.put(chunk);
            }
            while let Some(chunk) = rest.try_next().await.map_err(BlobError::Input)? {
                size += chunk.len() as u64;
                hasher = hash_more(hasher, chunk.clone()).await?;
                writer
                    .wait_for_capacity(PARTS_IN_FLIGHT)
                    .await
                    .map_err(|e| self.write_err(e))?;
                writer.put(chunk);
            }
            Ok((hasher, size))
        }
        .await;
        let (hasher, size) = match written {
            Ok(done) => done,
            Err(e) => {
                if let Err(abort) = writer.abort().await {
                    warn!(key = %tmp, error = %abort, "could not abort an unfinished upload");
                }
                return Err(e);
            }
        };
        writer.finish().await.map_err(|e| self.write_err(e))?;
        Ok((Sha256Digest(hasher.finalize().into()), size))
    }
}

#[async_trait]
impl BlobStore for ObjectBlobStore {
    async fn put(&self, bytes: Bytes) -> Result<Sha256Digest, BlobError> {
        let digest = hash_bytes(bytes.clone()).await?;
        self.put_known(digest, bytes).await?;
        Ok(digest)
    }

    async fn put_stream(&self, mut stream: ByteStream) -> Result<(Sha256Digest, u64), BlobError> {
        // Small content: gather it and store it with one conditional put.
        let mut hasher = Sha256::new();
        let mut first: Vec<Bytes> = Vec::new();
        let mut size: u64 = 0;
        loop {
            match stream.try_next().await.map_err(BlobError::Input)? {
                None => {
                    let digest = Sha256Digest(hasher.finalize().into());
                    let mut all = BytesMut::with_capacity(size as usize);
                    for chunk in first {
                        all.extend_from_slice(&chunk);
                    }
                    self.put_known(digest, all.freeze()).await?;
                    return Ok((digest, size));
                }
                Some(chunk) => {
                    size += chunk.len() as u64;
                    hasher = hash_more(hasher, chunk.clone()).await?;
                    first.push(chunk);
                    if size > SINGLE_PUT_LIMIT as u64 {
                        break;
                    }
                }
            }
        }

        // Large content: the key depends on the hash, known only at the end, so upload to a
        // temporary key while hashing, then copy to the final key if it is absent.
        let tmp = temp_key();
        let result = self.upload_parts(&tmp, first, stream, hasher, size).await;
        let outcome = match result {
            Ok((digest, size)) => {
                let key = Path::from(blob_key(&digest));
                match self.store.copy_if_not_exists(&tmp, &key).await {
                    Ok(()) => {
                        debug!(%digest, size, "blob stored from a stream");
                        Ok((digest, size))
                    }
                    Err(
                        object_store::Error::AlreadyExists { .. }
                        | object_store::Error::Precondition { .. },
                    ) => {
                        debug!(%digest, size, "blob already stored");
                        Ok((digest, size))
                    }
                    Err(e) => Err(self.write_err(e)),
                }
            }
            Err(e) => Err(e),
        };
        match self.store.delete(&tmp).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => warn!(key = %tmp, error = %e, "could not remove a temporary upload"),
        }
        outcome
    }

    async fn put_file(&self, path: &std::path::Path) -> Result<(Sha256Digest, u64), BlobError> {
        let Some(folder) = self.folder.clone() else {
            // S3, memory: read in chunks and uploaded as a stream
            let file = std::fs::File::open(path).map_err(|e| input_error(path, e))?;
            let chunks = file_chunks(file, path.to_path_buf(), self.description.clone())
                .map_err(|e| std::io::Error::other(e.to_string()))
                .boxed();
            return self.put_stream(chunks).await;
        };
        let source = path.to_path_buf();
        let description = self.description.clone();
        let (digest, size) =
            blocking(move || copy_into_folder(&folder, &source, &description)).await??;
        debug!(%digest, size, "blob stored from a file");
        Ok((digest, size))
    }

    async fn get(&self, digest: &Sha256Digest) -> Result<Bytes, BlobError> {
        let key = Path::from(blob_key(digest));
        let got = self
            .store
            .get(&key)
            .await
            .map_err(|e| self.read_err(digest, e))?;
        let expected_size = got.meta.size;
        let (bytes, actual) = match got.payload {
            GetResultPayload::File(file, path) => {
                let description = self.description.clone();
                blocking(move || {
                    let mut bytes = Vec::with_capacity(expected_size as usize);
                    let mut file = file;
                    file.read_to_end(&mut bytes)
                        .map_err(|e| file_error(&description, &path, e))?;
                    let actual = Sha256Digest::of(&bytes);
                    Ok::<_, BlobError>((Bytes::from(bytes), actual))
                })
                .await??
            }
            GetResultPayload::Stream(mut chunks) => {
                let mut hasher = Sha256::new();
                let mut all = BytesMut::with_capacity(expected_size as usize);
                while let Some(chunk) = chunks.try_next().await.map_err(|e| self.err(e))? {
                    hasher = hash_more(hasher, chunk.clone()).await?;
                    all.extend_from_slice(&chunk);
                }
                (all.freeze(), Sha256Digest(hasher.finalize().into()))
            }
        };
        if actual != *digest {
            return Err(BlobError::Corrupt {
                digest: *digest,
                actual,
            });
        }
        Ok(bytes)
    }

    async fn get_stream(&self, digest: &Sha256Digest) -> Result<BlobReader, BlobError> {
        let key = Path::from(blob_key(digest));
        let got = self
            .store
            .get(&key)
            .await
            .map_err(|e| self.read_err(digest, e))?;
        let size = got.meta.size;
        let chunks: BlobStream = match got.payload {
            GetResultPayload::File(file, path) => file_chunks(file, path, self.description.clone()),
            GetResultPayload::Stream(s) => {
                let description = self.description.clone();
                s.map_err(move |e| storage_error(&description, e)).boxed()
            }
        };
        Ok(BlobReader {
            size,
            stream: verifying(chunks, *digest),
        })
    }

    async fn verify(&self, digest: &Sha256Digest) -> Result<u64, BlobError> {
        let key = Path::from(blob_key(digest));
        let got = self
            .store
            .get(&key)
            .await
            .map_err(|e| self.read_err(digest, e))?;
        let (actual, size) = match got.payload {
            GetResultPayload::File(file, path) => {
                let description = self.description.clone();
                blocking(move || hash_file(file).map_err(|e| file_error(&description, &path, e)))
                    .await??
            }
            GetResultPayload::Stream(mut chunks) => {
                let mut hasher = Sha256::new();
                let mut size = 0u64;
                while let Some(chunk) = chunks.try_next().await.map_err(|e| self.err(e))? {
                    size += chunk.len() as u64;
                    hasher = hash_more(hasher, chunk).await?;
                }
                (Sha256Digest(hasher.finalize().into()), size)
            }
        };
        if actual != *digest {
            return Err(BlobError::Corrupt {
                digest: *digest,
                actual,
            });
        }
        Ok(size)
    }

    async fn dispose(&self, digest: &Sha256Digest) -> Result<(), BlobError> {
        match self.store.delete(&Path::from(blob_key(digest))).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.err(e)),
        }
    }

    async fn exists(&self, digest: &Sha256Digest) -> Result<bool, BlobError> {
        match self.store.head(&Path::from(blob_key(digest))).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(self.err(e)),
        }
    }

    fn list(&self) -> BoxStream<'static, Result<BlobMeta, BlobError>> {
        let description = self.description.clone();
        self.store
            .list(Some(&Path::from(BLOB_PREFIX)))
            .filter_map(move |item| {
                let out = match item {
                    Ok(meta) => match digest_from_key(meta.location.as_ref()) {
                        Some(digest) => Some(Ok(BlobMeta {
                            digest,
                            size: meta.size,
                        })),
                        None => {
                            warn!(key = %meta.location, "skipping an object that is not a blob");
                            None
                        }
                    },
                    Err(e) => Some(Err(storage_error(&description, e))),
                };
                std::future::ready(out)
            })
            .boxed()
    }

    async fn ping(&self) -> Result<(), BlobError> {
        match self.store.list_with_delimiter(None).await {
            Ok(_) => Ok(()),
            Err(e @ object_store::Error::NotFound { .. }) => Err(BlobError::Config(format!(
                "{} does not exist ({e})",
                self.description
            ))),
            Err(e) => Err(self.err(e)),
        }
    }

    fn describe(&self) -> String {
        self.description.to_string()
    }
}

/// Maps a storage error, recognising "cannot reach it" (connection refused, timed out).
fn storage_error(description: &str, e: object_store::Error) -> BlobError {
    match unreachable_reason(&e) {
        Some(reason) => BlobError::Unavailable(format!(
            "cannot reach {description}: {reason}; check that it is running and that the address is right"
        )),
        None => BlobError::Storage(e),
    }
}

/// If the error chain holds a connection-level HTTP failure, the innermost message.
fn unreachable_reason(e: &object_store::Error) -> Option<String> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(e);
    let mut unreachable = false;
    let mut innermost = None;
    while let Some(err) = current {
        if let Some(http) = err.downcast_ref::<HttpError>() {
            unreachable |= matches!(
                http.kind(),
                HttpErrorKind::Connect | HttpErrorKind::Timeout | HttpErrorKind::Interrupted
            );
        }
        innermost = Some(err);
        current = err.source();
    }
    unreachable.then(|| innermost.map(|e| e.to_string()).unwrap_or_default())
}

fn file_error(description: &str, path: &std::path::Path, e: std::io::Error) -> BlobError {
    BlobError::Storage(object_store::Error::Generic {
        store: "insyn-blobs",
        source: format!("reading {} in {description}: {e}", path.display()).into(),
    })
}

/// Runs blocking work (file reads, hashing) off the async runtime.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, BlobError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(v) => Ok(v),
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => Err(BlobError::Unavailable(format!(
            "the blob store task was cancelled: {e}"
        ))),
    }
}

async fn hash_bytes(bytes: Bytes) -> Result<Sha256Digest, BlobError> {
    if bytes.len() <= INLINE_HASH_LIMIT {
        Ok(Sha256Digest::of(&bytes))
    } else {
        blocking(move || Sha256Digest::of(&bytes)).await
    }
}

async fn hash_more(mut hasher: Sha256, chunk: Bytes) -> Result<Sha256, BlobError> {
    if chunk.len() <= INLINE_HASH_LIMIT {
        hasher.update(&chunk);
        Ok(hasher)
    } else {
        blocking(move || {
            hasher.update(&chunk);
            hasher
        })
        .await
    }
}

/// Fills `buf` as far as the file allows; returns how much was read (less only at the end).
fn read_full(file: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// An error of a copy into a folder store: a full disk is the store's, anything else is taken to
/// be the source's (the kernel's copy does not say which side failed).
fn copy_error(
    source: &std::path::Path,
    tmp: &std::path::Path,
    description: &str,
    e: std::io::Error,
) -> BlobError {
    use std::io::ErrorKind::{QuotaExceeded, StorageFull, WriteZero};
    if matches!(e.kind(), StorageFull | QuotaExceeded | WriteZero) {
        BlobError::Storage(object_store::Error::Generic {
            store: "insyn-blobs",
            source: format!("writing {} in {description}: {e}", tmp.display()).into(),
        })
    } else {
        input_error(source, e)
    }
}

fn input_error(path: &std::path::Path, e: std::io::Error) -> BlobError {
    BlobError::Input(std::io::Error::new(
        e.kind(),
        format!("{}: {e}", path.display()),
    ))
}

/// Copies `source` into a folder store: to a temporary file under `tmp/`, synced, then linked
/// under its final key if that is absent (the same step `copy_if_not_exists` takes) and the
/// temporary file removed. A crash leaves at most a temporary file, never a blob under a wrong
/// name.
///
/// The copy is made by the kernel where it can (`copy_file_range` on Linux, through
/// `std::io::copy`), [`COPY_STEP`] bytes at a time, and a second thread hashes the temporary file
/// behind it: the digest is of the bytes as stored, and the copying, the hashing and the syncing
/// overlap (a 727 MB export: 2.0 s with one thread reading, hashing and writing; see
/// docs/BENCHMARKS.md).
fn copy_into_folder(
    folder: &std::path::Path,
    source: &std::path::Path,
    description: &str,
) -> Result<(Sha256Digest, u64), BlobError> {
    copy_into_folder_in_steps(folder, source, description, COPY_STEP)
}

fn copy_into_folder_in_steps(
    folder: &std::path::Path,
    source: &std::path::Path,
    description: &str,
    step: u64,
) -> Result<(Sha256Digest, u64), BlobError> {
    let input = std::fs::File::open(source).map_err(|e| input_error(source, e))?;
    let tmp = folder.join(temp_key().as_ref());
    let failed = |e: std::io::Error| {
        BlobError::Storage(object_store::Error::Generic {
            store: "insyn-blobs",
            source: format!("writing {} in {description}: {e}", tmp.display()).into(),
        })
    };
    let written = (|| {
        if let Some(parent) = tmp.parent() {
            std::fs::create_dir_all(parent).map_err(failed)?;
        }
        let mut out = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(failed)?;
        let mut copy_back = std::fs::File::open(&tmp).map_err(failed)?;
        let (digest, size) = std::thread::scope(|scope| {
            // how far the temporary file holds the copy
            let (copied_to, copied) = std::sync::mpsc::channel::<u64>();
            let hashing = scope.spawn(move || -> std::io::Result<(Sha256Digest, u64)> {
                let mut hasher = Sha256::new();
                let mut buf = vec![0u8; COPY_CHUNK];
                let mut hashed = 0u64;
                for upto in copied {
                    while hashed < upto {
                        let want = (upto - hashed).min(buf.len() as u64) as usize;
                        let n = read_full(&mut copy_back, &mut buf[..want])?;
                        if n == 0 {
                            return Err(std::io::ErrorKind::UnexpectedEof.into());
                        }
                        hasher.update(&buf[..n]);
                        hashed += n as u64;
                    }
                }
                Ok((Sha256Digest(hasher.finalize().into()), hashed))
            });
            let mut size = 0u64;
            let copying = loop {
                match std::io::copy(&mut (&input).take(step), &mut out) {
                    Ok(0) => break Ok(()),
                    Ok(n) => {
                        size += n;
                        // the hashing thread only stops early on an error, reported below
                        let _ = copied_to.send(size);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => break Err(copy_error(source, &tmp, description, e)),
                }
            };
            drop(copied_to);
            let synced = copying.and_then(|()| out.sync_all().map_err(failed));
            let hashed = hashing
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            synced?;
            let (digest, hashed) = hashed.map_err(failed)?;
            if hashed != size {
                return Err(failed(std::io::Error::other(format!(
                    "hashed {hashed} bytes of the {size} copied"
                ))));
            }
            Ok((digest, size))
        })?;
        let path = folder.join(blob_key(&digest));
        let parent = path.parent().expect("a blob key has folders");
        std::fs::create_dir_all(parent).map_err(failed)?;
        match std::fs::hard_link(&tmp, &path) {
            // the new name is on disk before the blob counts as stored
            Ok(()) => std::fs::File::open(parent)
                .and_then(|d| d.sync_all())
                .map_err(failed)?,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(failed(e)),
        }
        Ok((digest, size))
    })();
    if let Err(e) = std::fs::remove_file(&tmp)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        warn!(file = %tmp.display(), error = %e, "could not remove a temporary file");
    }
    written
}

fn hash_file(mut file: std::fs::File) -> std::io::Result<(Sha256Digest, u64)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; FILE_CHUNK];
    let mut size = 0u64;
    loop {
        let n = read_full(&mut file, &mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((Sha256Digest(hasher.finalize().into()), size))
}

/// A local file as a stream of chunks of [`FILE_CHUNK`] bytes, read on blocking threads.
fn file_chunks(file: std::fs::File, path: std::path::PathBuf, description: Arc<str>) -> BlobStream {
    stream::try_unfold(Some(file), move |state| {
        let path = path.clone();
        let description = description.clone();
        async move {
            let Some(mut file) = state else {
                return Ok(None);
            };
            let (file, buf) = blocking(move || {
                let mut buf = vec![0u8; FILE_CHUNK];
                let n = read_full(&mut file, &mut buf)
                    .map_err(|e| file_error(&description, &path, e))?;
                buf.truncate(n);
                Ok::<_, BlobError>((file, buf))
            })
            .await??;
            if buf.is_empty() {
                Ok(None)
            } else {
                Ok(Some((Bytes::from(buf), Some(file))))
            }
        }
    })
    .boxed()
}

/// Passes chunks through while hashing them; at the end, fails with [`BlobError::Corrupt`] if
/// the content does not hash to `expected`.
fn verifying(chunks: BlobStream, expected: Sha256Digest) -> BlobStream {
    struct State {
        chunks: BlobStream,
        hasher: Option<Sha256>,
    }
    stream::unfold(
        State {
            chunks,
            hasher: Some(Sha256::new()),
        },
        move |mut st| async move {
            let hasher = st.hasher.take()?;
            match st.chunks.next().await {
                Some(Ok(chunk)) => match hash_more(hasher, chunk.clone()).await {
                    Ok(hasher) => {
                        st.hasher = Some(hasher);
                        Some((Ok(chunk), st))
                    }
                    Err(e) => Some((Err(e), st)),
                },
                Some(Err(e)) => Some((Err(e), st)),
                None => {
                    let actual = Sha256Digest(hasher.finalize().into());
                    (actual != expected).then(|| {
                        let corrupt = BlobError::Corrupt {
                            digest: expected,
                            actual,
                        };
                        (Err(corrupt), st)
                    })
                }
            }
        },
    )
    .boxed()
}

/// A fresh temporary key: `tmp/<unix seconds>-<random hex>`. The time lets a later clean-up
/// remove leftovers of interrupted uploads by age.
fn temp_key() -> Path {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u32(std::process::id());
    h.write_u128(now.as_nanos());
    let mut h2 = std::collections::hash_map::RandomState::new().build_hasher();
    h2.write_u64(h.finish());
    Path::from(format!(
        "{TEMP_PREFIX}/{}-{:016x}{:016x}",
        now.as_secs(),
        h.finish(),
        h2.finish()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_layout_round_trips() {
        let d = Sha256Digest::of(b"abc");
        let key = blob_key(&d);
        assert_eq!(
            key,
            "sha256/ba/78/ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(digest_from_key(&key), Some(d));
    }

    #[test]
    fn foreign_keys_are_not_blobs() {
        let hex = Sha256Digest::of(b"abc").to_hex();
        for key in [
            format!("sha256/ba/78/{hex}/x"),
            format!("sha256/ba/79/{hex}"),
            format!("sha256/bb/78/{hex}"),
            format!("sha512/ba/78/{hex}"),
            format!("sha256/ba/78/{}", hex.to_uppercase()),
            format!("sha256/ba/78/{}", &hex[1..]),
            format!("sha256/ba/{hex}"),
            "tmp/1-abc".to_string(),
        ] {
            assert_eq!(digest_from_key(&key), None, "{key}");
        }
    }

    #[test]
    fn a_file_copied_in_many_steps_is_hashed_as_stored() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("export.json");
        // five and a half steps of 64 KiB, no two alike
        let content: Vec<u8> = (0..(11 * 32 * 1024u32))
            .flat_map(|i| i.to_le_bytes())
            .collect();
        std::fs::write(&source, &content).unwrap();
        let folder = dir.path().join("store");
        let (digest, size) =
            copy_into_folder_in_steps(&folder, &source, "a test store", 64 * 1024).unwrap();
        assert_eq!(
            (digest, size),
            (Sha256Digest::of(&content), content.len() as u64)
        );
        assert_eq!(
            std::fs::read(folder.join(blob_key(&digest))).unwrap(),
            content
        );
        // nothing left in tmp/
        assert_eq!(std::fs::read_dir(folder.join("tmp")).unwrap().count(), 0);
        // an empty file is a blob too
        let empty = dir.path().join("empty.json");
        std::fs::write(&empty, b"").unwrap();
        let (digest, size) =
            copy_into_folder_in_steps(&folder, &empty, "a test store", 64 * 1024).unwrap();
        assert_eq!((digest, size), (Sha256Digest::of(b""), 0));
    }

    #[test]
    fn temp_keys_differ() {
        let a = temp_key();
        let b = temp_key();
        assert_ne!(a, b);
        assert!(a.as_ref().starts_with("tmp/"));
    }

    #[tokio::test]
    async fn in_memory_store_round_trip_and_stream_verification() {
        let store = ObjectBlobStore::new(Arc::new(object_store::memory::InMemory::new()), "memory");
        let d = store.put(Bytes::from_static(b"hej")).await.unwrap();
        assert_eq!(store.get(&d).await.unwrap(), Bytes::from_static(b"hej"));
        let reader = store.get_stream(&d).await.unwrap();
        assert_eq!(reader.size, 3);
        let chunks: Vec<Bytes> = reader.stream.try_collect().await.unwrap();
        assert_eq!(chunks.concat(), b"hej");

        // A stream whose content does not match ends with Corrupt.
        let wrong = Sha256Digest::of(b"other");
        let s = verifying(
            stream::iter([Ok(Bytes::from_static(b"hej"))]).boxed(),
            wrong,
        );
        let items: Vec<_> = s.collect().await;
        assert_eq!(items.len(), 2);
        assert!(matches!(items[1], Err(BlobError::Corrupt { digest, .. }) if digest == wrong));
    }
}
