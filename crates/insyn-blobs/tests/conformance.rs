//! One conformance suite for every blob store backend: a local folder, and S3 (moto) when
//! `INSYN_TEST_S3_URL` names one.
use bytes::Bytes;
use futures::{StreamExt, TryStreamExt, stream};
use insyn_blobs::{BlobError, BlobStore, ByteStream, S3Settings, blob_key, open};
use insyn_domain::Sha256Digest;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A way to change stored objects behind the blob store's back.
enum Backdoor {
    Folder(std::path::PathBuf),
    S3(Arc<dyn ObjectStore>),
}

impl Backdoor {
    async fn overwrite(&self, key: &str, bytes: &'static [u8]) {
        match self {
            Backdoor::Folder(root) => std::fs::write(root.join(key), bytes).unwrap(),
            Backdoor::S3(store) => {
                store
                    .put(&Path::from(key), PutPayload::from_static(bytes))
                    .await
                    .unwrap();
            }
        }
    }

    /// Every key under `prefix`.
    async fn keys(&self, prefix: &str) -> Vec<String> {
        match self {
            Backdoor::Folder(root) => {
                let mut out = Vec::new();
                let mut dirs = vec![root.join(prefix)];
                while let Some(dir) = dirs.pop() {
                    let Ok(entries) = std::fs::read_dir(&dir) else {
                        continue;
                    };
                    for entry in entries {
                        let path = entry.unwrap().path();
                        if path.is_dir() {
                            dirs.push(path);
                        } else {
                            let rel = path.strip_prefix(root).unwrap();
                            out.push(rel.to_string_lossy().into_owned());
                        }
                    }
                }
                out
            }
            Backdoor::S3(store) => store
                .list(Some(&Path::from(prefix)))
                .map_ok(|m| m.location.to_string())
                .try_collect()
                .await
                .unwrap(),
        }
    }
}

const CHUNK: usize = 64 * 1024;
const BIG_CHUNKS: u64 = 20 * 1024 * 1024 / CHUNK as u64; // 20 MiB

/// Deterministic pseudo-random content, made one chunk at a time.
fn chunk(i: u64) -> Bytes {
    let mut x = (i + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut v = Vec::with_capacity(CHUNK);
    for _ in 0..CHUNK / 8 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.extend_from_slice(&x.to_le_bytes());
    }
    Bytes::from(v)
}

fn big_stream() -> ByteStream {
    stream::iter(0..BIG_CHUNKS).map(|i| Ok(chunk(i))).boxed()
}

fn big_digest() -> Sha256Digest {
    let mut h = Sha256::new();
    for i in 0..BIG_CHUNKS {
        h.update(chunk(i));
    }
    Sha256Digest(h.finalize().into())
}

async fn read_stream(
    store: &dyn BlobStore,
    d: &Sha256Digest,
) -> (u64, Vec<Result<Bytes, BlobError>>) {
    let reader = store.get_stream(d).await.unwrap();
    (reader.size, reader.stream.collect().await)
}

fn assert_corrupt(
    result: Result<impl std::fmt::Debug, BlobError>,
    digest: Sha256Digest,
    actual: Sha256Digest,
) {
    match result {
        Err(BlobError::Corrupt {
            digest: d,
            actual: a,
        }) => {
            assert_eq!((d, a), (digest, actual));
            let msg = BlobError::Corrupt {
                digest: d,
                actual: a,
            }
            .to_string();
            assert!(msg.contains(&digest.to_hex()), "{msg}");
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

async fn suite(store: Arc<dyn BlobStore>, backdoor: Backdoor) {
    let mut expected = BTreeSet::new();

    // Round trip.
    let hej = Bytes::from_static(b"Hej fr\xc3\xa5n Insyn");
    let d = store.put(hej.clone()).await.unwrap();
    assert_eq!(d, Sha256Digest::of(&hej));
    assert_eq!(store.get(&d).await.unwrap(), hej);
    assert!(store.exists(&d).await.unwrap());
    assert_eq!(store.verify(&d).await.unwrap(), hej.len() as u64);
    expected.insert(d);

    // The same content twice (and concurrently): one object, the same digest.
    assert_eq!(store.put(hej.clone()).await.unwrap(), d);
    let racing: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            let hej = hej.clone();
            tokio::spawn(async move { store.put(hej).await })
        })
        .collect();
    for task in racing {
        assert_eq!(task.await.unwrap().unwrap(), d);
    }
    assert_eq!(backdoor.keys("sha256").await, vec![blob_key(&d)]);

    // A small stream is stored like a put.
    let parts: ByteStream = stream::iter([
        Ok(Bytes::from_static(b"Hej ")),
        Ok(Bytes::from_static(b"fr\xc3\xa5n ")),
        Ok(Bytes::from_static(b"Insyn")),
    ])
    .boxed();
    assert_eq!(
        store.put_stream(parts).await.unwrap(),
        (d, hej.len() as u64)
    );

    // The empty blob.
    let empty = store.put(Bytes::new()).await.unwrap();
    assert_eq!(
        empty.to_hex(),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert!(store.get(&empty).await.unwrap().is_empty());
    assert_eq!(store.verify(&empty).await.unwrap(), 0);
    let (size, items) = read_stream(&*store, &empty).await;
    assert_eq!(size, 0);
    assert!(items.iter().all(|i| i.as_ref().is_ok_and(|b| b.is_empty())));
    let nothing: ByteStream = stream::empty().boxed();
    assert_eq!(store.put_stream(nothing).await.unwrap(), (empty, 0));
    expected.insert(empty);

    // A 20 MiB stream: uploaded in parts to a temporary key, then given its final key.
    let big = big_digest();
    let big_size = BIG_CHUNKS * CHUNK as u64;
    assert_eq!(
        store.put_stream(big_stream()).await.unwrap(),
        (big, big_size)
    );
    assert_eq!(store.verify(&big).await.unwrap(), big_size);
    let (size, items) = read_stream(&*store, &big).await;
    assert_eq!(size, big_size);
    let mut h = Sha256::new();
    let mut read = 0u64;
    for item in items {
        let b = item.unwrap();
        read += b.len() as u64;
        h.update(&b);
    }
    assert_eq!((read, Sha256Digest(h.finalize().into())), (big_size, big));
    assert_eq!(store.get(&big).await.unwrap().len() as u64, big_size);
    // Again: the existing blob is kept, the temporary copy removed.
    assert_eq!(
        store.put_stream(big_stream()).await.unwrap(),
        (big, big_size)
    );
    assert_eq!(backdoor.keys("tmp").await, Vec::<String>::new());
    expected.insert(big);

    // A file: the big content again (stored once), then a file of its own.
    let files = tempfile::tempdir().unwrap();
    let big_file = files.path().join("tweets.js");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&big_file).unwrap();
        for i in 0..BIG_CHUNKS {
            f.write_all(&chunk(i)).unwrap();
        }
    }
    assert_eq!(store.put_file(&big_file).await.unwrap(), (big, big_size));
    assert_eq!(backdoor.keys("tmp").await, Vec::<String>::new());
    let small_file = files.path().join("outbox.json");
    std::fs::write(&small_file, b"{\"orderedItems\": []}").unwrap();
    let (small, small_size) = store.put_file(&small_file).await.unwrap();
    assert_eq!(
        (small, small_size),
        (Sha256Digest::of(b"{\"orderedItems\": []}"), 20)
    );
    assert_eq!(
        store.get(&small).await.unwrap(),
        &b"{\"orderedItems\": []}"[..]
    );
    assert_eq!(store.verify(&small).await.unwrap(), 20);
    expected.insert(small);
    // A file that is not there is an Input error naming it, and leaves nothing behind.
    let missing = files.path().join("saknas.json");
    match store.put_file(&missing).await {
        Err(BlobError::Input(e)) => assert!(e.to_string().contains("saknas.json"), "{e}"),
        other => panic!("expected Input, got {other:?}"),
    }
    assert_eq!(backdoor.keys("tmp").await, Vec::<String>::new());

    // A stream that fails is an Input error and leaves nothing behind.
    let failing: ByteStream = stream::iter(0..BIG_CHUNKS)
        .map(|i| {
            if i == BIG_CHUNKS / 2 {
                Err(std::io::Error::other("the platform hung up"))
            } else {
                Ok(chunk(i + 1000))
            }
        })
        .boxed();
    assert!(matches!(
        store.put_stream(failing).await,
        Err(BlobError::Input(_))
    ));
    assert_eq!(backdoor.keys("tmp").await, Vec::<String>::new());

    // An unknown digest.
    let unknown = Sha256Digest::of(b"never stored");
    assert!(matches!(store.get(&unknown).await, Err(BlobError::NotFound(x)) if x == unknown));
    assert!(
        matches!(store.get_stream(&unknown).await, Err(BlobError::NotFound(x)) if x == unknown)
    );
    assert!(matches!(store.verify(&unknown).await, Err(BlobError::NotFound(x)) if x == unknown));
    assert!(!store.exists(&unknown).await.unwrap());

    // Tampering behind the store's back is found on every read.
    let original = Bytes::from_static(b"a comment, as it was captured");
    let t = store.put(original.clone()).await.unwrap();
    expected.insert(t);
    backdoor
        .overwrite(&blob_key(&t), b"a comment, changed afterwards")
        .await;
    let actual = Sha256Digest::of(b"a comment, changed afterwards");
    assert_corrupt(store.get(&t).await, t, actual);
    assert_corrupt(store.verify(&t).await, t, actual);
    let (_, items) = read_stream(&*store, &t).await;
    assert_corrupt(items.into_iter().last().unwrap(), t, actual);
    // Write-once: putting the original again does not replace what is stored.
    assert_eq!(store.put(original).await.unwrap(), t);
    assert_corrupt(store.verify(&t).await, t, actual);
    // The same for streams: the copy from the temporary key does not replace the stored blob.
    backdoor
        .overwrite(&blob_key(&big), b"a video, replaced")
        .await;
    let replaced = Sha256Digest::of(b"a video, replaced");
    assert_eq!(
        store.put_stream(big_stream()).await.unwrap(),
        (big, big_size)
    );
    assert_corrupt(store.verify(&big).await, big, replaced);
    assert_eq!(backdoor.keys("tmp").await, Vec::<String>::new());
    // ... and neither does storing the same file again.
    assert_eq!(store.put_file(&big_file).await.unwrap(), (big, big_size));
    assert_corrupt(store.verify(&big).await, big, replaced);
    assert_eq!(backdoor.keys("tmp").await, Vec::<String>::new());

    // List returns everything put, once each.
    let listed: Vec<_> = store.list().try_collect().await.unwrap();
    let digests: BTreeSet<_> = listed.iter().map(|m| m.digest).collect();
    assert_eq!(listed.len(), digests.len());
    assert_eq!(digests, expected);
    assert!(listed.iter().any(|m| m.digest == t && m.size == 29));

    store.ping().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn folder_conformance() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("blobs");
    let store = open(root.to_str().unwrap(), &S3Settings::default())
        .await
        .unwrap();
    let canonical = root.canonicalize().unwrap();
    assert_eq!(store.describe(), format!("folder {}", canonical.display()));
    store.ping().await.unwrap();
    assert_eq!(
        store.list().count().await,
        0,
        "a fresh folder lists nothing"
    );
    suite(store, Backdoor::Folder(canonical)).await;

    // The file: form opens the same folder.
    let again = open(&format!("file:{}", root.display()), &S3Settings::default())
        .await
        .unwrap();
    assert_eq!(again.list().count().await, 5);
}

fn settings_for(b: &insyn_testkit::s3::TestBucket) -> S3Settings {
    S3Settings {
        endpoint: Some(b.endpoint.clone()),
        region: b.region.clone(),
        access_key_id: Some(b.access_key.clone()),
        secret_access_key: Some(b.secret_key.clone()),
        allow_http: true,
    }
}

fn backdoor_for(b: &insyn_testkit::s3::TestBucket) -> Arc<dyn ObjectStore> {
    Arc::new(
        AmazonS3Builder::new()
            .with_endpoint(&b.endpoint)
            .with_bucket_name(&b.bucket)
            .with_region(&b.region)
            .with_access_key_id(&b.access_key)
            .with_secret_access_key(&b.secret_key)
            .with_allow_http(true)
            .build()
            .unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_conformance() {
    let Some(bucket) = insyn_testkit::s3::fresh_bucket("s3_conformance") else {
        return;
    };
    let store = open(&bucket.blobs_url(), &settings_for(&bucket))
        .await
        .unwrap();
    assert_eq!(
        store.describe(),
        format!("s3://{} at {}", bucket.bucket, bucket.endpoint)
    );
    store.ping().await.unwrap();
    assert_eq!(
        store.list().count().await,
        0,
        "a fresh bucket lists nothing"
    );
    suite(store, Backdoor::S3(backdoor_for(&bucket))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_prefix_keeps_blobs_under_it() {
    let Some(bucket) = insyn_testkit::s3::fresh_bucket("s3_prefix_keeps_blobs_under_it") else {
        return;
    };
    let url = format!("{}/insyn/blobs", bucket.blobs_url());
    let store = open(&url, &settings_for(&bucket)).await.unwrap();
    assert!(store.describe().starts_with(&url), "{}", store.describe());
    let d = store
        .put(Bytes::from_static(b"under a prefix"))
        .await
        .unwrap();
    let raw = backdoor_for(&bucket);
    let key = Path::from(format!("insyn/blobs/{}", blob_key(&d)));
    assert_eq!(raw.head(&key).await.unwrap().size, 14);
    let listed: Vec<_> = store.list().try_collect().await.unwrap();
    assert_eq!(listed.iter().map(|m| m.digest).collect::<Vec<_>>(), vec![d]);
}

#[tokio::test]
async fn a_bad_url_is_a_config_error() {
    for url in [
        "ftp://example.org/blobs",
        "gs://bucket",
        "file:relative/path",
        "s3://",
        "",
    ] {
        match open(url, &S3Settings::default()).await {
            Err(BlobError::Config(msg)) => {
                assert!(msg.contains("s3://bucket"), "{url}: {msg}")
            }
            Err(other) => panic!("{url}: expected Config, got {other:?}"),
            Ok(store) => panic!("{url}: opened {}", store.describe()),
        }
    }
    // Half the credentials, or a plain-http endpoint not allowed.
    let half = S3Settings {
        access_key_id: Some("id".into()),
        ..S3Settings::default()
    };
    assert!(matches!(
        open("s3://bucket", &half).await,
        Err(BlobError::Config(_))
    ));
    let http = S3Settings {
        endpoint: Some("http://127.0.0.1:9000".into()),
        ..S3Settings::default()
    };
    assert!(matches!(
        open("s3://bucket", &http).await,
        Err(BlobError::Config(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_s3_endpoint_that_refuses_connections_is_unavailable_quickly() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    }; // closed again here
    let settings = S3Settings {
        endpoint: Some(format!("http://127.0.0.1:{port}")),
        region: "us-east-1".into(),
        access_key_id: Some("test".into()),
        secret_access_key: Some("secret-that-must-not-show".into()),
        allow_http: true,
    };
    let store = open("s3://nowhere", &settings).await.unwrap();
    let d = Sha256Digest::of(b"x");
    let started = Instant::now();
    let results = [
        ("ping", store.ping().await.err()),
        ("put", store.put(Bytes::from_static(b"x")).await.err()),
        ("get", store.get(&d).await.err()),
        ("exists", store.exists(&d).await.err()),
    ];
    for (what, err) in results {
        match err {
            Some(BlobError::Unavailable(msg)) => {
                eprintln!("{what}: {msg}");
                assert!(msg.contains(&format!("127.0.0.1:{port}")), "{what}: {msg}");
                assert!(!msg.contains("secret-that-must-not-show"), "{what}: {msg}");
            }
            other => panic!("{what}: expected Unavailable, got {other:?}"),
        }
    }
    let took = started.elapsed();
    eprintln!("four calls took {took:?}");
    assert!(took < Duration::from_secs(20), "took {took:?}");
}

/// Speed of `verify` on a local folder against `sha256sum` on the same 200 MB file (its ceiling).
/// Run: `cargo test -p insyn-blobs --release --test conformance -- --ignored --nocapture verify_speed`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark; run in release mode"]
async fn verify_speed_against_sha256sum() {
    const SIZE_MB: u64 = 200;
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path().to_str().unwrap(), &S3Settings::default())
        .await
        .unwrap();
    let chunks = SIZE_MB * 1024 * 1024 / CHUNK as u64;
    let content: ByteStream = stream::iter(0..chunks).map(|i| Ok(chunk(i))).boxed();
    let (d, size) = store.put_stream(content).await.unwrap();
    let file = dir.path().join(blob_key(&d));
    let mb = size as f64 / 1_000_000.0;

    // The best of three runs of `program args file`, in seconds, checking it prints the digest.
    let time_tool = |program: &str, args: &[&str]| -> Option<f64> {
        let mut best = f64::MAX;
        for _ in 0..3 {
            let started = Instant::now();
            let out = std::process::Command::new(program)
                .args(args)
                .arg(&file)
                .output()
                .ok()?;
            best = best.min(started.elapsed().as_secs_f64());
            assert!(String::from_utf8_lossy(&out.stdout).contains(&d.to_hex()));
        }
        Some(best)
    };
    let mut ours = f64::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        assert_eq!(store.verify(&d).await.unwrap(), size);
        ours = ours.min(started.elapsed().as_secs_f64());
    }
    let sha256sum = time_tool("sha256sum", &[]).expect("sha256sum runs");
    println!(
        "verify: {:.0} MB/s; sha256sum: {:.0} MB/s; ratio {:.2} ({mb:.0} MB, best of 3)",
        mb / ours,
        mb / sha256sum,
        sha256sum / ours
    );
    if let Some(openssl) = time_tool("openssl", &["dgst", "-sha256"]) {
        println!("openssl dgst -sha256: {:.0} MB/s", mb / openssl);
    }
}
