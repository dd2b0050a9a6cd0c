//! RFC 3161 against a throw-away local authority made with `openssl` (standards.md §6): our
//! DER request is answered by `openssl ts -reply`, read back by our reader, and the reply is
//! verified by `openssl ts -verify` against the package's METS.xml.
use super::*;
use insyn_archive::tsp::{TimeStampRequest, read_reply};

pub struct LocalTsa {
    pub dir: tempfile::TempDir,
}

fn openssl(dir: &Path, args: &[&str]) -> std::process::Output {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

impl LocalTsa {
    pub fn new() -> Option<LocalTsa> {
        if Command::new("openssl").arg("version").output().is_err() {
            insyn_testkit::missing_service("local TSA", "openssl on PATH");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(
            d.join("tsa.cnf"),
            "[tsa]\ndefault_tsa=tsa_config1\n[tsa_config1]\nserial=./tsaserial\nsigner_digest=sha256\n\
             default_policy=1.2.3.4.1\ndigests=sha256\ness_cert_id_alg=sha256\nother_policies=1.2.3.4.5\n\
             [v3_tsa]\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n\
             extendedKeyUsage=critical,timeStamping\n",
        )
        .unwrap();
        std::fs::write(d.join("tsaserial"), "01\n").unwrap();
        openssl(
            d,
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.crt",
                "-days",
                "2",
                "-subj",
                "/CN=Test CA",
            ],
        );
        openssl(
            d,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "tsa.key",
                "-out",
                "tsa.csr",
                "-subj",
                "/CN=Test TSA",
            ],
        );
        openssl(
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
        Some(LocalTsa { dir })
    }

    /// Answers a DER request the way a TSA would.
    pub fn reply(&self, request: &[u8]) -> Vec<u8> {
        let d = self.dir.path();
        let name = insyn_testkit::unique_name("q");
        std::fs::write(d.join(format!("{name}.tsq")), request).unwrap();
        openssl(
            d,
            &[
                "ts",
                "-reply",
                "-config",
                "tsa.cnf",
                "-section",
                "tsa_config1",
                "-queryfile",
                &format!("{name}.tsq"),
                "-inkey",
                "tsa.key",
                "-signer",
                "tsa.crt",
                "-out",
                &format!("{name}.tsr"),
            ],
        );
        std::fs::read(d.join(format!("{name}.tsr"))).unwrap()
    }

    /// `openssl ts -verify` of `reply` over the file `data`: Ok when "Verification: OK".
    pub fn verify(&self, data: &Path, reply: &[u8]) -> Result<(), String> {
        let d = self.dir.path();
        let name = insyn_testkit::unique_name("r");
        std::fs::write(d.join(format!("{name}.tsr")), reply).unwrap();
        let out = Command::new("openssl")
            .args(["ts", "-verify", "-data"])
            .arg(data)
            .args([
                "-in",
                &format!("{name}.tsr"),
                "-CAfile",
                "ca.crt",
                "-untrusted",
                "tsa.crt",
            ])
            .current_dir(d)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if out.status.success() && text.contains("Verification: OK") {
            Ok(())
        } else {
            Err(text)
        }
    }
}

#[test]
fn package_mets_is_time_stamped_and_openssl_verifies_it() {
    let Some(tsa) = LocalTsa::new() else { return };
    let dir = tempfile::tempdir().unwrap();
    let report = build(&mut MemSource::fixture(5), dir.path(), Output::Folder);
    let mets = report.path.join("METS.xml");
    let mut digest = [0u8; 32];
    hex::decode_to_slice(&report.mets_sha256, &mut digest).unwrap();

    // openssl reads our request: the imprint is the METS digest
    let req = TimeStampRequest::new(digest);
    let der = req.to_der();
    let q = dir.path().join("req.tsq");
    std::fs::write(&q, &der).unwrap();
    let text = openssl(
        dir.path(),
        &["ts", "-query", "-in", q.to_str().unwrap(), "-text"],
    );
    let text = String::from_utf8_lossy(&text.stdout).to_lowercase();
    assert!(text.contains("sha256"), "{text}");
    assert!(text.contains("certificate required: yes"), "{text}");

    let reply = tsa.reply(&der);
    let ts = read_reply(&req, &reply).expect("granted reply");
    assert!(
        (Utc::now() - ts.gen_time).num_seconds().abs() < 120,
        "{:?}",
        ts.gen_time
    );
    tsa.verify(&mets, &reply)
        .expect("openssl verifies the token over METS.xml");

    // the same token does not vouch for changed data
    let changed = dir.path().join("changed.xml");
    let mut bytes = std::fs::read(&mets).unwrap();
    bytes.push(b' ');
    std::fs::write(&changed, bytes).unwrap();
    assert!(tsa.verify(&changed, &reply).is_err());

    // and a reply for another request is refused by our reader (nonce and digest differ)
    let other = TimeStampRequest::new([7; 32]);
    let other_reply = tsa.reply(&other.to_der());
    assert!(read_reply(&req, &other_reply).is_err());
}
