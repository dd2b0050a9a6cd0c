-- How each account is connected to its platform (R2.3, R2.5): the token sealed with the
-- installation's key (never stored in clear), the capture cursor and the connection health.
CREATE TABLE account_connections (
    account_id BIGINT PRIMARY KEY REFERENCES accounts(id),
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    base_url TEXT NOT NULL,
    sealed_token BYTEA NOT NULL,
    connected_at TIMESTAMPTZ NOT NULL,
    connected_by TEXT NOT NULL,
    cursor TEXT,
    -- ConnectionHealth as JSON; next_attempt_at is repeated for the scheduler's query
    health TEXT NOT NULL,
    next_attempt_at TIMESTAMPTZ
);
CREATE INDEX account_connections_due ON account_connections (next_attempt_at);

-- Alerts sent about failing accounts; append-only.
CREATE TABLE capture_alerts (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    raised_at TIMESTAMPTZ NOT NULL,
    level BIGINT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX capture_alerts_account ON capture_alerts (org_id, account_id, raised_at);
CREATE TRIGGER capture_alerts_append_only BEFORE UPDATE OR DELETE ON capture_alerts
    FOR EACH ROW EXECUTE FUNCTION insyn_append_only();
