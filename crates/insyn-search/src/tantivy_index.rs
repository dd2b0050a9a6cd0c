//! The embedded backend: a tantivy index in a folder.

use std::collections::{HashMap, HashSet};
use std::ops::Bound;
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use insyn_domain::ids::OrgId;
use tantivy::collector::sort_key::SortByStaticFastValue;
use tantivy::collector::{Count, TopDocs};
use tantivy::columnar::Column;
use tantivy::directory::MmapDirectory;
use tantivy::query::{
    BooleanQuery, ConstScoreQuery, EnableScoring, Explanation, Occur, PhraseQuery, Query,
    RangeQuery, Scorer, TermQuery, TermSetQuery, Weight,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    DocAddress, DocId, DocSet, Index, IndexReader, IndexWriter, InvertedIndexReader, Order,
    ReloadPolicy, Score, Searcher, SegmentReader, TERMINATED, TantivyDocument, Term,
};

use crate::analysis::{TOKENIZER_NAME, snippet, stem_term, swedish_analyzer};
use crate::writer_thread::WriterThread;
use crate::{
    Clause, Plan, SearchDoc, SearchError, SearchHit, SearchIndex, SearchQuery, SearchResults,
};

/// The indexing heap shared by the writer's threads.
const WRITER_HEAP_BYTES: usize = 100_000_000;
const PAYLOAD_PREFIX: &str = "insyn-search watermark=";

#[derive(Clone, Copy)]
struct Fields {
    record_id: Field,
    org_id: Field,
    account_id: Field,
    unit_id: Field,
    kind: Field,
    direction: Field,
    classification: Field,
    /// Microseconds since the Unix epoch (exact, like PostgreSQL's `timestamptz`).
    available_at: Field,
    deleted: Field,
    /// The watermark of the `apply` that wrote the doc.
    applied: Field,
    author: Field,
    text: Field,
}

const F_RECORD_ID: &str = "record_id";
const F_AVAILABLE_AT: &str = "available_at_us";
const F_APPLIED: &str = "applied";

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text_indexing = TextFieldIndexing::default()
        .set_tokenizer(TOKENIZER_NAME)
        .set_index_option(IndexRecordOption::WithFreqsAndPositions);
    let text_options = TextOptions::default().set_indexing_options(text_indexing);
    let fields = Fields {
        record_id: b.add_i64_field(F_RECORD_ID, INDEXED | FAST),
        org_id: b.add_i64_field("org_id", INDEXED),
        account_id: b.add_i64_field("account_id", INDEXED),
        unit_id: b.add_i64_field("unit_id", INDEXED),
        kind: b.add_text_field("kind", STRING),
        direction: b.add_text_field("direction", STRING),
        classification: b.add_text_field("classification", STRING),
        available_at: b.add_i64_field(F_AVAILABLE_AT, INDEXED | FAST),
        deleted: b.add_bool_field("deleted", INDEXED),
        applied: b.add_i64_field(F_APPLIED, FAST),
        author: b.add_text_field("author", text_options.clone()),
        text: b.add_text_field("text", text_options.set_stored()),
    };
    (b.build(), fields)
}

struct Writer {
    writer: IndexWriter,
    watermark: i64,
}

struct Inner {
    index: Index,
    reader: IndexReader,
    /// Created on the first write: tantivy allows one writer per folder across processes, and a
    /// process that only searches (the CLI while `insyn serve` runs) must not take it.
    writer: Mutex<Option<Writer>>,
    /// The committed watermark, readable while an `apply` runs.
    watermark: AtomicI64,
    fields: Fields,
    analyzer: TextAnalyzer,
}

/// A tantivy index in a folder. One per folder and process (tantivy locks the folder for its
/// writer); share it with `Arc`.
#[derive(Clone)]
pub struct TantivyIndex {
    inner: Arc<Inner>,
    /// Searches that may run at once: one per core. Under load the others wait their turn in
    /// order (tokio's semaphore is fair) instead of all sharing the cores on the blocking pool's
    /// threads, where every search would take as long as all of them together and a costly
    /// search would set the latency of everything behind it.
    searches: Arc<tokio::sync::Semaphore>,
    /// Every write (apply, clear) runs here, at background priority.
    writes: Arc<WriterThread>,
}

impl std::fmt::Debug for TantivyIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TantivyIndex")
            .field("watermark", &self.inner.watermark.load(Ordering::SeqCst))
            .finish_non_exhaustive()
    }
}

fn parse_payload(payload: Option<&str>) -> Result<i64, SearchError> {
    match payload {
        None => Ok(0),
        Some(p) => p
            .strip_prefix(PAYLOAD_PREFIX)
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| SearchError::Index(format!("unexpected commit payload {p:?}"))),
    }
}

/// The writer, created on first use. Another process holding the folder's writer lock is
/// [`SearchError::Busy`].
fn lock(inner: &Inner) -> Result<WriterGuard<'_>, SearchError> {
    let mut guard = match inner.writer.lock() {
        Ok(guard) => guard,
        Err(poisoned) => {
            // An apply panicked half-way: drop what it added and carry on.
            let mut guard = poisoned.into_inner();
            if let Some(w) = guard.as_mut()
                && let Err(e) = w.writer.rollback()
            {
                tracing::error!(error = %e, "rolling back the search index writer failed");
            }
            inner.writer.clear_poison();
            guard
        }
    };
    if guard.is_none() {
        let writer: IndexWriter = inner.index.writer(WRITER_HEAP_BYTES).map_err(|e| match e {
            tantivy::TantivyError::LockFailure(..) => SearchError::Busy(
                "the search index is being written by another Insyn process (insyn serve);                  it applies this change within a second"
                    .into(),
            ),
            other => other.into(),
        })?;
        *guard = Some(Writer {
            writer,
            watermark: inner.watermark.load(Ordering::SeqCst),
        });
    }
    Ok(WriterGuard(guard))
}

struct WriterGuard<'a>(std::sync::MutexGuard<'a, Option<Writer>>);

impl std::ops::Deref for WriterGuard<'_> {
    type Target = Writer;
    fn deref(&self) -> &Writer {
        self.0.as_ref().expect("created in lock()")
    }
}

impl std::ops::DerefMut for WriterGuard<'_> {
    fn deref_mut(&mut self) -> &mut Writer {
        self.0.as_mut().expect("created in lock()")
    }
}

impl TantivyIndex {
    /// Opens the index in `dir`, creating the folder and the index when missing. The watermark
    /// is read back from the last commit.
    pub fn open(dir: &Path) -> Result<TantivyIndex, SearchError> {
        std::fs::create_dir_all(dir)?;
        let (schema, fields) = schema();
        let directory = MmapDirectory::open(dir).map_err(|e| SearchError::Index(e.to_string()))?;
        let index = Index::open_or_create(directory, schema).map_err(|e| {
            SearchError::Index(format!(
                "cannot open the search index in {}: {e} (it is derived data: remove the folder \
                 and rebuild it)",
                dir.display()
            ))
        })?;
        let analyzer = swedish_analyzer();
        index
            .tokenizers()
            .register(TOKENIZER_NAME, analyzer.clone());
        let watermark = parse_payload(index.load_metas()?.payload.as_deref())?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        tracing::debug!(dir = %dir.display(), watermark, "opened the search index");
        Ok(TantivyIndex {
            inner: Arc::new(Inner {
                index,
                reader,
                writer: Mutex::new(None),
                watermark: AtomicI64::new(watermark),
                fields,
                analyzer,
            }),
            searches: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            )),
            writes: Arc::new(WriterThread::start()?),
        })
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Inner) -> Result<T, SearchError> + Send + 'static,
    ) -> Result<T, SearchError> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || f(&inner)).await?
    }

    /// Runs a write on the index's writer thread (see [`crate::writer_thread`]).
    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Inner) -> Result<T, SearchError> + Send + 'static,
    ) -> Result<T, SearchError> {
        let inner = self.inner.clone();
        self.writes.run(move || f(&inner)).await
    }
}

impl Inner {
    fn document(&self, doc: &SearchDoc, watermark: i64) -> TantivyDocument {
        let f = &self.fields;
        let mut d = TantivyDocument::default();
        d.add_i64(f.record_id, doc.record_id.0);
        d.add_i64(f.org_id, doc.org_id.0);
        d.add_i64(f.account_id, doc.account_id.0);
        d.add_i64(f.unit_id, doc.unit_id.0);
        d.add_text(f.kind, doc.kind.as_str());
        d.add_text(f.direction, doc.direction.as_str());
        d.add_text(f.classification, doc.classification.as_str());
        d.add_i64(f.available_at, doc.available_at.timestamp_micros());
        d.add_bool(f.deleted, doc.deleted);
        d.add_i64(f.applied, watermark);
        d.add_text(f.author, &doc.author_name);
        d.add_text(f.text, &doc.text);
        d
    }

    fn commit(&self, w: &mut Writer, watermark: i64) -> Result<(), SearchError> {
        let mut prepared = w.writer.prepare_commit()?;
        prepared.set_payload(&format!("{PAYLOAD_PREFIX}{watermark}"));
        prepared.commit()?;
        w.watermark = watermark;
        self.watermark.store(watermark, Ordering::SeqCst);
        self.reader.reload()?;
        Ok(())
    }

    fn apply(&self, docs: Vec<SearchDoc>, watermark: i64) -> Result<(), SearchError> {
        let mut w = lock(self)?;
        let result = self.apply_locked(&mut w, docs, watermark);
        if result.is_err() {
            // Drop whatever was added but not committed.
            if let Err(e) = w.writer.rollback() {
                tracing::error!(error = %e, "rolling back the search index writer failed");
            }
        }
        result
    }

    fn apply_locked(
        &self,
        w: &mut Writer,
        docs: Vec<SearchDoc>,
        watermark: i64,
    ) -> Result<(), SearchError> {
        let started = std::time::Instant::now();
        let count = docs.len();
        // Within a batch the last doc for a record wins.
        let mut last: HashMap<i64, usize> = HashMap::with_capacity(docs.len());
        for (i, d) in docs.iter().enumerate() {
            last.insert(d.record_id.0, i);
        }
        let existing = Existing::new(&self.reader.searcher())?;
        let mut skipped = 0usize;
        for (i, doc) in docs.iter().enumerate() {
            if last.get(&doc.record_id.0) != Some(&i) {
                continue;
            }
            if let Some(existing) = &existing {
                match existing.applied(doc.record_id.0)? {
                    Some(applied) if applied > watermark => {
                        skipped += 1;
                        continue;
                    }
                    Some(_) => {
                        w.writer.delete_term(Term::from_field_i64(
                            self.fields.record_id,
                            doc.record_id.0,
                        ));
                    }
                    None => {}
                }
            }
            // a disposed record leaves the index (R9): deleted above, not added again
            if doc.disposed {
                continue;
            }
            w.writer.add_document(self.document(doc, watermark))?;
        }
        let new_watermark = w.watermark.max(watermark);
        self.commit(w, new_watermark)?;
        tracing::debug!(
            docs = count,
            skipped,
            watermark = new_watermark,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "applied docs to the search index"
        );
        Ok(())
    }

    fn clear(&self) -> Result<(), SearchError> {
        let mut w = lock(self)?;
        w.writer.delete_all_documents()?;
        self.commit(&mut w, 0)
    }

    fn filter(&self, q: &SearchQuery) -> Vec<(Occur, Box<dyn Query>)> {
        let f = &self.fields;
        fn constant(q: Box<dyn Query>) -> Box<dyn Query> {
            // Filters do not score: only the words decide relevance.
            Box::new(ConstScoreQuery::new(q, 0.0))
        }
        fn term(t: Term) -> Box<dyn Query> {
            constant(Box::new(TermQuery::new(t, IndexRecordOption::Basic)))
        }
        fn any_of(terms: Vec<Term>) -> Box<dyn Query> {
            if terms.len() == 1 {
                term(terms.into_iter().next().expect("one term"))
            } else {
                constant(Box::new(TermSetQuery::new(terms)))
            }
        }
        let mut out: Vec<(Occur, Box<dyn Query>)> = vec![(
            Occur::Must,
            term(Term::from_field_i64(f.org_id, q.org_id.0)),
        )];
        if !q.accounts.is_empty() {
            let terms = q
                .accounts
                .iter()
                .map(|a| Term::from_field_i64(f.account_id, a.0));
            out.push((Occur::Must, any_of(terms.collect())));
        }
        if !q.units.is_empty() {
            let terms = q.units.iter().map(|u| Term::from_field_i64(f.unit_id, u.0));
            out.push((Occur::Must, any_of(terms.collect())));
        }
        if let Some(direction) = q.direction {
            out.push((
                Occur::Must,
                term(Term::from_field_text(f.direction, direction.as_str())),
            ));
        }
        if !q.classifications.is_empty() {
            let terms = q
                .classifications
                .iter()
                .map(|c| Term::from_field_text(f.classification, c.as_str()));
            out.push((Occur::Must, any_of(terms.collect())));
        }
        if q.from.is_some() || q.to.is_some() {
            let bound = |t: Option<chrono::DateTime<chrono::Utc>>, included: bool| match t {
                None => Bound::Unbounded,
                Some(t) => {
                    let term = Term::from_field_i64(f.available_at, t.timestamp_micros());
                    if included {
                        Bound::Included(term)
                    } else {
                        Bound::Excluded(term)
                    }
                }
            };
            let range = RangeQuery::new(bound(q.from, true), bound(q.to, false));
            out.push((Occur::Must, constant(Box::new(range))));
        }
        if !q.include_deleted {
            out.push((Occur::Must, term(Term::from_field_bool(f.deleted, false))));
        }
        out
    }

    /// A word or phrase, in the text or in the author's name.
    fn clause_query(&self, analyzer: &mut TextAnalyzer, clause: &Clause) -> Option<Box<dyn Query>> {
        let stems: Vec<String> = clause
            .terms
            .iter()
            .filter_map(|t| stem_term(analyzer, t))
            .collect();
        if stems.is_empty() {
            return None;
        }
        let in_field = |field: Field| -> Box<dyn Query> {
            if stems.len() == 1 {
                let term = Term::from_field_text(field, &stems[0]);
                Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs))
            } else {
                let terms = stems
                    .iter()
                    .map(|s| Term::from_field_text(field, s))
                    .collect();
                Box::new(PhraseQuery::new(terms))
            }
        };
        Some(Box::new(BooleanQuery::union(vec![
            in_field(self.fields.text),
            in_field(self.fields.author),
        ])))
    }

    fn search(&self, q: &SearchQuery) -> Result<SearchResults, SearchError> {
        let plan = Plan::new(q)?;
        let mut analyzer = self.analyzer.clone();
        let mut clauses = self.filter(q);
        let mut stems: HashSet<String> = HashSet::new();
        for clause in &plan.parsed.clauses {
            let Some(query) = self.clause_query(&mut analyzer, clause) else {
                continue;
            };
            if clause.negated {
                clauses.push((Occur::MustNot, Box::new(ForwardOnly(query))));
            } else {
                stems.extend(
                    clause
                        .terms
                        .iter()
                        .filter_map(|t| stem_term(&mut analyzer, t)),
                );
                clauses.push((Occur::Must, query));
            }
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        // An offset past every doc matches nothing; bounding it bounds the collector's memory.
        let offset = plan.offset.min(searcher.num_docs() as usize);
        if plan.limit == 0 || offset == searcher.num_docs() as usize {
            let total = searcher.search(&query, &Count)?;
            return Ok(SearchResults {
                total: total as u64,
                hits: Vec::new(),
            });
        }
        // By relevance the page sorts by the score alone (equal scores keep the index's order),
        // so the record id is read only for the page's hits, not for every match. Newest first
        // sorts by time, then the higher record id, with the total counted in a pass of its own
        // (tantivy's count needs no sort keys).
        let range = TopDocs::for_doc_range(offset..offset + plan.limit);
        let (total, page): (usize, Vec<(i64, f32, DocAddress)>) = if plan.by_relevance {
            let (total, docs) = searcher.search(&query, &(Count, range.order_by_score()))?;
            let mut page = Vec::with_capacity(docs.len());
            for (score, a) in docs {
                page.push((record_id_of(&searcher, a)?, score, a));
            }
            (total, page)
        } else {
            let newest = (
                SortByStaticFastValue::<i64>::for_field(F_AVAILABLE_AT),
                Order::Desc,
            );
            // equal times: the higher record id first (the backends' shared contract)
            let by_id = (
                SortByStaticFastValue::<i64>::for_field(F_RECORD_ID),
                Order::Desc,
            );
            let total = searcher.search(&query, &Count)?;
            let docs = searcher.search(&query, &range.order_by((newest, by_id)))?;
            let page = docs
                .into_iter()
                .map(|((_, id), a)| (id.unwrap_or(0), 0.0, a));
            (total, page.collect())
        };
        let mut hits = Vec::with_capacity(page.len());
        for (id, score, address) in page {
            let text = stored_text(&searcher, address, self.fields.text)?;
            hits.push(SearchHit {
                record_id: insyn_domain::ids::RecordId(id),
                score,
                snippet: snippet(&mut analyzer, &text, &stems),
            });
        }
        Ok(SearchResults {
            total: total as u64,
            hits,
        })
    }

    fn doc_count(&self, org: OrgId) -> Result<u64, SearchError> {
        let query = TermQuery::new(
            Term::from_field_i64(self.fields.org_id, org.0),
            IndexRecordOption::Basic,
        );
        Ok(self.reader.searcher().search(&query, &Count)? as u64)
    }
}

/// The record id of a hit, from its fast field.
fn record_id_of(searcher: &Searcher, address: DocAddress) -> Result<i64, SearchError> {
    let ids = searcher
        .segment_reader(address.segment_ord)
        .fast_fields()
        .i64(F_RECORD_ID)?;
    Ok(ids.first(address.doc_id).unwrap_or(0))
}

fn stored_text(
    searcher: &Searcher,
    address: DocAddress,
    field: Field,
) -> Result<String, SearchError> {
    let doc: TantivyDocument = searcher.doc(address)?;
    Ok(doc
        .get_first(field)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string())
}

/// Wraps an excluded clause: tantivy 0.27 asks exclusion scorers about docs before their current
/// one, which a phrase scorer does not allow (a debug assertion; quickwit-oss/tantivy#2811). The
/// wrapper answers such questions itself and only ever seeks forward.
#[derive(Debug)]
struct ForwardOnly(Box<dyn Query>);

impl Clone for ForwardOnly {
    fn clone(&self) -> Self {
        ForwardOnly(self.0.box_clone())
    }
}

impl Query for ForwardOnly {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(ForwardOnlyWeight(self.0.weight(enable_scoring)?)))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.0.query_terms(visitor)
    }
}

struct ForwardOnlyWeight(Box<dyn Weight>);

impl Weight for ForwardOnlyWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(ForwardOnlyScorer(self.0.scorer(reader, boost)?)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.0.explain(reader, doc)
    }
}

struct ForwardOnlyScorer(Box<dyn Scorer>);

impl DocSet for ForwardOnlyScorer {
    fn advance(&mut self) -> DocId {
        self.0.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        let doc = self.0.doc();
        if target <= doc {
            doc
        } else {
            self.0.seek(target)
        }
    }

    // `seek_danger` is the trait's default: it seeks (forward only) and compares.

    fn doc(&self) -> DocId {
        self.0.doc()
    }

    fn size_hint(&self) -> u32 {
        self.0.size_hint()
    }

    fn cost(&self) -> u64 {
        self.0.cost()
    }
}

impl Scorer for ForwardOnlyScorer {
    fn score(&mut self) -> Score {
        self.0.score()
    }
}

/// Looks up the docs already in the index (`None` when it is empty: a bulk load skips lookups).
struct Existing {
    segments: Vec<(SegmentReader, Arc<InvertedIndexReader>, Column<i64>)>,
    record_id: Field,
    /// No doc has a higher record id: loading records in id order (a rebuild) needs no lookups.
    max_record_id: i64,
}

impl Existing {
    fn new(searcher: &Searcher) -> Result<Option<Existing>, SearchError> {
        if searcher.num_docs() == 0 {
            return Ok(None);
        }
        let record_id = searcher.schema().get_field(F_RECORD_ID)?;
        let mut segments = Vec::new();
        let mut max_record_id = i64::MIN;
        for segment in searcher.segment_readers() {
            if segment.num_docs() == 0 {
                continue;
            }
            let ids = segment.fast_fields().i64(F_RECORD_ID)?;
            max_record_id = max_record_id.max(ids.max_value());
            let postings = segment.inverted_index(record_id)?;
            let applied = segment.fast_fields().i64(F_APPLIED)?;
            segments.push((segment.clone(), postings, applied));
        }
        Ok(Some(Existing {
            segments,
            record_id,
            max_record_id,
        }))
    }

    /// The `applied` watermark of the live doc for `record_id`, if there is one.
    fn applied(&self, record_id: i64) -> Result<Option<i64>, SearchError> {
        if record_id > self.max_record_id {
            return Ok(None);
        }
        let term = Term::from_field_i64(self.record_id, record_id);
        for (segment, postings, applied) in &self.segments {
            let Some(mut docs) = postings.read_postings(&term, IndexRecordOption::Basic)? else {
                continue;
            };
            let mut doc = docs.doc();
            while doc != TERMINATED {
                if !segment.is_deleted(doc) {
                    return Ok(Some(applied.first(doc).unwrap_or(0)));
                }
                doc = docs.advance();
            }
        }
        Ok(None)
    }
}

#[async_trait]
impl SearchIndex for TantivyIndex {
    fn backend(&self) -> &'static str {
        "tantivy"
    }

    async fn apply(&self, docs: Vec<SearchDoc>, watermark: i64) -> Result<(), SearchError> {
        self.write(move |inner| inner.apply(docs, watermark)).await
    }

    async fn watermark(&self) -> Result<i64, SearchError> {
        Ok(self.inner.watermark.load(Ordering::SeqCst))
    }

    async fn search(&self, q: &SearchQuery) -> Result<SearchResults, SearchError> {
        let q = q.clone();
        let _turn = self
            .searches
            .acquire()
            .await
            .map_err(|e| SearchError::Index(e.to_string()))?;
        self.blocking(move |inner| inner.search(&q)).await
    }

    async fn clear(&self) -> Result<(), SearchError> {
        self.write(|inner| inner.clear()).await
    }

    async fn doc_count(&self, org: OrgId) -> Result<u64, SearchError> {
        self.blocking(move |inner| inner.doc_count(org)).await
    }
}
