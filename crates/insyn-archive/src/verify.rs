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
/// METS itself is not listed anywhere).
pub fn listed_files(package: &Path) -> Result<Vec<ListedFile>, ArchiveError> {
    let mut pkg = Package::open(package)?;
    listed(&mut pkg)
}

fn listed(pkg: &mut Package) -> Result<Vec<ListedFile>, ArchiveError> {
    let root = pkg
        .read("METS.xml", &mut |r| {
            let mut s = Vec::new();
            r.read_to_end(&mut s)?;
            Ok(s)
        })?
        .ok_or_else(|| ArchiveError::Mismatch("METS.xml is missing".into()))?;
    let mut files = parse_mets(&root, "", "METS.xml")?;
    let reps: Vec<String> = files
        .iter()
        .filter(|f| f.path.starts_with("representations/") && f.path.ends_with("/METS.xml"))
        .map(|f| f.path.clone())
        .collect();
    for rep in reps {
        let base = rep.trim_end_matches("METS.xml").to_string();
        let Some(bytes) = pkg.read(&rep, &mut |r| {
            let mut s = Vec::new();
            r.read_to_end(&mut s)?;
            Ok(s)
        })?
        else {
            continue; // reported as missing by verify
        };
        files.extend(parse_mets(&bytes, &base, &rep)?);
    }
    Ok(files)
}

/// `file`/`FLocat` and `mdRef` entries of one METS document; hrefs are made package-relative.
fn parse_mets(xml: &[u8], base: &str, name: &str) -> Result<Vec<ListedFile>, ArchiveError> {
    let mut reader = Reader::from_reader(xml);
    let mut out = Vec::new();
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
                match local {
                    b"file" => pending = Some((size, checksum)),
                    b"FLocat" => {
                        let (size, checksum) = pending.take().unwrap_or((None, None));
                        if let Some(h) = href {
                            out.push(ListedFile {
                                path: format!("{base}{h}"),
                                size,
                                checksum,
                                listed_in: name.to_string(),
                            });
                        }
                    }
                    _ => {
                        if let Some(h) = href {
                            out.push(ListedFile {
                                path: format!("{base}{h}"),
                                size,
                                checksum,
                                listed_in: name.to_string(),
                            });
                        }
                    }
                }
            }
            _ => {}
        }
        buf.clear();
    }
    Ok(out)
}

/// Re-reads every listed file and compares size and SHA-256 with its METS entry. Returns the
/// mismatches in the order found (empty when the package is intact).
pub fn verify_package(package: &Path) -> Result<Vec<String>, ArchiveError> {
    let mut pkg = Package::open(package)?;
    let files = listed(&mut pkg)?;
    let mut problems = Vec::new();
    for f in files {
        if f.path.contains("..") || f.path.starts_with('/') {
            problems.push(format!(
                "{}: the path leaves the package ({})",
                f.path, f.listed_in
            ));
            continue;
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
            problems.push(format!("{}: missing (listed in {})", f.path, f.listed_in));
            continue;
        };
        if f.size.is_some_and(|s| s != size) {
            problems.push(format!(
                "{}: size {size} but {} says {}",
                f.path,
                f.listed_in,
                f.size.unwrap_or_default()
            ));
        } else if f
            .checksum
            .as_ref()
            .is_some_and(|c| !c.eq_ignore_ascii_case(&sha))
        {
            problems.push(format!(
                "{}: SHA-256 {sha} but {} says {}",
                f.path,
                f.listed_in,
                f.checksum.clone().unwrap_or_default().to_lowercase()
            ));
        }
    }
    Ok(problems)
}
