-- Guided actions and automatic hiding (issue 5 item 4, issue 4 item 4). The evidence copies,
-- moderation calls and action steps are append-only record events (and audit entries); the only
-- new table holds the per-account opt-in to automatic hiding by screening category (off unless a
-- row says so).
CREATE TABLE auto_hide (
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    category TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    PRIMARY KEY (account_id, category)
);
CREATE INDEX auto_hide_org ON auto_hide (org_id);
-- Guided-action steps and flags are read per record by kind.
CREATE INDEX record_events_kind ON record_events (record_id, kind);
