//! The staff queue for secrecy review (`/personal/begaran`): due today, late, open or all
//! requests; a request page where a registrar or administrator reads the record and decides —
//! release whole, release masked (tick the words to mask, or type character ranges, with the
//! reason and the law), or refuse with a reason — and can assign, extend with a reason, link a
//! record to a free-text request, or mark it withdrawn. Every form carries the session's CSRF
//! token (checked by the staff router's guard).
use super::{Word, words};
use crate::staff::CurrentUser;
use crate::staff::i18n::Lang;
use crate::staff::pages::{Frame, app_error, field, form_fields, frame, local_time};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use insyn_app::{AppError, DecisionInput, QueueView, RequestView};
use insyn_domain::request as rq;
use insyn_domain::*;
use serde::Deserialize;

type StaffState = crate::staff::StaffState;

fn today() -> chrono::NaiveDate {
    rq::stockholm_date(chrono::Utc::now())
}

pub struct QueueRow {
    pub id: RequestId,
    pub number: String,
    pub received: String,
    pub due: String,
    pub state: &'static str,
    pub what: String,
    pub late: bool,
    pub due_today: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "requests/queue.html")]
struct QueuePage {
    f: Frame,
    sv: bool,
    view: &'static str,
    rows: Vec<QueueRow>,
    late: usize,
    due_today: usize,
}

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    #[serde(default)]
    vy: String,
}

/// GET /personal/begaran?vy=idag|sena|oppna|alla
pub(crate) async fn queue(
    State(state): State<StaffState>,
    cu: CurrentUser,
    Query(q): Query<QueueQuery>,
) -> Response {
    let sv = cu.lang == Lang::Sv;
    let (view, name) = match q.vy.as_str() {
        "idag" => (QueueView::Today, "idag"),
        "sena" => (QueueView::Late, "sena"),
        "alla" => (QueueView::All, "alla"),
        "" | "oppna" => (QueueView::Open, "oppna"),
        _ => {
            return bad_request(
                &cu,
                "/personal/begaran",
                if sv {
                    "Okänd vy; välj idag, sena, oppna eller alla."
                } else {
                    "Unknown view; choose idag, sena, oppna or alla."
                },
            )
            .await;
        }
    };
    let lines = match state.app.app.request_queue(&cu.user, view, today()).await {
        Ok(l) => l,
        Err(e) => return app_error(cu.lang, e),
    };
    let f = match frame(&cu, "/personal/begaran").await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let rows: Vec<QueueRow> = lines
        .into_iter()
        .map(|l| QueueRow {
            id: l.request.id,
            number: l.request.number.clone(),
            received: local_time(l.request.received_at),
            due: l.request.due_on.to_string(),
            state: if sv {
                l.request.state.swedish()
            } else {
                l.request.state.english()
            },
            what: match l.request.record_id {
                Some(r) if l.request.description.is_empty() => {
                    format!("{} {r}", if sv { "Handling" } else { "Record" })
                }
                _ => l.request.description.chars().take(120).collect(),
            },
            late: l.late,
            due_today: l.due_today,
        })
        .collect();
    QueuePage {
        f,
        sv,
        view: name,
        late: rows.iter().filter(|r| r.late).count(),
        due_today: rows.iter().filter(|r| r.due_today).count(),
        rows,
    }
    .into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "requests/request.html")]
struct RequestPage {
    f: Frame,
    sv: bool,
    v: RequestView,
    state: &'static str,
    received: String,
    words: Vec<Word>,
    colleagues: Vec<(UserId, String)>,
    assignee: String,
    events: Vec<(String, String, String, String)>,
    appeal: String,
    error: Option<String>,
    open: bool,
    /// E-mail to the requester: (queued, to, state in words), newest first.
    mail: Vec<(String, String, String)>,
}

async fn bad_request(cu: &CurrentUser, path: &str, message: &str) -> Response {
    let f = match frame(cu, path).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    (
        StatusCode::BAD_REQUEST,
        ErrorPage {
            f,
            message: message.to_string(),
        },
    )
        .into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "requests/staff_error.html")]
struct ErrorPage {
    f: Frame,
    message: String,
}

fn parse_id(text: &str) -> Option<RequestId> {
    text.parse::<i64>().ok().filter(|n| *n > 0).map(RequestId)
}

async fn render(
    state: &StaffState,
    cu: &CurrentUser,
    id: RequestId,
    status: StatusCode,
    error: Option<String>,
) -> Response {
    let sv = cu.lang == Lang::Sv;
    let app = &state.app.app;
    let org = cu.user.org_id;
    let v = match app.request_view(&cu.user, id, today()).await {
        Ok(v) => v,
        Err(e) => return app_error(cu.lang, e),
    };
    // the page shows the requested record's text: logged before it is sent (R12.1)
    if let Err(e) = app
        .log_shown(
            org,
            &cu.user.email,
            insyn_domain::AccessVia::Request,
            &format!("request:{id}"),
            v.record.iter().map(|r| (r.id, r.classification)),
        )
        .await
    {
        return app_error(cu.lang, e);
    }
    let users = match app.users(org).await {
        Ok(u) => u,
        Err(e) => return app_error(cu.lang, e),
    };
    let organisation = match app
        .organisations()
        .await
        .map(|all| all.into_iter().find(|o| o.id == org))
    {
        Ok(Some(o)) => o,
        Ok(None) => return app_error(cu.lang, AppError::NotFound("organisation".into())),
        Err(e) => return app_error(cu.lang, e),
    };
    let mail = match app
        .mail_outbox(
            org,
            &insyn_app::MailFilter {
                subject_ref: Some(format!("request:{id}")),
                limit: 20,
                ..Default::default()
            },
        )
        .await
    {
        Ok(m) => m
            .iter()
            .map(|m| {
                (
                    local_time(m.queued_at),
                    m.to.clone(),
                    crate::staff::mail_status(m, sv),
                )
            })
            .collect(),
        Err(e) => return app_error(cu.lang, e),
    };
    let record_ref = v.record.as_ref().map(|r| (r.account_id, r.classification));
    let f = match frame(cu, &format!("/personal/begaran/{id}")).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let name_of = |u: Option<UserId>| {
        u.and_then(|u| users.iter().find(|x| x.id == u))
            .map(|u| u.name.clone())
    };
    let page = RequestPage {
        f,
        sv,
        state: if sv {
            v.request.state.swedish()
        } else {
            v.request.state.english()
        },
        received: local_time(v.request.received_at),
        words: v
            .record
            .as_ref()
            .map(|r| words(&r.text))
            .unwrap_or_default(),
        colleagues: users
            .iter()
            .filter(|u| rq::can_decide(u, org, record_ref))
            .map(|u| (u.id, u.name.clone()))
            .collect(),
        assignee: name_of(v.request.assignee)
            .unwrap_or_else(|| if sv { "ingen" } else { "nobody" }.to_string()),
        events: v
            .events
            .iter()
            .map(|e| {
                (
                    local_time(e.at),
                    e.kind.clone(),
                    e.actor.clone(),
                    e.detail.to_string(),
                )
            })
            .collect(),
        appeal: rq::appeal_text(&organisation.name, !sv),
        open: v.request.state.is_open(),
        error,
        mail,
        v,
    };
    (status, page).into_response()
}

/// GET /personal/begaran/{id}
pub(crate) async fn page(
    State(state): State<StaffState>,
    cu: CurrentUser,
    Path(id): Path<String>,
) -> Response {
    let Some(id) = parse_id(&id) else {
        return app_error(cu.lang, AppError::NotFound("request".into()));
    };
    render(&state, &cu, id, StatusCode::OK, None).await
}

/// Where a change leads: back to the request page, or the status and message of the error.
fn outcome(
    id: RequestId,
    result: Result<RecordRequest, AppError>,
) -> Result<Response, (StatusCode, String)> {
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/personal/begaran/{id}?sparad=1")).into_response()),
        Err(AppError::Invalid { field, reason }) => {
            Err((StatusCode::BAD_REQUEST, format!("{field}: {reason}")))
        }
        Err(AppError::Forbidden(m)) => Err((StatusCode::FORBIDDEN, m)),
        Err(AppError::Conflict(m)) => Err((StatusCode::CONFLICT, m)),
        Err(AppError::NotFound(m)) => Err((StatusCode::NOT_FOUND, m)),
        Err(e) => Err((StatusCode::INTERNAL_SERVER_ERROR, e.to_string())),
    }
}

async fn finish(
    state: &StaffState,
    cu: &CurrentUser,
    id: RequestId,
    result: Result<RecordRequest, AppError>,
) -> Response {
    match outcome(id, result) {
        Ok(r) => r,
        Err((StatusCode::NOT_FOUND, m)) => app_error(cu.lang, AppError::NotFound(m)),
        Err((StatusCode::INTERNAL_SERVER_ERROR, m)) => app_error(cu.lang, AppError::Internal(m)),
        Err((status, message)) => render(state, cu, id, status, Some(message)).await,
    }
}

/// POST /personal/begaran/{id}/atgard: `action` = review | me | assign (`assignee`) | extend
/// (`due_on`, `reason`) | link (`handling`) | withdraw (`note`).
pub(crate) async fn act(
    State(state): State<StaffState>,
    cu: CurrentUser,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> Response {
    let Some(id) = parse_id(&id) else {
        return app_error(cu.lang, AppError::NotFound("request".into()));
    };
    let fields = form_fields(&body);
    let f = |n: &str| field(&fields, n).trim().to_string();
    let change = match f("action").as_str() {
        "review" => Ok(RequestChange::StartReview),
        "me" => Ok(RequestChange::Assign(Some(cu.user.id))),
        "assign" => f("assignee")
            .parse::<i64>()
            .map(|u| RequestChange::Assign(Some(UserId(u))))
            .map_err(|_| AppError::invalid("assignee", "choose a colleague")),
        "extend" => f("due_on")
            .parse::<chrono::NaiveDate>()
            .map(|d| RequestChange::Extend {
                due_on: d,
                reason: f("reason"),
            })
            .map_err(|_| AppError::invalid("due_on", "give the new due date as YYYY-MM-DD")),
        "link" => f("handling")
            .parse::<i64>()
            .map(|r| RequestChange::LinkRecord(RecordId(r)))
            .map_err(|_| AppError::invalid("handling", "give the record's id (a number)")),
        "withdraw" => Ok(RequestChange::Withdraw { note: f("note") }),
        other => Err(AppError::invalid(
            "action",
            format!(
                "unknown action '{}'",
                other.chars().take(40).collect::<String>()
            ),
        )),
    };
    let result = match change {
        Ok(c) => state.app.app.change_request(&cu.user, id, &c).await,
        Err(e) => Err(e),
    };
    finish(&state, &cu, id, result).await
}

/// POST /personal/begaran/{id}/beslut: `beslut` = hel | maskerad | avslag; for maskerad the
/// ticked words `m` ("start-end" in bytes of the record text) and/or `intervall` (character
/// ranges "12-40, 55-60"), with `skal` and `lag`; for avslag `skal` and `lag`.
pub(crate) async fn decide(
    State(state): State<StaffState>,
    cu: CurrentUser,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> Response {
    let Some(id) = parse_id(&id) else {
        return app_error(cu.lang, AppError::NotFound("request".into()));
    };
    let fields = form_fields(&body);
    let f = |n: &str| field(&fields, n).trim().to_string();
    let input = match f("beslut").as_str() {
        "hel" => Ok(DecisionInput::ReleaseWhole),
        "avslag" => Ok(DecisionInput::Refuse {
            reason: f("skal"),
            law: f("lag"),
        }),
        "maskerad" => masked_input(&state, &cu, id, &fields).await,
        other => Err(AppError::invalid(
            "beslut",
            format!(
                "unknown decision '{}'; choose hel, maskerad or avslag",
                other.chars().take(40).collect::<String>()
            ),
        )),
    };
    let result = match input {
        // the receipt address is not known here (only its token's hash is stored), so the
        // message to the requester names the request number instead
        Ok(input) => {
            state
                .app
                .app
                .decide_request(&cu.user, id, &input, None)
                .await
        }
        Err(e) => Err(e),
    };
    finish(&state, &cu, id, result).await
}

async fn masked_input(
    state: &StaffState,
    cu: &CurrentUser,
    id: RequestId,
    fields: &[(String, String)],
) -> Result<DecisionInput, AppError> {
    let view = state.app.app.request_view(&cu.user, id, today()).await?;
    let record = view
        .record
        .ok_or_else(|| AppError::invalid("record", "link the record before masking it"))?;
    let mut spans = Vec::new();
    for (k, v) in fields {
        if k != "m" {
            continue;
        }
        let (s, e) = v
            .split_once('-')
            .and_then(|(s, e)| Some((s.parse::<usize>().ok()?, e.parse::<usize>().ok()?)))
            .ok_or_else(|| {
                AppError::invalid(
                    "m",
                    format!("'{}' is not a span", v.chars().take(40).collect::<String>()),
                )
            })?;
        spans.push((s, e));
    }
    spans.extend(rq::parse_char_ranges(
        &record.text,
        field(fields, "intervall"),
    )?);
    if spans.is_empty() {
        return Err(AppError::invalid(
            "m",
            "tick the words to mask or give character ranges",
        ));
    }
    Ok(DecisionInput::ReleaseMasked {
        spans,
        reason: field(fields, "skal").trim().to_string(),
        law: field(fields, "lag").trim().to_string(),
    })
}
