use super::{ApiCaller, parse_opt, parse_time};
use crate::error::ErrorBody;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{Query, State};
use insyn_domain::{
    AccountId, Classification, Record, SearchHit, SearchOrder, SearchQuery, UnitId,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
pub struct SearchParams {
    /// Swedish full text: words (stemmed: "skola" finds "skolan"), "quoted phrases", -excluded.
    pub q: Option<String>,
    /// Account ids, comma-separated.
    pub account: Option<String>,
    /// Unit ids, comma-separated.
    pub unit: Option<String>,
    /// `created` or `received`.
    pub direction: Option<String>,
    /// Classifications, comma-separated.
    pub classification: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// `relevance` (default) or `newest`.
    pub order: Option<String>,
    /// Leave out records seen deleted on the platform.
    pub exclude_deleted: Option<bool>,
    pub offset: Option<usize>,
    /// 1–200, default 20.
    pub limit: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResult {
    pub hit: SearchHit,
    pub record: Record,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResponse {
    /// All matches, not just this page.
    pub total: u64,
    pub results: Vec<SearchResult>,
}

fn list<T: std::str::FromStr>(field: &str, v: &Option<String>) -> Result<Vec<T>, ApiError>
where
    T::Err: std::fmt::Display,
{
    v.as_deref()
        .unwrap_or("")
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| parse_opt::<T>(field, &Some(s.to_string())).map(|o| o.expect("non-empty")))
        .collect()
}

/// Full-text search over the organisation's records.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", security(("bearer" = [])), params(SearchParams),
    responses((status = 200, body = SearchResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn search(
    State(s): State<AppState>,
    caller: ApiCaller,
    axum::extract::RawQuery(raw_query): axum::extract::RawQuery,
    Query(p): Query<SearchParams>,
) -> Result<Json<SearchResponse>, ApiError> {
    let mut q = SearchQuery::new(caller.org.id, p.q.unwrap_or_default());
    q.accounts = list::<i64>("account", &p.account)?
        .into_iter()
        .map(AccountId)
        .collect();
    q.units = list::<i64>("unit", &p.unit)?
        .into_iter()
        .map(UnitId)
        .collect();
    q.direction = parse_opt("direction", &p.direction)?;
    q.classifications = list::<Classification>("classification", &p.classification)?;
    q.from = parse_time("from", &p.from)?;
    q.to = parse_time("to", &p.to)?;
    q.order = match p.order.as_deref() {
        None | Some("") | Some("relevance") => SearchOrder::Relevance,
        Some("newest") => SearchOrder::Newest,
        Some(other) => {
            return Err(ApiError(insyn_app::AppError::invalid(
                "order",
                format!("'{other}': use relevance or newest"),
            )));
        }
    };
    q.include_deleted = !p.exclude_deleted.unwrap_or(false);
    q.offset = p.offset.unwrap_or(0);
    q.limit = p.limit.unwrap_or(20);
    if !(1..=200).contains(&q.limit) || q.offset > 100_000 {
        return Err(ApiError(insyn_app::AppError::invalid(
            "limit",
            "limit must be 1-200 and offset at most 100000",
        )));
    }
    let page = s.app.search(&q).await?;
    // the results carry the records' texts: logged before they are sent (R12.1)
    s.app
        .log_shown(
            caller.org.id,
            &caller.actor(),
            insyn_domain::AccessVia::SearchApi,
            raw_query.as_deref().unwrap_or(""),
            page.results
                .iter()
                .map(|f| (f.record.id, f.record.classification)),
        )
        .await?;
    Ok(Json(SearchResponse {
        total: page.total,
        results: page
            .results
            .into_iter()
            .map(|f| SearchResult {
                hit: f.hit,
                record: f.record,
            })
            .collect(),
    }))
}
