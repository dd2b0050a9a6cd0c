//! OpenID Connect sign-in pages: `/auth/oidc/{org}/start` sends the browser to the organisation's
//! identity provider with PKCE, state and nonce kept in the session; `/auth/oidc/callback` checks
//! them, maps the identity to a user an administrator created, and signs in with a new session id.
use super::StaffState;
use super::pages::finish_sign_in;
use super::user::{PageLang, safe_next};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use insyn_app::auth::SignIn;
use insyn_app::auth::oidc::Pending;
use serde::Deserialize;
use tower_sessions::Session;

const KEY_PENDING: &str = "oidc_pending";

#[derive(Deserialize, Default)]
pub struct StartQuery {
    next: Option<String>,
}

fn failed(org: &str) -> Response {
    let q = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("org", org)
        .append_pair("error", "oidc")
        .finish();
    Redirect::to(&format!("/logga-in?{q}")).into_response()
}

pub async fn start(
    State(state): State<StaffState>,
    session: Session,
    Path(org): Path<String>,
    Query(q): Query<StartQuery>,
) -> Response {
    let Some(provider) = state.config.oidc.get(&org) else {
        return failed(&org);
    };
    match provider.begin(Some(safe_next(q.next.as_deref()))).await {
        Ok((url, pending)) => {
            if let Err(e) = session.insert(KEY_PENDING, &pending).await {
                tracing::error!(error = %e, "session store");
                return failed(&org);
            }
            Redirect::to(&url).into_response()
        }
        Err(e) => {
            tracing::warn!(org = %org, error = %e, "could not start OIDC sign-in");
            failed(&org)
        }
    }
}

#[derive(Deserialize, Default)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

pub async fn callback(
    State(state): State<StaffState>,
    PageLang(lang): PageLang,
    session: Session,
    Query(q): Query<CallbackQuery>,
) -> Response {
    // the pending sign-in is used once, whatever the outcome
    let pending: Option<Pending> = session.remove(KEY_PENDING).await.ok().flatten();
    let Some(pending) = pending else {
        tracing::warn!("OIDC callback without a sign-in in progress");
        return failed("");
    };
    let org_slug = pending.org_slug.clone();
    if let Some(e) = q.error {
        tracing::warn!(org = %org_slug, error = %e, "the identity provider refused the sign-in");
        return failed(&org_slug);
    }
    let (Some(code), Some(returned_state)) = (q.code, q.state) else {
        return failed(&org_slug);
    };
    let Some(provider) = state.config.oidc.get(&org_slug) else {
        return failed(&org_slug);
    };
    let app = &state.app.app;
    let org = match app.organisation(&org_slug).await {
        Ok(o) => o,
        Err(_) => return failed(&org_slug),
    };
    let identity = match provider.finish(&pending, &code, &returned_state).await {
        Ok(i) => i,
        Err(e) => {
            tracing::warn!(org = %org_slug, error = %e, "OIDC sign-in refused");
            return failed(&org_slug);
        }
    };
    match app.oidc_sign_in(org.id, &identity).await {
        Ok(SignIn::Ok(user)) => {
            let next = pending.next.clone().unwrap_or_else(|| "/personal".into());
            finish_sign_in(&session, lang, &org, &user, &next).await
        }
        Ok(_) => failed(&org_slug),
        Err(e) => {
            tracing::error!(error = %e, "OIDC sign-in");
            failed(&org_slug)
        }
    }
}
