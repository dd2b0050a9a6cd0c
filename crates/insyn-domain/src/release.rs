//! Release to the public portal (R7.1, R7.3): which records an organisation releases on its own,
//! which wait for a person, and how authors' names are shown on the web.
//!
//! The decision "released" lives in the record's classification ([`Classification::Released`]),
//! changed only through a `classified` event (by a person, or by the policy sweep acting as
//! `release-policy`). The public side shows a record only when [`is_public`] holds for it.
use crate::error::DomainError;
use crate::record::{Classification, Direction, ItemKind, Record};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// The actor name the automatic release writes into events and the audit log.
pub const POLICY_ACTOR: &str = "release-policy";

/// How an author's name is shown on the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthorDisplay {
    /// The name as captured.
    Name,
    /// Initials only ("Anna Berg" → "A. B.").
    Initials,
    /// Not shown at all.
    Hidden,
}

impl AuthorDisplay {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthorDisplay::Name => "name",
            AuthorDisplay::Initials => "initials",
            AuthorDisplay::Hidden => "hidden",
        }
    }
}

impl FromStr for AuthorDisplay {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "name" | "namn" => Ok(AuthorDisplay::Name),
            "initials" | "initialer" => Ok(AuthorDisplay::Initials),
            "hidden" | "dold" | "dolt" => Ok(AuthorDisplay::Hidden),
            other => Err(DomainError::invalid(
                "author_display",
                format!("unknown author display '{other}'; use name, initials or hidden"),
            )),
        }
    }
}

/// An organisation's release policy. The defaults are the cautious ones: only the authority's
/// own posts and answers are released without a person; private persons' names are hidden.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReleasePolicy {
    /// Release the authority's own posts and answers (upprättade) automatically.
    pub auto_release_created: bool,
    /// Release received records (inkomna) automatically once screened without findings.
    pub auto_release_received_clean: bool,
    /// How the names of private persons (authors of received records) are shown.
    pub private_authors: AuthorDisplay,
    /// How the authority's own account names (authors of created records) are shown.
    pub own_authors: AuthorDisplay,
}

impl Default for ReleasePolicy {
    fn default() -> Self {
        ReleasePolicy {
            auto_release_created: true,
            auto_release_received_clean: false,
            private_authors: AuthorDisplay::Hidden,
            own_authors: AuthorDisplay::Name,
        }
    }
}

impl ReleasePolicy {
    /// Reads a stored policy; unknown keys are refused (a typo must not silently release).
    pub fn from_json(text: &str) -> Result<ReleasePolicy, DomainError> {
        serde_json::from_str(text).map_err(|e| {
            DomainError::invalid("release_policy", format!("not a release policy: {e}"))
        })
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }

    /// The name to show for an author of a record with this direction, or `None` when hidden.
    pub fn author_shown(&self, direction: Direction, name: &str) -> Option<String> {
        let display = match direction {
            Direction::Created => self.own_authors,
            Direction::Received => self.private_authors,
        };
        show_author(display, name)
    }
}

/// Applies a display rule to a name. An empty name is hidden whatever the rule.
pub fn show_author(display: AuthorDisplay, name: &str) -> Option<String> {
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    match display {
        AuthorDisplay::Name => Some(name.to_string()),
        AuthorDisplay::Hidden => None,
        AuthorDisplay::Initials => {
            let initials: Vec<String> = name
                .split(|c: char| c.is_whitespace() || c == '-' || c == '_' || c == '.')
                .filter_map(|part| part.chars().find(|c| c.is_alphanumeric()))
                .take(4)
                .map(|c| format!("{}.", c.to_uppercase()))
                .collect();
            if initials.is_empty() {
                None
            } else {
                Some(initials.join(" "))
            }
        }
    }
}

/// What the policy needs to know about a record to decide on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReleaseFacts {
    pub direction: Direction,
    pub kind: ItemKind,
    pub classification: Classification,
    pub deleted: bool,
    /// Screening findings on any version of the record.
    pub findings: u64,
    /// Whether the newest version has been screened (received records are screened on arrival).
    pub screened: bool,
}

/// Why a record stays off the portal until a person decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Hold {
    /// Someone (or the policy) has already decided: released, under review or secret.
    AlreadyDecided,
    /// Deleted or removed content is never released automatically.
    Deleted,
    /// Screening found something: a person must look first.
    Findings,
    /// Not screened yet: wait for screening.
    NotScreened,
    /// Private messages are never released automatically.
    PrivateMessage,
    /// The policy leaves this kind of record to a person.
    Manual,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReleaseDecision {
    Release,
    Hold(Hold),
}

/// Decides whether the policy releases a record on its own. Only unassessed records are ever
/// released automatically; everything else stays as a person left it.
pub fn decide(policy: &ReleasePolicy, f: &ReleaseFacts) -> ReleaseDecision {
    if f.classification != Classification::Unassessed {
        return ReleaseDecision::Hold(Hold::AlreadyDecided);
    }
    if f.deleted {
        return ReleaseDecision::Hold(Hold::Deleted);
    }
    if f.findings > 0 {
        return ReleaseDecision::Hold(Hold::Findings);
    }
    if f.kind == ItemKind::Message {
        return ReleaseDecision::Hold(Hold::PrivateMessage);
    }
    match f.direction {
        Direction::Created if policy.auto_release_created => ReleaseDecision::Release,
        Direction::Received if policy.auto_release_received_clean => {
            if f.screened {
                ReleaseDecision::Release
            } else {
                ReleaseDecision::Hold(Hold::NotScreened)
            }
        }
        _ => ReleaseDecision::Hold(Hold::Manual),
    }
}

/// Whether the public may see a record: released, and no deletion seen. Every public path
/// (search hits, record page, thread context, versions, print) checks this.
pub fn is_public(record: &Record) -> bool {
    record.classification == Classification::Released && record.deleted_seen_at.is_none()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn facts(direction: Direction) -> ReleaseFacts {
        ReleaseFacts {
            direction,
            kind: ItemKind::Comment,
            classification: Classification::Unassessed,
            deleted: false,
            findings: 0,
            screened: true,
        }
    }

    #[test]
    fn defaults_release_own_posts_only() {
        let p = ReleasePolicy::default();
        assert_eq!(
            decide(&p, &facts(Direction::Created)),
            ReleaseDecision::Release
        );
        assert_eq!(
            decide(&p, &facts(Direction::Received)),
            ReleaseDecision::Hold(Hold::Manual)
        );
    }

    #[test]
    fn received_clean_needs_screening_and_no_findings() {
        let p = ReleasePolicy {
            auto_release_received_clean: true,
            ..ReleasePolicy::default()
        };
        let mut f = facts(Direction::Received);
        assert_eq!(decide(&p, &f), ReleaseDecision::Release);
        f.screened = false;
        assert_eq!(decide(&p, &f), ReleaseDecision::Hold(Hold::NotScreened));
        f.screened = true;
        f.findings = 1;
        assert_eq!(decide(&p, &f), ReleaseDecision::Hold(Hold::Findings));
        f.findings = 0;
        f.kind = ItemKind::Message;
        assert_eq!(decide(&p, &f), ReleaseDecision::Hold(Hold::PrivateMessage));
    }

    #[test]
    fn author_display() {
        assert_eq!(
            show_author(AuthorDisplay::Initials, "anna-karin berg"),
            Some("A. K. B.".into())
        );
        assert_eq!(show_author(AuthorDisplay::Hidden, "Anna"), None);
        assert_eq!(show_author(AuthorDisplay::Name, "  "), None);
        let p = ReleasePolicy::default();
        assert_eq!(p.author_shown(Direction::Received, "Anna Berg"), None);
        assert_eq!(
            p.author_shown(Direction::Created, "Ekbacka kommun"),
            Some("Ekbacka kommun".into())
        );
    }

    #[test]
    fn policy_json_refuses_unknown_keys() {
        let p = ReleasePolicy::default();
        assert_eq!(ReleasePolicy::from_json(&p.to_json()).unwrap(), p);
        assert!(ReleasePolicy::from_json(r#"{"auto_release_everything":true}"#).is_err());
        assert!(ReleasePolicy::from_json("not json").is_err());
        // missing keys take the cautious defaults
        assert_eq!(ReleasePolicy::from_json("{}").unwrap(), p);
    }

    fn any_classification() -> impl Strategy<Value = Classification> {
        prop_oneof![
            Just(Classification::Unassessed),
            Just(Classification::Released),
            Just(Classification::UnderReview),
            Just(Classification::Secret),
        ]
    }

    proptest! {
        /// Whatever the policy: nothing deleted, with findings, or already decided (secret,
        /// under review) is ever released by the policy.
        #[test]
        fn never_releases_what_must_wait(
            created in any::<bool>(), received in any::<bool>(),
            class in any_classification(), deleted in any::<bool>(),
            findings in 0u64..3, screened in any::<bool>(), message in any::<bool>(),
            incoming in any::<bool>(),
        ) {
            let p = ReleasePolicy { auto_release_created: created, auto_release_received_clean: received, ..ReleasePolicy::default() };
            let f = ReleaseFacts {
                direction: if incoming { Direction::Received } else { Direction::Created },
                kind: if message { ItemKind::Message } else { ItemKind::Comment },
                classification: class, deleted, findings, screened,
            };
            if decide(&p, &f) == ReleaseDecision::Release {
                prop_assert_eq!(class, Classification::Unassessed);
                prop_assert!(!deleted);
                prop_assert_eq!(findings, 0);
                prop_assert!(!message);
                let allowed = if incoming { received && screened } else { created };
                prop_assert!(allowed);
            }
        }

        /// Initials never contain a whole word of the name longer than one letter.
        #[test]
        fn initials_hide_the_name(name in "[A-Za-zÅÄÖåäö]{2,12}( [A-Za-zÅÄÖåäö]{2,12}){0,3}") {
            let shown = show_author(AuthorDisplay::Initials, &name).unwrap();
            for word in name.split(' ') {
                prop_assert!(!shown.contains(word));
            }
        }
    }
}
