//! PDF/A-2u copies and printouts of records (allmänna handlingar): a copy of one record for a
//! requester ([`record_copy`]) and a printout of many records with headers ([`printout`]), for
//! threads and the archive's snapshot mode; the evidence copy of an item in its thread as PDF
//! and PNG ([`evidence_pdf`], [`evidence_png`]) and the police-report document
//! ([`police_report`]) of the guided actions (R5.3).
//!
//! Built on `krilla` (which writes and validates PDF/A: embedded, subsetted fonts, XMP metadata,
//! an sRGB output intent) with DejaVu Sans embedded in the binary, so Swedish (and most Latin,
//! Greek, Cyrillic, Hebrew and Arabic) text draws the same everywhere. krilla has no paragraph
//! layout, so [`layout`] holds a small greedy line breaker; pages break when full and carry a
//! running footer with "Sida N av M". Text is data, never markup: whatever a post holds is
//! sanitised ([`sanitise`]) and drawn as plain glyphs.
//!
//! Masking is not done here: the caller replaces masked spans with a marker *before* building the
//! document, so masked text never reaches this crate.

mod direct;
mod evidence;
mod font;
mod icc;
pub mod layout;
pub mod raster;
mod render;

pub use evidence::{PoliceReport, evidence_pdf, evidence_png, police_report};
pub use font::{Face, REPLACEMENT, sanitise};

use chrono::{DateTime, Utc};
use thiserror::Error;

/// The PDF/A part and conformance level every document declares (PDF/A-2u: archival, with a
/// Unicode text layer so the copy is searchable).
pub const PDFA_PART: u8 = 2;
pub const PDFA_CONFORMANCE: &str = "U";

/// Longest text (in bytes) one document may hold: 8 MiB. A record's text is at most 1 MiB.
pub const MAX_TEXT_BYTES: usize = 8 << 20;

#[derive(Debug, Error)]
pub enum PdfError {
    #[error("the document is too large: {0} bytes of text (at most {MAX_TEXT_BYTES})")]
    TooLarge(usize),
    #[error("the PDF could not be written: {0}")]
    Render(String),
}

pub type Result<T, E = PdfError> = std::result::Result<T, E>;

/// The language of the fixed words (labels, footer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Sv,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Sv => "sv",
            Lang::En => "en",
        }
    }
}

/// A record's metadata as shown in the table at the top of its copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordMeta {
    pub organisation: String,
    /// The account, e.g. "@hammarby (Mastodon)".
    pub account: String,
    /// Created (upprättad) or received (inkommen), in the document's language.
    pub direction: String,
    /// When the record became available to the authority.
    pub available_at: DateTime<Utc>,
    /// The platform's own time stamp, if it gave one.
    pub platform_time: Option<DateTime<Utc>>,
    /// The diary number where the record is registered (e.g. "KS 2026/0042").
    pub diary_number: Option<String>,
    pub record_id: i64,
    pub version: u32,
    /// SHA-256 of the version's text (hex), so a reader can check the copy against the record.
    pub text_sha256: String,
}

impl RecordMeta {
    /// The table rows: (label, value).
    pub fn rows(&self, lang: Lang) -> Vec<(&'static str, String)> {
        let sv = lang == Lang::Sv;
        let none = "–";
        vec![
            ("Organisation", self.organisation.clone()),
            (if sv { "Konto" } else { "Account" }, self.account.clone()),
            (
                if sv { "Riktning" } else { "Direction" },
                self.direction.clone(),
            ),
            (
                if sv {
                    "Tillgänglig för myndigheten"
                } else {
                    "Available to the authority"
                },
                local_time(self.available_at),
            ),
            (
                if sv {
                    "Plattformens tid"
                } else {
                    "Platform time"
                },
                self.platform_time
                    .map(local_time)
                    .unwrap_or_else(|| none.to_string()),
            ),
            (
                if sv { "Diarienummer" } else { "Diary number" },
                self.diary_number.clone().unwrap_or_else(|| {
                    if sv {
                        "ej diariefört"
                    } else {
                        "not registered"
                    }
                    .into()
                }),
            ),
            (
                if sv { "Handlingens id" } else { "Record id" },
                self.record_id.to_string(),
            ),
            ("Version", self.version.to_string()),
            (
                if sv {
                    "SHA-256 (versionens text)"
                } else {
                    "SHA-256 (version text)"
                },
                self.text_sha256.clone(),
            ),
        ]
    }
}

/// Europe/Stockholm time, as every printout shows it.
pub fn local_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&chrono_tz::Europe::Stockholm)
        .format("%Y-%m-%d %H:%M:%S %Z")
        .to_string()
}

/// A block of text under a heading: the post itself, a comment of its thread, a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextBlock {
    pub heading: String,
    pub text: String,
}

/// A copy of one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyDocument {
    pub lang: Lang,
    pub title: String,
    pub meta: RecordMeta,
    /// The record's text first, then its thread context.
    pub blocks: Vec<TextBlock>,
    /// A note under the table, e.g. "Maskerad enligt beslut …" (may be empty).
    pub note: String,
    /// The document date (PDF/A requires one).
    pub created: DateTime<Utc>,
}

/// One record in a [`Printout`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintoutRecord {
    pub heading: String,
    pub meta: RecordMeta,
    pub blocks: Vec<TextBlock>,
}

/// A printout of many records: a thread, or an account's feed for a period (snapshot mode).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Printout {
    pub lang: Lang,
    pub title: String,
    /// Lines under the title (organisation, period, selection).
    pub intro: Vec<(String, String)>,
    pub records: Vec<PrintoutRecord>,
    pub created: DateTime<Utc>,
}

/// The PDF/A-2u copy of one record.
pub fn record_copy(doc: &CopyDocument) -> Result<Vec<u8>> {
    let footer = match doc.lang {
        Lang::Sv => format!(
            "Kopia av allmän handling · {} · handling {} version {}",
            doc.meta.organisation, doc.meta.record_id, doc.meta.version
        ),
        Lang::En => format!(
            "Copy of a public record · {} · record {} version {}",
            doc.meta.organisation, doc.meta.record_id, doc.meta.version
        ),
    };
    let mut flow = render::Flow::new();
    flow.title(&doc.title);
    flow.table(
        &doc.meta
            .rows(doc.lang)
            .into_iter()
            .map(|(l, v)| (l.to_string(), v))
            .collect::<Vec<_>>(),
    );
    if !doc.note.trim().is_empty() {
        flow.paragraph(&doc.note);
    }
    for b in &doc.blocks {
        flow.heading(&b.heading);
        flow.paragraph(&b.text);
    }
    render::finish(flow, doc.lang, &doc.title, &footer, doc.created)
}

/// A printout of many records, each with its header and metadata table.
pub fn printout(p: &Printout) -> Result<Vec<u8>> {
    let footer = match p.lang {
        Lang::Sv => format!("Utskrift · {}", p.title),
        Lang::En => format!("Printout · {}", p.title),
    };
    render::finish(printout_flow(p), p.lang, &p.title, &footer, p.created)
}

/// The lines of a printout (shared by the PDF and the PNG of an evidence copy).
pub(crate) fn printout_flow(p: &Printout) -> render::Flow {
    let mut flow = render::Flow::new();
    flow.title(&p.title);
    if !p.intro.is_empty() {
        flow.table(&p.intro);
    }
    for r in &p.records {
        flow.heading(&r.heading);
        flow.table(
            &r.meta
                .rows(p.lang)
                .into_iter()
                .map(|(l, v)| (l.to_string(), v))
                .collect::<Vec<_>>(),
        );
        for b in &r.blocks {
            flow.subheading(&b.heading);
            flow.paragraph(&b.text);
        }
    }
    flow
}
