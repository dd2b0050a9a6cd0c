//! Re-opening a package (folder or zip): every file the METS files list is read again, its size
//! and SHA-256 recomputed and compared with what the METS says.
use crate::error::ArchiveError;
use quick_xml::Reader;
use quick_xml::events::Event;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// A file as a METS file lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedFile {
    /// Package-relative path.
    pub path: String,
    pub size: Option<u64>,
    /// Upper- or lower-case hex, as written.
    pub checksum: Option<String>,
    /// The METS file that lists it.
    pub listed_in: String,
}

enum Package {
    Dir(PathBuf),
    Zip(Box<zip::ZipArchive<BufReader<File>>>, String),
}

impl Package {
    fn open(path: &Path) -> Result<Package, ArchiveError> {
        if path.is_dir() {
            return Ok(Package::Dir(path.to_path_buf()));
        }
        let f = File::open(path).map_err(|e| ArchiveError::write(path, e))?;
        let zip = zip::ZipArchive::new(BufReader::new(f)).map_err(|e| {
            ArchiveError::Mismatch(format!(
                "{} is neither a folder nor a zip file: {e}",
                path.display()
            ))
        })?;
        let root = zip
            .file_names()
            .find_map(|n| {
                n.strip_suffix("/METS.xml")
                    .filter(|r| !r.contains('/'))
                    .map(str::to_string)
            })
            .ok_or_else(|| {
                ArchiveError::Mismatch(format!("{} holds no <root>/METS.xml", path.display()))
            })?;
        Ok(Package::Zip(Box::new(zip), root))
    }

    /// Reads a package file through `f`; `Ok(None)` when it does not exist.
    fn read<T>(
        &mut self,
        rel: &str,
        f: &mut dyn FnMut(&mut dyn Read) -> std::io::Result<T>,
    ) -> Result<Option<T>, ArchiveError> {
        match self {
            Package::Dir(root) => {
                let p = root.join(rel);
                match File::open(&p) {
                    Ok(file) => f(&mut BufReader::new(file))
                        .map(Some)
                        .map_err(|e| ArchiveError::write(&p, e)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(ArchiveError::write(&p, e)),
                }
            }
            Package::Zip(zip, root) => {
                let name = format!("{root}/{rel}");
                match zip.by_name(&name) {
                    Ok(mut entry) => f(&mut entry)
                        .map(Some)
                        .map_err(|e| ArchiveError::write(&name, e)),
                    Err(zip::result::ZipError::FileNotFound) => Ok(None),
                    Err(e) => Err(ArchiveError::Mismatch(format!("{name}: {e}"))),
                }
            }
        }
    }
}

/// Files listed by the root METS and by every representation METS it points at (the root
/// METS itself is not listed anywhere). Holds them all: for tests and small packages.
pub fn listed_files(package: &Path) -> Result<Vec<ListedFile>, ArchiveError> {
    let mut pkg = Package::open(package)?;
    let mut out = Vec::new();
    walk(&mut pkg, &mut |_, f| {
        out.push(f);
        Ok(())
    })?;
    Ok(out)
}

/// `file`/`FLocat` and `mdRef` entries of one METS document, handed to `each` as they are read;
/// hrefs are made package-relative.
fn parse_mets(
    xml: &mut dyn std::io::BufRead,
    base: &str,
    name: &str,
    each: &mut dyn FnMut(ListedFile) -> Result<(), ArchiveError>,
) -> Result<(), ArchiveError> {
    let mut reader = Reader::from_reader(xml);
    let mut pending: Option<(Option<u64>, Option<String>)> = None;
    let mut buf = Vec::new();
    let bad = |e: String| ArchiveError::Mismatch(format!("{name} cannot be read: {e}"));
    loop {
        let ev = reader
            .read_event_into(&mut buf)
            .map_err(|e| bad(e.to_string()))?;
        match ev {
            Event::Eof => break,
            Event::Start(ref e) | Event::Empty(ref e) => {
                let local = e.local_name();
                let local = local.as_ref();
                if local != b"file" && local != b"mdRef" && local != b"FLocat" {
                    buf.clear();
                    continue;
                }
                let mut size = None;
                let mut checksum = None;
                let mut href = None;
                for a in e.attributes() {
                    let a = a.map_err(|e| bad(e.to_string()))?;
                    let v = a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(|e| bad(e.to_string()))?
                        .to_string();
                    match a.key.as_ref() {
                        b"SIZE" => size = Some(v.parse().map_err(|_| bad(format!("SIZE '{v}'")))?),
                        b"CHECKSUM" => checksum = Some(v),
                        b"xlink:href" => href = Some(v),
                        _ => {}
                    }
                }
                let listed = match local {
                    b"file" => {
                        pending = Some((size, checksum));
                        None
                    }
                    b"FLocat" => {
                        let (size, checksum) = pending.take().unwrap_or((None, None));
                        href.map(|h| (h, size, checksum))
                    }
                    _ => href.map(|h| (h, size, checksum)),
                };
                if let Some((h, size, checksum)) = listed {
                    each(ListedFile {
                        path: format!("{base}{h}"),
                        size,
                        checksum,
                        listed_in: name.to_string(),
                    })?;
                }
            }
            _ => {}
        }
        buf.clear();
    }
    Ok(())
}

/// Walks every listed file: the root METS's entries, then each representation METS's entries,
/// read as a stream (a representation may list millions of files). A representation METS is
/// copied to an unlinked temporary file first, so that package files (zip entries) can be read
/// while it is parsed.
fn walk(
    pkg: &mut Package,
    each: &mut dyn FnMut(&mut Package, ListedFile) -> Result<(), ArchiveError>,
) -> Result<(), ArchiveError> {
    let root = pkg
        .read("METS.xml", &mut |r| {
            let mut s = Vec::new();
            r.read_to_end(&mut s)?;
            Ok(s)
        })?
        .ok_or_else(|| ArchiveError::Mismatch("METS.xml is missing".into()))?;
    let mut root_files = Vec::new();
    parse_mets(&mut &root[..], "", "METS.xml", &mut |f| {
        root_files.push(f);
        Ok(())
    })?;
    for f in root_files {
        let rep = (f.path.starts_with("representations/") && f.path.ends_with("/METS.xml"))
            .then(|| f.path.clone());
        each(pkg, f)?;
        let Some(rep) = rep else { continue };
        let mut spool = unlinked_tempfile()?;
        if pkg
            .read(&rep, &mut |r| std::io::copy(r, &mut spool))?
            .is_none()
        {
            continue; // reported as missing above
        }
        use std::io::Seek;
        spool
            .seek(std::io::SeekFrom::Start(0))
            .map_err(|e| ArchiveError::write(&rep, e))?;
        let base = rep.trim_end_matches("METS.xml").to_string();
        let mut failed = None;
        parse_mets(&mut BufReader::new(spool), &base, &rep, &mut |f| {
            if failed.is_none()
                && let Err(e) = each(pkg, f)
            {
                failed = Some(e);
            }
            Ok(())
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
    }
    Ok(())
}

/// A read-write temporary file that is already unlinked (gone when the handle is dropped).
fn unlinked_tempfile() -> Result<File, ArchiveError> {
    let id = crate::warc::new_record_id();
    let path = std::env::temp_dir().join(format!(
        ".insyn-verify-{}-{}",
        std::process::id(),
        &id[10..id.len() - 1]
    ));
    let f = File::options()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| ArchiveError::write(&path, e))?;
    let _ = std::fs::remove_file(&path);
    Ok(f)
}

/// Re-reads every listed file and compares size and SHA-256 with its METS entry. Returns the
/// mismatches in the order found (empty when the package is intact), at most [`MAX_PROBLEMS`].
pub const MAX_PROBLEMS: usize = 1000;

pub fn verify_package(package: &Path) -> Result<Vec<String>, ArchiveError> {
    let mut pkg = Package::open(package)?;
    let mut problems = Vec::new();
    // a folder's files are read on one thread per core, a batch at a time, and the problems
    // reported in the order the METS files list them; a zip is read in order
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    let folder = match &pkg {
        Package::Dir(root) if workers > 1 => Some(root.clone()),
        _ => None,
    };
    let mut batch = Vec::new();
    walk(&mut pkg, &mut |pkg, f| {
        if let Some(root) = &folder {
            batch.push(f);
            if batch.len() >= CHECK_BATCH {
                check_batch(root, &mut batch, workers, &mut problems)?;
            }
            return Ok(());
        }
        if let Some(p) = check(pkg, &f)?
            && problems.len() < MAX_PROBLEMS
        {
            problems.push(p);
        }
        Ok(())
    })?;
    if let Some(root) = &folder {
        check_batch(root, &mut batch, workers, &mut problems)?;
    }
    Ok(problems)
}

/// Files checked at a time when a folder is checked on several threads.
const CHECK_BATCH: usize = 1024;

fn check_batch(
    root: &Path,
    batch: &mut Vec<ListedFile>,
    workers: usize,
    problems: &mut Vec<String>,
) -> Result<(), ArchiveError> {
    let chunk = batch.len().div_ceil(workers).max(1);
    let results: Vec<Result<Vec<Option<String>>, ArchiveError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = batch
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let mut pkg = Package::Dir(root.to_path_buf());
                    part.iter().map(|f| check(&mut pkg, f)).collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(ArchiveError::Mismatch(
                        "a checking thread stopped unexpectedly".into(),
                    ))
                })
            })
            .collect()
    });
    batch.clear();
    for r in results {
        for p in r?.into_iter().flatten() {
            if problems.len() < MAX_PROBLEMS {
                problems.push(p);
            }
        }
    }
    Ok(())
}

/// One listed file against its entry: `Some(problem)` when it does not match.
fn check(pkg: &mut Package, f: &ListedFile) -> Result<Option<String>, ArchiveError> {
    if f.path.contains("..") || f.path.starts_with('/') {
        return Ok(Some(format!(
            "{}: the path leaves the package ({})",
            f.path, f.listed_in
        )));
    }
    let got = pkg.read(&f.path, &mut |r| {
        let mut h = Sha256::new();
        let mut buf = vec![0u8; 1 << 16];
        let mut n = 0u64;
        loop {
            let got = r.read(&mut buf)?;
            if got == 0 {
                break;
            }
            h.update(&buf[..got]);
            n += got as u64;
        }
        Ok((n, hex::encode(h.finalize())))
    })?;
    let Some((size, sha)) = got else {
        return Ok(Some(format!(
            "{}: missing (listed in {})",
            f.path, f.listed_in
        )));
    };
    if f.size.is_some_and(|s| s != size) {
        return Ok(Some(format!(
            "{}: size {size} but {} says {}",
            f.path,
            f.listed_in,
            f.size.unwrap_or_default()
        )));
    }
    if f.checksum
        .as_ref()
        .is_some_and(|c| !c.eq_ignore_ascii_case(&sha))
    {
        return Ok(Some(format!(
            "{}: SHA-256 {sha} but {} says {}",
            f.path,
            f.listed_in,
            f.checksum.clone().unwrap_or_default().to_lowercase()
        )));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::info::{PackageInfo, Party, Profile};
    use crate::sink::FileEntry;
    use chrono::Utc;
    use proptest::prelude::*;

    fn info() -> PackageInfo {
        PackageInfo {
            objid: "uuid-x".into(),
            label: "<&\"'>".into(),
            archivist: Party {
                name: "Å & Ö".into(),
                org_number: None,
            },
            preservation: None,
            submission_agreement: None,
            reference_code: None,
            period_from: None,
            period_to: None,
            accounts: vec![],
            account_names: Default::default(),
            profile: Profile::default(),
            schemas_dir: None,
            additional: None,
            software: "insyn".into(),
            software_version: "0".into(),
            urn_prefix: "x".into(),
            created: Utc::now(),
        }
    }

    proptest! {
        /// Whatever names and sizes files have, the METS written for them reads back the same.
        #[test]
        fn mets_round_trips_paths_sizes_and_checksums(
            files in proptest::collection::vec(("[^\u{0}-\u{1f}\u{7f}]{1,40}", any::<u64>(), any::<[u8; 32]>()), 0..20)
        ) {
            let entries: Vec<FileEntry> = files
                .iter()
                .map(|(p, size, sha)| FileEntry {
                    path: format!("representations/rep1/data/{p}"),
                    size: *size,
                    sha256: *sha,
                    mime: "application/json".into(),
                    created: Utc::now(),
                })
                .collect();
            let premis = FileEntry {
                path: "representations/rep1/metadata/preservation/premis.xml".into(),
                size: 1,
                sha256: [0; 32],
                mime: "application/xml".into(),
                created: Utc::now(),
            };
            let mut it = entries.clone().into_iter().map(Ok);
            let xml = crate::mets::write_rep_mets(Vec::new(), &info(), "rep1", false, &premis, &mut it).unwrap();
            let mut got = Vec::new();
            parse_mets(&mut &xml[..], "representations/rep1/", "rep", &mut |f| {
                got.push(f);
                Ok(())
            })
            .unwrap();
            prop_assert_eq!(got.len(), entries.len() + 1);
            for (e, g) in entries.iter().zip(got.iter().skip(1)) {
                prop_assert_eq!(&g.path, &e.path);
                prop_assert_eq!(g.size, Some(e.size));
                prop_assert_eq!(g.checksum.clone(), Some(e.checksum()));
            }
        }

        /// Any bytes: an error or a list, never a panic.
        #[test]
        fn parsing_any_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_mets(&mut &bytes[..], "", "x", &mut |_| Ok(()));
        }
    }

    #[test]
    fn a_package_that_is_neither_folder_nor_zip_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("x.zip");
        std::fs::write(&f, b"not a zip").unwrap();
        let err = verify_package(&f).unwrap_err().to_string();
        assert!(err.contains("neither a folder nor a zip"), "{err}");
        let err = verify_package(dir.path()).unwrap_err().to_string();
        assert!(err.contains("METS.xml is missing"), "{err}");
    }
}
