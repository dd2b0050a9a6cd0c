//! How a received item is handled in the inbox (R5.1, R5.2): its handling state, who it is
//! assigned to, and the rule for the answer's signature "/Förnamn, funktion" [S: Besvara inlägg].
//! The current state lives in its own row; every change is also an append-only record event and
//! an audit entry (the store writes all three in one transaction).
use crate::error::DomainError;
use crate::ids::{RecordId, UserId};
use crate::staff::StaffUser;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where a received item stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandlingState {
    /// Nobody has taken it yet.
    New,
    /// A staff member has it.
    Assigned,
    /// Answered (the answer is an upprättad record in the thread).
    Answered,
    /// Read and judged to need no answer.
    NoAnswerNeeded,
    /// Handed over to another unit or channel.
    HandedOver,
}

impl HandlingState {
    pub const ALL: [HandlingState; 5] = [
        HandlingState::New,
        HandlingState::Assigned,
        HandlingState::Answered,
        HandlingState::NoAnswerNeeded,
        HandlingState::HandedOver,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HandlingState::New => "new",
            HandlingState::Assigned => "assigned",
            HandlingState::Answered => "answered",
            HandlingState::NoAnswerNeeded => "no_answer_needed",
            HandlingState::HandedOver => "handed_over",
        }
    }

    pub fn swedish(self) -> &'static str {
        match self {
            HandlingState::New => "ny",
            HandlingState::Assigned => "tilldelad",
            HandlingState::Answered => "besvarad",
            HandlingState::NoAnswerNeeded => "inget svar behövs",
            HandlingState::HandedOver => "överlämnad",
        }
    }

    pub fn english(self) -> &'static str {
        match self {
            HandlingState::New => "new",
            HandlingState::Assigned => "assigned",
            HandlingState::Answered => "answered",
            HandlingState::NoAnswerNeeded => "no answer needed",
            HandlingState::HandedOver => "handed over",
        }
    }

    /// Still needs attention (shown in the inbox by default, counts towards "overdue").
    pub fn is_open(self) -> bool {
        matches!(self, HandlingState::New | HandlingState::Assigned)
    }

    pub fn parse(text: &str) -> Result<HandlingState, DomainError> {
        HandlingState::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| {
                DomainError::invalid(
                    "state",
                    format!(
                        "unknown handling state '{text}'; use new, assigned, answered, no_answer_needed or handed_over"
                    ),
                )
            })
    }
}

/// The current handling of one received record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handling {
    pub record_id: RecordId,
    pub state: HandlingState,
    pub assignee: Option<UserId>,
    /// The answer (an upprättad record) once answered.
    pub answer: Option<RecordId>,
    pub changed_at: DateTime<Utc>,
    pub changed_by: String,
}

impl Handling {
    /// The handling of an item nobody has touched.
    pub fn untouched(record_id: RecordId, available_at: DateTime<Utc>) -> Handling {
        Handling {
            record_id,
            state: HandlingState::New,
            assignee: None,
            answer: None,
            changed_at: available_at,
            changed_by: String::new(),
        }
    }
}

/// A change of handling asked for by a staff member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlingChange {
    pub state: HandlingState,
    pub assignee: Option<UserId>,
    pub answer: Option<RecordId>,
    /// Why, in the user's words (may be empty).
    pub note: String,
}

impl HandlingChange {
    /// Checks that the change is coherent: `assigned` names a user, `new` names none, `answered`
    /// names its answer record.
    pub fn validate(&self) -> Result<(), DomainError> {
        match self.state {
            HandlingState::Assigned if self.assignee.is_none() => Err(DomainError::invalid(
                "assignee",
                "an assigned item needs a user to assign it to",
            )),
            HandlingState::New if self.assignee.is_some() => Err(DomainError::invalid(
                "assignee",
                "a new item has no assignee; use assigned",
            )),
            HandlingState::Answered if self.answer.is_none() => Err(DomainError::invalid(
                "answer",
                "an item is marked answered by storing its answer",
            )),
            _ if self.answer.is_some() && self.state != HandlingState::Answered => Err(
                DomainError::invalid("answer", "only an answered item names an answer"),
            ),
            _ if self.note.len() > 2000 => {
                Err(DomainError::invalid("note", "the note is over 2000 bytes"))
            }
            _ => Ok(()),
        }
    }
}

/// The longest answer accepted (Mastodon's default limit is 500 characters; other platforms
/// allow more; the platform itself has the last word).
pub const MAX_ANSWER_CHARS: usize = 5000;

/// Checks a draft answer against the signature rule [S: Besvara inlägg]: the text must end with
/// the signed-in user's signature "/Förnamn, funktion" on its own last line. A draft without any
/// signature line gets it added; a draft signed by someone else, or with a changed signature, is
/// refused. Returns the text to store (trimmed, signature last).
pub fn signed_answer(draft: &str, user: &StaffUser) -> Result<String, DomainError> {
    let signature = user.signature();
    if user.function.trim().is_empty() {
        return Err(DomainError::invalid(
            "signature",
            "your user has no function (funktion) for the signature \"/Förnamn, funktion\"; ask the administrator to add it",
        ));
    }
    let text = draft.trim();
    let lines: Vec<&str> = text.lines().collect();
    let body_lines = match lines.last() {
        Some(last) if last.trim_start().starts_with('/') => {
            if last.trim() != signature {
                return Err(DomainError::invalid(
                    "signature",
                    format!(
                        "the answer must be signed \"{signature}\" (the signed-in user), not \"{}\"",
                        last.trim()
                    ),
                ));
            }
            &lines[..lines.len() - 1]
        }
        _ => &lines[..],
    };
    let body = body_lines.join("\n");
    let body = body.trim();
    if body.is_empty() {
        return Err(DomainError::invalid("answer", "the answer has no text"));
    }
    if body.lines().any(|l| l.trim() == signature) {
        return Err(DomainError::invalid(
            "signature",
            "the signature goes once, on the last line",
        ));
    }
    let out = format!("{body}\n{signature}");
    if out.chars().count() > MAX_ANSWER_CHARS {
        return Err(DomainError::invalid(
            "answer",
            format!("the answer is over {MAX_ANSWER_CHARS} characters"),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::OrgId;
    use crate::staff::UserStatus;
    use proptest::prelude::*;

    fn anna() -> StaffUser {
        StaffUser {
            id: UserId(7),
            org_id: OrgId(1),
            email: "anna@kommun.se".into(),
            name: "Anna Andersson".into(),
            function: "kommunikatör".into(),
            status: UserStatus::Active,
            roles: vec![],
            accounts: vec![],
        }
    }

    #[test]
    fn signature_is_added_when_missing() {
        let out = signed_answer("  Hej! Biblioteket öppnar kl 10.\n", &anna()).unwrap();
        assert_eq!(out, "Hej! Biblioteket öppnar kl 10.\n/Anna, kommunikatör");
    }

    #[test]
    fn own_signature_is_kept_once() {
        let out = signed_answer("Hej!\n/Anna, kommunikatör", &anna()).unwrap();
        assert_eq!(out, "Hej!\n/Anna, kommunikatör");
    }

    #[test]
    fn another_signature_is_refused() {
        let e = signed_answer("Hej!\n/Bertil, chef", &anna()).unwrap_err();
        assert!(e.to_string().contains("/Anna, kommunikatör"), "{e}");
    }

    #[test]
    fn empty_body_and_missing_function_are_refused() {
        assert!(signed_answer("/Anna, kommunikatör", &anna()).is_err());
        assert!(signed_answer("   ", &anna()).is_err());
        let mut u = anna();
        u.function = " ".into();
        assert!(signed_answer("Hej", &u).is_err());
    }

    #[test]
    fn state_round_trips_and_rejects_unknown() {
        for s in HandlingState::ALL {
            assert_eq!(HandlingState::parse(s.as_str()).unwrap(), s);
        }
        assert!(HandlingState::parse("done").is_err());
        assert!(HandlingState::New.is_open() && !HandlingState::Answered.is_open());
    }

    #[test]
    fn change_rules() {
        let mut c = HandlingChange {
            state: HandlingState::Assigned,
            assignee: None,
            answer: None,
            note: String::new(),
        };
        assert!(c.validate().is_err());
        c.assignee = Some(UserId(1));
        assert!(c.validate().is_ok());
        c.state = HandlingState::Answered;
        assert!(c.validate().is_err());
        c.answer = Some(RecordId(3));
        assert!(c.validate().is_ok());
        c.state = HandlingState::HandedOver;
        assert!(c.validate().is_err());
    }

    proptest! {
        /// Whatever the draft, an accepted answer ends with exactly the user's signature.
        #[test]
        fn accepted_answers_end_with_the_signature(draft in "\\PC{0,200}(\n/[A-Za-zÅÄÖåäö ,]{0,20})?") {
            if let Ok(out) = signed_answer(&draft, &anna()) {
                prop_assert!(out.ends_with("\n/Anna, kommunikatör"));
                prop_assert_eq!(out.matches("/Anna, kommunikatör").count(), 1);
            }
        }
    }
}
