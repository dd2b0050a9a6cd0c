-- The access log (R12.1, every access to non-public records logged): one row for every page or
-- API answer that showed staff records that are not released, with the records it showed (as a
-- JSON array, and one row each in access_log_records to find a record's accesses). Kept apart
-- from the audit chain: a view changes nothing, and the chain's head is the organisation's
-- change mark. Append-only, like the audit log. (SQLite keeps it in a file of its own:
-- migrations/sqlite-access/0001_access_log.sql.)
CREATE TABLE access_log (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    at TIMESTAMPTZ NOT NULL,
    actor TEXT NOT NULL,
    via TEXT NOT NULL,
    detail TEXT NOT NULL,
    records TEXT NOT NULL
);
CREATE INDEX access_log_org ON access_log (org_id, id);
CREATE INDEX access_log_actor ON access_log (org_id, actor, id);
-- Filled from access_log in the background, many entries at a time (sorted, so each index page
-- is written once per pass, not once per page view); access_log_indexed holds how far.
CREATE TABLE access_log_indexed (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_id BIGINT NOT NULL
);
INSERT INTO access_log_indexed (id, last_id) VALUES (1, 0);
CREATE TABLE access_log_records (
    org_id BIGINT NOT NULL,
    record_id BIGINT NOT NULL,
    access_id BIGINT NOT NULL REFERENCES access_log(id),
    PRIMARY KEY (org_id, record_id, access_id)
);
CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION insyn_append_only();
CREATE TRIGGER access_log_records_append_only BEFORE UPDATE OR DELETE ON access_log_records
    FOR EACH ROW EXECUTE FUNCTION insyn_append_only();
