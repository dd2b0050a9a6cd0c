use super::ApiCaller;
use crate::error::ErrorBody;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{Path, State};
use insyn_domain::{Account, AccountId};

/// The organisation's social media accounts (the account register).
#[utoipa::path(get, path = "/api/v1/accounts", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = Vec<Account>), (status = 401, body = ErrorBody)))]
pub async fn list_accounts(
    State(s): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<Account>>, ApiError> {
    Ok(Json(s.app.accounts(caller.org.id).await?))
}

/// One account.
#[utoipa::path(get, path = "/api/v1/accounts/{id}", tag = "accounts", security(("bearer" = [])),
    params(("id" = i64, Path, description = "account id")),
    responses((status = 200, body = Account), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_account(
    State(s): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> Result<Json<Account>, ApiError> {
    Ok(Json(s.app.account(caller.org.id, AccountId(id)).await?))
}
