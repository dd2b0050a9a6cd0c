//! A Mastodon archive's `outbox.json`: an ActivityPub `OrderedCollection` whose `orderedItems`
//! are `Create` activities holding the account's statuses (`Note`s with HTML content) and
//! `Announce` activities (boosts of others' posts, which are not the account's records and are
//! skipped). The status id is the last segment of the note's id, the same id the REST API uses.
use crate::stream::{ArrayAt, for_each};
use crate::{ImportContext, ImportError, ImportSummary, Imported, deliver, own_item};
use chrono::{DateTime, Utc};
use insyn_domain::ItemKind;
use serde::Deserialize;
use std::io::{BufReader, Read};

#[derive(Deserialize)]
struct Activity {
    #[serde(rename = "type")]
    kind: String,
    published: Option<String>,
    object: Option<Object>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Object {
    Note(Box<Note>),
    /// A boosted post is named by its URL only; anything else is not the account's status.
    Other(serde::de::IgnoredAny),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Note {
    id: String,
    published: Option<String>,
    content: Option<String>,
    in_reply_to: Option<String>,
}

/// `https://host/users/name/statuses/123` → `123`; the host, to tell local replies from remote.
fn split_status_url(url: &str) -> Option<(&str, &str)> {
    let rest = url.split("://").nth(1)?;
    let host = rest.split('/').next()?;
    let id = url.rsplit('/').next().filter(|s| !s.is_empty())?;
    Some((host, id))
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

pub(crate) fn import(
    reader: impl Read,
    ctx: &ImportContext,
    sink: &mut dyn FnMut(Imported) -> Result<(), String>,
) -> Result<ImportSummary, ImportError> {
    let reader = BufReader::with_capacity(1 << 16, reader);
    let mut summary = ImportSummary::default();
    for_each(
        reader,
        ArrayAt::Field("orderedItems"),
        |index, a: Activity| {
            let bad = |message: String| ImportError::Element { index, message };
            let note = match (a.kind.as_str(), a.object) {
                ("Create", Some(Object::Note(note))) => note,
                _ => {
                    summary.skipped += 1;
                    return Ok(());
                }
            };
            let (host, id) = split_status_url(&note.id)
                .ok_or_else(|| bad(format!("the status id '{}' is not a status URL", note.id)))?;
            let published = note
                .published
                .as_deref()
                .or(a.published.as_deref())
                .ok_or_else(|| bad("the status has no publication time".into()))?;
            let at = parse_time(published)
                .ok_or_else(|| bad(format!("published '{published}' is not a time")))?;
            let text = insyn_capture::html_to_text(note.content.as_deref().unwrap_or(""));
            let mut item = own_item(
                ctx,
                id.to_string(),
                at,
                text,
                format!("/orderedItems/{index}/object"),
            );
            if let Some(parent) = note.in_reply_to.as_deref() {
                item.kind = ItemKind::Reply;
                item.parent_platform_id = Some(match split_status_url(parent) {
                    // the REST API names a local parent by its id; a remote one stays a URL
                    Some((parent_host, parent_id)) if parent_host == host => parent_id.to_string(),
                    _ => parent.to_string(),
                });
            }
            summary.items += 1;
            deliver(
                sink,
                index,
                Imported {
                    item,
                    deleted_at: None,
                },
            )
        },
    )?;
    Ok(summary)
}
