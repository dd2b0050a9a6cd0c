//! Hiding and removing others' items on the platform (R5.3), where the platform's API lets the
//! account's owner do it:
//!
//! | platform | hide | unhide | remove |
//! |---|---|---|---|
//! | Facebook Pages | `POST /{comment-id}?is_hidden=true` | `is_hidden=false` | `DELETE /{comment-id}` |
//! | Instagram | `POST /{ig-comment-id}?hide=true` | `hide=false` | `DELETE /{ig-comment-id}` |
//! | YouTube | `comments.setModerationStatus` `heldForReview` | `published` | `rejected` |
//! | X | `PUT /2/tweets/{id}/hidden {"hidden":true}` | `{"hidden":false}` | none (only one's own posts) |
//!
//! Mastodon has no API for an account to hide or remove someone else's reply (only the instance's
//! moderators can, through a report), nor do LinkedIn Pages' and Bluesky's APIs as Insyn uses
//! them, nor feeds: [`support`] says so, and staff remove such items by hand on the platform.
//!
//! The caller (insyn-app) stores the evidence copy *before* it calls [`Moderator::moderate`], and
//! keeps the platform's answer ([`RawResponse`]) as evidence of the step.
use crate::graph::GRAPH_VERSION;
use crate::http::Http;
use crate::{CaptureError, RawResponse};
use insyn_domain::Platform;

/// What is done to an item on the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModerationAction {
    Hide,
    Unhide,
    Remove,
}

impl ModerationAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ModerationAction::Hide => "hide",
            ModerationAction::Unhide => "unhide",
            ModerationAction::Remove => "remove",
        }
    }

    pub fn parse(s: &str) -> Option<ModerationAction> {
        match s {
            "hide" => Some(ModerationAction::Hide),
            "unhide" => Some(ModerationAction::Unhide),
            "remove" => Some(ModerationAction::Remove),
            _ => None,
        }
    }
}

/// What a platform's API allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Support {
    pub hide: bool,
    pub remove: bool,
    /// Why not, in Swedish and English, where something is not possible.
    pub note_sv: &'static str,
    pub note_en: &'static str,
}

impl Support {
    pub fn allows(&self, action: ModerationAction) -> bool {
        match action {
            ModerationAction::Hide | ModerationAction::Unhide => self.hide,
            ModerationAction::Remove => self.remove,
        }
    }
}

/// What the platform's API allows an account to do to others' items.
pub fn support(platform: Platform) -> Support {
    let none = |sv, en| Support {
        hide: false,
        remove: false,
        note_sv: sv,
        note_en: en,
    };
    match platform {
        Platform::Facebook | Platform::Instagram => Support {
            hide: true,
            remove: true,
            note_sv: "",
            note_en: "",
        },
        Platform::Youtube => Support {
            hide: true,
            remove: true,
            note_sv: "Dölj = håll för granskning, ta bort = avvisa (comments.setModerationStatus).",
            note_en: "Hide = held for review, remove = rejected (comments.setModerationStatus).",
        },
        Platform::X => Support {
            hide: true,
            remove: false,
            note_sv: "X låter kontot dölja svar men inte ta bort andras inlägg.",
            note_en: "X lets the account hide replies but not remove others' posts.",
        },
        Platform::Mastodon => none(
            "Mastodon har inget API för att dölja eller ta bort andras svar; anmäl inlägget till instansens moderatorer.",
            "Mastodon has no API to hide or remove others' replies; report the post to the instance's moderators.",
        ),
        Platform::Linkedin => none(
            "LinkedIn-sidor: dölj eller ta bort för hand på plattformen.",
            "LinkedIn Pages: hide or remove by hand on the platform.",
        ),
        Platform::Bluesky => none(
            "Bluesky: dölj svar för hand med trådens inställningar (threadgate).",
            "Bluesky: hide replies by hand with the thread's settings (threadgate).",
        ),
        Platform::Feed => none(
            "Webbflöden kan inte modereras härifrån; ta bort kommentaren i webbplatsens verktyg.",
            "Feeds cannot be moderated from here; remove the comment in the web site's tools.",
        ),
    }
}

/// Hides, shows or removes items through the platform's API with the account's token.
pub struct Moderator {
    platform: Platform,
    http: Http,
    token: String,
}

impl std::fmt::Debug for Moderator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Moderator")
            .field("platform", &self.platform)
            .field("base", &self.http.base.as_str())
            .field("token", &"***")
            .finish()
    }
}

impl Moderator {
    /// The moderator of an account; a platform without moderation is a [`CaptureError::Config`].
    pub fn new(platform: Platform, base_url: &str, token: &str) -> Result<Moderator, CaptureError> {
        let s = support(platform);
        if !s.hide && !s.remove {
            return Err(CaptureError::Config(s.note_en.to_string()));
        }
        if token.trim().is_empty() {
            return Err(CaptureError::Config("the access token is empty".into()));
        }
        Ok(Moderator {
            platform,
            http: Http::new(base_url)?,
            token: token.trim().to_string(),
        })
    }

    pub fn platform(&self) -> Platform {
        self.platform
    }

    /// Does `action` to the item with the platform's id `item`, and returns the platform's
    /// answer. An action the platform does not allow is a [`CaptureError::Config`]; an answer
    /// that is not a success is an error carrying the answer.
    pub async fn moderate(
        &self,
        item: &str,
        action: ModerationAction,
    ) -> Result<RawResponse, CaptureError> {
        let s = support(self.platform);
        if !s.allows(action) {
            return Err(CaptureError::Config(format!(
                "{} cannot {} items: {}",
                self.platform.display_name(),
                action.as_str(),
                s.note_en
            )));
        }
        if item.is_empty() || item.contains(['/', '?', '#']) {
            return Err(CaptureError::Config(format!(
                "'{item}' is not a platform item id"
            )));
        }
        let client = &self.http.client;
        let (req, url) = match self.platform {
            Platform::Facebook | Platform::Instagram => {
                let mut url = self.http.url(&format!("{GRAPH_VERSION}/{item}"))?;
                let key = if self.platform == Platform::Facebook {
                    "is_hidden"
                } else {
                    "hide"
                };
                {
                    let mut q = url.query_pairs_mut();
                    match action {
                        ModerationAction::Hide => {
                            q.append_pair(key, "true");
                        }
                        ModerationAction::Unhide => {
                            q.append_pair(key, "false");
                        }
                        ModerationAction::Remove => {}
                    }
                    q.append_pair("access_token", &self.token);
                }
                let req = if action == ModerationAction::Remove {
                    client.delete(url.clone())
                } else {
                    client.post(url.clone())
                };
                (req, url)
            }
            Platform::Youtube => {
                let mut url = self.http.url("youtube/v3/comments/setModerationStatus")?;
                let status = match action {
                    ModerationAction::Hide => "heldForReview",
                    ModerationAction::Unhide => "published",
                    ModerationAction::Remove => "rejected",
                };
                url.query_pairs_mut()
                    .append_pair("id", item)
                    .append_pair("moderationStatus", status);
                (client.post(url.clone()).bearer_auth(&self.token), url)
            }
            Platform::X => {
                let url = self.http.url(&format!("2/tweets/{item}/hidden"))?;
                let body = serde_json::json!({"hidden": action == ModerationAction::Hide});
                (
                    client.put(url.clone()).bearer_auth(&self.token).json(&body),
                    url,
                )
            }
            other => {
                return Err(CaptureError::Config(format!(
                    "{} has no moderation API",
                    other.display_name()
                )));
            }
        };
        let (raw, headers) = self
            .http
            .send(req, &url, Some(&self.token), crate::MAX_BODY_BYTES)
            .await?;
        if !(200..300).contains(&raw.status) {
            return Err(match raw.status {
                400 | 403 if is_graph_auth(&raw) => CaptureError::Auth {
                    status: raw.status,
                    raw: Some(raw),
                },
                _ => crate::http::fail(raw, &headers, "x-rate-limit-reset"),
            });
        }
        if matches!(self.platform, Platform::Facebook | Platform::Instagram) && !graph_success(&raw)
        {
            return Err(CaptureError::Parse {
                message: "Graph did not answer {\"success\": true}".into(),
                raw: Some(raw),
            });
        }
        Ok(raw)
    }
}

/// Graph's token errors (code 190, 102) come back as HTTP 400.
fn is_graph_auth(raw: &RawResponse) -> bool {
    serde_json::from_slice::<serde_json::Value>(&raw.body)
        .ok()
        .and_then(|v| v["error"]["code"].as_i64())
        .is_some_and(|c| c == 190 || c == 102)
}

fn graph_success(raw: &RawResponse) -> bool {
    serde_json::from_slice::<serde_json::Value>(&raw.body)
        .ok()
        .is_some_and(|v| v["success"] == serde_json::Value::Bool(true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_each_platform_allows() {
        assert!(support(Platform::Facebook).allows(ModerationAction::Remove));
        assert!(support(Platform::Instagram).allows(ModerationAction::Hide));
        assert!(support(Platform::X).allows(ModerationAction::Hide));
        assert!(!support(Platform::X).allows(ModerationAction::Remove));
        for p in [
            Platform::Mastodon,
            Platform::Linkedin,
            Platform::Bluesky,
            Platform::Feed,
        ] {
            let s = support(p);
            assert!(!s.allows(ModerationAction::Hide) && !s.allows(ModerationAction::Remove));
            assert!(!s.note_sv.is_empty() && !s.note_en.is_empty());
            assert!(Moderator::new(p, "http://127.0.0.1:1", "t").is_err());
        }
    }

    #[tokio::test]
    async fn refuses_what_the_platform_does_not_allow_and_bad_ids() {
        let m = Moderator::new(Platform::X, "http://127.0.0.1:1", "t").unwrap();
        assert!(matches!(
            m.moderate("1", ModerationAction::Remove).await,
            Err(CaptureError::Config(_))
        ));
        let m = Moderator::new(Platform::Facebook, "http://127.0.0.1:1", "t").unwrap();
        for bad in ["", "1/../me", "1?x=y"] {
            assert!(matches!(
                m.moderate(bad, ModerationAction::Hide).await,
                Err(CaptureError::Config(_))
            ));
        }
        // nothing listens on port 1: unavailable, not a panic
        assert!(matches!(
            m.moderate("1001_2", ModerationAction::Hide).await,
            Err(CaptureError::Unavailable(_))
        ));
    }
}
