use crate::{BenchResult, Common, app_config, peak_rss_mb};
use chrono::Utc;
use insyn_app::demo::{DemoOptions, ThreadGenerator};
use insyn_domain::*;
use sqlx::{QueryBuilder, Sqlite};
use std::path::Path;
use std::time::Instant;

pub async fn run(c: &Common) -> BenchResult {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut results = Vec::new();
    for side in ["ceiling", "insyn"] {
        let dir = c.dir.join(side);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| e.to_string())?;
        }
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let out = std::process::Command::new(&exe)
            .args([
                "load-side",
                side,
                "--records",
                &c.records.to_string(),
                "--dir",
            ])
            .arg(&dir)
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!(
                "{side} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let line = String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .unwrap_or_default()
            .to_string();
        let v: serde_json::Value =
            serde_json::from_str(&line).map_err(|e| format!("{side}: {e}: {line}"))?;
        results.push(v);
    }
    let (ceiling, insyn) = (&results[0], &results[1]);
    let rate = |v: &serde_json::Value| v["records_per_s"].as_f64().unwrap_or(0.0);
    println!("## Bulk load, {} records", c.records);
    println!("| loader | seconds | records/s | peak memory (MB) |");
    println!("|---|---|---|---|");
    for (name, v) in [
        ("plain SQL into SQLite (ceiling)", ceiling),
        ("insyn demo (store + audit + blobs + search)", insyn),
    ] {
        println!(
            "| {name} | {:.1} | {:.0} | {:.0} |",
            v["seconds"].as_f64().unwrap_or(0.0),
            rate(v),
            v["peak_rss_mb"].as_f64().unwrap_or(0.0)
        );
    }
    println!(
        "ratio insyn / ceiling: {:.0} %",
        100.0 * rate(insyn) / rate(ceiling).max(1.0)
    );
    Ok(())
}

pub async fn side(side: &str, records: u64, dir: &Path) -> BenchResult {
    let started = Instant::now();
    let produced = match side {
        "insyn" => {
            let app = insyn_app::App::open(app_config(dir))
                .await
                .map_err(|e| e.to_string())?;
            let opts = DemoOptions {
                records,
                ..Default::default()
            };
            let report = insyn_app::demo::load(&app, &opts, &insyn_app::NoProgress)
                .await
                .map_err(|e| e.to_string())?;
            report.records
        }
        "ceiling" => plain_sql(records, dir).await?,
        other => return Err(format!("unknown side {other}")),
    };
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({"side": side, "records": produced, "seconds": seconds, "records_per_s": produced as f64 / seconds, "peak_rss_mb": peak_rss_mb()})
    );
    Ok(())
}

/// The ceiling: the same generated rows (record, version, event, audit entry per item) written
/// with plain multi-row INSERTs in large transactions, no hashing, no blobs, no search index.
async fn plain_sql(records: u64, dir: &Path) -> Result<u64, String> {
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
    let opts = SqliteConnectOptions::new()
        .filename(dir.join("plain.db"))
        .create_if_missing(true)
        // the store's page size, so that both sides write the same kind of database
        .page_size(insyn_store::sqlite::PAGE_SIZE)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal);
    let pool = sqlx::SqlitePool::connect_with(opts)
        .await
        .map_err(|e| e.to_string())?;
    for ddl in [
        "CREATE TABLE records (id INTEGER PRIMARY KEY, account_id INTEGER, platform_item_id TEXT, kind TEXT, direction TEXT, parent TEXT, author_id TEXT, available_at TEXT, UNIQUE (account_id, platform_item_id))",
        "CREATE TABLE versions (id INTEGER PRIMARY KEY, record_id INTEGER, number INTEGER, text TEXT, author TEXT, digest TEXT)",
        "CREATE TABLE events (id INTEGER PRIMARY KEY, record_id INTEGER, kind TEXT, at TEXT)",
        "CREATE TABLE audit (seq INTEGER PRIMARY KEY, subject TEXT, digest TEXT, hash TEXT)",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(ddl))
            .execute(&pool)
            .await
            .map_err(|e| e.to_string())?;
    }
    let accounts: Vec<Account> = (1..=12).map(fake_account).collect();
    let mut generator = ThreadGenerator::new(2026, records);
    let mut next_id: i64 = 1;
    let mut tx = pool.begin().await.map_err(|e| e.to_string())?;
    let mut in_tx = 0;
    let mut buffer: Vec<CaptureItem> = Vec::new();
    loop {
        let done = generator.produced() >= records;
        if !done {
            let i = generator.pick(accounts.len());
            buffer.extend(
                generator
                    .page(&accounts[i], i % 6, insyn_app::demo::PAGE_ITEMS)
                    .items,
            );
        }
        // the same statement size as the store uses (500 rows)
        if buffer.len() >= 500 || (done && !buffer.is_empty()) {
            let items = std::mem::take(&mut buffer);
            let first = next_id;
            next_id += items.len() as i64;
            let ids: Vec<i64> = (first..next_id).collect();
            insert_plain(&mut tx, &items, &ids)
                .await
                .map_err(|e| e.to_string())?;
            in_tx += items.len();
        }
        if in_tx >= 10_000 || done {
            tx.commit().await.map_err(|e| e.to_string())?;
            if done {
                break;
            }
            tx = pool.begin().await.map_err(|e| e.to_string())?;
            in_tx = 0;
        }
    }
    Ok(generator.produced())
}

async fn insert_plain(
    tx: &mut sqlx::Transaction<'static, Sqlite>,
    items: &[CaptureItem],
    ids: &[i64],
) -> Result<(), sqlx::Error> {
    let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
        "INSERT INTO records (id, account_id, platform_item_id, kind, direction, parent, author_id, available_at) ",
    );
    q.push_values(items.iter().zip(ids), |mut b, (it, id)| {
        b.push_bind(*id)
            .push_bind(it.account_id.0)
            .push_bind(it.platform_item_id.clone())
            .push_bind(it.kind.as_str())
            .push_bind(it.direction.as_str())
            .push_bind(it.parent_platform_id.clone())
            .push_bind(it.author_platform_id.clone())
            .push_bind(it.available_at);
    });
    q.build().execute(&mut **tx).await?;
    let mut q: QueryBuilder<Sqlite> =
        QueryBuilder::new("INSERT INTO versions (record_id, number, text, author, digest) ");
    q.push_values(items.iter().zip(ids), |mut b, (it, id)| {
        b.push_bind(*id)
            .push_bind(1i64)
            .push_bind(it.text.clone())
            .push_bind(it.author_name.clone())
            .push_bind("0".repeat(64));
    });
    q.build().execute(&mut **tx).await?;
    let mut q: QueryBuilder<Sqlite> =
        QueryBuilder::new("INSERT INTO events (record_id, kind, at) ");
    q.push_values(ids, |mut b, id| {
        b.push_bind(*id).push_bind("captured").push_bind(Utc::now());
    });
    q.build().execute(&mut **tx).await?;
    let mut q: QueryBuilder<Sqlite> =
        QueryBuilder::new("INSERT INTO audit (subject, digest, hash) ");
    q.push_values(ids, |mut b, id| {
        b.push_bind(format!("record:{id}"))
            .push_bind("0".repeat(64))
            .push_bind("0".repeat(64));
    });
    q.build().execute(&mut **tx).await?;
    Ok(())
}

fn fake_account(i: i64) -> Account {
    Account {
        id: AccountId(i),
        org_id: OrgId(1),
        unit_id: UnitId(1),
        platform: Platform::ALL[(i as usize) % Platform::ALL.len()],
        handle: format!("konto{i}"),
        url: String::new(),
        platform_id: format!("{i}"),
        purpose: String::new(),
        target_group: String::new(),
        message: String::new(),
        contact: String::new(),
        responsible: vec![],
        office_hours: OfficeHours::default(),
        response_hours: 8,
        status: AccountStatus::Active,
        planned_at: Utc::now(),
        opened_at: None,
        closed_at: None,
    }
}
