//! What the builder reads: records with their versions and events, and blobs. A small trait, so
//! the builder can be tested without the store and the app can feed it from the store.
use crate::error::SourceError;
use insyn_domain::{Record, RecordEvent, RecordVersion, Sha256Digest};
use std::io::Read;

/// One record of the selection with its whole history.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RecordBundle {
    pub record: Record,
    /// Every version, oldest first.
    pub versions: Vec<RecordVersion>,
    /// Every event, oldest first.
    pub events: Vec<RecordEvent>,
}

/// The records of a selection and the blobs they name.
pub trait PackageSource {
    /// The next page of the selection: at most `limit` records, in a stable order, after the
    /// `offset` records already handed out. An empty page ends the selection.
    fn records(&mut self, offset: u64, limit: usize) -> Result<Vec<RecordBundle>, SourceError>;

    /// Opens a blob for reading. `record` and `what` ("raw payload", "media file") name the
    /// record that needs it, for the error when it is missing.
    fn open_blob(
        &mut self,
        digest: &Sha256Digest,
        record: i64,
        what: &'static str,
    ) -> Result<Box<dyn Read + '_>, SourceError>;
}

/// A guess at a blob's format from its first bytes: (file extension, IANA media type).
pub fn sniff(head: &[u8]) -> (&'static str, &'static str) {
    let trimmed = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map(|i| &head[i..])
        .unwrap_or(&[]);
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        ("jpg", "image/jpeg")
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        ("png", "image/png")
    } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        ("gif", "image/gif")
    } else if head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        ("webp", "image/webp")
    } else if head.len() >= 8 && &head[4..8] == b"ftyp" {
        ("mp4", "video/mp4")
    } else if head.starts_with(b"%PDF-") {
        ("pdf", "application/pdf")
    } else if trimmed.starts_with(b"{") || trimmed.starts_with(b"[") {
        ("json", "application/json")
    } else {
        ("bin", "application/octet-stream")
    }
}

#[cfg(test)]
mod tests {
    use super::sniff;

    #[test]
    fn sniffs_common_formats() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0rest").1, "image/jpeg");
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nxx").0, "png");
        assert_eq!(sniff(b"  \n{\"data\":[]}").0, "json");
        assert_eq!(sniff(b"\0\0\0\x18ftypmp42").1, "video/mp4");
        assert_eq!(sniff(b"hello").0, "bin");
        assert_eq!(sniff(b"").0, "bin");
    }

    proptest::proptest! {
        #[test]
        fn sniff_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            let (ext, mime) = sniff(&bytes);
            proptest::prop_assert!(!ext.is_empty() && mime.contains('/'));
        }
    }
}
