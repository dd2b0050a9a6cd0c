//! The store implementation shared by both backends. The SQL is written once, with `$n`
//! placeholders that SQLite and PostgreSQL both accept; what differs (how a write transaction
//! starts, how the audit head is locked) is passed in by each backend.
//!
//! A macro rather than generics: sqlx's generic executor bounds for "any database that can
//! decode these types" are long and obscure every method; the macro keeps the SQL readable.

/// Rows per multi-row INSERT: well under both databases' bind-parameter limits (13 columns ×
/// 500 = 6,500 parameters).
pub(crate) const CHUNK: usize = 500;

/// Splits a batch so that no chunk holds the same item twice (the second observation of an item
/// in one batch must see the first as existing) and no chunk is longer than [`CHUNK`].
pub(crate) fn unique_chunks(items: &[insyn_domain::CaptureItem]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut seen = std::collections::HashSet::new();
    for (i, item) in items.iter().enumerate() {
        let key = (item.account_id, item.platform_item_id.as_str());
        if i - start >= CHUNK || !seen.insert(key) {
            out.push(start..i);
            start = i;
            seen.clear();
            seen.insert(key);
        }
    }
    if start < items.len() {
        out.push(start..items.len());
    }
    out
}

macro_rules! impl_store {
    ($store:ty, $db:ty, backend = $backend:expr, lock_head_sql = $lock_head:expr) => {
        use crate::common::{unique_chunks, CHUNK};
        use crate::rows::*;
        use crate::*;
        use chrono::{DateTime, Utc};
        use insyn_domain::audit::to_stored_precision;
        use insyn_domain::*;
        use sqlx::QueryBuilder;
        use std::collections::HashMap;

        type Tx = crate::write_tx::WriteTx<$db>;

        async fn lock_head(tx: &mut Tx, org: OrgId) -> Result<(i64, Sha256Digest)> {
            let row: Option<(i64, String)> =
                sqlx::query_as($lock_head).bind(org.0).fetch_optional(&mut **tx).await?;
            let (seq, hash) = row.ok_or_else(|| StoreError::not_found(format!("organisation {org}")))?;
            Ok((seq, digest(&hash)?))
        }

        /// The INSERT of up to [`CHUNK`] sealed audit entries (taken, so their texts are moved
        /// into the statement rather than copied).
        fn audit_insert(entries: impl IntoIterator<Item = AuditEntry>) -> QueryBuilder<$db> {
            let mut qb: QueryBuilder<$db> = QueryBuilder::new(
                "INSERT INTO audit_log (org_id, seq, at, actor, action, subject, digest, detail, prev_hash, hash) ",
            );
            qb.push_values(entries, |mut b, e| {
                b.push_bind(e.org_id.0)
                    .push_bind(e.seq)
                    .push_bind(e.at)
                    .push_bind(e.actor)
                    .push_bind(e.action)
                    .push_bind(e.subject)
                    .push_bind(e.digest.map(|d| d.to_hex()))
                    .push_bind(e.detail)
                    .push_bind(e.prev_hash.to_hex())
                    .push_bind(e.hash.to_hex());
            });
            qb
        }

        async fn set_audit_head(tx: &mut Tx, org: OrgId, seq: i64, hash: &Sha256Digest) -> Result<()> {
            sqlx::query("UPDATE audit_heads SET seq = $1, hash = $2 WHERE org_id = $3")
                .bind(seq)
                .bind(hash.to_hex())
                .bind(org.0)
                .execute(&mut **tx)
                .await?;
            Ok(())
        }

        async fn insert_audit(tx: &mut Tx, entries: &[AuditEntry]) -> Result<()> {
            for chunk in entries.chunks(CHUNK) {
                audit_insert(chunk.iter().cloned()).build().execute(&mut **tx).await?;
            }
            if let Some(last) = entries.last() {
                set_audit_head(tx, last.org_id, last.seq, &last.hash).await?;
            }
            Ok(())
        }

        /// Seals and writes entries after the current head, in the caller's transaction.
        async fn audit(tx: &mut Tx, org: OrgId, news: Vec<NewAuditEntry>) -> Result<Vec<AuditEntry>> {
            let (mut seq, mut hash) = lock_head(tx, org).await?;
            let mut sealed = Vec::with_capacity(news.len());
            for n in news {
                let e = n.seal(seq, hash);
                seq = e.seq;
                hash = e.hash;
                sealed.push(e);
            }
            insert_audit(tx, &sealed).await?;
            Ok(sealed)
        }

        fn entry(
            org: OrgId,
            actor: &str,
            action: AuditAction,
            subject: String,
            digest: Option<Sha256Digest>,
            detail: serde_json::Value,
        ) -> NewAuditEntry {
            NewAuditEntry { org_id: org, at: Utc::now(), actor: actor.to_string(), action, subject, digest, detail: detail.to_string() }
        }

        /// The INSERT of up to [`CHUNK`] record events (record id, kind, time, detail).
        fn events_insert(events: &[(i64, &'static str, DateTime<Utc>, String)], actor: &str) -> QueryBuilder<$db> {
            let mut qb: QueryBuilder<$db> = QueryBuilder::new("INSERT INTO record_events (record_id, kind, at, actor, detail) ");
            qb.push_values(events, |mut b, (rid, kind, at, detail)| {
                b.push_bind(*rid).push_bind(*kind).push_bind(*at).push_bind(actor.to_string()).push_bind(detail.clone());
            });
            qb
        }

        /// The INSERT of up to [`CHUNK`] search outbox entries.
        fn search_outbox_insert(ids: &[i64]) -> QueryBuilder<$db> {
            let mut qb: QueryBuilder<$db> = QueryBuilder::new("INSERT INTO search_outbox (record_id) ");
            qb.push_values(ids, |mut b, id| {
                b.push_bind(*id);
            });
            qb
        }

        async fn insert_events(tx: &mut Tx, events: &[(i64, &'static str, DateTime<Utc>, String)], actor: &str) -> Result<()> {
            for chunk in events.chunks(CHUNK) {
                events_insert(chunk, actor).build().execute(&mut **tx).await?;
            }
            Ok(())
        }

        async fn enqueue_search(tx: &mut Tx, ids: &[i64]) -> Result<()> {
            for chunk in ids.chunks(CHUNK) {
                search_outbox_insert(chunk).build().execute(&mut **tx).await?;
            }
            Ok(())
        }

        async fn record_in(tx: &mut Tx, org: OrgId, id: RecordId) -> Result<Record> {
            let sql = format!("SELECT {RECORD_COLUMNS} FROM {RECORD_FROM} WHERE r.org_id = $1 AND r.id = $2");
            let row: Option<RecordRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(org.0)
                .bind(id.0)
                .fetch_optional(&mut **tx)
                .await?;
            row.ok_or_else(|| StoreError::not_found(format!("record {id}")))?.try_into()
        }

        /// Fails unless the account is the organisation's (disposal, deliveries).
        async fn account_in(tx: &mut Tx, org: OrgId, id: AccountId) -> Result<()> {
            let found: Option<i64> = sqlx::query_scalar("SELECT id FROM accounts WHERE org_id = $1 AND id = $2")
                .bind(org.0)
                .bind(id.0)
                .fetch_optional(&mut **tx)
                .await?;
            found.map(|_| ()).ok_or_else(|| StoreError::not_found(format!("account {id}")))
        }

        struct Existing {
            id: i64,
            head_version: i64,
            head_digest: String,
        }

    /// What one chunk of a capture writes besides its new records rows.
    struct ChunkWrites {
        /// versions, events, screening queue, search outbox, audit entries: in that order
        statements: Vec<QueryBuilder<$db>>,
        /// (record id, new head version, its digest) of edited records
        edited: Vec<(i64, i64, String)>,
    }

    /// Each item's record in a chunk: new records have `head_version` 0.
    struct ChunkRow<'a> {
        id: i64,
        head_version: i64,
        head_digest: &'a str,
    }

    /// The chunk's rows, from what exists (every item of `chunk` is in `existing`).
    fn chunk_rows<'a>(chunk: &[CaptureItem], existing: &'a HashMap<(i64, String), Existing>) -> Vec<ChunkRow<'a>> {
        chunk
            .iter()
            .map(|item| {
                let ex = &existing[&(item.account_id.0, item.platform_item_id.clone())];
                ChunkRow { id: ex.id, head_version: ex.head_version, head_digest: &ex.head_digest }
            })
            .collect()
    }

    /// The audit detail of a captured or edited version (the keys in the order `json!` gave
    /// them, so entries read the same as before).
    #[derive(serde::Serialize)]
    struct CapturedDetail<'a> {
        account: AccountId,
        platform_item_id: &'a str,
        version: i64,
    }

    /// Widens a range of record ids to hold `first..=last`.
    fn widen(range: &mut Option<(i64, i64)>, first: i64, last: i64) {
        *range = Some(match *range {
            Some((f, l)) => (f.min(first), l.max(last)),
            None => (first, last),
        });
    }

    /// Seals the chunk's audit entries after `head` and builds its statements. `rows` are the
    /// chunk's records, in order.
    #[allow(clippy::too_many_arguments)]
    fn chunk_writes(
        chunk: &[CaptureItem],
        digests: &[Sha256Digest],
        rows: &[ChunkRow<'_>],
        org: OrgId,
        actor: &str,
        bulk: bool,
        head: &mut (i64, Sha256Digest),
        outcome: &mut CaptureOutcome,
        backfill: &mut Option<(i64, i64)>,
    ) -> ChunkWrites {
        let mut versions: Vec<(usize, i64, i64)> = Vec::new(); // (chunk index, record id, number)
        let mut edited: Vec<(i64, i64, String)> = Vec::new();
        for (idx, ex) in rows.iter().enumerate() {
            outcome.record_ids.push(RecordId(ex.id));
            outcome.is_new.push(ex.head_version == 0);
            if ex.head_version == 0 {
                versions.push((idx, ex.id, 1));
            } else if ex.head_digest != digests[idx].to_hex() {
                versions.push((idx, ex.id, ex.head_version + 1));
                edited.push((ex.id, ex.head_version + 1, digests[idx].to_hex()));
            } else {
                outcome.unchanged += 1;
            }
        }
        outcome.new_versions += versions.len() as u64;
        let mut statements = Vec::new();
        if versions.is_empty() {
            return ChunkWrites { statements, edited };
        }
        let mut sealed = Vec::with_capacity(versions.len());
        // the chunk's versions are captured, and their entries made, at one moment
        let at = Utc::now();
        for (idx, rid, number) in &versions {
            let item = &chunk[*idx];
            let (action, kind) = if *number == 1 {
                (AuditAction::RecordCaptured, "captured")
            } else {
                (AuditAction::RecordEdited, "edited")
            };
            let detail = CapturedDetail { account: item.account_id, platform_item_id: &item.platform_item_id, version: *number };
            let e = NewAuditEntry {
                org_id: org,
                at,
                actor: actor.to_string(),
                action,
                subject: format!("record:{rid}"),
                digest: Some(digests[*idx]),
                detail: serde_json::to_string(&detail).expect("plain fields serialise"),
            }
            .seal(head.0, head.1);
            *head = (e.seq, e.hash);
            sealed.push((e, kind));
        }
        // a chunk holds at most CHUNK items: one statement per table
        let mut qb: QueryBuilder<$db> = QueryBuilder::new(
            "INSERT INTO record_versions (record_id, number, text, author_name, media, raw_blob, raw_pointer, \
             captured_at, content_digest, audit_seq) ",
        );
        qb.push_values(versions.iter().zip(&sealed), |mut b, ((idx, rid, number), (e, _))| {
            let item = &chunk[*idx];
            b.push_bind(*rid)
                .push_bind(*number)
                .push_bind(item.text.clone())
                .push_bind(item.author_name.clone())
                .push_bind(serde_json::to_string(&item.media).unwrap_or_else(|_| "[]".into()))
                .push_bind(item.raw_blob.map(|d| d.to_hex()))
                .push_bind(item.raw_pointer.clone())
                .push_bind(e.at)
                .push_bind(digests[*idx].to_hex())
                .push_bind(e.seq);
        });
        statements.push(qb);
        let events: Vec<(i64, &'static str, DateTime<Utc>, String)> = versions
            .iter()
            .zip(&sealed)
            .map(|((_, rid, number), (e, kind))| (*rid, *kind, e.at, format!("{{\"version\":{number}}}")))
            .collect();
        statements.push(events_insert(&events, actor));
        // new records of a bulk capture wait for screening as one screening_backfill row
        let to_screen: Vec<(i64, i64)> = versions
            .iter()
            .filter(|(idx, _, number)| chunk[*idx].direction == Direction::Received && !(bulk && *number == 1))
            .map(|(_, rid, number)| (*rid, *number))
            .collect();
        if !to_screen.is_empty() {
            let mut qb: QueryBuilder<$db> = QueryBuilder::new("INSERT INTO screening_outbox (record_id, version) ");
            qb.push_values(&to_screen, |mut b, (rid, number)| {
                b.push_bind(*rid).push_bind(*number);
            });
            statements.push(qb);
        }
        let mut touched: Vec<i64> = Vec::new();
        for (_, rid, number) in &versions {
            if bulk && *number == 1 {
                widen(backfill, *rid, *rid);
            } else {
                touched.push(*rid);
            }
        }
        if !touched.is_empty() {
            statements.push(search_outbox_insert(&touched));
        }
        statements.push(audit_insert(sealed.into_iter().map(|(e, _)| e)));
        ChunkWrites { statements, edited }
    }

    /// The records that exist already for a chunk's items: one indexed lookup per account.
    async fn existing_in(tx: &mut Tx, chunk: &[CaptureItem]) -> Result<HashMap<(i64, String), Existing>> {
        let mut existing: HashMap<(i64, String), Existing> = HashMap::new();
        let mut by_account: std::collections::BTreeMap<i64, Vec<&str>> = std::collections::BTreeMap::new();
        for item in chunk {
            by_account.entry(item.account_id.0).or_default().push(item.platform_item_id.as_str());
        }
        for (account, pids) in by_account {
            let mut qb: QueryBuilder<$db> = QueryBuilder::new(
                "SELECT id, account_id, platform_item_id, head_version, head_digest FROM records WHERE account_id = ",
            );
            qb.push_bind(account).push(" AND platform_item_id IN (");
            let mut sep = qb.separated(", ");
            for pid in pids {
                sep.push_bind(pid.to_string());
            }
            qb.push(")");
            let rows: Vec<(i64, i64, String, i64, String)> = qb.build_query_as().fetch_all(&mut **tx).await?;
            existing.extend(
                rows.into_iter()
                    .map(|(id, acc, pid, head_version, head_digest)| ((acc, pid), Existing { id, head_version, head_digest })),
            );
        }
        Ok(existing)
    }

    /// The INSERT of a chunk's new records. `first_id`: the ids handed out (SQLite), in order.
    fn records_insert<'a>(
        new_items: impl Iterator<Item = (usize, &'a CaptureItem)>,
        first_id: Option<i64>,
        org: OrgId,
        digests: &[Sha256Digest],
    ) -> QueryBuilder<$db> {
        let mut qb: QueryBuilder<$db> = QueryBuilder::new(if first_id.is_some() {
            "INSERT INTO records (id, org_id, account_id, platform_item_id, kind, direction, parent_platform_id, \
             thread_platform_id, author_platform_id, available_at, platform_time, head_version, head_digest, classification) "
        } else {
            "INSERT INTO records (org_id, account_id, platform_item_id, kind, direction, parent_platform_id, \
             thread_platform_id, author_platform_id, available_at, platform_time, head_version, head_digest, classification) "
        });
        qb.push_values(new_items.enumerate(), |mut b, (n, (idx, i))| {
            if let Some(first) = first_id {
                b.push_bind(first + n as i64);
            }
            b.push_bind(org.0)
                .push_bind(i.account_id.0)
                .push_bind(i.platform_item_id.clone())
                .push_bind(i.kind.as_str())
                .push_bind(i.direction.as_str())
                .push_bind(i.parent_platform_id.clone())
                .push_bind(i.thread_platform_id.clone())
                .push_bind(i.author_platform_id.clone())
                .push_bind(to_stored_precision(i.available_at))
                .push_bind(i.platform_time.map(to_stored_precision))
                .push_bind(1i64)
                .push_bind(digests[idx].to_hex())
                .push_bind(Classification::Unassessed.as_str());
        });
        qb
    }

    /// A chunk of a bulk capture on SQLite, built on the assumption that all its items are new
    /// (the usual case: a first import, the demo), ready to be written.
    struct NewChunk {
        records: QueryBuilder<$db>,
        writes: ChunkWrites,
        /// What the chunk adds to the capture's outcome once it is written.
        outcome: CaptureOutcome,
        backfill: Option<(i64, i64)>,
        /// The audit head after the chunk's entries.
        head: (i64, Sha256Digest),
        len: i64,
    }

    /// Builds [`NewChunk`]: CPU work only, so that it can run on another thread while the chunk
    /// before it is written.
    fn new_chunk(chunk: &[CaptureItem], first_id: i64, org: OrgId, actor: &str, head: (i64, Sha256Digest)) -> NewChunk {
        let digests: Vec<Sha256Digest> = chunk.iter().map(|i| i.content_digest()).collect();
        let records = records_insert(chunk.iter().enumerate(), Some(first_id), org, &digests);
        let rows: Vec<ChunkRow<'_>> =
            (0..chunk.len()).map(|n| ChunkRow { id: first_id + n as i64, head_version: 0, head_digest: "" }).collect();
        let mut outcome = CaptureOutcome { new_records: chunk.len() as u64, ..Default::default() };
        let (mut head, mut backfill) = (head, None);
        let writes = chunk_writes(chunk, &digests, &rows, org, actor, true, &mut head, &mut outcome, &mut backfill);
        NewChunk { records, writes, outcome, backfill, head, len: chunk.len() as i64 }
    }

    /// Builds a [`NewChunk`] on the builder thread ([`crate::build_thread`]).
    fn spawn_new_chunk(
        items: &std::sync::Arc<[CaptureItem]>,
        range: std::ops::Range<usize>,
        first_id: i64,
        org: OrgId,
        actor: &str,
        head: (i64, Sha256Digest),
    ) -> tokio::sync::oneshot::Receiver<std::thread::Result<NewChunk>> {
        let (items, actor) = (items.clone(), actor.to_string());
        crate::build_thread::build(move || new_chunk(&items[range], first_id, org, &actor, head))
    }

    /// Writes a [`NewChunk`]. `false`: some of its items exist already, and nothing of the chunk
    /// was written (SQLite undoes the failed statement; the transaction goes on).
    async fn write_new_chunk(tx: &mut Tx, chunk: &mut NewChunk) -> Result<bool> {
        match chunk.records.build().execute(&mut **tx).await {
            Ok(_) => {}
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Ok(false),
            Err(e) => return Err(e.into()),
        }
        for qb in &mut chunk.writes.statements {
            qb.build().execute(&mut **tx).await?;
        }
        Ok(true)
    }

    /// The capture of [`Store::capture`] and [`Store::capture_bulk`]: with `bulk`, new records
    /// are named in one `search_backfill` row instead of one outbox entry each.
    async fn capture_items(store: &$store, org: OrgId, items: std::sync::Arc<[CaptureItem]>, actor: &str, bulk: bool) -> Result<CaptureOutcome> {
        for item in items.iter() {
            item.validate()?;
        }
        let mut outcome = CaptureOutcome::default();
        if items.is_empty() {
            return Ok(outcome);
        }
        let mut tx = store.begin_write().await?;
        let accounts: Vec<(i64,)> = sqlx::query_as("SELECT id FROM accounts WHERE org_id = $1")
            .bind(org.0)
            .fetch_all(&mut *tx)
            .await?;
        let accounts: std::collections::HashSet<i64> = accounts.into_iter().map(|(id,)| id).collect();
        if let Some(bad) = items.iter().find(|i| !accounts.contains(&i.account_id.0)) {
            return Err(StoreError::not_found(format!("account {} in this organisation", bad.account_id)));
        }
        let (mut seq, mut hash) = lock_head(&mut tx, org).await?;
        // SQLite holds the write lock from BEGIN IMMEDIATE, so ids can be handed out here
        // and no row has to travel back from an INSERT ... RETURNING (costly through
        // sqlx's worker thread). PostgreSQL takes them from its sequence.
        let explicit_ids = $backend == "sqlite";
        let mut next_id: i64 = if explicit_ids {
            sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM records").fetch_one(&mut *tx).await?
        } else {
            0
        };
        let start_seq = seq;
        // (first, last) record id of the new records, in bulk mode
        let mut backfill: Option<(i64, i64)> = None;
        let ranges = unique_chunks(&items);
        // A bulk load on SQLite first takes every item of a chunk to be new and lets the unique
        // index say otherwise. Such a chunk is built on a thread of its own while the one before
        // it is written (the writer then has the next statements at hand; building them is a
        // third of the work), and only counts once it is written. When some of its items
        // exist, the chunk is done the careful way below, what was built after it is dropped,
        // and the chunks after it are done the careful way too until one holds only new items
        // (importing a file again looks every chunk up once instead of trying it twice).
        let mut optimistic = bulk && explicit_ids;
        let mut ahead: Option<(usize, tokio::sync::oneshot::Receiver<std::thread::Result<NewChunk>>)> = None;
        for (k, range) in ranges.iter().enumerate() {
            let chunk = &items[range.clone()];
            if optimistic {
                let handle = match ahead.take() {
                    Some((at, handle)) if at == k => handle,
                    _ => spawn_new_chunk(&items, range.clone(), next_id, org, actor, (seq, hash)),
                };
                let mut built = match handle.await {
                    Ok(Ok(built)) => built,
                    Ok(Err(panic)) => std::panic::resume_unwind(panic),
                    Err(_) => return Err(StoreError::Unavailable("the statement builder stopped".into())),
                };
                if let Some(next) = ranges.get(k + 1) {
                    ahead = Some((k + 1, spawn_new_chunk(&items, next.clone(), next_id + built.len, org, actor, built.head)));
                }
                if write_new_chunk(&mut tx, &mut built).await? {
                    next_id += built.len;
                    (seq, hash) = built.head;
                    let part = built.outcome;
                    outcome.new_records += part.new_records;
                    outcome.new_versions += part.new_versions;
                    outcome.unchanged += part.unchanged;
                    outcome.record_ids.extend(part.record_ids);
                    outcome.is_new.extend(part.is_new);
                    if let Some((first, last)) = built.backfill {
                        widen(&mut backfill, first, last);
                    }
                    continue;
                }
                // some were there already: what was built after this chunk assumed otherwise
                ahead = None;
            }
            // 1. what exists already: one indexed lookup per account in the chunk
            let mut existing = existing_in(&mut tx, chunk).await?;
            // only new items: the next chunk may be new throughout as well
            optimistic = bulk && explicit_ids && existing.is_empty();
            let digests: Vec<Sha256Digest> = chunk.iter().map(|i| i.content_digest()).collect();

            // 2. new records (head_version 0 marks "new": its first version is number 1)
            let new_items: Vec<(usize, &CaptureItem)> = chunk
                .iter()
                .enumerate()
                .filter(|(_, i)| !existing.contains_key(&(i.account_id.0, i.platform_item_id.clone())))
                .collect();
            outcome.new_records += new_items.len() as u64;
            if !new_items.is_empty() {
                if explicit_ids {
                    let first_id = next_id;
                    next_id += new_items.len() as i64;
                    let mut qb = records_insert(new_items.iter().copied(), Some(first_id), org, &digests);
                    qb.build().execute(&mut *tx).await?;
                    for (n, (_, i)) in new_items.iter().enumerate() {
                        existing.insert((i.account_id.0, i.platform_item_id.clone()), Existing { id: first_id + n as i64, head_version: 0, head_digest: String::new() });
                    }
                } else {
                    let mut qb = records_insert(new_items.iter().copied(), None, org, &digests);
                    qb.push(" RETURNING id, account_id, platform_item_id");
                    let inserted: Vec<(i64, i64, String)> = qb.build_query_as().fetch_all(&mut *tx).await?;
                    for (id, acc, pid) in inserted {
                        existing.insert((acc, pid), Existing { id, head_version: 0, head_digest: String::new() });
                    }
                }
            }
            let mut head = (seq, hash);
            let writes = chunk_writes(chunk, &digests, &chunk_rows(chunk, &existing), org, actor, bulk, &mut head, &mut outcome, &mut backfill);
            (seq, hash) = head;

            // 3. versions, events, head updates of edited records, the queues, the audit entries
            for mut qb in writes.statements {
                qb.build().execute(&mut *tx).await?;
            }
            // the edited records' new heads, in one statement (VALUES columns are named
            // column1.. by both SQLite and PostgreSQL)
            if !writes.edited.is_empty() {
                let mut qb: QueryBuilder<$db> = QueryBuilder::new(
                    "UPDATE records SET head_version = v.column2, head_digest = v.column3 FROM (",
                );
                qb.push_values(&writes.edited, |mut b, (id, number, digest)| {
                    b.push_bind(*id).push_bind(*number).push_bind(digest.clone());
                });
                qb.push(") AS v WHERE records.id = v.column1");
                qb.build().execute(&mut *tx).await?;
            }
        }
        if seq > start_seq {
            set_audit_head(&mut tx, org, seq, &hash).await?;
        }
        if let Some((first, last)) = backfill {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO search_backfill (first_record_id, last_record_id, created_at) VALUES ($1, $2, $3) RETURNING id",
            )
            .bind(first)
            .bind(last)
            .bind(to_stored_precision(Utc::now()))
            .fetch_one(&mut *tx)
            .await?;
            outcome.search_backfill = Some(SearchBackfill { id, first: RecordId(first), last: RecordId(last) });
            sqlx::query("INSERT INTO screening_backfill (first_record_id, last_record_id) VALUES ($1, $2)")
                .bind(first)
                .bind(last)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(outcome)
    }

        #[async_trait::async_trait]
        impl Store for $store {
            fn backend(&self) -> &'static str {
                $backend
            }

            async fn ping(&self) -> Result<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn create_organisation(&self, new: &NewOrganisation, actor: &str) -> Result<Organisation> {
                new.validate()?;
                let mut tx = self.begin_write().await?;
                let row: OrgRow = sqlx::query_as(
                    "INSERT INTO organisations (slug, name, diary_prefix, created_at) VALUES ($1, $2, $3, $4) \
                     RETURNING id, slug, name, diary_prefix",
                )
                .bind(&new.slug)
                .bind(&new.name)
                .bind(&new.diary_prefix)
                .bind(Utc::now())
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| match StoreError::from(e) {
                    StoreError::Conflict(_) => StoreError::Conflict(format!("an organisation named '{}' already exists", new.slug)),
                    other => other,
                })?;
                sqlx::query("INSERT INTO audit_heads (org_id, seq, hash) VALUES ($1, 0, $2)")
                    .bind(row.id)
                    .bind(GENESIS_HASH.to_hex())
                    .execute(&mut *tx)
                    .await?;
                let org: Organisation = row.into();
                let detail = serde_json::json!({"slug": org.slug, "name": org.name});
                audit(&mut tx, org.id, vec![entry(org.id, actor, AuditAction::OrganisationCreated, format!("organisation:{}", org.id), None, detail)]).await?;
                tx.commit().await?;
                Ok(org)
            }

            async fn organisation_by_slug(&self, slug: &str) -> Result<Organisation> {
                let row: Option<OrgRow> =
                    sqlx::query_as("SELECT id, slug, name, diary_prefix FROM organisations WHERE slug = $1")
                        .bind(slug)
                        .fetch_optional(&self.pool)
                        .await?;
                row.map(Into::into).ok_or_else(|| StoreError::not_found(format!("organisation '{slug}'")))
            }

            async fn list_organisations(&self) -> Result<Vec<Organisation>> {
                let rows: Vec<OrgRow> =
                    sqlx::query_as("SELECT id, slug, name, diary_prefix FROM organisations ORDER BY id")
                        .fetch_all(&self.pool)
                        .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn create_unit(&self, org: OrgId, new: &NewUnit, actor: &str) -> Result<Unit> {
                if new.name.trim().is_empty() {
                    return Err(DomainError::invalid("name", "the unit needs a name").into());
                }
                let mut tx = self.begin_write().await?;
                let row: UnitRow = sqlx::query_as(
                    "INSERT INTO units (org_id, name, email) VALUES ($1, $2, $3) RETURNING id, org_id, name, email",
                )
                .bind(org.0)
                .bind(&new.name)
                .bind(&new.email)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| match StoreError::from(e) {
                    StoreError::Conflict(_) => StoreError::Conflict(format!("a unit named '{}' already exists", new.name)),
                    StoreError::Database(e) if e.as_database_error().is_some_and(|d| d.is_foreign_key_violation()) => {
                        StoreError::not_found(format!("organisation {org}"))
                    }
                    other => other,
                })?;
                let unit: Unit = row.into();
                let detail = serde_json::json!({"name": unit.name});
                audit(&mut tx, org, vec![entry(org, actor, AuditAction::UnitCreated, format!("unit:{}", unit.id), None, detail)]).await?;
                tx.commit().await?;
                Ok(unit)
            }

            async fn list_units(&self, org: OrgId) -> Result<Vec<Unit>> {
                let rows: Vec<UnitRow> =
                    sqlx::query_as("SELECT id, org_id, name, email FROM units WHERE org_id = $1 ORDER BY name")
                        .bind(org.0)
                        .fetch_all(&self.pool)
                        .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn create_account(&self, org: OrgId, new: &NewAccount, actor: &str) -> Result<Account> {
                new.validate()?;
                let mut tx = self.begin_write().await?;
                let unit: Option<(i64,)> = sqlx::query_as("SELECT id FROM units WHERE org_id = $1 AND id = $2")
                    .bind(org.0)
                    .bind(new.unit_id.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                if unit.is_none() {
                    return Err(StoreError::not_found(format!("unit {} in this organisation", new.unit_id)));
                }
                let row: AccountRow = sqlx::query_as(
                    "INSERT INTO accounts (org_id, unit_id, platform, handle, url, platform_id, purpose, target_group, \
                     message, contact, responsible, office_hours, response_hours, status, planned_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'planned', $14) RETURNING *",
                )
                .bind(org.0)
                .bind(new.unit_id.0)
                .bind(new.platform.as_str())
                .bind(&new.handle)
                .bind(&new.url)
                .bind(&new.platform_id)
                .bind(&new.purpose)
                .bind(&new.target_group)
                .bind(&new.message)
                .bind(&new.contact)
                .bind(crate::common::to_json(&new.responsible))
                .bind(crate::common::to_json(&new.office_hours))
                .bind(i64::from(new.response_hours))
                .bind(Utc::now())
                .fetch_one(&mut *tx)
                .await?;
                let account: Account = row.try_into()?;
                let detail = serde_json::json!({"platform": account.platform, "handle": account.handle});
                audit(&mut tx, org, vec![entry(org, actor, AuditAction::AccountCreated, format!("account:{}", account.id), None, detail)]).await?;
                tx.commit().await?;
                Ok(account)
            }

            async fn get_account(&self, org: OrgId, id: AccountId) -> Result<Account> {
                let row: Option<AccountRow> = sqlx::query_as("SELECT * FROM accounts WHERE org_id = $1 AND id = $2")
                    .bind(org.0)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await?;
                row.ok_or_else(|| StoreError::not_found(format!("account {id}")))?.try_into()
            }

            async fn list_accounts(&self, org: OrgId) -> Result<Vec<Account>> {
                let rows: Vec<AccountRow> = sqlx::query_as("SELECT * FROM accounts WHERE org_id = $1 ORDER BY id")
                    .bind(org.0)
                    .fetch_all(&self.pool)
                    .await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn set_account_status(&self, org: OrgId, id: AccountId, to: AccountStatus, at: DateTime<Utc>, actor: &str) -> Result<Account> {
                let mut tx = self.begin_write().await?;
                let row: Option<AccountRow> = sqlx::query_as("SELECT * FROM accounts WHERE org_id = $1 AND id = $2")
                    .bind(org.0)
                    .bind(id.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                let account: Account = row.ok_or_else(|| StoreError::not_found(format!("account {id}")))?.try_into()?;
                account.status.check_transition(to)?;
                let column = match to {
                    AccountStatus::Active => "opened_at",
                    AccountStatus::Closed => "closed_at",
                    AccountStatus::Planned => "planned_at",
                };
                let sql = format!("UPDATE accounts SET status = $1, {column} = $2 WHERE org_id = $3 AND id = $4 RETURNING *");
                let row: AccountRow = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(to.as_str())
                    .bind(at)
                    .bind(org.0)
                    .bind(id.0)
                    .fetch_one(&mut *tx)
                    .await?;
                let detail = serde_json::json!({"from": account.status.as_str(), "to": to.as_str()});
                audit(&mut tx, org, vec![entry(org, actor, AuditAction::AccountStatusChanged, format!("account:{id}"), None, detail)]).await?;
                tx.commit().await?;
                row.try_into()
            }

            async fn set_account_platform_id(&self, org: OrgId, id: AccountId, platform_id: &str, actor: &str) -> Result<Account> {
                if platform_id.trim().is_empty() || platform_id.len() > 256 {
                    return Err(DomainError::invalid("platform_id", "the platform id must be 1-256 characters").into());
                }
                let mut tx = self.begin_write().await?;
                let row: Option<AccountRow> = sqlx::query_as("UPDATE accounts SET platform_id = $1 WHERE org_id = $2 AND id = $3 RETURNING *")
                    .bind(platform_id)
                    .bind(org.0)
                    .bind(id.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                let account: Account = row.ok_or_else(|| StoreError::not_found(format!("account {id}")))?.try_into()?;
                let detail = serde_json::json!({"platform_id": platform_id});
                audit(&mut tx, org, vec![entry(org, actor, AuditAction::AccountPlatformIdSet, format!("account:{id}"), None, detail)]).await?;
                tx.commit().await?;
                Ok(account)
            }

            async fn save_connection(
                &self,
                org: OrgId,
                account: AccountId,
                base_url: &str,
                sealed_token: &[u8],
                health: &ConnectionHealth,
                actor: &str,
            ) -> Result<()> {
                let mut tx = self.begin_write().await?;
                let exists: Option<(i64,)> = sqlx::query_as("SELECT id FROM accounts WHERE org_id = $1 AND id = $2")
                    .bind(org.0)
                    .bind(account.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                if exists.is_none() {
                    return Err(StoreError::not_found(format!("account {account}")));
                }
                let health_json = serde_json::to_string(health).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let now = to_stored_precision(Utc::now());
                sqlx::query(
                    "INSERT INTO account_connections (account_id, org_id, base_url, sealed_token, connected_at, connected_by, \
                     cursor, health, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $8) \
                     ON CONFLICT (account_id) DO UPDATE SET base_url = excluded.base_url, sealed_token = excluded.sealed_token, \
                     connected_at = excluded.connected_at, connected_by = excluded.connected_by, health = excluded.health, \
                     next_attempt_at = excluded.next_attempt_at",
                )
                .bind(account.0)
                .bind(org.0)
                .bind(base_url)
                .bind(sealed_token)
                .bind(now)
                .bind(actor)
                .bind(health_json)
                .bind(health.next_attempt_at.map(to_stored_precision))
                .execute(&mut *tx)
                .await?;
                // the base URL is recorded; the token never is
                let detail = serde_json::json!({"base_url": base_url});
                audit(&mut tx, org, vec![entry(org, actor, AuditAction::AccountConnected, format!("account:{account}"), None, detail)]).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn connection(&self, org: OrgId, account: AccountId) -> Result<Option<StoredConnection>> {
                let row: Option<ConnectionRow> = sqlx::query_as(
                    "SELECT account_id, base_url, sealed_token, connected_at, connected_by, cursor, health \
                     FROM account_connections WHERE org_id = $1 AND account_id = $2",
                )
                .bind(org.0)
                .bind(account.0)
                .fetch_optional(&self.pool)
                .await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn connections(&self, org: OrgId) -> Result<Vec<StoredConnection>> {
                let rows: Vec<ConnectionRow> = sqlx::query_as(
                    "SELECT account_id, base_url, sealed_token, connected_at, connected_by, cursor, health \
                     FROM account_connections WHERE org_id = $1 ORDER BY account_id",
                )
                .bind(org.0)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn save_capture_state(
                &self,
                org: OrgId,
                account: AccountId,
                health: &ConnectionHealth,
                cursor: Option<&str>,
            ) -> Result<()> {
                let health_json = serde_json::to_string(health).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let done = sqlx::query(
                    "UPDATE account_connections SET health = $1, next_attempt_at = $2, cursor = $3 \
                     WHERE org_id = $4 AND account_id = $5",
                )
                .bind(health_json)
                .bind(health.next_attempt_at.map(to_stored_precision))
                .bind(cursor)
                .bind(org.0)
                .bind(account.0)
                .execute(&self.pool)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::not_found(format!("connection of account {account}")));
                }
                Ok(())
            }

            async fn due_connections(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<(OrgId, AccountId)>> {
                let rows: Vec<(i64, i64)> = sqlx::query_as(
                    "SELECT c.org_id, c.account_id FROM account_connections c JOIN accounts a ON a.id = c.account_id \
                     WHERE c.next_attempt_at IS NOT NULL AND c.next_attempt_at <= $1 AND a.status = 'active' \
                     ORDER BY c.next_attempt_at LIMIT $2",
                )
                .bind(to_stored_precision(now))
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(|(o, a)| (OrgId(o), AccountId(a))).collect())
            }

            async fn raise_capture_alert(
                &self,
                org: OrgId,
                account: AccountId,
                level: AlertLevel,
                message: &str,
                health: &ConnectionHealth,
            ) -> Result<CaptureAlert> {
                let mut tx = self.begin_write().await?;
                let raised_at = to_stored_precision(Utc::now());
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO capture_alerts (org_id, account_id, raised_at, level, message) \
                     SELECT org_id, account_id, $1, $2, $3 FROM account_connections WHERE org_id = $4 AND account_id = $5 \
                     RETURNING id",
                )
                .bind(raised_at)
                .bind(level as i64)
                .bind(message)
                .bind(org.0)
                .bind(account.0)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::not_found(format!("connection of account {account}")))?;
                let health_json = serde_json::to_string(health).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                sqlx::query("UPDATE account_connections SET health = $1 WHERE org_id = $2 AND account_id = $3")
                    .bind(health_json)
                    .bind(org.0)
                    .bind(account.0)
                    .execute(&mut *tx)
                    .await?;
                let detail = serde_json::json!({"level": level, "message": message});
                audit(&mut tx, org, vec![entry(org, "capture", AuditAction::CaptureAlertRaised, format!("account:{account}"), None, detail)]).await?;
                tx.commit().await?;
                Ok(CaptureAlert { id, account_id: account, raised_at, level, message: message.to_string() })
            }

            async fn capture_alerts(&self, org: OrgId, account: Option<AccountId>, limit: i64) -> Result<Vec<CaptureAlert>> {
                let rows: Vec<(i64, i64, DateTime<Utc>, i64, String)> = sqlx::query_as(
                    "SELECT id, account_id, raised_at, level, message FROM capture_alerts \
                     WHERE org_id = $1 AND ($2 IS NULL OR account_id = $2) ORDER BY id DESC LIMIT $3",
                )
                .bind(org.0)
                .bind(account.map(|a| a.0))
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|(id, account_id, raised_at, level, message)| {
                        Ok(CaptureAlert {
                            id,
                            account_id: AccountId(account_id),
                            raised_at,
                            level: AlertLevel::from_i64(level).ok_or_else(|| StoreError::Corrupt(format!("alert level {level}")))?,
                            message,
                        })
                    })
                    .collect()
            }

            async fn capture(&self, org: OrgId, items: &[CaptureItem], actor: &str) -> Result<CaptureOutcome> {
                capture_items(self, org, items.into(), actor, false).await
            }

            async fn capture_bulk(&self, org: OrgId, items: std::sync::Arc<[CaptureItem]>, actor: &str) -> Result<CaptureOutcome> {
                capture_items(self, org, items, actor, true).await
            }

            async fn record_deletion_seen(&self, org: OrgId, id: RecordId, seen_at: DateTime<Utc>, evidence: &str, actor: &str) -> Result<Record> {
                let mut tx = self.begin_write().await?;
                let record = record_in(&mut tx, org, id).await?;
                if record.deleted_seen_at.is_some() {
                    return Ok(record);
                }
                let seen_at = to_stored_precision(seen_at);
                sqlx::query("UPDATE records SET deleted_seen_at = $1 WHERE id = $2")
                    .bind(seen_at)
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await?;
                let detail = serde_json::json!({"evidence": evidence});
                insert_events(&mut tx, &[(id.0, "deletion_seen", seen_at, detail.to_string())], actor).await?;
                audit(&mut tx, org, vec![entry(org, actor, AuditAction::RecordDeletionSeen, format!("record:{id}"), None, detail)]).await?;
                enqueue_search(&mut tx, &[id.0]).await?;
                let record = record_in(&mut tx, org, id).await?;
                tx.commit().await?;
                Ok(record)
            }

            async fn record_deletions_seen(&self, org: OrgId, seen: &[DeletionSeen], actor: &str) -> Result<u64> {
                if seen.is_empty() {
                    return Ok(0);
                }
                let mut tx = self.begin_write().await?;
                // which of them are in this organisation, and which are not yet marked
                let mut open: HashMap<i64, bool> = HashMap::with_capacity(seen.len());
                let ids: Vec<i64> = seen.iter().map(|s| s.record.0).collect();
                for chunk in ids.chunks(CHUNK) {
                    let mut qb: QueryBuilder<$db> = QueryBuilder::new("SELECT id, deleted_seen_at IS NULL FROM records WHERE +org_id = ");
                    qb.push_bind(org.0).push(" AND id IN (");
                    let mut sep = qb.separated(", ");
                    for id in chunk {
                        sep.push_bind(*id);
                    }
                    qb.push(")");
                    let rows: Vec<(i64, bool)> = qb.build_query_as().fetch_all(&mut *tx).await?;
                    open.extend(rows);
                }
                if let Some(missing) = seen.iter().find(|s| !open.contains_key(&s.record.0)) {
                    return Err(StoreError::not_found(format!("record {}", missing.record)));
                }
                let mut events = Vec::new();
                let mut news = Vec::new();
                let mut touched = Vec::new();
                for s in seen {
                    // the first sighting of a record in the batch counts
                    if open.insert(s.record.0, false) != Some(true) {
                        continue;
                    }
                    let seen_at = to_stored_precision(s.seen_at);
                    sqlx::query("UPDATE records SET deleted_seen_at = $1 WHERE id = $2")
                        .bind(seen_at)
                        .bind(s.record.0)
                        .execute(&mut *tx)
                        .await?;
                    let detail = serde_json::json!({"evidence": s.evidence});
                    events.push((s.record.0, "deletion_seen", seen_at, detail.to_string()));
                    news.push(entry(org, actor, AuditAction::RecordDeletionSeen, format!("record:{}", s.record), None, detail));
                    touched.push(s.record.0);
                }
                insert_events(&mut tx, &events, actor).await?;
                audit(&mut tx, org, news).await?;
                enqueue_search(&mut tx, &touched).await?;
                tx.commit().await?;
                Ok(touched.len() as u64)
            }

            async fn classify(&self, org: OrgId, id: RecordId, to: Classification, reason: &str, actor: &str) -> Result<Record> {
                if reason.trim().is_empty() {
                    return Err(DomainError::invalid("reason", "give a reason for the classification").into());
                }
                let mut tx = self.begin_write().await?;
                let record = record_in(&mut tx, org, id).await?;
                if record.classification == to {
                    return Ok(record);
                }
                sqlx::query("UPDATE records SET classification = $1 WHERE id = $2")
                    .bind(to.as_str())
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await?;
                let detail = serde_json::json!({"from": record.classification.as_str(), "to": to.as_str(), "reason": reason});
                insert_events(&mut tx, &[(id.0, "classified", to_stored_precision(Utc::now()), detail.to_string())], actor).await?;
                audit(&mut tx, org, vec![entry(org, actor, AuditAction::RecordClassified, format!("record:{id}"), None, detail)]).await?;
                enqueue_search(&mut tx, &[id.0]).await?;
                let record = record_in(&mut tx, org, id).await?;
                tx.commit().await?;
                Ok(record)
            }

            async fn get_record(&self, org: OrgId, id: RecordId) -> Result<Record> {
                let sql = format!("SELECT {RECORD_COLUMNS} FROM {RECORD_FROM} WHERE r.org_id = $1 AND r.id = $2");
                let row: Option<RecordRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(org.0)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await?;
                row.ok_or_else(|| StoreError::not_found(format!("record {id}")))?.try_into()
            }

            async fn find_record(&self, org: OrgId, account: AccountId, platform_item_id: &str) -> Result<Option<Record>> {
                let sql = format!(
                    "SELECT {RECORD_COLUMNS} FROM {RECORD_FROM} WHERE r.org_id = $1 AND r.account_id = $2 AND r.platform_item_id = $3"
                );
                let row: Option<RecordRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(org.0)
                    .bind(account.0)
                    .bind(platform_item_id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn get_records(&self, org: OrgId, ids: &[RecordId]) -> Result<Vec<Record>> {
                let mut out = Vec::with_capacity(ids.len());
                for chunk in ids.chunks(CHUNK) {
                    // `+r.org_id`: keeps SQLite's planner on the primary key (with the plain
                    // column it scans the organisation's time index instead)
                    let mut qb: QueryBuilder<$db> = QueryBuilder::new(format!("SELECT {RECORD_COLUMNS} FROM {RECORD_FROM} WHERE +r.org_id = "));
                    qb.push_bind(org.0).push(" AND r.id IN (");
                    let mut sep = qb.separated(", ");
                    for id in chunk {
                        sep.push_bind(id.0);
                    }
                    qb.push(")");
                    let rows: Vec<RecordRow> = qb.build_query_as().fetch_all(&self.pool).await?;
                    let mut by_id: HashMap<i64, RecordRow> = rows.into_iter().map(|r| (r.id, r)).collect();
                    for id in chunk {
                        if let Some(row) = by_id.remove(&id.0) {
                            out.push(row.try_into()?);
                        }
                    }
                }
                Ok(out)
            }

            async fn record_versions(&self, org: OrgId, id: RecordId) -> Result<Vec<RecordVersion>> {
                let rows: Vec<VersionRow> = sqlx::query_as(
                    "SELECT v.* FROM record_versions v JOIN records r ON r.id = v.record_id \
                     WHERE r.org_id = $1 AND r.id = $2 ORDER BY v.number",
                )
                .bind(org.0)
                .bind(id.0)
                .fetch_all(&self.pool)
                .await?;
                if rows.is_empty() {
                    return Err(StoreError::not_found(format!("record {id}")));
                }
                rows.iter().map(VersionRow::to_domain).collect()
            }

            async fn record_events(&self, org: OrgId, id: RecordId) -> Result<Vec<RecordEvent>> {
                let rows: Vec<EventRow> = sqlx::query_as(
                    "SELECT e.record_id, e.kind, e.at, e.actor, e.detail FROM record_events e JOIN records r ON r.id = e.record_id \
                     WHERE r.org_id = $1 AND r.id = $2 ORDER BY e.id",
                )
                .bind(org.0)
                .bind(id.0)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn list_records(&self, org: OrgId, f: &RecordFilter) -> Result<Vec<Record>> {
                let mut qb: QueryBuilder<$db> = QueryBuilder::new(format!("SELECT {RECORD_COLUMNS} FROM {RECORD_FROM} WHERE r.org_id = "));
                qb.push_bind(org.0);
                if let Some(a) = f.account {
                    qb.push(" AND r.account_id = ").push_bind(a.0);
                }
                if let Some(d) = f.direction {
                    qb.push(" AND r.direction = ").push_bind(d.as_str());
                }
                if let Some(c) = f.classification {
                    qb.push(" AND r.classification = ").push_bind(c.as_str());
                }
                if let Some(from) = f.from {
                    qb.push(" AND r.available_at >= ").push_bind(from);
                }
                if let Some(to) = f.to {
                    qb.push(" AND r.available_at < ").push_bind(to);
                }
                if let Some(t) = &f.thread {
                    qb.push(" AND (r.thread_platform_id = ").push_bind(t.clone()).push(" OR r.platform_item_id = ").push_bind(t.clone()).push(")");
                }
                if let Some((at, id)) = f.before {
                    let at = to_stored_precision(at);
                    // a range on the time index first (an OR alone would scan from the top)
                    qb.push(" AND r.available_at <= ").push_bind(at).push(" AND (r.available_at < ").push_bind(at);
                    qb.push(" OR r.id < ").push_bind(id.0).push(")");
                }
                qb.push(" ORDER BY r.available_at DESC, r.id DESC LIMIT ").push_bind(f.limit.clamp(1, 1000));
                qb.push(" OFFSET ").push_bind(f.offset.max(0));
                let rows: Vec<RecordRow> = qb.build_query_as().fetch_all(&self.pool).await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn count_records(&self, org: OrgId) -> Result<i64> {
                let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM records WHERE org_id = $1")
                    .bind(org.0)
                    .fetch_one(&self.pool)
                    .await?;
                Ok(n)
            }

            async fn screening_queue(&self, limit: i64) -> Result<Vec<ScreeningTask>> {
                let rows: Vec<(i64, i64, i64, i64, String)> = sqlx::query_as(
                    "SELECT q.id, r.org_id, q.record_id, q.version, v.text FROM screening_outbox q \
                     JOIN record_versions v ON v.record_id = q.record_id AND v.number = q.version \
                     JOIN records r ON r.id = q.record_id \
                     ORDER BY q.id LIMIT $1",
                )
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                let mut tasks = rows
                    .into_iter()
                    .map(|(queue_id, org, rid, version, text)| {
                        Ok(ScreeningTask {
                            queued: ScreeningQueued::Entry(queue_id),
                            org_id: OrgId(org),
                            record_id: RecordId(rid),
                            version: version.try_into().map_err(|_| StoreError::Corrupt("screening version".into()))?,
                            text,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                // then the first versions of bulk batches, in id order (a record that also has
                // its own entry for version 1 is screened from that entry)
                let batches: Vec<(i64, i64, i64)> = sqlx::query_as(
                    "SELECT id, first_record_id, last_record_id FROM screening_backfill ORDER BY id LIMIT 100",
                )
                .fetch_all(&self.pool)
                .await?;
                let mut emptied = Vec::new();
                for (batch, first, last) in batches {
                    let room = limit - tasks.len() as i64;
                    if room <= 0 {
                        break;
                    }
                    let rows: Vec<(i64, i64, String)> = sqlx::query_as(
                        "SELECT r.org_id, r.id, v.text FROM records r \
                         JOIN record_versions v ON v.record_id = r.id AND v.number = 1 \
                         WHERE r.id BETWEEN $1 AND $2 AND r.direction = $3 \
                         AND NOT EXISTS (SELECT 1 FROM screening_outbox q WHERE q.record_id = r.id AND q.version = 1) \
                         ORDER BY r.id LIMIT $4",
                    )
                    .bind(first)
                    .bind(last)
                    .bind(Direction::Received.as_str())
                    .bind(room)
                    .fetch_all(&self.pool)
                    .await?;
                    if rows.is_empty() {
                        // nothing left to screen in it
                        emptied.push(batch);
                        continue;
                    }
                    tasks.extend(rows.into_iter().map(|(org, rid, text)| ScreeningTask {
                        queued: ScreeningQueued::BulkBatch(batch),
                        org_id: OrgId(org),
                        record_id: RecordId(rid),
                        version: 1,
                        text,
                    }));
                }
                if !emptied.is_empty() {
                    // a write like any other: in the writers' turn
                    let mut tx = self.begin_write().await?;
                    let mut qb: QueryBuilder<$db> = QueryBuilder::new("DELETE FROM screening_backfill WHERE id IN (");
                    let mut sep = qb.separated(", ");
                    for id in &emptied {
                        sep.push_bind(*id);
                    }
                    qb.push(")");
                    qb.build().execute(&mut *tx).await?;
                    tx.commit().await?;
                }
                Ok(tasks)
            }

            async fn save_screening(&self, tasks: &[ScreeningTask], findings: &[Finding], actor: &str) -> Result<()> {
                if tasks.is_empty() {
                    return Ok(());
                }
                let mut tx = self.begin_write().await?;
                let now = to_stored_precision(Utc::now());
                for part in findings.chunks(CHUNK) {
                    let mut qb: QueryBuilder<$db> = QueryBuilder::new(
                        "INSERT INTO findings (record_id, version, category, span_start, span_end, rule, confidence, \
                         explanation_sv, explanation_en, suggested_action, found_at) ",
                    );
                    qb.push_values(part, |mut b, f| {
                        b.push_bind(f.record_id.0)
                            .push_bind(i64::from(f.version))
                            .push_bind(f.category.clone())
                            .push_bind(f.start as i64)
                            .push_bind(f.end as i64)
                            .push_bind(f.rule.clone())
                            .push_bind(f64::from(f.confidence))
                            .push_bind(f.explanation_sv.clone())
                            .push_bind(f.explanation_en.clone())
                            .push_bind(f.suggested_action.clone())
                            .push_bind(now);
                    });
                    qb.build().execute(&mut *tx).await?;
                }
                let events: Vec<(i64, &'static str, DateTime<Utc>, String)> = tasks
                    .iter()
                    .map(|t| {
                        let mut categories: Vec<&str> = findings
                            .iter()
                            .filter(|f| f.record_id == t.record_id && f.version == t.version)
                            .map(|f| f.category.as_str())
                            .collect();
                        categories.sort_unstable();
                        categories.dedup();
                        let detail = serde_json::json!({"version": t.version, "categories": categories});
                        (t.record_id.0, "screened", now, detail.to_string())
                    })
                    .collect();
                insert_events(&mut tx, &events, actor).await?;
                let mut entries: Vec<i64> = Vec::new();
                // bulk batch -> the highest record id screened from it
                let mut batches: std::collections::BTreeMap<i64, i64> = std::collections::BTreeMap::new();
                for t in tasks {
                    match t.queued {
                        ScreeningQueued::Entry(id) => entries.push(id),
                        ScreeningQueued::BulkBatch(batch) => {
                            let done = batches.entry(batch).or_insert(t.record_id.0);
                            *done = (*done).max(t.record_id.0);
                        }
                    }
                }
                for part in entries.chunks(CHUNK) {
                    let mut qb: QueryBuilder<$db> = QueryBuilder::new("DELETE FROM screening_outbox WHERE id IN (");
                    let mut sep = qb.separated(", ");
                    for id in part {
                        sep.push_bind(*id);
                    }
                    qb.push(")");
                    qb.build().execute(&mut *tx).await?;
                }
                for (batch, done) in batches {
                    sqlx::query("UPDATE screening_backfill SET first_record_id = $1 WHERE id = $2 AND first_record_id <= $1")
                        .bind(done + 1)
                        .bind(batch)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("DELETE FROM screening_backfill WHERE id = $1 AND first_record_id > last_record_id")
                        .bind(batch)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn record_findings(&self, org: OrgId, id: RecordId) -> Result<Vec<Finding>> {
                let rows: Vec<FindingRow> = sqlx::query_as(
                    "SELECT f.record_id, f.version, f.category, f.span_start, f.span_end, f.rule, f.confidence, \
                     f.explanation_sv, f.explanation_en, f.suggested_action, f.found_at \
                     FROM findings f JOIN records r ON r.id = f.record_id WHERE r.org_id = $1 AND r.id = $2 \
                     ORDER BY f.version, f.span_start, f.id",
                )
                .bind(org.0)
                .bind(id.0)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn register_blobs(&self, blobs: &[BlobMeta]) -> Result<()> {
                if blobs.is_empty() {
                    return Ok(());
                }
                let mut tx = self.begin_write().await?;
                let now = Utc::now();
                for chunk in blobs.chunks(CHUNK) {
                    let mut qb: QueryBuilder<$db> = QueryBuilder::new("INSERT INTO blobs (sha256, size, media_type, stored_at) ");
                    qb.push_values(chunk, |mut b, m| {
                        b.push_bind(m.sha256.to_hex()).push_bind(m.size).push_bind(m.media_type.clone()).push_bind(now);
                    });
                    qb.push(" ON CONFLICT (sha256) DO NOTHING");
                    qb.build().execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn list_blobs(&self, after: Option<Sha256Digest>, limit: i64) -> Result<Vec<BlobMeta>> {
                let after = after.map(|d| d.to_hex()).unwrap_or_default();
                let rows: Vec<(String, i64, String)> =
                    sqlx::query_as("SELECT sha256, size, media_type FROM blobs WHERE sha256 > $1 ORDER BY sha256 LIMIT $2")
                        .bind(after)
                        .bind(limit)
                        .fetch_all(&self.pool)
                        .await?;
                rows.into_iter()
                    .map(|(s, size, media_type)| Ok(BlobMeta { sha256: digest(&s)?, size, media_type }))
                    .collect()
            }

            async fn append_audit(&self, new: NewAuditEntry) -> Result<AuditEntry> {
                let org = new.org_id;
                let mut tx = self.begin_write().await?;
                let mut sealed = audit(&mut tx, org, vec![new]).await?;
                tx.commit().await?;
                Ok(sealed.remove(0))
            }

            async fn audit_entries(&self, org: OrgId, after_seq: i64, limit: i64) -> Result<Vec<AuditEntry>> {
                let rows: Vec<AuditRow> = sqlx::query_as(
                    "SELECT * FROM audit_log WHERE org_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                )
                .bind(org.0)
                .bind(after_seq)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn audit_head(&self, org: OrgId) -> Result<(i64, Sha256Digest)> {
                let row: Option<(i64, String)> = sqlx::query_as("SELECT seq, hash FROM audit_heads WHERE org_id = $1")
                    .bind(org.0)
                    .fetch_optional(&self.pool)
                    .await?;
                let (seq, hash) = row.ok_or_else(|| StoreError::not_found(format!("organisation {org}")))?;
                Ok((seq, digest(&hash)?))
            }

            async fn versions_for_verify(&self, after_id: i64, limit: i64) -> Result<Vec<VersionCheck>> {
                let rows: Vec<VersionCheckRow> = sqlx::query_as(
                    "SELECT v.*, r.org_id, a.digest AS audited_digest, r.disposed_at, p.versions AS protocol_versions \
                     FROM record_versions v \
                     JOIN records r ON r.id = v.record_id \
                     LEFT JOIN audit_log a ON a.org_id = r.org_id AND a.seq = v.audit_seq \
                     LEFT JOIN disposal_protocol p ON p.record_id = v.record_id \
                     WHERE v.id > $1 ORDER BY v.id LIMIT $2",
                )
                .bind(after_id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|r| {
                        Ok(VersionCheck {
                            version_id: r.version.id,
                            org_id: OrgId(r.org_id),
                            version: r.version.to_domain()?,
                            audit_seq: r.version.audit_seq,
                            audited_digest: r.audited_digest.as_deref().map(digest).transpose()?,
                            disposed_under_protocol: crate::disposal_rows::disposed_under_protocol(
                                r.disposed_at,
                                r.protocol_versions.as_deref(),
                                r.version.number,
                                &r.version.content_digest,
                            ),
                        })
                    })
                    .collect()
            }

            async fn create_api_token(&self, org: OrgId, name: &str, token_sha256: &Sha256Digest, actor: &str) -> Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO api_tokens (org_id, name, token_sha256, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(org.0)
                    .bind(name)
                    .bind(token_sha256.to_hex())
                    .bind(Utc::now())
                    .execute(&mut *tx)
                    .await?;
                let detail = serde_json::json!({"name": name});
                audit(&mut tx, org, vec![entry(org, actor, AuditAction::ApiTokenCreated, format!("token:{name}"), None, detail)]).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn organisation_by_token(&self, token_sha256: &Sha256Digest) -> Result<Organisation> {
                let row: Option<OrgRow> = sqlx::query_as(
                    "SELECT o.id, o.slug, o.name, o.diary_prefix FROM organisations o JOIN api_tokens t ON t.org_id = o.id \
                     WHERE t.token_sha256 = $1",
                )
                .bind(token_sha256.to_hex())
                .fetch_optional(&self.pool)
                .await?;
                row.map(Into::into).ok_or_else(|| StoreError::not_found("API token"))
            }

            async fn search_outbox(&self, after: i64, limit: i64) -> Result<OutboxBatch> {
                let sql = "SELECT r.id, r.org_id, r.account_id, a.unit_id, r.kind, r.direction, r.classification, \
                    r.available_at, r.deleted_seen_at, v.author_name, v.text, o.id AS outbox_id, r.disposed_at \
                    FROM search_outbox o JOIN records r ON r.id = o.record_id \
                    JOIN record_versions v ON v.record_id = r.id AND v.number = r.head_version \
                    JOIN accounts a ON a.id = r.account_id WHERE o.id > $1 ORDER BY o.id LIMIT $2";
                let rows: Vec<SearchDocRow> = sqlx::query_as(sql).bind(after).bind(limit).fetch_all(&self.pool).await?;
                let last_id = rows.last().map(|r| r.outbox_id).unwrap_or(after);
                let ids = rows.iter().map(|r| r.outbox_id).collect();
                let docs = rows.into_iter().map(TryInto::try_into).collect::<Result<Vec<SearchDoc>>>()?;
                Ok(OutboxBatch { docs, ids, last_id })
            }

            async fn remove_from_search_outbox(&self, ids: &[i64]) -> Result<()> {
                // The usual case is a run of consecutive ids: one range statement removes exactly them.
                if let (Some(first), Some(last)) = (ids.first(), ids.last())
                    && ids.windows(2).all(|w| w[1] == w[0] + 1)
                {
                    sqlx::query("DELETE FROM search_outbox WHERE id BETWEEN $1 AND $2")
                        .bind(*first)
                        .bind(*last)
                        .execute(&self.pool)
                        .await?;
                    return Ok(());
                }
                for chunk in ids.chunks(CHUNK) {
                    let mut qb: QueryBuilder<$db> = QueryBuilder::new("DELETE FROM search_outbox WHERE id IN (");
                    let mut sep = qb.separated(", ");
                    for id in chunk {
                        sep.push_bind(*id);
                    }
                    qb.push(")");
                    qb.build().execute(&self.pool).await?;
                }
                Ok(())
            }

            async fn search_outbox_ids_after(&self, watermark: i64) -> Result<()> {
                if $backend == "sqlite" {
                    let mut tx = self.begin_write().await?;
                    sqlx::query(
                        "INSERT INTO sqlite_sequence (name, seq) SELECT 'search_outbox', 0 \
                         WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'search_outbox')",
                    )
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query("UPDATE sqlite_sequence SET seq = $1 WHERE name = 'search_outbox' AND seq < $1")
                        .bind(watermark)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                } else if watermark > 0 {
                    sqlx::query(
                        "SELECT setval(pg_get_serial_sequence('search_outbox', 'id'), \
                         GREATEST($1, (SELECT last_value FROM search_outbox_id_seq)))",
                    )
                    .bind(watermark)
                    .execute(&self.pool)
                    .await?;
                }
                Ok(())
            }

            async fn search_docs_after(&self, after: RecordId, limit: i64) -> Result<Vec<SearchDoc>> {
                let sql = "SELECT r.id, r.org_id, r.account_id, a.unit_id, r.kind, r.direction, r.classification, \
                    r.available_at, r.deleted_seen_at, v.author_name, v.text, r.disposed_at \
                    FROM records r JOIN record_versions v ON v.record_id = r.id AND v.number = r.head_version \
                    JOIN accounts a ON a.id = r.account_id WHERE r.id > $1 ORDER BY r.id LIMIT $2";
                let rows: Vec<SearchDocRow> = sqlx::query_as(sql).bind(after.0).bind(limit).fetch_all(&self.pool).await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn search_backfills(&self, limit: i64) -> Result<Vec<SearchBackfill>> {
                let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
                    "SELECT id, first_record_id, last_record_id FROM search_backfill ORDER BY id LIMIT $1",
                )
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, first, last)| SearchBackfill { id, first: RecordId(first), last: RecordId(last) })
                    .collect())
            }

            async fn remove_search_backfills(&self, ids: &[i64]) -> Result<()> {
                for chunk in ids.chunks(CHUNK) {
                    let mut qb: QueryBuilder<$db> = QueryBuilder::new("DELETE FROM search_backfill WHERE id IN (");
                    let mut sep = qb.separated(", ");
                    for id in chunk {
                        sep.push_bind(*id);
                    }
                    qb.push(")");
                    qb.build().execute(&self.pool).await?;
                }
                Ok(())
            }

            async fn snapshot_to(&self, path: &std::path::Path) -> Result<()> {
                self.snapshot(path).await
            }

            async fn snapshot_access_to(&self, path: &std::path::Path) -> Result<bool> {
                self.snapshot_access(path).await
            }

            // --- staff users (issue 5) ---

            async fn create_user(&self, org: OrgId, new: &NewUser, password_hash: Option<&str>, actor: &str) -> Result<StaffUser> {
                let new = new.normalised()?;
                let mut tx = self.begin_write().await?;
                check_accounts(&mut tx, org, &new.accounts).await?;
                let row: Option<(i64,)> = sqlx::query_as(
                    "INSERT INTO users (org_id, email, name, function, status, password_hash, created_at) \
                     VALUES ($1, $2, $3, $4, 'active', $5, $6) ON CONFLICT (org_id, email) DO NOTHING RETURNING id",
                )
                .bind(org.0)
                .bind(&new.email)
                .bind(&new.name)
                .bind(&new.function)
                .bind(password_hash)
                .bind(Utc::now())
                .fetch_optional(&mut *tx)
                .await
                .map_err(|e| match StoreError::from(e) {
                    StoreError::Database(e) if e.as_database_error().is_some_and(|d| d.is_foreign_key_violation()) => {
                        StoreError::not_found(format!("organisation {org}"))
                    }
                    other => other,
                })?;
                let (id,) = row.ok_or_else(|| StoreError::Conflict(format!("a user with the e-mail address {} already exists", new.email)))?;
                write_access(&mut tx, id, &new.roles, &new.accounts).await?;
                let detail = serde_json::json!({
                    "email": new.email, "name": new.name, "function": new.function,
                    "roles": new.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
                    "accounts": new.accounts.iter().map(|g| format!("{}:{}", g.account_id, g.access.as_str())).collect::<Vec<_>>(),
                    "password": password_hash.is_some(),
                });
                audit(&mut tx, org, vec![entry(org, actor, AuditAction::UserCreated, format!("user:{id}"), None, detail)]).await?;
                tx.commit().await?;
                self.get_user(org, UserId(id)).await
            }

            async fn get_user(&self, org: OrgId, id: UserId) -> Result<StaffUser> {
                load_users(&self.pool, org, crate::users::UserFilter::Id(id.0))
                    .await?
                    .pop()
                    .map(|c| c.user)
                    .ok_or_else(|| StoreError::not_found(format!("user {id}")))
            }

            async fn user_credentials(&self, org: OrgId, email: &str) -> Result<UserCredentials> {
                let email = email.trim().to_lowercase();
                load_users(&self.pool, org, crate::users::UserFilter::Email(&email))
                    .await?
                    .pop()
                    .ok_or_else(|| StoreError::not_found("user"))
            }

            async fn list_users(&self, org: OrgId) -> Result<Vec<StaffUser>> {
                Ok(load_users(&self.pool, org, crate::users::UserFilter::All).await?.into_iter().map(|c| c.user).collect())
            }

            async fn set_user_password(&self, org: OrgId, id: UserId, password_hash: &str, actor: &str) -> Result<()> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE org_id = $2 AND id = $3")
                    .bind(password_hash)
                    .bind(org.0)
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::not_found(format!("user {id}")));
                }
                audit(&mut tx, org, vec![entry(org, actor, AuditAction::UserPasswordSet, format!("user:{id}"), None, serde_json::json!({}))]).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn set_user_access(&self, org: OrgId, id: UserId, roles: &[Role], accounts: &[AccountGrant], actor: &str) -> Result<StaffUser> {
                let roles = insyn_domain::staff::normalise_roles(roles);
                let accounts = insyn_domain::staff::normalise_grants(accounts);
                let mut tx = self.begin_write().await?;
                let exists: Option<(i64,)> = sqlx::query_as("SELECT id FROM users WHERE org_id = $1 AND id = $2")
                    .bind(org.0)
                    .bind(id.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                if exists.is_none() {
                    return Err(StoreError::not_found(format!("user {id}")));
                }
                check_accounts(&mut tx, org, &accounts).await?;
                sqlx::query("DELETE FROM user_roles WHERE user_id = $1").bind(id.0).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM user_accounts WHERE user_id = $1").bind(id.0).execute(&mut *tx).await?;
                write_access(&mut tx, id.0, &roles, &accounts).await?;
                let detail = serde_json::json!({
                    "roles": roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
                    "accounts": accounts.iter().map(|g| format!("{}:{}", g.account_id, g.access.as_str())).collect::<Vec<_>>(),
                });
                audit(&mut tx, org, vec![entry(org, actor, AuditAction::UserAccessChanged, format!("user:{id}"), None, detail)]).await?;
                tx.commit().await?;
                self.get_user(org, id).await
            }

            async fn set_user_status(&self, org: OrgId, id: UserId, status: UserStatus, actor: &str) -> Result<StaffUser> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query("UPDATE users SET status = $1 WHERE org_id = $2 AND id = $3")
                    .bind(status.as_str())
                    .bind(org.0)
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::not_found(format!("user {id}")));
                }
                if status == UserStatus::Disabled {
                    sqlx::query("DELETE FROM sessions WHERE org_id = $1 AND user_id = $2")
                        .bind(org.0)
                        .bind(id.0)
                        .execute(&mut *tx)
                        .await?;
                }
                let detail = serde_json::json!({"status": status.as_str()});
                audit(&mut tx, org, vec![entry(org, actor, AuditAction::UserStatusChanged, format!("user:{id}"), None, detail)]).await?;
                tx.commit().await?;
                self.get_user(org, id).await
            }

            async fn link_external_identity(&self, org: OrgId, issuer: &str, subject: &str, user: UserId, actor: &str) -> Result<()> {
                let mut tx = self.begin_write().await?;
                let exists: Option<(i64,)> = sqlx::query_as("SELECT id FROM users WHERE org_id = $1 AND id = $2")
                    .bind(org.0)
                    .bind(user.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                if exists.is_none() {
                    return Err(StoreError::not_found(format!("user {user}")));
                }
                sqlx::query("INSERT INTO external_identities (org_id, issuer, subject, user_id, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(org.0)
                    .bind(issuer)
                    .bind(subject)
                    .bind(user.0)
                    .bind(Utc::now())
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| match StoreError::from(e) {
                        StoreError::Conflict(_) => StoreError::Conflict("this identity is already bound to a user".into()),
                        other => other,
                    })?;
                let detail = serde_json::json!({"issuer": issuer, "subject": subject});
                audit(&mut tx, org, vec![entry(org, actor, AuditAction::ExternalIdentityLinked, format!("user:{user}"), None, detail)]).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn user_by_external_identity(&self, org: OrgId, issuer: &str, subject: &str) -> Result<StaffUser> {
                let row: Option<(i64,)> = sqlx::query_as(
                    "SELECT user_id FROM external_identities WHERE org_id = $1 AND issuer = $2 AND subject = $3",
                )
                .bind(org.0)
                .bind(issuer)
                .bind(subject)
                .fetch_optional(&self.pool)
                .await?;
                let (id,) = row.ok_or_else(|| StoreError::not_found("external identity"))?;
                self.get_user(org, UserId(id)).await
            }

            async fn record_login_attempt(&self, org: OrgId, email: &str, at: DateTime<Utc>, success: bool) -> Result<()> {
                sqlx::query("INSERT INTO login_attempts (org_id, email, at, success) VALUES ($1, $2, $3, $4)")
                    .bind(org.0)
                    .bind(email.trim().to_lowercase())
                    .bind(at)
                    .bind(success)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn failed_logins_since(&self, org: OrgId, email: &str, since: DateTime<Utc>) -> Result<i64> {
                let email = email.trim().to_lowercase();
                let last_ok: Option<(Option<DateTime<Utc>>,)> = sqlx::query_as(
                    "SELECT MAX(at) FROM login_attempts WHERE org_id = $1 AND email = $2 AND success = TRUE",
                )
                .bind(org.0)
                .bind(&email)
                .fetch_optional(&self.pool)
                .await?;
                let from = match last_ok.and_then(|r| r.0) {
                    Some(ok) if ok > since => ok,
                    _ => since,
                };
                let (n,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM login_attempts WHERE org_id = $1 AND email = $2 AND success = FALSE AND at >= $3",
                )
                .bind(org.0)
                .bind(&email)
                .bind(from)
                .fetch_one(&self.pool)
                .await?;
                Ok(n)
            }

            async fn create_session(&self, s: &StoredSession) -> Result<bool> {
                let done = sqlx::query(
                    "INSERT INTO sessions (id_sha256, org_id, user_id, data, expires_at) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (id_sha256) DO NOTHING",
                )
                .bind(&s.id_sha256)
                .bind(s.user.map(|(o, _)| o.0))
                .bind(s.user.map(|(_, u)| u.0))
                .bind(&s.data)
                .bind(s.expires_at)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn save_session(&self, s: &StoredSession) -> Result<()> {
                sqlx::query(
                    "INSERT INTO sessions (id_sha256, org_id, user_id, data, expires_at) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (id_sha256) DO UPDATE SET org_id = excluded.org_id, user_id = excluded.user_id, \
                     data = excluded.data, expires_at = excluded.expires_at",
                )
                .bind(&s.id_sha256)
                .bind(s.user.map(|(o, _)| o.0))
                .bind(s.user.map(|(_, u)| u.0))
                .bind(&s.data)
                .bind(s.expires_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn load_session(&self, id_sha256: &str, now: DateTime<Utc>) -> Result<Option<StoredSession>> {
                let row: Option<crate::users::SessionRow> = sqlx::query_as(
                    "SELECT id_sha256, org_id, user_id, data, expires_at FROM sessions WHERE id_sha256 = $1 AND expires_at > $2",
                )
                .bind(id_sha256)
                .bind(now)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn delete_session(&self, id_sha256: &str) -> Result<()> {
                sqlx::query("DELETE FROM sessions WHERE id_sha256 = $1").bind(id_sha256).execute(&self.pool).await?;
                Ok(())
            }

            async fn purge_sessions(&self, now: DateTime<Utc>, attempts_before: DateTime<Utc>) -> Result<u64> {
                let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(&self.pool).await?;
                sqlx::query("DELETE FROM login_attempts WHERE at < $1").bind(attempts_before).execute(&self.pool).await?;
                Ok(done.rows_affected())
            }

            async fn delete_user_sessions(&self, org: OrgId, user: UserId) -> Result<u64> {
                let done = sqlx::query("DELETE FROM sessions WHERE org_id = $1 AND user_id = $2")
                    .bind(org.0)
                    .bind(user.0)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected())
            }

            async fn queue_all_for_screening(&self) -> Result<u64> {
                let mut tx = self.begin_write().await?;
                let queued = sqlx::query(
                    "INSERT INTO screening_outbox (record_id, version) \
                     SELECT r.id, r.head_version FROM records r WHERE r.direction = $1 \
                     AND NOT EXISTS (SELECT 1 FROM screening_outbox q \
                                     WHERE q.record_id = r.id AND q.version = r.head_version) \
                     AND NOT (r.head_version = 1 AND EXISTS (SELECT 1 FROM screening_backfill b \
                                     WHERE r.id BETWEEN b.first_record_id AND b.last_record_id)) \
                     ORDER BY r.id",
                )
                .bind(Direction::Received.as_str())
                .execute(&mut *tx)
                .await?
                .rows_affected();
                tx.commit().await?;
                Ok(queued)
            }
            // --- inbox (issue 5, item 3) ---

            async fn inbox_items(&self, org: OrgId, accounts: &[AccountId], open_only: bool, limit: i64) -> Result<Vec<(Record, Handling)>> {
                if accounts.is_empty() || limit <= 0 {
                    return Ok(Vec::new());
                }
                let mut qb: QueryBuilder<$db> = QueryBuilder::new(
                    "SELECT r.id, h.state, h.assignee, h.answer_id, h.changed_at, h.changed_by \
                     FROM records r LEFT JOIN record_handling h ON h.record_id = r.id \
                     WHERE r.org_id = ",
                );
                qb.push_bind(org.0).push(" AND r.direction = 'received' AND r.account_id IN (");
                let mut sep = qb.separated(", ");
                for a in accounts {
                    sep.push_bind(a.0);
                }
                qb.push(")");
                if open_only {
                    qb.push(" AND (h.state IS NULL OR h.state IN ('new', 'assigned'))");
                }
                qb.push(" ORDER BY r.available_at, r.id LIMIT ").push_bind(limit);
                let rows: Vec<HandlingRow> = qb.build_query_as().fetch_all(&self.pool).await?;
                let ids: Vec<RecordId> = rows.iter().map(|r| RecordId(r.0)).collect();
                let mut records: HashMap<i64, Record> = self.get_records(org, &ids).await?.into_iter().map(|r| (r.id.0, r)).collect();
                let mut out = Vec::with_capacity(rows.len());
                for row in rows {
                    if let Some(record) = records.remove(&row.0) {
                        let handling = handling_from_row(&row, record.available_at)?;
                        out.push((record, handling));
                    }
                }
                Ok(out)
            }

            async fn handling(&self, org: OrgId, id: RecordId) -> Result<Handling> {
                let record = self.get_record(org, id).await?;
                let row: Option<HandlingRow> = sqlx::query_as(
                    "SELECT record_id, state, assignee, answer_id, changed_at, changed_by FROM record_handling WHERE record_id = $1 AND org_id = $2",
                )
                .bind(id.0)
                .bind(org.0)
                .fetch_optional(&self.pool)
                .await?;
                match row {
                    Some(row) => handling_from_row(&row, record.available_at),
                    None => Ok(Handling::untouched(id, record.available_at)),
                }
            }

            async fn change_handling(&self, org: OrgId, id: RecordId, change: &HandlingChange, actor: &str) -> Result<Handling> {
                change.validate()?;
                let mut tx = self.begin_write().await?;
                let record = record_in(&mut tx, org, id).await?;
                if record.direction != Direction::Received {
                    return Err(DomainError::invalid("record", format!("record {id} is upprättad (created); only received items are handled in the inbox")).into());
                }
                if let Some(user) = change.assignee {
                    let found: Option<(i64,)> = sqlx::query_as("SELECT id FROM users WHERE id = $1 AND org_id = $2")
                        .bind(user.0)
                        .bind(org.0)
                        .fetch_optional(&mut *tx)
                        .await?;
                    if found.is_none() {
                        return Err(StoreError::not_found(format!("user {user}")));
                    }
                }
                if let Some(answer) = change.answer {
                    let answer_record = record_in(&mut tx, org, answer).await?;
                    if answer_record.direction != Direction::Created {
                        return Err(DomainError::invalid("answer", format!("record {answer} is not upprättad (created) and cannot be the answer")).into());
                    }
                }
                let before: Option<(String,)> = sqlx::query_as("SELECT state FROM record_handling WHERE record_id = $1")
                    .bind(id.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                let from = before.map(|b| b.0).unwrap_or_else(|| HandlingState::New.as_str().to_string());
                let now = to_stored_precision(Utc::now());
                sqlx::query(
                    "INSERT INTO record_handling (record_id, org_id, state, assignee, answer_id, changed_at, changed_by) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) \
                     ON CONFLICT (record_id) DO UPDATE SET state = excluded.state, assignee = excluded.assignee, \
                     answer_id = excluded.answer_id, changed_at = excluded.changed_at, changed_by = excluded.changed_by",
                )
                .bind(id.0)
                .bind(org.0)
                .bind(change.state.as_str())
                .bind(change.assignee.map(|u| u.0))
                .bind(change.answer.map(|a| a.0))
                .bind(now)
                .bind(actor)
                .execute(&mut *tx)
                .await?;
                let detail = serde_json::json!({
                    "from": from,
                    "to": change.state.as_str(),
                    "assignee": change.assignee.map(|u| u.0),
                    "answer": change.answer.map(|a| a.0),
                    "note": change.note,
                });
                insert_events(&mut tx, &[(id.0, "handling_changed", now, detail.to_string())], actor).await?;
                audit(&mut tx, org, vec![entry(org, actor, AuditAction::RecordHandlingChanged, format!("record:{id}"), None, detail)]).await?;
                tx.commit().await?;
                Ok(Handling { record_id: id, state: change.state, assignee: change.assignee, answer: change.answer, changed_at: now, changed_by: actor.to_string() })
            }

            async fn organisation_calendar(&self, org: OrgId) -> Result<Option<String>> {
                let row: Option<(String,)> = sqlx::query_as("SELECT rules FROM organisation_calendars WHERE org_id = $1")
                    .bind(org.0)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(|r| r.0))
            }

            async fn set_organisation_calendar(&self, org: OrgId, rules_json: &str, actor: &str) -> Result<()> {
                if serde_json::from_str::<serde_json::Value>(rules_json).map(|v| !v.is_object()).unwrap_or(true) {
                    return Err(DomainError::invalid("calendar", "the calendar rules must be a JSON object").into());
                }
                let mut tx = self.begin_write().await?;
                let now = to_stored_precision(Utc::now());
                sqlx::query(
                    "INSERT INTO organisation_calendars (org_id, rules, changed_at, changed_by) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (org_id) DO UPDATE SET rules = excluded.rules, changed_at = excluded.changed_at, changed_by = excluded.changed_by",
                )
                .bind(org.0)
                .bind(rules_json)
                .bind(now)
                .bind(actor)
                .execute(&mut *tx)
                .await?;
                let detail: serde_json::Value = serde_json::from_str(rules_json).unwrap_or_default();
                audit(&mut tx, org, vec![entry(org, actor, AuditAction::CalendarChanged, format!("organisation:{org}"), None, detail)]).await?;
                tx.commit().await?;
                Ok(())
            }

            // --- requests for public records (issue 6) ---

            async fn create_request(&self, org: OrgId, new: &NewRequest, due_on: chrono::NaiveDate, token_sha256: &str, actor: &str) -> Result<RecordRequest> {
                let new = new.normalised()?;
                if token_sha256.len() != 64 || !token_sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(DomainError::invalid("token", "the receipt token's hash must be 64 hex digits").into());
                }
                let mut tx = self.begin_write().await?;
                if let Some(record) = new.record_id {
                    record_in(&mut tx, org, record).await?;
                }
                let now = to_stored_precision(Utc::now());
                let year = chrono::Datelike::year(&insyn_domain::request::stockholm_date(now));
                let (n,): (i64,) = sqlx::query_as(
                    "INSERT INTO request_counters (org_id, year, last) VALUES ($1, $2, 1) \
                     ON CONFLICT (org_id, year) DO UPDATE SET last = request_counters.last + 1 RETURNING last",
                )
                .bind(org.0)
                .bind(year)
                .fetch_one(&mut *tx)
                .await?;
                let number = insyn_domain::request::request_number(year, n);
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO requests (org_id, number, record_id, description, requester_name, requester_email, \
                     received_at, due_on, state, token_sha256) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                )
                .bind(org.0)
                .bind(&number)
                .bind(new.record_id.map(|r| r.0))
                .bind(&new.description)
                .bind(&new.requester_name)
                .bind(&new.requester_email)
                .bind(now)
                .bind(due_on.to_string())
                .bind(RequestState::Received.as_str())
                .bind(token_sha256.to_ascii_lowercase())
                .fetch_one(&mut *tx)
                .await?;
                // the audit entry names what was asked for, not who asked (personal data stays in the row)
                let detail = serde_json::json!({
                    "number": number,
                    "record": new.record_id.map(|r| r.0),
                    "due_on": due_on.to_string(),
                    "with_email": new.requester_email.is_some(),
                });
                insert_request_event(&mut tx, id, "received", now, actor, &detail).await?;
                audit(&mut tx, org, vec![entry(org, actor, AuditAction::RequestReceived, format!("request:{id}"), None, detail)]).await?;
                let request = request_in(&mut tx, org, RequestId(id)).await?;
                tx.commit().await?;
                Ok(request)
            }

            async fn get_request(&self, org: OrgId, id: RequestId) -> Result<RecordRequest> {
                let sql = format!("SELECT {} FROM requests WHERE org_id = $1 AND id = $2", crate::requests::REQUEST_COLUMNS);
                let row: Option<crate::requests::RequestRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(org.0)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await?;
                row.ok_or_else(|| StoreError::not_found(format!("request {id}")))?.try_into()
            }

            async fn request_by_token(&self, org: OrgId, token_sha256: &str) -> Result<RecordRequest> {
                let sql = format!("SELECT {} FROM requests WHERE org_id = $1 AND token_sha256 = $2", crate::requests::REQUEST_COLUMNS);
                let row: Option<crate::requests::RequestRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(org.0)
                    .bind(token_sha256.to_ascii_lowercase())
                    .fetch_optional(&self.pool)
                    .await?;
                row.ok_or_else(|| StoreError::not_found("request"))?.try_into()
            }

            async fn list_requests(&self, org: OrgId, f: &RequestFilter) -> Result<Vec<RecordRequest>> {
                let mut qb: QueryBuilder<$db> = QueryBuilder::new(format!("SELECT {} FROM requests WHERE org_id = ", crate::requests::REQUEST_COLUMNS));
                qb.push_bind(org.0);
                if f.open_only {
                    qb.push(" AND state IN ('received', 'under_review')");
                }
                if let Some(state) = f.state {
                    qb.push(" AND state = ").push_bind(state.as_str());
                }
                if let Some(due) = f.due_by {
                    qb.push(" AND due_on <= ").push_bind(due.to_string());
                }
                if let Some(user) = f.assignee {
                    qb.push(" AND assignee = ").push_bind(user.0);
                }
                qb.push(" ORDER BY due_on, id LIMIT ").push_bind(if f.limit > 0 { f.limit.min(10_000) } else { 1000 });
                let rows: Vec<crate::requests::RequestRow> = qb.build_query_as().fetch_all(&self.pool).await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn change_request(&self, org: OrgId, id: RequestId, change: &RequestChange, effects: &ChangeEffects, actor: &str) -> Result<RecordRequest> {
                let mut tx = self.begin_write().await?;
                let current = request_in(&mut tx, org, id).await?;
                let now = to_stored_precision(Utc::now());
                match change {
                    RequestChange::Assign(Some(user)) => {
                        let found: Option<(i64,)> = sqlx::query_as("SELECT id FROM users WHERE id = $1 AND org_id = $2")
                            .bind(user.0)
                            .bind(org.0)
                            .fetch_optional(&mut *tx)
                            .await?;
                        if found.is_none() {
                            return Err(StoreError::not_found(format!("user {user}")));
                        }
                    }
                    RequestChange::LinkRecord(record) => {
                        record_in(&mut tx, org, *record).await?;
                    }
                    _ => {}
                }
                let next = insyn_domain::request::transition(&current, change, actor, now)?;
                for w in &effects.withheld {
                    if Some(w.record_id) != next.record_id {
                        return Err(DomainError::invalid("masks", "a withheld span must be in the request's record").into());
                    }
                }
                sqlx::query(
                    "UPDATE requests SET record_id = $1, due_on = $2, state = $3, assignee = $4, refusal_reason = $5, \
                     law = $6, decided_at = $7, decided_by = $8 WHERE id = $9 AND org_id = $10",
                )
                .bind(next.record_id.map(|r| r.0))
                .bind(next.due_on.to_string())
                .bind(next.state.as_str())
                .bind(next.assignee.map(|u| u.0))
                .bind(&next.refusal_reason)
                .bind(&next.law)
                .bind(next.decided_at)
                .bind(&next.decided_by)
                .bind(id.0)
                .bind(org.0)
                .execute(&mut *tx)
                .await?;
                for w in &effects.withheld {
                    sqlx::query(
                        "INSERT INTO request_withheld (request_id, record_id, version, start_byte, end_byte, reason, law) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(id.0)
                    .bind(w.record_id.0)
                    .bind(i32::try_from(w.version).unwrap_or(i32::MAX))
                    .bind(i64::try_from(w.start).unwrap_or(i64::MAX))
                    .bind(i64::try_from(w.end).unwrap_or(i64::MAX))
                    .bind(&w.reason)
                    .bind(&w.law)
                    .execute(&mut *tx)
                    .await?;
                }
                if let Some((to, subject, body)) = &effects.message {
                    let (outbox_id,): (i64,) = sqlx::query_as(
                        "INSERT INTO request_outbox (org_id, request_id, to_email, subject, body, queued_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    )
                    .bind(org.0)
                    .bind(id.0)
                    .bind(to)
                    .bind(subject)
                    .bind(body)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?;
                    // sent by SMTP through the one mail outbox (retried while the server is down)
                    let mail = NewMail {
                        to: to.clone(),
                        subject: subject.clone(),
                        body: body.clone(),
                        purpose: MailPurpose::Request,
                        subject_ref: Some(format!("request:{id}")),
                        attachments: Vec::new(),
                    };
                    match mail.normalised() {
                        Ok(mail) => {
                            insert_mail(&mut tx, org, &mail, now, Some(outbox_id)).await?;
                        }
                        // the decision stands; the message stays unsent in the request outbox
                        Err(e) => tracing::warn!(request = id.0, error = %e, "the message to the requester cannot be sent by e-mail"),
                    }
                }
                let detail = request_change_detail(&current, &next, change, effects);
                insert_request_event(&mut tx, id.0, change.kind(), now, actor, &detail).await?;
                let action = if matches!(change, RequestChange::Decide(_)) { AuditAction::RequestDecided } else { AuditAction::RequestChanged };
                audit(&mut tx, org, vec![entry(org, actor, action, format!("request:{id}"), None, detail)]).await?;
                let request = request_in(&mut tx, org, id).await?;
                tx.commit().await?;
                Ok(request)
            }

            async fn request_events(&self, org: OrgId, id: RequestId) -> Result<Vec<RequestEvent>> {
                let rows: Vec<crate::requests::RequestEventRow> = sqlx::query_as(
                    "SELECT e.request_id, e.kind, e.at, e.actor, e.detail FROM request_events e JOIN requests q ON q.id = e.request_id \
                     WHERE q.org_id = $1 AND q.id = $2 ORDER BY e.id",
                )
                .bind(org.0)
                .bind(id.0)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn request_withheld(&self, org: OrgId, id: RequestId) -> Result<Vec<Withheld>> {
                let rows: Vec<crate::requests::WithheldRow> = sqlx::query_as(
                    "SELECT w.record_id, w.version, w.start_byte, w.end_byte, w.reason, w.law FROM request_withheld w \
                     JOIN requests q ON q.id = w.request_id WHERE q.org_id = $1 AND q.id = $2 ORDER BY w.start_byte, w.id",
                )
                .bind(org.0)
                .bind(id.0)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn request_outbox(&self, org: OrgId, unsent_only: bool, limit: i64) -> Result<Vec<OutboxMessage>> {
                let sql = if unsent_only {
                    "SELECT request_id, to_email, subject, body, queued_at, sent_at FROM request_outbox WHERE org_id = $1 AND sent_at IS NULL ORDER BY id LIMIT $2"
                } else {
                    "SELECT request_id, to_email, subject, body, queued_at, sent_at FROM request_outbox WHERE org_id = $1 ORDER BY id LIMIT $2"
                };
                let rows: Vec<crate::requests::OutboxRow> = sqlx::query_as(sql)
                    .bind(org.0)
                    .bind(limit.clamp(0, 10_000))
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }
            // --- public portal (issue 6) ---

            async fn release_policy(&self, org: OrgId) -> Result<Option<String>> {
                let row: Option<(String,)> = sqlx::query_as("SELECT policy FROM release_policies WHERE org_id = $1")
                    .bind(org.0)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(|r| r.0))
            }

            async fn set_release_policy(&self, org: OrgId, policy_json: &str, actor: &str) -> Result<()> {
                let detail: serde_json::Value = match serde_json::from_str::<serde_json::Value>(policy_json) {
                    Ok(v) if v.is_object() => v,
                    _ => return Err(DomainError::invalid("release_policy", "the release policy must be a JSON object").into()),
                };
                let mut tx = self.begin_write().await?;
                // the organisation must exist (and the audit head is locked before the write)
                lock_head(&mut tx, org).await?;
                let now = to_stored_precision(Utc::now());
                sqlx::query(
                    "INSERT INTO release_policies (org_id, policy, changed_at, changed_by) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (org_id) DO UPDATE SET policy = excluded.policy, changed_at = excluded.changed_at, changed_by = excluded.changed_by",
                )
                .bind(org.0)
                .bind(policy_json)
                .bind(now)
                .bind(actor)
                .execute(&mut *tx)
                .await?;
                audit(&mut tx, org, vec![entry(org, actor, AuditAction::ReleasePolicyChanged, format!("organisation:{org}"), None, detail)]).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn release_candidates(&self, org: OrgId, after: RecordId, limit: i64) -> Result<Vec<ReleaseCandidate>> {
                let sql = format!(
                    "SELECT {RECORD_COLUMNS}, \
                     CAST((SELECT COUNT(*) FROM findings f WHERE f.record_id = r.id) AS BIGINT) AS findings, \
                     CAST(CASE WHEN EXISTS (SELECT 1 FROM screening_outbox s WHERE s.record_id = r.id) \
                          OR (r.direction = 'received' AND EXISTS (SELECT 1 FROM screening_backfill b \
                              WHERE r.id BETWEEN b.first_record_id AND b.last_record_id)) THEN 0 ELSE 1 END AS BIGINT) AS screened \
                     FROM {RECORD_FROM} WHERE r.org_id = $1 AND r.classification = 'unassessed' AND r.deleted_seen_at IS NULL \
                     AND NOT EXISTS (SELECT 1 FROM record_events e WHERE e.record_id = r.id AND e.kind = 'classified') \
                     AND r.id > $2 ORDER BY r.id LIMIT $3"
                );
                let rows: Vec<CandidateRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(org.0)
                    .bind(after.0)
                    .bind(limit.clamp(1, 5000))
                    .fetch_all(&self.pool)
                    .await?;
                rows.into_iter()
                    .map(|c| {
                        Ok(ReleaseCandidate {
                            record: c.record.try_into()?,
                            findings: c.findings.max(0) as u64,
                            screened: c.screened != 0,
                        })
                    })
                    .collect()
            }

            async fn record_counts(&self, org: OrgId) -> Result<Vec<RecordCount>> {
                let rows: Vec<(i64, String, i64)> = sqlx::query_as(
                    "SELECT account_id, direction, CAST(COUNT(*) AS BIGINT) FROM records WHERE org_id = $1 \
                     GROUP BY account_id, direction ORDER BY account_id, direction",
                )
                .bind(org.0)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|(a, d, n)| Ok(RecordCount { account_id: AccountId(a), direction: d.parse()?, count: n }))
                    .collect()
            }

            async fn records_by_platform_ids(&self, org: OrgId, keys: &[(AccountId, String)]) -> Result<Vec<Record>> {
                let mut out = Vec::new();
                for chunk in keys.chunks(200) {
                    // `+r.org_id`: with more than a few keys SQLite's planner otherwise walks the
                    // organisation's whole classification index and tests every row against the
                    // ORs (190 ms at 200k records, instead of 0.2 ms through the unique index)
                    let mut qb: QueryBuilder<$db> = QueryBuilder::new(format!("SELECT {RECORD_COLUMNS} FROM {RECORD_FROM} WHERE +r.org_id = "));
                    qb.push_bind(org.0).push(" AND (");
                    for (i, (account, platform_id)) in chunk.iter().enumerate() {
                        if i > 0 {
                            qb.push(" OR ");
                        }
                        qb.push("(r.account_id = ").push_bind(account.0).push(" AND r.platform_item_id = ").push_bind(platform_id.clone()).push(")");
                    }
                    qb.push(")");
                    let rows: Vec<RecordRow> = qb.build_query_as().fetch_all(&self.pool).await?;
                    for row in rows {
                        out.push(row.try_into()?);
                    }
                }
                Ok(out)
            }

            async fn classify_batch(&self, org: OrgId, ids: &[RecordId], from: Classification, to: Classification, reason: &str, actor: &str) -> Result<Vec<RecordId>> {
                if reason.trim().is_empty() {
                    return Err(DomainError::invalid("reason", "give a reason for the classification").into());
                }
                if ids.is_empty() || from == to {
                    return Ok(Vec::new());
                }
                let mut tx = self.begin_write().await?;
                let mut changed = Vec::new();
                for chunk in ids.chunks(CHUNK) {
                    let mut qb: QueryBuilder<$db> = QueryBuilder::new("SELECT id FROM records WHERE org_id = ");
                    qb.push_bind(org.0).push(" AND classification = ").push_bind(from.as_str()).push(" AND id IN (");
                    let mut sep = qb.separated(", ");
                    for id in chunk {
                        sep.push_bind(id.0);
                    }
                    qb.push(")");
                    let rows: Vec<(i64,)> = qb.build_query_as().fetch_all(&mut *tx).await?;
                    if rows.is_empty() {
                        continue;
                    }
                    let mut qb: QueryBuilder<$db> = QueryBuilder::new("UPDATE records SET classification = ");
                    qb.push_bind(to.as_str()).push(" WHERE id IN (");
                    let mut sep = qb.separated(", ");
                    for (id,) in &rows {
                        sep.push_bind(*id);
                    }
                    qb.push(")");
                    qb.build().execute(&mut *tx).await?;
                    changed.extend(rows.into_iter().map(|(id,)| id));
                }
                if changed.is_empty() {
                    return Ok(Vec::new());
                }
                let now = to_stored_precision(Utc::now());
                let detail = serde_json::json!({"from": from.as_str(), "to": to.as_str(), "reason": reason});
                let events: Vec<(i64, &'static str, DateTime<Utc>, String)> =
                    changed.iter().map(|id| (*id, "classified", now, detail.to_string())).collect();
                insert_events(&mut tx, &events, actor).await?;
                let entries = changed
                    .iter()
                    .map(|id| entry(org, actor, AuditAction::RecordClassified, format!("record:{id}"), None, detail.clone()))
                    .collect();
                audit(&mut tx, org, entries).await?;
                enqueue_search(&mut tx, &changed).await?;
                tx.commit().await?;
                Ok(changed.into_iter().map(RecordId).collect())
            }

            // --- disposal (issue 7, R9) ---

            async fn add_disposal_rule(&self, org: OrgId, new: &NewDisposalRule, actor: &str) -> Result<DisposalRule> {
                new.validate(Utc::now().date_naive())?;
                let mut tx = self.begin_write().await?;
                if let Some(a) = new.account {
                    account_in(&mut tx, org, a).await?;
                }
                let now = to_stored_precision(Utc::now());
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO disposal_rules (org_id, decision_reference, decided_on, decision_body, record_class, \
                     account_id, retention_months, only_after_archived, created_at, created_by) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                )
                .bind(org.0)
                .bind(new.decision.reference.trim())
                .bind(new.decision.decided_on)
                .bind(new.decision.body.trim())
                .bind(new.class.as_str())
                .bind(new.account.map(|a| a.0))
                .bind(i64::from(new.retention_months))
                .bind(new.only_after_archived)
                .bind(now)
                .bind(actor)
                .fetch_one(&mut *tx)
                .await?;
                let detail = serde_json::to_value(new).unwrap_or_default();
                audit(&mut tx, org, vec![entry(org, actor, AuditAction::DisposalRuleAdded, format!("disposal_rule:{id}"), None, detail)]).await?;
                let row: crate::disposal_rows::RuleRow = sqlx::query_as("SELECT * FROM disposal_rules WHERE id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                row.to_domain()
            }

            async fn disposal_rules(&self, org: OrgId) -> Result<Vec<DisposalRule>> {
                let rows: Vec<crate::disposal_rows::RuleRow> =
                    sqlx::query_as("SELECT * FROM disposal_rules WHERE org_id = $1 ORDER BY id")
                        .bind(org.0)
                        .fetch_all(&self.pool)
                        .await?;
                rows.iter().map(|r| r.to_domain()).collect()
            }

            async fn set_legal_hold(&self, org: OrgId, scope: &HoldScope, reason: &str, actor: &str) -> Result<LegalHold> {
                insyn_domain::disposal::check_reason(reason)?;
                let mut tx = self.begin_write().await?;
                match scope {
                    HoldScope::Record { record } => {
                        record_in(&mut tx, org, *record).await?;
                    }
                    HoldScope::Thread { account, thread } => {
                        account_in(&mut tx, org, *account).await?;
                        if thread.trim().is_empty() || thread.len() > 512 {
                            return Err(DomainError::invalid("thread", "trådens id saknas eller är för långt / the thread id is missing or too long").into());
                        }
                    }
                    HoldScope::Account { account } => {
                        account_in(&mut tx, org, *account).await?;
                    }
                }
                let (kind, record, account, thread) = crate::disposal_rows::scope_columns(scope);
                let now = to_stored_precision(Utc::now());
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO legal_holds (org_id, scope, record_id, account_id, thread, reason, set_at, set_by) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(org.0)
                .bind(kind)
                .bind(record)
                .bind(account)
                .bind(thread)
                .bind(reason.trim())
                .bind(now)
                .bind(actor)
                .fetch_one(&mut *tx)
                .await?;
                let detail = serde_json::json!({"scope": scope, "reason": reason.trim()});
                audit(&mut tx, org, vec![entry(org, actor, AuditAction::LegalHoldSet, format!("legal_hold:{id}"), None, detail)]).await?;
                let row: crate::disposal_rows::HoldRow = sqlx::query_as("SELECT * FROM legal_holds WHERE id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                row.to_domain()
            }

            async fn lift_legal_hold(&self, org: OrgId, id: i64, reason: &str, actor: &str) -> Result<LegalHold> {
                insyn_domain::disposal::check_reason(reason)?;
                let mut tx = self.begin_write().await?;
                let row: Option<crate::disposal_rows::HoldRow> =
                    sqlx::query_as("SELECT * FROM legal_holds WHERE id = $1 AND org_id = $2")
                        .bind(id)
                        .bind(org.0)
                        .fetch_optional(&mut *tx)
                        .await?;
                let row = row.ok_or_else(|| StoreError::not_found(format!("legal hold {id}")))?;
                if row.lifted_at.is_some() {
                    return Err(StoreError::Conflict(format!(
                        "spärren {id} är redan hävd / legal hold {id} was lifted already"
                    )));
                }
                let now = to_stored_precision(Utc::now());
                sqlx::query("UPDATE legal_holds SET lifted_at = $1, lifted_by = $2, lift_reason = $3 WHERE id = $4")
                    .bind(now)
                    .bind(actor)
                    .bind(reason.trim())
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                let detail = serde_json::json!({"reason": reason.trim()});
                audit(&mut tx, org, vec![entry(org, actor, AuditAction::LegalHoldLifted, format!("legal_hold:{id}"), None, detail)]).await?;
                let row: crate::disposal_rows::HoldRow = sqlx::query_as("SELECT * FROM legal_holds WHERE id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                row.to_domain()
            }

            async fn legal_holds(&self, org: OrgId, include_lifted: bool) -> Result<Vec<LegalHold>> {
                let rows: Vec<crate::disposal_rows::HoldRow> = sqlx::query_as(
                    "SELECT * FROM legal_holds WHERE org_id = $1 AND ($2 OR lifted_at IS NULL) ORDER BY id",
                )
                .bind(org.0)
                .bind(include_lifted)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(|r| r.to_domain()).collect()
            }

            async fn mark_crisis_period(&self, org: OrgId, from: DateTime<Utc>, to: DateTime<Utc>, reason: &str, actor: &str) -> Result<CrisisPeriod> {
                insyn_domain::disposal::check_reason(reason)?;
                if from >= to {
                    return Err(DomainError::invalid("from", "krisperioden måste börja innan den slutar / the crisis period must start before it ends").into());
                }
                let mut tx = self.begin_write().await?;
                let now = to_stored_precision(Utc::now());
                let (from, to) = (to_stored_precision(from), to_stored_precision(to));
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO crisis_periods (org_id, starts_at, ends_at, reason, set_at, set_by) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(org.0)
                .bind(from)
                .bind(to)
                .bind(reason.trim())
                .bind(now)
                .bind(actor)
                .fetch_one(&mut *tx)
                .await?;
                let detail = serde_json::json!({"from": from, "to": to, "reason": reason.trim()});
                audit(&mut tx, org, vec![entry(org, actor, AuditAction::CrisisPeriodMarked, format!("crisis_period:{id}"), None, detail)]).await?;
                tx.commit().await?;
                Ok(CrisisPeriod { id, org_id: org, from, to, reason: reason.trim().to_string(), set_at: now, set_by: actor.to_string() })
            }

            async fn crisis_periods(&self, org: OrgId) -> Result<Vec<CrisisPeriod>> {
                let rows: Vec<crate::disposal_rows::CrisisRow> =
                    sqlx::query_as("SELECT * FROM crisis_periods WHERE org_id = $1 ORDER BY starts_at, id")
                        .bind(org.0)
                        .fetch_all(&self.pool)
                        .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn override_disposal_protection(&self, org: OrgId, record: RecordId, reason: &str, actor: &str) -> Result<()> {
                insyn_domain::disposal::check_reason(reason)?;
                let mut tx = self.begin_write().await?;
                record_in(&mut tx, org, record).await?;
                let now = to_stored_precision(Utc::now());
                sqlx::query(
                    "INSERT INTO disposal_overrides (record_id, org_id, reason, decided_at, decided_by) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (record_id) DO UPDATE SET reason = excluded.reason, decided_at = excluded.decided_at, decided_by = excluded.decided_by",
                )
                .bind(record.0)
                .bind(org.0)
                .bind(reason.trim())
                .bind(now)
                .bind(actor)
                .execute(&mut *tx)
                .await?;
                let detail = serde_json::json!({"reason": reason.trim()});
                audit(&mut tx, org, vec![entry(org, actor, AuditAction::DisposalProtectionOverridden, format!("record:{record}"), None, detail)]).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn disposal_facts(&self, org: OrgId, after: RecordId, limit: i64) -> Result<Vec<DisposalFacts>> {
                let rows: Vec<crate::disposal_rows::FactsRow> = sqlx::query_as(
                    "SELECT r.id, r.account_id, r.platform_item_id, r.kind, r.direction, r.thread_platform_id, r.available_at, \
                     EXISTS (SELECT 1 FROM deliveries d WHERE d.org_id = r.org_id \
                        AND (d.account_id IS NULL OR d.account_id = r.account_id) \
                        AND (d.period_from IS NULL OR d.period_from <= r.available_at) AND r.available_at < d.period_to \
                        AND d.delivered_at >= (SELECT MAX(v.captured_at) FROM record_versions v WHERE v.record_id = r.id)) AS archived, \
                     EXISTS (SELECT 1 FROM crisis_periods c WHERE c.org_id = r.org_id \
                        AND c.starts_at <= r.available_at AND r.available_at < c.ends_at) AS crisis, \
                     (a.status = 'closed' AND r.available_at = (SELECT MAX(r2.available_at) FROM records r2 WHERE r2.account_id = r.account_id)) AS last_of_closed, \
                     EXISTS (SELECT 1 FROM disposal_overrides o WHERE o.record_id = r.id) AS overridden \
                     FROM records r JOIN accounts a ON a.id = r.account_id \
                     WHERE r.org_id = $1 AND r.id > $2 AND r.disposed_at IS NULL ORDER BY r.id LIMIT $3",
                )
                .bind(org.0)
                .bind(after.0)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(|r| r.into_domain()).collect()
            }

            async fn dispose(&self, org: OrgId, orders: &[DisposalOrder], actor: &str) -> Result<DisposalOutcome> {
                use std::collections::{BTreeMap, BTreeSet};
                if orders.is_empty() {
                    return Ok(DisposalOutcome::default());
                }
                if orders.len() > CHUNK {
                    return Err(StoreError::Unsupported(format!("at most {CHUNK} records per disposal call")));
                }
                let mut seen = BTreeSet::new();
                for o in orders {
                    if o.rule.org_id != org {
                        return Err(StoreError::not_found(format!("disposal rule {}", o.rule.id)));
                    }
                    if !seen.insert(o.record_id.0) {
                        return Err(DomainError::invalid("record", format!("record {} is named twice", o.record_id)).into());
                    }
                }
                let mut tx = self.begin_write().await?;
                let now = to_stored_precision(Utc::now());
                let ids: Vec<i64> = orders.iter().map(|o| o.record_id.0).collect();
                let id_list = ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", ");

                // 1. the records and their versions
                type Rec = (i64, String, String, String, DateTime<Utc>, Option<DateTime<Utc>>);
                let mut items = Vec::with_capacity(orders.len());
                let mut event_blobs = BTreeSet::new();
                for o in orders {
                    let rec: Option<Rec> = sqlx::query_as(
                        "SELECT account_id, platform_item_id, kind, direction, available_at, disposed_at FROM records WHERE id = $1 AND org_id = $2",
                    )
                    .bind(o.record_id.0)
                    .bind(org.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let rec = rec.ok_or_else(|| StoreError::not_found(format!("record {}", o.record_id)))?;
                    if rec.5.is_some() {
                        return Err(StoreError::Conflict(format!(
                            "handling {} är redan gallrad / record {} was disposed of already",
                            o.record_id, o.record_id
                        )));
                    }
                    let versions: Vec<VersionRow> =
                        sqlx::query_as("SELECT * FROM record_versions WHERE record_id = $1 ORDER BY number")
                            .bind(o.record_id.0)
                            .fetch_all(&mut *tx)
                            .await?;
                    let mut disposed = Vec::with_capacity(versions.len());
                    let mut blobs = BTreeSet::new();
                    for v in &versions {
                        let d = v.to_domain()?;
                        for b in crate::disposal_rows::version_blobs(v.raw_blob.as_deref(), &v.media)? {
                            blobs.insert(b);
                        }
                        disposed.push(DisposedVersion {
                            number: d.number,
                            content_digest: d.content_digest,
                            raw_blob: d.raw_blob,
                            media: d.media,
                            captured_at: d.captured_at,
                        });
                    }
                    // evidence copies and police reports hold the record's content too
                    let details: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                        "SELECT detail FROM record_events WHERE record_id = $1 AND kind IN {}",
                        crate::disposal_rows::CONTENT_EVENT_KINDS
                    )))
                    .bind(o.record_id.0)
                    .fetch_all(&mut *tx)
                    .await?;
                    for d in &details {
                        for b in crate::disposal_rows::event_content_blobs(d) {
                            blobs.insert(b);
                            event_blobs.insert(b);
                        }
                    }
                    items.push((o, rec, disposed, blobs));
                }

                // 2. which blobs a record outside this batch still refers to (reference counting
                // over what remains: disposed records refer to nothing)
                let mut kept_blobs = BTreeSet::new();
                let candidates: BTreeSet<Sha256Digest> = items.iter().flat_map(|i| i.3.iter().copied()).collect();
                for c in &candidates {
                    let hex = c.to_hex();
                    let raw: Option<i32> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                        "SELECT 1 FROM record_versions WHERE raw_blob = $1 AND record_id NOT IN ({id_list}) LIMIT 1"
                    )))
                    .bind(&hex)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let used = if raw.is_some() {
                        true
                    } else {
                        let media: Option<i32> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                            "SELECT 1 FROM record_versions WHERE media <> '[]' AND media LIKE $1 AND record_id NOT IN ({id_list}) LIMIT 1"
                        )))
                        .bind(format!("%{hex}%"))
                        .fetch_optional(&mut *tx)
                        .await?;
                        media.is_some()
                    };
                    // a blob another record's evidence or report names stays (rare: such
                    // blobs are made per record, so only they pay this scan)
                    let used = used || (event_blobs.contains(c) && {
                        let named: Option<i32> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                            "SELECT 1 FROM record_events WHERE kind IN {} AND record_id NOT IN ({id_list}) AND detail LIKE $1 LIMIT 1",
                            crate::disposal_rows::CONTENT_EVENT_KINDS
                        )))
                        .bind(format!("%{hex}%"))
                        .fetch_optional(&mut *tx)
                        .await?;
                        named.is_some()
                    });
                    if used {
                        kept_blobs.insert(*c);
                    }
                }

                // 3. audit entries, one per record
                let mut news = Vec::with_capacity(items.len());
                for (o, _, versions, blobs) in &items {
                    let removed: Vec<&Sha256Digest> = blobs.iter().filter(|b| !kept_blobs.contains(b)).collect();
                    let kept: Vec<&Sha256Digest> = blobs.iter().filter(|b| kept_blobs.contains(b)).collect();
                    let detail = serde_json::json!({
                        "rule": o.rule.id,
                        "decision": o.rule.rule.decision,
                        "versions": versions.iter().map(|v| serde_json::json!({"number": v.number, "content_digest": v.content_digest})).collect::<Vec<_>>(),
                        "blobs_removed": removed,
                        "blobs_kept": kept,
                    });
                    news.push(entry(org, actor, AuditAction::RecordDisposed, format!("record:{}", o.record_id), None, detail));
                }
                let sealed = audit(&mut tx, org, news).await?;

                // 4. protocol entries, then the content goes (the trigger lets it only now)
                let mut entries = Vec::with_capacity(items.len());
                let mut blob_protocol: BTreeMap<Sha256Digest, i64> = BTreeMap::new();
                let mut events = Vec::with_capacity(items.len());
                for ((o, rec, versions, blobs), sealed) in items.into_iter().zip(&sealed) {
                    let removed: Vec<Sha256Digest> = blobs.iter().filter(|b| !kept_blobs.contains(b)).copied().collect();
                    let kept: Vec<Sha256Digest> = blobs.iter().filter(|b| kept_blobs.contains(b)).copied().collect();
                    let d = &o.rule.rule.decision;
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO disposal_protocol (org_id, record_id, account_id, platform_item_id, kind, direction, available_at, \
                         versions, blobs_removed, blobs_kept, rule_id, decision_reference, decided_on, decision_body, disposed_at, disposed_by, audit_seq) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id",
                    )
                    .bind(org.0)
                    .bind(o.record_id.0)
                    .bind(rec.0)
                    .bind(&rec.1)
                    .bind(&rec.2)
                    .bind(&rec.3)
                    .bind(rec.4)
                    .bind(crate::common::to_json(&versions))
                    .bind(crate::common::to_json(&removed))
                    .bind(crate::common::to_json(&kept))
                    .bind(o.rule.id)
                    .bind(&d.reference)
                    .bind(d.decided_on)
                    .bind(&d.body)
                    .bind(now)
                    .bind(actor)
                    .bind(sealed.seq)
                    .fetch_one(&mut *tx)
                    .await?;
                    sqlx::query("UPDATE record_versions SET text = '', author_name = '', media = '[]', raw_blob = NULL WHERE record_id = $1")
                        .bind(o.record_id.0)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("UPDATE records SET disposed_at = $1, author_platform_id = '' WHERE id = $2")
                        .bind(now)
                        .bind(o.record_id.0)
                        .execute(&mut *tx)
                        .await?;
                    for b in &removed {
                        blob_protocol.entry(*b).or_insert(id);
                    }
                    events.push((
                        o.record_id.0,
                        RecordEventKind::Disposed.as_str(),
                        now,
                        serde_json::json!({"rule": o.rule.id, "decision": d.reference, "protocol": id}).to_string(),
                    ));
                    entries.push(ProtocolEntry {
                        id,
                        org_id: org,
                        record_id: o.record_id,
                        account_id: AccountId(rec.0),
                        platform_item_id: rec.1,
                        kind: rec.2.parse()?,
                        direction: rec.3.parse()?,
                        available_at: rec.4,
                        versions,
                        blobs_removed: removed,
                        blobs_kept: kept,
                        rule_id: o.rule.id,
                        decision: d.clone(),
                        disposed_at: now,
                        disposed_by: actor.to_string(),
                        audit_seq: sealed.seq,
                    });
                }
                insert_events(&mut tx, &events, actor).await?;
                enqueue_search(&mut tx, &ids).await?;

                // 5. blobs no remaining record refers to leave the catalogue, noted as disposed
                for (b, protocol) in &blob_protocol {
                    let hex = b.to_hex();
                    let meta: Option<(i64, String)> = sqlx::query_as("SELECT size, media_type FROM blobs WHERE sha256 = $1")
                        .bind(&hex)
                        .fetch_optional(&mut *tx)
                        .await?;
                    let (size, media_type) = meta.unwrap_or((0, "application/octet-stream".into()));
                    sqlx::query(
                        "INSERT INTO disposed_blobs (sha256, size, media_type, disposed_at, protocol_id) VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT (sha256) DO NOTHING",
                    )
                    .bind(&hex)
                    .bind(size)
                    .bind(media_type)
                    .bind(now)
                    .bind(*protocol)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query("DELETE FROM blobs WHERE sha256 = $1").bind(&hex).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(DisposalOutcome { entries, blobs_to_remove: blob_protocol.into_keys().collect() })
            }

            async fn disposal_protocol(&self, org: OrgId, after: i64, limit: i64) -> Result<Vec<ProtocolEntry>> {
                let rows: Vec<crate::disposal_rows::ProtocolRow> =
                    sqlx::query_as("SELECT * FROM disposal_protocol WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT $3")
                        .bind(org.0)
                        .bind(after)
                        .bind(limit)
                        .fetch_all(&self.pool)
                        .await?;
                rows.into_iter().map(|r| r.into_domain()).collect()
            }

            async fn disposed_blobs(&self, after: Option<Sha256Digest>, limit: i64) -> Result<Vec<Sha256Digest>> {
                let rows: Vec<String> = sqlx::query_scalar("SELECT sha256 FROM disposed_blobs WHERE sha256 > $1 ORDER BY sha256 LIMIT $2")
                    .bind(after.map(|d| d.to_hex()).unwrap_or_default())
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(|s| digest(s)).collect()
            }

            // --- deliveries (issue 7, R8.1, R8.3) ---

            async fn set_delivery_schedule(&self, org: OrgId, schedule: &DeliverySchedule, actor: &str) -> Result<()> {
                // re-validated: the type may have been built by hand
                DeliverySchedule::new(schedule.interval_months, schedule.starts_on)?;
                let mut tx = self.begin_write().await?;
                let now = to_stored_precision(Utc::now());
                sqlx::query(
                    "INSERT INTO delivery_schedules (org_id, interval_months, starts_on, changed_at, changed_by) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (org_id) DO UPDATE SET interval_months = excluded.interval_months, starts_on = excluded.starts_on, \
                     changed_at = excluded.changed_at, changed_by = excluded.changed_by",
                )
                .bind(org.0)
                .bind(i64::from(schedule.interval_months))
                .bind(schedule.starts_on)
                .bind(now)
                .bind(actor)
                .execute(&mut *tx)
                .await?;
                let detail = serde_json::to_value(schedule).unwrap_or_default();
                audit(&mut tx, org, vec![entry(org, actor, AuditAction::DeliveryScheduleSet, format!("organisation:{org}"), None, detail)]).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn delivery_schedule(&self, org: OrgId) -> Result<Option<DeliverySchedule>> {
                let row: Option<crate::disposal_rows::ScheduleRow> =
                    sqlx::query_as("SELECT interval_months, starts_on FROM delivery_schedules WHERE org_id = $1")
                        .bind(org.0)
                        .fetch_optional(&self.pool)
                        .await?;
                row.map(|r| r.to_domain()).transpose()
            }

            async fn log_delivery(&self, org: OrgId, new: &NewDelivery, actor: &str) -> Result<Delivery> {
                let mut tx = self.begin_write().await?;
                if let Some(a) = new.account_id {
                    account_in(&mut tx, org, a).await?;
                }
                let period_from = new.period_from.map(to_stored_precision);
                let period_to = to_stored_precision(new.period_to);
                let first: Option<(i64, String)> = sqlx::query_as(
                    "SELECT id, records_sha256 FROM deliveries WHERE org_id = $1 AND redelivery_of IS NULL AND period_to = $2 \
                     AND ((period_from IS NULL AND $3 IS NULL) OR period_from = $3) \
                     AND ((account_id IS NULL AND $4 IS NULL) OR account_id = $4) \
                     AND (format = $5) = ($6 = $5) ORDER BY id LIMIT 1",
                )
                .bind(org.0)
                .bind(period_to)
                .bind(period_from)
                .bind(new.account_id.map(|a| a.0))
                // a snapshot re-delivers a snapshot; a package (folder or zip) a package
                .bind(crate::types::SNAPSHOT_FORMAT)
                .bind(&new.format)
                .fetch_optional(&mut *tx)
                .await?;
                let redelivery_of = first.as_ref().map(|f| f.0);
                let same_content = first.as_ref().map(|f| f.1 == new.records_sha256);
                let mut detail = new.detail.clone();
                if let serde_json::Value::Object(m) = &mut detail {
                    m.insert("redelivery_of".into(), serde_json::json!(redelivery_of));
                    m.insert("same_content".into(), serde_json::json!(same_content));
                }
                let sealed = audit(&mut tx, org, vec![entry(org, actor, AuditAction::PackageExported, format!("package:{}", new.objid), Some(new.mets_sha256), detail)]).await?;
                let seq = sealed.last().map(|e| e.seq).unwrap_or_default();
                let now = to_stored_precision(Utc::now());
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO deliveries (org_id, period_from, period_to, account_id, objid, destination, format, records, files, bytes, \
                     mets_sha256, records_sha256, validation, delivered_at, delivered_by, redelivery_of, same_content, audit_seq) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id",
                )
                .bind(org.0)
                .bind(period_from)
                .bind(period_to)
                .bind(new.account_id.map(|a| a.0))
                .bind(&new.objid)
                .bind(&new.destination)
                .bind(&new.format)
                .bind(new.records)
                .bind(new.files)
                .bind(new.bytes)
                .bind(new.mets_sha256.to_hex())
                .bind(&new.records_sha256)
                .bind(&new.validation)
                .bind(now)
                .bind(actor)
                .bind(redelivery_of)
                .bind(same_content)
                .bind(seq)
                .fetch_one(&mut *tx)
                .await?;
                let row: crate::disposal_rows::DeliveryRow = sqlx::query_as("SELECT * FROM deliveries WHERE id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(row.into())
            }

            async fn deliveries(&self, org: OrgId) -> Result<Vec<Delivery>> {
                let rows: Vec<crate::disposal_rows::DeliveryRow> =
                    sqlx::query_as("SELECT * FROM deliveries WHERE org_id = $1 ORDER BY id")
                        .bind(org.0)
                        .fetch_all(&self.pool)
                        .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            // --- the diary (issue 5 item 5, R6) ---

            async fn diary_settings(&self, org: OrgId) -> Result<DiarySettings> {
                let prefix: Option<(String,)> = sqlx::query_as("SELECT diary_prefix FROM organisations WHERE id = $1")
                    .bind(org.0)
                    .fetch_optional(&self.pool)
                    .await?;
                let prefix = prefix.ok_or_else(|| StoreError::not_found(format!("organisation {org}")))?.0;
                let format: Option<(String,)> = sqlx::query_as("SELECT number_format FROM diary_settings WHERE org_id = $1")
                    .bind(org.0)
                    .fetch_optional(&self.pool)
                    .await?;
                let format = match format {
                    Some((f,)) => NumberFormat::parse(&f).map_err(|e| StoreError::Corrupt(format!("diary number format: {e}")))?,
                    None => NumberFormat::default(),
                };
                let rows: Vec<(String, String)> = sqlx::query_as("SELECT code, name FROM diary_registers WHERE org_id = $1 AND closed_at IS NULL ORDER BY code")
                    .bind(org.0)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(DiarySettings {
                    format,
                    default_register: insyn_domain::diary::normalise_register(&prefix).unwrap_or(prefix),
                    registers: rows.into_iter().map(|(code, name)| Register { org_id: org, code, name }).collect(),
                })
            }

            async fn set_diary_format(&self, org: OrgId, format: &NumberFormat, actor: &str) -> Result<()> {
                let mut tx = self.begin_write().await?;
                let now = to_stored_precision(Utc::now());
                sqlx::query(
                    "INSERT INTO diary_settings (org_id, number_format, changed_at, changed_by) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (org_id) DO UPDATE SET number_format = excluded.number_format, changed_at = excluded.changed_at, \
                     changed_by = excluded.changed_by",
                )
                .bind(org.0)
                .bind(format.template())
                .bind(now)
                .bind(actor)
                .execute(&mut *tx)
                .await?;
                let detail = serde_json::json!({ "number_format": format.template() });
                audit(&mut tx, org, vec![entry(org, actor, AuditAction::DiarySettingsChanged, format!("organisation:{org}"), None, detail)]).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn add_diary_register(&self, org: OrgId, code: &str, name: &str, actor: &str) -> Result<Register> {
                let code = insyn_domain::diary::normalise_register(code)?;
                let name = name.trim().to_string();
                if name.is_empty() || name.chars().count() > 120 {
                    return Err(DomainError::invalid("name", "a register needs a name of 1 to 120 characters").into());
                }
                let settings = self.diary_settings(org).await?;
                if settings.has_register(&code) {
                    return Err(StoreError::Conflict(format!("the register {code} already exists / diarieserien {code} finns redan")));
                }
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO diary_registers (org_id, code, name, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(org.0)
                    .bind(&code)
                    .bind(&name)
                    .bind(to_stored_precision(Utc::now()))
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| match StoreError::from(e) {
                        StoreError::Conflict(_) => StoreError::Conflict(format!("the register {code} already exists / diarieserien {code} finns redan")),
                        other => other,
                    })?;
                let detail = serde_json::json!({ "register": code, "name": name });
                audit(&mut tx, org, vec![entry(org, actor, AuditAction::DiarySettingsChanged, format!("organisation:{org}"), None, detail)]).await?;
                tx.commit().await?;
                Ok(Register { org_id: org, code, name })
            }

            async fn register_record(&self, org: OrgId, registration: &NewRegistration, actor: &str) -> Result<(DiaryCase, DiaryDocument)> {
                let reg = registration.normalised()?;
                let settings = self.diary_settings(org).await?;
                let mut tx = self.begin_write().await?;
                let record = record_in(&mut tx, org, reg.record_id).await?;
                let already: Option<(String,)> = sqlx::query_as("SELECT number FROM diary_documents WHERE record_id = $1")
                    .bind(record.id.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                if let Some((n,)) = already {
                    return Err(StoreError::Conflict(format!(
                        "record {} is already registered as {n} / handlingen är redan registrerad som {n}",
                        record.id
                    )));
                }
                let now = to_stored_precision(Utc::now());
                let mut audits = Vec::new();
                let case_id = match &reg.target {
                    RegistrationTarget::NewCase(c) => {
                        let (register, year, seq, manual) = match &c.manual_number {
                            Some(manual) => {
                                let n = settings.format.read(manual)?;
                                if n.document.is_some() {
                                    return Err(DomainError::invalid("manual_number", format!("'{manual}' names a document; a case number has no document number")).into());
                                }
                                if c.register.as_ref().is_some_and(|r| *r != n.register) {
                                    return Err(DomainError::invalid("manual_number", format!("'{manual}' is not in the register chosen")).into());
                                }
                                (n.register, n.year, n.seq, true)
                            }
                            None => {
                                let register = c.register.clone().unwrap_or_else(|| settings.default_register.clone());
                                let year = chrono::Datelike::year(&insyn_domain::request::stockholm_date(now));
                                (register, year, 0, false)
                            }
                        };
                        if !settings.has_register(&register) {
                            return Err(DomainError::invalid("register", format!(
                                "{register} is not a register of the organisation / {register} är ingen diarieserie här"
                            )).into());
                        }
                        let seq = if manual {
                            if case_exists(&mut tx, org, &register, year, seq).await? {
                                let number = settings.format.render(&register, year, seq);
                                return Err(StoreError::Conflict(format!("{number} already exists / {number} finns redan")));
                            }
                            seq
                        } else {
                            // the counter row is locked until commit: numbers are handed out one at a time
                            loop {
                                let (n,): (i64,) = sqlx::query_as(
                                    "INSERT INTO diary_counters (org_id, register, year, last) VALUES ($1, $2, $3, 1) \
                                     ON CONFLICT (org_id, register, year) DO UPDATE SET last = diary_counters.last + 1 RETURNING last",
                                )
                                .bind(org.0)
                                .bind(&register)
                                .bind(year)
                                .fetch_one(&mut *tx)
                                .await?;
                                // a number typed by hand earlier is skipped, never given twice
                                if !case_exists(&mut tx, org, &register, year, n).await? {
                                    break n;
                                }
                            }
                        };
                        if let Some(unit) = c.unit_id {
                            let found: Option<(i64,)> = sqlx::query_as("SELECT id FROM units WHERE id = $1 AND org_id = $2")
                                .bind(unit.0)
                                .bind(org.0)
                                .fetch_optional(&mut *tx)
                                .await?;
                            if found.is_none() {
                                return Err(StoreError::not_found(format!("unit {unit}")));
                            }
                        }
                        let number = settings.format.render(&register, year, seq);
                        let (id,): (i64,) = sqlx::query_as(
                            "INSERT INTO diary_cases (org_id, number, register, year, seq, title, title_search, unit_id, registrar, \
                             opened_at, status, documents) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0) RETURNING id",
                        )
                        .bind(org.0)
                        .bind(&number)
                        .bind(&register)
                        .bind(year)
                        .bind(seq)
                        .bind(&c.title)
                        .bind(c.title.to_lowercase())
                        .bind(c.unit_id.map(|u| u.0))
                        .bind(actor)
                        .bind(now)
                        .bind(CaseStatus::Open.as_str())
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(|e| match StoreError::from(e) {
                            StoreError::Conflict(_) => StoreError::Conflict(format!("{number} already exists / {number} finns redan")),
                            other => other,
                        })?;
                        let detail = serde_json::json!({ "number": number, "title": c.title, "unit": c.unit_id.map(|u| u.0), "manual": manual });
                        audits.push(entry(org, actor, AuditAction::DiaryCaseOpened, format!("case:{id}"), None, detail));
                        id
                    }
                    RegistrationTarget::ExistingCase(id) => {
                        let case = case_in(&mut tx, org, *id).await?;
                        if case.status == CaseStatus::Closed {
                            return Err(StoreError::Conflict(format!(
                                "{} is closed; open it again to add documents / ärendet är avslutat",
                                case.number
                            )));
                        }
                        id.0
                    }
                };
                let (doc_no,): (i32,) = sqlx::query_as("UPDATE diary_cases SET documents = documents + 1 WHERE id = $1 AND org_id = $2 RETURNING documents")
                    .bind(case_id)
                    .bind(org.0)
                    .fetch_one(&mut *tx)
                    .await?;
                let case = case_in(&mut tx, org, CaseId(case_id)).await?;
                let doc_no = u32::try_from(doc_no).map_err(|e| StoreError::Corrupt(format!("document number: {e}")))?;
                let number = insyn_domain::diary::document_number(&case.number, doc_no);
                let description = if reg.description.is_empty() { case.title.clone() } else { reg.description.clone() };
                let document_date = insyn_domain::request::stockholm_date(record.available_at);
                sqlx::query(
                    "INSERT INTO diary_documents (org_id, case_id, doc_no, number, record_id, direction, document_date, description, \
                     counterpart, registered_at, registered_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(org.0)
                .bind(case_id)
                .bind(i32::try_from(doc_no).unwrap_or(i32::MAX))
                .bind(&number)
                .bind(record.id.0)
                .bind(record.direction.as_str())
                .bind(document_date.to_string())
                .bind(&description)
                .bind(&reg.counterpart)
                .bind(now)
                .bind(actor)
                .execute(&mut *tx)
                .await?;
                let detail = serde_json::json!({ "case": case_id, "number": number, "document": doc_no });
                insert_events(&mut tx, &[(record.id.0, RecordEventKind::Registered.as_str(), now, detail.to_string())], actor).await?;
                audits.push(entry(org, actor, AuditAction::DiaryDocumentRegistered, format!("record:{}", record.id), None, detail));
                audit(&mut tx, org, audits).await?;
                tx.commit().await?;
                let document = DiaryDocument {
                    case_id: case.id,
                    org_id: org,
                    document: doc_no,
                    number,
                    record_id: record.id,
                    direction: record.direction,
                    document_date,
                    description,
                    counterpart: reg.counterpart.clone(),
                    registered_at: now,
                    registered_by: actor.to_string(),
                };
                Ok((case, document))
            }

            async fn get_case(&self, org: OrgId, id: CaseId) -> Result<DiaryCase> {
                let sql = format!("SELECT {} FROM diary_cases WHERE org_id = $1 AND id = $2", crate::diary::CASE_COLUMNS);
                let row: Option<crate::diary::CaseRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(org.0)
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await?;
                row.ok_or_else(|| StoreError::not_found(format!("case {id}")))?.try_into()
            }

            async fn case_by_number(&self, org: OrgId, register: &str, year: i32, seq: i64) -> Result<DiaryCase> {
                let sql = format!(
                    "SELECT {} FROM diary_cases WHERE org_id = $1 AND register = $2 AND year = $3 AND seq = $4",
                    crate::diary::CASE_COLUMNS
                );
                let row: Option<crate::diary::CaseRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(org.0)
                    .bind(register)
                    .bind(year)
                    .bind(seq)
                    .fetch_optional(&self.pool)
                    .await?;
                row.ok_or_else(|| StoreError::not_found(format!("case {register} {year}/{seq}")))?.try_into()
            }

            async fn list_cases(&self, org: OrgId, f: &CaseFilter) -> Result<Vec<DiaryCase>> {
                let mut qb: QueryBuilder<$db> = QueryBuilder::new(format!("SELECT {} FROM diary_cases WHERE org_id = ", crate::diary::CASE_COLUMNS));
                qb.push_bind(org.0);
                if let Some(year) = f.year {
                    qb.push(" AND year = ").push_bind(year);
                }
                if let Some(register) = &f.register {
                    qb.push(" AND register = ").push_bind(register.clone());
                }
                if let Some(title) = f.title.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                    let escaped = title.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
                    qb.push(" AND title_search LIKE ").push_bind(format!("%{escaped}%")).push(" ESCAPE '\\'");
                }
                qb.push(" ORDER BY year DESC, register, seq DESC LIMIT ").push_bind(if f.limit > 0 { f.limit.min(5_000) } else { 500 });
                let rows: Vec<crate::diary::CaseRow> = qb.build_query_as().fetch_all(&self.pool).await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn case_documents(&self, org: OrgId, id: CaseId) -> Result<Vec<DiaryDocument>> {
                let sql = format!("SELECT {} FROM diary_documents WHERE org_id = $1 AND case_id = $2 ORDER BY doc_no", crate::diary::DOCUMENT_COLUMNS);
                let rows: Vec<crate::diary::DocumentRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(org.0)
                    .bind(id.0)
                    .fetch_all(&self.pool)
                    .await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn record_registrations(&self, org: OrgId, ids: &[RecordId]) -> Result<Vec<DiaryDocument>> {
                let mut out = Vec::new();
                for chunk in ids.chunks(CHUNK) {
                    let mut qb: QueryBuilder<$db> = QueryBuilder::new(format!(
                        "SELECT {} FROM diary_documents WHERE org_id = ",
                        crate::diary::DOCUMENT_COLUMNS
                    ));
                    qb.push_bind(org.0).push(" AND record_id IN (");
                    let mut sep = qb.separated(", ");
                    for id in chunk {
                        sep.push_bind(id.0);
                    }
                    qb.push(")");
                    let rows: Vec<crate::diary::DocumentRow> = qb.build_query_as().fetch_all(&self.pool).await?;
                    for r in rows {
                        out.push(r.try_into()?);
                    }
                }
                Ok(out)
            }

            async fn set_case_status(&self, org: OrgId, id: CaseId, status: CaseStatus, actor: &str) -> Result<DiaryCase> {
                let mut tx = self.begin_write().await?;
                let before = case_in(&mut tx, org, id).await?;
                sqlx::query("UPDATE diary_cases SET status = $1 WHERE id = $2 AND org_id = $3")
                    .bind(status.as_str())
                    .bind(id.0)
                    .bind(org.0)
                    .execute(&mut *tx)
                    .await?;
                let detail = serde_json::json!({ "number": before.number, "from": before.status.as_str(), "to": status.as_str() });
                audit(&mut tx, org, vec![entry(org, actor, AuditAction::DiaryCaseStatusChanged, format!("case:{id}"), None, detail)]).await?;
                let after = case_in(&mut tx, org, id).await?;
                tx.commit().await?;
                Ok(after)
            }

            // --- the e-mail outbox ---

            async fn queue_mail(&self, org: OrgId, mail: &NewMail, actor: &str) -> Result<MailMessage> {
                let mail = mail.normalised()?;
                let mut tx = self.begin_write().await?;
                let now = to_stored_precision(Utc::now());
                let id = insert_mail(&mut tx, org, &mail, now, None).await?;
                let detail = serde_json::json!({
                    "purpose": mail.purpose.as_str(),
                    "about": mail.subject_ref,
                    "attachments": mail.attachments.iter().map(|a| a.filename.clone()).collect::<Vec<_>>(),
                });
                audit(&mut tx, org, vec![entry(org, actor, AuditAction::MailQueued, format!("mail:{id}"), None, detail)]).await?;
                tx.commit().await?;
                let mut found = load_mail(&self.pool, &[id], true).await?;
                found.pop().ok_or_else(|| StoreError::not_found(format!("mail {id}")))
            }

            async fn claim_due_mail(&self, now: DateTime<Utc>, lease_until: DateTime<Utc>, limit: i64) -> Result<Vec<MailMessage>> {
                let now = to_stored_precision(now);
                let candidates: Vec<(i64,)> = sqlx::query_as(
                    "SELECT id FROM mail_outbox WHERE state = 'queued' AND next_attempt_at <= $1 \
                     AND (locked_until IS NULL OR locked_until < $1) ORDER BY next_attempt_at, id LIMIT $2",
                )
                .bind(now)
                .bind(limit.clamp(1, 1000))
                .fetch_all(&self.pool)
                .await?;
                let mut claimed = Vec::new();
                for (id,) in candidates {
                    // only one sender wins a message: the row is re-checked as it is updated
                    let done = sqlx::query(
                        "UPDATE mail_outbox SET locked_until = $1, attempts = attempts + 1 WHERE id = $2 AND state = 'queued' \
                         AND (locked_until IS NULL OR locked_until < $3)",
                    )
                    .bind(to_stored_precision(lease_until))
                    .bind(id)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    if done.rows_affected() == 1 {
                        claimed.push(id);
                    }
                }
                load_mail(&self.pool, &claimed, true).await
            }

            async fn mail_sent(&self, id: i64, at: DateTime<Utc>) -> Result<()> {
                let mut tx = self.begin_write().await?;
                let at = to_stored_precision(at);
                let row: Option<(i64, Option<i64>, Option<String>, i32)> = sqlx::query_as(
                    "UPDATE mail_outbox SET state = 'sent', sent_at = $1, locked_until = NULL, last_error = NULL \
                     WHERE id = $2 AND state <> 'sent' RETURNING org_id, request_outbox_id, subject_ref, attempts",
                )
                .bind(at)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((org, request_outbox, about, attempts)) = row else {
                    return Err(StoreError::not_found(format!("unsent mail {id}")));
                };
                if let Some(r) = request_outbox {
                    sqlx::query("UPDATE request_outbox SET sent_at = $1 WHERE id = $2")
                        .bind(at)
                        .bind(r)
                        .execute(&mut *tx)
                        .await?;
                }
                let org = OrgId(org);
                let detail = serde_json::json!({ "about": about, "attempts": attempts });
                audit(&mut tx, org, vec![entry(org, "insyn:mail", AuditAction::MailSent, format!("mail:{id}"), None, detail)]).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn mail_attempt_failed(&self, id: i64, error: &str, retry_at: Option<DateTime<Utc>>) -> Result<()> {
                let error: String = error.chars().take(500).collect();
                let mut tx = self.begin_write().await?;
                let row: Option<(i64, Option<String>, i32)> = match retry_at {
                    Some(at) => sqlx::query_as(
                        "UPDATE mail_outbox SET last_error = $1, next_attempt_at = $2, locked_until = NULL \
                         WHERE id = $3 AND state = 'queued' RETURNING org_id, subject_ref, attempts",
                    )
                    .bind(&error)
                    .bind(to_stored_precision(at))
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?,
                    None => sqlx::query_as(
                        "UPDATE mail_outbox SET last_error = $1, state = 'failed', locked_until = NULL \
                         WHERE id = $2 AND state = 'queued' RETURNING org_id, subject_ref, attempts",
                    )
                    .bind(&error)
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?,
                };
                let Some((org, about, attempts)) = row else {
                    return Err(StoreError::not_found(format!("queued mail {id}")));
                };
                if retry_at.is_none() {
                    let org = OrgId(org);
                    let detail = serde_json::json!({ "about": about, "attempts": attempts, "error": error });
                    audit(&mut tx, org, vec![entry(org, "insyn:mail", AuditAction::MailFailed, format!("mail:{id}"), None, detail)]).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn mail_outbox(&self, org: OrgId, f: &MailFilter) -> Result<Vec<MailMessage>> {
                let mut qb: QueryBuilder<$db> = QueryBuilder::new("SELECT id FROM mail_outbox WHERE org_id = ");
                qb.push_bind(org.0);
                if let Some(about) = &f.subject_ref {
                    qb.push(" AND subject_ref = ").push_bind(about.clone());
                }
                if f.unsent_only {
                    qb.push(" AND state <> 'sent'");
                }
                qb.push(" ORDER BY id DESC LIMIT ").push_bind(if f.limit > 0 { f.limit.min(1_000) } else { 100 });
                let ids: Vec<(i64,)> = qb.build_query_as().fetch_all(&self.pool).await?;
                let ids: Vec<i64> = ids.into_iter().map(|r| r.0).collect();
                let mut found = load_mail(&self.pool, &ids, false).await?;
                found.sort_by(|a, b| b.id.cmp(&a.id));
                Ok(found)
            }

            // --- guided actions and automatic hiding (issue 5 item 4, issue 4 item 4) ---

            async fn append_record_event(&self, org: OrgId, id: RecordId, kind: RecordEventKind, detail: &serde_json::Value, action: AuditAction, digest: Option<Sha256Digest>, actor: &str) -> Result<RecordEvent> {
                let mut tx = self.begin_write().await?;
                record_in(&mut tx, org, id).await?;
                let now = to_stored_precision(Utc::now());
                insert_events(&mut tx, &[(id.0, kind.as_str(), now, detail.to_string())], actor).await?;
                audit(&mut tx, org, vec![entry(org, actor, action, format!("record:{id}"), digest, detail.clone())]).await?;
                tx.commit().await?;
                Ok(RecordEvent { record_id: id, kind, at: now, actor: actor.to_string(), detail: detail.clone() })
            }

            async fn set_auto_hide(&self, org: OrgId, account: AccountId, categories: &[String], actor: &str) -> Result<Vec<String>> {
                let mut wanted: Vec<String> = categories.iter().map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect();
                wanted.sort();
                wanted.dedup();
                if let Some(bad) = wanted.iter().find(|c| c.len() > 64 || !c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')) {
                    return Err(DomainError::invalid("category", format!("'{bad}' is not a screening category id")).into());
                }
                let mut tx = self.begin_write().await?;
                account_in(&mut tx, org, account).await?;
                let before: Vec<(String,)> = sqlx::query_as("SELECT category FROM auto_hide WHERE org_id = $1 AND account_id = $2 ORDER BY category")
                    .bind(org.0)
                    .bind(account.0)
                    .fetch_all(&mut *tx)
                    .await?;
                let before: Vec<String> = before.into_iter().map(|r| r.0).collect();
                sqlx::query("DELETE FROM auto_hide WHERE org_id = $1 AND account_id = $2")
                    .bind(org.0)
                    .bind(account.0)
                    .execute(&mut *tx)
                    .await?;
                let now = to_stored_precision(Utc::now());
                for c in &wanted {
                    sqlx::query("INSERT INTO auto_hide (org_id, account_id, category, changed_at, changed_by) VALUES ($1, $2, $3, $4, $5)")
                        .bind(org.0)
                        .bind(account.0)
                        .bind(c)
                        .bind(now)
                        .bind(actor)
                        .execute(&mut *tx)
                        .await?;
                }
                let detail = serde_json::json!({"account": account.0, "from": before, "to": wanted});
                audit(&mut tx, org, vec![entry(org, actor, AuditAction::AutoHideChanged, format!("account:{account}"), None, detail)]).await?;
                tx.commit().await?;
                Ok(wanted)
            }

            async fn auto_hide(&self, org: OrgId, account: AccountId) -> Result<Vec<String>> {
                let rows: Vec<(String,)> = sqlx::query_as("SELECT category FROM auto_hide WHERE org_id = $1 AND account_id = $2 ORDER BY category")
                    .bind(org.0)
                    .bind(account.0)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(|r| r.0).collect())
            }

            async fn auto_hide_all(&self) -> Result<Vec<(OrgId, AccountId, String)>> {
                let rows: Vec<(i64, i64, String)> = sqlx::query_as("SELECT org_id, account_id, category FROM auto_hide ORDER BY org_id, account_id, category")
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(|(o, a, c)| (OrgId(o), AccountId(a), c)).collect())
            }

            async fn record_owners(&self, ids: &[RecordId]) -> Result<Vec<(RecordId, OrgId, AccountId)>> {
                let mut out = Vec::with_capacity(ids.len());
                for chunk in ids.chunks(CHUNK) {
                    let mut qb: QueryBuilder<$db> = QueryBuilder::new("SELECT id, org_id, account_id FROM records WHERE id IN (");
                    let mut sep = qb.separated(", ");
                    for id in chunk {
                        sep.push_bind(id.0);
                    }
                    qb.push(") ORDER BY id");
                    let rows: Vec<(i64, i64, i64)> = qb.build_query_as().fetch_all(&self.pool).await?;
                    out.extend(rows.into_iter().map(|(r, o, a)| (RecordId(r), OrgId(o), AccountId(a))));
                }
                Ok(out)
            }

            // --- the rest of the staff side (issue 5): registers, the registrar's address ---

            async fn diary_registers(&self, org: OrgId) -> Result<Vec<crate::RegisterEntry>> {
                let settings = self.diary_settings(org).await?;
                let rows: Vec<(String, String, DateTime<Utc>, Option<DateTime<Utc>>, Option<String>)> = sqlx::query_as(
                    "SELECT code, name, created_at, closed_at, closed_by FROM diary_registers WHERE org_id = $1 ORDER BY code",
                )
                .bind(org.0)
                .fetch_all(&self.pool)
                .await?;
                let mut out = vec![crate::RegisterEntry {
                    code: settings.default_register.clone(),
                    name: String::new(),
                    default: true,
                    created_at: None,
                    closed_at: None,
                    closed_by: None,
                }];
                out.extend(rows.into_iter().filter(|r| r.0 != settings.default_register).map(
                    |(code, name, created_at, closed_at, closed_by)| crate::RegisterEntry {
                        code,
                        name,
                        default: false,
                        created_at: Some(created_at),
                        closed_at,
                        closed_by,
                    },
                ));
                Ok(out)
            }

            async fn close_diary_register(&self, org: OrgId, code: &str, actor: &str) -> Result<crate::RegisterEntry> {
                let code = insyn_domain::diary::normalise_register(code)?;
                let settings = self.diary_settings(org).await?;
                if code == settings.default_register {
                    return Err(StoreError::Conflict(format!(
                        "{code} is the organisation's default register and cannot be closed / {code} är organisationens huvudserie och kan inte avslutas"
                    )));
                }
                let mut tx = self.begin_write().await?;
                let now = to_stored_precision(Utc::now());
                let found: Option<(Option<DateTime<Utc>>,)> =
                    sqlx::query_as("SELECT closed_at FROM diary_registers WHERE org_id = $1 AND code = $2")
                        .bind(org.0)
                        .bind(&code)
                        .fetch_optional(&mut *tx)
                        .await?;
                match found {
                    None => return Err(StoreError::not_found(format!("register {code} / diarieserien {code}"))),
                    Some((Some(_),)) => {
                        return Err(StoreError::Conflict(format!("the register {code} is already closed / diarieserien {code} är redan avslutad")))
                    }
                    Some((None,)) => {}
                }
                sqlx::query("UPDATE diary_registers SET closed_at = $1, closed_by = $2 WHERE org_id = $3 AND code = $4")
                    .bind(now)
                    .bind(actor)
                    .bind(org.0)
                    .bind(&code)
                    .execute(&mut *tx)
                    .await?;
                let detail = serde_json::json!({ "register": code, "closed": true });
                audit(&mut tx, org, vec![entry(org, actor, AuditAction::DiarySettingsChanged, format!("organisation:{org}"), None, detail)]).await?;
                tx.commit().await?;
                self.diary_registers(org)
                    .await?
                    .into_iter()
                    .find(|r| r.code == code)
                    .ok_or_else(|| StoreError::not_found(format!("register {code}")))
            }

            async fn registrar_email(&self, org: OrgId) -> Result<Option<String>> {
                let row: Option<(String,)> = sqlx::query_as("SELECT email FROM diary_registrar WHERE org_id = $1")
                    .bind(org.0)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(|r| r.0))
            }

            async fn set_registrar_email(&self, org: OrgId, email: Option<&str>, actor: &str) -> Result<()> {
                let email = match email.map(str::trim).filter(|e| !e.is_empty()) {
                    None => None,
                    Some(e) => {
                        let plain = !e.contains(['<', '>', ',', ';', '"', '(', ')', '[', ']', ':', '\\']);
                        Some(insyn_domain::staff::normalise_email(e).ok().filter(|_| plain).ok_or_else(|| {
                            DomainError::invalid("email", format!("'{}' is not an e-mail address / inte en e-postadress", e.chars().take(80).collect::<String>()))
                        })?)
                    }
                };
                let mut tx = self.begin_write().await?;
                match &email {
                    Some(e) => {
                        sqlx::query(
                            "INSERT INTO diary_registrar (org_id, email, changed_at, changed_by) VALUES ($1, $2, $3, $4) \
                             ON CONFLICT (org_id) DO UPDATE SET email = excluded.email, changed_at = excluded.changed_at, changed_by = excluded.changed_by",
                        )
                        .bind(org.0)
                        .bind(e)
                        .bind(to_stored_precision(Utc::now()))
                        .bind(actor)
                        .execute(&mut *tx)
                        .await?;
                    }
                    None => {
                        sqlx::query("DELETE FROM diary_registrar WHERE org_id = $1").bind(org.0).execute(&mut *tx).await?;
                    }
                }
                let detail = serde_json::json!({ "registrar_email": email });
                audit(&mut tx, org, vec![entry(org, actor, AuditAction::DiarySettingsChanged, format!("organisation:{org}"), None, detail)]).await?;
                tx.commit().await?;
                Ok(())
            }

async fn inbox_heads(
                &self,
                org: OrgId,
                accounts: &[(AccountId, Option<DateTime<Utc>>)],
                limit: i64,
            ) -> Result<Vec<InboxHead>> {
                if limit <= 0 || accounts.is_empty() {
                    return Ok(Vec::new());
                }
                // one ordered, limited read per account on the records_inbox index (org,
                // direction, account, available_at), joined into one statement; only the
                // columns the ordering needs travel back
                let mut qb: QueryBuilder<$db> = QueryBuilder::new("");
                for (n, (account, before)) in accounts.iter().enumerate() {
                    if n > 0 {
                        qb.push(" UNION ALL ");
                    }
                    qb.push(
                        "SELECT * FROM (SELECT r.id, h.state, h.assignee, h.answer_id, h.changed_at, h.changed_by, \
                         r.account_id, r.available_at \
                         FROM records r LEFT JOIN record_handling h ON h.record_id = r.id WHERE r.org_id = ",
                    );
                    qb.push_bind(org.0)
                        .push(" AND r.direction = 'received' AND r.account_id = ")
                        .push_bind(account.0);
                    if let Some(b) = before {
                        qb.push(" AND r.available_at < ").push_bind(to_stored_precision(*b));
                    }
                    qb.push(" AND (h.state IS NULL OR h.state IN ('new', 'assigned')) ORDER BY r.available_at, r.id LIMIT ")
                        .push_bind(limit)
                        .push(format!(") AS head{n}"));
                }
                type HeadRow = (i64, Option<String>, Option<i64>, Option<i64>, Option<DateTime<Utc>>, Option<String>, i64, DateTime<Utc>);
                let rows: Vec<HeadRow> = qb.build_query_as().fetch_all(&self.pool).await?;
                rows.into_iter()
                    .map(|(id, state, assignee, answer, changed_at, changed_by, account, available_at)| {
                        let handling = handling_from_row(&(id, state, assignee, answer, changed_at, changed_by), available_at)?;
                        Ok(InboxHead { record_id: RecordId(id), account_id: AccountId(account), available_at, handling })
                    })
                    .collect()
            }

            async fn records_findings(&self, org: OrgId, ids: &[RecordId]) -> Result<Vec<Finding>> {
                let mut out = Vec::new();
                for chunk in ids.chunks(CHUNK) {
                    let mut qb: QueryBuilder<$db> = QueryBuilder::new(
                        "SELECT f.record_id, f.version, f.category, f.span_start, f.span_end, f.rule, f.confidence, \
                         f.explanation_sv, f.explanation_en, f.suggested_action, f.found_at \
                         FROM findings f JOIN records r ON r.id = f.record_id WHERE +r.org_id = ",
                    );
                    // `+r.org_id`: SQLite would otherwise walk the organisation's records
                    qb.push_bind(org.0).push(" AND r.id IN (");
                    let mut sep = qb.separated(", ");
                    for id in chunk {
                        sep.push_bind(id.0);
                    }
                    qb.push(") ORDER BY f.record_id, f.version, f.span_start, f.id");
                    let rows: Vec<FindingRow> = qb.build_query_as().fetch_all(&self.pool).await?;
                    for row in rows {
                        out.push(row.try_into()?);
                    }
                }
                Ok(out)
            }

            async fn answer_times(&self, org: OrgId, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<AnswerTime>> {
                type Row = (i64, i64, DateTime<Utc>, Option<String>, Option<DateTime<Utc>>);
                let rows: Vec<Row> = sqlx::query_as(
                    "SELECT r.id, r.account_id, r.available_at, h.state, a.available_at FROM records r \
                     LEFT JOIN record_handling h ON h.record_id = r.id \
                     LEFT JOIN records a ON a.id = h.answer_id \
                     WHERE r.org_id = $1 AND r.direction = 'received' AND r.kind <> 'profile' \
                     AND r.available_at >= $2 AND r.available_at < $3 ORDER BY r.available_at, r.id",
                )
                .bind(org.0)
                .bind(to_stored_precision(from))
                .bind(to_stored_precision(to))
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|(id, account, at, state, answered)| {
                        Ok(AnswerTime {
                            record_id: RecordId(id),
                            account_id: AccountId(account),
                            available_at: at,
                            state: state.as_deref().map(HandlingState::parse).transpose()?,
                            answered_at: answered,
                        })
                    })
                    .collect()
            }

            async fn records_high_water(&self) -> Result<i64> {
                let (max,): (Option<i64>,) = sqlx::query_as("SELECT MAX(id) FROM records").fetch_one(&self.pool).await?;
                Ok(max.unwrap_or(0))
            }

            async fn record_events_high_water(&self) -> Result<i64> {
                let (max,): (Option<i64>,) = sqlx::query_as("SELECT MAX(id) FROM record_events").fetch_one(&self.pool).await?;
                Ok(max.unwrap_or(0))
            }

            async fn release_sweep_mark(&self, org: OrgId) -> Result<Option<(i64, String)>> {
                Ok(sqlx::query_as("SELECT events_high_water, policy FROM release_sweeps WHERE org_id = $1")
                    .bind(org.0)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn set_release_sweep_mark(&self, org: OrgId, events_high_water: i64, policy_json: &str) -> Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO release_sweeps (org_id, events_high_water, policy) VALUES ($1, $2, $3) \
                     ON CONFLICT (org_id) DO UPDATE SET events_high_water = excluded.events_high_water, policy = excluded.policy",
                )
                .bind(org.0)
                .bind(events_high_water)
                .bind(policy_json)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn take_lease(&self, name: &str, holder: &str, now: DateTime<Utc>, until: DateTime<Utc>) -> Result<bool> {
                let mut tx = self.begin_write().await?;
                let taken = sqlx::query(
                    "INSERT INTO work_leases (name, holder, until_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until_at = excluded.until_at \
                     WHERE work_leases.holder = excluded.holder OR work_leases.until_at < $4",
                )
                .bind(name)
                .bind(holder)
                .bind(to_stored_precision(until))
                .bind(to_stored_precision(now))
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    == 1;
                tx.commit().await?;
                Ok(taken)
            }

            async fn release_lease(&self, name: &str, holder: &str) -> Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("DELETE FROM work_leases WHERE name = $1 AND holder = $2")
                    .bind(name)
                    .bind(holder)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn log_access(&self, entries: &[NewAccess]) -> Result<()> {
                let entries: Vec<&NewAccess> = entries.iter().filter(|e| !e.records.is_empty()).collect();
                if entries.is_empty() {
                    return Ok(());
                }
                // only the entries now (one append each); the index by record is built later
                let mut tx = self.begin_access_write().await?;
                for chunk in entries.chunks(CHUNK) {
                    let mut qb: QueryBuilder<$db> = QueryBuilder::new("INSERT INTO access_log (org_id, at, actor, via, detail, records) ");
                    qb.push_values(chunk, |mut b, e| {
                        let ids: Vec<i64> = e.records.iter().map(|r| r.0).collect();
                        b.push_bind(e.org_id.0)
                            .push_bind(to_stored_precision(e.at))
                            .push_bind(e.actor.clone())
                            .push_bind(e.via.as_str())
                            .push_bind(e.detail.clone())
                            .push_bind(crate::common::to_json(&ids));
                    });
                    qb.build().execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn index_access_log(&self, max_entries: i64) -> Result<u64> {
                let mut tx = self.begin_access_write().await?;
                let (from,): (i64,) = sqlx::query_as("SELECT last_id FROM access_log_indexed WHERE id = 1")
                    .fetch_one(&mut *tx)
                    .await?;
                let (to, n): (Option<i64>, i64) = sqlx::query_as(
                    "SELECT MAX(id), COUNT(*) FROM (SELECT id FROM access_log WHERE id > $1 ORDER BY id LIMIT $2) t",
                )
                .bind(from)
                .bind(max_entries.max(1))
                .fetch_one(&mut *tx)
                .await?;
                let Some(to) = to else {
                    return Ok(0);
                };
                let elements = if $backend == "sqlite" {
                    "SELECT a.org_id, CAST(j.value AS INTEGER), a.id FROM access_log a, json_each(a.records) j"
                } else {
                    "SELECT a.org_id, CAST(j AS BIGINT), a.id FROM access_log a, jsonb_array_elements_text(a.records::jsonb) j"
                };
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO access_log_records (org_id, record_id, access_id) {elements} \
                     WHERE a.id > $1 AND a.id <= $2 ORDER BY 1, 2, 3 ON CONFLICT DO NOTHING"
                )))
                .bind(from)
                .bind(to)
                .execute(&mut *tx)
                .await?;
                // (only forward: two processes indexing at once insert the same rows, which the
                // conflict clause skips, and the later watermark stays)
                sqlx::query("UPDATE access_log_indexed SET last_id = $1 WHERE id = 1 AND last_id < $1")
                    .bind(to)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(n as u64)
            }

            async fn access_log(&self, org: OrgId, f: &AccessFilter) -> Result<Vec<AccessEntry>> {
                let mut qb: QueryBuilder<$db> = QueryBuilder::new("SELECT a.id, a.org_id, a.at, a.actor, a.via, a.detail, a.records FROM access_log a WHERE a.org_id = ");
                qb.push_bind(org.0);
                if let Some(r) = f.record {
                    // the indexed accesses, and those after the index (found in their lists)
                    qb.push(" AND a.id IN (SELECT x.access_id FROM access_log_records x WHERE x.org_id = ").push_bind(org.0);
                    qb.push(" AND x.record_id = ").push_bind(r.0);
                    qb.push(" UNION ALL SELECT t.id FROM access_log t WHERE t.id > (SELECT last_id FROM access_log_indexed WHERE id = 1) AND t.org_id = ").push_bind(org.0);
                    if $backend == "sqlite" {
                        qb.push(" AND EXISTS (SELECT 1 FROM json_each(t.records) j WHERE j.value = ").push_bind(r.0).push("))");
                    } else {
                        qb.push(" AND t.records::jsonb @> jsonb_build_array(").push_bind(r.0).push("::BIGINT))");
                    }
                }
                if let Some(actor) = &f.actor {
                    qb.push(" AND a.actor = ").push_bind(actor.clone());
                }
                if let Some(from) = f.from {
                    qb.push(" AND a.at >= ").push_bind(to_stored_precision(from));
                }
                if let Some(to) = f.to {
                    qb.push(" AND a.at < ").push_bind(to_stored_precision(to));
                }
                if let Some(before) = f.before_id {
                    qb.push(" AND a.id < ").push_bind(before);
                }
                qb.push(" ORDER BY a.id DESC LIMIT ").push_bind(f.limit.clamp(1, 1000));
                let rows: Vec<AccessRow> = qb.build_query_as().fetch_all(self.access_pool()).await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn accounts_on_platform(&self, platform: Platform) -> Result<Vec<Account>> {
                let rows: Vec<AccountRow> = sqlx::query_as("SELECT * FROM accounts WHERE platform = $1 AND platform_id <> '' ORDER BY id")
                    .bind(platform.as_str())
                    .fetch_all(&self.pool)
                    .await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn record_histories(&self, org: OrgId, ids: &[RecordId]) -> Result<Vec<(Vec<RecordVersion>, Vec<RecordEvent>)>> {
                let mut by_id: HashMap<i64, (Vec<RecordVersion>, Vec<RecordEvent>)> = HashMap::with_capacity(ids.len());
                for chunk in ids.chunks(500) {
                    // CROSS JOIN keeps SQLite on the id list (with a long IN list and no
                    // statistics it would otherwise walk every record of the organisation).
                    // The versions and the events are read at once, on two connections.
                    let mut qv: QueryBuilder<$db> = QueryBuilder::new(
                        "SELECT v.* FROM record_versions v CROSS JOIN records r WHERE r.id = v.record_id AND r.org_id = ",
                    );
                    qv.push_bind(org.0).push(" AND v.record_id IN (");
                    let mut sep = qv.separated(", ");
                    for id in chunk {
                        sep.push_bind(id.0);
                    }
                    qv.push(") ORDER BY v.record_id, v.number");
                    let mut qe: QueryBuilder<$db> = QueryBuilder::new(
                        "SELECT e.record_id, e.kind, e.at, e.actor, e.detail FROM record_events e CROSS JOIN records r \
                         WHERE r.id = e.record_id AND r.org_id = ",
                    );
                    qe.push_bind(org.0).push(" AND e.record_id IN (");
                    let mut sep = qe.separated(", ");
                    for id in chunk {
                        sep.push_bind(id.0);
                    }
                    qe.push(") ORDER BY e.record_id, e.id");
                    let (versions, events): (Vec<VersionRow>, Vec<EventRow>) = futures::future::try_join(
                        qv.build_query_as().fetch_all(&self.pool),
                        qe.build_query_as().fetch_all(&self.pool),
                    )
                    .await?;
                    for row in &versions {
                        let v = row.to_domain()?;
                        by_id.entry(v.record_id.0).or_default().0.push(v);
                    }
                    for row in events {
                        let e: RecordEvent = row.try_into()?;
                        by_id.entry(e.record_id.0).or_default().1.push(e);
                    }
                }
                ids.iter()
                    .map(|id| match by_id.get(&id.0) {
                        Some(h) if !h.0.is_empty() => Ok(h.clone()),
                        _ => Err(StoreError::not_found(format!("record {id}"))),
                    })
                    .collect()
            }

                        async fn inbox_open_counts(
                &self,
                org: OrgId,
                accounts: &[(AccountId, DateTime<Utc>)],
            ) -> Result<Vec<(AccountId, i64, i64)>> {
                let mut out = Vec::with_capacity(accounts.len());
                for (account, cutoff) in accounts {
                    let cutoff = to_stored_precision(*cutoff);
                    // every received item, on the index alone
                    let (all, early): (i64, i64) = sqlx::query_as(
                        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN available_at < $3 THEN 1 ELSE 0 END), 0) FROM records \
                         WHERE org_id = $1 AND direction = 'received' AND account_id = $2",
                    )
                    .bind(org.0)
                    .bind(account.0)
                    .bind(cutoff)
                    .fetch_one(&self.pool)
                    .await?;
                    // less those handled (answered, no answer needed, handed over), read from the
                    // handling rows (`+r.…` keeps SQLite from walking the account's records)
                    let (closed, closed_early): (i64, i64) = sqlx::query_as(
                        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN r.available_at < $3 THEN 1 ELSE 0 END), 0) \
                         FROM record_handling h JOIN records r ON r.id = h.record_id \
                         WHERE h.org_id = $1 AND +r.org_id = $1 AND +r.account_id = $2 AND r.direction = 'received' \
                         AND h.state NOT IN ('new', 'assigned')",
                    )
                    .bind(org.0)
                    .bind(account.0)
                    .bind(cutoff)
                    .fetch_one(&self.pool)
                    .await?;
                    out.push((*account, all - closed, early - closed_early));
                }
                Ok(out)
            }

                        async fn diary_next_seq(&self, org: OrgId, register: &str, year: i32) -> Result<i64> {
                let last: Option<(i64,)> = sqlx::query_as("SELECT last FROM diary_counters WHERE org_id = $1 AND register = $2 AND year = $3")
                    .bind(org.0)
                    .bind(register)
                    .bind(year)
                    .fetch_optional(&self.pool)
                    .await?;
                let mut next = last.map_or(1, |l| l.0 + 1);
                let taken: Vec<(i64,)> = sqlx::query_as(
                    "SELECT seq FROM diary_cases WHERE org_id = $1 AND register = $2 AND year = $3 AND seq >= $4 ORDER BY seq",
                )
                .bind(org.0)
                .bind(register)
                .bind(year)
                .bind(next)
                .fetch_all(&self.pool)
                .await?;
                for (seq,) in taken {
                    if seq == next {
                        next += 1;
                    } else if seq > next {
                        break;
                    }
                }
                Ok(next)
            }
        }

        #[derive(sqlx::FromRow)]
        struct CandidateRow {
            #[sqlx(flatten)]
            record: RecordRow,
            findings: i64,
            screened: i64,
        }

        // --- inbox: helpers (issue 5, item 3) ---

        type HandlingRow = (i64, Option<String>, Option<i64>, Option<i64>, Option<DateTime<Utc>>, Option<String>);

        fn handling_from_row(row: &HandlingRow, available_at: DateTime<Utc>) -> Result<Handling> {
            let (id, state, assignee, answer, changed_at, changed_by) = row;
            let Some(state) = state else {
                return Ok(Handling::untouched(RecordId(*id), available_at));
            };
            Ok(Handling {
                record_id: RecordId(*id),
                state: HandlingState::parse(state)?,
                assignee: assignee.map(UserId),
                answer: answer.map(RecordId),
                changed_at: changed_at.unwrap_or(available_at),
                changed_by: changed_by.clone().unwrap_or_default(),
            })
        }

        // --- diary and mail: helpers ---

        async fn case_in(tx: &mut Tx, org: OrgId, id: CaseId) -> Result<DiaryCase> {
            let sql = format!("SELECT {} FROM diary_cases WHERE org_id = $1 AND id = $2", crate::diary::CASE_COLUMNS);
            let row: Option<crate::diary::CaseRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(org.0)
                .bind(id.0)
                .fetch_optional(&mut **tx)
                .await?;
            row.ok_or_else(|| StoreError::not_found(format!("case {id}")))?.try_into()
        }

        async fn case_exists(tx: &mut Tx, org: OrgId, register: &str, year: i32, seq: i64) -> Result<bool> {
            let found: Option<(i64,)> = sqlx::query_as("SELECT id FROM diary_cases WHERE org_id = $1 AND register = $2 AND year = $3 AND seq = $4")
                .bind(org.0)
                .bind(register)
                .bind(year)
                .bind(seq)
                .fetch_optional(&mut **tx)
                .await?;
            Ok(found.is_some())
        }

        /// Writes a checked message and its attachments; returns its id.
        async fn insert_mail(tx: &mut Tx, org: OrgId, mail: &NewMail, now: DateTime<Utc>, request_outbox: Option<i64>) -> Result<i64> {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO mail_outbox (org_id, to_email, subject, body, purpose, subject_ref, state, queued_at, attempts, \
                 next_attempt_at, request_outbox_id) VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, 0, $7, $8) RETURNING id",
            )
            .bind(org.0)
            .bind(&mail.to)
            .bind(&mail.subject)
            .bind(&mail.body)
            .bind(mail.purpose.as_str())
            .bind(&mail.subject_ref)
            .bind(now)
            .bind(request_outbox)
            .fetch_one(&mut **tx)
            .await?;
            for a in &mail.attachments {
                sqlx::query("INSERT INTO mail_attachments (mail_id, filename, content_type, content) VALUES ($1, $2, $3, $4)")
                    .bind(id)
                    .bind(&a.filename)
                    .bind(&a.content_type)
                    .bind(&a.content)
                    .execute(&mut **tx)
                    .await?;
            }
            Ok(id)
        }

        /// The messages with these ids (any order), with their attachments (content only when
        /// `content`).
        async fn load_mail(pool: &sqlx::Pool<$db>, ids: &[i64], content: bool) -> Result<Vec<MailMessage>> {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            let mut qb: QueryBuilder<$db> = QueryBuilder::new(format!("SELECT {} FROM mail_outbox WHERE id IN (", crate::diary::MAIL_COLUMNS));
            let mut sep = qb.separated(", ");
            for id in ids {
                sep.push_bind(*id);
            }
            qb.push(")");
            let rows: Vec<crate::diary::MailRow> = qb.build_query_as().fetch_all(pool).await?;
            let mut qa: QueryBuilder<$db> = QueryBuilder::new(if content {
                "SELECT mail_id, filename, content_type, content FROM mail_attachments WHERE mail_id IN ("
            } else {
                "SELECT mail_id, filename, content_type, content FROM mail_attachments WHERE 1 = 0 AND mail_id IN ("
            });
            let mut sep = qa.separated(", ");
            for id in ids {
                sep.push_bind(*id);
            }
            qa.push(") ORDER BY id");
            let attachments: Vec<crate::diary::AttachmentRow> = qa.build_query_as().fetch_all(pool).await?;
            let names: Vec<(i64, String, String)> = if content {
                Vec::new()
            } else {
                let mut qn: QueryBuilder<$db> = QueryBuilder::new("SELECT mail_id, filename, content_type FROM mail_attachments WHERE mail_id IN (");
                let mut sep = qn.separated(", ");
                for id in ids {
                    sep.push_bind(*id);
                }
                qn.push(") ORDER BY id");
                qn.build_query_as().fetch_all(pool).await?
            };
            rows.into_iter()
                .map(|r| {
                    let id = r.id;
                    let mut files: Vec<MailAttachment> = attachments
                        .iter()
                        .filter(|a| a.mail_id == id)
                        .map(|a| MailAttachment { filename: a.filename.clone(), content_type: a.content_type.clone(), content: a.content.clone() })
                        .collect();
                    files.extend(names.iter().filter(|n| n.0 == id).map(|n| MailAttachment {
                        filename: n.1.clone(),
                        content_type: n.2.clone(),
                        content: Vec::new(),
                    }));
                    r.into_message(files)
                })
                .collect()
        }

        // --- requests: helpers (issue 6) ---

        async fn request_in(tx: &mut Tx, org: OrgId, id: RequestId) -> Result<RecordRequest> {
            let sql = format!("SELECT {} FROM requests WHERE org_id = $1 AND id = $2", crate::requests::REQUEST_COLUMNS);
            let row: Option<crate::requests::RequestRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(org.0)
                .bind(id.0)
                .fetch_optional(&mut **tx)
                .await?;
            row.ok_or_else(|| StoreError::not_found(format!("request {id}")))?.try_into()
        }

        async fn insert_request_event(tx: &mut Tx, id: i64, kind: &str, at: DateTime<Utc>, actor: &str, detail: &serde_json::Value) -> Result<()> {
            sqlx::query("INSERT INTO request_events (request_id, kind, at, actor, detail) VALUES ($1, $2, $3, $4, $5)")
                .bind(id)
                .bind(kind)
                .bind(at)
                .bind(actor)
                .bind(detail.to_string())
                .execute(&mut **tx)
                .await?;
            Ok(())
        }

        /// What an event and its audit entry say about a change (no masked text, no requester data).
        fn request_change_detail(before: &RecordRequest, after: &RecordRequest, change: &RequestChange, effects: &ChangeEffects) -> serde_json::Value {
            let mut d = serde_json::json!({
                "number": after.number,
                "from": before.state.as_str(),
                "to": after.state.as_str(),
            });
            match change {
                RequestChange::Assign(user) => d["assignee"] = serde_json::json!(user.map(|u| u.0)),
                RequestChange::StartReview => {}
                RequestChange::Extend { due_on, reason } => {
                    d["due_before"] = serde_json::json!(before.due_on.to_string());
                    d["due_on"] = serde_json::json!(due_on.to_string());
                    d["reason"] = serde_json::json!(reason);
                }
                RequestChange::LinkRecord(r) => d["record"] = serde_json::json!(r.0),
                RequestChange::Withdraw { note } => d["note"] = serde_json::json!(note),
                RequestChange::Decide(decision) => {
                    d["record"] = serde_json::json!(after.record_id.map(|r| r.0));
                    match decision {
                        Decision::ReleaseWhole => {}
                        Decision::ReleaseMasked { version, .. } => {
                            d["version"] = serde_json::json!(version);
                            d["withheld"] = serde_json::json!(effects.withheld.iter().map(|w| serde_json::json!({
                                "start": w.start, "end": w.end, "reason": w.reason, "law": w.law,
                            })).collect::<Vec<_>>());
                        }
                        Decision::Refuse { reason, law } => {
                            d["reason"] = serde_json::json!(reason);
                            d["law"] = serde_json::json!(law);
                        }
                    }
                    d["message_queued"] = serde_json::json!(effects.message.is_some());
                }
            }
            d
        }

        // --- staff users: helpers (issue 5) ---

        /// Refuses grants on accounts that are not the organisation's.
        async fn check_accounts(tx: &mut Tx, org: OrgId, grants: &[AccountGrant]) -> Result<()> {
            for g in grants {
                let found: Option<(i64,)> = sqlx::query_as("SELECT id FROM accounts WHERE org_id = $1 AND id = $2")
                    .bind(org.0)
                    .bind(g.account_id.0)
                    .fetch_optional(&mut **tx)
                    .await?;
                if found.is_none() {
                    return Err(StoreError::not_found(format!("account {} in this organisation", g.account_id)));
                }
            }
            Ok(())
        }

        async fn write_access(tx: &mut Tx, user: i64, roles: &[Role], grants: &[AccountGrant]) -> Result<()> {
            for r in roles {
                sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
                    .bind(user)
                    .bind(r.as_str())
                    .execute(&mut **tx)
                    .await?;
            }
            for g in grants {
                sqlx::query("INSERT INTO user_accounts (user_id, account_id, access) VALUES ($1, $2, $3)")
                    .bind(user)
                    .bind(g.account_id.0)
                    .bind(g.access.as_str())
                    .execute(&mut **tx)
                    .await?;
            }
            Ok(())
        }

        async fn load_users(pool: &sqlx::Pool<$db>, org: OrgId, filter: crate::users::UserFilter<'_>) -> Result<Vec<UserCredentials>> {
            use crate::users::{UserFilter, UserRow, USER_COLUMNS};
            let cond = filter.condition();
            let users_sql = format!("SELECT {} FROM users u WHERE u.org_id = $1{cond} ORDER BY u.name, u.id", USER_COLUMNS.split(", ").map(|c| format!("u.{c}")).collect::<Vec<_>>().join(", "));
            let roles_sql = format!("SELECT r.user_id, r.role FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.org_id = $1{cond}");
            let grants_sql = format!("SELECT g.user_id, g.account_id, g.access FROM user_accounts g JOIN users u ON u.id = g.user_id WHERE u.org_id = $1{cond}");
            let mut q_users = sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(users_sql)).bind(org.0);
            let mut q_roles = sqlx::query_as::<_, (i64, String)>(sqlx::AssertSqlSafe(roles_sql)).bind(org.0);
            let mut q_grants = sqlx::query_as::<_, (i64, i64, String)>(sqlx::AssertSqlSafe(grants_sql)).bind(org.0);
            match filter {
                UserFilter::All => {}
                UserFilter::Id(id) => {
                    q_users = q_users.bind(id);
                    q_roles = q_roles.bind(id);
                    q_grants = q_grants.bind(id);
                }
                UserFilter::Email(e) => {
                    q_users = q_users.bind(e.to_string());
                    q_roles = q_roles.bind(e.to_string());
                    q_grants = q_grants.bind(e.to_string());
                }
            }
            let users = q_users.fetch_all(pool).await?;
            let roles = q_roles.fetch_all(pool).await?;
            let grants = q_grants.fetch_all(pool).await?;
            users.into_iter().map(|u| u.into_credentials(&roles, &grants)).collect()
        }
    };
}

pub(crate) use impl_store;

/// JSON columns are written the same way everywhere.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}
