//! The organisation's diary and calendar settings in the staff web (issue 5): the registers
//! (diarieserier) with the number format and the registrar's address, for registrars and
//! administrators (`/personal/diarieserier`), and the extra days off (klämdagar) beside the
//! year's holidays, for administrators (`/personal/kalender`). Every form carries the session's
//! CSRF token (checked by the staff router's guard); a bad value answers the page again with the
//! message and 422, a conflict with 409.
use super::StaffState;
use super::csrf::ErrorKind;
use super::i18n::Lang;
use super::pages::{Frame, app_error, field, form_fields, frame, local_time, render_error};
use super::user::CurrentUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use insyn_app::AppError;
use insyn_domain::staff as rules;
use insyn_domain::*;
use serde::Deserialize;

fn may_manage_registers(user: &StaffUser) -> bool {
    rules::can_register(user, user.org_id) || rules::can_manage_users(user, user.org_id)
}

/// A failed form: the message and its status (422 bad value, 409 conflict, 404 unknown).
fn form_error(e: AppError) -> Result<(StatusCode, String), AppError> {
    match e {
        AppError::Invalid { field, reason } => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{field}: {reason}"),
        )),
        AppError::Conflict(m) => Ok((StatusCode::CONFLICT, m)),
        AppError::NotFound(m) => Ok((StatusCode::NOT_FOUND, m)),
        other => Err(other),
    }
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    sparad: Option<String>,
    ar: Option<String>,
}

struct RegisterRow {
    code: String,
    name: String,
    default: bool,
    closed: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/registers.html")]
struct RegistersPage {
    f: Frame,
    en: bool,
    registers: Vec<RegisterRow>,
    format: String,
    /// The format typed (kept on an error or a preview).
    format_input: String,
    preview: Option<String>,
    next_number: String,
    registrar_email: String,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Default)]
struct RegistersForm {
    format_input: Option<String>,
    preview: Option<String>,
    notice: Option<String>,
    error: Option<(StatusCode, String)>,
}

async fn registers_page(state: &StaffState, cu: &CurrentUser, form: RegistersForm) -> Response {
    if !may_manage_registers(&cu.user) {
        return render_error(cu.lang, StatusCode::FORBIDDEN, ErrorKind::Forbidden);
    }
    let app = &state.app.app;
    let org = cu.user.org_id;
    let en = cu.lang == Lang::En;
    let loaded = async {
        Ok::<_, AppError>((
            app.diary_registers(org).await?,
            app.diary_settings(org).await?,
            app.preview_next_number(org, None).await?,
            app.registrar_email(org).await?,
        ))
    }
    .await;
    let (registers, settings, next_number, registrar) = match loaded {
        Ok(x) => x,
        Err(e) => return app_error(cu.lang, e),
    };
    let f = match frame(cu, "/personal/diarieserier").await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let (status, error) = match form.error {
        Some((s, e)) => (s, Some(e)),
        None => (StatusCode::OK, None),
    };
    let format = settings.format.template().to_string();
    (
        status,
        RegistersPage {
            f,
            en,
            registers: registers
                .into_iter()
                .map(|r| RegisterRow {
                    closed: r.closed_at.map(local_time),
                    code: r.code,
                    name: if r.default && r.name.is_empty() {
                        if en {
                            "The organisation's default register".into()
                        } else {
                            "Organisationens huvudserie".into()
                        }
                    } else {
                        r.name
                    },
                    default: r.default,
                })
                .collect(),
            format_input: form.format_input.unwrap_or_else(|| format.clone()),
            format,
            preview: form.preview,
            next_number,
            registrar_email: registrar.unwrap_or_default(),
            notice: form.notice,
            error,
        },
    )
        .into_response()
}

/// GET /personal/diarieserier
pub async fn registers(
    State(state): State<StaffState>,
    cu: CurrentUser,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let en = cu.lang == Lang::En;
    let notice = q
        .sparad
        .map(|_| if en { "Saved." } else { "Sparat." }.to_string());
    registers_page(
        &state,
        &cu,
        RegistersForm {
            notice,
            ..Default::default()
        },
    )
    .await
}

async fn after_registers_change(
    state: &StaffState,
    cu: &CurrentUser,
    done: Result<(), AppError>,
    format_input: Option<String>,
) -> Response {
    match done {
        Ok(()) => Redirect::to("/personal/diarieserier?sparad=1").into_response(),
        Err(e) => match form_error(e) {
            Ok(err) => {
                registers_page(
                    state,
                    cu,
                    RegistersForm {
                        format_input,
                        error: Some(err),
                        ..Default::default()
                    },
                )
                .await
            }
            Err(e) => app_error(cu.lang, e),
        },
    }
}

/// POST /personal/diarieserier: `code`, `name` (a new register)
pub async fn add_register(
    State(state): State<StaffState>,
    cu: CurrentUser,
    RawForm(body): RawForm,
) -> Response {
    if !may_manage_registers(&cu.user) {
        return render_error(cu.lang, StatusCode::FORBIDDEN, ErrorKind::Forbidden);
    }
    let fields = form_fields(&body);
    let done = state
        .app
        .app
        .add_diary_register(
            cu.user.org_id,
            field(&fields, "code"),
            field(&fields, "name"),
            &cu.user.actor(),
        )
        .await
        .map(|_| ());
    after_registers_change(&state, &cu, done, None).await
}

/// POST /personal/diarieserier/{code}/avsluta
pub async fn close_register(
    State(state): State<StaffState>,
    cu: CurrentUser,
    Path(code): Path<String>,
) -> Response {
    if !may_manage_registers(&cu.user) {
        return render_error(cu.lang, StatusCode::FORBIDDEN, ErrorKind::Forbidden);
    }
    let done = state
        .app
        .app
        .close_diary_register(cu.user.org_id, &code, &cu.user.actor())
        .await
        .map(|_| ());
    after_registers_change(&state, &cu, done, None).await
}

/// POST /personal/diarieserier/format: `format`, `action` = `preview` (show the next number in
/// it, nothing saved) or `save`.
pub async fn set_format(
    State(state): State<StaffState>,
    cu: CurrentUser,
    RawForm(body): RawForm,
) -> Response {
    if !may_manage_registers(&cu.user) {
        return render_error(cu.lang, StatusCode::FORBIDDEN, ErrorKind::Forbidden);
    }
    let fields = form_fields(&body);
    let template = field(&fields, "format").to_string();
    let app = &state.app.app;
    let org = cu.user.org_id;
    if field(&fields, "action") == "preview" {
        return match app.preview_next_number(org, Some(&template)).await {
            Ok(p) => {
                registers_page(
                    &state,
                    &cu,
                    RegistersForm {
                        format_input: Some(template),
                        preview: Some(p),
                        ..Default::default()
                    },
                )
                .await
            }
            Err(e) => after_registers_change(&state, &cu, Err(e), Some(template)).await,
        };
    }
    let done = app.set_diary_format(org, &template, &cu.user.actor()).await;
    after_registers_change(&state, &cu, done, Some(template)).await
}

/// POST /personal/diarieserier/registrator: `email` (empty: none; the unit's address is used)
pub async fn set_registrar(
    State(state): State<StaffState>,
    cu: CurrentUser,
    RawForm(body): RawForm,
) -> Response {
    if !may_manage_registers(&cu.user) {
        return render_error(cu.lang, StatusCode::FORBIDDEN, ErrorKind::Forbidden);
    }
    let fields = form_fields(&body);
    let email = field(&fields, "email").trim();
    let done = state
        .app
        .app
        .set_registrar_email(
            cu.user.org_id,
            (!email.is_empty()).then_some(email),
            &cu.user.actor(),
        )
        .await;
    after_registers_change(&state, &cu, done, None).await
}

// --- the calendar ---

struct DayRow {
    date: String,
    weekday: &'static str,
    name: String,
    extra: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/calendar.html")]
struct CalendarPage {
    f: Frame,
    en: bool,
    year: i32,
    days: Vec<DayRow>,
    notice: Option<String>,
    error: Option<String>,
    date_input: String,
    note_input: String,
}

fn weekday(d: NaiveDate, en: bool) -> &'static str {
    const SV: [&str; 7] = [
        "måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag",
    ];
    const EN: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    let i = d.weekday().num_days_from_monday() as usize;
    if en { EN[i] } else { SV[i] }
}

async fn calendar_page(
    state: &StaffState,
    cu: &CurrentUser,
    year: i32,
    notice: Option<String>,
    error: Option<(StatusCode, String)>,
    inputs: (String, String),
) -> Response {
    if !rules::can_manage_users(&cu.user, cu.user.org_id) {
        return render_error(cu.lang, StatusCode::FORBIDDEN, ErrorKind::Forbidden);
    }
    let en = cu.lang == Lang::En;
    let rules = match state.app.app.calendar_rules(cu.user.org_id).await {
        Ok(r) => r,
        Err(e) => return app_error(cu.lang, e),
    };
    let mut days: Vec<DayRow> = rules
        .days_off_in(year)
        .into_iter()
        .map(|h| DayRow {
            date: h.date.to_string(),
            weekday: weekday(h.date, en),
            name: if en { h.name_en() } else { h.name_sv() }.to_string(),
            extra: false,
        })
        .collect();
    for (d, note) in rules.extra_days_in(year) {
        days.push(DayRow {
            date: d.to_string(),
            weekday: weekday(d, en),
            name: if note.is_empty() {
                if en {
                    "Extra day off"
                } else {
                    "Extra ledig dag"
                }
                .to_string()
            } else {
                note.to_string()
            },
            extra: true,
        });
    }
    days.sort_by(|a, b| a.date.cmp(&b.date).then(a.extra.cmp(&b.extra)));
    let f = match frame(cu, "/personal/kalender").await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let (status, error) = match error {
        Some((s, e)) => (s, Some(e)),
        None => (StatusCode::OK, None),
    };
    (
        status,
        CalendarPage {
            f,
            en,
            year,
            days,
            notice,
            error,
            date_input: inputs.0,
            note_input: inputs.1,
        },
    )
        .into_response()
}

/// GET /personal/kalender?ar=2026
pub async fn calendar(
    State(state): State<StaffState>,
    cu: CurrentUser,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let en = cu.lang == Lang::En;
    let this_year = insyn_calendar::local_date(chrono::Utc::now()).year();
    let (year, error) = match q.ar.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => (this_year, None),
        Some(y) => match y.parse::<i32>() {
            Ok(y) if (1900..=2200).contains(&y) => (y, None),
            _ => (
                this_year,
                Some((
                    StatusCode::UNPROCESSABLE_ENTITY,
                    if en {
                        format!("'{y}' is not a year from 1900 to 2200")
                    } else {
                        format!("'{y}' är inget år mellan 1900 och 2200")
                    },
                )),
            ),
        },
    };
    let notice = q
        .sparad
        .map(|_| if en { "Saved." } else { "Sparat." }.to_string());
    calendar_page(&state, &cu, year, notice, error, Default::default()).await
}

fn parse_date(s: &str, en: bool) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        AppError::invalid(
            if en { "date" } else { "datum" },
            if en {
                format!("'{}' is not a date (YYYY-MM-DD)", s.trim())
            } else {
                format!("'{}' är inget datum (ÅÅÅÅ-MM-DD)", s.trim())
            },
        )
    })
}

async fn after_calendar_change(
    state: &StaffState,
    cu: &CurrentUser,
    done: Result<NaiveDate, AppError>,
    inputs: (String, String),
) -> Response {
    match done {
        Ok(d) => {
            Redirect::to(&format!("/personal/kalender?ar={}&sparad=1", d.year())).into_response()
        }
        Err(e) => match form_error(e) {
            Ok(err) => {
                let year = insyn_calendar::local_date(chrono::Utc::now()).year();
                calendar_page(state, cu, year, None, Some(err), inputs).await
            }
            Err(e) => app_error(cu.lang, e),
        },
    }
}

/// POST /personal/kalender: `date` (YYYY-MM-DD), `note`
pub async fn add_day(
    State(state): State<StaffState>,
    cu: CurrentUser,
    RawForm(body): RawForm,
) -> Response {
    if !rules::can_manage_users(&cu.user, cu.user.org_id) {
        return render_error(cu.lang, StatusCode::FORBIDDEN, ErrorKind::Forbidden);
    }
    let en = cu.lang == Lang::En;
    let fields = form_fields(&body);
    let (date, note) = (field(&fields, "date"), field(&fields, "note"));
    let done = async {
        let d = parse_date(date, en)?;
        state
            .app
            .app
            .add_extra_day_off(cu.user.org_id, d, note, &cu.user.actor())
            .await?;
        Ok::<_, AppError>(d)
    }
    .await;
    after_calendar_change(&state, &cu, done, (date.to_string(), note.to_string())).await
}

/// POST /personal/kalender/{date}/ta-bort
pub async fn remove_day(
    State(state): State<StaffState>,
    cu: CurrentUser,
    Path(date): Path<String>,
) -> Response {
    if !rules::can_manage_users(&cu.user, cu.user.org_id) {
        return render_error(cu.lang, StatusCode::FORBIDDEN, ErrorKind::Forbidden);
    }
    let en = cu.lang == Lang::En;
    let done = async {
        let d = parse_date(&date, en)?;
        state
            .app
            .app
            .remove_extra_day_off(cu.user.org_id, d, &cu.user.actor())
            .await?;
        Ok::<_, AppError>(d)
    }
    .await;
    after_calendar_change(&state, &cu, done, Default::default()).await
}
