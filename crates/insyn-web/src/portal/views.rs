//! The portal's pages: handlers, their templates and the parsing of their parameters. Bad input
//! (malformed query strings, absurd pages, unknown ids) gets a clear page with a 400 or 404,
//! never a 500.
use super::PortalState;
use super::diff::{Part, word_diff};
use super::i18n::{Lang, Texts};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Stockholm;
use insyn_app::portal::{MAX_PAGE_SIZE, MAX_QUERY_CHARS, MAX_RESULT_DEPTH};
use insyn_app::{AppError, PublicItem, PublicQuery};
use insyn_domain::{AccountId, AccountStatus, Direction, Organisation, RecordId};
use std::sync::OnceLock;

const PER_PAGE: usize = 20;

/// What every portal page has: the words, the organisation (if any) and the links.
pub struct Frame {
    pub t: &'static Texts,
    /// `/org/{slug}`, or empty outside an organisation.
    pub base: String,
    pub org_name: String,
    /// "" or "?lang=en": appended to links without a query.
    pub lq: &'static str,
    /// "" or "&lang=en": appended to links with a query.
    pub la: &'static str,
    /// The same page in the other language.
    pub switch_href: String,
    /// Which menu item is the current page.
    pub current: &'static str,
}

impl Frame {
    fn new(
        lang: Lang,
        org: Option<&Organisation>,
        path: &str,
        params: &[(String, String)],
    ) -> Frame {
        let t = lang.texts();
        let mut other: Vec<(String, String)> = params
            .iter()
            .filter(|(k, _)| k != "lang")
            .cloned()
            .collect();
        other.push(("lang".into(), t.other_lang.into()));
        let qs = serde_urlencoded::to_string(&other).unwrap_or_default();
        Frame {
            t,
            base: org.map(|o| format!("/org/{}", o.slug)).unwrap_or_default(),
            org_name: org.map(|o| o.name.clone()).unwrap_or_default(),
            lq: if lang == Lang::En { "?lang=en" } else { "" },
            la: if lang == Lang::En { "&lang=en" } else { "" },
            switch_href: format!("{path}?{qs}"),
            current: "",
        }
    }
    fn at(mut self, current: &'static str) -> Frame {
        self.current = current;
        self
    }
}

/// A time as people in Sweden read it.
pub fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&Stockholm)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

fn local_date(t: DateTime<Utc>) -> String {
    t.with_timezone(&Stockholm).format("%Y-%m-%d").to_string()
}

/// The query string as pairs; a malformed one is refused.
fn params(raw: Option<&str>) -> Result<Vec<(String, String)>, ()> {
    let raw = raw.unwrap_or("");
    if raw.len() > 4096 {
        return Err(());
    }
    serde_urlencoded::from_str::<Vec<(String, String)>>(raw).map_err(|_| ())
}

fn param<'a>(p: &'a [(String, String)], key: &str) -> Option<&'a str> {
    p.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn lang_of(p: &[(String, String)]) -> Lang {
    Lang::from_param(param(p, "lang"))
}

// --- errors ---

#[derive(Template, WebTemplate)]
#[template(path = "portal/error.html")]
struct ErrorPage {
    f: Frame,
    title: &'static str,
    body: String,
}

/// A page for an error status with an optional explanation (already in the page's language).
pub fn error_page(lang: Lang, status: StatusCode, detail: Option<String>) -> Response {
    let t = lang.texts();
    let (title, body) = match status {
        StatusCode::NOT_FOUND => (t.error_title, t.not_found_body.to_string()),
        StatusCode::BAD_REQUEST => (t.bad_request_title, detail.unwrap_or_default()),
        StatusCode::TOO_MANY_REQUESTS => (t.too_many_title, t.too_many_body.to_string()),
        _ => (t.error_title, t.internal_body.to_string()),
    };
    let f = Frame::new(lang, None, "/", &[]);
    (status, ErrorPage { f, title, body }).into_response()
}

fn bad_request(lang: Lang, sv: &str, en: &str) -> Response {
    let msg = if lang == Lang::En { en } else { sv };
    error_page(lang, StatusCode::BAD_REQUEST, Some(msg.to_string()))
}

fn malformed(lang: Lang) -> Response {
    bad_request(
        lang,
        "Adressen är för lång eller innehåller en felaktig sökfråga. Gör om sökningen från sökformuläret.",
        "The address is too long or holds a malformed query. Search again from the search form.",
    )
}

fn app_error(lang: Lang, e: AppError) -> Response {
    match e {
        AppError::NotFound(_) => error_page(lang, StatusCode::NOT_FOUND, None),
        AppError::Invalid { field, .. } => {
            let (sv, en) = invalid_message(&field);
            bad_request(lang, &sv, &en)
        }
        AppError::Unavailable(m) => {
            tracing::warn!(error = %m, "portal: a service is unavailable");
            error_page(lang, StatusCode::SERVICE_UNAVAILABLE, None)
        }
        other => {
            tracing::error!(error = %other, "portal: internal error");
            error_page(lang, StatusCode::INTERNAL_SERVER_ERROR, None)
        }
    }
}

fn invalid_message(field: &str) -> (String, String) {
    match field {
        "q" => (
            format!("Sökfrågan går inte att använda. Den får vara högst {MAX_QUERY_CHARS} tecken och citattecken måste komma i par."),
            format!("The search cannot be used. It may be at most {MAX_QUERY_CHARS} characters, and quotes must come in pairs."),
        ),
        "page" | "sida" => (
            format!("Sidnumret går inte att använda. Sidorna börjar på 1 och räcker till de första {MAX_RESULT_DEPTH} träffarna; gör sökningen snävare."),
            format!("The page number cannot be used. Pages start at 1 and reach the first {MAX_RESULT_DEPTH} results; narrow the search."),
        ),
        "per_page" => (
            format!("En sida kan visa 1 till {MAX_PAGE_SIZE} träffar."),
            format!("A page shows 1 to {MAX_PAGE_SIZE} results."),
        ),
        "from" | "fran" | "till" => (
            "Datumet går inte att använda. Skriv datum som ÅÅÅÅ-MM-DD, och låt perioden börja före den slutar.".into(),
            "The date cannot be used. Write dates as YYYY-MM-DD, and let the period start before it ends.".into(),
        ),
        "konto" => (
            "Kontot finns inte. Välj ett konto i listan.".into(),
            "There is no such account. Choose one from the list.".into(),
        ),
        "riktning" => (
            "Typen av handling går inte att använda. Välj upprättad eller inkommen.".into(),
            "The kind of record cannot be used. Choose created or received.".into(),
        ),
        "ordning" => (
            "Ordningen går inte att använda. Välj bäst träff eller senaste först.".into(),
            "The order cannot be used. Choose best match or newest first.".into(),
        ),
        "version" => (
            "Versionerna finns inte. Välj två versioner i listan.".into(),
            "There are no such versions. Choose two versions from the list.".into(),
        ),
        _ => (
            "Något i adressen går inte att använda.".into(),
            "Something in the address cannot be used.".into(),
        ),
    }
}

async fn organisation(ps: &PortalState, slug: &str) -> Result<Organisation, AppError> {
    ps.app.app.public_organisation(slug).await
}

// --- start page ---

#[derive(Template, WebTemplate)]
#[template(path = "portal/home.html")]
struct HomePage {
    f: Frame,
    orgs: Vec<Organisation>,
}

pub async fn home_page(State(ps): State<PortalState>, RawQuery(raw): RawQuery) -> Response {
    let Ok(p) = params(raw.as_deref()) else {
        return malformed(Lang::Sv);
    };
    let lang = lang_of(&p);
    match ps.app.app.organisations().await {
        Ok(orgs) => HomePage {
            f: Frame::new(lang, None, "/", &p),
            orgs,
        }
        .into_response(),
        Err(e) => app_error(lang, e),
    }
}

// --- register page ---

pub struct AccountLine {
    pub platform: &'static str,
    pub handle: String,
    pub url: String,
    pub unit: String,
    pub purpose: String,
    pub hours: String,
    pub response_hours: u32,
    pub active: bool,
    pub opened: String,
    pub closed: String,
    pub created: i64,
    pub received: i64,
}

pub struct ProfileText {
    pub id: String,
    pub title: String,
    pub text: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/register.html")]
struct RegisterPage {
    f: Frame,
    accounts: Vec<AccountLine>,
    description: Vec<String>,
    texts: Vec<ProfileText>,
}

#[derive(serde::Deserialize)]
struct ProfileData {
    text: Vec<ProfileEntry>,
}

#[derive(serde::Deserialize)]
struct ProfileEntry {
    id: String,
    title_sv: String,
    text_sv: String,
}

/// The standard profile texts, loaded once from the data file.
fn profile_data() -> &'static [ProfileEntry] {
    static DATA: OnceLock<Vec<ProfileEntry>> = OnceLock::new();
    DATA.get_or_init(|| {
        toml::from_str::<ProfileData>(include_str!("profile_texts.toml"))
            .map(|d| d.text)
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "the profile texts data file does not parse");
                Vec::new()
            })
    })
}

pub async fn register(
    State(ps): State<PortalState>,
    Path(slug): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let Ok(p) = params(raw.as_deref()) else {
        return malformed(Lang::Sv);
    };
    let lang = lang_of(&p);
    let org = match organisation(&ps, &slug).await {
        Ok(o) => o,
        Err(e) => return app_error(lang, e),
    };
    let reg = match ps.app.app.public_register(&org).await {
        Ok(r) => r,
        Err(e) => return app_error(lang, e),
    };
    let f = Frame::new(lang, Some(&org), &format!("/org/{}", org.slug), &p).at("register");
    let accounts: Vec<AccountLine> = reg
        .accounts
        .iter()
        .map(|(a, unit)| {
            let (created, received) = reg.counts.get(&a.id).copied().unwrap_or((0, 0));
            AccountLine {
                platform: a.platform.display_name(),
                handle: a.handle.clone(),
                url: safe_url(&a.url),
                unit: unit.as_ref().map(|u| u.name.clone()).unwrap_or_default(),
                purpose: a.purpose.clone(),
                hours: a.office_hours.swedish(),
                response_hours: a.response_hours,
                active: a.status == AccountStatus::Active,
                opened: a.opened_at.map(local_date).unwrap_or_default(),
                closed: a.closed_at.map(local_date).unwrap_or_default(),
                created,
                received,
            }
        })
        .collect();
    let description = describe(lang, &reg, &accounts);
    let register_url = format!("/org/{}", org.slug);
    let texts = profile_data()
        .iter()
        .map(|e| ProfileText {
            id: e.id.clone(),
            title: e.title_sv.clone(),
            text: e
                .text_sv
                .replace("{organisation}", &org.name)
                .replace("{register_url}", &register_url),
        })
        .collect();
    RegisterPage {
        f,
        accounts,
        description,
        texts,
    }
    .into_response()
}

/// One disposal rule in force, in words: what goes, from which accounts, when, under which
/// decision.
fn describe_disposal(
    lang: Lang,
    rule: &insyn_domain::DisposalRule,
    reg: &insyn_app::PublicRegister,
) -> String {
    let r = &rule.rule;
    let d = &r.decision;
    let account = r
        .account
        .and_then(|id| reg.accounts.iter().find(|(a, _)| a.id == id))
        .map(|(a, _)| a.handle.clone());
    let sv = lang == Lang::Sv;
    let whose = match (&account, sv) {
        (Some(h), true) => format!("på kontot {h}"),
        (Some(h), false) => format!("on the account {h}"),
        (None, true) => "på alla konton".to_string(),
        (None, false) => "on every account".to_string(),
    };
    let what = if sv {
        r.class.swedish().to_string()
    } else {
        match r.class {
            insyn_domain::RecordClass::ReceivedComments => {
                "received posts and comments".to_string()
            }
            insyn_domain::RecordClass::Messages => "messages".to_string(),
            insyn_domain::RecordClass::OwnPosts => "our own posts and answers".to_string(),
            insyn_domain::RecordClass::All => "all records".to_string(),
        }
    };
    let archived = match (r.only_after_archived, sv) {
        (true, true) => ", och först när de har levererats till e-arkivet",
        (true, false) => ", and only once they have been delivered to the e-archive",
        (false, _) => "",
    };
    if sv {
        format!(
            "Gallring enligt beslut {} ({}, {}): {what} {whose} gallras {} månader efter att de kom in{archived}. Varje gallrad handling antecknas i ett gallringsprotokoll.",
            d.reference, d.body, d.decided_on, r.retention_months
        )
    } else {
        format!(
            "Disposal under decision {} ({}, {}): {what} {whose} are disposed of {} months after they arrived{archived}. Every record disposed of is entered in a disposal protocol.",
            d.reference, d.body, d.decided_on, r.retention_months
        )
    }
}

/// The description of the records kept (R1.3, E §5), generated from the data.
fn describe(lang: Lang, reg: &insyn_app::PublicRegister, accounts: &[AccountLine]) -> Vec<String> {
    let created: i64 = accounts.iter().map(|a| a.created).sum();
    let received: i64 = accounts.iter().map(|a| a.received).sum();
    let mut platforms: Vec<&str> = accounts.iter().map(|a| a.platform).collect();
    platforms.sort_unstable();
    platforms.dedup();
    let platforms = platforms.join(", ");
    let policy = &reg.policy;
    let sv = lang == Lang::Sv;
    let mut out = Vec::new();
    out.push(if sv {
        format!(
            "Vi sparar allt som publiceras på och skickas till våra {} konton ({platforms}): våra egna inlägg och svar (upprättade handlingar, {created} st.) och kommentarer, svar och meddelanden till oss (inkomna handlingar, {received} st.). Varje ändring sparas som en ny version och en radering noteras med tidpunkt; det ursprungliga innehållet från plattformen sparas oförändrat.",
            accounts.len()
        )
    } else {
        format!(
            "We keep everything published on and sent to our {} accounts ({platforms}): our own posts and answers (created records, {created}) and comments, replies and messages to us (received records, {received}). Every edit is kept as a new version and a deletion is noted with its time; the platform's original content is kept unchanged.",
            accounts.len()
        )
    });
    out.push(if sv {
        "Handlingarna hålls ordnade per konto och tråd, med uppgift om de är upprättade eller inkomna och när de kom in. Varje händelse loggas i en kedja som går att kontrollera, och handlingar som gäller ärenden diarieförs.".to_string()
    } else {
        "The records are kept in order by account and thread, marked created or received and with the time they arrived. Every event is logged in a verifiable chain, and records that concern cases are registered in the diary.".to_string()
    });
    out.push(if sv {
        "Handlingarna arkiveras i informationspaket enligt Riksarkivets och E-ARK:s format (FGS/E-ARK) med kontrollsummor för varje fil, och levereras till e-arkivet minst två gånger om året.".to_string()
    } else {
        "The records are archived in information packages in Riksarkivet's and E-ARK's format (FGS/E-ARK) with checksums for every file, and delivered to the e-archive at least twice a year.".to_string()
    });
    if reg.disposal_rules.is_empty() {
        out.push(if sv {
            "Inga gallringsbeslut är fattade för handlingarna ännu; ingenting gallras.".to_string()
        } else {
            "No disposal rules have been decided for these records yet; nothing is disposed of."
                .to_string()
        });
    }
    for rule in &reg.disposal_rules {
        out.push(describe_disposal(lang, rule, reg));
    }
    let auto = match (
        policy.auto_release_created,
        policy.auto_release_received_clean,
    ) {
        (true, true) => {
            if sv {
                "Våra egna inlägg och svar, och inkomna kommentarer där granskningen inte hittat något känsligt, visas här automatiskt."
            } else {
                "Our own posts and answers, and received comments in which screening found nothing sensitive, are shown here automatically."
            }
        }
        (true, false) => {
            if sv {
                "Våra egna inlägg och svar visas här automatiskt; inkomna handlingar visas först när en medarbetare har granskat dem."
            } else {
                "Our own posts and answers are shown here automatically; received records only once a member of staff has reviewed them."
            }
        }
        (false, true) => {
            if sv {
                "Inkomna kommentarer där granskningen inte hittat något känsligt visas automatiskt; övrigt först efter granskning."
            } else {
                "Received comments in which screening found nothing sensitive are shown automatically; everything else after review."
            }
        }
        (false, false) => {
            if sv {
                "Handlingar visas här först när en medarbetare har granskat dem."
            } else {
                "Records are shown here only once a member of staff has reviewed them."
            }
        }
    };
    out.push(if sv {
        format!(
            "{auto} Privata meddelanden, raderat innehåll och uppgifter som kan omfattas av sekretess visas aldrig här, men du kan alltid begära ut handlingar. Just nu är {} handlingar utlämnade här.",
            reg.released
        )
    } else {
        format!(
            "{auto} Private messages, deleted content and information that may be secret are never shown here, but you can always request records. {} records are released here now.",
            reg.released
        )
    });
    out
}

/// Only http(s) links become links; anything else is shown as text.
fn safe_url(url: &str) -> String {
    if url.starts_with("https://") || url.starts_with("http://") {
        url.to_string()
    } else {
        String::new()
    }
}

// --- search ---

pub struct HitView {
    pub id: RecordId,
    pub time: String,
    pub direction: Direction,
    pub author: Option<String>,
    pub account: String,
    pub snippet: String,
    pub thread_start: Option<(RecordId, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/search.html")]
struct SearchPage {
    f: Frame,
    q: String,
    accounts: Vec<(AccountId, String)>,
    account: Option<AccountId>,
    direction: &'static str,
    from: String,
    to: String,
    newest: bool,
    searched: bool,
    total: u64,
    hits: Vec<HitView>,
    page: usize,
    prev_href: Option<String>,
    next_href: Option<String>,
}

fn parse_date(v: &str) -> Result<Option<NaiveDate>, ()> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let d = NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| ())?;
    if !(1990..=2200).contains(&chrono::Datelike::year(&d)) {
        return Err(());
    }
    Ok(Some(d))
}

/// Midnight in Stockholm at the start of `d`, in UTC.
fn day_start(d: NaiveDate) -> Option<DateTime<Utc>> {
    let naive = d.and_hms_opt(0, 0, 0)?;
    Stockholm
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

pub async fn search(
    State(ps): State<PortalState>,
    Path(slug): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let Ok(p) = params(raw.as_deref()) else {
        return malformed(Lang::Sv);
    };
    let lang = lang_of(&p);
    let app = &ps.app.app;
    // the organisation and its accounts (not planned ones), held a few seconds; not the whole
    // register, whose record counts would cost a scan per search
    let (org, account_list) = match ps.directory.get(app, &slug).await {
        Ok(d) => (d.org, d.accounts),
        Err(e) => return app_error(lang, e),
    };
    let invalid = |field: &str| {
        let (sv, en) = invalid_message(field);
        bad_request(lang, &sv, &en)
    };
    let text = param(&p, "q").unwrap_or("").to_string();
    if text.chars().count() > MAX_QUERY_CHARS {
        return invalid("q");
    }
    let account = match param(&p, "konto").filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => match v.parse::<i64>() {
            Ok(id) if account_list.iter().any(|(a, _)| a.0 == id) => Some(AccountId(id)),
            _ => return invalid("konto"),
        },
    };
    let direction = match param(&p, "riktning").unwrap_or("") {
        "" => None,
        "upprattad" | "created" => Some(Direction::Created),
        "inkommen" | "received" => Some(Direction::Received),
        _ => return invalid("riktning"),
    };
    let newest = match param(&p, "ordning").unwrap_or("") {
        "" | "relevans" => false,
        "nyast" => true,
        _ => return invalid("ordning"),
    };
    let (Ok(from), Ok(to)) = (
        parse_date(param(&p, "fran").unwrap_or("")),
        parse_date(param(&p, "till").unwrap_or("")),
    ) else {
        return invalid("fran");
    };
    let page = match param(&p, "sida").unwrap_or("1").trim() {
        "" => 1,
        v => match v.parse::<usize>() {
            Ok(n) => n,
            Err(_) => return invalid("page"),
        },
    };
    let searched = p.iter().any(|(k, _)| {
        matches!(
            k.as_str(),
            "q" | "konto" | "riktning" | "fran" | "till" | "sida" | "ordning"
        )
    });
    let query = PublicQuery {
        text: text.clone(),
        account,
        direction,
        from: from.and_then(day_start),
        to: to.and_then(|d| d.succ_opt()).and_then(day_start),
        newest_first: newest,
        page,
        per_page: PER_PAGE,
    };
    let f = Frame::new(lang, Some(&org), &format!("/org/{}/sok", org.slug), &p).at("search");
    let (total, hits) = if searched {
        match app.public_search(org.id, &query).await {
            Ok(r) => (r.total, r.hits),
            Err(e) => return app_error(lang, e),
        }
    } else {
        (0, Vec::new())
    };
    let account_name = |id: AccountId| {
        account_list
            .iter()
            .find(|(a, _)| *a == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    };
    let hits: Vec<HitView> = hits
        .into_iter()
        .map(|h| HitView {
            id: h.item.id,
            time: local(h.item.available_at),
            direction: h.item.direction,
            author: h.item.author.clone(),
            account: account_name(h.item.account_id),
            snippet: h.snippet,
            thread_start: h.thread_start.map(|s| (s.id, excerpt(&s.text, 140))),
        })
        .collect();
    let page_href = |n: usize| {
        let mut pairs: Vec<(String, String)> =
            p.iter().filter(|(k, _)| k != "sida").cloned().collect();
        pairs.push(("sida".into(), n.to_string()));
        format!(
            "{}/sok?{}",
            f.base,
            serde_urlencoded::to_string(&pairs).unwrap_or_default()
        )
    };
    let last_page = (total as usize)
        .div_ceil(PER_PAGE)
        .min(MAX_RESULT_DEPTH / PER_PAGE);
    let prev_href = (searched && page > 1).then(|| page_href(page - 1));
    let next_href = (searched && page < last_page).then(|| page_href(page + 1));
    let status = StatusCode::OK;
    (
        status,
        SearchPage {
            f,
            q: text,
            accounts: account_list,
            account,
            direction: match direction {
                None => "",
                Some(Direction::Created) => "upprattad",
                Some(Direction::Received) => "inkommen",
            },
            from: from.map(|d| d.to_string()).unwrap_or_default(),
            to: to.map(|d| d.to_string()).unwrap_or_default(),
            newest,
            searched,
            total,
            hits,
            page,
            prev_href,
            next_href,
        },
    )
        .into_response()
}

fn excerpt(text: &str, chars: usize) -> String {
    let mut out: String = text.chars().take(chars).collect();
    if text.chars().count() > chars {
        out.push('…');
    }
    out
}

// --- record, print, compare ---

pub struct ItemView {
    pub id: RecordId,
    pub time: String,
    pub direction: Direction,
    pub author: Option<String>,
    pub text: String,
}

impl ItemView {
    fn of(i: &PublicItem) -> ItemView {
        ItemView {
            id: i.id,
            time: local(i.available_at),
            direction: i.direction,
            author: i.author.clone(),
            text: i.text.clone(),
        }
    }
}

pub struct VersionView {
    pub number: u32,
    pub time: String,
    pub author: Option<String>,
    pub digest: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/record.html")]
struct RecordPage {
    f: Frame,
    item: ItemView,
    version: u32,
    account: String,
    account_url: String,
    parent: Option<ItemView>,
    thread: Vec<ItemView>,
    versions: Vec<VersionView>,
    head_digest: String,
    /// The diary number where the record is registered (R6.2).
    diary_number: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/print.html")]
struct PrintPage {
    f: Frame,
    item: ItemView,
    version: u32,
    account: String,
    head_digest: String,
    printed: String,
    address: String,
    diary_number: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/compare.html")]
struct ComparePage {
    f: Frame,
    id: RecordId,
    numbers: Vec<u32>,
    a: u32,
    b: u32,
    a_time: String,
    b_time: String,
    parts: Vec<Part>,
}

/// Loads the public record or answers with the right error page.
async fn load(
    ps: &PortalState,
    slug: &str,
    id: &str,
    lang: Lang,
) -> Result<(Organisation, insyn_app::PublicRecord), Response> {
    let org = organisation(ps, slug)
        .await
        .map_err(|e| app_error(lang, e))?;
    // ids are positive integers; anything else is simply not a record
    let id = match id.parse::<i64>() {
        Ok(n) if n > 0 => RecordId(n),
        _ => return Err(error_page(lang, StatusCode::NOT_FOUND, None)),
    };
    let rec = ps
        .app
        .app
        .public_record(org.id, id)
        .await
        .map_err(|e| app_error(lang, e))?;
    Ok((org, rec))
}

fn account_label(a: &insyn_domain::Account) -> String {
    format!("{} ({})", a.handle, a.platform.display_name())
}

pub async fn record(
    State(ps): State<PortalState>,
    Path((slug, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Response {
    let Ok(p) = params(raw.as_deref()) else {
        return malformed(Lang::Sv);
    };
    let lang = lang_of(&p);
    let (org, rec) = match load(&ps, &slug, &id, lang).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let path = format!("/org/{}/handling/{}", org.slug, rec.item.id);
    RecordPage {
        f: Frame::new(lang, Some(&org), &path, &p),
        item: ItemView::of(&rec.item),
        version: rec.item.version,
        account: account_label(&rec.account),
        account_url: safe_url(&rec.account.url),
        diary_number: rec.diary_number.clone(),
        parent: rec.parent.as_ref().map(ItemView::of),
        thread: rec.thread.iter().map(ItemView::of).collect(),
        head_digest: rec
            .versions
            .last()
            .map(|v| v.content_digest.clone())
            .unwrap_or_default(),
        versions: rec
            .versions
            .iter()
            .map(|v| VersionView {
                number: v.number,
                time: local(v.captured_at),
                author: v.author.clone(),
                digest: v.content_digest.clone(),
            })
            .collect(),
    }
    .into_response()
}

pub async fn print(
    State(ps): State<PortalState>,
    Path((slug, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Response {
    let Ok(p) = params(raw.as_deref()) else {
        return malformed(Lang::Sv);
    };
    let lang = lang_of(&p);
    let (org, rec) = match load(&ps, &slug, &id, lang).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let path = format!("/org/{}/handling/{}/utskrift", org.slug, rec.item.id);
    PrintPage {
        f: Frame::new(lang, Some(&org), &path, &p),
        item: ItemView::of(&rec.item),
        version: rec.item.version,
        account: account_label(&rec.account),
        head_digest: rec
            .versions
            .last()
            .map(|v| v.content_digest.clone())
            .unwrap_or_default(),
        printed: local(Utc::now()),
        diary_number: rec.diary_number.clone(),
        address: format!("/org/{}/handling/{}", org.slug, rec.item.id),
    }
    .into_response()
}

pub async fn compare(
    State(ps): State<PortalState>,
    Path((slug, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Response {
    let Ok(p) = params(raw.as_deref()) else {
        return malformed(Lang::Sv);
    };
    let lang = lang_of(&p);
    let (org, rec) = match load(&ps, &slug, &id, lang).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let numbers: Vec<u32> = rec.versions.iter().map(|v| v.number).collect();
    let newest = numbers.last().copied().unwrap_or(1);
    let pick = |key: &str, default: u32| -> Result<u32, ()> {
        match param(&p, key).filter(|v| !v.is_empty()) {
            None => Ok(default),
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|n| numbers.contains(n))
                .ok_or(()),
        }
    };
    let (Ok(a), Ok(b)) = (
        pick("a", newest.saturating_sub(1).max(1)),
        pick("b", newest),
    ) else {
        let (sv, en) = invalid_message("version");
        return bad_request(lang, &sv, &en);
    };
    let va = rec.versions.iter().find(|v| v.number == a);
    let vb = rec.versions.iter().find(|v| v.number == b);
    let (Some(va), Some(vb)) = (va, vb) else {
        return error_page(lang, StatusCode::NOT_FOUND, None);
    };
    let path = format!("/org/{}/handling/{}/jamfor", org.slug, rec.item.id);
    ComparePage {
        f: Frame::new(lang, Some(&org), &path, &p),
        id: rec.item.id,
        numbers,
        a,
        b,
        a_time: local(va.captured_at),
        b_time: local(vb.captured_at),
        parts: word_diff(&va.text, &vb.text),
    }
    .into_response()
}

// --- accessibility statement ---

#[derive(Template, WebTemplate)]
#[template(path = "portal/accessibility.html")]
struct AccessibilityPage {
    f: Frame,
}

pub async fn accessibility(
    State(ps): State<PortalState>,
    Path(slug): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let Ok(p) = params(raw.as_deref()) else {
        return malformed(Lang::Sv);
    };
    let lang = lang_of(&p);
    let org = match organisation(&ps, &slug).await {
        Ok(o) => o,
        Err(e) => return app_error(lang, e),
    };
    let path = format!("/org/{}/tillganglighet", org.slug);
    AccessibilityPage {
        f: Frame::new(lang, Some(&org), &path, &p).at("accessibility"),
    }
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn dates_are_strict() {
        assert!(parse_date("2026-02-30").is_err());
        assert!(parse_date("99999-01-01").is_err());
        assert!(parse_date("1800-01-01").is_err());
        assert_eq!(parse_date(" ").unwrap(), None);
        let d = parse_date("2026-03-29").unwrap().unwrap();
        // the day summer time starts still begins at local midnight
        assert_eq!(
            day_start(d).unwrap().to_rfc3339(),
            "2026-03-28T23:00:00+00:00"
        );
    }

    proptest! {
        /// Any query string either parses or is refused; it never panics.
        #[test]
        fn query_strings_never_panic(raw in "\\PC{0,300}") {
            if let Ok(p) = params(Some(&raw)) {
                let _ = lang_of(&p);
                let _ = parse_date(param(&p, "fran").unwrap_or(""));
            }
        }

        #[test]
        fn dates_never_panic(raw in "\\PC{0,20}") {
            if let Ok(Some(d)) = parse_date(&raw) {
                prop_assert!(day_start(d).is_some());
            }
        }
    }
}
