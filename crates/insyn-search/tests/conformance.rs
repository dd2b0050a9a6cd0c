//! One conformance suite, run against every backend: each check below becomes
//! `on_tantivy::<check>` and `on_postgres::<check>` (skipped without `INSYN_TEST_POSTGRES_URL`).

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use insyn_domain::{AccountId, Classification, Direction, ItemKind, OrgId, RecordId, UnitId};
use insyn_search::{
    MAX_LIMIT, PgSearch, SNIPPET_MAX_CHARS, SearchDoc, SearchError, SearchIndex, SearchOrder,
    SearchQuery, TantivyIndex,
};

// --- harness -------------------------------------------------------------------------------

enum Backend {
    Tantivy(tempfile::TempDir),
    Postgres(String),
}

impl Backend {
    fn tantivy() -> Backend {
        Backend::Tantivy(tempfile::tempdir().expect("temporary folder"))
    }

    fn postgres(test: &str) -> Option<Backend> {
        insyn_testkit::postgres::fresh_database(test).map(Backend::Postgres)
    }

    async fn open(&self) -> Arc<dyn SearchIndex> {
        match self {
            Backend::Tantivy(dir) => {
                Arc::new(TantivyIndex::open(dir.path()).expect("open tantivy"))
            }
            Backend::Postgres(url) => Arc::new(
                PgSearch::connect_url(url)
                    .await
                    .expect("connect to PostgreSQL"),
            ),
        }
    }

    /// `n` handles on the same index: separate connections (as separate processes would have)
    /// for PostgreSQL; the one in-process index for tantivy, which locks its folder.
    async fn open_many(&self, n: usize) -> Vec<Arc<dyn SearchIndex>> {
        match self {
            Backend::Tantivy(_) => {
                let ix = self.open().await;
                (0..n).map(|_| ix.clone()).collect()
            }
            Backend::Postgres(_) => {
                let mut out = Vec::new();
                for _ in 0..n {
                    out.push(self.open().await);
                }
                out
            }
        }
    }
}

macro_rules! conformance {
    ($($check:ident),* $(,)?) => {
        mod on_tantivy {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $check() {
                    let backend = super::Backend::tantivy();
                    super::$check(&backend).await;
                }
            )*
        }
        mod on_postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $check() {
                    let Some(backend) = super::Backend::postgres(stringify!($check)) else {
                        return;
                    };
                    super::$check(&backend).await;
                }
            )*
        }
    };
}

conformance!(
    swedish_stemming,
    letters_are_not_folded,
    compounds_are_not_split,
    phrases,
    exclusions,
    author_names,
    filters,
    deleted_records,
    period_bounds,
    orders,
    paging_and_total,
    limit_is_capped,
    empty_text_matches_all,
    snippets,
    replace_on_reapply,
    older_apply_does_not_overwrite,
    tenant_wall,
    watermark_is_monotonic_and_persisted,
    clear_resets,
    invalid_queries,
    nasty_input,
    concurrent_applies,
    disposed_records_leave,
);

// --- fixtures ------------------------------------------------------------------------------

const ORG: OrgId = OrgId(1);
const OTHER_ORG: OrgId = OrgId(2);

fn base_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0).unwrap()
}

/// A received post in ORG, account 10, unit 100, available `id` hours after the base time.
fn doc(id: i64, text: &str) -> SearchDoc {
    SearchDoc {
        record_id: RecordId(id),
        org_id: ORG,
        account_id: AccountId(10),
        unit_id: UnitId(100),
        kind: ItemKind::Post,
        direction: Direction::Received,
        classification: Classification::Unassessed,
        available_at: base_time() + Duration::hours(id),
        deleted: false,
        author_name: "Kim Berg".to_string(),
        text: text.to_string(),
        disposed: false,
    }
}

fn q(text: &str) -> SearchQuery {
    let mut q = SearchQuery::new(ORG, text);
    q.limit = MAX_LIMIT;
    q
}

async fn ids(ix: &dyn SearchIndex, q: &SearchQuery) -> Vec<i64> {
    let r = ix
        .search(q)
        .await
        .unwrap_or_else(|e| panic!("{} search {:?}: {e}", ix.backend(), q.text));
    r.hits.iter().map(|h| h.record_id.0).collect()
}

async fn found(ix: &dyn SearchIndex, text: &str) -> Vec<i64> {
    let mut v = ids(ix, &q(text)).await;
    v.sort();
    v
}

async fn total(ix: &dyn SearchIndex, q: &SearchQuery) -> u64 {
    ix.search(q).await.unwrap().total
}

// --- checks --------------------------------------------------------------------------------

async fn swedish_stemming(b: &Backend) {
    let ix = b.open().await;
    ix.apply(
        vec![
            doc(1, "Skolan är stängd i dag."),
            doc(2, "Alla skolor får nya datorer."),
            doc(3, "Skolans rektor svarar i morgon."),
            doc(4, "Kommunen har fattat beslut."),
            doc(5, "Läs kommunens nya plan."),
            doc(6, "Flera kommuner samarbetar."),
            doc(7, "Bygglovet beviljades i går."),
            doc(8, "Hur söker jag bygglov?"),
            doc(9, "Gatan plogas efter lunch."),
            doc(10, "Skolorna och kommunerna möts."),
        ],
        1,
    )
    .await
    .unwrap();
    let backend = ix.backend();
    assert_eq!(found(&*ix, "skola").await, vec![1, 2, 3, 10], "{backend}");
    assert_eq!(found(&*ix, "SKOLAN").await, vec![1, 2, 3, 10], "{backend}");
    assert_eq!(found(&*ix, "skolor").await, vec![1, 2, 3, 10], "{backend}");
    assert_eq!(found(&*ix, "kommun").await, vec![4, 5, 6, 10], "{backend}");
    assert_eq!(
        found(&*ix, "kommunerna").await,
        vec![4, 5, 6, 10],
        "{backend}"
    );
    assert_eq!(found(&*ix, "bygglov").await, vec![7, 8], "{backend}");
    assert_eq!(found(&*ix, "bygglovet").await, vec![7, 8], "{backend}");
    assert_eq!(found(&*ix, "gata").await, vec![9], "{backend}");
    // All words must match.
    assert_eq!(found(&*ix, "skola kommun").await, vec![10], "{backend}");
    assert_eq!(
        found(&*ix, "skola cykel").await,
        Vec::<i64>::new(),
        "{backend}"
    );
}

async fn letters_are_not_folded(b: &Backend) {
    let ix = b.open().await;
    ix.apply(
        vec![
            doc(1, "Vi får svar i dag."),
            doc(2, "Min far ringde."),
            doc(3, "Klipp håret kort."),
            doc(4, "Vi har öppet."),
            doc(5, "Åre kommun"),
        ],
        1,
    )
    .await
    .unwrap();
    assert_eq!(found(&*ix, "får").await, vec![1]);
    assert_eq!(found(&*ix, "far").await, vec![2]);
    assert_eq!(found(&*ix, "hår").await, vec![3]);
    assert_eq!(found(&*ix, "har").await, vec![4]);
    assert_eq!(found(&*ix, "åre").await, vec![5]);
    assert_eq!(found(&*ix, "are").await, Vec::<i64>::new());
}

async fn compounds_are_not_split(b: &Backend) {
    let ix = b.open().await;
    ix.apply(
        vec![
            doc(1, "Min bygglovsansökan är inskickad."),
            doc(2, "Ansökan om bygglov"),
        ],
        1,
    )
    .await
    .unwrap();
    // Documented limitation: compounds match only as a whole word.
    assert_eq!(found(&*ix, "bygglov").await, vec![2]);
    assert_eq!(found(&*ix, "ansökan").await, vec![2]);
    assert_eq!(found(&*ix, "bygglovsansökan").await, vec![1]);
}

async fn phrases(b: &Backend) {
    let ix = b.open().await;
    ix.apply(
        vec![
            doc(1, "Snöröjningen på Storgatan börjar klockan sex."),
            doc(2, "På grund av snöröjning är gatan stängd."),
            doc(3, "Snöröjning sker på natten."),
            doc(4, "Välkommen till Vara kommun!"),
            doc(5, "Det kan vara kommunens ansvar."),
            doc(6, "Kommunen Vara"),
        ],
        1,
    )
    .await
    .unwrap();
    assert_eq!(found(&*ix, r#""snöröjning på""#).await, vec![1]);
    assert_eq!(found(&*ix, r#""snöröjningen på storgatan""#).await, vec![1]);
    assert_eq!(found(&*ix, r#""på snöröjning""#).await, Vec::<i64>::new());
    assert_eq!(found(&*ix, r#""snöröjning sker""#).await, vec![3]);
    assert_eq!(found(&*ix, "snöröjning på").await, vec![1, 2, 3]);
    // Common words are indexed (no stop words): "Vara" is a municipality.
    assert_eq!(found(&*ix, r#""vara kommun""#).await, vec![4, 5]);
    assert_eq!(found(&*ix, "vara kommun").await, vec![4, 5, 6]);
    // Typographic quotes and a hyphenated word are phrases too.
    assert_eq!(found(&*ix, "”snöröjning på”").await, vec![1]);
    assert_eq!(found(&*ix, "snöröjning-på").await, vec![1]);
}

async fn exclusions(b: &Backend) {
    let ix = b.open().await;
    ix.apply(
        vec![
            doc(1, "Skolan och parkeringen"),
            doc(2, "Skolan och biblioteket"),
            doc(3, "Parkeringen vid biblioteket"),
            doc(4, "Skolan har en ny detaljplan för området"),
            doc(5, "Skolan: plan för området"),
        ],
        1,
    )
    .await
    .unwrap();
    assert_eq!(found(&*ix, "skola -parkering").await, vec![2, 4, 5]);
    assert_eq!(found(&*ix, "skola -parkering -bibliotek").await, vec![4, 5]);
    assert_eq!(found(&*ix, r#"skola -"plan för""#).await, vec![1, 2, 4]);
    // Only exclusions: everything else.
    assert_eq!(found(&*ix, "-skola").await, vec![3]);
    assert_eq!(found(&*ix, r#"-"skolan och""#).await, vec![3, 4, 5]);
}

async fn author_names(b: &Backend) {
    let ix = b.open().await;
    let mut a = doc(1, "Skolan stänger");
    a.author_name = "Anna Svensson".into();
    let mut c = doc(2, "Svensson skolan");
    c.author_name = "Bo Ek".into();
    ix.apply(vec![a, c], 1).await.unwrap();
    assert_eq!(found(&*ix, "svensson").await, vec![1, 2]);
    assert_eq!(found(&*ix, "anna skola").await, vec![1]);
    assert_eq!(found(&*ix, r#""anna svensson""#).await, vec![1]);
    // A phrase does not run from the author's name into the text.
    assert_eq!(found(&*ix, r#""svensson skolan""#).await, vec![2]);
}

async fn filters(b: &Backend) {
    let ix = b.open().await;
    let mut docs = Vec::new();
    for id in 1..=8 {
        let mut d = doc(id, "Fråga om skolan");
        d.account_id = AccountId(10 + id % 2); // odd: 11, even: 10
        d.unit_id = UnitId(100 + id % 4); // 101, 102, 103, 100, ...
        d.direction = if id <= 4 {
            Direction::Received
        } else {
            Direction::Created
        };
        d.classification = match id % 3 {
            0 => Classification::Released,
            1 => Classification::Unassessed,
            _ => Classification::Secret,
        };
        d.kind = ItemKind::Comment;
        docs.push(d);
    }
    ix.apply(docs, 1).await.unwrap();
    for text in ["skola", ""] {
        let mut s = q(text);
        s.accounts = vec![AccountId(11)];
        assert_eq!(
            sorted(ids(&*ix, &s).await),
            vec![1, 3, 5, 7],
            "accounts {text:?}"
        );
        s.accounts = vec![AccountId(11), AccountId(10)];
        assert_eq!(sorted(ids(&*ix, &s).await), (1..=8).collect::<Vec<_>>());
        s.accounts = vec![AccountId(99)];
        assert_eq!(ids(&*ix, &s).await, Vec::<i64>::new());

        let mut s = q(text);
        s.units = vec![UnitId(101), UnitId(100)];
        assert_eq!(
            sorted(ids(&*ix, &s).await),
            vec![1, 4, 5, 8],
            "units {text:?}"
        );

        let mut s = q(text);
        s.direction = Some(Direction::Created);
        assert_eq!(
            sorted(ids(&*ix, &s).await),
            vec![5, 6, 7, 8],
            "direction {text:?}"
        );
        s.direction = Some(Direction::Received);
        assert_eq!(sorted(ids(&*ix, &s).await), vec![1, 2, 3, 4]);

        let mut s = q(text);
        s.classifications = vec![Classification::Released];
        assert_eq!(
            sorted(ids(&*ix, &s).await),
            vec![3, 6],
            "classifications {text:?}"
        );
        s.classifications = vec![Classification::Released, Classification::Secret];
        assert_eq!(sorted(ids(&*ix, &s).await), vec![2, 3, 5, 6, 8]);
        s.classifications = vec![Classification::UnderReview];
        assert_eq!(ids(&*ix, &s).await, Vec::<i64>::new());

        // Filters combine.
        let mut s = q(text);
        s.accounts = vec![AccountId(11)];
        s.direction = Some(Direction::Created);
        s.classifications = vec![Classification::Secret, Classification::Unassessed];
        assert_eq!(sorted(ids(&*ix, &s).await), vec![5, 7], "combined {text:?}");
    }
}

fn sorted(mut v: Vec<i64>) -> Vec<i64> {
    v.sort();
    v
}

async fn deleted_records(b: &Backend) {
    let ix = b.open().await;
    let mut gone = doc(2, "Skolan borttagen");
    gone.deleted = true;
    ix.apply(vec![doc(1, "Skolan kvar"), gone], 1)
        .await
        .unwrap();
    let mut s = q("skola");
    assert!(
        s.include_deleted,
        "the domain default includes deleted records"
    );
    assert_eq!(sorted(ids(&*ix, &s).await), vec![1, 2]);
    s.include_deleted = false;
    assert_eq!(ids(&*ix, &s).await, vec![1]);
    assert_eq!(total(&*ix, &s).await, 1);
    let mut s = q("");
    s.include_deleted = false;
    assert_eq!(ids(&*ix, &s).await, vec![1]);
    assert_eq!(ix.doc_count(ORG).await.unwrap(), 2);
}

async fn period_bounds(b: &Backend) {
    let ix = b.open().await;
    let mut docs: Vec<SearchDoc> = (1..=5).map(|id| doc(id, "Skolan")).collect();
    // Sub-second precision is kept (PostgreSQL keeps microseconds).
    docs[4].available_at = base_time() + Duration::hours(4) + Duration::microseconds(1);
    ix.apply(docs, 1).await.unwrap();
    let at = |h: i64| base_time() + Duration::hours(h);
    let mut s = q("skola");
    s.from = Some(at(2));
    s.to = Some(at(4));
    assert_eq!(
        sorted(ids(&*ix, &s).await),
        vec![2, 3],
        "from inclusive, to exclusive"
    );
    s.from = Some(at(4));
    s.to = None;
    assert_eq!(sorted(ids(&*ix, &s).await), vec![4, 5]);
    s.from = Some(at(4) + Duration::microseconds(1));
    assert_eq!(ids(&*ix, &s).await, vec![5]);
    s.from = None;
    s.to = Some(at(2));
    assert_eq!(ids(&*ix, &s).await, vec![1]);
    s.to = Some(at(4) + Duration::microseconds(1));
    s.from = Some(at(4));
    assert_eq!(ids(&*ix, &s).await, vec![4]);
}

async fn orders(b: &Backend) {
    let ix = b.open().await;
    let filler = "Vi har tagit emot ditt meddelande och återkommer så snart vi kan med ett svar \
                  till dig om ärendet.";
    ix.apply(
        vec![
            doc(1, &format!("{filler} Det gäller skolan.")),
            doc(2, "Skolan, skolan, skolan: skolans skolor!"),
            doc(3, &format!("{filler} {filler} skolan")),
            doc(4, "Ingen träff här."),
        ],
        1,
    )
    .await
    .unwrap();
    let mut s = q("skola");
    s.order = SearchOrder::Relevance;
    let r = ix.search(&s).await.unwrap();
    let order: Vec<i64> = r.hits.iter().map(|h| h.record_id.0).collect();
    assert_eq!(order[0], 2, "the densest match first: {order:?}");
    assert_eq!(sorted(order.clone()), vec![1, 2, 3]);
    assert!(
        r.hits.windows(2).all(|w| w[0].score >= w[1].score),
        "{:?}",
        r.hits
    );
    assert!(r.hits[0].score > 0.0);

    s.order = SearchOrder::Newest;
    assert_eq!(ids(&*ix, &s).await, vec![3, 2, 1]);
    // Equal times: the higher record id first.
    let mut same: Vec<SearchDoc> = (10..13).map(|id| doc(id, "Kommunen")).collect();
    for d in &mut same {
        d.available_at = base_time();
    }
    ix.apply(same, 2).await.unwrap();
    let mut s = q("kommun");
    s.order = SearchOrder::Newest;
    assert_eq!(ids(&*ix, &s).await, vec![12, 11, 10]);
    // Without words, relevance falls back to newest first.
    let mut s = q("");
    s.order = SearchOrder::Relevance;
    assert_eq!(ids(&*ix, &s).await, vec![4, 3, 2, 1, 12, 11, 10]);
}

async fn paging_and_total(b: &Backend) {
    let ix = b.open().await;
    let mut docs: Vec<SearchDoc> = (1..=25).map(|id| doc(id, "Fråga om bygglov")).collect();
    docs.extend((26..=30).map(|id| doc(id, "Annat ärende")));
    ix.apply(docs, 1).await.unwrap();
    for order in [SearchOrder::Newest, SearchOrder::Relevance] {
        let mut seen = Vec::new();
        for page in 0..4 {
            let mut s = q("bygglov");
            s.order = order;
            s.limit = 10;
            s.offset = page * 10;
            let r = ix.search(&s).await.unwrap();
            assert_eq!(r.total, 25, "{order:?} page {page}");
            assert_eq!(r.hits.len(), [10, 10, 5, 0][page], "{order:?} page {page}");
            seen.extend(r.hits.iter().map(|h| h.record_id.0));
        }
        assert_eq!(
            sorted(seen.clone()),
            (1..=25).collect::<Vec<_>>(),
            "{order:?}: {seen:?}"
        );
        if order == SearchOrder::Newest {
            assert_eq!(seen, (1..=25).rev().collect::<Vec<_>>());
        }
    }
    let mut s = q("bygglov");
    s.limit = 0;
    let r = ix.search(&s).await.unwrap();
    assert_eq!((r.total, r.hits.len()), (25, 0));
    s.limit = 5;
    s.offset = 1_000_000;
    let r = ix.search(&s).await.unwrap();
    assert_eq!((r.total, r.hits.len()), (25, 0));
    assert_eq!(total(&*ix, &q("")).await, 30);
}

async fn limit_is_capped(b: &Backend) {
    let ix = b.open().await;
    ix.apply((1..=250).map(|id| doc(id, "Skolan")).collect(), 1)
        .await
        .unwrap();
    let mut s = q("skola");
    s.limit = 10_000;
    let r = ix.search(&s).await.unwrap();
    assert_eq!((r.total, r.hits.len()), (250, MAX_LIMIT));
}

async fn empty_text_matches_all(b: &Backend) {
    let ix = b.open().await;
    ix.apply(vec![doc(1, "Skolan"), doc(2, "Kommunen"), doc(3, "")], 1)
        .await
        .unwrap();
    for text in ["", "   ", "!!! ?", "\"\""] {
        let r = ix.search(&q(text)).await.unwrap();
        assert_eq!(r.total, 3, "{text:?}");
        let got: Vec<i64> = r.hits.iter().map(|h| h.record_id.0).collect();
        assert_eq!(got, vec![3, 2, 1], "newest first for {text:?}");
        assert!(r.hits.iter().all(|h| h.score == 0.0));
    }
}

async fn snippets(b: &Backend) {
    let ix = b.open().await;
    let filler = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(10);
    ix.apply(
        vec![
            doc(
                1,
                &format!("{filler}Snöröjningen på Storgatan börjar\n klockan sex. {filler}"),
            ),
            doc(2, "Kort text om skolan."),
        ],
        1,
    )
    .await
    .unwrap();
    let r = ix.search(&q("snöröjning")).await.unwrap();
    let s = &r.hits[0].snippet;
    assert!(s.chars().count() <= SNIPPET_MAX_CHARS, "{s}");
    assert!(
        s.contains("Snöröjningen på Storgatan börjar klockan sex."),
        "{s}"
    );
    assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
    assert!(!s.contains('<') && !s.contains('\n'), "plain text: {s}");
    let r = ix.search(&q("skola")).await.unwrap();
    assert_eq!(r.hits[0].snippet, "Kort text om skolan.");
    let r = ix.search(&q("")).await.unwrap();
    let s = r
        .hits
        .iter()
        .find(|h| h.record_id.0 == 1)
        .unwrap()
        .snippet
        .clone();
    assert!(
        s.starts_with("Lorem ipsum") && s.chars().count() <= SNIPPET_MAX_CHARS,
        "{s}"
    );
}

async fn replace_on_reapply(b: &Backend) {
    let ix = b.open().await;
    ix.apply(vec![doc(1, "Skolan stänger"), doc(2, "Kommunen")], 1)
        .await
        .unwrap();
    let mut edited = doc(1, "Biblioteket öppnar");
    edited.classification = Classification::Released;
    ix.apply(vec![edited], 2).await.unwrap();
    assert_eq!(found(&*ix, "bibliotek").await, vec![1]);
    assert_eq!(found(&*ix, "skola").await, Vec::<i64>::new());
    assert_eq!(ix.doc_count(ORG).await.unwrap(), 2);
    let mut s = q("");
    s.classifications = vec![Classification::Released];
    assert_eq!(ids(&*ix, &s).await, vec![1]);
    // The same doc applied again changes nothing; within one batch the last one wins.
    ix.apply(vec![doc(2, "Kommunen")], 2).await.unwrap();
    ix.apply(vec![doc(3, "första"), doc(3, "andra"), doc(3, "tredje")], 3)
        .await
        .unwrap();
    assert_eq!(ix.doc_count(ORG).await.unwrap(), 3);
    assert_eq!(found(&*ix, "tredje").await, vec![3]);
    assert_eq!(found(&*ix, "andra").await, Vec::<i64>::new());
    assert_eq!(found(&*ix, "första").await, Vec::<i64>::new());
}

async fn disposed_records_leave(b: &Backend) {
    let ix = b.open().await;
    ix.apply(vec![doc(1, "Skolan stänger"), doc(2, "Skolan öppnar")], 1)
        .await
        .unwrap();
    let mut gone = doc(1, "");
    gone.disposed = true;
    ix.apply(vec![gone], 2).await.unwrap();
    assert_eq!(found(&*ix, "skola").await, vec![2]);
    assert_eq!(ix.doc_count(ORG).await.unwrap(), 1);
    // not even a filter-only search lists it
    assert_eq!(ids(&*ix, &q("")).await, vec![2]);
}

async fn older_apply_does_not_overwrite(b: &Backend) {
    let ix = b.open().await;
    ix.apply(vec![doc(1, "ny text")], 10).await.unwrap();
    // A slow indexer arrives with an older batch.
    ix.apply(vec![doc(1, "gammal text"), doc(2, "annat")], 5)
        .await
        .unwrap();
    assert_eq!(found(&*ix, "ny").await, vec![1]);
    assert_eq!(found(&*ix, "gammal").await, Vec::<i64>::new());
    assert_eq!(found(&*ix, "annat").await, vec![2]);
    assert_eq!(ix.watermark().await.unwrap(), 10);
    // An equal watermark replaces (a rebuild applies everything with one watermark).
    ix.apply(vec![doc(1, "rättad text")], 10).await.unwrap();
    assert_eq!(found(&*ix, "rättad").await, vec![1]);
}

async fn tenant_wall(b: &Backend) {
    let ix = b.open().await;
    let mut theirs = doc(2, "Skolan stänger på grund av snöröjning");
    theirs.org_id = OTHER_ORG;
    theirs.account_id = AccountId(10);
    let mut theirs_too = doc(3, "Skolan stänger på grund av snöröjning");
    theirs_too.org_id = OTHER_ORG;
    ix.apply(
        vec![
            doc(1, "Skolan stänger på grund av snöröjning"),
            theirs,
            theirs_too,
        ],
        1,
    )
    .await
    .unwrap();
    for text in [
        "skola",
        "",
        "-parkering",
        "\"skolan stänger\"",
        "skola -kommun",
    ] {
        let mut s = q(text);
        assert_eq!(ids(&*ix, &s).await, vec![1], "{text:?}");
        assert_eq!(total(&*ix, &s).await, 1, "{text:?}");
        s.accounts = vec![AccountId(10)];
        assert_eq!(ids(&*ix, &s).await, vec![1], "{text:?}");
        let mut s = SearchQuery::new(OTHER_ORG, text);
        s.order = SearchOrder::Newest;
        assert_eq!(ids(&*ix, &s).await, vec![3, 2], "{text:?}");
        let s = SearchQuery::new(OrgId(3), text);
        assert_eq!(total(&*ix, &s).await, 0, "{text:?}");
    }
    assert_eq!(ix.doc_count(ORG).await.unwrap(), 1);
    assert_eq!(ix.doc_count(OTHER_ORG).await.unwrap(), 2);
    assert_eq!(ix.doc_count(OrgId(3)).await.unwrap(), 0);
}

async fn watermark_is_monotonic_and_persisted(b: &Backend) {
    let ix = b.open().await;
    assert_eq!(ix.watermark().await.unwrap(), 0);
    ix.apply(vec![doc(1, "Skolan")], 5).await.unwrap();
    assert_eq!(ix.watermark().await.unwrap(), 5);
    ix.apply(vec![doc(2, "Kommunen")], 3).await.unwrap();
    assert_eq!(ix.watermark().await.unwrap(), 5, "never goes back");
    ix.apply(Vec::new(), 9).await.unwrap();
    assert_eq!(
        ix.watermark().await.unwrap(),
        9,
        "an empty batch moves it too"
    );
    drop(ix);
    let ix = b.open().await;
    assert_eq!(ix.watermark().await.unwrap(), 9, "kept across a reopen");
    assert_eq!(found(&*ix, "skola").await, vec![1]);
    assert_eq!(found(&*ix, "kommun").await, vec![2]);
    ix.apply(vec![doc(3, "Bygglov")], 12).await.unwrap();
    drop(ix);
    let ix = b.open().await;
    assert_eq!(ix.watermark().await.unwrap(), 12);
    assert_eq!(ix.doc_count(ORG).await.unwrap(), 3);
}

async fn clear_resets(b: &Backend) {
    let ix = b.open().await;
    ix.apply((1..=20).map(|id| doc(id, "Skolan")).collect(), 7)
        .await
        .unwrap();
    ix.clear().await.unwrap();
    assert_eq!(ix.watermark().await.unwrap(), 0);
    assert_eq!(ix.doc_count(ORG).await.unwrap(), 0);
    assert_eq!(total(&*ix, &q("")).await, 0);
    // A rebuild after the clear starts from scratch, even with a lower watermark.
    ix.apply(vec![doc(1, "Kommunen")], 3).await.unwrap();
    assert_eq!(ix.watermark().await.unwrap(), 3);
    assert_eq!(found(&*ix, "kommun").await, vec![1]);
    assert_eq!(found(&*ix, "skola").await, Vec::<i64>::new());
    drop(ix);
    let ix = b.open().await;
    assert_eq!(ix.watermark().await.unwrap(), 3);
    assert_eq!(ix.doc_count(ORG).await.unwrap(), 1);
}

async fn invalid_queries(b: &Backend) {
    let ix = b.open().await;
    ix.apply(vec![doc(1, "Skolan")], 1).await.unwrap();
    let long = "skola ".repeat(200);
    let many = vec!["ord"; 33].join(" ");
    for (text, expect) in [
        (r#"skolan "snöröjning"#, "quote at character 8"),
        ("skola - kommun", "lone '-' at character 7"),
        ("-", "lone '-' at character 1"),
        (long.as_str(), "at most 1000"),
        (many.as_str(), "at most 32"),
    ] {
        match ix.search(&q(text)).await {
            Err(SearchError::InvalidQuery(m)) => assert!(m.contains(expect), "{text:?}: {m}"),
            other => panic!("{text:?}: {other:?}"),
        }
    }
}

async fn nasty_input(b: &Backend) {
    let ix = b.open().await;
    ix.apply(
        vec![
            doc(1, r"O'Brien skrev: a & b | !c (d) e:* \\ f\g 'h' <-> i"),
            doc(2, "Mejla info@kommun.se eller ring 08-123 45 67"),
            doc(3, "Text med\0nolltecken och 🙂 emoji"),
        ],
        1,
    )
    .await
    .unwrap();
    for text in [
        "'",
        "''",
        ":*",
        "&|!()",
        r"\",
        r"\\'",
        "a & b",
        "!c",
        "(d)",
        "e:*",
        "'h' <-> i",
        "<->",
        r"-'\",
        "brien'",
        "🙂",
        "\0",
    ] {
        ix.search(&q(text))
            .await
            .unwrap_or_else(|e| panic!("{} {text:?}: {e}", ix.backend()));
    }
    assert_eq!(found(&*ix, "o'brien").await, vec![1]);
    assert_eq!(found(&*ix, "e:*").await, vec![1]);
    assert_eq!(found(&*ix, "a & b").await, vec![1]);
    assert_eq!(found(&*ix, r"f\g").await, vec![1]);
    assert_eq!(found(&*ix, "kommun").await, vec![2]);
    assert_eq!(found(&*ix, "info@kommun.se").await, vec![2]);
    assert_eq!(found(&*ix, "08-123").await, vec![2]);
    assert_eq!(found(&*ix, "nolltecken").await, vec![3]);
    assert_eq!(found(&*ix, "emoji").await, vec![3]);
}

async fn concurrent_applies(b: &Backend) {
    let handles = b.open_many(4).await;
    // Four indexers with overlapping batches; the highest watermark's version must win.
    let mut tasks = Vec::new();
    for (i, ix) in handles.iter().enumerate() {
        let ix = ix.clone();
        let watermark = 10 + i as i64;
        tasks.push(tokio::spawn(async move {
            for round in 0..5i64 {
                let docs: Vec<SearchDoc> = (1..=300)
                    .rev()
                    .map(|id| doc(id, &format!("version w{watermark} runda{round}")))
                    .collect();
                ix.apply(docs, watermark).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let ix = &handles[0];
    assert_eq!(ix.watermark().await.unwrap(), 13);
    assert_eq!(ix.doc_count(ORG).await.unwrap(), 300);
    assert_eq!(total(&**ix, &q("w13")).await, 300);
    assert_eq!(total(&**ix, &q("runda4")).await, 300);
    let seen: HashSet<i64> = ids(&**ix, &q("w13")).await.into_iter().collect();
    assert_eq!(seen.len(), MAX_LIMIT);
}

// --- bulk load -----------------------------------------------------------------------------

/// Realistic-looking Swedish posts from a fixed vocabulary (deterministic).
fn bulk_docs(from: i64, n: i64) -> Vec<SearchDoc> {
    const WORDS: &[&str] = &[
        "skolan",
        "kommunen",
        "bygglov",
        "snöröjning",
        "gatan",
        "parkering",
        "biblioteket",
        "äldreboendet",
        "förskolan",
        "simhallen",
        "beslut",
        "ansökan",
        "svar",
        "fråga",
        "tack",
        "varför",
        "när",
        "öppnar",
        "stänger",
        "i",
        "på",
        "och",
        "att",
        "det",
        "inte",
        "har",
        "vi",
        "ni",
        "för",
        "med",
        "om",
        "kan",
        "vill",
        "måste",
        "detaljplan",
        "återvinning",
        "soptömning",
        "vägarbete",
        "busshållplats",
        "lekplatsen",
        "idrottshallen",
        "ärendet",
        "handläggare",
        "nämnden",
        "förvaltningen",
        "medborgare",
        "synpunkt",
        "klagomål",
        "Storgatan",
        "Åre",
        "Göteborg",
        "Vara",
        "måndag",
        "fredag",
        "morgon",
        "kväll",
        "2026",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15 ^ from as u64;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize
    };
    (from..from + n)
        .map(|id| {
            let len = 10 + next() % 40;
            let text: Vec<&str> = (0..len).map(|_| WORDS[next() % WORDS.len()]).collect();
            let mut d = doc(id, &(text.join(" ") + "."));
            d.org_id = OrgId(1 + id % 3);
            d.account_id = AccountId(10 + id % 20);
            d.author_name = format!("Person {}", id % 1000);
            d.available_at = base_time() + Duration::seconds(id * 37);
            d
        })
        .collect()
}

async fn bulk(ix: &dyn SearchIndex, total: i64, batch: i64) {
    let started = std::time::Instant::now();
    let mut generation = std::time::Duration::ZERO;
    let mut from = 1;
    while from <= total {
        let g = std::time::Instant::now();
        let docs = bulk_docs(from, batch.min(total - from + 1));
        generation += g.elapsed();
        ix.apply(docs, from + batch).await.unwrap();
        from += batch;
    }
    let elapsed = started.elapsed() - generation;
    eprintln!(
        "{}: applied {total} docs in batches of {batch} in {:.1} s: {:.0} docs/s",
        ix.backend(),
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64()
    );
    let s = std::time::Instant::now();
    let r = ix
        .search(&SearchQuery::new(ORG, "skola kommun"))
        .await
        .unwrap();
    eprintln!(
        "{}: \"skola kommun\": {} matches in {:?}",
        ix.backend(),
        r.total,
        s.elapsed()
    );
    let s = std::time::Instant::now();
    let r = ix
        .search(&SearchQuery::new(ORG, "\"bygglov ansökan\" -detaljplan"))
        .await
        .unwrap();
    eprintln!(
        "{}: phrase and exclusion: {} matches in {:?}",
        ix.backend(),
        r.total,
        s.elapsed()
    );
    let mut q = SearchQuery::new(ORG, "");
    q.order = SearchOrder::Newest;
    let s = std::time::Instant::now();
    let r = ix.search(&q).await.unwrap();
    eprintln!(
        "{}: everything, newest first: {} in {:?}",
        ix.backend(),
        r.total,
        s.elapsed()
    );
    let expected: u64 = (1..=total).filter(|id| id % 3 == 0).count() as u64;
    assert_eq!(ix.doc_count(OrgId(1)).await.unwrap(), expected);
}

/// `cargo test -p insyn-search --release --test conformance -- --ignored --nocapture bulk`
/// (`INSYN_BULK_DOCS`, default 200 000; `INSYN_BULK_BATCH`, default 50 000).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run in release mode"]
async fn bulk_apply() {
    let env = |name: &str, default: i64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let total = env("INSYN_BULK_DOCS", 200_000);
    let batch = env("INSYN_BULK_BATCH", 50_000);
    let backend = Backend::tantivy();
    bulk(&*backend.open().await, total, batch).await;
    if let Some(backend) = Backend::postgres("bulk_apply") {
        bulk(&*backend.open().await, total, batch).await;
    }
}

/// The nice value and name of each of this process's threads (Linux `/proc`).
#[cfg(target_os = "linux")]
fn thread_nice_values() -> Vec<(String, i32)> {
    let mut out = Vec::new();
    for task in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue; // the thread ended meanwhile
        };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let name = stat[open + 1..close].to_string();
        // after the name: state (field 3) ... nice (field 19)
        let nice: i32 = stat[close + 2..]
            .split(' ')
            .nth(16)
            .and_then(|n| n.parse().ok())
            .unwrap();
        out.push((name, nice));
    }
    out
}

/// Index writes are background work (`writer_thread.rs`): the thread that writes, and the
/// indexing and merging threads tantivy starts from it, run with a nice value ten above the
/// process's, so that the store's writer and the requests get the cores first.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn index_writes_run_at_background_priority() {
    let own = thread_nice_values()
        .into_iter()
        .map(|(_, nice)| nice)
        .min()
        .unwrap();
    let expected = (own + 10).min(19);
    let dir = tempfile::tempdir().unwrap();
    let ix = TantivyIndex::open(dir.path()).unwrap();
    let docs: Vec<SearchDoc> = (1..=2_000)
        .map(|id| doc(id, "Hej! När töms soptunnorna i Ekbacka?"))
        .collect();
    ix.apply(docs, 1).await.unwrap();
    let threads = thread_nice_values();
    // Every thread whose name starts with one of `prefixes` (there is at least one) has the
    // nice value `nice`.
    let all_at = |what: &str, prefixes: &[&str], nice: i32| {
        let named: Vec<&(String, i32)> = threads
            .iter()
            .filter(|(name, _)| prefixes.iter().any(|p| name.starts_with(p)))
            .collect();
        assert!(!named.is_empty(), "no {what}: {threads:?}");
        assert!(named.iter().all(|(_, n)| *n == nice), "{what}: {threads:?}");
    };
    // (other tests in this process may have index writer threads of their own)
    all_at("writer thread", &["insyn-search-wr"], expected);
    all_at(
        "tantivy threads",
        &["thrd-tantivy", "merge_thread"],
        expected,
    );
    // the tokio threads that searches run on keep the process's priority
    all_at("tokio threads", &["tokio-rt"], own);
    assert_eq!(total(&ix, &q("soptunnorna")).await, 2_000);
}
