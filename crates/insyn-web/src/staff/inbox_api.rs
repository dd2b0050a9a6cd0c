//! `GET /api/v1/inbox`: the inbox as JSON (issue 5). The same items as the inbox page (open
//! items only: answered and closed ones are left out), ordered by deadline, paged by cursor.
//!
//! Who is asking: an API bearer token (`Authorization: Bearer …`, as every `/api/v1` route)
//! sees its organisation's inbox with an organisation-wide reader's view; a signed-in staff
//! session sees what that user may see (an editor only the granted accounts). Filters:
//! `account`, `unit`, `overdue` (true/false), `assigned` (`me` or a user id), `findings` (a
//! screening category), `cursor` (from the previous answer's `next_cursor`). A bad filter is a
//! 400 with a message naming it.
use super::StaffState;
use super::session_store::{KEY_ORG, KEY_USER};
use crate::ApiError;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use insyn_app::AppError;
use insyn_app::inbox::InboxCursor;
use insyn_domain::*;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

#[derive(Debug, Deserialize, Default)]
pub struct InboxParams {
    account: Option<String>,
    unit: Option<String>,
    overdue: Option<String>,
    assigned: Option<String>,
    findings: Option<String>,
    cursor: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ApiInboxItem {
    pub record_id: i64,
    pub account_id: i64,
    pub account: String,
    pub platform: Platform,
    pub author: String,
    pub text: String,
    pub available_at: chrono::DateTime<chrono::Utc>,
    pub due_at: chrono::DateTime<chrono::Utc>,
    pub overdue: bool,
    pub due_today: bool,
    pub state: HandlingState,
    pub assignee: Option<i64>,
    pub classification: Classification,
    /// Screening categories found in the current text.
    pub findings: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct ApiInbox {
    pub items: Vec<ApiInboxItem>,
    /// Open items in this selection from here on (this page included).
    pub total: usize,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Who asks: the bearer token's organisation (an organisation-wide reader) or the session's user.
async fn caller(state: &StaffState, parts: &Parts) -> Result<(StaffUser, bool), ApiError> {
    let header = parts.headers.get(axum::http::header::AUTHORIZATION);
    if let Some(h) = header {
        let token = h
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError(AppError::Unauthorized(
                    "the Authorization header must be 'Bearer <token>'".into(),
                ))
            })?;
        let org = state.app.app.organisation_for_token(token).await?;
        let user = StaffUser {
            id: UserId(0),
            org_id: org.id,
            email: String::new(),
            name: format!("api:{}", org.slug),
            function: String::new(),
            status: UserStatus::Active,
            roles: vec![Role::DataProtectionOfficer],
            accounts: Vec::new(),
        };
        return Ok((user, false));
    }
    let unauthorized = || {
        ApiError(AppError::Unauthorized(
            "send 'Authorization: Bearer <token>' or sign in; create a token with `insyn token create`".into(),
        ))
    };
    let session = parts.extensions.get::<Session>().ok_or_else(unauthorized)?;
    let org = session.get::<i64>(KEY_ORG).await.ok().flatten();
    let uid = session.get::<i64>(KEY_USER).await.ok().flatten();
    let (Some(org), Some(uid)) = (org, uid) else {
        return Err(unauthorized());
    };
    match state.app.app.session_user(OrgId(org), UserId(uid)).await? {
        Some(user) => Ok((user, true)),
        None => Err(unauthorized()),
    }
}

fn filter(
    p: &InboxParams,
    user: &StaffUser,
    is_user: bool,
) -> Result<insyn_app::InboxFilter, AppError> {
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let id = |name: &str, v: &Option<String>| -> Result<Option<i64>, AppError> {
        match text(v) {
            None => Ok(None),
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .map(Some)
                .ok_or_else(|| {
                    AppError::invalid(name, format!("'{v}' is not an id (a positive number)"))
                }),
        }
    };
    let overdue_only = match text(&p.overdue).as_deref() {
        None | Some("false") | Some("0") => false,
        Some("true") | Some("1") => true,
        Some(v) => {
            return Err(AppError::invalid(
                "overdue",
                format!("'{v}': use true or false"),
            ));
        }
    };
    let assignee = match text(&p.assigned).as_deref() {
        None => None,
        Some("me") if is_user => Some(user.id),
        Some("me") => {
            return Err(AppError::invalid(
                "assigned",
                "'me' needs a signed-in user; with a token give a user id",
            ));
        }
        Some(_) => id("assigned", &p.assigned)?.map(UserId),
    };
    let category = match text(&p.findings) {
        None => None,
        Some(c) if super::inbox::CATEGORIES.contains(&c.as_str()) => Some(c),
        Some(c) => {
            return Err(AppError::invalid(
                "findings",
                format!(
                    "'{c}' is not a screening category ({})",
                    super::inbox::CATEGORIES.join(", ")
                ),
            ));
        }
    };
    let after = match text(&p.cursor) {
        None => None,
        Some(c) => Some(InboxCursor::decode(&c).ok_or_else(|| {
            AppError::invalid("cursor", "not a cursor from this API's next_cursor")
        })?),
    };
    Ok(insyn_app::InboxFilter {
        account: id("account", &p.account)?.map(AccountId),
        unit: id("unit", &p.unit)?.map(UnitId),
        state: None,
        category,
        overdue_only,
        assignee,
        page: 1,
        after,
    })
}

/// GET /api/v1/inbox
pub async fn inbox(
    State(state): State<StaffState>,
    Query(p): Query<InboxParams>,
    req: axum::extract::Request,
) -> Response {
    let (parts, _) = req.into_parts();
    match answer(&state, &parts, &p).await {
        Ok(body) => Json(body).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn answer(state: &StaffState, parts: &Parts, p: &InboxParams) -> Result<ApiInbox, ApiError> {
    let (user, is_user) = caller(state, parts).await?;
    let filter = filter(p, &user, is_user)?;
    let page = state
        .app
        .app
        .inbox(&user, &filter, chrono::Utc::now())
        .await?;
    // the answer carries the items' texts: logged before it is sent (R12.1)
    let actor = if is_user { &user.email } else { &user.name };
    state
        .app
        .app
        .log_shown(
            user.org_id,
            actor,
            insyn_domain::AccessVia::InboxApi,
            parts.uri.query().unwrap_or(""),
            page.items
                .iter()
                .map(|i| (i.record.id, i.record.classification)),
        )
        .await?;
    let next_cursor = (page.total > page.items.len())
        .then(|| page.items.last().map(|i| InboxCursor::of(i).encode()))
        .flatten();
    Ok(ApiInbox {
        total: page.total,
        next_cursor,
        items: page
            .items
            .into_iter()
            .map(|i| ApiInboxItem {
                record_id: i.record.id.0,
                account_id: i.record.account_id.0,
                account: i.account_handle,
                platform: i.platform,
                author: i.record.author_name,
                text: i.record.text,
                available_at: i.record.available_at,
                due_at: i.due_at,
                overdue: i.overdue,
                due_today: i.due_today,
                state: i.handling.state,
                assignee: i.handling.assignee.map(|u| u.0),
                classification: i.record.classification,
                findings: i.categories,
            })
            .collect(),
    })
}
