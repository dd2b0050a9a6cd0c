-- Disposal (gallring, R9) and the delivery log (R8.1, R8.3). Keep in step with
-- migrations/postgres/0009_disposal.sql.

-- Disposal rules, each bound to a disposal decision (gallringsbeslut).
CREATE TABLE disposal_rules (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    decision_reference TEXT NOT NULL,
    decided_on TEXT NOT NULL,
    decision_body TEXT NOT NULL,
    record_class TEXT NOT NULL,
    account_id INTEGER REFERENCES accounts(id),
    retention_months BIGINT NOT NULL,
    only_after_archived BOOLEAN NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX disposal_rules_org ON disposal_rules (org_id);

-- Legal holds per record, thread or account; lifted holds stay (with who, when and why).
CREATE TABLE legal_holds (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    scope TEXT NOT NULL,
    record_id INTEGER REFERENCES records(id),
    account_id INTEGER REFERENCES accounts(id),
    thread TEXT,
    reason TEXT NOT NULL,
    set_at TEXT NOT NULL,
    set_by TEXT NOT NULL,
    lifted_at TEXT,
    lifted_by TEXT,
    lift_reason TEXT
);
CREATE INDEX legal_holds_org ON legal_holds (org_id);

-- Crisis periods: records available within one are kept from disposal (R9.3).
CREATE TABLE crisis_periods (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    reason TEXT NOT NULL,
    set_at TEXT NOT NULL,
    set_by TEXT NOT NULL
);

-- A person's decision that R9.3's protection does not apply to a record.
CREATE TABLE disposal_overrides (
    record_id INTEGER PRIMARY KEY REFERENCES records(id),
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    reason TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    decided_by TEXT NOT NULL
);

-- The disposal protocol (gallringsprotokoll): one entry per disposed record. Append-only.
CREATE TABLE disposal_protocol (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    record_id INTEGER NOT NULL UNIQUE REFERENCES records(id),
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    platform_item_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    direction TEXT NOT NULL,
    available_at TEXT NOT NULL,
    versions TEXT NOT NULL,
    blobs_removed TEXT NOT NULL,
    blobs_kept TEXT NOT NULL,
    rule_id INTEGER NOT NULL REFERENCES disposal_rules(id),
    decision_reference TEXT NOT NULL,
    decided_on TEXT NOT NULL,
    decision_body TEXT NOT NULL,
    disposed_at TEXT NOT NULL,
    disposed_by TEXT NOT NULL,
    audit_seq BIGINT NOT NULL
);
CREATE INDEX disposal_protocol_org ON disposal_protocol (org_id, id);
CREATE TRIGGER disposal_protocol_append_only_u BEFORE UPDATE ON disposal_protocol
BEGIN SELECT RAISE(ABORT, 'the disposal protocol is append-only'); END;
CREATE TRIGGER disposal_protocol_append_only_d BEFORE DELETE ON disposal_protocol
BEGIN SELECT RAISE(ABORT, 'the disposal protocol is append-only'); END;

-- Blobs removed under the protocol (so `verify` tells them from blobs that were lost).
CREATE TABLE disposed_blobs (
    sha256 TEXT PRIMARY KEY,
    size BIGINT NOT NULL,
    media_type TEXT NOT NULL,
    disposed_at TEXT NOT NULL,
    protocol_id INTEGER NOT NULL REFERENCES disposal_protocol(id)
);

ALTER TABLE records ADD COLUMN disposed_at TEXT;
CREATE INDEX record_versions_raw_blob ON record_versions (raw_blob);

-- Versions stay append-only, with one exception: disposal may empty a version's content
-- (text, author, media, raw payload) once the record's protocol entry exists. Its digest,
-- number, time and audit position never change.
DROP TRIGGER record_versions_append_only_u;
CREATE TRIGGER record_versions_append_only_u BEFORE UPDATE ON record_versions
WHEN NOT (
    NEW.text = '' AND NEW.author_name = '' AND NEW.media = '[]' AND NEW.raw_blob IS NULL
    AND NEW.id = OLD.id AND NEW.record_id = OLD.record_id AND NEW.number = OLD.number
    AND NEW.raw_pointer = OLD.raw_pointer AND NEW.captured_at = OLD.captured_at
    AND NEW.content_digest = OLD.content_digest AND NEW.audit_seq = OLD.audit_seq
    AND EXISTS (SELECT 1 FROM disposal_protocol p WHERE p.record_id = OLD.record_id)
)
BEGIN SELECT RAISE(ABORT, 'record versions are append-only (only disposal under a protocol entry may empty one)'); END;

-- The delivery schedule per organisation (monthly by default; at most every six months).
CREATE TABLE delivery_schedules (
    org_id INTEGER PRIMARY KEY REFERENCES organisations(id),
    interval_months BIGINT NOT NULL,
    starts_on TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL
);

-- The delivery log: what went where, when, with which checksums. Append-only.
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    period_from TEXT,
    period_to TEXT NOT NULL,
    account_id INTEGER REFERENCES accounts(id),
    objid TEXT NOT NULL,
    destination TEXT NOT NULL,
    format TEXT NOT NULL,
    records BIGINT NOT NULL,
    files BIGINT NOT NULL,
    bytes BIGINT NOT NULL,
    mets_sha256 TEXT NOT NULL,
    records_sha256 TEXT NOT NULL,
    validation TEXT NOT NULL,
    delivered_at TEXT NOT NULL,
    delivered_by TEXT NOT NULL,
    redelivery_of INTEGER REFERENCES deliveries(id),
    same_content BOOLEAN,
    audit_seq BIGINT NOT NULL
);
CREATE INDEX deliveries_org ON deliveries (org_id, period_to);
CREATE TRIGGER deliveries_append_only_u BEFORE UPDATE ON deliveries
BEGIN SELECT RAISE(ABORT, 'the delivery log is append-only'); END;
CREATE TRIGGER deliveries_append_only_d BEFORE DELETE ON deliveries
BEGIN SELECT RAISE(ABORT, 'the delivery log is append-only'); END;
