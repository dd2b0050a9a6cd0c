//! The package METS (`METS.xml`) and the representation METS (`representations/rep1/METS.xml`)
//! following E-ARK CSIP 2.1.0 + SIP 2.1.0 (= FGS Paketstruktur 2.0). The file sections are written
//! as the entries come, so a representation of a million files is never held in memory.
use crate::info::{PackageInfo, SCHEMAS};
use crate::sink::FileEntry;
use crate::xml::Xml;
use chrono::{DateTime, SecondsFormat, Utc};
use sha2::{Digest, Sha256};
use std::io::Write;

pub(crate) const CONTENT_TYPE_OTHER: &str = "Social media capture";

pub(crate) fn time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// A METS ID for a file: an NCName derived from its path, so it is stable and unique.
pub(crate) fn file_id(path: &str) -> String {
    format!("ID-{}", &hex::encode(Sha256::digest(path.as_bytes()))[..32])
}

/// The root element's attributes. `schemas` is the relative path to `schemas/` (empty when the
/// package carries no schemas: then no schema locations are written).
fn open_mets<W: Write>(
    x: &mut Xml<W>,
    info: &PackageInfo,
    objid: &str,
    schemas: Option<&str>,
) -> std::io::Result<()> {
    let locations = schemas.map(|prefix| {
        SCHEMAS
            .iter()
            .map(|(ns, file)| format!("{ns} {prefix}{file}"))
            .collect::<Vec<_>>()
            .join(" ")
    });
    let mut attrs = vec![
        ("xmlns", "http://www.loc.gov/METS/"),
        ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
        ("xmlns:csip", "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"),
        ("xmlns:sip", "https://DILCIS.eu/XML/METS/SIPExtensionMETS"),
        ("xmlns:xlink", "http://www.w3.org/1999/xlink"),
    ];
    if let Some(l) = &locations {
        attrs.push(("xsi:schemaLocation", l));
    }
    attrs.extend([
        ("OBJID", objid),
        ("LABEL", info.label.as_str()),
        ("TYPE", "Mixed"),
        ("csip:CONTENTINFORMATIONTYPE", "OTHER"),
        ("csip:OTHERCONTENTINFORMATIONTYPE", CONTENT_TYPE_OTHER),
        ("PROFILE", info.profile.url()),
    ]);
    x.open("mets", &attrs)
}

fn software_agent<W: Write>(x: &mut Xml<W>, info: &PackageInfo) -> std::io::Result<()> {
    x.open(
        "agent",
        &[
            ("ROLE", "CREATOR"),
            ("TYPE", "OTHER"),
            ("OTHERTYPE", "SOFTWARE"),
        ],
    )?;
    x.text("name", &[], &info.software)?;
    x.text(
        "note",
        &[("csip:NOTETYPE", "SOFTWARE VERSION")],
        &info.software_version,
    )?;
    x.close("agent")
}

fn org_agent<W: Write>(
    x: &mut Xml<W>,
    role: &str,
    party: &crate::info::Party,
) -> std::io::Result<()> {
    x.open("agent", &[("ROLE", role), ("TYPE", "ORGANIZATION")])?;
    x.text("name", &[], &party.name)?;
    if let Some(code) = party.identification_code() {
        x.text("note", &[("csip:NOTETYPE", "IDENTIFICATIONCODE")], &code)?;
    }
    x.close("agent")
}

/// An `mdRef` to a metadata file.
fn md_ref<W: Write>(
    x: &mut Xml<W>,
    href: &str,
    mdtype: &str,
    other: Option<&str>,
    e: &FileEntry,
) -> std::io::Result<()> {
    let size = e.size.to_string();
    let created = time(&e.created);
    let checksum = e.checksum();
    let mut attrs = vec![
        ("LOCTYPE", "URL"),
        ("xlink:type", "simple"),
        ("xlink:href", href),
        ("MDTYPE", mdtype),
    ];
    if let Some(o) = other {
        attrs.push(("OTHERMDTYPE", o));
    }
    attrs.extend([
        ("MIMETYPE", e.mime.as_str()),
        ("SIZE", size.as_str()),
        ("CREATED", created.as_str()),
        ("CHECKSUM", checksum.as_str()),
        ("CHECKSUMTYPE", "SHA-256"),
    ]);
    x.empty("mdRef", &attrs)
}

/// A `file` with its `FLocat`; `href` is relative to the METS file.
fn file<W: Write>(x: &mut Xml<W>, href: &str, e: &FileEntry) -> std::io::Result<()> {
    let id = file_id(&e.path);
    let size = e.size.to_string();
    let created = time(&e.created);
    let checksum = e.checksum();
    x.open(
        "file",
        &[
            ("ID", id.as_str()),
            ("MIMETYPE", e.mime.as_str()),
            ("SIZE", size.as_str()),
            ("CREATED", created.as_str()),
            ("CHECKSUM", checksum.as_str()),
            ("CHECKSUMTYPE", "SHA-256"),
        ],
    )?;
    x.empty(
        "FLocat",
        &[
            ("LOCTYPE", "URL"),
            ("xlink:type", "simple"),
            ("xlink:href", href),
        ],
    )?;
    x.close("file")
}

/// A representation's METS. `premis` and `data` carry package-relative paths under
/// `representations/<rep>/`; the hrefs written are relative to the representation folder.
pub(crate) fn write_rep_mets<W: Write>(
    out: W,
    info: &PackageInfo,
    rep: &str,
    with_schemas: bool,
    premis: &FileEntry,
    data: &mut dyn Iterator<Item = Result<FileEntry, crate::ArchiveError>>,
) -> Result<W, crate::ArchiveError> {
    let io = |e: std::io::Error| {
        crate::ArchiveError::write(format!("representations/{rep}/METS.xml"), e)
    };
    let prefix = format!("representations/{rep}/");
    let id = |s: &str| format!("ID-{rep}-{s}");
    let rel = |p: &str| p.strip_prefix(&prefix).unwrap_or(p).to_string();
    let mut x = Xml::new(out).map_err(io)?;
    open_mets(&mut x, info, rep, with_schemas.then_some("../../schemas/")).map_err(io)?;
    let created = time(&info.created);
    x.open(
        "metsHdr",
        &[
            ("CREATEDATE", created.as_str()),
            ("LASTMODDATE", created.as_str()),
            ("RECORDSTATUS", "NEW"),
            ("csip:OAISPACKAGETYPE", "SIP"),
        ],
    )
    .map_err(io)?;
    software_agent(&mut x, info).map_err(io)?;
    x.close("metsHdr").map_err(io)?;

    x.open("amdSec", &[]).map_err(io)?;
    x.open(
        "digiprovMD",
        &[("ID", id("premis").as_str()), ("STATUS", "CURRENT")],
    )
    .map_err(io)?;
    md_ref(&mut x, &rel(&premis.path), "PREMIS", None, premis).map_err(io)?;
    x.close("digiprovMD").map_err(io)?;
    x.close("amdSec").map_err(io)?;

    x.open("fileSec", &[("ID", id("fileSec").as_str())])
        .map_err(io)?;
    x.open("fileGrp", &[("ID", id("data").as_str()), ("USE", "Data")])
        .map_err(io)?;
    for e in data {
        let e = e?;
        file(&mut x, &rel(&e.path), &e).map_err(io)?;
    }
    x.close("fileGrp").map_err(io)?;
    x.close("fileSec").map_err(io)?;

    x.open(
        "structMap",
        &[
            ("ID", id("structMap").as_str()),
            ("TYPE", "PHYSICAL"),
            ("LABEL", "CSIP"),
        ],
    )
    .map_err(io)?;
    x.open("div", &[("ID", id("div").as_str()), ("LABEL", rep)])
        .map_err(io)?;
    x.empty(
        "div",
        &[
            ("ID", id("div-md").as_str()),
            ("LABEL", "Metadata"),
            ("ADMID", id("premis").as_str()),
        ],
    )
    .map_err(io)?;
    x.open("div", &[("ID", id("div-data").as_str()), ("LABEL", "Data")])
        .map_err(io)?;
    x.empty("fptr", &[("FILEID", id("data").as_str())])
        .map_err(io)?;
    x.close("div").map_err(io)?;
    x.close("div").map_err(io)?;
    x.close("structMap").map_err(io)?;
    x.close("mets").map_err(io)?;
    x.finish().map_err(io)
}

/// The files the package METS points at (all paths package-relative).
pub(crate) struct RootFiles<'a> {
    pub description: &'a FileEntry,
    pub premis: &'a FileEntry,
    pub documentation: &'a [FileEntry],
    pub schemas: &'a [FileEntry],
    /// Each representation's name and METS file.
    pub reps: &'a [(&'a str, FileEntry)],
}

pub(crate) fn write_root_mets<W: Write>(
    out: W,
    info: &PackageInfo,
    files: &RootFiles<'_>,
) -> std::io::Result<W> {
    let with_schemas = !files.schemas.is_empty();
    let mut x = Xml::new(out)?;
    open_mets(
        &mut x,
        info,
        &info.objid,
        with_schemas.then_some("schemas/"),
    )?;
    let created = time(&info.created);
    x.open(
        "metsHdr",
        &[
            ("CREATEDATE", created.as_str()),
            ("LASTMODDATE", created.as_str()),
            ("RECORDSTATUS", "NEW"),
            ("csip:OAISPACKAGETYPE", "SIP"),
        ],
    )?;
    software_agent(&mut x, info)?;
    org_agent(&mut x, "ARCHIVIST", &info.archivist)?;
    org_agent(&mut x, "CREATOR", &info.archivist)?;
    if let Some(p) = &info.preservation {
        org_agent(&mut x, "PRESERVATION", p)?;
    }
    if let Some(a) = &info.submission_agreement {
        x.text("altRecordID", &[("TYPE", "SUBMISSIONAGREEMENT")], a)?;
    }
    if let Some(r) = &info.reference_code {
        x.text("altRecordID", &[("TYPE", "REFERENCECODE")], r)?;
    }
    x.close("metsHdr")?;

    x.open(
        "dmdSec",
        &[
            ("ID", "ID-pkg-dmd"),
            ("CREATED", created.as_str()),
            ("STATUS", "CURRENT"),
        ],
    )?;
    md_ref(
        &mut x,
        &files.description.path,
        "OTHER",
        Some("INSYN-DESCRIPTION"),
        files.description,
    )?;
    x.close("dmdSec")?;
    x.open("amdSec", &[])?;
    x.open(
        "digiprovMD",
        &[("ID", "ID-pkg-premis"), ("STATUS", "CURRENT")],
    )?;
    md_ref(&mut x, &files.premis.path, "PREMIS", None, files.premis)?;
    x.close("digiprovMD")?;
    x.close("amdSec")?;

    x.open("fileSec", &[("ID", "ID-fileSec")])?;
    x.open("fileGrp", &[("ID", "ID-grp-doc"), ("USE", "Documentation")])?;
    for e in files.documentation {
        file(&mut x, &e.path, e)?;
    }
    x.close("fileGrp")?;
    if with_schemas {
        x.open("fileGrp", &[("ID", "ID-grp-schemas"), ("USE", "Schemas")])?;
        for e in files.schemas {
            file(&mut x, &e.path, e)?;
        }
        x.close("fileGrp")?;
    }
    for (rep, mets) in files.reps {
        let (grp, usage) = (format!("ID-grp-{rep}"), format!("Representations/{rep}"));
        x.open(
            "fileGrp",
            &[
                ("ID", grp.as_str()),
                ("USE", usage.as_str()),
                ("ADMID", "ID-pkg-premis"),
                ("csip:CONTENTINFORMATIONTYPE", "OTHER"),
                ("csip:OTHERCONTENTINFORMATIONTYPE", CONTENT_TYPE_OTHER),
            ],
        )?;
        file(&mut x, &mets.path, mets)?;
        x.close("fileGrp")?;
    }
    x.close("fileSec")?;

    x.open(
        "structMap",
        &[
            ("ID", "ID-structMap"),
            ("TYPE", "PHYSICAL"),
            ("LABEL", "CSIP"),
        ],
    )?;
    x.open(
        "div",
        &[("ID", "ID-div-root"), ("LABEL", info.objid.as_str())],
    )?;
    x.empty(
        "div",
        &[
            ("ID", "ID-div-md"),
            ("LABEL", "Metadata"),
            ("ADMID", "ID-pkg-premis"),
            ("DMDID", "ID-pkg-dmd"),
        ],
    )?;
    x.open("div", &[("ID", "ID-div-doc"), ("LABEL", "Documentation")])?;
    x.empty("fptr", &[("FILEID", "ID-grp-doc")])?;
    x.close("div")?;
    if with_schemas {
        x.open("div", &[("ID", "ID-div-schemas"), ("LABEL", "Schemas")])?;
        x.empty("fptr", &[("FILEID", "ID-grp-schemas")])?;
        x.close("div")?;
    }
    for (rep, mets) in files.reps {
        let (div, label, grp) = (
            format!("ID-div-{rep}"),
            format!("Representations/{rep}"),
            format!("ID-grp-{rep}"),
        );
        x.open("div", &[("ID", div.as_str()), ("LABEL", label.as_str())])?;
        x.empty(
            "mptr",
            &[
                ("LOCTYPE", "URL"),
                ("xlink:type", "simple"),
                ("xlink:href", mets.path.as_str()),
                ("xlink:title", grp.as_str()),
            ],
        )?;
        x.close("div")?;
    }
    x.close("div")?;
    x.close("structMap")?;
    x.close("mets")?;
    x.finish()
}
