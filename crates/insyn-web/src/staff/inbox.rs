//! The inbox page, the handling form and the answer form (R5.1, R5.2).
use super::StaffState;
use super::csrf::ErrorKind;
use super::i18n::inbox::InboxTexts;
use super::pages::{Frame, app_error, field, form_fields, frame, local_time, render_error};
use super::user::CurrentUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, RawForm, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use insyn_app::{AnswerOutcome, AppError, InboxFilter, SavedAnswer};
use insyn_domain::staff as rules;
use insyn_domain::*;
use serde::Deserialize;

/// A piece of text, marked when a finding covers it.
pub struct Segment {
    pub text: String,
    /// (category, explanation) of the finding.
    pub mark: Option<(String, String)>,
}

/// Splits `text` at the findings' byte spans (overlapping or invalid spans are skipped).
pub fn segments(text: &str, findings: &[Finding], english: bool) -> Vec<Segment> {
    let mut spans: Vec<&Finding> = findings
        .iter()
        .filter(|f| {
            f.start < f.end
                && f.end <= text.len()
                && text.is_char_boundary(f.start)
                && text.is_char_boundary(f.end)
        })
        .collect();
    spans.sort_by_key(|f| (f.start, f.end));
    let mut out = Vec::new();
    let mut at = 0;
    for f in spans {
        if f.start < at {
            continue;
        }
        if f.start > at {
            out.push(Segment {
                text: text[at..f.start].to_string(),
                mark: None,
            });
        }
        let why = if english {
            &f.explanation_en
        } else {
            &f.explanation_sv
        };
        out.push(Segment {
            text: text[f.start..f.end].to_string(),
            mark: Some((f.category.clone(), why.clone())),
        });
        at = f.end;
    }
    if at < text.len() {
        out.push(Segment {
            text: text[at..].to_string(),
            mark: None,
        });
    }
    out
}

pub struct InboxLine {
    pub id: RecordId,
    pub account: String,
    pub author: String,
    pub time: String,
    pub due: String,
    pub overdue: bool,
    pub due_today: bool,
    pub state: HandlingState,
    pub assignee: String,
    pub segments: Vec<Segment>,
    pub categories: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/inbox.html")]
struct InboxPageT {
    f: Frame,
    i: &'static InboxTexts,
    lines: Vec<InboxLine>,
    total: usize,
    overdue: usize,
    page: usize,
    pages: usize,
    accounts: Vec<(AccountId, String)>,
    units: Vec<(UnitId, String)>,
    states: Vec<HandlingState>,
    categories: Vec<&'static str>,
    q: InboxQuery,
    /// The query string without the page, for paging links.
    base: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct InboxQuery {
    #[serde(default)]
    konto: String,
    #[serde(default)]
    enhet: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    kategori: String,
    #[serde(default)]
    forsenade: String,
    #[serde(default)]
    sida: String,
}

pub(crate) const CATEGORIES: [&str; 15] = [
    "personnummer",
    "phone",
    "email",
    "address",
    "payment",
    "sensitive",
    "offensive_person",
    "threat",
    "hate",
    "unlawful_link",
    "secret",
    "complaint",
    "case_reference",
    "case_request",
    "economic_advice",
];

fn parse_filter(q: &InboxQuery) -> Result<InboxFilter, AppError> {
    let id = |name: &str, v: &str| -> Result<Option<i64>, AppError> {
        if v.is_empty() {
            return Ok(None);
        }
        v.parse::<i64>()
            .map(Some)
            .map_err(|_| AppError::invalid(name, format!("'{v}' is not a number")))
    };
    Ok(InboxFilter {
        account: id("konto", &q.konto)?.map(AccountId),
        unit: id("enhet", &q.enhet)?.map(UnitId),
        state: if q.status.is_empty() {
            None
        } else {
            Some(HandlingState::parse(&q.status)?)
        },
        category: Some(q.kategori.clone()).filter(|c| !c.is_empty()),
        overdue_only: !q.forsenade.is_empty(),
        assignee: None,
        page: id("sida", &q.sida)?.unwrap_or(1).max(1) as usize,
        after: None,
    })
}

pub async fn inbox(
    State(state): State<StaffState>,
    cu: CurrentUser,
    RawQuery(raw_query): RawQuery,
    Query(q): Query<InboxQuery>,
) -> Response {
    let app = &state.app.app;
    let org = cu.user.org_id;
    let filter = match parse_filter(&q) {
        Ok(f) => f,
        Err(_) => return render_error(cu.lang, StatusCode::BAD_REQUEST, ErrorKind::NotFound),
    };
    // the accounts, units and staff come from the organisation's kept view (one read of its
    // change mark), shared with the inbox itself
    let view = match app.org_view(org).await {
        Ok(v) => v,
        Err(e) => return app_error(cu.lang, e),
    };
    let page = match app
        .inbox_in(&view, &cu.user, &filter, chrono::Utc::now())
        .await
    {
        Ok(p) => p,
        Err(e) => return app_error(cu.lang, e),
    };
    // the page shows the items' texts: logged before it is sent (R12.1)
    if let Err(e) = app
        .log_shown(
            org,
            &cu.user.email,
            AccessVia::Inbox,
            raw_query.as_deref().unwrap_or(""),
            page.items
                .iter()
                .map(|it| (it.record.id, it.record.classification)),
        )
        .await
    {
        return app_error(cu.lang, e);
    }
    let (accounts, units, users) = (&view.accounts, &view.units, &view.users);
    let f = match frame(&cu, "/personal/inkorg").await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let english = cu.lang == super::i18n::Lang::En;
    let i = cu.lang.inbox();
    let lines = page
        .items
        .iter()
        .map(|it| InboxLine {
            id: it.record.id,
            account: format!("{} ({})", it.account_handle, it.platform.display_name()),
            author: it.record.author_name.clone(),
            time: local_time(it.record.available_at),
            due: local_time(it.due_at),
            overdue: it.overdue,
            due_today: it.due_today,
            state: it.handling.state,
            assignee: it
                .handling
                .assignee
                .and_then(|u| users.iter().find(|x| x.id == u))
                .map(|u| u.name.clone())
                .unwrap_or_else(|| i.nobody.to_string()),
            segments: segments(&it.record.text, &it.findings, english),
            categories: it.categories.clone(),
        })
        .collect();
    let visible: Vec<&Account> = accounts
        .iter()
        .filter(|a| rules::can_see_account(&cu.user, org, a.id))
        .collect();
    let base = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("konto", &q.konto)
        .append_pair("enhet", &q.enhet)
        .append_pair("status", &q.status)
        .append_pair("kategori", &q.kategori)
        .append_pair("forsenade", &q.forsenade)
        .finish();
    InboxPageT {
        f,
        i,
        lines,
        total: page.total,
        overdue: page.overdue,
        page: page.page,
        pages: page.pages,
        accounts: visible.iter().map(|a| (a.id, a.handle.clone())).collect(),
        units: units
            .iter()
            .filter(|u| visible.iter().any(|a| a.unit_id == u.id))
            .map(|u| (u.id, u.name.clone()))
            .collect(),
        states: HandlingState::ALL.to_vec(),
        categories: CATEGORIES.to_vec(),
        q,
        base,
    }
    .into_response()
}

// --- the record page's inbox part ---

pub struct ThreadLine {
    pub id: RecordId,
    pub direction: Direction,
    pub author: String,
    pub time: String,
    pub text: String,
}

/// What the record page shows about handling and answering.
pub struct RecordInbox {
    pub i: &'static InboxTexts,
    pub segments: Vec<Segment>,
    pub due: Option<String>,
    pub overdue: bool,
    pub handling: Handling,
    pub assignee: String,
    pub thread: Vec<ThreadLine>,
    pub can_answer: bool,
    /// Colleagues who may answer on the account: (id, name).
    pub colleagues: Vec<(UserId, String)>,
    pub saved: Vec<SavedAnswer>,
    pub draft: String,
    pub signature: String,
    /// Findings on the draft that need confirming: (category, explanation).
    pub draft_findings: Vec<(String, String)>,
    pub error: Option<String>,
    pub notice: Option<String>,
    pub states: Vec<HandlingState>,
    /// The guided actions: (id, title, suggested by a finding).
    pub actions: Vec<(&'static str, &'static str, bool)>,
}

/// Builds the inbox part of a record page (the record is already read with its audit entry).
pub async fn record_inbox(
    state: &StaffState,
    cu: &CurrentUser,
    record: &Record,
    draft: String,
    draft_findings: Vec<(String, String)>,
    error: Option<String>,
    notice: Option<String>,
) -> Result<RecordInbox, AppError> {
    let app = &state.app.app;
    let org = cu.user.org_id;
    let i = cu.lang.inbox();
    let english = cu.lang == super::i18n::Lang::En;
    let findings = app.current_findings(org, record).await?;
    let (due, handling) = app.due_and_handling(org, record).await?;
    let users = app.users(org).await?;
    let thread = app
        .thread_context(&cu.user, record)
        .await?
        .into_iter()
        .map(|r| ThreadLine {
            id: r.id,
            direction: r.direction,
            author: r.author_name.clone(),
            time: local_time(r.available_at),
            text: r.text,
        })
        .collect();
    let can_answer = record.direction == Direction::Received
        && rules::can_answer(&cu.user, org, record.account_id);
    let assignee = handling
        .assignee
        .and_then(|u| users.iter().find(|x| x.id == u))
        .map(|u| u.name.clone())
        .unwrap_or_else(|| i.nobody.to_string());
    let open = handling.state.is_open();
    let actions = insyn_app::ActionKind::ALL
        .iter()
        .map(|k| {
            let suggested = findings
                .iter()
                .any(|f| insyn_app::ActionKind::for_category(&f.category) == Some(*k));
            (k.as_str(), k.title(english), suggested)
        })
        .collect();
    Ok(RecordInbox {
        actions,
        i,
        segments: segments(&record.text, &findings, english),
        overdue: open && due.is_some_and(|d| d < chrono::Utc::now()),
        due: due.map(local_time),
        assignee,
        handling,
        thread,
        can_answer,
        colleagues: users
            .iter()
            .filter(|u| u.is_active() && rules::can_answer(u, org, record.account_id))
            .map(|u| (u.id, u.name.clone()))
            .collect(),
        saved: app.saved_answers().answers.clone(),
        draft,
        signature: cu.user.signature(),
        draft_findings,
        error,
        notice,
        states: vec![
            HandlingState::New,
            HandlingState::NoAnswerNeeded,
            HandlingState::HandedOver,
        ],
    })
}

/// POST /personal/poster/{id}/hantering: `action` = `me` | `assign` (with `assignee`) | a state.
pub async fn change_handling(
    State(state): State<StaffState>,
    cu: CurrentUser,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return render_error(cu.lang, StatusCode::NOT_FOUND, ErrorKind::NotFound);
    };
    let fields = form_fields(&body);
    let note = field(&fields, "note").trim().to_string();
    let change = match field(&fields, "action") {
        "me" => Ok(HandlingChange {
            state: HandlingState::Assigned,
            assignee: Some(cu.user.id),
            answer: None,
            note,
        }),
        "assign" => field(&fields, "assignee")
            .parse::<i64>()
            .map(|u| HandlingChange {
                state: HandlingState::Assigned,
                assignee: Some(UserId(u)),
                answer: None,
                note,
            })
            .map_err(|_| AppError::invalid("assignee", "choose a colleague")),
        other => HandlingState::parse(other)
            .map(|s| HandlingChange {
                state: s,
                assignee: None,
                answer: None,
                note,
            })
            .map_err(AppError::from),
    };
    let result = match change {
        Ok(c) => {
            state
                .app
                .app
                .change_handling(&cu.user, RecordId(id), &c)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/personal/poster/{id}?sparad=1")).into_response(),
        Err(e @ AppError::Invalid { .. }) => {
            super::pages::record_page(
                &state,
                &cu,
                id,
                String::new(),
                vec![],
                Some(e.to_string()),
                None,
            )
            .await
        }
        Err(e) => app_error(cu.lang, e),
    }
}

/// POST /personal/poster/{id}/svar: `text`, `confirm` (after findings), or `saved` (fill the
/// form with a saved answer).
pub async fn answer(
    State(state): State<StaffState>,
    cu: CurrentUser,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return render_error(cu.lang, StatusCode::NOT_FOUND, ErrorKind::NotFound);
    };
    let fields = form_fields(&body);
    let saved = field(&fields, "saved");
    if !saved.is_empty() {
        let text = state
            .app
            .app
            .saved_answers()
            .get(saved)
            .map(|a| a.text_sv.clone())
            .unwrap_or_default();
        return super::pages::record_page(&state, &cu, id, text, vec![], None, None).await;
    }
    let draft = field(&fields, "text").to_string();
    let confirmed = field(&fields, "confirm") == "yes";
    let english = cu.lang == super::i18n::Lang::En;
    match state
        .app
        .app
        .answer(&cu.user, RecordId(id), &draft, confirmed)
        .await
    {
        Ok(AnswerOutcome::NeedsConfirmation { findings, .. }) => {
            let list = findings
                .into_iter()
                .map(|f| {
                    let why = if english {
                        f.explanation_en
                    } else {
                        f.explanation_sv
                    };
                    (f.category.as_str().to_string(), why)
                })
                .collect();
            super::pages::record_page(&state, &cu, id, draft, list, None, None).await
        }
        Ok(AnswerOutcome::Stored {
            answer,
            published,
            manual_reason,
        }) => {
            let i = cu.lang.inbox();
            let notice = match (published, manual_reason) {
                (Some(_), _) => i.published.to_string(),
                (None, reason) => format!("{} {}", i.manual, reason.unwrap_or_default()),
            };
            let _ = answer;
            super::pages::record_page(&state, &cu, id, String::new(), vec![], None, Some(notice))
                .await
        }
        Err(e @ AppError::Invalid { .. }) => {
            super::pages::record_page(&state, &cu, id, draft, vec![], Some(e.to_string()), None)
                .await
        }
        Err(e) => app_error(cu.lang, e),
    }
}
