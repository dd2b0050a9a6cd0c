//! AppError → HTTP status and a message, in English and Swedish.
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use insyn_app::AppError;
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable code: not_found, unauthorized, forbidden, invalid, conflict, unavailable, internal.
    pub error: &'static str,
    /// What was wrong (English).
    pub message: String,
    /// Vad som blev fel (svenska).
    pub meddelande: String,
    /// The parameter or field at fault, for `invalid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, sv, field) = match &self.0 {
            AppError::NotFound(_) => (
                StatusCode::NOT_FOUND,
                "not_found",
                "Det du söker finns inte.".to_string(),
                None,
            ),
            AppError::Unauthorized(_) => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Du måste ange en giltig API-nyckel.".to_string(),
                None,
            ),
            AppError::Forbidden(_) => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "Du har inte behörighet till detta.".to_string(),
                None,
            ),
            AppError::Invalid { field, .. } => (
                StatusCode::BAD_REQUEST,
                "invalid",
                format!("Felaktigt värde i {field}."),
                Some(field.clone()),
            ),
            AppError::Conflict(_) => (
                StatusCode::CONFLICT,
                "conflict",
                "Det går inte att göra så i nuvarande läge.".to_string(),
                None,
            ),
            AppError::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Tjänsten är tillfälligt otillgänglig.".to_string(),
                None,
            ),
            AppError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Ett internt fel uppstod.".to_string(),
                None,
            ),
        };
        let message = match &self.0 {
            // internal details go to the log, not to the caller
            AppError::Internal(m) => {
                tracing::error!(error = %m, "internal error");
                "an internal error occurred; it has been logged".to_string()
            }
            other => other.to_string(),
        };
        (
            status,
            Json(ErrorBody {
                error: code,
                message,
                meddelande: sv,
                field,
            }),
        )
            .into_response()
    }
}

pub async fn not_found() -> ApiError {
    ApiError(AppError::NotFound("no such page or API endpoint".into()))
}
