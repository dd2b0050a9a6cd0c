//! Response-time follow-up (uppföljning) in the staff web: `/personal/uppfoljning?fran=&till=`
//! shows, per account and per unit, the median and 90th percentile time to answer in working
//! hours and the share answered in time, as tables and a bar chart (an SVG drawn here, with the
//! same numbers in the table beside it), and `/personal/uppfoljning.csv` the same as CSV. Every
//! signed-in user sees the accounts they may see; the figures come from
//! `insyn_app::followup`.
use super::StaffState;
use super::i18n::Lang;
use super::pages::{Frame, app_error, frame};
use super::user::CurrentUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate, Utc};
use insyn_app::followup::{Figures, FollowUp};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct PeriodQuery {
    fran: Option<String>,
    till: Option<String>,
}

/// The period asked for: `fran` and `till` (inclusive) as dates, by default the last 30 days.
fn period(q: &PeriodQuery, en: bool) -> Result<(NaiveDate, NaiveDate), String> {
    let today = insyn_calendar::local_date(Utc::now());
    let parse = |v: &Option<String>, default: NaiveDate| match v
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => Ok(default),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
            if en {
                format!("'{s}' is not a date (YYYY-MM-DD)")
            } else {
                format!("'{s}' är inget datum (ÅÅÅÅ-MM-DD)")
            }
        }),
    };
    let from = parse(&q.fran, today - Duration::days(29))?;
    let to = parse(&q.till, today)?;
    if to < from {
        return Err(if en {
            "the period must end on or after the day it starts".into()
        } else {
            "perioden måste sluta samma dag som den börjar eller senare".into()
        });
    }
    if (to - from).num_days() > 3 * 366 {
        return Err(if en {
            "a period of at most three years".into()
        } else {
            "högst tre år åt gången".into()
        });
    }
    Ok((from, to))
}

/// Midnight Stockholm time at the start of `d`.
pub(crate) fn day_start(d: NaiveDate) -> chrono::DateTime<Utc> {
    use chrono::TimeZone;
    let naive = d.and_hms_opt(0, 0, 0).unwrap_or_default();
    chrono_tz::Europe::Stockholm
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&naive))
}

struct Row {
    name: String,
    promised: String,
    received: u64,
    answered: u64,
    in_time: u64,
    late_open: u64,
    not_for_us: u64,
    median: String,
    p90: String,
    share: String,
    /// Bar width in the chart, 0-100.
    bar: u32,
}

fn hours(minutes: Option<f64>, en: bool) -> String {
    match minutes {
        None => "–".into(),
        Some(m) => {
            let s = format!("{:.1}", m / 60.0);
            if en { s } else { s.replace('.', ",") }
        }
    }
}

fn row(name: &str, promised: Option<u32>, f: &Figures, en: bool) -> Row {
    Row {
        name: name.to_string(),
        promised: promised.map_or_else(|| "–".into(), |h| h.to_string()),
        received: f.received,
        answered: f.answered,
        in_time: f.answered_in_time,
        late_open: f.open_late,
        not_for_us: f.not_for_us,
        median: hours(f.median_minutes, en),
        p90: hours(f.p90_minutes.map(f64::from), en),
        share: f
            .share_in_time
            .map_or_else(|| "–".into(), |s| format!("{:.0} %", s * 100.0)),
        bar: f
            .share_in_time
            .map_or(0, |s| (s * 100.0).round().clamp(0.0, 100.0) as u32),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/followup.html")]
struct FollowUpPage {
    f: Frame,
    en: bool,
    from: String,
    to: String,
    /// The accounts again, for the chart.
    chart: Vec<Row>,
    tables: Vec<Table>,
    total: Row,
    error: Option<String>,
}

struct Table {
    /// Accounts (with the total line) or units.
    accounts: bool,
    rows: Vec<Row>,
}

async fn load(
    state: &StaffState,
    cu: &CurrentUser,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<FollowUp, Response> {
    state
        .app
        .app
        .follow_up(
            &cu.user,
            day_start(from),
            day_start(to + Duration::days(1)),
            Utc::now(),
        )
        .await
        .map_err(|e| app_error(cu.lang, e))
}

/// GET /personal/uppfoljning?fran=ÅÅÅÅ-MM-DD&till=ÅÅÅÅ-MM-DD
pub async fn page(
    State(state): State<StaffState>,
    cu: CurrentUser,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let en = cu.lang == Lang::En;
    let f = match frame(&cu, "/personal/uppfoljning").await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let (from, to, error) = match period(&q, en) {
        Ok((a, b)) => (a, b, None),
        Err(e) => {
            let today = insyn_calendar::local_date(Utc::now());
            (today - Duration::days(29), today, Some(e))
        }
    };
    let data = match load(&state, &cu, from, to).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let total_name = if en { "All accounts" } else { "Alla konton" };
    (
        status,
        FollowUpPage {
            f,
            en,
            from: from.to_string(),
            to: to.to_string(),
            chart: data
                .accounts
                .iter()
                .map(|r| row(&r.name, r.promised_hours, &r.figures, en))
                .collect(),
            tables: vec![
                Table {
                    accounts: true,
                    rows: data
                        .accounts
                        .iter()
                        .map(|r| row(&r.name, r.promised_hours, &r.figures, en))
                        .collect(),
                },
                Table {
                    accounts: false,
                    rows: data
                        .units
                        .iter()
                        .map(|r| row(&r.name, None, &r.figures, en))
                        .collect(),
                },
            ],
            total: row(total_name, None, &data.total, en),
            error,
        },
    )
        .into_response()
}

/// GET /personal/uppfoljning.csv?fran=&till=
pub async fn csv(
    State(state): State<StaffState>,
    cu: CurrentUser,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let en = cu.lang == Lang::En;
    let (from, to) = match period(&q, en) {
        Ok(p) => p,
        Err(e) => return (StatusCode::BAD_REQUEST, e).into_response(),
    };
    let data = match load(&state, &cu, from, to).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"uppfoljning-{from}-{to}.csv\""),
            ),
        ],
        // a BOM so that spreadsheet programs read the å, ä and ö right
        format!("\u{feff}{}", data.to_csv()),
    )
        .into_response()
}
