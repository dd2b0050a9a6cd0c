//! The guided actions (R5.3) in the staff web: a checklist page per action and record, a form
//! per step (CSRF, roles and per-account permissions as on every staff form), the evidence and
//! police-report files, and an account's automatic-hiding settings (issue 4 item 4). A step
//! that cannot be done now (no evidence yet, the item already removed, a platform that cannot
//! hide) answers with the checklist and a clear message, not an error page.
use super::StaffState;
use super::csrf::ErrorKind;
use super::pages::{Frame, app_error, field, form_fields, frame, local_time, render_error};
use super::user::CurrentUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, RawForm, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use insyn_app::{ActionKind, ActionView, AppError, Step, StepInput};
use insyn_domain::staff as rules;
use insyn_domain::*;
use serde::Deserialize;

pub struct StepLine {
    pub n: usize,
    pub step: Step,
    pub label: &'static str,
    pub done: Option<(String, String, String)>,
    pub blocked: Option<String>,
    pub optional: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/action.html")]
struct ActionPage {
    f: Frame,
    en: bool,
    kind: ActionKind,
    title: &'static str,
    record: Record,
    account: String,
    steps: Vec<StepLine>,
    evidence: Vec<insyn_app::EvidenceCopy>,
    reports: Vec<String>,
    hidden: bool,
    removed: bool,
    platform_note: String,
    flags: Vec<String>,
    others: Vec<(&'static str, &'static str)>,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ActionQuery {
    klar: Option<String>,
}

fn parse_ids(id: &str, kind: &str) -> Option<(RecordId, ActionKind)> {
    Some((RecordId(id.parse().ok()?), ActionKind::parse(kind).ok()?))
}

async fn render(
    state: &StaffState,
    cu: &CurrentUser,
    id: RecordId,
    kind: ActionKind,
    notice: Option<String>,
    error: Option<(StatusCode, String)>,
) -> Response {
    let app = &state.app.app;
    let en = cu.lang == super::i18n::Lang::En;
    let view: ActionView = match app.action_view(&cu.user, id, kind, en).await {
        Ok(v) => v,
        Err(e) => return app_error(cu.lang, e),
    };
    let account = match app.account(cu.user.org_id, view.record.account_id).await {
        Ok(a) => format!("{} ({})", a.handle, a.platform.display_name()),
        Err(e) => return app_error(cu.lang, e),
    };
    let reports = match app.record_events(cu.user.org_id, id).await {
        Ok(ev) => ev
            .iter()
            .filter_map(|e| e.detail["report_sha256"].as_str().map(str::to_string))
            .collect(),
        Err(e) => return app_error(cu.lang, e),
    };
    let f = match frame(
        cu,
        &format!("/personal/poster/{id}/atgard/{}", kind.as_str()),
    )
    .await
    {
        Ok(f) => f,
        Err(r) => return r,
    };
    let steps = view
        .steps
        .iter()
        .enumerate()
        .map(|(n, s)| StepLine {
            n: n + 1,
            step: s.step,
            label: s.step.label(en),
            done: s
                .done
                .as_ref()
                .map(|d| (local_time(d.at), d.by.clone(), d.summary.clone())),
            blocked: s.blocked.clone(),
            optional: s.step.optional(),
        })
        .collect();
    let others = ActionKind::ALL
        .iter()
        .filter(|k| **k != kind)
        .map(|k| (k.as_str(), k.title(en)))
        .collect();
    let (status, error) = match error {
        Some((s, e)) => (s, Some(e)),
        None => (StatusCode::OK, None),
    };
    (
        status,
        ActionPage {
            f,
            en,
            kind,
            title: kind.title(en),
            record: view.record,
            account,
            steps,
            evidence: view.evidence,
            reports,
            hidden: view.hidden,
            removed: view.removed,
            platform_note: view.platform_note,
            flags: view.flags,
            others,
            notice,
            error,
        },
    )
        .into_response()
}

/// GET /personal/poster/{id}/atgard/{kind}: the checklist.
pub async fn page(
    State(state): State<StaffState>,
    cu: CurrentUser,
    Path((id, kind)): Path<(String, String)>,
    Query(q): Query<ActionQuery>,
) -> Response {
    let Some((id, kind)) = parse_ids(&id, &kind) else {
        return render_error(cu.lang, StatusCode::NOT_FOUND, ErrorKind::NotFound);
    };
    let en = cu.lang == super::i18n::Lang::En;
    let notice = q
        .klar
        .and_then(|s| Step::parse(&s).ok())
        .map(|s| format!("{}: {}", if en { "Done" } else { "Klart" }, s.label(en)));
    render(&state, &cu, id, kind, notice, None).await
}

/// POST /personal/poster/{id}/atgard/{kind}/{step}: does one step (`text`, `remove`, `secret`).
pub async fn run_step(
    State(state): State<StaffState>,
    cu: CurrentUser,
    Path((id, kind, step)): Path<(String, String, String)>,
    RawForm(body): RawForm,
) -> Response {
    let Some((id, kind)) = parse_ids(&id, &kind) else {
        return render_error(cu.lang, StatusCode::NOT_FOUND, ErrorKind::NotFound);
    };
    let Ok(step) = Step::parse(&step) else {
        return render_error(cu.lang, StatusCode::NOT_FOUND, ErrorKind::NotFound);
    };
    let fields = form_fields(&body);
    let input = StepInput {
        text: field(&fields, "text").to_string(),
        remove: field(&fields, "remove") == "yes",
        secret: field(&fields, "secret") == "yes",
    };
    match state
        .app
        .app
        .run_action_step(&cu.user, id, kind, step, &input)
        .await
    {
        Ok(_) => Redirect::to(&format!(
            "/personal/poster/{id}/atgard/{}?klar={}",
            kind.as_str(),
            step.as_str()
        ))
        .into_response(),
        Err(e @ AppError::Conflict(_)) => {
            let msg = step_message(cu.lang == super::i18n::Lang::En, &e);
            render(
                &state,
                &cu,
                id,
                kind,
                None,
                Some((StatusCode::CONFLICT, msg)),
            )
            .await
        }
        Err(
            e @ (AppError::Invalid { .. } | AppError::Unavailable(_) | AppError::Unauthorized(_)),
        ) => {
            let msg = step_message(cu.lang == super::i18n::Lang::En, &e);
            render(
                &state,
                &cu,
                id,
                kind,
                None,
                Some((StatusCode::UNPROCESSABLE_ENTITY, msg)),
            )
            .await
        }
        Err(e) => app_error(cu.lang, e),
    }
}

/// The message shown for a step that could not be done (Swedish first).
fn step_message(en: bool, e: &AppError) -> String {
    let text = e.to_string();
    if en {
        return format!("The step was not done: {text}");
    }
    let sv = if text.contains("already removed") {
        "Inlägget är redan borttaget från plattformen; handlingen finns kvar."
    } else if text.contains("evidence") {
        "Spara bevisexemplaret först."
    } else if text.contains("not connected") {
        "Kontot är inte anslutet; dölj eller ta bort inlägget för hand på plattformen."
    } else if text.contains("personal data") {
        "Anteckningen kopierar personuppgifter; beskriv varför utan dem."
    } else {
        "Steget kunde inte göras."
    };
    format!("{sv} ({text})")
}

/// GET /personal/poster/{id}/bevis/{sha}: an evidence file (PDF or PNG) of the record.
pub async fn evidence_file(
    State(state): State<StaffState>,
    cu: CurrentUser,
    Path((id, sha)): Path<(String, String)>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return render_error(cu.lang, StatusCode::NOT_FOUND, ErrorKind::NotFound);
    };
    match state
        .app
        .app
        .evidence_file(&cu.user, RecordId(id), &sha)
        .await
    {
        Ok((bytes, media, name)) => file(bytes, media, &name),
        Err(e) => app_error(cu.lang, e),
    }
}

/// GET /personal/poster/{id}/polisanmalan/{sha}: the police-report document of the record.
pub async fn police_report(
    State(state): State<StaffState>,
    cu: CurrentUser,
    Path((id, sha)): Path<(String, String)>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return render_error(cu.lang, StatusCode::NOT_FOUND, ErrorKind::NotFound);
    };
    match state
        .app
        .app
        .police_report_file(&cu.user, RecordId(id), &sha)
        .await
    {
        Ok(bytes) => file(
            bytes,
            "application/pdf",
            &format!("polisanmalan-{id}-{}.pdf", &sha[..8.min(sha.len())]),
        ),
        Err(e) => app_error(cu.lang, e),
    }
}

fn file(bytes: axum::body::Bytes, media: &'static str, name: &str) -> Response {
    let disposition = if media == "image/png" {
        format!("inline; filename=\"{name}\"")
    } else {
        format!("attachment; filename=\"{name}\"")
    };
    (
        [
            (header::CONTENT_TYPE, media.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

// --- automatic hiding per account (issue 4 item 4) ---

#[derive(Template, WebTemplate)]
#[template(path = "staff/auto_hide.html")]
struct AutoHidePage {
    f: Frame,
    en: bool,
    account: Account,
    /// (category, on)
    categories: Vec<(&'static str, bool)>,
    can_change: bool,
    notice: Option<String>,
    error: Option<String>,
}

async fn auto_hide_page(
    state: &StaffState,
    cu: &CurrentUser,
    id: AccountId,
    notice: Option<String>,
    error: Option<(StatusCode, String)>,
) -> Response {
    let app = &state.app.app;
    let org = cu.user.org_id;
    if !rules::can_see_account(&cu.user, org, id) {
        return render_error(cu.lang, StatusCode::NOT_FOUND, ErrorKind::NotFound);
    }
    let account = match app.account(org, id).await {
        Ok(a) => a,
        Err(e) => return app_error(cu.lang, e),
    };
    let on = match app.auto_hide_settings(org, id).await {
        Ok(c) => c,
        Err(e) => return app_error(cu.lang, e),
    };
    let f = match frame(cu, &format!("/personal/konton/{id}/autodolj")).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let (status, error) = match error {
        Some((s, e)) => (s, Some(e)),
        None => (StatusCode::OK, None),
    };
    (
        status,
        AutoHidePage {
            f,
            en: cu.lang == super::i18n::Lang::En,
            categories: insyn_app::actions::AUTO_HIDE_CATEGORIES
                .iter()
                .map(|c| (*c, on.iter().any(|o| o == c)))
                .collect(),
            can_change: rules::can_answer(&cu.user, org, id),
            account,
            notice,
            error,
        },
    )
        .into_response()
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    sparad: Option<String>,
}

/// GET /personal/konton/{id}/autodolj
pub async fn auto_hide(
    State(state): State<StaffState>,
    cu: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return render_error(cu.lang, StatusCode::NOT_FOUND, ErrorKind::NotFound);
    };
    let en = cu.lang == super::i18n::Lang::En;
    let notice = q
        .sparad
        .map(|_| if en { "Saved." } else { "Sparat." }.to_string());
    auto_hide_page(&state, &cu, AccountId(id), notice, None).await
}

/// POST /personal/konton/{id}/autodolj: `category` repeated, one per category switched on.
pub async fn set_auto_hide(
    State(state): State<StaffState>,
    cu: CurrentUser,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return render_error(cu.lang, StatusCode::NOT_FOUND, ErrorKind::NotFound);
    };
    let categories: Vec<String> = form_fields(&body)
        .into_iter()
        .filter(|(k, _)| k == "category")
        .map(|(_, v)| v)
        .collect();
    match state
        .app
        .app
        .set_auto_hide(&cu.user, AccountId(id), &categories)
        .await
    {
        Ok(_) => Redirect::to(&format!("/personal/konton/{id}/autodolj?sparad=1")).into_response(),
        Err(e @ AppError::Invalid { .. }) => {
            auto_hide_page(
                &state,
                &cu,
                AccountId(id),
                None,
                Some((StatusCode::UNPROCESSABLE_ENTITY, e.to_string())),
            )
            .await
        }
        Err(AppError::NotFound(_)) => {
            render_error(cu.lang, StatusCode::NOT_FOUND, ErrorKind::NotFound)
        }
        Err(e) => app_error(cu.lang, e),
    }
}
