//! The diary in the staff web (R6): "Registrera" on a record (a new case or a document in an
//! existing one), the registrar's view `/personal/diarium` (cases by year and register, search by
//! number or title), the case page with its documents and links to the records, and the exports:
//! by e-mail (to the unit's address or one typed; the outbox's state is shown) and as files (the
//! JSON for a case system, the PDF copy of a document's record).
//!
//! Who may do what: registrars register and export; communicators, archivists and
//! administrators may read the diary. Every form carries the session's CSRF token (checked by
//! the staff router's guard); every read is scoped to the user's organisation.
use super::StaffState;
use super::i18n::Lang;
use super::pages::{Frame, app_error, field, form_fields, frame, local_time};
use super::user::CurrentUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, RawForm, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use insyn_app::{AppError, CaseQuery};
use insyn_domain::staff as rules;
use insyn_domain::*;
use serde::Deserialize;

/// Registrars act in the diary.
pub(crate) fn can_register(user: &StaffUser) -> bool {
    rules::can_register(user, user.org_id)
}

/// Registrars, communicators, archivists and administrators read it.
pub(crate) fn can_read_diary(user: &StaffUser) -> bool {
    can_register(user)
        || [Role::Communicator, Role::Archivist, Role::Administrator]
            .iter()
            .any(|r| user.has_role(*r))
}

fn forbidden() -> AppError {
    AppError::Forbidden("the diary is for registrars / diariet är för registratorer".into())
}

/// A time in Europe/Stockholm, as staff read it ("2026-11-23 14:05").
pub(crate) fn stockholm(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&chrono_tz::Europe::Stockholm)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// Where an e-mail stands, in words: "Köad — försöker igen kl 14:05 (fel: ...)".
pub(crate) fn mail_status(m: &MailMessage, sv: bool) -> String {
    let hm = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&chrono_tz::Europe::Stockholm)
            .format("%H:%M")
            .to_string()
    };
    match m.state {
        MailState::Sent => {
            let at = m.sent_at.map(stockholm).unwrap_or_default();
            if sv {
                format!("Skickad {at}")
            } else {
                format!("Sent {at}")
            }
        }
        MailState::Queued if m.attempts == 0 => {
            if sv {
                "Köad — skickas strax".into()
            } else {
                "Queued — sending shortly".into()
            }
        }
        MailState::Queued => {
            let err = m.last_error.clone().unwrap_or_default();
            if sv {
                format!(
                    "Köad — försöker igen kl {} (försök {}; fel: {err})",
                    hm(m.next_attempt_at),
                    m.attempts
                )
            } else {
                format!(
                    "Queued — trying again at {} (attempt {}; error: {err})",
                    hm(m.next_attempt_at),
                    m.attempts
                )
            }
        }
        MailState::Failed => {
            let err = m.last_error.clone().unwrap_or_default();
            if sv {
                format!("Misslyckades — servern tog inte emot meddelandet: {err}")
            } else {
                format!("Failed — the server refused the message: {err}")
            }
        }
    }
}

// --- the record page's diary part ---

/// What the record page shows about the diary.
pub struct RecordDiary {
    /// (document number, case id) when the record is registered.
    pub registered: Option<(String, CaseId)>,
    /// The form is shown to registrars of records not yet registered.
    pub can_register: bool,
    pub registers: Vec<(String, String)>,
    pub units: Vec<(UnitId, String)>,
    pub example: String,
}

pub(crate) async fn record_diary(
    state: &StaffState,
    cu: &CurrentUser,
    record: &Record,
) -> Result<RecordDiary, AppError> {
    let app = &state.app.app;
    let org = cu.user.org_id;
    let registered = app
        .registrations(org, &[record.id])
        .await?
        .remove(&record.id)
        .map(|d| (d.number, d.case_id));
    let may = can_register(&cu.user) && registered.is_none();
    let (registers, units, example) = if may {
        let settings = app.diary_settings(org).await?;
        let mut registers = vec![(settings.default_register.clone(), String::new())];
        registers.extend(
            settings
                .registers
                .iter()
                .map(|r| (r.code.clone(), r.name.clone())),
        );
        let units = app
            .units(org)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
        let year = chrono::Datelike::year(&chrono::Utc::now());
        (
            registers,
            units,
            settings.format.render(&settings.default_register, year, 42),
        )
    } else {
        (Vec::new(), Vec::new(), String::new())
    };
    Ok(RecordDiary {
        registered,
        can_register: may,
        registers,
        units,
        example,
    })
}

/// POST /personal/poster/{id}/registrera: `mal` = ny (`rubrik`, `serie`, `enhet`, `manuellt`)
/// | befintligt (`arende`: the case's number as typed); `beskrivning`, `motpart`.
pub(crate) async fn register(
    State(state): State<StaffState>,
    cu: CurrentUser,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return app_error(cu.lang, AppError::NotFound("record".into()));
    };
    let sv = cu.lang == Lang::Sv;
    if !can_register(&cu.user) {
        return app_error(cu.lang, forbidden());
    }
    let app = &state.app.app;
    // the record must be one the user may read (and the organisation's)
    if let Err(e) = app.record_for_staff(&cu.user, RecordId(id)).await {
        return app_error(cu.lang, e);
    }
    let fields = form_fields(&body);
    let f = |n: &str| field(&fields, n).trim().to_string();
    let org = cu.user.org_id;
    let target = match f("mal").as_str() {
        "ny" => {
            let unit = match f("enhet").as_str() {
                "" => Ok(None),
                u => u
                    .parse::<i64>()
                    .map(|u| Some(UnitId(u)))
                    .map_err(|_| AppError::invalid("enhet", "choose a unit")),
            };
            unit.map(|unit_id| {
                RegistrationTarget::NewCase(NewCase {
                    register: Some(f("serie")).filter(|s| !s.is_empty()),
                    title: f("rubrik"),
                    unit_id,
                    manual_number: Some(f("manuellt")).filter(|s| !s.is_empty()),
                })
            })
        }
        "befintligt" => app
            .find_case(org, &f("arende"))
            .await
            .map(|c| RegistrationTarget::ExistingCase(c.id)),
        _ => Err(AppError::invalid(
            "mal",
            if sv {
                "välj nytt ärende eller befintligt ärende"
            } else {
                "choose a new case or an existing case"
            },
        )),
    };
    let result = match target {
        Ok(target) => {
            app.register_record(
                org,
                &NewRegistration {
                    record_id: RecordId(id),
                    target,
                    description: f("beskrivning"),
                    counterpart: Some(f("motpart")),
                },
                &cu.user.actor(),
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok((case, _)) => {
            Redirect::to(&format!("/personal/diarium/{}?registrerad=1", case.id)).into_response()
        }
        Err(e) => {
            let (status, message) = match e {
                AppError::Invalid { field, reason } => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("{field}: {reason}"),
                ),
                AppError::Conflict(m) => (StatusCode::CONFLICT, m),
                AppError::NotFound(m) => (StatusCode::NOT_FOUND, m),
                other => return app_error(cu.lang, other),
            };
            let mut r = super::pages::record_page(
                &state,
                &cu,
                id,
                String::new(),
                vec![],
                Some(message),
                None,
            )
            .await;
            if r.status().is_client_error() || r.status().is_success() {
                *r.status_mut() = status;
            }
            r
        }
    }
}

// --- the registrar's view ---

#[derive(Template, WebTemplate)]
#[template(path = "staff/diary.html")]
struct DiaryPage {
    f: Frame,
    sv: bool,
    cases: Vec<CaseLine>,
    years: Vec<(i32, bool)>,
    registers: Vec<(String, bool)>,
    q: String,
    error: Option<String>,
}

pub struct CaseLine {
    pub id: CaseId,
    pub number: String,
    pub title: String,
    pub opened: String,
    pub status: &'static str,
    pub documents: u32,
}

#[derive(Deserialize, Default)]
pub struct DiaryQuery {
    #[serde(default)]
    ar: String,
    #[serde(default)]
    serie: String,
    #[serde(default)]
    q: String,
}

/// GET /personal/diarium?ar=2026&serie=KS&q=snöröjning (or q=KS 2026/12)
pub(crate) async fn list(
    State(state): State<StaffState>,
    cu: CurrentUser,
    Query(dq): Query<DiaryQuery>,
) -> Response {
    if !can_read_diary(&cu.user) {
        return app_error(cu.lang, forbidden());
    }
    let sv = cu.lang == Lang::Sv;
    let app = &state.app.app;
    let org = cu.user.org_id;
    let mut error = None;
    let year = match dq.ar.trim() {
        "" => None,
        y => match y.parse::<i32>().ok().filter(|y| (1900..=2999).contains(y)) {
            Some(y) => Some(y),
            None => {
                error = Some(if sv {
                    "Året ska vara fyra siffror, t.ex. 2026.".to_string()
                } else {
                    "The year is four digits, e.g. 2026.".to_string()
                });
                None
            }
        },
    };
    let q: String = dq.q.chars().take(200).collect();
    let register: String = dq.serie.chars().take(20).collect();
    let cases = match app
        .diary_cases(
            org,
            &CaseQuery {
                year,
                register: Some(register.clone()),
                text: Some(q.clone()),
                limit: 500,
            },
        )
        .await
    {
        Ok(c) => c,
        Err(AppError::Invalid { field, reason }) => {
            error = Some(format!("{field}: {reason}"));
            Vec::new()
        }
        Err(e) => return app_error(cu.lang, e),
    };
    let settings = match app.diary_settings(org).await {
        Ok(s) => s,
        Err(e) => return app_error(cu.lang, e),
    };
    let mut registers = vec![settings.default_register.clone()];
    registers.extend(settings.registers.iter().map(|r| r.code.clone()));
    let this_year = chrono::Datelike::year(&chrono::Utc::now());
    let years: Vec<(i32, bool)> = (this_year - 5..=this_year)
        .rev()
        .map(|y| (y, year == Some(y)))
        .collect();
    let registers: Vec<(String, bool)> = registers
        .into_iter()
        .map(|r| {
            let sel = r.eq_ignore_ascii_case(register.trim());
            (r, sel)
        })
        .collect();
    let f = match frame(&cu, "/personal/diarium").await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    (
        status,
        DiaryPage {
            f,
            sv,
            cases: cases
                .into_iter()
                .map(|c| CaseLine {
                    id: c.id,
                    number: c.number,
                    title: c.title,
                    opened: stockholm(c.opened_at),
                    status: if sv {
                        c.status.swedish()
                    } else {
                        c.status.as_str()
                    },
                    documents: c.documents,
                })
                .collect(),
            years,
            registers,
            q,
            error,
        },
    )
        .into_response()
}

// --- the case page ---

#[derive(Template, WebTemplate)]
#[template(path = "staff/case.html")]
struct CasePage {
    f: Frame,
    sv: bool,
    case: DiaryCase,
    status: &'static str,
    opened: String,
    unit: String,
    unit_email: Option<String>,
    documents: Vec<DocLine>,
    mail: Vec<(String, String, String)>,
    can_act: bool,
    notice: Option<String>,
    error: Option<String>,
}

pub struct DocLine {
    pub document: u32,
    pub number: String,
    pub date: String,
    pub direction: &'static str,
    pub description: String,
    pub counterpart: String,
    pub record_id: RecordId,
    pub excerpt: String,
}

#[derive(Deserialize, Default)]
pub struct CaseQueryString {
    registrerad: Option<String>,
    skickad: Option<String>,
    sparad: Option<String>,
}

fn parse_case(id: &str) -> Option<CaseId> {
    id.parse::<i64>().ok().filter(|n| *n > 0).map(CaseId)
}

/// GET /personal/diarium/{id}
pub(crate) async fn case(
    State(state): State<StaffState>,
    cu: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<CaseQueryString>,
) -> Response {
    let sv = cu.lang == Lang::Sv;
    let notice = if q.registrerad.is_some() {
        Some(if sv {
            "Handlingen är registrerad."
        } else {
            "The record is registered."
        })
    } else if q.skickad.is_some() {
        Some(if sv {
            "E-postmeddelandet är köat och skickas av utkorgen."
        } else {
            "The e-mail is queued and sent by the outbox."
        })
    } else if q.sparad.is_some() {
        Some(if sv { "Sparat." } else { "Saved." })
    } else {
        None
    };
    render_case(
        &state,
        &cu,
        &id,
        StatusCode::OK,
        notice.map(str::to_string),
        None,
    )
    .await
}

async fn render_case(
    state: &StaffState,
    cu: &CurrentUser,
    id: &str,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    if !can_read_diary(&cu.user) {
        return app_error(cu.lang, forbidden());
    }
    let Some(id) = parse_case(id) else {
        return app_error(cu.lang, AppError::NotFound("case".into()));
    };
    let sv = cu.lang == Lang::Sv;
    let view = match state.app.app.diary_case(cu.user.org_id, id).await {
        Ok(v) => v,
        Err(e) => return app_error(cu.lang, e),
    };
    // the page shows excerpts of the documents' records: logged before it is sent (R12.1)
    if let Err(e) = state
        .app
        .app
        .log_shown(
            cu.user.org_id,
            &cu.user.email,
            insyn_domain::AccessVia::Case,
            &format!("case:{}", view.case.id),
            view.documents
                .iter()
                .filter_map(|(_, r)| r.as_ref().map(|r| (r.id, r.classification))),
        )
        .await
    {
        return app_error(cu.lang, e);
    }
    let f = match frame(cu, &format!("/personal/diarium/{id}")).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let documents = view
        .documents
        .iter()
        .map(|(d, r)| DocLine {
            document: d.document,
            number: d.number.clone(),
            date: d.document_date.to_string(),
            direction: if sv {
                d.direction.swedish()
            } else {
                d.direction.as_str()
            },
            description: d.description.clone(),
            counterpart: d.counterpart.clone().unwrap_or_default(),
            record_id: d.record_id,
            excerpt: r
                .as_ref()
                .map(|r| r.text.chars().take(160).collect())
                .unwrap_or_default(),
        })
        .collect();
    let mail = view
        .mail
        .iter()
        .map(|m| (local_time(m.queued_at), m.to.clone(), mail_status(m, sv)))
        .collect();
    let page = CasePage {
        f,
        sv,
        status: if sv {
            view.case.status.swedish()
        } else {
            view.case.status.as_str()
        },
        opened: stockholm(view.case.opened_at),
        unit: view
            .unit
            .as_ref()
            .map(|u| u.name.clone())
            .unwrap_or_default(),
        unit_email: view.unit.as_ref().and_then(|u| u.email.clone()),
        case: view.case,
        documents,
        mail,
        can_act: can_register(&cu.user),
        notice,
        error,
    };
    (status, page).into_response()
}

/// POST /personal/diarium/{id}/epost: `till` (empty: the unit's address).
pub(crate) async fn email(
    State(state): State<StaffState>,
    cu: CurrentUser,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> Response {
    if !can_register(&cu.user) {
        return app_error(cu.lang, forbidden());
    }
    let Some(case) = parse_case(&id) else {
        return app_error(cu.lang, AppError::NotFound("case".into()));
    };
    let fields = form_fields(&body);
    let to = field(&fields, "till").trim().to_string();
    let result = state
        .app
        .app
        .email_case(
            cu.user.org_id,
            case,
            Some(to.as_str()).filter(|t| !t.is_empty()),
            &cu.user.actor(),
        )
        .await;
    match result {
        Ok(_) => Redirect::to(&format!("/personal/diarium/{case}?skickad=1")).into_response(),
        Err(AppError::Invalid { field, reason }) => {
            render_case(
                &state,
                &cu,
                &id,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(format!("{field}: {reason}")),
            )
            .await
        }
        Err(e) => app_error(cu.lang, e),
    }
}

/// POST /personal/diarium/{id}/status: `action` = close | open.
pub(crate) async fn set_status(
    State(state): State<StaffState>,
    cu: CurrentUser,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> Response {
    if !can_register(&cu.user) {
        return app_error(cu.lang, forbidden());
    }
    let Some(case) = parse_case(&id) else {
        return app_error(cu.lang, AppError::NotFound("case".into()));
    };
    let fields = form_fields(&body);
    let to = match field(&fields, "action") {
        "close" => CaseStatus::Closed,
        "open" => CaseStatus::Open,
        _ => {
            return render_case(
                &state,
                &cu,
                &id,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some("action: close or open".into()),
            )
            .await;
        }
    };
    match state
        .app
        .app
        .store
        .set_case_status(cu.user.org_id, case, to, &cu.user.actor())
        .await
    {
        Ok(_) => Redirect::to(&format!("/personal/diarium/{case}?sparad=1")).into_response(),
        Err(e) => app_error(cu.lang, e.into()),
    }
}

fn download(file: insyn_app::ExportFile) -> Response {
    (
        [
            (header::CONTENT_TYPE, file.content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", file.filename),
            ),
        ],
        file.content,
    )
        .into_response()
}

/// GET /personal/diarium/{id}/export.json: the case for an external case system.
pub(crate) async fn export_json(
    State(state): State<StaffState>,
    cu: CurrentUser,
    Path(id): Path<String>,
) -> Response {
    if !can_register(&cu.user) {
        return app_error(cu.lang, forbidden());
    }
    let Some(case) = parse_case(&id) else {
        return app_error(cu.lang, AppError::NotFound("case".into()));
    };
    match state
        .app
        .app
        .case_export(cu.user.org_id, case, &cu.user.actor())
        .await
    {
        Ok(file) => download(file),
        Err(e) => app_error(cu.lang, e),
    }
}

/// GET /personal/diarium/{id}/handlingar/{n}/kopia.pdf: the record's PDF/A copy with its
/// diary number.
pub(crate) async fn document_pdf(
    State(state): State<StaffState>,
    cu: CurrentUser,
    Path((id, n)): Path<(String, String)>,
) -> Response {
    if !can_register(&cu.user) {
        return app_error(cu.lang, forbidden());
    }
    let (Some(case), Ok(n)) = (parse_case(&id), n.parse::<u32>()) else {
        return app_error(cu.lang, AppError::NotFound("document".into()));
    };
    match state
        .app
        .app
        .document_pdf(
            cu.user.org_id,
            case,
            n,
            cu.lang != Lang::Sv,
            &cu.user.actor(),
        )
        .await
    {
        Ok(file) => download(file),
        Err(e) => app_error(cu.lang, e),
    }
}
