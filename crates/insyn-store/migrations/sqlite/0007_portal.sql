-- The public portal (R7.1, R7.3; issue 6). Keep in step with the other backend's 0007_portal.sql.
-- The release policy of each organisation as JSON (insyn_domain::ReleasePolicy); no row means
-- the cautious defaults. Every change is also an audit entry.
CREATE TABLE release_policies (
    org_id INTEGER PRIMARY KEY REFERENCES organisations(id),
    policy TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL
);
-- The release sweep reads unassessed records of an organisation in id order.
CREATE INDEX records_classification ON records (org_id, classification, id);
-- "Is this record still waiting for screening?" is asked per record.
CREATE INDEX screening_outbox_record ON screening_outbox (record_id);
