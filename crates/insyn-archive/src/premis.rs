//! PREMIS 3 preservation metadata: the representation's files with SHA-256 fixity, the events
//! that made the package (capture, ingestion, validation) and the agents behind them.
use crate::info::PackageInfo;
use crate::mets::time;
use crate::sink::FileEntry;
use crate::xml::Xml;
use chrono::{DateTime, Utc};
use std::io::Write;

const NS: &str = "http://www.loc.gov/premis/v3";

/// One PREMIS event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PremisEvent {
    pub id: String,
    /// From the PREMIS event type vocabulary: `capture`, `ingestion`, `validation`, ...
    pub kind: String,
    pub at: DateTime<Utc>,
    pub detail: String,
    pub outcome: String,
    /// The local identifier of the object the event concerns, if one.
    pub object: Option<String>,
}

pub(crate) const AGENT_SOFTWARE: &str = "agent-software";
pub(crate) const AGENT_ORG: &str = "agent-organisation";

fn ident<W: Write>(x: &mut Xml<W>, el: &str, kind: &str, value: &str) -> std::io::Result<()> {
    x.open(&format!("premis:{el}Identifier"), &[])?;
    x.text(&format!("premis:{el}IdentifierType"), &[], kind)?;
    x.text(&format!("premis:{el}IdentifierValue"), &[], value)?;
    x.close(&format!("premis:{el}Identifier"))
}

fn file_object<W: Write>(x: &mut Xml<W>, id: &str, e: &FileEntry) -> std::io::Result<()> {
    x.open("premis:object", &[("xsi:type", "premis:file")])?;
    ident(x, "object", "local", id)?;
    x.open("premis:objectCharacteristics", &[])?;
    x.text("premis:compositionLevel", &[], "0")?;
    x.open("premis:fixity", &[])?;
    x.text("premis:messageDigestAlgorithm", &[], "SHA-256")?;
    x.text("premis:messageDigest", &[], &hex::encode(e.sha256))?;
    x.text("premis:messageDigestOriginator", &[], "insyn")?;
    x.close("premis:fixity")?;
    x.text("premis:size", &[], &e.size.to_string())?;
    x.open("premis:format", &[])?;
    x.open("premis:formatDesignation", &[])?;
    x.text("premis:formatName", &[], &e.mime)?;
    x.close("premis:formatDesignation")?;
    x.close("premis:format")?;
    x.close("premis:objectCharacteristics")?;
    x.close("premis:object")
}

fn event<W: Write>(x: &mut Xml<W>, e: &PremisEvent, agent: &str) -> std::io::Result<()> {
    x.open("premis:event", &[])?;
    ident(x, "event", "local", &e.id)?;
    x.text("premis:eventType", &[], &e.kind)?;
    x.text("premis:eventDateTime", &[], &time(&e.at))?;
    x.open("premis:eventDetailInformation", &[])?;
    x.text("premis:eventDetail", &[], &e.detail)?;
    x.close("premis:eventDetailInformation")?;
    x.open("premis:eventOutcomeInformation", &[])?;
    x.text("premis:eventOutcome", &[], &e.outcome)?;
    x.close("premis:eventOutcomeInformation")?;
    x.open("premis:linkingAgentIdentifier", &[])?;
    x.text("premis:linkingAgentIdentifierType", &[], "local")?;
    x.text("premis:linkingAgentIdentifierValue", &[], agent)?;
    x.close("premis:linkingAgentIdentifier")?;
    if let Some(o) = &e.object {
        x.open("premis:linkingObjectIdentifier", &[])?;
        x.text("premis:linkingObjectIdentifierType", &[], "local")?;
        x.text("premis:linkingObjectIdentifierValue", &[], o)?;
        x.close("premis:linkingObjectIdentifier")?;
    }
    x.close("premis:event")
}

fn agents<W: Write>(x: &mut Xml<W>, info: &PackageInfo) -> std::io::Result<()> {
    x.open("premis:agent", &[])?;
    ident(x, "agent", "local", AGENT_SOFTWARE)?;
    x.text("premis:agentName", &[], &info.software)?;
    x.text("premis:agentType", &[], "software")?;
    x.text("premis:agentVersion", &[], &info.software_version)?;
    x.close("premis:agent")?;
    x.open("premis:agent", &[])?;
    ident(x, "agent", "local", AGENT_ORG)?;
    x.text("premis:agentName", &[], &info.archivist.name)?;
    x.text("premis:agentType", &[], "organization")?;
    if let Some(code) = info.archivist.identification_code() {
        x.text("premis:agentNote", &[], &code)?;
    }
    x.close("premis:agent")
}

fn open<W: Write>(out: W) -> std::io::Result<Xml<W>> {
    let mut x = Xml::new(out)?;
    x.open(
        "premis:premis",
        &[
            ("xmlns:premis", NS),
            ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
            ("version", "3.0"),
        ],
    )?;
    Ok(x)
}

/// The representation's PREMIS: one object per data file (identified by its path relative to
/// the representation), then the events and agents. `files` is read once, as it comes.
pub(crate) fn write_rep_premis<W: Write>(
    out: W,
    info: &PackageInfo,
    rep: &str,
    files: &mut dyn Iterator<Item = Result<FileEntry, crate::ArchiveError>>,
    events: &[PremisEvent],
) -> Result<W, crate::ArchiveError> {
    let io = |e: std::io::Error| {
        crate::ArchiveError::write(
            format!("representations/{rep}/metadata/preservation/premis.xml"),
            e,
        )
    };
    let prefix = format!("representations/{rep}/");
    let mut x = open(out).map_err(io)?;
    for e in files {
        let e = e?;
        let id = e
            .path
            .strip_prefix(prefix.as_str())
            .unwrap_or(&e.path)
            .to_string();
        file_object(&mut x, &id, &e).map_err(io)?;
    }
    for e in events {
        event(&mut x, e, AGENT_SOFTWARE).map_err(io)?;
    }
    agents(&mut x, info).map_err(io)?;
    x.close("premis:premis").map_err(io)?;
    x.finish().map_err(io)
}

/// The package's PREMIS: the representation as an object, the package events and the agents.
pub(crate) fn write_package_premis<W: Write>(
    out: W,
    info: &PackageInfo,
    reps: &[&str],
    events: &[PremisEvent],
) -> std::io::Result<W> {
    let mut x = open(out)?;
    for rep in reps {
        x.open("premis:object", &[("xsi:type", "premis:representation")])?;
        ident(&mut x, "object", "local", &format!("representations/{rep}"))?;
        x.close("premis:object")?;
    }
    for e in events {
        event(&mut x, e, AGENT_SOFTWARE)?;
    }
    agents(&mut x, info)?;
    x.close("premis:premis")?;
    x.finish()
}
