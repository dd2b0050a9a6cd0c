use super::{ApiCaller, parse_opt, parse_time};
use crate::error::ErrorBody;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{Path, Query, RawQuery, State};
use insyn_app::RecordFilter;
use insyn_domain::{AccountId, Finding, Record, RecordEvent, RecordId, RecordVersion};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
pub struct RecordsParams {
    /// Only this account.
    pub account: Option<i64>,
    /// `created` (upprättad) or `received` (inkommen).
    pub direction: Option<String>,
    /// unassessed, released, under_review, secret
    pub classification: Option<String>,
    /// From this time (inclusive): YYYY-MM-DD or RFC 3339.
    pub from: Option<String>,
    /// Before this time (exclusive).
    pub to: Option<String>,
    /// Records in this thread (the platform id of its first post).
    pub thread: Option<String>,
    /// 1–1000, default 50.
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    /// The next page after the record with this id (the last of the page before), read without
    /// counting past `offset` rows: the way to walk a large organisation's records.
    pub after_record: Option<i64>,
}

/// Records, newest first.
#[utoipa::path(get, path = "/api/v1/records", tag = "records", security(("bearer" = [])), params(RecordsParams),
    responses((status = 200, body = Vec<Record>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list_records(
    State(s): State<AppState>,
    caller: ApiCaller,
    RawQuery(raw_query): RawQuery,
    Query(p): Query<RecordsParams>,
) -> Result<Json<Vec<Record>>, ApiError> {
    let filter = RecordFilter {
        account: p.account.map(AccountId),
        direction: parse_opt("direction", &p.direction)?,
        classification: parse_opt("classification", &p.classification)?,
        from: parse_time("from", &p.from)?,
        to: parse_time("to", &p.to)?,
        thread: p.thread,
        limit: p.limit.unwrap_or(50),
        offset: p.offset.unwrap_or(0),
        before: match p.after_record {
            Some(id) => {
                let last = s
                    .app
                    .store
                    .get_record(caller.org.id, RecordId(id))
                    .await
                    .map_err(insyn_app::AppError::from)?;
                Some((last.available_at, last.id))
            }
            None => None,
        },
    };
    if !(1..=1000).contains(&filter.limit) || filter.offset < 0 {
        return Err(ApiError(insyn_app::AppError::invalid(
            "limit",
            "limit must be 1-1000 and offset 0 or more",
        )));
    }
    let records = s.app.records(caller.org.id, &filter).await?;
    // the answer carries the records' texts: logged before it is sent (R12.1)
    s.app
        .log_shown(
            caller.org.id,
            &caller.actor(),
            insyn_domain::AccessVia::RecordsApi,
            raw_query.as_deref().unwrap_or(""),
            records.iter().map(|r| (r.id, r.classification)),
        )
        .await?;
    Ok(Json(records))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordDetail {
    pub record: Record,
    /// Every version, oldest first.
    pub versions: Vec<RecordVersion>,
    /// What happened to the record: captured, edited, deletion seen, classified, screened.
    pub events: Vec<RecordEvent>,
    /// What screening found (suggestions for staff; spans are byte offsets into that version).
    pub findings: Vec<Finding>,
}

/// One record with its versions and events. Viewing a record that is not released is audited.
#[utoipa::path(get, path = "/api/v1/records/{id}", tag = "records", security(("bearer" = [])),
    params(("id" = i64, Path, description = "record id")),
    responses((status = 200, body = RecordDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_record(
    State(s): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> Result<Json<RecordDetail>, ApiError> {
    let org = caller.org.id;
    let id = RecordId(id);
    let record = s.app.record(org, id, &caller.actor()).await?;
    let versions = s.app.record_versions(org, id).await?;
    let events = s.app.record_events(org, id).await?;
    let findings = s.app.record_findings(org, id).await?;
    Ok(Json(RecordDetail {
        record,
        versions,
        events,
        findings,
    }))
}
