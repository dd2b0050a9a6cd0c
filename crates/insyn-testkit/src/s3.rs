//! A fresh bucket on the S3 stand-in (moto) for each test.
use std::process::Command;

/// Where the test bucket is and how to sign for it.
#[derive(Debug, Clone)]
pub struct TestBucket {
    pub endpoint: String,
    pub bucket: String,
    pub access_key: String,
    pub secret_key: String,
    pub region: String,
}

impl TestBucket {
    /// The blob URL Insyn's configuration takes for this bucket.
    pub fn blobs_url(&self) -> String {
        format!("s3://{}", self.bucket)
    }
}

/// Creates an empty bucket and returns it, or `None` (after [`crate::missing_service`]) when no
/// S3 stand-in is configured.
pub fn fresh_bucket(test: &str) -> Option<TestBucket> {
    let Ok(endpoint) = std::env::var("INSYN_TEST_S3_URL") else {
        crate::missing_service(test, "INSYN_TEST_S3_URL");
        return None;
    };
    let bucket = crate::unique_name("insyn-t").to_lowercase();
    let b = TestBucket {
        endpoint: endpoint.trim_end_matches('/').to_string(),
        bucket,
        access_key: "test".into(),
        secret_key: "test".into(),
        region: "us-east-1".into(),
    };
    let status = Command::new("curl")
        .args([
            "-sf",
            "-o",
            "/dev/null",
            "--aws-sigv4",
            "aws:amz:us-east-1:s3",
            "--user",
            "test:test",
        ])
        .args(["-H", "Content-Type: application/octet-stream", "-X", "PUT"])
        .arg(format!("{}/{}", b.endpoint, b.bucket))
        .status()
        .expect("curl runs");
    assert!(
        status.success(),
        "could not create bucket {} at {}",
        b.bucket,
        b.endpoint
    );
    Some(b)
}
