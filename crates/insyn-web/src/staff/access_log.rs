//! The access log page (R12.1) for the data protection officer and the administrator:
//! `/personal/atkomstlogg?post=&anvandare=&fran=&till=&fore=` lists who was shown which
//! non-public records, where and when, newest first, 100 a page.
use super::StaffState;
use super::i18n::Lang;
use super::pages::{Frame, app_error, frame, local_time};
use super::user::CurrentUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate};
use insyn_domain::{AccessFilter, RecordId};
use serde::Deserialize;

/// Entries a page.
const PAGE: i64 = 100;

#[derive(Deserialize, Default)]
pub struct AccessQuery {
    post: Option<String>,
    anvandare: Option<String>,
    fran: Option<String>,
    till: Option<String>,
    fore: Option<i64>,
}

struct Line {
    time: String,
    actor: String,
    via: String,
    detail: String,
    records: Vec<RecordId>,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/access_log.html")]
struct AccessLogPage {
    f: Frame,
    en: bool,
    record: String,
    actor: String,
    from: String,
    to: String,
    lines: Vec<Line>,
    /// The query for the next (older) page, when there may be one.
    next: Option<String>,
    error: Option<String>,
}

fn trimmed(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The filter the query asks for, or what is wrong with it (in the page's language).
fn filter(q: &AccessQuery, en: bool) -> Result<AccessFilter, String> {
    let record = match trimmed(&q.post) {
        None => None,
        Some(s) => Some(RecordId(s.parse().map_err(|_| {
            if en {
                format!("'{s}' is not a record number")
            } else {
                format!("'{s}' är inget postnummer")
            }
        })?)),
    };
    let date = |v: &Option<String>| -> Result<Option<NaiveDate>, String> {
        match trimmed(v) {
            None => Ok(None),
            Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| {
                    if en {
                        format!("'{s}' is not a date (YYYY-MM-DD)")
                    } else {
                        format!("'{s}' är inget datum (ÅÅÅÅ-MM-DD)")
                    }
                }),
        }
    };
    Ok(AccessFilter {
        record,
        actor: trimmed(&q.anvandare).map(str::to_string),
        from: date(&q.fran)?.map(super::followup::day_start),
        // the day given is included
        to: date(&q.till)?.map(|d| super::followup::day_start(d + Duration::days(1))),
        before_id: q.fore,
        limit: PAGE,
    })
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// GET /personal/atkomstlogg
pub async fn page(
    State(state): State<StaffState>,
    cu: CurrentUser,
    Query(q): Query<AccessQuery>,
) -> Response {
    let en = cu.lang == Lang::En;
    let f = match frame(&cu, "/personal/atkomstlogg").await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let (wanted, error) = match filter(&q, en) {
        Ok(w) => (w, None),
        Err(e) => (
            AccessFilter {
                limit: PAGE,
                ..Default::default()
            },
            Some(e),
        ),
    };
    let entries = match state.app.app.access_log(&cu.user, &wanted).await {
        Ok(e) => e,
        Err(e) => return app_error(cu.lang, e),
    };
    let show = |v: &Option<String>| trimmed(v).unwrap_or("").to_string();
    let next = (entries.len() as i64 == PAGE)
        .then(|| entries.last())
        .flatten()
        .map(|last| {
            format!(
                "post={}&anvandare={}&fran={}&till={}&fore={}",
                encode(&show(&q.post)),
                encode(&show(&q.anvandare)),
                encode(&show(&q.fran)),
                encode(&show(&q.till)),
                last.id
            )
        });
    let lines = entries
        .into_iter()
        .map(|e| Line {
            time: local_time(e.at),
            actor: e.actor,
            via: if en { e.via.english() } else { e.via.swedish() }.to_string(),
            detail: e.detail,
            records: e.records,
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (
        status,
        AccessLogPage {
            f,
            en,
            record: show(&q.post),
            actor: show(&q.anvandare),
            from: show(&q.fran),
            to: show(&q.till),
            lines,
            next,
            error,
        },
    )
        .into_response()
}
