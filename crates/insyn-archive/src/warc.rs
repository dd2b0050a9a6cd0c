//! A WARC/1.1 writer (ISO 28500:2017): one gzip member per record, `WARC-Block-Digest` and
//! `WARC-Payload-Digest` as `sha256:` + base32 on every record that has a block.
//!
//! Written here rather than taken from the `warc` crate because that crate gzips a whole file as
//! one stream (which readers such as warcio refuse), writes WARC/1.0 and computes no digests.
use chrono::{DateTime, SecondsFormat, Utc};
use flate2::{Compress, Compression, FlushCompress, Status};
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::io::Write;

/// Deflate level of the members (zlib's default).
const LEVEL: u32 = 6;

thread_local! {
    /// One raw Deflate state per thread, reset between members: a fresh one per member (as
    /// `GzEncoder` makes) allocates and zeroes its window and tables every time.
    static DEFLATE: RefCell<Compress> = RefCell::new(Compress::new(Compression::new(LEVEL), false));
}

/// `parts`, one after the other, as one gzip member (RFC 1952: the ten-byte header with no
/// name and no time, raw Deflate, CRC-32 and length).
pub fn gzip_member(parts: &[&[u8]]) -> std::io::Result<Vec<u8>> {
    // no parts is one empty part: the loop below then finishes the stream
    let parts: &[&[u8]] = if parts.is_empty() { &[&[]] } else { parts };
    let total: usize = parts.iter().map(|p| p.len()).sum();
    let mut out = Vec::with_capacity(total / 2 + 64);
    // ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=0 OS=255 (unknown), as GzEncoder writes it
    out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
    let mut crc = crc32fast::Hasher::new();
    DEFLATE.with_borrow_mut(|c| -> std::io::Result<()> {
        c.reset();
        for (i, part) in parts.iter().enumerate() {
            crc.update(part);
            let flush = if i + 1 == parts.len() {
                FlushCompress::Finish
            } else {
                FlushCompress::None
            };
            let start = c.total_in();
            loop {
                let consumed = usize::try_from(c.total_in() - start).unwrap_or(part.len());
                out.reserve(1024);
                let status = c
                    .compress_vec(&part[consumed..], &mut out, flush)
                    .map_err(std::io::Error::other)?;
                let done = usize::try_from(c.total_in() - start).unwrap_or(part.len());
                match flush {
                    FlushCompress::Finish if status == Status::StreamEnd => break,
                    FlushCompress::Finish => {}
                    _ if done == part.len() => break,
                    _ => {}
                }
            }
        }
        Ok(())
    })?;
    out.extend_from_slice(&crc.finalize().to_le_bytes());
    out.extend_from_slice(&(total as u32).to_le_bytes());
    Ok(out)
}

/// The RFC 4648 base32 alphabet, as WARC digests use it.
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 with `=` padding.
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    for chunk in bytes.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let n = u64::from_be_bytes([0, 0, 0, buf[0], buf[1], buf[2], buf[3], buf[4]]);
        let chars = (chunk.len() * 8).div_ceil(5);
        for i in 0..8 {
            if i < chars {
                out.push(BASE32[((n >> (35 - 5 * i)) & 31) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `sha256:` + base32 of the SHA-256 of `bytes`.
pub fn sha256_label(bytes: &[u8]) -> String {
    format!("sha256:{}", base32(&Sha256::digest(bytes)))
}

/// A fresh `<urn:uuid:…>` (version 4).
pub fn new_record_id() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::rng().fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "<urn:uuid:{}-{}-{}-{}-{}>",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// One WARC record before it is written.
pub struct WarcRecord<'a> {
    /// `warcinfo`, `response`, `resource`, `metadata`, ...
    pub kind: &'a str,
    pub date: DateTime<Utc>,
    pub target_uri: Option<&'a str>,
    pub content_type: &'a str,
    /// Further named fields (`WARC-Refers-To`, ...), written as given.
    pub fields: Vec<(&'a str, String)>,
    /// The block: for a `response`, the HTTP message; otherwise the content itself.
    pub block: &'a [u8],
    /// Where the payload starts inside the block (after the HTTP headers of a `response`).
    pub payload_offset: usize,
}

/// Writes WARC records, each as its own gzip member, to `out`.
pub struct WarcWriter<W: Write> {
    out: W,
    warcinfo_id: Option<String>,
    records: u64,
}

impl<W: Write> WarcWriter<W> {
    pub fn new(out: W) -> Self {
        WarcWriter {
            out,
            warcinfo_id: None,
            records: 0,
        }
    }

    /// Writes the `warcinfo` record; later records point at it with `WARC-Warcinfo-ID`.
    pub fn write_warcinfo(
        &mut self,
        date: DateTime<Utc>,
        fields: &[(&str, &str)],
    ) -> std::io::Result<String> {
        let mut block = String::new();
        for (k, v) in fields {
            block.push_str(&format!("{k}: {}\r\n", one_line(v)));
        }
        let id = self.write(&WarcRecord {
            kind: "warcinfo",
            date,
            target_uri: None,
            content_type: "application/warc-fields",
            fields: vec![],
            block: block.as_bytes(),
            payload_offset: 0,
        })?;
        self.warcinfo_id = Some(id.clone());
        Ok(id)
    }

    /// Writes one record as one gzip member; returns its `WARC-Record-ID`.
    pub fn write(&mut self, r: &WarcRecord<'_>) -> std::io::Result<String> {
        let (id, member) = member(r, self.warcinfo_id.as_deref())?;
        self.append(&member)?;
        Ok(id)
    }

    /// Appends a member made by [`member`] (on any thread) with this file's `warcinfo` id.
    pub fn append(&mut self, member: &[u8]) -> std::io::Result<()> {
        self.out.write_all(member)?;
        self.records += 1;
        Ok(())
    }

    /// The id of the `warcinfo` record, once written.
    pub fn warcinfo_id(&self) -> Option<&str> {
        self.warcinfo_id.as_deref()
    }

    pub fn records(&self) -> u64 {
        self.records
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

/// One record as one gzip member, and its `WARC-Record-ID`. `warcinfo_id`: the `warcinfo`
/// record the member points at (none for the `warcinfo` record itself).
pub fn member(r: &WarcRecord<'_>, warcinfo_id: Option<&str>) -> std::io::Result<(String, Vec<u8>)> {
    let id = new_record_id();
    let mut head = String::with_capacity(512);
    head.push_str("WARC/1.1\r\n");
    head.push_str(&format!("WARC-Type: {}\r\n", r.kind));
    head.push_str(&format!("WARC-Record-ID: {id}\r\n"));
    head.push_str(&format!(
        "WARC-Date: {}\r\n",
        r.date.to_rfc3339_opts(SecondsFormat::Secs, true)
    ));
    if let Some(uri) = r.target_uri {
        head.push_str(&format!("WARC-Target-URI: {}\r\n", one_line(uri)));
    }
    if r.kind != "warcinfo"
        && let Some(info) = warcinfo_id
    {
        head.push_str(&format!("WARC-Warcinfo-ID: {info}\r\n"));
    }
    for (k, v) in &r.fields {
        head.push_str(&format!("{k}: {}\r\n", one_line(v)));
    }
    head.push_str(&format!("Content-Type: {}\r\n", r.content_type));
    if !r.block.is_empty() {
        head.push_str(&format!("WARC-Block-Digest: {}\r\n", sha256_label(r.block)));
        let payload = r.block.get(r.payload_offset..).unwrap_or_default();
        head.push_str(&format!(
            "WARC-Payload-Digest: {}\r\n",
            sha256_label(payload)
        ));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", r.block.len()));

    let member = gzip_member(&[head.as_bytes(), r.block, b"\r\n\r\n"])?;
    Ok((id, member))
}

/// Header values must stay on one line.
fn one_line(v: &str) -> String {
    v.replace(['\r', '\n'], " ")
}

/// An HTTP/1.1 response message around `payload`, for a `response` record. Only the headers that
/// are known are written (the store keeps the payload verbatim, not the platform's headers).
pub fn http_response(content_type: &str, payload: &[u8]) -> (Vec<u8>, usize) {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        payload.len()
    );
    let mut block = Vec::with_capacity(head.len() + payload.len());
    block.extend_from_slice(head.as_bytes());
    block.extend_from_slice(payload);
    (block, head.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_matches_rfc4648_vectors() {
        assert_eq!(base32(b""), "");
        assert_eq!(base32(b"f"), "MY======");
        assert_eq!(base32(b"fo"), "MZXQ====");
        assert_eq!(base32(b"foo"), "MZXW6===");
        assert_eq!(base32(b"foob"), "MZXW6YQ=");
        assert_eq!(base32(b"fooba"), "MZXW6YTB");
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI======");
    }

    #[test]
    fn each_record_is_its_own_gzip_member() {
        let mut w = WarcWriter::new(Vec::new());
        w.write_warcinfo(Utc::now(), &[("software", "insyn")])
            .unwrap();
        let (block, off) = http_response("application/json", b"{\"a\":1}");
        w.write(&WarcRecord {
            kind: "response",
            date: Utc::now(),
            target_uri: Some("urn:x"),
            content_type: "application/http; msgtype=response",
            fields: vec![],
            block: &block,
            payload_offset: off,
        })
        .unwrap();
        let bytes = w.into_inner();
        // two gzip headers (1f 8b 08) at member starts
        let starts = bytes
            .windows(3)
            .filter(|w| w == &[0x1f, 0x8b, 0x08])
            .count();
        assert!(starts >= 2, "expected two gzip members, found {starts}");
        let mut text = String::new();
        use std::io::Read;
        flate2::read::MultiGzDecoder::new(&bytes[..])
            .read_to_string(&mut text)
            .unwrap();
        assert!(text.starts_with("WARC/1.1\r\nWARC-Type: warcinfo"));
        assert!(text.contains(&format!(
            "WARC-Payload-Digest: {}",
            sha256_label(b"{\"a\":1}")
        )));
    }

    #[test]
    fn a_member_decodes_to_its_parts_with_a_reused_state() {
        use std::io::Read;
        let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        for parts in [
            vec![],
            vec![&b""[..]],
            vec![&b"WARC/1.1\r\n"[..], b"", b"block"],
            vec![&big[..], b"\r\n\r\n"],
        ] {
            let member = gzip_member(&parts).unwrap();
            let mut back = Vec::new();
            // GzDecoder checks the CRC-32 and the length
            flate2::read::GzDecoder::new(&member[..])
                .read_to_end(&mut back)
                .unwrap();
            assert_eq!(back, parts.concat());
        }
    }

    proptest::proptest! {
        #[test]
        fn gzip_members_round_trip(parts in proptest::collection::vec(proptest::collection::vec(proptest::num::u8::ANY, 0..3000), 0..4)) {
            use std::io::Read;
            let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
            let member = gzip_member(&refs).unwrap();
            let mut back = Vec::new();
            flate2::read::GzDecoder::new(&member[..]).read_to_end(&mut back).unwrap();
            proptest::prop_assert_eq!(back, parts.concat());
        }

        #[test]
        fn base32_length_and_alphabet(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            let s = base32(&bytes);
            proptest::prop_assert_eq!(s.len(), bytes.len().div_ceil(5) * 8);
            proptest::prop_assert!(s.bytes().all(|c| BASE32.contains(&c) || c == b'='));
        }
    }
}
