//! The human-readable parts of a package: `documentation/README.txt`, the descriptive metadata
//! (`metadata/descriptive/description.xml`) and Riksarkivet's `additionalPackageInfo.xml`.
use crate::info::{AdditionalInfo, PackageInfo};
use crate::mets::time;
use crate::xml::Xml;
use std::io::Write;

/// What the package holds, in Swedish first and then English.
pub(crate) fn readme(info: &PackageInfo, records: u64, printouts: u64) -> String {
    let period = period_text(info);
    let printouts_sv = if printouts > 0 {
        format!(
            "\nrepresentations/rep2/data/printouts/<konto>/<tråd>.pdf: {printouts} utskrifter i PDF/A-2u, en per tråd\n\
             (inlägget och svaren i den ordning de blev tillgängliga, med författare, tid, riktning, versioner\n\
             och media; långa trådar i delar, -del2, -del3 ...).\n"
        )
    } else {
        String::new()
    };
    let printouts_en = if printouts > 0 {
        format!(
            "representations/rep2/data/printouts/ holds {printouts} PDF/A-2u printouts, one per thread (the post and\n\
             its replies in order, with author, time, direction, versions and media; long threads in parts).\n"
        )
    } else {
        String::new()
    };
    format!(
        "Informationspaket: {label}\n\
         Arkivbildare: {org}\n\
         Period: {period}\n\
         Konton: {accounts}\n\
         Antal handlingar: {records}\n\
         \n\
         Innehåll (representations/rep1/data/):\n\
         - records/<konto>/<id>.json: en fil per handling med alla versioner och händelser\n\
         - raw/<sha256>.*: plattformens svar ordagrant, så som de hämtades\n\
         - media/<sha256>.*: bilder och filmer, namngivna efter sin SHA-256\n\
         - capture.warc.gz: WARC 1.1 med plattformssvaren ordagrant (resource-poster) och en metadata-post per handling\n\
         {printouts_sv}\
         Kontrollsummor (SHA-256) för varje fil finns i METS.xml och representationernas METS.xml.\n\
         \n\
         Information package: {label}\n\
         Records creator: {org}; period {period}; {records} records.\n\
         representations/rep1/data/ holds one JSON file per record (records/<account>/<id>.json, with every\n\
         version and event), the platform payloads verbatim (raw/), the media (media/), and a WARC 1.1 file\n\
         (capture.warc.gz) with the payloads verbatim as resource records and one metadata record per\n\
         record. {printouts_en}Every file's SHA-256 is in the METS file sections.\n\
         Written by {software} {version}.\n",
        label = info.label,
        org = info.archivist.name,
        accounts = if info.accounts.is_empty() {
            "alla / all".to_string()
        } else {
            info.accounts.join(", ")
        },
        software = info.software,
        version = info.software_version,
    )
}

fn period_text(info: &PackageInfo) -> String {
    let f = |d: Option<chrono::DateTime<chrono::Utc>>| {
        d.map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_else(|| "–".into())
    };
    format!("{} – {}", f(info.period_from), f(info.period_to))
}

/// Descriptive metadata in our own small vocabulary (MDTYPE OTHER, INSYN-DESCRIPTION).
pub(crate) fn description<W: Write>(
    out: W,
    info: &PackageInfo,
    records: u64,
) -> std::io::Result<W> {
    let mut x = Xml::new(out)?;
    x.open(
        "description",
        &[("xmlns", "https://example.invalid/insyn/description/1")],
    )?;
    x.text("title", &[], &info.label)?;
    x.text("recordsCreator", &[], &info.archivist.name)?;
    if let Some(code) = info.archivist.identification_code() {
        x.text("recordsCreatorCode", &[], &code)?;
    }
    if let Some(f) = info.period_from {
        x.text("periodStart", &[], &time(&f))?;
    }
    if let Some(t) = info.period_to {
        x.text("periodEnd", &[], &time(&t))?;
    }
    for a in &info.accounts {
        x.text("account", &[], a)?;
    }
    x.text("records", &[], &records.to_string())?;
    x.close("description")?;
    x.finish()
}

/// Riksarkivet's additional package information (namespace SNAadditionalPackageInfo).
pub(crate) fn additional_package_info<W: Write>(
    out: W,
    info: &PackageInfo,
    add: &AdditionalInfo,
) -> std::io::Result<W> {
    let yes_no = |b: bool| if b { "true" } else { "false" };
    let mut x = Xml::new(out)?;
    x.open(
        "additionalPackageInfo",
        &[(
            "xmlns",
            "http://xml.ra.se/e-arkiv/implementation-IP/version10/SNAadditionalPackageInfo",
        )],
    )?;
    x.open("control", &[])?;
    x.text("identification", &[], &info.objid)?;
    x.text("status", &[], "NEW")?;
    x.text("creationDate", &[], &time(&info.created))?;
    x.text("creator", &[], &info.archivist.name)?;
    if let Some(n) = &info.archivist.org_number {
        x.text("creatorCode", &[("type", "ORG")], n)?;
    }
    x.close("control")?;
    x.open("package", &[("id", info.objid.as_str())])?;
    x.text("archiveName", &[], &add.archive_name)?;
    x.empty("disposal", &[("disposable", yes_no(add.disposable))])?;
    x.empty(
        "accessRestrict",
        &[("restricted", yes_no(add.access_restricted))],
    )?;
    x.text(
        "useRestrict",
        &[("restricted", yes_no(add.personal_data))],
        if add.personal_data {
            "Innehåller personuppgifter"
        } else {
            "Inga kända personuppgifter"
        },
    )?;
    if let Some(f) = info.period_from {
        x.text("startDate", &[], &f.format("%Y-%m-%d").to_string())?;
    }
    if let Some(t) = info.period_to {
        x.text("endDate", &[], &t.format("%Y-%m-%d").to_string())?;
    }
    x.close("package")?;
    x.close("additionalPackageInfo")?;
    x.finish()
}
