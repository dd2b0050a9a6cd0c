//! The staff action that releases a record to the public portal or withdraws it (issue 6). The
//! CSRF guard of the staff routes covers it; the role check is in `insyn_app::portal`.
use super::StaffState;
use super::csrf::ErrorKind;
use super::pages::{app_error, field, form_fields, render_error};
use super::user::CurrentUser;
use axum::extract::{Path, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use insyn_app::AppError;
use insyn_domain::RecordId;

pub async fn set_release(
    State(state): State<StaffState>,
    cu: CurrentUser,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return render_error(cu.lang, StatusCode::NOT_FOUND, ErrorKind::NotFound);
    };
    let fields = form_fields(&body);
    let release = match field(&fields, "action") {
        "release" => true,
        "withdraw" => false,
        _ => {
            return app_error(
                cu.lang,
                AppError::invalid("action", "choose release or withdraw"),
            );
        }
    };
    let reason = field(&fields, "reason");
    match state
        .app
        .app
        .set_release_for_staff(&cu.user, RecordId(id), release, reason)
        .await
    {
        Ok(_) => Redirect::to(&format!("/personal/poster/{id}?sparad=1")).into_response(),
        Err(e) => app_error(cu.lang, e),
    }
}
