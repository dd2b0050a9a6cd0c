//! Records (allmänna handlingar, R3.1): every post, comment, reply or message, with its versions and
//! events. A record is never changed in place: an edit is a new version, a deletion seen on the
//! platform or a new classification is an event.
use crate::digest::Sha256Digest;
use crate::error::DomainError;
use crate::ids::{AccountId, OrgId, RecordId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// Created by the authority (upprättad) or received by it (inkommen).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// upprättad: the authority's own posts and answers.
    Created,
    /// inkommen: comments, replies, mentions and messages to the authority.
    Received,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Created => "created",
            Direction::Received => "received",
        }
    }
    pub fn swedish(self) -> &'static str {
        match self {
            Direction::Created => "upprättad",
            Direction::Received => "inkommen",
        }
    }
}

impl FromStr for Direction {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "created" | "upprattad" | "upprättad" => Ok(Direction::Created),
            "received" | "inkommen" => Ok(Direction::Received),
            other => Err(DomainError::invalid(
                "direction",
                format!(
                    "unknown direction '{other}'; use created (upprättad) or received (inkommen)"
                ),
            )),
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Post,
    Comment,
    Reply,
    Message,
    Profile,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Post => "post",
            ItemKind::Comment => "comment",
            ItemKind::Reply => "reply",
            ItemKind::Message => "message",
            ItemKind::Profile => "profile",
        }
    }
}

impl FromStr for ItemKind {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "post" => Ok(ItemKind::Post),
            "comment" => Ok(ItemKind::Comment),
            "reply" => Ok(ItemKind::Reply),
            "message" => Ok(ItemKind::Message),
            "profile" => Ok(ItemKind::Profile),
            other => Err(DomainError::invalid(
                "kind",
                format!("unknown item kind '{other}'"),
            )),
        }
    }
}

/// Whether a record may be shown to the public, is being reviewed, or is secret.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    /// Not yet assessed: staff only until released.
    Unassessed,
    /// Released to the public portal.
    Released,
    /// Under secrecy review (sekretessprövning).
    UnderReview,
    /// Covered by secrecy (sekretess) in whole or part.
    Secret,
}

impl Classification {
    pub fn as_str(self) -> &'static str {
        match self {
            Classification::Unassessed => "unassessed",
            Classification::Released => "released",
            Classification::UnderReview => "under_review",
            Classification::Secret => "secret",
        }
    }
    pub fn swedish(self) -> &'static str {
        match self {
            Classification::Unassessed => "ej bedömd",
            Classification::Released => "offentliggjord",
            Classification::UnderReview => "under sekretessprövning",
            Classification::Secret => "sekretess",
        }
    }
}

impl FromStr for Classification {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "unassessed" => Ok(Classification::Unassessed),
            "released" => Ok(Classification::Released),
            "under_review" => Ok(Classification::UnderReview),
            "secret" => Ok(Classification::Secret),
            other => Err(DomainError::invalid(
                "classification",
                format!(
                    "unknown classification '{other}'; use unassessed, released, under_review or secret"
                ),
            )),
        }
    }
}

/// One observation of a platform item, as capture or an import hands it to the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptureItem {
    pub account_id: AccountId,
    /// The platform's own id of the item; with the account it identifies the record.
    pub platform_item_id: String,
    pub kind: ItemKind,
    pub direction: Direction,
    /// The platform id of the item this one answers, if any.
    pub parent_platform_id: Option<String>,
    /// The platform id of the thread's first post, if any.
    pub thread_platform_id: Option<String>,
    pub author_name: String,
    pub author_platform_id: String,
    /// When the item became available to the authority (seen by capture).
    pub available_at: DateTime<Utc>,
    /// The platform's own time stamp of the item.
    pub platform_time: Option<DateTime<Utc>>,
    pub text: String,
    /// Media files as content-addressed blobs.
    pub media: Vec<Sha256Digest>,
    /// The verbatim platform payload this item was parsed from, stored before parsing.
    pub raw_blob: Option<Sha256Digest>,
    /// Where in the raw payload the item is (e.g. "/data/17").
    pub raw_pointer: String,
}

/// Longest text a single version may carry (1 MiB); longer input is refused, not cut.
pub const MAX_TEXT_BYTES: usize = 1 << 20;

impl CaptureItem {
    pub fn validate(&self) -> Result<(), DomainError> {
        if self.platform_item_id.trim().is_empty() {
            return Err(DomainError::invalid(
                "platform_item_id",
                "the platform's id of the item is missing",
            ));
        }
        if self.platform_item_id.len() > 512 {
            return Err(DomainError::invalid(
                "platform_item_id",
                "longer than 512 bytes",
            ));
        }
        if self.text.len() > MAX_TEXT_BYTES {
            return Err(DomainError::invalid("text", "longer than 1 MiB"));
        }
        Ok(())
    }

    /// The digest that identifies a version's content: an edit changes it, a re-capture does not.
    pub fn content_digest(&self) -> Sha256Digest {
        version_digest(&self.text, &self.media, &self.author_name)
    }
}

/// Digest over the content of a version. Length-prefixed fields so that no two different contents
/// hash the same bytes.
pub fn version_digest(text: &str, media: &[Sha256Digest], author_name: &str) -> Sha256Digest {
    let mut buf = Vec::with_capacity(text.len() + author_name.len() + 32 * media.len() + 32);
    for field in [text.as_bytes(), author_name.as_bytes()] {
        buf.extend_from_slice(&(field.len() as u64).to_be_bytes());
        buf.extend_from_slice(field);
    }
    buf.extend_from_slice(&(media.len() as u64).to_be_bytes());
    for m in media {
        buf.extend_from_slice(&m.0);
    }
    Sha256Digest::of(&buf)
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub id: RecordId,
    pub org_id: OrgId,
    pub account_id: AccountId,
    pub platform_item_id: String,
    pub kind: ItemKind,
    pub direction: Direction,
    pub parent_platform_id: Option<String>,
    pub thread_platform_id: Option<String>,
    pub author_name: String,
    pub author_platform_id: String,
    pub available_at: DateTime<Utc>,
    pub platform_time: Option<DateTime<Utc>>,
    /// Number of the newest version (1 for a record never edited).
    pub version: u32,
    /// Text of the newest version.
    pub text: String,
    pub classification: Classification,
    /// When capture saw proof that the item was deleted on the platform.
    pub deleted_seen_at: Option<DateTime<Utc>>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordVersion {
    pub record_id: RecordId,
    pub number: u32,
    pub text: String,
    pub author_name: String,
    pub media: Vec<Sha256Digest>,
    pub raw_blob: Option<Sha256Digest>,
    pub raw_pointer: String,
    pub captured_at: DateTime<Utc>,
    pub content_digest: Sha256Digest,
}

impl RecordVersion {
    /// Whether the stored content still matches its digest (tamper check).
    pub fn is_intact(&self) -> bool {
        version_digest(&self.text, &self.media, &self.author_name) == self.content_digest
    }
}

/// A version about to be written (the store fills in the number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVersion<'a> {
    pub item: &'a CaptureItem,
    pub digest: Sha256Digest,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordEventKind {
    Captured,
    Edited,
    DeletionSeen,
    Classified,
    /// Screened on arrival; the detail lists the categories found.
    Screened,
    /// Its handling in the inbox changed (state, assignee, answer; R5.2).
    HandlingChanged,
    /// Its content was disposed of under a disposal rule (R9; the protocol holds what).
    Disposed,
    /// It was registered in the diary as a document in a case (R6).
    Registered,
    /// An evidence copy (PDF and PNG of the item in its thread) was stored (R5.3); the detail
    /// holds the blobs' SHA-256 sums.
    EvidenceStored,
    /// Hidden (or shown again) on the platform through its API ("dold på plattformen").
    HiddenOnPlatform,
    /// Removed from the platform through its API ("borttagen"); the record stays.
    RemovedFromPlatform,
    /// A step of a guided action was done (R5.3): the detail names the action and the step.
    ActionStep,
    /// Automatic hiding failed (or was not possible); staff must look at the item.
    FlaggedForStaff,
}

impl RecordEventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordEventKind::Captured => "captured",
            RecordEventKind::Edited => "edited",
            RecordEventKind::DeletionSeen => "deletion_seen",
            RecordEventKind::Classified => "classified",
            RecordEventKind::Screened => "screened",
            RecordEventKind::HandlingChanged => "handling_changed",
            RecordEventKind::Disposed => "disposed",
            RecordEventKind::Registered => "registered",
            RecordEventKind::EvidenceStored => "evidence_stored",
            RecordEventKind::HiddenOnPlatform => "hidden_on_platform",
            RecordEventKind::RemovedFromPlatform => "removed_from_platform",
            RecordEventKind::ActionStep => "action_step",
            RecordEventKind::FlaggedForStaff => "flagged_for_staff",
        }
    }
}

impl FromStr for RecordEventKind {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "captured" => Ok(RecordEventKind::Captured),
            "edited" => Ok(RecordEventKind::Edited),
            "deletion_seen" => Ok(RecordEventKind::DeletionSeen),
            "classified" => Ok(RecordEventKind::Classified),
            "screened" => Ok(RecordEventKind::Screened),
            "handling_changed" => Ok(RecordEventKind::HandlingChanged),
            "disposed" => Ok(RecordEventKind::Disposed),
            "registered" => Ok(RecordEventKind::Registered),
            "evidence_stored" => Ok(RecordEventKind::EvidenceStored),
            "hidden_on_platform" => Ok(RecordEventKind::HiddenOnPlatform),
            "removed_from_platform" => Ok(RecordEventKind::RemovedFromPlatform),
            "action_step" => Ok(RecordEventKind::ActionStep),
            "flagged_for_staff" => Ok(RecordEventKind::FlaggedForStaff),
            other => Err(DomainError::invalid(
                "event",
                format!("unknown record event '{other}'"),
            )),
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordEvent {
    pub record_id: RecordId,
    pub kind: RecordEventKind,
    pub at: DateTime<Utc>,
    pub actor: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub detail: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_separates_fields() {
        let a = version_digest("ab", &[], "c");
        let b = version_digest("a", &[], "bc");
        assert_ne!(a, b);
        let m = Sha256Digest::of(b"x");
        assert_ne!(
            version_digest("a", &[m], "b"),
            version_digest("a", &[], "b")
        );
    }

    #[test]
    fn direction_parse_accepts_swedish() {
        assert_eq!(
            "inkommen".parse::<Direction>().unwrap(),
            Direction::Received
        );
        assert_eq!(
            "upprättad".parse::<Direction>().unwrap(),
            Direction::Created
        );
        assert!("sideways".parse::<Direction>().is_err());
    }
}
