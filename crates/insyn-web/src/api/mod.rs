//! The JSON API, `/api/v1`. Every route takes the organisation from the bearer token, so one
//! organisation's token can never read another's accounts or records.
mod accounts;
mod auth;
mod records;
mod search;

pub use auth::{ApiCaller, BearerAuth};

use crate::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(accounts::list_accounts))
        .routes(routes!(accounts::get_account))
        .routes(routes!(records::list_records))
        .routes(routes!(records::get_record))
        .routes(routes!(search::search))
}

/// Parses an optional query parameter, naming it in the error.
pub(crate) fn parse_opt<T: std::str::FromStr>(
    field: &str,
    value: &Option<String>,
) -> Result<Option<T>, crate::ApiError>
where
    T::Err: std::fmt::Display,
{
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|e| {
            crate::ApiError(insyn_app::AppError::invalid(field, format!("'{v}': {e}")))
        }),
    }
}

/// Parses a date (2026-03-01) or a date-time (2026-03-01T08:00:00Z) as UTC.
pub(crate) fn parse_time(
    field: &str,
    value: &Option<String>,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, crate::ApiError> {
    let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(v) {
        return Ok(Some(t.with_timezone(&chrono::Utc)));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).map(|t| t.and_utc()));
    }
    Err(crate::ApiError(insyn_app::AppError::invalid(
        field,
        format!("'{v}' is not a date (YYYY-MM-DD) or an RFC 3339 time"),
    )))
}
