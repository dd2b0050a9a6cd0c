use crate::{BenchResult, SearchArgs, app_config};
use insyn_domain::{RecordId, SearchQuery};
use sqlx::{QueryBuilder, Sqlite};
use std::time::{Duration, Instant};

/// 50 queries a registrar or communicator might type: single words (stemmed), two words, phrases.
pub const QUERIES: [&str; 50] = [
    "skola",
    "snöröjning",
    "klaga",
    "ärende",
    "bygglov",
    "hemtjänst",
    "simhallen",
    "biblioteket",
    "personnummer",
    "handläggare",
    "förskoleplats",
    "sophämtningen",
    "busstiderna",
    "vägarbetet",
    "skandal",
    "idiot",
    "ångra",
    "synpunkt",
    "överklaga",
    "protokollet",
    "vattenledningen",
    "gatubelysningen",
    "parkering",
    "lekplatsen",
    "detaljplanen",
    "fiberutbyggnaden",
    "färdtjänsten",
    "äldreboende",
    "medicin",
    "mobbad",
    "orosanmälan",
    "försörjningsstöd",
    "kontaktcenter",
    "tack information",
    "snöröjningen pågår",
    "kommunen satsa",
    "skolmaten fiskgratäng",
    "ansökan förskoleklass",
    "hur långt",
    "vem kontakta",
    "\"allmän handling\"",
    "\"mitt ärende\"",
    "\"under all kritik\"",
    "\"bra initiativ\"",
    "\"ekbacka.se\"",
    "cykelbanor",
    "brandvarnaren",
    "eldningsförbud",
    "sommarjobbare",
    "renoveringen",
];

/// The loaded records as search documents, 20,000 at a time, for the peers' tables.
#[derive(Default)]
struct DocPages {
    after: Option<RecordId>,
}

impl DocPages {
    async fn next(
        &mut self,
        app: &insyn_app::App,
    ) -> Result<Option<Vec<insyn_domain::SearchDoc>>, String> {
        let after = self.after.unwrap_or(RecordId(0));
        let docs = app
            .store
            .search_docs_after(after, 20_000)
            .await
            .map_err(|e| e.to_string())?;
        Ok(docs.last().map(|last| last.record_id).map(|last| {
            self.after = Some(last);
            docs
        }))
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

fn summary(name: &str, mut times: Vec<Duration>, hits: u64) {
    times.sort();
    println!(
        "| {name} | {:.2} | {:.2} | {:.2} | {hits} |",
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times
            .last()
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    );
}

/// Each query runs 3 times after one warm-up round; every engine does the same work: the 20
/// best matches and the total count.
const ROUNDS: usize = 3;

pub async fn run(s: &SearchArgs) -> BenchResult {
    let dir = s.common.dir.join("insyn");
    let app = insyn_app::App::open(app_config(&dir))
        .await
        .map_err(|e| e.to_string())?;
    let org = app
        .organisations()
        .await
        .map_err(|e| e.to_string())?
        .first()
        .cloned()
        .ok_or("no data: run `load` first")?;
    let n = app
        .store
        .count_records(org.id)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "## Search, {n} records, {} queries × {ROUNDS} rounds (ms)",
        QUERIES.len()
    );
    println!("| engine | p50 | p99 | max | matches (sum over queries) |");
    println!("|---|---|---|---|---|");

    // Insyn: the index alone, and end to end (with the records fetched from SQLite)
    let mut times = Vec::new();
    let mut e2e = Vec::new();
    let mut total = 0;
    for round in 0..=ROUNDS {
        for q in QUERIES {
            let query = SearchQuery::new(org.id, q);
            let t = Instant::now();
            let r = app.search.search(&query).await.map_err(|e| e.to_string())?;
            let d = t.elapsed();
            let t = Instant::now();
            app.search(&query).await.map_err(|e| e.to_string())?;
            let d2 = t.elapsed();
            if round > 0 {
                times.push(d);
                e2e.push(d2 + d);
            } else {
                total += r.total;
            }
        }
    }
    summary("Insyn, tantivy index (Swedish stemming)", times, total);
    summary("Insyn, search + records fetched (end to end)", e2e, total);

    // SQLite FTS5 on the same rows (unicode61 without diacritic folding; no Swedish stemmer exists)
    let fts_path = s.common.dir.join("fts5.db");
    let _ = std::fs::remove_file(&fts_path);
    let fts = sqlx::SqlitePool::connect_with(
        sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&fts_path)
            .create_if_missing(true),
    )
    .await
    .map_err(|e| e.to_string())?;
    sqlx::query(
        "CREATE VIRTUAL TABLE docs USING fts5(body, tokenize = 'unicode61 remove_diacritics 0')",
    )
    .execute(&fts)
    .await
    .map_err(|e| e.to_string())?;
    let mut pages = DocPages::default();
    while let Some(docs) = pages.next(&app).await? {
        let mut tx = fts.begin().await.map_err(|e| e.to_string())?;
        for chunk in docs.chunks(500) {
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("INSERT INTO docs (rowid, body) ");
            q.push_values(chunk, |mut b, d| {
                b.push_bind(d.record_id.0)
                    .push_bind(format!("{} {}", d.author_name, d.text));
            });
            q.build()
                .execute(&mut *tx)
                .await
                .map_err(|e| e.to_string())?;
        }
        tx.commit().await.map_err(|e| e.to_string())?;
    }
    let mut times = Vec::new();
    let mut total = 0;
    for round in 0..=ROUNDS {
        for q in QUERIES {
            let t = Instant::now();
            let _top: Vec<(i64,)> =
                sqlx::query_as("SELECT rowid FROM docs WHERE docs MATCH $1 ORDER BY rank LIMIT 20")
                    .bind(q)
                    .fetch_all(&fts)
                    .await
                    .map_err(|e| format!("fts5 {q}: {e}"))?;
            let (count,): (i64,) = sqlx::query_as("SELECT count(*) FROM docs WHERE docs MATCH $1")
                .bind(q)
                .fetch_one(&fts)
                .await
                .map_err(|e| e.to_string())?;
            if round > 0 {
                times.push(t.elapsed());
            } else {
                total += count as u64;
            }
        }
    }
    summary("SQLite FTS5 (unicode61, no stemming)", times, total);

    // PostgreSQL full-text search (its own 'swedish' configuration) on the same rows
    if let Some(server) = &s.postgres {
        let admin = sqlx::PgPool::connect(server)
            .await
            .map_err(|e| format!("postgres: {e}"))?;
        let _ = sqlx::query("DROP DATABASE IF EXISTS insyn_bench_search")
            .execute(&admin)
            .await;
        sqlx::query("CREATE DATABASE insyn_bench_search")
            .execute(&admin)
            .await
            .map_err(|e| e.to_string())?;
        let (base, _) = server
            .rsplit_once('/')
            .ok_or("postgres URL needs a database name")?;
        let pg = sqlx::PgPool::connect(&format!("{base}/insyn_bench_search"))
            .await
            .map_err(|e| e.to_string())?;
        sqlx::query("CREATE TABLE docs (id BIGINT PRIMARY KEY, body TEXT, tsv tsvector GENERATED ALWAYS AS (to_tsvector('swedish', body)) STORED)")
            .execute(&pg)
            .await
            .map_err(|e| e.to_string())?;
        let mut pages = DocPages::default();
        while let Some(docs) = pages.next(&app).await? {
            for chunk in docs.chunks(1000) {
                let mut q: QueryBuilder<sqlx::Postgres> =
                    QueryBuilder::new("INSERT INTO docs (id, body) ");
                q.push_values(chunk, |mut b, d| {
                    b.push_bind(d.record_id.0)
                        .push_bind(format!("{} {}", d.author_name, d.text));
                });
                q.build().execute(&pg).await.map_err(|e| e.to_string())?;
            }
        }
        sqlx::query("CREATE INDEX docs_tsv ON docs USING gin (tsv)")
            .execute(&pg)
            .await
            .map_err(|e| e.to_string())?;
        sqlx::query("ANALYZE docs")
            .execute(&pg)
            .await
            .map_err(|e| e.to_string())?;
        let mut times = Vec::new();
        let mut total = 0;
        for round in 0..=ROUNDS {
            for q in QUERIES {
                let t = Instant::now();
                let _top: Vec<(i64,)> = sqlx::query_as(
                    "SELECT id FROM docs, websearch_to_tsquery('swedish', $1) q WHERE tsv @@ q ORDER BY ts_rank(tsv, q) DESC LIMIT 20",
                )
                .bind(q)
                .fetch_all(&pg)
                .await
                .map_err(|e| e.to_string())?;
                let (count,): (i64,) = sqlx::query_as(
                    "SELECT count(*) FROM docs WHERE tsv @@ websearch_to_tsquery('swedish', $1)",
                )
                .bind(q)
                .fetch_one(&pg)
                .await
                .map_err(|e| e.to_string())?;
                if round > 0 {
                    times.push(t.elapsed());
                } else {
                    total += count as u64;
                }
            }
        }
        summary(
            "PostgreSQL 15 full-text search ('swedish', GIN)",
            times,
            total,
        );
    } else {
        println!("(PostgreSQL side skipped: set INSYN_BENCH_POSTGRES_URL or --postgres)");
    }
    Ok(())
}
