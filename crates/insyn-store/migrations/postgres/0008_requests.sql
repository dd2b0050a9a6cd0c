-- Requests for public records (begäran om allmän handling, issue 6, R7.2, R7.5). The request row
-- holds the current state (mutable); every change is also an append-only request event and an
-- audit entry. The withheld log says what was masked and why; it points into the record's
-- version, which keeps the text. The outbox holds messages to requesters (sent later by SMTP).
CREATE TABLE requests (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    number TEXT NOT NULL,
    record_id BIGINT REFERENCES records(id),
    description TEXT NOT NULL,
    requester_name TEXT,
    requester_email TEXT,
    received_at TIMESTAMPTZ NOT NULL,
    due_on TEXT NOT NULL,
    state TEXT NOT NULL,
    assignee BIGINT REFERENCES users(id),
    refusal_reason TEXT,
    law TEXT,
    decided_at TIMESTAMPTZ,
    decided_by TEXT,
    -- SHA-256 (hex) of the requester's receipt token; the token itself is never stored
    token_sha256 TEXT NOT NULL UNIQUE,
    UNIQUE (org_id, number)
);
CREATE INDEX requests_queue ON requests (org_id, state, due_on);

CREATE TABLE request_counters (
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    year INTEGER NOT NULL,
    last BIGINT NOT NULL,
    PRIMARY KEY (org_id, year)
);

CREATE TABLE request_events (
    id BIGSERIAL PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES requests(id),
    kind TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    actor TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX request_events_request ON request_events (request_id, id);

CREATE TABLE request_withheld (
    id BIGSERIAL PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES requests(id),
    record_id BIGINT NOT NULL REFERENCES records(id),
    version INTEGER NOT NULL,
    start_byte BIGINT NOT NULL,
    end_byte BIGINT NOT NULL,
    reason TEXT NOT NULL,
    law TEXT NOT NULL
);
CREATE INDEX request_withheld_request ON request_withheld (request_id, start_byte);

CREATE TABLE request_outbox (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    request_id BIGINT NOT NULL REFERENCES requests(id),
    to_email TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    queued_at TIMESTAMPTZ NOT NULL,
    sent_at TIMESTAMPTZ
);

CREATE TRIGGER request_events_append_only BEFORE UPDATE OR DELETE ON request_events
    FOR EACH ROW EXECUTE FUNCTION insyn_append_only();
CREATE TRIGGER request_withheld_append_only BEFORE UPDATE OR DELETE ON request_withheld
    FOR EACH ROW EXECUTE FUNCTION insyn_append_only();
