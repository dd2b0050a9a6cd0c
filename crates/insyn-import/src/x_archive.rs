//! The X archive: `data/tweets.js` (and `tweets-partN.js`, `deleted-tweets.js`) — a JavaScript
//! assignment `window.YTD.tweets.part0 = [ {"tweet": {...}}, ... ]` of API v1.1-shaped posts with
//! numbers as strings. An edited post appears once per edit; all of them name the first post of
//! the chain (`edit_info.edit.initialTweetId`), which is the record's id. The entries of an edit
//! chain are gathered (only they are held in memory) and the record gets the text of the latest
//! edit and the time of the first post, which is what the API shows: importing the archive again,
//! or capturing the post through the API, then finds the record unchanged. The earlier texts stay
//! in the stored export file.
use crate::stream::{ArrayAt, for_each, skip_js_assignment};
use crate::{ImportContext, ImportError, ImportSummary, Imported, deliver, own_item};
use chrono::{DateTime, Utc};
use insyn_domain::ItemKind;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::{BufReader, Read};

#[derive(Deserialize)]
struct Entry {
    tweet: Tweet,
}

#[derive(Deserialize)]
struct Tweet {
    id_str: Option<String>,
    id: Option<String>,
    full_text: Option<String>,
    text: Option<String>,
    created_at: String,
    in_reply_to_status_id_str: Option<String>,
    edit_info: Option<EditInfo>,
    deleted_at: Option<String>,
}

#[derive(Deserialize)]
struct EditInfo {
    initial: Option<Initial>,
    edit: Option<Edit>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Initial {
    #[serde(default)]
    edit_tweet_ids: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Edit {
    initial_tweet_id: Option<String>,
}

/// `Wed Nov 18 09:30:00 +0000 2026`, as the archive writes times.
pub(crate) fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_str(s, "%a %b %d %H:%M:%S %z %Y")
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// X escapes `&`, `<` and `>` in post text; nothing else.
fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

pub(crate) fn import(
    reader: impl Read,
    ctx: &ImportContext,
    sink: &mut dyn FnMut(Imported) -> Result<(), String>,
) -> Result<ImportSummary, ImportError> {
    let mut reader = BufReader::with_capacity(1 << 16, reader);
    skip_js_assignment(&mut reader)?;
    let mut summary = ImportSummary::default();
    let mut chains: BTreeMap<String, Vec<(u64, Imported)>> = BTreeMap::new();
    for_each(reader, ArrayAt::Top, |index, entry: Entry| {
        let t = entry.tweet;
        let bad = |message: String| ImportError::Element { index, message };
        let id = t
            .id_str
            .or(t.id)
            .filter(|id| !id.is_empty())
            .ok_or_else(|| bad("the post has no id".into()))?;
        let (initial, chain_len) = match t.edit_info {
            Some(EditInfo {
                edit: Some(edit), ..
            }) => (edit.initial_tweet_id, 2),
            Some(EditInfo {
                initial: Some(initial),
                ..
            }) => (None, initial.edit_tweet_ids.len()),
            _ => (None, 1),
        };
        let record_id = initial.filter(|i| !i.is_empty()).unwrap_or(id);
        let at = parse_time(&t.created_at)
            .ok_or_else(|| bad(format!("created_at '{}' is not a time", t.created_at)))?;
        let deleted_at = match &t.deleted_at {
            Some(d) => {
                Some(parse_time(d).ok_or_else(|| bad(format!("deleted_at '{d}' is not a time")))?)
            }
            None => None,
        };
        let text = unescape(t.full_text.as_deref().or(t.text.as_deref()).unwrap_or(""));
        let mut item = own_item(ctx, record_id, at, text, format!("/{index}/tweet"));
        if let Some(parent) = t.in_reply_to_status_id_str.filter(|p| !p.is_empty()) {
            item.kind = ItemKind::Reply;
            item.parent_platform_id = Some(parent);
        }
        if deleted_at.is_some() {
            summary.deleted += 1;
        }
        let imported = Imported { item, deleted_at };
        if chain_len > 1 {
            chains
                .entry(imported.item.platform_item_id.clone())
                .or_default()
                .push((index, imported));
            return Ok(());
        }
        summary.items += 1;
        deliver(sink, index, imported)
    })?;
    // each edit chain as one item: the latest text, the first time
    for (_, mut chain) in chains {
        chain.sort_by_key(|(_, i)| i.item.available_at);
        let first_at = chain[0].1.item.available_at;
        let (index, mut latest) = chain.pop().expect("a chain has an entry");
        latest.item.available_at = first_at;
        latest.item.platform_time = Some(first_at);
        summary.items += 1;
        deliver(sink, index, latest)?;
    }
    Ok(summary)
}
