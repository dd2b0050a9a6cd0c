//! The demo organisation: Ekbacka kommun, a fictional municipality with six units, ten accounts
//! over every platform Insyn captures, and as many posts, comments, answers and messages as asked
//! for (`insyn demo --records N`), including complaints, questions about cases, identity numbers,
//! insults and threats. Generated from a fixed seed, so every load is the same.
mod texts;

use crate::{App, AppError, Observation, Progress, Result, StoredItems};
use chrono::{DateTime, Duration, TimeZone, Utc};
use insyn_domain::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use texts::CommentKind;

/// Records per store transaction during the load.
const BATCH_RECORDS: usize = 10_000;
/// Items per platform response (one raw payload) in the demo.
pub const PAGE_ITEMS: usize = 100;
/// Records between search-index updates during the load.
const INDEX_EVERY: usize = 100_000;

#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub slug: String,
    pub records: u64,
    pub seed: u64,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            slug: "ekbacka".into(),
            records: 2_000,
            seed: 2026,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DemoReport {
    pub organisation: Organisation,
    pub accounts: usize,
    pub records: u64,
    pub versions: u64,
    pub deletions: u64,
    /// An API token for the demo organisation (shown once).
    pub api_token: String,
    /// Staff who can sign in to the staff web, all with `staff_password` (shown once).
    pub staff: Vec<DemoUser>,
    pub staff_password: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DemoUser {
    pub email: String,
    pub name: String,
    pub function: String,
}

struct AccountSpec {
    unit: usize,
    platform: Platform,
    handle: &'static str,
    url: &'static str,
    purpose: &'static str,
    target: &'static str,
    status: AccountStatus,
}

const UNITS: &[(&str, &str)] = &[
    ("Kommunikation", "kommunikation@ekbacka.se"),
    ("Barn och utbildning", "bou@ekbacka.se"),
    ("Vård och omsorg", "vard.omsorg@ekbacka.se"),
    ("Samhällsbyggnad", "samhallsbyggnad@ekbacka.se"),
    ("Kultur och fritid", "kultur.fritid@ekbacka.se"),
    ("Räddningstjänsten", "raddningstjansten@ekbacka.se"),
];

const ACCOUNTS: &[AccountSpec] = &[
    AccountSpec {
        unit: 0,
        platform: Platform::Facebook,
        handle: "Ekbacka kommun",
        url: "https://www.facebook.com/ekbackakommun",
        purpose: "Information och dialog med invånare om kommunens verksamhet",
        target: "Invånare, företagare och besökare",
        status: AccountStatus::Active,
    },
    AccountSpec {
        unit: 0,
        platform: Platform::Instagram,
        handle: "@ekbackakommun",
        url: "https://www.instagram.com/ekbackakommun",
        purpose: "Visa vardagen i kommunens verksamheter",
        target: "Invånare 16–40 år",
        status: AccountStatus::Active,
    },
    AccountSpec {
        unit: 0,
        platform: Platform::X,
        handle: "@ekbacka",
        url: "https://x.com/ekbacka",
        purpose: "Snabb information, även vid kris",
        target: "Medier och invånare",
        status: AccountStatus::Active,
    },
    AccountSpec {
        unit: 0,
        platform: Platform::Youtube,
        handle: "Ekbacka kommun",
        url: "https://www.youtube.com/@ekbackakommun",
        purpose: "Sändningar från kommunfullmäktige och informationsfilmer",
        target: "Invånare",
        status: AccountStatus::Active,
    },
    AccountSpec {
        unit: 0,
        platform: Platform::Linkedin,
        handle: "Ekbacka kommun",
        url: "https://www.linkedin.com/company/ekbacka-kommun",
        purpose: "Kompetensförsörjning och arbetsgivarvarumärke",
        target: "Arbetssökande och yrkesverksamma",
        status: AccountStatus::Active,
    },
    AccountSpec {
        unit: 0,
        platform: Platform::Mastodon,
        handle: "@ekbacka@social.ekbacka.se",
        url: "https://social.ekbacka.se/@ekbacka",
        purpose: "Information i ett öppet, reklamfritt nätverk",
        target: "Invånare",
        status: AccountStatus::Active,
    },
    AccountSpec {
        unit: 0,
        platform: Platform::Bluesky,
        handle: "@ekbacka.se",
        url: "https://bsky.app/profile/ekbacka.se",
        purpose: "Nyheter och dialog",
        target: "Invånare och medier",
        status: AccountStatus::Active,
    },
    AccountSpec {
        unit: 0,
        platform: Platform::Feed,
        handle: "ekbacka.se – nyheter",
        url: "https://www.ekbacka.se/nyheter/feed",
        purpose: "Kommunens nyheter med kommentarer",
        target: "Invånare",
        status: AccountStatus::Active,
    },
    AccountSpec {
        unit: 4,
        platform: Platform::Facebook,
        handle: "Ekbacka bibliotek",
        url: "https://www.facebook.com/ekbackabibliotek",
        purpose: "Bibliotekets program och tips",
        target: "Låntagare och barnfamiljer",
        status: AccountStatus::Active,
    },
    AccountSpec {
        unit: 4,
        platform: Platform::Instagram,
        handle: "@ungaiekbacka",
        url: "https://www.instagram.com/ungaiekbacka",
        purpose: "Fritidsgårdarnas aktiviteter",
        target: "Unga 13–19 år",
        status: AccountStatus::Active,
    },
    AccountSpec {
        unit: 5,
        platform: Platform::Facebook,
        handle: "Räddningstjänsten Ekbacka",
        url: "https://www.facebook.com/raddningstjanstenekbacka",
        purpose: "Varningar, förebyggande information och rekrytering av deltidsbrandmän",
        target: "Invånare",
        status: AccountStatus::Active,
    },
    AccountSpec {
        unit: 1,
        platform: Platform::Instagram,
        handle: "@ekbackaskolan",
        url: "https://www.instagram.com/ekbackaskolan",
        purpose: "Skolans vardag (avslutat 2025, ersatt av kommunens konto)",
        target: "Vårdnadshavare",
        status: AccountStatus::Closed,
    },
];

/// Creates the demo organisation and loads its records.
pub async fn load(app: &App, opts: &DemoOptions, progress: &dyn Progress) -> Result<DemoReport> {
    let actor = "demo";
    let org = app
        .create_organisation(
            &NewOrganisation {
                slug: opts.slug.clone(),
                name: "Ekbacka kommun".into(),
                diary_prefix: "KS".into(),
            },
            actor,
        )
        .await?;
    let mut units = Vec::new();
    for (name, email) in UNITS {
        units.push(
            app.create_unit(
                org.id,
                &NewUnit {
                    name: (*name).into(),
                    email: Some((*email).into()),
                },
                actor,
            )
            .await?,
        );
    }
    let mut accounts = Vec::new();
    for (i, spec) in ACCOUNTS.iter().enumerate() {
        let account = app
            .create_account(
                org.id,
                &NewAccount {
                    unit_id: units[spec.unit].id,
                    platform: spec.platform,
                    handle: spec.handle.into(),
                    url: spec.url.into(),
                    platform_id: format!("{}{}", 1_000_000 + i, spec.platform.as_str().len()),
                    purpose: spec.purpose.into(),
                    target_group: spec.target.into(),
                    message: "Vi informerar om kommunens service och svarar på frågor vardagar."
                        .into(),
                    contact: UNITS[spec.unit].1.into(),
                    responsible: vec![
                        "Anna Lindqvist, kommunikatör".into(),
                        "Erik Holm, kommunikatör".into(),
                    ],
                    office_hours: OfficeHours::default(),
                    response_hours: 8,
                },
                actor,
            )
            .await?;
        let account = app
            .set_account_status(org.id, account.id, AccountStatus::Active, actor)
            .await?;
        let account = if spec.status == AccountStatus::Closed {
            app.set_account_status(org.id, account.id, AccountStatus::Closed, actor)
                .await?
        } else {
            account
        };
        accounts.push((account, spec.unit));
    }
    let api_token = app.create_api_token(org.id, "demo", actor).await?;
    let (staff, staff_password) = demo_staff(app, org.id, &accounts).await?;

    progress.start("läser in demohandlingar", opts.records);
    // Generation runs on its own thread, ahead of the store writes; the search index is updated
    // concurrently with the next writes.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(Vec<Observation>, Vec<CaptureItem>)>(2);
    let producer_accounts = accounts.clone();
    let (seed, records) = (opts.seed, opts.records);
    let producer = tokio::task::spawn_blocking(move || {
        let mut generator = ThreadGenerator::new(seed, records);
        let mut pending: Vec<Observation> = Vec::new();
        let mut pending_items = 0;
        let mut edits = Vec::new();
        while generator.produced < records {
            let (account, unit) =
                &producer_accounts[generator.rng.random_range(0..producer_accounts.len())];
            // a closed account was only in use during the first part of the period
            if account.status == AccountStatus::Closed && generator.produced * 4 > records {
                continue;
            }
            let page = generator.page(account, *unit, PAGE_ITEMS);
            for item in &page.items {
                if item.direction == Direction::Received && generator.rng.random_bool(0.02) {
                    edits.push(item.clone());
                }
            }
            pending_items += page.items.len();
            pending.push(page);
            if pending_items >= BATCH_RECORDS {
                if tx
                    .blocking_send((std::mem::take(&mut pending), std::mem::take(&mut edits)))
                    .is_err()
                {
                    break;
                }
                pending_items = 0;
            }
        }
        if !pending.is_empty() {
            let _ = tx.blocking_send((pending, edits));
        }
        generator.produced
    });
    // The raw payloads of the next batch are stored while the store writes this one.
    let (stored_tx, mut stored_rx) =
        tokio::sync::mpsc::channel::<(StoredItems, Vec<CaptureItem>)>(1);
    let payload_app = app.clone();
    let payloads = tokio::spawn(async move {
        while let Some((batch, batch_edits)) = rx.recv().await {
            let stored = payload_app.store_payloads(batch).await?;
            if stored_tx.send((stored, batch_edits)).await.is_err() {
                break;
            }
        }
        Ok::<(), AppError>(())
    });
    let mut pick_rng = StdRng::seed_from_u64(opts.seed ^ 0x5eed);
    let mut edits = Vec::new();
    let mut deletions = Vec::new();
    // the new records' search docs are applied from the items, on another task
    let mut indexer = crate::BulkIndexer::new(app, org.id, INDEX_EVERY).await?;
    while let Some((batch, batch_edits)) = stored_rx.recv().await {
        edits.extend(batch_edits);
        let picked = flush(app, org.id, &batch, &mut pick_rng, &mut indexer, progress).await?;
        deletions.extend(picked);
    }
    payloads
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    let produced = producer
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;

    // The edits and deletions are written while the index takes in the last bulk documents (an
    // edit goes through the search outbox, whose documents are never overwritten by the bulk
    // ones, and is applied by the sync below).
    let later_changes = async {
        // Edits: the same items seen again later with changed text, as capture sees them.
        progress.start("läser in redigeringar", edits.len() as u64);
        for chunk in edits.chunks(BATCH_RECORDS) {
            let items: Vec<CaptureItem> = chunk
                .iter()
                .map(|i| {
                    let mut i = i.clone();
                    i.text
                        .push_str("\n\nTillägg: Jag har lagt till lite mer information nu.");
                    i.available_at += Duration::minutes(45);
                    i
                })
                .collect();
            let raw = serde_json::to_vec(&serde_json::json!({"refetch": items.iter().map(|i| &i.platform_item_id).collect::<Vec<_>>(), "texts": items.iter().map(|i| &i.text).collect::<Vec<_>>()})).map_err(|e| AppError::Internal(e.to_string()))?;
            app.capture_without_index(
                org.id,
                vec![Observation {
                    raw: raw.into(),
                    media_type: "application/json".into(),
                    items,
                }],
                actor,
            )
            .await?;
            progress.advance(chunk.len() as u64);
        }

        // Deletions seen on a later check, with positive evidence.
        progress.start("registrerar raderingar", deletions.len().min(2_000) as u64);
        let mut deleted = 0;
        let seen_at = Utc::now();
        let seen: Vec<insyn_store::DeletionSeen> = deletions
            .iter()
            .take(2_000)
            .map(|id| insyn_store::DeletionSeen {
                record: *id,
                seen_at,
                evidence: format!("HTTP 404 Not Found when record {id} was fetched again"),
            })
            .collect();
        // as a later poll sees them: together, a transaction per hundred
        for chunk in seen.chunks(100) {
            deleted += app
                .store
                .record_deletions_seen(org.id, chunk, "capture")
                .await?;
            progress.advance(chunk.len() as u64);
        }
        Ok::<u64, AppError>(deleted)
    };
    let ((), deleted) = tokio::try_join!(indexer.finish(), later_changes)?;
    app.sync_search().await?;
    progress.finish();
    Ok(DemoReport {
        organisation: org,
        accounts: accounts.len(),
        records: produced,
        versions: produced + edits.len() as u64,
        deletions: deleted,
        api_token,
        staff,
        staff_password,
    })
}

/// The demo's staff: an administrator who is also a communicator, an editor of the first two
/// accounts, and a registrar; one generated password for all (shown once by `insyn demo`).
async fn demo_staff(
    app: &App,
    org: OrgId,
    accounts: &[(Account, usize)],
) -> Result<(Vec<DemoUser>, String)> {
    let mut rng = StdRng::from_os_rng();
    const LETTERS: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let password: String = (0..16)
        .map(|_| LETTERS[rng.random_range(0..LETTERS.len())] as char)
        .collect();
    let editor_accounts: Vec<AccountGrant> = accounts
        .iter()
        .take(2)
        .map(|(a, _)| AccountGrant {
            account_id: a.id,
            access: AccountAccess::Answer,
        })
        .collect();
    let people = [
        (
            "anna.lindqvist@ekbacka.se",
            "Anna Lindqvist",
            "kommunikatör",
            vec![Role::Administrator, Role::Communicator],
            vec![],
        ),
        (
            "erik.holm@ekbacka.se",
            "Erik Holm",
            "redaktör",
            vec![Role::Editor],
            editor_accounts,
        ),
        (
            "maria.berg@ekbacka.se",
            "Maria Berg",
            "registrator",
            vec![Role::Registrar],
            vec![],
        ),
        (
            "sara.nyberg@ekbacka.se",
            "Sara Nyberg",
            "dataskyddsombud",
            vec![Role::DataProtectionOfficer],
            vec![],
        ),
    ];
    let mut staff = Vec::new();
    for (email, name, function, roles, grants) in people {
        let user = app
            .create_user(
                org,
                &NewUser {
                    email: email.into(),
                    name: name.into(),
                    function: function.into(),
                    roles,
                    accounts: grants,
                },
                Some(&password),
                "demo",
            )
            .await?;
        staff.push(DemoUser {
            email: user.email.clone(),
            name: user.name.clone(),
            function: function.into(),
        });
    }
    Ok((staff, password))
}

/// Stores the pending observations; returns how many items they held and the ids of received
/// records picked (about 0.5 %) to be seen deleted later.
async fn flush(
    app: &App,
    org: OrgId,
    batch: &StoredItems,
    rng: &mut StdRng,
    indexer: &mut crate::BulkIndexer,
    progress: &dyn Progress,
) -> Result<Vec<RecordId>> {
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    let received: Vec<bool> = batch
        .items()
        .iter()
        .map(|i| i.direction == Direction::Received)
        .collect();
    let outcome = app.capture_stored_bulk(org, batch, "capture").await?;
    indexer.add(batch.items(), &outcome).await?;
    let to_delete = outcome
        .record_ids
        .iter()
        .zip(received)
        .filter(|(_, received)| *received && rng.random_bool(0.005))
        .map(|(id, _)| *id)
        .collect();
    progress.advance(outcome.record_ids.len() as u64);
    Ok(to_delete)
}

/// Generates the demo's threads: a post and what follows it, as one raw platform response and the
/// items parsed from it. Public so benchmarks can produce the same rows.
pub struct ThreadGenerator {
    rng: StdRng,
    produced: u64,
    target: u64,
    next_id: u64,
    start: DateTime<Utc>,
    span_secs: i64,
}

impl ThreadGenerator {
    /// Items produced so far.
    pub fn produced(&self) -> u64 {
        self.produced
    }

    /// A number from the generator's own random sequence (to pick accounts reproducibly).
    pub fn pick(&mut self, below: usize) -> usize {
        self.rng.random_range(0..below)
    }

    pub fn new(seed: u64, target: u64) -> Self {
        let start = Utc
            .with_ymd_and_hms(2024, 11, 1, 7, 0, 0)
            .single()
            .unwrap_or_else(Utc::now);
        ThreadGenerator {
            rng: StdRng::seed_from_u64(seed),
            produced: 0,
            target,
            next_id: 1,
            start,
            span_secs: 2 * 365 * 24 * 3600,
        }
    }

    fn id(&mut self) -> String {
        self.next_id += 1;
        format!("{}", 9_000_000_000u64 + self.next_id)
    }

    /// A post by the authority and the comments, answers and messages that follow it, as one
    /// platform response (the raw payload) and the items parsed from it.
    pub fn thread(&mut self, account: &Account, unit: usize) -> Observation {
        let items = self.thread_items(account, unit);
        let raw = raw_payload(account.platform, &items);
        Observation {
            raw: raw.into(),
            media_type: "application/json".into(),
            items,
        }
    }

    /// Threads of one account until at least `max_items` items (or the target) are reached, as
    /// one response, the way a feed endpoint returns posts with their comments embedded.
    pub fn page(&mut self, account: &Account, unit: usize, max_items: usize) -> Observation {
        let mut items = Vec::new();
        while items.len() < max_items && self.produced < self.target {
            items.extend(self.thread_items(account, unit));
        }
        for (i, item) in items.iter_mut().enumerate() {
            item.raw_pointer = format!("/data/{i}");
        }
        let raw = raw_payload(account.platform, &items);
        Observation {
            raw: raw.into(),
            media_type: "application/json".into(),
            items,
        }
    }

    fn thread_items(&mut self, account: &Account, unit: usize) -> Vec<CaptureItem> {
        let remaining = self.target - self.produced;
        // time advances with the load so records arrive in order
        let at = self.start
            + Duration::seconds(self.span_secs * self.produced as i64 / self.target.max(1) as i64);
        let year = at.format("%Y").to_string().parse().unwrap_or(2026);
        let post_id = self.id();
        let posts = texts::POSTS[unit.min(texts::POSTS.len() - 1)];
        let template = texts::pick(&mut self.rng, posts);
        let post_text = texts::fill(&mut self.rng, template, year);
        let mut items = vec![self.item(
            account,
            &post_id,
            None,
            &post_id,
            ItemKind::Post,
            Direction::Created,
            account.handle.clone(),
            post_text,
            at,
            0,
        )];
        let comments = (self.rng.random_range(0..16u64)).min(remaining.saturating_sub(1));
        let mut t = at;
        for _ in 0..comments {
            t += Duration::minutes(self.rng.random_range(1..240));
            let kind = texts::comment_kind(&mut self.rng);
            let template = texts::comment_template(&mut self.rng, kind);
            let text = texts::fill(&mut self.rng, template, year);
            let first = texts::pick(&mut self.rng, texts::FIRST_NAMES);
            let author = format!("{first} {}", texts::pick(&mut self.rng, texts::LAST_NAMES));
            let id = self.id();
            let item_kind = if account.platform == Platform::Facebook && self.rng.random_bool(0.05)
            {
                ItemKind::Message
            } else {
                ItemKind::Comment
            };
            let n = items.len();
            items.push(self.item(
                account,
                &id,
                Some(&post_id),
                &post_id,
                item_kind,
                Direction::Received,
                author,
                text,
                t,
                n,
            ));
            let answer = matches!(
                kind,
                CommentKind::Question
                    | CommentKind::Complaint
                    | CommentKind::CaseQuestion
                    | CommentKind::CaseRequest
            );
            if answer && (items.len() as u64) < remaining && self.rng.random_bool(0.6) {
                t += Duration::minutes(self.rng.random_range(10..480));
                let answer_text = texts::pick(&mut self.rng, texts::ANSWERS);
                let reply = format!(
                    "{answer_text} {}",
                    texts::pick(&mut self.rng, texts::SIGNATURES)
                );
                let rid = self.id();
                let n = items.len();
                items.push(self.item(
                    account,
                    &rid,
                    Some(&id),
                    &post_id,
                    ItemKind::Reply,
                    Direction::Created,
                    account.handle.clone(),
                    reply,
                    t,
                    n,
                ));
            }
        }
        self.produced += items.len() as u64;
        items
    }

    #[allow(clippy::too_many_arguments)]
    fn item(
        &mut self,
        account: &Account,
        id: &str,
        parent: Option<&str>,
        thread: &str,
        kind: ItemKind,
        direction: Direction,
        author: String,
        text: String,
        at: DateTime<Utc>,
        index: usize,
    ) -> CaptureItem {
        let author_id = if direction == Direction::Created {
            account.platform_id.clone()
        } else {
            format!("u{}", self.rng.random_range(100_000..999_999))
        };
        CaptureItem {
            account_id: account.id,
            platform_item_id: id.to_string(),
            kind,
            direction,
            parent_platform_id: parent.map(str::to_string),
            thread_platform_id: Some(thread.to_string()),
            author_name: author,
            author_platform_id: author_id,
            available_at: at + Duration::seconds(self.rng.random_range(30..600)),
            platform_time: Some(at),
            text,
            media: vec![],
            raw_blob: None,
            raw_pointer: format!("/data/{index}"),
        }
    }
}

/// The items in the field names of the platform's own API, as capture would have received them.
fn raw_payload(platform: Platform, items: &[CaptureItem]) -> Vec<u8> {
    use serde_json::json;
    let data: Vec<serde_json::Value> = items
        .iter()
        .map(|i| {
            let time = i.platform_time.unwrap_or(i.available_at).to_rfc3339();
            match platform {
                Platform::Facebook | Platform::Instagram => json!({"id": i.platform_item_id, "message": i.text, "created_time": time, "from": {"name": i.author_name, "id": i.author_platform_id}, "parent": i.parent_platform_id.as_ref().map(|p| json!({"id": p}))}),
                Platform::X => json!({"id": i.platform_item_id, "text": i.text, "created_at": time, "author_id": i.author_platform_id, "conversation_id": i.thread_platform_id, "edit_history_tweet_ids": [i.platform_item_id]}),
                Platform::Mastodon => json!({"id": i.platform_item_id, "content": format!("<p>{}</p>", i.text), "created_at": time, "account": {"id": i.author_platform_id, "display_name": i.author_name}, "in_reply_to_id": i.parent_platform_id}),
                Platform::Bluesky => json!({"uri": format!("at://did:plc:ekbacka/app.bsky.feed.post/{}", i.platform_item_id), "record": {"text": i.text, "createdAt": time}, "author": {"did": i.author_platform_id, "displayName": i.author_name}}),
                Platform::Youtube => json!({"id": i.platform_item_id, "snippet": {"textOriginal": i.text, "publishedAt": time, "authorDisplayName": i.author_name, "parentId": i.parent_platform_id}}),
                Platform::Linkedin => json!({"id": format!("urn:li:comment:{}", i.platform_item_id), "message": {"text": i.text}, "created": {"time": time, "actor": i.author_platform_id}}),
                Platform::Feed => json!({"guid": i.platform_item_id, "description": i.text, "pubDate": time, "dc:creator": i.author_name}),
            }
        })
        .collect();
    serde_json::to_vec(&json!({"data": data, "paging": {}})).unwrap_or_default()
}
