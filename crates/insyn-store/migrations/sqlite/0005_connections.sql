-- How each account is connected to its platform (R2.3, R2.5): the token sealed with the
-- installation's key (never stored in clear), the capture cursor and the connection health.
CREATE TABLE account_connections (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id),
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    base_url TEXT NOT NULL,
    sealed_token BLOB NOT NULL,
    connected_at TEXT NOT NULL,
    connected_by TEXT NOT NULL,
    cursor TEXT,
    -- ConnectionHealth as JSON; next_attempt_at is repeated for the scheduler's query
    health TEXT NOT NULL,
    next_attempt_at TEXT
);
CREATE INDEX account_connections_due ON account_connections (next_attempt_at);

-- Alerts sent about failing accounts; append-only.
CREATE TABLE capture_alerts (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    raised_at TEXT NOT NULL,
    level INTEGER NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX capture_alerts_account ON capture_alerts (org_id, account_id, raised_at);
CREATE TRIGGER capture_alerts_append_only_u BEFORE UPDATE ON capture_alerts
BEGIN SELECT RAISE(ABORT, 'capture_alerts is append-only'); END;
CREATE TRIGGER capture_alerts_append_only_d BEFORE DELETE ON capture_alerts
BEGIN SELECT RAISE(ABORT, 'capture_alerts is append-only'); END;
