//! Social media accounts (R1.1): what they are for, who answers, and their life cycle.
use crate::error::DomainError;
use crate::ids::{AccountId, OrgId, UnitId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    Facebook,
    Instagram,
    X,
    Youtube,
    Linkedin,
    Mastodon,
    Bluesky,
    /// RSS/Atom for the authority's own web pages with comments.
    Feed,
}

impl Platform {
    pub const ALL: [Platform; 8] = [
        Platform::Facebook,
        Platform::Instagram,
        Platform::X,
        Platform::Youtube,
        Platform::Linkedin,
        Platform::Mastodon,
        Platform::Bluesky,
        Platform::Feed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Facebook => "facebook",
            Platform::Instagram => "instagram",
            Platform::X => "x",
            Platform::Youtube => "youtube",
            Platform::Linkedin => "linkedin",
            Platform::Mastodon => "mastodon",
            Platform::Bluesky => "bluesky",
            Platform::Feed => "feed",
        }
    }

    pub fn display_name(self) -> &'static str {
        match self {
            Platform::Facebook => "Facebook",
            Platform::Instagram => "Instagram",
            Platform::X => "X",
            Platform::Youtube => "YouTube",
            Platform::Linkedin => "LinkedIn",
            Platform::Mastodon => "Mastodon",
            Platform::Bluesky => "Bluesky",
            Platform::Feed => "RSS/Atom",
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Platform {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Platform::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| {
                DomainError::invalid(
                    "platform",
                    format!(
                        "unknown platform '{s}'; use one of facebook, instagram, x, youtube, linkedin, mastodon, bluesky, feed"
                    ),
                )
            })
    }
}

/// planned → active → closed (R1.1). An account never comes back from closed; a new one is opened.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    Planned,
    Active,
    Closed,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Planned => "planned",
            AccountStatus::Active => "active",
            AccountStatus::Closed => "closed",
        }
    }

    pub fn swedish(self) -> &'static str {
        match self {
            AccountStatus::Planned => "planerat",
            AccountStatus::Active => "aktivt",
            AccountStatus::Closed => "avslutat",
        }
    }

    /// Whether the move is allowed. Planned may also go straight to closed (never opened).
    pub fn check_transition(self, to: AccountStatus) -> Result<(), DomainError> {
        use AccountStatus::*;
        match (self, to) {
            (Planned, Active) | (Active, Closed) | (Planned, Closed) => Ok(()),
            _ => Err(DomainError::StatusTransition {
                from: self.as_str(),
                to: to.as_str(),
            }),
        }
    }
}

impl FromStr for AccountStatus {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "planned" => Ok(AccountStatus::Planned),
            "active" => Ok(AccountStatus::Active),
            "closed" => Ok(AccountStatus::Closed),
            other => Err(DomainError::invalid(
                "status",
                format!("unknown account status '{other}'; use planned, active or closed"),
            )),
        }
    }
}

/// When the account is watched, e.g. "mån–fre 08:00–16:30". The working-time calendar reads the
/// structured form; this keeps the published wording as well.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeHours {
    /// Weekdays 1 (Monday) to 7 (Sunday) on which the account is watched.
    pub weekdays: Vec<u8>,
    /// Opening time, minutes after midnight, Europe/Stockholm.
    pub opens_min: u16,
    /// Closing time, minutes after midnight, Europe/Stockholm.
    pub closes_min: u16,
}

impl Default for OfficeHours {
    fn default() -> Self {
        OfficeHours {
            weekdays: vec![1, 2, 3, 4, 5],
            opens_min: 8 * 60,
            closes_min: 16 * 60 + 30,
        }
    }
}

impl OfficeHours {
    pub fn validate(&self) -> Result<(), DomainError> {
        if self.weekdays.is_empty() || self.weekdays.iter().any(|d| !(1..=7).contains(d)) {
            return Err(DomainError::invalid(
                "office_hours",
                "weekdays must be 1 (Monday) to 7 (Sunday)",
            ));
        }
        if self.opens_min >= self.closes_min || self.closes_min > 24 * 60 {
            return Err(DomainError::invalid(
                "office_hours",
                "opening time must be before closing time",
            ));
        }
        Ok(())
    }

    /// "mån–fre 08:00–16:30" style text.
    pub fn swedish(&self) -> String {
        const DAYS: [&str; 7] = ["mån", "tis", "ons", "tors", "fre", "lör", "sön"];
        let mut days: Vec<u8> = self.weekdays.clone();
        days.sort_unstable();
        days.dedup();
        let contiguous = days.windows(2).all(|w| w[1] == w[0] + 1);
        let day_text = match (days.first(), days.last()) {
            (Some(f), Some(l)) if contiguous && days.len() > 1 => {
                format!("{}–{}", DAYS[*f as usize - 1], DAYS[*l as usize - 1])
            }
            _ => days
                .iter()
                .map(|d| DAYS[*d as usize - 1])
                .collect::<Vec<_>>()
                .join(", "),
        };
        format!(
            "{day_text} {:02}:{:02}–{:02}:{:02}",
            self.opens_min / 60,
            self.opens_min % 60,
            self.closes_min / 60,
            self.closes_min % 60
        )
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: AccountId,
    pub org_id: OrgId,
    pub unit_id: UnitId,
    pub platform: Platform,
    /// The handle or name as shown on the platform, e.g. "@hammarbykommun".
    pub handle: String,
    pub url: String,
    /// The platform's own id of the account/page (empty until connected).
    pub platform_id: String,
    pub purpose: String,
    pub target_group: String,
    /// What the account says (its message / budskap).
    pub message: String,
    pub contact: String,
    /// At least two people with access (R1.1).
    pub responsible: Vec<String>,
    pub office_hours: OfficeHours,
    /// Promised response time in working hours (default 8, S: När vi svarar).
    pub response_hours: u32,
    pub status: AccountStatus,
    pub planned_at: DateTime<Utc>,
    pub opened_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAccount {
    pub unit_id: UnitId,
    pub platform: Platform,
    pub handle: String,
    pub url: String,
    #[serde(default)]
    pub platform_id: String,
    pub purpose: String,
    pub target_group: String,
    #[serde(default)]
    pub message: String,
    pub contact: String,
    pub responsible: Vec<String>,
    #[serde(default)]
    pub office_hours: OfficeHours,
    #[serde(default = "default_response_hours")]
    pub response_hours: u32,
}

fn default_response_hours() -> u32 {
    8
}

impl NewAccount {
    pub fn validate(&self) -> Result<(), DomainError> {
        if self.handle.trim().is_empty() {
            return Err(DomainError::invalid(
                "handle",
                "the account needs a handle or name",
            ));
        }
        if self.purpose.trim().is_empty() {
            return Err(DomainError::invalid(
                "purpose",
                "state the purpose of the account",
            ));
        }
        if self.target_group.trim().is_empty() {
            return Err(DomainError::invalid(
                "target_group",
                "state who the account is for",
            ));
        }
        let people: Vec<&String> = self
            .responsible
            .iter()
            .filter(|p| !p.trim().is_empty())
            .collect();
        if people.len() < 2 {
            return Err(DomainError::invalid(
                "responsible",
                "at least two responsible people must have access to the account",
            ));
        }
        if !(1..=720).contains(&self.response_hours) {
            return Err(DomainError::invalid(
                "response_hours",
                "response time must be 1 to 720 working hours",
            ));
        }
        self.office_hours.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> NewAccount {
        NewAccount {
            unit_id: UnitId(1),
            platform: Platform::Facebook,
            handle: "Hammarby kommun".into(),
            url: "https://facebook.com/hammarbykommun".into(),
            platform_id: String::new(),
            purpose: "Information till invånare".into(),
            target_group: "Invånare".into(),
            message: String::new(),
            contact: "kommunikation@hammarby.se".into(),
            responsible: vec!["Anna".into(), "Björn".into()],
            office_hours: OfficeHours::default(),
            response_hours: 8,
        }
    }

    #[test]
    fn needs_two_responsible_people() {
        assert!(sample().validate().is_ok());
        let mut one = sample();
        one.responsible = vec!["Anna".into(), " ".into()];
        assert!(one.validate().is_err());
    }

    #[test]
    fn status_transitions() {
        use AccountStatus::*;
        assert!(Planned.check_transition(Active).is_ok());
        assert!(Active.check_transition(Closed).is_ok());
        assert!(Closed.check_transition(Active).is_err());
        assert!(Active.check_transition(Planned).is_err());
    }

    #[test]
    fn office_hours_text() {
        assert_eq!(OfficeHours::default().swedish(), "mån–fre 08:00–16:30");
        let odd = OfficeHours {
            weekdays: vec![1, 3],
            opens_min: 9 * 60,
            closes_min: 12 * 60,
        };
        assert_eq!(odd.swedish(), "mån, ons 09:00–12:00");
    }

    #[test]
    fn platform_parse() {
        for p in Platform::ALL {
            assert_eq!(p.as_str().parse::<Platform>().unwrap(), p);
        }
        assert!("myspace".parse::<Platform>().is_err());
    }
}
