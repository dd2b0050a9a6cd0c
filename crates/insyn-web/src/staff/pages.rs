//! The staff pages: sign-in, sign-out, home, a record, and the users page.
use super::StaffState;
use super::csrf::{self, ErrorKind};
use super::i18n::{Lang, Texts};
use super::session_store::{KEY_ORG, KEY_USER};
use super::user::{CurrentUser, KEY_ORG_SLUG, PageLang, safe_next};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use insyn_app::auth::SignIn;
use insyn_app::{AppError, RecordFilter};
use insyn_domain::staff as rules;
use insyn_domain::*;
use serde::Deserialize;
use tower_sessions::Session;

/// What every page's frame needs.
pub struct Frame {
    pub t: &'static Texts,
    pub csrf: String,
    /// Name and organisation of the signed-in user, if any.
    pub who: Option<(String, String)>,
    pub is_admin: bool,
    /// May read the access log (the data protection officer, the administrator).
    pub reads_access_log: bool,
    /// The current path, for the language link.
    pub path: String,
}

pub(crate) async fn frame(cu: &CurrentUser, path: &str) -> Result<Frame, Response> {
    let csrf = csrf::token(&cu.session)
        .await
        .map_err(|e| session_error(cu.lang, e))?;
    Ok(Frame {
        t: cu.lang.texts(),
        csrf,
        who: Some((cu.user.name.clone(), cu.org_slug.clone())),
        is_admin: rules::can_manage_users(&cu.user, cu.user.org_id),
        reads_access_log: insyn_domain::can_read_access_log(&cu.user, cu.user.org_id),
        path: path.to_string(),
    })
}

fn session_error(lang: Lang, e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "session store");
    render_error(lang, StatusCode::SERVICE_UNAVAILABLE, ErrorKind::Internal)
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/error.html")]
struct ErrorPage {
    f: Frame,
    title: &'static str,
    body: &'static str,
}

pub fn render_error(lang: Lang, status: StatusCode, kind: ErrorKind) -> Response {
    let t = lang.texts();
    let (title, body) = match kind {
        ErrorKind::Csrf => (t.csrf_title, t.csrf_body),
        ErrorKind::Forbidden => (t.forbidden_title, t.forbidden_body),
        ErrorKind::NotFound => (t.not_found_title, t.not_found_body),
        ErrorKind::Internal => (t.error_title, t.error_body),
    };
    let page = ErrorPage {
        f: Frame {
            t,
            csrf: String::new(),
            who: None,
            is_admin: false,
            reads_access_log: false,
            path: "/personal".into(),
        },
        title,
        body,
    };
    (status, page).into_response()
}

pub(crate) fn app_error(lang: Lang, e: AppError) -> Response {
    match e {
        AppError::NotFound(_) => render_error(lang, StatusCode::NOT_FOUND, ErrorKind::NotFound),
        AppError::Forbidden(_) | AppError::Unauthorized(_) => {
            render_error(lang, StatusCode::FORBIDDEN, ErrorKind::Forbidden)
        }
        other => {
            tracing::error!(error = %other, "staff page");
            render_error(lang, StatusCode::INTERNAL_SERVER_ERROR, ErrorKind::Internal)
        }
    }
}

// --- sign-in ---

#[derive(Template, WebTemplate)]
#[template(path = "staff/sign_in.html")]
struct SignInPage {
    f: Frame,
    org: String,
    email: String,
    next: String,
    error: Option<&'static str>,
    /// Organisations with an identity provider: (slug, link).
    idps: Vec<(String, String)>,
}

#[derive(Deserialize, Default)]
pub struct SignInQuery {
    org: Option<String>,
    next: Option<String>,
    error: Option<String>,
}

fn idp_links(state: &StaffState, next: &str) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = state
        .config
        .oidc
        .keys()
        .map(|slug| {
            let q = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("next", next)
                .finish();
            (slug.clone(), format!("/auth/oidc/{slug}/start?{q}"))
        })
        .collect();
    v.sort();
    v
}

pub async fn sign_in_form(
    State(state): State<StaffState>,
    PageLang(lang): PageLang,
    session: Session,
    Query(q): Query<SignInQuery>,
) -> Response {
    let csrf = match csrf::token(&session).await {
        Ok(t) => t,
        Err(e) => return session_error(lang, e),
    };
    let t = lang.texts();
    let next = safe_next(q.next.as_deref());
    SignInPage {
        f: Frame {
            t,
            csrf,
            who: None,
            is_admin: false,
            reads_access_log: false,
            path: "/logga-in".into(),
        },
        org: q.org.unwrap_or_default(),
        email: String::new(),
        error: q.error.as_deref().map(|_| t.sign_in_idp_failed),
        idps: idp_links(&state, &next),
        next,
    }
    .into_response()
}

pub(crate) fn form_fields(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

pub(crate) fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

pub async fn sign_in(
    State(state): State<StaffState>,
    PageLang(lang): PageLang,
    session: Session,
    RawForm(body): RawForm,
) -> Response {
    let fields = form_fields(&body);
    let (org_slug, email, password) = (
        field(&fields, "org").trim().to_lowercase(),
        field(&fields, "email").trim().to_string(),
        field(&fields, "password"),
    );
    let next = safe_next(Some(field(&fields, "next")).filter(|n| !n.is_empty()));
    let app = &state.app.app;
    // an unknown organisation gets the same answer, after the same work, as a wrong password
    let (org, outcome) = match app.organisation(&org_slug).await {
        Ok(org) => match app.sign_in(org.id, &email, password).await {
            Ok(o) => (Some(org), o),
            Err(e) => return app_error(lang, e),
        },
        Err(AppError::NotFound(_)) => {
            let _ = insyn_app::auth::password::verify(password, None).await;
            (None, SignIn::Rejected)
        }
        Err(e) => return app_error(lang, e),
    };
    let t = lang.texts();
    let (status, error) = match (org, outcome) {
        (Some(org), SignIn::Ok(user)) => {
            return finish_sign_in(&session, lang, &org, &user, &next).await;
        }
        (_, SignIn::Throttled) => (StatusCode::TOO_MANY_REQUESTS, t.sign_in_throttled),
        _ => (StatusCode::UNAUTHORIZED, t.sign_in_rejected),
    };
    let csrf = match csrf::token(&session).await {
        Ok(t) => t,
        Err(e) => return session_error(lang, e),
    };
    let page = SignInPage {
        f: Frame {
            t,
            csrf,
            who: None,
            is_admin: false,
            reads_access_log: false,
            path: "/logga-in".into(),
        },
        org: org_slug,
        email,
        error: Some(error),
        idps: idp_links(&state, &next),
        next,
    };
    (status, page).into_response()
}

/// A new session id (no fixation), the user in the session, a new CSRF token, and on.
pub(super) async fn finish_sign_in(
    session: &Session,
    lang: Lang,
    org: &Organisation,
    user: &StaffUser,
    next: &str,
) -> Response {
    let steps = async {
        session.cycle_id().await?;
        session.insert(KEY_ORG, org.id.0).await?;
        session.insert(KEY_USER, user.id.0).await?;
        session.insert(KEY_ORG_SLUG, &org.slug).await?;
        session.insert(super::user::KEY_LANG, lang.code()).await?;
        csrf::rotate(session).await?;
        Ok::<_, tower_sessions::session::Error>(())
    };
    if let Err(e) = steps.await {
        return session_error(lang, e);
    }
    Redirect::to(&safe_next(Some(next))).into_response()
}

pub async fn sign_out(
    State(state): State<StaffState>,
    PageLang(lang): PageLang,
    session: Session,
) -> Response {
    let ids = (
        session.get::<i64>(KEY_ORG).await.ok().flatten(),
        session.get::<i64>(KEY_USER).await.ok().flatten(),
    );
    if let (Some(o), Some(u)) = ids
        && let Ok(Some(user)) = state.app.app.session_user(OrgId(o), UserId(u)).await
        && let Err(e) = state.app.app.signed_out(&user).await
    {
        return app_error(lang, e);
    }
    if let Err(e) = session.flush().await {
        return session_error(lang, e);
    }
    Redirect::to("/logga-in").into_response()
}

// --- home ---

pub struct RecordLine {
    pub id: RecordId,
    pub time: String,
    pub author: String,
    pub excerpt: String,
    pub classification: Classification,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/home.html")]
struct HomePage {
    f: Frame,
    accounts: Vec<Account>,
    records: Vec<RecordLine>,
}

fn excerpt(text: &str) -> String {
    let mut s: String = text.chars().take(140).collect();
    if text.chars().count() > 140 {
        s.push('…');
    }
    s
}

/// A time as staff read it: Europe/Stockholm, summer time included ("2026-07-01 14:00").
pub(crate) fn local_time(t: chrono::DateTime<chrono::Utc>) -> String {
    super::diary::stockholm(t)
}

pub async fn home(State(state): State<StaffState>, cu: CurrentUser) -> Response {
    let app = &state.app.app;
    let org = cu.user.org_id;
    let f = match frame(&cu, "/personal").await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let all = match app.accounts(org).await {
        Ok(a) => a,
        Err(e) => return app_error(cu.lang, e),
    };
    let total = all.len();
    let accounts: Vec<Account> = all
        .into_iter()
        .filter(|a| rules::can_see_account(&cu.user, org, a.id))
        .collect();
    // an editor's newest are read per granted account, so other accounts' traffic never hides them
    let scopes: Vec<Option<AccountId>> = if accounts.len() == total {
        vec![None]
    } else {
        accounts.iter().map(|a| Some(a.id)).collect()
    };
    let mut found: Vec<Record> = Vec::new();
    for account in scopes {
        let filter = RecordFilter {
            account,
            direction: Some(Direction::Received),
            limit: 50,
            ..RecordFilter::default()
        };
        match app.records(org, &filter).await {
            Ok(r) => found.extend(r),
            Err(e) => return app_error(cu.lang, e),
        }
    }
    found.sort_by(|a, b| b.available_at.cmp(&a.available_at).then(b.id.cmp(&a.id)));
    found.retain(|r| rules::can_read_record(&cu.user, org, r.account_id, r.classification));
    found.truncate(10);
    // the excerpts are the records' texts: logged before the page is sent (R12.1)
    if let Err(e) = app
        .log_shown(
            org,
            &cu.user.email,
            insyn_domain::AccessVia::Home,
            "",
            found.iter().map(|r| (r.id, r.classification)),
        )
        .await
    {
        return app_error(cu.lang, e);
    }
    let records = found
        .into_iter()
        .map(|r| RecordLine {
            id: r.id,
            time: local_time(r.available_at),
            author: r.author_name.clone(),
            excerpt: excerpt(&r.text),
            classification: r.classification,
        })
        .collect();
    HomePage {
        f,
        accounts,
        records,
    }
    .into_response()
}

// --- one record ---

#[derive(Template, WebTemplate)]
#[template(path = "staff/record.html")]
struct RecordPage {
    f: Frame,
    record: Record,
    account: String,
    time: String,
    x: super::inbox::RecordInbox,
    /// The portal action: `Some(released)` when the user may release or withdraw (issue 6).
    release: Option<bool>,
    /// The diary: the registration, or the form to register (R6).
    diary: super::diary::RecordDiary,
}

#[derive(Deserialize, Default)]
pub struct RecordQuery {
    sparad: Option<String>,
}

pub async fn record(
    State(state): State<StaffState>,
    cu: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<RecordQuery>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return render_error(cu.lang, StatusCode::NOT_FOUND, ErrorKind::NotFound);
    };
    let notice = q.sparad.map(|_| cu.lang.inbox().changed.to_string());
    record_page(&state, &cu, id, String::new(), vec![], None, notice).await
}

/// The record page with its inbox part: the draft, the findings on it that need confirming, an
/// error or a notice.
pub(super) async fn record_page(
    state: &StaffState,
    cu: &CurrentUser,
    id: i64,
    draft: String,
    draft_findings: Vec<(String, String)>,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let app = &state.app.app;
    let record = match app.record_for_staff(&cu.user, RecordId(id)).await {
        Ok(r) => r,
        Err(e) => return app_error(cu.lang, e),
    };
    let account = match app.account(cu.user.org_id, record.account_id).await {
        Ok(a) => format!("{} ({})", a.handle, a.platform.as_str()),
        Err(e) => return app_error(cu.lang, e),
    };
    let f = match frame(cu, &format!("/personal/poster/{id}")).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let status = if error.is_some() || !draft_findings.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let x =
        match super::inbox::record_inbox(state, cu, &record, draft, draft_findings, error, notice)
            .await
        {
            Ok(x) => x,
            Err(e) => return app_error(cu.lang, e),
        };
    let time = local_time(record.available_at);
    // the portal action (issue 6): Some(is released) when the user may release or withdraw
    let release = insyn_domain::staff::can_release(
        &cu.user,
        cu.user.org_id,
        record.account_id,
        record.classification,
    )
    .then_some(record.classification == insyn_domain::Classification::Released);
    let diary = match super::diary::record_diary(state, cu, &record).await {
        Ok(d) => d,
        Err(e) => return app_error(cu.lang, e),
    };
    (
        status,
        RecordPage {
            f,
            record,
            account,
            time,
            x,
            release,
            diary,
        },
    )
        .into_response()
}

// --- users (administrator) ---

pub struct UserLine {
    pub user: StaffUser,
    /// Per account: (account id, handle, current access code "" / "read" / "answer").
    pub grants: Vec<(AccountId, String, &'static str)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/users.html")]
struct UsersPage {
    f: Frame,
    users: Vec<UserLine>,
    accounts: Vec<Account>,
    roles: Vec<Role>,
    message: Option<&'static str>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct UsersQuery {
    saved: Option<String>,
    added: Option<String>,
}

async fn users_page(
    state: &StaffState,
    cu: &CurrentUser,
    message: Option<&'static str>,
    error: Option<String>,
) -> Response {
    let app = &state.app.app;
    let org = cu.user.org_id;
    let f = match frame(cu, "/personal/anvandare").await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let (users, accounts) = match (app.users(org).await, app.accounts(org).await) {
        (Ok(u), Ok(a)) => (u, a),
        (Err(e), _) | (_, Err(e)) => return app_error(cu.lang, e),
    };
    let users = users
        .into_iter()
        .map(|u| {
            let grants = accounts
                .iter()
                .map(|a| {
                    let access = u
                        .accounts
                        .iter()
                        .find(|g| g.account_id == a.id)
                        .map(|g| g.access.as_str())
                        .unwrap_or("");
                    (a.id, a.handle.clone(), access)
                })
                .collect();
            UserLine { user: u, grants }
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    (
        status,
        UsersPage {
            f,
            users,
            accounts,
            roles: Role::ALL.to_vec(),
            message,
            error,
        },
    )
        .into_response()
}

/// A refusal page unless the user is the organisation's administrator.
fn refuse_unless_admin(cu: &CurrentUser) -> Option<Response> {
    if rules::can_manage_users(&cu.user, cu.user.org_id) {
        None
    } else {
        tracing::warn!(user = %cu.user.id, "refused the users page to a non-administrator");
        Some(render_error(
            cu.lang,
            StatusCode::FORBIDDEN,
            ErrorKind::Forbidden,
        ))
    }
}

pub async fn users(
    State(state): State<StaffState>,
    cu: CurrentUser,
    Query(q): Query<UsersQuery>,
) -> Response {
    if let Some(r) = refuse_unless_admin(&cu) {
        return r;
    }
    let t = cu.lang.texts();
    let message = if q.added.is_some() {
        Some(t.user_added)
    } else if q.saved.is_some() {
        Some(t.saved)
    } else {
        None
    };
    users_page(&state, &cu, message, None).await
}

/// Roles and grants from a users form: `role=editor` (repeated) and `access_<account id>=read|answer`.
fn access_from_form(
    fields: &[(String, String)],
) -> Result<(Vec<Role>, Vec<AccountGrant>), AppError> {
    let mut roles = Vec::new();
    let mut grants = Vec::new();
    for (k, v) in fields {
        if k == "role" {
            roles.push(Role::parse(v)?);
        } else if let Some(id) = k.strip_prefix("access_") {
            if v.is_empty() {
                continue;
            }
            let account = id
                .parse::<i64>()
                .map_err(|_| AppError::invalid("access", format!("'{id}' is not an account id")))?;
            grants.push(AccountGrant {
                account_id: AccountId(account),
                access: AccountAccess::parse(v)?,
            });
        }
    }
    Ok((roles, grants))
}

fn invalid_message(e: &AppError) -> Option<String> {
    match e {
        AppError::Invalid { .. } | AppError::Conflict(_) | AppError::NotFound(_) => {
            Some(e.to_string())
        }
        _ => None,
    }
}

pub async fn add_user(
    State(state): State<StaffState>,
    cu: CurrentUser,
    RawForm(body): RawForm,
) -> Response {
    if let Some(r) = refuse_unless_admin(&cu) {
        return r;
    }
    let fields = form_fields(&body);
    let result = async {
        let (roles, accounts) = access_from_form(&fields)?;
        let new = NewUser {
            email: field(&fields, "email").into(),
            name: field(&fields, "name").into(),
            function: field(&fields, "function").into(),
            roles,
            accounts,
        };
        let password = Some(field(&fields, "password")).filter(|p| !p.is_empty());
        state
            .app
            .app
            .create_user(cu.user.org_id, &new, password, &cu.user.actor())
            .await
    }
    .await;
    match result {
        Ok(_) => Redirect::to("/personal/anvandare?added=1").into_response(),
        Err(e) => match invalid_message(&e) {
            Some(m) => users_page(&state, &cu, None, Some(m)).await,
            None => app_error(cu.lang, e),
        },
    }
}

pub async fn set_access(
    State(state): State<StaffState>,
    cu: CurrentUser,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Response {
    if let Some(r) = refuse_unless_admin(&cu) {
        return r;
    }
    let fields = form_fields(&body);
    let result = async {
        let (roles, accounts) = access_from_form(&fields)?;
        state
            .app
            .app
            .set_user_access(&cu.user, UserId(id), &roles, &accounts)
            .await
    }
    .await;
    match result {
        Ok(_) => Redirect::to("/personal/anvandare?saved=1").into_response(),
        Err(e) => match invalid_message(&e) {
            Some(m) => users_page(&state, &cu, None, Some(m)).await,
            None => app_error(cu.lang, e),
        },
    }
}

pub async fn set_status(
    State(state): State<StaffState>,
    cu: CurrentUser,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Response {
    if let Some(r) = refuse_unless_admin(&cu) {
        return r;
    }
    let fields = form_fields(&body);
    let status = match UserStatus::parse(field(&fields, "status")) {
        Ok(s) => s,
        Err(e) => return users_page(&state, &cu, None, Some(e.to_string())).await,
    };
    if UserId(id) == cu.user.id && status == UserStatus::Disabled {
        return users_page(
            &state,
            &cu,
            None,
            Some("status: you cannot disable yourself".into()),
        )
        .await;
    }
    match state
        .app
        .app
        .set_user_status(cu.user.org_id, UserId(id), status, &cu.user.actor())
        .await
    {
        Ok(_) => Redirect::to("/personal/anvandare?saved=1").into_response(),
        Err(e) => app_error(cu.lang, e),
    }
}

pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../templates/staff/style.css"),
    )
}
