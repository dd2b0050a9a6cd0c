//! Who is asking: the [`CurrentUser`] extractor (a signed-in, active user of the organisation in
//! the session) and the page language ([`PageLang`]).
use super::StaffState;
use super::i18n::Lang;
use super::session_store::{KEY_ORG, KEY_USER};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use insyn_domain::{OrgId, StaffUser, UserId};
use tower_sessions::Session;

pub const KEY_LANG: &str = "lang";
pub const KEY_ORG_SLUG: &str = "org_slug";
/// When the signed-in user's session was last carried forward (unix seconds).
pub const KEY_SEEN: &str = "seen";
/// A session in use is carried forward (its idle limit counted again from now, in the store and
/// in the cookie) at most this often: one write per user per five minutes, not one per request.
const SLIDE_EVERY_SECS: i64 = 5 * 60;

/// A signed-in staff member. Without one, a page answers with a redirect to the sign-in page.
pub struct CurrentUser {
    pub user: StaffUser,
    pub org_slug: String,
    pub session: Session,
    pub lang: Lang,
}

fn query_lang(query: Option<&str>) -> Option<Lang> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Lang::parse(&v))
}

async fn resolve_lang(session: Option<&Session>, query: Option<&str>) -> Lang {
    if let Some(l) = query_lang(query) {
        if let Some(s) = session {
            let _ = s.insert(KEY_LANG, l.code()).await;
        }
        return l;
    }
    if let Some(s) = session
        && let Ok(Some(code)) = s.get::<String>(KEY_LANG).await
        && let Some(l) = Lang::parse(&code)
    {
        return l;
    }
    Lang::Sv
}

/// The language of a request (for middleware that renders an error page).
pub async fn lang_from(session: Option<Session>, query: Option<String>) -> Lang {
    resolve_lang(session.as_ref(), query.as_deref()).await
}

/// The page language: `?lang=sv|en` (remembered in the session), else the session's, else Swedish.
pub struct PageLang(pub Lang);

impl FromRequestParts<StaffState> for PageLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _: &StaffState,
    ) -> Result<Self, Self::Rejection> {
        Ok(PageLang(
            resolve_lang(parts.extensions.get::<Session>(), parts.uri.query()).await,
        ))
    }
}

impl FromRequestParts<StaffState> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &StaffState,
    ) -> Result<Self, Self::Rejection> {
        let to_sign_in = || {
            let next = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/personal");
            let q = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("next", next)
                .finish();
            Redirect::to(&format!("/logga-in?{q}")).into_response()
        };
        let Some(session) = parts.extensions.get::<Session>().cloned() else {
            return Err(to_sign_in());
        };
        let lang = resolve_lang(Some(&session), parts.uri.query()).await;
        let ids = (
            session.get::<i64>(KEY_ORG).await.ok().flatten(),
            session.get::<i64>(KEY_USER).await.ok().flatten(),
        );
        let (Some(org), Some(uid)) = ids else {
            return Err(to_sign_in());
        };
        match state.app.app.session_user(OrgId(org), UserId(uid)).await {
            Ok(Some(user)) => {
                // the idle limit counts from the last request, not from the sign-in: someone
                // working all day is not signed out in the middle of it
                let now = chrono::Utc::now().timestamp();
                let seen = session.get::<i64>(KEY_SEEN).await.ok().flatten();
                if seen.is_none_or(|s| now - s >= SLIDE_EVERY_SECS) {
                    let _ = session.insert(KEY_SEEN, now).await;
                }
                let org_slug = session
                    .get::<String>(KEY_ORG_SLUG)
                    .await
                    .ok()
                    .flatten()
                    .unwrap_or_default();
                Ok(CurrentUser {
                    user,
                    org_slug,
                    session,
                    lang,
                })
            }
            Ok(None) => {
                // disabled or removed since sign-in: end the session
                let _ = session.flush().await;
                Err(to_sign_in())
            }
            Err(e) => Err(crate::ApiError(e).into_response()),
        }
    }
}

/// A `next` address is followed only if it is a path on this site (no open redirects).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.chars().any(|c| c.is_control() || c == '\\') =>
        {
            n.to_string()
        }
        _ => "/personal".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;
    use proptest::prelude::*;

    #[test]
    fn next_stays_on_the_site() {
        assert_eq!(safe_next(Some("/personal/poster/3")), "/personal/poster/3");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "evil",
            "/\\/x",
            "/a\nb",
        ] {
            assert_eq!(safe_next(Some(bad)), "/personal", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/personal");
    }

    proptest! {
        #[test]
        fn next_is_always_a_local_path(s in "\\PC{0,30}") {
            let n = safe_next(Some(&s));
            prop_assert!(n.starts_with('/') && !n.starts_with("//"));
            let u = url::Url::parse("https://insyn.example/").unwrap().join(&n).unwrap();
            prop_assert_eq!(u.host_str(), Some("insyn.example"));
        }
    }
}
