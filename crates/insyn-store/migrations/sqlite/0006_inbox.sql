-- The inbox (R5.1, R5.2): the current handling of each received record. The row is mutable
-- (the current state); every change is also an append-only record event and an audit entry.
-- A record without a row is new.
CREATE TABLE record_handling (
    record_id INTEGER PRIMARY KEY REFERENCES records(id),
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    state TEXT NOT NULL,
    assignee INTEGER REFERENCES users(id),
    answer_id INTEGER REFERENCES records(id),
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL
);
CREATE INDEX record_handling_state ON record_handling (org_id, state);
-- Received records in time order per account (the inbox reads these).
CREATE INDEX records_inbox ON records (org_id, direction, account_id, available_at);

-- The organisation's working-time calendar (eves treated as days off, extra days off) as JSON.
CREATE TABLE organisation_calendars (
    org_id INTEGER PRIMARY KEY REFERENCES organisations(id),
    rules TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL
);
