//! Bearer-token authentication for the JSON API.
use crate::{ApiError, AppState};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use insyn_app::AppError;
use insyn_domain::Organisation;
use utoipa::Modify;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};

/// The organisation whose token made the call.
pub struct ApiCaller {
    pub org: Organisation,
}

impl ApiCaller {
    /// How the caller appears in the audit log.
    pub fn actor(&self) -> String {
        format!("api:{}", self.org.slug)
    }
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| ApiError(AppError::Unauthorized("send 'Authorization: Bearer <token>'; create a token with `insyn token create`".into())))?;
        let token = header
            .strip_prefix("Bearer ")
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError(AppError::Unauthorized(
                    "the Authorization header must be 'Bearer <token>'".into(),
                ))
            })?;
        let org = state.app.organisation_for_token(token).await?;
        Ok(ApiCaller { org })
    }
}

pub struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}
