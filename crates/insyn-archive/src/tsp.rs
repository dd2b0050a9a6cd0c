//! RFC 3161 time-stamp requests and replies.
//!
//! The request (`TimeStampReq`) has one fixed shape — version 1, a SHA-256 message imprint, a
//! nonce, `certReq` true — so it is encoded here by hand in a few lines of DER rather than by
//! pulling a general ASN.1/CMS stack (`der`, `cms`, `x509-tsp`) into the build for it. Replies
//! are read with a small DER walker that checks the status, and that the token's `TSTInfo`
//! covers our digest and nonce; the signature itself is checked by whoever verifies the token
//! (e.g. `openssl ts -verify`, as the tests do), against the TSA's certificate.
use crate::error::ArchiveError;
use chrono::{DateTime, NaiveDateTime, Utc};

/// DER of the SHA-256 algorithm OID 2.16.840.1.101.3.4.2.1.
const SHA256_OID: [u8; 9] = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
/// id-ct-TSTInfo 1.2.840.113549.1.9.16.1.4.
const TSTINFO_OID: [u8; 11] = [
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x04,
];

/// Media types of the HTTP transport (RFC 3161 §3.4).
pub const QUERY_MEDIA_TYPE: &str = "application/timestamp-query";
pub const REPLY_MEDIA_TYPE: &str = "application/timestamp-reply";

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes = n.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// A DER INTEGER of a non-negative big-endian number.
fn der_uint(bytes: &[u8]) -> Vec<u8> {
    let skip = bytes
        .iter()
        .take_while(|b| **b == 0)
        .count()
        .min(bytes.len().saturating_sub(1));
    let mut v = bytes[skip..].to_vec();
    if v.is_empty() {
        v.push(0);
    }
    if v[0] & 0x80 != 0 {
        v.insert(0, 0);
    }
    der(0x02, &v)
}

/// A time-stamp request for a SHA-256 digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeStampRequest {
    pub digest: [u8; 32],
    pub nonce: [u8; 8],
}

impl TimeStampRequest {
    /// A request for `digest` with a fresh random nonce.
    pub fn new(digest: [u8; 32]) -> Self {
        use rand::RngCore;
        let mut nonce = [0u8; 8];
        rand::rng().fill_bytes(&mut nonce);
        TimeStampRequest { digest, nonce }
    }

    /// The DER-encoded `TimeStampReq`.
    pub fn to_der(&self) -> Vec<u8> {
        let algorithm = der(0x30, &[der(0x06, &SHA256_OID), vec![0x05, 0x00]].concat());
        let imprint = der(0x30, &[algorithm, der(0x04, &self.digest)].concat());
        let body = [
            der_uint(&[1]),
            imprint,
            der_uint(&self.nonce),
            vec![0x01, 0x01, 0xff], // certReq TRUE: the reply carries the TSA's certificate
        ]
        .concat();
        der(0x30, &body)
    }
}

/// What a granted reply says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeStamp {
    /// The time the authority vouches for.
    pub gen_time: DateTime<Utc>,
    /// Serial number of the token (hex).
    pub serial: String,
    /// The whole reply as received (DER), to keep beside the package.
    pub reply: Vec<u8>,
}

/// One DER element: (tag, content, rest after it).
fn tlv(buf: &[u8]) -> Result<(u8, &[u8], &[u8]), ArchiveError> {
    let bad = |m: &str| ArchiveError::TimeStamp(format!("the reply is not valid DER: {m}"));
    let (&tag, rest) = buf.split_first().ok_or_else(|| bad("ends early"))?;
    let (&first, rest) = rest.split_first().ok_or_else(|| bad("no length"))?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return Err(bad("bad length"));
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | *b as usize);
        (len, &rest[n..])
    };
    if rest.len() < len {
        return Err(bad("length beyond the end"));
    }
    Ok((tag, &rest[..len], &rest[len..]))
}

fn expect<'a>(buf: &'a [u8], tag: u8, what: &str) -> Result<(&'a [u8], &'a [u8]), ArchiveError> {
    let (t, content, rest) = tlv(buf)?;
    if t != tag {
        return Err(ArchiveError::TimeStamp(format!(
            "expected {what} (tag {tag:#04x}), found tag {t:#04x}"
        )));
    }
    Ok((content, rest))
}

/// Reads a `TimeStampResp`: the status must be granted, and the token's `TSTInfo` must cover
/// the request's digest and nonce.
pub fn read_reply(req: &TimeStampRequest, reply: &[u8]) -> Result<TimeStamp, ArchiveError> {
    let (resp, _) = expect(reply, 0x30, "TimeStampResp")?;
    let (status_info, rest) = expect(resp, 0x30, "PKIStatusInfo")?;
    let (status, _) = expect(status_info, 0x02, "PKIStatus")?;
    let status = status.iter().fold(0i64, |a, b| (a << 8) | *b as i64);
    if status != 0 && status != 1 {
        return Err(ArchiveError::TimeStamp(format!(
            "the authority refused the request (PKIStatus {status})"
        )));
    }
    // ContentInfo { signedData, [0] SignedData { version, digestAlgorithms, encapContentInfo } }
    let (content_info, _) = expect(rest, 0x30, "TimeStampToken")?;
    let (_, rest) = expect(content_info, 0x06, "contentType")?;
    let (explicit, _) = expect(rest, 0xa0, "[0] content")?;
    let (signed_data, _) = expect(explicit, 0x30, "SignedData")?;
    let (_, rest) = expect(signed_data, 0x02, "version")?;
    let (_, rest) = expect(rest, 0x31, "digestAlgorithms")?;
    let (encap, _) = expect(rest, 0x30, "encapContentInfo")?;
    let (ctype, rest) = expect(encap, 0x06, "eContentType")?;
    if ctype != TSTINFO_OID {
        return Err(ArchiveError::TimeStamp(
            "the token does not hold a TSTInfo".into(),
        ));
    }
    let (econtent, _) = expect(rest, 0xa0, "[0] eContent")?;
    let (tst_der, _) = expect(econtent, 0x04, "eContent OCTET STRING")?;
    let (tst, _) = expect(tst_der, 0x30, "TSTInfo")?;
    let (_, rest) = expect(tst, 0x02, "version")?;
    let (_, rest) = expect(rest, 0x06, "policy")?;
    let (imprint, rest) = expect(rest, 0x30, "messageImprint")?;
    let (alg, irest) = expect(imprint, 0x30, "hashAlgorithm")?;
    let (oid, _) = expect(alg, 0x06, "algorithm")?;
    let (hashed, _) = expect(irest, 0x04, "hashedMessage")?;
    if oid != SHA256_OID || hashed != req.digest {
        return Err(ArchiveError::TimeStamp(
            "the token covers another digest than the one asked for".into(),
        ));
    }
    let (serial, rest) = expect(rest, 0x02, "serialNumber")?;
    let (time, mut rest) = expect(rest, 0x18, "genTime")?;
    let gen_time = parse_generalized_time(time)?;
    // accuracy (SEQUENCE), ordering (BOOLEAN), nonce (INTEGER), ...
    let mut nonce_ok = false;
    while !rest.is_empty() {
        let (tag, content, next) = tlv(rest)?;
        if tag == 0x02 {
            let strip =
                |b: &[u8]| -> Vec<u8> { b.iter().copied().skip_while(|x| *x == 0).collect() };
            nonce_ok = strip(content) == strip(&req.nonce);
            break;
        }
        rest = next;
    }
    if !nonce_ok {
        return Err(ArchiveError::TimeStamp(
            "the reply does not echo the request's nonce".into(),
        ));
    }
    Ok(TimeStamp {
        gen_time,
        serial: hex::encode(serial),
        reply: reply.to_vec(),
    })
}

/// `YYYYMMDDHHMMSS[.fff]Z`
fn parse_generalized_time(t: &[u8]) -> Result<DateTime<Utc>, ArchiveError> {
    let s = std::str::from_utf8(t)
        .ok()
        .and_then(|s| s.strip_suffix('Z'))
        .ok_or_else(|| ArchiveError::TimeStamp("genTime is not UTC".into()))?;
    let (whole, _fraction) = s.split_once('.').unwrap_or((s, ""));
    NaiveDateTime::parse_from_str(whole, "%Y%m%d%H%M%S")
        .map(|n| n.and_utc())
        .map_err(|_| ArchiveError::TimeStamp(format!("genTime '{s}' cannot be read")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_encodes_as_expected() {
        let req = TimeStampRequest {
            digest: [0xab; 32],
            nonce: [0x80, 0, 0, 0, 0, 0, 0, 1],
        };
        let d = req.to_der();
        assert_eq!(d[0], 0x30);
        assert_eq!(d[1] as usize, d.len() - 2);
        // version 1, then the imprint
        assert_eq!(&d[2..5], &[0x02, 0x01, 0x01]);
        // a nonce with its top bit set gets a leading zero to stay positive
        let nonce = [0x02, 0x09, 0x00, 0x80, 0, 0, 0, 0, 0, 0, 1];
        assert!(d.windows(nonce.len()).any(|w| w == nonce));
        assert!(d.ends_with(&[0x01, 0x01, 0xff]));
    }

    #[test]
    fn long_lengths_are_encoded_in_long_form() {
        let c = vec![7u8; 300];
        let e = der(0x04, &c);
        assert_eq!(&e[..4], &[0x04, 0x82, 0x01, 0x2c]);
        let (tag, content, rest) = tlv(&e).unwrap();
        assert_eq!((tag, content.len(), rest.len()), (0x04, 300, 0));
    }

    #[test]
    fn a_refusal_is_an_error() {
        // TimeStampResp { PKIStatusInfo { status 2 (rejection) } }
        let reply = der(0x30, &der(0x30, &der(0x02, &[2])));
        let err = read_reply(&TimeStampRequest::new([0; 32]), &reply).unwrap_err();
        assert!(err.to_string().contains("refused"), "{err}");
    }

    proptest::proptest! {
        #[test]
        fn reading_any_bytes_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let _ = read_reply(&TimeStampRequest::new([0; 32]), &bytes);
        }

        #[test]
        fn any_nonce_encodes_as_a_positive_integer(nonce in proptest::array::uniform8(proptest::num::u8::ANY)) {
            let i = der_uint(&nonce);
            let (tag, content, _) = tlv(&i).unwrap();
            proptest::prop_assert_eq!(tag, 0x02);
            proptest::prop_assert!(content[0] & 0x80 == 0);
            proptest::prop_assert!(content.len() == 1 || content[0] != 0 || content[1] & 0x80 != 0);
        }
    }
}
