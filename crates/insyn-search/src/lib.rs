//! Swedish full-text search over records, behind one [`SearchIndex`] trait with two backends:
//! [`TantivyIndex`] (embedded, a folder in the data directory) and [`PgSearch`] (PostgreSQL, for
//! scale-out, where several processes share one index). One conformance suite
//! (`tests/conformance.rs`) runs against both.
//!
//! # Analysis
//!
//! Both backends index exactly the same lexemes, because both are made here, in Rust, by one
//! analyzer (PostgreSQL receives ready `tsvector`/`tsquery` values and does no stemming itself):
//!
//! 1. split into runs of letters and digits (`char::is_alphanumeric`): `e-post` is `e` + `post`,
//!    `info@kommun.se` is `info` + `kommun` + `se`;
//! 2. drop tokens of 40 bytes or more;
//! 3. lower-case (Unicode); **no ASCII folding**: å, ä and ö are letters of their own, so *får*
//!    does not find *far*, nor *hår* *har*;
//! 4. Snowball Swedish stemming, plus two rules of ours (see below).
//!
//! There are **no stop words**: Swedish stop lists contain words that matter in records
//! (*man*, *vara* — and Vara is a municipality), and stop words would make phrases fragile.
//!
//! ## What matches, what does not
//!
//! - Inflections share a stem: *skola* finds *skolan*, *skolor*, *skolans*, *skolorna*;
//!   *kommun* finds *kommunen*, *kommunens*, *kommuner*; *bygglov* finds *bygglovet*,
//!   *bygglovets*. Snowball alone does not remove the definite *-an* (*skolan*) nor stem what is
//!   left after a genitive *-s* (*bygglovets*); our rules add both: *-an* is removed when it lies
//!   in Snowball's R1 region (so short words such as *plan*, *kan*, *man* keep it), and *X+s*
//!   stems like *X* when Snowball removed that *s*.
//! - Not matched: **compounds** are not split. *bygglov* does not find *bygglovsansökan*, nor
//!   *ansökan* it; search for the compound itself. (An n-gram sub-field or `pg_trgm` for
//!   "contains" searches may come later.) Definite forms in *-n* after other vowels (*radion*,
//!   *bion*) and plural definite *-na* (*äpplena*) are not reduced. Irregular forms (*man* /
//!   *män*, *bok* / *böcker*) stay apart.
//! - Over-stemming is rare but exists: *sedan* and *seden* share a stem.
//!
//! # Search language
//!
//! See [`query`]: words (all must match, in any inflection), `"quoted phrases"`, `-word` and
//! `-"phrase"` exclusions. At most [`MAX_QUERY_CHARS`] characters and [`MAX_QUERY_TERMS`]
//! words; mistakes are [`SearchError::InvalidQuery`] with the position. An empty text matches
//! every record (only the filters apply). A search with no words to match, only exclusions or
//! nothing, is ordered newest first even when relevance is asked for.
//!
//! Every search is inside one organisation ([`SearchQuery::org_id`]); filters: accounts (any
//! of), units (any of), direction, classifications (any of), `from` (inclusive) and `to`
//! (exclusive) on `available_at`, deleted records on request. Results come a page at a time
//! (`offset`, `limit` up to [`MAX_LIMIT`]) with the total number of matches. Scores are the
//! backend's own (BM25 in tantivy, `ts_rank` in PostgreSQL), so they are not comparable across
//! backends; in newest-first order they are 0. Snippets are plain text, at most
//! [`SNIPPET_MAX_CHARS`] characters, around the first matching word of the text, made by the
//! same code for both backends.
//!
//! # Watermark protocol
//!
//! The index is derived data. The store writes an outbox entry in the same transaction as each
//! record change; an indexer then
//!
//! 1. reads [`SearchIndex::watermark`] (0 for a new or cleared index);
//! 2. reads the outbox entries after it and builds the records' current [`SearchDoc`]s;
//! 3. calls [`SearchIndex::apply`] with the docs and the highest outbox position read.
//!
//! `apply` stores the docs and the watermark atomically (tantivy: in the commit's payload;
//! PostgreSQL: in the same transaction), and the watermark only grows. So after a crash nothing
//! is lost: the indexer starts again after the last applied position, and applying a doc twice
//! is harmless. A rebuild is [`SearchIndex::clear`] and then applying every record.
//!
//! Several indexers may apply at once (PostgreSQL; tantivy serialises them in-process). Each doc
//! remembers the watermark of the `apply` that wrote it, and an `apply` with a lower watermark
//! does not overwrite it: a slow indexer holding an older batch cannot undo a newer one.

pub mod analysis;
mod error;
mod postgres;
pub mod query;
mod tantivy_index;
mod writer_thread;

use async_trait::async_trait;
use insyn_domain::ids::OrgId;

pub use analysis::{MAX_TOKEN_BYTES, SNIPPET_MAX_CHARS};
pub use error::SearchError;
pub use insyn_domain::search::{SearchDoc, SearchHit, SearchOrder, SearchQuery, SearchResults};
pub use postgres::PgSearch;
pub use query::{Clause, MAX_QUERY_CHARS, MAX_QUERY_TERMS, ParsedQuery};
pub use tantivy_index::TantivyIndex;

/// The largest page a search returns; a larger `limit` is cut to this.
pub const MAX_LIMIT: usize = 200;

/// A full-text index of records. See the crate documentation for the semantics.
#[async_trait]
pub trait SearchIndex: Send + Sync + 'static {
    /// `"tantivy"` or `"postgres"`.
    fn backend(&self) -> &'static str;

    /// Adds or replaces each doc (one entry per record id; within `docs` the last one for a
    /// record wins) and records `watermark` if it is greater than the current one, atomically.
    /// A doc written by an `apply` with a higher watermark is kept. Searches started after this
    /// returns see the docs.
    async fn apply(&self, docs: Vec<SearchDoc>, watermark: i64) -> Result<(), SearchError>;

    /// The highest watermark applied (0 for a new or cleared index).
    async fn watermark(&self) -> Result<i64, SearchError>;

    /// One page of the records of `q.org_id` that match.
    async fn search(&self, q: &SearchQuery) -> Result<SearchResults, SearchError>;

    /// Removes every doc and resets the watermark to 0 (before a rebuild).
    async fn clear(&self) -> Result<(), SearchError>;

    /// How many records of the organisation the index holds (deleted ones included).
    async fn doc_count(&self, org: OrgId) -> Result<u64, SearchError>;
}

/// What a search turns into before a backend runs it.
pub(crate) struct Plan {
    pub parsed: ParsedQuery,
    /// Relevance order and something to rank by.
    pub by_relevance: bool,
    pub offset: usize,
    pub limit: usize,
}

impl Plan {
    pub(crate) fn new(q: &SearchQuery) -> Result<Plan, SearchError> {
        let parsed = ParsedQuery::parse(&q.text)?;
        let by_relevance = q.order == SearchOrder::Relevance && parsed.has_positive();
        Ok(Plan {
            parsed,
            by_relevance,
            offset: q.offset,
            limit: q.limit.min(MAX_LIMIT),
        })
    }
}
