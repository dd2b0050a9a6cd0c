//! Staff users, sessions and sign-in attempts on every backend (SQLite always, PostgreSQL when
//! the test server is configured; see insyn-testkit).
use chrono::{Duration, Utc};
use insyn_domain::*;
use insyn_store::*;

#[macro_use]
mod support;

suite!(
    prefix = "users_",
    pass = store;
    users_roles_and_permissions,
    users_tenant_wall,
    bad_users_write_nothing,
    external_identities,
    login_attempts_count_failures_after_success,
    sessions_expire_and_are_revoked,
);

async fn org(s: &dyn Store, slug: &str) -> (Organisation, Account) {
    let o = s
        .create_organisation(
            &NewOrganisation {
                slug: slug.into(),
                name: format!("{slug} kommun"),
                diary_prefix: "KS".into(),
            },
            "test",
        )
        .await
        .unwrap();
    let u = s
        .create_unit(
            o.id,
            &NewUnit {
                name: "Kommunikation".into(),
                email: None,
            },
            "test",
        )
        .await
        .unwrap();
    let a = s
        .create_account(
            o.id,
            &NewAccount {
                unit_id: u.id,
                platform: Platform::Facebook,
                handle: "Testkommun".into(),
                url: "https://facebook.com/testkommun".into(),
                platform_id: "1001".into(),
                purpose: "Information".into(),
                target_group: "Invånare".into(),
                message: String::new(),
                contact: "info@test.se".into(),
                responsible: vec!["Anna Andersson".into(), "Bo Berg".into()],
                office_hours: OfficeHours::default(),
                response_hours: 8,
            },
            "test",
        )
        .await
        .unwrap();
    (o, a)
}

fn new_user(email: &str, roles: &[Role], accounts: &[AccountGrant]) -> NewUser {
    NewUser {
        email: email.into(),
        name: "Anna Andersson".into(),
        function: "kommunikatör".into(),
        roles: roles.to_vec(),
        accounts: accounts.to_vec(),
    }
}

async fn users_roles_and_permissions(s: &dyn Store) {
    let (o, a) = org(s, "alfa").await;
    let grant = AccountGrant {
        account_id: a.id,
        access: AccountAccess::Answer,
    };
    let u = s
        .create_user(
            o.id,
            &new_user("Anna@Alfa.se", &[Role::Editor], &[grant]),
            Some("$argon2id$fake"),
            "admin",
        )
        .await
        .unwrap();
    assert_eq!(u.email, "anna@alfa.se");
    assert_eq!(u.roles, vec![Role::Editor]);
    assert_eq!(u.accounts, vec![grant]);
    assert_eq!(u.status, UserStatus::Active);
    // the e-mail is unique per organisation, in any case
    let dup = s
        .create_user(o.id, &new_user("ANNA@alfa.se", &[], &[]), None, "admin")
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
    let creds = s.user_credentials(o.id, " ANNA@ALFA.SE").await.unwrap();
    assert_eq!(creds.user, u);
    assert_eq!(creds.password_hash.as_deref(), Some("$argon2id$fake"));
    assert!(
        !format!("{creds:?}").contains("fake"),
        "the hash is not in Debug output"
    );

    let changed = s
        .set_user_access(
            o.id,
            u.id,
            &[Role::Registrar, Role::Communicator],
            &[],
            "admin",
        )
        .await
        .unwrap();
    assert_eq!(changed.roles, vec![Role::Communicator, Role::Registrar]);
    assert!(changed.accounts.is_empty());
    s.set_user_password(o.id, u.id, "$argon2id$other", "admin")
        .await
        .unwrap();
    assert_eq!(
        s.user_credentials(o.id, "anna@alfa.se")
            .await
            .unwrap()
            .password_hash
            .as_deref(),
        Some("$argon2id$other")
    );
    let off = s
        .set_user_status(o.id, u.id, UserStatus::Disabled, "admin")
        .await
        .unwrap();
    assert_eq!(off.status, UserStatus::Disabled);
    assert_eq!(s.list_users(o.id).await.unwrap(), vec![off]);
    // every change is in the audit chain, and no hash is
    let audit = s.audit_entries(o.id, 0, 100).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    for a in [
        "user_created",
        "user_access_changed",
        "user_password_set",
        "user_status_changed",
    ] {
        assert!(actions.contains(&a), "{a} missing in {actions:?}");
    }
    assert!(audit.iter().all(|e| !e.detail.contains("argon2")));
}

async fn users_tenant_wall(s: &dyn Store) {
    let (a_org, a_acc) = org(s, "alfa").await;
    let (b_org, b_acc) = org(s, "beta").await;
    let ua = s
        .create_user(
            a_org.id,
            &new_user("anna@x.se", &[Role::Editor], &[]),
            Some("h"),
            "t",
        )
        .await
        .unwrap();
    // the same e-mail may exist in another organisation: a different user
    let ub = s
        .create_user(b_org.id, &new_user("anna@x.se", &[], &[]), Some("hb"), "t")
        .await
        .unwrap();
    assert_ne!(ua.id, ub.id);
    assert_eq!(
        s.user_credentials(b_org.id, "anna@x.se")
            .await
            .unwrap()
            .password_hash
            .as_deref(),
        Some("hb")
    );
    assert!(matches!(
        s.get_user(b_org.id, ua.id).await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(s.list_users(b_org.id).await.unwrap(), vec![ub.clone()]);
    // a grant on another organisation's account is refused
    let grant = AccountGrant {
        account_id: b_acc.id,
        access: AccountAccess::Read,
    };
    assert!(
        s.set_user_access(a_org.id, ua.id, &[Role::Editor], &[grant], "t")
            .await
            .is_err()
    );
    assert!(
        s.create_user(a_org.id, &new_user("bo@x.se", &[], &[grant]), None, "t")
            .await
            .is_err()
    );
    // changing another organisation's user is refused
    assert!(
        s.set_user_password(b_org.id, ua.id, "x", "t")
            .await
            .is_err()
    );
    assert!(
        s.set_user_status(b_org.id, ua.id, UserStatus::Disabled, "t")
            .await
            .is_err()
    );
    assert!(
        s.set_user_access(b_org.id, ua.id, &[Role::Administrator], &[], "t")
            .await
            .is_err()
    );
    assert!(
        s.link_external_identity(b_org.id, "https://idp", "sub", ua.id, "t")
            .await
            .is_err()
    );
    assert_eq!(s.get_user(a_org.id, ua.id).await.unwrap(), ua);
    let _ = a_acc;
}

async fn bad_users_write_nothing(s: &dyn Store) {
    let (o, _) = org(s, "alfa").await;
    let (seq, _) = s.audit_head(o.id).await.unwrap();
    for bad in [
        new_user("not-an-address", &[], &[]),
        NewUser {
            name: " ".into(),
            ..new_user("a@b.se", &[], &[])
        },
        NewUser {
            function: String::new(),
            ..new_user("a@b.se", &[], &[])
        },
    ] {
        assert!(s.create_user(o.id, &bad, None, "t").await.is_err());
    }
    let missing = AccountGrant {
        account_id: AccountId(999_999),
        access: AccountAccess::Read,
    };
    assert!(
        s.create_user(o.id, &new_user("a@b.se", &[], &[missing]), None, "t")
            .await
            .is_err()
    );
    assert!(s.list_users(o.id).await.unwrap().is_empty());
    assert_eq!(s.audit_head(o.id).await.unwrap().0, seq);
}

async fn external_identities(s: &dyn Store) {
    let (o, _) = org(s, "alfa").await;
    let (other, _) = org(s, "beta").await;
    let u = s
        .create_user(o.id, &new_user("anna@x.se", &[], &[]), None, "t")
        .await
        .unwrap();
    assert!(
        s.user_by_external_identity(o.id, "https://idp", "s1")
            .await
            .is_err()
    );
    s.link_external_identity(o.id, "https://idp", "s1", u.id, "oidc")
        .await
        .unwrap();
    assert_eq!(
        s.user_by_external_identity(o.id, "https://idp", "s1")
            .await
            .unwrap(),
        u
    );
    // not across issuers or organisations
    assert!(
        s.user_by_external_identity(o.id, "https://other", "s1")
            .await
            .is_err()
    );
    assert!(
        s.user_by_external_identity(other.id, "https://idp", "s1")
            .await
            .is_err()
    );
    // a subject binds once
    let again = s
        .link_external_identity(o.id, "https://idp", "s1", u.id, "oidc")
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
}

async fn login_attempts_count_failures_after_success(s: &dyn Store) {
    let (o, _) = org(s, "alfa").await;
    let (other, _) = org(s, "beta").await;
    let now = Utc::now();
    let hour_ago = now - Duration::hours(1);
    for i in 0..3 {
        s.record_login_attempt(o.id, "Anna@x.se", hour_ago + Duration::seconds(i), false)
            .await
            .unwrap();
    }
    assert_eq!(
        s.failed_logins_since(o.id, "anna@x.se", hour_ago - Duration::minutes(1))
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        s.failed_logins_since(o.id, "anna@x.se", now - Duration::minutes(15))
            .await
            .unwrap(),
        0,
        "old failures age out"
    );
    assert_eq!(
        s.failed_logins_since(other.id, "anna@x.se", hour_ago - Duration::minutes(1))
            .await
            .unwrap(),
        0
    );
    s.record_login_attempt(o.id, "anna@x.se", hour_ago + Duration::seconds(10), true)
        .await
        .unwrap();
    s.record_login_attempt(o.id, "anna@x.se", hour_ago + Duration::seconds(20), false)
        .await
        .unwrap();
    assert_eq!(
        s.failed_logins_since(o.id, "anna@x.se", hour_ago - Duration::minutes(1))
            .await
            .unwrap(),
        1,
        "a success resets the count"
    );
    s.purge_sessions(now, now - Duration::minutes(30))
        .await
        .unwrap();
    assert_eq!(
        s.failed_logins_since(o.id, "anna@x.se", hour_ago - Duration::minutes(1))
            .await
            .unwrap(),
        0
    );
}

async fn sessions_expire_and_are_revoked(s: &dyn Store) {
    let (o, _) = org(s, "alfa").await;
    let u = s
        .create_user(o.id, &new_user("anna@x.se", &[], &[]), None, "t")
        .await
        .unwrap();
    let now = Utc::now();
    let live = StoredSession {
        id_sha256: "a".repeat(64),
        user: None,
        data: "{\"csrf\":\"x\"}".into(),
        expires_at: now + Duration::hours(1),
    };
    assert!(s.create_session(&live).await.unwrap());
    assert!(
        !s.create_session(&live).await.unwrap(),
        "an id is never reused"
    );
    let loaded = s.load_session(&live.id_sha256, now).await.unwrap().unwrap();
    assert_eq!(loaded.data, live.data);
    let signed_in = StoredSession {
        user: Some((o.id, u.id)),
        data: "{}".into(),
        ..live.clone()
    };
    s.save_session(&signed_in).await.unwrap();
    assert_eq!(
        s.load_session(&live.id_sha256, now)
            .await
            .unwrap()
            .unwrap()
            .user,
        Some((o.id, u.id))
    );
    let expired = StoredSession {
        id_sha256: "b".repeat(64),
        user: Some((o.id, u.id)),
        data: "{}".into(),
        expires_at: now - Duration::seconds(1),
    };
    s.save_session(&expired).await.unwrap();
    assert!(
        s.load_session(&expired.id_sha256, now)
            .await
            .unwrap()
            .is_none(),
        "an expired session is gone"
    );
    assert_eq!(
        s.purge_sessions(now, now - Duration::days(1))
            .await
            .unwrap(),
        1
    );
    // signing the user out everywhere ends the live one
    assert_eq!(s.delete_user_sessions(o.id, u.id).await.unwrap(), 1);
    assert!(
        s.load_session(&live.id_sha256, now)
            .await
            .unwrap()
            .is_none()
    );
    // disabling a user ends their sessions too
    s.save_session(&signed_in).await.unwrap();
    s.set_user_status(o.id, u.id, UserStatus::Disabled, "admin")
        .await
        .unwrap();
    assert!(
        s.load_session(&live.id_sha256, now)
            .await
            .unwrap()
            .is_none()
    );
    s.save_session(&live).await.unwrap();
    s.delete_session(&live.id_sha256).await.unwrap();
    assert!(
        s.load_session(&live.id_sha256, now)
            .await
            .unwrap()
            .is_none()
    );
}
