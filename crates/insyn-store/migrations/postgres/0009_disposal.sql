-- Disposal (gallring, R9) and the delivery log (R8.1, R8.3). Keep in step with
-- migrations/sqlite/0009_disposal.sql.

-- Disposal rules, each bound to a disposal decision (gallringsbeslut).
CREATE TABLE disposal_rules (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    decision_reference TEXT NOT NULL,
    decided_on DATE NOT NULL,
    decision_body TEXT NOT NULL,
    record_class TEXT NOT NULL,
    account_id BIGINT REFERENCES accounts(id),
    retention_months BIGINT NOT NULL,
    only_after_archived BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX disposal_rules_org ON disposal_rules (org_id);

-- Legal holds per record, thread or account; lifted holds stay (with who, when and why).
CREATE TABLE legal_holds (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    scope TEXT NOT NULL,
    record_id BIGINT REFERENCES records(id),
    account_id BIGINT REFERENCES accounts(id),
    thread TEXT,
    reason TEXT NOT NULL,
    set_at TIMESTAMPTZ NOT NULL,
    set_by TEXT NOT NULL,
    lifted_at TIMESTAMPTZ,
    lifted_by TEXT,
    lift_reason TEXT
);
CREATE INDEX legal_holds_org ON legal_holds (org_id);

-- Crisis periods: records available within one are kept from disposal (R9.3).
CREATE TABLE crisis_periods (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    starts_at TIMESTAMPTZ NOT NULL,
    ends_at TIMESTAMPTZ NOT NULL,
    reason TEXT NOT NULL,
    set_at TIMESTAMPTZ NOT NULL,
    set_by TEXT NOT NULL
);

-- A person's decision that R9.3's protection does not apply to a record.
CREATE TABLE disposal_overrides (
    record_id BIGINT PRIMARY KEY REFERENCES records(id),
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    reason TEXT NOT NULL,
    decided_at TIMESTAMPTZ NOT NULL,
    decided_by TEXT NOT NULL
);

-- The disposal protocol (gallringsprotokoll): one entry per disposed record. Append-only.
CREATE TABLE disposal_protocol (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    record_id BIGINT NOT NULL UNIQUE REFERENCES records(id),
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    platform_item_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    direction TEXT NOT NULL,
    available_at TIMESTAMPTZ NOT NULL,
    versions TEXT NOT NULL,
    blobs_removed TEXT NOT NULL,
    blobs_kept TEXT NOT NULL,
    rule_id BIGINT NOT NULL REFERENCES disposal_rules(id),
    decision_reference TEXT NOT NULL,
    decided_on DATE NOT NULL,
    decision_body TEXT NOT NULL,
    disposed_at TIMESTAMPTZ NOT NULL,
    disposed_by TEXT NOT NULL,
    audit_seq BIGINT NOT NULL
);
CREATE INDEX disposal_protocol_org ON disposal_protocol (org_id, id);
CREATE TRIGGER disposal_protocol_append_only BEFORE UPDATE OR DELETE ON disposal_protocol
    FOR EACH ROW EXECUTE FUNCTION insyn_append_only();

-- Blobs removed under the protocol (so `verify` tells them from blobs that were lost).
CREATE TABLE disposed_blobs (
    sha256 TEXT PRIMARY KEY,
    size BIGINT NOT NULL,
    media_type TEXT NOT NULL,
    disposed_at TIMESTAMPTZ NOT NULL,
    protocol_id BIGINT NOT NULL REFERENCES disposal_protocol(id)
);

ALTER TABLE records ADD COLUMN disposed_at TIMESTAMPTZ;
CREATE INDEX record_versions_raw_blob ON record_versions (raw_blob);

-- Versions stay append-only, with one exception: disposal may empty a version's content
-- (text, author, media, raw payload) once the record's protocol entry exists. Its digest,
-- number, time and audit position never change.
DROP TRIGGER record_versions_append_only ON record_versions;
CREATE TRIGGER record_versions_append_only_d BEFORE DELETE ON record_versions
    FOR EACH ROW EXECUTE FUNCTION insyn_append_only();
CREATE FUNCTION insyn_version_disposal_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.text = '' AND NEW.author_name = '' AND NEW.media = '[]' AND NEW.raw_blob IS NULL
       AND NEW.id = OLD.id AND NEW.record_id = OLD.record_id AND NEW.number = OLD.number
       AND NEW.raw_pointer = OLD.raw_pointer AND NEW.captured_at = OLD.captured_at
       AND NEW.content_digest = OLD.content_digest AND NEW.audit_seq = OLD.audit_seq
       AND EXISTS (SELECT 1 FROM disposal_protocol p WHERE p.record_id = OLD.record_id) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'record versions are append-only (only disposal under a protocol entry may empty one)';
END;
$$;
CREATE TRIGGER record_versions_disposal_only BEFORE UPDATE ON record_versions
    FOR EACH ROW EXECUTE FUNCTION insyn_version_disposal_only();

-- The delivery schedule per organisation (monthly by default; at most every six months).
CREATE TABLE delivery_schedules (
    org_id BIGINT PRIMARY KEY REFERENCES organisations(id),
    interval_months BIGINT NOT NULL,
    starts_on DATE NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL,
    changed_by TEXT NOT NULL
);

-- The delivery log: what went where, when, with which checksums. Append-only.
CREATE TABLE deliveries (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    period_from TIMESTAMPTZ,
    period_to TIMESTAMPTZ NOT NULL,
    account_id BIGINT REFERENCES accounts(id),
    objid TEXT NOT NULL,
    destination TEXT NOT NULL,
    format TEXT NOT NULL,
    records BIGINT NOT NULL,
    files BIGINT NOT NULL,
    bytes BIGINT NOT NULL,
    mets_sha256 TEXT NOT NULL,
    records_sha256 TEXT NOT NULL,
    validation TEXT NOT NULL,
    delivered_at TIMESTAMPTZ NOT NULL,
    delivered_by TEXT NOT NULL,
    redelivery_of BIGINT REFERENCES deliveries(id),
    same_content BOOLEAN,
    audit_seq BIGINT NOT NULL
);
CREATE INDEX deliveries_org ON deliveries (org_id, period_to);
CREATE TRIGGER deliveries_append_only BEFORE UPDATE OR DELETE ON deliveries
    FOR EACH ROW EXECUTE FUNCTION insyn_append_only();
