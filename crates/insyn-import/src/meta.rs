//! Facebook's and Instagram's "download your information" JSON. The files hold what the account
//! itself posted and commented, with times in Unix seconds and, in Facebook's case, text whose
//! UTF-8 bytes were written as Latin-1 escapes ("mojibake": `Ã¥` for `å`), which
//! [`fix_mojibake`] undoes. The exports carry no platform ids, so an item's id is made from its
//! time and a digest of its text (`export:<seconds>:<16 hex>`): a re-import of the same export
//! finds the same records, but an item imported from an export is not matched with the same
//! item captured through the Graph API.
//!
//! Layouts handled (each element is recognised by its fields, so posts and comments files of
//! either layout can be given): Facebook posts `[{timestamp, data: [{post}], title}]`, Facebook
//! comments `{comments_v2: [{timestamp, data: [{comment: {comment, author}}]}]}`, Instagram posts
//! `[{media: [{uri, creation_timestamp, title}], title, creation_timestamp}]`, Instagram comments
//! `[{string_map_data: {Comment: {value}, Time: {timestamp}}}]` or the same under
//! `comments_media_comments`.
use crate::stream::{ArrayAt, for_each};
use crate::{ImportContext, ImportError, ImportSummary, Imported, deliver, own_item};
use chrono::{DateTime, Utc};
use insyn_domain::{ItemKind, Sha256Digest};
use serde::Deserialize;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};

/// Undoes Facebook's export encoding: when every character is below U+0100 and the characters,
/// read as bytes, are valid UTF-8 with at least one multi-byte sequence, those bytes are the
/// real text. Anything else is returned as it is.
pub fn fix_mojibake(s: &str) -> String {
    if s.is_ascii() || s.chars().any(|c| c as u32 > 0xFF) {
        return s.to_string();
    }
    let bytes: Vec<u8> = s.chars().map(|c| c as u32 as u8).collect();
    match String::from_utf8(bytes) {
        Ok(fixed) => fixed,
        Err(_) => s.to_string(),
    }
}

#[derive(Deserialize, Default)]
struct Element {
    timestamp: Option<i64>,
    creation_timestamp: Option<i64>,
    title: Option<String>,
    #[serde(default)]
    data: Vec<Data>,
    #[serde(default)]
    media: Vec<Media>,
    string_map_data: Option<HashMap<String, MapValue>>,
}

#[derive(Deserialize, Default)]
struct Data {
    post: Option<String>,
    comment: Option<FbComment>,
}

#[derive(Deserialize)]
struct FbComment {
    timestamp: Option<i64>,
    comment: Option<String>,
}

#[derive(Deserialize)]
struct Media {
    creation_timestamp: Option<i64>,
    title: Option<String>,
}

#[derive(Deserialize)]
struct MapValue {
    value: Option<String>,
    timestamp: Option<i64>,
}

fn time(seconds: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(seconds, 0)
}

fn export_id(seconds: i64, kind: ItemKind, text: &str) -> String {
    let digest = Sha256Digest::of(format!("{}\n{text}", kind.as_str()).as_bytes()).to_hex();
    format!("export:{seconds}:{}", &digest[..16])
}

/// What one element holds: (kind, seconds, text), or `None` when it is not a post or comment.
fn read_element(e: Element) -> Option<(ItemKind, i64, String)> {
    if let Some(map) = e.string_map_data {
        let text = map.get("Comment").and_then(|v| v.value.clone())?;
        let at = map.get("Time").and_then(|v| v.timestamp).or(e.timestamp)?;
        return Some((ItemKind::Comment, at, text));
    }
    if let Some(comment) = e.data.iter().find_map(|d| d.comment.as_ref()) {
        let text = comment.comment.clone()?;
        return Some((ItemKind::Comment, comment.timestamp.or(e.timestamp)?, text));
    }
    if let Some(post) = e.data.iter().find_map(|d| d.post.clone()) {
        return Some((ItemKind::Post, e.timestamp?, post));
    }
    if let Some(first) = e.media.first() {
        let at = e.creation_timestamp.or(first.creation_timestamp)?;
        let text = e
            .title
            .clone()
            .or_else(|| first.title.clone())
            .unwrap_or_default();
        return Some((ItemKind::Post, at, text));
    }
    None
}

fn import(
    format: &'static str,
    reader: impl Read,
    ctx: &ImportContext,
    sink: &mut dyn FnMut(Imported) -> Result<(), String>,
    list_key: &'static str,
) -> Result<ImportSummary, ImportError> {
    let mut reader = BufReader::with_capacity(1 << 16, reader);
    // a list at the top, or an object holding the list under `list_key`
    let at = loop {
        let buf = reader.fill_buf()?;
        match buf.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(p) => {
                let first = buf[p];
                reader.consume(p);
                break if first == b'{' {
                    ArrayAt::Field(list_key)
                } else {
                    ArrayAt::Top
                };
            }
            None if buf.is_empty() => {
                return Err(ImportError::Shape {
                    format,
                    message: "the file is empty".into(),
                });
            }
            None => {
                let n = buf.len();
                reader.consume(n);
            }
        }
    };
    let mut summary = ImportSummary::default();
    for_each(reader, at, |index, e: Element| {
        let Some((kind, seconds, text)) = read_element(e) else {
            summary.skipped += 1;
            return Ok(());
        };
        let at = time(seconds).ok_or_else(|| ImportError::Element {
            index,
            message: format!("timestamp {seconds} is not a time"),
        })?;
        let text = fix_mojibake(&text);
        let mut item = own_item(
            ctx,
            export_id(seconds, kind, &text),
            at,
            text,
            format!("/{index}"),
        );
        item.kind = kind;
        summary.items += 1;
        deliver(
            sink,
            index,
            Imported {
                item,
                deleted_at: None,
            },
        )
    })?;
    Ok(summary)
}

pub(crate) fn import_facebook(
    reader: impl Read,
    ctx: &ImportContext,
    sink: &mut dyn FnMut(Imported) -> Result<(), String>,
) -> Result<ImportSummary, ImportError> {
    import("facebook", reader, ctx, sink, "comments_v2")
}

pub(crate) fn import_instagram(
    reader: impl Read,
    ctx: &ImportContext,
    sink: &mut dyn FnMut(Imported) -> Result<(), String>,
) -> Result<ImportSummary, ImportError> {
    import("instagram", reader, ctx, sink, "comments_media_comments")
}
