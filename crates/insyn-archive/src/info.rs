//! What a package says about itself: who delivers it, what it holds, how it is marked.
use chrono::{DateTime, Utc};
use std::path::PathBuf;

/// The SIP profile URL. The validators disagree (standards.md §1.2): commons-ip in 2.1.0 mode
/// accepts only the versioned URL, eark-validator 1.1.3 only the unversioned one, which is what
/// the SIP 2.1.0 text and Riksarkivet's example use. The default is the versioned URL: the
/// reference validator (commons-ip) then finds no error, and eark-validator's SIP2 complaint is
/// one of its known false positives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Profile {
    Unversioned,
    #[default]
    Versioned,
}

impl Profile {
    pub fn url(self) -> &'static str {
        match self {
            Profile::Unversioned => "https://earksip.dilcis.eu/profile/E-ARK-SIP.xml",
            Profile::Versioned => "https://earksip.dilcis.eu/profile/E-ARK-SIP-v2-1-0.xml",
        }
    }
}

/// An organisation as the package names it (METS agents, PREMIS agents).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub name: String,
    /// Swedish organisation number (organisationsnummer), written as `ORG:<number>`.
    pub org_number: Option<String>,
}

impl Party {
    pub fn identification_code(&self) -> Option<String> {
        self.org_number.as_ref().map(|n| format!("ORG:{n}"))
    }
}

/// Riksarkivet's `documentation/additionalPackageInfo.xml` (optional per organisation).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AdditionalInfo {
    /// Archive (arkiv) the package belongs to.
    pub archive_name: String,
    /// May the records be disposed of (gallras) later?
    pub disposable: bool,
    /// Do the records include secrecy (sekretess)?
    pub access_restricted: bool,
    /// Do the records hold personal data (personuppgifter)?
    pub personal_data: bool,
}

/// Everything about a package except its records.
#[derive(Debug, Clone)]
pub struct PackageInfo {
    /// `uuid-…` by default; must be an NCName and becomes the root folder's name.
    pub objid: String,
    /// e.g. "Sociala medier, Ekbacka kommun, 2026-10".
    pub label: String,
    /// The authority whose records these are (arkivbildare) and who submits them.
    pub archivist: Party,
    /// The archive that receives the package, if known.
    pub preservation: Option<Party>,
    pub submission_agreement: Option<String>,
    pub reference_code: Option<String>,
    /// The selection, for the description: period and accounts.
    pub period_from: Option<DateTime<Utc>>,
    pub period_to: Option<DateTime<Utc>>,
    pub accounts: Vec<String>,
    /// Account number → how printouts name it (e.g. "Mastodon: @ekbacka"); absent ones are
    /// named by number.
    pub account_names: std::collections::BTreeMap<i64, String>,
    pub profile: Profile,
    /// Folder holding mets.xsd, xlink.xsd, DILCISExtensionMETS.xsd, DILCISExtensionSIPMETS.xsd
    /// (copied into `schemas/`). Without it the package carries no schemas.
    pub schemas_dir: Option<PathBuf>,
    pub additional: Option<AdditionalInfo>,
    /// The name and version of the software writing the package.
    pub software: String,
    pub software_version: String,
    /// A prefix for URNs in the WARC file, e.g. the organisation's slug.
    pub urn_prefix: String,
    pub created: DateTime<Utc>,
}

impl PackageInfo {
    /// A package id that no other package has: `uuid-` + a random UUID.
    pub fn new_objid() -> String {
        let id = crate::warc::new_record_id();
        format!("uuid-{}", &id[10..id.len() - 1])
    }

    pub(crate) fn check(&self) -> Result<(), crate::ArchiveError> {
        let ok = self
            .objid
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && self
                .objid
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !ok || self.objid.len() > 100 {
            return Err(crate::ArchiveError::invalid(
                "objid",
                format!(
                    "'{}' must be 1-100 letters, digits, '-', '_' or '.', starting with a letter",
                    self.objid
                ),
            ));
        }
        Ok(())
    }
}

/// The schema files `schemas/` holds, with the namespace each defines.
pub(crate) const SCHEMAS: [(&str, &str); 4] = [
    ("http://www.loc.gov/METS/", "mets.xsd"),
    ("http://www.w3.org/1999/xlink", "xlink.xsd"),
    (
        "https://DILCIS.eu/XML/METS/CSIPExtensionMETS",
        "DILCISExtensionMETS.xsd",
    ),
    (
        "https://DILCIS.eu/XML/METS/SIPExtensionMETS",
        "DILCISExtensionSIPMETS.xsd",
    ),
];
