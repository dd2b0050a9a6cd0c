//! Staff users, their roles and per-account permissions, and who may do what (R12.1).
//!
//! The authorisation rules are pure functions of a [`StaffUser`] and the thing acted on; the web
//! layer and the use cases ask them and never decide on their own.
use crate::error::DomainError;
use crate::ids::{AccountId, OrgId, UserId};
use crate::org::Role;
use crate::record::Classification;
use serde::{Deserialize, Serialize};

/// Whether a user may sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    Active,
    Disabled,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Disabled => "disabled",
        }
    }

    pub fn parse(text: &str) -> Result<UserStatus, DomainError> {
        match text {
            "active" => Ok(UserStatus::Active),
            "disabled" => Ok(UserStatus::Disabled),
            other => Err(DomainError::invalid(
                "status",
                format!("'{other}' is not a user status (active, disabled)"),
            )),
        }
    }
}

/// What a user may do on one account, beyond what the roles give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountAccess {
    /// See the account's records, non-public ones included.
    Read,
    /// Read, and answer and moderate on the account.
    Answer,
}

impl AccountAccess {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountAccess::Read => "read",
            AccountAccess::Answer => "answer",
        }
    }

    pub fn parse(text: &str) -> Result<AccountAccess, DomainError> {
        match text {
            "read" => Ok(AccountAccess::Read),
            "answer" => Ok(AccountAccess::Answer),
            other => Err(DomainError::invalid(
                "access",
                format!("'{other}' is not an account permission (read, answer)"),
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AccountGrant {
    pub account_id: AccountId,
    pub access: AccountAccess,
}

/// A staff member of one organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffUser {
    pub id: UserId,
    pub org_id: OrgId,
    /// Lower case; unique within the organisation.
    pub email: String,
    pub name: String,
    /// Title used in answer signatures, e.g. "kommunikatör" in "/Anna, kommunikatör".
    pub function: String,
    pub status: UserStatus,
    /// Sorted, without duplicates.
    pub roles: Vec<Role>,
    /// Sorted by account, one grant per account.
    pub accounts: Vec<AccountGrant>,
}

impl StaffUser {
    pub fn has_role(&self, role: Role) -> bool {
        self.status == UserStatus::Active && self.roles.contains(&role)
    }

    pub fn is_active(&self) -> bool {
        self.status == UserStatus::Active
    }

    /// The signature added to answers: "/Förnamn, funktion".
    pub fn signature(&self) -> String {
        let first = self.name.split_whitespace().next().unwrap_or(&self.name);
        format!("/{first}, {}", self.function)
    }

    fn grant(&self, account: AccountId) -> Option<AccountAccess> {
        self.accounts
            .iter()
            .find(|g| g.account_id == account)
            .map(|g| g.access)
    }

    /// How the user appears in the audit log.
    pub fn actor(&self) -> String {
        format!("user:{}:{}", self.id, self.email)
    }
}

/// A user before it has an id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub function: String,
    pub roles: Vec<Role>,
    pub accounts: Vec<AccountGrant>,
}

impl NewUser {
    /// Checks the fields and normalises them (e-mail to lower case, roles and grants sorted and
    /// deduplicated, the stronger grant kept when an account is named twice).
    pub fn normalised(&self) -> Result<NewUser, DomainError> {
        let email = normalise_email(&self.email)?;
        let name = self.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(DomainError::invalid(
                "name",
                "the name must be 1 to 200 characters",
            ));
        }
        let function = self.function.trim().to_string();
        if function.is_empty() || function.chars().count() > 100 {
            return Err(DomainError::invalid(
                "function",
                "the function (title used in answer signatures) must be 1 to 100 characters",
            ));
        }
        if name.chars().chain(function.chars()).any(char::is_control) {
            return Err(DomainError::invalid(
                "name",
                "names and functions cannot hold control characters",
            ));
        }
        Ok(NewUser {
            email,
            name,
            function,
            roles: normalise_roles(&self.roles),
            accounts: normalise_grants(&self.accounts),
        })
    }
}

pub fn normalise_roles(roles: &[Role]) -> Vec<Role> {
    let mut out: Vec<Role> = Role::ALL
        .into_iter()
        .filter(|r| roles.contains(r))
        .collect();
    out.dedup();
    out
}

pub fn normalise_grants(grants: &[AccountGrant]) -> Vec<AccountGrant> {
    let mut out: Vec<AccountGrant> = grants.to_vec();
    // strongest first per account, then keep the first of each account
    out.sort_by(|a, b| {
        a.account_id
            .cmp(&b.account_id)
            .then(b.access.cmp(&a.access))
    });
    out.dedup_by_key(|g| g.account_id);
    out
}

/// An e-mail address as a login name: trimmed, lower case, one '@' with text on both sides and a
/// dot in the domain, no spaces or control characters, at most 254 characters.
pub fn normalise_email(email: &str) -> Result<String, DomainError> {
    let e = email.trim().to_lowercase();
    let bad = || {
        DomainError::invalid(
            "email",
            format!("'{}' is not an e-mail address", email.trim()),
        )
    };
    if e.is_empty() || e.len() > 254 || e.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let (local, domain) = e.split_once('@').ok_or_else(bad)?;
    if local.is_empty()
        || domain.contains('@')
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
    {
        return Err(bad());
    }
    Ok(e)
}

/// Roles that see every account of the organisation (not only the ones granted).
const ORG_WIDE: [Role; 5] = [
    Role::Communicator,
    Role::Registrar,
    Role::Archivist,
    Role::DataProtectionOfficer,
    Role::CrisisGroup,
];

fn same_org(user: &StaffUser, org: OrgId) -> bool {
    user.is_active() && user.org_id == org
}

fn org_wide(user: &StaffUser) -> bool {
    ORG_WIDE.iter().any(|r| user.has_role(*r))
}

/// May the user see the account at all (its page, its status, its public records)?
pub fn can_see_account(user: &StaffUser, org: OrgId, account: AccountId) -> bool {
    same_org(user, org) && (org_wide(user) || user.grant(account).is_some())
}

/// May the user read a record of this account with this classification? Released records need
/// only sight of the account; non-public ones (unassessed, under review, secret) need an
/// organisation-wide role or a grant on the account. Secret records are closed to editors and the
/// crisis group: only the communicator, registrar, archivist and data protection officer read them.
pub fn can_read_record(
    user: &StaffUser,
    org: OrgId,
    account: AccountId,
    classification: Classification,
) -> bool {
    if !can_see_account(user, org, account) {
        return false;
    }
    match classification {
        Classification::Secret => [
            Role::Communicator,
            Role::Registrar,
            Role::Archivist,
            Role::DataProtectionOfficer,
        ]
        .iter()
        .any(|r| user.has_role(*r)),
        _ => true,
    }
}

/// May the user answer and moderate on the account? The communicator and the crisis group on any
/// account; an editor on the accounts granted `answer`.
pub fn can_answer(user: &StaffUser, org: OrgId, account: AccountId) -> bool {
    same_org(user, org)
        && (user.has_role(Role::Communicator)
            || user.has_role(Role::CrisisGroup)
            || (user.has_role(Role::Editor) && user.grant(account) == Some(AccountAccess::Answer)))
}

/// May the user register records in the diary? The registrar only.
pub fn can_register(user: &StaffUser, org: OrgId) -> bool {
    same_org(user, org) && user.has_role(Role::Registrar)
}

/// May the user make archive deliveries? The archivist, and the communicator for the central
/// channels (SPEC roles).
pub fn can_archive(user: &StaffUser, org: OrgId) -> bool {
    same_org(user, org) && (user.has_role(Role::Archivist) || user.has_role(Role::Communicator))
}

/// May the user dispose of records (gallring)? The archivist only.
pub fn can_dispose(user: &StaffUser, org: OrgId) -> bool {
    same_org(user, org) && user.has_role(Role::Archivist)
}

/// May the user add users and change roles and permissions? The administrator only.
pub fn can_manage_users(user: &StaffUser, org: OrgId) -> bool {
    same_org(user, org) && user.has_role(Role::Administrator)
}

/// May the user release records to the public portal, or withdraw them (issue 6)? The
/// communicator and the registrar, on records they may read.
pub fn can_release(
    user: &StaffUser,
    org: OrgId,
    account: AccountId,
    classification: Classification,
) -> bool {
    can_read_record(user, org, account, classification)
        && (user.has_role(Role::Communicator) || user.has_role(Role::Registrar))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn user(roles: &[Role], accounts: &[(i64, AccountAccess)]) -> StaffUser {
        StaffUser {
            id: UserId(1),
            org_id: OrgId(1),
            email: "a@b.se".into(),
            name: "Anna Andersson".into(),
            function: "kommunikatör".into(),
            status: UserStatus::Active,
            roles: roles.to_vec(),
            accounts: accounts
                .iter()
                .map(|(a, access)| AccountGrant {
                    account_id: AccountId(*a),
                    access: *access,
                })
                .collect(),
        }
    }

    const ALL_CLASSES: [Classification; 4] = [
        Classification::Unassessed,
        Classification::Released,
        Classification::UnderReview,
        Classification::Secret,
    ];

    #[test]
    fn editor_sees_only_granted_accounts() {
        let u = user(
            &[Role::Editor],
            &[(7, AccountAccess::Answer), (8, AccountAccess::Read)],
        );
        assert!(can_see_account(&u, OrgId(1), AccountId(7)));
        assert!(!can_see_account(&u, OrgId(1), AccountId(9)));
        assert!(can_answer(&u, OrgId(1), AccountId(7)));
        assert!(!can_answer(&u, OrgId(1), AccountId(8)), "read grant only");
        assert!(can_read_record(
            &u,
            OrgId(1),
            AccountId(8),
            Classification::Unassessed
        ));
        assert!(!can_read_record(
            &u,
            OrgId(1),
            AccountId(7),
            Classification::Secret
        ));
        assert!(!can_read_record(
            &u,
            OrgId(1),
            AccountId(9),
            Classification::Released
        ));
        assert!(!can_manage_users(&u, OrgId(1)));
        assert!(!can_register(&u, OrgId(1)));
    }

    #[test]
    fn roles_give_their_powers() {
        let c = user(&[Role::Communicator], &[]);
        assert!(can_answer(&c, OrgId(1), AccountId(3)));
        assert!(can_read_record(
            &c,
            OrgId(1),
            AccountId(3),
            Classification::Secret
        ));
        assert!(can_archive(&c, OrgId(1)));
        assert!(!can_dispose(&c, OrgId(1)));
        let r = user(&[Role::Registrar], &[]);
        assert!(can_register(&r, OrgId(1)));
        assert!(!can_answer(&r, OrgId(1), AccountId(3)));
        let a = user(&[Role::Archivist], &[]);
        assert!(can_dispose(&a, OrgId(1)) && can_archive(&a, OrgId(1)));
        let k = user(&[Role::CrisisGroup], &[]);
        assert!(can_answer(&k, OrgId(1), AccountId(3)));
        assert!(!can_read_record(
            &k,
            OrgId(1),
            AccountId(3),
            Classification::Secret
        ));
        let admin = user(&[Role::Administrator], &[]);
        assert!(can_manage_users(&admin, OrgId(1)));
        assert!(
            !can_see_account(&admin, OrgId(1), AccountId(3)),
            "admin manages users, not records"
        );
    }

    #[test]
    fn signature_uses_first_name_and_function() {
        let u = user(&[], &[]);
        assert_eq!(u.signature(), "/Anna, kommunikatör");
    }

    #[test]
    fn emails() {
        assert_eq!(
            normalise_email(" Anna@Kommun.SE ").unwrap(),
            "anna@kommun.se"
        );
        for bad in [
            "",
            "anna",
            "@kommun.se",
            "anna@",
            "anna@kommun",
            "a b@k.se",
            "a@b@c.se",
            "a@.se",
            "a@se.",
        ] {
            assert!(normalise_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn new_user_is_normalised() {
        let n = NewUser {
            email: "X@Y.SE".into(),
            name: " Bo Berg ".into(),
            function: "redaktör".into(),
            roles: vec![Role::Editor, Role::Communicator, Role::Editor],
            accounts: vec![
                AccountGrant {
                    account_id: AccountId(2),
                    access: AccountAccess::Read,
                },
                AccountGrant {
                    account_id: AccountId(1),
                    access: AccountAccess::Read,
                },
                AccountGrant {
                    account_id: AccountId(2),
                    access: AccountAccess::Answer,
                },
            ],
        }
        .normalised()
        .unwrap();
        assert_eq!(n.email, "x@y.se");
        assert_eq!(n.name, "Bo Berg");
        assert_eq!(n.roles, vec![Role::Communicator, Role::Editor]);
        assert_eq!(
            n.accounts,
            vec![
                AccountGrant {
                    account_id: AccountId(1),
                    access: AccountAccess::Read
                },
                AccountGrant {
                    account_id: AccountId(2),
                    access: AccountAccess::Answer
                },
            ]
        );
        let mut empty = n.clone();
        empty.function = "  ".into();
        assert!(empty.normalised().is_err());
    }

    fn arb_user() -> impl Strategy<Value = StaffUser> {
        (
            1i64..3,
            proptest::sample::subsequence(Role::ALL.to_vec(), 0..=7),
            proptest::collection::vec((1i64..6, any::<bool>()), 0..5),
            any::<bool>(),
        )
            .prop_map(|(org, roles, grants, active)| {
                let mut u = user(
                    &roles,
                    &grants
                        .iter()
                        .map(|(a, w)| {
                            (
                                *a,
                                if *w {
                                    AccountAccess::Answer
                                } else {
                                    AccountAccess::Read
                                },
                            )
                        })
                        .collect::<Vec<_>>(),
                );
                u.org_id = OrgId(org);
                u.status = if active {
                    UserStatus::Active
                } else {
                    UserStatus::Disabled
                };
                u
            })
    }

    proptest! {
        /// No rule ever lets a user act in another organisation, and a disabled user can do nothing.
        #[test]
        fn tenant_wall_and_disabled(u in arb_user(), org in 1i64..3, account in 1i64..6, c in 0usize..4) {
            let org = OrgId(org);
            let account = AccountId(account);
            let allowed = [
                can_see_account(&u, org, account),
                can_read_record(&u, org, account, ALL_CLASSES[c]),
                can_answer(&u, org, account),
                can_register(&u, org),
                can_archive(&u, org),
                can_dispose(&u, org),
                can_manage_users(&u, org),
            ];
            if u.org_id != org || u.status == UserStatus::Disabled {
                prop_assert!(allowed.iter().all(|a| !a));
            }
        }

        /// Reading a record needs sight of its account; answering implies reading non-secret records.
        #[test]
        fn rules_are_consistent(u in arb_user(), account in 1i64..6, c in 0usize..4) {
            let org = u.org_id;
            let account = AccountId(account);
            if can_read_record(&u, org, account, ALL_CLASSES[c]) {
                prop_assert!(can_see_account(&u, org, account));
            }
            if can_answer(&u, org, account) {
                prop_assert!(can_read_record(&u, org, account, Classification::UnderReview));
            }
            // secret is the strictest class
            if can_read_record(&u, org, account, Classification::Secret) {
                for c in ALL_CLASSES {
                    prop_assert!(can_read_record(&u, org, account, c));
                }
            }
        }

        #[test]
        fn email_normalising_never_panics_and_is_idempotent(s in "\\PC{0,40}") {
            if let Ok(e) = normalise_email(&s) {
                prop_assert_eq!(normalise_email(&e).unwrap(), e);
            }
        }
    }
}
