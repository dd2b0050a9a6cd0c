//! Importers for the platforms' own data exports (R2, issue 3): the X archive (`tweets.js`,
//! `deleted-tweets.js`), a Mastodon archive (`outbox.json`), and Facebook's and Instagram's
//! "download your information" JSON (posts and comments).
//!
//! Each importer reads its file as a stream: one array element at a time is parsed and turned into
//! a [`CaptureItem`] handed to a sink, so memory stays bounded whatever the file's size. The item
//! ids are the ones the platform's API uses (an X post's first id in its edit chain, a Mastodon
//! status id), so an item imported from an export and captured through the API is one record.
//! Exports hold what the account itself wrote, so every item is *upprättad* (created).
//!
//! The crate does no I/O of its own beyond the reader it is given; storing the file as evidence
//! and the items as records is the application's job (`insyn import`).

mod mastodon;
mod meta;
mod stream;
mod x_archive;

use chrono::{DateTime, Utc};
use insyn_domain::{AccountId, CaptureItem};
use std::io::Read;

pub use meta::fix_mojibake;

/// The export formats understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `data/tweets.js` (or `tweets-partN.js`, `deleted-tweets.js`) from an X archive.
    XArchive,
    /// `outbox.json` from a Mastodon archive.
    Mastodon,
    /// A posts or comments JSON file from Facebook's "download your information".
    Facebook,
    /// A posts or comments JSON file from Instagram's "download your information".
    Instagram,
}

impl Format {
    pub const ALL: [Format; 4] = [
        Format::XArchive,
        Format::Mastodon,
        Format::Facebook,
        Format::Instagram,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::XArchive => "x-archive",
            Format::Mastodon => "mastodon",
            Format::Facebook => "facebook",
            Format::Instagram => "instagram",
        }
    }

    /// The platform the format comes from.
    pub fn platform(self) -> insyn_domain::Platform {
        match self {
            Format::XArchive => insyn_domain::Platform::X,
            Format::Mastodon => insyn_domain::Platform::Mastodon,
            Format::Facebook => insyn_domain::Platform::Facebook,
            Format::Instagram => insyn_domain::Platform::Instagram,
        }
    }
}

impl std::str::FromStr for Format {
    type Err = ImportError;
    fn from_str(s: &str) -> Result<Self, ImportError> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| ImportError::UnknownFormat(s.to_string()))
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the importer needs to know about the account the export belongs to.
#[derive(Debug, Clone)]
pub struct ImportContext {
    pub account_id: AccountId,
    /// The account's name on the platform, used as the author of its own items.
    pub author_name: String,
    /// The account's platform id (used where the export does not name the author).
    pub author_platform_id: String,
}

/// What an import read.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportSummary {
    /// Items handed to the sink.
    pub items: u64,
    /// Elements skipped because they are not the account's records (likes, boosts, reactions).
    pub skipped: u64,
    /// Items the export marks as deleted (X `deleted-tweets.js`).
    pub deleted: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("unknown export format '{0}' (known: x-archive, mastodon, facebook, instagram)")]
    UnknownFormat(String),
    #[error("cannot read the export: {0}")]
    Io(#[from] std::io::Error),
    #[error("the export is not what a {format} export holds: {message}")]
    Shape {
        format: &'static str,
        message: String,
    },
    #[error("the export's JSON is broken at line {line}, column {column}: {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("element {index} of the export: {message}")]
    Element { index: u64, message: String },
    /// The sink refused an item (e.g. the store failed); the import stops there.
    #[error("{0}")]
    Sink(String),
}

impl ImportError {
    fn json(e: serde_json::Error) -> ImportError {
        if e.is_io() {
            return ImportError::Io(e.into());
        }
        ImportError::Json {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        }
    }
}

/// An item found in an export, with whether the export marks it deleted.
#[derive(Debug, Clone)]
pub struct Imported {
    pub item: CaptureItem,
    /// When the export says the item was deleted, if it does.
    pub deleted_at: Option<DateTime<Utc>>,
}

/// Reads an export from `reader` and hands every item to `sink`, in file order. `available_at`
/// of each item is its platform time: an export holds the account's own items, which were
/// available to the authority when they were published.
pub fn import(
    format: Format,
    reader: impl Read,
    ctx: &ImportContext,
    sink: &mut dyn FnMut(Imported) -> Result<(), String>,
) -> Result<ImportSummary, ImportError> {
    match format {
        Format::XArchive => x_archive::import(reader, ctx, sink),
        Format::Mastodon => mastodon::import(reader, ctx, sink),
        Format::Facebook => meta::import_facebook(reader, ctx, sink),
        Format::Instagram => meta::import_instagram(reader, ctx, sink),
    }
}

/// A created item of the account with the fields every importer sets the same way.
pub(crate) fn own_item(
    ctx: &ImportContext,
    platform_item_id: String,
    at: DateTime<Utc>,
    text: String,
    pointer: String,
) -> CaptureItem {
    CaptureItem {
        account_id: ctx.account_id,
        platform_item_id,
        kind: insyn_domain::ItemKind::Post,
        direction: insyn_domain::Direction::Created,
        parent_platform_id: None,
        thread_platform_id: None,
        author_name: ctx.author_name.clone(),
        author_platform_id: ctx.author_platform_id.clone(),
        available_at: at,
        platform_time: Some(at),
        text,
        media: Vec::new(),
        raw_blob: None,
        raw_pointer: pointer,
    }
}

/// Runs the sink and checks the item first, so a bad element is named by its place in the file.
pub(crate) fn deliver(
    sink: &mut dyn FnMut(Imported) -> Result<(), String>,
    index: u64,
    imported: Imported,
) -> Result<(), ImportError> {
    imported.item.validate().map_err(|e| ImportError::Element {
        index,
        message: e.to_string(),
    })?;
    sink(imported).map_err(ImportError::Sink)
}
