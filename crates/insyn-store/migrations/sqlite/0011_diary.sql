-- The diary (diarieföring, R6, issue 5 item 5) and the e-mail outbox. Keep in step with the
-- other backend's 0011_diary.sql.
--
-- The number format of each organisation (no row: "{register} {year}/{seq:04}") and its
-- registers besides the organisation's diary prefix, which is always the default register.
CREATE TABLE diary_settings (
    org_id INTEGER PRIMARY KEY REFERENCES organisations(id),
    number_format TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL
);
CREATE TABLE diary_registers (
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, code)
);
-- The last number given per organisation, register and year; taken and raised in the same
-- transaction that writes the case, so numbers have no gaps and never repeat.
CREATE TABLE diary_counters (
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    register TEXT NOT NULL,
    year INTEGER NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (org_id, register, year)
);
CREATE TABLE diary_cases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    number TEXT NOT NULL,
    register TEXT NOT NULL,
    year INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    title TEXT NOT NULL,
    -- the title in lower case, for search (SQLite's lower() knows only ASCII)
    title_search TEXT NOT NULL,
    unit_id INTEGER REFERENCES units(id),
    registrar TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    status TEXT NOT NULL,
    documents INTEGER NOT NULL DEFAULT 0,
    UNIQUE (org_id, register, year, seq),
    UNIQUE (org_id, number)
);
CREATE INDEX diary_cases_list ON diary_cases (org_id, year, register, seq);
-- A record registered as a document in a case (once: a record is in one case).
CREATE TABLE diary_documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    case_id INTEGER NOT NULL REFERENCES diary_cases(id),
    doc_no INTEGER NOT NULL,
    number TEXT NOT NULL,
    record_id INTEGER NOT NULL REFERENCES records(id),
    direction TEXT NOT NULL,
    document_date TEXT NOT NULL,
    description TEXT NOT NULL,
    counterpart TEXT,
    registered_at TEXT NOT NULL,
    registered_by TEXT NOT NULL,
    UNIQUE (case_id, doc_no),
    UNIQUE (record_id)
);
CREATE TRIGGER diary_documents_append_only_u BEFORE UPDATE ON diary_documents
BEGIN SELECT RAISE(ABORT, 'diary documents are append-only'); END;
CREATE TRIGGER diary_documents_append_only_d BEFORE DELETE ON diary_documents
BEGIN SELECT RAISE(ABORT, 'diary documents are append-only'); END;

-- The one e-mail outbox: every message Insyn sends (decisions to requesters, registrations,
-- forwards), with its attempts, when the next is due, and what the last one said.
CREATE TABLE mail_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    to_email TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    purpose TEXT NOT NULL,
    subject_ref TEXT,
    state TEXT NOT NULL,
    queued_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    -- a sender holds the message until then (another process leaves it alone)
    locked_until TEXT,
    last_error TEXT,
    sent_at TEXT,
    -- the request outbox entry this message carries (its sent_at is set too)
    request_outbox_id INTEGER REFERENCES request_outbox(id)
);
CREATE INDEX mail_outbox_due ON mail_outbox (state, next_attempt_at);
CREATE INDEX mail_outbox_org ON mail_outbox (org_id, id);
CREATE TABLE mail_attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    mail_id INTEGER NOT NULL REFERENCES mail_outbox(id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    content BLOB NOT NULL
);
CREATE INDEX mail_attachments_mail ON mail_attachments (mail_id);
-- messages to requesters queued before this migration go out through the new outbox
INSERT INTO mail_outbox (org_id, to_email, subject, body, purpose, subject_ref, state, queued_at,
                         next_attempt_at, request_outbox_id)
SELECT org_id, to_email, subject, body, 'request', 'request:' || request_id, 'queued', queued_at,
       queued_at, id
FROM request_outbox WHERE sent_at IS NULL;
