//! What the search index holds for a record, and how a search is asked. Both search backends
//! (tantivy embedded, PostgreSQL scale-out) take and give these types.
use crate::ids::{AccountId, OrgId, RecordId, UnitId};
use crate::record::{Classification, Direction, ItemKind};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One record as the search index sees it (its newest version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchDoc {
    pub record_id: RecordId,
    pub org_id: OrgId,
    pub account_id: AccountId,
    pub unit_id: UnitId,
    pub kind: ItemKind,
    pub direction: Direction,
    pub classification: Classification,
    pub available_at: DateTime<Utc>,
    pub deleted: bool,
    pub author_name: String,
    pub text: String,
    /// The record was disposed of (R9): the index drops it instead of storing it.
    #[serde(default)]
    pub disposed: bool,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchOrder {
    /// Best match first (BM25 / ts_rank).
    #[default]
    Relevance,
    /// Newest `available_at` first.
    Newest,
}

/// A search, always within one organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchQuery {
    pub org_id: OrgId,
    /// Words (stemmed Swedish: "skola" finds "skolan", "skolor"), `"quoted phrases"`,
    /// `-excluded` words. Empty text matches every record (filters only).
    pub text: String,
    pub accounts: Vec<AccountId>,
    pub units: Vec<UnitId>,
    pub direction: Option<Direction>,
    pub classifications: Vec<Classification>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub include_deleted: bool,
    pub order: SearchOrder,
    pub offset: usize,
    pub limit: usize,
}

impl SearchQuery {
    pub fn new(org_id: OrgId, text: impl Into<String>) -> Self {
        SearchQuery {
            org_id,
            text: text.into(),
            accounts: Vec::new(),
            units: Vec::new(),
            direction: None,
            classifications: Vec::new(),
            from: None,
            to: None,
            include_deleted: true,
            order: SearchOrder::Relevance,
            offset: 0,
            limit: 20,
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub record_id: RecordId,
    pub score: f32,
    /// A short excerpt with the matched words, plain text.
    pub snippet: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    /// How many records match in all (not just this page).
    pub total: u64,
    pub hits: Vec<SearchHit>,
}
