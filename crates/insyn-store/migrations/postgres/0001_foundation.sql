-- Foundation schema (PostgreSQL). Keep in step with migrations/sqlite/0001_foundation.sql:
-- a test compares the two.
CREATE TABLE organisations (
    id BIGSERIAL PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    diary_prefix TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE units (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    name TEXT NOT NULL,
    email TEXT,
    UNIQUE (org_id, name)
);

CREATE TABLE accounts (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
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
    planned_at TIMESTAMPTZ NOT NULL,
    opened_at TIMESTAMPTZ,
    closed_at TIMESTAMPTZ
);
CREATE INDEX accounts_org ON accounts (org_id);

CREATE TABLE records (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    platform_item_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    direction TEXT NOT NULL,
    parent_platform_id TEXT,
    thread_platform_id TEXT,
    author_platform_id TEXT NOT NULL,
    available_at TIMESTAMPTZ NOT NULL,
    platform_time TIMESTAMPTZ,
    head_version BIGINT NOT NULL,
    head_digest TEXT NOT NULL,
    classification TEXT NOT NULL,
    deleted_seen_at TIMESTAMPTZ,
    UNIQUE (account_id, platform_item_id)
);
CREATE INDEX records_org_time ON records (org_id, available_at);

CREATE TABLE record_versions (
    id BIGSERIAL PRIMARY KEY,
    record_id BIGINT NOT NULL REFERENCES records(id),
    number BIGINT NOT NULL,
    text TEXT NOT NULL,
    author_name TEXT NOT NULL,
    media TEXT NOT NULL,
    raw_blob TEXT,
    raw_pointer TEXT NOT NULL,
    captured_at TIMESTAMPTZ NOT NULL,
    content_digest TEXT NOT NULL,
    audit_seq BIGINT NOT NULL,
    UNIQUE (record_id, number)
);

CREATE TABLE record_events (
    id BIGSERIAL PRIMARY KEY,
    record_id BIGINT NOT NULL REFERENCES records(id),
    kind TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    actor TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX record_events_record ON record_events (record_id);

CREATE TABLE audit_log (
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    seq BIGINT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
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
    org_id BIGINT PRIMARY KEY REFERENCES organisations(id),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);

CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    size BIGINT NOT NULL,
    media_type TEXT NOT NULL,
    stored_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE api_tokens (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    name TEXT NOT NULL,
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL
);

-- Records whose search document must be (re)built; written in the same transaction as the change.
CREATE TABLE search_outbox (
    id BIGSERIAL PRIMARY KEY,
    record_id BIGINT NOT NULL
);

-- Evidence is append-only: the database itself refuses to change or remove it.
CREATE FUNCTION insyn_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER record_versions_append_only BEFORE UPDATE OR DELETE ON record_versions
    FOR EACH ROW EXECUTE FUNCTION insyn_append_only();
CREATE TRIGGER record_events_append_only BEFORE UPDATE OR DELETE ON record_events
    FOR EACH ROW EXECUTE FUNCTION insyn_append_only();
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION insyn_append_only();
