-- Staff users, roles, per-account permissions, OIDC identities, sessions and sign-in attempts
-- (SQLite). Keep in step with migrations/postgres/0003_users_sessions.sql.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    function TEXT NOT NULL,
    status TEXT NOT NULL,
    -- Argon2id PHC string; NULL for users who sign in only through the identity provider.
    password_hash TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (org_id, email)
);

CREATE TABLE user_roles (
    user_id INTEGER NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE TABLE user_accounts (
    user_id INTEGER NOT NULL REFERENCES users(id),
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    access TEXT NOT NULL,
    PRIMARY KEY (user_id, account_id)
);

-- An identity provider's subject, bound to one user at the first sign-in.
CREATE TABLE external_identities (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    UNIQUE (org_id, issuer, subject)
);

-- Server-side sessions; the id is stored as its SHA-256 only.
CREATE TABLE sessions (
    id_sha256 TEXT PRIMARY KEY,
    org_id INTEGER REFERENCES organisations(id),
    user_id INTEGER REFERENCES users(id),
    data TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE login_attempts (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    email TEXT NOT NULL,
    at TEXT NOT NULL,
    success BOOLEAN NOT NULL
);
CREATE INDEX login_attempts_key ON login_attempts (org_id, email, at);
