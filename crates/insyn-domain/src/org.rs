//! Organisations (tenants), their units (verksamheter) and the roles people hold.
use crate::error::DomainError;
use crate::ids::{OrgId, UnitId};
use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    pub id: OrgId,
    /// Short, URL-safe name used in paths and on the command line, e.g. `hammarby`.
    pub slug: String,
    pub name: String,
    /// Diary prefix for the built-in diary, e.g. "KS".
    pub diary_prefix: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewOrganisation {
    pub slug: String,
    pub name: String,
    pub diary_prefix: String,
}

impl NewOrganisation {
    pub fn validate(&self) -> Result<(), DomainError> {
        validate_slug(&self.slug)?;
        if self.name.trim().is_empty() {
            return Err(DomainError::invalid(
                "name",
                "the organisation needs a name",
            ));
        }
        if self.diary_prefix.trim().is_empty() || self.diary_prefix.len() > 10 {
            return Err(DomainError::invalid(
                "diary_prefix",
                "the diary prefix must be 1 to 10 characters, e.g. KS",
            ));
        }
        Ok(())
    }
}

/// A slug is 2–40 characters of a–z, 0–9 and '-', starting with a letter.
pub fn validate_slug(slug: &str) -> Result<(), DomainError> {
    let ok_len = (2..=40).contains(&slug.len());
    let ok_chars = slug
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let ok_start = slug.chars().next().is_some_and(|c| c.is_ascii_lowercase());
    if ok_len && ok_chars && ok_start {
        Ok(())
    } else {
        Err(DomainError::invalid(
            "slug",
            format!("'{slug}' must be 2-40 characters of a-z, 0-9 and '-', starting with a letter"),
        ))
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    pub id: UnitId,
    pub org_id: OrgId,
    pub name: String,
    /// Where cases arriving by social media are forwarded.
    pub email: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUnit {
    pub name: String,
    pub email: Option<String>,
}

/// The roles of SPEC "Who uses it".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// kommunikatör
    Communicator,
    /// redaktör för en verksamhet
    Editor,
    /// registrator
    Registrar,
    /// arkivarie
    Archivist,
    /// dataskyddsombud
    DataProtectionOfficer,
    /// krisledning
    CrisisGroup,
    /// The organisation's administrator of Insyn itself: manages users, roles and permissions.
    Administrator,
}

impl Role {
    pub fn swedish(self) -> &'static str {
        match self {
            Role::Communicator => "kommunikatör",
            Role::Editor => "redaktör",
            Role::Registrar => "registrator",
            Role::Archivist => "arkivarie",
            Role::DataProtectionOfficer => "dataskyddsombud",
            Role::CrisisGroup => "krisledning",
            Role::Administrator => "administratör",
        }
    }

    pub fn english(self) -> &'static str {
        match self {
            Role::Communicator => "communicator",
            Role::Editor => "account editor",
            Role::Registrar => "registrar",
            Role::Archivist => "archivist",
            Role::DataProtectionOfficer => "data protection officer",
            Role::CrisisGroup => "crisis group",
            Role::Administrator => "administrator",
        }
    }

    /// Every role, in the order pages list them.
    pub const ALL: [Role; 7] = [
        Role::Communicator,
        Role::Editor,
        Role::Registrar,
        Role::Archivist,
        Role::DataProtectionOfficer,
        Role::CrisisGroup,
        Role::Administrator,
    ];

    /// The stored and command-line name (snake case, as serde writes it).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Communicator => "communicator",
            Role::Editor => "editor",
            Role::Registrar => "registrar",
            Role::Archivist => "archivist",
            Role::DataProtectionOfficer => "data_protection_officer",
            Role::CrisisGroup => "crisis_group",
            Role::Administrator => "administrator",
        }
    }

    /// Parses the stored name or the Swedish name (`redaktör`, `registrator`, ...).
    pub fn parse(text: &str) -> Result<Role, DomainError> {
        let t = text.trim().to_lowercase();
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == t || r.swedish() == t)
            .ok_or_else(|| {
                DomainError::invalid(
                    "role",
                    format!(
                        "'{text}' is not a role; use one of: {}",
                        Role::ALL.map(|r| r.as_str()).join(", ")
                    ),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!(validate_slug("hammarby").is_ok());
        assert!(validate_slug("region-x2").is_ok());
        assert!(validate_slug("Hammarby").is_err());
        assert!(validate_slug("1abc").is_err());
        assert!(validate_slug("a").is_err());
        assert!(validate_slug("a b").is_err());
    }

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()).unwrap(), r);
            assert_eq!(Role::parse(r.swedish()).unwrap(), r);
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
        assert!(Role::parse("kung").is_err());
    }
}
