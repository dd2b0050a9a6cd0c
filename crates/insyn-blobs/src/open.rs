//! Opening a blob store from its URL.
use crate::error::BlobError;
use crate::store::{BlobStore, ObjectBlobStore};
use object_store::aws::{AmazonS3Builder, S3ConditionalPut, S3CopyIfNotExists};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{BackoffConfig, ClientOptions, ObjectStore, RetryConfig};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The URL forms [`open`] accepts, for error messages.
pub const ACCEPTED_FORMS: &str =
    "a folder path, file:/absolute/path, or s3://bucket[/prefix] (with the S3 settings)";

/// Time allowed to open a connection to S3.
pub const S3_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Time allowed for one whole S3 request, body included (large reads and server-side copies).
pub const S3_REQUEST_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// Retries of one failed S3 request (connection errors, 5xx, timeouts).
pub const S3_MAX_RETRIES: usize = 3;
/// No retry starts later than this after the first attempt.
pub const S3_RETRY_TIMEOUT: Duration = Duration::from_secs(60);

/// How to reach an S3-compatible service. Used only for `s3://` URLs.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Settings {
    /// Endpoint of an S3-compatible service (`http://127.0.0.1:9000`); `None` for AWS itself.
    pub endpoint: Option<String>,
    pub region: String,
    /// Both keys, or neither (then AWS instance or container credentials are used).
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// Allow a plain `http://` endpoint (a service on the same machine or network).
    pub allow_http: bool,
}

impl Default for S3Settings {
    fn default() -> Self {
        S3Settings {
            endpoint: None,
            region: "us-east-1".into(),
            access_key_id: None,
            secret_access_key: None,
            allow_http: false,
        }
    }
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field(
                "secret_access_key",
                &self.secret_access_key.as_ref().map(|_| "[redacted]"),
            )
            .field("allow_http", &self.allow_http)
            .finish()
    }
}

/// Where a blob store URL points.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Folder(PathBuf),
    S3 { bucket: String, prefix: String },
}

fn parse_target(url: &str) -> Result<Target, BlobError> {
    let url = url.trim();
    if url.is_empty() {
        return Err(BlobError::Config(format!(
            "the blob store URL is empty; use {ACCEPTED_FORMS}"
        )));
    }
    let scheme = url
        .split_once(':')
        .map(|(s, _)| s)
        .filter(|s| {
            // One letter is a Windows drive (C:\...), not a scheme.
            s.len() > 1
                && s.starts_with(|c: char| c.is_ascii_alphabetic())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        })
        .map(str::to_ascii_lowercase);
    match scheme.as_deref() {
        None => Ok(Target::Folder(PathBuf::from(url))),
        Some("file") => {
            let rest = &url["file:".len()..];
            if !rest.starts_with('/') {
                return Err(BlobError::Config(format!(
                    "'{url}' is not an absolute file URL; a blob store is {ACCEPTED_FORMS}"
                )));
            }
            let parsed = url::Url::parse(url).map_err(|e| {
                BlobError::Config(format!(
                    "'{url}' is not a valid file URL ({e}); a blob store is {ACCEPTED_FORMS}"
                ))
            })?;
            let path = parsed.to_file_path().map_err(|()| {
                BlobError::Config(format!(
                    "'{url}' does not name a local folder; a blob store is {ACCEPTED_FORMS}"
                ))
            })?;
            Ok(Target::Folder(path))
        }
        Some("s3") => {
            let parsed = url::Url::parse(url).map_err(|e| {
                BlobError::Config(format!(
                    "the S3 blob store URL is not valid ({e}); use s3://bucket[/prefix]"
                ))
            })?;
            if !parsed.username().is_empty() || parsed.password().is_some() {
                // Do not repeat the URL: it holds a secret.
                return Err(BlobError::Config(
                    "the S3 blob store URL must not contain credentials; put them in the S3 settings"
                        .into(),
                ));
            }
            let bucket = parsed.host_str().unwrap_or_default().to_string();
            if bucket.is_empty() {
                return Err(BlobError::Config(format!(
                    "'{url}' names no bucket; use s3://bucket[/prefix]"
                )));
            }
            if parsed.port().is_some() || parsed.query().is_some() || parsed.fragment().is_some() {
                return Err(BlobError::Config(format!(
                    "'{url}' has a port, query or fragment; use s3://bucket[/prefix] and put the endpoint in the S3 settings"
                )));
            }
            let prefix = parsed.path().trim_matches('/').to_string();
            Ok(Target::S3 { bucket, prefix })
        }
        Some(other) => Err(BlobError::Config(format!(
            "'{url}' uses the unknown scheme '{other}:'; a blob store is {ACCEPTED_FORMS}"
        ))),
    }
}

/// Opens the blob store a URL names:
/// - a folder path or `file:/absolute/path`: a local folder (created if missing; files are
///   synced to disk before a write counts as done);
/// - `s3://bucket[/prefix]`: an S3 bucket, reached with `s3`.
///
/// Opening does not contact S3; use [`BlobStore::ping`] for that.
pub async fn open(url: &str, s3: &S3Settings) -> Result<Arc<dyn BlobStore>, BlobError> {
    match parse_target(url)? {
        Target::Folder(path) => open_folder(path).await,
        Target::S3 { bucket, prefix } => open_s3(&bucket, &prefix, s3),
    }
}

/// A blob store in memory, for tests of other crates. Everything is lost when it is dropped.
pub fn in_memory() -> Arc<dyn BlobStore> {
    Arc::new(ObjectBlobStore::new(
        Arc::new(object_store::memory::InMemory::new()),
        "memory (tests only)",
    ))
}

async fn open_folder(path: PathBuf) -> Result<Arc<dyn BlobStore>, BlobError> {
    let path = std::path::absolute(&path).map_err(|e| {
        BlobError::Config(format!(
            "cannot use {} as the blob folder: {e}",
            path.display()
        ))
    })?;
    tokio::fs::create_dir_all(&path).await.map_err(|e| {
        BlobError::Config(format!(
            "cannot create the blob folder {}: {e}",
            path.display()
        ))
    })?;
    let fs = LocalFileSystem::new_with_prefix(&path)
        .map_err(|e| {
            BlobError::Config(format!(
                "cannot use the blob folder {}: {e}",
                path.display()
            ))
        })?
        .with_fsync(true);
    let shown = tokio::fs::canonicalize(&path)
        .await
        .unwrap_or_else(|_| path.clone());
    Ok(Arc::new(ObjectBlobStore::in_folder(
        Arc::new(fs),
        format!("folder {}", shown.display()),
        path,
    )))
}

fn open_s3(bucket: &str, prefix: &str, s3: &S3Settings) -> Result<Arc<dyn BlobStore>, BlobError> {
    let location = if prefix.is_empty() {
        format!("s3://{bucket}")
    } else {
        format!("s3://{bucket}/{prefix}")
    };
    let mut builder = AmazonS3Builder::new()
        .with_bucket_name(bucket)
        .with_region(&s3.region)
        .with_allow_http(s3.allow_http)
        // Write-once: PUT with If-None-Match: * (S3 and moto support it).
        .with_conditional_put(S3ConditionalPut::ETagMatch)
        // copy_if_not_exists as a one-part multipart copy completed with If-None-Match: *.
        .with_copy_if_not_exists(S3CopyIfNotExists::Multipart)
        .with_client_options(
            ClientOptions::new()
                .with_default_content_type("application/octet-stream")
                .with_connect_timeout(S3_CONNECT_TIMEOUT)
                .with_timeout(S3_REQUEST_TIMEOUT)
                .with_allow_http(s3.allow_http),
        )
        .with_retry(RetryConfig {
            backoff: BackoffConfig {
                init_backoff: Duration::from_millis(100),
                max_backoff: Duration::from_secs(4),
                base: 2.0,
            },
            max_retries: S3_MAX_RETRIES,
            retry_timeout: S3_RETRY_TIMEOUT,
        });
    let described = match &s3.endpoint {
        Some(endpoint) => {
            let endpoint = endpoint.trim();
            let shown = shown_endpoint(endpoint)?;
            if shown.starts_with("http:") && !s3.allow_http {
                return Err(BlobError::Config(format!(
                    "the S3 endpoint {shown} is plain http; allow http in the S3 settings or use https"
                )));
            }
            builder = builder.with_endpoint(endpoint);
            format!("{location} at {shown}")
        }
        None => format!("{location} in AWS region {}", s3.region),
    };
    builder = match (&s3.access_key_id, &s3.secret_access_key) {
        (Some(id), Some(secret)) => builder
            .with_access_key_id(id)
            .with_secret_access_key(secret),
        (None, None) => builder,
        _ => {
            return Err(BlobError::Config(
                "set both the S3 access key id and the secret access key, or neither".into(),
            ));
        }
    };
    let store = builder
        .build()
        .map_err(|e| BlobError::Config(format!("cannot use {described}: {e}")))?;
    let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
        Arc::new(store)
    } else {
        let prefix = Path::parse(prefix).map_err(|e| {
            BlobError::Config(format!("the prefix in {location} cannot be used: {e}"))
        })?;
        Arc::new(PrefixStore::new(store, prefix))
    };
    Ok(Arc::new(ObjectBlobStore::new(store, described)))
}

/// The endpoint as shown in messages: without any user name or password in it.
fn shown_endpoint(endpoint: &str) -> Result<String, BlobError> {
    let mut url = url::Url::parse(endpoint).map_err(|e| {
        BlobError::Config(format!(
            "the S3 endpoint is not a URL ({e}); use e.g. http://127.0.0.1:9000"
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(BlobError::Config(format!(
            "the S3 endpoint must start with http:// or https://, not {}:",
            url.scheme()
        )));
    }
    let _ = url.set_username("");
    let _ = url.set_password(None);
    Ok(url.as_str().trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_understood() {
        assert_eq!(
            parse_target("/var/lib/insyn/blobs").unwrap(),
            Target::Folder("/var/lib/insyn/blobs".into())
        );
        assert_eq!(
            parse_target("data/blobs").unwrap(),
            Target::Folder("data/blobs".into())
        );
        assert_eq!(
            parse_target("file:/srv/blobs").unwrap(),
            Target::Folder("/srv/blobs".into())
        );
        assert_eq!(
            parse_target("file:///srv/blobs").unwrap(),
            Target::Folder("/srv/blobs".into())
        );
        assert_eq!(
            parse_target("s3://records").unwrap(),
            Target::S3 {
                bucket: "records".into(),
                prefix: String::new()
            }
        );
        assert_eq!(
            parse_target("s3://records/insyn/blobs/").unwrap(),
            Target::S3 {
                bucket: "records".into(),
                prefix: "insyn/blobs".into()
            }
        );
    }

    #[test]
    fn bad_urls_say_what_is_accepted() {
        for url in [
            "",
            "ftp://x/y",
            "gs://bucket",
            "file:relative",
            "s3://",
            "s3://b:9000",
        ] {
            match parse_target(url) {
                Err(BlobError::Config(msg)) => assert!(!msg.is_empty(), "{url}"),
                other => panic!("{url}: {other:?}"),
            }
        }
        let Err(BlobError::Config(msg)) = parse_target("ftp://x/y") else {
            panic!()
        };
        assert!(
            msg.contains("s3://bucket") && msg.contains("file:"),
            "{msg}"
        );
        let Err(BlobError::Config(msg)) = parse_target("s3://key:hunter2@bucket") else {
            panic!()
        };
        assert!(!msg.contains("hunter2"), "{msg}");
    }

    #[test]
    fn debug_redacts_the_secret() {
        let s = S3Settings {
            access_key_id: Some("AKIA".into()),
            secret_access_key: Some("hunter2".into()),
            ..S3Settings::default()
        };
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("hunter2") && shown.contains("[redacted]"),
            "{shown}"
        );
    }

    #[test]
    fn endpoint_is_shown_without_user_info() {
        assert_eq!(
            shown_endpoint("http://u:p@127.0.0.1:9000/").unwrap(),
            "http://127.0.0.1:9000"
        );
        assert!(shown_endpoint("127.0.0.1:9000").is_err());
    }
}
