//! Typed ids. They are database row ids, but a record id can never be passed where an account id is
//! expected.
use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    )*};
}

id_type!(
    /// An organisation (tenant): a kommun, region, myndighet.
    OrgId,
    /// A unit (verksamhet) inside an organisation.
    UnitId,
    /// A social media account run by a unit.
    AccountId,
    /// A record (allmän handling): one post, comment, reply or message.
    RecordId,
);

id_type!(
    /// A staff member's login in one organisation.
    UserId,
);
