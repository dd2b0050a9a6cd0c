-- The access log (R12.1, every access to non-public records logged), in a database file of its
-- own beside the main one (`<name>-access.db`): one row for every page or API answer that showed
-- staff records that are not released, with the records it showed (as a JSON array, and one row
-- each in access_log_records to find a record's accesses). A file of its own because every
-- commit to a SQLite file makes every other connection to it drop its page cache: a page view
-- logged in the main file would make every reader read its pages again. Append-only, like the
-- audit log. Keep in step with migrations/postgres/0021_access_log.sql.
CREATE TABLE access_log (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    at TEXT NOT NULL,
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
    last_id INTEGER NOT NULL
);
INSERT INTO access_log_indexed (id, last_id) VALUES (1, 0);
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
