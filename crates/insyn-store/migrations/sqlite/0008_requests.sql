-- Requests for public records (begäran om allmän handling, issue 6, R7.2, R7.5). The request row
-- holds the current state (mutable); every change is also an append-only request event and an
-- audit entry. The withheld log says what was masked and why; it points into the record's
-- version, which keeps the text. The outbox holds messages to requesters (sent later by SMTP).
CREATE TABLE requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    number TEXT NOT NULL,
    record_id INTEGER REFERENCES records(id),
    description TEXT NOT NULL,
    requester_name TEXT,
    requester_email TEXT,
    received_at TEXT NOT NULL,
    due_on TEXT NOT NULL,
    state TEXT NOT NULL,
    assignee INTEGER REFERENCES users(id),
    refusal_reason TEXT,
    law TEXT,
    decided_at TEXT,
    decided_by TEXT,
    -- SHA-256 (hex) of the requester's receipt token; the token itself is never stored
    token_sha256 TEXT NOT NULL UNIQUE,
    UNIQUE (org_id, number)
);
CREATE INDEX requests_queue ON requests (org_id, state, due_on);

CREATE TABLE request_counters (
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    year INTEGER NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (org_id, year)
);

CREATE TABLE request_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id INTEGER NOT NULL REFERENCES requests(id),
    kind TEXT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX request_events_request ON request_events (request_id, id);

CREATE TABLE request_withheld (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id INTEGER NOT NULL REFERENCES requests(id),
    record_id INTEGER NOT NULL REFERENCES records(id),
    version INTEGER NOT NULL,
    start_byte INTEGER NOT NULL,
    end_byte INTEGER NOT NULL,
    reason TEXT NOT NULL,
    law TEXT NOT NULL
);
CREATE INDEX request_withheld_request ON request_withheld (request_id, start_byte);

CREATE TABLE request_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    request_id INTEGER NOT NULL REFERENCES requests(id),
    to_email TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    queued_at TEXT NOT NULL,
    sent_at TEXT
);

CREATE TRIGGER request_events_append_only_u BEFORE UPDATE ON request_events
BEGIN SELECT RAISE(ABORT, 'request events are append-only'); END;
CREATE TRIGGER request_events_append_only_d BEFORE DELETE ON request_events
BEGIN SELECT RAISE(ABORT, 'request events are append-only'); END;
CREATE TRIGGER request_withheld_append_only_u BEFORE UPDATE ON request_withheld
BEGIN SELECT RAISE(ABORT, 'the withheld log is append-only'); END;
CREATE TRIGGER request_withheld_append_only_d BEFORE DELETE ON request_withheld
BEGIN SELECT RAISE(ABORT, 'the withheld log is append-only'); END;
