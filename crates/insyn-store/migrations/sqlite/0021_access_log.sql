-- The access log (R12.1, every access to non-public records logged): one row for every page or
-- API answer that showed staff records that are not released, with the records it showed (as a
-- JSON array, and one row each in access_log_records to find a record's accesses). Kept apart
-- from the audit chain: a view changes nothing, and the chain's head is the organisation's
-- change mark. Append-only, like the audit log. Keep in step with
-- migrations/postgres/0021_access_log.sql.
CREATE TABLE access_log (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    via TEXT NOT NULL,
    detail TEXT NOT NULL,
    records TEXT NOT NULL
);
CREATE INDEX access_log_org ON access_log (org_id, id);
CREATE INDEX access_log_actor ON access_log (org_id, actor, id);
CREATE TABLE access_log_records (
    org_id INTEGER NOT NULL,
    record_id INTEGER NOT NULL,
    access_id INTEGER NOT NULL REFERENCES access_log(id),
    PRIMARY KEY (org_id, record_id, access_id)
) WITHOUT ROWID;
CREATE TRIGGER access_log_append_only_u BEFORE UPDATE ON access_log
BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
CREATE TRIGGER access_log_append_only_d BEFORE DELETE ON access_log
BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
CREATE TRIGGER access_log_records_append_only_u BEFORE UPDATE ON access_log_records
BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
CREATE TRIGGER access_log_records_append_only_d BEFORE DELETE ON access_log_records
BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
