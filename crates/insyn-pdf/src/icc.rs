//! The ICC profile of the PDF/A output intent of the documents [`crate::direct`] writes: a
//! grey monitor profile (ICC.1:2001-04, version 2.1) with a gamma 2.2 tone curve. PDF/A lets a
//! document draw in DeviceGray when an output intent is present, and those documents draw only
//! black text, so a grey profile is all they need.
//!
//! Written here rather than shipped as a file: the format is four small tags after a fixed
//! header (ICC.1 §7), and building it in code keeps every byte of it explained.

/// The profile's description (its `desc` tag), also shown as the output intent's `Info`.
pub(crate) const DESCRIPTION: &str = "Insyn Gray (gamma 2.2)";

/// The D50 illuminant of the profile connection space, as s15Fixed16 numbers (ICC.1 §7.2.16).
const D50: [i32; 3] = [0xF6D6, 0x1_0000, 0xD32D];

fn tag_text_description(text: &str) -> Vec<u8> {
    // textDescriptionType (ICC.1:2001-04 §6.5.17): ASCII with its count and terminating NUL,
    // then empty Unicode and ScriptCode descriptions (language code and counts zero, 67 bytes).
    let mut t = Vec::new();
    t.extend_from_slice(b"desc");
    t.extend_from_slice(&[0; 4]);
    t.extend_from_slice(&(text.len() as u32 + 1).to_be_bytes());
    t.extend_from_slice(text.as_bytes());
    t.push(0);
    t.extend_from_slice(&[0; 4]); // Unicode language code
    t.extend_from_slice(&[0; 4]); // Unicode count
    t.extend_from_slice(&[0; 2]); // ScriptCode code
    t.push(0); // ScriptCode count
    t.extend_from_slice(&[0; 67]);
    t
}

fn tag_text(text: &str) -> Vec<u8> {
    let mut t = Vec::new();
    t.extend_from_slice(b"text");
    t.extend_from_slice(&[0; 4]);
    t.extend_from_slice(text.as_bytes());
    t.push(0);
    t
}

fn tag_xyz(xyz: [i32; 3]) -> Vec<u8> {
    let mut t = Vec::new();
    t.extend_from_slice(b"XYZ ");
    t.extend_from_slice(&[0; 4]);
    for v in xyz {
        t.extend_from_slice(&v.to_be_bytes());
    }
    t
}

fn tag_gamma(gamma: f32) -> Vec<u8> {
    // curveType with one entry: the exponent as u8Fixed8Number
    let mut t = Vec::new();
    t.extend_from_slice(b"curv");
    t.extend_from_slice(&[0; 4]);
    t.extend_from_slice(&1u32.to_be_bytes());
    t.extend_from_slice(&((gamma * 256.0).round() as u16).to_be_bytes());
    t
}

/// The whole profile.
pub(crate) fn gray_profile() -> Vec<u8> {
    let tags: [(&[u8; 4], Vec<u8>); 4] = [
        (b"desc", tag_text_description(DESCRIPTION)),
        (b"cprt", tag_text("No copyright, use freely")),
        (b"wtpt", tag_xyz(D50)),
        (b"kTRC", tag_gamma(2.2)),
    ];
    let table_len = 4 + 12 * tags.len();
    let mut data = Vec::new();
    let mut table = Vec::with_capacity(table_len);
    table.extend_from_slice(&(tags.len() as u32).to_be_bytes());
    for (sig, body) in &tags {
        // every tag starts on a four-byte boundary
        let offset = 128 + table_len + data.len();
        table.extend_from_slice(*sig);
        table.extend_from_slice(&(offset as u32).to_be_bytes());
        table.extend_from_slice(&(body.len() as u32).to_be_bytes());
        data.extend_from_slice(body);
        while data.len() % 4 != 0 {
            data.push(0);
        }
    }
    let size = 128 + table.len() + data.len();
    let mut p = Vec::with_capacity(size);
    p.extend_from_slice(&(size as u32).to_be_bytes());
    p.extend_from_slice(&[0; 4]); // preferred CMM: none
    p.extend_from_slice(&[2, 0x10, 0, 0]); // version 2.1.0
    p.extend_from_slice(b"mntr");
    p.extend_from_slice(b"GRAY");
    p.extend_from_slice(b"XYZ ");
    for v in [2026u16, 12, 7, 0, 0, 0] {
        p.extend_from_slice(&v.to_be_bytes()); // creation date
    }
    p.extend_from_slice(b"acsp");
    p.extend_from_slice(&[0; 4]); // primary platform: none
    p.extend_from_slice(&[0; 4]); // flags
    p.extend_from_slice(&[0; 4]); // device manufacturer
    p.extend_from_slice(&[0; 4]); // device model
    p.extend_from_slice(&[0; 8]); // device attributes
    p.extend_from_slice(&[0; 4]); // rendering intent: perceptual
    for v in D50 {
        p.extend_from_slice(&v.to_be_bytes());
    }
    p.extend_from_slice(&[0; 4]); // creator
    p.resize(128, 0); // reserved
    p.extend_from_slice(&table);
    p.extend_from_slice(&data);
    debug_assert_eq!(p.len(), size);
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u32_at(p: &[u8], at: usize) -> usize {
        u32::from_be_bytes(p[at..at + 4].try_into().unwrap()) as usize
    }

    #[test]
    fn header_and_tag_table_are_consistent() {
        let p = gray_profile();
        assert_eq!(u32_at(&p, 0), p.len());
        assert_eq!(&p[36..40], b"acsp");
        assert_eq!(&p[12..24], b"mntrGRAYXYZ ");
        let count = u32_at(&p, 128);
        assert_eq!(count, 4);
        let mut sigs = Vec::new();
        for i in 0..count {
            let e = 132 + 12 * i;
            let (offset, len) = (u32_at(&p, e + 4), u32_at(&p, e + 8));
            assert_eq!(offset % 4, 0, "tag {i} is not aligned");
            assert!(offset + len <= p.len());
            sigs.push(p[e..e + 4].to_vec());
            // each tag's body starts with its type signature
            let ty = &p[offset..offset + 4];
            assert!([&b"desc"[..], b"text", b"XYZ ", b"curv"].contains(&ty));
        }
        assert!(sigs.contains(&b"kTRC".to_vec()) && sigs.contains(&b"wtpt".to_vec()));
        assert_eq!(p.len() % 4, 0);
    }
}
