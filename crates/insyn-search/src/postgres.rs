//! The scale-out backend: PostgreSQL full-text search, shared by any number of processes.
//!
//! PostgreSQL stores and matches `tsvector`s but does not analyze text here: the documents'
//! `tsvector`s and the searches' `tsquery`s are made in Rust by the same analyzer tantivy uses
//! (see [`crate::analysis`]), so both backends find the same records. (PostgreSQL's built-in
//! `swedish` configuration uses an older Snowball that does not stem *bygglovet*, stems neither
//! *skolan* nor *skolans* like *skola*, removes stop words such as *vara* and *man*, and depends
//! on the database's locale for lower-casing.)

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use insyn_domain::ids::{OrgId, RecordId};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Postgres, QueryBuilder};

use crate::analysis::{pg_quote, pg_text, pg_tsvector, snippet, stem_term, swedish_analyzer};
use crate::{Plan, SearchDoc, SearchError, SearchHit, SearchIndex, SearchQuery, SearchResults};

/// Rows per INSERT statement.
const CHUNK: usize = 2_000;

/// Serialises schema creation between processes starting at the same time.
const SCHEMA_LOCK: i64 = 0x696e_7379_6e5f_7331; // "insyn_s1"

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS search_docs (
        record_id BIGINT PRIMARY KEY,
        org_id BIGINT NOT NULL,
        account_id BIGINT NOT NULL,
        unit_id BIGINT NOT NULL,
        kind TEXT NOT NULL,
        direction TEXT NOT NULL,
        classification TEXT NOT NULL,
        available_at TIMESTAMPTZ NOT NULL,
        deleted BOOLEAN NOT NULL,
        author_name TEXT NOT NULL,
        body TEXT NOT NULL,
        -- the watermark of the apply that wrote the row; an older apply does not overwrite it
        applied BIGINT NOT NULL,
        -- made by insyn-search's Swedish analyzer (Rust), not by PostgreSQL
        tsv TSVECTOR NOT NULL
    )",
    "CREATE INDEX IF NOT EXISTS search_docs_tsv ON search_docs USING GIN (tsv)",
    "CREATE INDEX IF NOT EXISTS search_docs_org_available ON search_docs (org_id, available_at)",
    "CREATE TABLE IF NOT EXISTS search_state (
        id INT PRIMARY KEY,
        watermark BIGINT NOT NULL
    )",
    "INSERT INTO search_state (id, watermark) VALUES (1, 0) ON CONFLICT (id) DO NOTHING",
];

/// PostgreSQL full-text search. Cheap to clone (a pool).
#[derive(Clone, Debug)]
pub struct PgSearch {
    pool: PgPool,
}

/// One doc ready for the INSERT.
struct Row {
    record_id: i64,
    org_id: i64,
    account_id: i64,
    unit_id: i64,
    kind: &'static str,
    direction: &'static str,
    classification: &'static str,
    available_at: DateTime<Utc>,
    deleted: bool,
    author_name: String,
    body: String,
    tsv: String,
}

fn rows(docs: Vec<SearchDoc>) -> Vec<Row> {
    // Within a batch the last doc for a record wins; rows go in record id order, so that
    // concurrent applies lock rows in the same order and cannot deadlock.
    let mut last: HashMap<i64, SearchDoc> = HashMap::with_capacity(docs.len());
    for d in docs {
        last.insert(d.record_id.0, d);
    }
    let mut docs: Vec<SearchDoc> = last.into_values().collect();
    docs.sort_by_key(|d| d.record_id.0);
    let mut analyzer = swedish_analyzer();
    docs.into_iter()
        .map(|d| Row {
            record_id: d.record_id.0,
            org_id: d.org_id.0,
            account_id: d.account_id.0,
            unit_id: d.unit_id.0,
            kind: d.kind.as_str(),
            direction: d.direction.as_str(),
            classification: d.classification.as_str(),
            available_at: d.available_at,
            deleted: d.deleted,
            tsv: pg_tsvector(&mut analyzer, &d.author_name, &d.text),
            author_name: pg_text(&d.author_name),
            body: pg_text(&d.text),
        })
        .collect()
}

impl PgSearch {
    /// Uses `pool` and creates the tables and indexes if they are missing.
    pub async fn connect(pool: PgPool) -> Result<PgSearch, SearchError> {
        let mut tx = pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(SCHEMA_LOCK)
            .execute(&mut *tx)
            .await?;
        for statement in SCHEMA {
            sqlx::query(*statement).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(PgSearch { pool })
    }

    /// Connects to `url` (`postgres://...`) with a small pool of its own.
    pub async fn connect_url(url: &str) -> Result<PgSearch, SearchError> {
        let pool = PgPoolOptions::new().max_connections(8).connect(url).await?;
        PgSearch::connect(pool).await
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// The `tsquery` literal for the words of a search (`None`: no words).
fn tsquery(plan: &Plan) -> Option<String> {
    let mut analyzer = swedish_analyzer();
    let mut parts = Vec::new();
    for clause in &plan.parsed.clauses {
        let lexemes: Vec<String> = clause
            .terms
            .iter()
            .filter_map(|t| stem_term(&mut analyzer, t))
            .map(|s| pg_quote(&s))
            .collect();
        let body = match lexemes.len() {
            0 => continue,
            1 => lexemes.into_iter().next().expect("one lexeme"),
            _ => format!("( {} )", lexemes.join(" <-> ")),
        };
        parts.push(if clause.negated {
            format!("!{body}")
        } else {
            body
        });
    }
    (!parts.is_empty()).then(|| parts.join(" & "))
}

/// `FROM ... WHERE ...` of a search.
fn push_where(qb: &mut QueryBuilder<Postgres>, q: &SearchQuery, tsquery: &Option<String>) {
    qb.push(" FROM search_docs WHERE org_id = ")
        .push_bind(q.org_id.0);
    if !q.accounts.is_empty() {
        let ids: Vec<i64> = q.accounts.iter().map(|a| a.0).collect();
        qb.push(" AND account_id = ANY(").push_bind(ids).push(")");
    }
    if !q.units.is_empty() {
        let ids: Vec<i64> = q.units.iter().map(|u| u.0).collect();
        qb.push(" AND unit_id = ANY(").push_bind(ids).push(")");
    }
    if let Some(direction) = q.direction {
        qb.push(" AND direction = ").push_bind(direction.as_str());
    }
    if !q.classifications.is_empty() {
        let names: Vec<String> = q
            .classifications
            .iter()
            .map(|c| c.as_str().to_string())
            .collect();
        qb.push(" AND classification = ANY(")
            .push_bind(names)
            .push(")");
    }
    if let Some(from) = q.from {
        qb.push(" AND available_at >= ").push_bind(from);
    }
    if let Some(to) = q.to {
        qb.push(" AND available_at < ").push_bind(to);
    }
    if !q.include_deleted {
        qb.push(" AND NOT deleted");
    }
    if let Some(tsquery) = tsquery {
        qb.push(" AND tsv @@ ")
            .push_bind(tsquery.clone())
            .push("::tsquery");
    }
}

#[async_trait]
impl SearchIndex for PgSearch {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn apply(&self, docs: Vec<SearchDoc>, watermark: i64) -> Result<(), SearchError> {
        let started = std::time::Instant::now();
        let count = docs.len();
        // disposed records (R9) leave the index instead of being stored
        let (gone, docs): (Vec<SearchDoc>, Vec<SearchDoc>) =
            docs.into_iter().partition(|d| d.disposed);
        let gone: Vec<i64> = gone.iter().map(|d| d.record_id.0).collect();
        let rows = tokio::task::spawn_blocking(move || rows(docs)).await?;
        let mut tx = self.pool.begin().await?;
        if !gone.is_empty() {
            sqlx::query("DELETE FROM search_docs WHERE record_id = ANY($1) AND applied <= $2")
                .bind(&gone)
                .bind(watermark)
                .execute(&mut *tx)
                .await?;
        }
        for chunk in rows.chunks(CHUNK) {
            let mut qb: QueryBuilder<Postgres> = QueryBuilder::new(
                "INSERT INTO search_docs (record_id, org_id, account_id, unit_id, kind, direction, \
                 classification, available_at, deleted, author_name, body, applied, tsv) \
                 SELECT r, o, a, u, k, d, c, t, del, au, b, ",
            );
            qb.push_bind(watermark);
            qb.push(", v::tsvector FROM UNNEST(");
            qb.push_bind(chunk.iter().map(|r| r.record_id).collect::<Vec<i64>>());
            qb.push("::BIGINT[], ");
            qb.push_bind(chunk.iter().map(|r| r.org_id).collect::<Vec<i64>>());
            qb.push("::BIGINT[], ");
            qb.push_bind(chunk.iter().map(|r| r.account_id).collect::<Vec<i64>>());
            qb.push("::BIGINT[], ");
            qb.push_bind(chunk.iter().map(|r| r.unit_id).collect::<Vec<i64>>());
            qb.push("::BIGINT[], ");
            qb.push_bind(
                chunk
                    .iter()
                    .map(|r| r.kind.to_string())
                    .collect::<Vec<String>>(),
            );
            qb.push("::TEXT[], ");
            qb.push_bind(
                chunk
                    .iter()
                    .map(|r| r.direction.to_string())
                    .collect::<Vec<String>>(),
            );
            qb.push("::TEXT[], ");
            qb.push_bind(
                chunk
                    .iter()
                    .map(|r| r.classification.to_string())
                    .collect::<Vec<String>>(),
            );
            qb.push("::TEXT[], ");
            qb.push_bind(
                chunk
                    .iter()
                    .map(|r| r.available_at)
                    .collect::<Vec<DateTime<Utc>>>(),
            );
            qb.push("::TIMESTAMPTZ[], ");
            qb.push_bind(chunk.iter().map(|r| r.deleted).collect::<Vec<bool>>());
            qb.push("::BOOLEAN[], ");
            qb.push_bind(
                chunk
                    .iter()
                    .map(|r| r.author_name.clone())
                    .collect::<Vec<String>>(),
            );
            qb.push("::TEXT[], ");
            qb.push_bind(
                chunk
                    .iter()
                    .map(|r| r.body.clone())
                    .collect::<Vec<String>>(),
            );
            qb.push("::TEXT[], ");
            qb.push_bind(chunk.iter().map(|r| r.tsv.clone()).collect::<Vec<String>>());
            qb.push(
                "::TEXT[]) AS x(r, o, a, u, k, d, c, t, del, au, b, v) ORDER BY r \
                 ON CONFLICT (record_id) DO UPDATE SET org_id = EXCLUDED.org_id, \
                 account_id = EXCLUDED.account_id, unit_id = EXCLUDED.unit_id, \
                 kind = EXCLUDED.kind, direction = EXCLUDED.direction, \
                 classification = EXCLUDED.classification, available_at = EXCLUDED.available_at, \
                 deleted = EXCLUDED.deleted, author_name = EXCLUDED.author_name, \
                 body = EXCLUDED.body, applied = EXCLUDED.applied, tsv = EXCLUDED.tsv \
                 WHERE search_docs.applied <= EXCLUDED.applied",
            );
            qb.build().execute(&mut *tx).await?;
        }
        sqlx::query("UPDATE search_state SET watermark = GREATEST(watermark, $1) WHERE id = 1")
            .bind(watermark)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::debug!(
            docs = count,
            watermark,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "applied docs to the search tables"
        );
        Ok(())
    }

    async fn watermark(&self) -> Result<i64, SearchError> {
        let watermark: i64 = sqlx::query_scalar("SELECT watermark FROM search_state WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok(watermark)
    }

    async fn search(&self, q: &SearchQuery) -> Result<SearchResults, SearchError> {
        let plan = Plan::new(q)?;
        let tsquery = tsquery(&plan);

        let mut count: QueryBuilder<Postgres> = QueryBuilder::new("SELECT count(*)");
        push_where(&mut count, q, &tsquery);
        let total: i64 = count.build_query_scalar().fetch_one(&self.pool).await?;
        if plan.limit == 0 || plan.offset >= total as usize {
            return Ok(SearchResults {
                total: total as u64,
                hits: Vec::new(),
            });
        }

        let mut page: QueryBuilder<Postgres> = QueryBuilder::new("SELECT record_id, body, ");
        match (&tsquery, plan.by_relevance) {
            (Some(tsquery), true) => {
                page.push("ts_rank(tsv, ")
                    .push_bind(tsquery.clone())
                    .push("::tsquery)");
            }
            _ => {
                page.push("0::REAL");
            }
        }
        page.push(" AS score");
        push_where(&mut page, q, &tsquery);
        if plan.by_relevance {
            page.push(" ORDER BY score DESC, record_id DESC");
        } else {
            page.push(" ORDER BY available_at DESC, record_id DESC");
        }
        page.push(" LIMIT ").push_bind(plan.limit as i64);
        page.push(" OFFSET ").push_bind(plan.offset as i64);
        let rows: Vec<(i64, String, f32)> = page.build_query_as().fetch_all(&self.pool).await?;

        let stems_of_plan = plan;
        let hits = tokio::task::spawn_blocking(move || {
            let mut analyzer = swedish_analyzer();
            let stems: HashSet<String> = stems_of_plan
                .parsed
                .positives()
                .flat_map(|c| c.terms.iter())
                .filter_map(|t| stem_term(&mut analyzer, t))
                .collect();
            rows.into_iter()
                .map(|(id, body, score)| SearchHit {
                    record_id: RecordId(id),
                    score,
                    snippet: snippet(&mut analyzer, &body, &stems),
                })
                .collect::<Vec<_>>()
        })
        .await?;
        Ok(SearchResults {
            total: total as u64,
            hits,
        })
    }

    async fn clear(&self) -> Result<(), SearchError> {
        // Same lock order as apply (docs, then state), so the two cannot deadlock.
        let mut tx = self.pool.begin().await?;
        sqlx::query("TRUNCATE search_docs")
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE search_state SET watermark = 0 WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn doc_count(&self, org: OrgId) -> Result<u64, SearchError> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM search_docs WHERE org_id = $1")
            .bind(org.0)
            .fetch_one(&self.pool)
            .await?;
        Ok(n as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use insyn_domain::search::SearchQuery;

    fn ts(text: &str) -> Option<String> {
        tsquery(&Plan::new(&SearchQuery::new(OrgId(1), text)).unwrap())
    }

    #[test]
    fn tsquery_literals() {
        assert_eq!(ts(""), None);
        assert_eq!(ts("!!!"), None);
        assert_eq!(ts("Skolan"), Some("'skol'".into()));
        assert_eq!(
            ts(r#"skolan "snöröjning på" -parkering -"a b""#),
            Some("'skol' & ( 'snöröjning' <-> 'på' ) & !'parkering' & !( 'a' <-> 'b' )".into())
        );
        // Nothing the user types reaches the tsquery syntax unquoted.
        assert_eq!(
            ts(r#"'a' :* &|!() \\ b\c"#),
            Some("'a' & ( 'b' <-> 'c' )".into())
        );
    }
}
