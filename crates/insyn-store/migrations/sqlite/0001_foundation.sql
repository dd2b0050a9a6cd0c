-- Foundation schema (SQLite). Keep in step with migrations/postgres/0001_foundation.sql:
-- a test compares the two.
CREATE TABLE organisations (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    diary_prefix TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE units (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    name TEXT NOT NULL,
    email TEXT,
    UNIQUE (org_id, name)
);

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    platform TEXT NOT NULL,
    handle TEXT NOT NULL,
    url TEXT NOT NULL,
    platform_id TEXT NOT NULL,
    purpose TEXT NOT NULL,
    target_group TEXT NOT NULL,
    message TEXT NOT NULL,
    contact TEXT NOT NULL,
    responsible TEXT NOT NULL,
    office_hours TEXT NOT NULL,
    response_hours BIGINT NOT NULL,
    status TEXT NOT NULL,
    planned_at TEXT NOT NULL,
    opened_at TEXT,
    closed_at TEXT
);
CREATE INDEX accounts_org ON accounts (org_id);

CREATE TABLE records (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    platform_item_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    direction TEXT NOT NULL,
    parent_platform_id TEXT,
    thread_platform_id TEXT,
    author_platform_id TEXT NOT NULL,
    available_at TEXT NOT NULL,
    platform_time TEXT,
    head_version BIGINT NOT NULL,
    head_digest TEXT NOT NULL,
    classification TEXT NOT NULL,
    deleted_seen_at TEXT,
    UNIQUE (account_id, platform_item_id)
);
CREATE INDEX records_org_time ON records (org_id, available_at);

CREATE TABLE record_versions (
    id INTEGER PRIMARY KEY,
    record_id INTEGER NOT NULL REFERENCES records(id),
    number BIGINT NOT NULL,
    text TEXT NOT NULL,
    author_name TEXT NOT NULL,
    media TEXT NOT NULL,
    raw_blob TEXT,
    raw_pointer TEXT NOT NULL,
    captured_at TEXT NOT NULL,
    content_digest TEXT NOT NULL,
    audit_seq BIGINT NOT NULL,
    UNIQUE (record_id, number)
);

CREATE TABLE record_events (
    id INTEGER PRIMARY KEY,
    record_id INTEGER NOT NULL REFERENCES records(id),
    kind TEXT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX record_events_record ON record_events (record_id);

CREATE TABLE audit_log (
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    seq BIGINT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    digest TEXT,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (org_id, seq)
);

CREATE TABLE audit_heads (
    org_id INTEGER PRIMARY KEY REFERENCES organisations(id),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);

CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    size BIGINT NOT NULL,
    media_type TEXT NOT NULL,
    stored_at TEXT NOT NULL
);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    name TEXT NOT NULL,
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

-- Records whose search document must be (re)built; written in the same transaction as the change.
CREATE TABLE search_outbox (
    id INTEGER PRIMARY KEY,
    record_id INTEGER NOT NULL
);

-- Evidence is append-only: the database itself refuses to change or remove it.
CREATE TRIGGER record_versions_append_only_u BEFORE UPDATE ON record_versions
BEGIN SELECT RAISE(ABORT, 'record versions are append-only'); END;
CREATE TRIGGER record_versions_append_only_d BEFORE DELETE ON record_versions
BEGIN SELECT RAISE(ABORT, 'record versions are append-only'); END;
CREATE TRIGGER record_events_append_only_u BEFORE UPDATE ON record_events
BEGIN SELECT RAISE(ABORT, 'record events are append-only'); END;
CREATE TRIGGER record_events_append_only_d BEFORE DELETE ON record_events
BEGIN SELECT RAISE(ABORT, 'record events are append-only'); END;
CREATE TRIGGER audit_log_append_only_u BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_append_only_d BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
